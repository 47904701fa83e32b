//! The request preview: method, URL, headers (secrets masked) and body, before it is sent.

use ecom_core::display::pretty_body;
use ecom_core::request::ApiRequest;
use leptos::prelude::*;

/// Shows `request` as it will be sent to `url`.
#[component]
pub fn RequestView(
    /// The request to show.
    #[prop(into)]
    request: Signal<ApiRequest>,
    /// The URL it goes to (through the proxy).
    #[prop(into)]
    url: Signal<String>,
    /// Whether secrets are shown. A parent that rebuilds the view as its form changes owns
    /// it, so the user's choice survives typing; otherwise the view keeps its own.
    #[prop(optional)]
    revealed: Option<RwSignal<bool>>,
) -> impl IntoView {
    let revealed = revealed.unwrap_or_else(|| RwSignal::new(false));
    let headers = move || {
        request.with(|r| {
            r.headers
                .iter()
                .map(|h| {
                    view! {
                        <tr>
                            <th scope="row">{h.name.clone()}</th>
                            <td><code>{h.shown_value(revealed.get()).to_owned()}</code></td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="request" data-testid="request-preview">
            <p class="request-line">
                <strong>{move || request.with(|r| r.method.as_str())}</strong>
                " "
                <code data-testid="request-url">{url}</code>
            </p>
            <table class="headers">
                <caption>
                    "Headers "
                    <button
                        type="button"
                        class="reveal"
                        data-testid="request-reveal"
                        aria-pressed=move || revealed.get().to_string()
                        on:click=move |_| revealed.update(|r| *r = !*r)
                    >
                        {move || if revealed.get() { "Hide secrets" } else { "Show secrets" }}
                    </button>
                </caption>
                <tbody>{headers}</tbody>
            </table>
            {move || {
                request
                    .with(|r| r.body.clone())
                    .map_or_else(
                        || view! { <p class="hint">"No body."</p> }.into_any(),
                        |body| view! { <pre class="body" data-testid="request-body" tabindex="0">{move || pretty_body(&body, revealed.get())}</pre> }.into_any(),
                    )
            }}
        </div>
    }
}
