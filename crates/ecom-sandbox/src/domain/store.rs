//! The bounded in-memory payment store.
//!
//! A map from (MSN, orderId) to a per-payment mutex, an index from landing-page token to
//! payment, and an insertion-ordered queue for eviction: payments older than
//! `max_payment_age` go first. When `max_payments` is reached or the accounted bytes would pass
//! `max_payment_bytes`, [`WhenFull`] decides: evict the oldest, or refuse the new payment and
//! keep every stored one. The store lock is held only to find or insert; callers lock the
//! payment itself across check-and-update.
//!
//! [`Store::all`] lists the payments in insertion order and [`Store::reinsert`] puts them back
//! in that order, landing-token index included, so a snapshot restores the same store.
//!
//! # Byte accounting
//!
//! Every payment carries an estimate of its heap size ([`Payment::heap_size`] plus what the
//! store's indexes spend on it). The estimate is taken again each time a payment's lock is
//! released ([`PaymentGuard`]'s `Drop`), so payments that grow after initiate (captures, replay
//! records, dynamic shipping) stay accounted, and the store keeps a running total. Counting
//! payments alone is not enough: an express initiate with many shipping options keeps tens of
//! kilobytes where a plain one keeps one or two.

use std::collections::{HashMap, VecDeque};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, MutexGuard};

use crate::config::WhenFull;
use crate::domain::payment::{Payment, State, USER_PHASE_MS};

/// A shared, individually locked payment.
pub(crate) type PaymentRef = Arc<Slot>;

/// `"{msn}/{orderId}"`: neither may contain `/`. Shared, so the indexes cost no copies.
type Key = Arc<str>;

fn key(msn: &str, order_id: &str) -> String {
    let mut k = String::with_capacity(msn.len() + 1 + order_id.len());
    k.push_str(msn);
    k.push('/');
    k.push_str(order_id);
    k
}

/// One stored payment with its share of the store's byte total.
pub(crate) struct Slot {
    payment: Mutex<Payment>,
    acct: Mutex<Acct>,
    /// The store's running total.
    used: Arc<AtomicUsize>,
    /// What the store's indexes and queues spend on this payment, fixed at insert.
    overhead: usize,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("bytes", &self.acct.lock().bytes)
            .finish_non_exhaustive()
    }
}

/// The bytes a payment is counted with, and whether it still counts (not evicted).
struct Acct {
    bytes: usize,
    live: bool,
}

impl Slot {
    /// Locks the payment. Unlocking measures it again and updates the store's total.
    pub(crate) fn lock(&self) -> PaymentGuard<'_> {
        PaymentGuard {
            slot: self,
            guard: Some(self.payment.lock()),
        }
    }

    fn bytes_of(&self, p: &Payment) -> usize {
        std::mem::size_of::<Self>() + self.overhead + p.heap_size()
    }

    /// The payment leaves the store: it no longer counts, even if a request still holds it.
    fn evict(&self) {
        let mut a = self.acct.lock();
        if a.live {
            a.live = false;
            self.used.fetch_sub(a.bytes, Ordering::Relaxed);
        }
    }
}

/// A locked payment; dereferences to [`Payment`].
pub(crate) struct PaymentGuard<'a> {
    slot: &'a Slot,
    /// `Some` until `drop`, which releases the payment before updating the total.
    guard: Option<MutexGuard<'a, Payment>>,
}

impl Deref for PaymentGuard<'_> {
    type Target = Payment;

    fn deref(&self) -> &Payment {
        self.guard
            .as_ref()
            .expect("the payment stays locked until the guard drops")
    }
}

impl DerefMut for PaymentGuard<'_> {
    fn deref_mut(&mut self) -> &mut Payment {
        self.guard
            .as_mut()
            .expect("the payment stays locked until the guard drops")
    }
}

impl Drop for PaymentGuard<'_> {
    fn drop(&mut self) {
        let Some(guard) = self.guard.take() else {
            return;
        };
        let bytes = self.slot.bytes_of(&guard);
        // Taken before the payment is released, so the next holder's measurement lands after
        // this one and a stale size never overwrites a newer one.
        let mut a = self.slot.acct.lock();
        drop(guard);
        if a.live {
            self.slot.used.fetch_add(bytes, Ordering::Relaxed);
            self.slot.used.fetch_sub(a.bytes, Ordering::Relaxed);
        }
        a.bytes = bytes;
    }
}

/// One stored payment, in insertion order.
struct Entry {
    key: Key,
    token: Arc<str>,
    created: i64,
    payment: PaymentRef,
}

#[derive(Default)]
struct Inner {
    by_key: HashMap<Key, PaymentRef>,
    by_token: HashMap<Arc<str>, PaymentRef>,
    order: VecDeque<Entry>,
}

impl Inner {
    fn evict_oldest(&mut self) -> bool {
        let Some(old) = self.order.pop_front() else {
            return false;
        };
        self.by_key.remove(&old.key);
        self.by_token.remove(&old.token);
        old.payment.evict();
        true
    }
}

/// All payments of one sandbox instance.
pub(crate) struct Store {
    inner: Mutex<Inner>,
    /// Payments that may still be in INITIATE (the only ones timeouts apply to), oldest
    /// first, with their creation time.
    pending: Mutex<VecDeque<(i64, Weak<Slot>)>>,
    /// Serializes sweeps, so a sweep never misses payments another one is holding.
    sweeping: Mutex<()>,
    max: usize,
    max_bytes: usize,
    when_full: WhenFull,
    /// Accounted bytes of the stored payments.
    used: Arc<AtomicUsize>,
}

/// Why an insert was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// (MSN, orderId) is taken.
    DuplicateOrderId,
    /// [`WhenFull::Refuse`], and the payment would pass `max_payments` or `max_bytes`.
    Full {
        /// Accounted bytes of the stored payments.
        used_bytes: usize,
        max_bytes: usize,
        payments: usize,
        max_payments: usize,
    },
}

impl Store {
    /// A store of at most `max` payments and about `max_bytes` accounted bytes (a single
    /// payment larger than that is still kept, alone); `when_full` says how it stays there.
    pub(crate) fn new(max: usize, max_bytes: usize, when_full: WhenFull) -> Self {
        Self {
            when_full,
            inner: Mutex::new(Inner::default()),
            pending: Mutex::new(VecDeque::new()),
            sweeping: Mutex::new(()),
            max: max.max(1),
            max_bytes: max_bytes.max(1),
            used: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Inserts a new payment unless (MSN, orderId) is taken; evicts payments past
    /// `max_age_ms`, then makes room as [`WhenFull`] says.
    pub(crate) fn insert(
        &self,
        payment: Payment,
        now: i64,
        max_age_ms: i64,
    ) -> Result<PaymentRef, Refused> {
        self.add(payment, now, |inner, bytes| {
            self.make_room(inner, bytes, now, max_age_ms)
        })
    }

    /// Puts back a payment of a snapshot (call in [`Store::all`]'s order): nothing is evicted
    /// or refused for room, as the snapshot was within the same bounds.
    pub(crate) fn reinsert(&self, payment: Payment) -> Result<PaymentRef, Refused> {
        let created = payment.created_ms;
        self.add(payment, created, |_, _| Ok(()))
    }

    /// Evicts what is too old, then what `when_full` allows, so `bytes` more fit.
    /// Never locks a payment: eviction must not wait for a request holding one.
    fn make_room(
        &self,
        inner: &mut Inner,
        bytes: usize,
        now: i64,
        max_age_ms: i64,
    ) -> Result<(), Refused> {
        while inner
            .order
            .front()
            .is_some_and(|e| e.created < now - max_age_ms)
        {
            inner.evict_oldest();
        }
        let full = |inner: &Inner| {
            inner.order.len() >= self.max
                || self.used.load(Ordering::Relaxed).saturating_add(bytes) > self.max_bytes
        };
        match self.when_full {
            WhenFull::EvictOldest => while full(inner) && inner.evict_oldest() {},
            // An empty store still takes one oversized payment, as eviction would.
            WhenFull::Refuse if full(inner) && !inner.order.is_empty() => {
                return Err(Refused::Full {
                    used_bytes: self.used_bytes(),
                    max_bytes: self.max_bytes,
                    payments: inner.order.len(),
                    max_payments: self.max,
                });
            }
            WhenFull::Refuse => {}
        }
        Ok(())
    }

    /// Indexes and accounts `payment` created at `now`, once `room` agreed.
    fn add(
        &self,
        payment: Payment,
        now: i64,
        room: impl FnOnce(&mut Inner, usize) -> Result<(), Refused>,
    ) -> Result<PaymentRef, Refused> {
        let key: Key = key(payment.msn(), payment.order_id()).into();
        let token: Arc<str> = payment.token.as_str().into();
        // Both index maps, the queues and the two shared strings.
        let overhead = std::mem::size_of::<Entry>()
            + 2 * (std::mem::size_of::<(Key, PaymentRef)>() + 1)
            + std::mem::size_of::<(i64, Weak<Slot>)>()
            + key.len()
            + token.len()
            + 4 * std::mem::size_of::<usize>();
        let slot = Arc::new(Slot {
            payment: Mutex::new(payment),
            acct: Mutex::new(Acct {
                bytes: 0,
                live: true,
            }),
            used: Arc::clone(&self.used),
            overhead,
        });
        let bytes = {
            let g = slot.payment.lock();
            slot.bytes_of(&g)
        };
        let mut inner = self.inner.lock();
        let refused = if inner.by_key.contains_key(&key) {
            Err(Refused::DuplicateOrderId)
        } else {
            room(&mut inner, bytes)
        };
        if let Err(why) = refused {
            slot.acct.lock().live = false;
            return Err(why);
        }
        slot.acct.lock().bytes = bytes;
        self.used.fetch_add(bytes, Ordering::Relaxed);
        inner.by_key.insert(key.clone(), slot.clone());
        inner.by_token.insert(token.clone(), slot.clone());
        inner.order.push_back(Entry {
            key,
            token,
            created: now,
            payment: slot.clone(),
        });
        drop(inner);
        let mut pending = self.pending.lock();
        pending.push_back((now, Arc::downgrade(&slot)));
        // A `Weak` keeps its payment's allocation alive, so the entries of evicted payments
        // must go too, or memory grows with every initiate until the timeout sweep runs.
        // At most `max` payments are alive; pruning when the queue is twice that keeps the
        // queue bounded at amortised O(1) per insert.
        if pending.len() > self.max.saturating_mul(2) {
            pending.retain(|(_, weak)| weak.strong_count() > 0);
        }
        drop(pending);
        Ok(slot)
    }

    /// Evicts the oldest payments while the accounted bytes are over the budget (payments can
    /// grow after initiate); the newest one always stays. [`WhenFull::Refuse`] keeps them all:
    /// the next initiate is refused instead.
    pub(crate) fn trim(&self) {
        if self.when_full == WhenFull::Refuse {
            return;
        }
        let mut inner = self.inner.lock();
        while inner.order.len() > 1 && self.used.load(Ordering::Relaxed) > self.max_bytes {
            inner.evict_oldest();
        }
    }

    /// The accounted bytes of all stored payments (an estimate of their heap use).
    pub(crate) fn used_bytes(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The byte budget.
    pub(crate) fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    pub(crate) fn get(&self, msn: &str, order_id: &str) -> Option<PaymentRef> {
        let k = key(msn, order_id);
        self.inner.lock().by_key.get(k.as_str()).cloned()
    }

    pub(crate) fn by_token(&self, token: &str) -> Option<PaymentRef> {
        self.inner.lock().by_token.get(token).cloned()
    }

    /// A snapshot of all payments, oldest first.
    pub(crate) fn all(&self) -> Vec<PaymentRef> {
        self.inner
            .lock()
            .order
            .iter()
            .map(|e| e.payment.clone())
            .collect()
    }

    /// How many payments the timeout sweep still tracks (bounded by twice the maximum).
    #[cfg(test)]
    pub(crate) fn pending_len(&self) -> usize {
        self.pending.lock().len()
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.lock().by_key.len()
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.inner.lock();
        while inner.evict_oldest() {}
        *inner = Inner::default();
        drop(inner);
        self.pending.lock().clear();
    }

    /// Calls `f` on every payment in INITIATE whose timeout may be due at `now`, and forgets
    /// those that left INITIATE (or were evicted).
    ///
    /// No deadline is earlier than creation + 5 minutes, so only the oldest entries need a
    /// look: the cost is O(due + still-waiting old payments), not O(all payments).
    pub(crate) fn sweep(&self, now: i64, mut f: impl FnMut(&mut Payment)) {
        let _one_at_a_time = self.sweeping.lock();
        let mut due = Vec::new();
        {
            let mut pending = self.pending.lock();
            while pending
                .front()
                .is_some_and(|(created, _)| created + USER_PHASE_MS <= now)
            {
                due.extend(pending.pop_front());
            }
        }
        let mut keep = Vec::new();
        for (created, weak) in due {
            let Some(p) = weak.upgrade() else { continue };
            let mut g = p.lock();
            f(&mut g);
            if g.state == State::Initiate {
                keep.push((created, weak));
            }
        }
        let mut pending = self.pending.lock();
        for entry in keep.into_iter().rev() {
            pending.push_front(entry);
        }
        drop(pending);
        self.trim();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::Initiate;

    fn payment(order: &str, now: i64) -> Payment {
        Payment::new(
            Initiate {
                msn: "123456".into(),
                order_id: order.into(),
                amount: 100,
                text: "t".into(),
                callback_prefix: "https://e.com".into(),
                fallback: "https://e.com".into(),
                auth_token: None,
                is_app: false,
                express: false,
                consent_removal_prefix: None,
                shipping_details_prefix: None,
                static_shipping: None,
                scopes: vec![],
                skip_landing_page: false,
                mobile_number: None,
            },
            "Shop",
            false,
            format!("tok-{order}"),
            now,
        )
    }

    #[test]
    fn duplicates_rejected_and_oldest_evicted() {
        let s = Store::new(2, usize::MAX, WhenFull::EvictOldest);
        s.insert(payment("a", 1), 1, 1000).unwrap();
        assert_eq!(
            s.insert(payment("a", 1), 1, 1000).unwrap_err(),
            Refused::DuplicateOrderId
        );
        s.insert(payment("b", 2), 2, 1000).unwrap();
        s.insert(payment("c", 3), 3, 1000).unwrap();
        assert_eq!(s.len(), 2);
        assert!(s.get("123456", "a").is_none());
        assert!(s.by_token("tok-a").is_none());
        assert!(s.by_token("tok-c").is_some());
        // Age-based eviction.
        s.insert(payment("d", 5000), 5000, 1000).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s.get("123456", "d").is_some());
        // Only live payments whose timeout may be due are swept.
        let due = 5000 + USER_PHASE_MS;
        let mut seen = Vec::new();
        s.sweep(due - 1, |p| seen.push(p.order_id().to_owned()));
        assert!(seen.is_empty(), "not due yet");
        s.sweep(due, |p| seen.push(p.order_id().to_owned()));
        assert_eq!(seen, ["d"], "evicted a, b, c are gone");
        seen.clear();
        s.sweep(due, |p| seen.push(p.order_id().to_owned()));
        assert_eq!(seen, ["d"], "still INITIATE: kept");
        s.get("123456", "d")
            .unwrap()
            .lock()
            .user_cancel(due, crate::domain::payment::CancelCause::App);
        seen.clear();
        s.sweep(due, |p| seen.push(p.order_id().to_owned()));
        assert_eq!(seen, ["d"], "seen once more, then dropped");
        seen.clear();
        s.sweep(due, |p| seen.push(p.order_id().to_owned()));
        assert!(seen.is_empty());
    }

    #[test]
    fn evicted_payments_do_not_linger_in_the_timeout_queue() {
        let s = Store::new(10, usize::MAX, WhenFull::EvictOldest);
        for i in 0..1_000 {
            s.insert(payment(&format!("o{i}"), 1), 1, i64::MAX).unwrap();
        }
        assert_eq!(s.len(), 10);
        // Without pruning this would be 1,000 weak pointers keeping 990 payments allocated.
        assert!(s.pending_len() <= 20, "{}", s.pending_len());
    }

    fn big_payment(order: &str, now: i64) -> Payment {
        let mut p = payment(order, now);
        p.init.express = true;
        p.init.static_shipping = Some(
            (0..50)
                .map(|i| crate::domain::payment::ShippingOption {
                    is_default: i == 0,
                    priority: i,
                    cost: 100,
                    method: format!("{i:0>256}"),
                    method_id: format!("{i:0>100}"),
                })
                .collect(),
        );
        p
    }

    #[test]
    fn refuse_keeps_every_payment_and_says_how_full() {
        let s = Store::new(3, usize::MAX, WhenFull::Refuse);
        for o in ["a", "b", "c"] {
            s.insert(payment(o, 1), 1, i64::MAX).unwrap();
        }
        let e = s.insert(payment("d", 2), 2, i64::MAX).unwrap_err();
        assert!(
            matches!(
                e,
                Refused::Full {
                    payments: 3,
                    max_payments: 3,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(s.len(), 3);
        assert!(s.get("123456", "a").is_some() && s.by_token("tok-a").is_some());
        assert!(s.get("123456", "d").is_none() && s.by_token("tok-d").is_none());

        let budget = 200_000;
        let s = Store::new(10_000, budget, WhenFull::Refuse);
        let mut kept = 0;
        let (used, max) = loop {
            match s.insert(big_payment(&format!("o{kept}"), kept), kept, i64::MAX) {
                Ok(_) => kept += 1,
                Err(Refused::Full {
                    used_bytes,
                    max_bytes,
                    ..
                }) => break (used_bytes, max_bytes),
                Err(e) => panic!("{e:?}"),
            }
        };
        assert!(kept > 1);
        assert_eq!(
            (max, used),
            (budget, s.used_bytes()),
            "a refused payment does not count"
        );
        assert!(used <= budget);
        assert_eq!(s.len(), usize::try_from(kept).unwrap());
        assert!(s.get("123456", "o0").is_some(), "nothing was evicted");
        // Growth after insert is kept too: only the next initiate is refused.
        let p = s.get("123456", "o0").unwrap();
        p.lock().app.dynamic_shipping = big_payment("x", 0).init.static_shipping.map(Ok);
        s.trim();
        assert_eq!(s.len(), usize::try_from(kept).unwrap());
        assert!(s.insert(payment("small", 9), 9, i64::MAX).is_err());
        // Emptying the store makes room again.
        s.clear();
        s.insert(big_payment("o0", 10), 10, i64::MAX).unwrap();
    }

    #[test]
    fn reinsert_restores_order_index_and_bytes() {
        let s = Store::new(10, usize::MAX, WhenFull::EvictOldest);
        for (i, o) in ["a", "b", "c"].into_iter().enumerate() {
            let now = i64::try_from(i).unwrap();
            s.insert(payment(o, now), now, i64::MAX).unwrap();
        }
        let copies: Vec<Payment> = s.all().iter().map(|p| p.lock().clone()).collect();
        let t = Store::new(10, usize::MAX, WhenFull::EvictOldest);
        for p in copies {
            t.reinsert(p).unwrap();
        }
        let order = |s: &Store| -> Vec<String> {
            s.all()
                .iter()
                .map(|p| p.lock().order_id().to_owned())
                .collect()
        };
        assert_eq!(order(&t), ["a", "b", "c"]);
        assert!(t.by_token("tok-b").is_some());
        // Copies hold no spare capacity, so they may be counted a little smaller; measuring
        // them again changes nothing.
        let restored = t.used_bytes();
        assert!(restored <= s.used_bytes() && restored > s.used_bytes() * 9 / 10);
        for p in t.all() {
            drop(p.lock());
        }
        assert_eq!(t.used_bytes(), restored);
        assert_eq!(t.pending_len(), 3, "INITIATE payments still time out");
        assert_eq!(
            t.reinsert(payment("a", 0)).unwrap_err(),
            Refused::DuplicateOrderId
        );
    }

    #[test]
    fn bytes_are_bounded_and_oldest_evicted_first() {
        let budget = 200_000;
        let s = Store::new(10_000, budget, WhenFull::EvictOldest);
        let one = {
            let p = big_payment("probe", 1);
            std::mem::size_of::<Slot>() + p.heap_size()
        };
        assert!(one > 20_000, "50 shipping options are accounted: {one}");
        for i in 0..40 {
            s.insert(big_payment(&format!("o{i}"), i), i, i64::MAX)
                .unwrap();
            assert!(s.used_bytes() <= budget, "{} > {budget}", s.used_bytes());
        }
        assert!(s.len() < 40 && s.len() >= budget / (one * 2), "{}", s.len());
        assert!(s.get("123456", "o0").is_none(), "the oldest went first");
        assert!(s.get("123456", "o39").is_some(), "the newest stays");
        let kept = s.len();
        // Small payments fit where the big ones were; the count is what the bytes allow.
        for i in 0..100 {
            s.insert(payment(&format!("s{i}"), 100 + i), 100 + i, i64::MAX)
                .unwrap();
        }
        assert!(s.used_bytes() <= budget);
        assert!(s.len() > kept);

        // A payment that grows after insert is measured again when it is unlocked.
        let before = s.used_bytes();
        let p = s.get("123456", "s99").unwrap();
        p.lock().app.dynamic_shipping = big_payment("x", 0).init.static_shipping.map(Ok);
        assert!(s.used_bytes() >= before + 20_000, "growth is accounted");
        s.trim();
        assert!(s.used_bytes() <= budget);
        assert!(s.get("123456", "s99").is_some());
        // Evicted payments no longer count, even while still referenced.
        s.clear();
        assert_eq!(s.used_bytes(), 0);
        p.lock().app.phone = Some("91234567".into());
        assert_eq!(s.used_bytes(), 0);
    }
}
