//! Splitting request targets into scheme, host, port, path and query; percent-decoding; web-search
//! terms.

use memchr::memchr;

/// The parts of a request target as a proxy logs it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `http`, `https`, `ftp`, … (`None` for `host:port` CONNECT targets and bare paths).
    pub scheme: Option<&'a [u8]>,
    /// Host name or IP literal, without brackets.
    pub host: Option<&'a [u8]>,
    /// Explicit port.
    pub port: Option<u16>,
    /// Path, empty when absent.
    pub path: &'a [u8],
    /// Query string without the `?`.
    pub query: Option<&'a [u8]>,
}

/// Splits a URL, a `host:port` authority (CONNECT), or an origin-form path.
///
/// Returns `None` only for an authority whose port is not a number.
#[inline]
pub fn split(target: &[u8], connect: bool) -> Option<UrlParts<'_>> {
    if connect {
        let (host, port) = authority(target)?;
        return Some(UrlParts {
            host: Some(host),
            port,
            ..UrlParts::default()
        });
    }
    if target.starts_with(b"/") {
        let (path, query) = path_query(target);
        return Some(UrlParts {
            path,
            query,
            ..UrlParts::default()
        });
    }
    let Some(colon) = target.iter().position(|&b| b == b':') else {
        // A bare host (some proxies log CONNECT targets without a port).
        return Some(UrlParts {
            host: Some(target),
            ..UrlParts::default()
        });
    };
    let scheme = &target[..colon];
    let rest = &target[colon + 1..];
    let Some(after_slashes) = rest.strip_prefix(b"//") else {
        // `host:port` without CONNECT, or an opaque URI such as `error:invalid-request`.
        if scheme.iter().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(b))
            && !rest.is_empty()
            && let Some((host, port @ Some(_))) = authority(target)
        {
            return Some(UrlParts {
                host: Some(host),
                port,
                ..UrlParts::default()
            });
        }
        return Some(UrlParts {
            scheme: Some(scheme),
            path: rest,
            ..UrlParts::default()
        });
    };
    let auth_end = after_slashes
        .iter()
        .position(|&b| b == b'/' || b == b'?' || b == b'#')
        .unwrap_or(after_slashes.len());
    let mut auth = &after_slashes[..auth_end];
    if let Some(at) = auth.iter().rposition(|&b| b == b'@') {
        auth = &auth[at + 1..];
    }
    let (host, port) = authority(auth).unwrap_or((auth, None));
    let (path, query) = path_query(&after_slashes[auth_end..]);
    Some(UrlParts {
        scheme: Some(scheme),
        host: if host.is_empty() { None } else { Some(host) },
        port,
        path,
        query,
    })
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 literal without brackets is kept whole.
fn authority(a: &[u8]) -> Option<(&[u8], Option<u16>)> {
    if let Some(inner) = a.strip_prefix(b"[") {
        let close = memchr(b']', inner)?;
        let host = &inner[..close];
        let rest = &inner[close + 1..];
        return match rest.strip_prefix(b":") {
            Some(p) => Some((host, Some(port(p)?))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match a.iter().rposition(|&b| b == b':') {
        Some(i) if !a[..i].contains(&b':') => Some((&a[..i], Some(port(&a[i + 1..])?))),
        _ => Some((a, None)),
    }
}

#[inline]
fn port(p: &[u8]) -> Option<u16> {
    if p.is_empty() || p.len() > 5 {
        return None;
    }
    let mut v: u32 = 0;
    for &b in p {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b.wrapping_sub(b'0'));
    }
    u16::try_from(v).ok()
}

#[inline]
fn path_query(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr2(b'?', b'#', s) {
        Some(q) if s[q] == b'?' => {
            let rest = &s[q + 1..];
            let query = match memchr(b'#', rest) {
                Some(h) => &rest[..h],
                None => rest,
            };
            (&s[..q], Some(query))
        }
        Some(h) => (&s[..h], None),
        None => (s, None),
    }
}

/// Percent-decodes `s` (and `+` as space when `plus_is_space`) into `out`.
pub fn percent_decode_into(s: &[u8], plus_is_space: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => match (hex(s.get(i + 1)), hex(s.get(i + 2))) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
}

fn hex(b: Option<&u8>) -> Option<u8> {
    match *b? {
        c @ b'0'..=b'9' => Some(c.wrapping_sub(b'0')),
        c @ b'a'..=b'f' => Some(c - b'a' + 10),
        c @ b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The search engine a host belongs to and the query parameter carrying its search terms.
fn search_param(host: &[u8]) -> Option<&'static [u8]> {
    let h = host.strip_prefix(b"www.").unwrap_or(host);
    let h = h.strip_prefix(b"m.").unwrap_or(h);
    let google = h.starts_with(b"google.") || h.starts_with(b"images.google.");
    let bing = h == b"bing.com" || h.ends_with(b".bing.com");
    let duckduckgo = h == b"duckduckgo.com" || h.ends_with(b".duckduckgo.com");
    if google || bing || duckduckgo {
        Some(b"q")
    } else if h == b"youtube.com" || h == b"music.youtube.com" {
        Some(b"search_query")
    } else if h == b"search.yahoo.com" || h.ends_with(b".search.yahoo.com") {
        Some(b"p")
    } else {
        None
    }
}

/// Writes the decoded web-search terms of a request into `out` and returns whether there were any.
///
/// Google (any country domain), Bing, DuckDuckGo (`q`), YouTube (`search_query`) and Yahoo (`p`).
pub fn search_terms_into(host: &[u8], query: &[u8], out: &mut Vec<u8>) -> bool {
    let mut lower = [0u8; 64];
    let host = host.strip_suffix(b".").unwrap_or(host);
    let host = if host.iter().any(u8::is_ascii_uppercase) && host.len() <= lower.len() {
        for (d, s) in lower.iter_mut().zip(host) {
            *d = s.to_ascii_lowercase();
        }
        &lower[..host.len()]
    } else {
        host
    };
    let Some(param) = search_param(host) else {
        return false;
    };
    for pair in query.split(|&b| b == b'&' || b == b';') {
        let (k, v) = match memchr(b'=', pair) {
            Some(e) => (&pair[..e], &pair[e + 1..]),
            None => continue,
        };
        if k == param && !v.is_empty() {
            let start = out.len();
            percent_decode_into(v, true, out);
            // Collapse the runs of white space that `+` and `%20` leave behind.
            let decoded = out.split_off(start);
            let mut first = true;
            for word in decoded.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()) {
                if !first {
                    out.push(b' ');
                }
                out.extend_from_slice(word);
                first = false;
            }
            return !first;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(u: &str, connect: bool) -> (Option<&str>, Option<&str>, Option<u16>, &str, Option<&str>) {
        let p = split(u.as_bytes(), connect).expect("parts");
        let s = |b: &[u8]| std::str::from_utf8(b).expect("utf8").to_owned().leak() as &str;
        (p.scheme.map(s), p.host.map(s), p.port, s(p.path), p.query.map(s))
    }

    #[test]
    fn split_targets() {
        assert_eq!(
            parts("http://www.bbc.co.uk/news/education?x=1&y=2#frag", false),
            (
                Some("http"),
                Some("www.bbc.co.uk"),
                None,
                "/news/education",
                Some("x=1&y=2")
            )
        );
        assert_eq!(
            parts("www.google.com:443", true),
            (None, Some("www.google.com"), Some(443), "", None)
        );
        assert_eq!(
            parts("[2001:db8::1]:443", true),
            (None, Some("2001:db8::1"), Some(443), "", None)
        );
        assert_eq!(
            parts("http://[2001:db8::2]:8080/a", false),
            (Some("http"), Some("2001:db8::2"), Some(8080), "/a", None)
        );
        assert_eq!(
            parts("https://user:pw@host.example/", false),
            (Some("https"), Some("host.example"), None, "/", None)
        );
        assert_eq!(
            parts("error:invalid-request", false),
            (Some("error"), None, None, "invalid-request", None)
        );
        assert_eq!(
            parts("/index.html?a", false),
            (None, None, None, "/index.html", Some("a"))
        );
        assert_eq!(
            parts("example.com:443", false),
            (None, Some("example.com"), Some(443), "", None)
        );
        assert_eq!(
            parts("http://host.example", false),
            (Some("http"), Some("host.example"), None, "", None)
        );
        assert!(split(b"host:notaport", true).is_none());
    }

    #[test]
    fn decode_and_search_terms() {
        let mut out = Vec::new();
        percent_decode_into(b"SCHOOL%5Cjsmith%zz%", false, &mut out);
        assert_eq!(out, b"SCHOOL\\jsmith%zz%");
        let cases: [(&str, &str, Option<&str>); 8] = [
            (
                "www.google.co.uk",
                "client=firefox&q=how+to+use+a+vpn%3F&oq=x",
                Some("how to use a vpn?"),
            ),
            (
                "www.bing.com",
                "q=proxy%20unblocked++games",
                Some("proxy unblocked games"),
            ),
            ("duckduckgo.com", "t=h_&q=caf%C3%A9", Some("café")),
            ("www.youtube.com", "search_query=minecraft+mods", Some("minecraft mods")),
            ("WWW.Google.com.", "q=caps", Some("caps")),
            ("uk.search.yahoo.com", "p=homework+help&fr=yfp", Some("homework help")),
            ("www.bbc.co.uk", "q=news", None),
            ("www.google.com", "q=", None),
        ];
        for (host, query, want) in cases {
            let mut out = Vec::new();
            let found = search_terms_into(host.as_bytes(), query.as_bytes(), &mut out);
            assert_eq!(
                found.then(|| String::from_utf8(out).expect("utf8")),
                want.map(str::to_owned),
                "{host}?{query}"
            );
        }
    }
}
