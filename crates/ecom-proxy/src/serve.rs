//! The accept loop: HTTP/1.1 connections with a header-read timeout and a cap on open
//! connections, served until shutdown and then drained.
//!
//! `axum::serve` has neither a header-read timeout nor a connection cap, so with 256 file
//! descriptors 300 idle connections were enough to make every further request fail with
//! `accept error: Too many open files`. This loop is `axum::serve`'s with those two added:
//!
//! - **Header-read timeout** (hyper's): a connection must deliver each request's headers within
//!   the timeout of being ready for it, so it covers both a slow request head and an idle
//!   keep-alive connection (hyper starts it again while waiting for the next request).
//! - **Connection cap**: at most `max_connections` connections are open; further clients wait
//!   in the listen backlog until one closes (which the timeout guarantees), instead of each
//!   costing a file descriptor. Reaching the cap is logged once per burst, not per connection:
//!   the first time, then at most once a minute while it keeps being reached, with the number
//!   of connections that had to wait.

use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Settings of the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Time a connection has to send a request's headers.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

/// Shortest time between two warnings that the connection cap is reached.
const CAP_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// When the cap's warning was last logged, and how many connections waited since.
#[derive(Debug, Default)]
struct Burst {
    logged_at: Option<Instant>,
    waited: usize,
}

impl Burst {
    /// Counts one connection that has to wait, and logs if this starts a burst (or a minute
    /// has passed since the last line).
    fn wait(&mut self, max_connections: usize) {
        self.waited += 1;
        if self
            .logged_at
            .is_some_and(|at| at.elapsed() < CAP_LOG_INTERVAL)
        {
            return;
        }
        tracing::warn!(
            waited = self.waited,
            "connection limit reached: {max_connections} connections are open (--max-connections); new connections wait until one closes (logged at most once a minute)"
        );
        self.logged_at = Some(Instant::now());
        self.waited = 0;
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for open connections to
/// finish their requests.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut burst = Burst::default();
    // Dropping `signal_rx` asks every connection to finish (`signal_tx.closed()`); each holds a
    // `close_rx` until it has, so `close_tx.closed()` completes when the last one is done.
    let (signal_tx, signal_rx) = watch::channel(());
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut accept_error_logged = false;
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    accept_error_logged = false;
                    accepted
                }
                Err(error) => {
                    // Out of file descriptors, or the client gave up before accept: wait a
                    // little instead of spinning, and say it once, not per attempt.
                    if !accept_error_logged {
                        tracing::warn!("accept error: {error}; retrying (logged once until a connection is accepted)");
                        accept_error_logged = true;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Accepted before its permit, so the loop knows a client really waits; it holds at most
        // this one connection beyond the cap.
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                burst.wait(limits.max_connections);
                tokio::select! {
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |request: hyper::Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(remote));
                request
            });
        let hyper_service = TowerToHyperService::new(service);
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let mut connection =
                pin!(builder.serve_connection(TokioIo::new(stream), hyper_service));
            let mut stopping = pin!(signal_tx.closed());
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!("connection from {remote} ended: {error}");
                        }
                        break;
                    }
                    () = &mut stopping => connection.as_mut().graceful_shutdown(),
                }
            }
            drop(permit);
            drop(close_rx);
        });
    }
    drop(listener);
    drop(signal_rx);
    drop(close_rx);
    close_tx.closed().await;
}
