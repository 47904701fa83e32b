//! Browser tests (wasm-bindgen-test in headless Chromium) of "Copy as curl", the call history
//! and the Postman environment import, mounted with the real context structs and the real
//! local storage.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use ecom_core::history::{BACKUP_KEY, STORAGE_KEY};
use ecom_core::payment::details_request;
use ecom_core::settings::Credentials;
use ecom_core::token::access_token_request;
use ecom_core::{demo, Environment};
use ecom_playground::api::ApiResponse;
use ecom_playground::components::curl_view::CurlView;
use ecom_playground::components::history_panel::HistoryPanel;
use ecom_playground::components::import_panel::ImportPanel;
use ecom_playground::error::AppError;
use ecom_playground::state::history::HistoryCtx;
use ecom_playground::state::session::SessionCtx;
use ecom_playground::state::settings::{local_storage, SettingsCtx};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ENVIRONMENT_FILE: &str =
    include_str!("../../shared/fixtures/vipps-api-global-postman-environment.json");

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn clear_storage() -> web_sys::Storage {
    let storage = local_storage().expect("Chromium has local storage");
    storage.clear().unwrap();
    storage
}

/// Mounts `view` in a fresh element; returns the element and the handle that keeps it alive.
fn mount<V: IntoView + 'static>(
    view: impl FnOnce() -> V + 'static,
) -> (web_sys::Element, impl Drop) {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), view);
    (root, handle)
}

fn find(root: &web_sys::Element, selector: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(selector)
        .unwrap()
        .map(|e| e.unchecked_into())
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    find(root, selector)
        .unwrap_or_else(|| panic!("{selector} is shown"))
        .text_content()
        .unwrap_or_default()
}

/// Runs JavaScript with `element` as `el` (for what web-sys features of the tests lack).
fn js(element: &web_sys::Element, body: &str) -> JsValue {
    js_sys::Function::new_with_args("el", body)
        .call1(&JsValue::NULL, element)
        .unwrap()
}

/// The history table's cells, row by row.
fn rows(root: &web_sys::Element) -> Vec<Vec<String>> {
    let joined = js(
        root,
        "return [...el.querySelectorAll('[data-testid=history-row]')]
            .map(row => [...row.querySelectorAll('td')].map(td => td.textContent).join('\\t'))
            .join('\\n');",
    )
    .as_string()
    .unwrap();
    joined
        .lines()
        .map(|row| row.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Waits `ms` milliseconds, letting the browser run promises and effects.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits until `selector` is in `root`, for up to about two seconds.
async fn wait_for(root: &web_sys::Element, selector: &str) -> web_sys::HtmlElement {
    for _ in 0..100 {
        if let Some(found) = find(root, selector) {
            return found;
        }
        sleep(20).await;
    }
    panic!("{selector} did not appear");
}

#[wasm_bindgen_test]
async fn curl_view_hides_secrets_until_revealed() {
    let request = access_token_request(&Credentials::demo());
    let url = "http://127.0.0.1:8080/sandbox/accesstoken/get".to_owned();
    let (root, handle) = mount(move || {
        view! { <CurlView request=Signal::derive(move || Some(request.clone())) url=url /> }
    });
    leptos::task::tick().await;
    let command = text(&root, "[data-testid=curl]");
    assert!(
        command.starts_with("# export CLIENT_SECRET=… SUBSCRIPTION_KEY=…\ncurl -X POST"),
        "{command}"
    );
    assert!(
        command.contains("\"client_secret: $CLIENT_SECRET\""),
        "{command}"
    );
    assert!(!command.contains(demo::CLIENT_SECRET), "{command}");
    assert!(
        command.contains(&format!("'client_id: {}'", demo::CLIENT_ID)),
        "{command}"
    );

    find(&root, "[data-testid=curl-reveal]").unwrap().click();
    leptos::task::tick().await;
    let revealed = text(&root, "[data-testid=curl]");
    assert!(revealed.contains(demo::CLIENT_SECRET), "{revealed}");
    assert!(!revealed.contains("$CLIENT_SECRET"), "{revealed}");

    // Headless Chromium may refuse the clipboard; either way the user is told.
    find(&root, "[data-testid=curl-copy]").unwrap().click();
    let outcome = wait_for(&root, "[data-testid=curl-copied], .curl [role=alert]").await;
    assert!(!outcome.text_content().unwrap().is_empty());
    drop(handle);
    root.remove();
}

fn response(status: u16, millis: f64) -> ApiResponse {
    ApiResponse {
        status,
        status_text: String::new(),
        millis,
        upstream_millis: None,
        headers: vec![],
        body: "{\"access_token\":\"eyJ-secret-token\"}".into(),
        explanation: None,
    }
}

#[wasm_bindgen_test]
async fn history_records_without_secrets_resumes_an_order_and_clears() {
    let storage = clear_storage();
    let ctx: RwSignal<Option<(HistoryCtx, SessionCtx)>> = RwSignal::new(None);
    let (root, handle) = mount(move || {
        let history = HistoryCtx::provide();
        let session = SessionCtx::provide();
        ctx.set(Some((history, session)));
        view! { <HistoryPanel /> }
    });
    leptos::task::tick().await;
    assert!(find(&root, "[data-testid=history-empty]").is_some());
    let (history, session) = ctx.get_untracked().unwrap();

    let token_request = access_token_request(&Credentials::demo());
    history.record(
        &token_request,
        Environment::Sandbox,
        Ok(&response(200, 41.6)),
    );
    let details = details_request(&Credentials::demo(), "order-77").authorized("eyJ-secret-token");
    let unreachable = AppError::ProxyUnreachable {
        url: "http://127.0.0.1:9".into(),
        reason: "Failed to fetch".into(),
    };
    history.record(&details, Environment::Sandbox, Err(&unreachable));
    leptos::task::tick().await;

    let cells = rows(&root);
    assert_eq!(cells.len(), 2, "{cells:?}");
    let (newest, oldest) = (&cells[0], &cells[1]);
    assert_eq!(
        newest[1..],
        [
            "GET",
            "/ecomm/v2/payments/order-77/details",
            "—",
            "",
            "order-77"
        ]
    );
    assert_eq!(oldest[1..], ["POST", "/accesstoken/get", "200", "42", ""]);
    assert_eq!(oldest[0].len(), "12:34:56".len(), "{oldest:?}");

    let stored = storage.get_item(STORAGE_KEY).unwrap().expect("saved");
    for secret in [
        demo::CLIENT_SECRET,
        demo::SUBSCRIPTION_KEY,
        "eyJ-secret-token",
    ] {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }

    find(&root, "[data-testid=history-order]").unwrap().click();
    leptos::task::tick().await;
    assert_eq!(session.vars.get_untracked().order_id, "order-77");

    find(&root, "[data-testid=history-clear]").unwrap().click();
    leptos::task::tick().await;
    assert!(find(&root, "[data-testid=history-empty]").is_some());
    let stored = storage.get_item(STORAGE_KEY).unwrap().unwrap();
    assert_eq!(stored, "{\"version\":1,\"entries\":[]}");
    drop(handle);
    root.remove();
}

#[wasm_bindgen_test]
async fn corrupt_history_is_backed_up_and_explained() {
    let storage = clear_storage();
    storage
        .set_item(STORAGE_KEY, "{\"version\":1,\"entries\":")
        .unwrap();
    let (root, handle) = mount(|| {
        HistoryCtx::provide();
        view! { <HistoryPanel /> }
    });
    leptos::task::tick().await;
    let notice = text(&root, "[data-testid=history-notice]");
    assert!(
        notice.contains("could not be read") && notice.contains(BACKUP_KEY),
        "{notice}"
    );
    assert!(find(&root, "[data-testid=history-empty]").is_some());
    assert_eq!(
        storage.get_item(BACKUP_KEY).unwrap().as_deref(),
        Some("{\"version\":1,\"entries\":")
    );
    // The empty history replaced the corrupt value only after it was backed up.
    assert_eq!(
        storage.get_item(STORAGE_KEY).unwrap().as_deref(),
        Some("{\"version\":1,\"entries\":[]}")
    );
    drop(handle);
    root.remove();
}

/// Mounts the import panel with real settings (switched to MT) and session contexts.
fn mount_import() -> (web_sys::Element, impl Drop, SettingsCtx, SessionCtx) {
    clear_storage();
    let ctx: RwSignal<Option<(SettingsCtx, SessionCtx)>> = RwSignal::new(None);
    let (root, handle) = mount(move || {
        let settings = SettingsCtx::provide();
        settings
            .settings
            .update(|s| s.environment = Environment::Mt);
        let session = SessionCtx::provide();
        ctx.set(Some((settings, session)));
        view! { <ImportPanel /> }
    });
    let (settings, session) = ctx.get_untracked().unwrap();
    (root, handle, settings, session)
}

fn filled_environment() -> String {
    ENVIRONMENT_FILE
        .replace(
            "<Set your client_id in the CURRENT VALUE column. See https://developer.vippsmobilepay.com/docs/common-topics/api-keys/ for help finding your API keys.>",
            "my-mt-client",
        )
        .replace(
            "<Set your client_secret in the CURRENT VALUE column. See https://developer.vippsmobilepay.com/docs/common-topics/api-keys/ for help finding your API keys.>",
            "my-mt-secret",
        )
        .replace(
            "<This value will be overwritten on each Initiate Payment call. It will contain a url to the landing page, obtained from the eCom api.>",
            "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=tok-9",
        )
}

#[wasm_bindgen_test]
async fn pasting_a_filled_environment_imports_into_the_active_environment() {
    let (root, handle, settings, session) = mount_import();
    leptos::task::tick().await;
    assert_eq!(
        text(&root, "[data-testid=import-button]"),
        "Import into MT test (apitest.vipps.no)"
    );
    let textarea = find(&root, "[data-testid=import-text]").unwrap();
    js(
        &textarea,
        &format!(
            "el.value = {}; el.dispatchEvent(new Event('input'));",
            serde_json::to_string(&filled_environment()).unwrap()
        ),
    );
    leptos::task::tick().await;
    find(&root, "[data-testid=import-button]").unwrap().click();
    leptos::task::tick().await;

    let report = text(&root, "[data-testid=import-report]");
    assert!(
        report.starts_with(
            "Imported client_id, client_secret, vippsLandingPageURL; skipped 6 placeholders"
        ),
        "{report}"
    );
    assert!(!report.contains("my-mt-secret"), "{report}");
    let s = settings.settings.get_untracked();
    assert_eq!(s.credentials.mt.client_id, "my-mt-client");
    assert_eq!(s.credentials.mt.client_secret, "my-mt-secret");
    assert_eq!(
        s.credentials.sandbox,
        Credentials::demo(),
        "other environments untouched"
    );
    let vars = session.vars.get_untracked();
    assert_eq!(vars.payment_token, "tok-9", "taken from the landing URL");
    assert!(vars.landing_url.ends_with("token=tok-9"));
    let left = js(&textarea, "return el.value;").as_string().unwrap();
    assert!(left.is_empty(), "the pasted secrets are not left on screen");
    drop(handle);
    root.remove();
}

#[wasm_bindgen_test]
async fn choosing_a_file_and_bad_input() {
    let (root, handle, settings, _session) = mount_import();
    leptos::task::tick().await;
    let input = find(&root, "[data-testid=import-file]").unwrap();
    js(
        &input,
        &format!(
            "const dt = new DataTransfer();
             dt.items.add(new File([{}], 'vipps-env.json', {{ type: 'application/json' }}));
             el.files = dt.files;
             el.dispatchEvent(new Event('change'));",
            serde_json::to_string(ENVIRONMENT_FILE).unwrap()
        ),
    );
    wait_for(&root, ".import code").await;
    assert_eq!(text(&root, ".import code"), "vipps-env.json");
    find(&root, "[data-testid=import-button]").unwrap().click();
    leptos::task::tick().await;
    let report = text(&root, "[data-testid=import-report]");
    assert!(
        report.starts_with("Nothing imported; skipped 9 placeholders"),
        "{report}"
    );
    assert_eq!(
        settings.settings.get_untracked().credentials.mt,
        Credentials::default()
    );

    let textarea = find(&root, "[data-testid=import-text]").unwrap();
    js(
        &textarea,
        "el.value = 'client_id=abc'; el.dispatchEvent(new Event('input'));",
    );
    leptos::task::tick().await;
    find(&root, "[data-testid=import-button]").unwrap().click();
    leptos::task::tick().await;
    let error = text(&root, "[data-testid=import-error]");
    assert!(error.starts_with("this is not JSON"), "{error}");
    drop(handle);
    root.remove();
}
