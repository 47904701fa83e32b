//! The shapes of initiate (`POST /ecomm/v2/payments`, spec §3) that more than one side reads:
//! the express checkout shipping options, which the app sends, the sandbox reads and shows in
//! its app, and the merchant's shipping details answer repeats; and initiate's answer.

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
