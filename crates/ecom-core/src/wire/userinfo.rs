//! The Userinfo API's answer (`GET /vipps-userinfo-api/userinfo/{sub}`, spec §7.2): the
//! OpenID claims of the scopes the user consented to; a claim of a scope not asked for is
//! left out.

use serde::{Deserialize, Serialize};

/// The claims of one user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Claims {
    /// Scope `address`: the first address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressClaim>,
    /// Scope `birthDate`: `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// Scope `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Scope `email`: whether the address was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Scope `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Scope `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Scope `name`: given and family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Scope `nin`: the national identity number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nin: Option<String>,
    /// Scope `address`: every other address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_addresses: Option<Vec<AddressClaim>>,
    /// Scope `phoneNumber`, with the country code (`4791234567`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Scope `phoneNumber`: always verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// The session id.
    pub sid: String,
    /// The user's `sub`.
    pub sub: String,
}

/// One address claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressClaim {
    /// `home`, `work` or `other`.
    pub address_type: String,
    /// Country code (`NO`).
    pub country: String,
    /// The whole address on lines.
    pub formatted: String,
    /// Postal code.
    pub postal_code: String,
    /// The city, in capitals.
    pub region: String,
    /// The street lines, newline-separated.
    pub street_address: String,
}
