//! The shapes of initiate (`POST /ecomm/v2/payments`, spec §3) that more than one side reads:
//! the express checkout shipping options, which the app sends, the sandbox reads and shows in
//! its app, and the merchant's shipping details answer repeats; initiate's body and answer.

use serde::{Deserialize, Serialize};

/// One shipping option of express checkout (`staticShippingDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "WireOption", try_from = "WireOption")]
pub struct ShippingOption {
    /// Whether it is preselected.
    pub is_default: bool,
    /// Display order, ascending.
    pub priority: i64,
    /// Cost in øre; sent as `shippingCost`, a decimal number of NOK unlike every other amount.
    pub cost: u64,
    /// Name shown to the user.
    pub method: String,
    /// The merchant's id for it.
    pub method_id: String,
}

impl ShippingOption {
    /// The two options of the official Postman collection.
    pub fn postman_defaults() -> Vec<ShippingOption> {
        vec![
            ShippingOption {
                is_default: true,
                priority: 1,
                cost: 3_000,
                method: "Postman Method 1".into(),
                method_id: "shippingMethodId1".into(),
            },
            ShippingOption {
                is_default: false,
                priority: 2,
                cost: 10_000,
                method: "Postman Method 2".into(),
                method_id: "shippingMethodId2".into(),
            },
        ]
    }

    /// `shippingCost` as the API wants it: NOK as a decimal number.
    pub fn cost_nok(&self) -> f64 {
        // Exact for any cost parse_nok accepts (below 2^53 øre).
        self.cost as f64 / 100.0
    }
}

/// A shipping option as the API spells it: `isDefault` is `"Y"` or `"N"`, `shippingCost` a
/// decimal number of NOK.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOption {
    is_default: String,
    #[serde(default)]
    priority: i64,
    #[serde(default)]
    shipping_cost: f64,
    shipping_method: String,
    shipping_method_id: String,
}

impl From<ShippingOption> for WireOption {
    fn from(o: ShippingOption) -> WireOption {
        WireOption {
            is_default: if o.is_default { "Y" } else { "N" }.to_owned(),
            priority: o.priority,
            shipping_cost: o.cost_nok(),
            shipping_method: o.method,
            shipping_method_id: o.method_id,
        }
    }
}

impl TryFrom<WireOption> for ShippingOption {
    type Error = String;

    fn try_from(w: WireOption) -> Result<ShippingOption, String> {
        let is_default = match w.is_default.as_str() {
            "Y" => true,
            "N" => false,
            _ => return Err("isDefault must be \"Y\" or \"N\"".to_owned()),
        };
        Ok(ShippingOption {
            is_default,
            priority: w.priority,
            cost: ore_of_nok(w.shipping_cost)
                .ok_or_else(|| "shippingCost must be a number of NOK, at least 0".to_owned())?,
            method: w.shipping_method,
            method_id: w.shipping_method_id,
        })
    }
}

/// A finite, non-negative NOK amount (at most a million) in øre, rounded to the nearest øre.
pub fn ore_of_nok(nok: f64) -> Option<u64> {
    // The range check makes the cast exact: at most 10^8 øre.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ore = (nok.is_finite() && (0.0..=1_000_000.0).contains(&nok))
        .then(|| (nok * 100.0).round() as u64);
    ore
}

/// The body of initiate (`POST /ecomm/v2/payments`, spec §3.1).
///
/// Every part is optional, so that a reader (the sandbox) can say which required one is
/// missing instead of failing on the first; the app's builder fills what it sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateRequest {
    /// Required, may be empty (`{}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_info: Option<CustomerInfo>,
    /// Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_info: Option<MerchantInfo>,
    /// Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Transaction>,
}

/// `customerInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInfo {
    /// Prefills the landing page (8 digits; +47, 0047 and spaces are corrected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
}

/// `merchantInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantInfo {
    /// Sent back as `Authorization` on callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// Where callbacks go (`/v2/payments/{orderId}` is appended). Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_prefix: Option<String>,
    /// Express: where consent removals go. Required for express.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_removal_prefix: Option<String>,
    /// Where the user returns. Required; note the capital B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fall_back: Option<String>,
    /// Answer with a `vippsMT://` deeplink instead of the landing page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_app: Option<bool>,
    /// The sales unit; must match the `Merchant-Serial-Number` header. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_serial_number: Option<String>,
    /// [`super::REGULAR_PAYMENT`] (the default) or [`super::EXPRESS_PAYMENT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
    /// Express: where the app asks for shipping methods (dynamic shipping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_details_prefix: Option<String>,
    /// Express: the shipping methods to offer (static shipping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_shipping_details: Option<Vec<ShippingOption>>,
}

/// `transaction` of initiate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Airline data (spec §3.1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<AdditionalData>,
    /// In øre, at least 100. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Unique per sales unit. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Profile payments: the scopes asked for, space-separated ([`super::SCOPES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Straight to the app (whitelisted sales units only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_landing_page: Option<bool>,
    /// Shown in the app. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_text: Option<String>,
    /// Accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_explicit_checkout_flow: Option<bool>,
}

/// `transaction.additionalData`: airline data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalData {
    /// 1-6 characters. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_invoice_number: Option<String>,
    /// 3 characters. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub airline_code: Option<String>,
    /// 2 characters. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub airline_designator_code: Option<String>,
    /// 1-49 characters. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passenger_name: Option<String>,
    /// 1-150 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
}

/// What the sandbox, as Vipps, asks the merchant for dynamic shipping
/// (`POST {shippingDetailsPrefix}/v2/payments/{orderId}/shippingDetails`, spec §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetailsRequest {
    /// The address's id, repeated in the answer.
    pub address_id: u32,
    /// First address line.
    pub address_line1: String,
    /// Second address line; `null` when there is none.
    pub address_line2: Option<String>,
    /// `H` (home), `W` (work) or `O` (other).
    pub address_type: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Postal code.
    pub post_code: String,
    /// Postal code again, under the name the OpenAPI file also uses.
    pub postal_code: String,
}

/// The merchant's answer to [`ShippingDetailsRequest`]: the methods to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetailsResponse {
    /// The address's id, repeated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<u32>,
    /// The payment's orderId, repeated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The methods, at least one.
    pub shipping_details: Vec<ShippingOption>,
}

/// The answer of initiate: where to send the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateResponse {
    /// The payment's orderId.
    pub order_id: String,
    /// The landing page, or the app's deeplink for `isApp` payments.
    pub url: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn options_travel_as_the_api_spells_them() {
        let option = ShippingOption {
            is_default: true,
            priority: 2,
            cost: 19_950,
            method: "Running".into(),
            method_id: "b".into(),
        };
        let wire = serde_json::to_value(&option).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"isDefault": "Y", "priority": 2, "shippingCost": 199.5,
                               "shippingMethod": "Running", "shippingMethodId": "b"})
        );
        assert_eq!(
            serde_json::from_value::<ShippingOption>(wire).unwrap(),
            option
        );
        let bad =
            serde_json::json!({"isDefault": "yes", "shippingMethod": "a", "shippingMethodId": "b"});
        assert!(serde_json::from_value::<ShippingOption>(bad).is_err());
        assert_eq!(ore_of_nok(-1.0), None);
        assert_eq!(ore_of_nok(f64::NAN), None);
    }
}
