//! The sandbox's `/__sim` control surface (the sandbox crate's `SIM_API.md`): the bodies the
//! app's one-click scenarios and the tests send to it, and what it answers (a payment, the
//! clock, faults, configuration and test data).

use serde::{Deserialize, Serialize};

/// `POST /__sim/landing/{token}/phone`: the number typed on the landing page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    /// A test user's phone number (8 digits).
    pub phone: Option<String>,
}

/// `POST /__sim/app/{token}/approve`: what the user chooses in the simulated app; every
/// field has a default (the landing page's number, the first address and method).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Approval {
    /// Who approves, if the landing page did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Express: the address to ship to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<u32>,
    /// Express: the shipping method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method_id: Option<String>,
    /// Profile: whether the user shares what the scopes ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<bool>,
}

/// `POST /__sim/clock`: move the simulated clock on, or back to real time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockChange {
    /// Seconds to move on (0 to ten years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_seconds: Option<i64>,
    /// Back to real time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
}

/// The answer of `GET`/`POST /__sim/clock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clock {
    /// The simulated time (ISO-8601).
    pub now: String,
    /// The simulated time in epoch milliseconds.
    pub now_millis: i64,
    /// How far the simulated clock is ahead of real time.
    pub offset_seconds: i64,
}

/// `POST /__sim/faults`: the next `remaining` matching calls fail with this error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// `initiate`, `capture`, `cancel`, `refund`, `approve`, `details`, `status`, `app`, …
    pub endpoint: String,
    /// Only for this MSN, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msn: Option<String>,
    /// Only for this orderId, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The eCom error code to answer with.
    pub error_code: String,
    /// Overrides the HTTP status (default from the catalogue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How many calls fail (default 1).
    #[serde(default = "one")]
    pub remaining: u32,
}

fn one() -> u32 {
    1
}

/// An error of the control surface: `{"error": "…"}` with a 4xx status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimError {
    /// What was wrong and what to send instead.
    pub error: String,
}

/// `GET /__sim/payments/{msn}/{orderId}` and the answer of every landing and app action:
/// the sandbox's whole view of one payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// The sales unit.
    pub msn: String,
    /// The orderId.
    pub order_id: String,
    /// `INITIATE`, `RESERVE`, `SALE`, `CANCEL`, `VOID` or `FAILED`.
    pub state: String,
    /// Who cancelled: `merchant`, `app`, `landing` or `timeout`.
    pub cancel_cause: Option<String>,
    /// The payment type.
    pub payment_type: String,
    /// The scopes asked for.
    pub scope: Vec<String>,
    /// Whether approval goes straight to SALE.
    pub direct_capture: bool,
    /// Whether initiate asked for a deeplink.
    pub is_app: bool,
    /// Whether initiate skipped the landing page.
    pub skip_landing_page: bool,
    /// The initiated amount (øre).
    pub amount: i64,
    /// Reserved, with shipping (øre).
    pub reserved_amount: i64,
    /// Captured so far (øre).
    pub captured_amount: i64,
    /// Refunded so far (øre).
    pub refunded_amount: i64,
    /// Still capturable (øre).
    pub remaining_amount_to_capture: i64,
    /// Still refundable (øre).
    pub remaining_amount_to_refund: i64,
    /// Whether a cancel released what was not captured.
    pub released: bool,
    /// initiate's `transactionText`.
    pub transaction_text: String,
    /// initiate's phone number, normalised.
    pub mobile_number: Option<String>,
    /// The landing-page token.
    pub token: String,
    /// The landing page.
    pub landing_url: String,
    /// The simulated app's page for the payment.
    pub app_url: String,
    /// Vipps' transaction id, once there is one.
    pub transaction_id: Option<String>,
    /// When initiated (ISO-8601).
    pub created_at: String,
    /// When reserved (ISO-8601).
    pub reserved_at: Option<String>,
    /// When the user phase times out, while in INITIATE.
    pub deadline: Option<String>,
    /// The user's progress in the landing page and the app.
    pub app: AppProgress,
    /// Who paid.
    pub payer_phone: Option<String>,
    /// `userDetails.userId` of who paid.
    pub user_id: Option<String>,
    /// The userinfo `sub`, for profile payments.
    pub sub: Option<String>,
    /// Callbacks sent for the payment.
    pub callbacks_sent: u32,
    /// Idempotency keys remembered.
    pub idempotency_keys: usize,
    /// The payment's details as `GET …/details` answers now.
    pub details: crate::wire::details::Details,
}

/// The user's progress through the landing page and the simulated app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProgress {
    /// The number given on the landing page.
    pub phone: Option<String>,
    /// Whether the user consented to share profile data.
    pub consent: bool,
    /// Express: the chosen address.
    pub address_id: Option<u32>,
    /// Express: the chosen shipping method.
    pub shipping_method_id: Option<String>,
    /// Express: the methods offered (static, or the merchant's answer).
    pub shipping_options: Option<Vec<crate::wire::initiate::ShippingOption>>,
    /// Express: why the merchant's shipping methods could not be fetched.
    pub shipping_error: Option<String>,
}

/// One line of `GET /__sim/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentLine {
    /// The sales unit.
    pub msn: String,
    /// The orderId.
    pub order_id: String,
    /// The state.
    pub state: String,
    /// The initiated amount (øre).
    pub amount: i64,
    /// When initiated (ISO-8601).
    pub created_at: String,
    /// The landing-page token.
    pub token: String,
}

/// `GET /__sim/payments`: the newest payments first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payments {
    /// At most `limit` of them.
    pub payments: Vec<PaymentLine>,
}

/// The queued faults, the answer of `GET` and `POST /__sim/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// In the order they were added.
    pub faults: Vec<Fault>,
}

/// A merchant of the sandbox, as `/__sim/config` and `/__sim/test-data` show it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Merchant {
    /// The sales unit.
    pub msn: String,
    /// Its name.
    pub name: String,
    /// Its `client_id` (not a secret).
    pub client_id: String,
    /// Whether these are the playground's demo keys (test data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_keys: Option<bool>,
    /// Approval goes straight to SALE.
    pub direct_capture: bool,
    /// May skip the landing page.
    pub skip_landing_page: bool,
    /// May ask for the `nin` scope.
    pub nin_allowed: bool,
    /// May initiate at all.
    pub payments_allowed: bool,
    /// What it is for, in a few words (test data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// A test user, as `/__sim/config` and `/__sim/test-data` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The phone number that logs them in.
    pub phone: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// BankID-verified users approve; the others fail force approve with 1082.
    pub bank_id_verified: bool,
    /// `approves` or `1082` (test data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_approve: Option<String>,
    /// Their addresses (test data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<UserAddress>>,
    /// What they are for, in a few words (test data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// A test user's address in `/__sim/test-data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAddress {
    /// The id express checkout chooses it by.
    pub id: u32,
    /// `home`, `work` or `other`.
    pub address_type: String,
    /// First line.
    pub line1: String,
    /// Postal code.
    pub post_code: String,
    /// City.
    pub city: String,
}

/// `GET /__sim/test-data`: the test users and merchants with what each is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestData {
    /// The test users.
    pub users: Vec<User>,
    /// The merchants.
    pub merchants: Vec<Merchant>,
}

/// `GET /__sim/config`: how this sandbox runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The base URL its links use.
    pub public_base_url: String,
    /// Whether MT's rate limits apply.
    pub rate_limits: bool,
    /// Whether callbacks may go to loopback addresses.
    pub allow_loopback_callbacks: bool,
    /// The merchants.
    pub merchants: Vec<Merchant>,
    /// The test users, by phone number.
    pub users: Vec<User>,
    /// Payments held.
    pub payments: usize,
    /// The most payments held.
    pub max_payments: usize,
    /// Estimated bytes the payments take.
    pub payment_bytes: usize,
    /// The most bytes they may take.
    pub max_payment_bytes: usize,
}

/// `POST /__sim/consents/{msn}/{userId}/remove`: the consent-removal request the sandbox sent
/// to the merchant, as Vipps would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentRemoved {
    /// The recorded request.
    pub callback: crate::wire::callbacks::Record,
}
