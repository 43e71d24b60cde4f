//! Bypass rules: ways round the filter. From web logs: VPN, proxy and anonymiser services (with
//! the searches for ways round the filter that usually come first), DNS-over-HTTPS resolvers,
//! Tor gateways, HTTPS tunnels to bare IP addresses, and bursts of blocked requests. From
//! firewall logs: VPN protocols, Tor ports, DNS/DoT/DoQ to resolvers other than the school's,
//! and QUIC where the school blocks it.

use std::net::IpAddr;

use rustc_hash::FxHashMap as HashMap;

use polars::prelude::*;

use super::events::{
    Dict, Grouper, Picked, RowGroups, SubjectKey, acc_of, day_key, finding, is_bare_ip, subject, when,
};
use super::web::{WebScan, category_index, is_auth_challenge, is_blocked};
use crate::context::{Context, any_contains};
use crate::findings::{Finding, Severity};
use crate::keywords::fold;

/// Words in a search that look for ways round the filter.
pub const BYPASS_TERMS: &[&str] = &[
    " vpn ",
    " vpns ",
    " proxy ",
    " proxies ",
    " unblocked ",
    " unblock ",
    " unblocker ",
    " bypass ",
    " get past ",
    " get around ",
    " get round ",
    " hide my ip ",
    " tor browser ",
    " school wifi block ",
];

/// Whether a search looks for ways round the filter.
pub fn is_bypass_search(terms: &str) -> bool {
    let f = fold(terms);
    BYPASS_TERMS.iter().any(|t| f.contains(t))
}

/// Whether an address is private, loopback or link-local (inside the school).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.is_private() || v.is_loopback() || v.is_link_local() || v.is_unspecified(),
        IpAddr::V6(v) => {
            v.is_loopback() || (v.segments()[0] & 0xfe00) == 0xfc00 || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The bypass family's findings over a web frame.
pub fn detect_web(cx: &Context, web: &DataFrame, scan: &WebScan) -> PolarsResult<Vec<Finding>> {
    let (vpn, doh, tor) = (
        category_index("vpn-proxy"),
        category_index("doh"),
        category_index("tor"),
    );
    let bare: std::collections::HashSet<u32> = scan
        .host
        .distinct()
        .filter(|(_, h)| is_bare_ip(h) && h.parse().is_ok_and(|ip| !is_internal(ip)))
        .map(|(id, _)| id)
        .collect();
    let searches = web
        .column("search_terms")
        .ok()
        .map(|c| c.cast(&DataType::String))
        .transpose()?;
    let search_hit: Vec<bool> = match &searches {
        Some(s) => s.str()?.iter().map(|t| t.is_some_and(is_bypass_search)).collect(),
        None => vec![false; web.height()],
    };
    let rows: Vec<usize> = (0..scan.category.len())
        .filter(|&r| {
            let c = scan.category[r];
            !is_auth_challenge(scan.action[r])
                && (c == vpn || c == doh || c == tor || bare.contains(&scan.host.ids[r]) || search_hit[r])
        })
        .collect();
    let picked = Picked::take(
        web,
        rows,
        &["person", "device_name", "client_ip", "host", "method", "search_terms"],
        &["port"],
    )?;
    let mut groups = Grouper::default();
    for i in 0..picked.len() {
        let row = picked.rows[i];
        let (ts, person, device, ip) = (
            picked.ts[i],
            picked.text("person", i),
            picked.text("device_name", i),
            picked.text("client_ip", i),
        );
        let who = subject(person, device, ip);
        let day = day_key(cx, ts);
        let blocked = is_blocked(scan.action[row]);
        let host = picked.text("host", i).unwrap_or("-");
        let c = scan.category[row];
        let mut add = |family: &str, detail: String| {
            let acc = groups.entry(format!("{family}\u{1}{who}\u{1}{day}"), person, device, ip);
            acc.add(ts, picked.evidence[i], blocked, 0);
            acc.details.insert(detail);
        };
        if c == vpn {
            add("vpn", format!("site {host}"));
        } else if search_hit[row] {
            add(
                "vpn",
                format!("search \"{}\"", picked.text("search_terms", i).unwrap_or("")),
            );
        } else if c == doh {
            add("doh", host.to_owned());
        } else if c == tor {
            add("tor", host.to_owned());
        } else if bare.contains(&scan.host.ids[row]) {
            let connect = picked
                .text("method", i)
                .is_some_and(|m| m.eq_ignore_ascii_case("CONNECT"));
            if connect || picked.num("port", i) == Some(443) {
                add("direct-ip", host.to_owned());
            }
        }
    }
    let mut out = Vec::new();
    for (key, acc) in groups.groups {
        let family = key.split('\u{1}').next().unwrap_or("");
        let who = subject(acc.user.as_deref(), acc.device.as_deref(), acc.ip.as_deref()).to_owned();
        let span = when(cx, acc.first, acc.last);
        let details = acc.details_list(4);
        let (rule, severity, about, summary) = match family {
            "vpn" if acc.details.iter().any(|d| d.starts_with("site ")) => (
                "bypass.vpn",
                Severity::High,
                "vpn-proxy",
                format!(
                    "{who} tried VPN or proxy services to get round the filter, {span}: {details} ({})",
                    acc.blocked_phrase()
                ),
            ),
            "vpn" => (
                "bypass.search",
                Severity::Medium,
                "search",
                format!("{who} searched for ways round the filter, {span}: {details}"),
            ),
            "doh" => (
                "bypass.doh",
                Severity::Medium,
                "doh",
                format!(
                    "{who} resolved names over DNS-over-HTTPS ({details}) {} times, {span}, out of sight of the school's DNS filtering ({})",
                    acc.count,
                    acc.blocked_phrase()
                ),
            ),
            "tor" => (
                "bypass.tor",
                Severity::High,
                "tor",
                format!(
                    "{who} reached Tor gateways ({details}), {span} ({})",
                    acc.blocked_phrase()
                ),
            ),
            _ => (
                "bypass.direct-ip",
                Severity::Medium,
                "bare-ip",
                format!(
                    "{who} opened {} HTTPS tunnels to a bare IP address ({details}), {span}: no host name for the filter to judge ({})",
                    acc.count,
                    acc.blocked_phrase()
                ),
            ),
        };
        out.push(finding(rule, severity, acc, Some(about.to_owned()), summary));
    }
    out.extend(block_bursts(cx, web, scan)?);
    Ok(out)
}

/// Bursts: at least `block_burst` blocked requests by one person within `block_burst_minutes`;
/// overlapping windows make one finding. Found on dictionary ids; only the bursts' rows are read.
fn block_bursts(cx: &Context, web: &DataFrame, scan: &WebScan) -> PolarsResult<Vec<Finding>> {
    let need = cx.limits.block_burst.max(2) as usize;
    let window = i64::from(cx.limits.block_burst_minutes) * 60_000;
    let (who, ts) = (&scan.who, &scan.ts);
    let mut blocked: HashMap<SubjectKey, Vec<usize>> = HashMap::default();
    for r in 0..scan.action.len() {
        if is_blocked(scan.action[r]) {
            blocked.entry(who.key(r)).or_default().push(r);
        }
    }
    let mut subjects: Vec<(SubjectKey, Vec<usize>)> =
        blocked.into_iter().filter(|(_, rows)| rows.len() >= need).collect();
    subjects.sort_unstable_by_key(|(k, _)| *k);
    let mut groups: RowGroups<(SubjectKey, usize)> = RowGroups::default();
    for (key, mut rows) in subjects {
        rows.sort_by_key(|&r| ts[r]);
        // Windows of `need` blocks within `window`; overlapping ones join one burst.
        let mut bursts: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for end in 0..rows.len() {
            while ts[rows[end]] - ts[rows[start]] > window {
                start += 1;
            }
            if end + 1 - start >= need {
                match bursts.last_mut() {
                    Some((_, b)) if start <= *b => *b = end,
                    _ => bursts.push((start, end)),
                }
            }
        }
        for (n, (a, b)) in bursts.into_iter().enumerate() {
            for &r in &rows[a..=b] {
                groups.add((key, n), r, ts[r], true, scan.host.ids[r]);
            }
        }
    }
    let mut out = Vec::new();
    for (g, evidence) in groups.finish(web)? {
        let hosts: Vec<String> = g
            .details
            .iter()
            .filter_map(|&h| scan.host.name(h))
            .map(str::to_owned)
            .collect();
        let acc = acc_of(who, &g, evidence, hosts);
        let name = subject(acc.user.as_deref(), acc.device.as_deref(), acc.ip.as_deref()).to_owned();
        let summary = format!(
            "{name} had {} requests blocked within {} minutes, {} ({} sites: {})",
            acc.count,
            cx.limits.block_burst_minutes,
            when(cx, acc.first, acc.last),
            acc.details.len(),
            acc.details_list(4)
        );
        out.push(finding("bypass.block-burst", Severity::Medium, acc, None, summary));
    }
    Ok(out)
}

/// VPN protocols by port and transport (`None` = any transport).
const VPN_PORTS: &[(u64, Option<&str>, &str)] = &[
    (1194, None, "OpenVPN"),
    (51820, Some("UDP"), "WireGuard"),
    (500, Some("UDP"), "IKE"),
    (4500, Some("UDP"), "IPsec NAT-T"),
    (1701, Some("UDP"), "L2TP"),
    (1723, Some("TCP"), "PPTP"),
];
/// Tor's usual ports (ORPort, DirPort, SOCKS, control, browser SOCKS).
const TOR_PORTS: &[u64] = &[9001, 9030, 9050, 9051, 9150];

/// The bypass family's findings over a firewall frame (attributed: `person`, `device_name`).
pub fn detect_flow(cx: &Context, flow: &DataFrame) -> PolarsResult<Vec<Finding>> {
    let proto = Dict::read(flow, "proto")?;
    let src = Dict::read(flow, "src_ip")?;
    let dst = Dict::read(flow, "dst_ip")?;
    let port = super::events::numbers(flow, "dst_port")?;
    let addr = |d: &Dict, id: u32| d.name(id).and_then(|s| s.parse::<IpAddr>().ok());
    // Per distinct address: is it a client of the school, and is the destination outside?
    let mut client: HashMap<u32, bool> = Default::default();
    for (id, _) in src.distinct() {
        let ip = addr(&src, id);
        let is_client = ip.is_some_and(is_internal)
            && !any_contains(&cx.resolvers, ip)
            && !any_contains(&cx.proxies, ip)
            && !any_contains(&cx.not_filtered, ip);
        client.insert(id, is_client);
    }
    let mut outside: HashMap<u32, (bool, bool)> = Default::default();
    for (id, _) in dst.distinct() {
        let ip = addr(&dst, id);
        outside.insert(
            id,
            (ip.is_some_and(|i| !is_internal(i)), any_contains(&cx.resolvers, ip)),
        );
    }
    let proto_name = |r: usize| proto.name(proto.ids[r]).unwrap_or("");
    let mut kinds = vec![0u8; flow.height()];
    let mut rows = Vec::new();
    for r in 0..flow.height() {
        if !client.get(&src.ids[r]).copied().unwrap_or(false) {
            continue;
        }
        let (out_dst, school_resolver) = outside.get(&dst.ids[r]).copied().unwrap_or((false, false));
        let p = port[r];
        let pr = proto_name(r);
        let vpn_port = out_dst && VPN_PORTS.iter().any(|(vp, t, _)| *vp == p && t.is_none_or(|t| t == pr));
        let kind = if pr == "ESP" || pr == "GRE" || pr == "AH" || vpn_port {
            1
        } else if out_dst && TOR_PORTS.contains(&p) && pr != "UDP" {
            2
        } else if (p == 53 || p == 853) && !school_resolver && out_dst {
            3
        } else if cx.policy.network.block_quic && out_dst && p == 443 && pr == "UDP" {
            4
        } else {
            0
        };
        if kind != 0 {
            kinds[r] = kind;
            rows.push(r);
        }
    }
    let picked = Picked::take(
        flow,
        rows,
        &["person", "device_name", "src_ip", "dst_ip", "proto", "action"],
        &["dst_port"],
    )?;
    let mut groups = Grouper::default();
    for i in 0..picked.len() {
        let kind = kinds[picked.rows[i]];
        let (ts, person, device, ip) = (
            picked.ts[i],
            picked.text("person", i),
            picked.text("device_name", i),
            picked.text("src_ip", i),
        );
        let who = subject(person, device, ip);
        let acc = groups.entry(format!("{kind}\u{1}{who}\u{1}{}", day_key(cx, ts)), person, device, ip);
        let blocked = picked.text("action", i).is_some_and(|a| a == "block" || a == "reject");
        acc.add(ts, picked.evidence[i], blocked, 0);
        let p = picked.num("dst_port", i).unwrap_or(0);
        let pr = picked.text("proto", i).unwrap_or("");
        let detail = match kind {
            1 => VPN_PORTS
                .iter()
                .find(|(vp, _, _)| *vp == p)
                .map_or(pr.to_owned(), |(_, _, name)| {
                    format!("{name} ({p}/{})", pr.to_ascii_lowercase())
                }),
            3 => format!("{} on {p}", picked.text("dst_ip", i).unwrap_or("-")),
            _ => format!("{p}/{}", pr.to_ascii_lowercase()),
        };
        acc.details.insert(detail);
    }
    let mut out = Vec::new();
    for (key, acc) in groups.groups {
        let kind = key.split('\u{1}').next().unwrap_or("");
        let who = subject(acc.user.as_deref(), acc.device.as_deref(), acc.ip.as_deref()).to_owned();
        let span = when(cx, acc.first, acc.last);
        let details = acc.details_list(4);
        let n = acc.count;
        let phrase = acc.blocked_phrase();
        let (rule, severity, about, summary) = match kind {
            "1" => (
                "bypass.vpn-protocol",
                Severity::High,
                "vpn",
                format!("{who} tried VPN protocols to outside servers {n} times, {span}: {details} ({phrase})"),
            ),
            "2" => (
                "bypass.tor",
                Severity::High,
                "tor",
                format!("{who} connected to Tor relay ports {n} times, {span}: {details} ({phrase})"),
            ),
            "3" => (
                "bypass.outside-dns",
                Severity::Medium,
                "dns",
                format!("{who} sent DNS to resolvers other than the school's {n} times, {span}: {details} ({phrase})"),
            ),
            _ => (
                "bypass.quic",
                Severity::Low,
                "quic",
                format!("{who} tried QUIC (UDP 443), which the school blocks, {n} times, {span} ({phrase})"),
            ),
        };
        out.push(finding(rule, severity, acc, Some(about.to_owned()), summary));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bypass_searches_and_addresses() {
        assert!(is_bypass_search("how to get past school wifi block vpn"));
        assert!(is_bypass_search("free+VPN+no+download"));
        assert!(is_bypass_search("unblocked games 66"));
        assert!(!is_bypass_search("vpnx"));
        assert!(!is_bypass_search("photosynthesis"));
        assert!(is_internal("10.40.1.1".parse().expect("ip")));
        assert!(!is_internal("9.9.9.9".parse().expect("ip")));
    }
}
