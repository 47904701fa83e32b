//! Step 3: the user approves: open the landing page (or scan its QR code), or force approve.

use ecom_core::payment;
use leptos::prelude::*;

use crate::components::field::TextField;
use crate::components::inline_qr::InlineQr;
use crate::components::send_panel::SendPanel;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The approve step.
#[component]
pub fn ApproveStep() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let landing_url = Signal::derive(move || session.vars.with(|v| v.landing_url.clone()));
    // Both fields are editable; they follow their source (the settings' test user, the
    // session's payment token) whenever that changes, and only then.
    let settings_phone =
        Memo::new(move |_| settings.with(|s| s.active_credentials().mobile_number.clone()));
    let session_token = Memo::new(move |_| session.vars.with(|v| v.payment_token.clone()));
    let phone = RwSignal::new(settings_phone.get_untracked());
    let token = RwSignal::new(session_token.get_untracked());
    Effect::new(move |_| phone.set(settings_phone.get()));
    Effect::new(move |_| token.set(session_token.get()));

    let request = Signal::derive(move || {
        let order_id = session.vars.with(|v| v.order_id.clone());
        if order_id.is_empty() {
            return Err(
                "Initiate a payment first: force approve needs its orderId and token.".to_owned(),
            );
        }
        let settings = settings.get();
        let body = payment::force_approve_body(&phone.get(), &token.get());
        Ok(payment::force_approve_request(
            settings.active_credentials(),
            "",
            &order_id,
            &body,
            &order_id,
        ))
    });

    view! {
        <section class="panel step" aria-labelledby="step-approve-title" data-testid="step-approve">
            <h2 id="step-approve-title">"3. Approve the payment"</h2>
            <Show
                when=move || landing_url.with(|u| !u.is_empty())
                fallback=|| view! { <p class="hint">"Initiate a payment to get its landing page."</p> }
            >
                <p>
                    "Open the landing page, type the test user's number and confirm in the simulated app: "
                    <a href=landing_url target="_blank" rel="noopener" data-testid="landing-link">
                        "open the landing page in a new tab"
                    </a>
                </p>
                <InlineQr url=landing_url />
            </Show>
            <h3>"Or force approve (test environments only, not for express)"</h3>
            <div class="grid2">
                <TextField label="customerPhoneNumber" id="approve-phone" value=phone />
                <TextField label="token (from the landing page URL)" id="approve-token" value=token />
            </div>
            <SendPanel request=request label="Force approve" testid="approve" />
        </section>
    }
}
