//! What the sandbox "sent" as Vipps to `callbackPrefix` for the current order, read from its
//! `/__sim/callbacks` log through the proxy; only a sandbox (local or in this browser) has one.

use ecom_core::callbacks::{self, CallbackRecord};
use ecom_core::explain::PROXY_ERROR_HEADER;
use leptos::prelude::*;

use crate::api::ApiResponse;
use crate::components::send_panel::SendPanel;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The records of one order, or a note saying why there are none to show.
type Log = Result<(String, Vec<CallbackRecord>), String>;

fn record_view(record: CallbackRecord) -> impl IntoView {
    let title = record.status.clone().unwrap_or_else(|| record.kind.clone());
    let request_line = format!("{} {}", record.method, record.path());
    view! {
        <li data-testid="callback">
            <p>
                <strong data-testid="callback-status">{title}</strong>
                " · "
                <code>{request_line}</code>
            </p>
            <p data-testid="callback-outcome">{record.outcome.summary()}</p>
            <p class="hint">{format!("{} (sandbox time) · {}", record.time_stamp, record.kind)}</p>
            <details>
                <summary>"Body Vipps sent"</summary>
                // Focusable: a long body scrolls, and a scroll region must be reachable by keyboard.
                <pre class="body" tabindex="0" data-testid="callback-body">{record.body}</pre>
            </details>
        </li>
    }
}

/// The panel: the log request (sent like any step's, so it can be seen and copied as curl)
/// and the records of the current order.
#[component]
pub fn CallbacksPanel() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let log: RwSignal<Option<Log>> = RwSignal::new(None);
    session.on_new_order(move || log.set(None));
    let request = Signal::derive(move || {
        callbacks::check_environment(settings.with(|s| s.environment))?;
        let order_id = session.vars.with(|v| v.order_id.clone());
        if order_id.is_empty() {
            return Err(
                "Initiate a payment first, or type an orderId in Session variables.".to_owned(),
            );
        }
        Ok(settings.with(|s| {
            callbacks::log_request(&order_id, &s.active_credentials().merchant_serial_number)
        }))
    });
    let on_response = Callback::new(move |response: ApiResponse| {
        let from_proxy = response.header(PROXY_ERROR_HEADER).is_some();
        let order_id = session.vars.with_untracked(|v| v.order_id.clone());
        log.set(Some(
            callbacks::read_log(response.status, &response.body, from_proxy)
                .map(|records| (order_id, records)),
        ));
    });
    let shown = move || {
        log.get().map(|result| {
            let (note, records) = match result {
                Ok((order_id, records)) => (callbacks::heading(&order_id, records.len()), records),
                Err(note) => (note, Vec::new()),
            };
            view! {
                <p class="hint" role="status" data-testid="callbacks-note">{note}</p>
                <ol class="log" aria-label="Recorded callbacks, oldest first" data-testid="callbacks-list">
                    {records.into_iter().map(record_view).collect_view()}
                </ol>
            }
        })
    };
    view! {
        <div class="callbacks" data-testid="callbacks-panel">
            <h3>"Callbacks Vipps sent"</h3>
            <p class="hint">
                "What the sandbox, as Vipps, sent to callbackPrefix for this order: when, where, how it went and the JSON body (the authToken is masked). Read from the sandbox's own log, which only a sandbox has."
            </p>
            <SendPanel request=request label="Refresh callbacks" testid="callbacks" per_order=true on_response=on_response />
            {shown}
        </div>
    }
}
