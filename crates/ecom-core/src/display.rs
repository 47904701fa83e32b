//! How responses are shown: pretty JSON with secret fields masked unless revealed.

use serde_json::Value;

use crate::request::MASK;

/// JSON keys whose values are secrets wherever they appear in a body.
pub const SECRET_KEYS: [&str; 3] = ["access_token", "client_secret", "authToken"];

fn mask_in_place(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.as_str()) && v.is_string() {
                    *v = Value::String(MASK.to_owned());
                } else {
                    mask_in_place(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_in_place),
        _ => {}
    }
}

/// Pretty-prints a body for display. JSON is indented and, unless `reveal`, its secret fields
/// are masked; any other text is returned as it is.
pub fn pretty_body(body: &str, reveal: bool) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(mut value) => {
            if !reveal {
                mask_in_place(&mut value);
            }
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| body.to_owned())
        }
        Err(_) => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn non_json_is_shown_as_is() {
        assert_eq!(pretty_body("<html>", false), "<html>");
        assert_eq!(pretty_body("", false), "");
    }
}
