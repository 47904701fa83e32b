//! The wire: every name and shape that crosses HTTP between the app, the proxy, the sandbox and
//! the tests, defined once.
//!
//! - [`headers`]: header names, ours and the Vipps APIs'.
//! - [`paths`]: the API paths and the playground's own endpoints.
//! - [`callbacks`]: the sandbox's log of the requests it made as Vipps.
//! - [`initiate`]: express checkout's shipping options and initiate's answer.
//! - [`token`]: the Access Token API's answer.
//! - [`userinfo`]: the Userinfo API's claims.
//! - [`qr`]: the QR API's answer.
//! - [`sim`]: the sandbox's control surface: the scenarios' bodies, the clock, faults.
//! - [`timing`]: the proxy's `Server-Timing` header, written by the proxy, read by the app.
//! - [`errors`]: the five error formats of the APIs and the proxy's own.
//! - [`details`]: the payment views: details, status, capture, cancel and refund answers, the
//!   callback body, the log entry and summary.
//!
//! The request and response bodies live beside them, one module per API area; the sandbox
//! parses requests into them and writes its answers from them, and the app builds its requests
//! from them, so a renamed field is a compile error everywhere it is used.

pub mod callbacks;
pub mod details;
pub mod errors;
pub mod headers;
pub mod initiate;
pub mod paths;
pub mod qr;
pub mod sim;
pub mod timing;
pub mod token;
pub mod userinfo;

/// The scopes a profile payment can ask for (`transaction.scope`, space-separated), in the
/// order the userinfo API documents them.
pub const SCOPES: [&str; 6] = [
    "name",
    "address",
    "email",
    "phoneNumber",
    "birthDate",
    "nin",
];

/// `merchantInfo.paymentType` of an express checkout payment.
pub const EXPRESS_PAYMENT: &str = "eComm Express Payment";
/// `merchantInfo.paymentType` of a regular payment (the default when it is left out).
pub const REGULAR_PAYMENT: &str = "eComm Regular Payment";
