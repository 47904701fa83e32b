//! Browser tests (wasm-bindgen-test in headless Chromium) of the sandbox in this browser: its
//! URLs from the test page's real base URL, the default environment the page's server decides,
//! and a request that fails fast and says why when the worker script is missing (the test
//! runner serves none), instead of hanging or reaching the server.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use ecom_core::environment::base_directory;
use ecom_core::settings::Settings;
use ecom_core::token::access_token_request;
use ecom_core::Environment;
use ecom_playground::error::AppError;
use ecom_playground::state::settings::{local_storage, session_storage, SettingsCtx};
use ecom_playground::{api, browser_sandbox};
use leptos::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn clear() {
    local_storage().unwrap().clear().unwrap();
    session_storage().unwrap().clear().unwrap();
}

#[wasm_bindgen_test]
fn requests_go_under_the_page_directory_whatever_the_proxy() {
    let base_uri = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .base_uri()
        .unwrap()
        .unwrap();
    let dir = api::page_dir();
    assert_eq!(dir, base_directory(&base_uri));
    assert!(dir.ends_with('/'), "{dir}");
    let settings = Settings {
        environment: Environment::Browser,
        proxy_url: "https://proxy.example".into(),
        ..Settings::default()
    };
    let request = access_token_request(settings.active_credentials());
    assert_eq!(
        api::url_for(&request, &settings),
        format!("{dir}browser-sandbox/accesstoken/get")
    );
    assert_eq!(browser_sandbox::base_url(), format!("{dir}browser-sandbox"));
    assert_eq!(browser_sandbox::script_url(), format!("{dir}sandbox-sw.js"));
}

#[wasm_bindgen_test]
fn the_page_server_decides_the_default_until_the_user_chooses() {
    clear();
    let owner = Owner::new();
    owner.with(|| {
        // Built directly: `provide`'s persisting effect would need the app's executor.
        let ctx = SettingsCtx {
            settings: RwSignal::new(Settings::default()),
            reset_notice: RwSignal::new(None),
            save_error: RwSignal::new(None),
            proxy_info: RwSignal::new(None),
        };
        let env = || ctx.settings.with_untracked(|s| s.environment);
        assert_eq!(env(), Environment::Sandbox, "before the probe answers");
        let unreachable = || {
            Some(Err(AppError::ProxyUnreachable {
                url: "x".into(),
                reason: "y".into(),
            }))
        };
        // A proxy URL the user typed that is down is reported, not replaced.
        ctx.settings
            .update(|s| s.proxy_url = "http://127.0.0.1:9".into());
        ctx.set_proxy_info(unreachable());
        assert_eq!(env(), Environment::Sandbox);
        // The page's own server has no proxy: the sandbox in this browser.
        ctx.settings.update(|s| s.proxy_url.clear());
        ctx.set_proxy_info(unreachable());
        assert_eq!(env(), Environment::Browser);
        // A choice is kept whatever the server says.
        ctx.settings
            .update(|s| s.choose_environment(Environment::Sandbox));
        ctx.set_proxy_info(unreachable());
        assert_eq!(env(), Environment::Sandbox);
    });
    clear();
}

#[wasm_bindgen_test]
async fn without_the_worker_script_a_request_fails_fast_and_says_why() {
    clear();
    let settings = Settings {
        environment: Environment::Browser,
        ..Settings::default()
    };
    let started = js_sys::Date::now();
    let error = api::fetch_token(&settings).await.unwrap_err();
    let AppError::BrowserSandbox(reason) = &error else {
        panic!("{error:?}");
    };
    assert!(
        reason.contains("refused to register") && reason.contains("sandbox-sw.js"),
        "{reason}"
    );
    assert!(
        js_sys::Date::now() - started < f64::from(browser_sandbox::READY_TIMEOUT_MS),
        "no waiting for a worker that cannot start"
    );
    assert!(error
        .to_string()
        .starts_with("the sandbox in this browser is not available"));
}
