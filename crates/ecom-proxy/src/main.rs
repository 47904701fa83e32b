//! The `ecom-proxy` binary: parse the configuration, set up logging on stderr, listen, print the
//! URL to open on stdout, and serve until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use ecom_proxy::{run, shutdown_signal, subscriber, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Log lines are written by a background thread so a slow stderr never stalls requests;
    // not lossy: when its queue is full, requests wait rather than lose their log line. The
    // thread writes whatever is queued through one buffer and flushes when the queue is empty,
    // so under load many lines share one write call.
    let (writer, _flush_on_exit) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("ecom-proxy-log")
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    if tracing::subscriber::set_global_default(subscriber(writer)).is_err() {
        eprintln!("ecom-proxy: logging was already set up");
    }
    let config = match cli.into_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("ecom-proxy: {error}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "ecom-proxy: cannot listen on {}: {error}; pick another address with --listen",
                config.listen
            );
            return ExitCode::from(1);
        }
    };
    let url = match listener.local_addr() {
        Ok(local) => config.public_url_for(local),
        Err(error) => {
            eprintln!("ecom-proxy: cannot read the listening address: {error}");
            return ExitCode::from(1);
        }
    };
    print_url(&url);
    match run(listener, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ecom-proxy: {error}");
            ExitCode::from(1)
        }
    }
}

#[allow(
    clippy::print_stdout,
    reason = "the URL line is the binary's stdout contract"
)]
fn print_url(url: &url::Url) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    // Scripts wait for this exact line; flush so it is not stuck in a pipe buffer.
    let _ = writeln!(
        stdout,
        "eCom Playground: {}/",
        url.as_str().trim_end_matches('/')
    );
    let _ = stdout.flush();
}
