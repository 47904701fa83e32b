//! Step 3: the user approves: open the landing page (or scan its QR code), or force approve.

use ecom_core::route::Step;
use ecom_core::{payment, validate};
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::flow::FlowCtx;

use crate::components::field::TextField;
use crate::components::inline_qr::InlineQr;
use crate::components::send_panel::SendPanel;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The approve step.
#[component]
pub fn ApproveStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let landing_url = Signal::derive(move || session.vars.with(|v| v.landing_url.clone()));
    // Only an http(s) URL becomes a link: the landing URL may come from an imported file or
    // an upstream, and a `javascript:` or `intent:` one must never be clickable here.
    let linkable = Signal::derive(move || landing_url.with(|u| validate::is_web_url(u)));
    let environment = Signal::derive(move || settings.with(|s| s.environment));
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
        if session.vars.with(ecom_core::session::Vars::is_express) {
            return Err("Force approve does not support express checkout: the user must choose the address and shipping in the app. Open the landing page above and finish in the app page.".to_owned());
        }
        let settings = settings.get();
        let body = payment::force_approve_body(&phone.get(), &token.get());
        Ok(payment::force_approve_request(
            settings.active_credentials(),
            &order_id,
            &body,
            &order_id,
        ))
    });

    let on_response = Callback::new(move |response: crate::api::ApiResponse| {
        if response.status == 200 {
            guide.mark_done(Step::Approve);
        }
    });

    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-approve-title" data-testid="step-approve" data-guide=move || guide.progress(Step::Approve).as_str()>
            <h2 id="step-approve-title">"3. Approve the payment"</h2>
            <StepLink step=Step::Approve />
            <Show
                when=move || landing_url.with(|u| !u.is_empty())
                fallback=|| view! { <p class="hint">"Initiate a payment to get its landing page."</p> }
            >
                <Show
                    when=move || linkable.get()
                    fallback=move || view! {
                        <p class="hint" data-testid="landing-not-a-link">
                            "This is not a web address, so it is not a link: "
                            <code class="wrap">{move || validate::shorten(&landing_url.get(), 120)}</code>
                            ". An app deeplink (isApp) opens the Vipps app on a phone: scan the QR code with the phone, or use force approve below."
                        </p>
                    }
                >
                    <p>
                        "Open the landing page, type the test user's number and confirm in the simulated app: "
                        <a href=landing_url target="_blank" rel="noopener noreferrer" data-testid="landing-link">
                            "open the landing page in a new tab"
                        </a>
                    </p>
                </Show>
                <InlineQr url=landing_url />
            </Show>
            <h3>"Or force approve (test environments only, not for express)"</h3>
            <p class="hint" data-testid="force-approve-note">
                {move || if environment.get().is_simulated() {
                    format!(
                        "Force approve approves without the app. The sandbox's test user {} has never approved in the app, so it answers 1082, as a new MT test user does.",
                        ecom_core::demo::UNVERIFIED_MOBILE_NUMBER
                    )
                } else {
                    "In MT, force approve works only for a test user who has approved one payment in the Vipps MT app; until then it answers 1082. Approve once through the landing page first.".to_owned()
                }}
            </p>
            <div class="grid2">
                <TextField label="customerPhoneNumber" id="approve-phone" value=phone />
                <TextField label="token (from the landing page URL)" id="approve-token" value=token />
            </div>
            <SendPanel request=request label="Force approve" testid="approve" per_order=true on_response=on_response />
        </section>
    }
}
