//! Mail rules: auto-forwarding to external addresses, mass mailing, large messages to external
//! domains, mail from internal-only groups to outside addresses, and high reject rates.

use polars::prelude::PolarsResult;

use super::Inputs;
use crate::context::Context;
use crate::findings::Finding;

/// The mail family's findings.
pub fn detect(_cx: &Context, _inputs: &Inputs) -> PolarsResult<Vec<Finding>> {
    Ok(Vec::new())
}
