//! The one-time-payment QR API's answer (`POST /qr/v1`, spec §10).

use serde::{Deserialize, Serialize};

/// Where the QR code is, and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrResponse {
    /// Seconds until the QR code expires (the payment's user phase).
    pub expires_in: i64,
    /// The image (PNG or SVG) or the target URL, by the request's `Accept`.
    pub url: String,
}
