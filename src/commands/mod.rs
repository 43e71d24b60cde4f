//! One module per command.

pub mod findings;
pub mod generate;
pub mod ingest;
pub mod policy;
pub mod top;

use anyhow::Context;
use vigil_parsers::formats::webcsv::{ColumnMap, DateOrder};
use vigil_parsers::ingest::{Ingest, IngestOptions};
use vigil_parsers::web::WebColumns;

use crate::cli::{InputArgs, Outcome};

/// Reads the inputs keeping `columns`; reports unreadable sources on stderr.
pub fn read_inputs(input: &InputArgs, columns: WebColumns) -> anyhow::Result<Ingest> {
    read_inputs_with(input, columns, None)
}

/// Reads the inputs keeping `columns`, with a web-filter column map from elsewhere (the policy
/// file) when `--columns` is not given.
pub fn read_inputs_with(input: &InputArgs, columns: WebColumns, map: Option<ColumnMap>) -> anyhow::Result<Ingest> {
    let map = match &input.columns {
        Some(path) => Some(column_map(path)?),
        None => map,
    };
    let opts = IngestOptions {
        format: input.format.0,
        tz: vigil_parsers::time::parse_tz(&input.tz)?,
        columns,
        mmap: !input.no_mmap,
        web_csv_columns: map.map(std::sync::Arc::new),
        ..IngestOptions::default()
    };
    vigil_parsers::ingest::ingest(&input.paths, &opts).context("reading the inputs")
}

/// Reads a `--columns` file: a `[web-csv]` table of field = header name(s), and `date-order`.
pub fn column_map(path: &std::path::Path) -> anyhow::Result<ColumnMap> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the column map {}", path.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: not valid TOML: {e}", path.display()))?;
    let unknown: Vec<&String> = doc.keys().filter(|k| k.as_str() != "web-csv").collect();
    if let Some(k) = unknown.first() {
        anyhow::bail!(
            "{}: unknown table `[{k}]` (the column map has one table, `[web-csv]`)",
            path.display()
        );
    }
    let Some(table) = doc.get("web-csv").and_then(toml::Value::as_table) else {
        anyhow::bail!(
            "{}: no `[web-csv]` table of field = \"Header name\" lines",
            path.display()
        );
    };
    column_map_table(table, &path.display().to_string())
}

/// A `[web-csv]` table (from a `--columns` file or the policy file named `origin`) as a
/// column map.
pub fn column_map_table(table: &toml::Table, origin: &str) -> anyhow::Result<ColumnMap> {
    let path = std::path::Path::new(origin);
    let mut order = DateOrder::DayFirst;
    let mut pairs = Vec::new();
    for (key, value) in table {
        if key == "date-order" {
            order = match value.as_str() {
                Some("day-first") => DateOrder::DayFirst,
                Some("month-first") => DateOrder::MonthFirst,
                _ => anyhow::bail!(
                    "{}: `date-order` must be \"day-first\" (20/11/2026) or \"month-first\" (11/20/2026)",
                    path.display()
                ),
            };
            continue;
        }
        let names: Vec<String> = match value {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Array(a) => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .with_context(|| format!("{}: `{key}` must list header names as strings", path.display()))?,
            _ => anyhow::bail!("{}: `{key}` must be a header name or a list of them", path.display()),
        };
        pairs.push((key.clone(), names));
    }
    ColumnMap::new(&pairs, order).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The outcome of an ingest: failed when no record was read although there was input (every
/// source failed or every line was rejected) or no recognised log was found; partial when some
/// source could not be read or recognised; ok otherwise (rejected lines are reported, not fatal).
pub fn outcome_of(ingest: &Ingest) -> Outcome {
    use std::io::Write;
    let outcome = classify(ingest);
    if ingest.sources.iter().all(|s| s.skipped.is_some()) {
        let _ = writeln!(std::io::stderr(), "vigil: error: no recognised log among the inputs");
    }
    outcome
}

/// [`outcome_of`] without a word on stderr.
pub fn classify(ingest: &Ingest) -> Outcome {
    let read: Vec<_> = ingest.sources.iter().filter(|s| s.skipped.is_none()).collect();
    let failed = read.iter().filter(|s| s.error.is_some()).count();
    let parsed: u64 = read.iter().map(|s| s.parsed).sum();
    let rejected: u64 = read.iter().map(|s| s.rejected).sum();
    if read.is_empty() || (parsed == 0 && (failed > 0 || rejected > 0)) {
        Outcome::Failed
    } else if failed > 0 {
        Outcome::Partial
    } else {
        Outcome::Ok
    }
}

/// One line per problem source on stderr (for commands whose stdout is data).
pub fn warn_sources(ingest: &Ingest) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    for line in source_problems(ingest) {
        let _ = writeln!(err, "vigil: {line}");
    }
}

/// One line per problem: skipped files, unreadable sources, warnings, rejected lines.
pub fn source_problems(ingest: &Ingest) -> Vec<String> {
    let mut out = Vec::new();
    let skipped: Vec<String> = ingest
        .sources
        .iter()
        .filter(|s| s.skipped.is_some())
        .map(|s| s.path.display().to_string())
        .collect();
    if !skipped.is_empty() {
        out.push(format!(
            "skipped {} file(s) found in directories that are not recognised logs: {}",
            skipped.len(),
            skipped.join(", ")
        ));
    }
    for s in &ingest.sources {
        if let Some(e) = &s.error {
            out.push(e.clone());
        }
        for w in &s.warnings {
            out.push(format!("{}: {w}", s.path.display()));
        }
        if s.rejected > 0 && s.error.is_none() {
            out.push(format!(
                "{}: {} of {} lines rejected (vigil ingest lists them)",
                s.path.display(),
                s.rejected,
                s.lines
            ));
        }
    }
    out
}
