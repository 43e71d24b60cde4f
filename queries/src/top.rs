//! `vigil top`: per-user, per-host or per-client totals of requests, bytes and blocked requests.

use polars::prelude::*;
use vigil_parsers::web::Action;

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopKey {
    /// The canonical user name (`-` when unauthenticated).
    Users,
    /// The requested host.
    Hosts,
    /// The client address.
    Clients,
}

impl TopKey {
    /// The frame column grouped by.
    pub fn column(self) -> &'static str {
        match self {
            TopKey::Users => "user",
            TopKey::Hosts => "host",
            TopKey::Clients => "client_ip",
        }
    }
}

/// What to rank by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopBy {
    /// Bytes sent to the client.
    Bytes,
    /// Number of requests.
    Requests,
    /// Number of blocked requests.
    Blocked,
}

/// Options of a top query.
#[derive(Debug, Clone, Copy)]
pub struct TopOptions {
    /// Group key.
    pub key: TopKey,
    /// Ranking.
    pub by: TopBy,
    /// Rows to keep (`None`: all).
    pub limit: Option<usize>,
}

/// One output row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopRow {
    /// The user, host or client (`-` for none).
    pub key: String,
    /// Requests.
    pub requests: u64,
    /// Bytes sent to clients.
    pub bytes: u64,
    /// Blocked requests.
    pub blocked: u64,
}

/// Totals per key from a web frame with columns `key`, `bytes_in` and `action`, ranked by
/// `opts.by` descending then key ascending (the ranking and cut happen on the small result).
pub fn top(mut web: LazyFrame, opts: &TopOptions) -> PolarsResult<Vec<TopRow>> {
    let key = opts.key.column();
    // A dictionary-encoded key is grouped by its integer ids (cheaper to hash than categories)
    // and named afterwards from its mapping.
    let mapping = match web.collect_schema()?.get(key) {
        Some(DataType::Categorical(_, mapping)) => Some(mapping.clone()),
        _ => None,
    };
    let group_key = if mapping.is_some() {
        col(key).to_physical()
    } else {
        col(key)
    };
    // Flag blocked rows before grouping so every aggregation is a plain column sum. The action
    // column's physical ids are `Action as u32` (see frame.rs).
    let query = web
        .select([
            group_key.alias("key"),
            col("bytes_in"),
            col("action")
                .to_physical()
                .eq(lit(Action::Blocked as u32))
                .cast(DataType::UInt32)
                .alias("blocked"),
        ])
        .group_by([col("key")])
        .agg([
            len().alias("requests"),
            col("bytes_in").sum().alias("bytes"),
            col("blocked").sum().alias("blocked"),
        ])
        .with_columns([
            col("requests").cast(DataType::UInt64),
            col("bytes").cast(DataType::UInt64),
            col("blocked").cast(DataType::UInt64),
        ]);
    let df = crate::collect(query)?;
    let name_of = |i: usize| -> String {
        match &mapping {
            Some(m) => df
                .column("key")
                .ok()
                .and_then(|c| c.u32().ok().and_then(|ca| ca.get(i)))
                .and_then(|id| m.cat_to_str(id))
                .unwrap_or("-")
                .to_owned(),
            None => df
                .column("key")
                .ok()
                .and_then(|c| c.str().ok().and_then(|ca| ca.get(i)))
                .unwrap_or("-")
                .to_owned(),
        }
    };
    let requests = df.column("requests")?.u64()?.clone();
    let bytes = df.column("bytes")?.u64()?.clone();
    let blocked = df.column("blocked")?.u64()?.clone();
    let mut rows: Vec<TopRow> = (0..df.height())
        .map(|i| TopRow {
            key: name_of(i),
            requests: requests.get(i).unwrap_or(0),
            bytes: bytes.get(i).unwrap_or(0),
            blocked: blocked.get(i).unwrap_or(0),
        })
        .collect();
    let rank = |r: &TopRow| match opts.by {
        TopBy::Bytes => r.bytes,
        TopBy::Requests => r.requests,
        TopBy::Blocked => r.blocked,
    };
    rows.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.key.cmp(&b.key)));
    if let Some(n) = opts.limit {
        rows.truncate(n);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use vigil_parsers::ingest::{IngestOptions, ingest};
    use vigil_parsers::web::{WebColumn, WebColumns};

    use super::*;
    use crate::frame::web_frame;

    const LOG: &str = "\
1700000000.000     10 10.0.0.1 TCP_MISS/200 1000 GET http://www.bbc.co.uk/ SCHOOL%5Calice HIER_DIRECT/1.1.1.1 text/html
1700000001.000     10 10.0.0.1 TCP_DENIED/403 50 GET http://casino.example/ alice@school.example HIER_NONE/- text/html
1700000002.000     10 10.0.0.2 TCP_TUNNEL/200 5000 CONNECT www.google.com:443 - HIER_DIRECT/2.2.2.2 -
not a squid line
1700000003.000     10 10.0.0.3 TCP_DENIED/403 50 GET http://casino.example/x BOB HIER_NONE/- text/html
1700000004.000     10 10.0.0.3 TCP_MISS/200 70 GET https://www.google.co.uk/search?q=free+vpn%21&ie=UTF-8 BOB HIER_DIRECT/1.1.1.1 text/html
";

    fn frame(cols: WebColumns) -> DataFrame {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log");
        std::fs::write(&path, LOG).expect("write");
        let opts = IngestOptions {
            columns: cols,
            ..IngestOptions::default()
        };
        let got = ingest(&[path], &opts).expect("ingest");
        assert_eq!(got.sources[0].parsed, 5);
        assert_eq!(got.sources[0].rejected, 1);
        web_frame(got.web).expect("frame")
    }

    #[test]
    fn users_ranked_by_bytes_with_canonical_names() {
        let df = frame(WebColumns::of(&[
            WebColumn::User,
            WebColumn::BytesIn,
            WebColumn::Action,
        ]));
        let rows = top(
            df.lazy(),
            &TopOptions {
                key: TopKey::Users,
                by: TopBy::Bytes,
                limit: None,
            },
        )
        .expect("top");
        let want = [("-", 1, 5000, 0), ("alice", 2, 1050, 1), ("bob", 2, 120, 1)];
        let got: Vec<(&str, u64, u64, u64)> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.requests, r.bytes, r.blocked))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn hosts_by_blocked_with_limit() {
        let df = frame(WebColumns::all());
        assert_eq!(df.height(), 5);
        assert_eq!(df.width(), WebColumn::ALL.len());
        let rows = top(
            df.lazy(),
            &TopOptions {
                key: TopKey::Hosts,
                by: TopBy::Blocked,
                limit: Some(1),
            },
        )
        .expect("top");
        assert_eq!(
            rows,
            vec![TopRow {
                key: "casino.example".into(),
                requests: 2,
                bytes: 100,
                blocked: 2
            }]
        );
    }

    #[test]
    fn full_frame_has_evidence_and_search_columns() {
        let df = frame(WebColumns::all());
        let lines: Vec<Option<u64>> = df.column("line").expect("line").u64().expect("u64").iter().collect();
        assert_eq!(lines, vec![Some(1), Some(2), Some(3), Some(5), Some(6)]);
        let terms: Vec<Option<&str>> = df
            .column("search_terms")
            .expect("terms")
            .str()
            .expect("str")
            .iter()
            .collect();
        assert_eq!(terms, vec![None, None, None, None, Some("free vpn!")]);
        let offsets: Vec<Option<u64>> = df
            .column("offset")
            .expect("offset")
            .u64()
            .expect("u64")
            .iter()
            .collect();
        let second = LOG.find("1700000001").expect("line 2") as u64;
        assert_eq!(offsets[1], Some(second));
        let port = df.column("port").expect("port").u32().expect("u32").get(2);
        assert_eq!(port, Some(443));
        assert_eq!(df.column("port").expect("port").null_count(), 4);
        let ts = df.column("ts").expect("ts");
        assert!(matches!(ts.dtype(), DataType::Datetime(TimeUnit::Milliseconds, None)));
    }
}
