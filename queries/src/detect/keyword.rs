//! Keyword rules: PREVENT focus terms and other safeguarding terms in search terms, web
//! addresses (path and query) and mail subjects, each list with its severity
//! ([`crate::keywords`]). One finding per list, person and day.

use polars::prelude::*;
use polars_arrow::array::{Array, Utf8ViewArray};
use rayon::prelude::*;

use super::Rows;
use super::events::{Grouper, Picked, day_key, finding, subject, when};
use crate::context::Context;
use crate::findings::Finding;

/// The keyword family's findings over a web frame.
pub fn detect_web(cx: &Context, web: &DataFrame) -> PolarsResult<Vec<Finding>> {
    if cx.keywords.lists.is_empty() {
        return Ok(Vec::new());
    }
    // One chunk per column so that rows can be split between threads by index.
    let n = web.height();
    let text = |name: &str| -> PolarsResult<StringChunked> {
        Ok(match web.column(name) {
            Ok(c) => c.cast(&DataType::String)?.str()?.rechunk().into_owned(),
            Err(_) => StringChunked::full_null(name.into(), n),
        })
    };
    let (searches, paths, queries) = (text("search_terms")?, text("path")?, text("query")?);
    let (s, p, q) = (searches.downcast_get(0), paths.downcast_get(0), queries.downcast_get(0));
    fn value(a: Option<&Utf8ViewArray>, r: usize) -> Option<&str> {
        a.filter(|a| a.is_valid(r)).map(|a| a.value(r))
    }
    // Each worker remembers the texts it found clean: paths and queries repeat a great deal.
    let hits: Vec<(usize, Vec<crate::keywords::Hit>, bool)> = (0..n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map_init(rustc_hash::FxHashSet::<&str>::default, |clean, r| {
            if clean.len() > 1 << 16 {
                clean.clear();
            }
            let mut find = |text| find_cached(cx, clean, text);
            if let Some(t) = value(s, r) {
                let h = find(t);
                if !h.is_empty() {
                    return Some((r, h, true));
                }
            }
            // Addresses: the path and the query each (a bare "/" holds no words).
            let mut h = Vec::new();
            for part in [value(p, r).filter(|p| p.len() > 1), value(q, r)].into_iter().flatten() {
                for hit in find(part) {
                    if !h.contains(&hit) {
                        h.push(hit);
                    }
                }
            }
            (!h.is_empty()).then_some((r, h, false))
        })
        .flatten()
        .collect();
    let rows: Vec<usize> = hits.iter().map(|h| h.0).collect();
    let picked = Picked::take(web, rows, &["person", "device_name", "client_ip", "host"], &[])?;
    let mut groups = Grouper::default();
    for (i, (_, found, in_search)) in hits.iter().enumerate() {
        let (ts, person, device, ip) = (
            picked.ts[i],
            picked.text("person", i),
            picked.text("device_name", i),
            picked.text("client_ip", i),
        );
        let mut lists_done = Vec::new();
        for hit in found {
            let key = format!(
                "{}\u{1}{}\u{1}{}",
                hit.list,
                subject(person, device, ip),
                day_key(cx, ts)
            );
            let acc = groups.entry(key, person, device, ip);
            if !lists_done.contains(&hit.list) {
                acc.add(ts, picked.evidence[i], false, 0);
                lists_done.push(hit.list);
            }
            let place = if *in_search {
                "a search".to_owned()
            } else {
                format!("an address on {}", picked.text("host", i).unwrap_or("-"))
            };
            acc.details.insert(format!("\"{}\" in {place}", hit.term));
        }
    }
    Ok(to_findings(cx, groups))
}

/// The terms in `text`, remembering texts without any in `clean`.
fn find_cached<'a>(
    cx: &Context,
    clean: &mut rustc_hash::FxHashSet<&'a str>,
    text: &'a str,
) -> Vec<crate::keywords::Hit> {
    if clean.contains(text) {
        return Vec::new();
    }
    let h = cx.keywords.find(text);
    if h.is_empty() {
        clean.insert(text);
    }
    h
}

/// The keyword family's findings over mail subjects (the sender is the person).
pub fn detect_mail(cx: &Context, mail: &DataFrame) -> PolarsResult<Vec<Finding>> {
    if cx.keywords.lists.is_empty() || mail.height() == 0 {
        return Ok(Vec::new());
    }
    let rows = Rows::new(mail);
    let (subjects, from, ts, ev) = (
        rows.text("subject")?,
        rows.text("from")?,
        rows.time("ts")?,
        rows.evidence()?,
    );
    let mut groups = Grouper::default();
    // One match per message: recipients of the same message repeat its subject.
    let ids = rows.text("message_id")?;
    let mut seen = std::collections::HashSet::new();
    for r in 0..mail.height() {
        let Some(subject_text) = subjects[r].as_deref() else {
            continue;
        };
        let found = cx.keywords.find(subject_text);
        if found.is_empty() {
            continue;
        }
        let sender = from[r]
            .as_deref()
            .map(|f| cx.account_of(f).unwrap_or_else(|| f.to_ascii_lowercase()));
        let t = ts[r].unwrap_or(0);
        for hit in found {
            let first_of_message = seen.insert((ids[r].clone(), hit.list));
            let key = format!(
                "{}\u{1}{}\u{1}{}",
                hit.list,
                sender.as_deref().unwrap_or("-"),
                day_key(cx, t)
            );
            let acc = groups.entry(key, sender.as_deref(), None, None);
            if first_of_message {
                acc.add(t, ev[r], false, 0);
            } else if acc.evidence.len() < super::events::MAX_EVIDENCE {
                acc.evidence.push(ev[r]);
            }
            acc.details.insert(format!("\"{}\" in a mail subject", hit.term));
        }
    }
    Ok(to_findings(cx, groups))
}

fn to_findings(cx: &Context, groups: Grouper) -> Vec<Finding> {
    groups
        .groups
        .into_iter()
        .filter_map(|(key, acc)| {
            let list: usize = key.split('\u{1}').next()?.parse().ok()?;
            let list = &cx.keywords.lists[list];
            let who = subject(acc.user.as_deref(), acc.device.as_deref(), acc.ip.as_deref()).to_owned();
            let summary = format!(
                "{who}: {} term{} from the {} list, {}: {}",
                acc.count,
                if acc.count == 1 { "" } else { "s" },
                list.name,
                when(cx, acc.first, acc.last),
                acc.details_list(4)
            );
            Some(finding(list.rule, list.severity, acc, Some(list.name.clone()), summary))
        })
        .collect()
}
