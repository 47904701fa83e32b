//! The eCom Playground server: a CORS proxy to the Vipps APIs, the in-process sandbox and the
//! built app's static files, on one origin.
//!
//! The Vipps APIs send no CORS headers, so the browser playground calls them through this proxy.
//! Because it may be hosted next to public documentation, it is built so that it cannot be used
//! as an open relay and never leaks the secrets that pass through it:
//!
//! - **Fixed targets.** `/<upstream>/<path>?<query>` goes to that configured upstream's base
//!   URL. No part of the request chooses a host: the path below the upstream is checked segment
//!   by segment, and redirects are never followed: a network upstream's redirect is answered
//!   with the proxy's own `upstream_redirect` error without the `Location`, so the browser does
//!   not follow it either. This is where cors-anywhere (target in the URL, no private-range
//!   blocking) and proxyscotch (open by default, redirects bypass its deny-list) fall short.
//! - **Browsers talk to it directly.** Credentials go from the browser to this proxy to Vipps,
//!   never through a third-party relay (unlike Scalar's hosted proxy).
//! - **Allow-lists, not deny-lists.** Only the request headers the Vipps APIs use are forwarded,
//!   and only the response headers the app reads come back from a network upstream (no
//!   cookies, `Refresh`, `Link` or hop-by-hop headers); only allowed origins get CORS headers
//!   (others are refused with 403).
//! - **Limits.** Request body limit, upstream timeout, per-client-IP token buckets and an
//!   optional access token (`X-Proxy-Token`, compared in constant time).
//! - **Logs without secrets.** One line per request: upstream, method, path (no query; a
//!   userinfo `sub`, a sandbox payment token, a test user's phone number replaced by `{sub}`,
//!   `{token}`, `{phone}`), status, durations. Never a header value, body or query string.
//! - **Only its own names.** Requests whose `Host` is not the listen address, the public URL,
//!   a loopback name (for a loopback server) or an `--allowed-host` are refused with 421, so a
//!   DNS-rebinding page gets nothing.
//! - **Security headers on every response.** `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: no-referrer`, a Content Security Policy (the app's allows exactly its
//!   own scripts and the inline ones by hash) with `frame-ancestors 'self'` unless
//!   `--frame-ancestors` lists embedding sites, and `X-Frame-Options: SAMEORIGIN` when not.
//! - **Sandbox control only when local.** `/sandbox/__sim/…` (reset, clock, recorded callbacks)
//!   is forwarded only when the proxy listens on loopback with a loopback (or no) public URL,
//!   or with `--sandbox-control`.
//!
//! Errors the proxy makes itself carry `X-Playground-Proxy-Error: <kind>` and a JSON body
//! `{"source":"proxy","kind","message","upstream"}` (see [`Error`]), so the app can tell them
//! from upstream errors.
//!
//! # Layout
//!
//! - [`config`]: clap command line, TOML file, validated [`Config`].
//! - `forward`: path checks, header filtering, sending to an HTTPS or in-process upstream.
//! - `ratelimit`: per-client-IP token buckets.
//! - `sandbox`: building the in-process `ecom-sandbox` Router.
//! - `assets`: the app's static files: precompressed copies, cache policy, revalidation.
//! - `security`: the `Host` allow-list and the Content Security Policies.
//! - `serve`: the accept loop with the header-read timeout and the connection cap.
//! - [`wire`]: core's header names and paths as `http` types.
//! - [`error`]: the one error type and the proxy error response.
//! - this module: [`app`] (the Router with its layers) and [`run`] (serve until shutdown).

mod assets;
pub mod config;
pub mod error;
mod forward;
mod ratelimit;
mod sandbox;
mod security;
mod serve;
pub mod wire;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ecom_core::proxy::{ProxyInfo, UpstreamInfo, IN_PROCESS_ROUTER, IN_PROCESS_SANDBOX};
use ecom_core::Environment;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use url::Url;

pub use config::{Cli, Config};
pub use error::Error;
pub use forward::FORWARDED_REQUEST_HEADERS;
pub use wire::SANDBOX_UPSTREAM;

use config::{Target, Upstream};
use error::{printable, ErrorKind};
use forward::{Forwarder, Outgoing};
use ratelimit::Limiter;

/// Header carrying the upstream's duration (`upstream;dur=<ms>`).
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");
/// Set by a trusted reverse proxy to the client's address (`--client-ip-from-forwarded-for`).
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Shared, read-only state of one server.
struct AppState {
    upstreams: Vec<Upstream>,
    forwarder: Forwarder,
    limiter: Option<Limiter>,
    allowed_origins: Vec<HeaderValue>,
    token: Option<config::ProxyToken>,
    client_ip_from_forwarded_for: bool,
    body_limit: usize,
    static_files: Option<ServeDir>,
    info: ProxyInfo,
    /// Whether `/sandbox/__sim/…` is forwarded (see [`Config::is_local`]).
    sandbox_control: bool,
    /// The `Host` values this server answers for.
    hosts: security::AllowedHosts,
    /// The URL the server is meant to be reached at, for the host refusal's message.
    public_url: String,
    /// Content Security Policies.
    policies: security::Policies,
}

/// What a request path addresses.
enum Route<'a> {
    /// `/<upstream><rest>`.
    Upstream { index: usize, rest: &'a str },
    /// The proxy's own info endpoint.
    Info,
    /// Anything else: a static file or an unknown upstream.
    Other { first_segment: &'a str },
}

impl AppState {
    fn route<'a>(&self, path: &'a str) -> Route<'a> {
        if path == wire::PROXY_INFO {
            return Route::Info;
        }
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let (first, rest) = match trimmed.find('/') {
            Some(i) => (&trimmed[..i], &trimmed[i..]),
            None => (trimmed, ""),
        };
        match self.upstreams.iter().position(|u| u.name == first) {
            Some(index) => Route::Upstream { index, rest },
            None => Route::Other {
                first_segment: first,
            },
        }
    }

    fn unknown_upstream(&self, first_segment: &str) -> Error {
        let names: Vec<&str> = self.upstreams.iter().map(|u| u.name.as_str()).collect();
        let example = names.first().copied().unwrap_or(SANDBOX_UPSTREAM);
        let what = if first_segment.is_empty() {
            "there is nothing at / on this server (no app is served here)".to_string()
        } else {
            format!(
                "there is no upstream or file named `{}` on this proxy",
                printable(first_segment, 40)
            )
        };
        Error::UnknownUpstream {
            message: format!(
                "{what}; call /<upstream>/<API path> with one of the configured upstreams ({}), for example /{example}/accesstoken/get",
                names.join(", ")
            ),
        }
    }

    fn client_ip(&self, request: &Request) -> Option<IpAddr> {
        if self.client_ip_from_forwarded_for {
            // The trusted reverse proxy appends the address it saw, so only the last entry is
            // not under the client's control.
            let forwarded = request
                .headers()
                .get_all(X_FORWARDED_FOR)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
    }
}

/// The body of `/__proxy/info`: the upstreams and whether they need the token (never the token
/// itself).
fn proxy_info(config: &Config, sandbox_control: bool) -> ProxyInfo {
    let upstreams = config
        .upstreams
        .iter()
        .map(|u| {
            let (target, in_process) = match &u.target {
                Target::Sandbox => (IN_PROCESS_SANDBOX.to_string(), true),
                Target::Router(_) => (IN_PROCESS_ROUTER.to_string(), true),
                Target::Http(url) => (url.as_str().trim_end_matches('/').to_string(), false),
            };
            UpstreamInfo {
                name: u.name.clone(),
                target,
                in_process,
                token_required: config.token.is_some() && u.token_required,
            }
        })
        .collect();
    ProxyInfo {
        upstreams,
        production_enabled: config
            .upstreams
            .iter()
            .any(|u| u.name == Environment::Production.upstream()),
        token_required: config.token.is_some(),
        token_header: wire::PROXY_TOKEN.as_str().to_string(),
        sandbox_control,
    }
}

/// The origins allowed to call the proxy: the configured ones (or, for a local server only, the
/// development defaults), plus this server's own origin and, for a loopback server, its
/// `localhost`/`127.0.0.1` twin.
fn allowed_origins(config: &Config, public_url: &Url, local: bool) -> Vec<HeaderValue> {
    let own = config::origin_of(public_url);
    let mut origins = vec![own];
    if let Some(port) = public_url.port_or_known_default() {
        match public_url.host_str() {
            Some("127.0.0.1") => {
                origins.push(format!("{}://localhost:{port}", public_url.scheme()))
            }
            Some("localhost") => {
                origins.push(format!("{}://127.0.0.1:{port}", public_url.scheme()))
            }
            _ => {}
        }
    }
    let mut values: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    match &config.allowed_origins {
        Some(list) => values.extend(list.iter().cloned()),
        // `trunk serve` on this machine is a development setup: a hosted proxy must not trust
        // whatever runs on port 8081 of its visitors' machines.
        None if local => values.extend(
            config::DEV_ORIGINS
                .iter()
                .map(|o| HeaderValue::from_static(o)),
        ),
        None => {}
    }
    values.dedup();
    values
}

fn http_client(config: &Config) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .https_only(true)
        .timeout(config.upstream_timeout)
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("ecom-playground-proxy/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &config.trust_ca_pem {
        let certificates =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|e| Error::Config {
                setting: "--trust-ca",
                message: format!("the certificates do not load ({e})"),
            })?;
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|e| Error::Config {
        setting: "upstreams",
        message: format!("the HTTPS client could not be set up ({e})"),
    })
}

fn cors_layer(origins: Vec<HeaderValue>) -> CorsLayer {
    let mut allowed_headers: Vec<HeaderName> = FORWARDED_REQUEST_HEADERS.to_vec();
    allowed_headers.push(wire::PROXY_TOKEN);
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ])
        .allow_headers(allowed_headers)
        .expose_headers([
            SERVER_TIMING,
            wire::REQUEST_ID,
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::LOCATION,
            header::RETRY_AFTER,
            wire::PROXY_ERROR,
        ])
        .max_age(Duration::from_secs(600))
}

/// Builds the whole server for a given public URL: proxy, `/__proxy/info`, sandbox and static
/// files, with the host and origin checks, CORS, rate limit, token check, request log and
/// security headers.
///
/// The accepted `Host` names are derived from `config.listen`: serve it on another address
/// only with that address in `config.allowed_hosts` (or use [`run`], which knows the address).
///
/// # Errors
/// [`Error::Config`] if the HTTPS client cannot be built from the configuration.
pub fn app(config: &Config, public_url: &Url) -> Result<Router, Error> {
    build(config, public_url, config.listen)
}

/// [`app`] for a server actually bound to `bound` (which [`run`] knows and [`app`] does not).
fn build(config: &Config, public_url: &Url, bound: SocketAddr) -> Result<Router, Error> {
    // The control surface can reset the sandbox, read recorded callbacks and drive payments:
    // only for a server that nobody else can reach, unless explicitly asked for.
    let local =
        config.is_local() && bound.ip().is_loopback() && config::is_loopback_url(public_url);
    let sandbox_control = config.sandbox_control || local;
    let sandbox = config
        .upstreams
        .iter()
        .any(|u| matches!(u.target, Target::Sandbox))
        .then(|| sandbox::router(public_url, config.sandbox))
        .transpose()?;
    let origins = allowed_origins(config, public_url, local);
    let state = Arc::new(AppState {
        upstreams: config.upstreams.clone(),
        forwarder: Forwarder {
            client: http_client(config)?,
            timeout: config.upstream_timeout,
            sandbox,
        },
        limiter: config.rate_limit.map(Limiter::new),
        allowed_origins: origins.clone(),
        token: config.token.clone(),
        client_ip_from_forwarded_for: config.client_ip_from_forwarded_for,
        body_limit: config.body_limit,
        static_files: config.static_dir.as_ref().map(assets::serve_dir),
        info: proxy_info(config, sandbox_control),
        sandbox_control,
        hosts: security::AllowedHosts::new(config, public_url, bound),
        public_url: public_url.as_str().trim_end_matches('/').to_string(),
        policies: security::Policies::new(config),
    });
    // Layers run outermost first: security headers (on every response, errors included),
    // request log with the host and origin checks, CORS (answers preflights), then rate limit
    // and token, so that their errors still carry CORS headers the app can read.
    let frame_options = config.frame_ancestors.is_empty().then(|| {
        // X-Frame-Options cannot list origins, so it only backs up the default policy.
        SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        )
    });
    Ok(Router::new()
        .route(wire::PROXY_INFO, get(info))
        .fallback(dispatch)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(cors_layer(origins))
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .layer(middleware::map_response_with_state(
            state.clone(),
            content_security_policy,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // The sandbox's pages bring `same-origin`, so that their form posts carry an Origin;
        // network upstreams cannot set it (their headers are an allow-list).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(tower::util::option_layer(frame_options))
        .with_state(state))
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes in-flight requests.
///
/// The public URL defaults to the listener's address, so tests can bind port 0.
///
/// # Errors
/// [`Error::Config`] if the app cannot be built, [`Error::Io`] if serving fails.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let local = listener.local_addr().map_err(|source| Error::Io {
        context: "cannot read the listening address".into(),
        source,
    })?;
    let public_url = config.public_url_for(local);
    let app = build(&config, &public_url, local)?;
    let limits = serve::Limits {
        header_read_timeout: config.header_read_timeout,
        max_connections: config.max_connections,
    };
    serve::serve(listener, app, limits, shutdown).await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM, for [`run`]'s `shutdown`.
pub use ecom_core::server::shutdown_signal;

/// Sets up logging to `writer` in the format the binary uses (tests pass a buffer).
///
/// The default filter logs requests at `info`; `RUST_LOG` overrides it. Dependencies' debug
/// logs may contain URLs, so keep them off in deployments.
pub fn subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .finish()
}

async fn info(State(state): State<Arc<AppState>>) -> Response {
    let mut response = axum::Json(&state.info).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Name of the upstream a request went to, for the request log.
#[derive(Debug, Clone)]
struct UpstreamName(String);

/// The outermost layer: refuses disallowed origins (before CORS can answer a preflight) and
/// writes the one log line per request.
async fn front(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = printable(&ecom_core::redact::loggable_path(request.uri().path()), 200);
    let (routed, origin_applies) = match state.route(request.uri().path()) {
        Route::Upstream { index, .. } => (state.upstreams[index].name.clone(), true),
        Route::Info => (wire::RESERVED_SEGMENT.to_string(), true),
        // Static files are public; only non-GET requests there need an allowed origin.
        Route::Other { .. } => (
            "-".to_string(),
            !matches!(method, Method::GET | Method::HEAD),
        ),
    };
    // The host check comes first and covers everything (files, info, upstreams, /__sim): a
    // page that reached this server through DNS rebinding must get nothing from it.
    let forbidden = match state.hosts.refused(&request) {
        Some(host) => Some(Error::HostForbidden {
            host,
            expected: state.public_url.clone(),
        }),
        None => request
            .headers()
            .get(header::ORIGIN)
            .filter(|origin| origin_applies && !state.allowed_origins.contains(origin))
            .map(|origin| Error::OriginForbidden {
                origin: printable(&String::from_utf8_lossy(origin.as_bytes()), 100),
            }),
    };
    let response = match forbidden {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    };
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    let upstream_ms = response
        .extensions()
        .get::<forward::UpstreamTiming>()
        .map(|t| t.0.as_secs_f64() * 1000.0);
    let error = response.extensions().get::<ErrorKind>().map(|k| k.0);
    let upstream = response
        .extensions()
        .get::<UpstreamName>()
        .map_or(routed, |n| n.0.clone());
    tracing::info!(
        upstream = %upstream,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        total_ms = format_args!("{total_ms:.2}"),
        upstream_ms = %upstream_ms.map_or_else(|| "-".to_string(), |ms| format!("{ms:.2}")),
        error = %error.unwrap_or("-"),
        "request"
    );
    response
}

/// True if `rest` (the path below the sandbox upstream) addresses its `/__sim` control surface.
fn is_sandbox_control(rest: &str) -> bool {
    rest.trim_start_matches('/').split('/').next() == Some("__sim")
}

/// Gives every response its Content Security Policy: the one it brings (the app's HTML, a
/// sandbox page, a network upstream's `sandbox`) or the default, with this server's
/// `frame-ancestors`.
async fn content_security_policy(
    State(state): State<Arc<AppState>>,
    mut response: Response,
) -> Response {
    let policy = state
        .policies
        .finish(response.headers().get(header::CONTENT_SECURITY_POLICY));
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let Route::Upstream { index, .. } = state.route(request.uri().path()) else {
        return next.run(request).await;
    };
    let upstream = &state.upstreams[index];
    if let Some(limiter) = &state.limiter {
        if let Some(ip) = state.client_ip(&request) {
            if let Err(wait) = limiter.check(ip) {
                let limit = limiter.limit();
                return Error::RateLimited {
                    upstream: upstream.name.clone(),
                    per_minute: limit.per_minute,
                    burst: limit.burst,
                    retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                }
                .into_response();
            }
        }
    }
    if let (Some(token), true) = (&state.token, upstream.token_required) {
        let message = match request.headers().get(&wire::PROXY_TOKEN) {
            None => Some(format!(
                "this proxy requires an access token for the upstream `{}`; send it in the X-Proxy-Token header (ask whoever runs the proxy for it)",
                upstream.name
            )),
            Some(sent) if !bool::from(sent.as_bytes().ct_eq(token.as_bytes())) => Some(
                "the X-Proxy-Token header does not match this proxy's access token; check the token in the playground settings".to_string(),
            ),
            Some(_) => None,
        };
        if let Some(message) = message {
            return Error::Unauthorized {
                upstream: upstream.name.clone(),
                message,
            }
            .into_response();
        }
    }
    next.run(request).await
}

async fn dispatch(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    match state.route(&path) {
        Route::Upstream { index, rest } => {
            let upstream = &state.upstreams[index];
            let mut response = match forward_request(&state, upstream, rest, request).await {
                Ok(response) => response,
                Err(error) => error.into_response(),
            };
            response
                .extensions_mut()
                .insert(UpstreamName(upstream.name.clone()));
            response
        }
        Route::Info => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        Route::Other { first_segment } => {
            let first_segment = first_segment.to_string();
            serve_static(&state, &first_segment, request).await
        }
    }
}

async fn serve_static(state: &AppState, first_segment: &str, request: Request) -> Response {
    let Some(files) = &state.static_files else {
        return state.unknown_upstream(first_segment).into_response();
    };
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return state.unknown_upstream(first_segment).into_response();
    }
    // A 304 carries no Content-Type, but its headers replace the cached ones, so an HTML
    // document's policy must come with it too.
    let path = request.uri().path();
    let document = path.ends_with('/') || path.ends_with(".html");
    let response = assets::serve(files, request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return state.unknown_upstream(first_segment).into_response();
    }
    let mut response = response.map(Body::new);
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html || (document && response.status() == StatusCode::NOT_MODIFIED) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, state.policies.app());
    }
    response
}

async fn forward_request(
    state: &AppState,
    upstream: &Upstream,
    rest: &str,
    request: Request,
) -> Result<Response, Error> {
    let name = upstream.name.as_str();
    forward::check_method(name, request.method())?;
    forward::check_path(name, rest)?;
    if matches!(upstream.target, Target::Sandbox)
        && !state.sandbox_control
        && is_sandbox_control(rest)
    {
        return Err(Error::UnknownUpstream {
            message: format!(
                "the sandbox control surface /{name}/__sim is only served on loopback: this proxy is not local (its listen address or public URL is not loopback), and the control surface would let anyone reset the sandbox and read its recorded callbacks; run the playground on 127.0.0.1 for tests that need it (start it with --sandbox-control only if you accept that risk)"
            ),
        });
    }
    let headers = forward::forwarded_headers(name, request.headers())?;
    let too_large = || Error::BodyTooLarge {
        upstream: name.to_string(),
        limit: state.body_limit,
    };
    if declared_length(request.headers()).is_some_and(|len| len > state.body_limit) {
        return Err(too_large());
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_string);
    // A client that trickles its body must not hold a connection open for longer than an
    // upstream may take.
    let read = axum::body::to_bytes(request.into_body(), state.body_limit);
    let body = tokio::time::timeout(state.forwarder.timeout, read)
        .await
        .map_err(|_| Error::BadRequest {
            upstream: Some(name.to_string()),
            message: format!(
                "the request body did not arrive within {}; send the whole body at once",
                forward::format_duration(state.forwarder.timeout)
            ),
        })?
        .map_err(|_| too_large())?;
    let (mut response, elapsed) = state
        .forwarder
        .send(Outgoing {
            upstream,
            method,
            rest,
            query: query.as_deref(),
            headers,
            body,
            client,
        })
        .await?;
    let timing = format!("upstream;dur={:.2}", elapsed.as_secs_f64() * 1000.0);
    if let Ok(value) = HeaderValue::from_str(&timing) {
        response.headers_mut().insert(SERVER_TIMING, value);
    }
    response
        .extensions_mut()
        .insert(forward::UpstreamTiming(elapsed));
    Ok(response)
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}
