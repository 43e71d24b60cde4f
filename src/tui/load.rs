//! Loading off the UI thread: reading the sources, building frames, running the detectors and
//! indexing the events, each step reported to the dashboard as a message.
//!
//! When the input is large, the small sources (up to a fifth of the bytes: firewall, mail,
//! identity, exports, …) are read and judged first, so their findings are on screen while the
//! big proxy logs are still being read; the full read then replaces them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use vigil_parsers::Kind;
use vigil_parsers::discover::Found;
use vigil_parsers::ingest::{Ingest, IngestOptions, Progress};
use vigil_queries::context::Context;
use vigil_queries::detect::{self, Inputs};
use vigil_queries::findings::Finding;

use super::events::EventIndex;
use crate::cli::Outcome;

/// Input above which the small sources are read and judged first.
const STAGED_ABOVE: u64 = 32 << 20;

/// One source as the dashboard shows it (source health, evidence file names).
#[derive(Debug, Clone, Default)]
pub struct SourceRow {
    /// The path as found.
    pub path: PathBuf,
    /// Its size when found, bytes.
    pub size: u64,
    /// Its modification time when read.
    pub mtime: Option<std::time::SystemTime>,
    /// The format's name, once read.
    pub format: Option<&'static str>,
    /// The kind of its records.
    pub kind: Option<Kind>,
    /// Lines read.
    pub lines: u64,
    /// Lines that became records.
    pub parsed: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// First and last record, UTC ms.
    pub span: Option<(i64, i64)>,
    /// Why it could not be read.
    pub error: Option<String>,
    /// Why it was skipped (not a recognised log, found in a directory).
    pub skipped: Option<String>,
    /// Whether it has been read (false while loading).
    pub read: bool,
}

impl SourceRow {
    /// The file name alone.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into_owned())
    }
}

/// What the loader tells the dashboard.
#[derive(Clone)]
pub enum Msg {
    /// The sources found, before reading.
    Sources(Vec<SourceRow>),
    /// Reading has begun: the counters to watch, and the totals to expect.
    Reading {
        /// Updated by the parsers.
        progress: Arc<Progress>,
        /// Sources in this read.
        sources: usize,
        /// Bytes in this read (compressed sizes for gzip).
        bytes: u64,
        /// "small sources first" or "all sources".
        what: &'static str,
    },
    /// A step after reading.
    Stage(&'static str),
    /// Findings: `replace` the shown ones, or add to them; `complete` when the detectors are done.
    Findings {
        /// The findings.
        found: Vec<Finding>,
        /// Replace what is shown.
        replace: bool,
        /// Every detector has run on every source.
        complete: bool,
    },
    /// The sources as read, with any problem, and the share of traffic attributed to people.
    Read {
        /// Each source.
        sources: Vec<SourceRow>,
        /// Problems, one line each.
        problems: Vec<String>,
        /// The exit code the run will have.
        outcome: Outcome,
    },
    /// What the detectors noticed besides findings.
    Judged {
        /// Vendor categories no vigil category matched: name, requests.
        unmapped: Vec<(String, u64)>,
        /// Per source: events attributed to a person, events.
        attributed: Vec<(u32, u64, u64)>,
    },
    /// Every event, indexed, with what the Overview and Usage views draw from it.
    Events {
        /// The index.
        index: Arc<EventIndex>,
        /// Events and blocks per hour.
        hourly: Vec<(i64, u64, u64)>,
        /// Whose traffic each event is, for usage totals.
        traffic: Arc<super::search::Traffic>,
    },
    /// Loading finished.
    Done {
        /// Seconds since loading began.
        seconds: f64,
    },
    /// Loading failed.
    Failed(String),
}

/// What to load.
pub struct LoadSpec {
    /// The files, in reading order.
    pub found: Vec<Found>,
    /// How to read them (the detectors' web columns are set here).
    pub opts: IngestOptions,
    /// The school's policy.
    pub cx: Arc<Context>,
}

fn rows_of(found: &[Found]) -> Vec<SourceRow> {
    found
        .iter()
        .map(|f| SourceRow {
            size: std::fs::metadata(&f.path).map_or(0, |m| m.len()),
            path: f.path.clone(),
            ..SourceRow::default()
        })
        .collect()
}

fn rows_of_ingest(ingest: &Ingest) -> Vec<SourceRow> {
    ingest
        .sources
        .iter()
        .map(|s| SourceRow {
            path: s.path.clone(),
            size: s.size,
            mtime: s.mtime,
            format: s.format.map(|f| f.name()),
            kind: s.kind,
            lines: s.lines,
            parsed: s.parsed,
            rejected: s.rejected,
            span: s.first_ts.zip(s.last_ts),
            error: s.error.clone(),
            skipped: s.skipped.clone(),
            read: true,
        })
        .collect()
}

/// The files read first when the input is large: the smallest, up to a fifth of the bytes.
fn small_first(found: &[Found], sizes: &[u64]) -> Vec<usize> {
    let total: u64 = sizes.iter().sum();
    if total < STAGED_ABOVE {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut taken = Vec::new();
    let mut sum = 0;
    for i in order {
        if sum + sizes[i] > total / 5 {
            break;
        }
        sum += sizes[i];
        taken.push(i);
    }
    if taken.len() == found.len() {
        return Vec::new();
    }
    taken.sort_unstable();
    taken
}

/// Loads everything, sending each step to `send`; runs on the calling thread.
pub fn load(spec: LoadSpec, send: &(dyn Fn(Msg) + Sync)) {
    let started = Instant::now();
    if let Err(e) = load_steps(&spec, send) {
        send(Msg::Failed(format!("{e:#}")));
    }
    send(Msg::Done {
        seconds: started.elapsed().as_secs_f64(),
    });
}

fn read(found: &[Found], opts: &IngestOptions, sizes: u64, what: &'static str, send: &dyn Fn(Msg)) -> Ingest {
    let progress = Arc::new(Progress::default());
    send(Msg::Reading {
        progress: progress.clone(),
        sources: found.len(),
        bytes: sizes,
        what,
    });
    let opts = IngestOptions {
        progress: Some(progress.clone()),
        ..opts.clone()
    };
    let ingest = vigil_parsers::ingest::ingest_files(found, &opts);
    log::info!(
        "read {} sources ({what}): {} lines in {:.2} s",
        found.len(),
        progress.lines.load(Relaxed),
        ingest.seconds
    );
    ingest
}

fn load_steps(spec: &LoadSpec, send: &(dyn Fn(Msg) + Sync)) -> anyhow::Result<()> {
    let rows = rows_of(&spec.found);
    let sizes: Vec<u64> = rows.iter().map(|r| r.size).collect();
    send(Msg::Sources(rows));
    let cx = &*spec.cx;
    let first = small_first(&spec.found, &sizes);
    if !first.is_empty() {
        let files: Vec<Found> = first.iter().map(|&i| spec.found[i].clone()).collect();
        let bytes = first.iter().map(|&i| sizes[i]).sum();
        let ingest = read(&files, &spec.opts, bytes, "small sources first", send);
        let kinds: Vec<Kind> = ingest.sources.iter().filter_map(|s| s.kind).collect();
        send(Msg::Stage("judging the small sources"));
        let inputs = Inputs::from_ingest(ingest, cx.tz)?;
        let (outcome, _) = detect::run(cx, inputs)?;
        let found: Vec<Finding> = outcome
            .findings
            .into_iter()
            .filter(|f| {
                !f.rule.starts_with("coverage.")
                    && vigil_queries::findings::rule_named(f.rule)
                        .is_some_and(|r| r.needs.iter().any(|k| kinds.contains(k)))
            })
            .map(|mut f| {
                // Evidence names sources by their place in this read: renumber into the full one.
                for e in &mut f.evidence {
                    e.source = first.get(e.source as usize).map_or(e.source, |&i| i as u32);
                }
                f
            })
            .collect();
        log::info!("{} findings from the small sources", found.len());
        send(Msg::Findings {
            found,
            replace: true,
            complete: false,
        });
    }
    let ingest = read(&spec.found, &spec.opts, sizes.iter().sum(), "all sources", send);
    send(Msg::Read {
        sources: rows_of_ingest(&ingest),
        problems: crate::commands::source_problems(&ingest),
        outcome: crate::commands::classify(&ingest),
    });
    send(Msg::Stage("building frames"));
    let inputs = Inputs::from_ingest(ingest, cx.tz)?;
    send(Msg::Stage("running the detectors"));
    let report = |found: &[Finding]| {
        send(Msg::Findings {
            found: found.to_vec(),
            replace: false,
            complete: false,
        });
    };
    let (outcome, inputs) = detect::run_reporting(cx, inputs, &report)?;
    for (stage, secs) in &outcome.timings {
        log::info!("detector stage {stage}: {secs:.2} s");
    }
    send(Msg::Judged {
        unmapped: outcome.unmapped_categories.into_iter().collect(),
        attributed: outcome.attributed,
    });
    send(Msg::Findings {
        found: outcome.findings,
        replace: true,
        complete: true,
    });
    send(Msg::Stage("indexing events"));
    let index = EventIndex::build(inputs)?;
    log::info!("indexed {} events", index.len());
    let index = Arc::new(index);
    let hourly = index.hourly();
    let traffic = Arc::new(super::search::Traffic::new(&index, cx));
    send(Msg::Events {
        index: index.clone(),
        hourly,
        traffic,
    });
    // Each column's sort order, while the dashboard is already in use.
    let started = Instant::now();
    index.prepare_sorts();
    log::info!("sort orders ready in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Starts [`load`] on its own thread, sending to `tx`.
pub fn spawn(spec: LoadSpec, tx: std::sync::mpsc::Sender<Msg>) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("vigil-load".into()).spawn(move || {
        let tx = std::sync::Mutex::new(tx);
        let send = |m| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(m);
            }
        };
        // A panic here must not take the dashboard down: it is logged and reported.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(spec, &send))).is_err() {
            send(Msg::Failed(
                "an internal error stopped the loading (the log has the details)".into(),
            ));
            send(Msg::Done { seconds: 0.0 });
        }
    })
}

/// Paths to files, as the loader wants them.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<Found>> {
    Ok(vigil_parsers::discover::expand(paths)?)
}
