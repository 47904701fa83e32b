//! The crate's one error type: start-up (configuration) errors and the errors the proxy itself
//! answers with.
//!
//! Proxy errors are a contract with the browser app: status, the `X-Playground-Proxy-Error: <kind>`
//! header and the JSON body `{"source":"proxy","kind","message","upstream"}`, written from
//! core's `wire::errors::ProxyError`. Messages say what failed and how to fix it, and never
//! contain a header value, a body or a query string, because those may carry secrets.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ecom_core::wire::errors::{ProxyError, PROXY_ERROR_SOURCE};

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting (flag, environment variable or config file entry) is invalid.
    #[error("invalid {setting}: {message}")]
    Config {
        /// The setting, spelled as its command-line flag.
        setting: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The server could not start or stopped with an I/O error.
    #[error("{context}: {source}")]
    Io {
        /// What the server was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The client did not send the right `X-Proxy-Token`.
    #[error("{message}")]
    Unauthorized {
        /// The upstream the request was for.
        upstream: String,
        /// Human sentence (never contains the token).
        message: String,
    },
    /// The request came from a browser origin that is not allowed.
    #[error("requests from the origin {origin} are not allowed by this proxy; open the playground from an allowed origin or add this one with --allowed-origin")]
    OriginForbidden {
        /// The refused origin, made printable.
        origin: String,
    },
    /// The first path segment names no configured upstream and no static file matched.
    #[error("{message}")]
    UnknownUpstream {
        /// Human sentence listing the configured upstreams.
        message: String,
    },
    /// The request body is larger than the configured limit.
    #[error("the request body is larger than the proxy's limit of {limit} bytes; send a smaller body or raise --body-limit")]
    BodyTooLarge {
        /// The upstream the request was for.
        upstream: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The client exceeded its per-IP rate limit.
    #[error("too many requests from your address: this proxy allows {per_minute} requests per minute (bursts of {burst}); wait {retry_after_secs} s and try again")]
    RateLimited {
        /// The upstream the request was for.
        upstream: String,
        /// Sustained rate.
        per_minute: u32,
        /// Burst size.
        burst: u32,
        /// Seconds until a request will be accepted again.
        retry_after_secs: u64,
    },
    /// The upstream could not be reached (DNS, connection refused, reset).
    #[error("the proxy could not reach {host}: {cause}; check that the upstream is up and its URL is right")]
    Unreachable {
        /// The upstream's name.
        upstream: String,
        /// Host (and port) of the upstream.
        host: String,
        /// The innermost cause (never contains the URL or query).
        cause: String,
    },
    /// The TLS handshake with the upstream failed.
    #[error("the proxy could not reach {host}: the TLS handshake failed ({cause}); if the upstream uses a private certificate authority, trust it with --trust-ca")]
    Tls {
        /// The upstream's name.
        upstream: String,
        /// Host (and port) of the upstream.
        host: String,
        /// The TLS error.
        cause: String,
    },
    /// The upstream did not answer in time.
    #[error("the proxy could not reach {host}: timed out after {after}; try again, or raise --upstream-timeout if the upstream is just slow")]
    Timeout {
        /// The upstream's name.
        upstream: String,
        /// Host (and port) of the upstream.
        host: String,
        /// The timeout, formatted (`10 s`).
        after: String,
    },
    /// A network upstream answered with a redirect. The proxy does not follow it and does not
    /// pass its `Location` on: the browser would follow it and send the credentials of the
    /// request (client secret, access token, subscription key) to wherever it points.
    #[error("{host} answered {status} with a redirect; the proxy did not follow it and withholds its Location, because following it would send your credentials to another address; call the API path exactly as documented, or ask whoever runs the upstream why it redirects")]
    UpstreamRedirect {
        /// The upstream's name.
        upstream: String,
        /// Host (and port) of the upstream.
        host: String,
        /// The upstream's status code.
        status: u16,
    },
    /// The request's `Host` is not one this server answers for (DNS rebinding protection).
    #[error("this server does not answer for the host `{host}`; open the playground at {expected}, or, if this name is really yours, add it with --allowed-host")]
    HostForbidden {
        /// The refused host, made printable (`-` when the request had none).
        host: String,
        /// The URL the server is meant to be reached at.
        expected: String,
    },
    /// The hosted sandbox serves as many visitors as it may; a new one is refused rather than
    /// another visitor's sandbox evicted.
    #[error("the hosted sandbox is full: it is serving its {visitors} visitors and never drops a visitor's live sandbox to make room; switch to the playground's in-browser sandbox, or retry in a few minutes, when an idle visitor's sandbox has expired")]
    SandboxFull {
        /// Visitors served at once.
        visitors: usize,
    },
    /// This visitor's hosted sandbox has served all the API calls its memory budget allows.
    #[error("your hosted sandbox has served its {calls} API calls, the most one visitor's sandbox may take; switch to the playground's in-browser sandbox, or wait {idle} without requests for this one to expire and start afresh")]
    SandboxUsedUp {
        /// Calls one visitor's sandbox serves.
        calls: u32,
        /// The idle expiry, formatted (`15 min`).
        idle: String,
    },
    /// A client IP started more hosted sandbox visitors than it may.
    #[error("too many new hosted sandbox visitors from your address: this proxy starts {per_minute} per minute for each address; keep the cookie it sets (a browser does), or wait {retry_after_secs} s and try again")]
    NewVisitorsLimited {
        /// New visitors per minute (and burst).
        per_minute: u32,
        /// Seconds until a new visitor will be accepted.
        retry_after_secs: u64,
    },
    /// A page of the hosted sandbox was opened without this browser's sandbox cookie.
    #[error("this page belongs to a hosted sandbox visitor this browser is not (its sandbox expired after {idle} without requests, or the browser did not send the playground's cookie); start again from the playground, or use its in-browser sandbox")]
    NoSandboxVisitor {
        /// The idle expiry, formatted (`15 min`).
        idle: String,
    },
    /// The request cannot be forwarded as it is (bad header value, path or method).
    #[error("{message}")]
    BadRequest {
        /// The upstream the request was for, if known.
        upstream: Option<String>,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl Error {
    /// The error's kind as sent in `X-Playground-Proxy-Error` and the body's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config { .. } | Error::Io { .. } => "internal",
            Error::Unauthorized { .. } => "unauthorized",
            Error::OriginForbidden { .. } => "origin_forbidden",
            Error::UnknownUpstream { .. } => "unknown_upstream",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unreachable { .. } => "unreachable",
            Error::Tls { .. } => "tls",
            Error::Timeout { .. } => "timeout",
            Error::UpstreamRedirect { .. } => "upstream_redirect",
            Error::HostForbidden { .. } => "host_forbidden",
            Error::BadRequest { .. } => "bad_request",
            Error::SandboxFull { .. } => "sandbox_full",
            Error::SandboxUsedUp { .. } => "sandbox_used_up",
            Error::NewVisitorsLimited { .. } => "rate_limited",
            Error::NoSandboxVisitor { .. } => "no_sandbox_visitor",
        }
    }

    /// The HTTP status the proxy answers this error with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Config { .. } | Error::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::OriginForbidden { .. } => StatusCode::FORBIDDEN,
            Error::UnknownUpstream { .. } => StatusCode::NOT_FOUND,
            Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unreachable { .. } | Error::Tls { .. } | Error::UpstreamRedirect { .. } => {
                StatusCode::BAD_GATEWAY
            }
            // 421 Misdirected Request: the request reached a server that does not serve this
            // authority, which is exactly the DNS-rebinding case.
            Error::HostForbidden { .. } => StatusCode::MISDIRECTED_REQUEST,
            Error::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::SandboxFull { .. } | Error::SandboxUsedUp { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Error::NewVisitorsLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::NoSandboxVisitor { .. } => StatusCode::NOT_FOUND,
        }
    }

    /// The upstream the failed request was meant for, if any.
    pub fn upstream(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { upstream, .. }
            | Error::BodyTooLarge { upstream, .. }
            | Error::RateLimited { upstream, .. }
            | Error::Unreachable { upstream, .. }
            | Error::Tls { upstream, .. }
            | Error::Timeout { upstream, .. }
            | Error::UpstreamRedirect { upstream, .. } => Some(upstream),
            Error::BadRequest { upstream, .. } => upstream.as_deref(),
            Error::SandboxFull { .. }
            | Error::SandboxUsedUp { .. }
            | Error::NewVisitorsLimited { .. }
            | Error::NoSandboxVisitor { .. } => Some(crate::wire::SANDBOX_UPSTREAM),
            Error::Config { .. }
            | Error::Io { .. }
            | Error::OriginForbidden { .. }
            | Error::HostForbidden { .. }
            | Error::UnknownUpstream { .. } => None,
        }
    }
}

/// Marker put in a response's extensions so the request log can name the error kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorKind(pub &'static str);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let kind = self.kind();
        let body = ProxyError {
            source: PROXY_ERROR_SOURCE.to_string(),
            kind: kind.to_string(),
            message: self.to_string(),
            upstream: self.upstream().map(str::to_string),
        };
        let json = serde_json::to_vec(&body).expect("a struct of strings always serializes");
        let mut response = (self.status(), json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(crate::wire::PROXY_ERROR, HeaderValue::from_static(kind));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        let retry_after = match self {
            Error::RateLimited {
                retry_after_secs, ..
            }
            | Error::NewVisitorsLimited {
                retry_after_secs, ..
            } => Some(retry_after_secs),
            Error::SandboxFull { .. } => Some(60),
            _ => None,
        };
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(ErrorKind(kind));
        response
    }
}

/// Makes untrusted text (from a request) safe and short enough to quote in a message.
pub(crate) fn printable(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}
