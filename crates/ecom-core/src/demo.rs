//! Demo credentials of the local sandbox.
//!
//! The sandbox accepts these out of the box and the playground prefills them when the
//! "Local sandbox" environment is selected, so a first-time user has nothing to type. They
//! are not secrets: they only open the simulator that runs on the user's own machine.

/// `client_id` of the demo merchant (GUID-shaped, like real ones).
pub const CLIENT_ID: &str = "5f0c2c0e-8a5b-4bd4-9d43-0c5e3b1d7a01";
/// `client_secret` of the demo merchant.
pub const CLIENT_SECRET: &str = "sandbox-demo-secret-do-not-use-in-mt";
/// `Ocp-Apim-Subscription-Key` of the demo merchant (32 hex characters, like real ones).
pub const SUBSCRIPTION_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
/// Merchant serial number of the demo merchant.
pub const MERCHANT_SERIAL_NUMBER: &str = "123456";
/// A test user's mobile number known to the sandbox (8 digits, no country code).
pub const MOBILE_NUMBER: &str = "91234567";
/// The sandbox's direct-capture merchant (SALE at approval; may skip the landing page).
pub mod direct_capture {
    /// Its `client_id`.
    pub const CLIENT_ID: &str = "7a1d3e55-2b6c-4f0e-9c1a-3d2e5f6a7b02";
    /// Its `client_secret` (opens only the local sandbox).
    pub const CLIENT_SECRET: &str = "sandbox-direct-secret-do-not-use-in-mt";
    /// Its `Ocp-Apim-Subscription-Key`.
    pub const SUBSCRIPTION_KEY: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f802";
    /// Its merchant serial number.
    pub const MERCHANT_SERIAL_NUMBER: &str = "223344";
}

/// A second verified test user of the sandbox.
pub const SECOND_MOBILE_NUMBER: &str = "12345678";
/// The sandbox's test user who has never approved a payment in the app, as a new MT test user:
/// force approve answers error 1082 for this number.
pub const UNVERIFIED_MOBILE_NUMBER: &str = "48059528";

/// The sandbox's test users, each with what it is for: the sandbox is configured with these
/// numbers and the playground lists them next to the mobileNumber field.
pub const TEST_USERS: [(&str, &str); 3] = [
    (MOBILE_NUMBER, "the demo user, prefilled"),
    (SECOND_MOBILE_NUMBER, "a second user"),
    (
        UNVERIFIED_MOBILE_NUMBER,
        "has not approved a payment in the app yet, so force approve answers 1082",
    ),
];

/// The sandbox's test users as one sentence for the page.
pub fn test_users_sentence() -> String {
    let users: Vec<String> = TEST_USERS
        .iter()
        .map(|(number, what)| format!("{number} ({what})"))
        .collect();
    format!("Sandbox test users: {}.", users.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_user_number_is_valid_and_listed_once() {
        let sentence = test_users_sentence();
        for (number, _) in TEST_USERS {
            assert!(crate::validate::mobile_number(number).is_ok(), "{number}");
            assert_eq!(sentence.matches(number).count(), 1, "{sentence}");
        }
        assert!(
            sentence.contains("48059528 (has not approved"),
            "{sentence}"
        );
    }
}
