//! The syslog envelope shared by every syslog-carried format.
//!
//! Recognised prefixes, each optionally preceded by a `<PRI>`:
//! - RFC 3164: `Jan  8 03:37:09 host tag[pid]: msg` (no year; day padded with a space; host and tag
//!   optional);
//! - RFC 5424: `<134>1 2021-03-04T12:34:56.123Z host app procid msgid [sd] msg` with `-` for absent
//!   fields, also without the PRI;
//! - ISO-8601 (rsyslog's high-precision file format and similar): `2021-03-04T12:34:56.123+01:00
//!   host tag: msg`, with or without fraction and offset; a stamp without offset is local time.
//!
//! A Linux kernel uptime stamp (`[  307.750000]`) at the start of the message is dropped.

use chrono::NaiveDateTime;

use crate::lex::{digits_exact, field, opt_spaces, spaces, uint};
use crate::time::{TimeContext, TimestampMs, month_from_abbrev, naive};

/// When the envelope says the line was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeTime {
    /// An absolute instant.
    Utc(TimestampMs),
    /// A wall-clock time in the school's zone, still to be resolved.
    Local(NaiveDateTime),
    /// RFC 5424's `-`.
    Unknown,
}

/// A parsed syslog envelope; `msg` is the payload for the format parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The facility/severity value, when present.
    pub pri: Option<u8>,
    /// The time stamp.
    pub time: EnvelopeTime,
    /// The sending host.
    pub host: Option<&'a [u8]>,
    /// The program (tag / APP-NAME).
    pub app: Option<&'a [u8]>,
    /// The process id.
    pub pid: Option<&'a [u8]>,
    /// The message after the envelope.
    pub msg: &'a [u8],
}

/// Why a line is not a syslog line.
pub const NOT_SYSLOG: &str = "no syslog header (expected 'Mmm dd hh:mm:ss', an ISO-8601 time or '<PRI>1 ')";

/// Parses the envelope of `line`.
pub fn parse<'a>(line: &'a [u8], ctx: &TimeContext) -> Result<Envelope<'a>, &'static str> {
    let (rest, pri) = match pri(line) {
        Some((rest, p)) => (rest, Some(p)),
        None => (line, None),
    };
    if let Some(after) = rest.strip_prefix(b"1 ")
        && let Ok(env) = rfc5424(after, pri)
    {
        return Ok(env);
    }
    if let Ok((after, time)) = iso8601(rest) {
        let after = spaces(after).map_err(|_| NOT_SYSLOG)?.0;
        return Ok(host_and_tag(after, pri, time));
    }
    if let Ok((after, local)) = rfc3164_time(rest, ctx) {
        let after = opt_spaces(after);
        return Ok(host_and_tag(after, pri, EnvelopeTime::Local(local)));
    }
    Err(NOT_SYSLOG)
}

fn pri(i: &[u8]) -> Option<(&[u8], u8)> {
    let rest = i.strip_prefix(b"<")?;
    let end = rest.iter().take(4).position(|&b| b == b'>')?;
    let (_, v) = uint(&rest[..end]).ok()?;
    if end == 0 || v > 191 {
        return None;
    }
    Some((&rest[end + 1..], v as u8))
}

fn rfc5424(i: &[u8], pri: Option<u8>) -> Result<Envelope<'_>, ()> {
    let (i, time) = if let Some(r) = i.strip_prefix(b"- ") {
        (r, EnvelopeTime::Unknown)
    } else {
        let (r, t) = iso8601(i).map_err(|_| ())?;
        (spaces(r).map_err(|_| ())?.0, t)
    };
    let (i, host) = field(i).map_err(|_| ())?;
    let (i, _) = spaces(i).map_err(|_| ())?;
    let (i, app) = field(i).map_err(|_| ())?;
    let (i, _) = spaces(i).map_err(|_| ())?;
    let (i, procid) = field(i).map_err(|_| ())?;
    let (i, _) = spaces(i).map_err(|_| ())?;
    let (i, _msgid) = field(i).map_err(|_| ())?;
    let i = opt_spaces(i);
    let i = structured_data(i).ok_or(())?;
    let msg = i.strip_prefix(b" ").unwrap_or(i);
    let msg = msg.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(msg);
    Ok(Envelope {
        pri,
        time,
        host: crate::lex::dash_none(host),
        app: crate::lex::dash_none(app),
        pid: crate::lex::dash_none(procid),
        msg: strip_uptime(msg),
    })
}

/// Skips RFC 5424 STRUCTURED-DATA: `-` or one or more `[id k="v"…]` elements.
fn structured_data(i: &[u8]) -> Option<&[u8]> {
    if let Some(r) = i.strip_prefix(b"-") {
        return Some(r);
    }
    let mut i = i;
    if !i.starts_with(b"[") {
        // Some senders omit the SD field entirely.
        return Some(i);
    }
    while i.first() == Some(&b'[') {
        let mut k = 1;
        let mut in_quotes = false;
        loop {
            match i.get(k)? {
                b'\\' => k += 1,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes => break,
                _ => {}
            }
            k += 1;
        }
        i = &i[k + 1..];
    }
    Some(i)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]`.
fn iso8601(i: &[u8]) -> nom::IResult<&[u8], EnvelopeTime> {
    let (i, year) = digits_exact(i, 4)?;
    let (i, _) = crate::lex::byte(b'-')(i)?;
    let (i, month) = digits_exact(i, 2)?;
    let (i, _) = crate::lex::byte(b'-')(i)?;
    let (i, day) = digits_exact(i, 2)?;
    let i = match i.first() {
        Some(b'T' | b't' | b' ') => &i[1..],
        _ => return crate::lex::fail(i, nom::error::ErrorKind::Char),
    };
    let (i, (hour, minute, second)) = hms(i)?;
    let Some((i, millis)) = crate::lex::fraction(i) else {
        return crate::lex::fail(i, nom::error::ErrorKind::Digit);
    };
    let Some(local) = naive(year as i32, month, day, hour, minute, second, millis) else {
        return crate::lex::fail(i, nom::error::ErrorKind::Verify);
    };
    let (i, offset_min) = match i.first() {
        Some(b'Z' | b'z') => (&i[1..], Some(0i64)),
        Some(&sign @ (b'+' | b'-')) => {
            let r = &i[1..];
            let (r, oh) = digits_exact(r, 2)?;
            let r = r.strip_prefix(b":").unwrap_or(r);
            let (r, om) = digits_exact(r, 2)?;
            let m = i64::from(oh * 60 + om);
            (r, Some(if sign == b'-' { -m } else { m }))
        }
        _ => (i, None),
    };
    let time = match offset_min {
        Some(m) => EnvelopeTime::Utc(local.and_utc().timestamp_millis() - m * 60_000),
        None => EnvelopeTime::Local(local),
    };
    Ok((i, time))
}

fn hms(i: &[u8]) -> nom::IResult<&[u8], (u32, u32, u32)> {
    let (i, h) = digits_exact(i, 2)?;
    let (i, _) = crate::lex::byte(b':')(i)?;
    let (i, m) = digits_exact(i, 2)?;
    let (i, _) = crate::lex::byte(b':')(i)?;
    let (i, s) = digits_exact(i, 2)?;
    if h > 23 || m > 59 || s > 60 {
        return crate::lex::fail(i, nom::error::ErrorKind::Verify);
    }
    Ok((i, (h, m, s)))
}

/// `Mmm dd hh:mm:ss` with the day padded by a space or a zero, the year inferred.
fn rfc3164_time<'a>(i: &'a [u8], ctx: &TimeContext) -> nom::IResult<&'a [u8], NaiveDateTime> {
    if i.len() < 15 {
        return crate::lex::fail(i, nom::error::ErrorKind::Eof);
    }
    let Some(month) = month_from_abbrev(&i[..3]) else {
        return crate::lex::fail(i, nom::error::ErrorKind::Tag);
    };
    let (i, _) = spaces(&i[3..])?;
    let (i, day) = match digits_exact(i, 2) {
        Ok(r) => r,
        Err(_) => digits_exact(i, 1)?,
    };
    let (i, _) = spaces(i)?;
    let (i, (h, m, s)) = hms(i)?;
    let Some((i, millis)) = crate::lex::fraction(i) else {
        return crate::lex::fail(i, nom::error::ErrorKind::Digit);
    };
    let year = ctx.infer_year(month, day, h * 3600 + m * 60 + s);
    match naive(year, month, day, h, m, s, millis) {
        Some(t) => Ok((i, t)),
        // 29 February in an inferred non-leap year: the latest leap year before it.
        None => match (1..4).find_map(|back| naive(year - back, month, day, h, m, s, millis)) {
            Some(t) => Ok((i, t)),
            None => crate::lex::fail(i, nom::error::ErrorKind::Verify),
        },
    }
}

/// After the time stamp: `[host] [tag[pid]:] msg`.
fn host_and_tag(i: &[u8], pri: Option<u8>, time: EnvelopeTime) -> Envelope<'_> {
    let mut env = Envelope {
        pri,
        time,
        host: None,
        app: None,
        pid: None,
        msg: i,
    };
    let Ok((after_first, first)) = field(i) else {
        return env;
    };
    if let Some((app, pid)) = tag(first) {
        env.app = Some(app);
        env.pid = pid;
        env.msg = strip_uptime(after_first.strip_prefix(b" ").unwrap_or(after_first));
        return env;
    }
    env.host = Some(first);
    let rest = after_first.strip_prefix(b" ").unwrap_or(after_first);
    env.msg = rest;
    if let Ok((after_second, second)) = field(rest)
        && let Some((app, pid)) = tag(second)
    {
        env.app = Some(app);
        env.pid = pid;
        env.msg = after_second.strip_prefix(b" ").unwrap_or(after_second);
    }
    env.msg = strip_uptime(env.msg);
    env
}

/// `name:`, `name[pid]:` (a tag ends with a colon).
fn tag(token: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let body = token.strip_suffix(b":")?;
    if body.is_empty() {
        return None;
    }
    if let Some(open) = body.iter().position(|&b| b == b'[') {
        let pid = body[open + 1..].strip_suffix(b"]")?;
        return Some((&body[..open], Some(pid)));
    }
    Some((body, None))
}

/// Drops a kernel uptime stamp such as `[  307.750000] ` from the start of a message.
fn strip_uptime(msg: &[u8]) -> &[u8] {
    let Some(inner) = msg.strip_prefix(b"[") else {
        return msg;
    };
    let Some(close) = inner.iter().take(24).position(|&b| b == b']') else {
        return msg;
    };
    let stamp = opt_spaces(&inner[..close]);
    if stamp.is_empty() || !stamp.iter().all(|&b| b.is_ascii_digit() || b == b'.') {
        return msg;
    }
    let rest = &inner[close + 1..];
    rest.strip_prefix(b" ").unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::time::DEFAULT_TZ;

    fn ctx() -> TimeContext {
        let t: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().expect("t");
        TimeContext::new(DEFAULT_TZ, Some(t.into()))
    }

    fn local(s: &str) -> EnvelopeTime {
        EnvelopeTime::Local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.3f").expect("t"))
    }

    fn utc(s: &str) -> EnvelopeTime {
        EnvelopeTime::Utc(s.parse::<DateTime<Utc>>().expect("t").timestamp_millis())
    }

    struct Case {
        line: &'static str,
        time: EnvelopeTime,
        host: Option<&'static str>,
        app: Option<&'static str>,
        pid: Option<&'static str>,
        msg: &'static str,
    }

    #[test]
    fn envelopes() {
        let cases = [
            Case {
                line: "Jan  8 03:37:09 proxy squid[1234]: 1673149029.123 5 10.0.0.1 TCP_MISS/200",
                time: local("2026-01-08 03:37:09.000"),
                host: Some("proxy"),
                app: Some("squid"),
                pid: Some("1234"),
                msg: "1673149029.123 5 10.0.0.1 TCP_MISS/200",
            },
            Case {
                line: "Nov 20 09:05:00 fw kernel: [  307.750000] [UFW BLOCK] IN=eth0",
                time: local("2026-11-20 09:05:00.000"),
                host: Some("fw"),
                app: Some("kernel"),
                pid: None,
                msg: "[UFW BLOCK] IN=eth0",
            },
            Case {
                // December line in a November-modified file: last year.
                line: "Dec 31 23:59:59 host app: bye",
                time: local("2025-12-31 23:59:59.000"),
                host: Some("host"),
                app: Some("app"),
                pid: None,
                msg: "bye",
            },
            Case {
                // No host: the first token is the tag.
                line: "Nov 3 10:00:00 squid[77]: hello world",
                time: local("2026-11-03 10:00:00.000"),
                host: None,
                app: Some("squid"),
                pid: Some("77"),
                msg: "hello world",
            },
            Case {
                // No tag: message straight after the host.
                line: "<13>Nov 03 10:00:00 10.1.2.3 message without tag",
                time: local("2026-11-03 10:00:00.000"),
                host: Some("10.1.2.3"),
                app: None,
                pid: None,
                msg: "message without tag",
            },
            Case {
                line: "<134>1 2021-03-04T12:34:56.123Z fw.school.example filterlog 7777 - - 5,,,1000",
                time: utc("2021-03-04T12:34:56.123Z"),
                host: Some("fw.school.example"),
                app: Some("filterlog"),
                pid: Some("7777"),
                msg: "5,,,1000",
            },
            Case {
                line: "1 2021-03-04T12:34:56+01:00 host app - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App]lication\"][x@1 a=\"\\]\"] \u{feff}payload here",
                time: utc("2021-03-04T11:34:56Z"),
                host: Some("host"),
                app: Some("app"),
                pid: None,
                msg: "payload here",
            },
            Case {
                line: "<165>1 - - - - - - nothing known",
                time: EnvelopeTime::Unknown,
                host: None,
                app: None,
                pid: None,
                msg: "nothing known",
            },
            Case {
                line: "2026-11-16T08:40:01.123456+00:00 proxy squid[9]: x y",
                time: utc("2026-11-16T08:40:01.123Z"),
                host: Some("proxy"),
                app: Some("squid"),
                pid: Some("9"),
                msg: "x y",
            },
            Case {
                line: "2026-07-16 08:40:01 proxy squid: local stamp",
                time: local("2026-07-16 08:40:01.000"),
                host: Some("proxy"),
                app: Some("squid"),
                pid: None,
                msg: "local stamp",
            },
            Case {
                line: "2026-11-16T08:40:01-0500 h t: offset without colon",
                time: utc("2026-11-16T13:40:01Z"),
                host: Some("h"),
                app: Some("t"),
                pid: None,
                msg: "offset without colon",
            },
        ];
        for c in cases {
            let env = parse(c.line.as_bytes(), &ctx()).unwrap_or_else(|e| panic!("{}: {e}", c.line));
            assert_eq!(env.time, c.time, "{}", c.line);
            assert_eq!(env.host, c.host.map(str::as_bytes), "{}", c.line);
            assert_eq!(env.app, c.app.map(str::as_bytes), "{}", c.line);
            assert_eq!(env.pid, c.pid.map(str::as_bytes), "{}", c.line);
            assert_eq!(std::str::from_utf8(env.msg).expect("utf8"), c.msg, "{}", c.line);
        }
    }

    #[test]
    fn leap_day_in_a_file_modified_in_a_common_year() {
        let t: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().expect("t");
        let ctx = TimeContext::new(DEFAULT_TZ, Some(t.into()));
        let env = parse(b"Feb 29 10:00:00 proxy squid[1]: x", &ctx).expect("parse");
        assert_eq!(env.time, local("2024-02-29 10:00:00.000"));
    }

    #[test]
    fn rejects_non_syslog() {
        for line in [
            "1286536309.450 98 10.0.0.1 TCP_MISS/200",
            "",
            "Foo  8 03:37:09 x",
            "Jan 32 03:37:09 x y",
        ] {
            assert!(parse(line.as_bytes(), &ctx()).is_err(), "{line}");
        }
    }
}
