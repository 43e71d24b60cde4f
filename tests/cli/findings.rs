//! `vigil findings` on the sample week: every planted incident of `ground-truth.json` is found
//! by the right rule, about the right person (or device, or product), at the right time, with
//! all its evidence lines; and nothing else is reported at high or critical severity.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::{json, vigil};

/// `vigil findings --policy sample-policy/policy.toml ARGS… sample-logs`, checked to succeed.
fn findings_on_sample(args: &[&str]) -> std::process::Output {
    let mut all = vec!["findings", "--policy", "sample-policy/policy.toml"];
    all.extend_from_slice(args);
    all.push("sample-logs");
    let out = vigil()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&all)
        .output()
        .expect("run vigil");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The sample week's findings as JSON, filtered by `args`.
fn sample_findings_with(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    json(&findings_on_sample(&all)).as_array().expect("an array").clone()
}

fn sample_findings() -> Vec<Value> {
    sample_findings_with(&[])
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

/// `vigil findings` with its filters, as text, CSV and JSON.
#[test]
fn filters_narrow_the_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = sample_findings_with;
    let high = run(&["--severity", "high"]);
    assert_eq!(high.len(), 9, "the nine high and critical incidents");
    assert!(
        high.iter()
            .all(|f| f["severity"] == "high" || f["severity"] == "critical")
    );
    let bypass = run(&["--rule", "bypass.*", "--severity", "medium"]);
    let rules: BTreeSet<&str> = bypass.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(
        rules,
        [
            "bypass.direct-ip",
            "bypass.doh",
            "bypass.outside-dns",
            "bypass.tor",
            "bypass.vpn",
            "bypass.vpn-protocol"
        ]
        .into_iter()
        .collect()
    );
    let one = run(&["--user", "20GARLEYG"]);
    assert!(
        !one.is_empty() && one.iter().all(|f| f["user"] == "20garleyg"),
        "{one:#?}"
    );
    // Tuesday only (local days): INC-01 is on Tuesday, INC-02 on Monday.
    let tuesday = run(&["--since", "2026-11-17", "--until", "2026-11-18", "--severity", "high"]);
    let users: BTreeSet<&str> = tuesday.iter().filter_map(|f| f["user"].as_str()).collect();
    assert!(
        users.contains("20garleyg") && !users.contains("20orrstowl"),
        "{users:?}"
    );
    // CSV: a header and one row per finding, evidence as file:line.
    let out = findings_on_sample(&["--output", "csv", "--rule", "keyword.*"]);
    let text = String::from_utf8(out.stdout).expect("utf8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("id,rule,severity,ts_first,ts_last,user,device,ip,about,count,summary,evidence")
    );
    assert_eq!(lines.clone().count(), 2, "{text}");
    assert!(text.contains("sample-logs/proxy/access.log.1:24002"), "{text}");
    // A bad policy is refused with its line.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("policy.toml");
    std::fs::write(&bad, "[school]\nname = \"X\"\n[categories]\nkittens = \"acceptable\"\n").expect("write");
    vigil()
        .args(["findings", "--policy"])
        .arg(&bad)
        .arg(root.join("sample-logs/dhcp"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "line 4: categories.kittens: unknown category",
        ));
}

/// `vigil timeline`: one person's events across sources, in time order, with file and line.
#[test]
fn a_timeline_follows_one_person_across_sources() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = vigil()
        .current_dir(root)
        .args([
            "timeline",
            "--user",
            "20holhurstf",
            "--policy",
            "sample-policy/policy.toml",
            "--output",
            "json",
            "sample-logs",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events = json(&out);
    let events = events.as_array().expect("array");
    let kinds: BTreeSet<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    // Proxy requests, the Chromebook's firewall denials (attributed through the proxy logon),
    // and the pupil's mail.
    assert!(kinds.contains("web") && kinds.contains("flow"), "{kinds:?}");
    let times: Vec<&str> = events.iter().filter_map(|e| e["ts"].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
    assert!(
        events
            .iter()
            .any(|e| e["file"] == "sample-logs/firewall/fortigate.log.2.gz" && e["line"] == 983),
        "the WireGuard attempt of INC-09"
    );
}
