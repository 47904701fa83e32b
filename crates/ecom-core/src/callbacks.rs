//! What the sandbox "sent" as Vipps to the merchant for an order: the callbacks (and
//! shipping-details or consent-removal requests) it records, read through its `/__sim/callbacks`
//! control surface (crates/ecom-sandbox/SIM_API.md).
//!
//! Only the simulators have this log (the proxy's local sandbox and the one in the browser), and
//! the proxy forwards `/__sim` only when it runs on loopback; the real test environment sends callbacks to the merchant's own server, where
//! they have to be looked at. [`check_environment`] and [`read_log`] say which case applies,
//! so the app can explain it instead of showing an error.

use std::fmt::Write as _;

use serde_json::Value;

use crate::request::{ApiRequest, Method};
use crate::Environment;

/// Why the log cannot be read, shown in place of it.
pub const ONLY_SANDBOX: &str = "callbacks are only visible with a sandbox";

/// Says whether this environment has a callback log to read: only the simulators have one.
///
/// # Errors
/// A note for the user: [`ONLY_SANDBOX`], and where to look instead.
pub fn check_environment(env: Environment) -> Result<(), String> {
    if env.is_simulated() {
        return Ok(());
    }
    Err(format!(
        "{ONLY_SANDBOX}: {} sends them to your callbackPrefix, so look at what your server received",
        env.label()
    ))
}

/// Reads the answer to [`log_request`]. `from_proxy` is true when the proxy itself answered
/// (its error header is set): a proxy that is not on loopback does not forward `/__sim`.
///
/// # Errors
/// A note for the user: [`ONLY_SANDBOX`] when the proxy refused, else what went wrong.
pub fn read_log(status: u16, body: &str, from_proxy: bool) -> Result<Vec<CallbackRecord>, String> {
    match status {
        200 => parse_log(body).map_err(|e| e.to_string()),
        _ if from_proxy => Err(format!(
            "{ONLY_SANDBOX} on your own machine: this proxy does not forward the sandbox's /__sim control surface (it does only when it listens on loopback, as ./scripts/start.sh runs it)"
        )),
        _ => Err(format!(
            "the sandbox's callback log answered HTTP {status} instead of the list"
        )),
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn query_value(value: &str) -> String {
    value.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            write!(out, "%{b:02X}").expect("writing to a String cannot fail");
        }
        out
    })
}

/// `GET /__sim/callbacks?orderId=…&msn=…` on the sandbox: everything recorded for the order.
pub fn log_request(order_id: &str, msn: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: format!(
            "/__sim/callbacks?orderId={}&msn={}",
            query_value(order_id),
            query_value(msn)
        ),
        bearer: false,
        headers: Vec::new(),
        body: None,
    }
}

/// The line above the records of `order_id`.
pub fn heading(order_id: &str, count: usize) -> String {
    match count {
        0 => format!("Nothing recorded for {order_id} yet: Vipps calls back once the user has approved, cancelled or let the payment time out."),
        1 => format!("1 request recorded for {order_id}."),
        n => format!("{n} requests recorded for {order_id}, oldest first."),
    }
}

pub use crate::wire::callbacks::{Delivery, Outcome};

/// One request the sandbox made (or would have made) as Vipps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRecord {
    /// The log's sequence number.
    pub id: u64,
    /// `callback`, `shippingDetails` or `consentRemoval`.
    pub kind: String,
    /// `POST`, or `DELETE` for consent removal.
    pub method: String,
    /// The whole URL it went to.
    pub url: String,
    /// When, in the sandbox's simulated time (ISO-8601).
    pub time_stamp: String,
    /// `transactionInfo.status` of a callback body, like `RESERVED` or `RESERVE` (express).
    pub status: Option<String>,
    /// The JSON body, pretty-printed, secrets masked.
    pub body: String,
    /// How the attempt went.
    pub outcome: Outcome,
}

impl CallbackRecord {
    /// The URL's path (and query), which is what says what the request was about.
    pub fn path(&self) -> &str {
        let after_scheme = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        after_scheme
            .find('/')
            .map_or("/", |slash| &after_scheme[slash..])
    }
}

/// Reads the body of `GET /__sim/callbacks` ([`crate::wire::callbacks::Log`]), oldest first.
///
/// # Errors
/// [`crate::CoreError::UnexpectedResponse`] when it is not the sandbox's callback log.
pub fn parse_log(body: &str) -> Result<Vec<CallbackRecord>, crate::CoreError> {
    let log: crate::wire::callbacks::Log =
        serde_json::from_str(body).map_err(|e| crate::CoreError::UnexpectedResponse {
            what: "sandbox callback log",
            reason: e.to_string(),
        })?;
    Ok(log
        .callbacks
        .into_iter()
        .map(|r| {
            let body = r.body.filter(|b| !b.is_null());
            CallbackRecord {
                id: r.id,
                kind: kind_name(r.kind).to_owned(),
                method: r.method,
                url: r.url,
                time_stamp: r.time_stamp,
                status: body
                    .as_ref()
                    .and_then(|b| b.pointer("/transactionInfo/status"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                body: body.map_or_else(String::new, |b| crate::display::pretty_value(b, false)),
                outcome: r.outcome,
            }
        })
        .collect())
}

/// The record kind as the log spells it.
fn kind_name(kind: crate::wire::callbacks::Kind) -> &'static str {
    use crate::wire::callbacks::Kind;
    match kind {
        Kind::Callback => "callback",
        Kind::ShippingDetails => "shippingDetails",
        Kind::ConsentRemoval => "consentRemoval",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Two records as the sandbox serves them (SIM_API.md), one delivered to a loopback
    /// merchant and one skipped, the second with an authToken the body must never show.
    const LOG: &str = r#"{"callbacks":[
      {"id":7,"kind":"callback","msn":"123456","orderId":"o-1","method":"POST",
       "url":"http://127.0.0.1:4321/cb/v2/payments/o-1",
       "headers":{"Authorization":"••••••••","Content-Type":"application/json;charset=UTF-8"},
       "body":{"merchantSerialNumber":"123456","orderId":"o-1",
               "transactionInfo":{"amount":49900,"status":"RESERVED","timeStamp":"2026-11-26T19:00:00.000Z","transactionId":"5001420062"}},
       "timeStamp":"2026-11-26T19:00:00.012Z",
       "outcome":{"result":"delivered","status":200,"durationMs":3}},
      {"id":8,"kind":"consentRemoval","msn":"123456","method":"DELETE",
       "url":"https://example.com/consent-removal/v2/consents/u%3D%3D","headers":{},
       "body":{"authToken":"do-not-show"},
       "timeStamp":"2026-11-26T19:01:00.000Z",
       "outcome":{"result":"skipped","error":"not sent: the offline simulator only contacts loopback hosts"},
       "responseBody":null}
    ]}"#;

    #[test]
    fn reads_the_sandbox_log() {
        let log = parse_log(LOG).unwrap();
        assert_eq!(log.len(), 2);
        let cb = &log[0];
        assert_eq!(
            (cb.id, cb.kind.as_str(), cb.method.as_str()),
            (7, "callback", "POST")
        );
        assert_eq!(cb.path(), "/cb/v2/payments/o-1");
        assert_eq!(cb.status.as_deref(), Some("RESERVED"));
        assert_eq!(cb.time_stamp, "2026-11-26T19:00:00.012Z");
        assert!(
            cb.body.contains("\"transactionId\": \"5001420062\""),
            "{}",
            cb.body
        );
        assert_eq!(cb.outcome.summary(), "delivered: HTTP 200 in 3 ms");

        let removal = &log[1];
        assert_eq!(removal.path(), "/consent-removal/v2/consents/u%3D%3D");
        assert_eq!(removal.status, None);
        assert!(!removal.body.contains("do-not-show"), "{}", removal.body);
        assert_eq!(
            removal.outcome.summary(),
            "skipped: not sent: the offline simulator only contacts loopback hosts"
        );
        assert_eq!(parse_log(r#"{"callbacks":[]}"#).unwrap(), []);
        assert!(parse_log("<html>").is_err());
        assert!(parse_log(r#"{"payments":[]}"#).is_err());
        assert!(parse_log(r#"{"callbacks":[{"id":1}]}"#)
            .unwrap_err()
            .to_string()
            .contains("missing field `kind`"));
    }

    #[test]
    fn the_heading_counts_the_records() {
        assert!(heading("o-1", 0).starts_with("Nothing recorded for o-1 yet"));
        assert_eq!(heading("o-1", 1), "1 request recorded for o-1.");
        assert_eq!(
            heading("o-1", 3),
            "3 requests recorded for o-1, oldest first."
        );
    }

    #[test]
    fn every_outcome_has_a_line() {
        let outcome = |json: &str| serde_json::from_str::<Outcome>(json).unwrap().summary();
        assert_eq!(
            outcome(r#"{"result":"failed","error":"connection refused","durationMs":1}"#),
            "failed: connection refused"
        );
        assert!(outcome(r#"{"result":"pending"}"#).starts_with("pending"));
        assert!(
            outcome(r#"{"result":"delivered","status":501,"durationMs":2}"#)
                .starts_with("refused by the merchant's server: HTTP 501 in 2 ms. Vipps sends a callback once and does not retry"),
        );
        assert_eq!(
            outcome(r#"{"result":"delivered","status":204}"#),
            "delivered: HTTP 204"
        );
        assert_eq!(outcome(r#"{"result":"delivered"}"#), "delivered: answered");
        assert!(outcome(r#"{"result":"lost"}"#).starts_with("unknown outcome"));
    }

    #[test]
    fn the_request_encodes_the_order_and_msn() {
        let r = log_request("o-1", "123456");
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Get, "/__sim/callbacks?orderId=o-1&msn=123456")
        );
        assert_eq!(
            log_request("a&b=c d", "1").path,
            "/__sim/callbacks?orderId=a%26b%3Dc%20d&msn=1"
        );
        assert_eq!(
            r.url("", "http://127.0.0.1:8080/", Environment::Sandbox),
            "http://127.0.0.1:8080/sandbox/__sim/callbacks?orderId=o-1&msn=123456"
        );
    }

    #[test]
    fn only_the_local_sandbox_shows_the_log() {
        assert_eq!(check_environment(Environment::Sandbox), Ok(()));
        assert_eq!(check_environment(Environment::Browser), Ok(()));
        let mt = check_environment(Environment::Mt).unwrap_err();
        assert!(
            mt.starts_with(ONLY_SANDBOX) && mt.contains("callbackPrefix"),
            "{mt}"
        );

        assert_eq!(read_log(200, LOG, false).unwrap().len(), 2);
        let refused = read_log(404, r#"{"source":"proxy"}"#, true).unwrap_err();
        assert!(
            refused.starts_with(ONLY_SANDBOX) && refused.contains("/__sim"),
            "{refused}"
        );
        let other = read_log(500, "oops", false).unwrap_err();
        assert!(other.contains("HTTP 500"), "{other}");
        assert!(read_log(200, "<html>", false)
            .unwrap_err()
            .contains("callback log"));
    }
}
