//! Searches over every event: which rows a filter and a time range keep, in which order, and
//! the usage totals of a range. Written for tens of millions of events on two cores: filters
//! are matched once per dictionary entry, rows are kept in bitmaps, and each column's sort order
//! is computed once per index (see [`EventIndex::sorted_by`]) and then only filtered.

use rayon::prelude::*;
use vigil_parsers::Kind;
use vigil_queries::context::Context;

use std::sync::Arc;

use super::app::{Range, Rows, Usage};
use super::events::{EventIndex, Field, NONE};
use super::filter::{Filter, Matcher};

/// Lists longer than this are not sorted by their detail text (it would take seconds).
pub const DETAIL_SORT_LIMIT: usize = 200_000;

/// One term of a filter, ready to test rows: a table per dictionary entry (or kind), or a flag
/// per event for text found in the details.
enum Test<'a> {
    /// The row's id in a field is one the term accepts.
    Field(&'a [u32], Vec<bool>),
    /// The row's kind is one the term accepts.
    Kind(Vec<bool>),
    /// Free text: any field accepts, or the detail flag is set.
    Any(Vec<(&'a [u32], Vec<bool>)>, Option<Vec<bool>>),
    /// A flag per event.
    Rows(Vec<bool>),
}

/// A filter compiled for an index: each term's test and whether it is negated.
pub struct Compiled<'a> {
    kind: &'a [u8],
    tests: Vec<(Test<'a>, bool)>,
}

impl Compiled<'_> {
    /// Whether event `r` passes every term.
    pub fn keeps(&self, r: usize) -> bool {
        let hit = |ids: &[u32], t: &[bool]| {
            let id = ids[r];
            id != NONE && t[id as usize]
        };
        self.tests.iter().all(|(test, negate)| {
            let h = match test {
                Test::Field(ids, t) => hit(ids, t),
                Test::Kind(t) => t[self.kind[r] as usize],
                Test::Any(fields, detail) => {
                    detail.as_ref().is_some_and(|d| d[r]) || fields.iter().any(|(ids, t)| hit(ids, t))
                }
                Test::Rows(flags) => flags[r],
            };
            h != *negate
        })
    }
}

/// Compiles `filter` for `events` (`None` when it keeps everything): field terms are matched
/// once per dictionary entry; text in the details is looked for once per detail value.
pub fn compile<'a>(events: &'a EventIndex, filter: &Filter) -> Option<Compiled<'a>> {
    if filter.is_empty() {
        return None;
    }
    let field_of = |name: &str| match name {
        "user" => Some(Field::Who),
        "device" => Some(Field::Device),
        "ip" => Some(Field::Ip),
        "action" => Some(Field::Action),
        "host" => Some(Field::Target),
        _ => None,
    };
    let mut tests = Vec::new();
    for term in &filter.terms {
        let test = match term.field {
            Some("kind") => Test::Kind(Kind::ALL.iter().map(|k| term.matcher.matches(k.as_str())).collect()),
            Some("detail") => Test::Rows(match &term.matcher {
                Matcher::Contains(w) | Matcher::Exact(w) => events.detail_contains(w),
                other => (0..events.len())
                    .into_par_iter()
                    .map(|r| other.matches(&events.detail(r)))
                    .collect(),
            }),
            Some(name) => {
                let Some(field) = field_of(name) else { continue };
                let coded = events.field(field);
                Test::Field(&coded.ids, coded.ids_where(|v| term.matcher.matches(v)))
            }
            None => {
                let fields = Field::ALL
                    .iter()
                    .map(|&f| {
                        let c = events.field(f);
                        (c.ids.as_slice(), c.ids_where(|v| term.matcher.matches(v)))
                    })
                    .collect();
                let detail = match &term.matcher {
                    Matcher::Contains(w) => Some(events.detail_contains(w)),
                    _ => None,
                };
                Test::Any(fields, detail)
            }
        };
        tests.push((test, term.negate));
    }
    Some(Compiled {
        kind: &events.kind,
        tests,
    })
}

/// One bit per event: in the range and kept by the filter.
fn keep_bits(events: &EventIndex, filter: Option<&Compiled>, range: &Range) -> Vec<u64> {
    let n = events.len();
    let mut bits = vec![0u64; n.div_ceil(64)];
    bits.par_iter_mut().enumerate().for_each(|(w, word)| {
        let start = w * 64;
        let end = (start + 64).min(n);
        let mut v = 0u64;
        for r in start..end {
            if range.contains(events.ts[r]) && filter.is_none_or(|f| f.keeps(r)) {
                v |= 1 << (r - start);
            }
        }
        *word = v;
    });
    bits
}

fn bit(bits: &[u64], r: u32) -> bool {
    (bits[(r >> 6) as usize] >> (r & 63)) & 1 == 1
}

/// The rows of `rows` (in time order, a person's say) that match, sorted by a column of
/// [`super::app::EVENT_COLUMNS`]; ties stay in time order.
pub fn timeline(
    events: &EventIndex,
    rows: &[u32],
    filter: &Filter,
    range: &Range,
    sort: Option<(usize, bool)>,
) -> Vec<u32> {
    let compiled = compile(events, filter);
    let mut out: Vec<u32> = rows
        .iter()
        .copied()
        .filter(|&r| range.contains(events.ts[r as usize]) && compiled.as_ref().is_none_or(|c| c.keeps(r as usize)))
        .collect();
    if let Some((col, desc)) = sort {
        if col == 7 && out.len() > DETAIL_SORT_LIMIT {
            // Too long to sort by text at once: stays in time order.
            return out;
        }
        sort_rows(events, &mut out, col);
        if desc {
            out.reverse();
        }
    }
    out
}

/// Sorts rows given in time order by a column, stably (radix sort on each value's rank).
fn sort_rows(events: &EventIndex, rows: &mut Vec<u32>, col: usize) {
    match col {
        0 => {}
        7 => {
            let mut keyed: Vec<(String, u32)> = rows.par_iter().map(|&r| (events.detail(r as usize), r)).collect();
            keyed.par_sort_by(|a, b| a.0.cmp(&b.0));
            *rows = keyed.into_iter().map(|k| k.1).collect();
        }
        c => {
            let key = events.sort_key(c);
            let mut keyed: Vec<(u32, u32)> = rows.iter().map(|&r| (key(r), r)).collect();
            radsort::sort_by_key(&mut keyed, |k| k.0);
            *rows = keyed.into_iter().map(|k| k.1).collect();
        }
    }
}

/// The Search view's rows: every event in the range that the filter keeps, sorted by a column
/// (time when none); an error when the sort cannot be done at this size.
pub fn search(
    events: &Arc<EventIndex>,
    filter: &Filter,
    range: &Range,
    sort: Option<(usize, bool)>,
) -> Result<Rows, String> {
    let (col, desc) = sort.unwrap_or((0, false));
    let all = filter.is_empty() && range.from.is_none() && range.to.is_none();
    if filter.is_empty() && col == 0 && !desc {
        // Time order and a time range only: a slice of the time order, found by bisection.
        let order = &events.by_time;
        let lo = range
            .from
            .map_or(0, |f| order.partition_point(|&r| events.ts[r as usize] < f));
        let hi = range
            .to
            .map_or(order.len(), |t| order.partition_point(|&r| events.ts[r as usize] < t));
        return Ok(Rows::Every(events.clone(), 0, lo..hi.max(lo)));
    }
    let bits = (!all).then(|| keep_bits(events, compile(events, filter).as_ref(), range));
    let keep = |order: &[u32]| -> Vec<u32> {
        match &bits {
            None => order.to_vec(),
            Some(b) => order.par_iter().copied().filter(|&r| bit(b, r)).collect(),
        }
    };
    if bits.is_none() && col != 7 && !desc {
        // Every event in a kept order: shared, not copied (computed here, off the UI thread,
        // if the loader has not done it yet).
        events.sorted_by(col);
        return Ok(Rows::Every(events.clone(), col, 0..events.len()));
    }
    let mut out = if col == 7 {
        let mut rows = keep(&events.by_time);
        if rows.len() > DETAIL_SORT_LIMIT {
            return Err(format!(
                "DETAIL sorts lists of up to {} events; this one has {}: filter first",
                crate::output::thousands(DETAIL_SORT_LIMIT as u64),
                crate::output::thousands(rows.len() as u64)
            ));
        }
        sort_rows(events, &mut rows, 7);
        rows
    } else {
        keep(events.sorted_by(col))
    };
    if desc {
        out.reverse();
    }
    Ok(Rows::Owned(out))
}

/// Per event, what the Usage view needs: whose traffic it is (a slot in `names`: the person,
/// else the device, else the address; `NONE` for non-traffic events and for the proxies' and
/// resolvers' own traffic) and its local hour of day.
pub struct Traffic {
    slot: Vec<u32>,
    hour: Vec<u8>,
    names: Vec<String>,
}

impl Traffic {
    /// Computes each event's slot and hour once (the policy names the proxies and the zone).
    pub fn new(e: &EventIndex, cx: &Context) -> Traffic {
        const HOUR: i64 = 3_600_000;
        let who = e.field(Field::Who);
        let dev = e.field(Field::Device);
        let ip = e.field(Field::Ip);
        let infrastructure = ip.ids_where(|a| {
            let a = a.parse().ok();
            vigil_queries::context::any_contains(&cx.proxies, a)
                || vigil_queries::context::any_contains(&cx.resolvers, a)
        });
        let (nw, nd) = (who.names.len() as u32, dev.names.len() as u32);
        let traffic: Vec<bool> = Kind::ALL.iter().map(|k| matches!(k, Kind::Web | Kind::Flow)).collect();
        let slot: Vec<u32> = (0..e.len())
            .into_par_iter()
            .map(|r| {
                let a = ip.ids[r];
                if !traffic[e.kind[r] as usize] || (a != NONE && infrastructure[a as usize]) {
                    NONE
                } else if who.ids[r] != NONE {
                    who.ids[r]
                } else if dev.ids[r] != NONE {
                    nw + dev.ids[r]
                } else if a != NONE {
                    nw + nd + a
                } else {
                    NONE
                }
            })
            .collect();
        // The span of the traffic (exports' events may carry no time at all).
        let (lo, hi) = (0..e.len())
            .into_par_iter()
            .filter(|&r| slot[r] != NONE)
            .fold(|| (i64::MAX, i64::MIN), |(a, b), r| (a.min(e.ts[r]), b.max(e.ts[r])))
            .reduce(|| (i64::MAX, i64::MIN), |(a, b), (c, d)| (a.min(c), b.max(d)));
        let first = lo.div_euclid(HOUR);
        let span = if lo > hi {
            0
        } else {
            (hi.div_euclid(HOUR) - first + 1).clamp(1, 24 * 3660) as usize
        };
        let local_hour: Vec<u8> = (0..span)
            .map(|h| {
                chrono::DateTime::from_timestamp_millis((first + h as i64) * HOUR)
                    .map_or(0, |t| chrono::Timelike::hour(&t.with_timezone(&cx.tz)) as u8)
            })
            .collect();
        let hour =
            e.ts.par_iter()
                .map(|&t| {
                    let h = usize::try_from(t.div_euclid(HOUR) - first).unwrap_or(0);
                    local_hour.get(h).copied().unwrap_or(0)
                })
                .collect();
        let names = who.names.iter().chain(&dev.names).chain(&ip.names).cloned().collect();
        Traffic { slot, hour, names }
    }

    /// Top talkers by bytes and bytes per hour of day, over the events in the range.
    pub fn usage(&self, e: &EventIndex, range: &Range) -> Usage {
        let slots = self.names.len();
        const CHUNK: usize = 1 << 18;
        let (per, hours) = (0..e.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut per = vec![(0u64, 0u64); slots];
                let mut hours = [0u64; 24];
                for r in c * CHUNK..((c + 1) * CHUNK).min(e.len()) {
                    let s = self.slot[r];
                    if s == NONE || !range.contains(e.ts[r]) {
                        continue;
                    }
                    per[s as usize].0 += e.bytes[r];
                    per[s as usize].1 += 1;
                    hours[self.hour[r] as usize] += e.bytes[r];
                }
                (per, hours)
            })
            .reduce(
                || (vec![(0u64, 0u64); slots], [0u64; 24]),
                |(mut a, mut ha), (b, hb)| {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.0 += y.0;
                        x.1 += y.1;
                    }
                    for (x, y) in ha.iter_mut().zip(hb) {
                        *x += y;
                    }
                    (a, ha)
                },
            );
        let mut talkers: Vec<(usize, u64, u64)> = per
            .iter()
            .enumerate()
            .filter(|(_, p)| p.1 > 0)
            .map(|(s, p)| (s, p.0, p.1))
            .collect();
        talkers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        talkers.truncate(20);
        Usage {
            talkers: talkers
                .into_iter()
                .map(|(s, b, n)| (self.names[s].clone(), b, n))
                .collect(),
            by_hour: hours,
        }
    }
}
