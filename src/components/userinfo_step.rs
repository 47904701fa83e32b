//! Step 6: the Userinfo API, with the `sub` from a profile payment's details.

use ecom_core::payment;
use ecom_core::route::Step;
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::flow::FlowCtx;

use crate::components::send_panel::SendPanel;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The userinfo step.
#[component]
pub fn UserinfoStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let request = Signal::derive(move || {
        let sub = session.vars.with(|v| v.sub.clone());
        if sub.is_empty() {
            return Err(
                "No sub yet: initiate a profile payment, approve it, then get its details."
                    .to_owned(),
            );
        }
        Ok(settings.with(|s| payment::userinfo_request(s.active_credentials(), &sub)))
    });
    let on_response = Callback::new(move |response: crate::api::ApiResponse| {
        if response.status == 200 {
            guide.mark_done(Step::Userinfo);
        }
    });
    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-userinfo-title" data-testid="step-userinfo" data-guide=move || guide.progress(Step::Userinfo).as_str()>
            <h2 id="step-userinfo-title">"6. Get userinfo"</h2>
            <StepLink step=Step::Userinfo />
            <p class="hint">"The profile data the user agreed to share, for the sub of a profile payment."</p>
            <SendPanel request=request label="Get userinfo" testid="userinfo" per_order=true on_response=on_response />
        </section>
    }
}
