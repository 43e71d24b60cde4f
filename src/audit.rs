//! vigil's own access log: every search, look-up of a person and export appends who, when, what
//! and about whom, each entry carrying the SHA-256 of the one before, so that a removed, changed
//! or reordered entry is found by `vigil audit-log --verify`.
//!
//! The log is `access-log.jsonl` in the state directory (created 0600), appended under an
//! exclusive lock so that two vigil processes cannot fork the chain.

use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the access log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
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

fn entry_hash(e: &Entry) -> String {
    let body = serde_json::json!({
        "seq": e.seq, "at": e.at, "by": e.by, "action": e.action, "what": e.what,
        "about": e.about, "prev": e.prev,
    });
    crate::report::manifest::sha256(body.to_string().as_bytes())
}

/// The access log of a state directory.
pub fn path_in(state: &Path) -> PathBuf {
    state.join("access-log.jsonl")
}

/// Appends an entry to the access log in `state` (created 0600 with its directory 0700).
pub fn append(state: &Path, action: &str, what: &str, about: Option<&str>) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state)
        .with_context(|| format!("creating {}", state.display()))?;
    let path = path_in(state);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening the access log {}", path.display()))?;
    // SAFETY: flock on a descriptor owned here; released when `f` is closed.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error()).context("locking the access log");
    }
    let last = std::io::BufReader::new(std::fs::File::open(&path)?)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .last();
    let (seq, prev) = match last {
        Some(l) => {
            let e: Entry = serde_json::from_str(&l).with_context(|| {
                format!(
                    "{}: the last entry is not readable: run vigil audit-log --verify",
                    path.display()
                )
            })?;
            (e.seq + 1, e.hash)
        }
        None => (1, GENESIS.to_owned()),
    };
    let mut e = Entry {
        seq,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        by: crate::tui::store::os_user(),
        action: action.to_owned(),
        what: what.to_owned(),
        about: about.map(str::to_owned),
        prev,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    writeln!(f, "{}", serde_json::to_string(&e)?).with_context(|| format!("writing {}", path.display()))?;
    f.sync_data()?;
    Ok(())
}

/// Checks the chain: every line an entry, numbered in order, each pointing at the previous
/// entry's hash and carrying its own. Returns the entries, or the first problem with its line.
pub fn verify(path: &Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: Vec<Entry> = Vec::new();
    let mut prev = GENESIS.to_owned();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let n = i + 1;
        let e: Entry = serde_json::from_str(line).map_err(|err| format!("line {n}: not an entry ({err})"))?;
        if e.seq != out.len() as u64 + 1 {
            return Err(format!(
                "line {n}: entry {} where {} was expected (an entry removed or moved)",
                e.seq,
                out.len() + 1
            ));
        }
        if e.prev != prev {
            return Err(format!(
                "line {n}: does not follow the entry before it (an entry removed, changed or moved)"
            ));
        }
        if entry_hash(&e) != e.hash {
            return Err(format!("line {n}: changed since it was written"));
        }
        prev = e.hash.clone();
        out.push(e);
    }
    Ok(out)
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
