//! Step 4: capture, cancel and refund, at any point, with idempotency keys shown.

use ecom_core::payment;
use ecom_core::route::Step;
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::flow::FlowCtx;

use crate::api::ApiResponse;
use crate::components::field::{CheckField, TextField};
use crate::components::send_panel::SendPanel;
use crate::state::session::{now_millis, SessionCtx};
use crate::state::settings::SettingsCtx;

/// Which operation the form sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Capture,
    Cancel,
    Refund,
}

fn fresh_key(prefix: &str) -> String {
    format!("{prefix}-{}", now_millis())
}

/// The capture / cancel / refund step.
#[component]
pub fn OperationsStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    // A link to the cancel or refund step opens with that operation chosen.
    let (first_op, first_text, first_prefix) = match expect_context::<FlowCtx>().linked_step() {
        Some(Step::Cancel) => (Op::Cancel, "No socks for you!", "cancel"),
        Some(Step::Refund) => (Op::Refund, "Refund of Vipps socks", "refund"),
        _ => (Op::Capture, "Socks on the way!", "capture"),
    };
    let op = RwSignal::new(first_op);
    let op_step = move || match op.get() {
        Op::Capture => Step::Capture,
        Op::Cancel => Step::Cancel,
        Op::Refund => Step::Refund,
    };
    let amount = RwSignal::new(String::new());
    let text = RwSignal::new(first_text.to_owned());
    let release = RwSignal::new(false);
    let request_id = RwSignal::new(fresh_key(first_prefix));

    let amount_error = Signal::derive(move || {
        amount.with(|a| {
            if a.trim().is_empty() {
                None
            } else {
                payment::parse_nok(a).err()
            }
        })
    });
    let request = Signal::derive(move || {
        let order_id = session.vars.with(|v| v.order_id.clone());
        if order_id.is_empty() {
            return Err(
                "Initiate a payment first, or type an orderId in Session variables.".to_owned(),
            );
        }
        let settings = settings.get();
        let creds = settings.active_credentials();
        let msn = &creds.merchant_serial_number;
        let amount = amount.with(|a| {
            if a.trim().is_empty() {
                Ok(None)
            } else {
                payment::parse_nok(a).map(Some)
            }
        })?;
        Ok(match op.get() {
            Op::Capture => payment::capture_request(
                creds,
                &order_id,
                &payment::amount_body(msn, amount, &text.get()),
                &request_id.get(),
            ),
            Op::Refund => payment::refund_request(
                creds,
                &order_id,
                &payment::amount_body(msn, amount, &text.get()),
                &request_id.get(),
            ),
            Op::Cancel => payment::cancel_request(
                creds,
                &order_id,
                &payment::cancel_body(msn, &text.get(), release.get()),
            ),
        })
    });
    // A fresh key for every new capture or refund; the last one stays at hand to show what a
    // retry with the same key does.
    let last_key: RwSignal<Option<String>> = RwSignal::new(None);
    session.on_new_order(move || last_key.set(None));
    let on_response = Callback::new(move |response: ApiResponse| {
        if response.status == 200 {
            guide.mark_done(op_step());
        }
        let op = op.get_untracked();
        if op != Op::Cancel {
            last_key.set(Some(request_id.get_untracked()));
            request_id.set(fresh_key(if op == Op::Refund {
                "refund"
            } else {
                "capture"
            }));
        }
    });
    let choose = move |next: Op, prefix: &'static str, default_text: &'static str| {
        op.set(next);
        text.set(default_text.to_owned());
        request_id.set(fresh_key(prefix));
        last_key.set(None);
    };
    // A new payment starts at capture, its natural next operation.
    session.on_new_order(move || choose(Op::Capture, "capture", "Socks on the way!"));
    // A link to capture, cancel or refund followed later chooses that operation.
    guide.on_link(move |route| match route.step {
        Some(Step::Capture) => choose(Op::Capture, "capture", "Socks on the way!"),
        Some(Step::Cancel) => choose(Op::Cancel, "cancel", "No socks for you!"),
        Some(Step::Refund) => choose(Op::Refund, "refund", "Refund of Vipps socks"),
        _ => {}
    });

    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-ops-title" data-testid="step-operations" data-guide=move || guide.progress(op_step()).as_str()>
            <h2 id="step-ops-title">"4. Capture, cancel or refund"</h2>
            {move || view! { <StepLink step=op_step() /> }}
            <div class="tabs" role="group" aria-label="Operation">
                <button type="button" data-testid="op-capture" aria-pressed=move || (op.get() == Op::Capture).to_string()
                    on:click=move |_| choose(Op::Capture, "capture", "Socks on the way!")>"Capture"</button>
                <button type="button" data-testid="op-cancel" aria-pressed=move || (op.get() == Op::Cancel).to_string()
                    on:click=move |_| choose(Op::Cancel, "cancel", "No socks for you!")>"Cancel"</button>
                <button type="button" data-testid="op-refund" aria-pressed=move || (op.get() == Op::Refund).to_string()
                    on:click=move |_| choose(Op::Refund, "refund", "Refund of Vipps socks")>"Refund"</button>
            </div>
            <Show when=move || op.get() != Op::Cancel>
                <TextField label="Amount (NOK; empty for all that remains)" id="op-amount" value=amount error=amount_error />
            </Show>
            <TextField label="transactionText" id="op-text" value=text />
            <Show when=move || op.get() == Op::Cancel>
                <CheckField label="shouldReleaseRemainingFunds (cancel the rest after a partial capture)" id="op-release" value=release />
            </Show>
            <Show when=move || op.get() != Op::Cancel>
                <div class="field-with-action">
                    <TextField label="X-Request-Id (idempotency key)" id="op-request-id" value=request_id />
                    <button type="button" class="secondary" data-testid="op-new-key"
                        on:click=move |_| request_id.set(fresh_key(if op.get() == Op::Refund { "refund" } else { "capture" }))>
                        "New key"
                    </button>
                </div>
                {move || last_key.get().map(|key| view! {
                    <p class="hint">
                        "A new key was made for the next operation. "
                        <button type="button" class="secondary" data-testid="op-retry-same-key"
                            on:click=move |_| request_id.set(key.clone())>
                            "Retry with the same key"
                        </button>
                        " to see idempotency: the API changes nothing and returns the first result."
                    </p>
                })}
            </Show>
            <SendPanel request=request label="Send" testid="operation" per_order=true on_response=on_response />
        </section>
    }
}
