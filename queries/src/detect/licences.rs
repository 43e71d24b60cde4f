//! Licence rules: seats bought against installations, users and concurrent use; unused,
//! expiring and unregistered software; denials by the licence server.
//!
//! Products are matched loosely between the register, the inventory and the licence server: names
//! compare in lower case with parenthesised parts (`(64-bit)`) left out, a name matches when it is
//! the same, the same once trailing versions, architectures and locales are stripped (`WinRAR 7.01
//! (64-bit)` → `WinRAR`), or starts with the register's name or alias at a word boundary. The
//! register's own name wins over an alias, an exact match over a loose one.
//!
//! Inventory and register rows carry no event time: findings about them take the time of the
//! export, which is the end of their source's span when known, else the latest `last_seen` of the
//! rows, else the end of the period the inputs cover.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate};
use polars::prelude::{ChunkAgg, DataFrame, DataType, PolarsResult};

use super::events::when_phrase as when;
use super::{Inputs, Rows};
use crate::context::Context;
use crate::findings::{Evidence, Finding, Severity};

/// Denials of one feature further apart than this are separate findings.
const DENIAL_GAP_MS: i64 = 30 * 60 * 1000;

/// The family's rule names (as in [`crate::findings::RULES`]).
const OVER_DEPLOYED: &str = "licences.over-deployed";
const UNUSED: &str = "licences.unused";
const EXPIRING: &str = "licences.expiring";
const NOT_IN_REGISTER: &str = "licences.not-in-register";
const DENIALS: &str = "licences.concurrent-denials";

/// The licence family's findings.
pub fn detect(cx: &Context, inputs: &Inputs) -> PolarsResult<Vec<Finding>> {
    let register = match &inputs.licences {
        Some(df) => read_register(df)?,
        None => Vec::new(),
    };
    let inventory = match &inputs.inventory {
        Some(df) => Some(Inventory::read(df)?),
        None => None,
    };
    let usage = match &inputs.licence_use {
        Some(df) => Some(Usage::read(df)?),
        None => None,
    };
    let end = period_end(inputs)?;
    let mut out = Vec::new();

    // Which register entry each inventory product and each licence feature counts against.
    let mut installs: Vec<Vec<(usize, bool)>> = vec![Vec::new(); register.len()];
    let mut unregistered: Vec<usize> = Vec::new();
    if let Some(inv) = &inventory {
        let mut seen: HashMap<&str, Option<(usize, bool)>> = HashMap::new();
        for i in 0..inv.product.len() {
            let found = *seen
                .entry(inv.product[i].as_str())
                .or_insert_with(|| best_entry(&register, &Name::new(&inv.product[i])));
            match found {
                Some((e, own)) => installs[e].push((i, own)),
                None => unregistered.push(i),
            }
        }
    }
    let mut uses: Vec<Vec<usize>> = vec![Vec::new(); register.len()];
    let mut feature_entry: HashMap<&str, Option<usize>> = HashMap::new();
    if let Some(u) = &usage {
        for &i in &u.order {
            let e = *feature_entry
                .entry(u.feature[i].as_str())
                .or_insert_with(|| best_entry(&register, &Name::new(&u.feature[i])).map(|(e, _)| e));
            if let Some(e) = e {
                uses[e].push(i);
            }
        }
    }

    for (e, entry) in register.iter().enumerate() {
        if let Some(f) = over_deployed(
            cx,
            inputs,
            entry,
            &installs[e],
            &uses[e],
            inventory.as_ref(),
            usage.as_ref(),
            end,
        ) {
            out.push(f);
        }
        let observed = inventory.is_some() || usage.is_some();
        if observed && installs[e].is_empty() && uses[e].is_empty() && entry.cost != Some(0) {
            out.push(unused(inputs, entry, inventory.is_some(), end));
        }
        if let Some(f) = expiring(cx, inputs, entry, end) {
            out.push(f);
        }
    }
    if let (Some(inv), true) = (&inventory, inputs.licences.is_some()) {
        not_in_register(inputs, inv, &unregistered, end, &mut out);
    }
    if let Some(u) = &usage {
        denials(cx, u, &register, &feature_entry, &mut out);
    }
    Ok(out)
}

/// A product name three ways: `clean` (lower case, parenthesised parts left out, white space
/// collapsed), `base` (`clean` less trailing versions, architectures and locales) and `display`
/// (`base` in its original case).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name {
    clean: String,
    base: String,
    display: String,
}

impl Name {
    fn new(raw: &str) -> Name {
        let mut text = String::with_capacity(raw.len());
        let mut depth = 0u32;
        for c in raw.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                '®' | '™' | '©' => {}
                '_' if depth == 0 => text.push(' '),
                c if depth == 0 => text.push(c),
                _ => {}
            }
        }
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let mut keep = tokens.len();
        while keep > 1 && version_like(&tokens[keep - 1].to_lowercase()) {
            keep -= 1;
        }
        let display = tokens[..keep].join(" ");
        Name {
            clean: tokens.join(" ").to_lowercase(),
            base: display.to_lowercase(),
            display,
        }
    }

    /// How well `self` (an inventory product or licence feature) matches `reg` (a register name
    /// or alias): 3 the same, 2 the same less versions, 1 starts with it; then the length matched.
    fn rank(&self, reg: &Name) -> Option<(u8, usize)> {
        if reg.clean.is_empty() {
            None
        } else if self.clean == reg.clean {
            Some((3, reg.clean.len()))
        } else if self.base == reg.base {
            Some((2, reg.base.len()))
        } else if self
            .clean
            .strip_prefix(reg.clean.as_str())
            .is_some_and(|rest| rest.starts_with(' '))
        {
            Some((1, reg.clean.len()))
        } else {
            None
        }
    }
}

/// A trailing token that says which build, not which product: `7.01`, `v2`, `2025`, `x64`,
/// `64-bit`, `en-gb`, a lone `-`.
fn version_like(t: &str) -> bool {
    const ARCH: &[&str] = &[
        "x64", "x86", "x86-64", "x86_64", "amd64", "arm64", "64-bit", "32-bit", "64bit", "32bit", "win64", "win32",
    ];
    let t = t.trim_matches(|c| c == ',' || c == ';');
    if t.is_empty() || t == "-" || t == "–" || ARCH.contains(&t) {
        return true;
    }
    let b = t.as_bytes();
    let locale = b.len() == 5
        && b[2] == b'-'
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[3..].iter().all(u8::is_ascii_alphabetic);
    let v = t.strip_prefix('v').unwrap_or(t);
    locale
        || (v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
}

/// One line of the register.
#[derive(Debug)]
struct Entry {
    product: String,
    metric: Option<String>,
    seats: Option<u64>,
    expiry: Option<i64>,
    cost: Option<u64>,
    reference: Option<String>,
    /// The product's own name first, then its aliases.
    names: Vec<Name>,
    evidence: Evidence,
}

fn read_register(df: &DataFrame) -> PolarsResult<Vec<Entry>> {
    let r = Rows::new(df);
    let evidence = r.evidence()?;
    let product = r.text("product")?;
    let metric = r.text("metric")?;
    let seats = r.num("seats")?;
    let expiry = r.time("expiry")?;
    let cost = r.num("cost_pence")?;
    let aliases = r.text("aliases")?;
    let reference = r.text("reference")?;
    let mut out = Vec::new();
    for i in 0..df.height() {
        let Some(name) = product[i].as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
            continue;
        };
        let mut names = vec![Name::new(name)];
        for alias in aliases[i].as_deref().unwrap_or("").split(';') {
            if !alias.trim().is_empty() {
                names.push(Name::new(alias.trim()));
            }
        }
        out.push(Entry {
            product: name.to_owned(),
            metric: metric[i].as_deref().map(str::to_ascii_lowercase),
            seats: seats[i],
            expiry: expiry[i],
            cost: cost[i],
            reference: reference[i].clone().filter(|s| !s.trim().is_empty()),
            names,
            evidence: evidence[i],
        });
    }
    Ok(out)
}

/// The register entry a product or feature name counts against, and whether it matched the
/// entry's own name (rather than an alias).
fn best_entry(register: &[Entry], name: &Name) -> Option<(usize, bool)> {
    let mut best: Option<((u8, usize), usize, bool)> = None;
    for (e, entry) in register.iter().enumerate() {
        for (k, reg) in entry.names.iter().enumerate() {
            if let Some(rank) = name.rank(reg)
                && best.as_ref().is_none_or(|(b, _, _)| rank > *b)
            {
                best = Some((rank, e, k == 0));
            }
        }
    }
    best.map(|(_, e, own)| (e, own))
}

/// The inventory, one row per installation.
struct Inventory {
    device: Vec<String>,
    product: Vec<String>,
    publisher: Vec<String>,
    /// The device's user, canonical (`jsmith`).
    user: Vec<Option<String>>,
    last_seen: Vec<Option<i64>>,
    evidence: Vec<Evidence>,
}

impl Inventory {
    fn read(df: &DataFrame) -> PolarsResult<Inventory> {
        let r = Rows::new(df);
        let text = |name: &str| r.trimmed(name);
        Ok(Inventory {
            device: text("device")?,
            product: text("product")?,
            publisher: text("publisher")?,
            user: r
                .text("user")?
                .into_iter()
                .map(|u| u.and_then(|u| canonical(&u)))
                .collect(),
            last_seen: r.time("last_seen")?,
            evidence: r.evidence()?,
        })
    }
}

/// A user name in vigil's canonical form, `None` when empty.
fn canonical(raw: &str) -> Option<String> {
    let mut out = Vec::new();
    vigil_parsers::user::canonical_into(raw.trim().as_bytes(), &mut out);
    let s = String::from_utf8_lossy(&out).into_owned();
    (!s.is_empty()).then_some(s)
}

/// Licence server events in time order.
struct Usage {
    ts: Vec<i64>,
    op: Vec<String>,
    feature: Vec<String>,
    user: Vec<String>,
    host: Vec<String>,
    evidence: Vec<Evidence>,
    order: Vec<usize>,
}

impl Usage {
    fn read(df: &DataFrame) -> PolarsResult<Usage> {
        let r = Rows::new(df);
        let text = |name: &str| r.trimmed(name);
        let ts_raw = r.time("ts")?;
        let evidence = r.evidence()?;
        let ts: Vec<i64> = ts_raw.iter().map(|t| t.unwrap_or(i64::MIN)).collect();
        let mut order: Vec<usize> = (0..df.height()).filter(|&i| ts_raw[i].is_some()).collect();
        order.sort_by_key(|&i| (ts[i], evidence[i]));
        Ok(Usage {
            ts,
            op: text("op")?.into_iter().map(|s| s.to_ascii_lowercase()).collect(),
            feature: text("feature")?,
            user: text("user")?.iter().map(|u| canonical(u).unwrap_or_default()).collect(),
            host: text("host")?.into_iter().map(|s| s.to_ascii_lowercase()).collect(),
            evidence,
            order,
        })
    }
}

/// The latest time in a frame's column, UTC ms.
fn frame_max(df: Option<&DataFrame>, column: &str) -> PolarsResult<Option<i64>> {
    let Some(c) = df.and_then(|df| df.column(column).ok()) else {
        return Ok(None);
    };
    let s = c.to_physical_repr().cast(&DataType::Int64)?;
    Ok(s.i64()?.max())
}

/// The end of the period the inputs cover: the latest time of any source or frame.
fn period_end(inputs: &Inputs) -> PolarsResult<Option<i64>> {
    // Timed sources end at their last record; exports without event times at when they were
    // taken. Files that were not read (a README beside the logs) say nothing of the period.
    let mut end = inputs
        .sources
        .iter()
        .filter(|s| s.kind.is_some())
        .filter_map(|s| s.span.map(|(_, last)| last).or(s.taken))
        .max();
    for (df, column) in [
        (inputs.mail.as_ref(), "ts"),
        (inputs.licence_use.as_ref(), "ts"),
        (inputs.web.as_ref(), "ts"),
        (inputs.flow.as_ref(), "ts"),
        (inputs.identity.as_ref(), "ts"),
        (inputs.inventory.as_ref(), "last_seen"),
    ] {
        end = end.max(frame_max(df, column)?);
    }
    Ok(end)
}

/// The time of a finding about register and inventory rows: when their sources were exported
/// (the end of their span, else the time in their name or their modification time), else the
/// rows' latest `last_seen`, else the end of the period.
fn export_time(inputs: &Inputs, evidence: &[Evidence], last_seen: Option<i64>, end: Option<i64>) -> i64 {
    evidence
        .iter()
        .filter_map(|e| {
            inputs
                .sources
                .get(e.source as usize)
                .and_then(|s| s.span.map(|(_, last)| last).or(s.taken))
        })
        .max()
        .or(last_seen)
        .or(end)
        .unwrap_or(0)
}

/// `per-device`, `per-user`, `concurrent`, `site`.
fn metric_words(metric: Option<&str>) -> &'static str {
    match metric {
        Some("device") => "per-device",
        Some("user") => "per-user",
        Some("concurrent") => "concurrent",
        Some("site") => "site",
        _ => "",
    }
}

/// `30 per-device licences`, `a site licence`.
fn seats_words(entry: &Entry) -> String {
    let kind = metric_words(entry.metric.as_deref());
    match entry.seats {
        Some(1) => format!("1 {kind} licence").replace("  ", " "),
        Some(n) => format!("{n} {kind} licences").replace("  ", " "),
        None if kind == "site" => "a site licence".to_owned(),
        None => "licences".to_owned(),
    }
}

/// `£1,050.00`.
fn pounds(pence: u64) -> String {
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (k, c) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("£{grouped}.{:02}", pence % 100)
}

/// `a, b and c`, or `a, b, c and 4 more`.
fn list(items: &[&str], shown: usize) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].to_owned(),
        n if n <= shown + 1 => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
        n => format!("{} and {} more", items[..shown].join(", "), n - shown),
    }
}

/// `licences.over-deployed`: more devices with the product installed (device metric), people
/// with it (user metric: the inventory's users and the licence server's) or check-outs at once
/// (concurrent metric) than seats bought. The evidence is the register line and one row per
/// device or person (the product's own name preferred over an alias), or the check-outs open at
/// the peak.
#[allow(clippy::too_many_arguments)]
fn over_deployed(
    cx: &Context,
    inputs: &Inputs,
    entry: &Entry,
    installs: &[(usize, bool)],
    uses: &[usize],
    inventory: Option<&Inventory>,
    usage: Option<&Usage>,
    end: Option<i64>,
) -> Option<Finding> {
    let seats = entry.seats?;
    let (count, rows, span, what) = match entry.metric.as_deref() {
        Some("device") => {
            let inv = inventory?;
            let mut best: HashMap<&str, (usize, bool)> = HashMap::new();
            let mut devices = Vec::new();
            for &(i, own) in installs {
                let device = inv.device[i].as_str();
                match best.get_mut(device) {
                    None => {
                        devices.push(device);
                        best.insert(device, (i, own));
                    }
                    Some(b) if own && !b.1 => *b = (i, own),
                    Some(_) => {}
                }
            }
            let n = devices.len() as u64;
            if n <= seats {
                return None;
            }
            let rows: Vec<usize> = devices.iter().filter_map(|d| best.get(d).map(|b| b.0)).collect();
            let mut evidence: Vec<Evidence> = vec![entry.evidence];
            evidence.extend(rows.iter().map(|&i| inv.evidence[i]));
            let seen = rows.iter().filter_map(|&i| inv.last_seen[i]).max();
            let t = export_time(inputs, &evidence, seen, end);
            (n, evidence, (t, t), format!("is installed on {n} devices"))
        }
        Some("user") => {
            let mut people: HashSet<String> = HashSet::new();
            let mut evidence: Vec<Evidence> = vec![entry.evidence];
            let mut seen = None;
            if let Some(inv) = inventory {
                for &(i, _) in installs {
                    if let Some(u) = &inv.user[i]
                        && people.insert(u.clone())
                    {
                        evidence.push(inv.evidence[i]);
                        seen = seen.max(inv.last_seen[i]);
                    }
                }
            }
            let mut latest_use = None;
            if let Some(u) = usage {
                for &i in uses {
                    if u.op[i] == "out" && !u.user[i].is_empty() && people.insert(u.user[i].clone()) {
                        evidence.push(u.evidence[i]);
                        latest_use = latest_use.max(Some(u.ts[i]));
                    }
                }
            }
            let n = people.len() as u64;
            if n <= seats {
                return None;
            }
            let t = export_time(inputs, &evidence, seen.max(latest_use), end);
            (n, evidence, (t, t), format!("is used by {n} people"))
        }
        Some("concurrent") => {
            let u = usage?;
            let peak = peak_use(u, uses, seats)?;
            if peak.count <= seats {
                return None;
            }
            let mut evidence: Vec<Evidence> = vec![entry.evidence];
            evidence.extend(peak.open.iter().map(|&i| u.evidence[i]));
            let span = (peak.first_over, peak.last_over);
            let n = peak.count;
            (
                n,
                evidence,
                span,
                format!("was in use on {n} machines at once {}", when(cx, span)),
            )
        }
        _ => return None,
    };
    let summary = format!(
        "{} {what} but only {} were bought ({} licences short)",
        entry.product,
        seats_words(entry),
        count - seats
    );
    Some(Finding::new(
        OVER_DEPLOYED,
        Severity::Medium,
        span,
        None,
        None,
        None,
        Some(entry.product.clone()),
        summary,
        rows.len() as u64,
        rows,
    ))
}

/// The most check-outs open at once.
struct Peak {
    count: u64,
    /// The check-out rows open when the peak was first reached.
    open: Vec<usize>,
    /// When more than the seats were first open, and when that last ended (or the last event
    /// while it lasted).
    first_over: i64,
    last_over: i64,
}

/// Replays check-outs and check-ins (a check-out is open until the same user on the same host
/// checks the same feature back in) and finds the peak.
fn peak_use(u: &Usage, rows: &[usize], seats: u64) -> Option<Peak> {
    let mut open: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let mut best: Option<(u64, Vec<usize>)> = None;
    let mut over: Option<(i64, i64)> = None;
    let mut was_over = false;
    for &i in rows {
        let key = (u.feature[i].as_str(), u.user[i].as_str(), u.host[i].as_str());
        match u.op[i].as_str() {
            "out" => {
                open.entry(key).or_insert(i);
            }
            "in" => {
                open.remove(&key);
            }
            _ => continue,
        }
        let n = open.len() as u64;
        if n > seats {
            over = Some((over.map_or(u.ts[i], |o| o.0), u.ts[i]));
            was_over = true;
        } else if was_over {
            // Over until this check-in.
            if let Some(o) = over.as_mut() {
                o.1 = u.ts[i];
            }
            was_over = false;
        }
        if best.as_ref().is_none_or(|b| n > b.0) {
            let mut now: Vec<usize> = open.values().copied().collect();
            now.sort_unstable();
            best = Some((n, now));
        }
    }
    let (count, open) = best?;
    let (first_over, last_over) = over.unwrap_or((0, 0));
    Some(Peak {
        count,
        open,
        first_over,
        last_over,
    })
}

/// `licences.unused`: a product bought (not free) with no installation and no licence server use
/// in the inputs.
fn unused(inputs: &Inputs, entry: &Entry, have_inventory: bool, end: Option<i64>) -> Finding {
    let t = export_time(inputs, &[entry.evidence], None, end);
    let cost = entry.cost.map(|c| format!(" ({})", pounds(c))).unwrap_or_default();
    let nowhere = if have_inventory {
        "installed on no device and not used in the period"
    } else {
        "not used in the period"
    };
    Finding::new(
        UNUSED,
        Severity::Low,
        (t, t),
        None,
        None,
        None,
        Some(entry.product.clone()),
        format!("{}: {} bought{cost}, {nowhere}", entry.product, seats_words(entry)),
        1,
        vec![entry.evidence],
    )
}

/// `licences.expiring`: a licence ending within the smallest of `expiring_days` (after the end
/// of the period) it falls in, or ended no longer ago than the largest.
fn expiring(cx: &Context, inputs: &Inputs, entry: &Entry, end: Option<i64>) -> Option<Finding> {
    let end = end?;
    let expiry: NaiveDate = DateTime::from_timestamp_millis(entry.expiry?)?.date_naive();
    let days = (expiry - cx.local(end).date).num_days();
    let buckets = &cx.limits.expiring_days;
    let largest = i64::from(*buckets.last()?);
    let date = expiry.format("%-d %b %Y");
    let said = if days >= 0 {
        let bucket = buckets.iter().find(|&&b| days <= i64::from(b))?;
        format!(
            "expires on {date} ({} after the period, within {bucket} days)",
            if days == 1 {
                "1 day".to_owned()
            } else {
                format!("{days} days")
            }
        )
    } else if -days <= largest {
        format!("expired on {date} ({} days before the end of the period)", -days)
    } else {
        return None;
    };
    let t = export_time(inputs, &[entry.evidence], None, Some(end));
    let reference = entry.reference.as_deref().map(|r| format!(", {r}")).unwrap_or_default();
    Some(Finding::new(
        EXPIRING,
        Severity::Medium,
        (t, t),
        None,
        None,
        None,
        Some(entry.product.clone()),
        format!("{} ({}{reference}) {said}", entry.product, seats_words(entry)),
        1,
        vec![entry.evidence],
    ))
}

/// Free software and parts of the operating system every PC has, by the start of their name
/// (lower case, versions stripped): not worth a register line.
const FREE: &[&str] = &[
    // Browsers.
    "google chrome",
    "chrome",
    "chromium",
    "mozilla firefox",
    "firefox",
    "microsoft edge",
    "opera",
    "brave",
    "vivaldi",
    // Microsoft 365, Windows and their parts.
    "microsoft 365",
    "microsoft office",
    "office 16",
    "microsoft teams",
    "teams machine-wide installer",
    "microsoft onedrive",
    "onedrive",
    "microsoft defender",
    "windows defender",
    "microsoft update health tools",
    "update for windows",
    "update for microsoft",
    "security update",
    "microsoft visual c++",
    "microsoft .net",
    ".net",
    "microsoft asp.net",
    "microsoft windows",
    "windows",
    "microsoft intune",
    "intune management extension",
    "company portal",
    "microsoft policy platform",
    "microsoft gameinput",
    "microsoft store",
    "microsoft onenote",
    "microsoft outlook",
    "microsoft word",
    "microsoft excel",
    "microsoft powerpoint",
    "microsoft whiteboard",
    "microsoft to do",
    "microsoft sticky notes",
    "microsoft photos",
    "microsoft clipchamp",
    "microsoft search",
    "microsoft silverlight",
    "microsoft odbc driver",
    "microsoft ole db driver",
    "microsoft system clr types",
    "microsoft report viewer",
    "microsoft remote desktop",
    "remote desktop",
    "microsoft. ",
    // Runtimes.
    "java",
    "openjdk",
    "eclipse temurin",
    "adoptium",
    "amazon corretto",
    "python",
    "node.js",
    "directx",
    "vulkan",
    "openal",
    // Free tools schools install.
    "7-zip",
    "vlc media player",
    "vlc",
    "notepad++",
    "zoom",
    "cisco webex",
    "webex",
    "adobe acrobat reader",
    "adobe reader",
    "adobe genuine service",
    "adobe refresh manager",
    "libreoffice",
    "openoffice",
    "gimp",
    "inkscape",
    "audacity",
    "scratch",
    "paint.net",
    "putty",
    "winscp",
    "git",
    "github desktop",
    "visual studio code",
    "microsoft visual studio code",
    "filezilla",
    "greenshot",
    "sharex",
    "obs studio",
    "handbrake",
    "keepass",
    "irfanview",
    "foxit pdf reader",
    "sumatrapdf",
    "google drive",
    "google update",
    "google earth",
    "geogebra",
    "thonny",
    "mu editor",
    "arduino",
    "blender",
    "krita",
    "musescore",
    "citrix workspace",
    "vmware tools",
];

/// Words that mark drivers and system components wherever they are in the name.
const FREE_WORDS: &[&str] = &[
    "driver",
    "drivers",
    "redistributable",
    "runtime",
    "chipset",
    "firmware",
    "bios",
    "hotfix",
    "webview2",
];

/// Publishers of hardware, whose software is drivers and device tools.
const HARDWARE: &[&str] = &[
    "intel",
    "realtek",
    "nvidia",
    "advanced micro devices",
    "amd",
    "synaptics",
    "elan microelectronics",
    "conexant",
    "dell",
    "hp inc",
    "hewlett",
    "lenovo",
    "broadcom",
    "qualcomm",
];

/// Whether a product is free software or part of the system (see [`FREE`]).
fn free_or_system(name: &Name, publisher: &str) -> bool {
    let key = name.base.as_str();
    let by_name = FREE.iter().any(|p| match p.strip_suffix(' ') {
        // `microsoft. ` stands for the prefix of store package names (`Microsoft.WindowsCalculator`).
        Some(prefix) => key.starts_with(prefix),
        None => key == *p || key.strip_prefix(p).is_some_and(|rest| rest.starts_with(' ')),
    });
    let by_word = name.clean.split([' ', '-', '/']).any(|w| FREE_WORDS.contains(&w));
    let publisher = publisher.to_lowercase();
    let by_publisher = HARDWARE.iter().any(|h| {
        publisher == *h
            || publisher
                .strip_prefix(h)
                .is_some_and(|r| r.starts_with([' ', ',', '.']))
    });
    by_name || by_word || by_publisher
}

/// `licences.not-in-register`: installed products that match no register name or alias and are
/// not free or system software. One finding per product (versions stripped); the evidence is
/// its inventory rows.
fn not_in_register(inputs: &Inputs, inv: &Inventory, rows: &[usize], end: Option<i64>, out: &mut Vec<Finding>) {
    let mut products: HashMap<String, (Name, Vec<usize>)> = HashMap::new();
    let mut keys = Vec::new();
    let mut names: HashMap<&str, Option<Name>> = HashMap::new();
    for &i in rows {
        let name = names.entry(inv.product[i].as_str()).or_insert_with(|| {
            let n = Name::new(&inv.product[i]);
            (!n.base.is_empty() && !free_or_system(&n, &inv.publisher[i])).then_some(n)
        });
        let Some(name) = name else { continue };
        let entry = products.entry(name.base.clone()).or_insert_with(|| {
            keys.push(name.base.clone());
            (name.clone(), Vec::new())
        });
        entry.1.push(i);
    }
    for key in keys {
        let Some((name, rows)) = products.get(&key) else {
            continue;
        };
        let mut devices: Vec<&str> = Vec::new();
        for &i in rows {
            let d = inv.device[i].as_str();
            if !d.is_empty() && !devices.contains(&d) {
                devices.push(d);
            }
        }
        let evidence: Vec<Evidence> = rows.iter().map(|&i| inv.evidence[i]).collect();
        let seen = rows.iter().filter_map(|&i| inv.last_seen[i]).max();
        let t = export_time(inputs, &evidence, seen, end);
        let on = match devices.len() {
            1 => format!("1 device ({})", devices[0]),
            n => format!("{n} devices ({})", list(&devices, 4)),
        };
        out.push(Finding::new(
            NOT_IN_REGISTER,
            Severity::Low,
            (t, t),
            None,
            None,
            None,
            Some(name.display.clone()),
            format!(
                "{} is installed on {on} but is not in the licence register",
                name.display
            ),
            evidence.len() as u64,
            evidence,
        ));
    }
}

/// `licences.concurrent-denials`: the licence server refusing a feature; refusals of one feature
/// no more than 30 minutes apart are one finding.
fn denials(
    cx: &Context,
    u: &Usage,
    register: &[Entry],
    feature_entry: &HashMap<&str, Option<usize>>,
    out: &mut Vec<Finding>,
) {
    let mut runs: HashMap<&str, Vec<Vec<usize>>> = HashMap::new();
    let mut features = Vec::new();
    for &i in &u.order {
        if u.op[i] != "denied" {
            continue;
        }
        let feature = u.feature[i].as_str();
        let feature_runs = runs.entry(feature).or_insert_with(|| {
            features.push(feature);
            Vec::new()
        });
        match feature_runs.last_mut() {
            Some(run) if run.last().is_some_and(|&j| u.ts[i] - u.ts[j] <= DENIAL_GAP_MS) => run.push(i),
            _ => feature_runs.push(vec![i]),
        }
    }
    for feature in features {
        let entry = feature_entry
            .get(feature)
            .copied()
            .flatten()
            .and_then(|e| register.get(e));
        let product = entry.map_or(feature, |e| e.product.as_str());
        for run in &runs[feature] {
            let span = (u.ts[run[0]], u.ts[run[run.len() - 1]]);
            let people: HashSet<&str> = run.iter().map(|&i| u.user[i].as_str()).collect();
            let seats = match entry {
                Some(e) if e.seats.is_some() => format!("; {} are registered", seats_words(e)),
                _ => String::new(),
            };
            let feature_note = if product == feature {
                String::new()
            } else {
                format!(" (feature {feature})")
            };
            let summary = format!(
                "The licence server refused {}{feature_note} {} to {} {}{seats}",
                product,
                if run.len() == 1 {
                    "once".to_owned()
                } else {
                    format!("{} times", run.len())
                },
                if people.len() == 1 {
                    "1 person".to_owned()
                } else {
                    format!("{} people", people.len())
                },
                when(cx, span),
            );
            out.push(Finding::new(
                DENIALS,
                Severity::Medium,
                span,
                None,
                None,
                None,
                Some(product.to_owned()),
                summary,
                run.len() as u64,
                run.iter().map(|&i| u.evidence[i]).collect(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{self, Policy};

    const REGISTER_HEADER: &str =
        "\u{feff}Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference\r\n";
    const INVENTORY_HEADER: &str = "\"ApplicationKey\",\"ApplicationName\",\"ApplicationPublisher\",\"ApplicationShortVersion\",\"ApplicationVersion\",\"DeviceId\",\"DeviceName\",\"OSDescription\",\"OSVersion\",\"Platform\",\"UserId\",\"EmailAddress\",\"UserName\"\r\n";

    /// The export time the untimed sources are given: Friday 20 Nov 2026, 17:45 (GMT).
    const EXPORT: i64 = 1_795_196_700_000;

    fn register(lines: &[&str]) -> String {
        let mut text = REGISTER_HEADER.to_owned();
        for l in lines {
            text.push_str(l);
            text.push_str("\r\n");
        }
        text
    }

    /// Inventory rows: (device, product, publisher, user).
    fn inventory(rows: &[(&str, &str, &str, &str)]) -> String {
        let mut text = INVENTORY_HEADER.to_owned();
        for (k, (device, product, publisher, user)) in rows.iter().enumerate() {
            text.push_str(&format!(
                "\"{k:044x}\",\"{product}\",\"{publisher}\",\"1.0\",\"1.0.0\",\"dev-{device}\",\"{device}\",\"Windows 11 Education\",\"10.0.22631.4460\",\"Windows\",\"u-{user}\",\"{user}@kestrelbrook.example\",\"{user}\"\r\n"
            ));
        }
        text
    }

    /// The licence findings of these files (name, text); sources without event times are given
    /// the span [`EXPORT`].
    fn detect_in(cx: &Context, files: &[(&str, String)]) -> Vec<Finding> {
        let dir = tempfile::tempdir().expect("tempdir");
        let inputs = crate::detect::testkit::inputs_in(dir.path(), files, Some(EXPORT));
        detect(cx, &inputs).expect("detect")
    }

    fn typical() -> Context {
        Context::typical().expect("template compiles")
    }

    fn of<'a>(found: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
        found.iter().filter(|f| f.rule == rule).collect()
    }

    #[test]
    fn names_match_loosely() {
        let winrar = Name::new("WinRAR 7.01 (64-bit)");
        assert_eq!(
            (winrar.display.as_str(), winrar.clean.as_str()),
            ("WinRAR", "winrar 7.01")
        );
        assert_eq!(
            Name::new("Microsoft 365 Apps for enterprise - en-gb").base,
            "microsoft 365 apps for enterprise"
        );
        assert_eq!(
            Name::new("Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810").base,
            "microsoft visual c++ 2015-2022 redistributable"
        );
        assert_eq!(Name::new("Scratch 3").base, "scratch");
        assert_eq!(Name::new("2025").base, "2025", "a name is never stripped to nothing");
        let reg = Name::new("WinRAR");
        assert_eq!(winrar.rank(&reg), Some((2, 6)), "the same less the version");
        assert_eq!(
            Name::new("WinRAR Tools 7").rank(&reg),
            Some((1, 6)),
            "starts with the register's name"
        );
        assert_eq!(Name::new("WinRARx Tools").rank(&reg), None, "only at a word boundary");
        assert_eq!(Name::new("winrar").rank(&reg), Some((3, 6)));
        assert_eq!(
            Name::new("Audacity 3.7.1").rank(&Name::new("Audacity 3.6.4")),
            Some((2, 8)),
            "another version of an alias"
        );
        assert_eq!(
            Name::new("Adobe Photoshop 2025").rank(&Name::new("Adobe Creative Cloud")),
            None
        );
        assert_eq!(pounds(105_000), "£1,050.00");
        assert_eq!(pounds(312_500_099), "£3,125,000.99");
        assert_eq!(pounds(5), "£0.05");
    }

    #[test]
    fn free_and_system_software_is_not_reported() {
        for (product, publisher) in [
            ("Google Chrome", "Google LLC"),
            ("Mozilla Firefox (x64 en-GB)", "Mozilla"),
            (
                "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810",
                "Microsoft Corporation",
            ),
            ("Microsoft Edge WebView2 Runtime", "Microsoft Corporation"),
            ("Microsoft.WindowsCalculator", "Microsoft Corporation"),
            ("Intel(R) Graphics Command Center", "INTEL CORP"),
            ("Realtek Audio Console", "Realtek Semiconductor Corp."),
            ("7-Zip 24.08 (x64)", "Igor Pavlov"),
            ("Notepad++ (64-bit x64)", "Notepad++ Team"),
            ("Java 8 Update 431 (64-bit)", "Oracle Corporation"),
            ("Zoom Workplace (64-bit)", "Zoom"),
            ("Adobe Acrobat Reader (64-bit)", "Adobe"),
        ] {
            assert!(free_or_system(&Name::new(product), publisher), "{product}");
        }
        for (product, publisher) in [
            ("WinRAR 7.01 (64-bit)", "win.rar GmbH"),
            ("Microsoft Visio Professional 2021", "Microsoft Corporation"),
            ("Adobe Photoshop 2025", "Adobe Inc."),
            ("TeamViewer", "TeamViewer"),
            ("Gitkraken", "Axosoft"),
        ] {
            assert!(!free_or_system(&Name::new(product), publisher), "{product}");
        }
    }

    fn paint_register(seats: u32) -> String {
        register(&[&format!(
            "Paint Pro,PaintCo,Per device,{seats},01/09/2026,31/08/2027,\"£1,000.00\",PaintPro Studio 2025,PO-1"
        )])
    }

    fn paint_inventory() -> String {
        inventory(&[
            ("PC-A", "PaintPro Studio 2025", "PaintCo", "ann"),
            ("PC-A", "Paint Pro 5.1 (64-bit)", "PaintCo", "ann"),
            ("PC-B", "Paint Pro 5.1 (64-bit)", "PaintCo", "bob"),
            ("PC-C", "PaintPro Studio 2025", "PaintCo", "cat"),
            ("PC-C", "Google Chrome", "Google LLC", "cat"),
        ])
    }

    #[test]
    fn more_devices_than_seats() {
        let found = detect_in(
            &typical(),
            &[("register.csv", paint_register(2)), ("apps.csv", paint_inventory())],
        );
        let f = of(&found, OVER_DEPLOYED);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(
            (f[0].severity, f[0].about.as_deref()),
            (Severity::Medium, Some("Paint Pro"))
        );
        assert_eq!((f[0].ts_first, f[0].ts_last), (EXPORT, EXPORT));
        // The register line, then per device one row, the product's own name before an alias.
        let lines: Vec<(u32, u64)> = f[0].evidence.iter().map(|e| (e.source, e.line)).collect();
        assert_eq!(lines.len(), 4, "{lines:?}");
        let inventory_lines: Vec<u64> = lines.iter().filter(|l| l.0 == 1).map(|l| l.1).collect();
        assert_eq!(inventory_lines, vec![3, 4, 5]);
        assert!(
            f[0].summary
                .contains("installed on 3 devices but only 2 per-device licences"),
            "{}",
            f[0].summary
        );
        assert!(
            found.iter().all(|f| f.rule != NOT_IN_REGISTER && f.rule != UNUSED),
            "{found:#?}"
        );
        let enough = detect_in(
            &typical(),
            &[("register.csv", paint_register(3)), ("apps.csv", paint_inventory())],
        );
        assert!(of(&enough, OVER_DEPLOYED).is_empty(), "{enough:#?}");
    }

    #[test]
    fn more_people_than_user_licences() {
        let reg = |seats: u32| {
            register(&[&format!(
                "Paint Pro,PaintCo,Per user,{seats},,,£10.00,PaintPro Studio 2025,"
            )])
        };
        let found = detect_in(&typical(), &[("register.csv", reg(2)), ("apps.csv", paint_inventory())]);
        let f = of(&found, OVER_DEPLOYED);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert!(f[0].summary.contains("used by 3 people"), "{}", f[0].summary);
        assert_eq!(f[0].evidence.len(), 4);
        let found = detect_in(&typical(), &[("register.csv", reg(3)), ("apps.csv", paint_inventory())]);
        assert!(of(&found, OVER_DEPLOYED).is_empty());
    }

    const LMGRD: &str = " 0:00:00 (lmgrd) TIMESTAMP 11/18/2026
10:00:00 (cadvend) OUT: \"CADTHING\" 25a@KB-DT1-PC01
10:01:00 (cadvend) OUT: \"CADTHING\" 25b@KB-DT1-PC02
10:02:00 (cadvend) OUT: \"CADTHING\" 25c@KB-DT1-PC03
10:03:00 (cadvend) DENIED: \"CADTHING\" 25d@KB-DT1-PC04  (Licensed number of users already reached. (-4,342))
10:20:00 (cadvend) DENIED: \"CADTHING\" 25d@KB-DT1-PC04  (Licensed number of users already reached. (-4,342))
10:30:00 (cadvend) IN: \"CADTHING\" 25a@KB-DT1-PC01
10:31:00 (cadvend) IN: \"CADTHING\" 25b@KB-DT1-PC02
10:32:00 (cadvend) OUT: \"CADTHING\" 25e@KB-DT1-PC05
11:00:00 (cadvend) DENIED: \"OTHERCAD\" 25f@KB-DT1-PC06  (Licensed number of users already reached. (-4,342))
";

    fn cad_register(seats: u32) -> String {
        register(&[&format!(
            "CadThing Suite,Cadvend,Concurrent,{seats},01/09/2026,31/08/2027,\"£2,400.00\",CADTHING,PO-2"
        )])
    }

    #[test]
    fn concurrent_peak_over_seats() {
        let found = detect_in(
            &typical(),
            &[("register.csv", cad_register(2)), ("lmgrd.log", LMGRD.to_owned())],
        );
        let f = of(&found, OVER_DEPLOYED);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(f[0].about.as_deref(), Some("CadThing Suite"));
        // Register line plus the three check-outs open at the peak (lines 2–4).
        let lmgrd_lines: Vec<u64> = f[0].evidence.iter().filter(|e| e.source == 1).map(|e| e.line).collect();
        assert_eq!(lmgrd_lines, vec![2, 3, 4]);
        assert!(
            f[0].summary.contains("in use on 3 machines at once"),
            "{}",
            f[0].summary
        );
        // Over from 10:02 until the check-in at 10:30 brought it back to two.
        assert_eq!(f[0].ts_last - f[0].ts_first, 28 * 60 * 1000);
        let found = detect_in(
            &typical(),
            &[("register.csv", cad_register(3)), ("lmgrd.log", LMGRD.to_owned())],
        );
        assert!(of(&found, OVER_DEPLOYED).is_empty(), "{found:#?}");
        assert!(of(&found, UNUSED).is_empty(), "used through the licence server");
    }

    #[test]
    fn denials_grouped_by_feature_and_gap() {
        let found = detect_in(
            &typical(),
            &[("register.csv", cad_register(3)), ("lmgrd.log", LMGRD.to_owned())],
        );
        let f = of(&found, DENIALS);
        assert_eq!(f.len(), 2, "{found:#?}");
        let cad = f
            .iter()
            .find(|f| f.about.as_deref() == Some("CadThing Suite"))
            .expect("mapped");
        assert_eq!((cad.severity, cad.evidence.len()), (Severity::Medium, 2));
        assert_eq!(cad.ts_last - cad.ts_first, 17 * 60 * 1000);
        assert!(cad.summary.contains("2 times to 1 person"), "{}", cad.summary);
        assert!(cad.summary.contains("3 concurrent licences"), "{}", cad.summary);
        let other = f
            .iter()
            .find(|f| f.about.as_deref() == Some("OTHERCAD"))
            .expect("unmapped");
        assert_eq!(other.evidence.len(), 1);
        // Denials more than 30 minutes apart are separate findings; without a register the
        // feature names the product.
        let spread = " 0:00:00 (lmgrd) TIMESTAMP 11/18/2026
10:00:00 (cadvend) DENIED: \"CADTHING\" 25d@KB-DT1-PC04  (Licensed number of users already reached. (-4,342))
10:30:00 (cadvend) DENIED: \"CADTHING\" 25d@KB-DT1-PC04  (Licensed number of users already reached. (-4,342))
11:00:01 (cadvend) DENIED: \"CADTHING\" 25d@KB-DT1-PC04  (Licensed number of users already reached. (-4,342))
";
        let found = detect_in(&typical(), &[("lmgrd.log", spread.to_owned())]);
        let f = of(&found, DENIALS);
        assert_eq!(f.iter().map(|f| f.evidence.len()).collect::<Vec<_>>(), vec![2, 1]);
        assert!(f.iter().all(|f| f.about.as_deref() == Some("CADTHING")));
    }

    #[test]
    fn bought_but_unused() {
        let reg = register(&[
            "Affinity Photo,Serif,Per device,30,01/09/2026,31/08/2027,\"£1,050.00\",,PO-3",
            "Scratch,Scratch Foundation,Site,Unlimited,,,£0.00,Scratch 3,Free software",
            "Paint Pro,PaintCo,Per device,10,01/09/2026,31/08/2027,£10.00,PaintPro Studio 2025,PO-1",
        ]);
        let found = detect_in(
            &typical(),
            &[("register.csv", reg.clone()), ("apps.csv", paint_inventory())],
        );
        let f = of(&found, UNUSED);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(
            (f[0].severity, f[0].about.as_deref()),
            (Severity::Low, Some("Affinity Photo"))
        );
        assert_eq!((f[0].evidence.len(), f[0].evidence[0].line), (1, 2));
        assert!(
            f[0].summary.contains("30 per-device licences bought (£1,050.00)"),
            "{}",
            f[0].summary
        );
        // With neither inventory nor licence server, use cannot be judged.
        let alone = detect_in(&typical(), &[("register.csv", reg)]);
        assert!(of(&alone, UNUSED).is_empty(), "{alone:#?}");
    }

    #[test]
    fn expiry_buckets_from_the_end_of_the_period() {
        let reg = register(&[
            "Ten,V,Per device,1,01/12/2025,30/11/2026,£1.00,,",
            "Thirty,V,Per device,1,01/12/2025,20/12/2026,£1.00,,",
            "ThirtyOne,V,Per device,1,01/12/2025,21/12/2026,£1.00,,",
            "Ninety,V,Per device,1,01/12/2025,18/02/2027,£1.00,,",
            "NinetyOne,V,Per device,1,01/12/2025,19/02/2027,£1.00,,",
            "Gone,V,Per device,1,01/12/2025,15/11/2026,£1.00,,",
            "Forever,V,Site,Unlimited,,,£0.00,,",
        ]);
        let found = detect_in(&typical(), &[("register.csv", reg.clone())]);
        let got: Vec<(&str, &str)> = of(&found, EXPIRING)
            .iter()
            .map(|f| {
                let bucket = ["within 30 days", "within 60 days", "within 90 days", "expired"]
                    .into_iter()
                    .find(|b| f.summary.contains(b))
                    .unwrap_or("?");
                (f.about.as_deref().unwrap_or(""), bucket)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Ten", "within 30 days"),
                ("Thirty", "within 30 days"),
                ("ThirtyOne", "within 60 days"),
                ("Ninety", "within 90 days"),
                ("Gone", "expired"),
            ]
        );
        let ten = &of(&found, EXPIRING)[0];
        assert!(
            ten.summary.contains("expires on 30 Nov 2026 (10 days after the period"),
            "{}",
            ten.summary
        );
        assert_eq!((ten.severity, ten.ts_first), (Severity::Medium, EXPORT));
        // The policy's buckets decide.
        let mut p = Policy::parse(policy::TEMPLATE).expect("template parses");
        p.licences.expiring_days = vec![7];
        let cx = Context::compile(p, std::path::Path::new(".")).expect("compiles");
        let found = detect_in(&cx, &[("register.csv", reg)]);
        let names: Vec<&str> = of(&found, EXPIRING).iter().filter_map(|f| f.about.as_deref()).collect();
        assert_eq!(names, vec!["Gone"]);
    }

    #[test]
    fn installed_but_not_registered() {
        let inv = inventory(&[
            ("PC-A", "WinRAR 7.01 (64-bit)", "win.rar GmbH", "ann"),
            ("PC-B", "WinRAR 6.24 (64-bit)", "win.rar GmbH", "bob"),
            ("PC-B", "Google Chrome", "Google LLC", "bob"),
            ("PC-B", "Intel(R) Graphics Command Center", "INTEL CORP", "bob"),
            ("PC-B", "PaintPro Studio 2025", "PaintCo", "bob"),
            ("PC-C", "Gitkraken", "Axosoft", "cat"),
        ]);
        let found = detect_in(
            &typical(),
            &[("register.csv", paint_register(5)), ("apps.csv", inv.clone())],
        );
        let f = of(&found, NOT_IN_REGISTER);
        let about: Vec<(&str, usize)> = f
            .iter()
            .map(|f| (f.about.as_deref().unwrap_or(""), f.evidence.len()))
            .collect();
        assert_eq!(about, vec![("WinRAR", 2), ("Gitkraken", 1)], "{found:#?}");
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].summary
                .starts_with("WinRAR is installed on 2 devices (PC-A and PC-B)"),
            "{}",
            f[0].summary
        );
        // Without a register there is nothing to compare with.
        let alone = detect_in(&typical(), &[("apps.csv", inv)]);
        assert!(alone.is_empty(), "{alone:#?}");
    }

    #[test]
    fn no_frames_no_findings() {
        assert!(detect(&typical(), &Inputs::default()).expect("detect").is_empty());
    }
}
