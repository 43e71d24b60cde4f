//! Canonical user names.
//!
//! Logs name the same person as `SCHOOL\jsmith`, `SCHOOL%5Cjsmith` (Squid URL-encodes),
//! `jsmith@school.example`, `cn=jsmith,ou=Staff,dc=school,dc=example` or `JSmith`. vigil keys
//! people by one canonical form: the bare account name in lower case. The original spelling is
//! kept in the `user_raw` column.

/// Writes the canonical form of `raw` into `out` (cleared first).
pub fn canonical_into(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut decoded = Vec::new();
    let mut s = raw;
    if memchr::memchr(b'%', s).is_some() {
        crate::url::percent_decode_into(s, false, &mut decoded);
        s = &decoded;
    }
    let s = trim_quotes(s);
    let s = if let Some(value) = dn_leaf(s) {
        value
    } else if let Some(slash) = s.iter().rposition(|&b| b == b'\\') {
        &s[slash + 1..]
    } else if let Some(at) = s.iter().rposition(|&b| b == b'@') {
        if at > 0 { &s[..at] } else { s }
    } else {
        s
    };
    out.extend(s.iter().map(u8::to_ascii_lowercase));
}

fn trim_quotes(s: &[u8]) -> &[u8] {
    s.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\"")).unwrap_or(s)
}

/// The value of the first RDN of an LDAP DN (`cn=jsmith,ou=…` → `jsmith`).
fn dn_leaf(s: &[u8]) -> Option<&[u8]> {
    let eq = memchr::memchr(b'=', s)?;
    let key = &s[..eq];
    if !(key.eq_ignore_ascii_case(b"cn") || key.eq_ignore_ascii_case(b"uid")) {
        return None;
    }
    let rest = &s[eq + 1..];
    let mut end = rest.len();
    let mut k = 0;
    while k < rest.len() {
        match rest[k] {
            b'\\' => k += 1,
            b',' => {
                end = k;
                break;
            }
            _ => {}
        }
        k += 1;
    }
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let cases = [
            ("jsmith", "jsmith"),
            ("JSmith", "jsmith"),
            ("SCHOOL\\jsmith", "jsmith"),
            ("SCHOOL%5Cjsmith", "jsmith"),
            ("SCHOOL%5cJSmith", "jsmith"),
            ("jsmith@school.example", "jsmith"),
            ("jsmith%40school.example", "jsmith"),
            ("cn=jsmith,ou=Staff,dc=school,dc=example", "jsmith"),
            ("CN=Smith\\, John,OU=Staff", "smith\\, john"),
            ("\"quoted\"", "quoted"),
            ("PC-LIB-04$", "pc-lib-04$"),
            ("@odd", "@odd"),
        ];
        for (raw, want) in cases {
            let mut out = Vec::new();
            canonical_into(raw.as_bytes(), &mut out);
            assert_eq!(String::from_utf8(out).expect("utf8"), want, "{raw}");
        }
    }
}
