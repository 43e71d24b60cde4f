//! The report as one self-contained HTML page: no external assets, charts as inline SVG,
//! printable. Summary first, then one section per rule family.

use std::fmt::Write as _;

use vigil_queries::findings::{Finding, Severity};

use crate::output::{human_bytes, thousands};

/// Everything the page shows.
pub struct Page<'a> {
    /// The school's name.
    pub school: &'a str,
    /// "dsl" or "governors".
    pub edition: &'a str,
    /// The period, as words.
    pub period: String,
    /// When it was made, as words.
    pub created: String,
    /// The findings of the period, most urgent first.
    pub findings: &'a [Finding],
    /// Findings per family in the previous period (`None`: no logs cover it).
    pub previous: Option<Vec<(&'static str, usize)>>,
    /// Events and blocks per hour: (label of the day for the first hour of a day, events, blocks).
    pub hourly: Vec<(Option<String>, u64, u64)>,
    /// Top categories: name, requests, blocked.
    pub categories: Vec<(String, u64, u64)>,
    /// Top talkers: who, bytes.
    pub talkers: Vec<(String, u64)>,
    /// Per finding, its evidence lines (file:line, text) when the edition shows them.
    pub evidence: Vec<Vec<(String, String)>>,
    /// Rules that could not be applied (missing logs).
    pub not_observable: Vec<String>,
    /// Problems reading the sources.
    pub problems: &'a [String],
    /// Tool and version.
    pub tool: String,
}

/// The rule families, in report order, with their section titles.
pub const FAMILIES: [(&str, &str); 7] = [
    ("breach", "Policy breaches"),
    ("keyword", "Keywords (PREVENT, self-harm, exploitation, …)"),
    ("bypass", "Filter bypass"),
    ("usage", "Unfair usage"),
    ("mail", "Email"),
    ("licences", "Software licences"),
    ("coverage", "Coverage: what the logs could not show"),
];

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\t' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:60em;color:#111;line-height:1.4}\
h1{font-size:1.6em;margin-bottom:0}h2{border-bottom:2px solid #333;padding-bottom:.2em;margin-top:2em;page-break-after:avoid}\
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#eee}td.n{text-align:right}.critical{color:#a00;font-weight:bold}.high{color:#c30}.medium{color:#850}.low{color:#046}.info{color:#555}\
pre{white-space:pre-wrap;word-break:break-all;font-size:.8em;background:#f6f6f6;padding:.3em;margin:.2em 0}\
.meta{color:#444}.up{color:#a00}.down{color:#060}svg{max-width:100%;height:auto}\
@media print{body{margin:0;max-width:none}h2{page-break-before:auto}tr{page-break-inside:avoid}}";

fn bars_svg(title: &str, rows: &[(String, u64)], label: impl Fn(u64) -> String) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let h = 22 * rows.len() as u32 + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 720 {h}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = 5 + 22 * i as u32;
        let w = (400.0 * *v as f64 / max as f64).round().max(1.0);
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"220\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"#4a7ab5\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 12,
            esc(&name.chars().take(32).collect::<String>()),
            225.0 + w,
            y + 12,
            esc(&label(*v))
        );
    }
    s.push_str("</svg>");
    s
}

fn activity_svg(hourly: &[(Option<String>, u64, u64)]) -> String {
    let n = hourly.len().max(1);
    let max = hourly.iter().map(|h| h.1).max().unwrap_or(1).max(1);
    let w = 720.0 / n as f64;
    let mut s = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 720 180\" role=\"img\" aria-label=\"Activity and blocks per hour\">",
    );
    for (i, (day, events, blocks)) in hourly.iter().enumerate() {
        let x = i as f64 * w;
        let he = 140.0 * *events as f64 / max as f64;
        let hb = 140.0 * *blocks as f64 / max as f64;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{he:.1}\" fill=\"#8fb3de\"/>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hb:.1}\" fill=\"#c0392b\"/>",
            150.0 - he,
            w.max(0.5),
            150.0 - hb,
            w.max(0.5)
        );
        if let Some(d) = day {
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"155\" stroke=\"#999\" stroke-width=\"0.5\"/>\
                 <text x=\"{:.1}\" y=\"172\" font-size=\"12\">{}</text>",
                x + 2.0,
                esc(d)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The page.
pub fn render(p: &Page) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{} — filtering and monitoring report, {}</title>\
         <style>{STYLE}</style></head><body>",
        esc(p.school),
        esc(&p.period)
    );
    let edition = if p.edition == "governors" {
        "Governors' edition: people and addresses are pseudonyms; no log lines are included"
    } else {
        "DSL edition: names people and includes the log lines behind each finding"
    };
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"meta\">Filtering and monitoring report for <strong>{}</strong><br>{edition}<br>Made {} by {}</p>",
        esc(p.school),
        esc(&p.period),
        esc(&p.created),
        esc(&p.tool)
    );
    // Summary.
    h.push_str("<h2 id=\"summary\">Summary</h2><table><tr><th>Severity</th><th>Findings</th></tr>");
    for s in Severity::ALL {
        let n = p.findings.iter().filter(|f| f.severity == s).count();
        let _ = write!(h, "<tr><td class=\"{s}\">{s}</td><td class=\"n\">{n}</td></tr>");
    }
    h.push_str("</table><table><tr><th>Family</th><th>This period</th><th>Previous period</th><th>Change</th></tr>");
    for (fam, title) in FAMILIES {
        let n = p
            .findings
            .iter()
            .filter(|f| f.rule.split('.').next() == Some(fam))
            .count();
        let (prev, change) = match &p.previous {
            Some(prev) => {
                let m = prev.iter().find(|(f, _)| *f == fam).map_or(0, |x| x.1);
                let change = match n.cmp(&m) {
                    std::cmp::Ordering::Greater => format!("<span class=\"up\">▲ {}</span>", n - m),
                    std::cmp::Ordering::Less => format!("<span class=\"down\">▼ {}</span>", m - n),
                    std::cmp::Ordering::Equal => "=".to_owned(),
                };
                (m.to_string(), change)
            }
            None => ("no logs".to_owned(), "–".to_owned()),
        };
        let _ = write!(
            h,
            "<tr><td><a href=\"#{fam}\">{}</a></td><td class=\"n\">{n}</td><td class=\"n\">{prev}</td><td>{change}</td></tr>",
            esc(title)
        );
    }
    h.push_str("</table>");
    let urgent: Vec<&Finding> = p
        .findings
        .iter()
        .filter(|f| f.severity.at_least(Severity::High))
        .collect();
    if !urgent.is_empty() {
        h.push_str("<p><strong>For the DSL now:</strong></p><ul>");
        for f in urgent {
            let _ = write!(
                h,
                "<li class=\"{}\">{} — {}</li>",
                f.severity,
                esc(f.rule),
                esc(&f.summary)
            );
        }
        h.push_str("</ul>");
    }
    if !p.not_observable.is_empty() {
        h.push_str("<p><strong>Not observable</strong> (the logs needed were not given):</p><ul>");
        for n in &p.not_observable {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>");
    }
    if !p.problems.is_empty() {
        h.push_str("<p><strong>Problems reading the logs:</strong></p><ul>");
        for n in p.problems {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>");
    }
    // Charts.
    h.push_str(
        "<h2 id=\"activity\">Activity and blocks</h2><p>Web and firewall events per hour (blue), blocked (red).</p>",
    );
    h.push_str(&activity_svg(&p.hourly));
    h.push_str("<h2 id=\"categories\">Top categories</h2>");
    let cats: Vec<(String, u64)> = p.categories.iter().map(|(c, n, _)| (c.clone(), *n)).collect();
    h.push_str(&bars_svg("Top categories by requests", &cats, thousands));
    h.push_str("<table><tr><th>Category</th><th>Requests</th><th>Blocked</th></tr>");
    for (c, n, b) in &p.categories {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(c),
            thousands(*n),
            thousands(*b)
        );
    }
    h.push_str("</table><h2 id=\"talkers\">Top talkers</h2>");
    h.push_str(&bars_svg("Top talkers by bytes", &p.talkers, human_bytes));
    // Families.
    for (fam, title) in FAMILIES {
        let _ = write!(h, "<h2 id=\"{fam}\">{}</h2>", esc(title));
        let rows: Vec<(usize, &Finding)> = p
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.rule.split('.').next() == Some(fam))
            .collect();
        if rows.is_empty() {
            h.push_str("<p>None found in this period.</p>");
            continue;
        }
        h.push_str("<table><tr><th>Severity</th><th>Rule</th><th>Who</th><th>Events</th><th>What</th></tr>");
        for (i, f) in rows {
            let _ = write!(
                h,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}",
                f.severity,
                f.severity,
                esc(f.rule),
                esc(f.subject()),
                thousands(f.count),
                esc(&f.summary)
            );
            if let Some(lines) = p.evidence.get(i).filter(|l| !l.is_empty()) {
                for (at, text) in lines {
                    let _ = write!(h, "<pre>{} {}</pre>", esc(at), esc(text));
                }
                if (lines.len() as u64) < f.count {
                    let _ = write!(
                        h,
                        "<div class=\"meta\">{} of {} lines shown; the findings JSON lists every one.</div>",
                        lines.len(),
                        thousands(f.count)
                    );
                }
            }
            h.push_str("</td></tr>");
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    h
}
