//! Shapes of the payment views (spec §5, §9): details, status and the payment callback, and
//! the transaction log entry and summary they share with capture, refund and cancel. The app
//! reads them, the sandbox writes them. Fields are declared in alphabetical order, the order a
//! `serde_json::Value` would give.

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

/// The body of `GET /ecomm/v2/payments/{orderId}/details` (spec §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    /// The payment's orderId.
    pub order_id: String,
    /// Shipping address and method of an express payment, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<ShippingDetails>,
    /// The `sub` of a profile payment, for the Userinfo API (once it is visible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Every operation, newest first.
    #[serde(default)]
    pub transaction_log_history: Vec<LogEntry>,
    /// The amounts, once the payment left INITIATE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_summary: Option<Summary>,
    /// Who paid, for express and profile payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_details: Option<UserDetails>,
}

/// `shippingDetails` of details and of the express callback. The address differs between
/// the two (`postCode` in details, `zipCode` in the callback), as on MT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetails {
    /// Where to ship.
    pub address: Address,
    /// The chosen method's cost, a decimal number of NOK (like `staticShippingDetails`).
    pub shipping_cost: f64,
    /// The chosen method's name.
    pub shipping_method: String,
    /// The merchant's id of the chosen method.
    pub shipping_method_id: String,
}

/// A shipping address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// First address line.
    pub address_line1: String,
    /// Second address line (may be empty).
    pub address_line2: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Postal code, as details names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_code: Option<String>,
    /// Postal code, as the callback names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

/// `userDetails` of details and of the callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetails {
    /// E-mail address.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Phone number.
    pub mobile_number: String,
    /// The `sub` of a profile payment, an opaque id for express.
    pub user_id: String,
}

/// The body of the deprecated `GET /ecomm/v2/payments/{orderId}/status` (spec §3.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The payment's orderId.
    pub order_id: String,
    /// The parent transaction.
    pub transaction_info: TransactionInfo,
}

/// `transactionInfo` of the status body and of the payment callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionInfo {
    /// Amount in øre.
    pub amount: i64,
    /// The state as the API names it (`RESERVED`, `SALE`, `REJECTED`, …).
    pub status: String,
    /// When (ISO-8601).
    pub time_stamp: String,
    /// Vipps' transaction id, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
}

/// The body of a payment callback, `POST {callbackPrefix}/v2/payments/{orderId}` (spec §9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callback {
    /// Why the payment failed, for a failed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_info: Option<ErrorInfo>,
    /// The merchant the payment belongs to.
    pub merchant_serial_number: String,
    /// The payment's orderId.
    pub order_id: String,
    /// Shipping address and method of an express payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<ShippingDetails>,
    /// What happened.
    pub transaction_info: TransactionInfo,
    /// Who paid, for express and profile payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_details: Option<UserDetails>,
}

/// `errorInfo` of a failed payment's callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// The error code (`45`, …).
    pub error_code: String,
    /// Always `PAYMENTS` on MT.
    pub error_group: String,
    /// The documented text.
    pub error_message: String,
}

/// The body of a capture or cancel answer (spec §3.3, §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureResponse {
    /// The payment's orderId.
    pub order_id: String,
    /// The operation that was done.
    pub transaction_info: Operation,
    /// The amounts after it.
    pub transaction_summary: Summary,
}

/// The body of a refund answer (spec §3.5): like capture's, under `transaction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    /// The payment's orderId.
    pub order_id: String,
    /// The operation that was done.
    pub transaction: Operation,
    /// The amounts after it.
    pub transaction_summary: Summary,
}

/// One operation in a capture, cancel or refund answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Amount in øre.
    pub amount: i64,
    /// `Captured`, `Cancelled` or `Refund`.
    pub status: String,
    /// When (ISO-8601).
    pub time_stamp: String,
    /// Vipps' transaction id (a cancel before the landing page has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The request's `transactionText`.
    pub transaction_text: String,
}

/// The body of capture, refund (spec §3.3, §3.5) and cancel (§3.4). Every part is optional,
/// so that a reader can say which one is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRequest {
    /// The sales unit. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_info: Option<MerchantRef>,
    /// Cancel after a partial capture: release what was not captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_release_remaining_funds: Option<bool>,
    /// What to do. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<OperationText>,
}

/// `merchantInfo` of capture, refund and cancel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantRef {
    /// Must match the `Merchant-Serial-Number` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_serial_number: Option<String>,
}

/// `transaction` of capture, refund and cancel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationText {
    /// In øre; omitted or 0 means everything that remains (capture, refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The text of the operation. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_text: Option<String>,
}

/// The body of force approve (`POST /ecomm/v2/integration-test/payments/{orderId}/approve`,
/// spec §8); both fields may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApproveRequest {
    /// The test user who approves (8 digits; +47 and spaces are corrected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_phone_number: Option<String>,
    /// The payment's landing-page token, which must match if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}
