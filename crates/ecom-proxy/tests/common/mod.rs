//! Test fixtures: real servers on loopback. The proxy under test, an HTTPS echo upstream with a
//! certificate from a CA made at test time, a canary that must never be contacted, and a plain
//! HTTP client.

#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use clap::Parser;
use ecom_proxy::{Cli, Config};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::rustls;

/// A running proxy; dropping it shuts the server down.
pub struct TestProxy {
    pub addr: SocketAddr,
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ecom_proxy::Error>>>,
}

impl TestProxy {
    /// Stops the server gracefully and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Parses proxy flags exactly like the binary does.
pub fn config(args: &[&str]) -> Config {
    let mut all = vec!["ecom-proxy"];
    all.extend_from_slice(args);
    Cli::try_parse_from(all).unwrap().into_config().unwrap()
}

/// Starts the proxy on 127.0.0.1:0.
pub async fn spawn_proxy(config: Config) -> TestProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(ecom_proxy::run(listener, config, async move {
        let _ = stopped.await;
    }));
    TestProxy {
        addr,
        url: format!("http://{addr}"),
        stop: Some(stop),
        task: Some(task),
    }
}

/// A test certificate authority and a server certificate it signed for 127.0.0.1/localhost.
pub struct TestCa {
    pub ca_pem: String,
    pub ca_file: PathBuf,
    pub server: Arc<rustls::ServerConfig>,
    _dir: tempfile::TempDir,
}

impl TestCa {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "ecom-proxy test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
        Self {
            ca_pem: ca.pem(),
            ca_file,
            server: Arc::new(server),
            _dir: dir,
        }
    }

    pub fn ca_path(&self) -> &str {
        self.ca_file.to_str().unwrap()
    }
}

/// Serves `router` over TLS on 127.0.0.1:0 and returns its address.
pub async fn spawn_https(router: Router, tls: Arc<rustls::ServerConfig>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let router = router.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(router);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// Serves `router` over plain HTTP on 127.0.0.1:0.
pub async fn spawn_http(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A TCP listener that counts every connection made to it: none may ever arrive.
pub struct Canary {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Canary {
    pub async fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((_stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        Self { addr, hits }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A request as the echo upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Everything the echo upstream has received.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Received>>>);

impl Log {
    pub fn all(&self) -> Vec<Received> {
        self.0.lock().unwrap().clone()
    }
    pub fn paths(&self) -> Vec<String> {
        self.all().into_iter().map(|r| r.path_and_query).collect()
    }
}

#[derive(Clone)]
struct EchoState {
    log: Log,
    redirect_to: String,
}

/// An upstream that records each request and answers with a JSON summary of it, plus response
/// headers the proxy must filter (cookies, hop-by-hop, CORS, `Refresh`, `Link`, its own
/// security headers). `/slow` waits 3 s; `/redirect` answers 302 to `redirect_to`.
pub fn echo_router(log: Log, redirect_to: String) -> Router {
    Router::new()
        .fallback(echo)
        .with_state(EchoState { log, redirect_to })
}

async fn echo(State(state): State<EchoState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    state.log.0.lock().unwrap().push(Received {
        method: parts.method.to_string(),
        path_and_query: path_and_query.clone(),
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    if parts.uri.path() == "/slow" {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    if parts.uri.path() == "/redirect" {
        return (
            StatusCode::FOUND,
            [("location", state.redirect_to.as_str())],
            "",
        )
            .into_response();
    }
    let names: Vec<String> = parts.headers.keys().map(|k| k.to_string()).collect();
    let summary = serde_json::json!({
        "method": parts.method.as_str(),
        "path": path_and_query,
        "headers": names,
        "body_len": body.len(),
    });
    (
        StatusCode::IM_A_TEAPOT,
        [
            ("content-type", "application/json;charset=UTF-8"),
            ("set-cookie", "session=upstream-cookie; Path=/"),
            ("connection", "x-hop-header"),
            ("x-hop-header", "hop"),
            ("access-control-allow-origin", "*"),
            ("x-request-id", "echo-request-id"),
            ("x-upstream-custom", "dropped"),
            ("refresh", "0; url=https://evil.example/"),
            ("link", "<https://evil.example/x.css>; rel=stylesheet"),
            ("content-security-policy", "default-src *"),
            ("x-frame-options", "ALLOWALL"),
        ],
        summary.to_string(),
    )
        .into_response()
}

/// An HTTPS echo upstream trusted through `ca`; returns its base URL and request log.
pub async fn https_echo(ca: &TestCa, redirect_to: String) -> (String, Log) {
    let log = Log::default();
    let addr = spawn_https(echo_router(log.clone(), redirect_to), ca.server.clone()).await;
    (format!("https://127.0.0.1:{}", addr.port()), log)
}

/// A client that never follows redirects and never uses an environment proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// `GET url` with [`client`], without asserting the status.
pub async fn get(url: &str) -> reqwest::Response {
    client().get(url).send().await.unwrap()
}

/// `GET url`, decoded as JSON.
pub async fn get_json(url: &str) -> serde_json::Value {
    get(url).await.json().await.unwrap()
}

/// The sandbox's access token with the demo credentials, from the proxy at `proxy_url`.
pub async fn demo_access_token(proxy_url: &str) -> reqwest::Response {
    client()
        .post(format!("{proxy_url}/sandbox/accesstoken/get"))
        .header("client_id", ecom_core::demo::CLIENT_ID)
        .header("client_secret", ecom_core::demo::CLIENT_SECRET)
        .header(
            "ocp-apim-subscription-key",
            ecom_core::demo::SUBSCRIPTION_KEY,
        )
        .send()
        .await
        .unwrap()
}

/// The names of the upstreams a `/__proxy/info` body lists.
pub fn upstream_names(info: &serde_json::Value) -> Vec<&str> {
    info["upstreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect()
}

/// Asserts the proxy error contract and returns the body.
pub async fn assert_proxy_error(
    response: reqwest::Response,
    status: u16,
    kind: &str,
) -> serde_json::Value {
    if response.status().as_u16() != status {
        panic!(
            "expected {status} {kind}, got {}: {}",
            response.status(),
            response.text().await.unwrap()
        );
    }
    assert_eq!(
        response
            .headers()
            .get("x-playground-proxy-error")
            .map(|v| v.to_str().unwrap().to_string())
            .as_deref(),
        Some(kind)
    );
    assert!(response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["source"], "proxy");
    assert_eq!(body["kind"], kind);
    let message = body["message"].as_str().unwrap();
    assert!(message.len() > 20, "message too short: {message}");
    assert!(
        body.get("upstream").is_some(),
        "upstream key missing: {body}"
    );
    body
}

/// Where a test's tracing subscriber writes the server's log, to be read back as text.
#[derive(Clone, Default)]
pub struct Buffer(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
