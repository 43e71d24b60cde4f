//! One module per command.

pub mod generate;
pub mod ingest;
pub mod top;

use anyhow::Context;
use vigil_parsers::ingest::{Ingest, IngestOptions};
use vigil_parsers::web::WebColumns;

use crate::cli::{InputArgs, Outcome};

/// Reads the inputs keeping `columns`; reports unreadable sources on stderr.
pub fn read_inputs(input: &InputArgs, columns: WebColumns) -> anyhow::Result<Ingest> {
    let opts = IngestOptions {
        format: input.format.0,
        tz: vigil_parsers::time::parse_tz(&input.tz)?,
        columns,
        mmap: !input.no_mmap,
        ..IngestOptions::default()
    };
    vigil_parsers::ingest::ingest(&input.paths, &opts).context("reading the inputs")
}

/// The outcome of an ingest: failed when no record was read although there was input (every
/// source failed or every line was rejected) or no recognised log was found; partial when some
/// source could not be read or recognised; ok otherwise (rejected lines are reported, not fatal).
pub fn outcome_of(ingest: &Ingest) -> Outcome {
    use std::io::Write;
    let read: Vec<_> = ingest.sources.iter().filter(|s| s.skipped.is_none()).collect();
    let failed = read.iter().filter(|s| s.error.is_some()).count();
    let parsed: u64 = read.iter().map(|s| s.parsed).sum();
    let rejected: u64 = read.iter().map(|s| s.rejected).sum();
    if read.is_empty() {
        let _ = writeln!(std::io::stderr(), "vigil: error: no recognised log among the inputs");
        Outcome::Failed
    } else if parsed == 0 && (failed > 0 || rejected > 0) {
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
    let skipped: Vec<String> = ingest
        .sources
        .iter()
        .filter(|s| s.skipped.is_some())
        .map(|s| s.path.display().to_string())
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            err,
            "vigil: skipped {} file(s) found in directories that are not recognised logs: {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    for s in &ingest.sources {
        if let Some(e) = &s.error {
            let _ = writeln!(err, "vigil: {e}");
        }
        for w in &s.warnings {
            let _ = writeln!(err, "vigil: {}: {w}", s.path.display());
        }
        if s.rejected > 0 && s.error.is_none() {
            let _ = writeln!(
                err,
                "vigil: {}: {} of {} lines rejected (vigil ingest lists them)",
                s.path.display(),
                s.rejected,
                s.lines
            );
        }
    }
}
