//! `ecom-sandbox`: runs the local Vipps eCom simulator on its own.
//!
//! Only argument parsing and logging set-up live here; everything else is in the library.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use ecom_sandbox::SandboxConfig;
use tracing_subscriber::EnvFilter;

/// Local simulator of the Vipps eCom API v2 test environment (MT).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on. Loopback by default; the sandbox has no real security.
    #[arg(long, env = "ECOM_SANDBOX_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// Public base URL clients use to reach the sandbox, including any path prefix and
    /// without a trailing slash (default: the config file's, else http://<listen address>).
    #[arg(long, env = "ECOM_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// TOML configuration file (merchants, users, switches); defaults to the demo setup.
    #[arg(long, env = "ECOM_SANDBOX_CONFIG")]
    config: Option<PathBuf>,
    /// Deliver callbacks to loopback URLs (and accept http://localhost callback prefixes).
    /// Only with a loopback --listen address.
    #[arg(long, env = "ECOM_SANDBOX_ALLOW_LOOPBACK_CALLBACKS")]
    allow_loopback_callbacks: bool,
    /// Switch off the rate limits (for load tests).
    #[arg(long, env = "ECOM_SANDBOX_NO_RATE_LIMITS")]
    no_rate_limits: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let (mut config, file_sets_url) = match &args.config {
        Some(path) => match SandboxConfig::from_toml_file(path) {
            Ok(c) => {
                // A URL written in the file wins over the one derived from --listen.
                let sets_url = std::fs::read_to_string(path)
                    .ok()
                    .and_then(|t| t.parse::<toml::Table>().ok())
                    .is_some_and(|t| t.contains_key("public_base_url"));
                (c, sets_url)
            }
            Err(e) => {
                tracing::error!("{e}");
                return std::process::ExitCode::FAILURE;
            }
        },
        None => (SandboxConfig::default(), false),
    };
    if let Some(url) = &args.public_url {
        config.public_base_url = url.trim_end_matches('/').to_owned();
    } else if !file_sets_url {
        config.public_base_url = format!("http://{}", args.listen);
    }
    config.allow_loopback_callbacks |= args.allow_loopback_callbacks;
    config.rate_limits &= !args.no_rate_limits;
    // Anyone who can reach a non-loopback sandbox could point callbacks at this host's own
    // loopback services; that is only acceptable for a sandbox nobody else can reach.
    if config.allow_loopback_callbacks && !args.listen.ip().is_loopback() {
        tracing::error!(
            "loopback callbacks are only for a local sandbox: the listen address {} is not a loopback address, and a hosted sandbox must not call its own loopback services; drop --allow-loopback-callbacks (or allow_loopback_callbacks in the config file), or listen on 127.0.0.1",
            args.listen
        );
        return std::process::ExitCode::from(2);
    }
    if let Err(e) = config.validate() {
        tracing::error!("{e}");
        return std::process::ExitCode::FAILURE;
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(
        listen = %args.listen,
        public_url = %config.public_base_url,
        merchants = config.merchants.len(),
        users = config.users.len(),
        rate_limits = config.rate_limits,
        loopback_callbacks = config.allow_loopback_callbacks,
        "ecom-sandbox listening"
    );
    match ecom_sandbox::run(listener, config, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (the one signal both servers use), and says so.
async fn shutdown_signal() {
    ecom_core::server::shutdown_signal().await;
    tracing::info!("shutting down");
}

// The sandbox allocates many small, short-lived objects per request (JSON values, strings);
// mimalloc handles that pattern markedly faster than glibc malloc under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
