//! The case bundle: one file an investigator carries to the isolated machine.
//!
//! ```text
//! vigil-case-bundle 1
//! <sha256 of the JSON> {"record":"manifest",…}
//! <sha256> {"record":"policy-file",…}        the policy and the lists it names
//! <sha256> {"record":"log",…}                the case log, hash-chained
//! <sha256> {"record":"source",…}             every source read: path, size, SHA-256, format
//! <sha256> {"record":"line",…}               evidence lines: path, line, offset, exact bytes
//! <sha256> {"record":"finding",…}            the findings as recorded
//! <sha256> {"record":"end","records":N,"chain":…}
//! ```
//!
//! Every byte is covered: each record's JSON by the hash before it, the order and number of the
//! records by the end record's `chain` (SHA-256 of every record hash in turn), the layout by the
//! parser. The end record's hash is the bundle's fingerprint, written in the case log when it is
//! exported and printed when it is replayed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::capture::{CapturedLine, RecordedFinding, SourceMeta};
use super::log::LogEntry;
use crate::report::manifest::{hex, sha256};

/// The first line of every bundle.
pub const MAGIC: &str = "vigil-case-bundle 1";

/// What the bundle is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The vigil that wrote it.
    pub vigil_version: String,
    /// The case's name.
    pub case: String,
    /// When it was exported, RFC 3339.
    pub exported_at: String,
    /// Who exported it (the OS user).
    pub exported_by: String,
    /// The named investigators.
    pub investigators: Vec<String>,
    /// SHA-256 of the policy file.
    pub policy_sha256: String,
    /// The time zone the logs were read in.
    pub tz: String,
    /// How many sources, evidence lines and findings it holds.
    pub counts: (u64, u64, u64),
}

/// One record of a bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "record", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Record {
    /// The manifest (first).
    Manifest(Manifest),
    /// The policy (`policy.toml`) or a file it names, relative to it.
    PolicyFile {
        /// Its name relative to the policy's directory.
        name: String,
        /// Its text.
        text: String,
    },
    /// An entry of the case log.
    Log(LogEntry),
    /// A source log.
    Source(SourceMeta),
    /// A line of a source.
    Line {
        /// The source's path.
        path: String,
        /// 1-based line number.
        line: u64,
        /// Byte offset of its start.
        offset: u64,
        /// SHA-256 of its bytes.
        sha256: String,
        /// The bytes when they are UTF-8 text.
        text: Option<String>,
        /// The bytes in hex otherwise.
        hex: Option<String>,
    },
    /// A finding as recorded.
    Finding(RecordedFinding),
    /// The end: how many records came before and the chain of their hashes.
    End {
        /// Records before this one.
        records: u64,
        /// SHA-256 over the hashes of the records before, in order.
        chain: String,
    },
}

impl Record {
    /// A line record of `l`.
    pub fn line(l: &CapturedLine) -> Record {
        let text = std::str::from_utf8(&l.bytes).ok().map(str::to_owned);
        Record::Line {
            path: l.path.clone(),
            line: l.line,
            offset: l.offset,
            sha256: sha256(&l.bytes),
            hex: text.is_none().then(|| hex(&l.bytes)),
            text,
        }
    }

    /// What this record is, in words.
    pub fn describe(&self) -> String {
        match self {
            Record::Manifest(_) => "the manifest".into(),
            Record::PolicyFile { name, .. } => format!("policy file {name}"),
            Record::Log(e) => format!("case log entry {} ({})", e.seq, e.action),
            Record::Source(s) => format!("source {}", s.path),
            Record::Line { path, line, .. } => format!("evidence line {path}:{line}"),
            Record::Finding(f) => format!("finding {} ({} about {})", f.id, f.rule, f.subject()),
            Record::End { .. } => "the end record".into(),
        }
    }
}

/// The bytes of a line record (`text`, or `hex` decoded).
pub fn line_bytes(text: &Option<String>, hexed: &Option<String>) -> Option<Vec<u8>> {
    match (text, hexed) {
        (Some(t), None) => Some(t.as_bytes().to_vec()),
        (None, Some(h)) if h.len() % 2 == 0 => (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
            .collect(),
        _ => None,
    }
}

/// Writes `records` (manifest first) as a bundle to `out`, which must not exist; returns the
/// fingerprint (the end record's hash).
pub fn write(out: &Path, records: &[Record]) -> Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".vigil-bundle-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    // It names pupils: only its owner reads it.
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    let mut w = std::io::BufWriter::new(tmp.as_file_mut());
    writeln!(w, "{MAGIC}")?;
    let mut chain = sha2::Sha256::default();
    for r in records {
        let json = serde_json::to_string(r)?;
        let h = sha256(json.as_bytes());
        sha2::Digest::update(&mut chain, h.as_bytes());
        writeln!(w, "{h} {json}")?;
    }
    let end = Record::End {
        records: records.len() as u64,
        chain: hex(&sha2::Digest::finalize(chain)),
    };
    let json = serde_json::to_string(&end)?;
    let fingerprint = sha256(json.as_bytes());
    writeln!(w, "{fingerprint} {json}")?;
    w.flush()?;
    drop(w);
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(out).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} exists: a bundle is never replaced; choose another name",
                out.display()
            )
        } else {
            anyhow::anyhow!("writing {}: {}", out.display(), e.error)
        }
    })?;
    Ok(fingerprint)
}

/// A bundle read and checked.
#[derive(Debug)]
pub struct Bundle {
    /// Its records, end excluded.
    pub records: Vec<Record>,
    /// The end record's hash.
    pub fingerprint: String,
}

/// Reads the bundle at `path`, checking every byte: each record against its hash, their number
/// and order against the end record, nothing after it. The error says where and what changed.
pub fn read(path: &Path) -> Result<Bundle, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.display();
    let mut lines = data.split_inclusive(|&b| b == b'\n');
    match lines.next() {
        Some(l) if l == format!("{MAGIC}\n").as_bytes() => {}
        Some(l) if l == format!("{MAGIC}\r\n").as_bytes() => {
            return Err(format!(
                "{name}: its lines end in CR LF: it was copied as text (e.g. by a Windows tool) and changed; copy the file as binary"
            ));
        }
        _ => {
            return Err(format!(
                "{name}: line 1 is not `{MAGIC}`: not a vigil case bundle, or its first line was changed"
            ));
        }
    }
    let mut records = Vec::new();
    let mut chain = sha2::Sha256::default();
    for (i, raw) in lines.enumerate() {
        let n = i + 2;
        let Some(body) = raw.strip_suffix(b"\n") else {
            return Err(format!(
                "{name}: line {n} is cut short (no end of line): the bundle was truncated or changed"
            ));
        };
        let (hash, json) = match (body.get(..64), body.get(64), body.get(65..)) {
            (Some(h), Some(b' '), Some(j)) => (h, j),
            _ => {
                return Err(format!(
                    "{name}: line {n} is not a record (a SHA-256, a space, then JSON): changed or damaged"
                ));
            }
        };
        let parsed: Result<Record, String> = std::str::from_utf8(json)
            .map_err(|e| e.to_string())
            .and_then(|j| serde_json::from_str(j).map_err(|e| e.to_string()));
        if sha256(json) != String::from_utf8_lossy(hash) {
            let what = match &parsed {
                Ok(r) => r.describe(),
                Err(_) => "a record that no longer reads as JSON".into(),
            };
            return Err(format!(
                "{name}: line {n} ({what}) does not match its SHA-256: the record or its hash was changed"
            ));
        }
        let record = parsed.map_err(|e| format!("{name}: line {n} is not a record vigil knows: {e}"))?;
        if let Record::End {
            records: count,
            chain: want,
        } = &record
        {
            let got = hex(&sha2::Digest::finalize(chain));
            if *count != records.len() as u64 || *want != got {
                return Err(format!(
                    "{name}: line {n}: the end record counts {count} records in another order or number than the {} before it: records were removed, added or moved",
                    records.len()
                ));
            }
            let consumed: usize = data.split_inclusive(|&b| b == b'\n').take(n).map(<[u8]>::len).sum();
            if consumed != data.len() {
                return Err(format!(
                    "{name}: {} bytes after the end record (line {n}): something was appended",
                    data.len() - consumed
                ));
            }
            if !matches!(records.first(), Some(Record::Manifest(_))) {
                return Err(format!("{name}: the first record is not the manifest"));
            }
            return Ok(Bundle {
                records,
                fingerprint: String::from_utf8_lossy(hash).into_owned(),
            });
        }
        sha2::Digest::update(&mut chain, hash);
        records.push(record);
    }
    Err(format!(
        "{name}: no end record: the bundle was truncated (it held {} records)",
        records.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<Record> {
        let line = CapturedLine {
            path: "proxy/access.log".into(),
            line: 7,
            offset: 420,
            bytes: b"1763283600.123 42 10.0.0.7 TCP_DENIED/403 0 GET http://x.example/ - \xff".to_vec(),
        };
        vec![
            Record::Manifest(Manifest {
                vigil_version: "0.1.0".into(),
                case: "c".into(),
                exported_at: "2026-11-23T00:00:00Z".into(),
                exported_by: "nm".into(),
                investigators: vec!["A".into(), "B".into()],
                policy_sha256: sha256(b"[school]\n"),
                tz: "Europe/London".into(),
                counts: (0, 1, 0),
            }),
            Record::PolicyFile {
                name: "policy.toml".into(),
                text: "[school]\n".into(),
            },
            Record::line(&line),
        ]
    }

    #[test]
    fn a_bundle_reads_back_as_written_with_exact_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.bundle");
        let fp = write(&path, &records()).expect("write");
        let b = read(&path).expect("reads");
        assert_eq!(b.fingerprint, fp);
        assert_eq!(b.records, records());
        let Record::Line { text, hex, .. } = &b.records[2] else {
            panic!("a line")
        };
        assert!(text.is_none(), "not UTF-8: kept as hex");
        assert!(line_bytes(text, hex).is_some_and(|b| b.ends_with(b"- \xff")));
        assert!(write(&path, &records()).is_err_and(|e| e.to_string().contains("never replaced")));
    }

    #[test]
    fn every_changed_byte_is_caught_and_its_line_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.bundle");
        write(&path, &records()).expect("write");
        let good = std::fs::read(&path).expect("read");
        let bad = dir.path().join("bad.bundle");
        for at in 0..good.len() {
            for change in [0x01u8, 0x80] {
                let mut bytes = good.clone();
                bytes[at] ^= change;
                std::fs::write(&bad, &bytes).expect("write");
                let line = good[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                let err = read(&bad).expect_err(&format!("byte {at} changed by {change:#x} is caught"));
                assert!(
                    err.contains(&format!("line {line} ")) || err.contains(&format!("line {line}:")),
                    "byte {at} (line {line}): {err}"
                );
            }
        }
        // Cut short, and added to.
        std::fs::write(&bad, &good[..good.len() - 1]).expect("write");
        assert!(read(&bad).is_err_and(|e| e.contains("cut short")));
        let mut more = good.clone();
        more.extend_from_slice(b"x\n");
        std::fs::write(&bad, &more).expect("write");
        assert!(read(&bad).is_err_and(|e| e.contains("after the end record")));
        // A whole record removed.
        let text = String::from_utf8_lossy(&good).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let without: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        std::fs::write(&bad, without).expect("write");
        assert!(read(&bad).is_err_and(|e| e.contains("removed, added or moved")));
    }
}
