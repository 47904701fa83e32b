//! The bounded in-memory payment store.
//!
//! A map from (MSN, orderId) to a per-payment mutex, an index from landing-page token to
//! payment, and an insertion-ordered queue for eviction: when `max_payments` is reached, or a
//! payment is older than `max_payment_age`, the oldest go first. The store lock is held only
//! to find or insert; callers lock the payment itself across check-and-update.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::payment::{Payment, State, USER_PHASE_MS};

/// A shared, individually locked payment.
pub(crate) type PaymentRef = Arc<Mutex<Payment>>;

/// `"{msn}/{orderId}"`: neither may contain `/`. Shared, so the indexes cost no copies.
type Key = Arc<str>;

fn key(msn: &str, order_id: &str) -> String {
    let mut k = String::with_capacity(msn.len() + 1 + order_id.len());
    k.push_str(msn);
    k.push('/');
    k.push_str(order_id);
    k
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

/// All payments of one sandbox instance.
pub(crate) struct Store {
    inner: Mutex<Inner>,
    /// Payments that may still be in INITIATE (the only ones timeouts apply to), oldest
    /// first, with their creation time.
    pending: Mutex<VecDeque<(i64, Weak<Mutex<Payment>>)>>,
    /// Serializes sweeps, so a sweep never misses payments another one is holding.
    sweeping: Mutex<()>,
    max: usize,
}

/// Why an insert was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DuplicateOrderId;

impl Store {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            pending: Mutex::new(VecDeque::new()),
            sweeping: Mutex::new(()),
            max: max.max(1),
        }
    }

    /// Inserts a new payment unless (MSN, orderId) is taken; evicts the oldest first.
    pub(crate) fn insert(
        &self,
        payment: Payment,
        now: i64,
        max_age_ms: i64,
    ) -> Result<PaymentRef, DuplicateOrderId> {
        let key: Key = key(payment.msn(), payment.order_id()).into();
        let token: Arc<str> = payment.token.as_str().into();
        let mut inner = self.inner.lock();
        if inner.by_key.contains_key(&key) {
            return Err(DuplicateOrderId);
        }
        // Never lock a payment here: eviction must not wait for a request holding one.
        while inner.order.len() >= self.max
            || inner
                .order
                .front()
                .is_some_and(|e| e.created < now - max_age_ms)
        {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            inner.by_key.remove(&old.key);
            inner.by_token.remove(&old.token);
        }
        let r = Arc::new(Mutex::new(payment));
        inner.by_key.insert(key.clone(), r.clone());
        inner.by_token.insert(token.clone(), r.clone());
        inner.order.push_back(Entry {
            key,
            token,
            created: now,
            payment: r.clone(),
        });
        drop(inner);
        let mut pending = self.pending.lock();
        pending.push_back((now, Arc::downgrade(&r)));
        // A `Weak` keeps its payment's allocation alive, so the entries of evicted payments
        // must go too, or memory grows with every initiate until the timeout sweep runs.
        // At most `max` payments are alive; pruning when the queue is twice that keeps the
        // queue bounded at amortised O(1) per insert.
        if pending.len() > self.max.saturating_mul(2) {
            pending.retain(|(_, weak)| weak.strong_count() > 0);
        }
        drop(pending);
        Ok(r)
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
        *self.inner.lock() = Inner::default();
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::Initiate;

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
        let s = Store::new(2);
        s.insert(payment("a", 1), 1, 1000).unwrap();
        assert_eq!(
            s.insert(payment("a", 1), 1, 1000).unwrap_err(),
            DuplicateOrderId
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
            .user_cancel(due, crate::payment::CancelCause::App);
        seen.clear();
        s.sweep(due, |p| seen.push(p.order_id().to_owned()));
        assert_eq!(seen, ["d"], "seen once more, then dropped");
        seen.clear();
        s.sweep(due, |p| seen.push(p.order_id().to_owned()));
        assert!(seen.is_empty());
    }

    #[test]
    fn evicted_payments_do_not_linger_in_the_timeout_queue() {
        let s = Store::new(10);
        for i in 0..1_000 {
            s.insert(payment(&format!("o{i}"), 1), 1, i64::MAX).unwrap();
        }
        assert_eq!(s.len(), 10);
        // Without pruning this would be 1,000 weak pointers keeping 990 payments allocated.
        assert!(s.pending_len() <= 20, "{}", s.pending_len());
    }
}
