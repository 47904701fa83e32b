//! Gateway checks (spec §1.4) and initiate (spec §3.1) over real HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use common::{code, credentials, initiate_body, order_id, set_header, without_header, Sandbox};
use ecom_core::demo;
use ecom_core::payment::{details_request, initiate_request};
use ecom_core::wire::headers;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn gateway_checks_in_order() {
    let sb = common::start().await;
    let token = sb.token().await;
    let body = initiate_body(&order_id("gw"), 1000);

    // The app's initiate request, each time with one explicit edit.
    let app = sb.initiate_request(&token, &body);
    // 1. No subscription key: format B.
    let (s, b) =
        Sandbox::send(sb.core(&without_header(app.clone(), headers::SUBSCRIPTION_KEY))).await;
    assert_eq!(s, 401);
    assert!(b["message"]
        .as_str()
        .unwrap()
        .contains("missing subscription key"));
    // 2. Unknown key.
    let (s, b) =
        Sandbox::send(sb.core(&set_header(app.clone(), headers::SUBSCRIPTION_KEY, "x"))).await;
    assert_eq!(s, 401);
    assert!(b["message"]
        .as_str()
        .unwrap()
        .contains("invalid subscription key"));
    // 3. Missing, malformed or lower-case bearer token: format C.
    for auth in [
        None,
        Some("Bearer nonsense"),
        Some(format!("bearer {token}").as_str()),
        Some(token.as_str()),
    ] {
        let edited = match auth {
            Some(a) => set_header(app.clone(), headers::AUTHORIZATION, a),
            None => without_header(app.clone(), headers::AUTHORIZATION),
        };
        let (s, b) = Sandbox::send(sb.core(&edited)).await;
        assert_eq!(s, 401, "{auth:?}");
        assert_eq!(b["responseInfo"]["responseCode"], 401);
        assert_eq!(
            b["result"]["message"],
            "Something went wrong, please try again later."
        );
    }
    // 4. Token of another merchant's key.
    let other = &ecom_sandbox::SandboxConfig::default().merchants[1];
    let (s, b) = Sandbox::send(sb.core(&set_header(
        app.clone(),
        headers::SUBSCRIPTION_KEY,
        &other.subscription_key,
    )))
    .await;
    assert_eq!(s, 401);
    assert!(b["responseInfo"].is_object());
    // 5. MSN header differs from the token's.
    let (s, b) = Sandbox::send(sb.core(&set_header(
        app.clone(),
        headers::MERCHANT_SERIAL_NUMBER,
        "654321",
    )))
    .await;
    assert_eq!(s, 403);
    assert!(b[0]["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with("Invalid MSN: 654321"));
    // Expired token after 3600 s of simulated time.
    sb.advance(3600).await;
    let (s, b) = sb.initiate(&token, &body).await;
    assert_eq!(s, 401);
    assert!(b["responseInfo"].is_object());
    let fresh = sb.token().await;
    let (s, _) = sb.initiate(&fresh, &body).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn postman_bodies_succeed_and_url_splits_to_the_token() {
    let sb = common::start().await;
    let token = sb.token().await;
    let regular = initiate_body(
        &format!("{}{}", demo::MERCHANT_SERIAL_NUMBER, 1_700_000_000_000u64),
        49900,
    );
    let mut express = initiate_body(&order_id("exp"), 49900);
    express["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/consent-removal");
    express["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    express["merchantInfo"]["shippingDetailsPrefix"] = json!("https://example.com/shipping");
    express["merchantInfo"]["staticShippingDetails"] = json!([
        {"isDefault": "Y", "priority": 1, "shippingCost": 30, "shippingMethod": "Postman Method 1", "shippingMethodId": "shippingMethodId1"},
        {"isDefault": "N", "priority": 2, "shippingCost": 100, "shippingMethod": "Postman Method 2", "shippingMethodId": "shippingMethodId2"}
    ]);
    let mut profile = initiate_body(&order_id("prof"), 49900);
    profile["transaction"]["scope"] = json!("address name email birthDate phoneNumber");
    for body in [regular, express, profile] {
        // Postman sends a trailing slash.
        let (s, b) = Sandbox::send(
            sb.api(Method::POST, "/ecomm/v2/payments/", &token)
                .json(&body),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["orderId"], body["transaction"]["orderId"]);
        let url = b["url"].as_str().unwrap();
        assert!(url.starts_with(&format!(
            "{}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=",
            sb.base
        )));
        let t = common::landing_token(url);
        assert!(url.ends_with(&t) && !t.is_empty() && !t.contains('='));
        assert_eq!(t.split('.').count(), 3);
    }
    let mut app = initiate_body(&order_id("app"), 1000);
    app["merchantInfo"]["isApp"] = json!(true);
    app["merchantInfo"]["fallBack"] = json!("myshop://result");
    let (s, b) = sb.initiate(&token, &app).await;
    assert_eq!(s, 200);
    assert!(b["url"].as_str().unwrap().starts_with("vippsMT://?token="));
}

#[tokio::test]
async fn script_fallbacks_are_refused_custom_schemes_are_not() {
    let sb = common::start().await;
    let t = &sb.token().await;
    for is_app in [false, true] {
        for fb in [
            "javascript:alert(document.domain)",
            "JAVASCRIPT:alert(1)",
            "  javascript:alert(1)",
            "\u{1}\u{1f} javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "blob:https://example.com/0b7e",
            "file:///etc/passwd",
        ] {
            let mut body = initiate_body(&order_id("xss"), 1000);
            body["merchantInfo"]["fallBack"] = json!(fb);
            body["merchantInfo"]["isApp"] = json!(is_app);
            let (s, b) = sb.initiate(t, &body).await;
            assert_eq!(
                (s, code(&b).as_str()),
                (400, "merchantInfo.fallBack"),
                "isApp {is_app}, {fb:?} -> {b}"
            );
            assert_eq!(b[0]["errorGroup"], "InvalidRequest", "{b}");
            assert!(
                b[0]["errorMessage"]
                    .as_str()
                    .unwrap()
                    .contains("custom app scheme"),
                "{b}"
            );
        }
    }
    for fb in ["myapp://result", "INTENT", "https://example.com/fb"] {
        let mut body = initiate_body(&order_id("fb"), 1000);
        body["merchantInfo"]["fallBack"] = json!(fb);
        let (s, b) = sb.initiate(t, &body).await;
        assert_eq!(s, 200, "{fb:?} -> {b}");
    }
}

/// Applies `edit` to a valid body and expects `status` with `code`.
async fn expect_error(
    sb: &Sandbox,
    token: &str,
    edit: impl Fn(&mut Value),
    status: u16,
    want_code: &str,
) {
    let mut body = initiate_body(&order_id("v"), 1000);
    edit(&mut body);
    let (s, b) = sb.initiate(token, &body).await;
    assert_eq!((s, code(&b).as_str()), (status, want_code), "{body} -> {b}");
    assert!(
        b[0]["contextId"].as_str().is_some_and(|c| c.len() == 36),
        "{b}"
    );
    assert!(!b[0]["errorMessage"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn initiate_validation_errors() {
    let sb = common::start().await;
    let token = sb.token().await;
    let t = &token;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["orderId"] = json!("a".repeat(51)),
        400,
        "transaction.orderId",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["orderId"] = json!("order_1"),
        400,
        "transaction.orderId",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["amount"] = json!(99),
        400,
        "transaction.amount",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["amount"] = json!("100"),
        400,
        "transaction.amount",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["transactionText"] = json!("x".repeat(101)),
        400,
        "transaction.transactionText",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["callbackPrefix"] = json!("http://example.com/cb"),
        400,
        "merchantInfo.callbackPrefix",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["callbackPrefix"] = json!("https://localhost/cb"),
        400,
        "merchantInfo.callbackPrefix",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| {
            b["merchantInfo"]
                .as_object_mut()
                .unwrap()
                .remove("fallBack");
        },
        400,
        "merchantInfo.fallBack",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["fallBack"] = json!("http://example.com/fb"),
        400,
        "merchantInfo.fallBack",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["customerInfo"]["mobileNumber"] = json!("912345678"),
        400,
        "customerInfo.mobileNumber",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| {
            b.as_object_mut().unwrap().remove("customerInfo");
        },
        400,
        "customerInfo",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["paymentType"] = json!("ecomm Express Payment"),
        400,
        "merchantInfo.paymentType",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["paymentType"] = json!("eComm Express Payment"),
        400,
        "merchantInfo.consentRemovalPrefix",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| {
            b["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
            b["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/c");
            b["merchantInfo"]["shippingDetailsPrefix"] = json!("https://example.com/s");
            b["transaction"]["scope"] = json!("name");
        },
        400,
        "transaction.scope",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["staticShippingDetails"] = json!([{"isDefault": "maybe"}]),
        400,
        "merchantInfo.staticShippingDetails",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["scope"] = json!("name shoeSize"),
        400,
        "transaction.scope",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["additionalData"] = json!({"passengerName": "Ada"}),
        400,
        "transaction.additionalData.airlineCode",
    )
    .await;
    // Business rules.
    expect_error(
        &sb,
        t,
        |b| b["customerInfo"]["mobileNumber"] = json!("99999999"),
        400,
        "81",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["scope"] = json!("name nin"),
        403,
        "51",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["skipLandingPage"] = json!(true),
        400,
        "38",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["merchantSerialNumber"] = json!("654321"),
        403,
        "Merchant-Serial-Number",
    )
    .await;
    // What MT answers with a 500.
    expect_error(
        &sb,
        t,
        |b| b["merchantInfo"]["merchantSerialNumber"] = json!(123456),
        500,
        "99",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| b["transaction"]["amount"] = json!(100.5),
        500,
        "99",
    )
    .await;
    expect_error(
        &sb,
        t,
        |b| {
            let fb = b["merchantInfo"]
                .as_object_mut()
                .unwrap()
                .remove("fallBack")
                .unwrap();
            b["merchantInfo"]["fallback"] = fb;
        },
        500,
        "99",
    )
    .await;
    let r = sb
        .api(Method::POST, "/ecomm/v2/payments", t)
        .header("Content-Type", "application/json")
        .body("{\"merchantInfo\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers()["x-sandbox-detail"]
        .to_str()
        .unwrap()
        .contains("malformed JSON"));
    let (s, b) = Sandbox::send(
        sb.api(Method::POST, "/ecomm/v2/payments", t)
            .header("Content-Type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!((s, b["statusCode"].as_u64()), (415, Some(415)));
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(200_000));
    let (s, b) = Sandbox::send(
        sb.api(Method::POST, "/ecomm/v2/payments", t)
            .header("Content-Type", "application/json")
            .body(big),
    )
    .await;
    assert_eq!((s, b["statusCode"].as_u64()), (413, Some(413)));
    // Allowed extras: unknown fields, useExplicitCheckoutFlow, timeStamp, valid additionalData.
    let mut ok = initiate_body(&order_id("ok"), 100);
    ok["transaction"]["useExplicitCheckoutFlow"] = json!(true);
    ok["transaction"]["timeStamp"] = json!("2018-11-14T15:21:04.697Z");
    ok["transaction"]["additionalData"] = json!({"passengerName": "Ada", "airlineCode": "123", "airlineDesignatorCode": "AB", "agencyInvoiceNumber": "123456"});
    ok["somethingNew"] = json!(1);
    let (s, b) = sb.initiate(t, &ok).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn duplicate_order_id_and_other_msn() {
    let sb = common::start().await;
    let token = sb.token().await;
    let id = order_id("dup");
    sb.initiate_ok(&token, &id, 1000).await;
    let (s, b) = sb.initiate(&token, &initiate_body(&id, 1000)).await;
    assert_eq!((s, code(&b).as_str()), (400, "34"));
    // The same orderId is free under another MSN.
    let other = &ecom_sandbox::SandboxConfig::default().merchants[1];
    let other = credentials(other);
    let other_token = sb.token_for(&other).await;
    let mut body = initiate_body(&id, 1000);
    body["merchantInfo"]["merchantSerialNumber"] = json!(other.merchant_serial_number);
    let (s, b) =
        Sandbox::send(sb.core(&initiate_request(&other, &body).authorized(&other_token))).await;
    assert_eq!(s, 200, "{b}");
    // And the demo merchant cannot see it (404 Merchant 35 for another MSN's order is tested in lifecycle).
    let (s, b) = sb.details(&token, &id).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn login_only_merchant_cannot_take_payments() {
    let sb = common::start().await;
    let m = &ecom_sandbox::SandboxConfig::default().merchants[2];
    let m = credentials(m);
    let t = sb.token_for(&m).await;
    let mut body = initiate_body(&order_id("login"), 1000);
    body["merchantInfo"]["merchantSerialNumber"] = json!(m.merchant_serial_number);
    let (s, b) = Sandbox::send(sb.core(&initiate_request(&m, &body).authorized(&t))).await;
    assert_eq!((s, code(&b).as_str()), (403, "97"));
}

#[tokio::test]
async fn initiate_rate_limit_and_switch() {
    let sb = common::start().await;
    let token = sb.token().await;
    let id = order_id("rl");
    let body = initiate_body(&id, 1000);
    let (s1, _) = sb.initiate(&token, &body).await;
    let (s2, _) = sb.initiate(&token, &body).await;
    let (s3, b3) = sb.initiate(&token, &body).await;
    assert_eq!((s1, s2, s3), (200, 400, 429));
    assert_eq!(b3["statusCode"], 429);
    assert!(b3["message"]
        .as_str()
        .unwrap()
        .starts_with("Rate limit is exceeded"));
    sb.advance(61).await;
    let (s, _) = sb.initiate(&token, &body).await;
    assert_eq!(s, 400, "window passed: duplicate again, not 429");
    let (s, b) = sb
        .sim(Method::PATCH, "/config", Some(json!({"rateLimits": false})))
        .await;
    assert_eq!((s, b["rateLimits"].as_bool()), (200, Some(false)));
    let token = sb.token().await;
    for _ in 0..5 {
        let (s, _) = sb.initiate(&token, &body).await;
        assert_eq!(s, 400);
    }
}

/// Express body with `n` static shipping options.
fn express_body(n: usize) -> Value {
    let mut body = initiate_body(&order_id("exp"), 1000);
    body["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    body["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/consent");
    body["merchantInfo"]["staticShippingDetails"] = (0..n)
        .map(|i| {
            json!({"isDefault": if i == 0 { "Y" } else { "N" }, "priority": i,
                   "shippingCost": 30, "shippingMethod": format!("Method {i}"),
                   "shippingMethodId": format!("m{i}")})
        })
        .collect();
    body
}

// Issue 9: fallBack is an allow-list, not a deny-list.
#[tokio::test]
async fn fallback_is_an_allow_list_of_web_urls_intent_and_plain_app_schemes() {
    let sb = common::start().await;
    let t = &sb.token().await;
    // (fallBack, isApp, accepted)
    let table: &[(&str, bool, bool)] = &[
        ("https://example.com/fb", false, true),
        ("HTTPS://EXAMPLE.COM/fb", false, true),
        ("http://127.0.0.1:9/fb", false, true),
        ("http://localhost:9/fb", false, true),
        ("INTENT", false, true),
        ("myapp://result", false, true),
        ("myapp://result", true, true),
        ("my-app.v2+x://done?order=1", true, true),
        ("http://example.com/fb", true, true),
        ("http://example.com/fb", false, false),
        ("http://foo.localhost/fb", false, false),
        ("about:blank", false, false),
        ("about:blank", true, false),
        ("about://blank", true, false),
        ("view-source:https://example.com", false, false),
        ("view-source:https://example.com", true, false),
        ("intent://scan/#Intent;scheme=zxing;end", false, false),
        ("intent://scan/#Intent;scheme=zxing;end", true, false),
        ("ms-msdt:/id PCWDiagnostic", true, false),
        ("ms-msdt://id", true, false),
        ("search-ms:query=x", true, false),
        ("search-ms://query=x", true, false),
        ("filesystem:https://example.com/temporary/x", true, false),
        ("javascript://%0aalert(1)", true, false),
        ("file:///etc/passwd", true, false),
        ("chrome://settings", true, false),
        ("MyApp://result", true, false),
        ("myapp:result", true, false),
        ("myapp://a b", true, false),
        ("https://", false, false),
        ("https:///path", false, false),
        ("relative/path", true, false),
        ("", false, false),
    ];
    for &(fb, is_app, accepted) in table {
        let mut body = initiate_body(&order_id("fb"), 1000);
        body["merchantInfo"]["fallBack"] = json!(fb);
        body["merchantInfo"]["isApp"] = json!(is_app);
        let (s, b) = sb.initiate(t, &body).await;
        if accepted {
            assert_eq!(s, 200, "isApp {is_app}, {fb:?} -> {b}");
        } else {
            assert_eq!(
                (s, b[0]["errorGroup"].as_str(), code(&b).as_str()),
                (400, Some("InvalidRequest"), "merchantInfo.fallBack"),
                "isApp {is_app}, {fb:?} -> {b}"
            );
        }
    }
    // At most MAX_URL_LEN characters.
    let long = format!(
        "https://example.com/{}",
        "a".repeat(ecom_core::validate::MAX_URL_LEN)
    );
    let mut body = initiate_body(&order_id("fb"), 1000);
    body["merchantInfo"]["fallBack"] = json!(long[..ecom_core::validate::MAX_URL_LEN]);
    assert_eq!(sb.initiate(t, &body).await.0, 200);
    body["transaction"]["orderId"] = json!(order_id("fb"));
    body["merchantInfo"]["fallBack"] = json!(long[..=ecom_core::validate::MAX_URL_LEN]);
    let (s, b) = sb.initiate(t, &body).await;
    assert_eq!(
        (s, code(&b).as_str()),
        (400, "merchantInfo.fallBack"),
        "{b}"
    );
}

#[tokio::test]
async fn callback_prefixes_are_https_or_literal_loopback() {
    for loopback in [false, true] {
        let sb = common::start_with(ecom_sandbox::SandboxConfig {
            allow_loopback_callbacks: loopback,
            ..Default::default()
        })
        .await;
        let t = &sb.token().await;
        let table: &[(&str, bool)] = &[
            ("https://example.com/cb", true),
            ("HTTPS://example.com/cb", true),
            ("http://example.com/cb", false),
            ("http://127.0.0.1:9/cb", loopback),
            ("http://127.5.6.7:9/cb", loopback),
            ("http://[::1]:9/cb", loopback),
            ("http://localhost:9/cb", loopback),
            ("https://localhost/cb", loopback),
            // Never resolved, so never taken for loopback, and not a public host either.
            ("http://foo.localhost:9/cb", false),
            ("https://foo.localhost/cb", false),
            ("about:blank", false),
            ("javascript://%0a", false),
            ("intent://x#Intent;end", false),
            ("myapp://cb", false),
            ("https://", false),
        ];
        for &(url, accepted) in table {
            for field in ["callbackPrefix", "consentRemovalPrefix"] {
                let mut body = express_body(2);
                body["merchantInfo"][field] = json!(url);
                let (s, b) = sb.initiate(t, &body).await;
                if accepted {
                    assert_eq!(s, 200, "loopback {loopback}, {field} {url:?} -> {b}");
                } else {
                    assert_eq!(
                        (s, code(&b)),
                        (400, format!("merchantInfo.{field}")),
                        "loopback {loopback}, {field} {url:?} -> {b}"
                    );
                }
            }
        }
        let mut body = initiate_body(&order_id("cb"), 1000);
        body["merchantInfo"]["callbackPrefix"] = json!("https://foo.localhost/cb");
        let (_, b) = sb.initiate(t, &body).await;
        assert!(
            b[0]["errorMessage"]
                .as_str()
                .unwrap()
                .contains(".localhost"),
            "{b}"
        );
    }
}

#[tokio::test]
async fn static_shipping_details_are_capped() {
    let sb = common::start().await;
    let t = &sb.token().await;
    let (s, b) = sb.initiate(t, &express_body(50)).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = sb.initiate(t, &express_body(51)).await;
    assert_eq!(
        (s, code(&b).as_str()),
        (400, "merchantInfo.staticShippingDetails"),
        "{b}"
    );
    assert!(
        b[0]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("at most 50"),
        "{b}"
    );
}

#[tokio::test]
async fn an_unknown_msn_is_told_which_msns_the_sandbox_knows() {
    let sb = common::start().await;
    let t = &sb.token().await;
    let mut body = initiate_body(&order_id("msn"), 1000);
    body["merchantInfo"]["merchantSerialNumber"] = json!("999999");
    let (s, b) = sb.initiate(t, &body).await;
    assert_eq!(s, 403, "{b}");
    let m = b[0]["errorMessage"].as_str().unwrap();
    assert!(
        m.starts_with("Invalid MSN: 999999. Check your API keys on portal.vipps.no"),
        "{m}"
    );
    for known in [
        "123456 (ACME Demo Shop)",
        "223344 (Direct Capture Kiosk)",
        "334455 (Login Only Unit)",
    ] {
        assert!(m.contains(known), "{m}");
    }
    // A known MSN that is not the token's is told which one the token is for.
    let (s, b) = Sandbox::send(sb.core(&set_header(
        details_request(&sb.creds, "x").authorized(t),
        headers::MERCHANT_SERIAL_NUMBER,
        "223344",
    )))
    .await;
    assert_eq!(s, 403, "{b}");
    let m = b[0]["errorMessage"].as_str().unwrap();
    assert!(m.starts_with("Invalid MSN: 223344."), "{m}");
    assert!(m.contains("token is for MSN 123456"), "{m}");
}

#[tokio::test]
async fn mobile_numbers_are_corrected_as_mt_does() {
    let sb = common::start().await;
    let t = &sb.token().await;
    for written in [
        "+4791234567",
        "912 34 567",
        "+47 912 34 567",
        "0047 91234567",
    ] {
        let id = order_id("tel");
        let mut body = initiate_body(&id, 1000);
        body["customerInfo"]["mobileNumber"] = json!(written);
        let (s, b) = sb.initiate(t, &body).await;
        assert_eq!(s, 200, "{written:?} -> {b}");
        let (_, v) = sb
            .sim(
                Method::GET,
                &format!("/payments/{}/{id}", demo::MERCHANT_SERIAL_NUMBER),
                None,
            )
            .await;
        assert_eq!(v["mobileNumber"], demo::MOBILE_NUMBER, "stored corrected");
    }
    for bad in ["912345678", "9123456", "+4691234567", "(+47) 91234567"] {
        let mut body = initiate_body(&order_id("tel"), 1000);
        body["customerInfo"]["mobileNumber"] = json!(bad);
        let (s, b) = sb.initiate(t, &body).await;
        assert_eq!(
            (s, code(&b).as_str()),
            (400, "customerInfo.mobileNumber"),
            "{bad:?} -> {b}"
        );
    }
    // Force approve reads customerPhoneNumber the same way.
    let id = order_id("tel");
    let mut body = initiate_body(&id, 1000);
    body["customerInfo"] = json!({});
    let (_, b) = sb.initiate(t, &body).await;
    let landing = common::landing_token(b["url"].as_str().unwrap());
    let (s, b) = Sandbox::send(sb.approve(
        t,
        &id,
        &json!({"customerPhoneNumber": "912345678", "token": landing}),
        None,
    ))
    .await;
    assert_eq!((s, code(&b).as_str()), (400, "customerPhoneNumber"), "{b}");
    let (s, b) = Sandbox::send(sb.approve(
        t,
        &id,
        &json!({"customerPhoneNumber": "+47 912 34 567", "token": landing}),
        None,
    ))
    .await;
    assert_eq!(s, 200, "{b}");
}
