//! The simulated clock and timestamp formatting.
//!
//! Simulated time is wall-clock time plus an offset that only moves forward through
//! `/__sim/clock`, so the 5-minute, 7-day, 180-day and 365-day rules can be tested at once.

use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds in one second, minute, hour and day.
pub(crate) const SECOND: i64 = 1000;
pub(crate) const MINUTE: i64 = 60 * SECOND;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;

/// Wall-clock time plus a controllable offset, in epoch milliseconds.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Current simulated time in epoch milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        wall_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves simulated time forward.
    pub(crate) fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// The current offset from wall-clock time.
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Back to wall-clock time.
    pub(crate) fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

/// Wall-clock time in epoch milliseconds, from the host: the OS natively, JavaScript's
/// `Date.now()` in a browser (where `SystemTime::now` is not available).
pub(crate) fn wall_ms() -> i64 {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    {
        // Whole milliseconds well inside i64: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let ms = js_sys::Date::now() as i64;
        ms
    }
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}

/// Formats epoch milliseconds as ISO-8601 UTC with milliseconds and `Z`
/// (`2018-11-14T15:22:46.680Z`).
pub(crate) fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_formats_known_instants() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_542_209_366_680, "2018-11-14T15:29:26.680Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_614_116_654_001, "2021-02-23T21:44:14.001Z"),
        ];
        for (ms, want) in cases {
            assert_eq!(iso(ms), want, "{ms}");
        }
    }

    #[test]
    fn clock_advances_and_resets() {
        let c = Clock::default();
        let before = c.now_ms();
        c.advance(10 * DAY);
        assert!(c.now_ms() - before >= 10 * DAY);
        assert_eq!(c.offset_ms(), 10 * DAY);
        c.reset();
        assert_eq!(c.offset_ms(), 0);
    }
}
