//! `vigil generate` and the committed sample week.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::support::vigil;

fn read_log(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read");
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .expect("gunzip");
        s
    } else {
        String::from_utf8(bytes).expect("utf8")
    }
}

fn generate(dir: &Path, extra: &[&str]) {
    let out = vigil()
        .args(["generate", "--out"])
        .arg(dir)
        .args(["--pupils", "120", "--staff", "20", "--days", "3"])
        .args(extra)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Every file under `dir`, relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("prefix").to_path_buf();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn same_seed_same_bytes_and_different_seed_differs() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let c = tempfile::tempdir().expect("tempdir");
    generate(a.path(), &[]);
    generate(b.path(), &[]);
    generate(c.path(), &["--seed", "7"]);
    let (ta, tb, tc) = (tree(a.path()), tree(b.path()), tree(c.path()));
    let names: Vec<&PathBuf> = ta.keys().collect();
    for want in [
        "proxy/access.log",
        "proxy/access.log.1",
        "proxy/access.log.2.gz",
        "firewall/fortigate.log",
        "firewall/fortigate.log.1",
        "firewall/fortigate.log.2.gz",
        "dhcp/dhcpd.log",
        "mail/messagetrace.csv",
        "mail/maillog",
        "inventory/intune-discovered-apps-",
        "licences/register-",
        "licences/lmgrd.log",
        "ground-truth.json",
    ] {
        // Exports are named with their time (`register-2026-11-20-1745.csv`).
        let found = ta.keys().any(|k| {
            let k = k.to_string_lossy();
            if want.ends_with('-') {
                k.starts_with(want) && k.ends_with("-1745.csv")
            } else {
                k == want
            }
        });
        assert!(found, "{want} missing: {names:?}");
    }
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(
            tb[name] == *bytes,
            "{} differs between two runs with the same seed",
            name.display()
        );
    }
    for name in [
        "proxy/access.log",
        "firewall/fortigate.log",
        "dhcp/dhcpd.log",
        "mail/messagetrace.csv",
        "licences/lmgrd.log",
    ] {
        assert_ne!(ta[Path::new(name)], tc[Path::new(name)], "{name} ignores the seed");
    }
}

/// The fields of a CSV line (quotes and doubled quotes undone; no line breaks inside fields).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("field").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            _ => fields.last_mut().expect("field").push(c),
        }
    }
    fields
}

fn number_after(line: &str, key: &str) -> u64 {
    let at = line.find(key).unwrap_or_else(|| panic!("no {key} in {line}")) + key.len();
    line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("number")
}

/// Every evidence line of every planted incident exists and shows what the incident says.
fn check_ground_truth(dir: &Path) {
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json")).expect("truth")).expect("json");
    let domain = truth["school"]["domain"].as_str().expect("domain");
    let incidents = truth["incidents"].as_array().expect("incidents");
    let rules: Vec<&str> = incidents.iter().map(|i| i["rule"].as_str().expect("rule")).collect();
    for rule in [
        "breach.unacceptable",
        "bypass.vpn",
        "keyword.prevent",
        "keyword.self-harm",
        "usage.large-transfer",
        "bypass.doh",
        "bypass.direct-ip",
        "bypass.vpn-protocol",
        "bypass.outside-dns",
        "bypass.tor",
        "coverage.unfiltered-device",
        "usage.large-upload",
        "mail.auto-forward",
        "mail.mass-mailing",
        "mail.large-attachment-external",
        "mail.pupil-external",
        "licences.over-deployed",
        "licences.expiring",
        "licences.not-in-register",
        "licences.unused",
        "licences.concurrent-denials",
    ] {
        assert!(rules.contains(&rule), "no planted {rule}");
    }
    let mut files: HashMap<String, Vec<String>> = HashMap::new();
    for inc in incidents {
        let rule = inc["rule"].as_str().expect("rule");
        let user = inc["user"].as_str().expect("user");
        let device = inc["device"].as_str().expect("device");
        let ip = inc["ip"].as_str().expect("ip");
        let product = inc["product"].as_str();
        let evidence = inc["evidence"].as_array().expect("evidence");
        assert!(!evidence.is_empty(), "{inc}");
        assert_eq!(inc["count"].as_u64(), Some(evidence.len() as u64));
        let mut message_ids = std::collections::HashSet::new();
        for e in evidence {
            let file = e["file"].as_str().expect("file");
            let lines = files
                .entry(file.to_owned())
                .or_insert_with(|| read_log(&dir.join(file)).lines().map(str::to_owned).collect());
            let n = e["line"].as_u64().expect("line") as usize;
            let line = lines.get(n - 1).unwrap_or_else(|| panic!("{file} has no line {n}"));
            let why = format!("{file}:{n}: {line}\nfor {inc}");
            if file.starts_with("proxy/") {
                assert!(line.contains(&format!(" {ip} ")), "{why}");
                assert!(line.to_lowercase().contains(user), "{why}");
            } else if file.starts_with("firewall/") {
                assert!(line.contains(&format!(" srcip={ip} ")), "{why}");
                let port = number_after(line, " dstport=");
                let ok = match rule {
                    "bypass.vpn-protocol" => [51_820, 1194].contains(&port) && line.contains("action=\"deny\""),
                    "bypass.outside-dns" => [53, 853].contains(&port) && !line.contains(" dstip=10."),
                    "bypass.tor" => [9001, 9030].contains(&port),
                    "coverage.unfiltered-device" => port == 443 && !line.contains("action=\"deny\""),
                    "usage.large-upload" => number_after(line, " sentbyte=") > 1_000_000_000,
                    _ => false,
                };
                assert!(ok, "{why}");
            } else if file.starts_with("dhcp/") {
                assert!(line.contains(&format!("DHCPACK on {ip} to ")), "{why}");
                assert!(line.contains(&format!("({device})")), "{why}");
            } else if file == "mail/messagetrace.csv" {
                let f = csv_fields(line);
                assert_eq!(f.len(), 10, "{why}");
                assert_eq!(f[2], format!("{user}@{domain}"), "sender: {why}");
                let external = !f[3].ends_with(&format!("@{domain}"));
                message_ids.insert(f[9].clone());
                let ok = match rule {
                    "mail.auto-forward" => f[3].ends_with("@personalmail.example") && f[6].starts_with("FW: "),
                    "mail.mass-mailing" => !external,
                    "mail.large-attachment-external" => external && f[8].parse::<u64>().expect("size") > 20_000_000,
                    "mail.pupil-external" => external,
                    _ => false,
                };
                assert!(ok, "{why}");
            } else if file.starts_with("inventory/") {
                let f = csv_fields(line);
                assert_eq!(f.len(), 13, "{why}");
                assert!(f[1].starts_with(product.expect("product")), "{why}");
                assert!(f[6].starts_with("KB-"), "{why}");
            } else if file.starts_with("licences/register-") {
                assert_eq!(csv_fields(line)[0], product.expect("product"), "{why}");
            } else if file == "licences/lmgrd.log" {
                assert!(line.contains(") DENIED: \""), "{why}");
            } else {
                panic!("evidence in an unexpected file: {why}");
            }
        }
        match rule {
            "mail.mass-mailing" => {
                assert_eq!(message_ids.len(), 1, "one message: {inc}");
                assert!(evidence.len() > 100, "{inc}");
            }
            "mail.auto-forward" => assert!(evidence.len() > 3, "{inc}"),
            "licences.over-deployed" => {
                let seats: usize = evidence
                    .iter()
                    .filter(|e| e["file"].as_str().is_some_and(|f| f.starts_with("licences/register-")))
                    .map(|e| {
                        let file = e["file"].as_str().expect("file");
                        let line = &files[file][e["line"].as_u64().expect("line") as usize - 1];
                        csv_fields(line)[3].parse::<usize>().expect("seats")
                    })
                    .sum();
                let installs = evidence
                    .iter()
                    .filter(|e| !e["file"].as_str().is_some_and(|f| f.starts_with("licences/register-")))
                    .count();
                assert!(
                    seats > 0 && installs > seats,
                    "{installs} installs, {seats} seats: {inc}"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn ground_truth_points_at_the_planted_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), &[]);
    check_ground_truth(dir.path());
    let one = tempfile::tempdir().expect("tempdir");
    generate(one.path(), &["--no-rotate"]);
    check_ground_truth(one.path());
    assert!(one.path().join("firewall/fortigate.log").exists());
    assert!(!one.path().join("firewall/fortigate.log.1").exists());
}

/// The format `vigil ingest` must give each generated file. The last four are read by parsers
/// written on other branches (postfix, m365-csv, inventory-csv and licence-register on main when
/// this was written): until a format of that name is listed by `vigil ingest --help`, its file
/// must be skipped as unrecognised, so that a parser merged under another name, or one that
/// rejects the file, fails here rather than passing unnoticed. Once merged, the assertions apply
/// to these files with no change here.
const EXPECTED_FORMATS: &[(&str, &str)] = &[
    ("proxy/access.log", "squid"),
    ("firewall/fortigate.log", "fortigate"),
    ("dhcp/dhcpd.log", "dhcpd"),
    ("licences/lmgrd.log", "flexlm"),
    // Not yet in this branch when the generator learnt these kinds:
    ("mail/maillog", "postfix"),
    ("mail/messagetrace.csv", "m365-csv"),
    ("inventory/intune-discovered-apps-", "inventory-csv"),
    ("licences/register-", "licence-register"),
];

/// Format names `vigil ingest --help` lists.
fn known_formats() -> Vec<String> {
    let out = vigil().args(["ingest", "--help"]).output().expect("run");
    let help = String::from_utf8(out.stdout).expect("utf8");
    let at = help.find("--format").expect("--format in help");
    help[at..]
        .lines()
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("--"))
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_owned)
        .collect()
}

fn check_formats(dir: &Path) {
    let known = known_formats();
    assert!(known.iter().any(|f| f == "squid"), "{known:?}");
    let v = crate::support::ingest_json(dir);
    let sources = v["sources"].as_array().expect("sources");
    let mut pending = Vec::new();
    for &(prefix, format) in EXPECTED_FORMATS {
        let of: Vec<&serde_json::Value> = sources
            .iter()
            .filter(|s| {
                let path = s["path"].as_str().expect("path");
                Path::new(path)
                    .strip_prefix(dir)
                    .unwrap_or(Path::new(path))
                    .to_string_lossy()
                    .starts_with(prefix)
            })
            .collect();
        assert!(!of.is_empty(), "no source for {prefix}: {v}");
        for s in of {
            if known.iter().any(|k| k == format) {
                assert_eq!(s["format"], format, "{s}");
                assert_eq!(s["rejected"], 0, "{s}");
                assert!(s["lines"].as_u64().expect("lines") > 0, "{s}");
            } else {
                assert!(
                    s["skipped"].as_str().is_some_and(|w| w.contains("unrecognised")),
                    "{prefix} should be read as {format} (not yet merged) or skipped, not as {s}"
                );
                pending.push(format);
            }
        }
    }
    if !pending.is_empty() {
        eprintln!("formats not yet in vigil, their files skipped: {pending:?}");
    }
    assert_eq!(v["total"]["rejected"], 0);
}

#[test]
fn every_generated_file_is_read_as_its_format_without_rejects() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), &[]);
    check_formats(dir.path());
}

#[test]
fn committed_sample_logs_match_their_ground_truth_and_parse_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    check_ground_truth(&dir);
    check_formats(&dir);
    let v = crate::support::ingest_json(&dir);
    assert!(v["total"]["parsed"].as_u64().expect("n") > 50_000);
    // The planted 4.4 GB download makes its downloader the top user by bytes.
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json")).expect("truth")).expect("json");
    let big = truth["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["rule"] == "usage.large-transfer")
        .expect("large transfer");
    let out = vigil()
        .args(["top", "users", "--limit", "1", "--output", "csv"])
        .arg(&dir)
        .output()
        .expect("run");
    let csv = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        csv.lines()
            .nth(1)
            .expect("row")
            .starts_with(&format!("{},", big["user"].as_str().expect("user"))),
        "{csv}"
    );
    // All fourteen lunchtime gambling attempts were blocked.
    let out = vigil()
        .args(["top", "hosts", "--by", "blocked", "--limit", "0", "--output", "csv"])
        .arg(&dir)
        .output()
        .expect("run");
    let csv = String::from_utf8(out.stdout).expect("utf8");
    assert!(csv.contains("luckyspin-casino.example,14,"), "{csv}");
}

#[test]
fn generate_rejects_bad_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = vigil()
        .args(["generate", "--out"])
        .arg(dir.path())
        .args(["--days", "0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--days"));
}
