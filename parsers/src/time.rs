//! Time stamps: UTC milliseconds, local wall-clock times in the school's zone, and the year that an
//! RFC 3164 syslog line does not carry.

use std::time::SystemTime;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::{Error, Result};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type TimestampMs = i64;

/// How a local wall-clock time maps onto UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalResolution {
    /// Exactly one instant (or, inside a spring-forward gap, the instant the clock meant).
    Exact(TimestampMs),
    /// The hour repeated when clocks go back: the first (summer-time) and second instants.
    Ambiguous {
        /// The earlier instant (still in summer time).
        early: TimestampMs,
        /// The later instant (back in standard time).
        late: TimestampMs,
    },
}

/// Per-source time context: the school's zone and the file's modification time, which bounds the
/// year of year-less syslog stamps.
#[derive(Debug, Clone, Copy)]
pub struct TimeContext {
    /// The zone local times are read in.
    pub tz: Tz,
    /// The file's modification time, in that zone.
    reference: NaiveDateTime,
}

/// The default school time zone.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::London;

/// Parses an IANA zone name such as `Europe/London`.
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| Error::BadTimeZone(name.to_owned()))
}

impl TimeContext {
    /// A context for a file last modified at `mtime` (now, when unknown).
    pub fn new(tz: Tz, mtime: Option<SystemTime>) -> Self {
        let utc: DateTime<Utc> = mtime.unwrap_or_else(SystemTime::now).into();
        TimeContext {
            tz,
            reference: utc.with_timezone(&tz).naive_local(),
        }
    }

    /// The year of a year-less local time: the file's year, or the year before when the stamp
    /// would otherwise lie more than a day after the file was last written (a December line in a
    /// file closed in January).
    pub fn infer_year(&self, month: u32, day: u32, seconds_of_day: u32) -> i32 {
        let year = self.reference.year();
        let stamp_key = (month, day, seconds_of_day);
        let limit = self.reference + chrono::Duration::days(1);
        let limit_key = if limit.year() > year {
            (12, 31, 86_399)
        } else {
            (limit.month(), limit.day(), limit.time().num_seconds_from_midnight())
        };
        if stamp_key > limit_key { year - 1 } else { year }
    }

    /// The local date the file was last modified (now, when unknown).
    pub fn reference_date(&self) -> chrono::NaiveDate {
        self.reference.date()
    }

    /// Converts a local wall-clock time in the school's zone to UTC.
    pub fn resolve_local(&self, local: NaiveDateTime) -> LocalResolution {
        resolve_in(self.tz, local)
    }
}

/// Converts a local wall-clock time in `tz` to UTC.
pub fn resolve_in(tz: Tz, local: NaiveDateTime) -> LocalResolution {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => LocalResolution::Exact(t.timestamp_millis()),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.timestamp_millis(), b.timestamp_millis());
            LocalResolution::Ambiguous {
                early: a.min(b),
                late: a.max(b),
            }
        }
        LocalResult::None => {
            // Inside a spring-forward gap: the clock that wrote it had not yet jumped, so read it
            // with the offset in force an hour earlier.
            let before = local - chrono::Duration::hours(1);
            match tz.from_local_datetime(&before) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    LocalResolution::Exact(t.timestamp_millis() + 3_600_000)
                }
                LocalResult::None => LocalResolution::Exact(local.and_utc().timestamp_millis()),
            }
        }
    }
}

/// Builds a naive date-time, `None` when any field is out of range.
pub fn naive(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, month, day)?.and_hms_milli_opt(hour, minute, second.min(59), millis)
}

/// Formats UTC milliseconds as RFC 3339 (`2026-11-16T08:40:00.123Z`).
pub fn format_rfc3339(ts: TimestampMs) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ts) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        None => ts.to_string(),
    }
}

/// Month number (1–12) of an English three-letter abbreviation, any case.
pub fn month_from_abbrev(m: &[u8]) -> Option<u32> {
    if m.len() != 3 {
        return None;
    }
    let lower = [m[0] | 0x20, m[1] | 0x20, m[2] | 0x20];
    let n = match &lower {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    };
    Some(n)
}

/// Resolves the ambiguous local times of one source in file order.
///
/// `previous` is the last resolved instant before this row (if any). The earlier reading is taken
/// unless the log has already moved past it by more than a minute, which means the clock has gone
/// back and the line belongs to the repeated hour.
pub fn pick_in_file_order(previous: Option<TimestampMs>, early: TimestampMs, late: TimestampMs) -> TimestampMs {
    match previous {
        Some(prev) if early < prev - 60_000 => late,
        _ => early,
    }
}

/// Milliseconds of an RFC 3339 time, for tests.
#[cfg(test)]
pub(crate) fn utc_ms(rfc3339: &str) -> TimestampMs {
    rfc3339
        .parse::<DateTime<Utc>>()
        .expect("an RFC 3339 test time")
        .timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_at(rfc3339: &str) -> TimeContext {
        let t: DateTime<Utc> = rfc3339.parse().expect("test time");
        TimeContext::new(DEFAULT_TZ, Some(t.into()))
    }

    #[test]
    fn year_rolls_back_for_december_lines_in_a_january_file() {
        let ctx = ctx_at("2027-01-02T10:00:00Z");
        assert_eq!(ctx.infer_year(12, 31, 23 * 3600), 2026);
        assert_eq!(ctx.infer_year(1, 1, 0), 2027);
        assert_eq!(ctx.infer_year(1, 3, 0), 2027); // within a day of mtime
        assert_eq!(ctx.infer_year(1, 4, 0), 2026);
    }

    #[test]
    fn year_on_new_years_eve_file() {
        let ctx = ctx_at("2026-12-31T23:00:00Z");
        assert_eq!(ctx.infer_year(12, 31, 22 * 3600), 2026);
        assert_eq!(ctx.infer_year(1, 1, 0), 2026);
    }

    #[test]
    fn london_summer_and_winter() {
        let bst = naive(2026, 7, 1, 9, 0, 0, 0).expect("valid");
        assert_eq!(
            resolve_in(DEFAULT_TZ, bst),
            LocalResolution::Exact(
                "2026-07-01T08:00:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("t")
                    .timestamp_millis()
            )
        );
        let gmt = naive(2026, 12, 1, 9, 0, 0, 0).expect("valid");
        assert_eq!(
            resolve_in(DEFAULT_TZ, gmt),
            LocalResolution::Exact(
                "2026-12-01T09:00:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("t")
                    .timestamp_millis()
            )
        );
    }

    #[test]
    fn fold_hour_is_ambiguous_and_gap_is_shifted() {
        // 2026-10-25 01:30 local happens twice in London.
        let fold = naive(2026, 10, 25, 1, 30, 0, 0).expect("valid");
        let early = "2026-10-25T00:30:00Z"
            .parse::<DateTime<Utc>>()
            .expect("t")
            .timestamp_millis();
        let late = "2026-10-25T01:30:00Z"
            .parse::<DateTime<Utc>>()
            .expect("t")
            .timestamp_millis();
        assert_eq!(resolve_in(DEFAULT_TZ, fold), LocalResolution::Ambiguous { early, late });
        // 2026-03-29 01:30 local never happens; read it as 01:30 GMT.
        let gap = naive(2026, 3, 29, 1, 30, 0, 0).expect("valid");
        let want = "2026-03-29T01:30:00Z"
            .parse::<DateTime<Utc>>()
            .expect("t")
            .timestamp_millis();
        assert_eq!(resolve_in(DEFAULT_TZ, gap), LocalResolution::Exact(want));
    }

    #[test]
    fn file_order_picks_second_pass_after_clock_goes_back() {
        let hour = 3_600_000;
        // First pass: previous line at 00:59Z, this one 01:05 local → early 00:05Z is far behind.
        assert_eq!(
            pick_in_file_order(Some(59 * 60_000), 5 * 60_000, 5 * 60_000 + hour),
            5 * 60_000 + hour
        );
        // Still first pass: previous 00:10Z, this 01:20 local → early 00:20Z.
        assert_eq!(
            pick_in_file_order(Some(10 * 60_000), 20 * 60_000, 20 * 60_000 + hour),
            20 * 60_000
        );
        assert_eq!(pick_in_file_order(None, 1, 2), 1);
    }

    #[test]
    fn months() {
        assert_eq!(month_from_abbrev(b"Jan"), Some(1));
        assert_eq!(month_from_abbrev(b"DEC"), Some(12));
        assert_eq!(month_from_abbrev(b"Foo"), None);
    }
}
