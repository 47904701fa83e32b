//! Step 1 of the quick start: get an access token and keep it for the later steps.

use std::time::Duration;

use ecom_core::request::MASK;
use ecom_core::route::Step;
use ecom_core::token::access_token_request;
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::calls;
use crate::state::flow::FlowCtx;

use crate::api;
use crate::components::request_view::RequestView;
use crate::components::response_view::ResponseView;
use crate::error::AppError;
use crate::state::history::HistoryCtx;
use crate::state::session::{now_seconds, SessionCtx};
use crate::state::settings::SettingsCtx;

/// The "Get access token" step.
#[component]
pub fn TokenStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let history = expect_context::<HistoryCtx>();
    let request =
        Signal::derive(move || settings.with(|s| access_token_request(s.active_credentials())));
    let url = Signal::derive(move || request.with(|r| settings.with(|s| api::url_for(r, s))));

    let send = Action::new_local(move |(): &()| {
        let settings = settings.get_untracked();
        async move {
            let (response, _) = calls::obtain_token(&settings, session, history).await?;
            Ok::<_, AppError>(response)
        }
    });

    // As every step's answer: it belongs to the environment and proxy it came from.
    expect_context::<SettingsCtx>().on_target_change(move || send.value().set(None));

    let now = RwSignal::new(now_seconds());
    let ticker = set_interval_with_handle(move || now.set(now_seconds()), Duration::from_secs(1));
    on_cleanup(move || {
        if let Ok(handle) = ticker {
            handle.clear();
        }
    });
    let revealed = RwSignal::new(false);
    let seq = send.version();
    let token_line = move || {
        session.token.get().map(|t| {
            let left = t.seconds_left(now.get());
            let shown = if revealed.get() {
                t.token
            } else {
                MASK.to_owned()
            };
            let expiry = if left == 0 {
                "expired: get a new one".to_owned()
            } else {
                format!("expires in {}:{:02}", left / 60, left % 60)
            };
            view! {
                <div class="token" data-testid="token">
                    <p>
                        "Access token (kept for the next steps): "
                        <code data-testid="token-value">{shown}</code>
                        " "
                        <button
                            type="button"
                            class="reveal"
                            data-testid="token-reveal"
                            aria-pressed=move || revealed.get().to_string()
                            on:click=move |_| revealed.update(|r| *r = !*r)
                        >
                            {move || if revealed.get() { "Hide" } else { "Show" }}
                        </button>
                    </p>
                    <p class="hint" data-testid="token-expiry">{expiry}</p>
                </div>
            }
        })
    };

    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-token-title" data-testid="step-token" data-guide=move || guide.progress(Step::Token).as_str()>
            <h2 id="step-token-title">"1. Get an access token"</h2>
            <StepLink step=Step::Token />
            <p class="hint">
                "Every eCom call needs a bearer token. It comes from "
                <code>"POST /accesstoken/get"</code>
                " with client_id, client_secret and the subscription key as headers, and lasts an hour."
            </p>
            <RequestView request=request url=url />
            <button
                type="button"
                class="primary"
                data-testid="send-token"
                // Marked busy, not disabled, so the keyboard focus stays on it (see SendPanel).
                aria-disabled=move || send.pending().get().to_string()
                on:click=move |_| {
                    if !send.pending().get_untracked() {
                        send.dispatch(());
                    }
                }
            >
                {move || if send.pending().get() { "Sending…" } else { "Get access token" }}
            </button>
            {token_line}
            {move || {
                // Untracked: the action bumps its version before it sets the value, so this is
                // already the new number when the value re-runs the view.
                let seq = seq.get_untracked();
                send.value()
                    .get()
                    .map(|result| match result {
                        Ok(response) => view! { <ResponseView response=response seq=seq /> }.into_any(),
                        Err(e) => {
                            view! { <p class="error" role="alert" data-testid="send-error" data-seq=seq>{e.to_string()}</p> }.into_any()
                        }
                    })
            }}
        </section>
    }
}
