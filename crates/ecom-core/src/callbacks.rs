//! What the sandbox "sent" as Vipps to the merchant for an order: the callbacks (and
//! shipping-details or consent-removal requests) it records, read through its `/__sim/callbacks`
//! control surface (crates/ecom-sandbox/SIM_API.md).
//!
//! Only the local sandbox has this log, and the proxy forwards `/__sim` only when it runs on
//! loopback (`sandbox_control` in its info); the real test environment sends callbacks to the
//! merchant's own server, where they have to be looked at. Two checks say which case
//! applies, so the app can explain it instead of showing an error: [`check_environment`] and
//! [`check_proxy`].

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use crate::proxy::ProxyInfo;
use crate::request::{ApiRequest, Method};
use crate::Environment;

/// Why the log cannot be read, shown in place of it.
pub const ONLY_SANDBOX: &str = "callbacks are only visible with the local sandbox";

/// Says whether this environment has a callback log to read: only the sandbox has one.
///
/// # Errors
/// A note for the user: [`ONLY_SANDBOX`], and where to look instead.
pub fn check_environment(env: Environment) -> Result<(), String> {
    if env == Environment::Sandbox {
        return Ok(());
    }
    Err(format!(
        "{ONLY_SANDBOX}: {} sends them to your callbackPrefix, so look at what your server received",
        env.label()
    ))
}

/// Says whether this proxy lets the app read the sandbox's log (it forwards `/__sim` only
/// when it runs on loopback).
///
/// # Errors
/// A note for the user: [`ONLY_SANDBOX`], and why not through this proxy.
pub fn check_proxy(info: &ProxyInfo) -> Result<(), String> {
    if info.upstream(Environment::Sandbox).is_none() {
        return Err(format!("{ONLY_SANDBOX}, and this proxy does not serve it"));
    }
    if !info.sandbox_control {
        return Err(format!(
            "{ONLY_SANDBOX} on your own machine: this proxy does not expose the sandbox's /__sim control surface (it does only when it listens on loopback, as ./scripts/start.sh runs it)"
        ));
    }
    Ok(())
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
        headers: Vec::new(),
        body: None,
    }
}

/// How an attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Still being sent.
    Pending,
    /// The merchant answered (with any HTTP status).
    Delivered,
    /// No answer: refused, timed out, …
    Failed,
    /// Not sent: not a loopback host, or loopback delivery is off.
    Skipped,
    /// A result this build does not know.
    #[serde(other)]
    Unknown,
}

/// The `outcome` of a record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// How it went.
    pub result: Delivery,
    /// The merchant's HTTP status, when delivered.
    #[serde(default)]
    pub status: Option<u16>,
    /// Why it failed or was skipped.
    #[serde(default)]
    pub error: Option<String>,
    /// How long the attempt took.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

impl Outcome {
    /// One line for the user, like `delivered: HTTP 200 in 3 ms`.
    pub fn summary(&self) -> String {
        let error = self.error.as_deref().unwrap_or("no reason given");
        match self.result {
            Delivery::Pending => "pending: still being sent, refresh in a moment".to_owned(),
            Delivery::Delivered => {
                let status = self
                    .status
                    .map_or_else(|| "answered".to_owned(), |s| format!("HTTP {s}"));
                match self.duration_ms {
                    Some(ms) => format!("delivered: {status} in {ms} ms"),
                    None => format!("delivered: {status}"),
                }
            }
            Delivery::Failed => format!("failed: {error}"),
            Delivery::Skipped => format!("skipped: {error}"),
            Delivery::Unknown => format!("unknown outcome: {error}"),
        }
    }
}

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord {
    id: u64,
    kind: String,
    method: String,
    url: String,
    time_stamp: String,
    #[serde(default)]
    body: Option<Value>,
    outcome: Outcome,
}

#[derive(Deserialize)]
struct RawLog {
    callbacks: Vec<RawRecord>,
}

/// Reads the body of `GET /__sim/callbacks`, oldest first.
///
/// # Errors
/// [`crate::CoreError::UnexpectedResponse`] when it is not the sandbox's callback log.
pub fn parse_log(body: &str) -> Result<Vec<CallbackRecord>, crate::CoreError> {
    let log: RawLog =
        serde_json::from_str(body).map_err(|e| crate::CoreError::UnexpectedResponse {
            what: "sandbox callback log",
            reason: e.to_string(),
        })?;
    Ok(log
        .callbacks
        .into_iter()
        .map(|r| {
            let status = r
                .body
                .as_ref()
                .and_then(|b| b.pointer("/transactionInfo/status"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let body = r.body.map_or_else(String::new, |b| {
                crate::display::pretty_body(&b.to_string(), false)
            });
            CallbackRecord {
                id: r.id,
                kind: r.kind,
                method: r.method,
                url: r.url,
                time_stamp: r.time_stamp,
                status,
                body,
                outcome: r.outcome,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::proxy::UpstreamInfo;

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
    }

    #[test]
    fn every_outcome_has_a_line() {
        let outcome = |json: &str| serde_json::from_str::<Outcome>(json).unwrap().summary();
        assert_eq!(
            outcome(r#"{"result":"failed","error":"connection refused","durationMs":1}"#),
            "failed: connection refused"
        );
        assert!(outcome(r#"{"result":"pending"}"#).starts_with("pending"));
        assert_eq!(
            outcome(r#"{"result":"delivered","status":500}"#),
            "delivered: HTTP 500"
        );
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
            r.url("", "http://127.0.0.1:8080", Environment::Sandbox),
            "http://127.0.0.1:8080/sandbox/__sim/callbacks?orderId=o-1&msn=123456"
        );
    }

    #[test]
    fn only_the_local_sandbox_shows_the_log() {
        let sandbox = UpstreamInfo {
            name: "sandbox".into(),
            target: "in-process sandbox".into(),
            token_required: false,
        };
        let local = ProxyInfo {
            upstreams: vec![sandbox],
            production_enabled: false,
            sandbox_control: true,
        };
        assert_eq!(check_environment(Environment::Sandbox), Ok(()));
        assert_eq!(check_proxy(&local), Ok(()));
        let mt = check_environment(Environment::Mt).unwrap_err();
        assert!(
            mt.starts_with(ONLY_SANDBOX) && mt.contains("callbackPrefix"),
            "{mt}"
        );
        let hosted = ProxyInfo {
            sandbox_control: false,
            ..local.clone()
        };
        let err = check_proxy(&hosted).unwrap_err();
        assert!(
            err.starts_with(ONLY_SANDBOX) && err.contains("/__sim"),
            "{err}"
        );
        let none = ProxyInfo {
            upstreams: Vec::new(),
            ..local
        };
        assert!(check_proxy(&none).is_err());
    }
}
