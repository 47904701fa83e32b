//! The in-process sandbox upstream: URLs it hands out point back through the proxy, the token
//! rules, and the landing page opened by navigation.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ecom_core::demo;

#[tokio::test]
async fn the_token_guards_network_upstreams_and_optionally_the_sandbox() {
    let token = "deployment-token-0123456789abcdef";
    let proxy = spawn_proxy(config(&["--token", token])).await;
    // MT needs the token; refused before any network access.
    let response = client()
        .post(format!("{}/mt/accesstoken/get", proxy.url))
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 401, "unauthorized").await;
    assert_eq!(body["upstream"], "mt");
    // The sandbox does not: its landing pages are opened by navigation, which sends no header.
    let response = client()
        .get(format!("{}/sandbox/", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let info: serde_json::Value = client()
        .get(format!("{}/__proxy/info", proxy.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["upstreams"][0]["token_required"], false);
    assert_eq!(info["upstreams"][1]["token_required"], true);

    let strict = spawn_proxy(config(&["--token", token, "--token-covers-sandbox"])).await;
    let response = client()
        .get(format!("{}/sandbox/", strict.url))
        .send()
        .await
        .unwrap();
    assert_proxy_error(response, 401, "unauthorized").await;
}

#[tokio::test]
async fn landing_page_urls_resolve_back_through_the_proxy() {
    let proxy = spawn_proxy(config(&["--no-mt", "--sandbox-no-rate-limits"])).await;
    let http = client();
    let token: serde_json::Value = http
        .post(format!("{}/sandbox/accesstoken/get", proxy.url))
        .header("client_id", demo::CLIENT_ID)
        .header("client_secret", demo::CLIENT_SECRET)
        .header("ocp-apim-subscription-key", demo::SUBSCRIPTION_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let response = http
        .post(format!("{}/sandbox/ecomm/v2/payments", proxy.url))
        .header("authorization", &bearer)
        .header("ocp-apim-subscription-key", demo::SUBSCRIPTION_KEY)
        .header("merchant-serial-number", demo::MERCHANT_SERIAL_NUMBER)
        .json(&serde_json::json!({
            "merchantInfo": {
                "merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER,
                "callbackPrefix": "https://example.com/cb",
                "fallBack": "https://example.com/fallback",
            },
            "customerInfo": {},
            "transaction": { "amount": 1000, "orderId": "landing-through-proxy-1", "transactionText": "Landing" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let url = response.json::<serde_json::Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&format!("{}/sandbox/", proxy.url)), "{url}");
    // Opened like a browser navigation: no token, no Origin.
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form") || html.contains("<html"), "{html}");

    // The sandbox's own redirects are page navigations and pass through (unlike a network
    // upstream's): Cancel on the landing page goes back to the merchant's fallBack.
    let token = url.split('=').nth(2).unwrap();
    let cancel = http
        .post(format!(
            "{}/sandbox/dwo-api-application/v1/deeplink/vippsgateway/cancel",
            proxy.url
        ))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 303, "{:?}", cancel.headers());
    assert_eq!(cancel.headers()["location"], "https://example.com/fallback");
    assert!(cancel.headers().get("x-playground-proxy-error").is_none());
}

/// Status of `GET /sandbox/__sim/config` and of `POST /sandbox/__sim/reset` on `proxy`.
async fn control_statuses(proxy: &TestProxy) -> (reqwest::Response, reqwest::Response) {
    let config = client()
        .get(format!("{}/sandbox/__sim/config", proxy.url))
        .send()
        .await
        .unwrap();
    let reset = client()
        .post(format!("{}/sandbox/__sim/reset", proxy.url))
        .send()
        .await
        .unwrap();
    (config, reset)
}

#[tokio::test]
async fn sandbox_control_surface_is_only_served_by_a_local_proxy() {
    // Local (loopback listen, no public URL): tests and the playground's e2e tests use it.
    let local = spawn_proxy(config(&["--no-mt"])).await;
    let (config_response, reset) = control_statuses(&local).await;
    assert_eq!(config_response.status(), 200);
    assert_eq!(reset.status(), 204);
    let info: serde_json::Value = client()
        .get(format!("{}/__proxy/info", local.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sandbox_control"], true);

    // Hosted: a non-loopback listen address, or a public URL that is not loopback (behind a
    // reverse proxy on the same host). The servers here are bound to 127.0.0.1 either way.
    for args in [
        &["--no-mt", "--hosted-sandbox", "--listen", "10.0.0.5:8080"][..],
        &[
            "--no-mt",
            "--hosted-sandbox",
            "--public-url",
            "https://playground.example.com",
        ],
    ] {
        let hosted = spawn_proxy(config(args)).await;
        let (config_response, reset) = control_statuses(&hosted).await;
        for response in [config_response, reset] {
            let body = assert_proxy_error(response, 404, "unknown_upstream").await;
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains("/sandbox/__sim is only served on loopback"),
                "{args:?}: {message}"
            );
        }
        let response = client()
            .patch(format!("{}/sandbox/__sim/config", hosted.url))
            .json(&serde_json::json!({"rateLimits": false}))
            .send()
            .await
            .unwrap();
        assert_proxy_error(response, 404, "unknown_upstream").await;
        // The sandbox's API itself is still served.
        let response = demo_access_token(&hosted.url).await;
        assert_eq!(response.status(), 200, "{args:?}");
        let info: serde_json::Value = client()
            .get(format!("{}/__proxy/info", hosted.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["sandbox_control"], false, "{args:?}");
    }

    // Explicitly asked for (unsafe for hosting, documented as such).
    let forced = spawn_proxy(config(&[
        "--no-mt",
        "--hosted-sandbox",
        "--listen",
        "10.0.0.5:8080",
        "--sandbox-control",
    ]))
    .await;
    let (config_response, reset) = control_statuses(&forced).await;
    assert_eq!(config_response.status(), 200);
    assert_eq!(reset.status(), 204);
}
