//! Black-box conformance harness for the Vipps eCom API v2 sandbox (and, with credentials, MT).
//!
//! The tests in `tests/` are the product; this library is what they share:
//!
//! - [`target`]: which server to test. By default the tests start the sandbox in-process on
//!   `127.0.0.1:0`; `ECOM_BASE_URL` and friends point the same suite at the real test
//!   environment, where tests that need the simulator's `/__sim` surface are skipped.
//! - [`schema`]: every response is checked against the official OpenAPI files in
//!   `shared/reference` (closed objects, so a misspelt field fails).
//! - [`client`]: the one HTTP client all conformance requests go through. It sends the browser
//!   app's own requests (`ecom_core`'s builders, converted by `ApiRequest::to_http`), negative
//!   cases as explicit [`Edit`]s of them, and runs the schema check on every response, so no
//!   test can forget it.
//! - [`receiver`]: a loopback HTTP server that records callbacks and serves a fallBack page.
//! - [`sim`]: a client for the sandbox's `/__sim` control surface (see the sandbox's
//!   `SIM_API.md`).
//!
//! Layers that are not Rust tests live beside `src/`: `newman/run.sh` (the official Postman
//! collection), `browser/` (Playwright click-through) and `bench/run.sh` (throughput).

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod client;
pub mod receiver;
pub mod schema;
pub mod sim;
pub mod target;

pub use client::{Api, Edit, Reply};
pub use schema::SchemaBook;
pub use target::Target;

/// Everything that can go wrong while driving the API under test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A reference file (OpenAPI YAML or local schema) is missing or unreadable.
    #[error("reference file problem: {0}")]
    Reference(String),
    /// A schema converted from the OpenAPI files did not compile.
    #[error("schema does not compile: {0}")]
    SchemaBuild(String),
    /// A response body does not match the documented schema.
    #[error("{method} {path} -> {status}: {detail}\n  body: {body}")]
    Schema {
        /// Request method.
        method: String,
        /// Request path, without the query string.
        path: String,
        /// Response status.
        status: u16,
        /// Every violation found.
        detail: String,
        /// The start of the offending body.
        body: String,
    },
    /// The HTTP exchange itself failed (connection refused, timeout, ...).
    #[error("http request {method} {path} failed: {message}")]
    Http {
        /// Request method.
        method: String,
        /// Request path.
        path: String,
        /// What the client reported.
        message: String,
    },
    /// A core request could not be turned into an HTTP request (a bad URL or header).
    #[error("the request cannot be sent: {0}")]
    Request(String),
    /// A response had an unexpected shape that the caller relied on.
    #[error("unexpected response: {0}")]
    Unexpected(String),
    /// Configuration from the environment is incomplete or invalid.
    #[error("invalid test target configuration: {0}")]
    Config(String),
    /// A local server (callback receiver) could not be started.
    #[error("cannot start local server: {0}")]
    Io(#[from] std::io::Error),
}
