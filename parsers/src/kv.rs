//! `key=value` records as FortiGate, Sophos and many appliances log them: values bare or in double
//! quotes (which may hold spaces and `\"`), keys in any order, empty values allowed (`key=` or
//! `key=""`).

/// Iterates over the `key=value` pairs of a line; text that is not a pair is skipped.
pub struct Pairs<'a> {
    rest: &'a [u8],
}

/// Splits a line into pairs.
pub fn pairs(line: &[u8]) -> Pairs<'_> {
    Pairs { rest: line }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let start = self.rest.iter().position(|&b| b != b' ' && b != b'\t')?;
            let s = &self.rest[start..];
            let token_end = s.iter().position(|&b| b == b'=' || b == b' ').unwrap_or(s.len());
            if s.get(token_end) != Some(&b'=') {
                self.rest = &s[token_end..];
                continue;
            }
            let key = &s[..token_end];
            let after = &s[token_end + 1..];
            let (value, rest) = if let Some(body) = after.strip_prefix(b"\"") {
                let mut k = 0;
                loop {
                    match body.get(k) {
                        None => break (body, &body[body.len()..]),
                        Some(b'\\') => k += 2,
                        Some(b'"') => break (&body[..k], &body[k + 1..]),
                        Some(_) => k += 1,
                    }
                }
            } else {
                let end = after.iter().position(|&b| b == b' ').unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            self.rest = rest;
            if !key.is_empty() {
                return Some((key, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_bare_empty_and_escaped_values() {
        let got: Vec<(String, String)> = pairs(
            br#"date=2026-11-20 logid="0000000013" dstcountry="United States" a= b="" msg="say \"hi\"" junk x=1"#,
        )
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect();
        let want: Vec<(String, String)> = [
            ("date", "2026-11-20"),
            ("logid", "0000000013"),
            ("dstcountry", "United States"),
            ("a", ""),
            ("b", ""),
            ("msg", r#"say \"hi\""#),
            ("x", "1"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(pairs(br#"k="unterminated"#).count(), 1);
    }
}
