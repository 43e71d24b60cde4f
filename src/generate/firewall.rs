//! The FortiGate's traffic log, as it arrives over syslog (`<189>` and the `key=value` message):
//!
//! ```text
//! <189>date=2026-11-16 time=08:40:00 devname="KB-FGT60F" devid="FGT60F0000000001" eventtime=1794818400123456789 tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.40.1.10 srcport=51234 srcintf="internal" srcintfrole="lan" dstip=142.250.12.34 dstport=443 dstintf="wan1" dstintfrole="wan" srccountry="Reserved" dstcountry="United States" sessionid=1234567 proto=6 action="close" policyid=1 policytype="policy" policyname="proxy-out" service="HTTPS" trandisp="snat" transip=198.51.100.10 transport=61234 duration=12 sentbyte=2345 rcvdbyte=56789 sentpkt=20 rcvdpkt=45 appcat="unscanned"
//! ```
//!
//! What crosses the firewall in this school:
//! - the proxy server's own upstream sessions (policy 1): the proxy log's requests, pooled into
//!   persistent connections per host, logged when Squid closes them;
//! - the resolver forwarding DNS to the ISP's resolvers (policy 2) and NTP (policy 3);
//! - Windows Update and the Office CDN straight from Windows devices (policy 4, as Microsoft
//!   advises: no proxy for them);
//! - a legacy "LAN to internet on 443" rule (policy 7) that only the planted unfiltered device
//!   and the planted large upload use;
//! - everything else from the LAN hits the implicit deny (policy 0): planted VPN, outside-DNS and
//!   Tor attempts, and a few ordinary SMB attempts;
//! - probes from the internet at the public address, denied by the local-in policy.
//!
//! `date`/`time` are the firewall's local time (Europe/London) with `tz` its offset; `eventtime`
//! is nanoseconds since the epoch, the session's end (a session is logged when it closes).

use super::network::{self, FIREWALL_NAME, FIREWALL_SERIAL, PUBLIC_IP};
use super::school::{DeviceKind, Role};
use super::{
    Chunk, Event, Incident, Outcome, Presence, Recs, Registry, World, local_ms, lognormal, london, peer_ip, poisson,
    site_at, sites::Transport,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

const SALT_PLAN: u64 = 0xF12E_0A11_0000_0001;
const SALT_DAY: u64 = 0xF12E_0A11_0000_0002;

/// The proxy's `server_idle_pconn_timeout` (raised from Squid's default minute to four): an idle
/// upstream connection is closed after it.
const IDLE_MS: i64 = 240_000;

/// How a session met the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// An accepting forward policy: (id, name).
    Accept(u32, &'static str),
    /// The implicit deny at the end of the forward policies.
    Deny,
    /// Denied by the local-in policy (traffic to the firewall's own address).
    LocalIn,
}

/// One logged session.
#[derive(Debug, Clone)]
struct Flow {
    /// When it closed (or was denied), UTC ms, and the nanoseconds beyond.
    end: i64,
    nanos: u32,
    /// Seconds it lasted.
    duration: u64,
    src: String,
    sport: u16,
    dst: String,
    dport: u16,
    /// 6 or 17.
    proto: u8,
    rule: Rule,
    action: &'static str,
    app: Option<(&'static str, &'static str)>,
    sent: u64,
    rcvd: u64,
    incident: u16,
}

impl Flow {
    fn start(&self) -> i64 {
        self.end - (self.duration as i64) * 1000
    }
}

/// The planted firewall incidents.
pub(super) struct FwPlan {
    /// Planted sessions, per day.
    per_day: Vec<Vec<Flow>>,
    /// (person, time) of each planted session, per day: their device is on then.
    activity: Vec<Vec<(usize, i64)>>,
    /// The number of the unfiltered-device incident (its sessions are made day by day).
    pub unfiltered: u16,
}

impl FwPlan {
    /// (person, time) of the planted sessions of day `i`.
    pub fn activity(&self, i: usize) -> &[(usize, i64)] {
        self.activity.get(i).map_or(&[], Vec::as_slice)
    }
}

fn denied(rng: &mut ChaCha8Rng, ts: i64, src: &str, sport: u16, dst: &str, dport: u16, proto: u8) -> Flow {
    Flow {
        end: ts,
        nanos: rng.random_range(0..1_000_000),
        duration: 0,
        src: src.to_owned(),
        sport,
        dst: dst.to_owned(),
        dport,
        proto,
        rule: Rule::Deny,
        action: "deny",
        app: None,
        sent: 0,
        rcvd: 0,
        incident: 0,
    }
}

fn ephemeral(rng: &mut ChaCha8Rng) -> u16 {
    rng.random_range(49_152..=65_535)
}

/// Chooses who and when for the planted firewall incidents.
pub(super) fn plan(world: &World, reg: &mut Registry) -> FwPlan {
    let mut rng = world.rng(SALT_PLAN, usize::MAX);
    let school = world.school;
    let n = world.days.len();
    let day = |d: usize| d.min(n - 1);
    let mut per_day: Vec<Vec<Flow>> = vec![Vec::new(); n];
    let mut activity: Vec<Vec<(usize, i64)>> = vec![Vec::new(); n];
    let ip_of = |p: usize| school.devices[school.people[p].device].ip.clone();

    // WireGuard, then OpenVPN, from a pupil's Chromebook during a lesson: all denied.
    let older = |p: &super::school::Person| p.year.is_some_and(|y| y >= 9);
    let chromebook =
        |p: &super::school::Person, d: &super::school::Device| older(p) && d.kind == DeviceKind::Chromebook;
    if let Some(p) = reg.pick(&mut rng, school, Role::Pupil, chromebook) {
        let inc = reg.add(
            Incident::new(
                "bypass.vpn-protocol",
                "vpn-proxy",
                "high",
                "A pupil's Chromebook tried WireGuard (51820/udp) and then OpenVPN (1194/udp) to outside \
                 servers during a lesson (all denied by the firewall)"
                    .to_owned(),
            )
            .about(school, p),
        );
        let d = day(2);
        let ip = ip_of(p);
        let wg_port = ephemeral(&mut rng);
        for k in 0..6u32 {
            let ts = local_ms(world.days[d], 13 * 60 + 52, k * 21_000 + rng.random_range(0..900));
            let mut f = denied(&mut rng, ts, &ip, wg_port, "203.0.113.51", 51_820, 17);
            f.incident = inc;
            per_day[d].push(f);
            activity[d].push((p, ts));
        }
        for k in 0..4u32 {
            let ts = local_ms(world.days[d], 13 * 60 + 56, k * 33_000 + rng.random_range(0..900));
            let sport = ephemeral(&mut rng);
            let mut f = denied(&mut rng, ts, &ip, sport, "203.0.113.94", 1194, 17);
            f.incident = inc;
            per_day[d].push(f);
            activity[d].push((p, ts));
        }
    }

    // A Chromebook with Android's "Private DNS" set to an outside resolver: DNS-over-TLS to 853,
    // falling back to plain DNS to the same resolver, all day.
    if let Some(p) = reg.pick(&mut rng, school, Role::Pupil, chromebook) {
        let inc = reg.add(
            Incident::new(
                "bypass.outside-dns",
                "dns",
                "medium",
                "A pupil's Chromebook sent DNS to an outside resolver (9.9.9.9, DNS-over-TLS on 853 and plain \
                 DNS on 53) instead of the school's filtering resolver (denied)"
                    .to_owned(),
            )
            .about(school, p),
        );
        let d = day(1);
        let ip = ip_of(p);
        for k in 0..8u32 {
            let ts = local_ms(world.days[d], 9 * 60 + 5 + k * 41, rng.random_range(0..59_000));
            let sport = ephemeral(&mut rng);
            let mut f = denied(&mut rng, ts, &ip, sport, "9.9.9.9", 853, 6);
            f.incident = inc;
            per_day[d].push(f);
            activity[d].push((p, ts));
            if k % 2 == 1 || k == 0 {
                let ts = ts + rng.random_range(1_000..4_000);
                let sport = ephemeral(&mut rng);
                let mut f = denied(&mut rng, ts, &ip, sport, "9.9.9.9", 53, 17);
                f.incident = inc;
                per_day[d].push(f);
                activity[d].push((p, ts));
            }
        }
    }

    // Tor Browser run from a USB stick on a classroom desktop: ORPort and DirPort connections to
    // relays, all denied.
    let desktop = |p: &super::school::Person, d: &super::school::Device| older(p) && d.kind == DeviceKind::Desktop;
    if let Some(p) = reg.pick(&mut rng, school, Role::Pupil, desktop) {
        let inc = reg.add(
            Incident::new(
                "bypass.tor",
                "tor",
                "high",
                "Tor connections (ORPort 9001, DirPort 9030) from a classroom desktop to several relays \
                 (all denied)"
                    .to_owned(),
            )
            .about(school, p),
        );
        let d = day(4);
        let ip = ip_of(p);
        for k in 0..12u32 {
            let relay = format!("203.0.113.{}", 101 + k % 6);
            let port = if k == 5 || k == 11 { 9030 } else { 9001 };
            let ts = local_ms(
                world.days[d],
                10 * 60 + 21 + k / 6 * 3,
                (k % 6) * 4_000 + rng.random_range(0..2_500),
            );
            let sport = ephemeral(&mut rng);
            let mut f = denied(&mut rng, ts, &ip, sport, &relay, port, 6);
            f.incident = inc;
            per_day[d].push(f);
            activity[d].push((p, ts));
        }
    }

    // The media-suite PC: its sessions are made with each day's traffic.
    let media = network::media_pc();
    let mut unfiltered = Incident::new(
        "coverage.unfiltered-device",
        "coverage",
        "high",
        format!(
            "{} has a DHCP lease and talks straight to the internet on 443 with large transfers every day, \
             but never appears in the proxy log (and is not enrolled in Intune): its traffic is not filtered",
            media.hostname
        ),
    );
    unfiltered.device = media.hostname.to_owned();
    unfiltered.ip = media.ip.to_owned();
    let unfiltered = reg.add(unfiltered);

    // A member of staff's laptop uploads 3 GB to a cloud storage service after school.
    if let Some(p) = reg.pick(&mut rng, school, Role::Staff, |_, _| true) {
        let inc = reg.add(
            Incident::new(
                "usage.large-upload",
                "upload",
                "medium",
                "A 3.2 GB upload from a staff laptop straight to a cloud storage service after school".to_owned(),
            )
            .about(school, p),
        );
        let d = day(1);
        let duration = 2_460;
        let end = local_ms(world.days[d], 16 * 60 + 5, 0) + duration * 1000 + rng.random_range(0..999);
        let sent = 3_221_225_472 + rng.random_range(0..90_000_000);
        per_day[d].push(Flow {
            end,
            nanos: rng.random_range(0..1_000_000),
            duration: duration as u64,
            src: ip_of(p),
            sport: ephemeral(&mut rng),
            dst: "203.0.113.140".to_owned(),
            dport: 443,
            proto: 6,
            rule: Rule::Accept(7, "lan-https-direct"),
            action: "close",
            app: Some(("Dropbox", "Storage.Backup")),
            sent,
            rcvd: sent / 180 + rng.random_range(0..2_000_000),
            incident: inc,
        });
        activity[d].push((p, end - duration * 1000));
        activity[d].push((p, end));
    }

    FwPlan {
        per_day,
        activity,
        unfiltered,
    }
}

/// One day of the firewall's log.
pub(super) fn day(world: &World, plan: &FwPlan, i: usize, events: &[Event], presence: &Presence) -> Chunk {
    let mut rng = world.rng(SALT_DAY, i);
    let date = world.days[i];
    let scale = world.scale;
    let midnight = local_ms(date, 0, 0);
    let next_midnight = local_ms(date.succ_opt().unwrap_or(date), 0, 0);
    let mut flows = upstream(&mut rng, events);

    // DNS forwarded by the resolver: some lookups per upstream session, and a trickle all night.
    let lookups: Vec<i64> = flows
        .iter()
        .filter(|_| rng.random_bool(0.12))
        .map(|f| f.start() - 400)
        .collect();
    let mut dns_times = lookups;
    for hour in 0..24u32 {
        for _ in 0..poisson(&mut rng, 3.0 * scale) {
            dns_times.push(local_ms(date, hour * 60, rng.random_range(0..3_600_000)));
        }
    }
    for ts in dns_times {
        let fwd = *network::FORWARDERS.choose(&mut rng).unwrap_or(&network::FORWARDERS[0]);
        let q = rng.random_range(60..90);
        flows.push(Flow {
            end: ts + 180_000,
            nanos: rng.random_range(0..1_000_000),
            duration: 180,
            src: network::RESOLVER_IP.to_owned(),
            sport: ephemeral(&mut rng),
            dst: fwd.to_owned(),
            dport: 53,
            proto: 17,
            rule: Rule::Accept(2, "dns-forwarders"),
            action: "accept",
            app: None,
            sent: q,
            rcvd: q + rng.random_range(16..380),
            incident: 0,
        });
    }

    // NTP: the domain controller polls both servers hourly.
    for hour in 0..24u32 {
        for (k, server) in network::NTP_SERVERS.iter().enumerate() {
            let ts = local_ms(date, hour * 60 + 7 + 29 * k as u32, rng.random_range(0..60_000)) + 180_000;
            flows.push(Flow {
                end: ts,
                nanos: rng.random_range(0..1_000_000),
                duration: 180,
                src: network::RESOLVER_IP.to_owned(),
                sport: 123,
                dst: (*server).to_owned(),
                dport: 123,
                proto: 17,
                rule: Rule::Accept(3, "ntp-out"),
                action: "accept",
                app: None,
                sent: 76,
                rcvd: 76,
                incident: 0,
            });
        }
    }

    // Windows Update and Office CDN straight from Windows devices that are on.
    const DIRECT: &[(&str, u16)] = &[
        ("download.windowsupdate.com", 80),
        ("au.download.windowsupdate.com", 80),
        ("tlu.dl.delivery.mp.microsoft.com", 80),
        ("officecdn.microsoft.com", 443),
        ("fe2cr.update.microsoft.com", 443),
    ];
    let school = world.school;
    for (person, p) in school.people.iter().enumerate() {
        let dev = &school.devices[p.device];
        let Some((from, to)) = presence.span[person] else {
            continue;
        };
        if !matches!(dev.kind, DeviceKind::StaffLaptop | DeviceKind::Desktop) {
            continue;
        }
        for _ in 0..poisson(&mut rng, 0.3 * scale) {
            let &(host, port) = DIRECT.choose(&mut rng).unwrap_or(&DIRECT[0]);
            let rcvd = (lognormal(&mut rng, 6_000_000.0, 1.4) as u64).min(850_000_000);
            let duration = 1 + rcvd / 2_500_000;
            let start = rng.random_range(from..=to.max(from));
            flows.push(Flow {
                end: (start + duration as i64 * 1000).min(to.max(start)),
                nanos: rng.random_range(0..1_000_000),
                duration,
                src: dev.ip.clone(),
                sport: ephemeral(&mut rng),
                dst: peer_ip(host),
                dport: port,
                proto: 6,
                rule: Rule::Accept(4, "m365-windows-update-direct"),
                action: if rng.random_bool(0.95) { "close" } else { "timeout" },
                app: None,
                sent: 1_200 + rcvd / 90,
                rcvd,
                incident: 0,
            });
        }
    }

    // A few ordinary denials: SMB to the internet from staff laptops (a file:// link in a mail).
    let staff: Vec<usize> = school
        .with_role(Role::Staff)
        .into_iter()
        .filter(|&p| presence.span[p].is_some())
        .collect();
    for _ in 0..rng.random_range(1..=4) {
        let Some(&p) = staff.choose(&mut rng) else {
            break;
        };
        let Some((from, to)) = presence.span[p] else {
            continue;
        };
        let ts = rng.random_range(from..=to.max(from));
        let dst = format!("192.0.2.{}", rng.random_range(200..=230));
        let ip = school.devices[school.people[p].device].ip.clone();
        for k in 0..2 {
            let sport = ephemeral(&mut rng);
            flows.push(denied(&mut rng, ts + k * 3_000, &ip, sport, &dst, 445, 6));
        }
    }

    // The unfiltered media-suite PC: streaming and uploads, straight out on 443.
    let media = network::media_pc();
    let (on, off) = media_pc_span(date);
    const MEDIA: &[(&str, &str, &str, f64)] = &[
        (
            "rr4---sn-aigl6nze.googlevideo.com",
            "YouTube",
            "Video/Audio",
            180_000_000.0,
        ),
        ("www.youtube.com", "YouTube", "Video/Audio", 20_000_000.0),
        ("i.ytimg.com", "YouTube", "Video/Audio", 6_000_000.0),
        ("www.dropbox.com", "Dropbox", "Storage.Backup", 90_000_000.0),
        ("vimeo.com", "Vimeo", "Video/Audio", 120_000_000.0),
        ("www.instagram.com", "Instagram", "Social.Media", 25_000_000.0),
    ];
    for _ in 0..rng.random_range(16..=28) {
        let &(host, app, cat, median) = MEDIA.choose(&mut rng).unwrap_or(&MEDIA[0]);
        // Big, but each under the 1 GB a "large transfer" rule looks for: the finding here is the
        // missing filtering, not one transfer.
        let rcvd = (lognormal(&mut rng, median, 0.9) as u64).min(950_000_000);
        let sent = if app == "Dropbox" && rng.random_bool(0.5) {
            (lognormal(&mut rng, 250_000_000.0, 0.6) as u64).min(600_000_000)
        } else {
            rcvd / 40
        };
        let duration = 5 + (rcvd + sent) / 4_000_000;
        let end = rng.random_range(on + 60_000..off.max(on + 120_000));
        flows.push(Flow {
            end,
            nanos: rng.random_range(0..1_000_000),
            duration: duration.min(((end - on) / 1000).max(1) as u64),
            src: media.ip.to_owned(),
            sport: ephemeral(&mut rng),
            dst: peer_ip(host),
            dport: 443,
            proto: 6,
            rule: Rule::Accept(7, "lan-https-direct"),
            action: if rng.random_bool(0.9) { "close" } else { "client-rst" },
            app: Some((app, cat)),
            sent,
            rcvd,
            incident: plan.unfiltered,
        });
    }

    // Probes from the internet at the public address, all day and night.
    const PROBES: &[(u16, u8)] = &[
        (22, 6),
        (23, 6),
        (445, 6),
        (3389, 6),
        (8080, 6),
        (5900, 6),
        (1433, 6),
        (3306, 6),
        (5060, 17),
        (161, 17),
        (443, 6),
        (8443, 6),
    ];
    for _ in 0..poisson(&mut rng, 150.0) {
        let ts = rng.random_range(midnight..next_midnight);
        let src = if rng.random_bool(0.6) {
            format!("192.0.2.{}", rng.random_range(1..=99))
        } else {
            format!("203.0.113.{}", rng.random_range(200..=254))
        };
        let &(port, proto) = PROBES.choose(&mut rng).unwrap_or(&PROBES[0]);
        let sport = rng.random_range(1_024..=65_535);
        let mut f = denied(&mut rng, ts, &src, sport, PUBLIC_IP, port, proto);
        f.rule = Rule::LocalIn;
        flows.push(f);
    }

    flows.extend(plan.per_day.get(i).into_iter().flatten().cloned());
    // The file is rotated at midnight: a session that ends after it is in tomorrow's.
    flows.retain(|f| f.end < next_midnight);

    // Session ids grow with the start of a session (other, unlogged sessions come between).
    let mut order: Vec<usize> = (0..flows.len()).collect();
    order.sort_by_key(|&k| (flows[k].start(), k));
    let mut ids = vec![0u64; flows.len()];
    let mut id = 12_000_000 + 4_000_000 * i as u64 + rng.random_range(0..100_000);
    for k in order {
        id += rng.random_range(1..40);
        ids[k] = id;
    }
    let mut recs = Recs::default();
    for (f, id) in flows.iter().zip(ids) {
        recs.push(f.end, f.incident, line(&mut rng, f, id));
    }
    recs.into_chunk("\n")
}

/// When the media-suite PC is on, local time.
pub(super) fn media_pc_span(date: chrono::NaiveDate) -> (i64, i64) {
    (local_ms(date, 8 * 60 + 12, 0), local_ms(date, 16 * 60 + 25, 0))
}

/// The proxy's upstream sessions: its requests to one host share a persistent connection until it
/// has been idle for four minutes or has carried a few dozen requests; CONNECT tunnels likewise are
/// counted per host (a simplification that keeps the sample small).
fn upstream(rng: &mut ChaCha8Rng, events: &[Event]) -> Vec<Flow> {
    struct Open {
        start: i64,
        end: i64,
        rcvd: u64,
        requests: u64,
        cap: u64,
        port: u16,
        host: &'static str,
    }
    let mut open: std::collections::BTreeMap<(u16, u16), Open> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    let close = |rng: &mut ChaCha8Rng, o: Open, out: &mut Vec<Flow>| {
        let end = o.end + IDLE_MS + rng.random_range(0..1_000);
        let rcvd = o.rcvd + o.rcvd / 30 + 4_300;
        out.push(Flow {
            end,
            nanos: rng.random_range(0..1_000_000),
            duration: ((end - o.start) / 1000).max(1) as u64,
            src: network::PROXY_IP.to_owned(),
            sport: rng.random_range(32_768..=60_999),
            dst: peer_ip(o.host),
            dport: o.port,
            proto: 6,
            rule: Rule::Accept(1, "proxy-out"),
            action: match rng.random_range(0..100) {
                0..=93 => "close",
                94..=96 => "timeout",
                97..=98 => "server-rst",
                _ => "client-rst",
            },
            app: None,
            sent: o.requests * rng.random_range(600..1_400) + 1_500 + o.rcvd / 60,
            rcvd,
            incident: 0,
        });
    };
    for e in events {
        if matches!(
            e.outcome,
            Outcome::Hit | Outcome::Denied | Outcome::Challenge | Outcome::Broken
        ) {
            continue;
        }
        let site = site_at(e.site);
        let port = if site.transport == Transport::Http { 80 } else { 443 };
        let key = (e.site, port);
        let done = e.ts + i64::from(e.elapsed);
        if let Some(o) = open.get_mut(&key)
            && e.ts - o.end < IDLE_MS
            && o.requests < o.cap
        {
            o.end = o.end.max(done);
            o.rcvd += e.bytes;
            o.requests += 1;
            continue;
        }
        let fresh = Open {
            start: e.ts - rng.random_range(20..200),
            end: done,
            rcvd: e.bytes,
            requests: 1,
            cap: rng.random_range(20..90),
            port,
            host: site.host,
        };
        if let Some(old) = open.insert(key, fresh) {
            close(rng, old, &mut out);
        }
    }
    for (_, o) in std::mem::take(&mut open) {
        close(rng, o, &mut out);
    }
    out
}

/// FortiGate's name for a well-known port, else `tcp/N` or `udp/N`.
fn service(port: u16, proto: u8) -> String {
    let known = match (port, proto) {
        (80, 6) => "HTTP",
        (443, 6) => "HTTPS",
        (53, _) => "DNS",
        (123, 17) => "NTP",
        (22, 6) => "SSH",
        (23, 6) => "TELNET",
        (445, 6) => "SMB",
        (3389, 6) => "RDP",
        (5900, 6) => "VNC",
        (1433, 6) => "MS-SQL",
        (3306, 6) => "MYSQL",
        (5060, 17) => "SIP",
        (161, 17) => "SNMP",
        _ => "",
    };
    if known.is_empty() {
        format!("{}/{port}", if proto == 17 { "udp" } else { "tcp" })
    } else {
        known.to_owned()
    }
}

fn country(ip: &str) -> &'static str {
    const RESERVED: [&str; 4] = ["10.", "192.0.2.", "198.51.100.", "203.0.113."];
    if RESERVED.iter().any(|p| ip.starts_with(p)) {
        "Reserved"
    } else {
        "United States"
    }
}

/// The syslog line of one session.
fn line(rng: &mut ChaCha8Rng, f: &Flow, session: u64) -> String {
    use std::fmt::Write;
    let (local, offset) = london(f.end);
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.unsigned_abs() / 60;
    let nanos = f.end as i128 * 1_000_000 + i128::from(f.nanos);
    let local_in = f.rule == Rule::LocalIn;
    let mut s = String::with_capacity(560);
    let _ = write!(
        s,
        "<189>date={} time={} devname=\"{FIREWALL_NAME}\" devid=\"{FIREWALL_SERIAL}\" eventtime={nanos} \
         tz=\"{sign}{:02}{:02}\" logid=\"{}\" type=\"traffic\" subtype=\"{}\" level=\"notice\" vd=\"root\" \
         srcip={} srcport={} ",
        local.format("%Y-%m-%d"),
        local.format("%H:%M:%S"),
        off / 60,
        off % 60,
        if local_in { "0001000014" } else { "0000000013" },
        if local_in { "local" } else { "forward" },
        f.src,
        f.sport,
    );
    if local_in {
        let _ = write!(
            s,
            "srcintf=\"wan1\" srcintfrole=\"wan\" dstip={} dstport={} dstintf=\"root\" dstintfrole=\"undefined\" \
             srccountry=\"{}\" dstcountry=\"Reserved\" ",
            f.dst,
            f.dport,
            country(&f.src)
        );
    } else {
        let _ = write!(
            s,
            "srcintf=\"internal\" srcintfrole=\"lan\" dstip={} dstport={} dstintf=\"wan1\" dstintfrole=\"wan\" \
             srccountry=\"Reserved\" dstcountry=\"{}\" ",
            f.dst,
            f.dport,
            country(&f.dst)
        );
    }
    let _ = write!(s, "sessionid={session} proto={} action=\"{}\" ", f.proto, f.action);
    match f.rule {
        Rule::Accept(id, name) => {
            let _ = write!(
                s,
                "policyid={id} policytype=\"policy\" policyname=\"{name}\" service=\"{}\" trandisp=\"snat\" \
                 transip={PUBLIC_IP} transport={} ",
                service(f.dport, f.proto),
                rng.random_range(1_024..=65_535)
            );
        }
        Rule::Deny => {
            let _ = write!(
                s,
                "policyid=0 policytype=\"policy\" service=\"{}\" trandisp=\"noop\" ",
                service(f.dport, f.proto)
            );
        }
        Rule::LocalIn => {
            let _ = write!(
                s,
                "policyid=0 policytype=\"local-in-policy\" service=\"{}\" trandisp=\"noop\" ",
                service(f.dport, f.proto)
            );
        }
    }
    if let Some((app, cat)) = f.app {
        let _ = write!(s, "app=\"{app}\" appcat=\"{cat}\" ");
    }
    let packets = |bytes: u64, extra: u64| match (bytes, f.proto) {
        (0, _) => 0,
        (_, 17) => 1,
        _ => bytes / 1_380 + extra,
    };
    let (spkt, rpkt) = (packets(f.sent, 3), packets(f.rcvd, 2));
    let _ = write!(
        s,
        "duration={} sentbyte={} rcvdbyte={} sentpkt={spkt} rcvdpkt={rpkt}",
        f.duration, f.sent, f.rcvd
    );
    if f.app.is_none() {
        s.push_str(" appcat=\"unscanned\"");
    }
    s
}
