//! Security headers on every kind of response the server makes: the app's HTML (its inline
//! scripts allowed by hash), static files, `/__proxy/info`, proxy errors and the sandbox's
//! pages (their own nonce), with `frame-ancestors` from `--frame-ancestors`.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use common::*;
use sha2::Digest as _;

const INLINE: &str = "\nimport init from '/app-1234.js';\nawait init();\n";

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        format!("<!doctype html><head><script type=\"module\">{INLINE}</script></head>"),
    )
    .unwrap();
    std::fs::write(dir.path().join("app-1234.js"), "export default 1").unwrap();
    std::fs::write(
        dir.path().join("sandbox-sw.js"),
        "importScripts('./glue.js');",
    )
    .unwrap();
    dir
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing on {}", response.url()))
        .to_str()
        .unwrap()
        .to_string()
}

fn assert_common(response: &reqwest::Response, frame_ancestors: &str, frame_options: bool) {
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    // The sandbox's pages keep referrers within their origin, so their form posts carry an
    // Origin (Chromium sends `Origin: null` under no-referrer); everything else sends none.
    let html = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
    let referrer = if html && response.url().path().starts_with("/sandbox/") {
        "same-origin"
    } else {
        "no-referrer"
    };
    assert_eq!(header(response, "referrer-policy"), referrer);
    let policy = header(response, "content-security-policy");
    assert!(
        policy.ends_with(&format!("; frame-ancestors {frame_ancestors}")),
        "{}: {policy}",
        response.url()
    );
    assert_eq!(policy.matches("frame-ancestors").count(), 1, "{policy}");
    assert_eq!(
        response.headers().get("x-frame-options").is_some(),
        frame_options,
        "{}",
        response.url()
    );
    if frame_options {
        assert_eq!(header(response, "x-frame-options"), "SAMEORIGIN");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dist = dist();
    let proxy = spawn_proxy(config(&[
        "--no-mt",
        "--static-dir",
        dist.path().to_str().unwrap(),
    ]))
    .await;
    let http = client();

    // The app's HTML: its own scripts, WebAssembly and exactly its inline script by hash.
    let index = http.get(format!("{}/", proxy.url)).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert_common(&index, "'self'", true);
    let policy = header(&index, "content-security-policy");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(INLINE));
    for directive in [
        format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"),
        "default-src 'none'".into(),
        "img-src 'self' data: https: http://127.0.0.1:* http://localhost:*".into(),
        "connect-src 'self' https: http://127.0.0.1:* http://localhost:*".into(),
        "object-src 'none'".into(),
        "base-uri 'none'".into(),
    ] {
        assert!(policy.contains(&directive), "{directive} not in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");

    // A revalidated index.html (304) brings the same policy, since its headers replace the
    // cached ones.
    let modified = header(&index, "last-modified");
    let revalidated = http
        .get(format!("{}/", proxy.url))
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(header(&revalidated, "content-security-policy"), policy);

    // Static files, the info endpoint and the proxy's errors: nothing may run from them.
    for path in [
        "/app-1234.js",
        "/__proxy/info",
        "/nope",
        "/sandbox/%2e%2e/x",
    ] {
        let response = http
            .get(format!("{}{path}", proxy.url))
            .send()
            .await
            .unwrap();
        assert_common(&response, "'self'", true);
        assert!(
            header(&response, "content-security-policy").starts_with("default-src 'none'"),
            "{path}"
        );
    }
    // The in-browser sandbox's worker takes its policy from its script: it may import its glue
    // and fetch and compile its module from this origin, nothing else.
    let worker = http
        .get(format!("{}/sandbox-sw.js", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(worker.status(), 200);
    let policy = header(&worker, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
    ] {
        assert!(policy.contains(directive), "{directive} not in {policy}");
    }
    assert!(!policy.contains("https:"), "{policy}");
    let refused = http
        .get(format!("{}/nope", proxy.url))
        .send()
        .await
        .unwrap();
    assert_proxy_error(refused, 404, "unknown_upstream").await;

    // A sandbox page: its own policy, whose nonce is the one its inline style carries.
    let page = http
        .get(format!("{}/sandbox/", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_common(&page, "'self'", true);
    let policy = header(&page, "content-security-policy");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_string();
    assert!(
        policy.contains("form-action 'self' http: https:"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("<style nonce=\"{nonce}\">")),
        "{html}"
    );
    assert!(!html.contains(" style=\""), "{html}");
    let again = http
        .get(format!("{}/sandbox/", proxy.url))
        .send()
        .await
        .unwrap();
    assert!(
        !header(&again, "content-security-policy").contains(&nonce),
        "a nonce must never be reused"
    );
}

#[tokio::test]
async fn embedding_sites_are_listed_in_frame_ancestors() {
    let dist = dist();
    let proxy = spawn_proxy(config(&[
        "--no-mt",
        "--static-dir",
        dist.path().to_str().unwrap(),
        "--frame-ancestors",
        "https://docs.example.com",
        "--frame-ancestors",
        "http://127.0.0.1:9000",
    ]))
    .await;
    for path in ["/", "/__proxy/info", "/sandbox/", "/nope"] {
        let response = client()
            .get(format!("{}{path}", proxy.url))
            .send()
            .await
            .unwrap();
        // X-Frame-Options cannot list origins, so it is left out rather than contradict.
        assert_common(
            &response,
            "'self' https://docs.example.com http://127.0.0.1:9000",
            false,
        );
    }
}
