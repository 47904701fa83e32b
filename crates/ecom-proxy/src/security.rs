//! Browser-facing protections that apply to every request and every response: the `Host`
//! allow-list (against DNS rebinding) and the Content Security Policies.
//!
//! - **Hosts.** A page on an attacker's domain can make its name resolve to 127.0.0.1 and then
//!   talk to this server as a same-origin page (DNS rebinding). The browser still sends the
//!   attacker's name in `Host`, so only the names this server is really reached by are
//!   accepted: its listen address, its public URL (with the `localhost`/`127.0.0.1` twins of
//!   a loopback address) and `--allowed-host`.
//! - **Policies.** Four kinds of responses carry a policy of their own, everything else gets
//!   [`DEFAULT_POLICY`]: the app's HTML ([`app_policy`]: its own scripts, WebAssembly and the
//!   hashes of the inline module scripts Trunk writes into `index.html`), the in-browser
//!   sandbox's service worker ([`WORKER_POLICY`]: its own module), the sandbox's pages
//!   (their own policy with a per-response nonce, set by `ecom-sandbox`), and network upstream
//!   responses (`sandbox`, set when forwarding). [`Policies::finish`] then puts this server's
//!   `frame-ancestors` into whichever policy a response has.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

use axum::http::{header, HeaderValue, Request};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::config::{self, Config};

/// Policy of every response that brings none of its own (JSON, errors, files, redirects):
/// nothing may load, run or be submitted from it.
pub(crate) const DEFAULT_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

/// Policy of the in-browser sandbox's service worker (`sandbox-sw.js`), which a worker takes
/// from its script's response: it imports its glue and fetches and compiles its wasm module,
/// all from this origin, and nothing else.
pub(crate) const WORKER_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'";

/// Where the app may connect and load images from besides its own origin. The proxy URL in
/// Settings may point at another proxy: one of the user's own over HTTPS, or one on their
/// machine (`http://127.0.0.1:8080`); the QR API's images come from the upstream's HTTPS host.
/// `[::1]` is left out because CSP source expressions cannot hold IPv6 addresses.
const OTHER_PROXIES: &str = "https: http://127.0.0.1:* http://localhost:*";

/// The host names (with port) this server answers for.
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts {
    /// `host:port` (and bare `host` where the port is the scheme's default), lower case.
    exact: Vec<String>,
    /// Hosts accepted with any port, from `--allowed-host` values without one.
    any_port: Vec<String>,
}

impl AllowedHosts {
    /// The listen address (`bound`), the public URL and the configured extra hosts.
    pub(crate) fn new(config: &Config, public_url: &Url, bound: SocketAddr) -> Self {
        let mut exact = Vec::new();
        let mut any_port = Vec::new();
        let port = bound.port();
        let ip = bound.ip();
        exact.push(SocketAddr::new(ip, port).to_string());
        // A loopback or wildcard listener is reached as 127.0.0.1, localhost or [::1]. Those
        // names are accepted with any port or none: `trunk serve` forwards to this server
        // with `Host: 127.0.0.1` (no port), and a rebinding page can never make the browser
        // send a loopback name, since the browser sends the page's own (attacker's) name.
        if ip.is_loopback() || ip.is_unspecified() {
            for name in [
                Ipv4Addr::LOCALHOST.to_string(),
                format!("[{}]", Ipv6Addr::LOCALHOST),
                "localhost".to_string(),
            ] {
                any_port.push(name);
            }
        }
        if let (Some(host), Some(port)) =
            (public_url.host_str(), public_url.port_or_known_default())
        {
            let host = host.to_ascii_lowercase();
            exact.push(format!("{host}:{port}"));
            if public_url.port().is_none() {
                exact.push(host);
            }
            if config::is_loopback_url(public_url) {
                exact.push(format!("localhost:{port}"));
                exact.push(format!("127.0.0.1:{port}"));
            }
        }
        for host in &config.allowed_hosts {
            if host.starts_with('[') && host.ends_with(']') || !host.contains(':') {
                any_port.push(host.clone());
            } else {
                exact.push(host.clone());
            }
        }
        exact.sort();
        exact.dedup();
        Self { exact, any_port }
    }

    /// True if `host` (a `Host` header value or a request URI's authority) is allowed.
    pub(crate) fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let host = host.strip_suffix('.').unwrap_or(&host);
        if self.exact.iter().any(|h| h == host) {
            return true;
        }
        self.any_port
            .iter()
            .any(|allowed| match host.strip_prefix(allowed.as_str()) {
                Some("") => true,
                Some(rest) => rest
                    .strip_prefix(':')
                    .is_some_and(|port| port.parse::<u16>().is_ok()),
                None => false,
            })
    }

    /// The first refused host of a request (its `Host` header and, in absolute form, the URI's
    /// authority), or `Some("-")` if it names none.
    pub(crate) fn refused<B>(&self, request: &Request<B>) -> Option<String> {
        let header = request.headers().get(header::HOST);
        let authority = request.uri().authority().map(|a| a.as_str());
        if header.is_none() && authority.is_none() {
            return Some("-".into());
        }
        if let Some(value) = header {
            let text = String::from_utf8_lossy(value.as_bytes());
            if !self.allows(&text) {
                return Some(crate::error::printable(&text, 100));
            }
        }
        authority
            .filter(|a| !self.allows(a))
            .map(|a| crate::error::printable(a, 100))
    }
}

/// The policies of one server.
#[derive(Debug, Clone)]
pub(crate) struct Policies {
    /// `frame-ancestors 'self' …`.
    frame_ancestors: String,
    /// The policy of the app's HTML, without `frame-ancestors`.
    app: HeaderValue,
}

impl Policies {
    /// Builds the policies; the app's inline scripts are read from `static_dir/index.html`.
    pub(crate) fn new(config: &Config) -> Self {
        let mut frame_ancestors = String::from("frame-ancestors 'self'");
        for origin in &config.frame_ancestors {
            frame_ancestors.push(' ');
            frame_ancestors.push_str(origin);
        }
        let index = config
            .static_dir
            .as_deref()
            .map(|dir| dir.join("index.html"))
            .and_then(|path| read_index(&path));
        let app = HeaderValue::from_str(&app_policy(index.as_deref().unwrap_or("")))
            .expect("a policy of ASCII source expressions is a valid header value");
        Self {
            frame_ancestors,
            app,
        }
    }

    /// The policy for the app's HTML documents, without `frame-ancestors`.
    pub(crate) fn app(&self) -> HeaderValue {
        self.app.clone()
    }

    /// `existing` (or [`DEFAULT_POLICY`]) with its `frame-ancestors` replaced by this server's.
    pub(crate) fn finish(&self, existing: Option<&HeaderValue>) -> HeaderValue {
        let existing = existing
            .and_then(|v| v.to_str().ok())
            .unwrap_or(DEFAULT_POLICY);
        let mut policy: Vec<&str> = existing
            .split(';')
            .map(str::trim)
            .filter(|d| {
                !d.is_empty()
                    && !d
                        .split_ascii_whitespace()
                        .next()
                        .is_some_and(|name| name.eq_ignore_ascii_case("frame-ancestors"))
            })
            .collect();
        policy.push(&self.frame_ancestors);
        HeaderValue::from_str(&policy.join("; "))
            .expect("joining header-safe directives stays header-safe")
    }
}

fn read_index(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) => {
            if path.exists() {
                tracing::warn!(
                    "cannot read {} for its script hashes ({error}); the app's inline scripts will be blocked",
                    path.display()
                );
            }
            None
        }
    }
}

/// The app's policy: its own scripts and styles, WebAssembly, the inline scripts of `html`
/// by hash, `data:` images (the QR code's PNG download), and connections to its own origin or
/// another proxy the user configures (see [`OTHER_PROXIES`]).
pub(crate) fn app_policy(html: &str) -> String {
    let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
    for script in inline_scripts(html) {
        let digest = Sha256::digest(script.as_bytes());
        scripts.push_str(" 'sha256-");
        scripts.push_str(&base64::engine::general_purpose::STANDARD.encode(digest));
        scripts.push('\'');
    }
    format!(
        "default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self' data: {OTHER_PROXIES}; \
connect-src 'self' {OTHER_PROXIES}; font-src 'self'; manifest-src 'self'; base-uri 'none'; \
form-action 'self'; object-src 'none'"
    )
}

/// The text of every inline `<script>` element (one without `src`), exactly as the browser
/// hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<script") {
        let start = from + at;
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace())
            .any(|attr| attr == "src" || attr.starts_with("src="));
        if !has_src {
            // ASCII lower-casing keeps byte offsets, so they index the original text.
            scripts.push(&html[tag_end + 1..close]);
        }
        from = close;
    }
    scripts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script>\
<SCRIPT src=\"/b.js\"></SCRIPT><script>x()</script></head>";
        assert_eq!(
            inline_scripts(html),
            ["\nimport init from '/a.js';\n", "x()"]
        );
        // sha256 of "x()", base64, as `openssl dgst -sha256 -binary | base64` prints it.
        assert!(app_policy("<script>x()</script>")
            .contains("'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='"));
    }

    #[test]
    fn frame_ancestors_replace_the_ones_a_policy_brings() {
        let mut config = Config::default();
        let policies = Policies::new(&config);
        let finished = policies.finish(Some(&HeaderValue::from_static(
            "default-src 'none'; Frame-Ancestors *",
        )));
        assert_eq!(finished, "default-src 'none'; frame-ancestors 'self'");
        config.frame_ancestors = vec!["https://docs.example.com".into()];
        let finished = Policies::new(&config).finish(None);
        assert_eq!(
            finished,
            format!("{DEFAULT_POLICY}; frame-ancestors 'self' https://docs.example.com")
        );
    }
}
