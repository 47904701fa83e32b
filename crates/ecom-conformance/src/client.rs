//! The HTTP client every conformance request goes through.
//!
//! [`Api::send`] is the only function that performs a request, and it checks every response
//! body against [`SchemaBook`] before handing it back: a test cannot get a response that
//! contradicts the official schema without failing. Convenience methods build the quick-start
//! requests the way the Postman collection sends them (headers included).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

use crate::{Error, SchemaBook, Target};

/// One request, described as data.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    auth: bool,
    subscription_key: bool,
    content_type: Option<String>,
}

impl ApiRequest {
    /// A request with the standard headers: `Authorization: Bearer <token>` (once a token was
    /// fetched), `Ocp-Apim-Subscription-Key` and `Merchant-Serial-Number`.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
            auth: true,
            subscription_key: true,
            content_type: None,
        }
    }
    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }
    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }
    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }
    /// A JSON body (`Content-Type: application/json`).
    #[must_use]
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self.content_type = Some("application/json".into());
        self
    }
    /// Raw body bytes with `Content-Type: application/json` (for malformed JSON).
    #[must_use]
    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self.content_type = Some("application/json".into());
        self
    }
    /// Adds or overrides a header (an empty value removes a standard one).
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
    /// Sends no `Authorization` header.
    #[must_use]
    pub fn without_auth(mut self) -> Self {
        self.auth = false;
        self
    }
    /// Sends no `Ocp-Apim-Subscription-Key` header.
    #[must_use]
    pub fn without_subscription_key(mut self) -> Self {
        self.subscription_key = false;
        self
    }
    /// The request path (or absolute URL).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A response, already checked against the schema.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON, or `Value::Null` when it is empty or not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// The body as (lossy) text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `(errorGroup, errorCode, errorMessage)` of a format-A error array, empty otherwise.
    pub fn errors(&self) -> Vec<(String, String, String)> {
        let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        match self.json() {
            Value::Array(items) => items
                .iter()
                .map(|e| {
                    (
                        field(e, "errorGroup"),
                        field(e, "errorCode"),
                        field(e, "errorMessage"),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    /// True when this is a format-A error with this group (case-insensitive, spec §1.5) and
    /// code.
    pub fn has_error(&self, group: &str, code: &str) -> bool {
        self.errors()
            .iter()
            .any(|(g, c, _)| g.eq_ignore_ascii_case(group) && c == code)
    }
    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// A one-line description for assertion messages.
    pub fn describe(&self) -> String {
        let text = self.text();
        format!(
            "status {} body {}",
            self.status,
            text.chars().take(500).collect::<String>()
        )
    }
}

/// A client for one merchant on one server.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    target: Target,
    schemas: Arc<SchemaBook>,
    token: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("target", &self.target).finish()
    }
}

impl Api {
    /// A client for `target`, checking against `schemas`.
    ///
    /// # Errors
    /// [`Error::Http`] if the HTTP client cannot be built.
    pub fn new(target: Target, schemas: Arc<SchemaBook>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Http {
                method: "-".into(),
                path: "-".into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            http,
            target,
            schemas,
            token: Arc::new(Mutex::new(None)),
        })
    }

    /// The same server and schemas with another merchant's credentials (and no token yet).
    pub fn for_merchant(&self, target: Target) -> Self {
        Self {
            http: self.http.clone(),
            target,
            schemas: Arc::clone(&self.schemas),
            token: Arc::new(Mutex::new(None)),
        }
    }

    /// The target this client talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The schema book used for every response.
    pub fn schemas(&self) -> &SchemaBook {
        &self.schemas
    }

    /// The underlying HTTP client (shares its connection pool).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The current access token, if one was fetched.
    pub fn token(&self) -> Option<String> {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the access token used for `Authorization` (e.g. a deliberately wrong one).
    pub fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }

    /// Sends `req`, then checks the response against the documented schema.
    ///
    /// # Errors
    /// [`Error::Http`] when there is no response, [`Error::Schema`] when the body contradicts
    /// the documentation.
    pub async fn send(&self, req: ApiRequest) -> Result<Reply, Error> {
        let url = if req.path.starts_with("http://") || req.path.starts_with("https://") {
            req.path.clone()
        } else {
            format!("{}{}", self.target.base_url, req.path)
        };
        let path_only = url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_else(|| "/".into());
        let mut headers: Vec<(String, String)> = Vec::new();
        if req.auth {
            if let Some(token) = self.token() {
                headers.push(("Authorization".into(), format!("Bearer {token}")));
            }
        }
        if req.subscription_key {
            headers.push((
                "Ocp-Apim-Subscription-Key".into(),
                self.target.subscription_key.clone(),
            ));
        }
        headers.push(("Merchant-Serial-Number".into(), self.target.msn.clone()));
        if let Some(ct) = &req.content_type {
            headers.push(("Content-Type".into(), ct.clone()));
        }
        for (name, value) in &req.headers {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            if !value.is_empty() {
                headers.push((name.clone(), value.clone()));
            }
        }
        let mut builder = self.http.request(req.method.clone(), &url);
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let http_err = |e: reqwest::Error| Error::Http {
            method: req.method.to_string(),
            path: path_only.clone(),
            message: e.without_url().to_string(),
        };
        let response = builder.send().await.map_err(http_err)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(http_err)?.to_vec();
        self.schemas
            .check(req.method.as_str(), &path_only, status, &body)?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// `POST /accessToken/get` as Postman sends it; stores the token on success.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn fetch_token(&self) -> Result<Reply, Error> {
        let reply = self
            .send(
                ApiRequest::post("/accessToken/get")
                    .without_auth()
                    .header("client_id", self.target.client_id.clone())
                    .header("client_secret", self.target.client_secret.clone())
                    .raw(Vec::new())
                    .header("Content-Type", ""),
            )
            .await?;
        if reply.status == 200 {
            let token = reply
                .json()
                .get("access_token")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.set_token(token);
        }
        Ok(reply)
    }

    /// Fetches a token and fails unless it was issued.
    ///
    /// # Errors
    /// [`Error::Unexpected`] when the token endpoint does not answer 200.
    pub async fn login(&self) -> Result<(), Error> {
        let reply = self.fetch_token().await?;
        if reply.status == 200 {
            Ok(())
        } else {
            Err(Error::Unexpected(format!(
                "access token: {}",
                reply.describe()
            )))
        }
    }

    /// `POST /ecomm/v2/payments/` (trailing slash, as Postman).
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn initiate(&self, body: &Value) -> Result<Reply, Error> {
        self.send(ApiRequest::post("/ecomm/v2/payments/").json(body))
            .await
    }

    /// `GET .../details`.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn details(&self, order_id: &str) -> Result<Reply, Error> {
        self.send(ApiRequest::get(format!(
            "/ecomm/v2/payments/{order_id}/details"
        )))
        .await
    }

    /// `GET .../status` (deprecated).
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn status(&self, order_id: &str) -> Result<Reply, Error> {
        self.send(ApiRequest::get(format!(
            "/ecomm/v2/payments/{order_id}/status"
        )))
        .await
    }

    fn action_body(&self, text: &str, amount: Option<i64>) -> Value {
        let mut transaction = json!({ "transactionText": text });
        if let Some(amount) = amount {
            transaction["amount"] = json!(amount);
        }
        json!({
            "merchantInfo": { "merchantSerialNumber": self.target.msn },
            "transaction": transaction,
        })
    }

    /// `POST .../capture`; `amount: None` captures the rest.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn capture(
        &self,
        order_id: &str,
        amount: Option<i64>,
        request_id: Option<&str>,
    ) -> Result<Reply, Error> {
        let mut req = ApiRequest::post(format!("/ecomm/v2/payments/{order_id}/capture"))
            .json(&self.action_body("This payment was captured.", amount));
        if let Some(id) = request_id {
            req = req.header("X-Request-Id", id);
        }
        self.send(req).await
    }

    /// `POST .../refund`; `amount: None` refunds the rest.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn refund(
        &self,
        order_id: &str,
        amount: Option<i64>,
        request_id: Option<&str>,
    ) -> Result<Reply, Error> {
        let mut req = ApiRequest::post(format!("/ecomm/v2/payments/{order_id}/refund"))
            .json(&self.action_body("This payment was refunded.", amount));
        if let Some(id) = request_id {
            req = req.header("X-Request-Id", id);
        }
        self.send(req).await
    }

    /// `PUT .../cancel`, optionally with `shouldReleaseRemainingFunds`.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn cancel(&self, order_id: &str, release: Option<bool>) -> Result<Reply, Error> {
        let mut body = self.action_body("This payment was cancelled.", None);
        if let Some(flag) = release {
            body["shouldReleaseRemainingFunds"] = json!(flag);
        }
        self.send(ApiRequest::put(format!("/ecomm/v2/payments/{order_id}/cancel")).json(&body))
            .await
    }

    /// `POST .../integration-test/payments/{orderId}/approve` with `X-Request-Id: orderId`, as
    /// Postman sends it.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn approve(
        &self,
        order_id: &str,
        phone: Option<&str>,
        token: Option<&str>,
    ) -> Result<Reply, Error> {
        let mut body = json!({});
        if let Some(phone) = phone {
            body["customerPhoneNumber"] = json!(phone);
        }
        if let Some(token) = token {
            body["token"] = json!(token);
        }
        self.send(
            ApiRequest::post(format!(
                "/ecomm/v2/integration-test/payments/{order_id}/approve"
            ))
            .header("X-Request-Id", order_id)
            .json(&body),
        )
        .await
    }

    /// `GET /vipps-userinfo-api/userinfo/{sub}` without a subscription key, as Postman.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn userinfo(&self, sub: &str) -> Result<Reply, Error> {
        self.send(
            ApiRequest::get(format!("/vipps-userinfo-api/userinfo/{sub}"))
                .without_subscription_key(),
        )
        .await
    }

    /// `POST /qr/v1` with `Accept: accept`.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn qr(&self, landing_url: &str, accept: &str) -> Result<Reply, Error> {
        self.send(
            ApiRequest::post("/qr/v1")
                .header("Accept", accept)
                .json(&json!({ "url": landing_url })),
        )
        .await
    }

    /// `GET` of an absolute URL the API handed out (landing page, QR image), with no
    /// credentials at all.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn open(&self, url: &str) -> Result<Reply, Error> {
        self.send(
            ApiRequest::get(url)
                .without_auth()
                .without_subscription_key(),
        )
        .await
    }
}

/// The landing-page token of an initiate `url`, taken the way the Postman script does:
/// `url.split('=', 3)[2]` (JavaScript: split on every `=`, keep three pieces, take the third).
pub fn postman_token(url: &str) -> Option<String> {
    url.split('=').nth(2).map(str::to_owned)
}

/// A unique orderId in Postman's style: MSN + epoch milliseconds, plus a counter so that
/// several in one millisecond differ.
pub fn order_id(msn: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{msn}{millis}-{n}")
}
