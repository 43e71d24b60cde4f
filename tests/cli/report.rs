//! `vigil report` and `vigil verify` on the sample week, as cron would run them.

use std::path::Path;

use crate::support::vigil;

/// `vigil report` of the sample week, up to `--out`.
const REPORT: [&str; 6] = [
    "report",
    "--policy",
    "sample-policy/policy.toml",
    "--week",
    "2026-W47",
    "--out",
];

fn report(out: &Path, extra: &[&str]) -> std::process::Output {
    vigil()
        .args(REPORT)
        .arg(out)
        .args(extra)
        .arg("sample-logs")
        .output()
        .expect("run")
}

fn verify(dir: &Path) -> std::process::Output {
    vigil().arg("verify").arg(dir).output().expect("run")
}

#[test]
fn the_weekly_report_has_every_section_verifies_and_catches_any_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("week47");
    let o = report(&out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty() && o.stderr.is_empty(), "silent on success");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    for id in [
        "summary",
        "activity",
        "categories",
        "talkers",
        "breach",
        "keyword",
        "bypass",
        "usage",
        "mail",
        "licences",
        "coverage",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    assert_eq!(html.matches("<svg").count(), 3, "three inline charts");
    assert!(
        !html.contains("src=") && !html.contains("href=\"http"),
        "no external assets"
    );
    assert!(
        html.contains("Kestrelbrook") || html.contains("kestrelbrook"),
        "the school's name"
    );
    assert!(html.contains("TCP_DENIED/403"), "the DSL edition shows evidence lines");
    let csv = std::fs::read_to_string(out.join("findings.csv")).expect("csv");
    assert!(csv.starts_with("id,rule,severity,"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).expect("json")).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(csv.lines().count() - 1));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(m["edition"], "dsl");
    assert_eq!(m["period"][0], "2026-11-16T00:00:00.000Z");
    assert!(m["sources"].as_array().is_some_and(|s| s.len() >= 12));
    assert_eq!(m["outputs"].as_array().map(Vec::len), Some(3));
    for mode_of in ["report.html", "findings.csv", "findings.json", "manifest.json"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join(mode_of)).expect("meta").permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o027,
            0,
            "{mode_of} is {mode:o}: no write for the group, nothing for others"
        );
    }
    let v = verify(&out);
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stderr));
    // One byte changed in any output is caught and named.
    for name in ["report.html", "findings.csv", "findings.json"] {
        let p = out.join(name);
        let original = std::fs::read(&p).expect("read");
        let mut changed = original.clone();
        let at = changed.len() / 2;
        changed[at] ^= 0x01;
        std::fs::write(&p, &changed).expect("write");
        let v = verify(&out);
        assert_eq!(v.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&v.stderr).contains(name), "{name}");
        std::fs::write(&p, &original).expect("restore");
    }
    std::fs::write(out.join("extra.txt"), "x").expect("write");
    assert_eq!(verify(&out).status.code(), Some(2), "a file added since is reported");
}

#[test]
fn overlapping_and_killed_runs_leave_one_complete_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("week");
    assert_eq!(report(&out, &[]).status.code(), Some(0));
    let before = std::fs::read(out.join("manifest.json")).expect("manifest");
    // Two runs at once: one writes, the other stops at the lock (or runs after it); either way
    // one complete report is left.
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(REPORT)
            .arg(&out)
            .arg("sample-logs")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)), "{codes:?}");
    for o in [&a, &b] {
        if o.status.code() != Some(0) {
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("another vigil report"),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    assert_eq!(verify(&out).status.code(), Some(0));
    // A run killed part-way leaves the previous report as it was.
    let mut c = spawn();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = c.kill();
    let _ = c.wait();
    assert_eq!(verify(&out).status.code(), Some(0), "the report directory is whole");
    let after = std::fs::read(out.join("manifest.json")).expect("manifest");
    assert!(after == before || serde_json::from_slice::<serde_json::Value>(&after).is_ok());
    // The next run cleans up what the killed one left.
    assert_eq!(report(&out, &[]).status.code(), Some(0));
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_governors_edition_names_no_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("both");
    let key = tmp.path().join("governors.key");
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef").expect("key");
    let o = report(&out, &["--edition", "all", "--key", key.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(verify(&out).status.code(), Some(0));
    let dsl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("dsl/findings.json")).expect("json")).expect("json");
    let mut names: Vec<String> = Vec::new();
    for f in dsl.as_array().expect("array") {
        for k in ["user", "device", "ip"] {
            if let Some(v) = f[k].as_str() {
                names.push(v.to_owned());
            }
        }
    }
    // Finding ids are hashes of the real subjects: the governors' edition has keyed ones.
    for f in dsl.as_array().expect("array") {
        if let Some(id) = f["id"].as_str() {
            names.push(id.to_owned());
        }
    }
    names.sort();
    names.dedup();
    assert!(names.len() > 20, "the DSL edition names people");
    for file in ["report.html", "findings.csv", "findings.json", "manifest.json"] {
        let text = std::fs::read_to_string(out.join("governors").join(file))
            .expect("read")
            .to_ascii_lowercase();
        for n in &names {
            assert!(!text.contains(&n.to_ascii_lowercase()), "{file} names {n}");
        }
        assert!(!text.contains("sample-logs/"), "{file} names a log file");
    }
    // Without a key the governors' edition is refused, saying how to make one.
    let o = report(&tmp.path().join("g"), &["--edition", "governors"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--key"));
}

/// Chromium's binary, if installed (`.ci/run` installs Debian's).
fn chromium() -> Option<&'static str> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
}

#[test]
fn the_report_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("VIGIL_SKIP_BROWSER").is_some(),
            "Chromium is needed (apt-get install chromium; .ci/run installs it), or set VIGIL_SKIP_BROWSER=1"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("week");
    assert_eq!(report(&out, &[]).status.code(), Some(0));
    let shot = tmp.path().join("report.png");
    let page = format!("file://{}", out.join("report.html").display());
    let o = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1800",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", tmp.path().join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&page)
        .output()
        .expect("run chromium");
    let log = String::from_utf8_lossy(&o.stderr);
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a screenshot was taken:\n{log}"
    );
    for line in log.lines() {
        let console = line.contains("CONSOLE") || line.contains("Failed to load resource");
        assert!(!console, "the page logged to the console: {line}");
    }
}

/// The shipped cron and systemd units run a command line vigil accepts.
#[test]
fn the_shipped_units_run_a_valid_command() {
    use clap::Parser;
    let service = std::fs::read_to_string("contrib/vigil-report.service").expect("service");
    let exec = service
        .replace("\\\n", " ")
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart=").map(str::to_owned))
        .expect("ExecStart");
    let cron = std::fs::read_to_string("contrib/vigil-report.cron").expect("cron");
    let cron_line = cron
        .lines()
        .find(|l| l.contains("/usr/local/bin/vigil"))
        .and_then(|l| l.split_once("/usr/local/bin/vigil"))
        .map(|(_, rest)| format!("/usr/local/bin/vigil{rest}"))
        .expect("cron line");
    for cmd in [exec, cron_line] {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let parsed = vigil::cli::Cli::try_parse_from(&words);
        assert!(parsed.is_ok(), "{cmd}: {:?}", parsed.err().map(|e| e.to_string()));
    }
    assert!(
        std::fs::read_to_string("contrib/vigil-report.timer")
            .expect("timer")
            .contains("OnCalendar=Mon")
    );
}

#[test]
fn looking_up_a_person_is_in_the_hash_chained_access_log() {
    let state = tempfile::tempdir().expect("tempdir");
    let o = vigil()
        .env("VIGIL_STATE_DIR", state.path())
        .args([
            "timeline",
            "--user",
            "20garleyg",
            "--policy",
            "sample-policy/policy.toml",
            "sample-logs",
        ])
        .output()
        .expect("run");
    assert!(o.status.success());
    let o = vigil()
        .env("VIGIL_STATE_DIR", state.path())
        .args(["audit-log"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("timeline") && text.contains("20garleyg"), "{text}");
    let o = vigil()
        .env("VIGIL_STATE_DIR", state.path())
        .args(["audit-log", "--verify"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    let log = state.path().join("access-log.jsonl");
    let edited = std::fs::read_to_string(&log)
        .expect("read")
        .replace("20garleyg", "someone");
    std::fs::write(&log, edited).expect("write");
    let o = vigil()
        .env("VIGIL_STATE_DIR", state.path())
        .args(["audit-log", "--verify"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1: changed"));
}
