//! Totals over the mail and flow kinds for `vigil top`: per sender, recipient or domain (with the
//! counters pflogsumm reports), and per source, destination or port (passed and blocked
//! connections and bytes).

use std::collections::HashMap;

use polars::prelude::*;

/// Mail totals by …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKey {
    /// envelope sender address (`<>` for the null sender of bounces).
    Senders,
    /// recipient address.
    Recipients,
    /// domain: the recipient's domain for outcomes, the sender's for received messages.
    Domains,
}

/// Mail counters of one sender, recipient or domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MailRow {
    /// The address or domain.
    pub key: String,
    /// Messages received (accepted into the queue).
    pub received: u64,
    /// Recipient deliveries.
    pub delivered: u64,
    /// Recipients forwarded to other addresses (aliases, lists).
    pub forwarded: u64,
    /// Deferrals (attempts that will be retried).
    pub deferred: u64,
    /// Recipients bounced.
    pub bounced: u64,
    /// Messages that expired in the queue.
    pub expired: u64,
    /// Recipients refused at SMTP time.
    pub rejected: u64,
    /// Refusals in warn-only mode.
    pub reject_warnings: u64,
    /// Messages held or quarantined.
    pub held: u64,
    /// Messages discarded by a rule.
    pub discarded: u64,
    /// Bytes of the messages received.
    pub bytes_received: u64,
    /// Bytes delivered (the message size once per delivered recipient).
    pub bytes_delivered: u64,
}

impl MailRow {
    /// Every outcome counted in the row.
    pub fn messages(&self) -> u64 {
        self.received
            + self.delivered
            + self.forwarded
            + self.deferred
            + self.bounced
            + self.expired
            + self.rejected
            + self.reject_warnings
            + self.held
            + self.discarded
    }

    fn add(&mut self, r: &MailRow) {
        self.received += r.received;
        self.delivered += r.delivered;
        self.forwarded += r.forwarded;
        self.deferred += r.deferred;
        self.bounced += r.bounced;
        self.expired += r.expired;
        self.rejected += r.rejected;
        self.reject_warnings += r.reject_warnings;
        self.held += r.held;
        self.discarded += r.discarded;
        self.bytes_received += r.bytes_received;
        self.bytes_delivered += r.bytes_delivered;
    }
}

/// Sums the counters of `rows` into one (the key is left empty).
pub fn mail_totals(rows: &[MailRow]) -> MailRow {
    rows.iter().fold(MailRow::default(), |mut t, r| {
        t.add(r);
        t
    })
}

/// How to rank summary rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankBy {
    /// Bytes (mail: received + delivered).
    Bytes,
    /// Messages or connections.
    Count,
    /// Refused: mail rejected + bounced; flows blocked.
    Blocked,
}

/// The per-row counters summed by [`top_mail`], in [`MailRow`] field order.
const COUNTERS: [&str; 12] = [
    "received",
    "delivered",
    "forwarded",
    "deferred",
    "bounced",
    "expired",
    "rejected",
    "reject_warnings",
    "held",
    "discarded",
    "bytes_received",
    "bytes_delivered",
];

/// Mail counters per key from a mail frame (columns `from`, `to`, `status`, `size`), all keys,
/// ranked by `by` descending then key.
pub fn top_mail(mail: LazyFrame, key: MailKey, by: RankBy) -> PolarsResult<Vec<MailRow>> {
    let status = col("status").cast(DataType::String);
    let is = |s: &str| status.clone().eq(lit(s)).cast(DataType::UInt64);
    let size = col("size").fill_null(lit(0u64));
    let grouped = mail
        .select([
            col("from").cast(DataType::String).alias("from"),
            col("to").cast(DataType::String).alias("to"),
            is("received").alias("received"),
            is("sent").alias("delivered"),
            is("expanded").alias("forwarded"),
            is("deferred").alias("deferred"),
            is("bounced").alias("bounced"),
            is("expired").alias("expired"),
            is("rejected").alias("rejected"),
            is("reject-warning").alias("reject_warnings"),
            is("held").alias("held"),
            is("discarded").alias("discarded"),
            (is("received") * size.clone()).alias("bytes_received"),
            (is("sent") * size).alias("bytes_delivered"),
        ])
        .group_by([col("from"), col("to")])
        .agg(COUNTERS.iter().map(|c| col(*c).sum()).collect::<Vec<_>>());
    let df = crate::collect(grouped)?;
    let from = df.column("from")?.str()?.clone();
    let to = df.column("to")?.str()?.clone();
    let n =
        |name: &str| -> PolarsResult<UInt64Chunked> { Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.clone()) };
    let counters: Vec<UInt64Chunked> = COUNTERS.iter().map(|c| n(c)).collect::<PolarsResult<_>>()?;
    let mut by_key: HashMap<String, MailRow> = HashMap::new();
    for i in 0..df.height() {
        let sender = from.get(i).map(|f| if f.is_empty() { "<>" } else { f });
        let recipient = to.get(i);
        let k = match key {
            MailKey::Senders => sender.unwrap_or("-").to_owned(),
            MailKey::Recipients => recipient.unwrap_or("-").to_owned(),
            MailKey::Domains => domain(recipient.or(sender).unwrap_or("-")),
        };
        let row = by_key.entry(k.clone()).or_insert_with(|| MailRow {
            key: k,
            ..MailRow::default()
        });
        let v = |k: usize| counters[k].get(i).unwrap_or(0);
        row.add(&MailRow {
            key: String::new(),
            received: v(0),
            delivered: v(1),
            forwarded: v(2),
            deferred: v(3),
            bounced: v(4),
            expired: v(5),
            rejected: v(6),
            reject_warnings: v(7),
            held: v(8),
            discarded: v(9),
            bytes_received: v(10),
            bytes_delivered: v(11),
        });
    }
    let mut rows: Vec<MailRow> = by_key.into_values().filter(|r| r.messages() > 0).collect();
    let rank = |r: &MailRow| match by {
        RankBy::Bytes => r.bytes_received + r.bytes_delivered,
        RankBy::Count => r.messages(),
        RankBy::Blocked => r.rejected + r.bounced,
    };
    rows.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.key.cmp(&b.key)));
    Ok(rows)
}

/// The lower-cased domain of an address (`<>` and addresses without `@` are their own key).
fn domain(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((_, d)) if !d.is_empty() => d.to_ascii_lowercase(),
        _ => address.to_owned(),
    }
}

/// Flow totals by …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKey {
    /// source address.
    Sources,
    /// destination address.
    Destinations,
    /// destination port and protocol (`443/TCP`).
    Ports,
}

/// Flow counters of one source, destination or port.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlowRow {
    /// The address or `port/protocol`.
    pub key: String,
    /// Connections (or packets, for packet logs) logged.
    pub connections: u64,
    /// Those let through.
    pub passed: u64,
    /// Those blocked or rejected.
    pub blocked: u64,
    /// Bytes logged.
    pub bytes: u64,
}

/// Flow counters per key from a flow frame (columns `action`, `src_ip`, `dst_ip`, `dst_port`,
/// `proto`, `bytes`), all keys, ranked by `by` descending then key.
pub fn top_flows(flows: LazyFrame, key: FlowKey, by: RankBy) -> PolarsResult<Vec<FlowRow>> {
    let action = col("action").cast(DataType::String);
    let keys: Vec<Expr> = match key {
        FlowKey::Sources => vec![col("src_ip").cast(DataType::String).alias("k1")],
        FlowKey::Destinations => vec![col("dst_ip").cast(DataType::String).alias("k1")],
        FlowKey::Ports => vec![
            col("dst_port").alias("k1"),
            col("proto").cast(DataType::String).alias("k2"),
        ],
    };
    let group: Vec<Expr> = match key {
        FlowKey::Ports => vec![col("k1"), col("k2")],
        _ => vec![col("k1")],
    };
    let mut select = keys;
    select.extend([
        action.clone().eq(lit("pass")).cast(DataType::UInt64).alias("passed"),
        (action.clone().eq(lit("block")).or(action.eq(lit("reject"))))
            .cast(DataType::UInt64)
            .alias("blocked"),
        col("bytes").fill_null(lit(0u64)).alias("bytes"),
    ]);
    let query = flows.select(select).group_by(group).agg([
        len().cast(DataType::UInt64).alias("connections"),
        col("passed").sum(),
        col("blocked").sum(),
        col("bytes").sum(),
    ]);
    let df = crate::collect(query)?;
    let n =
        |name: &str| -> PolarsResult<UInt64Chunked> { Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.clone()) };
    let (conns, passed, blocked, bytes) = (n("connections")?, n("passed")?, n("blocked")?, n("bytes")?);
    let k1 = df.column("k1")?.cast(&DataType::String)?;
    let k1 = k1.str()?;
    let k2 = match df.column("k2") {
        Ok(c) => Some(c.cast(&DataType::String)?.str()?.clone()),
        Err(_) => None,
    };
    let mut rows: Vec<FlowRow> = (0..df.height())
        .map(|i| {
            let first = k1.get(i).unwrap_or("-");
            let key = match &k2 {
                Some(k2) => format!("{first}/{}", k2.get(i).unwrap_or("-")),
                None => first.to_owned(),
            };
            FlowRow {
                key,
                connections: conns.get(i).unwrap_or(0),
                passed: passed.get(i).unwrap_or(0),
                blocked: blocked.get(i).unwrap_or(0),
                bytes: bytes.get(i).unwrap_or(0),
            }
        })
        .collect();
    let rank = |r: &FlowRow| match by {
        RankBy::Bytes => r.bytes,
        RankBy::Count => r.connections,
        RankBy::Blocked => r.blocked,
    };
    rows.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.key.cmp(&b.key)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use vigil_parsers::Kind;
    use vigil_parsers::ingest::{IngestOptions, ingest};

    use super::*;
    use crate::frame::row_frame;

    fn frame(file: &str, kind: Kind) -> LazyFrame {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../parsers/tests/data")
            .join(file);
        let mut got = ingest(&[path], &IngestOptions::default()).expect("ingest");
        row_frame(got.take_table(kind).expect("table")).expect("frame").lazy()
    }

    #[test]
    fn flows_by_port_count_passed_and_blocked() {
        let rows = top_flows(
            frame("firewall/fortigate.log", Kind::Flow),
            FlowKey::Ports,
            RankBy::Count,
        )
        .expect("top");
        let got: Vec<(&str, u64, u64, u64)> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.connections, r.passed, r.blocked))
            .collect();
        // The sample alternates accepted HTTPS with denied WireGuard and OpenVPN attempts.
        assert_eq!(
            got,
            [("1194/UDP", 4, 0, 4), ("443/TCP", 4, 4, 0), ("51820/UDP", 4, 0, 4)]
        );
    }

    #[test]
    fn mail_by_domain_joins_each_message() {
        let rows = top_mail(frame("mail/exim-mainlog", Kind::Mail), MailKey::Domains, RankBy::Count).expect("top");
        let get = |d: &str| rows.iter().find(|r| r.key == d).cloned().unwrap_or_default();
        // Six messages received from parents at home.example, each delivered to the office.
        let home = get("home.example");
        assert_eq!((home.received, home.bytes_received), (6, (12345..12351).sum()));
        let school = get("kestrelbrook.example");
        assert_eq!((school.delivered, school.rejected), (6, 1));
        assert_eq!(school.bytes_delivered, (12345..12351).sum::<u64>());
        assert_eq!(mail_totals(&rows).messages(), 13);
    }
}
