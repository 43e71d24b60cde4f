//! # vigil-parsers
//!
//! The input layer of vigil: finds log files, reads them (memory-mapped, or streamed when
//! compressed), cuts them into line-aligned chunks, and parses the chunks in parallel with nom
//! into columnar batches, counting every line that does not parse.
//!
//! This crate knows nothing of polars or of the terminal.
//!
//! ```no_run
//! use vigil_parsers::ingest::{IngestOptions, ingest};
//!
//! let result = ingest(&["/var/log/squid/access.log".into()], &IngestOptions::default())?;
//! for source in &result.sources {
//!     println!("{}: {} parsed, {} rejected", source.path.display(), source.parsed, source.rejected);
//! }
//! # Ok::<(), vigil_parsers::Error>(())
//! ```

pub mod asset;
pub mod csv;
pub mod discover;
mod error;
pub mod flow;
pub mod formats;
mod guard;
pub mod identity;
pub mod ingest;
pub mod intern;
pub mod kv;
pub mod lex;
pub mod mail;
pub mod mailjoin;
pub mod rowparse;
pub mod rows;
pub mod source;
pub mod syslog;
pub mod time;
pub mod url;
pub mod user;
pub mod web;

pub use error::{Error, Result};
pub use formats::{Format, Kind};
pub use web::{Action, WebBatch, WebColumn, WebColumns, WebRecord};
