//! The hosted sandbox (`--hosted-sandbox`): one `ecom-sandbox` Router per visitor of a server
//! that is not local.
//!
//! One sandbox shared by everyone who reaches a hosted server lets any visitor list, pay,
//! capture or cancel another's payments (the demo credentials are public), evict them by
//! filling the store, lock them out through the simulated per-orderId rate limits, and grow the
//! process without bound. So each visitor gets a sandbox of their own:
//!
//! - **Keyed by a cookie the proxy sets.** A random 128-bit id in [`VISITOR_COOKIE`]
//!   (`HttpOnly`, `SameSite=Lax` so a landing page opened by navigation carries it, `Secure`
//!   for an https public URL, `Path` the sandbox prefix). The id is always made here: an id
//!   the proxy does not know gets a new sandbox and a new id, never the one sent.
//! - **A fixed budget per visitor,** [`VISITOR_BUDGET_BYTES`]: the sandbox's own payment store
//!   is capped in bytes and count, its outbound log in entries, and the API calls it serves
//!   (each may leave a rate-limit window behind, which the sandbox keeps until it holds tens
//!   of thousands) in number. The table holds at most `--hosted-sandbox-visitors`, so the whole
//!   is bounded by visitors × budget.
//! - **Never evicts a live visitor.** A visitor idle for `--hosted-sandbox-idle` is dropped
//!   when room is needed; when the table is still full a new visitor gets `503 sandbox_full`,
//!   and each client IP may start only `--hosted-sandbox-new-per-minute` visitors.
//! - **No new visitor for a page.** A navigation without a known cookie (a landing page opened
//!   in a browser that is not the visitor's) gets `404 no_sandbox_visitor` instead of an empty
//!   sandbox, so crawlers and stale links do not fill the table.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::Router;
use serde::Serialize;
use tower::ServiceExt;
use url::Url;

use crate::config::{HostedSandbox, RateLimit, SandboxOptions};
use crate::error::Error;
use crate::ratelimit::Limiter;
use crate::sandbox::{self, VisitorBudget};

/// The proxy's own endpoint with the hosted sandbox's figures ([`Stats`]).
pub const STATS_PATH: &str = "/__proxy/hosted-sandbox";
/// The cookie that carries a visitor's id.
pub const VISITOR_COOKIE: &str = "playground_sandbox";

/// An empty sandbox (its Router, state and sweep task): about 86 KB measured as resident
/// memory per instance over 2,000 instances, rounded up.
pub const VISITOR_BASE_BYTES: usize = 96 * 1024;
/// The payments one visitor's sandbox keeps, in the sandbox's own accounting; the oldest of
/// that visitor's are evicted beyond it (a plain payment takes one or two kilobytes).
pub const VISITOR_PAYMENT_BYTES: usize = 256 * 1024;
/// The payments one visitor's sandbox keeps, at most.
pub const VISITOR_MAX_PAYMENTS: usize = 200;
/// Outbound requests (callbacks, recorded as skipped on a hosted server) one visitor's
/// sandbox logs.
pub const VISITOR_OUTBOUND_LOG: usize = 16;
/// What one outbound log entry is counted with.
pub const OUTBOUND_ENTRY_BYTES: usize = 4 * 1024;
/// API calls (every request but a page or read outside `/ecomm/`) one visitor's sandbox
/// serves over its life.
pub const VISITOR_CALLS: u32 = 512;
/// What one call is counted with: the sandbox's rate-limit window it may leave behind
/// (249 bytes measured with a 40-character orderId), rounded up.
pub const CALL_BYTES: usize = 256;
/// The memory one visitor may take: 544 KiB.
pub const VISITOR_BUDGET_BYTES: usize = VISITOR_BASE_BYTES
    + VISITOR_PAYMENT_BYTES
    + VISITOR_OUTBOUND_LOG * OUTBOUND_ENTRY_BYTES
    + VISITOR_CALLS as usize * CALL_BYTES;

/// The hosted sandbox's figures, the body of [`STATS_PATH`]: a health and capacity view that
/// shows no visitor's id or data.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Visitors with a sandbox now (idle ones not yet dropped included).
    pub visitors: usize,
    /// Visitors served at once.
    pub max_visitors: usize,
    /// Seconds without a request after which a visitor may be dropped.
    pub idle_secs: u64,
    /// [`VISITOR_BUDGET_BYTES`].
    pub visitor_budget_bytes: usize,
    /// `max_visitors` × `visitor_budget_bytes`.
    pub budget_bytes: usize,
    /// The visitors' memory as counted against the budget: for each, its base, its outbound
    /// log's capacity, its calls × [`CALL_BYTES`] and its sandbox's accounted payment bytes.
    pub accounted_bytes: usize,
    /// The sum of the visitors' sandboxes' accounted payment bytes.
    pub payment_bytes: usize,
}

struct Visitor {
    router: Router,
    last_seen: Instant,
    calls: u32,
}

/// A request let into a visitor's sandbox.
pub(crate) struct Admission {
    /// That visitor's sandbox.
    pub router: Router,
    /// The `Set-Cookie` value for a visitor created by this request.
    pub cookie: Option<HeaderValue>,
}

/// The table of visitors' sandboxes.
pub(crate) struct Visitors {
    settings: HostedSandbox,
    public_url: Url,
    options: SandboxOptions,
    /// `; Path=…; HttpOnly; SameSite=Lax[; Secure]`.
    cookie_attributes: String,
    new_visitors: Option<Limiter>,
    table: Mutex<HashMap<String, Visitor>>,
}

impl Visitors {
    /// The table for a server reachable at `public_url`.
    ///
    /// # Errors
    /// [`Error::Config`] if this build has no sandbox.
    pub(crate) fn new(
        settings: HostedSandbox,
        public_url: &Url,
        options: SandboxOptions,
    ) -> Result<Self, Error> {
        // Fails now, not at the first visitor, in a build without the sandbox.
        let _ = sandbox::router(public_url, options, Some(budget()))?;
        let path = format!(
            "{}{}",
            public_url.path().trim_end_matches('/'),
            ecom_core::wire::paths::SANDBOX_PREFIX
        );
        let mut cookie_attributes = format!("; Path={path}; HttpOnly; SameSite=Lax");
        if public_url.scheme() == "https" {
            cookie_attributes.push_str("; Secure");
        }
        Ok(Self {
            settings,
            public_url: public_url.clone(),
            options,
            cookie_attributes,
            new_visitors: settings.new_per_minute.map(|n| {
                Limiter::new(RateLimit {
                    per_minute: n,
                    burst: n,
                })
            }),
            table: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Visitor>> {
        // A poisoned lock only means another request panicked mid-update; the map is usable.
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The sandbox of the visitor whose cookie `headers` carry, or a new visitor's.
    ///
    /// # Errors
    /// `sandbox_used_up` for a visitor past [`VISITOR_CALLS`], `no_sandbox_visitor` for a
    /// navigation without a known visitor, `sandbox_full` when no visitor can be added,
    /// `rate_limited` when `client` started too many visitors.
    pub(crate) fn admit(
        &self,
        headers: &HeaderMap,
        method: &Method,
        rest: &str,
        client: Option<IpAddr>,
    ) -> Result<Admission, Error> {
        let now = Instant::now();
        let call = u32::from(is_call(method, rest));
        let mut table = self.lock();
        if let Some(visitor) = visitor_id(headers).and_then(|id| table.get_mut(id)) {
            if now.duration_since(visitor.last_seen) < self.settings.idle {
                if visitor.calls + call > VISITOR_CALLS {
                    return Err(Error::SandboxUsedUp {
                        calls: VISITOR_CALLS,
                        idle: format_idle(self.settings.idle),
                    });
                }
                visitor.calls += call;
                visitor.last_seen = now;
                return Ok(Admission {
                    router: visitor.router.clone(),
                    cookie: None,
                });
            }
        }
        if is_navigation(headers) {
            return Err(Error::NoSandboxVisitor {
                idle: format_idle(self.settings.idle),
            });
        }
        let idle = self.settings.idle;
        table.retain(|_, v| now.duration_since(v.last_seen) < idle);
        if table.len() >= self.settings.visitors {
            return Err(Error::SandboxFull {
                visitors: self.settings.visitors,
            });
        }
        if let (Some(limiter), Some(ip)) = (&self.new_visitors, client) {
            limiter
                .check(ip)
                .map_err(|wait| Error::NewVisitorsLimited {
                    per_minute: limiter.limit().per_minute,
                    retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                })?;
        }
        let id = new_id()?;
        let router = sandbox::router(&self.public_url, self.options, Some(budget()))?;
        let cookie =
            HeaderValue::from_str(&format!("{VISITOR_COOKIE}={id}{}", self.cookie_attributes))
                .expect("hex digits and the checked public URL's path form a header value");
        table.insert(
            id,
            Visitor {
                router: router.clone(),
                last_seen: now,
                calls: call,
            },
        );
        Ok(Admission {
            router,
            cookie: Some(cookie),
        })
    }

    /// The current figures; asks every visitor's sandbox for its accounted payment bytes.
    pub(crate) async fn stats(&self) -> Stats {
        let now = Instant::now();
        let idle = self.settings.idle;
        let visitors: Vec<(Router, u32)> = {
            let mut table = self.lock();
            table.retain(|_, v| now.duration_since(v.last_seen) < idle);
            table
                .values()
                .map(|v| (v.router.clone(), v.calls))
                .collect()
        };
        let mut payment_bytes = 0;
        let mut accounted_bytes = 0;
        for (router, calls) in &visitors {
            let bytes = payment_bytes_of(router.clone()).await;
            payment_bytes += bytes;
            accounted_bytes += VISITOR_BASE_BYTES
                + VISITOR_OUTBOUND_LOG * OUTBOUND_ENTRY_BYTES
                + *calls as usize * CALL_BYTES
                + bytes;
        }
        Stats {
            visitors: visitors.len(),
            max_visitors: self.settings.visitors,
            idle_secs: idle.as_secs(),
            visitor_budget_bytes: VISITOR_BUDGET_BYTES,
            budget_bytes: self.settings.visitors * VISITOR_BUDGET_BYTES,
            accounted_bytes,
            payment_bytes,
        }
    }
}

fn budget() -> VisitorBudget {
    VisitorBudget {
        max_payments: VISITOR_MAX_PAYMENTS,
        max_payment_bytes: VISITOR_PAYMENT_BYTES,
        max_outbound_log: VISITOR_OUTBOUND_LOG,
    }
}

/// A sandbox's accounted payment bytes, from its own `/__sim/config` (called in-process; the
/// control surface is not served to visitors of a hosted server).
async fn payment_bytes_of(router: Router) -> usize {
    let request = Request::get("/__sim/config")
        .body(Body::empty())
        .expect("a fixed request line is valid");
    let Ok(response) = router.oneshot(request).await;
    let body = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap_or_default();
    serde_json::from_slice::<ecom_core::wire::sim::Config>(&body)
        // Counted as full when it cannot be read, so the figure never understates.
        .map_or(VISITOR_PAYMENT_BYTES, |config| config.payment_bytes)
}

/// True for a request that may leave state behind in the sandbox: anything but a read, and
/// every eCom call (reads there pass the per-orderId rate limit, which remembers them).
fn is_call(method: &Method, rest: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD) || rest.starts_with("/ecomm/")
}

/// True for a browser's page load (a link, a new tab, a form), as opposed to the app's fetch.
fn is_navigation(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .unwrap_or_default()
    };
    match headers.get("sec-fetch-mode") {
        Some(mode) => mode == "navigate",
        // Browsers send Sec-Fetch-Mode to https origins only; over plain http a page load is
        // told by what it accepts.
        None => text(header::ACCEPT).contains("text/html"),
    }
}

/// The visitor id in the request's cookies, if it has the right shape.
fn visitor_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == VISITOR_COOKIE)
        .map(|(_, value)| value)
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// 128 random bits from the operating system, in hex.
fn new_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Io {
        context: "cannot make a hosted sandbox visitor id".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

fn format_idle(idle: Duration) -> String {
    let secs = idle.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        crate::forward::format_duration(idle)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_544_kib() {
        assert_eq!(VISITOR_BUDGET_BYTES, 544 * 1024);
    }

    #[test]
    fn only_a_well_formed_visitor_cookie_is_read() {
        let mut headers = HeaderMap::new();
        let id = "0123456789abcdef0123456789abcdef";
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {VISITOR_COOKIE}={id}")).unwrap(),
        );
        assert_eq!(visitor_id(&headers), Some(id));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{VISITOR_COOKIE}=../../x")).unwrap(),
        );
        assert_eq!(visitor_id(&headers), None);
        assert_eq!(new_id().unwrap().len(), 32);
        assert_ne!(new_id().unwrap(), new_id().unwrap());
    }
}
