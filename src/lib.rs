//! # vigil
//!
//! The `vigil` binary's library: command-line interface, commands and the dashboard.
//! Parsing lives in `vigil-parsers`, analyses in `vigil-queries`.

pub mod audit;
pub mod case;
pub mod chain;
pub mod cli;
pub mod commands;
pub mod generate;
pub mod memstats;
pub mod output;
pub mod report;
pub mod tui;
