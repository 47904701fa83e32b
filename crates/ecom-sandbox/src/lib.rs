//! A local simulator of the Vipps eCom API v2 test environment (MT).
//!
//! The sandbox stands in for `https://apitest.vipps.no` so the playground and its tests run
//! offline. It follows `shared/reference/ecom-spec.md`: the Access Token API, eCom v2, Userinfo,
//! the one-time-payment QR API, the landing page, merchant callbacks and a simulated Vipps app,
//! plus a `/__sim` control surface (see `SIM_API.md` in this crate) for tests.
//!
//! # Layout
//!
//! The folders are the layers; each depends only on the ones above it:
//!
//! - [`config`]: [`SandboxConfig`] with merchants and test users (demo setup by default).
//! - `domain`: the pure domain (clock, payment state machine, store, link rules). No HTTP
//!   framework, runtime or network: it builds with `--no-default-features`.
//! - `wire`: the answers on the wire (the five error formats, payment views), from the
//!   boundary types of `ecom_core::wire`.
//! - `http` (feature `http`; `native`, on by default, adds the server): axum handlers, pages, the
//!   `/__sim` control surface, outbound callbacks and the router.
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
// Without the HTTP layer nothing uses the domain: it is built that way to prove it needs
// no HTTP framework, runtime or network (the browser host builds on it).
#![cfg_attr(not(feature = "http"), allow(dead_code, unused_imports))]

pub mod config;
mod domain;
#[cfg(feature = "http")]
mod http;
mod wire;

pub use config::{MerchantConfig, SandboxConfig, TestUser, UserAddress, WhenFull};
#[cfg(feature = "native")]
pub use http::router::run;
#[cfg(feature = "http")]
pub use http::router::{app, Sandbox};

/// Errors of the sandbox crate outside request handling (configuration, I/O, saved state).
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
    /// A saved state (snapshot) cannot be restored: not JSON of the expected shape, another
    /// snapshot version, or inconsistent. Starting from an empty sandbox always works.
    #[error("cannot restore the saved sandbox state: {0}; resetting the sandbox fixes this")]
    Snapshot(String),
}
