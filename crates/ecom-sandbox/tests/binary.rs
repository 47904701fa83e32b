//! The `ecom-sandbox` binary refuses loopback callbacks when it listens on a non-loopback
//! address, before it listens at all.
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn loopback_callbacks_are_refused_off_loopback() {
    // 192.0.2.10 (TEST-NET-1) is never this machine's address, so nothing is exposed either way.
    let output = Command::new(env!("CARGO_BIN_EXE_ecom-sandbox"))
        .args(["--listen", "192.0.2.10:0", "--allow-loopback-callbacks"])
        .env("RUST_LOG", "error")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        all.contains("192.0.2.10:0 is not a loopback address")
            && all.contains("must not call its own loopback services"),
        "{all}"
    );
}
