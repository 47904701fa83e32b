//! QR codes of landing-page URLs, drawn as SVG by the `qrcode` crate (pure Rust, no I/O).

use qrcode::render::svg;
use qrcode::QrCode;

/// Renders `text` as an SVG QR code of at least 200×200 px, black on white.
///
/// # Errors
/// A sentence for the user when the text cannot be encoded (too long for a QR code).
pub fn svg(text: &str) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes())
        .map_err(|e| format!("this URL cannot be drawn as a QR code: {e}"))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn draws_a_landing_page_url() {
        let url = format!("http://127.0.0.1:8080/sandbox/dwo-api-application/v1/deeplink/vippsgateway?v=2&token={}", "e".repeat(300));
        let svg = svg(&url).unwrap();
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("#000000"),
            "{}",
            &svg[..100]
        );
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        assert!(svg(&"x".repeat(5000))
            .unwrap_err()
            .contains("cannot be drawn"));
    }
}
