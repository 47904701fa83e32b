//! Settings for the sandbox in this browser, shown while it is the selected environment:
//! whether its service worker is registered, and "Reset sandbox".
//!
//! The controls belong to the Settings panel but come with the side panels' lazy chunk, after
//! the first render, so the first load carries neither the HTTP client nor the service-worker
//! code: they are rendered into the panel's [`SLOT_ID`] element. Selecting the environment is
//! what registers the worker (see [`crate::browser_sandbox`]).

use ecom_core::Environment;
use leptos::portal::Portal;
use leptos::prelude::*;

use crate::browser_sandbox;
use crate::error::AppError;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The id of the Settings panel's element the controls are rendered into.
pub const SLOT_ID: &str = "browser-sandbox-slot";

/// The controls, in the Settings panel's slot (nothing when the panel is not on the page).
#[component]
pub fn BrowserSandboxSettings() -> impl IntoView {
    let slot = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(SLOT_ID));
    slot.map(|mount| view! { <Portal mount=mount><BrowserSandboxControls /></Portal> })
}

/// Registers the worker whenever the environment is selected; offers the reset meanwhile.
#[component]
fn BrowserSandboxControls() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let selected = Memo::new(move |_| settings.with(|s| s.environment == Environment::Browser));
    let registered: RwSignal<Option<Result<(), AppError>>> = RwSignal::new(None);
    Effect::new(move |_| {
        if selected.get() {
            leptos::task::spawn_local(async move {
                registered.set(Some(browser_sandbox::register().await));
            });
        }
    });
    let reset = Action::new_local(move |(): &()| async move {
        let result = browser_sandbox::reset().await;
        // Whatever the sandbox forgot, a token it issued before is not worth keeping.
        if result.is_ok() {
            session.token.set(None);
        }
        result
    });
    let on_reset = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message("Reset the sandbox in this browser? Its payments, callbacks, faults and consents are deleted. Your settings and history are kept.").ok())
            .unwrap_or(false);
        if confirmed && !reset.pending().get_untracked() {
            reset.dispatch(());
        }
    };
    let status = move || {
        match registered.get() {
        None => "Starting the sandbox in this browser…".to_owned(),
        Some(Ok(())) => "The sandbox runs in this browser as a service worker and keeps its payments here until you reset it.".to_owned(),
        Some(Err(e)) => e.to_string(),
    }
    };
    view! {
        <Show when=move || selected.get()>
            <div class="field" data-testid="browser-sandbox">
                <p class="hint" role="status" data-testid="browser-sandbox-status">{status}</p>
                <button
                    type="button"
                    class="secondary"
                    data-testid="reset-sandbox"
                    aria-disabled=move || reset.pending().get().to_string()
                    on:click=on_reset
                >
                    {move || if reset.pending().get() { "Resetting…" } else { "Reset sandbox" }}
                </button>
                {move || reset.value().get().map(|result| match result {
                    Ok(done) => view! { <p class="hint" role="status" data-testid="reset-sandbox-result">{done}</p> }.into_any(),
                    Err(why) => view! { <p class="error" role="alert" data-testid="reset-sandbox-result">{why}</p> }.into_any(),
                })}
            </div>
        </Show>
    }
}
