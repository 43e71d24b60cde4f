//! `--help` texts are part of the interface: snapshot them.

use crate::support::vigil;

fn help(args: &[&str]) -> String {
    let out = vigil().args(args).env("COLUMNS", "100").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("vigil_help", help(&["--help"]));
    insta::assert_snapshot!("ingest_help", help(&["ingest", "--help"]));
    insta::assert_snapshot!("top_help", help(&["top", "--help"]));
    insta::assert_snapshot!("generate_help", help(&["generate", "--help"]));
    insta::assert_snapshot!("tui_help", help(&["tui", "--help"]));
}

#[test]
fn no_arguments_prints_help_and_fails() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = vigil().env("XDG_CONFIG_HOME", config.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Usage: vigil") && err.contains("[dashboard]"), "{err}");
}

#[test]
fn the_dashboard_needs_a_terminal_and_says_so() {
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(config.path().join("vigil")).expect("mkdir");
    std::fs::write(
        config.path().join("vigil/config.toml"),
        "[dashboard]\npaths = [\"sample-logs\"]\npolicy = \"sample-policy/policy.toml\"\n",
    )
    .expect("config");
    let out = vigil()
        .env("XDG_CONFIG_HOME", config.path())
        .env("VIGIL_STATE_DIR", config.path().join("state"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the dashboard needs a terminal"));
    // A bad config file is named.
    std::fs::write(config.path().join("vigil/config.toml"), "[dashboard]\npath = 1\n").expect("config");
    let out = vigil().env("XDG_CONFIG_HOME", config.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.toml"));
}

#[test]
fn keys_prints_a_key_file_that_reads_back() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = vigil()
        .env("XDG_CONFIG_HOME", config.path())
        .arg("keys")
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("[keys]") && text.contains("down = [\"j\", \"Down\"]"),
        "{text}"
    );
    let file = config.path().join("keys.toml");
    std::fs::write(&file, text.replace("quit = [\"q\"]", "quit = [\"x\"]")).expect("write");
    let out = vigil().args(["keys", "--keys"]).arg(&file).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("quit = [\"x\"]"));
    std::fs::write(&file, "[keys]\nfly = [\"f\"]\n").expect("write");
    let out = vigil().args(["keys", "--keys"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown action `fly`"));
}

#[test]
fn the_dashboard_checks_its_inputs_before_taking_the_terminal() {
    let state = tempfile::tempdir().expect("tempdir");
    let out = vigil()
        .args(["tui", "--state-dir"])
        .arg(state.path())
        .arg("no/such/logs")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/logs"));
    let policy = state.path().join("policy.toml");
    std::fs::write(&policy, "[school]\nname = \"x\"\nbogus = 1\n").expect("write");
    let out = vigil()
        .args(["tui", "--state-dir"])
        .arg(state.path())
        .arg("--policy")
        .arg(&policy)
        .arg("sample-logs")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("policy.toml") && err.contains("bogus"), "{err}");
    let keys = state.path().join("keys.toml");
    std::fs::write(&keys, "[keys]\nquit = [\"Ctrl+q\"]\n").expect("write");
    let out = vigil()
        .args(["tui", "--keys"])
        .arg(&keys)
        .arg("sample-logs")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`Ctrl+q` is not a key"));
}
