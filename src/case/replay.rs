//! `vigil replay BUNDLE`: on a machine with no network and none of the original logs, checks
//! every hash of a case bundle and its log's chain, rebuilds the logs from the bundle's lines
//! (each at its own line number, the lines between left blank), reads them again with the
//! recorded formats, runs the detectors with the case's policy, and compares what they find with
//! the findings recorded; then opens the dashboard over the rebuilt logs, read-only.
//!
//! Findings that measure the whole school (a share of everyone's traffic, a source's gaps, how
//! much of the traffic is attributed) cannot be found again from one case's lines; for those the
//! replay checks their evidence lines and says so.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use vigil_parsers::Format;
use vigil_parsers::discover::Found;
use vigil_queries::detect::{self, Inputs, SourceInfo};

use super::bundle::{self, Manifest, Record};
use super::capture::{RecordedFinding, SourceMeta};
use super::log::LogEntry;
use crate::cli::{Outcome, ReplayArgs};
use crate::report::manifest::sha256;

/// Rules whose findings measure the whole school or a whole source, so a case's lines cannot
/// show them again.
pub const WHOLE_SCHOOL: [&str; 5] = [
    "usage.peak-share",
    "coverage.gap",
    "coverage.unidentified",
    "coverage.not-observable",
    "mail.reject-rate",
];

/// A bundle's records, sorted by kind.
#[derive(Debug, Default)]
pub struct Parts {
    /// The manifest.
    pub manifest: Option<Manifest>,
    /// The policy files (the policy first).
    pub policy: Vec<(String, String)>,
    /// The case log.
    pub log: Vec<LogEntry>,
    /// The sources.
    pub sources: Vec<SourceMeta>,
    /// The lines: (path, line) → (offset, bytes).
    pub lines: BTreeMap<(String, u64), (u64, Vec<u8>)>,
    /// The recorded findings.
    pub findings: Vec<RecordedFinding>,
}

/// Checks what the records say against each other: the case log's chain, the policy's hash,
/// each line's hash, the sources of the lines and the lines of the findings' evidence.
pub fn check(records: Vec<Record>) -> Result<Parts, String> {
    let mut p = Parts::default();
    for r in records {
        match r {
            Record::Manifest(m) => p.manifest = Some(m),
            Record::PolicyFile { name, text } => p.policy.push((name, text)),
            Record::Log(e) => p.log.push(e),
            Record::Source(s) => p.sources.push(s),
            Record::Line {
                path,
                line,
                offset,
                sha256: want,
                text,
                hex,
            } => {
                let bytes = bundle::line_bytes(&text, &hex)
                    .ok_or_else(|| format!("evidence line {path}:{line}: neither text nor hex bytes"))?;
                if line == 0 {
                    return Err(format!("evidence line {path}:0: lines count from 1"));
                }
                if sha256(&bytes) != want {
                    return Err(format!(
                        "evidence line {path}:{line}: its bytes do not match the SHA-256 taken from the source"
                    ));
                }
                p.lines.insert((path, line), (offset, bytes));
            }
            Record::Finding(f) => p.findings.push(f),
            Record::End { .. } => {}
        }
    }
    let m = p.manifest.as_ref().ok_or("no manifest")?;
    crate::chain::check(&p.log, |i| format!("case log entry {}", i + 1))?;
    let opened = p
        .log
        .first()
        .filter(|e| e.action == "open")
        .ok_or("the case log does not start with the opening")?;
    match p.policy.first() {
        Some((name, text)) if name == "policy.toml" => {
            if Some(super::policy_digest(&p.policy)) != opened.data || sha256(text.as_bytes()) != m.policy_sha256 {
                return Err("the policy or a file it names is not what the case was opened with".into());
            }
        }
        _ => return Err("no policy.toml".into()),
    }
    let mut names = std::collections::HashSet::new();
    for (name, _) in &p.policy {
        let plain = Path::new(name).components().all(|c| matches!(c, Component::Normal(_)));
        if !plain || !names.insert(rebuilt_path(name)) {
            return Err(format!(
                "policy file `{name}`: not a plain relative name, or named twice"
            ));
        }
    }
    // Sources: distinct where they are rebuilt, never inside the replay's own directory.
    let mut rebuilt = std::collections::HashSet::new();
    for s in &p.sources {
        let at = rebuilt_path(&s.path);
        if at.as_os_str().is_empty() || at.starts_with(".vigil-replay") || !rebuilt.insert(at) {
            return Err(format!(
                "source {}: rebuilt at the same place as another source, or at none",
                s.path
            ));
        }
    }
    // Lines: each starts after the one before it ends, within the source's size (so the rebuilt
    // logs are no bigger than the originals, whatever a crafted bundle says).
    let mut last: Option<(&str, u64, u64)> = None;
    for ((path, line), (offset, bytes)) in &p.lines {
        let end = offset.saturating_add(bytes.len() as u64).saturating_add(1);
        if let Some((prev_path, prev_line, prev_end)) = last
            && prev_path == path
            && (*offset < prev_end || line - prev_line > offset - prev_end + 1)
        {
            return Err(format!(
                "evidence line {path}:{line}: its offset {offset} does not follow the line before it"
            ));
        }
        // gzip inflates at most about 1,032 times.
        let limit = p.sources.iter().find(|s| s.path == *path).map_or(0, |s| {
            if s.path.ends_with(".gz") {
                s.size.saturating_mul(1100)
            } else {
                s.size.saturating_add(1)
            }
        });
        if end > limit || *line > offset.saturating_add(1) {
            return Err(format!(
                "evidence line {path}:{line}: beyond the end of its source ({offset} + {} bytes)",
                bytes.len()
            ));
        }
        last = Some((path, *line, end));
    }
    for (path, line) in p.lines.keys() {
        if !p.sources.iter().any(|s| s.path == *path) {
            return Err(format!("evidence line {path}:{line}: its source is not in the bundle"));
        }
    }
    for f in &p.findings {
        for (path, line, offset) in &f.evidence {
            if p.lines.get(&(path.clone(), *line)).map(|l| l.0) != Some(*offset) {
                return Err(format!(
                    "finding {} ({}): its evidence line {path}:{line} is not in the bundle",
                    f.id, f.rule
                ));
            }
        }
    }
    let counts = (p.sources.len() as u64, p.lines.len() as u64, p.findings.len() as u64);
    if counts != m.counts {
        return Err(format!(
            "the manifest counts {:?} (sources, lines, findings) but the bundle holds {counts:?}",
            m.counts
        ));
    }
    Ok(p)
}

/// Where a source's path is rebuilt under the replay directory: the same relative path, an
/// absolute one made relative, `..` dropped.
fn rebuilt_path(original: &str) -> PathBuf {
    Path::new(original)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Writes the logs the bundle's lines come from under `root`: each line at its own line number,
/// the lines between left empty, gzip where the source was, with the source's modification time.
pub fn rebuild(root: &Path, p: &Parts) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for s in &p.sources {
        let lines: Vec<(u64, &Vec<u8>)> = p
            .lines
            .range((s.path.clone(), 0)..=(s.path.clone(), u64::MAX))
            .map(|((_, l), (_, b))| (*l, b))
            .collect();
        if lines.is_empty() {
            continue;
        }
        let rel = rebuilt_path(&s.path);
        let path = root.join(&rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let file = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        let written = if s.path.ends_with(".gz") {
            let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
            write_at_lines(&mut gz, &lines).and_then(|()| gz.finish()?.flush())
        } else {
            let mut plain = file;
            write_at_lines(&mut plain, &lines).and_then(|()| plain.flush())
        };
        written.with_context(|| format!("writing {}", path.display()))?;
        if let Some(ms) = s.mtime_ms {
            filetime::set_file_mtime(&path, filetime::FileTime::from_unix_time(ms.div_euclid(1000), 0))
                .with_context(|| format!("setting the time of {}", path.display()))?;
        }
        found.push(Found {
            path: rel,
            explicit: true,
            format: s.format.as_deref().and_then(Format::from_name),
        });
    }
    Ok(found)
}

/// Writes each line at its line number, empty lines between.
fn write_at_lines(w: &mut impl Write, lines: &[(u64, &Vec<u8>)]) -> std::io::Result<()> {
    static BLANK: [u8; 1 << 16] = [b'\n'; 1 << 16];
    let mut at = 1u64;
    for &(n, bytes) in lines {
        let mut gap = n.saturating_sub(at);
        while gap > 0 {
            let k = gap.min(BLANK.len() as u64);
            w.write_all(&BLANK[..k as usize])?;
            gap -= k;
        }
        w.write_all(bytes)?;
        w.write_all(b"\n")?;
        at = n + 1;
    }
    Ok(())
}

/// What the replay found about one recorded finding.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Found again, identical.
    Same,
    /// Found again with these differences.
    Differs(Vec<String>),
    /// Not found again.
    Missing,
    /// A whole-school measure: not found again, as expected; its evidence lines verified.
    WholeSchool,
}

/// Compares a recorded finding with what the replay found under the same id.
pub fn compare(rec: &RecordedFinding, got: Option<&RecordedFinding>) -> Verdict {
    let whole_school = WHOLE_SCHOOL.contains(&rec.rule.as_str());
    let Some(got) = got else {
        return if whole_school {
            Verdict::WholeSchool
        } else {
            Verdict::Missing
        };
    };
    let mut diffs = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            diffs.push(format!("{name}: recorded {a}, replayed {b}"));
        }
    };
    field("severity", rec.severity.clone(), got.severity.clone());
    field("count", rec.count.to_string(), got.count.to_string());
    field("summary", rec.summary.clone(), got.summary.clone());
    field("about", format!("{:?}", rec.about), format!("{:?}", got.about));
    if rec.evidence != got.evidence {
        let missing = rec.evidence.iter().filter(|e| !got.evidence.contains(e)).count();
        let extra = got.evidence.iter().filter(|e| !rec.evidence.contains(e)).count();
        diffs.push(format!(
            "evidence: {} recorded lines, {} replayed ({missing} not found again, {extra} new)",
            rec.evidence.len(),
            got.evidence.len()
        ));
    }
    match (diffs.is_empty(), whole_school) {
        (true, _) => Verdict::Same,
        (false, true) => Verdict::WholeSchool,
        (false, false) => Verdict::Differs(diffs),
    }
}

/// What a replay came to.
pub struct Replayed {
    /// The bundle's parts.
    pub parts: Parts,
    /// The bundle's fingerprint.
    pub fingerprint: String,
    /// Each recorded finding with its verdict.
    pub verdicts: Vec<(RecordedFinding, Verdict)>,
    /// Per rebuilt source: path, lines read, records, lines not understood.
    pub reparsed: Vec<(String, u64, u64, u64)>,
    /// The rebuilt logs (relative to the replay directory) and how to read them.
    pub found: Vec<Found>,
    /// The options the logs were read with.
    pub opts: vigil_parsers::ingest::IngestOptions,
    /// The case's policy.
    pub cx: Arc<vigil_queries::context::Context>,
}

/// Checks the bundle, rebuilds its logs under `root` (which becomes the working directory, so
/// that the rebuilt logs have the paths the originals had) and runs the detectors again.
pub fn replay(bundle_path: &Path, root: &Path) -> Result<Result<Replayed, String>> {
    let b = match bundle::read(bundle_path) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let parts = match check(b.records) {
        Ok(p) => p,
        Err(e) => return Ok(Err(format!("{}: {e}", bundle_path.display()))),
    };
    let m = parts.manifest.clone().context("no manifest")?;
    let policy_dir = root.join(".vigil-replay/policy");
    for (name, text) in &parts.policy {
        let path = policy_dir.join(rebuilt_path(name));
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&path, text)?;
    }
    let policy_path = policy_dir.join("policy.toml");
    let cx = vigil_queries::context::Context::load(&policy_path)
        .map_err(|p| anyhow::anyhow!("the bundle's policy does not load here: {}", super::problems(&p)))?;
    std::env::set_current_dir(root).with_context(|| format!("entering {}", root.display()))?;
    let found = rebuild(Path::new("."), &parts)?;
    let map = crate::commands::findings::policy_columns(&cx, Some(&policy_path))?;
    let opts = vigil_parsers::ingest::IngestOptions {
        tz: vigil_parsers::time::parse_tz(&m.tz)?,
        columns: detect::web_columns(),
        web_csv_columns: map.map(Arc::new),
        ..Default::default()
    };
    let ingest = vigil_parsers::ingest::ingest_files(&found, &opts);
    let original: HashMap<PathBuf, &SourceMeta> = parts.sources.iter().map(|s| (rebuilt_path(&s.path), s)).collect();
    let reparsed: Vec<(String, u64, u64, u64)> = ingest
        .sources
        .iter()
        .map(|s| {
            let name = original
                .get(&s.path)
                .map_or_else(|| s.path.display().to_string(), |m| m.path.clone());
            (name, s.lines - s.blank, s.rows, s.rejected)
        })
        .collect();
    if let Some(e) = ingest.sources.iter().find_map(|s| s.error.clone()) {
        return Ok(Err(format!("a rebuilt log could not be read: {e}")));
    }
    let rebuilt_sources = ingest.sources.clone();
    let mut inputs = Inputs::from_ingest(ingest, cx.tz)?;
    // Each source as it was when the case was made (its span, its export time), and the
    // sources the case kept no line of, so the detectors see the same period and kinds.
    let as_was = |s: &SourceMeta| SourceInfo {
        path: s.path.clone(),
        kind: s
            .kind
            .as_deref()
            .and_then(|k| vigil_parsers::Kind::ALL.into_iter().find(|x| x.as_str() == k)),
        span: s.span,
        taken: s.taken,
    };
    for (info, report) in inputs.sources.iter_mut().zip(&rebuilt_sources) {
        if let Some(m) = original.get(&report.path) {
            *info = as_was(m);
        }
    }
    let kept: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
    inputs.sources.extend(
        parts
            .sources
            .iter()
            .filter(|s| !kept.contains(&rebuilt_path(&s.path)))
            .map(as_was),
    );
    let (outcome, _) = detect::run(&cx, inputs)?;
    // Replayed evidence by the original path and offset.
    let path_of = |i: u32| {
        rebuilt_sources
            .get(i as usize)
            .and_then(|r| original.get(&r.path))
            .map_or_else(|| "-".to_owned(), |m| m.path.clone())
    };
    let got: HashMap<String, RecordedFinding> = outcome
        .findings
        .iter()
        .map(|f| {
            let mut r = RecordedFinding::of(f, path_of);
            for e in &mut r.evidence {
                if let Some((offset, _)) = parts.lines.get(&(e.0.clone(), e.1)) {
                    e.2 = *offset;
                }
            }
            (r.id.clone(), r)
        })
        .collect();
    let verdicts = parts
        .findings
        .iter()
        .map(|rec| (rec.clone(), compare(rec, got.get(&rec.id))))
        .collect();
    Ok(Ok(Replayed {
        parts,
        fingerprint: b.fingerprint,
        verdicts,
        reparsed,
        found,
        opts,
        cx: Arc::new(cx),
    }))
}

/// `vigil replay`.
pub fn run(args: &ReplayArgs) -> Result<Outcome> {
    let bundle_path = std::path::absolute(&args.bundle).with_context(|| format!("{}", args.bundle.display()))?;
    let keymap = crate::tui::keymap_for(args.keys.as_deref())?;
    let root = tempfile::Builder::new()
        .prefix("vigil-replay-")
        .tempdir()
        .context("creating the replay directory")?;
    let audit_state = crate::tui::store::default_dir();
    let r = match replay(&bundle_path, root.path())? {
        Ok(r) => r,
        Err(problem) => {
            eprintln!("vigil: {problem}");
            eprintln!("vigil: the bundle fails verification: it is not as exported; do not rely on it");
            return Ok(Outcome::Failed);
        }
    };
    let m = r.parts.manifest.as_ref().context("no manifest")?;
    crate::audit::append(
        &audit_state,
        "replay",
        &format!(
            "case {} bundle {} fingerprint {}",
            m.case,
            args.bundle.display(),
            r.fingerprint
        ),
        None,
    )
    .context("writing vigil's access log (set VIGIL_STATE_DIR to a writable directory)")?;
    let mut out = std::io::stdout().lock();
    let opened = r.parts.log.first().context("no log")?;
    writeln!(
        out,
        "bundle {}: verified (every record's SHA-256, the end record, the case log's chain of {} entries, the policy, {} evidence lines)\nfingerprint {} (compare it with the one `vigil case export` printed and `vigil case show` lists: the bundle can only vouch for itself)\ncase {}, opened {} by {} with {}; exported {} by {} (vigil {})",
        args.bundle.display(),
        r.parts.log.len(),
        r.parts.lines.len(),
        r.fingerprint,
        m.case,
        opened.at,
        opened.by,
        m.investigators.join(", "),
        m.exported_at,
        m.exported_by,
        m.vigil_version
    )?;
    for (path, lines, rows, rejected) in &r.reparsed {
        writeln!(
            out,
            "re-read {path}: {lines} lines, {rows} records{}",
            if *rejected > 0 {
                format!(", {rejected} lines not understood")
            } else {
                String::new()
            }
        )?;
    }
    let mut same = 0;
    let mut problems = 0;
    for (f, v) in &r.verdicts {
        let head = format!("{} {} {} {}", f.id, f.severity, f.rule, f.subject());
        match v {
            Verdict::Same => {
                same += 1;
                writeln!(out, "  same       {head}")?;
            }
            Verdict::WholeSchool => writeln!(
                out,
                "  evidence   {head}: its {} evidence lines verified; a whole-school measure, not found again from the case's lines",
                f.evidence.len()
            )?,
            Verdict::Missing => {
                problems += 1;
                writeln!(out, "  MISSING    {head}: not found again from the bundle's lines")?;
            }
            Verdict::Differs(d) => {
                problems += 1;
                writeln!(out, "  DIFFERENT  {head}: {}", d.join("; "))?;
            }
        }
    }
    writeln!(
        out,
        "{same} of {} recorded findings found again exactly{}",
        r.verdicts.len(),
        if problems > 0 {
            format!("; {problems} differ (listed above)")
        } else {
            String::new()
        }
    )?;
    out.flush()?;
    drop(out);
    let outcome = if problems > 0 { Outcome::Partial } else { Outcome::Ok };
    use std::io::IsTerminal;
    if args.no_dashboard || !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Ok(outcome);
    }
    let state = root.path().join(".vigil-replay/state");
    let store = crate::tui::store::Store::open(&state, true)?;
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut app = crate::tui::app::App::new(r.cx.clone(), keymap, store, colour);
    // Searches and look-ups on the isolated machine are in its own access log.
    app.audit_dir = Some(audit_state);
    let spec = crate::tui::load::LoadSpec {
        found: r.found,
        opts: r.opts,
        cx: r.cx,
    };
    crate::tui::run_prepared(crate::tui::Prepared { app, spec }, &state.join("vigil.log"))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Linked;

    fn records(lines: &[(u64, u64, &str)], policy: &[(&str, &str)]) -> Vec<Record> {
        let files: Vec<(String, String)> = policy.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
        let mut open = LogEntry {
            seq: 1,
            at: "2026-11-23T09:00:00Z".into(),
            by: "nm".into(),
            investigators: vec!["A".into(), "B".into()],
            action: "open".into(),
            what: "opened".into(),
            data: Some(super::super::policy_digest(&files)),
            prev: crate::chain::GENESIS.into(),
            hash: String::new(),
        };
        open.set_hash(crate::chain::entry_hash(&open));
        let mut out = vec![Record::Manifest(Manifest {
            vigil_version: "0.1.0".into(),
            case: "c".into(),
            exported_at: "2026-11-23T10:00:00Z".into(),
            exported_by: "nm".into(),
            investigators: vec!["A".into(), "B".into()],
            policy_sha256: sha256(policy[0].1.as_bytes()),
            tz: "Europe/London".into(),
            counts: (1, lines.len() as u64, 0),
        })];
        out.extend(files.into_iter().map(|(name, text)| Record::PolicyFile { name, text }));
        out.push(Record::Log(open));
        out.push(Record::Source(SourceMeta {
            path: "logs/access.log".into(),
            size: 40,
            sha256: sha256(b""),
            mtime_ms: None,
            format: Some("squid".into()),
            kind: Some("web".into()),
            span: None,
            taken: None,
        }));
        for &(line, offset, text) in lines {
            out.push(Record::line(&super::super::capture::CapturedLine {
                path: "logs/access.log".into(),
                line,
                offset,
                bytes: text.as_bytes().to_vec(),
            }));
        }
        out
    }

    #[test]
    fn a_crafted_bundle_cannot_make_replay_write_outside_or_beyond_the_sources() {
        let policy = [("policy.toml", "[school]\n")];
        assert!(check(records(&[(1, 0, "first"), (3, 20, "third")], &policy)).is_ok());
        for (lines, want) in [
            (vec![(1, 0, "first"), (2, 3, "overlaps")], "does not follow"),
            (vec![(1, 0, "first"), (900, 10, "far")], "does not follow"),
            (vec![(1, 0, "x"), (2, 1_000_000_000_000, "huge")], "beyond the end"),
            (vec![(1_000_000, 0, "x")], "beyond the end"),
        ] {
            let got = check(records(&lines, &policy));
            assert!(got.as_ref().is_err_and(|e| e.contains(want)), "{lines:?}: {got:?}");
        }
        let twice = [("policy.toml", "[school]\n"), ("./policy.toml", "other")];
        let got = check(records(&[(1, 0, "x")], &twice));
        assert!(got.is_err(), "a second policy.toml under another spelling");
        let mut recs = records(&[(1, 0, "x")], &[("policy.toml", "[school]\n"), ("lists/a", "b")]);
        if let Some(Record::PolicyFile { text, .. }) = recs.get_mut(2) {
            *text = "c".into();
        }
        let got = check(recs);
        assert!(got.as_ref().is_err_and(|e| e.contains("a file it names")), "{got:?}");
    }

    #[test]
    fn rebuilt_paths_stay_inside_the_replay_directory() {
        assert_eq!(
            rebuilt_path("/var/log/squid/access.log"),
            PathBuf::from("var/log/squid/access.log")
        );
        assert_eq!(rebuilt_path("../../etc/passwd"), PathBuf::from("etc/passwd"));
        assert_eq!(
            rebuilt_path("sample-logs/proxy/access.log.2.gz"),
            PathBuf::from("sample-logs/proxy/access.log.2.gz")
        );
    }
}
