//! A hostile value given at initiate shows as text, escaped, on the landing page and in the
//! simulated app: the pages run on the playground's own origin, so markup there would be
//! script injection.
#![allow(clippy::unwrap_used)]

mod common;

use common::{initiate_body, landing_token, order_id};
use ecom_core::demo;

const LANDING: &str = "/dwo-api-application/v1/deeplink/vippsgateway";
const HOSTILE: &str = "<script>alert(1)</script>\"'&";

#[tokio::test]
async fn hostile_transaction_text_is_escaped_on_the_landing_page_and_in_the_app() {
    let sb = common::start().await;
    let t = sb.token().await;
    let mut body = initiate_body(&order_id("esc"), 1000);
    body["transaction"]["transactionText"] = HOSTILE.into();
    let (s, b) = sb.initiate(&t, &body).await;
    assert_eq!(s, 200, "{b}");
    let token = landing_token(b["url"].as_str().unwrap());
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;";

    for url in [
        sb.url(&format!("{LANDING}?v=2&token={token}")),
        sb.url(&format!(
            "/vipps-app/payment?token={token}&phone={}",
            demo::MOBILE_NUMBER
        )),
    ] {
        let r = sb.http.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{url}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script>alert(1)"), "{url}: {html}");
        assert!(!html.contains("<script"), "{url}: {html}");
        assert!(html.contains(escaped), "{url}: {html}");
    }
}
