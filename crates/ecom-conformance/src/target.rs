//! The server under test and the credentials to use on it.
//!
//! With no environment variables the tests start the sandbox themselves and use the demo
//! merchant of `ecom_core::demo`. Setting `ECOM_BASE_URL` (plus the credential variables below)
//! points the whole suite at another server, such as the real MT environment; the `/__sim`
//! control surface is then assumed absent unless `ECOM_HAS_SIM=1`.

use crate::Error;

/// Where to send requests and as whom.
#[derive(Clone)]
pub struct Target {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    /// `client_id` header for the access token.
    pub client_id: String,
    /// `client_secret` header for the access token.
    pub client_secret: String,
    /// `Ocp-Apim-Subscription-Key`.
    pub subscription_key: String,
    /// Merchant serial number of these keys.
    pub msn: String,
    /// A test user's 8-digit mobile number that may approve payments.
    pub mobile: String,
    /// Whether the server offers the simulator's `/__sim` surface.
    pub has_sim: bool,
    /// Whether the server delivers its merchant requests (callbacks, dynamic shipping,
    /// consent removal) to a receiver on this machine's loopback: the native sandbox with
    /// `allow_loopback_callbacks` does; the real MT cannot reach this machine; the sandbox in a
    /// browser records each as `skipped` and sends none. Cases that need them are skipped.
    pub delivers_callbacks: bool,
}

impl std::fmt::Debug for Target {
    // Secrets never appear in logs or assertion messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("msn", &self.msn)
            .field("has_sim", &self.has_sim)
            .field("delivers_callbacks", &self.delivers_callbacks)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// These keys as the app's settings hold them, for the core's request builders.
    pub fn credentials(&self) -> ecom_core::settings::Credentials {
        ecom_core::settings::Credentials {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            subscription_key: self.subscription_key.clone(),
            merchant_serial_number: self.msn.clone(),
            mobile_number: self.mobile.clone(),
        }
    }
}

/// Environment variable that selects an external server.
pub const BASE_URL_VAR: &str = "ECOM_BASE_URL";

impl Target {
    /// The sandbox's demo merchant at `base_url`, with `/__sim` and loopback callbacks.
    pub fn demo(base_url: &str) -> Self {
        use ecom_core::demo;
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: demo::CLIENT_ID.to_owned(),
            client_secret: demo::CLIENT_SECRET.to_owned(),
            subscription_key: demo::SUBSCRIPTION_KEY.to_owned(),
            msn: demo::MERCHANT_SERIAL_NUMBER.to_owned(),
            mobile: demo::MOBILE_NUMBER.to_owned(),
            has_sim: true,
            delivers_callbacks: true,
        }
    }

    /// Reads `ECOM_BASE_URL`, `ECOM_CLIENT_ID`, `ECOM_CLIENT_SECRET`,
    /// `ECOM_SUBSCRIPTION_KEY`, `ECOM_MSN`, `ECOM_MOBILE`, and the optional capabilities
    /// `ECOM_HAS_SIM=1` and `ECOM_DELIVERS_CALLBACKS=0|1` (default: as `ECOM_HAS_SIM`, a
    /// simulator on this machine). Returns `Ok(None)` when `ECOM_BASE_URL` is unset.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing variable when the base URL is set but a credential
    /// is not, or when a capability is neither `0` nor `1`.
    pub fn from_env() -> Result<Option<Self>, Error> {
        let Ok(base_url) = std::env::var(BASE_URL_VAR) else {
            return Ok(None);
        };
        let var = |name: &str| {
            std::env::var(name).map_err(|_| {
                Error::Config(format!(
                    "{BASE_URL_VAR} is set, so {name} must be set too (the test merchant's value)"
                ))
            })
        };
        let has_sim = std::env::var("ECOM_HAS_SIM").is_ok_and(|v| v == "1");
        let delivers_callbacks = flag(DELIVERS_CALLBACKS_VAR)?.unwrap_or(has_sim);
        Ok(Some(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: var("ECOM_CLIENT_ID")?,
            client_secret: var("ECOM_CLIENT_SECRET")?,
            subscription_key: var("ECOM_SUBSCRIPTION_KEY")?,
            msn: var("ECOM_MSN")?,
            mobile: var("ECOM_MOBILE")?,
            has_sim,
            delivers_callbacks,
        }))
    }
}

/// Environment variable that declares whether the server delivers callbacks to loopback
/// (see [`Target::delivers_callbacks`]).
pub const DELIVERS_CALLBACKS_VAR: &str = "ECOM_DELIVERS_CALLBACKS";

/// A `0`/`1` capability variable; `None` when unset.
fn flag(name: &str) -> Result<Option<bool>, Error> {
    match std::env::var(name).as_deref() {
        Err(_) => Ok(None),
        Ok("1") => Ok(Some(true)),
        Ok("0") => Ok(Some(false)),
        Ok(other) => Err(Error::Config(format!(
            "{name} must be 0 or 1, not {other:?}"
        ))),
    }
}
