//! The error bodies on the wire: the five formats of the Vipps APIs (spec §1.5) and the
//! proxy's own. The sandbox writes them, the app's [`crate::explain`] reads them.
//!
//! - A: eCom, an array of [`EcomError`];
//! - B: the API gateway (APIM), [`ApimError`];
//! - C: Azure, access-token problems, [`AzureError`];
//! - D: Azure AD, `/accesstoken/get` credential errors, [`AadError`];
//! - E: problem details of the QR and Userinfo APIs, [`Problem`].

use serde::{Deserialize, Serialize};

/// Format A: one eCom business or validation error (the body is an array of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcomError {
    /// `InvalidRequest`, `Payment`, `Merchant`, `User`, `VippsError`, …
    pub error_group: String,
    /// The code: a number (`62`) or, for `InvalidRequest`, the field path.
    pub error_code: String,
    /// What went wrong.
    pub error_message: String,
    /// A UUID for Vipps support.
    #[serde(default)]
    pub context_id: String,
}

/// Format B: the API gateway (unknown path, subscription key, rate limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApimError {
    /// The HTTP status, repeated.
    pub status_code: u16,
    /// What went wrong.
    pub message: String,
}

/// Format C: Azure, access-token problems on the eCom API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureError {
    /// The status and its text.
    pub response_info: AzureInfo,
    /// The message again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<AzureResult>,
}

/// `responseInfo` of format C.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureInfo {
    /// The HTTP status, repeated.
    pub response_code: u16,
    /// What went wrong.
    pub response_message: String,
}

/// `result` of format C.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureResult {
    /// What went wrong.
    pub message: String,
}

/// Format D: Azure AD's answer to bad credentials at `/accesstoken/get`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AadError {
    /// `invalid_client`, `unauthorized_client`, `invalid_request`, …
    pub error: String,
    /// `AADSTS…` text, then trace and correlation ids and a timestamp on separate lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// The AADSTS numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<u64>,
    /// `2022-11-17 11:37:08Z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// A UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// A UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Where Microsoft explains the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

/// Format E: problem details (RFC 7807 flavoured) of the QR API (title, detail, instance)
/// and the Userinfo API (all fields, the status as a string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URL naming the kind of problem (Userinfo).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Short text.
    pub title: String,
    /// The HTTP status as a string (Userinfo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Always empty (Userinfo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_info: Option<serde_json::Map<String, serde_json::Value>>,
}

/// [`ProxyError::source`] of every error the proxy makes itself.
pub const PROXY_ERROR_SOURCE: &str = "proxy";

/// The body of an error the proxy made itself (not the upstream's), sent with the
/// [`crate::wire::headers::PROXY_ERROR`] header carrying the same `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyError {
    /// Always [`PROXY_ERROR_SOURCE`].
    pub source: String,
    /// What went wrong, such as `unauthorized`, `timeout` or `upstream_redirect`.
    pub kind: String,
    /// What failed and how to fix it; never a header value, body or query string.
    pub message: String,
    /// The upstream the request was for (`mt`, `sandbox`, …); `null` when there was none.
    #[serde(default)]
    pub upstream: Option<String>,
}
