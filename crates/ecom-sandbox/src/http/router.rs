//! The axum router, the tower layers around it, and [`run`].

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
#[cfg(feature = "native")]
use tower_http::trace::TraceLayer;

use crate::config::SandboxConfig;
use crate::http::snapshot::Snapshot;
use crate::http::state::{AppState, Shared};
use crate::http::{auth, ecom, pages, qr, sim, userinfo};
use crate::wire::errors::ApiError;
use crate::SandboxError;

/// The whole sandbox, `/__sim` included, ready to serve.
///
/// The configuration should have passed [`SandboxConfig::validate`]; an invalid one is served
/// as given (duplicate keys resolve to the last merchant). When called inside a Tokio runtime,
/// a background task applies timeouts every few seconds, so callbacks for abandoned payments
/// go out in real time too; it stops when the router is dropped.
pub fn app(config: SandboxConfig) -> Router {
    let sandbox = Sandbox::new(config);
    #[cfg(feature = "native")]
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        let weak = Arc::downgrade(&sandbox.state);
        handle.spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
            loop {
                tick.tick().await;
                let Some(state) = weak.upgrade() else { break };
                sim::sweep(&state);
            }
        });
    }
    sandbox.router
}

/// One sandbox instance, for a host that drives it itself (the browser's service worker):
/// its router, and its state behind it.
pub struct Sandbox {
    pub(crate) state: AppState,
    router: Router,
}

impl Sandbox {
    /// A fresh instance with `config` (see [`app`]). No background task: the host calls
    /// [`Sandbox::sweep`].
    pub fn new(config: SandboxConfig) -> Self {
        let max_body = config.max_body_bytes;
        let state: AppState = Arc::new(Shared::new(config));
        let router = routes(state.clone(), max_body);
        Self { state, router }
    }

    /// An instance that goes on from `saved` (a [`Sandbox::snapshot_json`]): the same payments,
    /// tokens, clock and records. `config` should be the one the snapshot was taken with.
    ///
    /// # Errors
    /// [`SandboxError::Snapshot`] when `saved` is not a snapshot this build reads, with what
    /// was wrong.
    pub fn restore(config: SandboxConfig, saved: &str) -> Result<Self, SandboxError> {
        let snapshot = Snapshot::from_json(saved)?;
        let max_body = config.max_body_bytes;
        let state: AppState = Arc::new(Shared::restore(config, snapshot)?);
        let router = routes(state.clone(), max_body);
        Ok(Self { state, router })
    }

    /// The whole state as JSON, for the host to save after each request.
    pub fn snapshot_json(&self) -> String {
        self.state.snapshot().to_json()
    }

    /// The router, to call with `tower::ServiceExt::oneshot` (a cheap clone).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Applies the timeouts that are due (what the native server's background task does every
    /// two seconds), so callbacks of abandoned payments are recorded on time.
    pub fn sweep(&self) {
        sim::sweep(&self.state);
    }
}

/// Every route, with the layers, on `state`.
fn routes(state: AppState, max_body: usize) -> Router {
    let landing = "/dwo-api-application/v1/deeplink/vippsgateway";
    let router = Router::new()
        .route("/", get(pages::home))
        .route("/accesstoken/get", post(auth::access_token))
        .route("/accessToken/get", post(auth::access_token))
        .route("/ecomm/v2/payments", post(ecom::initiate))
        .route("/ecomm/v2/payments/", post(ecom::initiate))
        .route("/ecomm/v2/payments/{order_id}/details", get(ecom::details))
        .route("/ecomm/v2/payments/{order_id}/status", get(ecom::status))
        .route("/ecomm/v2/payments/{order_id}/capture", post(ecom::capture))
        .route(
            "/ecomm/v2/payments/{order_id}/cancel",
            axum::routing::put(ecom::cancel),
        )
        .route("/ecomm/v2/payments/{order_id}/refund", post(ecom::refund))
        .route(
            "/ecomm/v2/integration-test/payments/{order_id}/approve",
            post(ecom::force_approve),
        )
        .route(
            "/vipps-userinfo-api/userinfo/{sub}",
            get(userinfo::userinfo),
        )
        .route("/qr/v1", post(qr::generate))
        .route("/qr/v1/", post(qr::generate))
        .route("/qr-images/{file}", get(qr::image))
        .route("/qr-target/{id}", get(qr::target))
        .route(landing, get(pages::landing))
        .route(&format!("{landing}/phone"), post(pages::landing_phone))
        .route(&format!("{landing}/cancel"), post(pages::landing_cancel))
        .route(&format!("{landing}/wait"), get(pages::landing_wait))
        .route("/vipps-app", get(pages::app_home))
        .route("/vipps-app/user/{phone}", get(pages::app_inbox))
        .route("/vipps-app/payment", get(pages::app_payment))
        .route("/vipps-app/action", post(pages::app_action))
        .route(
            "/vipps-app/consents/remove",
            post(pages::app_remove_consent),
        )
        .nest("/__sim", sim::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        // The limit layer answers oversized bodies itself, so the JSON rewrite sits outside it.
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::from_fn(json_413))
        .with_state(state);
    // Path only: query strings carry payment tokens, and headers carry secrets. Native only:
    // the layer times requests with `std::time::Instant`, which a browser does not have.
    #[cfg(feature = "native")]
    let router = router.layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
        tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
    }));
    router
}

#[cfg(feature = "native")]
/// Serves [`app`] on `listener` until `shutdown` resolves, then drains open connections.
///
/// # Errors
///
/// The I/O error that stopped the server.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: SandboxConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(config);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Unknown paths (404 format B); `/accesstoken/get` in any letter case.
async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    if req.uri().path().eq_ignore_ascii_case("/accesstoken/get") {
        if req.method() == Method::POST {
            return auth::access_token(State(state), req.headers().clone()).await;
        }
        return method_not_allowed().await;
    }
    ApiError::not_found().into_response()
}

/// Wrong method on a known path (405 format B).
async fn method_not_allowed() -> Response {
    ApiError::apim(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed on this resource. Check the HTTP method in the API reference.",
    )
    .into_response()
}

/// Turns the body-limit layer's bare 413 into a format B JSON error.
async fn json_413(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    ApiError::apim(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request body is too large. Send a smaller JSON body.",
    )
    .into_response()
}
