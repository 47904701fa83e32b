//! Step 2: initiate a regular, express or profile payment.

use ecom_core::payment::{self, InitiateForm, PaymentKind, SCOPES};
use ecom_core::route::{Flow, Step};
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::flow::FlowCtx;
use serde::Deserialize;

use crate::api::ApiResponse;
use crate::components::field::{CheckField, TextField};
use crate::components::send_panel::SendPanel;
use crate::components::shipping_editor::{ShippingEditor, ShippingRows};
use crate::state::session::{now_millis, SessionCtx};
use crate::state::settings::SettingsCtx;
use ecom_core::session::Initiated;

/// The initiate call's answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitiateResponse {
    order_id: String,
    url: String,
}

/// The initiate step.
#[component]
pub fn InitiateStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let msn = move || settings.with(|s| s.active_credentials().merchant_serial_number.clone());
    let defaults = InitiateForm::postman_defaults(PaymentKind::Regular, "", "", 0);

    // The kind of payment is the flow's: express checkout for Express, a profile payment for
    // Userinfo, a regular payment otherwise. A link may prefill the form.
    let flow = expect_context::<FlowCtx>();
    let kind = Memo::new(move |_| match flow.flow.get() {
        Flow::Express => PaymentKind::Express,
        Flow::Userinfo => PaymentKind::Profile,
        Flow::Regular | Flow::Qr => PaymentKind::Regular,
    });
    let amount = RwSignal::new(flow.prefill("amount").unwrap_or_else(|| "499".to_owned()));
    let order_id = RwSignal::new(
        flow.prefill("orderId")
            .unwrap_or_else(|| payment::generate_order_id(&msn(), now_millis())),
    );
    let text = RwSignal::new(
        flow.prefill("transactionText")
            .unwrap_or(defaults.transaction_text),
    );
    let callback = RwSignal::new(
        flow.prefill("callbackPrefix")
            .unwrap_or(defaults.callback_prefix),
    );
    // By default Vipps sends the user back to this page, which then says how the payment went
    // (`BackFromVipps`). MT takes only an https fallBack, so from a plain-http page the
    // collection's example stays the default there. The default follows the orderId and the
    // environment until the user types another fallBack.
    let page_url = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let example_fall_back = defaults.fall_back;
    let auto_fall_back = Memo::new(move |_| {
        let sandbox = settings.with(|s| s.environment.is_simulated());
        if sandbox || page_url.starts_with("https://") {
            payment::back_fallback(&page_url, &order_id.get())
        } else {
            example_fall_back.clone()
        }
    });
    let fall_back = RwSignal::new(
        flow.prefill("fallBack")
            .unwrap_or_else(|| auto_fall_back.get_untracked()),
    );
    Effect::new(move |previous: Option<String>| {
        let auto = auto_fall_back.get();
        if previous.is_some_and(|p| fall_back.get_untracked() == p) {
            fall_back.set(auto.clone());
        }
        auto
    });
    // A link followed later prefills the same fields.
    flow.on_link(move |route| {
        let fields = [
            ("amount", amount),
            ("transactionText", text),
            ("orderId", order_id),
            ("callbackPrefix", callback),
            ("fallBack", fall_back),
        ];
        for (name, signal) in fields {
            if let Some(value) = route.value(name) {
                signal.set(value.to_owned());
            }
        }
    });
    let fall_back_hint = Signal::derive(move || {
        (fall_back.get() == auto_fall_back.get() && fall_back.with(|f| f.contains(payment::BACK_ROUTE)))
            .then(|| "After the app, Vipps sends the user back to this page, which then says how the payment went.".to_owned())
    });
    let skip_landing = RwSignal::new(false);
    let is_app = RwSignal::new(false);
    let scopes: Vec<(&'static str, RwSignal<bool>)> = SCOPES
        .iter()
        .map(|s| (*s, RwSignal::new(*s != "nin")))
        .collect();
    let scopes = StoredValue::new(scopes);
    let shipping = ShippingRows::postman();

    let amount_error = Signal::derive(move || amount.with(|a| payment::parse_nok(a).err()));
    let order_error =
        Signal::derive(move || order_id.with(|o| payment::validate_order_id(o).err()));

    let request = Signal::derive(move || {
        let amount = payment::parse_nok(&amount.get())?;
        let order_id = order_id.get();
        payment::validate_order_id(&order_id)?;
        let kind = kind.get();
        let settings = settings.get();
        let creds = settings.active_credentials();
        let form = InitiateForm {
            kind,
            amount,
            order_id,
            transaction_text: text.get(),
            callback_prefix: callback.get(),
            fall_back: fall_back.get(),
            skip_landing_page: skip_landing.get(),
            is_app: is_app.get(),
            auth_token: String::new(),
            mobile_number: creds.mobile_number.clone(),
            scopes: scopes.with_value(|s| {
                s.iter()
                    .filter(|(_, on)| on.get())
                    .map(|(n, _)| (*n).to_owned())
                    .collect()
            }),
            shipping: if kind == PaymentKind::Express {
                shipping.options()?
            } else {
                Vec::new()
            },
        };
        let body = form.body(&creds.merchant_serial_number);
        Ok(payment::initiate_request(creds, &body))
    });

    let on_response = Callback::new(move |response: ApiResponse| {
        if response.status != 200 {
            return;
        }
        if let Ok(done) = serde_json::from_str::<InitiateResponse>(&response.body) {
            let token = payment::landing_token(&done.url).unwrap_or_default();
            session.vars.update(|v| {
                v.start(Initiated {
                    order_id: done.order_id,
                    landing_url: done.url,
                    payment_token: token,
                    express: kind.get_untracked() == PaymentKind::Express,
                });
            });
            // An orderId is used once for ever (error 34): the next initiate gets a new one,
            // as the Postman collection makes one before every Initiate.
            order_id.set(payment::generate_order_id(&msn(), now_millis()));
        }
    });

    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-initiate-title" data-testid="step-initiate" data-guide=move || guide.progress(Step::Initiate).as_str()>
            <h2 id="step-initiate-title">"2. Initiate a payment"</h2>
            <StepLink step=Step::Initiate />
            <p class="hint">
                "Creates a payment and returns the landing page URL where the user confirms it. Amounts are typed in NOK and sent in øre."
            </p>
            <div class="field">
                <label for="initiate-kind">"Kind of payment"</label>
                <select
                    id="initiate-kind"
                    data-testid="initiate-kind"
                    on:change=move |ev| {
                        flow.flow.set(match event_target_value(&ev).as_str() {
                            "express" => Flow::Express,
                            "profile" => Flow::Userinfo,
                            // The QR flow pays regularly: keep it when it is the flow.
                            _ if flow.flow.get_untracked() == Flow::Qr => Flow::Qr,
                            _ => Flow::Regular,
                        })
                    }
                >
                    <option value="regular" selected=move || kind.get() == PaymentKind::Regular>"Regular payment"</option>
                    <option value="express" selected=move || kind.get() == PaymentKind::Express>"Express checkout (static shipping)"</option>
                    <option value="profile" selected=move || kind.get() == PaymentKind::Profile>"Profile payment (userinfo scope)"</option>
                </select>
            </div>
            <div class="grid2">
                <TextField label="Amount (NOK)" id="initiate-amount" value=amount error=amount_error />
                <div class="field-with-action">
                    <TextField label="orderId" id="initiate-order-id" value=order_id error=order_error />
                    <button
                        type="button"
                        class="secondary"
                        data-testid="new-order-id"
                        on:click=move |_| order_id.set(payment::generate_order_id(&msn(), now_millis()))
                    >
                        "New orderId"
                    </button>
                </div>
            </div>
            <TextField label="transactionText" id="initiate-text" value=text />
            <TextField label="callbackPrefix" id="initiate-callback" value=callback />
            <TextField label="fallBack" id="initiate-fallback" value=fall_back />
            <p class="hint" data-testid="fallback-hint">{fall_back_hint}</p>
            <div class="checks">
                <CheckField label="skipLandingPage" id="initiate-skip" value=skip_landing />
                <CheckField label="isApp (deeplink instead of landing page)" id="initiate-isapp" value=is_app />
            </div>
            <Show when=move || kind.get() == PaymentKind::Profile>
                <fieldset class="checks" data-testid="initiate-scopes">
                    <legend>"Scope: what the user is asked to share"</legend>
                    {scopes
                        .get_value()
                        .into_iter()
                        .map(|(name, on)| {
                            let id = format!("scope-{name}");
                            view! {
                                <div class="check">
                                    <input
                                        id=id.clone()
                                        type="checkbox"
                                        prop:checked=move || on.get()
                                        on:change=move |ev| on.set(event_target_checked(&ev))
                                    />
                                    <label for=id>{name}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
            </Show>
            <Show when=move || kind.get() == PaymentKind::Express>
                <p class="hint">
                    "Express checkout: the user picks an address and one of the shipping options below in the app (prefilled with the Postman collection's two). Force approve does not support express: open the landing page and complete it in the app page instead."
                </p>
                <ShippingEditor rows=shipping />
            </Show>
            <SendPanel request=request label="Initiate payment" testid="initiate" on_response=on_response />
        </section>
    }
}
