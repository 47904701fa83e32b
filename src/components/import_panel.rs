//! Import the official Postman environment file (chosen or pasted) into the active
//! environment's credentials and the session variables.

use ecom_core::import::{import, Imported};
use ecom_core::payment::landing_token;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::components::wide_window;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The text of the file chosen in `input`, if any.
///
/// # Errors
/// A sentence for the user when the browser could not read the file.
async fn chosen_file_text(input: HtmlInputElement) -> Result<Option<(String, String)>, String> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return Ok(None);
    };
    let name = file.name();
    let text = JsFuture::from(file.text()).await.map_err(|_| {
        format!("the browser could not read {name}; try pasting its content instead")
    })?;
    Ok(Some((name, text.as_string().unwrap_or_default())))
}

/// Writes what was imported into the settings and the session.
fn apply(imported: &Imported, settings: SettingsCtx, session: SessionCtx) {
    settings.settings.update(|s| {
        let env = s.environment;
        imported.merge_credentials_into(s.credentials.of_mut(env));
    });
    let v = &imported.vars;
    session.vars.update(|vars| {
        if let Some(id) = &v.order_id {
            vars.order_id.clone_from(id);
        }
        if let Some(url) = &v.landing_url {
            vars.landing_url.clone_from(url);
        }
        // The landing URL carries the payment token; take it when the file has none.
        match (
            &v.payment_token,
            v.landing_url.as_deref().and_then(landing_token),
        ) {
            (Some(token), _) => vars.payment_token.clone_from(token),
            (None, Some(token)) => vars.payment_token = token,
            (None, None) => {}
        }
        if let Some(sub) = &v.sub {
            vars.sub.clone_from(sub);
        }
    });
}

/// Paste or choose a Postman environment file and import it into the active environment.
#[component]
pub fn ImportPanel() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>();
    let session = expect_context::<SessionCtx>();
    let text = RwSignal::new(String::new());
    let loaded_from: RwSignal<Option<String>> = RwSignal::new(None);
    let result: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    let env = move || settings.settings.with(|s| s.environment);

    let on_file = move |ev: leptos::ev::Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        leptos::task::spawn_local(async move {
            match chosen_file_text(input).await {
                Ok(Some((name, content))) => {
                    text.set(content);
                    loaded_from.set(Some(name));
                    result.set(None);
                }
                Ok(None) => {}
                Err(why) => result.set(Some(Err(why))),
            }
        });
    };
    let on_import = move |_| {
        let outcome = text.with(|t| import(t));
        result.set(Some(match outcome {
            Ok(imported) => {
                apply(&imported, settings, session);
                // The text may hold secrets: it is not kept on screen once imported.
                text.set(String::new());
                loaded_from.set(None);
                Ok(imported.report.summary())
            }
            Err(e) => Err(e.to_string()),
        }));
    };

    view! {
        <section class="panel import" data-testid="import" aria-labelledby="import-title">
            <details class="fold" open=wide_window()>
                <summary><h2 id="import-title">"Import a Postman environment"</h2></summary>
                <p class="hint">
                    "Fill the credentials and values from Vipps' Postman environment file: "
                    "client_id, client_secret, Ocp-Apim-Subscription-Key, merchantSerialNumber, "
                    "mobileNumber, orderId, vippsLandingPageURL, payment_token and sub. "
                    "Placeholders like <Set your …> are skipped."
                </p>
                <div class="field">
                    <label for="import-file">"Environment file"</label>
                    <input
                        type="file"
                        id="import-file"
                        data-testid="import-file"
                        accept=".json,application/json"
                        on:change=on_file
                    />
                </div>
                <div class="field">
                    <label for="import-text">"…or paste its JSON"</label>
                    <textarea
                        id="import-text"
                        data-testid="import-text"
                        rows="6"
                        spellcheck="false"
                        placeholder="{\"values\": [{\"key\": \"client_id\", \"value\": \"…\", \"enabled\": true}, …]}"
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            loaded_from.set(None);
                        }
                    />
                    {move || loaded_from.get().map(|name| view! { <p class="hint">"Loaded from " <code>{name}</code></p> })}
                </div>
                <Show when=move || env().is_simulated()>
                    <p class="hint">"The sandbox works with its demo credentials; your own test keys belong to MT (switch the environment in Settings first)."</p>
                </Show>
                <button
                    type="button"
                    class="primary"
                    data-testid="import-button"
                    disabled=move || text.with(|t| t.trim().is_empty())
                    on:click=on_import
                >
                    {move || format!("Import into {}", env().label())}
                </button>
                {move || result.get().map(|r| match r {
                    Ok(summary) => view! { <p class="hint" role="status" data-testid="import-report">{summary}</p> }.into_any(),
                    Err(why) => view! { <p class="error" role="alert" data-testid="import-error">{why}</p> }.into_any(),
                })}
            </details>
        </section>
    }
}
