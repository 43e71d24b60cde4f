//! End-to-end tests of the `vigil` command, run as a user would (assert_cmd).

mod case;
mod findings;
mod formats;
mod generate;
mod help;
mod ingest;
mod mail;
mod policy;
mod report;
mod samples;
mod support;
mod top;
