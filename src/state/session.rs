//! Session variables chained between steps, like a Postman environment but filled without
//! scripts: the access token, orderId, landing-page URL, payment token and `sub`.
//!
//! The access token is a secret that lives for an hour, so it stays in memory only. The rest
//! is saved in local storage (`ecom-playground.session.v1`) so a payment can be resumed after
//! a reload.

use ecom_core::settings::Settings;
use ecom_core::token::AccessToken;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::settings::local_storage;

/// The storage key of the persisted session variables.
pub const SESSION_KEY: &str = "ecom-playground.session.v1";

/// The session variables that survive a reload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Vars {
    /// The order the payment steps work on.
    pub order_id: String,
    /// The landing-page URL (or deeplink) from the last initiate.
    pub landing_url: String,
    /// The payment token in that URL, for force approve.
    pub payment_token: String,
    /// The user's `sub` from the details of a profile payment.
    pub sub: String,
}

/// Values the steps hand on to each other.
#[derive(Clone, Copy)]
pub struct SessionCtx {
    /// The access token from the last successful "Get access token".
    pub token: RwSignal<Option<AccessToken>>,
    /// The chained variables, persisted.
    pub vars: RwSignal<Vars>,
}

impl SessionCtx {
    /// Creates and provides the session context, restoring saved variables (an unreadable
    /// value is ignored: these are conveniences, and every one is editable).
    pub fn provide() -> SessionCtx {
        let saved = local_storage()
            .and_then(|s| s.get_item(SESSION_KEY).ok().flatten())
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .unwrap_or_default();
        let ctx = SessionCtx {
            token: RwSignal::new(None),
            vars: RwSignal::new(saved),
        };
        // The first run only subscribes: opening the page writes nothing.
        Effect::new(move |first_run_done: Option<()>| {
            ctx.vars.track();
            if first_run_done.is_none() {
                return;
            }
            let raw = ctx
                .vars
                .with(|v| serde_json::to_string(v).expect("plain strings serialise"));
            if let Some(storage) = local_storage() {
                // Losing these on a full storage only costs a re-type; settings report errors.
                let _ = storage.set_item(SESSION_KEY, &raw);
            }
        });
        provide_context(ctx);
        ctx
    }

    /// Switches the payment steps to another order. The landing URL, payment token and `sub`
    /// belonged to the previous order, so they are cleared rather than mixed in.
    pub fn resume(&self, order_id: &str) {
        self.vars.set(Vars {
            order_id: order_id.to_owned(),
            ..Vars::default()
        });
    }

    /// Forgets the access token whenever what it was issued for changes (environment, proxy,
    /// credentials), so a token is never sent to another environment or merchant.
    pub fn forget_token_on_change(&self, settings: RwSignal<Settings>) {
        let issued_for = Memo::new(move |_| {
            settings.with(|s| {
                let c = s.active_credentials();
                (
                    s.environment,
                    s.proxy_url.clone(),
                    c.client_id.clone(),
                    c.client_secret.clone(),
                    c.subscription_key.clone(),
                    c.merchant_serial_number.clone(),
                )
            })
        });
        let token = self.token;
        Effect::new(move |first_run_done: Option<()>| {
            // Reading (not just tracking) makes the lazy memo compute and follow its sources.
            issued_for.with(|_| ());
            if first_run_done.is_some() {
                token.set(None);
            }
        });
    }

    /// The access token if it is still valid for at least a few seconds.
    pub fn valid_token(&self) -> Option<String> {
        self.token
            .get_untracked()
            .filter(|t| t.seconds_left(now_seconds()) > 5)
            .map(|t| t.token)
    }
}

/// Seconds since the Unix epoch, from the browser clock.
pub fn now_seconds() -> u64 {
    // Truncation is intended: whole seconds are what token expiry uses.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = (js_sys::Date::now() / 1000.0) as u64;
    secs
}

/// Milliseconds since the Unix epoch, for order ids and request ids.
pub fn now_millis() -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = js_sys::Date::now() as u64;
    ms
}
