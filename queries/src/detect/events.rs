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
