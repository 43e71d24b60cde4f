//! The committed sample week (`sample-logs/`), read as a user would: every file is recognised
//! with the right format, every line is accounted for with no rejects, and the counts match the
//! files (lines counted independently, gzip included).

use std::path::Path;

use crate::support::{json, vigil};

/// (file under sample-logs, format, kind).
const FILES: &[(&str, &str, &str)] = &[
    ("dhcp/dhcpd.log", "dhcpd", "identity"),
    ("firewall/fortigate.log", "fortigate", "flow"),
    ("firewall/fortigate.log.1", "fortigate", "flow"),
    ("firewall/fortigate.log.2.gz", "fortigate", "flow"),
    ("firewall/fortigate.log.3.gz", "fortigate", "flow"),
    ("firewall/fortigate.log.4.gz", "fortigate", "flow"),
    (
        "inventory/intune-discovered-apps-2026-11-20-1745.csv",
        "inventory-csv",
        "inventory",
    ),
    ("licences/lmgrd.log", "flexlm", "licence-use"),
    ("licences/register-2026-11-20-1745.csv", "licence-register", "licences"),
    ("mail/maillog", "postfix", "mail"),
    ("mail/messagetrace.csv", "m365-csv", "mail"),
    ("proxy/access.log", "squid", "web"),
    ("proxy/access.log.1", "squid", "web"),
    ("proxy/access.log.2.gz", "squid", "web"),
    ("proxy/access.log.3.gz", "squid", "web"),
    ("proxy/access.log.4.gz", "squid", "web"),
];

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs")
}

/// Lines in a file as `wc -l` counts them (plus an unterminated last line), decompressing gzip.
fn count_lines(path: &Path) -> u64 {
    let text = crate::support::read_text(path);
    let newlines = text.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}

#[test]
fn every_sample_file_is_read_with_its_format_and_counts() {
    let root = samples();
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(&root)
        .output()
        .expect("vigil runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    let sources = report["sources"].as_array().expect("sources");
    let read: Vec<&serde_json::Value> = sources.iter().filter(|s| s["skipped"].is_null()).collect();
    assert_eq!(read.len(), FILES.len(), "every log in sample-logs is listed in FILES");
    for &(file, format, kind) in FILES {
        let path = root.join(file);
        let s = read
            .iter()
            .find(|s| Path::new(s["path"].as_str().unwrap_or("")) == path)
            .unwrap_or_else(|| panic!("{file} was not read"));
        assert_eq!(s["format"], format, "{file}");
        assert_eq!(s["kind"], kind, "{file}");
        assert_eq!(s["rejected"], 0, "{file}: {}", s["rejects"]);
        assert_eq!(s["lines"].as_u64(), Some(count_lines(&path)), "{file}: lines");
        assert!(s["rows"].as_u64().unwrap_or(0) > 0, "{file}: records");
        assert!(
            s["error"].is_null() && s["warnings"].as_array().is_some_and(Vec::is_empty),
            "{file}: {s}"
        );
    }
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
}

#[test]
fn the_sample_postfix_log_gives_pflogsumm_totals() {
    crate::mail::assert_parity(&samples().join("mail/maillog"), "postfix", 0);
}
