//! Every web, firewall and coverage rule on small logs written as the vendors write them, with a
//! policy compiled from the template: positives, negatives, thresholds, exemptions, windows and
//! missing log kinds.

use super::run;
use crate::context::Context;
use crate::findings::{Finding, Severity};

/// Epoch seconds of a UTC time.
fn secs(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("rfc3339")
        .timestamp()
}

/// A Squid native line (positional, like the lines it writes).
#[allow(clippy::too_many_arguments)]
fn squid(at: &str, ip: &str, user: &str, method: &str, url: &str, denied: bool, bytes: u64) -> String {
    let status = if denied { "TCP_DENIED/403" } else { "TCP_MISS/200" };
    let hier = if denied { "HIER_NONE/-" } else { "HIER_DIRECT/192.0.2.1" };
    let user = if user.is_empty() {
        "-".to_owned()
    } else {
        format!("KBA%5C{user}")
    };
    format!(
        "{}.000    100 {ip} {status} {bytes} {method} {url} {user} {hier} text/html\n",
        secs(at)
    )
}

/// A FortiGate traffic line (positional, like the lines it writes).
#[allow(clippy::too_many_arguments)]
fn fortigate(at: &str, src: &str, dst: &str, port: u16, proto: u8, action: &str, sent: u64, rcvd: u64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(at).expect("rfc3339");
    format!(
        "<189>date={} time={} devname=\"FW\" eventtime={}000000 tz=\"+0000\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" srcip={src} srcport=50000 dstip={dst} dstport={port} proto={proto} action=\"{action}\" sentbyte={sent} rcvdbyte={rcvd}\n",
        t.format("%Y-%m-%d"),
        t.format("%H:%M:%S"),
        t.timestamp_millis()
    )
}

/// Runs every detector over `files` (name, text) with the template policy (with `edits`, text
/// replacements, applied) and `lists` (category, domains) in its list directory.
fn findings_with(files: &[(&str, String)], lists: &[(&str, &str)], edits: &[(&str, &str)]) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("lists")).expect("mkdir");
    for (cat, domains) in lists {
        let d = dir.path().join("lists").join(cat);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("domains"), domains).expect("write");
    }
    let mut policy = crate::policy::TEMPLATE.replace("dirs = []", "dirs = [\"lists\"]");
    for (from, to) in edits {
        assert!(policy.contains(from), "{from} not in the template");
        policy = policy.replace(from, to);
    }
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, policy).expect("write");
    let cx = Context::load(&path).expect("policy");
    let inputs = super::testkit::inputs_in(&logs, files, None);
    run(&cx, inputs).expect("detectors").0.findings
}

fn findings(files: &[(&str, String)]) -> Vec<Finding> {
    findings_with(
        files,
        &[("gambling", "luckyspin.example\n"), ("iwf", "abuse.example\n")],
        &[],
    )
}

/// The findings of one rule, as (subject, severity, count).
fn of(f: &[Finding], rule: &str) -> Vec<(String, Severity, u64)> {
    f.iter()
        .filter(|x| x.rule == rule)
        .map(|x| (x.subject().to_owned(), x.severity, x.count))
        .collect()
}

const PUPIL_IP: &str = "10.40.20.7";
const STAFF_IP: &str = "10.40.10.7";

#[test]
fn unacceptable_and_illegal_content_blocked_or_not() {
    let log = [
        squid(
            "2026-11-17T12:08:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "luckyspin.example:443",
            true,
            3900,
        ),
        squid(
            "2026-11-17T12:09:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "www.luckyspin.example:443",
            true,
            3900,
        ),
        squid(
            "2026-11-17T14:00:00Z",
            STAFF_IP,
            "jsmith",
            "CONNECT",
            "abuse.example:443",
            false,
            3900,
        ),
        // Proxy authentication challenges are not attempts of their own.
        squid(
            "2026-11-17T15:00:00Z",
            PUPIL_IP,
            "",
            "CONNECT",
            "luckyspin.example:443",
            false,
            3900,
        )
        .replace("TCP_MISS/200", "TCP_DENIED/407"),
    ]
    .concat();
    let f = findings(&[("access.log", log)]);
    assert_eq!(of(&f, "breach.unacceptable"), [("20ann".to_owned(), Severity::High, 2)]);
    assert_eq!(of(&f, "breach.illegal"), [("jsmith".to_owned(), Severity::Critical, 1)]);
    let s = &f
        .iter()
        .find(|x| x.rule == "breach.unacceptable")
        .expect("finding")
        .summary;
    assert!(s.contains("all blocked") && s.contains("luckyspin"), "{s}");
}

#[test]
fn certain_times_nominated_and_exemptions() {
    let log = [
        // Social media: lunch (12:20–13:05) is fine, a lesson is not.
        squid(
            "2026-11-17T12:30:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "www.instagram.com:443",
            false,
            100,
        ),
        squid(
            "2026-11-17T09:30:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "www.instagram.com:443",
            false,
            100,
        ),
        // Blocked in a lesson: the filter enforced the policy (a record only).
        squid(
            "2026-11-17T09:30:00Z",
            PUPIL_IP,
            "20bob",
            "CONNECT",
            "www.tiktok.com:443",
            true,
            100,
        ),
        // Webmail is nominated for staff.
        squid(
            "2026-11-17T10:00:00Z",
            STAFF_IP,
            "jsmith",
            "CONNECT",
            "mail.google.com:443",
            false,
            100,
        ),
        squid(
            "2026-11-17T10:00:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "mail.google.com:443",
            false,
            100,
        ),
        // Games for pupils during the template's exemption (18 Nov 11:00–12:20), and after it.
        squid(
            "2026-11-18T11:30:00Z",
            PUPIL_IP,
            "20cat",
            "CONNECT",
            "poki.com:443",
            false,
            100,
        ),
        squid(
            "2026-11-18T12:40:00Z",
            PUPIL_IP,
            "20cat",
            "CONNECT",
            "poki.com:443",
            false,
            100,
        ),
        // Summer time: 11:30 UTC in June is 12:30 BST, lunch.
        squid(
            "2026-06-16T11:30:00Z",
            PUPIL_IP,
            "20dan",
            "CONNECT",
            "www.instagram.com:443",
            false,
            100,
        ),
        // …and 08:30 UTC in June is 09:30 BST, a lesson.
        squid(
            "2026-06-16T08:30:00Z",
            PUPIL_IP,
            "20eve",
            "CONNECT",
            "www.instagram.com:443",
            false,
            100,
        ),
        // Streaming is acceptable at any time for staff, in the windows for pupils.
        squid(
            "2026-11-17T09:30:00Z",
            STAFF_IP,
            "jsmith",
            "GET",
            "https://www.youtube.com/watch",
            false,
            100,
        ),
        squid(
            "2026-11-17T09:30:00Z",
            PUPIL_IP,
            "20fay",
            "GET",
            "https://www.youtube.com/watch",
            false,
            100,
        ),
    ]
    .concat();
    let f = findings(&[("access.log", log)]);
    let mut times = of(&f, "breach.certain-times");
    times.sort();
    assert_eq!(
        times,
        [
            ("20ann".to_owned(), Severity::Low, 1),
            ("20bob".to_owned(), Severity::Info, 1),
            ("20cat".to_owned(), Severity::Low, 1),
            ("20eve".to_owned(), Severity::Low, 1),
            ("20fay".to_owned(), Severity::Low, 1),
        ]
    );
    assert_eq!(of(&f, "breach.nominated"), [("20ann".to_owned(), Severity::Low, 1)]);
    assert_eq!(of(&f, "breach.exempted"), [("20cat".to_owned(), Severity::Info, 1)]);
    let ex = f.iter().find(|x| x.rule == "breach.exempted").expect("exempted");
    assert!(ex.summary.contains("Year 9 computing"), "{}", ex.summary);
}

#[test]
fn bypass_on_the_web() {
    let mut log = vec![
        squid(
            "2026-11-16T11:14:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://www.google.com/search?q=free+vpn+no+download",
            false,
            50000,
        ),
        squid(
            "2026-11-16T11:15:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "nordvpn.com:443",
            true,
            3900,
        ),
        squid(
            "2026-11-16T11:16:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://unblocked-proxy.example/browse.php",
            true,
            3900,
        ),
        squid(
            "2026-11-17T10:00:00Z",
            PUPIL_IP,
            "20bob",
            "GET",
            "https://www.google.com/search?q=unblocked+games",
            false,
            50000,
        ),
        squid(
            "2026-11-17T10:00:00Z",
            PUPIL_IP,
            "20cat",
            "CONNECT",
            "cloudflare-dns.com:443",
            false,
            3000,
        ),
        squid(
            "2026-11-17T10:05:00Z",
            PUPIL_IP,
            "20cat",
            "CONNECT",
            "dns.google:443",
            false,
            3000,
        ),
        squid(
            "2026-11-17T11:00:00Z",
            PUPIL_IP,
            "20dan",
            "CONNECT",
            "203.0.113.45:443",
            false,
            90000,
        ),
        // A bare private address is the school's own: not a bypass.
        squid(
            "2026-11-17T11:00:00Z",
            STAFF_IP,
            "jsmith",
            "CONNECT",
            "10.40.1.40:443",
            false,
            90000,
        ),
    ];
    // 20 blocked requests within 10 minutes: a burst; 19 is not.
    for i in 0..20 {
        log.push(squid(
            &format!("2026-11-18T10:{:02}:00Z", i / 4),
            PUPIL_IP,
            "20eve",
            "CONNECT",
            &format!("site{i}.example:443"),
            true,
            3900,
        ));
    }
    for i in 0..19 {
        log.push(squid(
            &format!("2026-11-18T10:{:02}:00Z", i / 4),
            PUPIL_IP,
            "20fay",
            "CONNECT",
            &format!("site{i}.example:443"),
            true,
            3900,
        ));
    }
    log.sort_by_key(|l| l.split(' ').next().unwrap_or("").to_owned());
    let f = findings(&[("access.log", log.concat())]);
    assert_eq!(of(&f, "bypass.vpn"), [("20ann".to_owned(), Severity::High, 3)]);
    assert_eq!(of(&f, "bypass.search"), [("20bob".to_owned(), Severity::Medium, 1)]);
    assert_eq!(of(&f, "bypass.doh"), [("20cat".to_owned(), Severity::Medium, 2)]);
    assert_eq!(of(&f, "bypass.direct-ip"), [("20dan".to_owned(), Severity::Medium, 1)]);
    assert_eq!(
        of(&f, "bypass.block-burst"),
        [("20eve".to_owned(), Severity::Medium, 20)]
    );
    // VPN/proxy categories are the bypass family's, never also a breach.
    assert!(of(&f, "breach.unacceptable").is_empty(), "{f:#?}");
}

#[test]
fn bypass_in_firewall_logs() {
    let proxy = squid(
        "2026-11-18T09:00:00Z",
        "10.40.25.178",
        "20ann",
        "GET",
        "https://www.bbc.co.uk/news",
        false,
        1000,
    );
    let log = [
        fortigate(
            "2026-11-18T13:52:00Z",
            "10.40.25.178",
            "203.0.113.51",
            51820,
            17,
            "deny",
            0,
            0,
        ),
        fortigate(
            "2026-11-18T13:53:00Z",
            "10.40.25.178",
            "203.0.113.94",
            1194,
            17,
            "deny",
            0,
            0,
        ),
        fortigate(
            "2026-11-18T13:54:00Z",
            "10.40.25.178",
            "203.0.113.95",
            443,
            50,
            "deny",
            0,
            0,
        ),
        fortigate(
            "2026-11-18T10:21:00Z",
            "10.40.20.243",
            "203.0.113.101",
            9001,
            6,
            "deny",
            0,
            0,
        ),
        fortigate("2026-11-18T09:05:00Z", "10.40.25.220", "9.9.9.9", 853, 6, "deny", 0, 0),
        fortigate("2026-11-18T09:06:00Z", "10.40.25.220", "9.9.9.9", 53, 17, "deny", 0, 0),
        // The school's resolver asking its forwarders, and a client asking the resolver: fine.
        fortigate(
            "2026-11-18T09:07:00Z",
            "10.40.1.53",
            "198.51.100.53",
            53,
            17,
            "accept",
            80,
            200,
        ),
        fortigate(
            "2026-11-18T09:08:00Z",
            "10.40.25.220",
            "10.40.1.53",
            53,
            17,
            "accept",
            80,
            200,
        ),
        // QUIC is reported only where the school blocks it.
        fortigate(
            "2026-11-18T09:09:00Z",
            "10.40.25.221",
            "142.250.1.1",
            443,
            17,
            "deny",
            0,
            0,
        ),
    ]
    .concat();
    let files = [("access.log", proxy), ("fortigate.log", log)];
    let f = findings(&files);
    // The Chromebook's user comes from its authenticated proxy request that morning.
    assert_eq!(of(&f, "bypass.vpn-protocol"), [("20ann".to_owned(), Severity::High, 3)]);
    assert_eq!(of(&f, "bypass.tor"), [("10.40.20.243".to_owned(), Severity::High, 1)]);
    assert_eq!(
        of(&f, "bypass.outside-dns"),
        [("10.40.25.220".to_owned(), Severity::Medium, 2)]
    );
    assert!(of(&f, "bypass.quic").is_empty());
    let f = findings_with(&files, &[], &[("block-quic = false", "block-quic = true")]);
    assert_eq!(of(&f, "bypass.quic"), [("10.40.25.221".to_owned(), Severity::Low, 1)]);
}

#[test]
fn keywords_in_searches_addresses_and_subjects() {
    let log = [
        squid(
            "2026-11-18T13:05:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://www.google.com/search?q=3xtr3m1st+recruitment",
            false,
            50000,
        ),
        squid(
            "2026-11-18T13:09:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://www.google.com/search?q=far+right+rally",
            false,
            50000,
        ),
        squid(
            "2026-11-19T15:41:00Z",
            PUPIL_IP,
            "20bob",
            "GET",
            "http://forum.example/threads/ways-to-self-harm",
            false,
            50000,
        ),
        squid(
            "2026-11-19T15:42:00Z",
            PUPIL_IP,
            "20cat",
            "GET",
            "https://www.google.com/search?q=photosynthesis+equation",
            false,
            50000,
        ),
    ]
    .concat();
    let f = findings(&[("access.log", log)]);
    assert_eq!(of(&f, "keyword.prevent"), [("20ann".to_owned(), Severity::Critical, 2)]);
    assert_eq!(
        of(&f, "keyword.self-harm"),
        [("20bob".to_owned(), Severity::Critical, 1)]
    );
    assert_eq!(f.iter().filter(|x| x.rule.starts_with("keyword.")).count(), 2, "{f:#?}");
}

#[test]
fn large_transfers_and_daily_totals() {
    let web = [
        squid(
            "2026-11-17T10:12:00Z",
            STAFF_IP,
            "edunby",
            "GET",
            "http://mirror.example/disk.iso",
            false,
            1_500_000_000,
        ),
        squid(
            "2026-11-17T11:00:00Z",
            STAFF_IP,
            "edunby",
            "GET",
            "http://mirror.example/disk2.iso",
            false,
            900_000_000,
        ),
        squid(
            "2026-11-17T12:00:00Z",
            STAFF_IP,
            "edunby",
            "GET",
            "http://mirror.example/disk3.iso",
            false,
            900_000_000,
        ),
        squid(
            "2026-11-17T13:00:00Z",
            STAFF_IP,
            "edunby",
            "GET",
            "http://mirror.example/disk4.iso",
            false,
            900_000_000,
        ),
        squid(
            "2026-11-17T14:00:00Z",
            STAFF_IP,
            "edunby",
            "GET",
            "http://mirror.example/disk5.iso",
            false,
            900_000_000,
        ),
        squid(
            "2026-11-17T14:00:00Z",
            STAFF_IP,
            "other",
            "GET",
            "http://mirror.example/small",
            false,
            900_000_000,
        ),
    ]
    .concat();
    let fw = [
        fortigate(
            "2026-11-17T16:46:00Z",
            "10.40.10.18",
            "203.0.113.140",
            443,
            6,
            "close",
            3_266_920_757,
            19_078_681,
        ),
        // The proxy's own traffic is not a person's.
        fortigate(
            "2026-11-17T16:47:00Z",
            "10.40.1.10",
            "203.0.113.141",
            443,
            6,
            "close",
            10,
            3_000_000_000,
        ),
    ]
    .concat();
    let f = findings(&[("access.log", web), ("fortigate.log", fw)]);
    assert_eq!(
        of(&f, "usage.large-transfer"),
        [("edunby".to_owned(), Severity::Medium, 1)]
    );
    assert_eq!(
        of(&f, "usage.large-upload"),
        [("10.40.10.18".to_owned(), Severity::Medium, 1)]
    );
    let daily = of(&f, "usage.daily-bytes");
    assert_eq!(daily.len(), 1, "{daily:?}");
    assert_eq!(daily[0].0, "edunby");
}

#[test]
fn unfiltered_devices_and_missing_log_kinds() {
    let web = squid(
        "2026-11-17T09:00:00Z",
        "10.40.20.8",
        "20ann",
        "GET",
        "https://www.bbc.co.uk/news",
        false,
        1000,
    );
    let fw = [
        // A client with direct web traffic that the proxy never sees.
        fortigate(
            "2026-11-17T09:00:00Z",
            "10.40.11.240",
            "104.18.1.1",
            443,
            6,
            "close",
            5_000_000,
            90_000_000,
        ),
        fortigate(
            "2026-11-17T10:00:00Z",
            "10.40.11.240",
            "104.18.1.2",
            443,
            6,
            "close",
            5_000_000,
            90_000_000,
        ),
        // A client the proxy does see, and the proxy itself: covered.
        fortigate(
            "2026-11-17T09:00:00Z",
            "10.40.20.8",
            "104.18.1.1",
            443,
            6,
            "close",
            5_000,
            90_000,
        ),
        fortigate(
            "2026-11-17T09:00:00Z",
            "10.40.1.10",
            "104.18.1.1",
            443,
            6,
            "close",
            5_000,
            90_000,
        ),
        // Denied direct traffic is not unfiltered.
        fortigate("2026-11-17T09:00:00Z", "10.40.20.9", "104.18.1.1", 443, 6, "deny", 0, 0),
    ]
    .concat();
    let f = findings(&[("access.log", web), ("fortigate.log", fw)]);
    assert_eq!(
        of(&f, "coverage.unfiltered-device"),
        [("10.40.11.240".to_owned(), Severity::High, 2)]
    );
    // No mail, inventory, licence or licence-server logs: their rules are not observable.
    let missing: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == "coverage.not-observable")
        .map(|x| x.summary.as_str())
        .collect();
    assert!(
        missing
            .iter()
            .any(|s| s.starts_with("not observable (no mail logs): ") && s.contains("mail.auto-forward")),
        "{missing:?}"
    );
    assert!(
        missing.iter().any(|s| s.contains("licences.concurrent-denials")),
        "{missing:?}"
    );
    assert!(
        !missing.iter().any(|s| s.contains("breach.")),
        "web logs were read: {missing:?}"
    );
}

#[test]
fn without_firewall_logs_its_rules_are_not_observable() {
    let web = squid(
        "2026-11-17T09:00:00Z",
        "10.40.20.8",
        "20ann",
        "GET",
        "https://www.bbc.co.uk/news",
        false,
        1000,
    );
    let f = findings(&[("access.log", web)]);
    let s: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == "coverage.not-observable")
        .map(|x| x.summary.as_str())
        .collect();
    assert!(
        s.iter()
            .any(|s| s.starts_with("not observable (no flow logs)") && s.contains("bypass.vpn-protocol")),
        "{s:?}"
    );
}

#[test]
fn silent_sources_in_school_hours_and_peak_shares() {
    let log = [
        squid(
            "2026-11-17T09:00:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://www.bbc.co.uk/news",
            false,
            600_000_000,
        ),
        // 150 minutes of silence in school hours: a gap.
        squid(
            "2026-11-17T11:30:00Z",
            PUPIL_IP,
            "20bob",
            "GET",
            "https://www.bbc.co.uk/news",
            false,
            500_000_000,
        ),
        squid(
            "2026-11-17T11:31:00Z",
            PUPIL_IP,
            "20cat",
            "GET",
            "https://www.bbc.co.uk/news",
            false,
            100_000_000,
        ),
        squid(
            "2026-11-17T16:00:00Z",
            PUPIL_IP,
            "20bob",
            "GET",
            "https://www.bbc.co.uk/news",
            false,
            200_000_000,
        ),
        // Overnight silence is normal; ten minutes of Wednesday morning are not a gap.
        squid(
            "2026-11-18T08:50:00Z",
            PUPIL_IP,
            "20bob",
            "GET",
            "https://www.bbc.co.uk/news",
            false,
            1000,
        ),
    ]
    .concat();
    let f = findings(&[("access.log", log)]);
    let gaps: Vec<&Finding> = f.iter().filter(|x| x.rule == "coverage.gap").collect();
    assert_eq!(gaps.len(), 2, "{gaps:#?}");
    assert!(gaps.iter().any(|g| g.summary.contains("149 minutes")), "{gaps:#?}");
    // 11:30 (after the first gap) to 15:20: Tuesday afternoon is silent after 11:30 too.
    assert!(gaps.iter().all(|g| g.severity == Severity::Medium));
    // Of Tuesday's 1.2 GB in school hours 20ann moved 600 MB and 20bob 500 MB (over a quarter
    // each), 20cat 100 MB; 20bob's 200 MB at 16:00 is after school.
    let mut shares = of(&f, "usage.peak-share");
    shares.sort();
    assert_eq!(
        shares,
        [
            ("20ann".to_owned(), Severity::Low, 0),
            ("20bob".to_owned(), Severity::Low, 0)
        ]
    );
}

#[test]
fn keywords_in_mail_subjects_count_each_message_once() {
    let trace = "\"MessageTraceId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"FromIP\",\"ToIP\",\"Subject\",\"Status\",\"Size\",\"MessageId\"\n\
\"a1\",\"18/11/2026 13:05:00\",\"20ann@kestrelbrook.example\",\"20bob@kestrelbrook.example\",\"198.51.100.10\",\"\",\"join the r4dicalisation group\",\"Delivered\",\"1000\",\"<m1@example>\"\n\
\"a1\",\"18/11/2026 13:05:00\",\"20ann@kestrelbrook.example\",\"20cat@kestrelbrook.example\",\"198.51.100.10\",\"\",\"join the r4dicalisation group\",\"Delivered\",\"1000\",\"<m1@example>\"\n\
\"a2\",\"18/11/2026 13:06:00\",\"20ann@kestrelbrook.example\",\"20cat@kestrelbrook.example\",\"198.51.100.10\",\"\",\"homework\",\"Delivered\",\"1000\",\"<m2@example>\"\n"
        .to_owned();
    let f = findings(&[("messagetrace.csv", trace)]);
    let hits: Vec<&Finding> = f.iter().filter(|x| x.rule == "keyword.prevent").collect();
    assert_eq!(hits.len(), 1, "{f:#?}");
    assert_eq!(
        (hits[0].user.as_deref(), hits[0].count, hits[0].evidence.len()),
        (Some("20ann"), 1, 2)
    );
}

#[test]
fn weekly_leisure_volumes() {
    let log = [
        squid(
            "2026-11-17T12:30:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://www.youtube.com/watch",
            false,
            1_500_000_000,
        ),
        squid(
            "2026-11-19T12:30:00Z",
            PUPIL_IP,
            "20ann",
            "GET",
            "https://www.youtube.com/watch",
            false,
            1_000_000_000,
        ),
        squid(
            "2026-11-17T12:30:00Z",
            PUPIL_IP,
            "20bob",
            "GET",
            "https://www.youtube.com/watch",
            false,
            1_000_000_000,
        ),
    ]
    .concat();
    let f = findings(&[("access.log", log)]);
    // 2.5 GB in a week is over the template's 2 GiB; 1 GB is not.
    assert_eq!(
        of(&f, "usage.leisure-volume"),
        [("20ann".to_owned(), Severity::Info, 2)]
    );
}

#[test]
fn every_keyword_list_with_its_severity_and_the_schools_own() {
    let search = |at: &str, user: &str, q: &str| {
        squid(
            at,
            PUPIL_IP,
            user,
            "GET",
            &format!("https://www.google.com/search?q={q}"),
            false,
            50000,
        )
    };
    let log = [
        search("2026-11-17T10:00:00Z", "20ann", "send+nudes+for+money"),
        search("2026-11-17T10:01:00Z", "20bob", "where+to+buy+a+zombie+knife"),
        search("2026-11-17T10:02:00Z", "20cat", "how+to+get+weed+near+school"),
        search("2026-11-17T10:03:00Z", "20dan", "everyone+hates+you"),
        search("2026-11-17T10:04:00Z", "20eve", "kestrel+fight+club+meetup"),
    ]
    .concat();
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("local.txt");
    std::fs::write(&list, "# the school's own terms\nfight club*\n").expect("write");
    let local = format!(
        "# files = [{{ path = \"keywords/local.txt\", list = \"prevent\" }}]\nfiles = [{{ path = \"{}\", severity = \"high\" }}]",
        list.display()
    );
    let f = findings_with(
        &[("access.log", log)],
        &[],
        &[
            (
                "# files = [{ path = \"keywords/local.txt\", list = \"prevent\" }]",
                local.as_str(),
            ),
            (
                "severity = { prevent = \"critical\", self-harm = \"critical\" }",
                "severity = { bullying = \"off\" }",
            ),
        ],
    );
    assert_eq!(
        of(&f, "keyword.exploitation"),
        [("20ann".to_owned(), Severity::High, 1)]
    );
    assert_eq!(of(&f, "keyword.weapons"), [("20bob".to_owned(), Severity::High, 1)]);
    assert_eq!(of(&f, "keyword.drugs"), [("20cat".to_owned(), Severity::Medium, 1)]);
    assert!(of(&f, "keyword.bullying").is_empty(), "the bullying list is off");
    assert_eq!(of(&f, "keyword.custom"), [("20eve".to_owned(), Severity::High, 1)]);
}

#[test]
fn tor_gateways_on_the_web_and_unidentified_traffic() {
    let log = [
        squid(
            "2026-11-17T10:00:00Z",
            PUPIL_IP,
            "20ann",
            "CONNECT",
            "www.torproject.org:443",
            true,
            3900,
        ),
        // Most requests of this log name nobody, and no identity source covers their addresses.
        squid(
            "2026-11-17T10:01:00Z",
            "10.40.20.50",
            "",
            "GET",
            "http://www.bbc.co.uk/news",
            false,
            1000,
        ),
        squid(
            "2026-11-17T10:02:00Z",
            "10.40.20.51",
            "",
            "GET",
            "http://www.bbc.co.uk/news",
            false,
            1000,
        ),
    ]
    .concat();
    let f = findings(&[("access.log", log)]);
    assert_eq!(of(&f, "bypass.tor"), [("20ann".to_owned(), Severity::High, 1)]);
    let unidentified: Vec<&Finding> = f.iter().filter(|x| x.rule == "coverage.unidentified").collect();
    assert_eq!(unidentified.len(), 1, "{f:#?}");
    assert!(
        unidentified[0].summary.contains("2 of 3 requests"),
        "{}",
        unidentified[0].summary
    );
}
