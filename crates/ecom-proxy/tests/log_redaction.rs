//! The request log never carries a userinfo `sub`, a sandbox payment token or a test user's
//! phone number: those path segments are logged as `{sub}`, `{token}` and `{phone}`.
//!
//! This file holds one test because it installs the process-wide tracing subscriber.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use axum::Router;
use common::*;

const SUB: &str = "c06c4afe-d9e1-4c5d-939a-177d752a0944";
const TOKEN: &str = "eyJsandboxLandingToken0123456789";
const PHONE: &str = "93456789";

#[tokio::test]
async fn sub_token_and_phone_are_redacted_in_the_request_log() {
    let logs = Buffer::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(ecom_proxy::subscriber(move || writer.clone()))
        .unwrap();

    // The in-process sandbox, and a stand-in for a network upstream such as MT.
    let mut config = config(&["--no-mt"]);
    config
        .add_router_upstream(
            "staging",
            Router::new().fallback(|| async { (StatusCode::OK, "{}") }),
        )
        .unwrap();
    let proxy = spawn_proxy(config).await;
    let http = client();
    for path in [
        format!("/sandbox/vipps-userinfo-api/userinfo/{SUB}"),
        format!("/staging/vipps-userinfo-api/userinfo/{SUB}"),
        format!("/staging/Vipps-Userinfo-Api/Userinfo/{SUB}/"),
    ] {
        let response = http
            .get(format!("{}{path}", proxy.url))
            .header("authorization", "Bearer not-a-real-token")
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500, "{path}: {response:?}");
    }
    // The sandbox's pages and control surface (a local proxy serves /__sim): the landing-page
    // token and the test user's phone number, in any letter case.
    for (method, path) in [
        ("POST", format!("/sandbox/__sim/landing/{TOKEN}/open")),
        ("POST", format!("/sandbox/__SIM/App/{TOKEN}/approve")),
        ("PATCH", format!("/sandbox/__sim/users/{PHONE}")),
        ("GET", format!("/sandbox/vipps-app/user/{PHONE}")),
        ("GET", format!("/sandbox/Vipps-App/User/{PHONE}")),
    ] {
        let response = http
            .request(method.parse().unwrap(), format!("{}{path}", proxy.url))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500, "{path}: {response:?}");
    }
    // Other paths are logged unchanged.
    http.get(format!(
        "{}/staging/ecomm/v2/payments/order-77/details",
        proxy.url
    ))
    .send()
    .await
    .unwrap();
    proxy.shutdown().await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("path=/sandbox/vipps-userinfo-api/userinfo/{sub} ")
            && text.contains("path=/staging/vipps-userinfo-api/userinfo/{sub} ")
            && text.contains("path=/staging/Vipps-Userinfo-Api/Userinfo/{sub} "),
        "the userinfo requests are not logged as expected:\n{text}"
    );
    assert!(
        text.contains("path=/staging/ecomm/v2/payments/order-77/details "),
        "{text}"
    );
    for expected in [
        "path=/sandbox/__sim/landing/{token}/open ",
        "path=/sandbox/__SIM/App/{token}/approve ",
        "path=/sandbox/__sim/users/{phone} ",
        "path=/sandbox/vipps-app/user/{phone} ",
        "path=/sandbox/Vipps-App/User/{phone} ",
    ] {
        assert!(text.contains(expected), "{expected} is not logged:\n{text}");
    }
    assert!(
        !text.contains(SUB),
        "a userinfo sub reached the logs:\n{text}"
    );
    assert!(
        !text.contains(TOKEN),
        "a payment token reached the logs:\n{text}"
    );
    assert!(
        !text.contains(PHONE),
        "a phone number reached the logs:\n{text}"
    );
    assert!(!text.contains("c06c4afe"), "{text}");
}
