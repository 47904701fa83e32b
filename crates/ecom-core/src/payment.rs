//! Request builders for the eCom v2 payment endpoints (spec §3, §7, §8, §10), and the parsing
//! of what the user types into their forms: amounts in NOK, order ids, landing-page URLs.

use serde_json::Value;

use crate::request::{ApiRequest, Header, Method, SYSTEM_NAME, SYSTEM_VERSION};
use crate::settings::Credentials;
use crate::wire::{self, headers};

/// The headers every eCom call carries besides the bearer token (which
/// [`ApiRequest::authorized`] adds): the subscription key, the MSN and the system headers.
fn api_headers(c: &Credentials) -> Vec<Header> {
    vec![
        Header::secret(headers::SUBSCRIPTION_KEY, &c.subscription_key),
        Header::plain(headers::MERCHANT_SERIAL_NUMBER, &c.merchant_serial_number),
        Header::plain(headers::SYSTEM_NAME, SYSTEM_NAME),
        Header::plain(headers::SYSTEM_VERSION, SYSTEM_VERSION),
    ]
}

fn with_json(mut headers: Vec<Header>, body: &Value) -> (Vec<Header>, Option<String>) {
    headers.push(Header::plain("Content-Type", "application/json"));
    (
        headers,
        Some(serde_json::to_string_pretty(body).expect("JSON values serialise")),
    )
}

/// Parses an amount typed in NOK (`499`, `499.5`, `499,50`, `1 499`) into øre.
///
/// # Errors
/// A sentence saying what is wrong and what to type instead.
pub fn parse_nok(input: &str) -> Result<u64, String> {
    let cleaned: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace(',', ".");
    let fail = || {
        format!("the amount must be in NOK with at most two decimals, like 499 or 499.50; got \"{input}\"")
    };
    if cleaned.is_empty() {
        return Err("the amount is empty; type it in NOK, like 499".to_owned());
    }
    let (kroner, ore) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if kroner.is_empty() && ore.is_empty() || ore.len() > 2 {
        return Err(fail());
    }
    if !kroner
        .bytes()
        .chain(ore.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(fail());
    }
    let kroner: u64 = if kroner.is_empty() {
        0
    } else {
        kroner.parse().map_err(|_| fail())?
    };
    let ore: u64 = format!("{ore:0<2}").parse().map_err(|_| fail())?;
    kroner
        .checked_mul(100)
        .and_then(|k| k.checked_add(ore))
        .filter(|total| *total <= i32::MAX as u64)
        .ok_or_else(|| {
            format!(
                "the amount is too large; the API takes at most {} NOK",
                i32::MAX / 100
            )
        })
}

/// Formats øre as NOK for display, like `499.00 kr` (the playground's English pages).
pub fn format_nok(ore: u64) -> String {
    format_kroner(ore, '.')
}

/// Formats øre as NOK with the given decimal separator: `.` in the playground, `,` in the
/// sandbox's Norwegian app pages (`499,00 kr`).
pub fn format_kroner(ore: u64, decimal: char) -> String {
    format!("{}{decimal}{:02} kr", ore / 100, ore % 100)
}

/// The order id Postman's collection uses: the MSN followed by the time in milliseconds.
pub fn generate_order_id(msn: &str, epoch_millis: u64) -> String {
    format!("{msn}{epoch_millis}")
}

/// Checks an order id: 1–50 characters from `a-z A-Z 0-9 -`.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn validate_order_id(order_id: &str) -> Result<(), String> {
    if order_id.is_empty() || order_id.len() > 50 {
        return Err(format!(
            "orderId must be 1 to 50 characters; it has {}",
            order_id.len()
        ));
    }
    if let Some(bad) = order_id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "orderId may only contain letters a-z, digits and '-'; '{bad}' is not allowed"
        ));
    }
    Ok(())
}

/// The kind of payment to initiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    /// A regular eCom payment.
    Regular,
    /// Express checkout: the user picks address and shipping in the app.
    Express,
    /// A regular payment that also asks for profile data (`scope`).
    Profile,
}

pub use crate::wire::initiate::ShippingOption;

/// The most shipping options the app shows (spec §6.2); more would be silently dropped.
pub const MAX_SHIPPING_OPTIONS: usize = 10;

/// One row of the shipping-options editor, as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShippingDraft {
    /// `shippingMethod`: the name shown in the app.
    pub method: String,
    /// `shippingMethodId`: the merchant's id.
    pub method_id: String,
    /// The cost in NOK, typed like the amount (`30`, `49,90`).
    pub cost: String,
    /// `priority`, a whole number.
    pub priority: String,
    /// `isDefault`.
    pub is_default: bool,
}

impl From<&ShippingOption> for ShippingDraft {
    fn from(o: &ShippingOption) -> ShippingDraft {
        let cost = if o.cost.is_multiple_of(100) {
            (o.cost / 100).to_string()
        } else {
            format!("{}.{:02}", o.cost / 100, o.cost % 100)
        };
        ShippingDraft {
            method: o.method.clone(),
            method_id: o.method_id.clone(),
            cost,
            priority: o.priority.to_string(),
            is_default: o.is_default,
        }
    }
}

/// Checks the shipping editor's rows and turns them into options (spec §3.1.1
/// `staticShippingDetails`, §6.2): 1 to 10 options, each with a name (≤256 characters), an id
/// (≤100, unique), a cost in NOK (≥0, at most two decimals) and a whole-number priority, and
/// exactly one of them the default that the app preselects.
///
/// # Errors
/// The first problem, naming the option (1-based, as on screen) and saying how to fix it.
pub fn shipping_options(drafts: &[ShippingDraft]) -> Result<Vec<ShippingOption>, String> {
    if drafts.is_empty() {
        return Err(
            "express checkout needs at least one shipping option: add one with \"Add shipping option\""
                .to_owned(),
        );
    }
    if drafts.len() > MAX_SHIPPING_OPTIONS {
        return Err(format!(
            "there are {} shipping options; the app shows at most {MAX_SHIPPING_OPTIONS}, so remove {}",
            drafts.len(),
            drafts.len() - MAX_SHIPPING_OPTIONS
        ));
    }
    let mut options = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let n = i + 1;
        let method = d.method.trim();
        if method.is_empty() {
            return Err(format!(
                "shipping option {n} has no name: type the shippingMethod the user sees, like \"Posten Servicepakke\""
            ));
        }
        if method.chars().count() > 256 {
            return Err(format!(
                "the name of shipping option {n} is {} characters; shorten it to at most 256",
                method.chars().count()
            ));
        }
        let method_id = d.method_id.trim();
        if method_id.is_empty() {
            return Err(format!(
                "shipping option {n} has no shippingMethodId: type your id for it, like \"posten-servicepakke\""
            ));
        }
        if method_id.chars().count() > 100 {
            return Err(format!(
                "the shippingMethodId of shipping option {n} is {} characters; shorten it to at most 100",
                method_id.chars().count()
            ));
        }
        if let Some(first) = options
            .iter()
            .position(|o: &ShippingOption| o.method_id == method_id)
        {
            return Err(format!(
                "shipping options {} and {n} both have the shippingMethodId \"{method_id}\"; give each option its own id",
                first + 1
            ));
        }
        let cost =
            parse_nok(&d.cost).map_err(|e| format!("the cost of shipping option {n}: {e}"))?;
        let priority = d.priority.trim();
        let priority = priority.parse::<u32>().map_err(|_| {
            format!(
                "the priority of shipping option {n} must be a whole number like 1 (options are listed by ascending priority); got \"{priority}\""
            )
        })?;
        options.push(ShippingOption {
            is_default: d.is_default,
            priority: i64::from(priority),
            cost,
            method: method.to_owned(),
            method_id: method_id.to_owned(),
        });
    }
    let defaults: Vec<usize> = drafts
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_default)
        .map(|(i, _)| i + 1)
        .collect();
    match defaults.as_slice() {
        [_] => Ok(options),
        [] => Err(
            "no shipping option is the default: mark the one the app should preselect as default"
                .to_owned(),
        ),
        many => Err(format!(
            "shipping options {} are all marked default; the app preselects one, so mark only one",
            many.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub use crate::wire::SCOPES;

/// The fragment the playground opens at when Vipps sends the user back (`fallBack`): the
/// order follows `=`.
pub const BACK_ROUTE: &str = "#/back?orderId=";

/// A `fallBack` that returns to the playground at `page_url` (its fragment, if any, is
/// dropped) for `order_id`: after *Betal* the user lands back here, and the playground says
/// what happened.
pub fn back_fallback(page_url: &str, order_id: &str) -> String {
    let base = page_url.split('#').next().unwrap_or_default();
    format!("{base}{BACK_ROUTE}{order_id}")
}

/// The orderId of a [`back_fallback`] fragment (`#/back?orderId=…`), if `hash` is one.
pub fn back_order_id(hash: &str) -> Option<String> {
    let order_id = hash.strip_prefix(BACK_ROUTE)?;
    validate_order_id(order_id).ok()?;
    Some(order_id.to_owned())
}

/// What the initiate form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct InitiateForm {
    /// Payment kind.
    pub kind: PaymentKind,
    /// Amount in øre.
    pub amount: u64,
    /// The order id.
    pub order_id: String,
    /// Text shown in the app.
    pub transaction_text: String,
    /// Where Vipps sends callbacks (`/v2/payments/{orderId}` is appended).
    pub callback_prefix: String,
    /// Where the user returns after the app.
    pub fall_back: String,
    /// Send the user straight to the app (whitelisted merchants only).
    pub skip_landing_page: bool,
    /// Return a `vippsMT://` deeplink instead of the landing page URL.
    pub is_app: bool,
    /// Optional `authToken` sent back on callbacks.
    pub auth_token: String,
    /// Prefills the landing page; empty to omit.
    pub mobile_number: String,
    /// Profile payments: the scopes asked for.
    pub scopes: Vec<String>,
    /// Express: static shipping options.
    pub shipping: Vec<ShippingOption>,
}

impl InitiateForm {
    /// The values of the official Postman environment, for the given kind.
    pub fn postman_defaults(
        kind: PaymentKind,
        msn: &str,
        mobile_number: &str,
        epoch_millis: u64,
    ) -> InitiateForm {
        InitiateForm {
            kind,
            amount: 49_900,
            order_id: generate_order_id(msn, epoch_millis),
            transaction_text: "This payment was initiated.".into(),
            callback_prefix: "https://example.com/callbacks-for-payment-update-from-vipps".into(),
            fall_back: "https://example.com/fallback-result-page-for-both-success-and-failure"
                .into(),
            skip_landing_page: false,
            is_app: false,
            auth_token: String::new(),
            mobile_number: mobile_number.to_owned(),
            scopes: if kind == PaymentKind::Profile {
                ["address", "name", "email", "birthDate", "phoneNumber"]
                    .map(String::from)
                    .to_vec()
            } else {
                Vec::new()
            },
            shipping: if kind == PaymentKind::Express {
                ShippingOption::postman_defaults()
            } else {
                Vec::new()
            },
        }
    }

    /// The JSON body of the initiate call.
    pub fn body(&self, msn: &str) -> Value {
        use crate::wire::initiate::{CustomerInfo, InitiateRequest, MerchantInfo, Transaction};
        let express = self.kind == PaymentKind::Express;
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let body = InitiateRequest {
            customer_info: Some(CustomerInfo {
                mobile_number: text(&self.mobile_number),
            }),
            merchant_info: Some(MerchantInfo {
                auth_token: text(&self.auth_token),
                callback_prefix: Some(self.callback_prefix.clone()),
                consent_removal_prefix: express
                    .then(|| "https://example.com/consent-removal".to_owned()),
                fall_back: Some(self.fall_back.clone()),
                is_app: self.is_app.then_some(true),
                merchant_serial_number: Some(msn.to_owned()),
                payment_type: express.then(|| wire::EXPRESS_PAYMENT.to_owned()),
                shipping_details_prefix: None,
                static_shipping_details: express.then(|| self.shipping.clone()),
            }),
            transaction: Some(Transaction {
                amount: Some(i64::try_from(self.amount).unwrap_or(i64::MAX)),
                order_id: Some(self.order_id.clone()),
                scope: (self.kind == PaymentKind::Profile && !self.scopes.is_empty())
                    .then(|| self.scopes.join(" ")),
                skip_landing_page: Some(self.skip_landing_page),
                transaction_text: Some(self.transaction_text.clone()),
                ..Transaction::default()
            }),
        };
        serde_json::to_value(body).unwrap_or_default()
    }
}

/// `POST /ecomm/v2/payments` with a body (from [`InitiateForm::body`] or edited raw JSON).
pub fn initiate_request(c: &Credentials, body: &Value) -> ApiRequest {
    let (headers, body) = with_json(api_headers(c), body);
    ApiRequest {
        method: Method::Post,
        path: "/ecomm/v2/payments".into(),
        bearer: true,
        headers,
        body,
    }
}

fn order_path(order_id: &str, tail: &str) -> String {
    format!("/ecomm/v2/payments/{order_id}/{tail}")
}

/// `GET /ecomm/v2/payments/{orderId}/details`.
pub fn details_request(c: &Credentials, order_id: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: order_path(order_id, "details"),
        bearer: true,
        headers: api_headers(c),
        body: None,
    }
}

/// The body of capture and refund: `amount` omitted means "all that remains".
pub fn amount_body(msn: &str, amount: Option<u64>, transaction_text: &str) -> Value {
    operation_body(
        msn,
        amount.map(|a| i64::try_from(a).unwrap_or(i64::MAX)),
        transaction_text,
        None,
    )
}

/// An [`OperationRequest`](wire::details::OperationRequest) as the JSON the forms show.
fn operation_body(
    msn: &str,
    amount: Option<i64>,
    transaction_text: &str,
    release_remaining: Option<bool>,
) -> Value {
    use crate::wire::details::{MerchantRef, OperationRequest, OperationText};
    let body = OperationRequest {
        merchant_info: Some(MerchantRef {
            merchant_serial_number: Some(msn.to_owned()),
        }),
        should_release_remaining_funds: release_remaining,
        transaction: Some(OperationText {
            amount,
            transaction_text: Some(transaction_text.to_owned()),
        }),
    };
    serde_json::to_value(body).unwrap_or_default()
}

fn with_request_id(c: &Credentials, request_id: &str) -> Vec<Header> {
    let mut headers = api_headers(c);
    headers.push(Header::plain("X-Request-Id", request_id));
    headers
}

/// `POST …/capture` (full when `amount` is `None`), idempotent on `request_id`.
pub fn capture_request(
    c: &Credentials,
    order_id: &str,
    body: &Value,
    request_id: &str,
) -> ApiRequest {
    let (headers, body) = with_json(with_request_id(c, request_id), body);
    ApiRequest {
        method: Method::Post,
        path: order_path(order_id, "capture"),
        bearer: true,
        headers,
        body,
    }
}

/// `POST …/refund` (full when `amount` is `None`), idempotent on `request_id`.
pub fn refund_request(
    c: &Credentials,
    order_id: &str,
    body: &Value,
    request_id: &str,
) -> ApiRequest {
    let (headers, body) = with_json(with_request_id(c, request_id), body);
    ApiRequest {
        method: Method::Post,
        path: order_path(order_id, "refund"),
        bearer: true,
        headers,
        body,
    }
}

/// The body of cancel.
pub fn cancel_body(msn: &str, transaction_text: &str, release_remaining: bool) -> Value {
    operation_body(
        msn,
        None,
        transaction_text,
        release_remaining.then_some(true),
    )
}

/// `PUT …/cancel`.
pub fn cancel_request(c: &Credentials, order_id: &str, body: &Value) -> ApiRequest {
    let (headers, body) = with_json(api_headers(c), body);
    ApiRequest {
        method: Method::Put,
        path: order_path(order_id, "cancel"),
        bearer: true,
        headers,
        body,
    }
}

/// The body of force approve.
pub fn force_approve_body(phone: &str, payment_token: &str) -> Value {
    let body = wire::details::ApproveRequest {
        customer_phone_number: Some(phone.to_owned()),
        token: Some(payment_token.to_owned()),
    };
    serde_json::to_value(body).unwrap_or_default()
}

/// `POST /ecomm/v2/integration-test/payments/{orderId}/approve` (MT and sandbox only).
pub fn force_approve_request(
    c: &Credentials,
    order_id: &str,
    body: &Value,
    request_id: &str,
) -> ApiRequest {
    let (headers, body) = with_json(with_request_id(c, request_id), body);
    ApiRequest {
        method: Method::Post,
        path: format!("/ecomm/v2/integration-test/payments/{order_id}/approve"),
        bearer: true,
        headers,
        body,
    }
}

/// `GET /vipps-userinfo-api/userinfo/{sub}`: the same access token, no subscription key (as Postman).
pub fn userinfo_request(c: &Credentials, sub: &str) -> ApiRequest {
    let headers = api_headers(c)
        .into_iter()
        .filter(|h| h.name != "Ocp-Apim-Subscription-Key")
        .collect();
    ApiRequest {
        method: Method::Get,
        path: format!("/vipps-userinfo-api/userinfo/{sub}"),
        bearer: true,
        headers,
        body: None,
    }
}

/// What the QR API should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrFormat {
    /// A PNG image URL.
    Png,
    /// An SVG image URL.
    Svg,
    /// The URL to encode in your own QR code.
    TargetUrl,
}

impl QrFormat {
    /// The `Accept` header value.
    pub fn accept(self) -> &'static str {
        match self {
            QrFormat::Png => "image/png",
            QrFormat::Svg => "image/svg+xml",
            QrFormat::TargetUrl => "text/targetUrl",
        }
    }
}

/// `POST /qr/v1`: a one-time payment QR code for a landing-page URL.
pub fn qr_request(c: &Credentials, landing_url: &str, format: QrFormat) -> ApiRequest {
    let mut headers = api_headers(c);
    headers.push(Header::plain("Accept", format.accept()));
    let body = wire::qr::QrRequest {
        url: Some(landing_url.to_owned()),
    };
    let (headers, body) = with_json(headers, &serde_json::to_value(body).unwrap_or_default());
    ApiRequest {
        method: Method::Post,
        path: "/qr/v1".into(),
        bearer: true,
        headers,
        body,
    }
}

/// The payment token in a landing-page URL (`…/vippsgateway?v=2&token=<t>`) or an app deeplink
/// (`vippsMT://?token=<t>`). Robust to other parameters, their order, and percent-encoding of
/// the token.
pub fn landing_token(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == "token" && !value.is_empty()).then(|| percent_decode(value))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).expect("two hex digits fit a byte"));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn nok_to_ore() {
        let cases = [
            ("499", 49_900),
            ("499.5", 49_950),
            ("499,50", 49_950),
            ("1 499", 149_900),
            (".5", 50),
            ("0.01", 1),
        ];
        for (input, ore) in cases {
            assert_eq!(parse_nok(input), Ok(ore), "{input}");
        }
        for bad in ["", "4.999", "abc", "-5", "1e3", ".", "99999999999"] {
            assert!(parse_nok(bad).is_err(), "{bad}");
        }
        assert_eq!(format_nok(49_950), "499.50 kr");
    }

    fn drafts() -> Vec<ShippingDraft> {
        ShippingOption::postman_defaults()
            .iter()
            .map(ShippingDraft::from)
            .collect()
    }

    #[test]
    fn shipping_drafts_round_trip_the_postman_options() {
        let d = drafts();
        assert_eq!(d[0].cost, "30");
        assert_eq!(d[1].priority, "2");
        assert_eq!(
            shipping_options(&d).unwrap(),
            ShippingOption::postman_defaults()
        );
        let odd = ShippingOption {
            cost: 4_950,
            ..ShippingOption::postman_defaults()[0].clone()
        };
        assert_eq!(ShippingDraft::from(&odd).cost, "49.50");
    }

    #[test]
    fn shipping_costs_are_typed_like_amounts_and_sent_as_decimal_nok() {
        let mut d = drafts();
        d[1].cost = "49,90".into();
        d.push(ShippingDraft {
            method: " Pick-up in store ".into(),
            method_id: "pickup".into(),
            cost: "0".into(),
            priority: "3".into(),
            is_default: false,
        });
        let options = shipping_options(&d).unwrap();
        assert_eq!(options[1].cost, 4_990);
        assert_eq!(options[2].method, "Pick-up in store");
        let form = InitiateForm {
            shipping: options,
            ..InitiateForm::postman_defaults(PaymentKind::Express, "123456", "", 1)
        };
        let body = form.body("123456");
        let sent = &body["merchantInfo"]["staticShippingDetails"];
        assert_eq!(sent[1]["shippingCost"], 49.9);
        assert_eq!(sent[2]["shippingCost"], 0.0);
        assert!(sent[2]["shippingCost"].is_f64());
        assert_eq!(sent[2]["isDefault"], "N");
        assert_eq!(sent[2]["priority"], 3);
    }

    #[test]
    fn shipping_errors_name_the_option_and_the_fix() {
        type Edit = fn(&mut Vec<ShippingDraft>);
        let cases: [(Edit, &str); 10] = [
            (|d| d.clear(), "at least one shipping option"),
            (
                |d| d[1].method = "  ".into(),
                "shipping option 2 has no name",
            ),
            (
                |d| d[0].method_id = String::new(),
                "shipping option 1 has no shippingMethodId",
            ),
            (
                |d| d[1].method_id = "shippingMethodId1".into(),
                "options 1 and 2 both have the shippingMethodId \"shippingMethodId1\"",
            ),
            (
                |d| d[1].cost = "12.345".into(),
                "the cost of shipping option 2",
            ),
            (|d| d[1].cost = "-5".into(), "the cost of shipping option 2"),
            (
                |d| d[0].priority = "first".into(),
                "priority of shipping option 1 must be a whole number",
            ),
            (
                |d| d[0].is_default = false,
                "no shipping option is the default",
            ),
            (
                |d| d[1].is_default = true,
                "options 1, 2 are all marked default",
            ),
            (
                |d| {
                    let extra = d[0].clone();
                    d.extend((0..9).map(|i| ShippingDraft {
                        method_id: format!("m{i}"),
                        is_default: false,
                        ..extra.clone()
                    }));
                },
                "at most 10, so remove 1",
            ),
        ];
        for (edit, expected) in cases {
            let mut d = drafts();
            edit(&mut d);
            let err = shipping_options(&d).unwrap_err();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
        let long = ShippingDraft {
            method: "x".repeat(257),
            ..drafts()[0].clone()
        };
        assert!(shipping_options(&[long])
            .unwrap_err()
            .contains("at most 256"));
    }

    #[test]
    fn order_ids() {
        assert_eq!(
            generate_order_id("123456", 1_700_000_000_000),
            "1234561700000000000"
        );
        assert!(validate_order_id("acme-shop-123-order123abc").is_ok());
        assert!(validate_order_id(&"a".repeat(51))
            .unwrap_err()
            .contains("51"));
        assert!(validate_order_id("order_1").unwrap_err().contains("'_'"));
    }

    #[test]
    fn postman_bodies() {
        let regular = InitiateForm::postman_defaults(PaymentKind::Regular, "123456", "91234567", 1)
            .body("123456");
        assert_eq!(regular["transaction"]["amount"], 49_900);
        assert_eq!(regular["merchantInfo"]["merchantSerialNumber"], "123456");
        assert_eq!(regular["customerInfo"]["mobileNumber"], "91234567");
        assert!(regular["merchantInfo"].get("paymentType").is_none());
        assert!(regular["transaction"].get("scope").is_none());

        let express =
            InitiateForm::postman_defaults(PaymentKind::Express, "123456", "", 1).body("123456");
        assert_eq!(
            express["merchantInfo"]["paymentType"],
            "eComm Express Payment"
        );
        assert_eq!(
            express["merchantInfo"]["staticShippingDetails"][0]["isDefault"],
            "Y"
        );
        assert_eq!(
            express["merchantInfo"]["staticShippingDetails"][1]["shippingCost"],
            100.0
        );
        assert_eq!(express["customerInfo"], serde_json::json!({}));

        let profile =
            InitiateForm::postman_defaults(PaymentKind::Profile, "123456", "", 1).body("123456");
        assert_eq!(
            profile["transaction"]["scope"],
            "address name email birthDate phoneNumber"
        );
    }

    #[test]
    fn builders_use_the_documented_paths_and_headers() {
        let c = Credentials::demo();
        let capture = capture_request(&c, "o1", &amount_body("123456", Some(100), "t"), "key-1")
            .authorized("tok");
        assert_eq!(
            (capture.method, capture.path.as_str()),
            (Method::Post, "/ecomm/v2/payments/o1/capture")
        );
        assert_eq!(capture.header("authorization"), Some("Bearer tok"));
        assert_eq!(capture.header("x-request-id"), Some("key-1"));
        assert!(
            capture
                .headers
                .iter()
                .find(|h| h.name == "Authorization")
                .unwrap()
                .secret
        );

        let full = amount_body("123456", None, "all");
        assert!(full["transaction"].get("amount").is_none());

        let cancel =
            cancel_request(&c, "o1", &cancel_body("123456", "bye", true)).authorized("tok");
        assert_eq!(
            (cancel.method, cancel.path.as_str()),
            (Method::Put, "/ecomm/v2/payments/o1/cancel")
        );
        assert!(cancel.body.unwrap().contains("shouldReleaseRemainingFunds"));

        let approve = force_approve_request(&c, "o1", &force_approve_body("91234567", "t"), "o1")
            .authorized("tok");
        assert_eq!(
            approve.path,
            "/ecomm/v2/integration-test/payments/o1/approve"
        );

        let userinfo = userinfo_request(&c, "sub-1").authorized("tok");
        assert_eq!(userinfo.path, "/vipps-userinfo-api/userinfo/sub-1");
        assert_eq!(userinfo.header("Ocp-Apim-Subscription-Key"), None);

        let qr = qr_request(&c, "https://x/?v=2&token=a", QrFormat::Svg).authorized("tok");
        assert_eq!(qr.header("accept"), Some("image/svg+xml"));
        assert_eq!(
            details_request(&c, "o1").authorized("tok").method,
            Method::Get
        );
    }

    #[test]
    fn landing_tokens_from_every_url_form() {
        let cases = [
            ("https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=eyJa.b.c", Some("eyJa.b.c")),
            ("http://127.0.0.1:8080/sandbox/dwo-api-application/v1/deeplink/vippsgateway?token=eyJa.b.c&v=2", Some("eyJa.b.c")),
            ("vippsMT://?token=eyJa.b.c", Some("eyJa.b.c")),
            ("vipps://?token=abc%2Fd#frag", Some("abc/d")),
            ("https://x/?v=2", None),
            ("https://x/?v=2&token=", None),
            ("not a url", None),
        ];
        for (url, token) in cases {
            assert_eq!(landing_token(url).as_deref(), token, "{url}");
        }
    }

    #[test]
    fn the_back_fallback_round_trips_its_order() {
        let url = back_fallback("http://127.0.0.1:8080/?x=1#/regular", "1234561700000000000");
        assert_eq!(
            url,
            "http://127.0.0.1:8080/?x=1#/back?orderId=1234561700000000000"
        );
        assert!(crate::validate::is_web_url(&url));
        let hash = &url[url.find('#').unwrap()..];
        assert_eq!(back_order_id(hash).as_deref(), Some("1234561700000000000"));
        assert_eq!(back_order_id("#/back?orderId="), None);
        assert_eq!(back_order_id("#/back?orderId=a b"), None);
        assert_eq!(back_order_id("#/regular"), None);
    }
}
