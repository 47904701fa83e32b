//! The landing-page URL as a QR code, drawn in the browser by `ecom_core::qr`.

use ecom_core::qr;
use leptos::prelude::*;

/// The QR code of the landing-page URL, with SVG and PNG downloads.
#[component]
pub fn InlineQr(
    /// The URL to encode.
    #[prop(into)]
    url: Signal<String>,
) -> impl IntoView {
    // Encoded once per URL, drawn twice.
    let code = Memo::new(move |_| url.with(|u| qr::modules(u)));
    let svg = Memo::new(move |_| {
        code.with(|c| {
            c.as_ref()
                .map(|(dark, width)| qr::draw_svg(dark, *width))
                .map_err(Clone::clone)
        })
    });
    // A data: URL rather than a canvas: the PNG is encoded by `ecom_core`, and the link works
    // without any more browser APIs.
    let png = Memo::new(move |_| {
        code.with(|c| {
            c.as_ref()
                .map(|(dark, width)| ecom_core::png::data_url(&qr::draw_png(dark, *width)))
                .unwrap_or_default()
        })
    });
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
                            " · "
                            <a href=move || png.get() download="landing-page-qr.png" data-testid="qr-download-png">"Download PNG"</a>
                        </figcaption>
                    }
                        .into_any()
                }
                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
            }}
        </figure>
    }
}
