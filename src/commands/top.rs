//! `vigil top`: totals per user, host or client (web), sender, recipient or domain (mail), and
//! source, destination or port (firewall).

use std::io::Write;

use anyhow::{Result, bail};
use polars::prelude::IntoLazy;
use vigil_parsers::Kind;
use vigil_parsers::web::{WebColumn, WebColumns};
use vigil_queries::summary::{FlowKey, FlowRow, MailKey, MailRow, RankBy, mail_totals, top_flows, top_mail};
use vigil_queries::{TopBy, TopKey, TopOptions};

use crate::cli::{Outcome, TableOutput, TopArgs, TopByArg, TopKeyArg};
use crate::output::{Align, Table, csv_field, human_bytes, thousands};

/// Runs `vigil top`.
pub fn run(args: &TopArgs) -> Result<Outcome> {
    let web_key = match args.key {
        TopKeyArg::Users => Some((TopKey::Users, WebColumn::User)),
        TopKeyArg::Hosts => Some((TopKey::Hosts, WebColumn::Host)),
        TopKeyArg::Clients => Some((TopKey::Clients, WebColumn::ClientIp)),
        _ => None,
    };
    let columns = match web_key {
        Some((_, key_column)) => WebColumns::of(&[key_column, WebColumn::BytesIn, WebColumn::Action]),
        None => WebColumns::of(&[WebColumn::Ts]),
    };
    let mut ingest = super::read_inputs(&args.input, columns)?;
    super::warn_sources(&ingest);
    let outcome = super::outcome_of(&ingest);
    let limit = if args.limit > 0 { args.limit } else { usize::MAX };
    let rank = match args.by {
        TopByArg::Bytes => RankBy::Bytes,
        TopByArg::Requests => RankBy::Count,
        TopByArg::Blocked => RankBy::Blocked,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some((key, _)) = web_key {
        write_web(&mut out, args, key, ingest)?;
    } else if let Some(key) = mail_key(args.key) {
        let Some(table) = ingest.take_table(Kind::Mail) else {
            bail!("no mail log among the inputs (Postfix, Exim, Exchange or Microsoft 365 message trace)");
        };
        let rows = top_mail(vigil_queries::row_frame(table)?.lazy(), key, rank)?;
        write_mail(&mut out, args, &rows, limit)?;
    } else {
        let key = match args.key {
            TopKeyArg::Sources => FlowKey::Sources,
            TopKeyArg::Destinations => FlowKey::Destinations,
            _ => FlowKey::Ports,
        };
        let Some(table) = ingest.take_table(Kind::Flow) else {
            bail!("no firewall log among the inputs (netfilter, filterlog, FortiGate or Sophos)");
        };
        let rows = top_flows(vigil_queries::row_frame(table)?.lazy(), key, rank)?;
        write_flows(&mut out, args, &rows[..rows.len().min(limit)])?;
    }
    out.flush()?;
    Ok(outcome)
}

fn mail_key(key: TopKeyArg) -> Option<MailKey> {
    match key {
        TopKeyArg::Senders => Some(MailKey::Senders),
        TopKeyArg::Recipients => Some(MailKey::Recipients),
        TopKeyArg::Domains => Some(MailKey::Domains),
        _ => None,
    }
}

fn write_web(out: &mut impl Write, args: &TopArgs, key: TopKey, ingest: vigil_parsers::ingest::Ingest) -> Result<()> {
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
    match args.output {
        TableOutput::Csv => {
            writeln!(out, "key,requests,bytes,blocked")?;
            for r in &rows {
                writeln!(out, "{},{},{},{}", csv_field(&r.key), r.requests, r.bytes, r.blocked)?;
            }
        }
        TableOutput::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
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
            table.write(out)?;
        }
    }
    Ok(())
}

fn write_mail(out: &mut impl Write, args: &TopArgs, all: &[MailRow], limit: usize) -> Result<()> {
    let rows = &all[..all.len().min(limit)];
    match args.output {
        TableOutput::Csv => {
            writeln!(
                out,
                "key,received,delivered,forwarded,deferred,bounced,expired,rejected,reject_warnings,held,discarded,bytes_received,bytes_delivered"
            )?;
            for r in rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    csv_field(&r.key),
                    r.received,
                    r.delivered,
                    r.forwarded,
                    r.deferred,
                    r.bounced,
                    r.expired,
                    r.rejected,
                    r.reject_warnings,
                    r.held,
                    r.discarded,
                    r.bytes_received,
                    r.bytes_delivered
                )?;
            }
        }
        TableOutput::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        TableOutput::Table => {
            let name = match args.key {
                TopKeyArg::Senders => "SENDER",
                TopKeyArg::Recipients => "RECIPIENT",
                _ => "DOMAIN",
            };
            let mut table = Table::new(&[
                (name, Align::Left),
                ("RECEIVED", Align::Right),
                ("DELIVERED", Align::Right),
                ("DEFERRED", Align::Right),
                ("BOUNCED", Align::Right),
                ("REJECTED", Align::Right),
                ("BYTES IN", Align::Right),
                ("BYTES OUT", Align::Right),
            ]);
            let mut add = |r: &MailRow, key: String| {
                table.row(vec![
                    key,
                    thousands(r.received),
                    thousands(r.delivered),
                    thousands(r.deferred),
                    thousands(r.bounced),
                    thousands(r.rejected),
                    human_bytes(r.bytes_received),
                    human_bytes(r.bytes_delivered),
                ]);
            };
            for r in rows {
                add(r, r.key.clone());
            }
            let t = mail_totals(all);
            add(&t, format!("TOTAL ({} keys)", thousands(all.len() as u64)));
            table.write(out)?;
        }
    }
    Ok(())
}

fn write_flows(out: &mut impl Write, args: &TopArgs, rows: &[FlowRow]) -> Result<()> {
    match args.output {
        TableOutput::Csv => {
            writeln!(out, "key,connections,passed,blocked,bytes")?;
            for r in rows {
                writeln!(
                    out,
                    "{},{},{},{},{}",
                    csv_field(&r.key),
                    r.connections,
                    r.passed,
                    r.blocked,
                    r.bytes
                )?;
            }
        }
        TableOutput::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        TableOutput::Table => {
            let name = match args.key {
                TopKeyArg::Sources => "SOURCE",
                TopKeyArg::Destinations => "DESTINATION",
                _ => "PORT",
            };
            let mut table = Table::new(&[
                (name, Align::Left),
                ("CONNECTIONS", Align::Right),
                ("PASSED", Align::Right),
                ("BLOCKED", Align::Right),
                ("BYTES", Align::Right),
            ]);
            for r in rows {
                table.row(vec![
                    r.key.clone(),
                    thousands(r.connections),
                    thousands(r.passed),
                    thousands(r.blocked),
                    human_bytes(r.bytes),
                ]);
            }
            table.write(out)?;
        }
    }
    Ok(())
}
