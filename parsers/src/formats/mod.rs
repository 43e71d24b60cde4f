//! Log formats: one module per format, a [`Format`] enum to name them, and sniffing.

pub mod combined;
pub mod dhcpd;
pub mod e2guardian;
pub mod exim;
pub mod filterlog;
pub mod flexlm;
pub mod fortigate;
pub mod idcsv;
pub mod inventory;
pub mod licences;
pub mod netfilter;
pub mod sophos;
pub mod squid;
pub mod windhcp;

use crate::syslog;
use crate::time::TimeContext;
use crate::web::WebRecord;

/// A whole-field decimal number.
fn number(v: &[u8]) -> Option<u64> {
    crate::lex::uint(v)
        .ok()
        .filter(|(rest, _)| rest.is_empty())
        .map(|(_, n)| n)
}

/// A whole-field port number.
fn port(v: &[u8]) -> Option<u16> {
    number(v).and_then(|n| u16::try_from(n).ok())
}

/// The sum of two optional counters, present when either is.
fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// `YYYY-MM-DD` and `HH:MM:SS` as a naive date-time.
fn date_time(date: &[u8], time: &[u8]) -> Option<chrono::NaiveDateTime> {
    let d = std::str::from_utf8(date).ok()?;
    let t = std::str::from_utf8(time).ok()?;
    chrono::NaiveDateTime::parse_from_str(&format!("{d} {t}"), "%Y-%m-%d %H:%M:%S").ok()
}

/// `+0100`, `-07:00` as minutes east of UTC.
fn offset_minutes(tz: &[u8]) -> Option<i64> {
    let (sign, rest) = match tz.first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits: Vec<u8> = rest.iter().copied().filter(|b| *b != b':').collect();
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let h = i64::from(digits[0] - b'0') * 10 + i64::from(digits[1] - b'0');
    let m = i64::from(digits[2] - b'0') * 10 + i64::from(digits[3] - b'0');
    Some(sign * (h * 60 + m))
}

/// The event kind a format produces (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Proxy and web-filter requests.
    Web,
}

impl Kind {
    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Web => "web",
        }
    }
}

/// A log format vigil can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Squid native `access.log`.
    Squid,
    /// Apache/NCSA common or combined, including Squid's `logformat combined`/`common`.
    Combined,
    /// e2guardian/DansGuardian `access.log`, `logfileformat = 1`.
    E2guardian,
}

impl Format {
    /// Every format, in sniffing order.
    pub const ALL: [Format; 3] = [Format::Squid, Format::Combined, Format::E2guardian];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Squid => "squid",
            Format::Combined => "combined",
            Format::E2guardian => "e2guardian",
        }
    }

    /// The format called `name`.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The event kind it produces.
    pub fn kind(self) -> Kind {
        match self {
            Format::Squid | Format::Combined | Format::E2guardian => Kind::Web,
        }
    }

    /// Parses one line of this format, bare or inside a syslog envelope.
    #[inline(always)]
    pub fn parse_web<'a>(self, line: &'a [u8], ctx: &TimeContext) -> Result<WebRecord<'a>, &'static str> {
        let bare = self.parse_payload(line, ctx);
        let Err(reason) = bare else {
            return bare;
        };
        self.parse_enveloped(line, ctx).unwrap_or(Err(reason))
    }

    #[inline(always)]
    fn parse_payload<'a>(self, line: &'a [u8], ctx: &TimeContext) -> Result<WebRecord<'a>, &'static str> {
        match self {
            Format::Squid => squid::parse(line),
            Format::Combined => combined::parse(line),
            Format::E2guardian => e2guardian::parse(line, ctx),
        }
    }

    /// The payload of a syslog-wrapped line, `None` when the line has no syslog envelope.
    #[inline(never)]
    fn parse_enveloped<'a>(self, line: &'a [u8], ctx: &TimeContext) -> Option<Result<WebRecord<'a>, &'static str>> {
        let env = syslog::parse(line, ctx).ok()?;
        Some(self.parse_payload(env.msg, ctx))
    }
}

/// The outcome of sniffing a file's first lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The best format.
    pub format: Format,
    /// How many sample lines it parsed.
    pub matched: usize,
    /// How many sample lines there were.
    pub tried: usize,
}

impl Sniffed {
    /// Share of sample lines parsed, 0–1.
    pub fn confidence(&self) -> f64 {
        if self.tried == 0 {
            0.0
        } else {
            self.matched as f64 / self.tried as f64
        }
    }
}

/// Picks the format that parses most of `sample` (non-blank lines from the start of a file).
///
/// Fails with a message naming what was tried when no format parses at least half the lines, or
/// when the sample looks binary.
pub fn sniff(sample: &[&[u8]], ctx: &TimeContext) -> Result<Sniffed, String> {
    if sample.is_empty() {
        return Err("empty file".to_owned());
    }
    let binary = sample.iter().filter(|l| looks_binary(l)).count();
    if binary * 2 > sample.len() {
        return Err(format!(
            "looks like binary data, not a text log ({binary} of the first {} lines); \
             if it is compressed with something other than gzip, decompress it first",
            sample.len()
        ));
    }
    let mut scores: Vec<Sniffed> = Format::ALL
        .into_iter()
        .map(|format| Sniffed {
            format,
            matched: sample.iter().filter(|l| format.parse_web(l, ctx).is_ok()).count(),
            tried: sample.len(),
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.matched));
    let best = scores[0];
    if best.matched * 2 < best.tried || best.matched == 0 {
        let tried: Vec<String> = scores
            .iter()
            .map(|s| format!("{} {}/{}", s.format.name(), s.matched, s.tried))
            .collect();
        return Err(format!(
            "unrecognised log format (lines parsed by each format: {}); \
             check the file is a web proxy log, or force one with --format",
            tried.join(", ")
        ));
    }
    Ok(best)
}

/// Whether a line holds bytes no text log has (NUL, or mostly control bytes).
pub fn looks_binary(line: &[u8]) -> bool {
    if memchr::memchr(0, line).is_some() {
        return true;
    }
    let control = line
        .iter()
        .filter(|&&b| b < 0x20 && b != b'\t' && b != b'\r' && b != 0x1b)
        .count();
    control * 10 > line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeContext {
        TimeContext::new(crate::time::DEFAULT_TZ, None)
    }

    #[test]
    fn sniffs_each_format() {
        let squid: Vec<&[u8]> = vec![
            b"1286536309.450     98 192.168.0.68 TCP_MISS/200 411 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html",
            b"garbage line",
        ];
        assert_eq!(sniff(&squid, &ctx()).expect("squid").format, Format::Squid);
        let wrapped: Vec<&[u8]> = vec![
            b"Jan  8 03:37:09 proxy squid[1234]: 1286536309.450     98 192.168.0.68 TCP_MISS/200 411 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html",
        ];
        assert_eq!(sniff(&wrapped, &ctx()).expect("wrapped").format, Format::Squid);
        let combined: Vec<&[u8]> =
            vec![br#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET http://x.example/ HTTP/1.1" 200 10 TCP_MISS:HIER_DIRECT"#];
        let s = sniff(&combined, &ctx()).expect("combined");
        assert_eq!((s.format, s.matched, s.tried), (Format::Combined, 1, 1));
    }

    #[test]
    fn refuses_unknown_and_binary() {
        let text: Vec<&[u8]> = vec![b"hello", b"world"];
        let err = sniff(&text, &ctx()).expect_err("unknown");
        assert!(err.contains("squid 0/2"), "{err}");
        let bin: Vec<&[u8]> = vec![b"\x00\x01\x02abc"];
        assert!(sniff(&bin, &ctx()).expect_err("binary").contains("binary"));
    }
}
