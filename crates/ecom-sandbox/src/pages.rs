//! The landing page and the simulated Vipps app (spec §11) as small, accessible HTML pages.
//!
//! No cookies, no external assets, one small script (the wait page's poll): state travels in
//! the URL and in hidden form fields (the payment token), and every link is built from
//! `public_base_url`, so the pages work behind the playground's proxy, which drops cookies and
//! `Host`. Each page carries a Content Security Policy that lets only its own inline style and
//! script run, by a nonce made for that response (the pages are never cached).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;

use crate::config::TestUser;
use crate::flow::{self, Approval, ApproveInput, FlowError};
use crate::links;
use crate::payment::{CancelCause, Payment, State as PState};
use crate::state::{AppState, Shared};

const LANDING: &str = "/dwo-api-application/v1/deeplink/vippsgateway";

const CSS: &str = "
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f1ef;color:#1f1f1f;line-height:1.45}
header{background:#c2410c;color:#fff;padding:.75rem 1rem}
header a{color:#fff}
main{max-width:30rem;margin:1.5rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin-top:0}
.amount{font-size:1.25rem;font-weight:600}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.phone{display:flex;align-items:center;gap:.5rem}
input[type=tel],select{font-size:1.1rem;padding:.5rem;border:2px solid #6b6b6b;border-radius:6px;width:100%}
button,.button{display:inline-block;font-size:1rem;padding:.65rem 1.2rem;border-radius:999px;border:2px solid #c2410c;background:#c2410c;color:#fff;cursor:pointer;text-decoration:none;margin:.5rem .5rem 0 0}
button.secondary,.button.secondary{background:#fff;color:#9a3412}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.error{background:#fde8e8;border:1px solid #b91c1c;color:#7f1d1d;padding:.5rem .75rem;border-radius:6px}
.card{border:1px solid #d6d3d1;border-radius:8px;padding:.75rem;margin:.75rem 0}
.muted{color:#57534e}
fieldset{border:1px solid #d6d3d1;border-radius:8px;margin:.75rem 0}
fieldset label{font-weight:400;margin:.25rem 0}
ul.plain{list-style:none;padding:0}
ul.plain li{margin:.5rem 0}
label.inline{display:inline}
";

/// The pages' Content Security Policy, `{nonce}` standing for the response's nonce. Forms post
/// to this origin, which answers some of them by redirecting to the merchant's `fallBack`
/// (any http(s) URL), and `form-action` also governs those redirects. The server in front
/// (the playground's proxy) puts its own `frame-ancestors` in place of this one.
const POLICY: &str = "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
connect-src 'self'; img-src 'self' data:; form-action 'self' http: https:; base-uri 'none'; \
object-src 'none'; frame-ancestors 'self'";

/// HTML-escapes text for element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Øre as Norwegian kroner, e.g. `499,00 kr`.
fn kr(ore: i64) -> String {
    format!("{},{:02} kr", ore / 100, (ore % 100).abs())
}

/// A whole page; `script` is JavaScript for the head (empty for none).
fn page(
    status: StatusCode,
    lang: &str,
    title: &str,
    script: &str,
    header: &str,
    body: &str,
) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let script = if script.is_empty() {
        String::new()
    } else {
        format!("<script nonce=\"{nonce}\">{script}</script>")
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">{script}\
<title>{title}</title><style nonce=\"{nonce}\">{CSS}</style></head><body>\
<header>{header}</header><main>{body}</main></body></html>",
        title = esc(title),
    );
    let mut r = (status, Html(html)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(policy) = HeaderValue::from_str(&POLICY.replace("{nonce}", &nonce)) {
        r.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    // Not `no-referrer`: under it Chromium sends `Origin: null` with the pages' form posts,
    // which the playground's proxy refuses. Other origins (the fallBack) still get no referrer.
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

fn landing_header() -> &'static str {
    "<strong>Vipps</strong> <span>(local sandbox)</span>"
}

fn app_header(state: &Shared) -> String {
    format!(
        "<strong>Vipps app</strong> <span>(simulated)</span> · <a href=\"{}/vipps-app\">Brukere</a>",
        esc(state.base())
    )
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        "en",
        title,
        "",
        landing_header(),
        &format!(
            "<h1>{}</h1><p role=\"alert\" class=\"error\" data-testid=\"error\">{}</p>",
            esc(title),
            esc(message)
        ),
    )
}

fn flow_page(e: &FlowError) -> Response {
    match e {
        FlowError::NotFound(m) => error_page(StatusCode::NOT_FOUND, "Payment not found", m),
        FlowError::BadInput(m) => error_page(StatusCode::BAD_REQUEST, "Invalid input", m),
        FlowError::Conflict(m) => error_page(StatusCode::CONFLICT, "Not possible now", m),
    }
}

fn see_other(url: &str) -> Response {
    if !links::is_web_url(url) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Cannot continue",
            "The page to continue to is not a usable URL, so the sandbox does not redirect there.",
        );
    }
    // The parsed form is ASCII (punycode host, percent-encoded path), as a header must be.
    let location = url::Url::parse(url).map_or_else(|_| url.to_owned(), String::from);
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "Cannot continue",
            "The page to continue to is not a usable URL, so the sandbox does not redirect there.",
        ),
    }
}

fn outcome_text(p: &Payment) -> &'static str {
    match p.state {
        PState::Reserve | PState::Sale => "The payment is approved.",
        PState::Failed => "The payment failed.",
        PState::Cancel if p.cancel_cause == Some(CancelCause::Timeout) => "The payment timed out.",
        _ => "The payment was cancelled.",
    }
}

/// Sends the user back to the merchant: `303` to an http(s) `fallBack`, otherwise a page.
///
/// Only [`links::is_web_url`] becomes a redirect; a custom app scheme (`myapp://…`) is shown as
/// text, never as a link, because these pages run on the playground's origin.
fn back_to_merchant(p: &Payment) -> Response {
    let fb = &p.init.fallback;
    // With skipLandingPage Vipps does not redirect to fallBack (KB-landing-page).
    if !p.init.skip_landing_page && links::is_web_url(fb) {
        return see_other(fb);
    }
    let next = if p.init.skip_landing_page {
        "<p>You can close Vipps now.</p>".to_owned()
    } else if links::is_custom_app_url(fb) {
        format!(
            "<p data-testid=\"fallback-text\">Return to the merchant's app: <code>{}</code></p>",
            esc(fb)
        )
    } else {
        // INTENT means "just close Vipps"; anything else that is not a web URL (a script URL
        // stored before it was refused, a relative path) is neither linked nor repeated.
        "<p>Return to the merchant's app.</p>".to_owned()
    };
    let body = format!(
        "<h1>{}</h1><p data-testid=\"outcome\">{}</p>{next}",
        esc(outcome_text(p)),
        esc(outcome_text(p))
    );
    page(
        StatusCode::OK,
        "en",
        "Payment finished",
        "",
        landing_header(),
        &body,
    )
}

/// The test users sorted by phone number, each rendered as one list item by `item`.
fn user_list(state: &Shared, item: impl Fn(&TestUser) -> String) -> String {
    let users = state.users.read();
    let mut all: Vec<_> = users.values().collect();
    all.sort_by(|a, b| a.phone.cmp(&b.phone));
    all.into_iter().map(item).collect()
}

/// `GET /`: what this is, with links into the simulated app.
pub(crate) async fn home(State(state): State<AppState>) -> Response {
    let base = esc(state.base());
    let list = user_list(&state, |u| {
        format!(
            "<li><a href=\"{base}/vipps-app/user/{}\">{} {} ({})</a></li>",
            esc(&u.phone),
            esc(&u.first_name),
            esc(&u.last_name),
            esc(&u.phone)
        )
    });
    let body = format!(
        "<h1>Vipps eCom sandbox</h1>\
<p>A local simulator of the Vipps eCom API v2 test environment. Point the API base URL at \
<code>{base}</code>. Payments open the landing page; the simulated Vipps app below lets a \
test user approve or cancel them.</p>\
<h2>Simulated app: test users</h2><ul class=\"plain\">{list}</ul>\
<p class=\"muted\">Tests drive the sandbox through <code>{base}/__sim</code> (see SIM_API.md).</p>"
    );
    page(
        StatusCode::OK,
        "en",
        "Vipps eCom sandbox",
        "",
        landing_header(),
        &body,
    )
}

fn token_of(q: &HashMap<String, String>) -> Option<&str> {
    q.get("token").map(String::as_str).filter(|t| !t.is_empty())
}

fn landing_form(state: &Shared, p: &Payment, error: Option<&str>, phone: &str) -> String {
    let base = esc(state.base());
    let token = esc(&p.token);
    let err = error.map_or_else(String::new, |e| {
        format!(
            "<p role=\"alert\" class=\"error\" id=\"phone-error\" data-testid=\"phone-error\">{}</p>",
            esc(e)
        )
    });
    let described = if error.is_some() {
        " aria-describedby=\"phone-error test-numbers-title\" aria-invalid=\"true\""
    } else {
        " aria-describedby=\"test-numbers-title\""
    };
    format!(
        "<h1>Pay</h1><p class=\"amount\" data-testid=\"amount\">{amount} to {merchant}</p>\
<p class=\"muted\">{text}</p>{err}\
<form method=\"post\" action=\"{base}{LANDING}/phone\">\
<input type=\"hidden\" name=\"token\" value=\"{token}\">\
<label for=\"phone\">Mobile number</label>\
<div class=\"phone\"><span aria-hidden=\"true\">+47</span>\
<input type=\"tel\" id=\"phone\" name=\"phone\" inputmode=\"tel\" autocomplete=\"tel-national\" \
maxlength=\"20\" required value=\"{phone}\" data-testid=\"phone-input\"{described}></div>\
<button type=\"submit\" data-testid=\"next-button\">Next</button></form>{numbers}\
<form method=\"post\" action=\"{base}{LANDING}/cancel\">\
<input type=\"hidden\" name=\"token\" value=\"{token}\">\
<button type=\"submit\" class=\"secondary\" data-testid=\"cancel-button\">Cancel</button></form>",
        amount = esc(&kr(p.init.amount)),
        merchant = esc(&p.merchant_name),
        text = esc(&p.init.text),
        phone = esc(phone),
        numbers = test_numbers(state),
    )
}

/// The test numbers this sandbox knows and what each is for, under the phone form.
fn test_numbers(state: &Shared) -> String {
    let items: String = flow::test_users(state)
        .iter()
        .map(|u| {
            format!(
                "<li data-testid=\"test-number-{p}\"><code>{p}</code> \u{2014} {}</li>",
                esc(&flow::user_purpose(u)),
                p = esc(&u.phone)
            )
        })
        .collect();
    format!(
        "<div class=\"card\"><p id=\"test-numbers-title\" class=\"muted\">Test numbers in this sandbox \
(+47 and spaces are fine):</p><ul data-testid=\"test-numbers\">{items}</ul></div>"
    )
}

fn expired_page() -> Response {
    error_page(
        StatusCode::GONE,
        "This payment has expired",
        "The time to complete this payment is over. Go back to the shop and start again.",
    )
}

/// After the user phase: back to the merchant, or an error page for an expired link.
fn ended(p: &Payment) -> Response {
    if p.state == PState::Cancel && p.cancel_cause == Some(CancelCause::Timeout) {
        return expired_page();
    }
    back_to_merchant(p)
}

/// `GET …/vippsgateway?v=2&token=…`: the phone-number screen.
pub(crate) async fn landing(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = token_of(&q) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid payment link",
            "The link has no token. Use the url from the initiate response unchanged.",
        );
    };
    let p = match flow::open_landing(&state, token) {
        Ok(p) => p,
        Err(e) => return flow_page(&e),
    };
    let g = p.lock();
    if g.state != PState::Initiate {
        return ended(&g);
    }
    if g.app.phone.is_some() {
        return see_other(&wait_url(&state, &g.token));
    }
    let phone = g.init.mobile_number.clone().unwrap_or_default();
    let body = landing_form(&state, &g, None, &phone);
    page(
        StatusCode::OK,
        "en",
        "Pay with Vipps",
        "",
        landing_header(),
        &body,
    )
}

fn wait_url(state: &Shared, token: &str) -> String {
    format!("{}{LANDING}/wait?token={token}", state.base())
}

fn app_url(state: &Shared, token: &str, phone: Option<&str>) -> String {
    match phone {
        Some(ph) => format!(
            "{}/vipps-app/payment?token={token}&phone={ph}",
            state.base()
        ),
        None => format!("{}/vipps-app/payment?token={token}", state.base()),
    }
}

// A page response is built once per request; boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn form_or_error(
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<HashMap<String, String>, Response> {
    form.map(|Form(f)| f).map_err(|e| {
        error_page(
            StatusCode::BAD_REQUEST,
            "Invalid form",
            &format!("the form could not be read ({e}); submit it from the page"),
        )
    })
}

/// `POST …/vippsgateway/phone`: the user submitted a phone number.
pub(crate) async fn landing_phone(
    State(state): State<AppState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let f = match form_or_error(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(token) = token_of(&f) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid form",
            "the token is missing",
        );
    };
    let phone = f.get("phone").map_or("", String::as_str);
    match flow::submit_phone(&state, token, phone) {
        Ok(_) => see_other(&wait_url(&state, token)),
        Err(FlowError::BadInput(m)) => match flow::find(&state, token) {
            Ok(p) => {
                let body = landing_form(&state, &p.lock(), Some(&m), phone);
                page(
                    StatusCode::BAD_REQUEST,
                    "en",
                    "Pay with Vipps",
                    "",
                    landing_header(),
                    &body,
                )
            }
            Err(e) => flow_page(&e),
        },
        Err(FlowError::Conflict(_)) => see_other(&wait_url(&state, token)),
        Err(e) => flow_page(&e),
    }
}

/// `POST …/vippsgateway/cancel`: Cancel on the landing page.
pub(crate) async fn landing_cancel(
    State(state): State<AppState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let f = match form_or_error(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(token) = token_of(&f) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid form",
            "the token is missing",
        );
    };
    match flow::landing_cancel(&state, token) {
        Ok(p) => back_to_merchant(&p.lock()),
        Err(FlowError::Conflict(_)) => see_other(&wait_url(&state, token)),
        Err(e) => flow_page(&e),
    }
}

/// `GET …/vippsgateway/wait?token=…`: "Complete in Vipps", until the payment ends.
pub(crate) async fn landing_wait(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = token_of(&q) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid payment link",
            "the token is missing",
        );
    };
    let p = match flow::find(&state, token) {
        Ok(p) => p,
        Err(e) => return flow_page(&e),
    };
    let g = p.lock();
    if g.state != PState::Initiate {
        return ended(&g);
    }
    let base = esc(state.base());
    let tok = esc(&g.token);
    // A timed meta refresh is an accessibility failure; a small inline poll without reloading
    // the page is not. It follows the redirect once the payment has ended.
    let wait = wait_url(&state, &g.token);
    let poll = format!(
        "(function(){{var u={};setInterval(function(){{fetch(u,{{redirect:\"manual\",cache:\"no-store\"}})\
.then(function(r){{if(r.type===\"opaqueredirect\"||r.status!==200){{location.href=u;}}}});}},3000);}})();",
        serde_json::Value::from(wait.as_str())
    );
    let body = format!(
        "<h1>Complete in Vipps</h1><p class=\"amount\">{amount} to {merchant}</p>\
<p>You have received a notification on your phone. Open Vipps and follow the instructions.</p>\
<div class=\"card\"><p>There is no phone here: open the <strong>simulated Vipps app</strong> instead.</p>\
<a class=\"button\" data-testid=\"open-app-link\" href=\"{app}\">Open the simulated Vipps app</a></div>\
<p class=\"muted\">This page takes you back to the shop when the payment is done. \
<a data-testid=\"continue-link\" href=\"{wait}\">Check now</a></p>\
<form method=\"post\" action=\"{base}{LANDING}/cancel\"><input type=\"hidden\" name=\"token\" value=\"{tok}\">\
<button type=\"submit\" class=\"secondary\" data-testid=\"cancel-button\">Cancel</button></form>",
        amount = esc(&kr(g.init.amount)),
        merchant = esc(&g.merchant_name),
        app = esc(&app_url(&state, &g.token, g.app.phone.as_deref())),
        wait = esc(&wait),
    );
    page(
        StatusCode::OK,
        "en",
        "Complete in Vipps",
        &poll,
        landing_header(),
        &body,
    )
}

/// `GET /vipps-app`: pick a test user.
pub(crate) async fn app_home(State(state): State<AppState>) -> Response {
    let base = esc(state.base());
    let list = user_list(&state, |u| {
        format!(
            "<li><a class=\"button secondary\" data-testid=\"user-{p}\" href=\"{base}/vipps-app/user/{p}\">{} {} · {p}</a></li>",
            esc(&u.first_name),
            esc(&u.last_name),
            p = esc(&u.phone)
        )
    });
    let body = format!("<h1>Hvem er du?</h1><p>Choose the test user whose phone this is.</p><ul class=\"plain\">{list}</ul>");
    page(
        StatusCode::OK,
        "nb",
        "Vipps (simulated)",
        "",
        &app_header(&state),
        &body,
    )
}

/// `GET /vipps-app/user/{phone}`: pending payment requests and remembered companies.
pub(crate) async fn app_inbox(
    State(state): State<AppState>,
    Path(phone): Path<String>,
) -> Response {
    let phone = ecom_core::validate::normalize_mobile_number(&phone).unwrap_or(phone);
    let Some(user) = state.user(&phone) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "Unknown user",
            "no test user with that phone number",
        );
    };
    let mut items = String::new();
    for p in state.store.all().into_iter().rev() {
        let mut g = p.lock();
        flow::touch(&state, &mut g);
        let mine = g.app.phone.as_deref() == Some(phone.as_str());
        let open_deeplink = g.init.is_app && g.app.phone.is_none();
        if g.state != PState::Initiate || !(mine || open_deeplink) {
            continue;
        }
        let _ = write!(
            items,
            "<li class=\"card\"><strong>{}</strong> · {}<br><span class=\"muted\">{}</span><br>\
<a class=\"button\" data-testid=\"payment-link\" href=\"{}\">Åpne betaling</a></li>",
            esc(&g.merchant_name),
            esc(&kr(g.init.amount)),
            esc(&g.init.text),
            esc(&app_url(&state, &g.token, Some(&phone)))
        );
        if items.len() > 200_000 {
            break;
        }
    }
    if items.is_empty() {
        items = "<li class=\"muted\" data-testid=\"no-payments\">Ingen betalingsforespørsler. (No pending payments: submit this number on a landing page first.)</li>".to_owned();
    }
    let mut consents = String::new();
    let keys: Vec<(String, String)> = state.subs.lock().express_consents.keys().cloned().collect();
    for (msn, user_id) in keys {
        if flow::express_user_id(&msn, &phone) != user_id {
            continue;
        }
        let name = state
            .merchant_by_msn(&msn)
            .map_or_else(|| msn.clone(), |m| m.name.clone());
        let _ = write!(
            consents,
            "<li class=\"card\">{} (#{})<form method=\"post\" action=\"{}/vipps-app/consents/remove\">\
<input type=\"hidden\" name=\"msn\" value=\"{}\"><input type=\"hidden\" name=\"user_id\" value=\"{}\">\
<input type=\"hidden\" name=\"phone\" value=\"{}\">\
<button type=\"submit\" class=\"secondary\" data-testid=\"remove-consent-{}\">Fjern samtykke</button></form></li>",
            esc(&name),
            esc(&msn),
            esc(state.base()),
            esc(&msn),
            esc(&user_id),
            esc(&phone),
            esc(&msn)
        );
    }
    if consents.is_empty() {
        consents = "<li class=\"muted\">Ingen.</li>".to_owned();
    }
    let body = format!(
        "<h1>Hei, {}!</h1><h2>Betalinger</h2><ul class=\"plain\">{items}</ul>\
<h2>Bedrifter som husker deg</h2><ul class=\"plain\">{consents}</ul>",
        esc(&user.first_name)
    );
    page(
        StatusCode::OK,
        "nb",
        "Vipps (simulated)",
        "",
        &app_header(&state),
        &body,
    )
}

fn scope_label(s: &str) -> &'static str {
    match s {
        "name" => "Navn",
        "address" => "Adresse",
        "email" => "E-post",
        "phoneNumber" => "Telefonnummer",
        "birthDate" => "Fødselsdato",
        "nin" => "Fødselsnummer",
        _ => "Annet",
    }
}

fn action_form(
    state: &Shared,
    token: &str,
    action: &str,
    inner: &str,
    label: &str,
    testid: &str,
    secondary: bool,
) -> String {
    format!(
        "<form method=\"post\" action=\"{}/vipps-app/action\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
<input type=\"hidden\" name=\"action\" value=\"{}\">{inner}<button type=\"submit\"{} data-testid=\"{}\">{}</button></form>",
        esc(state.base()),
        esc(token),
        esc(action),
        if secondary { " class=\"secondary\"" } else { "" },
        esc(testid),
        esc(label)
    )
}

fn cancel_form(state: &Shared, token: &str) -> String {
    action_form(state, token, "cancel", "", "Avbryt", "cancel-button", true)
}

/// `GET /vipps-app/payment?token=…[&phone=…]`: the payment in the app, step by step.
pub(crate) async fn app_payment(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = token_of(&q).map(str::to_owned) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid link",
            "the token is missing",
        );
    };
    let phone = q.get("phone").filter(|p| !p.is_empty()).cloned();
    let p = match flow::open_app(&state, &token, phone.as_deref()) {
        Ok(p) => p,
        Err(e) => return flow_page(&e),
    };
    let (express, needs_shipping, user_phone) = {
        let g = p.lock();
        (
            g.init.express,
            g.init.static_shipping.is_none(),
            g.app.phone.clone(),
        )
    };
    if express && needs_shipping && p.lock().app.address_id.is_some() {
        if let Some(ph) = &user_phone {
            flow::ensure_shipping(&state, &p, ph).await;
        }
    }
    let g = p.lock();
    render_app(&state, &g, None)
}

#[allow(clippy::too_many_lines)]
fn render_app(state: &Arc<Shared>, g: &Payment, error: Option<&str>) -> Response {
    let header = app_header(state);
    let err = error.map_or_else(String::new, |e| {
        format!(
            "<p role=\"alert\" class=\"error\" data-testid=\"app-error\">{}</p>",
            esc(e)
        )
    });
    let token = &g.token;
    let lang = "nb";
    if g.state != PState::Initiate {
        let body = format!(
            "<h1>{}</h1><p data-testid=\"outcome\">{}</p>",
            esc(outcome_text(g)),
            esc(outcome_text(g))
        );
        return page(StatusCode::OK, lang, "Vipps", "", &header, &body);
    }
    if g.pending_until_ms.is_some() {
        let body = "<h1>Behandles…</h1><p data-testid=\"outcome\">The result is not known yet (test amount 2,01 kr). It will fail after one hour of simulated time.</p>";
        return page(StatusCode::OK, lang, "Vipps", "", &header, body);
    }
    let Some(phone) = g.app.phone.clone() else {
        let users = state.users.read();
        let mut opts = String::new();
        let mut all: Vec<_> = users.values().collect();
        all.sort_by(|a, b| a.phone.cmp(&b.phone));
        for u in all {
            let _ = write!(
                opts,
                "<option value=\"{p}\">{} {} · {p}</option>",
                esc(&u.first_name),
                esc(&u.last_name),
                p = esc(&u.phone)
            );
        }
        let body = format!(
            "<h1>Hvem er du?</h1>{err}<form method=\"get\" action=\"{}/vipps-app/payment\">\
<input type=\"hidden\" name=\"token\" value=\"{}\"><label for=\"phone\">Testbruker</label>\
<select id=\"phone\" name=\"phone\" data-testid=\"user-select\">{opts}</select>\
<button type=\"submit\" data-testid=\"login-button\">Fortsett</button></form>",
            esc(state.base()),
            esc(token)
        );
        return page(StatusCode::OK, lang, "Vipps", "", &header, &body);
    };
    let Some(user) = state.user(&phone) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "Unknown user",
            "no test user with that phone number",
        );
    };
    let needs_consent = g.init.express || !g.init.scopes.is_empty();
    if needs_consent && !g.app.consent {
        let items: Vec<&str> = if g.init.express {
            vec!["Adresse", "Navn", "E-post", "Telefonnummer"]
        } else {
            g.init.scopes.iter().map(|s| scope_label(s)).collect()
        };
        let list: String = items
            .iter()
            .map(|i| format!("<li>{}</li>", esc(i)))
            .collect();
        let body = format!(
            "<h1>Gi tilgang</h1>{err}<p><strong>{}</strong> ber om tilgang til:</p><ul data-testid=\"consent-list\">{list}</ul>{}{}",
            esc(&g.merchant_name),
            action_form(state, token, "consent", "", if g.init.express { "Gi tilgang" } else { "Jeg godtar" }, "consent-button", false),
            cancel_form(state, token)
        );
        return page(StatusCode::OK, lang, "Gi tilgang", "", &header, &body);
    }
    let mut summary_extra = String::new();
    let mut total = g.init.amount;
    if g.init.express {
        let Some(address_id) = g.app.address_id else {
            let mut radios = String::new();
            for (i, a) in user.addresses.iter().enumerate() {
                let kind = match a.address_type.as_str() {
                    "home" => "Hjem",
                    "work" => "Jobb",
                    _ => "Annen",
                };
                let _ = write!(
                    radios,
                    "<div><input type=\"radio\" id=\"address-{id}\" name=\"address_id\" value=\"{id}\" data-testid=\"address-{id}\"{}>\
<label for=\"address-{id}\" class=\"inline\">{kind}: {}, {} {}</label></div>",
                    if i == 0 { " checked" } else { "" },
                    esc(&a.line1),
                    esc(&a.post_code),
                    esc(&a.city),
                    id = a.id,
                );
            }
            let body = format!(
                "<h1>Hvor vil du ha pakken din levert?</h1>{err}{}{}",
                action_form(
                    state,
                    token,
                    "address",
                    &format!("<fieldset><legend>Adresse</legend>{radios}</fieldset>"),
                    "Neste",
                    "address-button",
                    false
                ),
                cancel_form(state, token)
            );
            return page(StatusCode::OK, lang, "Levering", "", &header, &body);
        };
        let address = user.addresses.iter().find(|a| a.id == address_id);
        let Some(options) = flow::shipping_options(g) else {
            let why = match &g.app.dynamic_shipping {
                Some(Err(e)) => format!(" ({e})"),
                _ => String::new(),
            };
            let body = format!(
                "<h1>Velg leveringsmåte</h1><p role=\"alert\" class=\"error\" data-testid=\"no-shipping\">No shipping methods found{}</p>{}",
                esc(&why),
                cancel_form(state, token)
            );
            return page(StatusCode::OK, lang, "Levering", "", &header, &body);
        };
        let Some(method_id) = g.app.shipping_method_id.clone() else {
            let mut radios = String::new();
            let default = options.iter().position(|o| o.is_default).unwrap_or(0);
            for (i, o) in options.iter().enumerate() {
                let _ = write!(
                    radios,
                    "<div><input type=\"radio\" id=\"ship-{i}\" name=\"method_id\" value=\"{}\" data-testid=\"shipping-{}\"{}>\
<label for=\"ship-{i}\" class=\"inline\">{} – {}</label></div>",
                    esc(&o.method_id),
                    esc(&o.method_id),
                    if i == default { " checked" } else { "" },
                    esc(&o.method),
                    esc(&kr(crate::payment::cost_ore(o))),
                );
            }
            let body = format!(
                "<h1>Velg leveringsmåte</h1>{err}<p class=\"muted\">Leveringskostnaden er basert på postnummeret ditt.</p>{}{}",
                action_form(state, token, "shipping", &format!("<fieldset><legend>Leveringsmåte</legend>{radios}</fieldset>"), "Neste", "shipping-button", false),
                cancel_form(state, token)
            );
            return page(StatusCode::OK, lang, "Levering", "", &header, &body);
        };
        if let Some(o) = options.iter().find(|o| o.method_id == method_id) {
            total += crate::payment::cost_ore(o);
            let _ = write!(
                summary_extra,
                "<p>Levering: {} ({})</p>",
                esc(&o.method),
                esc(&kr(crate::payment::cost_ore(o)))
            );
        }
        if let Some(a) = address {
            let _ = write!(
                summary_extra,
                "<p>Adresse: {}, {} {}</p>",
                esc(&a.line1),
                esc(&a.post_code),
                esc(&a.city)
            );
        }
    }
    let body = format!(
        "<h1>Betal til</h1>{err}<div class=\"card\"><p><strong>{merchant}</strong><br><span class=\"muted\">#{msn} · {merchant}</span></p>\
<p class=\"amount\" data-testid=\"app-amount\">{amount}</p><p>{text}</p><p class=\"muted\">Order ID: {order}</p>{summary_extra}\
<p>Kort: VISA 2412</p></div>{pay}{cancel}",
        merchant = esc(&g.merchant_name),
        msn = esc(g.msn()),
        amount = esc(&kr(total)),
        text = esc(&g.init.text),
        order = esc(g.order_id()),
        pay = action_form(state, token, "pay", "", "Betal", "pay-button", false),
        cancel = cancel_form(state, token),
    );
    page(StatusCode::OK, lang, "Betal til", "", &header, &body)
}

/// `POST /vipps-app/action`: consent, address, shipping, pay or cancel.
pub(crate) async fn app_action(
    State(state): State<AppState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let f = match form_or_error(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(token) = token_of(&f).map(str::to_owned) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid form",
            "the token is missing",
        );
    };
    let back = app_url(&state, &token, None);
    let action = f.get("action").map_or("", String::as_str);
    let result = match action {
        "consent" => flow::give_consent(&state, &token).map(|_| see_other(&back)),
        "address" => {
            let phone = flow::find(&state, &token)
                .ok()
                .and_then(|p| p.lock().app.phone.clone());
            let id = f.get("address_id").and_then(|a| a.parse::<u32>().ok());
            match (phone, id) {
                (Some(ph), Some(id)) => {
                    flow::choose_address(&state, &token, &ph, id).map(|_| see_other(&back))
                }
                _ => Err(FlowError::BadInput("choose an address".to_owned())),
            }
        }
        "shipping" => match f.get("method_id") {
            Some(m) => flow::choose_shipping(&state, &token, m).map(|_| see_other(&back)),
            None => Err(FlowError::BadInput("choose a shipping method".to_owned())),
        },
        "pay" => match flow::app_approve(&state, &token, ApproveInput::default()).await {
            Ok((p, Approval::Pending)) => {
                let g = p.lock();
                Ok(render_app(&state, &g, None))
            }
            Ok((p, _)) => Ok(back_to_merchant(&p.lock())),
            Err(e) => Err(e),
        },
        "cancel" => flow::app_cancel(&state, &token).map(|p| back_to_merchant(&p.lock())),
        _ => Err(FlowError::BadInput(
            "unknown action: use consent, address, shipping, pay or cancel".to_owned(),
        )),
    };
    match result {
        Ok(r) => r,
        Err(FlowError::NotFound(m)) => error_page(StatusCode::NOT_FOUND, "Payment not found", &m),
        Err(e) => match flow::find(&state, &token) {
            Ok(p) => {
                let g = p.lock();
                if g.state != PState::Initiate {
                    return back_to_merchant(&g);
                }
                let mut r = render_app(&state, &g, Some(e.message()));
                *r.status_mut() = match e {
                    FlowError::BadInput(_) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::CONFLICT,
                };
                r
            }
            Err(e2) => flow_page(&e2),
        },
    }
}

/// `POST /vipps-app/consents/remove`: "Fjern samtykke" for an express merchant.
pub(crate) async fn app_remove_consent(
    State(state): State<AppState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let f = match form_or_error(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (Some(msn), Some(user_id)) = (f.get("msn"), f.get("user_id")) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid form",
            "msn and user_id are required",
        );
    };
    match flow::remove_consent(&state, msn, user_id) {
        Ok(_) => {
            let back = f.get("phone").map_or_else(
                || format!("{}/vipps-app", state.base()),
                |p| format!("{}/vipps-app/user/{}", state.base(), p),
            );
            let body = format!(
                "<h1>Samtykke fjernet</h1><p data-testid=\"outcome\">The merchant has been told to delete your data.</p><p><a href=\"{}\">Tilbake</a></p>",
                esc(&back)
            );
            page(
                StatusCode::OK,
                "nb",
                "Samtykke fjernet",
                "",
                &app_header(&state),
                &body,
            )
        }
        Err(e) => flow_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_money() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(kr(49_900), "499,00 kr");
        assert_eq!(kr(151), "1,51 kr");
        assert_eq!(kr(5), "0,05 kr");
    }

    fn ended_with_fallback(fallback: &str) -> Payment {
        let init = crate::payment::Initiate {
            msn: "123456".into(),
            order_id: "order-1".into(),
            amount: 1000,
            text: "socks".into(),
            callback_prefix: "https://example.com/cb".into(),
            fallback: fallback.into(),
            auth_token: None,
            is_app: false,
            express: false,
            consent_removal_prefix: None,
            shipping_details_prefix: None,
            static_shipping: None,
            scopes: vec![],
            skip_landing_page: false,
            mobile_number: None,
        };
        let mut p = Payment::new(init, "Shop", false, "tok".into(), 0);
        let _ = p.user_cancel(1000, CancelCause::Landing);
        p
    }

    async fn html_of(r: Response) -> String {
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    // Initiate refuses these, but a payment stored before that check (or by another path) must
    // still never become a link or a redirect on the playground's origin.
    #[tokio::test]
    async fn stored_non_web_fallback_is_never_linked_or_redirected_to() {
        for fb in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "\u{1}java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "about:blank",
            "view-source:https://example.com",
            "intent://x#Intent;scheme=https;end",
            "ms-msdt:/id PCWDiagnostic",
            "search-ms:query=x",
            "filesystem:https://example.com/temporary/x",
        ] {
            let r = back_to_merchant(&ended_with_fallback(fb));
            assert_eq!(r.status(), StatusCode::OK, "{fb:?}");
            assert!(r.headers().get(header::LOCATION).is_none(), "{fb:?}");
            let html = html_of(r).await.to_ascii_lowercase();
            assert!(!html.contains("fallback-link"), "{fb:?}: {html}");
            let scheme = fb.trim().split(':').next().unwrap().to_ascii_lowercase();
            assert!(!html.contains(&format!("{scheme}:")), "{fb:?}: {html}");
            assert!(!html.contains("href="), "{fb:?}: {html}");
        }
        assert!(see_other("javascript:alert(1)")
            .headers()
            .get(header::LOCATION)
            .is_none());
        assert!(see_other("about:blank")
            .headers()
            .get(header::LOCATION)
            .is_none());
        // A custom app scheme is shown as text, never as a link or a redirect.
        let r = back_to_merchant(&ended_with_fallback("myapp://result?x=<b>"));
        assert!(r.headers().get(header::LOCATION).is_none());
        let html = html_of(r).await;
        assert!(!html.contains("href=\"myapp"), "{html}");
        assert!(
            html.contains("Return to the merchant's app: <code>myapp://result?x=&lt;b&gt;</code>"),
            "{html}"
        );
        // A web URL is a redirect.
        let r = back_to_merchant(&ended_with_fallback("https://example.com/fb"));
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "https://example.com/fb");
    }
}
