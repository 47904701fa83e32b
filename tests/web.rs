//! Browser tests (wasm-bindgen-test in headless Chromium): settings persistence through the
//! real local storage, and recovery from corrupt stored data, at the state layer and as the
//! user sees it in the mounted app.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use ecom_core::settings::{Settings, BACKUP_KEY, STORAGE_KEY};
use ecom_core::Environment;
use ecom_playground::state::settings::{load, local_storage, save};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn clear() -> web_sys::Storage {
    let storage = local_storage().expect("Chromium has local storage");
    storage.clear().unwrap();
    storage
}

#[wasm_bindgen_test]
fn settings_round_trip_through_local_storage() {
    let storage = clear();
    let mut settings = Settings {
        environment: Environment::Mt,
        ..Settings::default()
    };
    settings.credentials.mt.client_id = "my-client".into();
    settings.credentials.mt.client_secret = "my-secret".into();
    save(Some(&storage), &settings).unwrap();
    let raw = storage
        .get_item(STORAGE_KEY)
        .unwrap()
        .expect("saved under the versioned key");
    assert!(raw.contains("\"version\":1"), "{raw}");
    let loaded = load(Some(&storage));
    assert_eq!(loaded.settings, settings);
    assert_eq!(loaded.reset, None);
}

#[wasm_bindgen_test]
fn corrupt_storage_resets_to_defaults_and_keeps_a_backup() {
    let storage = clear();
    storage
        .set_item(STORAGE_KEY, "{\"version\":1,\"credentials\":")
        .unwrap();
    let loaded = load(Some(&storage));
    assert_eq!(loaded.settings, Settings::default());
    assert!(loaded.reset.unwrap().message.contains("not valid JSON"));
    assert_eq!(
        storage.get_item(BACKUP_KEY).unwrap().as_deref(),
        Some("{\"version\":1,\"credentials\":")
    );
}

#[wasm_bindgen_test]
async fn mounted_app_explains_a_reset_and_still_works() {
    let storage = clear();
    storage
        .set_item(STORAGE_KEY, "[\"someone else's data\"]")
        .unwrap();
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), ecom_playground::App);
    leptos::task::tick().await;

    let notice = document
        .query_selector("[data-testid=reset-notice]")
        .unwrap()
        .expect("reset notice shown");
    let text = notice.text_content().unwrap();
    assert!(
        text.contains("could not be read") && text.contains(BACKUP_KEY),
        "{text}"
    );

    let client_id: web_sys::HtmlInputElement = document
        .query_selector("#field-client_id")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(client_id.value(), ecom_core::demo::CLIENT_ID);

    // Editing a field after the reset is saved again under the versioned key.
    client_id.set_value("edited-id");
    client_id
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    leptos::task::tick().await;
    let saved = load(Some(&storage));
    assert_eq!(saved.settings.credentials.sandbox.client_id, "edited-id");
    assert_eq!(saved.reset, None);
    drop(handle);
    root.remove();
}
