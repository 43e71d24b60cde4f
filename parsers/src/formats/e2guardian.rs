//! e2guardian / DansGuardian `access.log` in `logfileformat = 1` (space-separated), the log of
//! many school web filters derived from DansGuardian:
//!
//! ```text
//! 2017.4.28 10:42:51 - 192.168.1.10 http://www.example.com/ *DENIED* Banned site: example.com GET 0 0 Banned Sites 1 403 text/html - Default
//! 2026.11.20 9:05:01 jsmith 10.40.20.15 https://www.bbc.co.uk:443 *SCANNED* CONNECT 5120 0 News 2 200 - KB-ICT1-PC05 Pupils -
//! ```
//!
//! Fields: date, time, user, client, URL, what (`-`, `*SCANNED*`, or `*DENIED* <reason with
//! spaces>`), method, size, weight, category (may contain spaces), filter group, status, MIME type,
//! client name, group name, then version-dependent extras. Dates are not zero-padded; the pfSense
//! package writes a two-digit year (`18.05.23`). Times are local. A denied request may be logged
//! with status 200; `*DENIED*` decides.

use crate::lex::trim_spaces;
use crate::time::{LocalResolution, TimeContext};
use crate::url;
use crate::web::{Action, WebRecord};

const METHODS: [&[u8]; 10] = [
    b"GET", b"POST", b"CONNECT", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE", b"-",
];

/// Parses one format-1 line.
pub fn parse<'a>(line: &'a [u8], ctx: &TimeContext) -> Result<WebRecord<'a>, &'static str> {
    let tokens: Vec<&[u8]> = line.split(|&b| b == b' ').filter(|t| !t.is_empty()).collect();
    if tokens.len() < 7 {
        return Err("e2guardian: fewer than 7 fields");
    }
    let local =
        date_time(tokens[0], tokens[1]).ok_or("e2guardian: field 1-2 (date time): expected 2017.4.28 10:42:51")?;
    let user = tokens[2];
    let client = tokens[3];
    let target = tokens[4];
    // `what`: `-`, `*SCANNED*`, `*EXCEPTION*`, or `*DENIED*` followed by a reason with spaces that
    // ends where the method begins.
    let (denied, reason, at) = if tokens[5].starts_with(b"*DENIED*") {
        let m = (6..tokens.len())
            .find(|&i| METHODS.contains(&tokens[i]))
            .ok_or("e2guardian: *DENIED* without a method after its reason")?;
        let start = tokens[5].as_ptr() as usize - line.as_ptr() as usize;
        let end = tokens[m].as_ptr() as usize - line.as_ptr() as usize;
        (true, Some(trim_spaces(&line[start..end])), m)
    } else {
        (false, None, 6)
    };
    let method = *tokens.get(at).ok_or("e2guardian: missing method")?;
    if !METHODS.contains(&method) {
        return Err("e2guardian: field after the URL is not a method or *DENIED*");
    }
    let size = tokens
        .get(at + 1)
        .and_then(|t| super::number(t))
        .ok_or("e2guardian: size is not a number")?;
    let _weight = tokens.get(at + 2).ok_or("e2guardian: missing weight")?;
    // Category words, then filter group (digits) and status (three digits or 0).
    let rest = &tokens[(at + 3).min(tokens.len())..];
    let j = (0..rest.len().saturating_sub(1))
        .find(|&j| rest[j].iter().all(u8::is_ascii_digit) && is_status(rest[j + 1]))
        .ok_or("e2guardian: no filter group and status after the category")?;
    let category = if j == 0 {
        None
    } else {
        let start = rest[0].as_ptr() as usize - line.as_ptr() as usize;
        let end = rest[j - 1].as_ptr() as usize - line.as_ptr() as usize + rest[j - 1].len();
        Some(&line[start..end])
    };
    let status = super::number(rest[j + 1]).and_then(|s| u16::try_from(s).ok());
    let mime = rest.get(j + 2).copied();
    let device = rest.get(j + 3).copied();

    let mut r = WebRecord::new(0);
    match ctx.resolve_local(local) {
        LocalResolution::Exact(ts) => r.ts = ts,
        LocalResolution::Ambiguous { early, late } => {
            r.ts = early;
            r.ts_late = Some(late);
        }
    }
    r.user = crate::lex::dash_none(user);
    r.client = Some(client);
    r.method = crate::lex::dash_none(method);
    r.url = url::split(target, false).unwrap_or(url::UrlParts {
        path: target,
        ..url::UrlParts::default()
    });
    r.bytes_in = Some(size);
    r.status = status;
    r.action = if denied { Action::Blocked } else { Action::Allowed };
    r.reason = reason;
    r.category = category.filter(|c| *c != b"-");
    r.mime = mime.and_then(crate::lex::dash_none);
    r.device = device.and_then(crate::lex::dash_none);
    Ok(r)
}

fn is_status(t: &[u8]) -> bool {
    (t.len() == 3 && t.iter().all(u8::is_ascii_digit)) || t == b"0"
}

/// `2017.4.28` / `18.05.23` and `10:42:51` / `9:05:01` (shared with the other e2guardian layouts).
pub(crate) fn date_time(date: &[u8], time: &[u8]) -> Option<chrono::NaiveDateTime> {
    let num = |p: &[u8]| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.iter().all(u8::is_ascii_digit))
            .then(|| p.iter().fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0'))))
    };
    let mut d = date.split(|&b| b == b'.');
    let (y, mo, da) = (d.next()?, num(d.next()?)?, num(d.next()?)?);
    let year = match (y.len(), num(y)?) {
        (2, yy) => 2000 + yy as i32,
        (4, yyyy) => yyyy as i32,
        _ => return None,
    };
    let mut t = time.split(|&b| b == b':');
    let (h, mi, s) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if d.next().is_some() || t.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    crate::time::naive(year, mo, da, h, mi, s, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    fn ctx() -> TimeContext {
        TimeContext::new(crate::time::DEFAULT_TZ, None)
    }

    #[test]
    fn denied_with_a_reason_and_a_spaced_category() {
        let r = parse(b"2017.4.28 10:42:51 - 192.168.1.10 http://www.example.com/ *DENIED* Banned site: example.com GET 0 0 Banned Sites 1 403 text/html - Default", &ctx()).expect("parse");
        assert_eq!(r.ts, utc_ms("2017-04-28T09:42:51Z")); // BST
        assert_eq!(r.action, Action::Blocked);
        assert_eq!(r.reason, Some(&b"*DENIED* Banned site: example.com"[..]));
        assert_eq!(r.category, Some(&b"Banned Sites"[..]));
        assert_eq!(
            (r.method, r.status, r.bytes_in),
            (Some(&b"GET"[..]), Some(403), Some(0))
        );
        assert_eq!(r.url.host, Some(&b"www.example.com"[..]));
        assert_eq!(r.user, None);
    }

    #[test]
    fn scanned_two_digit_year_unpadded_time_and_extras() {
        let r = parse(b"18.05.23 9:05:01 jsmith 10.40.20.15 https://www.bbc.co.uk:443 *SCANNED* CONNECT 5120 0 News 2 200 - KB-ICT1-PC05 Pupils - - -", &ctx()).expect("parse");
        assert_eq!(r.ts, utc_ms("2018-05-23T08:05:01Z"));
        assert_eq!((r.action, r.reason), (Action::Allowed, None));
        assert_eq!(r.url.port, Some(443));
        assert_eq!(r.category, Some(&b"News"[..]));
        assert_eq!(r.device, Some(&b"KB-ICT1-PC05"[..]));
        assert_eq!(r.mime, None);
        // Denied but logged with status 200 (e2guardian issue #360): *DENIED* decides.
        let r = parse(b"2026.11.20 12:10:00 pupil 10.0.0.5 http://casino.example/ *DENIED* Weighted phrase limit of 80 : 120 (gambling) GET 1200 120 Gambling 1 200 text/html", &ctx()).expect("parse");
        assert_eq!((r.action, r.status), (Action::Blocked, Some(200)));
        // pfSense package: method '-' and status 0.
        let r = parse(b"18.05.23 9:05:01 - 10.0.0.6 http://x.example/ - - 0 0 - 1 0 -", &ctx()).expect("parse");
        assert_eq!((r.method, r.status), (None, Some(0)));
    }

    #[test]
    fn repeated_autumn_hour_is_flagged_for_file_order() {
        let r = parse(
            b"2026.10.25 1:30:00 - 10.0.0.6 http://x.example/ - GET 10 0 - 1 200 text/html",
            &ctx(),
        )
        .expect("parse");
        assert_eq!(r.ts, utc_ms("2026-10-25T00:30:00Z"));
        assert_eq!(r.ts_late, Some(utc_ms("2026-10-25T01:30:00Z")));
    }

    #[test]
    fn rejects() {
        for line in [
            "",
            "1286536309.450 98 192.168.0.68 TCP_MISS/200 411 GET http://x/ - HIER_DIRECT/1.2.3.4 text/html",
            "2017.4.28 10:42:51 - 192.168.1.10 http://x/ *DENIED* no method here at all",
            "2017.13.28 10:42:51 - 192.168.1.10 http://x/ - GET 0 0 Cat 1 200 text/html",
            "2017.4.28 10:42:51 - 192.168.1.10 http://x/ - GET big 0 Cat 1 200 text/html",
            "2017.4.28 10:42:51 - 192.168.1.10 http://x/ - GET 0 0 Cat nothing",
        ] {
            assert!(parse(line.as_bytes(), &ctx()).is_err(), "{line}");
        }
    }
}
