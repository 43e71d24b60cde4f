//! Hash-chained, append-only JSON-lines logs (vigil's access log and each case's log): every
//! entry carries its sequence number, the previous entry's SHA-256 and its own, so a removed,
//! changed or reordered entry is found. Appends take an exclusive lock, so two vigil processes
//! cannot fork a chain.

use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry of a chained log.
pub trait Linked: Serialize + DeserializeOwned {
    /// 1 for the first entry, then one more each time.
    fn seq(&self) -> u64;
    /// The previous entry's hash.
    fn prev(&self) -> &str;
    /// This entry's hash as written.
    fn hash(&self) -> &str;
    /// Sets this entry's hash.
    fn set_hash(&mut self, hash: String);
}

/// Implements [`Linked`] for an entry struct with `seq`, `prev` and `hash` fields.
#[macro_export]
macro_rules! linked_entry {
    ($t:ty) => {
        impl $crate::chain::Linked for $t {
            fn seq(&self) -> u64 {
                self.seq
            }
            fn prev(&self) -> &str {
                &self.prev
            }
            fn hash(&self) -> &str {
                &self.hash
            }
            fn set_hash(&mut self, hash: String) {
                self.hash = hash;
            }
        }
    };
}

/// SHA-256 (hex) of an entry's JSON without its `hash` field, keys in sorted order whatever
/// serde_json's map keeps.
pub fn entry_hash<T: Linked>(e: &T) -> String {
    let v = serde_json::to_value(e).unwrap_or_default();
    let sorted: std::collections::BTreeMap<&String, &serde_json::Value> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "hash")
        .collect();
    crate::report::manifest::sha256(serde_json::to_string(&sorted).unwrap_or_default().as_bytes())
}

/// Appends the entry `make(seq, prev)` builds to the log at `path` (created 0600, its directory
/// 0700), under an exclusive lock; returns the entry written.
pub fn append<T: Linked>(path: &Path, make: impl FnOnce(u64, String) -> T) -> Result<T> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::tui::store::private_dir(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a descriptor owned here; released when `f` is closed.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error()).with_context(|| format!("locking {}", path.display()));
    }
    let last = std::io::BufReader::new(std::fs::File::open(path)?)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .last();
    let (seq, prev) = match last {
        Some(l) => {
            let e: T = serde_json::from_str(&l)
                .with_context(|| format!("{}: the last entry is not readable: verify the log", path.display()))?;
            (e.seq() + 1, e.hash().to_owned())
        }
        None => (1, GENESIS.to_owned()),
    };
    let mut e = make(seq, prev);
    e.set_hash(entry_hash(&e));
    writeln!(f, "{}", serde_json::to_string(&e)?).with_context(|| format!("writing {}", path.display()))?;
    f.sync_data()?;
    Ok(e)
}

/// Checks a chain's text: every line an entry, numbered in order, each pointing at the previous
/// entry's hash and carrying its own. Returns the entries, or the first problem with its line.
pub fn verify_text<T: Linked>(text: &str) -> Result<Vec<T>, String> {
    let mut out: Vec<T> = Vec::new();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let n = i + 1;
        out.push(serde_json::from_str(line).map_err(|err| format!("line {n}: not an entry ({err})"))?);
        lines.push(n);
    }
    check(&out, |i| format!("line {}", lines[i]))?;
    Ok(out)
}

/// Checks entries in order: numbered 1, 2, …, each pointing at the previous entry's hash and
/// carrying its own; `label` names the i-th entry in the message of the first problem.
pub fn check<T: Linked>(entries: &[T], label: impl Fn(usize) -> String) -> Result<(), String> {
    let mut prev = GENESIS;
    for (i, e) in entries.iter().enumerate() {
        if e.seq() != i as u64 + 1 {
            return Err(format!(
                "{}: entry {} where {} was expected (an entry removed or moved)",
                label(i),
                e.seq(),
                i + 1
            ));
        }
        if e.prev() != prev {
            return Err(format!(
                "{}: does not follow the entry before it (an entry removed, changed or moved)",
                label(i)
            ));
        }
        if entry_hash(e) != e.hash() {
            return Err(format!("{}: changed since it was written", label(i)));
        }
        prev = e.hash();
    }
    Ok(())
}

/// [`verify_text`] of the file at `path`.
pub fn verify<T: Linked>(path: &Path) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    verify_text(&text)
}
