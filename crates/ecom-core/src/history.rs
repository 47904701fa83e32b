//! The history of every call: when, where, what, how it went, and which order it was about.
//!
//! The history is saved in local storage, which is readable by anything on the page and
//! outlives the tab, so an entry holds no secret by construction: no headers, no bodies, only
//! the method, the path (with the userinfo `sub`, personal data, replaced by `{sub}`), the
//! status, the time taken, the orderId and a one-line summary, from which any secret value of
//! the request is removed as well. Reading it back never fails: unreadable data gives an empty
//! history and a notice, as [`crate::settings`] does.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::request::{ApiRequest, MASK};
use crate::Environment;

/// The local-storage key the history lives under. The suffix is the format version.
pub const STORAGE_KEY: &str = "ecom-playground.history.v1";
/// Where an unreadable stored history is kept, so a reset loses nothing.
pub const BACKUP_KEY: &str = "ecom-playground.history.v1.unreadable";
/// The format version written by this build.
pub const VERSION: u32 = 1;
/// How many calls are kept; older ones are dropped first.
pub const CAPACITY: usize = 200;
/// The longest summary kept, in characters.
const SUMMARY_CHARS: usize = 160;

/// The path prefix of the Userinfo API, whose last segment is the user's `sub`.
const USERINFO_PREFIX: &str = "/vipps-userinfo-api/userinfo/";

/// One call, as it is kept: never a header, a body or a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// When the call was sent, in milliseconds since the Unix epoch.
    pub at_ms: f64,
    /// Which environment it went to.
    pub environment: Environment,
    /// The HTTP method (`GET`, `POST`, `PUT`).
    pub method: String,
    /// The API path, without query, with personal data replaced (see [`redact_path`]).
    pub path: String,
    /// The HTTP status, or `None` when no response arrived.
    pub status: Option<u16>,
    /// Wall time of the call in milliseconds (0 when no response arrived).
    pub millis: f64,
    /// The order the call was about, so a payment can be resumed from the history.
    pub order_id: Option<String>,
    /// One line on how it went: `200 OK`, the error's summary, or why nothing arrived.
    pub summary: String,
}

/// The path with what must not be kept taken out: the query (which no eCom call uses, so
/// anything there is unexpected) and the personal segments [`crate::redact`] names (the `sub`
/// of the Userinfo API, a sandbox token or phone number), whatever their letter case.
pub fn redact_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    crate::redact::loggable_path(path).into_owned()
}

/// The orderId an eCom path is about: `/ecomm/v2/payments/{orderId}/…` and
/// `/ecomm/v2/integration-test/payments/{orderId}/approve`. `None` for other paths, including
/// the initiate call (whose orderId is in the body; see [`HistoryEntry::new`]).
pub fn order_id_of(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let rest = path
        .strip_prefix("/ecomm/v2/payments/")
        .or_else(|| path.strip_prefix("/ecomm/v2/integration-test/payments/"))?;
    let order_id = rest.split('/').next()?;
    (!order_id.is_empty()).then(|| order_id.to_owned())
}

/// The orderId in an initiate body (`transaction.orderId`), if the body is JSON with one.
fn order_id_in_body(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let id = value.get("transaction")?.get("orderId")?.as_str()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// Every secret value `request` carries: secret header values (and the token inside a
/// `Bearer` value), the string values of the body fields in [`crate::display::SECRET_KEYS`], and the `sub` in
/// a Userinfo path.
fn secrets_of(request: &ApiRequest) -> Vec<String> {
    let mut secrets: Vec<String> = Vec::new();
    if let Some(sub) = request.path.strip_prefix(USERINFO_PREFIX) {
        secrets.push(sub.split(['?', '#']).next().unwrap_or_default().to_owned());
    }
    for header in request.headers.iter().filter(|h| h.secret) {
        secrets.push(header.value.clone());
        if let Some(token) = header.value.strip_prefix("Bearer ") {
            secrets.push(token.to_owned());
        }
    }
    if let Some(body) = request.body.as_deref() {
        if let Ok(value) = serde_json::from_str::<Value>(body) {
            secrets.extend(crate::display::secret_values(&value));
        }
    }
    // Longest first, so a token is replaced before a shorter secret inside it.
    secrets.retain(|s| !s.trim().is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

/// `text` with every secret replaced by the mask.
fn scrub(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret.as_str(), MASK)
    })
}

/// At most [`SUMMARY_CHARS`] characters of the first line of `text`.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() > SUMMARY_CHARS {
        let cut: String = line.chars().take(SUMMARY_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// `200 OK`: the status with the server's text, or the standard reason phrase when the server
/// sent none (HTTP/2 has no status text).
pub fn status_summary(status: u16, status_text: &str) -> String {
    let text = if status_text.trim().is_empty() {
        match status {
            200 => "OK",
            201 => "Created",
            202 => "Accepted",
            204 => "No Content",
            302 => "Found",
            400 => "Bad Request",
            401 => "Unauthorized",
            402 => "Payment Required",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            409 => "Conflict",
            413 => "Payload Too Large",
            415 => "Unsupported Media Type",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "",
        }
    } else {
        status_text.trim()
    };
    format!("{status} {text}").trim_end().to_owned()
}

impl HistoryEntry {
    /// The entry for a call of `request` to `environment` at `at_ms`, answered with `status`
    /// after `millis` ms (`None`: no response), summed up by `summary`.
    ///
    /// Takes no headers and no body into the entry: the orderId of an initiate call is read
    /// from its body's `transaction.orderId`, and any secret value of the request found in
    /// the path, the orderId or the summary is masked.
    pub fn new(
        request: &ApiRequest,
        environment: Environment,
        at_ms: f64,
        status: Option<u16>,
        millis: f64,
        summary: &str,
    ) -> HistoryEntry {
        let secrets = secrets_of(request);
        let order_id = order_id_of(&request.path)
            .or_else(|| request.body.as_deref().and_then(order_id_in_body))
            .map(|id| scrub(&id, &secrets));
        let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
        HistoryEntry {
            at_ms: finite(at_ms),
            environment,
            method: request.method.as_str().to_owned(),
            path: scrub(&redact_path(&request.path), &secrets),
            status,
            millis: finite(millis),
            order_id,
            summary: one_line(&scrub(summary, &secrets)),
        }
    }
}

/// The calls made, newest first, at most [`CAPACITY`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    entries: VecDeque<HistoryEntry>,
}

/// The stored form: a version and the entries, newest first.
#[derive(Serialize)]
struct StoredRef<'a> {
    version: u32,
    entries: &'a VecDeque<HistoryEntry>,
}

/// The result of reading a stored history: always usable, with a notice if something was lost.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedHistory {
    /// The history to use.
    pub history: History,
    /// A sentence for the user when stored data could not be read (all of it or some entries).
    pub notice: Option<String>,
    /// Whether the stored value as a whole was unreadable, so the app should keep a copy under
    /// [`BACKUP_KEY`] before it is overwritten.
    pub unreadable: bool,
}

impl History {
    /// Adds a call as the newest entry, dropping the oldest beyond [`CAPACITY`].
    pub fn push(&mut self, entry: HistoryEntry) {
        self.entries.push_front(entry);
        self.entries.truncate(CAPACITY);
    }

    /// Forgets every call.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The calls, newest first.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &HistoryEntry> {
        self.entries.iter()
    }

    /// How many calls are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no call is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Serialises the history for storage under [`STORAGE_KEY`].
    pub fn to_stored(&self) -> String {
        serde_json::to_string(&StoredRef {
            version: VERSION,
            entries: &self.entries,
        })
        .expect("entries are strings, finite numbers and enums")
    }

    /// Reads a history from what storage held under [`STORAGE_KEY`]. Nothing stored gives an
    /// empty history silently; an unreadable value gives an empty history and a notice; single
    /// unreadable entries are dropped with a notice and the rest is kept.
    pub fn from_stored(stored: Option<&str>) -> LoadedHistory {
        let Some(raw) = stored else {
            return LoadedHistory {
                history: History::default(),
                notice: None,
                unreadable: false,
            };
        };
        match History::parse(raw) {
            Ok((history, 0)) => LoadedHistory {
                history,
                notice: None,
                unreadable: false,
            },
            Ok((history, dropped)) => LoadedHistory {
                history,
                notice: Some(format!(
                    "{dropped} saved call(s) in the history could not be read and were left out."
                )),
                unreadable: false,
            },
            Err(why) => LoadedHistory {
                history: History::default(),
                notice: Some(format!(
                    "The saved history could not be read ({why}), so it starts empty. \
                     The unreadable value was kept in local storage under \"{BACKUP_KEY}\"."
                )),
                unreadable: true,
            },
        }
    }

    /// The history and how many entries were dropped, or why nothing could be read.
    fn parse(raw: &str) -> Result<(History, usize), String> {
        let value: Value = serde_json::from_str(raw).map_err(|e| format!("not valid JSON: {e}"))?;
        let object = value
            .as_object()
            .ok_or_else(|| "not a history object".to_owned())?;
        match object.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "format version {v}, this app reads version {VERSION}"
                ))
            }
            None => return Err("no format version; it was not written by this app".to_owned()),
        }
        let items = object
            .get("entries")
            .and_then(Value::as_array)
            .ok_or_else(|| "no list of entries".to_owned())?;
        let mut history = History::default();
        let mut dropped = 0;
        for item in items {
            match serde_json::from_value::<HistoryEntry>(item.clone()) {
                Ok(entry) if history.len() < CAPACITY => history.entries.push_back(entry),
                Ok(_) => {}
                Err(_) => dropped += 1,
            }
        }
        Ok((history, dropped))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::payment::{
        capture_request, details_request, force_approve_request, initiate_request, userinfo_request,
    };
    use crate::settings::Credentials;
    use crate::token::access_token_request;
    use serde_json::json;

    const SECRETS: [&str; 5] = [
        "SECRET-client-secret",
        "SECRET-subscription-key",
        "SECRET-access-token",
        "SECRET-auth-token",
        "personal-sub-1234",
    ];

    fn creds() -> Credentials {
        Credentials {
            client_id: "my-client".into(),
            client_secret: SECRETS[0].into(),
            subscription_key: SECRETS[1].into(),
            merchant_serial_number: "123456".into(),
            mobile_number: "91234567".into(),
        }
    }

    fn requests() -> Vec<ApiRequest> {
        let c = creds();
        let token = SECRETS[2];
        let initiate_body = json!({
            "merchantInfo": { "merchantSerialNumber": "123456", "authToken": SECRETS[3] },
            "transaction": { "orderId": "order-42", "amount": 100 }
        });
        let amount = json!({ "transaction": { "transactionText": "x" } });
        vec![
            access_token_request(&c),
            initiate_request(&c, &initiate_body).authorized(token),
            details_request(&c, "order-42").authorized(token),
            capture_request(&c, "order-42", &amount, "req-1").authorized(token),
            force_approve_request(&c, "order-42", &json!({}), "req-2").authorized(token),
            userinfo_request(&c, SECRETS[4]).authorized(token),
        ]
    }

    #[test]
    fn no_secret_gets_into_the_stored_history() {
        let mut history = History::default();
        for (i, request) in requests().iter().enumerate() {
            // A summary that echoes every secret the request carries, as a careless error
            // message might.
            let carried: Vec<&str> = SECRETS
                .into_iter()
                .filter(|s| {
                    request.path.contains(s)
                        || request.headers.iter().any(|h| h.value.contains(s))
                        || request.body.as_deref().is_some_and(|b| b.contains(s))
                })
                .collect();
            assert!(!carried.is_empty());
            let summary = format!("401 Unauthorized: bad {}", carried.join(" / "));
            let status = (i % 2 == 0).then_some(401);
            history.push(HistoryEntry::new(
                request,
                Environment::Mt,
                1.7e12,
                status,
                12.5,
                &summary,
            ));
        }
        let stored = history.to_stored();
        for secret in SECRETS {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        assert!(
            !stored.contains("Authorization") && !stored.contains("Bearer"),
            "{stored}"
        );
        assert!(
            stored.contains("/vipps-userinfo-api/userinfo/{sub}"),
            "{stored}"
        );
        assert!(
            stored.contains(MASK),
            "the echoed secrets were masked: {stored}"
        );
    }

    #[test]
    fn order_ids_come_from_paths_and_the_initiate_body() {
        let history: Vec<HistoryEntry> = requests()
            .iter()
            .map(|r| HistoryEntry::new(r, Environment::Sandbox, 0.0, Some(200), 1.0, "200 OK"))
            .collect();
        let ids: Vec<Option<&str>> = history.iter().map(|e| e.order_id.as_deref()).collect();
        assert_eq!(
            ids,
            [
                None,
                Some("order-42"),
                Some("order-42"),
                Some("order-42"),
                Some("order-42"),
                None
            ]
        );
        assert_eq!(history[2].method, "GET");
        assert_eq!(history[2].path, "/ecomm/v2/payments/order-42/details");
    }

    #[test]
    fn order_id_of_reads_ecom_paths_only() {
        let cases = [
            ("/ecomm/v2/payments/abc-1/details", Some("abc-1")),
            ("/ecomm/v2/payments/abc-1/capture", Some("abc-1")),
            ("/ecomm/v2/payments/abc-1/cancel?x=1", Some("abc-1")),
            (
                "/ecomm/v2/integration-test/payments/abc-2/approve",
                Some("abc-2"),
            ),
            ("/ecomm/v2/payments", None),
            ("/ecomm/v2/payments/", None),
            ("/accesstoken/get", None),
            ("/qr/v1", None),
            ("/vipps-userinfo-api/userinfo/xyz", None),
        ];
        for (path, expected) in cases {
            assert_eq!(order_id_of(path).as_deref(), expected, "{path}");
        }
    }

    #[test]
    fn paths_lose_query_and_sub() {
        assert_eq!(
            redact_path("/vipps-userinfo-api/userinfo/c06c4afe-d9e1-4c5d-939a-177d752a0944"),
            "/vipps-userinfo-api/userinfo/{sub}"
        );
        assert_eq!(redact_path("/qr/v1?token=abc"), "/qr/v1");
        assert_eq!(redact_path("/accesstoken/get"), "/accesstoken/get");
    }

    #[test]
    fn is_capped_newest_first() {
        let request = &requests()[2];
        let mut history = History::default();
        for i in 0..CAPACITY + 5 {
            let at = f64::from(u32::try_from(i).unwrap());
            history.push(HistoryEntry::new(
                request,
                Environment::Sandbox,
                at,
                None,
                0.0,
                "x",
            ));
        }
        assert_eq!(history.len(), CAPACITY);
        let first = history.entries().next().unwrap().at_ms;
        let last = history.entries().last().unwrap().at_ms;
        assert_eq!((first, last), (204.0, 5.0));
        history.clear();
        assert!(history.is_empty());
        assert_eq!(
            History::from_stored(Some(&history.to_stored())).history,
            History::default()
        );
    }

    #[test]
    fn round_trips_through_storage() {
        let mut history = History::default();
        for request in requests() {
            history.push(HistoryEntry::new(
                &request,
                Environment::Mt,
                1_764_000_000_123.0,
                Some(202),
                f64::NAN,
                &status_summary(202, ""),
            ));
        }
        let loaded = History::from_stored(Some(&history.to_stored()));
        assert_eq!(loaded.notice, None);
        assert_eq!(loaded.history, history);
        let first = loaded.history.entries().next().unwrap();
        assert_eq!(first.summary, "202 Accepted");
        assert_eq!(first.millis, 0.0, "a non-finite time is stored as 0");
    }

    #[test]
    fn unreadable_storage_gives_an_empty_history_and_a_reason() {
        assert_eq!(History::from_stored(None).notice, None);
        let cases = [
            ("{not json", "not valid JSON"),
            ("[1,2]", "not a history object"),
            ("{\"entries\":[]}", "no format version"),
            ("{\"version\":2,\"entries\":[]}", "format version 2"),
            ("{\"version\":1,\"entries\":{}}", "no list of entries"),
        ];
        for (raw, reason) in cases {
            let loaded = History::from_stored(Some(raw));
            assert!(loaded.history.is_empty(), "{raw}");
            assert!(loaded.unreadable, "{raw}");
            let notice = loaded.notice.unwrap();
            assert!(
                notice.contains(reason) && notice.contains(BACKUP_KEY),
                "{notice}"
            );
        }
    }

    #[test]
    fn unreadable_entries_are_dropped_and_the_rest_kept() {
        let mut history = History::default();
        history.push(HistoryEntry::new(
            &requests()[2],
            Environment::Sandbox,
            1.0,
            Some(200),
            3.0,
            "200 OK",
        ));
        let stored = history
            .to_stored()
            .replace("\"entries\":[", "\"entries\":[{\"atMs\":\"yesterday\"},42,");
        let loaded = History::from_stored(Some(&stored));
        assert_eq!(loaded.history, history);
        assert!(!loaded.unreadable);
        assert!(loaded.notice.unwrap().starts_with("2 saved call(s)"));
    }

    #[test]
    fn summaries_are_one_short_line() {
        let request = &requests()[0];
        let long = format!("{}\nsecond line", "x".repeat(500));
        let entry = HistoryEntry::new(request, Environment::Sandbox, 0.0, None, 0.0, &long);
        assert_eq!(entry.summary.chars().count(), SUMMARY_CHARS);
        assert!(entry.summary.ends_with('…') && !entry.summary.contains("second"));
        assert_eq!(status_summary(404, ""), "404 Not Found");
        assert_eq!(status_summary(200, "OK"), "200 OK");
        assert_eq!(status_summary(599, ""), "599");
    }
}
