//! The `/` filter: words of free text and `field:value` terms, all of which a row must match.
//!
//! `user:jsmith` (exactly, case ignored), `rule:bypass.*` (a glob; `rule:bypass` takes the whole
//! family), `severity:high+` (high or above), `host:tiktok` (contains), `-kind:identity` (not),
//! `"two words"` (quoted text).

use vigil_queries::findings::Severity;

/// How one term compares a value.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Equal, case ignored.
    Exact(String),
    /// Contains, case ignored.
    Contains(String),
    /// A glob pattern over the lower-cased value.
    Glob(glob::Pattern),
    /// A severity at least this high.
    AtLeast(Severity),
}

impl Matcher {
    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(v) => value.eq_ignore_ascii_case(v),
            Matcher::Contains(v) => contains_ignore_case(value, v),
            Matcher::Glob(p) => p.matches(&value.to_ascii_lowercase()),
            Matcher::AtLeast(s) => Severity::parse(value).is_some_and(|v| v.at_least(*s)),
        }
    }
}

/// Whether `hay` contains `needle` (lower-case ASCII), ASCII case ignored.
pub fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// One term of a filter.
#[derive(Debug, Clone)]
pub struct Term {
    /// The field (`None` for free text).
    pub field: Option<&'static str>,
    /// How values are compared.
    pub matcher: Matcher,
    /// The row must not match.
    pub negate: bool,
}

/// A parsed filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// As typed.
    pub text: String,
    /// Every term must hold.
    pub terms: Vec<Term>,
}

/// The fields a list can be filtered on, and whether each compares exactly (else contains).
pub struct Fields(pub &'static [(&'static str, Compare)]);

/// How a field compares values when no wildcard is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Equal.
    Exact,
    /// Contains.
    Contains,
    /// A rule name: equal, or the family before the dot.
    Rule,
    /// A severity: equal, or `high+` for at least.
    Severity,
}

/// Fields of finding lists.
pub const FINDING_FIELDS: Fields = Fields(&[
    ("user", Compare::Exact),
    ("device", Compare::Exact),
    ("ip", Compare::Exact),
    ("rule", Compare::Rule),
    ("severity", Compare::Severity),
    ("about", Compare::Contains),
    ("summary", Compare::Contains),
    ("reviewed", Compare::Exact),
]);

/// Fields of event lists.
pub const EVENT_FIELDS: Fields = Fields(&[
    ("user", Compare::Exact),
    ("device", Compare::Exact),
    ("ip", Compare::Exact),
    ("kind", Compare::Exact),
    ("action", Compare::Exact),
    ("host", Compare::Contains),
    ("detail", Compare::Contains),
]);

/// Other names for fields.
const ALIASES: [(&str, &str); 6] = [
    ("who", "user"),
    ("person", "user"),
    ("sev", "severity"),
    ("target", "host"),
    ("to", "host"),
    ("text", "detail"),
];

fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl Filter {
    /// Parses `text` for a list with these fields; an unknown field or bad value is an error
    /// naming it and the fields there are.
    pub fn parse(text: &str, fields: &Fields) -> Result<Filter, String> {
        let mut terms = Vec::new();
        for tok in tokens(text) {
            let (negate, tok) = match tok.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest.to_owned()),
                _ => (false, tok),
            };
            let split = tok
                .split_once(':')
                .filter(|(f, v)| !f.is_empty() && !v.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()));
            let Some((name, value)) = split else {
                terms.push(Term {
                    field: None,
                    matcher: Matcher::Contains(tok.to_ascii_lowercase()),
                    negate,
                });
                continue;
            };
            let name = name.to_ascii_lowercase();
            let name = ALIASES
                .iter()
                .find(|(a, _)| *a == name)
                .map_or(name.as_str(), |(_, f)| f);
            let Some(&(field, compare)) = fields.0.iter().find(|(f, _)| *f == name) else {
                let names: Vec<&str> = fields.0.iter().map(|(f, _)| *f).collect();
                return Err(format!("no field `{name}` here (fields: {})", names.join(", ")));
            };
            let lower = value.to_ascii_lowercase();
            let matcher = if lower.contains(['*', '?', '[']) {
                Matcher::Glob(glob::Pattern::new(&lower).map_err(|e| format!("`{value}` is not a pattern: {e}"))?)
            } else {
                match compare {
                    Compare::Exact => Matcher::Exact(lower),
                    Compare::Contains => Matcher::Contains(lower),
                    Compare::Rule if lower.contains('.') => Matcher::Exact(lower),
                    Compare::Rule => {
                        Matcher::Glob(glob::Pattern::new(&format!("{lower}.*")).map_err(|e| format!("`{value}`: {e}"))?)
                    }
                    Compare::Severity => {
                        let (name, at_least) = match lower.strip_suffix('+') {
                            Some(n) => (n, true),
                            None => (lower.as_str(), false),
                        };
                        let Some(sev) = Severity::parse(name) else {
                            return Err(format!(
                                "`{value}` is not a severity (critical, high, medium, low, info; `high+` for at least)"
                            ));
                        };
                        if at_least {
                            Matcher::AtLeast(sev)
                        } else {
                            Matcher::Exact(name.to_owned())
                        }
                    }
                }
            };
            terms.push(Term {
                field: Some(field),
                matcher,
                negate,
            });
        }
        Ok(Filter {
            text: text.to_owned(),
            terms,
        })
    }

    /// Whether there is nothing to filter on.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a row matches, given how to read its fields: `value(Some(field))` for a field's
    /// values, `value(None)` for every text free words are looked for in.
    pub fn matches<'a>(&self, value: impl Fn(Option<&str>) -> Vec<&'a str>) -> bool {
        self.terms.iter().all(|t| {
            let hit = value(t.field).iter().any(|v| t.matcher.matches(v));
            hit != t.negate
        })
    }

    /// The free words, for `n`/`N`.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter_map(|t| match (&t.field, &t.matcher, t.negate) {
                (None, Matcher::Contains(w), false) => Some(w.as_str()),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(field: Option<&str>) -> Vec<&'a str> {
        match field {
            Some("user") => vec!["jsmith"],
            Some("rule") => vec!["bypass.vpn-port"],
            Some("severity") => vec!["high"],
            Some("summary") => vec!["VPN to NordVPN from LAB-PC-04"],
            None => vec!["jsmith", "bypass.vpn-port", "VPN to NordVPN from LAB-PC-04"],
            _ => vec![],
        }
    }

    fn holds(text: &str) -> bool {
        Filter::parse(text, &FINDING_FIELDS).expect("parses").matches(row)
    }

    #[test]
    fn terms_match_as_documented() {
        assert!(holds("user:jsmith"));
        assert!(holds("user:JSMITH"));
        assert!(!holds("user:jsmit"));
        assert!(holds("user:js*"));
        assert!(holds("rule:bypass.*"));
        assert!(holds("rule:bypass"));
        assert!(!holds("rule:breach"));
        assert!(holds("severity:high"));
        assert!(holds("severity:medium+"));
        assert!(!holds("severity:critical+"));
        assert!(holds("nordvpn lab-pc"));
        assert!(holds("\"from lab\""));
        assert!(!holds("-user:jsmith"));
        assert!(holds("-rule:breach"));
        assert!(holds(""));
    }

    #[test]
    fn unknown_fields_and_bad_values_are_explained() {
        let e = Filter::parse("colour:red", &FINDING_FIELDS).expect_err("unknown");
        assert!(e.contains("no field `colour`") && e.contains("severity"), "{e}");
        let e = Filter::parse("severity:urgent", &FINDING_FIELDS).expect_err("bad");
        assert!(e.contains("not a severity"), "{e}");
        // A colon inside a word that is not a field name is text (an IPv6 address, a time).
        assert!(Filter::parse("10:30", &FINDING_FIELDS).is_ok());
    }
}
