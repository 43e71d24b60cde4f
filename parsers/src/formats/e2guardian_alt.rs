//! e2guardian / DansGuardian `access.log` in the layouts other than `logfileformat = 1` (which is
//! [`super::e2guardian`]): CSV (2), Squid-like (3), tab-delimited (4) and "Protex" (5–8).
//!
//! The layouts, as e2guardian's log listener builds them (`FatController.cpp` in 3.x–5.x,
//! `AccessLogger.cpp` later):
//!
//! ```text
//! format 2  "2026.11.20 08:15:02","jsmith","10.40.20.15","http://casino.example/","*DENIED* Banned site: casino.example","GET","0","0","Gambling","2","403","text/html","","Pupils","Mozilla/5.0","","","",""
//! format 3  1795162502.123    412 10.40.20.15 TCP_DENIED/403 0 GET http://casino.example/ jsmith DEFAULT_PARENT/127.0.0.1 text/html
//! format 4  2026.11.20 08:15:02<TAB>jsmith<TAB>10.40.20.15<TAB>http://casino.example/<TAB>*DENIED* Banned site: casino.example<TAB>GET<TAB>0<TAB>0<TAB>Gambling<TAB>2<TAB>403<TAB>text/html<TAB><TAB>Pupils<TAB>…
//! format 5  1795162502.123<TAB>filter1<TAB>jsmith<TAB>10.40.20.15<TAB>http://casino.example/<TAB>GET<TAB>403<TAB>0<TAB>text/html<TAB>-<TAB>-<TAB>412<TAB>-<TAB>500<TAB>*DENIED* Banned site: casino.example<TAB>0<TAB>Gambling<TAB>Pupils<TAB>2
//! ```
//!
//! Formats 1, 2 and 4 share one field order: when, who, from, where, what, how, size, weight,
//! category, filter group number, status, MIME type, client host, group name, user agent, params,
//! log ids, POST data (the `SG_LOGFORMAT` build swaps the tail after the user agent; only fields up
//! to the user agent are read). Format 3 is Squid's native layout. Formats 5–8 ("Protex") are
//! tab-separated: epoch time, server, who, client (or from and client host), where, how, status,
//! size, MIME type, user agent, squid result (blank), duration, squid peer (blank), message number,
//! what, weight, category, group name, group number, and from format 7 on 5.x search terms and
//! flags.
//!
//! Quirks handled:
//! - `when` is local time, `%Y.%m.%d %H:%M:%S` in 5.x, not zero-padded in older releases
//!   (`2017.4.28 9:05:01`), a two-digit year in the pfSense package; with `logtimestamp = on` an
//!   epoch stamp follows (`2026.11.20 08:15:02 1795162502.123`) and is preferred (it is UTC).
//! - Format 2 quotes every field but never escapes a quote inside one, so fields are split on the
//!   exact `","` between them rather than read as RFC 4180 CSV.
//! - `what` decides the action, not the status (a denial may be logged as 200, issue #360):
//!   `*DENIED*`, `*DENIED-POST*`, `*DENIED-PARAMS*` and `*INFECTED*` are blocks, `*NETERROR*` an
//!   error, `*URLMOD*` a redirect; `*EXCEPTION*`, `*SCANNED*` and the modification stamps are
//!   allowed. The whole `what` text is kept as the reason. Other languages translate these words;
//!   only the English ones are known.
//! - Several categories are joined with `, ` by e2guardian; they become `;`-joined.
//! - Empty fields are blank (5.x default) or `-` (`usedashforblanks`); the user is blank or `-`
//!   when unauthenticated, and `0.0.0.0` with `anonymizelogs`.
//! - Format 3 pads the duration with spaces, writes a blank user as an empty field (two spaces),
//!   always logs the hierarchy `DEFAULT_PARENT/<proxyip>` (that is how it is told from a genuine
//!   Squid log), and `TCP_DENIED/403` for every 403 (a 403 from the web server too). 4.x
//!   `logfileformat = 7` ("squid secure") appends `DENY "reason"`, `COACH "…"` or `OBSERVED "…"`.
//! - The client field of formats 3 and 5 holds the client host name instead of the address when
//!   host names are logged; a name goes to `device`.
//! - Formats 5–8 have one client field, or two (from and client host) with
//!   `logclienthostandip = on` and in 4.x; the method's position tells which. Format 6 blanks the
//!   server field.
//! - The URL carries a non-default port (`https://www.example.com:443`); CONNECT targets may be
//!   `host:port`.

use bumpalo::Bump;
use memchr::memmem;

use crate::lex::dash_none;
use crate::time::{LocalResolution, TimeContext, TimestampMs};
use crate::url::{self, UrlParts};
use crate::web::{Action, WebRecord};

/// Parses one `logfileformat = 2` (CSV, every field quoted) line.
pub fn parse_csv<'a>(line: &'a [u8], ctx: &TimeContext, scratch: &'a Bump) -> Result<WebRecord<'a>, &'static str> {
    let line = trim_end(line);
    let inner = match line.strip_prefix(b"\"") {
        Some(rest) => rest
            .strip_suffix(b"\"")
            .ok_or("e2guardian CSV: line does not end with a quote (format 2 quotes every field)")?,
        None if memchr::memchr(b'\t', line).is_some() => {
            return Err("e2guardian CSV: tab-separated line (format 4 or 5), not format 2");
        }
        None => return Err("e2guardian CSV: line does not start with a quote (format 2 quotes every field)"),
    };
    let mut fields: Vec<&[u8]> = Vec::with_capacity(20);
    let mut rest = inner;
    let finder = memmem::Finder::new(b"\",\"");
    while let Some(i) = finder.find(rest) {
        fields.push(&rest[..i]);
        rest = &rest[i + 3..];
    }
    fields.push(rest);
    if fields.len() < 11 {
        return Err("e2guardian CSV: fewer than 11 quoted fields (date … status)");
    }
    dg_record(&fields, ctx, scratch)
}

/// Parses one `logfileformat = 4` (tab-delimited, local date and time first) line.
pub fn parse_tab<'a>(line: &'a [u8], ctx: &TimeContext, scratch: &'a Bump) -> Result<WebRecord<'a>, &'static str> {
    let line = trim_end(line);
    if memchr::memchr(b'\t', line).is_none() {
        return Err("e2guardian tab: no tab in the line (format 4 is tab-delimited)");
    }
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    if epoch_ms(fields[0]).is_some() {
        return Err("e2guardian tab: field 1 is epoch seconds: the Protex layout (format 5/6), not format 4");
    }
    if fields.len() < 11 {
        return Err("e2guardian tab: fewer than 11 tab-separated fields (date … status)");
    }
    dg_record(&fields, ctx, scratch)
}

/// Parses one Protex line (`logfileformat` 5 to 8: tab-delimited, epoch time first).
pub fn parse_protex<'a>(line: &'a [u8], _ctx: &TimeContext, scratch: &'a Bump) -> Result<WebRecord<'a>, &'static str> {
    let line = trim_end(line);
    if memchr::memchr(b'\t', line).is_none() {
        return Err("e2guardian Protex: no tab in the line (formats 5 to 8 are tab-delimited)");
    }
    let f: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let ts = match epoch_ms(f[0]) {
        Some(ts) => ts,
        None if f[0].contains(&b'.') && f[0].contains(&b' ') => {
            return Err("e2guardian Protex: field 1 is a date and time: format 4, not the Protex layout");
        }
        None => return Err("e2guardian Protex: field 1 (time): expected epoch seconds such as 1795162502.123"),
    };
    // who is field 3; then either client, where, how or from, client host, where, how.
    let (client, host, at) = if f.get(5).is_some_and(|m| is_method(m)) {
        (f[3], None, 4)
    } else if f.get(6).is_some_and(|m| is_method(m)) {
        (f[3], Some(f[4]), 5)
    } else {
        return Err("e2guardian Protex: no HTTP method in field 6 or 7");
    };
    // where, how, status, size, mime, agent, squid result, duration, squid peer, message, what,
    // weight, category.
    if f.len() < at + 13 {
        return Err("e2guardian Protex: fewer fields than time … what, weight, category");
    }
    let mut r = WebRecord::new(ts);
    r.user = blank(f[2]);
    let (c, d) = client_or_device(client);
    r.client = c;
    r.device = host.and_then(blank).filter(|h| Some(*h) != c).or(d);
    let method = blank(f[at + 1]);
    r.method = method;
    r.url =
        target(f[at], method).ok_or("e2guardian Protex: field (URL) is empty or a CONNECT target without a port")?;
    r.status = Some(status(f[at + 2]).ok_or("e2guardian Protex: status is not a number")?);
    r.bytes_in = optional_number(f[at + 3]).map_err(|()| "e2guardian Protex: size is not a number")?;
    r.mime = blank(f[at + 4]);
    r.user_agent = blank(f[at + 5]);
    r.duration_ms = optional_number(f[at + 7]).map_err(|()| "e2guardian Protex: duration is not a number")?;
    let what = f[at + 10];
    r.action = what_action(what);
    r.reason = blank(what);
    r.category = categories(f[at + 12], scratch);
    Ok(r)
}

/// Parses one `logfileformat = 3` (Squid-like) line, including the 4.x `= 7` "squid secure"
/// suffix.
pub fn parse_squidlike<'a>(
    line: &'a [u8],
    _ctx: &TimeContext,
    _scratch: &'a Bump,
) -> Result<WebRecord<'a>, &'static str> {
    let line = trim_end(line);
    if line.first() == Some(&b'"') {
        return Err("e2guardian squid-style: starts with a quote: the CSV layout (format 2), not format 3");
    }
    if memchr::memchr(b'\t', line).is_some() {
        return Err("e2guardian squid-style: tab-separated line (format 4 or 5), not format 3");
    }
    let sp = memchr::memchr(b' ', line).ok_or("e2guardian squid-style: fewer than 10 fields")?;
    let ts = epoch_ms(&line[..sp])
        .ok_or("e2guardian squid-style: field 1 (time): expected epoch seconds such as 1795162502.123")?;
    let rest = crate::lex::opt_spaces(&line[sp..]);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let duration =
        super::number(&rest[..digits]).ok_or("e2guardian squid-style: field 2 (duration) is not a number")?;
    let rest = rest[digits..]
        .strip_prefix(b" ")
        .ok_or("e2guardian squid-style: field 2 (duration) is not a number")?;
    // One space between the remaining fields; a blank user or MIME type is an empty field.
    let t: Vec<&[u8]> = rest.split(|&b| b == b' ').collect();
    if t.len() < 7 {
        return Err("e2guardian squid-style: fewer than 10 fields");
    }
    let hier = (5..t.len())
        .find(|&i| t[i].starts_with(b"DEFAULT_PARENT/"))
        .ok_or("e2guardian squid-style: no DEFAULT_PARENT/ hierarchy field: a Squid log, not e2guardian format 3")?;
    let (result, code) = t[1]
        .iter()
        .position(|&b| b == b'/')
        .map(|s| (&t[1][..s], &t[1][s + 1..]))
        .filter(|(r, _)| r.starts_with(b"TCP_"))
        .ok_or("e2guardian squid-style: field 4 (result/status): expected TCP_MISS/200 or TCP_DENIED/403")?;
    let mut r = WebRecord::new(ts);
    r.duration_ms = Some(duration);
    let (c, d) = client_or_device(t[0]);
    r.client = c;
    r.device = d;
    r.result = Some(result);
    r.status = Some(status(code).ok_or("e2guardian squid-style: field 4 (result/status): status is not a number")?);
    r.bytes_in = Some(super::number(t[2]).ok_or("e2guardian squid-style: field 5 (size) is not a number")?);
    if !is_method(t[3]) {
        return Err("e2guardian squid-style: field 6 is not an HTTP method");
    }
    r.method = blank(t[3]);
    r.url = target(t[4], r.method).ok_or("e2guardian squid-style: field 7 (URL) is empty or a bad CONNECT target")?;
    // The user runs from after the URL to before the hierarchy (empty when blank).
    if hier > 5 {
        r.user = blank(join_span(rest, &t, 5, hier - 1));
    }
    r.hierarchy = Some(b"DEFAULT_PARENT");
    r.peer = blank(&t[hier][b"DEFAULT_PARENT/".len()..]);
    r.mime = t.get(hier + 1).and_then(|m| blank(m));
    r.action = if result == b"TCP_DENIED" {
        Action::Blocked
    } else {
        Action::Allowed
    };
    if hier + 2 < t.len() {
        // `DENY "reason"`, `COACH "reason"`, `OBSERVED "reason"` (4.x format 7).
        let word = t[hier + 2];
        let tail = join_span(rest, &t, hier + 3, t.len() - 1);
        let quoted = tail.strip_prefix(b"\"").and_then(|q| q.strip_suffix(b"\""));
        match (word, quoted) {
            (b"DENY", Some(q)) => {
                r.action = Action::Blocked;
                r.reason = blank(q);
            }
            (b"COACH" | b"OBSERVED", Some(q)) => r.reason = blank(q),
            _ => return Err("e2guardian squid-style: text after the MIME type is not DENY/COACH/OBSERVED \"…\""),
        }
    }
    Ok(r)
}

/// The fields shared by formats 1, 2 and 4, in order.
fn dg_record<'a>(f: &[&'a [u8]], ctx: &TimeContext, scratch: &'a Bump) -> Result<WebRecord<'a>, &'static str> {
    let (ts, late) =
        dg_when(f[0], ctx).ok_or("e2guardian: field 1 (when): expected a date and time such as 2026.11.20 08:15:02")?;
    let mut r = WebRecord::new(ts);
    r.ts_late = late;
    r.user = blank(f[1]);
    r.client = Some(blank(f[2]).ok_or("e2guardian: field 3 (client address) is empty")?);
    if !is_method(f[5]) {
        return Err("e2guardian: field 6 is not an HTTP method");
    }
    r.method = blank(f[5]);
    r.url = target(f[3], r.method).ok_or("e2guardian: field 4 (URL) is empty or a CONNECT target without a port")?;
    let what = f[4];
    r.action = what_action(what);
    r.reason = blank(what);
    r.bytes_in = optional_number(f[6]).map_err(|()| "e2guardian: field 7 (size) is not a number")?;
    r.category = categories(f[8], scratch);
    r.status = Some(status(f[10]).ok_or("e2guardian: field 11 (status) is not a number")?);
    r.mime = f.get(11).and_then(|m| blank(m));
    r.device = f.get(12).and_then(|h| blank(h)).filter(|h| Some(*h) != r.client);
    r.user_agent = f.get(14).and_then(|a| blank(a));
    Ok(r)
}

/// `2026.11.20 08:15:02`, optionally followed by an epoch stamp (`logtimestamp = on`), which wins.
fn dg_when(when: &[u8], ctx: &TimeContext) -> Option<(TimestampMs, Option<TimestampMs>)> {
    let mut parts = when.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let (date, time, stamp) = (parts.next()?, parts.next()?, parts.next());
    if parts.next().is_some() {
        return None;
    }
    let local = super::e2guardian::date_time(date, time)?;
    match stamp {
        Some(s) => epoch_ms(s).map(|ts| (ts, None)),
        None => Some(resolve(ctx, local)),
    }
}

/// A local time in the school's zone: the instant, and the later reading in the repeated hour.
pub(crate) fn resolve(ctx: &TimeContext, local: chrono::NaiveDateTime) -> (TimestampMs, Option<TimestampMs>) {
    match ctx.resolve_local(local) {
        LocalResolution::Exact(ts) => (ts, None),
        LocalResolution::Ambiguous { early, late } => (early, Some(late)),
    }
}

/// Whole-field epoch seconds with an optional fraction (`1795162502.123`, `1518199466.822145`) as
/// milliseconds.
pub(crate) fn epoch_ms(s: &[u8]) -> Option<TimestampMs> {
    let (int, frac) = match memchr::memchr(b'.', s) {
        Some(dot) => (&s[..dot], Some(&s[dot + 1..])),
        None => (s, None),
    };
    if int.is_empty() || int.len() > 11 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let secs = int
        .iter()
        .fold(0i64, |acc, &d| acc * 10 + i64::from(d.wrapping_sub(b'0')));
    let ms = match frac {
        Some(f) if !f.is_empty() && f.iter().all(u8::is_ascii_digit) => i64::from(crate::lex::fraction_ms(f)),
        Some(_) => return None,
        None => 0,
    };
    Some(secs * 1000 + ms)
}

/// The action `what` records.
fn what_action(what: &[u8]) -> Action {
    let has = |w: &[u8]| memmem::find(what, w).is_some();
    if has(b"*DENIED") || has(b"*INFECTED") {
        Action::Blocked
    } else if has(b"*NETERROR*") {
        Action::Error
    } else if has(b"*URLMOD*") {
        Action::Redirected
    } else {
        Action::Allowed
    }
}

/// An HTTP method (upper-case letters), or `-`/blank where none was logged.
fn is_method(m: &[u8]) -> bool {
    m.is_empty() || m == b"-" || (m.len() <= 16 && m.iter().all(u8::is_ascii_uppercase))
}

/// A request target: CONNECT targets may lack the scheme.
fn target<'a>(t: &'a [u8], method: Option<&[u8]>) -> Option<UrlParts<'a>> {
    if t.is_empty() || t == b"-" {
        return None;
    }
    let connect = method == Some(b"CONNECT") && memmem::find(t, b"://").is_none();
    url::split(t, connect)
}

/// An address goes to `client`, a host name to `device`.
fn client_or_device(v: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    match blank(v) {
        Some(v) if is_ip(v) => (Some(v), None),
        Some(v) => (None, Some(v)),
        None => (None, None),
    }
}

/// Whether `v` is an IPv4 or IPv6 address.
pub(crate) fn is_ip(v: &[u8]) -> bool {
    std::str::from_utf8(v).is_ok_and(|s| s.parse::<std::net::IpAddr>().is_ok())
}

/// e2guardian's `, `-joined categories, `;`-joined.
fn categories<'a>(cat: &'a [u8], scratch: &'a Bump) -> Option<&'a [u8]> {
    let cat = blank(crate::lex::trim_spaces(cat))?;
    if memmem::find(cat, b", ").is_none() {
        return Some(cat);
    }
    Some(join(
        cat.split(|&b| b == b',').map(crate::lex::trim_spaces),
        b";",
        scratch,
    ))
}

/// The non-empty `parts` joined with `sep`, copied into `scratch`.
pub(crate) fn join<'a, 'p>(parts: impl Iterator<Item = &'p [u8]>, sep: &[u8], scratch: &'a Bump) -> &'a [u8] {
    let mut out: Vec<u8> = Vec::new();
    for part in parts.filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(part);
    }
    scratch.alloc_slice_copy(&out)
}

/// A status code (`0` when there was no response).
fn status(v: &[u8]) -> Option<u16> {
    super::number(v).and_then(|n| u16::try_from(n).ok())
}

/// A number, or nothing for a blank field; `Err` for anything else.
fn optional_number(v: &[u8]) -> Result<Option<u64>, ()> {
    match blank(v) {
        None => Ok(None),
        Some(v) => super::number(v).map(Some).ok_or(()),
    }
}

/// A blank or `-` field is no value.
fn blank(v: &[u8]) -> Option<&[u8]> {
    dash_none(v)
}

/// The text of tokens `first..=last` of `rest` split on single spaces, spaces included.
fn join_span<'a>(rest: &'a [u8], t: &[&'a [u8]], first: usize, last: usize) -> &'a [u8] {
    if first > last || last >= t.len() {
        return b"";
    }
    let start = t[first].as_ptr() as usize - rest.as_ptr() as usize;
    let end = t[last].as_ptr() as usize - rest.as_ptr() as usize + t[last].len();
    &rest[start..end]
}

fn trim_end(line: &[u8]) -> &[u8] {
    let n = line.iter().rev().take_while(|&&b| b == b'\r' || b == b'\n').count();
    &line[..line.len() - n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    fn ctx() -> TimeContext {
        TimeContext::new(crate::time::DEFAULT_TZ, None)
    }

    type Parser = for<'a> fn(&'a [u8], &TimeContext, &'a Bump) -> Result<WebRecord<'a>, &'static str>;

    const CSV: &str = r#""2026.11.20 08:15:02","jsmith","10.40.20.15","http://casino.example/","*DENIED* Banned site: casino.example","GET","0","0","Gambling","2","403","text/html","","Pupils","Mozilla/5.0 (Windows NT 10.0)","","","","""#;
    const SQUID: &str = "1795162502.123    412 10.40.20.15 TCP_DENIED/403 0 GET http://casino.example/ jsmith DEFAULT_PARENT/127.0.0.1 text/html";
    const TAB: &str = "2026.11.20 08:15:02\tjsmith\t10.40.20.15\thttp://casino.example/\t*DENIED* Banned site: casino.example\tGET\t0\t0\tGambling\t2\t403\ttext/html\t\tPupils\tMozilla/5.0\t\t\t\t";
    const PROTEX: &str = "1795162502.123\tfilter1\tjsmith\t10.40.20.15\thttp://casino.example/\tGET\t403\t0\ttext/html\t-\t-\t412\t-\t500\t*DENIED* Banned site: casino.example\t0\tGambling\tPupils\t2";
    const FORMAT1: &str = "2026.11.20 8:15:02 jsmith 10.40.20.15 http://casino.example/ *DENIED* Banned site: casino.example GET 0 0 Gambling 2 403 text/html - Pupils";

    fn parse(p: Parser, line: &str) -> Result<WebRecord<'_>, &'static str> {
        // The scratch arena must outlive the record: leak a small one per test line.
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        p(line.as_bytes(), &ctx(), bump)
    }

    #[test]
    fn the_same_denial_in_every_layout() {
        // (parser, line, epoch time, has category and reason)
        let cases: [(Parser, &str, bool, bool); 4] = [
            (parse_csv, CSV, false, true),
            (parse_squidlike, SQUID, true, false),
            (parse_tab, TAB, false, true),
            (parse_protex, PROTEX, true, true),
        ];
        for (p, line, epoch, categorised) in cases {
            let r = parse(p, line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let want_ts = if epoch {
                utc_ms("2026-11-20T08:15:02.123Z")
            } else {
                utc_ms("2026-11-20T08:15:02Z") // GMT in November
            };
            assert_eq!(r.ts, want_ts, "{line}");
            assert_eq!(r.action, Action::Blocked, "{line}");
            assert_eq!(r.user, Some(&b"jsmith"[..]), "{line}");
            assert_eq!(r.client, Some(&b"10.40.20.15"[..]), "{line}");
            assert_eq!(r.url.host, Some(&b"casino.example"[..]), "{line}");
            assert_eq!(r.method, Some(&b"GET"[..]), "{line}");
            assert_eq!(r.status, Some(403), "{line}");
            assert_eq!(r.bytes_in, Some(0), "{line}");
            assert_eq!(r.mime, Some(&b"text/html"[..]), "{line}");
            if categorised {
                assert_eq!(r.category, Some(&b"Gambling"[..]), "{line}");
                assert_eq!(r.reason, Some(&b"*DENIED* Banned site: casino.example"[..]), "{line}");
            }
        }
    }

    #[test]
    fn each_layout_refuses_the_others() {
        let all: [(&str, Parser); 4] = [
            ("csv", parse_csv),
            ("squid", parse_squidlike),
            ("tab", parse_tab),
            ("protex", parse_protex),
        ];
        let lines = [
            ("csv", CSV),
            ("squid", SQUID),
            ("tab", TAB),
            ("protex", PROTEX),
            ("format1", FORMAT1),
        ];
        let squid_native = "1286536309.450     98 192.168.0.68 TCP_MISS/200 411 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html";
        for (name, p) in all {
            for (kind, line) in lines {
                let got = parse(p, line);
                assert_eq!(got.is_ok(), name == kind, "{name} on {kind}: {got:?}");
                if let Err(e) = got {
                    assert!(e.starts_with("e2guardian"), "{e}");
                }
            }
            assert!(parse(p, squid_native).is_err(), "{name} on native squid");
        }
        assert!(
            parse(parse_tab, PROTEX).expect_err("protex").contains("Protex"),
            "the reason names the other layout"
        );
        assert!(parse(parse_protex, TAB).expect_err("tab").contains("format 4"));
        assert!(
            parse(parse_squidlike, squid_native)
                .expect_err("squid")
                .contains("DEFAULT_PARENT")
        );
        assert!(parse(parse_csv, TAB).expect_err("tab").contains("tab"));
    }

    #[test]
    fn csv_quirks() {
        // Old DansGuardian: unpadded date, 11 fields only, CONNECT with a port, blank what.
        let r = parse(
            parse_csv,
            r#""2016.9.21 17:07:16","admin","10.1.2.50","https://www.youtube.com:443","","CONNECT","5120","0","","1","200""#,
        )
        .expect("old");
        assert_eq!(r.ts, utc_ms("2016-09-21T16:07:16Z"));
        assert_eq!((r.url.host, r.url.port), (Some(&b"www.youtube.com"[..]), Some(443)));
        assert_eq!((r.action, r.reason, r.category), (Action::Allowed, None, None));
        // A quote inside a field is not escaped by e2guardian.
        let r = parse(
            parse_csv,
            r#""2026.11.20 08:15:02","-","10.40.20.15","http://x.example/?q="a"","*DENIED* Banned phrase found: "a b"","GET","12","0","Chat, Social Networking","1","200","text/html","","Pupils","","","","","""#,
        )
        .expect("quote");
        assert_eq!(r.url.query, Some(&b"q=\"a\""[..]));
        assert_eq!(r.reason, Some(&b"*DENIED* Banned phrase found: \"a b\""[..]));
        // Denied with status 200: what decides. Categories re-joined.
        assert_eq!((r.action, r.status), (Action::Blocked, Some(200)));
        assert_eq!(r.category, Some(&b"Chat;Social Networking"[..]));
        assert_eq!(r.user, None);
        // logtimestamp = on: the epoch stamp is used.
        let r = parse(
            parse_csv,
            r#""2026.10.25 01:30:00 1792888200.250","-","10.0.0.5","http://x.example/","","GET","1","0","","1","200""#,
        )
        .expect("stamp");
        assert_eq!((r.ts, r.ts_late), (1_792_888_200_250, None));
        // Without the stamp, the repeated autumn hour is flagged.
        let r = parse(
            parse_csv,
            r#""2026.10.25 01:30:00","-","10.0.0.5","http://x.example/","","GET","1","0","","1","200""#,
        )
        .expect("fold");
        assert_eq!(r.ts_late, Some(utc_ms("2026-10-25T01:30:00Z")));
        // Two-digit year (pfSense), carriage return.
        let r = parse(
            parse_csv,
            "\"18.05.23 9:05:01\",\"-\",\"10.0.0.6\",\"http://x.example/\",\"-\",\"-\",\"0\",\"0\",\"-\",\"1\",\"0\",\"-\"\r",
        )
        .expect("pfsense");
        assert_eq!(
            (r.ts, r.method, r.status, r.mime),
            (utc_ms("2018-05-23T08:05:01Z"), None, Some(0), None)
        );
        for (bad, why) in [
            (r#""2026.11.20 08:15:02","a","10.0.0.1""#, "fewer than 11"),
            (
                r#""2026.11.20 08:15:02","a","10.0.0.1","http://x/","","GET","big","0","","1","200""#,
                "size",
            ),
            (
                r#""2026.11.20 08:15:02","a","10.0.0.1","http://x/","","GET","1","0","","1","OK""#,
                "status",
            ),
            (
                r#""2026.13.20 08:15:02","a","10.0.0.1","http://x/","","GET","1","0","","1","200""#,
                "when",
            ),
            (
                r#""2026.11.20 08:15:02","a","10.0.0.1","http://x/","","get it","1","0","","1","200""#,
                "method",
            ),
            (
                r#""2026.11.20 08:15:02","a","","http://x/","","GET","1","0","","1","200""#,
                "client",
            ),
            (
                r#""2026.11.20 08:15:02","a","10.0.0.1","http://x/","","GET","1","0","","1","200"#,
                "end with a quote",
            ),
        ] {
            let e = parse(parse_csv, bad).expect_err(bad);
            assert!(e.contains(why), "{e} / {bad}");
        }
    }

    #[test]
    fn what_words() {
        for (what, want) in [
            ("*DENIED-POST* Banned phrase found", Action::Blocked),
            ("*DENIED-PARAMS* Banned search term", Action::Blocked),
            ("*SCANNED* *INFECTED* -POST* Eicar-Test-Signature", Action::Blocked),
            ("*NETERROR* Unable to resolve", Action::Error),
            ("*URLMOD* ", Action::Redirected),
            ("*EXCEPTION* Exception site match.", Action::Allowed),
            ("*SCANNED* ", Action::Allowed),
            ("*CONTENTMOD* ", Action::Allowed),
            ("", Action::Allowed),
        ] {
            assert_eq!(what_action(what.as_bytes()), want, "{what}");
        }
    }

    #[test]
    fn squidlike_quirks() {
        // Blank user (two spaces), blank MIME type (trailing space), host name as client, HIT.
        let r = parse(
            parse_squidlike,
            "1795162502.007      3 pc05.kestrelbrook.example TCP_HIT/200 5120 GET http://news.example/a?b=c  DEFAULT_PARENT/10.0.0.1 ",
        )
        .expect("blank user");
        assert_eq!((r.user, r.mime), (None, None));
        assert_eq!((r.client, r.device), (None, Some(&b"pc05.kestrelbrook.example"[..])));
        assert_eq!(
            (r.result, r.status, r.action),
            (Some(&b"TCP_HIT"[..]), Some(200), Action::Allowed)
        );
        assert_eq!(
            (r.hierarchy, r.peer),
            (Some(&b"DEFAULT_PARENT"[..]), Some(&b"10.0.0.1"[..]))
        );
        assert_eq!((r.url.query, r.duration_ms), (Some(&b"b=c"[..]), Some(3)));
        // Long duration without padding, CONNECT host:port, DOMAIN\user, dash user.
        let r = parse(
            parse_squidlike,
            r"1795162502.500 1234567 10.40.20.15 TCP_MISS/200 88000 CONNECT www.example.com:443 KESTREL\jsmith DEFAULT_PARENT/127.0.0.1 -",
        )
        .expect("connect");
        assert_eq!((r.url.host, r.url.port), (Some(&b"www.example.com"[..]), Some(443)));
        assert_eq!(
            (r.user, r.duration_ms),
            (Some(&br"KESTREL\jsmith"[..]), Some(1_234_567))
        );
        // 4.x format 7: the SF action suffix.
        let r = parse(
            parse_squidlike,
            r#"1795162502.123    412 10.40.20.15 TCP_MISS/200 0 GET http://casino.example/ - DEFAULT_PARENT/127.0.0.1 text/html DENY "Banned site: casino.example""#,
        )
        .expect("secure");
        assert_eq!(
            (r.action, r.reason),
            (Action::Blocked, Some(&b"Banned site: casino.example"[..]))
        );
        let r = parse(
            parse_squidlike,
            r#"1795162502.123    412 10.40.20.15 TCP_MISS/200 10 GET http://bbc.example/ - DEFAULT_PARENT/127.0.0.1 text/html OBSERVED "Exception site match.""#,
        )
        .expect("observed");
        assert_eq!(r.action, Action::Allowed);
        for (bad, why) in [
            (
                "1795162502.123 x 10.0.0.1 TCP_MISS/200 1 GET http://x/ - DEFAULT_PARENT/1 -",
                "duration",
            ),
            (
                "1795162502.123 5 10.0.0.1 MISS/200 1 GET http://x/ - DEFAULT_PARENT/1 -",
                "result",
            ),
            (
                "1795162502.123 5 10.0.0.1 TCP_MISS/2x0 1 GET http://x/ - DEFAULT_PARENT/1 -",
                "status",
            ),
            (
                "1795162502.123 5 10.0.0.1 TCP_MISS/200 1 get http://x/ - DEFAULT_PARENT/1 -",
                "method",
            ),
            (
                "1795162502.123 5 10.0.0.1 TCP_MISS/200 1 GET http://x/ - DEFAULT_PARENT/1 - BLAH",
                "DENY",
            ),
            ("1795162502.123 5 10.0.0.1", "fewer"),
        ] {
            let e = parse(parse_squidlike, bad).expect_err(bad);
            assert!(e.contains(why), "{e} / {bad}");
        }
    }

    #[test]
    fn tab_and_protex_quirks() {
        // Format 4 with dashes for blanks, a client host name and the SG_LOGFORMAT tail.
        let r = parse(
            parse_tab,
            "2026.11.20 08:15:02\t-\t10.40.20.15\thttps://www.example.com:443\t*EXCEPTION* Exception site match.\tCONNECT\t-\t0\t-\t1\t200\t-\tpc05.kestrelbrook.example\tStaff\tMozilla/5.0\t\tlog1\tprod\t\tlog2\t",
        )
        .expect("tab");
        assert_eq!((r.action, r.bytes_in, r.user), (Action::Allowed, None, None));
        assert_eq!(r.device, Some(&b"pc05.kestrelbrook.example"[..]));
        assert_eq!(r.user_agent, Some(&b"Mozilla/5.0"[..]));
        // Protex with from and client host (logclienthostandip / 4.x), format 6 blank server,
        // format 7 search terms and flags.
        let r = parse(
            parse_protex,
            "1795162502.123\t\tjsmith\t10.40.20.15\tpc05.kestrelbrook.example\thttps://www.google.example/search?q=cats\tGET\t200\t51200\ttext/html\tMozilla/5.0\t\t87\t\t0\t*SCANNED* \t0\t\tPupils\t2\tcats\tS",
        )
        .expect("protex 2 clients");
        assert_eq!(
            (r.client, r.device),
            (Some(&b"10.40.20.15"[..]), Some(&b"pc05.kestrelbrook.example"[..]))
        );
        assert_eq!(
            (r.status, r.bytes_in, r.duration_ms),
            (Some(200), Some(51200), Some(87))
        );
        assert_eq!((r.action, r.category), (Action::Allowed, None));
        // Client host name in the single client field.
        let r = parse(
            parse_protex,
            "1795162502.123\tfilter1\t-\tpc06\thttp://x.example/\tPOST\t200\t1\t-\t-\t-\t5\t-\t0\t-\t0\t-\tPupils\t2",
        )
        .expect("protex host");
        assert_eq!((r.client, r.device, r.user), (None, Some(&b"pc06"[..]), None));
        for (bad, why) in [
            ("1795162502.123\tf\tu\t10.0.0.1\thttp://x/\tGET\t200", "fewer"),
            (
                "1795162502.123\tf\tu\t10.0.0.1\thttp://x/\tget\t200\t1\t-\t-\t-\t5\t-\t0\t-\t0\t-",
                "method",
            ),
            (
                "1795162502.123\tf\tu\t10.0.0.1\thttp://x/\tGET\tOK\t1\t-\t-\t-\t5\t-\t0\t-\t0\t-",
                "status",
            ),
            (
                "1795162502.123\tf\tu\t10.0.0.1\thttp://x/\tGET\t200\t1\t-\t-\t-\tlong\t-\t0\t-\t0\t-",
                "duration",
            ),
            (
                "yesterday\tf\tu\t10.0.0.1\thttp://x/\tGET\t200\t1\t-\t-\t-\t5\t-\t0\t-\t0\t-",
                "epoch",
            ),
        ] {
            let e = parse(parse_protex, bad).expect_err(bad);
            assert!(e.contains(why), "{e} / {bad}");
        }
        let e = parse(parse_tab, "2026.11.20 08:15:02\t-\t10.0.0.1").expect_err("short");
        assert!(e.contains("fewer"), "{e}");
    }

    /// Writes a record back in each layout and reads it again.
    #[test]
    fn round_trip() {
        let bump = Bump::new();
        let r = parse_csv(CSV.as_bytes(), &ctx(), &bump).expect("csv");
        let url = String::from_utf8_lossy(r.url.host.unwrap_or_default()).into_owned();
        let fields = [
            "2026.11.20 08:15:02".to_owned(),
            "jsmith".into(),
            "10.40.20.15".into(),
            format!("http://{url}/"),
            String::from_utf8_lossy(r.reason.unwrap_or_default()).into_owned(),
            "GET".into(),
            r.bytes_in.unwrap_or(0).to_string(),
            "0".into(),
            String::from_utf8_lossy(r.category.unwrap_or_default()).into_owned(),
            "2".into(),
            r.status.unwrap_or(0).to_string(),
            "text/html".into(),
        ];
        let csv = format!("\"{}\"", fields.join("\",\""));
        let tab = fields.join("\t");
        for (p, line) in [(parse_csv as Parser, csv), (parse_tab as Parser, tab)] {
            let again = p(line.as_bytes(), &ctx(), &bump).expect("again");
            assert_eq!((again.ts, again.action, again.reason), (r.ts, r.action, r.reason));
            assert_eq!((again.url, again.category), (r.url, r.category));
        }
    }

    #[test]
    fn sample_files_parse() {
        let bump = Bump::new();
        for (name, text, p) in [
            (
                "csv",
                &include_bytes!("../../tests/data/web/e2guardian-format2.log")[..],
                parse_csv as Parser,
            ),
            (
                "squid",
                &include_bytes!("../../tests/data/web/e2guardian-format3.log")[..],
                parse_squidlike,
            ),
            (
                "tab",
                &include_bytes!("../../tests/data/web/e2guardian-format4.log")[..],
                parse_tab,
            ),
            (
                "protex",
                &include_bytes!("../../tests/data/web/e2guardian-format5.log")[..],
                parse_protex,
            ),
        ] {
            let mut n = 0;
            for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                p(line, &ctx(), &bump).unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(line)));
                n += 1;
            }
            assert!((20..=50).contains(&n), "{name}: {n} lines");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let bump = Bump::new();
            for p in [parse_csv as Parser, parse_squidlike, parse_tab, parse_protex] {
                let _ = p(&line, &ctx(), &bump);
            }
        }

        #[test]
        fn never_panics_on_shaped_lines(fields in proptest::collection::vec("[ -~]{0,12}", 0..24), sep in 0usize..3) {
            let bump = Bump::new();
            let line = match sep {
                0 => format!("\"{}\"", fields.join("\",\"")),
                1 => fields.join("\t"),
                _ => format!("1795162502.1 {}", fields.join(" ")),
            };
            for p in [parse_csv as Parser, parse_squidlike, parse_tab, parse_protex] {
                let _ = p(line.as_bytes(), &ctx(), &bump);
            }
        }
    }
}
