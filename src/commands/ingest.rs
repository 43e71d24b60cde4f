//! `vigil ingest`: read logs, build the web frame, report what parsed and what did not.

use std::io::Write;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;
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
    let Ingest { sources, web, .. } = ingest;
    let frame_started = Instant::now();
    let frame = vigil_queries::web_frame(web)?;
    let frame_seconds = frame_started.elapsed().as_secs_f64();
    let report = Report::new(&sources, totals, frame.height(), frame.width(), frame_seconds);
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
    total: TotalJson,
    frame: FrameJson,
}

#[derive(Serialize)]
struct SourceJson {
    path: String,
    format: Option<&'static str>,
    confidence: Option<f64>,
    compressed: bool,
    size: u64,
    bytes: u64,
    lines: u64,
    parsed: u64,
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
    rows: usize,
    columns: usize,
    seconds: f64,
}

impl Report {
    fn new(sources: &[SourceReport], t: Totals, rows: usize, columns: usize, frame_seconds: f64) -> Self {
        Report {
            sources: sources.iter().map(source_json).collect(),
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
            frame: FrameJson {
                rows,
                columns,
                seconds: frame_seconds,
            },
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
        confidence: s.sniffed.map(|x| x.confidence()),
        compressed: s.compressed,
        size: s.size,
        bytes: s.bytes,
        lines: s.lines,
        parsed: s.parsed,
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
    }
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "{n}")?;
        }
    }
    writeln!(
        out,
        "\n{} lines ({} MB) in {:.2} s: {:.1} MB/s, {} lines/s; frame of {} rows x {} columns built in {:.2} s",
        thousands(t.lines),
        (t.bytes as f64 / 1e6).round(),
        t.seconds,
        t.mb_per_s,
        thousands(t.lines_per_s as u64),
        thousands(report.frame.rows as u64),
        report.frame.columns,
        report.frame.seconds
    )?;
    Ok(())
}
