//! The history of calls in local storage: read once at start, written back by one effect.
//!
//! Entries are built by `ecom_core::history`, which keeps no header, no body and no secret,
//! so the history can live in local storage.

use ecom_core::history::{status_summary, History, HistoryEntry, BACKUP_KEY, STORAGE_KEY};
use ecom_core::request::ApiRequest;
use ecom_core::Environment;
use leptos::prelude::*;

use super::settings::local_storage;
use crate::api::ApiResponse;
use crate::error::AppError;

/// The history context: written by the shared send path, read and cleared by the history panel.
#[derive(Clone, Copy)]
pub struct HistoryCtx {
    /// The calls, newest first.
    pub entries: RwSignal<History>,
    /// Set when the stored history was (partly) unreadable, or could not be saved.
    pub notice: RwSignal<Option<String>>,
}

impl HistoryCtx {
    /// Loads the history from local storage, keeps it saved on every change, and provides it.
    pub fn provide() -> HistoryCtx {
        let storage = local_storage();
        let raw = storage
            .as_ref()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let loaded = History::from_stored(raw.as_deref());
        if let (Some(storage), Some(raw), true) = (&storage, &raw, loaded.unreadable) {
            // Best effort: if even this fails, the notice still tells the user.
            let _ = storage.set_item(BACKUP_KEY, raw);
        }
        let ctx = HistoryCtx {
            entries: RwSignal::new(loaded.history),
            notice: RwSignal::new(loaded.notice),
        };
        // Like the settings: write on changes only, and once at once after a reset.
        let reset = ctx.notice.with_untracked(Option::is_some);
        Effect::new(move |first_run_done: Option<()>| {
            ctx.entries.track();
            if first_run_done.is_none() && !reset {
                return;
            }
            let stored = ctx.entries.with(History::to_stored);
            let saved = local_storage().is_some_and(|s| s.set_item(STORAGE_KEY, &stored).is_ok());
            if !saved {
                ctx.notice.set(Some(
                    "The browser refused to save the history (storage full or disabled); it lasts until the tab is closed.".to_owned(),
                ));
            }
        });
        provide_context(ctx);
        ctx
    }

    /// Records a call of `request` to `environment`: its response, or why none arrived.
    /// Only the method, path, status, time, orderId and a summary are kept (see
    /// `ecom_core::history::HistoryEntry::new`).
    pub fn record(
        &self,
        request: &ApiRequest,
        environment: Environment,
        response: Result<&ApiResponse, &AppError>,
    ) {
        let (status, millis, summary) = match response {
            Ok(response) => (
                Some(response.status),
                response.millis,
                response.explanation.as_ref().map_or_else(
                    || status_summary(response.status, &response.status_text),
                    |e| format!("{}: {}", status_summary(response.status, ""), e.summary),
                ),
            ),
            Err(error) => (None, 0.0, error.to_string()),
        };
        let entry = HistoryEntry::new(
            request,
            environment,
            js_sys::Date::now(),
            status,
            millis,
            &summary,
        );
        self.entries.update(|h| h.push(entry));
    }

    /// Forgets every call (and the stored copy, through the saving effect).
    pub fn clear(&self) {
        self.entries.update(History::clear);
        self.notice.set(None);
    }
}
