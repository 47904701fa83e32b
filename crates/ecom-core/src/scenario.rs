//! Scenarios in one click: the outcomes a merchant must handle, played in the local sandbox
//! through its `/__sim` control surface, each ending with the payment's details and the
//! callback MT would send.
//!
//! A scenario is a fixed list of [`Action`]s; the app runs them in order through its usual send
//! path (so each call is in the History), filling in the orderId and payment token that the
//! initiate call answers.

use serde_json::json;

use crate::request::{ApiRequest, Header, Method};

/// A scenario the Scenarios panel offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// The user opens the app and taps Avbryt.
    UserRejects,
    /// The user never acts: the sandbox's clock moves past the 5 minutes the landing page waits.
    UserNeverActs,
    /// The direct-capture merchant (223344): approval takes the money at once (SALE).
    DirectCapture,
    /// A test user who has never approved in the app: force approve answers 1082.
    UnverifiedUser,
    /// An injected fault: the card is refused when the user approves (error 42).
    CardRefused,
}

/// One thing a scenario does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Initiate a regular payment (with the scenario's merchant).
    Initiate,
    /// The user opens the landing page and submits the test user's number.
    UserOpensLandingPage,
    /// The user taps Betal in the app.
    UserApproves,
    /// The user taps Avbryt in the app.
    UserCancels,
    /// Force approve with this phone number.
    ForceApprove(&'static str),
    /// Move the sandbox's clock on by this many seconds.
    AdvanceClock(u64),
    /// Make the user's next approval of this payment fail with this error code.
    FailNextApproval(&'static str),
    /// Read the payment's details.
    Details,
    /// Read the callbacks the sandbox sent (or would have sent) for the payment.
    Callbacks,
}

impl Scenario {
    /// Every scenario, in the order the panel offers them.
    pub const ALL: [Scenario; 5] = [
        Scenario::UserRejects,
        Scenario::UserNeverActs,
        Scenario::DirectCapture,
        Scenario::UnverifiedUser,
        Scenario::CardRefused,
    ];

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            Scenario::UserRejects => "The user rejects in the app",
            Scenario::UserNeverActs => "The user never acts (timeout)",
            Scenario::DirectCapture => "Direct capture merchant (SALE)",
            Scenario::UnverifiedUser => "A test user not yet verified (1082)",
            Scenario::CardRefused => "The card is refused (injected fault)",
        }
    }

    /// The name in `data-testid`s.
    pub fn slug(self) -> &'static str {
        match self {
            Scenario::UserRejects => "reject",
            Scenario::UserNeverActs => "timeout",
            Scenario::DirectCapture => "sale",
            Scenario::UnverifiedUser => "unverified",
            Scenario::CardRefused => "fault",
        }
    }

    /// What the scenario shows, for the page.
    pub fn explain(self) -> &'static str {
        match self {
            Scenario::UserRejects => "The payment ends as CANCEL, and the callback says CANCELLED: the merchant must not ship.",
            Scenario::UserNeverActs => "After 5 minutes without the user, the payment ends, and the callback says REJECTED with error 45.",
            Scenario::DirectCapture => "Some merchants capture at approval: the log shows SALE, there is nothing to capture, and the callback says SALE.",
            Scenario::UnverifiedUser => "MT answers force approve with 1082 until the test user has approved one payment in the app; the payment stays initiated.",
            Scenario::CardRefused => "The reservation fails with error 42 (card refused), and the callback says RESERVE_FAILED with the error.",
        }
    }

    /// Whether the scenario pays as the direct-capture merchant rather than the demo merchant.
    pub fn uses_direct_capture_merchant(self) -> bool {
        self == Scenario::DirectCapture
    }

    /// What the scenario does, in order.
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Scenario::UserRejects => &[
                Initiate,
                UserOpensLandingPage,
                UserCancels,
                Details,
                Callbacks,
            ],
            Scenario::UserNeverActs => &[Initiate, AdvanceClock(301), Details, Callbacks],
            Scenario::DirectCapture => &[
                Initiate,
                ForceApprove(crate::demo::MOBILE_NUMBER),
                Details,
                Callbacks,
            ],
            Scenario::UnverifiedUser => &[
                Initiate,
                ForceApprove(crate::demo::UNVERIFIED_MOBILE_NUMBER),
                Details,
                Callbacks,
            ],
            Scenario::CardRefused => &[
                Initiate,
                FailNextApproval("42"),
                UserOpensLandingPage,
                UserApproves,
                Details,
                Callbacks,
            ],
        }
    }
}

fn sim_post(path: String, body: &impl serde::Serialize) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path,
        bearer: false,
        headers: vec![Header::plain("Content-Type", "application/json")],
        body: Some(serde_json::to_string(body).unwrap_or_default()),
    }
}

/// `POST /__sim/landing/{token}/open`, then [`landing_phone`]: the user opens the landing page.
pub fn landing_open(token: &str) -> ApiRequest {
    sim_post(format!("/__sim/landing/{token}/open"), &json!({}))
}

/// `POST /__sim/landing/{token}/phone`: the user submits their number on the landing page.
pub fn landing_phone(token: &str, phone: &str) -> ApiRequest {
    sim_post(
        format!("/__sim/landing/{token}/phone"),
        &crate::wire::sim::Phone {
            phone: Some(phone.to_owned()),
        },
    )
}

/// `POST /__sim/app/{token}/approve`: the user taps Betal.
pub fn app_approve(token: &str) -> ApiRequest {
    sim_post(
        format!("/__sim/app/{token}/approve"),
        &crate::wire::sim::Approval::default(),
    )
}

/// `POST /__sim/app/{token}/cancel`: the user taps Avbryt.
pub fn app_cancel(token: &str) -> ApiRequest {
    sim_post(format!("/__sim/app/{token}/cancel"), &json!({}))
}

/// `POST /__sim/clock`: moves the sandbox's clock on by `seconds`.
pub fn advance_clock(seconds: u64) -> ApiRequest {
    sim_post(
        "/__sim/clock".to_owned(),
        &crate::wire::sim::ClockChange {
            advance_seconds: Some(i64::try_from(seconds).unwrap_or(i64::MAX)),
            reset: false,
        },
    )
}

/// `POST /__sim/faults`: the user's next approval of `order_id` fails with `error_code`.
pub fn fail_next_approval(order_id: &str, error_code: &str) -> ApiRequest {
    sim_post(
        "/__sim/faults".to_owned(),
        &crate::wire::sim::Fault {
            endpoint: "app".to_owned(),
            msn: None,
            order_id: Some(order_id.to_owned()),
            error_code: error_code.to_owned(),
            status: None,
            remaining: 1,
        },
    )
}

/// `POST /__sim/reset`: the sandbox forgets every payment, callback, fault and consent (its
/// users and configuration stay). Answered `204` with no body.
pub fn reset() -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path: "/__sim/reset".to_owned(),
        bearer: false,
        headers: Vec::new(),
        body: None,
    }
}

/// What the answer to [`reset`] means, for the user.
///
/// # Errors
/// A sentence with the status when the sandbox did not reset.
pub fn reset_outcome(status: u16) -> Result<&'static str, String> {
    match status {
        200..=299 => Ok("The sandbox was reset: its payments, callbacks, faults and consents are gone. Your settings and history are kept."),
        _ => Err(format!("the sandbox did not reset: it answered HTTP {status}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_scenario_initiates_first_and_ends_with_details_and_callbacks() {
        for scenario in Scenario::ALL {
            let actions = scenario.actions();
            assert_eq!(actions.first(), Some(&Action::Initiate), "{scenario:?}");
            assert_eq!(
                actions[actions.len() - 2..],
                [Action::Details, Action::Callbacks]
            );
            assert!(scenario.explain().ends_with('.'));
        }
        assert!(Scenario::DirectCapture.uses_direct_capture_merchant());
        assert!(!Scenario::UserRejects.uses_direct_capture_merchant());
    }

    #[test]
    fn the_control_calls_are_the_sandbox_api() {
        let r = fail_next_approval("o-1", "42");
        assert_eq!((r.method, r.path.as_str()), (Method::Post, "/__sim/faults"));
        let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"endpoint": "app", "errorCode": "42", "orderId": "o-1", "remaining": 1})
        );
        assert_eq!(
            advance_clock(301).body.as_deref(),
            Some(r#"{"advanceSeconds":301}"#)
        );
        assert_eq!(
            landing_phone("t", "91234567").path,
            "/__sim/landing/t/phone"
        );
        assert_eq!(app_cancel("t").path, "/__sim/app/t/cancel");
        assert_eq!(app_approve("t").path, "/__sim/app/t/approve");
        assert_eq!(
            (reset().method, reset().path.as_str()),
            (Method::Post, "/__sim/reset")
        );
        assert!(reset_outcome(204).is_ok());
        assert!(reset_outcome(404).unwrap_err().contains("404"));
        assert_eq!(landing_open("t").path, "/__sim/landing/t/open");
    }
}
