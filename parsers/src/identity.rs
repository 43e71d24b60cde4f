//! The `identity` kind: who or what held an IP address when (DHCP leases, logons, user lists,
//! users learned from authenticated proxy lines), for attributing events to people and devices.

use crate::formats::Kind;
use crate::rows::{ColumnType, RowBatch, Schema, col};
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

/// The columns of the `identity` kind; `ts` is when the binding started (or ended, for
/// `unbind`).
pub static IDENTITY: Schema = Schema {
    kind: Kind::Identity,
    timed: true,
    columns: &[
        col("event", ColumnType::Cat),
        col("origin", ColumnType::Cat),
        col("ip", ColumnType::Cat),
        col("user", ColumnType::Cat),
        col("user_raw", ColumnType::Cat),
        col("device", ColumnType::Cat),
        col("mac", ColumnType::Cat),
        col("valid_for_s", ColumnType::U64),
    ],
};

impl IdentityRecord<'_> {
    /// Appends the record as a row of [`IDENTITY`] at `ts`; `canonical` is scratch space for the
    /// canonical user name.
    pub fn push(&self, b: &mut RowBatch, ts: i64, line: u64, offset: u64, canonical: &mut Vec<u8>) {
        b.start(ts, line, offset);
        b.cat(0, Some(self.event.as_str().as_bytes()));
        b.cat(1, Some(self.source.as_str().as_bytes()));
        b.cat(2, Some(self.ip));
        let user = self.user.map(|u| {
            canonical.clear();
            crate::user::canonical_into(u, canonical);
            canonical.as_slice()
        });
        b.cat(3, user.filter(|u| !u.is_empty()));
        b.cat(4, self.user);
        b.cat(5, self.device);
        b.cat(6, self.mac);
        b.num(7, self.valid_for_s);
    }
}
