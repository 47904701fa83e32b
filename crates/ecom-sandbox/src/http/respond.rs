//! Error answers and JSON bodies as axum responses: the one place a [`ApiError`] gets its
//! status, content type and headers (`Retry-After`, `X-Sandbox-Detail`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ecom_core::wire::headers::SANDBOX_DETAIL;
use serde::Serialize;

use crate::wire::errors::{ApiError, JSON_UTF8};

/// Seconds a `429` that is not a rate-limit window (an injected fault) asks the client to
/// wait: the length of every window of spec §1.7.
const FAULT_RETRY_AFTER_S: u64 = 60;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status(), &self.body());
        match &self {
            Self::Internal { detail } => {
                resp.headers_mut()
                    .insert(SANDBOX_DETAIL, ascii_header_value(detail));
            }
            Self::RateLimited { wait_s } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*wait_s));
            }
            _ if self.status() == StatusCode::TOO_MANY_REQUESTS => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(FAULT_RETRY_AFTER_S));
            }
            _ => {}
        }
        resp
    }
}

/// `text` as a header value of visible ASCII: header values are bytes that clients read as
/// Latin-1 or reject, so `øre` becomes `ore`, `…` becomes `...`, and control characters become
/// spaces.
pub(crate) fn ascii_header_value(text: &str) -> HeaderValue {
    let ascii: String = deunicode::deunicode(text)
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .collect();
    HeaderValue::from_str(ascii.trim())
        .expect("visible ASCII and spaces always make a header value")
}

/// A JSON response with the `application/json;charset=UTF-8` content type.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let text = serde_json::to_string(body).expect("wire types and JSON values always serialize");
    let mut resp = (status, text).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_transliterated_to_ascii() {
        for (text, want) in [
            (
                "amount must be an integer number of øre",
                "amount must be an integer number of ore",
            ),
            ("Blåbær – «søt»…", "Blabaer - <<sot>>..."),
            ("line\r\nbreak\u{0}", "line  break"),
        ] {
            let v = ascii_header_value(text);
            assert!(v.as_bytes().is_ascii(), "{text:?}");
            assert_eq!(v.to_str().unwrap(), want, "{text:?}");
        }
        let r = ApiError::rate_limited(17).into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "17");
    }
}
