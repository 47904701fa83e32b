//! One-time-payment QR codes (spec §10): `POST /qr/v1` and the images it points to.
//!
//! The QR content is the landing-page URL itself, so scanning it (or decoding the image in a
//! test) leads to the landing page. Images need no authentication and give 404 once the
//! landing page's five minutes are over.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ecom_core::wire::qr::{QrRequest, QrResponse};

use crate::domain::payment::{State as PState, USER_PHASE_MS};
use crate::http::auth::{problem_api_caller, KeyRule};
use crate::http::flow;
use crate::http::respond::json_response;
use crate::http::state::{AppState, QrImage};
use crate::wire::errors::ApiError;

/// What the client asked for in `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Svg,
    Target,
}

fn problem(status: StatusCode, title: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::Qr {
        status,
        title,
        detail: detail.into(),
    }
}

fn invalid_token() -> ApiError {
    problem(
        StatusCode::BAD_REQUEST,
        "Validation error",
        "Supplied landing page token is not valid",
    )
}

fn accept(headers: &HeaderMap) -> Result<Format, ApiError> {
    let raw = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for part in raw.split(',') {
        let mime = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "image/png" => return Ok(Format::Png),
            "image/svg+xml" | "image/*" => return Ok(Format::Svg),
            "text/targeturl" => return Ok(Format::Target),
            _ => {}
        }
    }
    Err(problem(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Unsupported Media Type",
        "Set the Accept header to image/png, image/svg+xml, image/* or text/targetUrl",
    ))
}

/// `POST /qr/v1`.
pub(crate) async fn generate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = problem_api_caller(&state, &headers, KeyRule::Required, |s, t, d| {
        problem(s, t, d)
    })?;
    let format = accept(&headers)?;
    let size = match headers
        .get("size")
        .map(|v| v.to_str().ok().and_then(|s| s.trim().parse::<u32>().ok()))
    {
        None => 800,
        Some(Some(s)) if (100..=2000).contains(&s) => s,
        Some(_) => {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "Validation error",
                "Size must be a whole number of pixels from 100 to 2000",
            ));
        }
    };
    let Ok(request) = serde_json::from_slice::<QrRequest>(&body) else {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "Validation error",
            "The body must be JSON: {\"url\": \"<landing page url from initiate>\"}",
        ));
    };
    let Some(url) = request.url.as_deref() else {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "Validation error",
            "url is required: the landing page url from the initiate response",
        ));
    };
    let marker = "/dwo-api-application/v1/deeplink/vippsgateway?";
    let token = url
        .split_once(marker)
        .filter(|(scheme_host, _)| scheme_host.starts_with("http"))
        .and_then(|(_, query)| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix("token="))
                .map(str::to_owned)
        });
    let Some(p) = token.and_then(|t| state.store.by_token(&t)) else {
        return Err(invalid_token());
    };
    let mut g = p.lock();
    flow::touch(&state, &mut g);
    if g.msn() != caller.msn() || g.init.skip_landing_page || g.init.is_app {
        return Err(invalid_token());
    }
    let now = state.now();
    let expires_at = g.created_ms + USER_PHASE_MS;
    if g.state != PState::Initiate || now >= expires_at {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "Order timeout",
            "Payment has already timed out",
        ));
    }
    let content = state.landing_url(&g.token);
    drop(g);
    let id = uuid::Uuid::new_v4().simple().to_string();
    {
        let mut qr = state.qr.lock();
        if qr.len() >= 10_000 {
            qr.retain(|_, i| i.expires_at_ms > now);
            if qr.len() >= 10_000 {
                qr.clear();
            }
        }
        qr.insert(
            id.clone(),
            QrImage {
                content,
                svg: format != Format::Png,
                size,
                expires_at_ms: expires_at,
            },
        );
    }
    let url = match format {
        Format::Png => format!("{}/qr-images/{id}.png", state.base()),
        Format::Svg => format!("{}/qr-images/{id}.svg", state.base()),
        Format::Target => format!("{}/qr-target/{id}", state.base()),
    };
    let expires_in = (expires_at - now + 999) / 1000;
    Ok(json_response(
        StatusCode::OK,
        &QrResponse { expires_in, url },
    ))
}

fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        "This QR code does not exist or has expired",
    )
    .into_response()
}

/// PNG bytes of a QR code for `content`, at least `size` pixels wide (the app's own encoder).
pub(crate) fn png(content: &str, size: u32) -> Option<Vec<u8>> {
    ecom_core::qr::png_at_least(content, usize::try_from(size).ok()?).ok()
}

/// An SVG document of a QR code for `content` (the app's own drawing).
pub(crate) fn svg(content: &str) -> Option<String> {
    ecom_core::qr::svg(content).ok()
}

fn live(state: &AppState, id: &str) -> Option<QrImage> {
    let img = state.qr.lock().get(id).cloned()?;
    (state.now() < img.expires_at_ms).then_some(img)
}

/// `GET /qr-images/{id}.png|svg`: the image, no authentication.
pub(crate) async fn image(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((id, ext)) = file.rsplit_once('.') else {
        return not_found();
    };
    let Some(img) = live(&state, id) else {
        return not_found();
    };
    let (bytes, mime) = match (ext, img.svg) {
        ("png", false) => match png(&img.content, img.size) {
            Some(b) => (b, "image/png"),
            None => return not_found(),
        },
        ("svg", true) => match svg(&img.content) {
            Some(s) => (s.into_bytes(), "image/svg+xml"),
            None => return not_found(),
        },
        _ => return not_found(),
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /qr-target/{id}`: the short URL of `text/targetUrl`, redirecting to the landing page.
pub(crate) async fn target(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match live(&state, &id) {
        Some(img) => Redirect::to(&img.content).into_response(),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_render() {
        let p = png("http://127.0.0.1:1/x?v=2&token=abc", 200).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        let s = svg("http://x").unwrap();
        assert!(s.contains("<svg"));
    }
}
