//! The core's requests as [`http::Request`]s (feature `server`), so native tests send exactly
//! what the browser app builds: to the sandbox router with `tower::ServiceExt::oneshot`, or over
//! loopback with any client that takes an `http::Request` (reqwest's `Request::try_from`).
//!
//! The conversion adds nothing and drops nothing: the headers go in the order the builder made
//! them (secret ones marked sensitive, so `http` never prints them), and a call that needs a
//! token has one only if [`ApiRequest::authorized`] was applied first. A test that wants a broken
//! request (no `Authorization`, another path, a raw body) edits the core request before
//! converting it, so there is one request builder, not one per suite.
//!
//! Characters that may not appear in a URI (spaces, quotes, non-ASCII, …) are percent-encoded in
//! the path, as a browser's URL parser does before `fetch` sends it.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::request::{ApiRequest, Method};
use crate::CoreError;

/// What a browser percent-encodes in a URL path and query (WHATWG's path set, plus `%` itself
/// left alone so already-encoded input stays as it is).
const NOT_IN_URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

impl From<Method> for http::Method {
    fn from(method: Method) -> http::Method {
        match method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
        }
    }
}

impl ApiRequest {
    /// This request as an [`http::Request`] against `base_url` (scheme, host and any path prefix,
    /// for example `http://127.0.0.1:8081` or `http://127.0.0.1:8080/sandbox`): the URL is
    /// `base_url` without its trailing `/`, followed by [`ApiRequest::path`]. The body is the
    /// JSON text, or empty when the request has none.
    ///
    /// # Errors
    /// [`CoreError::InvalidRequest`] when the URL, a header name or a header value cannot go on
    /// the wire.
    pub fn to_http(&self, base_url: &str) -> Result<http::Request<String>, CoreError> {
        let invalid = |what: String| CoreError::InvalidRequest(what);
        if !self.path.starts_with('/') {
            return Err(invalid(format!(
                "the path \"{}\" does not start with '/'",
                self.path
            )));
        }
        let url = format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            utf8_percent_encode(&self.path, NOT_IN_URI)
        );
        let uri: http::Uri = url
            .parse()
            .map_err(|e| invalid(format!("\"{url}\" is not a URL: {e}")))?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(invalid(format!(
                "\"{url}\" has no scheme or host; the base URL must be like http://127.0.0.1:8081"
            )));
        }
        let mut request = http::Request::new(self.body.clone().unwrap_or_default());
        *request.method_mut() = self.method.into();
        *request.uri_mut() = uri;
        for header in &self.headers {
            let name = http::HeaderName::from_bytes(header.name.as_bytes())
                .map_err(|e| invalid(format!("header name \"{}\": {e}", header.name)))?;
            let mut value = http::HeaderValue::from_str(&header.value)
                .map_err(|e| invalid(format!("the value of header {}: {e}", header.name)))?;
            value.set_sensitive(header.secret);
            request.headers_mut().append(name, value);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::payment::{amount_body, capture_request, details_request};
    use crate::request::Header;
    use crate::settings::Credentials;
    use crate::token::access_token_request;

    #[test]
    fn an_authorized_capture_keeps_method_url_headers_and_body() {
        let c = Credentials::demo();
        let core = capture_request(
            &c,
            "order-1",
            &amount_body("123456", Some(100), "t"),
            "key-1",
        )
        .authorized("jwt");
        let r = core.to_http("http://127.0.0.1:8081/").unwrap();
        assert_eq!(r.method(), http::Method::POST);
        assert_eq!(
            r.uri(),
            "http://127.0.0.1:8081/ecomm/v2/payments/order-1/capture"
        );
        let names: Vec<&str> = r.headers().keys().map(http::HeaderName::as_str).collect();
        let core_names: Vec<String> = core
            .headers
            .iter()
            .map(|h| h.name.to_ascii_lowercase())
            .collect();
        assert_eq!(names, core_names, "every header, in the builder's order");
        assert_eq!(r.headers()["authorization"], "Bearer jwt");
        assert!(r.headers()["authorization"].is_sensitive());
        assert!(r.headers()["ocp-apim-subscription-key"].is_sensitive());
        assert!(!r.headers()["x-request-id"].is_sensitive());
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(Some(r.body().as_str()), core.body.as_deref());
    }

    #[test]
    fn a_path_prefix_is_kept_and_no_body_is_empty() {
        let r = access_token_request(&Credentials::demo())
            .to_http("http://127.0.0.1:8080/sandbox")
            .unwrap();
        assert_eq!(r.uri(), "http://127.0.0.1:8080/sandbox/accesstoken/get");
        assert_eq!(r.body(), "");
        assert!(r.headers().get("authorization").is_none());
        assert!(r.headers()["client_secret"].is_sensitive());
    }

    #[test]
    fn characters_a_uri_cannot_hold_are_percent_encoded_as_a_browser_does() {
        let r = details_request(&Credentials::demo(), "a b\"ø%41")
            .to_http("http://h")
            .unwrap();
        assert_eq!(
            r.uri(),
            "http://h/ecomm/v2/payments/a%20b%22%C3%B8%41/details"
        );
    }

    #[test]
    fn what_cannot_go_on_the_wire_is_an_error() {
        let good = details_request(&Credentials::demo(), "1");
        for base in ["", "127.0.0.1:8081", "not a url"] {
            assert!(
                matches!(good.to_http(base), Err(CoreError::InvalidRequest(_))),
                "{base:?}"
            );
        }
        let mut relative = good.clone();
        relative.path = "ecomm".into();
        assert!(relative.to_http("http://h").is_err());
        let mut bad_name = good.clone();
        bad_name.headers.push(Header::plain("bad name", "v"));
        assert!(bad_name.to_http("http://h").is_err());
        let mut bad_value = good;
        bad_value
            .headers
            .push(Header::plain("X-Test", "line\nbreak"));
        let err = bad_value.to_http("http://h").unwrap_err();
        assert!(err.to_string().contains("X-Test"), "{err}");
    }

    #[test]
    fn methods_map_one_to_one() {
        assert_eq!(http::Method::from(Method::Get), http::Method::GET);
        assert_eq!(http::Method::from(Method::Post), http::Method::POST);
        assert_eq!(http::Method::from(Method::Put), http::Method::PUT);
    }
}
