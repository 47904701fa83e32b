//! The landing page and the simulated Vipps app (spec §11) as small, accessible HTML pages.
//!
//! No cookies, no external assets, one small script (the wait page's poll): state travels in
//! the URL and in hidden form fields (the payment token), and every link is built from
//! `public_base_url`, so the pages work behind the playground's proxy, which drops cookies and
//! `Host`. Each page carries a Content Security Policy that lets only its own inline style and
//! script run, by a nonce made for that response (the pages are never cached). The HTML is
//! written with maud, which escapes every value by default.

mod app;
mod landing;
mod layout;

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};

use crate::config::TestUser;
use crate::domain::links;
use crate::domain::payment::{CancelCause, Payment, State as PState};
use crate::http::state::Shared;
use layout::{error_page, landing_header, page};

pub(crate) use app::{app_action, app_home, app_inbox, app_payment, app_remove_consent};
pub(crate) use landing::{home, landing, landing_cancel, landing_phone, landing_wait};

const LANDING: &str = "/dwo-api-application/v1/deeplink/vippsgateway";

const NOT_A_URL: &str =
    "The page to continue to is not a usable URL, so the sandbox does not redirect there.";

fn see_other(url: &str) -> Response {
    if !links::is_web_url(url) {
        return error_page(StatusCode::BAD_REQUEST, "Cannot continue", NOT_A_URL);
    }
    // The parsed form is ASCII (punycode host, percent-encoded path), as a header must be.
    let location = url::Url::parse(url).map_or_else(|_| url.to_owned(), String::from);
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => error_page(StatusCode::BAD_REQUEST, "Cannot continue", NOT_A_URL),
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
    let body = html! {
        h1 { (outcome_text(p)) }
        p data-testid="outcome" { (outcome_text(p)) }
        @if p.init.skip_landing_page {
            p { "You can close Vipps now." }
        } @else if links::is_custom_app_url(fb) {
            p data-testid="fallback-text" { "Return to the merchant's app: " code { (fb) } }
        } @else {
            // INTENT means "just close Vipps"; anything else that is not a web URL (a script
            // URL stored before it was refused, a relative path) is neither linked nor repeated.
            p { "Return to the merchant's app." }
        }
    };
    page(
        StatusCode::OK,
        "en",
        "Payment finished",
        None,
        &landing_header(),
        &body,
    )
}

/// The test users sorted by phone number, each rendered as one list item by `item`.
fn user_list(state: &Shared, item: impl Fn(&TestUser) -> Markup) -> Markup {
    let users = state.users.read();
    let mut all: Vec<_> = users.values().collect();
    all.sort_by(|a, b| a.phone.cmp(&b.phone));
    html! { @for u in all { (item(u)) } }
}

fn token_of(q: &HashMap<String, String>) -> Option<&str> {
    q.get("token").map(String::as_str).filter(|t| !t.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use layout::kr;

    #[test]
    fn money() {
        assert_eq!(kr(49_900), "499,00 kr");
        assert_eq!(kr(151), "1,51 kr");
        assert_eq!(kr(5), "0,05 kr");
    }

    fn ended_with_fallback(fallback: &str) -> Payment {
        let init = crate::domain::payment::Initiate {
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
