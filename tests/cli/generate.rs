//! `vigil generate` and the committed sample week.

use std::io::Read;
use std::path::Path;

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

#[test]
fn same_seed_same_bytes_and_different_seed_differs() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let c = tempfile::tempdir().expect("tempdir");
    generate(a.path(), &[]);
    generate(b.path(), &[]);
    generate(c.path(), &["--seed", "7"]);
    for name in [
        "proxy/access.log",
        "proxy/access.log.1",
        "proxy/access.log.2.gz",
        "ground-truth.json",
    ] {
        let x = std::fs::read(a.path().join(name)).expect("a");
        assert_eq!(x, std::fs::read(b.path().join(name)).expect("b"), "{name}");
    }
    assert_ne!(
        std::fs::read(a.path().join("proxy/access.log")).expect("a"),
        std::fs::read(c.path().join("proxy/access.log")).expect("c")
    );
}

/// Every evidence line of every planted incident exists and shows what the incident says.
fn check_ground_truth(dir: &Path) {
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json")).expect("truth")).expect("json");
    let incidents = truth["incidents"].as_array().expect("incidents");
    assert!(incidents.len() >= 8);
    for inc in incidents {
        let evidence = inc["evidence"].as_array().expect("evidence");
        assert!(!evidence.is_empty(), "{inc}");
        assert_eq!(inc["count"].as_u64(), Some(evidence.len() as u64));
        for e in evidence {
            let text = read_log(&dir.join(e["file"].as_str().expect("file")));
            let n = e["line"].as_u64().expect("line") as usize;
            let line = text
                .lines()
                .nth(n - 1)
                .unwrap_or_else(|| panic!("{} has no line {n}", e["file"]));
            assert!(line.contains(inc["ip"].as_str().expect("ip")), "{line} vs {inc}");
            let user = inc["user"].as_str().expect("user");
            assert!(line.to_lowercase().contains(user), "{line} vs user {user}");
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
}

#[test]
fn committed_sample_logs_match_their_ground_truth_and_parse_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    check_ground_truth(&dir);
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(&dir)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = crate::support::json(&out);
    assert_eq!(v["total"]["rejected"], 0);
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
