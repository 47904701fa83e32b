//! Test helpers: a real sandbox on 127.0.0.1:0 and a few request shortcuts.
#![allow(dead_code, clippy::unwrap_used)]

use ecom_core::demo;
use ecom_sandbox::SandboxConfig;
use serde_json::{json, Value};

/// A running sandbox; it shuts down when dropped.
pub struct Sandbox {
    pub base: String,
    pub http: reqwest::Client,
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
        _stop: tx,
    }
}

/// Starts the demo sandbox.
pub async fn start() -> Sandbox {
    start_with(SandboxConfig::default()).await
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `POST /accesstoken/get` with the demo credentials, returning the access token.
    pub async fn token(&self) -> String {
        let r = self
            .http
            .post(self.url("/accesstoken/get"))
            .header("client_id", demo::CLIENT_ID)
            .header("client_secret", demo::CLIENT_SECRET)
            .header("Ocp-Apim-Subscription-Key", demo::SUBSCRIPTION_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// A request with the demo merchant's API headers.
    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {token}"))
            .header("Ocp-Apim-Subscription-Key", demo::SUBSCRIPTION_KEY)
            .header("Merchant-Serial-Number", demo::MERCHANT_SERIAL_NUMBER)
    }

    /// Sends and returns (status, JSON body or Null).
    pub async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The Postman "Initiate Payment" body for `order_id`.
pub fn initiate_body(order_id: &str, amount: i64) -> Value {
    json!({
        "merchantInfo": {
            "authToken": "cb-auth-token-123",
            "callbackPrefix": "https://example.com/callbacks-for-payment-update-from-vipps",
            "fallBack": "https://example.com/fallback-result-page-for-both-success-and-failure/acme-shop-123-order123abc",
            "merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER,
        },
        "customerInfo": {"mobileNumber": demo::MOBILE_NUMBER},
        "transaction": {
            "amount": amount,
            "orderId": order_id,
            "transactionText": "This payment was initiated.",
            "skipLandingPage": false,
        }
    })
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

use reqwest::Method;

impl Sandbox {
    /// Initiates `body` with the demo merchant; returns (status, body).
    pub async fn initiate(&self, token: &str, body: &Value) -> (u16, Value) {
        Self::send(
            self.api(Method::POST, "/ecomm/v2/payments", token)
                .json(body),
        )
        .await
    }

    /// Initiates a regular payment and returns its landing-page token.
    pub async fn initiate_ok(&self, token: &str, order_id: &str, amount: i64) -> String {
        let (s, b) = self.initiate(token, &initiate_body(order_id, amount)).await;
        assert_eq!(s, 200, "{b}");
        landing_token(b["url"].as_str().unwrap())
    }

    /// `GET …/details`.
    pub async fn details(&self, token: &str, order_id: &str) -> (u16, Value) {
        Self::send(self.api(
            Method::GET,
            &format!("/ecomm/v2/payments/{order_id}/details"),
            token,
        ))
        .await
    }

    /// Force approve with the demo user.
    pub async fn force_approve(&self, token: &str, order_id: &str, landing: &str) -> (u16, Value) {
        Self::send(
            self.api(
                Method::POST,
                &format!("/ecomm/v2/integration-test/payments/{order_id}/approve"),
                token,
            )
            .header("X-Request-Id", order_id)
            .json(&json!({"customerPhoneNumber": demo::MOBILE_NUMBER, "token": landing})),
        )
        .await
    }

    /// Capture (`amount` `None` = full) with an optional X-Request-Id.
    pub async fn capture(
        &self,
        token: &str,
        order_id: &str,
        amount: Option<i64>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut tr = json!({"transactionText": "Socks on the way"});
        if let Some(a) = amount {
            tr["amount"] = json!(a);
        }
        let mut rb = self
            .api(Method::POST, &format!("/ecomm/v2/payments/{order_id}/capture"), token)
            .json(&json!({"merchantInfo": {"merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER}, "transaction": tr}));
        if let Some(k) = key {
            rb = rb.header("X-Request-Id", k);
        }
        Self::send(rb).await
    }

    /// Refund (`amount` `None` = full) with an optional X-Request-Id.
    pub async fn refund(
        &self,
        token: &str,
        order_id: &str,
        amount: Option<i64>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut tr = json!({"transactionText": "Refund of socks"});
        if let Some(a) = amount {
            tr["amount"] = json!(a);
        }
        let mut rb = self
            .api(Method::POST, &format!("/ecomm/v2/payments/{order_id}/refund"), token)
            .json(&json!({"merchantInfo": {"merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER}, "transaction": tr}));
        if let Some(k) = key {
            rb = rb.header("X-Request-Id", k);
        }
        Self::send(rb).await
    }

    /// Cancel.
    pub async fn cancel(&self, token: &str, order_id: &str, release: Option<bool>) -> (u16, Value) {
        let mut body = json!({"merchantInfo": {"merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER},
                              "transaction": {"transactionText": "No socks for you"}});
        if let Some(r) = release {
            body["shouldReleaseRemainingFunds"] = json!(r);
        }
        Self::send(
            self.api(
                Method::PUT,
                &format!("/ecomm/v2/payments/{order_id}/cancel"),
                token,
            )
            .json(&body),
        )
        .await
    }

    /// A `/__sim` call with an optional JSON body.
    pub async fn sim(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
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
                Method::POST,
                "/clock",
                Some(json!({"advanceSeconds": seconds})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    /// Recorded outbound requests for `order_id`.
    pub async fn callbacks(&self, order_id: &str) -> Vec<Value> {
        let (s, b) = self
            .sim(Method::GET, &format!("/callbacks?orderId={order_id}"), None)
            .await;
        assert_eq!(s, 200);
        b["callbacks"].as_array().unwrap().clone()
    }
}

/// The token of a landing-page URL, exactly as Postman extracts it.
pub fn landing_token(url: &str) -> String {
    let parts: Vec<&str> = url.splitn(4, '=').collect();
    parts[2].to_owned()
}

/// The errorCode of a format A body.
pub fn code(b: &Value) -> String {
    b[0]["errorCode"].as_str().unwrap_or("").to_owned()
}
