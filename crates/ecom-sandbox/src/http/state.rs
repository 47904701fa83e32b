//! Shared state of one sandbox instance: configuration, clock, stores and switches.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use siphasher::sip::SipHasher13;

use crate::config::{MerchantConfig, SandboxConfig, TestUser};
use crate::domain::clock::{Clock, MINUTE};
use crate::domain::store::Store;
use crate::http::outbound::Outbound;
use crate::wire::errors::ApiError;

/// Handle to the shared state, cloned into every handler.
pub(crate) type AppState = Arc<Shared>;

/// Everything one sandbox instance owns.
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) merchants: Vec<Arc<MerchantConfig>>,
    by_subscription_key: HashMap<String, usize>,
    by_client_id: HashMap<String, usize>,
    by_msn: HashMap<String, usize>,
    pub(crate) users: RwLock<HashMap<String, TestUser>>,
    pub(crate) clock: Clock,
    /// Per-instance key for signing access tokens and landing tokens, and for ids.
    pub(super) mac_key: MacKey,
    pub(crate) store: Store,
    pub(crate) outbound: Outbound,
    pub(crate) rate: RateLimiter,
    pub(crate) rate_limits: AtomicBool,
    /// Start-up configuration only: never switchable through `/__sim`, so a hosted sandbox
    /// cannot be told at run time to call services on its own loopback interface.
    allow_loopback: bool,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) subs: Mutex<Subs>,
    pub(crate) qr: Mutex<HashMap<String, QrImage>>,
    /// The counter behind [`Shared::unique_id`].
    pub(super) next_id: std::sync::atomic::AtomicU64,
}

/// Userinfo `sub`s: one per (MSN, user), with the scopes the user consented to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Subs {
    #[serde(with = "crate::domain::pairs")]
    pub(crate) by_user: HashMap<(String, String), String>,
    pub(crate) records: HashMap<String, SubRecord>,
    /// Express consents: (MSN, userId) → consentRemovalPrefix.
    #[serde(with = "crate::domain::pairs")]
    pub(crate) express_consents: HashMap<(String, String), String>,
}

/// What the user shared with one MSN.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubRecord {
    pub(crate) msn: String,
    pub(crate) phone: String,
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) consented_at_ms: i64,
}

/// A one-time-payment QR image served without authentication until it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QrImage {
    pub(crate) content: String,
    pub(crate) svg: bool,
    pub(crate) size: u32,
    pub(crate) expires_at_ms: i64,
}

/// The 128-bit SipHash-1-3 key of one instance.
///
/// Saved in snapshots so access tokens and landing tokens stay valid after a restore; written
/// as 32 hex digits, because JSON numbers above 2^53 do not survive JavaScript.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub(crate) struct MacKey(u64, u64);

impl MacKey {
    /// A fresh key from a v4 UUID: 122 random bits, and `uuid` already reads the browser's
    /// `crypto.getRandomValues` on wasm.
    fn random() -> Self {
        let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
        Self(a, b)
    }

    fn hash_one(self, value: impl Hash) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.0, self.1);
        value.hash(&mut h);
        h.finish()
    }
}

/// Never prints the key: it signs every token.
impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(..)")
    }
}

impl From<MacKey> for String {
    fn from(k: MacKey) -> Self {
        format!("{:016x}{:016x}", k.0, k.1)
    }
}

impl TryFrom<String> for MacKey {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        let half = |h: &str| u64::from_str_radix(h, 16).ok();
        match (
            s.len(),
            s.get(..16).and_then(half),
            s.get(16..).and_then(half),
        ) {
            (32, Some(a), Some(b)) => Ok(Self(a, b)),
            _ => Err(format!(
                "the MAC key must be 32 hex digits, got {} characters",
                s.len()
            )),
        }
    }
}

/// An injected failure (the boundary type of `POST /__sim/faults`).
pub(crate) use ecom_core::wire::sim::Fault;

impl Shared {
    /// Builds the state from a configuration that has been validated.
    pub(crate) fn new(config: SandboxConfig) -> Self {
        let merchants: Vec<Arc<MerchantConfig>> =
            config.merchants.iter().cloned().map(Arc::new).collect();
        let index = |f: fn(&MerchantConfig) -> &String| {
            merchants
                .iter()
                .enumerate()
                .map(|(i, m)| (f(m).clone(), i))
                .collect::<HashMap<_, _>>()
        };
        let by_subscription_key = index(|m| &m.subscription_key);
        let by_client_id = index(|m| &m.client_id);
        let by_msn = index(|m| &m.msn);
        let users = config
            .users
            .iter()
            .map(|u| (u.phone.clone(), u.clone()))
            .collect();
        Self {
            store: Store::new(
                config.max_payments,
                config.max_payment_bytes,
                config.when_full,
            ),
            outbound: Outbound::new(config.max_outbound_log, config.callback_timeout),
            rate_limits: AtomicBool::new(config.rate_limits),
            allow_loopback: config.allow_loopback_callbacks,
            merchants,
            by_subscription_key,
            by_client_id,
            by_msn,
            users: RwLock::new(users),
            clock: Clock::default(),
            mac_key: MacKey::random(),
            rate: RateLimiter::default(),
            faults: Mutex::new(Vec::new()),
            subs: Mutex::new(Subs::default()),
            qr: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(0),
            config,
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn merchant_by_key(&self, key: &str) -> Option<&Arc<MerchantConfig>> {
        self.by_subscription_key
            .get(key)
            .map(|&i| &self.merchants[i])
    }

    pub(crate) fn merchant_by_client_id(&self, id: &str) -> Option<&Arc<MerchantConfig>> {
        self.by_client_id.get(id).map(|&i| &self.merchants[i])
    }

    pub(crate) fn merchant_by_msn(&self, msn: &str) -> Option<&Arc<MerchantConfig>> {
        self.by_msn.get(msn).map(|&i| &self.merchants[i])
    }

    pub(crate) fn user(&self, phone: &str) -> Option<TestUser> {
        self.users.read().get(phone).cloned()
    }

    pub(crate) fn base(&self) -> &str {
        &self.config.public_base_url
    }

    pub(crate) fn loopback_allowed(&self) -> bool {
        self.allow_loopback
    }

    /// A keyed 64-bit MAC of `data` (SipHash-1-3 with a per-instance random key), base64url
    /// without padding. Enough to reject forged tokens in a simulator, and cheap.
    pub(crate) fn mac(&self, data: &str) -> String {
        use base64::Engine as _;
        let tag = self.mac_key.hash_one(data);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.to_le_bytes())
    }

    /// A fresh UUID-shaped id, unique per instance and not guessable (a keyed hash of a
    /// counter): cheaper than a v4 UUID, which asks the OS for randomness.
    pub(crate) fn unique_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let a = self.mac_key.hash_one((2u8, n));
        let b = self.mac_key.hash_one((3u8, n));
        // Version 4 / variant 1 bits, so it reads as a random UUID.
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// The landing-page URL of a payment token.
    pub(crate) fn landing_url(&self, token: &str) -> String {
        format!(
            "{}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token={token}",
            self.base()
        )
    }

    /// Applies the rate limit `kind` (spec §1.7) unless switched off.
    pub(crate) fn rate_limit(&self, kind: RateKind, a: &str, b: &str) -> Result<(), ApiError> {
        if !self.rate_limits.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.rate.check(kind, a, b, self.now())
    }

    /// Takes one matching injected fault, if any.
    pub(crate) fn take_fault(&self, endpoint: &str, msn: &str, order_id: &str) -> Option<Fault> {
        let mut faults = self.faults.lock();
        let pos = faults.iter().position(|f| {
            f.endpoint == endpoint
                && f.msn.as_deref().is_none_or(|m| m == msn)
                && f.order_id.as_deref().is_none_or(|o| o == order_id)
        })?;
        let fault = faults[pos].clone();
        if faults[pos].remaining <= 1 {
            faults.remove(pos);
        } else {
            faults[pos].remaining -= 1;
        }
        Some(fault)
    }
}

/// The rate-limited endpoint families of spec §1.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RateKind {
    Initiate,
    Capture,
    Cancel,
    Refund,
    Details,
}

impl RateKind {
    fn limit(self) -> usize {
        match self {
            Self::Initiate => 2,
            Self::Capture | Self::Cancel | Self::Refund => 5,
            Self::Details => 120,
        }
    }
}

/// Sliding one-minute windows on simulated time.
#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<(RateKind, String, String), Vec<i64>>>,
    /// When stale windows were last dropped, so a large map is scanned at most once a second.
    last_prune: std::sync::atomic::AtomicI64,
}

/// Windows kept before stale ones are dropped; beyond `HARD_CAP` all are dropped (bounded
/// memory wins over exact limits under a flood of distinct orderIds).
const SOFT_CAP: usize = 50_000;
const HARD_CAP: usize = 200_000;

impl RateLimiter {
    pub(crate) fn clear(&self) {
        self.windows.lock().clear();
    }

    fn check(&self, kind: RateKind, a: &str, b: &str, now: i64) -> Result<(), ApiError> {
        let mut map = self.windows.lock();
        if map.len() > SOFT_CAP && now - self.last_prune.load(Ordering::Relaxed) >= 1000 {
            map.retain(|_, v| v.last().is_some_and(|&t| t > now - MINUTE));
            self.last_prune.store(now, Ordering::Relaxed);
        }
        if map.len() > HARD_CAP {
            map.clear();
        }
        let hits = map.entry((kind, a.to_owned(), b.to_owned())).or_default();
        hits.retain(|&t| t > now - MINUTE);
        if hits.len() >= kind.limit() {
            let oldest = hits.first().copied().unwrap_or(now);
            // Whole seconds, rounded up, so a client that waits this long gets through.
            let wait = (oldest + MINUTE - now + 999) / 1000;
            return Err(ApiError::rate_limited(
                u64::try_from(wait.max(1)).unwrap_or(60),
            ));
        }
        hits.push(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_allows_limit_then_429_then_recovers() {
        let r = RateLimiter::default();
        let t = 1_000_000;
        assert!(r.check(RateKind::Initiate, "1", "o", t).is_ok());
        assert!(r.check(RateKind::Initiate, "1", "o", t + 1).is_ok());
        let e = r.check(RateKind::Initiate, "1", "o", t + 2).unwrap_err();
        assert_eq!(e.status().as_u16(), 429);
        assert!(r.check(RateKind::Initiate, "1", "other", t + 2).is_ok());
        assert!(r
            .check(RateKind::Initiate, "1", "o", t + MINUTE + 1)
            .is_ok());
    }

    #[test]
    fn unique_ids_look_like_uuids_and_differ() {
        let s = Shared::new(SandboxConfig::default());
        let a = s.unique_id();
        let b = s.unique_id();
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[test]
    fn mac_differs_per_instance_and_input() {
        let a = Shared::new(SandboxConfig::default());
        let b = Shared::new(SandboxConfig::default());
        assert_eq!(a.mac("x"), a.mac("x"));
        assert_ne!(a.mac("x"), a.mac("y"));
        assert_ne!(a.mac("x"), b.mac("x"));
    }
}
