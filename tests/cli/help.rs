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
}

#[test]
fn no_arguments_prints_help_and_fails() {
    let out = vigil().output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: vigil"));
}
