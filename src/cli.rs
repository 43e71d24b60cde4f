//! Command-line arguments, validated into each command's options, and exit codes.
//!
//! Exit codes (also in `vigil --help`):
//! - 0: success;
//! - 1: partial: some sources could not be read or recognised (the output covers the rest);
//! - 2: failure: bad arguments, missing files, or no input could be read.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use vigil_parsers::Format;

use crate::commands;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  partial: some sources could not be read or recognised (the output covers the rest)
  2  failure: bad arguments, missing files, or no input could be read

Paths may be files (plain or gzip), directories (read recursively) or quoted globs; rotated sets
such as access.log, access.log.1, access.log.2.gz are read oldest first.";

/// vigil: log analysis for a school's network manager.
#[derive(Debug, Parser)]
#[command(name = "vigil", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Worker threads for parsing and queries (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// The command (none: the dashboard over the paths in ~/.config/vigil/config.toml).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// vigil's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs and report, per source and in total, what parsed and what did not.
    Ingest(IngestArgs),
    /// Per-user, per-host or per-client totals of requests, bytes and blocked requests.
    Top(TopArgs),
    /// Write a realistic, deterministic week of logs for a fictional school, with planted incidents.
    Generate(GenerateArgs),
    /// Write a fully commented policy file for a typical school, to edit.
    Init(InitArgs),
    /// Work with policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Apply the school's policy to the logs: breaches, keywords, unfair usage, filter bypass,
    /// mail, licences and coverage, each finding with the log lines behind it.
    Findings(FindingsArgs),
    /// Every event of one person (or device or address) across all sources, in time order, with
    /// the source file and line.
    Timeline(TimelineArgs),
    /// The dashboard: findings, people, timelines and evidence lines, keyboard only (`?` lists the
    /// keys). `vigil` alone opens it over the paths in ~/.config/vigil/config.toml.
    Tui(TuiArgs),
    /// Print the dashboard's key bindings as a key file to edit (save it as
    /// ~/.config/vigil/keys.toml, or pass it with `vigil tui --keys FILE`).
    Keys(KeysArgs),
    /// The weekly report for the DSL (and the governors): HTML, CSV, JSON and a manifest of
    /// hashes, written whole or not at all; for cron and systemd timers (silent on success).
    Report(ReportArgs),
    /// Check a report directory against its manifest: every output's SHA-256 (and, with
    /// --sources, the logs it was made from).
    Verify(VerifyArgs),
    /// vigil's own access log: every search, look-up of a person and export, who and when,
    /// hash-chained (`--verify` checks the chain).
    AuditLog(AuditLogArgs),
    /// Evidence cases: open one with two investigators, add findings, a person's activity or
    /// log lines, note, and export a bundle to carry to an isolated machine; every action is
    /// kept in the case's hash-chained log.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Check a case bundle on an isolated machine (every hash, the case log's chain), rebuild
    /// its logs, run the detectors again and compare with the recorded findings, then open the
    /// dashboard over it, read-only. Exit 0: verified and every finding found again; 1: verified,
    /// some finding differs; 2: the bundle fails verification.
    Replay(ReplayArgs),
}

/// `vigil case …`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a case with its investigators and the policy to judge the logs by.
    Open(CaseOpenArgs),
    /// Add findings (by id, or the dashboard's case basket), a person's activity over a time
    /// range, or log lines; the lines behind them are copied exactly into the case.
    Add(CaseAddArgs),
    /// Add a note to the case log.
    Note(CaseNoteArgs),
    /// Write the case as one bundle file (never replacing one) and log its fingerprint.
    Export(CaseExportArgs),
    /// Show a case's log and findings (checking its chain).
    Show(CaseShowArgs),
    /// List the cases.
    List(CaseListArgs),
}

/// `vigil case open`.
#[derive(Debug, Args)]
pub struct CaseOpenArgs {
    /// The case's name (letters, digits, `.`, `_`, `-`).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// An investigator (at least two: the school's procedure involves more than one senior
    /// person).
    #[arg(long, value_name = "NAME", required = true)]
    pub investigator: Vec<String>,
    /// Why the case is opened.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// The school's policy file (copied into the case, with the files it names); without it, the
    /// built-in policy of a typical school.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The state directory holding the cases (default as for `vigil tui`).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `vigil case add`.
#[derive(Debug, Args)]
pub struct CaseAddArgs {
    /// The case.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// A finding's id (or a unique start of it, 6 characters or more); repeat for more.
    #[arg(long, value_name = "ID")]
    pub finding: Vec<String>,
    /// The findings in the dashboard's case basket (`c`); the basket is filed with the case.
    #[arg(long)]
    pub basket: bool,
    /// A person's (or device's or address's) activity, with --since and --until.
    #[arg(long, value_name = "USER")]
    pub person: Option<String>,
    /// Start of the person's time range (`2026-11-16`, `2026-11-16 09:00`, RFC 3339).
    #[arg(long, value_name = "TIME", requires = "person")]
    pub since: Option<String>,
    /// End of the person's time range (exclusive).
    #[arg(long, value_name = "TIME", requires = "person")]
    pub until: Option<String>,
    /// Log lines: FILE:LINE or FILE:FIRST-LAST (FILE must be among the PATHs); repeat for more.
    #[arg(long, value_name = "FILE:LINES")]
    pub lines: Vec<String>,
    /// The investigators present (default: those named when the case was opened).
    #[arg(long, value_name = "NAME")]
    pub investigator: Vec<String>,
    /// The state directory holding the cases.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The logs to take them from.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `vigil case note`.
#[derive(Debug, Args)]
pub struct CaseNoteArgs {
    /// The case.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The note.
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// The investigators present (default: those named when the case was opened).
    #[arg(long, value_name = "NAME")]
    pub investigator: Vec<String>,
    /// The state directory holding the cases.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `vigil case export`.
#[derive(Debug, Args)]
pub struct CaseExportArgs {
    /// The case.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The bundle file to write (must not exist).
    #[arg(long, value_name = "BUNDLE")]
    pub out: PathBuf,
    /// The investigators present (default: those named when the case was opened).
    #[arg(long, value_name = "NAME")]
    pub investigator: Vec<String>,
    /// The state directory holding the cases.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `vigil case show`.
#[derive(Debug, Args)]
pub struct CaseShowArgs {
    /// The case.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The state directory holding the cases.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `vigil case list`.
#[derive(Debug, Args)]
pub struct CaseListArgs {
    /// The state directory holding the cases.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `vigil replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The bundle `vigil case export` wrote.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Print the verification and comparison only; do not open the dashboard.
    #[arg(long)]
    pub no_dashboard: bool,
    /// A key file for the dashboard.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
}

/// `vigil audit-log`.
#[derive(Debug, Args)]
pub struct AuditLogArgs {
    /// Check the chain and exit 2 at the first entry removed, changed or moved.
    #[arg(long)]
    pub verify: bool,
    /// The state directory holding access-log.jsonl (default as for `vigil tui`).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// Which report to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Edition {
    /// For the DSL: names, addresses and the log lines behind each finding.
    Dsl,
    /// For governors: keyed pseudonyms instead of people, devices and addresses; no log lines.
    Governors,
    /// Both, in DIR/dsl and DIR/governors.
    All,
}

/// `vigil report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The school's policy file; without it, the built-in policy of a typical school.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The week: `last` (the default), `this`, or an ISO week such as 2026-W47 (Monday to Sunday
    /// in the policy's time zone).
    #[arg(long, value_name = "WEEK", conflicts_with_all = ["since", "until"])]
    pub week: Option<String>,
    /// Start of a custom period (`2026-11-16`, `2026-11-16 09:00`, RFC 3339), with --until.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// End of a custom period (exclusive), with --since.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The report directory (replaced whole when the new report is complete).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Which edition.
    #[arg(long, value_enum, default_value_t = Edition::Dsl)]
    pub edition: Edition,
    /// The key file for the governors' pseudonyms (at least 16 secret bytes the school keeps).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `vigil verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A report directory (with manifest.json, or dsl/ and governors/ each with one).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Also hash the source logs named in the manifest and report any change.
    #[arg(long)]
    pub sources: bool,
}

/// `vigil tui`.
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// The school's policy file (`vigil init` writes one); without it, the built-in policy of a
    /// typical school.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A key file (`vigil keys` writes one); default ~/.config/vigil/keys.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Where reviews and the case basket are kept (default $VIGIL_STATE_DIR, else
    /// $XDG_STATE_HOME/vigil, else ~/.local/state/vigil).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The dashboard's log file (default: vigil.log in the state directory). Nothing is ever
    /// written to the screen but the dashboard.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `vigil keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// Start from this key file instead of the defaults (checks it).
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
}

/// `vigil findings`.
#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// The school's policy file (`vigil init` writes one); without it, the built-in policy of a
    /// typical school.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Only findings whose last event is at or after this time (`2026-11-16`, `2026-11-16 09:00`,
    /// local to the policy's zone, or RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only findings whose first event is before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only rules matching this pattern (`bypass.*`, `breach.unacceptable`).
    #[arg(long, value_name = "PATTERN")]
    pub rule: Option<String>,
    /// Only findings about this person (or device or address).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Only findings at least this severe.
    #[arg(long, value_enum)]
    pub severity: Option<SeverityArg>,
    /// Output style (json includes every evidence line reference).
    #[arg(long, value_enum, default_value_t = TableOutput::Table)]
    pub output: TableOutput,
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `vigil timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The person (user name), device name or address.
    #[arg(long, value_name = "USER")]
    pub user: String,
    /// The school's policy file (for its time zone and identity rules).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output style.
    #[arg(long, value_enum, default_value_t = TableOutput::Table)]
    pub output: TableOutput,
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Severities on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// Critical only.
    Critical,
    /// High and above.
    High,
    /// Medium and above.
    Medium,
    /// Low and above.
    Low,
    /// Everything.
    Info,
}

/// `vigil init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the policy (standard output when absent).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `vigil policy …`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file: unknown keys, bad times, overlapping windows, unknown categories,
    /// groups and levels, malformed exemptions and thresholds; each problem with its key and line.
    Check {
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// How to read the inputs.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Log files, directories or quoted globs.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Log format of every input (auto: recognise each file from its first lines).
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = format_parser())]
    pub format: FormatArg,
    /// The school's time zone, for logs that record local time.
    #[arg(long, default_value = "Europe/London", value_name = "ZONE")]
    pub tz: String,
    /// Read files instead of memory-mapping them (for network or FUSE file systems).
    #[arg(long)]
    pub no_mmap: bool,
    /// Column names of web-filter report exports vigil has no preset for: a TOML file with a
    /// `[web-csv]` table mapping vigil's fields to your export's headers, e.g.
    /// `time = "When"`, `url = ["Website", "Site"]`, `user = "Pupil"`, `date-order = "month-first"`
    /// (fields: time, date, time_of_day, url, host, user, client, device, action, reason,
    /// category, status, method, bytes, duration, mime, user_agent, referer).
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
}

/// A `--format` value: one format, or `None` to recognise each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(pub Option<Format>);

/// `--format`'s values: `auto` and every format's name, each with its description.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = FormatArg> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let auto = PossibleValue::new("auto").help("Recognise each file from its first lines");
    let names = Format::ALL
        .into_iter()
        .map(|f| PossibleValue::new(f.name()).help(f.describe()));
    PossibleValuesParser::new(std::iter::once(auto).chain(names))
        .map(|name: String| FormatArg(Format::from_name(&name)))
}

/// `vigil ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output style.
    #[arg(long, value_enum, default_value_t = IngestOutput::Table)]
    pub output: IngestOutput,
    /// How many rejected lines to show per source in the table (JSON lists up to 100000).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub show_rejects: usize,
}

/// `vigil ingest --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IngestOutput {
    /// Aligned text.
    Table,
    /// One JSON object.
    Json,
}

/// `vigil top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// What to total by.
    #[arg(value_enum)]
    pub key: TopKeyArg,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = TopByArg::Bytes)]
    pub by: TopByArg,
    /// How many rows (0: all).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Output style.
    #[arg(long, value_enum, default_value_t = TableOutput::Table)]
    pub output: TableOutput,
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `vigil top` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopKeyArg {
    /// Web: authenticated user (`-` for unauthenticated requests).
    Users,
    /// Web: requested host.
    Hosts,
    /// Web: client address.
    Clients,
    /// Mail: envelope sender (`<>` for bounces).
    Senders,
    /// Mail: recipient.
    Recipients,
    /// Mail: recipient domain (sender domain for received messages).
    Domains,
    /// Firewall: source address.
    Sources,
    /// Firewall: destination address.
    Destinations,
    /// Firewall: destination port and protocol.
    Ports,
}

/// `vigil top --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopByArg {
    /// Bytes (web: sent to the client; mail: received and delivered; firewall: logged).
    Bytes,
    /// Requests, messages or connections.
    #[value(alias = "count", alias = "messages", alias = "connections")]
    Requests,
    /// Blocked requests, rejected or bounced mail, blocked connections.
    Blocked,
}

/// Output style of tabular commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOutput {
    /// Aligned text.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// `vigil generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// School days (Monday to Friday) to generate.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub days: u32,
    /// First day (YYYY-MM-DD); a weekend start moves to the Monday.
    #[arg(long, default_value = "2026-11-16", value_name = "DATE")]
    pub start: chrono::NaiveDate,
    /// Number of pupils.
    #[arg(long, default_value_t = 600, value_name = "N")]
    pub pupils: usize,
    /// Number of staff.
    #[arg(long, default_value_t = 80, value_name = "N")]
    pub staff: usize,
    /// Number of guest devices on the visitor Wi-Fi.
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub guests: usize,
    /// Seed for every random choice (same seed, same logs).
    #[arg(long, default_value_t = 20261116, value_name = "S")]
    pub seed: u64,
    /// Multiplies everyone's request rate (1 is a light, sampled volume; ~80 is a busy school).
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub scale: f64,
    /// Aim for about this many web log lines in total (sets --scale).
    #[arg(long, value_name = "N", conflicts_with = "scale")]
    pub lines: Option<u64>,
    /// Write one access.log instead of a daily rotated set.
    #[arg(long)]
    pub no_rotate: bool,
}

/// How a command ended, mapped onto the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was read.
    Ok,
    /// Some sources could not be read.
    Partial,
    /// Nothing usable.
    Failed,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(match o {
            Outcome::Ok => 0,
            Outcome::Partial => 1,
            Outcome::Failed => 2,
        })
    }
}

/// Parses arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Size the pools before any other thread (the memory sampler's) exists.
    if let Some(n) = cli.threads
        && let Err(e) = configure_threads(n)
    {
        let _ = writeln!(std::io::stderr(), "vigil: error: {e:#}");
        return Outcome::Failed.into();
    }
    let sampler = crate::memstats::MemSampler::from_env();
    let result = run(cli);
    if let Some(s) = sampler {
        s.finish();
    }
    match result {
        Ok(outcome) => outcome.into(),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "vigil: error: {e:#}");
            Outcome::Failed.into()
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line (`--threads` is applied by [`main`] before anything starts).
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let Some(command) = cli.command else {
        return crate::tui::run_from_config();
    };
    match command {
        Command::Ingest(args) => commands::ingest::run(&args),
        Command::Top(args) => commands::top::run(&args),
        Command::Generate(args) => commands::generate::run(&args),
        Command::Init(args) => commands::policy::init(&args),
        Command::Policy(PolicyCommand::Check { file }) => commands::policy::check(&file),
        Command::Findings(args) => commands::findings::run(&args),
        Command::Timeline(args) => commands::findings::timeline(&args),
        Command::Tui(args) => crate::tui::run(&args),
        Command::Keys(args) => crate::tui::print_keys(args.keys.as_deref()),
        Command::Report(args) => crate::report::run(&args),
        Command::Verify(args) => crate::report::verify(&args),
        Command::AuditLog(args) => crate::audit::command(&args),
        Command::Case(CaseCommand::Open(args)) => crate::case::open(&args),
        Command::Case(CaseCommand::Add(args)) => crate::case::add(&args),
        Command::Case(CaseCommand::Note(args)) => crate::case::note(&args),
        Command::Case(CaseCommand::Export(args)) => crate::case::export(&args),
        Command::Case(CaseCommand::Show(args)) => crate::case::show(&args),
        Command::Case(CaseCommand::List(args)) => crate::case::list(&args),
        Command::Replay(args) => crate::case::replay::run(&args),
    }
}

/// Sizes rayon's pool and polars' pool to `n` threads (before either is first used).
fn configure_threads(n: usize) -> anyhow::Result<()> {
    anyhow::ensure!(n > 0, "--threads must be at least 1");
    // SAFETY: called from `main` before any other thread of this process exists, so nothing can
    // read the environment concurrently.
    unsafe { std::env::set_var("POLARS_MAX_THREADS", n.to_string()) };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| anyhow::anyhow!("cannot size the thread pool: {e}"))
}
