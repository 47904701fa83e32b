//! The quick-start flow through the proxy against the in-process sandbox, with known secret
//! values, and proof that none of them reaches the logs.
//!
//! This file holds one test because it installs the process-wide tracing subscriber.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ecom_core::demo;

const PROXY_TOKEN: &str = "proxy-token-4f9a2c7e1b3d5a6f";
const AUTH_TOKEN: &str = "merchant-auth-token-9d8c7b6a5f4e";

#[tokio::test]
async fn quick_start_flow_through_the_proxy_leaks_no_secret_into_logs() {
    let logs = Buffer::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(ecom_proxy::subscriber(move || writer.clone()))
        .unwrap();

    let proxy = spawn_proxy(config(&[
        "--token",
        PROXY_TOKEN,
        "--token-covers-sandbox",
        "--no-mt",
    ]))
    .await;
    let base = format!("{}/sandbox", proxy.url);
    let http = client();
    let with_keys = |builder: reqwest::RequestBuilder| {
        builder
            .header("x-proxy-token", PROXY_TOKEN)
            .header("origin", "http://localhost:8081")
            .header("ocp-apim-subscription-key", demo::SUBSCRIPTION_KEY)
            .header("merchant-serial-number", demo::MERCHANT_SERIAL_NUMBER)
            .header("vipps-system-name", "ecom-proxy-tests")
    };

    // 1. Access token with the demo credentials.
    let response = with_keys(http.post(format!("{base}/accesstoken/get")))
        .header("client_id", demo::CLIENT_ID)
        .header("client_secret", demo::CLIENT_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:8081"
    );
    assert!(response.headers()["server-timing"]
        .to_str()
        .unwrap()
        .starts_with("upstream;dur="));
    let token: serde_json::Value = response.json().await.unwrap();
    let access_token = token["access_token"].as_str().unwrap().to_string();
    assert!(access_token.len() > 20);
    let bearer = format!("Bearer {access_token}");

    // 2. Initiate: the landing page URL points back through the proxy.
    let order_id = format!("proxy-flow-{}", std::process::id());
    let initiate = serde_json::json!({
        "merchantInfo": {
            "merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER,
            "callbackPrefix": "https://example.com/callbacks",
            "fallBack": "https://example.com/fallback",
            "authToken": AUTH_TOKEN,
        },
        "customerInfo": { "mobileNumber": demo::MOBILE_NUMBER },
        "transaction": { "amount": 49900, "orderId": order_id, "transactionText": "Proxy flow test" },
    });
    let response = with_keys(http.post(format!("{base}/ecomm/v2/payments/")))
        .header("authorization", &bearer)
        .json(&initiate)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let initiated: serde_json::Value = response.json().await.unwrap();
    let landing = initiated["url"].as_str().unwrap().to_string();
    assert!(
        landing.starts_with(&format!(
            "{base}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token="
        )),
        "{landing}"
    );
    let landing_token = landing.split('=').nth(2).unwrap().to_string();

    // 3. The landing page itself is served through the proxy.
    let response = http
        .get(&landing)
        .header("x-proxy-token", PROXY_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "{landing}: {:?}",
        response.headers()
    );
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    // 4. Force approve, capture, details.
    let response = with_keys(http.post(format!(
        "{base}/ecomm/v2/integration-test/payments/{order_id}/approve"
    )))
    .header("authorization", &bearer)
    .json(
        &serde_json::json!({ "customerPhoneNumber": demo::MOBILE_NUMBER, "token": landing_token }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let response = with_keys(http.post(format!("{base}/ecomm/v2/payments/{order_id}/capture")))
        .header("authorization", &bearer)
        .header("x-request-id", &order_id)
        .json(&serde_json::json!({
            "merchantInfo": { "merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER },
            "transaction": { "transactionText": "Shipped" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let response = with_keys(http.get(format!("{base}/ecomm/v2/payments/{order_id}/details")))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let details: serde_json::Value = response.json().await.unwrap();
    assert_eq!(details["orderId"], order_id.as_str());
    assert_eq!(details["transactionSummary"]["capturedAmount"], 49900);

    // 5. A proxy error with secrets in the request still logs none of them.
    let response = with_keys(http.get(format!(
        "{base}/ecomm/v2/payments/{order_id}/%2f/details?token={landing_token}"
    )))
    .header("authorization", &bearer)
    .send()
    .await
    .unwrap();
    assert_proxy_error(response, 400, "bad_request").await;

    proxy.shutdown().await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("path=/sandbox/accesstoken/get") && text.contains("status=200"),
        "the request log is missing:\n{text}"
    );
    assert!(text.contains("error=bad_request"), "{text}");
    for secret in [
        demo::CLIENT_SECRET,
        demo::SUBSCRIPTION_KEY,
        access_token.as_str(),
        landing_token.as_str(),
        AUTH_TOKEN,
        PROXY_TOKEN,
    ] {
        assert!(!text.contains(secret), "a secret reached the logs:\n{text}");
    }
    // Query strings are never logged.
    assert!(!text.contains("v=2"), "{text}");
}
