//! Licence rules: seats bought against installations, users and concurrent use; unused,
//! expiring and unregistered software; denials by the licence server.

use polars::prelude::PolarsResult;

use super::Inputs;
use crate::context::Context;
use crate::findings::Finding;

/// The licence family's findings.
pub fn detect(_cx: &Context, _inputs: &Inputs) -> PolarsResult<Vec<Finding>> {
    Ok(Vec::new())
}
