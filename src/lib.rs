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
//! The release build (`scripts/build.sh`, `--cfg ecom_split`) loads the app in the order a
//! visitor uses it, in lazy-loaded wasm chunks ([`parts`]): the first load carries the shell
//! and the Settings panel; then `quick_start_steps` (chunk `quick_start`, requested before the
//! first render: the flow guide and the token step, the first thing every flow does); once
//! that is on the page, `later` (the other steps, and then the side panels from the same
//! chunk). On a slow network the token step is usable while the rest is still on its way,
//! instead of every chunk sharing the bandwidth. The error explanations come with the first
//! error response ([`api`]). Other builds (tests, `trunk serve`) keep one module; the code is
//! the same either way.

#[macro_use]
pub mod parts;

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
    // The token step's chunk downloads while Settings render, not after.
    #[cfg(ecom_split)]
    parts::fetch_now(prefetch_quick_start());
    let settings = SettingsCtx::provide();
    let session = SessionCtx::provide();
    session.forget_token_on_change(settings.settings);
    HistoryCtx::provide();
    let env = move || settings.settings.with(|s| s.environment);
    let later_steps_loaded = LaterStepsLoaded(RwSignal::new(false));
    provide_context(later_steps_loaded);
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
                // Only once the later steps are on the page: calling `later` at the first render
                // would fetch its chunk beside the token step's, sharing a slow network's link.
                <Show when=move || later_steps_loaded.0.get()>
                    {parts::deferred(None, Box::pin(async { parts::shown(part!(later(Later::SidePanels))) }))}
                </Show>
            </div>
            <div class="steps" id="quick-start" tabindex="-1">
                {parts::deferred(Some("Loading the quick-start steps…"), Box::pin(async { parts::shown(part!(quick_start_steps())) }))}
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

/// Whether the later steps are on the page (the side panels render only after them).
#[derive(Clone, Copy)]
struct LaterStepsLoaded(RwSignal<bool>);

/// The start of the quick start: the flow guide and the token step, a lazy-loaded chunk in the
/// release build; the later steps load after it.
#[cfg_attr(
    ecom_split,
    wasm_split_helpers::wasm_split(quick_start, fallible, preload(prefetch_quick_start))
)]
fn quick_start_steps() -> Result<AnyView, error::AppError> {
    let flow = FlowCtx::provide();
    let link_notice = RwSignal::new(
        flow.route
            .with_untracked(|r| r.as_ref().and_then(Route::notice)),
    );
    flow.on_link(move |route| link_notice.set(route.notice()));
    Ok(view! {
        <Notice message=link_notice testid="link-notice" />
        <BackFromVipps />
        <FlowGuide />
        <TokenStep />
        {parts::deferred(Some("Loading the next steps…"), Box::pin(async { parts::shown(part!(later(Later::Steps))) }))}
    }
    .into_any())
}

/// What the second lazy-loaded chunk renders: one chunk for both, so the code they share is
/// not cut into more modules (each costs bytes: wasm-opt cannot optimise across them).
#[derive(Clone, Copy)]
enum Later {
    /// The steps after the token, below it.
    Steps,
    /// The panels beside Settings, once the steps are on the page.
    SidePanels,
}

/// The steps after the token and the side panels: a lazy-loaded chunk in the release build.
#[cfg_attr(ecom_split, wasm_split_helpers::wasm_split(later, fallible))]
fn later(part: Later) -> Result<AnyView, error::AppError> {
    Ok(match part {
        Later::Steps => later_steps(),
        Later::SidePanels => side_panels(),
    })
}

/// The steps after the token, rendered in two tasks of the browser's event loop (half each),
/// so that neither blocks input for long on a slow phone.
fn later_steps() -> AnyView {
    view! {
        <InitiateStep />
        <ApproveStep />
        <OperationsStep />
        {parts::deferred(None, Box::pin(async {
            parts::next_task().await;
            last_steps()
        }))}
    }
    .into_any()
}

/// The second half of the later steps.
fn last_steps() -> AnyView {
    let loaded = expect_context::<LaterStepsLoaded>().0;
    // Once they are mounted, the side panels render from this same chunk, in a task of their
    // own.
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            parts::next_task().await;
            loaded.set(true);
        });
    });
    view! {
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
/// Settings panel's controls of the sandbox in this browser.
fn side_panels() -> AnyView {
    view! {
        <ProxyProbe />
        <BrowserSandboxSettings />
        <VarsPanel />
        <ImportPanel />
        <HistoryPanel />
    }
    .into_any()
}
