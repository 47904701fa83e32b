//! The five error body formats of the real API (spec §1.5) as one response type.
//!
//! A: eCom array `[{errorGroup, errorCode, errorMessage, contextId}]`; B: APIM
//! `{statusCode, message}`; C: Azure `{responseInfo, result}`; D: Azure AD token errors;
//! E: problem details of the QR and Userinfo APIs.

use ::http::StatusCode;
use ecom_core::wire::errors as wire;
use serde_json::Value;

use crate::domain::clock;

/// A typed body as the JSON value the tests and the response writer take.
fn to_value(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).expect("wire types always serialize")
}

/// The documented text of `VippsError 99`.
const MESSAGE_99: &str =
    "Internal error. In some cases, this is caused by an incorrect API request. Please check the request.";

/// Content type of every JSON body the sandbox sends.
pub(crate) const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// An error answer in one of the formats of spec §1.5.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// Format A: eCom business and validation errors.
    Ecom {
        status: StatusCode,
        group: &'static str,
        code: String,
        message: String,
    },
    /// Format B: APIM (subscription key, unknown path, ...).
    Apim { status: StatusCode, message: String },
    /// Format B `429`, with `Retry-After` (spec §1.7): the window frees up in `wait_s`.
    RateLimited { wait_s: u64 },
    /// Format A `VippsError 99` (500) for requests the real API chokes on; `detail` goes
    /// into the sandbox-only `X-Sandbox-Detail` header to say what was wrong.
    Internal { detail: String },
    /// Format C: Azure, access-token problems.
    Azure { status: StatusCode },
    /// Format D: Azure AD, `/accesstoken/get` credential errors.
    Aad {
        status: StatusCode,
        error: &'static str,
        description: String,
        codes: Vec<u64>,
    },
    /// Format E, QR flavour.
    Qr {
        status: StatusCode,
        title: &'static str,
        detail: String,
    },
    /// Format E, Userinfo flavour.
    Userinfo {
        status: StatusCode,
        title: &'static str,
        detail: String,
    },
}

impl ApiError {
    /// Format A with status 400.
    pub(crate) fn bad(
        group: &'static str,
        code: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Self::Ecom {
            status: StatusCode::BAD_REQUEST,
            group,
            code: code.into(),
            message: msg.into(),
        }
    }

    /// Format A `InvalidRequest` with the field path as code.
    pub(crate) fn invalid(field: &str, msg: impl Into<String>) -> Self {
        Self::bad("InvalidRequest", field, msg)
    }

    /// Format A with an explicit status.
    pub(crate) fn ecom(
        status: StatusCode,
        group: &'static str,
        code: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Self::Ecom {
            status,
            group,
            code: code.into(),
            message: msg.into(),
        }
    }

    /// Format A `VippsError 99` with status 500 and a detail for the `X-Sandbox-Detail` header.
    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        Self::Internal {
            detail: detail.into(),
        }
    }

    /// Format A `Merchant 35`, 404.
    pub(crate) fn order_not_found(order_id: &str, msn: &str) -> Self {
        Self::ecom(
            StatusCode::NOT_FOUND,
            "Merchant",
            "35",
            format!("The orderId '{order_id}' does not exist for MSN {msn}."),
        )
    }

    /// Format B.
    pub(crate) fn apim(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Apim {
            status,
            message: message.into(),
        }
    }

    /// Format B 429 for a rate limit that frees up in `wait_s` seconds.
    pub(crate) fn rate_limited(wait_s: u64) -> Self {
        Self::RateLimited { wait_s }
    }

    /// Format B 507: the sandbox keeps every payment (`WhenFull::Refuse`) and has no room for
    /// another. Says how full it is and how to empty it.
    pub(crate) fn sandbox_full(
        used_bytes: usize,
        max_bytes: usize,
        payments: usize,
        max_payments: usize,
    ) -> Self {
        Self::apim(
            StatusCode::INSUFFICIENT_STORAGE,
            format!(
                "The sandbox in this browser is full: {used_bytes} of {max_bytes} bytes are used \
                 ({payments} of at most {max_payments} payments). Nothing was deleted; \
                 \"Reset sandbox\" in the playground's settings empties it."
            ),
        )
    }

    /// Format B 404 for unknown paths.
    pub(crate) fn not_found() -> Self {
        Self::apim(StatusCode::NOT_FOUND, "Resource not found")
    }

    /// Format C 401.
    pub(crate) fn token() -> Self {
        Self::Azure {
            status: StatusCode::UNAUTHORIZED,
        }
    }

    /// The HTTP status of this error.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Ecom { status, .. }
            | Self::Apim { status, .. }
            | Self::Azure { status }
            | Self::Aad { status, .. }
            | Self::Qr { status, .. }
            | Self::Userinfo { status, .. } => *status,
        }
    }

    /// The JSON body of this error, in its format's boundary type.
    pub(crate) fn body(&self) -> Value {
        let context = uuid::Uuid::new_v4().to_string();
        let ecom = |group: &str, code: &str, message: &str| {
            to_value(&[wire::EcomError {
                error_group: group.to_owned(),
                error_code: code.to_owned(),
                error_message: message.to_owned(),
                context_id: context.clone(),
            }])
        };
        let apim = |status_code: u16, message: String| {
            to_value(&wire::ApimError {
                status_code,
                message,
            })
        };
        match self {
            Self::Ecom {
                group,
                code,
                message,
                ..
            } => ecom(group, code, message),
            Self::Internal { .. } => ecom("VippsError", "99", MESSAGE_99),
            Self::Apim { status, message } => apim(status.as_u16(), message.clone()),
            Self::RateLimited { wait_s } => apim(
                429,
                format!("Rate limit is exceeded. Try again in {wait_s} seconds."),
            ),
            Self::Azure { status } => {
                let message = "Something went wrong, please try again later.".to_owned();
                to_value(&wire::AzureError {
                    response_info: wire::AzureInfo {
                        response_code: status.as_u16(),
                        response_message: message.clone(),
                    },
                    result: Some(wire::AzureResult { message }),
                })
            }
            Self::Aad {
                error,
                description,
                codes,
                ..
            } => {
                let now = clock::wall_ms();
                // Azure AD prints "2022-11-17 11:37:08Z".
                let ts = clock::iso(now);
                let timestamp = format!("{} {}Z", &ts[..10], &ts[11..19]);
                let first = codes.first().copied().unwrap_or(0);
                to_value(&wire::AadError {
                    error: (*error).to_owned(),
                    error_description: Some(format!(
                        "{description}\r\nTrace ID: {context}\r\nCorrelation ID: {context}\r\nTimestamp: {timestamp}"
                    )),
                    error_codes: codes.clone(),
                    timestamp: Some(timestamp),
                    trace_id: Some(context.clone()),
                    correlation_id: Some(uuid::Uuid::new_v4().to_string()),
                    error_uri: Some(format!("https://login.windows.net/error?code={first}")),
                })
            }
            Self::Qr { title, detail, .. } => to_value(&wire::Problem {
                kind: None,
                title: (*title).to_owned(),
                status: None,
                detail: Some(detail.clone()),
                instance: Some(context.clone()),
                extra_info: None,
            }),
            Self::Userinfo {
                status,
                title,
                detail,
            } => to_value(&wire::Problem {
                kind: Some(format!(
                    "https://developer.vippsmobilepay.com/docs/APIs/userinfo-api/errors#{}",
                    status.as_u16()
                )),
                title: (*title).to_owned(),
                status: Some(status.as_u16().to_string()),
                detail: Some(detail.clone()),
                instance: Some(context.clone()),
                extra_info: Some(serde_json::Map::new()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_have_their_documented_keys() {
        let a = ApiError::bad("Payment", "61", "m").body();
        assert_eq!(a[0]["errorCode"], "61");
        assert!(a[0]["contextId"].as_str().unwrap().len() == 36);
        let b = ApiError::not_found().body();
        assert_eq!(
            b,
            serde_json::json!({"statusCode": 404, "message": "Resource not found"})
        );
        let c = ApiError::token().body();
        assert_eq!(c["responseInfo"]["responseCode"], 401);
        assert_eq!(
            c["result"]["message"],
            "Something went wrong, please try again later."
        );
        let d = ApiError::Aad {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: "x".into(),
            codes: vec![900_144],
        }
        .body();
        for k in [
            "error",
            "error_description",
            "error_codes",
            "timestamp",
            "trace_id",
            "correlation_id",
            "error_uri",
        ] {
            assert!(d.get(k).is_some(), "{k}");
        }
        let e = ApiError::Userinfo {
            status: StatusCode::NOT_FOUND,
            title: "Not Found",
            detail: "d".into(),
        }
        .body();
        assert_eq!(e["status"], "404");
    }
}
