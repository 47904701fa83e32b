//! The only user of the HTTP client: sends requests built by `ecom_core` through the proxy, or
//! to the sandbox in this browser.

use ecom_core::explain::{explain, Explanation, PROXY_ERROR_HEADER};
use ecom_core::proxy::ProxyInfo;
use ecom_core::request::{ApiRequest, Method};
use ecom_core::settings::Settings;
use ecom_core::token::{access_token_request, AccessToken};
use ecom_core::validate;
use ecom_core::wire::{headers, timing};
use gloo_net::http::{Method as HttpMethod, RequestBuilder};

use crate::browser_sandbox;
use crate::error::AppError;
use crate::state::session::now_seconds;

/// A response as the app shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    /// HTTP status code.
    pub status: u16,
    /// Status text, if the server sent one.
    pub status_text: String,
    /// Wall time from send to the complete body, in milliseconds.
    pub millis: f64,
    /// Time the proxy spent waiting for the upstream (from `Server-Timing`), in milliseconds.
    pub upstream_millis: Option<f64>,
    /// Response headers the browser exposes.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: String,
    /// For error statuses: what the error means and the usual fix.
    pub explanation: Option<Explanation>,
}

impl ApiResponse {
    /// The value of the response header `name` (any case), if the browser exposes it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The header that carries the proxy's access token, when the proxy requires one.
pub use ecom_core::wire::headers::PROXY_TOKEN as PROXY_TOKEN_HEADER;

fn now_millis() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// The directory of the page's base URL (`document.baseURI`), ending in `/`: where the page's
/// own server answers (an empty proxy URL) and where the sandbox in this browser lives, so the
/// app works under any path prefix.
pub fn page_dir() -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    ecom_core::environment::base_directory(&base)
}

/// The proxy base URL the settings point at (the page's own server when empty), without any
/// user name or password (which validation refuses) or trailing `/`: this is what requests go
/// to and what error messages show.
pub fn proxy_base(settings: &Settings) -> String {
    let base = if settings.proxy_url.is_empty() {
        page_dir()
    } else {
        validate::strip_userinfo(&settings.proxy_url)
    };
    base.trim_end_matches('/').to_owned()
}

/// The URL `request` goes to with these settings.
pub fn url_for(request: &ApiRequest, settings: &Settings) -> String {
    request.url(&settings.proxy_url, &page_dir(), settings.environment)
}

/// Checks the settings a request needs, before anything is sent.
///
/// # Errors
/// [`AppError::Invalid`] with the first problem and where to fix it.
pub fn check_settings(settings: &Settings) -> Result<(), AppError> {
    let mut problems = validate::credentials(settings.active_credentials());
    if settings.environment.is_proxied() {
        problems.extend(validate::proxy_url(&settings.proxy_url).err());
    }
    match problems.first() {
        Some(first) => Err(AppError::Invalid(format!(
            "{} (see Settings)",
            first.message
        ))),
        None => Ok(()),
    }
}

/// Sends `request` to the environment the settings select: through the proxy they point at,
/// or to the sandbox in this browser once its worker controls the page (never with the
/// proxy's access token).
///
/// # Errors
/// As [`send`], plus [`AppError::Invalid`] for settings that cannot be sent and
/// [`AppError::BrowserSandbox`] when the sandbox in this browser cannot answer.
pub async fn send_with(request: &ApiRequest, settings: &Settings) -> Result<ApiResponse, AppError> {
    check_settings(settings)?;
    let url = url_for(request, settings);
    if settings.environment.is_proxied() {
        return send(request, &url, &proxy_base(settings), &settings.proxy_token).await;
    }
    browser_sandbox::ready().await?;
    send(request, &url, &browser_sandbox::base_url(), "")
        .await
        .map_err(|e| match e {
            AppError::ProxyUnreachable { reason, .. } => AppError::BrowserSandbox(format!(
                "its service worker did not answer ({reason}). Reload the page to restart it"
            )),
            other => other,
        })
}

/// Asks the proxy what it serves (`GET /__proxy/info`).
///
/// # Errors
/// [`AppError::ProxyUnreachable`] when it does not answer, [`AppError::Body`] when the answer
/// is not the proxy's info (for example another server at that URL).
pub async fn proxy_info(settings: &Settings) -> Result<ProxyInfo, AppError> {
    let base = proxy_base(settings);
    let request = ApiRequest {
        method: Method::Get,
        path: "/__proxy/info".to_owned(),
        bearer: false,
        headers: Vec::new(),
        body: None,
    };
    // Without explaining errors: the explanations are not needed to read the proxy's info, and
    // leaving them out keeps them off the first load (see `send`).
    let response = transport(
        &request,
        &format!("{base}/__proxy/info"),
        &base,
        &settings.proxy_token,
    )
    .await?;
    if response.status != 200 {
        return Err(AppError::Body(format!(
            "{base}/__proxy/info answered HTTP {}; is this the eCom Playground proxy?",
            response.status
        )));
    }
    ProxyInfo::parse(&response.body).map_err(|e| AppError::Body(e.to_string()))
}

/// Gets an access token; the token is `Some` when the call succeeded.
///
/// # Errors
/// As [`send_with`], plus [`AppError::Body`] when a 200 body holds no token.
pub async fn fetch_token(
    settings: &Settings,
) -> Result<(ApiResponse, Option<AccessToken>), AppError> {
    let response = send_with(
        &access_token_request(settings.active_credentials()),
        settings,
    )
    .await?;
    if response.status != 200 {
        return Ok((response, None));
    }
    let token = AccessToken::parse(&response.body, now_seconds())
        .map_err(|e| AppError::Body(e.to_string()))?;
    Ok((response, Some(token)))
}

/// Sends `request` to `url` (the proxy URL for the chosen environment), with the proxy's
/// access token when one is set, and explains an error response.
///
/// # Errors
/// [`AppError::ProxyUnreachable`] when no response arrived, [`AppError::Body`] when the
/// body could not be read.
pub async fn send(
    request: &ApiRequest,
    url: &str,
    proxy_base: &str,
    proxy_token: &str,
) -> Result<ApiResponse, AppError> {
    let mut response = transport(request, url, proxy_base, proxy_token).await?;
    if response.status >= 400 {
        let marker = response.header(PROXY_ERROR_HEADER).map(str::to_owned);
        let explained = part!(explained(response.status, response.body.clone(), marker));
        // Without the catalogue the response is still shown, as the server sent it.
        response.explanation = explained.unwrap_or_else(|e| {
            Some(Explanation {
                source: "the server",
                summary: format!("HTTP {}", response.status),
                advice: format!("Its explanation is not available: {e} The response is below."),
            })
        });
    }
    Ok(response)
}

/// [`explain`] for an error response: a chunk of its own in the release build (see
/// [`crate::parts`]), fetched with the first error response. The catalogue (six error formats
/// read with serde, and the advice for each code) is about a tenth of what the steps need, and
/// a quick start that goes well never uses it.
#[cfg_attr(ecom_split, wasm_split_helpers::wasm_split(explanations, fallible))]
#[allow(
    clippy::needless_pass_by_value,
    reason = "a split point's arguments cross into its chunk by value"
)]
fn explained(
    status: u16,
    body: String,
    proxy_marker: Option<String>,
) -> Result<Option<Explanation>, AppError> {
    Ok(explain(status, &body, proxy_marker.as_deref()))
}

/// Sends `request` as [`send`] does, without explaining errors: for callers that need only the
/// status (the proxy probe, the browser sandbox's reset), so the side panels' chunk does not
/// carry the error explanations.
///
/// # Errors
/// As [`send`].
pub(crate) async fn transport(
    request: &ApiRequest,
    url: &str,
    proxy_base: &str,
    proxy_token: &str,
) -> Result<ApiResponse, AppError> {
    let method = match request.method {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Put => HttpMethod::PUT,
    };
    // Never follow a redirect: fetch would re-send every header, the client secret and the
    // subscription key among them, to wherever `Location` points. `manual` hands the redirect
    // back as an opaque response instead, which becomes an error below.
    let mut builder = RequestBuilder::new(url)
        .method(method)
        .redirect(web_sys::RequestRedirect::Manual);
    for header in &request.headers {
        builder = builder.header(&header.name, &header.value);
    }
    if !proxy_token.is_empty() {
        builder = builder.header(PROXY_TOKEN_HEADER, proxy_token);
    }
    let prepared = match &request.body {
        Some(body) => builder.body(body.clone()),
        None => builder.build(),
    }
    .map_err(|e| AppError::Invalid(e.to_string()))?;
    let started = now_millis();
    let response = prepared
        .send()
        .await
        .map_err(|e| AppError::ProxyUnreachable {
            url: proxy_base.to_owned(),
            reason: e.to_string(),
        })?;
    if response.type_() == web_sys::ResponseType::Opaqueredirect {
        return Err(AppError::Redirected {
            url: proxy_base.to_owned(),
        });
    }
    let body = response
        .text()
        .await
        .map_err(|e| AppError::Body(e.to_string()))?;
    let millis = now_millis() - started;
    let mut answer = ApiResponse {
        status: response.status(),
        status_text: response.status_text(),
        millis,
        upstream_millis: None,
        headers: response.headers().entries().collect(),
        body,
        explanation: None,
    };
    answer.upstream_millis = answer
        .header(headers::SERVER_TIMING)
        .and_then(timing::upstream_millis);
    Ok(answer)
}
