//! Coverage rules: what the logs cannot see. Clients that reach the internet directly and never
//! through the web filter (unfiltered devices), the share of traffic no person could be found
//! for, and the rules that cannot run for lack of a log kind ("not observable", never "none
//! found").

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use polars::prelude::*;
use vigil_parsers::Kind;

use super::Inputs;
use super::bypass::is_internal;
use super::events::{Dict, Grouper, Picked, finding, when};
use crate::context::{Context, any_contains};
use crate::findings::{Finding, RULES, Severity};

/// Web ports: direct connections to these bypass the proxy.
const WEB_PORTS: [u64; 3] = [80, 443, 8080];

/// Devices (or addresses) with allowed web connections to the internet in the firewall log that
/// never appear as clients of the web proxy or filter. Evidence: all their connections, and the
/// DHCP leases that name them.
pub fn unfiltered_devices(
    cx: &Context,
    flow: &DataFrame,
    web: &DataFrame,
    identity: Option<&DataFrame>,
) -> PolarsResult<Vec<Finding>> {
    let web_ips: HashSet<String> = Dict::read(web, "client_ip")?
        .distinct()
        .map(|(_, n)| n.to_owned())
        .collect();
    let web_devices: HashSet<String> = Dict::read(web, "device_name")?
        .distinct()
        .map(|(_, n)| n.to_ascii_lowercase())
        .collect();
    let src = Dict::read(flow, "src_ip")?;
    let dst = Dict::read(flow, "dst_ip")?;
    let action = Dict::read(flow, "action")?;
    let port = super::events::numbers(flow, "dst_port")?;
    let candidate: HashMap<u32, bool> = src
        .distinct()
        .map(|(id, name)| {
            let ip = name.parse().ok();
            let client = ip.is_some_and(is_internal)
                && (cx.clients.is_empty() || any_contains(&cx.clients, ip))
                && !any_contains(&cx.proxies, ip)
                && !any_contains(&cx.resolvers, ip)
                && !any_contains(&cx.not_filtered, ip)
                && !web_ips.contains(name);
            (id, client)
        })
        .collect();
    let outside: HashSet<u32> = dst
        .distinct()
        .filter(|(_, n)| n.parse().is_ok_and(|ip| !is_internal(ip)))
        .map(|(id, _)| id)
        .collect();
    // Addresses with at least one allowed direct web connection out.
    let mut direct: HashSet<u32> = HashSet::default();
    #[allow(clippy::needless_range_loop)] // four columns indexed by the same row
    for r in 0..flow.height() {
        let passed = action.name(action.ids[r]).is_some_and(|a| a == "pass");
        if passed
            && candidate.get(&src.ids[r]).copied().unwrap_or(false)
            && outside.contains(&dst.ids[r])
            && WEB_PORTS.contains(&port[r])
        {
            direct.insert(src.ids[r]);
        }
    }
    let rows: Vec<usize> = (0..flow.height()).filter(|&r| direct.contains(&src.ids[r])).collect();
    let picked = Picked::take(flow, rows, &["person", "device_name", "src_ip"], &["bytes"])?;
    let mut groups = Grouper::default();
    for i in 0..picked.len() {
        let (device, ip) = (picked.text("device_name", i), picked.text("src_ip", i));
        if device.is_some_and(|d| web_devices.contains(&d.to_ascii_lowercase())) {
            continue;
        }
        let key = device.or(ip).unwrap_or("-").to_owned();
        let acc = groups.entry(key, None, device, ip);
        acc.add(
            picked.ts[i],
            picked.evidence[i],
            false,
            picked.num("bytes", i).unwrap_or(0),
        );
    }
    // The leases naming each device or address.
    if let Some(id) = identity.filter(|d| d.height() > 0) {
        let rows = super::Rows::new(id);
        let (ips, devices, events, ts, ev) = (
            rows.text("ip")?,
            rows.text("device")?,
            rows.text("event")?,
            rows.time("ts")?,
            rows.evidence()?,
        );
        // Lease rows by address, read once for all the devices found.
        let mut leases: HashMap<&str, Vec<usize>> = HashMap::default();
        for r in 0..id.height() {
            if let (Some(ip), Some("bind"), Some(_)) = (ips[r].as_deref(), events[r].as_deref(), devices[r].as_deref())
            {
                leases.entry(ip).or_default().push(r);
            }
        }
        for (_, acc) in groups.groups.iter_mut() {
            let rows = acc
                .ip
                .as_deref()
                .and_then(|ip| leases.get(ip))
                .map_or(&[][..], Vec::as_slice);
            for &r in rows {
                let same_device = acc.device.is_none()
                    || devices[r].as_deref().map(str::to_ascii_lowercase)
                        == acc.device.as_deref().map(str::to_ascii_lowercase);
                if same_device {
                    let t = ts[r].unwrap_or(0);
                    acc.first = acc.first.min(t);
                    acc.last = acc.last.max(t);
                    acc.count += 1;
                    acc.evidence.push(ev[r]);
                }
            }
        }
    }
    Ok(groups
        .groups
        .into_iter()
        .map(|(key, acc)| {
            let summary = format!(
                "{key} ({}) reached the internet directly ({} connections, {} moved), {}, and never appears in the web filter's logs: its traffic is not filtered",
                acc.ip.as_deref().unwrap_or("-"),
                acc.count,
                super::usage::human(acc.bytes),
                when(cx, acc.first, acc.last)
            );
            finding("coverage.unfiltered-device", Severity::High, acc, Some("unfiltered".to_owned()), summary)
        })
        .collect())
}

/// Rules that cannot run because no source of the kinds they need was read.
pub fn not_observable(inputs: &Inputs) -> Vec<Finding> {
    let mut by_missing: Vec<(String, Vec<&str>)> = Vec::new();
    for rule in RULES {
        if rule.needs.is_empty() || rule.needs.iter().any(|k| inputs.has(*k)) {
            continue;
        }
        let missing: Vec<&str> = rule.needs.iter().map(|k| k.as_str()).collect();
        let missing = missing.join(" or ");
        match by_missing.iter_mut().find(|(m, _)| *m == missing) {
            Some((_, rules)) => rules.push(rule.name),
            None => by_missing.push((missing, vec![rule.name])),
        }
    }
    let span = inputs
        .sources
        .iter()
        .filter_map(|s| s.span)
        .fold(None, |acc: Option<(i64, i64)>, (a, b)| {
            Some(acc.map_or((a, b), |(x, y)| (x.min(a), y.max(b))))
        })
        .unwrap_or((0, 0));
    by_missing
        .into_iter()
        .map(|(missing, rules)| {
            Finding::new(
                "coverage.not-observable",
                Severity::Info,
                span,
                None,
                None,
                None,
                Some(format!("no {missing} logs")),
                format!("not observable (no {missing} logs): {}", rules.join(", ")),
                0,
                Vec::new(),
            )
        })
        .collect()
}

/// Web sources where fewer than nine in ten requests could be attributed to a person.
pub fn unidentified(inputs: &Inputs, shares: &[(u32, u64, u64)]) -> Vec<Finding> {
    shares
        .iter()
        .filter(|(_, attributed, rows)| *rows > 0 && (*attributed as f64) < 0.9 * (*rows as f64))
        .filter_map(|&(source, attributed, rows)| {
            let s = inputs.sources.get(source as usize)?;
            (s.kind == Some(Kind::Web)).then(|| {
                Finding::new(
                    "coverage.unidentified",
                    Severity::Low,
                    s.span.unwrap_or((0, 0)),
                    None,
                    None,
                    None,
                    Some(s.path.clone()),
                    format!(
                        "{}: {} of {rows} requests ({:.0}%) could not be attributed to a person (no user in the log and no identity source for the address)",
                        s.path,
                        rows - attributed,
                        100.0 * (rows - attributed) as f64 / rows as f64
                    ),
                    rows - attributed,
                    Vec::new(),
                )
            })
        })
        .collect()
}

/// Gaps: stretches of school hours (on school days between a source's first and last record)
/// longer than `source_gap_minutes` with no record from a web or firewall source, one finding
/// per gap. A log that stops while the school is open is a hole in the record.
pub fn gaps(cx: &Context, df: &DataFrame, inputs: &Inputs) -> PolarsResult<Vec<Finding>> {
    let (ts, source) = (super::events::times(df)?, super::events::numbers(df, "source")?);
    let mut by_source: HashMap<u64, Vec<i64>> = HashMap::default();
    for (&t, &s) in ts.iter().zip(&source) {
        by_source.entry(s).or_default().push(t);
    }
    drop((ts, source));
    let limit = i64::from(cx.limits.source_gap_minutes.max(1)) * 60_000;
    let mut out = Vec::new();
    let mut sources: Vec<_> = by_source.into_iter().collect();
    sources.sort_by_key(|(s, _)| *s);
    for (source, mut times) in sources {
        times.sort_unstable();
        let path = inputs.sources.get(source as usize).map_or("-", |s| s.path.as_str());
        for w in times.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b - a <= limit {
                continue;
            }
            // The school-hours minutes inside the silence, counted a minute at a time over
            // school days only (a silence overnight or at the weekend is normal).
            let mut silent = 0i64;
            let (mut start, mut end) = (None, None);
            let mut t = a + 60_000;
            while t < b {
                if cx.school_hours(cx.local(t)) {
                    silent += 1;
                    start.get_or_insert(t);
                    end = Some(t);
                } else if silent * 60_000 > limit {
                    break;
                } else {
                    silent = 0;
                    start = None;
                }
                t += 60_000;
            }
            if silent * 60_000 > limit
                && let (Some(s), Some(e)) = (start, end)
            {
                out.push(Finding::new(
                    "coverage.gap",
                    Severity::Medium,
                    (s, e),
                    None,
                    None,
                    None,
                    Some(path.to_owned()),
                    format!(
                        "{path} has no records for {silent} minutes of school hours, {}: the log may have stopped or the source may be down",
                        when(cx, s, e)
                    ),
                    0,
                    Vec::new(),
                ));
            }
        }
    }
    Ok(out)
}
