//! Every response header value is ASCII (issue 9): header values are bytes that clients read
//! as Latin-1 or reject, so the sandbox-only `X-Sandbox-Detail` ("øre"), redirects to a
//! non-ASCII fallBack and everything else must be transliterated or encoded. This walks the
//! error paths a client can reach, plus the redirects.
#![allow(clippy::unwrap_used)]

mod common;

use common::{initiate_body, landing_token, order_id, set_header, without_header};
use ecom_core::payment::{details_request, initiate_request};
use ecom_core::token::access_token_request;
use ecom_core::wire::headers;
use reqwest::{Method, RequestBuilder};
use serde_json::json;

const LANDING: &str = "/dwo-api-application/v1/deeplink/vippsgateway";

/// Sends `rb` and checks every header value of the answer; returns status and headers.
async fn walk(what: &str, rb: RequestBuilder) -> (u16, reqwest::header::HeaderMap) {
    let r = rb.send().await.unwrap();
    for (name, value) in r.headers() {
        assert!(
            value
                .as_bytes()
                .iter()
                .all(|b| (0x20..0x7f).contains(b) || *b == b'\t'),
            "{what}: header {name} is not ASCII: {value:?}"
        );
    }
    (r.status().as_u16(), r.headers().clone())
}

#[tokio::test]
async fn every_header_value_on_every_error_path_is_ascii() {
    let sb = common::start().await;
    let t = sb.token().await;
    let payments = sb.url("/ecomm/v2/payments");
    let json_post = |body: &str| {
        sb.api(Method::POST, "/ecomm/v2/payments", &t)
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let mut detailed = 0;
    // 500 VippsError 99 with X-Sandbox-Detail.
    let mut non_integer = initiate_body(&order_id("h"), 1000);
    non_integer["transaction"]["amount"] = json!(100.5);
    let mut msn_number = initiate_body(&order_id("h"), 1000);
    msn_number["merchantInfo"]["merchantSerialNumber"] = json!(123_456);
    let mut misspelt = initiate_body(&order_id("h"), 1000);
    let fb = misspelt["merchantInfo"]
        .as_object_mut()
        .unwrap()
        .remove("fallBack")
        .unwrap();
    misspelt["merchantInfo"]["fallback"] = fb;
    for (what, body) in [
        ("malformed JSON", "{\"merchantInfo\": ø".to_owned()),
        ("non-integer amount in øre", non_integer.to_string()),
        ("MSN as a number", msn_number.to_string()),
        ("fallback misspelt", misspelt.to_string()),
        ("empty body", String::new()),
        ("not an object", "[1]".to_owned()),
    ] {
        let (s, h) = walk(what, json_post(&body)).await;
        assert_eq!(s, 500, "{what}");
        assert!(h.contains_key("x-sandbox-detail"), "{what}");
        detailed += 1;
    }
    assert_eq!(detailed, 6);
    let (_, h) = walk("øre", json_post(&non_integer.to_string())).await;
    assert_eq!(
        h["x-sandbox-detail"],
        "amount must be an integer number of ore"
    );

    // Gateway, access token and routing errors.
    // The app's requests, each with one explicit edit.
    let initiate = initiate_request(&sb.creds, &json!({}));
    let token_request = || access_token_request(&sb.creds);
    let cases: Vec<(&str, RequestBuilder)> = vec![
        (
            "no key",
            sb.core(&without_header(initiate.clone(), headers::SUBSCRIPTION_KEY)),
        ),
        (
            "bad key",
            sb.core(&set_header(
                initiate.clone(),
                headers::SUBSCRIPTION_KEY,
                "nope",
            )),
        ),
        ("bad token", sb.core(&initiate.authorized("x.y.z"))),
        (
            "foreign MSN",
            sb.core(&set_header(
                details_request(&sb.creds, "o").authorized(&t),
                headers::MERCHANT_SERIAL_NUMBER,
                "999999",
            )),
        ),
        (
            "token: no id",
            sb.core(&without_header(
                without_header(token_request(), headers::CLIENT_ID),
                headers::CLIENT_SECRET,
            )),
        ),
        ("token: unknown id", {
            let mut unknown = set_header(
                set_header(token_request(), headers::CLIENT_ID, "x"),
                headers::CLIENT_SECRET,
                "y",
            );
            unknown.path = "/accessToken/get".into();
            sb.core(&unknown)
        }),
        (
            "token: wrong secret",
            sb.core(&set_header(
                token_request(),
                headers::CLIENT_SECRET,
                "wrong",
            )),
        ),
        ("unknown path", sb.http.get(sb.url("/ecomm/v1/payments"))),
        ("wrong method", sb.http.get(&payments)),
        (
            "media type",
            sb.api(Method::POST, "/ecomm/v2/payments", &t)
                .header("content-type", "text/plain")
                .body("x"),
        ),
        (
            "too large",
            sb.api(Method::POST, "/ecomm/v2/payments", &t)
                .json(&json!({"x": "a".repeat(70_000)})),
        ),
        (
            "system header",
            sb.core(&set_header(
                initiate_request(&sb.creds, &initiate_body(&order_id("h"), 1000)).authorized(&t),
                headers::SYSTEM_NAME,
                &"x".repeat(31),
            )),
        ),
        (
            "unknown order",
            sb.api(Method::GET, "/ecomm/v2/payments/nope/details", &t),
        ),
        (
            "unknown order status",
            sb.api(Method::GET, "/ecomm/v2/payments/nope/status", &t),
        ),
        (
            "capture unknown",
            sb.api(Method::POST, "/ecomm/v2/payments/nope/capture", &t)
                .json(&json!({})),
        ),
        (
            "userinfo unknown",
            sb.api(Method::GET, "/vipps-userinfo-api/userinfo/nope", &t),
        ),
        (
            "qr bad accept",
            sb.api(Method::POST, "/qr/v1", &t)
                .header("Accept", "text/html")
                .json(&json!({"url": "x"})),
        ),
        (
            "qr bad url",
            sb.api(Method::POST, "/qr/v1", &t)
                .header("Accept", "image/png")
                .json(&json!({"url": "x"})),
        ),
        ("qr image gone", sb.http.get(sb.url("/qr-images/nope.png"))),
        ("landing no token", sb.http.get(sb.url(LANDING))),
        (
            "landing unknown token",
            sb.http.get(sb.url(&format!("{LANDING}?v=2&token=nope"))),
        ),
        (
            "landing bad form",
            sb.http
                .post(sb.url(&format!("{LANDING}/phone")))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("%%%"),
        ),
        (
            "wait unknown",
            sb.http.get(sb.url(&format!("{LANDING}/wait?token=nope"))),
        ),
        (
            "app unknown user",
            sb.http.get(sb.url("/vipps-app/user/99999999")),
        ),
        (
            "app unknown payment",
            sb.http.get(sb.url("/vipps-app/payment?token=nope")),
        ),
        (
            "app bad action",
            sb.http
                .post(sb.url("/vipps-app/action"))
                .form(&[("token", "nope"), ("action", "fly")]),
        ),
        (
            "sim unknown payment",
            sb.http.get(sb.url("/__sim/payments/123456/nope")),
        ),
        (
            "sim bad clock",
            sb.http
                .post(sb.url("/__sim/clock"))
                .json(&json!({"advanceSeconds": -1})),
        ),
        (
            "sim bad config",
            sb.http
                .patch(sb.url("/__sim/config"))
                .json(&json!({"allowLoopbackCallbacks": true})),
        ),
        (
            "sim bad fault",
            sb.http
                .post(sb.url("/__sim/faults"))
                .json(&json!({"endpoint": "ø"})),
        ),
        (
            "sim unknown user",
            sb.http
                .patch(sb.url("/__sim/users/99999999"))
                .json(&json!({})),
        ),
        (
            "sim landing",
            sb.http
                .post(sb.url("/__sim/landing/nope/phone"))
                .json(&json!({"phone": "ø"})),
        ),
    ];
    for (what, rb) in cases {
        let (s, _) = walk(what, rb).await;
        assert!(s >= 400, "{what}: {s}");
    }

    // Validation, business and rate-limit errors on a real payment.
    let id = order_id("h");
    let body = initiate_body(&id, 1000);
    let (_, b) = sb.initiate(&t, &body).await;
    let token = landing_token(b["url"].as_str().unwrap());
    let (s, h) = walk("duplicate", sb.core(&sb.initiate_request(&t, &body))).await;
    assert_eq!(s, 400);
    assert!(!h.contains_key("retry-after"));
    let (s, h) = walk("rate limit", sb.core(&sb.initiate_request(&t, &body))).await;
    assert_eq!(s, 429);
    assert!(h["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let mut bad = initiate_body(&order_id("h"), 99);
    bad["transaction"]["transactionText"] = json!("ø".repeat(101));
    walk("invalid", sb.core(&sb.initiate_request(&t, &bad))).await;
    for (what, path, body) in [
        (
            "capture in INITIATE",
            format!("/ecomm/v2/payments/{id}/capture"),
            json!({"merchantInfo": {"merchantSerialNumber": "123456"}, "transaction": {"transactionText": "ø"}}),
        ),
        (
            "refund in INITIATE",
            format!("/ecomm/v2/payments/{id}/refund"),
            json!({"merchantInfo": {"merchantSerialNumber": null}, "transaction": {"transactionText": "ø"}}),
        ),
        (
            "approve wrong token",
            format!("/ecomm/v2/integration-test/payments/{id}/approve"),
            json!({"customerPhoneNumber": "48059528", "token": "ø"}),
        ),
        (
            "approve unverified",
            format!("/ecomm/v2/integration-test/payments/{id}/approve"),
            json!({"customerPhoneNumber": "48059528", "token": token}),
        ),
    ] {
        let (s, _) = walk(what, sb.api(Method::POST, &path, &t).json(&body)).await;
        assert_eq!(s, 400, "{what}");
    }
    let (s, _) = walk(
        "landing unknown phone",
        sb.http
            .post(sb.url(&format!("{LANDING}/phone")))
            .form(&[("token", token.as_str()), ("phone", "øøø")]),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = walk(
        "app refuses consent",
        sb.http
            .post(sb.url(&format!("/__sim/app/{token}/approve")))
            .json(&json!({"phone": "9"})),
    )
    .await;
    assert_eq!(s, 400);

    // A fallBack with a non-ASCII host and path is redirected to in its ASCII form.
    let mut body = initiate_body(&order_id("h"), 1000);
    body["merchantInfo"]["fallBack"] = json!("https://blåbær.example/ferdig/ø?x=æ");
    let (s, b) = sb.initiate(&t, &body).await;
    assert_eq!(s, 200, "{b}");
    let token = landing_token(b["url"].as_str().unwrap());
    let (s, h) = walk(
        "redirect",
        sb.http
            .post(sb.url(&format!("{LANDING}/cancel")))
            .form(&[("token", token.as_str())]),
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        h["location"],
        "https://xn--blbr-roah.example/ferdig/%C3%B8?x=%C3%A6"
    );
}
