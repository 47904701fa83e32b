//! The sandbox's callback log (`GET /__sim/callbacks`): every request it made, or would have
//! made, as Vipps to the merchant. The sandbox records and serves these records; the app's
//! Callbacks panel reads them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What kind of outbound request a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// The payment callback (`POST {callbackPrefix}/v2/payments/{orderId}`).
    Callback,
    /// Express checkout's shipping details request.
    ShippingDetails,
    /// `DELETE {consentRemovalPrefix}/v2/consents/{userId}`.
    ConsentRemoval,
}

/// How an attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Still being sent.
    Pending,
    /// The merchant answered (with any HTTP status).
    Delivered,
    /// No answer: refused, timed out, …
    Failed,
    /// Not sent: not a loopback host, or loopback delivery is off.
    Skipped,
    /// A result this build does not know (a newer sandbox).
    #[serde(other)]
    Unknown,
}

/// The `outcome` of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// How it went.
    pub result: Delivery,
    /// The merchant's HTTP status, when delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the attempt took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

impl Outcome {
    /// One line for the user, like `delivered: HTTP 200 in 3 ms`.
    pub fn summary(&self) -> String {
        let error = self.error.as_deref().unwrap_or("no reason given");
        match self.result {
            Delivery::Pending => "pending: still being sent, refresh in a moment".to_owned(),
            Delivery::Delivered => {
                let status = self
                    .status
                    .map_or_else(|| "answered".to_owned(), |s| format!("HTTP {s}"));
                let took = self
                    .duration_ms
                    .map(|ms| format!(" in {ms} ms"))
                    .unwrap_or_default();
                // Any answer ends the attempt, but only a 2xx means the merchant took it.
                match self.status {
                    Some(s) if !(200..300).contains(&s) => format!(
                        "refused by the merchant's server: {status}{took}. Vipps sends a callback once and does not retry, so the merchant must read the payment details instead"
                    ),
                    _ => format!("delivered: {status}{took}"),
                }
            }
            Delivery::Failed => format!("failed: {error}"),
            Delivery::Skipped => format!("skipped: {error}"),
            Delivery::Unknown => format!("unknown outcome: {error}"),
        }
    }
}

/// One recorded outbound request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The log's sequence number.
    pub id: u64,
    /// What the request was.
    pub kind: Kind,
    /// The merchant it was made for.
    pub msn: String,
    /// The payment it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The user it is about (consent removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `POST`, or `DELETE` for consent removal.
    pub method: String,
    /// The whole URL it went to.
    pub url: String,
    /// The headers sent, the merchant's `authToken` masked.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// When, in the sandbox's simulated time (ISO-8601).
    pub time_stamp: String,
    /// How the attempt went.
    pub outcome: Outcome,
    /// What the merchant answered, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
}

/// The body of `GET /__sim/callbacks`, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// The records.
    pub callbacks: Vec<Record>,
}
