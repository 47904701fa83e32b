//! Links into the playground: `#/<flow>[/<step>][?<field>=<value>&…]`, so a documentation page
//! can open a flow or a step of the quick start, with the form prefilled.
//!
//! - Flows: `regular`, `express`, `userinfo` (a profile payment, then userinfo) and `qr`.
//! - Steps: `token`, `initiate`, `approve`, `capture`, `cancel`, `refund`, `details`,
//!   `userinfo`, `qr`.
//! - Prefill: the initiate form's `amount` (NOK), `transactionText`, `orderId`,
//!   `callbackPrefix` and `fallBack`.
//! - `embed=1`: the flow or step alone, compactly, for an iframe in documentation.
//!
//! A secret never comes from a link: a link is visible in the address bar, the browser's
//! history and every server log on the way, so parameters that name a credential or a token
//! are refused by name (their values are never kept) and the user is told so.

use crate::validate;

/// One of the quick start's four flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A regular payment: initiate, approve, capture, refund.
    Regular,
    /// Express checkout with static shipping.
    Express,
    /// A profile payment, then the Userinfo API with its `sub`.
    Userinfo,
    /// A QR code of the landing page (inline, and the QR API).
    Qr,
}

impl Flow {
    /// Every flow, in the quick start's order.
    pub const ALL: [Flow; 4] = [Flow::Regular, Flow::Express, Flow::Userinfo, Flow::Qr];

    /// The flow's name in a link.
    pub fn slug(self) -> &'static str {
        match self {
            Flow::Regular => "regular",
            Flow::Express => "express",
            Flow::Userinfo => "userinfo",
            Flow::Qr => "qr",
        }
    }

    fn from_slug(slug: &str) -> Option<Flow> {
        Flow::ALL.into_iter().find(|f| f.slug() == slug)
    }

    /// The flow's name for the page.
    pub fn label(self) -> &'static str {
        match self {
            Flow::Regular => "Regular payment",
            Flow::Express => "Express checkout",
            Flow::Userinfo => "Userinfo",
            Flow::Qr => "QR code",
        }
    }

    /// The flow's steps in the quick start's order.
    pub fn steps(self) -> &'static [Step] {
        match self {
            Flow::Regular => &[
                Step::Token,
                Step::Initiate,
                Step::Approve,
                Step::Capture,
                Step::Details,
                Step::Refund,
            ],
            Flow::Express => &[
                Step::Token,
                Step::Initiate,
                Step::Approve,
                Step::Details,
                Step::Capture,
            ],
            Flow::Userinfo => &[
                Step::Token,
                Step::Initiate,
                Step::Approve,
                Step::Details,
                Step::Userinfo,
            ],
            Flow::Qr => &[Step::Token, Step::Initiate, Step::Approve, Step::Qr],
        }
    }

    /// What `step` does in this flow and why, in a sentence or two, and the section of the
    /// official documentation that explains it.
    pub fn explain(self, step: Step) -> (&'static str, &'static str) {
        const DOCS: &str = "https://developer.vippsmobilepay.com/docs/APIs/ecom-api/vipps-ecom-api";
        match (self, step) {
            (_, Step::Token) => (
                "Every call needs a bearer token from the Access Token API, made from your client_id, client_secret and subscription key; it lasts an hour. In MT the browser reaches the API through the playground's proxy, because the API sends no CORS headers.",
                "https://developer.vippsmobilepay.com/docs/APIs/access-token-api",
            ),
            (Flow::Express, Step::Initiate) => (
                "Express checkout: Vipps asks the user for the address and lets them choose one of your shipping options, then reserves the amount plus the shipping.",
                "https://developer.vippsmobilepay.com/docs/APIs/ecom-api/vipps-ecom-api#express-checkout-payments",
            ),
            (Flow::Userinfo, Step::Initiate) => (
                "A profile payment asks the user to share data (the scope) with you as they pay; the payment's details then give their sub for the Userinfo API.",
                "https://developer.vippsmobilepay.com/docs/APIs/userinfo-api",
            ),
            (_, Step::Initiate) => (
                "Creates the payment and answers the landing page URL where the user confirms it. Nothing is charged yet.",
                "https://developer.vippsmobilepay.com/docs/APIs/ecom-api/vipps-ecom-api-quick-start",
            ),
            (Flow::Express, Step::Approve) => (
                "The user approves on the landing page and in the app, choosing address and shipping. Force approve does not support express.",
                DOCS,
            ),
            (Flow::Qr, Step::Approve) => (
                "Scan the landing page's QR code with a phone (or open it): the user approves there. The QR code holds the landing page URL.",
                "https://developer.vippsmobilepay.com/docs/APIs/qr-api",
            ),
            (_, Step::Approve) => (
                "The user approves in the app, which reserves the amount. Force approve does it without the app, in test environments only; in MT the test user must have approved one payment in the app first (else error 1082).",
                "https://developer.vippsmobilepay.com/docs/test-environment",
            ),
            (_, Step::Capture) => (
                "Approving only reserves the money; capture takes it, when you ship the goods. Capture part of it, or all that is left.",
                "https://developer.vippsmobilepay.com/docs/knowledge-base/reserve-and-capture",
            ),
            (_, Step::Cancel) => (
                "Cancel gives up a reservation that is not captured; the user's money is released.",
                "https://developer.vippsmobilepay.com/docs/knowledge-base/reserve-and-capture",
            ),
            (_, Step::Refund) => (
                "Refund gives back captured money, all or part of it.",
                DOCS,
            ),
            (_, Step::Details) => (
                "The payment's history and state: what was reserved, captured and refunded, and what you may do next.",
                DOCS,
            ),
            (_, Step::Userinfo) => (
                "The data the user agreed to share, for the sub from the payment's details.",
                "https://developer.vippsmobilepay.com/docs/APIs/userinfo-api",
            ),
            (_, Step::Qr) => (
                "The QR API makes a one-time-payment QR code of the landing page, as an image or a URL to encode yourself.",
                "https://developer.vippsmobilepay.com/docs/APIs/qr-api",
            ),
        }
    }
}

/// A step of the quick start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Get an access token.
    Token,
    /// Initiate a payment.
    Initiate,
    /// Approve it (landing page, QR or force approve).
    Approve,
    /// Capture.
    Capture,
    /// Cancel.
    Cancel,
    /// Refund.
    Refund,
    /// Payment details.
    Details,
    /// Userinfo.
    Userinfo,
    /// The QR API.
    Qr,
}

impl Step {
    /// Every step.
    pub const ALL: [Step; 9] = [
        Step::Token,
        Step::Initiate,
        Step::Approve,
        Step::Capture,
        Step::Cancel,
        Step::Refund,
        Step::Details,
        Step::Userinfo,
        Step::Qr,
    ];

    /// The step's name in a link.
    pub fn slug(self) -> &'static str {
        match self {
            Step::Token => "token",
            Step::Initiate => "initiate",
            Step::Approve => "approve",
            Step::Capture => "capture",
            Step::Cancel => "cancel",
            Step::Refund => "refund",
            Step::Details => "details",
            Step::Userinfo => "userinfo",
            Step::Qr => "qr",
        }
    }

    fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The step's name for the page.
    pub fn label(self) -> &'static str {
        match self {
            Step::Token => "Get an access token",
            Step::Initiate => "Initiate the payment",
            Step::Approve => "Approve it",
            Step::Capture => "Capture",
            Step::Cancel => "Cancel",
            Step::Refund => "Refund",
            Step::Details => "Payment details",
            Step::Userinfo => "Get userinfo",
            Step::Qr => "QR API",
        }
    }
}

/// Initiate-form fields a link may prefill, as named in the link.
pub const PREFILLABLE: [&str; 5] = [
    "amount",
    "transactionText",
    "orderId",
    "callbackPrefix",
    "fallBack",
];

/// Parameter names that carry a secret, compared without case, `-` or `_`: never taken from a
/// link.
const SECRET_NAMES: [&str; 10] = [
    "clientsecret",
    "ocpapimsubscriptionkey",
    "subscriptionkey",
    "accesstoken",
    "token",
    "authtoken",
    "authorization",
    "proxytoken",
    "xproxytoken",
    "password",
];

/// The longest value a link may prefill, in characters.
const MAX_VALUE_CHARS: usize = 255;

/// A parsed link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// The flow, when the link names one.
    pub flow: Option<Flow>,
    /// The step, when the link names one.
    pub step: Option<Step>,
    /// Initiate-form values to prefill: a name of [`PREFILLABLE`] and its value.
    pub prefill: Vec<(&'static str, String)>,
    /// Parameters refused because they carry a secret (names only).
    pub refused_secrets: Vec<String>,
    /// Parameters ignored: unknown, or with a value too long (names only).
    pub ignored: Vec<String>,
    /// `embed=1`: show only this flow (or step) compactly, for an iframe in documentation.
    pub embed: bool,
}

impl Route {
    /// Reads a location fragment (`#/express/initiate?amount=100`). `None` when it is not a
    /// link into a flow or step (empty, `#quick-start`, `#/back?…`, an unknown flow).
    pub fn parse(hash: &str) -> Option<Route> {
        let rest = hash.strip_prefix("#/")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let flow = Flow::from_slug(segments.next()?)?;
        let step = match segments.next() {
            Some(slug) => Some(Step::from_slug(slug)?),
            None => None,
        };
        if segments.next().is_some() {
            return None;
        }
        let mut route = Route {
            flow: Some(flow),
            step,
            ..Route::default()
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name);
            let folded: String = name
                .chars()
                .filter(|c| !matches!(c, '-' | '_'))
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if SECRET_NAMES.contains(&folded.as_str()) {
                route.refused_secrets.push(validate::shorten(&name, 40));
                continue;
            }
            let value = percent_decode(&value.replace('+', " "));
            if name == "embed" {
                route.embed = matches!(value.as_str(), "1" | "true" | "");
                continue;
            }
            match PREFILLABLE.iter().find(|p| **p == name) {
                Some(field) if value.chars().count() <= MAX_VALUE_CHARS => {
                    route.prefill.push((field, value));
                }
                _ => route.ignored.push(validate::shorten(&name, 40)),
            }
        }
        Some(route)
    }

    /// The prefill value of `field`, if the link gives one.
    pub fn value(&self, field: &str) -> Option<&str> {
        self.prefill
            .iter()
            .rev()
            .find(|(name, _)| *name == field)
            .map(|(_, v)| v.as_str())
    }

    /// A sentence for the user about what the link carried and the playground did not use,
    /// or `None` when everything was used.
    pub fn notice(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.refused_secrets.is_empty() {
            parts.push(format!(
                "This link carried {} ({}). A secret in a link is never used or stored, because links end up in browser history and server logs: type it in Settings instead, and ask whoever made the link to leave it out.",
                if self.refused_secrets.len() == 1 { "a secret" } else { "secrets" },
                self.refused_secrets.join(", ")
            ));
        }
        if !self.ignored.is_empty() {
            parts.push(format!(
                "Ignored from the link: {} (a link can prefill {}, at most {MAX_VALUE_CHARS} characters each).",
                self.ignored.join(", "),
                PREFILLABLE.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The link to `step` of `flow`: `#/express/initiate`.
pub fn link(flow: Flow, step: Step) -> String {
    format!("#/{}/{}", flow.slug(), step.slug())
}

/// `%XX` escapes decoded; invalid UTF-8 becomes U+FFFD, a malformed escape stays as it was.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn flows_and_steps_round_trip_through_their_links() {
        for flow in Flow::ALL {
            assert_eq!(
                Route::parse(&format!("#/{}", flow.slug())).unwrap().flow,
                Some(flow)
            );
            for step in Step::ALL {
                let route = Route::parse(&link(flow, step)).unwrap();
                assert_eq!((route.flow, route.step), (Some(flow), Some(step)));
            }
        }
        for not_a_route in [
            "",
            "#",
            "#quick-start",
            "#/",
            "#/back?orderId=1",
            "#/unknown",
            "#/regular/nope",
            "#/regular/token/x",
        ] {
            assert_eq!(Route::parse(not_a_route), None, "{not_a_route}");
        }
    }

    #[test]
    fn the_initiate_form_is_prefilled_from_the_query() {
        let route = Route::parse(
            "#/express/initiate?amount=100&transactionText=Warm+socks%20%C3%B8&utm_source=docs",
        )
        .unwrap();
        assert_eq!(route.value("amount"), Some("100"));
        assert_eq!(route.value("transactionText"), Some("Warm socks ø"));
        assert_eq!(route.ignored, ["utm_source"]);
        assert!(route
            .notice()
            .unwrap()
            .contains("Ignored from the link: utm_source"));
        let long = format!("#/regular?transactionText={}", "x".repeat(300));
        assert_eq!(Route::parse(&long).unwrap().value("transactionText"), None);
        assert_eq!(
            Route::parse("#/regular?amount=%ZZ")
                .unwrap()
                .value("amount"),
            Some("%ZZ")
        );
    }

    #[test]
    fn embed_mode_is_a_parameter_of_the_route() {
        assert!(Route::parse("#/regular/capture?embed=1").unwrap().embed);
        assert!(Route::parse("#/qr?amount=3&embed").unwrap().embed);
        assert!(!Route::parse("#/qr?embed=0").unwrap().embed);
        assert!(!Route::parse("#/qr").unwrap().embed);
        assert_eq!(Route::parse("#/qr?embed=1").unwrap().notice(), None);
    }

    #[test]
    fn a_secret_in_a_link_is_refused_by_name_and_never_kept() {
        let route = Route::parse("#/regular/token?client_secret=hunter2&Ocp-Apim-Subscription-Key=k3y&access_token=eyJ&amount=5").unwrap();
        assert_eq!(
            route.refused_secrets,
            ["client_secret", "Ocp-Apim-Subscription-Key", "access_token"]
        );
        assert_eq!(route.prefill, [("amount", "5".to_owned())]);
        let notice = route.notice().unwrap();
        assert!(notice.contains("never used or stored"), "{notice}");
        for secret in ["hunter2", "k3y", "eyJ"] {
            assert!(!notice.contains(secret), "{notice}");
            assert!(!format!("{route:?}").contains(secret));
        }
        assert_eq!(Route::parse("#/qr").unwrap().notice(), None);
    }

    #[test]
    fn every_flow_starts_with_a_token_and_explains_each_step() {
        for flow in Flow::ALL {
            assert_eq!(flow.steps()[..2], [Step::Token, Step::Initiate], "{flow:?}");
            for step in Step::ALL {
                let (what, docs) = flow.explain(step);
                assert!(what.ends_with('.'), "{what}");
                assert!(
                    docs.starts_with("https://developer.vippsmobilepay.com/docs/"),
                    "{docs}"
                );
            }
        }
        assert!(Flow::Regular
            .explain(Step::Capture)
            .0
            .contains("only reserves"));
        assert!(Flow::Regular.explain(Step::Approve).0.contains("1082"));
        assert!(Flow::Regular.explain(Step::Token).0.contains("proxy"));
    }
}
