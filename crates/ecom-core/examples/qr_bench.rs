//! Benchmark: how long drawing the inline QR code of a landing-page URL takes.
//!
//! `cargo run --release -p ecom-core --example qr_bench` prints the mean and the fastest of
//! 2,000 renders of a realistic landing-page URL (a ~400-character token), as SVG (drawn) and
//! as the PNG `data:` URL of the download link (built with it). Target: < 1 ms each.
#![allow(clippy::print_stdout)]

use std::time::Instant;

fn main() {
    let url = format!(
        "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=eyJraWQiOiJqd3RrZXkiLCJhbGciOiJSUzI1NiJ9.{}",
        "eyJzdWIiOiIxMjM0NTYxNzk1NzEyNDcwNDE3IiwiYXVkIjoiZWNvbSJ9".repeat(6)
    );
    let runs = 2_000;
    let svg = time(runs, || ecom_core::qr::svg(&url).map(|svg| svg.len()));
    let png = time(runs, || {
        ecom_core::qr::png(&url).map(|png| ecom_core::png::data_url(&png).len())
    });
    let bytes = ecom_core::qr::png(&url).map_or(0, |png| png.len());
    for (what, (mean, fastest)) in [("SVG", svg), ("PNG data: URL", png)] {
        println!(
            "inline QR ({what}) of a {}-character landing-page URL: mean {:.3} ms, fastest {:.3} ms over {runs} runs (target < 1 ms)",
            url.len(),
            mean * 1e3,
            fastest * 1e3
        );
    }
    println!("inline QR PNG file: {bytes} bytes");
}

/// Mean and fastest time of `runs` calls of `f`, in seconds.
fn time(runs: u32, f: impl Fn() -> Result<usize, String>) -> (f64, f64) {
    let mut fastest = f64::MAX;
    let started = Instant::now();
    for _ in 0..runs {
        let one = Instant::now();
        std::hint::black_box(f().expect("a landing-page URL fits a QR code"));
        fastest = fastest.min(one.elapsed().as_secs_f64());
    }
    (started.elapsed().as_secs_f64() / f64::from(runs), fastest)
}
