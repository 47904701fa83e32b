//! A loopback HTTP server standing in for the merchant: it records every request (callbacks,
//! consent removal, fallBack visits) and answers `200`. A `POST …/shippingDetails` gets the
//! guide's example answer (spec §6.3): two methods, "Running" (default) and "Walking".
//!
//! Tests use `http://127.0.0.1:<port>/…` as `callbackPrefix`/`fallBack`; the sandbox only
//! calls it when started with `allow_loopback_callbacks`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use tokio::sync::{oneshot, Notify};

use crate::Error;

/// One request the merchant side received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lowercased.
    pub headers: BTreeMap<String, String>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The body as JSON (`Null` if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Clone, Default)]
struct Shared {
    log: Arc<Mutex<Vec<Recorded>>>,
    notify: Arc<Notify>,
}

/// The running receiver; it stops when dropped.
pub struct Receiver {
    base: String,
    shared: Shared,
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("base", &self.base)
            .finish()
    }
}

async fn record(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let request_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    shared
        .log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Recorded {
            method: method.to_string(),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers,
            body: body.to_vec(),
        });
    shared.notify.notify_waiters();
    if method == Method::POST && path.ends_with("/shippingDetails") {
        let order_id = path.rsplit('/').nth(1).unwrap_or_default();
        return axum::Json(shipping_answer(order_id, &request_json)).into_response();
    }
    Html("<!doctype html><title>merchant</title><h1 id=\"merchant-page\">Back at the merchant</h1>")
        .into_response()
}

/// The merchant's answer to a dynamic shipping request (spec §6.3, the guide's example).
pub fn shipping_answer(order_id: &str, request: &Value) -> Value {
    serde_json::json!({
        "addressId": request.get("addressId").cloned().unwrap_or(Value::Null),
        "orderId": order_id,
        "shippingDetails": [
            {"isDefault": "N", "priority": 1, "shippingCost": 99, "shippingMethod": "Walking", "shippingMethodId": "123abc"},
            {"isDefault": "Y", "priority": 2, "shippingCost": 199, "shippingMethod": "Running", "shippingMethodId": "321abc"}
        ]
    })
}

impl Receiver {
    /// Binds `127.0.0.1:0` and serves until dropped.
    ///
    /// # Errors
    /// [`Error::Io`] when the port cannot be bound.
    pub async fn start() -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Shared::default();
        let app = Router::new().fallback(record).with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            base: format!("http://{addr}"),
            shared,
            _stop: stop,
        })
    }

    /// An absolute URL on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything recorded so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Recorded requests whose path starts with `prefix`.
    pub fn matching(&self, prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect()
    }

    /// Waits until at least `n` requests under `prefix` arrived (or `timeout` passed) and
    /// returns them.
    pub async fn wait_for(&self, prefix: &str, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.notify.notified();
            let found = self.matching(prefix);
            if found.len() >= n {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.matching(prefix);
            }
        }
    }
}
