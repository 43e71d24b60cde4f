//! Smoothwall Guardian's on-box access log (`/var/log/dansguardian3/access.log`): one JSON
//! object per line, schema `"v":2`.
//!
//! ```text
//! {"blocked":true,"clienthostname":"","clientip":"10.40.20.15","destdomain":"casino.example","groupmap":{"2":"Pupils"},"httpcode":403,"https":false,"method":"GET","respbody":[{"contenttype":"text\/html","disposition":"","size":"2048"}],"ruleid":[{"action":"block","reason":"Gambling"}],"successful":true,"tagset":{"group":{"2":[]},"urlcategory":{"Gambling":[".casino.example"],"KB-Local-Block":[]},"username":{"cn=jsmith,ou=Pupils,dc=kestrelbrook,dc=example":[]}},"time":"1795162502.822145","took":0.0312,"url":"http:\/\/casino.example\/","v":2}
//! ```
//!
//! Fields read: `time` (a string of epoch seconds with microseconds; a number is accepted too),
//! `took` (seconds) → duration, `clientip` (or `clientid`), `clienthostname` → device, `method`,
//! `url` (or `destdomain`), `httpcode` → status, `blocked` → the action, `ruleid[].reason` →
//! reason, `tagset.urlcategory` and `tagset.phrasecategory` keys → category, `tagset.username`
//! key → user, `respbody[].size` → bytes, `respbody[].contenttype` → MIME type,
//! `reqheaders.user-agent` and `referer`.
//!
//! Quirks handled:
//! - `time` is a string; `took` and `respbody[].size` may be strings or numbers.
//! - The user, the categories and the group are the *keys* of nested `tagset` objects whose values
//!   are (often empty) arrays of matching patterns. Several categories are normal (`Gambling`
//!   plus a local copy); they are `;`-joined in the order logged, without repeats.
//! - The user is often an LDAP DN (`cn=…,ou=…,dc=…`), sometimes with a `$1` suffix in the `cn`;
//!   it is kept as logged (canonicalised later).
//! - `httpcode` is 0 for a blocked CONNECT (no response was sent); the status is kept as 0.
//! - `ruleid` is present only when a rule fired; several reasons are joined with `; `.
//! - `blocked` decides the action; a request neither blocked nor `successful` is an error. A rule
//!   action containing `warn` or `coach` on an unblocked request is read as a warning (a guess:
//!   no such line has been seen).
//! - The Yona Smoothwall integration reads categories from `requesttags`; they are read from
//!   there too when present.
//! - JSON escapes (`http:\/\/…`, `\u00e9`) are decoded; strings without escapes are borrowed
//!   from the line, the others copied into the scratch arena.
//! - `clienthostname` is usually empty; `clientid` stands in for a missing `clientip`.
//! - The group (`groupmap`) has no column in the web record and is not read.

use std::borrow::Cow;
use std::fmt;

use bumpalo::Bump;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::url;
use crate::web::{Action, WebRecord};

/// Parses one Guardian JSON line.
pub fn parse<'a>(line: &'a [u8], scratch: &'a Bump) -> Result<WebRecord<'a>, &'static str> {
    let line = crate::lex::trim_spaces(crate::lex::trim_cr(line));
    if line.first() != Some(&b'{') {
        return Err("smoothwall: not a JSON object (the Guardian log has one JSON object per line)");
    }
    let raw: Raw<'a> =
        serde_json::from_slice(line).map_err(|_| "smoothwall: not valid JSON, or a field of the wrong type")?;
    let ts = raw
        .time
        .as_ref()
        .ok_or("smoothwall: no \"time\" field")?
        .epoch_ms()
        .ok_or("smoothwall: \"time\" is not epoch seconds such as \"1518199466.822145\"")?;
    let blocked = raw
        .blocked
        .as_ref()
        .ok_or("smoothwall: no \"blocked\" field")?
        .flag()
        .ok_or("smoothwall: \"blocked\" is not true or false")?;
    let text = |s: &Option<Str<'a>>| s.as_ref().map(|s| s.bytes(scratch)).filter(|b| !b.is_empty());

    let mut r = WebRecord::new(ts);
    r.method = text(&raw.method);
    let dest = text(&raw.destdomain);
    match text(&raw.url) {
        Some(u) => {
            let connect = r.method == Some(b"CONNECT") && memchr::memmem::find(u, b"://").is_none();
            r.url = url::split(u, connect).ok_or("smoothwall: \"url\" is a CONNECT target without a port")?;
            if r.url.host.is_none() {
                r.url.host = dest;
            }
        }
        None => {
            r.url.host = Some(dest.ok_or("smoothwall: no \"url\" or \"destdomain\" field")?);
        }
    }
    r.client = text(&raw.clientip).or_else(|| text(&raw.clientid));
    r.device = text(&raw.clienthostname);
    r.status = match &raw.httpcode {
        None => None,
        Some(v) => Some(
            v.number()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or("smoothwall: \"httpcode\" is not a status code")?,
        ),
    };
    r.duration_ms = raw.took.as_ref().and_then(Val::seconds_ms);

    let tags: Vec<&Tags<'a>> = [&raw.tagset, &raw.requesttags].into_iter().flatten().collect();
    r.user = tags
        .iter()
        .flat_map(|t| t.username.0.iter())
        .map(|n| n.bytes(scratch))
        .find(|n| !n.is_empty());
    let mut cats: Vec<&'a [u8]> = Vec::new();
    let url_cats = tags.iter().flat_map(|t| t.urlcategory.0.iter());
    for c in url_cats.chain(tags.iter().flat_map(|t| t.phrasecategory.0.iter())) {
        let c = c.bytes(scratch);
        if !c.is_empty() && !cats.contains(&c) {
            cats.push(c);
        }
    }
    r.category = match cats.as_slice() {
        [] => None,
        [one] => Some(one),
        many => Some(super::e2guardian_alt::join(many.iter().copied(), b";", scratch)),
    };

    let rules = raw.ruleid.as_deref().unwrap_or_default();
    let reasons: Vec<&'a [u8]> = rules.iter().filter_map(|rule| text(&rule.reason)).collect();
    r.reason = match reasons.as_slice() {
        [] => None,
        [one] => Some(one),
        many => Some(super::e2guardian_alt::join(many.iter().copied(), b"; ", scratch)),
    };
    let warned = rules.iter().filter_map(|rule| text(&rule.action)).any(|a| {
        let a = a.to_ascii_lowercase();
        memchr::memmem::find(&a, b"warn").is_some() || memchr::memmem::find(&a, b"coach").is_some()
    });
    let successful = raw.successful.as_ref().and_then(Val::flag);
    r.action = if blocked {
        Action::Blocked
    } else if warned {
        Action::Warned
    } else if successful == Some(false) {
        Action::Error
    } else {
        Action::Allowed
    };

    let bodies = raw.respbody.as_deref().unwrap_or_default();
    let sizes: Vec<u64> = bodies
        .iter()
        .filter_map(|b| b.size.as_ref().and_then(Val::number))
        .collect();
    r.bytes_in = (!sizes.is_empty()).then(|| sizes.iter().fold(0u64, |a, &s| a.saturating_add(s)));
    r.mime = bodies.iter().find_map(|b| text(&b.contenttype));
    if let Some(h) = &raw.reqheaders {
        r.user_agent = text(&h.user_agent);
        r.referer = text(&h.referer);
    }
    Ok(r)
}

/// The fields of a Guardian line that are read; everything else is skipped.
#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(borrow, default)]
    time: Option<Val<'a>>,
    #[serde(borrow, default)]
    took: Option<Val<'a>>,
    #[serde(borrow, default)]
    clientip: Option<Str<'a>>,
    #[serde(borrow, default)]
    clientid: Option<Str<'a>>,
    #[serde(borrow, default)]
    clienthostname: Option<Str<'a>>,
    #[serde(borrow, default)]
    method: Option<Str<'a>>,
    #[serde(borrow, default)]
    url: Option<Str<'a>>,
    #[serde(borrow, default)]
    destdomain: Option<Str<'a>>,
    #[serde(borrow, default)]
    httpcode: Option<Val<'a>>,
    #[serde(borrow, default)]
    blocked: Option<Val<'a>>,
    #[serde(borrow, default)]
    successful: Option<Val<'a>>,
    #[serde(borrow, default)]
    ruleid: Option<Vec<Rule<'a>>>,
    #[serde(borrow, default)]
    tagset: Option<Tags<'a>>,
    #[serde(borrow, default)]
    requesttags: Option<Tags<'a>>,
    #[serde(borrow, default)]
    reqheaders: Option<Headers<'a>>,
    #[serde(borrow, default)]
    respbody: Option<Vec<Body<'a>>>,
}

/// One fired rule.
#[derive(Deserialize)]
struct Rule<'a> {
    #[serde(borrow, default)]
    action: Option<Str<'a>>,
    #[serde(borrow, default)]
    reason: Option<Str<'a>>,
}

/// The classification results whose keys are read.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Tags<'a> {
    #[serde(borrow)]
    urlcategory: Names<'a>,
    #[serde(borrow)]
    phrasecategory: Names<'a>,
    #[serde(borrow)]
    username: Names<'a>,
}

/// The request headers that are read.
#[derive(Deserialize)]
struct Headers<'a> {
    #[serde(borrow, default, rename = "user-agent", alias = "User-Agent")]
    user_agent: Option<Str<'a>>,
    #[serde(borrow, default, alias = "Referer", alias = "referrer")]
    referer: Option<Str<'a>>,
}

/// One response body part.
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow, default)]
    contenttype: Option<Str<'a>>,
    #[serde(borrow, default)]
    size: Option<Val<'a>>,
}

/// A JSON string, borrowed from the line when it holds no escape.
struct Str<'a>(Cow<'a, str>);

impl<'a> Str<'a> {
    /// The bytes, borrowed from the line or copied into `scratch`.
    fn bytes(&self, scratch: &'a Bump) -> &'a [u8] {
        match &self.0 {
            Cow::Borrowed(s) => s.as_bytes(),
            Cow::Owned(s) => scratch.alloc_str(s).as_bytes(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// A scalar of whatever JSON type the firmware chose; containers are skipped.
enum Val<'a> {
    Str(Cow<'a, str>),
    Float(f64),
    UInt(u64),
    Int(i64),
    Bool(bool),
    Other,
}

impl Val<'_> {
    /// Epoch seconds (string or number) as milliseconds.
    fn epoch_ms(&self) -> Option<i64> {
        match self {
            Val::Str(s) => super::e2guardian_alt::epoch_ms(s.trim().as_bytes()),
            Val::UInt(n) => i64::try_from(*n)
                .ok()
                .filter(|n| *n <= 99_999_999_999)
                .map(|n| n * 1000),
            Val::Float(f) if f.is_finite() && (0.0..1e11).contains(f) => Some((f * 1000.0).round() as i64),
            _ => None,
        }
    }

    /// Seconds (string or number) as whole milliseconds.
    fn seconds_ms(&self) -> Option<u64> {
        let secs = match self {
            Val::Str(s) => s.trim().parse::<f64>().ok()?,
            Val::Float(f) => *f,
            Val::UInt(n) => *n as f64,
            _ => return None,
        };
        (secs.is_finite() && (0.0..1e9).contains(&secs)).then(|| (secs * 1000.0).round() as u64)
    }

    /// A whole non-negative number (string or number).
    fn number(&self) -> Option<u64> {
        match self {
            Val::Str(s) => s.trim().parse().ok(),
            Val::UInt(n) => Some(*n),
            Val::Int(n) => u64::try_from(*n).ok(),
            Val::Float(f) if f.fract() == 0.0 && (0.0..1.8e19).contains(f) => Some(*f as u64),
            _ => None,
        }
    }

    /// A boolean (`true`, `"true"`, `1`).
    fn flag(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            Val::UInt(n) if *n <= 1 => Some(*n == 1),
            Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Val<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<'a>, E> {
                Ok(Val::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<'a>, E> {
                Ok(Val::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Val<'a>, E> {
                Ok(Val::Str(Cow::Owned(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val<'a>, E> {
                Ok(Val::Float(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<'a>, E> {
                Ok(Val::UInt(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<'a>, E> {
                Ok(Val::Int(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val<'a>, E> {
                Ok(Val::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Val<'a>, E> {
                Ok(Val::Other)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Val<'a>, S::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Val::Other)
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Val<'a>, M::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Val::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The names in a `tagset` entry: the keys of an object (`{"Gambling":[".poker.com"]}`), or the
/// strings of an array or a lone string should a firmware write them so.
#[derive(Default)]
struct Names<'a>(Vec<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Names<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Names<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of names")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Names<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<Str<'a>>()? {
                    map.next_value::<IgnoredAny>()?;
                    out.push(k);
                }
                Ok(Names(out))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Names<'a>, S::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Val<'a>>()? {
                    if let Val::Str(s) = v {
                        out.push(Str(s));
                    }
                }
                Ok(Names(out))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Names<'a>, E> {
                Ok(Names(vec![Str(Cow::Borrowed(v))]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Names<'a>, E> {
                Ok(Names(vec![Str(Cow::Owned(v.to_owned()))]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Names<'a>, E> {
                Ok(Names::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three records of the public sample (yonadev/yona-server
    /// `scripts/smoothwall/sample_access.log`), addresses and names made fictional.
    const SAMPLE: [&str; 3] = [
        r#"{"blocked":false,"canpersist":false,"clienthostname":"","clientid":"10.110.0.6","clientip":"10.110.0.6","containsadverts":false,"destdomain":"www.poker.example","groupmap":{"2":"Default Users"},"httpcode":200,"https":false,"method":"GET","mitmed":false,"producerid":"250207969ad143998baf8f505d68d8b4","quotainfo":{"duration":"3600","interval":"600","resettime":"14400"},"reqbody":[],"reqheaders":{"user-agent":"curl\/7.47.0"},"respbody":[{"contenttype":"text\/html","disposition":"","size":"35806"}],"sessionid":61,"successful":true,"tagset":{"Body processors response":{"finished":[]},"Protocol":{"HTTP":[]},"auth":{"finished":[]},"authmethod":{"core":[]},"group":{"2":[]},"localip":{"10.110.0.1":[]},"localport":{"61081":[]},"mimecategory":{"Safe Content Filetypes":["(?i)^text\\\/html$"],"Textual content":["(?i)^text\/.*","(?i)^text\\\/html$"],"Web Content":["(?i)^text\\\/html$"]},"phrasecategory":{"Gambling":[]},"urlcategory":{"Gambling":[".poker.example"],"KS-Gokken":[".poker.example"]},"username":{"cn=534e5330-b505-4244-8937-aaa157f3d0a2,ou=SSL,dc=kestrelbrook,dc=example":[]}},"time":"1518199466.822145","took":0.710718,"transactionid":0,"transparent":true,"url":"http:\/\/www.poker.example\/","v":2,"visibleip":"10.110.0.1"}"#,
        r#"{"blocked":true,"canpersist":false,"clienthostname":"","clientid":"10.110.0.6","clientip":"10.110.0.6","containsadverts":false,"destdomain":"203.0.113.1","groupmap":{"2":"Default Users"},"httpcode":0,"https":true,"method":"CONNECT","mitmed":false,"producerid":"250207969ad143998baf8f505d68d8b4","quotainfo":{"duration":"3600","interval":"600","resettime":"14400"},"reqbody":[],"reqheaders":{},"respbody":[],"ruleid":[{"action":"block","reason":"No servername from client hello"}],"sessionid":62,"successful":false,"tagset":{"Protocol":{"HTTPS":[]},"Request URI":{"Literal IP host":[]},"SNI":{"Missing":[]},"auth":{"finished":[]},"authmethod":{"core":[]},"group":{"2":[]},"localip":{"10.110.0.1":[]},"localport":{"61444":[]},"username":{"cn=534e5330-b505-4244-8937-aaa157f3d0a2,ou=SSL,dc=kestrelbrook,dc=example":[]}},"time":"1518199467.784848","took":0.203426,"transactionid":0,"transparent":true,"url":"https:\/\/203.0.113.1","v":2,"visibleip":"10.110.0.1"}"#,
        r#"{"blocked":false,"canpersist":false,"clienthostname":"","clientid":"10.110.0.6","clientip":"10.110.0.6","containsadverts":false,"destdomain":"www.poker.example","groupmap":{"2":"Default Users"},"httpcode":200,"https":false,"method":"GET","mitmed":false,"producerid":"250207969ad143998baf8f505d68d8b4","quotainfo":{"duration":"3600","interval":"600","resettime":"14400"},"reqbody":[],"reqheaders":{"user-agent":"curl\/7.47.0"},"respbody":[{"contenttype":"text\/html","disposition":"","size":"35806"}],"sessionid":61,"successful":true,"tagset":{"Body processors response":{"finished":[]},"Protocol":{"HTTP":[]},"auth":{"finished":[]},"authmethod":{"core":[]},"group":{"2":[]},"localip":{"10.110.0.1":[]},"localport":{"61081":[]},"mimecategory":{"Safe Content Filetypes":["(?i)^text\\\/html$"],"Textual content":["(?i)^text\/.*","(?i)^text\\\/html$"],"Web Content":["(?i)^text\\\/html$"]},"phrasecategory":{"Gambling":[]},"urlcategory":{"Gambling":[".poker.example"],"KS-Gokken":[".poker.example"]},"username":{"cn=534e5330-b505-4244-8937-aaa157f3d0a2$1,ou=SSL,dc=kestrelbrook,dc=example":[]}},"time":"1518199466.822145","took":0.710718,"transactionid":0,"transparent":true,"url":"http:\/\/www.poker.example\/","v":2,"visibleip":"10.110.0.1"}"#,
    ];

    #[test]
    fn the_public_sample() {
        let bump = Bump::new();
        let r = parse(SAMPLE[0].as_bytes(), &bump).expect("record 1");
        assert_eq!(r.ts, 1_518_199_466_822);
        assert_eq!(r.duration_ms, Some(711));
        assert_eq!(r.action, Action::Allowed);
        assert_eq!(r.url.scheme, Some(&b"http"[..]));
        assert_eq!(r.url.host, Some(&b"www.poker.example"[..]));
        assert_eq!(r.url.path, b"/");
        assert_eq!(r.category, Some(&b"Gambling;KS-Gokken"[..]));
        assert_eq!(
            r.user,
            Some(&b"cn=534e5330-b505-4244-8937-aaa157f3d0a2,ou=SSL,dc=kestrelbrook,dc=example"[..])
        );
        assert_eq!((r.client, r.device), (Some(&b"10.110.0.6"[..]), None));
        assert_eq!((r.status, r.bytes_in), (Some(200), Some(35806)));
        assert_eq!(
            (r.mime, r.user_agent),
            (Some(&b"text/html"[..]), Some(&b"curl/7.47.0"[..]))
        );
        assert_eq!(r.reason, None);
        // Strings without escapes are borrowed from the line, escaped ones copied.
        let line = SAMPLE[0].as_bytes().as_ptr_range();
        assert!(r.client.is_some_and(|c| line.contains(&c.as_ptr())));
        assert!(r.user.is_some_and(|u| line.contains(&u.as_ptr())));
        assert!(r.url.host.is_some_and(|h| !line.contains(&h.as_ptr())));

        let r = parse(SAMPLE[1].as_bytes(), &bump).expect("record 2");
        assert_eq!(r.action, Action::Blocked);
        assert_eq!((r.method, r.status), (Some(&b"CONNECT"[..]), Some(0)));
        assert_eq!(
            (r.url.scheme, r.url.host),
            (Some(&b"https"[..]), Some(&b"203.0.113.1"[..]))
        );
        assert_eq!(r.reason, Some(&b"No servername from client hello"[..]));
        assert_eq!((r.category, r.bytes_in, r.mime), (None, None, None));

        let r = parse(SAMPLE[2].as_bytes(), &bump).expect("record 3");
        assert_eq!(
            r.user,
            Some(&b"cn=534e5330-b505-4244-8937-aaa157f3d0a2$1,ou=SSL,dc=kestrelbrook,dc=example"[..])
        );
    }

    #[test]
    fn variations() {
        let bump = Bump::new();
        type Check = dyn Fn(&WebRecord<'_>);
        let cases: &[(&str, &Check)] = &[
            // Number time, string took, several reasons, phrase-only category, escaped user.
            (
                r#"{"time":1795162502.5,"took":"0.25","blocked":true,"clientip":"10.40.20.15","url":"http://x.example/a","httpcode":"403","ruleid":[{"action":"block","reason":"Gambling"},{"action":"block","reason":"Phrase limit"}],"tagset":{"phrasecategory":{"Gambling":[]},"username":{"KESTREL\\jsmith":[]}}}"#,
                &|r| {
                    assert_eq!((r.ts, r.duration_ms), (1_795_162_502_500, Some(250)));
                    assert_eq!(r.reason, Some(&b"Gambling; Phrase limit"[..]));
                    assert_eq!((r.category, r.status), (Some(&b"Gambling"[..]), Some(403)));
                    assert_eq!(r.user, Some(&br"KESTREL\jsmith"[..]));
                },
            ),
            // No url: destdomain; clientid for a missing clientip; a host name; requesttags.
            (
                r#"{"time":"1795162502","blocked":false,"successful":true,"clientid":"10.40.20.16","clienthostname":"kb-ict1-pc06","destdomain":"news.example","requesttags":{"urlcategory":{"News":[]}},"tagset":{"urlcategory":{"News":[],"Local-Allow":[]}}}"#,
                &|r| {
                    assert_eq!(r.url.host, Some(&b"news.example"[..]));
                    assert_eq!(
                        (r.client, r.device),
                        (Some(&b"10.40.20.16"[..]), Some(&b"kb-ict1-pc06"[..]))
                    );
                    assert_eq!(r.category, Some(&b"News;Local-Allow"[..]));
                    assert_eq!((r.status, r.action), (None, Action::Allowed));
                },
            ),
            // Not blocked, not successful: an error; CONNECT host:port; several bodies; referer.
            (
                r#"{"time":"1795162502.000001","blocked":false,"successful":false,"method":"CONNECT","url":"www.example.com:443","respbody":[{"size":"10","contenttype":""},{"size":5,"contenttype":"text\/plain"}],"reqheaders":{"User-Agent":"Mozilla\/5.0","referer":"https:\/\/search.example\/"}}"#,
                &|r| {
                    assert_eq!(r.action, Action::Error);
                    assert_eq!((r.url.host, r.url.port), (Some(&b"www.example.com"[..]), Some(443)));
                    assert_eq!((r.bytes_in, r.mime), (Some(15), Some(&b"text/plain"[..])));
                    assert_eq!(r.user_agent, Some(&b"Mozilla/5.0"[..]));
                    assert_eq!(r.referer, Some(&b"https://search.example/"[..]));
                },
            ),
            // A warning rule (guessed shape); an empty username key; unicode escape.
            (
                r#"{"time":"1795162502","blocked":false,"url":"http://caf\u00e9.example/","ruleid":[{"action":"warn","reason":"Social media"}],"tagset":{"username":{"":[]},"urlcategory":[]}}"#,
                &|r| {
                    assert_eq!(r.action, Action::Warned);
                    assert_eq!(r.user, None);
                    assert_eq!(r.url.host, Some("café.example".as_bytes()));
                    assert_eq!(r.category, None);
                },
            ),
        ];
        for (line, check) in cases {
            let r = parse(line.as_bytes(), &bump).unwrap_or_else(|e| panic!("{e}: {line}"));
            check(&r);
        }
    }

    #[test]
    fn rejects_with_reasons() {
        let bump = Bump::new();
        for (line, why) in [
            (
                "2026.11.20 08:15:02 - 10.0.0.1 http://x/ - GET 0 0 - 1 200 -",
                "not a JSON object",
            ),
            (
                r#"{"time":"1795162502","blocked":true,"url":"http://x/""#,
                "not valid JSON",
            ),
            (
                r#"{"time":"1795162502","blocked":true,"url":"http://x/"} trailing"#,
                "not valid JSON",
            ),
            (r#"{"blocked":true,"url":"http://x/"}"#, "no \"time\""),
            (
                r#"{"time":"yesterday","blocked":true,"url":"http://x/"}"#,
                "\"time\" is not",
            ),
            (r#"{"time":"1795162502","url":"http://x/"}"#, "no \"blocked\""),
            (
                r#"{"time":"1795162502","blocked":"maybe","url":"http://x/"}"#,
                "\"blocked\" is not",
            ),
            (r#"{"time":"1795162502","blocked":false}"#, "no \"url\""),
            (
                r#"{"time":"1795162502","blocked":false,"url":"http://x/","httpcode":"OK"}"#,
                "httpcode",
            ),
            (
                r#"{"time":"1795162502","blocked":false,"url":"http://x/","tagset":[1,2]}"#,
                "not valid JSON",
            ),
            (
                r#"{"time":"1795162502","blocked":false,"url":"x:y","method":"CONNECT"}"#,
                "CONNECT",
            ),
        ] {
            let e = parse(line.as_bytes(), &bump).expect_err(line);
            assert!(e.contains(why), "{e} / {line}");
        }
    }

    /// Known answers from the sample re-serialised by serde_json (keys and escapes rewritten):
    /// the same record comes back.
    #[test]
    fn round_trip_through_serde_json() {
        let bump = Bump::new();
        for line in SAMPLE {
            let value: serde_json::Value = serde_json::from_str(line).expect("json");
            let again = serde_json::to_string(&value).expect("json");
            let a = parse(line.as_bytes(), &bump).expect("a");
            let b = parse(again.as_bytes(), &bump).expect("b");
            assert_eq!(a, b);
        }
    }

    #[test]
    fn sample_file_parses() {
        let bump = Bump::new();
        let text = include_bytes!("../../tests/data/web/smoothwall-access.log");
        let mut n = 0;
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            parse(line, &bump).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)));
            n += 1;
        }
        assert!((20..=50).contains(&n), "{n} lines");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let bump = Bump::new();
            let _ = parse(&line, &bump);
        }

        #[test]
        fn never_panics_on_json_shapes(time in "[0-9.e+-]{0,24}", took in -1e12f64..1e12, code in proptest::prelude::any::<i64>(), name in "[ -~]{0,12}") {
            let bump = Bump::new();
            let line = serde_json::json!({
                "time": time, "took": took, "httpcode": code, "blocked": code % 2 == 0,
                "url": name, "respbody": [{"size": code}], "tagset": {"urlcategory": {name.clone(): []}, "username": [name]},
            }).to_string();
            let _ = parse(line.as_bytes(), &bump);
        }
    }
}
