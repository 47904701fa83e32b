//! Hosted under a path prefix, as the playground's proxy does: every URL the sandbox hands
//! out carries the prefix, and the pages work without cookies.
#![allow(clippy::unwrap_used)]

mod common;

use axum::Router;
use common::{initiate_body, order_id};
use ecom_core::demo;
use serde_json::{json, Value};

#[tokio::test]
async fn works_under_a_prefix() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let base = format!("{origin}/sandbox");
    let config = ecom_sandbox::SandboxConfig {
        public_base_url: base.clone(),
        ..Default::default()
    };
    let app = Router::new().nest("/sandbox", ecom_sandbox::app(config));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let r = http
        .post(format!("{base}/AccessToken/Get"))
        .header("client_id", demo::CLIENT_ID)
        .header("client_secret", demo::CLIENT_SECRET)
        .header("Ocp-Apim-Subscription-Key", demo::SUBSCRIPTION_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = |rb: reqwest::RequestBuilder| {
        rb.header("Authorization", format!("Bearer {token}"))
            .header("Ocp-Apim-Subscription-Key", demo::SUBSCRIPTION_KEY)
    };
    let id = order_id("nest");
    let r: Value = api(http.post(format!("{base}/ecomm/v2/payments/")))
        .json(&initiate_body(&id, 1000))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = r["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!(
            "{base}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token="
        )),
        "{url}"
    );
    let landing = common::landing_token(&url);

    let html = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!(
        "action=\"{base}/dwo-api-application/v1/deeplink/vippsgateway/phone\""
    )));
    let r = http
        .post(format!(
            "{base}/dwo-api-application/v1/deeplink/vippsgateway/phone"
        ))
        .form(&[("token", landing.as_str()), ("phone", demo::MOBILE_NUMBER)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{base}/")));

    let qr: Value = api(http.post(format!("{base}/qr/v1")))
        .header("Accept", "image/svg+xml")
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The phone was submitted, but the QR stays valid for the landing page's five minutes.
    let img = qr["url"].as_str().unwrap_or_default();
    assert!(img.starts_with(&format!("{base}/qr-images/")), "{qr}");
    assert_eq!(http.get(img).send().await.unwrap().status(), 200);

    // Unknown paths and wrong methods under the prefix keep their formats.
    let r = http.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Resource not found"
    );
    let r = http
        .get(format!("{base}/accesstoken/get"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = http
        .get(format!(
            "{base}/__sim/payments/{}/{id}",
            demo::MERCHANT_SERIAL_NUMBER
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["appUrl"],
        format!("{base}/vipps-app/payment?token={landing}")
    );
}
