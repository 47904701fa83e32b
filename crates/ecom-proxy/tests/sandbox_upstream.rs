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
}
