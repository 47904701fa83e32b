//! The sandbox in this browser: its service worker (`sandbox-sw.js`, beside `index.html`)
//! answers every request under `<page dir>/browser-sandbox/…` on the page's own origin.
//!
//! Registration is lazy: nothing here runs before the first render, only once the environment
//! is selected ([`register`]) or a request to it is about to be sent ([`ready`]). A request
//! waits until the worker controls the page (`navigator.serviceWorker.ready`, then
//! `controller`; the worker calls `clients.claim()`), and fails with a sentence that says what
//! is wrong and how to fix it rather than hanging or reaching the server behind the page.

use ecom_core::environment::{browser_sandbox_base, BROWSER_SANDBOX_SCRIPT};
use ecom_core::{scenario, Environment};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AddEventListenerOptions, RegistrationOptions, ServiceWorkerContainer};

use crate::api::{self, page_dir};
use crate::error::AppError;

/// How long a request waits for the worker to install and take control of the page.
pub const READY_TIMEOUT_MS: i32 = 15_000;

/// The sandbox's base URL, without a trailing `/`: `<page dir>/browser-sandbox`.
pub fn base_url() -> String {
    browser_sandbox_base(&page_dir())
}

/// The worker script's URL, beside `index.html`.
pub fn script_url() -> String {
    format!("{}{BROWSER_SANDBOX_SCRIPT}", page_dir())
}

/// The page's service-worker container, or why there is none.
fn container() -> Result<ServiceWorkerContainer, AppError> {
    let window = web_sys::window().ok_or_else(|| unavailable("there is no window"))?;
    let navigator = window.navigator();
    let present = Reflect::get(&navigator, &JsValue::from_str("serviceWorker"))
        .is_ok_and(|v| !v.is_undefined() && !v.is_null());
    if present {
        return Ok(navigator.service_worker());
    }
    Err(unavailable(if window.is_secure_context() {
        "this browser offers no service workers here: they are off in private or incognito windows of some browsers, and can be blocked in the browser's settings (site data or cookies blocked for this site). Open the playground in a normal window or allow site data for it, or choose another environment in Settings"
    } else {
        "this page is not a secure context, and browsers offer service workers only to pages served over https or from localhost. Open the playground over https (or at http://localhost / http://127.0.0.1), or choose another environment in Settings"
    }))
}

fn unavailable(reason: impl Into<String>) -> AppError {
    AppError::BrowserSandbox(reason.into())
}

/// What a rejected JS promise said, as text.
fn js_reason(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// Registers the worker for the page's directory. Calling it again is harmless: the browser
/// keeps one registration per scope and only fetches the script again to look for an update.
///
/// # Errors
/// [`AppError::BrowserSandbox`] when the browser has no service workers here or refuses the
/// script (missing, not JavaScript, failing on start).
pub async fn register() -> Result<(), AppError> {
    let container = container()?;
    let options = RegistrationOptions::new();
    options.set_scope(&page_dir());
    let script = script_url();
    JsFuture::from(container.register_with_options(&script, &options))
        .await
        .map_err(|e| {
            unavailable(format!(
                "the browser refused to register its service worker {script} ({}). If the file is missing, this build of the playground was made without the sandbox worker; the browser also refuses when site data is blocked for this site",
                js_reason(&e)
            ))
        })?;
    Ok(())
}

/// Waits until the worker controls the page, registering it first if needed: after this, a
/// request under [`base_url`] reaches the sandbox.
///
/// # Errors
/// As [`register`], and [`AppError::BrowserSandbox`] when the worker does not take control
/// within [`READY_TIMEOUT_MS`].
pub async fn ready() -> Result<(), AppError> {
    let container = container()?;
    if container.controller().is_some() {
        return Ok(());
    }
    register().await?;
    let not_in_time = || {
        unavailable(format!(
            "its service worker did not take control of this page within {} s. Reload the page (a forced reload, Shift+Reload, bypasses service workers until the next normal one); if it still fails, the worker may fail on start: see the browser's developer tools, Application > Service workers",
            READY_TIMEOUT_MS / 1000
        ))
    };
    let ready = container.ready().map_err(|e| unavailable(js_reason(&e)))?;
    if !within_timeout(ready).await? {
        return Err(not_in_time());
    }
    if container.controller().is_some() {
        return Ok(());
    }
    // Active but not yet controlling: its `clients.claim()` is on the way, or this page was
    // loaded with a forced reload, which a worker only takes over when asked.
    let options = AddEventListenerOptions::new();
    options.set_once(true);
    let claimed = Promise::new(&mut |resolve, _reject| {
        let _ = container.add_event_listener_with_callback_and_add_event_listener_options(
            "controllerchange",
            &resolve,
            &options,
        );
    });
    if let Ok(registration) = JsFuture::from(container.get_registration()).await {
        let active = registration
            .dyn_into::<web_sys::ServiceWorkerRegistration>()
            .ok()
            .and_then(|r| r.active());
        if let Some(worker) = active {
            let _ = worker.post_message(&JsValue::from_str("claim"));
        }
    }
    if container.controller().is_some() || within_timeout(claimed).await? {
        Ok(())
    } else {
        Err(not_in_time())
    }
}

/// Waits for `promise` at most [`READY_TIMEOUT_MS`]: `true` when it settled in time.
async fn within_timeout(promise: Promise) -> Result<bool, AppError> {
    let window = web_sys::window().ok_or_else(|| unavailable("there is no window"))?;
    let timed_out = JsValue::from(Object::new());
    let timer = Promise::new(&mut |resolve, _reject| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(
            &resolve,
            READY_TIMEOUT_MS,
            &timed_out,
        );
    });
    let first = JsFuture::from(Promise::race(&js_sys::Array::of2(&promise, &timer)))
        .await
        .map_err(|e| unavailable(js_reason(&e)))?;
    Ok(first != timed_out)
}

/// Empties the sandbox (`POST <base>/__sim/reset`): its payments, callbacks, faults and
/// consents. The app's settings and history are not touched. Returns the sentence to show.
///
/// # Errors
/// Why it did not reset, for the user.
pub async fn reset() -> Result<&'static str, String> {
    ready().await.map_err(|e| e.to_string())?;
    let request = scenario::reset();
    let url = request.url("", &page_dir(), Environment::Browser);
    let response = api::transport(&request, &url, &base_url(), "")
        .await
        .map_err(|e| e.to_string())?;
    scenario::reset_outcome(response.status)
}
