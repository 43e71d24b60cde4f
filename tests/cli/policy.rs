//! `vigil init` and `vigil policy check`, as a network manager would use them.

use crate::support::{vigil, write};

#[test]
fn init_writes_a_template_that_checks_clean_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("policy.toml");
    vigil().args(["init", "--out"]).arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(
        text.contains("[categories]") && text.contains("[[exemptions]]"),
        "{text}"
    );
    vigil()
        .args(["policy", "check"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicates::str::contains("policy is valid"));
    // A second init refuses to replace the school's edited file.
    std::fs::write(&path, "# edited\n").expect("edit");
    vigil()
        .args(["init", "--out"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("exists; use --force"));
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), "# edited\n");
    // Standard output by default.
    let out = vigil().arg("init").output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), text);
}

#[test]
fn check_names_file_line_and_key_of_each_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        dir.path(),
        "policy.toml",
        "[school]\nname = \"X\"\n\n[windows]\nlunch = \"12:20-13:05\"\nbreak = \"12:00-12:30\"\n\n[categories]\nkittens = \"acceptable\"\nsocial-media = { level = \"certain-times\", windows = [\"supper\"] }\n",
    );
    let out = vigil().args(["policy", "check"]).arg(&bad).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "policy.toml: line 5: windows.lunch: overlaps window `break`",
        "policy.toml: line 9: categories.kittens: unknown category",
        "policy.toml: line 10: categories.social-media: window `supper` is not defined",
        "3 problem(s)",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    let unknown = write(
        dir.path(),
        "typo.toml",
        "[school]\nname = \"X\"\ntimezon = \"Europe/London\"\n",
    );
    let out = vigil().args(["policy", "check"]).arg(&unknown).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo.toml: line 3: unknown field `timezon`"), "{err}");
}
