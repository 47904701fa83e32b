//! DNS rebinding: the server answers only for its own host names (listen address, public URL,
//! `--allowed-host`), on every route, and refuses any other `Host` with 421 and the proxy
//! error contract.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `GET path` with this `Host` (or none) and returns the status and the whole response.
async fn get_with_host(addr: SocketAddr, path: &str, host: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let host_line = host.map_or_else(String::new, |h| format!("Host: {h}\r\n"));
    let request = format!("GET {path} HTTP/1.1\r\n{host_line}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

const PATHS: [&str; 4] = [
    "/sandbox/__sim/payments",
    "/__proxy/info",
    "/",
    "/mt/ecomm/v2/payments/order-1/details",
];

async fn proxy_with_app(extra: &[&str]) -> (TestProxy, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>eCom Playground</title>",
    )
    .unwrap();
    let mut args = vec!["--static-dir", dist.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    (spawn_proxy(config(&args)).await, dist)
}

#[tokio::test]
async fn foreign_hosts_are_refused_on_every_route() {
    // With an access token MT answers 401 without any network access when the host is right.
    let (proxy, _dist) = proxy_with_app(&["--token", "host-test-token-0123456789"]).await;
    let port = proxy.addr.port();
    for path in PATHS {
        for host in [
            Some("evil.example:8080"),
            Some(&format!("evil.example:{port}")[..]),
            Some("127.0.0.2:8080"),
            Some("localhost.evil.example"),
            None,
        ] {
            let (status, text) = get_with_host(proxy.addr, path, host).await;
            assert_eq!(status, 421, "{path} with {host:?}:\n{text}");
            let lower = text.to_lowercase();
            assert!(
                lower.contains("x-playground-proxy-error: host_forbidden")
                    && lower.contains("content-type: application/json")
                    && lower.contains("x-content-type-options: nosniff"),
                "{text}"
            );
            let body: serde_json::Value =
                serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
            assert_eq!(body["source"], "proxy");
            assert_eq!(body["kind"], "host_forbidden");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains("--allowed-host") && message.contains(&proxy.url),
                "{message}"
            );
        }
    }
    // The names the server is really reached by work.
    // Loopback names on any port or none, as `trunk serve` sends them (`Host: 127.0.0.1`):
    // a rebinding page can never make the browser send them.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".to_string(),
        "localhost:8081".to_string(),
    ] {
        for path in PATHS {
            let (status, text) = get_with_host(proxy.addr, path, Some(&host)).await;
            if path.starts_with("/mt/") {
                assert_eq!(status, 401, "{path} with {host}:\n{text}");
            } else {
                assert_eq!(status, 200, "{path} with {host}:\n{text}");
            }
        }
    }
}

#[tokio::test]
async fn the_public_url_and_allowed_hosts_are_accepted() {
    let (proxy, _dist) = proxy_with_app(&[
        "--public-url",
        "https://playground.example.com",
        "--allowed-host",
        "docs.example.com",
        "--allowed-host",
        "10.0.0.5:8080",
    ])
    .await;
    for host in [
        "playground.example.com",
        "playground.example.com:443",
        "docs.example.com",
        "docs.example.com:8443",
        "10.0.0.5:8080",
    ] {
        let (status, text) = get_with_host(proxy.addr, "/__proxy/info", Some(host)).await;
        assert_eq!(status, 200, "{host}:\n{text}");
    }
    for host in [
        "playground.example.com:8080",
        "10.0.0.5:9090",
        "evil.example",
        "docs.example.com.evil.example",
    ] {
        let (status, text) = get_with_host(proxy.addr, "/__proxy/info", Some(host)).await;
        assert_eq!(status, 421, "{host}:\n{text}");
    }
}
