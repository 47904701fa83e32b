//! `POST /accesstoken/get` over real HTTP (spec §1.4 steps 1–2, §2).
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use ecom_core::demo;
use ecom_core::token::access_token_request;
use ecom_core::wire::headers;
use serde_json::Value;

const MISSING_KEY: &str = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
const INVALID_KEY: &str = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";

fn token_request(
    sb: &common::Sandbox,
    path: &str,
    key: Option<&str>,
    id: Option<&str>,
    secret: Option<&str>,
) -> reqwest::RequestBuilder {
    // The app's token request, with the path and the three credentials edited explicitly.
    let mut core = access_token_request(&sb.creds);
    core.path = path.to_owned();
    for (name, value) in [
        (headers::SUBSCRIPTION_KEY, key),
        (headers::CLIENT_ID, id),
        (headers::CLIENT_SECRET, secret),
    ] {
        core = match value {
            Some(v) => common::set_header(core, name, v),
            None => common::without_header(core, name),
        };
    }
    sb.core(&core).body("")
}

fn decode_part(part: &str) -> Value {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn success_has_string_numbers_and_a_jwt_naming_the_merchant() {
    let sb = common::start().await;
    for path in ["/accesstoken/get", "/accessToken/get", "/AccessToken/GET"] {
        let r = token_request(
            &sb,
            path,
            Some(demo::SUBSCRIPTION_KEY),
            Some(demo::CLIENT_ID),
            Some(demo::CLIENT_SECRET),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], "3599");
        assert_eq!(v["ext_expires_in"], "3599");
        assert_eq!(v["resource"], "00000002-0000-0000-c000-000000000000");
        let expires_on: i64 = v["expires_on"].as_str().unwrap().parse().unwrap();
        let not_before: i64 = v["not_before"].as_str().unwrap().parse().unwrap();
        assert_eq!(expires_on - not_before, 3900);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(
            (expires_on - now - 3599).abs() <= 5,
            "expires_on ≈ now + 3599"
        );

        let token = v["access_token"].as_str().unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode_part(parts[0]);
        assert_eq!(header["typ"], "JWT");
        let claims = decode_part(parts[1]);
        assert_eq!(claims["appid"], demo::CLIENT_ID);
        assert_eq!(claims["msn"], demo::MERCHANT_SERIAL_NUMBER);
        assert!(claims["skid"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(claims["exp"].as_i64().unwrap(), expires_on);
        // No secret is embedded in the token.
        let decoded = format!("{header}{claims}");
        assert!(!decoded.contains(demo::CLIENT_SECRET));
        assert!(!decoded.contains(demo::SUBSCRIPTION_KEY));
    }
}

#[tokio::test]
async fn subscription_key_errors_are_format_b_with_exact_messages() {
    let sb = common::start().await;
    let cases = [
        (None, MISSING_KEY),
        (Some(""), MISSING_KEY),
        (Some("nope"), INVALID_KEY),
    ];
    for (key, message) in cases {
        let (status, body) = common::Sandbox::send(token_request(
            &sb,
            "/accesstoken/get",
            key,
            Some(demo::CLIENT_ID),
            Some(demo::CLIENT_SECRET),
        ))
        .await;
        assert_eq!(status, 401, "{key:?}");
        assert_eq!(body["statusCode"], 401);
        assert_eq!(body["message"], message);
    }
    // The key is checked before the credentials.
    let (status, body) =
        common::Sandbox::send(token_request(&sb, "/accesstoken/get", None, None, None)).await;
    assert_eq!((status, body["message"].as_str()), (401, Some(MISSING_KEY)));
}

fn assert_format_d(body: &Value, error: &str) {
    assert_eq!(body["error"], error, "{body}");
    for k in [
        "error_description",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ] {
        assert!(body[k].is_string(), "{k} in {body}");
    }
    assert!(body["error_codes"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn credential_errors_are_format_d() {
    let sb = common::start().await;
    let key = Some(demo::SUBSCRIPTION_KEY);
    let id = Some(demo::CLIENT_ID);
    let secret = Some(demo::CLIENT_SECRET);
    let unknown = "00000000-0000-0000-0000-000000000000";
    let cases: [(Option<&str>, Option<&str>, u16, &str); 6] = [
        (Some(unknown), secret, 400, "unauthorized_client"),
        (id, Some("wrong-secret"), 401, "invalid_client"),
        (None, secret, 400, "invalid_request"),
        (id, None, 400, "invalid_request"),
        (Some(""), secret, 400, "invalid_request"),
        (None, None, 400, "invalid_request"),
    ];
    for (client_id, client_secret, want_status, want_error) in cases {
        let (status, body) = common::Sandbox::send(token_request(
            &sb,
            "/accesstoken/get",
            key,
            client_id,
            client_secret,
        ))
        .await;
        assert_eq!(
            status, want_status,
            "{client_id:?}/{client_secret:?}: {body}"
        );
        assert_format_d(&body, want_error);
        // Never echo the secret that was sent.
        assert!(!body.to_string().contains("wrong-secret"));
        assert!(!body.to_string().contains(demo::CLIENT_SECRET));
    }
    let (_, body) = common::Sandbox::send(token_request(
        &sb,
        "/accesstoken/get",
        key,
        Some(unknown),
        secret,
    ))
    .await;
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700016"));
}

#[tokio::test]
async fn keys_of_different_sales_units_are_rejected() {
    let sb = common::start().await;
    let other = &ecom_sandbox::SandboxConfig::default().merchants[1];
    let (status, body) = common::Sandbox::send(token_request(
        &sb,
        "/accesstoken/get",
        Some(&other.subscription_key),
        Some(demo::CLIENT_ID),
        Some(demo::CLIENT_SECRET),
    ))
    .await;
    assert_eq!(status, 401);
    assert_format_d(&body, "invalid_client");
    // The other merchant's own keys work.
    let (status, _) = common::Sandbox::send(token_request(
        &sb,
        "/accesstoken/get",
        Some(&other.subscription_key),
        Some(&other.client_id),
        Some(&other.client_secret),
    ))
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_method_and_unknown_paths() {
    let sb = common::start().await;
    let (status, body) = common::Sandbox::send(sb.http.get(sb.url("/accesstoken/get"))).await;
    assert_eq!(status, 405);
    assert_eq!(body["statusCode"], 405);
    let (status, body) = common::Sandbox::send(sb.http.get(sb.url("/ACCESSTOKEN/get"))).await;
    assert_eq!(status, 405, "{body}");
    let (status, body) = common::Sandbox::send(sb.http.post(sb.url("/no/such/path"))).await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "Resource not found");
}
