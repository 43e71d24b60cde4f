//! Linux netfilter packet logs (iptables/nftables `LOG`, ufw, Shorewall), the kernel message
//! after the syslog envelope:
//!
//! ```text
//! [UFW BLOCK] IN=eth0 OUT= MAC=… SRC=203.0.113.7 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=4242 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0
//! Shorewall:net:DROP:IN=eth0 OUT= SRC=… DST=… LEN=40 … PROTO=TCP SPT=… DPT=…
//! ```
//!
//! Quirks handled: a log prefix glued to `IN=`; trailing spaces; keys that occur twice (`LEN` of
//! the IP header and of the UDP header: the first wins); ICMP errors quoting the offending packet
//! in `[SRC=… DST=… … ]`, whose addresses are not the outer ones; numeric protocols (`PROTO=162`);
//! `PROTO=UDPLITE INCOMPLETE [0 bytes]`; zero-padded IPv6 addresses (kept as logged: address
//! canonicalisation belongs to the column builder).

use memchr::memmem;

use crate::flow::{Direction, FlowAction, FlowRecord};
use crate::lex::{opt_spaces, trim_spaces};

/// Parses one netfilter kernel message.
pub fn parse(msg: &[u8]) -> Result<FlowRecord<'_>, &'static str> {
    let at = find_in(msg).ok_or("no IN= field: not a netfilter packet log")?;
    let prefix = trim_spaces(&msg[..at]);
    let mut r = FlowRecord::default();
    if !prefix.is_empty() {
        r.rule = Some(prefix);
        r.action = FlowAction::from_words(prefix);
    }
    let mut rest = &msg[at..];
    let mut seen_src = false;
    while !rest.is_empty() {
        rest = opt_spaces(rest);
        if rest.first() == Some(&b'[') {
            // A quoted packet (ICMP error) or `[0 bytes]`: not this packet's fields.
            let close = rest
                .iter()
                .position(|&b| b == b']')
                .ok_or("unterminated [ … ] in the packet fields")?;
            rest = &rest[close + 1..];
            continue;
        }
        let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        let token = &rest[..end];
        rest = &rest[end..];
        let Some(eq) = token.iter().position(|&b| b == b'=') else {
            continue; // a flag such as DF, SYN, ACK, INCOMPLETE
        };
        let (key, value) = (&token[..eq], &token[eq + 1..]);
        let value = if value.is_empty() { None } else { Some(value) };
        match key {
            b"IN" => r.iface_in = value,
            b"OUT" => r.iface_out = value,
            b"MAC" => r.mac = value,
            b"SRC" if !seen_src => {
                r.src_ip = value;
                seen_src = true;
            }
            b"DST" if r.dst_ip.is_none() => r.dst_ip = value,
            b"LEN" if r.bytes.is_none() => r.bytes = value.and_then(super::number),
            b"PROTO" if r.proto.is_none() => r.proto = value,
            b"SPT" if r.src_port.is_none() => r.src_port = value.and_then(super::port),
            b"DPT" if r.dst_port.is_none() => r.dst_port = value.and_then(super::port),
            _ => {}
        }
    }
    if r.src_ip.is_none() || r.dst_ip.is_none() {
        return Err("missing SRC= or DST=: not a packet log line");
    }
    r.packets = Some(1);
    r.direction = match (r.iface_in.is_some(), r.iface_out.is_some()) {
        (true, true) => Some(Direction::Forwarded),
        (true, false) => Some(Direction::Inbound),
        (false, true) => Some(Direction::Outbound),
        (false, false) => None,
    };
    Ok(r)
}

/// Where the `IN=` field starts: at the start, after a space, or glued to a prefix ending in `:`,
/// `]` or a letter (`Shorewall:net:DROP:IN=`, `FW-DROPIN=`), and followed later by ` OUT=`.
fn find_in(msg: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = memmem::find(&msg[from..], b"IN=") {
        let at = from + p;
        if memmem::find(&msg[at..], b" OUT=").is_some() {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        line: &'static str,
        action: FlowAction,
        rule: Option<&'static str>,
        direction: Option<Direction>,
        proto: &'static str,
        src: &'static str,
        spt: Option<u16>,
        dst: &'static str,
        dpt: Option<u16>,
        bytes: Option<u64>,
    }

    #[test]
    fn quirks() {
        let cases = [
            Case {
                line: "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.7 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=4242 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0 ",
                action: FlowAction::Block,
                rule: Some("[UFW BLOCK]"),
                direction: Some(Direction::Inbound),
                proto: "TCP",
                src: "203.0.113.7",
                spt: Some(51234),
                dst: "10.0.0.2",
                dpt: Some(22),
                bytes: Some(60),
            },
            Case {
                // Shorewall prefix glued to IN=, forwarded traffic.
                line: "Shorewall:loc2net:REJECT:IN=eth1 OUT=eth0 SRC=10.40.20.15 DST=198.51.100.9 LEN=52 TOS=0x00 PREC=0x00 TTL=127 ID=1 DF PROTO=TCP SPT=50000 DPT=1194 WINDOW=8192 RES=0x00 SYN URGP=0",
                action: FlowAction::Reject,
                rule: Some("Shorewall:loc2net:REJECT:"),
                direction: Some(Direction::Forwarded),
                proto: "TCP",
                src: "10.40.20.15",
                spt: Some(50000),
                dst: "198.51.100.9",
                dpt: Some(1194),
                bytes: Some(52),
            },
            Case {
                // UDP: LEN appears twice (IP, then UDP); the first is the packet length.
                line: "FW-ACCEPT IN=eth1 OUT=eth0 SRC=10.40.20.16 DST=192.0.2.53 LEN=75 TOS=0x00 PREC=0x00 TTL=63 ID=999 PROTO=UDP SPT=53000 DPT=51820 LEN=55",
                action: FlowAction::Pass,
                rule: Some("FW-ACCEPT"),
                direction: Some(Direction::Forwarded),
                proto: "UDP",
                src: "10.40.20.16",
                spt: Some(53000),
                dst: "192.0.2.53",
                dpt: Some(51820),
                bytes: Some(75),
            },
            Case {
                // ICMP error quoting the packet that caused it: the quoted SRC/DST are not ours.
                line: "IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.2 LEN=88 TOS=0x00 PREC=0xC0 TTL=64 ID=5 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.2 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=7 PROTO=UDP SPT=40000 DPT=33434 LEN=40 ] ",
                action: FlowAction::Logged,
                rule: None,
                direction: Some(Direction::Inbound),
                proto: "ICMP",
                src: "192.0.2.1",
                spt: None,
                dst: "10.0.0.2",
                dpt: None,
                bytes: Some(88),
            },
            Case {
                // Numeric protocol (VRRP is 112; 162 is unassigned: still a number).
                line: "DROP IN=eth0 OUT= SRC=10.0.0.9 DST=224.0.0.18 LEN=40 TOS=0x00 PREC=0xC0 TTL=255 ID=0 PROTO=162",
                action: FlowAction::Block,
                rule: Some("DROP"),
                direction: Some(Direction::Inbound),
                proto: "162",
                src: "10.0.0.9",
                spt: None,
                dst: "224.0.0.18",
                dpt: None,
                bytes: Some(40),
            },
            Case {
                line: "[UFW BLOCK] IN=eth0 OUT= SRC=10.0.0.3 DST=10.0.0.4 LEN=28 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDPLITE INCOMPLETE [0 bytes]",
                action: FlowAction::Block,
                rule: Some("[UFW BLOCK]"),
                direction: Some(Direction::Inbound),
                proto: "UDPLITE",
                src: "10.0.0.3",
                spt: None,
                dst: "10.0.0.4",
                dpt: None,
                bytes: Some(28),
            },
            Case {
                // Zero-padded IPv6, outbound from the firewall itself.
                line: "[UFW ALLOW] IN= OUT=eth0 SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=443 DPT=50001 WINDOW=500 RES=0x00 ACK URGP=0",
                action: FlowAction::Pass,
                rule: Some("[UFW ALLOW]"),
                direction: Some(Direction::Outbound),
                proto: "TCP",
                src: "2001:0db8:0000:0000:0000:0000:0000:0001",
                spt: Some(443),
                dst: "2001:0db8:0000:0000:0000:0000:0000:0002",
                dpt: Some(50001),
                bytes: Some(80),
            },
        ];
        for c in cases {
            let r = parse(c.line.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", c.line));
            let s = |b: &[u8]| String::from_utf8(b.to_vec()).expect("utf8");
            assert_eq!(r.action, c.action, "{}", c.line);
            assert_eq!(r.rule.map(s), c.rule.map(str::to_owned), "{}", c.line);
            assert_eq!(r.direction, c.direction, "{}", c.line);
            assert_eq!(r.proto.map(s).as_deref(), Some(c.proto), "{}", c.line);
            assert_eq!(r.src_ip.map(s).as_deref(), Some(c.src), "{}", c.line);
            assert_eq!(r.src_port, c.spt, "{}", c.line);
            assert_eq!(r.dst_ip.map(s).as_deref(), Some(c.dst), "{}", c.line);
            assert_eq!(r.dst_port, c.dpt, "{}", c.line);
            assert_eq!(r.bytes, c.bytes, "{}", c.line);
            assert_eq!(r.packets, Some(1));
        }
    }

    #[test]
    fn glued_prefix_without_separator_and_syslog_carrier() {
        let ctx = crate::time::TimeContext::new(crate::time::DEFAULT_TZ, None);
        let line = b"Nov 20 09:05:00 fw kernel: [  307.750000] FW-DROPIN=eth0 OUT= SRC=10.0.0.5 DST=10.0.0.6 LEN=40 PROTO=TCP SPT=1 DPT=443   ";
        let env = crate::syslog::parse(line, &ctx).expect("envelope");
        assert_eq!(env.app, Some(&b"kernel"[..]));
        let r = parse(env.msg).expect("netfilter");
        assert_eq!(r.rule, Some(&b"FW-DROP"[..]));
        assert_eq!(r.action, FlowAction::Block);
        assert_eq!(r.dst_port, Some(443));
    }

    #[test]
    fn rejects() {
        for line in [
            "",
            "kernel: eth0: link up",
            "IN=eth0 OUT= LEN=40",
            "IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 [SRC=unterminated",
            "1286536309.450 98 192.168.0.68 TCP_MISS/200 411 GET http://x/ - HIER_DIRECT/1.2.3.4 text/html",
        ] {
            assert!(parse(line.as_bytes()).is_err(), "{line}");
        }
    }

    #[test]
    fn never_panics_on_prefixes_of_a_real_line() {
        let line = b"[UFW BLOCK] IN=eth0 OUT= MAC=52:54 SRC=203.0.113.7 DST=10.0.0.2 LEN=60 PROTO=TCP SPT=1 DPT=2 [SRC=1 DST=2 ]";
        for n in 0..=line.len() {
            let _ = parse(&line[..n]);
        }
    }
}
