//! Pure core of the eCom Playground.
//!
//! Everything the playground knows about the Vipps eCom API that needs no I/O lives here, so
//! that it builds for the browser (wasm32) and natively, and is unit-tested natively.
//!
//! - [`settings`]: the user's settings and their storage format, robust to corrupt data.
//! - [`session`]: the session variables chained between steps, and where each may be stored.
//! - [`validate`]: checks of what the user types, with messages that say how to fix it.
//! - [`request`]: API calls as plain data (method, path, headers, body), secrets marked.
//! - [`token`]: the Access Token API request and response.
//! - [`payment`]: request builders for the eCom endpoints, amounts, order ids, landing-page tokens.
//! - [`environment`]: the environments, where each one's requests go, the default one.
//! - [`proxy`]: the proxy's self-description and the environments it offers.
//! - [`qr`]: QR codes of landing-page URLs, as SVG or PNG.
//! - [`png`]: a minimal black-and-white PNG encoder and base64, for the QR download.
//! - [`callbacks`]: what the sandbox sent as Vipps for an order, read from its log.
//! - [`details`]: payment details as a timeline, and which operations are valid next.
//! - [`explain`]: error bodies of the APIs and the proxy, explained.
//! - [`display`]: response bodies for display, secrets masked.
//! - [`demo`]: the sandbox's demo credentials.
//! - [`curl`]: any request as a copy-pasteable curl command, secrets as shell variables.
//! - [`history`]: the history of calls, persisted without secrets.
//! - [`redact`]: personal data and tokens taken out of paths before they are logged or kept.
//! - [`scenario`]: outcomes in one click (reject, timeout, SALE, 1082, a refused card).
//! - [`route`]: links to a flow or step (`#/express/initiate?amount=100`), secrets refused.
//! - [`import`]: the official Postman environment file, read into credentials and values.
//! - `server` (feature `server`): what only the native servers need (the shutdown signal).
//! - `http` (feature `server`): a request as an `http::Request`, so native tests send what the
//!   app builds.
//! - [`wire`]: every header, path and body shape on the wire, shared with the servers and tests.

pub mod callbacks;
pub mod curl;
pub mod demo;
pub mod details;
pub mod display;
pub mod environment;
mod error;
pub mod explain;
pub mod history;
#[cfg(feature = "server")]
pub mod http;
pub mod import;
pub mod payment;
pub mod png;
pub mod proxy;
pub mod qr;
pub mod redact;
pub mod request;
pub mod route;
pub mod scenario;
#[cfg(feature = "server")]
pub mod server;
pub mod session;
pub mod settings;
pub mod token;
pub mod validate;
pub mod wire;

pub use environment::Environment;
pub use error::CoreError;
