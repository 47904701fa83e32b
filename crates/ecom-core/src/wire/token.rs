//! The Access Token API's answer (`POST /accesstoken/get`, spec §2): Azure AD's shape, with
//! every number sent as a string.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The success body of the Access Token API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<Seconds>,
    /// Expiry, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<Seconds>,
    /// Extended lifetime in seconds (as long as `expires_in` on MT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_expires_in: Option<Seconds>,
    /// Not valid before, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Seconds>,
    /// The resource the token is for.
    #[serde(default)]
    pub resource: String,
    /// Always `Bearer`.
    #[serde(default)]
    pub token_type: String,
}

/// A number of seconds. The API documents these as integers but sends strings: written as a
/// string, read from either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub u64);

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number {
            Text(String),
            Int(u64),
        }
        match Number::deserialize(deserializer)? {
            Number::Int(n) => Ok(Seconds(n)),
            Number::Text(s) => s.trim().parse().map(Seconds).map_err(|_| {
                serde::de::Error::custom(format!("`{s}` is not a whole number of seconds"))
            }),
        }
    }
}
