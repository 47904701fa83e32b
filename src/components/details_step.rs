//! Step 5: payment details as a timeline, with the amounts and the valid next operations.

use ecom_core::details::{Operation, PaymentDetails};
use ecom_core::payment::{self, format_nok};
use ecom_core::route::Step;
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::flow::FlowCtx;

use crate::api::ApiResponse;
use crate::components::callbacks_panel::CallbacksPanel;
use crate::components::send_panel::SendPanel;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// The details step.
#[component]
pub fn DetailsStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let details: RwSignal<Option<PaymentDetails>> = RwSignal::new(None);
    session.on_new_order(move || details.set(None));
    let request = Signal::derive(move || {
        let order_id = session.vars.with(|v| v.order_id.clone());
        if order_id.is_empty() {
            return Err(
                "Initiate a payment first, or type an orderId in Session variables.".to_owned(),
            );
        }
        Ok(settings.with(|s| payment::details_request(s.active_credentials(), &order_id)))
    });
    let on_response = Callback::new(move |response: ApiResponse| {
        if response.status != 200 {
            return;
        }
        if let Ok(parsed) = PaymentDetails::parse(&response.body) {
            if let Some(sub) = parsed.sub.clone().filter(|s| !s.is_empty()) {
                session.vars.update(|v| v.sub = sub);
            }
            guide.mark_details(&parsed);
            details.set(Some(parsed));
        }
    });

    let timeline = move || {
        details.get().map(|d| {
            let summary = d.transaction_summary.unwrap_or_default();
            let shipping = d.shipping_details.clone().map(|s| {
                view! {
                    <dt>"Shipping"</dt>
                    <dd data-testid="shipping-chosen">
                        {format!("{} ({}) · {}", s.shipping_method, s.shipping_method_id, format_nok(s.cost))}
                    </dd>
                }
            });
            let ops = [
                (Operation::Capture, "Capture"),
                (Operation::Cancel, "Cancel"),
                (Operation::Refund, "Refund"),
                (Operation::ForceApprove, "Force approve"),
            ]
            .map(|(op, name)| match d.check(op) {
                Ok(()) => view! { <li class="valid">{format!("{name}: possible")}</li> },
                Err(reason) => view! { <li class="invalid">{format!("{name}: not now — {reason}")}</li> },
            });
            view! {
                <div class="timeline" data-testid="timeline">
                    <p class="state" data-testid="payment-state"><strong>{d.state_label()}</strong></p>
                    <dl class="amounts">
                        <dt>"Order amount"</dt><dd>{format_nok(d.order_amount())}</dd>
                        {d.reserved_amount().map(|amount| view! {
                            <dt>"Reserved"</dt><dd data-testid="reserved">{format_nok(amount)}</dd>
                        })}
                        <dt>"Captured"</dt><dd data-testid="captured">{format_nok(summary.captured_amount)}</dd>
                        <dt>"Left to capture"</dt><dd>{format_nok(summary.remaining_amount_to_capture)}</dd>
                        <dt>"Refunded"</dt><dd data-testid="refunded">{format_nok(summary.refunded_amount)}</dd>
                        {shipping}
                    </dl>
                    <ul class="next-ops" aria-label="Valid next operations">{ops.into_iter().collect_view()}</ul>
                    <ol class="log" aria-label="Transaction log, oldest first">
                        {d.transaction_log_history
                            .iter()
                            .rev()
                            .map(|e| {
                                let mark = if e.operation_success { "" } else { " (failed)" };
                                view! {
                                    <li>
                                        <code>{e.operation.clone()}</code>
                                        {format!("{mark} {} · {}", format_nok(e.amount), e.time_stamp)}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </div>
            }
        })
    };

    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-details-title" data-testid="step-details" data-guide=move || guide.progress(Step::Details).as_str()>
            <h2 id="step-details-title">"5. Payment details"</h2>
            <StepLink step=Step::Details />
            <p class="hint">"The payment's history and what can be done with it next."</p>
            <SendPanel request=request label="Get payment details" testid="details" per_order=true on_response=on_response />
            {timeline}
            <CallbacksPanel />
        </section>
    }
}
