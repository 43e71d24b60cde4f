//! `vigil report` and `vigil verify`: the weekly report the DSL (and the governors) read, made
//! from cron or a systemd timer — silent on success, one line per problem on stderr, never two
//! runs at once, and a report directory that is either the previous one or the new one whole.
//!
//! Outputs (per edition): `report.html` (self-contained), `findings.csv`, `findings.json`,
//! `manifest.json` (tool, policy hash, each source's path, size and SHA-256, each output's
//! SHA-256, the period, the edition). The governors' edition replaces people, devices and
//! addresses with keyed pseudonyms (HMAC-SHA-256 with the school's key file) and has no log lines.

pub mod html;
pub mod manifest;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use hmac::{KeyInit, Mac};
use vigil_queries::context::Context;
use vigil_queries::detect::{self, Inputs};
use vigil_queries::findings::Finding;

use crate::cli::{Edition, Outcome, ReportArgs, VerifyArgs};
use manifest::{Manifest, OutputEntry, SourceEntry, sha256, sha256_file};

/// Evidence lines shown per finding in the DSL edition's HTML (the JSON has every reference).
const EVIDENCE_SHOWN: usize = 5;

/// The period of `--week` or `--since/--until`, as UTC ms (until exclusive).
fn period(cx: &Context, args: &ReportArgs) -> Result<(i64, i64)> {
    use chrono::{Datelike, Duration, NaiveDate};
    let at_midnight = |d: NaiveDate| -> i64 {
        let n = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        match vigil_parsers::time::resolve_in(cx.tz, n) {
            vigil_parsers::time::LocalResolution::Exact(ms) => ms,
            vigil_parsers::time::LocalResolution::Ambiguous { early, .. } => early,
        }
    };
    if args.since.is_some() || args.until.is_some() {
        let (Some(s), Some(u)) = (&args.since, &args.until) else {
            bail!("--since and --until go together");
        };
        let from = crate::commands::findings::parse_time(cx, s)?;
        let to = crate::commands::findings::parse_time(cx, u)?;
        anyhow::ensure!(from < to, "--until must be after --since");
        return Ok((from, to));
    }
    let today = chrono::Utc::now().with_timezone(&cx.tz).date_naive();
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let monday = match args.week.as_deref().unwrap_or("last") {
        "last" => this_monday - Duration::days(7),
        "this" => this_monday,
        w => {
            let (y, n) = w
                .split_once("-W")
                .and_then(|(y, n)| Some((y.parse::<i32>().ok()?, n.parse::<u32>().ok()?)))
                .with_context(|| format!("--week {w}: give last, this or an ISO week such as 2026-W47"))?;
            NaiveDate::from_isoywd_opt(y, n, chrono::Weekday::Mon)
                .with_context(|| format!("--week {w}: no such ISO week"))?
        }
    };
    Ok((at_midnight(monday), at_midnight(monday + Duration::days(7))))
}

/// Takes `<out>.lock` (flock, not waiting): another run holding it is an error.
fn lock(out: &Path) -> Result<std::fs::File> {
    let name = out
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let path = out.with_file_name(format!(".{name}.lock"));
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o640)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function owns; no memory is involved.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r != 0 {
        bail!(
            "another vigil report is writing {} (lock {}): this run stops so the two do not overlap",
            out.display(),
            path.display()
        );
    }
    Ok(f)
}

/// Puts the directory `tmp` in place of `out` in one step (the previous report stays whole
/// until then), then removes the previous one.
fn swap_in(tmp: &Path, out: &Path) -> Result<()> {
    if !out.exists() {
        return std::fs::rename(tmp, out).with_context(|| format!("renaming {} to {}", tmp.display(), out.display()));
    }
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).context("a path with a NUL byte");
    let (a, b) = (c(tmp)?, c(out)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them and touches no other memory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error()).with_context(|| format!("swapping in {}", out.display()));
    }
    // `tmp` now holds the previous report.
    std::fs::remove_dir_all(tmp).with_context(|| format!("removing the previous report (now {})", tmp.display()))
}

/// Writes `bytes` to `dir/name`, mode 0640.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<OutputEntry> {
    let path = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o640)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()?;
    Ok(OutputEntry {
        name: name.to_owned(),
        size: bytes.len() as u64,
        sha256: sha256(bytes),
    })
}

/// Keyed pseudonyms for people, devices and addresses.
struct Pseudonyms {
    key: Vec<u8>,
}

impl Pseudonyms {
    fn of(&self, name: &str) -> String {
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key) else {
            return "P-?".to_owned();
        };
        mac.update(name.to_ascii_lowercase().as_bytes());
        format!("P-{}", &manifest::hex(&mac.finalize().into_bytes())[..10])
    }
}

/// Replaces every known name in `text` by its pseudonym (longest names first).
fn scrub(text: &str, matcher: &aho_corasick::AhoCorasick, pseudonyms: &[String]) -> String {
    matcher.replace_all(text, pseudonyms)
}

/// Everything one edition's files need.
struct Made<'a> {
    findings: Vec<Finding>,
    page: html::Page<'a>,
    sources: &'a [SourceEntry],
    source_paths: &'a [String],
    period: (i64, i64),
    policy: (String, String),
}

fn write_edition(dir: &Path, edition: &str, made: &Made) -> Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))?;
    let governors = edition == "governors";
    let file = |i: u32| made.source_paths.get(i as usize).cloned().unwrap_or_default();
    let mut outputs = Vec::new();
    outputs.push(write_file(dir, "report.html", html::render(&made.page).as_bytes())?);
    let mut csv = crate::commands::findings::CSV_HEADER.join(",");
    csv.push('\n');
    for f in &made.findings {
        let mut cells = crate::commands::findings::csv_cells(f, file);
        if governors {
            cells[11] = String::new();
        }
        let cells: Vec<String> = cells.iter().map(|c| crate::output::csv_field(c)).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    outputs.push(write_file(dir, "findings.csv", csv.as_bytes())?);
    let json: Vec<serde_json::Value> = made
        .findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "ts_first".into(),
                    vigil_parsers::time::format_rfc3339(f.ts_first).into(),
                );
                obj.insert("ts_last".into(), vigil_parsers::time::format_rfc3339(f.ts_last).into());
                let ev: Vec<serde_json::Value> = if governors {
                    Vec::new()
                } else {
                    f.evidence
                        .iter()
                        .map(|e| serde_json::json!({"file": file(e.source), "line": e.line, "offset": e.offset}))
                        .collect()
                };
                obj.insert("evidence".into(), ev.into());
            }
            v
        })
        .collect();
    outputs.push(write_file(dir, "findings.json", &serde_json::to_vec_pretty(&json)?)?);
    let m = Manifest {
        tool: format!("vigil {}", env!("CARGO_PKG_VERSION")),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        period: (
            vigil_parsers::time::format_rfc3339(made.period.0),
            vigil_parsers::time::format_rfc3339(made.period.1),
        ),
        edition: edition.to_owned(),
        policy: made.policy.clone(),
        sources: if governors { Vec::new() } else { made.sources.to_vec() },
        outputs,
    };
    write_file(dir, "manifest.json", &serde_json::to_vec_pretty(&m)?)?;
    Ok(())
}

/// Runs `vigil report`.
pub fn run(args: &ReportArgs) -> Result<Outcome> {
    let cx = crate::commands::findings::load_policy(args.policy.as_deref())?;
    let (from, to) = period(&cx, args)?;
    let key = match (args.edition, &args.key) {
        (Edition::Dsl, _) => None,
        (_, Some(k)) => {
            let key = std::fs::read(k).with_context(|| format!("reading the key file {}", k.display()))?;
            anyhow::ensure!(
                key.len() >= 16,
                "{}: the key must be at least 16 bytes (head -c 32 /dev/urandom > KEYFILE)",
                k.display()
            );
            Some(Pseudonyms { key })
        }
        (_, None) => bail!(
            "the governors' edition needs --key FILE: a secret the school keeps, e.g. \
             head -c 32 /dev/urandom > /etc/vigil/governors.key (the same key gives the same pseudonyms every week)"
        ),
    };
    let out = &args.out;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let _lock = lock(out)?;
    let map = crate::commands::findings::policy_columns(&cx, args.policy.as_deref())?;
    let ingest = crate::commands::read_inputs_with(&args.input, detect::web_columns(), map)?;
    // One line per problem on stderr (files skipped in directories, a README beside the logs,
    // are not problems).
    let problems: Vec<String> = crate::commands::source_problems(&ingest)
        .into_iter()
        .filter(|l| !l.starts_with("skipped "))
        .collect();
    for line in &problems {
        let _ = writeln!(std::io::stderr(), "vigil: {line}");
    }
    let outcome = crate::commands::classify(&ingest);
    if outcome == Outcome::Failed {
        bail!("nothing could be read: the previous report is left as it was");
    }
    let sources: Vec<SourceEntry> = ingest
        .sources
        .iter()
        .filter(|s| s.skipped.is_none())
        .map(|s| {
            Ok(SourceEntry {
                path: s.path.display().to_string(),
                size: s.size,
                sha256: sha256_file(&s.path)?,
            })
        })
        .collect::<Result<_>>()?;
    let inputs = Inputs::from_ingest(ingest, cx.tz)?;
    let source_paths: Vec<String> = inputs.sources.iter().map(|s| s.path.clone()).collect();
    let covers_previous = inputs
        .sources
        .iter()
        .any(|s| s.span.is_some_and(|(a, b)| a < from && b >= from - (to - from)));
    let categories = top_categories(&inputs, (from, to))?;
    let (outcome_d, inputs) = detect::run(&cx, inputs)?;
    let in_period = |f: &Finding| f.ts_last >= from && f.ts_first < to;
    let findings: Vec<Finding> = outcome_d.findings.iter().filter(|f| in_period(f)).cloned().collect();
    let previous = covers_previous.then(|| {
        let prev = |f: &&Finding| f.ts_last >= from - (to - from) && f.ts_first < from;
        html::FAMILIES
            .iter()
            .map(|(fam, _)| {
                (
                    *fam,
                    outcome_d
                        .findings
                        .iter()
                        .filter(prev)
                        .filter(|f| f.rule.split('.').next() == Some(fam))
                        .count(),
                )
            })
            .collect()
    });
    let not_observable: Vec<String> = outcome_d
        .findings
        .iter()
        .filter(|f| f.rule == "coverage.not-observable")
        .map(|f| f.summary.clone())
        .collect();
    let index = crate::tui::events::EventIndex::build(inputs)?;
    let hourly: Vec<(Option<String>, u64, u64)> = index
        .hourly()
        .into_iter()
        .filter(|(h, ..)| *h >= from && *h < to)
        .map(|(h, e, b)| {
            let local = chrono::DateTime::from_timestamp_millis(h).map(|t| t.with_timezone(&cx.tz));
            let day = local
                .filter(|t| chrono::Timelike::hour(t) == 0)
                .map(|t| t.format("%a %d %b").to_string());
            (day, e, b)
        })
        .collect();
    let range = crate::tui::app::Range {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let traffic = crate::tui::search::Traffic::new(&index, &cx);
    let talkers: Vec<(String, u64)> = traffic
        .usage(&index, &range)
        .talkers
        .into_iter()
        .take(10)
        .map(|(w, b, _)| (w, b))
        .collect();
    // Evidence lines for the DSL edition.
    let rows: Vec<crate::tui::load::SourceRow> = source_paths
        .iter()
        .map(|p| crate::tui::load::SourceRow {
            path: PathBuf::from(p),
            ..Default::default()
        })
        .collect();
    // Every line to show, read in one pass per source (gzip sources are read from the start).
    let mut wanted: BTreeMap<u32, Vec<(u64, u64)>> = BTreeMap::new();
    for f in &findings {
        for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
            wanted.entry(e.source).or_default().push((e.line, e.offset));
        }
    }
    let mut text_of: std::collections::HashMap<(u32, u64), String> = Default::default();
    for (s, mut lines) in wanted {
        lines.sort_unstable();
        lines.dedup();
        let path = rows.get(s as usize).map(|r| r.path.clone()).unwrap_or_default();
        for l in crate::tui::evidence::read_lines(&path, &lines) {
            text_of.insert((s, l.offset), l.text.unwrap_or_else(|e| format!("[{e}]")));
        }
    }
    let evidence: Vec<Vec<(String, String)>> = findings
        .iter()
        .map(|f| {
            f.evidence
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|e| {
                    let path = rows
                        .get(e.source as usize)
                        .map(|r| r.path.display().to_string())
                        .unwrap_or_default();
                    (
                        format!("{path}:{}", e.line),
                        text_of.get(&(e.source, e.offset)).cloned().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .collect();
    let policy = match &args.policy {
        Some(p) => (p.display().to_string(), sha256_file(p)?),
        None => (
            "built-in".to_owned(),
            sha256(vigil_queries::policy::TEMPLATE.as_bytes()),
        ),
    };
    let local = |ms: i64, fmt: &str| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&cx.tz).format(fmt).to_string())
            .unwrap_or_default()
    };
    let period_words = format!("{} to {}", local(from, "%a %d %b %Y"), local(to - 1, "%a %d %b %Y"));
    let created = local(chrono::Utc::now().timestamp_millis(), "%a %d %b %Y %H:%M");
    let school = cx.policy.school.name.clone();
    let name = out
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let tmp = out.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    // Left by runs that were killed (the lock says none is running now).
    let prefix = format!(".{name}.tmp-");
    if let Some(Ok(entries)) = out
        .parent()
        .map(|p| std::fs::read_dir(if p.as_os_str().is_empty() { Path::new(".") } else { p }))
    {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let result = (|| -> Result<()> {
        let editions: Vec<&str> = match args.edition {
            Edition::Dsl => vec!["dsl"],
            Edition::Governors => vec!["governors"],
            Edition::All => vec!["dsl", "governors"],
        };
        if editions.len() > 1 {
            std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o750))?;
        }
        for edition in editions {
            let dir = if args.edition == Edition::All {
                tmp.join(edition)
            } else {
                tmp.clone()
            };
            let (findings, evidence, talkers, not_obs) = if edition == "governors" {
                let p = key.as_ref().context("a key")?;
                let mut names: Vec<String> = Vec::new();
                for f in &findings {
                    names.extend([&f.user, &f.device, &f.ip].into_iter().flatten().cloned());
                }
                for field in crate::tui::events::Field::ALL {
                    use crate::tui::events::Field;
                    if matches!(field, Field::Who | Field::Device | Field::Ip) {
                        names.extend(index.field(field).names.iter().filter(|n| n.len() >= 3).cloned());
                    }
                }
                names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
                names.dedup();
                let pseudo: Vec<String> = names.iter().map(|n| p.of(n)).collect();
                let matcher = aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&names)
                    .context("building the pseudonym table")?;
                let s = |t: &str| scrub(t, &matcher, &pseudo);
                let fs: Vec<Finding> = findings
                    .iter()
                    .map(|f| {
                        let mut g = f.clone();
                        // The id is a hash of the real subject: keyed too, so names cannot be
                        // guessed back from it.
                        g.id = p.of(&f.id);
                        g.user = f.user.as_deref().map(s);
                        g.device = f.device.as_deref().map(s);
                        g.ip = f.ip.as_deref().map(s);
                        g.about = f.about.as_deref().map(s);
                        g.summary = s(&f.summary);
                        g.evidence.clear();
                        g
                    })
                    .collect();
                let tk: Vec<(String, u64)> = talkers.iter().map(|(w, b)| (s(w), *b)).collect();
                (fs, Vec::new(), tk, not_observable.clone())
            } else {
                (
                    findings.clone(),
                    evidence.clone(),
                    talkers.clone(),
                    not_observable.clone(),
                )
            };
            let page = html::Page {
                school: &school,
                edition,
                period: period_words.clone(),
                created: created.clone(),
                findings: &findings,
                previous: previous.clone(),
                hourly: hourly.clone(),
                categories: categories.clone(),
                talkers,
                evidence,
                not_observable: not_obs,
                problems: if edition == "governors" { &[] } else { &problems },
                tool: format!("vigil {}", env!("CARGO_PKG_VERSION")),
            };
            let made = Made {
                findings: findings.clone(),
                page,
                sources: &sources,
                source_paths: &source_paths,
                period: (from, to),
                policy: policy.clone(),
            };
            write_edition(&dir, edition, &made)?;
        }
        swap_in(&tmp, out)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e.context(format!("the previous report in {} is left as it was", out.display())));
    }
    let edition = format!("{:?}", args.edition).to_lowercase();
    crate::audit::append(
        &crate::tui::store::default_dir(),
        "report",
        &format!("{} edition, {period_words}, to {}", edition, out.display()),
        None,
    )
    .context("the report is written, but vigil's access log could not be (set VIGIL_STATE_DIR)")?;
    Ok(outcome)
}

/// Requests and blocked requests per vendor category in the period, top ten by requests.
fn top_categories(inputs: &Inputs, (from, to): (i64, i64)) -> Result<Vec<(String, u64, u64)>> {
    let Some(web) = &inputs.web else { return Ok(Vec::new()) };
    let cat = detect::events::Dict::read(web, "category")?;
    let act = detect::events::Dict::read(web, "action")?;
    let ts = detect::events::times(web)?;
    let mut counts: std::collections::HashMap<u32, (u64, u64)> = Default::default();
    for (r, &t) in ts.iter().enumerate() {
        if t < from || t >= to {
            continue;
        }
        let e = counts.entry(cat.ids[r]).or_default();
        e.0 += 1;
        e.1 += u64::from(act.name(act.ids[r]) == Some("blocked"));
    }
    let mut out: Vec<(String, u64, u64)> = counts
        .into_iter()
        .map(|(id, (n, b))| (cat.name(id).unwrap_or("(none)").to_owned(), n, b))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(10);
    Ok(out)
}

/// Runs `vigil verify DIR`: exit 0 when every output matches, 2 when any changed.
pub fn verify(args: &VerifyArgs) -> Result<Outcome> {
    let mut dirs = vec![args.dir.clone()];
    if !args.dir.join("manifest.json").exists() {
        dirs = ["dsl", "governors"]
            .iter()
            .map(|e| args.dir.join(e))
            .filter(|d| d.join("manifest.json").exists())
            .collect();
        if dirs.is_empty() {
            bail!(
                "{}: no manifest.json here (nor in dsl/ or governors/)",
                args.dir.display()
            );
        }
    }
    let mut err = std::io::stderr().lock();
    let mut out = std::io::stdout().lock();
    let mut bad = false;
    for d in dirs {
        let v = manifest::verify(&d, args.sources)?;
        for p in &v.problems {
            writeln!(err, "vigil: {}: {p}", d.display())?;
        }
        for p in &v.sources_changed {
            writeln!(err, "vigil: source {p}")?;
        }
        bad |= !v.problems.is_empty() || !v.sources_changed.is_empty();
        writeln!(
            out,
            "{}: {} of {} outputs match their manifest{}",
            d.display(),
            v.ok.len(),
            v.ok.len() + v.problems.len(),
            if args.sources { "; sources checked" } else { "" }
        )?;
    }
    Ok(if bad { Outcome::Failed } else { Outcome::Ok })
}
