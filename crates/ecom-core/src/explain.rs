//! Turning error responses into explanations: what went wrong and the usual fix.
//!
//! The Vipps APIs answer errors in five body formats (spec §1.5), and the proxy adds its own.
//! [`explain`] recognises each and says, in words a developer new to the API understands,
//! what the error means and what to change.

use crate::wire::errors::{AadError, ApimError, AzureError, EcomError, Problem, ProxyError};

/// The response header the proxy sets on errors it made itself.
pub use crate::wire::headers::PROXY_ERROR as PROXY_ERROR_HEADER;

/// An explained error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Who answered: "Vipps API", "Access Token API", "the proxy", ….
    pub source: &'static str,
    /// The error as received, in short (code and message).
    pub summary: String,
    /// What it means and the usual fix.
    pub advice: String,
}

/// Explains a response. Returns `None` for success statuses (below 400).
///
/// `proxy_marker` is the value of [`PROXY_ERROR_HEADER`] when the response had it.
pub fn explain(status: u16, body: &str, proxy_marker: Option<&str>) -> Option<Explanation> {
    if status < 400 {
        return None;
    }
    if let Some(kind) = proxy_marker {
        let (summary, message) = match serde_json::from_str::<ProxyError>(body) {
            Ok(p) if p.source == crate::wire::errors::PROXY_ERROR_SOURCE => (p.kind, p.message),
            _ => (
                kind.to_owned(),
                format!("the proxy refused the request ({kind})"),
            ),
        };
        return Some(Explanation {
            source: "the proxy",
            advice: proxy_advice(&summary, message),
            summary,
        });
    }
    if let Ok(errors) = serde_json::from_str::<Vec<EcomError>>(body) {
        if let Some(first) = errors.first() {
            return Some(Explanation {
                source: "Vipps eCom API",
                summary: format!(
                    "{} {}: {}",
                    first.error_group, first.error_code, first.error_message
                ),
                advice: ecom_advice(&first.error_group, &first.error_code).to_owned(),
            });
        }
    }
    if let Ok(e) = serde_json::from_str::<AadError>(body) {
        let advice = match e.error.as_str() {
            "unauthorized_client" => "The client_id is not known. Copy client_id from the same set of API keys as the subscription key (portal.vipps.no → Utvikler → the sales unit), and check that you are in the right environment: test keys work only in MT.",
            "invalid_client" => "The client_secret is wrong for this client_id. Copy client_secret again (it is easy to pick up a missing or extra character), or generate a new one on portal.vipps.no.",
            "invalid_request" => "client_id or client_secret was missing. Fill both in Settings.",
            _ => "Azure AD refused the credentials. Check client_id and client_secret in Settings.",
        };
        let description = e.error_description.unwrap_or_default();
        let short = description.split(['\r', '\n']).next().unwrap_or_default();
        return Some(Explanation {
            source: "Access Token API",
            summary: format!("{}: {short}", e.error),
            advice: advice.to_owned(),
        });
    }
    if let Ok(e) = serde_json::from_str::<ApimError>(body) {
        let advice = if e.message.contains("missing subscription key") {
            "No Ocp-Apim-Subscription-Key was sent. Fill it in Settings."
        } else if e.message.contains("invalid subscription key") {
            "The Ocp-Apim-Subscription-Key is not valid here. Copy it again from portal.vipps.no, and check the environment: MT keys do not work in production and the other way round."
        } else if e.status_code == 429 {
            "Too many calls in a short time. Wait the number of seconds the message says and try again."
        } else if e.status_code == 404 {
            "The API has no such path. Check the method and the path of the request."
        } else {
            "The API gateway refused the request."
        };
        return Some(Explanation {
            source: "API gateway",
            summary: format!("{}: {}", e.status_code, e.message),
            advice: advice.to_owned(),
        });
    }
    if let Ok(e) = serde_json::from_str::<AzureError>(body) {
        let advice = if e.response_info.response_code == 401 {
            "The access token is missing, expired, or was issued for another merchant. Get a new access token with the credentials of this merchant and try again."
        } else {
            "The API gateway failed. Try again; if it persists, check the request."
        };
        return Some(Explanation {
            source: "API gateway",
            summary: format!(
                "{}: {}",
                e.response_info.response_code, e.response_info.response_message
            ),
            advice: advice.to_owned(),
        });
    }
    if let Ok(e) = serde_json::from_str::<Problem>(body) {
        return Some(Explanation {
            source: "Vipps API",
            summary: format!("{}: {}", e.title, e.detail.unwrap_or_default()),
            advice: "Check the request against the message above.".to_owned(),
        });
    }
    Some(Explanation {
        source: "the server",
        summary: format!("HTTP {status}"),
        advice:
            "The response has no error body this playground recognises; see the raw response below."
                .to_owned(),
    })
}

fn proxy_advice(kind: &str, message: String) -> String {
    let fix = match kind {
        "unauthorized" => "Set the proxy access token in Settings, or ask whoever runs the proxy for it.",
        "origin_forbidden" => "This page's origin is not in the proxy's allowed origins. Start the proxy with this origin allowed.",
        "unknown_upstream" => "The proxy does not serve this environment. Pick another environment or configure the proxy.",
        "body_too_large" => "The request body is larger than the proxy accepts. Send a smaller body.",
        "rate_limited" => "Too many requests through the proxy. Wait a moment and try again.",
        "timeout" => "The API did not answer in time. Try again; check the proxy's upstream timeout if it keeps happening.",
        "unreachable" | "tls" => "Check the network of the machine that runs the proxy.",
        "upstream_redirect" => "The API answered with a redirect. Neither the proxy nor the playground follows one, because it would carry your client secret and subscription key to another address; nothing was sent there. Check the upstream the proxy is configured with.",
        "host_forbidden" => "This server only answers under its own host name. Open the playground at the address the server printed (for example http://127.0.0.1:8080/), or start it with --allowed-host for the name you use.",
        _ => "",
    };
    if fix.is_empty() {
        message
    } else {
        format!("{message}. {fix}")
    }
}

/// The meaning and usual fix of an eCom error code (spec §3.8).
pub fn ecom_advice(group: &str, code: &str) -> &'static str {
    match code {
        "34" => "This orderId was used before for this merchant. Order ids are unique for ever, also after a cancel: generate a new one.",
        "35" => "No payment with this orderId exists for this merchant. Check the orderId and the merchantSerialNumber (a token for another MSN sees other payments).",
        "41" | "42" | "43" | "44" => "The user's card was refused. In the test environment, certain amounts trigger this on purpose; use another amount.",
        "45" => "The reservation failed; the user may have cancelled or waited too long. Start a new payment with a new orderId.",
        "51" if group.eq_ignore_ascii_case("merchant") => "The nin (national identity number) scope needs a special permission. Remove nin from the scope.",
        "51" => "A payment that has been captured cannot be cancelled. Refund it instead, or cancel with shouldReleaseRemainingFunds to release what is left.",
        "61" => "You tried to capture more than is left of the reservation. Check the payment details: the remaining amount is reserved − captured.",
        "62" => "The payment is not reserved yet: the user has not approved it. Open the landing page and approve it in the app (or use force approve in MT), then capture.",
        "71" => "You tried to refund more than has been captured. Check the captured and refunded amounts in the payment details.",
        "72" => "Nothing is captured yet, so nothing can be refunded. Cancel the reservation instead.",
        "73" => "A cancelled payment cannot be refunded: no money was taken.",
        "81" => "The phone number is not a Vipps user who can pay, or is badly formatted. Use 8 digits without +47, and in MT a number of a test user.",
        "91" => "This operation is not allowed in the payment's current state. See the payment details and the list of valid next operations.",
        "92" => "The payment has already been processed (for example approved). Check the payment details.",
        "93" => "An idempotent retry must be identical: the same X-Request-Id was used with a different body. Use a new X-Request-Id for a new operation.",
        "94" => "The order is locked by another request in progress. Retry later with the same X-Request-Id.",
        "95" => "Payments can only be refunded up to 365 days after reservation.",
        "97" => "This sales unit is not allowed to take payments (for example a Login-only unit). Use the keys of a sales unit with eCom.",
        "98" => "The payment is too old for this operation (180 days for capture and cancel), or there were too many concurrent requests.",
        "99" => "Vipps had an internal error, often caused by a malformed request: a number where a string is expected (merchantSerialNumber), a misspelt field (fallback instead of fallBack), or an amount that is not an integer.",
        "1082" => "The test user has not approved a payment in the Vipps app yet, and force approve works only after that. In MT, open the landing page and approve one payment in the Vipps MT app with this test user; then force approve works. In the sandbox, test user 48059528 is such a user on purpose; 91234567 is verified.",
        "38" => "This sales unit may not skip the landing page. Set skipLandingPage to false.",
        "31" | "36" | "37" => "The merchant or sales unit is blocked, unsigned or deactivated. Contact Vipps.",
        "32" | "33" => "A limit of the merchant was exceeded. Try a smaller amount or later.",
        _ if group.eq_ignore_ascii_case("InvalidRequest") => "A field of the request is missing or invalid; the error code names the field. Fix it and send again.",
        _ => "See the error message; the API guide's error code list has the details.",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn success_needs_no_explanation() {
        assert_eq!(explain(200, "{}", None), None);
    }

    #[test]
    fn recognises_every_format() {
        let cases: [(u16, &str, Option<&str>, &str, &str); 8] = [
            (
                400,
                r#"[{"errorGroup":"Payment","errorCode":"62","errorMessage":"The amount you tried to capture is not reserved.","contextId":"x"}]"#,
                None,
                "Payment 62",
                "not reserved yet",
            ),
            (
                401,
                r#"{"statusCode":401,"message":"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}"#,
                None,
                "401: Access denied",
                "not valid here",
            ),
            (
                401,
                r#"{"statusCode":401,"message":"Access denied due to missing subscription key."}"#,
                None,
                "401",
                "No Ocp-Apim-Subscription-Key",
            ),
            (
                401,
                r#"{"responseInfo":{"responseCode":401,"responseMessage":"Something went wrong, please try again later."},"result":{"message":"x"}}"#,
                None,
                "401: Something",
                "Get a new access token",
            ),
            (
                401,
                r#"{"error":"invalid_client","error_description":"AADSTS70002: Error validating credentials.\r\nTrace ID: x","error_codes":[70002]}"#,
                None,
                "invalid_client: AADSTS70002: Error validating credentials.",
                "client_secret is wrong",
            ),
            (
                400,
                r#"{"error":"unauthorized_client","error_description":"AADSTS700016: not found"}"#,
                None,
                "unauthorized_client",
                "client_id is not known",
            ),
            (
                504,
                r#"{"source":"proxy","kind":"timeout","message":"the proxy could not reach apitest.vipps.no: timed out after 10 s","upstream":"mt"}"#,
                Some("timeout"),
                "timeout",
                "timed out after 10 s. The API did not answer",
            ),
            (
                400,
                r#"{"title":"Validation error","detail":"Invalid token","instance":"x"}"#,
                None,
                "Validation error: Invalid token",
                "Check the request",
            ),
        ];
        for (status, body, marker, summary, advice) in cases {
            let e = explain(status, body, marker).unwrap();
            assert!(e.summary.contains(summary), "{body}: {}", e.summary);
            assert!(e.advice.contains(advice), "{body}: {}", e.advice);
        }
    }

    #[test]
    fn a_proxy_redirect_refusal_and_error_1082_say_what_to_do() {
        let e = explain(
            502,
            r#"{"source":"proxy","kind":"upstream_redirect","message":"mt answered with a redirect (HTTP 307), which the proxy does not follow","upstream":"mt"}"#,
            Some("upstream_redirect"),
        )
        .unwrap();
        assert!(e.advice.contains("nothing was sent there"), "{}", e.advice);
        let e = explain(
            400,
            r#"[{"errorGroup":"Payment","errorCode":"1082","errorMessage":"1082","contextId":"c"}]"#,
            None,
        )
        .unwrap();
        assert!(
            e.advice.contains("approve one payment in the Vipps MT app"),
            "{}",
            e.advice
        );
        assert!(e.advice.contains("48059528"), "{}", e.advice);
    }

    #[test]
    fn unknown_bodies_still_get_an_explanation() {
        let e = explain(502, "<html>Bad gateway</html>", None).unwrap();
        assert_eq!(e.summary, "HTTP 502");
        let e = explain(403, "not json", Some("origin_forbidden")).unwrap();
        assert!(e.advice.contains("allowed origins"), "{}", e.advice);
    }
}
