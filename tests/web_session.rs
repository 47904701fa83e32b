//! Browser tests (wasm-bindgen-test in headless Chromium) of the session variables in the real
//! local and session storage: `sub` (personal data) never in local storage but kept for the
//! tab, and unreadable stored variables backed up and explained, with the settings untouched.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use ecom_core::session::{BACKUP_KEY, STORAGE_KEY};
use ecom_core::settings::{Settings, STORAGE_KEY as SETTINGS_KEY};
use ecom_playground::state::session::{load, persist, Vars};
use ecom_playground::state::settings::{local_storage, session_storage};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SUB: &str = "c06c4afe-d9e1-4c5d-939a-177d752a0944";

/// Both storages, emptied.
fn clear() -> (web_sys::Storage, web_sys::Storage) {
    let local = local_storage().expect("Chromium has local storage");
    let session = session_storage().expect("Chromium has session storage");
    local.clear().unwrap();
    session.clear().unwrap();
    (local, session)
}

fn vars() -> Vars {
    Vars {
        order_id: "1234561700000000001".into(),
        landing_url: "http://127.0.0.1:8080/sandbox/deeplink?v=2&token=t0k".into(),
        payment_token: "t0k".into(),
        sub: SUB.into(),
        initiated: Vec::new(),
    }
}

#[wasm_bindgen_test]
fn sub_is_kept_for_the_tab_and_never_in_local_storage() {
    let (local, session) = clear();
    assert!(persist(Some(&local), Some(&session), &vars()));
    let in_local = local.get_item(STORAGE_KEY).unwrap().unwrap();
    assert!(
        !in_local.contains(SUB) && !in_local.contains("sub"),
        "{in_local}"
    );
    assert!(in_local.contains("1234561700000000001"), "{in_local}");
    assert!(session
        .get_item(STORAGE_KEY)
        .unwrap()
        .unwrap()
        .contains(SUB));

    // A reload in the same tab gets everything back.
    let same_tab = load(Some(&local), Some(&session));
    assert_eq!(same_tab.vars, vars());
    assert_eq!(same_tab.notice, None);
    // A new tab (empty session storage) can resume the payment, without the sub.
    let new_tab = load(Some(&local), None);
    assert_eq!(
        new_tab.vars,
        Vars {
            sub: String::new(),
            ..vars()
        }
    );
}

#[wasm_bindgen_test]
fn a_sub_stored_by_an_older_version_moves_out_of_local_storage() {
    let (local, session) = clear();
    local
        .set_item(
            STORAGE_KEY,
            &format!(r#"{{"orderId":"o-1","landingUrl":"","paymentToken":"","sub":"{SUB}"}}"#),
        )
        .unwrap();
    let loaded = load(Some(&local), Some(&session));
    assert_eq!(loaded.vars.sub, SUB);
    assert_eq!(loaded.vars.order_id, "o-1");
    let in_local = local.get_item(STORAGE_KEY).unwrap().unwrap();
    assert!(!in_local.contains(SUB), "{in_local}");
    assert!(session
        .get_item(STORAGE_KEY)
        .unwrap()
        .unwrap()
        .contains(SUB));
}

#[wasm_bindgen_test]
fn unreadable_variables_are_backed_up_with_a_notice_and_settings_are_untouched() {
    let (local, session) = clear();
    let settings = r#"{"version":1,"credentials":{"sandbox":{"merchantSerialNumber":"654321"}}}"#;
    local.set_item(SETTINGS_KEY, settings).unwrap();
    local.set_item(STORAGE_KEY, "{\"orderId\":").unwrap();
    let loaded = load(Some(&local), Some(&session));
    assert_eq!(loaded.vars, Vars::default());
    let notice = loaded.notice.expect("a notice");
    assert!(notice.contains("not valid JSON"), "{notice}");
    assert!(notice.contains(BACKUP_KEY), "{notice}");
    assert!(
        notice.contains("settings and credentials are untouched"),
        "{notice}"
    );
    assert_eq!(
        local.get_item(BACKUP_KEY).unwrap().as_deref(),
        Some("{\"orderId\":")
    );
    assert_eq!(
        local.get_item(SETTINGS_KEY).unwrap().as_deref(),
        Some(settings)
    );
    // Backed up and removed: the next load is quiet.
    assert_eq!(local.get_item(STORAGE_KEY).unwrap(), None);
    assert_eq!(load(Some(&local), Some(&session)).notice, None);
}

#[wasm_bindgen_test]
fn an_unreadable_tab_copy_falls_back_to_local_storage() {
    let (local, session) = clear();
    assert!(persist(Some(&local), Some(&session), &vars()));
    session.set_item(STORAGE_KEY, "[1, 2").unwrap();
    let loaded = load(Some(&local), Some(&session));
    assert_eq!(loaded.vars.order_id, vars().order_id);
    assert!(loaded.notice.unwrap().contains("could not be read"));
    assert_eq!(
        session.get_item(BACKUP_KEY).unwrap().as_deref(),
        Some("[1, 2")
    );
}

#[wasm_bindgen_test]
fn an_unreadable_local_copy_is_backed_up_even_when_the_tab_copy_is_used() {
    let (local, session) = clear();
    assert!(persist(Some(&local), Some(&session), &vars()));
    local.set_item(STORAGE_KEY, "garbage").unwrap();
    let loaded = load(Some(&local), Some(&session));
    assert_eq!(loaded.vars, vars());
    assert_eq!(loaded.notice, None, "nothing the user sees was lost");
    assert_eq!(
        local.get_item(BACKUP_KEY).unwrap().as_deref(),
        Some("garbage")
    );
}

#[wasm_bindgen_test]
async fn the_mounted_app_explains_unreadable_variables_and_keeps_the_settings() {
    let (local, _) = clear();
    let mut settings = Settings::default();
    settings.credentials.sandbox.merchant_serial_number = "654321".into();
    local.set_item(SETTINGS_KEY, &settings.to_stored()).unwrap();
    local.set_item(STORAGE_KEY, "not json at all").unwrap();
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), ecom_playground::App);
    leptos::task::tick().await;

    let notice = root
        .query_selector("[data-testid=session-notice]")
        .unwrap()
        .expect("session notice shown")
        .text_content()
        .unwrap();
    assert!(
        notice.contains("session variables")
            && notice.contains("could not be read")
            && notice.contains(BACKUP_KEY)
            && notice.contains("settings and credentials are untouched"),
        "{notice}"
    );
    assert!(
        root.query_selector("[data-testid=reset-notice]")
            .unwrap()
            .is_none(),
        "the settings were not reset"
    );
    let msn: web_sys::HtmlInputElement = root
        .query_selector("#field-merchantSerialNumber")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(msn.value(), "654321");
    assert_eq!(
        local.get_item(BACKUP_KEY).unwrap().as_deref(),
        Some("not json at all")
    );
    drop(handle);
    root.remove();
}
