//! The browser app's own requests, byte for byte, accepted by the sandbox router.
//!
//! Every request here comes from the core's builders (`ecom_core::token`,
//! `ecom_core::payment`), with the form values the app starts from
//! (`InitiateForm::postman_defaults`), authorized with `ApiRequest::authorized` and converted by
//! `ApiRequest::to_http`. They go to `ecom_sandbox::app` with `tower::ServiceExt::oneshot`, no
//! socket in between. Before this, only the Chromium end-to-end suite showed that the sandbox
//! accepts what the app sends.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::Router;
use ecom_core::payment::{
    amount_body, cancel_body, cancel_request, capture_request, details_request, force_approve_body,
    force_approve_request, initiate_request, landing_token, qr_request, refund_request,
    userinfo_request, InitiateForm, PaymentKind, QrFormat,
};
use ecom_core::request::ApiRequest;
use ecom_core::settings::Credentials;
use ecom_core::token::{access_token_request, AccessToken};
use serde_json::Value;
use tower::ServiceExt as _;

const BASE: &str = "http://sandbox.test";

/// Sends one core request to the router; returns status and body text.
async fn send(app: &Router, core: &ApiRequest) -> (u16, String) {
    let request = core.to_http(BASE).unwrap().map(Body::from);
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Sends and insists on 200; the JSON body, or `Null` when it is empty (force approve).
async fn ok(app: &Router, what: &str, core: &ApiRequest) -> Value {
    let (status, body) = send(app, core).await;
    assert_eq!(status, 200, "{what}: {body}");
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    }
}

fn form(kind: PaymentKind, c: &Credentials, n: u64) -> InitiateForm {
    InitiateForm::postman_defaults(
        kind,
        &c.merchant_serial_number,
        &c.mobile_number,
        1_700_000_000_000 + n,
    )
}

/// Initiates `form`; returns the landing page's token.
async fn initiated(app: &Router, c: &Credentials, token: &str, form: &InitiateForm) -> String {
    let body = form.body(&c.merchant_serial_number);
    let r = ok(
        app,
        "initiate",
        &initiate_request(c, &body).authorized(token),
    )
    .await;
    assert_eq!(r["orderId"], form.order_id.as_str());
    landing_token(r["url"].as_str().unwrap()).unwrap()
}

/// Initiates `form` and force-approves it as the test user; returns the orderId.
async fn approved(app: &Router, c: &Credentials, token: &str, form: &InitiateForm) -> String {
    let landing = initiated(app, c, token, form).await;
    let approve = force_approve_request(
        c,
        &form.order_id,
        &force_approve_body(&c.mobile_number, &landing),
        &form.order_id,
    );
    ok(app, "force approve", &approve.authorized(token)).await;
    form.order_id.clone()
}

#[tokio::test]
async fn every_request_the_app_builds_is_accepted() {
    let app = ecom_sandbox::app(ecom_sandbox::SandboxConfig {
        public_base_url: BASE.into(),
        ..Default::default()
    });
    let c = Credentials::demo();
    let msn = c.merchant_serial_number.clone();

    // The token step: the app reads the answer with the core's own parser.
    let (status, body) = send(&app, &access_token_request(&c)).await;
    assert_eq!(status, 200, "{body}");
    let token = AccessToken::parse(&body, 0).unwrap().token;

    // Regular: initiate, approve, details, partial capture, partial refund, details.
    let id = approved(&app, &c, &token, &form(PaymentKind::Regular, &c, 1)).await;
    let d = ok(
        &app,
        "details",
        &details_request(&c, &id).authorized(&token),
    )
    .await;
    assert_eq!(d["transactionLogHistory"][0]["operation"], "RESERVE");
    let capture = capture_request(&c, &id, &amount_body(&msn, Some(20_000), "c"), "cap-1");
    let r = ok(&app, "capture", &capture.authorized(&token)).await;
    assert_eq!(r["transactionSummary"]["capturedAmount"], 20_000);
    let refund = refund_request(&c, &id, &amount_body(&msn, None, "r"), "ref-1");
    let r = ok(&app, "refund", &refund.authorized(&token)).await;
    assert_eq!(r["transactionSummary"]["refundedAmount"], 20_000);
    // The rest of the reservation is released by cancel.
    let cancel = cancel_request(&c, &id, &cancel_body(&msn, "x", true));
    ok(&app, "cancel", &cancel.authorized(&token)).await;

    // Cancel of a reservation, as the cancel flow sends it.
    let id = approved(&app, &c, &token, &form(PaymentKind::Regular, &c, 2)).await;
    let cancel = cancel_request(&c, &id, &cancel_body(&msn, "No socks", false));
    let r = ok(&app, "cancel", &cancel.authorized(&token)).await;
    assert_eq!(r["transactionInfo"]["status"], "Cancelled", "{r}");

    // Express with the app's default shipping options (force approve is not allowed for
    // express on MT, so the payment waits in INITIATE).
    let f = form(PaymentKind::Express, &c, 3);
    initiated(&app, &c, &token, &f).await;
    let d = ok(
        &app,
        "details",
        &details_request(&c, &f.order_id).authorized(&token),
    )
    .await;
    assert_eq!(
        d["transactionLogHistory"][0]["operation"], "INITIATE",
        "{d}"
    );

    // Profile: the details name the user, and userinfo answers for that sub.
    let id = approved(&app, &c, &token, &form(PaymentKind::Profile, &c, 4)).await;
    let d = ok(
        &app,
        "details",
        &details_request(&c, &id).authorized(&token),
    )
    .await;
    let sub = d["sub"].as_str().unwrap_or_default().to_owned();
    assert_eq!(sub.len(), 36, "{d}");
    let u = ok(
        &app,
        "userinfo",
        &userinfo_request(&c, &sub).authorized(&token),
    )
    .await;
    assert_eq!(u["sub"], sub.as_str());

    // The QR API, in its three formats, for a fresh landing page.
    let f = form(PaymentKind::Regular, &c, 5);
    let r = ok(
        &app,
        "initiate",
        &initiate_request(&c, &f.body(&msn)).authorized(&token),
    )
    .await;
    let landing_url = r["url"].as_str().unwrap();
    for format in [QrFormat::Png, QrFormat::Svg, QrFormat::TargetUrl] {
        let r = ok(
            &app,
            format.accept(),
            &qr_request(&c, landing_url, format).authorized(&token),
        )
        .await;
        assert!(r["url"].is_string(), "{}: {r}", format.accept());
    }
}
