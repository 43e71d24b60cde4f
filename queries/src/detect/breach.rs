//! Breach rules: access, allowed or blocked, to categories the policy forbids for that person at
//! that time. Blocked attempts are findings too (attempted misuse must be reported); traffic a
//! teaching exemption covers is listed as `breach.exempted`, never as a breach. Bypass tools
//! (VPN/proxy, DoH, Tor) are left to the bypass family.

use polars::prelude::*;

use super::events::{Grouper, Picked, day_key, finding, subject, week_key, when};
use super::web::{WebScan, category_index, category_name, is_auth_challenge, is_blocked};
use crate::context::{Context, Level, Verdict};
use crate::findings::{Finding, Severity};

/// Categories whose use the bypass family reports.
pub const BYPASS_CATEGORIES: [&str; 3] = ["vpn-proxy", "doh", "tor"];

/// The breach family's findings over a web frame.
pub fn detect(cx: &Context, web: &DataFrame, scan: &WebScan) -> PolarsResult<Vec<Finding>> {
    let mut graded = [false; 256];
    for c in crate::categories::CATEGORIES {
        let i = category_index(c.name);
        graded[usize::from(i)] = *cx.level(c.name) != Level::Acceptable && !BYPASS_CATEGORIES.contains(&c.name);
    }
    let rows: Vec<usize> = (0..scan.category.len())
        .filter(|&r| graded[usize::from(scan.category[r])] && !is_auth_challenge(scan.action[r]))
        .collect();
    let picked = Picked::take(web, rows, &["person", "device_name", "client_ip", "host"], &[])?;
    let mut groups = Grouper::default();
    let mut rules = Vec::new();
    for i in 0..picked.len() {
        let row = picked.rows[i];
        let cat = category_name(scan.category[row]);
        let (ts, person, device, ip) = (
            picked.ts[i],
            picked.text("person", i),
            picked.text("device_name", i),
            picked.text("client_ip", i),
        );
        let host = picked.text("host", i);
        let addr = ip.and_then(|a| a.parse().ok());
        let (rule, exemption) = match cx.judge(cat, host, person, addr, ts) {
            Verdict::Acceptable => continue,
            Verdict::Exempted(e) => ("breach.exempted", Some(e)),
            Verdict::OutsideWindows => ("breach.certain-times", None),
            Verdict::NotNominated => ("breach.nominated", None),
            Verdict::Unacceptable => ("breach.unacceptable", None),
            Verdict::Illegal => ("breach.illegal", None),
        };
        // Content misuse is one finding a day; use at the wrong time or by the wrong person (minor,
        // often the filter's own setting) one a week, so that a week's report stays readable.
        let period = match rule {
            "breach.unacceptable" | "breach.illegal" => day_key(cx, ts),
            _ => week_key(cx, ts),
        };
        let key = format!(
            "{rule}\u{1}{}\u{1}{cat}\u{1}{period}\u{1}{}",
            subject(person, device, ip),
            exemption.map_or(String::new(), |e| e.to_string())
        );
        let before = groups.groups.len();
        let acc = groups.entry(key, person, device, ip);
        acc.add(ts, picked.evidence[i], is_blocked(scan.action[row]), 0);
        if let Some(h) = host {
            acc.details.insert(h.to_owned());
        }
        if groups.groups.len() > before {
            rules.push((rule, cat, exemption));
        }
    }
    let mut out = Vec::new();
    for ((_, acc), (rule, cat, exemption)) in groups.groups.into_iter().zip(rules) {
        let who = subject(acc.user.as_deref(), acc.device.as_deref(), acc.ip.as_deref()).to_owned();
        let times = if acc.count == 1 {
            "once".to_owned()
        } else {
            format!("{} times", acc.count)
        };
        let sites = acc.details_list(3);
        let span = when(cx, acc.first, acc.last);
        let (severity, summary) = match rule {
            "breach.illegal" => (
                Severity::Critical,
                format!(
                    "{who} reached for {cat} content graded illegal ({sites}) {times}, {span} ({})",
                    acc.blocked_phrase()
                ),
            ),
            "breach.unacceptable" => {
                let verb = if acc.blocked == acc.count {
                    "tried to reach"
                } else {
                    "reached"
                };
                (
                    Severity::High,
                    format!(
                        "{who} {verb} {cat} sites ({sites}) {times}, {span} ({})",
                        acc.blocked_phrase()
                    ),
                )
            }
            "breach.exempted" => {
                let e = exemption.and_then(|e| cx.exemptions.iter().find(|x| x.index == e));
                (
                    Severity::Info,
                    format!(
                        "{who} used {cat} ({sites}) {times}, {span}, under the exemption \"{}\" approved by {}",
                        e.map_or("", |e| e.reason.as_str()),
                        e.map_or("", |e| e.approved_by.as_str())
                    ),
                )
            }
            r => {
                let why = if r == "breach.certain-times" {
                    "outside the times the policy allows it"
                } else {
                    "which the policy does not allow for them"
                };
                // The filter enforced the policy when every request was blocked: a record only.
                let severity = if acc.blocked == acc.count {
                    Severity::Info
                } else {
                    Severity::Low
                };
                (
                    severity,
                    format!(
                        "{who} used {cat} ({sites}) {times}, {span}, {why} ({})",
                        acc.blocked_phrase()
                    ),
                )
            }
        };
        out.push(finding(rule, severity, acc, Some(cat.to_owned()), summary));
    }
    Ok(out)
}
