//! The HTTP client every conformance request goes through.
//!
//! The requests are the browser app's own: built by `ecom_core`'s builders
//! (`ecom_core::token`, `ecom_core::payment`) for the target's credentials, authorized in one
//! place ([`Api::send`], with the token the client fetched), turned into an `http::Request` by
//! `ecom_core::request::ApiRequest::to_http` and sent with reqwest. A negative case (no
//! `Authorization`, no subscription key, a broken body, another path) is an explicit [`Edit`] of
//! the core request, not a second builder.
//!
//! [`Api::send_http`] is the only function that performs a request, and it checks every
//! response body against [`SchemaBook`] before handing it back: a test cannot get a response
//! that contradicts the official schema without failing.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ecom_core::payment::{self, QrFormat};
use ecom_core::request::{ApiRequest, Header, Method};
use ecom_core::settings::Credentials;
use ecom_core::token::access_token_request;
use ecom_core::wire::headers;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::{Error, SchemaBook, Target};

/// Explicit edits of a core request, for the cases the app never sends.
pub trait Edit: Sized {
    /// Without header `name` (any letter case).
    #[must_use]
    fn without_header(self, name: &str) -> Self;
    /// With header `name` set to `value`, replacing the builder's. Setting `Authorization`
    /// this way also keeps [`Api::send`] from adding the client's token.
    #[must_use]
    fn with_header(self, name: &str, value: impl Into<String>) -> Self;
    /// With no `Authorization` at all: [`Api::send`] adds no token.
    #[must_use]
    fn without_auth(self) -> Self;
    /// With another method.
    #[must_use]
    fn with_method(self, method: Method) -> Self;
    /// With another path (letter case, a trailing slash, another endpoint).
    #[must_use]
    fn with_path(self, path: impl Into<String>) -> Self;
    /// With the body replaced by `raw` as it is (for malformed JSON), its `Content-Type` kept.
    #[must_use]
    fn with_body(self, raw: impl Into<String>) -> Self;
    /// With the body replaced by `body`, serialised.
    #[must_use]
    fn with_json(self, body: &Value) -> Self;
}

impl Edit for ApiRequest {
    fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
        self
    }
    fn with_header(self, name: &str, value: impl Into<String>) -> Self {
        let mut request = self.without_header(name);
        request.headers.push(Header::plain(name, value));
        request
    }
    fn without_auth(mut self) -> Self {
        self.bearer = false;
        self.without_header(headers::AUTHORIZATION)
    }
    fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }
    fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
    fn with_body(mut self, raw: impl Into<String>) -> Self {
        self.body = Some(raw.into());
        self
    }
    fn with_json(self, body: &Value) -> Self {
        self.with_body(body.to_string())
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

/// The origin (`scheme://host:port`) and the path of an absolute URL.
fn split_url(url: &str) -> (&str, String) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => (&url[..after_scheme + i], url[after_scheme + i..].to_owned()),
        None => (url, "/".to_owned()),
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

    /// The target's keys as the app's settings hold them, for the core's builders.
    pub fn credentials(&self) -> Credentials {
        self.target.credentials()
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

    /// Sends a core request to the target: authorized with the client's token when the call
    /// needs one, one was fetched and no test set `Authorization` itself (the one place the
    /// test client applies authorization, as the app's send panel does).
    ///
    /// # Errors
    /// [`Error::Request`] when the request cannot go on the wire, otherwise as
    /// [`Api::send_http`].
    pub async fn send(&self, req: ApiRequest) -> Result<Reply, Error> {
        self.send_to(&self.target.base_url, req).await
    }

    /// As [`Api::send`], to another origin (a URL the API handed out).
    async fn send_to(&self, base_url: &str, req: ApiRequest) -> Result<Reply, Error> {
        let req = match self.token() {
            Some(token) if req.bearer && req.header(headers::AUTHORIZATION).is_none() => {
                req.authorized(&token)
            }
            _ => req,
        };
        let http = req
            .to_http(base_url)
            .map_err(|e| Error::Request(e.to_string()))?;
        self.send_http(http).await
    }

    /// Sends an `http::Request` (a converted core request, possibly edited further, for
    /// example to a method the API does not have), then checks the response against the
    /// documented schema.
    ///
    /// # Errors
    /// [`Error::Http`] when there is no response, [`Error::Schema`] when the body contradicts
    /// the documentation.
    pub async fn send_http(&self, req: http::Request<String>) -> Result<Reply, Error> {
        let method = req.method().clone();
        let path_only = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let http_err = |e: reqwest::Error| Error::Http {
            method: method.to_string(),
            path: path_only.clone(),
            message: e.without_url().to_string(),
        };
        // A GET has no body at all, as from a browser; any other method keeps even an empty
        // one (Content-Length: 0, which the token endpoint's gateway wants).
        let no_body = req.body().is_empty() && method == http::Method::GET;
        let mut request = reqwest::Request::try_from(req).map_err(http_err)?;
        if no_body {
            *request.body_mut() = None;
        }
        let response = self.http.execute(request).await.map_err(http_err)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(http_err)?.to_vec();
        self.schemas
            .check(method.as_str(), self.api_path(&path_only), status, &body)?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// `path` as the API documents it: without the base URL's own path, for a server hosted
    /// under a prefix (the in-browser sandbox answers below `<origin>/browser-sandbox`).
    fn api_path<'a>(&self, path: &'a str) -> &'a str {
        let (_, prefix) = split_url(&self.target.base_url);
        let prefix = prefix.trim_end_matches('/');
        match path.strip_prefix(prefix) {
            Some(rest) if rest.starts_with('/') => rest,
            _ => path,
        }
    }

    /// The app's access-token request for this target.
    pub fn token_request(&self) -> ApiRequest {
        access_token_request(&self.credentials())
    }

    /// `POST /accesstoken/get` as the app sends it; stores the token on success.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn fetch_token(&self) -> Result<Reply, Error> {
        let reply = self.send(self.token_request()).await?;
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

    /// The app's initiate request of `body`.
    pub fn initiate_request(&self, body: &Value) -> ApiRequest {
        payment::initiate_request(&self.credentials(), body)
    }

    /// `POST /ecomm/v2/payments` as the app sends it.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn initiate(&self, body: &Value) -> Result<Reply, Error> {
        self.send(self.initiate_request(body)).await
    }

    /// The app's details request.
    pub fn details_request(&self, order_id: &str) -> ApiRequest {
        payment::details_request(&self.credentials(), order_id)
    }

    /// `GET .../details`.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn details(&self, order_id: &str) -> Result<Reply, Error> {
        self.send(self.details_request(order_id)).await
    }

    /// `GET .../status` (deprecated; the app does not call it): the details request with the
    /// path edited.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn status(&self, order_id: &str) -> Result<Reply, Error> {
        self.send(
            self.details_request(order_id)
                .with_path(format!("/ecomm/v2/payments/{order_id}/status")),
        )
        .await
    }

    /// The body of capture and refund: the core's, with a negative `amount` (which the app
    /// never sends) written in explicitly.
    fn amount_body(&self, text: &str, amount: Option<i64>) -> Value {
        let ore = amount.and_then(|a| u64::try_from(a).ok());
        let mut body = payment::amount_body(&self.target.msn, ore, text);
        if let (Some(a), None) = (amount, ore) {
            body["transaction"]["amount"] = json!(a);
        }
        body
    }

    /// The app's capture request; no `X-Request-Id` when `request_id` is `None`.
    pub fn capture_request(
        &self,
        order_id: &str,
        body: &Value,
        request_id: Option<&str>,
    ) -> ApiRequest {
        let req = payment::capture_request(
            &self.credentials(),
            order_id,
            body,
            request_id.unwrap_or_default(),
        );
        keyed(req, request_id)
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
        let body = self.amount_body("This payment was captured.", amount);
        self.send(self.capture_request(order_id, &body, request_id))
            .await
    }

    /// The app's refund request; no `X-Request-Id` when `request_id` is `None`.
    pub fn refund_request(
        &self,
        order_id: &str,
        body: &Value,
        request_id: Option<&str>,
    ) -> ApiRequest {
        let req = payment::refund_request(
            &self.credentials(),
            order_id,
            body,
            request_id.unwrap_or_default(),
        );
        keyed(req, request_id)
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
        let body = self.amount_body("This payment was refunded.", amount);
        self.send(self.refund_request(order_id, &body, request_id))
            .await
    }

    /// The app's cancel request.
    pub fn cancel_request(&self, order_id: &str, body: &Value) -> ApiRequest {
        payment::cancel_request(&self.credentials(), order_id, body)
    }

    /// `PUT .../cancel`, optionally with `shouldReleaseRemainingFunds` (`Some(false)`, which
    /// the app leaves out, is written in explicitly).
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn cancel(&self, order_id: &str, release: Option<bool>) -> Result<Reply, Error> {
        let mut body = payment::cancel_body(
            &self.target.msn,
            "This payment was cancelled.",
            release == Some(true),
        );
        if release == Some(false) {
            body["shouldReleaseRemainingFunds"] = json!(false);
        }
        self.send(self.cancel_request(order_id, &body)).await
    }

    /// The app's force-approve request, with `X-Request-Id: orderId` as Postman sends it.
    pub fn approve_request(&self, order_id: &str, body: &Value) -> ApiRequest {
        payment::force_approve_request(&self.credentials(), order_id, body, order_id)
    }

    /// `POST .../integration-test/payments/{orderId}/approve`; a field given as `None` is
    /// taken out of the app's body.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn approve(
        &self,
        order_id: &str,
        phone: Option<&str>,
        token: Option<&str>,
    ) -> Result<Reply, Error> {
        let mut body =
            payment::force_approve_body(phone.unwrap_or_default(), token.unwrap_or_default());
        if let Value::Object(fields) = &mut body {
            if phone.is_none() {
                fields.remove("customerPhoneNumber");
            }
            if token.is_none() {
                fields.remove("token");
            }
        }
        self.send(self.approve_request(order_id, &body)).await
    }

    /// The app's userinfo request (no subscription key, as Postman).
    pub fn userinfo_request(&self, sub: &str) -> ApiRequest {
        payment::userinfo_request(&self.credentials(), sub)
    }

    /// `GET /vipps-userinfo-api/userinfo/{sub}` as the app sends it.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn userinfo(&self, sub: &str) -> Result<Reply, Error> {
        self.send(self.userinfo_request(sub)).await
    }

    /// The app's QR request with `Accept: accept` (an `Accept` the app never sends is an
    /// explicit edit).
    pub fn qr_request(&self, landing_url: &str, accept: &str) -> ApiRequest {
        let format = [QrFormat::Png, QrFormat::Svg, QrFormat::TargetUrl]
            .into_iter()
            .find(|f| f.accept() == accept);
        let req = payment::qr_request(
            &self.credentials(),
            landing_url,
            format.unwrap_or(QrFormat::Png),
        );
        match format {
            Some(_) => req,
            None => req.with_header("Accept", accept),
        }
    }

    /// `POST /qr/v1` with `Accept: accept`.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn qr(&self, landing_url: &str, accept: &str) -> Result<Reply, Error> {
        self.send(self.qr_request(landing_url, accept)).await
    }

    /// `GET` of an absolute URL the API handed out (landing page, QR image), with no
    /// credentials at all, as a browser opens it.
    ///
    /// # Errors
    /// As [`Api::send`].
    pub async fn open(&self, url: &str) -> Result<Reply, Error> {
        let (origin, path) = split_url(url);
        let req = ApiRequest {
            method: Method::Get,
            path,
            bearer: false,
            headers: Vec::new(),
            body: None,
        };
        self.send_to(origin, req).await
    }
}

/// `req` without its `X-Request-Id` when `request_id` is `None` (the app always sends one).
fn keyed(req: ApiRequest, request_id: Option<&str>) -> ApiRequest {
    match request_id {
        Some(_) => req,
        None => req.without_header(headers::REQUEST_ID),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls_split_into_origin_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:9/qr-images/a.png?x=1"),
            ("http://127.0.0.1:9", "/qr-images/a.png?x=1".to_owned())
        );
        assert_eq!(
            split_url("https://h.example"),
            ("https://h.example", "/".to_owned())
        );
    }

    #[test]
    fn schemas_see_the_path_below_the_base_url() {
        let api = |base: &str| {
            Api::new(Target::demo(base), Arc::new(SchemaBook::load().unwrap())).unwrap()
        };
        let hosted = api("http://127.0.0.1:9/browser-sandbox");
        assert_eq!(
            hosted.api_path("/browser-sandbox/accesstoken/get"),
            "/accesstoken/get"
        );
        assert_eq!(
            hosted.api_path("/browser-sandboxes/x"),
            "/browser-sandboxes/x"
        );
        assert_eq!(api("http://127.0.0.1:9").api_path("/qr/v1"), "/qr/v1");
    }

    #[test]
    fn edits_replace_and_remove_headers_of_the_core_request() {
        let c = Credentials::demo();
        let req = payment::details_request(&c, "o")
            .with_header("merchant-serial-number", "999999")
            .without_header(headers::SUBSCRIPTION_KEY);
        assert_eq!(req.header(headers::MERCHANT_SERIAL_NUMBER), Some("999999"));
        assert_eq!(req.header(headers::SUBSCRIPTION_KEY), None);
        let req = req.without_auth();
        assert!(!req.bearer);
        assert!(req.authorized("t").header(headers::AUTHORIZATION).is_none());
    }
}
