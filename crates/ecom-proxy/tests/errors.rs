//! Every error the proxy makes itself, with its status, kind, header and a message that says
//! what to do, against real local upstreams (HTTPS echo, slow, dead, untrusted certificate).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const ORIGIN: &str = "http://127.0.0.1:8081";

async fn echo_proxy(extra: &[&str]) -> (TestProxy, Log, TestCa) {
    let ca = TestCa::new();
    let (echo_url, log) = https_echo(&ca, "https://example.com/".into()).await;
    let upstream = format!("echo={echo_url}");
    let mut args = vec![
        "--no-sandbox",
        "--no-mt",
        "--upstream",
        &upstream,
        "--trust-ca",
        ca.ca_path(),
    ];
    args.extend_from_slice(extra);
    (spawn_proxy(config(&args)).await, log, ca)
}

#[tokio::test]
async fn missing_or_wrong_token_is_unauthorized() {
    let token = "s3cret-proxy-token-0123456789";
    let (proxy, log, _ca) = echo_proxy(&["--token", token]).await;
    let url = format!("{}/echo/ping", proxy.url);

    let missing = client()
        .get(&url)
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    // The app must be able to read the error, so it carries CORS headers.
    assert_eq!(missing.headers()["access-control-allow-origin"], ORIGIN);
    let body = assert_proxy_error(missing, 401, "unauthorized").await;
    assert_eq!(body["upstream"], "echo");
    assert!(body["message"].as_str().unwrap().contains("X-Proxy-Token"));

    for wrong in [
        "s3cret-proxy-token-012345678",
        "s3cret-proxy-token-01234567890",
        "x",
    ] {
        let response = client()
            .get(&url)
            .header("x-proxy-token", wrong)
            .send()
            .await
            .unwrap();
        let body = assert_proxy_error(response, 401, "unauthorized").await;
        assert!(!body.to_string().contains("s3cret"), "{body}");
    }
    assert!(log.all().is_empty());

    let ok = client()
        .get(&url)
        .header("x-proxy-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 418);
    assert_eq!(log.all().len(), 1);
    assert!(log.all()[0].headers.get("x-proxy-token").is_none());

    // The info endpoint stays readable so the app can tell the user a token is needed.
    let info = client()
        .get(format!("{}/__proxy/info", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
}

#[tokio::test]
async fn forbidden_origin_and_unknown_upstream() {
    let (proxy, log, _ca) = echo_proxy(&[]).await;
    let response = client()
        .post(format!("{}/echo/ping", proxy.url))
        .header("origin", "https://attacker.example")
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 403, "origin_forbidden").await;
    assert_eq!(body["upstream"], serde_json::Value::Null);

    for path in ["/nope/ping", "/", "/mt/ecomm/v2/payments", "/__proxy/other"] {
        let response = client()
            .get(format!("{}{path}", proxy.url))
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
        let body = assert_proxy_error(response, 404, "unknown_upstream").await;
        assert!(
            body["message"].as_str().unwrap().contains("(echo)"),
            "{body}"
        );
    }
    assert!(log.all().is_empty());
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_forwarding() {
    let (proxy, log, _ca) = echo_proxy(&["--body-limit", "100"]).await;
    let url = format!("{}/echo/ecomm/v2/payments", proxy.url);
    let response = client()
        .post(&url)
        .body(vec![b'a'; 101])
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 413, "body_too_large").await;
    assert!(body["message"].as_str().unwrap().contains("100 bytes"));

    // Without a Content-Length (chunked), the limit applies while reading.
    let chunks = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(vec![b'a'; 60]),
        Ok(vec![b'b'; 60]),
    ]);
    let response = client()
        .post(&url)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_proxy_error(response, 413, "body_too_large").await;
    assert!(log.all().is_empty());

    let response = client()
        .post(&url)
        .body(vec![b'a'; 100])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 418);
    assert_eq!(log.all()[0].body.len(), 100);
}

#[tokio::test]
async fn clients_over_the_rate_limit_get_429_with_retry_after() {
    let (proxy, log, _ca) = echo_proxy(&["--rate-limit", "60", "--rate-limit-burst", "3"]).await;
    let url = format!("{}/echo/ping", proxy.url);
    for _ in 0..3 {
        assert_eq!(client().get(&url).send().await.unwrap().status(), 418);
    }
    let response = client()
        .get(&url)
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    let body = assert_proxy_error(response, 429, "rate_limited").await;
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("60 requests per minute"));
    assert_eq!(log.all().len(), 3);
    // Static files and the info endpoint are not counted.
    let info = client()
        .get(format!("{}/__proxy/info", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
}

#[tokio::test]
async fn a_dead_upstream_is_unreachable() {
    let ca = TestCa::new();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let upstream = format!("dead=https://127.0.0.1:{port}");
    let proxy = spawn_proxy(config(&[
        "--no-sandbox",
        "--upstream",
        &upstream,
        "--trust-ca",
        ca.ca_path(),
    ]))
    .await;
    let response = client()
        .post(format!(
            "{}/dead/accesstoken/get?secret=query-value",
            proxy.url
        ))
        .header("client_secret", "header-secret-value")
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 502, "unreachable").await;
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("the proxy could not reach 127.0.0.1:{port}: ")),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
    assert!(!message.contains("query-value") && !message.contains("header-secret-value"));
    assert_eq!(body["upstream"], "dead");
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let ca = TestCa::new();
    let (echo_url, log) = https_echo(&ca, "https://example.com/".into()).await;
    let upstream = format!("echo={echo_url}");
    // No --trust-ca: the echo's certificate is from an unknown authority.
    let proxy = spawn_proxy(config(&["--no-sandbox", "--upstream", &upstream])).await;
    let response = client()
        .get(format!("{}/echo/ping", proxy.url))
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 502, "tls").await;
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("--trust-ca"), "{message}");
    assert!(message.to_lowercase().contains("certificate"), "{message}");
    assert!(log.all().is_empty());

    // A CA that did not sign it does not help either.
    let other = TestCa::new();
    let proxy = spawn_proxy(config(&[
        "--no-sandbox",
        "--upstream",
        &upstream,
        "--trust-ca",
        other.ca_path(),
    ]))
    .await;
    let response = client()
        .get(format!("{}/echo/ping", proxy.url))
        .send()
        .await
        .unwrap();
    assert_proxy_error(response, 502, "tls").await;
}

#[tokio::test]
async fn a_slow_upstream_times_out() {
    let (proxy, log, _ca) = echo_proxy(&["--upstream-timeout", "0.5"]).await;
    let started = std::time::Instant::now();
    let response = client()
        .get(format!("{}/echo/slow", proxy.url))
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 504, "timeout").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("timed out after 0.5 s"), "{message}");
    assert!(message.contains("could not reach 127.0.0.1:"), "{message}");
    assert_eq!(log.paths(), ["/slow"]);
}

#[tokio::test]
async fn unforwardable_requests_are_bad_requests() {
    let (proxy, log, _ca) = echo_proxy(&[]).await;
    let url = format!("{}/echo/ping", proxy.url);
    // A header value outside printable ASCII (obs-text passes HTTP parsing but is refused).
    let value = reqwest::header::HeaderValue::from_bytes(b"Bearer secret-\xff-token").unwrap();
    let response = client()
        .get(&url)
        .header("authorization", value)
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 400, "bad_request").await;
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("authorization") && !message.contains("secret-"),
        "{message}"
    );

    let response = client()
        .request(reqwest::Method::TRACE, &url)
        .send()
        .await
        .unwrap();
    assert_proxy_error(response, 400, "bad_request").await;

    let response = client()
        .get(format!("{}/echo/a/%2f/b", proxy.url))
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 400, "bad_request").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("only letters, digits"),
        "{body}"
    );
    assert!(log.all().is_empty());
}

#[tokio::test]
async fn in_process_router_upstreams_are_filtered_and_timed_like_https_ones() {
    let log = Log::default();
    let mut config = config(&["--no-sandbox", "--upstream-timeout", "0.5"]);
    config
        .add_router_upstream(
            "local",
            echo_router(log.clone(), "https://example.com/".into()),
        )
        .unwrap();
    let proxy = spawn_proxy(config).await;
    let response = client()
        .put(format!(
            "{}/local/ecomm/v2/payments/o-1/cancel?x=1",
            proxy.url
        ))
        .header("authorization", "Bearer t")
        .header("cookie", "a=b")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 418);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("x-hop-header").is_none());
    assert!(response.headers()["server-timing"]
        .to_str()
        .unwrap()
        .starts_with("upstream;dur="));
    let got = &log.all()[0];
    assert_eq!(got.path_and_query, "/ecomm/v2/payments/o-1/cancel?x=1");
    assert!(got.headers.get("cookie").is_none());
    assert_eq!(got.headers["authorization"], "Bearer t");

    let response = client()
        .get(format!("{}/local/slow", proxy.url))
        .send()
        .await
        .unwrap();
    let body = assert_proxy_error(response, 504, "timeout").await;
    assert!(body["message"].as_str().unwrap().contains("0.5 s"));
}

#[tokio::test]
async fn forwarded_for_counts_only_when_trusted() {
    // By default a client cannot escape its bucket by inventing X-Forwarded-For addresses.
    let (proxy, _log, _ca) = echo_proxy(&["--rate-limit", "1", "--rate-limit-burst", "1"]).await;
    let url = format!("{}/echo/ping", proxy.url);
    let first = client()
        .get(&url)
        .header("x-forwarded-for", "192.0.2.1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 418);
    let second = client()
        .get(&url)
        .header("x-forwarded-for", "192.0.2.2")
        .send()
        .await
        .unwrap();
    assert_proxy_error(second, 429, "rate_limited").await;

    // Behind a trusted terminator, the last entry (the one it appended) is the client.
    let (proxy, _log, _ca) = echo_proxy(&[
        "--rate-limit",
        "1",
        "--rate-limit-burst",
        "1",
        "--client-ip-from-forwarded-for",
    ])
    .await;
    let url = format!("{}/echo/ping", proxy.url);
    let a = client()
        .get(&url)
        .header("x-forwarded-for", "10.9.9.9, 192.0.2.1")
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 418);
    let b = client()
        .get(&url)
        .header("x-forwarded-for", "192.0.2.2")
        .send()
        .await
        .unwrap();
    assert_eq!(b.status(), 418);
    let again = client()
        .get(&url)
        .header("x-forwarded-for", "10.1.1.1, 192.0.2.1")
        .send()
        .await
        .unwrap();
    assert_proxy_error(again, 429, "rate_limited").await;
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_after_the_upstream_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (proxy, log, _ca) = echo_proxy(&["--upstream-timeout", "0.5"]).await;
    let mut stream = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    stream
        .write_all(format!("POST /echo/ping HTTP/1.1\r\nHost: {}\r\nContent-Length: 50\r\nConnection: close\r\n\r\n0123456789", proxy.addr).as_bytes())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut response),
    )
    .await
    .unwrap()
    .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("did not arrive within 0.5 s"), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(log.all().is_empty());
}

#[tokio::test]
async fn upstream_redirects_are_refused_without_their_location() {
    let (proxy, log, _ca) = echo_proxy(&[]).await;
    let response = client()
        .get(format!("{}/echo/redirect", proxy.url))
        .header("origin", ORIGIN)
        .header("client_secret", "not-a-real-secret")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers().get("location").is_none(),
        "{:?}",
        response.headers()
    );
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    let body = assert_proxy_error(response, 502, "upstream_redirect").await;
    assert_eq!(body["upstream"], "echo");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("127.0.0.1:")
            && message.contains("302")
            && message.contains("did not follow")
            && message.contains("withholds its Location"),
        "{message}"
    );
    assert!(!message.contains("example.com"), "{message}");
    // The upstream was asked once; nothing followed the redirect.
    assert_eq!(log.paths(), ["/redirect"]);
}
