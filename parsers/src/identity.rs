//! The `identity` kind: who or what held an IP address when (DHCP leases, logons, user lists,
//! users learned from authenticated proxy lines), for attributing events to people and devices.

use crate::time::TimestampMs;

/// What an identity line says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityEvent {
    /// The address was bound to the user/device from this time (DHCP ACK, renewal, logon, a row
    /// of a user list).
    Bind,
    /// The binding ended (DHCP release or expiry, logoff).
    Unbind,
}

impl IdentityEvent {
    /// The name used in frames and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityEvent::Bind => "bind",
            IdentityEvent::Unbind => "unbind",
        }
    }
}

/// Where an identity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentitySource {
    /// A DHCP server's lease.
    Dhcp,
    /// A logon record.
    Logon,
    /// An authenticated proxy or filter request.
    ProxyAuth,
    /// A user-supplied list.
    Csv,
}

impl IdentitySource {
    /// The name used in frames and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentitySource::Dhcp => "dhcp",
            IdentitySource::Logon => "logon",
            IdentitySource::ProxyAuth => "proxy-auth",
            IdentitySource::Csv => "csv",
        }
    }
}

/// One identity line as a format parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityRecord<'a> {
    /// When, if the payload carries its own time (else the syslog envelope's time applies).
    pub ts: Option<TimestampMs>,
    /// A payload time without a zone, to be read in the school's zone.
    pub local_time: Option<chrono::NaiveDateTime>,
    /// Bound or released.
    pub event: IdentityEvent,
    /// Where it came from.
    pub source: IdentitySource,
    /// The address.
    pub ip: &'a [u8],
    /// The user, where known.
    pub user: Option<&'a [u8]>,
    /// The device's name, where known.
    pub device: Option<&'a [u8]>,
    /// The device's hardware address, where known.
    pub mac: Option<&'a [u8]>,
    /// How long the binding lasts, where the source says (DHCP lease time).
    pub valid_for_s: Option<u64>,
}

impl<'a> IdentityRecord<'a> {
    /// A binding of `ip` from `source` with every other field empty.
    pub fn bind(source: IdentitySource, ip: &'a [u8]) -> Self {
        IdentityRecord {
            ts: None,
            local_time: None,
            event: IdentityEvent::Bind,
            source,
            ip,
            user: None,
            device: None,
            mac: None,
            valid_for_s: None,
        }
    }
}
