//! A policy made ready to apply: times in the school's zone, windows as minutes, groups as
//! compiled patterns and subnets, exemptions as UTC instants, thresholds with their defaults,
//! category lists and keyword lists loaded. Every detector reads the school through this.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Offset, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;

use crate::findings::Severity;
use crate::keywords::{self, KeywordSet};
use crate::lists::Categoriser;
use crate::policy::{self, Grade, Policy, Problem};

/// An address range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    addr: IpAddr,
    prefix: u8,
}

impl Subnet {
    /// Parses `10.40.20.0/22`, or a bare address as a one-address subnet.
    pub fn parse(s: &str) -> Option<Subnet> {
        if let Some((addr, prefix)) = policy::parse_subnet(s) {
            return Some(Subnet { addr, prefix });
        }
        let addr: IpAddr = s.trim().parse().ok()?;
        Some(Subnet {
            addr,
            prefix: if addr.is_ipv4() { 32 } else { 128 },
        })
    }

    /// Whether `ip` is inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix))
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix))
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Whether any subnet of `nets` contains `ip`.
pub fn any_contains(nets: &[Subnet], ip: Option<IpAddr>) -> bool {
    ip.is_some_and(|ip| nets.iter().any(|n| n.contains(ip)))
}

/// A compiled group.
#[derive(Debug, Clone)]
pub struct GroupRule {
    /// Its name.
    pub name: String,
    patterns: Vec<glob::Pattern>,
    subnets: Vec<Subnet>,
    members: HashSet<String>,
}

impl GroupRule {
    /// Whether a person (by user name) or a device (by address) belongs. A known user is judged
    /// by name patterns and lists; the address decides only when the group names no users or
    /// the user is unknown.
    pub fn contains(&self, user: Option<&str>, ip: Option<IpAddr>) -> bool {
        let by_name = !self.patterns.is_empty() || !self.members.is_empty();
        if let Some(u) = user
            && by_name
        {
            let opts = glob::MatchOptions {
                case_sensitive: false,
                require_literal_separator: false,
                require_literal_leading_dot: false,
            };
            return self.members.contains(&u.to_ascii_lowercase())
                || self.patterns.iter().any(|p| p.matches_with(u, opts));
        }
        any_contains(&self.subnets, ip)
    }
}

/// How a category is graded, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    /// Always acceptable.
    Acceptable,
    /// Acceptable within these windows, and at any time for these groups and users (the
    /// matrix's staff column: `streaming` in the windows for pupils, always for staff).
    CertainTimes {
        /// Windows.
        windows: Vec<String>,
        /// Groups for whom it is always acceptable.
        groups: Vec<String>,
        /// Users for whom it is always acceptable.
        users: Vec<String>,
    },
    /// Acceptable for these groups and users.
    Nominated {
        /// Groups.
        groups: Vec<String>,
        /// Users.
        users: Vec<String>,
    },
    /// Never acceptable.
    Unacceptable,
    /// Unacceptable and illegal.
    Illegal,
}

/// A compiled exemption.
#[derive(Debug, Clone)]
pub struct ExemptionRule {
    /// Index in the policy's list.
    pub index: usize,
    /// Category covered, or
    pub category: Option<String>,
    /// domain covered (and its subdomains).
    pub domain: Option<String>,
    /// Groups covered.
    pub groups: Vec<String>,
    /// Users covered.
    pub users: Vec<String>,
    /// Start, UTC ms.
    pub from: i64,
    /// End, UTC ms.
    pub to: i64,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
}

/// The verdict on one use of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Acceptable for this person at this time.
    Acceptable,
    /// Would breach the policy, but an exemption covers it (its index).
    Exempted(usize),
    /// Used outside its windows.
    OutsideWindows,
    /// Used by someone it is not nominated for.
    NotNominated,
    /// Unacceptable.
    Unacceptable,
    /// Illegal.
    Illegal,
}

/// A local time in the school's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    /// The date.
    pub date: NaiveDate,
    /// Minutes since local midnight.
    pub minute: u32,
    /// A school day (Monday to Friday).
    pub school_day: bool,
}

/// Thresholds with their defaults applied.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes per person per day.
    pub daily_bytes: u64,
    /// One transfer.
    pub single_transfer: u64,
    /// Share of school-hours bandwidth.
    pub peak_share: f64,
    /// Blocked requests that make a burst …
    pub block_burst: u32,
    /// … within this many minutes.
    pub block_burst_minutes: u32,
    /// Silence in a web or firewall source during school hours worth reporting, minutes.
    pub source_gap_minutes: u32,
    /// One person's weekly bytes in one leisure category worth listing.
    pub leisure_weekly_bytes: u64,
    /// Recipients that make mass mailing.
    pub mass_recipients: u32,
    /// A large message to an external domain.
    pub large_external: u64,
    /// Forwards to one external address that make auto-forwarding.
    pub forward_count: u32,
    /// Share of a sender's mail rejected or bounced worth a look.
    pub reject_rate: f64,
    /// Days before a licence's expiry that are reported, ascending.
    pub expiring_days: Vec<u32>,
}

/// The policy, ready to apply.
#[derive(Debug, Clone)]
pub struct Context {
    /// The policy as written.
    pub policy: Policy,
    /// The school's zone.
    pub tz: Tz,
    windows: HashMap<String, Vec<(u32, u32)>>,
    /// Groups, in policy order.
    pub groups: Vec<GroupRule>,
    levels: HashMap<String, Level>,
    /// Exemptions.
    pub exemptions: Vec<ExemptionRule>,
    /// Thresholds.
    pub limits: Limits,
    /// The school's resolvers.
    pub resolvers: Vec<Subnet>,
    /// The school's proxies and filters.
    pub proxies: Vec<Subnet>,
    /// Hosts allowed to reach the internet without the filter.
    pub not_filtered: Vec<Subnet>,
    /// Client subnets (the groups' subnets and `network.clients`).
    pub clients: Vec<Subnet>,
    /// The school's mail domains, lower case.
    pub domains: Vec<String>,
    /// Groups who may only mail inside the school.
    pub internal_only: Vec<String>,
    /// Host and URL categories.
    pub categories: Categoriser,
    /// Keyword lists.
    pub keywords: KeywordSet,
}

/// The built-in window name for times outside the school day (and all of non-school days).
pub const OUTSIDE_SCHOOL: &str = "outside-school";

impl Context {
    /// Reads and compiles a policy file; list and keyword files are relative to its directory.
    /// Every problem is returned, each with its line where known.
    pub fn load(path: &Path) -> Result<Context, Vec<Problem>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![Problem {
                line: None,
                key: String::new(),
                message: format!("cannot read the policy file: {e}"),
            }]
        })?;
        let policy = Policy::parse(&text).map_err(|p| vec![p])?;
        let problems = policy.check(&text);
        if !problems.is_empty() {
            return Err(problems);
        }
        Context::compile(policy, path.parent().unwrap_or(Path::new(".")))
    }

    /// The built-in policy of a typical school (the template `vigil init` writes).
    pub fn typical() -> Result<Context, Vec<Problem>> {
        let policy = Policy::parse(policy::TEMPLATE).map_err(|p| vec![p])?;
        Context::compile(policy, Path::new("."))
    }

    /// Compiles a checked policy; `base` is where relative file names start.
    pub fn compile(policy: Policy, base: &Path) -> Result<Context, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| {
            problems.push(Problem {
                line: None,
                key: key.to_owned(),
                message,
            })
        };
        let tz = vigil_parsers::time::parse_tz(&policy.school.timezone).unwrap_or(Tz::Europe__London);
        let windows = policy
            .windows
            .iter()
            .map(|(name, r)| {
                (
                    name.clone(),
                    r.texts().iter().filter_map(|t| policy::parse_range(t)).collect(),
                )
            })
            .collect();
        let mut groups = Vec::new();
        for (name, g) in &policy.groups {
            let mut patterns = Vec::new();
            for p in &g.users {
                match glob::Pattern::new(p) {
                    Ok(p) => patterns.push(p),
                    Err(e) => problem(&format!("groups.{name}.users"), format!("`{p}` is not a pattern: {e}")),
                }
            }
            let mut members = HashSet::new();
            if let Some(list) = &g.list {
                let path = base.join(list);
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        for line in text.lines() {
                            let first = line
                                .split([',', ';', '\t'])
                                .next()
                                .unwrap_or("")
                                .trim()
                                .trim_matches('"');
                            if !first.is_empty() && !first.starts_with('#') {
                                let mut canon = Vec::new();
                                vigil_parsers::user::canonical_into(first.as_bytes(), &mut canon);
                                members.insert(String::from_utf8_lossy(&canon).into_owned());
                            }
                        }
                    }
                    Err(e) => problem(
                        &format!("groups.{name}.list"),
                        format!("cannot read {}: {e}", path.display()),
                    ),
                }
            }
            groups.push(GroupRule {
                name: name.clone(),
                patterns,
                subnets: g.subnets.iter().filter_map(|s| Subnet::parse(s)).collect(),
                members,
            });
        }
        let levels = policy
            .categories
            .iter()
            .map(|(name, grade)| {
                let (windows, groups, users) = match grade {
                    Grade::Detailed(d) => (d.windows.clone(), d.groups.clone(), d.users.clone()),
                    Grade::Level(_) => Default::default(),
                };
                let level = match grade.level() {
                    "certain-times" => Level::CertainTimes { windows, groups, users },
                    "nominated" => Level::Nominated { groups, users },
                    "unacceptable" => Level::Unacceptable,
                    "illegal" => Level::Illegal,
                    _ => Level::Acceptable,
                };
                (name.clone(), level)
            })
            .collect();
        let to_utc = |s: &str| -> i64 {
            policy::parse_local(s)
                .map(|naive| match vigil_parsers::time::resolve_in(tz, naive) {
                    vigil_parsers::time::LocalResolution::Exact(ms) => ms,
                    vigil_parsers::time::LocalResolution::Ambiguous { early, .. } => early,
                })
                .unwrap_or(0)
        };
        let exemptions = policy
            .exemptions
            .iter()
            .enumerate()
            .map(|(index, e)| ExemptionRule {
                index,
                category: e.category.clone(),
                domain: e
                    .domain
                    .as_ref()
                    .map(|d| d.trim().trim_start_matches("*.").to_ascii_lowercase()),
                groups: e.groups.clone(),
                users: e.users.iter().map(|u| u.to_ascii_lowercase()).collect(),
                from: to_utc(&e.from),
                to: to_utc(&e.to),
                reason: e.reason.clone(),
                approved_by: e.approved_by.clone(),
            })
            .collect();
        let t = &policy.thresholds;
        let size = |v: &Option<String>, default: u64| v.as_deref().and_then(policy::parse_size).unwrap_or(default);
        let mut expiring_days = policy.licences.expiring_days.clone();
        if expiring_days.is_empty() {
            expiring_days = vec![30, 60, 90];
        }
        expiring_days.sort_unstable();
        let limits = Limits {
            daily_bytes: size(&t.daily_bytes, 4 << 30),
            single_transfer: size(&t.single_transfer, 1 << 30),
            peak_share: t.peak_share.unwrap_or(0.25),
            block_burst: t.block_burst.unwrap_or(20),
            block_burst_minutes: t.block_burst_minutes.unwrap_or(10),
            source_gap_minutes: t.source_gap_minutes.unwrap_or(60),
            leisure_weekly_bytes: size(&t.leisure_weekly_bytes, 2 << 30),
            mass_recipients: policy.mail.mass_recipients.unwrap_or(50),
            large_external: size(&policy.mail.large_external, 20_000_000),
            forward_count: policy.mail.forward_count.unwrap_or(5),
            reject_rate: policy.mail.reject_rate.unwrap_or(0.5),
            expiring_days,
        };
        // Addresses, groups and severities were checked with their lines by `Policy::check`.
        let nets = |list: &[String]| -> Vec<Subnet> { list.iter().filter_map(|s| Subnet::parse(s)).collect() };
        let resolvers = nets(&policy.network.resolvers);
        let proxies = nets(&policy.network.proxies);
        let not_filtered = nets(&policy.network.not_filtered);
        let mut clients = nets(&policy.network.clients);
        clients.extend(groups.iter().flat_map(|g| g.subnets.iter().copied()));
        let aliases: Vec<(String, String)> = policy
            .lists
            .aliases
            .iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        let mut categories = match Categoriser::new(&aliases, policy.lists.no_seeds) {
            Ok(c) => c,
            Err(e) => {
                problem("lists.aliases", e);
                Categoriser::default()
            }
        };
        for dir in &policy.lists.dirs {
            if let Err(e) = categories.load_dir(&base.join(dir)) {
                problem("lists.dirs", format!("cannot read the list directory {e}"));
            }
        }
        let keywords = match keyword_lists(&policy, base) {
            Ok(lists) => KeywordSet::new(lists).unwrap_or_else(|e| {
                problem("keywords", e);
                KeywordSet::empty()
            }),
            Err(list) => {
                for (k, m) in list {
                    problem(&k, m);
                }
                KeywordSet::empty()
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Context {
            tz,
            windows,
            groups,
            levels,
            exemptions,
            limits,
            resolvers,
            proxies,
            not_filtered,
            clients,
            domains: policy.school.domains.iter().map(|d| d.to_ascii_lowercase()).collect(),
            internal_only: policy.mail.internal_only.clone(),
            categories,
            keywords,
            policy,
        })
    }

    /// `ts` (UTC ms) in the school's zone.
    pub fn local(&self, ts: i64) -> Local {
        let utc = chrono::DateTime::from_timestamp_millis(ts).unwrap_or_default();
        let offset = self.tz.offset_from_utc_datetime(&utc.naive_utc()).fix();
        let local = utc.naive_utc() + chrono::Duration::seconds(i64::from(offset.local_minus_utc()));
        Local {
            date: local.date(),
            minute: local.hour() * 60 + local.minute(),
            school_day: is_school_date(local.date()),
        }
    }

    /// Whether a local time falls in the named window (windows apply on school days;
    /// [`OUTSIDE_SCHOOL`] is everything outside `school-day`, and all of other days).
    pub fn in_window(&self, name: &str, at: Local) -> bool {
        if name == OUTSIDE_SCHOOL {
            return !at.school_day || !self.in_window("school-day", at);
        }
        let Some(ranges) = self.windows.get(name) else {
            return false;
        };
        ranges.iter().any(|&(a, b)| {
            if a < b {
                at.school_day && a <= at.minute && at.minute < b
            } else {
                // Crossing midnight: the evening of a school day, or the early hours after one.
                (at.school_day && at.minute >= a)
                    || (at.minute < b && is_school_date(at.date.pred_opt().unwrap_or(at.date)))
            }
        })
    }

    /// Whether `at` is within school hours (the `school-day` window, else 08:00–16:00).
    pub fn school_hours(&self, at: Local) -> bool {
        if self.windows.contains_key("school-day") {
            self.in_window("school-day", at)
        } else {
            at.school_day && (480..960).contains(&at.minute)
        }
    }

    /// Whether a person or device is in the named group.
    pub fn in_group(&self, group: &str, user: Option<&str>, ip: Option<IpAddr>) -> bool {
        self.groups.iter().any(|g| g.name == group && g.contains(user, ip))
    }

    /// The names of the groups a person or device is in.
    pub fn groups_of(&self, user: Option<&str>, ip: Option<IpAddr>) -> Vec<&str> {
        self.groups
            .iter()
            .filter(|g| g.contains(user, ip))
            .map(|g| g.name.as_str())
            .collect()
    }

    /// The grade of a category (ungraded categories are acceptable).
    pub fn level(&self, category: &str) -> &Level {
        self.levels.get(category).unwrap_or(&Level::Acceptable)
    }

    /// The verdict on `user` at `ip` using `category` (at `host`) at `ts`.
    pub fn judge(
        &self,
        category: &str,
        host: Option<&str>,
        user: Option<&str>,
        ip: Option<IpAddr>,
        ts: i64,
    ) -> Verdict {
        let verdict = match self.level(category) {
            Level::Acceptable => return Verdict::Acceptable,
            Level::CertainTimes { windows, groups, users } => {
                let at = self.local(ts);
                if windows.iter().any(|w| self.in_window(w, at)) || self.named(groups, users, user, ip) {
                    return Verdict::Acceptable;
                }
                Verdict::OutsideWindows
            }
            Level::Nominated { groups, users } => {
                if self.named(groups, users, user, ip) {
                    return Verdict::Acceptable;
                }
                Verdict::NotNominated
            }
            Level::Unacceptable => Verdict::Unacceptable,
            // Illegal content is never exempted.
            Level::Illegal => return Verdict::Illegal,
        };
        match self.exemption(category, host, user, ip, ts) {
            Some(i) => Verdict::Exempted(i),
            None => verdict,
        }
    }

    /// Whether a person is one of `users` or in one of `groups`.
    fn named(&self, groups: &[String], users: &[String], user: Option<&str>, ip: Option<IpAddr>) -> bool {
        user.is_some_and(|u| users.iter().any(|n| n.eq_ignore_ascii_case(u)))
            || groups.iter().any(|g| self.in_group(g, user, ip))
    }

    /// The exemption covering this use, if any (an expired one covers nothing).
    pub fn exemption(
        &self,
        category: &str,
        host: Option<&str>,
        user: Option<&str>,
        ip: Option<IpAddr>,
        ts: i64,
    ) -> Option<usize> {
        self.exemptions
            .iter()
            .find(|e| {
                let what = match (&e.category, &e.domain) {
                    (Some(c), _) => c == category,
                    (None, Some(d)) => host.is_some_and(|h| {
                        let h = h.to_ascii_lowercase();
                        h == *d || h.ends_with(&format!(".{d}"))
                    }),
                    (None, None) => false,
                };
                let who = user.is_some_and(|u| e.users.iter().any(|n| n == &u.to_ascii_lowercase()))
                    || e.groups.iter().any(|g| self.in_group(g, user, ip));
                what && who && e.from <= ts && ts < e.to
            })
            .map(|e| e.index)
    }

    /// Whether a mail domain is the school's (or a subdomain of one).
    pub fn is_school_domain(&self, domain: &str) -> bool {
        let d = domain.trim().to_ascii_lowercase();
        self.domains.iter().any(|s| d == *s || d.ends_with(&format!(".{s}")))
    }

    /// The school's account name for a mail address (`jsmith@school.example` → `jsmith`), or
    /// `None` for an external address.
    pub fn account_of(&self, address: &str) -> Option<String> {
        let (local, domain) = address.rsplit_once('@')?;
        self.is_school_domain(domain).then(|| local.to_ascii_lowercase())
    }
}

/// The built-in lists with the policy's severities, plus the school's files.
/// Whether a date is a school day (Monday to Friday).
pub fn is_school_date(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A keyword list: name, severity, terms.
type TermList = (String, Severity, Vec<String>);

fn keyword_lists(policy: &Policy, base: &Path) -> Result<Vec<TermList>, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut lists: Vec<TermList> = Vec::new();
    for b in keywords::BUILT_IN {
        match policy.keywords.severity.get(b.name).map(String::as_str) {
            Some("off") => continue,
            Some(s) => lists.push((
                b.name.to_owned(),
                Severity::parse(s).unwrap_or(b.severity),
                terms(b.terms),
            )),
            None => lists.push((b.name.to_owned(), b.severity, terms(b.terms))),
        }
    }
    for (i, f) in policy.keywords.files.iter().enumerate() {
        let path = base.join(&f.path);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push((
                    format!("keywords.files[{i}]"),
                    format!("cannot read {}: {e}", path.display()),
                ));
                continue;
            }
        };
        let severity = match f.severity.as_deref().map(Severity::parse) {
            Some(Some(s)) => s,
            Some(None) => {
                problems.push((format!("keywords.files[{i}].severity"), "not a severity".to_owned()));
                continue;
            }
            None => lists.iter().find(|l| l.0 == f.list).map_or(Severity::Medium, |l| l.1),
        };
        let new: Vec<String> = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        lists.push((f.list.clone(), severity, new));
    }
    if problems.is_empty() { Ok(lists) } else { Err(problems) }
}

fn terms(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .timestamp_millis()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn grades_follow_windows_groups_and_exemptions() {
        let cx = Context::typical().expect("template compiles");
        // Social media: acceptable at lunch (12:20–13:05 local), not in a lesson.
        let lunch = ms("2026-11-17T12:30:00Z");
        let lesson = ms("2026-11-17T09:30:00Z");
        assert_eq!(
            cx.judge("social-media", None, Some("20abc"), None, lunch),
            Verdict::Acceptable
        );
        assert_eq!(
            cx.judge("social-media", None, Some("20abc"), None, lesson),
            Verdict::OutsideWindows
        );
        // Nominated for staff: by user-name pattern, or by subnet for an unknown user.
        assert_eq!(
            cx.judge("webmail", None, Some("jsmith"), None, lesson),
            Verdict::Acceptable
        );
        assert_eq!(
            cx.judge("webmail", None, Some("20abc"), None, lesson),
            Verdict::NotNominated
        );
        assert_eq!(
            cx.judge("webmail", None, None, ip("10.40.10.7"), lesson),
            Verdict::Acceptable
        );
        assert_eq!(
            cx.judge("webmail", None, None, ip("10.40.20.7"), lesson),
            Verdict::NotNominated
        );
        assert_eq!(
            cx.judge("gambling", None, Some("jsmith"), None, lesson),
            Verdict::Unacceptable
        );
        assert_eq!(
            cx.judge("child-abuse", None, Some("jsmith"), None, lesson),
            Verdict::Illegal
        );
        // The template's exemption: games for pupils on 18 Nov 11:00–12:20 local.
        let inside = ms("2026-11-18T11:30:00Z");
        assert_eq!(
            cx.judge("games", None, Some("20abc"), None, inside),
            Verdict::Exempted(0)
        );
        assert_eq!(
            cx.judge("games", None, Some("20abc"), None, ms("2026-11-18T12:30:00Z")),
            Verdict::OutsideWindows
        );
        assert_eq!(
            cx.judge("games", None, Some("20abc"), None, ms("2026-11-19T11:30:00Z")),
            Verdict::OutsideWindows
        );
    }

    #[test]
    fn local_time_follows_bst_and_gmt() {
        let cx = Context::typical().expect("template compiles");
        // 12:30 BST is 11:30 UTC in summer; 12:30 GMT is 12:30 UTC in winter.
        let summer = cx.local(ms("2026-06-17T11:30:00Z"));
        assert_eq!(summer.minute, 12 * 60 + 30);
        let winter = cx.local(ms("2026-11-17T12:30:00Z"));
        assert_eq!(winter.minute, 12 * 60 + 30);
        // The last Sunday of October: 00:30 UTC is 01:30 BST, 01:30 UTC is 01:30 GMT.
        assert_eq!(cx.local(ms("2026-10-25T00:30:00Z")).minute, 90);
        assert_eq!(cx.local(ms("2026-10-25T01:30:00Z")).minute, 90);
        assert!(!cx.local(ms("2026-10-25T01:30:00Z")).school_day, "a Sunday");
        // Outside school: evenings and weekends.
        assert!(cx.in_window(OUTSIDE_SCHOOL, cx.local(ms("2026-11-17T20:00:00Z"))));
        assert!(cx.in_window(OUTSIDE_SCHOOL, cx.local(ms("2026-11-21T10:00:00Z"))));
        assert!(!cx.in_window(OUTSIDE_SCHOOL, cx.local(ms("2026-11-17T10:00:00Z"))));
    }

    #[test]
    fn windows_cross_midnight_and_follow_the_clock_change() {
        let text = format!(
            "{}\n",
            policy::TEMPLATE.replace(
                "after-school = \"15:20-17:30\"",
                "after-school = \"15:20-17:30\"\nevening = \"18:00-07:00\""
            )
        );
        let p = Policy::parse(&text).expect("parses");
        assert_eq!(p.check(&text), Vec::new());
        let cx = Context::compile(p, Path::new(".")).expect("compiles");
        // Tuesday 22:00 and Wednesday 06:30 are in the evening window; Wednesday 07:30 is not.
        assert!(cx.in_window("evening", cx.local(ms("2026-11-17T22:00:00Z"))));
        assert!(cx.in_window("evening", cx.local(ms("2026-11-18T06:30:00Z"))));
        assert!(!cx.in_window("evening", cx.local(ms("2026-11-18T07:30:00Z"))));
        // Saturday 06:30 follows Friday evening; Monday 06:30 follows a Sunday.
        assert!(cx.in_window("evening", cx.local(ms("2026-11-21T06:30:00Z"))));
        assert!(!cx.in_window("evening", cx.local(ms("2026-11-23T06:30:00Z"))));
        // Lunch 12:20–13:05 local: 11:30 UTC is lunch in summer (BST), not in winter (GMT).
        assert!(cx.in_window("lunch", cx.local(ms("2026-06-17T11:30:00Z"))));
        assert!(!cx.in_window("lunch", cx.local(ms("2026-11-17T11:30:00Z"))));
        // The Friday before and the Monday after the October change, same local lunchtime.
        assert!(cx.in_window("lunch", cx.local(ms("2026-10-23T11:30:00Z"))));
        assert!(cx.in_window("lunch", cx.local(ms("2026-10-26T12:30:00Z"))));
    }

    #[test]
    fn groups_from_a_csv_list() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = "Username,Name\n\"KBA\\20ann\",Ann\n20bob,Bob\n# a comment\n";
        std::fs::write(dir.path().join("year9.csv"), list).expect("write");
        let games = "games = { level = \"certain-times\", windows = [\"after-school\", \"outside-school\"] }";
        assert!(policy::TEMPLATE.contains(games));
        let text = policy::TEMPLATE.replace(games, "games = { level = \"nominated\", groups = [\"year9\"] }")
            + "\n[groups.year9]\nlist = \"year9.csv\"\n";
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, &text).expect("write");
        let cx = Context::load(&path).expect("policy");
        let lesson = ms("2026-11-17T09:30:00Z");
        assert_eq!(
            cx.judge("games", None, Some("20ann"), None, lesson),
            Verdict::Acceptable
        );
        assert_eq!(
            cx.judge("games", None, Some("20BOB"), None, lesson),
            Verdict::Acceptable
        );
        assert_eq!(
            cx.judge("games", None, Some("20cat"), None, lesson),
            Verdict::NotNominated
        );
        // A list that cannot be read is a problem naming the group.
        std::fs::remove_file(dir.path().join("year9.csv")).expect("rm");
        let problems = Context::load(&path).expect_err("missing list");
        assert!(problems.iter().any(|p| p.key == "groups.year9.list"), "{problems:?}");
    }

    #[test]
    fn subnets_and_mail_domains() {
        let n = Subnet::parse("10.40.20.0/22").expect("subnet");
        assert!(n.contains("10.40.23.255".parse().expect("ip")));
        assert!(!n.contains("10.40.24.0".parse().expect("ip")));
        assert!(
            Subnet::parse("10.40.1.53")
                .expect("host")
                .contains("10.40.1.53".parse().expect("ip"))
        );
        let cx = Context::typical().expect("template compiles");
        assert_eq!(cx.account_of("JSmith@kestrelbrook.example").as_deref(), Some("jsmith"));
        assert_eq!(cx.account_of("a@else.example"), None);
    }
}
