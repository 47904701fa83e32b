//! Conformance, inferred behaviour: the simulator's own [INFERRED] choices of the spec (§13
//! items marked (I), and the [INFERRED] rows of §1–§11). These are not facts about Vipps: a
//! failure here against the real MT means the spec guessed wrong, not that MT is broken.
//! Names are `iNN_…` after the nearest checklist item.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{ctx, summary, Kind};
use ecom_conformance::Edit;
use ecom_core::request::Method;
use ecom_core::wire::headers;
use serde_json::{json, Value};

fn first_error(r: &ecom_conformance::Reply) -> (String, String, String) {
    r.errors()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no format-A error: {}", r.describe()))
}

// 1.4 / 1.5: gateway and unknown paths

#[tokio::test]
async fn i00_unknown_paths_are_404_format_b() {
    let ctx = ctx().await;
    for (method, path) in [
        (Method::Get, "/ecomm/v1/payments"),
        (Method::Put, "/ecomm/v2/payments/some-order/authorize"),
        (Method::Get, "/ecomm/v2/no-such-thing"),
    ] {
        // The app's details request, aimed elsewhere.
        let req = ctx
            .api
            .details_request("some-order")
            .with_method(method)
            .with_path(path);
        let method = method.as_str();
        let r = ctx.api.send(req).await.unwrap();
        assert_eq!(r.status, 404, "{method} {path}: {}", r.describe());
        assert_eq!(
            r.json(),
            json!({"statusCode": 404, "message": "Resource not found"}),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn i00_accesstoken_path_is_case_insensitive_and_others_are_not() {
    let ctx = ctx().await;
    for path in ["/accesstoken/get", "/accessToken/get", "/AccessToken/Get"] {
        let r = ctx
            .api
            .send(ctx.api.token_request().with_path(path))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{path}: {}", r.describe());
    }
    let r = ctx
        .api
        .send(
            ctx.api
                .initiate_request(&ctx.body(Kind::Regular))
                .with_path("/Ecomm/v2/payments"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 404, "{}", r.describe());
}

#[tokio::test]
async fn i00_msn_mismatch_is_403_invalid_msn() {
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Regular);
    body["merchantInfo"]["merchantSerialNumber"] = json!("999999");
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(
        first_error(&r).2.starts_with("Invalid MSN"),
        "{}",
        r.describe()
    );
    let r = ctx
        .api
        .send(
            ctx.api
                .initiate_request(&ctx.body(Kind::Regular))
                .with_header(headers::MERCHANT_SERIAL_NUMBER, "999999"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(
        first_error(&r).2.starts_with("Invalid MSN"),
        "{}",
        r.describe()
    );
}

#[tokio::test]
async fn i00_token_of_another_merchant_is_401() {
    let ctx = ctx().await;
    let other = need!(ctx.other.clone(), "needs a second merchant's credentials");
    let other_api = ctx.api.for_merchant(other);
    other_api.login().await.unwrap();
    // Our subscription key, their token.
    ctx.api.set_token(other_api.token());
    let r = ctx.api.initiate(&ctx.body(Kind::Regular)).await.unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(
        r.json()["responseInfo"]["responseCode"],
        401,
        "{}",
        r.describe()
    );
}

// 4. Validation error codes are field paths

#[tokio::test]
async fn i04_validation_error_codes_name_the_field() {
    let ctx = ctx().await;
    type Mutation = fn(&mut Value);
    let cases: Vec<(&str, Mutation)> = vec![
        ("transaction.orderId", |b| {
            b["transaction"]["orderId"] = json!("a".repeat(51))
        }),
        ("transaction.amount", |b| {
            b["transaction"]["amount"] = json!(99)
        }),
        ("transaction.transactionText", |b| {
            b["transaction"]["transactionText"] = json!("x".repeat(101))
        }),
        ("merchantInfo.callbackPrefix", |b| {
            b["merchantInfo"]["callbackPrefix"] = json!("http://example.com/callbacks")
        }),
        ("merchantInfo.fallBack", |b| {
            b["merchantInfo"]
                .as_object_mut()
                .unwrap()
                .remove("fallBack");
        }),
        ("customerInfo.mobileNumber", |b| {
            b["customerInfo"]["mobileNumber"] = json!("912345678")
        }),
    ];
    for (field, mutate) in cases {
        let mut body = ctx.body(Kind::Regular);
        mutate(&mut body);
        let r = ctx.api.initiate(&body).await.unwrap();
        assert_eq!(r.status, 400, "{field}: {}", r.describe());
        assert!(
            r.errors()
                .iter()
                .any(|(g, c, _)| g == "InvalidRequest" && c == field),
            "{field}: {}",
            r.describe()
        );
    }
}

#[tokio::test]
async fn i04_express_with_scope_is_rejected() {
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Express);
    body["transaction"]["scope"] = json!("name");
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(first_error(&r).0, "InvalidRequest", "{}", r.describe());
}

// 6. A rejected call adds no log entry

#[tokio::test]
async fn i06_rejected_calls_leave_no_trace_and_request_id_is_empty() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let r = ctx.api.capture(&p.order_id, None, Some("x")).await.unwrap();
    assert_eq!(r.status, 400);
    let r = ctx.api.refund(&p.order_id, None, Some("x")).await.unwrap();
    assert!(
        r.has_error("Payment", "72"),
        "refund in INITIATE: {}",
        r.describe()
    );
    let d = ctx.details(&p.order_id).await;
    let entries = d["transactionLogHistory"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{d}");
}

// 8. Force approve details

#[tokio::test]
async fn i08_force_approve_validation_and_repeats() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let r = ctx
        .api
        .approve(&p.order_id, Some(&ctx.mobile()), Some("not-the-token"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    let (group, code, _) = first_error(&r);
    assert_eq!((group.as_str(), code.as_str()), ("InvalidRequest", "token"));

    // No phone: customerInfo.mobileNumber is used.
    let r = ctx
        .api
        .approve(&p.order_id, None, Some(&p.token))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.body.is_empty(), "no body: {}", r.describe());

    // The same X-Request-Id (Postman's orderId) and body: an idempotent replay.
    let r = ctx
        .api
        .approve(&p.order_id, None, Some(&p.token))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "replay: {}", r.describe());
    // A new key: the payment was already processed.
    let r = ctx
        .api
        .send(
            ctx.api
                .approve_request(
                    &p.order_id,
                    &json!({"customerPhoneNumber": ctx.mobile(), "token": p.token}),
                )
                .with_header(headers::REQUEST_ID, "another-key"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.has_error("VippsError", "92"),
        "approve twice: {}",
        r.describe()
    );

    let cancelled = ctx.initiate(Kind::Regular).await;
    assert_eq!(
        ctx.api
            .cancel(&cancelled.order_id, None)
            .await
            .unwrap()
            .status,
        200
    );
    let r = ctx
        .api
        .approve(
            &cancelled.order_id,
            Some(&ctx.mobile()),
            Some(&cancelled.token),
        )
        .await
        .unwrap();
    assert!(
        r.has_error("VippsError", "91"),
        "approve cancelled: {}",
        r.describe()
    );
}

#[tokio::test]
async fn i08_force_approve_unknown_phone_is_81_and_express_is_91() {
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Regular);
    body["customerInfo"]
        .as_object_mut()
        .unwrap()
        .remove("mobileNumber");
    let p = ctx.initiate_body(body).await;
    let r = ctx
        .api
        .approve(&p.order_id, Some("99999999"), Some(&p.token))
        .await
        .unwrap();
    assert!(r.has_error("User", "81"), "{}", r.describe());
    let r = ctx
        .api
        .approve(&p.order_id, None, Some(&p.token))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(first_error(&r).1, "customerPhoneNumber", "{}", r.describe());

    let e = ctx.initiate(Kind::Express).await;
    let r = ctx
        .api
        .approve(&e.order_id, Some(&ctx.mobile()), Some(&e.token))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("VippsError", "91"), "{}", r.describe());
}

// 7 / 9.1. Callbacks only for user-side events; headers

#[tokio::test]
async fn i07_callback_content_type_and_no_callbacks_for_merchant_operations() {
    let ctx = ctx().await;
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.reserved(20000).await;
    let path = format!("/cb/v2/payments/{}", p.order_id);
    let cbs = receiver.wait_for(&path, 1, Duration::from_secs(5)).await;
    assert_eq!(cbs.len(), 1);
    assert_eq!(
        cbs[0].headers.get("content-type").map(String::as_str),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(
        ctx.api
            .capture(&p.order_id, Some(5000), Some("a"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        ctx.api
            .refund(&p.order_id, Some(1000), Some("b"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        ctx.api
            .cancel(&p.order_id, Some(true))
            .await
            .unwrap()
            .status,
        200
    );
    let cancelled = ctx.initiate(Kind::Regular).await;
    assert_eq!(
        ctx.api
            .cancel(&cancelled.order_id, None)
            .await
            .unwrap()
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.matching(&path).len(),
        1,
        "no callback for merchant operations"
    );
    assert!(
        receiver
            .matching(&format!("/cb/v2/payments/{}", cancelled.order_id))
            .is_empty(),
        "no callback for a merchant cancel"
    );
}

// 10. Idempotency details

#[tokio::test]
async fn i10_replay_returns_the_original_body() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let first = ctx
        .api
        .capture(&p.order_id, Some(7000), Some("k1"))
        .await
        .unwrap();
    assert_eq!(first.status, 200, "{}", first.describe());
    let second = ctx
        .api
        .capture(&p.order_id, Some(3000), Some("k2"))
        .await
        .unwrap();
    assert_eq!(second.status, 200, "{}", second.describe());
    let replay = ctx
        .api
        .capture(&p.order_id, Some(7000), Some("k1"))
        .await
        .unwrap();
    assert_eq!(replay.status, 200);
    assert_eq!(replay.json(), first.json(), "the original response");
    let changed = ctx
        .api
        .capture(&p.order_id, Some(7001), Some("k1"))
        .await
        .unwrap();
    assert_eq!(changed.status, 400, "{}", changed.describe());
    assert!(
        changed.has_error("VippsError", "93"),
        "{}",
        changed.describe()
    );
    // The same key on another endpoint does not clash (keys are per endpoint).
    let refund = ctx
        .api
        .refund(&p.order_id, Some(7000), Some("k1"))
        .await
        .unwrap();
    assert_eq!(refund.status, 200, "{}", refund.describe());
    let refund_changed = ctx
        .api
        .refund(&p.order_id, Some(100), Some("k1"))
        .await
        .unwrap();
    assert!(
        refund_changed.has_error("VippsError", "93"),
        "{}",
        refund_changed.describe()
    );
}

#[tokio::test]
async fn i10_a_failed_request_may_be_retried_with_the_same_key() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let too_much = ctx
        .api
        .capture(&p.order_id, Some(30000), Some("retry"))
        .await
        .unwrap();
    assert!(
        too_much.has_error("Payment", "61"),
        "{}",
        too_much.describe()
    );
    let ok = ctx
        .api
        .capture(&p.order_id, Some(10000), Some("retry"))
        .await
        .unwrap();
    assert_eq!(
        ok.status,
        200,
        "only successes are cached: {}",
        ok.describe()
    );
}

#[tokio::test]
async fn i10_partial_operations_need_a_short_x_request_id() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let r = ctx
        .api
        .capture(&p.order_id, Some(1000), None)
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(
        (first_error(&r).0.as_str(), first_error(&r).1.as_str()),
        ("InvalidRequest", "X-Request-Id")
    );
    let r = ctx
        .api
        .capture(&p.order_id, Some(1000), Some(&"k".repeat(41)))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(first_error(&r).1, "X-Request-Id");
    let r = ctx
        .api
        .capture(&p.order_id, Some(1000), Some(&"k".repeat(40)))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "40 characters are fine: {}", r.describe());
    // A full capture without the header is accepted.
    let r = ctx.api.capture(&p.order_id, None, None).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let r = ctx.api.refund(&p.order_id, Some(100), None).await.unwrap();
    assert_eq!(first_error(&r).1, "X-Request-Id", "{}", r.describe());
    let r = ctx.api.refund(&p.order_id, None, None).await.unwrap();
    assert_eq!(
        r.status,
        200,
        "full refund without the header: {}",
        r.describe()
    );
}

// 12. Cancel error codes

#[tokio::test]
async fn i12_cancel_error_codes() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    assert_eq!(
        ctx.api
            .capture(&p.order_id, Some(5000), Some("a"))
            .await
            .unwrap()
            .status,
        200
    );
    let r = ctx.api.cancel(&p.order_id, None).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "51"), "{}", r.describe());
    assert_eq!(
        ctx.api
            .capture(&p.order_id, None, Some("b"))
            .await
            .unwrap()
            .status,
        200
    );
    let r = ctx.api.cancel(&p.order_id, Some(true)).await.unwrap();
    assert!(
        r.has_error("Payment", "51"),
        "fully captured: {}",
        r.describe()
    );

    let v = ctx.reserved(20000).await;
    assert_eq!(ctx.api.cancel(&v.order_id, None).await.unwrap().status, 200);
    let r = ctx.api.cancel(&v.order_id, None).await.unwrap();
    assert!(
        r.has_error("VippsError", "91"),
        "cancel twice: {}",
        r.describe()
    );
}

#[tokio::test]
async fn i12_void_after_partial_capture_allows_refund_but_not_capture() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    assert_eq!(
        ctx.api
            .capture(&p.order_id, Some(5000), Some("a"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        ctx.api
            .cancel(&p.order_id, Some(true))
            .await
            .unwrap()
            .status,
        200
    );
    let ops = ctx.operations(&p.order_id).await;
    assert_eq!(ops[0], "VOID", "{ops:?}");
    let r = ctx
        .api
        .capture(&p.order_id, Some(100), Some("b"))
        .await
        .unwrap();
    assert!(r.has_error("VippsError", "91"), "{}", r.describe());
    let r = ctx
        .api
        .refund(&p.order_id, Some(5000), Some("c"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(summary(&r.json()), [5000, 0, 5000, 0]);
}

// 3.7. The deprecated status endpoint

#[tokio::test]
async fn i13_status_endpoint_reports_the_parent_transaction() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let s = ctx.api.status(&p.order_id).await.unwrap();
    assert_eq!(s.status, 200, "{}", s.describe());
    assert_eq!(s.json()["transactionInfo"]["status"], "INITIATE");
    let r = ctx
        .api
        .approve(&p.order_id, Some(&ctx.mobile()), Some(&p.token))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        ctx.api
            .capture(&p.order_id, None, Some("c"))
            .await
            .unwrap()
            .status,
        200
    );
    let s = ctx.api.status(&p.order_id).await.unwrap();
    assert_eq!(
        s.json()["transactionInfo"]["status"],
        "RESERVE",
        "{}",
        s.describe()
    );
}

// 15. Landing-page cancel

#[tokio::test]
async fn i15_landing_page_cancel_is_rejected_45_without_transaction_id() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the landing page is driven through /__sim"
    );
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate(Kind::Regular).await;
    let r = sim.landing(&p.token, "cancel", None).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let cbs = receiver
        .wait_for(
            &format!("/cb/v2/payments/{}", p.order_id),
            1,
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(cbs.len(), 1, "{cbs:?}");
    let body = cbs[0].json();
    assert_eq!(body["transactionInfo"]["status"], "REJECTED", "{body}");
    assert!(
        body["transactionInfo"].get("transactionId").is_none(),
        "{body}"
    );
    assert_eq!(body["errorInfo"]["errorCode"], "45");
    assert_eq!(
        body["errorInfo"]["errorGroup"], "PAYMENTS",
        "observed casing (ISS#207)"
    );
    assert_eq!(ctx.operations(&p.order_id).await[0], "CANCEL");
}

// 17. Express amount includes shipping

#[tokio::test]
async fn i17_express_reserves_amount_plus_shipping() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the simulated app is driven through /__sim"
    );
    let p = ctx.initiate(Kind::Express).await;
    let r = sim
        .app(
            &p.token,
            "approve",
            Some(json!({"shippingMethodId": "shippingMethodId2"})),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let d = ctx.details(&p.order_id).await;
    let want = ctx.amount() + 100 * 100;
    assert_eq!(d["transactionLogHistory"][0]["amount"], want, "{d}");
    assert_eq!(summary(&d)[1], want, "{d}");
    assert_eq!(
        d["shippingDetails"]["shippingMethodId"],
        "shippingMethodId2"
    );
    if let Some(receiver) = &ctx.receiver {
        let cbs = receiver
            .wait_for(
                &format!("/cb/v2/payments/{}", p.order_id),
                1,
                Duration::from_secs(5),
            )
            .await;
        assert_eq!(cbs[0].json()["transactionInfo"]["amount"], want);
    }
}

// 18. Profile flow through force approve

#[tokio::test]
async fn i18_scope_user_details_user_id_is_the_sub() {
    let ctx = ctx().await;
    let p = ctx.approved(Kind::Profile).await;
    let d = ctx.details(&p.order_id).await;
    assert!(
        d["sub"].is_string(),
        "sub right away (no sub_delay configured): {d}"
    );
    assert_eq!(d["userDetails"]["userId"], d["sub"], "{d}");
    assert!(d.get("shippingDetails").is_none(), "{d}");
}

// 19. QR details

#[tokio::test]
async fn i19_qr_rejects_deeplinks_and_unknown_accept() {
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Regular);
    body["merchantInfo"]["isApp"] = json!(true);
    let p = ctx.initiate_body(body).await;
    let r = ctx.api.qr(&p.url, "image/png").await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.json()["title"], "Validation error");
    let q = ctx.initiate(Kind::Regular).await;
    let r = ctx.api.qr(&q.url, "text/plain").await.unwrap();
    assert_eq!(r.status, 415, "{}", r.describe());
    let r = ctx.api.qr(&q.url, "image/*").await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let img = ctx
        .api
        .open(r.json()["url"].as_str().unwrap())
        .await
        .unwrap();
    assert!(img.text().contains("<svg"), "image/* is SVG");
}

// 20. 429 body

#[tokio::test]
async fn i20_rate_limit_body_and_switch() {
    let ctx = ctx().await;
    let body = ctx.body(Kind::Regular);
    for _ in 0..2 {
        ctx.api.initiate(&body).await.unwrap();
    }
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 429, "{}", r.describe());
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.starts_with("Rate limit is exceeded. Try again in "),
        "{message}"
    );
    let sim = need!(ctx.sim.as_ref(), "switching limits needs /__sim/config");
    sim.configure(json!({"rateLimits": false})).await.unwrap();
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(
        r.status,
        400,
        "limits off: duplicate again: {}",
        r.describe()
    );
}

#[tokio::test]
async fn i20_every_rate_limit_says_when_to_retry() {
    // The 429 body is the APIM default (spec §1.7, [INFERRED]); APIM sends `Retry-After` with
    // it, in seconds.
    let ctx = ctx().await;
    let check = |what: &str, r: &ecom_conformance::Reply| {
        assert_eq!(r.status, 429, "{what}: {}", r.describe());
        let after: u64 = r
            .header("retry-after")
            .unwrap_or_else(|| panic!("{what}: no Retry-After"))
            .parse()
            .unwrap();
        assert!((1..=60).contains(&after), "{what}: {after}");
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(
            message.contains(&format!("in {after} seconds")),
            "{what}: {message}"
        );
    };
    let body = ctx.body(Kind::Regular);
    let mut last = None;
    for _ in 0..3 {
        last = Some(ctx.api.initiate(&body).await.unwrap());
    }
    check("initiate", &last.unwrap());
    let p = ctx.reserved(100_000).await;
    for (what, n) in [
        ("capture", 6),
        ("refund", 6),
        ("cancel", 6),
        ("details", 121),
    ] {
        let mut last = None;
        for i in 0..n {
            let key = format!("{what}-{i}");
            last = Some(
                match what {
                    "capture" => ctx.api.capture(&p.order_id, Some(100), Some(&key)).await,
                    "refund" => ctx.api.refund(&p.order_id, Some(100), Some(&key)).await,
                    "cancel" => ctx.api.cancel(&p.order_id, Some(false)).await,
                    _ => ctx.api.details(&p.order_id).await,
                }
                .unwrap(),
            );
        }
        check(what, &last.unwrap());
    }
}

// 11.2 Magic amounts in the app

#[tokio::test]
async fn i21_magic_amount_fails_in_the_app() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the simulated app is driven through /__sim"
    );
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate_amount(186).await;
    let r = sim.app(&p.token, "approve", None).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let d = ctx.details(&p.order_id).await;
    let top = &d["transactionLogHistory"][0];
    assert_eq!(top["operation"], "RESERVE", "{d}");
    assert_eq!(top["operationSuccess"], false, "{d}");
    let cbs = receiver
        .wait_for(
            &format!("/cb/v2/payments/{}", p.order_id),
            1,
            Duration::from_secs(5),
        )
        .await;
    let body = cbs[0].json();
    assert_eq!(
        body["transactionInfo"]["status"], "RESERVE_FAILED",
        "{body}"
    );
    assert_eq!(body["errorInfo"]["errorCode"], "44", "expired card: {body}");
    // Force approve ignores magic amounts (TE §Test amounts).
    let q = ctx.initiate_amount(186).await;
    let r = ctx
        .api
        .approve(&q.order_id, Some(&ctx.mobile()), Some(&q.token))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(ctx.operations(&q.order_id).await[0], "RESERVE");
}

// Beyond the checklist: other [INFERRED] rows.

#[tokio::test]
async fn ix_gateway_order_key_before_token_and_exact_bearer() {
    let ctx = ctx().await;
    let body = ctx.body(Kind::Regular);
    // No key and no token: the key check comes first (format B).
    let r = ctx
        .api
        .send(
            ctx.api
                .initiate_request(&body)
                .without_auth()
                .without_header(headers::SUBSCRIPTION_KEY),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(
        r.json()["statusCode"],
        401,
        "format B first: {}",
        r.describe()
    );
    // `Bearer ` is required exactly (spec §1.3 CONFLICT, Sim choice).
    let token = ctx.api.token().unwrap();
    for auth in [format!("bearer {token}"), token.clone()] {
        let r = ctx
            .api
            .send(
                ctx.api
                    .initiate_request(&ctx.body(Kind::Regular))
                    .with_header(headers::AUTHORIZATION, auth),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 401, "{}", r.describe());
    }
}

#[tokio::test]
async fn ix_token_without_client_id_is_invalid_request() {
    let ctx = ctx().await;
    let r = ctx
        .api
        .send(ctx.api.token_request().without_header(headers::CLIENT_ID))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.json()["error"], "invalid_request", "{}", r.describe());
}

#[tokio::test]
async fn ix_userinfo_unknown_sub_is_404_and_foreign_sub_is_403() {
    let ctx = ctx().await;
    let r = ctx
        .api
        .userinfo("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap();
    assert_eq!(r.status, 404, "{}", r.describe());
    let p = ctx.approved(Kind::Profile).await;
    let sub = ctx.details(&p.order_id).await["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = need!(ctx.other.clone(), "needs a second merchant's credentials");
    let other_api = common::merchant_api(&ctx, &other).await;
    let r = other_api.userinfo(&sub).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.describe());
    // After 168 h the data is no longer served.
    let sim = need!(ctx.sim.as_ref(), "needs /__sim/clock");
    sim.advance(169 * 3600).await.unwrap();
    ctx.api.login().await.unwrap();
    let r = ctx.api.userinfo(&sub).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.describe());
}

#[tokio::test]
async fn ix_landing_page_rejects_an_unknown_phone() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the landing page is driven through /__sim"
    );
    let p = ctx.initiate(Kind::Regular).await;
    let r = sim
        .landing(&p.token, "phone", Some(json!({"phone": "99999999"})))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{r:?}");
    let r = sim
        .landing(&p.token, "phone", Some(json!({"phone": "1234"})))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(ctx.operations(&p.order_id).await, ["INITIATE"]);
}

#[tokio::test]
async fn ix_express_cancel_callback_has_no_personal_data() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the simulated app is driven through /__sim"
    );
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate(Kind::Express).await;
    assert_eq!(sim.app(&p.token, "cancel", None).await.unwrap().status, 200);
    let cbs = receiver
        .wait_for(
            &format!("/cb/v2/payments/{}", p.order_id),
            1,
            Duration::from_secs(5),
        )
        .await;
    let body = cbs[0].json();
    assert_eq!(body["transactionInfo"]["status"], "CANCELLED", "{body}");
    assert!(body.get("shippingDetails").is_none(), "{body}");
    assert!(body.get("userDetails").is_none(), "{body}");
    // The user reacted: the summary is there, all zeros.
    let d = ctx.details(&p.order_id).await;
    assert_eq!(summary(&d), [0, 0, 0, 0], "{d}");
}

#[tokio::test]
async fn ix_qr_after_approval_is_order_timeout() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let r = ctx.api.qr(&p.url, "image/png").await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.json()["title"], "Order timeout", "{}", r.describe());
}

#[tokio::test]
async fn ix_qr_msn_mismatch_answers_in_the_qr_error_format() {
    // Spec §1.4 step 5 (MSN mismatch, [INFERRED] 403) also guards /qr/v1, but the QR API's
    // errors are `QrErrorResponse` (qr-swagger.yaml), not eCom's error array: `send` checks
    // the body against the QR file.
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let r = ctx
        .api
        .send(
            ctx.api
                .qr_request(&p.url, "image/png")
                .with_header(headers::MERCHANT_SERIAL_NUMBER, "999999"),
        )
        .await
        .unwrap();
    assert!((400..500).contains(&r.status), "{}", r.describe());
}

#[tokio::test]
async fn ix_userinfo_msn_mismatch_answers_in_the_userinfo_error_format() {
    // As above for Userinfo: its errors are format E (`UserinfoError`) or gateway bodies.
    let ctx = ctx().await;
    let p = ctx.approved(Kind::Profile).await;
    let sub = ctx.details(&p.order_id).await["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = ctx
        .api
        .send(
            ctx.api
                .userinfo_request(&sub)
                .with_header(headers::MERCHANT_SERIAL_NUMBER, "999999"),
        )
        .await
        .unwrap();
    assert!((400..500).contains(&r.status), "{}", r.describe());
}
