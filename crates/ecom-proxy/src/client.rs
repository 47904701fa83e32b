//! The HTTPS client for network upstreams: hyper over rustls with the ring provider, trusting
//! the Mozilla roots (webpki-roots) and the `--trust-ca` certificates.
//!
//! It does only what forwarding needs, and nothing a general client would add on its own:
//! HTTPS only, HTTP/1.1, no redirects followed, no proxy from the environment, one deadline
//! ([`Config::upstream_timeout`]) for the whole exchange, response body included, and a
//! `User-Agent` of its own. (The workspace's reqwest would need a TLS feature for this, and
//! reqwest 0.13's either brings aws-lc-rs or needs a crypto provider installed in every
//! process that builds any reqwest client, the sandbox's and the test suites' included.)

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, Uri};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use tokio::time::{Instant, Sleep};

use crate::config::Config;
use crate::error::Error;

/// `User-Agent` of every forwarded request.
const USER_AGENT: HeaderValue =
    HeaderValue::from_static(concat!("ecom-playground-proxy/", env!("CARGO_PKG_VERSION")));

/// The certificates of a PEM bundle (`--trust-ca`); other sections (keys) are skipped.
///
/// # Errors
/// If the PEM does not parse.
pub(crate) fn certificates(
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, rustls::pki_types::pem::Error> {
    CertificateDer::pem_slice_iter(pem).collect()
}

/// Why an exchange with an upstream failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The deadline passed before the response head arrived.
    Timeout,
    /// Connecting, TLS or the exchange failed.
    Failed(hyper_util::client::legacy::Error),
}

/// The client, cheap to clone.
#[derive(Clone)]
pub(crate) struct HttpsClient {
    inner: hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpsClient {
    /// Builds the client for `config`.
    ///
    /// # Errors
    /// [`Error::Config`] if the `--trust-ca` certificates do not load.
    pub(crate) fn new(config: &Config) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(pem) = &config.trust_ca_pem {
            let bad = |message: String| Error::Config {
                setting: "--trust-ca",
                message: format!("the certificates do not load ({message})"),
            };
            for certificate in certificates(pem).map_err(|e| bad(e.to_string()))? {
                roots.add(certificate).map_err(|e| bad(e.to_string()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config {
                setting: "upstreams",
                message: format!("the HTTPS client could not be set up ({e})"),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        // reqwest's defaults, which the proxy had before it had this client.
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(15)));
        http.set_keepalive_interval(Some(Duration::from_secs(15)));
        http.set_keepalive_retries(Some(3));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .wrap_connector(http);
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_timer(TokioTimer::new())
            .build(https);
        Ok(Self {
            inner,
            timeout: config.upstream_timeout,
        })
    }

    /// The deadline of every exchange.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request to `uri` (an absolute `https` URI) and returns the response head
    /// with a body that fails once the deadline has passed. hyper sets `Host` and
    /// `Content-Length`.
    pub(crate) async fn send(
        &self,
        method: Method,
        uri: Uri,
        mut headers: HeaderMap,
        body: Bytes,
    ) -> Result<Response<Body>, Failure> {
        let deadline = Instant::now() + self.timeout;
        headers.insert(header::USER_AGENT, USER_AGENT);
        headers
            .entry(header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        let response = tokio::time::timeout_at(deadline, self.inner.request(request))
            .await
            .map_err(|_| Failure::Timeout)?
            .map_err(Failure::Failed)?;
        Ok(response.map(|incoming| Body::new(Deadline::new(incoming, deadline))))
    }
}

/// A response body that ends with an error when the exchange's deadline passes.
struct Deadline<B = Incoming> {
    inner: B,
    sleep: Pin<Box<Sleep>>,
}

impl<B> Deadline<B> {
    fn new(inner: B, deadline: Instant) -> Self {
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

/// The error a [`Deadline`] body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the upstream's response did not arrive within the upstream timeout")]
struct TimedOut;

impl<B> hyper::body::Body for Deadline<B>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(TimedOut.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    #[tokio::test]
    async fn a_body_that_stalls_past_the_deadline_ends_with_an_error() {
        use futures_util::StreamExt as _;
        // One frame, then nothing, ever.
        let frames = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(Frame::data(
            Bytes::from_static(b"first"),
        ))])
        .chain(futures_util::stream::pending());
        let body = http_body_util::StreamBody::new(frames);
        let deadline = Instant::now() + Duration::from_millis(50);
        let mut body = Deadline::new(body, deadline);
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "first");
        let error = body.frame().await.unwrap().unwrap_err();
        assert!(error.to_string().contains("upstream timeout"), "{error}");
        assert!(Instant::now() >= deadline);
    }

    #[test]
    fn pem_bundles_yield_their_certificates_only() {
        assert!(certificates(b"no pem here").unwrap().is_empty());
        assert!(
            certificates(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }
}
