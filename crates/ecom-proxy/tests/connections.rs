//! Slow and idle clients cannot starve the server: a connection that does not send a request
//! head in time is closed (first request or between keep-alive requests), at most
//! `--max-connections` are open, and a normal request still gets through when idle
//! connections fill the cap. Reaching the cap is logged once, not per connection.
//!
//! Outcomes only (closed, answered), never durations; the generous time limits only keep a
//! broken server from hanging the test. This file holds one test because it installs the
//! process-wide tracing subscriber.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for anything the server must do; far above the 1 s timeouts used here.
const GUARD: Duration = Duration::from_secs(30);

/// Reads until the server closes the connection; returns what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    match tokio::time::timeout(GUARD, stream.read_to_end(&mut received)).await {
        Ok(_) => received,
        Err(_) => panic!("the server kept the connection open"),
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_and_the_cap_holds() {
    let logs = Buffer::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(ecom_proxy::subscriber(move || writer.clone()))
        .unwrap();

    let proxy = spawn_proxy(config(&[
        "--no-mt",
        "--header-read-timeout",
        "1",
        "--max-connections",
        "4",
    ]))
    .await;
    let host = proxy.addr.to_string();

    // A request head that never ends (slowloris) is cut off.
    let mut slow = TcpStream::connect(proxy.addr).await.unwrap();
    slow.write_all(format!("GET /__proxy/info HTTP/1.1\r\nHost: {host}\r\nX-Slow: ").as_bytes())
        .await
        .unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "a request without its end of head was answered"
    );

    // A kept-alive connection that sends no second request is closed after the first answer.
    let mut kept = TcpStream::connect(proxy.addr).await.unwrap();
    kept.write_all(format!("GET /__proxy/info HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&read_until_closed(&mut kept).await).to_string();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");

    // Three times the cap in idle connections: the ones served first are closed by the
    // timeout, the ones waiting behind them get their turn, and so does a normal request.
    let mut idle = Vec::new();
    for _ in 0..12 {
        idle.push(TcpStream::connect(proxy.addr).await.unwrap());
    }
    let response = reqwest::Client::builder()
        .no_proxy()
        .timeout(GUARD)
        .build()
        .unwrap()
        .get(format!("{}/__proxy/info", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let info: serde_json::Value = response.json().await.unwrap();
    assert_eq!(info["upstreams"][0]["name"], "sandbox");
    for stream in &mut idle {
        let sent = read_until_closed(stream).await;
        assert!(sent.is_empty(), "an idle connection got {sent:?}");
    }
    proxy.shutdown().await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let warnings = text
        .matches("connection limit reached: 4 connections are open")
        .count();
    assert_eq!(
        warnings, 1,
        "the cap must be logged once per burst:\n{text}"
    );
    assert!(text.contains("--max-connections"), "{text}");
}
