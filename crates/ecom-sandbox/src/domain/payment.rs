//! The payment state machine of spec §4: states, the operation matrix, the
//! `transactionSummary` arithmetic, timeouts, idempotency and the JSON views (details,
//! status, callbacks).
//!
//! Everything here is pure: time comes in as epoch milliseconds, effects go out as return
//! values (response bodies and [`Callback`]s), so the rules are unit-tested without a server.

use ecom_core::wire::details as wire;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use ::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::config::{TestUser, UserAddress};
use crate::domain::clock::{DAY, HOUR, MINUTE};
use crate::domain::pairs;
use crate::wire::errors::ApiError;
use crate::wire::views;

/// Time the user has on the landing page, and again in the app (spec §4.6).
pub(crate) const USER_PHASE_MS: i64 = 5 * MINUTE;
/// Personal data in details expires this long after reservation.
pub(crate) const PERSONAL_DATA_MS: i64 = 7 * DAY;
/// Capture and cancel are possible this long after reservation.
const CAPTURE_WINDOW_MS: i64 = 180 * DAY;
/// Refund is possible this long after reservation.
const REFUND_WINDOW_MS: i64 = 365 * DAY;

/// What differs between capture and refund in `Payment::move_money`: the
/// operation, its time window and the error codes/messages of the spec.
struct MoneyRule {
    /// `Op::Capture` or `Op::Refund`.
    op: Op,
    /// How long after reservation the action is allowed.
    window_ms: i64,
    /// Error code once the window has passed.
    window_code: &'static str,
    /// Error message once the window has passed.
    window_msg: &'static str,
    /// Error code when the amount is above what remains (or not positive).
    over_code: &'static str,
    /// Error message when the amount is above what remains (or not positive).
    over_msg: &'static str,
}

/// Capture's window and amount rules (spec §3.3).
const CAPTURE_RULE: MoneyRule = MoneyRule {
    op: Op::Capture,
    window_ms: CAPTURE_WINDOW_MS,
    window_code: "98",
    window_msg: "Payments can only be captured up to 180 days after reservation. See the FAQ.",
    over_code: "61",
    over_msg: "The total capture amount exceeds the reserved amount. You cannot capture a higher amount than the user has accepted. Check the payment details",
};

/// Refund's window and amount rules (spec §3.5).
const REFUND_RULE: MoneyRule = MoneyRule {
    op: Op::Refund,
    window_ms: REFUND_WINDOW_MS,
    window_code: "95",
    window_msg: "Payments can only be refunded up to 365 days after reservation. See the FAQ.",
    over_code: "71",
    over_msg: "Cannot refund a higher amount than the captured amount.",
};
/// Magic amount 201 keeps the payment pending this long, then fails.
const UNKNOWN_RESULT_MS: i64 = HOUR;

/// Error-info group used in callbacks, as observed in MT (spec §1.5).
pub(crate) const CALLBACK_GROUP: &str = "PAYMENTS";

static NEXT_TRANSACTION_ID: AtomicU64 = AtomicU64::new(5_001_420_000);

/// A fresh `transactionId` (`^\d{10,}$`).
fn new_transaction_id() -> String {
    NEXT_TRANSACTION_ID
        .fetch_add(1, Ordering::Relaxed)
        .to_string()
}

/// The number the next `transactionId` gets (saved in snapshots).
pub(crate) fn next_transaction_number() -> u64 {
    NEXT_TRANSACTION_ID.load(Ordering::Relaxed)
}

/// Fresh `transactionId`s start at `n` or later, so a restored sandbox never hands out an id
/// one of its payments already has. The counter is process-wide: it only moves forward.
pub(crate) fn continue_transaction_numbers_from(n: u64) {
    NEXT_TRANSACTION_ID.fetch_max(n, Ordering::Relaxed);
}

/// Internal payment states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum State {
    Initiate,
    Reserve,
    Sale,
    Cancel,
    Void,
    Failed,
}

impl State {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Initiate => "INITIATE",
            Self::Reserve => "RESERVE",
            Self::Sale => "SALE",
            Self::Cancel => "CANCEL",
            Self::Void => "VOID",
            Self::Failed => "FAILED",
        }
    }
}

/// Who or what ended a payment in `CANCEL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CancelCause {
    Merchant,
    App,
    Landing,
    Timeout,
}

/// Log operations of `transactionLogHistory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Op {
    Initiate,
    Reserve,
    Sale,
    Capture,
    Refund,
    Cancel,
    Void,
}

impl Op {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Initiate => "INITIATE",
            Self::Reserve => "RESERVE",
            Self::Sale => "SALE",
            Self::Capture => "CAPTURE",
            Self::Refund => "REFUND",
            Self::Cancel => "CANCEL",
            Self::Void => "VOID",
        }
    }
}

/// One `transactionLogHistory` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LogEntry {
    pub(crate) amount: i64,
    pub(crate) op: Op,
    pub(crate) success: bool,
    pub(crate) text: String,
    pub(crate) transaction_id: Option<String>,
    pub(crate) at_ms: i64,
    pub(crate) request_id: String,
}

/// A shipping method offered in express checkout: the wire type, cost in øre.
pub(crate) use ecom_core::wire::initiate::ShippingOption;

/// A shipping option's cost in øre, as the state machine's signed amounts.
pub(crate) fn cost_ore(option: &ShippingOption) -> i64 {
    i64::try_from(option.cost).unwrap_or(i64::MAX)
}

/// Sorted by priority, at most 10 (what the app shows).
pub(crate) fn for_display(options: &[ShippingOption]) -> Vec<ShippingOption> {
    let mut v = options.to_vec();
    v.sort_by_key(|o| o.priority);
    v.truncate(10);
    v
}

/// The validated content of an initiate request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Initiate {
    pub(crate) msn: String,
    pub(crate) order_id: String,
    pub(crate) amount: i64,
    pub(crate) text: String,
    pub(crate) callback_prefix: String,
    pub(crate) fallback: String,
    pub(crate) auth_token: Option<String>,
    pub(crate) is_app: bool,
    pub(crate) express: bool,
    pub(crate) consent_removal_prefix: Option<String>,
    pub(crate) shipping_details_prefix: Option<String>,
    pub(crate) static_shipping: Option<Vec<ShippingOption>>,
    pub(crate) scopes: Vec<String>,
    pub(crate) skip_landing_page: bool,
    pub(crate) mobile_number: Option<String>,
}

/// Who paid, and what they chose (express).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Payer {
    pub(crate) user: TestUser,
    /// `userDetails.userId`: the `sub` for scope payments, an opaque id for express.
    pub(crate) user_id: String,
    pub(crate) address: Option<UserAddress>,
    pub(crate) shipping: Option<ShippingOption>,
}

/// Progress of the user through the landing page and the simulated app.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AppProgress {
    /// The phone number submitted on the landing page (who gets the push).
    pub(crate) phone: Option<String>,
    pub(crate) consent: bool,
    pub(crate) address_id: Option<u32>,
    /// Shipping methods fetched from the merchant (dynamic shipping), or why that failed.
    pub(crate) dynamic_shipping: Option<Result<Vec<ShippingOption>, String>>,
    pub(crate) shipping_method_id: Option<String>,
}

/// Endpoints with their own idempotency keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum Endpoint {
    Capture,
    Refund,
    Approve,
}

/// The first response to one idempotency key, and what the request looked like.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Idem {
    fingerprint: String,
    response: Value,
}

/// The replay records of one payment with their estimated heap bytes, kept as entries are
/// added (walking the stored responses on every unlock would cost O(replays)) and counted
/// again when read from a snapshot.
#[derive(Debug, Clone, Default)]
struct Replays {
    map: HashMap<(Endpoint, String), Idem>,
    bytes: usize,
}

impl Replays {
    /// The heap bytes one record adds besides its map slot.
    fn entry_bytes(key: &str, idem: &Idem) -> usize {
        key.len() + idem.fingerprint.capacity() + value_bytes(&idem.response)
    }

    fn insert(&mut self, id: (Endpoint, String), idem: Idem) {
        self.bytes += Self::entry_bytes(&id.1, &idem);
        self.map.insert(id, idem);
    }
}

impl Serialize for Replays {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        pairs::serialize(&self.map, s)
    }
}

impl<'de> Deserialize<'de> for Replays {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map: HashMap<(Endpoint, String), Idem> = pairs::deserialize(d)?;
        let bytes = map
            .iter()
            .map(|((_, key), idem)| Self::entry_bytes(key, idem))
            .sum();
        Ok(Self { map, bytes })
    }
}

/// A callback to send to the merchant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Callback {
    pub(crate) url: String,
    pub(crate) auth: Option<String>,
    pub(crate) body: Value,
}

/// One payment and its history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Payment {
    pub(crate) init: Initiate,
    pub(crate) merchant_name: String,
    pub(crate) direct_capture: bool,
    pub(crate) token: String,
    pub(crate) created_ms: i64,
    pub(crate) state: State,
    pub(crate) cancel_cause: Option<CancelCause>,
    pub(crate) transaction_id: Option<String>,
    /// Deadline in the app, once the phone was submitted or the app opened.
    pub(crate) app_deadline_ms: Option<i64>,
    /// Magic amount 201: the result stays unknown until then.
    pub(crate) pending_until_ms: Option<i64>,
    log: Vec<LogEntry>,
    pub(crate) reserved_amount: i64,
    pub(crate) captured: i64,
    pub(crate) refunded: i64,
    /// Remaining funds released by a cancel with `shouldReleaseRemainingFunds`.
    pub(crate) released: bool,
    pub(crate) reserved_at_ms: Option<i64>,
    /// Boxed: most payments never get one, and the store holds many payments.
    pub(crate) payer: Option<Box<Payer>>,
    pub(crate) sub: Option<String>,
    pub(crate) sub_visible_at_ms: i64,
    pub(crate) app: AppProgress,
    idem: Replays,
    pub(crate) callbacks_sent: u32,
}

/// Estimated heap bytes of a JSON value (strings, arrays, map nodes).
fn value_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.capacity(),
        Value::Array(a) => {
            a.capacity() * std::mem::size_of::<Value>() + a.iter().map(value_bytes).sum::<usize>()
        }
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                // Key, value and about two words of map-node bookkeeping per entry.
                k.capacity()
                    + std::mem::size_of::<String>()
                    + std::mem::size_of::<Value>()
                    + 2 * std::mem::size_of::<usize>()
                    + value_bytes(v)
            })
            .sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

fn opt_bytes(s: Option<&String>) -> usize {
    s.map_or(0, String::capacity)
}

/// Estimated heap bytes of shipping options.
fn options_bytes(v: &Vec<ShippingOption>) -> usize {
    v.capacity() * std::mem::size_of::<ShippingOption>()
        + v.iter()
            .map(|o| o.method.capacity() + o.method_id.capacity())
            .sum::<usize>()
}

/// Estimated heap bytes of a test user's copy (kept in a payment's payer).
fn user_bytes(u: &TestUser) -> usize {
    [
        &u.phone,
        &u.first_name,
        &u.last_name,
        &u.email,
        &u.birthdate,
        &u.nin,
    ]
    .iter()
    .map(|s| s.capacity())
    .sum::<usize>()
        + u.addresses.capacity() * std::mem::size_of::<UserAddress>()
        + u.addresses.iter().map(address_bytes).sum::<usize>()
}

fn address_bytes(a: &UserAddress) -> usize {
    [
        &a.address_type,
        &a.line1,
        &a.line2,
        &a.post_code,
        &a.city,
        &a.country,
    ]
    .iter()
    .map(|s| s.capacity())
    .sum()
}

impl Initiate {
    /// Estimated heap bytes of the validated request.
    fn heap_size(&self) -> usize {
        [
            &self.msn,
            &self.order_id,
            &self.text,
            &self.callback_prefix,
            &self.fallback,
        ]
        .iter()
        .map(|s| s.capacity())
        .sum::<usize>()
            + opt_bytes(self.auth_token.as_ref())
            + opt_bytes(self.consent_removal_prefix.as_ref())
            + opt_bytes(self.shipping_details_prefix.as_ref())
            + opt_bytes(self.mobile_number.as_ref())
            + self.static_shipping.as_ref().map_or(0, options_bytes)
            + self.scopes.capacity() * std::mem::size_of::<String>()
            + self.scopes.iter().map(String::capacity).sum::<usize>()
    }
}

/// Maps the MT magic test amounts (spec §11.2) to a reservation failure.
pub(crate) fn magic_failure(amount: i64) -> Option<(&'static str, &'static str)> {
    match amount {
        151 | 182 | 183 | 184 | 197 | 202 => Some(("42", "Refused by the issuer.")),
        186 => Some(("44", "Refused by the issuer: Expired card.")),
        187 => Some(("41", "The user does not have a valid card.")),
        _ => None,
    }
}

/// The message for a reservation failure code (spec §3.8).
pub(crate) fn failure_message(code: &str) -> &'static str {
    match code {
        "41" => "The user does not have a valid card.",
        "42" => "Refused by the issuer.",
        "43" => "Refused by the issuer: Invalid amount.",
        "44" => "Refused by the issuer: Expired card.",
        "82" => "The user's app version is not supported.",
        _ => "Reservation failed, reason unknown.",
    }
}

fn payment_error(code: &'static str, msg: &str) -> ApiError {
    ApiError::bad("Payment", code, msg)
}

fn not_allowed_91() -> ApiError {
    ApiError::bad("VippsError", "91", "The transaction is not allowed.")
}

impl Payment {
    /// A new payment in `INITIATE` with its log entry; `skipLandingPage` starts the app phase.
    pub(crate) fn new(
        init: Initiate,
        merchant_name: &str,
        direct_capture: bool,
        token: String,
        now: i64,
    ) -> Self {
        let mut p = Self {
            log: vec![LogEntry {
                amount: init.amount,
                op: Op::Initiate,
                success: true,
                text: init.text.clone(),
                transaction_id: None,
                at_ms: now,
                request_id: String::new(),
            }],
            init,
            merchant_name: merchant_name.to_owned(),
            direct_capture,
            token,
            created_ms: now,
            state: State::Initiate,
            cancel_cause: None,
            transaction_id: None,
            app_deadline_ms: None,
            pending_until_ms: None,
            reserved_amount: 0,
            captured: 0,
            refunded: 0,
            released: false,
            reserved_at_ms: None,
            payer: None,
            sub: None,
            sub_visible_at_ms: 0,
            app: AppProgress::default(),
            idem: Replays::default(),
            callbacks_sent: 0,
        };
        if p.init.skip_landing_page {
            p.app.phone.clone_from(&p.init.mobile_number);
            p.open_app(now);
        }
        p
    }

    pub(crate) fn msn(&self) -> &str {
        &self.init.msn
    }

    /// An estimate of the heap memory this payment holds (not counting `size_of::<Payment>`,
    /// which the store adds). O(log entries + shipping options): the replay records are
    /// counted as they are added.
    pub(crate) fn heap_size(&self) -> usize {
        let log = self.log.capacity() * std::mem::size_of::<LogEntry>()
            + self
                .log
                .iter()
                .map(|e| {
                    e.text.capacity()
                        + opt_bytes(e.transaction_id.as_ref())
                        + e.request_id.capacity()
                })
                .sum::<usize>();
        let payer = self.payer.as_ref().map_or(0, |p| {
            std::mem::size_of::<Payer>()
                + user_bytes(&p.user)
                + p.user_id.capacity()
                + p.address.as_ref().map_or(0, address_bytes)
                + p.shipping
                    .as_ref()
                    .map_or(0, |o| o.method.capacity() + o.method_id.capacity())
        });
        let app = opt_bytes(self.app.phone.as_ref())
            + opt_bytes(self.app.shipping_method_id.as_ref())
            + match &self.app.dynamic_shipping {
                Some(Ok(o)) => options_bytes(o),
                Some(Err(e)) => e.capacity(),
                None => 0,
            };
        self.init.heap_size()
            + self.merchant_name.capacity()
            + self.token.capacity()
            + opt_bytes(self.transaction_id.as_ref())
            + opt_bytes(self.sub.as_ref())
            + log
            + payer
            + app
            + self.idem.map.capacity() * (std::mem::size_of::<((Endpoint, String), Idem)>() + 1)
            + self.idem.bytes
    }

    pub(crate) fn order_id(&self) -> &str {
        &self.init.order_id
    }

    pub(crate) fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// The session starts (landing page, deeplink or QR opened): INITIATE gets its id.
    pub(crate) fn start_session(&mut self) {
        if self.state == State::Initiate && self.transaction_id.is_none() {
            let id = new_transaction_id();
            if let Some(initiate) = self.log.first_mut() {
                initiate.transaction_id = Some(id.clone());
            }
            self.transaction_id = Some(id);
        }
    }

    /// The user is now in the app (phone submitted or app opened): +5 minutes.
    pub(crate) fn open_app(&mut self, now: i64) {
        self.start_session();
        if self.state == State::Initiate && self.app_deadline_ms.is_none() {
            self.app_deadline_ms = Some(now + USER_PHASE_MS);
        }
    }

    /// When the user phase ends by timeout, if still pending.
    pub(crate) fn deadline_ms(&self) -> i64 {
        if let Some(p) = self.pending_until_ms {
            return p;
        }
        self.app_deadline_ms
            .unwrap_or(self.created_ms + USER_PHASE_MS)
    }

    /// Applies timeouts that are due at `now`.
    pub(crate) fn tick(&mut self, now: i64) -> Option<Callback> {
        if self.state != State::Initiate || now < self.deadline_ms() {
            return None;
        }
        if self.pending_until_ms.is_some() {
            return Some(self.fail(now, "45", failure_message("45")));
        }
        Some(self.user_cancel(now, CancelCause::Timeout))
    }

    /// Whether the user may still approve (force approve and the app).
    pub(crate) fn check_approvable(&self) -> Result<(), ApiError> {
        match self.state {
            State::Initiate if self.pending_until_ms.is_none() => Ok(()),
            State::Initiate | State::Reserve | State::Sale => Err(ApiError::bad(
                "VippsError",
                "92",
                "The transaction has already been processed.",
            )),
            State::Cancel | State::Void | State::Failed => Err(not_allowed_91()),
        }
    }

    /// The user approved: `RESERVE`, or `SALE` for direct capture.
    pub(crate) fn approve(
        &mut self,
        now: i64,
        payer: Payer,
        sub: Option<String>,
        sub_delay_ms: i64,
    ) -> Callback {
        self.start_session();
        let shipping = payer.shipping.as_ref().map_or(0, cost_ore);
        self.reserved_amount = self.init.amount + shipping;
        self.reserved_at_ms = Some(now);
        let op = if self.direct_capture {
            self.state = State::Sale;
            self.captured = self.reserved_amount;
            Op::Sale
        } else {
            self.state = State::Reserve;
            Op::Reserve
        };
        self.push_log(
            self.reserved_amount,
            op,
            true,
            self.init.text.clone(),
            self.transaction_id.clone(),
            now,
            "",
        );
        self.sub = sub;
        self.sub_visible_at_ms = now + sub_delay_ms;
        self.payer = Some(Box::new(payer));
        let status = match (self.direct_capture, self.init.express) {
            (true, _) => "SALE",
            (false, true) => "RESERVE",
            (false, false) => "RESERVED",
        };
        let with_payer = self.init.express || !self.init.scopes.is_empty();
        self.callback(status, true, self.reserved_amount, now, None, with_payer)
    }

    /// Magic amount 201: the result stays unknown for an hour, then the payment fails.
    pub(crate) fn hold_unknown(&mut self, now: i64) {
        self.start_session();
        self.pending_until_ms = Some(now + UNKNOWN_RESULT_MS);
    }

    /// The reservation (or sale) failed with `code`.
    pub(crate) fn fail(&mut self, now: i64, code: &str, message: &str) -> Callback {
        self.start_session();
        self.state = State::Failed;
        self.pending_until_ms = None;
        let (op, status) = if self.direct_capture {
            (Op::Sale, "SALE_FAILED")
        } else {
            (Op::Reserve, "RESERVE_FAILED")
        };
        self.push_log(
            self.init.amount,
            op,
            false,
            self.init.text.clone(),
            self.transaction_id.clone(),
            now,
            "",
        );
        self.callback(
            status,
            true,
            self.init.amount,
            now,
            Some((code, message)),
            false,
        )
    }

    /// The user cancelled (app or landing page) or the user phase timed out.
    pub(crate) fn user_cancel(&mut self, now: i64, cause: CancelCause) -> Callback {
        self.state = State::Cancel;
        self.cancel_cause = Some(cause);
        self.pending_until_ms = None;
        self.push_log(
            self.init.amount,
            Op::Cancel,
            true,
            self.init.text.clone(),
            self.transaction_id.clone(),
            now,
            "",
        );
        match cause {
            CancelCause::App | CancelCause::Merchant => {
                self.callback("CANCELLED", true, self.init.amount, now, None, false)
            }
            CancelCause::Landing => self.callback(
                "REJECTED",
                false,
                self.init.amount,
                now,
                Some(("45", "User has not acted upon the payment")),
                false,
            ),
            CancelCause::Timeout if self.app_deadline_ms.is_some() => self.callback(
                "REJECTED",
                true,
                self.init.amount,
                now,
                Some(("45", "User has cancelled or not acted upon the payment")),
                false,
            ),
            CancelCause::Timeout => self.callback(
                "REJECTED",
                false,
                self.init.amount,
                now,
                Some(("45", "User has not acted upon the payment")),
                false,
            ),
        }
    }

    /// Counts and addresses a callback; its body is the [`views`](crate::wire::views) one.
    fn callback(
        &mut self,
        status: &str,
        with_id: bool,
        amount: i64,
        now: i64,
        error: Option<(&str, &str)>,
        with_payer: bool,
    ) -> Callback {
        self.callbacks_sent += 1;
        let body = views::callback_body(self, status, with_id, amount, now, error, with_payer);
        Callback {
            url: format!(
                "{}/v2/payments/{}",
                self.init.callback_prefix, self.init.order_id
            ),
            auth: self.init.auth_token.clone(),
            body,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_log(
        &mut self,
        amount: i64,
        op: Op,
        success: bool,
        text: String,
        id: Option<String>,
        now: i64,
        request_id: &str,
    ) {
        self.log.push(LogEntry {
            amount,
            op,
            success,
            text,
            transaction_id: id,
            at_ms: now,
            request_id: request_id.to_owned(),
        });
    }

    /// How many idempotency keys are remembered.
    pub(crate) fn idempotency_keys(&self) -> usize {
        self.idem.map.len()
    }

    /// `remainingAmountToCapture`.
    pub(crate) fn remaining_to_capture(&self) -> i64 {
        if self.state == State::Reserve && !self.released {
            self.reserved_amount - self.captured
        } else {
            0
        }
    }

    /// `remainingAmountToRefund`.
    pub(crate) fn remaining_to_refund(&self) -> i64 {
        self.captured - self.refunded
    }

    /// The four-field `transactionSummary` (details adds the card BIN to it).
    pub(crate) fn wire_summary(&self) -> wire::Summary {
        wire::Summary {
            bank_identification_number: None,
            captured_amount: ore(self.captured),
            refunded_amount: ore(self.refunded),
            remaining_amount_to_capture: ore(self.remaining_to_capture()),
            remaining_amount_to_refund: ore(self.remaining_to_refund()),
        }
    }

    fn check_window(
        &self,
        now: i64,
        window: i64,
        code: &'static str,
        msg: &str,
    ) -> Result<(), ApiError> {
        match self.reserved_at_ms {
            Some(at) if now > at + window => Err(payment_error(code, msg)),
            _ => Ok(()),
        }
    }

    /// Runs `op` once per idempotency key: a replay with the same fingerprint returns the
    /// first response; another fingerprint is error 93. Only successes are remembered.
    pub(crate) fn idempotent(
        &mut self,
        endpoint: Endpoint,
        key: Option<&str>,
        fingerprint: String,
        op: impl FnOnce(&mut Self) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let Some(key) = key else {
            return op(self);
        };
        let id = (endpoint, key.to_owned());
        if let Some(prev) = self.idem.map.get(&id) {
            if prev.fingerprint == fingerprint {
                return Ok(prev.response.clone());
            }
            let what = match endpoint {
                Endpoint::Capture => "capture",
                Endpoint::Refund => "refund",
                Endpoint::Approve => "approve",
            };
            return Err(ApiError::bad(
                "VippsError",
                "93",
                format!("The {what} request must be identical to the previous request(s) in an idempotent retry."),
            ));
        }
        let response = op(self)?;
        if self.idem.map.len() < 10_000 {
            self.idem.insert(
                id,
                Idem {
                    fingerprint,
                    response: response.clone(),
                },
            );
        }
        Ok(response)
    }

    /// The part capture and refund share once the state allows the action:
    /// time window, amount (`None` or 0 means all remaining), bookkeeping and log.
    /// Returns the amount moved and the new transaction id.
    fn move_money(
        &mut self,
        now: i64,
        amount: Option<i64>,
        text: &str,
        request_id: &str,
        rule: &MoneyRule,
    ) -> Result<(i64, String), ApiError> {
        self.check_window(now, rule.window_ms, rule.window_code, rule.window_msg)?;
        let remaining = match rule.op {
            Op::Refund => self.remaining_to_refund(),
            _ => self.remaining_to_capture(),
        };
        let amount = amount.filter(|&a| a != 0).unwrap_or(remaining);
        if amount > remaining || amount <= 0 {
            return Err(payment_error(rule.over_code, rule.over_msg));
        }
        match rule.op {
            Op::Refund => self.refunded += amount,
            _ => self.captured += amount,
        }
        let id = new_transaction_id();
        self.push_log(
            amount,
            rule.op,
            true,
            text.to_owned(),
            Some(id.clone()),
            now,
            request_id,
        );
        Ok((amount, id))
    }

    /// Capture (spec §3.3). `amount` `None` or 0 captures everything remaining.
    pub(crate) fn capture(
        &mut self,
        now: i64,
        amount: Option<i64>,
        text: &str,
        request_id: &str,
    ) -> Result<Value, ApiError> {
        match self.state {
            State::Initiate => {
                return Err(payment_error(
                    "62",
                    "The amount you tried to capture is not reserved. The user must accept the payment before capture can be done.",
                ))
            }
            State::Cancel | State::Void | State::Failed => return Err(not_allowed_91()),
            State::Reserve | State::Sale => {}
        }
        let (amount, id) = self.move_money(now, amount, text, request_id, &CAPTURE_RULE)?;
        Ok(views::capture_body(
            self,
            "Captured",
            amount,
            Some(id),
            text,
            now,
        ))
    }

    /// Cancel (spec §3.4).
    pub(crate) fn cancel(
        &mut self,
        now: i64,
        text: &str,
        release: bool,
    ) -> Result<Value, ApiError> {
        let already_captured = || {
            payment_error(
                "51",
                "Cannot cancel an orderId that has already been captured.",
            )
        };
        let id = match self.state {
            State::Cancel | State::Void | State::Failed => return Err(not_allowed_91()),
            State::Initiate => {
                // A merchant cancel ends the user phase; no callback is sent for it.
                self.state = State::Cancel;
                self.cancel_cause = Some(CancelCause::Merchant);
                self.pending_until_ms = None;
                let id = self.transaction_id.as_ref().map(|_| new_transaction_id());
                self.push_log(
                    self.init.amount,
                    Op::Cancel,
                    true,
                    text.to_owned(),
                    id.clone(),
                    now,
                    "",
                );
                id
            }
            State::Sale => {
                self.check_window(
                    now,
                    CAPTURE_WINDOW_MS,
                    "98",
                    "Payments can only be canceled up to 180 days after reservation. See the FAQ.",
                )?;
                return Err(already_captured());
            }
            State::Reserve => {
                self.check_window(
                    now,
                    CAPTURE_WINDOW_MS,
                    "98",
                    "Payments can only be canceled up to 180 days after reservation. See the FAQ.",
                )?;
                if self.captured > 0 && (self.remaining_to_capture() == 0 || !release) {
                    return Err(already_captured());
                }
                if self.captured > 0 {
                    self.released = true;
                }
                self.state = State::Void;
                let id = new_transaction_id();
                self.push_log(
                    self.reserved_amount,
                    Op::Void,
                    true,
                    text.to_owned(),
                    Some(id.clone()),
                    now,
                    "",
                );
                Some(id)
            }
        };
        let amount = if self.reserved_at_ms.is_some() {
            self.reserved_amount
        } else {
            self.init.amount
        };
        Ok(views::capture_body(
            self,
            "Cancelled",
            amount,
            id,
            text,
            now,
        ))
    }

    /// Refund (spec §3.5). `amount` `None` or 0 refunds everything remaining.
    pub(crate) fn refund(
        &mut self,
        now: i64,
        amount: Option<i64>,
        text: &str,
        request_id: &str,
    ) -> Result<Value, ApiError> {
        if self.captured == 0 {
            return Err(match self.state {
                State::Initiate | State::Reserve => payment_error(
                    "72",
                    "Cannot refund a reserved order. The orderId can be canceled instead.",
                ),
                _ => payment_error("73", "Cannot refund a canceled order."),
            });
        }
        let (amount, id) = self.move_money(now, amount, text, request_id, &REFUND_RULE)?;
        Ok(views::refund_body(self, amount, id, text, now))
    }
}

/// An amount the state machine keeps as `i64` (never negative) as the wire's øre.
pub(crate) fn ore(amount: i64) -> u64 {
    u64::try_from(amount).unwrap_or(0)
}

/// `StatusCode` for an injected fault of `code` (spec §3.8).
pub(crate) fn fault_error(code: &str, status: Option<u16>) -> ApiError {
    let (group, default_status, message): (&'static str, u16, &str) = match code {
        "31" => ("Merchant", 400, "The merchant is blocked. The merchant can contact customer service for details."),
        "32" => ("Merchant", 400, "The receiving limit of merchant is exceeded."),
        "33" => ("Merchant", 400, "The merchant's payment request limit is exceeded."),
        "36" => ("Merchant", 400, "The merchant's agreement has not been signed."),
        "37" => ("Merchant", 400, "The merchant and/or sales unit is unavailable, deleted, deactivated or blocked for payments."),
        "39" => ("Merchant", 400, "The sales unit is not allowed to initiate long-living payments."),
        "97" => ("Merchant", 403, "The sales unit is not allowed to perform payments. See the FAQ."),
        "41" | "42" | "43" | "44" | "45" => ("Payment", 400, failure_message(code)),
        "52" => ("Payment", 400, "Cancellation failed, reason unknown."),
        "63" => ("Payment", 400, "Capture failed an unknown reason. Retrieve the payment details to see the full details."),
        "74" => ("Payment", 400, "Refund failed during debit from the merchant's account."),
        "82" => ("User", 400, "The user's app version is not supported."),
        "91" => ("VippsError", 400, "The transaction is not allowed."),
        "92" => ("VippsError", 400, "The transaction has already been processed."),
        "94" => ("VippsError", 400, "Order locked and is already processing."),
        "98" => ("VippsError", 400, "Too many concurrent requests. See the FAQ."),
        "99" => ("VippsError", 500, "Internal error. In some cases, this is caused by an incorrect API request. Please check the request."),
        _ => ("VippsError", 400, "Injected fault."),
    };
    let status =
        StatusCode::from_u16(status.unwrap_or(default_status)).unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::ecom(status, group, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    const T0: i64 = 1_700_000_000_000;

    fn init(amount: i64) -> Initiate {
        Initiate {
            msn: "123456".into(),
            order_id: "order-1".into(),
            amount,
            text: "socks".into(),
            callback_prefix: "https://example.com/cb".into(),
            fallback: "https://example.com/fb".into(),
            auth_token: Some("secret-auth".into()),
            is_app: false,
            express: false,
            consent_removal_prefix: None,
            shipping_details_prefix: None,
            static_shipping: None,
            scopes: vec![],
            skip_landing_page: false,
            mobile_number: None,
        }
    }

    fn payer() -> Payer {
        let user = SandboxConfig::default().users[0].clone();
        Payer {
            user_id: "uid".into(),
            address: Some(user.addresses[0].clone()),
            shipping: None,
            user,
        }
    }

    fn reserved(amount: i64) -> Payment {
        let mut p = Payment::new(init(amount), "Shop", false, "tok".into(), T0);
        p.approve(T0 + 1000, payer(), None, 0);
        p
    }

    fn code(e: &ApiError) -> String {
        e.body()[0]["errorCode"].as_str().unwrap().to_owned()
    }

    fn summary4(p: &Payment) -> [i64; 4] {
        [
            p.captured,
            p.remaining_to_capture(),
            p.refunded,
            p.remaining_to_refund(),
        ]
    }

    /// Builds a payment in each column of the operation matrix (spec §4.2).
    fn in_state(name: &str) -> Payment {
        let mut p = reserved(20_000);
        match name {
            "initiate" => p = Payment::new(init(20_000), "Shop", false, "tok".into(), T0),
            "reserve" => {}
            "partly" => {
                p.capture(T0, Some(5_000), "c", "k").unwrap();
            }
            "full" => {
                p.capture(T0, None, "c", "k").unwrap();
            }
            "sale" => {
                p = Payment::new(init(20_000), "Shop", true, "tok".into(), T0);
                p.approve(T0, payer(), None, 0);
            }
            "cancel" => {
                p = Payment::new(init(20_000), "Shop", false, "tok".into(), T0);
                p.user_cancel(T0, CancelCause::App);
            }
            "void" => {
                p.cancel(T0, "v", false).unwrap();
            }
            "failed" => {
                p = Payment::new(init(20_000), "Shop", false, "tok".into(), T0);
                p.fail(T0, "42", "x");
            }
            "void-partial" => {
                p.capture(T0, Some(5_000), "c", "k").unwrap();
                p.cancel(T0, "v", true).unwrap();
            }
            other => panic!("unknown state {other}"),
        }
        p
    }

    #[test]
    fn operation_matrix() {
        // (state, capture, cancel, refund, approve): "ok" or the error code.
        let table = [
            ("initiate", "62", "ok", "72", "ok"),
            ("reserve", "ok", "ok", "72", "92"),
            ("partly", "ok", "51", "ok", "92"),
            ("full", "61", "51", "ok", "92"),
            ("sale", "61", "51", "ok", "92"),
            ("cancel", "91", "91", "73", "91"),
            ("void", "91", "91", "73", "91"),
            ("failed", "91", "91", "73", "91"),
            ("void-partial", "91", "91", "ok", "91"),
        ];
        let res = |r: Result<Value, ApiError>| r.map_or_else(|e| code(&e), |_| "ok".to_owned());
        for (state, capture, cancel, refund, approve) in table {
            assert_eq!(
                res(in_state(state).capture(T0, Some(1_000), "t", "")),
                capture,
                "capture in {state}"
            );
            assert_eq!(
                res(in_state(state).cancel(T0, "t", false)),
                cancel,
                "cancel in {state}"
            );
            assert_eq!(
                res(in_state(state).refund(T0, Some(1_000), "t", "")),
                refund,
                "refund in {state}"
            );
            assert_eq!(
                in_state(state)
                    .check_approvable()
                    .map_or_else(|e| code(&e), |()| "ok".to_owned()),
                approve,
                "approve in {state}"
            );
        }
    }

    #[test]
    fn summary_arithmetic_matches_guide_examples() {
        // (steps, expected [captured, remainingToCapture, refunded, remainingToRefund])
        type Step = fn(&mut Payment);
        let cases: [(&str, Vec<Step>, [i64; 4]); 6] = [
            ("reserve", vec![], [0, 20_000, 0, 0]),
            (
                "full capture",
                vec![|p| {
                    p.capture(T0, None, "c", "").unwrap();
                }],
                [20_000, 0, 0, 20_000],
            ),
            (
                "full refund",
                vec![
                    |p| {
                        p.capture(T0, None, "c", "").unwrap();
                    },
                    |p| {
                        p.refund(T0, None, "r", "").unwrap();
                    },
                ],
                [20_000, 0, 20_000, 0],
            ),
            (
                "partial then release",
                vec![
                    |p| {
                        p.capture(T0, Some(10_000), "c", "").unwrap();
                    },
                    |p| {
                        p.cancel(T0, "x", true).unwrap();
                    },
                ],
                [10_000, 0, 0, 10_000],
            ),
            (
                "two partial captures and a partial refund",
                vec![
                    |p| {
                        p.capture(T0, Some(10_000), "c", "").unwrap();
                    },
                    |p| {
                        p.capture(T0, Some(4_000), "c", "").unwrap();
                    },
                    |p| {
                        p.refund(T0, Some(3_000), "r", "").unwrap();
                    },
                ],
                [14_000, 6_000, 3_000, 11_000],
            ),
            (
                "void",
                vec![|p| {
                    p.cancel(T0, "x", false).unwrap();
                }],
                [0, 0, 0, 0],
            ),
        ];
        for (name, steps, want) in cases {
            let mut p = reserved(20_000);
            for s in steps {
                s(&mut p);
            }
            assert_eq!(summary4(&p), want, "{name}");
        }
        let mut p = Payment::new(init(20_000), "Shop", false, "tok".into(), T0);
        p.cancel(T0, "x", false).unwrap();
        assert_eq!(summary4(&p), [0, 0, 0, 0], "initiate cancel");
        assert_eq!(
            serde_json::to_value(views::details(&p, T0)).unwrap()["transactionSummary"]
                ["capturedAmount"],
            0
        );
    }

    #[test]
    fn over_capture_and_over_refund_are_rejected() {
        let mut p = reserved(20_000);
        p.capture(T0, Some(10_000), "c", "").unwrap();
        p.capture(T0, Some(10_000), "c", "").unwrap();
        assert_eq!(code(&p.capture(T0, Some(1), "c", "").unwrap_err()), "61");
        p.refund(T0, Some(15_000), "r", "").unwrap();
        assert_eq!(code(&p.refund(T0, Some(5_001), "r", "").unwrap_err()), "71");
        p.refund(T0, None, "r", "").unwrap();
        assert_eq!(summary4(&p), [20_000, 0, 20_000, 0]);
        assert_eq!(code(&p.refund(T0, None, "r", "").unwrap_err()), "71");
    }

    #[test]
    fn time_windows() {
        let mut p = reserved(20_000);
        let at = T0 + 1000;
        assert_eq!(
            code(&p.capture(at + 181 * DAY, None, "c", "").unwrap_err()),
            "98"
        );
        assert_eq!(
            code(&p.cancel(at + 181 * DAY, "c", false).unwrap_err()),
            "98"
        );
        p.capture(at + 179 * DAY, None, "c", "").unwrap();
        p.refund(at + 364 * DAY, Some(100), "r", "").unwrap();
        assert_eq!(
            code(&p.refund(at + 366 * DAY, None, "r", "").unwrap_err()),
            "95"
        );
    }

    #[test]
    fn idempotent_replay_and_mismatch() {
        let mut p = reserved(20_000);
        let first = p
            .idempotent(Endpoint::Capture, Some("k1"), "100".into(), |p| {
                p.capture(T0, Some(100), "c", "k1")
            })
            .unwrap();
        let again = p
            .idempotent(Endpoint::Capture, Some("k1"), "100".into(), |p| {
                p.capture(T0, Some(100), "c", "k1")
            })
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(p.captured, 100);
        assert_eq!(p.log().len(), 3);
        let e = p
            .idempotent(Endpoint::Capture, Some("k1"), "200".into(), |p| {
                p.capture(T0, Some(200), "c", "k1")
            })
            .unwrap_err();
        assert_eq!(code(&e), "93");
        // The same key on another endpoint does not clash.
        p.idempotent(Endpoint::Refund, Some("k1"), "100".into(), |p| {
            p.refund(T0, Some(100), "r", "k1")
        })
        .unwrap();
        // A failure is not remembered, so a retry with the same key re-executes.
        assert!(p
            .idempotent(Endpoint::Capture, Some("k2"), "x".into(), |p| p.capture(
                T0,
                Some(999_999),
                "c",
                "k2"
            ))
            .is_err());
        p.idempotent(Endpoint::Capture, Some("k2"), "x".into(), |p| {
            p.capture(T0, Some(1), "c", "k2")
        })
        .unwrap();
    }

    #[test]
    fn timeouts_and_their_callbacks() {
        // No landing-page action: REJECTED without transactionId.
        let mut p = Payment::new(init(1000), "Shop", false, "tok".into(), T0);
        assert!(p.tick(T0 + USER_PHASE_MS - 1).is_none());
        let cb = p.tick(T0 + USER_PHASE_MS).unwrap();
        assert_eq!(cb.body["transactionInfo"]["status"], "REJECTED");
        assert!(cb.body["transactionInfo"].get("transactionId").is_none());
        assert_eq!(cb.body["errorInfo"]["errorCode"], "45");
        assert_eq!(cb.url, "https://example.com/cb/v2/payments/order-1");
        assert_eq!(cb.auth.as_deref(), Some("secret-auth"));
        assert_eq!(p.state, State::Cancel);
        assert_eq!(views::status(&p)["transactionInfo"]["status"], "REJECTED");
        assert!(p.tick(T0 + DAY).is_none(), "only once");

        // Phone submitted at 4 min: 5 more minutes, then REJECTED with transactionId.
        let mut p = Payment::new(init(1000), "Shop", false, "tok".into(), T0);
        p.open_app(T0 + 4 * MINUTE);
        assert!(p.tick(T0 + 8 * MINUTE).is_none());
        let cb = p.tick(T0 + 9 * MINUTE).unwrap();
        assert!(cb.body["transactionInfo"]["transactionId"].is_string());
        assert_eq!(
            cb.body["errorInfo"]["errorMessage"],
            "User has cancelled or not acted upon the payment"
        );
    }

    #[test]
    fn approve_reserve_sale_and_details_snapshots() {
        let mut p = Payment::new(init(20_000), "Shop", false, "tok".into(), T0);
        let d = serde_json::to_value(views::details(&p, T0)).unwrap();
        assert!(d.get("transactionSummary").is_none());
        assert_eq!(d["transactionLogHistory"].as_array().unwrap().len(), 1);
        assert!(d["transactionLogHistory"][0].get("transactionId").is_none());
        p.start_session();
        let id = serde_json::to_value(views::details(&p, T0)).unwrap()["transactionLogHistory"][0]
            ["transactionId"]
            .clone();
        assert!(id.as_str().unwrap().len() >= 10);
        let cb = p.approve(T0 + 1, payer(), None, 0);
        assert_eq!(cb.body["transactionInfo"]["status"], "RESERVED");
        assert_eq!(cb.body["transactionInfo"]["transactionId"], id);
        let d = serde_json::to_value(views::details(&p, T0 + 2)).unwrap();
        let h = d["transactionLogHistory"].as_array().unwrap();
        assert_eq!(h[0]["operation"], "RESERVE");
        assert_eq!(h[0]["transactionId"], id);
        assert_eq!(h[1]["operation"], "INITIATE");
        assert_eq!(d["transactionSummary"]["remainingAmountToCapture"], 20_000);
        assert_eq!(d["transactionSummary"]["bankIdentificationNumber"], 492_560);

        let mut s = Payment::new(init(20_000), "Shop", true, "tok".into(), T0);
        let cb = s.approve(T0, payer(), None, 0);
        assert_eq!(cb.body["transactionInfo"]["status"], "SALE");
        assert_eq!(summary4(&s), [20_000, 0, 0, 20_000]);
    }

    #[test]
    fn express_adds_shipping_and_expires_personal_data() {
        let mut i = init(20_000);
        i.express = true;
        let mut p = Payment::new(i, "Shop", false, "tok".into(), T0);
        let mut who = payer();
        who.shipping = Some(ShippingOption {
            is_default: true,
            priority: 1,
            cost: 3_000,
            method: "Postman Method 1".into(),
            method_id: "m1".into(),
        });
        let cb = p.approve(T0, who, None, 0);
        assert_eq!(cb.body["transactionInfo"]["status"], "RESERVE");
        assert_eq!(cb.body["transactionInfo"]["amount"], 23_000);
        assert_eq!(cb.body["shippingDetails"]["address"]["zipCode"], "0154");
        assert_eq!(cb.body["userDetails"]["firstName"], "Ada");
        let d = serde_json::to_value(views::details(&p, T0)).unwrap();
        assert_eq!(d["shippingDetails"]["address"]["postCode"], "0154");
        assert_eq!(d["shippingDetails"]["address"]["country"], "Norway");
        assert_eq!(d["userDetails"]["mobileNumber"], "91234567");
        let d = serde_json::to_value(views::details(&p, T0 + 7 * DAY)).unwrap();
        assert_eq!(d["userDetails"]["firstName"], "[Expired]");
        assert_eq!(d["shippingDetails"]["address"]["addressLine1"], "[Expired]");
    }

    #[test]
    fn user_cancel_callbacks() {
        let mut p = Payment::new(init(654), "Shop", false, "tok".into(), T0);
        p.open_app(T0);
        let cb = p.user_cancel(T0, CancelCause::App);
        assert_eq!(cb.body["transactionInfo"]["status"], "CANCELLED");
        assert!(cb.body["transactionInfo"]["transactionId"].is_string());
        assert!(cb.body.get("errorInfo").is_none());

        let mut p = Payment::new(init(654), "Shop", false, "tok".into(), T0);
        p.start_session();
        let cb = p.user_cancel(T0, CancelCause::Landing);
        assert_eq!(cb.body["transactionInfo"]["status"], "REJECTED");
        assert!(cb.body["transactionInfo"].get("transactionId").is_none());
        assert_eq!(cb.body["errorInfo"]["errorGroup"], "PAYMENTS");
    }

    #[test]
    fn magic_amounts_and_failures() {
        for (amount, want) in [
            (151, Some("42")),
            (186, Some("44")),
            (187, Some("41")),
            (202, Some("42")),
            (100, None),
            (201, None),
        ] {
            assert_eq!(magic_failure(amount).map(|m| m.0), want, "{amount}");
        }
        let mut p = Payment::new(init(151), "Shop", false, "tok".into(), T0);
        let cb = p.fail(T0, "42", failure_message("42"));
        assert_eq!(cb.body["transactionInfo"]["status"], "RESERVE_FAILED");
        let d = serde_json::to_value(views::details(&p, T0)).unwrap();
        assert_eq!(d["transactionLogHistory"][0]["operation"], "RESERVE");
        assert_eq!(d["transactionLogHistory"][0]["operationSuccess"], false);
        assert_eq!(views::status(&p)["transactionInfo"]["status"], "FAILED");

        let mut p = Payment::new(init(201), "Shop", false, "tok".into(), T0);
        p.hold_unknown(T0);
        assert!(p.tick(T0 + 30 * MINUTE).is_none());
        let cb = p.tick(T0 + HOUR).unwrap();
        assert_eq!(cb.body["transactionInfo"]["status"], "RESERVE_FAILED");
    }

    #[test]
    fn fault_errors_use_catalogue() {
        let e = fault_error("97", None);
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        let e = fault_error("63", Some(402));
        assert_eq!(e.status().as_u16(), 402);
        assert_eq!(code(&e), "63");
    }
}
