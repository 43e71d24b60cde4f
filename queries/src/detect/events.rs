//! Reading event frames for the detectors: a first pass over dictionary ids of every row picks
//! the few rows a rule family needs (millions of rows, no strings built), then those rows are
//! taken into a small frame and read as text ([`Picked`]). Findings are built by grouping picked
//! events per rule, person and local day ([`Grouper`]).

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use polars::prelude::*;

use super::Rows;
use crate::context::Context;
use crate::findings::{Evidence, Finding, Severity};

/// The most evidence references kept on one finding (its `count` stays exact).
pub const MAX_EVIDENCE: usize = 2000;

/// A categorical column's ids (`u32::MAX` for null) and names.
pub struct Dict {
    /// One id per row.
    pub ids: Vec<u32>,
    names: HashMap<u32, Option<String>>,
}

impl Dict {
    /// Reads column `name` of `df` (categorical, or string: then interned here); a missing
    /// column is all nulls.
    pub fn read(df: &DataFrame, name: &str) -> PolarsResult<Dict> {
        let Ok(c) = df.column(name) else {
            return Ok(Dict {
                ids: vec![u32::MAX; df.height()],
                names: HashMap::default(),
            });
        };
        match c.dtype() {
            DataType::Categorical(_, mapping) => {
                let phys = c.to_physical_repr();
                let ids: Vec<u32> = phys.u32()?.iter().map(|v| v.unwrap_or(u32::MAX)).collect();
                // Ids are dense: mark the ones used, then name each once.
                let mut seen: Vec<bool> = Vec::new();
                for &id in &ids {
                    if id != u32::MAX {
                        let i = id as usize;
                        if i >= seen.len() {
                            seen.resize(i + 1, false);
                        }
                        seen[i] = true;
                    }
                }
                let names = seen
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s)
                    .map(|(i, _)| {
                        let id = i as u32;
                        (id, mapping.cat_to_str(id).map(str::to_owned))
                    })
                    .collect();
                Ok(Dict { ids, names })
            }
            _ => {
                let s = c.cast(&DataType::String)?;
                let mut index: HashMap<&str, u32> = HashMap::default();
                let mut names = HashMap::default();
                let ca = s.str()?;
                let ids = ca
                    .iter()
                    .map(|v| match v {
                        Some(v) => {
                            let next = u32::try_from(index.len()).unwrap_or(u32::MAX - 1);
                            let id = *index.entry(v).or_insert(next);
                            names.entry(id).or_insert_with(|| Some(v.to_owned()));
                            id
                        }
                        None => u32::MAX,
                    })
                    .collect();
                Ok(Dict { ids, names })
            }
        }
    }

    /// The name of an id.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(&id).and_then(|n| n.as_deref())
    }

    /// The distinct ids and names.
    pub fn distinct(&self) -> impl Iterator<Item = (u32, &str)> {
        self.names.iter().filter_map(|(&id, n)| n.as_deref().map(|n| (id, n)))
    }
}

/// A numeric column of every row as `u64` (nulls and a missing column as 0), for first passes.
pub fn numbers(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    Ok(match df.column(name) {
        Ok(c) => c
            .cast(&DataType::UInt64)?
            .u64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect(),
        Err(_) => vec![0; df.height()],
    })
}

/// The `ts` column of every row as UTC ms.
pub fn times(df: &DataFrame) -> PolarsResult<Vec<i64>> {
    Ok(match df.column("ts") {
        Ok(c) => c
            .to_physical_repr()
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect(),
        Err(_) => vec![0; df.height()],
    })
}

/// Rows picked by a first pass, taken into a small frame and read as text.
pub struct Picked {
    /// Index of each picked row in the whole frame.
    pub rows: Vec<usize>,
    /// Times, UTC ms.
    pub ts: Vec<i64>,
    /// Evidence of each row.
    pub evidence: Vec<Evidence>,
    columns: HashMap<String, Vec<Option<String>>>,
    numbers: HashMap<String, Vec<Option<u64>>>,
}

impl Picked {
    /// Takes `rows` of `df`, reading the text columns `text` and number columns `numbers`.
    pub fn take(df: &DataFrame, rows: Vec<usize>, text: &[&str], numbers: &[&str]) -> PolarsResult<Picked> {
        let idx = IdxCa::from_vec(
            "idx".into(),
            rows.iter().map(|&r| r as IdxSize).collect::<Vec<IdxSize>>(),
        );
        let small = df.take(&idx)?;
        let reader = Rows::new(&small);
        let ts = reader.time("ts")?.into_iter().map(|t| t.unwrap_or(0)).collect();
        let evidence = reader.evidence()?;
        let mut columns = HashMap::default();
        for &name in text {
            columns.insert(name.to_owned(), reader.text(name)?);
        }
        let mut nums = HashMap::default();
        for &name in numbers {
            nums.insert(name.to_owned(), reader.num(name)?);
        }
        Ok(Picked {
            rows,
            ts,
            evidence,
            columns,
            numbers: nums,
        })
    }

    /// Number of picked rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether nothing was picked.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Text column `name` of picked row `i`.
    pub fn text(&self, name: &str, i: usize) -> Option<&str> {
        self.columns.get(name).and_then(|c| c[i].as_deref())
    }

    /// Number column `name` of picked row `i`.
    pub fn num(&self, name: &str, i: usize) -> Option<u64> {
        self.numbers.get(name).and_then(|c| c[i])
    }
}

/// Events gathered towards one finding.
#[derive(Debug, Clone, Default)]
pub struct Acc {
    /// First event.
    pub first: i64,
    /// Last event.
    pub last: i64,
    /// Events.
    pub count: u64,
    /// Of which blocked.
    pub blocked: u64,
    /// Bytes.
    pub bytes: u64,
    /// The person.
    pub user: Option<String>,
    /// The device.
    pub device: Option<String>,
    /// The address.
    pub ip: Option<String>,
    /// Distinct details (sites, terms, ports) for the summary.
    pub details: BTreeSet<String>,
    /// Evidence (capped at [`MAX_EVIDENCE`]).
    pub evidence: Vec<Evidence>,
}

impl Acc {
    /// Adds one event.
    pub fn add(&mut self, ts: i64, ev: Evidence, blocked: bool, bytes: u64) {
        if self.count == 0 || ts < self.first {
            self.first = ts;
        }
        if self.count == 0 || ts > self.last {
            self.last = ts;
        }
        self.count += 1;
        self.blocked += u64::from(blocked);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(ev);
        }
    }

    /// "all blocked", "3 of 14 blocked", or "" when none were.
    pub fn blocked_phrase(&self) -> String {
        match self.blocked {
            0 => "allowed".to_owned(),
            b if b == self.count => "all blocked".to_owned(),
            b => format!("{b} of {} blocked", self.count),
        }
    }

    /// The details joined for a summary (at most `n`, then "…").
    pub fn details_list(&self, n: usize) -> String {
        let mut v: Vec<&str> = self.details.iter().map(String::as_str).take(n).collect();
        if self.details.len() > n {
            v.push("…");
        }
        v.join(", ")
    }
}

/// Groups events by a key (rule, subject, detail, local day …) into accumulators, in first-seen
/// order.
#[derive(Debug, Default)]
pub struct Grouper {
    index: HashMap<String, usize>,
    /// Keys and accumulators in first-seen order.
    pub groups: Vec<(String, Acc)>,
}

impl Grouper {
    /// The accumulator of `key`, created empty with who it concerns.
    pub fn entry(&mut self, key: String, user: Option<&str>, device: Option<&str>, ip: Option<&str>) -> &mut Acc {
        let i = *self.index.entry(key.clone()).or_insert_with(|| {
            self.groups.push((
                key,
                Acc {
                    user: user.map(str::to_owned),
                    device: device.map(str::to_owned),
                    ip: ip.map(str::to_owned),
                    ..Acc::default()
                },
            ));
            self.groups.len() - 1
        });
        let acc = &mut self.groups[i].1;
        if acc.device.is_none() {
            acc.device = device.map(str::to_owned);
        }
        acc
    }
}

/// The subject key of an event: the person, else the device, else the address.
pub fn subject<'a>(user: Option<&'a str>, device: Option<&'a str>, ip: Option<&'a str>) -> &'a str {
    user.or(device).or(ip).unwrap_or("-")
}

/// A finding from an accumulator.
pub fn finding(rule: &'static str, severity: Severity, acc: Acc, about: Option<String>, summary: String) -> Finding {
    Finding::new(
        rule,
        severity,
        (acc.first, acc.last),
        acc.user,
        acc.device,
        acc.ip,
        about,
        summary,
        acc.count,
        acc.evidence,
    )
}

/// "Tue 17 Nov 12:08–12:16" in the school's zone.
pub fn when(cx: &Context, first: i64, last: i64) -> String {
    let fmt = |ts: i64| {
        chrono::DateTime::from_timestamp_millis(ts)
            .unwrap_or_default()
            .with_timezone(&cx.tz)
    };
    let (a, b) = (fmt(first), fmt(last));
    if a.date_naive() == b.date_naive() {
        if a.format("%H:%M").to_string() == b.format("%H:%M").to_string() {
            format!("{}", a.format("%a %-d %b %H:%M"))
        } else {
            format!("{}–{}", a.format("%a %-d %b %H:%M"), b.format("%H:%M"))
        }
    } else {
        format!("{} – {}", a.format("%a %-d %b %H:%M"), b.format("%a %-d %b %H:%M"))
    }
}

/// `Mon 16 Nov` in the school's zone.
fn day(cx: &Context, ts: i64) -> String {
    cx.local(ts).date.format("%a %-d %b").to_string()
}

/// `13:05` in the school's zone.
fn clock(cx: &Context, ts: i64) -> String {
    let m = cx.local(ts).minute;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// `on Tue 17 Nov at 13:12`, `on Tue 17 Nov between 13:12 and 13:43`, or `between Mon 16 Nov
/// and Fri 20 Nov`.
pub fn when_phrase(cx: &Context, (first, last): (i64, i64)) -> String {
    let (d1, d2) = (day(cx, first), day(cx, last));
    if d1 != d2 {
        format!("between {d1} and {d2}")
    } else if clock(cx, first) == clock(cx, last) {
        format!("on {d1} at {}", clock(cx, first))
    } else {
        format!("on {d1} between {} and {}", clock(cx, first), clock(cx, last))
    }
}

/// The local day of `ts` as a key part.
pub fn day_key(cx: &Context, ts: i64) -> String {
    cx.local(ts).date.to_string()
}

/// The local ISO week of `ts` as a key part (`2026-W47`).
pub fn week_key(cx: &Context, ts: i64) -> String {
    use chrono::Datelike;
    let w = cx.local(ts).date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Whether a host is a bare IPv4 or IPv6 address.
pub fn is_bare_ip(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.parse::<std::net::IpAddr>().is_ok()
}

/// Who each row of an attributed frame concerns, as dictionary ids: the person, the device and
/// the address, with addresses parsed once per id.
pub struct Who {
    /// `person`.
    pub person: Dict,
    /// `device_name`.
    pub device: Dict,
    /// The address column.
    pub ip: Dict,
    addrs: HashMap<u32, Option<std::net::IpAddr>>,
}

/// A row's subject as a key: 0 person, 1 device, 2 address, 3 nobody; and the id.
pub type SubjectKey = (u8, u32);

impl Who {
    /// Reads `person`, `device_name` and `ip_col` of `df`.
    pub fn read(df: &DataFrame, ip_col: &str) -> PolarsResult<Who> {
        let ip = Dict::read(df, ip_col)?;
        let addrs = ip.distinct().map(|(id, name)| (id, name.parse().ok())).collect();
        Ok(Who {
            person: Dict::read(df, "person")?,
            device: Dict::read(df, "device_name")?,
            ip,
            addrs,
        })
    }

    /// The person of row `r`.
    pub fn person(&self, r: usize) -> Option<&str> {
        self.person.name(self.person.ids[r])
    }

    /// The device of row `r`.
    pub fn device(&self, r: usize) -> Option<&str> {
        self.device.name(self.device.ids[r])
    }

    /// The address of row `r`, as text.
    pub fn ip(&self, r: usize) -> Option<&str> {
        self.ip.name(self.ip.ids[r])
    }

    /// The address of row `r`, parsed.
    pub fn addr(&self, r: usize) -> Option<std::net::IpAddr> {
        self.addrs.get(&self.ip.ids[r]).copied().flatten()
    }

    /// The subject of row `r` (person, else device, else address).
    pub fn key(&self, r: usize) -> SubjectKey {
        if self.person.ids[r] != u32::MAX {
            (0, self.person.ids[r])
        } else if self.device.ids[r] != u32::MAX {
            (1, self.device.ids[r])
        } else if self.ip.ids[r] != u32::MAX {
            (2, self.ip.ids[r])
        } else {
            (3, 0)
        }
    }
}

/// Local times by minute, remembered (rows come in time order, so most lookups hit the last).
#[derive(Default)]
pub struct LocalCache {
    last: Option<(i64, crate::context::Local)>,
    seen: HashMap<i64, crate::context::Local>,
}

impl LocalCache {
    /// The local time of the minute of `ts`.
    pub fn at(&mut self, cx: &Context, ts: i64) -> crate::context::Local {
        let minute = ts.div_euclid(60_000);
        if let Some((m, l)) = self.last
            && m == minute
        {
            return l;
        }
        let l = *self.seen.entry(minute).or_insert_with(|| cx.local(minute * 60_000));
        self.last = Some((minute, l));
        l
    }
}

/// Rows grouped towards findings by a key, holding row numbers (evidence is read once at the
/// end for all groups, see [`RowGroups::finish`]).
pub struct RowGroups<K> {
    index: HashMap<K, usize>,
    /// Keys with their rows, blocked counts and details, in first-seen order.
    pub groups: Vec<RowGroup<K>>,
}

/// One group of rows.
pub struct RowGroup<K> {
    /// Its key.
    pub key: K,
    /// A row of it (for who it concerns).
    pub first_row: usize,
    /// Rows (capped at [`MAX_EVIDENCE`]).
    pub rows: Vec<usize>,
    /// All rows.
    pub count: u64,
    /// Of which blocked.
    pub blocked: u64,
    /// First and last time.
    pub span: (i64, i64),
    /// Distinct details (host ids).
    pub details: std::collections::BTreeSet<u32>,
}

impl<K: std::hash::Hash + Eq + Clone> Default for RowGroups<K> {
    fn default() -> Self {
        RowGroups {
            index: HashMap::default(),
            groups: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> RowGroups<K> {
    /// Adds row `r` at `ts` to the group of `key`.
    pub fn add(&mut self, key: K, r: usize, ts: i64, blocked: bool, detail: u32) {
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.index.insert(key.clone(), self.groups.len());
                self.groups.push(RowGroup {
                    key,
                    first_row: r,
                    rows: Vec::new(),
                    count: 0,
                    blocked: 0,
                    span: (ts, ts),
                    details: Default::default(),
                });
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[i];
        if g.rows.len() < MAX_EVIDENCE {
            g.rows.push(r);
        }
        g.count += 1;
        g.blocked += u64::from(blocked);
        g.span = (g.span.0.min(ts), g.span.1.max(ts));
        if detail != u32::MAX {
            g.details.insert(detail);
        }
    }

    /// The evidence of every group's rows, read from `df` in one gather: for each group, its
    /// evidence references.
    pub fn finish(self, df: &DataFrame) -> PolarsResult<Vec<(RowGroup<K>, Vec<Evidence>)>> {
        let all: Vec<usize> = self.groups.iter().flat_map(|g| g.rows.iter().copied()).collect();
        let picked = Picked::take(df, all, &[], &[])?;
        let mut at = 0;
        Ok(self
            .groups
            .into_iter()
            .map(|g| {
                let ev = picked.evidence[at..at + g.rows.len()].to_vec();
                at += g.rows.len();
                (g, ev)
            })
            .collect())
    }
}

/// An accumulator for a finding about a row group, with who it concerns from row `r`.
pub fn acc_of(who: &Who, g: &RowGroup<impl Sized>, evidence: Vec<Evidence>, details: Vec<String>) -> Acc {
    let r = g.first_row;
    Acc {
        first: g.span.0,
        last: g.span.1,
        count: g.count,
        blocked: g.blocked,
        bytes: 0,
        user: who.person(r).map(str::to_owned),
        device: who.device(r).map(str::to_owned),
        ip: who.ip(r).map(str::to_owned),
        details: details.into_iter().collect(),
        evidence,
    }
}
