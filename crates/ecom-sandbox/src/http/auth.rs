//! Access tokens (spec §2) and the gateway checks of spec §1.4.
//!
//! A token is a three-part base64url JWT whose payload names the client_id, the MSN and a
//! fingerprint of the subscription key it was issued for, with `exp`. The signature part is a
//! keyed SipHash MAC with a per-instance random key: cheap, and enough to reject tampered or
//! foreign tokens. Secrets never appear in tokens, logs or error messages.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use ecom_core::wire::token::{Seconds, TokenResponse};

use crate::config::MerchantConfig;
use crate::http::respond::json_response;
use crate::http::state::{AppState, Shared};
use crate::wire::errors::ApiError;

/// Lifetime of an access token in MT, in seconds (spec §2.2).
const TOKEN_LIFETIME_S: i64 = 3599;
/// The constant `resource` of the token response.
const RESOURCE: &str = "00000002-0000-0000-c000-000000000000";
const TENANT: &str = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b";

const MISSING_KEY: &str = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
const INVALID_KEY: &str = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";

/// The claims the sandbox puts in (and reads back from) an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    aud: String,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    appid: String,
    tid: String,
    /// Merchant serial number the token is valid for.
    msn: String,
    /// Fingerprint of the subscription key the token was issued with.
    skid: String,
    jti: String,
}

/// Who is calling, as established by the gateway.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The merchant the access token belongs to.
    pub(crate) merchant: std::sync::Arc<MerchantConfig>,
}

impl Caller {
    pub(crate) fn msn(&self) -> &str {
        &self.merchant.msn
    }
}

/// A non-secret, stable fingerprint of a subscription key.
fn key_id(key: &str) -> String {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    format!("{:016x}", h.finish())
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Issues an access token for `merchant` at simulated time `now_ms`.
fn issue(state: &Shared, merchant: &MerchantConfig, now_ms: i64) -> (String, i64) {
    let now = now_ms / 1000;
    let claims = Claims {
        aud: RESOURCE.to_owned(),
        iss: format!("https://sts.windows.net/{TENANT}/"),
        iat: now - 301,
        nbf: now - 301,
        exp: now + TOKEN_LIFETIME_S,
        appid: merchant.client_id.clone(),
        tid: TENANT.to_owned(),
        msn: merchant.msn.clone(),
        skid: key_id(&merchant.subscription_key),
        jti: uuid::Uuid::new_v4().to_string(),
    };
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"ecom-sandbox"}"#);
    let payload = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&claims).expect("claims always serialize: plain strings and integers"),
    );
    let signed = format!("{header}.{payload}");
    let sig = state.mac(&signed);
    (format!("{signed}.{sig}"), claims.exp)
}

/// What the gateway needs from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verified {
    msn: String,
    skid: String,
}

/// The claims the gateway reads, borrowed from the decoded payload (unknown ones ignored).
#[derive(Deserialize)]
struct ReadClaims<'a> {
    exp: i64,
    #[serde(borrow)]
    msn: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    skid: std::borrow::Cow<'a, str>,
}

/// Checks signature and expiry; `None` for anything malformed, forged or expired.
fn verify(state: &Shared, token: &str, now_ms: i64) -> Option<Verified> {
    let (signed, sig) = token.rsplit_once('.')?;
    let (_, payload) = signed.split_once('.')?;
    if state.mac(signed) != sig {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: ReadClaims<'_> = serde_json::from_slice(&bytes).ok()?;
    (claims.exp * 1000 > now_ms).then(|| Verified {
        msn: claims.msn.into_owned(),
        skid: claims.skid.into_owned(),
    })
}

/// `POST /accesstoken/get` (spec §2).
pub(crate) async fn access_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match access_token_inner(&state, &headers) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn access_token_inner(state: &Shared, headers: &HeaderMap) -> Result<Response, ApiError> {
    let key_merchant = subscription_key(state, headers)?
        .ok_or_else(|| ApiError::apim(StatusCode::UNAUTHORIZED, MISSING_KEY))?;
    let client_id = header_str(headers, "client_id").unwrap_or("");
    let client_secret = header_str(headers, "client_secret").unwrap_or("");
    for (name, value) in [("client_id", client_id), ("client_secret", client_secret)] {
        if value.is_empty() {
            return Err(ApiError::Aad {
                status: StatusCode::BAD_REQUEST,
                error: "invalid_request",
                description: format!(
                    "AADSTS900144: The request body must contain the following parameter: '{name}'. Send it as the '{name}' header."
                ),
                codes: vec![900_144],
            });
        }
    }
    let Some(merchant) = state.merchant_by_client_id(client_id) else {
        return Err(ApiError::Aad {
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
            description: format!(
                "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{TENANT}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
            codes: vec![700_016],
        });
    };
    let invalid_client = |desc: &str| ApiError::Aad {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        description: desc.to_owned(),
        codes: vec![7_000_215],
    };
    if merchant.client_secret != client_secret {
        return Err(invalid_client(
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
        ));
    }
    if merchant.msn != key_merchant.msn {
        return Err(invalid_client(
            "AADSTS7000215: The client_id and client_secret do not belong to the same sales unit as the Ocp-Apim-Subscription-Key. Use the keys of one sales unit.",
        ));
    }
    let now = state.now();
    let (token, exp) = issue(state, merchant, now);
    let lifetime = Seconds(u64::try_from(TOKEN_LIFETIME_S).unwrap_or(0));
    let body = TokenResponse {
        access_token: token,
        expires_in: Some(lifetime),
        expires_on: u64::try_from(exp).ok().map(Seconds),
        ext_expires_in: Some(lifetime),
        not_before: u64::try_from(exp - TOKEN_LIFETIME_S - 301)
            .ok()
            .map(Seconds),
        resource: RESOURCE.to_owned(),
        token_type: "Bearer".to_owned(),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// Steps 1–2 of §1.4: `Ok(None)` when no key was sent, the merchant when it is known.
fn subscription_key<'a>(
    state: &'a Shared,
    headers: &HeaderMap,
) -> Result<Option<&'a std::sync::Arc<MerchantConfig>>, ApiError> {
    let Some(raw) = headers.get("ocp-apim-subscription-key") else {
        return Ok(None);
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let invalid = || ApiError::apim(StatusCode::UNAUTHORIZED, INVALID_KEY);
    // A header that is not visible ASCII cannot be a valid key.
    let key = raw.to_str().map_err(|_| invalid())?;
    state.merchant_by_key(key).map(Some).ok_or_else(invalid)
}

/// Whether the subscription key is required (everything but userinfo) or optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRule {
    Required,
    Optional,
}

/// Gateway checks 1–5 of spec §1.4 for the eCom endpoints #2–#8.
pub(crate) fn gateway(
    state: &Shared,
    headers: &HeaderMap,
    rule: KeyRule,
) -> Result<Caller, ApiError> {
    let caller = gateway_token(state, headers, rule)?;
    match mismatched_msn(headers, &caller) {
        Some(msn) => Err(invalid_msn(state, &msn, caller.msn())),
        None => Ok(caller),
    }
}

/// The `Merchant-Serial-Number` header when it names another MSN than the token's (step 5 of
/// §1.4). The QR and Userinfo APIs answer this in their own error formats, so they check it
/// themselves after [`gateway_token`].
pub(crate) fn mismatched_msn(headers: &HeaderMap, caller: &Caller) -> Option<String> {
    header_str(headers, "merchant-serial-number")
        .filter(|msn| !msn.is_empty() && *msn != caller.msn())
        .map(str::to_owned)
}

/// The message of step 5 of §1.4, with a sandbox hint after the documented text (clients
/// match its prefix `Invalid MSN`): an MSN this sandbox does not know gets the list of the ones
/// it does, a known one is told which MSN the access token is for.
pub(crate) fn invalid_msn_message(state: &Shared, msn: &str, token_msn: &str) -> String {
    let documented = format!(
        "Invalid MSN: {msn}. Check your API keys on portal.vipps.no and see the eCom FAQ for tips."
    );
    let shown = ecom_core::validate::shorten(msn, 20);
    let hint = if state.merchant_by_msn(msn).is_some() {
        format!(
            "The access token is for MSN {token_msn}; send that MSN, or get a token with the keys of {shown}."
        )
    } else {
        let known: Vec<String> = state
            .merchants
            .iter()
            .map(|m| format!("{} ({})", m.msn, m.name))
            .collect();
        format!(
            "{shown} is not a merchant of this sandbox; its merchants are {}, and the access token is for {token_msn}.",
            known.join(", ")
        )
    };
    format!("{documented} [Sandbox] {hint}")
}

/// The gateway of the APIs that answer in problem details (QR, Userinfo): the token checks,
/// then a `Merchant-Serial-Number` that is not the token's answered as their own 403, made by
/// `problem`, rather than eCom's.
pub(crate) fn problem_api_caller(
    state: &Shared,
    headers: &HeaderMap,
    rule: KeyRule,
    problem: fn(StatusCode, &'static str, String) -> ApiError,
) -> Result<Caller, ApiError> {
    let caller = gateway_token(state, headers, rule)?;
    match mismatched_msn(headers, &caller) {
        Some(msn) => Err(problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            invalid_msn_message(state, &msn, caller.msn()),
        )),
        None => Ok(caller),
    }
}

/// Gateway checks 1–4 of spec §1.4: subscription key and access token.
pub(crate) fn gateway_token(
    state: &Shared,
    headers: &HeaderMap,
    rule: KeyRule,
) -> Result<Caller, ApiError> {
    let key_merchant = subscription_key(state, headers)?;
    if key_merchant.is_none() && rule == KeyRule::Required {
        return Err(ApiError::apim(StatusCode::UNAUTHORIZED, MISSING_KEY));
    }
    let token = header_str(headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::token)?;
    let claims = verify(state, token.trim(), state.now()).ok_or_else(ApiError::token)?;
    let merchant = state
        .merchant_by_msn(&claims.msn)
        .ok_or_else(ApiError::token)?;
    if let Some(km) = key_merchant {
        if km.msn != claims.msn || key_id(&km.subscription_key) != claims.skid {
            return Err(ApiError::token());
        }
    }
    Ok(Caller {
        merchant: merchant.clone(),
    })
}

/// Step 5 of §1.4: an MSN that does not match the token.
pub(crate) fn invalid_msn(state: &Shared, msn: &str, token_msn: &str) -> ApiError {
    ApiError::ecom(
        StatusCode::FORBIDDEN,
        "Authentication",
        "Merchant-Serial-Number",
        invalid_msn_message(state, msn, token_msn),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn tokens_verify_until_expiry_and_reject_tampering() {
        let s = Shared::new(SandboxConfig::default());
        let m = s.merchants[0].clone();
        let now = 1_700_000_000_000;
        let (t, exp) = issue(&s, &m, now);
        assert_eq!(t.split('.').count(), 3);
        assert!(!t.contains('='));
        let c = verify(&s, &t, now).unwrap();
        assert_eq!(c.msn, m.msn);
        assert_eq!(c.skid, key_id(&m.subscription_key));
        assert_eq!(exp, now / 1000 + TOKEN_LIFETIME_S);
        assert!(verify(&s, &t, exp * 1000).is_none(), "expired");
        let mut forged = t.clone();
        forged.push('x');
        assert!(verify(&s, &forged, now).is_none());
        assert!(verify(&s, "a.b", now).is_none());
        assert!(verify(&s, "", now).is_none());
        let other = Shared::new(SandboxConfig::default());
        assert!(verify(&other, &t, now).is_none(), "other instance");
    }
}
