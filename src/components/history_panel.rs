//! The history of calls: time, method, path, status, duration and orderId, newest first.
//! Clicking an orderId makes it the session's orderId, so a payment can be resumed.

use ecom_core::display::whole_ms;
use ecom_core::history::HistoryEntry;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::components::wide_window;
use crate::state::history::HistoryCtx;
use crate::state::session::SessionCtx;

/// `HH:MM:SS` in the browser's time zone, and the full ISO time for the tooltip.
fn clock(at_ms: f64) -> (String, String) {
    let date = js_sys::Date::new(&JsValue::from_f64(at_ms));
    let time = format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    );
    (time, date.to_iso_string().into())
}

fn row(entry: HistoryEntry, session: Option<SessionCtx>) -> impl IntoView {
    let (time, iso) = clock(entry.at_ms);
    let status_class = match entry.status {
        Some(s) if s < 400 => "status ok",
        _ => "status error",
    };
    let status = entry
        .status
        .map_or_else(|| "—".to_owned(), |s| s.to_string());
    let millis = entry
        .status
        .map(|_| whole_ms(entry.millis))
        .unwrap_or_default();
    let order = entry.order_id.map(|id| match session {
        Some(session) => {
            let chosen = id.clone();
            view! {
                <button
                    type="button"
                    class="link"
                    data-testid="history-order"
                    title="Use this orderId in the payment steps"
                    on:click=move |_| session.resume(&chosen)
                >
                    {id}
                </button>
            }
            .into_any()
        }
        None => view! { <code>{id}</code> }.into_any(),
    });
    view! {
        <tr data-testid="history-row" title=entry.summary>
            <td><time datetime=iso.clone() title=iso>{time}</time></td>
            <td>{entry.method}</td>
            <td class="wrap"><code>{entry.path}</code></td>
            <td class=status_class>{status}</td>
            <td class="num">{millis}</td>
            <td class="wrap">{order}</td>
        </tr>
    }
}

/// The history of calls with a "Clear history" button. Needs [`HistoryCtx`] in context.
#[component]
pub fn HistoryPanel() -> impl IntoView {
    let history = expect_context::<HistoryCtx>();
    let session = use_context::<SessionCtx>();
    let rows = move || {
        history.entries.with(|h| {
            h.entries()
                .cloned()
                .map(|entry| row(entry, session))
                .collect_view()
        })
    };
    view! {
        <section class="panel history" data-testid="history" aria-labelledby="history-title">
            <details class="fold" open=wide_window()>
                <summary><h2 id="history-title">"History"</h2></summary>
                <Show when=move || history.notice.with(Option::is_some)>
                    <p class="notice" role="status" data-testid="history-notice">
                        {move || history.notice.get()}
                    </p>
                </Show>
                <Show
                    when=move || !history.entries.with(|h| h.is_empty())
                    fallback=|| view! { <p class="hint" data-testid="history-empty">"No calls yet. Every request you send is listed here, without its secrets."</p> }
                >
                    // On a narrow screen the table scrolls inside its own box, never the page.
                    <div class="table-scroll" tabindex="0" role="region" aria-label="History of calls">
                    <table class="history-table">
                        <thead>
                            <tr>
                                <th scope="col">"Time"</th>
                                <th scope="col">"Method"</th>
                                <th scope="col">"Path"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"ms"</th>
                                <th scope="col">"orderId"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    </div>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="history-clear"
                        on:click=move |_| history.clear()
                    >
                        "Clear history"
                    </button>
                </Show>
            </details>
        </section>
    }
}
