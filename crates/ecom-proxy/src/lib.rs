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
//! - **No shared sandbox when hosted.** A server that is not local (see [`Config::is_local`])
//!   has no `sandbox` upstream, so the app uses its in-browser sandbox; with
//!   `--hosted-sandbox` it keeps one sandbox per visitor, each with a fixed memory budget
//!   (see [`hosted`]).
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
//! - `client`: the HTTPS client for network upstreams (rustls with ring, the Mozilla roots).
//! - `ratelimit`: per-client-IP token buckets.
//! - `sandbox`: building the in-process `ecom-sandbox` Router.
//! - [`hosted`]: the hosted sandbox, one Router per visitor (`--hosted-sandbox`).
//! - `assets`: the app's static files: precompressed copies, cache policy, revalidation.
//! - `security`: the `Host` allow-list and the Content Security Policies.
//! - `serve`: the accept loop with the header-read timeout and the connection cap.
//! - [`wire`]: core's header names and paths as `http` types.
//! - [`error`]: the one error type and the proxy error response.
//! - this module: [`app`] (the Router: one group of routes per upstream, decided by axum, with
//!   the guard as their route layer; `/__proxy/info`; the files as the fallback) and [`run`]
//!   (serve until shutdown).

mod assets;
mod client;
pub mod config;
pub mod error;
mod forward;
pub mod hosted;
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
use axum::routing::{any, get};
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
pub const SERVER_TIMING: HeaderName =
    HeaderName::from_static(ecom_core::wire::headers::SERVER_TIMING);
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
    /// One sandbox per visitor instead of the shared one (`--hosted-sandbox`).
    visitors: Option<hosted::Visitors>,
}

/// The state of one upstream's routes: the server's, and the upstream axum routed the request
/// to.
#[derive(Clone)]
struct Routed {
    state: Arc<AppState>,
    upstream: Arc<Upstream>,
    /// `/<name>`: the part of the path axum matched; what follows goes to the upstream.
    prefix: Arc<str>,
}

impl AppState {
    /// The answer to a path that is neither an API route nor a file: its first segment names
    /// no upstream.
    fn unknown_upstream(&self, path: &str) -> Error {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let first_segment = trimmed.split('/').next().unwrap_or_default();
        let names: Vec<&str> = self.upstreams.iter().map(|u| u.name.as_str()).collect();
        let example = names.first().copied().unwrap_or(SANDBOX_UPSTREAM);
        let what = if first_segment == SANDBOX_UPSTREAM {
            "this proxy hosts no sandbox (a server that is not local serves one only when started with --hosted-sandbox, and --no-sandbox turns it off); use the playground's in-browser sandbox, or MT".to_string()
        } else if first_segment.is_empty() {
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
    let has_sandbox = config
        .upstreams
        .iter()
        .any(|u| matches!(u.target, Target::Sandbox));
    let visitors = config
        .hosted_sandbox
        .filter(|_| has_sandbox)
        .map(|settings| hosted::Visitors::new(settings, public_url, config.sandbox))
        .transpose()?;
    let sandbox = (has_sandbox && visitors.is_none())
        .then(|| sandbox::router(public_url, config.sandbox, None))
        .transpose()?;
    let origins = allowed_origins(config, public_url, local);
    let state = Arc::new(AppState {
        upstreams: config.upstreams.clone(),
        forwarder: Forwarder {
            client: client::HttpsClient::new(config)?,
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
        visitors,
    });
    // Layers run outermost first: security headers (on every response, errors included), then
    // the request log with the host check, then the routes with their own layers (see
    // `routes`).
    let frame_options = config.frame_ancestors.is_empty().then(|| {
        // X-Frame-Options cannot list origins, so it only backs up the default policy.
        SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        )
    });
    Ok(routes(&state, &cors_layer(origins))
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
        .layer(tower::util::option_layer(frame_options)))
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
    no_store(axum::Json(&state.info).into_response())
}

/// `/__proxy/hosted-sandbox`: the hosted sandbox's visitors and bytes against its budget.
async fn hosted_stats(State(state): State<Arc<AppState>>) -> Response {
    match &state.visitors {
        Some(visitors) => no_store(axum::Json(visitors.stats().await).into_response()),
        None => Error::UnknownUpstream {
            message: "this proxy has no hosted sandbox; it is served only by a proxy started with --hosted-sandbox".into(),
        }
        .into_response(),
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Name of the upstream a request went to (`__proxy` for the info endpoint), for the request
/// log; files and unknown paths have none.
#[derive(Debug, Clone)]
struct UpstreamName(Arc<str>);

/// The router: one group of routes per upstream and one for `/__proxy/info`, each with the
/// checks it needs as route layers, and the app's files as the fallback.
///
/// Innermost first, an upstream's request passes its guard (rate limit, token), CORS (which
/// answers preflights, and gives the guard's errors the headers the app needs to read them),
/// and the origin check (before CORS can answer a preflight). The info endpoint has the same
/// without the guard. Files are public, so the fallback checks the origin of other methods
/// only; it answers paths no route matched: a file, or the proxy's `unknown_upstream` error.
fn routes(state: &Arc<AppState>, cors: &CorsLayer) -> Router {
    let info = Router::new()
        .route(wire::PROXY_INFO, get(info))
        .route(hosted::STATS_PATH, get(hosted_stats))
        .with_state(state.clone());
    let mut router = api_layers(info, state, cors, wire::RESERVED_SEGMENT);
    for upstream in &state.upstreams {
        let prefix = format!("/{}", upstream.name);
        let routed = Routed {
            state: state.clone(),
            upstream: Arc::new(upstream.clone()),
            prefix: prefix.as_str().into(),
        };
        // `{*rest}` matches one character or more, so `/<name>/` is a route of its own.
        let routes = Router::new()
            .route(&prefix, any(forward))
            .route(&format!("{prefix}/"), any(forward))
            .route(&format!("{prefix}/{{*rest}}"), any(forward))
            .route_layer(middleware::from_fn_with_state(routed.clone(), guard))
            .with_state(routed);
        router = router.merge(api_layers(routes, state, cors, &upstream.name));
    }
    let files = Router::new()
        .fallback(serve_static)
        .layer(cors.clone())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            allowed_origin_unless_read,
        ))
        .with_state(state.clone());
    router.fallback_service(files)
}

/// The route layers of the info endpoint and of every upstream: CORS, the origin check, and
/// the name the request log shows.
fn api_layers(router: Router, state: &Arc<AppState>, cors: &CorsLayer, name: &str) -> Router {
    router
        .route_layer(cors.clone())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            allowed_origin_only,
        ))
        .route_layer(middleware::map_response_with_state(
            UpstreamName(name.into()),
            name_for_log,
        ))
}

/// Marks the response with the name of the routes it came from, for [`front`]'s log line.
async fn name_for_log(State(name): State<UpstreamName>, mut response: Response) -> Response {
    response.extensions_mut().insert(name);
    response
}

/// Refuses a request whose `Origin` is not allowed (a request without one is not a browser's
/// cross-origin request and passes).
async fn allowed_origin_only(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    match refused_origin(&state, &request) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

/// [`allowed_origin_only`] for requests other than `GET` and `HEAD`: the app's files are public.
async fn allowed_origin_unless_read(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    allowed_origin_only(State(state), request, next).await
}

/// The error for a request from an origin that is not allowed, if it is from one.
fn refused_origin(state: &AppState, request: &Request) -> Option<Error> {
    request
        .headers()
        .get(header::ORIGIN)
        .filter(|origin| !state.allowed_origins.contains(origin))
        .map(|origin| Error::OriginForbidden {
            origin: printable(&String::from_utf8_lossy(origin.as_bytes()), 100),
        })
}

/// The outermost layer: refuses hosts this server does not answer for and writes the one log
/// line per request.
async fn front(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = printable(&ecom_core::redact::loggable_path(request.uri().path()), 200);
    // The host check comes first and covers everything (files, info, upstreams, /__sim): a
    // page that reached this server through DNS rebinding must get nothing from it.
    let response = match state.hosts.refused(&request) {
        Some(host) => Error::HostForbidden {
            host,
            expected: state.public_url.clone(),
        }
        .into_response(),
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
        .map_or("-", |n| &*n.0);
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

/// The route layer of an upstream's routes: the per-client rate limit, then the access token.
async fn guard(State(routed): State<Routed>, request: Request, next: Next) -> Response {
    let Routed {
        state, upstream, ..
    } = &routed;
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

/// The handler of an upstream's routes: the path below `/<name>` goes to that upstream.
async fn forward(State(routed): State<Routed>, request: Request) -> Response {
    // axum matched `/<name>` literally, so the path starts with it.
    let path = request.uri().path();
    let rest = path
        .strip_prefix(&*routed.prefix)
        .unwrap_or(path)
        .to_string();
    match forward_request(&routed.state, &routed.upstream, &rest, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// The fallback: a file of the app, or the proxy's `unknown_upstream` error.
async fn serve_static(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let Some(files) = &state.static_files else {
        return state.unknown_upstream(&path).into_response();
    };
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return state.unknown_upstream(&path).into_response();
    }
    // A 304 carries no Content-Type, but its headers replace the cached ones, so an HTML
    // document's policy must come with it too.
    let document = path.ends_with('/') || path.ends_with(".html");
    let response = assets::serve(files, request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return state.unknown_upstream(&path).into_response();
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
    } else if path.trim_start_matches('/') == ecom_core::environment::BROWSER_SANDBOX_SCRIPT {
        // A worker's policy is its script's: the in-browser sandbox loads its module.
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(security::WORKER_POLICY),
        );
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
    // The visitor is told from the request's cookie, which is not forwarded.
    let visitor_request = match (&upstream.target, &state.visitors) {
        (Target::Sandbox, Some(visitors)) => Some((
            visitors,
            request.headers().clone(),
            state.client_ip(&request),
        )),
        _ => None,
    };
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
    let admission = visitor_request
        .map(|(visitors, headers, ip)| visitors.admit(&headers, &method, rest, ip))
        .transpose()?;
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
            sandbox: admission.as_ref().map(|a| a.router.clone()),
        })
        .await?;
    if let Some(admission) = admission {
        // One visitor's answers must never be cached for another.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cookie) = admission.cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    let timing = ecom_core::wire::timing::server_timing(elapsed.as_secs_f64() * 1000.0);
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
