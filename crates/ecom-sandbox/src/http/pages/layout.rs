//! The frame every page shares: the document head with its nonce'd style (and script), the
//! page headers, the security headers, and the error pages.
//!
//! Every value goes through maud, which escapes it; only the constant style sheet and the
//! constant poll script are inserted raw.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::http::flow::FlowError;
use crate::http::state::Shared;

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

/// Øre as Norwegian kroner, e.g. `499,00 kr` (the core's formatter; amounts are never negative).
pub(super) fn kr(ore: i64) -> String {
    ecom_core::payment::format_kroner(u64::try_from(ore).unwrap_or(0), ',')
}

/// A whole page; `script` is constant JavaScript for the head, if any.
pub(super) fn page(
    status: StatusCode,
    lang: &str,
    title: &str,
    script: Option<&'static str>,
    header: &Markup,
    body: &Markup,
) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let html = html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                @if let Some(script) = script {
                    // Raw because script text is not HTML: a constant, never built from data.
                    script nonce=(nonce) { (PreEscaped(script)) }
                }
                title { (title) }
                // Raw because a style sheet is not HTML (escaping would break its quotes);
                // a constant.
                style nonce=(nonce) { (PreEscaped(CSS)) }
            }
            body {
                header { (header) }
                main { (body) }
            }
        }
    };
    let mut r = (status, Html(html.into_string())).into_response();
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

/// The landing page's header.
pub(super) fn landing_header() -> Markup {
    html! { strong { "Vipps" } " " span { "(local sandbox)" } }
}

/// The simulated app's header, with a link to its user list.
pub(super) fn app_header(state: &Shared) -> Markup {
    html! {
        strong { "Vipps app" } " " span { "(simulated)" } " · "
        a href={ (state.base()) "/vipps-app" } { "Brukere" }
    }
}

/// A page that only says what went wrong.
pub(super) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = html! {
        h1 { (title) }
        p role="alert" class="error" data-testid="error" { (message) }
    };
    page(status, "en", title, None, &landing_header(), &body)
}

/// The error page for a [`FlowError`].
pub(super) fn flow_page(e: &FlowError) -> Response {
    match e {
        FlowError::NotFound(m) => error_page(StatusCode::NOT_FOUND, "Payment not found", m),
        FlowError::BadInput(m) => error_page(StatusCode::BAD_REQUEST, "Invalid input", m),
        FlowError::Conflict(m) => error_page(StatusCode::CONFLICT, "Not possible now", m),
    }
}
