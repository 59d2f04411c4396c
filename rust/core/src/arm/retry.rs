//! When and how long to wait before retrying an ARM call.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest single wait; a server asking for more is not retried (its answer, e.g.
/// a 429, goes back to the caller) rather than retried before it said to.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// First backoff without a `Retry-After`; doubles per retry, capped at [`MAX_WAIT`].
pub const BASE_BACKOFF: Duration = Duration::from_millis(400);

/// 429 and the transient 5xx answers ARM and its front doors give.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Exponential backoff for the `attempt`-th retry (0-based).
pub fn backoff(attempt: u32) -> Duration {
    BASE_BACKOFF
        .checked_mul(1u32 << attempt.min(8))
        .unwrap_or(MAX_WAIT)
        .min(MAX_WAIT)
}

/// The server's requested wait: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds,
/// as Azure sends), else `Retry-After` as seconds or an HTTP-date (IMF-fixdate).
pub fn requested_wait(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    requested_wait_from(|name| headers.get(name).and_then(|v| v.to_str().ok()), now)
}

/// [`requested_wait`] over any header lookup (`header(name)` gives a header's text).
pub fn requested_wait_from<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
    now: SystemTime,
) -> Option<Duration> {
    let text = |name: &str| header(name).map(str::trim);
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|t| t.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `hh:mm:ss` (Resource Graph's `x-ms-user-quota-resets-after`).
pub fn parse_hms(s: &str) -> Option<Duration> {
    let mut it = s.trim().split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (it.next()??, it.next()??, it.next()??);
    if it.next().is_some() || m > 59 || sec > 59 {
        return None;
    }
    Some(Duration::from_secs(h * 3600 + m * 60 + sec))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP/1.1 servers
/// must send. Obsolete forms are not recognised (the caller then uses its backoff).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?.strip_suffix(',')?;
    let day: u64 = it.next()?.parse().ok()?;
    let month_name = it.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?;
    let year: u64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if it.next()? != "GMT" || it.next().is_some() || hms.next().is_some() {
        return None;
    }
    // Four-digit years only (RFC 9110): a larger one would overflow the day count.
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month as u64 + 1, day);
    UNIX_EPOCH.checked_add(Duration::from_secs(days * 86_400 + h * 3600 + m * 60 + sec))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (year >= 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        let t = parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT").unwrap();
        assert_eq!(t, UNIX_EPOCH);
        let t = parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_835_481_599
        );
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn requested_waits() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        let mut h = HeaderMap::new();
        assert_eq!(requested_wait(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(requested_wait(&h, now), Some(Duration::from_secs(2)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(requested_wait(&h, now), Some(Duration::from_secs(7)));
        let later = now + Duration::from_secs(60);
        assert_eq!(requested_wait(&h, later), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(requested_wait(&h, now), None);
        h.insert("x-ms-retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(requested_wait(&h, now), Some(Duration::from_millis(250)));
    }

    #[test]
    fn backoff_and_statuses() {
        assert_eq!(backoff(0), Duration::from_millis(400));
        assert_eq!(backoff(1), Duration::from_millis(800));
        assert_eq!(backoff(4), MAX_WAIT);
        assert_eq!(backoff(40), MAX_WAIT);
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 403, 404, 409, 501] {
            assert!(!is_retryable_status(s));
        }
    }
}
