//! The native host: axum handlers, the router and the outbound HTTP client, on top of the pure
//! [`crate::domain`] and the [`crate::wire`] views. Behind the `native` feature (on by default).
//!
//! - [`router`]: the axum `Router` with its limits, and `run` (serve until shutdown).
//! - [`state`]: the shared state of one sandbox instance (config, clock, store, rate limits).
//! - [`snapshot`]: that state saved as JSON and restored (the browser host's service worker).
//! - [`auth`]: access tokens and the gateway checks that run before any business logic.
//! - [`bodies`]: request bodies read into the boundary types, with MT's field-path errors.
//! - [`ecom`], [`userinfo`], [`qr`]: the API handlers; [`respond`]: errors as responses.
//! - [`flow`]: the user side (landing page, app), shared by the pages and `/__sim`.
//! - [`outbound`]: callbacks, shipping-details and consent-removal requests, all recorded.
//! - [`pages`]: the landing page and the simulated app, maud templates that escape by default.
//! - [`sim`]: the `/__sim` control surface.

pub(crate) mod auth;
pub(crate) mod bodies;
pub(crate) mod ecom;
pub(crate) mod flow;
pub(crate) mod outbound;
pub(crate) mod pages;
pub(crate) mod qr;
pub(crate) mod respond;
pub(crate) mod router;
pub(crate) mod sim;
pub(crate) mod snapshot;
pub(crate) mod state;
pub(crate) mod userinfo;
