//! FlexNet (FlexLM) `lmgrd` debug logs: licence check-outs, check-ins and denials of concurrent
//! licences, for the `licence use` kind.
//!
//! ```text
//! 15:04:31 (adskflex) OUT: "87048MAYA_2024_0F" jsmith@KB-ICT1-PC05
//! 15:20:02 (adskflex) IN: "87048MAYA_2024_0F" jsmith@KB-ICT1-PC05
//! 15:21:00 (adskflex) DENIED: "87048MAYA_2024_0F" ajones@KB-ICT2-PC11  (Licensed number of users already reached. (-4,342))
//!  9:45:10 (lmgrd) TIMESTAMP 11/20/2026
//! ```
//!
//! Lines carry only a time of day; the date comes from the `TIMESTAMP` lines and start-up banners
//! before them, so [`parse`] returns what the line says and the ingest tracks the date in file
//! order. The feature may be quoted or bare.

use crate::lex::trim_spaces;

/// What happened to a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceOp {
    /// Checked out.
    Out,
    /// Checked back in.
    In,
    /// Refused (no seat free, or not allowed).
    Denied,
}

/// One meaningful lmgrd line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlexLine<'a> {
    /// A check-out, check-in or denial.
    Use {
        /// Seconds since midnight.
        seconds: u32,
        /// The vendor daemon.
        daemon: &'a [u8],
        /// What happened.
        op: LicenceOp,
        /// The licensed feature.
        feature: &'a [u8],
        /// The user.
        user: &'a [u8],
        /// The host.
        host: &'a [u8],
        /// Why a denial happened, as logged.
        reason: Option<&'a [u8]>,
    },
    /// `TIMESTAMP MM/DD/YYYY`: the date of the lines that follow.
    Date {
        /// Seconds since midnight.
        seconds: u32,
        /// The date.
        date: chrono::NaiveDate,
    },
}

/// The reason [`parse`] gives for a well-formed line of daemon chatter (start-up banners, server
/// status, `UNSUPPORTED`, `REMOVING`, …): the ingest counts these as context, not rejects.
pub const NOTICE: &str = "lmgrd message that is not OUT:, IN:, DENIED: or TIMESTAMP";

/// Parses one lmgrd line; other daemon chatter is refused with [`NOTICE`].
pub fn parse(line: &[u8]) -> Result<FlexLine<'_>, &'static str> {
    let line = trim_spaces(line);
    let sp = line.iter().position(|&b| b == b' ').ok_or("no time of day")?;
    let seconds = time_of_day(&line[..sp]).ok_or("no time of day (H:MM:SS)")?;
    let rest = trim_spaces(&line[sp..]);
    let rest = rest.strip_prefix(b"(").ok_or("no (daemon) after the time")?;
    let close = rest.iter().position(|&b| b == b')').ok_or("unterminated (daemon)")?;
    let daemon = &rest[..close];
    let rest = trim_spaces(&rest[close + 1..]);
    if let Some(d) = rest.strip_prefix(b"TIMESTAMP ") {
        let text = std::str::from_utf8(trim_spaces(d)).map_err(|_| "TIMESTAMP is not text")?;
        let date = chrono::NaiveDate::parse_from_str(text, "%m/%d/%Y").map_err(|_| "TIMESTAMP is not MM/DD/YYYY")?;
        return Ok(FlexLine::Date { seconds, date });
    }
    let (op, rest) = if let Some(r) = rest.strip_prefix(b"OUT: ") {
        (LicenceOp::Out, r)
    } else if let Some(r) = rest.strip_prefix(b"IN: ") {
        (LicenceOp::In, r)
    } else if let Some(r) = rest.strip_prefix(b"DENIED: ") {
        (LicenceOp::Denied, r)
    } else {
        return Err(NOTICE);
    };
    let rest = trim_spaces(rest);
    let (feature, rest) = match rest.strip_prefix(b"\"") {
        Some(q) => {
            let end = q.iter().position(|&b| b == b'"').ok_or("unterminated \"feature\"")?;
            (&q[..end], &q[end + 1..])
        }
        None => {
            let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        }
    };
    let rest = trim_spaces(rest);
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    let who = &rest[..end];
    let at = who
        .iter()
        .rposition(|&b| b == b'@')
        .ok_or("no user@host after the feature")?;
    let reason = trim_spaces(&rest[end..]);
    let reason = reason
        .strip_prefix(b"(")
        .and_then(|r| r.strip_suffix(b")"))
        .or((!reason.is_empty()).then_some(reason));
    if feature.is_empty() {
        return Err("empty feature name");
    }
    Ok(FlexLine::Use {
        seconds,
        daemon,
        op,
        feature,
        user: &who[..at],
        host: &who[at + 1..],
        reason,
    })
}

/// `H:MM:SS` or `HH:MM:SS` → seconds since midnight.
fn time_of_day(t: &[u8]) -> Option<u32> {
    let mut parts = t.split(|&b| b == b':');
    let mut next = || -> Option<u32> {
        let p = parts.next()?;
        (!p.is_empty() && p.len() <= 2 && p.iter().all(u8::is_ascii_digit))
            .then(|| p.iter().fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0'))))
    };
    let (h, m, s) = (next()?, next()?, next()?);
    (h < 24 && m < 60 && s < 61).then_some(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkouts_checkins_denials_and_dates() {
        let FlexLine::Use {
            seconds,
            daemon,
            op,
            feature,
            user,
            host,
            reason,
        } = parse(br#"15:04:31 (adskflex) OUT: "87048MAYA_2024_0F" jsmith@KB-ICT1-PC05"#).expect("out")
        else {
            panic!("use line")
        };
        assert_eq!(
            (seconds, daemon, op),
            (15 * 3600 + 4 * 60 + 31, &b"adskflex"[..], LicenceOp::Out)
        );
        assert_eq!(
            (feature, user, host, reason),
            (&b"87048MAYA_2024_0F"[..], &b"jsmith"[..], &b"KB-ICT1-PC05"[..], None)
        );
        let FlexLine::Use { op, feature, .. } = parse(b" 9:20:02 (MLM) IN: MATLAB jsmith@KB-STF-L001").expect("in")
        else {
            panic!("use line")
        };
        assert_eq!((op, feature), (LicenceOp::In, &b"MATLAB"[..]));
        let FlexLine::Use { op, user, reason, .. } = parse(
            br#"15:21:00 (adskflex) DENIED: "87048MAYA_2024_0F" ajones@KB-ICT2-PC11  (Licensed number of users already reached. (-4,342))"#,
        )
        .expect("denied") else {
            panic!("use line")
        };
        assert_eq!((op, user), (LicenceOp::Denied, &b"ajones"[..]));
        assert_eq!(reason, Some(&b"Licensed number of users already reached. (-4,342)"[..]));
        assert_eq!(
            parse(b" 9:45:10 (lmgrd) TIMESTAMP 11/20/2026").expect("date"),
            FlexLine::Date {
                seconds: 9 * 3600 + 45 * 60 + 10,
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("d")
            }
        );
    }

    #[test]
    fn refuses_other_chatter() {
        for line in [
            "",
            "15:04:31 (lmgrd) FlexNet Licensing (v11.16.2.0) started on licsrv",
            "15:04:31 (adskflex) OUT: \"MAYA\" nobodyathost",
            "25:04:31 (adskflex) OUT: MAYA a@b",
            "15:04:31 adskflex OUT: MAYA a@b",
            "15:04:31 (lmgrd) TIMESTAMP 2026-11-20",
        ] {
            assert!(parse(line.as_bytes()).is_err(), "{line}");
        }
    }
}
