//! Request bodies: read into the boundary types of `ecom_core::wire` with the failing field's
//! path (MT's field-path error codes, spec §3.1.5), then checked into the domain's values in
//! the order MT checks them.
//!
//! Three layers, so that each rule is written once:
//! 1. [`parse_body`]: the bytes must be one JSON object (else `VippsError 99`, 500);
//! 2. the MT quirks that answer 500 whatever else is wrong (an MSN or an amount of the wrong
//!    JSON type, `fallback` spelt without the capital B), read from the JSON before typing;
//! 3. [`read`]: the typed read, where a wrong type names its field (`transaction.orderId must
//!    be a string`); then the rules no type can say (required, lengths, URLs, business rules).

use axum::body::Bytes;
use ecom_core::validate::{normalize_mobile_number, MAX_URL_LEN};
use ecom_core::wire::details::{ApproveRequest, OperationRequest};
use ecom_core::wire::initiate::{AdditionalData, InitiateRequest, ShippingOption};
use ecom_core::wire::{EXPRESS_PAYMENT as EXPRESS, REGULAR_PAYMENT as REGULAR, SCOPES};
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::domain::links::{check_fallback, check_url};
use crate::domain::payment::Initiate;
use crate::http::auth::{invalid_msn, Caller};
use crate::http::state::Shared;
use crate::wire::errors::ApiError;

/// [SIM] The most `staticShippingDetails` items initiate takes. Neither the spec nor the
/// OpenAPI file gives a limit; the app shows at most 10 (spec §3.1.1), and every item is kept
/// in memory for the payment's life, so a body full of them is refused instead.
pub(crate) const MAX_STATIC_SHIPPING: usize = 50;

/// The field under which every problem with the shipping methods is reported.
const SHIPPING: &str = "merchantInfo.staticShippingDetails";

/// Parses a JSON body; malformed JSON is a 500 `VippsError 99` as in MT (spec §3.1.5).
pub(crate) fn parse_body(body: &Bytes, empty_ok: bool) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if empty_ok {
            return Ok(Value::Object(Map::new()));
        }
        return Err(ApiError::internal(
            "the request body is empty; send a JSON object",
        ));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::internal(format!("malformed JSON: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::internal("the request body must be a JSON object"));
    }
    Ok(v)
}

/// Reads `v` into the boundary type `T`. A field of the wrong JSON type is an
/// `InvalidRequest` whose code is the field's path; `messages` overrides the wording for
/// particular paths.
fn read<T: DeserializeOwned>(v: &Value, messages: &[(&str, &str)]) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let problem = e.inner().to_string();
        // Every problem inside the shipping methods has the list's path as its code.
        if path.starts_with(SHIPPING) {
            let item = path.strip_prefix(SHIPPING).unwrap_or_default();
            return ApiError::invalid(SHIPPING, format!("{SHIPPING}{item}: {problem}"));
        }
        if let Some((_, message)) = messages.iter().find(|(p, _)| *p == path) {
            return ApiError::invalid(&path, format!("{path} {message}"));
        }
        let rule = match problem.rsplit_once("expected ").map(|(_, e)| e) {
            Some("a string") => "must be a string",
            Some("a boolean") => "must be true or false",
            Some("i64") => "must be an integer number of øre",
            Some("a sequence") => "must be an array",
            Some(e) if e.starts_with("struct ") || e == "a map" => "must be an object",
            _ => return ApiError::invalid(&path, format!("{path}: {problem}")),
        };
        ApiError::invalid(&path, format!("{path} {rule}"))
    })
}

/// A required part of the body (`merchantInfo`, `transaction`, …).
fn part<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T, ApiError> {
    value
        .as_ref()
        .ok_or_else(|| ApiError::invalid(name, format!("{name} is required")))
}

/// An optional text of at most `max` characters (an empty one is kept).
fn text<'a>(
    value: &'a Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    match value.as_deref() {
        Some(s) if s.chars().count() > max => Err(ApiError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        )),
        other => Ok(other),
    }
}

/// A required, non-empty text of at most `max` characters.
fn required<'a>(value: &'a Option<String>, field: &str, max: usize) -> Result<&'a str, ApiError> {
    match text(value, field, max)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::invalid(
            field,
            format!("{field} is required and must not be empty"),
        )),
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

/// True if `order_id` is a usable orderId (the initiate rate limit is per orderId).
pub(crate) fn is_order_id(order_id: &str) -> bool {
    check_order_id(order_id).is_ok()
}

/// The shipping methods' rules beyond their types: how many, and the lengths of their texts.
fn check_shipping(options: &[ShippingOption]) -> Result<(), ApiError> {
    let bad = |m: &str| ApiError::invalid(SHIPPING, format!("{SHIPPING}: {m}"));
    if options.is_empty() {
        return Err(bad("must contain at least one shipping method"));
    }
    if options.len() > MAX_STATIC_SHIPPING {
        return Err(bad(&format!(
            "at most {MAX_STATIC_SHIPPING} shipping methods are accepted (the app shows 10), got {}",
            options.len()
        )));
    }
    for o in options {
        for (k, value, max) in [
            ("shippingMethod", &o.method, 256),
            ("shippingMethodId", &o.method_id, 100),
        ] {
            if value.is_empty() || value.chars().count() > max {
                return Err(bad(&format!("{k} is required, 1-{max} characters")));
            }
        }
    }
    Ok(())
}

/// The airline data's lengths (spec §3.1.4).
fn check_additional_data(a: &AdditionalData) -> Result<(), ApiError> {
    const F: &str = "transaction.additionalData";
    let rules: [(&str, &Option<String>, usize, usize, bool); 5] = [
        ("passengerName", &a.passenger_name, 1, 49, true),
        ("airlineCode", &a.airline_code, 3, 3, true),
        (
            "airlineDesignatorCode",
            &a.airline_designator_code,
            2,
            2,
            true,
        ),
        ("agencyInvoiceNumber", &a.agency_invoice_number, 1, 6, true),
        ("ticketNumber", &a.ticket_number, 1, 150, false),
    ];
    for (k, value, min, max, needed) in rules {
        match value {
            None if !needed => {}
            Some(s) if (min..=max).contains(&s.chars().count()) => {}
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

/// MT's answers of 500 to initiate bodies it chokes on, before any other check.
fn initiate_quirks(v: &Value) -> Result<(), ApiError> {
    // KB-errors: an MSN sent as a number gives 500.
    if v.pointer("/merchantInfo/merchantSerialNumber")
        .is_some_and(Value::is_number)
    {
        return Err(ApiError::internal("merchantSerialNumber must be a string"));
    }
    let merchant = v.get("merchantInfo");
    let has = |key: &str| {
        merchant
            .and_then(|m| m.get(key))
            .is_some_and(|x| !x.is_null())
    };
    if !has("fallBack") && has("fallback") {
        return Err(ApiError::internal("the key is fallBack, with a capital B"));
    }
    // A non-integer amount is a 500 whatever else is wrong.
    if let Some(Value::Number(n)) = v.pointer("/transaction/amount") {
        if n.as_i64().is_none() {
            return Err(ApiError::internal(
                "amount must be an integer number of øre",
            ));
        }
    }
    Ok(())
}

/// Validates an initiate body (spec §3.1) into an [`Initiate`].
pub(crate) fn parse_initiate(
    state: &Shared,
    caller: &Caller,
    v: &Value,
) -> Result<Initiate, ApiError> {
    initiate_quirks(v)?;
    let body: InitiateRequest = read(v, &[])?;
    let mi = part(&body.merchant_info, "merchantInfo")?;
    let msn = mi.merchant_serial_number.as_deref().ok_or_else(|| {
        ApiError::invalid(
            "merchantInfo.merchantSerialNumber",
            "merchantInfo.merchantSerialNumber is required",
        )
    })?;
    if !(5..=6).contains(&msn.len()) || !msn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(
            "merchantInfo.merchantSerialNumber",
            "merchantInfo.merchantSerialNumber must be a string of 5-6 digits",
        ));
    }
    if msn != caller.msn() {
        return Err(invalid_msn(state, msn, caller.msn()));
    }
    let tr = part(&body.transaction, "transaction")?;
    let ci = part(&body.customer_info, "customerInfo")?;

    let amount = tr
        .amount
        .ok_or_else(|| ApiError::invalid("transaction.amount", "transaction.amount is required"))?;
    if !(100..=2_147_483_647).contains(&amount) {
        return Err(ApiError::invalid(
            "transaction.amount",
            "transaction.amount must be between 100 (1 NOK) and 2147483647 øre",
        ));
    }
    let order_id = required(&tr.order_id, "transaction.orderId", 10_000)?;
    check_order_id(order_id)?;
    let text_ = required(&tr.transaction_text, "transaction.transactionText", 100)?;

    let is_app = mi.is_app.unwrap_or(false);
    let loopback = state.loopback_allowed();
    let callback_prefix = required(
        &mi.callback_prefix,
        "merchantInfo.callbackPrefix",
        MAX_URL_LEN,
    )?;
    check_url("merchantInfo.callbackPrefix", callback_prefix, loopback)?;
    let fallback = match text(&mi.fall_back, "merchantInfo.fallBack", MAX_URL_LEN)? {
        Some(f) if !f.is_empty() => f,
        _ => {
            return Err(ApiError::invalid(
                "merchantInfo.fallBack",
                "merchantInfo.fallBack.invalid: Fallback should not be null or empty",
            ))
        }
    };
    check_fallback("merchantInfo.fallBack", fallback, is_app)?;
    let auth_token = text(&mi.auth_token, "merchantInfo.authToken", 255)?;
    let express = match text(&mi.payment_type, "merchantInfo.paymentType", 100)? {
        None | Some(REGULAR) => false,
        Some(EXPRESS) => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "merchantInfo.paymentType",
                "merchantInfo.paymentType must be \"eComm Regular Payment\" or \"eComm Express Payment\"",
            ))
        }
    };
    let consent_removal_prefix = text(
        &mi.consent_removal_prefix,
        "merchantInfo.consentRemovalPrefix",
        MAX_URL_LEN,
    )?;
    if let Some(u) = consent_removal_prefix {
        check_url("merchantInfo.consentRemovalPrefix", u, loopback)?;
    }
    let shipping_details_prefix = text(
        &mi.shipping_details_prefix,
        "merchantInfo.shippingDetailsPrefix",
        MAX_URL_LEN,
    )?;
    if let Some(u) = shipping_details_prefix {
        check_url("merchantInfo.shippingDetailsPrefix", u, loopback)?;
    }
    if let Some(options) = &mi.static_shipping_details {
        check_shipping(options)?;
    }

    // MT "attempts to correct incorrectly formatted phone numbers" (spec §3.1.1): +47, 0047,
    // spaces and dashes are corrected by the rule the browser app shares.
    let mobile_number = match text(&ci.mobile_number, "customerInfo.mobileNumber", 100)? {
        None => None,
        Some(m) => Some(normalize_mobile_number(m).ok_or_else(|| {
            ApiError::invalid(
                "customerInfo.mobileNumber",
                "customerInfo.mobileNumber must be a Norwegian mobile number of 8 digits (+47, 0047 and spaces are corrected)",
            )
        })?),
    };
    let skip_landing_page = tr.skip_landing_page.unwrap_or(false);
    let scope_text = text(&tr.scope, "transaction.scope", 1000)?.unwrap_or("");
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
    if let Some(ad) = &tr.additional_data {
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
        if mi.static_shipping_details.is_none() && shipping_details_prefix.is_none() {
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
        text: text_.to_owned(),
        callback_prefix: callback_prefix.to_owned(),
        fallback: fallback.to_owned(),
        auth_token: auth_token.map(str::to_owned),
        is_app,
        express,
        consent_removal_prefix: consent_removal_prefix.map(str::to_owned),
        shipping_details_prefix: shipping_details_prefix.map(str::to_owned),
        static_shipping: mi.static_shipping_details.clone(),
        scopes,
        skip_landing_page,
        mobile_number,
    })
}

/// The common part of capture, cancel and refund bodies.
pub(crate) struct Action {
    pub(crate) amount: Option<i64>,
    pub(crate) text: String,
    pub(crate) release: bool,
}

/// What an amount of capture or refund must be.
const ACTION_AMOUNT: &str =
    "must be a whole number of øre, 0 or more (0 or no amount means everything remaining)";

/// Validates a capture, cancel or refund body (spec §3.3–§3.5); `with_amount` for the two
/// that move money.
pub(crate) fn parse_action(
    state: &Shared,
    caller: &Caller,
    v: &Value,
    with_amount: bool,
) -> Result<Action, ApiError> {
    // The OpenAPI file types it as a string; an explicit null is an invalid field, as on
    // initiate, not an omitted one.
    match v.pointer("/merchantInfo/merchantSerialNumber") {
        Some(Value::Null) => {
            return Err(ApiError::invalid(
                "merchantInfo.merchantSerialNumber",
                "merchantInfo.merchantSerialNumber must be a string of 5-6 digits, not null",
            ))
        }
        // A number is a 500, after the MSN check a string would get.
        Some(Value::Number(n)) => {
            if n.to_string() != caller.msn() {
                return Err(invalid_msn(state, &n.to_string(), caller.msn()));
            }
            return Err(ApiError::internal("merchantSerialNumber must be a string"));
        }
        _ => {}
    }
    // Cancel has no amount: whatever is sent there is ignored, as on MT.
    let without_amount;
    let v = if with_amount || v.pointer("/transaction/amount").is_none() {
        v
    } else {
        let mut copy = v.clone();
        if let Some(t) = copy.get_mut("transaction").and_then(Value::as_object_mut) {
            t.remove("amount");
        }
        without_amount = copy;
        &without_amount
    };
    let body: OperationRequest = read(v, &[("transaction.amount", ACTION_AMOUNT)])?;
    let mi = part(&body.merchant_info, "merchantInfo")?;
    if let Some(msn) = &mi.merchant_serial_number {
        if msn != caller.msn() {
            return Err(invalid_msn(state, msn, caller.msn()));
        }
    }
    let tr = part(&body.transaction, "transaction")?;
    let text = required(&tr.transaction_text, "transaction.transactionText", 100)?.to_owned();
    let amount = match tr.amount {
        None => None,
        Some(a) if (0..=2_147_483_647).contains(&a) => Some(a).filter(|&a| a != 0),
        Some(_) => {
            return Err(ApiError::invalid(
                "transaction.amount",
                format!("transaction.amount {ACTION_AMOUNT}"),
            ))
        }
    };
    Ok(Action {
        amount,
        text,
        release: body.should_release_remaining_funds.unwrap_or(false),
    })
}

/// What force approve's phone number must be.
const APPROVE_PHONE: &str =
    "must be a Norwegian mobile number of 8 digits (^\\d{8}$; +47 and spaces are corrected)";

/// Validates a force-approve body (spec §8): the normalised phone number and the token, each
/// optional.
pub(crate) fn parse_approve(v: &Value) -> Result<(Option<String>, Option<String>), ApiError> {
    let body: ApproveRequest = read(v, &[("customerPhoneNumber", APPROVE_PHONE)])?;
    let phone = match body.customer_phone_number.as_deref() {
        None => None,
        Some(s) => Some(normalize_mobile_number(s).ok_or_else(|| {
            ApiError::invalid(
                "customerPhoneNumber",
                format!("customerPhoneNumber {APPROVE_PHONE}"),
            )
        })?),
    };
    Ok((phone, body.token))
}
