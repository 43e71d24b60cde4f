//! `vigil case` and `vigil replay`: a case made from the sample week, exported, carried to an
//! empty directory and replayed; a bundle with any byte changed fails, naming what changed.

use std::path::{Path, PathBuf};

use crate::support::{json, vigil};

const POLICY: &str = "sample-policy/policy.toml";

fn case(state: &Path, args: &[&str]) -> std::process::Output {
    vigil()
        .arg("case")
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .output()
        .expect("run")
}

fn ok(o: &std::process::Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn open(state: &Path, name: &str) {
    ok(&case(
        state,
        &[
            "open",
            name,
            "--investigator",
            "Network Manager",
            "--investigator",
            "Deputy Head (DSL)",
            "--reason",
            "PREVENT referral",
            "--policy",
            POLICY,
        ],
    ));
}

/// The sample week's findings under the sample policy.
fn findings() -> Vec<serde_json::Value> {
    let o = vigil()
        .args(["findings", "--policy", POLICY, "--output", "json", "sample-logs"])
        .output()
        .expect("run");
    json(&o).as_array().expect("array").clone()
}

fn replay(dir: &Path, bundle: &str) -> std::process::Output {
    vigil()
        .current_dir(dir)
        .args(["replay", bundle, "--no-dashboard"])
        .output()
        .expect("run")
}

/// Opens a case, files one finding of every rule (but the whole-school share of bandwidth), a
/// person's week and three raw lines, notes and exports it; returns the bundle and its
/// fingerprint.
fn made_case(state: &Path, out: &Path) -> (PathBuf, String, usize) {
    open(state, "kb-2026-11");
    let all = findings();
    let mut rules = std::collections::BTreeSet::new();
    let mut args = vec!["add".to_owned(), "kb-2026-11".to_owned()];
    for f in &all {
        let rule = f["rule"].as_str().expect("rule");
        if rule != "usage.peak-share" && rules.insert(rule.to_owned()) {
            args.extend(["--finding".to_owned(), f["id"].as_str().expect("id").to_owned()]);
        }
    }
    assert!(
        rules.len() >= 20,
        "the sample week has findings of many rules: {rules:?}"
    );
    args.push("sample-logs".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let said = ok(&case(state, &refs));
    assert!(said.contains(&format!("{} findings", rules.len())), "{said}");
    let prevent = all
        .iter()
        .find(|f| f["rule"] == "keyword.prevent")
        .and_then(|f| f["user"].as_str())
        .expect("a PREVENT finding with a user");
    ok(&case(
        state,
        &[
            "add",
            "kb-2026-11",
            "--person",
            prevent,
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-21",
            "--investigator",
            "Network Manager",
            "sample-logs",
        ],
    ));
    ok(&case(
        state,
        &[
            "add",
            "kb-2026-11",
            "--lines",
            "sample-logs/proxy/access.log:1-3",
            "sample-logs/proxy/access.log",
        ],
    ));
    ok(&case(
        state,
        &["note", "kb-2026-11", "Reviewed with the DSL; referral made."],
    ));
    let bundle = out.join("kb-2026-11.bundle");
    let said = ok(&case(
        state,
        &["export", "kb-2026-11", "--out", bundle.to_str().expect("utf-8")],
    ));
    let fingerprint = said
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint "))
        .expect("a fingerprint")
        .to_owned();
    (bundle, fingerprint, rules.len())
}

#[test]
fn a_case_from_the_sample_week_replays_exactly_on_another_machine() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state");
    let (bundle, fingerprint, rules) = made_case(&state, tmp.path());
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&bundle).expect("bundle").permissions());
    assert_eq!(mode & 0o777, 0o600, "the bundle names pupils");

    // The case log shows every action, who was present, and the bundle's fingerprint.
    let shown = ok(&case(&state, &["show", "kb-2026-11"]));
    for text in [
        "chain is intact",
        "Network Manager, Deputy Head (DSL)",
        "PREVENT referral",
        "Reviewed with the DSL",
        &fingerprint,
    ] {
        assert!(shown.contains(text), "`{text}` in:\n{shown}");
    }
    assert!(ok(&case(&state, &["list"])).contains("kb-2026-11"));
    // The person looked up and the export are in vigil's access log.
    let access = std::fs::read_to_string(state.join("access-log.jsonl")).expect("access log");
    assert!(
        access.contains("\"action\":\"case\"") && access.contains("bundle"),
        "{access}"
    );

    // Every line in the bundle is the source's bytes at its offset.
    let text = std::fs::read_to_string(&bundle).expect("bundle");
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let record: serde_json::Value = serde_json::from_str(&line[65..]).expect("record");
        if record["record"] != "line" || record["text"].is_null() {
            continue;
        }
        let source = crate::support::read_text(Path::new(record["path"].as_str().expect("path")));
        let at = usize::try_from(record["offset"].as_u64().expect("offset")).expect("offset");
        let want = record["text"].as_str().expect("text").as_bytes();
        assert_eq!(&source[at..at + want.len()], want, "{record}");
        assert!(matches!(source.get(at + want.len()), Some(b'\n') | None));
        checked += 1;
    }
    assert!(checked > 100, "{checked} lines checked");

    // Carried to an empty directory (no logs, no state): verified and found again, exactly.
    let away = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&bundle, away.path().join("case.bundle")).expect("copy");
    let o = replay(away.path(), "case.bundle");
    let said = ok(&o);
    assert!(said.contains("verified") && said.contains(&fingerprint), "{said}");
    assert!(!said.contains("MISSING") && !said.contains("DIFFERENT"), "{said}");
    let same = said.lines().filter(|l| l.starts_with("  same ")).count();
    let whole_school = said.lines().filter(|l| l.starts_with("  evidence ")).count();
    assert!(same >= rules, "{said}");
    let total = same + whole_school;
    assert!(
        said.contains(&format!("{same} of {total} recorded findings found again exactly")),
        "{said}"
    );
    assert!(
        std::fs::read_dir(away.path()).expect("dir").count() == 1,
        "replay writes nothing beside the bundle"
    );
}

#[test]
fn any_changed_byte_fails_the_replay_saying_what_changed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state");
    open(&state, "small");
    let id = findings()
        .iter()
        .find(|f| f["rule"] == "bypass.tor")
        .and_then(|f| f["id"].as_str().map(str::to_owned))
        .expect("a Tor finding");
    ok(&case(&state, &["add", "small", "--finding", &id, "sample-logs"]));
    let bundle = tmp.path().join("small.bundle");
    ok(&case(
        &state,
        &["export", "small", "--out", bundle.to_str().expect("utf-8")],
    ));
    let good = std::fs::read(&bundle).expect("bundle");
    assert_eq!(replay(tmp.path(), "small.bundle").status.code(), Some(0));
    // Positions across every part: the first line, each record's hash, its JSON, its end of
    // line, and spread between.
    let mut positions = vec![0, 5, good.len() - 1, good.len() - 2];
    let mut start = 0;
    for (i, b) in good.iter().enumerate() {
        if *b == b'\n' {
            positions.extend([start, start + 30, start + 64, start + 65, (start + i) / 2, i]);
            start = i + 1;
        }
    }
    positions.extend((1..40).map(|k| k * good.len() / 40));
    positions.sort_unstable();
    positions.dedup();
    positions.retain(|&p| p < good.len());
    let bad = tmp.path().join("bad.bundle");
    for at in positions {
        let mut bytes = good.clone();
        bytes[at] ^= 0x04;
        std::fs::write(&bad, &bytes).expect("write");
        let o = replay(tmp.path(), "bad.bundle");
        let err = String::from_utf8_lossy(&o.stderr);
        let line = good[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        assert_eq!(o.status.code(), Some(2), "byte {at}: {err}");
        assert!(
            err.contains(&format!("line {line} ")) || err.contains(&format!("line {line}:")),
            "byte {at} is on line {line}: {err}"
        );
        assert!(err.contains("fails verification"), "{err}");
    }
    // Named in words: a changed evidence line, a changed finding.
    let text = String::from_utf8(good).expect("utf-8");
    let evidence = text
        .lines()
        .position(|l| l.contains("\"record\":\"line\""))
        .expect("a line record");
    let changed: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == evidence {
                format!(
                    "{}\n",
                    l.replacen("TCP_", "TCQ_", 1).replacen("\"text\":\"", "\"text\":\"X", 1)
                )
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&bad, changed).expect("write");
    let o = replay(tmp.path(), "bad.bundle");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("evidence line sample-logs/"), "{err}");
}

/// `vigil case export c1 --out OUT`.
fn export(state: &Path, out: &Path) -> std::process::Output {
    case(state, &["export", "c1", "--out", out.to_str().expect("utf-8")])
}

#[test]
fn a_changed_case_stops_its_export() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state");
    open(&state, "c1");
    let id = findings()[0]["id"].as_str().expect("id").to_owned();
    ok(&case(&state, &["add", "c1", "--finding", &id[..8], "sample-logs"]));
    let log = state.join("cases/c1/log.jsonl");
    let text = std::fs::read_to_string(&log).expect("log");
    std::fs::write(&log, text.replace("PREVENT referral", "routine check")).expect("write");
    let o = export(&state, &tmp.path().join("a.bundle"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1: changed since it was written"));
    std::fs::write(&log, &text).expect("restore");
    let added = std::fs::read_dir(state.join("cases/c1/adds"))
        .expect("adds")
        .next()
        .expect("one addition")
        .expect("entry")
        .path();
    let bytes = std::fs::read(&added).expect("addition");
    std::fs::write(
        &added,
        String::from_utf8_lossy(&bytes).replacen("\"count\":", "\"count\":1", 1),
    )
    .expect("write");
    let o = export(&state, &tmp.path().join("a.bundle"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(".json: changed since it was added"), "{err}");
    std::fs::write(&added, &bytes).expect("restore");
    // Entries cut from the end of the case log are noticed too (vigil's access log names them).
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, format!("{}\n", lines[0])).expect("cut");
    let o = export(&state, &tmp.path().join("a.bundle"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cut from the end of the case log"), "{err}");
    std::fs::write(&log, &text).expect("restore");
    let out = tmp.path().join("a.bundle");
    ok(&export(&state, &out));
    let again = export(&state, &out);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never replaced"));
}

#[test]
fn a_case_needs_two_investigators_a_new_name_and_something_to_add() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state");
    let o = case(&state, &["open", "x", "--investigator", "Only One"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least two investigators"));
    let o = case(&state, &["open", "../x", "--investigator", "A", "--investigator", "B"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a case name"));
    open(&state, "x");
    let o = case(&state, &["open", "x", "--investigator", "A", "--investigator", "B"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
    let o = case(&state, &["add", "x", "sample-logs"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("say what to add"));
    let o = case(&state, &["add", "x", "--finding", "0000000000000000", "sample-logs"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no finding 0000000000000000"));
    let o = case(&state, &["add", "nope", "--finding", "0000000000000000", "sample-logs"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no case `nope`"));
}

#[test]
fn the_dashboards_case_basket_is_filed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state");
    open(&state, "b");
    let all = findings();
    let basket: String = all
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("bypass.")))
        .map(|f| {
            format!(
                "{}\n",
                serde_json::json!({"finding": f, "evidence": [], "by": "nm", "at": "2026-11-23T09:00:00Z"})
            )
        })
        .collect();
    let n = basket.lines().count();
    assert!(n >= 3);
    std::fs::create_dir_all(&state).expect("mkdir");
    std::fs::write(state.join("case-basket.jsonl"), basket).expect("basket");
    let said = ok(&case(&state, &["add", "b", "--basket", "sample-logs"]));
    assert!(said.contains(&format!("{n} findings")), "{said}");
    assert!(!state.join("case-basket.jsonl").exists(), "the basket is filed");
    assert!(state.join("cases/b/basket-0002.jsonl").exists());
}

#[test]
fn a_case_removed_and_opened_again_under_its_name_is_a_new_case() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state");
    open(&state, "again");
    ok(&case(&state, &["note", "again", "first case"]));
    std::fs::remove_dir_all(state.join("cases/again")).expect("remove");
    open(&state, "again");
    let shown = ok(&case(&state, &["show", "again"]));
    assert!(
        shown.contains("chain is intact") && !shown.contains("first case"),
        "{shown}"
    );
}
