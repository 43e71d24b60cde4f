//! Squid's native `access.log` format (`logformat squid`):
//!
//! ```text
//! time elapsed client result/status bytes method URL user hierarchy/peer type [extra…]
//! 1286536309.450     98 192.168.0.68 TCP_MISS/200 411 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html
//! ```
//!
//! Squid right-aligns `elapsed` with spaces; users may be `-`, `DOMAIN%5Cuser` or `user@domain`;
//! CONNECT targets are `host:port`; Squid 4+ logs `error:…` pseudo-URLs for broken requests.
//! Anything after the content type (a site's extra `logformat` fields) is ignored.

use crate::lex::{dash_none, uint};
use crate::url;
use crate::web::{Action, WebRecord};

/// The fields of a native line, in order, with what to say when one is missing.
const FIELDS: [&str; 9] = [
    "field 1 (time) missing",
    "field 2 (elapsed) missing",
    "field 3 (client) missing",
    "field 4 (result/status) missing",
    "field 5 (bytes) missing",
    "field 6 (method) missing",
    "field 7 (URL) missing",
    "field 8 (user) missing",
    "field 9 (hierarchy/peer) missing",
];

/// Splits a line into its first ten space-separated fields (runs of spaces count as one);
/// returns how many were found.
#[inline]
fn split_fields<'a>(line: &'a [u8], fields: &mut [&'a [u8]; 10]) -> usize {
    let mut n = 0;
    let mut start = 0;
    for pos in crate::lex::SpaceIter::new(line) {
        if pos > start {
            fields[n] = &line[start..pos];
            n += 1;
            if n == fields.len() {
                return n;
            }
        }
        start = pos + 1;
    }
    if start < line.len() {
        fields[n] = &line[start..];
        n += 1;
    }
    n
}

/// Parses one native Squid line.
#[inline(always)]
pub fn parse(line: &[u8]) -> Result<WebRecord<'_>, &'static str> {
    let mut f: [&[u8]; 10] = [&[]; 10];
    let n = split_fields(line, &mut f);
    // Fields are checked in order, so a line that is not Squid at all fails on its time stamp.
    let field = |k: usize| if k < n { Ok(f[k]) } else { Err(FIELDS[k]) };
    let ts = whole(epoch_ms(field(0)?)).ok_or("field 1 (time): expected epoch seconds such as 1286536309.450")?;
    let elapsed = whole(elapsed(field(1)?)).ok_or("field 2 (elapsed): expected milliseconds")?;
    let client = field(2)?;
    let (result, status) =
        result_status(field(3)?).ok_or("field 4 (result/status): expected CODE/STATUS such as TCP_MISS/200")?;
    let bytes = whole(uint(field(4)?).ok()).ok_or("field 5 (bytes): expected a byte count")?;
    let method = field(5)?;
    let target = field(6)?;
    let user = field(7)?;
    let hier_peer = field(8)?;
    let (hierarchy, peer) = hier_peer
        .iter()
        .position(|&b| b == b'/')
        .map(|s| (&hier_peer[..s], &hier_peer[s + 1..]))
        .ok_or("field 9 (hierarchy/peer): expected CODE/peer such as HIER_DIRECT/10.0.0.1")?;
    let url = url::split(target, method == b"CONNECT").ok_or("field 7 (URL): CONNECT target without a numeric port")?;
    // One struct expression, so the record is built in the caller's slot rather than copied.
    Ok(WebRecord {
        duration_ms: elapsed,
        client: Some(client),
        result: Some(result),
        status: Some(status),
        action: action(result, status),
        bytes_in: Some(bytes),
        method: dash_none(method),
        url,
        user: dash_none(user),
        hierarchy: dash_none(hierarchy),
        peer: dash_none(peer),
        mime: if n > 9 { dash_none(f[9]) } else { None },
        ..WebRecord::new(ts)
    })
}

/// The value of a field parser that must consume the whole field.
#[inline]
fn whole<T>(parsed: Option<(&[u8], T)>) -> Option<T> {
    match parsed {
        Some((b"", v)) => Some(v),
        _ => None,
    }
}

/// `1286536309.450` → milliseconds.
#[inline]
fn epoch_ms(i: &[u8]) -> Option<(&[u8], i64)> {
    let (rest, secs) = uint(i).ok()?;
    if secs > 99_999_999_999 {
        return None;
    }
    let (rest, ms) = crate::lex::fraction(rest)?;
    Some((rest, secs as i64 * 1000 + i64::from(ms)))
}

/// Elapsed milliseconds; Squid logs `-1` when it has no value.
#[inline]
fn elapsed(i: &[u8]) -> Option<(&[u8], Option<u64>)> {
    if let Some(r) = i.strip_prefix(b"-") {
        let (r, _) = uint(r).ok()?;
        return Some((r, None));
    }
    let (r, v) = uint(i).ok()?;
    Some((r, Some(v)))
}

/// `TCP_MISS/200` → (`TCP_MISS`, 200).
#[inline]
fn result_status(s: &[u8]) -> Option<(&[u8], u16)> {
    let slash = s.len().checked_sub(4)?;
    if s[slash] != b'/' {
        return None;
    }
    let code = &s[..slash];
    let status = &s[slash + 1..];
    if code.is_empty()
        || !code
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
    {
        return None;
    }
    if status.len() != 3 || !status.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = status
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d.wrapping_sub(b'0')));
    Some((code, v))
}

/// The decision a Squid result code records: `DENIED` is a block except for the `407`
/// authentication challenge, which NTLM and Negotiate clients meet on every new connection.
/// Squid logs denials with 4xx codes, or 3xx when `deny_info` redirects to a block page.
pub fn action(result: &[u8], status: u16) -> Action {
    // A success status is never a denial or a redirect: skip the scans for most lines.
    let scan = !(200..300).contains(&status);
    if status == 407 {
        Action::AuthRequired
    } else if scan && contains(result, b"DENIED") {
        Action::Blocked
    } else if scan && contains(result, b"REDIRECT") {
        Action::Redirected
    } else if (result.starts_with(b"NONE") || result.starts_with(b"TAG_NONE")) && (status == 0 || status >= 400) {
        Action::Error
    } else {
        Action::Allowed
    }
}

/// Whether `word` occurs in the short result code `code`.
#[inline]
fn contains(code: &[u8], word: &[u8]) -> bool {
    code.len() >= word.len()
        && (0..=code.len() - word.len()).any(|i| code[i] == word[0] && &code[i..i + word.len()] == word)
}

/// Writes a record back as a native Squid line (used by the generator and round-trip tests).
pub fn format(r: &WebRecord<'_>, out: &mut Vec<u8>) {
    use std::io::Write;
    let _ = write!(
        out,
        "{}.{:03} {:>6} {} {}/{:03} {} {} ",
        r.ts.div_euclid(1000),
        r.ts.rem_euclid(1000),
        r.duration_ms.map_or(-1, |d| d as i64),
        String::from_utf8_lossy(r.client.unwrap_or(b"-")),
        String::from_utf8_lossy(r.result.unwrap_or(b"NONE")),
        r.status.unwrap_or(0),
        r.bytes_in.unwrap_or(0),
        String::from_utf8_lossy(r.method.unwrap_or(b"-")),
    );
    write_target(&r.url, r.method == Some(b"CONNECT"), out);
    let _ = writeln!(
        out,
        " {} {}/{} {}",
        String::from_utf8_lossy(r.user.unwrap_or(b"-")),
        String::from_utf8_lossy(r.hierarchy.unwrap_or(b"HIER_NONE")),
        String::from_utf8_lossy(r.peer.unwrap_or(b"-")),
        String::from_utf8_lossy(r.mime.unwrap_or(b"-")),
    );
}

/// Writes a request target as Squid logs it.
pub fn write_target(u: &url::UrlParts<'_>, connect: bool, out: &mut Vec<u8>) {
    let host = |out: &mut Vec<u8>| {
        if let Some(h) = u.host {
            if h.contains(&b':') {
                out.push(b'[');
                out.extend_from_slice(h);
                out.push(b']');
            } else {
                out.extend_from_slice(h);
            }
        }
        if let Some(p) = u.port {
            out.extend_from_slice(format!(":{p}").as_bytes());
        }
    };
    if connect {
        host(out);
        return;
    }
    if let Some(s) = u.scheme {
        out.extend_from_slice(s);
        out.push(b':');
        if u.host.is_some() {
            out.extend_from_slice(b"//");
        }
    }
    host(out);
    out.extend_from_slice(u.path);
    if let Some(q) = u.query {
        out.push(b'?');
        out.extend_from_slice(q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        line: &'static str,
        ts: i64,
        elapsed: Option<u64>,
        client: &'static str,
        result: &'static str,
        status: u16,
        action: Action,
        bytes: u64,
        method: Option<&'static str>,
        scheme: Option<&'static str>,
        host: Option<&'static str>,
        port: Option<u16>,
        path: &'static str,
        query: Option<&'static str>,
        user: Option<&'static str>,
        hierarchy: Option<&'static str>,
        peer: Option<&'static str>,
        mime: Option<&'static str>,
    }

    fn b(s: Option<&str>) -> Option<&[u8]> {
        s.map(str::as_bytes)
    }

    #[test]
    fn quirks() {
        let cases = [
            Case {
                line: "1286536309.450     98 192.168.0.68 TCP_MISS/200 411 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html",
                ts: 1_286_536_309_450,
                elapsed: Some(98),
                client: "192.168.0.68",
                result: "TCP_MISS",
                status: 200,
                action: Action::Allowed,
                bytes: 411,
                method: Some("GET"),
                scheme: Some("http"),
                host: Some("www.example.com"),
                port: None,
                path: "/",
                query: None,
                user: None,
                hierarchy: Some("HIER_DIRECT"),
                peer: Some("93.184.216.34"),
                mime: Some("text/html"),
            },
            Case {
                // Right-aligned padding, CONNECT host:port, DOMAIN%5Cuser, TCP_TUNNEL.
                line: "1700000000.001 120034 10.20.1.15 TCP_TUNNEL/200 48213 CONNECT www.google.com:443 SCHOOL%5Cjsmith HIER_DIRECT/142.250.187.196 -",
                ts: 1_700_000_000_001,
                elapsed: Some(120_034),
                client: "10.20.1.15",
                result: "TCP_TUNNEL",
                status: 200,
                action: Action::Allowed,
                bytes: 48213,
                method: Some("CONNECT"),
                scheme: None,
                host: Some("www.google.com"),
                port: Some(443),
                path: "",
                query: None,
                user: Some("SCHOOL%5Cjsmith"),
                hierarchy: Some("HIER_DIRECT"),
                peer: Some("142.250.187.196"),
                mime: None,
            },
            Case {
                line: "1700000001.5      0 10.20.1.16 TCP_DENIED/403 3920 GET http://casino.example/play?x=1 p.green@school.example HIER_NONE/- text/html",
                ts: 1_700_000_001_500,
                elapsed: Some(0),
                client: "10.20.1.16",
                result: "TCP_DENIED",
                status: 403,
                action: Action::Blocked,
                bytes: 3920,
                method: Some("GET"),
                scheme: Some("http"),
                host: Some("casino.example"),
                port: None,
                path: "/play",
                query: Some("x=1"),
                user: Some("p.green@school.example"),
                hierarchy: Some("HIER_NONE"),
                peer: None,
                mime: Some("text/html"),
            },
            Case {
                // Squid 4 broken request: NONE_NONE/000, method -, error: pseudo-URL.
                line: "1700000002.000      0 ::1 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -",
                ts: 1_700_000_002_000,
                elapsed: Some(0),
                client: "::1",
                result: "NONE_NONE",
                status: 0,
                action: Action::Error,
                bytes: 0,
                method: None,
                scheme: Some("error"),
                host: None,
                port: None,
                path: "transaction-end-before-headers",
                query: None,
                user: None,
                hierarchy: Some("HIER_NONE"),
                peer: None,
                mime: None,
            },
            Case {
                // IPv6 client, aborted miss, DIRECT/host (Squid 2), extra trailing field.
                line: "1700000003.250    301 2001:db8:10::25 TCP_MISS_ABORTED/000 0 GET http://[2001:db8::80]:8080/a.iso - DIRECT/mirror.example application/octet-stream \"Mozilla/5.0 (X11)\"",
                ts: 1_700_000_003_250,
                elapsed: Some(301),
                client: "2001:db8:10::25",
                result: "TCP_MISS_ABORTED",
                status: 0,
                action: Action::Allowed,
                bytes: 0,
                method: Some("GET"),
                scheme: Some("http"),
                host: Some("2001:db8::80"),
                port: Some(8080),
                path: "/a.iso",
                query: None,
                user: None,
                hierarchy: Some("DIRECT"),
                peer: Some("mirror.example"),
                mime: Some("application/octet-stream"),
            },
            Case {
                // Cache hit from a parent, ssl-bumped https URL, DENIED_REPLY variant.
                line: "1700000004.999     12 10.0.0.9 TCP_DENIED_REPLY/403 120 GET https://vpn.example/dl PARENT%5Cx PARENT_HIT/proxy2.example text/plain",
                ts: 1_700_000_004_999,
                elapsed: Some(12),
                client: "10.0.0.9",
                result: "TCP_DENIED_REPLY",
                status: 403,
                action: Action::Blocked,
                bytes: 120,
                method: Some("GET"),
                scheme: Some("https"),
                host: Some("vpn.example"),
                port: None,
                path: "/dl",
                query: None,
                user: Some("PARENT%5Cx"),
                hierarchy: Some("PARENT_HIT"),
                peer: Some("proxy2.example"),
                mime: Some("text/plain"),
            },
            Case {
                // Elapsed -1, url_rewrite redirect, no content type at all, trailing spaces.
                line: "1700000005.000     -1 10.0.0.10 TCP_REDIRECT/302 0 GET http://www.google.com/search?q=x - NONE/- ",
                ts: 1_700_000_005_000,
                elapsed: None,
                client: "10.0.0.10",
                result: "TCP_REDIRECT",
                status: 302,
                action: Action::Redirected,
                bytes: 0,
                method: Some("GET"),
                scheme: Some("http"),
                host: Some("www.google.com"),
                port: None,
                path: "/search",
                query: Some("q=x"),
                user: None,
                hierarchy: Some("NONE"),
                peer: None,
                mime: None,
            },
            Case {
                line: "1700000006.000      5 10.0.0.11 TCP_MEM_HIT/200 1500 GET http://cdn.example/logo.png - HIER_NONE/- image/png",
                ts: 1_700_000_006_000,
                elapsed: Some(5),
                client: "10.0.0.11",
                result: "TCP_MEM_HIT",
                status: 200,
                action: Action::Allowed,
                bytes: 1500,
                method: Some("GET"),
                scheme: Some("http"),
                host: Some("cdn.example"),
                port: None,
                path: "/logo.png",
                query: None,
                user: None,
                hierarchy: Some("HIER_NONE"),
                peer: None,
                mime: Some("image/png"),
            },
            Case {
                line: "1700000007.000      0 10.0.0.12 TCP_DENIED/407 3800 CONNECT [2001:db8::443]:443 - HIER_NONE/- text/html",
                ts: 1_700_000_007_000,
                elapsed: Some(0),
                client: "10.0.0.12",
                result: "TCP_DENIED",
                status: 407,
                action: Action::AuthRequired,
                bytes: 3800,
                method: Some("CONNECT"),
                scheme: None,
                host: Some("2001:db8::443"),
                port: Some(443),
                path: "",
                query: None,
                user: None,
                hierarchy: Some("HIER_NONE"),
                peer: None,
                mime: Some("text/html"),
            },
        ];
        for c in cases {
            let r = parse(c.line.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", c.line));
            assert_eq!(r.ts, c.ts, "{}", c.line);
            assert_eq!(r.duration_ms, c.elapsed, "{}", c.line);
            assert_eq!(r.client, Some(c.client.as_bytes()), "{}", c.line);
            assert_eq!(r.result, Some(c.result.as_bytes()), "{}", c.line);
            assert_eq!(r.status, Some(c.status), "{}", c.line);
            assert_eq!(r.action, c.action, "{}", c.line);
            assert_eq!(r.bytes_in, Some(c.bytes), "{}", c.line);
            assert_eq!(r.method, b(c.method), "{}", c.line);
            assert_eq!(r.url.scheme, b(c.scheme), "{}", c.line);
            assert_eq!(r.url.host, b(c.host), "{}", c.line);
            assert_eq!(r.url.port, c.port, "{}", c.line);
            assert_eq!(r.url.path, c.path.as_bytes(), "{}", c.line);
            assert_eq!(r.url.query, b(c.query), "{}", c.line);
            assert_eq!(r.user, b(c.user), "{}", c.line);
            assert_eq!(r.hierarchy, b(c.hierarchy), "{}", c.line);
            assert_eq!(r.peer, b(c.peer), "{}", c.line);
            assert_eq!(r.mime, b(c.mime), "{}", c.line);
        }
    }

    #[test]
    fn rejects_say_which_field() {
        let cases = [
            ("", "field 1"),
            ("hello world", "field 1"),
            ("1700000000.000", "field 2"),
            ("1700000000.000 5 10.0.0.1 TCP_MISS 200 GET", "field 4"),
            (
                "1700000000.000 5 10.0.0.1 TCP_MISS/2000 1 GET http://x/ - HIER_NONE/- -",
                "field 4",
            ),
            (
                "1700000000.000 5 10.0.0.1 TCP_MISS/200 many GET http://x/ - HIER_NONE/- -",
                "field 5",
            ),
            ("1700000000.000 5 10.0.0.1 TCP_MISS/200 1 GET http://x/ -", "field 9"),
            (
                "1700000000.000 5 10.0.0.1 TCP_MISS/200 1 GET http://x/ - HIER_NONE -",
                "field 9",
            ),
            (
                "1700000000.000 5 10.0.0.1 TCP_TUNNEL/200 1 CONNECT host:https - HIER_NONE/- -",
                "field 7",
            ),
        ];
        for (line, want) in cases {
            let err = parse(line.as_bytes()).expect_err(line);
            assert!(err.starts_with(want), "{line}: {err}");
        }
    }
}
