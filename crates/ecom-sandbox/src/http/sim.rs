//! The `/__sim` control surface (not Vipps; documented in `SIM_API.md`): internal state,
//! the outbound log, the simulated clock, driving the user side, consents, configuration and
//! fault injection.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use ecom_core::wire::sim::{self, Approval, Clock, ClockChange, Phone, SimError};
use ecom_core::wire::{EXPRESS_PAYMENT, REGULAR_PAYMENT};
use serde::Deserialize;

use crate::domain::clock::{iso, SECOND};
use crate::domain::payment::{CancelCause, Payment, State as PState};
use crate::http::flow::{self, ApproveInput, FlowError};
use crate::http::respond::json_response;
use crate::http::state::{AppState, Fault, Shared};

/// Routes under `/__sim`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/payments", get(list_payments))
        .route("/payments/{msn}/{order_id}", get(get_payment))
        .route("/callbacks", get(list_callbacks).delete(clear_callbacks))
        .route("/clock", get(get_clock).post(set_clock))
        .route("/landing/{token}/{action}", post(landing_action))
        .route("/app/{token}/{action}", post(app_action))
        .route("/consents/{msn}/{user_id}/remove", post(remove_consent))
        .route("/config", get(get_config).patch(patch_config))
        .route("/test-data", get(test_data))
        .route("/users/{phone}", patch(patch_user))
        .route(
            "/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
        .route("/reset", post(reset))
}

/// Applies due timeouts to every payment (after a clock change, and periodically).
pub(crate) fn sweep(state: &Arc<Shared>) {
    let now = state.now();
    state.store.sweep(now, |p| {
        if p.state == PState::Initiate && now >= p.deadline_ms() {
            flow::touch(state, p);
        }
    });
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(
        status,
        &SimError {
            error: message.into(),
        },
    )
}

fn flow_error(e: &FlowError) -> Response {
    let status = match e {
        FlowError::NotFound(_) => StatusCode::NOT_FOUND,
        FlowError::BadInput(_) => StatusCode::BAD_REQUEST,
        FlowError::Conflict(_) => StatusCode::CONFLICT,
    };
    error(status, e.message())
}

// An error response is built once per request; boxing it would buy nothing.
#[allow(clippy::result_large_err)]
/// Parses an optional JSON body into `T` (empty body = `T::default()`).
fn body<T: for<'de> Deserialize<'de> + Default>(b: &Bytes) -> Result<T, Response> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(b).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {e}; see SIM_API.md for the expected shape"),
        )
    })
}

fn cause_name(c: CancelCause) -> &'static str {
    match c {
        CancelCause::Merchant => "merchant",
        CancelCause::App => "app",
        CancelCause::Landing => "landing",
        CancelCause::Timeout => "timeout",
    }
}

/// The full internal view of one payment.
pub(crate) fn view(state: &Shared, p: &Payment) -> sim::Payment {
    let now = state.now();
    let shipping_error = match &p.app.dynamic_shipping {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    };
    sim::Payment {
        msn: p.msn().to_owned(),
        order_id: p.order_id().to_owned(),
        state: p.state.name().to_owned(),
        cancel_cause: p.cancel_cause.map(|c| cause_name(c).to_owned()),
        payment_type: if p.init.express {
            EXPRESS_PAYMENT
        } else {
            REGULAR_PAYMENT
        }
        .to_owned(),
        scope: p.init.scopes.clone(),
        direct_capture: p.direct_capture,
        is_app: p.init.is_app,
        skip_landing_page: p.init.skip_landing_page,
        amount: p.init.amount,
        reserved_amount: p.reserved_amount,
        captured_amount: p.captured,
        refunded_amount: p.refunded,
        remaining_amount_to_capture: p.remaining_to_capture(),
        remaining_amount_to_refund: p.remaining_to_refund(),
        released: p.released,
        transaction_text: p.init.text.clone(),
        mobile_number: p.init.mobile_number.clone(),
        token: p.token.clone(),
        landing_url: state.landing_url(&p.token),
        app_url: format!("{}/vipps-app/payment?token={}", state.base(), p.token),
        transaction_id: p.transaction_id.clone(),
        created_at: iso(p.created_ms),
        reserved_at: p.reserved_at_ms.map(iso),
        deadline: (p.state == PState::Initiate).then(|| iso(p.deadline_ms())),
        app: sim::AppProgress {
            phone: p.app.phone.clone(),
            consent: p.app.consent,
            address_id: p.app.address_id,
            shipping_method_id: p.app.shipping_method_id.clone(),
            shipping_options: flow::shipping_options(p),
            shipping_error,
        },
        payer_phone: p.payer.as_ref().map(|x| x.user.phone.clone()),
        user_id: p.payer.as_ref().map(|x| x.user_id.clone()),
        sub: p.sub.clone(),
        callbacks_sent: p.callbacks_sent,
        idempotency_keys: p.idempotency_keys(),
        details: crate::wire::views::details(p, now),
    }
}

async fn get_payment(
    State(state): State<AppState>,
    Path((msn, order_id)): Path<(String, String)>,
) -> Response {
    let Some(p) = state.store.get(&msn, &order_id) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no payment {order_id} for MSN {msn}"),
        );
    };
    let mut g = p.lock();
    flow::touch(&state, &mut g);
    json_response(StatusCode::OK, &view(&state, &g))
}

#[derive(Deserialize)]
struct ListQuery {
    msn: Option<String>,
    state: Option<String>,
    limit: Option<usize>,
}

async fn list_payments(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).min(1000);
    let mut out = Vec::new();
    for p in state.store.all().into_iter().rev() {
        if out.len() >= limit {
            break;
        }
        let mut g = p.lock();
        flow::touch(&state, &mut g);
        if q.msn.as_deref().is_some_and(|m| m != g.msn())
            || q.state.as_deref().is_some_and(|s| s != g.state.name())
        {
            continue;
        }
        out.push(sim::PaymentLine {
            msn: g.msn().to_owned(),
            order_id: g.order_id().to_owned(),
            state: g.state.name().to_owned(),
            amount: g.init.amount,
            created_at: iso(g.created_ms),
            token: g.token.clone(),
        });
    }
    json_response(StatusCode::OK, &sim::Payments { payments: out })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackQuery {
    order_id: Option<String>,
    msn: Option<String>,
    kind: Option<String>,
}

async fn list_callbacks(State(state): State<AppState>, Query(q): Query<CallbackQuery>) -> Response {
    let records = state
        .outbound
        .list(q.order_id.as_deref(), q.msn.as_deref(), q.kind.as_deref());
    json_response(
        StatusCode::OK,
        &ecom_core::wire::callbacks::Log { callbacks: records },
    )
}

async fn clear_callbacks(State(state): State<AppState>) -> Response {
    state.outbound.clear();
    StatusCode::NO_CONTENT.into_response()
}

fn clock_body(state: &Shared) -> Clock {
    let now = state.now();
    Clock {
        now: iso(now),
        now_millis: now,
        offset_seconds: state.clock.offset_ms() / SECOND,
    }
}

async fn get_clock(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, &clock_body(&state))
}

async fn set_clock(State(state): State<AppState>, b: Bytes) -> Response {
    let c: ClockChange = match body(&b) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match (c.advance_seconds, c.reset) {
        (Some(s), false) if (0..=10 * 365 * 86_400).contains(&s) => state.clock.advance(s * SECOND),
        (None, true) => state.clock.reset(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "send {\"advanceSeconds\": n} with 0 <= n <= 315360000, or {\"reset\": true}",
            )
        }
    }
    sweep(&state);
    json_response(StatusCode::OK, &clock_body(&state))
}

async fn landing_action(
    State(state): State<AppState>,
    Path((token, action)): Path<(String, String)>,
    b: Bytes,
) -> Response {
    let result = match action.as_str() {
        "open" => flow::open_landing(&state, &token),
        "phone" => {
            let pb: Phone = match body(&b) {
                Ok(x) => x,
                Err(r) => return r,
            };
            let Some(phone) = pb.phone else {
                return error(StatusCode::BAD_REQUEST, "send {\"phone\": \"91234567\"}");
            };
            flow::submit_phone(&state, &token, &phone)
        }
        "cancel" => flow::landing_cancel(&state, &token),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "unknown landing action: use open, phone or cancel",
            )
        }
    };
    match result {
        Ok(p) => json_response(StatusCode::OK, &view(&state, &p.lock())),
        Err(e) => flow_error(&e),
    }
}

#[derive(Deserialize)]
struct FailQuery {
    code: Option<String>,
}

async fn app_action(
    State(state): State<AppState>,
    Path((token, action)): Path<(String, String)>,
    Query(q): Query<FailQuery>,
    b: Bytes,
) -> Response {
    let result = match action.as_str() {
        "approve" => {
            let ab: Approval = match body(&b) {
                Ok(x) => x,
                Err(r) => return r,
            };
            let input = ApproveInput {
                phone: ab.phone,
                address_id: ab.address_id,
                shipping_method_id: ab.shipping_method_id,
                consent: Some(ab.consent.unwrap_or(true)),
            };
            flow::app_approve(&state, &token, input)
                .await
                .map(|(p, _)| p)
        }
        "cancel" => flow::app_cancel(&state, &token),
        "fail" => flow::app_fail(&state, &token, q.code.as_deref().unwrap_or("42")),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "unknown app action: use approve, cancel or fail",
            )
        }
    };
    match result {
        Ok(p) => json_response(StatusCode::OK, &view(&state, &p.lock())),
        Err(e) => flow_error(&e),
    }
}

async fn remove_consent(
    State(state): State<AppState>,
    Path((msn, user_id)): Path<(String, String)>,
) -> Response {
    match flow::remove_consent(&state, &msn, &user_id) {
        Ok(rec) => json_response(StatusCode::OK, &sim::ConsentRemoved { callback: rec }),
        Err(e) => flow_error(&e),
    }
}

/// A merchant as the control surface shows it; `with_purpose` for the test data.
fn merchant_body(m: &crate::config::MerchantConfig, with_purpose: bool) -> sim::Merchant {
    sim::Merchant {
        msn: m.msn.clone(),
        name: m.name.clone(),
        client_id: m.client_id.clone(),
        demo_keys: with_purpose.then(|| m.client_id == ecom_core::demo::CLIENT_ID),
        direct_capture: m.direct_capture,
        skip_landing_page: m.skip_landing_page,
        nin_allowed: m.nin_allowed,
        payments_allowed: m.payments_allowed,
        purpose: with_purpose.then(|| merchant_purpose(m)),
    }
}

/// A test user as the control surface shows them; `with_purpose` for the test data.
fn user_body(u: &crate::config::TestUser, with_purpose: bool) -> sim::User {
    sim::User {
        phone: u.phone.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        bank_id_verified: u.bank_id_verified,
        force_approve: with_purpose.then(|| {
            if u.bank_id_verified {
                "approves"
            } else {
                "1082"
            }
            .to_owned()
        }),
        addresses: with_purpose.then(|| {
            u.addresses
                .iter()
                .map(|a| sim::UserAddress {
                    id: a.id,
                    address_type: a.address_type.clone(),
                    line1: a.line1.clone(),
                    post_code: a.post_code.clone(),
                    city: a.city.clone(),
                })
                .collect()
        }),
        purpose: with_purpose.then(|| flow::user_purpose(u)),
    }
}

fn config_body(state: &Shared) -> sim::Config {
    let users = state.users.read();
    let mut users: Vec<sim::User> = users.values().map(|u| user_body(u, false)).collect();
    users.sort_by(|a, b| a.phone.cmp(&b.phone));
    sim::Config {
        public_base_url: state.base().to_owned(),
        rate_limits: state.rate_limits.load(Ordering::Relaxed),
        allow_loopback_callbacks: state.loopback_allowed(),
        merchants: state
            .merchants
            .iter()
            .map(|m| merchant_body(m, false))
            .collect(),
        users,
        payments: state.store.len(),
        max_payments: state.config.max_payments,
        payment_bytes: state.store.used_bytes(),
        max_payment_bytes: state.store.max_bytes(),
    }
}

/// What a merchant is for, in a few words.
fn merchant_purpose(m: &crate::config::MerchantConfig) -> String {
    if !m.payments_allowed {
        return "login only: initiate answers 403 Merchant 97".to_owned();
    }
    let mut parts = vec![if m.client_id == ecom_core::demo::CLIENT_ID {
        "the demo merchant (its keys are the playground's Local sandbox defaults)"
    } else {
        "a test merchant"
    }];
    parts.push(if m.direct_capture {
        "direct capture: approval goes straight to SALE"
    } else {
        "reserve, then capture"
    });
    if m.skip_landing_page {
        parts.push("may skip the landing page");
    }
    if m.nin_allowed {
        parts.push("may ask for the nin scope");
    }
    parts.join("; ")
}

/// `GET /__sim/test-data`: the test users and merchants with what each is for, for the
/// playground to show (no secrets).
async fn test_data(State(state): State<AppState>) -> Response {
    let body = sim::TestData {
        users: flow::test_users(&state)
            .iter()
            .map(|u| user_body(u, true))
            .collect(),
        merchants: state
            .merchants
            .iter()
            .map(|m| merchant_body(m, true))
            .collect(),
    };
    json_response(StatusCode::OK, &body)
}

async fn get_config(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, &config_body(&state))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigPatch {
    rate_limits: Option<bool>,
    /// Only recognised so that `patch_config` can refuse it with a clear message.
    allow_loopback_callbacks: Option<serde_json::Value>,
}

async fn patch_config(State(state): State<AppState>, b: Bytes) -> Response {
    let c: ConfigPatch = match body(&b) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // Loopback delivery decides whether the sandbox calls services on its own host, so only
    // whoever starts it may turn it on; anyone who can reach `/__sim` must not.
    if c.allow_loopback_callbacks.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "allowLoopbackCallbacks is start-up configuration and cannot be changed through /__sim; \
start the sandbox with --allow-loopback-callbacks (or allow_loopback_callbacks = true in its config file, \
or --sandbox-allow-loopback-callbacks on ecom-proxy)",
        );
    }
    if let Some(r) = c.rate_limits {
        state.rate_limits.store(r, Ordering::Relaxed);
    }
    json_response(StatusCode::OK, &config_body(&state))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserPatch {
    bank_id_verified: Option<bool>,
}

async fn patch_user(
    State(state): State<AppState>,
    Path(phone): Path<String>,
    b: Bytes,
) -> Response {
    let p: UserPatch = match body(&b) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let phone = ecom_core::validate::normalize_mobile_number(&phone).unwrap_or(phone);
    let mut users = state.users.write();
    let Some(u) = users.get_mut(&phone) else {
        return error(StatusCode::NOT_FOUND, format!("no test user {phone}"));
    };
    if let Some(v) = p.bank_id_verified {
        u.bank_id_verified = v;
    }
    json_response(StatusCode::OK, &user_body(u, false))
}

const FAULT_ENDPOINTS: [&str; 8] = [
    "initiate", "details", "status", "capture", "cancel", "refund", "approve", "app",
];

async fn get_faults(State(state): State<AppState>) -> Response {
    let faults = state.faults.lock().clone();
    json_response(StatusCode::OK, &sim::Faults { faults })
}

async fn add_fault(State(state): State<AppState>, b: Bytes) -> Response {
    let f: Fault = match serde_json::from_slice(&b) {
        Ok(f) => f,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "invalid fault: {e}; send {{\"endpoint\": \"capture\", \"errorCode\": \"63\"}}"
                ),
            )
        }
    };
    if !FAULT_ENDPOINTS.contains(&f.endpoint.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("endpoint must be one of {}", FAULT_ENDPOINTS.join(", ")),
        );
    }
    if f.error_code.is_empty()
        || f.remaining == 0
        || f.status.is_some_and(|s| !(400..=599).contains(&s))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "errorCode must be non-empty, remaining at least 1, status 400-599",
        );
    }
    let mut faults = state.faults.lock();
    if faults.len() >= 1000 {
        return error(
            StatusCode::BAD_REQUEST,
            "too many faults queued; DELETE /__sim/faults first",
        );
    }
    faults.push(f);
    let all = faults.clone();
    drop(faults);
    json_response(StatusCode::CREATED, &sim::Faults { faults: all })
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults.lock().clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(state): State<AppState>) -> Response {
    state.store.clear();
    state.outbound.clear();
    state.faults.lock().clear();
    state.rate.clear();
    *state.subs.lock() = crate::http::state::Subs::default();
    state.qr.lock().clear();
    state.clock.reset();
    StatusCode::NO_CONTENT.into_response()
}
