//! Scenarios in one click: outcomes a merchant must handle (the user rejects, never acts, a
//! direct-capture merchant, a test user not yet verified, a refused card), played in a sandbox
//! (local or in this browser). Each shows the calls it made, the payment's state and the callback MT would send.

use ecom_core::callbacks::{self, CallbackRecord};
use ecom_core::details::PaymentDetails;
use ecom_core::payment::{self, InitiateForm, PaymentKind};
use ecom_core::scenario::{self, Action as Step, Scenario};
use ecom_core::session::{Initiated, Vars};
use ecom_core::settings::{Credentials, Settings};
use leptos::prelude::*;

use crate::api;
use crate::state::calls;
use crate::state::history::HistoryCtx;
use crate::state::session::{now_millis, SessionCtx};
use crate::state::settings::SettingsCtx;

/// What a scenario did.
#[derive(Clone)]
struct Played {
    scenario: Scenario,
    order_id: String,
    calls: Vec<String>,
    state: Option<String>,
    callbacks: Vec<CallbackRecord>,
}

/// Runs `scenario` call by call through the usual send path (each call lands in the History).
async fn play(
    scenario: Scenario,
    mut settings: Settings,
    session: SessionCtx,
    history: HistoryCtx,
) -> Result<Played, String> {
    // The direct-capture merchant has keys of its own, and so a token of its own: it must not
    // take or replace the demo merchant's.
    let session = if scenario.uses_direct_capture_merchant() {
        *settings.credentials.of_mut(settings.environment) = Credentials::direct_capture_demo();
        SessionCtx {
            token: RwSignal::new(None),
            vars: RwSignal::new(Vars::default()),
            notice: RwSignal::new(None),
        }
    } else {
        session
    };
    let creds = settings.active_credentials().clone();
    let msn = creds.merchant_serial_number.clone();
    let page = api::page_dir();
    let mut played = Played {
        scenario,
        order_id: String::new(),
        calls: Vec::new(),
        state: None,
        callbacks: Vec::new(),
    };
    let mut landing_url = String::new();
    let mut token = String::new();
    for action in scenario.actions() {
        let requests = match *action {
            Step::Initiate => {
                let mut form = InitiateForm::postman_defaults(
                    PaymentKind::Regular,
                    &msn,
                    &creds.mobile_number,
                    now_millis(),
                );
                form.transaction_text = format!("Scenario: {}", scenario.label());
                form.fall_back = payment::back_fallback(&page, &form.order_id);
                played.order_id = form.order_id.clone();
                vec![payment::initiate_request(&creds, &form.body(&msn))]
            }
            Step::UserOpensLandingPage => vec![
                scenario::landing_open(&token),
                scenario::landing_phone(&token, &creds.mobile_number),
            ],
            Step::UserApproves => vec![scenario::app_approve(&token)],
            Step::UserCancels => vec![scenario::app_cancel(&token)],
            Step::ForceApprove(phone) => {
                let body = payment::force_approve_body(phone, &token);
                vec![payment::force_approve_request(
                    &creds,
                    &played.order_id,
                    &body,
                    &played.order_id,
                )]
            }
            Step::AdvanceClock(seconds) => vec![scenario::advance_clock(seconds)],
            Step::FailNextApproval(code) => {
                vec![scenario::fail_next_approval(&played.order_id, code)]
            }
            Step::Details => vec![payment::details_request(&creds, &played.order_id)],
            Step::Callbacks => vec![callbacks::log_request(&played.order_id, &msn)],
        };
        for request in requests {
            let line = format!("{} {}", request.method.as_str(), request.path);
            let (response, _) = calls::send_authorized(request, &settings, session, history)
                .await
                .map_err(|e| e.to_string())?;
            played.calls.push(format!("{line} → {}", response.status));
            match *action {
                Step::Initiate if response.status == 200 => {
                    let body: serde_json::Value =
                        serde_json::from_str(&response.body).unwrap_or_default();
                    landing_url = body["url"].as_str().unwrap_or_default().to_owned();
                    token = payment::landing_token(&landing_url).unwrap_or_default();
                }
                Step::Initiate => {
                    return Err(format!(
                        "the initiate call answered HTTP {}; see the History",
                        response.status
                    ))
                }
                Step::Details => {
                    played.state = PaymentDetails::parse(&response.body)
                        .ok()
                        .map(|d| d.state_label().to_owned());
                }
                Step::Callbacks => {
                    played.callbacks = callbacks::read_log(response.status, &response.body, false)?;
                }
                _ => {}
            }
        }
    }
    // The demo merchant's payment becomes the current one, so the steps can go on with it.
    if !scenario.uses_direct_capture_merchant() {
        session.vars.update(|v| {
            v.start(Initiated {
                order_id: played.order_id.clone(),
                landing_url,
                payment_token: token,
                express: false,
            });
        });
    }
    Ok(played)
}

/// The Scenarios panel.
#[component]
pub fn ScenariosPanel() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let history = expect_context::<HistoryCtx>();
    let run = Action::new_local(move |scenario: &Scenario| {
        let scenario = *scenario;
        let settings = settings.get_untracked();
        async move { play(scenario, settings, session, history).await }
    });
    let sandbox = move || settings.with(|s| s.environment.is_simulated());
    let buttons = Scenario::ALL.map(|scenario| {
        view! {
            <li>
                <button
                    type="button"
                    class="secondary"
                    data-testid=format!("scenario-{}", scenario.slug())
                    disabled=move || !sandbox()
                    aria-disabled=move || run.pending().get().to_string()
                    on:click=move |_| {
                        if !run.pending().get_untracked() {
                            run.dispatch(scenario);
                        }
                    }
                >
                    {scenario.label()}
                </button>
                <span class="hint">{" "}{scenario.explain()}</span>
            </li>
        }
    });
    let result = move || {
        run.value().get().map(|played| match played {
            Err(why) => view! { <p class="error" role="alert" data-testid="scenario-result">{why}</p> }.into_any(),
            Ok(p) => {
                let callbacks = if p.callbacks.is_empty() {
                    view! { <p>"No callback: nothing happened that Vipps reports."</p> }.into_any()
                } else {
                    p.callbacks
                        .into_iter()
                        .map(|c| view! {
                            <details class="callback" data-testid="scenario-callback">
                                <summary>{format!("Callback {} · {}", c.status.unwrap_or_default(), c.outcome.summary())}</summary>
                                <pre class="body" tabindex="0">{c.body}</pre>
                            </details>
                        })
                        .collect_view()
                        .into_any()
                };
                view! {
                    <div class="scenario-result" data-testid="scenario-result" role="status">
                        <p><strong>{format!("{}: order {}", p.scenario.label(), p.order_id)}</strong></p>
                        <ol class="log">{p.calls.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ol>
                        <p data-testid="scenario-state">{format!("Details: {}", p.state.unwrap_or_else(|| "not read".to_owned()))}</p>
                        {callbacks}
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="scenarios-title" data-testid="scenarios">
            <h2 id="scenarios-title">"Scenarios in one click"</h2>
            <p class="hint">
                {move || if sandbox() {
                    "Each plays an outcome in the sandbox through its control surface, then shows the payment's state and the callback MT would send. Every call is in the History."
                } else {
                    "Scenarios drive a sandbox's control surface: choose Sandbox (in this browser) or Local sandbox in Settings to play them."
                }}
            </p>
            <ul class="scenarios">{buttons}</ul>
            {result}
        </section>
    }
}
