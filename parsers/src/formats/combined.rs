//! Apache/NCSA common and combined lines, as written by Squid's `logformat combined` / `common`
//! and by web servers:
//!
//! ```text
//! [vhost[:port]] client ident user [10/Oct/2000:13:55:36 -0700] "GET URL HTTP/1.1" status bytes ["referer" "agent"] [TCP_MISS:HIER_DIRECT]
//! ```
//!
//! Squid's variants log a full URL (or `host:port` for CONNECT) and end with `%Ss:%Sh`; Apache's
//! log a path, and the vhost forms put the virtual host first.

use memchr::memchr;

use crate::lex::{dash_none, digits_exact, field, opt_spaces, spaces, uint};
use crate::time::month_from_abbrev;
use crate::url;
use crate::web::{Action, WebRecord};

/// Parses one common or combined line.
pub fn parse(line: &[u8]) -> Result<WebRecord<'_>, &'static str> {
    let open = memchr(b'[', line).ok_or("no [time] field (expected [10/Oct/2000:13:55:36 -0700])")?;
    let head = &line[..open];
    let mut tokens = head.split(|&b| b == b' ').filter(|t| !t.is_empty());
    let first = tokens.next().ok_or("missing client field")?;
    let rest: Vec<&[u8]> = tokens.collect();
    let (vhost, client, user) = match rest.as_slice() {
        [_ident, user] => (None, first, *user),
        [client, _ident, user] => (Some(first), *client, *user),
        _ => return Err("expected 'client ident user' (or 'vhost client ident user') before [time]"),
    };
    let close = memchr(b']', &line[open..]).ok_or("unterminated [time] field")? + open;
    let ts = clf_time(&line[open + 1..close]).ok_or("bad [time] (expected 10/Oct/2000:13:55:36 -0700)")?;
    let i = spaces(&line[close + 1..])
        .map_err(|_| "missing \"request\" after [time]")?
        .0;
    let (i, request) = quoted(i).ok_or("missing or unterminated \"request\" field")?;
    let i = spaces(i).map_err(|_| "missing status after \"request\"")?.0;
    let (i, status) = status(i).ok_or("bad status (expected three digits)")?;
    let i = spaces(i).map_err(|_| "missing byte count after status")?.0;
    let (i, bytes) = match i.strip_prefix(b"-") {
        Some(r) => (r, 0),
        None => uint(i).map_err(|_| "bad byte count (expected a number or -)")?,
    };
    let mut r = WebRecord::new(ts);
    r.client = Some(client);
    r.user = dash_none(user);
    r.status = Some(status);
    r.bytes_in = Some(bytes);

    let mut i = opt_spaces(i);
    if i.first() == Some(&b'"') {
        let (rest, referer) = quoted(i).ok_or("unterminated \"referer\" field")?;
        r.referer = dash_none(referer);
        i = opt_spaces(rest);
        if i.first() == Some(&b'"') {
            let (rest, agent) = quoted(i).ok_or("unterminated \"user-agent\" field")?;
            r.user_agent = dash_none(agent);
            i = opt_spaces(rest);
        }
    }
    let tag = field(i).ok().map(|(_, t)| t);
    let (result, hierarchy) = match tag.and_then(|t| memchr(b':', t).map(|c| (&t[..c], &t[c + 1..]))) {
        Some((res, hier)) if res.iter().all(|b| b.is_ascii_uppercase() || *b == b'_') && !res.is_empty() => {
            (Some(res), dash_none(hier))
        }
        _ => (None, None),
    };
    r.result = result;
    r.hierarchy = hierarchy;
    r.action = match result {
        Some(res) => super::squid::action(res, status),
        None if status == 403 => Action::Blocked,
        None => Action::Allowed,
    };

    // The request line: METHOD TARGET [HTTP/x.y]; anything else is kept whole as the path.
    let parts: Vec<&[u8]> = request.split(|&b| b == b' ').filter(|t| !t.is_empty()).collect();
    match parts.as_slice() {
        [method, target, ..] if method.iter().all(|b| b.is_ascii_alphabetic()) => {
            r.method = Some(method);
            let connect = *method == b"CONNECT";
            r.url = url::split(target, connect).unwrap_or(url::UrlParts {
                path: target,
                ..url::UrlParts::default()
            });
        }
        _ => {
            r.url.path = request;
            if request != b"-" && result.is_none() && status >= 400 {
                r.action = Action::Error;
            }
        }
    }
    if r.url.host.is_none()
        && let Some(v) = vhost
    {
        let (host, port) = match v.iter().rposition(|&b| b == b':') {
            Some(c) if v[c + 1..].iter().all(u8::is_ascii_digit) && c + 1 < v.len() => (
                &v[..c],
                std::str::from_utf8(&v[c + 1..]).ok().and_then(|p| p.parse().ok()),
            ),
            _ => (v, None),
        };
        r.url.host = Some(host);
        if r.url.port.is_none() {
            r.url.port = port;
        }
    }
    Ok(r)
}

/// `"…"` with backslash escapes; returns the inner bytes.
fn quoted(i: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = i.strip_prefix(b"\"")?;
    let mut k = 0;
    while k < body.len() {
        match body[k] {
            b'\\' => k += 2,
            b'"' => return Some((&body[k + 1..], &body[..k])),
            _ => k += 1,
        }
    }
    None
}

fn status(i: &[u8]) -> Option<(&[u8], u16)> {
    let (r, v) = digits_exact(i, 3).ok()?;
    if r.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((r, v as u16))
}

/// `10/Oct/2000:13:55:36 -0700` → UTC milliseconds.
fn clf_time(s: &[u8]) -> Option<i64> {
    let (s, day) = digits_exact(s, 2).or_else(|_| digits_exact(s, 1)).ok()?;
    let s = s.strip_prefix(b"/")?;
    let month = month_from_abbrev(s.get(..3)?)?;
    let s = s[3..].strip_prefix(b"/")?;
    let (s, year) = digits_exact(s, 4).ok()?;
    let s = s.strip_prefix(b":")?;
    let (s, h) = digits_exact(s, 2).ok()?;
    let s = s.strip_prefix(b":")?;
    let (s, m) = digits_exact(s, 2).ok()?;
    let s = s.strip_prefix(b":")?;
    let (s, sec) = digits_exact(s, 2).ok()?;
    let (s, millis) = crate::lex::fraction(s)?;
    let offset = super::offset_minutes(opt_spaces(s))?;
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let local = crate::time::naive(year as i32, month, day, h, m, sec, millis)?;
    Some(local.and_utc().timestamp_millis() - offset * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    #[test]
    fn squid_combined_with_tag() {
        let r = parse(br#"10.20.3.4 - SCHOOL%5Cabc [16/Nov/2026:09:01:02 +0000] "GET http://www.bbc.co.uk/news?x=1 HTTP/1.1" 200 5120 "https://www.google.com/" "Mozilla/5.0 (Windows NT 10.0) \"q\"" TCP_MISS:HIER_DIRECT"#).expect("parse");
        assert_eq!(r.ts, utc_ms("2026-11-16T09:01:02Z"));
        assert_eq!(r.client, Some(&b"10.20.3.4"[..]));
        assert_eq!(r.user, Some(&b"SCHOOL%5Cabc"[..]));
        assert_eq!(r.method, Some(&b"GET"[..]));
        assert_eq!(r.url.host, Some(&b"www.bbc.co.uk"[..]));
        assert_eq!(r.url.query, Some(&b"x=1"[..]));
        assert_eq!(r.status, Some(200));
        assert_eq!(r.bytes_in, Some(5120));
        assert_eq!(r.referer, Some(&b"https://www.google.com/"[..]));
        assert_eq!(r.user_agent, Some(&br#"Mozilla/5.0 (Windows NT 10.0) \"q\""#[..]));
        assert_eq!(r.result, Some(&b"TCP_MISS"[..]));
        assert_eq!(r.hierarchy, Some(&b"HIER_DIRECT"[..]));
        assert_eq!(r.action, Action::Allowed);
    }

    #[test]
    fn squid_common_denied_connect() {
        let r = parse(br#"10.20.3.5 - - [16/Nov/2026:10:00:00 +0100] "CONNECT vpn.example:443 HTTP/1.1" 403 3900 TCP_DENIED:HIER_NONE"#).expect("parse");
        assert_eq!(r.ts, utc_ms("2026-11-16T09:00:00Z"));
        assert_eq!(r.user, None);
        assert_eq!(r.url.host, Some(&b"vpn.example"[..]));
        assert_eq!(r.url.port, Some(443));
        assert_eq!(r.action, Action::Blocked);
    }

    #[test]
    fn apache_combined_and_vhost_forms() {
        let r = parse(br#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#).expect("parse");
        assert_eq!(r.ts, utc_ms("2000-10-10T20:55:36Z"));
        assert_eq!(r.user, Some(&b"frank"[..]));
        assert_eq!(r.url.path, b"/apache_pb.gif");
        assert_eq!(r.url.host, None);
        let r = parse(br#"www.school.example:443 10.0.0.2 - - [01/Feb/2026:08:00:00 +0000] "GET /login?next=%2F HTTP/2.0" 403 - "-" "-""#).expect("parse");
        assert_eq!(r.url.host, Some(&b"www.school.example"[..]));
        assert_eq!(r.url.port, Some(443));
        assert_eq!(r.client, Some(&b"10.0.0.2"[..]));
        assert_eq!(r.bytes_in, Some(0));
        assert_eq!(r.referer, None);
        assert_eq!(r.action, Action::Blocked);
        let r = parse(br#"intranet 10.0.0.3 - - [1/Feb/2026:08:00:00 +0000] "\x16\x03\x01" 400 226"#).expect("parse");
        assert_eq!(r.method, None);
        assert_eq!(r.url.path, br"\x16\x03\x01");
        assert_eq!(r.action, Action::Error);
        assert_eq!(r.url.host, Some(&b"intranet"[..]));
    }

    #[test]
    fn rejects() {
        for line in [
            "",
            "1286536309.450 98 192.168.0.68 TCP_MISS/200 411 GET http://x/ - HIER_DIRECT/1.2.3.4 text/html",
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.0" 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2000 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 x"#,
        ] {
            assert!(parse(line.as_bytes()).is_err(), "{line}");
        }
    }
}
