//! Turning command-line paths (files, directories, globs) into an ordered list of log files.
//!
//! Rotated sets are read oldest first: `access.log.3.gz`, `access.log.2.gz`, `access.log.1`,
//! `access.log`; date-stamped rotations (`access.log-20261115.gz`) in date order before the live
//! file. Hidden files inside directories are skipped; a file named twice is read once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its path.
    pub path: PathBuf,
    /// Named on the command line itself, rather than found in a directory or by a glob. A file
    /// that was only found is skipped (and reported) when it is not a recognised log, the way
    /// Squid's `cache.log` sits beside `access.log`.
    pub explicit: bool,
    /// This file's format, whatever the ingest's options say (a replayed case knows each
    /// source's format); `None` follows the options.
    pub format: Option<crate::Format>,
}

/// Expands `inputs` into the files to read, in reading order.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for input in inputs {
        let text = input.to_string_lossy();
        if !input.exists() && text.contains(['*', '?', '[']) {
            let paths = glob::glob(&text).map_err(|e| Error::Glob {
                pattern: text.to_string(),
                problem: format!("bad pattern: {e}"),
            })?;
            let mut matched = 0;
            for p in paths {
                let p = p.map_err(|e| Error::io(e.path().to_path_buf(), std::io::Error::other(e.to_string())))?;
                collect(&p, false, &mut found)?;
                matched += 1;
            }
            if matched == 0 {
                return Err(Error::Glob {
                    pattern: text.to_string(),
                    problem: "matched no files".to_owned(),
                });
            }
        } else {
            collect(input, true, &mut found)?;
        }
    }
    // A file both named and found in a named directory is read once, as named.
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let named: HashSet<PathBuf> = found
        .iter()
        .filter(|f| f.explicit)
        .map(|f| canonical(&f.path))
        .collect();
    let mut seen = HashSet::new();
    found.retain(|f| seen.insert(canonical(&f.path)));
    let explicit: HashSet<PathBuf> = found
        .iter()
        .filter(|f| named.contains(&canonical(&f.path)))
        .map(|f| f.path.clone())
        .collect();
    Ok(order_rotated(found.into_iter().map(|f| f.path).collect())
        .into_iter()
        .map(|path| Found {
            explicit: explicit.contains(&path),
            path,
            format: None,
        })
        .collect())
}

fn collect(path: &Path, explicit: bool, out: &mut Vec<Found>) -> Result<()> {
    let md = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !md.is_dir() {
        out.push(Found {
            path: path.to_path_buf(),
            explicit,
            format: None,
        });
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    entries.sort();
    for entry in entries {
        // Inside a directory: regular files (or links to them) and real subdirectories only, so
        // a FIFO cannot block the walk and a link back up cannot loop it.
        let Ok(link) = std::fs::symlink_metadata(&entry) else {
            continue;
        };
        let Ok(target) = std::fs::metadata(&entry) else {
            continue;
        };
        if target.is_file() || (target.is_dir() && !link.file_type().is_symlink()) {
            collect(&entry, false, out)?;
        }
    }
    Ok(())
}

/// Where a file stands in its rotated set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// `name.N[.gz]`: larger N is older.
    Numbered(std::cmp::Reverse<u64>),
    /// `name-YYYYMMDD[.gz]` and similar: in date order.
    Dated(String),
    /// The live file.
    Current,
}

/// The rotated set a file belongs to (its directory and base name) and its rank in it.
fn rotation_key(path: &Path) -> (PathBuf, String, Rank) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stem = name.as_str();
    for ext in [".gz", ".bz2", ".xz", ".zst"] {
        if let Some(s) = stem.strip_suffix(ext) {
            stem = s;
            break;
        }
    }
    if let Some((base, n)) = stem.rsplit_once('.')
        && !n.is_empty()
        && n.len() <= 4
        && n.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = n.parse()
    {
        return (dir, base.to_owned(), Rank::Numbered(std::cmp::Reverse(n)));
    }
    if let Some((base, digits)) = date_suffix(stem) {
        return (dir, base.to_owned(), Rank::Dated(digits));
    }
    (dir, stem.to_owned(), Rank::Current)
}

/// Splits a date-stamped rotation suffix off a name: `-20261115`, `-2026111503` (with an hour),
/// `-2026-11-15`, with `-`, `.` or `_` before it. Returns the base name and the digits.
fn date_suffix(stem: &str) -> Option<(&str, String)> {
    let bytes = stem.as_bytes();
    for (len, dashed) in [(10, true), (10, false), (8, false)] {
        if bytes.len() <= len + 1 {
            continue;
        }
        let (base, sep, date) = (
            &stem[..bytes.len() - len - 1],
            bytes[bytes.len() - len - 1],
            &bytes[bytes.len() - len..],
        );
        let shape_ok = if dashed {
            date.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
        } else {
            date.iter().all(u8::is_ascii_digit)
        };
        if shape_ok && b"-._".contains(&sep) {
            let digits: String = date
                .iter()
                .filter(|b| b.is_ascii_digit())
                .map(|&b| char::from(b))
                .collect();
            return Some((base, digits));
        }
    }
    None
}

/// Orders rotated sets oldest first; otherwise keeps the order in which sets first appear.
pub fn order_rotated(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut group_order: Vec<(PathBuf, String)> = Vec::new();
    let mut keyed: Vec<(usize, Rank, PathBuf)> = Vec::with_capacity(paths.len());
    for p in paths {
        let (dir, base, rank) = rotation_key(&p);
        let g = match group_order.iter().position(|(d, b)| *d == dir && *b == base) {
            Some(g) => g,
            None => {
                group_order.push((dir, base));
                group_order.len() - 1
            }
        };
        keyed.push((g, rank, p));
    }
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    keyed.into_iter().map(|(_, _, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[PathBuf]) -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect()
    }

    fn found_names(v: &[Found]) -> Vec<String> {
        names(&v.iter().map(|f| f.path.clone()).collect::<Vec<_>>())
    }

    #[test]
    fn rotated_sets_oldest_first() {
        let input: Vec<PathBuf> = [
            "access.log",
            "access.log.1",
            "access.log.10.gz",
            "access.log.2.gz",
            "cache.log",
            "access.log.3",
        ]
        .iter()
        .map(|n| PathBuf::from("/var/log/squid").join(n))
        .collect();
        assert_eq!(
            names(&order_rotated(input)),
            [
                "access.log.10.gz",
                "access.log.3",
                "access.log.2.gz",
                "access.log.1",
                "access.log",
                "cache.log"
            ]
        );
        let dashed: Vec<PathBuf> = [
            "access.log",
            "access.log-2026-11-15.gz",
            "access.log-2026-11-14.gz",
            "access.log-2026111509",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(
            names(&order_rotated(dashed)),
            [
                "access.log-2026-11-14.gz",
                "access.log-2026-11-15.gz",
                "access.log-2026111509",
                "access.log"
            ]
        );
        let dated: Vec<PathBuf> = ["access.log", "access.log-20261116.gz", "access.log-20261115.gz"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(
            names(&order_rotated(dated)),
            ["access.log-20261115.gz", "access.log-20261116.gz", "access.log"]
        );
    }

    #[test]
    fn expands_directories_and_globs() {
        let dir = tempfile::tempdir().expect("tempdir");
        for n in ["access.log", "access.log.1", ".hidden", "sub/x.log"] {
            let p = dir.path().join(n);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "x\n").expect("write");
        }
        let all = expand(&[dir.path().to_path_buf()]).expect("expand");
        assert_eq!(found_names(&all), ["access.log.1", "access.log", "x.log"]);
        assert!(all.iter().all(|f| !f.explicit));
        let globbed = expand(&[dir.path().join("access*")]).expect("glob");
        assert_eq!(found_names(&globbed), ["access.log.1", "access.log"]);
        let named = expand(&[dir.path().join("access.log")]).expect("named");
        assert!(named[0].explicit);
        // Named as well as found in a named directory: read once, as named.
        let both = expand(&[dir.path().to_path_buf(), dir.path().join("access.log")]).expect("both");
        assert_eq!(both.iter().filter(|f| f.explicit).count(), 1);
        assert_eq!(both.len(), 3);
        let twice = expand(&[dir.path().join("access.log"), dir.path().join("access.log")]).expect("dupes");
        assert_eq!(twice.len(), 1);
        assert!(matches!(
            expand(&[dir.path().join("nope.log")]),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            expand(&[dir.path().join("nope*.log")]),
            Err(Error::Glob { .. })
        ));
    }
}
