//! Session variables chained between steps. The access token stays in memory: it is a secret
//! and lives for an hour, so it is never written to storage.

use ecom_core::token::AccessToken;
use leptos::prelude::*;

/// Values the steps hand on to each other.
#[derive(Clone, Copy)]
pub struct SessionCtx {
    /// The access token from the last successful "Get access token".
    pub token: RwSignal<Option<AccessToken>>,
}

impl SessionCtx {
    /// Creates and provides the session context.
    pub fn provide() -> SessionCtx {
        let ctx = SessionCtx {
            token: RwSignal::new(None),
        };
        provide_context(ctx);
        ctx
    }
}

/// Seconds since the Unix epoch, from the browser clock.
pub fn now_seconds() -> u64 {
    // Truncation is intended: whole seconds are what token expiry uses.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = (js_sys::Date::now() / 1000.0) as u64;
    secs
}
