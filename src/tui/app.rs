//! The dashboard's state and what each action and loader message does to it. Drawing
//! (`ui.rs`) reads this state and changes nothing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, Sender};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil_parsers::ingest::Progress;
use vigil_queries::context::Context;
use vigil_queries::findings::{Evidence, Finding, Severity};

use super::events::{EventIndex, Field, kind_name};
use super::evidence::{Line, cell};
use super::filter::{EVENT_FIELDS, FINDING_FIELDS, Fields, Filter};
use super::keymap::{Action, Keymap};
use super::load::{Msg, SourceRow};
use super::store::Store;
use crate::cli::Outcome;

/// The views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Counts, activity over the week, source health.
    Overview,
    /// Policy breaches.
    Breaches,
    /// Keyword matches.
    Keywords,
    /// Unfair usage, top talkers, bandwidth over the day.
    Usage,
    /// Filter bypass.
    Bypass,
    /// Mail findings.
    Email,
    /// Licence findings.
    Licences,
    /// What could not be seen.
    Coverage,
    /// Every event.
    Search,
}

impl Tab {
    /// Every view, in order.
    pub const ALL: [Tab; 9] = [
        Tab::Overview,
        Tab::Breaches,
        Tab::Keywords,
        Tab::Usage,
        Tab::Bypass,
        Tab::Email,
        Tab::Licences,
        Tab::Coverage,
        Tab::Search,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Breaches => "Breaches",
            Tab::Keywords => "Keywords",
            Tab::Usage => "Usage",
            Tab::Bypass => "Bypass",
            Tab::Email => "Email",
            Tab::Licences => "Licences",
            Tab::Coverage => "Coverage",
            Tab::Search => "Search",
        }
    }

    /// The rule family its findings come from.
    pub fn family(self) -> Option<&'static str> {
        match self {
            Tab::Breaches => Some("breach."),
            Tab::Keywords => Some("keyword."),
            Tab::Usage => Some("usage."),
            Tab::Bypass => Some("bypass."),
            Tab::Email => Some("mail."),
            Tab::Licences => Some("licences."),
            Tab::Coverage => Some("coverage."),
            Tab::Overview | Tab::Search => None,
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
}

/// Columns of finding lists.
pub const FINDING_COLUMNS: [&str; 6] = ["SEV", "WHEN", "WHO", "RULE", "COUNT", "SUMMARY"];
/// Columns of event lists.
pub const EVENT_COLUMNS: [&str; 8] = ["TIME", "KIND", "WHO", "DEVICE", "IP", "ACTION", "HOST", "DETAIL"];
/// Columns of the source list on the Overview.
pub const SOURCE_COLUMNS: [&str; 8] = ["SOURCE", "KIND", "FIRST", "LAST", "LINES", "REJECTED", "GAPS", "STATE"];

/// The rows of a list in display order: owned, or every event in one of the index's kept
/// orders (shared, not copied: ten million rows cost nothing to show).
#[derive(Clone, Default)]
pub enum Rows {
    /// Rows of this list alone.
    #[default]
    Empty,
    /// Rows of this list alone.
    Owned(Vec<u32>),
    /// Events in the index's kept order for a column (a range of that order).
    Every(Arc<EventIndex>, usize, std::ops::Range<usize>),
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({})", self.len())
    }
}

impl std::ops::Deref for Rows {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        match self {
            Rows::Empty => &[],
            Rows::Owned(v) => v,
            Rows::Every(e, col, range) => &e.sorted_by(*col)[range.clone()],
        }
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = &'a u32;
    type IntoIter = std::slice::Iter<'a, u32>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<u32>> for Rows {
    fn from(v: Vec<u32>) -> Rows {
        Rows::Owned(v)
    }
}

/// A list on screen: which rows, in which order, which is selected, how sorted and filtered.
#[derive(Debug, Clone, Default)]
pub struct List {
    /// Row ids in display order.
    pub order: Rows,
    /// Index into `order` of the selected row.
    pub selected: usize,
    /// Index into `order` of the first row shown.
    pub offset: usize,
    /// Sort column, and whether descending (`None`: the list's natural order).
    pub sort: Option<(usize, bool)>,
    /// The filter.
    pub filter: Filter,
    /// A background search for this list is running.
    pub pending: bool,
}

impl List {
    /// The selected row id.
    pub fn current(&self) -> Option<u32> {
        self.order.get(self.selected).copied()
    }

    /// Moves the selection by `delta` rows (clamped), keeping it within a page of `page` rows.
    pub fn step(&mut self, delta: isize, page: usize) {
        if self.order.is_empty() {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        let last = self.order.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.keep_visible(page);
    }

    /// Selects row index `i` (clamped).
    pub fn select(&mut self, i: usize, page: usize) {
        self.selected = i.min(self.order.len().saturating_sub(1));
        self.keep_visible(page);
    }

    /// Scrolls so the selection is on screen.
    pub fn keep_visible(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.order.len().saturating_sub(page));
    }

    /// Replaces the rows, keeping `keep` selected when it is still there.
    pub fn set_rows(&mut self, order: impl Into<Rows>, keep: Option<u32>, page: usize) {
        self.order = order.into();
        let at = keep.and_then(|k| self.order.iter().position(|&r| r == k));
        match at {
            Some(i) => self.select(i, page),
            None => self.select(self.selected, page),
        }
    }
}

/// The evidence lines of a finding or an event, read from the sources page by page.
#[derive(Debug, Clone, Default)]
pub struct EvidenceList {
    /// Where each line is.
    pub refs: Vec<Evidence>,
    /// Lines read so far.
    pub lines: Vec<Option<Line>>,
    /// Selection and scrolling (rows are indexes into `refs`).
    pub list: List,
}

impl EvidenceList {
    fn new(refs: Vec<Evidence>) -> EvidenceList {
        let n = refs.len();
        EvidenceList {
            lines: vec![None; n],
            list: List {
                order: Rows::Owned((0..n as u32).collect()),
                ..List::default()
            },
            refs,
        }
    }

    /// Reads the lines from `from` for `count` rows that are not read yet.
    fn read(&mut self, sources: &[SourceRow], from: usize, count: usize) {
        let to = (from + count).min(self.refs.len());
        let mut by_source: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        for i in from..to {
            if self.lines[i].is_none() {
                by_source.entry(self.refs[i].source).or_default().push(i);
            }
        }
        for (source, idx) in by_source {
            let refs: Vec<(u64, u64)> = idx.iter().map(|&i| (self.refs[i].line, self.refs[i].offset)).collect();
            let got = match sources.get(source as usize) {
                Some(s) => super::evidence::read_lines(&s.path, &refs),
                None => refs
                    .iter()
                    .map(|&(line, offset)| Line {
                        line,
                        offset,
                        text: Err(format!("source {source} is not known")),
                    })
                    .collect(),
            };
            for (i, line) in idx.into_iter().zip(got) {
                self.lines[i] = Some(line);
            }
        }
    }
}

/// What is known of a person (or device, or address) from their events and findings.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The key looked up.
    pub key: String,
    /// Devices seen, with events.
    pub devices: Vec<(String, u64)>,
    /// Addresses seen, with events.
    pub ips: Vec<(String, u64)>,
    /// Accounts seen (the who of the events), with events.
    pub accounts: Vec<(String, u64)>,
    /// The policy's groups they are in.
    pub groups: Vec<String>,
    /// Events per kind: events, blocked, bytes.
    pub kinds: Vec<(&'static str, u64, u64, u64)>,
    /// Findings about them per severity.
    pub findings: [u64; 5],
    /// First and last event.
    pub span: Option<(i64, i64)>,
}

/// A screen over the views, reached by drilling down.
#[derive(Debug, Clone)]
pub enum Screen {
    /// One finding and its evidence lines.
    Finding {
        /// The finding's id.
        id: String,
        /// Its evidence.
        evidence: EvidenceList,
    },
    /// A person's profile and timeline.
    Person {
        /// Who.
        profile: Box<Profile>,
        /// Every event of theirs, in time order.
        rows: Vec<u32>,
        /// The timeline as shown.
        list: List,
    },
    /// One event's raw line and fields.
    Event {
        /// The event's fields.
        fields: Vec<(&'static str, String)>,
        /// Its line.
        evidence: EvidenceList,
    },
}

/// What the bottom line is asking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// A filter for the list.
    Filter,
    /// A file to export the view to.
    Export,
    /// A note for a review.
    Review,
    /// A time range.
    Range,
    /// A case to file the basket into, or a note for one.
    Case,
}

impl Prompt {
    /// The prompt's label.
    pub fn label(self) -> &'static str {
        match self {
            Prompt::Filter => "/",
            Prompt::Export => "export to: ",
            Prompt::Review => "review note: ",
            Prompt::Range => "time range (2026-11-16..2026-11-18, a day, or all): ",
            Prompt::Case => "case (NAME files the basket; NAME: text adds a note): ",
        }
    }
}

/// The global time range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    /// From this time, UTC ms.
    pub from: Option<i64>,
    /// Before this time.
    pub to: Option<i64>,
    /// How it is shown.
    pub label: String,
    /// Which preset (0 all, 1 the last day, 2 that day's week, 3 typed).
    pub preset: u8,
}

impl Range {
    /// Whether `[first, last]` overlaps the range.
    pub fn overlaps(&self, first: i64, last: i64) -> bool {
        self.from.is_none_or(|f| last >= f) && self.to.is_none_or(|t| first < t)
    }

    /// Whether `ts` is in the range.
    pub fn contains(&self, ts: i64) -> bool {
        self.overlaps(ts, ts)
    }
}

/// How loading is going.
#[derive(Debug, Default)]
pub struct Loading {
    /// What is happening now.
    pub stage: Option<String>,
    /// The read in progress: counters, sources, bytes, what.
    pub reading: Option<(Arc<Progress>, usize, u64, &'static str)>,
    /// Counters as of the last tick: bytes, lines, sources.
    pub seen: (u64, u64, u64),
    /// Lines per second over the last tick.
    pub rate: f64,
    /// Findings are final.
    pub complete: bool,
    /// Loading is over.
    pub done: bool,
    /// Why loading failed.
    pub failed: Option<String>,
    last_tick: Option<std::time::Instant>,
}

/// Totals over the events in the range, for the Usage view.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// Top people or devices by bytes: who, bytes, events.
    pub talkers: Vec<(String, u64, u64)>,
    /// Bytes per local hour of day.
    pub by_hour: [u64; 24],
}

/// A search over every event, for the worker thread.
struct SearchJob {
    generation: u64,
    events: Arc<EventIndex>,
    filter: Filter,
    range: Range,
    sort: Option<(usize, bool)>,
}

/// A search's result.
pub struct SearchDone {
    generation: u64,
    order: Result<Rows, String>,
    /// Seconds it took.
    pub seconds: f64,
}

/// The dashboard.
pub struct App {
    /// Keys to actions.
    pub keymap: Keymap,
    /// Colours allowed (`NO_COLOR` unset).
    pub colour: bool,
    /// The school's policy (zone, groups).
    pub cx: Arc<Context>,
    /// The view shown.
    pub tab: Tab,
    /// One list per view.
    pub lists: Vec<List>,
    /// Screens drilled into, innermost last.
    pub stack: Vec<Screen>,
    /// Every finding, in the detectors' order.
    pub findings: Vec<Finding>,
    /// The sources.
    pub sources: Vec<SourceRow>,
    /// Problems reading the sources.
    pub problems: Vec<String>,
    /// The run's exit code.
    pub outcome: Outcome,
    /// Per source: attributed events, events.
    pub attributed: Vec<(u32, u64, u64)>,
    /// Vendor categories vigil could not map.
    pub unmapped: Vec<(String, u64)>,
    /// Every event, once indexed.
    pub events: Option<Arc<EventIndex>>,
    /// Events and blocks per hour.
    pub hourly: Vec<(i64, u64, u64)>,
    /// Usage totals in the range.
    pub usage: Usage,
    traffic: Option<Arc<super::search::Traffic>>,
    /// Loading state.
    pub loading: Loading,
    /// The time range.
    pub range: Range,
    /// The prompt being typed, and its text.
    pub input: Option<(Prompt, String)>,
    /// A message for the bottom line.
    pub message: Option<String>,
    /// The help screen is shown, scrolled this far.
    pub help: Option<usize>,
    /// Time to leave.
    pub quit: bool,
    /// Reviews, the case basket.
    pub store: Store,
    /// Terminal size.
    pub size: (u16, u16),
    jobs: Option<Sender<SearchJob>>,
    results: Option<Receiver<SearchDone>>,
    notices: (Sender<String>, Receiver<String>),
    generation: u64,
    /// How long the last event search took, seconds.
    pub last_search: Option<f64>,
    /// Show how long searches took (off for snapshot tests).
    pub show_timings: bool,
    /// The filter before the `/` prompt opened (Esc restores it).
    filter_before: Option<Filter>,
    /// The finding the review prompt was opened on.
    review_target: Option<String>,
    /// Export threads still running (joined before exit).
    pub export_threads: Vec<std::thread::JoinHandle<()>>,
    exports: usize,
    /// The logs the dashboard was opened over (a case filed from it reads them again).
    pub case_input: Option<crate::cli::InputArgs>,
    /// Where searches and look-ups are logged when not in the store's directory (a replay's
    /// store is a temporary directory; its access log is the machine's).
    pub audit_dir: Option<PathBuf>,
}

/// Local time in the school's zone, formatted.
pub fn local(cx: &Context, ms: i64, fmt: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&cx.tz).format(fmt).to_string())
        .unwrap_or_default()
}

impl App {
    /// A dashboard with nothing loaded yet.
    pub fn new(cx: Arc<Context>, keymap: Keymap, store: Store, colour: bool) -> App {
        App {
            keymap,
            colour,
            cx,
            tab: Tab::Overview,
            lists: Tab::ALL.iter().map(|_| List::default()).collect(),
            stack: Vec::new(),
            findings: Vec::new(),
            sources: Vec::new(),
            problems: Vec::new(),
            outcome: Outcome::Ok,
            attributed: Vec::new(),
            unmapped: Vec::new(),
            events: None,
            hourly: Vec::new(),
            usage: Usage::default(),
            traffic: None,
            loading: Loading::default(),
            range: Range {
                label: "all time".into(),
                ..Range::default()
            },
            input: None,
            message: None,
            help: None,
            quit: false,
            store,
            size: (80, 24),
            jobs: None,
            results: None,
            notices: std::sync::mpsc::channel(),
            generation: 0,
            last_search: None,
            show_timings: true,
            filter_before: None,
            review_target: None,
            export_threads: Vec::new(),
            exports: 0,
            case_input: None,
            audit_dir: None,
        }
    }

    /// Starts the thread that runs searches over every event.
    pub fn start_search_worker(&mut self) -> std::io::Result<()> {
        let (jobs, job_rx) = std::sync::mpsc::channel::<SearchJob>();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new().name("vigil-search".into()).spawn(move || {
            while let Ok(mut job) = job_rx.recv() {
                // Only the newest search matters.
                while let Ok(newer) = job_rx.try_recv() {
                    job = newer;
                }
                let started = std::time::Instant::now();
                let order = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    super::search::search(&job.events, &job.filter, &job.range, job.sort)
                }))
                .unwrap_or_else(|_| Err("the search stopped on an internal error (the log has the details)".into()));
                let done = SearchDone {
                    generation: job.generation,
                    order,
                    seconds: started.elapsed().as_secs_f64(),
                };
                if done_tx.send(done).is_err() {
                    break;
                }
            }
        })?;
        self.jobs = Some(jobs);
        self.results = Some(done_rx);
        Ok(())
    }

    /// Rows of a table on screen (the body less its header and the panels around it).
    pub fn page(&self) -> usize {
        let body = self.size.1.saturating_sub(3) as usize;
        match (self.stack.last(), self.tab) {
            (Some(Screen::Finding { .. }), _) => body.saturating_sub(super::ui::finding_header_rows(self) + 4),
            (Some(Screen::Person { .. }), _) => body.saturating_sub(super::ui::profile_rows(self) + 1),
            (Some(Screen::Event { .. }), _) => 1,
            (None, Tab::Usage) => (body * 3 / 5).saturating_sub(1),
            (None, Tab::Overview) => body.saturating_sub(super::ui::overview_top_rows(self) + 1),
            (None, Tab::Search) => body.saturating_sub(2),
            (None, _) => body.saturating_sub(1),
        }
        .max(1)
    }

    /// The list the keys move in.
    pub fn list_mut(&mut self) -> &mut List {
        let tab = self.tab.index();
        match self.stack.last_mut() {
            Some(Screen::Finding { evidence, .. } | Screen::Event { evidence, .. }) => &mut evidence.list,
            Some(Screen::Person { list, .. }) => list,
            None => &mut self.lists[tab],
        }
    }

    /// The list the keys move in.
    pub fn list(&self) -> &List {
        match self.stack.last() {
            Some(Screen::Finding { evidence, .. } | Screen::Event { evidence, .. }) => &evidence.list,
            Some(Screen::Person { list, .. }) => list,
            None => &self.lists[self.tab.index()],
        }
    }

    /// A finding by id.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// The finding selected in a findings view, or shown on a finding screen.
    pub fn selected_finding(&self) -> Option<&Finding> {
        match self.stack.last() {
            Some(Screen::Finding { id, .. }) => self.finding(id),
            Some(_) => None,
            None if self.tab.family().is_some() => self.list().current().and_then(|i| self.findings.get(i as usize)),
            None => None,
        }
    }

    // ----- loader messages -----

    /// Applies a loader message.
    pub fn apply(&mut self, msg: Msg) {
        match msg {
            Msg::Sources(rows) => {
                self.sources = rows;
                self.list_sources();
            }
            Msg::Reading {
                progress,
                sources,
                bytes,
                what,
            } => {
                self.loading.stage = Some(format!("reading {what}"));
                self.loading.reading = Some((progress, sources, bytes, what));
                self.loading.seen = (0, 0, 0);
            }
            Msg::Stage(s) => {
                self.loading.reading = None;
                self.loading.stage = Some(s.to_owned());
            }
            Msg::Findings {
                found,
                replace,
                complete,
            } => {
                let keep: Vec<Option<String>> = self.keep_selected();
                if replace {
                    self.findings = found;
                } else {
                    let have: std::collections::HashSet<String> = self.findings.iter().map(|f| f.id.clone()).collect();
                    self.findings
                        .extend(found.into_iter().filter(|f| !have.contains(&f.id)));
                    vigil_queries::findings::sort(&mut self.findings);
                }
                self.loading.complete = complete;
                self.refresh_findings(keep);
            }
            Msg::Read {
                sources,
                problems,
                outcome,
            } => {
                self.sources = sources;
                self.problems = problems;
                self.outcome = outcome;
                self.list_sources();
            }
            Msg::Judged { unmapped, attributed } => {
                self.unmapped = unmapped;
                self.attributed = attributed;
            }
            Msg::Events { index, hourly, traffic } => {
                self.hourly = hourly;
                self.events = Some(index.clone());
                self.loading.stage = None;
                self.usage = traffic.usage(&index, &self.range);
                self.traffic = Some(traffic);
                self.refresh_search();
                // A person opened before the events were indexed gets their timeline now.
                let keys: Vec<(usize, String)> = self
                    .stack
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| match s {
                        Screen::Person { profile, .. } => Some((i, profile.key.clone())),
                        _ => None,
                    })
                    .collect();
                for (i, key) in keys {
                    self.stack[i] = self.person_screen(&key);
                }
            }
            Msg::Done { seconds } => {
                self.loading.done = true;
                self.loading.reading = None;
                if self.loading.failed.is_none() {
                    self.loading.stage = None;
                }
                log::info!("loading finished in {seconds:.2} s");
            }
            Msg::Failed(e) => {
                log::error!("loading failed: {e}");
                self.loading.failed = Some(e);
                self.outcome = Outcome::Failed;
            }
        }
    }

    /// Updates progress counters and collects finished background work; returns whether the
    /// screen changed.
    pub fn tick(&mut self) -> bool {
        let mut changed = false;
        if let Some((p, ..)) = &self.loading.reading {
            let now = std::time::Instant::now();
            let seen = (p.bytes.load(Relaxed), p.lines.load(Relaxed), p.sources.load(Relaxed));
            if let Some(last) = self.loading.last_tick {
                let dt = now.duration_since(last).as_secs_f64();
                if dt > 0.0 {
                    let rate = seen.1.saturating_sub(self.loading.seen.1) as f64 / dt;
                    self.loading.rate = if self.loading.rate == 0.0 {
                        rate
                    } else {
                        0.5 * self.loading.rate + 0.5 * rate
                    };
                }
            }
            self.loading.last_tick = Some(now);
            changed |= seen != self.loading.seen;
            self.loading.seen = seen;
        }
        let mut done = Vec::new();
        if let Some(rx) = &self.results {
            while let Ok(d) = rx.try_recv() {
                done.push(d);
            }
        }
        for d in done {
            changed |= self.search_done(d);
        }
        while let Ok(note) = self.notices.1.try_recv() {
            self.exports = self.exports.saturating_sub(1);
            self.message = Some(note);
            changed = true;
        }
        changed
    }

    /// Waits until the newest event search has finished (tests and benchmarks).
    pub fn settle(&mut self) {
        while self.lists[Tab::Search.index()].pending {
            let Some(rx) = &self.results else { return };
            match rx.recv() {
                Ok(d) => {
                    self.search_done(d);
                }
                Err(_) => return,
            }
        }
        self.tick();
    }

    /// Waits until every export has finished (tests).
    pub fn wait_exports(&mut self) {
        while self.exports > 0 {
            match self.notices.1.recv_timeout(std::time::Duration::from_secs(120)) {
                Ok(n) => {
                    self.exports -= 1;
                    self.message = Some(n);
                }
                Err(_) => return,
            }
        }
    }

    fn search_done(&mut self, d: SearchDone) -> bool {
        if d.generation != self.generation {
            return false;
        }
        self.last_search = Some(d.seconds);
        self.lists[Tab::Search.index()].pending = false;
        self.searched(d.order);
        true
    }

    fn searched(&mut self, order: Result<Rows, String>) {
        let page = self.page();
        match order {
            Ok(order) => {
                // New results start at the top.
                let list = &mut self.lists[Tab::Search.index()];
                list.selected = 0;
                list.offset = 0;
                list.set_rows(order, None, page);
            }
            Err(e) => {
                // The sort could not be done: say why and go back to time order.
                self.message = Some(e);
                self.lists[Tab::Search.index()].sort = None;
                self.refresh_search();
            }
        }
    }

    // ----- lists -----

    fn list_sources(&mut self) {
        let page = self.page();
        let keep = self.lists[Tab::Overview.index()].current();
        let order: Vec<u32> = (0..self.sources.len() as u32).collect();
        self.lists[Tab::Overview.index()].set_rows(order, keep, page);
    }

    fn keep_selected(&self) -> Vec<Option<String>> {
        Tab::ALL
            .iter()
            .map(|t| {
                let list = &self.lists[t.index()];
                t.family()
                    .and_then(|_| list.current())
                    .and_then(|i| self.findings.get(i as usize))
                    .map(|f| f.id.clone())
            })
            .collect()
    }

    fn reviewed(&self, f: &Finding) -> &'static str {
        if self.store.review(&f.id).is_some() {
            "yes"
        } else {
            "no"
        }
    }

    /// Rebuilds every findings view (after new findings, a filter, a sort or a range change),
    /// keeping each view's selected finding.
    fn refresh_findings(&mut self, keep: Vec<Option<String>>) {
        let page = self.page();
        for tab in Tab::ALL {
            let Some(family) = tab.family() else { continue };
            let list = &self.lists[tab.index()];
            let mut rows: Vec<u32> = self
                .findings
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    f.rule.starts_with(family)
                        && self.range.overlaps(f.ts_first, f.ts_last)
                        && list.filter.matches(|field| finding_values(f, field, self.reviewed(f)))
                })
                .map(|(i, _)| i as u32)
                .collect();
            if let Some((col, desc)) = list.sort {
                let f = &self.findings;
                match col {
                    0 => rows.sort_by_key(|&i| (f[i as usize].severity, f[i as usize].ts_first)),
                    1 => rows.sort_by_key(|&i| f[i as usize].ts_first),
                    2 => rows.sort_by(|&a, &b| f[a as usize].subject().cmp(f[b as usize].subject())),
                    3 => rows.sort_by_key(|&i| f[i as usize].rule),
                    4 => rows.sort_by_key(|&i| f[i as usize].count),
                    _ => rows.sort_by(|&a, &b| f[a as usize].summary.cmp(&f[b as usize].summary)),
                }
                if desc {
                    rows.reverse();
                }
            }
            let keep_row = keep[tab.index()]
                .as_ref()
                .and_then(|id| self.findings.iter().position(|f| &f.id == id))
                .map(|i| i as u32);
            self.lists[tab.index()].set_rows(rows, keep_row, page);
        }
    }

    fn refresh_search(&mut self) {
        let Some(events) = &self.events else { return };
        let list = &mut self.lists[Tab::Search.index()];
        self.generation += 1;
        let job = SearchJob {
            generation: self.generation,
            events: events.clone(),
            filter: list.filter.clone(),
            range: self.range.clone(),
            sort: list.sort,
        };
        match &self.jobs {
            Some(tx) => {
                list.pending = true;
                let _ = tx.send(job);
            }
            None => {
                // No worker (tests that want no threads): search here.
                let order = super::search::search(&job.events, &job.filter, &job.range, job.sort);
                self.searched(order);
            }
        }
    }

    fn refresh_person(&mut self) {
        let page = self.page();
        let Some(events) = self.events.clone() else { return };
        if let Some(Screen::Person { rows, list, .. }) = self.stack.last_mut() {
            let keep = list.current();
            let order = super::search::timeline(&events, rows, &list.filter, &self.range, list.sort);
            list.set_rows(order, keep, page);
        }
    }

    fn refresh_current(&mut self) {
        match self.stack.last() {
            Some(Screen::Person { .. }) => self.refresh_person(),
            Some(_) => {}
            None if self.tab == Tab::Search => self.refresh_search(),
            None => {
                let keep = self.keep_selected();
                self.refresh_findings(keep);
            }
        }
    }

    fn refresh_all(&mut self) {
        let keep = self.keep_selected();
        self.refresh_findings(keep);
        self.refresh_search();
        if let (Some(t), Some(e)) = (&self.traffic, &self.events) {
            self.usage = t.usage(e, &self.range);
        }
        self.refresh_person();
    }

    // ----- keys -----

    /// Handles a key press.
    pub fn key(&mut self, event: KeyEvent) {
        if event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if self.input.is_some() {
            self.prompt_key(event);
            return;
        }
        self.message = None;
        let action = self.keymap.action(event);
        if self.help.is_some() {
            match action {
                Some(Action::Down) => self.help = self.help.map(|h| (h + 1).min(40)),
                Some(Action::Up) => self.help = self.help.map(|h| h.saturating_sub(1)),
                Some(Action::Quit) => self.quit = true,
                _ => self.help = None,
            }
            return;
        }
        let Some(action) = action else {
            if let KeyCode::Char(c @ '1'..='9') = event.code {
                let i = c as usize - '1' as usize;
                if let Some(&t) = Tab::ALL.get(i) {
                    self.stack.clear();
                    self.tab = t;
                }
            }
            return;
        };
        self.act(action);
    }

    /// Pasted text: typed into an open prompt (line breaks as spaces), else ignored.
    pub fn paste(&mut self, text: &str) {
        let Some((prompt, line)) = &mut self.input else {
            self.message = Some("pasted text goes into a prompt (/ filter, T range, e export, r review)".into());
            return;
        };
        let prompt = *prompt;
        line.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
        if prompt == Prompt::Filter {
            let t = line.clone();
            self.live_filter(&t);
        }
    }

    /// Does an action.
    pub fn act(&mut self, action: Action) {
        let page = self.page();
        match action {
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(page as isize),
            Action::PageUp => self.move_by(-(page as isize)),
            Action::HalfPageDown => self.move_by((page / 2).max(1) as isize),
            Action::HalfPageUp => self.move_by(-((page / 2).max(1) as isize)),
            Action::Top => {
                self.list_mut().select(0, page);
                self.read_evidence();
            }
            Action::Bottom => {
                self.list_mut().select(usize::MAX, page);
                self.read_evidence();
            }
            Action::NextView | Action::PrevView => {
                if self.stack.is_empty() {
                    let i = self.tab.index();
                    let n = Tab::ALL.len();
                    let next = if action == Action::NextView {
                        (i + 1) % n
                    } else {
                        (i + n - 1) % n
                    };
                    self.tab = Tab::ALL[next];
                }
            }
            Action::Drill => self.drill(),
            Action::Back => {
                if !self.list().filter.is_empty() && self.stack.is_empty() {
                    self.list_mut().filter = Filter::default();
                    self.refresh_current();
                } else {
                    self.stack.pop();
                }
            }
            Action::Person => self.open_person(),
            Action::Filter if self.stack.is_empty() && self.tab == Tab::Overview => {
                self.message = Some("the Overview has no list to filter: try a findings view or Search (9)".into());
            }
            Action::Filter => {
                self.filter_before = Some(self.list().filter.clone());
                let text = self.list().filter.text.clone();
                self.input = Some((Prompt::Filter, text));
            }
            Action::SearchNext => self.search_step(true),
            Action::SearchPrev => self.search_step(false),
            Action::SortNext | Action::SortReverse => self.sort(action == Action::SortReverse),
            Action::TimeRange => self.cycle_range(),
            Action::TimeRangeCustom => self.input = Some((Prompt::Range, String::new())),
            Action::Export => {
                if self.list().pending {
                    self.message = Some("a search is still running: export when its result is shown".into());
                } else if self.store.read_only {
                    self.message = Some("read-only: nothing is written while replaying".into());
                } else {
                    let stamp = chrono::Local::now().format("%Y%m%d-%H%M");
                    let name = match self.stack.last() {
                        Some(Screen::Finding { .. } | Screen::Event { .. }) => "evidence".to_owned(),
                        Some(Screen::Person { profile, .. }) => format!("timeline-{}", profile.key),
                        None => self.tab.title().to_ascii_lowercase(),
                    };
                    let name: String = name
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    self.input = Some((Prompt::Export, format!("vigil-{name}-{stamp}.csv")));
                }
            }
            Action::Review => match self.selected_finding() {
                Some(f) if !self.store.read_only => {
                    let note = self.store.review(&f.id).map(|r| r.note.clone()).unwrap_or_default();
                    self.review_target = Some(f.id.clone());
                    self.input = Some((Prompt::Review, note));
                }
                Some(_) => self.message = Some("read-only: nothing is written while replaying".into()),
                None => self.message = Some("select a finding to review".into()),
            },
            Action::AddToCase => self.add_to_case(),
            Action::Case if self.store.read_only => {
                self.message = Some("read-only: nothing is written while replaying".into());
            }
            Action::Case => self.input = Some((Prompt::Case, String::new())),
            Action::Help => self.help = Some(0),
            Action::Quit => self.quit = true,
        }
    }

    fn move_by(&mut self, delta: isize) {
        let page = self.page();
        self.list_mut().step(delta, page);
        self.read_evidence();
    }

    /// Reads the evidence lines on screen that are not read yet.
    fn read_evidence(&mut self) {
        let page = self.page();
        let sources = &self.sources;
        if let Some(Screen::Finding { evidence, .. } | Screen::Event { evidence, .. }) = self.stack.last_mut() {
            let from = evidence.list.offset;
            evidence.read(sources, from, page + 1);
        }
    }

    fn prompt_key(&mut self, event: KeyEvent) {
        let Some((prompt, text)) = &mut self.input else { return };
        let prompt = *prompt;
        match event.code {
            KeyCode::Esc => {
                self.input = None;
                // A filter typed live is undone.
                if prompt == Prompt::Filter
                    && let Some(before) = self.filter_before.take()
                    && before.text != self.list().filter.text
                {
                    self.list_mut().filter = before;
                    self.refresh_current();
                }
            }
            KeyCode::Enter => {
                let text = std::mem::take(text);
                self.input = None;
                self.submit(prompt, text);
            }
            KeyCode::Backspace => {
                text.pop();
                if prompt == Prompt::Filter {
                    let t = text.clone();
                    self.live_filter(&t);
                }
            }
            KeyCode::Char('u') if event.modifiers.contains(KeyModifiers::CONTROL) => {
                text.clear();
                if prompt == Prompt::Filter {
                    self.live_filter("");
                }
            }
            KeyCode::Char(c) => {
                text.push(c);
                if prompt == Prompt::Filter {
                    let t = text.clone();
                    self.live_filter(&t);
                }
            }
            _ => {}
        }
    }

    fn fields(&self) -> &'static Fields {
        match (self.stack.last(), self.tab) {
            (Some(Screen::Person { .. }), _) | (None, Tab::Search) => &EVENT_FIELDS,
            _ => &FINDING_FIELDS,
        }
    }

    /// Findings lists filter as the filter is typed; event lists wait for Enter.
    fn live_filter(&mut self, text: &str) {
        if self.stack.is_empty()
            && self.tab.family().is_some()
            && let Ok(f) = Filter::parse(text, self.fields())
        {
            self.list_mut().filter = f;
            self.refresh_current();
        }
    }

    fn submit(&mut self, prompt: Prompt, text: String) {
        match prompt {
            Prompt::Filter => match Filter::parse(&text, self.fields()) {
                Ok(f) => {
                    if matches!(self.stack.last(), Some(Screen::Finding { .. } | Screen::Event { .. })) {
                        // Evidence lists are searched (n/N), not filtered.
                        self.list_mut().filter = f;
                        self.search_step(true);
                    } else {
                        if !f.is_empty() {
                            self.audit("search", &format!("{}: {}", self.tab.title(), f.text), None);
                        }
                        self.list_mut().filter = f;
                        self.refresh_current();
                    }
                }
                Err(e) => self.message = Some(e),
            },
            Prompt::Range => match parse_range(&self.cx, &text) {
                Ok(r) => {
                    self.range = r;
                    self.refresh_all();
                }
                Err(e) => self.message = Some(e),
            },
            Prompt::Review => {
                // The finding the prompt was opened on, even if the list changed meanwhile.
                let target = self.review_target.take();
                let Some(f) = target.and_then(|id| self.finding(&id).cloned()) else {
                    self.message = Some("that finding is no longer in the list: the review was not saved".into());
                    return;
                };
                match self.store.mark_reviewed(&f, &text) {
                    Ok(()) => {
                        log::info!("finding {} marked reviewed", f.id);
                        self.message = Some(format!("marked reviewed: {} {}", f.rule, f.subject()));
                    }
                    Err(e) => self.message = Some(format!("could not save the review: {e:#}")),
                }
            }
            Prompt::Export => self.export(PathBuf::from(text)),
            Prompt::Case => self.case_action(&text),
        }
    }

    /// `NAME: text` notes in case NAME; `NAME` files the case basket into it, reading the logs
    /// again with the case's policy on a thread of its own.
    fn case_action(&mut self, text: &str) {
        let state = self.store.dir().to_owned();
        if let Some((name, note)) = text.split_once(':') {
            let name = name.trim();
            self.message = Some(match crate::case::note_in(&state, name, note.trim(), &[]) {
                Ok(seq) => format!("noted in case {name} (entry {seq})"),
                Err(e) => format!("{e:#}"),
            });
            return;
        }
        let name = text.trim().to_owned();
        if name.is_empty() {
            return;
        }
        let Some(input) = self.case_input.clone() else {
            self.message = Some("this dashboard was not opened over logs a case can read".into());
            return;
        };
        if !state.join("case-basket.jsonl").exists() {
            self.message = Some("the case basket is empty: `c` on a finding adds it".into());
            return;
        }
        let args = crate::cli::CaseAddArgs {
            name: name.clone(),
            finding: Vec::new(),
            basket: true,
            person: None,
            since: None,
            until: None,
            lines: Vec::new(),
            investigator: Vec::new(),
            state_dir: Some(state),
            input,
        };
        log::info!("filing the case basket into case {name}");
        let started = format!("filing the case basket into case {name} (reading the logs again) …");
        self.spawn_writer("case", started, move || match crate::case::add_quiet(&args) {
            Ok(r) if r.outcome == crate::cli::Outcome::Failed => {
                format!("case {name}: the logs could not be read: {}", r.problems.join("; "))
            }
            Ok(r) if r.problems.is_empty() => r.summary.lines().next().unwrap_or_default().to_owned(),
            Ok(r) => format!(
                "{} ({} problem(s) reading the logs, first: {})",
                r.summary.lines().next().unwrap_or_default(),
                r.problems.len(),
                r.problems[0]
            ),
            Err(e) => format!("case {name}: {e:#}"),
        });
    }

    /// Runs `job` (`what`: an export, a case filing) on a thread of its own, showing `started`
    /// now and the message `job` returns when it ends; the thread is joined before vigil exits.
    fn spawn_writer(&mut self, what: &'static str, started: String, job: impl FnOnce() -> String + Send + 'static) {
        let tx = self.notices.0.clone();
        self.exports += 1;
        self.message = Some(started);
        let spawned = std::thread::Builder::new()
            .name(format!("vigil-{what}"))
            .spawn(move || {
                let note = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
                    .unwrap_or_else(|_| format!("{what} failed: it stopped on an internal error (see the log)"));
                let _ = tx.send(note);
            });
        match spawned {
            Ok(handle) => self.export_threads.push(handle),
            Err(e) => {
                self.exports -= 1;
                self.message = Some(format!("{what} failed: {e}"));
            }
        }
    }

    fn search_step(&mut self, forward: bool) {
        let words: Vec<String> = self.list().filter.words().map(str::to_owned).collect();
        if words.is_empty() {
            self.message = Some("no text to look for: type / and some words".into());
            return;
        }
        let n = self.list().order.len();
        let start = self.list().selected;
        // A key must not hold the screen: look at most this far.
        const MAX_LOOK: usize = 100_000;
        for step in 1..=n.min(MAX_LOOK) {
            let i = if forward {
                (start + step) % n
            } else {
                (start + n - step % n) % n
            };
            let text = self.row_text(i);
            if words.iter().all(|w| super::filter::contains_ignore_case(&text, w)) {
                let page = self.page();
                self.list_mut().select(i, page);
                self.read_evidence();
                return;
            }
        }
        self.message = Some(if n > MAX_LOOK {
            format!("not found in the next {MAX_LOOK} rows: {}", words.join(" "))
        } else {
            format!("not found: {}", words.join(" "))
        });
    }

    /// The text of row `i` of the current list, for n/N (evidence lines are read when their
    /// screen opens).
    fn row_text(&self, i: usize) -> String {
        match self.stack.last() {
            Some(Screen::Finding { evidence, .. } | Screen::Event { evidence, .. }) => evidence
                .lines
                .get(i)
                .and_then(|l| l.as_ref())
                .and_then(|l| l.text.clone().ok())
                .unwrap_or_default(),
            Some(Screen::Person { list, .. }) => self.event_cells(list.order[i]).join(" "),
            None => {
                let row = self.list().order[i];
                match self.tab {
                    Tab::Search => self.event_cells(row).join(" "),
                    Tab::Overview => self
                        .sources
                        .get(row as usize)
                        .map(|s| self.source_cells(s).join(" "))
                        .unwrap_or_default(),
                    _ => self
                        .findings
                        .get(row as usize)
                        .map(|f| {
                            format!(
                                "{} {} {} {}",
                                f.rule,
                                f.subject(),
                                f.about.as_deref().unwrap_or(""),
                                f.summary
                            )
                        })
                        .unwrap_or_default(),
                }
            }
        }
    }

    fn sort(&mut self, reverse: bool) {
        let columns = match (self.stack.last(), self.tab) {
            (Some(Screen::Finding { .. } | Screen::Event { .. }), _) => {
                self.message = Some("evidence lines stay in file order".into());
                return;
            }
            (Some(Screen::Person { .. }), _) | (None, Tab::Search) => EVENT_COLUMNS.len(),
            (None, Tab::Overview) => {
                self.message = Some("sources are listed in reading order".into());
                return;
            }
            (None, _) => FINDING_COLUMNS.len(),
        };
        let list = self.list_mut();
        list.sort = Some(match (list.sort, reverse) {
            (None, false) => (0, false),
            (None, true) => (0, true),
            (Some((c, d)), true) => (c, !d),
            (Some((c, _)), false) => ((c + 1) % columns, false),
        });
        self.refresh_current();
    }

    fn cycle_range(&mut self) {
        let last = self
            .sources
            .iter()
            .filter_map(|s| s.span.map(|(_, b)| b))
            .max()
            .or_else(|| self.findings.iter().map(|f| f.ts_last).max());
        let Some(last) = last else {
            self.message = Some("nothing loaded yet".into());
            return;
        };
        let day_start = |ms: i64| -> i64 {
            let local = chrono::DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&self.cx.tz).date_naive());
            local
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| match vigil_parsers::time::resolve_in(self.cx.tz, n) {
                    vigil_parsers::time::LocalResolution::Exact(ms) => ms,
                    vigil_parsers::time::LocalResolution::Ambiguous { early, .. } => early,
                })
                .unwrap_or(ms)
        };
        let start = day_start(last);
        let end = day_start(start + 36 * 3_600_000);
        self.range = match self.range.preset {
            0 => Range {
                from: Some(start),
                to: Some(end),
                label: local(&self.cx, start, "%a %d %b"),
                preset: 1,
            },
            1 => {
                // The week (Monday on) of the last day.
                let weekday = chrono::DateTime::from_timestamp_millis(start).map_or(0, |t| {
                    chrono::Datelike::weekday(&t.with_timezone(&self.cx.tz)).num_days_from_monday()
                });
                let from = day_start(start - i64::from(weekday) * 86_400_000 + 3 * 3_600_000);
                Range {
                    from: Some(from),
                    to: Some(end),
                    label: format!("week of {}", local(&self.cx, from, "%a %d %b")),
                    preset: 2,
                }
            }
            _ => Range {
                label: "all time".into(),
                ..Range::default()
            },
        };
        self.refresh_all();
    }

    fn drill(&mut self) {
        match self.stack.last() {
            Some(Screen::Finding { .. }) | Some(Screen::Event { .. }) => {
                self.message = Some("p: the person; Esc: back".into());
            }
            Some(Screen::Person { list, .. }) => {
                if let Some(row) = list.current() {
                    self.open_event(row);
                }
            }
            None => match self.tab {
                Tab::Overview => {
                    // The selected source's problems, if any.
                    let i = self.list().selected;
                    if let Some(s) = self.sources.get(i) {
                        self.message = Some(match (&s.error, &s.skipped) {
                            (Some(e), _) => e.clone(),
                            (_, Some(sk)) => format!("{}: skipped: {sk}", s.path.display()),
                            _ => format!(
                                "{}: {} lines, {} rejected (vigil ingest {} lists them)",
                                s.path.display(),
                                s.lines,
                                s.rejected,
                                s.path.display()
                            ),
                        });
                    }
                }
                Tab::Search => {
                    if let Some(row) = self.list().current() {
                        self.open_event(row);
                    }
                }
                _ => {
                    if let Some(f) = self.selected_finding() {
                        let mut evidence = EvidenceList::new(f.evidence.clone());
                        // Every line at once: one pass through a gzip source, not one per page.
                        let n = evidence.refs.len();
                        evidence.read(&self.sources, 0, n);
                        log::info!("opened finding {} ({} {:?})", f.id, f.rule, f.subject());
                        self.stack.push(Screen::Finding {
                            id: f.id.clone(),
                            evidence,
                        });
                        self.read_evidence();
                    }
                }
            },
        }
    }

    fn open_event(&mut self, row: u32) {
        let Some(events) = &self.events else { return };
        let cells = self.event_cells(row);
        let fields: Vec<(&'static str, String)> = EVENT_COLUMNS.iter().copied().zip(cells).collect();
        let refs: Vec<Evidence> = events.evidence(row as usize).into_iter().collect();
        let mut evidence = EvidenceList::new(refs);
        evidence.read(&self.sources, 0, 1);
        self.stack.push(Screen::Event { fields, evidence });
    }

    /// The subject of the selected row: a finding's person (else device, else address), an
    /// event's who (else device, else address).
    fn selected_subject(&self) -> Option<String> {
        match self.stack.last() {
            Some(Screen::Finding { id, .. }) => self.finding(id).map(|f| f.subject().to_owned()),
            Some(Screen::Event { fields, .. }) => ["WHO", "DEVICE", "IP"].iter().find_map(|k| {
                fields
                    .iter()
                    .find(|(n, v)| n == k && !v.is_empty())
                    .map(|(_, v)| v.clone())
            }),
            Some(Screen::Person { list, .. }) => list.current().and_then(|r| self.event_subject(r)),
            None if self.tab == Tab::Search => self.list().current().and_then(|r| self.event_subject(r)),
            None => self.selected_finding().map(|f| f.subject().to_owned()),
        }
        .filter(|s| !s.is_empty() && s != "-")
    }

    fn event_subject(&self, row: u32) -> Option<String> {
        let events = self.events.as_ref()?;
        [Field::Who, Field::Device, Field::Ip]
            .iter()
            .find_map(|&f| events.field(f).name(row as usize).map(str::to_owned))
    }

    /// Appends to vigil's access log (not while replaying); a failure is logged.
    fn audit(&self, action: &str, what: &str, about: Option<&str>) {
        let dir = match (&self.audit_dir, self.store.read_only) {
            (Some(d), _) => d.as_path(),
            (None, false) => self.store.dir(),
            (None, true) => return,
        };
        if let Err(e) = crate::audit::append(dir, action, what, about) {
            log::warn!("the access log could not be written: {e:#}");
        }
    }

    fn open_person(&mut self) {
        match self.selected_subject() {
            Some(key) => {
                self.audit("person", "profile and timeline in the dashboard", Some(&key));
                log::info!("opened the profile of {key:?}");
                let screen = self.person_screen(&key);
                self.stack.push(screen);
            }
            None => self.message = Some("no person, device or address on this row".into()),
        }
    }

    fn person_screen(&self, key: &str) -> Screen {
        let mut profile = Profile {
            key: key.to_owned(),
            ..Profile::default()
        };
        for f in &self.findings {
            let about = [&f.user, &f.device, &f.ip]
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(key)));
            if about {
                profile.findings[f.severity as usize] += 1;
            }
        }
        let mut rows = Vec::new();
        if let Some(events) = &self.events {
            rows = events.of_subject(key);
            let mut devices: std::collections::HashMap<&str, u64> = Default::default();
            let mut ips: std::collections::HashMap<&str, u64> = Default::default();
            let mut accounts: std::collections::HashMap<&str, u64> = Default::default();
            let mut kinds = [(0u64, 0u64, 0u64); 7];
            for &r in &rows {
                let r = r as usize;
                if let Some(d) = events.field(Field::Device).name(r) {
                    *devices.entry(d).or_default() += 1;
                }
                if let Some(ip) = events.field(Field::Ip).name(r) {
                    *ips.entry(ip).or_default() += 1;
                }
                if let Some(w) = events.field(Field::Who).name(r) {
                    *accounts.entry(w).or_default() += 1;
                }
                let k = &mut kinds[events.kind[r] as usize];
                k.0 += 1;
                k.1 += u64::from(events.blocked[r]);
                k.2 += events.bytes[r];
            }
            let top = |m: std::collections::HashMap<&str, u64>| {
                let mut v: Vec<(String, u64)> = m.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                v
            };
            profile.devices = top(devices);
            profile.ips = top(ips);
            profile.accounts = top(accounts);
            profile.kinds = kinds
                .iter()
                .enumerate()
                .filter(|(_, k)| k.0 > 0)
                .map(|(i, k)| (kind_name(i as u8), k.0, k.1, k.2))
                .collect();
            profile.span = rows
                .first()
                .zip(rows.last())
                .map(|(&a, &b)| (events.ts[a as usize], events.ts[b as usize]));
        }
        let user = profile
            .accounts
            .first()
            .map(|(a, _)| a.clone())
            .unwrap_or_else(|| key.to_owned());
        let ip = profile.ips.first().and_then(|(ip, _)| ip.parse().ok());
        profile.groups = self
            .cx
            .groups_of(Some(&user), ip)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut list = List {
            order: Rows::Empty,
            ..List::default()
        };
        if let Some(events) = &self.events {
            list.order = super::search::timeline(events, &rows, &Filter::default(), &self.range, None).into();
        }
        Screen::Person {
            profile: Box::new(profile),
            rows,
            list,
        }
    }

    fn add_to_case(&mut self) {
        let Some(f) = self.selected_finding().cloned() else {
            self.message = Some("select a finding to add to the case basket".into());
            return;
        };
        let sources = &self.sources;
        let file = |i: u32| {
            sources
                .get(i as usize)
                .map_or_else(String::new, |s| s.path.display().to_string())
        };
        self.message = Some(match self.store.add_to_basket(&f, file) {
            Ok(path) => {
                log::info!("finding {} added to the case basket", f.id);
                format!(
                    "added to the case basket ({}): {} {}",
                    path.display(),
                    f.rule,
                    f.subject()
                )
            }
            Err(e) => format!("could not add to the case basket: {e:#}"),
        });
    }

    // ----- cells -----

    /// The cells of event `row`, in [`EVENT_COLUMNS`] order.
    pub fn event_cells(&self, row: u32) -> Vec<String> {
        let Some(e) = &self.events else { return Vec::new() };
        let r = row as usize;
        let name = |f: Field| cell(e.field(f).name(r).unwrap_or(""));
        vec![
            local(&self.cx, e.ts[r], "%a %d %H:%M:%S"),
            kind_name(e.kind[r]).to_owned(),
            name(Field::Who),
            name(Field::Device),
            name(Field::Ip),
            name(Field::Action),
            name(Field::Target),
            cell(&e.detail(r)),
        ]
    }

    /// The cells of finding `i`, in [`FINDING_COLUMNS`] order.
    pub fn finding_cells(&self, i: u32) -> Vec<String> {
        let Some(f) = self.findings.get(i as usize) else {
            return Vec::new();
        };
        let reviewed = if self.store.review(&f.id).is_some() { "✓" } else { "" };
        vec![
            format!("{}{reviewed}", short_severity(f.severity)),
            local(&self.cx, f.ts_first, "%a %d %H:%M"),
            cell(f.subject()),
            f.rule.to_owned(),
            f.count.to_string(),
            cell(&f.summary),
        ]
    }

    // ----- export -----

    /// Exports the current view to `path` on a thread of its own (a `~/` prefix is the home
    /// directory; an existing file is never replaced).
    fn export(&mut self, path: PathBuf) {
        if path.as_os_str().is_empty() {
            return;
        }
        let path = match (path.strip_prefix("~"), std::env::var_os("HOME")) {
            (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
            _ => path,
        };
        if path.exists() {
            self.message = Some(format!(
                "{} exists: give another name (nothing is overwritten)",
                path.display()
            ));
            return;
        }
        let sources: Vec<PathBuf> = self.sources.iter().map(|s| s.path.clone()).collect();
        let file = {
            let sources = sources.clone();
            move |i: u32| {
                sources
                    .get(i as usize)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            }
        };
        log::info!("export to {:?}", path.display().to_string());
        let about = match self.stack.last() {
            Some(Screen::Person { profile, .. }) => Some(profile.key.clone()),
            _ => None,
        };
        self.audit("export", &path.display().to_string(), about.as_deref());
        let job: Box<dyn FnOnce() -> anyhow::Result<u64> + Send> = match self.stack.last() {
            Some(Screen::Finding { evidence, .. } | Screen::Event { evidence, .. }) => {
                let refs = evidence.refs.clone();
                let rows_sources: Vec<SourceRow> = self.sources.clone();
                let path = path.clone();
                Box::new(move || {
                    let mut ev = EvidenceList::new(refs);
                    let n = ev.refs.len();
                    ev.read(&rows_sources, 0, n);
                    let rows = ev.refs.iter().zip(ev.lines).map(|(r, l)| {
                        let text = l.map(|l| l.text.unwrap_or_else(|e| e)).unwrap_or_default();
                        vec![file(r.source), r.line.to_string(), r.offset.to_string(), text]
                    });
                    super::store::export(&path, &["file", "line", "offset", "text"], rows)
                })
            }
            Some(Screen::Person { list, .. }) => self.events_job(&path, list.order.clone(), sources),
            None if self.tab == Tab::Search => {
                let order = self.lists[Tab::Search.index()].order.clone();
                self.events_job(&path, order, sources)
            }
            None if self.tab == Tab::Overview => {
                let rows: Vec<Vec<String>> = self.sources.iter().map(|s| self.source_cells(s)).collect();
                let path = path.clone();
                Box::new(move || super::store::export(&path, &SOURCE_COLUMNS, rows.into_iter()))
            }
            None => {
                let mut header = crate::commands::findings::CSV_HEADER.to_vec();
                header.extend(["reviewed", "review_note"]);
                let rows: Vec<Vec<String>> = self
                    .list()
                    .order
                    .iter()
                    .filter_map(|&i| self.findings.get(i as usize))
                    .map(|f| {
                        let review = self.store.review(&f.id);
                        let mut cells = crate::commands::findings::csv_cells(f, &file);
                        cells.push(if review.is_some() { "yes" } else { "no" }.to_owned());
                        cells.push(review.map(|r| r.note.clone()).unwrap_or_default());
                        cells
                    })
                    .collect();
                let path = path.clone();
                Box::new(move || super::store::export(&path, &header, rows.into_iter()))
            }
        };
        let started = format!("exporting to {} …", path.display());
        self.spawn_writer("export", started, move || match job() {
            Ok(n) => format!("exported {n} rows to {}", path.display()),
            Err(e) => format!("export failed: {e:#}"),
        });
    }

    /// Writing events to `path`: time, kind, fields, detail, file and line.
    fn events_job(
        &self,
        path: &std::path::Path,
        order: Rows,
        sources: Vec<PathBuf>,
    ) -> Box<dyn FnOnce() -> anyhow::Result<u64> + Send> {
        let path = path.to_owned();
        let Some(events) = self.events.clone() else {
            return Box::new(|| Err(anyhow::anyhow!("events are still being indexed")));
        };
        Box::new(move || {
            let rows = order.iter().map(|&row| {
                let r = row as usize;
                let name = |f: Field| events.field(f).name(r).unwrap_or("").to_owned();
                let ev = events.evidence(r);
                vec![
                    vigil_parsers::time::format_rfc3339(events.ts[r]),
                    kind_name(events.kind[r]).to_owned(),
                    name(Field::Who),
                    name(Field::Device),
                    name(Field::Ip),
                    name(Field::Action),
                    name(Field::Target),
                    events.detail(r),
                    ev.and_then(|e| sources.get(e.source as usize).map(|p| p.display().to_string()))
                        .unwrap_or_default(),
                    ev.map(|e| e.line.to_string()).unwrap_or_default(),
                ]
            });
            let header = [
                "time", "kind", "who", "device", "ip", "action", "host", "detail", "file", "line",
            ];
            super::store::export(&path, &header, rows)
        })
    }

    /// The cells of a source row, in [`SOURCE_COLUMNS`] order.
    pub fn source_cells(&self, s: &SourceRow) -> Vec<String> {
        let state = match (&s.error, &s.skipped, s.read) {
            (Some(_), _, _) => "unreadable".to_owned(),
            (_, Some(_), _) => "skipped".to_owned(),
            (_, _, false) => "waiting".to_owned(),
            _ if s.rejected > 0 => "rejects".to_owned(),
            _ => "ok".to_owned(),
        };
        let (first, last) = match s.span {
            Some((a, b)) => (local(&self.cx, a, "%a %d %H:%M"), local(&self.cx, b, "%a %d %H:%M")),
            None => (String::new(), String::new()),
        };
        // Silences in school hours the coverage rule found in this source.
        let path = s.path.display().to_string();
        let gaps = self
            .findings
            .iter()
            .filter(|f| {
                f.rule == "coverage.gap"
                    && f.about.as_deref() == Some(path.as_str())
                    && self.range.overlaps(f.ts_first, f.ts_last)
            })
            .count();
        vec![
            cell(&s.name()),
            s.kind.map_or("", |k| k.as_str()).to_owned(),
            first,
            last,
            s.lines.to_string(),
            s.rejected.to_string(),
            // Known once the coverage rules have run on the whole input.
            if self.loading.complete && s.kind.is_some() {
                gaps.to_string()
            } else {
                String::new()
            },
            state,
        ]
    }
}

/// A severity in four letters.
pub fn short_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// A finding's values for a filter field (`None`: every text free words look in).
fn finding_values<'a>(f: &'a Finding, field: Option<&str>, reviewed: &'static str) -> Vec<&'a str> {
    let opt = |v: &'a Option<String>| v.as_deref().into_iter().collect::<Vec<_>>();
    match field {
        Some("user") => [&f.user, &f.device, &f.ip]
            .into_iter()
            .filter_map(|v| v.as_deref())
            .collect(),
        Some("device") => opt(&f.device),
        Some("ip") => opt(&f.ip),
        Some("rule") => vec![f.rule],
        Some("severity") => vec![f.severity.as_str()],
        Some("about") => opt(&f.about),
        Some("summary") => vec![&f.summary],
        Some("reviewed") => vec![reviewed],
        _ => {
            let mut v = vec![f.rule, f.severity.as_str(), f.summary.as_str()];
            v.extend(
                [&f.user, &f.device, &f.ip, &f.about]
                    .into_iter()
                    .filter_map(|v| v.as_deref()),
            );
            v
        }
    }
}

/// Parses a typed time range: `all`, a day, `FROM..TO` (days or "day HH:MM"; either may be
/// left out). The last day is included.
pub fn parse_range(cx: &Context, text: &str) -> Result<Range, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("all") {
        return Ok(Range {
            label: "all time".into(),
            ..Range::default()
        });
    }
    let at = |s: &str, end: bool| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let (naive, day) = match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
            Ok(n) => (n, false),
            Err(_) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => (d.and_hms_opt(0, 0, 0).unwrap_or_default(), true),
                Err(_) => return Err(format!("`{s}` is not a day (2026-11-16) or a time (2026-11-16 09:00)")),
            },
        };
        let naive = if end && day {
            naive + chrono::Duration::days(1)
        } else {
            naive
        };
        Ok(Some(match vigil_parsers::time::resolve_in(cx.tz, naive) {
            vigil_parsers::time::LocalResolution::Exact(ms) => ms,
            vigil_parsers::time::LocalResolution::Ambiguous { early, .. } => early,
        }))
    };
    let (from, to) = match text.split_once("..") {
        Some((a, b)) => (at(a, false)?, at(b, true)?),
        // A day alone is that day; a time alone, the hour from it.
        None => {
            let from = at(text, false)?;
            let to = at(text, true)?;
            match (from, to) {
                (Some(f), Some(t)) if t == f => (from, Some(f + 3_600_000)),
                _ => (from, to),
            }
        }
    };
    if let (Some(a), Some(b)) = (from, to)
        && a >= b
    {
        return Err(format!("`{text}`: the range ends before it starts"));
    }
    Ok(Range {
        from,
        to,
        label: text.to_owned(),
        preset: 3,
    })
}
