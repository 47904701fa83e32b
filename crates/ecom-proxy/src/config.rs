//! Configuration: the clap command line (flags and environment variables), the optional TOML
//! file, and the typed, validated [`Config`] the server runs with.
//!
//! Every setting can come from a flag, an environment variable or the TOML file given with
//! `--config`: a flag wins over its variable (clap), either wins over the file, and the file
//! over the default. The file's keys are [`Cli`]'s own fields, so there is no second list of
//! settings to keep in step: the long flag names with `_` for `-` (`body_limit = 65536`,
//! `upstream = ["staging=https://…"]`). figment layers the settings given on the command line
//! over the file's; unknown keys are errors that name the key and the file, so a typo never
//! silently falls back to a default.

// The doc comments on `Cli` are its `--help` text, written for a terminal, not for rustdoc.
#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;
use axum::Router;
use clap::Parser;
use ecom_core::Environment;
use figment::providers::Serialized;
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;

/// Default listen address: loopback only, so nothing is exposed unless asked for.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default upstream timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default request body limit (Vipps request bodies are a few kilobytes).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default sustained rate per client IP.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 600;
/// Default burst per client IP.
pub const DEFAULT_RATE_BURST: u32 = 60;
/// Base URL of the Vipps test environment (MT).
pub const MT_BASE_URL: &str = "https://apitest.vipps.no";
/// Base URL of the Vipps production API.
pub const PRODUCTION_BASE_URL: &str = "https://api.vipps.no";
/// Development origins allowed by default by a local server only (`trunk serve` in the dev
/// setup); see [`Config::is_local`].
pub const DEV_ORIGINS: [&str; 2] = ["http://127.0.0.1:8081", "http://localhost:8081"];
/// Default time a client has to send a request's headers (and, between keep-alive requests,
/// to start the next one).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on open client connections: below the common 1024 file-descriptor limit, with
/// room for upstream connections and static files.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Shortest access token accepted, so a guessable token is refused at start-up.
pub const MIN_TOKEN_LEN: usize = 16;
/// Default number of visitors a hosted sandbox (`--hosted-sandbox`) serves at once.
pub const DEFAULT_HOSTED_SANDBOX_VISITORS: usize = 100;
/// Default idle time after which a hosted sandbox visitor's sandbox is dropped.
pub const DEFAULT_HOSTED_SANDBOX_IDLE: Duration = Duration::from_secs(15 * 60);
/// Default number of new hosted sandbox visitors per client IP per minute (also the burst).
pub const DEFAULT_HOSTED_SANDBOX_NEW_PER_MINUTE: u32 = 6;
/// Path segment reserved for the proxy's own endpoints.
pub use crate::wire::RESERVED_SEGMENT;

/// eCom Playground server: the CORS proxy to the Vipps APIs, the in-process sandbox and the
/// built app, on one origin.
///
/// Routes: `/<upstream>/<path>` forwards to that upstream (`sandbox`, `mt`, and `production` or
/// extra upstreams when configured); `/__proxy/info` lists the upstreams; anything else is a
/// static file from --static-dir.
#[derive(Debug, Default, Parser, Serialize, Deserialize)]
#[command(name = "ecom-proxy", version, about, long_about = None)]
// Serde is the config file's view: every key optional, unknown keys refused, and only the
// settings given on the command line (or in the environment) serialized, so that they are
// layered over the file's and the rest fall through to it.
#[serde(default, deny_unknown_fields)]
pub struct Cli {
    /// TOML file with settings (keys are the long flag names with `_` for `-`); flags and
    /// environment variables win over it.
    #[arg(long, env = "ECOM_PROXY_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address to listen on [default: 127.0.0.1:8080]. Bind a public address only behind a
    /// TLS-terminating reverse proxy.
    #[arg(long, env = "ECOM_PROXY_LISTEN", value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,

    /// URL browsers use to reach this server [default: http://<listen address>]. Needed behind
    /// a reverse proxy: it is this server's allowed origin and the base of the sandbox's URLs.
    #[arg(long, env = "ECOM_PROXY_PUBLIC_URL", value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,

    /// Do not host the in-process sandbox under /sandbox.
    #[arg(long, env = "ECOM_PROXY_NO_SANDBOX")]
    #[serde(skip_serializing_if = "is_false")]
    pub no_sandbox: bool,

    /// Serve a sandbox under /sandbox even though this server is not local, one per visitor
    /// (kept apart by a cookie, each with a small memory budget, dropped when idle). Without
    /// it a hosted server has no sandbox upstream and the app uses its in-browser sandbox; a
    /// local server always has its one shared sandbox.
    #[arg(long, env = "ECOM_PROXY_HOSTED_SANDBOX")]
    #[serde(skip_serializing_if = "is_false")]
    pub hosted_sandbox: bool,

    /// Visitors the hosted sandbox serves at once; a new visitor beyond them gets 503 and no
    /// visitor is ever evicted [default: 100]. Memory: about 544 KiB each.
    #[arg(
        long,
        env = "ECOM_PROXY_HOSTED_SANDBOX_VISITORS",
        value_name = "VISITORS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_sandbox_visitors: Option<usize>,

    /// Seconds without a request after which a hosted sandbox visitor's sandbox is dropped
    /// [default: 900].
    #[arg(long, env = "ECOM_PROXY_HOSTED_SANDBOX_IDLE", value_name = "SECONDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_sandbox_idle: Option<f64>,

    /// New hosted sandbox visitors each client IP may start per minute (also the burst); 0
    /// turns the limit off [default: 6].
    #[arg(
        long,
        env = "ECOM_PROXY_HOSTED_SANDBOX_NEW_PER_MINUTE",
        value_name = "VISITORS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_sandbox_new_per_minute: Option<u32>,

    /// Do not offer the Vipps test environment (https://apitest.vipps.no) under /mt.
    #[arg(long, env = "ECOM_PROXY_NO_MT")]
    #[serde(skip_serializing_if = "is_false")]
    pub no_mt: bool,

    /// Offer the Vipps production API (https://api.vipps.no) under /production. It moves real
    /// money: enable it deliberately.
    #[arg(long, env = "ECOM_PROXY_ENABLE_PRODUCTION")]
    #[serde(skip_serializing_if = "is_false")]
    pub enable_production: bool,

    /// Extra upstream as NAME=https://host[/base-path]; repeat the flag (or separate with commas
    /// in the environment variable). NAME is lower-case letters, digits and `-`.
    #[arg(
        long = "upstream",
        env = "ECOM_PROXY_UPSTREAMS",
        value_delimiter = ',',
        value_name = "NAME=URL"
    )]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,

    /// PEM file of CA certificates to trust for upstream TLS, in addition to the public roots
    /// (for an upstream with a private or test certificate authority).
    #[arg(long, env = "ECOM_PROXY_TRUST_CA", value_name = "PEM")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_ca: Option<PathBuf>,

    /// Browser origin (scheme://host[:port]) allowed to call the proxy; repeatable. Default: this
    /// server's own origin, plus http://127.0.0.1:8081 and http://localhost:8081 (trunk serve)
    /// when the server is local (loopback listen address and public URL). This server's own
    /// origin is always allowed.
    #[arg(
        long = "allowed-origin",
        env = "ECOM_PROXY_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_origin: Vec<String>,

    /// Host name (host or host:port) this server answers for besides its listen address and
    /// public URL; repeatable. Requests with any other Host are refused with 421, which stops
    /// DNS-rebinding attacks. A name without a port is accepted on any port.
    #[arg(
        long = "allowed-host",
        env = "ECOM_PROXY_ALLOWED_HOSTS",
        value_delimiter = ',',
        value_name = "HOST[:PORT]"
    )]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_host: Vec<String>,

    /// Origin (scheme://host[:port]) allowed to show the playground in a frame, such as a
    /// documentation site that embeds it; repeatable. Default: only this server itself
    /// (frame-ancestors 'self', X-Frame-Options SAMEORIGIN).
    #[arg(
        long = "frame-ancestors",
        env = "ECOM_PROXY_FRAME_ANCESTORS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frame_ancestors: Vec<String>,

    /// Seconds a client has to send a request's headers, after connecting and between
    /// keep-alive requests; a connection that takes longer (slow or idle) is closed [default: 10].
    #[arg(long, env = "ECOM_PROXY_HEADER_READ_TIMEOUT", value_name = "SECONDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_read_timeout: Option<f64>,

    /// Most client connections open at once; further connections wait until one closes
    /// [default: 512]. Keep it below the process's file-descriptor limit (ulimit -n).
    #[arg(long, env = "ECOM_PROXY_MAX_CONNECTIONS", value_name = "CONNECTIONS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,

    /// Access token clients must send in the X-Proxy-Token header (at least 16 characters).
    /// Prefer the environment variable, so the token does not show in the process list.
    #[arg(
        long,
        env = "ECOM_PROXY_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,

    /// Require the token for the in-process sandbox too. Off by default because the sandbox's
    /// landing pages are opened by browser navigation, which cannot send the header.
    #[arg(long, env = "ECOM_PROXY_TOKEN_COVERS_SANDBOX")]
    #[serde(skip_serializing_if = "is_false")]
    pub token_covers_sandbox: bool,

    /// Largest request body forwarded, in bytes [default: 1048576].
    #[arg(long, env = "ECOM_PROXY_BODY_LIMIT", value_name = "BYTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_limit: Option<usize>,

    /// Seconds to wait for an upstream's answer before giving up with 504 [default: 10].
    #[arg(long, env = "ECOM_PROXY_UPSTREAM_TIMEOUT", value_name = "SECONDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_timeout: Option<f64>,

    /// Requests per minute each client IP may send to the upstreams; 0 turns rate limiting off
    /// [default: 600].
    #[arg(long, env = "ECOM_PROXY_RATE_LIMIT", value_name = "PER_MINUTE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,

    /// Requests a client IP may send at once before the per-minute rate applies [default: 60].
    #[arg(long, env = "ECOM_PROXY_RATE_LIMIT_BURST", value_name = "REQUESTS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_burst: Option<u32>,

    /// Take the client IP for rate limiting from the last X-Forwarded-For entry. Only behind a
    /// reverse proxy that appends it; otherwise clients could pick their own address.
    #[arg(long, env = "ECOM_PROXY_CLIENT_IP_FROM_FORWARDED_FOR")]
    #[serde(skip_serializing_if = "is_false")]
    pub client_ip_from_forwarded_for: bool,

    /// Directory of the built app (Trunk's dist/) to serve on the same origin; / serves its
    /// index.html.
    #[arg(long, env = "ECOM_PROXY_STATIC_DIR", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_dir: Option<PathBuf>,

    /// Let the sandbox send payment callbacks to loopback addresses (for a merchant server
    /// running on this machine). Local use only: refused unless --listen is a loopback address
    /// and --public-url (if given) is on a loopback host.
    #[arg(long, env = "ECOM_PROXY_SANDBOX_ALLOW_LOOPBACK_CALLBACKS")]
    #[serde(skip_serializing_if = "is_false")]
    pub sandbox_allow_loopback_callbacks: bool,

    /// Serve the sandbox's control surface (/sandbox/__sim/…: reset, clock, recorded
    /// callbacks, driving payments) even though this server is not local. UNSAFE for hosting:
    /// anyone who reaches the server could then use it. Without this flag it is only served
    /// when --listen is a loopback address and --public-url (if given) is on a loopback host.
    #[arg(long, env = "ECOM_PROXY_SANDBOX_CONTROL")]
    #[serde(skip_serializing_if = "is_false")]
    pub sandbox_control: bool,

    /// Turn off the sandbox's simulated Vipps rate limits.
    #[arg(long, env = "ECOM_PROXY_SANDBOX_NO_RATE_LIMITS")]
    #[serde(skip_serializing_if = "is_false")]
    pub sandbox_no_rate_limits: bool,
}

/// Where an upstream's requests go.
#[derive(Clone)]
pub enum Target {
    /// The `ecom-sandbox` Router, built at start-up and called in-process (no network hop).
    Sandbox,
    /// Any other in-process Router (tests and embedders).
    Router(Router),
    /// An HTTPS base URL; request paths are appended to its path.
    Http(Url),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Sandbox => f.write_str("Sandbox"),
            Target::Router(_) => f.write_str("Router"),
            Target::Http(url) => write!(f, "Http({url})"),
        }
    }
}

/// One named upstream.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// The first path segment that selects it.
    pub name: String,
    /// Where its requests go.
    pub target: Target,
    /// Whether the access token (if one is configured) is required for it.
    pub token_required: bool,
}

/// Per-client-IP rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once.
    pub burst: u32,
}

/// Options passed through to the in-process sandbox.
#[derive(Debug, Clone, Copy, Default)]
pub struct SandboxOptions {
    /// Allow callbacks to loopback addresses.
    pub allow_loopback_callbacks: bool,
    /// Simulate Vipps' rate limits.
    pub rate_limits: bool,
}

/// The sandbox per visitor of a hosted server (`--hosted-sandbox`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostedSandbox {
    /// Visitors served at once.
    pub visitors: usize,
    /// Idle time after which a visitor's sandbox is dropped.
    pub idle: Duration,
    /// New visitors per client IP per minute (and burst); `None` is no limit.
    pub new_per_minute: Option<u32>,
}

/// The access token clients must send. Its `Debug` never shows the value.
#[derive(Clone)]
pub struct ProxyToken(String);

impl ProxyToken {
    /// The token's bytes, for the constant-time comparison.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for ProxyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProxyToken(<redacted>)")
    }
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Public URL without a trailing slash; `None` means derived from the bound address.
    pub public_url: Option<Url>,
    /// Upstreams in the order they are listed by `/__proxy/info`.
    pub upstreams: Vec<Upstream>,
    /// Extra CA certificates (PEM) trusted for upstream TLS.
    pub trust_ca_pem: Option<Vec<u8>>,
    /// Allowed origins; `None` means the defaults (own origin, and [`DEV_ORIGINS`] when local).
    pub allowed_origins: Option<Vec<HeaderValue>>,
    /// Extra `Host` values accepted, lower-case `host` or `host:port` (a bare host matches any
    /// port); the listen address and the public URL are always accepted.
    pub allowed_hosts: Vec<String>,
    /// Origins allowed to frame the playground besides itself; empty means only itself.
    pub frame_ancestors: Vec<String>,
    /// Time a client has to send a request's headers (also between keep-alive requests).
    pub header_read_timeout: Duration,
    /// Most client connections open at once.
    pub max_connections: usize,
    /// Access token clients must send, if any.
    pub token: Option<ProxyToken>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// How long to wait for an upstream.
    pub upstream_timeout: Duration,
    /// Per-client-IP rate limit; `None` is off.
    pub rate_limit: Option<RateLimit>,
    /// Take the client IP from X-Forwarded-For.
    pub client_ip_from_forwarded_for: bool,
    /// Directory of static files to serve.
    pub static_dir: Option<PathBuf>,
    /// Serve the sandbox's `/__sim` control surface even when the server is not local
    /// (`--sandbox-control`; see [`Config::is_local`]).
    pub sandbox_control: bool,
    /// Options for the in-process sandbox.
    pub sandbox: SandboxOptions,
    /// One sandbox per visitor instead of one shared sandbox (`--hosted-sandbox`).
    pub hosted_sandbox: Option<HostedSandbox>,
}

impl Default for Config {
    /// The same as starting the binary with no flags.
    fn default() -> Self {
        Cli::default()
            .into_config()
            .expect("the default settings are valid")
    }
}

fn config_err(setting: &'static str, message: impl Into<String>) -> Error {
    Error::Config {
        setting,
        message: message.into(),
    }
}

impl Cli {
    /// Reads the `--config` file (if any), layers the flags and environment variables over it
    /// and validates the result.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first invalid setting and how to fix it.
    pub fn into_config(self) -> Result<Config, Error> {
        match self.config.clone() {
            Some(path) => self.over_file(path)?.validate(),
            None => self.validate(),
        }
    }

    /// These settings (flags and environment variables, which clap has already ranked) over
    /// the file's: a setting given here wins, the others come from the file or stay unset.
    fn over_file(self, path: PathBuf) -> Result<Cli, Error> {
        let file = ConfigFile::read(path)?;
        let invalid = |e: figment::Error| {
            config_err(
                "--config",
                format!("{} is not a valid config file: {e}", file.path.display()),
            )
        };
        let mut merged: Cli = Figment::new()
            .merge(&file)
            .merge(Serialized::defaults(&self))
            .extract()
            .map_err(invalid)?;
        merged.config = Some(file.path);
        Ok(merged)
    }

    fn validate(self) -> Result<Config, Error> {
        let listen = match self.listen {
            Some(addr) => addr,
            None => DEFAULT_LISTEN.parse().expect("the default address parses"),
        };
        let public_url = self
            .public_url
            .as_deref()
            .map(parse_public_url)
            .transpose()?;

        let token_covers_sandbox = self.token_covers_sandbox;
        // A sandbox shared by everyone who can reach the server is only safe on this machine;
        // a hosted server offers one only when asked, and then one per visitor.
        let local = listen.ip().is_loopback() && public_url.as_ref().is_none_or(is_loopback_url);
        let hosted_sandbox = self.hosted_sandbox_settings()?;
        let mut upstreams = Vec::new();
        if !self.no_sandbox && (local || hosted_sandbox.is_some()) {
            upstreams.push(Upstream {
                name: crate::wire::SANDBOX_UPSTREAM.into(),
                target: Target::Sandbox,
                token_required: token_covers_sandbox,
            });
        }
        if !self.no_mt {
            upstreams.push(http_upstream(Environment::Mt.upstream(), MT_BASE_URL)?);
        }
        if self.enable_production {
            upstreams.push(http_upstream(
                Environment::Production.upstream(),
                PRODUCTION_BASE_URL,
            )?);
        }
        for spec in &self.upstream {
            let (name, url) = spec.split_once('=').ok_or_else(|| {
                config_err(
                    "--upstream",
                    format!(
                        "`{}` is not NAME=URL; write it like staging=https://api.example.com",
                        crate::error::printable(spec, 80)
                    ),
                )
            })?;
            let upstream = http_upstream(name.trim(), url.trim())?;
            if upstreams.iter().any(|u| u.name == upstream.name) {
                return Err(config_err(
                    "--upstream",
                    format!(
                        "the upstream name `{}` is used twice; give each upstream its own name",
                        upstream.name
                    ),
                ));
            }
            upstreams.push(upstream);
        }
        if upstreams.is_empty() {
            return Err(config_err(
                "upstreams",
                "every upstream is turned off; keep MT or the sandbox (a hosted server serves it only with --hosted-sandbox), or add one with --upstream",
            ));
        }

        let trust_ca_pem = match &self.trust_ca {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    config_err("--trust-ca", format!("cannot read {}: {e}", path.display()))
                })?;
                let certificates = crate::client::certificates(&pem).map_err(|e| {
                    config_err(
                        "--trust-ca",
                        format!("{} is not a PEM certificate bundle ({e}); pass the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)", path.display()),
                    )
                })?;
                if certificates.is_empty() {
                    return Err(config_err(
                        "--trust-ca",
                        format!("{} holds no certificate; pass the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)", path.display()),
                    ));
                }
                Some(pem)
            }
            None => None,
        };

        let allowed_origins = if self.allowed_origin.is_empty() {
            None
        } else {
            Some(
                self.allowed_origin
                    .iter()
                    .map(|o| parse_origin(o))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };

        let allowed_hosts = self
            .allowed_host
            .iter()
            .map(|h| parse_host(h))
            .collect::<Result<Vec<_>, _>>()?;
        let frame_ancestors = self
            .frame_ancestors
            .iter()
            .map(|o| {
                parse_origin(o)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .map_err(|_| config_err("--frame-ancestors", format!("`{}` is not an origin; write scheme://host[:port] without a path, like https://docs.example.com", crate::error::printable(o, 100))))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let header_read_timeout = match self.header_read_timeout {
            None => DEFAULT_HEADER_READ_TIMEOUT,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 600.0 => {
                Duration::from_secs_f64(secs)
            }
            Some(secs) => {
                return Err(config_err(
                    "--header-read-timeout",
                    format!(
                        "{secs} is not a number of seconds between 0 and 600; use for example 10"
                    ),
                ))
            }
        };
        let max_connections = self.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        if max_connections == 0 {
            return Err(config_err(
                "--max-connections",
                "0 would refuse every connection; use a positive number such as 512",
            ));
        }

        let token = match self.token {
            Some(token) => {
                if token.len() < MIN_TOKEN_LEN {
                    return Err(config_err(
                        "--token",
                        format!("the token is shorter than {MIN_TOKEN_LEN} characters; use a long random value, for example from `openssl rand -hex 24`"),
                    ));
                }
                if !token.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(config_err(
                        "--token",
                        "the token must be printable ASCII without spaces so it fits in an HTTP header",
                    ));
                }
                Some(ProxyToken(token))
            }
            None => None,
        };

        let body_limit = self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT);
        if body_limit == 0 {
            return Err(config_err(
                "--body-limit",
                "0 would refuse every request body; use a positive number of bytes such as 1048576",
            ));
        }

        let upstream_timeout = match self.upstream_timeout {
            None => DEFAULT_TIMEOUT,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 600.0 => {
                Duration::from_secs_f64(secs)
            }
            Some(secs) => {
                return Err(config_err(
                    "--upstream-timeout",
                    format!(
                        "{secs} is not a number of seconds between 0 and 600; use for example 10"
                    ),
                ))
            }
        };

        let rate_limit = match self.rate_limit.unwrap_or(DEFAULT_RATE_PER_MINUTE) {
            0 => None,
            per_minute => {
                let burst = self.rate_limit_burst.unwrap_or(DEFAULT_RATE_BURST);
                if burst == 0 {
                    return Err(config_err(
                        "--rate-limit-burst",
                        "0 would refuse every request; use at least 1, or --rate-limit 0 to turn rate limiting off",
                    ));
                }
                Some(RateLimit { per_minute, burst })
            }
        };

        if self.sandbox_allow_loopback_callbacks {
            let not_local = if !listen.ip().is_loopback() {
                Some(format!(
                    "the listen address {listen} is not a loopback address"
                ))
            } else {
                public_url
                    .as_ref()
                    .filter(|url| !is_loopback_url(url))
                    .map(|url| {
                        format!(
                            "the public URL {} is not on a loopback host",
                            url.as_str().trim_end_matches('/')
                        )
                    })
            };
            if let Some(why) = not_local {
                return Err(config_err(
                    "--sandbox-allow-loopback-callbacks",
                    format!("{why}, and a hosted proxy must not call its own loopback services (anyone could make its sandbox send requests to them); drop the flag for a hosted deployment, or listen on 127.0.0.1 without a public --public-url to use it locally"),
                ));
            }
        }

        if let Some(dir) = &self.static_dir {
            if !dir.is_dir() {
                return Err(config_err(
                    "--static-dir",
                    format!("{} is not a directory; build the app first (trunk build) and pass its dist/ directory", dir.display()),
                ));
            }
        }

        Ok(Config {
            listen,
            public_url,
            upstreams,
            trust_ca_pem,
            allowed_origins,
            allowed_hosts,
            frame_ancestors,
            header_read_timeout,
            max_connections,
            token,
            body_limit,
            upstream_timeout,
            rate_limit,
            client_ip_from_forwarded_for: self.client_ip_from_forwarded_for,
            static_dir: self.static_dir,
            sandbox_control: self.sandbox_control,
            sandbox: SandboxOptions {
                allow_loopback_callbacks: self.sandbox_allow_loopback_callbacks,
                rate_limits: !self.sandbox_no_rate_limits,
            },
            hosted_sandbox: hosted_sandbox.filter(|_| !self.no_sandbox),
        })
    }

    /// The `--hosted-sandbox*` settings, validated; `None` without `--hosted-sandbox`.
    fn hosted_sandbox_settings(&self) -> Result<Option<HostedSandbox>, Error> {
        if !self.hosted_sandbox {
            return Ok(None);
        }
        let visitors = self
            .hosted_sandbox_visitors
            .unwrap_or(DEFAULT_HOSTED_SANDBOX_VISITORS);
        if visitors == 0 {
            return Err(config_err(
                "--hosted-sandbox-visitors",
                "0 would refuse every visitor; use a positive number such as 100, or drop --hosted-sandbox",
            ));
        }
        let idle = match self.hosted_sandbox_idle {
            None => DEFAULT_HOSTED_SANDBOX_IDLE,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => {
                Duration::from_secs_f64(secs)
            }
            Some(secs) => {
                return Err(config_err(
                    "--hosted-sandbox-idle",
                    format!(
                    "{secs} is not a number of seconds between 0 and 86400; use for example 900"
                ),
                ))
            }
        };
        let new_per_minute = match self
            .hosted_sandbox_new_per_minute
            .unwrap_or(DEFAULT_HOSTED_SANDBOX_NEW_PER_MINUTE)
        {
            0 => None,
            n => Some(n),
        };
        Ok(Some(HostedSandbox {
            visitors,
            idle,
            new_per_minute,
        }))
    }
}

impl Config {
    /// True if this server is only for this machine: it listens on a loopback address and its
    /// public URL, if one is set, is on a loopback host. Only then are the sandbox's control
    /// surface and loopback callbacks safe.
    pub fn is_local(&self) -> bool {
        self.listen.ip().is_loopback() && self.public_url.as_ref().is_none_or(is_loopback_url)
    }

    /// The public URL (no trailing slash) for a server bound to `local`: the configured one, or
    /// `http://<local>` with an unspecified address replaced by loopback.
    pub fn public_url_for(&self, local: SocketAddr) -> Url {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let ip = match local.ip() {
            std::net::IpAddr::V4(v4) if v4.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(v6) if v6.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
            ip => ip,
        };
        let url = format!("http://{}", SocketAddr::new(ip, local.port()));
        Url::parse(&url).expect("a socket address forms a valid URL")
    }

    /// Adds an in-process upstream (a test upstream, or a Router embedded by another program).
    ///
    /// # Errors
    /// [`Error::Config`] if the name is invalid or taken.
    pub fn add_router_upstream(&mut self, name: &str, router: Router) -> Result<(), Error> {
        check_name(name)?;
        if self.upstreams.iter().any(|u| u.name == name) {
            return Err(config_err(
                "--upstream",
                format!("the upstream name `{name}` is used twice"),
            ));
        }
        self.upstreams.push(Upstream {
            name: name.to_string(),
            target: Target::Router(router),
            token_required: true,
        });
        Ok(())
    }
}

/// For `skip_serializing_if`: a flag that was not given.
fn is_false(value: &bool) -> bool {
    !value
}

/// The `--config` file, parsed, as a figment provider: its keys are [`Cli`]'s fields (the long
/// flag names with `_` for `-`).
struct ConfigFile {
    path: PathBuf,
    table: toml::Table,
}

impl ConfigFile {
    fn read(path: PathBuf) -> Result<Self, Error> {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| config_err("--config", format!("cannot read {}: {e}", path.display())))?;
        let table = toml::from_str(&text).map_err(|e| {
            config_err(
                "--config",
                format!("{} is not a valid config file: {e}", path.display()),
            )
        })?;
        Ok(Self { path, table })
    }
}

impl Provider for &ConfigFile {
    fn metadata(&self) -> Metadata {
        // Keys are named as they are written in the file (`lisen`), not `default.lisen`.
        Metadata::from("config file", self.path.as_path())
            .interpolater(|_profile, keys| keys.join("."))
    }

    fn data(&self) -> Result<figment::value::Map<Profile, figment::value::Dict>, figment::Error> {
        Serialized::defaults(&self.table).data()
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name != RESERVED_SEGMENT;
    if ok {
        Ok(())
    } else {
        Err(config_err(
            "--upstream",
            format!(
                "`{}` is not a usable upstream name; use 1–40 lower-case letters, digits or `-`",
                crate::error::printable(name, 40)
            ),
        ))
    }
}

fn http_upstream(name: &str, url: &str) -> Result<Upstream, Error> {
    check_name(name)?;
    let parsed = Url::parse(url).map_err(|e| {
        config_err(
            "--upstream",
            format!(
                "the URL of `{name}` does not parse ({e}); write it like https://api.example.com"
            ),
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(config_err(
            "--upstream",
            format!(
                "the URL of `{name}` must use https, because secrets pass through it; got {}",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host_str().is_none()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(config_err(
            "--upstream",
            format!("the URL of `{name}` must be https://host[:port][/path] without credentials, query or fragment"),
        ));
    }
    Ok(Upstream {
        name: name.to_string(),
        target: Target::Http(parsed),
        token_required: true,
    })
}

fn parse_public_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text).map_err(|e| {
        config_err(
            "--public-url",
            format!(
                "`{}` does not parse ({e}); write it like https://playground.example.com",
                crate::error::printable(text, 100)
            ),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(config_err(
            "--public-url",
            "use an http(s) URL without credentials, query or fragment, like https://playground.example.com",
        ));
    }
    let trimmed = url.as_str().trim_end_matches('/').to_string();
    Ok(Url::parse(&trimmed).expect("trimming a trailing slash keeps a URL valid"))
}

/// True if the URL's host is `localhost` (or below it) or a loopback IP address.
pub(crate) fn is_loopback_url(url: &Url) -> bool {
    url.host_str().is_some_and(|host| {
        ecom_core::validate::is_loopback_host(host)
            || ecom_core::validate::is_localhost_subdomain(host)
    })
}

/// The origin (`scheme://host[:port]`) of a URL, as browsers send it in `Origin`.
pub(crate) fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Parses an `--allowed-host` value into the lower-case `host[:port]` a `Host` header carries.
fn parse_host(text: &str) -> Result<String, Error> {
    let bad = || {
        config_err(
            "--allowed-host",
            format!("`{}` is not a host name; write host or host:port without a scheme or path, like playground.example.com or 10.0.0.5:8080", crate::error::printable(text, 100)),
        )
    };
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.contains(['/', '@', '?', '#']) {
        return Err(bad());
    }
    let url = Url::parse(&format!("http://{trimmed}")).map_err(|_| bad())?;
    let host = url.host_str().ok_or_else(bad)?;
    // `Url` drops port 80 for http; a Host header may still carry it, so keep what was written.
    let explicit_port = trimmed
        .rsplit_once(':')
        .filter(|(h, p)| !h.ends_with(':') && !p.contains(']') && !p.is_empty())
        .map(|(_, p)| p.parse::<u16>().map_err(|_| bad()))
        .transpose()?;
    Ok(match explicit_port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

fn parse_origin(text: &str) -> Result<HeaderValue, Error> {
    let bad = || {
        config_err(
            "--allowed-origin",
            format!("`{}` is not an origin; write scheme://host[:port] without a path, like https://docs.example.com", crate::error::printable(text, 100)),
        )
    };
    let url = Url::parse(text).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.path() != "/" && !url.path().is_empty() {
        return Err(bad());
    }
    let origin = origin_of(&url);
    if origin != text.trim_end_matches('/') {
        return Err(bad());
    }
    HeaderValue::from_str(&origin).map_err(|_| bad())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, Error> {
        let mut all = vec!["ecom-proxy"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().into_config()
    }

    fn message(args: &[&str]) -> String {
        parse(args).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_sandbox_and_mt_on_loopback() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        let names: Vec<_> = config.upstreams.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["sandbox", "mt"]);
        assert_eq!(config.upstream_timeout, Duration::from_secs(10));
        assert!(config.token.is_none());
        assert_eq!(
            config
                .public_url_for("0.0.0.0:9000".parse().unwrap())
                .as_str(),
            "http://127.0.0.1:9000/"
        );
    }

    #[test]
    fn production_only_when_enabled() {
        let config = parse(&["--enable-production", "--no-mt"]).unwrap();
        let names: Vec<_> = config.upstreams.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["sandbox", "production"]);
    }

    #[test]
    fn invalid_settings_name_the_setting_and_the_fix() {
        let cases: &[(&[&str], &str)] = &[
            (&["--upstream", "x=http://example.com"], "must use https"),
            (&["--upstream", "nourl"], "is not NAME=URL"),
            (
                &["--upstream", "Bad_Name=https://a.example"],
                "not a usable upstream name",
            ),
            (&["--upstream", "mt=https://a.example"], "used twice"),
            (
                &["--upstream", "x=https://u:p@a.example"],
                "without credentials",
            ),
            (
                &["--allowed-origin", "https://a.example/path"],
                "is not an origin",
            ),
            (&["--token", "short"], "shorter than 16"),
            (&["--upstream-timeout", "0"], "between 0 and 600"),
            (&["--body-limit", "0"], "--body-limit"),
            (&["--no-sandbox", "--no-mt"], "every upstream is turned off"),
            (
                &["--static-dir", "/definitely/not/here"],
                "build the app first",
            ),
            (&["--trust-ca", "/definitely/not/here.pem"], "cannot read"),
            (&["--public-url", "ftp://x"], "--public-url"),
            (
                &["--allowed-host", "https://docs.example.com"],
                "is not a host name",
            ),
            (&["--allowed-host", "a.example:99999"], "--allowed-host"),
            (
                &["--frame-ancestors", "https://docs.example.com/page"],
                "invalid --frame-ancestors",
            ),
            (&["--header-read-timeout", "0"], "--header-read-timeout"),
            (&["--max-connections", "0"], "--max-connections"),
        ];
        for (args, expected) in cases {
            let text = message(args);
            assert!(text.contains(expected), "{args:?}: {text}");
        }
    }

    #[test]
    fn loopback_callbacks_only_for_a_local_proxy() {
        for args in [
            &[
                "--sandbox-allow-loopback-callbacks",
                "--listen",
                "0.0.0.0:8080",
            ][..],
            &[
                "--sandbox-allow-loopback-callbacks",
                "--listen",
                "10.0.0.5:8080",
            ],
            &[
                "--sandbox-allow-loopback-callbacks",
                "--public-url",
                "https://playground.example.com",
            ],
        ] {
            let text = message(args);
            assert!(
                text.contains("--sandbox-allow-loopback-callbacks")
                    && text.contains("must not call its own loopback services")
                    && text.contains("drop the flag"),
                "{args:?}: {text}"
            );
        }
        for args in [
            &["--sandbox-allow-loopback-callbacks"][..],
            &[
                "--sandbox-allow-loopback-callbacks",
                "--listen",
                "[::1]:8080",
            ],
            &[
                "--sandbox-allow-loopback-callbacks",
                "--public-url",
                "http://localhost:8080",
            ],
        ] {
            let config = parse(args).unwrap();
            assert!(config.is_local() && config.sandbox.allow_loopback_callbacks);
        }
        assert!(!parse(&["--listen", "10.0.0.5:8080"]).unwrap().is_local());
    }

    #[test]
    fn hosts_frame_ancestors_and_connection_limits() {
        let config = parse(&[]).unwrap();
        assert!(config.allowed_hosts.is_empty() && config.frame_ancestors.is_empty());
        assert_eq!(config.header_read_timeout, DEFAULT_HEADER_READ_TIMEOUT);
        assert_eq!(config.max_connections, DEFAULT_MAX_CONNECTIONS);
        let config = parse(&[
            "--allowed-host",
            "Docs.Example.com",
            "--allowed-host",
            "10.0.0.5:80",
            "--allowed-host",
            "[::1]:8080",
            "--frame-ancestors",
            "https://docs.example.com",
            "--header-read-timeout",
            "2.5",
            "--max-connections",
            "64",
        ])
        .unwrap();
        assert_eq!(
            config.allowed_hosts,
            ["docs.example.com", "10.0.0.5:80", "[::1]:8080"]
        );
        assert_eq!(config.frame_ancestors, ["https://docs.example.com"]);
        assert_eq!(config.header_read_timeout, Duration::from_millis(2500));
        assert_eq!(config.max_connections, 64);
    }

    #[test]
    fn a_hosted_server_has_a_sandbox_only_when_asked_and_then_one_per_visitor() {
        let names = |config: &Config| -> Vec<String> {
            config.upstreams.iter().map(|u| u.name.clone()).collect()
        };
        let local = parse(&[]).unwrap();
        assert_eq!(names(&local), ["sandbox", "mt"]);
        assert!(local.hosted_sandbox.is_none());
        for hosted in [
            &["--public-url", "https://docs.example.com"][..],
            &["--listen", "10.0.0.5:8080"],
        ] {
            let config = parse(hosted).unwrap();
            assert_eq!(names(&config), ["mt"], "{hosted:?}");
            assert!(config.hosted_sandbox.is_none());
            let mut asked = hosted.to_vec();
            asked.push("--hosted-sandbox");
            let config = parse(&asked).unwrap();
            assert_eq!(names(&config), ["sandbox", "mt"], "{hosted:?}");
            assert_eq!(
                config.hosted_sandbox,
                Some(HostedSandbox {
                    visitors: DEFAULT_HOSTED_SANDBOX_VISITORS,
                    idle: DEFAULT_HOSTED_SANDBOX_IDLE,
                    new_per_minute: Some(DEFAULT_HOSTED_SANDBOX_NEW_PER_MINUTE),
                })
            );
        }
        let text = message(&["--listen", "10.0.0.5:8080", "--no-mt"]);
        assert!(text.contains("--hosted-sandbox"), "{text}");
        for (args, expected) in [
            (
                &["--hosted-sandbox", "--hosted-sandbox-visitors", "0"][..],
                "--hosted-sandbox-visitors",
            ),
            (
                &["--hosted-sandbox", "--hosted-sandbox-idle", "0"],
                "--hosted-sandbox-idle",
            ),
        ] {
            let text = message(args);
            assert!(text.contains(expected), "{args:?}: {text}");
        }
        let config = parse(&[
            "--hosted-sandbox",
            "--hosted-sandbox-visitors",
            "7",
            "--hosted-sandbox-idle",
            "60",
            "--hosted-sandbox-new-per-minute",
            "0",
        ])
        .unwrap();
        assert_eq!(
            config.hosted_sandbox,
            Some(HostedSandbox {
                visitors: 7,
                idle: Duration::from_secs(60),
                new_per_minute: None,
            })
        );
    }

    #[test]
    fn token_never_shows_in_debug_output() {
        let config = parse(&["--token", "0123456789abcdef-secret"]).unwrap();
        assert!(!format!("{config:?}").contains("secret"));
    }

    #[test]
    fn file_settings_apply_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proxy.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9999\"\nbody_limit = 1234\nupstream = [\"extra=https://a.example/base\"]\nrate_limit = 0\nallowed_host = [\"docs.example.com\"]\nframe_ancestors = [\"https://docs.example.com\"]\nheader_read_timeout = 5\nmax_connections = 100\n",
        )
        .unwrap();
        let config = parse(&["--config", path.to_str().unwrap(), "--body-limit", "99"]).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.body_limit, 99);
        assert!(config.rate_limit.is_none());
        assert!(config.upstreams.iter().any(|u| u.name == "extra"));
        assert_eq!(config.allowed_hosts, ["docs.example.com"]);
        assert_eq!(config.frame_ancestors, ["https://docs.example.com"]);
        assert_eq!(config.header_read_timeout, Duration::from_secs(5));
        assert_eq!(config.max_connections, 100);

        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let text = message(&["--config", path.to_str().unwrap()]);
        assert!(text.contains("unknown field"), "{text}");
    }

    #[test]
    fn the_environment_wins_over_the_file_and_a_flag_over_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proxy.toml");
        std::fs::write(
            &path,
            "rate_limit_burst = 7\nrate_limit = 70\nno_mt = true\nallowed_origin = [\"https://docs.example.com\"]\n",
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let burst = |config: Config| config.rate_limit.unwrap().burst;
        let from_file = parse(&["--config", file]).unwrap();
        assert_eq!(from_file.rate_limit.unwrap().per_minute, 70);
        assert!(from_file.upstreams.iter().all(|u| u.name != "mt"));
        assert_eq!(from_file.allowed_origins.unwrap().len(), 1);
        assert_eq!(burst(parse(&["--config", file]).unwrap()), 7);
        // No other test reads this variable.
        std::env::set_var("ECOM_PROXY_RATE_LIMIT_BURST", "8");
        let from_env = parse(&["--config", file]).map(burst);
        let from_flag = parse(&["--config", file, "--rate-limit-burst", "9"]).map(burst);
        std::env::remove_var("ECOM_PROXY_RATE_LIMIT_BURST");
        assert_eq!(from_env.unwrap(), 8);
        assert_eq!(from_flag.unwrap(), 9);
    }

    #[test]
    fn a_bad_file_names_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proxy.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let text = message(&["--config", path.to_str().unwrap()]);
        assert!(
            text.starts_with("invalid --config: ")
                && text.contains("unknown field: found `lisen`")
                && text.contains("listen")
                && text.contains(&path.display().to_string()),
            "{text}"
        );
        std::fs::write(&path, "body_limit = \"big\"\n").unwrap();
        let text = message(&["--config", path.to_str().unwrap()]);
        assert!(text.contains("body_limit"), "{text}");
        std::fs::write(&path, "config = \"other.toml\"\n").unwrap();
        assert!(message(&["--config", path.to_str().unwrap()]).contains("unknown field"));
        let text = message(&["--config", "/definitely/not/here.toml"]);
        assert!(
            text.contains("cannot read /definitely/not/here.toml"),
            "{text}"
        );
        std::fs::write(&path, "listen = \n").unwrap();
        assert!(
            message(&["--config", path.to_str().unwrap()]).contains("is not a valid config file")
        );
    }
}
