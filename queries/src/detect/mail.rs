//! Mail rules: auto-forwarding to external addresses, mass mailing, large messages to external
//! domains, mail from internal-only groups to outside addresses, and high reject rates.
//!
//! The mail frame has one row per recipient outcome (and one per received message, with no
//! recipient). A message logged by two servers (an on-premises relay and Microsoft 365) shares its
//! Message-ID, so messages are keyed by Message-ID (else by the server's queue id), and every rule
//! counts messages and recipients, not rows; the evidence is every row behind a finding.

use std::collections::{HashMap, HashSet};

use polars::prelude::{DataFrame, PolarsResult};

use vigil_parsers::mail::MailStatus;

use super::events::when_phrase as when;
use super::{Inputs, Rows};
use crate::context::Context;
use crate::findings::{Evidence, Finding, Severity};

/// A forward counts when the forwarded subject reached the account at most this long before.
const FORWARD_WINDOW_MS: i64 = 10 * 60 * 1000;
/// One sender's recipients are counted over this window for chain mailing.
const CHAIN_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Fewest messages from a sender before its reject rate is judged.
const REJECT_MIN_MESSAGES: usize = 10;

/// The family's rule names (as in [`crate::findings::RULES`]).
const AUTO_FORWARD: &str = "mail.auto-forward";
const MASS_MAILING: &str = "mail.mass-mailing";
const LARGE_EXTERNAL: &str = "mail.large-attachment-external";
const PUPIL_EXTERNAL: &str = "mail.pupil-external";
const REJECT_RATE: &str = "mail.reject-rate";

/// The family's findings.
pub fn detect(cx: &Context, inputs: &Inputs) -> PolarsResult<Vec<Finding>> {
    let Some(df) = inputs.mail.as_ref() else {
        return Ok(Vec::new());
    };
    let m = MailRows::read(cx, df)?;
    let mut out = Vec::new();
    auto_forward(cx, &m, &mut out);
    let reported = mass_mailing(cx, &m, &mut out);
    chain_mailing(cx, &m, &reported, &mut out);
    large_external(cx, &m, &mut out);
    pupil_external(cx, &m, &mut out);
    reject_rate(cx, &m, &mut out);
    Ok(out)
}

/// What happened to a row's message; `None` for a status the frame names that vigil does not.
type Status = Option<MailStatus>;

/// The outcomes the rules ask about.
trait Outcome {
    /// The message did not reach this recipient and will not (refused, bounced, expired).
    fn failed(self) -> bool;
    /// The message reached (or is on its way to) the recipient's mailbox.
    fn reached(self) -> bool;
    /// The message left (or tried to leave) towards this recipient: anything but a refusal at
    /// the door or a drop.
    fn went_out(self) -> bool;
}

impl Outcome for Status {
    fn failed(self) -> bool {
        matches!(
            self,
            Some(MailStatus::Rejected | MailStatus::Bounced | MailStatus::Expired)
        )
    }

    fn reached(self) -> bool {
        matches!(
            self,
            Some(MailStatus::Sent | MailStatus::Deferred | MailStatus::Pending | MailStatus::RejectWarning) | None
        )
    }

    fn went_out(self) -> bool {
        !matches!(
            self,
            Some(
                MailStatus::Received
                    | MailStatus::Rejected
                    | MailStatus::Discarded
                    | MailStatus::Held
                    | MailStatus::Expanded
            )
        )
    }
}

/// The mail frame read into plain columns, addresses in lower case.
struct MailRows {
    ts: Vec<i64>,
    evidence: Vec<Evidence>,
    from: Vec<String>,
    to: Vec<String>,
    subject: Vec<String>,
    status: Vec<Status>,
    size: Vec<Option<u64>>,
    client_ip: Vec<Option<String>>,
    /// The message of each row (index into `messages`).
    message: Vec<usize>,
    /// The rows of each message, in time order.
    messages: Vec<Vec<usize>>,
    /// Every row index in time order (then source and line).
    order: Vec<usize>,
    /// The school account of each row's sender and recipient.
    from_account: Vec<Option<String>>,
    to_account: Vec<Option<String>>,
}

impl MailRows {
    fn read(cx: &Context, df: &DataFrame) -> PolarsResult<MailRows> {
        let r = Rows::new(df);
        let evidence = r.evidence()?;
        let ts_raw = r.time("ts")?;
        let lower = |v: Vec<Option<String>>| -> Vec<String> {
            v.into_iter()
                .map(|s| s.map(|s| s.trim().to_lowercase()).unwrap_or_default())
                .collect()
        };
        let from = lower(r.text("from")?);
        let to = lower(r.text("to")?);
        let subject: Vec<String> = r
            .text("subject")?
            .into_iter()
            .map(|s| s.map(|s| s.trim().to_owned()).unwrap_or_default())
            .collect();
        let status: Vec<Status> = r
            .text("status")?
            .iter()
            .map(|s| s.as_deref().and_then(MailStatus::from_name))
            .collect();
        let size = r.num("size")?;
        let client_ip = r.text("client_ip")?;
        let message_id = r.text("message_id")?;
        let msg_key = r.text("msg_key")?;
        let n = df.height();
        let ts: Vec<i64> = ts_raw.iter().map(|t| t.unwrap_or(i64::MIN)).collect();
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut message = Vec::with_capacity(n);
        for i in 0..n {
            let id = message_id[i]
                .as_deref()
                .map(|s| s.trim().trim_start_matches('<').trim_end_matches('>').to_lowercase())
                .filter(|s| !s.is_empty());
            let key = match (id, msg_key[i].as_deref().filter(|k| !k.is_empty())) {
                (Some(id), _) => format!("id\u{0}{id}"),
                (None, Some(k)) => format!("key\u{0}{}\u{0}{k}", evidence[i].source),
                (None, None) => format!("row\u{0}{i}"),
            };
            let next = keys.len();
            message.push(*keys.entry(key).or_insert(next));
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| ts_raw[i].is_some()).collect();
        order.sort_by_key(|&i| (ts[i], evidence[i]));
        let mut messages = vec![Vec::new(); keys.len()];
        for &i in &order {
            messages[message[i]].push(i);
        }
        let from_account = from.iter().map(|a| cx.account_of(a)).collect();
        let to_account = to.iter().map(|a| cx.account_of(a)).collect();
        Ok(MailRows {
            ts,
            evidence,
            from,
            to,
            subject,
            status,
            size,
            client_ip,
            message,
            messages,
            order,
            from_account,
            to_account,
        })
    }

    /// A row naming a recipient and what happened to it (not a `received` row).
    fn recipient_row(&self, i: usize) -> bool {
        !self.to[i].is_empty() && self.status[i] != Some(MailStatus::Received)
    }

    /// A recipient outside the school (an address, not of a school domain).
    fn external_to(&self, i: usize) -> bool {
        self.to[i].contains('@') && self.to_account[i].is_none()
    }

    /// The sender of a message: the first non-empty sender of its rows.
    fn sender_of(&self, msg: usize) -> Option<usize> {
        self.messages[msg].iter().copied().find(|&i| !self.from[i].is_empty())
    }

    fn evidence_of(&self, rows: &[usize]) -> Vec<Evidence> {
        rows.iter().map(|&i| self.evidence[i]).collect()
    }

    fn span(&self, rows: &[usize]) -> (i64, i64) {
        let first = rows.iter().map(|&i| self.ts[i]).min().unwrap_or(0);
        let last = rows.iter().map(|&i| self.ts[i]).max().unwrap_or(0);
        (first, last)
    }

    fn distinct_messages(&self, rows: &[usize]) -> usize {
        rows.iter().map(|&i| self.message[i]).collect::<HashSet<_>>().len()
    }
}

/// The subject without one leading forward marker (`FW:`, `Fwd:`, `TR:`, `WG:`), if it has one.
fn forwarded_subject(subject: &str) -> Option<&str> {
    let s = subject.trim_start();
    let colon = s.find(':')?;
    let prefix = s[..colon].trim_end();
    ["fw", "fwd", "tr", "wg"]
        .iter()
        .any(|p| prefix.eq_ignore_ascii_case(p))
        .then(|| &s[colon + 1..])
}

/// A subject compared loosely: trimmed, white space collapsed, lower case.
fn subject_key(subject: &str) -> String {
    subject.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// `26.5 MB` (decimal megabytes, as the policy's sizes are written).
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `"subject"` for a summary, or nothing when the log has no subject.
fn quoted(subject: &str) -> String {
    if subject.is_empty() {
        String::new()
    } else {
        format!(" (\"{subject}\")")
    }
}

/// The finding's person: the school account, else the address itself.
fn person(m: &MailRows, sender_row: usize) -> String {
    m.from_account[sender_row]
        .clone()
        .unwrap_or_else(|| m.from[sender_row].clone())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `mail.auto-forward`: a school account sending an outside address at least `forward_count`
/// messages whose subject is a forward marker plus the subject of a message the account received
/// at most ten minutes before. One finding per account and outside address.
fn auto_forward(cx: &Context, m: &MailRows, out: &mut Vec<Finding>) {
    let mut received: HashMap<(&str, String), Vec<i64>> = HashMap::new();
    for &i in &m.order {
        if let Some(acct) = &m.to_account[i]
            && m.status[i].reached()
            && !m.subject[i].is_empty()
        {
            received
                .entry((acct.as_str(), subject_key(&m.subject[i])))
                .or_default()
                .push(m.ts[i]);
        }
    }
    let mut forwards: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut keys = Vec::new();
    for &i in &m.order {
        let Some(acct) = &m.from_account[i] else { continue };
        if !m.external_to(i) || !m.status[i].went_out() {
            continue;
        }
        let Some(inner) = forwarded_subject(&m.subject[i]) else {
            continue;
        };
        let Some(times) = received.get(&(acct.as_str(), subject_key(inner))) else {
            continue;
        };
        // Times are ascending: the first receipt not before the window must not be after the forward.
        let at = times.partition_point(|&t| t < m.ts[i] - FORWARD_WINDOW_MS);
        if times.get(at).is_some_and(|&t| t <= m.ts[i]) {
            let key = (acct.as_str(), m.to[i].as_str());
            let rows = forwards.entry(key).or_default();
            if rows.is_empty() {
                keys.push(key);
            }
            rows.push(i);
        }
    }
    for key in keys {
        let rows = &forwards[&key];
        let n = m.distinct_messages(rows);
        if n < cx.limits.forward_count as usize {
            continue;
        }
        let (acct, external) = key;
        let span = m.span(rows);
        let summary = format!(
            "{} forwarded {} received messages to {external} (an outside address) {}",
            m.from[rows[0]],
            n,
            when(cx, span)
        );
        out.push(Finding::new(
            AUTO_FORWARD,
            Severity::High,
            span,
            Some(acct.to_owned()),
            None,
            None,
            Some(external.to_owned()),
            summary,
            rows.len() as u64,
            m.evidence_of(rows),
        ));
    }
}

/// `mail.mass-mailing`, one message: a message with at least `mass_recipients` distinct
/// recipients (a distribution list's own address not counted). A message the server expanded from
/// a distribution list, from someone outside the internal-only groups, is graded low: that is what
/// lists are for. Returns the messages reported.
fn mass_mailing(cx: &Context, m: &MailRows, out: &mut Vec<Finding>) -> HashSet<usize> {
    let mut reported = HashSet::new();
    let threshold = cx.limits.mass_recipients.max(1) as usize;
    for (msg, rows) in m.messages.iter().enumerate() {
        if rows.len() < threshold {
            continue;
        }
        let recipient_rows: Vec<usize> = rows.iter().copied().filter(|&i| m.recipient_row(i)).collect();
        let recipients: HashSet<&str> = recipient_rows
            .iter()
            .filter(|&&i| m.status[i] != Some(MailStatus::Expanded))
            .map(|&i| m.to[i].as_str())
            .collect();
        if recipients.len() < threshold {
            continue;
        }
        let Some(sender) = m.sender_of(msg) else { continue };
        reported.insert(msg);
        let expanded = recipient_rows
            .iter()
            .any(|&i| m.status[i] == Some(MailStatus::Expanded));
        let internal_only = m.from_account[sender]
            .as_deref()
            .is_some_and(|a| cx.internal_only.iter().any(|g| cx.in_group(g, Some(a), None)));
        let severity = if expanded && !internal_only {
            Severity::Low
        } else {
            Severity::Medium
        };
        let span = m.span(&recipient_rows);
        let subject = m.messages[msg]
            .iter()
            .map(|&i| m.subject[i].as_str())
            .find(|s| !s.is_empty())
            .unwrap_or("");
        let summary = format!(
            "{} sent one message{} to {} recipients{} {}",
            m.from[sender],
            quoted(subject),
            recipients.len(),
            if expanded { " through a distribution list" } else { "" },
            when(cx, span)
        );
        out.push(Finding::new(
            MASS_MAILING,
            severity,
            span,
            Some(person(m, sender)),
            None,
            None,
            (!subject.is_empty()).then(|| subject.to_owned()),
            summary,
            recipient_rows.len() as u64,
            m.evidence_of(&recipient_rows),
        ));
    }
    reported
}

/// `mail.mass-mailing`, chain mailing: a school account whose separate messages (none of them a
/// mass mailing on its own) reached at least `mass_recipients` distinct recipients within an hour.
fn chain_mailing(cx: &Context, m: &MailRows, reported: &HashSet<usize>, out: &mut Vec<Finding>) {
    let threshold = cx.limits.mass_recipients.max(1) as usize;
    let mut by_sender: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut senders = Vec::new();
    for &i in &m.order {
        if m.from_account[i].is_none()
            || !m.recipient_row(i)
            || m.status[i] == Some(MailStatus::Expanded)
            || reported.contains(&m.message[i])
        {
            continue;
        }
        let rows = by_sender.entry(m.from[i].as_str()).or_default();
        if rows.is_empty() {
            senders.push(m.from[i].as_str());
        }
        rows.push(i);
    }
    for sender in senders {
        let rows = &by_sender[sender];
        if rows.len() < threshold {
            continue;
        }
        // Two pointers over the sender's rows in time order, counting each recipient's rows in
        // the window [left, right).
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let (mut left, mut right) = (0, 0);
        while left < rows.len() {
            while right < rows.len() && m.ts[rows[right]] < m.ts[rows[left]] + CHAIN_WINDOW_MS {
                *counts.entry(m.to[rows[right]].as_str()).or_default() += 1;
                right += 1;
            }
            if counts.len() >= threshold {
                let window = &rows[left..right];
                let span = m.span(window);
                let summary = format!(
                    "{sender} sent {} to {} different recipients within an hour {}",
                    plural(m.distinct_messages(window), "message", "messages"),
                    counts.len(),
                    when(cx, span)
                );
                out.push(Finding::new(
                    MASS_MAILING,
                    Severity::Medium,
                    span,
                    Some(person(m, window[0])),
                    None,
                    None,
                    Some("one sender to many recipients within an hour".to_owned()),
                    summary,
                    window.len() as u64,
                    m.evidence_of(window),
                ));
                counts.clear();
                left = right;
                continue;
            }
            let to = m.to[rows[left]].as_str();
            if let Some(c) = counts.get_mut(to) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(to);
                }
            }
            left += 1;
        }
    }
}

/// `mail.large-attachment-external`: a message from a school account, at least `large_external`
/// bytes, to an address outside the school. One finding per message; the evidence is its rows to
/// outside addresses.
fn large_external(cx: &Context, m: &MailRows, out: &mut Vec<Finding>) {
    for (msg, rows) in m.messages.iter().enumerate() {
        let size = rows.iter().filter_map(|&i| m.size[i]).max().unwrap_or(0);
        if size < cx.limits.large_external {
            continue;
        }
        let Some(sender) = m.sender_of(msg) else { continue };
        let Some(acct) = m.from_account[sender].clone() else {
            continue;
        };
        let outside: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| m.recipient_row(i) && m.external_to(i) && m.status[i].went_out())
            .collect();
        if outside.is_empty() {
            continue;
        }
        let mut addresses: Vec<&str> = Vec::new();
        for &i in &outside {
            if !addresses.contains(&m.to[i].as_str()) {
                addresses.push(m.to[i].as_str());
            }
        }
        let span = m.span(&outside);
        let summary = format!(
            "{} sent a {} message{} to {} (outside the school) {}",
            m.from[sender],
            megabytes(size),
            quoted(&m.subject[outside[0]]),
            list(&addresses, 3),
            when(cx, span)
        );
        out.push(Finding::new(
            LARGE_EXTERNAL,
            Severity::Medium,
            span,
            Some(acct),
            None,
            None,
            Some(addresses[0].to_owned()),
            summary,
            outside.len() as u64,
            m.evidence_of(&outside),
        ));
    }
}

/// `a, b and c`, or `a, b, c and 4 more`.
fn list(items: &[&str], shown: usize) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].to_owned(),
        n if n <= shown + 1 => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
        n => format!("{} and {} more", items[..shown].join(", "), n - shown),
    }
}

/// `mail.pupil-external`: a sender whose account is in a group the policy keeps to internal mail,
/// mailing an outside address. One finding per sender and outside address.
fn pupil_external(cx: &Context, m: &MailRows, out: &mut Vec<Finding>) {
    if cx.internal_only.is_empty() {
        return;
    }
    let mut group_of: HashMap<&str, Option<&str>> = HashMap::new();
    let mut pairs: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut keys = Vec::new();
    for &i in &m.order {
        let Some(acct) = m.from_account[i].as_deref() else {
            continue;
        };
        if !m.recipient_row(i) || !m.external_to(i) || m.status[i] == Some(MailStatus::Expanded) {
            continue;
        }
        let group = *group_of.entry(acct).or_insert_with(|| {
            cx.internal_only
                .iter()
                .find(|g| cx.in_group(g, Some(acct), None))
                .map(String::as_str)
        });
        if group.is_none() {
            continue;
        }
        let key = (acct, m.to[i].as_str());
        let rows = pairs.entry(key).or_default();
        if rows.is_empty() {
            keys.push(key);
        }
        rows.push(i);
    }
    for key in keys {
        let rows = &pairs[&key];
        let (acct, external) = key;
        let group = group_of.get(acct).copied().flatten().unwrap_or("internal-only");
        let span = m.span(rows);
        let n = m.distinct_messages(rows);
        let summary = format!(
            "{}, in the {group} group whose mail the policy keeps inside the school, sent {} to \
             {external} (an outside address) {}",
            m.from[rows[0]],
            plural(n, "message", "messages"),
            when(cx, span)
        );
        out.push(Finding::new(
            PUPIL_EXTERNAL,
            Severity::Low,
            span,
            Some(acct.to_owned()),
            None,
            None,
            Some(external.to_owned()),
            summary,
            rows.len() as u64,
            m.evidence_of(rows),
        ));
    }
}

/// `mail.reject-rate`: a sender with at least ten messages of which at least `reject_rate` were
/// refused, bounced or expired for some recipient. The evidence is the failed rows; the address
/// is the client the failures came from, when it is one.
fn reject_rate(cx: &Context, m: &MailRows, out: &mut Vec<Finding>) {
    /// A sender's messages, those that failed, and the failed rows.
    #[derive(Default)]
    struct Tally {
        all: HashSet<usize>,
        failed: HashSet<usize>,
        rows: Vec<usize>,
    }
    let mut by_sender: HashMap<&str, Tally> = HashMap::new();
    let mut senders = Vec::new();
    for &i in &m.order {
        let status = m.status[i];
        if m.from[i].is_empty() || matches!(status, Some(MailStatus::Received | MailStatus::Expanded)) {
            continue;
        }
        let entry = by_sender.entry(m.from[i].as_str()).or_insert_with(|| {
            senders.push(m.from[i].as_str());
            Default::default()
        });
        entry.all.insert(m.message[i]);
        if status.failed() {
            entry.failed.insert(m.message[i]);
            entry.rows.push(i);
        }
    }
    for sender in senders {
        let Tally { all, failed, rows } = &by_sender[sender];
        if all.len() < REJECT_MIN_MESSAGES || failed.is_empty() {
            continue;
        }
        let rate = failed.len() as f64 / all.len() as f64;
        if rate < cx.limits.reject_rate {
            continue;
        }
        let ips: HashSet<&str> = rows.iter().filter_map(|&i| m.client_ip[i].as_deref()).collect();
        let ip = (ips.len() == 1)
            .then(|| ips.iter().next().map(|s| (*s).to_owned()))
            .flatten();
        let span = m.span(rows);
        let about = m.from_account[rows[0]].is_some().then(|| sender.to_owned());
        let summary = format!(
            "{} of {} messages from {sender} were refused or bounced {}{}",
            failed.len(),
            all.len(),
            when(cx, span),
            ip.as_deref().map(|ip| format!(" (sent from {ip})")).unwrap_or_default()
        );
        out.push(Finding::new(
            REJECT_RATE,
            Severity::Low,
            span,
            Some(person(m, rows[0])),
            None,
            ip,
            about,
            summary,
            rows.len() as u64,
            m.evidence_of(rows),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{self, Policy};

    const HEADER: &str = "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace\r\n\
        \"MessageTraceId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"FromIP\",\"ToIP\",\"Subject\",\"Status\",\"Size\",\"MessageId\"\r\n";

    /// One trace row: when (`16/11/2026 08:02:41`, UTC), sender, recipient, subject, status,
    /// size, Message-ID.
    type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, u64, &'a str);

    fn trace(rows: &[Row]) -> String {
        let mut text = HEADER.to_owned();
        for (n, (when, from, to, subject, status, size, id)) in rows.iter().enumerate() {
            text.push_str(&format!(
                "\"{n:08x}-0000-4000-8000-000000000000\",\"{when}\",\"{from}\",\"{to}\",\"198.51.100.10\",\"\",\"{subject}\",\"{status}\",\"{size}\",\"<{id}>\"\r\n"
            ));
        }
        text
    }

    /// The mail findings of these files (name, text), with `cx`.
    fn detect_in(cx: &Context, files: &[(&str, String)]) -> Vec<Finding> {
        let dir = tempfile::tempdir().expect("tempdir");
        let inputs = crate::detect::testkit::inputs_in(dir.path(), files, None);
        detect(cx, &inputs).expect("detect")
    }

    fn detect_trace(cx: &Context, rows: &[Row]) -> Vec<Finding> {
        detect_in(cx, &[("trace.csv", trace(rows))])
    }

    fn typical() -> Context {
        Context::typical().expect("template compiles")
    }

    fn with(edit: impl FnOnce(&mut Policy)) -> Context {
        let mut p = Policy::parse(policy::TEMPLATE).expect("template parses");
        edit(&mut p);
        Context::compile(p, std::path::Path::new(".")).expect("compiles")
    }

    fn of<'a>(found: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
        found.iter().filter(|f| f.rule == rule).collect()
    }

    const ME: &str = "tvell@kestrelbrook.example";
    const HOME: &str = "tv@personal.example";

    /// `n` messages received by ME, each forwarded `after` seconds later to `to`.
    fn forwards(n: usize, after: u32, to: &str, prefix: &str) -> Vec<(String, String, String, String, String)> {
        let mut rows = Vec::new();
        for k in 0..n {
            let (h, m) = (8 + k / 6, (k % 6) * 10);
            let subject = format!("Notice {k}");
            let sent = h * 3600 + m * 60 + after as usize;
            rows.push((
                format!("16/11/2026 {h:02}:{m:02}:00"),
                "head@kestrelbrook.example".to_owned(),
                ME.to_owned(),
                subject.clone(),
                format!("in{k}@x"),
            ));
            rows.push((
                format!("16/11/2026 {:02}:{:02}:{:02}", sent / 3600, sent / 60 % 60, sent % 60),
                ME.to_owned(),
                to.to_owned(),
                format!("{prefix}{subject}"),
                format!("fw{k}@x"),
            ));
        }
        rows
    }

    fn run_forwards(cx: &Context, rows: &[(String, String, String, String, String)]) -> Vec<Finding> {
        let rows: Vec<Row> = rows
            .iter()
            .map(|(w, f, t, s, id)| {
                (
                    w.as_str(),
                    f.as_str(),
                    t.as_str(),
                    s.as_str(),
                    "Delivered",
                    20_000,
                    id.as_str(),
                )
            })
            .collect();
        detect_trace(cx, &rows)
    }

    #[test]
    fn no_mail_frame_no_findings() {
        assert!(detect(&typical(), &Inputs::default()).expect("detect").is_empty());
    }

    #[test]
    fn forwards_of_received_mail_to_one_outside_address() {
        let cx = typical();
        let found = run_forwards(&cx, &forwards(5, 30, HOME, "FW: "));
        let f = of(&found, AUTO_FORWARD);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].user.as_deref(), Some("tvell"));
        assert_eq!(f[0].about.as_deref(), Some(HOME));
        assert_eq!(f[0].evidence.len(), 5, "the forwards only");
        assert!(
            f[0].evidence.iter().all(|e| e.line % 2 == 0),
            "forwards are the even lines"
        );
        assert!(
            f[0].summary.contains("forwarded 5 received messages"),
            "{}",
            f[0].summary
        );
        // Other markers count alike.
        for prefix in ["Fwd: ", "fw:", "TR: ", "WG: "] {
            assert_eq!(
                of(&run_forwards(&cx, &forwards(5, 30, HOME, prefix)), AUTO_FORWARD).len(),
                1
            );
        }
    }

    #[test]
    fn forwards_below_the_count_late_internal_or_unreceived_are_not() {
        let cx = typical();
        assert!(of(&run_forwards(&cx, &forwards(4, 30, HOME, "FW: ")), AUTO_FORWARD).is_empty());
        // Eleven minutes after receipt is not automatic.
        assert!(of(&run_forwards(&cx, &forwards(5, 660, HOME, "FW: ")), AUTO_FORWARD).is_empty());
        // Ten minutes is.
        assert_eq!(
            of(&run_forwards(&cx, &forwards(5, 600, HOME, "FW: ")), AUTO_FORWARD).len(),
            1
        );
        let inside = forwards(5, 30, "deputy@kestrelbrook.example", "FW: ");
        assert!(of(&run_forwards(&cx, &inside), AUTO_FORWARD).is_empty());
        // A reply is not a forward; nor is a forward of something never received.
        assert!(of(&run_forwards(&cx, &forwards(5, 30, HOME, "RE: ")), AUTO_FORWARD).is_empty());
        let unreceived = forwards(5, 30, HOME, "FW: Old ");
        assert!(of(&run_forwards(&cx, &unreceived), AUTO_FORWARD).is_empty());
        // The policy's count decides.
        let three = with(|p| p.mail.forward_count = Some(3));
        assert_eq!(
            of(&run_forwards(&three, &forwards(3, 30, HOME, "FW: ")), AUTO_FORWARD).len(),
            1
        );
    }

    /// One message from `from` to `n` pupils (and, with `list`, through an expanded list).
    fn bulk(from: &str, n: usize, list: bool) -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        if list {
            rows.push((
                "all@kestrelbrook.example".to_owned(),
                "Expanded".to_owned(),
                from.to_owned(),
            ));
        }
        for k in 0..n {
            rows.push((
                format!("21p{k:03}@kestrelbrook.example"),
                "Delivered".to_owned(),
                from.to_owned(),
            ));
        }
        rows
    }

    fn run_bulk(cx: &Context, rows: &[(String, String, String)]) -> Vec<Finding> {
        let rows: Vec<Row> = rows
            .iter()
            .map(|(to, status, from)| {
                (
                    "19/11/2026 12:24:17",
                    from.as_str(),
                    to.as_str(),
                    "Petition",
                    status.as_str(),
                    10_000,
                    "bulk@x",
                )
            })
            .collect();
        detect_trace(cx, &rows)
    }

    #[test]
    fn one_message_to_many_recipients() {
        let cx = typical();
        let found = run_bulk(&cx, &bulk("25quen@kestrelbrook.example", 50, false));
        let f = of(&found, MASS_MAILING);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].user.as_deref(), Some("25quen"));
        assert_eq!(f[0].evidence.len(), 50);
        assert!(f[0].summary.contains("to 50 recipients"), "{}", f[0].summary);
        assert!(
            of(
                &run_bulk(&cx, &bulk("25quen@kestrelbrook.example", 49, false)),
                MASS_MAILING
            )
            .is_empty()
        );
        // Staff mailing a distribution list: what lists are for, graded low; a pupil doing the
        // same stays medium.
        let staff = run_bulk(&cx, &bulk("office@kestrelbrook.example", 60, true));
        let f = of(&staff, MASS_MAILING);
        assert_eq!((f.len(), f[0].severity, f[0].evidence.len()), (1, Severity::Low, 61));
        let pupil = run_bulk(&cx, &bulk("25quen@kestrelbrook.example", 60, true));
        assert_eq!(of(&pupil, MASS_MAILING)[0].severity, Severity::Medium);
        // The list's own address is not a recipient.
        assert!(
            of(
                &run_bulk(&cx, &bulk("office@kestrelbrook.example", 49, true)),
                MASS_MAILING
            )
            .is_empty()
        );
    }

    /// `n` separate messages from one account, each to 6 pupils, `gap` seconds apart.
    fn chain(n: usize, gap: usize) -> Vec<Finding> {
        let mut text = Vec::new();
        for k in 0..n * 6 {
            let msg = k / 6;
            let t = 8 * 3600 + msg * gap;
            text.push((
                format!("17/11/2026 {:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60),
                format!("21p{k:03}@kestrelbrook.example"),
                format!("chain{msg}@x"),
            ));
        }
        let rows: Vec<Row> = text
            .iter()
            .map(|(w, to, id)| {
                (
                    w.as_str(),
                    "20abc@kestrelbrook.example",
                    to.as_str(),
                    "Send this to 6 friends",
                    "Delivered",
                    5_000,
                    id.as_str(),
                )
            })
            .collect();
        detect_trace(&typical(), &rows)
    }

    #[test]
    fn one_sender_to_many_within_an_hour_is_chain_mailing() {
        let found = chain(9, 300);
        let f = of(&found, MASS_MAILING);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!((f[0].severity, f[0].evidence.len()), (Severity::Medium, 54));
        assert!(
            f[0].summary.contains("9 messages to 54 different recipients"),
            "{}",
            f[0].summary
        );
        // Eight messages (48 people) in the hour is not; nor nine spread over three hours.
        assert!(of(&chain(8, 300), MASS_MAILING).is_empty());
        assert!(of(&chain(9, 1300), MASS_MAILING).is_empty());
    }

    fn big(from: &str, to: &str, size: u64) -> Vec<Finding> {
        detect_trace(
            &typical(),
            &[(
                "18/11/2026 15:52:40",
                from,
                to,
                "Trip photos",
                "Delivered",
                size,
                "big@x",
            )],
        )
    }

    #[test]
    fn large_messages_to_outside_addresses() {
        let found = big("nthorn@kestrelbrook.example", "nia@webmail.example", 20_000_000);
        let f = of(&found, LARGE_EXTERNAL);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(
            (f[0].severity, f[0].user.as_deref()),
            (Severity::Medium, Some("nthorn"))
        );
        assert_eq!(f[0].about.as_deref(), Some("nia@webmail.example"));
        assert!(f[0].summary.contains("20.0 MB"), "{}", f[0].summary);
        assert!(
            of(
                &big("nthorn@kestrelbrook.example", "nia@webmail.example", 19_999_999),
                LARGE_EXTERNAL
            )
            .is_empty()
        );
        assert!(
            of(
                &big("nthorn@kestrelbrook.example", "x@kestrelbrook.example", 30_000_000),
                LARGE_EXTERNAL
            )
            .is_empty()
        );
        assert!(
            of(
                &big("nia@webmail.example", "nthorn@kestrelbrook.example", 30_000_000),
                LARGE_EXTERNAL
            )
            .is_empty()
        );
    }

    #[test]
    fn one_message_seen_by_the_relay_and_microsoft_365_is_one_finding() {
        let relay = "\
Nov 16 09:35:14 kb-relay postfix/smtpd[2031]: DC67A12B3C: client=kb-mis01.kestrelbrook.example[10.40.1.40]
Nov 16 09:35:14 kb-relay postfix/cleanup[2032]: DC67A12B3C: message-id=<b1.283@kb-mis01.kestrelbrook.example>
Nov 16 09:35:14 kb-relay postfix/qmgr[1077]: DC67A12B3C: from=<mis-noreply@kestrelbrook.example>, size=25000000, nrcpt=1 (queue active)
Nov 16 09:35:16 kb-relay postfix/smtp[2040]: DC67A12B3C: to=<jo@familynet.example>, relay=m365.example[198.51.100.25]:25, delay=2.3, delays=0.2/0.8/0.2/1.2, dsn=2.6.0, status=sent (250 2.6.0 Queued mail for delivery)
Nov 16 09:35:16 kb-relay postfix/qmgr[1077]: DC67A12B3C: removed
";
        let m365 = trace(&[(
            "16/11/2026 09:35:17",
            "mis-noreply@kestrelbrook.example",
            "jo@familynet.example",
            "Absence",
            "Delivered",
            25_000_500,
            "b1.283@kb-mis01.kestrelbrook.example",
        )]);
        let found = detect_in(&typical(), &[("maillog", relay.to_owned()), ("trace.csv", m365)]);
        let f = of(&found, LARGE_EXTERNAL);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!(f[0].evidence.len(), 2, "the relay's and the trace's rows");
    }

    #[test]
    fn pupils_mailing_outside_addresses() {
        let cx = typical();
        let rows: Vec<Row> = vec![
            (
                "17/11/2026 13:12:41",
                "25pell@kestrelbrook.example",
                "gamer@freemail.example",
                "hey",
                "Delivered",
                9_000,
                "a@x",
            ),
            (
                "17/11/2026 13:43:41",
                "25pell@kestrelbrook.example",
                "gamer@freemail.example",
                "Re: hey",
                "Delivered",
                9_000,
                "b@x",
            ),
            (
                "17/11/2026 14:00:00",
                "25pell@kestrelbrook.example",
                "aunt@home.example",
                "hi",
                "Delivered",
                9_000,
                "c@x",
            ),
            (
                "17/11/2026 14:00:00",
                "25pell@kestrelbrook.example",
                "jsmith@kestrelbrook.example",
                "homework",
                "Delivered",
                9_000,
                "d@x",
            ),
            (
                "17/11/2026 14:05:00",
                "jsmith@kestrelbrook.example",
                "parent@home.example",
                "homework",
                "Delivered",
                9_000,
                "e@x",
            ),
        ];
        let found = detect_trace(&cx, &rows);
        let f = of(&found, PUPIL_EXTERNAL);
        assert_eq!(f.len(), 2, "{found:#?}");
        assert_eq!((f[0].severity, f[0].user.as_deref()), (Severity::Low, Some("25pell")));
        assert_eq!(f[0].about.as_deref(), Some("gamer@freemail.example"));
        assert_eq!(f[0].evidence.len(), 2);
        assert!(f[0].summary.contains("pupils group"), "{}", f[0].summary);
        assert_eq!(f[1].about.as_deref(), Some("aunt@home.example"));
        // With no internal-only groups there is nothing to report.
        let open = with(|p| p.mail.internal_only.clear());
        assert!(of(&detect_trace(&open, &rows), PUPIL_EXTERNAL).is_empty());
    }

    fn bounces(total: usize, failed: usize) -> Vec<Finding> {
        let text: Vec<(String, String)> = (0..total)
            .map(|k| (format!("18/11/2026 10:{k:02}:00"), format!("r{k}@x")))
            .collect();
        let rows: Vec<Row> = text
            .iter()
            .enumerate()
            .map(|(k, (w, id))| {
                let status = if k < failed { "Failed" } else { "Delivered" };
                (
                    w.as_str(),
                    "scan@printer.local",
                    "staff@kestrelbrook.example",
                    "Scan",
                    status,
                    1_000,
                    id.as_str(),
                )
            })
            .collect();
        detect_trace(&typical(), &rows)
    }

    #[test]
    fn senders_whose_mail_mostly_fails() {
        let found = bounces(10, 5);
        let f = of(&found, REJECT_RATE);
        assert_eq!(f.len(), 1, "{found:#?}");
        assert_eq!((f[0].severity, f[0].evidence.len()), (Severity::Low, 5));
        assert_eq!(f[0].user.as_deref(), Some("scan@printer.local"));
        assert!(f[0].summary.starts_with("5 of 10 messages"), "{}", f[0].summary);
        assert!(of(&bounces(10, 4), REJECT_RATE).is_empty(), "under the rate");
        assert!(of(&bounces(9, 9), REJECT_RATE).is_empty(), "too few messages");
    }

    #[test]
    fn forward_markers_and_subjects() {
        assert_eq!(forwarded_subject("FW: Duty rota"), Some(" Duty rota"));
        assert_eq!(forwarded_subject("fwd:x"), Some("x"));
        assert_eq!(forwarded_subject("Fw : Re: trip"), Some(" Re: trip"));
        assert_eq!(forwarded_subject("RE: trip"), None);
        assert_eq!(forwarded_subject("Notice"), None);
        assert_eq!(subject_key("  Duty   Rota "), "duty rota");
        assert_eq!(list(&["a", "b", "c", "d", "e", "f"], 3), "a, b, c and 3 more");
        assert_eq!(list(&["a", "b"], 3), "a and b");
    }
}
