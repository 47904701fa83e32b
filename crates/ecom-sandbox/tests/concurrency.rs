//! Concurrent captures on one order never capture more than reserved; replays change nothing.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::order_id;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_partial_captures_never_exceed_the_reservation() {
    let sb = Arc::new(common::start().await);
    sb.sim(Method::PATCH, "/config", Some(json!({"rateLimits": false})))
        .await;
    let t = Arc::new(sb.token().await);
    let id = Arc::new(order_id("conc"));
    let landing = sb.initiate_ok(&t, &id, 10_000).await;
    let (s, _) = sb.force_approve(&t, &id, &landing).await;
    assert_eq!(s, 200);

    // 200 distinct keys of 100 øre each against 10 000 reserved: exactly 100 succeed.
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (sb, t, id) = (sb.clone(), t.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            sb.capture(&t, &id, Some(100), Some(&format!("key-{i}")))
                .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        let (s, b) = task.await.unwrap();
        match s {
            200 => ok += 1,
            400 => assert_eq!(common::code(&b), "61", "{b}"),
            other => panic!("unexpected {other}: {b}"),
        }
    }
    assert_eq!(ok, 100);
    let (_, d) = sb.details(&t, &id).await;
    assert_eq!(d["transactionSummary"]["capturedAmount"], 10_000);
    assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 0);
    let captures = d["transactionLogHistory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "CAPTURE")
        .count();
    assert_eq!(captures, 100);

    // 50 concurrent replays of one successful key: all 200, identical, nothing new.
    let (_, first) = sb.capture(&t, &id, Some(100), Some("key-0")).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (sb, t, id) = (sb.clone(), t.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            sb.capture(&t, &id, Some(100), Some("key-0")).await
        }));
    }
    for task in tasks {
        let (s, b) = task.await.unwrap();
        // key-0 may have been one of the rejected ones; then every replay is rejected the same way.
        assert!(
            s == 200 && b == first || s == 400 && common::code(&b) == "61",
            "{s} {b}"
        );
    }
    let (_, d2) = sb.details(&t, &id).await;
    assert_eq!(d2["transactionLogHistory"], d["transactionLogHistory"]);
}
