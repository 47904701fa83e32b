//! Settings in local storage: read once at start, written back by one effect.

use ecom_core::settings::{Loaded, Settings, BACKUP_KEY, STORAGE_KEY};
use leptos::prelude::*;
use web_sys::Storage;

/// The browser's local storage, if the browser allows it (private modes may not).
pub fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
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
}

impl SettingsCtx {
    /// Loads settings from local storage and keeps them saved on every change.
    pub fn provide() -> SettingsCtx {
        let storage = local_storage();
        let loaded = load(storage.as_ref());
        let ctx = SettingsCtx {
            settings: RwSignal::new(loaded.settings),
            reset_notice: RwSignal::new(loaded.reset.map(|r| r.message)),
            save_error: RwSignal::new(None),
        };
        // The first run writes the loaded value back (harmless, and it replaces a corrupt one
        // only after it was backed up by `load`).
        Effect::new(move |_| {
            let result = ctx.settings.with(|s| save(local_storage().as_ref(), s));
            ctx.save_error.set(result.err());
        });
        provide_context(ctx);
        ctx
    }
}
