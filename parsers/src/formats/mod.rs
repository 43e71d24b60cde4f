//! Log formats: one module per format, a [`Format`] enum to name them, and sniffing.

pub mod combined;
pub mod dhcpd;
pub mod e2guardian;
pub mod e2guardian_alt;
pub mod exchange;
pub mod exim;
pub mod filterlog;
pub mod flexlm;
pub mod fortigate;
pub mod idcsv;
pub mod inventory;
pub mod licences;
pub mod m365;
pub mod netfilter;
pub mod postfix;
pub mod smoothwall;
pub mod sophos;
pub mod squid;
pub mod squidguard;
pub mod webcsv;
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
    let digits = |s: &[u8]| -> Option<u32> { crate::lex::digits_exact(s, s.len()).ok().map(|(_, v)| v) };
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *date else {
        return None;
    };
    let [h0, h1, b':', n0, n1, b':', s0, s1] = *time else {
        return None;
    };
    let year = i32::try_from(digits(&[y0, y1, y2, y3])?).ok()?;
    let second = digits(&[s0, s1]).filter(|&s| s <= 60)?;
    crate::time::naive(
        year,
        digits(&[m0, m1])?,
        digits(&[d0, d1])?,
        digits(&[h0, h1])?,
        digits(&[n0, n1])?,
        second,
        0,
    )
}

/// `YYYY-MM-DD HH:MM:SS` at the start of a line, as a naive date-time.
pub fn stamp_at_start(line: &[u8]) -> Option<chrono::NaiveDateTime> {
    let s = line.get(..19)?;
    if s[10] != b' ' {
        return None;
    }
    date_time(&s[..10], &s[11..])
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
    let h = i64::from(digits[0].wrapping_sub(b'0')) * 10 + i64::from(digits[1].wrapping_sub(b'0'));
    let m = i64::from(digits[2].wrapping_sub(b'0')) * 10 + i64::from(digits[3].wrapping_sub(b'0'));
    Some(sign * (h * 60 + m))
}

/// The event kind a format produces (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Proxy and web-filter requests.
    Web,
    /// Firewall connections and packets.
    Flow,
    /// Mail messages, one row per recipient.
    Mail,
    /// Who held which address when.
    Identity,
    /// Software installed on devices.
    Inventory,
    /// Licences bought.
    Licences,
    /// Licence server check-outs, check-ins and denials.
    LicenceUse,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 7] = [
        Kind::Web,
        Kind::Flow,
        Kind::Mail,
        Kind::Identity,
        Kind::Inventory,
        Kind::Licences,
        Kind::LicenceUse,
    ];

    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Web => "web",
            Kind::Flow => "flow",
            Kind::Mail => "mail",
            Kind::Identity => "identity",
            Kind::Inventory => "inventory",
            Kind::Licences => "licences",
            Kind::LicenceUse => "licence-use",
        }
    }
}

/// A log format vigil can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// e2guardian `logfileformat = 3` (Squid-like, with `DEFAULT_PARENT/`).
    E2guardianSquid,
    /// Squid native `access.log`.
    Squid,
    /// Apache/NCSA common or combined, including Squid's `logformat combined`/`common`.
    Combined,
    /// e2guardian/DansGuardian `access.log`, `logfileformat = 1`.
    E2guardian,
    /// e2guardian `logfileformat = 2` (CSV, every field quoted).
    E2guardianCsv,
    /// e2guardian `logfileformat = 4` (tab-separated).
    E2guardianTab,
    /// e2guardian `logfileformat = 5`–`8` (tab-separated with an epoch time).
    E2guardianEpoch,
    /// squidGuard block log.
    Squidguard,
    /// Smoothwall Guardian JSON access log.
    Smoothwall,
    /// Linux netfilter packet logs (iptables, ufw, Shorewall) in a syslog file.
    Netfilter,
    /// pfSense/OPNsense `filterlog`.
    Filterlog,
    /// FortiGate `key=value` traffic logs.
    Fortigate,
    /// Sophos Firewall (XG/SFOS) and UTM logs.
    Sophos,
    /// Postfix in a syslog file.
    Postfix,
    /// Exim `mainlog`.
    Exim,
    /// Microsoft 365 message trace as JSON (lines or a Reporting Web Service document per line).
    M365Json,
    /// ISC dhcpd lease messages in a syslog file.
    Dhcpd,
    /// FlexNet `lmgrd` debug log.
    Flexlm,
    /// Windows Server DHCP audit log.
    WindowsDhcp,
    /// Exchange message-tracking log (`#Fields:` header).
    Exchange,
    /// Microsoft 365 message trace CSV (`Get-MessageTrace | Export-Csv`, or the EAC report).
    M365Csv,
    /// Installed-software CSV (Intune discovered apps, SCCM/PDQ/Lansweeper-style).
    InventoryCsv,
    /// Licence purchase register CSV.
    LicenceRegister,
    /// A user-supplied `time, IP, user[, device]` CSV with a header row.
    IdentityCsv,
    /// The same without a header row, in that column order.
    IdentityCsvBare,
    /// Web-filter report exports (Smoothwall UI, Lightspeed, RM SafetyNet) mapped by header.
    WebCsv,
    /// Microsoft 365 message trace as one Reporting Web Service (OData) JSON document, read whole.
    M365Odata,
}

impl Format {
    /// Every format, in sniffing order (earlier wins a tie).
    pub const ALL: [Format; 27] = [
        Format::E2guardianSquid,
        Format::Squid,
        Format::Combined,
        Format::E2guardian,
        Format::E2guardianCsv,
        Format::E2guardianTab,
        Format::E2guardianEpoch,
        Format::Squidguard,
        Format::Smoothwall,
        Format::Netfilter,
        Format::Filterlog,
        Format::Fortigate,
        Format::Sophos,
        Format::Postfix,
        Format::Exim,
        Format::M365Json,
        Format::Dhcpd,
        Format::Flexlm,
        Format::WindowsDhcp,
        Format::Exchange,
        Format::M365Csv,
        Format::InventoryCsv,
        Format::LicenceRegister,
        Format::IdentityCsv,
        Format::IdentityCsvBare,
        Format::WebCsv,
        Format::M365Odata,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::E2guardianSquid => "e2guardian-squid",
            Format::Squid => "squid",
            Format::Combined => "combined",
            Format::E2guardian => "e2guardian",
            Format::E2guardianCsv => "e2guardian-csv",
            Format::E2guardianTab => "e2guardian-tab",
            Format::E2guardianEpoch => "e2guardian-epoch",
            Format::Squidguard => "squidguard",
            Format::Smoothwall => "smoothwall",
            Format::Netfilter => "netfilter",
            Format::Filterlog => "filterlog",
            Format::Fortigate => "fortigate",
            Format::Sophos => "sophos",
            Format::Postfix => "postfix",
            Format::Exim => "exim",
            Format::M365Json => "m365-json",
            Format::Dhcpd => "dhcpd",
            Format::Flexlm => "flexlm",
            Format::WindowsDhcp => "windows-dhcp",
            Format::Exchange => "exchange",
            Format::M365Csv => "m365-csv",
            Format::InventoryCsv => "inventory-csv",
            Format::LicenceRegister => "licence-register",
            Format::IdentityCsv => "identity-csv",
            Format::IdentityCsvBare => "identity-csv-bare",
            Format::WebCsv => "web-csv",
            Format::M365Odata => "m365-odata",
        }
    }

    /// The format called `name`.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The event kind it produces.
    pub fn kind(self) -> Kind {
        use Format as F;
        match self {
            F::E2guardianSquid
            | F::Squid
            | F::Combined
            | F::E2guardian
            | F::E2guardianCsv
            | F::E2guardianTab
            | F::E2guardianEpoch
            | F::Squidguard
            | F::Smoothwall
            | F::WebCsv => Kind::Web,
            F::Netfilter | F::Filterlog | F::Fortigate | F::Sophos => Kind::Flow,
            F::Postfix | F::Exim | F::M365Json | F::Exchange | F::M365Csv | F::M365Odata => Kind::Mail,
            F::Dhcpd | F::WindowsDhcp | F::IdentityCsv | F::IdentityCsvBare => Kind::Identity,
            F::Flexlm => Kind::LicenceUse,
            F::InventoryCsv => Kind::Inventory,
            F::LicenceRegister => Kind::Licences,
        }
    }

    /// A one-line description for `--help` and reports.
    pub fn describe(self) -> &'static str {
        match self {
            Format::E2guardianSquid => "e2guardian access.log, logfileformat 3 (Squid-like)",
            Format::Squid => "Squid native access.log (also inside syslog)",
            Format::Combined => "Apache/Squid common or combined",
            Format::E2guardian => "e2guardian/DansGuardian access.log, logfileformat 1",
            Format::E2guardianCsv => "e2guardian access.log, logfileformat 2 (CSV)",
            Format::E2guardianTab => "e2guardian access.log, logfileformat 4 (tabs)",
            Format::E2guardianEpoch => "e2guardian access.log, logfileformat 5-8 (tabs, epoch time)",
            Format::Squidguard => "squidGuard block log",
            Format::Smoothwall => "Smoothwall Guardian JSON access log",
            Format::Netfilter => "iptables/nftables/ufw/Shorewall kernel packet logs",
            Format::Filterlog => "pfSense/OPNsense filterlog",
            Format::Fortigate => "FortiGate key=value traffic logs",
            Format::Sophos => "Sophos Firewall (XG/SFOS) and UTM",
            Format::Postfix => "Postfix mail log (syslog)",
            Format::Exim => "Exim mainlog",
            Format::M365Json => "Microsoft 365 message trace, JSON",
            Format::Dhcpd => "ISC dhcpd lease messages",
            Format::Flexlm => "FlexNet lmgrd debug log",
            Format::WindowsDhcp => "Windows Server DHCP audit log",
            Format::Exchange => "Exchange message-tracking log",
            Format::M365Csv => "Microsoft 365 message trace, CSV export",
            Format::InventoryCsv => "Installed software CSV (Intune discovered apps and similar)",
            Format::LicenceRegister => "Licence purchase register CSV",
            Format::IdentityCsv => "Identity list: time,IP,user[,device] CSV with a header row",
            Format::IdentityCsvBare => "Identity list: time,IP,user[,device] CSV without a header row",
            Format::M365Odata => "Microsoft 365 message trace, a Reporting Web Service JSON document",
            Format::WebCsv => {
                "Web-filter report CSV mapped by its header (Smoothwall UI; Lightspeed and RM SafetyNet presets unverified)"
            }
        }
    }

    /// Whether a file of this format is one document read whole rather than line by line.
    pub fn is_document(self) -> bool {
        self == Format::M365Odata
    }

    /// Whether files of this format start with a header row naming their columns (possibly after
    /// a preamble), which [`Format::header_columns`] reads.
    pub fn has_header(self) -> bool {
        matches!(
            self,
            Format::WindowsDhcp
                | Format::Exchange
                | Format::M365Csv
                | Format::InventoryCsv
                | Format::LicenceRegister
                | Format::IdentityCsv
                | Format::WebCsv
        )
    }

    /// Reads `line` as this format's header row: where each field the format wants is.
    pub fn header_columns(self, line: &[u8]) -> Option<crate::csv::Columns> {
        self.header_columns_with(line, None)
    }

    /// As [`Format::header_columns`], with the user's own column names for web-filter exports.
    pub fn header_columns_with(self, line: &[u8], map: Option<&webcsv::ColumnMap>) -> Option<crate::csv::Columns> {
        use crate::csv::Header;
        match self {
            Format::WebCsv if map.is_some() => Header::parse(line).and_then(|h| map.and_then(|m| m.columns(&h))),
            Format::Exchange => exchange::header(line)
                .or_else(|| Header::parse(line))
                .and_then(|h| exchange::columns(&h)),
            Format::WindowsDhcp => Header::parse(line).and_then(|h| windhcp::columns(&h)),
            Format::M365Csv => Header::parse(line).and_then(|h| m365::columns(&h)),
            Format::InventoryCsv => Header::parse(line).and_then(|h| inventory::columns(&h)),
            Format::LicenceRegister => Header::parse(line).and_then(|h| licences::columns(&h)),
            Format::IdentityCsv => Header::parse(line).and_then(|h| idcsv::columns(&h)),
            Format::WebCsv => Header::parse(line).and_then(|h| webcsv::columns(&h)),
            _ => None,
        }
    }

    /// Parses one web line of this format, bare or inside a syslog envelope.
    #[inline(always)]
    pub fn parse_web<'a>(self, line: &'a [u8], cx: &LineCx<'a>) -> Result<WebRecord<'a>, &'static str> {
        let bare = self.parse_payload(line, cx);
        let Err(reason) = bare else {
            return bare;
        };
        self.parse_enveloped(line, cx).unwrap_or(Err(reason))
    }

    #[inline(always)]
    fn parse_payload<'a>(self, line: &'a [u8], cx: &LineCx<'a>) -> Result<WebRecord<'a>, &'static str> {
        let ctx = cx.time;
        match self {
            Format::Squid => squid::parse(line),
            Format::Combined => combined::parse(line),
            Format::E2guardian => e2guardian::parse(line, ctx),
            Format::E2guardianSquid => e2guardian_alt::parse_squidlike(line, ctx, cx.scratch),
            Format::E2guardianCsv => e2guardian_alt::parse_csv(line, ctx, cx.scratch),
            Format::E2guardianTab => e2guardian_alt::parse_tab(line, ctx, cx.scratch),
            Format::E2guardianEpoch => e2guardian_alt::parse_protex(line, ctx, cx.scratch),
            Format::Squidguard => squidguard::parse(line, ctx),
            Format::Smoothwall => smoothwall::parse(line, cx.scratch),
            Format::WebCsv => {
                let cols = cx.columns.ok_or("no header row")?;
                let mut out = Vec::with_capacity(1);
                webcsv::parse_ordered(line, cols, cx.date_order, ctx, cx.scratch, &mut out)?;
                out.pop().ok_or("an empty row of the export")
            }
            _ => Err("not a web format"),
        }
    }

    /// The payload of a syslog-wrapped line, `None` when the line has no syslog envelope.
    #[inline(never)]
    fn parse_enveloped<'a>(self, line: &'a [u8], cx: &LineCx<'a>) -> Option<Result<WebRecord<'a>, &'static str>> {
        let env = syslog::parse(line, cx.time).ok()?;
        Some(self.parse_payload(env.msg, cx))
    }
}

/// What parsing a line needs besides the line: the school's time context, the source's header
/// row (for formats that have one), and an arena for text that had to be unescaped.
#[derive(Clone, Copy)]
pub struct LineCx<'a> {
    /// The zone and file time for local time stamps.
    pub time: &'a TimeContext,
    /// Where each wanted field is, from the source's header row.
    pub columns: Option<&'a crate::csv::Columns>,
    /// Arena for unescaped text, living as long as the chunk.
    pub scratch: &'a bumpalo::Bump,
    /// How web-filter exports write `NN/NN/YYYY` dates.
    pub date_order: webcsv::DateOrder,
}

/// The outcome of sniffing a file's first lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The best format.
    pub format: Format,
    /// How many sample lines it turned into records.
    pub matched: usize,
    /// How many more it understood without records (notices, date lines).
    pub context: usize,
    /// How many sample lines there were.
    pub tried: usize,
    /// How many of them were other programs' lines in a syslog file (they say nothing about
    /// whether the format fits).
    pub foreign: usize,
    /// For a format with a header row: which sample line it was.
    pub header_at: Option<usize>,
    /// For a format with a header row: how many of its fields the header has (a more specific
    /// reading of the same header wins a tie).
    pub header_fields: usize,
}

impl Sniffed {
    /// Share of sample lines understood, 0–1, not counting other programs' lines.
    pub fn confidence(&self) -> f64 {
        let own = self.tried - self.foreign;
        if own == 0 {
            0.0
        } else {
            (self.matched + self.context) as f64 / own as f64
        }
    }
}

/// Scores `format` on `sample`: lines made into records, and lines understood without one.
fn score(format: Format, sample: &[&[u8]], ctx: &TimeContext, map: Option<&webcsv::ColumnMap>) -> Sniffed {
    let mut s = Sniffed {
        format,
        matched: 0,
        context: 0,
        tried: sample.len(),
        foreign: 0,
        header_at: None,
        header_fields: 0,
    };
    if format.is_document() {
        return s;
    }
    let mut columns = None;
    let mut body = sample;
    if format.has_header() {
        let Some((at, cols)) = sample
            .iter()
            .enumerate()
            .find_map(|(i, l)| format.header_columns_with(l, map).map(|c| (i, c)))
        else {
            return s;
        };
        s.header_at = Some(at);
        s.header_fields = cols.index.iter().filter(|i| i.is_some()).count();
        s.context = at + 1;
        columns = Some(cols);
        body = &sample[at + 1..];
    }
    let scratch = bumpalo::Bump::new();
    match crate::rowparse::schema_of(format) {
        None => {
            let cx = LineCx {
                time: ctx,
                columns: columns.as_ref(),
                scratch: &scratch,
                date_order: map.map(|m| m.order).unwrap_or_default(),
            };
            s.matched = body.iter().filter(|l| format.parse_web(l, &cx).is_ok()).count();
        }
        Some(schema) => {
            let parser = crate::rowparse::RowParser::new(format, *ctx, columns);
            let _ = schema;
            let mut rows = crate::rowparse::RowSet::default();
            let mut scratch = crate::rowparse::Scratch::default();
            for (i, line) in body.iter().enumerate() {
                let mark = rows.mark();
                match parser.parse_line(line, i as u64 + 1, 0, &mut rows, &mut scratch) {
                    // A line routed to another format's parser does not speak for this one.
                    Ok(_) if rows.routed.iter().map(|(_, n)| n).sum::<u64>() > 0 => {
                        rows.routed.clear();
                        s.context += 1;
                    }
                    Ok(crate::rowparse::LineKind::Rows) => s.matched += 1,
                    Ok(crate::rowparse::LineKind::Context) => s.context += 1,
                    // Other programs' lines say nothing about whether this format fits.
                    Ok(crate::rowparse::LineKind::Foreign) => s.foreign += 1,
                    Err(_) => {
                        rows.undo(&mark);
                        rows.routed.clear();
                    }
                }
            }
        }
    }
    s
}

/// Picks the format that makes records of most of `sample` (non-blank lines from the start of a
/// file); lines a format understands without a record break ties and count towards the half.
///
/// Fails with a message naming what was tried when no format understands at least half the
/// lines and makes a record of one, or when the sample looks binary.
pub fn sniff(sample: &[&[u8]], ctx: &TimeContext) -> Result<Sniffed, String> {
    sniff_with(sample, ctx, None)
}

/// As [`sniff`], with the user's own column names for web-filter exports.
pub fn sniff_with(sample: &[&[u8]], ctx: &TimeContext, map: Option<&webcsv::ColumnMap>) -> Result<Sniffed, String> {
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
    let mut scores: Vec<Sniffed> = Format::ALL.into_iter().map(|f| score(f, sample, ctx, map)).collect();
    scores.sort_by_key(|s| std::cmp::Reverse((s.matched, s.header_fields, s.context)));
    let best = scores[0];
    if (best.matched + best.context) * 2 < best.tried - best.foreign || best.matched == 0 {
        let tried: Vec<String> = scores
            .iter()
            .filter(|s| s.matched > 0 || s.context > 0)
            .map(|s| format!("{} {}/{}", s.format.name(), s.matched + s.context, s.tried))
            .collect();
        let tried = if tried.is_empty() {
            format!("no format understood any of the first {} lines", best.tried)
        } else {
            format!("lines understood by each format: {}", tried.join(", "))
        };
        return Err(format!(
            "unrecognised log format ({tried}); check the file is a log vigil reads \
             (`vigil ingest --help` lists them), or force one with --format"
        ));
    }
    Ok(best)
}

/// Recognises a file read whole from its head: a JSON document (not JSON lines) holding message
/// trace records.
pub fn sniff_document(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head).trim_ascii_start();
    let json = matches!(head.first(), Some(b'{' | b'['));
    let trace = memchr::memmem::find(head, b"\"RecipientAddress\"").is_some()
        || memchr::memmem::find(head, b"\"MessageTraceId\"").is_some();
    (json && trace).then_some(Format::M365Odata)
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
        assert!(err.contains("no format understood any of the first 2 lines"), "{err}");
        let bin: Vec<&[u8]> = vec![b"\x00\x01\x02abc"];
        assert!(sniff(&bin, &ctx()).expect_err("binary").contains("binary"));
    }
}
