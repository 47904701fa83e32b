//! API paths, and the playground's own endpoints.

/// The access token API (`POST`).
pub const ACCESS_TOKEN: &str = "/accesstoken/get";
/// Initiate (`POST`); every other eCom call is below it, at `/{orderId}/…`.
pub const PAYMENTS: &str = "/ecomm/v2/payments";
/// Force approve's prefix (MT and sandbox only): `…/{orderId}/approve`.
pub const FORCE_APPROVE_PREFIX: &str = "/ecomm/v2/integration-test/payments";
/// The userinfo API's prefix: `…/{sub}`.
pub const USERINFO_PREFIX: &str = "/vipps-userinfo-api/userinfo/";
/// The QR API (`POST`): a QR code of a landing-page URL.
pub const QR: &str = "/qr/v1";
/// What the proxy says about itself (`GET`).
pub const PROXY_INFO: &str = "/__proxy/info";
/// Where the proxy serves its in-process sandbox.
pub const SANDBOX_PREFIX: &str = "/sandbox";

/// `/ecomm/v2/payments/{orderId}/{tail}` (`details`, `capture`, `refund`, `cancel`).
pub fn order(order_id: &str, tail: &str) -> String {
    format!("{PAYMENTS}/{order_id}/{tail}")
}

/// `/ecomm/v2/integration-test/payments/{orderId}/approve`.
pub fn force_approve(order_id: &str) -> String {
    format!("{FORCE_APPROVE_PREFIX}/{order_id}/approve")
}

/// `/vipps-userinfo-api/userinfo/{sub}`.
pub fn userinfo(sub: &str) -> String {
    format!("{USERINFO_PREFIX}{sub}")
}
