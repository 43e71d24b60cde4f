//! The manifest of a report: what was read (each source's path, size and SHA-256), under which
//! policy, and the SHA-256 of every file written; `vigil verify` recomputes them.

use std::io::Read;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a byte string, hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of a file, hex, read in blocks.
pub fn sha256_file(path: &Path) -> Result<String> {
    sha256_file_prefix(path, u64::MAX)
}

/// SHA-256 of a file's first `len` bytes (all of it when shorter), hex: what a log that has
/// grown since it was read held when it was read.
pub fn sha256_file_prefix(path: &Path, len: u64) -> Result<String> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut f = f.take(len);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// One source read for the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourceEntry {
    /// As given.
    pub path: String,
    /// Bytes when hashed.
    pub size: u64,
    /// SHA-256 of its bytes as stored (compressed files as compressed).
    pub sha256: String,
}

/// One file the report wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutputEntry {
    /// Its name in the report directory.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// `vigil` and its version.
    pub tool: String,
    /// When the report was made, RFC 3339.
    pub created: String,
    /// The period: from (inclusive) and until (exclusive), RFC 3339.
    pub period: (String, String),
    /// `dsl` or `governors`.
    pub edition: String,
    /// The policy file and its SHA-256 (`built-in` when none was given).
    pub policy: (String, String),
    /// Every source.
    pub sources: Vec<SourceEntry>,
    /// Every output but the manifest.
    pub outputs: Vec<OutputEntry>,
}

/// What `vigil verify` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// Outputs whose bytes match.
    pub ok: Vec<String>,
    /// Problems, one line each.
    pub problems: Vec<String>,
    /// Sources that changed or are gone since (the report itself may still be intact).
    pub sources_changed: Vec<String>,
}

/// Recomputes every output hash of the report in `dir` (and, when `sources` is set, of the
/// sources too).
pub fn verify(dir: &Path, sources: bool) -> Result<Verified> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let m: Manifest =
        serde_json::from_str(&text).with_context(|| format!("{}: not a vigil manifest", path.display()))?;
    let mut v = Verified::default();
    for o in &m.outputs {
        let p = dir.join(&o.name);
        match sha256_file(&p) {
            Ok(h) if h == o.sha256 => v.ok.push(o.name.clone()),
            Ok(h) => v.problems.push(format!(
                "{}: changed since the report was made (SHA-256 {h}, manifest {})",
                o.name, o.sha256
            )),
            Err(e) => v.problems.push(format!("{}: {e:#}", o.name)),
        }
    }
    let listed: Vec<&str> = m.outputs.iter().map(|o| o.name.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != "manifest.json" && !listed.contains(&name.as_str()) && e.path().is_file() {
                v.problems
                    .push(format!("{name}: not in the manifest (added since the report was made)"));
            }
        }
    }
    if sources {
        for s in &m.sources {
            match sha256_file(Path::new(&s.path)) {
                Ok(h) if h == s.sha256 => {}
                Ok(_) => v
                    .sources_changed
                    .push(format!("{}: changed since the report was made", s.path)),
                Err(e) => v.sources_changed.push(format!("{}: {e:#}", s.path)),
            }
        }
    }
    Ok(v)
}
