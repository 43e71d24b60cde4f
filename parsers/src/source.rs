//! One log file as vigil reads it: memory-mapped when it is a regular uncompressed file, else a
//! stream (gzip, pipes, files that cannot be mapped), cut into line-aligned segments.
//!
//! Source logs are only ever opened read-only; nothing here writes, moves or locks them.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use memmap2::{Mmap, MmapOptions};

use crate::guard::MapGuard;
use crate::{Error, Result};

/// A line longer than this is rejected (it is not a log line), and the stream reader refuses to
/// buffer a "line" longer than [`MAX_BUFFERED_LINE`].
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// The longest run without a newline the stream reader will hold in memory.
pub const MAX_BUFFERED_LINE: usize = 256 << 20;
/// Size of the segments a stream is cut into.
pub const SEGMENT_BYTES: usize = 16 << 20;

/// How a file's bytes are stored on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (one or more members), recognised by its magic bytes whatever the name.
    Gzip,
}

/// How a file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 or ASCII (or anything byte-oriented).
    Utf8,
    /// UTF-16, little-endian (Windows exports), with or without a byte-order mark.
    Utf16Le,
    /// UTF-16, big-endian, with a byte-order mark.
    Utf16Be,
}

impl TextEncoding {
    /// Recognises UTF-16 from a file's first bytes: a byte-order mark, or ASCII text with every
    /// other byte zero.
    pub fn detect(head: &[u8]) -> TextEncoding {
        match head {
            [0xFF, 0xFE, ..] => TextEncoding::Utf16Le,
            [0xFE, 0xFF, ..] => TextEncoding::Utf16Be,
            [a, 0, b, 0, ..] if *a != 0 && *b != 0 && a.is_ascii() && b.is_ascii() => TextEncoding::Utf16Le,
            _ => TextEncoding::Utf8,
        }
    }
}

/// What vigil recorded about a file when it opened it.
#[derive(Debug, Clone)]
pub struct SourceMeta {
    /// The path as given or found.
    pub path: PathBuf,
    /// Size on disk when opened.
    pub size: u64,
    /// Modification time when opened.
    pub mtime: Option<SystemTime>,
    /// Compression.
    pub compression: Compression,
    /// Text encoding (UTF-16 is transcoded to UTF-8 while read; offsets then count UTF-8 bytes).
    pub encoding: TextEncoding,
}

/// A read-only memory map of a file's first `len` bytes, protected against truncation.
pub struct MappedFile {
    guard: Option<MapGuard>,
    map: Mmap,
}

impl MappedFile {
    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Whether the file shrank under the map while it was read (the bytes past the new end then
    /// read as zeros; the caller must not trust what it parsed).
    pub fn truncated(&self) -> bool {
        self.guard.as_ref().is_some_and(MapGuard::truncated)
    }
}

impl std::fmt::Debug for MappedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedFile").field("len", &self.map.len()).finish()
    }
}

/// How the bytes will be delivered.
pub enum Body {
    /// The whole file at once.
    Mapped(MappedFile),
    /// A stream to be cut into segments.
    Stream(SegmentReader),
}

/// An opened source.
pub struct Source {
    /// What was recorded at open.
    pub meta: SourceMeta,
    /// The bytes.
    pub body: Body,
}

impl Source {
    /// Opens `path` read-only, mapping it when it is a non-empty regular uncompressed file.
    pub fn open(path: &Path) -> Result<Source> {
        Self::open_with(path, true)
    }

    /// Opens `path` read-only as a stream, never mapping it.
    pub fn open_stream(path: &Path) -> Result<Source> {
        Self::open_with(path, false)
    }

    /// Opens `path` read-only; maps it only when `allow_map` and it is a non-empty regular
    /// uncompressed file.
    pub fn open_with(path: &Path, allow_map: bool) -> Result<Source> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let md = file.metadata().map_err(|e| Error::io(path, e))?;
        if md.is_dir() {
            return Err(Error::io(path, std::io::Error::other("is a directory")));
        }
        let mut magic = [0u8; 4];
        let got = read_prefix(&mut file, &mut magic).map_err(|e| Error::io(path, e))?;
        let compression = if got >= 2 && magic[..2] == [0x1f, 0x8b] {
            Compression::Gzip
        } else {
            Compression::None
        };
        let encoding = match compression {
            Compression::None => TextEncoding::detect(&magic[..got]),
            Compression::Gzip => TextEncoding::Utf8,
        };
        let meta = SourceMeta {
            path: path.to_path_buf(),
            size: md.len(),
            mtime: md.modified().ok(),
            compression,
            encoding,
        };
        let mapped = match (compression, encoding) {
            (Compression::None, TextEncoding::Utf8) if allow_map && md.is_file() && md.len() > 0 => {
                map_file(&file, md.len())
            }
            _ => None,
        };
        let body = match mapped {
            Some(m) => Body::Mapped(m),
            None => {
                // Rewind the handle already open; a pipe cannot rewind, so the bytes read to look
                // for the gzip magic go back in front of it.
                let rewound: Box<dyn Read + Send> = match file.seek(SeekFrom::Start(0)) {
                    Ok(_) => Box::new(file),
                    Err(_) => Box::new(std::io::Cursor::new(magic[..got].to_vec()).chain(file)),
                };
                match compression {
                    Compression::Gzip => {
                        let decoder = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, rewound));
                        Body::Stream(SegmentReader::new(path, Box::new(decoder), true, None))
                    }
                    Compression::None if encoding != TextEncoding::Utf8 => {
                        // The size limit applies to the UTF-16 bytes, before transcoding.
                        let limited: Box<dyn Read + Send> = match md.is_file() {
                            true => Box::new(rewound.take(md.len())),
                            false => rewound,
                        };
                        let big_endian = encoding == TextEncoding::Utf16Be;
                        let reader = Utf16Reader::new(BufReader::with_capacity(1 << 20, limited), big_endian);
                        Body::Stream(SegmentReader::new(path, Box::new(reader), false, None))
                    }
                    Compression::None => {
                        let limit = md.is_file().then_some(md.len());
                        Body::Stream(SegmentReader::new(path, rewound, false, limit))
                    }
                }
            }
        };
        Ok(Source { meta, body })
    }
}

/// Transcodes a UTF-16 stream to UTF-8, dropping a byte-order mark and replacing unpaired
/// surrogates with U+FFFD.
struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner,
            big_endian,
            raw: Vec::new(),
            out: Vec::new(),
            pos: 0,
            started: false,
            eof: false,
        }
    }

    /// Decodes the next block into `out`; false at end of stream.
    fn fill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            if self.eof && self.raw.len() < 2 {
                return Ok(false);
            }
            if !self.eof {
                let start = self.raw.len();
                self.raw.resize(start + (64 << 10), 0);
                let n = loop {
                    match self.inner.read(&mut self.raw[start..]) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            self.raw.truncate(start);
                            return Err(e);
                        }
                    }
                };
                self.raw.truncate(start + n);
                self.eof = n == 0;
            }
            let units: Vec<u16> = self
                .raw
                .chunks_exact(2)
                .map(|p| {
                    if self.big_endian {
                        u16::from_be_bytes([p[0], p[1]])
                    } else {
                        u16::from_le_bytes([p[0], p[1]])
                    }
                })
                .collect();
            // Keep a trailing high surrogate (and an odd byte) for the next block.
            let mut take = units.len();
            if !self.eof && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
                take -= 1;
            }
            let consumed = take * 2;
            for ch in char::decode_utf16(units[..take].iter().copied()) {
                let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
                if !self.started {
                    self.started = true;
                    if ch == '\u{FEFF}' {
                        continue;
                    }
                }
                let mut buf = [0u8; 4];
                self.out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            self.raw.drain(..consumed);
            if self.eof && !self.raw.is_empty() && take == units.len() {
                // An odd final byte cannot be a character.
                self.raw.clear();
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn read_prefix(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn map_file(file: &File, len: u64) -> Option<MappedFile> {
    let len = usize::try_from(len).ok()?;
    // SAFETY: the map is read-only and private to this process. Another process may append to or
    // truncate the file while it is mapped: appends past `len` are not visible (only `len` bytes
    // are mapped), and a truncation is caught by the SIGBUS guard registered below, which turns
    // the vanished pages into zeros and flags the map so the caller re-reads the file.
    let map = unsafe { MmapOptions::new().len(len).map(file) }.ok()?;
    let guard = MapGuard::register(map.as_ptr(), map.len());
    guard.as_ref()?;
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(MappedFile { guard, map })
}

/// A line-aligned piece of a stream.
#[derive(Debug)]
pub struct Segment {
    /// Whole lines (the last may lack its newline at end of stream).
    pub data: Vec<u8>,
    /// Offset of `data[0]` in the (decompressed) stream.
    pub offset: u64,
}

/// Cuts a byte stream into segments that end on line boundaries.
pub struct SegmentReader {
    path: PathBuf,
    inner: Box<dyn Read + Send>,
    gzip: bool,
    remaining: Option<u64>,
    carry: Vec<u8>,
    offset: u64,
    done: bool,
    /// An error met after some data was read: reported after that data is handed out.
    pending: Option<Error>,
    /// Bytes of an unterminated last line left unread because the file was still growing.
    pub held_back: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl SegmentReader {
    /// Wraps `inner`; `limit` caps how many bytes are read (the size seen at open).
    pub fn new(path: &Path, inner: Box<dyn Read + Send>, gzip: bool, limit: Option<u64>) -> Self {
        SegmentReader {
            path: path.to_path_buf(),
            inner,
            gzip,
            remaining: limit,
            carry: Vec::new(),
            offset: 0,
            done: false,
            pending: None,
            held_back: std::sync::Arc::default(),
        }
    }

    /// The next segment, `None` at end of stream.
    pub fn next_segment(&mut self) -> Result<Option<Segment>> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        buf.reserve(SEGMENT_BYTES + (1 << 16));
        loop {
            let want = match self.remaining {
                Some(0) => 0,
                Some(r) => (SEGMENT_BYTES as u64).min(r) as usize,
                None => SEGMENT_BYTES,
            };
            let start = buf.len();
            let n = if want == 0 {
                0
            } else {
                buf.resize(start + want, 0);
                let n = loop {
                    match self.inner.read(&mut buf[start..]) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            buf.truncate(start);
                            self.done = true;
                            let err = if self.gzip {
                                Error::Gzip {
                                    path: self.path.clone(),
                                    offset: self.offset + start as u64,
                                    source: e,
                                }
                            } else {
                                Error::io(&self.path, e)
                            };
                            if buf.is_empty() {
                                return Err(err);
                            }
                            // Hand out what was read first; its last line may be cut short and
                            // is then rejected like any other malformed line.
                            self.pending = Some(err);
                            return Ok(Some(self.emit(buf)));
                        }
                    }
                };
                buf.truncate(start + n);
                n
            };
            if let Some(r) = self.remaining.as_mut() {
                *r -= n as u64;
            }
            if n == 0 {
                self.done = true;
                // Stopped at the size seen at open while the file kept growing: an unterminated
                // last line is still being written, so it is left for the next run.
                if self.remaining == Some(0)
                    && buf.last().is_some_and(|&b| b != b'\n')
                    && std::fs::metadata(&self.path).is_ok_and(|md| md.len() > self.offset + buf.len() as u64)
                {
                    let keep = memchr::memrchr(b'\n', &buf).map_or(0, |nl| nl + 1);
                    self.held_back
                        .store((buf.len() - keep) as u64, std::sync::atomic::Ordering::Relaxed);
                    buf.truncate(keep);
                }
                if buf.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.emit(buf)));
            }
            if buf.len() >= SEGMENT_BYTES {
                if let Some(nl) = memchr::memrchr(b'\n', &buf) {
                    self.carry = buf[nl + 1..].to_vec();
                    buf.truncate(nl + 1);
                    return Ok(Some(self.emit(buf)));
                }
                if buf.len() > MAX_BUFFERED_LINE {
                    self.done = true;
                    return Err(Error::io(
                        &self.path,
                        std::io::Error::other(format!(
                            "no line break in {} MiB at offset {}: not a line-oriented log",
                            buf.len() >> 20,
                            self.offset
                        )),
                    ));
                }
            }
        }
    }

    fn emit(&mut self, data: Vec<u8>) -> Segment {
        let seg = Segment {
            offset: self.offset,
            data,
        };
        self.offset += seg.data.len() as u64;
        seg
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn segments_end_on_newlines_and_keep_offsets() {
        let mut text = Vec::new();
        let mut n = 0;
        while text.len() < SEGMENT_BYTES * 2 + 100 {
            writeln!(text, "line {n} with some padding to make it longer than a few bytes").expect("write");
            n += 1;
        }
        text.extend_from_slice(b"last line without newline");
        let mut reader = SegmentReader::new(
            Path::new("mem"),
            Box::new(std::io::Cursor::new(text.clone())),
            false,
            None,
        );
        let mut joined = Vec::new();
        while let Some(seg) = reader.next_segment().expect("segment") {
            assert_eq!(seg.offset as usize, joined.len());
            joined.extend_from_slice(&seg.data);
            if joined.len() < text.len() {
                assert_eq!(seg.data.last(), Some(&b'\n'));
            }
        }
        assert_eq!(joined, text);
    }

    #[test]
    fn utf16_is_transcoded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "Date,User\r\n20/11/2026,jsmith \u{1F600} caf\u{e9}\r\n";
        for (name, bom, be) in [("le-bom", true, false), ("le", false, false), ("be-bom", true, true)] {
            let mut bytes = Vec::new();
            let units = if bom {
                "\u{FEFF}".encode_utf16().chain(text.encode_utf16()).collect::<Vec<_>>()
            } else {
                text.encode_utf16().collect()
            };
            for u in units {
                bytes.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).expect("write");
            let src = Source::open(&path).expect("open");
            assert_ne!(src.meta.encoding, TextEncoding::Utf8, "{name}");
            let Body::Stream(mut r) = src.body else {
                panic!("UTF-16 must stream")
            };
            let mut got = Vec::new();
            while let Some(seg) = r.next_segment().expect("segment") {
                got.extend(seg.data);
            }
            assert_eq!(String::from_utf8(got).expect("utf8"), text, "{name}");
        }
    }

    #[test]
    fn gzip_is_recognised_by_magic_not_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log.1");
        let mut enc = flate2::write::GzEncoder::new(File::create(&path).expect("create"), flate2::Compression::fast());
        enc.write_all(b"a\nb\n").expect("write");
        enc.finish().expect("finish");
        let src = Source::open(&path).expect("open");
        assert_eq!(src.meta.compression, Compression::Gzip);
        let Body::Stream(mut r) = src.body else {
            panic!("gzip must stream")
        };
        assert_eq!(r.next_segment().expect("seg").expect("some").data, b"a\nb\n");
    }
}
