//! Usage rules (unfair use that hinders others): single downloads or uploads over the policy's
//! threshold, and one person's traffic in a day over the daily threshold, from web logs (bytes
//! served and sent) and firewall logs (bytes each way of clients' connections).

use rustc_hash::FxHashMap as HashMap;

use polars::prelude::*;

use super::events::{Grouper, Picked, Who, day_key, finding, numbers, subject, when};
use crate::context::Context;
use crate::findings::{Finding, Severity};

/// Column names of one event kind's traffic.
pub struct Traffic<'a> {
    /// The client address column.
    pub ip: &'a str,
    /// Bytes the client received.
    pub down: &'a str,
    /// Bytes the client sent.
    pub up: &'a str,
    /// A description of the destination (host or address).
    pub dest: &'a str,
    /// Whether a row is a client's (not the proxy's or a server's own traffic).
    pub is_client: &'a (dyn Fn(&str) -> bool + Sync),
}

/// A person (or, with no person, an address) and a day: (person id, address id, days from CE).
type DayKey = (u32, u32, i32);

/// The usage family's findings over an attributed frame.
pub fn detect(cx: &Context, df: &DataFrame, t: &Traffic, who: &Who, ts: &[i64]) -> PolarsResult<Vec<Finding>> {
    let (down, up) = (numbers(df, t.down)?, numbers(df, t.up)?);
    let single = cx.limits.single_transfer;
    let big: Vec<usize> = (0..df.height())
        .filter(|&r| down[r] >= single || up[r] >= single)
        .collect();
    // Daily totals need each row's subject and day: read the subject columns as dictionaries.
    let (person, ip) = (&who.person, &who.ip);
    // Per address id: a client of the school (not the proxy's or a server's own traffic).
    let mut client_ip = vec![false; ip.distinct().map(|(id, _)| id as usize + 1).max().unwrap_or(0)];
    for (id, name) in ip.distinct() {
        client_ip[id as usize] = (t.is_client)(name);
    }
    let is_client = |id: u32| client_ip.get(id as usize).copied().unwrap_or(false);
    let mut clock = super::events::LocalCache::default();
    let mut last_minute: (i64, (i32, bool)) = (i64::MIN, (0, false));
    let mut day_of_hour: HashMap<i64, i32> = HashMap::default();
    // Per minute: the local day and whether it is school hours (windows start on any minute).
    let mut minute_info: HashMap<i64, (i32, bool)> = HashMap::default();
    let mut totals: HashMap<DayKey, (u64, u64)> = HashMap::default();
    // School-hours bytes, first and last time per person and day; all school-hours bytes per day.
    let mut school_bytes: HashMap<DayKey, (u64, i64, i64)> = HashMap::default();
    let mut school_total: HashMap<i32, u64> = HashMap::default();
    for r in 0..df.height() {
        if !is_client(ip.ids[r]) {
            continue;
        }
        let minute = ts[r].div_euclid(60_000);
        let (day, in_school) = if last_minute.0 == minute {
            last_minute.1
        } else {
            let v = match minute_info.get(&minute) {
                Some(&v) => v,
                None => {
                    use chrono::Datelike;
                    let at = clock.at(cx, ts[r]);
                    let v = (at.date.num_days_from_ce(), cx.school_hours(at));
                    minute_info.insert(minute, v);
                    v
                }
            };
            last_minute = (minute, v);
            v
        };
        day_of_hour.entry(ts[r].div_euclid(3_600_000)).or_insert(day);
        let key = if person.ids[r] != u32::MAX {
            (person.ids[r], u32::MAX, day)
        } else {
            (u32::MAX, ip.ids[r], day)
        };
        let e = totals.entry(key).or_default();
        e.0 = e.0.saturating_add(down[r]);
        e.1 = e.1.saturating_add(up[r]);
        if in_school {
            let bytes = down[r].saturating_add(up[r]);
            let s = school_bytes.entry(key).or_insert((0, ts[r], ts[r]));
            s.0 = s.0.saturating_add(bytes);
            s.1 = s.1.min(ts[r]);
            s.2 = s.2.max(ts[r]);
            *school_total.entry(day).or_default() += bytes;
        }
    }
    let mut out = Vec::new();
    // Single transfers.
    let picked = Picked::take(df, big, &["person", "device_name", t.ip, t.dest], &[])?;
    for i in 0..picked.len() {
        let r = picked.rows[i];
        let (person, device, addr) = (
            picked.text("person", i),
            picked.text("device_name", i),
            picked.text(t.ip, i),
        );
        if !addr.is_some_and(|a| (t.is_client)(a)) {
            continue;
        }
        let who = subject(person, device, addr).to_owned();
        let dest = picked.text(t.dest, i).unwrap_or("-").to_owned();
        for (rule, bytes, verb) in [
            ("usage.large-transfer", down[r], "downloaded"),
            ("usage.large-upload", up[r], "uploaded"),
        ] {
            if bytes < single {
                continue;
            }
            let mut g = Grouper::default();
            g.entry(String::new(), person, device, addr)
                .add(picked.ts[i], picked.evidence[i], false, bytes);
            let Some((_, acc)) = g.groups.pop() else { continue };
            let summary = format!(
                "{who} {verb} {} in one transfer ({dest}), {}",
                human(bytes),
                when(cx, acc.first, acc.last)
            );
            out.push(finding(rule, Severity::Medium, acc, Some(dest.clone()), summary));
        }
    }
    // One person's share of a day's school-hours traffic (days with at least 1 GB in all).
    let mut shares: Vec<(DayKey, (u64, i64, i64), u64)> = school_bytes
        .iter()
        .filter_map(|(k, &b)| {
            let total = school_total.get(&k.2).copied().unwrap_or(0);
            (total >= 1_000_000_000 && b.0 as f64 > cx.limits.peak_share * total as f64).then_some((*k, b, total))
        })
        .collect();
    shares.sort_unstable();
    for ((p, a, day), (bytes, start, end), total) in shares {
        let name = if p != u32::MAX { person.name(p) } else { ip.name(a) }
            .unwrap_or("-")
            .to_owned();
        let date = chrono::NaiveDate::from_num_days_from_ce_opt(day).map_or(String::new(), |d| d.to_string());
        let (user, addr) = if p != u32::MAX {
            (Some(name.clone()), None)
        } else {
            (None, Some(name.clone()))
        };
        out.push(Finding::new(
            "usage.peak-share",
            Severity::Low,
            (start, end),
            user,
            None,
            addr,
            None,
            format!(
                "{name} took {:.0}% of the school's traffic in school hours on {date} ({} of {})",
                100.0 * bytes as f64 / total as f64,
                human(bytes),
                human(total)
            ),
            0,
            Vec::new(),
        ));
    }
    // Daily totals over the threshold: evidence is that day's largest transfers.
    let over: Vec<(DayKey, (u64, u64))> = totals
        .into_iter()
        .filter(|(_, (d, u))| d.saturating_add(*u) >= cx.limits.daily_bytes)
        .collect();
    if !over.is_empty() {
        let wanted: HashMap<DayKey, usize> = over.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect();
        let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); over.len()];
        #[allow(clippy::needless_range_loop)] // several columns indexed by the same row
        for r in 0..df.height() {
            if !is_client(ip.ids[r]) {
                continue;
            }
            let day = day_of_hour.get(&ts[r].div_euclid(3_600_000)).copied().unwrap_or(0);
            let key = if person.ids[r] != u32::MAX {
                (person.ids[r], u32::MAX, day)
            } else {
                (u32::MAX, ip.ids[r], day)
            };
            if let Some(&i) = wanted.get(&key) {
                rows_of[i].push(r);
            }
        }
        for ((_, (d, u)), mut rows) in over.into_iter().zip(rows_of) {
            rows.sort_by_key(|&r| std::cmp::Reverse(down[r].saturating_add(up[r])));
            let (first, last) = rows
                .iter()
                .fold((i64::MAX, i64::MIN), |(a, b), &r| (a.min(ts[r]), b.max(ts[r])));
            rows.truncate(50);
            let picked = Picked::take(df, rows, &["person", "device_name", t.ip], &[])?;
            let (person, device, addr) = (
                picked.text("person", 0),
                picked.text("device_name", 0),
                picked.text(t.ip, 0),
            );
            let who = subject(person, device, addr).to_owned();
            let mut g = Grouper::default();
            let acc = g.entry(String::new(), person, device, addr);
            for i in 0..picked.len() {
                acc.add(picked.ts[i], picked.evidence[i], false, 0);
            }
            acc.first = first;
            acc.last = last;
            let Some((_, mut acc)) = g.groups.pop() else { continue };
            acc.bytes = d.saturating_add(u);
            let summary = format!(
                "{who} moved {} on {} ({} down, {} up), over the daily limit of {} (evidence: the largest transfers)",
                human(d.saturating_add(u)),
                day_key(cx, first),
                human(d),
                human(u),
                human(cx.limits.daily_bytes)
            );
            out.push(finding("usage.daily-bytes", Severity::Medium, acc, None, summary));
        }
    }
    Ok(out)
}

/// Bytes for people: `4.4 GB`, `25.3 MB`.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Leisure categories whose weekly volumes are listed.
pub const LEISURE: [&str; 5] = ["streaming", "games", "music", "social-media", "file-sharing"];

/// Each person's weekly bytes in each leisure category at or over `leisure_weekly_bytes`, as
/// information for the network manager (evidence: the week's largest requests).
pub fn leisure(cx: &Context, web: &DataFrame, scan: &super::web::WebScan) -> PolarsResult<Vec<Finding>> {
    let (ts, person, ip) = (&scan.ts, &scan.who.person, &scan.who.ip);
    let wanted: Vec<u8> = LEISURE.iter().map(|c| super::web::category_index(c)).collect();
    let (down, up) = (numbers(web, "bytes_in")?, numbers(web, "bytes_out")?);
    let mut week_of_hour: HashMap<i64, String> = HashMap::default();
    // (person, address, category, week) → bytes and rows.
    type WeekKey = (u32, u32, u8, String);
    let mut totals: HashMap<WeekKey, (u64, Vec<usize>)> = HashMap::default();
    for r in 0..web.height() {
        let c = scan.category[r];
        if !wanted.contains(&c) {
            continue;
        }
        let week = week_of_hour
            .entry(ts[r].div_euclid(3_600_000))
            .or_insert_with(|| super::events::week_key(cx, ts[r]))
            .clone();
        let key = if person.ids[r] != u32::MAX {
            (person.ids[r], u32::MAX, c, week)
        } else {
            (u32::MAX, ip.ids[r], c, week)
        };
        let e = totals.entry(key).or_default();
        e.0 = e.0.saturating_add(down[r].saturating_add(up[r]));
        e.1.push(r);
    }
    let mut over: Vec<_> = totals
        .into_iter()
        .filter(|(_, (b, _))| *b >= cx.limits.leisure_weekly_bytes)
        .collect();
    over.sort_by_key(|(_, (bytes, _))| std::cmp::Reverse(*bytes));
    let mut out = Vec::new();
    for ((_, _, c, week), (bytes, mut rows)) in over {
        let (first, last) = rows
            .iter()
            .fold((i64::MAX, i64::MIN), |(a, b), &r| (a.min(ts[r]), b.max(ts[r])));
        let count = rows.len() as u64;
        rows.sort_by_key(|&r| std::cmp::Reverse(down[r].saturating_add(up[r])));
        rows.truncate(20);
        let picked = Picked::take(web, rows, &["person", "device_name", "client_ip", "host"], &[])?;
        let mut g = Grouper::default();
        let acc = g.entry(
            String::new(),
            picked.text("person", 0),
            picked.text("device_name", 0),
            picked.text("client_ip", 0),
        );
        for i in 0..picked.len() {
            acc.add(picked.ts[i], picked.evidence[i], false, 0);
            if let Some(h) = picked.text("host", i) {
                acc.details.insert(h.to_owned());
            }
        }
        let Some((_, mut acc)) = g.groups.pop() else { continue };
        (acc.first, acc.last, acc.count) = (first, last, count);
        let cat = super::web::category_name(c);
        let who = subject(acc.user.as_deref(), acc.device.as_deref(), acc.ip.as_deref()).to_owned();
        let summary = format!(
            "{who} moved {} of {cat} in week {week} ({count} requests; largest from {})",
            human(bytes),
            acc.details_list(3)
        );
        out.push(finding(
            "usage.leisure-volume",
            Severity::Info,
            acc,
            Some(cat.to_owned()),
            summary,
        ));
    }
    Ok(out)
}
