//! Back from Vipps: the page a payment's `fallBack` opens (`#/back?orderId=…`) resumes that
//! payment, asks for its details and says what happened and what to do next.

use ecom_core::details::PaymentDetails;
use ecom_core::payment;
use leptos::prelude::*;

use crate::state::calls;
use crate::state::flow::FlowCtx;
use crate::state::history::HistoryCtx;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

/// What the banner says: the order, and either what happened or why it could not be told.
#[derive(Clone)]
struct Back {
    order_id: String,
    text: String,
}

/// The banner shown when Vipps sent the user back to the playground; nothing otherwise.
#[component]
pub fn BackFromVipps() -> impl IntoView {
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let history = expect_context::<HistoryCtx>();
    let shown: RwSignal<Option<Back>> = RwSignal::new(None);
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if let Some(order_id) = payment::back_order_id(&hash) {
        session.resume(&order_id);
        shown.set(Some(Back {
            order_id: order_id.clone(),
            text: "Asking Vipps how the payment went…".to_owned(),
        }));
        leptos::task::spawn_local(async move {
            let settings = settings.get_untracked();
            let request = payment::details_request(settings.active_credentials(), &order_id);
            let sent = calls::send_authorized(request, &settings, session, history).await;
            let text = match sent {
                Ok((response, _)) if response.status == 200 => {
                    match PaymentDetails::parse(&response.body) {
                        Ok(details) => {
                            if let Some(guide) = use_context::<FlowCtx>() {
                                guide.mark_details(&details);
                            }
                            let (what, next) = details.back_from_vipps();
                            format!("{what} {next}")
                        }
                        Err(e) => format!("Its details could not be read ({e}); see step 5."),
                    }
                }
                Ok((response, _)) => format!(
                    "Its details answered HTTP {}; see step 5 for the response.",
                    response.status
                ),
                Err(e) => format!("Its details could not be fetched: {e}"),
            };
            shown.set(Some(Back { order_id, text }));
        });
    }
    view! {
        {move || shown.get().map(|back| view! {
            <div class="notice back" role="status" data-testid="back-from-vipps">
                <p>
                    <strong>{format!("Back from Vipps for order {}. ", back.order_id)}</strong>
                    {back.text}
                </p>
                <button type="button" class="secondary" on:click=move |_| shown.set(None)>"Dismiss"</button>
            </div>
        })}
    }
}
