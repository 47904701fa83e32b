//! The Postman collection's initiate bodies (spec §3.1.2), with the environment's values.
//!
//! Tests start from these and change one thing, so every failure is about that one thing.

use serde_json::{json, Value};

/// `callbackPrefix` of the official Postman environment.
pub const PM_CALLBACK_PREFIX: &str = "https://example.com/callbacks-for-payment-update-from-vipps";
/// `fallBack` of the official Postman environment.
pub const PM_FALLBACK: &str =
    "https://example.com/fallback-result-page-for-both-success-and-failure/acme-shop-123-order123abc";
/// `consentRemovalPrefix` of the official Postman environment.
pub const PM_CONSENT_REMOVAL_PREFIX: &str = "https://example.com/consent-removal";
/// `shippingDetailsPrefix` of the official Postman environment.
pub const PM_SHIPPING_DETAILS_PREFIX: &str = "https://example.com/shipping";
/// `amount` of the official Postman environment (øre).
pub const PM_AMOUNT: i64 = 49900;
/// The profile flow's scope in the collection.
pub const PM_PROFILE_SCOPE: &str = "address name email birthDate phoneNumber";

/// Where the sandbox should send callbacks and the user back to.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `merchantInfo.callbackPrefix`.
    pub callback_prefix: String,
    /// `merchantInfo.fallBack`.
    pub fallback: String,
    /// `merchantInfo.consentRemovalPrefix` (express).
    pub consent_removal_prefix: String,
}

impl Default for Urls {
    fn default() -> Self {
        Self {
            callback_prefix: PM_CALLBACK_PREFIX.into(),
            fallback: PM_FALLBACK.into(),
            consent_removal_prefix: PM_CONSENT_REMOVAL_PREFIX.into(),
        }
    }
}

/// "Initiate Payment": the regular body.
pub fn regular(msn: &str, mobile: &str, order_id: &str, auth_token: &str, urls: &Urls) -> Value {
    json!({
        "merchantInfo": {
            "authToken": auth_token,
            "callbackPrefix": urls.callback_prefix,
            "fallBack": urls.fallback,
            "merchantSerialNumber": msn
        },
        "customerInfo": { "mobileNumber": mobile },
        "transaction": {
            "amount": PM_AMOUNT,
            "orderId": order_id,
            "transactionText": "This payment was initiated.",
            "skipLandingPage": false
        }
    })
}

/// "Initiate Payment - Express Checkout": static shipping 30 and 100 NOK.
pub fn express(msn: &str, mobile: &str, order_id: &str, auth_token: &str, urls: &Urls) -> Value {
    json!({
        "merchantInfo": {
            "authToken": auth_token,
            "callbackPrefix": urls.callback_prefix,
            "consentRemovalPrefix": urls.consent_removal_prefix,
            "fallBack": urls.fallback,
            "merchantSerialNumber": msn,
            "paymentType": "eComm Express Payment",
            "shippingDetailsPrefix": PM_SHIPPING_DETAILS_PREFIX,
            "staticShippingDetails": [
                { "isDefault": "Y", "priority": 1, "shippingCost": 30,
                  "shippingMethod": "Postman Method 1", "shippingMethodId": "shippingMethodId1" },
                { "isDefault": "N", "priority": 2, "shippingCost": 100,
                  "shippingMethod": "Postman Method 2", "shippingMethodId": "shippingMethodId2" }
            ]
        },
        "customerInfo": { "mobileNumber": mobile },
        "transaction": {
            "amount": PM_AMOUNT,
            "orderId": order_id,
            "transactionText": "This payment was initiated."
        }
    })
}

/// "Initiate Payment - Profile flow": the regular body plus `scope`.
pub fn profile(msn: &str, mobile: &str, order_id: &str, auth_token: &str, urls: &Urls) -> Value {
    let mut body = regular(msn, mobile, order_id, auth_token, urls);
    body["transaction"]["scope"] = json!(PM_PROFILE_SCOPE);
    body
}
