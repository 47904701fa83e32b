//! The user side of a payment: landing page, simulated app and their effects (callbacks,
//! userinfo consents, express shipping). Shared by the HTML pages and `/__sim`, so both
//! behave the same.

use ecom_core::wire::initiate::{ShippingDetailsRequest, ShippingDetailsResponse};
use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;

use crate::config::TestUser;
use crate::domain::clock::HOUR;
use crate::domain::payment::{
    failure_message, magic_failure, Callback, CancelCause, Payer, Payment, ShippingOption, State,
};
use crate::domain::store::PaymentRef;
use crate::http::outbound::{self, Outbound};
use crate::http::state::{Shared, SubRecord};

/// Why a user-side action could not be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlowError {
    /// Unknown token or user.
    NotFound(String),
    /// Bad input, e.g. a malformed phone number.
    BadInput(String),
    /// Not possible in the payment's current state.
    Conflict(String),
}

impl FlowError {
    pub(crate) fn message(&self) -> &str {
        match self {
            Self::NotFound(m) | Self::BadInput(m) | Self::Conflict(m) => m,
        }
    }
}

/// What an approval in the app led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Approval {
    Approved,
    Failed,
    /// Magic amount 201: the result stays unknown for an hour.
    Pending,
}

/// Finds a payment by landing-page token and applies due timeouts.
pub(crate) fn find(state: &Arc<Shared>, token: &str) -> Result<PaymentRef, FlowError> {
    let p = state
        .store
        .by_token(token)
        .ok_or_else(|| FlowError::NotFound("unknown or expired payment token".to_owned()))?;
    touch(state, &mut p.lock());
    Ok(p)
}

/// Applies due timeouts to `p` and sends the resulting callback.
pub(crate) fn touch(state: &Arc<Shared>, p: &mut Payment) {
    if let Some(cb) = p.tick(state.now()) {
        send_callback(state, p, cb);
    }
}

/// Records and (if allowed) sends a payment callback.
pub(crate) fn send_callback(state: &Arc<Shared>, p: &Payment, cb: Callback) {
    Outbound::dispatch(
        state,
        outbound::Request {
            kind: outbound::Kind::Callback,
            msn: p.msn().to_owned(),
            order_id: Some(p.order_id().to_owned()),
            user_id: None,
            method: "POST",
            url: cb.url,
            auth: cb.auth,
            body: Some(cb.body),
        },
    );
}

fn pending(p: &Payment) -> Result<(), FlowError> {
    if p.state == State::Initiate && p.pending_until_ms.is_none() {
        Ok(())
    } else {
        Err(FlowError::Conflict(format!(
            "the payment is no longer waiting for the user (state {})",
            p.state.name()
        )))
    }
}

/// The landing page was opened: the session starts.
pub(crate) fn open_landing(state: &Arc<Shared>, token: &str) -> Result<PaymentRef, FlowError> {
    let p = find(state, token)?;
    p.lock().start_session();
    Ok(p)
}

/// The 8-digit form of a known test user's phone number, written any way MT corrects
/// (`+47 912 34 567`, spec §3.1.1), or why it is not one.
pub(crate) fn check_phone(state: &Shared, phone: &str) -> Result<String, FlowError> {
    let Some(phone) = ecom_core::validate::normalize_mobile_number(phone) else {
        return Err(FlowError::BadInput(format!(
            "enter an 8-digit Norwegian mobile number (+47 and spaces are fine). {}",
            known_numbers(state)
        )));
    };
    if state.user(&phone).is_none() {
        return Err(FlowError::BadInput(format!(
            "{phone} is not a Vipps test user of this sandbox. {}",
            known_numbers(state)
        )));
    }
    Ok(phone)
}

/// What a test user is for, in a few words: shown on the landing page, in error messages and
/// in `/__sim/test-data`.
pub(crate) fn user_purpose(u: &TestUser) -> String {
    let name = format!("{} {}", u.first_name, u.last_name);
    let demo = u.phone == ecom_core::demo::MOBILE_NUMBER;
    match (demo, u.bank_id_verified) {
        (true, true) => format!("{name}, the demo user"),
        (_, true) => format!("{name}, verified test user"),
        (_, false) => format!(
            "{name}, not yet verified: force approve answers 1082 until this user approves one payment in the app"
        ),
    }
}

/// The test users, sorted by phone number.
pub(crate) fn test_users(state: &Shared) -> Vec<TestUser> {
    let mut all: Vec<TestUser> = state.users.read().values().cloned().collect();
    all.sort_by(|a, b| a.phone.cmp(&b.phone));
    all
}

/// "Test numbers: 12345678 (…), …", for messages about an unknown or malformed number.
fn known_numbers(state: &Shared) -> String {
    let list: Vec<String> = test_users(state)
        .iter()
        .map(|u| format!("{} ({})", u.phone, user_purpose(u)))
        .collect();
    format!("Test numbers in this sandbox: {}.", list.join("; "))
}

/// The phone number was submitted on the landing page: the push goes to that user.
pub(crate) fn submit_phone(
    state: &Arc<Shared>,
    token: &str,
    phone: &str,
) -> Result<PaymentRef, FlowError> {
    let phone = check_phone(state, phone)?;
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        g.app.phone = Some(phone);
        g.open_app(state.now());
    }
    Ok(p)
}

/// Cancel on the landing page.
pub(crate) fn landing_cancel(state: &Arc<Shared>, token: &str) -> Result<PaymentRef, FlowError> {
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        let cb = g.user_cancel(state.now(), CancelCause::Landing);
        send_callback(state, &g, cb);
    }
    Ok(p)
}

/// The app was opened on this payment (as `phone`, if known).
pub(crate) fn open_app(
    state: &Arc<Shared>,
    token: &str,
    phone: Option<&str>,
) -> Result<PaymentRef, FlowError> {
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        if g.state == State::Initiate {
            if let Some(phone) = phone {
                let phone = check_phone(state, phone)?;
                if g.app.phone.is_none() {
                    g.app.phone = Some(phone);
                }
            }
            g.open_app(state.now());
        }
    }
    Ok(p)
}

/// Avbryt in the app.
pub(crate) fn app_cancel(state: &Arc<Shared>, token: &str) -> Result<PaymentRef, FlowError> {
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        g.open_app(state.now());
        let cb = g.user_cancel(state.now(), CancelCause::App);
        send_callback(state, &g, cb);
    }
    Ok(p)
}

/// The reservation fails with `code`.
pub(crate) fn app_fail(
    state: &Arc<Shared>,
    token: &str,
    code: &str,
) -> Result<PaymentRef, FlowError> {
    if !matches!(code, "41" | "42" | "43" | "44" | "45" | "82") {
        return Err(FlowError::BadInput(format!(
            "code must be one of 41, 42, 43, 44, 45, 82; got {code:?}"
        )));
    }
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        g.open_app(state.now());
        let cb = g.fail(state.now(), code, failure_message(code));
        send_callback(state, &g, cb);
    }
    Ok(p)
}

/// Records consent in the app.
pub(crate) fn give_consent(state: &Arc<Shared>, token: &str) -> Result<PaymentRef, FlowError> {
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        g.app.consent = true;
    }
    Ok(p)
}

/// Picks the delivery address (express).
pub(crate) fn choose_address(
    state: &Arc<Shared>,
    token: &str,
    phone: &str,
    address_id: u32,
) -> Result<PaymentRef, FlowError> {
    let user = state
        .user(phone)
        .ok_or_else(|| FlowError::NotFound(format!("unknown test user {phone}")))?;
    if !user.addresses.iter().any(|a| a.id == address_id) {
        return Err(FlowError::BadInput(format!(
            "user {phone} has no address {address_id}"
        )));
    }
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        if g.app.address_id != Some(address_id) {
            // Dynamic shipping depends on the address: ask again.
            g.app.dynamic_shipping = None;
            g.app.shipping_method_id = None;
        }
        g.app.address_id = Some(address_id);
    }
    Ok(p)
}

/// Picks the shipping method (express).
pub(crate) fn choose_shipping(
    state: &Arc<Shared>,
    token: &str,
    method_id: &str,
) -> Result<PaymentRef, FlowError> {
    let p = find(state, token)?;
    {
        let mut g = p.lock();
        pending(&g)?;
        let known =
            shipping_options(&g).is_some_and(|o| o.iter().any(|m| m.method_id == method_id));
        if !known {
            return Err(FlowError::BadInput(format!(
                "unknown shipping method {method_id:?}"
            )));
        }
        g.app.shipping_method_id = Some(method_id.to_owned());
    }
    Ok(p)
}

/// The shipping methods on offer: static ones, or those fetched from the merchant.
pub(crate) fn shipping_options(p: &Payment) -> Option<Vec<ShippingOption>> {
    if let Some(s) = &p.init.static_shipping {
        return Some(crate::domain::payment::for_display(s));
    }
    match &p.app.dynamic_shipping {
        Some(Ok(o)) => Some(crate::domain::payment::for_display(o)),
        _ => None,
    }
}

/// Fetches dynamic shipping methods from the merchant if they are needed and not yet known.
pub(crate) async fn ensure_shipping(state: &Arc<Shared>, p: &PaymentRef, phone: &str) {
    let request = {
        let g = p.lock();
        if !g.init.express || g.init.static_shipping.is_some() || g.app.dynamic_shipping.is_some() {
            return;
        }
        let Some(prefix) = g.init.shipping_details_prefix.clone() else {
            return;
        };
        let Some(user) = state.user(phone) else {
            return;
        };
        let Some(address) = g
            .app
            .address_id
            .and_then(|id| user.addresses.iter().find(|a| a.id == id))
            .or_else(|| user.addresses.first())
            .cloned()
        else {
            return;
        };
        let address_type = match address.address_type.as_str() {
            "home" => "H",
            "work" => "W",
            _ => "O",
        };
        outbound::Request {
            kind: outbound::Kind::ShippingDetails,
            msn: g.msn().to_owned(),
            order_id: Some(g.order_id().to_owned()),
            user_id: None,
            method: "POST",
            url: format!("{prefix}/v2/payments/{}/shippingDetails", g.order_id()),
            auth: g.init.auth_token.clone(),
            body: serde_json::to_value(ShippingDetailsRequest {
                address_id: address.id,
                address_line1: address.line1.clone(),
                address_line2: (!address.line2.is_empty()).then(|| address.line2.clone()),
                address_type: address_type.to_owned(),
                city: address.city.clone(),
                country: "Norway".to_owned(),
                post_code: address.post_code.clone(),
                postal_code: address.post_code,
            })
            .ok(),
        }
    };
    let result = Outbound::call(state, request, Duration::from_secs(10))
        .await
        .and_then(|body| parse_shipping_answer(&body));
    let mut g = p.lock();
    if g.app.dynamic_shipping.is_none() {
        g.app.dynamic_shipping = Some(result);
    }
}

/// Parses the merchant's answer to a shipping-details request, saying which field is wrong.
pub(crate) fn parse_shipping_answer(body: &str) -> Result<Vec<ShippingOption>, String> {
    let mut reader = serde_json::Deserializer::from_str(body);
    let answer: ShippingDetailsResponse =
        serde_path_to_error::deserialize(&mut reader).map_err(|e| match e.inner().classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "the merchant's answer is not JSON".to_owned()
            }
            _ => format!(
                "the merchant's answer is not a shipping-details answer ({}: {})",
                e.path(),
                e.inner()
            ),
        })?;
    if answer.shipping_details.is_empty() {
        return Err("No shipping methods found".to_owned());
    }
    Ok(answer.shipping_details)
}

/// The express-checkout `userId`: stable per user and MSN, not the userinfo `sub`.
pub(crate) fn express_user_id(msn: &str, phone: &str) -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = DefaultHasher::new();
        (i, "express-user", msn, phone).hash(&mut h);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The userinfo `sub` of (MSN, user), created on first consent; records the scopes.
pub(crate) fn consent_sub(
    state: &Shared,
    msn: &str,
    phone: &str,
    scopes: &[String],
    now: i64,
) -> String {
    let mut subs = state.subs.lock();
    let sub = subs
        .by_user
        .entry((msn.to_owned(), phone.to_owned()))
        .or_insert_with(|| uuid::Uuid::new_v4().to_string())
        .clone();
    let rec = subs
        .records
        .entry(sub.clone())
        .or_insert_with(|| SubRecord {
            msn: msn.to_owned(),
            phone: phone.to_owned(),
            scopes: BTreeSet::new(),
            consented_at_ms: now,
        });
    rec.scopes.extend(scopes.iter().cloned());
    rec.consented_at_ms = now;
    sub
}

/// Input of an approval in the app.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApproveInput {
    pub(crate) phone: Option<String>,
    pub(crate) address_id: Option<u32>,
    pub(crate) shipping_method_id: Option<String>,
    /// `Some` gives or refuses consent now; `None` keeps what the user did before.
    pub(crate) consent: Option<bool>,
}

/// Betal in the app (also `/__sim/app/{token}/approve`).
pub(crate) async fn app_approve(
    state: &Arc<Shared>,
    token: &str,
    input: ApproveInput,
) -> Result<(PaymentRef, Approval), FlowError> {
    let p = find(state, token)?;
    let phone = {
        let mut g = p.lock();
        pending(&g)?;
        let phone = input
            .phone
            .clone()
            .or_else(|| g.app.phone.clone())
            .or_else(|| g.init.mobile_number.clone())
            .or_else(|| state.config.users.first().map(|u| u.phone.clone()))
            .ok_or_else(|| FlowError::BadInput("no test user configured".to_owned()))?;
        let phone = check_phone(state, &phone)?;
        g.app.phone = Some(phone.clone());
        g.open_app(state.now());
        if let Some(c) = input.consent {
            g.app.consent = c;
        }
        if let Some(a) = input.address_id {
            g.app.address_id = Some(a);
        }
        phone
    };
    let user = state
        .user(&phone)
        .ok_or_else(|| FlowError::NotFound(format!("unknown test user {phone}")))?;
    if p.lock().init.express {
        let address_id = p.lock().app.address_id;
        let address_id = address_id
            .or_else(|| user.addresses.first().map(|a| a.id))
            .ok_or_else(|| FlowError::Conflict(format!("test user {phone} has no address")))?;
        choose_address(state, token, &phone, address_id)?;
        ensure_shipping(state, &p, &phone).await;
    }
    let mut g = p.lock();
    touch(state, &mut g);
    pending(&g)?;
    let needs_consent = g.init.express || !g.init.scopes.is_empty();
    if needs_consent && !g.app.consent {
        return Err(FlowError::Conflict(
            "the user must give consent (Gi tilgang) before paying".to_owned(),
        ));
    }
    let (address, shipping) = if g.init.express {
        let address = g
            .app
            .address_id
            .and_then(|id| user.addresses.iter().find(|a| a.id == id).cloned());
        let options = shipping_options(&g).ok_or_else(|| {
            FlowError::Conflict(match &g.app.dynamic_shipping {
                Some(Err(why)) => format!("No shipping methods found ({why})"),
                _ => "No shipping methods found".to_owned(),
            })
        })?;
        let wanted = input
            .shipping_method_id
            .clone()
            .or_else(|| g.app.shipping_method_id.clone());
        let chosen = match wanted {
            Some(id) => options
                .iter()
                .find(|o| o.method_id == id)
                .cloned()
                .ok_or_else(|| FlowError::BadInput(format!("unknown shipping method {id:?}")))?,
            None => options
                .iter()
                .find(|o| o.is_default)
                .or_else(|| options.first())
                .cloned()
                .ok_or_else(|| FlowError::Conflict("No shipping methods found".to_owned()))?,
        };
        g.app.shipping_method_id = Some(chosen.method_id.clone());
        (address, Some(chosen))
    } else {
        (None, None)
    };
    let now = state.now();
    let msn = g.msn().to_owned();
    if let Some(fault) = state.take_fault("app", &msn, g.order_id()) {
        let cb = g.fail(now, &fault.error_code, failure_message(&fault.error_code));
        send_callback(state, &g, cb);
        return Ok((p.clone(), Approval::Failed));
    }
    if g.init.amount == 201 {
        g.hold_unknown(now);
        return Ok((p.clone(), Approval::Pending));
    }
    if let Some((code, message)) = magic_failure(g.init.amount) {
        let cb = g.fail(now, code, message);
        send_callback(state, &g, cb);
        return Ok((p.clone(), Approval::Failed));
    }
    let (user_id, sub) = if g.init.scopes.is_empty() {
        (express_user_id(&msn, &phone), None)
    } else {
        let sub = consent_sub(state, &msn, &phone, &g.init.scopes, now);
        (sub.clone(), Some(sub))
    };
    if g.init.express {
        if let Some(prefix) = &g.init.consent_removal_prefix {
            state
                .subs
                .lock()
                .express_consents
                .insert((msn, user_id.clone()), prefix.clone());
        }
    }
    let payer = Payer {
        user,
        user_id,
        address,
        shipping,
    };
    let delay = i64::try_from(state.config.sub_delay.as_millis()).unwrap_or(HOUR);
    let cb = g.approve(now, payer, sub, delay);
    send_callback(state, &g, cb);
    drop(g);
    // An approval in the app makes the user "BankID verified" for force approve.
    if let Some(u) = state.users.write().get_mut(&phone) {
        u.bank_id_verified = true;
    }
    Ok((p, Approval::Approved))
}

/// The user removes an express consent: the merchant gets a DELETE.
pub(crate) fn remove_consent(
    state: &Arc<Shared>,
    msn: &str,
    user_id: &str,
) -> Result<outbound::Record, FlowError> {
    let prefix = state
        .subs
        .lock()
        .express_consents
        .remove(&(msn.to_owned(), user_id.to_owned()))
        .ok_or_else(|| {
            FlowError::NotFound(format!(
                "no express consent of user {user_id} for MSN {msn}"
            ))
        })?;
    let encoded: String = url::form_urlencoded::byte_serialize(user_id.as_bytes()).collect();
    Outbound::dispatch(
        state,
        outbound::Request {
            kind: outbound::Kind::ConsentRemoval,
            msn: msn.to_owned(),
            order_id: None,
            user_id: Some(user_id.to_owned()),
            method: "DELETE",
            url: format!("{prefix}/v2/consents/{encoded}"),
            auth: None,
            body: None,
        },
    );
    state
        .outbound
        .list(None, Some(msn), Some("consentRemoval"))
        .into_iter()
        .rev()
        .find(|r| r.user_id.as_deref() == Some(user_id))
        .ok_or_else(|| FlowError::NotFound("the consent-removal record was evicted".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn express_user_id_is_stable_and_valid() {
        let a = express_user_id("123456", "91234567");
        assert_eq!(a, express_user_id("123456", "91234567"));
        assert_ne!(a, express_user_id("223344", "91234567"));
        assert!(a.len() <= 50);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/=+".contains(c)));
    }

    #[test]
    fn shipping_answers() {
        let ok = r#"{"addressId":1,"orderId":"o","shippingDetails":[
            {"isDefault":"N","priority":1,"shippingCost":99,"shippingMethod":"Walking","shippingMethodId":"a"},
            {"isDefault":"Y","priority":2,"shippingCost":199.5,"shippingMethod":"Running","shippingMethodId":"b"}]}"#;
        let o = parse_shipping_answer(ok).unwrap();
        assert_eq!(o.len(), 2);
        assert!(o[1].is_default);
        assert_eq!(o[1].cost, 19_950);
        for bad in [
            "",
            "{}",
            r#"{"shippingDetails":[]}"#,
            r#"{"shippingDetails":[{"isDefault":"Y"}]}"#,
        ] {
            assert!(parse_shipping_answer(bad).is_err(), "{bad}");
        }
    }
}
