//! vigil's own access log: every search, look-up of a person and export appends who, when, what
//! and about whom, each entry carrying the SHA-256 of the one before, so that a removed, changed
//! or reordered entry is found by `vigil audit-log --verify`.
//!
//! The log is `access-log.jsonl` in the state directory (created 0600), appended under an
//! exclusive lock so that two vigil processes cannot fork the chain.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

/// One entry of the access log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1 for the first entry, then one more each time.
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The OS user who ran vigil.
    pub by: String,
    /// What was done: `search`, `person`, `export`, `timeline`, `findings`, `report`.
    pub action: String,
    /// The details (the filter, the file written, …).
    pub what: String,
    /// Whom it concerned, when a person was looked up.
    pub about: Option<String>,
    /// The previous entry's hash.
    pub prev: String,
    /// SHA-256 of this entry without this field (hex).
    pub hash: String,
}

crate::linked_entry!(Entry);

/// The access log of a state directory.
pub fn path_in(state: &Path) -> PathBuf {
    state.join("access-log.jsonl")
}

/// Appends an entry to the access log in `state` (created 0600 with its directory 0700).
pub fn append(state: &Path, action: &str, what: &str, about: Option<&str>) -> Result<()> {
    crate::chain::append(&path_in(state), |seq, prev| Entry {
        seq,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        by: crate::tui::store::os_user(),
        action: action.to_owned(),
        what: what.to_owned(),
        about: about.map(str::to_owned),
        prev,
        hash: String::new(),
    })
    .context("writing the access log")?;
    Ok(())
}

/// Checks the chain: every line an entry, numbered in order, each pointing at the previous
/// entry's hash and carrying its own. Returns the entries, or the first problem with its line.
pub fn verify(path: &Path) -> Result<Vec<Entry>, String> {
    crate::chain::verify(path)
}

/// `vigil audit-log [--verify]`.
pub fn command(args: &crate::cli::AuditLogArgs) -> Result<crate::cli::Outcome> {
    let state = args.state_dir.clone().unwrap_or_else(crate::tui::store::default_dir);
    let path = path_in(&state);
    if !path.exists() {
        println!(
            "{}: no access log yet (nothing has been searched, looked up or exported)",
            path.display()
        );
        return Ok(crate::cli::Outcome::Ok);
    }
    match verify(&path) {
        Ok(entries) => {
            if args.verify {
                println!("{}: {} entries, the chain is intact", path.display(), entries.len());
            } else {
                let mut t = crate::output::Table::new(&[
                    ("TIME", crate::output::Align::Left),
                    ("BY", crate::output::Align::Left),
                    ("ACTION", crate::output::Align::Left),
                    ("ABOUT", crate::output::Align::Left),
                    ("WHAT", crate::output::Align::Left),
                ]);
                for e in &entries {
                    t.row(vec![
                        e.at.clone(),
                        e.by.clone(),
                        e.action.clone(),
                        e.about.clone().unwrap_or_default(),
                        e.what.clone(),
                    ]);
                }
                t.write(&mut std::io::stdout().lock())?;
            }
            Ok(crate::cli::Outcome::Ok)
        }
        Err(problem) => {
            eprintln!("vigil: {}: {problem}", path.display());
            Ok(crate::cli::Outcome::Failed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_holds_and_any_change_breaks_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        append(dir.path(), "search", "user:jsmith", None).expect("append");
        append(dir.path(), "person", "profile", Some("jsmith")).expect("append");
        append(dir.path(), "export", "/tmp/x.csv", None).expect("append");
        let path = path_in(dir.path());
        let got = verify(&path).expect("intact");
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].about.as_deref(), Some("jsmith"));
        let text = std::fs::read_to_string(&path).expect("read");
        // A changed word.
        std::fs::write(
            &path,
            text.replace("jsmith\"}", "jsmyth\"}")
                .replacen("user:jsmith", "user:someone", 1),
        )
        .expect("write");
        assert!(verify(&path).is_err_and(|e| e.contains("line 1")));
        // A removed entry.
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[2])).expect("write");
        assert!(verify(&path).is_err_and(|e| e.contains("line 2")));
        // Put back, it verifies again, and appending goes on from the end.
        std::fs::write(&path, &text).expect("write");
        append(dir.path(), "report", "week", None).expect("append");
        assert_eq!(verify(&path).expect("intact").len(), 4);
    }
}
