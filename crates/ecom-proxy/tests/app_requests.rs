//! The browser app's own requests, sent through the real proxy over loopback to its in-process
//! sandbox.
//!
//! Every request comes from the core's builders, authorized with `ApiRequest::authorized` and
//! converted by `ApiRequest::to_http` against `<proxy>/sandbox`, exactly as the app addresses
//! the proxy. This shows that the proxy relays what the app builds (headers, bodies, the
//! idempotency key) and that the URLs the sandbox hands back point through the proxy. The
//! sandbox's acceptance of each request on its own is owned by `ecom-sandbox/tests/app_requests.rs`.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ecom_core::payment::{
    amount_body, cancel_body, cancel_request, capture_request, details_request, force_approve_body,
    force_approve_request, initiate_request, landing_token, refund_request, userinfo_request,
    InitiateForm, PaymentKind,
};
use ecom_core::request::ApiRequest;
use ecom_core::settings::Credentials;
use ecom_core::token::{access_token_request, AccessToken};
use serde_json::Value;

/// Sends one core request through the proxy; returns status and body text.
async fn send(http: &reqwest::Client, base: &str, core: &ApiRequest) -> (u16, String) {
    let request = core.to_http(base).unwrap();
    let request = reqwest::Request::try_from(request).unwrap();
    let response = http.execute(request).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Sends and insists on 200; the JSON body (`Null` for force approve's empty one).
async fn ok(http: &reqwest::Client, base: &str, what: &str, core: &ApiRequest) -> Value {
    let (status, body) = send(http, base, core).await;
    assert_eq!(status, 200, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Initiates `f` and force-approves it as the test user; returns the landing page URL.
async fn approved(http: &reqwest::Client, base: &str, token: &str, f: &InitiateForm) -> String {
    let c = Credentials::demo();
    let body = f.body(&c.merchant_serial_number);
    let r = ok(
        http,
        base,
        "initiate",
        &initiate_request(&c, &body).authorized(token),
    )
    .await;
    let url = r["url"].as_str().unwrap().to_owned();
    let landing = landing_token(&url).unwrap();
    let body = force_approve_body(&c.mobile_number, &landing);
    let approve = force_approve_request(&c, &f.order_id, &body, &f.order_id);
    ok(http, base, "force approve", &approve.authorized(token)).await;
    url
}

async fn details(http: &reqwest::Client, base: &str, token: &str, order_id: &str) -> Value {
    let request = details_request(&Credentials::demo(), order_id).authorized(token);
    ok(http, base, "details", &request).await
}

fn form(kind: PaymentKind, c: &Credentials, n: u64) -> InitiateForm {
    InitiateForm::postman_defaults(
        kind,
        &c.merchant_serial_number,
        &c.mobile_number,
        1_700_000_100_000 + n,
    )
}

#[tokio::test]
async fn the_quick_start_as_the_app_builds_it_passes_through_the_proxy() {
    let proxy = spawn_proxy(config(&["--no-mt", "--sandbox-no-rate-limits"])).await;
    let base = format!("{}/sandbox", proxy.url);
    let http = client();
    let c = Credentials::demo();
    let msn = c.merchant_serial_number.clone();

    let (status, body) = send(&http, &base, &access_token_request(&c)).await;
    assert_eq!(status, 200, "{body}");
    let token = AccessToken::parse(&body, 0).unwrap().token;

    // Regular: the landing page the sandbox names is the proxy's.
    let f = form(PaymentKind::Regular, &c, 1);
    let url = approved(&http, &base, &token, &f).await;
    assert!(url.starts_with(&base), "{url} is not behind {base}");
    // Opened after approval, the landing page sends the user on to the merchant's fallBack.
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], f.fall_back.as_str());

    // Capture twice with the same idempotency key: the proxy relays the key, so the sandbox
    // captures once.
    let capture = capture_request(&c, &f.order_id, &amount_body(&msn, Some(20_000), "c"), "k1");
    let first = ok(&http, &base, "capture", &capture.authorized(&token)).await;
    let again = ok(&http, &base, "capture again", &capture.authorized(&token)).await;
    assert_eq!(first["transactionSummary"]["capturedAmount"], 20_000);
    assert_eq!(again["transactionSummary"]["capturedAmount"], 20_000);

    let refund = refund_request(&c, &f.order_id, &amount_body(&msn, Some(5_000), "r"), "r1");
    let r = ok(&http, &base, "refund", &refund.authorized(&token)).await;
    assert_eq!(r["transactionSummary"]["refundedAmount"], 5_000);

    let d = details(&http, &base, &token, &f.order_id).await;
    let operations: Vec<&str> = d["transactionLogHistory"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect();
    assert_eq!(
        operations,
        ["REFUND", "CAPTURE", "RESERVE", "INITIATE"],
        "{d}"
    );

    // Cancel of a reservation.
    let f = form(PaymentKind::Regular, &c, 2);
    approved(&http, &base, &token, &f).await;
    let cancel = cancel_request(&c, &f.order_id, &cancel_body(&msn, "No socks", false));
    let r = ok(&http, &base, "cancel", &cancel.authorized(&token)).await;
    assert_eq!(r["transactionInfo"]["status"], "Cancelled", "{r}");

    // Profile: userinfo for the sub the details name.
    let f = form(PaymentKind::Profile, &c, 3);
    approved(&http, &base, &token, &f).await;
    let d = details(&http, &base, &token, &f.order_id).await;
    let sub = d["sub"].as_str().unwrap_or_default().to_owned();
    let u = ok(
        &http,
        &base,
        "userinfo",
        &userinfo_request(&c, &sub).authorized(&token),
    )
    .await;
    assert_eq!(u["sub"], sub.as_str());

    proxy.shutdown().await;
}
