//! Client for the sandbox's `/__sim` control surface (spec Appendix A; the sandbox documents
//! it in `crates/ecom-sandbox/SIM_API.md`).
//!
//! None of this exists on the real MT environment: tests that need it are skipped there.

use serde_json::{json, Value};

use crate::Error;

/// A `/__sim` client sharing the API client's connection pool.
#[derive(Debug, Clone)]
pub struct Sim {
    http: reqwest::Client,
    base: String,
}

/// A `/__sim` answer: status and JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct SimReply {
    /// HTTP status.
    pub status: u16,
    /// The body as JSON.
    pub json: Value,
}

impl Sim {
    /// A client for the sandbox at `base_url`.
    pub fn new(http: reqwest::Client, base_url: &str) -> Self {
        Self {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<SimReply, Error> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let http_err = |e: reqwest::Error| Error::Http {
            method: method.to_string(),
            path: path.to_owned(),
            message: e.without_url().to_string(),
        };
        let resp = req.send().await.map_err(http_err)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(http_err)?;
        Ok(SimReply {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    fn ok(reply: SimReply, what: &str) -> Result<Value, Error> {
        if (200..300).contains(&reply.status) {
            Ok(reply.json)
        } else {
            Err(Error::Unexpected(format!(
                "/__sim {what}: status {} body {}",
                reply.status, reply.json
            )))
        }
    }

    /// Advances the simulated clock by `seconds` (timeouts fire at once).
    ///
    /// # Errors
    /// [`Error::Unexpected`] unless the sandbox answers 2xx.
    pub async fn advance(&self, seconds: u64) -> Result<Value, Error> {
        let r = self
            .call(
                reqwest::Method::POST,
                "/__sim/clock",
                Some(json!({ "advanceSeconds": seconds })),
            )
            .await?;
        Self::ok(r, "clock")
    }

    /// The recorded outbound requests (callbacks, shipping, consent removal) for `order_id`,
    /// oldest first.
    ///
    /// # Errors
    /// [`Error::Unexpected`] unless the sandbox answers 2xx with `{"callbacks": [...]}`.
    pub async fn outbound(&self, order_id: &str) -> Result<Vec<Value>, Error> {
        let r = self
            .call(
                reqwest::Method::GET,
                &format!("/__sim/callbacks?orderId={order_id}"),
                None,
            )
            .await?;
        let json = Self::ok(r, "callbacks")?;
        json.get("callbacks")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| Error::Unexpected(format!("/__sim/callbacks: {json}")))
    }

    /// Internal state of one payment.
    ///
    /// # Errors
    /// [`Error::Unexpected`] unless the sandbox answers 2xx.
    pub async fn payment(&self, msn: &str, order_id: &str) -> Result<Value, Error> {
        let r = self
            .call(
                reqwest::Method::GET,
                &format!("/__sim/payments/{msn}/{order_id}"),
                None,
            )
            .await?;
        Self::ok(r, "payment")
    }

    /// Drives the simulated app for the payment with landing-page `token`: `action` is
    /// `approve`, `cancel` or `fail` (with `?code=`), `body` the optional choices (phone,
    /// express address/method, consent).
    ///
    /// # Errors
    /// Only transport errors; the status is returned for the test to judge.
    pub async fn app(
        &self,
        token: &str,
        action: &str,
        body: Option<Value>,
    ) -> Result<SimReply, Error> {
        self.call(
            reqwest::Method::POST,
            &format!("/__sim/app/{token}/{action}"),
            Some(body.unwrap_or_else(|| json!({}))),
        )
        .await
    }

    /// Acts on the landing page of `token`: `open`, `phone` (with `{"phone": …}`) or
    /// `cancel`.
    ///
    /// # Errors
    /// Only transport errors; the status is returned for the test to judge.
    pub async fn landing(
        &self,
        token: &str,
        action: &str,
        body: Option<Value>,
    ) -> Result<SimReply, Error> {
        self.call(
            reqwest::Method::POST,
            &format!("/__sim/landing/{token}/{action}"),
            body,
        )
        .await
    }

    /// `PATCH /__sim/config` (e.g. `{"rateLimits": false}`).
    ///
    /// # Errors
    /// [`Error::Unexpected`] unless the sandbox answers 2xx.
    pub async fn configure(&self, patch: Value) -> Result<Value, Error> {
        let r = self
            .call(reqwest::Method::PATCH, "/__sim/config", Some(patch))
            .await?;
        Self::ok(r, "config")
    }

    /// Fires the consent-removal request for `user_id` at merchant `msn`.
    ///
    /// # Errors
    /// Only transport errors.
    pub async fn remove_consent(&self, msn: &str, user_id: &str) -> Result<SimReply, Error> {
        self.call(
            reqwest::Method::POST,
            &format!("/__sim/consents/{msn}/{user_id}/remove"),
            None,
        )
        .await
    }

    /// Any other `/__sim` call.
    ///
    /// # Errors
    /// Only transport errors.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<SimReply, Error> {
        self.call(method, path, body).await
    }
}
