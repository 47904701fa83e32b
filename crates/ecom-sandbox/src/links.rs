//! Which merchant-supplied URLs the sandbox may put in a link or a redirect.
//!
//! The sandbox's pages are served on the playground's origin, where the playground keeps
//! credentials in local storage. A `fallBack` such as `javascript:…` in an `href` would run
//! script there, so such schemes are refused on initiate and, in case one was stored anyway,
//! never rendered or redirected to.

/// Schemes that run script or show local or opaque content when a link is followed.
pub(crate) const FORBIDDEN_SCHEMES: [&str; 5] = ["javascript", "data", "vbscript", "blob", "file"];

/// The forbidden scheme `url` has, as a browser would read it, if any.
pub(crate) fn forbidden_scheme(url: &str) -> Option<&'static str> {
    // Browsers drop tabs and newlines anywhere and leading C0 controls and spaces before
    // parsing a URL, so `" java\tscript:"` still runs script; be at least as lenient.
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let trimmed = cleaned.trim_start_matches(|c: char| c.is_control() || c.is_whitespace());
    let (scheme, _) = trimmed.split_once(':')?;
    FORBIDDEN_SCHEMES
        .iter()
        .copied()
        .find(|s| s.eq_ignore_ascii_case(scheme.trim()))
}

/// True if `url` may be an `href` or a `Location`: absolute, and not a forbidden scheme.
pub(crate) fn linkable(url: &str) -> bool {
    forbidden_scheme(url).is_none() && url::Url::parse(url).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_schemes_are_found_however_they_are_disguised() {
        for (url, want) in [
            ("javascript:alert(1)", Some("javascript")),
            ("JavaScript:alert(1)", Some("javascript")),
            ("  javascript:alert(1)", Some("javascript")),
            ("\u{1}\u{7f}javascript:alert(1)", Some("javascript")),
            ("java\tscr\nipt:alert(1)", Some("javascript")),
            ("data:text/html,<script>", Some("data")),
            ("VBScript:msgbox", Some("vbscript")),
            ("blob:https://x/y", Some("blob")),
            ("file:///etc/passwd", Some("file")),
            ("https://example.com/fb", None),
            ("myapp://result", None),
            ("INTENT", None),
            ("https://example.com/?next=javascript:x", None),
        ] {
            assert_eq!(forbidden_scheme(url), want, "{url:?}");
        }
        assert!(linkable("myapp://result"));
        assert!(linkable("https://example.com/fb"));
        assert!(!linkable(" javascript:alert(1)"));
        assert!(!linkable("relative/path"));
    }
}
