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
    /// A request could not be turned into an HTTP request: a bad URL, header name or value.
    #[error("the request cannot be sent: {0}")]
    InvalidRequest(String),
    /// Stored settings could not be read back.
    #[error("stored settings are not readable: {0}")]
    StoredSettings(String),
    /// Nothing was pasted or the file was empty.
    #[error("there is nothing to import: paste the environment JSON or choose the file exported from Postman")]
    ImportEmpty,
    /// The text is larger than any environment file.
    #[error("this is {0} bytes, far more than a Postman environment file; choose the environment file exported from Postman")]
    ImportTooLarge(usize),
    /// The text is not JSON.
    #[error("this is not JSON ({0}); paste the whole environment file exported from Postman")]
    ImportNotJson(String),
    /// The JSON is a Postman collection, not an environment.
    #[error("this is a Postman collection, not an environment: in Postman, export the environment (Environments, then the \"…\" menu, then Export) and import that file")]
    ImportCollection,
    /// The JSON has no `values` list of variables.
    #[error("this JSON is not a Postman environment: it has no \"values\" list of {{\"key\", \"value\", \"enabled\"}} entries; export the environment from Postman and import that file")]
    ImportNotEnvironment,
}
