//! The landing-page URL as a QR code, drawn in the browser by `ecom_core::qr`.

use leptos::prelude::*;

/// The QR code of the landing-page URL, with an SVG download.
#[component]
pub fn InlineQr(
    /// The URL to encode.
    #[prop(into)]
    url: Signal<String>,
) -> impl IntoView {
    let svg = Memo::new(move |_| url.with(|u| ecom_core::qr::svg(u)));
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
