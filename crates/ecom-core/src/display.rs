//! How responses are shown: pretty JSON with secret fields masked unless revealed.

use serde_json::Value;

use crate::request::MASK;

/// A duration in whole milliseconds (`12.6` → `"13"`), for timings shown beside a response or
/// in the history. Integer formatting, not `{:.0}`: the fixed-precision float formatter would
/// add several KB to the browser app for a number that never needs decimals. Not finite or negative shows `0`.
pub fn whole_ms(ms: f64) -> String {
    if ms.is_finite() && ms > 0.0 {
        // Saturating cast; a duration beyond u64 milliseconds is not a real measurement.
        (ms.round() as u64).to_string()
    } else {
        "0".to_owned()
    }
}

/// JSON keys whose values are secrets wherever they appear in a body.
pub const SECRET_KEYS: [&str; 3] = ["access_token", "client_secret", "authToken"];

/// Calls `f` on every string value of a [`SECRET_KEYS`] key, at any depth.
fn for_each_secret(value: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.as_str()) && v.is_string() {
                    f(v);
                } else {
                    for_each_secret(v, f);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| for_each_secret(v, f)),
        _ => {}
    }
}

/// The secret string values in a JSON value (for scrubbing them from other text).
pub fn secret_values(value: &Value) -> Vec<String> {
    let mut copy = value.clone();
    let mut found = Vec::new();
    for_each_secret(&mut copy, &mut |v| {
        if let Value::String(s) = v {
            found.push(std::mem::take(s));
        }
    });
    found
}

/// Pretty-prints a body for display. JSON is indented; any other text is shown as it is.
/// Unless `reveal`, secret values are masked in both: text that is not JSON (a raw body
/// being edited, say) still has the string values of secret keys taken out.
pub fn pretty_body(body: &str, reveal: bool) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => pretty_value(value, reveal),
        Err(_) if reveal => body.to_owned(),
        Err(_) => crate::curl::mask_text(body),
    }
}

/// Pretty-prints a JSON value for display, secret values masked unless `reveal`.
pub fn pretty_value(mut value: Value, reveal: bool) -> String {
    if !reveal {
        for_each_secret(&mut value, &mut |v| *v = Value::String(MASK.to_owned()));
    }
    serde_json::to_string_pretty(&value).expect("JSON values serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_milliseconds_round_and_never_show_nonsense() {
        assert_eq!(whole_ms(12.4), "12");
        assert_eq!(whole_ms(12.5), "13");
        assert_eq!(whole_ms(0.2), "0");
        assert_eq!(whole_ms(1234.9), "1235");
        assert_eq!(whole_ms(-3.0), "0");
        assert_eq!(whole_ms(f64::NAN), "0");
        assert_eq!(whole_ms(f64::INFINITY), "0");
    }

    #[test]
    fn masks_secret_fields_at_any_depth() {
        let body = r#"{"access_token":"eyJ.secret","expires_in":"3599","merchantInfo":{"authToken":"abc","callbackPrefix":"https://x"}}"#;
        let shown = pretty_body(body, false);
        assert!(
            !shown.contains("eyJ.secret") && !shown.contains("\"abc\""),
            "{shown}"
        );
        assert!(shown.contains("\"expires_in\": \"3599\""), "{shown}");
        assert!(pretty_body(body, true).contains("eyJ.secret"));
    }

    #[test]
    fn secrets_in_broken_json_are_masked_too() {
        let body = r#"{"merchantInfo": {"authToken": "abc-secret", "fallBack": "x"},"#;
        let shown = pretty_body(body, false);
        assert!(
            !shown.contains("abc-secret") && shown.contains("fallBack"),
            "{shown}"
        );
        assert_eq!(pretty_body(body, true), body);
        let value: Value =
            serde_json::from_str(r#"{"a":[{"access_token":"t1"}],"client_secret":"s"}"#)
                .expect("json");
        assert_eq!(secret_values(&value), ["t1", "s"]);
    }

    #[test]
    fn non_json_is_shown_as_is() {
        assert_eq!(pretty_body("<html>", false), "<html>");
        assert_eq!(pretty_body("", false), "");
    }
}
