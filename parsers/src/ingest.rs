//! The ingest engine: sources → line-aligned chunks → parallel parsing → one columnar table.
//!
//! Each source is read in file order. A mapped file is cut into chunks of whole lines; a stream is
//! cut into segments by a reader thread while the previous segment is parsed. Chunks are parsed
//! in parallel on rayon's pool, each into its own [`WebBatch`] with its own dictionaries, and the
//! results are kept in file order. Line numbers come from a prefix sum of per-chunk line counts;
//! byte offsets are exact. Afterwards the chunk dictionaries are merged and ids remapped in
//! parallel, and ambiguous local times are settled in file order.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use chrono_tz::Tz;
use memchr::memchr;
use rayon::prelude::*;

use crate::formats::{self, Format, Sniffed};
use crate::intern::Dict;
use crate::lex::trim_cr;
use crate::source::{Body, MAX_LINE_BYTES, Source};
use crate::time::{TimeContext, TimestampMs, pick_in_file_order};
use crate::web::{WebBatch, WebColumn, WebColumns};
use crate::{Error, Result, discover};

/// Size of one parsing chunk for `len` bytes of input: about sixteen chunks per worker thread,
/// between 1 and 16 MiB. Each chunk costs a dictionary merge and becomes one arrow chunk, so
/// large inputs get large chunks; sixteen per thread keeps the threads evenly loaded.
fn chunk_bytes(len: usize) -> usize {
    (len / (rayon::current_num_threads() * 16)).clamp(1 << 20, 16 << 20)
}
/// How much of a file's start is sampled to recognise its format.
const SNIFF_BYTES: usize = 256 << 10;
/// How many lines are sampled to recognise a format.
const SNIFF_LINES: usize = 64;

/// What to read and how.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The format of every source, or `None` to recognise each one.
    pub format: Option<Format>,
    /// The school's time zone for local time stamps.
    pub tz: Tz,
    /// The columns to keep.
    pub columns: WebColumns,
    /// How many rejected lines are kept in detail per source (all are counted).
    pub max_rejects_kept: usize,
    /// Memory-map regular files (off: read them, for file systems where mapping misbehaves).
    pub mmap: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            tz: crate::time::DEFAULT_TZ,
            columns: WebColumns::all(),
            max_rejects_kept: 100_000,
            mmap: true,
        }
    }
}

/// A line that did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line's start.
    pub offset: u64,
    /// Why it was rejected.
    pub reason: &'static str,
}

/// What happened to one source.
#[derive(Debug, Clone)]
pub struct SourceReport {
    /// Index of the source in this ingest (the `source` column).
    pub id: u32,
    /// The file.
    pub path: PathBuf,
    /// Size on disk when opened.
    pub size: u64,
    /// Modification time when opened.
    pub mtime: Option<SystemTime>,
    /// Whether it was gzip-compressed.
    pub compressed: bool,
    /// The format used, if one was chosen.
    pub format: Option<Format>,
    /// How the format was recognised (absent when forced).
    pub sniffed: Option<Sniffed>,
    /// Bytes of text read (decompressed).
    pub bytes: u64,
    /// Lines read: `parsed + rejected + blank`.
    pub lines: u64,
    /// Lines that became records.
    pub parsed: u64,
    /// Lines that did not parse.
    pub rejected: u64,
    /// Empty or all-white-space lines.
    pub blank: u64,
    /// Earliest record time.
    pub first_ts: Option<TimestampMs>,
    /// Latest record time.
    pub last_ts: Option<TimestampMs>,
    /// The first rejected lines, in file order.
    pub rejects: Vec<Reject>,
    /// Rejected lines counted but not kept in `rejects`.
    pub rejects_not_kept: u64,
    /// Problems that stopped the source being read completely.
    pub error: Option<String>,
    /// Why a file found in a directory or by a glob was not read (it is not a recognised log).
    pub skipped: Option<String>,
    /// Things the user should know (file changed while read, …).
    pub warnings: Vec<String>,
    /// Wall time spent on this source.
    pub seconds: f64,
}

impl SourceReport {
    fn new(id: u32, path: &Path) -> Self {
        SourceReport {
            id,
            path: path.to_path_buf(),
            size: 0,
            mtime: None,
            compressed: false,
            format: None,
            sniffed: None,
            bytes: 0,
            lines: 0,
            parsed: 0,
            rejected: 0,
            blank: 0,
            first_ts: None,
            last_ts: None,
            rejects: Vec::new(),
            rejects_not_kept: 0,
            error: None,
            skipped: None,
            warnings: Vec::new(),
            seconds: 0.0,
        }
    }
}

/// All web records of an ingest: batches in source and file order with shared dictionaries.
#[derive(Debug)]
pub struct WebTable {
    /// The kept columns.
    pub columns: WebColumns,
    /// Batches in order; their own dictionaries are empty once merged.
    pub batches: Vec<WebBatch>,
    /// The source id of each batch.
    pub batch_source: Vec<u32>,
    /// Merged dictionaries of the dictionary-encoded columns that were kept.
    pub dicts: Vec<(WebColumn, Dict)>,
}

impl WebTable {
    /// Total rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.rows).sum()
    }

    /// The merged dictionary of `column`.
    pub fn dict(&self, column: WebColumn) -> Option<&Dict> {
        self.dicts.iter().find(|(c, _)| *c == column).map(|(_, d)| d)
    }
}

/// The result of an ingest.
#[derive(Debug)]
pub struct Ingest {
    /// One report per source, in reading order.
    pub sources: Vec<SourceReport>,
    /// The records.
    pub web: WebTable,
    /// Wall time.
    pub seconds: f64,
}

impl Ingest {
    /// Sums over every source.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.sources {
            t.lines += s.lines;
            t.parsed += s.parsed;
            t.rejected += s.rejected;
            t.blank += s.blank;
            t.bytes += s.bytes;
        }
        t.seconds = self.seconds;
        t
    }
}

/// Totals over an ingest.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub struct Totals {
    pub lines: u64,
    pub parsed: u64,
    pub rejected: u64,
    pub blank: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// Expands `inputs` (files, directories, globs) and reads every source.
///
/// Fails only when the inputs cannot be expanded (a missing path, an empty glob); a source that
/// cannot be read or recognised is reported in its [`SourceReport::error`] and the rest are read.
pub fn ingest(inputs: &[PathBuf], opts: &IngestOptions) -> Result<Ingest> {
    let found = discover::expand(inputs)?;
    Ok(ingest_files(&found, opts))
}

/// Reads exactly these files, in this order.
pub fn ingest_files(found: &[discover::Found], opts: &IngestOptions) -> Ingest {
    let started = Instant::now();
    let mut sources = Vec::with_capacity(found.len());
    let mut batches = Vec::new();
    let mut batch_source = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let (report, mut got) = read_source(id, &f.path, f.explicit, opts);
        batch_source.extend(std::iter::repeat_n(id, got.len()));
        batches.append(&mut got);
        sources.push(report);
    }
    let dicts = merge_dictionaries(&mut batches, opts.columns);
    Ingest {
        sources,
        web: WebTable {
            columns: opts.columns,
            batches,
            batch_source,
            dicts,
        },
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Parses an in-memory buffer of whole lines as one source would be, in parallel on the current
/// rayon pool; for benchmarks, fuzzing and tests.
pub fn parse_buffer(data: &[u8], format: Format, opts: &IngestOptions) -> (SourceReport, Vec<WebBatch>) {
    let mut run = SourceRun {
        opts,
        explicit: true,
        ctx: TimeContext::new(opts.tz, None),
        format: Some(format),
        report: SourceReport::new(0, Path::new("<memory>")),
        batches: Vec::new(),
    };
    run.parse_segment(data, 0);
    run.finish();
    (run.report, run.batches)
}

/// Parsing state of one source.
struct SourceRun<'o> {
    opts: &'o IngestOptions,
    explicit: bool,
    ctx: TimeContext,
    format: Option<Format>,
    report: SourceReport,
    batches: Vec<WebBatch>,
}

fn read_source(id: u32, path: &Path, explicit: bool, opts: &IngestOptions) -> (SourceReport, Vec<WebBatch>) {
    let started = Instant::now();
    let mut report = SourceReport::new(id, path);
    let source = match Source::open_with(path, opts.mmap) {
        Ok(s) => s,
        Err(e) => {
            report.error = Some(e.to_string());
            return (report, Vec::new());
        }
    };
    report.size = source.meta.size;
    report.mtime = source.meta.mtime;
    report.compressed = source.meta.compression == crate::source::Compression::Gzip;
    let mut run = SourceRun {
        opts,
        explicit,
        ctx: TimeContext::new(opts.tz, source.meta.mtime),
        format: opts.format,
        report,
        batches: Vec::new(),
    };
    match source.body {
        Body::Mapped(map) => {
            let bytes = map.bytes();
            run.choose_format(&bytes[..bytes.len().min(SNIFF_BYTES)]);
            // A live log's last line may still be being written: when the file has grown since
            // it was opened, an unterminated last line is left for the next run.
            let grown = std::fs::metadata(path).is_ok_and(|md| md.len() > run.report.size);
            let whole_lines = match bytes.last() {
                Some(b'\n') | None => bytes,
                Some(_) if grown => &bytes[..memchr::memrchr(b'\n', bytes).map_or(0, |nl| nl + 1)],
                Some(_) => bytes,
            };
            if run.report.skipped.is_none() {
                run.parse_segment(whole_lines, 0);
            }
            let now = std::fs::metadata(path).map(|md| md.len()).ok();
            if map.truncated() || now.is_some_and(|n| n < run.report.size) {
                drop(map);
                // The file shrank under the map: what was read may be zeros or new content.
                // Start again from what is there now, as a stream.
                let mut again = SourceRun {
                    opts,
                    explicit,
                    ctx: run.ctx,
                    format: opts.format,
                    report: SourceReport::new(id, path),
                    batches: Vec::new(),
                };
                again.report.warnings.push(
                    "the file was truncated while being read (log rotation with copytruncate?); \
                     it was read again from the start"
                        .to_owned(),
                );
                match Source::open_stream(path) {
                    Ok(Source {
                        meta,
                        body: Body::Stream(reader),
                    }) => {
                        again.report.size = meta.size;
                        again.report.mtime = meta.mtime;
                        again.read_stream(reader);
                    }
                    Ok(_) => {}
                    Err(e) => again.report.error = Some(e.to_string()),
                }
                run = again;
            } else if run.report.skipped.is_some() {
                run.report.seconds = started.elapsed().as_secs_f64();
                return (run.report, Vec::new());
            } else {
                let held = bytes.len() - whole_lines.len();
                if held > 0 {
                    run.report.warnings.push(format!(
                        "the last line ({held} bytes) was still being written; it was left for the next run"
                    ));
                }
                if let Some(n) = now.filter(|&n| n > run.report.size) {
                    run.report.warnings.push(format!(
                        "the file grew by {} bytes while being read; run again to include them",
                        n - run.report.size
                    ));
                }
            }
        }
        Body::Stream(reader) => run.read_stream(reader),
    }
    run.finish();
    run.report.seconds = started.elapsed().as_secs_f64();
    (run.report, run.batches)
}

impl SourceRun<'_> {
    fn choose_format(&mut self, head: &[u8]) {
        if self.format.is_some() || self.report.error.is_some() {
            return;
        }
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let sample: Vec<&[u8]> = head
            .split(|&b| b == b'\n')
            .map(trim_cr)
            .filter(|l| !is_blank(l))
            .take(SNIFF_LINES)
            .collect();
        // A sample cut mid-line at SNIFF_BYTES would count its last line as a miss.
        let sample = if head.len() == SNIFF_BYTES && sample.len() > 1 {
            &sample[..sample.len() - 1]
        } else {
            &sample[..]
        };
        if sample.is_empty() {
            return;
        }
        match formats::sniff(sample, &self.ctx) {
            Ok(s) => {
                self.format = Some(s.format);
                self.report.sniffed = Some(s);
            }
            Err(detail) if !self.explicit => self.report.skipped = Some(detail),
            Err(detail) => {
                self.report.error = Some(
                    Error::UnknownFormat {
                        path: self.report.path.clone(),
                        detail,
                    }
                    .to_string(),
                );
            }
        }
    }

    fn read_stream(&mut self, reader: crate::source::SegmentReader) {
        let held = std::sync::Arc::clone(&reader.held_back);
        self.read_segments(reader);
        let held = held.load(std::sync::atomic::Ordering::Relaxed);
        if held > 0 {
            self.report.warnings.push(format!(
                "the last line ({held} bytes) was still being written; it was left for the next run"
            ));
        }
    }

    fn read_segments(&mut self, mut reader: crate::source::SegmentReader) {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<crate::source::Segment>>(1);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                loop {
                    let next = reader.next_segment();
                    let stop = !matches!(next, Ok(Some(_)));
                    let msg = match next {
                        Ok(Some(seg)) => Ok(seg),
                        Ok(None) => break,
                        Err(e) => Err(e),
                    };
                    if tx.send(msg).is_err() || stop {
                        break;
                    }
                }
            });
            for msg in rx {
                match msg {
                    Ok(seg) => {
                        if self.format.is_none() && self.report.lines == 0 && self.report.error.is_none() {
                            self.choose_format(&seg.data[..seg.data.len().min(SNIFF_BYTES)]);
                            if self.report.skipped.is_some() {
                                break;
                            }
                        }
                        self.parse_segment(&seg.data, seg.offset);
                    }
                    Err(e) => {
                        self.report.error = Some(e.to_string());
                        break;
                    }
                }
            }
        });
    }

    /// Parses whole lines `data` found at `base_offset`, in parallel, appending in order.
    fn parse_segment(&mut self, data: &[u8], base_offset: u64) {
        let format = if self.report.error.is_some() { None } else { self.format };
        let unknown_reason: &'static str = "not parsed: the file's format was not recognised";
        let chunks = line_chunks(data, chunk_bytes(data.len()));
        let ctx = self.ctx;
        let columns = self.opts.columns;
        let outs: Vec<ChunkOut> = chunks
            .into_par_iter()
            .map(|range| {
                let start = range.start;
                parse_chunk(
                    &data[range],
                    base_offset + start as u64,
                    format,
                    unknown_reason,
                    &ctx,
                    columns,
                )
            })
            .collect();
        self.report.bytes += data.len() as u64;
        for mut out in outs {
            let base_line = self.report.lines;
            if base_line > 0 {
                for l in &mut out.batch.line {
                    *l += base_line;
                }
            }
            self.report.lines += out.lines;
            self.report.parsed += out.batch.rows as u64;
            self.report.blank += out.blank;
            self.report.rejected += out.rejects.len() as u64;
            let room = self.opts.max_rejects_kept.saturating_sub(self.report.rejects.len());
            let kept = out.rejects.len().min(room);
            self.report.rejects_not_kept += (out.rejects.len() - kept) as u64;
            self.report
                .rejects
                .extend(out.rejects.into_iter().take(kept).map(|mut r| {
                    r.line += base_line;
                    r
                }));
            self.report.first_ts = min_opt(self.report.first_ts, out.min_ts);
            self.report.last_ts = max_opt(self.report.last_ts, out.max_ts);
            if out.batch.rows > 0 {
                self.batches.push(out.batch);
            }
        }
    }

    /// Settles ambiguous local times in file order and records the format.
    fn finish(&mut self) {
        self.report.format = self.format;
        let mut previous: Option<TimestampMs> = None;
        let mut changed = false;
        for batch in &mut self.batches {
            if batch.ambiguous.is_empty() {
                previous = batch.ts.last().copied().or(previous);
                continue;
            }
            changed = true;
            let mut amb = std::mem::take(&mut batch.ambiguous).into_iter().peekable();
            for row in 0..batch.ts.len() {
                if amb.peek().is_some_and(|&(r, _)| r == row) {
                    let (_, late) = amb.next().unwrap_or((row, batch.ts[row]));
                    batch.ts[row] = pick_in_file_order(previous, batch.ts[row], late);
                }
                previous = Some(batch.ts[row]);
            }
        }
        if changed {
            let all = self.batches.iter().flat_map(|b| b.ts.iter().copied());
            self.report.first_ts = all.clone().min();
            self.report.last_ts = all.max();
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Cuts `data` into ranges of about `target` bytes that end just after a newline (the last may
/// end without one).
pub fn line_chunks(data: &[u8], target: usize) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(data.len() / target.max(1) + 1);
    let mut start = 0;
    while start < data.len() {
        let want = start + target;
        let end = if want >= data.len() {
            data.len()
        } else {
            match memchr(b'\n', &data[want..]) {
                Some(i) => want + i + 1,
                None => data.len(),
            }
        };
        out.push(start..end);
        start = end;
    }
    out
}

struct ChunkOut {
    batch: WebBatch,
    lines: u64,
    blank: u64,
    rejects: Vec<Reject>,
    min_ts: Option<i64>,
    max_ts: Option<i64>,
}

#[inline]
fn is_blank(line: &[u8]) -> bool {
    match line.first() {
        None => true,
        Some(b' ' | b'\t') => line.iter().all(|&b| b == b' ' || b == b'\t'),
        Some(_) => false,
    }
}

fn parse_chunk(
    data: &[u8],
    base_offset: u64,
    format: Option<Format>,
    unknown_reason: &'static str,
    ctx: &TimeContext,
    columns: WebColumns,
) -> ChunkOut {
    // Squid lines average 120–160 bytes: reserve for the common case, let outliers grow.
    let mut batch = WebBatch::with_capacity(columns, data.len() / 100);
    let mut rejects = Vec::new();
    let mut blank = 0u64;
    let mut line_no = 0u64;
    let mut min_ts = i64::MAX;
    let mut max_ts = i64::MIN;
    let mut pos = 0usize;
    while pos < data.len() {
        let end = memchr(b'\n', &data[pos..]).map_or(data.len(), |e| pos + e);
        let mut line = trim_cr(&data[pos..end]);
        let offset = base_offset + pos as u64;
        if offset == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        pos = end + 1;
        line_no += 1;
        if is_blank(line) {
            blank += 1;
            continue;
        }
        let result = match format {
            _ if line.len() > MAX_LINE_BYTES => Err("line longer than 1 MiB: not a log line"),
            Some(f) => f.parse_web(line, ctx),
            None => Err(unknown_reason),
        };
        match result {
            Ok(record) => {
                min_ts = min_ts.min(record.ts);
                max_ts = max_ts.max(record.ts);
                batch.push(&record, line_no, offset);
            }
            Err(reason) => {
                let reason = if formats::looks_binary(line) {
                    "binary data (NUL or control bytes) in the line"
                } else {
                    reason
                };
                rejects.push(Reject {
                    line: line_no,
                    offset,
                    reason,
                });
            }
        }
    }
    let has = batch.rows > 0;
    ChunkOut {
        batch,
        lines: line_no,
        blank,
        rejects,
        min_ts: has.then_some(min_ts),
        max_ts: has.then_some(max_ts),
    }
}

/// Merges every kept dictionary column across batches and remaps ids, returning the dictionaries.
fn merge_dictionaries(batches: &mut [WebBatch], columns: WebColumns) -> Vec<(WebColumn, Dict)> {
    let kept: Vec<WebColumn> = WebBatch::new(columns)
        .cat_columns_mut()
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| columns.has(*c))
        .collect();
    let mut dicts = Vec::with_capacity(kept.len());
    for column in kept {
        let mut global = Dict::new();
        let remaps: Vec<Vec<u32>> = batches
            .iter_mut()
            .map(|b| {
                let col = cat_column(b, column);
                global.merge_from(&col.dict)
            })
            .collect();
        batches.par_iter_mut().zip(remaps).for_each(|(b, remap)| {
            let col = cat_column(b, column);
            let identity = remap.iter().enumerate().all(|(i, &g)| i as u32 == g);
            if !identity {
                for id in &mut col.ids {
                    if *id != crate::web::NULL_U32 {
                        *id = remap[*id as usize];
                    }
                }
            }
            col.dict = Dict::new();
        });
        dicts.push((column, global));
    }
    dicts
}

fn cat_column(b: &mut WebBatch, column: WebColumn) -> &mut crate::web::CatColumn {
    b.cat_columns_mut()
        .into_iter()
        .find(|(c, _)| *c == column)
        .map(|(_, col)| col)
        .expect("a dictionary-encoded column")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_local_times_follow_file_order() {
        let hour = 3_600_000;
        let opts = IngestOptions::default();
        let mut run = SourceRun {
            opts: &opts,
            explicit: true,
            ctx: TimeContext::new(opts.tz, None),
            format: Some(Format::Squid),
            report: SourceReport::new(0, Path::new("x")),
            batches: Vec::new(),
        };
        // Local 01:50 (unambiguous UTC 00:50 stands for a BST line just before the fold), then
        // 01:10 twice: the first 01:10 is after 00:50 UTC only in its later (GMT) reading.
        let mut b = WebBatch::new(WebColumns::of(&[WebColumn::Ts]));
        let early = 10 * 60_000;
        b.ts = vec![50 * 60_000, early, early + 5 * 60_000];
        b.rows = 3;
        b.ambiguous = vec![(1, early + hour), (2, early + 5 * 60_000 + hour)];
        run.batches.push(b);
        run.finish();
        assert_eq!(
            run.batches[0].ts,
            vec![50 * 60_000, early + hour, early + 5 * 60_000 + hour]
        );
        assert_eq!(run.report.first_ts, Some(50 * 60_000));
    }

    #[test]
    fn chunks_cover_everything_on_line_boundaries() {
        let data = b"aaa\nbbbb\ncc\n\nd";
        for target in [1, 2, 3, 5, 100] {
            let chunks = line_chunks(data, target);
            assert_eq!(chunks.first().map(|r| r.start), Some(0));
            assert_eq!(chunks.last().map(|r| r.end), Some(data.len()));
            for w in chunks.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(data[w[0].end - 1], b'\n');
            }
        }
        assert!(line_chunks(b"", 10).is_empty());
    }
}
