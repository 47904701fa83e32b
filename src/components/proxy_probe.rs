//! Asks the proxy what it serves (`GET /__proxy/info`) whenever its address changes, and
//! keeps the answer in the settings context for the environment switch and the steps; the
//! answer also decides the default environment of a user who never chose one.
//!
//! It renders nothing. It is loaded with the steps rather than with the Settings panel, so
//! the first load carries no HTTP client: the switch offers the sandbox in this browser, Local
//! sandbox and MT until the answer arrives.

use ecom_core::validate;
use leptos::prelude::*;

use crate::api;
use crate::error::AppError;
use crate::state::settings::SettingsCtx;

/// Keeps `SettingsCtx::proxy_info` up to date.
#[component]
pub fn ProxyProbe() -> impl IntoView {
    let ctx = expect_context::<SettingsCtx>();
    let settings = ctx.settings;
    let proxy_url = Memo::new(move |_| settings.with(|s| s.proxy_url.clone()));
    let info = LocalResource::new(move || {
        proxy_url.with(|_| ());
        let settings = settings.get_untracked();
        async move {
            // A half-typed URL is not asked: the field already says what is wrong with it.
            validate::proxy_url(&settings.proxy_url).map_err(|e| AppError::Invalid(e.message))?;
            api::proxy_info(&settings).await
        }
    });
    // A resource keeps the newest answer only, so a slow reply to an old address never
    // overwrites the reply to the current one.
    Effect::new(move |_| ctx.set_proxy_info(info.get()));
}
