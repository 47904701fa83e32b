//! Shared state: named `Copy` context structs and their persistence.
//!
//! - [`settings`]: environment, proxy URL and credentials, persisted in local storage.
//! - [`session`]: values chained between steps: the access token in memory, the variables in
//!   session storage and, without `sub`, in local storage.
//! - [`history`]: the calls made, persisted without secrets.
//! - [`flow`]: the current flow and the link the page was opened with.
//! - [`calls`]: a step's call: token first when needed, then recorded in the history.

pub mod calls;
pub mod flow;
pub mod history;
pub mod session;
pub mod settings;
