//! The mail and licence rule families over the sample week: every planted incident INC-14..INC-22
//! is found with its rule, subject, times and exact evidence lines, and nothing else in these
//! families is more urgent than medium.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use polars::prelude::PolarsResult;
use vigil_parsers::Kind;
use vigil_parsers::ingest::{IngestOptions, ingest};
use vigil_queries::context::Context;
use vigil_queries::detect::{Inputs, SourceInfo, licences, mail};
use vigil_queries::findings::{Finding, Severity};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-logs")
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("rfc3339")
        .timestamp_millis()
}

/// Ingests the sample's mail, inventory and licence files; returns the inputs and each source's
/// path relative to the sample directory.
fn inputs() -> PolarsResult<(Inputs, Vec<String>)> {
    let base = sample();
    let paths = vec![base.join("mail"), base.join("inventory"), base.join("licences")];
    let mut got = ingest(&paths, &IngestOptions::default()).expect("ingest");
    // The inventory and register carry their export time in their names (git keeps no mtimes).
    let sources: Vec<SourceInfo> = got
        .sources
        .iter()
        .map(|s| SourceInfo::of(s, chrono_tz::Europe::London))
        .collect();
    let names = got
        .sources
        .iter()
        .map(|s| s.path.strip_prefix(&base).unwrap_or(&s.path).display().to_string())
        .collect();
    let mut frame = |kind| -> PolarsResult<_> { got.take_table(kind).map(vigil_queries::row_frame).transpose() };
    let inputs = Inputs {
        mail: frame(Kind::Mail)?,
        inventory: frame(Kind::Inventory)?,
        licences: frame(Kind::Licences)?,
        licence_use: frame(Kind::LicenceUse)?,
        sources,
        ..Inputs::default()
    };
    Ok((inputs, names))
}

#[test]
fn sample_week_incidents_are_found() -> PolarsResult<()> {
    let started = std::time::Instant::now();
    let cx = Context::typical().expect("template compiles");
    let (inputs, names) = inputs()?;
    let mut findings: Vec<Finding> = mail::detect(&cx, &inputs)?;
    findings.extend(licences::detect(&cx, &inputs)?);
    vigil_queries::findings::sort(&mut findings);
    for f in &findings {
        println!(
            "{:<8} {:<32} {:<22} {:<40} n={:<4} {}",
            f.severity.as_str(),
            f.rule,
            f.subject(),
            f.about.as_deref().unwrap_or("-"),
            f.count,
            f.summary
        );
    }

    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample().join("ground-truth.json")).expect("ground truth"))
            .expect("json");
    let incidents = truth["incidents"].as_array().expect("incidents");
    let mut matched = BTreeSet::new();
    for inc in incidents {
        let rule = inc["rule"].as_str().expect("rule");
        if !(rule.starts_with("mail.") || rule.starts_with("licences.")) {
            continue;
        }
        let id = inc["id"].as_str().expect("id");
        let who = inc["product"].as_str().or(inc["user"].as_str()).expect("subject");
        let want: BTreeSet<(String, u64)> = inc["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .map(|e| {
                (
                    e["file"].as_str().expect("file").to_owned(),
                    e["line"].as_u64().expect("line"),
                )
            })
            .collect();
        let found = findings
            .iter()
            .enumerate()
            .find(|(_, f)| f.rule == rule && (f.user.as_deref() == Some(who) || f.about.as_deref() == Some(who)))
            .unwrap_or_else(|| panic!("{id}: no {rule} finding about {who}"));
        let (k, f) = found;
        matched.insert(k);
        let got: BTreeSet<(String, u64)> = f
            .evidence
            .iter()
            .map(|e| (names[e.source as usize].clone(), e.line))
            .collect();
        assert_eq!(got, want, "{id}: evidence");
        let first = ms(inc["first"].as_str().expect("first"));
        let last = ms(inc["last"].as_str().expect("last"));
        assert!(
            (f.ts_first - first).abs() < 1000,
            "{id}: first {} vs {first}",
            f.ts_first
        );
        assert!((f.ts_last - last).abs() < 1000, "{id}: last {} vs {last}", f.ts_last);
        let severity = Severity::parse(inc["severity"].as_str().expect("severity")).expect("severity");
        assert_eq!(f.severity, severity, "{id}: severity");
    }
    assert_eq!(matched.len(), 9, "INC-14..INC-22 each matched once");
    for (k, f) in findings.iter().enumerate() {
        if !matched.contains(&k) {
            assert!(
                !f.severity.at_least(Severity::High),
                "not planted, yet {}: {}",
                f.severity,
                f.summary
            );
        }
    }
    println!("{} findings in {:.2?}", findings.len(), started.elapsed());
    Ok(())
}
