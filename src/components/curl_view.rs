//! "Copy as curl": the request as a bash command, secrets as shell variables unless revealed.

use ecom_core::curl::to_curl;
use ecom_core::request::ApiRequest;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Puts `text` on the clipboard.
///
/// # Errors
/// A sentence for the user when the browser refuses (no clipboard, or no permission).
pub(crate) async fn copy_to_clipboard(text: String) -> Result<(), String> {
    let window = web_sys::window().ok_or("there is no browser window")?;
    let promise = window.navigator().clipboard().write_text(&text);
    JsFuture::from(promise).await.map(|_| ()).map_err(|_| {
        "the browser did not allow copying; select the command and copy it by hand".to_owned()
    })
}

/// A collapsible "Copy as curl" with a reveal-secrets toggle and a Copy button.
#[component]
pub fn CurlView(
    /// The request to show; `None` shows a hint instead.
    #[prop(into)]
    request: Signal<Option<ApiRequest>>,
    /// The URL it goes to (through the proxy).
    #[prop(into)]
    url: Signal<String>,
) -> impl IntoView {
    let reveal = RwSignal::new(false);
    let command = Signal::derive(move || {
        request.with(|r| {
            r.as_ref()
                .map(|r| url.with(|url| to_curl(r, url, reveal.get())))
        })
    });
    let copied: RwSignal<Option<Result<(), String>>> = RwSignal::new(None);
    // A new command makes the last "Copied" stale.
    Effect::new(move |_| {
        command.with(|_| ());
        copied.set(None);
    });
    let copy = move |_| {
        if let Some(text) = command.get_untracked() {
            leptos::task::spawn_local(async move {
                copied.set(Some(copy_to_clipboard(text).await));
            });
        }
    };
    view! {
        <details class="curl" data-testid="curl-view">
            <summary>"Copy as curl"</summary>
            <Show
                when=move || command.with(Option::is_some)
                fallback=|| view! { <p class="hint">"The request is not complete yet."</p> }
            >
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="curl-reveal"
                        prop:checked=move || reveal.get()
                        on:change=move |ev| reveal.set(event_target_checked(&ev))
                    />
                    "Include the secrets (otherwise they are shell variables to export first)"
                </label>
                <pre class="body" data-testid="curl" tabindex="0">{move || command.get().unwrap_or_default()}</pre>
                <button type="button" class="secondary" data-testid="curl-copy" on:click=copy>
                    "Copy"
                </button>
                {move || copied.get().map(|result| match result {
                    Ok(()) => view! { <span class="hint" role="status" data-testid="curl-copied">" Copied."</span> }.into_any(),
                    Err(why) => view! { <span class="field-error" role="alert">{why}</span> }.into_any(),
                })}
            </Show>
        </details>
    }
}
