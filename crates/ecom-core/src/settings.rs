//! The user's settings: environment, proxy URL and credentials per environment.
//!
//! Settings are stored as one JSON document under a versioned key. Reading them back never
//! fails: anything unreadable (corrupt JSON, another app's data, a future version) yields the
//! defaults together with a [`ResetNotice`] that says what was reset and why, so the app can
//! tell the user instead of breaking.

use serde::{Deserialize, Serialize};

use crate::{demo, Environment};

/// The local-storage key settings live under. The suffix is the format version.
pub const STORAGE_KEY: &str = "ecom-playground.settings.v1";
/// Where an unreadable stored value is kept, so a reset loses nothing the user could recover.
pub const BACKUP_KEY: &str = "ecom-playground.settings.v1.unreadable";
/// The format version written by this build.
pub const VERSION: u32 = 1;

/// The credentials the quick start asks for, for one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Credentials {
    /// `client_id` of the sales unit's API keys.
    pub client_id: String,
    /// `client_secret` of the sales unit's API keys. A secret: masked unless revealed.
    pub client_secret: String,
    /// `Ocp-Apim-Subscription-Key`. A secret: masked unless revealed.
    pub subscription_key: String,
    /// `merchantSerialNumber` (MSN) of the sales unit.
    pub merchant_serial_number: String,
    /// Mobile number of the test user, 8 digits without country code.
    pub mobile_number: String,
}

impl Credentials {
    /// The sandbox's direct-capture merchant (223344), for the SALE scenario.
    pub fn direct_capture_demo() -> Credentials {
        use demo::direct_capture as d;
        Credentials {
            client_id: d::CLIENT_ID.to_owned(),
            client_secret: d::CLIENT_SECRET.to_owned(),
            subscription_key: d::SUBSCRIPTION_KEY.to_owned(),
            merchant_serial_number: d::MERCHANT_SERIAL_NUMBER.to_owned(),
            mobile_number: demo::MOBILE_NUMBER.to_owned(),
        }
    }

    /// The sandbox's demo credentials, prefilled so a first run needs no typing.
    pub fn demo() -> Credentials {
        Credentials {
            client_id: demo::CLIENT_ID.to_owned(),
            client_secret: demo::CLIENT_SECRET.to_owned(),
            subscription_key: demo::SUBSCRIPTION_KEY.to_owned(),
            merchant_serial_number: demo::MERCHANT_SERIAL_NUMBER.to_owned(),
            mobile_number: demo::MOBILE_NUMBER.to_owned(),
        }
    }
}

/// Credentials for each environment, so switching never overwrites the other's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialSets {
    /// For the sandbox in this browser (demo credentials by default; settings stored before it
    /// existed get them too).
    pub browser: Credentials,
    /// For the local sandbox (demo credentials by default).
    pub sandbox: Credentials,
    /// For MT (empty until the user enters their test keys).
    pub mt: Credentials,
    /// For production (empty; used only when the proxy enables it).
    pub production: Credentials,
}

impl Default for CredentialSets {
    fn default() -> Self {
        CredentialSets {
            browser: Credentials::demo(),
            sandbox: Credentials::demo(),
            mt: Credentials::default(),
            production: Credentials::default(),
        }
    }
}

impl CredentialSets {
    /// The credentials of one environment.
    pub fn of(&self, env: Environment) -> &Credentials {
        match env {
            Environment::Browser => &self.browser,
            Environment::Sandbox => &self.sandbox,
            Environment::Mt => &self.mt,
            Environment::Production => &self.production,
        }
    }

    /// The credentials of one environment, for editing.
    pub fn of_mut(&mut self, env: Environment) -> &mut Credentials {
        match env {
            Environment::Browser => &mut self.browser,
            Environment::Sandbox => &mut self.sandbox,
            Environment::Mt => &mut self.mt,
            Environment::Production => &mut self.production,
        }
    }
}

/// Everything the Settings panel edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Format version; see [`VERSION`].
    pub version: u32,
    /// The selected environment: the user's choice, or the default for this page while
    /// [`Settings::environment_chosen`] is false.
    #[serde(default)]
    pub environment: Environment,
    /// Whether the user chose [`Settings::environment`]. Until they do, the app sets it to the
    /// default for the page's server ([`Environment::default_for`]). Settings stored before
    /// this field existed count as chosen unless they hold the then default, the local sandbox.
    #[serde(default)]
    pub environment_chosen: bool,
    /// Base URL of the CORS proxy. Empty means the origin the app was loaded from.
    #[serde(default)]
    pub proxy_url: String,
    /// Credentials per environment.
    #[serde(default)]
    pub credentials: CredentialSets,
    /// Access token the proxy may require (`X-Proxy-Token`); empty when it requires none. A secret.
    #[serde(default)]
    pub proxy_token: String,
    /// Whether secrets are kept in local storage. When false they live in the tab's session
    /// storage only and are gone when the tab closes ("do not remember on this device").
    #[serde(default = "remember_by_default")]
    pub remember_secrets: bool,
}

fn remember_by_default() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            version: VERSION,
            environment: Environment::Sandbox,
            environment_chosen: false,
            proxy_url: String::new(),
            credentials: CredentialSets::default(),
            proxy_token: String::new(),
            remember_secrets: true,
        }
    }
}

/// Why stored settings were replaced by the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetNotice {
    /// A sentence for the user: what was wrong and what happened.
    pub message: String,
}

/// The result of reading stored settings: always usable settings, and a notice if they were reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The settings to use.
    pub settings: Settings,
    /// Set when the stored value could not be used and the defaults were loaded instead.
    pub reset: Option<ResetNotice>,
}

impl Settings {
    /// The user picks `env`: it stays selected whatever the page's server offers.
    pub fn choose_environment(&mut self, env: Environment) {
        self.environment = env;
        self.environment_chosen = true;
    }

    /// Selects the default for the page's server (see [`Environment::default_for`]) unless the
    /// user chose an environment. Returns whether the selection changed.
    pub fn apply_default_environment(&mut self, default: Environment) -> bool {
        if self.environment_chosen || self.environment == default {
            return false;
        }
        self.environment = default;
        true
    }

    /// The credentials of the selected environment.
    pub fn active_credentials(&self) -> &Credentials {
        self.credentials.of(self.environment)
    }

    /// A copy with every secret emptied: what goes to local storage when the user chose not
    /// to remember secrets on this device.
    pub fn without_secrets(&self) -> Settings {
        let mut copy = self.clone();
        for env in Environment::ALL {
            let c = copy.credentials.of_mut(env);
            c.client_secret.clear();
            c.subscription_key.clear();
        }
        copy.proxy_token.clear();
        copy
    }

    /// Serialises the settings for storage. A user name or password typed into the proxy URL
    /// (which validation refuses) is a secret nobody chose to keep, so it is left out.
    pub fn to_stored(&self) -> String {
        let stored = if self.proxy_url.contains('@') {
            serde_json::to_string(&Settings {
                proxy_url: crate::validate::strip_userinfo(&self.proxy_url),
                ..self.clone()
            })
        } else {
            serde_json::to_string(self)
        };
        stored.expect("settings are plain strings and enums")
    }

    /// Reads settings from what storage held under [`STORAGE_KEY`]. Nothing stored gives the
    /// defaults silently; anything unreadable gives the defaults and a [`ResetNotice`].
    pub fn from_stored(stored: Option<&str>) -> Loaded {
        let Some(raw) = stored else {
            return Loaded {
                settings: Settings::default(),
                reset: None,
            };
        };
        match Settings::parse(raw) {
            Ok(settings) => Loaded { settings, reset: None },
            Err(why) => Loaded {
                settings: Settings::default(),
                reset: Some(ResetNotice {
                    message: format!(
                        "Your saved settings could not be read ({why}), so the defaults were loaded. \
                         The unreadable value was kept in this browser's storage under \"{BACKUP_KEY}\"."
                    ),
                }),
            },
        }
    }

    fn parse(raw: &str) -> Result<Settings, String> {
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| format!("not valid JSON: {e}"))?;
        let object = value
            .as_object()
            .ok_or_else(|| "not a settings object".to_owned())?;
        match object.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "format version {v}, this app reads version {VERSION}"
                ))
            }
            None => return Err("no format version; it was not written by this app".to_owned()),
        }
        let chosen_is_stored = object.contains_key("environmentChosen");
        let mut settings: Settings =
            serde_json::from_value(value).map_err(|e| format!("unexpected content: {e}"))?;
        if !chosen_is_stored {
            settings.environment_chosen = settings.environment != Environment::Sandbox;
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_prefill_the_sandbox_demo_credentials_only() {
        let s = Settings::default();
        assert_eq!(s.environment, Environment::Sandbox);
        assert_eq!(s.active_credentials().client_id, demo::CLIENT_ID);
        assert_eq!(s.credentials.mt, Credentials::default());
    }

    #[test]
    fn round_trips_through_storage() {
        let mut s = Settings {
            environment: Environment::Mt,
            proxy_url: "https://proxy.example".into(),
            ..Settings::default()
        };
        s.credentials.mt.client_secret = "s3cret".into();
        let loaded = Settings::from_stored(Some(&s.to_stored()));
        assert_eq!(
            loaded,
            Loaded {
                settings: s,
                reset: None
            }
        );
    }

    #[test]
    fn without_secrets_empties_every_secret_and_nothing_else() {
        let mut s = Settings {
            proxy_token: "pt".into(),
            remember_secrets: false,
            ..Settings::default()
        };
        s.credentials.mt = Credentials {
            client_secret: "cs".into(),
            subscription_key: "sk".into(),
            client_id: "id".into(),
            ..Credentials::default()
        };
        let stored = s.without_secrets().to_stored();
        for secret in [
            "pt",
            "cs",
            "sk",
            crate::demo::CLIENT_SECRET,
            crate::demo::SUBSCRIPTION_KEY,
        ] {
            assert!(
                !stored.contains(&format!("\"{secret}\"")),
                "{secret} in {stored}"
            );
        }
        assert!(stored.contains("\"id\"") && stored.contains(crate::demo::CLIENT_ID));
        assert!(!s.without_secrets().remember_secrets);
    }

    #[test]
    fn a_password_in_the_proxy_url_is_never_stored() {
        let s = Settings {
            proxy_url: "http://user:hunter2@127.0.0.1:9".into(),
            ..Settings::default()
        };
        for stored in [s.to_stored(), s.without_secrets().to_stored()] {
            assert!(
                !stored.contains("hunter2") && !stored.contains("user:"),
                "{stored}"
            );
            let back = Settings::from_stored(Some(&stored)).settings;
            assert_eq!(back.proxy_url, "http://127.0.0.1:9");
        }
    }

    #[test]
    fn nothing_stored_is_not_a_reset() {
        assert_eq!(Settings::from_stored(None).reset, None);
    }

    #[test]
    fn unreadable_values_reset_with_a_reason() {
        let cases = [
            ("{not json", "not valid JSON"),
            ("[1,2,3]", "not a settings object"),
            ("{\"theme\":\"dark\"}", "no format version"),
            ("{\"version\":7}", "format version 7"),
            (
                "{\"version\":1,\"environment\":\"staging\"}",
                "unexpected content",
            ),
            (
                "{\"version\":1,\"credentials\":{\"mt\":{\"clientId\":42}}}",
                "unexpected content",
            ),
        ];
        for (raw, reason) in cases {
            let loaded = Settings::from_stored(Some(raw));
            assert_eq!(loaded.settings, Settings::default(), "{raw}");
            let msg = loaded.reset.expect(raw).message;
            assert!(msg.contains(reason), "{raw}: {msg}");
            assert!(msg.contains(BACKUP_KEY), "{msg}");
        }
    }

    #[test]
    fn settings_from_before_the_browser_sandbox_still_load() {
        let old = r#"{"version":1,"environment":"sandbox","proxyUrl":"","credentials":{"sandbox":{"clientId":"x"},"mt":{},"production":{}},"proxyToken":"","rememberSecrets":true}"#;
        let loaded = Settings::from_stored(Some(old));
        assert_eq!(loaded.reset, None);
        let s = loaded.settings;
        assert_eq!(s.environment, Environment::Sandbox);
        // The old default was never a choice: the page's server decides.
        assert!(!s.environment_chosen);
        assert_eq!(s.credentials.sandbox.client_id, "x");
        assert_eq!(s.credentials.browser, Credentials::demo());
        // Any other stored environment was chosen, and is kept.
        let mt = Settings::from_stored(Some(r#"{"version":1,"environment":"mt"}"#)).settings;
        assert!(mt.environment_chosen);
    }

    #[test]
    fn the_default_environment_applies_until_the_user_chooses() {
        let mut s = Settings::default();
        assert!(s.apply_default_environment(Environment::Browser));
        assert_eq!(s.environment, Environment::Browser);
        assert!(!s.apply_default_environment(Environment::Browser));
        let back = Settings::from_stored(Some(&s.to_stored())).settings;
        assert_eq!(back, s);
        s.choose_environment(Environment::Sandbox);
        assert!(!s.apply_default_environment(Environment::Browser));
        assert_eq!(s.environment, Environment::Sandbox);
        let back = Settings::from_stored(Some(&s.to_stored())).settings;
        assert!(back.environment_chosen && back.environment == Environment::Sandbox);
    }

    #[test]
    fn missing_fields_take_defaults_without_a_reset() {
        let loaded = Settings::from_stored(Some("{\"version\":1,\"environment\":\"mt\"}"));
        assert_eq!(loaded.reset, None);
        assert_eq!(loaded.settings.environment, Environment::Mt);
        assert_eq!(loaded.settings.credentials.sandbox, Credentials::demo());
    }
}
