//! The part every step shares: the request preview (with raw JSON editing), Send with
//! progress, the automatic access token, and the response.

use ecom_core::request::{ApiRequest, Header};
use leptos::prelude::*;

use crate::api::{self, ApiResponse};
use crate::components::curl_view::CurlView;
use crate::components::request_view::RequestView;
use crate::components::response_view::ResponseView;
use crate::error::AppError;
use crate::state::calls;
use crate::state::history::HistoryCtx;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// Preview, Send and response for one request.
#[component]
pub fn SendPanel(
    /// The request the step's form builds, or why it cannot be built yet.
    #[prop(into)]
    request: Signal<Result<ApiRequest, String>>,
    /// The Send button's text.
    label: &'static str,
    /// Prefix of the `data-testid`s of this panel.
    testid: &'static str,
    /// Called with every response, for chaining values into the session.
    #[prop(optional)]
    on_response: Option<Callback<ApiResponse>>,
    /// The response belongs to the current payment: it is cleared when another orderId
    /// becomes current, so no step shows an earlier payment's answer (History keeps it).
    #[prop(optional)]
    per_order: bool,
) -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let history = expect_context::<HistoryCtx>();
    let raw: RwSignal<Option<String>> = RwSignal::new(None);
    // A raw body belongs to the request it was edited from: when the form builds another
    // request (new orderId, other amount…), the form's body is what is sent again.
    let form_request = Memo::new(move |_| request.get());
    Effect::new(move |first_run_done: Option<()>| {
        // Reading (not just tracking) makes the lazy memo compute and follow its sources.
        form_request.with(|_| ());
        if first_run_done.is_some() {
            raw.set(None);
        }
    });
    let effective = Signal::derive(move || {
        request.get().map(|mut r| {
            if let Some(body) = raw.get() {
                r.body = Some(body);
            }
            r
        })
    });
    let send = Action::<(), Result<(ApiResponse, Option<&'static str>), AppError>>::new_local(
        move |(): &()| {
            let request = effective.get_untracked();
            let settings = settings.get_untracked();
            async move {
                let request = request.map_err(AppError::Invalid)?;
                let (response, note) =
                    calls::send_authorized(request, &settings, session, history).await?;
                if let Some(callback) = on_response {
                    callback.run(response.clone());
                }
                Ok((response, note))
            }
        },
    );
    if per_order {
        session.on_new_order(move || send.value().set(None));
    }
    // An answer (or a "could not reach the proxy") belongs to the environment and proxy it came
    // from: after a switch it would sit next to the new proxy's status and mislead.
    expect_context::<SettingsCtx>().on_target_change(move || send.value().set(None));
    let url = Signal::derive(move || {
        effective.with(|r| {
            r.as_ref()
                .map(|r| settings.with(|s| api::url_for(r, s)))
                .unwrap_or_default()
        })
    });
    // The preview shows the request with the current token (masked unless revealed); sending
    // authorizes it again with a token that is still valid.
    let preview_request = Signal::derive(move || {
        let token = session.token.get().map(|t| t.token).unwrap_or_default();
        effective.get().ok().map(|r| r.authorized(&token))
    });
    // The curl export adds the proxy token, masked unless revealed.
    let curl_request = Signal::derive(move || {
        preview_request.get().map(|mut r| {
            settings.with(|s| {
                if !s.proxy_token.is_empty() {
                    r.headers
                        .push(Header::secret(api::PROXY_TOKEN_HEADER, &s.proxy_token));
                }
            });
            r
        })
    });
    let can_edit = move || request.with(|r| r.as_ref().is_ok_and(|r| r.body.is_some()));
    // Owned here: the preview is rebuilt as the form changes, and must not hide secrets again.
    let revealed = RwSignal::new(false);
    let seq = send.version();

    view! {
        <div class="send-panel" data-testid=testid>
            {move || match preview_request.get() {
                Some(r) => view! { <RequestView request=r url=url revealed=revealed /> }.into_any(),
                None => {
                    let reason = request.get().err().unwrap_or_default();
                    view! { <p class="hint" id=format!("{testid}-blocked") data-testid=format!("{testid}-blocked")>{reason}</p> }.into_any()
                }
            }}
            <Show when=can_edit>
                <details class="raw" prop:open=move || raw.with(Option::is_some)>
                    <summary on:click=move |ev| {
                        ev.prevent_default();
                        raw.update(|r| {
                            *r = match r {
                                Some(_) => None,
                                None => request.get_untracked().ok().and_then(|r| r.body),
                            }
                        });
                    }>
                        {move || if raw.with(Option::is_some) { "Back to the form's body" } else { "Edit the body as raw JSON" }}
                    </summary>
                    <label class="sr-only" for=format!("{testid}-raw")>"Raw JSON body"</label>
                    <textarea
                        id=format!("{testid}-raw")
                        data-testid=format!("{testid}-raw")
                        rows="10"
                        spellcheck="false"
                        prop:value=move || raw.get().unwrap_or_default()
                        on:input=move |ev| raw.set(Some(event_target_value(&ev)))
                    />
                </details>
            </Show>
            <CurlView request=curl_request url=url />
            // While sending the button is only marked busy, not disabled: a disabled button
            // drops the keyboard focus to the page. A request that cannot be built is disabled,
            // with the reason above it.
            <button
                type="button"
                class="primary"
                data-testid=format!("{testid}-send")
                disabled=move || request.with(Result::is_err)
                aria-disabled=move || send.pending().get().to_string()
                aria-describedby=move || request.with(Result::is_err).then(|| format!("{testid}-blocked"))
                on:click=move |_| {
                    if !send.pending().get_untracked() {
                        send.dispatch(());
                    }
                }
            >
                {move || if send.pending().get() { "Sending…" } else { label }}
            </button>
            {move || {
                // Untracked: the action bumps its version before it sets the value, so this is
                // already the new number when the value re-runs the view.
                let seq = seq.get_untracked();
                send.value()
                    .get()
                    .map(|result| match result {
                        Ok((response, note)) => {
                            view! {
                                {note.map(|n| view! { <p class="hint">{n}</p> })}
                                <ResponseView response=response seq=seq />
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! { <p class="error" role="alert" data-testid="send-error" data-seq=seq>{e.to_string()}</p> }.into_any()
                        }
                    })
            }}
        </div>
    }
}
