//! The landing-page URL as a QR code, drawn in the browser with the `qrcode` crate.

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::QrCode;

/// Renders `url` as an SVG QR code, or says why it cannot.
pub fn qr_svg(url: &str) -> Result<String, String> {
    let code = QrCode::new(url.as_bytes())
        .map_err(|e| format!("this URL cannot be drawn as a QR code: {e}"))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The QR code of the landing-page URL, with an SVG download.
#[component]
pub fn InlineQr(
    /// The URL to encode.
    #[prop(into)]
    url: Signal<String>,
) -> impl IntoView {
    let svg = Memo::new(move |_| url.with(|u| qr_svg(u)));
    view! {
        <figure class="qr" data-testid="inline-qr">
            {move || match svg.get() {
                Ok(markup) => {
                    let href = format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(&markup));
                    view! {
                        <div class="qr-image" role="img" aria-label="QR code of the landing page URL" inner_html=markup />
                        <figcaption>
                            "Scan to open the landing page. "
                            <a href=href download="landing-page-qr.svg" data-testid="qr-download-svg">"Download SVG"</a>
                        </figcaption>
                    }
                        .into_any()
                }
                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
            }}
        </figure>
    }
}
