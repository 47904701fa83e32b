//! Settings in local storage: read once at start, written back by one effect.

use ecom_core::proxy::ProxyInfo;
use ecom_core::settings::{Loaded, Settings, BACKUP_KEY, STORAGE_KEY};
use ecom_core::Environment;
use leptos::prelude::*;
use web_sys::Storage;

use crate::error::AppError;

/// The browser's local storage, if the browser allows it (private modes may not).
pub fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The tab's session storage: what is kept only until the tab closes.
pub fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Reads settings: the tab's session storage first (where settings with secrets live when
/// the user chose not to remember them), then local storage.
pub fn load_all(local: Option<&Storage>, session: Option<&Storage>) -> Loaded {
    let in_session = session
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .is_some();
    if in_session {
        let loaded = load(session);
        if loaded.reset.is_none() {
            return loaded;
        }
        // An unreadable tab copy (kept in the tab under the backup key) must not hide the
        // still-readable settings in local storage.
        let _ = session.map(|s| s.remove_item(STORAGE_KEY));
    }
    load(local)
}

/// Saves settings where the user wants them: everything in local storage, or, when secrets
/// are not to be remembered, everything but the secrets there and the whole in the tab.
/// Both saves are always attempted.
///
/// # Errors
/// As [`save`], the reasons of both joined when both fail.
pub fn persist(
    local: Option<&Storage>,
    session: Option<&Storage>,
    settings: &Settings,
) -> Result<(), String> {
    let (local_result, session_result) = if settings.remember_secrets {
        if let Some(session) = session {
            // Nothing to keep there any more; a failure leaves a stale copy the next save fixes.
            let _ = session.remove_item(STORAGE_KEY);
        }
        (save(local, settings), Ok(()))
    } else {
        (
            save(local, &settings.without_secrets()),
            save(session, settings),
        )
    };
    match (local_result, session_result) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        (Err(a), Err(b)) => Err(format!("{a}; {b}")),
    }
}

/// Removes everything the playground stored in this browser, local and session storage.
pub fn forget_everything() {
    for storage in [local_storage(), session_storage()].into_iter().flatten() {
        let keys: Vec<String> = (0..storage.length().unwrap_or(0))
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with("ecom-playground."))
            .collect();
        for key in keys {
            let _ = storage.remove_item(&key);
        }
    }
}

/// Reads settings from `storage`. An unreadable value is copied to [`BACKUP_KEY`] before the
/// defaults are used, so nothing the user had is lost.
pub fn load(storage: Option<&Storage>) -> Loaded {
    let raw = storage.and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let loaded = Settings::from_stored(raw.as_deref());
    if let (Some(storage), Some(raw), Some(_)) = (storage, raw.as_deref(), &loaded.reset) {
        // Best effort: if even this fails, the reset notice still tells the user.
        let _ = storage.set_item(BACKUP_KEY, raw);
    }
    loaded
}

/// Writes settings to `storage`.
///
/// # Errors
/// A sentence for the user when the browser refuses (storage disabled or full).
pub fn save(storage: Option<&Storage>, settings: &Settings) -> Result<(), String> {
    let storage = storage.ok_or_else(|| {
        "this browser does not allow local storage here, so settings last only until the tab is closed".to_owned()
    })?;
    storage
        .set_item(STORAGE_KEY, &settings.to_stored())
        .map_err(|_| "the browser refused to save settings (storage full or disabled); they last only until the tab is closed".to_owned())
}

/// The settings context: read by every step, written by the Settings panel.
#[derive(Clone, Copy)]
pub struct SettingsCtx {
    /// The current settings.
    pub settings: RwSignal<Settings>,
    /// Set when stored settings were unreadable and reset; the banner shows and clears it.
    pub reset_notice: RwSignal<Option<String>>,
    /// Set when saving failed.
    pub save_error: RwSignal<Option<String>>,
    /// What the proxy said it serves (`None` while asking), kept up to date by `ProxyProbe`.
    pub proxy_info: RwSignal<Option<Result<ProxyInfo, AppError>>>,
}

impl SettingsCtx {
    /// Keeps what the proxy said (or why it could not be asked), and for a user who never chose
    /// an environment selects the default for this page's server: its local sandbox when it
    /// has one, else the sandbox in this browser (see [`Environment::default_for`]). Only the
    /// page's own server decides: a proxy URL the user typed is a proxy they mean to use, and
    /// one that is down (or half typed) must be reported, not replaced.
    pub fn set_proxy_info(&self, info: Option<Result<ProxyInfo, AppError>>) {
        if let Some(answer) = &info {
            if self.settings.with_untracked(|s| s.proxy_url.is_empty()) {
                let default = Environment::default_for(answer.as_ref().ok());
                self.settings
                    .maybe_update(|s| s.apply_default_environment(default));
            }
        }
        self.proxy_info.set(info);
    }

    /// Runs `f` whenever requests start going elsewhere (another environment or proxy URL),
    /// not when the page opens: an answer shown from the old target would mislead.
    pub fn on_target_change(&self, f: impl Fn() + 'static) {
        let settings = self.settings;
        let target = Memo::new(move |_| settings.with(|s| (s.environment, s.proxy_url.clone())));
        Effect::new(move |first_run_done: Option<()>| {
            // Reading (not just tracking) makes the lazy memo compute and follow its sources.
            target.with(|_| ());
            if first_run_done.is_some() {
                f();
            }
        });
    }

    /// Loads settings from local storage and keeps them saved on every change.
    pub fn provide() -> SettingsCtx {
        let loaded = load_all(local_storage().as_ref(), session_storage().as_ref());
        let ctx = SettingsCtx {
            settings: RwSignal::new(loaded.settings),
            reset_notice: RwSignal::new(loaded.reset.map(|r| r.message)),
            save_error: RwSignal::new(None),
            proxy_info: RwSignal::new(None),
        };
        // A reset replaces the unreadable value (already backed up by `load`) at once, so the
        // notice shows once. Otherwise storage is written only on changes: the effect's first
        // run only subscribes, so opening the page never overwrites what another tab saved.
        if ctx.reset_notice.with_untracked(Option::is_some) {
            let result = ctx.settings.with_untracked(|s| {
                persist(local_storage().as_ref(), session_storage().as_ref(), s)
            });
            ctx.save_error.set(result.err());
        }
        Effect::new(move |first_run_done: Option<()>| {
            ctx.settings.track();
            if first_run_done.is_some() {
                let result = ctx
                    .settings
                    .with(|s| persist(local_storage().as_ref(), session_storage().as_ref(), s));
                ctx.save_error.set(result.err());
            }
        });
        provide_context(ctx);
        ctx
    }
}
