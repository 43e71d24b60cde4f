//! Round-trip property tests: print a record as a log line, parse it back, get the record.

use proptest::prelude::*;
use vigil_parsers::formats::squid;
use vigil_parsers::url::UrlParts;
use vigil_parsers::web::WebRecord;

/// A generated record with owned strings.
#[derive(Debug, Clone)]
struct Owned {
    ts: i64,
    elapsed: Option<u64>,
    client: String,
    result: String,
    status: u16,
    bytes: u64,
    method: String,
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
    path: String,
    query: Option<String>,
    user: Option<String>,
    hierarchy: String,
    peer: Option<String>,
    mime: Option<String>,
}

fn ipv4() -> impl Strategy<Value = String> {
    (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}"))
}

fn ipv6() -> impl Strategy<Value = String> {
    prop::collection::vec(0u16..=0xffff, 8)
        .prop_map(|v| v.iter().map(|x| format!("{x:x}")).collect::<Vec<_>>().join(":"))
}

fn hostname() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\\.[a-z0-9]{1,12}){0,3}"
}

prop_compose! {
    fn record()(
        ts in 0i64..4_102_444_800_000,
        elapsed in prop::option::of(0u64..10_000_000),
        client in prop_oneof![ipv4(), ipv6(), Just("::1".to_owned())],
        result in prop::sample::select(vec!["TCP_MISS", "TCP_HIT", "TCP_MEM_HIT", "TCP_DENIED", "TCP_TUNNEL", "NONE_NONE", "TCP_MISS_ABORTED", "TCP_REFRESH_UNMODIFIED", "TCP_DENIED_REPLY", "TCP_REDIRECT"]),
        status in 0u16..1000,
        bytes in 0u64..1_000_000_000_000,
        connect in any::<bool>(),
        method in prop::sample::select(vec!["GET", "POST", "HEAD", "PUT", "OPTIONS"]),
        scheme in prop::sample::select(vec!["http", "https", "ftp"]),
        host in prop_oneof![hostname(), ipv4(), ipv6()],
        port in prop::option::of(1u16..=65535),
        path in "(/[A-Za-z0-9._~%+-]{0,12}){0,4}",
        query in prop::option::of("[A-Za-z0-9=&%+._-]{0,30}"),
        user in prop::option::of("[A-Za-z0-9][A-Za-z0-9._@-]{0,11}(%5C[a-z0-9.]{1,10})?"),
        hierarchy in prop::sample::select(vec!["HIER_DIRECT", "HIER_NONE", "DIRECT", "PARENT_HIT", "FIRSTUP_PARENT", "NONE"]),
        peer in prop::option::of(prop_oneof![ipv4(), hostname()]),
        mime in prop::option::of("[a-z]{1,11}/[a-z0-9.+-]{1,20}"),
    ) -> Owned {
        let connect_port = port.or(Some(443));
        Owned {
            ts, elapsed, client, result: result.to_owned(), status, bytes,
            method: if connect { "CONNECT".to_owned() } else { method.to_owned() },
            scheme: if connect { None } else { Some(scheme.to_owned()) },
            host,
            port: if connect { connect_port } else { port },
            path: if connect { String::new() } else { path },
            query: if connect { None } else { query },
            user, hierarchy: hierarchy.to_owned(), peer, mime,
        }
    }
}

fn borrowed(o: &Owned) -> WebRecord<'_> {
    let mut r = WebRecord::new(o.ts);
    r.duration_ms = o.elapsed;
    r.client = Some(o.client.as_bytes());
    r.result = Some(o.result.as_bytes());
    r.status = Some(o.status);
    r.bytes_in = Some(o.bytes);
    r.method = Some(o.method.as_bytes());
    r.url = UrlParts {
        scheme: o.scheme.as_deref().map(str::as_bytes),
        host: Some(o.host.as_bytes()),
        port: o.port,
        path: o.path.as_bytes(),
        query: o.query.as_deref().map(str::as_bytes),
    };
    r.user = o.user.as_deref().map(str::as_bytes);
    r.hierarchy = Some(o.hierarchy.as_bytes());
    r.peer = o.peer.as_deref().map(str::as_bytes);
    r.mime = o.mime.as_deref().map(str::as_bytes);
    r.action = squid::action(o.result.as_bytes(), o.status);
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn squid_lines_round_trip(o in record()) {
        let want = borrowed(&o);
        let mut line = Vec::new();
        squid::format(&want, &mut line);
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let got = squid::parse(text).map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(text))))?;
        prop_assert_eq!(got, want, "line: {}", String::from_utf8_lossy(text));
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let ctx = vigil_parsers::time::TimeContext::new(vigil_parsers::time::DEFAULT_TZ, None);
        let _ = squid::parse(&bytes);
        let _ = vigil_parsers::formats::combined::parse(&bytes);
        let _ = vigil_parsers::syslog::parse(&bytes, &ctx);
        let _ = vigil_parsers::formats::netfilter::parse(&bytes);
        let _ = vigil_parsers::formats::filterlog::parse_line(&bytes, &ctx);
        let _ = vigil_parsers::formats::fortigate::parse(&bytes);
        let _ = vigil_parsers::formats::sophos::parse(&bytes);
        let _ = vigil_parsers::formats::dhcpd::parse(&bytes);
        let _ = vigil_parsers::formats::flexlm::parse(&bytes);
        let _ = vigil_parsers::formats::exim::parse(&bytes);
        let _ = vigil_parsers::formats::e2guardian::parse(&bytes, &ctx);
    }
}
