//! Step 7: the QR API, beside the QR code the playground draws itself.

use ecom_core::payment::{self, QrFormat};
use ecom_core::route::Step;
use leptos::prelude::*;

use crate::components::step_link::StepLink;
use crate::state::flow::FlowCtx;
use serde::Deserialize;

use crate::api::ApiResponse;
use crate::components::send_panel::SendPanel;
use crate::state::session::SessionCtx;
use crate::state::settings::SettingsCtx;

#[derive(Clone, Deserialize)]
struct QrResponse {
    url: String,
    #[serde(rename = "expiresIn")]
    expires_in: u64,
}

/// The QR API step.
#[component]
pub fn QrStep() -> impl IntoView {
    let guide = expect_context::<FlowCtx>();
    let settings = expect_context::<SettingsCtx>().settings;
    let session = expect_context::<SessionCtx>();
    let format = RwSignal::new(QrFormat::Svg);
    let result: RwSignal<Option<(QrFormat, QrResponse)>> = RwSignal::new(None);
    session.on_new_order(move || result.set(None));
    let request = Signal::derive(move || {
        let url = session.vars.with(|v| v.landing_url.clone());
        if url.is_empty() {
            return Err(
                "Initiate a payment first: the QR API encodes its landing page URL.".to_owned(),
            );
        }
        Ok(settings.with(|s| payment::qr_request(s.active_credentials(), &url, format.get())))
    });
    let on_response = Callback::new(move |response: ApiResponse| {
        if response.status == 200 {
            guide.mark_done(Step::Qr);
            result.set(
                serde_json::from_str(&response.body)
                    .ok()
                    .map(|r| (format.get_untracked(), r)),
            );
        }
    });
    view! {
        <section class="panel step" tabindex="-1" aria-labelledby="step-qr-title" data-testid="step-qr" data-guide=move || guide.progress(Step::Qr).as_str()>
            <h2 id="step-qr-title">"7. QR API"</h2>
            <StepLink step=Step::Qr />
            <div class="field">
                <label for="qr-format">"Accept"</label>
                <select id="qr-format" data-testid="qr-format" on:change=move |ev| {
                    format.set(match event_target_value(&ev).as_str() {
                        "png" => QrFormat::Png,
                        "target" => QrFormat::TargetUrl,
                        _ => QrFormat::Svg,
                    })
                }>
                    <option value="svg">"image/svg+xml"</option>
                    <option value="png">"image/png"</option>
                    <option value="target">"text/targetUrl"</option>
                </select>
            </div>
            <SendPanel request=request label="Generate QR code" testid="qr" per_order=true on_response=on_response />
            {move || result.get().map(|(format, r)| {
                let expiry = format!("valid for {} s", r.expires_in);
                match format {
                    // The image URL comes from the upstream: only an http(s) one is loaded.
                    QrFormat::Png | QrFormat::Svg if !ecom_core::validate::is_web_url(&r.url) => view! {
                        <p class="field-error" data-testid="qr-api-result">
                            "The QR API answered an image address that is not http(s), so it is not loaded: "
                            <code class="wrap">{ecom_core::validate::shorten(&r.url, 120)}</code>
                        </p>
                    }.into_any(),
                    QrFormat::TargetUrl => view! {
                        <p data-testid="qr-api-result">"Encode this in your own QR code: " <code>{r.url}</code> " (" {expiry} ")"</p>
                    }.into_any(),
                    _ => view! {
                        <figure class="qr" data-testid="qr-api-result">
                            <img src=r.url alt="QR code from the QR API" width="200" height="200" />
                            <figcaption>{format!("From the QR API, {expiry}")}</figcaption>
                        </figure>
                    }.into_any(),
                }
            })}
        </section>
    }
}
