//! ISC dhcpd lease messages (the syslog message after `dhcpd[pid]:`), the source of IP → device
//! attribution for the `identity` kind:
//!
//! ```text
//! DHCPACK on 10.40.20.15 to 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1
//! DHCPACK to 10.40.20.15 (02:aa:bb:cc:dd:ee) via eth1          (answer to DHCPINFORM)
//! DHCPRELEASE of 10.40.20.15 from 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1 (found)
//! DHCPEXPIRE on 10.40.20.15 to 02:aa:bb:cc:dd:ee
//! ```
//!
//! Requests, offers and discovers do not bind an address and are refused with a reason, as are
//! dhcpd's other messages.

/// What a lease message says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseEvent {
    /// The address was granted (or confirmed) to the device.
    Ack,
    /// The device gave the address back.
    Release,
    /// The lease ran out.
    Expire,
}

/// One lease message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease<'a> {
    /// What happened.
    pub event: LeaseEvent,
    /// The address.
    pub ip: &'a [u8],
    /// The device's hardware address.
    pub mac: &'a [u8],
    /// The host name the client sent, when it sent one.
    pub hostname: Option<&'a [u8]>,
    /// The interface the request arrived on.
    pub via: Option<&'a [u8]>,
}

/// Parses one dhcpd message.
pub fn parse(msg: &[u8]) -> Result<Lease<'_>, &'static str> {
    let words: Vec<&[u8]> = msg.split(|&b| b == b' ').filter(|w| !w.is_empty()).collect();
    let via = words
        .iter()
        .position(|w| *w == b"via")
        .and_then(|i| words.get(i + 1))
        .copied();
    let hostname_at = |i: usize| {
        words
            .get(i)
            .and_then(|w| w.strip_prefix(b"(").and_then(|w| w.strip_suffix(b")")))
            .filter(|h| !h.is_empty())
    };
    let lease = match words.as_slice() {
        [b"DHCPACK", b"on", ip, b"to", mac, ..] => Lease {
            event: LeaseEvent::Ack,
            ip,
            mac,
            hostname: hostname_at(5),
            via,
        },
        [b"DHCPACK", b"to", ip, paren_mac, ..] => Lease {
            event: LeaseEvent::Ack,
            ip,
            mac: paren_mac
                .strip_prefix(b"(")
                .and_then(|m| m.strip_suffix(b")"))
                .ok_or("DHCPACK to IP without (MAC)")?,
            hostname: None,
            via,
        },
        [b"DHCPRELEASE", b"of", ip, b"from", mac, ..] => Lease {
            event: LeaseEvent::Release,
            ip,
            mac,
            hostname: hostname_at(5),
            via,
        },
        [b"DHCPEXPIRE", b"on", ip, b"to", mac, ..] => Lease {
            event: LeaseEvent::Expire,
            ip,
            mac,
            hostname: hostname_at(5),
            via,
        },
        [first, ..] if first.starts_with(b"DHCP") => {
            return Err("dhcpd message that binds no address (request, offer, discover, inform, NAK)");
        }
        _ => return Err("not a dhcpd lease message"),
    };
    if !lease
        .ip
        .iter()
        .all(|b| b.is_ascii_hexdigit() || *b == b'.' || *b == b':')
    {
        return Err("dhcpd lease with an address that is not an IP address");
    }
    Ok(lease)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_messages() {
        let l = parse(b"DHCPACK on 10.40.20.15 to 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1").expect("ack");
        assert_eq!(
            (l.event, l.ip, l.mac),
            (LeaseEvent::Ack, &b"10.40.20.15"[..], &b"02:aa:bb:cc:dd:ee"[..])
        );
        assert_eq!((l.hostname, l.via), (Some(&b"KB-ICT1-PC05"[..]), Some(&b"eth1"[..])));
        let l = parse(b"DHCPACK on 10.40.20.16 to 02:aa:bb:cc:dd:ef via eth1").expect("no hostname");
        assert_eq!(l.hostname, None);
        let l = parse(b"DHCPACK to 10.40.20.17 (02:aa:bb:cc:dd:f0) via eth1").expect("inform ack");
        assert_eq!(l.mac, b"02:aa:bb:cc:dd:f0");
        let l = parse(b"DHCPRELEASE of 10.40.20.15 from 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1 (found)")
            .expect("release");
        assert_eq!((l.event, l.hostname), (LeaseEvent::Release, Some(&b"KB-ICT1-PC05"[..])));
        let l = parse(b"DHCPEXPIRE on 10.40.20.15 to 02:aa:bb:cc:dd:ee").expect("expire");
        assert_eq!((l.event, l.via), (LeaseEvent::Expire, None));
    }

    #[test]
    fn refuses_what_binds_nothing() {
        for (msg, want) in [
            (
                "DHCPREQUEST for 10.40.20.15 from 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1",
                "binds no address",
            ),
            ("DHCPDISCOVER from 02:aa:bb:cc:dd:ee via eth1", "binds no address"),
            ("Wrote 12 leases to leases file.", "not a dhcpd lease"),
            ("DHCPACK on nonsense! to 02:aa via eth1", "not an IP"),
            ("DHCPACK to 10.0.0.1 02:aa via eth1", "(MAC)"),
            ("", "not a dhcpd lease"),
        ] {
            let err = parse(msg.as_bytes()).expect_err(msg);
            assert!(err.contains(want), "{msg}: {err}");
        }
    }
}
