//! Which merchant-supplied URLs the sandbox accepts, and which it may put in a link or a
//! redirect.
//!
//! The sandbox's pages are served on the playground's origin, where the playground keeps
//! credentials in storage. An `href` or `Location` of `javascript:`, `about:`, `intent:`,
//! `ms-msdt:` and the like would run script or hand the user to an OS handler from there, so
//! this is an allow-list: only [`is_web_url`] (an absolute http(s) URL, shared with the browser
//! app) ever becomes a link or a redirect. A custom app scheme (`myapp://…`, which the spec
//! allows for `fallBack`) is accepted on initiate but only ever shown as text.

pub(crate) use ecom_core::validate::is_web_url;

use crate::wire::errors::ApiError;

/// Schemes that browsers or operating systems treat specially. A `fallBack` with one of them
/// is refused even in the custom-scheme form `name://`, although the sandbox never links it.
const SPECIAL_SCHEMES: [&str; 24] = [
    // WHATWG "special" schemes other than http(s), and the script and local-content ones.
    "ftp",
    "file",
    "ws",
    "wss",
    "javascript",
    "data",
    "vbscript",
    "blob",
    "about",
    "view-source",
    "filesystem",
    // Android and Windows protocol handlers that have been used to attack users.
    "intent",
    "android-app",
    "search",
    "search-ms",
    "its",
    "mk",
    // Browser-internal pages.
    "chrome",
    "chrome-extension",
    "chrome-untrusted",
    "devtools",
    "edge",
    "moz-extension",
    "resource",
];

/// True if `url` is a custom app scheme URL of the strict form `^[a-z][a-z0-9+.-]*://` with no
/// spaces or control characters, whose scheme is not one browsers or the OS treat specially
/// (see `SPECIAL_SCHEMES`; `ms-*` Windows handlers are refused too).
pub(crate) fn is_custom_app_url(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '-'));
    well_formed
        && !matches!(scheme, "http" | "https")
        && !SPECIAL_SCHEMES.contains(&scheme)
        && !scheme.starts_with("ms-")
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// The scheme of `url` for an error message, when it is short and plain enough to repeat.
pub(crate) fn shown_scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let plain = !scheme.is_empty()
        && scheme.len() <= 20
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    plain.then_some(scheme)
}

/// True for a URL on the name `localhost` or a literal loopback address: the one rule in
/// [`ecom_core::validate::is_loopback_host`], decided without any resolver. `localhost` itself
/// is never resolved either: the client connects to 127.0.0.1 for it.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(ecom_core::validate::is_loopback_host))
        .unwrap_or(false)
}

/// Validates a callback-style URL: HTTPS (or http on loopback when allowed), ≤255.
///
/// The same allow-list as every link the sandbox renders ([`is_web_url`]), then the
/// merchant-URL rules: a public HTTPS host, or a loopback one when loopback callbacks are on.
pub(crate) fn check_url(field: &str, url: &str, loopback_allowed: bool) -> Result<(), ApiError> {
    let loopback = is_loopback_url(url);
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| !h.is_empty());
    let web = is_web_url(url) && host.is_some();
    let localhost_name = host
        .as_deref()
        .is_some_and(ecom_core::validate::is_localhost_subdomain);
    let ok = if !web || localhost_name {
        false
    } else if loopback {
        loopback_allowed
    } else {
        is_https(url)
    };
    if ok {
        return Ok(());
    }
    let hint = if localhost_name {
        "names under .localhost are not accepted; use localhost or 127.0.0.1 (with --allow-loopback-callbacks)"
    } else if loopback {
        "localhost URLs are rejected unless the sandbox runs with --allow-loopback-callbacks"
    } else {
        "it must be a valid, public HTTPS URL"
    };
    Err(ApiError::invalid(
        field,
        format!("{field} is invalid: {hint}"),
    ))
}

fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

/// Validates `fallBack` (spec §3.1.1) against an allow-list, because the sandbox's pages link
/// and redirect to it on the playground's origin: an HTTPS URL (http on loopback; any web URL
/// with `isApp`, which MT does not validate), the literal `INTENT`, or a plain custom app scheme
/// (`myapp://…`), which the pages only ever show as text.
pub(crate) fn check_fallback(field: &str, url: &str, is_app: bool) -> Result<(), ApiError> {
    if url == "INTENT" || is_custom_app_url(url) {
        return Ok(());
    }
    // [SIM] http on loopback is accepted so a local playground can be the merchant.
    if is_web_url(url) && (is_https(url) || is_app || is_loopback_url(url)) {
        return Ok(());
    }
    let reason = match shown_scheme(url) {
        Some(s) if s.eq_ignore_ascii_case("http") => {
            "http is only accepted on localhost or 127.0.0.1".to_owned()
        }
        Some(s) if s.eq_ignore_ascii_case("https") => "the URL has no usable host".to_owned(),
        Some(s) => format!("{s}: URLs are not allowed"),
        None => "it is not an absolute URL".to_owned(),
    };
    Err(ApiError::invalid(
        field,
        format!("{field} is invalid: {reason}; use an HTTPS URL, a custom app scheme such as myapp://, or INTENT"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        let cases = [
            ("http://127.0.0.1:8080/cb", true),
            ("http://localhost/cb", true),
            ("http://LOCALHOST:9/cb", true),
            ("https://[::1]:9/x", true),
            ("http://127.9.9.9/x", true),
            ("http://foo.localhost/cb", false),
            ("http://localhost.localhost/cb", false),
            ("http://localhost./cb", false),
            ("http://localhost.example.com/cb", false),
            ("http://[::ffff:127.0.0.1]/cb", false),
            ("http://0.0.0.0/cb", false),
            ("https://example.com/cb", false),
            ("http://10.0.0.1/cb", false),
            ("not a url", false),
        ];
        for (u, want) in cases {
            assert_eq!(is_loopback_url(u), want, "{u}");
        }
    }

    #[test]
    fn only_plain_custom_schemes_are_app_urls() {
        for ok in [
            "myapp://result",
            "my-app.v2+x://done?order=1",
            "vippsdemo://",
        ] {
            assert!(is_custom_app_url(ok), "{ok}");
            assert!(!is_web_url(ok), "{ok} is never a link");
        }
        for bad in [
            "https://example.com",
            "http://example.com",
            "javascript://%0aalert(1)",
            "intent://x#Intent;scheme=https;end",
            "about://blank",
            "view-source://example.com",
            "filesystem://x",
            "ms-msdt://id",
            "ms-officecmd://x",
            "search-ms://query=x",
            "file:///etc/passwd",
            "MyApp://result",
            "1app://x",
            "my app://x",
            "myapp://a b",
            "myapp://a\u{0}b",
            " myapp://x",
            "myapp:/x",
            "myapp:x",
            "INTENT",
            "",
        ] {
            assert!(!is_custom_app_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn schemes_are_quoted_only_when_plain() {
        assert_eq!(shown_scheme("about:blank"), Some("about"));
        assert_eq!(shown_scheme("view-source:x"), Some("view-source"));
        assert_eq!(shown_scheme("java\tscript:x"), None);
        assert_eq!(shown_scheme("no scheme"), None);
    }
}
