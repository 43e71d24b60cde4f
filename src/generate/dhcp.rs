//! ISC dhcpd's log in RFC 3164 syslog, one server for every subnet (relayed by the core switch):
//!
//! ```text
//! Nov 16 07:55:02 kb-dhcp01 dhcpd[812]: DHCPDISCOVER from 02:1f:3a:9c:44:d0 (KB-ICT1-PC05) via 10.40.20.1
//! Nov 16 07:55:02 kb-dhcp01 dhcpd[812]: DHCPOFFER on 10.40.20.15 to 02:1f:3a:9c:44:d0 (KB-ICT1-PC05) via 10.40.20.1
//! Nov 16 07:55:03 kb-dhcp01 dhcpd[812]: DHCPREQUEST for 10.40.20.15 (10.40.1.5) from 02:1f:3a:9c:44:d0 (KB-ICT1-PC05) via 10.40.20.1
//! Nov 16 07:55:03 kb-dhcp01 dhcpd[812]: DHCPACK on 10.40.20.15 to 02:1f:3a:9c:44:d0 (KB-ICT1-PC05) via 10.40.20.1
//! Nov 17 07:51:40 kb-dhcp01 dhcpd[812]: DHCPREQUEST for 10.40.20.15 from 02:1f:3a:9c:44:d0 (KB-ICT1-PC05) via 10.40.20.1
//! Nov 16 17:21:09 kb-dhcp01 dhcpd[812]: DHCPRELEASE of 10.40.10.5 from 02:6d:…:0e (KB-STF-L004) via eth1 (found)
//! Nov 16 11:40:12 kb-dhcp01 dhcpd[812]: DHCPEXPIRE on 10.40.99.12 to 02:…:7a
//! ```
//!
//! Every address is reserved for its device (the ones the proxy and firewall logs show). School
//! pools lease for two days: a device that was on the day before and comes back before its lease
//! runs out asks for its address again (INIT-REBOOT: REQUEST and ACK); others go through
//! DISCOVER, OFFER, REQUEST, ACK. Staff laptops release their lease when they leave; other
//! leases expire. Guests lease for an hour and renew every half hour (unicast, `via eth1`). The
//! always-on annexe printer renews daily.

use super::network::{self, DHCP_HOST, DHCP_IP, Extra, fnv};
use super::school::DeviceKind;
use super::{Chunk, Presence, Recs, World, local_ms, syslog_time};

/// Seconds a school device's lease lasts (two days).
const DAY_LEASE: i64 = 172_800;
/// Seconds a guest's lease lasts.
const GUEST_LEASE: i64 = 3_600;

/// The relay (gateway) address of the subnet of `ip`.
fn gateway(ip: &str) -> &'static str {
    let third: u32 = ip.split('.').nth(2).and_then(|o| o.parse().ok()).unwrap_or(0);
    match third {
        10..=19 => "10.40.10.1",
        20..=23 => "10.40.20.1",
        24..=27 => "10.40.24.1",
        _ => "10.40.99.1",
    }
}

/// A device's identity in dhcpd's messages.
struct Dev<'a> {
    ip: &'a str,
    mac: &'a str,
    host: &'a str,
}

/// When a device present from `first` boots on day `day` (a stable few minutes before).
fn boot(key: &str, day: usize, first: i64) -> i64 {
    first - 60_000 - (fnv(&format!("{key}/{day}")) % 360_000) as i64
}

struct Log {
    recs: Recs,
}

impl Log {
    fn line(&mut self, ts: i64, incident: u16, msg: String) {
        self.recs.push(
            ts,
            incident,
            format!("{} {DHCP_HOST} dhcpd[812]: {msg}", syslog_time(ts)),
        );
    }

    fn discover(&mut self, ts: i64, d: &Dev<'_>, incident: u16) {
        let via = gateway(d.ip);
        let (ip, mac, host) = (d.ip, d.mac, d.host);
        self.line(ts, 0, format!("DHCPDISCOVER from {mac} ({host}) via {via}"));
        self.line(ts + 2, 0, format!("DHCPOFFER on {ip} to {mac} ({host}) via {via}"));
        self.line(
            ts + 610,
            0,
            format!("DHCPREQUEST for {ip} ({DHCP_IP}) from {mac} ({host}) via {via}"),
        );
        self.line(
            ts + 612,
            incident,
            format!("DHCPACK on {ip} to {mac} ({host}) via {via}"),
        );
    }

    /// A request for the address the device already holds: broadcast through the relay after a
    /// reboot, unicast to the server (`via eth1`) when renewing.
    fn request(&mut self, ts: i64, d: &Dev<'_>, renewing: bool, incident: u16) {
        let via = if renewing { "eth1" } else { gateway(d.ip) };
        let (ip, mac, host) = (d.ip, d.mac, d.host);
        self.line(ts, 0, format!("DHCPREQUEST for {ip} from {mac} ({host}) via {via}"));
        self.line(ts + 3, incident, format!("DHCPACK on {ip} to {mac} ({host}) via {via}"));
    }

    fn release(&mut self, ts: i64, d: &Dev<'_>) {
        let (ip, mac, host) = (d.ip, d.mac, d.host);
        self.line(
            ts,
            0,
            format!("DHCPRELEASE of {ip} from {mac} ({host}) via eth1 (found)"),
        );
    }

    fn expire(&mut self, ts: i64, d: &Dev<'_>) {
        let (ip, mac) = (d.ip, d.mac);
        self.line(ts, 0, format!("DHCPEXPIRE on {ip} to {mac}"));
    }
}

/// One day of the DHCP server's log: the leases of day `i`, and the expiries of day `i - 1`'s
/// leases that were not renewed.
pub(super) fn day(world: &World, i: usize, presence: &[Presence], unfiltered: u16) -> Chunk {
    let school = world.school;
    let days = world.days;
    let date = days[i];
    let mut log = Log { recs: Recs::default() };

    // School devices: a day's lease each day they are on.
    let media = network::media_pc();
    // Each device with how to find its presence on any day (by index).
    let media_span = |d: usize| Some(super::firewall::media_pc_span(days[d]));
    let mut devices: Vec<(Dev<'_>, DeviceKind, Option<usize>, u16)> = school
        .people
        .iter()
        .enumerate()
        .map(|(p, person)| {
            let dev = &school.devices[person.device];
            (
                Dev {
                    ip: &dev.ip,
                    mac: &dev.mac,
                    host: &dev.hostname,
                },
                dev.kind,
                Some(p),
                0,
            )
        })
        .collect();
    devices.push((
        Dev {
            ip: media.ip,
            mac: &media.mac,
            host: media.hostname,
        },
        DeviceKind::Desktop,
        None,
        unfiltered,
    ));
    // This chunk covers the time since the previous day's chunk ended.
    let window_start = if i == 0 {
        i64::MIN
    } else {
        local_ms(days[i - 1].succ_opt().unwrap_or(date), 0, 0)
    };
    let window_end = local_ms(date.succ_opt().unwrap_or(date), 0, 0);
    for (d, kind, person, incident) in &devices {
        let span = |day: usize| match person {
            Some(p) => presence[day].span[*p],
            None => media_span(day),
        };
        let today = span(i);
        let today_boot = today.map(|(from, _)| boot(d.host, i, from));
        if *kind == DeviceKind::Guest {
            let Some(((_, to), start)) = today.zip(today_boot) else {
                continue;
            };
            log.discover(start, d, *incident);
            let mut ack = start + 612;
            while ack + GUEST_LEASE * 500 <= to {
                ack += GUEST_LEASE * 500;
                log.request(ack, d, true, *incident);
            }
            log.expire(ack + GUEST_LEASE * 1000, d);
            continue;
        }
        // The lease from the last day the device was on (laptops released theirs): still valid at
        // boot, or expired (logged in the chunk whose time it falls in).
        let previous = (0..i)
            .rev()
            .find_map(|j| span(j).map(|(from, _)| boot(d.host, j, from) + 612));
        let held = match previous {
            Some(ack) if *kind != DeviceKind::StaffLaptop => {
                let expiry = ack + DAY_LEASE * 1000;
                if today_boot.is_some_and(|b| b < expiry) {
                    true
                } else {
                    if expiry > window_start && expiry <= window_end {
                        log.expire(expiry, d);
                    }
                    false
                }
            }
            _ => false,
        };
        let (Some((_, to)), Some(start)) = (today, today_boot) else {
            continue;
        };
        if held {
            log.request(start, d, false, *incident);
        } else {
            log.discover(start, d, *incident);
        }
        if *kind == DeviceKind::StaffLaptop {
            let leave = to + 60_000 + (fnv(&format!("{}/{i}/out", d.host)) % 420_000) as i64;
            log.release(leave, d);
        }
    }

    // The annexe printer, plugged in on the second day and never switched off.
    let annexe: Extra = network::annexe_mfd();
    let from_day = 1.min(days.len() - 1);
    if i >= from_day {
        let d = Dev {
            ip: annexe.ip,
            mac: &annexe.mac,
            host: annexe.hostname,
        };
        let plugged = local_ms(days[from_day], 9 * 60 + 5, 12_000);
        if i == from_day {
            log.discover(plugged, &d, 0);
        }
        let half = DAY_LEASE * 500;
        let mut t = plugged + 612 + half;
        while t < window_end {
            if t >= window_start {
                log.request(t, &d, true, 0);
            }
            t += half;
        }
    }
    log.recs.into_chunk("\n")
}
