//! Session variables, visible and editable in one place, like a Postman environment.

use leptos::prelude::*;

use crate::components::wide_window;
use crate::state::session::{SessionCtx, Vars};

/// One editable variable.
fn var_input(
    label: &'static str,
    id: &'static str,
    get: fn(&Vars) -> &String,
    set: fn(&mut Vars) -> &mut String,
) -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                data-testid=id
                type="text"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || session.vars.with(|v| get(v).clone())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    session.vars.update(|v| *set(v) = value);
                }
            />
        </div>
    }
}

/// The session variables panel.
#[component]
pub fn VarsPanel() -> impl IntoView {
    view! {
        <section class="panel vars" aria-labelledby="vars-title" data-testid="vars">
            <details class="fold" open=wide_window()>
                <summary><h2 id="vars-title">"Session variables"</h2></summary>
                <p class="hint">"Filled by the steps as you go and editable. Saved across reloads, except the access token (memory only) and sub (this tab only: it identifies a person)."</p>
                {var_input("orderId", "var-order-id", |v| &v.order_id, |v| &mut v.order_id)}
                {var_input("Landing page URL", "var-landing-url", |v| &v.landing_url, |v| &mut v.landing_url)}
                {var_input("Payment token", "var-payment-token", |v| &v.payment_token, |v| &mut v.payment_token)}
                {var_input("sub", "var-sub", |v| &v.sub, |v| &mut v.sub)}
            </details>
        </section>
    }
}
