//! The app's one error type, and the single place it becomes user text.

use thiserror::Error;

/// Why a request produced no HTTP response to show.
///
/// An HTTP error status is not an `AppError`: it is a response, shown with its explanation
/// (see `ecom_core::explain`). These are the cases where there is no response at all.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AppError {
    /// The browser could not reach the proxy (not running, wrong URL, blocked by CORS).
    #[error("the proxy at {url} could not be reached ({reason}). Is it running? Start it with ./scripts/start.sh, or correct the proxy URL in Settings.")]
    ProxyUnreachable {
        /// The proxy base URL that was tried.
        url: String,
        /// What the browser reported.
        reason: String,
    },
    /// The server at the proxy URL answered with a redirect, which the app never follows: a
    /// redirect would carry the request's secrets to another address.
    #[error("the server at {url} answered with a redirect, and the playground does not follow redirects because that would send your client secret and subscription key to another address. Nothing more was sent. Check the proxy URL in Settings: it must be the eCom Playground proxy itself, not an address that forwards to it.")]
    Redirected {
        /// The proxy base URL that answered.
        url: String,
    },
    /// The sandbox in this browser cannot answer: the browser offers no service workers here,
    /// refused to register the sandbox's, or it did not take control of the page in time.
    /// Nothing was sent.
    #[error("the sandbox in this browser is not available: {0}")]
    BrowserSandbox(String),
    /// A field the request needs is missing or malformed; nothing was sent.
    #[error("not sent: {0}")]
    Invalid(String),
    /// The response arrived but its body could not be read.
    #[error("the response could not be read: {0}")]
    Body(String),
    /// A part of the playground that loads after the first (a lazy-loaded chunk of the
    /// release build) could not be fetched from the server that served the page: the
    /// connection dropped, or a new release replaced the files. Nothing was lost.
    #[error("this part of the playground could not be loaded from the server that served the page (the browser's console says why). Check the connection and reload the page: your settings and session are saved.")]
    PartUnavailable,
}

impl From<wasm_split_helpers::SplitLoaderError> for AppError {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        Self::PartUnavailable
    }
}
