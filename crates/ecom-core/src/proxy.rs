//! What the proxy says about itself (`GET /__proxy/info`), and what the app offers from it.
//!
//! The proxy writes this body from [`ProxyInfo`] and the app reads it with
//! [`ProxyInfo::parse`]: one type for both ends. Every field but `upstreams` has a default, so
//! the app also reads the body of an older or a third-party proxy that leaves some out.

use serde::{Deserialize, Serialize};

use crate::Environment;

/// [`UpstreamInfo::target`] of the proxy's in-process sandbox.
pub const IN_PROCESS_SANDBOX: &str = "in-process sandbox";
/// [`UpstreamInfo::target`] of any other in-process upstream (tests, embedders).
pub const IN_PROCESS_ROUTER: &str = "in-process router";

/// One upstream the proxy forwards to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamInfo {
    /// The path prefix, like `sandbox` or `mt`.
    pub name: String,
    /// Base URL without a trailing `/`, or [`IN_PROCESS_SANDBOX`] / [`IN_PROCESS_ROUTER`].
    pub target: String,
    /// Whether the upstream runs inside the proxy's process (no network hop).
    #[serde(default)]
    pub in_process: bool,
    /// Whether the proxy requires its access token for this upstream.
    #[serde(default)]
    pub token_required: bool,
}

/// The proxy's `/__proxy/info` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyInfo {
    /// Configured upstreams, in the order the proxy lists them.
    pub upstreams: Vec<UpstreamInfo>,
    /// Whether the production upstream is enabled.
    #[serde(default)]
    pub production_enabled: bool,
    /// Whether the proxy has an access token at all (see [`UpstreamInfo::token_required`] for
    /// which upstreams need it).
    #[serde(default)]
    pub token_required: bool,
    /// The header the access token goes in ([`crate::wire::headers::PROXY_TOKEN`]).
    #[serde(default)]
    pub token_header: String,
    /// Whether the proxy forwards the sandbox's `/__sim` control surface.
    #[serde(default)]
    pub sandbox_control: bool,
}

impl ProxyInfo {
    /// Parses the info body.
    ///
    /// # Errors
    /// [`crate::CoreError::UnexpectedResponse`] when the body is not the proxy's info.
    pub fn parse(body: &str) -> Result<ProxyInfo, crate::CoreError> {
        serde_json::from_str(body).map_err(|e| crate::CoreError::UnexpectedResponse {
            what: "proxy info",
            reason: e.to_string(),
        })
    }

    /// The environments the proxy serves, production only when enabled.
    pub fn served(&self) -> Vec<Environment> {
        Environment::ALL
            .into_iter()
            .filter(|env| env.is_proxied() && self.upstream(*env).is_some())
            .filter(|env| *env != Environment::Production || self.production_enabled)
            .collect()
    }

    /// The environments to offer: the sandbox in this browser (which needs no proxy), then
    /// those the proxy [serves](ProxyInfo::served).
    pub fn environments(&self) -> Vec<Environment> {
        let mut envs = vec![Environment::Browser];
        envs.extend(self.served());
        envs
    }

    /// The upstream serving `env`, if any.
    pub fn upstream(&self, env: Environment) -> Option<&UpstreamInfo> {
        self.upstreams.iter().find(|u| u.name == env.upstream())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn production_only_when_enabled() {
        let body = r#"{"upstreams":[{"name":"sandbox","target":"in-process sandbox","in_process":true,"token_required":false},
            {"name":"mt","target":"https://apitest.vipps.no","in_process":false,"token_required":true},
            {"name":"production","target":"https://api.vipps.no","in_process":false,"token_required":true}],
            "production_enabled":false,"token_required":true,"token_header":"X-Proxy-Token"}"#;
        let info = ProxyInfo::parse(body).unwrap();
        assert_eq!(info.served(), [Environment::Sandbox, Environment::Mt]);
        assert_eq!(
            info.environments(),
            [Environment::Browser, Environment::Sandbox, Environment::Mt]
        );
        assert!(info.upstream(Environment::Mt).unwrap().token_required);
        let enabled = ProxyInfo {
            production_enabled: true,
            ..info
        };
        assert_eq!(enabled.environments(), Environment::ALL);
        assert!(ProxyInfo::parse("<html>").is_err());
    }

    #[test]
    fn a_body_without_the_optional_fields_parses_and_round_trips() {
        let info = ProxyInfo::parse(r#"{"upstreams":[{"name":"mt","target":"x"}]}"#).unwrap();
        assert!(!info.upstreams[0].in_process && !info.token_required);
        assert_eq!(info.token_header, "");
        let text = serde_json::to_string(&info).unwrap();
        assert_eq!(ProxyInfo::parse(&text).unwrap(), info);
    }
}
