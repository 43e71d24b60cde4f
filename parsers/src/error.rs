//! Errors of the input layer.

use std::path::PathBuf;

/// What can go wrong while finding, opening or reading log sources.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given on the command line does not exist.
    #[error("{path}: no such file or directory (check the path, or quote a glob so vigil expands it)")]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// A glob pattern matched nothing or was malformed.
    #[error("{pattern}: {problem}")]
    Glob {
        /// The pattern as given.
        pattern: String,
        /// What was wrong with it.
        problem: String,
    },
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A compressed file could not be decompressed.
    #[error(
        "{path}: corrupt or truncated gzip data after {offset} decompressed bytes: {source} (the lines before it were read)"
    )]
    Gzip {
        /// The file being read.
        path: PathBuf,
        /// How far decompression got.
        offset: u64,
        /// The decoder's error.
        source: std::io::Error,
    },
    /// No parser recognised the file.
    #[error("{path}: {detail}")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// What was tried and what to do.
        detail: String,
    },
    /// A time zone name that the tz database does not know.
    #[error("unknown time zone {0:?}: use an IANA name such as Europe/London")]
    BadTimeZone(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}

/// Result type of the parsers crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
