//! The app's static files over real loopback HTTP: the precompressed copy the client accepts,
//! `Vary`, the cache policy by name, and revalidation with `304 Not Modified`.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const HASHED_JS: &str = "ecom-playground-0123456789abcdef.js";
const HASHED_WASM: &str = "ecom-playground-0123456789abcdef_bg.wasm";

/// An app directory as `scripts/build.sh` leaves it: every file with `.br` and `.gz` beside
/// it (their content is a marker here; the server never looks inside).
fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("index.html", "<!doctype html><title>app</title>"),
        (HASHED_JS, "console.log(1)"),
        (HASHED_WASM, "\0asm"),
        ("__wasm_split.js", "export {}"),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
        std::fs::write(dir.path().join(format!("{name}.br")), format!("br:{name}")).unwrap();
        std::fs::write(
            dir.path().join(format!("{name}.gz")),
            format!("gzip:{name}"),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("plain-0123456789abcdef.css"), "body{}").unwrap();
    dir
}

/// A proxy (no sandbox) serving a fresh [`app_dir`]; keep the directory alive with it.
async fn serve_app_dir() -> (tempfile::TempDir, TestProxy) {
    let dir = app_dir();
    let proxy = spawn_proxy(config(&[
        "--no-sandbox",
        "--static-dir",
        dir.path().to_str().unwrap(),
    ]))
    .await;
    (dir, proxy)
}

async fn get(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn the_preferred_precompressed_copy_is_served_with_vary() {
    let (_dir, proxy) = serve_app_dir().await;
    let url = format!("{}/{HASHED_JS}", proxy.url);
    // (Accept-Encoding, expected Content-Encoding, expected body)
    let table = [
        ("gzip, deflate, br", Some("br"), format!("br:{HASHED_JS}")),
        ("gzip", Some("gzip"), format!("gzip:{HASHED_JS}")),
        (
            "br;q=0.5, gzip;q=1",
            Some("gzip"),
            format!("gzip:{HASHED_JS}"),
        ),
        ("identity", None, "console.log(1)".to_string()),
        ("", None, "console.log(1)".to_string()),
    ];
    for (accept, encoding, body) in table {
        let response = get(&url, &[("accept-encoding", accept)]).await;
        assert_eq!(response.status(), 200, "{accept}");
        assert_eq!(
            header(&response, "content-encoding").as_deref(),
            encoding,
            "{accept}"
        );
        assert_eq!(
            header(&response, "vary").as_deref(),
            Some("accept-encoding"),
            "{accept}"
        );
        assert!(
            header(&response, "content-type")
                .unwrap()
                .contains("javascript"),
            "{accept}: the type is the original file's, not the compressed copy's"
        );
        assert_eq!(response.text().await.unwrap(), body, "{accept}");
    }

    let wasm = get(
        &format!("{}/{HASHED_WASM}", proxy.url),
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(
        header(&wasm, "content-type").as_deref(),
        Some("application/wasm")
    );
    assert_eq!(header(&wasm, "content-encoding").as_deref(), Some("br"));

    // A file the build did not compress is served as it is, to everyone.
    let css = get(
        &format!("{}/plain-0123456789abcdef.css", proxy.url),
        &[("accept-encoding", "br, gzip")],
    )
    .await;
    assert_eq!(header(&css, "content-encoding"), None);
    assert_eq!(css.text().await.unwrap(), "body{}");
}

#[tokio::test]
async fn hashed_names_are_immutable_and_the_page_revalidates() {
    let (_dir, proxy) = serve_app_dir().await;
    let immutable = "public, max-age=31536000, immutable";
    let table = [
        ("/", "no-cache"),
        ("/index.html", "no-cache"),
        ("/__wasm_split.js", "no-cache"),
        ("/ecom-playground-0123456789abcdef.js", immutable),
        ("/ecom-playground-0123456789abcdef_bg.wasm", immutable),
        ("/plain-0123456789abcdef.css", immutable),
    ];
    for (path, policy) in table {
        let url = format!("{}{path}", proxy.url);
        let first = get(&url, &[("accept-encoding", "br")]).await;
        assert_eq!(first.status(), 200, "{path}");
        assert_eq!(
            header(&first, "cache-control").as_deref(),
            Some(policy),
            "{path}"
        );
        assert_eq!(
            header(&first, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        let etag = header(&first, "etag").expect("an ETag");
        let modified = header(&first, "last-modified").expect("a Last-Modified");

        for condition in [
            ("if-none-match", etag.as_str()),
            ("if-modified-since", &modified),
        ] {
            let again = get(&url, &[("accept-encoding", "br"), condition]).await;
            assert_eq!(again.status(), 304, "{path} {condition:?}");
            assert_eq!(
                header(&again, "cache-control").as_deref(),
                Some(policy),
                "{path}: a 304 carries the policy"
            );
            assert_eq!(
                header(&again, "vary").as_deref(),
                Some("accept-encoding"),
                "{path}"
            );
            assert!(again.bytes().await.unwrap().is_empty());
        }
        if path.ends_with(".css") {
            continue; // no compressed copies of this one
        }
        // Another encoding is another representation with its own validator.
        let other = get(
            &url,
            &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(other.status(), 200, "{path}");
        assert_eq!(header(&other, "content-encoding").as_deref(), Some("gzip"));
    }

    // A missing file is the proxy's JSON error, never cached as if it were an asset.
    let missing = get(
        &format!("{}/missing-0123456789abcdef.js", proxy.url),
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        header(&missing, "cache-control").as_deref(),
        Some("no-store")
    );
}
