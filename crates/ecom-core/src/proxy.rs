//! What the proxy says about itself (`GET /__proxy/info`), and what the app offers from it.

use serde::Deserialize;

use crate::Environment;

/// One upstream the proxy forwards to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UpstreamInfo {
    /// The path prefix, like `sandbox` or `mt`.
    pub name: String,
    /// Base URL, or "in-process sandbox".
    pub target: String,
    /// Whether the proxy requires its access token for this upstream.
    #[serde(default)]
    pub token_required: bool,
}

/// The proxy's `/__proxy/info` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProxyInfo {
    /// Configured upstreams.
    pub upstreams: Vec<UpstreamInfo>,
    /// Whether the production upstream is enabled.
    #[serde(default)]
    pub production_enabled: bool,
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

    /// The environments to offer: those the proxy serves, production only when enabled.
    pub fn environments(&self) -> Vec<Environment> {
        Environment::ALL
            .into_iter()
            .filter(|env| self.upstreams.iter().any(|u| u.name == env.upstream()))
            .filter(|env| *env != Environment::Production || self.production_enabled)
            .collect()
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
        assert_eq!(info.environments(), [Environment::Sandbox, Environment::Mt]);
        assert!(info.upstream(Environment::Mt).unwrap().token_required);
        let enabled = ProxyInfo {
            production_enabled: true,
            ..info
        };
        assert_eq!(enabled.environments(), Environment::ALL);
        assert!(ProxyInfo::parse("<html>").is_err());
    }
}
