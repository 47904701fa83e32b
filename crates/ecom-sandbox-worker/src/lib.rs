//! The eCom sandbox in the visitor's browser.
//!
//! A thin host for `ecom-sandbox`: the same router the native server runs, compiled to wasm32
//! and called by the playground's service worker (`sandbox-sw.js` beside this crate) for every
//! request under `<playground>/browser-sandbox/`. The worker hands over the method, the path
//! below that prefix, the headers and the body; [`BrowserSandbox::handle`] answers with a
//! `Response`. No network and no runtime: the router's futures finish without waiting on
//! anything, and the merchant requests the sandbox would make (callbacks, shipping details)
//! are recorded, not sent.
//!
//! Each visitor's sandbox is theirs alone: it lives in their browser, on the playground's own
//! origin. The worker keeps its state in IndexedDB across restarts (browsers stop idle service
//! workers after about 30 seconds).

use axum::body::Body;
use ecom_sandbox::{Sandbox, SandboxConfig, WhenFull};
use tower::ServiceExt as _;
use wasm_bindgen::prelude::*;

/// The bytes one browser's sandbox may keep, by the store's own accounting. Far more than a
/// quick start needs (a payment costs one to a few kilobytes), well inside what browsers give
/// an origin's IndexedDB.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Payments one browser's sandbox keeps at most.
pub const MAX_PAYMENTS: usize = 2_000;

/// The configuration of a sandbox in a browser: the demo merchant and test users, MT's rate
/// limits, answers whose URLs point at `public_base_url` (`<playground>/browser-sandbox`).
/// When it is full, an initiate is refused with a message that says so; nothing of the
/// visitor's is evicted.
pub fn config(public_base_url: &str) -> SandboxConfig {
    SandboxConfig {
        public_base_url: public_base_url.trim_end_matches('/').to_owned(),
        max_payments: MAX_PAYMENTS,
        max_payment_bytes: MAX_BYTES,
        when_full: WhenFull::Refuse,
        ..SandboxConfig::default()
    }
}

/// One visitor's sandbox, owned by the service worker.
#[wasm_bindgen]
pub struct BrowserSandbox {
    sandbox: Sandbox,
}

#[wasm_bindgen]
impl BrowserSandbox {
    /// A sandbox whose URLs (landing pages, QR images) start with `public_base_url`.
    #[wasm_bindgen(constructor)]
    pub fn new(public_base_url: &str) -> BrowserSandbox {
        BrowserSandbox {
            sandbox: Sandbox::new(config(public_base_url)),
        }
    }

    /// A sandbox that goes on from `saved`, what [`BrowserSandbox::snapshot`] returned.
    ///
    /// # Errors
    /// What is wrong with `saved`, and that resetting the sandbox starts again.
    pub fn restore(public_base_url: &str, saved: &str) -> Result<BrowserSandbox, JsError> {
        let sandbox = Sandbox::restore(config(public_base_url), saved)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(BrowserSandbox { sandbox })
    }

    /// The whole state as JSON, which the worker saves after each answer.
    pub fn snapshot(&self) -> String {
        self.sandbox.snapshot_json()
    }

    /// Answers one request. `path_and_query` is the part below the sandbox's prefix
    /// (`/ecomm/v2/payments/o-1/details`); `headers` is an array of `[name, value]` pairs.
    /// Resolves to a `Response`; rejects only if the request cannot be built (a malformed
    /// method, path or header), with what was wrong.
    pub fn handle(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &js_sys::Array,
        body: Vec<u8>,
    ) -> js_sys::Promise {
        self.sandbox.sweep();
        let request = build_request(method, path_and_query, headers, body);
        let router = self.sandbox.router();
        wasm_bindgen_futures::future_to_promise(async move {
            let request = request.map_err(|e| JsValue::from(JsError::new(&e)))?;
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            to_web_response(response).await
        })
    }
}

/// An error of the worker itself (the sandbox could not start, its saved state is unreadable,
/// storage is full), in the proxy's error format with its header, so the playground explains
/// it like any error of the hop between the page and the API. `upstream` is `browser-sandbox`.
///
/// # Errors
/// Only if the browser cannot build a `Response`.
#[wasm_bindgen]
pub fn host_error(status: u16, kind: &str, message: &str) -> Result<web_sys::Response, JsValue> {
    use ecom_core::wire::errors::{ProxyError, PROXY_ERROR_SOURCE};
    use ecom_core::wire::headers;
    let body = ProxyError {
        source: PROXY_ERROR_SOURCE.to_owned(),
        kind: kind.to_owned(),
        message: message.to_owned(),
        upstream: Some(ecom_core::Environment::Browser.upstream().to_owned()),
    };
    let mut json = serde_json::to_vec(&body).map_err(|e| JsError::new(&e.to_string()))?;
    let web_headers = web_sys::Headers::new()?;
    web_headers.append(headers::CONTENT_TYPE, "application/json")?;
    web_headers.append(headers::PROXY_ERROR, kind)?;
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    let reason = http::StatusCode::from_u16(status).ok();
    init.set_status_text(reason.and_then(|s| s.canonical_reason()).unwrap_or(""));
    init.set_headers(&web_headers);
    web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut json), &init)
}

/// The `http::Request` the router takes.
fn build_request(
    method: &str,
    path_and_query: &str,
    headers: &js_sys::Array,
    body: Vec<u8>,
) -> Result<http::Request<Body>, String> {
    let mut builder = http::Request::builder().method(method).uri(path_and_query);
    for pair in headers.iter() {
        let pair = js_sys::Array::from(&pair);
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            return Err("a header is not a [name, value] pair of strings".to_owned());
        };
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(body))
        .map_err(|e| format!("cannot build the request for {method} {path_and_query}: {e}"))
}

/// The router's answer as a browser `Response`.
async fn to_web_response(response: http::Response<Body>) -> Result<JsValue, JsValue> {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| JsValue::from(JsError::new(&format!("cannot read the answer: {e}"))))?;
    let web_headers = web_sys::Headers::new()?;
    for (name, value) in &parts.headers {
        // The sandbox writes ASCII headers only; anything else is left out, not mangled.
        if let Ok(value) = value.to_str() {
            web_headers.append(name.as_str(), value)?;
        }
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(parts.status.as_u16());
    // The reason phrase, as a server sends it: the app shows "200 OK" for both sandboxes.
    init.set_status_text(parts.status.canonical_reason().unwrap_or(""));
    init.set_headers(&web_headers);
    // A null-body status (204, 205, 304) must be answered without a body.
    let null_body = matches!(parts.status.as_u16(), 204 | 205 | 304);
    let mut bytes = bytes.to_vec();
    let response = if null_body {
        web_sys::Response::new_with_opt_u8_array_and_init(None, &init)?
    } else {
        web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut bytes), &init)?
    };
    Ok(response.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_config_is_valid_and_bounded() {
        let c = config("https://docs.example.com/playground/browser-sandbox/");
        assert_eq!(
            c.public_base_url,
            "https://docs.example.com/playground/browser-sandbox"
        );
        assert!(c.max_payment_bytes <= MAX_BYTES);
        c.validate().unwrap_or_else(|e| panic!("{e}"));
    }
}
