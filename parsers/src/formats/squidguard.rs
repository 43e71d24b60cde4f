//! squidGuard request logs (the `log` of a `dest` or `acl` block, by default `blocked.log`):
//!
//! ```text
//! 2026-11-20 08:15:02 [1234] Request(default/porn/-) http://x.example/ 10.40.20.15/- jsmith GET REDIRECT
//! 2026-11-20 08:16:40 [1234] Request(pupils/gambling/-) casino.example:443 10.40.20.16/kb-ict1-pc06.kestrelbrook.example KESTREL%5cpupil1042 CONNECT REDIRECT
//! 2026-11-20 08:17:05 Request(staff/in-addr/-) http://192.0.2.80/ 10.40.30.2/- - GET REDIRECT
//! ```
//!
//! squidGuard's `sgLogRequest` writes `Request(source/destination/rewrite) URL ip/fqdn ident method
//! action` after `sgLog`'s `YYYY-MM-DD HH:MM:SS [pid] ` prefix (local time). The record is a
//! block: the category is the destination class, the reason the `source/destination` text, the
//! result the action word.
//!
//! Quirks handled:
//! - The `[pid]` may be missing (other builds and forks of `sgLog`).
//! - Before 1.4 there is no action word; 1.2-era builds may have no method either.
//! - Actions: `REDIRECT` (and the Collax fork's `DENY`, `-` or `?`) are blocks, `REWRITE` a
//!   redirect, `PASS` (only in a `verbose` log) allowed.
//! - `ident` and `fqdn` are `-` when unknown; `anonymous` logs write `-` for every user. Squid
//!   passes the user URL-encoded (`DOMAIN%5cuser`); it is kept as logged.
//! - The source class is `default` when no `src` matched; the destination `unknown`, `none`
//!   (a terminating `none` in the ACL) or `in-addr` (a bare IP address URL) when no named `dest`
//!   did. These are kept as logged.
//! - CONNECT targets are `host:port`.
//! - The same prefix starts squidGuard's own status lines in `squidGuard.log`
//!   (`squidGuard 1.6.0 started`); those are refused as "not a Request(…) line". The Collax fork
//!   writes `Request(…)` with no date at all; such lines are refused (no time to give them).

use crate::time::TimeContext;
use crate::url;
use crate::web::{Action, WebRecord};

/// Parses one squidGuard request-log line.
pub fn parse<'a>(line: &'a [u8], ctx: &TimeContext) -> Result<WebRecord<'a>, &'static str> {
    let line = crate::lex::trim_cr(line);
    if line.starts_with(b"Request(") {
        return Err("squidGuard: no date before Request(…) (a log written without the time stamp)");
    }
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (date, time, rest) = (parts.next(), parts.next(), parts.next());
    let (Some(date), Some(time), Some(rest)) = (date, time, rest) else {
        return Err("squidGuard: expected YYYY-MM-DD HH:MM:SS before the request");
    };
    let local =
        super::date_time(date, time).ok_or("squidGuard: field 1-2 (date time): expected 2026-11-20 08:15:02")?;
    let mut rest = crate::lex::opt_spaces(rest);
    if let Some(pid) = rest.strip_prefix(b"[") {
        let close = memchr::memchr(b']', pid).ok_or("squidGuard: [pid] without a closing bracket")?;
        if close == 0 || !pid[..close].iter().all(u8::is_ascii_digit) {
            return Err("squidGuard: [pid] is not a number");
        }
        rest = crate::lex::opt_spaces(&pid[close + 1..]);
    }
    let inner = rest
        .strip_prefix(b"Request(")
        .ok_or("squidGuard: not a Request(…) line (a squidGuard.log status message?)")?;
    let close = memchr::memchr(b')', inner).ok_or("squidGuard: Request( without a closing parenthesis")?;
    let classes = &inner[..close];
    let mut c = classes.split(|&b| b == b'/');
    let (Some(src), Some(dest), Some(_rewrite), None) = (c.next(), c.next(), c.next(), c.next()) else {
        return Err("squidGuard: Request(…) does not hold source/destination/rewrite");
    };
    if src.is_empty() || dest.is_empty() {
        return Err("squidGuard: empty source or destination class in Request(…)");
    }
    let fields: Vec<&[u8]> = inner[close + 1..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    if fields.len() < 3 {
        return Err("squidGuard: fewer than URL, ip/fqdn and ident after Request(…)");
    }
    if fields.len() > 5 {
        return Err("squidGuard: more fields than URL, ip/fqdn, ident, method and action");
    }
    let (target, source, ident) = (fields[0], fields[1], fields[2]);
    let method = fields.get(3).copied();
    let action_word = fields.get(4).copied();
    if let Some(m) = method
        && !(m == b"-" || m.iter().all(u8::is_ascii_uppercase))
    {
        return Err("squidGuard: method is not an HTTP method");
    }
    let action = match action_word {
        None | Some(b"REDIRECT" | b"DENY" | b"-" | b"?") => Action::Blocked,
        Some(b"REWRITE") => Action::Redirected,
        Some(b"PASS") => Action::Allowed,
        Some(_) => return Err("squidGuard: action is not REDIRECT, REWRITE, PASS or DENY"),
    };
    let (client, fqdn) = match memchr::memchr(b'/', source) {
        Some(s) => (&source[..s], Some(&source[s + 1..])),
        None => (source, None),
    };
    let method = method.and_then(crate::lex::dash_none);
    let connect = method == Some(b"CONNECT") && memchr::memmem::find(target, b"://").is_none();
    let url = url::split(target, connect).ok_or("squidGuard: CONNECT target without a numeric port")?;

    let (ts, late) = super::e2guardian_alt::resolve(ctx, local);
    let mut r = WebRecord::new(ts);
    r.ts_late = late;
    r.url = url;
    r.method = method;
    r.client = crate::lex::dash_none(client);
    r.device = fqdn.and_then(crate::lex::dash_none);
    r.user = crate::lex::dash_none(ident);
    r.action = action;
    r.result = action_word.and_then(crate::lex::dash_none);
    r.category = Some(dest);
    // `source/destination`, borrowed from the line.
    r.reason = Some(&classes[..src.len() + 1 + dest.len()]);
    Ok(r)
}

/// Writes a record back as a squidGuard line (round-trip tests and samples).
pub fn format(r: &WebRecord<'_>, local: chrono::NaiveDateTime, pid: Option<u32>, out: &mut Vec<u8>) {
    use std::io::Write;
    let s = |v: Option<&[u8]>| String::from_utf8_lossy(v.unwrap_or(b"-")).into_owned();
    let _ = write!(out, "{}", local.format("%Y-%m-%d %H:%M:%S"));
    if let Some(p) = pid {
        let _ = write!(out, " [{p}]");
    }
    let reason = s(r.reason);
    let _ = write!(out, " Request({reason}/-) ");
    super::squid::write_target(&r.url, r.method == Some(b"CONNECT"), out);
    let _ = writeln!(
        out,
        " {}/{} {} {} {}",
        s(r.client),
        s(r.device),
        s(r.user),
        s(r.method),
        s(r.result)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    fn ctx() -> TimeContext {
        TimeContext::new(crate::time::DEFAULT_TZ, None)
    }

    #[test]
    fn documented_line() {
        let r = parse(
            b"2026-11-20 08:15:02 [1234] Request(default/porn/-) http://x.example/ 10.40.20.15/- jsmith GET REDIRECT",
            &ctx(),
        )
        .expect("parse");
        assert_eq!(r.ts, utc_ms("2026-11-20T08:15:02Z"));
        assert_eq!(r.action, Action::Blocked);
        assert_eq!(r.category, Some(&b"porn"[..]));
        assert_eq!(r.reason, Some(&b"default/porn"[..]));
        assert_eq!(r.result, Some(&b"REDIRECT"[..]));
        assert_eq!(r.url.host, Some(&b"x.example"[..]));
        assert_eq!((r.client, r.device), (Some(&b"10.40.20.15"[..]), None));
        assert_eq!((r.user, r.method), (Some(&b"jsmith"[..]), Some(&b"GET"[..])));
    }

    #[test]
    fn variants() {
        // No pid; fqdn; URL-encoded domain user; CONNECT host:port; summer time.
        let r = parse(
            b"2026-06-20 08:16:40 Request(pupils/gambling/-) casino.example:443 10.40.20.16/kb-ict1-pc06.kestrelbrook.example KESTREL%5cpupil1042 CONNECT REDIRECT",
            &ctx(),
        )
        .expect("no pid");
        assert_eq!(r.ts, utc_ms("2026-06-20T07:16:40Z"));
        assert_eq!((r.url.host, r.url.port), (Some(&b"casino.example"[..]), Some(443)));
        assert_eq!(r.device, Some(&b"kb-ict1-pc06.kestrelbrook.example"[..]));
        assert_eq!(r.user, Some(&b"KESTREL%5cpupil1042"[..]));
        // Ident '-', a rewrite, a verbose PASS, an old line without action or method.
        for (line, action, user, method) in [
            (
                "2026-11-20 08:17:05 [88] Request(staff/in-addr/-) http://192.0.2.80/ 10.40.30.2/- - GET REDIRECT",
                Action::Blocked,
                None,
                Some(&b"GET"[..]),
            ),
            (
                "2026-11-20 08:17:05 [88] Request(pupils/search/safesearch) http://search.example/?q=x 10.40.20.15/- jsmith GET REWRITE",
                Action::Redirected,
                Some(&b"jsmith"[..]),
                Some(&b"GET"[..]),
            ),
            (
                "2026-11-20 08:17:05 [88] Request(pupils/none/-) http://news.example/ 10.40.20.15/- jsmith GET PASS",
                Action::Allowed,
                Some(&b"jsmith"[..]),
                Some(&b"GET"[..]),
            ),
            (
                "2026-11-20 08:17:05 [88] Request(default/ads/-) http://ads.example/b.gif 10.40.20.15/- - GET",
                Action::Blocked,
                None,
                Some(&b"GET"[..]),
            ),
            (
                "2026-11-20 08:17:05 [88] Request(default/ads/-) http://ads.example/b.gif 10.40.20.15/- -",
                Action::Blocked,
                None,
                None,
            ),
            (
                "2026-11-20 08:17:05 [88]   Request(default/ads/-) http://ads.example/b.gif 10.40.20.15 - - DENY\r",
                Action::Blocked,
                None,
                None,
            ),
        ] {
            let r = parse(line.as_bytes(), &ctx()).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!((r.action, r.user, r.method), (action, user, method), "{line}");
        }
        // The repeated autumn hour is flagged for file order.
        let r = parse(
            b"2026-10-25 01:30:00 [1] Request(default/porn/-) http://x.example/ 10.0.0.1/- - GET REDIRECT",
            &ctx(),
        )
        .expect("fold");
        assert_eq!(r.ts_late, Some(utc_ms("2026-10-25T01:30:00Z")));
    }

    #[test]
    fn rejects_with_reasons() {
        for (line, why) in [
            (
                "Request(default/porn/-) http://x.example/ 10.0.0.1/- - GET DENY",
                "no date",
            ),
            (
                "2026-11-20 08:15:02 [1234] squidGuard 1.6.0 started (1795162502.123)",
                "not a Request",
            ),
            (
                "2026-11-20 08:15:02 [1234] init domainlist /var/lib/squidguard/db/porn/domains",
                "not a Request",
            ),
            (
                "2026-11-20 08:15:02 [12x] Request(default/porn/-) http://x/ 10.0.0.1/- - GET REDIRECT",
                "pid",
            ),
            (
                "2026-11-20 08:15:02 [1234] Request(default/porn) http://x/ 10.0.0.1/- - GET REDIRECT",
                "rewrite",
            ),
            ("2026-11-20 08:15:02 [1234] Request(default/porn/-) http://x/", "fewer"),
            (
                "2026-11-20 08:15:02 [1234] Request(default/porn/-) http://x/ 10.0.0.1/- - GET BLOCK",
                "action",
            ),
            (
                "2026-11-20 08:15:02 [1234] Request(default/porn/-) http://x/ 10.0.0.1/- - get REDIRECT",
                "method",
            ),
            (
                "2026-11-20 08:15:02 [1234] Request(default/porn/-) http://x/ 10.0.0.1/- - GET REDIRECT x",
                "more",
            ),
            (
                "20/11/2026 08:15:02 [1234] Request(default/porn/-) http://x/ 10.0.0.1/- - GET REDIRECT",
                "date",
            ),
            ("2026-11-20 08:15:02 [1234] Request(default/porn/-", "closing"),
            (
                "1795162502.123 98 10.0.0.1 TCP_MISS/200 1 GET http://x/ - HIER_DIRECT/1.2.3.4 -",
                "date",
            ),
        ] {
            let e = parse(line.as_bytes(), &ctx()).expect_err(line);
            assert!(e.contains(why), "{e} / {line}");
            assert!(e.starts_with("squidGuard"), "{e}");
        }
    }

    #[test]
    fn round_trip() {
        let line = b"2026-11-20 08:15:02 [1234] Request(pupils/gambling/-) http://casino.example/a?b=1 10.40.20.15/kb-ict1-pc05 jsmith GET REDIRECT\n";
        let r = parse(&line[..line.len() - 1], &ctx()).expect("parse");
        let mut out = Vec::new();
        let local = crate::time::naive(2026, 11, 20, 8, 15, 2, 0).expect("valid");
        format(&r, local, Some(1234), &mut out);
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(line));
    }

    #[test]
    fn sample_file_parses() {
        let text = include_bytes!("../../tests/data/web/squidguard-blocked.log");
        let mut n = 0;
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            parse(line, &ctx()).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)));
            n += 1;
        }
        assert!((20..=50).contains(&n), "{n} lines");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = parse(&line, &ctx());
        }

        #[test]
        fn never_panics_on_shaped_lines(tail in "[ -~]{0,80}", pid in proptest::option::of(0u32..100_000)) {
            let pid = pid.map(|p| format!(" [{p}]")).unwrap_or_default();
            let line = format!("2026-11-20 08:15:02{pid} Request({tail}");
            let _ = parse(line.as_bytes(), &ctx());
        }
    }
}
