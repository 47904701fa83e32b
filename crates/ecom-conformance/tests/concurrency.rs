//! Concurrency: 200 partial captures at once on one reserved order, over real HTTP.
//!
//! Each capture has its own `X-Request-Id`, and together they ask for more than was reserved.
//! The sandbox must capture exactly as many as fit (never more than reserved), log one entry
//! per success, and treat a second wave with the same keys and bodies as replays that change
//! nothing. Rate limits are switched off in the config, as they would cap the test at 5.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ctx_with, summary};

const CAPTURES: usize = 200;
const RESERVED: i64 = 20_000;
const EACH: i64 = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partial_captures_never_exceed_the_reservation() {
    let ctx = ctx_with(|c| c.rate_limits = false).await;
    if ctx.sim.is_none() {
        eprintln!("skipped: 200 concurrent captures would hit MT's rate limit (5/min)");
        return;
    }
    let p = ctx.reserved(RESERVED).await;
    let fire = |wave: &'static str| {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..CAPTURES {
            let api = ctx.api.clone();
            let order = p.order_id.clone();
            set.spawn(async move {
                let key = format!("cap-{i}");
                let r = api.capture(&order, Some(EACH), Some(&key)).await.unwrap();
                (i, r)
            });
        }
        async move {
            let mut out = vec![None; CAPTURES];
            while let Some(done) = set.join_next().await {
                let (i, r) = done.unwrap();
                out[i] = Some(r);
            }
            eprintln!("wave {wave}: {CAPTURES} captures done");
            out.into_iter().map(Option::unwrap).collect::<Vec<_>>()
        }
    };

    let first = fire("first").await;
    let ok: Vec<usize> = (0..CAPTURES).filter(|i| first[*i].status == 200).collect();
    for (i, r) in first.iter().enumerate() {
        assert!(
            r.status == 200 || r.has_error("Payment", "61"),
            "capture {i}: only success or 61: {}",
            r.describe()
        );
    }
    let fit = usize::try_from(RESERVED / EACH).unwrap();
    assert_eq!(ok.len(), fit, "exactly the captures that fit succeed");
    let d = ctx.details(&p.order_id).await;
    let captured = EACH * i64::try_from(ok.len()).unwrap();
    assert_eq!(
        summary(&d),
        [captured, RESERVED - captured, 0, captured],
        "{d}"
    );
    let log = d["transactionLogHistory"].as_array().unwrap();
    let capture_entries: Vec<_> = log.iter().filter(|e| e["operation"] == "CAPTURE").collect();
    assert_eq!(capture_entries.len(), ok.len(), "one log entry per success");
    let mut logged_keys: Vec<String> = capture_entries
        .iter()
        .map(|e| e["requestId"].as_str().unwrap().to_owned())
        .collect();
    logged_keys.sort();
    let mut ok_keys: Vec<String> = ok.iter().map(|i| format!("cap-{i}")).collect();
    ok_keys.sort();
    assert_eq!(
        logged_keys, ok_keys,
        "the logged keys are the successful ones"
    );

    // Second wave: the same keys and bodies. Successes replay their original answer; the
    // failures were not cached and fail again. Nothing changes.
    let second = fire("replay").await;
    for i in 0..CAPTURES {
        if ok.contains(&i) {
            assert_eq!(
                second[i].status,
                200,
                "replay {i}: {}",
                second[i].describe()
            );
            assert_eq!(
                second[i].json(),
                first[i].json(),
                "replay {i} returns the original"
            );
        } else {
            assert!(
                second[i].has_error("Payment", "61"),
                "retry {i}: {}",
                second[i].describe()
            );
        }
    }
    let after = ctx.details(&p.order_id).await;
    assert_eq!(after, d, "replays changed nothing");
    // Straight to stderr, past the test harness's capture.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "concurrency: {CAPTURES} concurrent captures x2, {} succeeded, captured {captured} of {RESERVED}",
        ok.len()
    );
}
