//! The sandbox's `/__sim` control surface (the sandbox crate's `SIM_API.md`): the bodies the
//! app's one-click scenarios and the tests send to it, and the clock it answers with.

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
