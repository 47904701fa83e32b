//! The proxy in front of a local HTTPS echo upstream: info, CORS, header filtering both ways,
//! static files.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const DEV_ORIGIN: &str = "http://127.0.0.1:8081";

async fn proxy_with_echo(extra: &[&str]) -> (TestProxy, Log, TestCa, Canary) {
    let ca = TestCa::new();
    let canary = Canary::new().await;
    let (echo_url, log) = https_echo(&ca, format!("http://{}/", canary.addr)).await;
    let upstream = format!("echo={echo_url}");
    let mut args = vec![
        "--no-sandbox",
        "--upstream",
        &upstream,
        "--trust-ca",
        ca.ca_path(),
    ];
    args.extend_from_slice(extra);
    let proxy = spawn_proxy(config(&args)).await;
    (proxy, log, ca, canary)
}

/// A GET from `origin` to the echo upstream behind `proxy_url` is refused with the proxy's 403
/// and no CORS header; returns the error body.
async fn assert_origin_refused(proxy_url: &str, origin: &str) -> serde_json::Value {
    let response = client()
        .get(format!("{proxy_url}/echo/ping"))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    assert_proxy_error(response, 403, "origin_forbidden").await
}

#[tokio::test]
async fn info_lists_configured_upstreams_without_secrets() {
    let (proxy, _log, _ca, _canary) =
        proxy_with_echo(&["--token", "a-very-secret-proxy-token-123"]).await;
    let response = client()
        .get(format!("{}/__proxy/info", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(!text.contains("a-very-secret-proxy-token-123"));
    let info: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = info["upstreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["mt", "echo"]);
    assert_eq!(info["upstreams"][0]["target"], "https://apitest.vipps.no");
    assert_eq!(info["production_enabled"], false);
    assert_eq!(info["token_required"], true);

    let production = spawn_proxy(config(&["--no-sandbox", "--enable-production"])).await;
    let info: serde_json::Value = client()
        .get(format!("{}/__proxy/info", production.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["production_enabled"], true);
    assert_eq!(info["upstreams"][1]["target"], "https://api.vipps.no");
}

#[tokio::test]
async fn preflight_is_answered_locally_for_allowed_origins() {
    let (proxy, log, _ca, _canary) = proxy_with_echo(&[]).await;
    let response = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/echo/ecomm/v2/payments", proxy.url),
        )
        .header("origin", DEV_ORIGIN)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,ocp-apim-subscription-key,content-type,merchant-serial-number,x-request-id,vipps-system-name,client_id,client_secret,x-proxy-token",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], DEV_ORIGIN);
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for name in [
        "authorization",
        "ocp-apim-subscription-key",
        "client_id",
        "client_secret",
        "merchant-serial-number",
        "x-request-id",
        "vipps-system-plugin-version",
        "x-proxy-token",
    ] {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("PUT") && methods.contains("POST"));
    assert!(headers["vary"]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("origin"));
    assert!(
        log.all().is_empty(),
        "a preflight must not reach the upstream"
    );
}

#[tokio::test]
async fn allowed_origins_get_cors_headers_and_refused_ones_get_403() {
    let (proxy, log, _ca, _canary) = proxy_with_echo(&[]).await;
    for origin in [DEV_ORIGIN, "http://localhost:8081", proxy.url.as_str()] {
        let response = client()
            .get(format!("{}/echo/ping", proxy.url))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 418, "{origin}");
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], origin);
        let expose = headers["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        for name in [
            "server-timing",
            "x-request-id",
            "content-type",
            "location",
            "x-playground-proxy-error",
        ] {
            assert!(expose.contains(name), "{name} not exposed: {expose}");
        }
        assert!(headers["vary"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("origin"));
    }
    assert_eq!(log.all().len(), 3);

    for origin in ["https://evil.example", "null", "http://127.0.0.1:8082"] {
        let body = assert_origin_refused(&proxy.url, origin).await;
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("--allowed-origin"));
        let preflight = client()
            .request(reqwest::Method::OPTIONS, format!("{}/echo/ping", proxy.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert!(preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none());
        assert_proxy_error(preflight, 403, "origin_forbidden").await;
    }
    assert_eq!(
        log.all().len(),
        3,
        "refused origins must not reach the upstream"
    );

    // An explicit list replaces the development defaults; the proxy's own origin stays.
    let (strict, _log, _ca, _canary) =
        proxy_with_echo(&["--allowed-origin", "https://docs.example.com"]).await;
    for (origin, allowed) in [
        ("https://docs.example.com", true),
        (DEV_ORIGIN, false),
        (strict.url.as_str(), true),
    ] {
        let response = client()
            .get(format!("{}/echo/ping", strict.url))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status() == 418, allowed, "{origin}");
    }
}

#[tokio::test]
async fn only_a_local_proxy_trusts_the_development_origins_by_default() {
    // Hosted: a public URL that is not loopback (the server itself is bound to 127.0.0.1 behind
    // a reverse proxy), or a non-loopback listen address; no --allowed-origin given.
    for hosted_args in [
        &["--public-url", "https://playground.example.com"][..],
        &["--listen", "10.0.0.5:8080"],
    ] {
        let (hosted, log, _ca, _canary) = proxy_with_echo(hosted_args).await;
        for origin in [DEV_ORIGIN, "http://localhost:8081"] {
            assert_origin_refused(&hosted.url, origin).await;
        }
        assert!(log.all().is_empty(), "{hosted_args:?}");
    }
    // The hosted server's own public origin is still allowed.
    let (hosted, _log, _ca, _canary) =
        proxy_with_echo(&["--public-url", "https://playground.example.com"]).await;
    let response = client()
        .get(format!("{}/echo/ping", hosted.url))
        .header("origin", "https://playground.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 418);
}

#[tokio::test]
async fn only_vipps_headers_are_forwarded_and_response_headers_are_filtered() {
    let (proxy, log, _ca, _canary) = proxy_with_echo(&[]).await;
    let vipps_headers = [
        ("authorization", "Bearer eyJ.test.token"),
        ("ocp-apim-subscription-key", "sub-key-value"),
        ("client_id", "client-id-value"),
        ("client_secret", "client-secret-value"),
        ("merchant-serial-number", "123456"),
        ("vipps-system-name", "playground"),
        ("vipps-system-version", "1.0"),
        ("vipps-system-plugin-name", "none"),
        ("vipps-system-plugin-version", "0"),
        ("x-request-id", "req-1"),
        ("content-type", "application/json"),
        ("accept", "image/png"),
        ("size", "200"),
    ];
    let mut request = client()
        .post(format!("{}/echo/ecomm/v2/payments?x=1&y=two", proxy.url))
        .header("origin", DEV_ORIGIN)
        .header("cookie", "session=browser-cookie")
        .header("referer", "http://127.0.0.1:8081/secret-page")
        .header("x-forwarded-for", "10.0.0.1")
        .header("x-custom", "nope")
        .header("x-proxy-token", "not-forwarded-either")
        .header("proxy-authorization", "Basic abc")
        .header("forwarded", "for=10.0.0.2")
        .body(r#"{"a":1}"#);
    for (name, value) in vipps_headers {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();

    // Response: status, body and content type as they came; cookies, hop-by-hop and the
    // upstream's CORS headers dropped; timing added.
    assert_eq!(response.status(), 418);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json;charset=UTF-8");
    assert!(headers.get("set-cookie").is_none());
    assert!(headers.get("x-hop-header").is_none());
    assert_eq!(headers["access-control-allow-origin"], DEV_ORIGIN);
    // Response headers are an allow-list: nothing that could make the browser navigate, load
    // something or relax the proxy's own policy comes through.
    for name in ["x-upstream-custom", "refresh", "link"] {
        assert!(headers.get(name).is_none(), "{name} was passed on");
    }
    assert_eq!(
        headers["content-security-policy"],
        "sandbox; default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    );
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-request-id"], "echo-request-id");
    let timing = headers["server-timing"].to_str().unwrap();
    let ms: f64 = timing
        .strip_prefix("upstream;dur=")
        .unwrap_or_else(|| panic!("bad server-timing {timing}"))
        .parse()
        .unwrap();
    assert!(ms >= 0.0);
    let summary: serde_json::Value = response.json().await.unwrap();
    assert_eq!(summary["body_len"], 7);

    let received = log.all();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.method, "POST");
    assert_eq!(got.path_and_query, "/ecomm/v2/payments?x=1&y=two");
    assert_eq!(&got.body[..], br#"{"a":1}"#);
    for (name, value) in vipps_headers {
        assert_eq!(got.headers[name], value, "{name}");
    }
    let allowed: Vec<&str> = vipps_headers
        .iter()
        .map(|(n, _)| *n)
        .chain(["host", "content-length", "user-agent"])
        .collect();
    for name in got.headers.keys() {
        assert!(allowed.contains(&name.as_str()), "{name} was forwarded");
    }
    let host = got.headers["host"].to_str().unwrap();
    assert!(host.starts_with("127.0.0.1:"), "{host}");
    assert_ne!(host, proxy.addr.to_string());
}

#[tokio::test]
async fn static_files_are_served_from_the_app_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("app-1234.js"), "console.log(1)").unwrap();
    std::fs::create_dir(dir.path().join("style")).unwrap();
    std::fs::write(dir.path().join("style/main.css"), "body{}").unwrap();
    let proxy = spawn_proxy(config(&[
        "--no-sandbox",
        "--static-dir",
        dir.path().to_str().unwrap(),
    ]))
    .await;

    let index = client()
        .get(format!("{}/", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        index.text().await.unwrap(),
        "<!doctype html><title>app</title>"
    );

    let script = client()
        .get(format!("{}/app-1234.js", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(script.text().await.unwrap(), "console.log(1)");

    let css = client()
        .get(format!("{}/style/main.css", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(css.text().await.unwrap(), "body{}");

    for path in [
        "/missing.js",
        "/style/missing.css",
        "/../Cargo.toml",
        "/mtt/ecomm/v2/payments",
    ] {
        let response = client()
            .get(format!("{}{path}", proxy.url))
            .send()
            .await
            .unwrap();
        let body = assert_proxy_error(response, 404, "unknown_upstream").await;
        assert!(body["message"].as_str().unwrap().contains("mt"), "{body}");
    }
    let post = client()
        .post(format!("{}/app-1234.js", proxy.url))
        .send()
        .await
        .unwrap();
    assert_proxy_error(post, 404, "unknown_upstream").await;
    proxy.shutdown().await;
}
