//! `GET /vipps-userinfo-api/userinfo/{sub}` (spec §7): the claims the user consented to.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::domain::clock::HOUR;
use crate::http::auth::{gateway_token, invalid_msn_message, mismatched_msn, KeyRule};
use crate::http::respond::json_response;
use crate::http::state::AppState;
use crate::wire::claims::claims;
use crate::wire::errors::ApiError;

/// Userinfo data is served for 168 hours after consent.
const WINDOW_MS: i64 = 168 * HOUR;

fn problem(status: StatusCode, title: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::Userinfo {
        status,
        title,
        detail: detail.into(),
    }
}

/// `GET /vipps-userinfo-api/userinfo/{sub}`.
pub(crate) async fn userinfo(
    State(state): State<AppState>,
    Path(sub): Path<String>,
    headers: HeaderMap,
) -> Response {
    let caller = match gateway_token(&state, &headers, KeyRule::Optional) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // This API answers an MSN mismatch in its own error format, not eCom's.
    if let Some(msn) = mismatched_msn(&headers, &caller) {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            invalid_msn_message(&state, &msn, caller.msn()),
        )
        .into_response();
    }
    let record = state.subs.lock().records.get(&sub).cloned();
    let Some(record) = record else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "No user info for this sub. Use the sub from the payment details after the user approved a payment with scope.",
        )
        .into_response();
    };
    if record.msn != caller.msn() {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "This sub was not given to the merchant of the access token.",
        )
        .into_response();
    }
    if state.now() > record.consented_at_ms + WINDOW_MS {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "User info can only be fetched up to 168 hours after the user gave consent.",
        )
        .into_response();
    }
    let Some(user) = state.user(&record.phone) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The user no longer exists.",
        )
        .into_response();
    };
    let scopes: Vec<String> = record.scopes.iter().cloned().collect();
    json_response(StatusCode::OK, &claims(&sub, &user, &scopes))
}
