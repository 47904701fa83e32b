//! The eCom Playground browser app: the Vipps eCom API quick start, step by step.
//!
//! - [`api`]: the only user of the HTTP client; sends requests built by `ecom_core`.
//! - [`browser_sandbox`]: the sandbox in this browser's service worker, registered lazily.
//! - [`state`]: named context structs (settings, session) and their persistence.
//! - [`components`]: thin view components, one per file.
//! - [`error`]: the app's error type.
//!
//! Logic that needs no browser lives in the `ecom_core` crate and is tested natively.
//!
//! The release build (`scripts/build.sh`, `--cfg ecom_split`) makes `quick_start_steps` and
//! `side_panels` lazy-loaded: the first load carries the shell and the Settings panel, and
//! the steps arrive as separate wasm chunks right after the first render. Other builds (tests,
//! `trunk serve`) keep one module; the code is the same either way.

pub mod api;
pub mod browser_sandbox;
pub mod components;
pub mod error;
pub mod state;

use ecom_core::route::Route;
use leptos::prelude::*;

use components::approve_step::ApproveStep;
use components::back_from_vipps::BackFromVipps;
use components::browser_sandbox_panel::BrowserSandboxSettings;
use components::details_step::DetailsStep;
use components::flow_guide::FlowGuide;
use components::history_panel::HistoryPanel;
use components::import_panel::ImportPanel;
use components::initiate_step::InitiateStep;
use components::operations_step::OperationsStep;
use components::proxy_probe::ProxyProbe;
use components::qr_step::QrStep;
use components::scenarios_panel::ScenariosPanel;
use components::settings_panel::SettingsPanel;
use components::token_step::TokenStep;
use components::userinfo_step::UserinfoStep;
use components::vars_panel::VarsPanel;
use state::flow::FlowCtx;
use state::history::HistoryCtx;
use state::session::SessionCtx;
use state::settings::SettingsCtx;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let settings = SettingsCtx::provide();
    let session = SessionCtx::provide();
    session.forget_token_on_change(settings.settings);
    HistoryCtx::provide();
    let env = move || settings.settings.with(|s| s.environment);
    view! {
        // The first Tab stop: past the Settings form straight to the steps.
        <a class="skip-link" href="#quick-start" data-testid="skip-link" on:click=move |ev| skip_to_next_step(&ev)>
            "Skip to the next step"
        </a>
        <header class="top">
            <h1>"eCom Playground"</h1>
            <span class=move || format!("badge env-{}", env().upstream()) data-testid="env-badge">
                {move || env().label()}
            </span>
        </header>
        <Notice message=settings.reset_notice testid="reset-notice" />
        <Notice message=session.notice testid="session-notice" />
        <main class="layout">
            <div class="side">
                <SettingsPanel />
                <Suspense fallback=|| ()>{Suspend::new(async { side_panels().await })}</Suspense>
            </div>
            <div class="steps" id="quick-start" tabindex="-1">
                <Suspense fallback=|| view! { <p class="hint" role="status">"Loading the quick-start steps…"</p> }>
                    {Suspend::new(async { quick_start_steps().await })}
                </Suspense>
            </div>
        </main>
    }
}

/// Moves the keyboard focus to the step the guide marks next (or the first step), without
/// changing the fragment, which is the page's link.
fn skip_to_next_step(event: &leptos::ev::MouseEvent) {
    event.prevent_default();
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(".step[data-guide=\"next\"]")
                .ok()
                .flatten()
                .or_else(|| d.query_selector(".step").ok().flatten())
        })
        .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
    if let Some(step) = target {
        let _ = step.focus();
    }
}

/// A banner with `message` while there is one, and a Dismiss button that clears it.
#[component]
fn Notice(message: RwSignal<Option<String>>, testid: &'static str) -> impl IntoView {
    view! {
        <Show when=move || message.with(Option::is_some)>
            <div class="notice" role="alert" data-testid=testid>
                <p>{move || message.get()}</p>
                <button type="button" class="secondary" on:click=move |_| message.set(None)>
                    "Dismiss"
                </button>
            </div>
        </Show>
    }
}

/// The quick-start steps: a lazy-loaded chunk in the release build.
#[cfg_attr(ecom_split, leptos::lazy)]
async fn quick_start_steps() -> AnyView {
    let flow = FlowCtx::provide();
    let link_notice = RwSignal::new(
        flow.route
            .with_untracked(|r| r.as_ref().and_then(Route::notice)),
    );
    flow.on_link(move |route| link_notice.set(route.notice()));
    view! {
        <Notice message=link_notice testid="link-notice" />
        <BackFromVipps />
        <FlowGuide />
        <TokenStep />
        <InitiateStep />
        <ApproveStep />
        <OperationsStep />
        <DetailsStep />
        <UserinfoStep />
        <QrStep />
        <ScenariosPanel />
        <OpenLinkedStep />
    }
    .into_any()
}

/// Once the steps are on the page: shows the step the page's link names (scrolled to, or alone
/// in embed mode). Last among the steps, so its effect runs after they are mounted.
#[component]
fn OpenLinkedStep() -> impl IntoView {
    let flow = expect_context::<FlowCtx>();
    Effect::new(move |_| {
        let step = flow.linked_step();
        if flow.embedded() {
            state::flow::embed(step);
        } else if let Some(step) = step {
            state::flow::scroll_to(step);
        }
    });
}

/// The panels beside Settings (session variables, import, history), the proxy probe and the
/// Settings panel's controls of the sandbox in this browser: a lazy-loaded chunk in the
/// release build.
#[cfg_attr(ecom_split, leptos::lazy)]
async fn side_panels() -> AnyView {
    view! {
        <ProxyProbe />
        <BrowserSandboxSettings />
        <VarsPanel />
        <ImportPanel />
        <HistoryPanel />
    }
    .into_any()
}
