//! Safeguarding keyword lists: PREVENT focus terms and other terms a DSL must hear of, matched
//! in search terms, web addresses and mail subjects. Matching is case-insensitive, on word
//! boundaries, after folding common disguises: leetspeak digits and symbols (`3xtr3m1st`),
//! separators (`self-harm`, `self_harm`, `self.harm`) and run-together words (`selfharm`). A
//! term ending in `*` matches words that start with it.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::findings::Severity;

/// A built-in list: its name (the rule is `keyword.<name>`), severity and terms.
pub struct BuiltIn {
    /// The list's name.
    pub name: &'static str,
    /// Its default severity.
    pub severity: Severity,
    /// Its terms.
    pub terms: &'static [&'static str],
}

/// vigil's built-in lists. They are deliberately short, specific phrases (a DSL reviews every
/// match); schools add their own files through the policy.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        name: "prevent",
        severity: Severity::Critical,
        terms: &[
            "extremist*",
            "extremism",
            "radicalis*",
            "radicaliz*",
            "jihad*",
            "isis",
            "daesh",
            "caliphate",
            "far right",
            "white power",
            "white genocide",
            "great replacement",
            "race war",
            "ethnic cleansing",
            "national action",
            "atomwaffen",
            "sonnenkrieg",
            "combat 18",
            "blood and honour",
            "siege culture",
            "accelerationis*",
            "make a bomb",
            "making a bomb",
            "bomb making",
            "pipe bomb",
            "build a bomb",
            "how to make explosives",
            "homemade explosives",
            "martyrdom operation",
            "kill infidels",
            "beheading video*",
            "terrorist manual",
            "mujahideen",
            "nazi propaganda",
            "1488",
            "14 words",
        ],
    },
    BuiltIn {
        name: "self-harm",
        severity: Severity::Critical,
        terms: &[
            "self harm",
            "self harming",
            "cut myself",
            "cutting myself",
            "kill myself",
            "killing myself",
            "end my life",
            "want to die",
            "how to die",
            "suicide method*",
            "ways to commit suicide",
            "suicidal",
            "hang myself",
            "overdose on",
            "painless death",
            "pro ana",
            "thinspo*",
            "pro mia",
            "starve myself",
            "nobody would miss me",
        ],
    },
    BuiltIn {
        name: "exploitation",
        severity: Severity::High,
        terms: &[
            "send nudes",
            "nudes for",
            "sugar daddy",
            "meet older men",
            "sexting",
            "sextortion",
            "onlyfans leak*",
            "age play",
            "secret boyfriend",
        ],
    },
    BuiltIn {
        name: "weapons",
        severity: Severity::High,
        terms: &[
            "zombie knife",
            "buy a knife",
            "buy knives",
            "machete for sale",
            "3d printed gun",
            "how to make a gun",
            "buy a gun",
            "ghost gun",
            "knuckle duster",
        ],
    },
    BuiltIn {
        name: "drugs",
        severity: Severity::Medium,
        terms: &[
            "buy weed",
            "buy cannabis",
            "buy cocaine",
            "buy mdma",
            "buy ketamine",
            "how to get weed",
            "thc vape",
            "nitrous oxide balloons",
            "xanax without prescription",
            "spice drug",
        ],
    },
    BuiltIn {
        name: "bullying",
        severity: Severity::Medium,
        terms: &[
            "kys",
            "go kill yourself",
            "everyone hates you",
            "ugly fat",
            "beat him up after school",
        ],
    },
];

/// Folds text for matching: lower case, leetspeak undone, every run of non-alphanumerics one
/// space, padded with a space at each end so that word boundaries are spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::new();
    fold_into(text, true, &mut out);
    out
}

/// Folds text into `out` (cleared first), undoing leetspeak when `leet`.
fn fold_into(text: &str, leet: bool, out: &mut String) {
    out.clear();
    out.push(' ');
    if text.is_ascii() {
        // The common case (addresses, most searches): a byte table, no char decoding.
        let table = if leet { &FOLD_LEET } else { &FOLD_PLAIN };
        let mut bytes = std::mem::take(out).into_bytes();
        for &b in text.as_bytes() {
            let f = table[usize::from(b)];
            if f != b' ' || bytes.last() != Some(&b' ') {
                bytes.push(f);
            }
        }
        if bytes.last() != Some(&b' ') {
            bytes.push(b' ');
        }
        // Only ASCII bytes were written.
        *out = String::from_utf8(bytes).unwrap_or_default();
        return;
    }
    for c in text.chars() {
        let c = match c.to_ascii_lowercase() {
            '0' if leet => 'o',
            '1' if leet => 'i',
            '3' if leet => 'e',
            '4' | '@' if leet => 'a',
            '5' | '$' if leet => 's',
            '7' if leet => 't',
            c => c,
        };
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
}

/// ASCII folding: letters lower-cased, digits kept, everything else a space.
const FOLD_PLAIN: [u8; 256] = fold_table(false);
/// ASCII folding with leetspeak undone (`0`→o, `1`→i, `3`→e, `4`/`@`→a, `5`/`$`→s, `7`→t).
const FOLD_LEET: [u8; 256] = fold_table(true);

const fn fold_table(leet: bool) -> [u8; 256] {
    let mut t = [b' '; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            b' '
        };
        b += 1;
    }
    if leet {
        t[b'0' as usize] = b'o';
        t[b'1' as usize] = b'i';
        t[b'3' as usize] = b'e';
        t[b'4' as usize] = b'a';
        t[b'@' as usize] = b'a';
        t[b'5' as usize] = b's';
        t[b'$' as usize] = b's';
        t[b'7' as usize] = b't';
    }
    t
}

/// Folds a term as text is folded, but keeps digits as digits when the whole term is a number
/// or a code (`1488`, `combat 18`), and matches those against text folded without leetspeak.
fn fold_term(term: &str) -> String {
    fold(term).trim().to_owned()
}

/// One term of a list, as matched.
#[derive(Debug, Clone)]
struct Term {
    list: usize,
    /// The term as written.
    written: String,
}

/// A list in a compiled set.
#[derive(Debug, Clone)]
pub struct List {
    /// Its name (`prevent`, `self-harm`, `custom`, …).
    pub name: String,
    /// The rule its matches are reported under.
    pub rule: &'static str,
    /// Severity of its matches.
    pub severity: Severity,
}

/// A match of a term in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the list in [`KeywordSet::lists`].
    pub list: usize,
    /// The term as written in its list.
    pub term: String,
}

/// Every list, compiled into one automaton.
#[derive(Debug, Clone)]
pub struct KeywordSet {
    /// The lists.
    pub lists: Vec<List>,
    terms: Vec<Term>,
    /// Patterns matched against leetspeak-folded text, and against text with digits kept.
    leet: Option<AhoCorasick>,
    plain: Option<AhoCorasick>,
    /// The term of each pattern of `leet` and of `plain`.
    ids: (Vec<usize>, Vec<usize>),
}

/// The rule of a list's matches.
pub fn rule_of(list: &str) -> &'static str {
    match list {
        "prevent" => "keyword.prevent",
        "self-harm" => "keyword.self-harm",
        "exploitation" => "keyword.exploitation",
        "weapons" => "keyword.weapons",
        "drugs" => "keyword.drugs",
        "bullying" => "keyword.bullying",
        _ => "keyword.custom",
    }
}

/// Folds text without undoing leetspeak (for terms with digits).
fn fold_plain(text: &str) -> String {
    let mut out = String::new();
    fold_into(text, false, &mut out);
    out
}

thread_local! {
    /// A buffer per thread for folded text, so that scanning millions of addresses allocates
    /// nothing per address.
    static FOLDED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

impl KeywordSet {
    /// Compiles lists of `(name, severity, terms)`; a term's `*` suffix makes it a prefix.
    /// Fails only when the terms are too many for one automaton.
    pub fn new(lists: Vec<(String, Severity, Vec<String>)>) -> Result<KeywordSet, String> {
        let mut out_lists = Vec::new();
        let mut terms = Vec::new();
        let mut leet_patterns = Vec::new();
        let mut plain_patterns = Vec::new();
        let mut leet_ids = Vec::new();
        let mut plain_ids = Vec::new();
        for (i, (name, severity, list)) in lists.into_iter().enumerate() {
            out_lists.push(List {
                rule: rule_of(&name),
                name,
                severity,
            });
            for written in list {
                let prefix = written.ends_with('*');
                let body = written.trim_end_matches('*');
                let has_digit = body.chars().any(|c| c.is_ascii_digit());
                let folded = if has_digit {
                    fold_plain(body).trim().to_owned()
                } else {
                    fold_term(body)
                };
                if folded.is_empty() {
                    continue;
                }
                let id = terms.len();
                terms.push(Term {
                    list: i,
                    written: written.clone(),
                });
                // Word boundaries: a leading space always; a trailing one unless a prefix.
                let pattern = if prefix {
                    format!(" {folded}")
                } else {
                    format!(" {folded} ")
                };
                let joined = (!prefix && folded.contains(' ')).then(|| format!(" {} ", folded.replace(' ', "")));
                if has_digit {
                    plain_patterns.push(pattern);
                    plain_ids.push(id);
                } else {
                    leet_patterns.push(pattern);
                    leet_ids.push(id);
                    if let Some(j) = joined {
                        leet_patterns.push(j);
                        leet_ids.push(id);
                    }
                }
            }
        }
        let build = |p: &[String]| AhoCorasick::builder().match_kind(MatchKind::Standard).build(p);
        let too_many = |e: aho_corasick::BuildError| format!("the keyword lists are too large to compile: {e}");
        let leet = (!leet_patterns.is_empty())
            .then(|| build(&leet_patterns).map_err(too_many))
            .transpose()?;
        let plain = (!plain_patterns.is_empty())
            .then(|| build(&plain_patterns).map_err(too_many))
            .transpose()?;
        Ok(KeywordSet {
            lists: out_lists,
            terms,
            leet,
            plain,
            ids: (leet_ids, plain_ids),
        })
    }

    /// A set with no lists.
    pub fn empty() -> KeywordSet {
        KeywordSet {
            lists: Vec::new(),
            terms: Vec::new(),
            leet: None,
            plain: None,
            ids: (Vec::new(), Vec::new()),
        }
    }

    /// Every distinct term of every list found in `text`.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        let mut push = |term: usize| {
            let t = &self.terms[term];
            if !hits.iter().any(|h| h.term == t.written && h.list == t.list) {
                hits.push(Hit {
                    list: t.list,
                    term: t.written.clone(),
                });
            }
        };
        FOLDED.with_borrow_mut(|folded| {
            if let Some(leet) = &self.leet {
                fold_into(text, true, folded);
                for m in leet.find_overlapping_iter(folded.as_str()) {
                    push(self.ids.0[m.pattern().as_usize()]);
                }
            }
            if let Some(plain) = &self.plain {
                fold_into(text, false, folded);
                for m in plain.find_overlapping_iter(folded.as_str()) {
                    push(self.ids.1[m.pattern().as_usize()]);
                }
            }
        });
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> KeywordSet {
        KeywordSet::new(
            BUILT_IN
                .iter()
                .map(|b| {
                    (
                        b.name.to_owned(),
                        b.severity,
                        b.terms.iter().map(|t| t.to_string()).collect(),
                    )
                })
                .collect(),
        )
        .expect("built-in lists compile")
    }

    fn lists(text: &str) -> Vec<String> {
        let s = set();
        s.find(text)
            .iter()
            .map(|h| format!("{}:{}", s.lists[h.list].name, h.term))
            .collect()
    }

    #[test]
    fn ascii_folding_by_table_matches_folding_by_char() {
        for text in [
            "",
            "a",
            "Self-Harm!!",
            "q=3xtr3m1st+recruitment&x=1",
            "  $$ 0@7 ",
            "/wiki/World_War_I",
            "a\tb",
        ] {
            for leet in [true, false] {
                let mut by_table = String::new();
                fold_into(text, leet, &mut by_table);
                // The same text with a non-ASCII character appended takes the char path.
                let mut by_char = String::new();
                fold_into(&format!("{text}\u{e9}"), leet, &mut by_char);
                let by_char = by_char.trim_end().trim_end_matches('\u{e9}').trim_end().to_owned() + " ";
                let by_char = if by_char.trim().is_empty() {
                    " ".to_owned()
                } else {
                    by_char
                };
                let expect = if by_table.trim().is_empty() {
                    " ".to_owned()
                } else {
                    by_table.clone()
                };
                assert_eq!(expect, by_char, "{text:?} leet={leet}");
            }
        }
    }

    #[test]
    fn terms_match_on_word_boundaries_whatever_the_disguise() {
        assert_eq!(lists("extremist recruitment videos"), ["prevent:extremist*"]);
        assert_eq!(lists("EXTREMISTS near me"), ["prevent:extremist*"]);
        assert_eq!(lists("3xtr3m1st"), ["prevent:extremist*"]);
        assert_eq!(lists("far+right+rally+near+me"), ["prevent:far right"]);
        assert_eq!(
            lists("ways to self-harm without anyone knowing"),
            ["self-harm:self harm"]
        );
        assert_eq!(lists("selfharm"), ["self-harm:self harm"]);
        assert_eq!(lists("self_harming"), ["self-harm:self harming"]);
        assert_eq!(lists("1488 flag"), ["prevent:1488"]);
        assert!(lists("crisis in the caribbean").is_empty(), "isis inside a word");
        assert!(lists("photosynthesis equation").is_empty());
        assert!(lists("causes of ww1").is_empty());
        assert!(lists("far away rightly").is_empty());
        assert!(lists("safeguarding training").is_empty());
    }
}
