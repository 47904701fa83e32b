//! The boundary's names (`ecom_core::wire`) as the `http` types this server works with.
//!
//! Every header name and path the app, the sandbox and the proxy exchange is defined once, in
//! `ecom_core::wire::{headers, paths}`; this module only turns them into `HeaderName`s at
//! compile time. Core spells the Vipps headers as the Postman collection does
//! (`Ocp-Apim-Subscription-Key`), and `HeaderName::from_static` takes lower case only, so
//! [`header_name!`] lower-cases the constant first; a name that is not a valid header name is a
//! compile error, not a panic at run time.

use axum::http::HeaderName;
use ecom_core::wire::{headers, paths};

/// `s`'s ASCII bytes in lower case, for [`header_name!`].
pub(crate) const fn lower_ascii<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i].to_ascii_lowercase();
        i += 1;
    }
    out
}

/// The `HeaderName` of one of core's header-name constants, made at compile time.
macro_rules! header_name {
    ($name:expr) => {{
        const LOWER: [u8; $name.len()] = $crate::wire::lower_ascii::<{ $name.len() }>($name);
        const NAME: &str = match ::std::str::from_utf8(&LOWER) {
            Ok(name) => name,
            Err(_) => panic!("header names are ASCII"),
        };
        ::axum::http::HeaderName::from_static(NAME)
    }};
}

/// The proxy's optional access token (`--token`).
pub const PROXY_TOKEN: HeaderName = header_name!(headers::PROXY_TOKEN);
/// Marks a response the proxy made itself, with the error's kind.
pub const PROXY_ERROR: HeaderName = header_name!(headers::PROXY_ERROR);
/// `Authorization`.
pub const AUTHORIZATION: HeaderName = header_name!(headers::AUTHORIZATION);
/// `Ocp-Apim-Subscription-Key`.
pub const SUBSCRIPTION_KEY: HeaderName = header_name!(headers::SUBSCRIPTION_KEY);
/// `Merchant-Serial-Number`.
pub const MERCHANT_SERIAL_NUMBER: HeaderName = header_name!(headers::MERCHANT_SERIAL_NUMBER);
/// `client_id`.
pub const CLIENT_ID: HeaderName = header_name!(headers::CLIENT_ID);
/// `client_secret`.
pub const CLIENT_SECRET: HeaderName = header_name!(headers::CLIENT_SECRET);
/// `X-Request-Id`.
pub const REQUEST_ID: HeaderName = header_name!(headers::REQUEST_ID);
/// `Vipps-System-Name`.
pub const SYSTEM_NAME: HeaderName = header_name!(headers::SYSTEM_NAME);
/// `Vipps-System-Version`.
pub const SYSTEM_VERSION: HeaderName = header_name!(headers::SYSTEM_VERSION);
/// `Content-Type`.
pub const CONTENT_TYPE: HeaderName = header_name!(headers::CONTENT_TYPE);

/// The Vipps plugin headers and the QR API's `Size`, which the Vipps APIs read but the
/// playground itself never sends, so core does not name them (yet): they are forwarded for
/// requests made with other tools (Postman) through the proxy.
pub const SYSTEM_PLUGIN_NAME: HeaderName = HeaderName::from_static("vipps-system-plugin-name");
/// See [`SYSTEM_PLUGIN_NAME`].
pub const SYSTEM_PLUGIN_VERSION: HeaderName =
    HeaderName::from_static("vipps-system-plugin-version");
/// See [`SYSTEM_PLUGIN_NAME`].
pub const SIZE: HeaderName = HeaderName::from_static("size");

/// The proxy's own endpoint listing its upstreams.
pub const PROXY_INFO: &str = paths::PROXY_INFO;

/// The first path segment of [`PROXY_INFO`] (`__proxy`), which no upstream may be named.
pub const RESERVED_SEGMENT: &str = first_segment(paths::PROXY_INFO);

/// The upstream name of the in-process sandbox: [`paths::SANDBOX_PREFIX`] without its `/`.
pub const SANDBOX_UPSTREAM: &str = first_segment(paths::SANDBOX_PREFIX);

/// The first segment of an absolute path (`/a/b` → `a`), at compile time.
const fn first_segment(path: &str) -> &str {
    let (_, rest) = path.split_at(1);
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && bytes[i] != b'/' {
        i += 1;
    }
    rest.split_at(i).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecom_core::Environment;

    #[test]
    fn names_are_core_s_lower_cased() {
        assert_eq!(SUBSCRIPTION_KEY.as_str(), "ocp-apim-subscription-key");
        assert_eq!(AUTHORIZATION, axum::http::header::AUTHORIZATION);
        assert_eq!(PROXY_TOKEN.as_str(), "x-proxy-token");
        assert_eq!(RESERVED_SEGMENT, "__proxy");
        assert_eq!(SANDBOX_UPSTREAM, Environment::Sandbox.upstream());
    }
}
