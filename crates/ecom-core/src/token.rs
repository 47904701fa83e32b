//! The Access Token API: `POST /accesstoken/get` (spec §2).

use crate::wire::token::{Seconds, TokenResponse};

use crate::request::{ApiRequest, Header, Method, SYSTEM_NAME, SYSTEM_VERSION};
use crate::settings::Credentials;
use crate::CoreError;

/// Builds the access-token request: credentials as headers and an empty body, as the API
/// wants it ("a POST with no body").
pub fn access_token_request(c: &Credentials) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path: "/accesstoken/get".to_owned(),
        bearer: false,
        headers: vec![
            Header::plain("client_id", &c.client_id),
            Header::secret("client_secret", &c.client_secret),
            Header::secret("Ocp-Apim-Subscription-Key", &c.subscription_key),
            Header::plain("Merchant-Serial-Number", &c.merchant_serial_number),
            Header::plain("Vipps-System-Name", SYSTEM_NAME),
            Header::plain("Vipps-System-Version", SYSTEM_VERSION),
        ],
        body: None,
    }
}

/// An access token and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Expiry, in seconds since the Unix epoch.
    pub expires_on: u64,
}

impl AccessToken {
    /// Reads a success body. `now` (epoch seconds) is used when only `expires_in` is given.
    ///
    /// # Errors
    /// [`CoreError::UnexpectedResponse`] when the body is not a token response.
    pub fn parse(body: &str, now: u64) -> Result<AccessToken, CoreError> {
        let parsed: TokenResponse =
            serde_json::from_str(body).map_err(|e| CoreError::UnexpectedResponse {
                what: "access token",
                reason: e.to_string(),
            })?;
        if parsed.access_token.is_empty() {
            return Err(CoreError::UnexpectedResponse {
                what: "access token",
                reason: "access_token is empty".into(),
            });
        }
        let expires_on = parsed
            .expires_on
            .map(|Seconds(at)| at)
            .or_else(|| parsed.expires_in.map(|Seconds(s)| now + s))
            .ok_or(CoreError::UnexpectedResponse {
                what: "access token",
                reason: "no expires_on or expires_in".into(),
            })?;
        Ok(AccessToken {
            token: parsed.access_token,
            expires_on,
        })
    }

    /// Seconds until expiry (0 once expired).
    pub fn seconds_left(&self, now: u64) -> u64 {
        self.expires_on.saturating_sub(now)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn request_carries_credentials_as_headers_and_no_body() {
        let r = access_token_request(&Credentials::demo());
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.path, "/accesstoken/get");
        assert_eq!(r.body, None);
        assert_eq!(r.header("client_id"), Some(crate::demo::CLIENT_ID));
        assert_eq!(
            r.header("ocp-apim-subscription-key"),
            Some(crate::demo::SUBSCRIPTION_KEY)
        );
        let secret: Vec<&str> = r
            .headers
            .iter()
            .filter(|h| h.secret)
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(secret, ["client_secret", "Ocp-Apim-Subscription-Key"]);
    }

    #[test]
    fn parses_the_documented_example_with_string_numbers() {
        let body = r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"1614116654",
            "not_before":"1614112754","resource":"00000002-0000-0000-c000-000000000000","access_token":"eyJ0eXAi.x.y"}"#;
        let t = AccessToken::parse(body, 0).unwrap();
        assert_eq!(
            t,
            AccessToken {
                token: "eyJ0eXAi.x.y".into(),
                expires_on: 1_614_116_654
            }
        );
        assert_eq!(t.seconds_left(1_614_116_600), 54);
        assert_eq!(t.seconds_left(1_714_116_600), 0);
    }

    #[test]
    fn accepts_integer_numbers_and_expires_in_only() {
        let t = AccessToken::parse(r#"{"access_token":"a","expires_in":3599}"#, 1000).unwrap();
        assert_eq!(t.expires_on, 4599);
    }

    #[test]
    fn rejects_error_bodies() {
        for body in [
            "",
            "[]",
            r#"{"error":"invalid_client"}"#,
            r#"{"access_token":"","expires_in":"1"}"#,
            r#"{"access_token":"a"}"#,
        ] {
            assert!(AccessToken::parse(body, 0).is_err(), "{body}");
        }
    }
}
