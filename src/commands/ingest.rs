//! `vigil ingest`: read logs, build a frame of each event kind, report what parsed and what did
//! not, per source and per kind.

use std::io::Write;
use std::time::Instant;

use polars::prelude::IntoLazy;

use anyhow::Result;
use serde::Serialize;
use vigil_parsers::Kind;
use vigil_parsers::ingest::{Ingest, SourceReport, Totals};
use vigil_parsers::time::format_rfc3339;
use vigil_parsers::web::WebColumns;

use crate::cli::{IngestArgs, IngestOutput, Outcome};
use crate::output::{Align, Table, table_time, thousands};

/// Runs `vigil ingest`.
pub fn run(args: &IngestArgs) -> Result<Outcome> {
    let ingest = super::read_inputs(&args.input, WebColumns::all())?;
    let outcome = super::outcome_of(&ingest);
    let totals = ingest.totals();
    let Ingest {
        sources, web, tables, ..
    } = ingest;
    let mut frames = Vec::new();
    let has_web = sources.iter().any(|s| s.kind == Some(Kind::Web)) || tables.is_empty();
    if has_web {
        let started = Instant::now();
        let frame = vigil_queries::web_frame(web)?;
        frames.push(FrameJson::new(Kind::Web, &frame, started));
        if frame.height() > 0 {
            let started = Instant::now();
            let learned = vigil_queries::collect(vigil_queries::identity::learned_identities(frame.lazy()))?;
            let mut f = FrameJson::new(Kind::Identity, &learned, started);
            f.kind = "identity (learned from authenticated web requests)";
            frames.push(f);
        }
    }
    for table in tables {
        let kind = table.schema.kind;
        let started = Instant::now();
        let frame = vigil_queries::row_frame(table)?;
        frames.push(FrameJson::new(kind, &frame, started));
    }
    let report = Report::new(&sources, totals, frames);
    let mut out = std::io::stdout().lock();
    match args.output {
        IngestOutput::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        IngestOutput::Table => write_table(&mut out, &sources, &report, args.show_rejects)?,
    }
    out.flush()?;
    Ok(outcome)
}

#[derive(Serialize)]
struct Report {
    sources: Vec<SourceJson>,
    kinds: Vec<KindJson>,
    total: TotalJson,
    frames: Vec<FrameJson>,
}

/// Totals over the sources of one kind.
#[derive(Serialize)]
struct KindJson {
    kind: &'static str,
    sources: usize,
    lines: u64,
    parsed: u64,
    rejected: u64,
    rows: u64,
}

#[derive(Serialize)]
struct SourceJson {
    path: String,
    format: Option<&'static str>,
    kind: Option<&'static str>,
    confidence: Option<f64>,
    compressed: bool,
    utf16: bool,
    size: u64,
    bytes: u64,
    lines: u64,
    parsed: u64,
    context: u64,
    foreign: u64,
    routed: Vec<RoutedJson>,
    rows: u64,
    rejected: u64,
    blank: u64,
    first_ts: Option<String>,
    last_ts: Option<String>,
    seconds: f64,
    error: Option<String>,
    skipped: Option<String>,
    warnings: Vec<String>,
    rejects: Vec<RejectJson>,
    rejects_not_kept: u64,
}

/// Lines of another program handed to that program's parser.
#[derive(Serialize)]
struct RoutedJson {
    format: &'static str,
    lines: u64,
}

#[derive(Serialize)]
struct RejectJson {
    line: u64,
    offset: u64,
    reason: &'static str,
}

#[derive(Serialize)]
struct TotalJson {
    sources: usize,
    lines: u64,
    parsed: u64,
    rejected: u64,
    blank: u64,
    bytes: u64,
    seconds: f64,
    mb_per_s: f64,
    lines_per_s: f64,
}

#[derive(Serialize)]
struct FrameJson {
    kind: &'static str,
    rows: usize,
    columns: usize,
    seconds: f64,
}

impl FrameJson {
    fn new(kind: Kind, frame: &polars::prelude::DataFrame, started: Instant) -> Self {
        FrameJson {
            kind: kind.as_str(),
            rows: frame.height(),
            columns: frame.width(),
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

impl Report {
    fn new(sources: &[SourceReport], t: Totals, frames: Vec<FrameJson>) -> Self {
        let kinds = Kind::ALL
            .into_iter()
            .filter_map(|k| {
                let of: Vec<&SourceReport> = sources.iter().filter(|s| s.kind == Some(k)).collect();
                (!of.is_empty()).then(|| KindJson {
                    kind: k.as_str(),
                    sources: of.len(),
                    lines: of.iter().map(|s| s.lines).sum(),
                    parsed: of.iter().map(|s| s.parsed).sum(),
                    rejected: of.iter().map(|s| s.rejected).sum(),
                    rows: of.iter().map(|s| s.rows).sum(),
                })
            })
            .collect();
        Report {
            sources: sources.iter().map(source_json).collect(),
            kinds,
            total: TotalJson {
                sources: sources.len(),
                lines: t.lines,
                parsed: t.parsed,
                rejected: t.rejected,
                blank: t.blank,
                bytes: t.bytes,
                seconds: t.seconds,
                mb_per_s: per_second(t.bytes as f64 / 1e6, t.seconds),
                lines_per_s: per_second(t.lines as f64, t.seconds),
            },
            frames,
        }
    }
}

fn per_second(v: f64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        (v / seconds * 10.0).round() / 10.0
    } else {
        0.0
    }
}

fn source_json(s: &SourceReport) -> SourceJson {
    SourceJson {
        path: s.path.display().to_string(),
        format: s.format.map(|f| f.name()),
        kind: s.kind.map(Kind::as_str),
        confidence: s.sniffed.map(|x| x.confidence()),
        compressed: s.compressed,
        utf16: s.utf16,
        size: s.size,
        bytes: s.bytes,
        lines: s.lines,
        parsed: s.parsed,
        context: s.context,
        foreign: s.foreign,
        routed: s
            .routed
            .iter()
            .map(|(f, n)| RoutedJson {
                format: f.name(),
                lines: *n,
            })
            .collect(),
        rows: s.rows,
        rejected: s.rejected,
        blank: s.blank,
        first_ts: s.first_ts.map(format_rfc3339),
        last_ts: s.last_ts.map(format_rfc3339),
        seconds: s.seconds,
        error: s.error.clone(),
        skipped: s.skipped.clone(),
        warnings: s.warnings.clone(),
        rejects: s
            .rejects
            .iter()
            .map(|r| RejectJson {
                line: r.line,
                offset: r.offset,
                reason: r.reason,
            })
            .collect(),
        rejects_not_kept: s.rejects_not_kept,
    }
}

fn write_table(out: &mut impl Write, sources: &[SourceReport], report: &Report, show_rejects: usize) -> Result<()> {
    let mut table = Table::new(&[
        ("SOURCE", Align::Left),
        ("FORMAT", Align::Left),
        ("KIND", Align::Left),
        ("LINES", Align::Right),
        ("PARSED", Align::Right),
        ("REJECTED", Align::Right),
        ("FIRST (UTC)", Align::Left),
        ("LAST (UTC)", Align::Left),
        ("MB/s", Align::Right),
    ]);
    for s in sources {
        if s.skipped.is_some() {
            continue;
        }
        let format = match (s.format, s.sniffed) {
            (Some(f), Some(sn)) => format!("{} ({:.0}%)", f.name(), sn.confidence() * 100.0),
            (Some(f), None) => f.name().to_owned(),
            (None, _) => "?".to_owned(),
        };
        table.row(vec![
            s.path.display().to_string(),
            format,
            s.kind.map_or("-", Kind::as_str).to_owned(),
            thousands(s.lines),
            thousands(s.parsed),
            thousands(s.rejected),
            table_time(s.first_ts),
            table_time(s.last_ts),
            format!("{:.1}", per_second(s.bytes as f64 / 1e6, s.seconds)),
        ]);
    }
    let t = &report.total;
    let first = sources.iter().filter_map(|s| s.first_ts).min();
    let last = sources.iter().filter_map(|s| s.last_ts).max();
    table.row(vec![
        format!(
            "TOTAL ({} sources)",
            sources.iter().filter(|s| s.skipped.is_none()).count()
        ),
        String::new(),
        String::new(),
        thousands(t.lines),
        thousands(t.parsed),
        thousands(t.rejected),
        table_time(first),
        table_time(last),
        format!("{:.1}", t.mb_per_s),
    ]);
    table.write(out)?;
    let mut notes = Vec::new();
    for s in sources {
        let name = s.path.display();
        if let Some(e) = &s.error {
            notes.push(format!("error: {e}"));
        }
        if let Some(why) = &s.skipped {
            notes.push(format!("skipped {name}: {why}"));
        }
        for w in &s.warnings {
            notes.push(format!("warning: {name}: {w}"));
        }
        for r in s.rejects.iter().take(show_rejects) {
            notes.push(format!("{name}:{}: {}", r.line, r.reason));
        }
        let hidden = s.rejected.saturating_sub(show_rejects.min(s.rejects.len()) as u64);
        if hidden > 0 && s.error.is_none() {
            notes.push(format!(
                "{name}: … and {} more rejected lines (--show-rejects N, or --output json)",
                thousands(hidden)
            ));
        }
        if s.blank > 0 {
            notes.push(format!("{name}: {} blank lines skipped", thousands(s.blank)));
        }
        let own = s.context - s.foreign;
        if own > 0 {
            notes.push(format!(
                "{name}: {} lines understood that hold no event (notices, headers, date lines)",
                thousands(own)
            ));
        }
        if s.foreign > 0 {
            notes.push(format!(
                "{name}: {} lines of other programs sharing the log, which vigil does not read",
                thousands(s.foreign)
            ));
        }
        for (f, n) in &s.routed {
            notes.push(format!(
                "{name}: {} {} lines read by the {} parser",
                thousands(*n),
                f.name(),
                f.name()
            ));
        }
    }
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "{n}")?;
        }
    }
    let frames: Vec<String> = report
        .frames
        .iter()
        .map(|f| format!("{} {} rows x {} columns", f.kind, thousands(f.rows as u64), f.columns))
        .collect();
    writeln!(
        out,
        "\n{} lines ({} MB) in {:.2} s: {:.1} MB/s, {} lines/s; frames: {} (built in {:.2} s)",
        thousands(t.lines),
        (t.bytes as f64 / 1e6).round(),
        t.seconds,
        t.mb_per_s,
        thousands(t.lines_per_s as u64),
        frames.join(", "),
        report.frames.iter().map(|f| f.seconds).sum::<f64>()
    )?;
    Ok(())
}
