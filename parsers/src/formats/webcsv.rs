//! Web-filter report exports as CSV, mapped by their header row: Smoothwall's web filter log
//! export, Lightspeed Web Filter activity logs and Relay website history, RM SafetyNet reports, or
//! any export with a time column and a URL or domain column.
//!
//! ```text
//! Time,Username,Source IP,Group,Code,URL,Categories
//! 20/11/2026 08:15:02,KESTREL\jsmith,10.40.20.15,Pupils,403,http://casino.example/poker,"Gambling, KB-Local-Block"
//!
//! Time,Destination,Action,Reason,User,IP Address,User OU,User Groups,Computer,Category
//! 2026-11-20 08:15:02,https://games.example/play,Blocked,Blocked category,pupil1042@kestrelbrook.example,10.40.20.16,Pupils,Year 9|All Pupils,KB-ICT1-PC06,Games
//!
//! Date/Time,Website URL,Visit Duration,Reason,IP Address
//! 2026-11-20T08:15:02Z,https://videos.example/watch?v=abc,00:05:12,,10.40.20.15
//! ```
//!
//! The columns of these exports vary (Smoothwall exports whichever columns the table shows) and,
//! apart from the Smoothwall UI labels, their header spelling has never been seen in a real file.
//! So the importer reads any header: [`FIELDS`] lists the names accepted for each field (compared
//! without case, spaces, `_`, `-` or `.`), [`columns`] recognises a header that has a time column
//! (or separate date and time columns) and a URL or domain column, and [`PRESETS`] records the
//! documented column names of each product ([`preset`] names the product a header matches; all
//! presets are `verified: false` until a real export is seen).
//!
//! Times accepted:
//! - ISO 8601 (`2026-11-20T08:15:02Z`, `2026-11-20 08:15:02.250+01:00`, `2026-11-20 08:15`);
//! - day first, as UK exports write it: `20/11/2026 08:15[:02]`, `20-11-26 8:15 PM`,
//!   `20.11.2026 08:15`, `20 Nov 2026 08:15:02`, `20-Nov-2026 08:15`; also `2026/11/20 08:15:02`;
//! - epoch seconds (`1795162502`, `1795162502.250`) or milliseconds (`1795162502250`);
//! - a date column and a separate time-of-day column.
//!
//! A time with `Z`, `UTC`, `GMT` or an offset is exact; one without is the school's local time
//! (resolved in its zone, the repeated autumn hour flagged for file order).
//!
//! Day or month first: a line alone cannot tell `03/04/2026` apart, so `NN/NN/YYYY` dates are read
//! day first (UK) by [`parse`]. A date whose month would be over 12 (`11/20/2026`) is refused with
//! a reason that suggests a US-style export, rather than silently swapped; [`parse_ordered`] with
//! [`DateOrder::MonthFirst`] reads such files (for the engine to offer as a per-source setting).
//!
//! Other quirks handled:
//! - The action is a word: Blocked/Denied/Banned/Refused, Allowed/Permitted/Passed/OK,
//!   Warned/Coached/Click-through, Redirected/Rewritten/SafeSearch, Error/Failed, and yes/no or
//!   true/false in a `Blocked` column; the word as written is kept as the result. A status column
//!   holding a word (`Status: Blocked`) is read as the action. Without any action, a 403 status is
//!   a block and anything else allowed.
//! - Several categories in one field separated by `;`, `|` or `,` (inside quotes) become
//!   `;`-joined.
//! - The URL column may hold a full URL, a bare domain, `domain/path` or `host:port`; a separate
//!   domain column fills in a missing host.
//! - Sizes may have thousands separators or units (`1,234`, `12 KB`, `1.5 MB`: powers of 1024);
//!   durations may be seconds (`312`, `4.5s`) or `[H:]MM:SS`.
//! - `-` and empty cells are no value; a row of empty cells is no record.
//! - User names are kept as written (`DOMAIN\user`, `user@domain`, LDAP DN); canonicalised later.
//! - Group, OU and other report-only columns have no place in the web record and are not read.

use bumpalo::Bump;

use crate::csv::{self, Columns, Header};
use crate::lex::{dash_none, trim_spaces};
use crate::time::{TimeContext, TimestampMs};
use crate::url::{self, UrlParts};
use crate::web::{Action, WebRecord};

/// Field: the request time (date and time together).
pub const TIME: usize = 0;
/// Field: the date, when the date and the time of day are separate columns.
pub const DATE: usize = 1;
/// Field: the time of day, when separate from the date.
pub const TIME_OF_DAY: usize = 2;
/// Field: the requested URL (or domain, or `domain/path`).
pub const URL: usize = 3;
/// Field: the destination domain.
pub const HOST: usize = 4;
/// Field: the user.
pub const USER: usize = 5;
/// Field: the client address.
pub const CLIENT: usize = 6;
/// Field: the client device name.
pub const DEVICE: usize = 7;
/// Field: the filter's decision.
pub const ACTION: usize = 8;
/// Field: why it was allowed or blocked.
pub const REASON: usize = 9;
/// Field: the categories.
pub const CATEGORY: usize = 10;
/// Field: the HTTP status.
pub const STATUS: usize = 11;
/// Field: the HTTP method.
pub const METHOD: usize = 12;
/// Field: bytes downloaded.
pub const BYTES: usize = 13;
/// Field: how long the visit or request took.
pub const DURATION: usize = 14;
/// Field: the content type.
pub const MIME: usize = 15;
/// Field: the user agent.
pub const USER_AGENT: usize = 16;
/// Field: the referring page.
pub const REFERER: usize = 17;

/// The accepted header names of each field, in the order of the field constants.
pub const FIELDS: &[&[&str]] = &[
    // TIME
    &[
        "Time",
        "Date/Time",
        "DateTime",
        "Date and Time",
        "Date & Time",
        "Timestamp",
        "Time Stamp",
        "Access Time",
        "Visit Time",
        "Request Time",
        "Event Time",
        "Logged",
        "When",
        "Date",
    ],
    // DATE
    &["Date", "Day"],
    // TIME_OF_DAY
    &["Time", "Time of Day"],
    // URL
    &[
        "URL",
        "Full URL",
        "Requested URL",
        "Request URL",
        "Website URL",
        "Website",
        "Web Site",
        "Site",
        "Destination",
        "Destination URL",
        "Address",
        "Link",
        "URI",
        "Request",
        "Domain/URL",
    ],
    // HOST
    &[
        "Domain",
        "Destination Domain",
        "Dest Domain",
        "Destdomain",
        "Destination Host",
        "Website Domain",
        "Site Domain",
        "Requested Host",
    ],
    // USER
    &[
        "Username",
        "User",
        "User Name",
        "User ID",
        "Login",
        "Login Name",
        "Account",
        "Network Login",
        "Identity",
    ],
    // CLIENT
    &[
        "Source IP",
        "Client IP",
        "IP Address",
        "IP",
        "Client Address",
        "Source Address",
        "Src IP",
        "Device IP",
        "Computer IP",
        "Internal IP",
        "Client",
        "Source",
    ],
    // DEVICE
    &[
        "Computer",
        "Device",
        "Device Name",
        "Computer Name",
        "Client Hostname",
        "Client Name",
        "Machine",
        "Workstation",
    ],
    // ACTION
    &[
        "Action",
        "Decision",
        "Outcome",
        "Result",
        "Disposition",
        "Filter Action",
        "Verdict",
        "Blocked",
    ],
    // REASON
    &[
        "Reason",
        "Block Reason",
        "Blocked Reason",
        "Filter Reason",
        "Rule",
        "Rule Name",
        "Matched Rule",
        "Filter List",
        "Policy",
    ],
    // CATEGORY
    &[
        "Categories",
        "Category",
        "URL Category",
        "URL Categories",
        "Content Category",
        "Web Category",
        "Matched Categories",
        "Matched Safeguarding Categories",
        "Classification",
    ],
    // STATUS
    &[
        "Code",
        "Status Code",
        "HTTP Status",
        "HTTP Code",
        "Response Code",
        "HTTP Response",
        "Status",
    ],
    // METHOD
    &["Method", "HTTP Method", "Request Method"],
    // BYTES
    &[
        "Bytes",
        "Size",
        "Bytes In",
        "Bytes Received",
        "Downloaded",
        "Response Size",
        "Data Transferred",
    ],
    // DURATION
    &["Duration", "Visit Duration", "Time Spent", "Time on Site", "Elapsed"],
    // MIME
    &["Content Type", "MIME Type", "MIME", "Mimetype"],
    // USER_AGENT
    &["User Agent", "Browser"],
    // REFERER
    &["Referer", "Referrer", "Referring URL"],
];

/// The documented columns of one product's export, as a [`FIELDS`]-shaped table (an empty list
/// for a field the product does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The product and report.
    pub name: &'static str,
    /// Whether the header has been checked against a real export.
    pub verified: bool,
    /// For each field of [`FIELDS`], the product's header names.
    pub fields: &'static [&'static [&'static str]],
}

const NONE: &[&str] = &[];

/// The documented exports (VENDOR-FORMATS §1b, §2a, §2c, §3). None has been checked against a real
/// file: Smoothwall's labels are those of the log viewer; the Lightspeed and RM columns are names
/// from report pages; time-column names other than Smoothwall's are guesses.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "Smoothwall web filter log export",
        verified: false,
        fields: &[
            &["Time"],
            NONE,
            NONE,
            &["URL"],
            NONE,
            &["Username"],
            &["Source IP"],
            NONE,
            NONE,
            NONE,
            &["Categories"],
            &["Code"],
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
        ],
    },
    Preset {
        name: "Lightspeed Web Filter activity log",
        verified: false,
        fields: &[
            &["Time", "Date/Time", "Date"],
            NONE,
            NONE,
            &["Destination"],
            NONE,
            &["User"],
            &["IP Address"],
            &["Computer"],
            &["Action"],
            &["Reason"],
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
        ],
    },
    Preset {
        name: "Lightspeed Relay website history",
        verified: false,
        fields: &[
            &["Date/Time", "Date and Time", "Time", "Date"],
            NONE,
            NONE,
            &["Website URL", "URL", "Website"],
            NONE,
            NONE,
            &["IP Address"],
            NONE,
            NONE,
            &["Reason"],
            NONE,
            NONE,
            NONE,
            NONE,
            &["Visit Duration", "Duration"],
            NONE,
            NONE,
            NONE,
        ],
    },
    Preset {
        name: "RM SafetyNet filtering report",
        verified: false,
        fields: &[
            &["Date/Time", "Date and Time", "Time", "Date"],
            NONE,
            NONE,
            &["URL"],
            NONE,
            &["User", "Username"],
            &["IP Address", "IP"],
            NONE,
            &["Action"],
            &["Rule", "Filter List"],
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
        ],
    },
];

/// Whether `NN/NN/YYYY` dates are day first (UK) or month first (US).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// `20/11/2026`.
    #[default]
    DayFirst,
    /// `11/20/2026`.
    MonthFirst,
}

/// The column of each field for a header with a time (or date and time-of-day) column and a URL or
/// domain column; `None` when it lacks them (this is how the format is recognised).
pub fn columns(header: &Header) -> Option<Columns> {
    columns_with(header, FIELDS)
}

/// As [`columns`], with another [`FIELDS`]-shaped table of names (a preset's, or a user's own
/// mapping).
pub fn columns_with(header: &Header, fields: &[&[&str]]) -> Option<Columns> {
    let cols = header.map(fields);
    let timed = cols.has(TIME) || (cols.has(DATE) && cols.has(TIME_OF_DAY));
    (timed && (cols.has(URL) || cols.has(HOST))).then_some(cols)
}

/// The names of the fields, in the order of the field constants, as a user's column map names
/// them.
pub const FIELD_NAMES: [&str; 18] = [
    "time",
    "date",
    "time_of_day",
    "url",
    "host",
    "user",
    "client",
    "device",
    "action",
    "reason",
    "category",
    "status",
    "method",
    "bytes",
    "duration",
    "mime",
    "user_agent",
    "referer",
];

/// A user's own column names for an export vigil has no preset for (from `--columns FILE`):
/// extra header names per field, tried before the built-in ones, and the order of `NN/NN/YYYY`
/// dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Extra names of each field, in the order of the field constants.
    pub names: Vec<Vec<String>>,
    /// How to read `NN/NN/YYYY` dates.
    pub order: DateOrder,
}

impl ColumnMap {
    /// A map from `(field, header names)` pairs; fails naming an unknown field and listing the
    /// known ones.
    pub fn new(pairs: &[(String, Vec<String>)], order: DateOrder) -> Result<ColumnMap, String> {
        let mut names = vec![Vec::new(); FIELD_NAMES.len()];
        for (field, aliases) in pairs {
            let i = FIELD_NAMES.iter().position(|f| f == field).ok_or_else(|| {
                format!(
                    "unknown web-csv field `{field}` (known fields: {})",
                    FIELD_NAMES.join(", ")
                )
            })?;
            names[i].extend(aliases.iter().cloned());
        }
        Ok(ColumnMap { names, order })
    }

    /// The column of each field for `header`, the user's names first.
    pub fn columns(&self, header: &Header) -> Option<Columns> {
        let merged: Vec<Vec<&str>> = FIELDS
            .iter()
            .enumerate()
            .map(|(i, builtin)| {
                let mut v: Vec<&str> = self
                    .names
                    .get(i)
                    .map(|n| n.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                v.extend(builtin.iter().copied());
                v
            })
            .collect();
        let refs: Vec<&[&str]> = merged.iter().map(Vec::as_slice).collect();
        columns_with(header, &refs)
    }
}

/// The first preset whose every documented column is in `header`.
pub fn preset(header: &Header) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| {
        p.fields.len() == FIELDS.len()
            && p.fields
                .iter()
                .all(|names| names.is_empty() || header.find(names).is_some())
    })
}

/// Parses one data row, reading `NN/NN/YYYY` dates day first.
pub fn parse<'a>(
    line: &'a [u8],
    cols: &Columns,
    ctx: &TimeContext,
    scratch: &'a Bump,
    out: &mut Vec<WebRecord<'a>>,
) -> Result<(), &'static str> {
    parse_ordered(line, cols, DateOrder::DayFirst, ctx, scratch, out)
}

/// Parses one data row with the given date order; pushes nothing for a row of empty cells.
pub fn parse_ordered<'a>(
    line: &'a [u8],
    cols: &Columns,
    order: DateOrder,
    ctx: &TimeContext,
    scratch: &'a Bump,
    out: &mut Vec<WebRecord<'a>>,
) -> Result<(), &'static str> {
    let mut rec: Vec<&'a [u8]> = Vec::with_capacity(cols.width);
    csv::split(crate::lex::trim_cr(line), cols.delimiter, scratch, &mut rec)?;
    if rec.iter().all(|f| trim_spaces(f).is_empty()) {
        return Ok(());
    }
    let get = |field: usize| cols.get(&rec, field).and_then(dash_none);
    let (ts, late) = when(&rec, cols, order, ctx)?;
    let mut r = WebRecord::new(ts);
    r.ts_late = late;
    r.method = get(METHOD);
    if let Some(u) = get(URL) {
        r.url = loose_url(u, r.method);
    }
    if r.url.host.is_none() {
        r.url.host = get(HOST).map(|h| loose_url(h, None).host.unwrap_or(h));
    }
    if r.url.host.is_none() && r.url.path.is_empty() {
        return Err("no URL or domain value");
    }
    r.user = get(USER);
    r.client = get(CLIENT);
    r.device = get(DEVICE);
    r.reason = get(REASON);
    r.category = get(CATEGORY).and_then(|c| categories(c, scratch));
    r.mime = get(MIME);
    r.user_agent = get(USER_AGENT);
    r.referer = get(REFERER);
    r.bytes_in = get(BYTES).map(size).transpose()?;
    r.duration_ms = get(DURATION).map(duration_ms).transpose()?;
    let mut status_action = None;
    if let Some(s) = get(STATUS) {
        match super::number(s) {
            Some(n) => r.status = Some(u16::try_from(n).map_err(|_| "status is not an HTTP status")?),
            None => status_action = Some((action_word(s).ok_or("status is not a number")?, s)),
        }
    }
    let action = match get(ACTION) {
        Some(a) => Some((
            action_word(a).ok_or("action is not a known word (Blocked, Allowed, Warned, Redirected, …)")?,
            a,
        )),
        None => status_action,
    };
    match action {
        Some((a, word)) => {
            r.action = a;
            r.result = Some(word);
        }
        None if r.status == Some(403) => r.action = Action::Blocked,
        None => r.action = Action::Allowed,
    }
    out.push(r);
    Ok(())
}

/// The row's time, from the time column or from separate date and time-of-day columns.
fn when(
    rec: &[&[u8]],
    cols: &Columns,
    order: DateOrder,
    ctx: &TimeContext,
) -> Result<(TimestampMs, Option<TimestampMs>), &'static str> {
    let first = cols.get(rec, TIME).map(|v| parse_when(v, order));
    let stamp = match first {
        Some(Ok(s)) => s,
        first => match (cols.get(rec, DATE), cols.get(rec, TIME_OF_DAY)) {
            (Some(d), Some(t)) if cols.index.get(DATE) != cols.index.get(TIME_OF_DAY) => {
                let mut joined = Vec::with_capacity(d.len() + t.len() + 1);
                joined.extend_from_slice(d);
                joined.push(b' ');
                joined.extend_from_slice(t);
                parse_when(&joined, order)?
            }
            _ => return Err(first.and_then(Result::err).unwrap_or("no time value")),
        },
    };
    Ok(match stamp {
        Stamp::Utc(ms) => (ms, None),
        Stamp::Local(local) => super::e2guardian_alt::resolve(ctx, local),
    })
}

/// A time as read: exact, or local wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    Utc(TimestampMs),
    Local(chrono::NaiveDateTime),
}

const BAD_TIME: &str = "time is not a date and time (ISO 8601, DD/MM/YYYY HH:MM[:SS] or epoch seconds)";

/// Reads one time value (see the module documentation for the forms).
fn parse_when(v: &[u8], order: DateOrder) -> Result<Stamp, &'static str> {
    let s = trim_spaces(v);
    if s.is_empty() {
        return Err("no time value");
    }
    if s.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        let int = s.iter().take_while(|b| b.is_ascii_digit()).count();
        return match int {
            9 | 10 => super::e2guardian_alt::epoch_ms(s).map(Stamp::Utc).ok_or(BAD_TIME),
            12 | 13 if int == s.len() => super::number(s)
                .and_then(|n| i64::try_from(n).ok())
                .map(Stamp::Utc)
                .ok_or(BAD_TIME),
            _ => Err("time is a number but not epoch seconds or milliseconds"),
        };
    }
    let mut c = Cursor { s, i: 0 };
    let (a, a_len) = c.num().ok_or(BAD_TIME)?;
    let (year, month, day) = if a_len == 4 {
        let sep = c.one_of(b"-/.").ok_or(BAD_TIME)?;
        let m = c.num_upto(2).ok_or(BAD_TIME)?;
        c.byte(sep).ok_or(BAD_TIME)?;
        let d = c.num_upto(2).ok_or(BAD_TIME)?;
        (a, m, d)
    } else if a_len <= 2 {
        match c.one_of(b"/.- ") {
            Some(sep) if c.peek().is_some_and(|b| b.is_ascii_alphabetic()) => {
                // 20 Nov 2026, 20-Nov-2026
                let m = c.month().ok_or(BAD_TIME)?;
                if sep == b' ' {
                    c.spaces();
                } else {
                    c.byte(sep).ok_or(BAD_TIME)?;
                }
                (year(c.num().ok_or(BAD_TIME)?).ok_or(BAD_TIME)?, m, a)
            }
            Some(sep) if sep != b' ' => {
                let b = c.num_upto(2).ok_or(BAD_TIME)?;
                c.byte(sep).ok_or(BAD_TIME)?;
                let y = year(c.num().ok_or(BAD_TIME)?).ok_or(BAD_TIME)?;
                let (d, m) = match order {
                    DateOrder::DayFirst => (a, b),
                    DateOrder::MonthFirst => (b, a),
                };
                if m > 12 && d <= 12 && order == DateOrder::DayFirst {
                    return Err("date is not DD/MM/YYYY (month over 12): a US-style MM/DD export?");
                }
                (y, m, d)
            }
            _ => return Err(BAD_TIME),
        }
    } else {
        return Err(BAD_TIME);
    };
    // Between date and time: `T`, a space, or `, `.
    let sep = c.one_of(b"T ,");
    c.spaces();
    if c.peek().is_none() {
        return Err("time has a date but no time of day");
    }
    if sep.is_none() {
        return Err(BAD_TIME);
    }
    let hour = c.num_upto(2).ok_or(BAD_TIME)?;
    c.byte(b':').ok_or(BAD_TIME)?;
    let minute = c.num_exact(2).ok_or(BAD_TIME)?;
    let second = if c.byte(b':').is_some() {
        c.num_exact(2).ok_or(BAD_TIME)?
    } else {
        0
    };
    let millis = if c.one_of(b".,").is_some() {
        let start = c.i;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.i += 1;
        }
        crate::lex::fraction_ms(&s[start..c.i])
    } else {
        0
    };
    c.spaces();
    let hour = match c.meridiem() {
        Some(_) if !(1..=12).contains(&hour) => return Err(BAD_TIME),
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
        None => hour,
    };
    c.spaces();
    let offset = c.zone().ok_or("time has unexpected text after it")?;
    c.spaces();
    if c.peek().is_some() {
        return Err("time has unexpected text after it");
    }
    let local = crate::time::naive(year as i32, month, day, hour, minute, second, millis)
        .filter(|_| hour < 24 && minute < 60 && second <= 60)
        .ok_or("date or time out of range")?;
    Ok(match offset {
        Some(minutes) => Stamp::Utc(local.and_utc().timestamp_millis() - i64::from(minutes) * 60_000),
        None => Stamp::Local(local),
    })
}

/// A four-digit year, or a two-digit one in this century.
fn year((n, len): (u32, usize)) -> Option<u32> {
    match len {
        2 => Some(2000 + n),
        4 => Some(n),
        _ => None,
    }
}

/// A read position in a time value.
struct Cursor<'s> {
    s: &'s [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.i += 1)
    }

    fn one_of(&mut self, set: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| set.contains(b))?;
        self.i += 1;
        Some(b)
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    /// Up to four digits: the value and how many.
    fn num(&mut self) -> Option<(u32, usize)> {
        let start = self.i;
        let mut v = 0u32;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            if self.i - start == 4 {
                return None;
            }
            v = v * 10 + u32::from(d.wrapping_sub(b'0'));
            self.i += 1;
        }
        (self.i > start).then_some((v, self.i - start))
    }

    fn num_upto(&mut self, max: usize) -> Option<u32> {
        self.num().filter(|&(_, n)| n <= max).map(|(v, _)| v)
    }

    fn num_exact(&mut self, len: usize) -> Option<u32> {
        self.num().filter(|&(_, n)| n == len).map(|(v, _)| v)
    }

    /// An English month name or abbreviation.
    fn month(&mut self) -> Option<u32> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        crate::time::month_from_abbrev(self.s.get(start..start + 3)?)
    }

    /// `AM`/`PM` (`a.m.`, `pm`, any case): `Some(true)` for PM.
    fn meridiem(&mut self) -> Option<bool> {
        let rest: Vec<u8> = self.s[self.i..]
            .iter()
            .take(4)
            .filter(|&&b| b != b'.')
            .map(u8::to_ascii_lowercase)
            .collect();
        let pm = match rest.get(..2)? {
            b"am" => false,
            b"pm" => true,
            _ => return None,
        };
        // Skip the letters and their dots.
        let mut letters = 0;
        while letters < 2 {
            match self.peek() {
                Some(b'.') => self.i += 1,
                Some(_) => {
                    self.i += 1;
                    letters += 1;
                }
                None => break,
            }
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
        }
        Some(pm)
    }

    /// An optional zone: `Z`, `UTC`, `GMT`, `+01:00`, `+0100`, `+01`. `Some(None)` when there is
    /// none, `None` for something that is not a zone.
    fn zone(&mut self) -> Option<Option<i32>> {
        let rest = &self.s[self.i..];
        if rest.is_empty() {
            return Some(None);
        }
        for (word, len) in [(&b"Z"[..], 1), (b"UTC", 3), (b"GMT", 3)] {
            if rest.len() >= len && rest[..len].eq_ignore_ascii_case(word) {
                self.i += len;
                // `UTC+1`, `GMT+01:00`
                return match self.peek() {
                    Some(b'+' | b'-') => self.offset().map(Some),
                    _ => Some(Some(0)),
                };
            }
        }
        match rest[0] {
            b'+' | b'-' => self.offset().map(Some),
            _ => None,
        }
    }

    /// `+01:00`, `+0100`, `+01`, `+1` as minutes east of UTC.
    fn offset(&mut self) -> Option<i32> {
        let sign = if self.one_of(b"+-")? == b'-' { -1 } else { 1 };
        let (h, len) = self.num()?;
        let (h, m) = match len {
            1 | 2 if self.byte(b':').is_some() => (h, self.num_exact(2)?),
            1 | 2 => (h, 0),
            4 => (h / 100, h % 100),
            _ => return None,
        };
        (h <= 14 && m < 60).then(|| sign * (h as i32 * 60 + m as i32))
    }
}

/// The action a word records.
fn action_word(v: &[u8]) -> Option<Action> {
    let v = trim_spaces(v);
    if v.is_empty() || v.len() > 64 {
        return None;
    }
    let l = v.to_ascii_lowercase();
    let starts = |words: &[&[u8]]| words.iter().any(|w| l.starts_with(w));
    Some(match l.as_slice() {
        b"yes" | b"y" | b"true" | b"1" => Action::Blocked,
        b"no" | b"n" | b"false" | b"0" | b"ok" => Action::Allowed,
        _ if starts(&[b"not block", b"unblock", b"not filtered"]) => Action::Allowed,
        _ if starts(&[
            b"block",
            b"den",
            b"ban",
            b"refus",
            b"reject",
            b"drop",
            b"filtered",
            b"prevent",
        ]) =>
        {
            Action::Blocked
        }
        _ if starts(&[
            b"allow",
            b"permit",
            b"pass",
            b"accept",
            b"success",
            b"observ",
            b"exception",
            b"bypass",
        ]) =>
        {
            Action::Allowed
        }
        _ if starts(&[b"warn", b"coach", b"click", b"soft", b"caution", b"acknowledg"]) => Action::Warned,
        _ if starts(&[b"redirect", b"rewrit", b"safe"]) => Action::Redirected,
        _ if starts(&[b"auth"]) => Action::AuthRequired,
        _ if starts(&[b"error", b"fail", b"timeout", b"timed out"]) => Action::Error,
        _ => return None,
    })
}

/// Categories separated by `;`, `|` or `,`, `;`-joined.
fn categories<'a>(v: &'a [u8], scratch: &'a Bump) -> Option<&'a [u8]> {
    let sep = |b: &u8| matches!(b, b';' | b'|' | b',');
    if !v.iter().any(sep) {
        return Some(v);
    }
    let parts: Vec<&[u8]> = v.split(sep).map(trim_spaces).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one),
        many => Some(super::e2guardian_alt::join(many.iter().copied(), b";", scratch)),
    }
}

/// A URL as exports write it: full, a bare domain, `domain/path`, or `host:port`.
fn loose_url<'a>(v: &'a [u8], method: Option<&[u8]>) -> UrlParts<'a> {
    let whole = UrlParts {
        path: v,
        ..UrlParts::default()
    };
    if memchr::memmem::find(v, b"://").is_some() {
        return url::split(v, false).unwrap_or(whole);
    }
    if method == Some(b"CONNECT") {
        return url::split(v, true).unwrap_or(whole);
    }
    let end = v.iter().position(|&b| b == b'/' || b == b'?').unwrap_or(v.len());
    let (authority, rest) = v.split_at(end);
    if authority.is_empty() || authority.contains(&b' ') {
        return whole;
    }
    let Some(mut parts) = url::split(authority, true) else {
        return whole;
    };
    match rest.first() {
        Some(b'/') => {
            if let Some(p) = url::split(rest, false) {
                parts.path = p.path;
                parts.query = p.query;
            }
        }
        Some(_) => parts.query = Some(&rest[1..]),
        None => {}
    }
    parts
}

/// `1234`, `1,234`, `12 KB`, `1.5 MB` (powers of 1024) as bytes.
fn size(v: &[u8]) -> Result<u64, &'static str> {
    const BAD: &str = "bytes is not a number";
    let digits: Vec<u8> = v.iter().copied().filter(|&b| b != b',').collect();
    let split = digits
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(digits.len());
    let (num, unit) = digits.split_at(split);
    let unit = trim_spaces(unit).to_ascii_lowercase();
    let scale: u64 = match unit.as_slice() {
        b"" | b"b" | b"bytes" => 1,
        b"k" | b"kb" | b"kib" => 1 << 10,
        b"m" | b"mb" | b"mib" => 1 << 20,
        b"g" | b"gb" | b"gib" => 1 << 30,
        _ => return Err(BAD),
    };
    if scale == 1 {
        return super::number(num).ok_or(BAD);
    }
    let n: f64 = std::str::from_utf8(num).ok().and_then(|s| s.parse().ok()).ok_or(BAD)?;
    let bytes = n * scale as f64;
    if bytes.is_finite() && (0.0..1.8e19).contains(&bytes) {
        Ok(bytes.round() as u64)
    } else {
        Err(BAD)
    }
}

/// `312`, `4.5`, `4.5s`, `05:12`, `1:05:12` as milliseconds.
fn duration_ms(v: &[u8]) -> Result<u64, &'static str> {
    const BAD: &str = "duration is not seconds or [H:]MM:SS";
    let v = trim_spaces(v);
    let s = std::str::from_utf8(v).map_err(|_| BAD)?;
    if s.contains(':') {
        let mut total = 0u64;
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() > 3 {
            return Err(BAD);
        }
        for p in &parts {
            if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BAD);
            }
            total = total * 60 + p.parse::<u64>().map_err(|_| BAD)?;
        }
        return Ok(total * 1000);
    }
    let s = s.trim_end_matches(|c: char| c.is_ascii_alphabetic()).trim_end();
    let secs: f64 = s.parse().map_err(|_| BAD)?;
    if secs.is_finite() && (0.0..1e9).contains(&secs) {
        Ok((secs * 1000.0).round() as u64)
    } else {
        Err(BAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    fn ctx() -> TimeContext {
        TimeContext::new(crate::time::DEFAULT_TZ, None)
    }

    fn cols(header: &str) -> Columns {
        columns(&Header::parse(header.as_bytes()).expect("header")).expect("recognised")
    }

    /// Parses `line` under `header`, returning the records (leaking the arena for the test).
    fn rows(header: &str, line: &str) -> Result<Vec<WebRecord<'static>>, &'static str> {
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        let mut out = Vec::new();
        parse(line.as_bytes(), &cols(header), &ctx(), bump, &mut out)?;
        Ok(out)
    }

    fn one(header: &str, line: &str) -> WebRecord<'static> {
        let mut v = rows(header, line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v.len(), 1, "{line}");
        v.remove(0)
    }

    const SMOOTHWALL: &str = "Time,Username,Source IP,Group,Code,URL,Categories";
    const LIGHTSPEED: &str =
        "Inspected Data,Destination,Action,Reason,User,IP Address,User OU,User Groups,Computer,Category,Time";
    const RELAY: &str = "Date/Time,Website URL,Visit Duration,Reason,IP Address";
    const SAFETYNET: &str = "Date/Time;User;IP Address;URL;Rule;Action";

    #[test]
    fn recognises_headers_and_presets() {
        for (header, want) in [
            (SMOOTHWALL, Some("Smoothwall web filter log export")),
            (LIGHTSPEED, Some("Lightspeed Web Filter activity log")),
            (RELAY, Some("Lightspeed Relay website history")),
            (SAFETYNET, Some("RM SafetyNet filtering report")),
            ("timestamp,client_ip,domain,action", None),
            ("Date,Time,Domain,Blocked", None),
        ] {
            let h = Header::parse(header.as_bytes()).expect("header");
            assert!(columns(&h).is_some(), "{header}");
            assert_eq!(preset(&h).map(|p| p.name), want, "{header}");
        }
        for header in ["Time,Username,Source IP", "User,URL,Action", "Date,URL", "Time,Domain"] {
            let h = Header::parse(header.as_bytes()).expect("header");
            let recognised = columns(&h).is_some();
            assert_eq!(recognised, header == "Date,URL" || header == "Time,Domain", "{header}");
        }
        let c = cols(SMOOTHWALL);
        assert_eq!(c.index[TIME], Some(0));
        assert_eq!(c.index[USER], Some(1));
        assert_eq!(c.index[CLIENT], Some(2));
        assert_eq!(c.index[STATUS], Some(4));
        assert_eq!(c.index[URL], Some(5));
        assert_eq!(c.index[CATEGORY], Some(6));
    }

    #[test]
    fn presets_are_covered_by_the_generic_names() {
        for p in PRESETS {
            assert_eq!(p.fields.len(), FIELDS.len(), "{}", p.name);
            assert!(!p.verified, "{}", p.name);
            for (i, names) in p.fields.iter().enumerate() {
                for n in *names {
                    let folded = csv::fold(n);
                    assert!(
                        FIELDS[i].iter().any(|a| csv::fold(a) == folded),
                        "{}: {n} missing from FIELDS[{i}]",
                        p.name
                    );
                }
            }
            // A preset's own table recognises the header it documents.
            let header: Vec<&str> = p.fields.iter().filter_map(|n| n.first().copied()).collect();
            let h = Header::parse(header.join(",").as_bytes()).expect("header");
            assert!(columns_with(&h, p.fields).is_some(), "{}", p.name);
        }
        assert_eq!(FIELDS.len(), REFERER + 1);
    }

    #[test]
    fn smoothwall_export() {
        let r = one(
            SMOOTHWALL,
            r#"20/11/2026 08:15:02,KESTREL\jsmith,10.40.20.15,Pupils,403,http://casino.example/poker,"Gambling, KB-Local-Block""#,
        );
        assert_eq!(r.ts, utc_ms("2026-11-20T08:15:02Z"));
        assert_eq!(r.user, Some(&br"KESTREL\jsmith"[..]));
        assert_eq!(r.client, Some(&b"10.40.20.15"[..]));
        assert_eq!((r.status, r.action, r.result), (Some(403), Action::Blocked, None));
        assert_eq!(r.url.host, Some(&b"casino.example"[..]));
        assert_eq!(r.category, Some(&b"Gambling;KB-Local-Block"[..]));
        // Summer time, 200, one category, a bare domain.
        let r = one(
            SMOOTHWALL,
            "20/06/2026 08:15,pupil1042,10.40.20.16,Pupils,200,news.example,News",
        );
        assert_eq!(r.ts, utc_ms("2026-06-20T07:15:00Z"));
        assert_eq!(
            (r.action, r.category, r.url.host),
            (Action::Allowed, Some(&b"News"[..]), Some(&b"news.example"[..]))
        );
    }

    #[test]
    fn lightspeed_relay_and_safetynet() {
        let r = one(
            LIGHTSPEED,
            ",https://games.example/play,Blocked,Blocked category,pupil1042@kestrelbrook.example,10.40.20.16,Pupils,Year 9|All Pupils,KB-ICT1-PC06,Games,2026-11-20 08:15:02",
        );
        assert_eq!((r.action, r.result), (Action::Blocked, Some(&b"Blocked"[..])));
        assert_eq!(
            (r.reason, r.device),
            (Some(&b"Blocked category"[..]), Some(&b"KB-ICT1-PC06"[..]))
        );
        assert_eq!(r.ts, utc_ms("2026-11-20T08:15:02Z"));
        let r = one(
            LIGHTSPEED,
            ",https://search.example/?q=maths,Redirected,SafeSearch,,10.40.20.16,,,,Search Engines,20/11/2026 08:15",
        );
        assert_eq!((r.action, r.user), (Action::Redirected, None));
        let r = one(
            RELAY,
            "2026-11-20T08:15:02Z,https://videos.example/watch?v=abc,00:05:12,,10.40.20.15",
        );
        assert_eq!(
            (r.ts, r.duration_ms, r.action),
            (utc_ms("2026-11-20T08:15:02Z"), Some(312_000), Action::Allowed)
        );
        assert_eq!(r.url.query, Some(&b"v=abc"[..]));
        let r = one(
            SAFETYNET,
            "20/11/2026 08:15:02;KESTREL\\pupil2217;10.40.21.31;http://proxy.example/;Proxy avoidance;Denied",
        );
        assert_eq!((r.action, r.reason), (Action::Blocked, Some(&b"Proxy avoidance"[..])));
    }

    #[test]
    fn times() {
        let day = DateOrder::DayFirst;
        let local =
            |y, mo, d, h, mi, s, ms| Ok(Stamp::Local(crate::time::naive(y, mo, d, h, mi, s, ms).expect("valid")));
        for (v, want) in [
            ("2026-11-20T08:15:02Z", Ok(Stamp::Utc(utc_ms("2026-11-20T08:15:02Z")))),
            (
                "2026-11-20 08:15:02.250+01:00",
                Ok(Stamp::Utc(utc_ms("2026-11-20T07:15:02.250Z"))),
            ),
            (
                "2026-11-20T08:15:02-0500",
                Ok(Stamp::Utc(utc_ms("2026-11-20T13:15:02Z"))),
            ),
            (
                "2026-11-20 08:15:02 UTC",
                Ok(Stamp::Utc(utc_ms("2026-11-20T08:15:02Z"))),
            ),
            ("2026-11-20 08:15 GMT+1", Ok(Stamp::Utc(utc_ms("2026-11-20T07:15:00Z")))),
            ("2026-11-20 08:15", local(2026, 11, 20, 8, 15, 0, 0)),
            ("2026/11/20 08:15:02", local(2026, 11, 20, 8, 15, 2, 0)),
            ("20/11/2026 08:15:02", local(2026, 11, 20, 8, 15, 2, 0)),
            ("20/11/2026, 8:15", local(2026, 11, 20, 8, 15, 0, 0)),
            ("03/04/2026 08:15", local(2026, 4, 3, 8, 15, 0, 0)),
            ("20-11-26 8:15 PM", local(2026, 11, 20, 20, 15, 0, 0)),
            ("20/11/2026 12:05 a.m.", local(2026, 11, 20, 0, 5, 0, 0)),
            ("20.11.2026 08:15", local(2026, 11, 20, 8, 15, 0, 0)),
            ("20 Nov 2026 08:15:02", local(2026, 11, 20, 8, 15, 2, 0)),
            ("20-Nov-2026 08:15", local(2026, 11, 20, 8, 15, 0, 0)),
            ("1795162502", Ok(Stamp::Utc(1_795_162_502_000))),
            ("1795162502.25", Ok(Stamp::Utc(1_795_162_502_250))),
            ("1795162502250", Ok(Stamp::Utc(1_795_162_502_250))),
            (
                "11/20/2026 08:15",
                Err("date is not DD/MM/YYYY (month over 12): a US-style MM/DD export?"),
            ),
            ("20/11/2026", Err("time has a date but no time of day")),
            ("20/11/2026 08:15 tomorrow", Err("time has unexpected text after it")),
            ("31/02/2026 08:15", Err("date or time out of range")),
            ("20/11/2026 25:15", Err("date or time out of range")),
            ("20/11/2026 13:15 PM", Err(BAD_TIME)),
            ("yesterday", Err(BAD_TIME)),
            ("12345", Err("time is a number but not epoch seconds or milliseconds")),
            ("", Err("no time value")),
        ] {
            assert_eq!(parse_when(v.as_bytes(), day), want, "{v}");
        }
        assert_eq!(
            parse_when(b"11/20/2026 08:15", DateOrder::MonthFirst),
            local(2026, 11, 20, 8, 15, 0, 0)
        );
    }

    #[test]
    fn separate_date_and_time_columns_and_the_autumn_hour() {
        let r = one("Date,Time,Domain,Blocked", "25/10/2026,01:30:00,casino.example,Yes");
        assert_eq!(
            (r.ts, r.ts_late),
            (utc_ms("2026-10-25T00:30:00Z"), Some(utc_ms("2026-10-25T01:30:00Z")))
        );
        assert_eq!((r.action, r.url.host), (Action::Blocked, Some(&b"casino.example"[..])));
        let r = one("Date,Time,Domain,Blocked", "2026-11-20,08:15,news.example,no");
        assert_eq!((r.ts, r.action), (utc_ms("2026-11-20T08:15:00Z"), Action::Allowed));
        let e = rows("Date,Time,Domain,Blocked", "2026-11-20,soon,news.example,no").expect_err("bad time");
        assert_eq!(e, BAD_TIME);
    }

    #[test]
    fn fields() {
        let h = "Timestamp,Client IP,User,URL,Method,Status,Action,Category,Bytes,Duration,Content Type,User Agent,Referrer";
        let r = one(
            h,
            r#"2026-11-20T08:15:02Z,10.40.20.15,-,www.example.com:443,CONNECT,200,Allowed,"Education|Reference",12 KB,4.5s,-,"Mozilla/5.0 (X11; ""quoted"")",https://search.example/"#,
        );
        assert_eq!((r.url.host, r.url.port), (Some(&b"www.example.com"[..]), Some(443)));
        assert_eq!((r.user, r.method), (None, Some(&b"CONNECT"[..])));
        assert_eq!(r.category, Some(&b"Education;Reference"[..]));
        assert_eq!((r.bytes_in, r.duration_ms, r.mime), (Some(12_288), Some(4_500), None));
        assert_eq!(r.user_agent, Some(&b"Mozilla/5.0 (X11; \"quoted\")"[..]));
        assert_eq!(r.referer, Some(&b"https://search.example/"[..]));
        let r = one(
            h,
            "1795162502,10.40.20.15,jsmith,news.example/world?x=1,GET,Blocked,,News;,\"1,234\",1:05:12,text/html,,",
        );
        assert_eq!(
            (r.url.host, r.url.path, r.url.query),
            (Some(&b"news.example"[..]), &b"/world"[..], Some(&b"x=1"[..]))
        );
        assert_eq!(
            (r.status, r.action, r.result),
            (None, Action::Blocked, Some(&b"Blocked"[..]))
        );
        assert_eq!(
            (r.category, r.bytes_in, r.duration_ms),
            (Some(&b"News"[..]), Some(1234), Some(3_912_000))
        );
        for (line, why) in [
            (
                "2026-11-20T08:15:02Z,10.0.0.1,u,http://x/,GET,OK?,,,,,,,",
                "status is not a number",
            ),
            (
                "2026-11-20T08:15:02Z,10.0.0.1,u,http://x/,GET,200,Maybe,,,,,,",
                "action is not a known word",
            ),
            ("2026-11-20T08:15:02Z,10.0.0.1,u,http://x/,GET,200,,,lots,,,,", "bytes"),
            (
                "2026-11-20T08:15:02Z,10.0.0.1,u,http://x/,GET,200,,,,ages,,,",
                "duration",
            ),
            ("2026-11-20T08:15:02Z,10.0.0.1,u,http://x/,GET,70000,,,,,,,", "status"),
            ("2026-11-20T08:15:02Z,10.0.0.1,u,-,GET,200,,,,,,,", "no URL"),
            ("someday,10.0.0.1,u,http://x/,GET,200,,,,,,,", "time is not"),
            ("2026-11-20T08:15:02Z,\"10.0.0.1,u,http://x/", "unterminated"),
        ] {
            let e = rows(h, line).expect_err(line);
            assert!(e.contains(why), "{e} / {line}");
        }
        assert!(rows(h, ",,, ,,,,,,,,,").expect("blank").is_empty());
        assert!(rows(h, "").expect("empty").is_empty());
    }

    #[test]
    fn action_words() {
        for (w, want) in [
            ("Blocked", Some(Action::Blocked)),
            ("DENIED", Some(Action::Blocked)),
            ("Banned", Some(Action::Blocked)),
            ("Refused", Some(Action::Blocked)),
            ("Allowed", Some(Action::Allowed)),
            ("Permitted", Some(Action::Allowed)),
            ("Passed", Some(Action::Allowed)),
            ("Not blocked", Some(Action::Allowed)),
            ("Warned", Some(Action::Warned)),
            ("Coached", Some(Action::Warned)),
            ("Click-through", Some(Action::Warned)),
            ("Redirected", Some(Action::Redirected)),
            ("SafeSearch", Some(Action::Redirected)),
            ("Error", Some(Action::Error)),
            ("yes", Some(Action::Blocked)),
            ("FALSE", Some(Action::Allowed)),
            ("Maybe", None),
            ("", None),
        ] {
            assert_eq!(action_word(w.as_bytes()), want, "{w}");
        }
    }

    #[test]
    fn sizes_durations_and_urls() {
        assert_eq!(size(b"1,234"), Ok(1234));
        assert_eq!(size(b"1.5 MB"), Ok(1_572_864));
        assert_eq!(size(b"7 bytes"), Ok(7));
        assert!(size(b"1.5").is_err());
        assert!(size(b"-5").is_err());
        assert_eq!(duration_ms(b"312"), Ok(312_000));
        assert_eq!(duration_ms(b"05:12"), Ok(312_000));
        assert!(duration_ms(b"1:2:3:4").is_err());
        assert!(duration_ms(b"-1").is_err());
        let u = loose_url(b"[2001:db8::1]:8080/x?y", None);
        assert_eq!(
            (u.host, u.port, u.path, u.query),
            (Some(&b"2001:db8::1"[..]), Some(8080), &b"/x"[..], Some(&b"y"[..]))
        );
        let u = loose_url(b"search term with spaces", None);
        assert_eq!((u.host, u.path), (None, &b"search term with spaces"[..]));
        let u = loose_url(b"example.com?q=1", None);
        assert_eq!((u.host, u.query), (Some(&b"example.com"[..]), Some(&b"q=1"[..])));
    }

    /// Records written back as a generic CSV read the same.
    #[test]
    fn round_trip() {
        let text = include_str!("../../tests/data/web/smoothwall-export.csv");
        let mut lines = text.lines();
        let c = cols(lines.next().expect("header"));
        let bump = Bump::new();
        let mut first = Vec::new();
        for line in lines.clone() {
            parse(line.as_bytes(), &c, &ctx(), &bump, &mut first).expect("parse");
        }
        let mut csv_out = String::from("Timestamp,Username,Client IP,Code,URL,Categories\n");
        for r in &first {
            let s = |v: Option<&[u8]>| String::from_utf8_lossy(v.unwrap_or_default()).replace('"', "\"\"");
            let mut target = Vec::new();
            super::super::squid::write_target(&r.url, false, &mut target);
            csv_out.push_str(&format!(
                "{},\"{}\",{},{},\"{}\",\"{}\"\n",
                crate::time::format_rfc3339(r.ts),
                s(r.user),
                s(r.client),
                r.status.map(|x| x.to_string()).unwrap_or_default(),
                String::from_utf8_lossy(&target),
                s(r.category)
            ));
        }
        let mut again_lines = csv_out.lines();
        let c2 = cols(again_lines.next().expect("header"));
        let mut again = Vec::new();
        for line in again_lines {
            parse(line.as_bytes(), &c2, &ctx(), &bump, &mut again).expect("again");
        }
        assert_eq!(first.len(), again.len());
        for (a, b) in first.iter().zip(&again) {
            assert_eq!(
                (a.ts, a.user, a.client, a.status, a.action),
                (b.ts, b.user, b.client, b.status, b.action)
            );
            assert_eq!(
                (a.url.host, a.url.path, a.url.query, a.category),
                (b.url.host, b.url.path, b.url.query, b.category)
            );
        }
    }

    #[test]
    fn sample_files_parse() {
        for (name, text, want) in [
            (
                "smoothwall",
                include_str!("../../tests/data/web/smoothwall-export.csv"),
                Some("Smoothwall web filter log export"),
            ),
            (
                "lightspeed",
                include_str!("../../tests/data/web/lightspeed-activity.csv"),
                Some("Lightspeed Web Filter activity log"),
            ),
            (
                "relay",
                include_str!("../../tests/data/web/relay-website-history.csv"),
                Some("Lightspeed Relay website history"),
            ),
            (
                "safetynet",
                include_str!("../../tests/data/web/safetynet-report.csv"),
                Some("RM SafetyNet filtering report"),
            ),
            (
                "generic",
                include_str!("../../tests/data/web/generic-webfilter.csv"),
                None,
            ),
        ] {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut lines = text.lines();
            let h = Header::parse(lines.next().expect("header").as_bytes()).expect("header");
            assert_eq!(preset(&h).map(|p| p.name), want, "{name}");
            let c = columns(&h).expect("recognised");
            let bump = Bump::new();
            let mut out = Vec::new();
            for line in lines {
                parse(line.as_bytes(), &c, &ctx(), &bump, &mut out).unwrap_or_else(|e| panic!("{name}: {e}: {line}"));
            }
            assert!((20..=50).contains(&out.len()), "{name}: {} rows", out.len());
            assert!(out.iter().any(|r| r.action == Action::Blocked), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let bump = Bump::new();
            let mut out = Vec::new();
            for header in [SMOOTHWALL, LIGHTSPEED, "Date,Time,Domain,Status,Bytes,Duration,Method"] {
                let _ = parse(&line, &cols(header), &ctx(), &bump, &mut out);
            }
        }

        #[test]
        fn never_panics_on_shaped_cells(cells in proptest::collection::vec("[ -~]{0,24}", 0..12)) {
            let bump = Bump::new();
            let mut out = Vec::new();
            let line = cells.join(",");
            let h = "Time,Date,Time of Day,URL,Domain,Status,Action,Categories,Bytes,Duration,Method,User";
            let _ = parse_ordered(line.as_bytes(), &cols(h), DateOrder::MonthFirst, &ctx(), &bump, &mut out);
            let _ = parse(line.as_bytes(), &cols(h), &ctx(), &bump, &mut out);
        }

        #[test]
        fn never_panics_on_times(v in "[0-9 /:.,TZAPMapmUTCG+-]{0,30}") {
            let _ = parse_when(v.as_bytes(), DateOrder::DayFirst);
            let _ = parse_when(v.as_bytes(), DateOrder::MonthFirst);
        }
    }
}
