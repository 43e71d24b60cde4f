//! Sophos firewall logs, `key=value`:
//! - Sophos Firewall (XG/SFOS): `device="SFW" date=2026-11-20 time=08:15:02 timezone="GMT" …
//!   log_type="Firewall" status="Allow" fw_rule_id=3 src_ip=… dst_ip=… protocol="TCP" src_port=…
//!   dst_port=… sent_bytes=… recv_bytes=…`;
//! - Sophos UTM: `2023:03:08-15:00:00 utm ulogd[4711]: id="2001" … action="drop" fwrule="60001"
//!   initf="eth1" srcip="…" dstip="…" proto="17" length="78" srcport="137" dstport="137"`, whose
//!   own time-stamp prefix (`YYYY:MM:DD-HH:MM:SS`, local time) is read here.

use crate::flow::{FlowAction, FlowRecord};
use crate::kv;

/// Parses one Sophos line (an XG message, or a whole UTM line with its time prefix).
pub fn parse(line: &[u8]) -> Result<FlowRecord<'_>, &'static str> {
    let (utm_time, msg) = utm_prefix(line);
    let mut r = FlowRecord {
        local_time: utm_time,
        ..FlowRecord::default()
    };
    let (mut date, mut time, mut zone) = (None, None, None);
    let (mut sent, mut rcvd, mut sent_pkt, mut rcvd_pkt, mut length) = (None, None, None, None, None);
    let mut status = None;
    for (key, value) in kv::pairs(msg) {
        let v = if value.is_empty() { None } else { Some(value) };
        match key {
            b"date" => date = v,
            b"time" => time = v,
            b"timezone" => zone = v,
            b"src_ip" | b"srcip" => r.src_ip = v,
            b"dst_ip" | b"dstip" => r.dst_ip = v,
            b"src_port" | b"srcport" => r.src_port = v.and_then(super::port),
            b"dst_port" | b"dstport" => r.dst_port = v.and_then(super::port),
            b"protocol" | b"proto" => r.proto = v,
            b"in_interface" | b"initf" => r.iface_in = v,
            b"out_interface" | b"outitf" => r.iface_out = v,
            b"fw_rule_id" | b"fwrule" => r.rule = v,
            b"application" | b"app" => r.app = v,
            b"status" | b"action" => status = v,
            b"sent_bytes" => sent = v.and_then(super::number),
            b"recv_bytes" => rcvd = v.and_then(super::number),
            b"user_name" => r.user = v,
            b"sent_pkts" => sent_pkt = v.and_then(super::number),
            b"recv_pkts" => rcvd_pkt = v.and_then(super::number),
            b"length" => length = v.and_then(super::number),
            _ => {}
        }
    }
    if r.src_ip.is_none() || r.dst_ip.is_none() {
        return Err("not a Sophos firewall log: no src_ip/srcip and dst_ip/dstip");
    }
    r.action = status.map_or(FlowAction::Logged, FlowAction::from_words);
    r.bytes = super::sum(sent, rcvd).or(length);
    (r.bytes_out, r.bytes_in) = (sent, rcvd);
    r.packets = super::sum(sent_pkt, rcvd_pkt).or(length.map(|_| 1));
    if r.local_time.is_none() {
        let (Some(d), Some(t)) = (date, time) else {
            return Err("Sophos log without date= and time= (or a UTM time prefix)");
        };
        let local = super::date_time(d, t).ok_or("date=/time= are not YYYY-MM-DD and HH:MM:SS")?;
        match zone {
            Some(z) if z.eq_ignore_ascii_case(b"GMT") || z.eq_ignore_ascii_case(b"UTC") => {
                r.ts = Some(local.and_utc().timestamp_millis());
            }
            Some(z) if let Some(m) = super::offset_minutes(z) => {
                r.ts = Some(local.and_utc().timestamp_millis() - m * 60_000);
            }
            _ => r.local_time = Some(local),
        }
    }
    Ok(r)
}

/// `2023:03:08-15:00:00 host prog[pid]: rest` → (local time, rest).
fn utm_prefix(line: &[u8]) -> (Option<chrono::NaiveDateTime>, &[u8]) {
    let parse = || -> Option<(chrono::NaiveDateTime, &[u8])> {
        let stamp = line.get(..19)?;
        let digits = |a: usize, b: usize| -> Option<u32> {
            let s = stamp.get(a..b)?;
            s.iter()
                .all(u8::is_ascii_digit)
                .then(|| s.iter().fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0'))))
        };
        if stamp[4] != b':' || stamp[7] != b':' || stamp[10] != b'-' || stamp[13] != b':' || stamp[16] != b':' {
            return None;
        }
        let t = crate::time::naive(
            digits(0, 4)? as i32,
            digits(5, 7)?,
            digits(8, 10)?,
            digits(11, 13)?,
            digits(14, 16)?,
            digits(17, 19)?,
            0,
        )?;
        // Skip " host prog[pid]: ".
        let rest = &line[19..];
        let colon = memchr::memmem::find(rest, b": ")?;
        Some((t, &rest[colon + 2..]))
    };
    match parse() {
        Some((t, rest)) => (Some(t), rest),
        None => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xg_firewall_log() {
        let line = br#"device="SFW" date=2026-11-20 time=08:15:02 timezone="GMT" device_name="XG135" device_id=C44310Z1234567 log_id=010101600001 log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" status="Allow" priority=Information duration=30 fw_rule_id=3 policy_type=1 user_name="" application="Spotify" in_interface="Port1" out_interface="Port2" src_mac=00:00:00:00:00:00 src_ip=10.40.20.15 src_country_code= dst_ip=192.0.2.10 dst_country_code=USA protocol="TCP" src_port=53616 dst_port=443 sent_pkts=12 recv_pkts=10 sent_bytes=1500 recv_bytes=9000"#;
        let r = parse(line).expect("parse");
        assert_eq!(
            r.ts,
            Some(
                "2026-11-20T08:15:02Z"
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .expect("t")
                    .timestamp_millis()
            )
        );
        assert_eq!(r.action, FlowAction::Pass);
        assert_eq!(r.rule, Some(&b"3"[..]));
        assert_eq!(r.app, Some(&b"Spotify"[..]));
        assert_eq!((r.src_port, r.dst_port), (Some(53616), Some(443)));
        assert_eq!((r.bytes, r.packets), (Some(10_500), Some(22)));
        assert_eq!((r.bytes_out, r.bytes_in), (Some(1500), Some(9000)));
        assert_eq!(r.proto, Some(&b"TCP"[..]));
        let denied = parse(br#"date=2026-11-20 time=08:15:02 timezone="BST" status="Deny" src_ip=10.0.0.1 dst_ip=10.0.0.2 protocol="UDP""#).expect("parse");
        assert_eq!(denied.action, FlowAction::Block);
        assert_eq!(denied.ts, None);
        assert!(denied.local_time.is_some());
    }

    #[test]
    fn utm_packet_filter_with_its_own_time_prefix() {
        let line = br#"2023:03:08-15:00:00 utm ulogd[4711]: id="2001" severity="info" sys="SecureNet" sub="packetfilter" name="Packet dropped" action="drop" fwrule="60001" initf="eth1" srcmac="00:11:22:33:44:55" dstmac="66:77:88:99:aa:bb" srcip="10.0.0.1" dstip="10.0.0.255" proto="17" length="78" tos="0x00" prec="0x00" ttl="128" srcport="137" dstport="137""#;
        let r = parse(line).expect("parse");
        assert_eq!(
            r.local_time.map(|t| t.to_string()).as_deref(),
            Some("2023-03-08 15:00:00")
        );
        assert_eq!(r.action, FlowAction::Block);
        assert_eq!(r.rule, Some(&b"60001"[..]));
        assert_eq!(r.iface_in, Some(&b"eth1"[..]));
        assert_eq!((r.bytes, r.packets), (Some(78), Some(1)));
        assert_eq!(r.dst_port, Some(137));
    }

    #[test]
    fn rejects() {
        for line in [
            "",
            "2023:03:08-15:00:00 utm ulogd[1]: id=\"2001\"",
            "src_ip=1.1.1.1 dst_ip=2.2.2.2",
            "just text",
        ] {
            assert!(parse(line.as_bytes()).is_err(), "{line}");
        }
    }
}
