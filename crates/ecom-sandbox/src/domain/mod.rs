//! The sandbox's pure domain: what MT decides, with no HTTP framework, async runtime or
//! network. It builds without the `native` feature, so other hosts (the browser) can run it.
//!
//! - [`clock`]: the controllable simulated clock and timestamp formatting.
//! - [`payment`]: the payment state machine of spec §4, its money rules and timeouts; effects
//!   (callbacks to send) come out as values.
//! - [`store`]: the bounded in-memory payment store with per-payment locks.
//! - [`links`]: the allow-list of merchant URLs that may become a link or a redirect.
//! - [`pairs`]: serde for maps with non-string keys, as lists of pairs (snapshots).

pub(crate) mod clock;
pub(crate) mod links;
pub(crate) mod pairs;
pub(crate) mod payment;
pub(crate) mod store;
