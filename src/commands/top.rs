//! `vigil top`: totals per user, host or client.

use std::io::Write;

use anyhow::Result;
use polars::prelude::IntoLazy;
use vigil_parsers::web::{WebColumn, WebColumns};
use vigil_queries::{TopBy, TopKey, TopOptions};

use crate::cli::{Outcome, TableOutput, TopArgs, TopByArg, TopKeyArg};
use crate::output::{Align, Table, csv_field, human_bytes, thousands};

/// Runs `vigil top`.
pub fn run(args: &TopArgs) -> Result<Outcome> {
    let key = match args.key {
        TopKeyArg::Users => TopKey::Users,
        TopKeyArg::Hosts => TopKey::Hosts,
        TopKeyArg::Clients => TopKey::Clients,
    };
    let key_column = match key {
        TopKey::Users => WebColumn::User,
        TopKey::Hosts => WebColumn::Host,
        TopKey::Clients => WebColumn::ClientIp,
    };
    let columns = WebColumns::of(&[key_column, WebColumn::BytesIn, WebColumn::Action]);
    let ingest = super::read_inputs(&args.input, columns)?;
    super::warn_sources(&ingest);
    let outcome = super::outcome_of(&ingest);
    let frame = vigil_queries::web_frame(ingest.web)?;
    let opts = TopOptions {
        key,
        by: match args.by {
            TopByArg::Bytes => TopBy::Bytes,
            TopByArg::Requests => TopBy::Requests,
            TopByArg::Blocked => TopBy::Blocked,
        },
        limit: (args.limit > 0).then_some(args.limit),
    };
    let rows = vigil_queries::top(frame.lazy(), &opts)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.output {
        TableOutput::Csv => {
            writeln!(out, "key,requests,bytes,blocked")?;
            for r in &rows {
                writeln!(out, "{},{},{},{}", csv_field(&r.key), r.requests, r.bytes, r.blocked)?;
            }
        }
        TableOutput::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        TableOutput::Table => {
            let name = match key {
                TopKey::Users => "USER",
                TopKey::Hosts => "HOST",
                TopKey::Clients => "CLIENT",
            };
            let mut table = Table::new(&[
                (name, Align::Left),
                ("REQUESTS", Align::Right),
                ("BYTES", Align::Right),
                ("BLOCKED", Align::Right),
            ]);
            for r in &rows {
                table.row(vec![
                    r.key.clone(),
                    thousands(r.requests),
                    human_bytes(r.bytes),
                    thousands(r.blocked),
                ]);
            }
            table.write(&mut out)?;
        }
    }
    out.flush()?;
    Ok(outcome)
}
