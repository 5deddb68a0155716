//! Unix seconds as calendar dates in UTC, for what people read: the report's footer
//! (`2025-03-01 14:05 UTC`) and the exports' RFC 3339 times (`2025-03-01T14:05:09.250Z`), which
//! spreadsheets and pandas read as dates. Howard Hinnant's days-to-civil algorithm; no time zone.

/// A moment in UTC, to the millisecond.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

impl Civil {
    fn of(seconds: f64) -> Self {
        #[allow(clippy::cast_possible_truncation)]
        let total_millis = (seconds * 1000.0).round() as i64;
        let (total, millis) = (total_millis.div_euclid(1000), total_millis.rem_euclid(1000));
        let (days, rest) = (total.div_euclid(86_400), total.rem_euclid(86_400));
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Self {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: rest / 3600,
            minute: rest % 3600 / 60,
            second: rest % 60,
            millis,
        }
    }
}

/// Unix seconds as `2025-03-01 14:05 UTC` (to the minute, truncated).
#[must_use]
pub fn utc_minute(seconds: f64) -> String {
    let c = Civil::of(seconds.floor());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// Unix seconds as RFC 3339 in UTC, to the millisecond: `2025-03-01T14:05:09.250Z`.
#[must_use]
pub fn rfc3339(seconds: f64) -> String {
    let c = Civil::of(seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

#[cfg(test)]
mod tests {
    use super::{rfc3339, utc_minute};

    #[test]
    fn unix_seconds_read_as_utc_dates() {
        assert_eq!(utc_minute(0.0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(951_782_400.0), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(1_709_251_199.9), "2024-02-29 23:59 UTC");
        assert_eq!(utc_minute(-1.0), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn rfc3339_keeps_seconds_and_rounds_to_the_millisecond() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_709_251_199.25), "2024-02-29T23:59:59.250Z");
        // 0.9996 s rounds up into the next second, minute, hour and day.
        assert_eq!(rfc3339(1_709_251_199.999_6), "2024-03-01T00:00:00.000Z");
    }
}
