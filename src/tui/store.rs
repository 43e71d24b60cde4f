//! What the dashboard keeps between runs: findings marked reviewed (with a note), the case
//! basket (findings set aside for a case; `vigil case` files them), and exports of a view.
//! Files are appended to (JSON lines) or written to a temporary name and renamed.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use vigil_queries::findings::Finding;

/// A review of a finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Review {
    /// The finding's id.
    pub id: String,
    /// Its rule.
    pub rule: String,
    /// Who or what it is about.
    pub subject: String,
    /// The reviewer's note.
    pub note: String,
    /// The reviewer (the OS user).
    pub by: String,
    /// When, RFC 3339.
    pub at: String,
}

/// One finding set aside for a case, with its evidence by file, line and offset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BasketItem {
    /// The finding.
    pub finding: serde_json::Value,
    /// Evidence: file, line, offset.
    pub evidence: Vec<(String, u64, u64)>,
    /// Who added it.
    pub by: String,
    /// When, RFC 3339.
    pub at: String,
}

/// The dashboard's state directory.
pub struct Store {
    dir: PathBuf,
    reviews: HashMap<String, Review>,
    /// Nothing is written (replaying a case).
    pub read_only: bool,
}

/// The OS user running vigil.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| {
            // SAFETY: getuid has no preconditions and cannot fail.
            let uid = unsafe { libc::getuid() };
            format!("uid {uid}")
        })
}

/// The state directory: `$VIGIL_STATE_DIR`, else `$XDG_STATE_HOME/vigil`, else
/// `~/.local/state/vigil`.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("VIGIL_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("vigil");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".local/state/vigil")
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Creates `dir` and its parents, only its owner allowed in (0700): what vigil keeps names pupils.
pub fn private_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

impl Store {
    /// Opens (creating) the state directory and reads the reviews in it.
    pub fn open(dir: &Path, read_only: bool) -> Result<Store> {
        if !read_only {
            // Reviews and the basket name pupils: only the user reads them.
            private_dir(dir)?;
        }
        let mut reviews = HashMap::new();
        let path = dir.join("reviews.jsonl");
        if let Ok(text) = std::fs::read_to_string(&path) {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                // A torn last write must not lock the user out of the dashboard.
                match serde_json::from_str::<Review>(line) {
                    Ok(r) => {
                        reviews.insert(r.id.clone(), r);
                    }
                    Err(e) => log::warn!("{}:{}: not a review record, skipped: {e}", path.display(), i + 1),
                }
            }
        }
        Ok(Store {
            dir: dir.to_owned(),
            reviews,
            read_only,
        })
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The review of a finding, if any.
    pub fn review(&self, id: &str) -> Option<&Review> {
        self.reviews.get(id)
    }

    fn append(&self, name: &str, line: &str) -> Result<PathBuf> {
        anyhow::ensure!(!self.read_only, "read-only: nothing is written while replaying");
        let path = self.dir.join(name);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        writeln!(f, "{line}").with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Marks a finding reviewed with a note.
    pub fn mark_reviewed(&mut self, f: &Finding, note: &str) -> Result<()> {
        let r = Review {
            id: f.id.clone(),
            rule: f.rule.to_owned(),
            subject: f.subject().to_owned(),
            note: note.to_owned(),
            by: os_user(),
            at: now(),
        };
        self.append("reviews.jsonl", &serde_json::to_string(&r)?)?;
        self.reviews.insert(r.id.clone(), r);
        Ok(())
    }

    /// Adds a finding and its evidence to the case basket; returns the basket's path.
    pub fn add_to_basket(&self, f: &Finding, file: impl Fn(u32) -> String) -> Result<PathBuf> {
        let item = BasketItem {
            finding: serde_json::to_value(f)?,
            evidence: f.evidence.iter().map(|e| (file(e.source), e.line, e.offset)).collect(),
            by: os_user(),
            at: now(),
        };
        self.append("case-basket.jsonl", &serde_json::to_string(&item)?)
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a `'`
/// in front: the text comes from logs, and the export is opened in Excel.
fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes a table to `path` as CSV, or as JSON (an array of objects) when the name ends in
/// `.json`. The file is written under a temporary name beside it (created 0600, never following
/// a link) and renamed; an existing `path` is never replaced.
pub fn export(path: &Path, header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<u64> {
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".vigil-export-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    let mut n = 0u64;
    let mut out = std::io::BufWriter::new(tmp);
    if json {
        out.write_all(b"[\n")?;
        for row in rows {
            let obj: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(row)
                .map(|(h, v)| ((*h).to_owned(), serde_json::Value::String(v)))
                .collect();
            if n > 0 {
                out.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut out, &obj)?;
            n += 1;
        }
        out.write_all(b"\n]\n")?;
    } else {
        let head: Vec<String> = header.iter().map(|h| crate::output::csv_field(h)).collect();
        writeln!(out, "{}", head.join(","))?;
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| crate::output::csv_field(&defused(c))).collect();
            writeln!(out, "{}", cells.join(","))?;
            n += 1;
        }
    }
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path)
        .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_persist_and_exports_are_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = Finding::new(
            "bypass.doh",
            vigil_queries::findings::Severity::High,
            (0, 1),
            Some("jsmith".into()),
            None,
            None,
            None,
            "DoH".into(),
            1,
            Vec::new(),
        );
        let mut s = Store::open(dir.path(), false).expect("open");
        s.mark_reviewed(&f, "spoke to form tutor").expect("review");
        let again = Store::open(dir.path(), false).expect("reopen");
        assert_eq!(
            again.review(&f.id).map(|r| r.note.as_str()),
            Some("spoke to form tutor")
        );
        let ro = Store::open(dir.path(), true).expect("read-only");
        assert!(ro.add_to_basket(&f, |_| String::new()).is_err());

        let csv = dir.path().join("view.csv");
        let rows = vec![vec!["a,b".to_owned(), "c".to_owned()]];
        assert_eq!(export(&csv, &["X", "Y"], rows.clone().into_iter()).expect("csv"), 1);
        assert_eq!(std::fs::read_to_string(&csv).expect("read"), "X,Y\n\"a,b\",c\n");
        let json = dir.path().join("view.json");
        export(&json, &["X", "Y"], rows.into_iter()).expect("json");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
        assert_eq!(v[0]["X"], "a,b");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".vigil-export-"))
            .collect();
        assert!(leftovers.is_empty());
        // Never replaces a file; formulas from logs are defused.
        assert!(export(&csv, &["X"], std::iter::empty()).is_err());
        let f2 = dir.path().join("f.csv");
        export(&f2, &["X"], vec![vec!["=HYPERLINK(\"x\")".to_owned()]].into_iter()).expect("csv");
        assert!(std::fs::read_to_string(&f2).expect("read").contains("'=HYPERLINK"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&f2).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
