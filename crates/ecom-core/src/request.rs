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
    /// The URL the browser calls. `page_dir` is the directory of the page's base URL (see
    /// [`crate::environment::base_directory`]), so these rules hold under any path prefix:
    ///
    /// - [`Environment::Browser`]: `<page_dir>browser-sandbox<path>`, whatever the proxy URL;
    /// - any other: `<proxy>/<upstream><path>`, where an empty `proxy_base` means the page's own
    ///   server at `page_dir`. A user name or password in `proxy_base` is left out (see
    ///   [`crate::validate::strip_userinfo`]): this URL is shown in previews and curl exports.
    pub fn url(&self, proxy_base: &str, page_dir: &str, env: Environment) -> String {
        if !env.is_proxied() {
            return format!(
                "{}{}",
                crate::environment::browser_sandbox_base(page_dir),
                self.path
            );
        }
        let base = if proxy_base.is_empty() {
            page_dir.to_owned()
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
    fn url_rules() {
        let r = ApiRequest {
            method: Method::Get,
            path: "/ecomm/v2/payments/1/details".into(),
            bearer: false,
            headers: vec![],
            body: None,
        };
        let prefixed = "https://docs.example.com/playground/";
        let cases = [
            // The page's own server: at the page's directory, under a prefix too.
            (
                "",
                "http://127.0.0.1:8080/",
                Environment::Sandbox,
                "http://127.0.0.1:8080/sandbox",
            ),
            (
                "",
                prefixed,
                Environment::Mt,
                "https://docs.example.com/playground/mt",
            ),
            // Another proxy: the page's directory does not matter.
            (
                "https://proxy.example/",
                prefixed,
                Environment::Mt,
                "https://proxy.example/mt",
            ),
            (
                "http://user:hunter2@proxy.example",
                "",
                Environment::Mt,
                "http://proxy.example/mt",
            ),
            // The browser sandbox: always the page's directory, whatever the proxy.
            (
                "",
                "http://127.0.0.1:8080/",
                Environment::Browser,
                "http://127.0.0.1:8080/browser-sandbox",
            ),
            (
                "https://proxy.example",
                prefixed,
                Environment::Browser,
                "https://docs.example.com/playground/browser-sandbox",
            ),
        ];
        for (proxy, page_dir, env, base) in cases {
            assert_eq!(
                r.url(proxy, page_dir, env),
                format!("{base}/ecomm/v2/payments/1/details"),
                "{proxy} {page_dir} {env:?}"
            );
        }
    }

    #[test]
    fn secrets_are_masked_unless_revealed() {
        let h = Header::secret("client_secret", "abc");
        assert_eq!(h.shown_value(false), MASK);
        assert_eq!(h.shown_value(true), "abc");
        assert_eq!(Header::plain("client_id", "id").shown_value(false), "id");
    }
}
