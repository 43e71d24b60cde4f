//! The detectors, one module per rule family. Each reads the event frames it needs through
//! [`Inputs`] and the school's policy through [`Context`], and returns [`Finding`]s with the
//! exact log lines behind them.

pub mod breach;
pub mod bypass;
pub mod coverage;
pub mod events;
pub mod keyword;
pub mod licences;
pub mod mail;
pub mod usage;
pub mod web;

use polars::prelude::*;
use vigil_parsers::Kind;

use crate::context::Context;
use crate::findings::{Evidence, Finding};

/// The web columns the detectors read (reading fewer saves memory: referrers and user agents
/// are most of a proxy log's text).
pub fn web_columns() -> vigil_parsers::web::WebColumns {
    use vigil_parsers::web::WebColumn as C;
    vigil_parsers::web::WebColumns::of(&[
        C::Ts,
        C::Source,
        C::Line,
        C::Offset,
        C::User,
        C::ClientIp,
        C::Device,
        C::Method,
        C::Host,
        C::Port,
        C::Path,
        C::Query,
        C::Action,
        C::Category,
        C::BytesIn,
        C::BytesOut,
        C::SearchTerms,
    ])
}

/// One source read, as the detectors need to know it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its path as given.
    pub path: String,
    /// The kind of its records.
    pub kind: Option<Kind>,
    /// First and last record, UTC ms.
    pub span: Option<(i64, i64)>,
    /// When the source was written, UTC ms: a date and time in its file name
    /// (`register-2026-11-20-1745.csv`, see [`time_in_name`]), else its modification time. The
    /// time of findings about exports that carry no event times (inventory, licence register).
    pub taken: Option<i64>,
}

impl SourceInfo {
    /// What the detectors need to know of a source the ingest read; `tz` reads times in names.
    pub fn of(report: &vigil_parsers::ingest::SourceReport, tz: chrono_tz::Tz) -> SourceInfo {
        let path = report.path.display().to_string();
        let mtime = report.mtime.and_then(|m| {
            let d = m.duration_since(std::time::UNIX_EPOCH).ok()?;
            i64::try_from(d.as_millis()).ok()
        });
        SourceInfo {
            taken: time_in_name(&path, tz).or(mtime),
            kind: report.kind,
            span: report.first_ts.zip(report.last_ts),
            path,
        }
    }
}

/// A local date and time in a file name, read in `tz`: `2026-11-20-1745`, `2026-11-20T17:45`,
/// `20261120-1745`, `20261120_174500`, or a date alone (midnight).
pub fn time_in_name(path: &str, tz: chrono_tz::Tz) -> Option<i64> {
    let name = std::path::Path::new(path).file_name()?.to_string_lossy().into_owned();
    let digits: Vec<(usize, u8)> = name.bytes().enumerate().collect();
    // Collapse separators between digit groups: keep the digits and where each run starts.
    let mut runs: Vec<String> = Vec::new();
    let mut current = String::new();
    for (_, b) in &digits {
        if b.is_ascii_digit() {
            current.push(char::from(*b));
        } else if matches!(b, b'-' | b'_' | b'T' | b':' | b' ') && !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
            runs.push(String::new());
        } else {
            runs.push(String::new());
        }
    }
    runs.push(current);
    let joined: Vec<&str> = runs.iter().map(String::as_str).collect();
    for start in 0..joined.len() {
        // Date as YYYY-MM-DD (three runs) or YYYYMMDD (one run).
        let (date, next) = if joined[start].len() == 8 {
            (joined[start].to_owned(), start + 1)
        } else if joined[start].len() == 4
            && joined.get(start + 1)?.len() == 2
            && joined.get(start + 2).is_some_and(|d| d.len() == 2)
        {
            (
                format!("{}{}{}", joined[start], joined[start + 1], joined[start + 2]),
                start + 3,
            )
        } else {
            continue;
        };
        let Ok(day) = chrono::NaiveDate::parse_from_str(&date, "%Y%m%d") else {
            continue;
        };
        if !(2000..2100).contains(&chrono::Datelike::year(&day)) {
            continue;
        }
        let time = match joined.get(next).copied() {
            Some(t) if t.len() == 4 || t.len() == 6 => chrono::NaiveTime::parse_from_str(&t[..4], "%H%M").ok(),
            Some(h) if h.len() == 2 && joined.get(next + 1).is_some_and(|m| m.len() == 2) => {
                chrono::NaiveTime::parse_from_str(&format!("{h}{}", joined[next + 1]), "%H%M").ok()
            }
            _ => None,
        }
        .unwrap_or_default();
        return Some(match vigil_parsers::time::resolve_in(tz, day.and_time(time)) {
            vigil_parsers::time::LocalResolution::Exact(ms) => ms,
            vigil_parsers::time::LocalResolution::Ambiguous { early, .. } => early,
        });
    }
    None
}

/// The event frames of one ingest (each with `ts`, `source`, `line`, `offset` first); `None`
/// where no source of that kind was read. The web and flow frames carry the attribution
/// columns `person` and `device_name` (String) when built by [`crate::attribute`].
#[derive(Debug, Default, Clone)]
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
    /// Builds every frame the detectors use from an ingest (consumed, so that columns move into
    /// polars): web, flow, mail, inventory, licences and licence use, and one identity frame of
    /// the identity sources' bindings plus those learned from authenticated web requests. `tz`
    /// reads export times in file names.
    pub fn from_ingest(ingest: vigil_parsers::ingest::Ingest, tz: chrono_tz::Tz) -> PolarsResult<Inputs> {
        let vigil_parsers::ingest::Ingest {
            sources, web, tables, ..
        } = ingest;
        let mut inputs = Inputs {
            sources: sources.iter().map(|s| SourceInfo::of(s, tz)).collect(),
            ..Inputs::default()
        };
        let has_web = sources.iter().any(|s| s.kind == Some(Kind::Web));
        let mut identity: Vec<DataFrame> = Vec::new();
        if has_web {
            let frame = crate::web_frame(web)?;
            if frame.height() > 0 {
                identity.push(crate::collect(crate::identity::learned_identities(
                    frame.clone().lazy(),
                ))?);
            }
            inputs.web = Some(frame);
        }
        for table in tables {
            let kind = table.schema.kind;
            let frame = crate::row_frame(table)?;
            match kind {
                Kind::Flow => inputs.flow = Some(frame),
                Kind::Mail => inputs.mail = Some(frame),
                Kind::Identity => identity.insert(0, frame),
                Kind::Inventory => inputs.inventory = Some(frame),
                Kind::Licences => inputs.licences = Some(frame),
                Kind::LicenceUse => inputs.licence_use = Some(frame),
                Kind::Web => {}
            }
        }
        if !identity.is_empty() {
            let cols = ["ts", "source", "line", "offset", "event", "ip", "user", "device"];
            let parts: Vec<LazyFrame> = identity
                .into_iter()
                .map(|df| {
                    let have: Vec<Expr> = cols
                        .iter()
                        .map(|c| match df.column(c) {
                            Ok(col_) if matches!(col_.dtype(), DataType::Categorical(..)) => {
                                col(*c).cast(DataType::String)
                            }
                            Ok(_) => col(*c),
                            Err(_) => lit(NULL).cast(DataType::String).alias(*c),
                        })
                        .collect();
                    df.lazy().select(have)
                })
                .collect();
            inputs.identity = Some(concat(parts, UnionArgs::default())?.collect()?);
        }
        Ok(inputs)
    }

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

    /// The text values of a column trimmed, nulls as empty strings.
    pub fn trimmed(&self, name: &str) -> PolarsResult<Vec<String>> {
        Ok(self
            .text(name)?
            .into_iter()
            .map(|s| s.map(|s| s.trim().to_owned()).unwrap_or_default())
            .collect())
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

/// What a run of the detectors found, with what it could and could not see.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The findings, most urgent first.
    pub findings: Vec<Finding>,
    /// Per source index: rows attributed to a person, and rows (web and firewall sources).
    pub attributed: Vec<(u32, u64, u64)>,
    /// Vendor categories that map onto none of vigil's, with their row counts.
    pub unmapped_categories: std::collections::BTreeMap<String, u64>,
    /// Seconds each stage took, in order (for benchmarks and `VIGIL_TIMINGS=1`).
    pub timings: Vec<(&'static str, f64)>,
}

/// Adds `person` and `device_name` to the web and firewall frames (see [`crate::attribute`]).
pub fn attribute(mut inputs: Inputs) -> PolarsResult<Inputs> {
    let identity = inputs.identity.take();
    if let Some(web) = inputs.web.take() {
        inputs.web = Some(crate::attribute::attribute(
            web,
            "client_ip",
            Some("user"),
            identity.as_ref(),
        )?);
    }
    if let Some(flow) = inputs.flow.take() {
        inputs.flow = Some(crate::attribute::attribute(
            flow,
            "src_ip",
            Some("user"),
            identity.as_ref(),
        )?);
    }
    inputs.identity = identity;
    Ok(inputs)
}

/// Adds `found` to `out` and reports them.
fn extend(out: &mut Vec<Finding>, report: &(dyn Fn(&[Finding]) + Sync), found: Vec<Finding>) {
    if !found.is_empty() {
        report(&found);
    }
    out.extend(found);
}

/// Runs `f`, returning its result and how long it took.
fn timed<T>(name: &'static str, f: impl FnOnce() -> T) -> (T, (&'static str, f64)) {
    let started = std::time::Instant::now();
    let out = f();
    (out, (name, started.elapsed().as_secs_f64()))
}

/// Stage timings.
#[derive(Default)]
struct Clock(Vec<(&'static str, f64)>);

impl Clock {
    /// Runs `f`, recording how long it took under `name` (stages of the same name add up).
    fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let started = std::time::Instant::now();
        let out = f();
        let secs = started.elapsed().as_secs_f64();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, s)) => *s += secs,
            None => self.0.push((name, secs)),
        }
        out
    }
}

/// Attributes the web and firewall frames to people and devices (adding `person` and
/// `device_name`), then runs every detector whose inputs are present.
pub fn run(cx: &Context, inputs: Inputs) -> PolarsResult<(Outcome, Inputs)> {
    run_reporting(cx, inputs, &|_| {})
}

/// [`run`], handing each family's findings to `report` as soon as they exist (for a display
/// that shows findings while the slower families still run). The outcome holds them all, sorted.
pub fn run_reporting(
    cx: &Context,
    inputs: Inputs,
    report: &(dyn Fn(&[Finding]) + Sync),
) -> PolarsResult<(Outcome, Inputs)> {
    let mut outcome = Outcome::default();
    let mut clock = Clock::default();
    let inputs = clock.time("attribute", || attribute(inputs))?;
    for df in [&inputs.web, &inputs.flow].into_iter().flatten() {
        outcome.attributed.extend(crate::attribute::attributed_share(df)?);
    }
    let mut out = Vec::new();
    let client = |ip: &str| {
        let ip = ip.parse().ok();
        ip.is_some_and(bypass::is_internal)
            && !crate::context::any_contains(&cx.proxies, ip)
            && !crate::context::any_contains(&cx.resolvers, ip)
            && !crate::context::any_contains(&cx.not_filtered, ip)
    };
    if let Some(web) = &inputs.web {
        let scan = clock.time("web scan", || web::WebScan::new(cx, web))?;
        let traffic = usage::Traffic {
            ip: "client_ip",
            down: "bytes_in",
            up: "bytes_out",
            dest: "host",
            is_client: &client,
        };
        // The families are independent and mostly single-threaded: two at a time.
        let ((a, b, e), (c, d)) = clock.time("web families (in parallel)", || {
            rayon::join(
                || {
                    (
                        timed("breach::detect", || breach::detect(cx, web, &scan)),
                        timed("bypass::detect_web", || bypass::detect_web(cx, web, &scan)),
                        timed("coverage::gaps", || coverage::gaps(cx, web, &inputs)),
                    )
                },
                || {
                    (
                        timed("usage::detect", || {
                            usage::detect(cx, web, &traffic, &scan.who, &scan.ts)
                        }),
                        timed("usage::leisure", || usage::leisure(cx, web, &scan)),
                    )
                },
            )
        });
        for (found, (stage, secs)) in [a, b, c, d, e] {
            clock.0.push((stage, secs));
            extend(&mut out, report, found?);
        }
        extend(
            &mut out,
            report,
            clock.time("keyword::detect_web", || keyword::detect_web(cx, web))?,
        );
        outcome.unmapped_categories = scan.unmapped;
    }
    if let Some(flow) = &inputs.flow {
        extend(
            &mut out,
            report,
            clock.time("bypass::detect_flow", || bypass::detect_flow(cx, flow))?,
        );
        let traffic = usage::Traffic {
            ip: "src_ip",
            down: "bytes_in",
            up: "bytes_out",
            dest: "dst_ip",
            is_client: &client,
        };
        let who = events::Who::read(flow, "src_ip")?;
        let ts = events::times(flow)?;
        extend(
            &mut out,
            report,
            clock.time("usage::detect", || usage::detect(cx, flow, &traffic, &who, &ts))?,
        );
        extend(
            &mut out,
            report,
            clock.time("coverage::gaps", || coverage::gaps(cx, flow, &inputs))?,
        );
        if let Some(web) = &inputs.web {
            extend(
                &mut out,
                report,
                clock.time("coverage::unfiltered_devices", || {
                    coverage::unfiltered_devices(cx, flow, web, inputs.identity.as_ref())
                })?,
            );
        }
    }
    if let Some(mail) = &inputs.mail {
        extend(
            &mut out,
            report,
            clock.time("keyword::detect_mail", || keyword::detect_mail(cx, mail))?,
        );
    }
    extend(
        &mut out,
        report,
        clock.time("mail::detect", || mail::detect(cx, &inputs))?,
    );
    extend(
        &mut out,
        report,
        clock.time("licences::detect", || licences::detect(cx, &inputs))?,
    );
    extend(&mut out, report, coverage::unidentified(&inputs, &outcome.attributed));
    extend(&mut out, report, coverage::not_observable(&inputs));
    crate::findings::sort(&mut out);
    outcome.findings = out;
    outcome.timings = clock.0;
    Ok((outcome, inputs))
}

#[cfg(test)]
mod tests;

/// Building detector inputs from small logs in tests.
#[cfg(test)]
pub(crate) mod testkit {
    use super::Inputs;

    /// Writes `files` (name, text) into `dir`, reads them in that order as `vigil findings` does
    /// (London time) and builds the frames; `taken`, when given, is every source's export time.
    pub fn inputs_in(dir: &std::path::Path, files: &[(&str, String)], taken: Option<i64>) -> Inputs {
        let mut paths = Vec::new();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write");
            paths.push(dir.join(name));
        }
        let got = vigil_parsers::ingest::ingest(&paths, &Default::default()).expect("ingest");
        let mut inputs = Inputs::from_ingest(got, chrono_tz::Europe::London).expect("frames");
        if taken.is_some() {
            inputs.sources.iter_mut().for_each(|s| s.taken = taken);
        }
        inputs
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn export_times_in_file_names() {
        let london = chrono_tz::Europe::London;
        let ms = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("rfc3339")
                .timestamp_millis()
        };
        for (name, want) in [
            (
                "inventory/intune-discovered-apps-2026-11-20-1745.csv",
                Some("2026-11-20T17:45:00Z"),
            ),
            ("register_20260614-0930.csv", Some("2026-06-14T08:30:00Z")), // BST
            ("AppInvRawData_2026-11-20T17:45.csv", Some("2026-11-20T17:45:00Z")),
            ("export-20261120.csv", Some("2026-11-20T00:00:00Z")),
            ("access.log.2.gz", None),
            ("register.csv", None),
            ("licences-99999999.csv", None),
        ] {
            assert_eq!(time_in_name(name, london), want.map(ms), "{name}");
        }
    }
}
