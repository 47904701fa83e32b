//! `GET /vipps-userinfo-api/userinfo/{sub}` (spec §7): the claims the user consented to.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::domain::clock::HOUR;
use crate::http::auth::{problem_api_caller, KeyRule};
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
) -> Result<Response, ApiError> {
    let caller = problem_api_caller(&state, &headers, KeyRule::Optional, |s, t, d| {
        problem(s, t, d)
    })?;
    let record = state.subs.lock().records.get(&sub).cloned();
    let Some(record) = record else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "No user info for this sub. Use the sub from the payment details after the user approved a payment with scope.",
            ));
    };
    if record.msn != caller.msn() {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "This sub was not given to the merchant of the access token.",
        ));
    }
    if state.now() > record.consented_at_ms + WINDOW_MS {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "User info can only be fetched up to 168 hours after the user gave consent.",
        ));
    }
    let Some(user) = state.user(&record.phone) else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The user no longer exists.",
        ));
    };
    let scopes: Vec<String> = record.scopes.iter().cloned().collect();
    Ok(json_response(StatusCode::OK, &claims(&sub, &user, &scopes)))
}
