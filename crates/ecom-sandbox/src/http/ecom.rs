//! eCom v2 endpoints (spec §3, §8): initiate, details, status, capture, cancel, refund and
//! force approve, with request validation and the order of checks of spec §1.4.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ecom_core::validate::{normalize_mobile_number, MAX_URL_LEN};
use ecom_core::wire::initiate::{ore_of_nok, InitiateResponse};
use serde_json::{Map, Value};

use crate::domain::links;
use crate::domain::payment::{fault_error, Endpoint, Initiate, Payer, Payment, ShippingOption};
use crate::domain::store::PaymentRef;
use crate::http::auth::{gateway, invalid_msn, Caller, KeyRule};
use crate::http::flow;
use crate::http::outbound::is_loopback_url;
use crate::http::respond::json_response;
use crate::http::state::{AppState, RateKind, Shared};
use crate::wire::errors::ApiError;

use ecom_core::wire::{EXPRESS_PAYMENT as EXPRESS, REGULAR_PAYMENT as REGULAR, SCOPES};

type ApiResult = Result<Response, ApiError>;

fn internal(detail: &str) -> ApiError {
    ApiError::internal(detail)
}

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

/// Parses a JSON body; malformed JSON is a 500 `VippsError 99` as in MT (spec §3.1.5).
fn parse_body(body: &Bytes, empty_ok: bool) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if empty_ok {
            return Ok(Value::Object(Map::new()));
        }
        return Err(internal("the request body is empty; send a JSON object"));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| internal(&format!("malformed JSON: {e}")))?;
    if !v.is_object() {
        return Err(internal("the request body must be a JSON object"));
    }
    Ok(v)
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

fn check_order_id(order_id: &str) -> Result<(), ApiError> {
    // The app's rule (ecom_core), with MT's wording rather than the app's advice.
    if ecom_core::payment::validate_order_id(order_id).is_err() {
        return Err(ApiError::invalid(
            "transaction.orderId",
            "orderId must match ^[a-zA-Z0-9-]{1,50}$",
        ));
    }
    Ok(())
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

// ---------------------------------------------------------------------------------------
// Field access with the error rules of spec §3.1.5.

/// A typed view of one JSON object with its path prefix, for error codes.
struct Obj<'a> {
    path: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn of(root: &'a Value, key: &'static str) -> Result<Self, ApiError> {
        match root.get(key) {
            Some(Value::Object(map)) => Ok(Self { path: key, map }),
            None | Some(Value::Null) => Err(ApiError::invalid(key, format!("{key} is required"))),
            Some(_) => Err(ApiError::invalid(key, format!("{key} must be an object"))),
        }
    }

    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn opt_str(&self, key: &str, max: usize) -> Result<Option<&'a str>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                if s.chars().count() > max {
                    return Err(ApiError::invalid(
                        &self.field(key),
                        format!("{} must be at most {max} characters", self.field(key)),
                    ));
                }
                Ok(Some(s))
            }
            Some(_) => Err(ApiError::invalid(
                &self.field(key),
                format!("{} must be a string", self.field(key)),
            )),
        }
    }

    fn req_str(&self, key: &str, max: usize) -> Result<&'a str, ApiError> {
        match self.opt_str(key, max)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiError::invalid(
                &self.field(key),
                format!("{} is required and must not be empty", self.field(key)),
            )),
        }
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(
                &self.field(key),
                format!("{} must be true or false", self.field(key)),
            )),
        }
    }

    /// An optional amount in øre: a non-integer number is a 500 (spec §3.1.5).
    fn opt_amount(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(a) => Ok(Some(a)),
                None => Err(internal("amount must be an integer number of øre")),
            },
            Some(_) => Err(ApiError::invalid(
                &self.field(key),
                format!("{} must be an integer number of øre", self.field(key)),
            )),
        }
    }
}

/// Validates a callback-style URL: HTTPS (or http on loopback when allowed), ≤255.
///
/// The same allow-list as every link the sandbox renders ([`links::is_web_url`]), then the
/// merchant-URL rules: a public HTTPS host, or a loopback one when loopback callbacks are on.
fn check_url(state: &Shared, field: &str, url: &str) -> Result<(), ApiError> {
    let loopback = is_loopback_url(url);
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| !h.is_empty());
    let web = links::is_web_url(url) && host.is_some();
    let localhost_name = host
        .as_deref()
        .is_some_and(ecom_core::validate::is_localhost_subdomain);
    let ok = if !web || localhost_name {
        false
    } else if loopback {
        state.loopback_allowed()
    } else {
        is_https(url)
    };
    if ok {
        return Ok(());
    }
    let hint = if localhost_name {
        "names under .localhost are not accepted; use localhost or 127.0.0.1 (with --allow-loopback-callbacks)"
    } else if loopback {
        "localhost URLs are rejected unless the sandbox runs with --allow-loopback-callbacks"
    } else {
        "it must be a valid, public HTTPS URL"
    };
    Err(ApiError::invalid(
        field,
        format!("{field} is invalid: {hint}"),
    ))
}

fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

/// Validates `fallBack` (spec §3.1.1) against an allow-list, because the sandbox's pages link
/// and redirect to it on the playground's origin: an HTTPS URL (http on loopback; any web URL
/// with `isApp`, which MT does not validate), the literal `INTENT`, or a plain custom app scheme
/// (`myapp://…`), which the pages only ever show as text.
fn check_fallback(field: &str, url: &str, is_app: bool) -> Result<(), ApiError> {
    if url == "INTENT" || links::is_custom_app_url(url) {
        return Ok(());
    }
    // [SIM] http on loopback is accepted so a local playground can be the merchant.
    if links::is_web_url(url) && (is_https(url) || is_app || is_loopback_url(url)) {
        return Ok(());
    }
    let reason = match links::shown_scheme(url) {
        Some(s) if s.eq_ignore_ascii_case("http") => {
            "http is only accepted on localhost or 127.0.0.1".to_owned()
        }
        Some(s) if s.eq_ignore_ascii_case("https") => "the URL has no usable host".to_owned(),
        Some(s) => format!("{s}: URLs are not allowed"),
        None => "it is not an absolute URL".to_owned(),
    };
    Err(ApiError::invalid(
        field,
        format!("{field} is invalid: {reason}; use an HTTPS URL, a custom app scheme such as myapp://, or INTENT"),
    ))
}

/// [SIM] The most `staticShippingDetails` items initiate takes. Neither the spec nor the
/// OpenAPI file gives a limit; the app shows at most 10 (spec §3.1.1), and every item is kept
/// in memory for the payment's life, so a body full of them is refused instead.
pub(crate) const MAX_STATIC_SHIPPING: usize = 50;

fn parse_shipping(items: &Value) -> Result<Vec<ShippingOption>, ApiError> {
    const F: &str = "merchantInfo.staticShippingDetails";
    let bad = |m: &str| ApiError::invalid(F, format!("{F}: {m}"));
    let arr = items.as_array().ok_or_else(|| bad("must be an array"))?;
    if arr.is_empty() {
        return Err(bad("must contain at least one shipping method"));
    }
    if arr.len() > MAX_STATIC_SHIPPING {
        return Err(bad(&format!(
            "at most {MAX_STATIC_SHIPPING} shipping methods are accepted (the app shows 10), got {}",
            arr.len()
        )));
    }
    arr.iter()
        .map(|i| {
            let i = i
                .as_object()
                .ok_or_else(|| bad("each item must be an object"))?;
            let is_default = match i.get("isDefault").and_then(Value::as_str) {
                Some("Y") => true,
                Some("N") => false,
                _ => return Err(bad("isDefault is required and must be \"Y\" or \"N\"")),
            };
            let priority = match i.get("priority") {
                None | Some(Value::Null) => 0,
                Some(v) => v
                    .as_i64()
                    .ok_or_else(|| bad("priority must be an integer"))?,
            };
            let cost = match i.get("shippingCost") {
                None | Some(Value::Null) => 0,
                Some(v) => v
                    .as_f64()
                    .and_then(ore_of_nok)
                    .ok_or_else(|| bad("shippingCost must be a number of NOK, at least 0"))?,
            };
            let text = |k: &str, max: usize| -> Result<String, ApiError> {
                match i.get(k).and_then(Value::as_str) {
                    Some(s) if !s.is_empty() && s.chars().count() <= max => Ok(s.to_owned()),
                    _ => Err(bad(&format!("{k} is required, 1-{max} characters"))),
                }
            };
            Ok(ShippingOption {
                is_default,
                priority,
                cost,
                method: text("shippingMethod", 256)?,
                method_id: text("shippingMethodId", 100)?,
            })
        })
        .collect()
}

fn check_additional_data(v: &Value) -> Result<(), ApiError> {
    const F: &str = "transaction.additionalData";
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::invalid(F, format!("{F} must be an object")))?;
    let rules: [(&str, usize, usize, bool); 5] = [
        ("passengerName", 1, 49, true),
        ("airlineCode", 3, 3, true),
        ("airlineDesignatorCode", 2, 2, true),
        ("agencyInvoiceNumber", 1, 6, true),
        ("ticketNumber", 1, 150, false),
    ];
    for (k, min, max, required) in rules {
        match o.get(k) {
            None | Some(Value::Null) if !required => {}
            Some(Value::String(s)) if (min..=max).contains(&s.chars().count()) => {}
            _ => {
                let path = format!("{F}.{k}");
                return Err(ApiError::invalid(
                    &path,
                    format!("{path} is required, {min}-{max} characters"),
                ));
            }
        }
    }
    Ok(())
}

/// Validates an initiate body (spec §3.1) into an [`Initiate`].
fn parse_initiate(state: &Shared, caller: &Caller, v: &Value) -> Result<Initiate, ApiError> {
    let mi = Obj::of(v, "merchantInfo")?;
    match mi.get("merchantSerialNumber") {
        Some(Value::String(msn)) => {
            if !(5..=6).contains(&msn.len()) || !msn.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid(
                    "merchantInfo.merchantSerialNumber",
                    "merchantInfo.merchantSerialNumber must be a string of 5-6 digits",
                ));
            }
            if msn != caller.msn() {
                return Err(invalid_msn(state, msn, caller.msn()));
            }
        }
        // KB-errors: an MSN sent as a number gives 500.
        Some(Value::Number(_)) => return Err(internal("merchantSerialNumber must be a string")),
        _ => {
            return Err(ApiError::invalid(
                "merchantInfo.merchantSerialNumber",
                "merchantInfo.merchantSerialNumber is required",
            ))
        }
    }
    if mi.get("fallBack").is_none() && mi.get("fallback").is_some() {
        return Err(internal("the key is fallBack, with a capital B"));
    }
    let tr = Obj::of(v, "transaction")?;
    let ci = Obj::of(v, "customerInfo")?;

    // Types of the amount first: a non-integer is a 500 whatever else is wrong.
    let amount = tr
        .opt_amount("amount")?
        .ok_or_else(|| ApiError::invalid("transaction.amount", "transaction.amount is required"))?;
    if !(100..=2_147_483_647).contains(&amount) {
        return Err(ApiError::invalid(
            "transaction.amount",
            "transaction.amount must be between 100 (1 NOK) and 2147483647 øre",
        ));
    }
    let order_id = tr.req_str("orderId", 10_000)?;
    check_order_id(order_id)?;
    let text = tr.req_str("transactionText", 100)?;

    let is_app = mi.opt_bool("isApp")?.unwrap_or(false);
    let callback_prefix = mi.req_str("callbackPrefix", MAX_URL_LEN)?;
    check_url(state, "merchantInfo.callbackPrefix", callback_prefix)?;
    let fallback = match mi.opt_str("fallBack", MAX_URL_LEN)? {
        Some(f) if !f.is_empty() => f,
        _ => {
            return Err(ApiError::invalid(
                "merchantInfo.fallBack",
                "merchantInfo.fallBack.invalid: Fallback should not be null or empty",
            ))
        }
    };
    check_fallback("merchantInfo.fallBack", fallback, is_app)?;
    let auth_token = mi.opt_str("authToken", 255)?;
    let express = match mi.opt_str("paymentType", 100)? {
        None | Some(REGULAR) => false,
        Some(EXPRESS) => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "merchantInfo.paymentType",
                "merchantInfo.paymentType must be \"eComm Regular Payment\" or \"eComm Express Payment\"",
            ))
        }
    };
    let consent_removal_prefix = mi.opt_str("consentRemovalPrefix", MAX_URL_LEN)?;
    if let Some(u) = consent_removal_prefix {
        check_url(state, "merchantInfo.consentRemovalPrefix", u)?;
    }
    let shipping_details_prefix = mi.opt_str("shippingDetailsPrefix", MAX_URL_LEN)?;
    if let Some(u) = shipping_details_prefix {
        check_url(state, "merchantInfo.shippingDetailsPrefix", u)?;
    }
    let static_shipping = mi
        .get("staticShippingDetails")
        .map(parse_shipping)
        .transpose()?;

    // MT "attempts to correct incorrectly formatted phone numbers" (spec §3.1.1): +47, 0047,
    // spaces and dashes are corrected by the rule the browser app shares.
    let mobile_number = match ci.opt_str("mobileNumber", 100)? {
        None => None,
        Some(m) => Some(normalize_mobile_number(m).ok_or_else(|| {
            ApiError::invalid(
                "customerInfo.mobileNumber",
                "customerInfo.mobileNumber must be a Norwegian mobile number of 8 digits (+47, 0047 and spaces are corrected)",
            )
        })?),
    };
    let skip_landing_page = tr.opt_bool("skipLandingPage")?.unwrap_or(false);
    tr.opt_bool("useExplicitCheckoutFlow")?;
    let scope_text = tr.opt_str("scope", 1000)?.unwrap_or("");
    let scopes: Vec<String> = scope_text.split_whitespace().map(str::to_owned).collect();
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ApiError::invalid(
            "transaction.scope",
            format!(
                "transaction.scope contains {bad:?}; allowed values are {}",
                SCOPES.join(" ")
            ),
        ));
    }
    if let Some(ad) = tr.get("additionalData") {
        check_additional_data(ad)?;
    }
    if express {
        if consent_removal_prefix.is_none() {
            return Err(ApiError::invalid(
                "merchantInfo.consentRemovalPrefix",
                "merchantInfo.consentRemovalPrefix is required for eComm Express Payment",
            ));
        }
        if !scopes.is_empty() {
            return Err(ApiError::invalid(
                "transaction.scope",
                "transaction.scope is not allowed with eComm Express Payment",
            ));
        }
        if static_shipping.is_none() && shipping_details_prefix.is_none() {
            return Err(ApiError::invalid(
                "merchantInfo.shippingDetailsPrefix",
                "express checkout needs merchantInfo.staticShippingDetails or merchantInfo.shippingDetailsPrefix",
            ));
        }
    }
    if skip_landing_page && mobile_number.is_none() {
        return Err(ApiError::invalid(
            "customerInfo.mobileNumber",
            "customerInfo.mobileNumber is required when transaction.skipLandingPage is true",
        ));
    }
    // Business rules after the schema.
    let merchant = &caller.merchant;
    if !merchant.payments_allowed {
        return Err(ApiError::ecom(
            StatusCode::FORBIDDEN,
            "Merchant",
            "97",
            "The sales unit is not allowed to perform payments. See the FAQ.",
        ));
    }
    if scopes.iter().any(|s| s == "nin") && !merchant.nin_allowed {
        return Err(ApiError::ecom(
            StatusCode::FORBIDDEN,
            "Merchant",
            "51",
            "The Nin scope is not allowed.",
        ));
    }
    if skip_landing_page && !merchant.skip_landing_page {
        return Err(ApiError::bad(
            "Merchant",
            "38",
            "The sales unit is not allowed to skip the landing page. See the FAQ.",
        ));
    }
    if let Some(m) = &mobile_number {
        if state.user(m).is_none() {
            return Err(ApiError::bad(
                "User",
                "81",
                "The phone number is either incorrectly formatted (see the API specification), is not a Vipps user, or the user cannot pay businesses. Vipps cannot give more details.",
            ));
        }
    }
    Ok(Initiate {
        msn: caller.msn().to_owned(),
        order_id: order_id.to_owned(),
        amount,
        text: text.to_owned(),
        callback_prefix: callback_prefix.to_owned(),
        fallback: fallback.to_owned(),
        auth_token: auth_token.map(str::to_owned),
        is_app,
        express,
        consent_removal_prefix: consent_removal_prefix.map(str::to_owned),
        shipping_details_prefix: shipping_details_prefix.map(str::to_owned),
        static_shipping,
        scopes,
        skip_landing_page,
        mobile_number,
    })
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
    let v = parse_body(&body, false)?;
    let order_id = v
        .get("transaction")
        .and_then(|t| t.get("orderId"))
        .and_then(Value::as_str)
        .unwrap_or("");
    initiate_inner(&state, &caller, &v, order_id)
}

fn initiate_inner(state: &Arc<Shared>, caller: &Caller, v: &Value, order_id: &str) -> ApiResult {
    // The limit is per orderId; a body without a usable one fails validation instead.
    if check_order_id(order_id).is_ok() {
        state.rate_limit(RateKind::Initiate, caller.msn(), order_id)?;
    }
    let init = parse_initiate(state, caller, v)?;
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
    state.store.insert(payment, now, max_age).map_err(|_| {
        ApiError::bad(
            "Merchant",
            "34",
            "Duplicate orderId. The orderId must be unique for each MSN. It has already been used for this MSN.",
        )
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
    let body = if which == "details" {
        crate::wire::views::details(&g, state.now())
    } else {
        crate::wire::views::status(&g)
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// The common part of capture, cancel and refund bodies.
struct Action {
    amount: Option<i64>,
    text: String,
    release: bool,
}

fn parse_action(
    state: &Shared,
    caller: &Caller,
    v: &Value,
    with_amount: bool,
) -> Result<Action, ApiError> {
    let mi = Obj::of(v, "merchantInfo")?;
    // The OpenAPI file types it as a string; an explicit null is an invalid field, as on
    // initiate, not an omitted one.
    if mi
        .map
        .get("merchantSerialNumber")
        .is_some_and(Value::is_null)
    {
        return Err(ApiError::invalid(
            "merchantInfo.merchantSerialNumber",
            "merchantInfo.merchantSerialNumber must be a string of 5-6 digits, not null",
        ));
    }
    match mi.get("merchantSerialNumber") {
        Some(Value::String(msn)) if msn != caller.msn() => {
            return Err(invalid_msn(state, msn, caller.msn()))
        }
        Some(Value::String(_)) | None => {}
        Some(Value::Number(n)) => {
            if n.to_string() != caller.msn() {
                return Err(invalid_msn(state, &n.to_string(), caller.msn()));
            }
            return Err(internal("merchantSerialNumber must be a string"));
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "merchantInfo.merchantSerialNumber",
                "merchantInfo.merchantSerialNumber must be a string",
            ))
        }
    }
    let tr = Obj::of(v, "transaction")?;
    let text = tr.req_str("transactionText", 100)?.to_owned();
    let amount = if with_amount {
        match tr.get("amount") {
            None => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(a) if (0..=2_147_483_647).contains(&a) => Some(a).filter(|&a| a != 0),
                _ => {
                    return Err(ApiError::invalid(
                        "transaction.amount",
                        "transaction.amount must be a whole number of øre, 0 or more (0 or no amount means everything remaining)",
                    ))
                }
            },
            Some(_) => {
                return Err(ApiError::invalid(
                    "transaction.amount",
                    "transaction.amount must be an integer number of øre",
                ))
            }
        }
    } else {
        None
    };
    let release = match v.get("shouldReleaseRemainingFunds") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::invalid(
                "shouldReleaseRemainingFunds",
                "shouldReleaseRemainingFunds must be true or false",
            ))
        }
    };
    Ok(Action {
        amount,
        text,
        release,
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
    let v = parse_body(body, false)?;
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
    let a = parse_action(&state, &caller, &v, false)?;
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
    let a = parse_action(state, &caller, &v, true)?;
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
    let v = parse_body(body, true)?;
    let key = request_id(headers)?;
    let phone_in = match v.get("customerPhoneNumber") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if normalize_mobile_number(s).is_some() => normalize_mobile_number(s),
        Some(_) => {
            return Err(ApiError::invalid(
                "customerPhoneNumber",
                "customerPhoneNumber must be a Norwegian mobile number of 8 digits (^\\d{8}$; +47 and spaces are corrected)",
            ))
        }
    };
    let token_in = match v.get("token") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::invalid("token", "token must be a string")),
    };
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
