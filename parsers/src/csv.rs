//! Comma- (or tab-, or semicolon-) separated records on one line each, as report exports and
//! Windows services write them, and header rows mapped onto the fields a format needs.
//!
//! Fields are borrowed from the line; a quoted field holding doubled quotes (`"say ""hi"""`) is
//! unescaped into a per-chunk scratch arena. A record whose quoted field runs past the end of the
//! line (a field with a line break) is refused with a reason rather than joined to the next line.

use bumpalo::Bump;

/// Why a CSV line could not be split.
pub const UNTERMINATED: &str = "unterminated quoted field (a field with a line break is not supported)";

/// Splits `line` into fields separated by `delimiter`, appending them to `out` (which is cleared).
pub fn split<'a>(
    line: &'a [u8],
    delimiter: u8,
    scratch: &'a Bump,
    out: &mut Vec<&'a [u8]>,
) -> Result<(), &'static str> {
    out.clear();
    let mut rest = line;
    loop {
        let lead = rest.iter().take_while(|&&b| b == b' ').count();
        if rest.get(lead) == Some(&b'"') {
            let body = &rest[lead + 1..];
            let mut k = 0;
            let mut escaped = false;
            let end = loop {
                match body.get(k) {
                    None => return Err(UNTERMINATED),
                    Some(b'"') if body.get(k + 1) == Some(&b'"') => {
                        escaped = true;
                        k += 2;
                    }
                    Some(b'"') => break k,
                    Some(_) => k += 1,
                }
            };
            let raw = &body[..end];
            out.push(if escaped { unescape(raw, scratch) } else { raw });
            let after = &body[end + 1..];
            let after = &after[after.iter().take_while(|&&b| b == b' ').count()..];
            match after.first() {
                None => return Ok(()),
                Some(&d) if d == delimiter => rest = &after[1..],
                Some(_) => return Err("text after a closing quote in a CSV field"),
            }
        } else {
            match memchr::memchr(delimiter, rest) {
                Some(i) => {
                    out.push(&rest[..i]);
                    rest = &rest[i + 1..];
                }
                None => {
                    out.push(rest);
                    return Ok(());
                }
            }
        }
    }
}

fn unescape<'a>(raw: &[u8], scratch: &'a Bump) -> &'a [u8] {
    let mut v = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        v.push(raw[i]);
        i += if raw[i] == b'"' && raw.get(i + 1) == Some(&b'"') {
            2
        } else {
            1
        };
    }
    scratch.alloc_slice_copy(&v)
}

/// A header row: the delimiter and the column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The field separator.
    pub delimiter: u8,
    /// Column names as written (quotes removed, surrounding spaces trimmed).
    pub names: Vec<String>,
    /// The names as compared ([`fold`]ed), computed once.
    folded: Vec<String>,
}

impl Header {
    /// Reads a header row, picking the delimiter (`,`, tab or `;`) that splits it into the most
    /// columns outside quotes; `None` for a line with fewer than two columns.
    pub fn parse(line: &[u8]) -> Option<Header> {
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let delimiter = [b',', b'\t', b';']
            .into_iter()
            .max_by_key(|&d| count_outside_quotes(line, d))?;
        let scratch = Bump::new();
        let mut fields = Vec::new();
        split(line, delimiter, &scratch, &mut fields).ok()?;
        if fields.len() < 2 {
            return None;
        }
        let names: Vec<String> = fields
            .iter()
            .map(|f| String::from_utf8_lossy(crate::lex::trim_spaces(f)).into_owned())
            .collect();
        Some(Header::new(delimiter, names))
    }

    /// A header of these column names.
    pub fn new(delimiter: u8, names: Vec<String>) -> Header {
        let folded = names.iter().map(|n| fold(n)).collect();
        Header {
            delimiter,
            names,
            folded,
        }
    }

    /// The index of the first column whose name matches one of `aliases`, compared without case,
    /// spaces, underscores, hyphens or dots (`Client IP`, `client_ip` and `ClientIP` are one name).
    pub fn find(&self, aliases: &[&str]) -> Option<usize> {
        aliases.iter().find_map(|a| {
            let want = fold(a);
            self.folded.iter().position(|n| *n == want)
        })
    }

    /// Maps each field a format wants (a list of accepted names per field) to a column index.
    pub fn map(&self, fields: &[&[&str]]) -> Columns {
        Columns {
            delimiter: self.delimiter,
            width: self.names.len(),
            index: fields.iter().map(|aliases| self.find(aliases)).collect(),
        }
    }
}

/// Column names compared loosely: lower case, without spaces, `_`, `-` or `.`.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn count_outside_quotes(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    line.iter()
        .filter(|&&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            !quoted && b == d
        })
        .count()
}

/// Where each wanted field sits in a record, from a [`Header`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The field separator.
    pub delimiter: u8,
    /// How many columns the header has.
    pub width: usize,
    /// For each wanted field (in the order asked for), its column, if the header has it.
    pub index: Vec<Option<usize>>,
}

impl Columns {
    /// The value of wanted field `field` in a split record; `None` when the header lacks the
    /// column, the record is short, or the value is empty.
    pub fn get<'a>(&self, record: &[&'a [u8]], field: usize) -> Option<&'a [u8]> {
        let i = (*self.index.get(field)?)?;
        record
            .get(i)
            .map(|v| crate::lex::trim_spaces(v))
            .filter(|v| !v.is_empty())
    }

    /// Whether wanted field `field` has a column.
    pub fn has(&self, field: usize) -> bool {
        self.index.get(field).is_some_and(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &[u8], d: u8) -> Result<Vec<Vec<u8>>, &'static str> {
        let bump = Bump::new();
        let mut out = Vec::new();
        split(line, d, &bump, &mut out)?;
        Ok(out.iter().map(|f| f.to_vec()).collect())
    }

    #[test]
    fn splits_quoted_and_bare_fields() {
        type Case<'a> = (&'a [u8], u8, &'a [&'a [u8]]);
        let cases: &[Case] = &[
            (b"a,b,c", b',', &[b"a", b"b", b"c"]),
            (b"a,,c,", b',', &[b"a", b"", b"c", b""]),
            (br#""a,1","b""q""",c"#, b',', &[b"a,1", b"b\"q\"", b"c"]),
            (br#""","x""#, b',', &[b"", b"x"]),
            (br#""""",x"#, b',', &[b"\"", b"x"]),
            (b"a\tb c\t", b'\t', &[b"a", b"b c", b""]),
            (br#" "spaced" , b"#, b',', &[b"spaced", b" b"]),
            (b"", b',', &[b""]),
        ];
        for (line, d, want) in cases {
            let got = fields(line, *d).expect("splits");
            let want: Vec<Vec<u8>> = want.iter().map(|w| w.to_vec()).collect();
            assert_eq!(got, want, "{}", String::from_utf8_lossy(line));
        }
        assert_eq!(fields(br#"a,"open"#, b','), Err(UNTERMINATED));
        assert!(fields(br#""a"b,c"#, b',').is_err());
    }

    #[test]
    fn headers_pick_the_delimiter_and_map_loosely() {
        let h = Header::parse(b"\xEF\xBB\xBF\"Date\",\"Client IP\",\"User Name\",\"URL\"").expect("header");
        assert_eq!(h.delimiter, b',');
        assert_eq!(h.names, ["Date", "Client IP", "User Name", "URL"]);
        let cols = h.map(&[
            &["timestamp", "date"],
            &["clientip"],
            &["user_name", "username"],
            &["category"],
        ]);
        assert_eq!(cols.index, vec![Some(0), Some(1), Some(2), None]);
        let h = Header::parse(b"ID\tDate\tTime\tDescription").expect("tabs");
        assert_eq!(h.delimiter, b'\t');
        assert!(Header::parse(b"just one column").is_none());
        let bump = Bump::new();
        let mut rec = Vec::new();
        split(b"2026-11-20, 10.0.0.1 ,,x", b',', &bump, &mut rec).expect("splits");
        assert_eq!(cols.get(&rec, 1), Some(&b"10.0.0.1"[..]));
        assert_eq!(cols.get(&rec, 2), None);
        assert_eq!(cols.get(&rec, 3), None);
    }
}
