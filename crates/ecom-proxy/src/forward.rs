//! Forwarding one request to one upstream: which path, headers and body go out, and which
//! response headers come back.
//!
//! The target is always a configured upstream: the request supplies only the path below it, and
//! that path is checked segment by segment before it is appended (no `.`/`..`, no empty segments,
//! no percent-encoding, no characters outside `A-Z a-z 0-9 - . _ ~`), so it can neither leave the
//! upstream's base path nor smuggle another host. Only the request headers the Vipps APIs use
//! are sent on. Redirects are never followed: a network upstream's redirect becomes the proxy's
//! own `upstream_redirect` error without its `Location`, so the browser cannot follow it either
//! (and re-send the credentials to wherever it points); the in-process sandbox's redirects are
//! page navigations between its own pages and pass through.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, Response, Uri};
use tower::ServiceExt;
use url::Url;

use crate::client::{Failure, HttpsClient};
use crate::config::{Target, Upstream};
use crate::error::{printable, Error};
use crate::wire;

/// Request headers forwarded to upstreams: exactly the ones the Vipps APIs read.
pub const FORWARDED_REQUEST_HEADERS: [HeaderName; 13] = [
    wire::AUTHORIZATION,
    wire::SUBSCRIPTION_KEY,
    wire::CLIENT_ID,
    wire::CLIENT_SECRET,
    wire::MERCHANT_SERIAL_NUMBER,
    wire::SYSTEM_NAME,
    wire::SYSTEM_VERSION,
    wire::SYSTEM_PLUGIN_NAME,
    wire::SYSTEM_PLUGIN_VERSION,
    wire::REQUEST_ID,
    wire::CONTENT_TYPE,
    header::ACCEPT,
    wire::SIZE,
];

/// The only response headers passed back from a network upstream (MT, production, extras):
/// what the app shows or needs to read a response. Everything else stays behind, in
/// particular cookies (the proxy's origin is shared by every upstream, so a cookie set by one
/// would be sent to all), `Refresh` and `Link` (which would make the browser navigate or load
/// resources on the upstream's say), CORS and HSTS headers, and hop-by-hop headers.
const PASSED_RESPONSE_HEADERS: [HeaderName; 14] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::CACHE_CONTROL,
    header::EXPIRES,
    header::PRAGMA,
    header::DATE,
    header::ETAG,
    header::LAST_MODIFIED,
    header::VARY,
    header::RETRY_AFTER,
    header::WWW_AUTHENTICATE,
    wire::REQUEST_ID,
];

/// Response headers never passed back from the in-process sandbox, which is trusted to set its
/// pages' own headers (`Location`, its Content Security Policy): hop-by-hop headers, cookies,
/// `Refresh`, `Link` and CORS headers (the proxy sets its own for allowed origins only).
const DROPPED_RESPONSE_HEADERS: [&str; 16] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "set-cookie",
    "set-cookie2",
    "alt-svc",
    "server-timing",
    "strict-transport-security",
    "refresh",
    "link",
];

/// Methods forwarded; the rest (CONNECT, TRACE, …) are refused.
const FORWARDED_METHODS: [Method; 6] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

/// How the forwarded request went, for the `Server-Timing` header and the request log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UpstreamTiming(pub Duration);

/// Checks the path below an upstream (`""` or starting with `/`).
///
/// # Errors
/// [`Error::BadRequest`] saying which segment is refused and why.
pub(crate) fn check_path(upstream: &str, rest: &str) -> Result<(), Error> {
    if rest.is_empty() {
        return Ok(());
    }
    let bad = |why: String| {
        Error::BadRequest {
        upstream: Some(upstream.to_string()),
        message: format!("the proxy does not forward this path: {why}; call /{upstream}/<path> with the API path exactly as documented"),
    }
    };
    let Some(body) = rest.strip_prefix('/') else {
        return Err(bad("it does not start with /".into()));
    };
    if rest.len() > 2048 {
        return Err(bad("it is longer than 2048 characters".into()));
    }
    let segments: Vec<&str> = body.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            // A single trailing slash is real API usage (Postman's `/ecomm/v2/payments/`).
            if i == last {
                continue;
            }
            return Err(bad("it contains an empty segment (`//`)".into()));
        }
        if *segment == "." || *segment == ".." {
            return Err(bad("it contains a `.` or `..` segment".into()));
        }
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            let shown = if c.is_ascii_graphic() {
                c.to_string()
            } else {
                format!("U+{:04X}", u32::from(c))
            };
            return Err(bad(format!(
                "the segment `{}` contains `{shown}`; only letters, digits and - . _ ~ are allowed",
                printable(segment, 60)
            )));
        }
    }
    Ok(())
}

/// Copies the forwardable request headers, refusing values that are not printable ASCII.
///
/// # Errors
/// [`Error::BadRequest`] naming the header (never its value).
pub(crate) fn forwarded_headers(upstream: &str, incoming: &HeaderMap) -> Result<HeaderMap, Error> {
    let mut out = HeaderMap::new();
    for name in &FORWARDED_REQUEST_HEADERS {
        for value in incoming.get_all(name) {
            // HeaderValue already excludes CR, LF and NUL; refusing the rest of the non-printable
            // range too keeps control characters and obs-text from reaching upstreams.
            let printable = value
                .as_bytes()
                .iter()
                .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b));
            if !printable {
                return Err(Error::BadRequest {
                    upstream: Some(upstream.to_string()),
                    message: format!("the {name} header contains a character that is not printable ASCII (such as a line break or a letter outside ASCII); remove it and send the request again"),
                });
            }
            out.append(name.clone(), value.clone());
        }
    }
    Ok(out)
}

/// Keeps only [`PASSED_RESPONSE_HEADERS`] of a network upstream's response.
pub(crate) fn passed_response_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in &PASSED_RESPONSE_HEADERS {
        for value in headers.get_all(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Removes the response headers of an in-process upstream that must not reach the browser.
pub(crate) fn filter_response_headers(headers: &mut HeaderMap) {
    // Headers named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1).
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in listed {
        headers.remove(name);
    }
    for name in DROPPED_RESPONSE_HEADERS {
        headers.remove(name);
    }
    let cors: Vec<HeaderName> = headers
        .keys()
        .filter(|k| k.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in cors {
        headers.remove(name);
    }
}

/// Refuses methods the proxy does not forward.
pub(crate) fn check_method(upstream: &str, method: &Method) -> Result<(), Error> {
    if FORWARDED_METHODS.contains(method) {
        Ok(())
    } else {
        Err(Error::BadRequest {
            upstream: Some(upstream.to_string()),
            message: format!(
                "the proxy does not forward {} requests; the Vipps APIs use GET, POST, PUT and DELETE",
                printable(method.as_str(), 20)
            ),
        })
    }
}

/// `host[:port]` of a URL, for messages.
pub(crate) fn host_label(url: &Url) -> String {
    let host = url.host_str().unwrap_or("the upstream");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Builds the upstream URL: the base path, then the checked path, then the query.
pub(crate) fn target_url(base: &Url, rest: &str, query: Option<&str>) -> Result<Url, Error> {
    let mut url = base.clone();
    let base_path = base.path().trim_end_matches('/');
    let path = if rest.is_empty() {
        if base_path.is_empty() {
            "/".to_string()
        } else {
            base_path.to_string()
        }
    } else {
        format!("{base_path}{rest}")
    };
    url.set_path(&path);
    url.set_query(query);
    // Defence in depth: whatever the path held, the request must go to the configured host.
    if url.scheme() != base.scheme()
        || url.host() != base.host()
        || url.port_or_known_default() != base.port_or_known_default()
        || !url.path().starts_with(base_path)
    {
        return Err(Error::BadRequest {
            upstream: None,
            message: "the proxy does not forward this path because it would leave the upstream's base URL".into(),
        });
    }
    Ok(url)
}

/// One request ready to go out.
pub(crate) struct Outgoing<'a> {
    pub upstream: &'a Upstream,
    pub method: Method,
    pub rest: &'a str,
    pub query: Option<&'a str>,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    pub client: Option<SocketAddr>,
    /// The visitor's sandbox of a hosted server, instead of the shared one.
    pub sandbox: Option<axum::Router>,
}

/// Everything forwarding needs besides the request.
pub(crate) struct Forwarder {
    pub client: HttpsClient,
    pub timeout: Duration,
    /// The in-process sandbox, when configured.
    pub sandbox: Option<axum::Router>,
}

impl Forwarder {
    /// Sends the request and returns the upstream's response with filtered headers and the time
    /// the upstream took (to the response head).
    pub(crate) async fn send(
        &self,
        out: Outgoing<'_>,
    ) -> Result<(Response<Body>, Duration), Error> {
        let name = out.upstream.name.as_str();
        match &out.upstream.target {
            Target::Sandbox => {
                let visitor = out.sandbox.clone();
                let router = visitor.or_else(|| self.sandbox.clone()).ok_or_else(|| {
                    Error::UnknownUpstream {
                        message: "the in-process sandbox is not running in this server".into(),
                    }
                })?;
                // The sandbox's 3xx answers pass through untouched: they are navigations of its
                // own HTML pages (landing page → wait page → the merchant's fallBack), made by
                // code in this process, not by a third party, and the browser follows them as
                // page loads without the API credentials, which only the app's fetches carry.
                self.send_in_process(router, out).await
            }
            Target::Router(router) => self.send_in_process(router.clone(), out).await,
            Target::Http(base) => {
                let url = target_url(base, out.rest, out.query).map_err(|e| match e {
                    Error::BadRequest { message, .. } => Error::BadRequest {
                        upstream: Some(name.to_string()),
                        message,
                    },
                    other => other,
                })?;
                self.send_http(name, base, url, out).await
            }
        }
    }

    async fn send_in_process(
        &self,
        router: axum::Router,
        out: Outgoing<'_>,
    ) -> Result<(Response<Body>, Duration), Error> {
        let uri = match out.query {
            Some(q) => format!("{}?{q}", if out.rest.is_empty() { "/" } else { out.rest }),
            None => (if out.rest.is_empty() { "/" } else { out.rest }).to_string(),
        };
        let mut request = Request::builder()
            .method(out.method)
            .uri(uri)
            .body(Body::from(out.body.clone()))
            .map_err(|_| Error::BadRequest {
                upstream: Some(out.upstream.name.clone()),
                message: "the request line could not be rebuilt for the upstream; check the path and query".into(),
            })?;
        *request.headers_mut() = out.headers;
        if !out.body.is_empty() {
            request
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(out.body.len()));
        }
        if let Some(client) = out.client {
            // The sandbox may key its simulated rate limits on the caller's address.
            request.extensions_mut().insert(ConnectInfo(client));
        }
        let started = Instant::now();
        let response = tokio::time::timeout(self.timeout, router.oneshot(request))
            .await
            .map_err(|_| Error::Timeout {
                upstream: out.upstream.name.clone(),
                host: format!("the in-process {}", out.upstream.name),
                after: format_duration(self.timeout),
            })?;
        let elapsed = started.elapsed();
        let mut response = match response {
            Ok(response) => response,
            Err(never) => match never {},
        };
        filter_response_headers(response.headers_mut());
        Ok((response, elapsed))
    }

    async fn send_http(
        &self,
        name: &str,
        base: &Url,
        url: Url,
        out: Outgoing<'_>,
    ) -> Result<(Response<Body>, Duration), Error> {
        let host = host_label(base);
        let uri: Uri = url.as_str().parse().map_err(|_| Error::BadRequest {
            upstream: Some(name.to_string()),
            message:
                "the request line could not be rebuilt for the upstream; check the path and query"
                    .into(),
        })?;
        let started = Instant::now();
        let result = self
            .client
            .send(out.method, uri, out.headers, out.body)
            .await;
        let elapsed = started.elapsed();
        let upstream_response =
            result.map_err(|e| classify(name, &host, self.client.timeout(), &e))?;
        let status = upstream_response.status();
        // A browser's fetch follows a 3xx by itself and sends the same headers again, client
        // secret and access token included, to the Location. So the redirect must not reach it.
        // (304 is not a redirect: it has no Location and is never followed.)
        if status.is_redirection() && status != axum::http::StatusCode::NOT_MODIFIED {
            return Err(Error::UpstreamRedirect {
                upstream: name.to_string(),
                host,
                status: status.as_u16(),
            });
        }
        let mut builder = Response::builder().status(status);
        let mut headers = passed_response_headers(upstream_response.headers());
        // Content served from a third party on the playground's origin must not run as the
        // playground: `sandbox` gives any HTML an opaque origin, away from the app's storage,
        // and nothing may load from it.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; base-uri 'none'; form-action 'none'",
            ),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        let response =
            builder
                .body(upstream_response.into_body())
                .map_err(|_| Error::Unreachable {
                    upstream: name.to_string(),
                    host: host.clone(),
                    cause: "its response could not be passed on".into(),
                })?;
        Ok((response, elapsed))
    }
}

/// Formats a timeout for messages (`10 s`, `0.5 s`).
pub(crate) fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

/// Turns a failed exchange into the proxy error the client sees, using only the innermost
/// cause: an outer message may include the URL, whose query could carry a secret.
fn classify(name: &str, host: &str, timeout: Duration, failure: &Failure) -> Error {
    let error = match failure {
        Failure::Timeout => {
            return Error::Timeout {
                upstream: name.to_string(),
                host: host.to_string(),
                after: format_duration(timeout),
            }
        }
        Failure::Failed(error) => error,
    };
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut innermost = String::from("the connection failed");
    while let Some(cause) = source {
        if let Some(tls) = tls_error(cause) {
            return Error::Tls {
                upstream: name.to_string(),
                host: host.to_string(),
                cause: tls,
            };
        }
        innermost = cause.to_string();
        source = cause.source();
    }
    Error::Unreachable {
        upstream: name.to_string(),
        host: host.to_string(),
        cause: printable_sentence(&innermost),
    }
}

fn tls_error(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    // hyper-rustls wraps the rustls error in an io::Error, sometimes twice; io::Error's
    // `source()` skips the wrapped error itself, so unwrap with `get_ref()`.
    let mut current: &(dyn std::error::Error + 'static) = cause;
    loop {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        let io = current.downcast_ref::<std::io::Error>()?;
        current = io.get_ref()?;
    }
}

fn printable_sentence(text: &str) -> String {
    let lower = text.to_lowercase();
    printable(lower.trim_end_matches('.'), 200)
}
