//! A local simulator of the Vipps eCom API v2 test environment (MT).
//!
//! The sandbox stands in for `https://apitest.vipps.no` so the playground and its tests run
//! offline. It follows `shared/reference/ecom-spec.md`: the Access Token API, eCom v2, Userinfo,
//! the one-time-payment QR API, the landing page, merchant callbacks and a simulated Vipps app,
//! plus a `/__sim` control surface (see `SIM_API.md` in this crate) for tests.
//!
//! # Layout
//!
//! - [`config`]: [`SandboxConfig`] with merchants and test users (demo setup by default).
//! - `clock`: the controllable simulated clock and timestamp formatting.
//! - `errors`: the five error body formats of the real API.
//! - `auth`: access tokens and the gateway checks that run before any business logic.
//! - `payment`: the payment state machine, pure and unit-tested.
//! - `store`: the bounded in-memory payment store with per-payment locks.
//! - `flow`: the user side (landing page, app), shared by the pages and `/__sim`.
//! - `links`: the allow-list of merchant URLs that may become a link or a redirect.
//! - `outbound`: callbacks, shipping-details and consent-removal requests, all recorded.
//! - `ecom`, `userinfo`, `qr`: the API handlers.
//! - `pages`: the landing page and the simulated app, maud templates that escape by default (no
//!   external assets).
//! - `sim`: the `/__sim` control surface.
//!
//! # Design decisions
//!
//! - One process-wide mutex guards the map of payments only long enough to find or insert an
//!   entry; every payment has its own mutex, held across check-and-update, so concurrent
//!   captures can never capture more than was reserved.
//! - Timeouts are applied lazily whenever a payment is touched, and eagerly for all payments
//!   when the simulated clock is advanced, so tests need not wait in real time.
//! - Access tokens are HMAC-like signed with a per-instance random key (SipHash), which is
//!   cheap and lets the gateway verify them without a lookup.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod auth;
mod clock;
pub mod config;
mod ecom;
mod errors;
mod flow;
mod links;
mod outbound;
mod pages;
mod payment;
mod qr;
mod router;
mod sim;
mod state;
mod store;
mod userinfo;

pub use config::{MerchantConfig, SandboxConfig, TestUser, UserAddress};
pub use router::{app, run};

/// Errors of the sandbox crate outside request handling (configuration and I/O).
///
/// Request handling never fails with this type: every bad request is answered with the error
/// body format the real API uses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {source}")]
    ConfigRead {
        /// The path that was given.
        path: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML for [`SandboxConfig`].
    #[error("config file {path} is invalid: {message}")]
    ConfigParse {
        /// The path that was given.
        path: String,
        /// What the TOML parser reported.
        message: String,
    },
    /// The configuration parsed but is inconsistent (duplicate keys, bad MSN, ...).
    #[error("invalid sandbox configuration: {0}")]
    InvalidConfig(String),
}
