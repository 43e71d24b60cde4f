//! `vigil findings` on the sample week: every planted incident of `ground-truth.json` is found
//! by the right rule, about the right person (or device, or product), at the right time, with
//! all its evidence lines; and nothing else is reported at high or critical severity.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::{json, vigil};

fn sample_findings() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = vigil()
        .current_dir(root)
        .args([
            "findings",
            "--policy",
            "sample-policy/policy.toml",
            "--output",
            "json",
            "sample-logs",
        ])
        .output()
        .expect("run vigil");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out).as_array().expect("an array").clone()
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("rfc3339")
        .timestamp_millis()
}

/// The incident's evidence as `file:line` (relative to sample-logs).
fn lines(v: &Value) -> BTreeSet<String> {
    v["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            let file = e["file"].as_str().expect("file");
            let file = file.strip_prefix("sample-logs/").unwrap_or(file);
            format!("{file}:{}", e["line"])
        })
        .collect()
}

fn matches(incident: &Value, f: &Value) -> bool {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("-").to_owned();
    if s(f, "rule") != s(incident, "rule") {
        return false;
    }
    let who = |k: &str| s(incident, k) == "-" || s(f, k).eq_ignore_ascii_case(&s(incident, k));
    let product = incident.get("product").and_then(Value::as_str);
    let about_ok = product.is_none_or(|p| f["about"].as_str() == Some(p));
    let close = |a: &str, b: &str| (ms(&s(incident, a)) - ms(&s(f, b))).abs() < 1000;
    who("user") && who("device") && about_ok && close("first", "ts_first") && close("last", "ts_last")
}

#[test]
fn every_planted_incident_is_found_and_nothing_else_is_high() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let truth: Value =
        serde_json::from_slice(&std::fs::read(root.join("sample-logs/ground-truth.json")).expect("ground truth"))
            .expect("json");
    let findings = sample_findings();
    let mut problems = Vec::new();
    let mut explained = BTreeSet::new();
    for incident in truth["incidents"].as_array().expect("incidents") {
        let id = incident["id"].as_str().unwrap_or("?");
        match findings.iter().position(|f| matches(incident, f)) {
            None => problems.push(format!("{id} ({}, {}) not found", incident["rule"], incident["user"])),
            Some(i) => {
                explained.insert(i);
                let want = lines(incident);
                let got = lines(&findings[i]);
                let missing: Vec<&String> = want.difference(&got).collect();
                if !missing.is_empty() {
                    problems.push(format!("{id}: evidence lines missing from the finding: {missing:?}"));
                }
                if findings[i]["severity"] != incident["severity"] {
                    problems.push(format!(
                        "{id}: severity {} (want {})",
                        findings[i]["severity"], incident["severity"]
                    ));
                }
            }
        }
    }
    for (i, f) in findings.iter().enumerate() {
        let sev = f["severity"].as_str().unwrap_or("");
        if (sev == "high" || sev == "critical") && !explained.contains(&i) {
            problems.push(format!("unexpected {sev} finding: {} {}", f["rule"], f["summary"]));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
