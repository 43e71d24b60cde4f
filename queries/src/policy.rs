//! The school's policy file (DESIGN.md §5): one TOML file grading each content category
//! (`acceptable`, `certain-times`, `nominated`, `unacceptable`, `illegal`), the timetable windows
//! and groups those grades refer to, temporary teaching exemptions, and thresholds. `vigil init`
//! writes a commented template; [`Policy::parse`] reads one and [`Policy::check`] lists every
//! problem with the key and line it is on.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::categories;

/// A whole policy file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    /// The school.
    pub school: School,
    /// Named daily windows of school days, in local time (`lunch = "12:20-13:05"`).
    #[serde(default)]
    pub windows: BTreeMap<String, Ranges>,
    /// Named groups of people and devices.
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    /// The grade of each category.
    #[serde(default)]
    pub categories: BTreeMap<String, Grade>,
    /// Temporary unblocks for teaching.
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// Limits of fair use and alerting.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The school's network: resolvers, proxies, hosts that may bypass the filter.
    #[serde(default)]
    pub network: Network,
    /// Mail rules.
    #[serde(default)]
    pub mail: MailRules,
    /// Where categories come from besides the filter's own: list directories and aliases.
    #[serde(default)]
    pub lists: Lists,
    /// Keyword lists and their severities.
    #[serde(default)]
    pub keywords: Keywords,
    /// Licence rules.
    #[serde(default)]
    pub licences: LicenceRules,
    /// Header names of an unrecognised web-filter CSV export (field = header name or names),
    /// with `date-order`.
    #[serde(default)]
    pub web_csv: Option<toml::Table>,
}

/// The school's network, as the rules need it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Network {
    /// The school's own DNS resolvers (addresses or subnets): DNS to others is a bypass.
    #[serde(default)]
    pub resolvers: Vec<String>,
    /// The web proxies or filters (addresses or subnets): their own traffic is not a client's.
    #[serde(default)]
    pub proxies: Vec<String>,
    /// Hosts allowed to reach the internet without the filter (servers, printers).
    #[serde(default)]
    pub not_filtered: Vec<String>,
    /// Client subnets, when they are not all in the groups' subnets.
    #[serde(default)]
    pub clients: Vec<String>,
    /// Whether the school blocks QUIC (UDP 443), so that attempts are worth reporting.
    #[serde(default)]
    pub block_quic: bool,
}

/// Mail rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MailRules {
    /// Groups who may only mail the school's own domains.
    #[serde(default)]
    pub internal_only: Vec<String>,
    /// Recipients of one message (or of one sender within an hour) that make mass mailing.
    #[serde(default)]
    pub mass_recipients: Option<u32>,
    /// A message to an external domain at least this big (`"20 MB"`).
    #[serde(default)]
    pub large_external: Option<String>,
    /// Forwards of received mail to one external address that make auto-forwarding.
    #[serde(default)]
    pub forward_count: Option<u32>,
    /// Share of a sender's messages rejected or bounced that is worth a look (0–1).
    #[serde(default)]
    pub reject_rate: Option<f64>,
}

/// Category lists and vendor aliases.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Lists {
    /// Directories in squidGuard/UT1 layout (`DIR/<category>/domains`, `DIR/<category>/urls`),
    /// relative to the policy file; their entries win over vigil's built-in seed lists.
    #[serde(default)]
    pub dirs: Vec<String>,
    /// Extra vendor category names → vigil categories (`"Gambling Sites" = "gambling"`).
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Leave out vigil's built-in seed lists.
    #[serde(default)]
    pub no_seeds: bool,
}

/// Keyword lists.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Keywords {
    /// Severity of each built-in list (`prevent = "critical"`), or `"off"`.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// The school's own lists: files of one term a line (`*` ends a prefix, `#` comments).
    #[serde(default)]
    pub files: Vec<KeywordFile>,
}

/// A keyword file of the school's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KeywordFile {
    /// The file, relative to the policy file.
    pub path: String,
    /// The list it adds to: a built-in list (`prevent`) or `custom`.
    #[serde(default = "custom")]
    pub list: String,
    /// Severity of its matches (default: the list's).
    #[serde(default)]
    pub severity: Option<String>,
}

fn custom() -> String {
    "custom".to_owned()
}

/// Licence rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LicenceRules {
    /// Days before expiry that are reported (default 30, 60, 90).
    #[serde(default)]
    pub expiring_days: Vec<u32>,
}

/// The school.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct School {
    /// Its name, printed on reports.
    pub name: String,
    /// Its IANA time zone.
    #[serde(default = "default_tz")]
    pub timezone: String,
    /// Its mail domains (mail to others is external).
    #[serde(default)]
    pub domains: Vec<String>,
}

fn default_tz() -> String {
    "Europe/London".to_owned()
}

/// One time range or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Ranges {
    /// `"12:20-13:05"`.
    One(String),
    /// `["08:40-10:40", "11:00-12:20"]`.
    Many(Vec<String>),
}

impl Ranges {
    /// The ranges as written.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Ranges::One(s) => vec![s.as_str()],
            Ranges::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A group: who is in it, by user-name pattern, subnet or list file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Group {
    /// User-name patterns, case-insensitive: `*` any run of characters, `?` one, `[0-9]` one of
    /// a set (`"[0-9][0-9]*"`: names starting with two digits).
    #[serde(default)]
    pub users: Vec<String>,
    /// Address ranges (`10.40.20.0/22`).
    #[serde(default)]
    pub subnets: Vec<String>,
    /// A CSV file of members (user names in the first column).
    #[serde(default)]
    pub list: Option<String>,
}

/// How a category is graded: a bare level, or a table with the level's windows or people.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Grade {
    /// `gambling = "unacceptable"`.
    Level(String),
    /// `social-media = { level = "certain-times", windows = ["lunch"] }`.
    Detailed(GradeDetail),
}

/// A graded category with its conditions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GradeDetail {
    /// The level.
    pub level: String,
    /// For `certain-times`: the windows when it is acceptable.
    #[serde(default)]
    pub windows: Vec<String>,
    /// For `nominated`: the groups for whom it is acceptable; for `certain-times`, those for
    /// whom it is acceptable at any time.
    #[serde(default)]
    pub groups: Vec<String>,
    /// For `nominated`: the users for whom it is acceptable (for `certain-times`: at any time).
    #[serde(default)]
    pub users: Vec<String>,
}

impl Grade {
    /// The level's name.
    pub fn level(&self) -> &str {
        match self {
            Grade::Level(l) => l,
            Grade::Detailed(d) => &d.level,
        }
    }
}

/// The levels of the seed policies' matrix.
pub const LEVELS: [&str; 5] = ["acceptable", "certain-times", "nominated", "unacceptable", "illegal"];

/// A temporary unblock for teaching.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exemption {
    /// The category unblocked (or use `domain`).
    #[serde(default)]
    pub category: Option<String>,
    /// The domain unblocked (or use `category`).
    #[serde(default)]
    pub domain: Option<String>,
    /// Groups covered.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Users covered.
    #[serde(default)]
    pub users: Vec<String>,
    /// Start, local time `YYYY-MM-DD HH:MM`.
    pub from: String,
    /// End, local time `YYYY-MM-DD HH:MM`.
    pub to: String,
    /// Why (the lesson).
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
}

/// Limits of fair use and alerting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Thresholds {
    /// Bytes per user per day (`"2 GiB"`).
    #[serde(default)]
    pub daily_bytes: Option<String>,
    /// One transfer (`"1 GiB"`).
    #[serde(default)]
    pub single_transfer: Option<String>,
    /// Share of school-hours bandwidth one person may take (0–1).
    #[serde(default)]
    pub peak_share: Option<f64>,
    /// Blocked requests in `block-burst-minutes` that make a burst.
    #[serde(default)]
    pub block_burst: Option<u32>,
    /// The burst window in minutes.
    #[serde(default)]
    pub block_burst_minutes: Option<u32>,
    /// Minutes of silence in a web or firewall source during school hours worth reporting.
    #[serde(default)]
    pub source_gap_minutes: Option<u32>,
    /// Bytes one person moves in a week in one leisure category (streaming, games, music,
    /// social media, file sharing) worth listing (`"2 GiB"`).
    #[serde(default)]
    pub leisure_weekly_bytes: Option<String>,
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The key, dotted (`categories.social-media`).
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl Policy {
    /// Reads a policy; a syntax error or an unknown key is one problem with its line.
    pub fn parse(text: &str) -> Result<Policy, Problem> {
        toml::from_str(text).map_err(|e| Problem {
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            key: String::new(),
            message: e.message().trim().to_owned(),
        })
    }

    /// Every problem in a policy that parsed: unknown categories, levels, windows and groups,
    /// malformed or overlapping times, bad subnets, sizes and exemptions. `text` is the file,
    /// for line numbers.
    pub fn check(&self, text: &str) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut problem = |section: &str, key: &str, message: String| {
            out.push(Problem {
                line: line_of(text, section, key),
                key: if section.is_empty() {
                    key.to_owned()
                } else {
                    format!("{section}.{key}")
                },
                message,
            });
        };
        if vigil_parsers::time::parse_tz(&self.school.timezone).is_err() {
            problem(
                "school",
                "timezone",
                format!(
                    "`{}` is not an IANA time zone such as Europe/London",
                    self.school.timezone
                ),
            );
        }
        // Windows: well-formed ranges, no overlap within a window, and none between windows
        // (except `school-day`, which spans the others).
        let mut spans: Vec<(String, u32, u32)> = Vec::new();
        for (name, ranges) in &self.windows {
            let mut own: Vec<(u32, u32)> = Vec::new();
            for text_range in ranges.texts() {
                match parse_range(text_range) {
                    Some((a, b)) => {
                        if own.iter().any(|&(x, y)| a < y && x < b) {
                            problem(
                                "windows",
                                name,
                                format!("`{text_range}` overlaps another range of the same window"),
                            );
                        }
                        own.push((a, b));
                    }
                    None => problem(
                        "windows",
                        name,
                        format!(
                            "`{text_range}` is not a time range such as \"12:20-13:05\" or \"18:00-07:00\" (24-hour HH:MM-HH:MM)"
                        ),
                    ),
                }
            }
            if name != "school-day" {
                for &(a, b) in &own {
                    if let Some((other, _, _)) = spans.iter().find(|(_, x, y)| a < *y && *x < b) {
                        problem(
                            "windows",
                            name,
                            format!(
                                "overlaps window `{other}`; a time belongs to one window (only `school-day` may span others)"
                            ),
                        );
                    }
                }
                spans.extend(own.iter().map(|&(a, b)| (name.clone(), a, b)));
            }
        }
        for (name, g) in &self.groups {
            if g.users.is_empty() && g.subnets.is_empty() && g.list.is_none() {
                problem(
                    "groups",
                    name,
                    "has no members: give users patterns, subnets or a list file".to_owned(),
                );
            }
            for s in &g.subnets {
                if parse_subnet(s).is_none() {
                    problem(
                        &format!("groups.{name}"),
                        "subnets",
                        format!("`{s}` is not a subnet such as 10.40.20.0/22"),
                    );
                }
            }
        }
        for (name, grade) in &self.categories {
            if categories::category(name).is_none() {
                let known: Vec<&str> = categories::CATEGORIES.iter().map(|c| c.name).collect();
                problem(
                    "categories",
                    name,
                    format!("unknown category (vigil's categories: {})", known.join(", ")),
                );
            }
            let level = grade.level();
            if !LEVELS.contains(&level) {
                problem(
                    "categories",
                    name,
                    format!("unknown level `{level}` (one of: {})", LEVELS.join(", ")),
                );
                continue;
            }
            let detail = match grade {
                Grade::Detailed(d) => Some(d),
                Grade::Level(_) => None,
            };
            match level {
                "certain-times" => match detail.filter(|d| !d.windows.is_empty()) {
                    None => problem(
                        "categories",
                        name,
                        "`certain-times` needs `windows = [...]` naming when it is acceptable".to_owned(),
                    ),
                    Some(d) => {
                        for w in d
                            .windows
                            .iter()
                            .filter(|w| !self.windows.contains_key(*w) && *w != "outside-school")
                        {
                            problem("categories", name, format!("window `{w}` is not defined in [windows]"));
                        }
                        for g in d.groups.iter().filter(|g| !self.groups.contains_key(*g)) {
                            problem("categories", name, format!("group `{g}` is not defined in [groups]"));
                        }
                    }
                },
                "nominated" => match detail.filter(|d| !d.groups.is_empty() || !d.users.is_empty()) {
                    None => problem(
                        "categories",
                        name,
                        "`nominated` needs `groups` or `users` for whom it is acceptable".to_owned(),
                    ),
                    Some(d) => {
                        for g in d.groups.iter().filter(|g| !self.groups.contains_key(*g)) {
                            problem("categories", name, format!("group `{g}` is not defined in [groups]"));
                        }
                    }
                },
                _ => {}
            }
        }
        for (i, e) in self.exemptions.iter().enumerate() {
            let key = format!("exemptions[{i}]");
            let line = exemption_line(text, i);
            let mut p = |message: String| {
                out.push(Problem {
                    line,
                    key: key.clone(),
                    message,
                })
            };
            match (&e.category, &e.domain) {
                (Some(c), None) if categories::category(c).is_none() => p(format!("unknown category `{c}`")),
                (Some(_), None) | (None, Some(_)) => {}
                _ => p("give exactly one of `category` or `domain`".to_owned()),
            }
            if e.groups.is_empty() && e.users.is_empty() {
                p("covers nobody: give `groups` or `users`".to_owned());
            }
            for g in e.groups.iter().filter(|g| !self.groups.contains_key(*g)) {
                p(format!("group `{g}` is not defined in [groups]"));
            }
            match (parse_local(&e.from), parse_local(&e.to)) {
                (Some(a), Some(b)) if a < b => {}
                (Some(_), Some(_)) => p("`from` must be before `to`".to_owned()),
                _ => p("`from` and `to` must be local times such as \"2026-11-18 10:00\"".to_owned()),
            }
            if e.reason.trim().is_empty() || e.approved_by.trim().is_empty() {
                p("an exemption must say why (`reason`) and who approved it (`approved-by`)".to_owned());
            }
        }
        for (key, v) in [
            ("daily-bytes", &self.thresholds.daily_bytes),
            ("single-transfer", &self.thresholds.single_transfer),
            ("leisure-weekly-bytes", &self.thresholds.leisure_weekly_bytes),
        ] {
            if let Some(v) = v
                && parse_size(v).is_none()
            {
                out.push(Problem {
                    line: line_of(text, "thresholds", key),
                    key: format!("thresholds.{key}"),
                    message: format!("`{v}` is not a size such as \"2 GiB\" or \"500 MB\""),
                });
            }
        }
        for (key, list) in [
            ("resolvers", &self.network.resolvers),
            ("proxies", &self.network.proxies),
            ("not-filtered", &self.network.not_filtered),
            ("clients", &self.network.clients),
        ] {
            for v in list {
                let host: Option<std::net::IpAddr> = v.trim().parse().ok();
                if parse_subnet(v).is_none() && host.is_none() {
                    out.push(Problem {
                        line: line_of(text, "network", key),
                        key: format!("network.{key}"),
                        message: format!("`{v}` is not an address or subnet such as 10.40.1.53 or 10.40.1.0/24"),
                    });
                }
            }
        }
        for g in self.mail.internal_only.iter().filter(|g| !self.groups.contains_key(*g)) {
            out.push(Problem {
                line: line_of(text, "mail", "internal-only"),
                key: "mail.internal-only".to_owned(),
                message: format!("group `{g}` is not defined in [groups]"),
            });
        }
        if let Some(v) = &self.mail.large_external
            && parse_size(v).is_none()
        {
            out.push(Problem {
                line: line_of(text, "mail", "large-external"),
                key: "mail.large-external".to_owned(),
                message: format!("`{v}` is not a size such as \"20 MB\""),
            });
        }
        if let Some(r) = self.mail.reject_rate
            && !(0.0..=1.0).contains(&r)
        {
            out.push(Problem {
                line: line_of(text, "mail", "reject-rate"),
                key: "mail.reject-rate".to_owned(),
                message: "must be a share between 0 and 1 (0.5 for half)".to_owned(),
            });
        }
        for (vendor, ours) in &self.lists.aliases {
            if categories::category(ours).is_none() {
                out.push(Problem {
                    line: line_of(text, "lists", "aliases").or_else(|| line_of(text, "lists.aliases", vendor)),
                    key: format!("lists.aliases.{vendor}"),
                    message: format!("`{ours}` is not one of vigil's categories"),
                });
            }
        }
        let lists: Vec<&str> = crate::keywords::BUILT_IN.iter().map(|b| b.name).collect();
        for (list, sev) in &self.keywords.severity {
            let known_sev = ["critical", "high", "medium", "low", "info", "off"].contains(&sev.as_str());
            if !lists.contains(&list.as_str()) || !known_sev {
                out.push(Problem {
                    line: line_of(text, "keywords", "severity").or_else(|| line_of(text, "keywords.severity", list)),
                    key: format!("keywords.severity.{list}"),
                    message: format!(
                        "give a built-in list ({}) a severity (critical, high, medium, low, info) or \"off\"",
                        lists.join(", ")
                    ),
                });
            }
        }
        for (name, g) in &self.groups {
            for p in g.users.iter().filter(|p| glob::Pattern::new(p).is_err()) {
                out.push(Problem {
                    line: line_of(text, &format!("groups.{name}"), "users"),
                    key: format!("groups.{name}.users"),
                    message: format!("`{p}` is not a pattern (* any run, ? one character, [0-9] one of a set)"),
                });
            }
        }
        if let Some(s) = self.thresholds.peak_share
            && !(0.0..=1.0).contains(&s)
        {
            out.push(Problem {
                line: line_of(text, "thresholds", "peak-share"),
                key: "thresholds.peak-share".to_owned(),
                message: "must be a share between 0 and 1 (0.25 for a quarter)".to_owned(),
            });
        }
        out
    }
}

/// `HH:MM-HH:MM` as minutes since midnight; a start after the end crosses midnight
/// (`"18:00-07:00"`); equal times are refused.
pub fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_hm(a.trim())?, parse_hm(b.trim())?);
    (a != b).then_some((a, b))
}

/// A range as one or two spans within a day (a range crossing midnight is split in two).
pub fn day_spans((a, b): (u32, u32)) -> Vec<(u32, u32)> {
    if a < b {
        vec![(a, b)]
    } else {
        vec![(a, 24 * 60), (0, b)]
    }
}

fn parse_hm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() <= 5).then_some(h * 60 + m)
}

/// A local date and time `YYYY-MM-DD HH:MM`.
pub fn parse_local(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M").ok()
}

/// A subnet `address/prefix` (IPv4 or IPv6).
pub fn parse_subnet(s: &str) -> Option<(std::net::IpAddr, u8)> {
    let (addr, prefix) = s.split_once('/')?;
    let addr: std::net::IpAddr = addr.parse().ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((addr, prefix))
}

/// A size such as `2 GiB`, `500 MB`, `1.5GB` in bytes (KB/MB/GB are powers of 1000, KiB/MiB/GiB
/// of 1024).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    (n >= 0.0).then(|| (n * mult).round() as u64)
}

/// The line of `key = …` inside `[section]` (or at the top level for an empty section).
fn line_of(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
            current = h.trim_matches(|c| c == '[' || c == ' ').to_owned();
            continue;
        }
        let k = t.split('=').next().unwrap_or("").trim().trim_matches('"');
        if current == section && k == key && t.contains('=') {
            return Some(i + 1);
        }
    }
    None
}

/// The line of the `i`-th `[[exemptions]]` header.
fn exemption_line(text: &str, i: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[exemptions]]")
        .nth(i)
        .map(|(n, _)| n + 1)
}

/// The commented policy template `vigil init` writes, for a typical secondary school.
pub const TEMPLATE: &str = include_str!("policy-template.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_a_valid_policy() {
        let p = Policy::parse(TEMPLATE).expect("template parses");
        assert_eq!(p.check(TEMPLATE), Vec::new());
        assert!(p.categories.len() >= 20, "the template grades the categories");
        assert!(!p.exemptions.is_empty(), "the template shows an exemption");
    }

    #[test]
    fn problems_name_the_key_and_line() {
        let text = "[school]\nname = \"X\"\n\n[windows]\nlunch = \"12:20-13:05\"\nbreak = \"12:00-12:30\"\nlessons = \"25:00-26:00\"\n\n[groups.pupils]\nsubnets = [\"10.40.20.0/33\"]\n\n[categories]\ngambling = \"unacceptable\"\nkittens = \"acceptable\"\nsocial-media = { level = \"certain-times\", windows = [\"supper\"] }\ngames = \"sometimes\"\n\n[[exemptions]]\ncategory = \"games\"\ngroups = [\"year9\"]\nfrom = \"2026-11-18 11:00\"\nto = \"2026-11-18 10:00\"\nreason = \"\"\napproved-by = \"Head\"\n";
        let p = Policy::parse(text).expect("parses");
        let got: Vec<String> = p.check(text).iter().map(ToString::to_string).collect();
        for want in [
            "line 5: windows.lunch: overlaps window `break`",
            "line 7: windows.lessons: `25:00-26:00` is not a time range",
            "line 10: groups.pupils.subnets: `10.40.20.0/33` is not a subnet",
            "line 14: categories.kittens: unknown category",
            "line 15: categories.social-media: window `supper` is not defined",
            "line 16: categories.games: unknown level `sometimes`",
            "line 18: exemptions[0]: group `year9` is not defined",
            "line 18: exemptions[0]: `from` must be before `to`",
            "line 18: exemptions[0]: an exemption must say why",
        ] {
            assert!(got.iter().any(|g| g.starts_with(want)), "missing {want:?} in {got:#?}");
        }
        assert_eq!(got.len(), 9, "{got:#?}");
    }

    #[test]
    fn network_mail_lists_and_keyword_sections_are_checked() {
        let text = "[school]\nname = \"X\"\n\n[groups.pupils]\nusers = [\"[0-9\"]\n\n[network]\nresolvers = [\"10.40.1.300\"]\n\n[mail]\ninternal-only = [\"year7\"]\nreject-rate = 2.0\nlarge-external = \"big\"\n\n[lists]\naliases = { \"Betting\" = \"wagers\" }\n\n[keywords]\nseverity = { prevent = \"urgent\" }\n";
        let p = Policy::parse(text).expect("parses");
        let got: Vec<String> = p.check(text).iter().map(ToString::to_string).collect();
        for want in [
            "line 5: groups.pupils.users: `[0-9` is not a pattern",
            "line 8: network.resolvers: `10.40.1.300` is not an address",
            "line 11: mail.internal-only: group `year7` is not defined",
            "line 12: mail.reject-rate: must be a share",
            "line 13: mail.large-external: `big` is not a size",
            "line 16: lists.aliases.Betting: `wagers` is not one of vigil's categories",
            "line 19: keywords.severity.prevent: give a built-in list",
        ] {
            assert!(got.iter().any(|g| g.starts_with(want)), "missing {want:?} in {got:#?}");
        }
        assert_eq!(got.len(), 7, "{got:#?}");
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_refused_with_their_line() {
        let e = Policy::parse("[school]\nname = \"X\"\ncolour = \"blue\"\n").expect_err("unknown key");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = Policy::parse("[school]\nname = \"X\n").expect_err("syntax");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn sizes_ranges_and_subnets() {
        assert_eq!(parse_size("2 GiB"), Some(2 << 30));
        assert_eq!(parse_size("500MB"), Some(500_000_000));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_range("08:40-15:20"), Some((520, 920)));
        assert_eq!(parse_range("15:20-08:40"), Some((920, 520)), "crosses midnight");
        assert_eq!(day_spans((1080, 420)), vec![(1080, 1440), (0, 420)]);
        assert_eq!(parse_range("08:40-08:40"), None);
        assert!(parse_subnet("2001:db8::/32").is_some());
    }
}
