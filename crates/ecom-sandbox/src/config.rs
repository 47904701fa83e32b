//! Sandbox configuration: merchants, test users and switches.
//!
//! [`SandboxConfig::default`] is the demo setup: the demo merchant of `ecom_core::demo`, a
//! direct-capture merchant that may also skip the landing page and ask for `nin`, a login-only
//! merchant (no payments), and three test users, one of them not BankID verified (error 1082).
//! The same structure deserializes from TOML; every field is optional there.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::SandboxError;

/// Everything the sandbox needs to know at start-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Where clients reach the sandbox, including any path prefix, without a trailing slash
    /// (for example `http://127.0.0.1:8080/sandbox`). Every URL the sandbox hands out is built
    /// from it.
    pub public_base_url: String,
    /// The merchants (sales units) the sandbox knows.
    pub merchants: Vec<MerchantConfig>,
    /// The test users who can pay (spec §11.2).
    pub users: Vec<TestUser>,
    /// Actually send callbacks, shipping-details and consent-removal requests to loopback
    /// hosts, and accept `http://` loopback URLs in `callbackPrefix` and friends. Other hosts
    /// are never contacted: attempts to them are recorded as skipped.
    pub allow_loopback_callbacks: bool,
    /// Enforce the rate limits of spec §1.7.
    pub rate_limits: bool,
    /// At most this many payments are kept; what happens at the bound is `when_full`.
    pub max_payments: usize,
    /// The payments kept take at most about this many bytes of memory (an estimate of each
    /// payment's heap size, measured again whenever it changes); what happens at the bound is
    /// `when_full`, as for `max_payments`. Default 128 MiB.
    pub max_payment_bytes: usize,
    /// What an initiate does when `max_payments` or `max_payment_bytes` is reached: evict the
    /// oldest payments (the default), or refuse the new one so nothing the user made is lost.
    pub when_full: WhenFull,
    /// Payments older than this (simulated time since initiate) are evicted.
    #[serde(with = "duration_secs")]
    pub max_payment_age: Duration,
    /// At most this many outbound requests (callbacks etc.) are kept in the log.
    pub max_outbound_log: usize,
    /// Largest accepted request body in bytes; larger bodies get `413`.
    pub max_body_bytes: usize,
    /// Timeout for callbacks and consent-removal requests (the real one is 3 s).
    #[serde(with = "duration_secs")]
    pub callback_timeout: Duration,
    /// Delay between approval and `sub` appearing in details (the real API adds it
    /// asynchronously). Zero by default.
    #[serde(with = "duration_secs")]
    pub sub_delay: Duration,
}

/// What the payment store does when it is full (`max_payments` or `max_payment_bytes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenFull {
    /// Evict the oldest payments to make room (a long-running native server).
    #[default]
    EvictOldest,
    /// Keep every payment and refuse the initiate with HTTP 507, saying how to empty the
    /// sandbox (the sandbox in a browser, where payments are the visitor's work).
    Refuse,
}

/// One merchant sales unit with its API keys and what Vipps configured for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantConfig {
    /// Merchant serial number (`^\d{5,6}$`).
    pub msn: String,
    /// Display name shown on the landing page and in the app.
    pub name: String,
    /// `client_id` for `/accesstoken/get`.
    pub client_id: String,
    /// `client_secret` for `/accesstoken/get`.
    pub client_secret: String,
    /// `Ocp-Apim-Subscription-Key` of this sales unit.
    pub subscription_key: String,
    /// Approval goes straight to `SALE` (direct capture).
    #[serde(default)]
    pub direct_capture: bool,
    /// Whitelisted for `skipLandingPage: true`.
    #[serde(default)]
    pub skip_landing_page: bool,
    /// Allowed to ask for the `nin` scope.
    #[serde(default)]
    pub nin_allowed: bool,
    /// Allowed to take payments (false = a login-only sales unit, error 97).
    #[serde(default = "yes")]
    pub payments_allowed: bool,
}

/// A test user of the simulated Vipps app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestUser {
    /// Mobile number, 8 digits without country code.
    pub phone: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Whether the e-mail address is verified.
    #[serde(default = "yes")]
    pub email_verified: bool,
    /// Birth date, `YYYY-MM-DD`.
    pub birthdate: String,
    /// National identity number (11 digits).
    pub nin: String,
    /// Addresses; the first one is the default.
    pub addresses: Vec<UserAddress>,
    /// Has approved a payment in the app before, so force approve works (else error 1082).
    /// An approval in the simulated app sets it.
    #[serde(default = "yes")]
    pub bank_id_verified: bool,
}

/// A postal address of a test user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserAddress {
    /// Numeric id the merchant echoes back in dynamic shipping.
    pub id: u32,
    /// `home`, `work` or `other`.
    pub address_type: String,
    /// Street address.
    pub line1: String,
    /// Second address line (may be empty).
    #[serde(default)]
    pub line2: String,
    /// Four-digit postal code.
    pub post_code: String,
    /// City.
    pub city: String,
    /// Two-letter country code.
    #[serde(default = "norway")]
    pub country: String,
}

fn yes() -> bool {
    true
}

fn norway() -> String {
    "NO".to_owned()
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            public_base_url: "http://127.0.0.1:8081".to_owned(),
            merchants: vec![
                MerchantConfig {
                    msn: ecom_core::demo::MERCHANT_SERIAL_NUMBER.to_owned(),
                    name: "ACME Demo Shop".to_owned(),
                    client_id: ecom_core::demo::CLIENT_ID.to_owned(),
                    client_secret: ecom_core::demo::CLIENT_SECRET.to_owned(),
                    subscription_key: ecom_core::demo::SUBSCRIPTION_KEY.to_owned(),
                    direct_capture: false,
                    skip_landing_page: false,
                    nin_allowed: false,
                    payments_allowed: true,
                },
                MerchantConfig {
                    msn: ecom_core::demo::direct_capture::MERCHANT_SERIAL_NUMBER.to_owned(),
                    name: "Direct Capture Kiosk".to_owned(),
                    client_id: ecom_core::demo::direct_capture::CLIENT_ID.to_owned(),
                    client_secret: ecom_core::demo::direct_capture::CLIENT_SECRET.to_owned(),
                    subscription_key: ecom_core::demo::direct_capture::SUBSCRIPTION_KEY.to_owned(),
                    direct_capture: true,
                    skip_landing_page: true,
                    nin_allowed: true,
                    payments_allowed: true,
                },
                MerchantConfig {
                    msn: "334455".to_owned(),
                    name: "Login Only Unit".to_owned(),
                    client_id: "9c4e1f77-5d3a-4b2c-8e6f-1a2b3c4d5e03".to_owned(),
                    client_secret: "sandbox-login-secret-do-not-use-in-mt".to_owned(),
                    subscription_key: "2b3c4d5e6f708192a3b4c5d6e7f80913".to_owned(),
                    direct_capture: false,
                    skip_landing_page: false,
                    nin_allowed: false,
                    payments_allowed: false,
                },
            ],
            users: vec![
                TestUser {
                    phone: ecom_core::demo::MOBILE_NUMBER.to_owned(),
                    first_name: "Ada".to_owned(),
                    last_name: "Lovelace".to_owned(),
                    email: "user@example.com".to_owned(),
                    email_verified: true,
                    birthdate: "1815-12-10".to_owned(),
                    nin: "10121550047".to_owned(),
                    addresses: vec![
                        UserAddress {
                            id: 3960,
                            address_type: "home".to_owned(),
                            line1: "Robert Levins gate 5".to_owned(),
                            line2: String::new(),
                            post_code: "0154".to_owned(),
                            city: "Oslo".to_owned(),
                            country: "NO".to_owned(),
                        },
                        UserAddress {
                            id: 3961,
                            address_type: "work".to_owned(),
                            line1: "Dronning Eufemias gate 42".to_owned(),
                            line2: "Att: Rune Garborg".to_owned(),
                            post_code: "0191".to_owned(),
                            city: "Oslo".to_owned(),
                            country: "NO".to_owned(),
                        },
                    ],
                    bank_id_verified: true,
                },
                TestUser {
                    phone: ecom_core::demo::SECOND_MOBILE_NUMBER.to_owned(),
                    first_name: "Grace".to_owned(),
                    last_name: "Hopper".to_owned(),
                    email: "grace@example.com".to_owned(),
                    email_verified: true,
                    birthdate: "1906-12-09".to_owned(),
                    nin: "09120612345".to_owned(),
                    addresses: vec![UserAddress {
                        id: 4100,
                        address_type: "home".to_owned(),
                        line1: "Karl Johans gate 1".to_owned(),
                        line2: String::new(),
                        post_code: "0154".to_owned(),
                        city: "Oslo".to_owned(),
                        country: "NO".to_owned(),
                    }],
                    bank_id_verified: true,
                },
                TestUser {
                    phone: ecom_core::demo::UNVERIFIED_MOBILE_NUMBER.to_owned(),
                    first_name: "Charles".to_owned(),
                    last_name: "Babbage".to_owned(),
                    email: "charles@example.com".to_owned(),
                    email_verified: false,
                    birthdate: "1791-12-26".to_owned(),
                    nin: "26129112345".to_owned(),
                    addresses: vec![UserAddress {
                        id: 4200,
                        address_type: "home".to_owned(),
                        line1: "Storgata 10".to_owned(),
                        line2: String::new(),
                        post_code: "0155".to_owned(),
                        city: "Oslo".to_owned(),
                        country: "NO".to_owned(),
                    }],
                    bank_id_verified: false,
                },
            ],
            allow_loopback_callbacks: false,
            rate_limits: true,
            max_payments: 20_000,
            max_payment_bytes: 128 * 1024 * 1024,
            when_full: WhenFull::EvictOldest,
            max_payment_age: Duration::from_secs(400 * 24 * 3600),
            max_outbound_log: 10_000,
            max_body_bytes: 64 * 1024,
            callback_timeout: Duration::from_secs(3),
            sub_delay: Duration::ZERO,
        }
    }
}

impl SandboxConfig {
    /// Parses a TOML document; fields that are left out keep their demo defaults.
    ///
    /// # Errors
    ///
    /// [`SandboxError::ConfigParse`] for invalid TOML, [`SandboxError::InvalidConfig`] when
    /// the result fails [`SandboxConfig::validate`].
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, SandboxError> {
        let config: Self = toml::from_str(text).map_err(|e| SandboxError::ConfigParse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML file (see [`SandboxConfig::from_toml`]).
    ///
    /// # Errors
    ///
    /// [`SandboxError::ConfigRead`] when the file cannot be read, or the errors of
    /// [`SandboxConfig::from_toml`].
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|source| SandboxError::ConfigRead {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Checks that keys are unique and values well-formed.
    ///
    /// # Errors
    ///
    /// [`SandboxError::InvalidConfig`] naming the first problem found.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let bad = |m: String| Err(SandboxError::InvalidConfig(m));
        if !(self.public_base_url.starts_with("http://")
            || self.public_base_url.starts_with("https://"))
            || self.public_base_url.ends_with('/')
        {
            return bad(format!(
                "public_base_url must start with http:// or https:// and have no trailing slash, got {:?}",
                self.public_base_url
            ));
        }
        if self.merchants.is_empty() {
            return bad("at least one merchant is needed".to_owned());
        }
        let mut msns = HashSet::new();
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for m in &self.merchants {
            if !(5..=6).contains(&m.msn.len()) || !m.msn.bytes().all(|b| b.is_ascii_digit()) {
                return bad(format!("merchant msn must be 5-6 digits, got {:?}", m.msn));
            }
            if !msns.insert(&m.msn) {
                return bad(format!("duplicate merchant msn {}", m.msn));
            }
            if m.client_id.is_empty() || !ids.insert(&m.client_id) {
                return bad(format!(
                    "merchant {}: client_id must be non-empty and unique",
                    m.msn
                ));
            }
            // The key itself is a secret: name the merchant, not the key.
            if m.subscription_key.is_empty() || !keys.insert(&m.subscription_key) {
                return bad(format!(
                    "merchant {}: subscription_key must be non-empty and unique",
                    m.msn
                ));
            }
            if m.client_secret.is_empty() {
                return bad(format!(
                    "merchant {}: client_secret must be non-empty",
                    m.msn
                ));
            }
        }
        let mut phones = HashSet::new();
        for u in &self.users {
            if u.phone.len() != 8 || !u.phone.bytes().all(|b| b.is_ascii_digit()) {
                return bad(format!("user phone must be 8 digits, got {:?}", u.phone));
            }
            if !phones.insert(&u.phone) {
                return bad(format!("duplicate user phone {}", u.phone));
            }
            if u.addresses.is_empty() {
                return bad(format!("user {} needs at least one address", u.phone));
            }
        }
        if self.max_payments == 0 {
            return bad("max_payments must be at least 1".to_owned());
        }
        if self.max_payment_bytes < 64 * 1024 {
            return bad(format!(
                "max_payment_bytes must be at least 65536 (64 KiB), got {}",
                self.max_payment_bytes
            ));
        }
        Ok(())
    }
}

/// Serde helper: a [`Duration`] as whole seconds.
mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_has_demo_merchant_and_user() {
        let c = SandboxConfig::default();
        c.validate().unwrap();
        assert_eq!(c.merchants[0].msn, ecom_core::demo::MERCHANT_SERIAL_NUMBER);
        assert!(c
            .users
            .iter()
            .any(|u| u.phone == ecom_core::demo::MOBILE_NUMBER && u.bank_id_verified));
        assert!(c.users.iter().any(|u| !u.bank_id_verified));
    }

    #[test]
    fn toml_overrides_only_given_fields() {
        let c = SandboxConfig::from_toml(
            "public_base_url = \"http://127.0.0.1:9/x\"\nrate_limits = false\nmax_payment_age = 60\n",
            "test",
        )
        .unwrap();
        assert_eq!(c.public_base_url, "http://127.0.0.1:9/x");
        assert!(!c.rate_limits);
        assert_eq!(c.max_payment_age, Duration::from_secs(60));
        assert_eq!(c.when_full, WhenFull::EvictOldest);
        let c = SandboxConfig::from_toml("when_full = \"refuse\"\n", "test").unwrap();
        assert_eq!(c.when_full, WhenFull::Refuse);
        assert_eq!(c.merchants.len(), 3);
    }

    #[test]
    fn example_file_parses() {
        let c =
            SandboxConfig::from_toml(include_str!("../sandbox.example.toml"), "example").unwrap();
        assert_eq!(c.merchants.len(), 2);
        assert!(c.merchants[1].direct_capture);
        assert_eq!(c.users.len(), 2);
        assert!(!c.users[1].bank_id_verified);
        assert_eq!(c.users[0].addresses[0].country, "NO");
    }

    #[test]
    fn toml_errors_are_reported() {
        let e = SandboxConfig::from_toml("rate_limits = 3", "cfg.toml").unwrap_err();
        assert!(e.to_string().contains("cfg.toml"), "{e}");
        let e = SandboxConfig::from_toml("public_base_url = \"http://x/\"", "c").unwrap_err();
        assert!(e.to_string().contains("trailing slash"), "{e}");
    }
}
