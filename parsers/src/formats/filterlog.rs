//! pfSense and OPNsense `filterlog`: one CSV record per packet the packet filter logged, carried
//! in syslog (old BSD format, or RFC 5424 on newer releases).
//!
//! ```text
//! 5,,,1000000103,igb1,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.1,198.51.100.2,61234,80,0,S,2233444555,,65535,,mss
//! ```
//!
//! Common fields: rule number, sub-rule, anchor, tracker (a number on pfSense, a hex string on
//! OPNsense), interface, reason, action (`pass`/`block`/`reject`), direction, IP version. Then for
//! IPv4: TOS, ECN, TTL, ID, offset, flags, protocol id, protocol name, length, source, destination;
//! for IPv6: class, flow label, hop limit, protocol name, protocol id, length, source, destination.
//! TCP and UDP add source port, destination port and data length; the number of fields therefore
//! varies with the IP version and protocol.

use crate::flow::{Direction, FlowAction, FlowRecord};
use crate::syslog;
use crate::time::TimeContext;

/// Parses one filterlog record (the syslog message).
pub fn parse(msg: &[u8]) -> Result<FlowRecord<'_>, &'static str> {
    let mut f: [&[u8]; 24] = [&[]; 24];
    let mut n = 0;
    for field in msg.split(|&b| b == b',') {
        if n == f.len() {
            break;
        }
        f[n] = field;
        n += 1;
    }
    if n < 9 {
        return Err(
            "filterlog: fewer than 9 fields (rule,sub-rule,anchor,tracker,interface,reason,action,direction,version)",
        );
    }
    if !f[0].iter().all(u8::is_ascii_digit) || f[0].is_empty() {
        return Err("filterlog: field 1 (rule number) is not a number");
    }
    let mut r = FlowRecord {
        rule: non_empty(f[3]).or(non_empty(f[0])),
        ..FlowRecord::default()
    };
    r.action = match f[6] {
        b"pass" => FlowAction::Pass,
        b"block" => FlowAction::Block,
        b"reject" => FlowAction::Reject,
        _ => return Err("filterlog: field 7 (action) is not pass, block or reject"),
    };
    r.direction = match f[7] {
        b"in" => Some(Direction::Inbound),
        b"out" => Some(Direction::Outbound),
        _ => return Err("filterlog: field 8 (direction) is not in or out"),
    };
    match r.direction {
        Some(Direction::Outbound) => r.iface_out = non_empty(f[4]),
        _ => r.iface_in = non_empty(f[4]),
    }
    // Index of: protocol name, length, source, destination, first protocol-specific field.
    let (proto, len, src, dst, data) = match f[8] {
        b"4" => (16, 17, 18, 19, 20),
        b"6" => (12, 14, 15, 16, 17),
        _ => return Err("filterlog: field 9 (IP version) is not 4 or 6"),
    };
    if n <= dst {
        return Err("filterlog: record ends before its source and destination addresses");
    }
    r.proto = non_empty(f[proto]);
    r.bytes = super::number(f[len]);
    r.src_ip = non_empty(f[src]);
    r.dst_ip = non_empty(f[dst]);
    if r.src_ip.is_none() || r.dst_ip.is_none() {
        return Err("filterlog: empty source or destination address");
    }
    if matches!(r.proto, Some(b"tcp" | b"udp")) {
        if n <= data + 1 {
            return Err("filterlog: TCP/UDP record without ports");
        }
        r.src_port = super::port(f[data])
            .ok_or("filterlog: source port is not a number")?
            .into();
        r.dst_port = super::port(f[data + 1])
            .ok_or("filterlog: destination port is not a number")?
            .into();
    }
    r.packets = Some(1);
    Ok(r)
}

/// Parses a whole syslog line, refusing lines from other programs (dhcpd, unbound, …) that the
/// firewall interleaves in the same file.
pub fn parse_line<'a>(
    line: &'a [u8],
    ctx: &TimeContext,
) -> Result<(syslog::Envelope<'a>, FlowRecord<'a>), &'static str> {
    let env = syslog::parse(line, ctx)?;
    match env.app {
        Some(b"filterlog") => Ok((env, parse(env.msg)?)),
        Some(_) => Err("not a filterlog line: another program's message in the firewall log"),
        None => Err("not a filterlog line: no program name in the syslog header"),
    }
}

fn non_empty(v: &[u8]) -> Option<&[u8]> {
    if v.is_empty() { None } else { Some(v) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syslog::EnvelopeTime;

    fn ctx() -> TimeContext {
        let t: chrono::DateTime<chrono::Utc> = "2026-11-20T12:00:00Z".parse().expect("t");
        TimeContext::new(crate::time::DEFAULT_TZ, Some(t.into()))
    }

    struct Case {
        msg: &'static str,
        action: FlowAction,
        direction: Direction,
        iface: &'static str,
        rule: &'static str,
        proto: &'static str,
        src: &'static str,
        spt: Option<u16>,
        dst: &'static str,
        dpt: Option<u16>,
        bytes: Option<u64>,
    }

    #[test]
    fn field_counts_vary_with_version_and_protocol() {
        let cases = [
            Case {
                // pfSense IPv4 TCP with options.
                msg: "5,,,1000000103,igb1,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.1,198.51.100.2,61234,80,0,S,2233444555,,65535,,mss;sackOK;TS;nop;wscale",
                action: FlowAction::Block,
                direction: Direction::Inbound,
                iface: "igb1",
                rule: "1000000103",
                proto: "tcp",
                src: "198.51.100.1",
                spt: Some(61234),
                dst: "198.51.100.2",
                dpt: Some(80),
                bytes: Some(60),
            },
            Case {
                // IPv4 UDP, passed outbound (WireGuard port).
                msg: "77,,,1603283540,em0,match,pass,out,4,0x0,,63,12345,0,none,17,udp,176,10.40.20.15,192.0.2.44,51000,51820,156",
                action: FlowAction::Pass,
                direction: Direction::Outbound,
                iface: "em0",
                rule: "1603283540",
                proto: "udp",
                src: "10.40.20.15",
                spt: Some(51000),
                dst: "192.0.2.44",
                dpt: Some(51820),
                bytes: Some(176),
            },
            Case {
                // IPv4 ICMP: no ports.
                msg: "9,,,1000000104,igb0,match,pass,in,4,0x0,,64,4242,0,none,1,icmp,84,10.40.10.2,8.8.8.8,request,5,1",
                action: FlowAction::Pass,
                direction: Direction::Inbound,
                iface: "igb0",
                rule: "1000000104",
                proto: "icmp",
                src: "10.40.10.2",
                spt: None,
                dst: "8.8.8.8",
                dpt: None,
                bytes: Some(84),
            },
            Case {
                // OPNsense: hex tracker; IPv6 puts the protocol name before its number.
                msg: "82,,,fae559338f65e11c53669fc3642c93c2,vtnet0,match,block,in,6,0x00,0x00000,255,ipv6-icmp,58,32,fe80::1,ff02::1:ff00:2,",
                action: FlowAction::Block,
                direction: Direction::Inbound,
                iface: "vtnet0",
                rule: "fae559338f65e11c53669fc3642c93c2",
                proto: "ipv6-icmp",
                src: "fe80::1",
                spt: None,
                dst: "ff02::1:ff00:2",
                dpt: None,
                bytes: Some(32),
            },
            Case {
                // IPv6 TCP rejected.
                msg: "12,,,1000000105,igb1,match,reject,in,6,0x00,0x0e8a6,64,tcp,6,40,2001:db8::5,2001:db8::80,443,50000,0,R,0,,0,,",
                action: FlowAction::Reject,
                direction: Direction::Inbound,
                iface: "igb1",
                rule: "1000000105",
                proto: "tcp",
                src: "2001:db8::5",
                spt: Some(443),
                dst: "2001:db8::80",
                dpt: Some(50000),
                bytes: Some(40),
            },
        ];
        for c in cases {
            let r = parse(c.msg.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", c.msg));
            let s = |b: &[u8]| String::from_utf8(b.to_vec()).expect("utf8");
            assert_eq!(r.action, c.action, "{}", c.msg);
            assert_eq!(r.direction, Some(c.direction), "{}", c.msg);
            let iface = if c.direction == Direction::Outbound {
                r.iface_out
            } else {
                r.iface_in
            };
            assert_eq!(iface.map(s).as_deref(), Some(c.iface), "{}", c.msg);
            assert_eq!(r.rule.map(s).as_deref(), Some(c.rule), "{}", c.msg);
            assert_eq!(r.proto.map(s).as_deref(), Some(c.proto), "{}", c.msg);
            assert_eq!(r.src_ip.map(s).as_deref(), Some(c.src), "{}", c.msg);
            assert_eq!(r.src_port, c.spt, "{}", c.msg);
            assert_eq!(r.dst_ip.map(s).as_deref(), Some(c.dst), "{}", c.msg);
            assert_eq!(r.dst_port, c.dpt, "{}", c.msg);
            assert_eq!(r.bytes, c.bytes, "{}", c.msg);
        }
    }

    #[test]
    fn both_syslog_carriers_and_interleaved_programs() {
        let bsd = b"Nov 20 08:15:02 pfsense filterlog[4711]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.1,198.51.100.2,61234,80,0,S,2233444555,,65535,,mss";
        let (env, r) = parse_line(bsd, &ctx()).expect("bsd");
        assert!(matches!(env.time, EnvelopeTime::Local(_)));
        assert_eq!(r.dst_port, Some(80));
        let rfc5424 = b"<134>1 2026-11-20T08:15:02.123456+00:00 opnsense.school.example filterlog 7777 - [meta sequenceId=\"12\"] 82,,,fae559338f65e11c53669fc3642c93c2,vtnet0,match,block,in,6,0x00,0x00000,255,ipv6-icmp,58,32,fe80::1,ff02::1:ff00:2,";
        let (env, r) = parse_line(rfc5424, &ctx()).expect("5424");
        assert!(matches!(env.time, EnvelopeTime::Utc(_)));
        assert_eq!(r.proto, Some(&b"ipv6-icmp"[..]));
        let dhcp =
            b"Nov 20 08:15:03 pfsense dhcpd[123]: DHCPACK on 10.40.20.15 to 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via igb1";
        assert!(parse_line(dhcp, &ctx()).expect_err("dhcpd").contains("another program"));
    }

    #[test]
    fn rejects_with_reasons() {
        let cases = [
            ("", "fewer than 9"),
            ("x,,,1,igb0,match,block,in,4", "rule number"),
            (
                "5,,,1,igb0,match,allow,in,4,0x0,,64,0,0,DF,6,tcp,60,1.2.3.4,5.6.7.8,1,2,0",
                "action",
            ),
            (
                "5,,,1,igb0,match,block,sideways,4,0x0,,64,0,0,DF,6,tcp,60,1.2.3.4,5.6.7.8,1,2,0",
                "direction",
            ),
            ("5,,,1,igb0,match,block,in,5,0x0", "IP version"),
            (
                "5,,,1,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,1.2.3.4",
                "source and destination",
            ),
            (
                "5,,,1,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,1.2.3.4,5.6.7.8,http",
                "without ports",
            ),
            (
                "5,,,1,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,1.2.3.4,5.6.7.8,http,80,0",
                "source port",
            ),
        ];
        for (msg, want) in cases {
            let err = parse(msg.as_bytes()).expect_err(msg);
            assert!(err.contains(want), "{msg}: {err}");
        }
    }
}
