//! What the sandbox "sent" as Vipps to `callbackPrefix` for the current order, read from its
//! `/__sim/callbacks` log through the proxy; only the local sandbox has one.

use ecom_core::callbacks::{self, CallbackRecord};
use ecom_core::settings::Settings;
use leptos::prelude::*;

use crate::api;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The records of one order, or a note saying why there are none to show.
type Log = Result<(String, Vec<CallbackRecord>), String>;

/// Reads the sandbox's log for `order_id`. Not recorded in the history: it is the simulator's
/// own control surface, not a call of the API being learnt.
async fn fetch_log(settings: Settings, order_id: String) -> Log {
    callbacks::check_environment(settings.environment)?;
    if order_id.is_empty() {
        return Err(
            "Initiate a payment first, or type an orderId in Session variables.".to_owned(),
        );
    }
    let info = api::proxy_info(&settings)
        .await
        .map_err(|e| e.to_string())?;
    callbacks::check_proxy(&info)?;
    let request = callbacks::log_request(
        &order_id,
        &settings.active_credentials().merchant_serial_number,
    );
    let response = api::send(
        &request,
        &api::url_for(&request, &settings),
        &api::proxy_base(&settings),
        &settings.proxy_token,
    )
    .await
    .map_err(|e| e.to_string())?;
    if response.status != 200 {
        return Err(format!(
            "the sandbox's callback log answered HTTP {} instead of the list",
            response.status
        ));
    }
    let records = callbacks::parse_log(&response.body).map_err(|e| e.to_string())?;
    Ok((order_id, records))
}

fn record_view(record: CallbackRecord) -> impl IntoView {
    let title = record.status.clone().unwrap_or_else(|| record.kind.clone());
    let request_line = format!("{} {}", record.method, record.path());
    let outcome = record.outcome.summary();
    let failed = !matches!(record.outcome.result, callbacks::Delivery::Delivered);
    view! {
        <li data-testid="callback">
            <p>
                <strong data-testid="callback-status">{title}</strong>
                " · "
                <code>{request_line}</code>
            </p>
            <p class=if failed { "hint" } else { "" } data-testid="callback-outcome">{outcome}</p>
            <p class="hint">{format!("{} (sandbox time) · {}", record.time_stamp, record.kind)}</p>
            <details>
                <summary>"Body Vipps sent"</summary>
                // Focusable: a long body scrolls, and a scroll region must be reachable by keyboard.
                <pre class="body" tabindex="0" data-testid="callback-body">{record.body}</pre>
            </details>
        </li>
    }
}

/// The panel: a Refresh button and the records of the current order.
#[component]
pub fn CallbacksPanel() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let refresh = Action::<(), Log>::new_local(move |(): &()| {
        fetch_log(
            settings.get_untracked(),
            session.vars.with_untracked(|v| v.order_id.clone()),
        )
    });
    let shown = move || {
        refresh.value().get().map(|log| match log {
            Ok((order_id, records)) if records.is_empty() => view! {
                <p class="hint" data-testid="callbacks-note">
                    {format!("Nothing recorded for {order_id} yet: Vipps calls back once the user has approved, cancelled or let the payment time out.")}
                </p>
            }
            .into_any(),
            Ok((order_id, records)) => view! {
                <p class="hint">{format!("{} recorded for {order_id}, oldest first.", records.len())}</p>
                <ol class="log" aria-label="Recorded callbacks, oldest first" data-testid="callbacks-list">
                    {records.into_iter().map(record_view).collect_view()}
                </ol>
            }
            .into_any(),
            Err(note) => view! { <p class="hint" data-testid="callbacks-note">{note}</p> }.into_any(),
        })
    };
    view! {
        <div class="callbacks" data-testid="callbacks">
            <h3>"Callbacks Vipps sent"</h3>
            <p class="hint">
                "What the sandbox, as Vipps, sent to callbackPrefix for this order: when, where, how it went and the JSON body (the authToken is masked)."
            </p>
            <button
                type="button"
                class="secondary"
                data-testid="callbacks-refresh"
                disabled=move || refresh.pending().get()
                on:click=move |_| {
                    refresh.dispatch(());
                }
            >
                {move || if refresh.pending().get() { "Refreshing…" } else { "Refresh callbacks" }}
            </button>
            {shown}
        </div>
    }
}
