//! `vigil top`.

use std::collections::BTreeMap;

use crate::support::{squid_line, vigil, write};

#[test]
fn csv_totals_match_a_hand_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    let mut want: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let users = ["KBA%5Calice", "KBA%5Cbob", "-", "KBA%5CCarol"];
    for i in 0..3000u64 {
        let raw = users[(i * 7 % 4) as usize];
        let denied = i % 11 == 0;
        let bytes = i * 13 % 5000;
        text.push_str(&squid_line(1_700_000_000 + i, raw, "host.example", bytes, denied));
        let key = match raw {
            "-" => "-".to_owned(),
            r => r.trim_start_matches("KBA%5C").to_lowercase(),
        };
        let e = want.entry(key).or_default();
        e.0 += 1;
        e.1 += bytes;
        e.2 += u64::from(denied);
    }
    let path = write(dir.path(), "access.log", &text);
    let out = vigil()
        .args(["top", "users", "--output", "csv", "--limit", "0"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).expect("utf8");
    // Reading instead of mapping gives the same answer.
    let read = vigil()
        .args(["top", "users", "--output", "csv", "--limit", "0", "--no-mmap"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(String::from_utf8(read.stdout).expect("utf8"), csv);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("key,requests,bytes,blocked"));
    let mut got: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let mut order = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let n = |i: usize| f[i].parse::<u64>().expect("number");
        got.insert(f[0].to_owned(), (n(1), n(2), n(3)));
        order.push(n(2));
    }
    assert_eq!(got, want);
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "sorted by bytes: {order:?}");
}

#[test]
fn hosts_by_blocked_json_and_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..30u64 {
        text.push_str(&squid_line(
            1_700_000_000 + i,
            "-",
            if i < 20 { "casino.example" } else { "bbc.example" },
            10,
            i < 12,
        ));
    }
    let path = write(dir.path(), "access.log", &text);
    let out = vigil()
        .args(["top", "hosts", "--by", "blocked", "--limit", "1", "--output", "json"])
        .arg(&path)
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v,
        serde_json::json!([{"key": "casino.example", "requests": 20, "bytes": 200, "blocked": 12}])
    );
    let out = vigil().args(["top", "clients"]).arg(&path).output().expect("run");
    let table = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        table.starts_with("CLIENT") && table.contains("10.0.0.7") && table.contains("300 B"),
        "{table}"
    );
}

#[test]
fn broken_pipe_exits_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..5000u64 {
        text.push_str(&squid_line(1_700_000_000 + i, &format!("u{i}"), "h.example", i, false));
    }
    let path = write(dir.path(), "access.log", &text);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vigil"))
        .args(["top", "users", "--limit", "0", "--output", "csv"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
