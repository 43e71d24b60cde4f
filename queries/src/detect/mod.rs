//! The detectors, one module per rule family. Each reads the event frames it needs through
//! [`Inputs`] and the school's policy through [`Context`], and returns [`Finding`]s with the
//! exact log lines behind them.

pub mod licences;
pub mod mail;

use polars::prelude::*;
use vigil_parsers::Kind;

use crate::context::Context;
use crate::findings::{Evidence, Finding};

/// One source read, as the detectors need to know it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its path as given.
    pub path: String,
    /// The kind of its records.
    pub kind: Option<Kind>,
    /// First and last record, UTC ms.
    pub span: Option<(i64, i64)>,
}

/// The event frames of one ingest (each with `ts`, `source`, `line`, `offset` first); `None`
/// where no source of that kind was read. The web and flow frames carry the attribution
/// columns `person` and `device_name` (String) when built by [`crate::attribute`].
#[derive(Debug, Default)]
pub struct Inputs {
    /// Web requests.
    pub web: Option<DataFrame>,
    /// Firewall connections.
    pub flow: Option<DataFrame>,
    /// Mail, one row per recipient.
    pub mail: Option<DataFrame>,
    /// Identity bindings (leases, logons, learned from proxy authentication).
    pub identity: Option<DataFrame>,
    /// Installed software.
    pub inventory: Option<DataFrame>,
    /// Licences bought.
    pub licences: Option<DataFrame>,
    /// Licence server events.
    pub licence_use: Option<DataFrame>,
    /// The sources, indexed by the frames' `source` column.
    pub sources: Vec<SourceInfo>,
}

impl Inputs {
    /// Whether any source of `kind` was read.
    pub fn has(&self, kind: Kind) -> bool {
        self.sources.iter().any(|s| s.kind == Some(kind))
    }
}

/// Rows of a small frame read as Rust values: each column by name, categorical and string
/// columns as text, numbers as `u64`, times as UTC ms. For frames of thousands of rows (mail,
/// licences); the web and flow detectors read dictionary ids instead.
pub struct Rows<'a> {
    df: &'a DataFrame,
}

impl<'a> Rows<'a> {
    /// A reader over `df`.
    pub fn new(df: &'a DataFrame) -> Rows<'a> {
        Rows { df }
    }

    /// The text values of a column (categorical or string); `None` for nulls and a missing column.
    pub fn text(&self, name: &str) -> PolarsResult<Vec<Option<String>>> {
        let Ok(c) = self.df.column(name) else {
            return Ok(vec![None; self.df.height()]);
        };
        let s = c.cast(&DataType::String)?;
        Ok(s.str()?.iter().map(|v| v.map(str::to_owned)).collect())
    }

    /// The numbers of a column as `u64`.
    pub fn num(&self, name: &str) -> PolarsResult<Vec<Option<u64>>> {
        let Ok(c) = self.df.column(name) else {
            return Ok(vec![None; self.df.height()]);
        };
        let s = c.cast(&DataType::UInt64)?;
        Ok(s.u64()?.iter().collect())
    }

    /// A time column as UTC ms.
    pub fn time(&self, name: &str) -> PolarsResult<Vec<Option<i64>>> {
        let Ok(c) = self.df.column(name) else {
            return Ok(vec![None; self.df.height()]);
        };
        let s = c.to_physical_repr().cast(&DataType::Int64)?;
        Ok(s.i64()?.iter().collect())
    }

    /// The evidence reference of every row.
    pub fn evidence(&self) -> PolarsResult<Vec<Evidence>> {
        let source = self.num("source")?;
        let line = self.num("line")?;
        let offset = self.num("offset")?;
        Ok((0..self.df.height())
            .map(|i| Evidence {
                source: u32::try_from(source[i].unwrap_or(0)).unwrap_or(u32::MAX),
                line: line[i].unwrap_or(0),
                offset: offset[i].unwrap_or(0),
            })
            .collect())
    }
}

/// Runs every detector whose inputs are present; returns the findings, most urgent first.
pub fn run(cx: &Context, inputs: &Inputs) -> PolarsResult<Vec<Finding>> {
    let mut out = Vec::new();
    out.extend(mail::detect(cx, inputs)?);
    out.extend(licences::detect(cx, inputs)?);
    crate::findings::sort(&mut out);
    Ok(out)
}
