//! The built app's static files (`--static-dir`, normally `dist/`): what the browser downloads
//! and how long it may keep it.
//!
//! - **Precompressed.** `scripts/build.sh` writes a brotli (`.br`) and a gzip (`.gz`) copy
//!   beside every asset; [`serve_dir`] serves the one the request's `Accept-Encoding` prefers
//!   (brotli first), with `Content-Encoding` and `Vary: Accept-Encoding`, and the plain file to
//!   clients that accept neither. Nothing is compressed per request.
//! - **Cached by name.** A file whose name carries a content hash (`name-<16 hex digits>.ext`,
//!   as Trunk names the JS glue, the main wasm module and the CSS, and as `scripts/build.sh`
//!   names the loader and the lazy chunks) never changes under that name, so it is
//!   `public, max-age=31536000, immutable`. Everything else, `index.html` (`/`) above all, is
//!   `no-cache`: the browser revalidates it on every load (a `304` while it is unchanged), so a
//!   new release is picked up at once and its new hashed names are fetched.
//! - **Revalidation.** tower-http's `ServeDir` sends `ETag` and `Last-Modified` and answers
//!   `If-None-Match` / `If-Modified-Since` with `304 Not Modified`; [`serve`] adds the cache
//!   policy and `Vary` to those answers too, as RFC 9111 asks.
//!
//! `crates/ecom-proxy/DEPLOY.md` lists the same headers for a static host or CDN.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Response, StatusCode};
use tower::ServiceExt;
use tower_http::services::fs::ServeFileSystemResponseBody;
use tower_http::services::ServeDir;

/// `Cache-Control` of a file whose name carries its content hash.
pub const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// `Cache-Control` of everything else: keep it, but ask the server before each use.
pub const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The file service for the app directory: `index.html` for directories, and the brotli or
/// gzip copy of a file when the client accepts it and the build wrote one.
pub fn serve_dir(dir: impl AsRef<std::path::Path>) -> ServeDir {
    ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
}

/// Serves `request` from `files` and adds the cache policy of the requested path to every
/// `200`, `206` and `304` answer. Other answers (`404`, `405`, `412`, …) are left as they are.
pub async fn serve(files: &ServeDir, request: Request) -> Response<ServeFileSystemResponseBody> {
    let policy = cache_policy(request.uri().path());
    let mut response = match files.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, policy);
        // ServeDir leaves `Vary` off its 304s; a cache must still key them by encoding.
        headers
            .entry(header::VARY)
            .or_insert(HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// The `Cache-Control` value for a request path.
pub fn cache_policy(path: &str) -> HeaderValue {
    let name = path.rsplit('/').next().unwrap_or_default();
    if is_content_hashed(name) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Whether a file name carries a content hash: `<stem>-<16 lowercase hex digits>` before the
/// extension, optionally followed by wasm-bindgen's `_bg` (`ecom-playground-<hash>_bg.wasm`).
pub fn is_content_hashed(name: &str) -> bool {
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((prefix, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && hash.len() == 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_immutable_and_the_rest_revalidates() {
        let table = [
            ("/ecom-playground-8f14e45fceea167a.js", true),
            ("/ecom-playground-8f14e45fceea167a_bg.wasm", true),
            ("/main-0123456789abcdef.css", true),
            ("/__wasm_split-0123456789abcdef.js", true),
            ("/split_quick_start_steps-0123456789abcdef.wasm", true),
            ("/", false),
            ("/index.html", false),
            ("/__wasm_split.js", false),
            ("/split_quick_start_steps.wasm", false),
            ("/app-1234.js", false),
            ("/-0123456789abcdef.js", false),
            ("/main-0123456789ABCDEF.css", false),
            ("/main-0123456789abcdef", false),
            ("/main-0123456789abcdeg.css", false),
        ];
        for (path, hashed) in table {
            let want = if hashed { IMMUTABLE } else { REVALIDATE };
            assert_eq!(cache_policy(path), want, "{path}");
        }
    }
}
