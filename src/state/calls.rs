//! A step's call: sent with a valid access token (fetched first when needed), recorded in the
//! history, the new token kept in the session. The transport itself is [`crate::api`]; this is
//! where it meets the app's state, so `api` depends on no state and the state on no `api`
//! orchestration.

use ecom_core::request::ApiRequest;
use ecom_core::settings::Settings;
use ecom_core::token::access_token_request;
use leptos::prelude::Set;

use crate::api::{fetch_token, send_with, ApiResponse};
use crate::error::AppError;
use crate::state::history::HistoryCtx;
use crate::state::session::SessionCtx;

/// Gets an access token as a step would: records the call in the history (unless nothing
/// was sent) and keeps a new token in the session. Returns the response and the token.
///
/// # Errors
/// As [`crate::api::fetch_token`].
pub async fn obtain_token(
    settings: &Settings,
    session: SessionCtx,
    history: HistoryCtx,
) -> Result<(ApiResponse, Option<String>), AppError> {
    let fetched = fetch_token(settings).await;
    if !matches!(fetched, Err(AppError::Invalid(_))) {
        let token_request = access_token_request(settings.active_credentials());
        history.record(
            &token_request,
            settings.environment,
            fetched.as_ref().map(|(r, _)| r),
        );
    }
    let (response, token) = fetched?;
    let value = token.as_ref().map(|t| t.token.clone());
    if token.is_some() {
        session.token.set(token);
    }
    Ok((response, value))
}

/// Sends `request` as a step does: with a valid access token (fetched first when missing or
/// expired), recorded in the history (unless nothing was sent). Returns the response and, when
/// a token was fetched first, a note saying so; when getting the token failed, its response
/// and a note saying that.
///
/// # Errors
/// As [`crate::api::send_with`].
pub async fn send_authorized(
    request: ApiRequest,
    settings: &Settings,
    session: SessionCtx,
    history: HistoryCtx,
) -> Result<(ApiResponse, Option<&'static str>), AppError> {
    let mut request = request;
    let mut note = None;
    if request.bearer {
        let token = match session.valid_token() {
            Some(token) => token,
            None => {
                let (response, token) = obtain_token(settings, session, history).await?;
                let Some(token) = token else {
                    return Ok((
                        response,
                        Some("Getting an access token failed; this is its response."),
                    ));
                };
                note = Some(
                    "A new access token was fetched first (the old one was missing or expired).",
                );
                token
            }
        };
        request = request.authorized(&token);
    }
    let result = send_with(&request, settings).await;
    // Calls refused before sending (a malformed field) were never made: not history.
    if !matches!(result, Err(AppError::Invalid(_))) {
        history.record(&request, settings.environment, result.as_ref());
    }
    Ok((result?, note))
}
