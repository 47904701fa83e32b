//! Header names on the wire.
//!
//! The Vipps headers are spelled as the official Postman collection spells them, which is how
//! the app shows them; HTTP compares names case-insensitively, so servers look them up with the
//! same constants (`HeaderMap::get` lower-cases). The playground's own headers are lower case,
//! so that servers can make `http::HeaderName`s of them at compile time.

/// `Authorization: Bearer <access token>` on every call after the token step.
pub const AUTHORIZATION: &str = "Authorization";
/// The APIM subscription key (the "primary key" of the merchant portal).
pub const SUBSCRIPTION_KEY: &str = "Ocp-Apim-Subscription-Key";
/// The merchant serial number, on every eCom call.
pub const MERCHANT_SERIAL_NUMBER: &str = "Merchant-Serial-Number";
/// The access token API's client id.
pub const CLIENT_ID: &str = "client_id";
/// The access token API's client secret.
pub const CLIENT_SECRET: &str = "client_secret";
/// The idempotency key of capture, refund and force approve.
pub const REQUEST_ID: &str = "X-Request-Id";
/// The calling system's name, as Vipps asks integrators to send it.
pub const SYSTEM_NAME: &str = "Vipps-System-Name";
/// The calling system's version.
pub const SYSTEM_VERSION: &str = "Vipps-System-Version";
/// The body's media type.
pub const CONTENT_TYPE: &str = "Content-Type";

/// The proxy's optional access token (`--token`), sent by the app when the user set one.
pub const PROXY_TOKEN: &str = "x-proxy-token";
/// Set by the proxy on errors it made itself (not the upstream's), with the error's kind.
pub const PROXY_ERROR: &str = "x-playground-proxy-error";
/// Set by the sandbox with a longer explanation of an error than the API's own body carries.
pub const SANDBOX_DETAIL: &str = "x-sandbox-detail";
/// Set by the proxy on every relayed answer: how long the upstream took (see
/// [`crate::wire::timing`]).
pub const SERVER_TIMING: &str = "server-timing";
