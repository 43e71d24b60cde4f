//! `vigil generate`: a deterministic, realistic week of logs for a fictional school, with planted
//! incidents recorded in `ground-truth.json`.
//!
//! The model has three layers: [`school`] and [`network`] (people, devices, timetable, servers
//! and addresses), an activity layer (who requests what, when: `Event` here for the web, and a
//! day's presence of every device, `Presence`), and one writer per log format:
//!
//! - Squid's native `access.log` (here), rotated daily the way logrotate does it;
//! - FortiGate traffic logs in syslog (`firewall`), rotated the same way;
//! - ISC dhcpd in RFC 3164 syslog (`dhcp`);
//! - a Microsoft 365 message trace exported with `Export-Csv` (`mail`) and the on-premises
//!   Postfix relay's `maillog` (`relay`);
//! - an Intune discovered-apps export and the licence purchase register (`assets`);
//! - the FlexNet `lmgrd` debug log of the concurrent CAD licence (`lmgrd`).
//!
//! Every random choice comes from ChaCha8 streams seeded from `--seed`: the school and the web
//! incidents from the main stream, each day's web traffic from its own stream, and every other
//! log kind from streams of its own (so adding a kind never changes the proxy's bytes). Days are
//! generated in parallel.

pub mod network;
pub mod school;
pub mod sites;

mod assets;
mod dhcp;
mod firewall;
mod lmgrd;
mod mail;
mod relay;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use rayon::prelude::*;
use serde::Serialize;

use school::{Role, School, Slot, TIMETABLE};
use sites::{CATALOGUE, INCIDENT_SITES, Site, Transport};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Output directory (created if missing).
    pub out: PathBuf,
    /// School days to generate (weekends are skipped).
    pub days: u32,
    /// First day (moved forward to a Monday–Friday).
    pub start: NaiveDate,
    /// Number of pupils.
    pub pupils: usize,
    /// Number of staff.
    pub staff: usize,
    /// Number of guest devices.
    pub guests: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Multiplies the request rate of everyone.
    pub scale: f64,
    /// Aim for about this many web lines in total (overrides `scale`).
    pub lines: Option<u64>,
    /// Rotate the proxy log daily (`access.log`, `access.log.1`, `access.log.2.gz`, …).
    pub rotate: bool,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// Files written, relative to the output directory, with their line counts.
    pub files: Vec<(String, u64)>,
    /// Total lines.
    pub lines: u64,
    /// Web (proxy) lines.
    pub web_lines: u64,
    /// Planted incidents.
    pub incidents: usize,
}

/// What a line of activity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Served through a CONNECT tunnel.
    Tunnel,
    /// Served as a full URL from the origin.
    Miss,
    /// Served from cache.
    Hit,
    /// Revalidated (304).
    NotModified,
    /// Client gave up.
    Aborted,
    /// Not found upstream.
    NotFound,
    /// Refused by the filter.
    Denied,
    /// NTLM challenge before authentication.
    Challenge,
    /// Broken request.
    Broken,
}

/// One request in the activity layer.
#[derive(Debug, Clone, Copy)]
struct Event {
    ts: i64,
    person: u32,
    site: u16,
    outcome: Outcome,
    bytes: u64,
    elapsed: u32,
    path: u8,
    search: Option<u16>,
    incident: u16,
}

/// A piece of a log as written: one day of one file, or a whole small file.
#[derive(Debug, Default)]
struct Chunk {
    text: Vec<u8>,
    /// (incident number, 1-based line within the chunk, time) of each planted line.
    tagged: Vec<(u16, u64, i64)>,
    /// Time of the last line (the file's mtime).
    last: i64,
}

/// Lines of a chunk before they are put in time order.
#[derive(Debug, Default)]
struct Recs {
    recs: Vec<(i64, u32, u16, String)>,
}

impl Recs {
    /// Adds a line (without its newline) at `ts`, planted by `incident` (0 for none).
    fn push(&mut self, ts: i64, incident: u16, line: String) {
        let seq = self.recs.len() as u32;
        self.recs.push((ts, seq, incident, line));
    }

    /// The lines in time order (ties in the order they were added), each ended by `eol`.
    fn into_chunk(mut self, eol: &str) -> Chunk {
        self.recs.sort_by_key(|r| (r.0, r.1));
        let mut chunk = Chunk::default();
        for (n, (ts, _, incident, line)) in self.recs.into_iter().enumerate() {
            chunk.text.extend_from_slice(line.as_bytes());
            chunk.text.extend_from_slice(eol.as_bytes());
            if incident > 0 {
                chunk.tagged.push((incident, n as u64 + 1, ts));
            }
            chunk.last = chunk.last.max(ts);
        }
        chunk
    }
}

/// A planted incident: what the detectors must find.
#[derive(Debug, Clone, Serialize)]
struct Incident {
    id: String,
    rule: &'static str,
    category: &'static str,
    severity: &'static str,
    summary: String,
    user: String,
    device: String,
    ip: String,
    /// The licensed product, for licence incidents (as the register names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<String>,
    first: String,
    last: String,
    count: usize,
    evidence: Vec<Evidence>,
}

impl Incident {
    /// A new incident (numbered later) about one user, device and address ("-" where none).
    fn new(rule: &'static str, category: &'static str, severity: &'static str, summary: String) -> Incident {
        Incident {
            id: String::new(),
            rule,
            category,
            severity,
            summary,
            user: "-".to_owned(),
            device: "-".to_owned(),
            ip: "-".to_owned(),
            product: None,
            first: String::new(),
            last: String::new(),
            count: 0,
            evidence: Vec::new(),
        }
    }

    /// Names the person (a mail incident: no device or address of theirs is involved).
    fn by(mut self, school: &School, person: usize) -> Incident {
        self.user = school.people[person].username.clone();
        self
    }

    /// Names the person and their device.
    fn about(mut self, school: &School, person: usize) -> Incident {
        let p = &school.people[person];
        let dev = &school.devices[p.device];
        if p.role != Role::Guest {
            self.user = p.username.clone();
        }
        self.device = dev.hostname.clone();
        self.ip = dev.ip.clone();
        self
    }
}

/// The planted incidents so far; adding one gives its number (1-based, as lines are tagged).
struct Registry {
    incidents: Vec<Incident>,
    /// People already chosen for an incident (each incident gets somebody new).
    used: std::collections::HashSet<usize>,
}

impl Registry {
    fn add(&mut self, incident: Incident) -> u16 {
        self.incidents.push(incident);
        self.incidents.len() as u16
    }

    /// Somebody with `role` not yet in an incident for whom `fits` holds (any such person when
    /// everybody is taken; `None` when nobody fits at all).
    fn pick(
        &mut self,
        rng: &mut ChaCha8Rng,
        school: &School,
        role: Role,
        fits: impl Fn(&school::Person, &school::Device) -> bool,
    ) -> Option<usize> {
        let all: Vec<usize> = school
            .with_role(role)
            .into_iter()
            .filter(|&i| fits(&school.people[i], &school.devices[school.people[i].device]))
            .collect();
        let fresh: Vec<usize> = all.iter().copied().filter(|i| !self.used.contains(i)).collect();
        let p = *fresh.choose(rng).or_else(|| all.choose(rng))?;
        self.used.insert(p);
        Some(p)
    }
}

/// Everything the writers of the other log kinds share.
struct World<'a> {
    school: &'a School,
    days: &'a [NaiveDate],
    seed: u64,
    scale: f64,
    /// When the inventory and register were exported (the last day, after school), UTC ms.
    as_of: i64,
}

impl World<'_> {
    /// A random stream for one log kind (`salt`) and day (`usize::MAX` for no day).
    fn rng(&self, salt: u64, day: usize) -> ChaCha8Rng {
        let d = (day as u64).wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        ChaCha8Rng::seed_from_u64(self.seed ^ salt ^ d)
    }
}

/// Who is on site when, on one day: each person's first and last moment of network activity
/// (their device is on from a little before the first to a little after the last).
#[derive(Debug, Clone)]
struct Presence {
    span: Vec<Option<(i64, i64)>>,
}

impl Presence {
    fn from_events(people: usize, events: &[Event]) -> Presence {
        let mut span = vec![None; people];
        for e in events {
            extend(&mut span[e.person as usize], e.ts);
        }
        Presence { span }
    }
}

fn extend(span: &mut Option<(i64, i64)>, ts: i64) {
    *span = Some(match *span {
        Some((a, b)) => (a.min(ts), b.max(ts)),
        None => (ts, ts),
    });
}

/// The local (Europe/London) date and time of a UTC instant, with its offset east in seconds.
fn london(ts: i64) -> (chrono::NaiveDateTime, i32) {
    use chrono::Offset;
    let utc = chrono::DateTime::from_timestamp_millis(ts).unwrap_or_default();
    let local = utc.with_timezone(&chrono_tz::Europe::London);
    (local.naive_local(), local.offset().fix().local_minus_utc())
}

/// An RFC 3164 syslog time stamp (`Nov 16 07:55:02`, `Nov  6 …`), local time.
fn syslog_time(ts: i64) -> String {
    london(ts).0.format("%b %e %H:%M:%S").to_string()
}

#[derive(Debug, Clone, Serialize)]
struct Evidence {
    file: String,
    line: u64,
}

/// Search terms planted by incidents (indexes after the benign lists).
const INCIDENT_SEARCHES: &[&str] = &[
    "how to get past school wifi block vpn",
    "extremist recruitment videos",
    "far right rally near me",
    "ways to self harm without anyone knowing",
    "free vpn no download",
];

fn all_searches() -> Vec<&'static str> {
    sites::STAFF_SEARCHES
        .iter()
        .chain(sites::PUPIL_SEARCHES)
        .chain(INCIDENT_SEARCHES)
        .copied()
        .collect()
}

fn site_at(i: u16) -> &'static Site {
    let i = usize::from(i);
    if i < CATALOGUE.len() {
        &CATALOGUE[i]
    } else {
        &INCIDENT_SITES[i - CATALOGUE.len()]
    }
}

fn incident_site(host: &str, category: &str) -> u16 {
    let i = INCIDENT_SITES
        .iter()
        .position(|s| s.host == host && s.category == category)
        .unwrap_or(0);
    (CATALOGUE.len() + i) as u16
}

fn search_index(term: &str) -> Option<u16> {
    all_searches().iter().position(|t| *t == term).map(|i| i as u16)
}

/// Requests per person-minute at scale 1.
fn rate(role: Role, slot: Slot) -> f64 {
    match (role, slot) {
        (Role::Staff, Slot::BeforeSchool) => 0.15,
        (Role::Staff, Slot::Lesson) => 0.22,
        (Role::Staff, Slot::Break) => 0.12,
        (Role::Staff, Slot::AfterSchool) => 0.18,
        (Role::Pupil, Slot::BeforeSchool) => 0.02,
        (Role::Pupil, Slot::Lesson) => 0.07,
        (Role::Pupil, Slot::Break) => 0.04,
        (Role::Pupil, Slot::AfterSchool) => 0.015,
        (Role::Guest, Slot::BeforeSchool | Slot::AfterSchool) => 0.0,
        (Role::Guest, _) => 0.1,
    }
}

fn attendance(role: Role) -> f64 {
    match role {
        Role::Staff => 0.96,
        Role::Pupil => 0.94,
        Role::Guest => 0.6,
    }
}

/// Expected web lines per school day at scale 1.
fn expected_lines_per_day(school: &School) -> f64 {
    school
        .people
        .iter()
        .map(|p| {
            let per_day: f64 = TIMETABLE
                .iter()
                .map(|&(a, b, slot)| rate(p.role, slot) * f64::from(b - a))
                .sum();
            per_day * p.activity * attendance(p.role)
        })
        .sum::<f64>()
        * 1.02
}

/// The school days to generate.
fn school_days(start: NaiveDate, days: u32) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = start;
    while out.len() < days as usize {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            out.push(d);
        }
        d = d.succ_opt().unwrap_or(d);
    }
    out
}

/// Milliseconds since the epoch of a local minute-of-day plus milliseconds on `day`.
fn local_ms(day: NaiveDate, minute: u32, ms: u32) -> i64 {
    let naive = day.and_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default();
    let base = match chrono_tz::Europe::London.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        chrono::LocalResult::None => naive.and_utc().timestamp_millis(),
    };
    base + i64::from(ms)
}

/// Generates the logs into `opts.out`.
pub fn generate(opts: &GenerateOptions) -> Result<Written> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let school = School::build(&mut rng, opts.staff, opts.pupils, opts.guests);
    let days = school_days(opts.start, opts.days.max(1));
    let scale = match opts.lines {
        Some(n) => n as f64 / (expected_lines_per_day(&school) * days.len() as f64),
        None => opts.scale,
    };
    let plans = incident_plans(&mut rng, &school, &days);

    // The web: each day's requests from its own stream, as before any other kind existed.
    let web: Vec<(Chunk, Vec<Event>)> = days
        .par_iter()
        .enumerate()
        .map(|(i, &day)| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1)));
            let mut events = day_events(&mut rng, &school, day, scale);
            events.extend(incident_events(&plans, i));
            events.sort_by_key(|e| (e.ts, e.person, e.site));
            let searches = all_searches();
            let mut text = Vec::with_capacity(events.len() * 140);
            let mut tagged = Vec::new();
            for (n, e) in events.iter().enumerate() {
                write_squid(&mut text, &school, e, &searches);
                if e.incident > 0 {
                    tagged.push((e.incident, n as u64 + 1, e.ts));
                }
            }
            let last = events.last().map_or(0, |e| e.ts);
            (Chunk { text, tagged, last }, events)
        })
        .collect();

    let mut registry = Registry {
        used: plans.iter().map(|p| p.person).collect(),
        incidents: plans.into_iter().map(|p| p.incident).collect(),
    };
    let last_day = *days.last().unwrap_or(&opts.start);
    let world = World {
        school: &school,
        days: &days,
        seed: opts.seed,
        scale,
        as_of: local_ms(last_day, 17 * 60 + 45, 0),
    };
    let fw_plan = firewall::plan(&world, &mut registry);
    let mail_plan = mail::plan(&world, &mut registry);
    let assets = assets::build(&world, &mut registry);
    let lm_plan = lmgrd::plan(&world, &assets, &mut registry);
    let unfiltered = fw_plan.unfiltered;

    // Who is on site when: their web activity, stretched over their other planted activity.
    let presence: Vec<Presence> = web
        .iter()
        .enumerate()
        .map(|(i, (_, events))| {
            let mut p = Presence::from_events(school.people.len(), events);
            for &(person, ts) in fw_plan.activity(i) {
                extend(&mut p.span[person], ts);
            }
            p
        })
        .collect();

    let others: Vec<DayOut> = days
        .par_iter()
        .enumerate()
        .map(|(i, _)| {
            let (trace, relay) = mail::day(&world, &mail_plan, i, &presence[i]);
            DayOut {
                firewall: firewall::day(&world, &fw_plan, i, &web[i].1, &presence[i]),
                dhcp: dhcp::day(&world, i, &presence, unfiltered),
                lmgrd: lmgrd::day(&world, &lm_plan, i, &presence[i]),
                trace,
                relay,
            }
        })
        .collect();

    let mut out = Output {
        dir: opts.out.clone(),
        files: Vec::new(),
        tags: Vec::new(),
    };
    for sub in ["proxy", "firewall", "dhcp", "mail", "inventory", "licences"] {
        let dir = opts.out.join(sub);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut proxy = Vec::with_capacity(days.len());
    let mut fw = Vec::with_capacity(days.len());
    let mut dh = Vec::with_capacity(days.len());
    let mut lm = Vec::with_capacity(days.len());
    let mut rl = Vec::with_capacity(days.len());
    let mut trace = Vec::new();
    for ((chunk, _), day) in web.into_iter().zip(others) {
        proxy.push(chunk);
        fw.push(day.firewall);
        dh.push(day.dhcp);
        lm.push(day.lmgrd);
        rl.push(day.relay);
        trace.extend(day.trace);
    }
    let web_lines = out.rotated("proxy/access.log", proxy, opts.rotate)?;
    out.rotated("firewall/fortigate.log", fw, opts.rotate)?;
    out.joined("dhcp/dhcpd.log", dh)?;
    out.joined("mail/messagetrace.csv", vec![mail::trace_csv(trace)])?;
    out.joined("mail/maillog", rl)?;
    // Scheduled exports carry their time in the file name (git keeps no modification times).
    let stamp = chrono::DateTime::from_timestamp_millis(world.as_of)
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d-%H%M");
    out.joined(
        &format!("inventory/intune-discovered-apps-{stamp}.csv"),
        vec![assets.inventory],
    )?;
    out.joined(&format!("licences/register-{stamp}.csv"), vec![assets.register])?;
    out.joined("licences/lmgrd.log", lm)?;

    let mut incidents = registry.incidents;
    let mut spans: Vec<(i64, i64)> = vec![(i64::MAX, i64::MIN); incidents.len()];
    for (incident, evidence, ts) in out.tags {
        let k = usize::from(incident) - 1;
        spans[k] = (spans[k].0.min(ts), spans[k].1.max(ts));
        incidents[k].evidence.push(evidence);
    }
    for (inc, (first, last)) in incidents.iter_mut().zip(spans) {
        inc.count = inc.evidence.len();
        if inc.count > 0 {
            inc.first = vigil_parsers::time::format_rfc3339(first);
            inc.last = vigil_parsers::time::format_rfc3339(last);
        }
    }
    // A school too small for an incident (no Chromebooks, nobody in a DT room) has no lines of it.
    incidents.retain(|inc| inc.count > 0);
    for (i, inc) in incidents.iter_mut().enumerate() {
        inc.id = format!("INC-{:02}", i + 1);
    }
    write_ground_truth(opts, &school, &incidents, scale, &days, &out.files)?;
    Ok(Written {
        lines: out.files.iter().map(|f| f.1).sum(),
        web_lines,
        files: out.files,
        incidents: incidents.len(),
    })
}

/// One day of every log kind but the web.
struct DayOut {
    firewall: Chunk,
    dhcp: Chunk,
    lmgrd: Chunk,
    trace: Vec<mail::TraceRow>,
    relay: Chunk,
}

/// The files written so far and the planted lines found in them.
struct Output {
    dir: PathBuf,
    files: Vec<(String, u64)>,
    /// (incident number, evidence, time).
    tags: Vec<(u16, Evidence, i64)>,
}

impl Output {
    /// Writes one chunk per day as a daily rotated set (`NAME`, `NAME.1`, `NAME.2.gz`, …, newest
    /// last), or all of them as one `NAME`; returns the lines written.
    fn rotated(&mut self, name: &str, chunks: Vec<Chunk>, rotate: bool) -> Result<u64> {
        if !rotate {
            return self.joined(name, chunks);
        }
        let n = chunks.len();
        let mut total = 0;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let file = match n - 1 - i {
                0 => name.to_owned(),
                1 => format!("{name}.1"),
                k => format!("{name}.{k}.gz"),
            };
            total += self.write(&file, vec![chunk])?;
        }
        Ok(total)
    }

    /// Writes the chunks one after another as one file; returns the lines written.
    fn joined(&mut self, name: &str, chunks: Vec<Chunk>) -> Result<u64> {
        self.write(name, chunks)
    }

    fn write(&mut self, name: &str, chunks: Vec<Chunk>) -> Result<u64> {
        let mut text = Vec::with_capacity(chunks.iter().map(|c| c.text.len()).sum());
        let mut lines = 0;
        let mut last = 0;
        for chunk in chunks {
            for (incident, line, ts) in chunk.tagged {
                self.tags.push((
                    incident,
                    Evidence {
                        file: name.to_owned(),
                        line: lines + line,
                    },
                    ts,
                ));
            }
            lines += memchr_count(&chunk.text);
            last = last.max(chunk.last);
            text.extend_from_slice(&chunk.text);
        }
        write_file(&self.dir.join(name), &text, name.ends_with(".gz"), last)?;
        self.files.push((name.to_owned(), lines));
        Ok(lines)
    }
}

fn memchr_count(text: &[u8]) -> u64 {
    text.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Writes to a temporary name and renames, so a reader never sees half a file.
fn write_file(path: &Path, text: &[u8], gzip: bool, last_ts: i64) -> Result<()> {
    let tmp = path.with_extension("partial");
    {
        let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        if gzip {
            let mut enc = flate2::GzBuilder::new().write(w, flate2::Compression::default());
            enc.write_all(text)?;
            w = enc.finish()?;
        } else {
            w.write_all(text)?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    let mtime = filetime::FileTime::from_unix_time(last_ts.div_euclid(1000), 0);
    filetime::set_file_mtime(path, mtime).with_context(|| format!("setting mtime of {}", path.display()))?;
    Ok(())
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    if mean <= 0.0 {
        0
    } else if mean < 500.0 {
        Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64)
    } else {
        Normal::new(mean, mean.sqrt()).map_or(mean as u64, |n| n.sample(rng).max(0.0).round() as u64)
    }
}

fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    LogNormal::new(median.max(1.0).ln(), sigma).map_or(median, |d| d.sample(rng))
}

/// Everyday traffic for one day.
fn day_events(rng: &mut ChaCha8Rng, school: &School, day: NaiveDate, scale: f64) -> Vec<Event> {
    let searches = all_searches();
    let staff_terms: Vec<u16> = (0..sites::STAFF_SEARCHES.len() as u16).collect();
    let pupil_terms: Vec<u16> = (sites::STAFF_SEARCHES.len() as u16
        ..(sites::STAFF_SEARCHES.len() + sites::PUPIL_SEARCHES.len()) as u16)
        .collect();
    debug_assert!(searches.len() > pupil_terms.len());
    // Cumulative site weights per role and leisure flag.
    let tables: Vec<Vec<f64>> = [Role::Staff, Role::Pupil, Role::Guest]
        .iter()
        .flat_map(|&role| {
            [false, true].map(|leisure| {
                let mut acc = 0.0;
                CATALOGUE
                    .iter()
                    .map(|s| {
                        acc += sites::weight(s, role, leisure);
                        acc
                    })
                    .collect::<Vec<f64>>()
            })
        })
        .collect();
    let mut events = Vec::new();
    for (pi, person) in school.people.iter().enumerate() {
        if !rng.random_bool(attendance(person.role)) {
            continue;
        }
        let role_index = match person.role {
            Role::Staff => 0,
            Role::Pupil => 1,
            Role::Guest => 2,
        };
        for &(start, end, slot) in TIMETABLE {
            let minutes = f64::from(end - start);
            let n = poisson(rng, rate(person.role, slot) * minutes * person.activity * scale);
            let leisure = slot != Slot::Lesson;
            let table = &tables[role_index * 2 + usize::from(leisure)];
            let total = *table.last().unwrap_or(&1.0);
            for _ in 0..n {
                let at = rng.random_range(0..(end - start) * 60_000);
                let ts = local_ms(day, start, at);
                let pick = rng.random_range(0.0..total);
                let site_index = table.partition_point(|&c| c <= pick).min(CATALOGUE.len() - 1);
                let site = &CATALOGUE[site_index];
                let terms = if person.role == Role::Staff {
                    &staff_terms
                } else {
                    &pupil_terms
                };
                let mut e = everyday(rng, ts, pi as u32, site_index as u16, site, person.role);
                if site.category == "search" || site.host == "www.youtube.com" {
                    e.search = terms.choose(rng).copied();
                }
                if e.outcome == Outcome::Tunnel && rng.random_bool(0.03) {
                    events.push(Event {
                        ts: ts - rng.random_range(2..40),
                        outcome: Outcome::Challenge,
                        bytes: 3_980 + rng.random_range(0..40),
                        elapsed: 0,
                        ..e
                    });
                }
                if rng.random_bool(0.002) {
                    events.push(Event {
                        outcome: Outcome::Broken,
                        bytes: 0,
                        elapsed: 0,
                        ..e
                    });
                    continue;
                }
                events.push(e);
            }
        }
    }
    events
}

fn everyday(rng: &mut ChaCha8Rng, ts: i64, person: u32, site_index: u16, site: &Site, role: Role) -> Event {
    let mut e = Event {
        ts,
        person,
        site: site_index,
        outcome: Outcome::Miss,
        bytes: 0,
        elapsed: 0,
        path: 0,
        search: None,
        incident: 0,
    };
    if sites::is_blocked(site, role) {
        e.outcome = Outcome::Denied;
        e.bytes = 3_900 + rng.random_range(0..120);
        e.elapsed = rng.random_range(0..3);
        return e;
    }
    if !site.paths.is_empty() {
        e.path = rng.random_range(0..site.paths.len()) as u8;
    }
    match site.transport {
        Transport::Tunnel => {
            e.outcome = Outcome::Tunnel;
            e.bytes = lognormal(rng, site.bytes as f64, 1.1) as u64;
            e.elapsed = lognormal(rng, 12_000.0, 1.3).min(3_600_000.0) as u32;
        }
        Transport::Inspected | Transport::Http => {
            let roll: f64 = rng.random();
            e.outcome = if roll < 0.84 {
                Outcome::Miss
            } else if roll < 0.92 {
                Outcome::Hit
            } else if roll < 0.98 {
                Outcome::NotModified
            } else if roll < 0.99 {
                Outcome::NotFound
            } else {
                Outcome::Aborted
            };
            e.bytes = match e.outcome {
                Outcome::NotModified => 310 + rng.random_range(0..80),
                Outcome::Aborted => 0,
                Outcome::NotFound => 1_200 + rng.random_range(0..400),
                _ => lognormal(rng, site.bytes as f64, 0.9) as u64,
            };
            e.elapsed = match e.outcome {
                Outcome::Hit => rng.random_range(0..4),
                _ => lognormal(rng, 180.0, 0.8) as u32,
            };
        }
    }
    e
}

fn write_squid(out: &mut Vec<u8>, school: &School, e: &Event, searches: &[&str]) {
    let site = site_at(e.site);
    let device = &school.devices[school.people[e.person as usize].device];
    let user = match e.outcome {
        Outcome::Challenge => "-".to_owned(),
        _ => school.logged_user(e.person as usize),
    };
    let (result, status) = match e.outcome {
        Outcome::Tunnel => ("TCP_TUNNEL", 200),
        Outcome::Miss => ("TCP_MISS", 200),
        Outcome::Hit => (
            if e.bytes.is_multiple_of(2) {
                "TCP_HIT"
            } else {
                "TCP_MEM_HIT"
            },
            200,
        ),
        Outcome::NotModified => ("TCP_REFRESH_UNMODIFIED", 304),
        Outcome::Aborted => ("TCP_MISS_ABORTED", 0),
        Outcome::NotFound => ("TCP_MISS", 404),
        Outcome::Denied => ("TCP_DENIED", 403),
        Outcome::Challenge => ("TCP_DENIED", 407),
        Outcome::Broken => ("NONE_NONE", 0),
    };
    let _ = write!(
        out,
        "{}.{:03} {:>6} {} {}/{:03} {} ",
        e.ts.div_euclid(1000),
        e.ts.rem_euclid(1000),
        e.elapsed,
        device.ip,
        result,
        status,
        e.bytes
    );
    if e.outcome == Outcome::Broken {
        out.extend_from_slice(b"- error:transaction-end-before-headers - HIER_NONE/- -\n");
        return;
    }
    let connect = matches!(e.outcome, Outcome::Tunnel | Outcome::Challenge)
        || (e.outcome == Outcome::Denied && site.transport == Transport::Tunnel);
    if connect {
        let _ = write!(out, "CONNECT {}:443 ", site.host);
    } else {
        let scheme = if site.transport == Transport::Http {
            "http"
        } else {
            "https"
        };
        let path = site.paths.get(usize::from(e.path)).copied().unwrap_or("/");
        let _ = write!(out, "GET {scheme}://{}{path}", site.host);
        if let Some(term) = e.search.and_then(|s| searches.get(usize::from(s))) {
            let q = term.replace(' ', "+");
            if site.host == "www.youtube.com" {
                if path == "/results" {
                    let _ = write!(out, "?search_query={q}");
                } else if path == "/watch" {
                    let _ = write!(out, "?v={}", video_id(e.ts));
                }
            } else if path.contains("search") || site.host == "duckduckgo.com" {
                let _ = write!(out, "?q={q}&source=hp&ie=UTF-8");
            }
        } else if site.host == "www.youtube.com" && path == "/watch" {
            let _ = write!(out, "?v={}", video_id(e.ts));
        }
        out.push(b' ');
    }
    let (hier, peer, mime) = match e.outcome {
        Outcome::Denied | Outcome::Challenge => ("HIER_NONE", "-".to_owned(), "text/html"),
        Outcome::Hit => ("HIER_NONE", "-".to_owned(), site.mime),
        Outcome::Tunnel => ("HIER_DIRECT", peer_ip(site.host), "-"),
        Outcome::Aborted => ("HIER_DIRECT", peer_ip(site.host), "-"),
        Outcome::NotFound => ("HIER_DIRECT", peer_ip(site.host), "text/html"),
        _ => ("HIER_DIRECT", peer_ip(site.host), site.mime),
    };
    let _ = writeln!(out, "{user} {hier}/{peer} {mime}");
}

fn video_id(seed: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed as u64 ^ 0x0005_DEEC_E66D;
    (0..11)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ALPHABET[(x >> 58) as usize] as char
        })
        .collect()
}

/// A stable upstream address for a host (IP literals are their own peer).
fn peer_ip(host: &str) -> String {
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host.to_owned();
    }
    let h = host.bytes().fold(0xcbf2_9ce4_8422_2325u64, |acc, b| {
        (acc ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let nets = [(142, 250), (151, 101), (13, 107), (104, 18), (172, 217)];
    let (a, b) = nets[(h % nets.len() as u64) as usize];
    format!("{a}.{b}.{}.{}", (h >> 8) % 256, 1 + (h >> 16) % 254)
}

/// A planted incident before its lines are written.
struct Plan {
    incident: Incident,
    day: usize,
    date: NaiveDate,
    person: usize,
    /// (local minute of day, seconds offset, site, outcome, search term, bytes)
    requests: Vec<(u32, u32, u16, Outcome, Option<u16>, u64)>,
}

fn incident_plans(rng: &mut ChaCha8Rng, school: &School, days: &[NaiveDate]) -> Vec<Plan> {
    let pupils = school.with_role(Role::Pupil);
    let staff = school.with_role(Role::Staff);
    let day = |d: usize| d.min(days.len() - 1);
    let mut pick_pupil = {
        let mut used = std::collections::HashSet::new();
        let eligible = pupils
            .iter()
            .filter(|&&p| school.people[p].year.is_some_and(|y| y >= 8))
            .count();
        move |rng: &mut ChaCha8Rng| {
            // A school too small to give every incident a pupil of its own reuses them (and one
            // without pupils gives the incidents to its first person).
            if used.len() >= eligible {
                return *pupils.choose(rng).unwrap_or(&0);
            }
            loop {
                let p = *pupils.choose(rng).unwrap_or(&0);
                if school.people[p].year.is_some_and(|y| y >= 8) && used.insert(p) {
                    return p;
                }
            }
        }
    };
    let s = |term: &str| search_index(term);
    let google = CATALOGUE.iter().position(|x| x.host == "www.google.com").unwrap_or(0) as u16;
    let mut plans = Vec::new();
    let mut add = |rule: &'static str,
                   category: &'static str,
                   severity: &'static str,
                   summary: &str,
                   d: usize,
                   person: usize,
                   requests: Vec<(u32, u32, u16, Outcome, Option<u16>, u64)>| {
        let p = &school.people[person];
        let dev = &school.devices[p.device];
        plans.push(Plan {
            incident: Incident {
                id: String::new(),
                rule,
                category,
                severity,
                summary: summary.to_owned(),
                user: if p.role == Role::Guest {
                    "-".to_owned()
                } else {
                    p.username.clone()
                },
                device: dev.hostname.clone(),
                ip: dev.ip.clone(),
                product: None,
                first: String::new(),
                last: String::new(),
                count: 0,
                evidence: Vec::new(),
            },
            day: day(d),
            date: days[day(d)],
            person,
            requests,
        });
    };

    let gamble = pick_pupil(rng);
    let casino = incident_site("luckyspin-casino.example", "gambling");
    add(
        "breach.unacceptable",
        "gambling",
        "high",
        "Repeated attempts to reach a gambling site at lunchtime (all blocked)",
        1,
        gamble,
        (0..14)
            .map(|k| (12 * 60 + 8, k * 41 + 3, casino, Outcome::Denied, None, 3_950))
            .collect(),
    );

    let vpn_user = pick_pupil(rng);
    let nord = incident_site("nordvpn.com", "vpn-proxy");
    let proxy = incident_site("unblocked-proxy.example", "vpn-proxy");
    let mut reqs = vec![
        (
            11 * 60 + 14,
            5,
            google,
            Outcome::Miss,
            s("how to get past school wifi block vpn"),
            52_000,
        ),
        (
            11 * 60 + 15,
            40,
            google,
            Outcome::Miss,
            s("free vpn no download"),
            49_000,
        ),
    ];
    reqs.extend((0..5).map(|k| (11 * 60 + 16, k * 9, nord, Outcome::Denied, None, 3_960)));
    reqs.push((11 * 60 + 18, 12, proxy, Outcome::Denied, None, 3_940));
    add(
        "bypass.vpn",
        "vpn-proxy",
        "high",
        "Searched for ways round the filter, then tried a VPN service and a web proxy during a lesson",
        0,
        vpn_user,
        reqs,
    );

    let prevent = pick_pupil(rng);
    add(
        "keyword.prevent",
        "extremism",
        "critical",
        "Searches containing PREVENT focus terms during a lesson",
        2,
        prevent,
        vec![
            (
                13 * 60 + 5,
                17,
                google,
                Outcome::Miss,
                s("extremist recruitment videos"),
                51_000,
            ),
            (
                13 * 60 + 9,
                44,
                google,
                Outcome::Miss,
                s("far right rally near me"),
                47_000,
            ),
        ],
    );

    let harm = pick_pupil(rng);
    add(
        "keyword.self-harm",
        "self-harm",
        "critical",
        "Search suggesting risk of self-harm, after school",
        3,
        harm,
        vec![(
            15 * 60 + 41,
            8,
            google,
            Outcome::Miss,
            s("ways to self harm without anyone knowing"),
            50_500,
        )],
    );

    let big = *staff.choose(rng).unwrap_or(&0);
    let iso = incident_site("mirror.fictional-linux.example", "downloads");
    add(
        "usage.large-transfer",
        "downloads",
        "medium",
        "A 4.4 GB disk image downloaded during the school day",
        1,
        big,
        vec![(10 * 60 + 12, 30, iso, Outcome::Miss, None, 4_400_000_000)],
    );

    let doh_user = pick_pupil(rng);
    let doh = incident_site("cloudflare-dns.com", "doh");
    add(
        "bypass.doh",
        "doh",
        "medium",
        "A browser resolving names over DNS-over-HTTPS, bypassing the school's DNS filtering",
        4,
        doh_user,
        (0..24)
            .map(|k| {
                (
                    9 * 60 + k * 14,
                    7 + k,
                    doh,
                    Outcome::Tunnel,
                    None,
                    2_800 + u64::from(k) * 13,
                )
            })
            .collect(),
    );

    let ip_user = pick_pupil(rng);
    let bare = incident_site("203.0.113.45", "unknown");
    add(
        "bypass.direct-ip",
        "unknown",
        "medium",
        "HTTPS tunnels to a bare IP address (no host name for the filter to judge)",
        2,
        ip_user,
        (0..12)
            .map(|k| {
                (
                    14 * 60 + k * 3,
                    20,
                    bare,
                    Outcome::Tunnel,
                    None,
                    850_000 + u64::from(k) * 1_000,
                )
            })
            .collect(),
    );

    let adult_user = pick_pupil(rng);
    let adult = incident_site("adult-content.example", "adult");
    add(
        "breach.unacceptable",
        "adult",
        "high",
        "Attempts to reach an adult site after school (blocked)",
        0,
        adult_user,
        (0..3)
            .map(|k| (15 * 60 + 22, k * 25, adult, Outcome::Denied, None, 3_990))
            .collect(),
    );

    for (i, p) in plans.iter_mut().enumerate() {
        p.incident.id = format!("INC-{:02}", i + 1);
    }
    plans
}

fn incident_events(plans: &[Plan], day_index: usize) -> Vec<Event> {
    let mut out = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        if plan.day != day_index {
            continue;
        }
        for &(minute, sec, site, outcome, search, bytes) in &plan.requests {
            let elapsed = match outcome {
                Outcome::Denied => 1,
                _ if bytes > 100_000_000 => (bytes / 12_500) as u32,
                _ => 240 + sec * 3,
            };
            out.push(Event {
                ts: local_ms(plan.date, minute, sec * 1000 + 137),
                person: plan.person as u32,
                site,
                outcome,
                bytes,
                elapsed,
                path: 0,
                search,
                incident: (i + 1) as u16,
            });
        }
    }
    out
}

#[derive(Serialize)]
struct GroundTruth<'a> {
    about: &'static str,
    school: SchoolSummary,
    generator: GeneratorSummary,
    files: Vec<FileSummary<'a>>,
    incidents: &'a [Incident],
}

#[derive(Serialize)]
struct FileSummary<'a> {
    file: &'a str,
    lines: u64,
}

#[derive(Serialize)]
struct Subnet {
    name: &'static str,
    cidr: &'static str,
}

#[derive(Serialize)]
struct SchoolSummary {
    name: &'static str,
    domain: &'static str,
    netbios_domain: &'static str,
    time_zone: &'static str,
    staff: usize,
    pupils: usize,
    guests: usize,
    subnets: [Subnet; 6],
    infrastructure: Infrastructure,
}

/// The school's servers and edge, for a policy file or a detector's configuration.
#[derive(Serialize)]
struct Infrastructure {
    public_ip: &'static str,
    proxy: &'static str,
    dns_resolver: &'static str,
    dns_forwarders: [&'static str; 2],
    dhcp_server: &'static str,
    mail_relay: &'static str,
    mis_server: &'static str,
    firewall: &'static str,
    licence_server: &'static str,
    mail_domain: &'static str,
}

#[derive(Serialize)]
struct GeneratorSummary {
    vigil_version: &'static str,
    seed: u64,
    start: String,
    days: Vec<String>,
    scale: f64,
    rotate: bool,
}

fn write_ground_truth(
    opts: &GenerateOptions,
    school: &School,
    incidents: &[Incident],
    scale: f64,
    days: &[NaiveDate],
    files: &[(String, u64)],
) -> Result<()> {
    let count = |role| school.people.iter().filter(|p| p.role == role).count();
    let truth = GroundTruth {
        about: "Planted incidents in this generated, fictional school's logs. Each lists the rule \
                that must find it and the exact evidence lines (file relative to this directory, \
                1-based line; in CSV files the header and any line before it count). Everything \
                else is ordinary traffic. user, device and ip are \"-\" where the incident has \
                none; licence incidents name their product, and those whose evidence is an \
                inventory or register row take the time of the export (the last day, 17:45 \
                local) as first and last.",
        school: SchoolSummary {
            name: school::SCHOOL_NAME,
            domain: school::DNS_DOMAIN,
            netbios_domain: school::NETBIOS_DOMAIN,
            time_zone: "Europe/London",
            staff: count(Role::Staff),
            pupils: count(Role::Pupil),
            guests: count(Role::Guest),
            subnets: [
                Subnet {
                    name: "staff",
                    cidr: "10.40.10.0/23",
                },
                Subnet {
                    name: "pupils-ict",
                    cidr: "10.40.20.0/22",
                },
                Subnet {
                    name: "pupils-chromebooks",
                    cidr: "10.40.24.0/22",
                },
                Subnet {
                    name: "guest-wifi",
                    cidr: "10.40.99.0/24",
                },
                Subnet {
                    name: "servers",
                    cidr: "10.40.1.0/24",
                },
                Subnet {
                    name: "printers",
                    cidr: "10.40.5.0/24",
                },
            ],
            infrastructure: Infrastructure {
                public_ip: network::PUBLIC_IP,
                proxy: network::PROXY_IP,
                dns_resolver: network::RESOLVER_IP,
                dns_forwarders: network::FORWARDERS,
                dhcp_server: network::DHCP_IP,
                mail_relay: network::RELAY_IP,
                mis_server: network::MIS_IP,
                firewall: network::FIREWALL_NAME,
                licence_server: network::LICENCE_SERVER,
                mail_domain: school::DNS_DOMAIN,
            },
        },
        generator: GeneratorSummary {
            vigil_version: env!("CARGO_PKG_VERSION"),
            seed: opts.seed,
            start: opts.start.to_string(),
            days: days.iter().map(ToString::to_string).collect(),
            scale,
            rotate: opts.rotate,
        },
        files: files
            .iter()
            .map(|(file, lines)| FileSummary { file, lines: *lines })
            .collect(),
        incidents,
    };
    let mut json = serde_json::to_vec_pretty(&truth)?;
    json.push(b'\n');
    let path = opts.out.join("ground-truth.json");
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
