//! Callbacks go straight to the merchant even when the environment names an HTTP proxy, so
//! `HTTP_PROXY` cannot route them (and the authToken they carry) elsewhere.
//!
//! This file holds one test because it sets process-wide environment variables.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use common::{initiate_body, order_id};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn callbacks_ignore_proxy_environment_variables() {
    // A "proxy" that must never be contacted: it counts connections and answers nothing.
    let canary = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", canary.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = canary.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::set_var(name, &proxy_url);
    }
    for name in ["NO_PROXY", "no_proxy"] {
        std::env::remove_var(name);
    }

    // The merchant, on loopback, records the Authorization header of each callback.
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let record = seen.clone();
    let merchant = Router::new().route(
        "/cb/v2/payments/{id}",
        post(move |h: HeaderMap| {
            let record = record.clone();
            async move {
                let auth = h
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                record.lock().unwrap().push(auth);
                "ok"
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mbase = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, merchant).await.unwrap() });

    let sb = common::start_with(ecom_sandbox::SandboxConfig {
        allow_loopback_callbacks: true,
        ..Default::default()
    })
    .await;
    let t = sb.token().await;
    let id = order_id("envproxy");
    let mut body = initiate_body(&id, 1000);
    body["merchantInfo"]["callbackPrefix"] = json!(format!("{mbase}/cb"));
    let (s, r) = sb.initiate(&t, &body).await;
    assert_eq!(s, 200, "{r}");
    let token = common::landing_token(r["url"].as_str().unwrap());
    let (s, v) = sb
        .sim(Method::POST, &format!("/app/{token}/approve"), None)
        .await;
    assert_eq!(s, 200, "{v}");

    for _ in 0..150 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        got,
        [Some("cb-auth-token-123".to_owned())],
        "the callback did not reach the merchant directly; records: {:?}",
        sb.callbacks(&id).await
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the proxy was contacted");
}
