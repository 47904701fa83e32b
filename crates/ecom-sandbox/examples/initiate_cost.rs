//! Prints the in-process cost of one initiate versus a bare axum route (no network, so the
//! figure does not depend on the load generator). Run with:
//! `cargo run --release -p ecom-sandbox --example initiate_cost`
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use axum::routing::post;
use axum::Router;
use ecom_core::demo;
use tower::ServiceExt as _;

const N: usize = 50_000;

// Same allocator as the `ecom-sandbox` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn cpu_seconds() -> f64 {
    // User + system time of this process, so other load on the machine does not count.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

async fn measure(name: &str, app: Router, make: impl Fn(usize) -> Request<Body>) -> f64 {
    let (c0, w0) = (cpu_seconds(), Instant::now());
    for i in 0..N {
        let r = app.clone().oneshot(make(i)).await.unwrap();
        assert!(r.status().is_success(), "{name}: {}", r.status());
        let _ = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    }
    let cpu = cpu_seconds() - c0;
    let per = cpu / N as f64 * 1e6;
    println!(
        "{name:>10}: {per:7.2} µs CPU per request ({:.0} req/s on one core; wall {:.2} s)",
        1e6 / per,
        w0.elapsed().as_secs_f64()
    );
    per
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let bare = Router::new().route("/x", post(|| async { "ok" }));
    let config = ecom_sandbox::SandboxConfig {
        rate_limits: false,
        ..Default::default()
    };
    let sandbox = ecom_sandbox::app(config);
    let r = sandbox
        .clone()
        .oneshot(
            Request::post("/accesstoken/get")
                .header("client_id", demo::CLIENT_ID)
                .header("client_secret", demo::CLIENT_SECRET)
                .header("Ocp-Apim-Subscription-Key", demo::SUBSCRIPTION_KEY)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap())
            .unwrap();
    let token = v["access_token"].as_str().unwrap().to_owned();
    let b = measure("bare", bare, |_| {
        Request::post("/x").body(Body::from("{}")).unwrap()
    })
    .await;
    let run = std::process::id();
    let i = measure("initiate", sandbox, |i| {
        let body = format!(
            r#"{{"merchantInfo":{{"authToken":"x","callbackPrefix":"https://example.com/cb","fallBack":"https://example.com/fb","merchantSerialNumber":"123456"}},"customerInfo":{{"mobileNumber":"91234567"}},"transaction":{{"amount":49900,"orderId":"b{run}-{i}","transactionText":"bench"}}}}"#
        );
        Request::post("/ecomm/v2/payments")
            .header("Authorization", format!("Bearer {token}"))
            .header("Ocp-Apim-Subscription-Key", demo::SUBSCRIPTION_KEY)
            .header("Merchant-Serial-Number", demo::MERCHANT_SERIAL_NUMBER)
            .header("Content-Type", "application/json")
            .body(Body::from(body))
            .unwrap()
    })
    .await;
    let rss = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("VmRSS: ?")
        .to_owned();
    println!("after {N} payments: {rss}");
    println!("initiate costs {:.1}x a bare route (handler only; HTTP parsing and the network come on top of both)", i / b);
}
