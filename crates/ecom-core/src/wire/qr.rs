//! The one-time-payment QR API (`POST /qr/v1`, spec §10): its body and its answer.

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

/// The body of `POST /qr/v1`: the landing page to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrRequest {
    /// The landing-page URL from initiate's answer. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
