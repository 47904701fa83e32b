//! Saving and restoring the whole state of one sandbox instance.
//!
//! In the browser the sandbox runs in a service worker, which the browser stops when it is
//! idle; the host saves a [`Snapshot`] after each request and restores it when the worker
//! starts again, so the visitor goes on with the same payments and the same access token.
//!
//! The snapshot is JSON ([`Snapshot::to_json`], [`Snapshot::from_json`]) with a `version`,
//! checked before anything else is read. It holds what a visitor would miss: the clock offset,
//! the MAC key (tokens stay valid), the id counters, every payment in insertion (eviction)
//! order, the test users, userinfo `sub`s, QR images, injected faults, the rate-limit switch
//! and the outbound log.
//!
//! Not saved, on purpose:
//! - the configuration: the host passes the same [`SandboxConfig`] to [`Shared::restore`];
//! - rate-limit windows: they last a minute, and dropping them only lets a few more requests
//!   through right after a restart;
//! - deliveries in flight: a record saved as `pending` stays so, as the request that would
//!   have finished it died with the worker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::config::{SandboxConfig, TestUser};
use crate::domain::payment::{self, Payment};
use crate::http::outbound::Record;
use crate::http::state::{Fault, MacKey, QrImage, Shared, Subs};
use crate::SandboxError;

/// The snapshot format this build writes and reads.
pub(crate) const VERSION: u32 = 1;

/// Everything one sandbox instance keeps that must survive a restart.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Snapshot {
    /// [`VERSION`] when written.
    version: u32,
    /// How far the simulated clock is ahead of wall-clock time.
    clock_offset_ms: i64,
    mac_key: MacKey,
    /// The counter behind `Shared::unique_id`.
    next_id: u64,
    /// The number of the next `transactionId` (process-wide).
    next_transaction_number: u64,
    /// Oldest first: restoring in this order keeps eviction order.
    payments: Vec<Payment>,
    /// The test users as they are now (approvals set `bank_id_verified`), by phone.
    users: Vec<TestUser>,
    subs: Subs,
    qr: HashMap<String, QrImage>,
    faults: Vec<Fault>,
    rate_limits: bool,
    /// The outbound log, oldest first, and the id of the next record.
    callbacks: Vec<Record>,
    next_callback_id: u64,
}

/// Just the version, read before the rest so another version gets a clear error.
#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

fn wrong_version(found: u32) -> SandboxError {
    SandboxError::Snapshot(format!(
        "it has format version {found}, this sandbox reads version {VERSION}"
    ))
}

impl Snapshot {
    /// The snapshot as JSON.
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("snapshots always serialize: plain data, string keys")
    }

    /// Reads a snapshot written by [`Snapshot::to_json`].
    ///
    /// # Errors
    ///
    /// [`SandboxError::Snapshot`] when `json` is not a snapshot, or one of another version.
    pub(crate) fn from_json(json: &str) -> Result<Self, SandboxError> {
        let bad = |e: serde_json::Error| {
            SandboxError::Snapshot(format!("it is not a valid sandbox snapshot ({e})"))
        };
        let found = serde_json::from_str::<VersionOnly>(json).map_err(bad)?;
        if found.version != VERSION {
            return Err(wrong_version(found.version));
        }
        serde_json::from_str(json).map_err(bad)
    }
}

impl Shared {
    /// The state as it is now. Each part is read under its own lock: take it between
    /// requests (the browser host does, after each one) for a consistent picture.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let payments = self.store.all().iter().map(|p| p.lock().clone()).collect();
        let mut users: Vec<TestUser> = self.users.read().values().cloned().collect();
        users.sort_by(|a, b| a.phone.cmp(&b.phone));
        let (callbacks, next_callback_id) = self.outbound.saved_log();
        Snapshot {
            version: VERSION,
            clock_offset_ms: self.clock.offset_ms(),
            mac_key: self.mac_key,
            next_id: self.next_id.load(Ordering::Relaxed),
            next_transaction_number: payment::next_transaction_number(),
            payments,
            users,
            subs: self.subs.lock().clone(),
            qr: self.qr.lock().clone(),
            faults: self.faults.lock().clone(),
            rate_limits: self.rate_limits.load(Ordering::Relaxed),
            callbacks,
            next_callback_id,
        }
    }

    /// A sandbox for `config` (validated, as for [`Shared::new`]) that goes on from
    /// `snapshot`. Users of the snapshot replace the configured users with the same phone.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Snapshot`] for another snapshot version, or a snapshot that holds the
    /// same payment twice.
    pub(crate) fn restore(config: SandboxConfig, snapshot: Snapshot) -> Result<Self, SandboxError> {
        if snapshot.version != VERSION {
            return Err(wrong_version(snapshot.version));
        }
        let mut shared = Self::new(config);
        shared.mac_key = snapshot.mac_key;
        shared.next_id = AtomicU64::new(snapshot.next_id);
        shared.clock.advance(snapshot.clock_offset_ms);
        payment::continue_transaction_numbers_from(snapshot.next_transaction_number);
        for p in snapshot.payments {
            let what = format!("payment {}/{}", p.msn(), p.order_id());
            shared
                .store
                .reinsert(p)
                .map_err(|_| SandboxError::Snapshot(format!("it holds {what} twice")))?;
        }
        {
            let mut users = shared.users.write();
            for u in snapshot.users {
                users.insert(u.phone.clone(), u);
            }
        }
        *shared.subs.lock() = snapshot.subs;
        *shared.qr.lock() = snapshot.qr;
        *shared.faults.lock() = snapshot.faults;
        shared
            .rate_limits
            .store(snapshot.rate_limits, Ordering::Relaxed);
        shared
            .outbound
            .restore_log(snapshot.callbacks, snapshot.next_callback_id);
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use ecom_core::payment::{
        amount_body, capture_request, details_request, force_approve_body, force_approve_request,
        initiate_request, landing_token, qr_request, userinfo_request, InitiateForm, PaymentKind,
        QrFormat,
    };
    use ecom_core::request::ApiRequest;
    use ecom_core::settings::Credentials;
    use ecom_core::token::{access_token_request, AccessToken};
    use serde_json::Value;
    use tower::ServiceExt as _;

    use super::*;
    use crate::domain::clock::MINUTE;
    use crate::http::router::Sandbox;

    const BASE: &str = "http://sandbox.test";

    /// Sends `core` through the sandbox's router and insists on 200; the JSON body or `Null`.
    async fn ok(sandbox: &Sandbox, core: &ApiRequest) -> Value {
        let request = core.to_http(BASE).unwrap().map(axum::body::Body::from);
        let response = sandbox.router().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(status, 200, "{}: {text}", core.path);
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A fresh sandbox and an access token from it.
    async fn start() -> (Sandbox, String) {
        let state = Sandbox::new(config());
        let r = ok(&state, &access_token_request(&Credentials::demo())).await;
        let token = AccessToken::parse(&r.to_string(), 0).unwrap().token;
        (state, token)
    }

    fn config() -> SandboxConfig {
        SandboxConfig {
            public_base_url: BASE.into(),
            ..SandboxConfig::default()
        }
    }

    /// Initiates a payment of `kind`; returns its orderId and landing-page URL.
    async fn initiate(state: &Sandbox, token: &str, kind: PaymentKind, n: u64) -> (String, String) {
        let c = Credentials::demo();
        let form = InitiateForm::postman_defaults(
            kind,
            &c.merchant_serial_number,
            &c.mobile_number,
            1_800_000_000_000 + n,
        );
        let body = form.body(&c.merchant_serial_number);
        let r = ok(state, &initiate_request(&c, &body).authorized(token)).await;
        (form.order_id, r["url"].as_str().unwrap().to_owned())
    }

    async fn approve(state: &Sandbox, token: &str, order_id: &str, url: &str) {
        let c = Credentials::demo();
        let body = force_approve_body(&c.mobile_number, &landing_token(url).unwrap());
        let core = force_approve_request(&c, order_id, &body, order_id);
        ok(state, &core.authorized(token)).await;
    }

    #[tokio::test]
    async fn a_restored_sandbox_goes_on_with_the_same_payments_token_and_clock() {
        let (before, token) = start().await;
        let c = Credentials::demo();
        let msn = c.merchant_serial_number.clone();

        // Approved and partly captured, with a sub (profile scope).
        let (paid, url) = initiate(&before, &token, PaymentKind::Profile, 1).await;
        approve(&before, &token, &paid, &url).await;
        let capture = capture_request(&c, &paid, &amount_body(&msn, Some(100), "c"), "cap-1");
        ok(&before, &capture.authorized(&token)).await;
        // Waiting for the user, with a QR code for its landing page.
        let (waiting, waiting_url) = initiate(&before, &token, PaymentKind::Regular, 2).await;
        let qr = ok(
            &before,
            &qr_request(&c, &waiting_url, QrFormat::Png).authorized(&token),
        )
        .await;
        let image = qr["url"]
            .as_str()
            .unwrap()
            .strip_prefix(BASE)
            .unwrap()
            .to_owned();
        // Less than the token's hour and the waiting payment's five minutes.
        before.state.clock.advance(4 * MINUTE);
        let details = ok(&before, &details_request(&c, &paid).authorized(&token)).await;
        let sub = details["sub"].as_str().unwrap().to_owned();

        let json = before.snapshot_json();
        let after = Sandbox::restore(config(), &json).unwrap();

        assert_eq!(after.state.clock.offset_ms(), 4 * MINUTE);
        assert_eq!(after.state.store.len(), 2);
        // The old access token is accepted, and the details are the same.
        let again = ok(&after, &details_request(&c, &paid).authorized(&token)).await;
        assert_eq!(again, details);
        let u = ok(&after, &userinfo_request(&c, &sub).authorized(&token)).await;
        assert_eq!(u["sub"], sub.as_str());
        // The QR image is still served, and the landing token still approves its payment.
        ok(
            &after,
            &ApiRequest {
                path: image,
                ..details_request(&c, "-")
            },
        )
        .await;
        approve(&after, &token, &waiting, &waiting_url).await;
        // Idempotency records survived: the same capture is a replay, not a second capture.
        let replay = ok(&after, &capture.authorized(&token)).await;
        assert_eq!(replay["transactionSummary"]["capturedAmount"], 100);
        let d = ok(&after, &details_request(&c, &paid).authorized(&token)).await;
        assert_eq!(d["transactionSummary"]["capturedAmount"], 100);
        // Order, bytes and the outbound log carry on.
        let order = |s: &Shared| -> Vec<String> {
            s.store
                .all()
                .iter()
                .map(|p| p.lock().order_id().to_owned())
                .collect()
        };
        assert_eq!(order(&after.state), [paid.clone(), waiting.clone()]);
        assert!(after.state.store.used_bytes() > 0);
        assert_eq!(
            after.state.outbound.saved_log().0.len(),
            before.state.outbound.saved_log().0.len() + 1,
            "the approval's callback was recorded after the restored ones"
        );
        // A snapshot of the restored sandbox reads back the same.
        let twice = Snapshot::from_json(&after.snapshot_json()).unwrap();
        assert_eq!(twice.payments.len(), 2);
        assert_eq!(twice.mac_key, before.state.snapshot().mac_key);
    }

    #[test]
    fn other_versions_and_garbage_are_refused_with_how_to_fix_it() {
        let mut v: Value =
            serde_json::from_str(&Shared::new(config()).snapshot().to_json()).unwrap();
        v["version"] = Value::from(VERSION + 1);
        let e = Snapshot::from_json(&v.to_string()).unwrap_err().to_string();
        assert!(
            e.contains("format version 2") && e.contains("resetting the sandbox"),
            "{e}"
        );
        for garbage in ["", "{}", "[1]", r#"{"version":1}"#] {
            let e = Snapshot::from_json(garbage).unwrap_err().to_string();
            assert!(e.contains("not a valid sandbox snapshot"), "{garbage}: {e}");
        }
        v["version"] = Value::from(VERSION);
        v["macKey"] = Value::from("xyz");
        let e = Snapshot::from_json(&v.to_string()).unwrap_err().to_string();
        assert!(e.contains("32 hex digits"), "{e}");
    }

    /// Size of the JSON for `n` approved, partly captured payments (run with `--nocapture` to
    /// see it): each costs a few kilobytes, so a browser's storage takes thousands.
    #[tokio::test]
    async fn snapshot_size_grows_by_a_few_kilobytes_per_payment() {
        let (state, token) = start().await;
        let c = Credentials::demo();
        let msn = c.merchant_serial_number.clone();
        let empty = state.snapshot_json().len();
        let mut sizes = Vec::new();
        for n in 1..=100 {
            let (id, url) = initiate(&state, &token, PaymentKind::Regular, 100 + n).await;
            approve(&state, &token, &id, &url).await;
            let capture = capture_request(&c, &id, &amount_body(&msn, Some(100), "c"), "k");
            ok(&state, &capture.authorized(&token)).await;
            if n == 1 || n == 100 {
                sizes.push(state.snapshot_json().len());
            }
        }
        eprintln!(
            "snapshot JSON: empty {empty} B, 1 payment {} B, 100 payments {} B",
            sizes[0], sizes[1]
        );
        assert!(empty < 4096, "{empty}");
        assert!((sizes[1] - empty) / 100 < 8192, "{sizes:?}");
    }
}
