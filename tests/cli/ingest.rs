//! `vigil ingest`.

use crate::support::{gzip, ingest_json, json, one_line_log, squid_line, vigil, write};

#[test]
fn mixed_good_and_garbage_lines_are_all_accounted_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    let mut garbage_lines = Vec::new();
    let mut n = 0u64;
    let mut push = |line: String, garbage: bool, text: &mut String| {
        n += 1;
        if garbage {
            garbage_lines.push(n);
        }
        text.push_str(&line);
    };
    for i in 0..200u64 {
        push(
            squid_line(
                1_700_000_000 + i,
                "SCHOOL%5Calice",
                "www.bbc.co.uk",
                100 + i,
                i % 7 == 0,
            ),
            false,
            &mut text,
        );
        match i % 50 {
            3 => push("this is not a log line\n".into(), true, &mut text),
            11 => push("1700000000.000 5 10.0.0.1 TCP_MISS/200\n".into(), true, &mut text),
            17 => push("\u{1}\u{2}\u{0}binary\u{3}garbage\n".into(), true, &mut text),
            29 => push(format!("{}\n", "x".repeat(2 << 20)), true, &mut text),
            _ => {}
        }
    }
    // A truncated last line without a newline.
    push("1700000999.000     1 10.0.0.9 TCP_MISS/2".into(), true, &mut text);
    let path = write(dir.path(), "access.log", &text);

    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let src = &v["sources"][0];
    assert_eq!(src["format"], "squid");
    assert_eq!(src["lines"], n);
    assert_eq!(src["parsed"], 200);
    assert_eq!(src["rejected"], garbage_lines.len() as u64);
    assert_eq!(
        src["parsed"].as_u64().expect("n") + src["rejected"].as_u64().expect("n"),
        n
    );
    let rejected: Vec<u64> = src["rejects"]
        .as_array()
        .expect("rejects")
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(rejected, garbage_lines);
    let reasons: Vec<&str> = src["rejects"]
        .as_array()
        .expect("rejects")
        .iter()
        .map(|r| r["reason"].as_str().expect("reason"))
        .collect();
    assert!(reasons.iter().any(|r| r.contains("binary")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("longer than 1 MiB")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.starts_with("field 4")), "{reasons:?}");
    assert_eq!(v["total"]["lines"], n);

    // The table names every rejected line as file:line: reason when asked to.
    let out = vigil()
        .args(["ingest", "--show-rejects", "100"])
        .arg(&path)
        .output()
        .expect("run");
    let table = String::from_utf8_lossy(&out.stdout);
    for line in &garbage_lines {
        assert!(
            table.contains(&format!("access.log:{line}: ")),
            "line {line} missing from:\n{table}"
        );
    }
}

#[test]
fn blank_lines_are_counted_not_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{}\n\n   \n{}\r\n",
        squid_line(1_700_000_000, "-", "a.example", 1, false).trim_end(),
        squid_line(1_700_000_001, "-", "b.example", 1, false).trim_end()
    );
    let path = write(dir.path(), "access.log", text);
    let v = ingest_json(&path);
    let src = &v["sources"][0];
    assert_eq!(
        (
            src["lines"].as_u64(),
            src["parsed"].as_u64(),
            src["blank"].as_u64(),
            src["rejected"].as_u64()
        ),
        (Some(4), Some(2), Some(2), Some(0))
    );
}

#[test]
fn missing_file_fails_with_its_name() {
    let out = vigil()
        .args(["ingest", "/nonexistent/vigil/access.log"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/vigil/access.log") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn unrecognised_file_named_explicitly_fails_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "notes.txt", "hello\nworld\n");
    let out = vigil().args(["ingest"]).arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("notes.txt") && text.contains("unrecognised log format") && text.contains("--format"),
        "{text}"
    );
    assert!(text.contains("notes.txt:1: not parsed"), "{text}");
}

#[test]
fn binary_file_is_reported_as_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    let path = write(dir.path(), "blob.log", bytes);
    let out = vigil().args(["ingest"]).arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("binary"));
}

#[test]
fn one_bad_source_among_good_ones_is_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write(
        dir.path(),
        "access.log",
        squid_line(1_700_000_000, "-", "a.example", 5, false),
    );
    let bad = write(dir.path(), "other.log", "nothing to see\n");
    let out = vigil().args(["ingest"]).arg(&good).arg(&bad).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn gzip_rotated_sets_read_oldest_first_and_unknown_files_in_dirs_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "squid/access.log",
        squid_line(1_700_000_300, "-", "c.example", 1, false),
    );
    write(
        dir.path(),
        "squid/access.log.1",
        squid_line(1_700_000_200, "-", "b.example", 1, false),
    );
    // Compressed, and the name does not say so: recognised by its magic bytes.
    write(
        dir.path(),
        "squid/access.log.2",
        gzip(squid_line(1_700_000_100, "-", "a.example", 1, false).as_bytes()),
    );
    write(
        dir.path(),
        "squid/cache.log",
        "2026/11/16 08:00:00 kid1| Starting Squid Cache version 6.6\n",
    );
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let names: Vec<String> = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            s["path"]
                .as_str()
                .expect("path")
                .rsplit('/')
                .next()
                .expect("name")
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["access.log.2", "access.log.1", "access.log", "cache.log"]);
    assert_eq!(v["sources"][0]["compressed"], true);
    assert_eq!(v["sources"][0]["first_ts"], "2023-11-14T22:15:00.123Z");
    assert!(
        v["sources"][3]["skipped"]
            .as_str()
            .expect("skipped")
            .contains("unrecognised")
    );
    assert_eq!(v["total"]["parsed"], 3);
}

#[test]
fn corrupt_gzip_keeps_what_was_read_and_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&squid_line(1_700_000_000 + i, "-", "a.example", 1, false));
    }
    let mut gz = gzip(text.as_bytes());
    let cut = gz.len() - 20;
    gz.truncate(cut);
    let path = write(dir.path(), "access.log.3.gz", gz);
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(&path)
        .output()
        .expect("run");
    let v = json(&out);
    let err = v["sources"][0]["error"].as_str().expect("error");
    assert!(err.contains("access.log.3.gz") && err.contains("gzip"), "{err}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn syslog_wrapped_and_combined_logs_are_recognised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wrapped = format!(
        "Nov 16 09:00:00 proxy squid[812]: {}",
        squid_line(1_763_283_600, "-", "a.example", 1, false)
    );
    let combined = "10.0.0.4 - KBA%5Cbob [16/Nov/2026:09:00:00 +0000] \"GET http://b.example/ HTTP/1.1\" 403 3900 \"-\" \"Mozilla/5.0\" TCP_DENIED:HIER_NONE\n";
    let a = write(dir.path(), "syslog-squid.log", &wrapped);
    let b = write(dir.path(), "combined.log", combined);
    let v = json(
        &vigil()
            .args(["ingest", "--output", "json"])
            .arg(&a)
            .arg(&b)
            .output()
            .expect("run"),
    );
    assert_eq!(v["sources"][0]["format"], "squid");
    assert_eq!(v["sources"][0]["parsed"], 1);
    assert_eq!(v["sources"][1]["format"], "combined");
    assert_eq!(v["sources"][1]["parsed"], 1);
}

#[test]
fn wrong_forced_format_rejects_with_reasons_instead_of_misparsing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = one_line_log(dir.path());
    let out = vigil()
        .args(["ingest", "--format", "combined", "--output", "json"])
        .arg(&path)
        .output()
        .expect("run");
    let v = json(&out);
    assert_eq!(v["sources"][0]["parsed"], 0);
    assert_eq!(v["sources"][0]["rejected"], 1);
    assert!(
        v["sources"][0]["rejects"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("[time]")
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_time_zone_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = one_line_log(dir.path());
    let out = vigil()
        .args(["ingest", "--tz", "Mars/Olympus"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Europe/London"));
}

#[test]
fn a_file_truncated_while_read_does_not_crash_vigil() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..400_000u64 {
        text.push_str(&squid_line(1_700_000_000 + i, "-", "a.example", i, false));
    }
    let path = write(dir.path(), "access.log", &text);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vigil"))
        .args(["--threads", "1", "ingest", "--output", "json"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Truncate and rewrite it repeatedly while vigil reads, as logrotate's copytruncate would.
    let stop = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    while std::time::Instant::now() < stop {
        let f = std::fs::OpenOptions::new().write(true).open(&path).expect("open");
        f.set_len(0).expect("truncate");
        std::fs::write(&path, &text[..text.len() / 3]).expect("rewrite");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.code().is_some(),
        "vigil was killed by a signal: {:?}",
        out.status
    );
    let v = json(&out);
    let src = &v["sources"][0];
    let sum =
        src["parsed"].as_u64().expect("n") + src["rejected"].as_u64().expect("n") + src["blank"].as_u64().expect("n");
    assert_eq!(sum, src["lines"].as_u64().expect("n"));
}

#[test]
fn a_pipe_is_read_from_its_first_byte() {
    let text = format!(
        "{}{}",
        squid_line(1_700_000_000, "-", "a.example", 1, false),
        squid_line(1_700_000_001, "-", "b.example", 2, false)
    );
    let out = vigil()
        .args(["ingest", "--output", "json", "/dev/stdin"])
        .write_stdin(text)
        .output()
        .expect("run");
    let v = json(&out);
    assert_eq!(v["sources"][0]["parsed"], 2, "{v}");
    assert_eq!(v["sources"][0]["first_ts"], "2023-11-14T22:13:20.123Z");
    // And gzip through a pipe.
    let gz = gzip(squid_line(1_700_000_000, "-", "a.example", 1, false).as_bytes());
    let out = vigil()
        .args(["ingest", "--output", "json", "/dev/stdin"])
        .write_stdin(gz)
        .output()
        .expect("run");
    let v = json(&out);
    assert_eq!(v["sources"][0]["compressed"], true);
    assert_eq!(v["sources"][0]["parsed"], 1, "{v}");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("\u{feff}{}", squid_line(1_700_000_000, "-", "a.example", 1, false));
    let path = write(dir.path(), "access.log", text);
    let v = ingest_json(&path);
    assert_eq!(v["sources"][0]["parsed"], 1, "{v}");
    assert_eq!(v["sources"][0]["rejected"], 0);
}

#[test]
fn fifos_and_link_loops_inside_directories_are_passed_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    one_line_log(dir.path());
    let fifo = dir.path().join("pipe.log");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).expect("symlink");
    let out = vigil()
        .args(["ingest", "--output", "json"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["sources"].as_array().expect("sources").len(), 1, "{v}");
}

#[test]
fn e2guardian_local_times_across_the_autumn_clock_change_follow_file_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 01:50 BST, then the clock goes back: 01:10 and 01:40 are GMT; 03:00 is plain GMT.
    let text = "\
2026.10.25 1:50:00 - 10.0.0.6 http://a.example/ - GET 10 0 - 1 200 text/html
2026.10.25 1:10:00 - 10.0.0.6 http://b.example/ *DENIED* Banned site: b.example GET 0 0 Banned Sites 1 403 text/html - Pupils
2026.10.25 1:40:00 - 10.0.0.6 http://c.example/ - GET 10 0 - 1 200 text/html
2026.10.25 3:00:00 - 10.0.0.6 http://d.example/ - GET 10 0 - 1 200 text/html
";
    let path = write(dir.path(), "access.log", text);
    let v = ingest_json(&path);
    let src = &v["sources"][0];
    assert_eq!(src["format"], "e2guardian", "{v}");
    assert_eq!(src["parsed"], 4);
    // First line 00:50Z (BST); last 03:00Z; the repeated-hour lines are read as GMT.
    assert_eq!(src["first_ts"], "2026-10-25T00:50:00.000Z");
    assert_eq!(src["last_ts"], "2026-10-25T03:00:00.000Z");
    let out = vigil()
        .args(["top", "hosts", "--by", "blocked", "--limit", "1", "--output", "csv"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf8"),
        "key,requests,bytes,blocked\nb.example,1,0,1\n"
    );
}
