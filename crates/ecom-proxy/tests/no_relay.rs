//! A battery of attempts to make the proxy reach anything that is not a configured upstream.
//!
//! Requests are written as raw bytes so that no client library normalizes them first. A canary
//! server counts every TCP connection it gets (it must get none), and the one configured
//! upstream must have received exactly the paths listed as forwarded, nothing else.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What an attempt must lead to.
#[derive(Debug, Clone)]
enum Expect {
    /// Answered locally with any status (CORS answers every OPTIONS itself), nothing forwarded.
    NotForwarded,
    /// Refused by the proxy or the HTTP parser with this status, nothing forwarded.
    Refused(u16),
    /// Refused with some 4xx (the exact code belongs to the HTTP parser), nothing forwarded.
    AnyClientError,
    /// Forwarded to the configured upstream with exactly this path and query, answered with this status.
    Forwarded(String, u16),
}

/// Sends raw request bytes and returns the status code (0 if the connection closed without a response).
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn nothing_but_the_configured_upstream_is_ever_reached() {
    let ca = TestCa::new();
    let canary = Canary::new().await;
    let c = canary.addr.port();
    let (echo_url, log) = https_echo(&ca, format!("http://127.0.0.1:{c}/stolen")).await;
    let upstream = format!("echo={echo_url}");
    let proxy = spawn_proxy(config(&[
        "--no-sandbox",
        "--upstream",
        &upstream,
        "--trust-ca",
        ca.ca_path(),
        "--rate-limit",
        "0",
    ]))
    .await;
    let host = proxy.addr.to_string();

    use Expect::*;
    // (request target, extra header lines, expected outcome)
    let mut attempts: Vec<(String, String, Expect)> = vec![
        // Absolute URLs and hosts in the path.
        (
            format!("/http://127.0.0.1:{c}/"),
            String::new(),
            Refused(404),
        ),
        (
            format!("/https://127.0.0.1:{c}/x"),
            String::new(),
            Refused(404),
        ),
        (format!("/127.0.0.1:{c}/"), String::new(), Refused(404)),
        (format!("//127.0.0.1:{c}/"), String::new(), Refused(404)),
        (
            format!("/echo/http://127.0.0.1:{c}/"),
            String::new(),
            Refused(400),
        ),
        (
            format!("/echo//127.0.0.1:{c}/"),
            String::new(),
            Refused(400),
        ),
        (
            format!("/echo/https:/127.0.0.1:{c}"),
            String::new(),
            Refused(400),
        ),
        // Absolute-form request target: its authority never routes (a loopback name is one of
        // this loopback server's own), and a foreign name is refused like a foreign Host (421).
        (
            format!("http://127.0.0.1:{c}/"),
            String::new(),
            Refused(404),
        ),
        (
            format!("http://127.0.0.1:{c}/echo/absolute-form"),
            String::new(),
            Forwarded("/absolute-form".into(), 418),
        ),
        (
            "http://evil.example/echo/absolute-form".into(),
            String::new(),
            Refused(421),
        ),
        // Dot segments, raw and encoded, single and double.
        ("/echo/../../".into(), String::new(), Refused(400)),
        ("/echo/ping/..".into(), String::new(), Refused(400)),
        ("/echo/./ping".into(), String::new(), Refused(400)),
        ("/echo/%2e%2e/%2e%2e/".into(), String::new(), Refused(400)),
        (
            "/echo/%2E%2E%2F%2E%2E%2F".into(),
            String::new(),
            Refused(400),
        ),
        ("/echo/%252e%252e%252f".into(), String::new(), Refused(400)),
        ("/echo/..%2f..%2fetc".into(), String::new(), Refused(400)),
        ("/echo/..%5c..%5c".into(), String::new(), Refused(400)),
        ("/echo/.%2e/".into(), String::new(), Refused(400)),
        // Encoded slashes and hosts.
        (
            format!("/echo%2f127.0.0.1:{c}"),
            String::new(),
            Refused(404),
        ),
        (
            format!("/echo%2F%2F127.0.0.1:{c}"),
            String::new(),
            Refused(404),
        ),
        (
            format!("/echo/%2f%2f127.0.0.1:{c}"),
            String::new(),
            Refused(400),
        ),
        (
            format!("/echo/%252f%252f127.0.0.1:{c}"),
            String::new(),
            Refused(400),
        ),
        // Userinfo tricks.
        (format!("/echo@127.0.0.1:{c}/"), String::new(), Refused(404)),
        (
            format!("/echo:443@127.0.0.1:{c}/x"),
            String::new(),
            Refused(404),
        ),
        (
            format!("/echo/@127.0.0.1:{c}/"),
            String::new(),
            Refused(400),
        ),
        (
            format!("/echo/x%40127.0.0.1:{c}"),
            String::new(),
            Refused(400),
        ),
        // IP forms: decimal, hex, octal, IPv6, mapped.
        ("/2130706433/".into(), String::new(), Refused(404)),
        ("/0x7f000001/".into(), String::new(), Refused(404)),
        ("/0177.0.0.1/".into(), String::new(), Refused(404)),
        ("/127.1/".into(), String::new(), Refused(404)),
        (format!("/[::1]:{c}/"), String::new(), AnyClientError),
        (
            "/echo/[::ffff:127.0.0.1]/".into(),
            String::new(),
            AnyClientError,
        ),
        (format!("/%5B%3A%3A1%5D:{c}/"), String::new(), Refused(404)),
        (format!("/localhost:{c}/"), String::new(), Refused(404)),
        // Unknown or look-alike upstream names.
        ("/canary/".into(), String::new(), Refused(404)),
        ("/Echo/ping".into(), String::new(), Refused(404)),
        (
            "/echo.evil.example/ping".into(),
            String::new(),
            Refused(404),
        ),
        ("/sandbox/ping".into(), String::new(), Refused(404)),
        (
            "/production/ecomm/v2/payments".into(),
            String::new(),
            Refused(404),
        ),
        ("/%65cho/ping".into(), String::new(), Refused(404)),
        ("/__proxy/../echo/ping".into(), String::new(), Refused(404)),
        // Backslashes and control characters.
        ("/echo/%5c%5c127.0.0.1/".into(), String::new(), Refused(400)),
        ("/echo/%00".into(), String::new(), Refused(400)),
        (
            "/echo/ping%0d%0aHost:%20evil".into(),
            String::new(),
            Refused(400),
        ),
        // Spoofed Host and forwarding headers do not choose the target.
        (
            "/echo/spoofed-host".into(),
            format!("X-Forwarded-Host: 127.0.0.1:{c}\r\nForwarded: host=127.0.0.1:{c}\r\n"),
            Forwarded("/spoofed-host".into(), 418),
        ),
        // CRLF injection attempts in header values.
        (
            "/echo/crlf".into(),
            format!("X-Request-Id: a\r\n Host: 127.0.0.1:{c}\r\n"),
            AnyClientError,
        ),
        (
            "/echo/crlf-encoded".into(),
            "X-Request-Id: a%0d%0aHost:%20evil\r\n".into(),
            Forwarded("/crlf-encoded".into(), 418),
        ),
        (
            "/echo/bad-byte".into(),
            "Authorization: Bearer a\x01b\r\n".into(),
            AnyClientError,
        ),
        // Redirects to loopback are neither followed nor passed back (502 upstream_redirect).
        (
            "/echo/redirect".into(),
            String::new(),
            Forwarded("/redirect".into(), 502),
        ),
        // The upstream's root, with and without the slash, and a path with a trailing slash
        // (each is a route of its own) go to that upstream.
        ("/echo".into(), String::new(), Forwarded("/".into(), 418)),
        ("/echo/".into(), String::new(), Forwarded("/".into(), 418)),
        (
            "/echo/ecomm/v2/payments/".into(),
            String::new(),
            Forwarded("/ecomm/v2/payments/".into(), 418),
        ),
        // A query naming another host goes to the configured upstream only.
        (
            format!("/echo/ping?url=http://127.0.0.1:{c}/&host=127.0.0.1:{c}"),
            String::new(),
            Forwarded(
                format!("/ping?url=http://127.0.0.1:{c}/&host=127.0.0.1:{c}"),
                418,
            ),
        ),
    ];
    // Methods that tunnel or echo.
    let special: Vec<(String, Expect)> = vec![
        (format!("CONNECT 127.0.0.1:{c} HTTP/1.1\r\nHost: 127.0.0.1:{c}\r\nConnection: close\r\n\r\n"), AnyClientError),
        (format!("TRACE /echo/ping HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), Refused(400)),
        (format!("OPTIONS * HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), NotForwarded),
        (format!("OPTIONS /echo/ping HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), NotForwarded),
        (format!("GET /echo/ping HTTP/1.1\r\nHost: 127.0.0.1:{c}\r\nConnection: close\r\n\r\n"), Forwarded("/ping".into(), 418)),
        ("GET /echo/ping HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".into(), Refused(421)),
    ];

    let mut expected_forwarded = Vec::new();
    let mut failures = Vec::new();
    let total = attempts.len() + special.len();
    let mut requests: Vec<(String, Vec<u8>, Expect)> = attempts
        .drain(..)
        .map(|(target, extra, expect)| {
            let bytes = format!(
                "GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
            );
            (target, bytes.into_bytes(), expect)
        })
        .collect();
    requests.extend(special.into_iter().map(|(bytes, expect)| {
        (
            bytes.lines().next().unwrap().to_string(),
            bytes.into_bytes(),
            expect,
        )
    }));
    for (label, bytes, expect) in &requests {
        let before = log.all().len();
        let (status, text) = raw(proxy.addr, bytes).await;
        let forwarded = log.paths()[before..].to_vec();
        let ok = match expect {
            NotForwarded => status != 0 && forwarded.is_empty(),
            Refused(code) => status == *code && forwarded.is_empty(),
            AnyClientError => (400..500).contains(&status) && forwarded.is_empty(),
            Forwarded(path, code) => {
                expected_forwarded.push(path.clone());
                status == *code && forwarded == [path.clone()]
            }
        };
        if !ok {
            failures.push(format!(
                "{label:?}: expected {expect:?}, got {status}, forwarded {forwarded:?}\n{}",
                text.lines().last().unwrap_or("")
            ));
        }
        if let Refused(code) = expect {
            if *code == 400 || *code == 404 || *code == 421 {
                // Refusals made by the proxy itself use the error contract.
                if !text.contains("x-playground-proxy-error") {
                    failures.push(format!("{label:?}: refusal without the proxy error header"));
                }
            }
        }
    }
    assert!(total >= 30, "only {total} attempts");
    assert!(
        failures.is_empty(),
        "{} of {total} attempts misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The redirect's Location never reaches the client, so a browser cannot follow it either.
    let (_, text) = raw(
        proxy.addr,
        format!("GET /echo/redirect HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    let lower = text.to_lowercase();
    assert!(
        !lower.contains("location:") && !lower.contains("/stolen"),
        "{text}"
    );
    assert!(
        lower.contains("x-playground-proxy-error: upstream_redirect"),
        "{text}"
    );
    expected_forwarded.push("/redirect".into());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(canary.hits(), 0, "the canary was contacted");
    assert_eq!(log.paths(), expected_forwarded);
}
