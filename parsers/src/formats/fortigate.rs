//! FortiGate traffic logs: `key=value` pairs in any order, values quoted or bare.
//!
//! ```text
//! date=2026-11-20 time=08:15:02 eventtime=1763626502369913239 tz="+0000" logid="0000000013" type="traffic" subtype="forward" srcip=10.40.20.15 srcport=58012 srcintf="port2" dstip=192.0.2.80 dstport=443 dstintf="wan1" proto=6 action="accept" policyid=12 service="HTTPS" app="Minecraft" sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16
//! ```
//!
//! The time is `eventtime` (nanoseconds on FortiOS 6.2+, microseconds or seconds on older
//! releases) or else `date` + `time`, read with `tz` when present and in the school's zone when
//! not.

use crate::flow::{Direction, FlowAction, FlowRecord};
use crate::kv;

/// Parses one FortiGate traffic log message.
pub fn parse(msg: &[u8]) -> Result<FlowRecord<'_>, &'static str> {
    let mut r = FlowRecord::default();
    let (mut date, mut time, mut tz, mut event) = (None, None, None, None);
    let (mut sent, mut rcvd, mut sent_pkt, mut rcvd_pkt) = (None, None, None, None);
    let mut subtype = None;
    for (key, value) in kv::pairs(msg) {
        let v = if value.is_empty() { None } else { Some(value) };
        match key {
            b"date" => date = v,
            b"time" => time = v,
            b"tz" => tz = v,
            b"eventtime" => event = v.and_then(super::number),
            b"subtype" => subtype = v,
            b"srcip" => r.src_ip = v,
            b"dstip" => r.dst_ip = v,
            b"srcport" => r.src_port = v.and_then(super::port),
            b"dstport" => r.dst_port = v.and_then(super::port),
            b"srcintf" => r.iface_in = v,
            b"dstintf" => r.iface_out = v,
            b"proto" => r.proto = v,
            b"action" => r.action = v.map_or(FlowAction::Logged, action),
            b"policyid" => r.rule = v,
            b"app" => r.app = v,
            b"service" if r.app.is_none() => r.app = v,
            b"sentbyte" => sent = v.and_then(super::number),
            b"rcvdbyte" => rcvd = v.and_then(super::number),
            b"sentpkt" => sent_pkt = v.and_then(super::number),
            b"rcvdpkt" => rcvd_pkt = v.and_then(super::number),
            b"user" => r.user = v,
            b"unauthuser" if r.user.is_none() => r.user = v,
            _ => {}
        }
    }
    if r.src_ip.is_none() || r.dst_ip.is_none() {
        return Err("not a FortiGate traffic log: no srcip= and dstip=");
    }
    r.bytes = super::sum(sent, rcvd);
    (r.bytes_out, r.bytes_in) = (sent, rcvd);
    r.packets = super::sum(sent_pkt, rcvd_pkt);
    r.direction = match subtype {
        Some(b"forward") => Some(Direction::Forwarded),
        Some(b"local") => Some(Direction::Inbound),
        _ => None,
    };
    match (event, date, time) {
        (Some(e), _, _) => r.ts = Some(epoch_to_ms(e)),
        (None, Some(d), Some(t)) => {
            let local = super::date_time(d, t).ok_or("date=/time= are not YYYY-MM-DD and HH:MM:SS")?;
            match tz.and_then(super::offset_minutes) {
                Some(m) => r.ts = Some(local.and_utc().timestamp_millis() - m * 60_000),
                None => r.local_time = Some(local),
            }
        }
        _ => return Err("FortiGate log without eventtime= or date= and time="),
    }
    Ok(r)
}

/// Milliseconds from an epoch count in seconds, milliseconds, microseconds or nanoseconds.
fn epoch_to_ms(e: u64) -> i64 {
    let ms = if e >= 1_000_000_000_000_000_000 {
        e / 1_000_000
    } else if e >= 1_000_000_000_000_000 {
        e / 1_000
    } else if e >= 1_000_000_000_000 {
        e
    } else {
        e * 1000
    };
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn action(v: &[u8]) -> FlowAction {
    match v {
        b"deny" | b"drop" | b"block" | b"blocked" => FlowAction::Block,
        b"reject" => FlowAction::Reject,
        b"accept" | b"close" | b"timeout" | b"client-rst" | b"server-rst" | b"ip-conn" | b"start" | b"dns" => {
            FlowAction::Pass
        }
        _ => FlowAction::Logged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    #[test]
    fn traffic_log_any_order_quoted_values() {
        let line = br#"date=2026-11-20 time=08:15:02 eventtime=1763626502369913239 tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.40.20.15 srcport=58012 srcintf="port2" srcintfrole="lan" dstip=192.0.2.80 dstport=443 dstintf="wan1" dstcountry="United States" proto=6 action="accept" policyid=12 service="HTTPS" app="Minecraft" sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16"#;
        let r = parse(line).expect("parse");
        assert_eq!(r.ts, Some(1_763_626_502_369));
        assert_eq!(r.src_ip, Some(&b"10.40.20.15"[..]));
        assert_eq!((r.src_port, r.dst_port), (Some(58012), Some(443)));
        assert_eq!((r.iface_in, r.iface_out), (Some(&b"port2"[..]), Some(&b"wan1"[..])));
        assert_eq!(r.proto, Some(&b"6"[..]));
        assert_eq!(r.action, FlowAction::Pass);
        assert_eq!(r.rule, Some(&b"12"[..]));
        assert_eq!(r.app, Some(&b"Minecraft"[..]));
        assert_eq!((r.bytes, r.packets), (Some(2412), Some(33)));
        assert_eq!((r.bytes_out, r.bytes_in), (Some(1188), Some(1224)));
        assert_eq!(r.user, None);
        assert_eq!(r.direction, Some(Direction::Forwarded));
        // FSSO: the user the firewall identified; an unauthenticated user only when no other.
        let r = parse(br#"date=2026-11-20 time=09:00:00 srcip=10.40.20.15 dstip=192.0.2.80 unauthuser="guest1" user="KBA\jsmith" action="accept""#).expect("parse");
        assert_eq!(r.user, Some(&br"KBA\jsmith"[..]));
        let r = parse(
            br#"date=2026-11-20 time=09:00:00 srcip=10.40.20.15 dstip=192.0.2.80 unauthuser="guest1" action="accept""#,
        )
        .expect("parse");
        assert_eq!(r.user, Some(&b"guest1"[..]));
        // Keys in another order, date+time+tz only, a deny.
        let r = parse(br#"action=deny dstip=198.51.100.9 srcip=10.40.20.16 tz="-0700" time=09:00:00 date=2026-11-20 proto=17 dstport=1194 srcport=40000"#)
            .expect("parse");
        assert_eq!(r.ts, Some(utc_ms("2026-11-20T16:00:00Z")));
        assert_eq!(r.action, FlowAction::Block);
        assert_eq!(r.bytes, None);
        // No tz: local time for the school's zone.
        let r = parse(b"date=2026-11-20 time=09:00:00 srcip=1.1.1.1 dstip=2.2.2.2 action=close").expect("parse");
        assert_eq!(r.ts, None);
        assert_eq!(
            r.local_time.map(|t| t.to_string()).as_deref(),
            Some("2026-11-20 09:00:00")
        );
        // Microsecond eventtime of older releases.
        assert_eq!(epoch_to_ms(1_763_626_502_369_913), 1_763_626_502_369);
        assert_eq!(epoch_to_ms(1_763_626_502), 1_763_626_502_000);
    }

    #[test]
    fn rejects() {
        for line in [
            "",
            "date=2026-11-20 time=09:00:00",
            "srcip=1.1.1.1 dstip=2.2.2.2",
            "srcip=1.1.1.1 dstip=2.2.2.2 date=20261120 time=9",
        ] {
            assert!(parse(line.as_bytes()).is_err(), "{line}");
        }
    }
}
