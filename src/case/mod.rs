//! Evidence cases (`vigil case …`) and their replay on an isolated machine (`vigil replay`).
//!
//! A case lives in the state directory (`cases/NAME/`, 0700): its hash-chained log
//! (`log.jsonl`), the policy it was opened with (`policy/`), and one file per addition
//! (`adds/<SHA-256>.json`: the sources read, the exact lines kept and the findings recorded), whose
//! SHA-256 the log entry of the addition holds. `vigil case export` checks all of it and writes
//! one bundle file ([`bundle`]); `vigil replay` checks the bundle, rebuilds the logs from its
//! lines, runs the detectors again and compares ([`replay`]).

pub mod bundle;
pub mod capture;
pub mod log;
pub mod replay;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use vigil_queries::detect::{self, Inputs};

use crate::cli::{CaseAddArgs, CaseExportArgs, CaseListArgs, CaseNoteArgs, CaseOpenArgs, CaseShowArgs, Outcome};
use bundle::Record;
use capture::{RecordedFinding, SourceMeta, Subject, Wanted};
use log::LogEntry;

/// What one `vigil case add` kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Added {
    /// The time zone the logs were read in.
    pub tz: String,
    /// Every source read.
    pub sources: Vec<SourceMeta>,
    /// The findings filed.
    pub findings: Vec<RecordedFinding>,
    /// The lines kept ([`Record::Line`]s).
    pub lines: Vec<Record>,
}

/// A case in the state directory, its log checked.
pub struct Case {
    /// Its name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its log, in order.
    pub log: Vec<LogEntry>,
}

/// A case name: letters, digits, `.`, `_` and `-`, not starting with a dot.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    anyhow::ensure!(
        ok,
        "`{name}` is not a case name: use letters, digits, `.`, `_` and `-` (e.g. 2026-11-incident-3)"
    );
    Ok(())
}

fn cases_dir(state: Option<&Path>) -> PathBuf {
    state
        .map_or_else(crate::tui::store::default_dir, Path::to_path_buf)
        .join("cases")
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Case {
    /// Opens the case `name` in `state` and checks its log.
    pub fn load(state: Option<&Path>, name: &str) -> Result<Case> {
        check_name(name)?;
        let dir = cases_dir(state).join(name);
        let path = dir.join("log.jsonl");
        anyhow::ensure!(
            path.exists(),
            "no case `{name}` in {} (`vigil case list` lists them; `vigil case open` opens one)",
            cases_dir(state).display()
        );
        let log: Vec<LogEntry> = crate::chain::verify(&path).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}: the case log was changed; nothing more is added to it",
                path.display()
            )
        })?;
        anyhow::ensure!(
            log.first().is_some_and(|e| e.action == "open"),
            "{}: the first entry is not the opening",
            path.display()
        );
        // A chain cannot show entries cut from its end; vigil's access log names each entry.
        let state = state.map_or_else(crate::tui::store::default_dir, Path::to_path_buf);
        let access = crate::audit::path_in(&state);
        if access.exists() {
            let entries = crate::audit::verify(&access).map_err(|e| anyhow::anyhow!("{}: {e}", access.display()))?;
            let prefix = format!("case {name} entry ");
            // From this case's opening on (a case of the same name may have been removed before).
            let mut this_case = false;
            for e in entries.iter().filter(|e| e.action == "case") {
                let Some(rest) = e.what.strip_prefix(&prefix) else {
                    continue;
                };
                let mut words = rest.split(' ');
                let seq: Option<usize> = words.next().and_then(|s| s.parse().ok());
                let hash = words.next_back();
                if seq == Some(1) {
                    this_case = log.first().map(|o| o.hash.as_str()) == hash;
                }
                if !this_case {
                    continue;
                }
                let held = seq.and_then(|s| log.get(s.wrapping_sub(1))).map(|x| x.hash.as_str());
                anyhow::ensure!(
                    held.is_some() && held == hash,
                    "{}: entry {} of this case (written {} by {}) is missing or different: entries were cut from the end of the case log",
                    path.display(),
                    seq.unwrap_or(0),
                    e.at,
                    e.by
                );
            }
        }
        Ok(Case {
            name: name.to_owned(),
            dir,
            log,
        })
    }

    /// The investigators named when it was opened.
    pub fn investigators(&self) -> Vec<String> {
        self.log.first().map(|e| e.investigators.clone()).unwrap_or_default()
    }

    /// The policy file.
    pub fn policy_path(&self) -> PathBuf {
        self.dir.join("policy/policy.toml")
    }

    /// Appends an entry; `present` are the investigators present (default: those named at
    /// opening).
    pub fn append(&mut self, present: &[String], action: &str, what: &str, data: Option<String>) -> Result<LogEntry> {
        let investigators = if present.is_empty() {
            self.investigators()
        } else {
            present.to_vec()
        };
        let e = crate::chain::append(&self.dir.join("log.jsonl"), |seq, prev| LogEntry {
            seq,
            at: now(),
            by: crate::tui::store::os_user(),
            investigators,
            action: action.to_owned(),
            what: what.to_owned(),
            data,
            prev,
            hash: String::new(),
        })?;
        self.log.push(e.clone());
        let state = self.dir.parent().and_then(Path::parent).unwrap_or(Path::new("."));
        crate::audit::append(
            state,
            "case",
            &format!("case {} entry {} {} {}", self.name, e.seq, e.action, e.hash),
            None,
        )
        .context("writing vigil's access log")?;
        Ok(e)
    }

    /// The policy files (the policy first) as (name, text), checked against the opening entry.
    pub fn policy_files(&self) -> Result<Vec<(String, String)>> {
        let base = self.dir.join("policy");
        let mut files = Vec::new();
        walk(&base, &base, &mut files)?;
        files.sort_by(|a, b| (a.0 != "policy.toml", &a.0).cmp(&(b.0 != "policy.toml", &b.0)));
        let want = self.log.first().and_then(|e| e.data.clone()).unwrap_or_default();
        anyhow::ensure!(
            files.first().is_some_and(|(n, _)| n == "policy.toml") && policy_digest(&files) == want,
            "{}: the case's policy or a file it names is missing, added or changed since the case was opened",
            self.dir.join("policy").display()
        );
        Ok(files)
    }

    /// Every addition (`adds/<its SHA-256>.json`), checked against the SHA-256 its log entry
    /// holds; an addition the log does not name (its entry removed) is an error too.
    pub fn additions(&self) -> Result<Vec<Added>> {
        let mut out = Vec::new();
        let mut named = std::collections::HashSet::new();
        for e in self.log.iter().filter(|e| e.action == "add") {
            let hash = e.data.clone().unwrap_or_default();
            anyhow::ensure!(
                hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                "entry {} of the case log names no addition",
                e.seq
            );
            let path = self.dir.join(format!("adds/{hash}.json"));
            let bytes = std::fs::read(&path)
                .with_context(|| format!("reading {} (added in entry {} of the case log)", path.display(), e.seq))?;
            anyhow::ensure!(
                crate::report::manifest::sha256(&bytes) == hash,
                "{}: changed since it was added (entry {} of the case log holds another SHA-256)",
                path.display(),
                e.seq
            );
            out.push(serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?);
            named.insert(format!("{hash}.json"));
        }
        if let Ok(dir) = std::fs::read_dir(self.dir.join("adds")) {
            for f in dir.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                anyhow::ensure!(
                    named.contains(&name),
                    "{}: an addition the case log does not name: its entry was removed, or `vigil case add` was stopped before logging it (then remove the file)",
                    f.path().display()
                );
            }
        }
        Ok(out)
    }
}

/// Policy problems, one a line.
pub(crate) fn problems(p: &[vigil_queries::policy::Problem]) -> String {
    p.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// SHA-256 over a policy's files (the policy and the lists it names), by name: what the opening
/// entry of a case holds.
pub fn policy_digest(files: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort();
    let mut all = Vec::new();
    for (name, text) in sorted {
        all.extend_from_slice(format!("{}\0{name}\0{}\0", name.len(), text.len()).as_bytes());
        all.extend_from_slice(text.as_bytes());
    }
    crate::report::manifest::sha256(&all)
}

/// Every file under `dir` as (name relative to `base`, text).
fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(base, &path, out)?;
        } else {
            let name = path.strip_prefix(base).unwrap_or(&path).to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            out.push((name, text));
        }
    }
    Ok(())
}

/// The files a policy names (group lists, list directories, keyword files), relative to it.
fn named_files(policy: &vigil_queries::policy::Policy, base: &Path) -> Result<Vec<(String, String)>> {
    let mut names: Vec<String> = policy.groups.values().filter_map(|g| g.list.clone()).collect();
    names.extend(policy.keywords.files.iter().map(|f| f.path.clone()));
    let mut out = Vec::new();
    for name in names.iter().chain(&policy.lists.dirs) {
        anyhow::ensure!(
            Path::new(name).is_relative() && !name.split('/').any(|p| p == ".."),
            "the policy names `{name}`: a case carries the files a policy names only when they are inside its directory (a relative path without `..`)"
        );
    }
    for name in names {
        let text = std::fs::read_to_string(base.join(&name))
            .with_context(|| format!("reading {}", base.join(&name).display()))?;
        out.push((name, text));
    }
    for dir in &policy.lists.dirs {
        let mut files = Vec::new();
        walk(base, &base.join(dir), &mut files)?;
        out.extend(files);
    }
    Ok(out)
}

/// Writes `text` to `path` (0600), creating its directory (0700).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        crate::tui::store::private_dir(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// `vigil case open`.
pub fn open(args: &CaseOpenArgs) -> Result<Outcome> {
    check_name(&args.name)?;
    let mut investigators: Vec<String> = args.investigator.iter().map(|s| s.trim().to_owned()).collect();
    investigators.retain(|s| !s.is_empty());
    investigators.dedup();
    anyhow::ensure!(
        investigators.len() >= 2,
        "name at least two investigators (--investigator A --investigator B): the school's procedure has more than one senior person involved"
    );
    let (text, files) = match &args.policy {
        Some(p) => {
            crate::commands::findings::load_policy(Some(p))?;
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let policy =
                vigil_queries::policy::Policy::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            let base = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            (text, named_files(&policy, base)?)
        }
        None => (vigil_queries::policy::TEMPLATE.to_owned(), Vec::new()),
    };
    let dir = cases_dir(args.state_dir.as_deref()).join(&args.name);
    anyhow::ensure!(
        !dir.exists(),
        "case `{}` exists ({}): choose another name",
        args.name,
        dir.display()
    );
    crate::tui::store::private_dir(&dir)?;
    write_private(&dir.join("policy/policy.toml"), text.as_bytes())?;
    for (name, body) in &files {
        write_private(&dir.join("policy").join(name), body.as_bytes())?;
    }
    let mut case = Case {
        name: args.name.clone(),
        dir,
        log: Vec::new(),
    };
    let reason = args.reason.clone().unwrap_or_else(|| "opened".to_owned());
    let mut all = vec![("policy.toml".to_owned(), text.clone())];
    all.extend(files.iter().cloned());
    case.append(&investigators, "open", &reason, Some(policy_digest(&all)))?;
    println!(
        "opened case {} (investigators: {}); add to it with `vigil case add {} --finding ID PATH…`",
        args.name,
        investigators.join(", "),
        args.name
    );
    Ok(Outcome::Ok)
}

/// Adds a note to case `name` in `state`; returns its entry's number.
pub fn note_in(state: &Path, name: &str, text: &str, present: &[String]) -> Result<u64> {
    let mut case = Case::load(Some(state), name)?;
    anyhow::ensure!(!text.trim().is_empty(), "the note is empty");
    Ok(case.append(present, "note", text, None)?.seq)
}

/// `vigil case note`.
pub fn note(args: &CaseNoteArgs) -> Result<Outcome> {
    let state = args.state_dir.clone().unwrap_or_else(crate::tui::store::default_dir);
    let seq = note_in(&state, &args.name, &args.text, &args.investigator)?;
    println!("noted in case {} (entry {seq})", args.name);
    Ok(Outcome::Ok)
}

/// What `vigil case add` did.
pub struct AddReport {
    /// How reading the logs went.
    pub outcome: Outcome,
    /// One line per problem with the sources.
    pub problems: Vec<String>,
    /// What was added (a line, then one line per finding).
    pub summary: String,
}

/// `vigil case add`: prints the problems on stderr and what was added on stdout.
pub fn add(args: &CaseAddArgs) -> Result<Outcome> {
    let r = add_quiet(args)?;
    for p in &r.problems {
        eprintln!("vigil: {p}");
    }
    print!("{}", r.summary);
    Ok(r.outcome)
}

/// A `--lines FILE:FIRST[-LAST]` value.
fn parse_lines(spec: &str) -> Result<(PathBuf, u64, u64)> {
    let bad =
        || anyhow::anyhow!("`{spec}` is not FILE:LINE or FILE:FIRST-LAST (e.g. /var/log/squid/access.log:120-135)");
    let (file, range) = spec.rsplit_once(':').ok_or_else(bad)?;
    let (a, b) = range.split_once('-').unwrap_or((range, range));
    let (a, b): (u64, u64) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    anyhow::ensure!(
        a >= 1 && a <= b,
        "`{spec}`: lines count from 1 and the first comes before the last"
    );
    Ok((PathBuf::from(file), a, b))
}

/// Adds the lines a `--lines FILE:FIRST[-LAST]` value names; FILE must be among `reports`.
fn add_lines(reports: &[vigil_parsers::ingest::SourceReport], spec: &str, wanted: &mut Wanted) -> Result<()> {
    let (file, first, last) = parse_lines(spec)?;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let source = reports
        .iter()
        .position(|r| canon(&r.path) == canon(&file))
        .with_context(|| format!("{}: not among the logs read (name it as a PATH too)", file.display()))?;
    let mut seen = 0;
    capture::scan_lines(&file, |line, offset, _| {
        if (first..=last).contains(&line) {
            wanted.0.entry(source as u32).or_default().insert(line, offset);
            seen += 1;
        }
        line < last
    })?;
    anyhow::ensure!(
        seen == last - first + 1,
        "{}: has only {} lines",
        file.display(),
        first + seen - 1
    );
    Ok(())
}

/// The findings named by `ids` (whole ids or unique prefixes of at least 6 characters).
fn pick<'a>(
    findings: &'a [vigil_queries::findings::Finding],
    ids: &[String],
) -> Result<Vec<&'a vigil_queries::findings::Finding>> {
    let mut out = Vec::new();
    for id in ids {
        let hits: Vec<_> = findings
            .iter()
            .filter(|f| f.id == *id || (id.len() >= 6 && f.id.starts_with(id.as_str())))
            .collect();
        match hits.as_slice() {
            [f] => out.push(*f),
            [] => anyhow::bail!(
                "no finding {id} in these logs with the case's policy (`vigil findings --output csv` lists the ids)"
            ),
            _ => anyhow::bail!("{id} is the start of {} findings' ids: give more of it", hits.len()),
        }
    }
    Ok(out)
}

/// The dashboard's case basket, moved into the case while it is being filed; put back (added
/// to any new basket) when the filing fails.
struct TakenBasket {
    path: PathBuf,
    home: PathBuf,
    filed: bool,
}

impl TakenBasket {
    fn take(state: &Path, case: &Path) -> Result<TakenBasket> {
        let home = state.join("case-basket.jsonl");
        let path = case.join(format!("basket-filing-{}.jsonl", std::process::id()));
        std::fs::rename(&home, &path).with_context(|| {
            format!(
                "taking the case basket {} (`c` in the dashboard fills it)",
                home.display()
            )
        })?;
        Ok(TakenBasket {
            path,
            home,
            filed: false,
        })
    }

    /// The ids of the findings in the basket.
    fn ids(&self) -> Result<Vec<String>> {
        let path = &self.path;
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut ids = Vec::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let item: crate::tui::store::BasketItem = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a basket item", path.display(), i + 1))?;
            let id = item.finding.get("id").and_then(|v| v.as_str()).map(str::to_owned);
            ids.push(id.with_context(|| format!("{}:{}: no finding id", path.display(), i + 1))?);
        }
        Ok(ids)
    }

    fn file(mut self, to: &Path) -> Result<()> {
        std::fs::rename(&self.path, to).with_context(|| format!("filing the basket as {}", to.display()))?;
        self.filed = true;
        Ok(())
    }
}

impl Drop for TakenBasket {
    fn drop(&mut self) {
        if self.filed {
            return;
        }
        let Ok(text) = std::fs::read(&self.path) else { return };
        let put_back = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.home)
            .and_then(|mut f| f.write_all(&text));
        if put_back.is_ok() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `vigil case add` without a word on the terminal (for the dashboard).
pub fn add_quiet(args: &CaseAddArgs) -> Result<AddReport> {
    let state = args.state_dir.clone().unwrap_or_else(crate::tui::store::default_dir);
    let mut case = Case::load(Some(&state), &args.name)?;
    anyhow::ensure!(
        !args.finding.is_empty() || args.basket || args.person.is_some() || !args.lines.is_empty(),
        "say what to add: --finding ID, --basket, --person USER [--since --until] or --lines FILE:FIRST-LAST"
    );
    let policy_path = case.policy_path();
    case.policy_files()?;
    let cx = vigil_queries::context::Context::load(&policy_path)
        .map_err(|p| anyhow::anyhow!("the case's policy {}: {}", policy_path.display(), problems(&p)))?;
    anyhow::ensure!(
        args.input.columns.is_none(),
        "--columns is not carried into a case: put its [web-csv] table in the policy file and open the case with that policy"
    );
    let map = crate::commands::findings::policy_columns(&cx, Some(&policy_path))?;
    let opts = vigil_parsers::ingest::IngestOptions {
        format: args.input.format.0,
        tz: vigil_parsers::time::parse_tz(&args.input.tz)?,
        columns: detect::web_columns(),
        mmap: !args.input.no_mmap,
        web_csv_columns: map.map(Arc::new),
        ..Default::default()
    };
    let ingest = vigil_parsers::ingest::ingest(&args.input.paths, &opts).context("reading the inputs")?;
    let problems = crate::commands::source_problems(&ingest);
    let outcome = crate::commands::classify(&ingest);
    if outcome == Outcome::Failed {
        return Ok(AddReport {
            outcome,
            problems,
            summary: String::new(),
        });
    }
    let reports = ingest.sources.clone();
    let metas = capture::source_metas(&reports, cx.tz)?;
    // A path read by an earlier addition must still be that file, grown at most: its lines are
    // merged in one bundle.
    let earlier = case.additions()?;
    for m in &metas {
        for prev in earlier.iter().flat_map(|a| &a.sources).filter(|p| p.path == m.path) {
            let same = prev.size <= m.size
                && crate::report::manifest::sha256_file_prefix(Path::new(&m.path), prev.size)? == prev.sha256;
            anyhow::ensure!(
                same,
                "{}: not the file an earlier addition read (rotated or rewritten since; its first {} bytes differ): name it by its new name (e.g. access.log.1), or open another case",
                m.path,
                prev.size
            );
        }
    }
    let inputs = Inputs::from_ingest(ingest, cx.tz)?;
    let (found, inputs) = detect::run(&cx, inputs)?;
    let path_of = |i: u32| {
        reports
            .get(i as usize)
            .map_or("-".to_owned(), |s| s.path.display().to_string())
    };

    let mut ids = args.finding.clone();
    let mut taken = None;
    if args.basket {
        // Taken first, so that findings put in the basket meanwhile go into a new one.
        let held = TakenBasket::take(&state, &case.dir)?;
        ids.extend(held.ids()?);
        taken = Some(held);
    }
    ids.sort();
    ids.dedup();
    let mut chosen = pick(&found.findings, &ids)?;
    let mut wanted = Wanted::default();
    let mut said = Vec::new();
    if let Some(person) = &args.person {
        let time = |t: &Option<String>, default: i64| {
            t.as_deref()
                .map_or(Ok(default), |s| crate::commands::findings::parse_time(&cx, s))
        };
        let (from, to) = (time(&args.since, i64::MIN / 2)?, time(&args.until, i64::MAX / 2)?);
        let who = Subject {
            user: Some(person.clone()),
            device: Some(person.clone()),
            ip: Some(person.clone()),
            from,
            to: to - 1,
        };
        let before = wanted.len();
        capture::add_subjects(&inputs, &[who], &mut wanted)?;
        let theirs: Vec<_> = found
            .findings
            .iter()
            .filter(|f| {
                [&f.user, &f.device, &f.ip]
                    .iter()
                    .any(|v| capture::names(v.as_deref(), person))
                    && f.ts_last >= from
                    && f.ts_first < to
            })
            .collect();
        said.push(format!(
            "{person}'s activity{} ({} lines, {} findings)",
            match (&args.since, &args.until) {
                (Some(a), Some(b)) => format!(" from {a} until {b}"),
                (Some(a), None) => format!(" from {a}"),
                (None, Some(b)) => format!(" until {b}"),
                (None, None) => String::new(),
            },
            wanted.len() - before,
            theirs.len()
        ));
        chosen.extend(theirs);
        crate::audit::append(
            &state,
            "case",
            &format!("case add {} --person", case.name),
            Some(person),
        )
        .context("writing vigil's access log")?;
    }
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    chosen.dedup_by(|a, b| a.id == b.id);
    capture::add_findings(&inputs, &chosen, &mut wanted)?;
    for spec in &args.lines {
        add_lines(&reports, spec, &mut wanted)?;
        said.push(format!("lines {spec}"));
    }
    if !ids.is_empty() {
        said.insert(0, format!("{} finding(s)", ids.len()));
    }
    let lines = capture::read_wanted(&reports, &inputs, &opts, wanted)?;
    let added = Added {
        tz: args.input.tz.clone(),
        sources: metas,
        findings: chosen.iter().map(|f| RecordedFinding::of(f, path_of)).collect(),
        lines: lines.iter().map(Record::line).collect(),
    };
    let bytes = serde_json::to_vec(&added)?;
    // Named by its hash, so additions running at once cannot take each other's name.
    let hash = crate::report::manifest::sha256(&bytes);
    let file = case.dir.join(format!("adds/{hash}.json"));
    // The same bytes twice (the same basket filed twice at once) are one file.
    match write_private(&file, &bytes) {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists) => {}
        other => other?,
    }
    let what = format!(
        "{}: {} findings, {} lines from {} sources",
        said.join("; "),
        added.findings.len(),
        added.lines.len(),
        lines
            .iter()
            .map(|l| &l.path)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    let entry = case.append(&args.investigator, "add", &what, Some(hash))?;
    if let Some(held) = taken {
        held.file(&case.dir.join(format!("basket-{:04}.jsonl", entry.seq)))?;
    }
    let mut summary = format!("added to case {}: {what}\n", case.name);
    for f in &added.findings {
        summary.push_str(&format!("  {} {} {} {}\n", f.id, f.severity, f.rule, f.subject()));
    }
    Ok(AddReport {
        outcome,
        problems,
        summary,
    })
}

/// Everything a bundle holds, merged from a case's additions.
fn bundle_records(case: &Case) -> Result<Vec<Record>> {
    let policy = case.policy_files()?;
    let added = case.additions()?;
    let tz = added.first().map_or("Europe/London".to_owned(), |a| a.tz.clone());
    anyhow::ensure!(
        added.iter().all(|a| a.tz == tz),
        "the case's additions read the logs in different time zones (--tz): a bundle has one"
    );
    let mut sources: BTreeMap<String, SourceMeta> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut lines: BTreeMap<(String, u64), Record> = BTreeMap::new();
    let mut findings: BTreeMap<String, RecordedFinding> = BTreeMap::new();
    for a in added {
        for s in a.sources {
            if !sources.contains_key(&s.path) {
                order.push(s.path.clone());
            }
            sources.insert(s.path.clone(), s);
        }
        for l in a.lines {
            let Record::Line { path, line, .. } = &l else { continue };
            let key = (path.clone(), *line);
            if let Some(old) = lines.get(&key) {
                anyhow::ensure!(
                    *old == l,
                    "{}:{}: added twice with different bytes (the log changed between additions)",
                    key.0,
                    key.1
                );
            }
            lines.insert(key, l);
        }
        for f in a.findings {
            findings.insert(f.id.clone(), f);
        }
    }
    let policy_sha256 = crate::report::manifest::sha256(policy[0].1.as_bytes());
    let mut records = vec![Record::Manifest(bundle::Manifest {
        vigil_version: env!("CARGO_PKG_VERSION").to_owned(),
        case: case.name.clone(),
        exported_at: now(),
        exported_by: crate::tui::store::os_user(),
        investigators: case.investigators(),
        policy_sha256,
        tz,
        counts: (sources.len() as u64, lines.len() as u64, findings.len() as u64),
    })];
    records.extend(policy.into_iter().map(|(name, text)| Record::PolicyFile { name, text }));
    records.extend(case.log.iter().cloned().map(Record::Log));
    records.extend(order.iter().filter_map(|p| sources.remove(p)).map(Record::Source));
    records.extend(lines.into_values());
    records.extend(findings.into_values().map(Record::Finding));
    Ok(records)
}

/// `vigil case export`.
pub fn export(args: &CaseExportArgs) -> Result<Outcome> {
    let mut case = Case::load(args.state_dir.as_deref(), &args.name)?;
    let records = bundle_records(&case)?;
    let Some(Record::Manifest(m)) = records.first() else {
        anyhow::bail!("no manifest")
    };
    let (s, l, f) = m.counts;
    anyhow::ensure!(
        !args.out.exists(),
        "{} exists: a bundle is never replaced; choose another name",
        args.out.display()
    );
    let state = args.state_dir.clone().unwrap_or_else(crate::tui::store::default_dir);
    crate::audit::append(
        &state,
        "export",
        &format!("case {} bundle {}", case.name, args.out.display()),
        None,
    )
    .context("writing vigil's access log")?;
    let fingerprint = bundle::write(&args.out, &records)?;
    case.append(
        &args.investigator,
        "export",
        &format!("bundle {} ({s} sources, {l} lines, {f} findings)", args.out.display()),
        Some(fingerprint.clone()),
    )?;
    println!(
        "wrote {}: {s} sources, {l} evidence lines, {f} findings\nfingerprint {fingerprint}\n(recorded in the case log; `vigil replay` prints it: compare the two)",
        args.out.display()
    );
    Ok(Outcome::Ok)
}

/// `vigil case show`.
pub fn show(args: &CaseShowArgs) -> Result<Outcome> {
    let case = Case::load(args.state_dir.as_deref(), &args.name)?;
    let added = case.additions()?;
    case.policy_files()?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "case {} — investigators: {} — {} log entries, the chain is intact",
        case.name,
        case.investigators().join(", "),
        case.log.len()
    )?;
    let mut t = crate::output::Table::new(&[
        ("#", crate::output::Align::Right),
        ("TIME", crate::output::Align::Left),
        ("BY", crate::output::Align::Left),
        ("ACTION", crate::output::Align::Left),
        ("WHAT", crate::output::Align::Left),
    ]);
    for e in &case.log {
        t.row(vec![
            e.seq.to_string(),
            e.at.clone(),
            format!("{} ({})", e.by, e.investigators.join(", ")),
            e.action.clone(),
            match (&e.action[..], &e.data) {
                ("export", Some(fp)) => format!("{} — fingerprint {fp}", e.what),
                _ => e.what.clone(),
            },
        ]);
    }
    t.write(&mut out)?;
    let findings: BTreeMap<&str, &RecordedFinding> = added
        .iter()
        .flat_map(|a| &a.findings)
        .map(|f| (f.id.as_str(), f))
        .collect();
    writeln!(out, "\n{} findings:", findings.len())?;
    for f in findings.values() {
        writeln!(
            out,
            "  {} {} {} {} — {}",
            f.id,
            f.severity,
            f.rule,
            f.subject(),
            f.summary
        )?;
    }
    Ok(Outcome::Ok)
}

/// `vigil case list`.
pub fn list(args: &CaseListArgs) -> Result<Outcome> {
    let dir = cases_dir(args.state_dir.as_deref());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("log.jsonl").exists())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        println!("no cases in {}", dir.display());
        return Ok(Outcome::Ok);
    }
    let mut t = crate::output::Table::new(&[
        ("CASE", crate::output::Align::Left),
        ("OPENED", crate::output::Align::Left),
        ("INVESTIGATORS", crate::output::Align::Left),
        ("ENTRIES", crate::output::Align::Right),
        ("STATE", crate::output::Align::Left),
    ]);
    for name in names {
        match Case::load(args.state_dir.as_deref(), &name) {
            Ok(c) => t.row(vec![
                name,
                c.log.first().map(|e| e.at.clone()).unwrap_or_default(),
                c.investigators().join(", "),
                c.log.len().to_string(),
                "intact".into(),
            ]),
            Err(e) => t.row(vec![
                name,
                String::new(),
                String::new(),
                String::new(),
                format!("{e:#}"),
            ]),
        }
    }
    t.write(&mut std::io::stdout().lock())?;
    Ok(Outcome::Ok)
}
