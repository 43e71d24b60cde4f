//! A case's log: every action on the case (opened, lines and findings added, notes, exports),
//! who did it — the OS user and the named investigators — and when, hash-chained (see
//! [`crate::chain`]).

use serde::{Deserialize, Serialize};

/// One entry of a case log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// 1 for the opening, then one more each time.
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The OS user who ran vigil.
    pub by: String,
    /// The investigators present.
    pub investigators: Vec<String>,
    /// `open`, `add`, `note` or `export`.
    pub action: String,
    /// What was done, in words (the reason, the note, what was added, the bundle written).
    pub what: String,
    /// SHA-256 of the data the entry stands for (the policy at opening, the lines and findings
    /// added, the bundle's fingerprint).
    pub data: Option<String>,
    /// The previous entry's hash.
    pub prev: String,
    /// SHA-256 of this entry without this field.
    pub hash: String,
}

crate::linked_entry!(LogEntry);
