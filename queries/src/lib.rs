//! # vigil-queries
//!
//! polars analyses over the records vigil's parsers produce: building DataFrames of each event
//! kind ([`frame`]) and the queries the CLI and dashboard run over them ([`top`]).
//!
//! This crate knows nothing of the terminal or of command-line parsing.

pub mod frame;
pub mod top;

pub use frame::web_frame;
pub use top::{TopBy, TopKey, TopOptions, TopRow, top};
