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
