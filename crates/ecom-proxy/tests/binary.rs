//! The `ecom-proxy` binary as the README's start command runs it: one stdout line with the URL,
//! app + proxy + sandbox on one origin, clear start-up errors, graceful stop on SIGTERM.

#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::client;

#[tokio::test]
async fn start_command_serves_app_proxy_and_sandbox_on_one_origin() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>eCom Playground</title>",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecom-proxy"))
        .args(["--listen", "127.0.0.1:0", "--static-dir"])
        .arg(dist.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .strip_prefix("eCom Playground: ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end()
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );

    let index = client().get(&url).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("eCom Playground"));
    let info: serde_json::Value = client()
        .get(format!("{url}__proxy/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["upstreams"][0]["name"], "sandbox");
    assert_eq!(info["upstreams"][0]["target"], "in-process sandbox");
    assert_eq!(info["upstreams"][1]["name"], "mt");
    assert_eq!(info["production_enabled"], false);
    let token = client()
        .post(format!("{url}sandbox/accesstoken/get"))
        .header("client_id", ecom_core::demo::CLIENT_ID)
        .header("client_secret", ecom_core::demo::CLIENT_SECRET)
        .header(
            "ocp-apim-subscription-key",
            ecom_core::demo::SUBSCRIPTION_KEY,
        )
        .header(
            "merchant-serial-number",
            ecom_core::demo::MERCHANT_SERIAL_NUMBER,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "stdout must hold only the URL line");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("path=/sandbox/accesstoken/get status=200"),
        "{stderr}"
    );
    assert!(!stderr.contains(ecom_core::demo::CLIENT_SECRET));
}

#[test]
fn invalid_settings_stop_the_binary_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_ecom-proxy"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "extra=http://example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid --upstream") && stderr.contains("must use https"),
        "{stderr}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_ecom-proxy"))
        .args(["--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot listen on") && stderr.contains("--listen"),
        "{stderr}"
    );
}

#[test]
fn loopback_callbacks_are_refused_for_a_hosted_proxy_before_listening() {
    // 192.0.2.10 (TEST-NET-1) is never this machine's address, so nothing is exposed either way.
    let output = Command::new(env!("CARGO_BIN_EXE_ecom-proxy"))
        .args([
            "--listen",
            "192.0.2.10:0",
            "--sandbox-allow-loopback-callbacks",
        ])
        .env_remove("ECOM_PROXY_SANDBOX_CONTROL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid --sandbox-allow-loopback-callbacks")
            && stderr.contains("192.0.2.10:0 is not a loopback address")
            && stderr.contains("must not call its own loopback services")
            && stderr.contains("drop the flag"),
        "{stderr}"
    );
}
