//! Requests as plain data: what the browser sends, what the tests assert on, what the preview shows.

use crate::wire::headers;
use crate::Environment;

/// The value shown in place of a secret that the user has not chosen to reveal.
pub const MASK: &str = "••••••••";

/// `Vipps-System-Name` sent on every call, so Vipps can tell playground traffic apart.
pub const SYSTEM_NAME: &str = "ecom-playground";
/// `Vipps-System-Version` sent on every call.
pub const SYSTEM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// HTTP methods the eCom API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
}

impl Method {
    /// The method as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// One request header; `secret` ones are masked in every view unless the user reveals them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Header name as the API documents it.
    pub name: String,
    /// Header value.
    pub value: String,
    /// Whether the value is a secret (client_secret, subscription key, access token).
    pub secret: bool,
}

impl Header {
    /// A header whose value may be shown.
    pub fn plain(name: &str, value: impl Into<String>) -> Header {
        Header {
            name: name.to_owned(),
            value: value.into(),
            secret: false,
        }
    }

    /// A header whose value is a secret.
    pub fn secret(name: &str, value: impl Into<String>) -> Header {
        Header {
            name: name.to_owned(),
            value: value.into(),
            secret: true,
        }
    }

    /// The value to display: the mask for secrets unless `reveal`.
    pub fn shown_value(&self, reveal: bool) -> &str {
        if self.secret && !reveal {
            MASK
        } else {
            &self.value
        }
    }
}

/// An API call, independent of how it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Path on the API host, starting with `/`, for example `/accesstoken/get`.
    pub path: String,
    /// Whether the call needs an access token (`Authorization: Bearer …`). Builders never
    /// hold a token: [`ApiRequest::authorized`] adds it, the one place authorization is applied.
    pub bearer: bool,
    /// Headers, in the order they are shown and sent.
    pub headers: Vec<Header>,
    /// JSON body, if any.
    pub body: Option<String>,
}

impl ApiRequest {
    /// The URL the browser calls: `<proxy>/<upstream>/<path>`. An empty `proxy_base` means
    /// the page's own origin, which the caller passes as `origin`. A user name or password in
    /// `proxy_base` is left out (see [`crate::validate::strip_userinfo`]): this URL is shown
    /// in previews and curl exports.
    pub fn url(&self, proxy_base: &str, origin: &str, env: Environment) -> String {
        let base = if proxy_base.is_empty() {
            origin.to_owned()
        } else {
            crate::validate::strip_userinfo(proxy_base)
        };
        format!(
            "{}/{}{}",
            base.trim_end_matches('/'),
            env.upstream(),
            self.path
        )
    }

    /// This request as it is sent: for a call that needs an access token, with
    /// `Authorization: Bearer <token>` (a secret header) in front of the others; any other
    /// request unchanged. An empty `token` gives `Bearer ` (what a preview shows before the token
    /// step).
    pub fn authorized(&self, token: &str) -> ApiRequest {
        let mut request = self.clone();
        if request.bearer {
            request
                .headers
                .retain(|h| !h.name.eq_ignore_ascii_case(headers::AUTHORIZATION));
            request.headers.insert(
                0,
                Header::secret(headers::AUTHORIZATION, format!("Bearer {token}")),
            );
        }
        request
    }

    /// Value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_goes_through_the_proxy_upstream() {
        let r = ApiRequest {
            method: Method::Get,
            path: "/ecomm/v2/payments/1/details".into(),
            bearer: false,
            headers: vec![],
            body: None,
        };
        assert_eq!(
            r.url("", "http://127.0.0.1:8080", Environment::Sandbox),
            "http://127.0.0.1:8080/sandbox/ecomm/v2/payments/1/details"
        );
        assert_eq!(
            r.url("https://proxy.example/", "http://ignored", Environment::Mt),
            "https://proxy.example/mt/ecomm/v2/payments/1/details"
        );
        assert_eq!(
            r.url("http://user:hunter2@proxy.example", "", Environment::Mt),
            "http://proxy.example/mt/ecomm/v2/payments/1/details"
        );
    }

    #[test]
    fn secrets_are_masked_unless_revealed() {
        let h = Header::secret("client_secret", "abc");
        assert_eq!(h.shown_value(false), MASK);
        assert_eq!(h.shown_value(true), "abc");
        assert_eq!(Header::plain("client_id", "id").shown_value(false), "id");
    }
}
