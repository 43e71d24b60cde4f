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

use crate::formats::{self, Format, Kind, Sniffed};
use crate::intern::Dict;
use crate::lex::trim_cr;
use crate::rowparse::{LineKind, RowParser, Scratch, schema_of};
use crate::rows::{RowBatch, RowTable};
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
    /// The user's own column names for web-filter report exports (`--columns FILE`).
    pub web_csv_columns: Option<std::sync::Arc<formats::webcsv::ColumnMap>>,
    /// Counters updated while reading, for a progress display on another thread.
    pub progress: Option<std::sync::Arc<Progress>>,
}

/// How far a read has got: updated as each chunk is parsed and each source finishes, read from
/// any thread (for a progress gauge).
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes parsed (decompressed bytes for gzip sources).
    pub bytes: std::sync::atomic::AtomicU64,
    /// Lines parsed.
    pub lines: std::sync::atomic::AtomicU64,
    /// Sources finished.
    pub sources: std::sync::atomic::AtomicU64,
}

impl Progress {
    fn add(&self, bytes: u64, lines: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.bytes.fetch_add(bytes, Relaxed);
        self.lines.fetch_add(lines, Relaxed);
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            tz: crate::time::DEFAULT_TZ,
            columns: WebColumns::all(),
            max_rejects_kept: 100_000,
            mmap: true,
            web_csv_columns: None,
            progress: None,
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
    /// Whether it was UTF-16 text (transcoded to UTF-8; offsets count UTF-8 bytes).
    pub utf16: bool,
    /// The format used, if one was chosen.
    pub format: Option<Format>,
    /// The event kind its records are.
    pub kind: Option<Kind>,
    /// How the format was recognised (absent when forced).
    pub sniffed: Option<Sniffed>,
    /// Bytes of text read (decompressed).
    pub bytes: u64,
    /// Lines read: `parsed + rejected + blank`.
    pub lines: u64,
    /// Lines understood: those that became records, and `context` lines.
    pub parsed: u64,
    /// Lines understood that hold no event (notices, date lines, comments, headers, and
    /// `foreign` lines).
    pub context: u64,
    /// Lines of other programs sharing a syslog-carried log, which vigil has no parser for.
    pub foreign: u64,
    /// Records (rows of the kind's table) from this source; for mail, rows after joining a
    /// message's lines.
    pub rows: u64,
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
    /// Lines of other programs in a syslog-carried log handed to their own format's parser
    /// (a firewall log's DHCP lines), per format.
    pub routed: Vec<(Format, u64)>,
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
            utf16: false,
            format: None,
            kind: None,
            sniffed: None,
            bytes: 0,
            lines: 0,
            parsed: 0,
            context: 0,
            foreign: 0,
            rows: 0,
            rejected: 0,
            blank: 0,
            first_ts: None,
            last_ts: None,
            rejects: Vec::new(),
            rejects_not_kept: 0,
            error: None,
            skipped: None,
            routed: Vec::new(),
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
    /// The web records.
    pub web: WebTable,
    /// The records of every other kind that was read, one table per kind in [`Kind::ALL`] order.
    pub tables: Vec<RowTable>,
    /// Wall time.
    pub seconds: f64,
}

impl Ingest {
    /// The table of `kind` (not `web`), if any source had that kind.
    pub fn table(&self, kind: Kind) -> Option<&RowTable> {
        self.tables.iter().find(|t| t.schema.kind == kind)
    }

    /// Takes the table of `kind` out of the ingest (to build a frame without copying).
    pub fn take_table(&mut self, kind: Kind) -> Option<RowTable> {
        let i = self.tables.iter().position(|t| t.schema.kind == kind)?;
        Some(self.tables.remove(i))
    }

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
    let mut rows: Vec<(u32, RowBatch)> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let (report, got) = match f.format {
            Some(format) => read_source(
                id,
                &f.path,
                f.explicit,
                &IngestOptions {
                    format: Some(format),
                    ..opts.clone()
                },
            ),
            None => read_source(id, &f.path, f.explicit, opts),
        };
        batch_source.extend(std::iter::repeat_n(id, got.web.len()));
        batches.extend(got.web);
        rows.extend(got.rows.into_iter().map(|b| (id, b)));
        sources.push(report);
        if let Some(p) = &opts.progress {
            p.sources.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let dicts = merge_dictionaries(&mut batches, opts.columns);
    let tables = row_tables(rows, &mut sources);
    Ingest {
        sources,
        web: WebTable {
            columns: opts.columns,
            batches,
            batch_source,
            dicts,
        },
        tables,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Groups row batches by kind (joining mail events into messages) and merges dictionaries.
fn row_tables(rows: Vec<(u32, RowBatch)>, sources: &mut [SourceReport]) -> Vec<RowTable> {
    let mut tables = Vec::new();
    let mut by_kind: Vec<(Vec<u32>, Vec<RowBatch>)> = Kind::ALL.iter().map(|_| Default::default()).collect();
    for (id, b) in rows {
        let k = Kind::ALL.iter().position(|&k| k == b.schema.kind).unwrap_or(0);
        by_kind[k].0.push(id);
        by_kind[k].1.push(b);
    }
    for (kind, (ids, batches)) in Kind::ALL.into_iter().zip(by_kind) {
        if batches.is_empty() {
            continue;
        }
        let (batches, ids) = if kind == Kind::Mail {
            // A source's rows counted its mail events; replace them by its joined rows.
            for (id, b) in ids.iter().zip(&batches) {
                if let Some(s) = sources.get_mut(*id as usize) {
                    s.rows = s.rows.saturating_sub(b.rows as u64);
                }
            }
            let joined = crate::mailjoin::join(batches, &ids);
            for (id, b) in &joined {
                if let Some(s) = sources.get_mut(*id as usize) {
                    s.rows += b.rows as u64;
                }
            }
            let (ids, batches): (Vec<u32>, Vec<RowBatch>) = joined.into_iter().unzip();
            (batches, ids)
        } else {
            (batches, ids)
        };
        let schema = batches.first().map_or(&crate::mail::MAIL, |b| b.schema);
        tables.push(RowTable::new(schema, batches, ids));
    }
    tables
}

/// The batches parsed from one source.
#[derive(Debug, Default)]
pub struct SourceBatches {
    /// Web records (web formats).
    pub web: Vec<WebBatch>,
    /// Records of the other kinds (for mail: events before the join).
    pub rows: Vec<RowBatch>,
}

/// Parses an in-memory buffer of whole lines as one source would be, in parallel on the current
/// rayon pool; for benchmarks, fuzzing and tests.
pub fn parse_buffer(data: &[u8], format: Format, opts: &IngestOptions) -> (SourceReport, SourceBatches) {
    let mut run = SourceRun::new(opts, true, TimeContext::new(opts.tz, None), 0, Path::new("<memory>"));
    run.format = Some(format);
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
    batches: SourceBatches,
    /// The header row of a format that has one.
    header: Option<HeaderRow>,
    /// The text of a format read whole.
    document: Vec<u8>,
}

/// A source's header row: where the fields are, the row itself (repeated rows are skipped), and
/// the byte offset just after it (lines before it are a preamble).
#[derive(Debug, Clone)]
struct HeaderRow {
    columns: crate::csv::Columns,
    raw: Vec<u8>,
    end: u64,
}

/// Lines a chunk treats as context rather than records: everything before `before` (a preamble
/// and the header row) and repeats of the header row.
#[derive(Clone, Copy, Default)]
struct Skip<'a> {
    before: u64,
    header: Option<&'a [u8]>,
}

impl<'o> SourceRun<'o> {
    fn new(opts: &'o IngestOptions, explicit: bool, ctx: TimeContext, id: u32, path: &Path) -> Self {
        SourceRun {
            opts,
            explicit,
            ctx,
            format: opts.format,
            report: SourceReport::new(id, path),
            batches: SourceBatches::default(),
            header: None,
            document: Vec::new(),
        }
    }
}

fn read_source(id: u32, path: &Path, explicit: bool, opts: &IngestOptions) -> (SourceReport, SourceBatches) {
    let started = Instant::now();
    let mut report = SourceReport::new(id, path);
    let source = match Source::open_with(path, opts.mmap) {
        Ok(s) => s,
        Err(e) => {
            report.error = Some(e.to_string());
            return (report, SourceBatches::default());
        }
    };
    report.size = source.meta.size;
    report.mtime = source.meta.mtime;
    report.compressed = source.meta.compression == crate::source::Compression::Gzip;
    report.utf16 = source.meta.encoding != crate::source::TextEncoding::Utf8;
    let mut run = SourceRun::new(opts, explicit, TimeContext::new(opts.tz, source.meta.mtime), id, path);
    run.report = report;
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
                let mut again = SourceRun::new(opts, explicit, run.ctx, id, path);
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
                return (run.report, SourceBatches::default());
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
        if self.report.error.is_some() || self.header.is_some() {
            return;
        }
        let bom = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let mut lines: Vec<(usize, &[u8])> = Vec::new();
        let mut pos = bom;
        let mut last_cut = false;
        while pos < head.len() && lines.len() < SNIFF_LINES {
            let end = memchr(b'\n', &head[pos..]).map_or(head.len(), |e| pos + e);
            let line = trim_cr(&head[pos..end]);
            if !is_blank(line) {
                lines.push((end + 1, line));
                last_cut = end == head.len();
            }
            pos = end + 1;
        }
        // A sample cut mid-line at SNIFF_BYTES would count its last line as a miss.
        if head.len() == SNIFF_BYTES && lines.len() > 1 && last_cut {
            lines.pop();
        }
        let sample: Vec<&[u8]> = lines.iter().map(|(_, l)| *l).collect();
        if sample.is_empty() {
            return;
        }
        if self.format.is_none() {
            match formats::sniff_with(&sample, &self.ctx, self.opts.web_csv_columns.as_deref()) {
                Ok(s) => {
                    self.format = Some(s.format);
                    self.report.sniffed = Some(s);
                }
                Err(_) if formats::sniff_document(head).is_some() => {
                    let format = formats::sniff_document(head).unwrap_or(Format::M365Odata);
                    self.format = Some(format);
                    self.report.sniffed = Some(formats::Sniffed {
                        format,
                        matched: 1,
                        context: 0,
                        tried: 1,
                        foreign: 0,
                        header_at: None,
                        header_fields: 0,
                    });
                }
                Err(detail) if !self.explicit => {
                    self.report.skipped = Some(detail);
                    return;
                }
                Err(detail) => {
                    self.fail_unknown(detail);
                    return;
                }
            }
        }
        let Some(format) = self.format.filter(|f| f.has_header()) else {
            return;
        };
        // Sniffing already found the header row; a forced format looks for it here.
        let map = self.opts.web_csv_columns.as_deref();
        let from = self.report.sniffed.and_then(|s| s.header_at).unwrap_or(0);
        let found = sample
            .iter()
            .enumerate()
            .skip(from)
            .find_map(|(i, l)| format.header_columns_with(l, map).map(|c| (i, c)));
        match found {
            Some((i, columns)) => {
                self.header = Some(HeaderRow {
                    columns,
                    raw: sample[i].to_vec(),
                    end: lines[i].0 as u64,
                });
            }
            None => self.fail_unknown(format!(
                "no {} header row in the first {} lines (the row naming the columns); \
                 check the export includes its header",
                format.name(),
                sample.len()
            )),
        }
    }

    fn fail_unknown(&mut self, detail: String) {
        self.report.error = Some(
            Error::UnknownFormat {
                path: self.report.path.clone(),
                detail,
            }
            .to_string(),
        );
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
                        if self.report.bytes == 0 && self.report.error.is_none() {
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
        if format.is_some_and(Format::is_document) {
            // Read whole in `finish`.
            self.document.extend_from_slice(data);
            self.report.bytes += data.len() as u64;
            return;
        }
        let chunks = line_chunks(data, chunk_bytes(data.len()));
        let ctx = self.ctx;
        let columns = self.opts.columns;
        let header_columns = self.header.as_ref().map(|h| h.columns.clone());
        let rows = format.filter(|f| f.kind() != Kind::Web).map(|f| {
            let mut parser = RowParser::new(f, ctx, header_columns.clone());
            parser.forced = self.opts.format.is_some();
            parser
        });
        let skip = Skip {
            before: self.header.as_ref().map_or(0, |h| h.end),
            header: self.header.as_ref().map(|h| h.raw.as_slice()),
        };
        let header_columns = header_columns.as_ref();
        let order = self.opts.web_csv_columns.as_ref().map(|m| m.order).unwrap_or_default();
        let progress = self.opts.progress.clone();
        let outs: Vec<ChunkOut> = chunks
            .into_par_iter()
            .map(|range| {
                let base = base_offset + range.start as u64;
                let chunk = &data[range];
                let out = match (format, &rows) {
                    (Some(_), Some(parser)) => row_chunk(chunk, base, skip, parser),
                    (Some(format), None) => web_chunk(
                        chunk,
                        base,
                        skip,
                        WebSpec {
                            format,
                            ctx: &ctx,
                            header: header_columns,
                            order,
                            columns,
                        },
                    ),
                    (None, _) => unknown_chunk(chunk, base),
                };
                if let Some(p) = &progress {
                    p.add(chunk.len() as u64, out.counts.lines);
                }
                out
            })
            .collect();
        self.report.bytes += data.len() as u64;
        for out in outs {
            let base_line = self.report.lines;
            let c = out.counts;
            self.report.lines += c.lines;
            self.report.parsed += c.lines - c.blank - c.rejects.len() as u64;
            self.report.context += c.context;
            self.report.foreign += c.foreign;
            self.report.blank += c.blank;
            self.report.rejected += c.rejects.len() as u64;
            let room = self.opts.max_rejects_kept.saturating_sub(self.report.rejects.len());
            let kept = c.rejects.len().min(room);
            self.report.rejects_not_kept += (c.rejects.len() - kept) as u64;
            self.report
                .rejects
                .extend(c.rejects.into_iter().take(kept).map(|mut r| {
                    r.line += base_line;
                    r
                }));
            match out.batch {
                ChunkBatch::Web(mut batch) if batch.rows > 0 => {
                    shift_lines(&mut batch.line, base_line);
                    self.report.rows += batch.rows as u64;
                    self.batches.web.push(*batch);
                }
                ChunkBatch::Rows(set) => {
                    for (format, n) in set.routed {
                        match self.report.routed.iter_mut().find(|(f, _)| *f == format) {
                            Some((_, total)) => *total += n,
                            None => self.report.routed.push((format, n)),
                        }
                    }
                    for mut batch in set.batches {
                        if batch.rows > 0 || !batch.dates.is_empty() {
                            shift_lines(&mut batch.line, base_line);
                            self.report.rows += batch.rows as u64;
                            self.batches.rows.push(batch);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Settles times that depend on earlier lines (ambiguous local times, lmgrd dates) in file
    /// order, and records the format and the time span.
    fn finish(&mut self) {
        if !self.document.is_empty() {
            self.parse_document();
        }
        self.report.format = self.format;
        self.report.kind = self.format.map(Format::kind);
        let mut previous: Option<TimestampMs> = None;
        for batch in &mut self.batches.web {
            settle_ambiguous(&mut batch.ts, &mut batch.ambiguous, &mut previous);
        }
        if self.format == Some(Format::Flexlm) {
            let undated = settle_dates(&mut self.batches.rows, &self.ctx);
            if undated > 0 {
                self.report.warnings.push(format!(
                    "{undated} licence events came before the log's first TIMESTAMP line; \
                     they are dated by the file's modification day"
                ));
            }
        } else {
            // Each kind in its own file order (a firewall log's DHCP rows are not ordered
            // against its flow rows batch by batch).
            for kind in Kind::ALL {
                let mut previous: Option<TimestampMs> = None;
                for batch in self.batches.rows.iter_mut().filter(|b| b.schema.kind == kind) {
                    settle_ambiguous(&mut batch.ts, &mut batch.ambiguous, &mut previous);
                }
            }
        }
        let web = self.batches.web.iter().flat_map(|b| b.ts.iter().copied());
        let rows = self.batches.rows.iter().flat_map(|b| b.ts.iter().copied());
        let all = web.chain(rows).filter(|&t| t != crate::rows::NULL_TS);
        let (first, last) = all.fold((None, None), |(lo, hi), t| (min_opt(lo, Some(t)), max_opt(hi, Some(t))));
        self.report.first_ts = first;
        self.report.last_ts = last;
    }
}

impl SourceRun<'_> {
    /// Reads a whole-document source (a Microsoft 365 OData page): each record becomes a row at
    /// the line where it starts; other lines are context.
    fn parse_document(&mut self) {
        let doc = std::mem::take(&mut self.document);
        let spans = match formats::m365::record_spans_or_reason(&doc) {
            Ok(spans) => spans,
            Err(e) => {
                self.report.error = Some(format!(
                    "{}: not a message trace document: {e}",
                    self.report.path.display()
                ));
                Vec::new()
            }
        };
        // Line starts, for turning byte offsets into line numbers.
        let mut starts = vec![0usize];
        starts.extend(
            memchr::memchr_iter(b'\n', &doc)
                .map(|i| i + 1)
                .filter(|&i| i < doc.len()),
        );
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) as u64;
        let ctx = self.ctx;
        // Records are independent: parse them in parallel, in order.
        let parts: Vec<(RowBatch, Vec<(u64, &'static str)>)> = spans
            .par_chunks(4096)
            .map(|chunk| {
                let scratch = bumpalo::Bump::new();
                let mut batch = RowBatch::new(&crate::mail::MAIL_EVENTS);
                let mut bad = Vec::new();
                for &(start, end) in chunk {
                    let line = line_of(start);
                    let got = formats::m365::parse_record(&doc[start..end], &scratch)
                        .and_then(|ev| crate::rowparse::when(&ctx, ev.ts, ev.local_time, None).map(|t| (ev, t)));
                    match got {
                        Ok((mut ev, (ts, late))) => {
                            ev.done = true;
                            if let Some(late) = late {
                                batch.ambiguous.push((batch.rows, late));
                            }
                            ev.push(&mut batch, ts, line, starts[line as usize - 1] as u64);
                        }
                        Err(reason) => bad.push((line, reason)),
                    }
                }
                (batch, bad)
            })
            .collect();
        let blank = starts
            .iter()
            .enumerate()
            .filter(|&(i, &a)| {
                let b = starts.get(i + 1).copied().unwrap_or(doc.len());
                doc[a..b].iter().all(u8::is_ascii_whitespace)
            })
            .count() as u64;
        let mut record_lines = std::collections::BTreeSet::new();
        let mut reject_lines = std::collections::BTreeSet::new();
        for (batch, bad) in parts {
            record_lines.extend(batch.line.iter().copied());
            for (line, reason) in bad {
                if reject_lines.insert(line) {
                    self.report.rejects.push(Reject {
                        line,
                        offset: starts[line as usize - 1] as u64,
                        reason,
                    });
                }
            }
            if batch.rows > 0 {
                self.report.rows += batch.rows as u64;
                self.batches.rows.push(batch);
            }
        }
        let lines = starts.len() as u64;
        self.report.lines = lines;
        self.report.blank = blank;
        self.report.rejected = reject_lines.len() as u64;
        self.report.parsed = lines - blank - self.report.rejected;
        self.report.context = self.report.parsed - record_lines.difference(&reject_lines).count() as u64;
        if self.report.error.is_some() {
            // Not a document vigil can read: every line is unread.
            self.report.rejected = lines - blank;
            self.report.parsed = 0;
            self.report.context = 0;
            self.report.rejects = vec![Reject {
                line: 1,
                offset: 0,
                reason: "not a JSON message trace document (see the source's error)",
            }];
            self.report.rejects_not_kept = self.report.rejected.saturating_sub(1);
        }
    }
}

fn shift_lines(lines: &mut [u64], base: u64) {
    if base > 0 {
        for l in lines {
            *l += base;
        }
    }
}

/// Replaces each ambiguous time (the earlier reading, with the later one noted) by the reading
/// that follows the previous line in file order.
fn settle_ambiguous(ts: &mut [i64], ambiguous: &mut Vec<(usize, i64)>, previous: &mut Option<TimestampMs>) {
    if ambiguous.is_empty() {
        *previous = ts.last().copied().or(*previous);
        return;
    }
    let mut amb = std::mem::take(ambiguous).into_iter().peekable();
    for (row, t) in ts.iter_mut().enumerate() {
        if amb.peek().is_some_and(|&(r, _)| r == row) {
            let (_, late) = amb.next().unwrap_or((row, *t));
            *t = pick_in_file_order(*previous, *t, late);
        }
        *previous = Some(*t);
    }
}

/// Dates lmgrd rows (whose `ts` is a time of day) from the `TIMESTAMP` marks before them, moving
/// to the next day when the time of day goes backwards by more than an hour; returns how many
/// rows came before any mark (dated by the file's modification day).
fn settle_dates(batches: &mut [RowBatch], ctx: &TimeContext) -> u64 {
    const DAY_MS: i64 = 86_400_000;
    let mut date: Option<chrono::NaiveDate> = None;
    let mut dated = false;
    let mut last_tod: i64 = -1;
    let mut undated = 0u64;
    let mut previous: Option<TimestampMs> = None;
    for batch in batches {
        let marks = std::mem::take(&mut batch.dates);
        let mut marks = marks.into_iter().peekable();
        for row in 0..batch.rows {
            while marks.peek().is_some_and(|&(r, _, _)| r <= row) {
                if let Some((_, d, mark_tod)) = marks.next() {
                    date = Some(d);
                    dated = true;
                    last_tod = mark_tod;
                }
            }
            let tod = batch.ts[row];
            if !dated {
                undated += 1;
            }
            let day = date.unwrap_or_else(|| ctx.reference_date());
            let day = if last_tod >= 0 && tod + 3_600_000 < last_tod {
                let next = day.succ_opt().unwrap_or(day);
                date = Some(next);
                next
            } else {
                day
            };
            last_tod = tod;
            let local = day.and_time(chrono::NaiveTime::MIN) + chrono::Duration::milliseconds(tod.rem_euclid(DAY_MS));
            let ts = match ctx.resolve_local(local) {
                crate::time::LocalResolution::Exact(t) => t,
                crate::time::LocalResolution::Ambiguous { early, late } => pick_in_file_order(previous, early, late),
            };
            batch.ts[row] = ts;
            previous = Some(ts);
        }
        for (_, d, mark_tod) in marks {
            date = Some(d);
            dated = true;
            last_tod = mark_tod;
        }
    }
    undated
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

enum ChunkBatch {
    None,
    Web(Box<WebBatch>),
    Rows(crate::rowparse::RowSet),
}

struct ChunkOut {
    batch: ChunkBatch,
    counts: LineCounts,
}

/// What happened to the lines of one chunk (line numbers relative to the chunk).
#[derive(Default)]
struct LineCounts {
    lines: u64,
    blank: u64,
    context: u64,
    foreign: u64,
    rejects: Vec<Reject>,
}

#[inline]
fn is_blank(line: &[u8]) -> bool {
    match line.first() {
        None => true,
        Some(b' ' | b'\t') => line.iter().all(|&b| b == b' ' || b == b'\t'),
        Some(_) => false,
    }
}

/// Calls `parse(line, line_no, offset)` for each non-blank line of a chunk, counting blank,
/// context and rejected lines.
#[inline(always)]
fn each_line(
    data: &[u8],
    base_offset: u64,
    skip: Skip<'_>,
    mut parse: impl FnMut(&[u8], u64, u64) -> Result<LineKind, &'static str>,
) -> LineCounts {
    let mut c = LineCounts::default();
    let mut pos = 0usize;
    while pos < data.len() {
        let end = memchr(b'\n', &data[pos..]).map_or(data.len(), |e| pos + e);
        let mut line = trim_cr(&data[pos..end]);
        let offset = base_offset + pos as u64;
        // A byte-order mark starts a file, and a file that is several exports concatenated.
        if line.first() == Some(&0xEF) {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        pos = end + 1;
        c.lines += 1;
        if is_blank(line) {
            c.blank += 1;
            continue;
        }
        let result = if line.len() > MAX_LINE_BYTES {
            Err("line longer than 1 MiB: not a log line")
        } else if offset < skip.before || skip.header == Some(line) {
            Ok(LineKind::Context)
        } else {
            parse(line, c.lines, offset)
        };
        match result {
            Ok(LineKind::Rows) => {}
            Ok(LineKind::Context) => c.context += 1,
            Ok(LineKind::Foreign) => {
                c.context += 1;
                c.foreign += 1;
            }
            Err(reason) => {
                let reason = if formats::looks_binary(line) {
                    "binary data (NUL or control bytes) in the line"
                } else {
                    reason
                };
                c.rejects.push(Reject {
                    line: c.lines,
                    offset,
                    reason,
                });
            }
        }
    }
    c
}

/// How a source's web lines are read: its format, the school's time, its header row and the date
/// order of exports, and the columns kept.
#[derive(Clone, Copy)]
struct WebSpec<'a> {
    format: Format,
    ctx: &'a TimeContext,
    header: Option<&'a crate::csv::Columns>,
    order: formats::webcsv::DateOrder,
    columns: WebColumns,
}

fn web_chunk(data: &[u8], base_offset: u64, skip: Skip<'_>, spec: WebSpec<'_>) -> ChunkOut {
    let WebSpec {
        format,
        ctx,
        header,
        order,
        columns,
    } = spec;
    // Squid lines average 120–160 bytes: reserve for the common case, let outliers grow.
    let mut batch = WebBatch::with_capacity(columns, data.len() / 100);
    let scratch = bumpalo::Bump::new();
    let cx = formats::LineCx {
        time: ctx,
        columns: header,
        scratch: &scratch,
        date_order: order,
    };
    if format == Format::WebCsv {
        let Some(cols) = header else {
            return unknown_chunk(data, base_offset);
        };
        let counts = each_line(data, base_offset, skip, |line, line_no, offset| {
            let mut out = Vec::with_capacity(1);
            formats::webcsv::parse_ordered(line, cols, order, ctx, &scratch, &mut out)?;
            for record in &out {
                batch.push(record, line_no, offset);
            }
            Ok(if out.is_empty() {
                LineKind::Context
            } else {
                LineKind::Rows
            })
        });
        return ChunkOut {
            batch: ChunkBatch::Web(Box::new(batch)),
            counts,
        };
    }
    let counts = each_line(data, base_offset, skip, |line, line_no, offset| {
        let record = format.parse_web(line, &cx)?;
        batch.push(&record, line_no, offset);
        Ok(LineKind::Rows)
    });
    ChunkOut {
        batch: ChunkBatch::Web(Box::new(batch)),
        counts,
    }
}

fn row_chunk(data: &[u8], base_offset: u64, skip: Skip<'_>, parser: &RowParser) -> ChunkOut {
    let mut set = crate::rowparse::RowSet::default();
    if let Some(schema) = schema_of(parser.format) {
        set.batch(schema);
    }
    let mut scratch = Scratch::default();
    let counts = each_line(data, base_offset, skip, |line, line_no, offset| {
        let mark = set.mark();
        let got = parser.parse_line(line, line_no, offset, &mut set, &mut scratch);
        if got.is_err() {
            set.undo(&mark);
        }
        got
    });
    ChunkOut {
        batch: ChunkBatch::Rows(set),
        counts,
    }
}

fn unknown_chunk(data: &[u8], base_offset: u64) -> ChunkOut {
    let counts = each_line(data, base_offset, Skip::default(), |_, _, _| {
        Err("not parsed: the file's format was not recognised")
    });
    ChunkOut {
        batch: ChunkBatch::None,
        counts,
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
        let mut run = SourceRun::new(&opts, true, TimeContext::new(opts.tz, None), 0, Path::new("x"));
        run.format = Some(Format::Squid);
        // Local 01:50 (unambiguous UTC 00:50 stands for a BST line just before the fold), then
        // 01:10 twice: the first 01:10 is after 00:50 UTC only in its later (GMT) reading.
        let mut b = WebBatch::new(WebColumns::of(&[WebColumn::Ts]));
        let early = 10 * 60_000;
        b.ts = vec![50 * 60_000, early, early + 5 * 60_000];
        b.rows = 3;
        b.ambiguous = vec![(1, early + hour), (2, early + 5 * 60_000 + hour)];
        run.batches.web.push(b);
        run.finish();
        assert_eq!(
            run.batches.web[0].ts,
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
