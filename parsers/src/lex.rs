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
    // Eight digits at a time while they last (epoch seconds, byte counts).
    while let Some(v) = i.get(len..len + 8).and_then(eight_digits) {
        if len == 16 {
            break;
        }
        n = n * 100_000_000 + v;
        len += 8;
    }
    while let Some(&b) = i.get(len) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if len == 19 {
            return fail(i, ErrorKind::Digit);
        }
        n = n * 10 + u64::from(d);
        len += 1;
    }
    if len == 0 {
        return fail(i, ErrorKind::Digit);
    }
    Ok((&i[len..], n))
}

/// The value of eight ASCII digits, `None` if any byte is not a digit (SWAR).
#[inline]
fn eight_digits(b: &[u8]) -> Option<u64> {
    let chunk = u64::from_le_bytes(b.try_into().ok()?);
    let high = chunk & 0xF0F0_F0F0_F0F0_F0F0;
    let carry = chunk.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0;
    if high != 0x3030_3030_3030_3030 || carry != 0x3030_3030_3030_3030 {
        return None;
    }
    let mut v = chunk - 0x3030_3030_3030_3030;
    v = v.wrapping_mul(10).wrapping_add(v >> 8);
    v = ((v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601)) >> 16;
    v = ((v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001)) >> 32;
    Some(v)
}

/// Exactly `n` decimal digits.
#[inline]
pub fn digits_exact(i: &[u8], n: usize) -> IResult<&[u8], u32> {
    if i.len() < n || !i[..n].iter().all(u8::is_ascii_digit) {
        return fail(i, ErrorKind::Digit);
    }
    let v = i[..n]
        .iter()
        .fold(0u32, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')));
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

/// Strips spaces and tabs from both ends.
#[inline]
pub fn trim_spaces(s: &[u8]) -> &[u8] {
    let s = opt_spaces(s);
    let n = s.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[..s.len() - n]
}

/// A decimal fraction's digits as milliseconds (`.5` → 500, `.123456` → 123), rounding down; a
/// byte that is not a digit counts as 0 (callers check the digits).
#[inline]
pub fn fraction_ms(digits: &[u8]) -> u32 {
    let mut ms = 0u32;
    for k in 0..3 {
        let d = digits
            .get(k)
            .filter(|d| d.is_ascii_digit())
            .map_or(0, |&d| u32::from(d.wrapping_sub(b'0')));
        ms = ms * 10 + d;
    }
    ms
}

/// An optional fraction of a second after a time (`.123`, `,5`: any digits, read as
/// milliseconds); `None` when the separator has no digits after it.
#[inline]
pub fn fraction(i: &[u8]) -> Option<(&[u8], u32)> {
    match i.first() {
        Some(b'.' | b',') => {
            let digits = i[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            (digits > 0).then(|| (&i[1 + digits..], fraction_ms(&i[1..1 + digits])))
        }
        _ => Some((i, 0)),
    }
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

/// The positions of the spaces in a line, found sixteen bytes at a time with SSE2 (eight at a
/// time elsewhere): cheaper than a search restarted after every hit when fields are short.
pub struct SpaceIter<'a> {
    line: &'a [u8],
    /// Start of the block whose space bits are in `bits`.
    base: usize,
    bits: u64,
}

/// Bytes examined per block.
#[cfg(target_arch = "x86_64")]
const BLOCK: usize = 16;
#[cfg(not(target_arch = "x86_64"))]
const BLOCK: usize = 8;

impl<'a> SpaceIter<'a> {
    /// Iterates over the spaces of `line`.
    #[inline]
    pub fn new(line: &'a [u8]) -> Self {
        let mut it = SpaceIter { line, base: 0, bits: 0 };
        it.bits = it.block_bits(0);
        it
    }

    /// One bit per space byte of the block at `at` (bit i for byte at + i).
    #[inline]
    fn block_bits(&self, at: usize) -> u64 {
        let mut buf = [0u8; BLOCK];
        let block: &[u8; BLOCK] = match self.line.get(at..at + BLOCK) {
            Some(b) => b.try_into().unwrap_or(&buf),
            None => {
                let tail = self.line.get(at..).unwrap_or(&[]);
                buf[..tail.len()].copy_from_slice(tail);
                &buf
            }
        };
        spaces_in(block)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn spaces_in(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: SSE2 is part of the x86_64 baseline; the load reads exactly the 16 bytes of
    // `block` and tolerates any alignment.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let eq = _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8));
        u64::from(_mm_movemask_epi8(eq) as u32 & 0xFFFF)
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn spaces_in(block: &[u8; BLOCK]) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = u64::from_le_bytes(*block) ^ 0x2020_2020_2020_2020;
    // Exact per-byte zero test: the top bit of a byte is set iff that byte of x is zero.
    let top = !(((x & LOW7) + LOW7) | x | LOW7);
    // Gather the top bits into bits 0..8.
    (0..8).fold(0, |acc, i| acc | (((top >> (i * 8 + 7)) & 1) << i))
}

impl Iterator for SpaceIter<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        loop {
            if self.bits != 0 {
                let i = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                return Some(self.base + i);
            }
            self.base += BLOCK;
            if self.base >= self.line.len() {
                return None;
            }
            self.bits = self.block_bits(self.base);
        }
    }
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
        assert_eq!(
            uint(b"9999999999999999999").expect("19 digits").1,
            9_999_999_999_999_999_999
        );
        for n in [0u64, 7, 12_345_678, 123_456_789, 1_795_159_800, 18_446_744_073_709_551] {
            let text = format!("{n} rest");
            assert_eq!(uint(text.as_bytes()).expect("uint"), (&b" rest"[..], n));
        }
        assert_eq!(uint(b"1234567/9").expect("uint"), (&b"/9"[..], 1_234_567));
        assert_eq!(fraction_ms(b"5"), 500);
        assert_eq!(fraction_ms(b"123456"), 123);
        assert_eq!(fraction_ms(b"1\x002"), 102);
        assert_eq!(opt_spaces(b"   x"), b"x");
        assert_eq!(trim_spaces(b" \tx y  "), b"x y");
        assert_eq!(trim_spaces(b"   "), b"");
    }

    #[test]
    fn space_positions_match_a_naive_scan() {
        let lines: [&[u8]; 6] = [
            b"",
            b" ",
            b"a b  c",
            b"no-spaces-here-at-all",
            b"        ",
            b"\xff \x80\xa0 x y z 1 2 3 4 5 6 7 8 9 0 ",
        ];
        for line in lines {
            let want: Vec<usize> = line
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b' ')
                .map(|(i, _)| i)
                .collect();
            assert_eq!(SpaceIter::new(line).collect::<Vec<_>>(), want, "{line:?}");
        }
    }
}
