//! The `flow` event kind: one record per connection or packet a firewall logged.

use crate::formats::Kind;
use crate::rows::{ColumnType, RowBatch, Schema, col};

/// What the firewall did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FlowAction {
    /// Let through.
    Pass,
    /// Dropped silently.
    Block,
    /// Refused with a reset or an ICMP error.
    Reject,
    /// Logged without a decision in the log (an audit or rate-limit rule).
    #[default]
    Logged,
}

impl FlowAction {
    /// The name used in frames and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowAction::Pass => "pass",
            FlowAction::Block => "block",
            FlowAction::Reject => "reject",
            FlowAction::Logged => "logged",
        }
    }

    /// The decision a rule's log prefix or action word names (`[UFW BLOCK]`, `Shorewall:net:DROP:`,
    /// `ACCEPT`, …), `Logged` when it names none.
    pub fn from_words(text: &[u8]) -> FlowAction {
        let upper: Vec<u8> = text.iter().map(u8::to_ascii_uppercase).collect();
        let has = |w: &[u8]| upper.windows(w.len()).any(|x| x == w);
        if has(b"REJECT") {
            FlowAction::Reject
        } else if has(b"BLOCK") || has(b"DROP") || has(b"DENY") {
            FlowAction::Block
        } else if has(b"ALLOW") || has(b"ACCEPT") || has(b"PASS") {
            FlowAction::Pass
        } else {
            FlowAction::Logged
        }
    }
}

/// Which way traffic crossed the firewall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Arriving at the firewall itself.
    Inbound,
    /// Leaving the firewall itself.
    Outbound,
    /// Routed through it.
    Forwarded,
}

impl Direction {
    /// The name used in frames and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
            Direction::Forwarded => "forward",
        }
    }
}

/// One firewall log line as a format parser reads it, borrowing from the line; the default has
/// every field empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowRecord<'a> {
    /// When, if the payload carries its own time (else the syslog envelope's time applies).
    pub ts: Option<crate::time::TimestampMs>,
    /// A payload time without a zone, to be read in the school's zone.
    pub local_time: Option<chrono::NaiveDateTime>,
    /// The decision.
    pub action: FlowAction,
    /// Which way it went.
    pub direction: Option<Direction>,
    /// Interface it arrived on.
    pub iface_in: Option<&'a [u8]>,
    /// Interface it left by.
    pub iface_out: Option<&'a [u8]>,
    /// Protocol name (`TCP`, `UDP`, `ICMP`, `UDPLITE`, …) or number (`162`).
    pub proto: Option<&'a [u8]>,
    /// Source address as logged.
    pub src_ip: Option<&'a [u8]>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination address as logged.
    pub dst_ip: Option<&'a [u8]>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// Bytes (the IP packet length for a packet log).
    pub bytes: Option<u64>,
    /// Packets.
    pub packets: Option<u64>,
    /// The rule or log prefix that matched.
    pub rule: Option<&'a [u8]>,
    /// Link-layer header as logged (`MAC=`).
    pub mac: Option<&'a [u8]>,
    /// Application the firewall recognised.
    pub app: Option<&'a [u8]>,
    /// Bytes the source sent (the upload), when the firewall counts each way.
    pub bytes_out: Option<u64>,
    /// Bytes the source received (the download), when the firewall counts each way.
    pub bytes_in: Option<u64>,
    /// The user the firewall identified (FortiGate `user=`, Sophos `user_name=`), as logged; the
    /// frame keeps its canonical form (`KBA\jsmith` → `jsmith`).
    pub user: Option<&'a [u8]>,
}

/// The columns of the `flow` kind.
pub static FLOW: Schema = Schema {
    kind: Kind::Flow,
    timed: true,
    columns: &[
        col("action", ColumnType::Cat),
        col("direction", ColumnType::Cat),
        col("iface_in", ColumnType::Cat),
        col("iface_out", ColumnType::Cat),
        col("proto", ColumnType::Cat),
        col("src_ip", ColumnType::Cat),
        col("src_port", ColumnType::U64),
        col("dst_ip", ColumnType::Cat),
        col("dst_port", ColumnType::U64),
        col("bytes", ColumnType::U64),
        col("packets", ColumnType::U64),
        col("rule", ColumnType::Cat),
        col("app", ColumnType::Cat),
        col("mac", ColumnType::Cat),
        col("firewall", ColumnType::Cat),
        col("bytes_out", ColumnType::U64),
        col("bytes_in", ColumnType::U64),
        col("user", ColumnType::Cat),
    ],
};

/// A protocol as one name whatever the vendor wrote: IANA numbers of the common protocols become
/// their names and names are upper-cased (`6`, `tcp` → `TCP`; `17` → `UDP`; `50` → `ESP`);
/// others are kept as logged.
pub fn canonical_proto(p: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let named: &[u8] = match p {
        b"1" => b"ICMP",
        b"2" => b"IGMP",
        b"6" => b"TCP",
        b"17" => b"UDP",
        b"41" => b"IPV6",
        b"47" => b"GRE",
        b"50" => b"ESP",
        b"51" => b"AH",
        b"58" => b"ICMPV6",
        b"132" => b"SCTP",
        b"136" => b"UDPLITE",
        _ if p.iter().any(u8::is_ascii_lowercase) => return std::borrow::Cow::Owned(p.to_ascii_uppercase()),
        _ => return std::borrow::Cow::Borrowed(p),
    };
    std::borrow::Cow::Borrowed(named)
}

impl FlowRecord<'_> {
    /// Appends the record as a row of [`FLOW`] at `ts`; `firewall` is the logging host.
    pub fn push(&self, b: &mut RowBatch, ts: i64, line: u64, offset: u64, firewall: Option<&[u8]>) {
        b.start(ts, line, offset);
        b.cat(0, Some(self.action.as_str().as_bytes()));
        b.cat(1, self.direction.map(|d| d.as_str().as_bytes()));
        b.cat(2, self.iface_in);
        b.cat(3, self.iface_out);
        b.cat(4, self.proto.map(canonical_proto).as_deref());
        b.cat(5, self.src_ip);
        b.num(6, self.src_port.map(u64::from));
        b.cat(7, self.dst_ip);
        b.num(8, self.dst_port.map(u64::from));
        b.num(9, self.bytes);
        b.num(10, self.packets);
        b.cat(11, self.rule);
        b.cat(12, self.app);
        b.cat(13, self.mac);
        b.cat(14, firewall);
        b.num(15, self.bytes_out);
        b.num(16, self.bytes_in);
        match self.user.filter(|u| !u.is_empty()) {
            Some(raw) => {
                let mut user = Vec::new();
                crate::user::canonical_into(raw, &mut user);
                b.cat(17, Some(&user));
            }
            None => b.cat(17, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_are_named_alike_across_vendors() {
        for (logged, want) in [
            ("6", "TCP"),
            ("tcp", "TCP"),
            ("TCP", "TCP"),
            ("17", "UDP"),
            ("udp", "UDP"),
            ("50", "ESP"),
            ("47", "GRE"),
            ("162", "162"),
            ("UDPLITE", "UDPLITE"),
        ] {
            assert_eq!(&*canonical_proto(logged.as_bytes()), want.as_bytes(), "{logged}");
        }
    }
}
