//! QR codes of landing-page URLs, drawn as SVG or PNG.
//!
//! The `qrcode` crate does the encoding; the SVG is written here as one path of horizontal
//! runs. The crate's own `QrCode::new` tries all eight mask patterns and scores each, which
//! takes about 5 ms for a landing-page URL and dominated the inline QR's cost; the QR standard
//! lets an encoder use any mask (the decoder reads it from the format bits), so a fixed mask
//! gives the same, readable code in about 0.3 ms.

use std::fmt::Write as _;

use qrcode::bits::encode_auto;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::ec::construct_codewords;
use qrcode::{Color, EcLevel};

/// Light modules around the code, as the standard asks.
const QUIET_ZONE: usize = 4;

/// The dark and light modules of `text` as a QR code (error correction level M), row by row,
/// and the width in modules.
///
/// # Errors
/// A sentence for the user when the text cannot be encoded (too long for a QR code).
pub fn modules(text: &str) -> Result<(Vec<bool>, usize), String> {
    let too_long =
        |e: qrcode::types::QrError| format!("this URL cannot be drawn as a QR code: {e}");
    let bits = encode_auto(text.as_bytes(), EcLevel::M).map_err(too_long)?;
    let version = bits.version();
    let (data, ec) =
        construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(too_long)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let width = usize::try_from(version.width()).expect("QR widths are 21 to 177");
    Ok((
        canvas
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
        width,
    ))
}

/// Renders `text` as an SVG QR code, 200×200 px, black on white, with its quiet zone.
///
/// # Errors
/// As [`modules`].
pub fn svg(text: &str) -> Result<String, String> {
    modules(text).map(|(dark, width)| draw_svg(&dark, width))
}

/// Draws [`modules`]' result as [`svg`] does, for a caller that also draws the PNG.
pub fn draw_svg(dark: &[bool], width: usize) -> String {
    let mut path = String::with_capacity(dark.len() * 3);
    for (y, row) in dark.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] {
                x += 1;
            }
            let run = x - start;
            write!(
                path,
                "M{},{}h{run}v1h-{run}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE
            )
            .expect("writing to a String cannot fail");
        }
    }
    let size = width + 2 * QUIET_ZONE;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"200\" height=\"200\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#ffffff\"/><path d=\"{path}\" fill=\"#000000\"/></svg>"
    )
}

/// Pixels per module in the PNG: a 400-character landing URL (version 15, 77 modules) gives a
/// 510 px image, sharp on screen and easily read by a phone camera from a print-out.
pub const PNG_SCALE: usize = 6;

/// Renders `text` as a black-on-white PNG QR code, [`PNG_SCALE`] pixels per module, with its
/// quiet zone.
///
/// # Errors
/// As [`modules`].
pub fn png(text: &str) -> Result<Vec<u8>, String> {
    modules(text).map(|(dark, width)| draw_png(&dark, width))
}

/// Draws [`modules`]' result as [`png`] does, for a caller that also draws the SVG.
pub fn draw_png(dark: &[bool], width: usize) -> Vec<u8> {
    draw_png_scaled(dark, width, PNG_SCALE)
}

/// Renders `text` as [`png`] does, at least `min_side` pixels wide (whole pixels per module,
/// at least one): the QR API's `size`.
///
/// # Errors
/// As [`modules`].
pub fn png_at_least(text: &str, min_side: usize) -> Result<Vec<u8>, String> {
    modules(text).map(|(dark, width)| {
        let scale = min_side.div_ceil(width + 2 * QUIET_ZONE).max(1);
        draw_png_scaled(&dark, width, scale)
    })
}

fn draw_png_scaled(dark: &[bool], width: usize, scale: usize) -> Vec<u8> {
    let modules_per_side = width + 2 * QUIET_ZONE;
    let side = modules_per_side * scale;
    let inside = QUIET_ZONE..QUIET_ZONE + width;
    let mut scanlines = Vec::with_capacity((1 + side.div_ceil(8)) * side);
    // One scanline per row of modules, repeated: every pixel row of a module row is the same.
    for my in 0..modules_per_side {
        let line = crate::png::scanline(side, |x| {
            let mx = x / scale;
            inside.contains(&my)
                && inside.contains(&mx)
                && dark[(my - QUIET_ZONE) * width + (mx - QUIET_ZONE)]
        });
        for _ in 0..scale {
            scanlines.extend_from_slice(&line);
        }
    }
    crate::png::encode(side, side, &scanlines)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn landing_url() -> String {
        format!("http://127.0.0.1:8080/sandbox/dwo-api-application/v1/deeplink/vippsgateway?v=2&token={}", "eyJh".repeat(90))
    }

    #[test]
    fn decodes_back_to_the_landing_page_url() {
        let url = landing_url();
        let (dark, width) = modules(&url).unwrap();
        // Scale each module to 4 px with the quiet zone, as a camera would see it.
        let scale = 4;
        let side = (width + 2 * QUIET_ZONE) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / scale, y / scale);
            let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&mx)
                && (QUIET_ZONE..QUIET_ZONE + width).contains(&my);
            if inside && dark[(my - QUIET_ZONE) * width + (mx - QUIET_ZONE)] {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
    }

    #[test]
    fn svg_draws_every_dark_module() {
        let url = landing_url();
        let svg = svg(&url).unwrap();
        let (dark, _) = modules(&url).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let drawn: usize = svg
            .split('h')
            .skip(1)
            .filter_map(|p| p.split('v').next()?.parse::<usize>().ok())
            .sum();
        assert_eq!(drawn, dark.iter().filter(|d| **d).count());
    }

    #[test]
    fn png_decodes_back_to_the_landing_page_url() {
        let url = landing_url();
        let file = png(&url).unwrap();
        let mut decoder = ::png::Decoder::new(std::io::Cursor::new(file));
        // Expand the 1-bit samples to 8-bit grey, as an image viewer would.
        decoder.set_transformations(::png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut grey = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut grey).unwrap();
        assert_eq!(info.color_type, ::png::ColorType::Grayscale);
        let side = info.width as usize;
        let (_, width) = modules(&url).unwrap();
        assert_eq!(side, (width + 2 * QUIET_ZONE) * PNG_SCALE);
        assert_eq!(info.height as usize, side);
        // The quiet zone is white: the first row and column hold no dark pixel.
        assert!(grey[..side].iter().all(|g| *g == 255));
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| grey[y * side + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
    }

    #[test]
    fn png_at_least_is_at_least_that_wide_in_whole_pixels_per_module() {
        let url = landing_url();
        let (_, width) = modules(&url).unwrap();
        let per_side = width + 2 * QUIET_ZONE;
        for min in [1, per_side, per_side + 1, 300, 1000] {
            let file = png_at_least(&url, min).unwrap();
            let info = ::png::Decoder::new(std::io::Cursor::new(file))
                .read_info()
                .unwrap()
                .info()
                .clone();
            let side = info.width as usize;
            assert!(side >= min, "{side} < {min}");
            assert_eq!(side % per_side, 0, "{side} is not whole modules");
            assert!(
                side < min + per_side || side == per_side,
                "{side} for {min}"
            );
        }
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        assert!(svg(&"x".repeat(5000))
            .unwrap_err()
            .contains("cannot be drawn"));
        assert!(png(&"x".repeat(5000))
            .unwrap_err()
            .contains("cannot be drawn"));
    }
}
