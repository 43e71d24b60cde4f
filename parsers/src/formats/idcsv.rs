//! A simple identity list supplied by the school: who had which address when, one row per
//! binding, `ts,ip,user[,device]`, with or without a header row.
//!
//! ```text
//! time,ip,user,device
//! 2026-11-20T08:15:02Z,10.40.20.15,ab.pupil,KB-ICT1-PC05
//! 2026-11-20 08:40,10.40.20.16,cd.staff
//! 20/11/2026 09:05:00,10.40.20.17,ef.pupil,KB-LIB-PC02
//! 1795162502,10.40.20.18,,KB-LIB-PC03
//! ```
//!
//! Every row becomes an [`IdentityRecord`] with source [`IdentitySource::Csv`] and event
//! [`IdentityEvent::Bind`]. With a header row the columns are found by name ([`FIELDS`],
//! [`columns`], [`parse`]); without one the order is fixed ([`parse_headerless`]).
//!
//! Quirks handled:
//! - header names matched loosely: `time`/`timestamp`/`date`/`datetime`, `ip`/`address`/`client ip`,
//!   `user`/`username`/`account`/`login`, `device`/`hostname`/`computer`/`machine`, in any order,
//!   with extra columns ignored; separate `date` and `time` columns are joined;
//! - times as ISO-8601 with a `T` or a space, with or without seconds and a fraction, with `Z`,
//!   `+01:00`, `+0100`, `+01` or `UTC` (→ `ts`) or without a zone (→ `local_time`, read in the
//!   school's zone by the engine); UK `DD/MM/YYYY HH:MM[:SS]` (also `-` or `.` between the date
//!   parts, and a trailing `AM`/`PM`); a bare date (midnight); epoch seconds (10 digits, with an
//!   optional fraction) or milliseconds (13 digits);
//! - either the user or the device may be empty, not both; extra trailing columns are ignored;
//! - headerless files split on commas, or on tabs or semicolons when a line has no comma; a
//!   UTF-8 byte-order mark before the first row is dropped; lines starting with `#` are comments;
//!   a header row reaching [`parse_headerless`] yields nothing;
//! - the header of a Windows DHCP audit log is left to [`super::windhcp`] (it has date, time,
//!   IP and user columns too).
//!
//! The time parsers ([`timestamp`], [`date_prefix`]) are shared with the inventory and licence
//! register formats.

use bumpalo::Bump;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::csv::{self, Columns, Header};
use crate::identity::{IdentityEvent, IdentityRecord, IdentitySource};
use crate::time::TimestampMs;

/// The wanted fields, each a list of accepted header names.
pub const FIELDS: &[&[&str]] = &[
    &[
        "timestamp",
        "datetime",
        "date time",
        "date/time",
        "ts",
        "time",
        "date",
        "when",
        "event time",
        "logon time",
        "login time",
    ],
    &["date", "day"],
    &["time", "time of day"],
    &[
        "ip",
        "ip address",
        "address",
        "client ip",
        "client address",
        "ipv4",
        "ipv4 address",
        "ipv6 address",
        "source ip",
        "src ip",
    ],
    &[
        "user",
        "username",
        "user name",
        "account",
        "account name",
        "login",
        "logon",
        "samaccountname",
        "upn",
        "user principal name",
    ],
    &[
        "device",
        "device name",
        "hostname",
        "host name",
        "host",
        "computer",
        "computer name",
        "machine",
        "machine name",
        "workstation",
    ],
];
/// Index of the timestamp field in [`FIELDS`].
pub const TS: usize = 0;
/// Index of a separate date field.
pub const DATE: usize = 1;
/// Index of a separate time-of-day field.
pub const TIME: usize = 2;
/// Index of the IP address field.
pub const IP: usize = 3;
/// Index of the user field.
pub const USER: usize = 4;
/// Index of the device field.
pub const DEVICE: usize = 5;

/// Why a time was refused.
const BAD_TIME: &str = "time is not ISO-8601, DD/MM/YYYY HH:MM[:SS] or epoch seconds";

/// The columns of an identity list header: `Some` when it names a time, an IP address and a
/// user or a device (and is not a Windows DHCP audit log header).
pub fn columns(header: &Header) -> Option<Columns> {
    let cols = header.map(FIELDS);
    let timed = cols.has(TS) || (cols.has(DATE) && cols.has(TIME));
    if !timed || !cols.has(IP) || !(cols.has(USER) || cols.has(DEVICE)) {
        return None;
    }
    if super::windhcp::columns(header).is_some() {
        return None;
    }
    Some(cols)
}

/// Parses one row of a list with a header row.
pub fn parse<'a>(
    line: &'a [u8],
    cols: &Columns,
    scratch: &'a Bump,
    out: &mut Vec<IdentityRecord<'a>>,
) -> Result<(), &'static str> {
    if line.first() == Some(&b'#') {
        return Ok(());
    }
    let mut rec = Vec::new();
    csv::split(line, cols.delimiter, scratch, &mut rec)?;
    let date = cols.get(&rec, DATE);
    let time = cols.get(&rec, TIME);
    let separate = cols.index.get(DATE) != cols.index.get(TIME);
    let stamp = match (date, time) {
        (Some(d), Some(t)) if separate => {
            let mut joined = Vec::with_capacity(d.len() + t.len() + 1);
            joined.extend_from_slice(d);
            joined.push(b' ');
            joined.extend_from_slice(t);
            timestamp(&joined).ok_or(BAD_TIME)?
        }
        _ => timestamp(cols.get(&rec, TS).ok_or("no time field")?).ok_or(BAD_TIME)?,
    };
    push(
        stamp,
        cols.get(&rec, IP),
        cols.get(&rec, USER),
        cols.get(&rec, DEVICE),
        out,
    )
}

/// Parses one row of a list without a header row: `ts,ip,user[,device]`.
pub fn parse_headerless<'a>(
    line: &'a [u8],
    scratch: &'a Bump,
    out: &mut Vec<IdentityRecord<'a>>,
) -> Result<(), &'static str> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.first() == Some(&b'#') {
        return Ok(());
    }
    let delimiter = if memchr::memchr(b',', line).is_some() {
        b','
    } else if memchr::memchr(b'\t', line).is_some() {
        b'\t'
    } else {
        b';'
    };
    let mut rec = Vec::new();
    csv::split(line, delimiter, scratch, &mut rec)?;
    let field = |i: usize| rec.get(i).map(|v| crate::lex::trim_spaces(v)).filter(|v| !v.is_empty());
    let ts = field(0).ok_or("no time field")?;
    let Some(stamp) = timestamp(ts) else {
        // A header row that reached the data: understood, no record.
        if ts.first().is_some_and(u8::is_ascii_alphabetic) && Header::parse(line).is_some_and(|h| columns(&h).is_some())
        {
            return Ok(());
        }
        return Err(BAD_TIME);
    };
    push(stamp, field(1), field(2), field(3), out)
}

fn push<'a>(
    stamp: Stamp,
    ip: Option<&'a [u8]>,
    user: Option<&'a [u8]>,
    device: Option<&'a [u8]>,
    out: &mut Vec<IdentityRecord<'a>>,
) -> Result<(), &'static str> {
    let ip = ip.ok_or("no IP address field")?;
    if !is_ip(ip) {
        return Err("IP address field is not an IP address");
    }
    if user.is_none() && device.is_none() {
        return Err("no user or device field");
    }
    let mut r = IdentityRecord::bind(IdentitySource::Csv, ip);
    r.event = IdentityEvent::Bind;
    match stamp {
        Stamp::Utc(ms) => r.ts = Some(ms),
        Stamp::Local(t) => r.local_time = Some(t),
    }
    r.user = user;
    r.device = device;
    out.push(r);
    Ok(())
}

/// Whether `v` looks like an IPv4 or IPv6 address (digits, hex digits, dots and colons).
pub(crate) fn is_ip(v: &[u8]) -> bool {
    (2..=45).contains(&v.len())
        && v.iter().any(|&b| b == b'.' || b == b':')
        && v.iter().all(|&b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

/// A time as an export writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// It carried a zone or offset (or was epoch time): UTC milliseconds.
    Utc(TimestampMs),
    /// Wall-clock time without a zone, to be read in the school's zone.
    Local(NaiveDateTime),
}

/// Reads a whole field as a time: epoch seconds or milliseconds, ISO-8601 (`T` or space, optional
/// seconds, fraction and zone), or a day-first `DD/MM/YYYY[ HH:MM[:SS]]`; `None` otherwise.
pub fn timestamp(v: &[u8]) -> Option<Stamp> {
    let v = crate::lex::trim_spaces(v);
    if let Some(ms) = epoch_ms(v) {
        return Some(Stamp::Utc(ms));
    }
    let (date, rest) = date_prefix(v)?;
    let (time, offset) = if rest.is_empty() {
        (NaiveTime::MIN, None)
    } else {
        let rest = match rest.first() {
            Some(b'T' | b't') => &rest[1..],
            Some(b' ') => crate::lex::opt_spaces(rest),
            _ => return None,
        };
        time_suffix(rest)?
    };
    let local = date.and_time(time);
    Some(match offset {
        Some(minutes) => Stamp::Utc(local.and_utc().timestamp_millis() - i64::from(minutes) * 60_000),
        None => Stamp::Local(local),
    })
}

/// Epoch seconds (9–10 digits, optional fraction) or milliseconds (12–13 digits).
fn epoch_ms(v: &[u8]) -> Option<TimestampMs> {
    let (rest, n) = crate::lex::uint(v).ok()?;
    let digits = v.len() - rest.len();
    let (rest, frac) = crate::lex::fraction(rest)?;
    if !rest.is_empty() {
        return None;
    }
    let n = i64::try_from(n).ok()?;
    match digits {
        9 | 10 => Some(n * 1000 + i64::from(frac)),
        12 | 13 if frac == 0 && v.len() == digits => Some(n),
        _ => None,
    }
}

/// Up to `max` leading ASCII digits (at least `min`) as a number, and what follows.
fn digits(i: &[u8], min: usize, max: usize) -> Option<(u32, &[u8])> {
    let n = i.iter().take(max).take_while(|b| b.is_ascii_digit()).count();
    if n < min {
        return None;
    }
    let v = i[..n]
        .iter()
        .fold(0u32, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')));
    Some((v, &i[n..]))
}

/// A date at the start of `v`, and what follows it: ISO `YYYY-MM-DD` (or `/`), day-first
/// `DD/MM/YYYY` (or `-`, `.`; two-digit years are 20YY), or `1 Sep 2026` / `01-Sep-2026` /
/// `1st September 2026`.
pub fn date_prefix(v: &[u8]) -> Option<(NaiveDate, &[u8])> {
    if let Some((y, r)) = digits(v, 4, 4)
        && let Some(&sep @ (b'-' | b'/')) = r.first()
    {
        let (m, r) = digits(&r[1..], 1, 2)?;
        let r = r.strip_prefix(&[sep])?;
        let (d, r) = digits(r, 1, 2)?;
        return Some((NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?, r));
    }
    let (d, r) = digits(v, 1, 2)?;
    let r = strip_ordinal(r);
    let (&sep, r) = r.split_first()?;
    let (m, r) = match sep {
        b'/' | b'-' | b'.' if r.first().is_some_and(u8::is_ascii_digit) => {
            let (m, r) = digits(r, 1, 2)?;
            (m, r.strip_prefix(&[sep])?)
        }
        b' ' | b'-' => {
            let r = crate::lex::opt_spaces(r);
            let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let m = month(&r[..letters])?;
            let r = &r[letters..];
            let r = r.strip_prefix(b",").unwrap_or(r);
            let r = match r.first() {
                Some(b' ') => crate::lex::opt_spaces(r),
                Some(&b) if b == sep => &r[1..],
                _ => return None,
            };
            (m, r)
        }
        _ => return None,
    };
    let (y, rest) = digits(r, 2, 4)?;
    let year = match r.len() - rest.len() {
        2 => 2000 + y,
        4 => y,
        _ => return None,
    };
    Some((NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, m, d)?, rest))
}

/// `st`, `nd`, `rd`, `th` after a day number.
fn strip_ordinal(r: &[u8]) -> &[u8] {
    match r.get(..2) {
        Some(s) if [b"st", b"nd", b"rd", b"th"].iter().any(|o| s.eq_ignore_ascii_case(*o)) => &r[2..],
        _ => r,
    }
}

/// An English month name or its abbreviation (`Sep`, `Sept`, `September`).
fn month(word: &[u8]) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    let w = word.to_ascii_lowercase();
    let at = NAMES.iter().position(|n| n.as_bytes().starts_with(&w));
    at.and_then(|i| u32::try_from(i + 1).ok())
}

/// `HH:MM[:SS][.fff][ AM|PM][ Z|±HH[:MM]|UTC|GMT]` as a whole: the time and the offset in
/// minutes east of UTC, if any.
fn time_suffix(i: &[u8]) -> Option<(NaiveTime, Option<i32>)> {
    let (mut h, r) = digits(i, 1, 2)?;
    let r = r.strip_prefix(b":")?;
    let (m, r) = digits(r, 2, 2)?;
    let (s, r) = match r.strip_prefix(b":") {
        Some(r) => digits(r, 2, 2)?,
        None => (0, r),
    };
    let (r, ms) = crate::lex::fraction(r)?;
    let mut r = crate::lex::opt_spaces(r);
    for (word, pm) in [(&b"AM"[..], false), (&b"PM"[..], true)] {
        if r.get(..2).is_some_and(|w| w.eq_ignore_ascii_case(word)) {
            if !(1..=12).contains(&h) {
                return None;
            }
            h = h % 12 + if pm { 12 } else { 0 };
            r = crate::lex::opt_spaces(&r[2..]);
        }
    }
    let time = NaiveTime::from_hms_milli_opt(h, m, s.min(59), ms)?;
    let offset = match r {
        b"" => None,
        b"Z" | b"z" | b"UTC" | b"GMT" => Some(0),
        [b'+' | b'-', tail @ ..] => {
            let sign = if r[0] == b'-' { -1 } else { 1 };
            let minutes = match tail.len() {
                2 => digits(tail, 2, 2).map(|(h, _)| h * 60),
                4 | 5 => super::offset_minutes(r).and_then(|m| u32::try_from(m.abs()).ok()),
                _ => None,
            }?;
            if minutes > 18 * 60 {
                return None;
            }
            Some(sign * i32::try_from(minutes).ok()?)
        }
        _ => return None,
    };
    Some((time, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn local(s: &str) -> Stamp {
        Stamp::Local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("test time"))
    }

    fn utc(s: &str) -> Stamp {
        Stamp::Utc(crate::time::utc_ms(&format!("{}Z", s.replace(' ', "T"))))
    }

    #[test]
    fn timestamps() {
        let cases: &[(&str, Option<Stamp>)] = &[
            ("2026-11-20T08:15:02Z", Some(utc("2026-11-20 08:15:02"))),
            ("2026-11-20T08:15:02.250Z", Some(utc("2026-11-20 08:15:02.250"))),
            ("2026-11-20 08:15:02+00:00", Some(utc("2026-11-20 08:15:02"))),
            ("2026-06-20T09:15:02+01:00", Some(utc("2026-06-20 08:15:02"))),
            ("2026-06-20T09:15:02+0100", Some(utc("2026-06-20 08:15:02"))),
            ("2026-06-20T09:15:02+01", Some(utc("2026-06-20 08:15:02"))),
            ("2026-06-20T03:15:02-05:00", Some(utc("2026-06-20 08:15:02"))),
            ("2026-11-20 08:15:02 UTC", Some(utc("2026-11-20 08:15:02"))),
            ("2026-11-20T08:15:02", Some(local("2026-11-20 08:15:02"))),
            ("2026-11-20 08:15", Some(local("2026-11-20 08:15:00"))),
            ("2026/11/20 08:15:02", Some(local("2026-11-20 08:15:02"))),
            ("2026-11-20", Some(local("2026-11-20 00:00:00"))),
            ("20/11/2026 08:15", Some(local("2026-11-20 08:15:00"))),
            ("20/11/2026 08:15:02", Some(local("2026-11-20 08:15:02"))),
            ("1/9/2026 8:05", Some(local("2026-09-01 08:05:00"))),
            ("20-11-2026 08:15:02", Some(local("2026-11-20 08:15:02"))),
            ("20.11.2026 08:15:02", Some(local("2026-11-20 08:15:02"))),
            ("20/11/26 08:15", Some(local("2026-11-20 08:15:00"))),
            ("20/11/2026 01:15 PM", Some(local("2026-11-20 13:15:00"))),
            ("20/11/2026 12:15 am", Some(local("2026-11-20 00:15:00"))),
            ("20/11/2026", Some(local("2026-11-20 00:00:00"))),
            ("1 Sep 2026", Some(local("2026-09-01 00:00:00"))),
            ("01-Sep-2026", Some(local("2026-09-01 00:00:00"))),
            ("1st September 2026 09:00", Some(local("2026-09-01 09:00:00"))),
            ("1795162502", Some(Stamp::Utc(1_795_162_502_000))),
            ("1795162502.5", Some(Stamp::Utc(1_795_162_502_500))),
            ("1795162502123", Some(Stamp::Utc(1_795_162_502_123))),
            ("  2026-11-20T08:15:02Z ", Some(utc("2026-11-20 08:15:02"))),
            ("20261120", None),
            ("31/02/2026 08:00", None),
            ("11/20/2026 08:00", None),
            ("2026-11-20T25:00", None),
            ("2026-11-20 08:15:02 BST", None),
            ("2026-11-20 08:15:02+99:00", None),
            ("20/11/2026 13:15 PM", None),
            ("yesterday", None),
            ("", None),
            ("1 Sep", None),
            ("2026-11-20x", None),
        ];
        for (text, want) in cases {
            assert_eq!(timestamp(text.as_bytes()), *want, "{text}");
        }
    }

    fn parsed(header: &str, line: &str) -> Result<Vec<IdentityRecord<'static>>, &'static str> {
        let h = Header::parse(header.as_bytes()).expect("header");
        let cols = columns(&h).expect("identity header");
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        let mut out = Vec::new();
        parse(line.as_bytes(), &cols, bump, &mut out)?;
        Ok(out)
    }

    fn headerless(line: &str) -> Result<Vec<IdentityRecord<'static>>, &'static str> {
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        let mut out = Vec::new();
        parse_headerless(line.as_bytes(), bump, &mut out)?;
        Ok(out)
    }

    fn one(r: Result<Vec<IdentityRecord<'static>>, &'static str>) -> IdentityRecord<'static> {
        let v = r.expect("parses");
        assert_eq!(v.len(), 1, "{v:?}");
        v[0]
    }

    #[test]
    fn headers_are_matched_loosely() {
        let accepted = [
            "ts,ip,user",
            "time,ip,user,device",
            "Timestamp,IP Address,Username,Hostname",
            "\u{feff}Date,Client IP,Account,Computer",
            "\"When\";\"Address\";\"Login\"",
            "date\ttime\tip\tuser",
            "time,ip,device",
            "Device,User,IP,Time,Notes",
        ];
        for h in accepted {
            let header = Header::parse(h.as_bytes()).expect(h);
            assert!(columns(&header).is_some(), "{h}");
        }
        let refused = [
            "time,user,device",
            "ip,user,device",
            "time,ip",
            "product,version,computer",
            "ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult",
        ];
        for h in refused {
            let header = Header::parse(h.as_bytes()).expect(h);
            assert!(columns(&header).is_none(), "{h}");
        }
    }

    #[test]
    fn the_csv_formats_do_not_overlap() {
        let headers = [
            "time,ip,user,device",
            "Timestamp,IP Address,Username,Computer",
            "ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),UserClass(ASCII),RelayAgentInformation,DnsRegError.",
            "ID,Date,Time,Description,IPV6 Address,Host Name,Error Code, Duid Length, Duid Bytes(Hex),User Name,Dhcid,Subnet Prefix.",
            "ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceId,DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName",
            "Computer Name,Software,Version,Publisher,Last Seen",
            "Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference",
            "Software,Vendor,Metric,Seats,Expiry",
        ];
        for h in headers {
            let header = Header::parse(h.as_bytes()).expect(h);
            let matched = [
                columns(&header).is_some(),
                super::super::windhcp::columns(&header).is_some(),
                super::super::inventory::columns(&header).is_some(),
                super::super::licences::columns(&header).is_some(),
            ];
            assert_eq!(matched.iter().filter(|m| **m).count(), 1, "{h}: {matched:?}");
        }
    }

    #[test]
    fn rows_with_a_header() {
        let r = one(parsed(
            "time,ip,user,device",
            "2026-11-20T08:15:02Z,10.40.20.15,ab.pupil,KB-ICT1-PC05",
        ));
        assert_eq!(r.ts, Some(crate::time::utc_ms("2026-11-20T08:15:02Z")));
        assert_eq!(
            (r.local_time, r.event, r.source),
            (None, IdentityEvent::Bind, IdentitySource::Csv)
        );
        assert_eq!(
            (r.ip, r.user, r.device),
            (&b"10.40.20.15"[..], Some(&b"ab.pupil"[..]), Some(&b"KB-ICT1-PC05"[..]))
        );
        assert_eq!((r.mac, r.valid_for_s), (None, None));

        // Columns in another order, quoted values with commas, empty device, CRLF already trimmed.
        let r = one(parsed(
            "Device,User,IP,Time,Notes",
            "\"KB-LIB-PC02\",\"SCHOOL\\cd.staff\",10.40.21.9,20/11/2026 09:05,\"moved, then back\"",
        ));
        assert_eq!(
            r.local_time,
            Some(NaiveDateTime::parse_from_str("2026-11-20 09:05", "%Y-%m-%d %H:%M").expect("t"))
        );
        assert_eq!(
            (r.user, r.device),
            (Some(&br"SCHOOL\cd.staff"[..]), Some(&b"KB-LIB-PC02"[..]))
        );

        // Separate date and time columns; semicolons; spaces around values.
        let r = one(parsed(
            "date;time;ip;user",
            "20/11/2026 ; 08:15:02 ; 10.40.20.15 ; ab.pupil",
        ));
        assert_eq!(
            r.local_time,
            Some(NaiveDateTime::parse_from_str("2026-11-20 08:15:02", "%Y-%m-%d %H:%M:%S").expect("t"))
        );

        // Empty user with a device; a short row (no device column value).
        let r = one(parsed("time,ip,user,device", "1795162502,10.40.20.18,,KB-LIB-PC03"));
        assert_eq!((r.ts, r.user), (Some(1_795_162_502_000), None));
        let r = one(parsed("time,ip,user,device", "1795162502,2001:db8::15,ab.pupil"));
        assert_eq!((r.ip, r.device), (&b"2001:db8::15"[..], None));

        // A comment line.
        assert!(
            parsed("time,ip,user", "# exported from the MIS")
                .expect("comment")
                .is_empty()
        );
    }

    #[test]
    fn rows_refused_with_a_reason() {
        for (line, want) in [
            (",10.40.20.15,ab.pupil", "no time field"),
            ("tomorrow,10.40.20.15,ab.pupil", "time is not"),
            ("2026-11-20 08:15,,ab.pupil", "no IP address"),
            ("2026-11-20 08:15,KB-ICT1-PC05,ab.pupil", "not an IP address"),
            ("2026-11-20 08:15,10.40.20.15,,", "no user or device"),
            ("2026-11-20 08:15,\"10.40.20.15,ab.pupil", "unterminated"),
        ] {
            let err = parsed("time,ip,user,device", line).expect_err(line);
            assert!(err.contains(want), "{line}: {err}");
        }
    }

    #[test]
    fn rows_without_a_header() {
        let r = one(headerless(
            "\u{feff}2026-11-20T08:15:02Z,10.40.20.15,ab.pupil,KB-ICT1-PC05",
        ));
        assert_eq!((r.user, r.device), (Some(&b"ab.pupil"[..]), Some(&b"KB-ICT1-PC05"[..])));
        let r = one(headerless("20/11/2026 08:15\t10.40.20.15\tab.pupil"));
        assert_eq!((r.ip, r.device), (&b"10.40.20.15"[..], None));
        let r = one(headerless("1795162502;10.40.20.15;ab.pupil;KB-ICT1-PC05"));
        assert_eq!(r.ts, Some(1_795_162_502_000));
        let r = one(headerless(
            "\"2026-11-20 08:15\",\"10.40.20.15\",\"ab.pupil\",\"\",\"extra\"",
        ));
        assert_eq!(r.device, None);
        assert!(headerless("time,ip,user,device").expect("header row").is_empty());
        assert!(headerless("# comment").expect("comment").is_empty());
        assert!(headerless("not,a,row").expect_err("junk").contains("time is not"));
        assert!(headerless("").expect_err("empty").contains("no time field"));
        assert!(
            headerless("2026-11-20 08:15,10.40.20.15")
                .expect_err("short")
                .contains("no user or device")
        );
    }

    #[test]
    fn the_sample_file_reads_cleanly() {
        let text = include_str!("../../tests/data/identity/users.csv");
        let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
        let cols = columns(&Header::parse(lines.next().expect("header").as_bytes()).expect("header")).expect("cols");
        let bump = Bump::new();
        let mut out = Vec::new();
        for line in lines {
            parse(line.as_bytes(), &cols, &bump, &mut out).expect(line);
        }
        assert_eq!(out.len(), 8);
        assert_eq!(out.iter().filter(|r| r.ts.is_some()).count(), 3);
        assert!(out.iter().all(|r| r.user.is_some() || r.device.is_some()));
    }

    /// Formats a record as a headerless row (the inverse of [`parse_headerless`]).
    fn format_row(ts: &str, ip: &str, user: Option<&str>, device: Option<&str>) -> String {
        let quote = |s: &str| {
            if s.contains(',') || s.contains('"') {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut row = format!("{ts},{ip},{}", quote(user.unwrap_or("")));
        if let Some(d) = device {
            row.push(',');
            row.push_str(&quote(d));
        }
        row
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn rows_round_trip(
            secs in 1_000_000_000i64..4_102_444_800,
            iso in any::<bool>(),
            ip in (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
            user in prop::option::of("[a-z][a-z0-9._\\\\@, \"-]{0,15}[a-z0-9]"),
            device in prop::option::of("[A-Z][A-Z0-9-]{0,12}"),
        ) {
            prop_assume!(user.is_some() || device.is_some());
            let ts = if iso {
                crate::time::format_rfc3339(secs * 1000)
            } else {
                secs.to_string()
            };
            let row = format_row(&ts, &ip, user.as_deref(), device.as_deref());
            let bump = Bump::new();
            let mut out = Vec::new();
            parse_headerless(row.as_bytes(), &bump, &mut out).map_err(|e| TestCaseError::fail(format!("{e}: {row}")))?;
            prop_assert_eq!(out.len(), 1);
            let r = out[0];
            prop_assert_eq!(r.ts, Some(secs * 1000));
            prop_assert_eq!(r.ip, ip.as_bytes());
            prop_assert_eq!(r.user, user.as_deref().map(str::as_bytes));
            prop_assert_eq!(r.device, device.as_deref().map(str::as_bytes));
        }

        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let bump = Bump::new();
            let mut out = Vec::new();
            let _ = parse_headerless(&bytes, &bump, &mut out);
            let h = Header::parse(b"date,time,ip,user,device").expect("header");
            let cols = columns(&h).expect("cols");
            let _ = parse(&bytes, &cols, &bump, &mut out);
            let _ = timestamp(&bytes);
            let _ = date_prefix(&bytes);
            if let Some(h) = Header::parse(&bytes) {
                let _ = columns(&h);
            }
        }
    }
}
