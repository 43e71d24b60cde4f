//! # vigil-queries
//!
//! polars analyses over the records vigil's parsers produce: building DataFrames of each event
//! kind ([`frame`]) and the queries the CLI and dashboard run over them ([`top`]).
//!
//! This crate knows nothing of the terminal or of command-line parsing.

pub mod attribute;
pub mod categories;
pub mod context;
pub mod detect;
pub mod findings;
pub mod frame;
pub mod identity;
pub mod keywords;
pub mod lists;
pub mod policy;
pub mod summary;
pub mod top;

pub use frame::{row_frame, web_frame};

use polars::prelude::{DataFrame, Engine, LazyFrame, PolarsResult, polars_bail};
use polars_core::query_result::QueryResult;

/// Runs a query on polars' streaming engine, which aggregates in parallel partitions without
/// materialising groups (the in-memory engine's group-by is several times slower on millions of
/// rows).
pub fn collect(query: LazyFrame) -> PolarsResult<DataFrame> {
    match query.collect_with_engine(Engine::Streaming)? {
        QueryResult::Single(df) => Ok(df),
        QueryResult::Multiple(_) => polars_bail!(ComputeError: "the query produced several results"),
    }
}
pub use top::{TopBy, TopKey, TopOptions, TopRow, top};
