//! What a case keeps of the logs: for each finding (or person and time range) filed, the exact
//! lines the detectors need to find it again — its evidence, every event of its subject in its
//! window, every event on the subject's addresses, the identity records that tie those addresses
//! to people and devices (a day back, as attribution looks), every line of the mail messages
//! involved, and the lines a format needs to read the rest (header rows, date lines, a whole
//! document) — each read back from the source as bytes, with its line, offset and the source's
//! SHA-256.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context as _, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use vigil_parsers::ingest::{IngestOptions, SourceReport};
use vigil_parsers::{Format, Kind};
use vigil_queries::detect::{Inputs, Rows};
use vigil_queries::findings::Finding;

/// How far back identity records are kept for an event (the longest attribution tolerance).
const IDENTITY_BEFORE_MS: i64 = 24 * 3600 * 1000;
/// How far back mail is kept (a forward follows the message it forwards by minutes).
const MAIL_BEFORE_MS: i64 = 3600 * 1000;
/// How far back authenticated web requests on the subject's addresses are kept (proxy log-ons
/// are trusted this long).
const LEARNED_BEFORE_MS: i64 = 12 * 3600 * 1000;

/// A source log as the case knows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceMeta {
    /// Its path as it was given.
    pub path: String,
    /// Size on disk.
    pub size: u64,
    /// SHA-256 of the bytes read (the file's first `size` bytes; a live log grows), hex.
    pub sha256: String,
    /// Modification time, UTC ms (year-less syslog dates are read against it).
    pub mtime_ms: Option<i64>,
    /// The format it was read as.
    pub format: Option<String>,
    /// The kind of its records.
    pub kind: Option<String>,
    /// First and last record, UTC ms.
    pub span: Option<(i64, i64)>,
    /// When the export was taken (exports without event times), UTC ms.
    pub taken: Option<i64>,
}

/// One line of a source, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedLine {
    /// The source's path.
    pub path: String,
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line's start (in the decompressed text).
    pub offset: u64,
    /// The line's bytes, without its `\n` (a `\r` before it is kept).
    pub bytes: Vec<u8>,
}

/// A finding as recorded in a case: everything the detectors said, evidence by path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RecordedFinding {
    /// Its stable id.
    pub id: String,
    /// The rule.
    pub rule: String,
    /// Its severity.
    pub severity: String,
    /// First event, UTC ms.
    pub ts_first: i64,
    /// Last event, UTC ms.
    pub ts_last: i64,
    /// The person.
    pub user: Option<String>,
    /// The device.
    pub device: Option<String>,
    /// The address.
    pub ip: Option<String>,
    /// What it concerns besides the person.
    pub about: Option<String>,
    /// The sentence for the DSL.
    pub summary: String,
    /// Events behind it.
    pub count: u64,
    /// Evidence: path, line, offset.
    pub evidence: Vec<(String, u64, u64)>,
}

impl RecordedFinding {
    /// Records `f`; `path` names a source index.
    pub fn of(f: &Finding, path: impl Fn(u32) -> String) -> RecordedFinding {
        RecordedFinding {
            id: f.id.clone(),
            rule: f.rule.to_owned(),
            severity: f.severity.as_str().to_owned(),
            ts_first: f.ts_first,
            ts_last: f.ts_last,
            user: f.user.clone(),
            device: f.device.clone(),
            ip: f.ip.clone(),
            about: f.about.clone(),
            summary: f.summary.clone(),
            count: f.count,
            evidence: f.evidence.iter().map(|e| (path(e.source), e.line, e.offset)).collect(),
        }
    }

    /// Who the finding is about.
    pub fn subject(&self) -> &str {
        self.user
            .as_deref()
            .or(self.device.as_deref())
            .or(self.ip.as_deref())
            .unwrap_or("-")
    }
}

/// What one read of the logs knows of its sources.
pub fn source_metas(sources: &[SourceReport], tz: chrono_tz::Tz) -> Result<Vec<SourceMeta>> {
    sources
        .iter()
        .filter(|s| s.skipped.is_none() && s.error.is_none())
        .map(|s| {
            let info = vigil_queries::detect::SourceInfo::of(s, tz);
            Ok(SourceMeta {
                path: info.path,
                size: s.size,
                // What was read: a live log may have grown since.
                sha256: crate::report::manifest::sha256_file_prefix(&s.path, s.size)?,
                mtime_ms: s
                    .mtime
                    .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                    .and_then(|d| i64::try_from(d.as_millis()).ok()),
                format: s.format.map(|f| f.name().to_owned()),
                kind: s.kind.map(|k| k.as_str().to_owned()),
                span: info.span,
                taken: info.taken,
            })
        })
        .collect()
}

/// The lines wanted from each source (by the ingest's source index): line → offset.
#[derive(Debug, Default)]
pub struct Wanted(pub BTreeMap<u32, BTreeMap<u64, u64>>);

impl Wanted {
    fn add(&mut self, source: u32, line: u64, offset: u64) {
        self.0.entry(source).or_default().insert(line, offset);
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.0.values().map(BTreeMap::len).sum()
    }

    /// Whether no line is wanted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `value` names `key`: the same text (any case), or an address whose local part it is.
pub fn names(value: Option<&str>, key: &str) -> bool {
    value.is_some_and(|v| {
        v.eq_ignore_ascii_case(key)
            || v.rsplit_once('@')
                .is_some_and(|(local, _)| local.eq_ignore_ascii_case(key))
            || key
                .rsplit_once('@')
                .is_some_and(|(local, _)| local.eq_ignore_ascii_case(v))
    })
}

/// Who an item of a case is about, and when: its activity in `[from, to]` is kept.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The person.
    pub user: Option<String>,
    /// The device.
    pub device: Option<String>,
    /// The address.
    pub ip: Option<String>,
    /// From, UTC ms.
    pub from: i64,
    /// To (inclusive), UTC ms.
    pub to: i64,
}

/// The keys a name is looked up under: itself in lower case, and its local part when it is an
/// address (so `jsmith` and `jsmith@school.example` meet, as [`names`] has them).
fn keys_of(v: &str) -> impl Iterator<Item = String> {
    let lower = v.to_ascii_lowercase();
    let local = lower.rsplit_once('@').map(|(l, _)| l.to_owned());
    std::iter::once(lower).chain(local)
}

/// Windows of items by key.
#[derive(Default)]
struct ByKey(HashMap<String, Vec<(i64, i64, usize)>>);

impl ByKey {
    fn insert(&mut self, key: &str, window: (i64, i64), item: usize) {
        for k in keys_of(key) {
            self.0.entry(k).or_default().push((window.0, window.1, item));
        }
    }

    /// The items whose key `value` is and whose window holds `ts`.
    fn hits(&self, value: Option<&str>, ts: i64, mut each: impl FnMut(usize)) {
        let Some(v) = value.filter(|_| !self.0.is_empty()) else {
            return;
        };
        let mut look = |k: &str| {
            for &(a, b, item) in self.0.get(k).into_iter().flatten() {
                if (a..=b).contains(&ts) {
                    each(item);
                }
            }
        };
        // Most values are already their only key: no string is built for them (this runs for
        // every event).
        if v.bytes().any(|b| b.is_ascii_uppercase() || b == b'@') {
            keys_of(v).for_each(|k| look(&k));
        } else {
            look(v);
        }
    }
}

/// Adds the lines behind each subject's activity in its window: its web and firewall events
/// and every event on its addresses, its mail (an hour back too), its licence-server and
/// inventory rows, and the identity records (a day back) and authenticated requests (12 hours
/// back) that say who held those addresses. One pass over each frame for all the subjects.
pub fn add_subjects(inputs: &Inputs, items: &[Subject], wanted: &mut Wanted) -> Result<()> {
    let mut who = ByKey::default();
    for (i, s) in items.iter().enumerate() {
        for k in [&s.user, &s.device, &s.ip].into_iter().flatten() {
            who.insert(k, (s.from, s.to), i);
        }
    }
    // The addresses and devices each subject used in its window.
    let mut ips: Vec<HashSet<String>> = items.iter().map(|s| s.ip.iter().cloned().collect()).collect();
    let mut devices: Vec<HashSet<String>> = items.iter().map(|s| s.device.iter().cloned().collect()).collect();
    // Proxy log-ons are learned from web requests only.
    let frames = [(&inputs.web, "client_ip", true), (&inputs.flow, "src_ip", false)];
    let mut read = Vec::new();
    for (df, ip_col, learns) in frames {
        let Some(df) = df else { continue };
        let r = Rows::new(df);
        let cols = (
            r.time("ts")?,
            r.text("person")?,
            r.text("device_name")?,
            r.text(ip_col)?,
        );
        let (ts, person, device, ip) = &cols;
        for row in 0..df.height() {
            let t = ts[row].unwrap_or(i64::MIN);
            let mut hit = |item: usize| {
                ips[item].extend(ip[row].clone());
                devices[item].extend(device[row].clone());
            };
            who.hits(person[row].as_deref(), t, &mut hit);
            who.hits(device[row].as_deref(), t, &mut hit);
            who.hits(ip[row].as_deref(), t, &mut hit);
        }
        let users = if learns {
            r.text("user")?
        } else {
            vec![None; df.height()]
        };
        read.push((df, cols, r.evidence()?, users));
    }
    let mut on_ip = ByKey::default();
    let mut on_device = ByKey::default();
    for (i, s) in items.iter().enumerate() {
        for a in &ips[i] {
            on_ip.insert(a, (s.from, s.to), i);
        }
        for d in &devices[i] {
            on_device.insert(d, (s.from.saturating_sub(IDENTITY_BEFORE_MS), s.to), i);
        }
    }
    // Every event on those addresses in the window (attribution looks at them all), and
    // authenticated requests on them before it (proxy log-ons).
    let mut learned = ByKey::default();
    let mut bound = ByKey::default();
    for (i, s) in items.iter().enumerate() {
        for a in &ips[i] {
            learned.insert(a, (s.from.saturating_sub(LEARNED_BEFORE_MS), s.to), i);
            bound.insert(a, (s.from.saturating_sub(IDENTITY_BEFORE_MS), s.to), i);
        }
        if let Some(u) = &s.user {
            bound.insert(u, (s.from.saturating_sub(IDENTITY_BEFORE_MS), s.to), i);
        }
    }
    // ... and the subjects' own events (by person, device or address) in the window.
    for (df, (ts, person, device, ip), ev, users) in &read {
        for row in 0..df.height() {
            let t = ts[row].unwrap_or(i64::MIN);
            let mut keep = false;
            on_ip.hits(ip[row].as_deref(), t, |_| keep = true);
            if users[row].is_some() {
                learned.hits(ip[row].as_deref(), t, |_| keep = true);
            }
            for v in [&person[row], &device[row], &ip[row]] {
                who.hits(v.as_deref(), t, |_| keep = true);
            }
            if keep {
                wanted.add(ev[row].source, ev[row].line, ev[row].offset);
            }
        }
    }
    if let Some(df) = &inputs.identity {
        let r = Rows::new(df);
        let (ts, user, device, ip) = (r.time("ts")?, r.text("user")?, r.text("device")?, r.text("ip")?);
        let ev = r.evidence()?;
        for row in 0..df.height() {
            let t = ts[row].unwrap_or(i64::MIN);
            let mut keep = false;
            bound.hits(ip[row].as_deref(), t, |_| keep = true);
            bound.hits(user[row].as_deref(), t, |_| keep = true);
            on_device.hits(device[row].as_deref(), t, |_| keep = true);
            if keep {
                wanted.add(ev[row].source, ev[row].line, ev[row].offset);
            }
        }
    }
    let mut mail_who = ByKey::default();
    for (i, s) in items.iter().enumerate() {
        let keys = [&s.user, &s.device, &s.ip]
            .into_iter()
            .flatten()
            .chain(&ips[i])
            .chain(&devices[i]);
        for k in keys {
            mail_who.insert(k, (s.from.saturating_sub(MAIL_BEFORE_MS), s.to), i);
        }
    }
    for (df, keys) in [
        (&inputs.mail, &["from", "to", "client_ip"][..]),
        (&inputs.licence_use, &["user", "host"][..]),
        (&inputs.inventory, &["user", "device"][..]),
    ] {
        let Some(df) = df else { continue };
        let r = Rows::new(df);
        let ts = r.time("ts")?;
        let cols: Vec<Vec<Option<String>>> = keys.iter().map(|k| r.text(k)).collect::<PolarsResult<_>>()?;
        let ev = r.evidence()?;
        for row in 0..df.height() {
            // Exports without event times (an inventory) are kept whatever the window.
            let t = ts[row];
            let mut keep = false;
            for c in &cols {
                match t {
                    Some(t) => mail_who.hits(c[row].as_deref(), t, |_| keep = true),
                    None => {
                        keep |= c[row]
                            .as_deref()
                            .is_some_and(|v| keys_of(v).any(|k| mail_who.0.contains_key(&k)))
                    }
                }
            }
            if keep {
                wanted.add(ev[row].source, ev[row].line, ev[row].offset);
            }
        }
    }
    Ok(())
}

/// Adds findings' evidence and their subjects' activity in their windows.
pub fn add_findings(inputs: &Inputs, findings: &[&Finding], wanted: &mut Wanted) -> Result<()> {
    for f in findings {
        for e in &f.evidence {
            wanted.add(e.source, e.line, e.offset);
        }
    }
    // Licence findings name products from the register: all of it (one row a product).
    if findings.iter().any(|f| f.rule.starts_with("licences."))
        && let Some(df) = &inputs.licences
    {
        for e in Rows::new(df).evidence()? {
            wanted.add(e.source, e.line, e.offset);
        }
    }
    let items: Vec<Subject> = findings
        .iter()
        .map(|f| Subject {
            user: f.user.clone(),
            device: f.device.clone(),
            ip: f.ip.clone(),
            from: f.ts_first,
            to: f.ts_last,
        })
        .collect();
    add_subjects(inputs, &items, wanted)
}

/// Calls `each(line, offset, bytes)` for every line of the file at `path` (gzip read through),
/// in order; stops early when `each` returns false.
pub fn scan_lines(path: &Path, mut each: impl FnMut(u64, u64, &[u8]) -> bool) -> Result<()> {
    let gz = crate::tui::evidence::is_gzip(path).with_context(|| format!("opening {}", path.display()))?;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(file)
    };
    let mut r = BufReader::with_capacity(1 << 20, reader);
    let mut buf = Vec::new();
    let (mut line, mut offset) = (0u64, 0u64);
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let text = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if !each(line, offset, text) {
            return Ok(());
        }
        offset += n as u64;
    }
}

/// Adds the lines a source's format needs to read the others: the preamble and header row of
/// formats that have one, the whole of a document, and the date lines of a licence server log
/// (every line that is not a record).
fn add_context(
    report: &SourceReport,
    inputs: &Inputs,
    opts: &IngestOptions,
    want: &mut BTreeMap<u64, u64>,
) -> Result<()> {
    let Some(format) = report.format else { return Ok(()) };
    let map = opts.web_csv_columns.as_deref();
    if format.is_document() {
        scan_lines(&report.path, |line, offset, _| {
            want.insert(line, offset);
            true
        })?;
    } else if format.has_header() {
        scan_lines(&report.path, |line, offset, text| {
            want.insert(line, offset);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            format.header_columns_with(text, map).is_none() && line < 64
        })?;
    } else if format == Format::Flexlm {
        let records = licence_server_lines(inputs, report.id)?;
        scan_lines(&report.path, |line, offset, _| {
            if !records.contains(&line) {
                want.insert(line, offset);
            }
            true
        })?;
    }
    Ok(())
}

/// The lines of a licence-server source that became records.
fn licence_server_lines(inputs: &Inputs, source: u32) -> PolarsResult<HashSet<u64>> {
    let mut out = HashSet::new();
    if let Some(df) = &inputs.licence_use {
        for e in Rows::new(df).evidence()? {
            if e.source == source {
                out.insert(e.line);
            }
        }
    }
    Ok(out)
}

/// Adds every line of the mail messages that wanted lines belong to (a Postfix message is told
/// over several lines, joined by its queue id).
fn add_messages(report: &SourceReport, opts: &IngestOptions, want: &mut BTreeMap<u64, u64>) -> Result<()> {
    let Some(format) = report
        .format
        .filter(|f| f.kind() == Kind::Mail && !f.has_header() && !f.is_document())
    else {
        return Ok(());
    };
    let mut data = Vec::new();
    scan_lines(&report.path, |_, _, text| {
        data.extend_from_slice(text);
        data.push(b'\n');
        true
    })?;
    let opts = IngestOptions {
        format: Some(format),
        max_rejects_kept: 0,
        ..opts.clone()
    };
    let (_, batches) = vigil_parsers::ingest::parse_buffer(&data, format, &opts);
    let mut by_key: HashMap<Vec<u8>, Vec<(u64, u64)>> = HashMap::new();
    let mut key_of: HashMap<u64, Vec<u8>> = HashMap::new();
    for b in &batches.rows {
        for r in 0..b.rows {
            if let Some(k) = b.cat_value(vigil_parsers::mail::c::MSG_KEY, r) {
                by_key.entry(k.to_vec()).or_default().push((b.line[r], b.offset[r]));
                key_of.insert(b.line[r], k.to_vec());
            }
        }
    }
    let keys: BTreeSet<&Vec<u8>> = want.keys().filter_map(|l| key_of.get(l)).collect();
    let more: Vec<(u64, u64)> = keys
        .into_iter()
        .flat_map(|k| by_key.get(k).into_iter().flatten().copied())
        .collect();
    want.extend(more);
    Ok(())
}

/// Reads the wanted lines of every source, with the context their formats need, exactly as
/// they are in the files; a line no longer where the logs said it was is an error (the file
/// changed since it was read).
pub fn read_wanted(
    sources: &[SourceReport],
    inputs: &Inputs,
    opts: &IngestOptions,
    wanted: Wanted,
) -> Result<Vec<CapturedLine>> {
    let mut out = Vec::new();
    for (source, mut want) in wanted.0 {
        let Some(report) = sources.get(source as usize) else {
            continue;
        };
        anyhow::ensure!(
            !report.utf16,
            "{}: a UTF-16 source cannot be carried in a case (its lines are not the bytes vigil read); convert it to UTF-8 first",
            report.path.display()
        );
        add_messages(report, opts, &mut want)?;
        add_context(report, inputs, opts, &mut want)?;
        let path = report.path.display().to_string();
        let mut problem = None;
        let mut pending = want.iter().peekable();
        scan_lines(&report.path, |line, offset, text| {
            while let Some(&(&l, &o)) = pending.peek() {
                if l > line {
                    break;
                }
                pending.next();
                if l == line && o == offset {
                    out.push(CapturedLine {
                        path: path.clone(),
                        line,
                        offset,
                        bytes: text.to_vec(),
                    });
                } else if l == line {
                    problem = Some(format!(
                        "{path}: line {l} starts at byte {offset}, not {o} as when it was read: the file changed; add again"
                    ));
                    return false;
                }
            }
            pending.peek().is_some()
        })?;
        if let Some(p) = problem {
            anyhow::bail!(p);
        }
        if let Some((l, _)) = pending.next() {
            anyhow::bail!("{path}: has no line {l} any more: the file changed since it was read; add again");
        }
    }
    Ok(out)
}
