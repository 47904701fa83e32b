//! The in-process sandbox upstream: the `ecom-sandbox` Router, built with URLs that point back
//! through this server.

use url::Url;

use crate::config::SandboxOptions;
use crate::error::Error;

/// Builds the sandbox Router for a server reachable at `public_url`.
///
/// The sandbox hands out URLs (landing pages, QR images) under its `public_base_url`; setting
/// that to `<public_url>/sandbox` (core's `SANDBOX_PREFIX`) makes them resolve back through
/// this server.
///
/// `budget` is `Some` for one visitor's sandbox of a hosted server: its stores are then capped
/// at the visitor's share (see `hosted`).
#[cfg(feature = "sandbox")]
pub(crate) fn router(
    public_url: &Url,
    options: SandboxOptions,
    budget: Option<VisitorBudget>,
) -> Result<axum::Router, Error> {
    let defaults = ecom_sandbox::SandboxConfig::default();
    let config = ecom_sandbox::SandboxConfig {
        public_base_url: format!(
            "{}{}",
            public_url.as_str().trim_end_matches('/'),
            ecom_core::wire::paths::SANDBOX_PREFIX
        ),
        allow_loopback_callbacks: options.allow_loopback_callbacks,
        rate_limits: options.rate_limits,
        max_payments: budget.map_or(defaults.max_payments, |b| b.max_payments),
        max_payment_bytes: budget.map_or(defaults.max_payment_bytes, |b| b.max_payment_bytes),
        max_outbound_log: budget.map_or(defaults.max_outbound_log, |b| b.max_outbound_log),
        ..defaults
    };
    Ok(ecom_sandbox::app(config))
}

/// Without the `sandbox` feature there is nothing to host: say how to get it.
#[cfg(not(feature = "sandbox"))]
pub(crate) fn router(
    _public_url: &Url,
    _options: SandboxOptions,
    _budget: Option<VisitorBudget>,
) -> Result<axum::Router, Error> {
    Err(Error::Config {
        setting: "--no-sandbox",
        message: "this build has no in-process sandbox; pass --no-sandbox, or build ecom-proxy with its default `sandbox` feature".into(),
    })
}

/// The store limits of one visitor's sandbox.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
pub(crate) struct VisitorBudget {
    pub max_payments: usize,
    pub max_payment_bytes: usize,
    pub max_outbound_log: usize,
}
