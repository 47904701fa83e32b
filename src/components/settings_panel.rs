//! The Settings panel: environment, proxy URL and the credentials of the quick start.

use ecom_core::settings::Credentials;
use ecom_core::validate::{self, Field};
use ecom_core::Environment;
use leptos::prelude::*;

use crate::components::browser_sandbox_panel::SLOT_ID;
use crate::components::wide_window;
use crate::state::settings::{forget_everything, SettingsCtx};

/// What the switch offers before the proxy has said what it serves.
const FALLBACK_OFFER: [Environment; 3] =
    [Environment::Browser, Environment::Sandbox, Environment::Mt];

/// The Settings panel.
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let ctx = expect_context::<SettingsCtx>();
    let settings = ctx.settings;
    let proxy_error =
        move || settings.with(|s| validate::proxy_url(&s.proxy_url).err().map(|e| e.message));
    // `ProxyProbe` asks the proxy what it serves; this panel only shows the answer.
    let info = ctx.proxy_info;
    let offered = move || {
        let mut envs = match info.get() {
            Some(Ok(info)) => info.environments(),
            _ => FALLBACK_OFFER.to_vec(),
        };
        let current = settings.with(|s| s.environment);
        if !envs.contains(&current) {
            envs.push(current);
        }
        envs
    };
    let proxy_status = move || {
        match info.get() {
        None => "Asking the proxy what it serves…".to_owned(),
        Some(Ok(info)) => {
            let names: Vec<&str> = info
                .served()
                .into_iter()
                .map(Environment::label)
                .collect();
            format!("Proxy reachable; it serves: {}.", names.join(", "))
        }
        Some(Err(e)) if !settings.with(|s| s.environment.is_proxied()) => format!(
            "The sandbox in this browser needs no proxy. The other environments go through the proxy, which is not there: {e}"
        ),
        Some(Err(e)) => e.to_string(),
    }
    };
    // How MT reads a number it corrects, and which numbers the sandbox knows.
    let mobile_hint = move || {
        settings.with(|s| {
            let typed = &s.active_credentials().mobile_number;
            let corrected = validate::normalize_mobile_number(typed)
                .filter(|n| n != typed)
                .map(|n| format!("The API reads this as {n}. "));
            let users = s
                .environment
                .is_simulated()
                .then(ecom_core::demo::test_users_sentence);
            format!(
                "{}{}",
                corrected.unwrap_or_default(),
                users.unwrap_or_default()
            )
        })
    };
    let forget = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message("Forget all settings, credentials, session variables and history stored by the eCom Playground in this browser?").ok())
            .unwrap_or(false);
        if confirmed {
            forget_everything();
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
    };

    view! {
        <section class="panel settings" aria-labelledby="settings-title" data-testid="settings">
            <details class="fold" open=wide_window()>
                <summary><h2 id="settings-title">"Settings"</h2></summary>
                <p class="hint">"Saved in this browser's local storage, separately for each environment."</p>
                <div class="field">
                    <label for="field-environment">"Environment"</label>
                    <select
                        id="field-environment"
                        data-testid="environment"
                        on:change=move |ev| {
                            if let Some(env) = Environment::from_upstream(&event_target_value(&ev)) {
                                settings.update(|s| s.choose_environment(env));
                            }
                        }
                    >
                        {move || offered()
                            .into_iter()
                            .map(|env| {
                                view! {
                                    <option
                                        value=env.upstream()
                                        selected=move || settings.with(|s| s.environment == env)
                                    >
                                        {env.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                // The sandbox in this browser's status and Reset, from the side panels' chunk.
                <div id=SLOT_ID></div>
                <div class="field">
                    <label for="field-proxy">"Proxy URL"</label>
                    <input
                        id="field-proxy"
                        data-testid="proxy-url"
                        type="url"
                        placeholder="empty: this page's own server"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || settings.with(|s| s.proxy_url.clone())
                        on:input=move |ev| settings.update(|s| s.proxy_url = event_target_value(&ev))
                        aria-invalid=move || proxy_error().is_some().to_string()
                        aria-describedby="field-proxy-error"
                    />
                    <p class="field-error" id="field-proxy-error" role="status">{proxy_error}</p>
                    <p class="hint" data-testid="proxy-status" role="status">{proxy_status}</p>
                </div>
                <CredentialField label="client_id" field=Field::ClientId secret=false get=|c| &c.client_id get_mut=|c| &mut c.client_id />
                <CredentialField label="client_secret" field=Field::ClientSecret secret=true get=|c| &c.client_secret get_mut=|c| &mut c.client_secret />
                <CredentialField label="Ocp-Apim-Subscription-Key" field=Field::SubscriptionKey secret=true get=|c| &c.subscription_key get_mut=|c| &mut c.subscription_key />
                <CredentialField label="merchantSerialNumber" field=Field::MerchantSerialNumber secret=false get=|c| &c.merchant_serial_number get_mut=|c| &mut c.merchant_serial_number />
                <CredentialField label="mobileNumber (test user)" field=Field::MobileNumber secret=false get=|c| &c.mobile_number get_mut=|c| &mut c.mobile_number />
                <p class="hint" data-testid="mobile-hint">{mobile_hint}</p>
                <Show when=move || settings.with(|s| s.environment.is_simulated())>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="restore-demo"
                        on:click=move |_| settings.update(|s| *s.credentials.of_mut(s.environment) = Credentials::demo())
                    >
                        "Restore the sandbox demo credentials"
                    </button>
                </Show>
                <ProxyTokenField />
                <div class="check">
                    <input
                        id="field-remember"
                        data-testid="remember-secrets"
                        type="checkbox"
                        prop:checked=move || settings.with(|s| s.remember_secrets)
                        on:change=move |ev| settings.update(|s| s.remember_secrets = event_target_checked(&ev))
                    />
                    <label for="field-remember">"Remember secrets on this device"</label>
                </div>
                <p class="hint">
                    {move || if settings.with(|s| s.remember_secrets) {
                        "Secrets are kept in this browser's local storage."
                    } else {
                        "Secrets are kept for this tab only and are gone when it closes."
                    }}
                </p>
                <button type="button" class="secondary danger" data-testid="forget-everything" on:click=forget>
                    "Forget everything"
                </button>
                <p class="field-error" role="alert">{move || ctx.save_error.get()}</p>
            </details>
        </section>
    }
}

/// One credential input of the active environment, with its validation message and, for
/// secrets, a reveal toggle.
#[component]
fn CredentialField(
    label: &'static str,
    field: Field,
    secret: bool,
    get: fn(&Credentials) -> &String,
    get_mut: fn(&mut Credentials) -> &mut String,
) -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let revealed = RwSignal::new(false);
    let id = format!("field-{}", field.api_name());
    let error_id = format!("{id}-error");
    let error = move || {
        settings.with(|s| {
            validate::credentials(s.active_credentials())
                .into_iter()
                .find(|e| e.field == field)
                .map(|e| e.message)
        })
    };
    let input_type = move || {
        if secret && !revealed.get() {
            "password"
        } else {
            "text"
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="input-row">
                <input
                    id=id.clone()
                    data-testid=id.clone()
                    type=input_type
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || settings.with(|s| get(s.active_credentials()).clone())
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        settings.update(|s| *get_mut(s.credentials.of_mut(s.environment)) = value);
                    }
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=error_id.clone()
                />
                {secret
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="reveal"
                                data-testid=format!("{id}-reveal")
                                aria-pressed=move || revealed.get().to_string()
                                aria-label=format!("Show {label}")
                                on:click=move |_| revealed.update(|r| *r = !*r)
                            >
                                {move || if revealed.get() { "Hide" } else { "Show" }}
                            </button>
                        }
                    })}
            </div>
            <p class="field-error" id=error_id role="status">{error}</p>
        </div>
    }
}

/// The proxy's access token, for a proxy that requires one.
#[component]
fn ProxyTokenField() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let revealed = RwSignal::new(false);
    view! {
        <div class="field">
            <label for="field-proxy-token">"Proxy access token (only if the proxy requires one)"</label>
            <div class="input-row">
                <input
                    id="field-proxy-token"
                    data-testid="proxy-token"
                    type=move || if revealed.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || settings.with(|s| s.proxy_token.clone())
                    on:input=move |ev| settings.update(|s| s.proxy_token = event_target_value(&ev))
                />
                <button
                    type="button"
                    class="reveal"
                    aria-pressed=move || revealed.get().to_string()
                    aria-label="Show the proxy access token"
                    on:click=move |_| revealed.update(|r| *r = !*r)
                >
                    {move || if revealed.get() { "Hide" } else { "Show" }}
                </button>
            </div>
        </div>
    }
}
