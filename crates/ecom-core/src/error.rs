//! The core crate's one error type.

use thiserror::Error;

/// What can go wrong in the pure core: input that does not parse or does not validate.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoreError {
    /// A response body was expected to be JSON of a given shape and was not.
    #[error("the {what} response could not be read: {reason}")]
    UnexpectedResponse {
        /// Which response (for example "access token").
        what: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// Stored settings could not be read back.
    #[error("stored settings are not readable: {0}")]
    StoredSettings(String),
}
