//! Reading evidence lines back from the source files, exactly as they are, by byte offset.
//!
//! Plain files are read at the offset; gzip files are decompressed from the start once per
//! request (offsets are in the decompressed text). A source is never written. Bytes that would
//! drive the terminal (escape and other control characters) are shown as visible escapes.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Longest line shown whole; longer ones are cut with a note.
pub const MAX_LINE: usize = 64 * 1024;

/// One evidence line read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset.
    pub offset: u64,
    /// The text, control characters escaped; or why it could not be read.
    pub text: Result<String, String>,
}

/// The printable form of raw bytes: valid UTF-8 kept, invalid bytes as `\xNN`, control
/// characters (ESC, BEL, …; not tab) as `\xNN` too, the line ending dropped.
pub fn printable(raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if (c.is_control() && c != '\t') || is_bidi_control(c) {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else if c == '\t' {
                out.push_str("    ");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Characters that reorder text on screen (right-to-left overrides and isolates), shown
/// escaped so a log line cannot disguise what it says.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from a log made safe for a table cell: control and bidi characters escaped, tabs as
/// a space.
pub fn cell(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => " ".to_owned(),
            c if c.is_control() || is_bidi_control(c) => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Whether the file at `path` starts with gzip's magic bytes.
pub fn is_gzip(path: &Path) -> std::io::Result<bool> {
    let mut f = std::fs::File::open(path)?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

const PAST_END: &str = "past the end of the file: it has been truncated or replaced since it was read";

fn read_line(r: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Err(std::io::Error::other(PAST_END));
    }
    Ok(buf)
}

/// Reads the line at `offset` of a plain file, checking that a line starts there (a file
/// rotated or rewritten since it was read would show another line).
fn read_plain(r: &mut (impl BufRead + Seek), offset: u64) -> std::io::Result<Vec<u8>> {
    if offset > 0 {
        r.seek(SeekFrom::Start(offset - 1))?;
        let mut before = [0u8; 1];
        r.read_exact(&mut before).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => std::io::Error::other(PAST_END),
            _ => e,
        })?;
        if before[0] != b'\n' {
            return Err(std::io::Error::other(
                "no line starts there any more: the file has changed since it was read",
            ));
        }
    } else {
        r.seek(SeekFrom::Start(0))?;
    }
    read_line(r)
}

fn shown(mut buf: Vec<u8>) -> String {
    let cut = buf.len() > MAX_LINE;
    buf.truncate(MAX_LINE);
    let mut s = printable(&buf);
    if cut {
        s.push_str(" … (line cut at 64 KiB)");
    }
    s
}

/// Reads the lines at `refs` (line number, offset) of the file at `path`, in the order given.
pub fn read_lines(path: &Path, refs: &[(u64, u64)]) -> Vec<Line> {
    let fail = |e: String| -> Vec<Line> {
        refs.iter()
            .map(|&(line, offset)| Line {
                line,
                offset,
                text: Err(e.clone()),
            })
            .collect()
    };
    let gz = match is_gzip(path) {
        Ok(g) => g,
        Err(e) => return fail(format!("cannot open {}: {e}", path.display())),
    };
    if !gz {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return fail(format!("cannot open {}: {e}", path.display())),
        };
        let mut r = BufReader::new(file);
        return refs
            .iter()
            .map(|&(line, offset)| Line {
                line,
                offset,
                text: read_plain(&mut r, offset)
                    .map(shown)
                    .map_err(|e| format!("cannot read {} at byte {offset}: {e}", path.display())),
            })
            .collect();
    }
    // gzip: one pass through the decompressed text, in offset order.
    let mut order: Vec<usize> = (0..refs.len()).collect();
    order.sort_by_key(|&i| refs[i].1);
    let mut out: Vec<Option<Line>> = vec![None; refs.len()];
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot open {}: {e}", path.display())),
    };
    let mut r = BufReader::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)));
    let mut at = 0u64;
    let mut last: Option<(u64, Result<String, String>)> = None;
    for i in order {
        let (line, offset) = refs[i];
        if let Some((o, text)) = &last
            && *o == offset
        {
            // The same line asked for twice.
            out[i] = Some(Line {
                line,
                offset,
                text: text.clone(),
            });
            continue;
        }
        let text = (|| -> std::io::Result<String> {
            if offset < at {
                return Err(std::io::Error::other("offsets out of order"));
            }
            std::io::copy(&mut (&mut r).take(offset - at), &mut std::io::sink())?;
            at = offset;
            let buf = read_line(&mut r)?;
            at += buf.len() as u64;
            Ok(shown(buf))
        })()
        .map_err(|e| format!("cannot read {} at byte {offset}: {e}", path.display()));
        last = Some((offset, text.clone()));
        out[i] = Some(Line { line, offset, text });
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn lines_come_back_exactly_from_plain_and_gzip_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = b"first line\nsecond \x1b[31mred\x1b[0m line\nthird\n";
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, text).expect("write");
        let gz = dir.path().join("a.log.gz");
        let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).expect("create"), Default::default());
        enc.write_all(text).expect("gzip");
        enc.finish().expect("finish");
        for path in [&plain, &gz] {
            let got = read_lines(path, &[(3, 36), (1, 0), (2, 11)]);
            let texts: Vec<String> = got.into_iter().map(|l| l.text.expect("read")).collect();
            assert_eq!(
                texts,
                ["third", "first line", "second \\x1b[31mred\\x1b[0m line"],
                "{}",
                path.display()
            );
        }
        let missing = read_lines(&dir.path().join("gone.log"), &[(1, 0)]);
        assert!(missing[0].text.as_ref().is_err_and(|e| e.contains("gone.log")));
    }

    #[test]
    fn a_changed_file_is_noticed_not_misread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.log");
        std::fs::write(&path, b"first line\nsecond line\n").expect("write");
        // Rewritten since it was read: offset 11 is no longer the start of a line.
        std::fs::write(&path, b"a much longer first line\n").expect("rewrite");
        let got = read_lines(&path, &[(2, 11), (9, 400)]);
        assert!(got[0].text.as_ref().is_err_and(|e| e.contains("changed")), "{got:?}");
        assert!(
            got[1].text.as_ref().is_err_and(|e| e.contains("past the end")),
            "{got:?}"
        );
    }

    #[test]
    fn cells_cannot_reorder_or_drive_the_screen() {
        assert_eq!(cell("a\tb"), "a b");
        assert_eq!(cell("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(cell("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(cell("plain"), "plain");
    }

    #[test]
    fn invalid_bytes_are_escaped() {
        assert_eq!(printable(b"caf\xc3\xa9 \xff\r\n"), "café \\xff");
    }
}
