//! What the native servers (the sandbox and the proxy) share and the browser never needs:
//! the shutdown signal. Behind the `server` feature, so none of it reaches the wasm bundle.

/// Completes on Ctrl-C or, on Unix, SIGTERM: the moment a server stops accepting connections
/// and finishes the requests it has.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
