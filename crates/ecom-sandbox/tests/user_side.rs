//! The user side over HTTP: landing page and simulated app (HTML forms), express checkout,
//! profile sharing and userinfo, QR codes, and callbacks delivered to a loopback merchant.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{delete, post};
use axum::{Json, Router};
use common::{credentials, initiate_body, order_id, set_header, Sandbox};
use ecom_core::demo;
use ecom_core::payment::{
    details_request, initiate_request, qr_request, userinfo_request, QrFormat,
};
use ecom_core::wire::headers;
use reqwest::Method;
use serde_json::{json, Value};

const LANDING: &str = "/dwo-api-application/v1/deeplink/vippsgateway";

/// A tiny merchant on 127.0.0.1:0 that records what the sandbox sends it.
/// (kind, id from the path, Authorization header, body)
type Seen = (String, String, Option<String>, Value);

#[derive(Clone, Default)]
struct Merchant {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Merchant {
    async fn start(self) -> String {
        async fn callback(
            State(m): State<Merchant>,
            Path(id): Path<String>,
            h: HeaderMap,
            Json(b): Json<Value>,
        ) -> &'static str {
            let auth = h
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            m.seen
                .lock()
                .unwrap()
                .push(("callback".into(), id, auth, b));
            "ok"
        }
        async fn shipping(
            State(m): State<Merchant>,
            Path(id): Path<String>,
            Json(b): Json<Value>,
        ) -> Json<Value> {
            m.seen
                .lock()
                .unwrap()
                .push(("shipping".into(), id.clone(), None, b.clone()));
            Json(
                json!({"addressId": b["addressId"], "orderId": id, "shippingDetails": [
                {"isDefault": "N", "priority": 1, "shippingCost": 99, "shippingMethod": "Walking", "shippingMethodId": "walk"},
                {"isDefault": "Y", "priority": 2, "shippingCost": 199, "shippingMethod": "Running", "shippingMethodId": "run"}]}),
            )
        }
        async fn consent(State(m): State<Merchant>, Path(id): Path<String>) -> &'static str {
            m.seen
                .lock()
                .unwrap()
                .push(("consent".into(), id, None, Value::Null));
            "ok"
        }
        let app = Router::new()
            .route("/cb/v2/payments/{id}", post(callback))
            .route("/ship/v2/payments/{id}/shippingDetails", post(shipping))
            .route("/consent/v2/consents/{id}", delete(consent))
            .with_state(self);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        base
    }

    fn seen(&self, kind: &str) -> Vec<(String, Option<String>, Value)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.0 == kind)
            .map(|s| (s.1.clone(), s.2.clone(), s.3.clone()))
            .collect()
    }
}

async fn wait_for(mut f: impl FnMut() -> bool) {
    for _ in 0..100 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not reached in 2 s");
}

async fn get_html(sb: &Sandbox, url: &str) -> (u16, String, Option<String>) {
    let r = sb.http.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.text().await.unwrap(), loc)
}

async fn post_form(
    sb: &Sandbox,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let r = sb.http.post(sb.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.text().await.unwrap(), loc)
}

#[tokio::test]
async fn click_through_regular_payment_with_delivered_callback() {
    let config = ecom_sandbox::SandboxConfig {
        allow_loopback_callbacks: true,
        ..Default::default()
    };
    let sb = common::start_with(config).await;
    let merchant = Merchant::default();
    let mbase = merchant.clone().start().await;
    let t = sb.token().await;
    let id = order_id("click");
    let mut body = initiate_body(&id, 49_900);
    body["merchantInfo"]["callbackPrefix"] = json!(format!("{mbase}/cb"));
    body["merchantInfo"]["fallBack"] = json!(format!("{mbase}/done?order={id}"));
    let (s, r) = sb.initiate(&t, &body).await;
    assert_eq!(s, 200, "{r}");
    let url = r["url"].as_str().unwrap();
    let token = common::landing_token(url);

    // Landing page: amount, merchant, phone prefilled, no external assets.
    let (s, html, _) = get_html(&sb, url).await;
    assert_eq!(s, 200);
    assert!(html.contains("499,00 kr to ACME Demo Shop"), "{html}");
    assert!(html.contains(&format!("value=\"{}\"", demo::MOBILE_NUMBER)));
    assert!(html.contains(&format!("action=\"{}{LANDING}/phone\"", sb.base)));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));

    // A bad number stays on the page with an error.
    let (s, html, _) = post_form(
        &sb,
        &format!("{LANDING}/phone"),
        &[("token", &token), ("phone", "1234")],
    )
    .await;
    assert_eq!(s, 400);
    assert!(html.contains("8-digit"));
    let (s, _, loc) = post_form(
        &sb,
        &format!("{LANDING}/phone"),
        &[("token", &token), ("phone", demo::MOBILE_NUMBER)],
    )
    .await;
    assert_eq!(s, 303);
    let wait = loc.unwrap();
    let (s, html, _) = get_html(&sb, &wait).await;
    assert_eq!(s, 200);
    assert!(html.contains("Complete in Vipps"));
    let app_link = html
        .split("data-testid=\"open-app-link\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(app_link.starts_with(&sb.base));

    // The user's app lists the request.
    let (_, inbox, _) = get_html(
        &sb,
        &sb.url(&format!("/vipps-app/user/{}", demo::MOBILE_NUMBER)),
    )
    .await;
    assert!(inbox.contains("ACME Demo Shop") && inbox.contains("payment-link"));

    // The app: Betal til, then pay → 303 to fallBack, callback delivered.
    let (s, html, _) = get_html(&sb, &app_link).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Betal til")
            && html.contains(&format!("Order ID: {id}"))
            && html.contains("VISA 2412")
    );
    let (s, _, loc) = post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &token), ("action", "pay")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(loc.unwrap(), format!("{mbase}/done?order={id}"));
    wait_for(|| !merchant.seen("callback").is_empty()).await;
    let (cid, auth, cb) = merchant.seen("callback").remove(0);
    assert_eq!(cid, id);
    assert_eq!(auth.as_deref(), Some("cb-auth-token-123"));
    assert_eq!(cb["transactionInfo"]["status"], "RESERVED");
    assert_eq!(cb["transactionInfo"]["amount"], 49_900);
    let recs = sb.callbacks(&id).await;
    assert_eq!(recs[0]["outcome"]["result"], "delivered");
    assert_eq!(recs[0]["outcome"]["status"], 200);
    // The merchant got the real authToken (above); the readable record only shows it was sent.
    assert_eq!(recs[0]["headers"]["Authorization"], "••••••••");
    assert!(!recs[0].to_string().contains("cb-auth-token-123"));
    // The landing page now sends the user back to the shop.
    let (s, _, loc) = get_html(&sb, &wait).await;
    assert_eq!((s, loc), (303, Some(format!("{mbase}/done?order={id}"))));
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(d["transactionLogHistory"][0]["operation"], "RESERVE");
}

#[tokio::test]
async fn cancel_on_landing_page_and_in_app() {
    let sb = common::start().await;
    let t = sb.token().await;
    let a = order_id("lc");
    let ta = sb.initiate_ok(&t, &a, 654).await;
    let (s, _, loc) = post_form(&sb, &format!("{LANDING}/cancel"), &[("token", &ta)]).await;
    assert_eq!(s, 303);
    assert!(loc.unwrap().starts_with("https://example.com/fallback"));
    let cb = &sb.callbacks(&a).await[0]["body"];
    assert_eq!(cb["transactionInfo"]["status"], "REJECTED");
    assert_eq!(
        cb["errorInfo"]["errorMessage"],
        "User has not acted upon the payment"
    );
    assert!(cb["transactionInfo"].get("transactionId").is_none());

    let b = order_id("ac");
    let tb = sb.initiate_ok(&t, &b, 654).await;
    let (s, _, _) = get_html(
        &sb,
        &sb.url(&format!(
            "/vipps-app/payment?token={tb}&phone={}",
            demo::MOBILE_NUMBER
        )),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &tb), ("action", "cancel")],
    )
    .await;
    assert_eq!(s, 303);
    let cb = &sb.callbacks(&b).await[0]["body"];
    assert_eq!(cb["transactionInfo"]["status"], "CANCELLED");
    assert!(cb["transactionInfo"]["transactionId"].is_string());
    assert!(cb.get("errorInfo").is_none());
    // Expired or unknown tokens show an error page, no redirect.
    let (s, html, _) = get_html(&sb, &sb.url(&format!("{LANDING}?v=2&token=nope"))).await;
    assert_eq!(s, 404);
    assert!(html.contains("role=\"alert\""));
}

#[tokio::test]
async fn profile_flow_and_userinfo() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("prof");
    let mut body = initiate_body(&id, 49_900);
    body["transaction"]["scope"] = json!("address name email birthDate phoneNumber");
    let (_, r) = sb.initiate(&t, &body).await;
    let token = common::landing_token(r["url"].as_str().unwrap());
    // In the app: consent first, then Betal.
    let (_, html, _) = get_html(
        &sb,
        &sb.url(&format!(
            "/vipps-app/payment?token={token}&phone={}",
            demo::MOBILE_NUMBER
        )),
    )
    .await;
    assert!(
        html.contains("Gi tilgang") && html.contains("Fødselsdato"),
        "{html}"
    );
    let (s, html, _) = post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &token), ("action", "pay")],
    )
    .await;
    assert_eq!(s, 409, "no payment without consent");
    assert!(html.contains("consent"));
    let (s, _, _) = post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &token), ("action", "consent")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _, _) = post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &token), ("action", "pay")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, d) = sb.details(&t, &id).await;
    let sub = d["sub"].as_str().unwrap().to_owned();
    assert_eq!(sub.len(), 36);
    assert_eq!(d["userDetails"]["userId"], sub.as_str());
    let cb = &sb.callbacks(&id).await[0]["body"];
    assert_eq!(cb["transactionInfo"]["status"], "RESERVED");
    assert_eq!(cb["userDetails"]["firstName"], "Ada");
    assert!(cb.get("shippingDetails").is_none());

    // The app's userinfo request: no subscription key (as Postman sends it).
    let userinfo = |t: &str, sub: &str| userinfo_request(&sb.creds, sub).authorized(t);
    let (s, u) = Sandbox::send(sb.core(&userinfo(&t, &sub))).await;
    assert_eq!(s, 200, "{u}");
    let mut keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
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
            "sid",
            "sub"
        ]
    );
    assert_eq!(u["phone_number"], "4791234567");
    assert_eq!(u["birthdate"], "1815-12-10");
    // With an invalid key: 401 format B; unknown sub: 404 format E; after 168 h: 403.
    let (s, _) = Sandbox::send(sb.core(&set_header(
        userinfo(&t, &sub),
        headers::SUBSCRIPTION_KEY,
        "bad",
    )))
    .await;
    assert_eq!(s, 401);
    let (s, e) = Sandbox::send(sb.core(&userinfo(&t, "unknown"))).await;
    assert_eq!((s, e["status"].as_str()), (404, Some("404")));
    sb.advance(169 * 3600).await;
    let t = sb.token().await;
    let (s, _) = Sandbox::send(sb.core(&userinfo(&t, &sub))).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn express_with_static_shipping_in_the_app() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("exp");
    let mut body = initiate_body(&id, 49_900);
    body["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    body["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/consent-removal");
    body["merchantInfo"]["staticShippingDetails"] = json!([
        {"isDefault": "N", "priority": 2, "shippingCost": 100, "shippingMethod": "Postman Method 2", "shippingMethodId": "shippingMethodId2"},
        {"isDefault": "Y", "priority": 1, "shippingCost": 30, "shippingMethod": "Postman Method 1", "shippingMethodId": "shippingMethodId1"}
    ]);
    let (_, r) = sb.initiate(&t, &body).await;
    let token = common::landing_token(r["url"].as_str().unwrap());
    let app = sb.url(&format!(
        "/vipps-app/payment?token={token}&phone={}",
        demo::MOBILE_NUMBER
    ));
    let (_, html, _) = get_html(&sb, &app).await;
    assert!(html.contains("Gi tilgang"));
    post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &token), ("action", "consent")],
    )
    .await;
    let (_, html, _) = get_html(&sb, &sb.url(&format!("/vipps-app/payment?token={token}"))).await;
    assert!(html.contains("Hvor vil du ha pakken din levert?") && html.contains("address-3961"));
    post_form(
        &sb,
        "/vipps-app/action",
        &[
            ("token", &token),
            ("action", "address"),
            ("address_id", "3960"),
        ],
    )
    .await;
    let (_, html, _) = get_html(&sb, &sb.url(&format!("/vipps-app/payment?token={token}"))).await;
    assert!(html.contains("Velg leveringsmåte"));
    // Ordered by priority, default preselected.
    let m1 = html.find("Postman Method 1").unwrap();
    let m2 = html.find("Postman Method 2").unwrap();
    assert!(m1 < m2);
    let (s, _, _) = post_form(
        &sb,
        "/vipps-app/action",
        &[
            ("token", &token),
            ("action", "shipping"),
            ("method_id", "nope"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    post_form(
        &sb,
        "/vipps-app/action",
        &[
            ("token", &token),
            ("action", "shipping"),
            ("method_id", "shippingMethodId1"),
        ],
    )
    .await;
    let (_, html, _) = get_html(&sb, &sb.url(&format!("/vipps-app/payment?token={token}"))).await;
    assert!(
        html.contains("529,00 kr"),
        "amount includes shipping: {html}"
    );
    let (s, _, _) = post_form(
        &sb,
        "/vipps-app/action",
        &[("token", &token), ("action", "pay")],
    )
    .await;
    assert_eq!(s, 303);
    let cb = &sb.callbacks(&id).await[0]["body"];
    assert_eq!(cb["transactionInfo"]["status"], "RESERVE");
    assert_eq!(cb["transactionInfo"]["amount"], 52_900);
    assert_eq!(cb["shippingDetails"]["address"]["zipCode"], "0154");
    assert_eq!(
        cb["shippingDetails"]["shippingMethodId"],
        "shippingMethodId1"
    );
    assert_eq!(cb["userDetails"]["mobileNumber"], demo::MOBILE_NUMBER);
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(d["shippingDetails"]["address"]["postCode"], "0154");
    assert_eq!(d["shippingDetails"]["shippingCost"], 30.0);
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 52_900);
    let user_id = d["userDetails"]["userId"].as_str().unwrap().to_owned();
    assert_ne!(user_id.len(), 36, "express userId is not a sub");
    // Removing the consent sends the DELETE (recorded; example.com is not contacted).
    let enc: String = user_id
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let (s, rec) = sb
        .sim(
            Method::POST,
            &format!("/consents/{}/{enc}/remove", demo::MERCHANT_SERIAL_NUMBER),
            None,
        )
        .await;
    assert_eq!(s, 200, "{rec}");
    assert_eq!(rec["callback"]["method"], "DELETE");
    assert_eq!(
        rec["callback"]["url"],
        format!("https://example.com/consent-removal/v2/consents/{enc}")
    );
    let (s, _) = sb
        .sim(
            Method::POST,
            &format!("/consents/{}/{enc}/remove", demo::MERCHANT_SERIAL_NUMBER),
            None,
        )
        .await;
    assert_eq!(s, 404, "only once");
}

#[tokio::test]
async fn express_with_dynamic_shipping_from_a_loopback_merchant() {
    let config = ecom_sandbox::SandboxConfig {
        allow_loopback_callbacks: true,
        ..Default::default()
    };
    let sb = common::start_with(config).await;
    let merchant = Merchant::default();
    let mbase = merchant.clone().start().await;
    let t = sb.token().await;
    let id = order_id("dyn");
    let mut body = initiate_body(&id, 10_000);
    body["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    body["merchantInfo"]["callbackPrefix"] = json!(format!("{mbase}/cb"));
    body["merchantInfo"]["consentRemovalPrefix"] = json!(format!("{mbase}/consent"));
    body["merchantInfo"]["shippingDetailsPrefix"] = json!(format!("{mbase}/ship"));
    let (s, r) = sb.initiate(&t, &body).await;
    assert_eq!(s, 200, "{r}");
    let token = common::landing_token(r["url"].as_str().unwrap());
    // Drive the app through /__sim: default address, default (isDefault Y) method.
    let (s, v) = sb
        .sim(
            Method::POST,
            &format!("/app/{token}/approve"),
            Some(json!({"phone": demo::MOBILE_NUMBER})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "RESERVE");
    assert_eq!(v["reservedAmount"], 10_000 + 19_900);
    let ship = merchant.seen("shipping");
    assert_eq!(ship.len(), 1);
    assert_eq!(ship[0].2["postCode"], "0154");
    assert_eq!(ship[0].2["postalCode"], "0154");
    assert_eq!(ship[0].2["country"], "Norway");
    assert_eq!(ship[0].2["addressType"], "H");
    wait_for(|| !merchant.seen("callback").is_empty()).await;
    assert_eq!(
        merchant.seen("callback")[0].2["shippingDetails"]["shippingMethodId"],
        "run"
    );
    let user_id = v["userId"].as_str().unwrap().to_owned();
    let (s, _) = sb
        .sim(
            Method::POST,
            &format!(
                "/consents/{}/{}/remove",
                demo::MERCHANT_SERIAL_NUMBER,
                user_id
                    .replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('=', "%3D")
            ),
            None,
        )
        .await;
    assert_eq!(s, 200);
    wait_for(|| !merchant.seen("consent").is_empty()).await;
    assert_eq!(merchant.seen("consent")[0].0, user_id);
}

#[tokio::test]
async fn magic_amounts_fail_in_the_app() {
    let sb = common::start().await;
    let t = sb.token().await;
    for (amount, code) in [(151, "42"), (186, "44"), (187, "41")] {
        let id = order_id("magic");
        let token = sb.initiate_ok(&t, &id, amount).await;
        let (s, v) = sb
            .sim(Method::POST, &format!("/app/{token}/approve"), None)
            .await;
        assert_eq!((s, v["state"].as_str()), (200, Some("FAILED")));
        let cb = &sb.callbacks(&id).await[0]["body"];
        assert_eq!(cb["transactionInfo"]["status"], "RESERVE_FAILED");
        assert_eq!(cb["errorInfo"]["errorCode"], code);
        assert_eq!(cb["errorInfo"]["errorGroup"], "PAYMENTS");
        let (_, d) = sb.details(&t, &id).await;
        assert_eq!(d["transactionLogHistory"][0]["operation"], "RESERVE");
        assert_eq!(d["transactionLogHistory"][0]["operationSuccess"], false);
    }
    // 2,01 kr: unknown for an hour, then failed.
    let id = order_id("magic201");
    let token = sb.initiate_ok(&t, &id, 201).await;
    let (_, v) = sb
        .sim(Method::POST, &format!("/app/{token}/approve"), None)
        .await;
    assert_eq!(v["state"], "INITIATE");
    sb.advance(3600).await;
    let (_, v) = sb
        .sim(
            Method::GET,
            &format!("/payments/{}/{id}", demo::MERCHANT_SERIAL_NUMBER),
            None,
        )
        .await;
    assert_eq!(v["state"], "FAILED");
    // Force approve ignores magic amounts.
    let t = sb.token().await;
    let id = order_id("magic-fa");
    let token = sb.initiate_ok(&t, &id, 151).await;
    let (s, _) = sb.force_approve(&t, &id, &token).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn direct_capture_merchant_goes_to_sale() {
    let sb = common::start().await;
    let m = &ecom_sandbox::SandboxConfig::default().merchants[1];
    let m = credentials(m);
    let t = sb.token_for(&m).await;
    let id = order_id("sale");
    let mut body = initiate_body(&id, 5_000);
    body["merchantInfo"]["merchantSerialNumber"] = json!(m.merchant_serial_number);
    body["transaction"]["skipLandingPage"] = json!(true);
    let (s, r) = Sandbox::send(sb.core(&initiate_request(&m, &body).authorized(&t))).await;
    assert_eq!(s, 200, "{r}");
    let token = common::landing_token(r["url"].as_str().unwrap());
    // skipLandingPage: the push is already in the user's app.
    let (_, inbox, _) = get_html(
        &sb,
        &sb.url(&format!("/vipps-app/user/{}", demo::MOBILE_NUMBER)),
    )
    .await;
    assert!(inbox.contains("Direct Capture Kiosk"));
    let (s, v) = sb
        .sim(Method::POST, &format!("/app/{token}/approve"), None)
        .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("SALE")));
    let (_, d) = Sandbox::send(sb.core(&details_request(&m, &id).authorized(&t))).await;
    assert_eq!(d["transactionLogHistory"][0]["operation"], "SALE");
    assert_eq!(d["transactionSummary"]["capturedAmount"], 5_000);
    assert_eq!(d["transactionSummary"]["remainingAmountToRefund"], 5_000);
    let cbs = sb.callbacks(&id).await;
    assert_eq!(cbs[0]["body"]["transactionInfo"]["status"], "SALE");
}

fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            img.get_pixel(x as u32, y as u32)[0]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn qr_codes_point_at_the_landing_page() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("qr");
    let mut body = initiate_body(&id, 1000);
    body["customerInfo"] = json!({});
    let (_, r) = sb.initiate(&t, &body).await;
    let landing = r["url"].as_str().unwrap().to_owned();
    // The app's QR request; an Accept the app never sends is an explicit edit.
    let qr = |accept: &str| {
        let format = [QrFormat::Png, QrFormat::Svg, QrFormat::TargetUrl]
            .into_iter()
            .find(|f| f.accept() == accept);
        let core = qr_request(&sb.creds, &landing, format.unwrap_or(QrFormat::Png));
        let core = match format {
            Some(_) => core,
            None => set_header(core, "Accept", accept),
        };
        sb.core(&core.authorized(&t))
    };

    let (s, png) = Sandbox::send(qr("image/png").header("Size", "300")).await;
    assert_eq!(s, 200, "{png}");
    let expires = png["expiresIn"].as_i64().unwrap();
    assert!((290..=300).contains(&expires), "{expires}");
    let img_url = png["url"].as_str().unwrap();
    assert!(img_url.starts_with(&sb.base));
    // The image needs no authentication.
    let r = sb.http.get(img_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(decode_qr(&bytes), landing);
    assert!(image::load_from_memory(&bytes).unwrap().width() >= 300);

    let (s, svg) = Sandbox::send(qr("image/svg+xml")).await;
    assert_eq!(s, 200);
    let r = sb
        .http
        .get(svg["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains("<svg"));
    let (s, star) = Sandbox::send(qr("image/*")).await;
    assert_eq!(s, 200);
    assert!(star["url"].as_str().unwrap().ends_with(".svg"));
    let (s, target) = Sandbox::send(qr("text/targetUrl")).await;
    assert_eq!(s, 200);
    let r = sb
        .http
        .get(target["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], landing.as_str());

    let (s, e) = Sandbox::send(qr("text/html")).await;
    assert_eq!(s, 415, "{e}");
    let (s, e) = Sandbox::send(qr("image/png").header("Size", "99")).await;
    assert_eq!((s, e["title"].as_str()), (400, Some("Validation error")));
    let bogus = format!("{}{LANDING}?v=2&token=bogus", sb.base);
    let (s, e) =
        Sandbox::send(sb.core(&qr_request(&sb.creds, &bogus, QrFormat::Png).authorized(&t))).await;
    assert_eq!(
        (s, e["detail"].as_str()),
        (400, Some("Supplied landing page token is not valid"))
    );
    assert!(e["instance"].is_string());
    // Without an access token.
    let (s, _) = Sandbox::send(sb.core(&qr_request(&sb.creds, &landing, QrFormat::Png))).await;
    assert_eq!(s, 401);

    // After five minutes: Order timeout, and the image is gone.
    sb.advance(301).await;
    let t = sb.token().await;
    let (s, e) =
        Sandbox::send(sb.core(&qr_request(&sb.creds, &landing, QrFormat::Png).authorized(&t)))
            .await;
    assert_eq!((s, e["title"].as_str()), (400, Some("Order timeout")));
    let r = sb.http.get(img_url).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn loopback_callbacks_cannot_be_switched_on_through_sim() {
    // A loopback service the sandbox must never call when started without loopback callbacks.
    let service = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let service_url = format!("http://{}", service.local_addr().unwrap());
    let hits = Arc::new(Mutex::new(0usize));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = service.accept().await {
            *counter.lock().unwrap() += 1;
        }
    });
    let sb = common::start().await;
    let (s, e) = sb
        .sim(
            Method::PATCH,
            "/config",
            Some(json!({"allowLoopbackCallbacks": true})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let message = e["error"].as_str().unwrap();
    assert!(
        message.contains("start-up") && message.contains("--allow-loopback-callbacks"),
        "{message}"
    );
    let (_, c) = sb.sim(Method::GET, "/config", None).await;
    assert_eq!(c["allowLoopbackCallbacks"], false);
    // Other switches still work.
    let (s, c) = sb
        .sim(Method::PATCH, "/config", Some(json!({"rateLimits": false})))
        .await;
    assert_eq!((s, c["rateLimits"].as_bool()), (200, Some(false)));

    let t = sb.token().await;
    for field in ["callbackPrefix", "shippingDetailsPrefix"] {
        let mut body = initiate_body(&order_id("ssrf"), 1000);
        if field == "shippingDetailsPrefix" {
            body["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
            body["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/consent");
        }
        body["merchantInfo"][field] = json!(format!("{service_url}/x"));
        let (s, b) = sb.initiate(&t, &body).await;
        assert_eq!(s, 400, "{field}: {b}");
        assert_eq!(b[0]["errorCode"], format!("merchantInfo.{field}"), "{b}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        *hits.lock().unwrap(),
        0,
        "the sandbox called a loopback service"
    );
}

#[tokio::test]
async fn sim_surface_basics() {
    let sb = common::start().await;
    let t = sb.token().await;
    let id = order_id("sim");
    let token = sb.initiate_ok(&t, &id, 1000).await;
    let (s, v) = sb
        .sim(
            Method::GET,
            &format!("/payments/{}/{id}", demo::MERCHANT_SERIAL_NUMBER),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["token"], token.as_str());
    assert_eq!(v["state"], "INITIATE");
    assert_eq!(v["details"]["orderId"], id.as_str());
    let (s, v) = sb
        .sim(Method::POST, &format!("/landing/{token}/open"), None)
        .await;
    assert_eq!(s, 200);
    assert!(v["transactionId"].is_string());
    let (s, e) = sb
        .sim(
            Method::POST,
            &format!("/landing/{token}/phone"),
            Some(json!({"phone": "123"})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(e["error"].is_string());
    let (s, _) = sb
        .sim(Method::POST, &format!("/app/{token}/fail?code=43"), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = sb
        .sim(Method::POST, &format!("/app/{token}/approve"), None)
        .await;
    assert_eq!(s, 409);
    let (s, _) = sb.sim(Method::GET, "/payments/1/nope", None).await;
    assert_eq!(s, 404);
    let (s, c) = sb.sim(Method::GET, "/config", None).await;
    assert_eq!(s, 200);
    assert!(!c.to_string().contains(demo::CLIENT_SECRET));
    assert!(!c.to_string().contains(demo::SUBSCRIPTION_KEY));
    let (s, u) = sb
        .sim(
            Method::PATCH,
            "/users/48059528",
            Some(json!({"bankIdVerified": true})),
        )
        .await;
    assert_eq!((s, u["bankIdVerified"].as_bool()), (200, Some(true)));
    let (s, _) = sb
        .sim(Method::POST, "/clock", Some(json!({"advanceSeconds": -5})))
        .await;
    assert_eq!(s, 400);
    let (s, l) = sb.sim(Method::GET, "/payments?state=FAILED", None).await;
    assert_eq!((s, l["payments"].as_array().unwrap().len()), (200, 1));
    let (s, _) = sb.sim(Method::POST, "/reset", None).await;
    assert_eq!(s, 204);
    let (s, _) = sb
        .sim(
            Method::GET,
            &format!("/payments/{}/{id}", demo::MERCHANT_SERIAL_NUMBER),
            None,
        )
        .await;
    assert_eq!(s, 404);
}

// Issue 9: a custom app scheme fallBack is accepted but never becomes a link or a redirect on
// the sandbox's pages (they are served on the playground's origin).
#[tokio::test]
async fn custom_scheme_fallback_is_shown_as_text_never_linked() {
    let sb = common::start().await;
    let t = sb.token().await;
    for (fb, end) in [("myapp://done?order=1", "landing"), ("myapp://paid", "app")] {
        let mut body = initiate_body(&order_id("app"), 1000);
        body["merchantInfo"]["fallBack"] = json!(fb);
        let (s, b) = sb.initiate(&t, &body).await;
        assert_eq!(s, 200, "{b}");
        let token = common::landing_token(b["url"].as_str().unwrap());
        let (s, html, loc) = if end == "landing" {
            post_form(&sb, &format!("{LANDING}/cancel"), &[("token", &token)]).await
        } else {
            post_form(
                &sb,
                "/vipps-app/action",
                &[("token", &token), ("action", "pay")],
            )
            .await
        };
        assert_eq!(s, 200, "{end}: {html}");
        assert!(loc.is_none(), "{end}: no redirect to {fb}");
        assert!(!html.contains("href=\"myapp"), "{end}: {html}");
        assert!(
            html.contains(&format!(
                "Return to the merchant's app: <code>{}</code>",
                fb.replace('&', "&amp;")
            )),
            "{end}: {html}"
        );
        // The wait page's poll ends on the same page, not on a redirect to the app scheme.
        let (s, html, loc) = get_html(&sb, &sb.url(&format!("{LANDING}/wait?token={token}"))).await;
        assert_eq!(s, 200, "{html}");
        assert!(loc.is_none() && !html.contains("href=\"myapp"), "{html}");
    }
}

#[tokio::test]
async fn landing_page_lists_the_test_numbers_and_corrects_the_typed_one() {
    let sb = common::start().await;
    let t = sb.token().await;
    let mut body = initiate_body(&order_id("tel"), 1000);
    body["customerInfo"] = json!({});
    let (_, b) = sb.initiate(&t, &body).await;
    let url = b["url"].as_str().unwrap().to_owned();
    let token = common::landing_token(&url);
    let (s, html, _) = get_html(&sb, &url).await;
    assert_eq!(s, 200);
    let list = html
        .split("data-testid=\"test-numbers\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    for (phone, what) in [
        ("91234567", "demo user"),
        ("12345678", "verified test user"),
        ("48059528", "not yet verified: force approve answers 1082"),
    ] {
        let item = list
            .split(&format!("data-testid=\"test-number-{phone}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("{phone} missing: {list}"));
        let item = item.split("</li>").next().unwrap();
        assert!(item.contains(what), "{phone}: {item}");
    }
    assert!(!html.contains("maxlength=\"8\""), "+47 forms fit");
    // An unknown number is explained with the list.
    let (s, html, _) = post_form(
        &sb,
        &format!("{LANDING}/phone"),
        &[("token", &token), ("phone", "99999999")],
    )
    .await;
    assert_eq!(s, 400);
    let error = html.split("data-testid=\"phone-error\">").nth(1).unwrap();
    assert!(
        error.contains("not a Vipps test user") && error.contains("48059528"),
        "{error}"
    );
    // +47 and spaces are corrected, as in MT.
    let (s, _, loc) = post_form(
        &sb,
        &format!("{LANDING}/phone"),
        &[("token", &token), ("phone", "+47 912 34 567")],
    )
    .await;
    assert_eq!(s, 303);
    assert!(loc.unwrap().contains("/wait?token="));
    let (_, v) = sb.sim(Method::GET, "/payments?limit=1", None).await;
    let order = v["payments"][0]["orderId"].as_str().unwrap().to_owned();
    let (_, v) = sb
        .sim(
            Method::GET,
            &format!("/payments/{}/{order}", demo::MERCHANT_SERIAL_NUMBER),
            None,
        )
        .await;
    assert_eq!(v["app"]["phone"], demo::MOBILE_NUMBER);
    // /__sim/landing/{token}/phone takes the same forms.
    let (_, b) = sb
        .initiate(&t, &initiate_body(&order_id("tel"), 1000))
        .await;
    let token = common::landing_token(b["url"].as_str().unwrap());
    let (s, v) = sb
        .sim(
            Method::POST,
            &format!("/landing/{token}/phone"),
            Some(json!({"phone": "+4712345678"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["app"]["phone"], "12345678");
}

#[tokio::test]
async fn test_data_lists_users_and_merchants_for_the_app() {
    let sb = common::start().await;
    let (s, v) = sb.sim(Method::GET, "/test-data", None).await;
    assert_eq!(s, 200, "{v}");
    let users = v["users"].as_array().unwrap();
    let phones: Vec<&str> = users.iter().map(|u| u["phone"].as_str().unwrap()).collect();
    assert_eq!(phones, ["12345678", "48059528", "91234567"]);
    let unverified = &users[1];
    assert_eq!(unverified["bankIdVerified"], false);
    assert_eq!(unverified["forceApprove"], "1082");
    assert!(unverified["purpose"].as_str().unwrap().contains("1082"));
    assert_eq!(users[2]["forceApprove"], "approves");
    assert_eq!(users[2]["addresses"].as_array().unwrap().len(), 2);
    let merchants = v["merchants"].as_array().unwrap();
    assert_eq!(merchants[0]["msn"], demo::MERCHANT_SERIAL_NUMBER);
    assert_eq!(merchants[0]["demoKeys"], true);
    assert_eq!(merchants[2]["paymentsAllowed"], false);
    assert!(merchants[2]["purpose"].as_str().unwrap().contains("97"));
    let text = v.to_string();
    assert!(!text.contains(demo::CLIENT_SECRET) && !text.contains(demo::SUBSCRIPTION_KEY));
    // An approval in the app verifies the user, and the list says so.
    let t = sb.token().await;
    let mut body = initiate_body(&order_id("td"), 1000);
    body["customerInfo"]["mobileNumber"] = json!("48059528");
    let (_, b) = sb.initiate(&t, &body).await;
    let token = common::landing_token(b["url"].as_str().unwrap());
    let (s, _) = sb
        .sim(Method::POST, &format!("/app/{token}/approve"), None)
        .await;
    assert_eq!(s, 200);
    let (_, v) = sb.sim(Method::GET, "/test-data", None).await;
    assert_eq!(v["users"][1]["forceApprove"], "approves");
}
