//! The payment store is bounded in bytes as well as in count (issue 9): big express payments
//! evict the oldest ones, and the accounted bytes stay under `max_payment_bytes`. With
//! `when_full = "refuse"` (the sandbox in a browser) nothing is evicted: initiate gets a 507
//! that says how full the sandbox is and how to empty it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{initiate_body, order_id};
use ecom_core::demo;
use reqwest::Method;
use serde_json::json;

/// An express body with 50 static shipping options (the most initiate takes) and long names.
fn big_express(id: &str) -> serde_json::Value {
    let mut body = initiate_body(id, 1000);
    body["merchantInfo"]["paymentType"] = json!("eComm Express Payment");
    body["merchantInfo"]["consentRemovalPrefix"] = json!("https://example.com/consent");
    body["merchantInfo"]["staticShippingDetails"] = (0..50)
        .map(|i| {
            json!({"isDefault": if i == 0 { "Y" } else { "N" }, "priority": i, "shippingCost": 30,
                   "shippingMethod": format!("{i:x<256}"), "shippingMethodId": format!("{i:y<100}")})
        })
        .collect();
    body
}

#[tokio::test]
async fn big_payments_stay_within_the_byte_budget_and_the_oldest_go_first() {
    let budget: usize = 512 * 1024;
    let sb = common::start_with(ecom_sandbox::SandboxConfig {
        max_payment_bytes: budget,
        rate_limits: false,
        ..Default::default()
    })
    .await;
    let t = sb.token().await;
    let ids: Vec<String> = (0..60).map(|_| order_id("big")).collect();
    for id in &ids {
        let (s, b) = sb.initiate(&t, &big_express(id)).await;
        assert_eq!(s, 200, "{b}");
        let (_, config) = sb.sim(Method::GET, "/config", None).await;
        let used = config["paymentBytes"].as_u64().unwrap();
        assert!(used <= budget as u64, "{used} > {budget}");
        assert_eq!(config["maxPaymentBytes"], budget);
    }
    let (_, config) = sb.sim(Method::GET, "/config", None).await;
    let kept = config["payments"].as_u64().unwrap();
    let used = config["paymentBytes"].as_u64().unwrap();
    assert!((5..60).contains(&kept), "kept {kept}");
    // Each payment is accounted with its shipping options: about 20 KB or more.
    assert!(used / kept > 20_000, "{used} bytes for {kept} payments");
    let path = |id: &str| format!("/payments/{}/{id}", demo::MERCHANT_SERIAL_NUMBER);
    assert_eq!(
        sb.sim(Method::GET, &path(&ids[0]), None).await.0,
        404,
        "oldest evicted"
    );
    assert_eq!(
        sb.sim(Method::GET, &path(&ids[59]), None).await.0,
        200,
        "newest kept"
    );
    let first_kept = 60 - usize::try_from(kept).unwrap();
    assert_eq!(
        sb.sim(Method::GET, &path(&ids[first_kept - 1]), None)
            .await
            .0,
        404
    );
    assert_eq!(
        sb.sim(Method::GET, &path(&ids[first_kept]), None).await.0,
        200
    );
    // The API agrees: an evicted payment is unknown.
    let (s, b) = sb.details(&t, &ids[0]).await;
    assert_eq!((s, b[0]["errorCode"].as_str()), (404, Some("35")));
    // Reset forgets everything, bytes included.
    assert_eq!(sb.sim(Method::POST, "/reset", None).await.0, 204);
    let (_, config) = sb.sim(Method::GET, "/config", None).await;
    assert_eq!(config["paymentBytes"], 0);
}

#[tokio::test]
async fn refuse_keeps_every_payment_and_answers_507_with_how_to_empty_it() {
    let budget: usize = 256 * 1024;
    let sb = common::start_with(ecom_sandbox::SandboxConfig {
        max_payment_bytes: budget,
        when_full: ecom_sandbox::config::WhenFull::Refuse,
        rate_limits: false,
        ..Default::default()
    })
    .await;
    let t = sb.token().await;
    let mut ids = Vec::new();
    let (status, body) = loop {
        let id = order_id("full");
        let (s, b) = sb.initiate(&t, &big_express(&id)).await;
        if s != 200 {
            break (s, b);
        }
        ids.push(id);
        assert!(ids.len() < 60, "the budget is never reached");
    };
    assert_eq!(status, 507, "{body}");
    let message = body["message"].as_str().unwrap();
    assert_eq!(body["statusCode"], 507);
    let (_, config) = sb.sim(Method::GET, "/config", None).await;
    let used = config["paymentBytes"].as_u64().unwrap();
    for part in [
        "sandbox in this browser is full".to_owned(),
        format!("{used} of {budget} bytes"),
        format!("{} of at most", ids.len()),
        "\"Reset sandbox\" in the playground's settings".to_owned(),
    ] {
        assert!(message.contains(&part), "{part:?} not in {message:?}");
    }
    // Nothing was evicted: the first payment is still there.
    assert_eq!(sb.details(&t, &ids[0]).await.0, 200);
    assert_eq!(config["payments"].as_u64(), Some(ids.len() as u64));
    // Reset empties it, and initiate works again.
    assert_eq!(sb.sim(Method::POST, "/reset", None).await.0, 204);
    assert_eq!(
        sb.initiate(&t, &big_express(&order_id("full"))).await.0,
        200
    );
}
