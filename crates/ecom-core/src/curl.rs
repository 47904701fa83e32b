//! "Copy as curl": any request as a copy-pasteable bash command.
//!
//! The command is meant to be pasted into a terminal or a bug report, so by default it holds
//! no secret: every secret header and every secret JSON body field (see
//! [`crate::display::SECRET_KEYS`]) becomes a shell variable (`$CLIENT_SECRET`, …) that the
//! user exports first, as the leading comment line says. Everything else is single-quoted,
//! which makes bash take it literally whatever it holds (quotes, `$`, backticks, newlines);
//! double quotes appear only around the variables that must expand.

use crate::display::SECRET_KEYS;
use crate::request::{ApiRequest, Header, Method};

/// The shell variable that stands for a secret header, by header name (case-insensitive),
/// together with the literal text that precedes it in the value.
fn header_variable(header: &Header) -> (&'static str, String) {
    match header.name.to_ascii_lowercase().as_str() {
        "authorization" if header.value.starts_with("Bearer ") => {
            ("Bearer ", "ACCESS_TOKEN".into())
        }
        "authorization" => ("", "ACCESS_TOKEN".into()),
        "client_secret" => ("", "CLIENT_SECRET".into()),
        "ocp-apim-subscription-key" => ("", "SUBSCRIPTION_KEY".into()),
        "x-proxy-token" => ("", "PROXY_TOKEN".into()),
        _ => ("", upper_snake(&header.name)),
    }
}

/// The shell variable that stands for a secret body field.
fn body_variable(key: &str) -> String {
    match key {
        "access_token" => "ACCESS_TOKEN".into(),
        "client_secret" => "CLIENT_SECRET".into(),
        "authToken" => "AUTH_TOKEN".into(),
        other => upper_snake(other),
    }
}

/// `Ocp-Apim-Subscription-Key` → `OCP_APIM_SUBSCRIPTION_KEY`, `authToken` → `AUTH_TOKEN`: a
/// valid shell variable name for any input.
pub fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_uppercase());
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.is_empty() {
        "SECRET".to_owned()
    } else if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// `text` as one bash word that is taken literally: single-quoted, with each `'` written as
/// `'\''` (close, escaped quote, reopen).
pub fn single_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Whether `text` means the same inside double quotes as inside single quotes. Interactive
/// bash expands `!` in double quotes, so it counts as special too.
fn plain_in_double_quotes(text: &str) -> bool {
    !text.contains(['"', '\\', '$', '`', '!', '\n'])
}

/// A bash word for literal text followed by `$variable`: `"text$VAR"` when that reads the same,
/// otherwise `'text'"$VAR"`.
fn with_variable(literal: &str, variable: &str) -> String {
    if plain_in_double_quotes(literal) {
        format!("\"{literal}${variable}\"")
    } else {
        format!("{}\"${variable}\"", single_quote(literal))
    }
}

/// The part of a body after a string literal that starts at `start` (at its opening `"`);
/// `None` when the string is not closed.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Splits a JSON body into literal text and secret string values, without re-serialising it
/// (so the command shows the body exactly as it is sent). Works on any text: a body that is
/// not valid JSON still has the string values of secret keys taken out.
fn body_parts(body: &str) -> Vec<BodyPart<'_>> {
    let bytes = body.as_bytes();
    let mut parts = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let Some(key_end) = string_end(bytes, i) else {
            break;
        };
        let key = &body[i + 1..key_end - 1];
        let colon = skip_whitespace(bytes, key_end);
        if SECRET_KEYS.contains(&key) && bytes.get(colon) == Some(&b':') {
            let value_start = skip_whitespace(bytes, colon + 1);
            if bytes.get(value_start) == Some(&b'"') {
                if let Some(value_end) = string_end(bytes, value_start) {
                    parts.push(BodyPart::Literal(&body[literal_start..=value_start]));
                    parts.push(BodyPart::Secret(key));
                    literal_start = value_end - 1;
                    i = value_end;
                    continue;
                }
            }
        }
        i = key_end;
    }
    parts.push(BodyPart::Literal(&body[literal_start..]));
    parts
}

/// A piece of a body: text sent as it is, or the value of a secret field (given by its key).
enum BodyPart<'a> {
    Literal(&'a str),
    Secret(&'a str),
}

/// `body` with the string values of secret keys replaced by the mask, for display.
pub(crate) fn mask_text(body: &str) -> String {
    body_parts(body)
        .into_iter()
        .map(|part| match part {
            BodyPart::Literal(text) => text,
            BodyPart::Secret(_) => crate::request::MASK,
        })
        .collect()
}

/// The variables a command needs, in order of first use, each once.
#[derive(Default)]
struct Variables(Vec<String>);

impl Variables {
    fn add(&mut self, name: String) -> String {
        if !self.0.contains(&name) {
            self.0.push(name.clone());
        }
        name
    }
}

/// `request` as a multi-line bash `curl` command to `url`.
///
/// Unless `reveal`, secret headers (`Header::secret`) and the string values of the JSON body
/// fields in [`SECRET_KEYS`] are replaced by shell variables — `Authorization: Bearer
/// $ACCESS_TOKEN`, `client_secret: $CLIENT_SECRET`, `Ocp-Apim-Subscription-Key:
/// $SUBSCRIPTION_KEY`, `X-Proxy-Token: $PROXY_TOKEN`, a body's `authToken` by `$AUTH_TOKEN`,
/// others by the upper-snake form of their name — and a first comment line lists the variables
/// to export. A POST or PUT without a body sends `--data ''`, so that curl sends
/// `Content-Length: 0` as the browser does (the token API wants "a POST with no body"); a body
/// starting with `@` goes in `--data-raw`, which does not read it as a file name.
pub fn to_curl(request: &ApiRequest, url: &str, reveal: bool) -> String {
    let mut variables = Variables::default();
    let mut args = vec![
        format!("curl -X {}", request.method.as_str()),
        single_quote(url),
    ];
    for header in &request.headers {
        args.push(if header.secret && !reveal {
            let (prefix, variable) = header_variable(header);
            let variable = variables.add(variable);
            format!(
                "-H {}",
                with_variable(&format!("{}: {prefix}", header.name), &variable)
            )
        } else {
            format!(
                "-H {}",
                single_quote(&format!("{}: {}", header.name, header.value))
            )
        });
    }
    match &request.body {
        Some(body) => {
            // `--data @file` would read a file: a body starting with `@` must be sent raw.
            let flag = if body.starts_with('@') {
                "--data-raw"
            } else {
                "--data"
            };
            let word = if reveal {
                single_quote(body)
            } else {
                body_parts(body)
                    .into_iter()
                    .map(|part| match part {
                        BodyPart::Literal(text) => single_quote(text),
                        BodyPart::Secret(key) => {
                            format!("\"${}\"", variables.add(body_variable(key)))
                        }
                    })
                    .collect()
            };
            args.push(format!("{flag} {word}"));
        }
        None if request.method != Method::Get => args.push("--data ''".to_owned()),
        None => {}
    }
    let command = args.join(" \\\n  ");
    if variables.0.is_empty() {
        command
    } else {
        let exports: Vec<String> = variables.0.iter().map(|v| format!("{v}=…")).collect();
        format!("# export {}\n{command}", exports.join(" "))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::payment::initiate_request;
    use crate::settings::Credentials;
    use crate::token::access_token_request;
    use std::process::Command;

    const URL: &str = "http://127.0.0.1:8080/sandbox/ecomm/v2/payments";

    fn creds() -> Credentials {
        Credentials {
            client_id: "my-id".into(),
            client_secret: "SECRET-client".into(),
            subscription_key: "SECRET-subkey".into(),
            merchant_serial_number: "123456".into(),
            mobile_number: "91234567".into(),
        }
    }

    /// Runs `command` in bash with `curl` replaced by a function that prints its arguments, and
    /// the given variables exported; returns the arguments curl would have received.
    fn curl_args(command: &str, env: &[(&str, &str)]) -> Vec<String> {
        let script = format!("curl() {{ printf '%s\\0' \"$@\"; }}\n{command}");
        let output = Command::new("bash")
            .arg("-c")
            .arg(script)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().copied())
            .output()
            .expect("bash is installed");
        assert!(
            output.status.success(),
            "{command}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout.split_terminator('\0').map(str::to_owned).collect()
    }

    fn syntax_ok(command: &str) {
        let output = Command::new("bash")
            .args(["-n", "-c", command])
            .output()
            .expect("bash is installed");
        assert!(
            output.status.success(),
            "bash -n rejected:\n{command}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn access_token_request_uses_variables_for_secrets() {
        let command = to_curl(&access_token_request(&creds()), URL, false);
        assert!(
            command.starts_with("# export CLIENT_SECRET=… SUBSCRIPTION_KEY=…\ncurl -X POST "),
            "{command}"
        );
        assert!(
            command.contains("-H \"client_secret: $CLIENT_SECRET\""),
            "{command}"
        );
        assert!(
            command.contains("-H \"Ocp-Apim-Subscription-Key: $SUBSCRIPTION_KEY\""),
            "{command}"
        );
        assert!(command.contains("-H 'client_id: my-id'"), "{command}");
        assert!(command.ends_with("--data ''"), "{command}");
        assert!(!command.contains("SECRET-"), "{command}");
        let args = curl_args(
            &command,
            &[
                ("CLIENT_SECRET", "from-env"),
                ("SUBSCRIPTION_KEY", "key-env"),
            ],
        );
        assert_eq!(&args[..3], ["-X", "POST", URL]);
        assert!(
            args.contains(&"client_secret: from-env".to_owned()),
            "{args:?}"
        );
        assert!(
            args.contains(&"Ocp-Apim-Subscription-Key: key-env".to_owned()),
            "{args:?}"
        );
        assert_eq!(args[args.len() - 2..], ["--data", ""]);
    }

    #[test]
    fn revealed_command_sends_exactly_the_request() {
        let request = access_token_request(&creds());
        let command = to_curl(&request, URL, true);
        assert!(command.starts_with("curl -X POST"), "{command}");
        let args = curl_args(&command, &[]);
        let headers: Vec<String> = request
            .headers
            .iter()
            .map(|h| format!("{}: {}", h.name, h.value))
            .collect();
        let sent: Vec<&String> = args.iter().skip(4).step_by(2).take(headers.len()).collect();
        assert_eq!(sent, headers.iter().collect::<Vec<_>>());
        assert!(args.contains(&"client_secret: SECRET-client".to_owned()));
    }

    #[test]
    fn bearer_token_and_body_secrets_become_variables() {
        let body = serde_json::json!({
            "merchantInfo": { "merchantSerialNumber": "123456", "authToken": "SECRET-auth" },
            "transaction": { "orderId": "order-1", "amount": 49900, "transactionText": "it's" }
        });
        let request = initiate_request(&creds(), &body).authorized("SECRET-token");
        let command = to_curl(&request, URL, false);
        assert!(
            command.starts_with("# export ACCESS_TOKEN=… SUBSCRIPTION_KEY=… AUTH_TOKEN=…\n"),
            "{command}"
        );
        assert!(
            command.contains("-H \"Authorization: Bearer $ACCESS_TOKEN\""),
            "{command}"
        );
        assert!(!command.contains("SECRET-"), "{command}");
        let args = curl_args(
            &command,
            &[
                ("ACCESS_TOKEN", "tok"),
                ("SUBSCRIPTION_KEY", "sub"),
                ("AUTH_TOKEN", "auth-from-env"),
            ],
        );
        assert!(
            args.contains(&"Authorization: Bearer tok".to_owned()),
            "{args:?}"
        );
        let sent = args.last().unwrap();
        let expected = request
            .body
            .as_deref()
            .unwrap()
            .replace("SECRET-auth", "auth-from-env");
        assert_eq!(
            sent, &expected,
            "the body is sent unchanged apart from the secret"
        );
        let json: serde_json::Value = serde_json::from_str(sent).unwrap();
        assert_eq!(json["merchantInfo"]["authToken"], "auth-from-env");
        assert_eq!(json["transaction"]["orderId"], "order-1");
    }

    #[test]
    fn nasty_values_survive_bash_literally() {
        let nasty = [
            "it's",
            "\"double\"",
            "$HOME and ${PATH}",
            "`id` $(id)",
            "back\\slash",
            "new\nline",
            "bang! !!",
            "'''",
            "tab\tand ; | & > <",
        ];
        for value in nasty {
            let body = serde_json::json!({ "text": value, "authToken": value }).to_string();
            let request = ApiRequest {
                method: Method::Put,
                path: "/x".into(),
                bearer: false,
                headers: vec![
                    Header::plain("X-Plain", value),
                    Header::secret(&format!("X-{value}"), "hidden"),
                    Header::secret("Authorization", "Bearer SECRET-token"),
                ],
                body: Some(format!("{body}\n{value}")),
            };
            for reveal in [false, true] {
                let command = to_curl(&request, &format!("http://h/{value}"), reveal);
                syntax_ok(&command);
                let secret_var = upper_snake(&format!("X-{value}"));
                let args = curl_args(
                    &command,
                    &[
                        ("ACCESS_TOKEN", "tok"),
                        ("AUTH_TOKEN", "auth"),
                        (secret_var.as_str(), "hidden-env"),
                    ],
                );
                assert_eq!(args[2], format!("http://h/{value}"), "{command}");
                assert_eq!(args[4], format!("X-Plain: {value}"), "{command}");
                let hidden = if reveal { "hidden" } else { "hidden-env" };
                assert_eq!(args[6], format!("X-{value}: {hidden}"), "{command}");
                let auth = if reveal { value } else { "auth" };
                let expected_body = serde_json::json!({ "text": value, "authToken": auth });
                let sent = args.last().unwrap();
                let (json, tail) = sent.split_once('\n').unwrap_or((sent, ""));
                let sent_json: serde_json::Value = serde_json::from_str(json).unwrap();
                assert_eq!(sent_json, expected_body, "{command}");
                assert_eq!(tail, value, "{command}");
                assert!(!command.contains("SECRET-token") || reveal, "{command}");
            }
        }
    }

    #[test]
    fn body_starting_with_at_is_not_read_as_a_file() {
        let request = ApiRequest {
            method: Method::Post,
            path: "/x".into(),
            bearer: false,
            headers: vec![],
            body: Some("@/etc/passwd".into()),
        };
        let command = to_curl(&request, URL, false);
        assert!(command.ends_with("--data-raw '@/etc/passwd'"), "{command}");
    }

    #[test]
    fn get_without_body_has_no_data_and_no_comment_without_secrets() {
        let request = ApiRequest {
            method: Method::Get,
            path: "/x".into(),
            bearer: false,
            headers: vec![Header::plain("Accept", "application/json")],
            body: None,
        };
        assert_eq!(
            to_curl(&request, URL, false),
            format!("curl -X GET \\\n  '{URL}' \\\n  -H 'Accept: application/json'")
        );
    }

    #[test]
    fn secret_values_in_bodies_are_found_at_any_depth_and_spacing() {
        let cases = [
            (r#"{"access_token" : "SECRET-1"}"#, "ACCESS_TOKEN"),
            (
                r#"{"a":{"b":[{"client_secret":"SECRET-2"}]}}"#,
                "CLIENT_SECRET",
            ),
            ("{\"authToken\":\n  \"SECRET-3 \\\" quoted\"}", "AUTH_TOKEN"),
            // Not valid JSON, still not leaked.
            (r#"{"authToken":"SECRET-4", oops"#, "AUTH_TOKEN"),
        ];
        for (body, variable) in cases {
            let request = ApiRequest {
                method: Method::Post,
                path: "/x".into(),
                bearer: false,
                headers: vec![],
                body: Some(body.into()),
            };
            let command = to_curl(&request, URL, false);
            assert!(!command.contains("SECRET-"), "{command}");
            assert!(command.contains(&format!("\"${variable}\"")), "{command}");
            syntax_ok(&command);
        }
        // A secret key used as a value, or with a non-string value, is left alone.
        let request = ApiRequest {
            method: Method::Post,
            path: "/x".into(),
            bearer: false,
            headers: vec![],
            body: Some(r#"{"name":"authToken","access_token":null}"#.into()),
        };
        assert_eq!(
            to_curl(&request, URL, false).lines().last().unwrap(),
            r#"  --data '{"name":"authToken","access_token":null}'"#
        );
    }

    #[test]
    fn upper_snake_makes_valid_variable_names() {
        let cases = [
            ("Ocp-Apim-Subscription-Key", "OCP_APIM_SUBSCRIPTION_KEY"),
            ("authToken", "AUTH_TOKEN"),
            ("client_secret", "CLIENT_SECRET"),
            ("X-API-Key2", "X_API_KEY2"),
            ("9lives", "_9LIVES"),
            ("--", "SECRET"),
            ("ÆØÅ-key", "KEY"),
        ];
        for (name, expected) in cases {
            assert_eq!(upper_snake(name), expected, "{name}");
        }
    }
}
