//! Every format at once: `vigil ingest --output json` on `parsers/tests/data`, a directory that
//! mixes every format vigil reads (the reference samples of each parser), must name the right
//! format and kind for each file, make records of each, and reject nothing but the lines of
//! `proxy/access-damaged.log` that were damaged on purpose.

use std::path::Path;

use crate::support::{json, vigil};

/// (file under parsers/tests/data, format, kind).
const EXPECTED: &[(&str, &str, &str)] = &[
    ("exchange/MSGTRK20261120-1.LOG", "exchange", "mail"),
    ("firewall/fortigate.log", "fortigate", "flow"),
    ("firewall/kern.log", "netfilter", "flow"),
    ("firewall/pfsense-filter.log", "filterlog", "flow"),
    ("firewall/sophos.log", "sophos", "flow"),
    ("identity/DhcpSrvLog-Fri.log", "windows-dhcp", "identity"),
    ("identity/dhcpd.log", "dhcpd", "identity"),
    ("identity/leases-bare.csv", "identity-csv-bare", "identity"),
    ("identity/users.csv", "identity-csv", "identity"),
    ("inventory/intune-apps.csv", "inventory-csv", "inventory"),
    ("licences/lmgrd.log", "flexlm", "licence-use"),
    ("licences/register.csv", "licence-register", "licences"),
    ("m365/messagetrace-odata.json", "m365-odata", "mail"),
    ("m365/messagetrace.csv", "m365-csv", "mail"),
    ("m365/messagetrace.json", "m365-json", "mail"),
    ("mail/exim-mainlog", "exim", "mail"),
    ("postfix/maillog", "postfix", "mail"),
    ("proxy/access-combined.log", "combined", "web"),
    ("proxy/access-damaged.log", "squid", "web"),
    ("proxy/access.log", "squid", "web"),
    ("proxy/e2guardian-access.log", "e2guardian", "web"),
    ("web/e2guardian-format2.log", "e2guardian-csv", "web"),
    ("web/e2guardian-format3.log", "e2guardian-squid", "web"),
    ("web/e2guardian-format4.log", "e2guardian-tab", "web"),
    ("web/e2guardian-format5.log", "e2guardian-epoch", "web"),
    ("web/generic-webfilter.csv", "web-csv", "web"),
    ("web/lightspeed-activity.csv", "web-csv", "web"),
    ("web/relay-website-history.csv", "web-csv", "web"),
    ("web/safetynet-report.csv", "web-csv", "web"),
    ("web/smoothwall-access.log", "smoothwall", "web"),
    ("web/smoothwall-export.csv", "web-csv", "web"),
    ("web/squidguard-blocked.log", "squidguard", "web"),
];

/// Files in the directory that are not logs: skipped, with the reason.
const NOT_LOGS: &[&str] = &["postfix/README.md", "postfix/pflogsumm.txt"];

#[test]
fn a_directory_of_every_format_is_read_with_the_right_format_for_each_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("parsers/tests/data");
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(&root)
        .output()
        .expect("vigil runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    let sources = report["sources"].as_array().expect("sources");
    let rel = |s: &serde_json::Value| {
        let p = s["path"].as_str().expect("path");
        Path::new(p)
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/")
    };
    for &(file, format, kind) in EXPECTED {
        let s = sources
            .iter()
            .find(|s| rel(s) == file)
            .unwrap_or_else(|| panic!("{file} was not read"));
        assert_eq!(s["format"], format, "{file}");
        assert_eq!(s["kind"], kind, "{file}");
        assert!(s["rows"].as_u64().unwrap_or(0) > 0, "{file}: no records");
        let lines = s["lines"].as_u64().unwrap_or(0);
        let accounted =
            s["parsed"].as_u64().unwrap_or(0) + s["rejected"].as_u64().unwrap_or(0) + s["blank"].as_u64().unwrap_or(0);
        assert_eq!(accounted, lines, "{file}: every line accounted for");
        let rejected = s["rejected"].as_u64().unwrap_or(u64::MAX);
        if file == "proxy/access-damaged.log" {
            let lines: Vec<u64> = s["rejects"]
                .as_array()
                .expect("rejects")
                .iter()
                .map(|r| r["line"].as_u64().unwrap_or(0))
                .collect();
            assert_eq!(lines, vec![9, 10, 11], "{file}: exactly the damaged lines");
        } else {
            assert_eq!(rejected, 0, "{file}: {}", s["rejects"]);
        }
    }
    for file in NOT_LOGS {
        let s = sources.iter().find(|s| rel(s) == *file).expect("listed");
        assert!(s["skipped"].is_string(), "{file} should be skipped: {s}");
    }
    assert_eq!(
        sources.len(),
        EXPECTED.len() + NOT_LOGS.len(),
        "every file in the directory is listed above"
    );
    assert_eq!(
        crate::support::kinds(&report),
        [
            "web",
            "flow",
            "mail",
            "identity",
            "inventory",
            "licences",
            "licence-use"
        ]
    );
    // The pfSense log's DHCP lines went to the DHCP parser.
    let pf = sources
        .iter()
        .find(|s| rel(s) == "firewall/pfsense-filter.log")
        .expect("pf");
    assert_eq!(pf["routed"][0]["format"], "dhcpd");
}

#[test]
fn a_forced_wrong_format_rejects_with_reasons_instead_of_misreading() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("parsers/tests/data");
    let out = vigil()
        .args(["ingest", "--output", "json", "--format", "postfix"])
        .arg(root.join("firewall/fortigate.log"))
        .output()
        .expect("vigil runs");
    let report = json(&out);
    let s = &report["sources"][0];
    assert_eq!(s["rows"], 0);
    assert_eq!(s["rejected"], s["lines"]);
    assert!(s["rejects"][0]["reason"].as_str().is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_users_column_map_reads_an_export_with_unknown_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = crate::support::write(
        dir.path(),
        "filter-export.csv",
        "\"When it happened\",\"Pupil\",\"Website visited\",\"Outcome\"\n\
         \"11/20/2026 09:15:02\",\"26smithj\",\"https://games.example/play\",\"Blocked\"\n\
         \"11/20/2026 13:40:00\",\"26smithj\",\"https://www.bbc.co.uk/news\",\"Allowed\"\n",
    );
    // Without a map the export is not recognised.
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(&export)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let map = crate::support::write(
        dir.path(),
        "columns.toml",
        "[web-csv]\ntime = \"When it happened\"\nuser = \"Pupil\"\nurl = [\"Website visited\", \"Site\"]\naction = \"Outcome\"\ndate-order = \"month-first\"\n",
    );
    let out = vigil()
        .args(["ingest", "--output", "json", "--columns"])
        .arg(&map)
        .arg(&export)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = &json(&out)["sources"][0];
    assert_eq!(
        (s["format"].as_str(), s["rows"].as_u64(), s["rejected"].as_u64()),
        (Some("web-csv"), Some(2), Some(0))
    );
    assert_eq!(s["first_ts"], "2026-11-20T09:15:02.000Z");
    let top = vigil()
        .args(["top", "users", "--by", "blocked", "--output", "json", "--columns"])
        .arg(&map)
        .arg(&export)
        .output()
        .expect("runs");
    let rows = json(&top);
    assert_eq!(
        (rows[0]["key"].as_str(), rows[0]["blocked"].as_u64()),
        (Some("26smithj"), Some(1))
    );

    // The same map inside the policy file, read by `vigil findings`: the blocked games site is a
    // pupil's attempt in a lesson, graded by the policy.
    let policy = crate::support::write(
        dir.path(),
        "policy.toml",
        format!(
            "[school]\nname = \"X\"\n[windows]\nschool-day = \"08:40-15:20\"\n[groups.pupils]\nusers = [\"[0-9][0-9]*\"]\n[categories]\ngames = {{ level = \"certain-times\", windows = [\"outside-school\"] }}\n[lists]\naliases = {{}}\n{}",
            std::fs::read_to_string(&map).expect("map")
        ),
    );
    std::fs::create_dir_all(dir.path().join("lists/games")).expect("mkdir");
    std::fs::write(dir.path().join("lists/games/domains"), "games.example\n").expect("write");
    let policy_text = std::fs::read_to_string(&policy)
        .expect("policy")
        .replace("[lists]\n", "[lists]\ndirs = [\"lists\"]\n");
    std::fs::write(&policy, policy_text).expect("write");
    let out = vigil()
        .args(["findings", "--output", "json", "--policy"])
        .arg(&policy)
        .arg(&export)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found = json(&out);
    let breach: Vec<&serde_json::Value> = found
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| f["rule"] == "breach.certain-times")
        .collect();
    assert_eq!(breach.len(), 1, "{found:#}");
    assert_eq!(breach[0]["user"], "26smithj");

    let bad = crate::support::write(dir.path(), "bad.toml", "[web-csv]\nwhen = \"When it happened\"\n");
    let out = vigil()
        .args(["ingest", "--columns"])
        .arg(&bad)
        .arg(&export)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("unknown web-csv field `when`") && err.contains("time_of_day"),
        "{err}"
    );
}
