//! Mail summaries against pflogsumm, the reference Postfix log summariser: `vigil top` on a
//! Postfix log must give the Grand Totals pflogsumm gives on the same log.
//!
//! pflogsumm reads one Postfix instance per run plus the default one (`--syslog-name`); vigil
//! reads every instance, so pflogsumm runs with the log's other instance named. pflogsumm 1.1.5
//! does not count smtpd `milter-reject` lines as rejections; vigil does, and the reference log has
//! exactly one (a greylisting milter), which is the one documented difference.

use std::path::Path;
use std::process::Command;

use crate::support::{json, vigil};

/// pflogsumm's report on `log`, run with `--syslog-name`.
fn pflogsumm(log: &Path, syslog_name: &str) -> String {
    let out = Command::new("pflogsumm")
        .env("LC_ALL", "C")
        .arg(format!("--syslog-name={syslog_name}"))
        .arg(log)
        .output()
        .expect("pflogsumm runs (apt-get install pflogsumm; .ci/run installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The Grand Totals of a pflogsumm report: (label, value) with `k`/`m` suffixes expanded
/// (pflogsumm's `k` is 1024, truncated).
fn grand_totals(report: &str) -> Vec<(String, u64)> {
    let block = report
        .split("Grand Totals")
        .nth(1)
        .and_then(|t| t.split("Per-Hour").next())
        .expect("a Grand Totals block");
    block
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let n = words.next()?;
            let (digits, unit) = n.split_at(n.trim_end_matches(['k', 'm']).len());
            let v: u64 = digits.parse().ok()?;
            let v = match unit {
                "k" => v * 1024,
                "m" => v * 1024 * 1024,
                _ => v,
            };
            let label: Vec<&str> = words.take_while(|w| !w.starts_with('(')).collect();
            Some((label.join(" "), v))
        })
        .collect()
}

/// vigil's totals over every sender.
fn vigil_totals(log: &Path) -> serde_json::Value {
    let out = vigil()
        .args(["top", "senders", "--limit", "0", "--output", "json"])
        .arg(log)
        .output()
        .expect("vigil runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = json(&out);
    let mut t = serde_json::Map::new();
    for row in rows.as_array().expect("rows") {
        for (k, v) in row.as_object().expect("row") {
            if let Some(n) = v.as_u64() {
                let sum = t.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0) + n;
                t.insert(k.clone(), sum.into());
            }
        }
    }
    serde_json::Value::Object(t)
}

fn get(p: &[(String, u64)], label: &str) -> u64 {
    p.iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("pflogsumm has no {label:?}: {p:?}"))
}

/// Bytes as pflogsumm prints them: from 512 KiB on in whole KiB, truncated (`797k`).
fn kib(n: u64) -> u64 {
    if n >= 512 * 1024 { n / 1024 * 1024 } else { n }
}

/// Asserts that vigil's mail totals for `log` are pflogsumm's (run with `--syslog-name`), with
/// `extra_rejected` rejections pflogsumm does not count.
pub fn assert_parity(log: &Path, syslog_name: &str, extra_rejected: u64) {
    let report = pflogsumm(log, syslog_name);
    let p = grand_totals(&report);
    let v = vigil_totals(log);
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    assert_eq!(n("received"), get(&p, "received"), "received");
    assert_eq!(n("delivered"), get(&p, "delivered"), "delivered");
    assert_eq!(n("forwarded"), get(&p, "forwarded"), "forwarded");
    // pflogsumm prints "N deferred (M deferrals)": vigil counts deferrals.
    assert_eq!(n("deferred"), deferrals(&report), "deferrals");
    assert_eq!(n("bounced"), get(&p, "bounced"), "bounced");
    assert_eq!(n("rejected"), get(&p, "rejected") + extra_rejected, "rejected");
    assert_eq!(n("reject_warnings"), get(&p, "reject warnings"), "reject warnings");
    assert_eq!(n("held"), get(&p, "held"), "held");
    assert_eq!(n("discarded"), get(&p, "discarded"), "discarded");
    assert_eq!(kib(n("bytes_received")), get(&p, "bytes received"), "bytes received");
    assert_eq!(kib(n("bytes_delivered")), get(&p, "bytes delivered"), "bytes delivered");
}

/// The deferral count of a pflogsumm report ("N deferred (M deferrals)").
fn deferrals(report: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.contains("deferrals)"))
        .expect("a deferred line");
    line.split('(')
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a deferral count")
}

#[test]
fn postfix_totals_match_pflogsumm_on_the_reference_log() {
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("parsers/tests/data/postfix/maillog");
    assert_parity(&log, "postfix-incoming", 1);
}
