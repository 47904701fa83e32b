//! The simulated Vipps app: the user list, a user's inbox and remembered companies, and a
//! payment step by step (login, consent, address, shipping, pay), with its form actions.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};

use super::layout::{app_header, error_page, flow_page, kr, page};
use super::{
    app_url, back_to_merchant, form_or_error, outcome_text, see_other, token_of, user_list,
};
use crate::domain::payment::{Payment, State as PState};
use crate::http::flow::{self, Approval, ApproveInput, FlowError};
use crate::http::state::{AppState, Shared};

/// `GET /vipps-app`: pick a test user.
pub(crate) async fn app_home(State(state): State<AppState>) -> Response {
    let base = state.base();
    let list = user_list(&state, |u| {
        html! {
            li { a class="button secondary" data-testid={ "user-" (u.phone) }
                href={ (base) "/vipps-app/user/" (u.phone) } {
                (u.first_name) " " (u.last_name) " · " (u.phone)
            } }
        }
    });
    let body = html! {
        h1 { "Hvem er du?" }
        p { "Choose the test user whose phone this is." }
        ul.plain { (list) }
    };
    page(
        StatusCode::OK,
        "nb",
        "Vipps (simulated)",
        None,
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
    let mut items: Vec<Markup> = Vec::new();
    let mut size = 0;
    for p in state.store.all().into_iter().rev() {
        let mut g = p.lock();
        flow::touch(&state, &mut g);
        let mine = g.app.phone.as_deref() == Some(phone.as_str());
        let open_deeplink = g.init.is_app && g.app.phone.is_none();
        if g.state != PState::Initiate || !(mine || open_deeplink) {
            continue;
        }
        let item = html! {
            li.card {
                strong { (g.merchant_name) } " · " (kr(g.init.amount)) br;
                span.muted { (g.init.text) } br;
                a class="button" data-testid="payment-link"
                    href=(app_url(&state, &g.token, Some(&phone))) { "Åpne betaling" }
            }
        };
        size += item.0.len();
        items.push(item);
        if size > 200_000 {
            break;
        }
    }
    let keys: Vec<(String, String)> = state.subs.lock().express_consents.keys().cloned().collect();
    let mut consents: Vec<Markup> = Vec::new();
    for (msn, user_id) in keys {
        if flow::express_user_id(&msn, &phone) != user_id {
            continue;
        }
        let name = state
            .merchant_by_msn(&msn)
            .map_or_else(|| msn.clone(), |m| m.name.clone());
        consents.push(html! {
            li.card {
                (name) " (#" (msn) ")"
                form method="post" action={ (state.base()) "/vipps-app/consents/remove" } {
                    input type="hidden" name="msn" value=(msn);
                    input type="hidden" name="user_id" value=(user_id);
                    input type="hidden" name="phone" value=(phone);
                    button type="submit" class="secondary" data-testid={ "remove-consent-" (msn) } {
                        "Fjern samtykke"
                    }
                }
            }
        });
    }
    let body = html! {
        h1 { "Hei, " (user.first_name) "!" }
        h2 { "Betalinger" }
        ul.plain {
            @for i in &items { (i) }
            @if items.is_empty() {
                li class="muted" data-testid="no-payments" {
                    "Ingen betalingsforespørsler. (No pending payments: submit this number on a landing page first.)"
                }
            }
        }
        h2 { "Bedrifter som husker deg" }
        ul.plain {
            @for c in &consents { (c) }
            @if consents.is_empty() { li.muted { "Ingen." } }
        }
    };
    page(
        StatusCode::OK,
        "nb",
        "Vipps (simulated)",
        None,
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

/// One step's form: posts `token` and `action` (and `inner`'s fields) to `/vipps-app/action`.
fn action_form(
    state: &Shared,
    token: &str,
    action: &str,
    inner: &Markup,
    label: &str,
    testid: &str,
    secondary: bool,
) -> Markup {
    html! {
        form method="post" action={ (state.base()) "/vipps-app/action" } {
            input type="hidden" name="token" value=(token);
            input type="hidden" name="action" value=(action);
            (inner)
            button type="submit" class=[secondary.then_some("secondary")] data-testid=(testid) {
                (label)
            }
        }
    }
}

fn cancel_form(state: &Shared, token: &str) -> Markup {
    action_form(
        state,
        token,
        "cancel",
        &html! {},
        "Avbryt",
        "cancel-button",
        true,
    )
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
    let err = html! {
        @if let Some(e) = error { p role="alert" class="error" data-testid="app-error" { (e) } }
    };
    let token = &g.token;
    let lang = "nb";
    if g.state != PState::Initiate {
        let body = html! {
            h1 { (outcome_text(g)) }
            p data-testid="outcome" { (outcome_text(g)) }
        };
        return page(StatusCode::OK, lang, "Vipps", None, &header, &body);
    }
    if g.pending_until_ms.is_some() {
        let body = html! {
            h1 { "Behandles…" }
            p data-testid="outcome" {
                "The result is not known yet (test amount 2,01 kr). It will fail after one hour of simulated time."
            }
        };
        return page(StatusCode::OK, lang, "Vipps", None, &header, &body);
    }
    let Some(phone) = g.app.phone.clone() else {
        let opts = user_list(state, |u| {
            html! {
                option value=(u.phone) { (u.first_name) " " (u.last_name) " · " (u.phone) }
            }
        });
        let body = html! {
            h1 { "Hvem er du?" }
            (err)
            form method="get" action={ (state.base()) "/vipps-app/payment" } {
                input type="hidden" name="token" value=(token);
                label for="phone" { "Testbruker" }
                select id="phone" name="phone" data-testid="user-select" { (opts) }
                button type="submit" data-testid="login-button" { "Fortsett" }
            }
        };
        return page(StatusCode::OK, lang, "Vipps", None, &header, &body);
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
        let label = if g.init.express {
            "Gi tilgang"
        } else {
            "Jeg godtar"
        };
        let body = html! {
            h1 { "Gi tilgang" }
            (err)
            p { strong { (g.merchant_name) } " ber om tilgang til:" }
            ul data-testid="consent-list" { @for i in &items { li { (i) } } }
            (action_form(state, token, "consent", &html! {}, label, "consent-button", false))
            (cancel_form(state, token))
        };
        return page(StatusCode::OK, lang, "Gi tilgang", None, &header, &body);
    }
    let mut summary_extra: Vec<Markup> = Vec::new();
    let mut total = g.init.amount;
    if g.init.express {
        let Some(address_id) = g.app.address_id else {
            let radios = html! {
                fieldset {
                    legend { "Adresse" }
                    @for (i, a) in user.addresses.iter().enumerate() {
                        @let kind = match a.address_type.as_str() {
                            "home" => "Hjem",
                            "work" => "Jobb",
                            _ => "Annen",
                        };
                        div {
                            input type="radio" id={ "address-" (a.id) } name="address_id"
                                value=(a.id) data-testid={ "address-" (a.id) } checked[i == 0];
                            label for={ "address-" (a.id) } class="inline" {
                                (kind) ": " (a.line1) ", " (a.post_code) " " (a.city)
                            }
                        }
                    }
                }
            };
            let body = html! {
                h1 { "Hvor vil du ha pakken din levert?" }
                (err)
                (action_form(state, token, "address", &radios, "Neste", "address-button", false))
                (cancel_form(state, token))
            };
            return page(StatusCode::OK, lang, "Levering", None, &header, &body);
        };
        let address = user.addresses.iter().find(|a| a.id == address_id);
        let Some(options) = flow::shipping_options(g) else {
            let why = match &g.app.dynamic_shipping {
                Some(Err(e)) => format!(" ({e})"),
                _ => String::new(),
            };
            let body = html! {
                h1 { "Velg leveringsmåte" }
                p role="alert" class="error" data-testid="no-shipping" {
                    "No shipping methods found" (why)
                }
                (cancel_form(state, token))
            };
            return page(StatusCode::OK, lang, "Levering", None, &header, &body);
        };
        let Some(method_id) = g.app.shipping_method_id.clone() else {
            let default = options.iter().position(|o| o.is_default).unwrap_or(0);
            let radios = html! {
                fieldset {
                    legend { "Leveringsmåte" }
                    @for (i, o) in options.iter().enumerate() {
                        div {
                            input type="radio" id={ "ship-" (i) } name="method_id"
                                value=(o.method_id) data-testid={ "shipping-" (o.method_id) }
                                checked[i == default];
                            label for={ "ship-" (i) } class="inline" {
                                (o.method) " – " (kr(crate::domain::payment::cost_ore(o)))
                            }
                        }
                    }
                }
            };
            let body = html! {
                h1 { "Velg leveringsmåte" }
                (err)
                p.muted { "Leveringskostnaden er basert på postnummeret ditt." }
                (action_form(state, token, "shipping", &radios, "Neste", "shipping-button", false))
                (cancel_form(state, token))
            };
            return page(StatusCode::OK, lang, "Levering", None, &header, &body);
        };
        if let Some(o) = options.iter().find(|o| o.method_id == method_id) {
            total += crate::domain::payment::cost_ore(o);
            summary_extra.push(
                html! { p { "Levering: " (o.method) " (" (kr(crate::domain::payment::cost_ore(o))) ")" } },
            );
        }
        if let Some(a) = address {
            summary_extra
                .push(html! { p { "Adresse: " (a.line1) ", " (a.post_code) " " (a.city) } });
        }
    }
    let body = html! {
        h1 { "Betal til" }
        (err)
        div.card {
            p { strong { (g.merchant_name) } br; span.muted { "#" (g.msn()) " · " (g.merchant_name) } }
            p.amount data-testid="app-amount" { (kr(total)) }
            p { (g.init.text) }
            p.muted { "Order ID: " (g.order_id()) }
            @for s in &summary_extra { (s) }
            p { "Kort: VISA 2412" }
        }
        (action_form(state, token, "pay", &html! {}, "Betal", "pay-button", false))
        (cancel_form(state, token))
    };
    page(StatusCode::OK, lang, "Betal til", None, &header, &body)
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
            let body = html! {
                h1 { "Samtykke fjernet" }
                p data-testid="outcome" { "The merchant has been told to delete your data." }
                p { a href=(back) { "Tilbake" } }
            };
            page(
                StatusCode::OK,
                "nb",
                "Samtykke fjernet",
                None,
                &app_header(&state),
                &body,
            )
        }
        Err(e) => flow_page(&e),
    }
}
