//! `GET /vipps-userinfo-api/userinfo/{sub}` (spec §7): the claims the user consented to.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::config::{TestUser, UserAddress};
use crate::domain::clock::HOUR;
use crate::http::auth::{gateway_token, invalid_msn_message, mismatched_msn, KeyRule};
use crate::http::respond::json_response;
use crate::http::state::AppState;
use crate::wire::errors::ApiError;

/// Userinfo data is served for 168 hours after consent.
const WINDOW_MS: i64 = 168 * HOUR;

fn problem(status: StatusCode, title: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::Userinfo {
        status,
        title,
        detail: detail.into(),
    }
}

fn address_claim(a: &UserAddress) -> Value {
    let region = a.city.to_uppercase();
    let mut street = a.line1.clone();
    if !a.line2.is_empty() {
        street = format!("{street}\n{}", a.line2);
    }
    json!({
        "street_address": street,
        "postal_code": a.post_code,
        "region": region,
        "country": a.country,
        "formatted": format!("{street}\n{} {region}\n{}", a.post_code, a.country),
        "address_type": a.address_type,
    })
}

/// The claims of `user` for `scopes` (spec §7.2).
pub(crate) fn claims(sub: &str, user: &TestUser, scopes: &[String]) -> Value {
    let mut c = Map::new();
    c.insert("sub".into(), json!(sub));
    let sid: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(16)
        .collect();
    c.insert("sid".into(), json!(sid));
    for s in scopes {
        match s.as_str() {
            "name" => {
                c.insert(
                    "name".into(),
                    json!(format!("{} {}", user.first_name, user.last_name)),
                );
                c.insert("given_name".into(), json!(user.first_name));
                c.insert("family_name".into(), json!(user.last_name));
            }
            "email" => {
                c.insert("email".into(), json!(user.email));
                c.insert("email_verified".into(), json!(user.email_verified));
            }
            "phoneNumber" => {
                c.insert("phone_number".into(), json!(format!("47{}", user.phone)));
                c.insert("phone_number_verified".into(), json!(true));
            }
            "address" => {
                let mut addresses = user.addresses.iter();
                if let Some(first) = addresses.next() {
                    c.insert("address".into(), address_claim(first));
                }
                c.insert(
                    "other_addresses".into(),
                    Value::Array(addresses.map(address_claim).collect()),
                );
            }
            "birthDate" => {
                c.insert("birthdate".into(), json!(user.birthdate));
            }
            "nin" => {
                c.insert("nin".into(), json!(user.nin));
            }
            _ => {}
        }
    }
    Value::Object(c)
}

/// `GET /vipps-userinfo-api/userinfo/{sub}`.
pub(crate) async fn userinfo(
    State(state): State<AppState>,
    Path(sub): Path<String>,
    headers: HeaderMap,
) -> Response {
    let caller = match gateway_token(&state, &headers, KeyRule::Optional) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // This API answers an MSN mismatch in its own error format, not eCom's.
    if let Some(msn) = mismatched_msn(&headers, &caller) {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            invalid_msn_message(&state, &msn, caller.msn()),
        )
        .into_response();
    }
    let record = state.subs.lock().records.get(&sub).cloned();
    let Some(record) = record else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "No user info for this sub. Use the sub from the payment details after the user approved a payment with scope.",
        )
        .into_response();
    };
    if record.msn != caller.msn() {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "This sub was not given to the merchant of the access token.",
        )
        .into_response();
    }
    if state.now() > record.consented_at_ms + WINDOW_MS {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "User info can only be fetched up to 168 hours after the user gave consent.",
        )
        .into_response();
    }
    let Some(user) = state.user(&record.phone) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The user no longer exists.",
        )
        .into_response();
    };
    let scopes: Vec<String> = record.scopes.iter().cloned().collect();
    json_response(StatusCode::OK, &claims(&sub, &user, &scopes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn claims_per_scope() {
        let user = SandboxConfig::default().users[0].clone();
        let keys = |scopes: &[&str]| {
            let s: Vec<String> = scopes.iter().map(|x| (*x).to_owned()).collect();
            let mut k: Vec<String> = claims("s", &user, &s)
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            k.sort();
            k
        };
        assert_eq!(keys(&[]), ["sid", "sub"]);
        assert_eq!(
            keys(&["name"]),
            ["family_name", "given_name", "name", "sid", "sub"]
        );
        assert_eq!(keys(&["email"]), ["email", "email_verified", "sid", "sub"]);
        assert_eq!(
            keys(&["phoneNumber"]),
            ["phone_number", "phone_number_verified", "sid", "sub"]
        );
        assert_eq!(
            keys(&["address"]),
            ["address", "other_addresses", "sid", "sub"]
        );
        assert_eq!(keys(&["birthDate"]), ["birthdate", "sid", "sub"]);
        assert_eq!(keys(&["nin"]), ["nin", "sid", "sub"]);
        let c = claims(
            "s",
            &user,
            &["address".to_owned(), "phoneNumber".to_owned()],
        );
        assert_eq!(c["phone_number"], "4791234567");
        assert_eq!(
            c["address"]["formatted"],
            "Robert Levins gate 5\n0154 OSLO\nNO"
        );
        assert_eq!(c["address"]["address_type"], "home");
        assert_eq!(c["other_addresses"].as_array().unwrap().len(), 1);
    }
}
