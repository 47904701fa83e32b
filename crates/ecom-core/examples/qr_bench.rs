//! Benchmark: how long drawing the inline QR code of a landing-page URL takes.
//!
//! `cargo run --release -p ecom-core --example qr_bench` prints the mean and the fastest of
//! 2,000 renders of a realistic landing-page URL (a ~400-character token). Target: < 1 ms.
#![allow(clippy::print_stdout)]

use std::time::Instant;

fn main() {
    let url = format!(
        "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=eyJraWQiOiJqd3RrZXkiLCJhbGciOiJSUzI1NiJ9.{}",
        "eyJzdWIiOiIxMjM0NTYxNzk1NzEyNDcwNDE3IiwiYXVkIjoiZWNvbSJ9".repeat(6)
    );
    let runs = 2_000;
    let mut fastest = f64::MAX;
    let started = Instant::now();
    for _ in 0..runs {
        let one = Instant::now();
        let svg = ecom_core::qr::svg(&url).expect("a landing-page URL fits a QR code");
        std::hint::black_box(svg);
        fastest = fastest.min(one.elapsed().as_secs_f64());
    }
    let mean = started.elapsed().as_secs_f64() / f64::from(runs);
    println!(
        "inline QR (SVG) of a {}-character landing-page URL: mean {:.3} ms, fastest {:.3} ms over {runs} runs (target < 1 ms)",
        url.len(),
        mean * 1e3,
        fastest * 1e3
    );
}
