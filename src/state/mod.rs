//! Shared state: named `Copy` context structs and their persistence.
//!
//! - [`settings`]: environment, proxy URL and credentials, persisted in local storage.
//! - [`session`]: values chained between steps (the access token), kept for this page only.

pub mod history;
pub mod session;
pub mod settings;
