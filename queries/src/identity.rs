//! Identities learned from the web kind: an authenticated proxy or filter request says which user
//! was at a client address at that moment. Each change of user on an address becomes a `bind`
//! row of the identity frame (origin `proxy-auth`), so the as-of join that attributes events by
//! address sees proxy logons beside DHCP leases and user lists.

use polars::prelude::*;

/// A user seen again on the same address after this long is bound afresh, so that attribution
/// (which trusts a binding for a limited time) keeps following a long session.
pub const REBIND_MS: i64 = 3_600_000;

/// The identity rows learned from a web frame with columns `ts`, `client_ip`, `user`, `source`,
/// `line` and `offset`: for each client address, in time order, every request whose user differs
/// from the previous authenticated request's, or that comes more than [`REBIND_MS`] after it
/// (unauthenticated requests are skipped).
///
/// Columns: `ts`, `source`, `line`, `offset`, `event` (`bind`), `origin` (`proxy-auth`), `ip`,
/// `user`; the evidence is the first request of each run.
pub fn learned_identities(web: LazyFrame) -> LazyFrame {
    // Sorted and compared on dictionary ids; only the kept rows are turned into text.
    web.select([
        col("ts"),
        col("source"),
        col("line"),
        col("offset"),
        col("client_ip").alias("ip"),
        col("user"),
    ])
    .filter(col("user").is_not_null().and(col("ip").is_not_null()))
    // One i64 key (address id in the high bits, milliseconds in the low 42: 139 years) sorts
    // far faster than two keys.
    .sort_by_exprs(
        [col("ip").to_physical().cast(DataType::Int64) * lit(1i64 << 42)
            + (col("ts").cast(DataType::Int64) - col("ts").cast(DataType::Int64).min())],
        SortMultipleOptions::default().with_maintain_order(true),
    )
    .filter(
        col("user")
            .to_physical()
            .neq(col("user").to_physical().shift(lit(1)))
            .or(col("ip").to_physical().neq(col("ip").to_physical().shift(lit(1))))
            .or((col("ts").cast(DataType::Int64) - col("ts").cast(DataType::Int64).shift(lit(1))).gt(lit(REBIND_MS)))
            .fill_null(lit(true)),
    )
    .with_columns([lit("bind").alias("event"), lit("proxy-auth").alias("origin")])
    .select([
        col("ts"),
        col("source"),
        col("line"),
        col("offset"),
        col("event"),
        col("origin"),
        col("ip").cast(DataType::String),
        col("user").cast(DataType::String),
    ])
}

#[cfg(test)]
mod tests {
    use vigil_parsers::ingest::{IngestOptions, ingest};

    use super::*;
    use crate::frame::web_frame;

    #[test]
    fn each_change_of_user_on_an_address_is_a_binding() {
        let log = "\
1700000000.000 10 10.0.0.1 TCP_MISS/200 10 GET http://a.example/ KBA%5Calice HIER_DIRECT/192.0.2.1 text/html
1700000001.000 10 10.0.0.1 TCP_MISS/200 10 GET http://a.example/ KBA%5Calice HIER_DIRECT/192.0.2.1 text/html
1700000002.000 10 10.0.0.2 TCP_MISS/200 10 GET http://a.example/ - HIER_DIRECT/192.0.2.1 text/html
1700000003.000 10 10.0.0.1 TCP_MISS/200 10 GET http://a.example/ - HIER_DIRECT/192.0.2.1 text/html
1700000004.000 10 10.0.0.1 TCP_MISS/200 10 GET http://a.example/ KBA%5Cbob HIER_DIRECT/192.0.2.1 text/html
1700000005.000 10 10.0.0.2 TCP_MISS/200 10 GET http://a.example/ carol HIER_DIRECT/192.0.2.1 text/html
1700000006.000 10 10.0.0.1 TCP_MISS/200 10 GET http://a.example/ KBA%5Calice HIER_DIRECT/192.0.2.1 text/html
";
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log");
        std::fs::write(&path, log).expect("write");
        let got = ingest(&[path], &IngestOptions::default()).expect("ingest");
        let df = crate::collect(learned_identities(web_frame(got.web).expect("frame").lazy())).expect("learned");
        let rows: Vec<(String, String, u64)> = (0..df.height())
            .map(|i| {
                let s = |c: &str| {
                    df.column(c)
                        .expect(c)
                        .str()
                        .expect("str")
                        .get(i)
                        .unwrap_or("")
                        .to_owned()
                };
                let line = df.column("line").expect("line").u64().expect("u64").get(i).unwrap_or(0);
                (s("ip"), s("user"), line)
            })
            .collect();
        let want = [
            ("10.0.0.1", "alice", 1),
            ("10.0.0.1", "bob", 5),
            ("10.0.0.1", "alice", 7),
            ("10.0.0.2", "carol", 6),
        ];
        let want: Vec<(String, String, u64)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
            .collect();
        assert_eq!(rows, want);
    }
}
