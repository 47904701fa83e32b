//! Personal data and tokens taken out of request paths before they are logged or kept.
//!
//! One rule for the proxy's request log and the app's call history: a userinfo `sub`, a
//! sandbox payment token, a test user's phone number and a QR id are replaced by placeholders
//! such as `{sub}`, wherever they appear below an upstream and whatever their letter case.

/// One segment of a [`REDACTED_PATHS`] pattern.
#[derive(Debug, Clone, Copy)]
enum Segment {
    /// This segment, compared without regard to letter case.
    Is(&'static str),
    /// Any segment, logged as it is.
    Any,
    /// Personal data or a bearer token: this one segment is logged as the placeholder.
    Hide(&'static str),
    /// Personal data: this segment and everything after it are logged as the placeholder.
    HideRest(&'static str),
}

/// Paths whose segments identify a person or carry a token, anywhere in a request path (below
/// any upstream, so MT's userinfo and the sandbox's pages alike).
const REDACTED_PATHS: &[&[Segment]] = {
    use Segment::{Any, Hide, HideRest, Is};
    &[
        // A userinfo `sub` identifies a person.
        &[Is("vipps-userinfo-api"), Is("userinfo"), HideRest("{sub}")],
        // The sandbox's control surface: the landing-page token (a payment's bearer token),
        // a test user's phone number, an express user id (SIM_API.md).
        &[Is("__sim"), Is("landing"), Hide("{token}")],
        &[Is("__sim"), Is("app"), Hide("{token}")],
        &[Is("__sim"), Is("users"), Hide("{phone}")],
        &[Is("__sim"), Is("consents"), Any, Hide("{userId}")],
        // The simulated app's inbox is addressed by phone number.
        &[Is("vipps-app"), Is("user"), Hide("{phone}")],
        // A QR id gives its content: the landing-page URL with the payment token.
        &[Is("qr-images"), Hide("{qr}")],
        &[Is("qr-target"), Hide("{qr}")],
    ]
};

/// The request path as logged: the segments [`REDACTED_PATHS`] names (a userinfo `sub`, a
/// payment token, a phone number) are replaced by placeholders such as `{sub}`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    let mut segments: Vec<&str> = path.split('/').collect();
    let mut changed = false;
    let mut start = 0;
    while start < segments.len() {
        let matched = REDACTED_PATHS
            .iter()
            .find(|pattern| matches_at(pattern, &segments[start..]));
        let Some(pattern) = matched else {
            start += 1;
            continue;
        };
        for (offset, part) in pattern.iter().enumerate() {
            match part {
                Segment::Hide(placeholder) => segments[start + offset] = placeholder,
                Segment::HideRest(placeholder) => {
                    segments.truncate(start + offset);
                    segments.push(placeholder);
                    break;
                }
                Segment::Is(_) | Segment::Any => {}
            }
        }
        changed = true;
        start += pattern.len();
    }
    if changed {
        segments.join("/").into()
    } else {
        path.into()
    }
}

/// True if `segments` begins with `pattern`; a hidden segment must not be empty (a trailing
/// `/` holds nothing to hide).
fn matches_at(pattern: &[Segment], segments: &[&str]) -> bool {
    pattern.len() <= segments.len()
        && pattern
            .iter()
            .zip(segments)
            .all(|(part, segment)| match part {
                Segment::Is(name) => segment.eq_ignore_ascii_case(name),
                Segment::Any => true,
                Segment::Hide(_) | Segment::HideRest(_) => !segment.is_empty(),
            })
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn personal_segments_are_redacted_and_the_rest_is_kept() {
        let cases = [
            (
                "/mt/vipps-userinfo-api/userinfo/abc-123",
                "/mt/vipps-userinfo-api/userinfo/{sub}",
            ),
            (
                "/mt/Vipps-Userinfo-Api/USERINFO/abc/",
                "/mt/Vipps-Userinfo-Api/USERINFO/{sub}",
            ),
            (
                "/mt/vipps-userinfo-api/userinfo/",
                "/mt/vipps-userinfo-api/userinfo/",
            ),
            (
                "/sandbox/__sim/landing/eyJtok/open",
                "/sandbox/__sim/landing/{token}/open",
            ),
            (
                "/sandbox/__SIM/App/eyJtok/approve",
                "/sandbox/__SIM/App/{token}/approve",
            ),
            (
                "/sandbox/__sim/users/91234567",
                "/sandbox/__sim/users/{phone}",
            ),
            (
                "/sandbox/__sim/consents/123456/user+id=/remove",
                "/sandbox/__sim/consents/123456/{userId}/remove",
            ),
            (
                "/sandbox/vipps-app/user/91234567",
                "/sandbox/vipps-app/user/{phone}",
            ),
            (
                "/sandbox/Vipps-App/User/91234567/",
                "/sandbox/Vipps-App/User/{phone}/",
            ),
            ("/sandbox/qr-images/q1w2e3.png", "/sandbox/qr-images/{qr}"),
            ("/sandbox/qr-target/q1w2e3", "/sandbox/qr-target/{qr}"),
            (
                "/sandbox/__sim/payments/123456/order-1",
                "/sandbox/__sim/payments/123456/order-1",
            ),
            ("/sandbox/vipps-app/payment", "/sandbox/vipps-app/payment"),
            (
                "/mt/ecomm/v2/payments/order-77/details",
                "/mt/ecomm/v2/payments/order-77/details",
            ),
            ("/", "/"),
        ];
        for (path, logged) in cases {
            assert_eq!(loggable_path(path), logged, "{path}");
        }
    }
}
