//! Every event of every kind in one index, for the Search view and people's timelines: a few
//! dictionary-coded columns per row (time, kind, who, device, address, action, target) and, for
//! the rest of a row, the attributed polars frame it came from.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use polars::prelude::*;
use rayon::prelude::*;
use vigil_parsers::Kind;
use vigil_queries::detect::events::Dict;
use vigil_queries::detect::{Inputs, SourceInfo};
use vigil_queries::findings::Evidence;

/// The dictionary-coded columns every event has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The person (or account, or sender).
    Who,
    /// The device's name.
    Device,
    /// The client's address.
    Ip,
    /// What happened: allowed, blocked, delivered, lease, …
    Action,
    /// What it was about: a host, a destination, a recipient, a product.
    Target,
}

impl Field {
    /// Every field, in column order.
    pub const ALL: [Field; 5] = [Field::Who, Field::Device, Field::Ip, Field::Action, Field::Target];

    fn index(self) -> usize {
        self as usize
    }
}

/// A column of dictionary ids (`NONE` for null) with its names.
#[derive(Debug, Default)]
pub struct Coded {
    /// One id per event.
    pub ids: Vec<u32>,
    /// The name of each id.
    pub names: Vec<String>,
    index: HashMap<String, u32>,
}

/// The id of a missing value.
pub const NONE: u32 = u32::MAX;

impl Coded {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(NONE - 1);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }

    /// The name of event `row`'s value.
    pub fn name(&self, row: usize) -> Option<&str> {
        let id = *self.ids.get(row)?;
        self.names.get(id as usize).map(String::as_str)
    }

    /// The ids whose names `keep` accepts, as a lookup table.
    pub fn ids_where(&self, keep: impl Fn(&str) -> bool) -> Vec<bool> {
        self.names.iter().map(|n| keep(n)).collect()
    }

    /// Each id's rank in name order (for sorting).
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut rank = vec![0u32; self.names.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

/// Which frame columns feed an event kind's fields and its detail.
struct Layout {
    kind: Kind,
    fields: [&'static [&'static str]; 5],
    /// Columns shown as the event's detail, `name=value` (first is shown bare).
    detail: &'static [&'static str],
    /// Bytes moved, when the kind has them.
    bytes: &'static [&'static str],
}

const LAYOUTS: [Layout; 7] = [
    Layout {
        kind: Kind::Web,
        fields: [
            &["person", "user"],
            &["device_name", "device"],
            &["client_ip"],
            &["action"],
            &["host"],
        ],
        detail: &["path", "query", "search_terms", "category", "method"],
        bytes: &["bytes_in", "bytes_out"],
    },
    Layout {
        kind: Kind::Flow,
        fields: [
            &["person", "user"],
            &["device_name"],
            &["src_ip"],
            &["action"],
            &["dst_ip"],
        ],
        detail: &["proto", "dst_port", "app", "rule"],
        bytes: &["bytes_in", "bytes_out", "bytes"],
    },
    Layout {
        kind: Kind::Mail,
        fields: [&["from"], &["client"], &["client_ip"], &["status"], &["to"]],
        detail: &["subject", "size", "relay", "detail"],
        bytes: &["size"],
    },
    Layout {
        kind: Kind::Identity,
        fields: [&["user"], &["device"], &["ip"], &["event"], &[]],
        detail: &["origin", "mac"],
        bytes: &[],
    },
    Layout {
        kind: Kind::Inventory,
        fields: [&["user"], &["device"], &[], &[], &["product"]],
        detail: &["version", "publisher", "platform"],
        bytes: &[],
    },
    Layout {
        kind: Kind::Licences,
        fields: [&[], &[], &[], &[], &["product"]],
        detail: &["seats", "metric", "publisher", "reference"],
        bytes: &[],
    },
    Layout {
        kind: Kind::LicenceUse,
        fields: [&["user"], &["host"], &[], &["op"], &["feature"]],
        detail: &["reason", "daemon"],
        bytes: &[],
    },
];

/// One kind's frame and where its events start in the index.
struct Segment {
    layout: &'static Layout,
    frame: DataFrame,
    start: usize,
}

/// Every event of every kind, in one index.
pub struct EventIndex {
    /// Event time, UTC ms.
    pub ts: Vec<i64>,
    /// Index into [`Kind::ALL`].
    pub kind: Vec<u8>,
    /// Bytes moved (both ways), 0 when the kind has none.
    pub bytes: Vec<u64>,
    /// Whether the event was a block or refusal.
    pub blocked: Vec<bool>,
    /// Every event in time order (ties in reading order).
    pub by_time: Vec<u32>,
    fields: [Coded; 5],
    segments: Vec<Segment>,
    /// Every event ordered by each column of the Search view (kind, who, device, address,
    /// action, host; ties in time order), computed once on first use.
    sorted: [std::sync::OnceLock<Vec<u32>>; 6],
    /// Each field's values' ranks in name order, computed once.
    ranks: [std::sync::OnceLock<Vec<u32>>; 5],
}

/// The name of a kind index.
pub fn kind_name(k: u8) -> &'static str {
    Kind::ALL.get(k as usize).map_or("?", |k| k.as_str())
}

fn is_block(action: &str) -> bool {
    matches!(action, "blocked" | "block" | "reject" | "rejected" | "denied")
}

impl EventIndex {
    /// Indexes every event of the attributed frames (the frames move into the index).
    pub fn build(inputs: Inputs) -> PolarsResult<EventIndex> {
        let Inputs {
            web,
            flow,
            mail,
            identity,
            inventory,
            licences,
            licence_use,
            sources,
        } = inputs;
        let frames = [web, flow, mail, identity, inventory, licences, licence_use];
        let mut index = EventIndex {
            ts: Vec::new(),
            kind: Vec::new(),
            bytes: Vec::new(),
            blocked: Vec::new(),
            by_time: Vec::new(),
            fields: Default::default(),
            segments: Vec::new(),
            sorted: Default::default(),
            ranks: Default::default(),
        };
        for (layout, frame) in LAYOUTS.iter().zip(frames) {
            let Some(frame) = frame else { continue };
            if frame.height() == 0 {
                continue;
            }
            index.add(layout, frame, &sources)?;
        }
        let mut keyed: Vec<(i64, u32)> = index.ts.par_iter().enumerate().map(|(r, &t)| (t, r as u32)).collect();
        radsort::sort_by_key(&mut keyed, |k| k.0);
        index.by_time = keyed.into_iter().map(|k| k.1).collect();
        Ok(index)
    }

    fn add(&mut self, layout: &'static Layout, frame: DataFrame, sources: &[SourceInfo]) -> PolarsResult<()> {
        let start = self.ts.len();
        let n = frame.height();
        let k = Kind::ALL.iter().position(|&k| k == layout.kind).unwrap_or(0) as u8;
        let mut ts = vigil_queries::detect::events::times(&frame)?;
        if ts.contains(&0) {
            // Exports without event times (inventory, licence register) take the time the
            // export was written, as their findings do.
            let source = vigil_queries::detect::events::numbers(&frame, "source")?;
            for (t, s) in ts.iter_mut().zip(source) {
                if *t == 0 {
                    *t = sources.get(s as usize).and_then(|s| s.taken).unwrap_or(0);
                }
            }
        }
        self.ts.extend(ts);
        self.kind.extend(std::iter::repeat_n(k, n));
        let mut bytes = vec![0u64; n];
        for name in layout.bytes {
            if frame.column(name).is_ok() {
                let b = vigil_queries::detect::events::numbers(&frame, name)?;
                bytes.par_iter_mut().zip(b).for_each(|(t, v)| *t += v);
                if *name == "bytes" || *name == "size" {
                    break;
                }
            }
        }
        self.bytes.extend(bytes);
        for field in Field::ALL {
            let candidates = layout.fields[field.index()];
            let name = candidates.iter().find(|c| frame.column(c).is_ok());
            let coded = &mut self.fields[field.index()];
            match name {
                Some(name) => {
                    let dict = Dict::read(&frame, name)?;
                    let mut remap: HashMap<u32, u32> = HashMap::new();
                    for (id, name) in dict.distinct() {
                        let global = coded.intern(name);
                        remap.insert(id, global);
                    }
                    // A person column may be null where the frame's own user is not.
                    let fallback = match (field, candidates.get(1)) {
                        (Field::Who | Field::Device, Some(second)) if frame.column(second).is_ok() => {
                            Some(Dict::read(&frame, second)?)
                        }
                        _ => None,
                    };
                    let mut fb_remap: HashMap<u32, u32> = HashMap::new();
                    if let Some(fb) = &fallback {
                        for (id, name) in fb.distinct() {
                            fb_remap.insert(id, coded.intern(name));
                        }
                    }
                    coded.ids.extend(dict.ids.iter().enumerate().map(|(r, id)| {
                        remap.get(id).copied().unwrap_or_else(|| {
                            fallback
                                .as_ref()
                                .and_then(|fb| fb_remap.get(&fb.ids[r]).copied())
                                .unwrap_or(NONE)
                        })
                    }));
                }
                None => coded.ids.extend(std::iter::repeat_n(NONE, n)),
            }
        }
        let action = &self.fields[Field::Action.index()];
        let blocks = action.ids_where(is_block);
        self.blocked
            .extend(action.ids[start..].iter().map(|&id| id != NONE && blocks[id as usize]));
        self.segments.push(Segment { layout, frame, start });
        Ok(())
    }

    /// The sort key of event `row` for a column of the Search view (1 kind, 2 who, 3 device,
    /// 4 address, 5 action, 6 host; others: 0): a value's rank among its column's names.
    pub fn sort_key(&self, col: usize) -> impl Fn(u32) -> u32 + '_ {
        let field = match col {
            2 => Some(Field::Who),
            3 => Some(Field::Device),
            4 => Some(Field::Ip),
            5 => Some(Field::Action),
            6 => Some(Field::Target),
            _ => None,
        };
        let coded = field.map(|f| self.field(f));
        let rank: &[u32] = match field {
            Some(f) => self.ranks[f.index()].get_or_init(|| self.field(f).ranks()),
            None => &[],
        };
        move |r: u32| match (col, coded) {
            (1, _) => u32::from(self.kind[r as usize]),
            (_, Some(c)) => {
                let id = c.ids[r as usize];
                if id == NONE { u32::MAX } else { rank[id as usize] }
            }
            _ => 0,
        }
    }

    /// Every event ordered by column `col` (0 time; 1–6 as [`EventIndex::sort_key`]), ties in
    /// time order; computed on first use and kept.
    pub fn sorted_by(&self, col: usize) -> &[u32] {
        if !(1..=6).contains(&col) {
            return &self.by_time;
        }
        self.sorted[col - 1].get_or_init(|| {
            let key = self.sort_key(col);
            let mut keyed: Vec<(u32, u32)> = self.by_time.par_iter().map(|&r| (key(r), r)).collect();
            radsort::sort_by_key(&mut keyed, |k| k.0);
            keyed.into_par_iter().map(|k| k.1).collect()
        })
    }

    /// Computes every column's order now (the loader does, after the index is shown).
    pub fn prepare_sorts(&self) {
        for col in 1..=6 {
            self.sorted_by(col);
        }
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// A field's column.
    pub fn field(&self, field: Field) -> &Coded {
        &self.fields[field.index()]
    }

    fn segment(&self, row: usize) -> Option<(&Segment, usize)> {
        let i = self.segments.partition_point(|s| s.start <= row).checked_sub(1)?;
        let s = &self.segments[i];
        Some((s, row - s.start))
    }

    /// Where event `row` was read: source, line and offset.
    pub fn evidence(&self, row: usize) -> Option<Evidence> {
        let (s, r) = self.segment(row)?;
        let get = |name: &str| -> Option<u64> { s.frame.column(name).ok()?.get(r).ok()?.extract::<u64>() };
        Some(Evidence {
            source: u32::try_from(get("source")?).ok()?,
            line: get("line")?,
            offset: get("offset")?,
        })
    }

    /// The rest of event `row` as text: the first detail column bare, the others `name=value`.
    pub fn detail(&self, row: usize) -> String {
        let Some((s, r)) = self.segment(row) else {
            return String::new();
        };
        let mut out = String::new();
        for (i, name) in s.layout.detail.iter().enumerate() {
            let Ok(col) = s.frame.column(name) else { continue };
            let Ok(v) = col.get(r) else { continue };
            let text = match v.get_str() {
                Some(t) => t.to_owned(),
                None if v.is_null() => continue,
                None => v.to_string(),
            };
            if text.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            if i == 0 {
                out.push_str(&text);
            } else if *name == "query" {
                out.pop();
                out.push('?');
                out.push_str(&text);
            } else {
                out.push_str(name);
                out.push('=');
                out.push_str(&text);
            }
        }
        out
    }

    /// The events whose detail text contains `needle` (ASCII case ignored), as a flag per event.
    pub fn detail_contains(&self, needle: &str) -> Vec<bool> {
        let mut out = vec![false; self.len()];
        let Ok(ac) = AhoCorasick::builder().ascii_case_insensitive(true).build([needle]) else {
            return out;
        };
        for s in &self.segments {
            let n = s.frame.height();
            let part = &mut out[s.start..s.start + n];
            for name in s.layout.detail {
                let Ok(col) = s.frame.column(name) else { continue };
                match col.dtype() {
                    DataType::String => {
                        let Ok(ca) = col.str() else { continue };
                        // Chunk by chunk in parallel (one arrow chunk per parsed batch).
                        let mut starts = Vec::new();
                        let mut at = 0;
                        let arrays: Vec<_> = ca.downcast_iter().collect();
                        for a in &arrays {
                            starts.push(at);
                            at += a.len();
                        }
                        let hits: Vec<usize> = arrays
                            .par_iter()
                            .zip(starts)
                            .flat_map_iter(|(a, start)| {
                                let ac = &ac;
                                a.iter()
                                    .enumerate()
                                    .filter_map(move |(r, v)| v.filter(|v| ac.is_match(*v)).map(|_| start + r))
                            })
                            .collect();
                        for r in hits {
                            part[r] = true;
                        }
                    }
                    DataType::Categorical(..) => {
                        let Ok(dict) = Dict::read(&s.frame, name) else { continue };
                        let hit: HashMap<u32, bool> = dict.distinct().map(|(id, v)| (id, ac.is_match(v))).collect();
                        for (r, id) in dict.ids.iter().enumerate() {
                            if hit.get(id).copied().unwrap_or(false) {
                                part[r] = true;
                            }
                        }
                    }
                    _ => {
                        let Ok(text) = col.cast(&DataType::String) else {
                            continue;
                        };
                        let Ok(ca) = text.str() else { continue };
                        for (r, v) in ca.iter().enumerate() {
                            if v.is_some_and(|v| ac.is_match(v)) {
                                part[r] = true;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The events of one person (or device, or address): the who, device or address is `key`,
    /// or the who is a mail address whose local part is `key`; in time order.
    pub fn of_subject(&self, key: &str) -> Vec<u32> {
        let who = self.field(Field::Who).ids_where(|n| {
            n.eq_ignore_ascii_case(key)
                || n.rsplit_once('@')
                    .is_some_and(|(local, _)| local.eq_ignore_ascii_case(key))
        });
        let dev = self.field(Field::Device).ids_where(|n| n.eq_ignore_ascii_case(key));
        let ip = self.field(Field::Ip).ids_where(|n| n == key);
        let hit = |t: &[bool], id: u32| id != NONE && t[id as usize];
        let w = &self.field(Field::Who).ids;
        let d = &self.field(Field::Device).ids;
        let a = &self.field(Field::Ip).ids;
        let mut rows: Vec<u32> = (0..self.len() as u32)
            .into_par_iter()
            .filter(|&r| {
                let r = r as usize;
                hit(&who, w[r]) || hit(&dev, d[r]) || hit(&ip, a[r])
            })
            .collect();
        rows.sort_by_key(|&r| (self.ts[r as usize], r));
        rows
    }

    /// Requests and blocks per hour over the whole span (web and firewall events), from the
    /// first hour with an event: (hour start UTC ms, events, blocks).
    pub fn hourly(&self) -> Vec<(i64, u64, u64)> {
        const HOUR: i64 = 3_600_000;
        let traffic: Vec<usize> = (0..self.len())
            .filter(|&r| matches!(Kind::ALL.get(self.kind[r] as usize), Some(Kind::Web | Kind::Flow)))
            .collect();
        let Some((lo, hi)) = traffic
            .iter()
            .map(|&r| self.ts[r])
            .fold(None, |acc: Option<(i64, i64)>, t| {
                Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
            })
        else {
            return Vec::new();
        };
        let first = lo.div_euclid(HOUR);
        let hours = (hi.div_euclid(HOUR) - first + 1).clamp(1, 24 * 400) as usize;
        let mut out: Vec<(i64, u64, u64)> = (0..hours).map(|h| ((first + h as i64) * HOUR, 0, 0)).collect();
        for r in traffic {
            let h = (self.ts[r].div_euclid(HOUR) - first) as usize;
            if let Some(slot) = out.get_mut(h) {
                slot.1 += 1;
                slot.2 += u64::from(self.blocked[r]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_the_refusing_actions() {
        assert!(is_block("blocked"));
        assert!(is_block("denied"));
        assert!(!is_block("allowed"));
        assert!(!is_block("auth-required"));
    }
}
