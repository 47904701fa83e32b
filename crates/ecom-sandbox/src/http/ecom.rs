//! eCom v2 endpoints (spec §3, §8): initiate, details, status, capture, cancel, refund and
//! force approve, with request validation and the order of checks of spec §1.4.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ecom_core::wire::initiate::InitiateResponse;
use serde_json::Value;

use crate::domain::payment::{fault_error, Endpoint, Payer, Payment};
use crate::domain::store::{PaymentRef, Refused};
use crate::http::auth::{gateway, Caller, KeyRule};
use crate::http::bodies;
use crate::http::flow;

use crate::http::respond::json_response;
use crate::http::state::{AppState, RateKind, Shared};
use crate::wire::errors::ApiError;

type ApiResult = Result<Response, ApiError>;

/// Checks the media type and the optional `Vipps-System-*` headers.
fn check_headers(headers: &HeaderMap, has_body: bool) -> Result<(), ApiError> {
    if has_body {
        if let Some(ct) = headers.get("content-type") {
            let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
            if !ct.contains("json") {
                return Err(ApiError::apim(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported media type. Send the body as JSON with Content-Type: application/json.",
                ));
            }
        }
    }
    for name in [
        "vipps-system-name",
        "vipps-system-version",
        "vipps-system-plugin-name",
        "vipps-system-plugin-version",
    ] {
        if headers
            .get(name)
            .is_some_and(|v| v.to_str().map_or(true, |s| s.chars().count() > 30))
        {
            return Err(ApiError::invalid(
                name,
                format!("{name} must be at most 30 characters"),
            ));
        }
    }
    Ok(())
}

fn request_id(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("x-request-id") {
        None => Ok(None),
        Some(v) => {
            let s = v.to_str().map_err(|_| {
                ApiError::invalid("X-Request-Id", "X-Request-Id must be visible ASCII")
            })?;
            if s.is_empty() {
                return Ok(None);
            }
            if s.chars().count() > 40 {
                return Err(ApiError::invalid(
                    "X-Request-Id",
                    "X-Request-Id must be at most 40 characters",
                ));
            }
            Ok(Some(s.to_owned()))
        }
    }
}

/// Looks up the caller's payment and applies due timeouts.
fn payment(state: &Arc<Shared>, caller: &Caller, order_id: &str) -> Result<PaymentRef, ApiError> {
    let p = state
        .store
        .get(caller.msn(), order_id)
        .ok_or_else(|| ApiError::order_not_found(order_id, caller.msn()))?;
    flow::touch(state, &mut p.lock());
    Ok(p)
}

fn fault(state: &Shared, endpoint: &str, caller: &Caller, order_id: &str) -> Result<(), ApiError> {
    match state.take_fault(endpoint, caller.msn(), order_id) {
        Some(f) => Err(fault_error(&f.error_code, f.status)),
        None => Ok(()),
    }
}

/// A landing-page token: a base64url JWT without padding (no `=`, spec §3.1.3).
fn payment_token(state: &Shared, msn: &str, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"kid":"jwtkey","alg":"RS256"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"sub":"{}","msn":{},"iat":{}}}"#,
        state.unique_id(),
        Value::from(msn),
        now / 1000
    ));
    let signed = format!("{header}.{payload}");
    let sig = state.mac(&signed);
    format!("{signed}.{sig}")
}

/// `POST /ecomm/v2/payments` (spec §3.1).
pub(crate) async fn initiate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let caller = gateway(&state, &headers, KeyRule::Required)?;
    check_headers(&headers, true)?;
    let v = bodies::parse_body(&body, false)?;
    let order_id = v
        .get("transaction")
        .and_then(|t| t.get("orderId"))
        .and_then(Value::as_str)
        .unwrap_or("");
    initiate_inner(&state, &caller, &v, order_id)
}

fn initiate_inner(state: &Arc<Shared>, caller: &Caller, v: &Value, order_id: &str) -> ApiResult {
    // The limit is per orderId; a body without a usable one fails validation instead.
    if bodies::is_order_id(order_id) {
        state.rate_limit(RateKind::Initiate, caller.msn(), order_id)?;
    }
    let init = bodies::parse_initiate(state, caller, v)?;
    fault(state, "initiate", caller, &init.order_id)?;
    let now = state.now();
    let token = payment_token(state, caller.msn(), now);
    let url = if init.is_app {
        format!("vippsMT://?token={token}")
    } else {
        state.landing_url(&token)
    };
    let order_id = init.order_id.clone();
    let payment = Payment::new(
        init,
        &caller.merchant.name,
        caller.merchant.direct_capture,
        token,
        now,
    );
    let max_age = i64::try_from(state.config.max_payment_age.as_millis()).unwrap_or(i64::MAX);
    state
        .store
        .insert(payment, now, max_age)
        .map_err(|why| match why {
            Refused::DuplicateOrderId => ApiError::bad(
                "Merchant",
                "34",
                "Duplicate orderId. The orderId must be unique for each MSN. It has already been used for this MSN.",
            ),
            Refused::Full {
                used_bytes,
                max_bytes,
                payments,
                max_payments,
            } => ApiError::sandbox_full(used_bytes, max_bytes, payments, max_payments),
        })?;
    Ok(json_response(
        StatusCode::OK,
        &InitiateResponse { order_id, url },
    ))
}

/// `GET …/details` (spec §3.2, §5).
pub(crate) async fn details(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    read_inner(&state, &headers, &order_id, "details")
}

/// `GET …/status` (deprecated, spec §3.7).
pub(crate) async fn status(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    read_inner(&state, &headers, &order_id, "status")
}

fn read_inner(state: &Arc<Shared>, headers: &HeaderMap, order_id: &str, which: &str) -> ApiResult {
    let caller = gateway(state, headers, KeyRule::Required)?;
    check_headers(headers, false)?;
    state.rate_limit(RateKind::Details, caller.msn(), order_id)?;
    fault(state, which, &caller, order_id)?;
    let p = payment(state, &caller, order_id)?;
    let g = p.lock();
    Ok(if which == "details" {
        json_response(
            StatusCode::OK,
            &crate::wire::views::details(&g, state.now()),
        )
    } else {
        json_response(StatusCode::OK, &crate::wire::views::status(&g))
    })
}

fn missing_request_id() -> ApiError {
    ApiError::invalid(
        "X-Request-Id",
        "X-Request-Id is required for partial capture/refund",
    )
}

/// The steps every payment action shares: gateway, headers, rate limit, body, fault, lookup.
fn action_prelude(
    state: &Arc<Shared>,
    headers: &HeaderMap,
    body: &Bytes,
    order_id: &str,
    kind: RateKind,
    endpoint: &str,
) -> Result<(Caller, Value, PaymentRef), ApiError> {
    let caller = gateway(state, headers, KeyRule::Required)?;
    check_headers(headers, true)?;
    state.rate_limit(kind, caller.msn(), order_id)?;
    let v = bodies::parse_body(body, false)?;
    let p = payment(state, &caller, order_id)?;
    fault(state, endpoint, &caller, order_id)?;
    Ok((caller, v, p))
}

/// `POST …/capture` (spec §3.3).
pub(crate) async fn capture(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    money_action(&state, &headers, &body, &order_id, MoneyOp::Capture)
}

/// `PUT …/cancel` (spec §3.4).
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (caller, v, p) = action_prelude(
        &state,
        &headers,
        &body,
        &order_id,
        RateKind::Cancel,
        "cancel",
    )?;
    let a = bodies::parse_action(&state, &caller, &v, false)?;
    let now = state.now();
    let body = p.lock().cancel(now, &a.text, a.release)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST …/refund` (spec §3.5).
pub(crate) async fn refund(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    money_action(&state, &headers, &body, &order_id, MoneyOp::Refund)
}

/// The two actions that move money after reservation.
#[derive(Debug, Clone, Copy)]
enum MoneyOp {
    /// `POST …/capture`.
    Capture,
    /// `POST …/refund`.
    Refund,
}

/// Capture and refund share everything but the operation: both move money
/// with an optional partial amount, so both require `X-Request-Id` for a
/// partial amount and replay through the same idempotency store.
fn money_action(
    state: &Arc<Shared>,
    headers: &HeaderMap,
    body: &Bytes,
    order_id: &str,
    op: MoneyOp,
) -> ApiResult {
    let (kind, name, endpoint) = match op {
        MoneyOp::Capture => (RateKind::Capture, "capture", Endpoint::Capture),
        MoneyOp::Refund => (RateKind::Refund, "refund", Endpoint::Refund),
    };
    let (caller, v, p) = action_prelude(state, headers, body, order_id, kind, name)?;
    let a = bodies::parse_action(state, &caller, &v, true)?;
    let key = request_id(headers)?;
    let now = state.now();
    let mut g = p.lock();
    let remaining = match op {
        MoneyOp::Capture => g.remaining_to_capture(),
        MoneyOp::Refund => g.remaining_to_refund(),
    };
    if key.is_none() && a.amount.is_some_and(|x| x < remaining) {
        return Err(missing_request_id());
    }
    let fingerprint = format!("{:?}|{}", a.amount, a.text);
    let rid = key.clone().unwrap_or_default();
    let body = g.idempotent(endpoint, key.as_deref(), fingerprint, |p| match op {
        MoneyOp::Capture => p.capture(now, a.amount, &a.text, &rid),
        MoneyOp::Refund => p.refund(now, a.amount, &a.text, &rid),
    })?;
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /ecomm/v2/integration-test/payments/{orderId}/approve` (spec §8).
pub(crate) async fn force_approve(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    force_approve_inner(&state, &headers, &body, &order_id)
}

fn force_approve_inner(
    state: &Arc<Shared>,
    headers: &HeaderMap,
    body: &Bytes,
    order_id: &str,
) -> ApiResult {
    let caller = gateway(state, headers, KeyRule::Required)?;
    check_headers(headers, true)?;
    let v = bodies::parse_body(body, true)?;
    let key = request_id(headers)?;
    let (phone_in, token_in) = bodies::parse_approve(&v)?;
    let p = payment(state, &caller, order_id)?;
    fault(state, "approve", &caller, order_id)?;
    let now = state.now();
    let mut g = p.lock();
    let mut callback = None;
    let fingerprint = v.to_string();
    g.idempotent(Endpoint::Approve, key.as_deref(), fingerprint, |p| {
        if token_in.as_deref() != Some(p.token.as_str()) {
            return Err(ApiError::invalid(
                "token",
                "token does not match this payment: use the token from the url of the initiate response",
            ));
        }
        let phone = phone_in
            .clone()
            .or_else(|| p.init.mobile_number.clone())
            .ok_or_else(|| {
                ApiError::invalid(
                    "customerPhoneNumber",
                    "customerPhoneNumber is required when the payment has no customerInfo.mobileNumber",
                )
            })?;
        let user = state.user(&phone).ok_or_else(|| {
            ApiError::bad(
                "User",
                "81",
                "The phone number is either incorrectly formatted (see the API specification), is not a Vipps user, or the user cannot pay businesses. Vipps cannot give more details.",
            )
        })?;
        if p.init.express || p.init.skip_landing_page {
            return Err(ApiError::bad("VippsError", "91", "The transaction is not allowed."));
        }
        p.check_approvable()?;
        if !user.bank_id_verified {
            return Err(ApiError::bad("Payment", "1082", "1082"));
        }
        let sub = (!p.init.scopes.is_empty())
            .then(|| flow::consent_sub(state, p.msn(), &phone, &p.init.scopes, now));
        let user_id = sub
            .clone()
            .unwrap_or_else(|| flow::express_user_id(p.msn(), &phone));
        p.app.phone = Some(phone);
        p.app.consent = true;
        let delay = i64::try_from(state.config.sub_delay.as_millis()).unwrap_or(0);
        let payer = Payer {
            user,
            user_id,
            address: None,
            shipping: None,
        };
        callback = Some(p.approve(now, payer, sub, delay));
        Ok(Value::Null)
    })?;
    if let Some(cb) = callback {
        flow::send_callback(state, &g, cb);
    }
    Ok(StatusCode::OK.into_response())
}
