//! The proxy's `Server-Timing: upstream;dur=<ms>` header: written by the proxy on every relayed
//! answer, read by the app to split a call's time into the API's and the proxy's and network's.

/// The metric's name.
pub const METRIC: &str = "upstream";

/// The header value for an upstream that took `millis` milliseconds (two decimals).
pub fn server_timing(millis: f64) -> String {
    format!("{METRIC};dur={millis:.2}")
}

/// The upstream's duration in milliseconds, from a `Server-Timing` value that may carry other
/// metrics too (`proxy;dur=1, upstream;desc="x";dur=3`).
pub fn upstream_millis(value: &str) -> Option<f64> {
    value.split(',').find_map(|metric| {
        let mut parts = metric.split(';').map(str::trim);
        (parts.next()? == METRIC)
            .then(|| parts.find_map(|p| p.strip_prefix("dur=").and_then(decimal)))
            .flatten()
    })
}

/// A plain non-negative decimal (`12`, `12.5`, `0.25`), read with integer arithmetic: `str::parse`
/// for `f64` would bring Rust's float parser (about 14 KB of tables and code) into the browser app
/// for this one header. At most 15 digits, which an `f64` holds exactly.
fn decimal(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || whole.len() + fraction.len() > 15 {
        return None;
    }
    let number = whole
        .bytes()
        .chain(fraction.bytes())
        .try_fold(0u64, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
        })?;
    let scale = 10u64.pow(u32::try_from(fraction.len()).ok()?);
    // Both are below 2^53, so the conversions are exact.
    Some(number as f64 / scale as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_proxy_writes() {
        assert_eq!(upstream_millis(&server_timing(12.5)), Some(12.5));
        assert_eq!(upstream_millis(&server_timing(0.004)), Some(0.0));
        assert_eq!(upstream_millis(&server_timing(1234.567)), Some(1234.57));
    }

    #[test]
    fn finds_the_upstream_metric_among_others() {
        assert_eq!(
            upstream_millis("proxy;dur=1, upstream;desc=\"x\";dur=3"),
            Some(3.0)
        );
        assert_eq!(upstream_millis("upstream;dur=12"), Some(12.0));
        assert_eq!(upstream_millis("proxy;dur=1"), None);
        assert_eq!(upstream_millis("upstream"), None);
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        for bad in ["-1", "1e3", "", ".5", "1.2.3", "12ms", "1234567890123456"] {
            assert_eq!(
                upstream_millis(&format!("upstream;dur={bad}")),
                None,
                "{bad}"
            );
        }
    }
}
