//! The payment state machine over HTTP: details snapshots, force approve, capture, cancel,
//! refund, idempotency, status, timeouts and time windows (spec §3–§5, §8, §9).
#![allow(clippy::unwrap_used)]

mod common;

use common::{code, order_id, Sandbox};
use ecom_core::demo;
use reqwest::Method;
use serde_json::{json, Value};

fn summary(d: &Value) -> [i64; 4] {
    let s = &d["transactionSummary"];
    [
        s["capturedAmount"].as_i64().unwrap(),
        s["remainingAmountToCapture"].as_i64().unwrap(),
        s["refundedAmount"].as_i64().unwrap(),
        s["remainingAmountToRefund"].as_i64().unwrap(),
    ]
}

fn ops(d: &Value) -> Vec<String> {
    d["transactionLogHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn quick_start_happy_path() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("happy");
    let landing = sb.initiate_ok(&t, &id, 20_000).await;

    // Right after initiate: one INITIATE entry, no summary, no transactionId.
    let (s, d) = sb.details(&t, &id).await;
    assert_eq!(s, 200);
    assert!(d.get("transactionSummary").is_none());
    assert_eq!(ops(&d), ["INITIATE"]);
    let e = &d["transactionLogHistory"][0];
    assert_eq!(
        (e["amount"].as_i64(), e["operationSuccess"].as_bool()),
        (Some(20_000), Some(true))
    );
    assert!(e.get("transactionId").is_none());
    assert!(e["timeStamp"].as_str().unwrap().ends_with('Z'));

    // Opening the landing page starts the session.
    let r = sb
        .http
        .get(sb.url(&format!(
            "/dwo-api-application/v1/deeplink/vippsgateway?v=2&token={landing}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, d) = sb.details(&t, &id).await;
    let tx = d["transactionLogHistory"][0]["transactionId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(tx.len() >= 10 && tx.bytes().all(|b| b.is_ascii_digit()));

    // Force approve → RESERVE, callback RESERVED with the authToken.
    let (s, b) = sb.force_approve(&t, &id, &landing).await;
    assert_eq!((s, b), (200, Value::Null));
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(ops(&d), ["RESERVE", "INITIATE"]);
    assert_eq!(d["transactionLogHistory"][0]["transactionId"], tx.as_str());
    assert_eq!(summary(&d), [0, 20_000, 0, 0]);
    assert_eq!(d["transactionSummary"]["bankIdentificationNumber"], 492_560);
    let cbs = sb.callbacks(&id).await;
    assert_eq!(cbs.len(), 1);
    assert_eq!(cbs[0]["kind"], "callback");
    assert_eq!(
        cbs[0]["url"],
        format!("https://example.com/callbacks-for-payment-update-from-vipps/v2/payments/{id}")
    );
    // The authToken is a secret: the record says it was sent, never what it was.
    assert_eq!(cbs[0]["headers"]["Authorization"], "••••••••");
    assert!(
        !cbs[0].to_string().contains("cb-auth-token-123"),
        "{}",
        cbs[0]
    );
    assert_eq!(
        cbs[0]["body"]["merchantSerialNumber"],
        demo::MERCHANT_SERIAL_NUMBER
    );
    assert_eq!(cbs[0]["body"]["transactionInfo"]["status"], "RESERVED");
    assert_eq!(
        cbs[0]["body"]["transactionInfo"]["transactionId"],
        tx.as_str()
    );
    assert_eq!(
        cbs[0]["outcome"]["result"], "skipped",
        "example.com is never contacted"
    );

    // Approve again → 92 (with a new key), same key → replay.
    let (s, b) = Sandbox::send(sb.approve(
        &t,
        &id,
        &json!({"customerPhoneNumber": demo::MOBILE_NUMBER, "token": landing}),
        None,
    ))
    .await;
    assert_eq!((s, code(&b).as_str()), (400, "92"));
    let (s, _) = sb.force_approve(&t, &id, &landing).await;
    assert_eq!(s, 200);

    // Full capture, then a replay with the same key changes nothing.
    let (s, c) = sb.capture(&t, &id, None, Some(&id)).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["transactionInfo"]["status"], "Captured");
    assert_eq!(c["transactionInfo"]["amount"], 20_000);
    assert_eq!(summary(&c), [20_000, 0, 0, 20_000]);
    let (s, c2) = sb.capture(&t, &id, None, Some(&id)).await;
    assert_eq!((s, &c2), (200, &c));
    let (s, b) = sb.capture(&t, &id, None, Some("another-key")).await;
    assert_eq!((s, code(&b).as_str()), (400, "61"));

    // Full refund with the same key value (keys are per endpoint).
    let (s, r) = sb.refund(&t, &id, None, Some(&id)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["transaction"]["status"], "Refund");
    assert!(r.get("transactionInfo").is_none());
    assert_eq!(summary(&r), [20_000, 0, 20_000, 0]);

    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(ops(&d), ["REFUND", "CAPTURE", "RESERVE", "INITIATE"]);
    assert_eq!(d["transactionLogHistory"][1]["requestId"], id.as_str());
    assert_eq!(
        sb.callbacks(&id).await.len(),
        1,
        "no callbacks for merchant operations"
    );

    // Deprecated status: the parent state.
    let (s, st) =
        Sandbox::send(sb.api(Method::GET, &format!("/ecomm/v2/payments/{id}/status"), &t)).await;
    assert_eq!(s, 200);
    assert_eq!(st["transactionInfo"]["status"], "RESERVE");
}

#[tokio::test]
async fn partial_captures_idempotency_and_over_capture() {
    let sb = common::start().await;
    let t = sb.token().await;
    sb.sim(Method::PATCH, "/config", Some(json!({"rateLimits": false})))
        .await;
    let id = order_id("partial");
    let landing = sb.initiate_ok(&t, &id, 20_000).await;
    sb.force_approve(&t, &id, &landing).await;

    let (s, b) = sb.capture(&t, &id, Some(10_000), None).await;
    assert_eq!((s, code(&b).as_str()), (400, "X-Request-Id"));
    let (s, b) = sb
        .capture(&t, &id, Some(10_000), Some(&"k".repeat(41)))
        .await;
    assert_eq!((s, code(&b).as_str()), (400, "X-Request-Id"));
    let (s, a) = sb.capture(&t, &id, Some(10_000), Some("k1")).await;
    assert_eq!(s, 200);
    assert_eq!(a["transactionInfo"]["amount"], 10_000);
    assert_eq!(summary(&a), [10_000, 10_000, 0, 10_000]);
    // Replay: same body → the original response, no new entry; another amount → 93.
    let (s, a2) = sb.capture(&t, &id, Some(10_000), Some("k1")).await;
    assert_eq!((s, &a2), (200, &a));
    let (s, b) = sb.capture(&t, &id, Some(5_000), Some("k1")).await;
    assert_eq!((s, code(&b).as_str()), (400, "93"));
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(ops(&d), ["CAPTURE", "RESERVE", "INITIATE"]);
    let (s, _) = sb.capture(&t, &id, Some(10_000), Some("k2")).await;
    assert_eq!(s, 200);
    let (s, b) = sb.capture(&t, &id, Some(1), Some("k3")).await;
    assert_eq!((s, code(&b).as_str()), (400, "61"));

    // Partial refunds accumulate; over-refund → 71.
    let (s, r) = sb.refund(&t, &id, Some(5_000), Some("r1")).await;
    assert_eq!((s, summary(&r)), (200, [20_000, 0, 5_000, 15_000]));
    let (s, b) = sb.refund(&t, &id, Some(5_000), None).await;
    assert_eq!((s, code(&b).as_str()), (400, "X-Request-Id"));
    let (s, b) = sb.refund(&t, &id, Some(15_001), Some("r2")).await;
    assert_eq!((s, code(&b).as_str()), (400, "71"));
    let (s, b) = sb.refund(&t, &id, Some(1_000), Some("r1")).await;
    assert_eq!((s, code(&b).as_str()), (400, "93"));
    let (s, r) = sb.refund(&t, &id, None, None).await;
    assert_eq!((s, summary(&r)), (200, [20_000, 0, 20_000, 0]));
}

#[tokio::test]
async fn cancel_in_each_state() {
    let sb = common::start().await;
    let t = sb.token().await;
    sb.sim(Method::PATCH, "/config", Some(json!({"rateLimits": false})))
        .await;

    // INITIATE → CANCEL, all zeros, no transactionId (session never opened).
    let id = order_id("c-init");
    sb.initiate_ok(&t, &id, 20_000).await;
    let (s, c) = sb.cancel(&t, &id, None).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["transactionInfo"]["status"], "Cancelled");
    assert_eq!(c["transactionInfo"]["amount"], 20_000);
    assert!(c["transactionInfo"].get("transactionId").is_none());
    assert_eq!(summary(&c), [0, 0, 0, 0]);
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(ops(&d), ["CANCEL", "INITIATE"]);
    assert_eq!(summary(&d), [0, 0, 0, 0]);
    let (s, b) = sb.cancel(&t, &id, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "91"));
    let (s, b) = sb.refund(&t, &id, None, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "73"));
    assert!(
        sb.callbacks(&id).await.is_empty(),
        "merchant cancel sends no callback"
    );

    // RESERVE → VOID; capture after VOID → 91.
    let id = order_id("c-res");
    let landing = sb.initiate_ok(&t, &id, 20_000).await;
    let (s, b) = sb.capture(&t, &id, None, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "62"));
    let (s, b) = sb.refund(&t, &id, None, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "72"));
    sb.force_approve(&t, &id, &landing).await;
    let (s, b) = sb.refund(&t, &id, None, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "72"));
    let (s, c) = sb.cancel(&t, &id, Some(false)).await;
    assert_eq!(s, 200);
    assert!(c["transactionInfo"]["transactionId"].is_string());
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(ops(&d)[0], "VOID");
    assert_eq!(summary(&d)[1], 0);
    let (s, b) = sb.capture(&t, &id, None, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "91"));

    // Partly captured: cancel without the flag → 51; with it → VOID, the rest released.
    let id = order_id("c-part");
    let landing = sb.initiate_ok(&t, &id, 20_000).await;
    sb.force_approve(&t, &id, &landing).await;
    sb.capture(&t, &id, Some(10_000), Some("p1")).await;
    let (s, b) = sb.cancel(&t, &id, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "51"));
    let (s, c) = sb.cancel(&t, &id, Some(true)).await;
    assert_eq!(s, 200);
    assert_eq!(c["transactionInfo"]["amount"], 20_000);
    assert_eq!(summary(&c), [10_000, 0, 0, 10_000]);
    let (s, r) = sb.refund(&t, &id, None, None).await;
    assert_eq!((s, summary(&r)), (200, [10_000, 0, 10_000, 0]));

    // Fully captured → 51.
    let id = order_id("c-full");
    let landing = sb.initiate_ok(&t, &id, 20_000).await;
    sb.force_approve(&t, &id, &landing).await;
    sb.capture(&t, &id, None, None).await;
    let (s, b) = sb.cancel(&t, &id, Some(true)).await;
    assert_eq!((s, code(&b).as_str()), (400, "51"));
}

#[tokio::test]
async fn force_approve_errors() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("fa");
    let landing = sb.initiate_ok(&t, &id, 1000).await;
    let approve = |body: Value| sb.approve(&t, &id, &body, None);
    let (s, b) = Sandbox::send(approve(
        json!({"customerPhoneNumber": demo::MOBILE_NUMBER, "token": "wrong"}),
    ))
    .await;
    assert_eq!((s, code(&b).as_str()), (400, "token"));
    let (s, b) = Sandbox::send(approve(
        json!({"customerPhoneNumber": "9123456", "token": landing}),
    ))
    .await;
    assert_eq!((s, code(&b).as_str()), (400, "customerPhoneNumber"));
    let (s, b) = Sandbox::send(approve(
        json!({"customerPhoneNumber": "99999999", "token": landing}),
    ))
    .await;
    assert_eq!((s, code(&b).as_str()), (400, "81"));
    // The unverified test user: 1082, exactly as observed in MT.
    let (s, b) = Sandbox::send(approve(
        json!({"customerPhoneNumber": "48059528", "token": landing}),
    ))
    .await;
    assert_eq!((s, code(&b).as_str()), (400, "1082"));
    assert_eq!(b[0]["errorMessage"], "1082");
    assert_eq!(b[0]["errorGroup"], "Payment");
    // Without customerPhoneNumber the initiate mobileNumber is used.
    let (s, _) = Sandbox::send(approve(json!({"token": landing}))).await;
    assert_eq!(s, 200);
    // Unknown order.
    let (s, b) = Sandbox::send(sb.approve(&t, "nope", &json!({"token": landing}), None)).await;
    assert_eq!((s, code(&b).as_str()), (404, "35"));
    assert_eq!(
        b[0]["errorMessage"],
        format!(
            "The orderId 'nope' does not exist for MSN {}.",
            demo::MERCHANT_SERIAL_NUMBER
        )
    );

    // Express is not supported by force approve.
    let mut express = common::initiate_body(&order_id("fa-exp"), 1000);
    express["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    express["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/c");
    express["merchantInfo"]["staticShippingDetails"] = json!([{"isDefault": "Y", "priority": 1, "shippingCost": 30, "shippingMethod": "M", "shippingMethodId": "m1"}]);
    let (s, b) = sb.initiate(&t, &express).await;
    assert_eq!(s, 200);
    let tok = common::landing_token(b["url"].as_str().unwrap());
    let (s, b) = sb
        .force_approve(
            &t,
            express["transaction"]["orderId"].as_str().unwrap(),
            &tok,
        )
        .await;
    assert_eq!((s, code(&b).as_str()), (400, "91"));
}

#[tokio::test]
async fn details_of_unknown_or_foreign_orders_are_404() {
    let sb = common::start().await;
    let t = sb.token().await;
    let (s, b) = sb.details(&t, "does-not-exist").await;
    assert_eq!((s, code(&b).as_str()), (404, "35"));
    assert_eq!(b[0]["errorGroup"], "Merchant");
    for path in ["capture", "refund"] {
        let (s, b) = Sandbox::send(
            sb.api(Method::POST, &format!("/ecomm/v2/payments/nope/{path}"), &t)
                .json(&json!({"merchantInfo": {"merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER}, "transaction": {"transactionText": "x"}})),
        )
        .await;
        assert_eq!((s, code(&b).as_str()), (404, "35"), "{path}");
    }
    // Wrong method on a known path; the removed authorize endpoint.
    let (s, b) = Sandbox::send(sb.api(Method::DELETE, "/ecomm/v2/payments/x/details", &t)).await;
    assert_eq!((s, b["statusCode"].as_u64()), (405, Some(405)));
    let (s, b) = Sandbox::send(sb.api(Method::PUT, "/ecomm/v2/payments/x/authorize", &t)).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (404, Some("Resource not found"))
    );
}

#[tokio::test]
async fn timeouts_send_rejected_callbacks() {
    let sb = common::start().await;
    let t = sb.token().await;
    // No landing-page action for 5 minutes.
    let a = order_id("to-a");
    sb.initiate_ok(&t, &a, 1000).await;
    // Phone submitted, then 5 minutes in the app.
    let b = order_id("to-b");
    let tb = sb.initiate_ok(&t, &b, 1000).await;
    let (s, _) = sb
        .sim(
            Method::POST,
            &format!("/landing/{tb}/phone"),
            Some(json!({"phone": demo::MOBILE_NUMBER})),
        )
        .await;
    assert_eq!(s, 200);
    sb.advance(299).await;
    assert!(sb.callbacks(&a).await.is_empty());
    sb.advance(2).await;
    let ca = sb.callbacks(&a).await;
    assert_eq!(ca.len(), 1);
    assert_eq!(ca[0]["body"]["transactionInfo"]["status"], "REJECTED");
    assert!(ca[0]["body"]["transactionInfo"]
        .get("transactionId")
        .is_none());
    assert_eq!(ca[0]["body"]["errorInfo"]["errorCode"], "45");
    let cb = sb.callbacks(&b).await;
    assert_eq!(cb.len(), 1);
    assert!(cb[0]["body"]["transactionInfo"]["transactionId"].is_string());
    assert_eq!(
        cb[0]["body"]["errorInfo"]["errorMessage"],
        "User has cancelled or not acted upon the payment"
    );
    let (_, d) = sb.details(&t, &a).await;
    assert_eq!(ops(&d), ["CANCEL", "INITIATE"]);
    let (_, st) =
        Sandbox::send(sb.api(Method::GET, &format!("/ecomm/v2/payments/{a}/status"), &t)).await;
    assert_eq!(st["transactionInfo"]["status"], "REJECTED");
}

#[tokio::test]
async fn time_windows_and_expired_personal_data() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("win");
    let mut body = common::initiate_body(&id, 20_000);
    body["transaction"]["scope"] = json!("name email");
    let (_, r) = sb.initiate(&t, &body).await;
    let landing = common::landing_token(r["url"].as_str().unwrap());
    sb.force_approve(&t, &id, &landing).await;
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(d["userDetails"]["firstName"], "Ada");
    sb.advance(7 * 86_400).await;
    let t = sb.token().await;
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(d["userDetails"]["firstName"], "[Expired]");
    sb.advance(174 * 86_400).await;
    let t = sb.token().await;
    let (s, b) = sb.capture(&t, &id, None, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "98"));
    let (s, b) = sb.cancel(&t, &id, None).await;
    assert_eq!((s, code(&b).as_str()), (400, "98"));
    assert!(b[0]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("canceled up to 180 days"));
}

#[tokio::test]
async fn capture_rate_limit_is_five_per_minute() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("rl-cap");
    let landing = sb.initiate_ok(&t, &id, 100_000).await;
    sb.force_approve(&t, &id, &landing).await;
    for i in 0..5 {
        let (s, _) = sb.capture(&t, &id, Some(100), Some(&format!("k{i}"))).await;
        assert_eq!(s, 200);
    }
    let (s, b) = sb.capture(&t, &id, Some(100), Some("k5")).await;
    assert_eq!((s, b["statusCode"].as_u64()), (429, Some(429)));
}

#[tokio::test]
async fn injected_faults() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("fault");
    let landing = sb.initiate_ok(&t, &id, 20_000).await;
    sb.force_approve(&t, &id, &landing).await;
    let (s, _) = sb
        .sim(
            Method::POST,
            "/faults",
            Some(json!({"endpoint": "capture", "errorCode": "63", "orderId": id})),
        )
        .await;
    assert_eq!(s, 201);
    let (s, b) = sb.capture(&t, &id, None, Some("f1")).await;
    assert_eq!((s, code(&b).as_str()), (400, "63"));
    // The fault was used up and changed nothing; a retry with the same key works.
    let (s, c) = sb.capture(&t, &id, None, Some("f1")).await;
    assert_eq!((s, summary(&c)), (200, [20_000, 0, 0, 20_000]));
    let (s, b) = sb
        .sim(
            Method::POST,
            "/faults",
            Some(json!({"endpoint": "nope", "errorCode": "1"})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
}
