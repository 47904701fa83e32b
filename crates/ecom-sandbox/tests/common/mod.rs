//! Test helpers: a real sandbox on 127.0.0.1:0, and shortcuts that send the browser app's own
//! requests to it.
//!
//! Every eCom request here is built by the core's builders (`ecom_core::token`,
//! `ecom_core::payment`), authorized with `ApiRequest::authorized` and turned into an
//! `http::Request` by `ApiRequest::to_http`, exactly as the app builds it. A test that needs
//! something the app would never send edits the core request (or the `reqwest` builder made
//! from it) explicitly; there is no second set of builders.
#![allow(dead_code, clippy::unwrap_used)]

use ecom_core::payment::{
    amount_body, cancel_body, cancel_request, capture_request, details_request, force_approve_body,
    force_approve_request, initiate_request, refund_request, InitiateForm, PaymentKind,
};
use ecom_core::request::{ApiRequest, Header};
use ecom_core::settings::Credentials;
use ecom_core::token::access_token_request;
use ecom_core::wire::headers;
use ecom_sandbox::SandboxConfig;
use serde_json::{json, Value};

/// A running sandbox; it shuts down when dropped.
pub struct Sandbox {
    pub base: String,
    pub http: reqwest::Client,
    /// The demo merchant's credentials, as the app's settings hold them.
    pub creds: Credentials,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts the sandbox with `config`, its public URL set to where it listens.
pub async fn start_with(mut config: SandboxConfig) -> Sandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    config.public_base_url = base.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(ecom_sandbox::run(listener, config, async move {
        let _ = rx.await;
    }));
    // No environment proxy: tests talk to loopback directly (one test sets HTTP_PROXY).
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    Sandbox {
        base,
        http,
        creds: Credentials::demo(),
        _stop: tx,
    }
}

/// Starts the demo sandbox.
pub async fn start() -> Sandbox {
    start_with(SandboxConfig::default()).await
}

/// A core request as `reqwest` sends it to `base` (no body at all when the core request has
/// none, as the browser's `fetch` does).
pub fn to_reqwest(core: &ApiRequest, base: &str) -> reqwest::Request {
    let mut request = reqwest::Request::try_from(core.to_http(base).unwrap()).unwrap();
    if core.body.is_none() {
        *request.body_mut() = None;
    }
    request
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A core request, ready to send to this sandbox (and to edit first, if a test must).
    pub fn core(&self, core: &ApiRequest) -> reqwest::RequestBuilder {
        reqwest::RequestBuilder::from_parts(self.http.clone(), to_reqwest(core, &self.base))
    }

    /// The app's `POST /accesstoken/get` with the demo credentials, returning the access token.
    pub async fn token(&self) -> String {
        let r = self
            .core(&access_token_request(&self.creds))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// The app's `POST /accesstoken/get` with `c`, returning the access token.
    pub async fn token_for(&self, c: &Credentials) -> String {
        let r = self.core(&access_token_request(c)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// A request with the headers of every eCom call the app makes (the core's details request,
    /// authorized), aimed at another method and path by explicit edits.
    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        let mut core = details_request(&self.creds, "-").authorized(token);
        core.path = path.to_owned();
        let mut request = to_reqwest(&core, &self.base);
        *request.method_mut() = method;
        reqwest::RequestBuilder::from_parts(self.http.clone(), request)
    }

    /// Sends and returns (status, JSON body or Null).
    pub async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The `authToken` the tests' initiate bodies carry, to find it (masked) in callbacks.
pub const AUTH_TOKEN: &str = "cb-auth-token-123";

/// The app's regular initiate body (Postman's values) for `order_id`, with [`AUTH_TOKEN`].
pub fn initiate_body(order_id: &str, amount: i64) -> Value {
    let c = Credentials::demo();
    InitiateForm {
        amount: u64::try_from(amount).unwrap(),
        order_id: order_id.to_owned(),
        auth_token: AUTH_TOKEN.to_owned(),
        ..InitiateForm::postman_defaults(
            PaymentKind::Regular,
            &c.merchant_serial_number,
            &c.mobile_number,
            0,
        )
    }
    .body(&c.merchant_serial_number)
}

/// A unique orderId.
pub fn order_id(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A sandbox merchant's keys as the app's settings hold them.
pub fn credentials(m: &ecom_sandbox::MerchantConfig) -> Credentials {
    Credentials {
        client_id: m.client_id.clone(),
        client_secret: m.client_secret.clone(),
        subscription_key: m.subscription_key.clone(),
        merchant_serial_number: m.msn.clone(),
        ..Credentials::demo()
    }
}

/// `amount` as the core's builders take it (tests only pass non-negative amounts here).
fn ore(amount: Option<i64>) -> Option<u64> {
    amount.map(|a| u64::try_from(a).unwrap())
}

/// The core request without header `name` (an explicit edit for a negative case).
pub fn without_header(mut core: ApiRequest, name: &str) -> ApiRequest {
    core.headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
    core
}

/// The core request with header `name` set to `value`, replacing the builder's.
pub fn set_header(core: ApiRequest, name: &str, value: &str) -> ApiRequest {
    let mut core = without_header(core, name);
    core.headers.push(Header::plain(name, value));
    core
}

/// The core request without its `X-Request-Id` when `key` is `None` (the app always sends one).
fn keyed(core: ApiRequest, key: Option<&str>) -> ApiRequest {
    match key {
        Some(_) => core,
        None => without_header(core, headers::REQUEST_ID),
    }
}

impl Sandbox {
    /// The app's initiate of `body` with the demo merchant; returns (status, body).
    pub async fn initiate(&self, token: &str, body: &Value) -> (u16, Value) {
        Self::send(self.core(&initiate_request(&self.creds, body).authorized(token))).await
    }

    /// The app's initiate request of `body` for the demo merchant, to edit before sending.
    pub fn initiate_request(&self, token: &str, body: &Value) -> ApiRequest {
        initiate_request(&self.creds, body).authorized(token)
    }

    /// Initiates a regular payment and returns its landing-page token.
    pub async fn initiate_ok(&self, token: &str, order_id: &str, amount: i64) -> String {
        let (s, b) = self.initiate(token, &initiate_body(order_id, amount)).await;
        assert_eq!(s, 200, "{b}");
        landing_token(b["url"].as_str().unwrap())
    }

    /// The app's `GET …/details`.
    pub async fn details(&self, token: &str, order_id: &str) -> (u16, Value) {
        Self::send(self.core(&details_request(&self.creds, order_id).authorized(token))).await
    }

    /// The app's force approve with the demo user (`X-Request-Id` = orderId, as Postman).
    pub async fn force_approve(&self, token: &str, order_id: &str, landing: &str) -> (u16, Value) {
        let body = force_approve_body(&self.creds.mobile_number, landing);
        let core = force_approve_request(&self.creds, order_id, &body, order_id);
        Self::send(self.core(&core.authorized(token))).await
    }

    /// The app's force approve of `order_id` with `body` as the test gives it (an edit of the
    /// app's body); no `X-Request-Id` when `key` is `None`.
    pub fn approve(
        &self,
        token: &str,
        order_id: &str,
        body: &Value,
        key: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let core = force_approve_request(&self.creds, order_id, body, key.unwrap_or_default());
        self.core(&keyed(core, key).authorized(token))
    }

    /// The app's capture (`amount` `None` = full); no `X-Request-Id` when `key` is `None`.
    pub async fn capture(
        &self,
        token: &str,
        order_id: &str,
        amount: Option<i64>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let msn = &self.creds.merchant_serial_number;
        let body = amount_body(msn, ore(amount), "Socks on the way");
        let core = capture_request(&self.creds, order_id, &body, key.unwrap_or_default());
        Self::send(self.core(&keyed(core, key).authorized(token))).await
    }

    /// The app's refund (`amount` `None` = full); no `X-Request-Id` when `key` is `None`.
    pub async fn refund(
        &self,
        token: &str,
        order_id: &str,
        amount: Option<i64>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let msn = &self.creds.merchant_serial_number;
        let body = amount_body(msn, ore(amount), "Refund of socks");
        let core = refund_request(&self.creds, order_id, &body, key.unwrap_or_default());
        Self::send(self.core(&keyed(core, key).authorized(token))).await
    }

    /// The app's cancel; `Some(false)` sends `shouldReleaseRemainingFunds: false`, which the
    /// app leaves out (an explicit body edit).
    pub async fn cancel(&self, token: &str, order_id: &str, release: Option<bool>) -> (u16, Value) {
        let msn = &self.creds.merchant_serial_number;
        let mut body = cancel_body(msn, "No socks for you", release == Some(true));
        if release == Some(false) {
            body["shouldReleaseRemainingFunds"] = json!(false);
        }
        Self::send(self.core(&cancel_request(&self.creds, order_id, &body).authorized(token))).await
    }

    /// A `/__sim` call with an optional JSON body.
    pub async fn sim(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rb = self
            .http
            .request(method, self.url(&format!("/__sim{path}")));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Self::send(rb).await
    }

    /// Moves the simulated clock forward.
    pub async fn advance(&self, seconds: i64) {
        let (s, b) = self
            .sim(
                reqwest::Method::POST,
                "/clock",
                Some(json!({"advanceSeconds": seconds})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    /// Recorded outbound requests for `order_id`.
    pub async fn callbacks(&self, order_id: &str) -> Vec<Value> {
        let (s, b) = self
            .sim(
                reqwest::Method::GET,
                &format!("/callbacks?orderId={order_id}"),
                None,
            )
            .await;
        assert_eq!(s, 200);
        b["callbacks"].as_array().unwrap().clone()
    }
}

/// The token of a landing-page URL, as the app reads it (`ecom_core::payment::landing_token`).
pub fn landing_token(url: &str) -> String {
    ecom_core::payment::landing_token(url).unwrap()
}

/// The errorCode of a format A body.
pub fn code(b: &Value) -> String {
    b[0]["errorCode"].as_str().unwrap_or("").to_owned()
}
