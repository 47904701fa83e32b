//! Validation of what the user types, with messages that say what is wrong and how to fix it.
//!
//! Only what would make a request impossible or certainly wrong is an error: an empty
//! credential, a character that cannot travel in an HTTP header, a number in the wrong
//! format. A well-formed but wrong secret is left for the API to reject, because seeing that
//! error is part of learning the API.

use crate::settings::Credentials;

/// A settings field the user edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `client_id`.
    ClientId,
    /// `client_secret`.
    ClientSecret,
    /// `Ocp-Apim-Subscription-Key`.
    SubscriptionKey,
    /// `merchantSerialNumber`.
    MerchantSerialNumber,
    /// The test user's mobile number.
    MobileNumber,
    /// The proxy base URL.
    ProxyUrl,
}

impl Field {
    /// The name the API documentation uses for the field.
    pub fn api_name(self) -> &'static str {
        match self {
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
            Field::SubscriptionKey => "Ocp-Apim-Subscription-Key",
            Field::MerchantSerialNumber => "merchantSerialNumber",
            Field::MobileNumber => "mobileNumber",
            Field::ProxyUrl => "Proxy URL",
        }
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field at fault.
    pub field: Field,
    /// What is wrong and how to fix it, as a sentence for the user.
    pub message: String,
}

impl FieldError {
    fn new(field: Field, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Checks that a value can be sent as an HTTP header value: visible ASCII and inner spaces.
fn header_safe(field: Field, value: &str) -> Result<(), FieldError> {
    if value.trim() != value {
        return Err(FieldError::new(
            field,
            format!(
                "{} has a space at the start or end; remove it (copying keys often picks one up).",
                field.api_name()
            ),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ')) {
        let shown = if bad.is_control() {
            format!("U+{:04X}", u32::from(bad))
        } else {
            format!("'{bad}'")
        };
        return Err(FieldError::new(
            field,
            format!("{} contains the character {shown}, which cannot be sent in an HTTP header; retype or re-paste it.", field.api_name()),
        ));
    }
    Ok(())
}

fn required(field: Field, value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(
            field,
            format!("{} is empty; copy it from your API keys on portal.vipps.no (the sandbox's demo values are prefilled in the Local sandbox environment).", field.api_name()),
        ));
    }
    header_safe(field, value)
}

/// Validates an MSN: 4 to 6 digits (the Access Token API accepts 4; eCom documents 5 or 6).
pub fn merchant_serial_number(value: &str) -> Result<(), FieldError> {
    let field = Field::MerchantSerialNumber;
    required(field, value)?;
    if !(4..=6).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            format!("merchantSerialNumber must be 4 to 6 digits, like 123456; got \"{value}\"."),
        ));
    }
    Ok(())
}

/// The 8-digit form of a Norwegian mobile number written the ways MT accepts and corrects:
/// spaces, dots, dashes and brackets between digits, and a leading `+47`, `0047` or `47`
/// (before 8 more digits). `None` when what is left is not 8 digits.
///
/// MT "attempts to correct incorrectly formatted phone numbers" before it looks the user up
/// (spec §2.1, `customerInfo.mobileNumber`); the sandbox and the app's own check both use this
/// one rule, so the app accepts exactly what the sandbox does.
pub fn normalize_mobile_number(value: &str) -> Option<String> {
    let trimmed = value.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        8 if !plus => digits.as_str(),
        10 => digits.strip_prefix("47")?,
        12 if !plus => digits.strip_prefix("0047")?,
        _ => return None,
    };
    Some(national.to_owned())
}

/// Validates a Norwegian mobile number as eCom takes it: 8 digits, or a form that
/// [`normalize_mobile_number`] corrects (`+47 912 34 567`). Empty is allowed (the user then
/// types it on the landing page).
pub fn mobile_number(value: &str) -> Result<(), FieldError> {
    if value.is_empty() || normalize_mobile_number(value).is_some() {
        return Ok(());
    }
    Err(FieldError::new(
        Field::MobileNumber,
        format!("mobileNumber must be a Norwegian mobile number of 8 digits, like 91234567 (+47 and spaces are corrected); got \"{}\".", shorten(value, 40)),
    ))
}

/// The longest URL the API takes for `fallBack`, `callbackPrefix` and the other merchant URLs
/// (spec §2.1: at most 255 characters).
pub const MAX_URL_LEN: usize = 255;

/// True if `url` is an absolute `http:` or `https:` URL with a host, safe to become a link or
/// a redirect on the playground's origin.
///
/// This is an allow-list: `javascript:`, `data:`, `about:`, `view-source:`, `intent:`,
/// `ms-msdt:`, `filesystem:` and every other scheme are refused, however they are written.
/// Browsers drop tabs and newlines and leading controls and spaces before parsing a URL, so a
/// URL holding any control character or leading space is refused too, rather than guessed at.
pub fn is_web_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    !host.is_empty()
        && !host.starts_with(':')
        && !authority.contains('\\')
        && !rest.starts_with('/')
}

/// True for a URL host that is this machine whatever resolver is asked: the name `localhost`
/// (any letter case) and the literal loopback addresses (`127.0.0.0/8`, `[::1]`), as a URL
/// parser gives them (`Url::host_str`, IPv6 in brackets).
///
/// Names under `.localhost` are not included (see [`is_localhost_subdomain`]): browsers map
/// them to loopback, but a server's resolver (or `/etc/hosts`) could map them anywhere.
/// Mapped IPv4 addresses (`[::ffff:127.0.0.1]`) and `0.0.0.0` are not loopback either.
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    literal
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// True for a name under `.localhost` (`app.localhost`, also with a trailing dot): loopback in
/// a browser (RFC 6761), but only as far as the resolver agrees on a server.
pub fn is_localhost_subdomain(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    host.len() > ".localhost".len() && host.ends_with(".localhost")
}

/// `value` cut to at most `max` characters with an ellipsis, for quoting user input in a
/// message without repeating a huge paste.
pub fn shorten(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// Validates the proxy URL: empty (same origin) or an absolute http(s) URL without userinfo,
/// query or fragment.
///
/// A user name or password in the URL (`http://user:pass@host`) is refused, and the message
/// never repeats the URL: such a URL would be shown in every preview, curl export and error,
/// and browsers refuse to send requests to it anyway. The proxy's access token has its own
/// secret field.
pub fn proxy_url(value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Ok(());
    }
    let field = Field::ProxyUrl;
    if value.contains('@') {
        return Err(FieldError::new(
            field,
            "the proxy URL must not contain a user name or password (the part before @): they would be shown and stored in plain text. Give the address alone, like http://127.0.0.1:8080, and put the proxy's access token in \"Proxy access token\" instead.",
        ));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new(field, format!("the proxy URL must start with http:// or https://, like http://127.0.0.1:8080; got \"{value}\". Leave it empty to use this page's own server.")))?;
    if rest.is_empty() || rest.starts_with('/') || value.contains(['?', '#', ' ']) {
        return Err(FieldError::new(
            field,
            format!("the proxy URL must be a plain address like https://proxy.example.com, without spaces, query or fragment; got \"{value}\"."),
        ));
    }
    Ok(())
}

/// `url` without its userinfo (`user:password@`), for every place a proxy URL is used or
/// shown. Everything up to the last `@` after the scheme is taken as userinfo, so a password
/// holding `/` or `@` never survives; a proxy URL has no other use for `@`.
pub fn strip_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Validates the credentials needed for the access-token call and later API calls.
/// Returns every problem, in form order.
pub fn credentials(c: &Credentials) -> Vec<FieldError> {
    [
        required(Field::ClientId, &c.client_id),
        required(Field::ClientSecret, &c.client_secret),
        required(Field::SubscriptionKey, &c.subscription_key),
        merchant_serial_number(&c.merchant_serial_number),
        mobile_number(&c.mobile_number),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_credentials_are_valid() {
        assert_eq!(credentials(&Credentials::demo()), vec![]);
    }

    #[test]
    fn every_problem_names_its_field() {
        let c = Credentials {
            client_id: String::new(),
            client_secret: " padded".into(),
            subscription_key: "line\nbreak".into(),
            merchant_serial_number: "12a456".into(),
            mobile_number: "+47 912 34 5678".into(),
        };
        let errors = credentials(&c);
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::ClientId,
                Field::ClientSecret,
                Field::SubscriptionKey,
                Field::MerchantSerialNumber,
                Field::MobileNumber
            ]
        );
        assert!(errors[0].message.contains("is empty"));
        assert!(errors[1].message.contains("space at the start"));
        assert!(errors[2].message.contains("U+000A"));
        assert!(errors[3].message.contains("4 to 6 digits"));
        assert!(errors[4].message.contains("8 digits"));
    }

    #[test]
    fn mobile_number_is_optional_and_corrected_as_mt_does() {
        assert!(mobile_number("").is_ok());
        let table = [
            ("91234567", Some("91234567")),
            ("+4791234567", Some("91234567")),
            ("+47 912 34 567", Some("91234567")),
            ("912 34 567", Some("91234567")),
            ("0047 91234567", Some("91234567")),
            ("4791234567", Some("91234567")),
            ("+47 912-34-567", Some("91234567")),
            ("(+47) 91234567", None),
            (" 91234567 ", Some("91234567")),
            ("9123456", None),
            ("912345678", None),
            ("+4691234567", None),
            ("+91234567", None),
            ("9123456a", None),
            ("٩١٢٣٤٥٦٧", None),
            ("", None),
        ];
        for (input, want) in table {
            assert_eq!(normalize_mobile_number(input).as_deref(), want, "{input:?}");
            if !input.is_empty() {
                assert_eq!(mobile_number(input).is_ok(), want.is_some(), "{input:?}");
            }
        }
        let long = "9".repeat(5000);
        let message = mobile_number(&long).expect_err("too long").message;
        assert!(message.len() < 300, "{message}");
    }

    #[test]
    fn loopback_hosts_are_decided_without_a_resolver() {
        let cases = [
            ("127.0.0.1", true, false),
            ("localhost", true, false),
            ("LOCALHOST", true, false),
            ("[::1]", true, false),
            ("127.9.9.9", true, false),
            ("foo.localhost", false, true),
            ("Foo.LocalHost.", false, true),
            ("localhost.localhost", false, true),
            ("localhost.", false, false),
            (".localhost", false, false),
            ("localhost.example.com", false, false),
            ("[::ffff:127.0.0.1]", false, false),
            ("0.0.0.0", false, false),
            ("example.com", false, false),
            ("10.0.0.1", false, false),
            ("", false, false),
        ];
        for (host, loopback, subdomain) in cases {
            assert_eq!(is_loopback_host(host), loopback, "{host}");
            assert_eq!(is_localhost_subdomain(host), subdomain, "{host}");
        }
    }

    #[test]
    fn only_http_and_https_urls_are_web_urls() {
        for ok in [
            "https://example.com",
            "https://example.com/a?b=c#d",
            "HTTPS://EXAMPLE.COM/",
            "http://127.0.0.1:8080/x",
            "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=x",
        ] {
            assert!(is_web_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript://%0aalert(1)",
            " https://example.com",
            "java\tscript://x",
            "https://exa\nmple.com",
            "data:text/html,<script>alert(1)</script>",
            "about:blank",
            "view-source:https://example.com",
            "intent://x#Intent;end",
            "ms-msdt:/id PCWDiagnostic",
            "search-ms:query=x",
            "filesystem:https://example.com/temporary/x",
            "vippsMT://?token=x",
            "myapp://done",
            "INTENT",
            "https://",
            "https:///path",
            "https://:443/",
            "https:\\\\example.com",
            "https://a\\b@example.com",
            "",
        ] {
            assert!(!is_web_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn shorten_cuts_long_input_on_a_character_boundary() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("øøøøøø", 3), "øøø…");
    }

    #[test]
    fn proxy_url_forms() {
        for ok in [
            "",
            "http://127.0.0.1:8080",
            "https://proxy.example.com/base",
        ] {
            assert!(proxy_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "127.0.0.1:8080",
            "ftp://x",
            "http://",
            "http:///x",
            "https://x?a=1",
            "https://x y",
        ] {
            assert!(proxy_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn proxy_url_with_userinfo_is_refused_without_repeating_it() {
        for bad in [
            "http://user:hunter2-pw@127.0.0.1:8080",
            "https://hunter2-pw@proxy.example.com",
            "http://user:hunter2/pw@host",
            "user:hunter2-pw@host:8080",
            "ftp://user:hunter2-pw@host",
            "http://user:hunter2-pw@host?x=1",
        ] {
            let message = proxy_url(bad).expect_err(bad).message;
            assert!(!message.contains("hunter2"), "{bad}: {message}");
            assert!(message.contains("user name or password"), "{message}");
            assert!(message.contains("Proxy access token"), "{message}");
        }
    }

    #[test]
    fn userinfo_is_stripped_wherever_a_proxy_url_is_used() {
        let cases = [
            (
                "http://user:hunter2@127.0.0.1:8080",
                "http://127.0.0.1:8080",
            ),
            (
                "https://hunter2@proxy.example.com/base",
                "https://proxy.example.com/base",
            ),
            ("http://u:hun@ter2@host:1", "http://host:1"),
            ("http://u:hunter2/x@host", "http://host"),
            ("user:hunter2@host:8080", "host:8080"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("", ""),
        ];
        for (url, stripped) in cases {
            assert_eq!(strip_userinfo(url), stripped, "{url}");
        }
    }
}
