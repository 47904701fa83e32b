//! Property test: random and mutated request bodies at every endpoint.
//!
//! For each endpoint that takes a body, `ECOM_FUZZ_CASES` (default 10 000) bodies are sent to
//! the sandbox's `Router` in-process (`tower::ServiceExt::oneshot`, no sockets, so it stays fast
//! on 2 cores): mutations of a valid Postman body (wrong types, missing and extra fields, huge
//! strings, deep nesting), truncated JSON, invalid UTF-8 and raw bytes, sometimes with a wrong
//! or missing `Content-Type`, and one case in seven with a standard header (`X-Request-Id`,
//! `Accept`, `Authorization`, ...) replaced by a random value. The GET endpoints get random
//! path segments. Every response must
//!
//! - come back at all (a panic in a handler fails the test),
//! - have a documented status (spec §3.8: 200, 400, 401, 403, 404, 409, 429, 500; §1.4: 405,
//!   415; plus 413 from the sandbox's body-size limit),
//! - have a body matching the official schema for that endpoint and status (the same
//!   [`SchemaBook`] as the conformance suite), and a 500 only as format A `VippsError`/`99`
//!   (the documented answer to malformed requests, spec §3.1.5).
//!
//! Every 500 cases a valid request checks the router still answers correctly; at the end the
//! same router (same state) is served over real HTTP on `127.0.0.1:0` for a quick-start
//! liveness check.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use ecom_conformance::{Api, Edit, SchemaBook, Target};
use ecom_core::demo;
use ecom_core::payment::{capture_request, landing_token, InitiateForm, PaymentKind};
use ecom_core::settings::Credentials;
use ecom_core::wire::headers;
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use tower::ServiceExt;

/// The sandbox's public URL in the harness (nothing listens there: requests go by `oneshot`).
const BASE: &str = "http://127.0.0.1:9";

/// The app's initiate body of `kind` for `order_id` (Postman's environment values).
fn initiate_body(kind: PaymentKind, order_id: &str) -> Value {
    let msn = demo::MERCHANT_SERIAL_NUMBER;
    InitiateForm {
        order_id: order_id.to_owned(),
        auth_token: "auth".to_owned(),
        ..InitiateForm::postman_defaults(kind, msn, demo::MOBILE_NUMBER, 0)
    }
    .body(msn)
}

const DOCUMENTED: [u16; 11] = [200, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500];

/// One generated request body.
#[derive(Debug, Clone)]
enum Payload {
    /// A JSON value (mutated seed or random).
    Json(Value),
    /// Arbitrary bytes (invalid UTF-8, truncated JSON, deep nesting...).
    Raw(Vec<u8>),
}

/// One mutation applied at a pseudo-randomly chosen place in the seed.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
}

/// Any characters, including control characters and non-BMP ones (cheaper than a regex
/// strategy, which matters in a debug build).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

/// Field names: mostly the API's own, sometimes random.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            "amount", "orderId", "transactionText", "merchantSerialNumber", "callbackPrefix",
            "fallBack", "mobileNumber", "scope", "isApp", "paymentType", "token", "url",
            "customerPhoneNumber", "shouldReleaseRemainingFunds", "staticShippingDetails",
        ])
        .prop_map(str::to_owned),
        1 => text(12),
    ]
}

/// One standard header replaced by a random printable value (or a classic bad one).
fn header() -> impl Strategy<Value = (&'static str, String)> {
    let name = proptest::sample::select(vec![
        "X-Request-Id",
        "Accept",
        "Merchant-Serial-Number",
        "Authorization",
        "Ocp-Apim-Subscription-Key",
        "Content-Type",
    ]);
    let value = prop_oneof![
        3 => proptest::collection::vec(proptest::char::range(' ', '~'), 0..60)
            .prop_map(String::from_iter),
        1 => Just("k".repeat(41)),
        1 => Just("Bearer ".to_owned()),
        1 => Just("application/json;charset=UTF-8".to_owned()),
        1 => Just("image/*".to_owned()),
    ];
    (name, value)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(Value::Null),
        2 => any::<bool>().prop_map(Value::from),
        3 => any::<i64>().prop_map(Value::from),
        3 => prop_oneof![Just(0i64), Just(-1), Just(99), Just(100), Just(2_147_483_648)]
            .prop_map(Value::from),
        2 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        4 => text(30).prop_map(Value::from),
        3 => (0u64..10_000_000_000_000).prop_map(|n| Value::from(n.to_string())),
        1 => (0usize..70_000).prop_map(|n| Value::from("x".repeat(n))),
        1 => Just(json!("https://example.com/cb")),
        1 => Just(json!("http://127.0.0.1:1/cb")),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), arb_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        3 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), key(), arb_json())
            .prop_map(|(i, k, v)| Mutation::Insert(i, k, v)),
    ]
}

fn nested(depth: usize, object: bool) -> Vec<u8> {
    let (open, close) = if object { ("{\"a\":", "}") } else { ("[", "]") };
    let mut s = open.repeat(depth);
    s.push('1');
    s.push_str(&close.repeat(depth));
    s.into_bytes()
}

fn payload(seed: Value) -> impl Strategy<Value = Payload> {
    let text = seed.to_string();
    let len = text.len();
    prop_oneof![
        10 => proptest::collection::vec(mutation(), 1..4).prop_map(move |ms| {
            let mut v = seed.clone();
            for m in ms {
                apply(&mut v, m);
            }
            Payload::Json(v)
        }),
        2 => arb_json().prop_map(Payload::Json),
        1 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(Payload::Raw),
        1 => (0..len, any::<u8>()).prop_map(move |(cut, byte)| {
            // Truncated JSON, sometimes with a stray byte (often invalid UTF-8).
            let mut b = text.as_bytes()[..cut].to_vec();
            if byte > 127 {
                b.push(byte);
            }
            Payload::Raw(b)
        }),
        1 => (1usize..5_000, any::<bool>()).prop_map(|(d, o)| Payload::Raw(nested(d, o))),
        1 => Just(Payload::Raw(b"{\"transaction\": \"\xff\xfe\"}".to_vec())),
    ]
}

/// All JSON-pointer-like paths of containers and leaves in `v`, in a stable order.
fn paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(k.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(i.to_string());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn apply(v: &mut Value, m: Mutation) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let pick = |i: usize| all[i % all.len()].clone();
    match m {
        Mutation::Replace(i, new) => {
            let p = pick(i);
            if let Some(slot) = pointer_mut(v, &p) {
                *slot = new;
            }
        }
        Mutation::Remove(i) => {
            let p = pick(i);
            if let Some((last, parent)) = p.split_last() {
                match pointer_mut(v, parent) {
                    Some(Value::Object(o)) => {
                        o.remove(last);
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(idx) = last.parse::<usize>() {
                            if idx < a.len() {
                                a.remove(idx);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Insert(i, key, new) => {
            let p = pick(i);
            if let Some(Value::Object(o)) = pointer_mut(v, &p) {
                o.insert(key, new);
            }
        }
    }
}

fn pointer_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = v;
    for seg in path {
        cur = match cur {
            Value::Object(o) => o.get_mut(seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

struct Harness {
    router: Router,
    schemas: Arc<SchemaBook>,
    token: String,
    order: String,
    landing_url: String,
}

impl Harness {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Payload>,
        content_type: Option<&str>,
        auth: bool,
        extra: Option<&(&'static str, String)>,
    ) -> (u16, Vec<u8>) {
        // The app's capture request carries every eCom header (subscription key, MSN, system
        // headers, X-Request-Id); the token endpoint's and the QR API's are added, so one
        // request passes every endpoint's gateway. Method, path, Content-Type, Authorization
        // and body are then the case's explicit edits.
        let creds = Credentials::demo();
        let mut core = capture_request(&creds, "-", &json!({}), "fuzz-key")
            .without_header(headers::CONTENT_TYPE)
            .with_header(headers::CLIENT_ID, creds.client_id.clone())
            .with_header(headers::CLIENT_SECRET, creds.client_secret.clone())
            .with_header("Accept", "image/png")
            .with_path(path);
        if auth {
            core = core.authorized(&self.token);
        }
        if let Some(ct) = content_type {
            core = core.with_header(headers::CONTENT_TYPE, ct);
        }
        let bytes = match body {
            None => Vec::new(),
            Some(Payload::Json(v)) => v.to_string().into_bytes(),
            Some(Payload::Raw(b)) => b.clone(),
        };
        // Raw bytes (invalid UTF-8 among them) are not text, so the body is replaced on the
        // converted request.
        let mut request = core.to_http(BASE).unwrap().map(|_| Body::from(bytes));
        *request.method_mut() = method.parse().unwrap();
        if let Some((name, value)) = extra {
            if let Ok(v) = axum::http::HeaderValue::from_str(value) {
                request.headers_mut().insert(*name, v);
            }
        }
        let resp = self.router.clone().oneshot(request).await.unwrap();
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, body)
    }

    fn judge(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
    ) -> Result<(), TestCaseError> {
        prop_assert!(
            DOCUMENTED.contains(&status),
            "{method} {path}: undocumented status {status}: {}",
            String::from_utf8_lossy(body)
        );
        if let Err(e) = self.schemas.check(method, path, status, body) {
            return Err(TestCaseError::fail(e.to_string()));
        }
        if status == 500 {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            prop_assert!(
                v[0]["errorGroup"] == "VippsError" && v[0]["errorCode"] == "99",
                "{method} {path}: a 500 must be VippsError 99: {v}"
            );
        }
        Ok(())
    }
}

async fn harness() -> Harness {
    let config = ecom_sandbox::SandboxConfig {
        public_base_url: BASE.into(),
        rate_limits: false,
        max_payments: 5_000,
        ..Default::default()
    };
    let router = ecom_sandbox::app(config);
    let mut h = Harness {
        router,
        schemas: Arc::new(SchemaBook::load().unwrap()),
        token: String::new(),
        order: String::new(),
        landing_url: String::new(),
    };
    let (status, body) = h
        .call("POST", "/accesstoken/get", None, None, false, None)
        .await;
    assert_eq!(status, 200, "token: {}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    h.token = v["access_token"].as_str().unwrap().to_owned();
    h.order = "fuzz-order-1".into();
    let init = initiate_body(PaymentKind::Regular, &h.order);
    let (status, body) = h
        .call(
            "POST",
            "/ecomm/v2/payments",
            Some(&Payload::Json(init)),
            Some("application/json"),
            true,
            None,
        )
        .await;
    assert_eq!(status, 200, "initiate: {}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    h.landing_url = v["url"].as_str().unwrap().to_owned();
    let token = landing_token(&h.landing_url).unwrap();
    let approve = json!({"customerPhoneNumber": demo::MOBILE_NUMBER, "token": token});
    let (status, body) = h
        .call(
            "POST",
            &format!("/ecomm/v2/integration-test/payments/{}/approve", h.order),
            Some(&Payload::Json(approve)),
            Some("application/json"),
            true,
            None,
        )
        .await;
    assert_eq!(status, 200, "approve: {}", String::from_utf8_lossy(&body));
    h
}

fn cases() -> u32 {
    std::env::var("ECOM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn fuzz_every_endpoint() {
    // One thread: `oneshot` and the sandbox's background tasks share it, so each case costs
    // no cross-thread wake-ups.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let h = rt.block_on(harness());
    let msn = demo::MERCHANT_SERIAL_NUMBER;
    let action = |amount: i64| {
        json!({"merchantInfo": {"merchantSerialNumber": msn},
               "transaction": {"amount": amount, "transactionText": "fuzz"}})
    };
    let order = h.order.clone();
    let token = landing_token(&h.landing_url).unwrap();
    let endpoints: Vec<(&str, String, Value)> = vec![
        ("POST", "/accesstoken/get".into(), json!({})),
        (
            "POST",
            "/ecomm/v2/payments".into(),
            initiate_body(PaymentKind::Express, "fuzz-new"),
        ),
        (
            "POST",
            format!("/ecomm/v2/payments/{order}/capture"),
            action(100),
        ),
        (
            "POST",
            format!("/ecomm/v2/payments/{order}/refund"),
            action(100),
        ),
        (
            "PUT",
            format!("/ecomm/v2/payments/{order}/cancel"),
            json!({"merchantInfo": {"merchantSerialNumber": msn},
                   "transaction": {"transactionText": "fuzz"}, "shouldReleaseRemainingFunds": false}),
        ),
        (
            "POST",
            format!("/ecomm/v2/integration-test/payments/{order}/approve"),
            json!({"customerPhoneNumber": demo::MOBILE_NUMBER, "token": token}),
        ),
        ("POST", "/qr/v1".into(), json!({"url": h.landing_url})),
    ];
    let mut total = 0u64;
    // Every endpoint runs even if an earlier one failed, so one report shows all problems.
    let mut failures: Vec<String> = Vec::new();
    let by_status = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u64>::new());
    for (method, path, seed) in endpoints {
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        });
        let strategy = (
            payload(seed),
            prop_oneof![
                8 => Just(Some("application/json")),
                1 => Just(None),
                1 => Just(Some("text/plain")),
            ],
            prop_oneof![6 => Just(None), 1 => header().prop_map(Some)],
        );
        let n = std::cell::Cell::new(0u64);
        let result = runner.run(&strategy, |(body, ct, extra)| {
            n.set(n.get() + 1);
            let (status, resp) =
                rt.block_on(h.call(method, &path, Some(&body), ct, true, extra.as_ref()));
            *by_status.borrow_mut().entry(status).or_default() += 1;
            h.judge(method, &path, status, &resp)?;
            if n.get().is_multiple_of(500) {
                let (s, b) = rt.block_on(h.call(
                    "GET",
                    &format!("/ecomm/v2/payments/{order}/details"),
                    None,
                    None,
                    true,
                    None,
                ));
                prop_assert_eq!(s, 200, "still answering: {}", String::from_utf8_lossy(&b));
                h.judge("GET", "/ecomm/v2/payments/x/details", s, &b)?;
            }
            Ok(())
        });
        total += n.get();
        if let Err(e) = result {
            failures.push(format!("{method} {path}: {e}"));
        }
        eprintln!("fuzz: {method} {path}: {} cases", n.get());
    }
    // GET endpoints: random orderId / sub segments.
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let n = std::cell::Cell::new(0u64);
    let result = runner.run(
        &(
            text(60),
            0usize..3,
            prop_oneof![6 => Just(None), 1 => header().prop_map(Some)],
        ),
        |(seg, which, extra)| {
            n.set(n.get() + 1);
            let enc: String = seg
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b == b'-' {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            let path = match which {
                0 => format!("/ecomm/v2/payments/{enc}/details"),
                1 => format!("/ecomm/v2/payments/{enc}/status"),
                _ => format!("/vipps-userinfo-api/userinfo/{enc}"),
            };
            let (status, resp) =
                rt.block_on(h.call("GET", &path, None, None, true, extra.as_ref()));
            *by_status.borrow_mut().entry(status).or_default() += 1;
            h.judge("GET", &path, status, &resp)
        },
    );
    total += n.get();
    if let Err(e) = result {
        failures.push(format!("GET segments: {e}"));
    }
    eprintln!("fuzz: GET details/status/userinfo: {} cases", n.get());

    // Liveness over real HTTP, same router and state.
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = h.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let api = Api::new(Target::demo(&base), h.schemas.clone()).unwrap();
        api.login().await.unwrap();
        let r = api.details(&order).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.describe());
        let body = initiate_body(PaymentKind::Regular, "fuzz-liveness");
        let r = api.initiate(&body).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.describe());
    });
    // Straight to stderr, past the test harness's capture: the count is the point.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "fuzz: {total} cases in all; statuses seen: {:?}; real-HTTP liveness ok",
        by_status.borrow()
    );
    assert!(total >= 10_000 || cases() < 10_000);
    assert!(
        failures.is_empty(),
        "{} endpoint(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
