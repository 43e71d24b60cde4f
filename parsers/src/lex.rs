//! Small nom parsers over bytes shared by every format: fields, numbers, padding.

use memchr::memchr;
use nom::error::{Error as NomError, ErrorKind};
use nom::{Err, IResult};

/// A nom error at `i` of kind `kind`.
#[inline]
pub fn fail<T>(i: &[u8], kind: ErrorKind) -> IResult<&[u8], T> {
    Err(Err::Error(NomError::new(i, kind)))
}

/// One non-empty field up to the next space (or the end of the line).
#[inline]
pub fn field(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let end = memchr(b' ', i).unwrap_or(i.len());
    if end == 0 {
        return fail(i, ErrorKind::TakeTill1);
    }
    Ok((&i[end..], &i[..end]))
}

/// One or more spaces (or tabs).
#[inline]
pub fn spaces(i: &[u8]) -> IResult<&[u8], ()> {
    let n = i.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    if n == 0 {
        return fail(i, ErrorKind::Space);
    }
    Ok((&i[n..], ()))
}

/// Zero or more spaces (or tabs).
#[inline]
pub fn opt_spaces(i: &[u8]) -> &[u8] {
    let n = i.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &i[n..]
}

/// An unsigned decimal integer of at most 19 digits.
#[inline]
pub fn uint(i: &[u8]) -> IResult<&[u8], u64> {
    let mut n: u64 = 0;
    let mut len = 0;
    for &b in i.iter().take(19) {
        if !b.is_ascii_digit() {
            break;
        }
        n = n * 10 + u64::from(b - b'0');
        len += 1;
    }
    if len == 0 || (len == 19 && i.get(19).is_some_and(u8::is_ascii_digit)) {
        return fail(i, ErrorKind::Digit);
    }
    Ok((&i[len..], n))
}

/// Exactly `n` decimal digits.
#[inline]
pub fn digits_exact(i: &[u8], n: usize) -> IResult<&[u8], u32> {
    if i.len() < n || !i[..n].iter().all(u8::is_ascii_digit) {
        return fail(i, ErrorKind::Digit);
    }
    let v = i[..n].iter().fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
    Ok((&i[n..], v))
}

/// A fixed byte, as `nom::character::complete::char` but without the UTF-8 decode.
#[inline]
pub fn byte(c: u8) -> impl Fn(&[u8]) -> IResult<&[u8], u8> {
    move |i: &[u8]| match i.first() {
        Some(&b) if b == c => Ok((&i[1..], b)),
        _ => fail(i, ErrorKind::Char),
    }
}

/// A decimal fraction's digits as milliseconds (`.5` → 500, `.123456` → 123), rounding down.
#[inline]
pub fn fraction_ms(digits: &[u8]) -> u32 {
    let mut ms = 0u32;
    for k in 0..3 {
        ms = ms * 10 + digits.get(k).map_or(0, |&d| u32::from(d - b'0'));
    }
    ms
}

/// `-` stands for "no value" in most log formats.
#[inline]
pub fn dash_none(v: &[u8]) -> Option<&[u8]> {
    if v == b"-" || v.is_empty() { None } else { Some(v) }
}

/// Strips one trailing `\r`.
#[inline]
pub fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Strips trailing spaces and tabs.
#[inline]
pub fn trim_end(line: &[u8]) -> &[u8] {
    let n = line.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count();
    &line[..line.len() - n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_numbers() {
        assert_eq!(field(b"abc def").expect("field"), (&b" def"[..], &b"abc"[..]));
        assert!(field(b" x").is_err());
        assert_eq!(uint(b"123x").expect("uint"), (&b"x"[..], 123));
        assert!(uint(b"x").is_err());
        assert!(uint(b"99999999999999999999").is_err());
        assert_eq!(fraction_ms(b"5"), 500);
        assert_eq!(fraction_ms(b"123456"), 123);
        assert_eq!(opt_spaces(b"   x"), b"x");
        assert_eq!(trim_end(b"x  \t"), b"x");
    }
}
