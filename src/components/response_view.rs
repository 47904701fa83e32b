//! The response: status, timing, the error explained, headers and pretty JSON.

use ecom_core::display::{pretty_body, whole_ms};
use leptos::prelude::*;

use crate::api::ApiResponse;

/// Shows one response.
#[component]
pub fn ResponseView(
    /// The response to show.
    response: ApiResponse,
    /// Which response of its panel this is (1, 2, …), as `data-seq`: Leptos updates a shown
    /// response in place, so tests tell a new response from the last one by this number.
    seq: usize,
) -> impl IntoView {
    let revealed = RwSignal::new(false);
    let ok = response.status < 400;
    let timing = match response.upstream_millis {
        Some(upstream) => format!(
            "{} ms (API {} ms, proxy and network {} ms)",
            whole_ms(response.millis),
            whole_ms(upstream),
            whole_ms(response.millis - upstream)
        ),
        None => format!("{} ms", whole_ms(response.millis)),
    };
    let body = response.body.clone();
    let explanation = response.explanation.clone().map(|e| {
        view! {
            <div class="explanation" role="alert" data-testid="explanation">
                <p><strong>{format!("Error from {}: ", e.source)}</strong>{e.summary}</p>
                <p>{e.advice}</p>
            </div>
        }
    });
    view! {
        <div class="response" data-testid="response" data-seq=seq>
            <p class="status-line">
                <span class=if ok { "status ok" } else { "status err" } data-testid="response-status">
                    {format!("{} {}", response.status, response.status_text)}
                </span>
                " · "
                <span data-testid="response-time">{timing}</span>
            </p>
            {explanation}
            <details>
                <summary>{format!("Response headers ({})", response.headers.len())}</summary>
                <table class="headers">
                    <tbody>
                        {response
                            .headers
                            .into_iter()
                            .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td><code>{v}</code></td></tr> })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
            <div class="body-head">
                <span>"Body"</span>
                <button
                    type="button"
                    class="reveal"
                    aria-pressed=move || revealed.get().to_string()
                    on:click=move |_| revealed.update(|r| *r = !*r)
                >
                    {move || if revealed.get() { "Hide secrets" } else { "Show secrets" }}
                </button>
            </div>
            // Focusable: a long body scrolls inside its box, and keyboard users must reach it.
            <pre class="body" data-testid="response-body" tabindex="0">
                {move || if body.is_empty() { "(empty body)".to_owned() } else { pretty_body(&body, revealed.get()) }}
            </pre>
        </div>
    }
}
