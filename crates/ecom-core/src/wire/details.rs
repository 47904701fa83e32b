//! Shapes shared by the details, capture, refund and cancel responses (spec §5): the
//! transaction log entry and the transaction summary. The app reads them, the sandbox writes
//! them. Fields are declared in alphabetical order, the order a `serde_json::Value` would give.

use serde::{Deserialize, Serialize};

/// One entry of `transactionLogHistory`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Amount in øre.
    pub amount: u64,
    /// `INITIATE`, `RESERVE`, `SALE`, `CAPTURE`, `REFUND`, `CANCEL` or `VOID`.
    pub operation: String,
    /// Whether the operation succeeded.
    pub operation_success: bool,
    /// The `X-Request-Id` of the operation, if any (MT leaves it out of the INITIATE entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// When it happened (ISO-8601).
    #[serde(default)]
    pub time_stamp: String,
    /// Vipps' transaction id, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The text of the request behind the entry.
    #[serde(default)]
    pub transaction_text: String,
}

/// `transactionSummary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The card's BIN, in details once the payment is reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_identification_number: Option<u32>,
    /// Captured so far, in øre.
    pub captured_amount: u64,
    /// Refunded so far, in øre.
    pub refunded_amount: u64,
    /// Still capturable, in øre.
    pub remaining_amount_to_capture: u64,
    /// Still refundable, in øre.
    pub remaining_amount_to_refund: u64,
}
