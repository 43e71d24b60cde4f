//! `vigil findings` and `vigil timeline`: the school's policy applied to the logs.

use std::io::Write;

use anyhow::{Context as _, Result};
use polars::prelude::*;
use serde::Serialize;
use vigil_parsers::time::format_rfc3339;
use vigil_queries::context::Context;
use vigil_queries::detect::{self, Inputs};
use vigil_queries::findings::{Finding, Severity};

use crate::cli::{FindingsArgs, Outcome, SeverityArg, TableOutput, TimelineArgs};
use crate::output::{Align, Table, csv_field, table_time};

/// Loads the policy named on the command line, or the built-in typical school's.
pub(crate) fn load_policy(path: Option<&std::path::Path>) -> Result<Context> {
    let loaded = match path {
        Some(p) => Context::load(p).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(|pr| format!("{}: {pr}", p.display())).collect();
            anyhow::anyhow!("the policy file has problems:\n{}", lines.join("\n"))
        })?,
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "vigil: no --policy: applying the built-in policy of a typical school (`vigil init` writes it to edit)"
            );
            Context::typical().map_err(|p| anyhow::anyhow!("the built-in policy: {p:?}"))?
        }
    };
    for dir in &loaded.categories.unknown_dirs {
        let _ = writeln!(
            std::io::stderr(),
            "vigil: list directory {dir} is not one of vigil's categories (add it to [lists] aliases to use it)"
        );
    }
    Ok(loaded)
}

/// The policy's `[web-csv]` column map, if it has one.
pub(crate) fn policy_columns(
    cx: &Context,
    path: Option<&std::path::Path>,
) -> Result<Option<vigil_parsers::formats::webcsv::ColumnMap>> {
    match (&cx.policy.web_csv, path) {
        (Some(table), Some(path)) => Ok(Some(super::column_map_table(table, &path.display().to_string())?)),
        _ => Ok(None),
    }
}

/// A time on the command line: a date, a local date and time, or RFC 3339.
pub(crate) fn parse_time(cx: &Context, s: &str) -> Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .with_context(|| format!("`{s}` is not a time such as 2026-11-16, \"2026-11-16 09:00\" or RFC 3339"))?;
    Ok(match vigil_parsers::time::resolve_in(cx.tz, naive) {
        vigil_parsers::time::LocalResolution::Exact(ms) => ms,
        vigil_parsers::time::LocalResolution::Ambiguous { early, .. } => early,
    })
}

fn severity_of(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Critical => Severity::Critical,
        SeverityArg::High => Severity::High,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Info => Severity::Info,
    }
}

/// The columns of a finding in CSV.
pub const CSV_HEADER: [&str; 12] = [
    "id", "rule", "severity", "ts_first", "ts_last", "user", "device", "ip", "about", "count", "summary", "evidence",
];

/// A finding's cells in [`CSV_HEADER`] order; `file` names a source (evidence is `file:line`).
pub fn csv_cells(f: &Finding, file: impl Fn(u32) -> String) -> Vec<String> {
    let ev: Vec<String> = f
        .evidence
        .iter()
        .map(|e| format!("{}:{}", file(e.source), e.line))
        .collect();
    vec![
        f.id.clone(),
        f.rule.to_owned(),
        f.severity.as_str().to_owned(),
        format_rfc3339(f.ts_first),
        format_rfc3339(f.ts_last),
        f.user.clone().unwrap_or_default(),
        f.device.clone().unwrap_or_default(),
        f.ip.clone().unwrap_or_default(),
        f.about.clone().unwrap_or_default(),
        f.count.to_string(),
        f.summary.clone(),
        ev.join(" "),
    ]
}

#[derive(Serialize)]
struct EvidenceJson<'a> {
    file: &'a str,
    line: u64,
    offset: u64,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    id: &'a str,
    rule: &'a str,
    severity: &'a str,
    ts_first: String,
    ts_last: String,
    user: Option<&'a str>,
    device: Option<&'a str>,
    ip: Option<&'a str>,
    about: Option<&'a str>,
    summary: &'a str,
    count: u64,
    evidence: Vec<EvidenceJson<'a>>,
}

/// Runs `vigil findings`.
pub fn run(args: &FindingsArgs) -> Result<Outcome> {
    let cx = load_policy(args.policy.as_deref())?;
    if let Some(user) = &args.user {
        crate::audit::append(
            &crate::tui::store::default_dir(),
            "findings",
            "vigil findings --user",
            Some(user),
        )
        .context("writing vigil's access log (set VIGIL_STATE_DIR to a writable directory)")?;
    }
    let map = policy_columns(&cx, args.policy.as_deref())?;
    let started = std::time::Instant::now();
    let ingest = super::read_inputs_with(&args.input, detect::web_columns(), map)?;
    super::warn_sources(&ingest);
    let outcome = super::outcome_of(&ingest);
    let read = started.elapsed().as_secs_f64();
    let inputs = Inputs::from_ingest(ingest, cx.tz)?;
    let framed = started.elapsed().as_secs_f64();
    let (found, inputs) = detect::run(&cx, inputs)?;
    if std::env::var("VIGIL_TIMINGS").is_ok_and(|v| !v.is_empty() && v != "0") {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "vigil: timings: read {read:.2} s, frames {:.2} s", framed - read);
        for (stage, secs) in &found.timings {
            let _ = writeln!(err, "vigil: timings: {stage} {secs:.2} s");
        }
        let _ = writeln!(err, "vigil: timings: total {:.2} s", started.elapsed().as_secs_f64());
    }
    let since = args.since.as_deref().map(|s| parse_time(&cx, s)).transpose()?;
    let until = args.until.as_deref().map(|s| parse_time(&cx, s)).transpose()?;
    let rule = args
        .rule
        .as_deref()
        .map(glob::Pattern::new)
        .transpose()
        .context("--rule is not a pattern")?;
    let user = args.user.as_deref().map(str::to_ascii_lowercase);
    let min = args.severity.map(severity_of);
    let keep = |f: &&Finding| {
        since.is_none_or(|s| f.ts_last >= s)
            && until.is_none_or(|u| f.ts_first < u)
            && rule.as_ref().is_none_or(|p| p.matches(f.rule))
            && min.is_none_or(|m| f.severity.at_least(m))
            && user.as_deref().is_none_or(|u| {
                [&f.user, &f.device, &f.ip]
                    .iter()
                    .any(|v| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(u)))
            })
    };
    let shown: Vec<&Finding> = found.findings.iter().filter(keep).collect();
    let file = |i: u32| inputs.sources.get(i as usize).map_or("-", |s| s.path.as_str());
    let mut out = std::io::stdout().lock();
    match args.output {
        TableOutput::Json => {
            let rows: Vec<FindingJson> = shown
                .iter()
                .map(|f| FindingJson {
                    id: &f.id,
                    rule: f.rule,
                    severity: f.severity.as_str(),
                    ts_first: format_rfc3339(f.ts_first),
                    ts_last: format_rfc3339(f.ts_last),
                    user: f.user.as_deref(),
                    device: f.device.as_deref(),
                    ip: f.ip.as_deref(),
                    about: f.about.as_deref(),
                    summary: &f.summary,
                    count: f.count,
                    evidence: f
                        .evidence
                        .iter()
                        .map(|e| EvidenceJson {
                            file: file(e.source),
                            line: e.line,
                            offset: e.offset,
                        })
                        .collect(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        TableOutput::Csv => {
            writeln!(out, "{}", CSV_HEADER.join(","))?;
            for f in &shown {
                let cells: Vec<String> = csv_cells(f, |i| file(i).to_owned())
                    .iter()
                    .map(|c| csv_field(c))
                    .collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
        TableOutput::Table => {
            let mut t = Table::new(&[
                ("SEVERITY", Align::Left),
                ("RULE", Align::Left),
                ("WHEN", Align::Left),
                ("WHO", Align::Left),
                ("COUNT", Align::Right),
                ("SUMMARY", Align::Left),
            ]);
            for f in &shown {
                t.row(vec![
                    f.severity.as_str().to_owned(),
                    f.rule.to_owned(),
                    table_time(Some(f.ts_first)),
                    f.subject().to_owned(),
                    f.count.to_string(),
                    f.summary.clone(),
                ]);
            }
            t.write(&mut out)?;
            let mut by: Vec<String> = Vec::new();
            for s in Severity::ALL {
                let n = shown.iter().filter(|f| f.severity == s).count();
                if n > 0 {
                    by.push(format!("{n} {s}"));
                }
            }
            writeln!(out, "\n{} findings ({})", shown.len(), by.join(", "))?;
            for &(source, attributed, rows) in &found.attributed {
                if rows > 0 {
                    writeln!(
                        out,
                        "attributed to a person: {:.1}% of {rows} events in {}",
                        100.0 * attributed as f64 / rows as f64,
                        file(source)
                    )?;
                }
            }
            for (name, n) in &found.unmapped_categories {
                writeln!(
                    out,
                    "vendor category \"{name}\" ({n} requests) maps onto none of vigil's: add it to [lists] aliases"
                )?;
            }
        }
    }
    out.flush()?;
    Ok(outcome)
}

#[derive(Serialize)]
struct EventJson {
    ts: String,
    kind: &'static str,
    file: String,
    line: u64,
    what: String,
}

/// Runs `vigil timeline`.
pub fn timeline(args: &TimelineArgs) -> Result<Outcome> {
    let cx = load_policy(args.policy.as_deref())?;
    crate::audit::append(
        &crate::tui::store::default_dir(),
        "timeline",
        "vigil timeline",
        Some(&args.user),
    )
    .context("writing vigil's access log (set VIGIL_STATE_DIR to a writable directory)")?;
    let ingest = super::read_inputs_with(
        &args.input,
        detect::web_columns(),
        policy_columns(&cx, args.policy.as_deref())?,
    )?;
    super::warn_sources(&ingest);
    let outcome = super::outcome_of(&ingest);
    let inputs = Inputs::from_ingest(ingest, cx.tz)?;
    let inputs = detect::attribute(inputs)?;
    let who = args.user.to_ascii_lowercase();
    let mut events: Vec<(i64, &'static str, u32, u64, String)> = Vec::new();
    let matches = |v: &Option<String>| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&who));
    let mut collect = |df: &DataFrame, kind: &'static str, keys: &[&str], describe: &[&str]| -> Result<()> {
        let rows = detect::Rows::new(df);
        let key_cols: Vec<Vec<Option<String>>> = keys.iter().map(|k| rows.text(k)).collect::<PolarsResult<_>>()?;
        let desc_cols: Vec<Vec<Option<String>>> = describe.iter().map(|k| rows.text(k)).collect::<PolarsResult<_>>()?;
        let ts = rows.time("ts")?;
        let ev = rows.evidence()?;
        for r in 0..df.height() {
            let hit = key_cols.iter().any(|c| {
                matches(&c[r])
                    || c[r]
                        .as_deref()
                        .and_then(|a| a.rsplit_once('@'))
                        .is_some_and(|(local, _)| local.eq_ignore_ascii_case(&who))
            });
            if hit {
                let what: Vec<String> = describe
                    .iter()
                    .zip(&desc_cols)
                    .filter_map(|(name, c)| c[r].as_deref().map(|v| format!("{name}={v}")))
                    .collect();
                events.push((ts[r].unwrap_or(0), kind, ev[r].source, ev[r].line, what.join(" ")));
            }
        }
        Ok(())
    };
    if let Some(df) = &inputs.web {
        collect(
            df,
            "web",
            &["person", "device_name", "client_ip"],
            &["action", "method", "host", "path", "search_terms"],
        )?;
    }
    if let Some(df) = &inputs.flow {
        collect(
            df,
            "flow",
            &["person", "device_name", "src_ip"],
            &["action", "proto", "dst_ip", "dst_port", "app"],
        )?;
    }
    if let Some(df) = &inputs.mail {
        collect(df, "mail", &["from", "to"], &["status", "from", "to", "subject"])?;
    }
    if let Some(df) = &inputs.identity {
        collect(
            df,
            "identity",
            &["user", "device", "ip"],
            &["event", "ip", "user", "device"],
        )?;
    }
    if let Some(df) = &inputs.licence_use {
        collect(df, "licence-use", &["user", "host"], &["op", "feature", "host"])?;
    }
    if let Some(df) = &inputs.inventory {
        collect(df, "inventory", &["user", "device"], &["device", "product", "version"])?;
    }
    events.sort_by_key(|e| (e.0, e.2, e.3));
    let file = |i: u32| {
        inputs
            .sources
            .get(i as usize)
            .map_or("-".to_owned(), |s| s.path.clone())
    };
    let mut out = std::io::stdout().lock();
    match args.output {
        TableOutput::Json => {
            let rows: Vec<EventJson> = events
                .iter()
                .map(|(ts, kind, s, line, what)| EventJson {
                    ts: format_rfc3339(*ts),
                    kind,
                    file: file(*s),
                    line: *line,
                    what: what.clone(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        TableOutput::Csv => {
            writeln!(out, "ts,kind,file,line,what")?;
            for (ts, kind, s, line, what) in &events {
                writeln!(
                    out,
                    "{},{kind},{},{line},{}",
                    format_rfc3339(*ts),
                    csv_field(&file(*s)),
                    csv_field(what)
                )?;
            }
        }
        TableOutput::Table => {
            let mut t = Table::new(&[
                ("TIME", Align::Left),
                ("KIND", Align::Left),
                ("SOURCE", Align::Left),
                ("WHAT", Align::Left),
            ]);
            for (ts, kind, s, line, what) in &events {
                t.row(vec![
                    table_time(Some(*ts)),
                    (*kind).to_owned(),
                    format!("{}:{line}", file(*s)),
                    what.clone(),
                ]);
            }
            t.write(&mut out)?;
            writeln!(out, "\n{} events of {}", events.len(), args.user)?;
        }
    }
    out.flush()?;
    Ok(outcome)
}
