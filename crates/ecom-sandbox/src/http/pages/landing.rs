//! The sandbox's home page and the landing page: the phone-number screen, its Cancel, and the
//! "Complete in Vipps" wait page with its poll.

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};

use super::layout::{error_page, flow_page, kr, landing_header, page};
use super::{
    app_url, back_to_merchant, form_or_error, see_other, token_of, user_list, wait_url, LANDING,
};
use crate::domain::payment::{CancelCause, Payment, State as PState};
use crate::http::flow::{self, FlowError};
use crate::http::state::{AppState, Shared};

/// The wait page's poll. A timed meta refresh is an accessibility failure; a small inline poll
/// without reloading the page is not. It reads the URL from the page's "Check now" link, so the
/// script is a constant, and follows the redirect once the payment has ended.
const POLL: &str = "document.addEventListener(\"DOMContentLoaded\",function(){\
var a=document.querySelector(\"[data-testid=continue-link]\");if(!a){return;}var u=a.href;\
setInterval(function(){fetch(u,{redirect:\"manual\",cache:\"no-store\"})\
.then(function(r){if(r.type===\"opaqueredirect\"||r.status!==200){location.href=u;}});},3000);});";

/// `GET /`: what this is, with links into the simulated app.
pub(crate) async fn home(State(state): State<AppState>) -> Response {
    let base = state.base();
    let list = user_list(&state, |u| {
        html! {
            li { a href={ (base) "/vipps-app/user/" (u.phone) } {
                (u.first_name) " " (u.last_name) " (" (u.phone) ")"
            } }
        }
    });
    let body = html! {
        h1 { "Vipps eCom sandbox" }
        p {
            "A local simulator of the Vipps eCom API v2 test environment. Point the API base URL at "
            code { (base) }
            ". Payments open the landing page; the simulated Vipps app below lets a test user approve or cancel them."
        }
        h2 { "Simulated app: test users" }
        ul.plain { (list) }
        p.muted { "Tests drive the sandbox through " code { (base) "/__sim" } " (see SIM_API.md)." }
    };
    page(
        StatusCode::OK,
        "en",
        "Vipps eCom sandbox",
        None,
        &landing_header(),
        &body,
    )
}

fn landing_form(state: &Shared, p: &Payment, error: Option<&str>, phone: &str) -> Markup {
    let base = state.base();
    let described = if error.is_some() {
        "phone-error test-numbers-title"
    } else {
        "test-numbers-title"
    };
    html! {
        h1 { "Pay" }
        p.amount data-testid="amount" { (kr(p.init.amount)) " to " (p.merchant_name) }
        p.muted { (p.init.text) }
        @if let Some(e) = error {
            p role="alert" class="error" id="phone-error" data-testid="phone-error" { (e) }
        }
        form method="post" action={ (base) (LANDING) "/phone" } {
            input type="hidden" name="token" value=(p.token);
            label for="phone" { "Mobile number" }
            div.phone {
                span aria-hidden="true" { "+47" }
                input type="tel" id="phone" name="phone" inputmode="tel" autocomplete="tel-national"
                    maxlength="20" required value=(phone) data-testid="phone-input"
                    aria-describedby=(described) aria-invalid=[error.map(|_| "true")];
            }
            button type="submit" data-testid="next-button" { "Next" }
        }
        (test_numbers(state))
        form method="post" action={ (base) (LANDING) "/cancel" } {
            input type="hidden" name="token" value=(p.token);
            button type="submit" class="secondary" data-testid="cancel-button" { "Cancel" }
        }
    }
}

/// The test numbers this sandbox knows and what each is for, under the phone form.
fn test_numbers(state: &Shared) -> Markup {
    let users = flow::test_users(state);
    html! {
        div.card {
            p id="test-numbers-title" class="muted" {
                "Test numbers in this sandbox (+47 and spaces are fine):"
            }
            ul data-testid="test-numbers" {
                @for u in &users {
                    li data-testid={ "test-number-" (u.phone) } {
                        code { (u.phone) } " \u{2014} " (flow::user_purpose(u))
                    }
                }
            }
        }
    }
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
        None,
        &landing_header(),
        &body,
    )
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
                    None,
                    &landing_header(),
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
    let base = state.base();
    let body = html! {
        h1 { "Complete in Vipps" }
        p.amount { (kr(g.init.amount)) " to " (g.merchant_name) }
        p { "You have received a notification on your phone. Open Vipps and follow the instructions." }
        div.card {
            p { "There is no phone here: open the " strong { "simulated Vipps app" } " instead." }
            a class="button" data-testid="open-app-link"
                href=(app_url(&state, &g.token, g.app.phone.as_deref())) {
                "Open the simulated Vipps app"
            }
        }
        p.muted {
            "This page takes you back to the shop when the payment is done. "
            a data-testid="continue-link" href=(wait_url(&state, &g.token)) { "Check now" }
        }
        form method="post" action={ (base) (LANDING) "/cancel" } {
            input type="hidden" name="token" value=(g.token);
            button type="submit" class="secondary" data-testid="cancel-button" { "Cancel" }
        }
    };
    page(
        StatusCode::OK,
        "en",
        "Complete in Vipps",
        Some(POLL),
        &landing_header(),
        &body,
    )
}
