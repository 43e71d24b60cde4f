//! The school's infrastructure around the people and their devices: servers, the firewall, the
//! printers, two devices that are not anybody's, and the outside addresses they talk to.
//!
//! Outside addresses are documentation ranges (RFC 5737), except where a detector needs a real,
//! well-known one (the public resolver 9.9.9.9) and the upstream addresses the proxy log already
//! uses for real services (`peer_ip` in the generator).

use super::school::DNS_DOMAIN;

/// The firewall's host name (FortiGate `devname`).
pub const FIREWALL_NAME: &str = "KB-FGT60F";
/// The firewall's serial number (FortiGate `devid`).
pub const FIREWALL_SERIAL: &str = "FGT60F0000000001";
/// The school's one public address (source NAT of everything leaving).
pub const PUBLIC_IP: &str = "198.51.100.10";
/// The Squid proxy server: its upstream sessions are the firewall's busiest.
pub const PROXY_IP: &str = "10.40.1.10";
/// The school's DNS resolver (a domain controller), the only machine meant to send DNS out.
pub const RESOLVER_IP: &str = "10.40.1.53";
/// The ISP resolvers the school's resolver forwards to.
pub const FORWARDERS: [&str; 2] = ["198.51.100.53", "198.51.100.54"];
/// The NTP servers the domain controller follows.
pub const NTP_SERVERS: [&str; 2] = ["192.0.2.123", "192.0.2.124"];
/// The DHCP server's syslog host name.
pub const DHCP_HOST: &str = "kb-dhcp01";
/// The DHCP server's address (the DHCP server identifier).
pub const DHCP_IP: &str = "10.40.1.5";
/// The on-premises Postfix relay's syslog host name.
pub const RELAY_HOST: &str = "kb-relay";
/// The Postfix relay's address.
pub const RELAY_IP: &str = "10.40.1.25";
/// The MIS server, which sends notices to parents through the relay.
pub const MIS_HOST: &str = "kb-mis01";
/// The MIS server's address.
pub const MIS_IP: &str = "10.40.1.40";
/// Microsoft 365's inbound host for the tenant (a fictional `.example` stand-in).
pub const M365_MX: &str = "kestrelbrook-example.mail.protection.outlook.example";
/// Its address.
pub const M365_MX_IP: &str = "198.51.100.25";
/// The FlexNet licence server.
pub const LICENCE_SERVER: &str = "KB-LIC01";

/// The multifunction printers (static addresses) that scan to e-mail through the relay.
pub const MFDS: [(&str, &str); 4] = [
    ("kb-mfd01", "10.40.5.21"),
    ("kb-mfd02", "10.40.5.22"),
    ("kb-mfd03", "10.40.5.23"),
    ("kb-mfd04", "10.40.5.24"),
];

/// A device on DHCP that is nobody's everyday machine.
#[derive(Debug, Clone)]
pub struct Extra {
    /// Host name it sends in DHCP.
    pub hostname: &'static str,
    /// Its reserved address.
    pub ip: &'static str,
    /// Its MAC address.
    pub mac: String,
}

/// The media-suite PC that was never enrolled: no proxy settings, straight to the internet.
pub fn media_pc() -> Extra {
    Extra {
        hostname: "KB-MEDIA-PC01",
        ip: "10.40.11.240",
        mac: mac_for("KB-MEDIA-PC01"),
    }
}

/// A new printer in the annexe, plugged in on Tuesday, whose scan-to-e-mail is misconfigured.
pub fn annexe_mfd() -> Extra {
    Extra {
        hostname: "KB-MFD-ANNEX",
        ip: "10.40.11.231",
        mac: mac_for("KB-MFD-ANNEX"),
    }
}

/// FNV-1a, for stable derived values (addresses, identifiers) that must not use the random
/// streams.
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |acc, b| {
        (acc ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A locally administered MAC address derived from a name.
pub fn mac_for(name: &str) -> String {
    let h = fnv(name).to_be_bytes();
    format!("02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", h[1], h[2], h[3], h[4], h[5])
}

/// A version-4-shaped GUID derived from a name (Intune device and user ids, message trace ids).
pub fn guid_for(name: &str) -> String {
    let a = fnv(name);
    let b = fnv(&format!("{name}\u{1}"));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// A staff member's or pupil's e-mail address.
pub fn email(username: &str) -> String {
    format!("{username}@{DNS_DOMAIN}")
}
