//! A hosted proxy (not local) against the findings of the review of a hosted instance, one
//! test per finding: without `--hosted-sandbox` it has no sandbox at all; with it, each
//! visitor (told apart by the proxy's cookie) has a sandbox of their own within a fixed budget.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ecom_core::demo;
use ecom_proxy::hosted::{
    VISITOR_BUDGET_BYTES, VISITOR_CALLS, VISITOR_COOKIE, VISITOR_PAYMENT_BYTES,
};

/// Not local: the public URL is not on loopback (the server is bound to 127.0.0.1 behind an
/// imagined TLS terminator). The proxy's own rate limit is off, so the tests show the hosted
/// sandbox's own bounds.
const HOSTED: [&str; 6] = [
    "--no-mt",
    "--public-url",
    "https://docs.example.com",
    "--rate-limit",
    "0",
    "--hosted-sandbox",
];

async fn hosted_proxy(extra: &[&str]) -> TestProxy {
    let mut args = HOSTED.to_vec();
    args.extend_from_slice(extra);
    spawn_proxy(config(&args)).await
}

/// One browser: the proxy's cookie once it has set it, and an access token of its sandbox.
struct Visitor {
    base: String,
    cookie: String,
    bearer: String,
}

impl Visitor {
    /// Gets an access token with the demo credentials, as a new visitor.
    async fn arrive(proxy: &TestProxy) -> Self {
        let base = format!("{}/sandbox", proxy.url);
        let response = demo_access_token(&proxy.url).await;
        assert_eq!(response.status(), 200);
        let set_cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        assert!(
            cookie.starts_with(&format!("{VISITOR_COOKIE}=")),
            "{set_cookie}"
        );
        let token: serde_json::Value = response.json().await.unwrap();
        Self {
            base,
            cookie,
            bearer: format!("Bearer {}", token["access_token"].as_str().unwrap()),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        client()
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("authorization", &self.bearer)
            .header("ocp-apim-subscription-key", demo::SUBSCRIPTION_KEY)
            .header("merchant-serial-number", demo::MERCHANT_SERIAL_NUMBER)
            .header("vipps-system-name", "ecom-proxy-tests")
    }

    async fn initiate(&self, order_id: &str, text: &str) -> reqwest::Response {
        self.initiate_app(order_id, text, false).await
    }

    /// `is_app`: an app-switch payment, which the simulated app lists for every test user until
    /// one opens it.
    async fn initiate_app(&self, order_id: &str, text: &str, is_app: bool) -> reqwest::Response {
        self.request(reqwest::Method::POST, "/ecomm/v2/payments/")
            .json(&serde_json::json!({
                "merchantInfo": {
                    "merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER,
                    "callbackPrefix": "https://example.com/callbacks",
                    "fallBack": "https://example.com/fallback",
                    "isApp": is_app,
                },
                "customerInfo": { "mobileNumber": demo::MOBILE_NUMBER },
                "transaction": { "amount": 49900, "orderId": order_id, "transactionText": text },
            }))
            .send()
            .await
            .unwrap()
    }

    async fn status(&self, method: reqwest::Method, path: &str) -> u16 {
        let mut request = self.request(method.clone(), path);
        if method != reqwest::Method::GET {
            request = request.json(&serde_json::json!({
                "merchantInfo": { "merchantSerialNumber": demo::MERCHANT_SERIAL_NUMBER },
                "transaction": { "amount": 100, "transactionText": "test" },
            }));
        }
        request.send().await.unwrap().status().as_u16()
    }

    async fn details(&self, order_id: &str) -> u16 {
        self.status(
            reqwest::Method::GET,
            &format!("/ecomm/v2/payments/{order_id}/details"),
        )
        .await
    }
}

/// Asserts that a proxy error's message says each of `phrases`.
fn assert_says(body: &serde_json::Value, phrases: &[&str]) {
    let message = body["message"].as_str().unwrap();
    for phrase in phrases {
        assert!(message.contains(phrase), "{phrase:?} not in {message}");
    }
}

async fn stats(proxy: &TestProxy) -> serde_json::Value {
    get_json(&format!("{}/__proxy/hosted-sandbox", proxy.url)).await
}

/// A request without the cookie, as a new visitor's first fetch.
async fn without_cookie(proxy: &TestProxy) -> reqwest::Response {
    client()
        .post(format!("{}/sandbox/accesstoken/get", proxy.url))
        .header("client_id", demo::CLIENT_ID)
        .send()
        .await
        .unwrap()
}

/// Findings 6 (replicas) and the default: a hosted proxy without the option has no sandbox
/// upstream, so it keeps no visitor state and runs as any number of replicas, and the app
/// falls back to its in-browser sandbox.
#[tokio::test]
async fn finding_6_a_default_hosted_proxy_has_no_sandbox_and_no_state() {
    let proxy = spawn_proxy(config(&["--public-url", "https://docs.example.com"])).await;
    let info = get_json(&format!("{}/__proxy/info", proxy.url)).await;
    assert_eq!(upstream_names(&info), ["mt"], "{info}");
    let response = without_cookie(&proxy).await;
    assert!(response.headers().get("set-cookie").is_none());
    let body = assert_proxy_error(response, 404, "unknown_upstream").await;
    assert_says(
        &body,
        &["hosts no sandbox", "--hosted-sandbox", "in-browser sandbox"],
    );
    let response = get(&format!("{}/__proxy/hosted-sandbox", proxy.url)).await;
    assert_proxy_error(response, 404, "unknown_upstream").await;
}

/// Finding 1: the simulated app's inbox of the test user lists only this visitor's payments.
#[tokio::test]
async fn finding_1_a_visitor_cannot_list_another_visitors_payments_in_the_simulated_app() {
    let proxy = hosted_proxy(&[]).await;
    let (a, b) = (Visitor::arrive(&proxy).await, Visitor::arrive(&proxy).await);
    assert_ne!(a.cookie, b.cookie);
    assert_eq!(
        a.initiate_app("hosted-inbox-1", "Visitor A's order", true)
            .await
            .status(),
        200
    );
    let inbox = |visitor: &Visitor| {
        visitor
            .request(
                reqwest::Method::GET,
                &format!("/vipps-app/user/{}", demo::MOBILE_NUMBER),
            )
            .send()
    };
    let page_a = inbox(&a).await.unwrap().text().await.unwrap();
    assert!(page_a.contains("Visitor A&#39;s order") || page_a.contains("Visitor A's order"));
    let response = inbox(&b).await.unwrap();
    assert_eq!(response.status(), 200);
    let page_b = response.text().await.unwrap();
    assert!(!page_b.contains("Visitor A"), "{page_b}");
}

/// Finding 2: with the same public demo credentials, another visitor's orderId is unknown:
/// details, capture and cancel answer 404 as MT does for an order that is not there.
#[tokio::test]
async fn finding_2_a_visitor_cannot_read_capture_or_cancel_another_visitors_order() {
    let proxy = hosted_proxy(&[]).await;
    let (a, b) = (Visitor::arrive(&proxy).await, Visitor::arrive(&proxy).await);
    let order = "hosted-order-2";
    assert_eq!(a.initiate(order, "A").await.status(), 200);
    assert_eq!(a.details(order).await, 200);
    let path = |action: &str| format!("/ecomm/v2/payments/{order}/{action}");
    assert_eq!(b.details(order).await, 404);
    assert_eq!(b.status(reqwest::Method::POST, &path("capture")).await, 404);
    assert_eq!(b.status(reqwest::Method::PUT, &path("cancel")).await, 404);
    // A's token is not valid in B's sandbox either (each signs its own), so B cannot act as A.
    let stolen = Visitor {
        base: b.base.clone(),
        cookie: b.cookie.clone(),
        bearer: a.bearer.clone(),
    };
    assert_eq!(stolen.details(order).await, 401);
    // A's payment is untouched.
    assert_eq!(a.details(order).await, 200);
}

/// Finding 3: a visitor flooding initiates fills (and evicts within) only their own sandbox,
/// and is stopped at their call budget; another visitor's payment stays.
#[tokio::test]
async fn finding_3_one_visitor_flooding_initiates_cannot_evict_another_visitors_payment() {
    let proxy = hosted_proxy(&[]).await;
    let (a, b) = (Visitor::arrive(&proxy).await, Visitor::arrive(&proxy).await);
    assert_eq!(b.initiate("hosted-keep-3", "B").await.status(), 200);
    let mut refused = None;
    for i in 0..VISITOR_CALLS + 10 {
        let response = a.initiate(&format!("hosted-flood-{i}"), "flood").await;
        if response.status() != 200 {
            refused = Some((i, response));
            break;
        }
    }
    let (at, response) = refused.expect("the flood is stopped");
    // The access token was A's first call.
    assert_eq!(at, VISITOR_CALLS - 1);
    let body = assert_proxy_error(response, 503, "sandbox_used_up").await;
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("in-browser sandbox"));
    // B's payment is still there, and B is still served.
    assert_eq!(b.details("hosted-keep-3").await, 200);
}

/// Finding 4: many visitors with many payments stay within visitors × per-visitor budget, as
/// the sandboxes themselves account their payments.
#[tokio::test]
async fn finding_4_memory_stays_within_the_byte_budget() {
    let proxy = hosted_proxy(&["--hosted-sandbox-visitors", "3"]).await;
    let mut visitors = Vec::new();
    for _ in 0..3 {
        visitors.push(Visitor::arrive(&proxy).await);
    }
    for (v, visitor) in visitors.iter().enumerate() {
        for i in 0..300 {
            let order = format!("hosted-bytes-{v}-{i}");
            let response = visitor.initiate(&order, &"x".repeat(100)).await;
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        }
    }
    // Each visitor's oldest payments were evicted from their own sandbox.
    assert_eq!(visitors[0].details("hosted-bytes-0-0").await, 404);
    assert_eq!(visitors[0].details("hosted-bytes-0-299").await, 200);
    let stats = stats(&proxy).await;
    let figure = |key: &str| stats[key].as_u64().unwrap() as usize;
    assert_eq!(figure("visitors"), 3);
    assert_eq!(figure("visitor_budget_bytes"), VISITOR_BUDGET_BYTES);
    assert_eq!(figure("budget_bytes"), 3 * VISITOR_BUDGET_BYTES);
    // Each sandbox holds well over 100 KiB of payments, and no more than its share.
    assert!(figure("payment_bytes") > 3 * 100 * 1024, "{stats}");
    assert!(
        figure("payment_bytes") <= 3 * VISITOR_PAYMENT_BYTES,
        "{stats}"
    );
    assert!(
        figure("accounted_bytes") <= figure("budget_bytes"),
        "{stats}"
    );
}

/// Finding 5: the simulated per-orderId rate limit one visitor runs into is theirs alone.
#[tokio::test]
async fn finding_5_one_visitors_rate_limit_lockout_does_not_touch_another() {
    let proxy = hosted_proxy(&[]).await;
    let (a, b) = (Visitor::arrive(&proxy).await, Visitor::arrive(&proxy).await);
    let order = "hosted-rate-5";
    assert_eq!(b.initiate(order, "B").await.status(), 200);
    let cancel = format!("/ecomm/v2/payments/{order}/cancel");
    // Cancel allows 5 calls per orderId and minute; A's sixth is refused by A's sandbox.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(a.status(reqwest::Method::PUT, &cancel).await);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert_eq!(b.status(reqwest::Method::PUT, &cancel).await, 200);
}

/// A full table refuses a new visitor with a clear 503 rather than evicting anyone; idle
/// visitors make room; the cookie is HttpOnly, Lax, Secure and scoped to the sandbox; a page
/// opened without a known visitor gets no sandbox.
#[tokio::test]
async fn a_full_table_of_visitors_answers_503_and_evicts_nobody() {
    let proxy = hosted_proxy(&["--hosted-sandbox-visitors", "2"]).await;
    let (a, b) = (Visitor::arrive(&proxy).await, Visitor::arrive(&proxy).await);
    assert_eq!(a.initiate("hosted-full", "A").await.status(), 200);
    let response = without_cookie(&proxy).await;
    assert_eq!(response.headers()["retry-after"], "60");
    assert!(response.headers().get("set-cookie").is_none());
    let body = assert_proxy_error(response, 503, "sandbox_full").await;
    assert_says(
        &body,
        &["hosted sandbox is full", "in-browser sandbox", "retry"],
    );
    assert_eq!(body["upstream"], "sandbox");
    // Both visitors keep working.
    assert_eq!(a.details("hosted-full").await, 200);
    assert_eq!(b.details("hosted-full").await, 404);

    // A landing page opened by a browser without the cookie gets no new sandbox.
    let response = client()
        .get(format!("{}/sandbox/vipps-app", proxy.url))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_proxy_error(response, 404, "no_sandbox_visitor").await;

    // Idle visitors are dropped when room is needed.
    let proxy = hosted_proxy(&[
        "--hosted-sandbox-visitors",
        "1",
        "--hosted-sandbox-idle",
        "0.2",
    ])
    .await;
    let _first = Visitor::arrive(&proxy).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let response = without_cookie(&proxy).await;
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.ends_with("; Path=/sandbox; HttpOnly; SameSite=Lax; Secure"),
        "{set_cookie}"
    );
}

/// New visitors are limited per client IP, so one client cannot fill the table at once.
#[tokio::test]
async fn new_visitors_are_limited_per_client_ip() {
    let proxy = hosted_proxy(&["--hosted-sandbox-new-per-minute", "2"]).await;
    let _a = Visitor::arrive(&proxy).await;
    let _b = Visitor::arrive(&proxy).await;
    let response = without_cookie(&proxy).await;
    let body = assert_proxy_error(response, 429, "rate_limited").await;
    assert_says(&body, &["new hosted sandbox visitors"]);
    let stats = stats(&proxy).await;
    assert_eq!(stats["visitors"], 2, "{stats}");
}
