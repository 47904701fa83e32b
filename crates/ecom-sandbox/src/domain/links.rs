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

#[cfg(test)]
mod tests {
    use super::*;

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
