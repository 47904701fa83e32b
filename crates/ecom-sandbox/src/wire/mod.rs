//! The sandbox's side of the wire: the answers it sends, built from the boundary types in
//! `ecom_core::wire`. No HTTP framework here either; the `http` layer turns these into
//! responses.
//!
//! - [`claims`]: a test user's Userinfo claims.
//! - [`errors`]: the five error body formats of the real API as one type, [`errors::ApiError`].
//! - [`views`]: a payment as the API shows it (details, status, callback bodies).

pub(crate) mod claims;
pub(crate) mod errors;
pub(crate) mod views;
