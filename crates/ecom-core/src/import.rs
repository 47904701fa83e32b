//! Importing the official Postman environment file, to fill credentials and session values.
//!
//! Vipps publishes a Postman environment (`{"values":[{"key","value","enabled"}, …]}`) whose
//! values are placeholders such as `<Set your client_id in the CURRENT VALUE column…>` until
//! the user fills them in. [`import`] reads such a file (as exported from Postman, or the
//! official one edited by hand), takes the keys the playground knows, and recognises
//! placeholders, empty and disabled entries as "not set". The [`ImportReport`] names what was
//! taken and what was skipped, and never holds a value, so it can be shown and logged.

use serde_json::Value;

use crate::settings::Credentials;
use crate::CoreError;

/// The largest text accepted; the official file is about 9 kB.
pub const MAX_BYTES: usize = 1_000_000;

/// Session values an environment file can carry, each `None` when not set in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedVars {
    /// `orderId`.
    pub order_id: Option<String>,
    /// `vippsLandingPageURL` (or `url`).
    pub landing_url: Option<String>,
    /// `payment_token`.
    pub payment_token: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
}

/// Why a known key was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The value is a placeholder like `<Set your client_id …>`.
    Placeholder,
    /// The value is empty.
    Empty,
    /// The entry is disabled (`"enabled": false`).
    Disabled,
    /// The value is not text (an object, a list, `null`, …).
    NotText,
    /// The value is longer than any real value of that key (see [`Target::max_chars`]): a
    /// paste gone wrong, which would only slow the page down.
    TooLong,
}

impl SkipReason {
    /// How the report counts `n` of this reason ("3 placeholders", "1 empty").
    fn counted(self, n: usize) -> &'static str {
        match self {
            SkipReason::Placeholder if n == 1 => "placeholder",
            SkipReason::Placeholder => "placeholders",
            SkipReason::Empty => "empty",
            SkipReason::Disabled => "disabled",
            SkipReason::NotText => "not text",
            SkipReason::TooLong => "too long",
        }
    }
}

/// What an import took and what it left, by name: never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The keys imported, as named in the file, in file order.
    pub imported: Vec<String>,
    /// Known keys that were present but not imported, and why.
    pub skipped: Vec<(String, SkipReason)>,
    /// How many other variables the file has (the playground does not use them).
    pub ignored: usize,
}

impl ImportReport {
    /// One line for the user: `Imported client_id, client_secret; skipped 3 placeholders
    /// (orderId, payment_token, sub); ignored 70 other variables.`
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.imported.is_empty() {
            parts.push("Nothing imported".to_owned());
        } else {
            parts.push(format!("Imported {}", self.imported.join(", ")));
        }
        let mut skipped = Vec::new();
        for reason in [
            SkipReason::Placeholder,
            SkipReason::Empty,
            SkipReason::Disabled,
            SkipReason::NotText,
            SkipReason::TooLong,
        ] {
            let names: Vec<&str> = self
                .skipped
                .iter()
                .filter(|(_, r)| *r == reason)
                .map(|(k, _)| k.as_str())
                .collect();
            if !names.is_empty() {
                skipped.push(format!(
                    "{} {} ({})",
                    names.len(),
                    reason.counted(names.len()),
                    names.join(", ")
                ));
            }
        }
        if !skipped.is_empty() {
            parts.push(format!("skipped {}", skipped.join(", ")));
        }
        if self.ignored > 0 {
            parts.push(format!(
                "ignored {} other variable{}",
                self.ignored,
                if self.ignored == 1 { "" } else { "s" }
            ));
        }
        format!("{}.", parts.join("; "))
    }
}

/// What an environment file held for the playground.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Credentials found; a field is empty when the file did not set it.
    pub credentials: Credentials,
    /// Session values found.
    pub vars: ImportedVars,
    /// What was taken and skipped.
    pub report: ImportReport,
}

impl Imported {
    /// Writes the imported credentials over `target`, leaving the fields the file did not set.
    pub fn merge_credentials_into(&self, target: &mut Credentials) {
        let fill = |target: &mut String, value: &String| {
            if !value.is_empty() {
                target.clone_from(value);
            }
        };
        let c = &self.credentials;
        fill(&mut target.client_id, &c.client_id);
        fill(&mut target.client_secret, &c.client_secret);
        fill(&mut target.subscription_key, &c.subscription_key);
        fill(
            &mut target.merchant_serial_number,
            &c.merchant_serial_number,
        );
        fill(&mut target.mobile_number, &c.mobile_number);
    }
}

/// Whether `value` is one of the file's `<Set your …>` placeholders.
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    value.len() >= 2 && value.starts_with('<') && value.ends_with('>')
}

/// Where a known key goes.
#[derive(Clone, Copy)]
enum Target {
    ClientId,
    ClientSecret,
    SubscriptionKey,
    MerchantSerialNumber,
    MobileNumber,
    OrderId,
    LandingUrl,
    LandingUrlAlias,
    PaymentToken,
    Sub,
}

impl Target {
    /// The most characters a real value of this key has, with room to spare: an orderId has
    /// at most 50 (spec §2.1), a phone number 8 digits and some formatting, an MSN 6 digits,
    /// keys and tokens a few hundred, a landing URL under 2,048.
    fn max_chars(self) -> usize {
        match self {
            Target::MerchantSerialNumber => 16,
            Target::MobileNumber => 32,
            Target::OrderId => 50,
            Target::Sub => 256,
            Target::ClientId | Target::ClientSecret | Target::SubscriptionKey => 512,
            Target::LandingUrl | Target::LandingUrlAlias | Target::PaymentToken => 4096,
        }
    }
}

fn target_of(key: &str) -> Option<Target> {
    Some(match key {
        "client_id" => Target::ClientId,
        "client_secret" => Target::ClientSecret,
        "Ocp-Apim-Subscription-Key" => Target::SubscriptionKey,
        "merchantSerialNumber" => Target::MerchantSerialNumber,
        "mobileNumber" => Target::MobileNumber,
        "orderId" => Target::OrderId,
        "vippsLandingPageURL" => Target::LandingUrl,
        "url" => Target::LandingUrlAlias,
        "payment_token" => Target::PaymentToken,
        "sub" => Target::Sub,
        _ => return None,
    })
}

/// The usable text of an entry's value, or why it is not usable.
fn usable_value(entry: &serde_json::Map<String, Value>) -> Result<String, SkipReason> {
    if entry.get("enabled").and_then(Value::as_bool) == Some(false) {
        return Err(SkipReason::Disabled);
    }
    let text = match entry.get("value") {
        None => return Err(SkipReason::Empty),
        Some(Value::String(s)) => s.trim().to_owned(),
        // Hand-written files may hold numbers (an MSN, a phone number) as numbers.
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(SkipReason::NotText),
    };
    if text.is_empty() {
        Err(SkipReason::Empty)
    } else if is_placeholder(&text) {
        Err(SkipReason::Placeholder)
    } else {
        Ok(text)
    }
}

/// Reads a Postman environment file (or its text pasted).
///
/// Unknown keys are counted as ignored; known keys whose value is a placeholder, empty, not
/// text, or disabled are reported as skipped. When a key appears twice, the last usable value
/// wins; `vippsLandingPageURL` wins over its alias `url`.
///
/// # Errors
/// [`CoreError`] when the text is empty, too large, not JSON, a collection, or JSON without
/// a `values` list.
pub fn import(text: &str) -> Result<Imported, CoreError> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(CoreError::ImportEmpty);
    }
    if text.len() > MAX_BYTES {
        return Err(CoreError::ImportTooLarge(text.len()));
    }
    // serde_json's syntax errors name a position and never quote the input, so they cannot
    // leak a secret from the file.
    let json: Value =
        serde_json::from_str(text).map_err(|e| CoreError::ImportNotJson(e.to_string()))?;
    let Some(object) = json.as_object() else {
        return Err(CoreError::ImportNotEnvironment);
    };
    let Some(values) = object.get("values").and_then(Value::as_array) else {
        return Err(
            if object.contains_key("item") && object.contains_key("info") {
                CoreError::ImportCollection
            } else {
                CoreError::ImportNotEnvironment
            },
        );
    };

    let mut imported = Imported::default();
    let mut alias_url = None;
    for entry in values.iter().filter_map(Value::as_object) {
        let Some(key) = entry.get("key").and_then(Value::as_str) else {
            continue;
        };
        let Some(target) = target_of(key) else {
            imported.report.ignored += 1;
            continue;
        };
        let value = match usable_value(entry).and_then(|v| {
            if v.chars().count() > target.max_chars() {
                Err(SkipReason::TooLong)
            } else {
                Ok(v)
            }
        }) {
            Ok(value) => value,
            Err(reason) => {
                // A key skipped twice is listed once, with the later reason.
                imported.report.skipped.retain(|(k, _)| k != key);
                imported.report.skipped.push((key.to_owned(), reason));
                continue;
            }
        };
        let c = &mut imported.credentials;
        let v = &mut imported.vars;
        match target {
            Target::ClientId => c.client_id = value,
            Target::ClientSecret => c.client_secret = value,
            Target::SubscriptionKey => c.subscription_key = value,
            Target::MerchantSerialNumber => c.merchant_serial_number = value,
            Target::MobileNumber => c.mobile_number = value,
            Target::OrderId => v.order_id = Some(value),
            Target::LandingUrl => v.landing_url = Some(value),
            Target::LandingUrlAlias => alias_url = Some(value),
            Target::PaymentToken => v.payment_token = Some(value),
            Target::Sub => v.sub = Some(value),
        }
        let report = &mut imported.report;
        report.skipped.retain(|(k, _)| k != key);
        if !report.imported.iter().any(|k| k == key) {
            report.imported.push(key.to_owned());
        }
    }
    if imported.vars.landing_url.is_none() {
        imported.vars.landing_url = alias_url;
    }
    // A key imported once and skipped in a later duplicate was still imported.
    let report = &mut imported.report;
    let taken = report.imported.clone();
    report.skipped.retain(|(k, _)| !taken.contains(k));
    Ok(imported)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::path::PathBuf;

    /// The official environment file: `shared/` sits beside the repository checkout.
    fn fixture() -> String {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let path =
            manifest.join("../../../shared/fixtures/vipps-api-global-postman-environment.json");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the official fixture at {}: {e}", path.display()))
    }

    /// The official file with the values a user fills in.
    fn filled() -> String {
        let mut json: Value = serde_json::from_str(&fixture()).unwrap();
        let fill = [
            ("client_id", "fd5ae5a1-client"),
            ("client_secret", "SECRET-client"),
            ("Ocp-Apim-Subscription-Key", "SECRET-subkey"),
            ("merchantSerialNumber", "123456"),
            ("mobileNumber", "  91234567 "),
            ("orderId", "acme-shop-123-order123abc"),
            ("sub", ""),
        ];
        for entry in json["values"].as_array_mut().unwrap() {
            let key = entry["key"].as_str().unwrap().to_owned();
            if let Some((_, value)) = fill.iter().find(|(k, _)| *k == key) {
                entry["value"] = (*value).into();
            }
            if key == "payment_token" {
                entry["value"] = "tok-123".into();
                entry["enabled"] = false.into();
            }
        }
        json.to_string()
    }

    #[test]
    fn the_official_file_imports_nothing_but_says_why() {
        let imported = import(&fixture()).unwrap();
        assert_eq!(imported.credentials, Credentials::default());
        assert_eq!(imported.vars, ImportedVars::default());
        let report = &imported.report;
        assert!(report.imported.is_empty());
        let skipped: Vec<&str> = report.skipped.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "mobileNumber",
                "client_id",
                "client_secret",
                "merchantSerialNumber",
                "Ocp-Apim-Subscription-Key",
                "orderId",
                "payment_token",
                "sub",
                "vippsLandingPageURL"
            ]
        );
        assert!(report
            .skipped
            .iter()
            .all(|(_, r)| *r == SkipReason::Placeholder));
        let summary = report.summary();
        assert!(
            summary.starts_with("Nothing imported; skipped 9 placeholders (mobileNumber, "),
            "{summary}"
        );
        assert!(summary.contains("; ignored "), "{summary}");
    }

    #[test]
    fn a_filled_in_file_imports_credentials_and_values() {
        let imported = import(&filled()).unwrap();
        assert_eq!(
            imported.credentials,
            Credentials {
                client_id: "fd5ae5a1-client".into(),
                client_secret: "SECRET-client".into(),
                subscription_key: "SECRET-subkey".into(),
                merchant_serial_number: "123456".into(),
                mobile_number: "91234567".into(),
            }
        );
        assert_eq!(
            imported.vars,
            ImportedVars {
                order_id: Some("acme-shop-123-order123abc".into()),
                ..ImportedVars::default()
            }
        );
        let summary = imported.report.summary();
        assert!(
            summary.starts_with(
                "Imported mobileNumber, client_id, client_secret, merchantSerialNumber, \
                 Ocp-Apim-Subscription-Key, orderId; skipped 1 placeholder \
                 (vippsLandingPageURL), 1 empty (sub), 1 disabled (payment_token); ignored "
            ),
            "{summary}"
        );
        let debug = format!("{:?}", imported.report);
        assert!(!debug.contains("SECRET-"), "{debug}");
    }

    #[test]
    fn merging_keeps_what_the_file_did_not_set() {
        let text = r#"{"values":[{"key":"client_secret","value":"new-secret"},{"key":"client_id","value":"<Set it>"}]}"#;
        let imported = import(text).unwrap();
        let mut target = Credentials::demo();
        imported.merge_credentials_into(&mut target);
        assert_eq!(target.client_secret, "new-secret");
        assert_eq!(target.client_id, crate::demo::CLIENT_ID);
        assert_eq!(target.subscription_key, crate::demo::SUBSCRIPTION_KEY);
    }

    #[test]
    fn values_of_other_shapes() {
        let text = r#"{"values":[
            {"key":"merchantSerialNumber","value":123456},
            {"key":"mobileNumber","value":null},
            {"key":"url","value":"https://landing/alias"},
            {"key":"sub","value":"sub-1"},
            {"key":"sub","value":"<overwritten later>"},
            {"key":"client_id"},
            {"value":"no key"},
            "not an object",
            {"key":"amount","value":"49900"}
        ]}"#;
        let imported = import(text).unwrap();
        assert_eq!(imported.credentials.merchant_serial_number, "123456");
        assert_eq!(
            imported.vars.landing_url.as_deref(),
            Some("https://landing/alias")
        );
        assert_eq!(imported.vars.sub.as_deref(), Some("sub-1"));
        assert_eq!(
            imported.report.summary(),
            "Imported merchantSerialNumber, url, sub; skipped 1 empty (client_id), \
             1 not text (mobileNumber); ignored 1 other variable."
        );
        let both = r#"{"values":[{"key":"vippsLandingPageURL","value":"https://a"},{"key":"url","value":"https://b"}]}"#;
        assert_eq!(
            import(both).unwrap().vars.landing_url.as_deref(),
            Some("https://a")
        );
    }

    #[test]
    fn bad_input_says_what_to_do() {
        let collection = r#"{"info":{"name":"x"},"item":[]}"#;
        let cases: [(&str, CoreError); 6] = [
            ("", CoreError::ImportEmpty),
            ("  \n", CoreError::ImportEmpty),
            ("client_id=abc", CoreError::ImportNotJson(String::new())),
            (collection, CoreError::ImportCollection),
            (r#"{"values":{}}"#, CoreError::ImportNotEnvironment),
            ("[1,2]", CoreError::ImportNotEnvironment),
        ];
        for (text, expected) in cases {
            let err = import(text).unwrap_err();
            match (&err, &expected) {
                (CoreError::ImportNotJson(why), CoreError::ImportNotJson(_)) => {
                    assert!(why.contains("line 1"), "{why}");
                }
                _ => assert_eq!(err, expected, "{text}"),
            }
            let message = err.to_string();
            assert!(message.contains("Postman"), "{message}");
        }
        let huge = format!("{{\"values\":[],\"pad\":\"{}\"}}", "x".repeat(MAX_BYTES));
        assert!(matches!(import(&huge), Err(CoreError::ImportTooLarge(_))));
    }

    #[test]
    fn a_broken_file_does_not_quote_its_secrets_in_the_error() {
        let text = r#"{"values":[{"key":"client_secret","value":"SECRET-x"}"#;
        let message = import(text).unwrap_err().to_string();
        assert!(message.starts_with("this is not JSON"), "{message}");
        assert!(!message.contains("SECRET-x"), "{message}");
    }

    #[test]
    fn values_longer_than_any_real_one_are_skipped_by_name() {
        let huge_order = "1".repeat(4_000_000);
        let text = format!(
            r#"{{"values":[{{"key":"orderId","value":"{huge_order}"}},{{"key":"client_id","value":"ok-id"}},{{"key":"vippsLandingPageURL","value":"https://h/{}"}},{{"key":"orderId","value":"{}"}}]}}"#,
            "x".repeat(5000),
            "9".repeat(51)
        );
        // The whole file is over MAX_BYTES; a file just under it takes the same path.
        assert!(matches!(import(&text), Err(CoreError::ImportTooLarge(_))));
        let text = text.replace(&huge_order, &"1".repeat(60));
        let imported = import(&text).unwrap();
        assert_eq!(imported.vars.order_id, None);
        assert_eq!(imported.vars.landing_url, None);
        assert_eq!(imported.credentials.client_id, "ok-id");
        let summary = imported.report.summary();
        assert!(
            summary.contains("skipped 2 too long (vippsLandingPageURL, orderId)"),
            "{summary}"
        );
        assert!(!summary.contains("111"), "{summary}");
    }

    #[test]
    fn placeholders() {
        for (value, expected) in [
            ("<Set your client_id>", true),
            ("  <x>  ", true),
            ("<", false),
            ("<>", true),
            ("a<b>", false),
            ("https://x", false),
        ] {
            assert_eq!(is_placeholder(value), expected, "{value}");
        }
    }
}
