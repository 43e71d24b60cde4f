//! Breach rules: access, allowed or blocked, to categories the policy forbids for that person at
//! that time. Blocked attempts are findings too (attempted misuse must be reported); traffic a
//! teaching exemption covers is listed as `breach.exempted`, never as a breach. Bypass tools
//! (VPN/proxy, DoH, Tor) are left to the bypass family.

use polars::prelude::*;

use chrono::Datelike;

use super::events::{LocalCache, RowGroups, SubjectKey, acc_of, finding, subject, when};
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
    let (who, ts) = (&scan.who, &scan.ts);
    let mut clock = LocalCache::default();
    // (rule, subject, category, period, exemption) → rows.
    let mut groups: RowGroups<(&'static str, SubjectKey, u8, i32, Option<usize>)> = RowGroups::default();
    #[allow(clippy::needless_range_loop)] // the scan's columns and `ts` indexed by the same row
    for r in 0..scan.category.len() {
        let c = scan.category[r];
        if !graded[usize::from(c)] || is_auth_challenge(scan.action[r]) {
            continue;
        }
        let cat = category_name(c);
        let host = scan.host.name(scan.host.ids[r]);
        let (rule, exemption) = match cx.judge(cat, host, who.person(r), who.addr(r), ts[r]) {
            Verdict::Acceptable => continue,
            Verdict::Exempted(e) => ("breach.exempted", Some(e)),
            Verdict::OutsideWindows => ("breach.certain-times", None),
            Verdict::NotNominated => ("breach.nominated", None),
            Verdict::Unacceptable => ("breach.unacceptable", None),
            Verdict::Illegal => ("breach.illegal", None),
        };
        // Content misuse is one finding a day; use at the wrong time or by the wrong person (minor,
        // often the filter's own setting) one a week, so that a week's report stays readable.
        let date = clock.at(cx, ts[r]).date;
        let period = match rule {
            "breach.unacceptable" | "breach.illegal" => date.num_days_from_ce(),
            _ => {
                let w = date.iso_week();
                w.year() * 100 + w.week() as i32
            }
        };
        groups.add(
            (rule, who.key(r), c, period, exemption),
            r,
            ts[r],
            is_blocked(scan.action[r]),
            scan.host.ids[r],
        );
    }
    let mut out = Vec::new();
    for (g, evidence) in groups.finish(web)? {
        let (rule, _, c, _, exemption) = g.key;
        let cat = category_name(c);
        let hosts: Vec<String> = g
            .details
            .iter()
            .filter_map(|&h| scan.host.name(h))
            .map(str::to_owned)
            .collect();
        let acc = acc_of(who, &g, evidence, hosts);
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
