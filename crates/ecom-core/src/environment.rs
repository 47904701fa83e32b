//! The environments a user can talk to, and how each maps to a proxy upstream.

use serde::{Deserialize, Serialize};

/// Where requests go. Every environment is reached through the proxy, under the upstream name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
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
    pub const ALL: [Environment; 3] = [
        Environment::Sandbox,
        Environment::Mt,
        Environment::Production,
    ];

    /// The proxy upstream name: requests go to `<proxy>/<upstream>/<api path>`.
    pub fn upstream(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Mt => "mt",
            Environment::Production => "production",
        }
    }

    /// The name shown to the user.
    pub fn label(self) -> &'static str {
        match self {
            Environment::Sandbox => "Local sandbox",
            Environment::Mt => "MT test (apitest.vipps.no)",
            Environment::Production => "Production (api.vipps.no)",
        }
    }

    /// Parses the value used in forms and storage (`sandbox`, `mt`, `production`).
    pub fn from_upstream(name: &str) -> Option<Environment> {
        Environment::ALL.into_iter().find(|e| e.upstream() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_names_round_trip() {
        for env in Environment::ALL {
            assert_eq!(Environment::from_upstream(env.upstream()), Some(env));
        }
        assert_eq!(Environment::from_upstream("staging"), None);
    }
}
