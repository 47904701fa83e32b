//! A payment as the API shows it: the details and status bodies and the payment callback,
//! built from the boundary types of [`ecom_core::wire::details`], so a field the app reads and
//! a field the sandbox writes cannot drift apart.

use ecom_core::wire::details as wire;
use serde_json::Value;

use crate::domain::clock::iso;
use crate::domain::payment::{
    ore, CancelCause, LogEntry, Op, Payer, Payment, State, CALLBACK_GROUP, PERSONAL_DATA_MS,
};

/// A typed body as the JSON value the handlers and the outbound log keep.
fn to_value(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).expect("wire types always serialize")
}

/// One entry of `transactionLogHistory`.
fn log_entry(e: &LogEntry) -> wire::LogEntry {
    wire::LogEntry {
        amount: ore(e.amount),
        operation: e.op.name().to_owned(),
        operation_success: e.success,
        // MT leaves requestId out of the INITIATE entry (the real body of ISS#206, spec §5.3).
        request_id: (e.op != Op::Initiate).then(|| e.request_id.clone()),
        time_stamp: iso(e.at_ms),
        transaction_id: e.transaction_id.clone(),
        transaction_text: e.text.clone(),
    }
}

/// `userDetails`, with every personal field passed through `show` (details hides them once
/// they expire).
fn user_details(payer: &Payer, show: impl Fn(&str) -> String) -> wire::UserDetails {
    wire::UserDetails {
        email: show(&payer.user.email),
        first_name: show(&payer.user.first_name),
        last_name: show(&payer.user.last_name),
        mobile_number: show(&payer.user.phone),
        user_id: payer.user_id.clone(),
    }
}

/// `shippingDetails` of an express payment, once an address and a method were chosen. Details
/// names the postal code `postCode` and the callback `zipCode`, as MT does.
fn shipping_details(
    payer: &Payer,
    in_callback: bool,
    show: impl Fn(&str) -> String,
) -> Option<wire::ShippingDetails> {
    let (a, s) = (payer.address.as_ref()?, payer.shipping.as_ref()?);
    let post_code = show(&a.post_code);
    Some(wire::ShippingDetails {
        address: wire::Address {
            address_line1: show(&a.line1),
            address_line2: show(&a.line2),
            city: show(&a.city),
            country: show(if in_callback { &a.country } else { "Norway" }),
            post_code: (!in_callback).then(|| post_code.clone()),
            zip_code: in_callback.then_some(post_code),
        },
        shipping_cost: s.cost_nok(),
        shipping_method: s.method.clone(),
        shipping_method_id: s.method_id.clone(),
    })
}

/// `GET …/details` (spec §5) at `now`: personal data reads `[Expired]` after seven days.
pub(crate) fn details(p: &Payment, now: i64) -> wire::Details {
    let mut body = wire::Details {
        order_id: p.init.order_id.clone(),
        shipping_details: None,
        sub: None,
        transaction_log_history: p.log().iter().rev().map(log_entry).collect(),
        transaction_summary: (p.state != State::Initiate).then(|| wire::Summary {
            bank_identification_number: p.reserved_at_ms.map(|_| 492_560),
            ..p.wire_summary()
        }),
        user_details: None,
    };
    if let (Some(payer), Some(at)) = (&p.payer, p.reserved_at_ms) {
        let expired = now >= at + PERSONAL_DATA_MS;
        let show = |s: &str| {
            if expired {
                "[Expired]".to_owned()
            } else {
                s.to_owned()
            }
        };
        if p.init.express {
            body.shipping_details = shipping_details(payer, false, show);
        }
        if p.init.express || !p.init.scopes.is_empty() {
            body.user_details = Some(user_details(payer, show));
        }
        body.sub = p.sub.clone().filter(|_| now >= p.sub_visible_at_ms);
    }
    body
}

/// The deprecated `GET …/status` (spec §3.7): the parent transaction's state.
pub(crate) fn status(p: &Payment) -> Value {
    let status = match (p.state, p.cancel_cause) {
        (State::Cancel, Some(CancelCause::Timeout)) => "REJECTED",
        (s, _) => s.name(),
    };
    let parent = p.log().iter().rev().find(|e| {
        matches!(
            e.op,
            Op::Initiate | Op::Reserve | Op::Sale | Op::Cancel | Op::Void
        )
    });
    let at = parent.map_or(p.created_ms, |e| e.at_ms);
    let amount = if p.reserved_at_ms.is_some() {
        p.reserved_amount
    } else {
        p.init.amount
    };
    to_value(&wire::Status {
        order_id: p.init.order_id.clone(),
        transaction_info: wire::TransactionInfo {
            amount,
            status: status.to_owned(),
            time_stamp: iso(at),
            transaction_id: p.transaction_id.clone(),
        },
    })
}

/// The body of a payment callback (spec §6). `with_id` gives the transaction id (once there
/// is one); `with_payer` adds who paid and, for express, the shipping they chose.
pub(crate) fn callback_body(
    p: &Payment,
    status: &str,
    with_id: bool,
    amount: i64,
    now: i64,
    error: Option<(&str, &str)>,
    with_payer: bool,
) -> Value {
    let payer = p.payer.as_deref().filter(|_| with_payer);
    let same = |s: &str| s.to_owned();
    to_value(&wire::Callback {
        error_info: error.map(|(code, message)| wire::ErrorInfo {
            error_code: code.to_owned(),
            error_group: CALLBACK_GROUP.to_owned(),
            error_message: message.to_owned(),
        }),
        merchant_serial_number: p.init.msn.clone(),
        order_id: p.init.order_id.clone(),
        shipping_details: payer
            .filter(|_| p.init.express)
            .and_then(|payer| shipping_details(payer, true, same)),
        transaction_info: wire::TransactionInfo {
            amount,
            status: status.to_owned(),
            time_stamp: iso(now),
            transaction_id: p.transaction_id.clone().filter(|_| with_id),
        },
        user_details: payer.map(|payer| user_details(payer, same)),
    })
}

/// The answer of a capture (`Captured`) or a cancel (`Cancelled`), after the operation.
pub(crate) fn capture_body(
    p: &Payment,
    status: &str,
    amount: i64,
    transaction_id: Option<String>,
    text: &str,
    now: i64,
) -> Value {
    to_value(&wire::CaptureResponse {
        order_id: p.init.order_id.clone(),
        transaction_info: operation(status, amount, transaction_id, text, now),
        transaction_summary: p.wire_summary(),
    })
}

/// The answer of a refund, after the operation.
pub(crate) fn refund_body(
    p: &Payment,
    amount: i64,
    transaction_id: String,
    text: &str,
    now: i64,
) -> Value {
    to_value(&wire::RefundResponse {
        order_id: p.init.order_id.clone(),
        transaction: operation("Refund", amount, Some(transaction_id), text, now),
        transaction_summary: p.wire_summary(),
    })
}

fn operation(
    status: &str,
    amount: i64,
    transaction_id: Option<String>,
    text: &str,
    now: i64,
) -> wire::Operation {
    wire::Operation {
        amount,
        status: status.to_owned(),
        time_stamp: iso(now),
        transaction_id,
        transaction_text: text.to_owned(),
    }
}
