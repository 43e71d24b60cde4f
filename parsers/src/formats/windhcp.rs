//! Windows Server DHCP audit logs (`%windir%\System32\dhcp\DhcpSrvLog-Mon.log`, and the DHCPv6
//! `DhcpV6SrvLog-Mon.log`): comma-separated lines after a prose preamble, one file per weekday (`\t` stands for a tab):
//!
//! ```text
//! \t\tMicrosoft DHCP Service Activity Log
//!
//! Event ID  Meaning
//! 00\tThe log was started.
//! 10\tA new IP address was leased to a client.
//! …
//! QResult: 0: NoQuarantine, 1:Quarantine, 2:Drop Packet, 3:Probation,6:No Quarantine Information ProbationTime:Year-Month-Day Hour:Minute:Second:MilliSecond.
//!
//! ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),UserClass(ASCII),RelayAgentInformation,DnsRegError.
//! 00,11/20/26,00:00:01,Started,,,,,0,6,,,,,,,,,0
//! 10,11/20/26,08:15:02,Assign,10.40.20.15,KB-ICT1-PC05.school.example,02AABBCCDDEE,,1693407529,0,,,,0x4D53465420352E30,MSFT 5.0,,,,0
//! 11,11/20/26,12:15:02,Renew,10.40.20.15,KB-ICT1-PC05.school.example,02AABBCCDDEE,,3407229697,0,,,,0x4D53465420352E30,MSFT 5.0,,,,0
//! 12,11/20/26,15:40:11,Release,10.40.20.15,KB-ICT1-PC05.school.example,02AABBCCDDEE,,1174405120,0,,,,,,,,,0
//! ```
//!
//! The header row varies with the Windows version, so columns are found by name: Windows Server
//! 2008 (and 2000/2003) wrote only `ID,Date,Time,Description,IP Address,Host Name,MAC Address`;
//! 2008 R2 added `User Name, TransactionID, QResult,Probationtime, CorrelationID`; 2012 and later
//! add `Dhcid`, the vendor and user classes, `RelayAgentInformation` and `DnsRegError` (the
//! header above, with its leading spaces and trailing full stop). The DHCPv6 log's header is
//! `ID,Date,Time,Description,IPV6 Address,Host Name,Error Code, Duid Length, Duid Bytes(Hex),User
//! Name,Dhcid,Subnet Prefix` (no MAC address column).
//!
//! ## Event IDs
//!
//! From the log's own legend (the preamble Windows writes at the top of each file), Microsoft's
//! "Analyzing DHCP server log files" pages (Windows 2000 resource kit, Windows Server 2008 DHCP
//! help), and Elastic's `microsoft_dhcp` integration for the DHCPv6 IDs:
//!
//! | ID | meaning | record |
//! |---|---|---|
//! | 00, 01, 02 | log started, stopped, paused for low disk space | none |
//! | 10 | a new IP address was leased to a client (`Assign`) | **bind** |
//! | 11 | a lease was renewed by a client (`Renew`) | **bind** |
//! | 12 | a lease was released by a client (`Release`) | **unbind** |
//! | 13 | an IP address was found to be in use on the network | none |
//! | 14 | the scope's address pool was exhausted | none |
//! | 15 | a lease was denied (`NACK`) | none |
//! | 16 | a lease was deleted | **unbind** |
//! | 17 | a lease expired and its DNS records were not deleted | **unbind** |
//! | 18 | a lease expired and its DNS records were deleted | **unbind** |
//! | 20, 21 | a BOOTP address / dynamic BOOTP address was leased | **bind** |
//! | 22 | the BOOTP pool was exhausted | none |
//! | 23 | a BOOTP address was deleted after checking it was not in use | **unbind** |
//! | 24, 25 | IP address cleanup began / cleanup statistics | none |
//! | 30–32, 34, 35 | DNS update request, failed, successful, queue full, failed | none |
//! | 33 | packet dropped by NAP policy | none |
//! | 36 | packet dropped: failover standby or client-ID hash mismatch | none |
//! | 50–64 | rogue server detection and authorisation (55 `Authorized(servicing)`, 56 not authorised, …) | none |
//! | 11000, 11001 | DHCPv6 Solicit, Advertise | none |
//! | 11002 | DHCPv6 Request | **bind** |
//! | 11003 | DHCPv6 Confirm | none |
//! | 11004, 11005 | DHCPv6 Renew, Rebind | **bind** |
//! | 11006 | DHCPv6 Decline | none |
//! | 11007 | DHCPv6 Release | **unbind** |
//! | 11008, 11009 | DHCPv6 Information Request, scope full | none |
//! | 11010–11013 | DHCPv6 log started, stopped, paused, log file | none |
//! | 11014, 11015 | DHCPv6 bad address, address already in use | none |
//! | 11016 | DHCPv6 client (lease) deleted | **unbind** |
//! | 11017 | DHCPv6 lease expired, DNS record not deleted | **unbind** |
//! | 11018 | DHCPv6 lease expired | **unbind** |
//! | 11019 | DHCPv6 leases expired and deleted (a count) | none |
//! | 11020–11024, 11028–11032 | DHCPv6 cleanup, DNS updates, stateless clients | none |
//!
//! Any other ID is understood and yields nothing. A bind or unbind line yields an
//! [`IdentityRecord`] from [`IdentitySource::Dhcp`]; the log does not record lease durations.
//!
//! Quirks handled:
//! - the preamble (title, legend lines `10\tA new IP…`, `50+\t…`, the `QResult:` note, blank
//!   lines) and the header row yield nothing if they reach [`parse`];
//! - header names with leading spaces and the trailing `.` (`DnsRegError.`) are matched;
//!   older headers with fewer columns; lines shorter than the header (`01,11/20/26,13:11:13,Stopped,,,`);
//! - IDs with a leading zero (`00`); dates `MM/DD/YY` (two-digit years are 20YY; four-digit years
//!   accepted) and times `HH:MM:SS`, both local → `local_time`;
//! - MAC addresses without separators (`02AABBCCDDEE`) and host names (often fully qualified)
//!   kept as logged; an empty host name, MAC or user name → `None`;
//! - DHCPv6 lines carry an IPv6 address and no MAC.

use bumpalo::Bump;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::csv::{self, Columns, Header};
use crate::identity::{IdentityEvent, IdentityRecord, IdentitySource};

/// The wanted fields, each a list of accepted header names.
pub const FIELDS: &[&[&str]] = &[
    &["ID", "Event ID"],
    &["Date"],
    &["Time"],
    &["Description"],
    &["IP Address", "IPV6 Address"],
    &["Host Name", "Computer Name"],
    &["MAC Address"],
    &["User Name"],
];
/// Index of the event ID field in [`FIELDS`].
pub const ID: usize = 0;
/// Index of the date field.
pub const DATE: usize = 1;
/// Index of the time field.
pub const TIME: usize = 2;
/// Index of the description field.
pub const DESCRIPTION: usize = 3;
/// Index of the IP address field.
pub const IP: usize = 4;
/// Index of the host name field.
pub const HOST: usize = 5;
/// Index of the MAC address field.
pub const MAC: usize = 6;
/// Index of the user name field.
pub const USER: usize = 7;

/// The columns of a DHCP audit log header: `Some` when it has `ID`, `Date`, `Time`,
/// `Description` and `IP Address` (or `IPV6 Address`).
pub fn columns(header: &Header) -> Option<Columns> {
    let cols = header.map(FIELDS);
    [ID, DATE, TIME, DESCRIPTION, IP]
        .iter()
        .all(|&f| cols.has(f))
        .then_some(cols)
}

/// What an event ID means for the binding of an address (see the table above).
pub fn effect(id: u64) -> Option<IdentityEvent> {
    match id {
        10 | 11 | 20 | 21 | 11002 | 11004 | 11005 => Some(IdentityEvent::Bind),
        12 | 16 | 17 | 18 | 23 | 11007 | 11016 | 11017 | 11018 => Some(IdentityEvent::Unbind),
        _ => None,
    }
}

/// Parses one line of the log; pushes one record for a lease bound or ended, nothing for the
/// preamble, the header and other events.
pub fn parse<'a>(
    line: &'a [u8],
    cols: &Columns,
    scratch: &'a Bump,
    out: &mut Vec<IdentityRecord<'a>>,
) -> Result<(), &'static str> {
    if is_preamble(line, cols.delimiter) {
        return Ok(());
    }
    let mut rec = Vec::new();
    csv::split(line, cols.delimiter, scratch, &mut rec)?;
    let id = cols.get(&rec, ID).ok_or("no ID field")?;
    let id = super::number(id).ok_or("event ID is not a number")?;
    let Some(event) = effect(id) else {
        return Ok(());
    };
    let date = cols.get(&rec, DATE).ok_or("no Date field")?;
    let date = us_date(date).ok_or("Date is not MM/DD/YY")?;
    let time = cols.get(&rec, TIME).ok_or("no Time field")?;
    let time = hms(time).ok_or("Time is not HH:MM:SS")?;
    let ip = cols.get(&rec, IP).ok_or("no IP Address field")?;
    if !super::idcsv::is_ip(ip) {
        return Err("IP Address field is not an IP address");
    }
    let mut r = IdentityRecord::bind(IdentitySource::Dhcp, ip);
    r.event = event;
    r.local_time = Some(NaiveDateTime::new(date, time));
    r.device = cols.get(&rec, HOST);
    r.mac = cols.get(&rec, MAC);
    r.user = cols.get(&rec, USER);
    out.push(r);
    Ok(())
}

/// Whether `line` is part of the preamble Windows writes before the header row, or the header
/// row itself.
pub fn is_preamble(line: &[u8], delimiter: u8) -> bool {
    let t = crate::lex::trim_spaces(line);
    let n = t.iter().take_while(|b| b.is_ascii_digit()).count();
    if n > 0 && t.get(n) == Some(&delimiter) {
        // The common case: an event line.
        return false;
    }
    if t.is_empty() {
        return true;
    }
    let starts = |p: &[u8]| t.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
    if starts(b"Event ID") || starts(b"QResult") || starts(b"ProbationTime") || starts(b"ID,") {
        return true;
    }
    if memchr::memmem::find(t, b"Service Activity Log").is_some() {
        return true;
    }
    // A legend line: `10\tA new IP address…`, `50+\tCodes above 50…`, without the delimiter.
    let rest = &t[n..];
    let rest = rest.strip_prefix(b"+").unwrap_or(rest);
    n > 0 && matches!(rest.first(), Some(b'\t' | b' ')) && memchr::memchr(delimiter, t).is_none()
}

/// `MM/DD/YY` (or `MM/DD/YYYY`) as a date.
fn us_date(v: &[u8]) -> Option<NaiveDate> {
    let mut parts = v.split(|&b| b == b'/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let year = match y.len() {
        2 => 2000 + super::number(y)?,
        4 => super::number(y)?,
        _ => return None,
    };
    let m = u32::try_from(super::number(m)?).ok()?;
    let d = u32::try_from(super::number(d)?).ok()?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, m, d)
}

/// `HH:MM:SS` as a time of day.
fn hms(v: &[u8]) -> Option<NaiveTime> {
    let mut parts = v.split(|&b| b == b':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [h, m, s].iter().any(|p| !(1..=2).contains(&p.len())) {
        return None;
    }
    let n = |p: &[u8]| super::number(p).and_then(|n| u32::try_from(n).ok());
    NaiveTime::from_hms_opt(n(h)?, n(m)?, n(s)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEADER_2012: &str = "ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),UserClass(ASCII),RelayAgentInformation,DnsRegError.";
    const HEADER_2008: &str = "ID,Date,Time,Description,IP Address,Host Name,MAC Address";
    const HEADER_V6: &str = "ID,Date,Time,Description,IPV6 Address,Host Name,Error Code, Duid Length, Duid Bytes(Hex),User Name,Dhcid,Subnet Prefix.";

    fn cols(header: &str) -> Columns {
        columns(&Header::parse(header.as_bytes()).expect("header")).expect("DHCP header")
    }

    fn run(header: &str, line: &str) -> Result<Vec<IdentityRecord<'static>>, &'static str> {
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        let mut out = Vec::new();
        parse(line.as_bytes(), &cols(header), bump, &mut out)?;
        Ok(out)
    }

    fn at(s: &str) -> Option<NaiveDateTime> {
        Some(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test time"))
    }

    #[test]
    fn headers_of_each_version_are_recognised() {
        for h in [
            HEADER_2012,
            HEADER_2008,
            HEADER_V6,
            "\u{feff}ID,Date,Time,Description,IP Address",
        ] {
            assert!(columns(&Header::parse(h.as_bytes()).expect(h)).is_some(), "{h}");
        }
        let c = cols(HEADER_2012);
        assert_eq!(
            c.index,
            vec![Some(0), Some(1), Some(2), Some(3), Some(4), Some(5), Some(6), Some(7)]
        );
        let c = cols(HEADER_V6);
        assert_eq!((c.index[IP], c.index[MAC], c.index[USER]), (Some(4), None, Some(9)));
        for h in [
            "time,ip,user,device",
            "ID,Date,Time,IP Address",
            "00\tThe log was started.",
        ] {
            let parsed = Header::parse(h.as_bytes());
            assert!(parsed.and_then(|p| columns(&p)).is_none(), "{h}");
        }
    }

    #[test]
    fn lease_events() {
        /// Line, event, IP, host, MAC, local time.
        type Case<'c> = (
            &'c str,
            IdentityEvent,
            &'c str,
            Option<&'c str>,
            Option<&'c str>,
            &'c str,
        );
        let cases: &[Case] = &[
            (
                "10,11/20/26,08:15:02,Assign,10.40.20.15,KB-ICT1-PC05.school.example,02AABBCCDDEE,,1693407529,0,,,,0x4D53465420352E30,MSFT 5.0,,,,0",
                IdentityEvent::Bind,
                "10.40.20.15",
                Some("KB-ICT1-PC05.school.example"),
                Some("02AABBCCDDEE"),
                "2026-11-20 08:15:02",
            ),
            (
                "11,11/20/26,12:15:02,Renew,10.40.20.15,KB-ICT1-PC05.school.example,02AABBCCDDEE,,3407229697,0,,,,,,,,,0",
                IdentityEvent::Bind,
                "10.40.20.15",
                Some("KB-ICT1-PC05.school.example"),
                Some("02AABBCCDDEE"),
                "2026-11-20 12:15:02",
            ),
            (
                "12,11/20/26,15:40:11,Release,10.40.20.15,KB-ICT1-PC05.school.example,02AABBCCDDEE,,1174405120,0,,,,,,,,,0",
                IdentityEvent::Unbind,
                "10.40.20.15",
                Some("KB-ICT1-PC05.school.example"),
                Some("02AABBCCDDEE"),
                "2026-11-20 15:40:11",
            ),
            (
                "16,11/20/26,16:00:00,Deleted,10.40.20.16,,02AABBCCDDEF,,0,6,,,,,,,,,0",
                IdentityEvent::Unbind,
                "10.40.20.16",
                None,
                Some("02AABBCCDDEF"),
                "2026-11-20 16:00:00",
            ),
            (
                "17,11/20/26,00:00:05,DNS record not deleted,10.40.20.17,,,,0,6,,,,,,,,,0",
                IdentityEvent::Unbind,
                "10.40.20.17",
                None,
                None,
                "2026-11-20 00:00:05",
            ),
            (
                "18,11/20/26,00:00:05,Expired,10.40.20.18,KB-LIB-PC02.school.example,02AABBCCDD01,,0,6,,,,,,,,,0",
                IdentityEvent::Unbind,
                "10.40.20.18",
                Some("KB-LIB-PC02.school.example"),
                Some("02AABBCCDD01"),
                "2026-11-20 00:00:05",
            ),
            (
                "20,11/20/26,07:00:00,BOOTP,10.40.9.5,KB-PRN-01,02AABBCCDD02,",
                IdentityEvent::Bind,
                "10.40.9.5",
                Some("KB-PRN-01"),
                Some("02AABBCCDD02"),
                "2026-11-20 07:00:00",
            ),
            // Four-digit year, single-digit month and day.
            (
                "10,1/5/2027,08:15:02,Assign,10.40.20.15,KB-ICT1-PC05,02AABBCCDDEE,,1,0",
                IdentityEvent::Bind,
                "10.40.20.15",
                Some("KB-ICT1-PC05"),
                Some("02AABBCCDDEE"),
                "2027-01-05 08:15:02",
            ),
        ];
        for (line, event, ip, host, mac, time) in cases {
            let out = run(HEADER_2012, line).expect(line);
            assert_eq!(out.len(), 1, "{line}");
            let r = out[0];
            assert_eq!((r.event, r.source), (*event, IdentitySource::Dhcp), "{line}");
            assert_eq!(r.ip, ip.as_bytes(), "{line}");
            assert_eq!(r.device, host.map(str::as_bytes), "{line}");
            assert_eq!(r.mac, mac.map(str::as_bytes), "{line}");
            assert_eq!(
                (r.ts, r.local_time, r.user, r.valid_for_s),
                (None, at(time), None, None),
                "{line}"
            );
        }
    }

    #[test]
    fn older_and_v6_logs() {
        let out = run(
            HEADER_2008,
            "10,11/20/26,08:15:02,Assign,10.40.20.15,KB-ICT1-PC05,02AABBCCDDEE",
        )
        .expect("2008");
        assert_eq!((out[0].mac, out[0].user), (Some(&b"02AABBCCDDEE"[..]), None));
        let out = run(
            HEADER_V6,
            "11002,11/20/26,12:43:57,DHCPV6 Request,2001:db8:40:20::15,KB-ICT1-PC05,,18,0004A34473BFC27FC55B25E86AF0E1761DAA,,,,,",
        )
        .expect("v6 request");
        assert_eq!(
            (out[0].event, out[0].ip),
            (IdentityEvent::Bind, &b"2001:db8:40:20::15"[..])
        );
        assert_eq!((out[0].device, out[0].mac), (Some(&b"KB-ICT1-PC05"[..]), None));
        let out = run(
            HEADER_V6,
            "11007,11/20/26,15:00:00,DHCPV6 Release,2001:db8:40:20::15,KB-ICT1-PC05,,18,00,,,,,",
        )
        .expect("v6 release");
        assert_eq!(out[0].event, IdentityEvent::Unbind);
        for line in [
            "11000,11/20/26,12:43:57,DHCPV6 Solicit,2001:db8:40:20::15,KB-ICT1-PC05,,18,0004A3,,,,,",
            "11010,11/20/26,18:24:36,DHCPV6 Started,,,,,,,,,,",
            "1103,11/20/26,18:24:36,Authorized(servicing),,school.example,,,,,,,,",
            "11030,11/20/26,13:25:21,0 DHCPV6 Stateless client records purged,,,,,,,,,,",
        ] {
            assert!(run(HEADER_V6, line).expect(line).is_empty(), "{line}");
        }
    }

    #[test]
    fn a_user_name_when_logged() {
        let out = run(
            HEADER_2012,
            "10,11/20/26,08:15:02,Assign,10.40.20.15,KB-ICT1-PC05,02AABBCCDDEE,SCHOOL\\ab.pupil,1,0",
        )
        .expect("user");
        assert_eq!(out[0].user, Some(&br"SCHOOL\ab.pupil"[..]));
    }

    #[test]
    fn other_events_and_the_preamble_yield_nothing() {
        let lines = [
            "00,11/20/26,00:00:01,Started,,,,,0,6,,,,,,,,,0",
            "01,04/19/26,13:11:13,Stopped,,,",
            "13,11/20/26,08:15:02,In use,10.40.20.99,,02AABBCCDD99,,0,6,,,,,,,,,0",
            "15,11/20/26,08:15:02,NACK,10.40.20.99,,02AABBCCDD99,,0,6,,,,,,,,,0",
            "24,11/20/26,00:00:05,Database Cleanup Begin,,,,,0,6,,,,,,,,,0",
            "25,11/20/26,00:00:05,0 leases expired and 0 leases deleted,,,,,0,6,,,,,,,,,0",
            "30,11/20/26,09:16:15,DNS Update Request,10.40.20.15,KB-ICT1-PC05.school.example,,,0,6,,,,,,,,,0",
            "31,11/20/26,09:18:00,DNS Update Failed,10.40.20.15,KB-ICT1-PC05.school.example,,,0,6,,,,,,,,,10054",
            "36,11/20/26,09:18:01,Packet dropped because of Client ID hash mismatch or standby server.,10.40.52.0,,02AABBCCDD98,,0,6,,,,,,,,,0",
            "55,11/20/26,12:43:54,Authorized(servicing),,school.example,",
            "63,11/20/26,12:43:28,Restarting rogue detection,,,",
            "",
            "\t\tMicrosoft DHCP Service Activity Log",
            "\t\tMicrosoft DHCPv6 Service Activity Log",
            "Event ID  Meaning",
            "00\tThe log was started.",
            "11\tA lease was renewed by a client.",
            "34\tDNS update request failed.as the DNS update request queue limit exceeded.",
            "50+\tCodes above 50 are used for Rogue Server Detection information.",
            "11000\tDHCPv6 Solicit.",
            "QResult: 0: NoQuarantine, 1:Quarantine, 2:Drop Packet, 3:Probation,6:No Quarantine Information ProbationTime:Year-Month-Day Hour:Minute:Second:MilliSecond.",
            HEADER_2012,
        ];
        for line in lines {
            assert!(run(HEADER_2012, line).expect(line).is_empty(), "{line:?}");
        }
    }

    #[test]
    fn malformed_lines_name_the_field() {
        for (line, want) in [
            ("xx,11/20/26,08:15:02,Assign,10.40.20.15,,", "event ID is not a number"),
            (",11/20/26,08:15:02,Assign,10.40.20.15,,", "no ID field"),
            ("10,20/11/26,08:15:02,Assign,10.40.20.15,,", "Date is not MM/DD/YY"),
            ("10,11/20/126,08:15:02,Assign,10.40.20.15,,", "Date is not MM/DD/YY"),
            ("10,,08:15:02,Assign,10.40.20.15,,", "no Date field"),
            ("10,11/20/26,8.15,Assign,10.40.20.15,,", "Time is not HH:MM:SS"),
            ("10,11/20/26,24:00:00,Assign,10.40.20.15,,", "Time is not HH:MM:SS"),
            ("12,11/20/26,08:15:02,Release,,KB-ICT1-PC05,", "no IP Address field"),
            ("10,11/20/26,08:15:02,Assign,KB-ICT1-PC05,,", "not an IP address"),
            ("10,11/20/26,08:15:02,\"Assign,10.40.20.15", "unterminated"),
            ("just some words, with a comma", "event ID is not a number"),
        ] {
            let err = run(HEADER_2012, line).expect_err(line);
            assert!(err.contains(want), "{line}: {err}");
        }
    }

    #[test]
    fn the_sample_file_reads_cleanly() {
        let text = include_str!("../../tests/data/identity/DhcpSrvLog-Fri.log");
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("ID,Date,Time"))
            .expect("a header row");
        let cols = cols(lines[at]);
        let bump = Bump::new();
        let mut out = Vec::new();
        for line in &lines {
            parse(line.as_bytes(), &cols, &bump, &mut out).expect(line);
        }
        let binds = out.iter().filter(|r| r.event == IdentityEvent::Bind).count();
        let unbinds = out.len() - binds;
        assert!(binds >= 20 && unbinds >= 3, "{binds} binds, {unbinds} unbinds");
        assert!(
            out.iter()
                .all(|r| r.ip.starts_with(b"10.40.") || r.ip.starts_with(b"2001:db8:"))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let bump = Bump::new();
            let mut out = Vec::new();
            for h in [HEADER_2012, HEADER_2008, HEADER_V6] {
                let _ = parse(&bytes, &cols(h), &bump, &mut out);
            }
            let _ = is_preamble(&bytes, b',');
        }

        #[test]
        fn numbered_lines_never_panic(
            id in 0u64..12_000,
            fields in prop::collection::vec("[0-9/:.A-Fa-f ]{0,12}", 0..20),
        ) {
            let line = format!("{id},{}", fields.join(","));
            let bump = Bump::new();
            let mut out = Vec::new();
            let _ = parse(line.as_bytes(), &cols(HEADER_2012), &bump, &mut out);
        }
    }
}
