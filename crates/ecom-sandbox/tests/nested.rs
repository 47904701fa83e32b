//! Hosted under a path prefix, as the playground's proxy does: every URL the sandbox hands
//! out carries the prefix, and the pages work without cookies.
#![allow(clippy::unwrap_used)]

mod common;

use axum::Router;
use common::{initiate_body, order_id};
use ecom_core::demo;
use ecom_core::payment::{initiate_request, qr_request, QrFormat};
use ecom_core::request::ApiRequest;
use ecom_core::settings::Credentials;
use ecom_core::token::access_token_request;
use serde_json::Value;

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

    // The app's requests against the prefixed base URL; the paths are edited to the letter
    // case and trailing slash Postman uses.
    let creds = Credentials::demo();
    let send = |core: ApiRequest| http.execute(common::to_reqwest(&core, &base));
    let mut token_request = access_token_request(&creds);
    token_request.path = "/AccessToken/Get".into();
    let r = send(token_request).await.unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = order_id("nest");
    let mut initiate = initiate_request(&creds, &initiate_body(&id, 1000)).authorized(&token);
    initiate.path = "/ecomm/v2/payments/".into();
    let r: Value = send(initiate).await.unwrap().json().await.unwrap();
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

    let qr: Value = send(qr_request(&creds, &url, QrFormat::Svg).authorized(&token))
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
