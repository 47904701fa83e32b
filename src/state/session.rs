//! Session variables chained between steps, like a Postman environment but filled without
//! scripts: the access token, orderId, landing-page URL, payment token and `sub`.
//!
//! The access token is a secret that lives for an hour, so it stays in memory only. The
//! variables are saved so a payment can be resumed after a reload: all of them in the tab's
//! session storage, and all but `sub` (personal data) in local storage, under
//! `ecom-playground.session.v1` in both (see `ecom_core::session`). A reload in the same tab
//! gets everything back; a new tab gets what resumes a payment, and the payment details give
//! the `sub` again.

use ecom_core::session::{LoadedVars, BACKUP_KEY, STORAGE_KEY};
use ecom_core::settings::Settings;
use ecom_core::token::AccessToken;
use leptos::prelude::*;
use web_sys::Storage;

use super::settings::{local_storage, session_storage};

pub use ecom_core::session::Vars;

/// Reads the saved variables: the tab's copy first (the only one with `sub`), then local
/// storage's. An unreadable value is moved to [`BACKUP_KEY`] in the storage it was read
/// from, so nothing is lost and the notice shows once. A `sub` that an older version put in
/// local storage is moved to the tab's copy.
pub fn load(local: Option<&Storage>, session: Option<&Storage>) -> LoadedVars {
    let mut notice = None;
    let tab = read(session, &mut notice);
    // Read (and so back up, if unreadable) the local copy even when the tab's copy is used;
    // its notice matters only when the variables then start empty.
    let mut local_notice = None;
    let saved = read(local, &mut local_notice);
    if let Some(tab) = tab {
        return LoadedVars { vars: tab, notice };
    }
    let notice = notice.or(local_notice);
    let vars = saved.unwrap_or_default();
    if !vars.sub.is_empty() {
        // Best effort: a failure leaves the old copy, which the next change rewrites.
        let _ = persist(local, session, &vars);
    }
    LoadedVars { vars, notice }
}

/// The variables stored in `storage`, if any are there and readable; an unreadable value is
/// backed up, removed, and explained in `notice`.
fn read(storage: Option<&Storage>, notice: &mut Option<String>) -> Option<Vars> {
    let storage = storage?;
    let raw = storage.get_item(STORAGE_KEY).ok().flatten()?;
    let loaded = Vars::from_stored(Some(&raw));
    match loaded.notice {
        None => Some(loaded.vars),
        Some(why) => {
            // Best effort: if the backup fails the notice still tells the user what happened.
            let _ = storage.set_item(BACKUP_KEY, &raw);
            let _ = storage.remove_item(STORAGE_KEY);
            notice.get_or_insert(why);
            None
        }
    }
}

/// Saves the variables: everything in the tab's session storage, everything but `sub` in
/// local storage. Both saves are always attempted; returns whether both succeeded.
pub fn persist(local: Option<&Storage>, session: Option<&Storage>, vars: &Vars) -> bool {
    let local_ok = local.is_some_and(|s| {
        s.set_item(STORAGE_KEY, &vars.without_personal_data().to_stored())
            .is_ok()
    });
    let session_ok = session.is_some_and(|s| s.set_item(STORAGE_KEY, &vars.to_stored()).is_ok());
    local_ok && session_ok
}

/// Values the steps hand on to each other.
#[derive(Clone, Copy)]
pub struct SessionCtx {
    /// The access token from the last successful "Get access token".
    pub token: RwSignal<Option<AccessToken>>,
    /// The chained variables, persisted.
    pub vars: RwSignal<Vars>,
    /// Set when the saved variables were unreadable; the banner shows and clears it.
    pub notice: RwSignal<Option<String>>,
}

impl SessionCtx {
    /// Creates and provides the session context, restoring saved variables (an unreadable
    /// value is backed up and explained by [`SessionCtx::notice`]; the settings are separate
    /// and untouched).
    pub fn provide() -> SessionCtx {
        let loaded = load(local_storage().as_ref(), session_storage().as_ref());
        let ctx = SessionCtx {
            token: RwSignal::new(None),
            vars: RwSignal::new(loaded.vars),
            notice: RwSignal::new(loaded.notice),
        };
        // The first run only subscribes: opening the page writes nothing.
        Effect::new(move |first_run_done: Option<()>| {
            ctx.vars.track();
            if first_run_done.is_none() {
                return;
            }
            // Losing these on a full storage only costs a re-type; settings report errors.
            let _ = ctx
                .vars
                .with(|v| persist(local_storage().as_ref(), session_storage().as_ref(), v));
        });
        provide_context(ctx);
        ctx
    }

    /// Switches the payment steps to another order, with its landing page when this browser
    /// initiated it (see `ecom_core::session::Vars::resume`).
    pub fn resume(&self, order_id: &str) {
        self.vars.update(|v| v.resume(order_id));
    }

    /// Runs `f` whenever the current payment changes to another orderId (not when the page
    /// opens): what a step shows of the previous payment must go with it.
    pub fn on_new_order(&self, f: impl Fn() + 'static) {
        let order_id = Memo::new({
            let vars = self.vars;
            move |_| vars.with(|v| v.order_id.clone())
        });
        Effect::new(move |first_run_done: Option<()>| {
            // Reading (not just tracking) makes the lazy memo compute and follow its source.
            order_id.with(|_| ());
            if first_run_done.is_some() {
                f();
            }
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
