//! Conformance, documented behaviour: spec §13 items marked (D), one test (or a few) per item,
//! named `dNN_…` after the checklist number. Every assertion here rests on a sourced fact of
//! the spec; the simulator's own [INFERRED] choices are in `conformance_inferred.rs`.
//!
//! Every request goes through `ecom_conformance::Api`, which checks each response body against
//! the official OpenAPI schema before the test sees it.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{ctx, summary, Kind, UNVERIFIED_PHONE};
use ecom_conformance::client::order_id;
use ecom_conformance::{Api, Edit};
use ecom_core::payment::landing_token;
use ecom_core::wire::headers;
use serde_json::{json, Value};

const CALLBACK_WAIT: Duration = Duration::from_secs(5);

/// The landing-page token of an initiate `url`, taken the way the Postman script does:
/// `url.split('=', 3)[2]` (JavaScript: split on every `=`, keep three pieces, take the third).
/// Only d03 uses it, to show that Postman's users get the same token as the app.
fn postman_token(url: &str) -> Option<String> {
    url.split('=').nth(2).map(str::to_owned)
}

fn is_transaction_id(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() >= 10 && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the log has a successful RESERVE entry.
fn reserved(details: &Value) -> bool {
    log(details)
        .iter()
        .any(|e| e["operation"] == "RESERVE" && e["operationSuccess"] == true)
}

/// `2018-11-14T15:22:46.680Z`: ISO-8601 UTC with milliseconds and `Z` (spec §1.8).
fn is_timestamp(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

fn log(details: &Value) -> Vec<Value> {
    details["transactionLogHistory"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------------------------------------
// 1. Access token

#[tokio::test]
async fn d01_token_has_seven_fields_and_works_on_the_api() {
    let ctx = ctx().await;
    let r = ctx.api.fetch_token().await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let j = r.json();
    for field in [
        "token_type",
        "expires_in",
        "ext_expires_in",
        "expires_on",
        "not_before",
        "resource",
        "access_token",
    ] {
        assert!(j[field].is_string(), "{field} must be a string: {j}");
    }
    assert_eq!(j["token_type"], "Bearer");
    let expires_in: u64 = j["expires_in"].as_str().unwrap().parse().unwrap();
    assert!(
        (1..=3600).contains(&expires_in),
        "MT tokens live 1 h: {expires_in}"
    );
    let on: u64 = j["expires_on"].as_str().unwrap().parse().unwrap();
    let before: u64 = j["not_before"].as_str().unwrap().parse().unwrap();
    assert!(
        before < on,
        "not_before {before} must precede expires_on {on}"
    );
    // The token is what makes the API answer.
    let p = ctx.initiate(Kind::Regular).await;
    assert!(!p.order_id.is_empty());
}

#[tokio::test]
async fn d01_token_expires_after_an_hour_of_simulated_time() {
    let ctx = ctx().await;
    let sim = need!(ctx.sim.as_ref(), "token expiry needs /__sim/clock");
    let p = ctx.initiate(Kind::Regular).await;
    sim.advance(3600).await.unwrap();
    let r = ctx.api.details(&p.order_id).await.unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    let j = r.json();
    assert_eq!(j["responseInfo"]["responseCode"], 401, "format C: {j}");
    assert!(j["result"]["message"].is_string(), "format C: {j}");
}

// ---------------------------------------------------------------------------------------------
// 2. Token errors

#[tokio::test]
async fn d02_unknown_client_id_is_400_unauthorized_client() {
    let ctx = ctx().await;
    let r = ctx
        .api
        .send(
            ctx.api
                .token_request()
                .with_header(headers::CLIENT_ID, "00000000-0000-0000-0000-000000000000"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.json()["error"], "unauthorized_client", "{}", r.describe());
}

#[tokio::test]
async fn d02_wrong_secret_is_401_invalid_client() {
    let ctx = ctx().await;
    let r = ctx
        .api
        .send(
            ctx.api
                .token_request()
                .with_header(headers::CLIENT_SECRET, "definitely-not-the-secret"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(r.json()["error"], "invalid_client", "{}", r.describe());
    assert!(
        !r.text().contains("definitely-not-the-secret"),
        "secrets are never echoed"
    );
}

const MISSING_KEY: &str = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
const INVALID_KEY: &str = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";

#[tokio::test]
async fn d02_missing_or_invalid_subscription_key_is_401_format_b() {
    let ctx = ctx().await;
    let token_req = || ctx.api.token_request();
    let r = ctx
        .api
        .send(token_req().without_header(headers::SUBSCRIPTION_KEY))
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(r.json(), json!({"statusCode": 401, "message": MISSING_KEY}));

    let r = ctx
        .api
        .send(token_req().with_header(
            headers::SUBSCRIPTION_KEY,
            "0000000000000000000000000000dead",
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(r.json(), json!({"statusCode": 401, "message": INVALID_KEY}));

    // The same gateway check runs before the eCom API.
    let body = ctx.body(Kind::Regular);
    let r = ctx
        .api
        .send(
            ctx.api
                .initiate_request(&body)
                .without_header(headers::SUBSCRIPTION_KEY),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(r.json(), json!({"statusCode": 401, "message": MISSING_KEY}));
    let r = ctx
        .api
        .send(ctx.api.initiate_request(&body).with_header(
            headers::SUBSCRIPTION_KEY,
            "0000000000000000000000000000dead",
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(r.json(), json!({"statusCode": 401, "message": INVALID_KEY}));
}

#[tokio::test]
async fn d02_missing_or_garbage_access_token_is_401_format_c() {
    let ctx = ctx().await;
    let body = ctx.body(Kind::Regular);
    for auth in ["", "Bearer not-a-token", "Bearer a.b.c"] {
        let app = ctx.api.initiate_request(&body);
        let r = ctx
            .api
            .send(match auth {
                "" => app.without_auth(),
                auth => app.with_header(headers::AUTHORIZATION, auth),
            })
            .await
            .unwrap();
        assert_eq!(r.status, 401, "auth {auth:?}: {}", r.describe());
        assert_eq!(
            r.json()["responseInfo"]["responseCode"],
            401,
            "{}",
            r.describe()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Initiate with the three Postman bodies

#[tokio::test]
async fn d03_all_three_postman_bodies_initiate() {
    let ctx = ctx().await;
    for kind in [Kind::Regular, Kind::Express, Kind::Profile] {
        let body = ctx.body(kind);
        let sent_order = body["transaction"]["orderId"].as_str().unwrap().to_owned();
        let p = ctx.initiate_body(body).await;
        assert_eq!(p.order_id, sent_order, "{kind:?}");
        let (before, token) = p
            .url
            .split_once("token=")
            .unwrap_or_else(|| panic!("{kind:?}: no token= in {}", p.url));
        assert!(
            before.ends_with("/dwo-api-application/v1/deeplink/vippsgateway?v=2&"),
            "{kind:?}: landing page url {}",
            p.url
        );
        if ctx.sim.is_some() {
            assert!(
                p.url.starts_with(&ctx.api.target().base_url),
                "the sandbox's urls point back at itself: {}",
                p.url
            );
        }
        assert!(
            !token.is_empty() && !token.contains('='),
            "{kind:?}: {token}"
        );
        assert_eq!(
            postman_token(&p.url).as_deref(),
            Some(token),
            "Postman's split"
        );
        assert_eq!(landing_token(&p.url).as_deref(), Some(token), "the app's");
    }
    // With Postman's trailing slash too (the app sends none).
    let body = ctx.body(Kind::Regular);
    let r = ctx
        .api
        .send(
            ctx.api
                .initiate_request(&body)
                .with_path("/ecomm/v2/payments/"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
}

#[tokio::test]
async fn d03_is_app_returns_the_mt_deeplink() {
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Regular);
    body["merchantInfo"]["isApp"] = json!(true);
    let p = ctx.initiate_body(body).await;
    let token = p
        .url
        .strip_prefix("vippsMT://?token=")
        .unwrap_or_else(|| panic!("deeplink: {}", p.url));
    assert!(!token.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 4. Initiate validation

#[tokio::test]
async fn d04_invalid_initiate_bodies_are_400_invalid_request() {
    let ctx = ctx().await;
    type Mutation = fn(&mut Value);
    let cases: Vec<(&str, Mutation)> = vec![
        ("orderId of 51 chars", |b| {
            b["transaction"]["orderId"] = json!("a".repeat(51))
        }),
        ("orderId with bad characters", |b| {
            b["transaction"]["orderId"] = json!("order_id!#1")
        }),
        ("amount 99", |b| b["transaction"]["amount"] = json!(99)),
        ("transactionText of 101 chars", |b| {
            b["transaction"]["transactionText"] = json!("x".repeat(101))
        }),
        ("http callbackPrefix", |b| {
            b["merchantInfo"]["callbackPrefix"] = json!("http://example.com/callbacks")
        }),
        ("missing fallBack", |b| {
            b["merchantInfo"]
                .as_object_mut()
                .unwrap()
                .remove("fallBack");
        }),
        ("9-digit mobileNumber", |b| {
            b["customerInfo"]["mobileNumber"] = json!("912345678")
        }),
    ];
    for (what, mutate) in cases {
        let mut body = ctx.body(Kind::Regular);
        mutate(&mut body);
        let r = ctx.api.initiate(&body).await.unwrap();
        assert_eq!(r.status, 400, "{what}: {}", r.describe());
        let errors = r.errors();
        assert!(
            errors
                .iter()
                .any(|(g, _, _)| g.eq_ignore_ascii_case("InvalidRequest")),
            "{what}: {}",
            r.describe()
        );
    }
}

#[tokio::test]
async fn d04_msn_as_a_number_is_500_vipps_error_99() {
    // KB-errors §500 (spec §3.1.5).
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Regular);
    body["merchantInfo"]["merchantSerialNumber"] = json!(ctx.msn().parse::<u64>().unwrap());
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 500, "{}", r.describe());
    assert!(r.has_error("VippsError", "99"), "{}", r.describe());
}

#[tokio::test]
async fn d04_express_needs_consent_removal_prefix() {
    let ctx = ctx().await;
    let mut body = ctx.body(Kind::Express);
    body["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("consentRemovalPrefix");
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r
        .errors()
        .iter()
        .any(|(g, _, _)| g.eq_ignore_ascii_case("InvalidRequest")));
}

// ---------------------------------------------------------------------------------------------
// 5. Duplicate orderId

#[tokio::test]
async fn d05_duplicate_order_id_is_merchant_34_but_another_msn_may_reuse_it() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let mut again = ctx.body(Kind::Regular);
    again["transaction"]["orderId"] = json!(p.order_id);
    let r = ctx.api.initiate(&again).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Merchant", "34"), "{}", r.describe());

    let other = need!(ctx.other.clone(), "needs a second merchant's credentials");
    let other_api: Api = ctx.api.for_merchant(other.clone());
    other_api.login().await.unwrap();
    let mut theirs = ctx.body(Kind::Regular);
    theirs["transaction"]["orderId"] = json!(p.order_id);
    theirs["merchantInfo"]["merchantSerialNumber"] = json!(other.msn);
    let r = other_api.initiate(&theirs).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// 6. Details after initiate

#[tokio::test]
async fn d06_details_after_initiate_and_after_opening_the_landing_page() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let d = ctx.details(&p.order_id).await;
    assert_eq!(d["orderId"], json!(p.order_id));
    let entries = log(&d);
    assert_eq!(entries.len(), 1, "{d}");
    assert_eq!(entries[0]["operation"], "INITIATE");
    assert_eq!(entries[0]["operationSuccess"], true);
    assert_eq!(entries[0]["amount"], json!(ctx.amount()));
    assert!(
        entries[0].get("transactionId").is_none(),
        "no session yet: {d}"
    );
    assert!(
        entries[0].get("requestId").is_none() || entries[0]["requestId"] == "",
        "{d}"
    );
    assert!(
        d.get("transactionSummary").is_none(),
        "no summary before the user reacts: {d}"
    );

    let page = ctx.api.open(&p.url).await.unwrap();
    assert_eq!(page.status, 200, "landing page: {}", page.describe());
    let d = ctx.details(&p.order_id).await;
    let entries = log(&d);
    assert_eq!(entries.len(), 1, "{d}");
    assert!(is_transaction_id(&entries[0]["transactionId"]), "{d}");
}

// ---------------------------------------------------------------------------------------------
// 7. Force approve

#[tokio::test]
async fn d07_force_approve_reserves_and_sends_one_callback() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let r = ctx
        .api
        .approve(&p.order_id, Some(&ctx.mobile()), Some(&p.token))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let d = ctx.details(&p.order_id).await;
    let entries = log(&d);
    let ops: Vec<&str> = entries
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["RESERVE", "INITIATE"], "newest first: {d}");
    assert_eq!(summary(&d), [0, ctx.amount(), 0, 0], "{d}");
    let tid = entries[0]["transactionId"].clone();
    assert!(is_transaction_id(&tid), "{d}");
    assert_eq!(
        entries[1]["transactionId"], tid,
        "INITIATE and RESERVE share the id"
    );
    for e in &entries {
        assert!(is_timestamp(&e["timeStamp"]), "ISO-8601 with ms and Z: {e}");
    }

    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let path = format!("/cb/v2/payments/{}", p.order_id);
    let got = receiver.wait_for(&path, 1, CALLBACK_WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_all = receiver.matching(&path);
    assert_eq!(got.len(), 1, "exactly one callback: {got_all:?}");
    assert_eq!(got_all.len(), 1, "exactly one callback: {got_all:?}");
    let cb = &got_all[0];
    assert_eq!(cb.method, "POST");
    assert_eq!(cb.headers.get("authorization"), Some(&p.auth_token));
    let body = cb.json();
    ctx.api
        .schemas()
        .check_named("RegularCheckOutPaymentRequest", &body)
        .unwrap();
    assert_eq!(
        body["merchantSerialNumber"],
        json!(ctx.msn()),
        "a string: {body}"
    );
    assert_eq!(body["orderId"], json!(p.order_id));
    assert_eq!(body["transactionInfo"]["status"], "RESERVED");
    assert!(
        is_timestamp(&body["transactionInfo"]["timeStamp"]),
        "{body}"
    );
    assert_eq!(body["transactionInfo"]["amount"], json!(ctx.amount()));
    assert_eq!(body["transactionInfo"]["transactionId"], tid);
}

// ---------------------------------------------------------------------------------------------
// 8. Force approve restrictions

#[tokio::test]
async fn d08_force_approve_does_not_support_express() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Express).await;
    let r = ctx
        .api
        .approve(&p.order_id, Some(&ctx.mobile()), Some(&p.token))
        .await
        .unwrap();
    assert!((400..500).contains(&r.status), "{}", r.describe());
    assert!(!r.errors().is_empty(), "format A: {}", r.describe());
    assert!(!reserved(&ctx.details(&p.order_id).await));
}

#[tokio::test]
async fn d08_force_approve_for_a_user_without_bankid_is_1082() {
    let ctx = ctx().await;
    need!(ctx.sim.as_ref(), "needs a configured unverified test user");
    let mut body = ctx.body(Kind::Regular);
    body["customerInfo"]["mobileNumber"] = json!(UNVERIFIED_PHONE);
    let p = ctx.initiate_body(body).await;
    let r = ctx
        .api
        .approve(&p.order_id, Some(UNVERIFIED_PHONE), Some(&p.token))
        .await
        .unwrap();
    assert!((400..500).contains(&r.status), "{}", r.describe());
    assert!(r.has_error("Payment", "1082"), "{}", r.describe());
    assert!(!reserved(&ctx.details(&p.order_id).await));
}

// ---------------------------------------------------------------------------------------------
// 9. Capture

#[tokio::test]
async fn d09_full_capture_then_errors_61_62_91() {
    let ctx = ctx().await;
    let amount = 20000;
    let p = ctx.reserved(amount).await;
    let r = ctx
        .api
        .capture(&p.order_id, None, Some("cap-1"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let j = r.json();
    assert_eq!(j["orderId"], json!(p.order_id));
    assert_eq!(j["transactionInfo"]["status"], "Captured");
    assert_eq!(j["transactionInfo"]["amount"], amount);
    assert_eq!(summary(&j), [amount, 0, 0, amount], "{j}");
    let d = ctx.details(&p.order_id).await;
    assert_eq!(summary(&d), [amount, 0, 0, amount], "{d}");
    assert_eq!(log(&d)[0]["operation"], "CAPTURE");
    assert_eq!(log(&d)[0]["requestId"], "cap-1");
    let capture_id = &j["transactionInfo"]["transactionId"];
    assert_ne!(
        capture_id,
        &log(&d)[1]["transactionId"],
        "a capture gets a new id"
    );
    assert_eq!(&log(&d)[0]["transactionId"], capture_id);

    let r = ctx
        .api
        .capture(&p.order_id, None, Some("cap-2"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "61"), "{}", r.describe());

    let fresh = ctx.initiate_amount(amount).await;
    let r = ctx
        .api
        .capture(&fresh.order_id, None, Some("c"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "62"), "{}", r.describe());

    let voided = ctx.reserved(amount).await;
    let r = ctx.api.cancel(&voided.order_id, None).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let r = ctx
        .api
        .capture(&voided.order_id, None, Some("c"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("VippsError", "91"), "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// 10. Partial captures and idempotency

#[tokio::test]
async fn d10_partial_captures_and_idempotent_replays() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let first = ctx
        .api
        .capture(&p.order_id, Some(10000), Some("part-a"))
        .await
        .unwrap();
    assert_eq!(first.status, 200, "{}", first.describe());
    assert_eq!(summary(&first.json()), [10000, 10000, 0, 10000]);
    let second = ctx
        .api
        .capture(&p.order_id, Some(10000), Some("part-b"))
        .await
        .unwrap();
    assert_eq!(second.status, 200, "{}", second.describe());
    assert_eq!(summary(&second.json()), [20000, 0, 0, 20000]);
    let third = ctx
        .api
        .capture(&p.order_id, Some(10000), Some("part-c"))
        .await
        .unwrap();
    assert_eq!(third.status, 400, "{}", third.describe());
    assert!(third.has_error("Payment", "61"), "{}", third.describe());

    let entries_before = log(&ctx.details(&p.order_id).await).len();
    let replay = ctx
        .api
        .capture(&p.order_id, Some(10000), Some("part-a"))
        .await
        .unwrap();
    assert!(
        (200..300).contains(&replay.status),
        "replay: {}",
        replay.describe()
    );
    let d = ctx.details(&p.order_id).await;
    assert_eq!(
        log(&d).len(),
        entries_before,
        "a replay adds no log entry: {d}"
    );
    assert_eq!(summary(&d), [20000, 0, 0, 20000]);

    let changed = ctx
        .api
        .capture(&p.order_id, Some(5000), Some("part-a"))
        .await
        .unwrap();
    assert!(
        (400..500).contains(&changed.status),
        "{}",
        changed.describe()
    );
    assert!(
        changed.errors().iter().any(|(_, c, _)| c == "93"),
        "{}",
        changed.describe()
    );
    assert_eq!(
        summary(&ctx.details(&p.order_id).await),
        [20000, 0, 0, 20000]
    );
}

// ---------------------------------------------------------------------------------------------
// 11. Cancel

#[tokio::test]
async fn d11_cancel_in_initiate_and_in_reserve() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let r = ctx.api.cancel(&p.order_id, None).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["transactionInfo"]["status"], "Cancelled");
    assert_eq!(ctx.operations(&p.order_id).await[0], "CANCEL");

    let p = ctx.reserved(20000).await;
    let r = ctx.api.cancel(&p.order_id, None).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let j = r.json();
    assert_eq!(j["transactionInfo"]["status"], "Cancelled");
    assert_eq!(
        j["transactionInfo"]["amount"], 20000,
        "the original amount: {j}"
    );
    let d = ctx.details(&p.order_id).await;
    assert_eq!(log(&d)[0]["operation"], "VOID", "{d}");
    assert_eq!(
        d["transactionSummary"]["remainingAmountToCapture"], 0,
        "{d}"
    );
}

// ---------------------------------------------------------------------------------------------
// 12. Cancel after a partial capture

#[tokio::test]
async fn d12_cancel_after_partial_capture_needs_release_flag() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let r = ctx
        .api
        .capture(&p.order_id, Some(5000), Some("p1"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let r = ctx.api.cancel(&p.order_id, None).await.unwrap();
    assert!((400..500).contains(&r.status), "rejected: {}", r.describe());
    let r = ctx.api.cancel(&p.order_id, Some(false)).await.unwrap();
    assert!((400..500).contains(&r.status), "rejected: {}", r.describe());
    let r = ctx.api.cancel(&p.order_id, Some(true)).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(summary(&r.json()), [5000, 0, 0, 5000], "{}", r.describe());
    let d = ctx.details(&p.order_id).await;
    assert_eq!(summary(&d), [5000, 0, 0, 5000], "{d}");
    // What was captured can still be refunded (G §Cancelling a partially captured order).
    let r = ctx.api.refund(&p.order_id, None, Some("r1")).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// 13. Refund

#[tokio::test]
async fn d13_refunds_accumulate_and_are_bounded() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    assert_eq!(
        ctx.api
            .capture(&p.order_id, None, Some("c"))
            .await
            .unwrap()
            .status,
        200
    );
    let r = ctx
        .api
        .refund(&p.order_id, Some(10000), Some("r1"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let j = r.json();
    assert!(
        j.get("transactionInfo").is_none(),
        "the key is `transaction`: {j}"
    );
    assert_eq!(j["transaction"]["status"], "Refund");
    assert_eq!(j["transaction"]["amount"], 10000);
    assert_eq!(summary(&j), [20000, 0, 10000, 10000], "{j}");
    let r = ctx
        .api
        .refund(&p.order_id, Some(5000), Some("r2"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(summary(&r.json()), [20000, 0, 15000, 5000]);
    let r = ctx
        .api
        .refund(&p.order_id, Some(5001), Some("r3"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "71"), "{}", r.describe());
    let d = ctx.details(&p.order_id).await;
    let refunds = log(&d)
        .iter()
        .filter(|e| e["operation"] == "REFUND" && e["operationSuccess"] == true)
        .count();
    assert_eq!(refunds, 2, "{d}");
    assert_eq!(summary(&d), [20000, 0, 15000, 5000]);
}

#[tokio::test]
async fn d13_refund_on_reserved_is_72_and_on_cancelled_is_73() {
    let ctx = ctx().await;
    let p = ctx.reserved(20000).await;
    let r = ctx.api.refund(&p.order_id, None, Some("r")).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "72"), "{}", r.describe());
    assert_eq!(ctx.api.cancel(&p.order_id, None).await.unwrap().status, 200);
    let r = ctx.api.refund(&p.order_id, None, Some("r")).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "73"), "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// 14. Unknown orders

#[tokio::test]
async fn d14_unknown_or_foreign_order_is_404_merchant_35() {
    let ctx = ctx().await;
    let missing = order_id(&ctx.msn());
    let r = ctx.api.details(&missing).await.unwrap();
    assert_eq!(r.status, 404, "{}", r.describe());
    assert!(r.has_error("Merchant", "35"), "{}", r.describe());

    let other = need!(ctx.other.clone(), "needs a second merchant's credentials");
    let other_api = ctx.api.for_merchant(other.clone());
    other_api.login().await.unwrap();
    let mut theirs = ctx.body(Kind::Regular);
    theirs["merchantInfo"]["merchantSerialNumber"] = json!(other.msn);
    let r = other_api.initiate(&theirs).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let theirs_id = theirs["transaction"]["orderId"].as_str().unwrap();
    let r = ctx.api.details(theirs_id).await.unwrap();
    assert_eq!(r.status, 404, "{}", r.describe());
    assert!(r.has_error("Merchant", "35"), "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// 15. Timeouts

#[tokio::test]
async fn d15_landing_page_timeout_cancels_with_rejected_45_without_transaction_id() {
    let ctx = ctx().await;
    let sim = need!(ctx.sim.as_ref(), "timeouts need /__sim/clock");
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate(Kind::Regular).await;
    sim.advance(301).await.unwrap();
    assert_eq!(ctx.operations(&p.order_id).await[0], "CANCEL");
    let cbs = receiver
        .wait_for(&format!("/cb/v2/payments/{}", p.order_id), 1, CALLBACK_WAIT)
        .await;
    assert_eq!(cbs.len(), 1, "{cbs:?}");
    let body = cbs[0].json();
    assert_eq!(body["transactionInfo"]["status"], "REJECTED", "{body}");
    assert!(
        body["transactionInfo"].get("transactionId").is_none(),
        "{body}"
    );
    assert_eq!(body["errorInfo"]["errorCode"], "45", "{body}");
}

#[tokio::test]
async fn d15_app_timeout_after_phone_submitted_is_rejected_45_with_transaction_id() {
    let ctx = ctx().await;
    let sim = need!(ctx.sim.as_ref(), "timeouts need /__sim/clock");
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate(Kind::Regular).await;
    common::submit_phone(&ctx, &p, &ctx.mobile()).await;
    sim.advance(601).await.unwrap();
    let cbs = receiver
        .wait_for(&format!("/cb/v2/payments/{}", p.order_id), 1, CALLBACK_WAIT)
        .await;
    assert_eq!(cbs.len(), 1, "{cbs:?}");
    let body = cbs[0].json();
    assert_eq!(body["transactionInfo"]["status"], "REJECTED", "{body}");
    assert!(
        is_transaction_id(&body["transactionInfo"]["transactionId"]),
        "{body}"
    );
    assert_eq!(body["errorInfo"]["errorCode"], "45", "{body}");
    ctx.api.login().await.unwrap();
    assert_eq!(ctx.operations(&p.order_id).await[0], "CANCEL");
}

// ---------------------------------------------------------------------------------------------
// 16. App cancel

#[tokio::test]
async fn d16_app_cancel_sends_cancelled_with_transaction_id() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the simulated app is driven through /__sim"
    );
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate(Kind::Regular).await;
    let r = sim.app(&p.token, "cancel", None).await.unwrap();
    assert!((200..300).contains(&r.status), "{r:?}");
    let cbs = receiver
        .wait_for(&format!("/cb/v2/payments/{}", p.order_id), 1, CALLBACK_WAIT)
        .await;
    assert_eq!(cbs.len(), 1, "{cbs:?}");
    let body = cbs[0].json();
    assert_eq!(body["transactionInfo"]["status"], "CANCELLED", "{body}");
    assert!(
        is_transaction_id(&body["transactionInfo"]["transactionId"]),
        "{body}"
    );
    assert!(body.get("errorInfo").is_none(), "{body}");
    assert_eq!(ctx.operations(&p.order_id).await[0], "CANCEL");
}

// ---------------------------------------------------------------------------------------------
// 17. Express via the app

#[tokio::test]
async fn d17_express_in_the_app_with_static_shipping() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the simulated app is driven through /__sim"
    );
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let p = ctx.initiate(Kind::Express).await;
    let r = sim.app(&p.token, "approve", None).await.unwrap();
    assert!((200..300).contains(&r.status), "{r:?}");
    let cbs = receiver
        .wait_for(&format!("/cb/v2/payments/{}", p.order_id), 1, CALLBACK_WAIT)
        .await;
    assert_eq!(cbs.len(), 1, "{cbs:?}");
    let body = cbs[0].json();
    assert_eq!(body["transactionInfo"]["status"], "RESERVE", "{body}");
    assert!(
        body["shippingDetails"]["address"]["zipCode"].is_string(),
        "{body}"
    );
    assert!(
        body["shippingDetails"]["address"].get("postCode").is_none(),
        "{body}"
    );
    assert!(
        body["shippingDetails"]["shippingMethodId"].is_string(),
        "{body}"
    );
    for field in ["firstName", "lastName", "email", "mobileNumber", "userId"] {
        assert!(body["userDetails"][field].is_string(), "{field}: {body}");
    }
    let d = ctx.details(&p.order_id).await;
    assert_eq!(log(&d)[0]["operation"], "RESERVE", "{d}");
    assert!(
        d["shippingDetails"]["address"]["postCode"].is_string(),
        "{d}"
    );
    assert!(d["shippingDetails"]["shippingMethod"].is_string(), "{d}");
    assert_eq!(d["userDetails"]["mobileNumber"], json!(ctx.mobile()), "{d}");
}

// ---------------------------------------------------------------------------------------------
// 18. Profile flow and userinfo

#[tokio::test]
async fn d18_profile_flow_gives_sub_and_userinfo_claims() {
    let ctx = ctx().await;
    let p = ctx.approved(Kind::Profile).await;
    // `sub` is added asynchronously (SW): poll briefly.
    let mut d = ctx.details(&p.order_id).await;
    for _ in 0..20 {
        if d["sub"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        d = ctx.details(&p.order_id).await;
    }
    let sub = d["sub"]
        .as_str()
        .unwrap_or_else(|| panic!("no sub: {d}"))
        .to_owned();
    assert!(d["userDetails"].is_object(), "{d}");
    let r = ctx.api.userinfo(&sub).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let claims = r.json();
    let mut keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.retain(|k| *k != "sid");
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "address",
            "birthdate",
            "email",
            "email_verified",
            "family_name",
            "given_name",
            "name",
            "other_addresses",
            "phone_number",
            "phone_number_verified",
            "sub"
        ],
        "exactly the claims of scope {:?}: {claims}",
        ctx.form(Kind::Profile).scopes.join(" ")
    );
    assert_eq!(claims["sub"], json!(sub));
    assert_eq!(claims["phone_number"], json!(format!("47{}", ctx.mobile())));

    // The key is optional on userinfo, but one that is sent must be valid (spec §1.3).
    let with_key = |key: &str| {
        ctx.api
            .userinfo_request(&sub)
            .with_header(headers::SUBSCRIPTION_KEY, key)
    };
    let r = ctx
        .api
        .send(with_key(&ctx.api.target().subscription_key))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "with the key: {}", r.describe());
    let r = ctx
        .api
        .send(with_key("0000000000000000000000000000dead"))
        .await
        .unwrap();
    assert_eq!(r.status, 401, "with a wrong key: {}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// 19. QR

#[tokio::test]
async fn d19_qr_formats_and_public_images() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    for (accept, want_type) in [
        ("image/png", Some("image/png")),
        ("image/svg+xml", Some("image/svg+xml")),
        ("text/targetUrl", None),
    ] {
        let r = ctx.api.qr(&p.url, accept).await.unwrap();
        assert_eq!(r.status, 200, "{accept}: {}", r.describe());
        let j = r.json();
        let expires = j["expiresIn"].as_i64().unwrap();
        assert!(
            (1..=300).contains(&expires),
            "{accept}: expiresIn {expires}"
        );
        let url = j["url"].as_str().unwrap();
        if let Some(want) = want_type {
            let img = ctx.api.open(url).await.unwrap();
            assert_eq!(
                img.status,
                200,
                "{accept}: image needs no auth: {}",
                img.describe()
            );
            assert!(
                img.header("content-type")
                    .unwrap_or_default()
                    .starts_with(want),
                "{accept}: {:?}",
                img.headers
            );
            if want == "image/png" {
                assert!(img.body.starts_with(b"\x89PNG"), "png bytes");
            } else {
                assert!(img.text().contains("<svg"), "svg text");
            }
        }
    }
}

#[tokio::test]
async fn d19_qr_errors_bad_token_and_order_timeout() {
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let bad = format!("{}x", p.url);
    let r = ctx.api.qr(&bad, "image/png").await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.json()["title"], "Validation error", "{}", r.describe());

    let sim = need!(ctx.sim.as_ref(), "expiry needs /__sim/clock");
    let ok = ctx.api.qr(&p.url, "image/png").await.unwrap();
    let image = ok.json()["url"].as_str().unwrap().to_owned();
    sim.advance(301).await.unwrap();
    let r = ctx.api.qr(&p.url, "image/png").await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.json()["title"], "Order timeout", "{}", r.describe());
    let img = ctx.api.open(&image).await.unwrap();
    assert_eq!(img.status, 404, "expired image: {}", img.describe());
}

// ---------------------------------------------------------------------------------------------
// 20. Rate limits

#[tokio::test]
async fn d20_rate_limits_initiate_and_capture() {
    let ctx = ctx().await;
    let body = ctx.body(Kind::Regular);
    let first = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(first.status, 200, "{}", first.describe());
    let second = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(second.status, 400, "duplicate: {}", second.describe());
    let third = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(third.status, 429, "{}", third.describe());
    assert_eq!(
        third.json()["statusCode"],
        429,
        "format B: {}",
        third.describe()
    );

    let p = ctx.reserved(20000).await;
    for i in 0..5 {
        let r = ctx
            .api
            .capture(&p.order_id, Some(100), Some(&format!("k{i}")))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "capture {i}: {}", r.describe());
    }
    let r = ctx
        .api
        .capture(&p.order_id, Some(100), Some("k5"))
        .await
        .unwrap();
    assert_eq!(r.status, 429, "{}", r.describe());
    assert_eq!(summary(&ctx.details(&p.order_id).await)[0], 500);
}

// ---------------------------------------------------------------------------------------------
// 21. Long-term rules

#[tokio::test]
async fn d21_personal_data_expires_after_7_days() {
    let ctx = ctx().await;
    let sim = need!(ctx.sim.as_ref(), "needs /__sim/clock and the simulated app");
    let p = ctx.initiate(Kind::Express).await;
    let r = sim.app(&p.token, "approve", None).await.unwrap();
    assert!((200..300).contains(&r.status), "{r:?}");
    let d = ctx.details(&p.order_id).await;
    assert_eq!(d["userDetails"]["firstName"], "Ada", "{d}");
    sim.advance(7 * 24 * 3600 + 60).await.unwrap();
    ctx.api.login().await.unwrap();
    let d = ctx.details(&p.order_id).await;
    for field in ["firstName", "lastName", "email", "mobileNumber"] {
        assert_eq!(d["userDetails"][field], "[Expired]", "{field}: {d}");
    }
    assert_eq!(
        d["shippingDetails"]["address"]["addressLine1"], "[Expired]",
        "{d}"
    );
}

#[tokio::test]
async fn d21_capture_cancel_after_180_days_and_refund_after_365_days() {
    let ctx = ctx().await;
    let sim = need!(ctx.sim.as_ref(), "needs /__sim/clock");
    let to_capture = ctx.reserved(20000).await;
    let to_cancel = ctx.reserved(20000).await;
    let to_refund = ctx.reserved(20000).await;
    assert_eq!(
        ctx.api
            .capture(&to_refund.order_id, None, Some("c"))
            .await
            .unwrap()
            .status,
        200
    );
    sim.advance(181 * 24 * 3600).await.unwrap();
    ctx.api.login().await.unwrap();
    let r = ctx
        .api
        .capture(&to_capture.order_id, None, Some("c"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "98"), "{}", r.describe());
    let r = ctx.api.cancel(&to_cancel.order_id, None).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "98"), "{}", r.describe());
    // Still within 365 days: a partial refund works.
    let r = ctx
        .api
        .refund(&to_refund.order_id, Some(100), Some("r1"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    sim.advance(185 * 24 * 3600).await.unwrap();
    ctx.api.login().await.unwrap();
    let r = ctx
        .api
        .refund(&to_refund.order_id, Some(100), Some("r2"))
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("Payment", "95"), "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// Beyond the checklist: other documented rows of spec §3.1.5, §3.7, §4.5, §6.3 and §6.5.

#[tokio::test]
async fn dx_initiate_merchant_and_user_errors() {
    let ctx = ctx().await;
    // nin without permission: 403 Merchant 51 (G).
    let mut body = ctx.body(Kind::Regular);
    body["transaction"]["scope"] = json!("name nin");
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(r.has_error("Merchant", "51"), "{}", r.describe());
    // skipLandingPage on a sales unit that is not whitelisted: Merchant 38.
    let mut body = ctx.body(Kind::Regular);
    body["transaction"]["skipLandingPage"] = json!(true);
    let r = ctx.api.initiate(&body).await.unwrap();
    assert!((400..500).contains(&r.status), "{}", r.describe());
    assert!(r.has_error("Merchant", "38"), "{}", r.describe());
    // A number that is not a Vipps user: User 81.
    let mut body = ctx.body(Kind::Regular);
    body["customerInfo"]["mobileNumber"] = json!("99999999");
    let r = ctx.api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.has_error("User", "81"), "{}", r.describe());

    let login_only = need!(ctx.login_only.clone(), "needs a login-only sales unit");
    let api = common::merchant_api(&ctx, &login_only).await;
    let r = api
        .initiate(&common::body_for(&ctx, &login_only.msn))
        .await
        .unwrap();
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(r.has_error("Merchant", "97"), "{}", r.describe());
}

#[tokio::test]
async fn dx_skip_landing_page_needs_a_mobile_number() {
    let ctx = ctx().await;
    let direct = need!(ctx.direct.clone(), "needs a whitelisted sales unit");
    let api = common::merchant_api(&ctx, &direct).await;
    let mut body = common::body_for(&ctx, &direct.msn);
    body["transaction"]["skipLandingPage"] = json!(true);
    body["customerInfo"]
        .as_object_mut()
        .unwrap()
        .remove("mobileNumber");
    let r = api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.errors()
            .iter()
            .any(|(g, _, _)| g.eq_ignore_ascii_case("InvalidRequest")),
        "{}",
        r.describe()
    );
    let mut body = common::body_for(&ctx, &direct.msn);
    body["transaction"]["skipLandingPage"] = json!(true);
    let r = api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 200, "whitelisted: {}", r.describe());
}

#[tokio::test]
async fn dx_direct_capture_gives_sale() {
    let ctx = ctx().await;
    let direct = need!(ctx.direct.clone(), "needs a direct-capture sales unit");
    let receiver = need!(ctx.receiver.as_ref(), "callbacks need a loopback receiver");
    let api = common::merchant_api(&ctx, &direct).await;
    let body = common::body_for(&ctx, &direct.msn);
    let r = api.initiate(&body).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let order = body["transaction"]["orderId"].as_str().unwrap();
    let token = landing_token(r.json()["url"].as_str().unwrap()).unwrap();
    let r = api
        .approve(order, Some(&ctx.mobile()), Some(&token))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let d = api.details(order).await.unwrap().json();
    assert_eq!(log(&d)[0]["operation"], "SALE", "{d}");
    let cbs = receiver
        .wait_for(&format!("/cb/v2/payments/{order}"), 1, CALLBACK_WAIT)
        .await;
    assert_eq!(cbs.len(), 1, "{cbs:?}");
    assert_eq!(cbs[0].json()["transactionInfo"]["status"], "SALE");
    // Already captured: nothing left to capture, and it cannot be cancelled.
    let r = api.capture(order, None, Some("c")).await.unwrap();
    assert!(r.has_error("Payment", "61"), "{}", r.describe());
    let r = api.cancel(order, None).await.unwrap();
    assert!(r.has_error("Payment", "51"), "{}", r.describe());
    let r = api.refund(order, None, Some("r")).await.unwrap();
    assert_eq!(r.status, 200, "a sale can be refunded: {}", r.describe());
}

#[tokio::test]
async fn dx_status_endpoint_reports_user_outcomes() {
    // G21 §Get payment status: timeout → REJECTED, user cancel → CANCEL, card failure → FAILED.
    let ctx = ctx().await;
    let sim = need!(ctx.sim.as_ref(), "needs /__sim to drive the user side");
    let cancelled = ctx.initiate(Kind::Regular).await;
    assert_eq!(
        sim.app(&cancelled.token, "cancel", None)
            .await
            .unwrap()
            .status,
        200
    );
    let failed = ctx.initiate(Kind::Regular).await;
    assert_eq!(
        sim.app(&failed.token, "fail?code=42", None)
            .await
            .unwrap()
            .status,
        200
    );
    let timed_out = ctx.initiate(Kind::Regular).await;
    sim.advance(301).await.unwrap();
    for (p, want) in [
        (&cancelled, "CANCEL"),
        (&failed, "FAILED"),
        (&timed_out, "REJECTED"),
    ] {
        let r = ctx.api.status(&p.order_id).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.describe());
        assert_eq!(
            r.json()["transactionInfo"]["status"],
            want,
            "{}",
            r.describe()
        );
    }
}

#[tokio::test]
async fn dx_dynamic_shipping_asks_the_merchant() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "the simulated app is driven through /__sim"
    );
    let receiver = need!(
        ctx.receiver.as_ref(),
        "shipping requests need a loopback receiver"
    );
    let mut body = ctx.body(Kind::Express);
    body["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("staticShippingDetails");
    body["merchantInfo"]["shippingDetailsPrefix"] = json!(receiver.url("/ship"));
    let p = ctx.initiate_body(body).await;
    let r = sim.app(&p.token, "approve", None).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let asked = receiver.matching(&format!("/ship/v2/payments/{}/shippingDetails", p.order_id));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].method, "POST");
    assert_eq!(asked[0].headers.get("authorization"), Some(&p.auth_token));
    let req = asked[0].json();
    assert!(req["addressId"].is_i64(), "{req}");
    assert!(req["postCode"].is_string(), "{req}");
    let d = ctx.details(&p.order_id).await;
    // The merchant's default method ("Running", 199 NOK) was preselected.
    assert_eq!(d["shippingDetails"]["shippingMethodId"], "321abc", "{d}");
}

#[tokio::test]
async fn dx_consent_removal_calls_the_merchant() {
    let ctx = ctx().await;
    let sim = need!(
        ctx.sim.as_ref(),
        "consent removal is triggered through /__sim"
    );
    let receiver = need!(ctx.receiver.as_ref(), "needs a loopback receiver");
    let p = ctx.initiate(Kind::Express).await;
    assert_eq!(
        sim.app(&p.token, "approve", None).await.unwrap().status,
        200
    );
    let user_id = ctx.details(&p.order_id).await["userDetails"]["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let encoded: String = user_id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let r = sim.remove_consent(&ctx.msn(), &encoded).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let got = receiver
        .wait_for("/consent/v2/consents/", 1, CALLBACK_WAIT)
        .await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].method, "DELETE");
    assert_eq!(
        got[0].path.to_ascii_uppercase(),
        format!("/consent/v2/consents/{encoded}").to_ascii_uppercase(),
        "userId URL-encoded"
    );
}

// ---------------------------------------------------------------------------------------------
// Other documented rows

#[tokio::test]
async fn dx_phone_numbers_are_corrected_before_the_user_is_looked_up() {
    // Spec §3.1.1 (KB-errors §81): "Vipps attempts to correct incorrectly formatted phone
    // numbers instead of responding with HTTP 400". Force approve takes the same numbers.
    let ctx = ctx().await;
    let n = ctx.mobile();
    for written in [
        format!("+47{n}"),
        format!("{} {} {}", &n[..3], &n[3..5], &n[5..]),
        format!("+47 {} {} {}", &n[..3], &n[3..5], &n[5..]),
        format!("0047{n}"),
    ] {
        let mut body = ctx.body(Kind::Regular);
        body["customerInfo"]["mobileNumber"] = json!(written);
        let p = ctx.initiate_body(body).await;
        let r = ctx
            .api
            .approve(&p.order_id, Some(&written), Some(&p.token))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "force approve {written:?}: {}", r.describe());
        assert!(reserved(&ctx.details(&p.order_id).await), "{written:?}");
    }
    // Nine digits are not a Norwegian number: still InvalidRequest (spec §13 item 4).
    for nine in ["912345678", "+47 912 34 5678"] {
        let mut body = ctx.body(Kind::Regular);
        body["customerInfo"]["mobileNumber"] = json!(nine);
        let r = ctx.api.initiate(&body).await.unwrap();
        assert_eq!(r.status, 400, "{nine:?}: {}", r.describe());
        assert!(
            r.has_error("InvalidRequest", "customerInfo.mobileNumber"),
            "{nine:?}: {}",
            r.describe()
        );
    }
}

#[tokio::test]
async fn dx_merchant_serial_number_null_is_an_invalid_field() {
    // SW `MerchantInfoPayment`: merchantSerialNumber is a required string; null is not one.
    let ctx = ctx().await;
    let p = ctx.reserved(20_000).await;
    let body = json!({
        "merchantInfo": {"merchantSerialNumber": null},
        "transaction": {"transactionText": "null MSN"},
    });
    let key = Some("null-msn");
    for req in [
        ctx.api.capture_request(&p.order_id, &body, key),
        ctx.api.refund_request(&p.order_id, &body, key),
        ctx.api
            .cancel_request(&p.order_id, &body)
            .with_header(headers::REQUEST_ID, "null-msn"),
    ] {
        let path = req.path.clone();
        let r = ctx.api.send(req).await.unwrap();
        assert_eq!(r.status, 400, "{path}: {}", r.describe());
        assert!(
            r.has_error("InvalidRequest", "merchantInfo.merchantSerialNumber"),
            "{path}: {}",
            r.describe()
        );
    }
    assert_eq!(summary(&ctx.details(&p.order_id).await), [0, 20_000, 0, 0]);
    let mut body = ctx.body(Kind::Regular);
    body["merchantInfo"]["merchantSerialNumber"] = Value::Null;
    let r = ctx.api.initiate(&body).await.unwrap();
    assert!(
        r.has_error("InvalidRequest", "merchantInfo.merchantSerialNumber"),
        "initiate: {}",
        r.describe()
    );
}

#[tokio::test]
async fn dx_fresh_initiate_entry_has_no_request_id() {
    // The real MT body of ISS#206 (spec §5.3): the INITIATE entry has no requestId field.
    let ctx = ctx().await;
    let p = ctx.initiate(Kind::Regular).await;
    let d = ctx.details(&p.order_id).await;
    assert!(log(&d)[0].get("requestId").is_none(), "{d}");
    ctx.force_approve(&p).await;
    let r = ctx
        .api
        .capture(&p.order_id, None, Some("cap-x"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    let d = ctx.details(&p.order_id).await;
    let entries = log(&d);
    assert_eq!(entries[0]["requestId"], "cap-x", "{d}");
    let initiate = entries
        .iter()
        .find(|e| e["operation"] == "INITIATE")
        .unwrap();
    assert!(initiate.get("requestId").is_none(), "{d}");
}
