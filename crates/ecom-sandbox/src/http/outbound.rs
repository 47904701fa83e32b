//! Requests the simulated Vipps makes to the merchant: payment callbacks, dynamic shipping
//! details and consent removal (spec §6.3, §6.5, §9).
//!
//! Every attempt is recorded (URL, headers with the authToken masked, body, outcome, duration)
//! and readable through `/__sim/callbacks`. Only loopback hosts are ever contacted, and only when loopback
//! callbacks are allowed; other attempts are recorded as `skipped`. Delivery is spawned so
//! the API response that triggered it is not delayed.
//!
//! Only the native server (feature `native`) sends anything. In a browser the sandbox records
//! every request it would make, as `skipped` with the reason, and the Callbacks panel shows them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use crate::domain::clock;
use crate::http::state::Shared;

pub(crate) use ecom_core::wire::callbacks::{Delivery, Kind, Outcome, Record};

/// A request to make.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) kind: Kind,
    pub(crate) msn: String,
    pub(crate) order_id: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) auth: Option<String>,
    pub(crate) body: Option<Value>,
}

/// The bounded log of outbound requests plus the HTTP client that sends them.
pub(crate) struct Outbound {
    log: Mutex<VecDeque<Record>>,
    max: usize,
    next_id: AtomicU64,
    #[cfg(feature = "native")]
    client: reqwest::Client,
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    timeout: Duration,
}

/// Why a browser-hosted sandbox records a request without sending it.
#[cfg(not(feature = "native"))]
const NOT_SENT_IN_BROWSER: &str =
    "recorded, not sent: the sandbox in this browser does not call merchant servers (use the server sandbox of ./scripts/start.sh for real callbacks)";

/// What a recorded `Authorization` header shows instead of the merchant's authToken.
pub(crate) const MASK: &str = "••••••••";

/// The outcome of a request that got no answer (yet): skipped, pending or failed before sending.
fn unsent(result: Delivery, error: Option<String>) -> Outcome {
    Outcome {
        result,
        status: None,
        error,
        duration_ms: None,
    }
}

/// A resolver that resolves nothing: the outbound client may only connect to literal
/// addresses and to `localhost`, which is mapped to 127.0.0.1 before any resolver is asked.
#[cfg(feature = "native")]
struct NoResolver;

#[cfg(feature = "native")]
impl reqwest::dns::Resolve for NoResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let message = format!(
            "the sandbox does not resolve host names ({}); use localhost or a loopback IP",
            name.as_str()
        );
        Box::pin(async move { Err(message.into()) })
    }
}

impl Outbound {
    pub(crate) fn new(max: usize, timeout: Duration) -> Self {
        #[cfg(feature = "native")]
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // HTTP_PROXY and friends must not send callbacks (with the authToken) elsewhere.
            .no_proxy()
            // `localhost` is 127.0.0.1, fixed; every other name fails without a lookup.
            .dns_resolver(Arc::new(NoResolver))
            .resolve(
                "localhost",
                std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
            )
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a client without TLS or proxies always builds");
        Self {
            log: Mutex::new(VecDeque::new()),
            max: max.max(1),
            next_id: AtomicU64::new(1),
            #[cfg(feature = "native")]
            client,
            timeout,
        }
    }

    /// The headers as sent, `Authorization` carrying the merchant's authToken.
    fn headers(req: &Request) -> BTreeMap<String, String> {
        let mut h = BTreeMap::new();
        if req.body.is_some() {
            h.insert(
                "Content-Type".to_owned(),
                "application/json;charset=UTF-8".to_owned(),
            );
        }
        if let Some(a) = &req.auth {
            h.insert("Authorization".to_owned(), a.clone());
        }
        h
    }

    /// The headers as recorded: the authToken is a secret anyone who reaches `/__sim` could
    /// otherwise read, so only the fact that it was sent is kept.
    fn recorded_headers(req: &Request) -> BTreeMap<String, String> {
        let mut h = Self::headers(req);
        if let Some(v) = h.get_mut("Authorization") {
            MASK.clone_into(v);
        }
        h
    }

    fn record(&self, req: &Request, now_ms: i64, outcome: Outcome) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let rec = Record {
            id,
            kind: req.kind,
            msn: req.msn.clone(),
            order_id: req.order_id.clone(),
            user_id: req.user_id.clone(),
            method: req.method.to_owned(),
            url: req.url.clone(),
            headers: Self::recorded_headers(req),
            body: req.body.clone(),
            time_stamp: clock::iso(now_ms),
            outcome,
            response_body: None,
        };
        let mut log = self.log.lock();
        while log.len() >= self.max {
            log.pop_front();
        }
        log.push_back(rec);
        id
    }

    fn update(&self, id: u64, outcome: Outcome, response_body: Option<String>) {
        let mut log = self.log.lock();
        if let Some(r) = log.iter_mut().rev().find(|r| r.id == id) {
            r.outcome = outcome;
            r.response_body = response_body;
        }
    }

    /// Records the records matching the filters, oldest first.
    pub(crate) fn list(
        &self,
        order_id: Option<&str>,
        msn: Option<&str>,
        kind: Option<&str>,
    ) -> Vec<Record> {
        self.log
            .lock()
            .iter()
            .filter(|r| order_id.is_none_or(|o| r.order_id.as_deref() == Some(o)))
            .filter(|r| msn.is_none_or(|m| r.msn == m))
            .filter(|r| {
                kind.is_none_or(|k| {
                    serde_json::to_value(r.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s == k))
                        .unwrap_or(false)
                })
            })
            .cloned()
            .collect()
    }

    pub(crate) fn clear(&self) {
        self.log.lock().clear();
    }

    /// The whole log, oldest first, and the id the next record gets (for snapshots).
    pub(crate) fn saved_log(&self) -> (Vec<Record>, u64) {
        let log = self.log.lock().iter().cloned().collect();
        (log, self.next_id.load(Ordering::Relaxed))
    }

    /// Replaces the log with saved records (the newest `max` of them) and continues their ids.
    pub(crate) fn restore_log(&self, records: Vec<Record>, next_id: u64) {
        let skip = records.len().saturating_sub(self.max);
        *self.log.lock() = records.into_iter().skip(skip).collect();
        self.next_id.store(next_id, Ordering::Relaxed);
    }

    #[cfg(not(feature = "native"))]
    #[allow(clippy::unnecessary_wraps)]
    fn skip_reason(_state: &Shared, _url: &str) -> Option<String> {
        Some(NOT_SENT_IN_BROWSER.to_owned())
    }

    #[cfg(feature = "native")]
    fn skip_reason(state: &Shared, url: &str) -> Option<String> {
        if !crate::domain::links::is_loopback_url(url) {
            return Some("not sent: the offline simulator only contacts loopback hosts".to_owned());
        }
        if !state.loopback_allowed() {
            return Some(
                "not sent: loopback delivery is off (start the sandbox with --allow-loopback-callbacks)"
                    .to_owned(),
            );
        }
        None
    }

    /// Records the request and, if allowed, sends it in the background.
    pub(crate) fn dispatch(state: &Arc<Shared>, req: Request) {
        let now = state.now();
        match Self::skip_reason(state, &req.url) {
            Some(reason) => {
                state
                    .outbound
                    .record(&req, now, unsent(Delivery::Skipped, Some(reason)));
            }
            #[cfg(feature = "native")]
            None => Self::deliver(state, req, now),
            #[cfg(not(feature = "native"))]
            None => drop(req),
        }
    }

    /// Records the request as pending and sends it on the Tokio runtime.
    #[cfg(feature = "native")]
    fn deliver(state: &Arc<Shared>, req: Request, now: i64) {
        let id = state
            .outbound
            .record(&req, now, unsent(Delivery::Pending, None));
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            state.outbound.update(
                id,
                unsent(
                    Delivery::Failed,
                    Some("no async runtime to send from".to_owned()),
                ),
                None,
            );
            return;
        };
        let state = state.clone();
        handle.spawn(async move {
            let timeout = state.outbound.timeout;
            let (outcome, body) = state.outbound.send(&req, timeout).await;
            state.outbound.update(id, outcome, body);
        });
    }

    /// Records and sends the request, waiting for the answer (dynamic shipping).
    pub(crate) async fn call(
        state: &Arc<Shared>,
        req: Request,
        timeout: Duration,
    ) -> Result<String, String> {
        let now = state.now();
        if let Some(reason) = Self::skip_reason(state, &req.url) {
            state
                .outbound
                .record(&req, now, unsent(Delivery::Skipped, Some(reason.clone())));
            return Err(reason);
        }
        let id = state
            .outbound
            .record(&req, now, unsent(Delivery::Pending, None));
        let (outcome, body) = state.outbound.send(&req, timeout).await;
        let result = match (&outcome.status, &body) {
            (Some(s), Some(b)) if (200..300).contains(s) => Ok(b.clone()),
            (Some(s), _) => Err(format!("merchant answered HTTP {s}")),
            _ => Err(outcome
                .error
                .clone()
                .unwrap_or_else(|| "no answer".to_owned())),
        };
        state.outbound.update(id, outcome, body);
        result
    }

    /// In a browser nothing is sent (`skip_reason` answers first); this is never reached.
    #[cfg(not(feature = "native"))]
    #[allow(clippy::unused_async)]
    async fn send(&self, _req: &Request, _timeout: Duration) -> (Outcome, Option<String>) {
        let outcome = unsent(Delivery::Skipped, Some(NOT_SENT_IN_BROWSER.to_owned()));
        (outcome, None)
    }

    #[cfg(feature = "native")]
    async fn send(&self, req: &Request, timeout: Duration) -> (Outcome, Option<String>) {
        let method = match req.method {
            "DELETE" => reqwest::Method::DELETE,
            _ => reqwest::Method::POST,
        };
        let mut rb = self.client.request(method, &req.url).timeout(timeout);
        for (k, v) in Self::headers(req) {
            rb = rb.header(k, v);
        }
        if let Some(b) = &req.body {
            rb = rb.body(b.to_string());
        }
        let started = std::time::Instant::now();
        let res = rb.send().await;
        let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match res {
            Ok(resp) => {
                let status = resp.status().as_u16();
                // The body is kept (bounded) for dynamic shipping; callbacks ignore it.
                let body = resp.text().await.ok().map(|mut t| {
                    t.truncate(64 * 1024);
                    t
                });
                (
                    Outcome {
                        result: Delivery::Delivered,
                        status: Some(status),
                        error: None,
                        duration_ms: Some(elapsed),
                    },
                    body,
                )
            }
            Err(e) => {
                let error = if e.is_timeout() {
                    format!("timed out after {} ms", timeout.as_millis())
                } else if e.is_connect() {
                    "connection failed".to_owned()
                } else {
                    "request failed".to_owned()
                };
                tracing::debug!(kind = ?req.kind, error, "outbound request failed");
                (
                    Outcome {
                        result: Delivery::Failed,
                        status: None,
                        error: Some(error),
                        duration_ms: Some(elapsed),
                    },
                    None,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(url: String) -> Request {
        Request {
            kind: Kind::Callback,
            msn: "123456".into(),
            order_id: Some("o-1".into()),
            user_id: None,
            method: "POST",
            url,
            auth: None,
            body: Some(serde_json::json!({"ok": true})),
        }
    }

    /// `localhost` reaches a server on 127.0.0.1 without a lookup; any other name, even one
    /// the system would resolve to loopback, is never looked up, so nothing is sent.
    #[tokio::test]
    async fn names_are_never_resolved_and_localhost_is_127_0_0_1() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().route("/{*rest}", axum::routing::post(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let out = Outbound::new(10, Duration::from_secs(5));
        let (outcome, _) = out
            .send(
                &post(format!("http://localhost:{port}/cb")),
                Duration::from_secs(5),
            )
            .await;
        assert_eq!(
            (outcome.result, outcome.status),
            (Delivery::Delivered, Some(200))
        );
        for name in ["foo.localhost", "localhost.localhost", "example.invalid"] {
            let (outcome, _) = out
                .send(
                    &post(format!("http://{name}:{port}/cb")),
                    Duration::from_secs(5),
                )
                .await;
            assert_eq!(outcome.result, Delivery::Failed, "{name}: {outcome:?}");
        }
    }
}
