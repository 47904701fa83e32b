//! Payment details (`GET …/details`, spec §5) read into a timeline, and which operations are
//! valid next (the operation matrix of spec §4.2), each with the reason when it is not.

use serde::{Deserialize, Deserializer};

pub use crate::wire::details::{LogEntry, Summary};

/// `shippingDetails` of an express payment: the shipping the user chose in the app.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipping {
    /// The name shown to the user.
    pub shipping_method: String,
    /// The merchant's id of the method.
    pub shipping_method_id: String,
    /// The cost in øre (the API sends NOK as a decimal number).
    #[serde(rename = "shippingCost", deserialize_with = "nok_to_ore")]
    pub cost: u64,
}

fn nok_to_ore<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let nok = f64::deserialize(d)?;
    if !(nok.is_finite() && nok >= 0.0) {
        return Err(serde::de::Error::custom(
            "shippingCost must be a number of NOK, at least 0",
        ));
    }
    // Rounded: 49.9 NOK is 4989.999… øre in binary floating point.
    Ok((nok * 100.0).round() as u64)
}

/// The details response, as far as the playground uses it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetails {
    /// The order id.
    pub order_id: String,
    /// The log, newest first.
    pub transaction_log_history: Vec<LogEntry>,
    /// Present once the user has reacted.
    #[serde(default)]
    pub transaction_summary: Option<Summary>,
    /// Profile payments: the user's `sub`, for the Userinfo API.
    #[serde(default)]
    pub sub: Option<String>,
    /// Express payments, once approved: the chosen shipping.
    #[serde(default)]
    pub shipping_details: Option<Shipping>,
}

/// Where a payment stands, derived from its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Initiated; the user has not approved yet.
    Initiated,
    /// Reserved, maybe partly captured.
    Reserved,
    /// Fully captured (or direct capture, SALE).
    Captured,
    /// Cancelled by the user or timed out, voided by the merchant, or failed.
    Ended,
}

/// The merchant operations a payment can undergo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Capture.
    Capture,
    /// Cancel.
    Cancel,
    /// Refund.
    Refund,
    /// Force approve (test environments only).
    ForceApprove,
}

impl PaymentDetails {
    /// Parses a details body.
    ///
    /// # Errors
    /// [`crate::CoreError::UnexpectedResponse`] when it is not a details body.
    pub fn parse(body: &str) -> Result<PaymentDetails, crate::CoreError> {
        serde_json::from_str(body).map_err(|e| crate::CoreError::UnexpectedResponse {
            what: "payment details",
            reason: e.to_string(),
        })
    }

    fn succeeded(&self, op: &str) -> bool {
        self.transaction_log_history
            .iter()
            .any(|e| e.operation_success && e.operation == op)
    }

    /// The amount the user was asked to pay (from the INITIATE entry).
    pub fn order_amount(&self) -> u64 {
        self.transaction_log_history
            .iter()
            .rev()
            .find(|e| e.operation == "INITIATE")
            .map_or(0, |e| e.amount)
    }

    /// The amount the user's approval reserved (or, with direct capture, took), from the
    /// newest successful RESERVE or SALE entry: for express it includes the shipping.
    pub fn reserved_amount(&self) -> Option<u64> {
        self.transaction_log_history
            .iter()
            .find(|e| e.operation_success && matches!(e.operation.as_str(), "RESERVE" | "SALE"))
            .map(|e| e.amount)
    }

    /// The current state.
    pub fn state(&self) -> PaymentState {
        let summary = self.transaction_summary.unwrap_or_default();
        if self.succeeded("VOID") || self.succeeded("CANCEL") {
            return PaymentState::Ended;
        }
        if self
            .transaction_log_history
            .iter()
            .any(|e| !e.operation_success && (e.operation == "RESERVE" || e.operation == "SALE"))
        {
            return PaymentState::Ended;
        }
        if self.succeeded("SALE")
            || (self.succeeded("RESERVE") && summary.remaining_amount_to_capture == 0)
        {
            return PaymentState::Captured;
        }
        if self.succeeded("RESERVE") {
            return PaymentState::Reserved;
        }
        PaymentState::Initiated
    }

    /// A line for the timeline header, like "Reserved: 100.00 kr captured of 499.00 kr".
    pub fn state_label(&self) -> &'static str {
        match self.state() {
            PaymentState::Initiated => "Initiated: waiting for the user to approve",
            PaymentState::Reserved => "Reserved: ready to capture",
            PaymentState::Captured => "Captured",
            PaymentState::Ended => "Ended: cancelled, voided or failed",
        }
    }

    /// What happened at Vipps, for a user the payment's `fallBack` brought back to the
    /// playground, and the step to take next.
    pub fn back_from_vipps(&self) -> (&'static str, &'static str) {
        let cancelled_by_user = self
            .transaction_log_history
            .iter()
            .any(|e| e.operation == "CANCEL" && e.operation_success)
            && !self.succeeded("RESERVE");
        let failed = self
            .transaction_log_history
            .iter()
            .any(|e| !e.operation_success && matches!(e.operation.as_str(), "RESERVE" | "SALE"));
        match self.state() {
            PaymentState::Reserved => (
                "The user approved: the amount is reserved on their card.",
                "Next: capture it (step 4) when you ship the goods.",
            ),
            PaymentState::Captured if self.succeeded("SALE") => (
                "The user approved, and this merchant captures directly (SALE): the money is taken.",
                "Next: refund it (step 4) if you need to.",
            ),
            PaymentState::Captured => (
                "The payment is approved and fully captured.",
                "Next: refund it (step 4) if you need to.",
            ),
            PaymentState::Ended if failed => (
                "The payment did not go through: the user did not act in time, or the card was refused.",
                "Next: start a new payment (step 2); this orderId cannot be used again.",
            ),
            PaymentState::Ended if cancelled_by_user => (
                "The user cancelled the payment.",
                "Next: start a new payment (step 2); this orderId cannot be used again.",
            ),
            PaymentState::Ended => (
                "The payment has ended: cancelled or voided.",
                "Next: start a new payment (step 2).",
            ),
            PaymentState::Initiated => (
                "The user has not approved yet: they may still be in the app.",
                "Next: approve it (step 3), or check the details again in a moment.",
            ),
        }
    }

    /// Whether `op` is valid now, and if not, why (spec §4.2).
    ///
    /// # Errors
    /// The reason, as a sentence for the user, with the error code the API would return.
    pub fn check(&self, op: Operation) -> Result<(), &'static str> {
        let summary = self.transaction_summary.unwrap_or_default();
        let captured = summary.captured_amount > 0;
        match (op, self.state()) {
            (Operation::Capture, PaymentState::Initiated) => {
                Err("not reserved yet: the user must approve first (error 62)")
            }
            (Operation::Capture, PaymentState::Reserved) => Ok(()),
            (Operation::Capture, PaymentState::Captured) => {
                Err("nothing left to capture (error 61)")
            }
            (Operation::Capture, PaymentState::Ended) => {
                Err("the payment is cancelled or failed (error 91)")
            }
            (Operation::Cancel, PaymentState::Initiated) => Ok(()),
            (Operation::Cancel, PaymentState::Reserved) if captured => {
                Err("partly captured: cancel only with \"release remaining funds\" (else error 51)")
            }
            (Operation::Cancel, PaymentState::Reserved) => Ok(()),
            (Operation::Cancel, PaymentState::Captured) => {
                Err("already captured: refund instead (error 51)")
            }
            (Operation::Cancel, PaymentState::Ended) => {
                Err("the payment has already ended (error 91)")
            }
            (Operation::Refund, _) if summary.remaining_amount_to_refund > 0 => Ok(()),
            (Operation::Refund, PaymentState::Ended) if !captured => {
                Err("cancelled before any capture: nothing to refund (error 73)")
            }
            (Operation::Refund, _) if captured => {
                Err("everything captured has been refunded (error 71)")
            }
            (Operation::Refund, _) => Err("nothing is captured yet: cancel instead (error 72)"),
            (Operation::ForceApprove, PaymentState::Initiated) => Ok(()),
            (Operation::ForceApprove, PaymentState::Ended) => {
                Err("the payment has ended (error 91)")
            }
            (Operation::ForceApprove, _) => Err("already approved (error 92)"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn details(log: &[(&str, bool)], summary: Option<[u64; 4]>) -> PaymentDetails {
        PaymentDetails {
            order_id: "o".into(),
            transaction_log_history: log
                .iter()
                .map(|(op, ok)| LogEntry {
                    amount: 20_000,
                    operation: (*op).into(),
                    operation_success: *ok,
                    transaction_text: String::new(),
                    transaction_id: None,
                    time_stamp: String::new(),
                    request_id: None,
                })
                .collect(),
            transaction_summary: summary.map(|[c, rc, r, rr]| Summary {
                captured_amount: c,
                remaining_amount_to_capture: rc,
                refunded_amount: r,
                remaining_amount_to_refund: rr,
                bank_identification_number: None,
            }),
            sub: None,
            shipping_details: None,
        }
    }

    #[test]
    fn operation_matrix_of_spec_4_2() {
        use Operation::*;
        let initiated = details(&[("INITIATE", true)], None);
        let reserved = details(
            &[("RESERVE", true), ("INITIATE", true)],
            Some([0, 20_000, 0, 0]),
        );
        let partly = details(
            &[("CAPTURE", true), ("RESERVE", true), ("INITIATE", true)],
            Some([10_000, 10_000, 0, 10_000]),
        );
        let full = details(
            &[("CAPTURE", true), ("RESERVE", true), ("INITIATE", true)],
            Some([20_000, 0, 0, 20_000]),
        );
        let refunded = details(
            &[
                ("REFUND", true),
                ("CAPTURE", true),
                ("RESERVE", true),
                ("INITIATE", true),
            ],
            Some([20_000, 0, 20_000, 0]),
        );
        let voided = details(
            &[("VOID", true), ("RESERVE", true), ("INITIATE", true)],
            Some([0, 0, 0, 0]),
        );
        let void_after_partial = details(
            &[
                ("VOID", true),
                ("CAPTURE", true),
                ("RESERVE", true),
                ("INITIATE", true),
            ],
            Some([10_000, 0, 0, 10_000]),
        );
        let failed = details(
            &[("RESERVE", false), ("INITIATE", true)],
            Some([0, 0, 0, 0]),
        );
        // (details, capture, cancel, refund, force approve): Ok or the error code in the reason.
        let table: [(&PaymentDetails, [&str; 4]); 8] = [
            (&initiated, ["62", "ok", "72", "ok"]),
            (&reserved, ["ok", "ok", "72", "92"]),
            (&partly, ["ok", "51", "ok", "92"]),
            (&full, ["61", "51", "ok", "92"]),
            (&refunded, ["61", "51", "71", "92"]),
            (&voided, ["91", "91", "73", "91"]),
            (&void_after_partial, ["91", "91", "ok", "91"]),
            (&failed, ["91", "91", "73", "91"]),
        ];
        for (i, (d, expected)) in table.iter().enumerate() {
            for (op, want) in [Capture, Cancel, Refund, ForceApprove]
                .into_iter()
                .zip(expected)
            {
                match d.check(op) {
                    Ok(()) => assert_eq!(*want, "ok", "row {i} {op:?}"),
                    Err(reason) => assert!(reason.contains(want), "row {i} {op:?}: {reason}"),
                }
            }
        }
    }

    #[test]
    fn parses_the_guide_example() {
        let body = r#"{"orderId":"acme-shop-123-order123abc","transactionSummary":{"capturedAmount":20000,"remainingAmountToCapture":0,
            "refundedAmount":20000,"remainingAmountToRefund":0,"bankIdentificationNumber":492560},
            "transactionLogHistory":[{"amount":20000,"transactionText":"Refund","transactionId":"5600727726","timeStamp":"2018-11-14T15:23:02.286Z","operation":"REFUND","requestId":"1","operationSuccess":true},
            {"amount":20000,"transactionText":"Socks","timeStamp":"2018-11-14T15:21:04.697Z","operation":"INITIATE","operationSuccess":true}]}"#;
        let d = PaymentDetails::parse(body).unwrap();
        assert_eq!(d.order_amount(), 20_000);
        assert_eq!(d.transaction_summary.unwrap().refunded_amount, 20_000);
        assert_eq!(d.transaction_log_history[1].transaction_id, None);
        assert!(PaymentDetails::parse("[]").is_err());
        assert_eq!(d.shipping_details, None);
    }

    #[test]
    fn reads_the_chosen_shipping_of_an_express_payment() {
        let body = r#"{"orderId":"o","transactionLogHistory":[],
            "shippingDetails":{"address":{"addressLine1":"Robert Levins gate 5","city":"Oslo","country":"Norway","postCode":"0154"},
            "shippingCost":49.9,"shippingMethod":"Express bike","shippingMethodId":"bike"}}"#;
        let shipping = PaymentDetails::parse(body)
            .unwrap()
            .shipping_details
            .unwrap();
        assert_eq!(
            shipping,
            Shipping {
                shipping_method: "Express bike".into(),
                shipping_method_id: "bike".into(),
                cost: 4_990,
            }
        );
        let negative = body.replace("49.9", "-1");
        assert!(PaymentDetails::parse(&negative).is_err());
    }

    #[test]
    fn the_reserved_amount_includes_the_shipping_of_an_express_payment() {
        let body = r#"{"orderId":"o","transactionLogHistory":[
            {"amount":54890,"operation":"RESERVE","operationSuccess":true,"timeStamp":"t","transactionText":"x"},
            {"amount":49900,"operation":"INITIATE","operationSuccess":true,"timeStamp":"t","transactionText":"x"}]}"#;
        let d = PaymentDetails::parse(body).unwrap();
        assert_eq!(
            (d.order_amount(), d.reserved_amount()),
            (49_900, Some(54_890))
        );
        let initiated = r#"{"orderId":"o","transactionLogHistory":[
            {"amount":49900,"operation":"INITIATE","operationSuccess":true,"timeStamp":"t","transactionText":"x"}]}"#;
        assert_eq!(
            PaymentDetails::parse(initiated).unwrap().reserved_amount(),
            None
        );
    }

    #[test]
    fn back_from_vipps_says_what_happened_and_what_is_next() {
        let parse = |log: &str| {
            PaymentDetails::parse(&format!(
                r#"{{"orderId":"o","transactionLogHistory":[{log}],"transactionSummary":{{"capturedAmount":0,"remainingAmountToCapture":100,"refundedAmount":0,"remainingAmountToRefund":0}}}}"#
            ))
                .unwrap()
                .back_from_vipps()
        };
        let entry = |op: &str, ok: bool| {
            format!(
                r#"{{"amount":100,"operation":"{op}","operationSuccess":{ok},"timeStamp":"t"}}"#
            )
        };
        let initiate = entry("INITIATE", true);
        let cases = [
            (
                format!("{},{initiate}", entry("RESERVE", true)),
                "approved",
                "capture",
            ),
            (
                format!("{},{initiate}", entry("SALE", true)),
                "captures directly",
                "refund",
            ),
            (
                format!("{},{initiate}", entry("CANCEL", true)),
                "cancelled",
                "new payment",
            ),
            (
                format!("{},{initiate}", entry("RESERVE", false)),
                "did not act in time",
                "new payment",
            ),
            (initiate, "not approved yet", "approve"),
        ];
        for (log, what, next) in cases {
            let (said, then) = parse(&log);
            assert!(said.contains(what), "{log}: {said}");
            assert!(then.contains(next), "{log}: {then}");
        }
    }
}
