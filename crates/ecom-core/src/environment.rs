//! The environments a user can talk to, where each one's requests go, and which one a user who
//! never chose gets.
//!
//! Two of them are simulated: the proxy's local sandbox, and the same simulator running as a
//! service worker in the page ("Sandbox (in this browser)"), which answers on the page's own
//! origin under [`BROWSER_SANDBOX_PATH`] and needs no server at all. The others are reached
//! through the proxy, under their upstream name.

use serde::{Deserialize, Serialize};

use crate::proxy::ProxyInfo;

/// Where the service-worker sandbox answers, relative to the page's base directory.
pub const BROWSER_SANDBOX_PATH: &str = "browser-sandbox";

/// The service-worker sandbox's script, beside `index.html`.
pub const BROWSER_SANDBOX_SCRIPT: &str = "sandbox-sw.js";

/// Where requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// The simulator as a service worker in this browser, on the page's origin under
    /// [`BROWSER_SANDBOX_PATH`]; needs no server, works with the demo credentials.
    #[serde(rename = "browser-sandbox")]
    Browser,
    /// The local simulator hosted by the proxy; works offline with the demo credentials.
    #[default]
    Sandbox,
    /// Vipps' test environment, `https://apitest.vipps.no`, with the user's own test keys.
    Mt,
    /// Vipps' production environment; offered only when the proxy enables it.
    Production,
}

impl Environment {
    /// Every environment, in the order the switch shows them.
    pub const ALL: [Environment; 4] = [
        Environment::Browser,
        Environment::Sandbox,
        Environment::Mt,
        Environment::Production,
    ];

    /// The name in forms and storage; for the proxied ones also the proxy upstream name
    /// (requests go to `<proxy>/<upstream>/<api path>`).
    pub fn upstream(self) -> &'static str {
        match self {
            Environment::Browser => BROWSER_SANDBOX_PATH,
            Environment::Sandbox => "sandbox",
            Environment::Mt => "mt",
            Environment::Production => "production",
        }
    }

    /// The name shown to the user.
    pub fn label(self) -> &'static str {
        match self {
            Environment::Browser => "Sandbox (in this browser)",
            Environment::Sandbox => "Local sandbox",
            Environment::Mt => "MT test (apitest.vipps.no)",
            Environment::Production => "Production (api.vipps.no)",
        }
    }

    /// Parses the value used in forms and storage (`browser-sandbox`, `sandbox`, `mt`,
    /// `production`).
    pub fn from_upstream(name: &str) -> Option<Environment> {
        Environment::ALL.into_iter().find(|e| e.upstream() == name)
    }

    /// Whether this is one of the simulators (in the browser or behind the proxy): demo
    /// credentials, the `/__sim` control surface (scenarios, callback log, force approve).
    pub fn is_simulated(self) -> bool {
        matches!(self, Environment::Browser | Environment::Sandbox)
    }

    /// Whether requests go through the proxy (and so carry its access token); the browser
    /// sandbox answers in the page and never sees the proxy.
    pub fn is_proxied(self) -> bool {
        self != Environment::Browser
    }

    /// The environment of a user who never chose one, given what the page's proxy said about
    /// itself (`None` when it could not be asked or did not answer as the proxy): its local
    /// sandbox when it has one, else the sandbox in this browser.
    pub fn default_for(proxy: Option<&ProxyInfo>) -> Environment {
        match proxy {
            Some(info) if info.upstream(Environment::Sandbox).is_some() => Environment::Sandbox,
            _ => Environment::Browser,
        }
    }
}

/// The directory of a page's base URL (`document.baseURI`), ending in `/`: everything up to the
/// last `/` of the path, without query or fragment. `https://h/playground/index.html?x#y` gives
/// `https://h/playground/`; a URL without a path gives its origin and `/`.
pub fn base_directory(base_uri: &str) -> String {
    let end = base_uri.find(['?', '#']).unwrap_or(base_uri.len());
    let url = &base_uri[..end];
    let path_start = url.find("://").map_or(0, |scheme_end| {
        let host = scheme_end + 3;
        url[host..].find('/').map_or(url.len(), |i| host + i)
    });
    match url[path_start..].rfind('/') {
        Some(i) => url[..=path_start + i].to_owned(),
        None => format!("{url}/"),
    }
}

/// The browser sandbox's base URL for a page whose base directory is `page_dir` (see
/// [`base_directory`]), without a trailing `/`: `https://h/playground/browser-sandbox`.
pub fn browser_sandbox_base(page_dir: &str) -> String {
    format!("{}/{BROWSER_SANDBOX_PATH}", page_dir.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn upstream_names_round_trip() {
        for env in Environment::ALL {
            assert_eq!(Environment::from_upstream(env.upstream()), Some(env));
            let json = serde_json::to_string(&env).unwrap();
            assert_eq!(json, format!("\"{}\"", env.upstream()));
            assert_eq!(serde_json::from_str::<Environment>(&json).unwrap(), env);
        }
        assert_eq!(Environment::from_upstream("staging"), None);
        assert_eq!(Environment::ALL[0], Environment::Browser);
    }

    #[test]
    fn only_the_simulators_are_simulated_and_only_the_browser_one_skips_the_proxy() {
        let simulated: Vec<_> = Environment::ALL
            .into_iter()
            .filter(|e| e.is_simulated())
            .collect();
        assert_eq!(simulated, [Environment::Browser, Environment::Sandbox]);
        let direct: Vec<_> = Environment::ALL
            .into_iter()
            .filter(|e| !e.is_proxied())
            .collect();
        assert_eq!(direct, [Environment::Browser]);
    }

    #[test]
    fn the_default_is_the_proxy_sandbox_only_where_the_proxy_has_one() {
        let with = |names: &[&str]| ProxyInfo {
            upstreams: names
                .iter()
                .map(|n| crate::proxy::UpstreamInfo {
                    name: (*n).to_owned(),
                    target: "x".to_owned(),
                    in_process: false,
                    token_required: false,
                })
                .collect(),
            production_enabled: false,
            token_required: false,
            token_header: String::new(),
            sandbox_control: false,
        };
        assert_eq!(
            Environment::default_for(Some(&with(&["sandbox", "mt"]))),
            Environment::Sandbox
        );
        assert_eq!(
            Environment::default_for(Some(&with(&["mt"]))),
            Environment::Browser
        );
        assert_eq!(Environment::default_for(None), Environment::Browser);
    }

    #[test]
    fn base_directories() {
        let cases = [
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            (
                "http://127.0.0.1:8080/#/express/initiate",
                "http://127.0.0.1:8080/",
            ),
            (
                "https://docs.example.com/playground/",
                "https://docs.example.com/playground/",
            ),
            (
                "https://docs.example.com/playground/index.html?embed=1#/regular",
                "https://docs.example.com/playground/",
            ),
            (
                "https://docs.example.com/playground?x=/a/b",
                "https://docs.example.com/",
            ),
        ];
        for (uri, dir) in cases {
            assert_eq!(base_directory(uri), dir, "{uri}");
        }
    }

    #[test]
    fn the_browser_sandbox_is_under_the_page_directory() {
        assert_eq!(
            browser_sandbox_base("https://docs.example.com/playground/"),
            "https://docs.example.com/playground/browser-sandbox"
        );
        assert_eq!(
            browser_sandbox_base("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/browser-sandbox"
        );
    }
}
