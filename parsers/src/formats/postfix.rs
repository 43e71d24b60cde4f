//! Postfix mail log lines (after the syslog envelope), one step of a message's life each; the
//! ingest joins them by queue id (`msg_key`) in file order.
//!
//! ```text
//! postfix/smtpd[1234]: 3F2A81C0B2: client=mx.example.net[192.0.2.5]
//! postfix/cleanup[3125]: 3F2A81C0B2: message-id=<a1b2.6157@example.net>
//! postfix/qmgr[1034]: 3F2A81C0B2: from=<newsletter@example.net>, size=4166, nrcpt=2 (queue active)
//! postfix/amavis/smtp[4387]: 3F2A81C0B2: to=<pupil0402@kestrelbrook.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.64, delays=0.02/0.02/0.38/0.22, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BB07B7DF1D)
//! postfix/qmgr[1034]: 3F2A81C0B2: removed
//! postfix/smtpd[1240]: NOQUEUE: reject: RCPT from unknown[203.0.113.50]: 554 5.7.1 <x@elsewhere.example>: Relay access denied; from=<spam@example.com> to=<x@elsewhere.example> proto=ESMTP helo=<kestrelbrook.example>
//! ```
//!
//! `program` is the syslog tag without the pid; any instance or service naming is Postfix:
//! `postfix/smtpd`, `postfix-incoming/smtpd` (`postmulti` instances), `postfix/10025/smtpd`,
//! `postfix/submission/smtpd`, `postfix/amavis/smtp` (master.cf `syslog_name`); [`daemon`] gives
//! the last component.
//!
//! # Mapping (one [`MailEvent`] per line; `ts` is `None`, the envelope's time applies)
//!
//! | line (after `QID: `) | event |
//! |---|---|
//! | smtpd/postscreen `client=host[ip][, sasl_…, orig_queue_id=…, orig_client=…]` | `Received`, `client`, `client_ip` |
//! | pickup `uid=N from=<user>` (or `sender=`) | `Received`, `detail` = the text (the unqualified local sender) |
//! | cleanup `message-id=<id>` | fact: `message_id` (brackets dropped) |
//! | qmgr `from=<s>, size=N, nrcpt=N (queue active)` | fact: `from`, `size`, `recipients` (logged again at every retry) |
//! | qmgr `from=<s>, status=expired, returned to sender` | `Expired`, `from`, `detail` |
//! | any agent `to=<r>, [orig_to=<a>,] relay=R, …, status=S (text)` | `Sent`/`Deferred`/`Bounced`/`Expired`, `to`, `relay`, `detail` = text |
//! | … `status=sent (forwarded as NEWQID)` (local aliases, `.forward`) | `Expanded` (pflogsumm's "forwarded") |
//! | … `status=deliverable`/`undeliverable` (address-verification probes) | fact: `to`, `relay`, `detail`, no status |
//! | qmgr/postsuper `removed` | `done` |
//! | `reject:`, `milter-reject:` | `Rejected`, with `from`, `to`, `client`, `client_ip`, `detail` |
//! | `reject_warning:`, cleanup `warning: header/body …` | `RejectWarning` |
//! | `hold:`, `milter-hold:` / `discard:`, `milter-discard:` | `Held` / `Discarded` |
//! | cleanup `info: header Subject: …` | fact: `subject` |
//!
//! The refusal lines come as `NOQUEUE: reject: RCPT from host[ip]: REPLY; from=<s> to=<r>
//! proto=ESMTP helo=<h>` (smtpd; `detail` = REPLY), postscreen's `… from [ip]:port: REPLY;
//! from=<s>, to=<r>, proto=ESMTP, helo=<h>`, with a queue id when the transaction had one, and
//! cleanup's `QID: reject: header Subject: TEXT from host[ip]; from=<s> to=<r> proto=ESMTP
//! helo=<h>[: OPTIONAL TEXT]` (`detail` = the optional text, else `header Subject: TEXT`; a
//! Subject header also fills `subject`). A null sender `<>` is `from = Some(b"")`.
//!
//! Every other line of a Postfix program (connect/disconnect, lost connection, TLS, `warning:`,
//! `statistics:`, postscreen's PASS/DNSBL/PREGREET chatter, anvil, scache, master start/reload,
//! `host … said:`, bounce's `sender non-delivery notification: NEWQID`, `filter:`/`redirect:`
//! actions) is understood but carries no message event: `Ok(MailEvent::default())`. `Err` is only
//! for a program that is not Postfix, an empty message, or a malformed event line (`to=<` without
//! `>`, `size=` not a number, an unknown `status=`, a `to=` line without `status=`).
//!
//! # Quirks handled
//! - Short hex queue ids (`3F2A81C0B2`) and long ids (`enable_long_queue_ids`: `4Xk3Zr1n2Mz9Qb`,
//!   base 52 without vowels, a `z` between time and inode), see [`is_queue_id`].
//! - IPv6 clients and relays (`unknown[2001:db8::1]`, `[IPv6:2001:db8::1]`,
//!   `relay=mx.example[2001:db8::25]:25`); a client named `unknown` (no reverse DNS) has
//!   `client = None`, its address kept.
//! - `orig_to=` and `conn_use=` between the delivery fields; parentheses inside the status text
//!   (`(… (in reply to RCPT TO command))`); `dsn=`/`delay=` absent.
//! - `NOQUEUE: client=` (before-queue proxy filters) is `Received` without a queue id.
//! - Pre-2.3 refusals without `NOQUEUE:` (`reject: RCPT from …`); `CONNECT`-stage refusals
//!   without `from=`/`to=`; postscreen's comma-separated tail; reply texts containing `; `.
//! - Solaris syslog's `[ID 197553 mail.info] ` before the message.
//! - `status=SOFTBOUNCE` (`soft_bounce = yes`) is `Deferred`.
//! - Lines cut short by syslog (a truncated `helo=<` in a refusal tail) still parse.
//!
//! # How pflogsumm 1.1.5 counts (its "Grand Totals"), and what the join must do to match
//!
//! pflogsumm reads RFC 3164 or RFC 3339 syslog lines whose tag matches
//! `^postfix(/(smtps|submission))?/CMD` (or `--syslog-name=NAME` instead of `postfix`; `postfix`
//! alone and `postfix-script` too). So with the default name, **`postfix-NAME/…` instances are
//! ignored entirely**, and a `syslog_name=postfix/10025` service has CMD `10025/smtpd`, which is
//! neither `smtpd` nor `cleanup` (its `client=` and refusal lines are not counted, its
//! deliveries are). [`pflogsumm_cmd`] computes CMD; `None` means pflogsumm skips the line.
//! The queue id is the first token after `tag[pid]: `. Rules, in pflogsumm's order:
//! - **rejected / reject warnings / held / discarded**: (a) CMD `cleanup` lines
//!   `(milter-)reject|warning|hold|discard: header|body|END-OF-MESSAGE …` (a `milter-hold` counts
//!   as held), (b) lines whose first token is `reject`, `reject_warning`, `hold`, `discard`
//!   (old format, any CMD), (c) CMD `smtpd`/`postscreen` lines `WORD: reject|reject_warning|
//!   hold|discard: …` (`NOQUEUE` or a queue id). One count per line. **smtpd `milter-reject` is not
//!   counted** (vigil counts it as `Rejected`). "rejected (P%)" is
//!   `int(rejected / (delivered + rejected + discarded) * 100)`, the same for discarded.
//! - **received**: one per CMD `smtpd`/`postscreen` line `WORD: client=…` plus one per CMD `pickup`
//!   line with `sender=`/`uid=`: not per qmgr line, not deduplicated. Messages made inside
//!   Postfix (bounces, alias forwards, verify probes) are not received; each content-filter hop
//!   re-injected through a plain `postfix/smtpd` is received again.
//! - **bytes received, senders, sending hosts/domains**: on the first `from=<s>, size=N` line of
//!   a queue id (any CMD but smtpd/postscreen/master; the later ones qmgr logs at every retry are
//!   skipped, unless the first N was 0), if a received line for that queue id came before (and was
//!   not used yet): add N, the sender (`from=<>` for the null sender; the domain part
//!   lower-cased) and its domain (after the first `@`; for a sender without one: the user for
//!   pickup, else the client's domain: its name cut to the last two labels, three for `xx.yy`
//!   endings, or the IP for `unknown`).
//! - **delivered, recipients, recipient hosts/domains, bytes delivered**: each `to=<r>,
//!   [orig_to=<…>,] relay=…, delay=…, status=sent` line (any CMD but smtpd/postscreen/master/
//!   cleanup-checks; the queue's own `amavis/smtp` hop to a content filter counts too) whose text
//!   has no `forwarded as `; recipient = `to=` (`orig_to` is ignored), domain part lower-cased;
//!   bytes delivered adds the queue id's recorded size for every such recipient line (0 when the
//!   size line was not seen).
//! - **forwarded**: `status=sent` lines with `forwarded as ` (vigil: `Expanded`).
//! - **deferred**: distinct queue ids with a `status=deferred` line (ever, never reset);
//!   **deferrals**: every such line. **bounced**: every `status=bounced` line. `status=expired`
//!   (qmgr, no `to=`), `SOFTBOUNCE`, `deliverable` and `undeliverable` are not counted.
//!
//! So the join reproduces pflogsumm with: keep only lines whose [`pflogsumm_cmd`] is `Some`;
//! received = events with `Received` (where CMD is `smtpd`, `postscreen` or `pickup`); the
//! message's sender of record is the `from` of the `from`+`size` event, not pickup's unqualified
//! user; per queue id, the size of the first
//! event with `from`+`size`; bytes received = that size for ids with a `Received` event;
//! delivered = `Sent` events with `to` (bytes delivered = the id's size once per such event);
//! forwarded = `Expanded`; deferrals = `Deferred` events with `to` (not SOFTBOUNCE), deferred =
//! their distinct ids; bounced = `Bounced`; rejected/warnings/held/discarded = the matching
//! statuses under the CMD rules above. [`PflogsummTotals`] does exactly this and is tested
//! against real pflogsumm output (`tests/data/postfix/pflogsumm.txt`).

use memchr::memmem;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::mail::{MailEvent, MailStatus};

/// Whether `program` (a syslog tag without pid) names a Postfix program: `postfix` or
/// `postfix-NAME`, optionally followed by `/SERVICE` components (`postfix/10025/smtpd`).
pub fn is_postfix(program: &[u8]) -> bool {
    let mut parts = program.split(|&b| b == b'/');
    let Some(first) = parts.next() else {
        return false;
    };
    let instance = first == b"postfix"
        || first.strip_prefix(b"postfix-").is_some_and(|name| {
            !name.is_empty()
                && name
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    instance
        && parts.all(|p| {
            !p.is_empty()
                && p.iter()
                    .all(|&b| b.is_ascii_graphic() && !matches!(b, b'[' | b']' | b':'))
        })
}

/// The daemon of a Postfix program name: its last `/` component (`postfix/amavis/smtp` → `smtp`).
pub fn daemon(program: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', program) {
        Some(i) => &program[i + 1..],
        None => program,
    }
}

/// The command pflogsumm 1.1.5 sees in a line of `program` (its `$cmd`), given its
/// `--syslog-name` (pflogsumm's default is `postfix`); `None` when pflogsumm skips the line.
///
/// `postfix/smtpd` → `smtpd`, `postfix/submission/smtpd` and `postfix/smtps/smtpd` → `smtpd`,
/// `postfix/10025/smtpd` → `10025/smtpd`, `postfix-incoming/smtpd` → `None` (unless it is the
/// syslog name), `postfix` and `postfix-script` → themselves.
pub fn pflogsumm_cmd<'a>(program: &'a [u8], syslog_name: &[u8]) -> Option<&'a [u8]> {
    for name in [&b"postfix"[..], syslog_name] {
        if name.is_empty() {
            continue;
        }
        let Some(rest) = program.strip_prefix(name).and_then(|r| r.strip_prefix(b"/")) else {
            continue;
        };
        let rest = rest
            .strip_prefix(b"smtps/")
            .or_else(|| rest.strip_prefix(b"submission/"))
            .unwrap_or(rest);
        let end = rest.iter().position(|&b| b == b'[' || b == b':').unwrap_or(rest.len());
        return Some(&rest[..end]);
    }
    (program == b"postfix" || program == b"postfix-script").then_some(program)
}

/// Whether `w` is a Postfix queue id: 5–20 upper-case hex digits (`3F2A81C0B2`), or a long id
/// (`enable_long_queue_ids`, `4Xk3Zr1n2Mz9Qb`): 12–32 letters and digits without vowels,
/// with the `z` that separates the time from the inode number.
pub fn is_queue_id(w: &[u8]) -> bool {
    let short = (5..=20).contains(&w.len()) && w.iter().all(|&b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
    let long = (12..=32).contains(&w.len())
        && w.iter()
            .all(|&b| b.is_ascii_alphanumeric() && !b"AEIOUaeiou".contains(&b))
        && w.contains(&b'z');
    short || long
}

/// The value of `name=` in a Postfix message: `<…>` contents for addresses (`orig_to`), else up
/// to the next `, ` (`sasl_username`, `orig_queue_id`, `orig_client`, `dsn`, `delay`).
///
/// For the facts [`MailEvent`] has no field for: `orig_to=` of deliveries, `sasl_username=` of
/// `client=` lines (who sent it), `orig_queue_id=` of content-filter re-injections (links the two
/// queue ids of one message).
pub fn attribute<'a>(msg: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = memmem::find(msg.get(from..)?, name) {
        let at = from + i;
        from = at + 1;
        let before_ok = at == 0 || matches!(msg[at - 1], b' ' | b',');
        let Some(value) = msg.get(at + name.len()..).and_then(|r| r.strip_prefix(b"=")) else {
            continue;
        };
        if !before_ok {
            continue;
        }
        if let Some(inner) = value.strip_prefix(b"<") {
            return memchr::memchr(b'>', inner).map(|c| &inner[..c]);
        }
        let end = memmem::find(value, b", ").unwrap_or(value.len());
        return Some(&value[..end]);
    }
    None
}

/// Parses one Postfix message: `program` is the syslog tag without pid, `msg` what follows
/// `tag[pid]: `.
pub fn parse<'a>(program: &'a [u8], msg: &'a [u8]) -> Result<MailEvent<'a>, &'static str> {
    if !is_postfix(program) {
        return Err("program is not postfix, postfix-NAME or postfix/SERVICE");
    }
    let msg = trim(strip_solaris_id(msg));
    if msg.is_empty() {
        return Err("empty Postfix message");
    }
    let Some((head, body)) = split_once(msg, b": ") else {
        return Ok(MailEvent::default());
    };
    if is_queue_id(head) {
        return queue_line(head, body);
    }
    if head == b"NOQUEUE" {
        if let Some(v) = body.strip_prefix(b"client=") {
            let mut ev = MailEvent {
                status: Some(MailStatus::Received),
                ..MailEvent::default()
            };
            client_value(&mut ev, v);
            return Ok(ev);
        }
        if let Some((word, rest)) = split_once(body, b": ")
            && let Some(status) = action(word)
        {
            return Ok(refusal(None, Some(status), rest));
        }
        return Ok(MailEvent::default());
    }
    if let Some(status) = action(head) {
        // Before Postfix 2.3: `reject: RCPT from …` without `NOQUEUE: `.
        return Ok(refusal(None, Some(status), body));
    }
    Ok(MailEvent::default())
}

/// A line that starts with a queue id.
fn queue_line<'a>(qid: &'a [u8], body: &'a [u8]) -> Result<MailEvent<'a>, &'static str> {
    let mut ev = MailEvent {
        msg_key: Some(qid),
        ..MailEvent::default()
    };
    if let Some(v) = body.strip_prefix(b"client=") {
        ev.status = Some(MailStatus::Received);
        client_value(&mut ev, v);
    } else if let Some(v) = body.strip_prefix(b"message-id=") {
        let v = trim(v);
        let v = v.strip_prefix(b"<").map_or(v, |i| i.strip_suffix(b">").unwrap_or(i));
        ev.message_id = (!v.is_empty()).then_some(v);
    } else if body.starts_with(b"to=<") || body.starts_with(b"from=<") {
        fields(&mut ev, body)?;
        if ev.to.is_some() && ev.status.is_none() && ev.detail.is_none() {
            return Err("to= line without status=");
        }
    } else if body.starts_with(b"uid=") || body.starts_with(b"sender=") {
        ev.status = Some(MailStatus::Received);
        ev.detail = Some(body);
    } else if body == b"removed" {
        ev.done = true;
    } else if let Some((word, rest)) = split_once(body, b": ") {
        let status = match word {
            b"warning" if is_check(rest) || rest.starts_with(b"END-OF-MESSAGE ") => Some(MailStatus::RejectWarning),
            b"info" if is_check(rest) => None,
            _ => match action(word) {
                Some(status) => Some(status),
                // filter:, redirect:, host … said:, sender non-delivery notification: …
                None => return Ok(MailEvent::default()),
            },
        };
        return Ok(refusal(Some(qid), status, rest));
    } else {
        return Ok(MailEvent::default());
    }
    Ok(ev)
}

/// The status of a refusal-type action word.
fn action(word: &[u8]) -> Option<MailStatus> {
    Some(match word {
        b"reject" | b"milter-reject" => MailStatus::Rejected,
        b"reject_warning" => MailStatus::RejectWarning,
        b"hold" | b"milter-hold" => MailStatus::Held,
        b"discard" | b"milter-discard" => MailStatus::Discarded,
        _ => return None,
    })
}

/// Whether a cleanup action's text is a header/body check.
fn is_check(rest: &[u8]) -> bool {
    rest.starts_with(b"header ") || rest.starts_with(b"body ")
}

/// What follows a refusal-type action word: `STAGE from CLIENT: REPLY; from=<…> to=<…> proto=…
/// helo=<…>` or cleanup's `header TEXT from CLIENT; from=<…> to=<…> proto=… helo=<…>[: TEXT]`.
fn refusal<'a>(qid: Option<&'a [u8]>, status: Option<MailStatus>, rest: &'a [u8]) -> MailEvent<'a> {
    let mut ev = MailEvent {
        msg_key: qid,
        status,
        ..MailEvent::default()
    };
    if is_check(rest) {
        let (before, tail) = match tail_start(rest) {
            Some(i) => (&rest[..i], &rest[i + 2..]),
            None => (rest, &b""[..]),
        };
        let what = match memmem::rfind(before, b" from ") {
            Some(i) => {
                client_value(&mut ev, &before[i + 6..]);
                &before[..i]
            }
            None => before,
        };
        if let Some(h) = what.strip_prefix(b"header ")
            && h.len() > 8
            && h[..8].eq_ignore_ascii_case(b"subject:")
        {
            ev.subject = Some(trim(&h[8..]));
        }
        let reason = tail_fields(&mut ev, tail);
        ev.detail = reason.or(Some(what));
        return ev;
    }
    let Some(f) = memmem::find(rest, b" from ") else {
        ev.detail = (!rest.is_empty()).then_some(rest);
        return ev;
    };
    let (client, reply) = split_client(&rest[f + 6..]);
    client_value(&mut ev, client);
    let reply = match tail_start(reply) {
        Some(i) => {
            let _ = tail_fields(&mut ev, &reply[i + 2..]);
            &reply[..i]
        }
        None => reply,
    };
    ev.detail = (!reply.is_empty()).then_some(reply);
    ev
}

/// Splits `host[ip]: REPLY` or postscreen's `[ip]:port: REPLY` (IPv6 colons inside the brackets).
fn split_client(s: &[u8]) -> (&[u8], &[u8]) {
    let colon = memmem::find(s, b": ").unwrap_or(s.len());
    if let Some(open) = memchr::memchr(b'[', s)
        && open < colon
        && let Some(close) = memchr::memchr(b']', &s[open..]).map(|c| open + c)
    {
        let mut end = close + 1;
        if s.get(end) == Some(&b':') && s.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1;
            while s.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        let rest = &s[end..];
        return (&s[..end], rest.strip_prefix(b": ").unwrap_or(rest));
    }
    (&s[..colon], s.get(colon + 2..).unwrap_or(&[]))
}

/// Where the `; from=<… to=<… proto=… helo=<…` tail of a refusal starts (at the `;`).
fn tail_start(s: &[u8]) -> Option<usize> {
    memmem::find_iter(s, b"; ").find(|&i| {
        let r = &s[i + 2..];
        r.starts_with(b"from=<") || r.starts_with(b"to=<") || r.starts_with(b"proto=") || r.starts_with(b"helo=<")
    })
}

/// Reads a refusal tail into `ev`; returns cleanup's optional text after it. Lenient: a field cut
/// short by syslog's line limit is left out.
fn tail_fields<'a>(ev: &mut MailEvent<'a>, tail: &'a [u8]) -> Option<&'a [u8]> {
    let mut rest = tail;
    loop {
        while let Some((&b' ' | &b',', r)) = rest.split_first() {
            rest = r;
        }
        if let Some(r) = rest.strip_prefix(b"from=<") {
            let (v, next) = angle(r);
            ev.from = v;
            rest = next;
        } else if let Some(r) = rest.strip_prefix(b"to=<") {
            let (v, next) = angle(r);
            ev.to = v;
            rest = next;
        } else if let Some(r) = rest.strip_prefix(b"helo=<") {
            rest = angle(r).1;
        } else if let Some(r) = rest.strip_prefix(b"proto=") {
            let end = r
                .iter()
                .position(|&b| matches!(b, b' ' | b',' | b':'))
                .unwrap_or(r.len());
            rest = &r[end..];
        } else {
            let reason = trim(rest.strip_prefix(b":").unwrap_or(&[]));
            return (!reason.is_empty()).then_some(reason);
        }
    }
}

/// The address up to `>` and what follows; `None` and nothing when `>` is missing.
fn angle(r: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match memchr::memchr(b'>', r) {
        Some(c) => (Some(&r[..c]), &r[c + 1..]),
        None => (None, &[]),
    }
}

/// `host[ip]` (up to `, ` for `client=` lines) into `client` and `client_ip`.
fn client_value<'a>(ev: &mut MailEvent<'a>, v: &'a [u8]) {
    let v = &v[..memmem::find(v, b", ").unwrap_or(v.len())];
    let (name, ip) = match memchr::memchr(b'[', v) {
        Some(open) => {
            let inner = &v[open + 1..];
            let ip = &inner[..memchr::memchr(b']', inner).unwrap_or(inner.len())];
            (&v[..open], Some(ip.strip_prefix(b"IPv6:").unwrap_or(ip)))
        }
        None => (v, None),
    };
    ev.client = (!name.is_empty() && name != b"unknown").then_some(name);
    ev.client_ip = ip.filter(|ip| !ip.is_empty());
}

/// The `key=value, key=<addr>, …, status=WORD (text)` fields of qmgr and delivery lines.
fn fields<'a>(ev: &mut MailEvent<'a>, body: &'a [u8]) -> Result<(), &'static str> {
    let mut rest = body;
    loop {
        while let Some((&b' ' | &b',', r)) = rest.split_first() {
            rest = r;
        }
        let Some(eq) = memchr::memchr(b'=', rest) else {
            return Ok(());
        };
        let key = &rest[..eq];
        if key.is_empty() || key.contains(&b' ') {
            return Ok(());
        }
        let after = &rest[eq + 1..];
        if key == b"status" {
            return status(ev, after);
        }
        let (value, next) = if let Some(inner) = after.strip_prefix(b"<") {
            let close = memchr::memchr(b'>', inner).ok_or(match key {
                b"to" => "to=< is not terminated by >",
                b"from" => "from=< is not terminated by >",
                b"orig_to" => "orig_to=< is not terminated by >",
                _ => "an address field is not terminated by >",
            })?;
            (&inner[..close], &inner[close + 1..])
        } else {
            let end = memmem::find(after, b", ").unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match key {
            b"to" => ev.to = Some(value),
            b"from" => ev.from = Some(value),
            b"relay" => ev.relay = Some(value),
            b"size" => ev.size = Some(super::number(value).ok_or("size= is not a number")?),
            b"nrcpt" => {
                let n = value.iter().take_while(|b| b.is_ascii_digit()).count();
                let count = super::number(&value[..n]).and_then(|c| u32::try_from(c).ok());
                ev.recipients = Some(count.ok_or("nrcpt= is not a number")?);
            }
            _ => {}
        }
        rest = next;
    }
}

/// `status=WORD (text)` or qmgr's `status=expired, returned to sender`.
fn status<'a>(ev: &mut MailEvent<'a>, after: &'a [u8]) -> Result<(), &'static str> {
    let end = after
        .iter()
        .position(|&b| b == b' ' || b == b',')
        .unwrap_or(after.len());
    let word = &after[..end];
    let mut text = &after[end..];
    while let Some((&b' ' | &b',', r)) = text.split_first() {
        text = r;
    }
    if let Some(inner) = text.strip_prefix(b"(") {
        text = inner.strip_suffix(b")").unwrap_or(inner);
    }
    ev.detail = (!text.is_empty()).then_some(text);
    ev.status = match word {
        b"sent" if memmem::find(text, b"forwarded as ").is_some() => Some(MailStatus::Expanded),
        b"sent" => Some(MailStatus::Sent),
        b"deferred" | b"SOFTBOUNCE" => Some(MailStatus::Deferred),
        b"bounced" => Some(MailStatus::Bounced),
        b"expired" => Some(MailStatus::Expired),
        b"deliverable" | b"undeliverable" => None,
        _ => return Err("status= is not sent, deferred, bounced, expired or (un)deliverable"),
    };
    if ev.detail.is_none() && ev.status.is_none() {
        ev.detail = Some(word);
    }
    Ok(())
}

/// Drops Solaris syslog's `[ID 197553 mail.info] `.
fn strip_solaris_id(msg: &[u8]) -> &[u8] {
    if msg.starts_with(b"[ID ")
        && let Some(end) = memmem::find(msg, b"] ")
    {
        return &msg[end + 2..];
    }
    msg
}

/// Trims spaces and `\r` at both ends.
fn trim(mut s: &[u8]) -> &[u8] {
    while let Some((&(b' ' | b'\r' | b'\t'), r)) = s.split_first() {
        s = r;
    }
    while let Some((&(b' ' | b'\r' | b'\t'), r)) = s.split_last() {
        s = r;
    }
    s
}

/// Splits at the first `sep`.
fn split_once<'a>(s: &'a [u8], sep: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let i = memmem::find(s, sep)?;
    Some((&s[..i], &s[i + sep.len()..]))
}

/// pflogsumm 1.1.5's "Grand Totals", computed from [`parse`]'s events the way its Perl does: the
/// reference for parity tests of the mail join (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct PflogsummTotals {
    /// `--syslog-name` (empty: `postfix`).
    pub syslog_name: Vec<u8>,
    /// Messages received.
    pub received: u64,
    /// Recipient deliveries.
    pub delivered: u64,
    /// Deliveries that forwarded the message (`forwarded as`).
    pub forwarded: u64,
    /// Queue ids with a deferral.
    pub deferred: u64,
    /// Deferral lines.
    pub deferrals: u64,
    /// Bounce lines.
    pub bounced: u64,
    /// Refusals.
    pub rejected: u64,
    /// Warn-only refusals.
    pub reject_warnings: u64,
    /// Holds.
    pub held: u64,
    /// Discards.
    pub discarded: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Bytes delivered (the message size once per delivered recipient).
    pub bytes_delivered: u64,
    /// Distinct senders.
    pub senders: FxHashSet<Vec<u8>>,
    /// Distinct sending domains (or client hosts).
    pub sending_domains: FxHashSet<Vec<u8>>,
    /// Distinct delivered recipients.
    pub recipients: FxHashSet<Vec<u8>>,
    /// Distinct recipient domains.
    pub recipient_domains: FxHashSet<Vec<u8>>,
    sizes: FxHashMap<Vec<u8>, u64>,
    whence: FxHashMap<Vec<u8>, Vec<u8>>,
    deferred_ids: FxHashSet<Vec<u8>>,
}

impl PflogsummTotals {
    /// Adds one line: `program` is the syslog tag without pid, `msg` what follows `tag[pid]: `.
    pub fn add(&mut self, program: &[u8], msg: &[u8]) {
        let Some(cmd) = pflogsumm_cmd(program, &self.syslog_name) else {
            return;
        };
        let Ok(ev) = parse(program, msg) else {
            return;
        };
        let msg = strip_solaris_id(msg);
        let qid = ev.msg_key.unwrap_or(b"NOQUEUE");
        // What follows the first token (`QID: `, `NOQUEUE: `): the action word for refusals.
        let first_end = msg
            .iter()
            .position(|&b| b == b':' || b.is_ascii_whitespace())
            .unwrap_or(msg.len());
        let first = &msg[..first_end];
        let second = split_once(msg, b": ").map_or(&b""[..], |(_, r)| r);
        let second_word = split_once(second, b": ").map_or(&b""[..], |(w, _)| w);
        if cmd == b"cleanup" && (action(second_word).is_some() || second_word == b"warning") {
            let check = split_once(second, b": ").map_or(&b""[..], |(_, r)| r);
            if is_check(check) || check.starts_with(b"END-OF-MESSAGE ") {
                self.count_refusal(ev.status);
                return;
            }
        }
        if matches!(first, b"warning" | b"fatal" | b"panic") {
            return;
        }
        if matches!(first, b"reject" | b"reject_warning" | b"hold" | b"discard") {
            self.count_refusal(ev.status);
            return;
        }
        if cmd == b"master" {
            return;
        }
        if cmd == b"smtpd" || cmd == b"postscreen" {
            if ev.status == Some(MailStatus::Received) {
                self.received += 1;
                let whence = gimme_domain(ev.client, ev.client_ip);
                self.whence.insert(qid.to_vec(), whence);
            } else if matches!(second_word, b"reject" | b"reject_warning" | b"hold" | b"discard") {
                self.count_refusal(ev.status);
            }
            return;
        }
        if let (Some(from), Some(size)) = (ev.from, ev.size) {
            if self.sizes.get(qid).is_some_and(|&s| s != 0) {
                return;
            }
            self.sizes.insert(qid.to_vec(), size);
            if let Some(whence) = self.whence.remove(qid) {
                let addr = if from.is_empty() {
                    b"from=<>".to_vec()
                } else {
                    lower_domain(from)
                };
                let domain = match domain_of(&addr) {
                    Some(d) if !d.is_empty() => d.to_vec(),
                    _ if whence == b"pickup" => addr.clone(),
                    _ => whence,
                };
                self.senders.insert(addr);
                self.sending_domains.insert(domain);
                self.bytes_received += size;
            }
            return;
        }
        if let Some(to) = ev.to {
            let word = attribute(msg, b"status").unwrap_or(b"");
            let word = &word[..word.iter().position(|&b| b == b' ').unwrap_or(word.len())];
            match (ev.status, word) {
                (Some(MailStatus::Expanded), _) => self.forwarded += 1,
                (Some(MailStatus::Sent), _) => {
                    let addr = lower_domain(to);
                    let domain = domain_of(&addr).unwrap_or(&addr).to_vec();
                    self.recipients.insert(addr);
                    self.recipient_domains.insert(domain);
                    self.delivered += 1;
                    self.bytes_delivered += self.sizes.get(qid).copied().unwrap_or(0);
                }
                (Some(MailStatus::Deferred), b"deferred") => {
                    self.deferrals += 1;
                    if self.deferred_ids.insert(qid.to_vec()) {
                        self.deferred += 1;
                    }
                }
                (Some(MailStatus::Bounced), _) => self.bounced += 1,
                _ => {}
            }
            return;
        }
        if cmd == b"pickup" && ev.status == Some(MailStatus::Received) {
            self.received += 1;
            self.whence.insert(qid.to_vec(), b"pickup".to_vec());
        }
    }

    fn count_refusal(&mut self, status: Option<MailStatus>) {
        match status {
            Some(MailStatus::Rejected) => self.rejected += 1,
            Some(MailStatus::RejectWarning) => self.reject_warnings += 1,
            Some(MailStatus::Held) => self.held += 1,
            Some(MailStatus::Discarded) => self.discarded += 1,
            _ => {}
        }
    }

    /// The "Grand Totals" block as pflogsumm prints it (from its leading blank line to
    /// "recipient hosts/domains").
    pub fn grand_totals(&self) -> String {
        fn units(v: u64) -> String {
            let (n, u) = if v > 536_870_912 {
                (v / 1_048_576, 'm')
            } else if v > 524_288 {
                (v / 1024, 'k')
            } else {
                (v, ' ')
            };
            format!("{n:6}{u}")
        }
        fn pct(part: u64, total: u64) -> u64 {
            if total == 0 {
                0
            } else {
                (part as f64 / total as f64 * 100.0) as u64
            }
        }
        let total = self.delivered + self.rejected + self.discarded;
        let mut s = String::from("\nGrand Totals\n------------\nmessages\n\n");
        s += &format!(" {}  received\n", units(self.received));
        s += &format!(" {}  delivered\n", units(self.delivered));
        s += &format!(" {}  forwarded\n", units(self.forwarded));
        s += &format!(" {}  deferred", units(self.deferred));
        if self.deferrals > 0 {
            s += &format!("  ({} deferrals)", units(self.deferrals).trim_start());
        }
        s += "\n";
        s += &format!(" {}  bounced\n", units(self.bounced));
        s += &format!(" {}  rejected ({}%)\n", units(self.rejected), pct(self.rejected, total));
        s += &format!(" {}  reject warnings\n", units(self.reject_warnings));
        s += &format!(" {}  held\n", units(self.held));
        s += &format!(
            " {}  discarded ({}%)\n\n",
            units(self.discarded),
            pct(self.discarded, total)
        );
        s += &format!(" {}  bytes received\n", units(self.bytes_received));
        s += &format!(" {}  bytes delivered\n", units(self.bytes_delivered));
        s += &format!(" {}  senders\n", units(self.senders.len() as u64));
        s += &format!(" {}  sending hosts/domains\n", units(self.sending_domains.len() as u64));
        s += &format!(" {}  recipients\n", units(self.recipients.len() as u64));
        s += &format!(
            " {}  recipient hosts/domains\n",
            units(self.recipient_domains.len() as u64)
        );
        s
    }
}

/// pflogsumm's address form: the domain part (from the first `@`) lower-cased.
fn lower_domain(addr: &[u8]) -> Vec<u8> {
    let mut out = addr.to_vec();
    if let Some(at) = memchr::memchr(b'@', addr)
        && at + 1 < addr.len()
    {
        out[at..].make_ascii_lowercase();
    }
    out
}

/// What follows the first `@` of an address with a non-empty local part.
fn domain_of(addr: &[u8]) -> Option<&[u8]> {
    memchr::memchr(b'@', addr)
        .filter(|&at| at > 0)
        .map(|at| &addr[at + 1..])
}

/// pflogsumm's `gimme_domain` for a client: the IP for `unknown`, else the name cut to its last
/// two labels (three when it ends in `xx.yy` or `xxx.yy`), lower-cased when cut.
fn gimme_domain(name: Option<&[u8]>, ip: Option<&[u8]>) -> Vec<u8> {
    let Some(name) = name else {
        return ip.unwrap_or(b"").to_vec();
    };
    let labels: Vec<&[u8]> = name.split(|&b| b == b'.').collect();
    let n = labels.len();
    let keep = if n >= 3 && labels[n - 1].len() == 3 && !labels[n - 2].is_empty() {
        2
    } else if n >= 4 && labels[n - 1].len() == 2 && (2..=3).contains(&labels[n - 2].len()) && !labels[n - 3].is_empty()
    {
        3
    } else {
        return name.to_vec();
    };
    labels[n - keep..].join(&b'.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An event as `key=value` words, only the fields that are set.
    fn show(ev: &MailEvent<'_>) -> String {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut out = Vec::new();
        if let Some(st) = ev.status {
            out.push(st.as_str().to_owned());
        }
        for (k, v) in [
            ("key", ev.msg_key),
            ("mid", ev.message_id),
            ("from", ev.from),
            ("to", ev.to),
            ("relay", ev.relay),
            ("client", ev.client),
            ("ip", ev.client_ip),
            ("subject", ev.subject),
            ("detail", ev.detail),
        ] {
            if let Some(v) = v {
                out.push(format!("{k}={}", s(v)));
            }
        }
        if let Some(n) = ev.size {
            out.push(format!("size={n}"));
        }
        if let Some(n) = ev.recipients {
            out.push(format!("nrcpt={n}"));
        }
        if ev.done {
            out.push("done".to_owned());
        }
        out.join(" | ")
    }

    fn check(cases: &[(&str, &str, &str)]) {
        for (program, msg, want) in cases {
            let got = parse(program.as_bytes(), msg.as_bytes()).map(|e| show(&e));
            assert_eq!(got.as_deref(), Ok(*want), "{program}: {msg}");
        }
    }

    #[test]
    fn arrival_lines() {
        check(&[
            (
                "postfix/smtpd",
                "3F2A81C0B2: client=mx.example.net[192.0.2.5]",
                "received | key=3F2A81C0B2 | client=mx.example.net | ip=192.0.2.5",
            ),
            (
                "postfix/smtpd",
                "3F2A81C0B3: client=unknown[2001:db8::1]",
                "received | key=3F2A81C0B3 | ip=2001:db8::1",
            ),
            (
                "postfix/smtpd",
                "3F2A81C0B4: client=mail.example.com[IPv6:2001:db8::1]",
                "received | key=3F2A81C0B4 | client=mail.example.com | ip=2001:db8::1",
            ),
            (
                "postfix/submission/smtpd",
                "8E1B2C3D4F: client=staff-03.kestrelbrook.example[10.20.3.40], sasl_method=PLAIN, sasl_username=office@kestrelbrook.example",
                "received | key=8E1B2C3D4F | client=staff-03.kestrelbrook.example | ip=10.20.3.40",
            ),
            (
                "postfix/10025/smtpd",
                "BB07B7DF1D: client=localhost[127.0.0.1], orig_queue_id=964D3D4496, orig_client=mx.example.net[192.0.2.5]",
                "received | key=BB07B7DF1D | client=localhost | ip=127.0.0.1",
            ),
            (
                "postfix-incoming/smtpd",
                "4Xk3Zr1n2Mz9Qb: client=mx.example.net[192.0.2.5]",
                "received | key=4Xk3Zr1n2Mz9Qb | client=mx.example.net | ip=192.0.2.5",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: client=mx.example.net[192.0.2.5]",
                "received | client=mx.example.net | ip=192.0.2.5",
            ),
            (
                "postfix/pickup",
                "4C5D6E7F80: uid=33 from=<www-data>",
                "received | key=4C5D6E7F80 | detail=uid=33 from=<www-data>",
            ),
            (
                "postfix/cleanup",
                "3F2A81C0B2: message-id=<eba592913bcb.6157@example.net>",
                "key=3F2A81C0B2 | mid=eba592913bcb.6157@example.net",
            ),
            (
                "postfix/cleanup",
                "3F2A81C0B2: message-id=bare-id@example.net",
                "key=3F2A81C0B2 | mid=bare-id@example.net",
            ),
            (
                "postfix/qmgr",
                "3F2A81C0B2: from=<newsletter@example.net>, size=4166, nrcpt=2 (queue active)",
                "key=3F2A81C0B2 | from=newsletter@example.net | size=4166 | nrcpt=2",
            ),
            (
                "postfix/qmgr",
                "3F2A81C0B5: from=<>, size=6120, nrcpt=1 (queue active)",
                "key=3F2A81C0B5 | from= | size=6120 | nrcpt=1",
            ),
            (
                "postfix/qmgr",
                "9B4C0D1E2F: from=<y7.tutor@kestrelbrook.example>, status=expired, returned to sender",
                "expired | key=9B4C0D1E2F | from=y7.tutor@kestrelbrook.example | detail=returned to sender",
            ),
            ("postfix/qmgr", "3F2A81C0B2: removed", "key=3F2A81C0B2 | done"),
            ("postfix/postsuper", "3F2A81C0B2: removed", "key=3F2A81C0B2 | done"),
            (
                "postfix/cleanup",
                "[ID 197553 mail.info] 3F2A81C0B2: message-id=<x@example.net>",
                "key=3F2A81C0B2 | mid=x@example.net",
            ),
        ]);
    }

    #[test]
    fn delivery_lines() {
        check(&[
            (
                "postfix/smtp",
                "8E1B2C3D4F: to=<parent.one@example.com>, relay=aspmx.example.com[2001:db8:4860::1b]:25, delay=0.9, delays=0.1/0.01/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK  1763626502 a640c - gsmtp)",
                "sent | key=8E1B2C3D4F | to=parent.one@example.com | relay=aspmx.example.com[2001:db8:4860::1b]:25 | detail=250 2.0.0 OK  1763626502 a640c - gsmtp",
            ),
            (
                "postfix/amavis/smtp",
                "964D3D4496: to=<pupil0402@kestrelbrook.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.64, delays=0.02/0.02/0.38/0.22, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BB07B7DF1D)",
                "sent | key=964D3D4496 | to=pupil0402@kestrelbrook.example | relay=127.0.0.1[127.0.0.1]:10024 | detail=250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BB07B7DF1D",
            ),
            (
                "postfix/local",
                "A1B2C3D4E5: to=<root@mail.kestrelbrook.example>, orig_to=<root>, relay=local, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (forwarded as F1E2D3C4B5)",
                "expanded | key=A1B2C3D4E5 | to=root@mail.kestrelbrook.example | relay=local | detail=forwarded as F1E2D3C4B5",
            ),
            (
                "postfix/lmtp",
                "BB07B7DF1D: to=<pupil0402@kestrelbrook.example>, relay=mail.kestrelbrook.example[private/dovecot-lmtp], delay=0.83, delays=0.15/0.0/0.35/0.33, dsn=2.0.0, status=sent (250 2.0.0 <pupil0402@kestrelbrook.example> tPW812xb Saved)",
                "sent | key=BB07B7DF1D | to=pupil0402@kestrelbrook.example | relay=mail.kestrelbrook.example[private/dovecot-lmtp] | detail=250 2.0.0 <pupil0402@kestrelbrook.example> tPW812xb Saved",
            ),
            (
                "postfix/virtual",
                "C0FFEE1234: to=<chair@governors.kestrelbrook.example>, relay=virtual, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)",
                "sent | key=C0FFEE1234 | to=chair@governors.kestrelbrook.example | relay=virtual | detail=delivered to maildir",
            ),
            (
                "postfix/pipe",
                "C0FFEE1234: to=<vice.chair@governors.kestrelbrook.example>, orig_to=<board@governors.kestrelbrook.example>, relay=dovecot, delay=0.3, delays=0.1/0/0/0.2, dsn=2.0.0, status=sent (delivered via dovecot service)",
                "sent | key=C0FFEE1234 | to=vice.chair@governors.kestrelbrook.example | relay=dovecot | detail=delivered via dovecot service",
            ),
            (
                "postfix/error",
                "D1E2F3A4B5: to=<duty.desk@socialcare.example>, relay=none, delay=31, delays=0.1/0/31/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.socialcare.example[2001:db8:aa::25]:25: Network is unreachable)",
                "deferred | key=D1E2F3A4B5 | to=duty.desk@socialcare.example | relay=none | detail=delivery temporarily suspended: connect to mx.socialcare.example[2001:db8:aa::25]:25: Network is unreachable",
            ),
            (
                "postfix/smtp",
                "E1F2A3B4C5: to=<parent023@example.org>, relay=mail.example.org[198.51.100.7]:25, conn_use=2, delay=1.1, delays=0.1/0/0.5/0.5, dsn=5.1.1, status=bounced (host mail.example.org[198.51.100.7] said: 550 5.1.1 <parent023@example.org>: User unknown (in reply to RCPT TO command))",
                "bounced | key=E1F2A3B4C5 | to=parent023@example.org | relay=mail.example.org[198.51.100.7]:25 | detail=host mail.example.org[198.51.100.7] said: 550 5.1.1 <parent023@example.org>: User unknown (in reply to RCPT TO command)",
            ),
            (
                "postfix/smtp",
                "E1F2A3B4C6: to=<a@example.org>, relay=none, delay=400000, status=expired (message too old)",
                "expired | key=E1F2A3B4C6 | to=a@example.org | relay=none | detail=message too old",
            ),
            (
                "postfix/smtp",
                "E1F2A3B4C7: to=<a@example.org>, relay=mail.example.org[198.51.100.7]:25, delay=1, dsn=5.1.1, status=SOFTBOUNCE (host said: 550 unknown)",
                "deferred | key=E1F2A3B4C7 | to=a@example.org | relay=mail.example.org[198.51.100.7]:25 | detail=host said: 550 unknown",
            ),
            (
                "postfix/smtp",
                "E1F2A3B4C8: to=<contact@example.org>, relay=mail.example.org[198.51.100.7]:25, delay=0.3, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
                "key=E1F2A3B4C8 | to=contact@example.org | relay=mail.example.org[198.51.100.7]:25 | detail=250 2.1.5 Ok",
            ),
            (
                "postfix-incoming/smtp",
                "4Xk3Zr1n2Mz9Qb: to=<\"odd, name\"@kestrelbrook.example>, relay=127.0.0.1[127.0.0.1]:10026, delay=0.2, status=sent (250 2.0.0 Ok: queued as 5A6B7C8D9E)",
                "sent | key=4Xk3Zr1n2Mz9Qb | to=\"odd, name\"@kestrelbrook.example | relay=127.0.0.1[127.0.0.1]:10026 | detail=250 2.0.0 Ok: queued as 5A6B7C8D9E",
            ),
        ]);
    }

    #[test]
    fn refusal_lines() {
        check(&[
            (
                "postfix/smtpd",
                "NOQUEUE: reject: RCPT from unknown[203.0.113.50]: 554 5.7.1 <someone@elsewhere.example>: Relay access denied; from=<spam@example.com> to=<someone@elsewhere.example> proto=ESMTP helo=<kestrelbrook.example>",
                "rejected | from=spam@example.com | to=someone@elsewhere.example | ip=203.0.113.50 | detail=554 5.7.1 <someone@elsewhere.example>: Relay access denied",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: reject: RCPT from unknown[2001:db8:85a3::8a2e:370:7334]: 450 4.7.25 Client host rejected: cannot find your hostname, [2001:db8:85a3::8a2e:370:7334]; from=<bulk@example.net> to=<office@kestrelbrook.example> proto=ESMTP helo=<[IPv6:2001:db8:85a3::8a2e:370:7334]>",
                "rejected | from=bulk@example.net | to=office@kestrelbrook.example | ip=2001:db8:85a3::8a2e:370:7334 | detail=450 4.7.25 Client host rejected: cannot find your hostname, [2001:db8:85a3::8a2e:370:7334]",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: reject: MAIL from unknown[203.0.113.12]: 550 5.7.1 <>: Sender address rejected: Access denied; from=<> proto=ESMTP helo=<localhost>",
                "rejected | from= | ip=203.0.113.12 | detail=550 5.7.1 <>: Sender address rejected: Access denied",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: reject: CONNECT from unknown[192.0.2.250]: 554 5.7.1 <unknown[192.0.2.250]>: Client host rejected: Access denied; proto=SMTP",
                "rejected | ip=192.0.2.250 | detail=554 5.7.1 <unknown[192.0.2.250]>: Client host rejected: Access denied",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: reject: RCPT from dyn.example.net[203.0.113.88]: 554 5.7.1 Service unavailable; Client host [203.0.113.88] blocked using dnsbl.example; https://dnsbl.example/q?ip=203.0.113.88; from=<promo@example.net> to=<y7.tutor@kestrelbrook.example> proto=ESMTP helo=<dyn.example.net>",
                "rejected | from=promo@example.net | to=y7.tutor@kestrelbrook.example | client=dyn.example.net | ip=203.0.113.88 | detail=554 5.7.1 Service unavailable; Client host [203.0.113.88] blocked using dnsbl.example; https://dnsbl.example/q?ip=203.0.113.88",
            ),
            (
                "postfix/postscreen",
                "NOQUEUE: reject: RCPT from [203.0.113.99]:51234: 550 5.7.1 Service unavailable; client [203.0.113.99] blocked using zen.dnsbl.example; from=<prize@example.com>, to=<pupil0203@kestrelbrook.example>, proto=ESMTP, helo=<user>",
                "rejected | from=prize@example.com | to=pupil0203@kestrelbrook.example | ip=203.0.113.99 | detail=550 5.7.1 Service unavailable; client [203.0.113.99] blocked using zen.dnsbl.example",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: reject_warning: RCPT from mail.example.org[198.51.100.7]: 450 4.7.1 <mail.example.org>: Helo command rejected: Host not found; from=<a@example.org> to=<office@kestrelbrook.example> proto=ESMTP helo=<mail.example.org>",
                "reject-warning | from=a@example.org | to=office@kestrelbrook.example | client=mail.example.org | ip=198.51.100.7 | detail=450 4.7.1 <mail.example.org>: Helo command rejected: Host not found",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: milter-reject: RCPT from mx.example.com[192.0.2.150]: 451 4.7.1 Greylisting in action, please come back later; from=<info@example.com> to=<senco@kestrelbrook.example> proto=ESMTP helo=<mx.example.com>",
                "rejected | from=info@example.com | to=senco@kestrelbrook.example | client=mx.example.com | ip=192.0.2.150 | detail=451 4.7.1 Greylisting in action, please come back later",
            ),
            (
                "postfix/smtpd",
                "7F00AA11BB: hold: RCPT from mail.example.com[198.51.100.88]: <governors@kestrelbrook.example>: Recipient address triggers HOLD action; from=<clerk@example.com> to=<governors@kestrelbrook.example> proto=ESMTP helo=<mail.example.com>",
                "held | key=7F00AA11BB | from=clerk@example.com | to=governors@kestrelbrook.example | client=mail.example.com | ip=198.51.100.88 | detail=<governors@kestrelbrook.example>: Recipient address triggers HOLD action",
            ),
            (
                "postfix/smtpd",
                "7F00AA11BC: discard: RCPT from mail.example.com[198.51.100.88]: <noreply@kestrelbrook.example>: Recipient address triggers DISCARD action; from=<clerk@example.com> to=<noreply@kestrelbrook.example> proto=ESMTP helo=<mail.example.com>",
                "discarded | key=7F00AA11BC | from=clerk@example.com | to=noreply@kestrelbrook.example | client=mail.example.com | ip=198.51.100.88 | detail=<noreply@kestrelbrook.example>: Recipient address triggers DISCARD action",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8B9C: reject: header Subject: You have WON a free phone from mx.example.com[192.0.2.77]; from=<winner@example.com> to=<pupil0311@kestrelbrook.example> proto=ESMTP helo=<mx.example.com>: 5.7.1 Message content rejected",
                "rejected | key=5E6F7A8B9C | from=winner@example.com | to=pupil0311@kestrelbrook.example | client=mx.example.com | ip=192.0.2.77 | subject=You have WON a free phone | detail=5.7.1 Message content rejected",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8B9D: warning: header Subject: Mail from a friend from mail.example.org[198.51.100.7]; from=<a@example.org> to=<head@kestrelbrook.example> proto=ESMTP helo=<mail.example.org>",
                "reject-warning | key=5E6F7A8B9D | from=a@example.org | to=head@kestrelbrook.example | client=mail.example.org | ip=198.51.100.7 | subject=Mail from a friend | detail=header Subject: Mail from a friend",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8B9E: discard: body Click here to claim your prize from mx.example.com[192.0.2.77]; from=<winner@example.com> to=<pupil0318@kestrelbrook.example> proto=ESMTP helo=<mx.example.com>",
                "discarded | key=5E6F7A8B9E | from=winner@example.com | to=pupil0318@kestrelbrook.example | client=mx.example.com | ip=192.0.2.77 | detail=body Click here to claim your prize",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8B9F: hold: header Subject: Provisional results from local; from=<www-data@mail.kestrelbrook.example> to=<office@kestrelbrook.example>: held for review",
                "held | key=5E6F7A8B9F | from=www-data@mail.kestrelbrook.example | to=office@kestrelbrook.example | client=local | subject=Provisional results | detail=held for review",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8BA0: milter-reject: END-OF-MESSAGE from unknown[203.0.113.200]: 5.7.1 Spam message rejected; from=<billing@example.net> to=<bursar@kestrelbrook.example> proto=ESMTP helo=<invoice-host>",
                "rejected | key=5E6F7A8BA0 | from=billing@example.net | to=bursar@kestrelbrook.example | ip=203.0.113.200 | detail=5.7.1 Spam message rejected",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8BA1: info: header Subject: Sports day from mx.example.net[192.0.2.5]; from=<a@example.net> to=<head@kestrelbrook.example> proto=ESMTP helo=<mx.example.net>",
                "key=5E6F7A8BA1 | from=a@example.net | to=head@kestrelbrook.example | client=mx.example.net | ip=192.0.2.5 | subject=Sports day | detail=header Subject: Sports day",
            ),
            (
                "postfix/smtpd",
                "reject: RCPT from unknown[203.0.113.5]: 554 <x@elsewhere.example>: Relay access denied; from=<a@example.com> to=<x@elsewhere.example>",
                "rejected | from=a@example.com | to=x@elsewhere.example | ip=203.0.113.5 | detail=554 <x@elsewhere.example>: Relay access denied",
            ),
            (
                "postfix/smtpd",
                "NOQUEUE: reject: RCPT from unknown[203.0.113.5]: 550 5.1.1 <x@kestrelbrook.example>: User unknown; from=<a@example.com> to=<x@kestrelbrook.example> proto=ESMTP helo=<aaaaaaaaaaaaaaaa",
                "rejected | from=a@example.com | to=x@kestrelbrook.example | ip=203.0.113.5 | detail=550 5.1.1 <x@kestrelbrook.example>: User unknown",
            ),
        ]);
    }

    #[test]
    fn lines_without_a_message_event() {
        for (program, msg) in [
            ("postfix/smtpd", "connect from mx.example.net[192.0.2.5]"),
            (
                "postfix/smtpd",
                "disconnect from mx.example.net[192.0.2.5] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7",
            ),
            (
                "postfix/submission/smtpd",
                "lost connection after AUTH from unknown[203.0.113.150]",
            ),
            (
                "postfix/submission/smtpd",
                "warning: unknown[203.0.113.150]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
            ),
            (
                "postfix/smtpd",
                "Anonymous TLS connection established from mx.example.net[192.0.2.5]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
            ),
            (
                "postfix/smtp",
                "Trusted TLS connection established to aspmx.example.com[2001:db8:4860::1b]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
            ),
            (
                "postfix/smtp",
                "connect to mx.slowschool.example[198.51.100.150]:25: Connection timed out",
            ),
            (
                "postfix/smtp",
                "5A6B7C8D9E: host mx.slowschool.example[198.51.100.150] said: 421 4.3.2 Service shutting down (in reply to MAIL FROM command)",
            ),
            (
                "postfix/smtp",
                "5A6B7C8D9E: enabling PIX workarounds: disable_esmtp delay_dotcrlf for mx.example.org[198.51.100.9]:25",
            ),
            (
                "postfix/bounce",
                "5A6B7C8D9E: sender non-delivery notification: 6B7C8D9EAF",
            ),
            (
                "postfix/anvil",
                "statistics: max connection rate 3/60s for (submission:203.0.113.150) at Nov 20 09:01:09",
            ),
            ("postfix/scache", "statistics: start interval Nov 20 08:16:41"),
            (
                "postfix/postscreen",
                "CONNECT from [203.0.113.99]:51234 to [10.20.0.25]:25",
            ),
            ("postfix/postscreen", "PASS NEW [192.0.2.5]:50011"),
            ("postfix/postscreen", "DNSBL rank 3 for [203.0.113.99]:51234"),
            (
                "postfix/postscreen",
                "PREGREET 11 after 0.14 from [203.0.113.99]:51234: EHLO user\\r\\n",
            ),
            (
                "postfix/master",
                "daemon started -- version 3.7.11, configuration /etc/postfix",
            ),
            ("postfix-incoming/postfix-script", "starting the Postfix mail system"),
            ("postfix/qmgr", "5A6B7C8D9E: skipped, still being delivered"),
            (
                "postfix/smtpd",
                "7F00AA11BB: filter: RCPT from mx.example.net[192.0.2.5]: <a@kestrelbrook.example>: Recipient address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<b@example.net> to=<a@kestrelbrook.example> proto=ESMTP helo=<mx.example.net>",
            ),
            (
                "postfix/cleanup",
                "5E6F7A8B9C: warning: milter inet:127.0.0.1:8891: can't read SMFIC_BODYEOB reply packet header",
            ),
            (
                "postfix/smtpd",
                "SSL_accept error from unknown[192.0.2.45]: lost connection",
            ),
            ("postfix", "fatal: the Postfix mail system is already running"),
        ] {
            assert_eq!(
                parse(program.as_bytes(), msg.as_bytes()),
                Ok(MailEvent::default()),
                "{program}: {msg}"
            );
        }
    }

    #[test]
    fn refuses_other_programs_and_malformed_lines() {
        for (program, msg, reason) in [
            (
                "dovecot",
                "imap-login: Login: user=<pupil0142@kestrelbrook.example>",
                "program is not",
            ),
            (
                "opendkim",
                "3F2A81C0B2: DKIM-Signature field added (s=mail2026, d=kestrelbrook.example)",
                "program is not",
            ),
            ("postfixadmin", "3F2A81C0B2: removed", "program is not"),
            ("postfix-", "3F2A81C0B2: removed", "program is not"),
            ("postfix//smtpd", "3F2A81C0B2: removed", "program is not"),
            ("postfix/smtpd", "", "empty"),
            ("postfix/smtpd", " \r", "empty"),
            (
                "postfix/smtp",
                "5A6B7C8D9E: to=<a@example.org, relay=none, status=sent (x)",
                "to=< is not terminated",
            ),
            (
                "postfix/qmgr",
                "5A6B7C8D9E: from=<a@example.org, size=1, nrcpt=1",
                "from=< is not terminated",
            ),
            (
                "postfix/qmgr",
                "5A6B7C8D9E: from=<a@example.org>, size=many, nrcpt=1 (queue active)",
                "size= is not",
            ),
            (
                "postfix/qmgr",
                "5A6B7C8D9E: from=<a@example.org>, size=10, nrcpt=x (queue active)",
                "nrcpt= is not",
            ),
            (
                "postfix/qmgr",
                "5A6B7C8D9E: from=<a@example.org>, size=10, nrcpt=99999999999 (queue active)",
                "nrcpt= is not",
            ),
            (
                "postfix/smtp",
                "5A6B7C8D9E: to=<a@example.org>, relay=none, delay=1, status=lost (x)",
                "status= is not",
            ),
            (
                "postfix/smtp",
                "5A6B7C8D9E: to=<a@example.org>, relay=none, delay=1",
                "without status=",
            ),
        ] {
            let err = parse(program.as_bytes(), msg.as_bytes()).expect_err(msg);
            assert!(err.contains(reason), "{program}: {msg}: {err}");
        }
    }

    #[test]
    fn names_and_ids() {
        for (program, postfix, daemon_name, cmd) in [
            ("postfix/smtpd", true, "smtpd", Some("smtpd")),
            ("postfix/submission/smtpd", true, "smtpd", Some("smtpd")),
            ("postfix/smtps/smtpd", true, "smtpd", Some("smtpd")),
            ("postfix/10025/smtpd", true, "smtpd", Some("10025/smtpd")),
            ("postfix/amavis/smtp", true, "smtp", Some("amavis/smtp")),
            ("postfix-incoming/smtpd", true, "smtpd", None),
            ("postfix-out_2/cleanup", true, "cleanup", None),
            ("postfix", true, "postfix", Some("postfix")),
            ("postfix/postfix-script", true, "postfix-script", Some("postfix-script")),
            ("postfix-script", true, "postfix-script", Some("postfix-script")),
            ("postfix/smtpd:x", false, "smtpd:x", Some("smtpd")),
            ("sendmail", false, "sendmail", None),
            ("", false, "", None),
        ] {
            assert_eq!(is_postfix(program.as_bytes()), postfix, "{program}");
            assert_eq!(daemon(program.as_bytes()), daemon_name.as_bytes(), "{program}");
            assert_eq!(
                pflogsumm_cmd(program.as_bytes(), b"postfix"),
                cmd.map(str::as_bytes),
                "{program}"
            );
        }
        assert_eq!(
            pflogsumm_cmd(b"postfix-incoming/smtpd", b"postfix-incoming"),
            Some(&b"smtpd"[..])
        );
        for (w, id) in [
            ("3F2A81C0B2", true),
            ("B9F1A", true),
            ("4Xk3Zr1n2Mz9Qb", true),
            ("3Pt2mN2VXxznjll", true),
            ("NOQUEUE", false),
            ("warning", false),
            ("DNSBL", false),
            ("3f2a81c0b2", false),
            ("ABC", false),
            ("4Xk3Zr1n2Mx9Qb", false),
        ] {
            assert_eq!(is_queue_id(w.as_bytes()), id, "{w}");
        }
        let line =
            b"client=staff[10.20.3.40], sasl_method=PLAIN, sasl_username=office@kestrelbrook.example, orig_to=<x@y>";
        assert_eq!(
            attribute(line, b"sasl_username"),
            Some(&b"office@kestrelbrook.example"[..])
        );
        assert_eq!(attribute(line, b"orig_to"), Some(&b"x@y"[..]));
        assert_eq!(attribute(line, b"to"), None);
        assert_eq!(attribute(b"to=<a>, orig_to=<b>", b"to"), Some(&b"a"[..]));
    }

    #[test]
    fn gimme_domain_like_pflogsumm() {
        for (name, want) in [
            (Some("mx.example.net"), "example.net"),
            (Some("MX.Example.NET"), "example.net"),
            (Some("mail.school.sch.uk"), "school.sch.uk"),
            (Some("mail.kestrelbrook.example"), "mail.kestrelbrook.example"),
            (Some("localhost"), "localhost"),
            (None, "192.0.2.9"),
        ] {
            let got = gimme_domain(name.map(str::as_bytes), Some(b"192.0.2.9"));
            assert_eq!(String::from_utf8_lossy(&got), want, "{name:?}");
        }
    }

    /// Every line of the reference log, split by the syslog envelope parser.
    fn reference_lines() -> Vec<(Vec<u8>, Vec<u8>)> {
        let text = include_str!("../../tests/data/postfix/maillog");
        let ctx = crate::time::TimeContext::new(crate::time::DEFAULT_TZ, None);
        text.lines()
            .map(|line| {
                let env = crate::syslog::parse(line.as_bytes(), &ctx).expect("syslog envelope");
                (env.app.expect("tag").to_vec(), env.msg.to_vec())
            })
            .collect()
    }

    #[test]
    fn reference_log_parses() {
        let lines = reference_lines();
        assert!(lines.len() >= 300);
        let (mut events, mut quiet) = (0, 0);
        for (program, msg) in &lines {
            let got = parse(program, msg);
            if is_postfix(program) {
                let ev = got.unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(msg)));
                if ev == MailEvent::default() {
                    quiet += 1;
                } else {
                    events += 1;
                }
            } else {
                assert!(got.is_err(), "{}", String::from_utf8_lossy(program));
            }
        }
        assert!(events > 400 && quiet > 150, "{events} events, {quiet} without");
    }

    #[test]
    fn reference_log_matches_pflogsumm() {
        let mut totals = PflogsummTotals::default();
        for (program, msg) in reference_lines() {
            totals.add(&program, &msg);
        }
        let want = include_str!("../../tests/data/postfix/pflogsumm.txt");
        let got = totals.grand_totals();
        assert!(
            want.starts_with(&got),
            "ours:\n{got}\npflogsumm:\n{}",
            &want[..want.len().min(800)]
        );
        // pflogsumm prints bytes delivered in kilobytes here; its per-recipient sizes add up to it.
        let section = want.split("Recipients by message size").nth(1).expect("section");
        let sum: u64 = section
            .lines()
            .skip(2)
            .take_while(|l| !l.trim().is_empty())
            .map(|l| {
                l.split_whitespace()
                    .next()
                    .expect("size")
                    .parse::<u64>()
                    .expect("number")
            })
            .sum();
        assert_eq!((totals.bytes_delivered, sum), (816_290, 816_290));
        assert_eq!(totals.bytes_received, 359_394);
    }

    /// What vigil's own counts are on the reference log, against pflogsumm's (see the README
    /// beside it): every instance is read, so they differ by known amounts.
    #[test]
    fn event_counts_on_reference_log() {
        let mut counts: FxHashMap<(bool, Option<MailStatus>), u32> = FxHashMap::default();
        for (program, msg) in reference_lines() {
            if let Ok(ev) = parse(&program, &msg) {
                *counts
                    .entry((program.starts_with(b"postfix-incoming/"), ev.status))
                    .or_default() += 1;
            }
        }
        let n = |incoming, status| counts.get(&(incoming, Some(status))).copied().unwrap_or(0);
        // pflogsumm 45 received: plus 17 re-injections by postfix/10025/smtpd (its CMD is not smtpd).
        assert_eq!(n(false, MailStatus::Received), 62);
        assert_eq!(n(false, MailStatus::Sent), 114);
        assert_eq!(n(false, MailStatus::Expanded), 1);
        assert_eq!(n(false, MailStatus::Deferred), 10);
        assert_eq!(n(false, MailStatus::Bounced), 2);
        // pflogsumm 11 rejected: plus one smtpd milter-reject.
        assert_eq!(n(false, MailStatus::Rejected), 12);
        assert_eq!(n(false, MailStatus::RejectWarning), 2);
        assert_eq!(n(false, MailStatus::Held), 2);
        assert_eq!(n(false, MailStatus::Discarded), 2);
        assert_eq!(n(false, MailStatus::Expired), 1);
        // The postfix-incoming instance, which pflogsumm ignores with its default syslog name.
        assert_eq!(n(true, MailStatus::Received), 3);
        assert_eq!(n(true, MailStatus::Sent), 3);
        assert_eq!(n(true, MailStatus::Rejected), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn never_panics(program in proptest::collection::vec(any::<u8>(), 0..24), msg in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&program, &msg);
            let mut t = PflogsummTotals::default();
            t.add(&program, &msg);
        }

        #[test]
        fn never_panics_on_postfix_shaped_lines(
            program in prop::sample::select(vec!["postfix/smtpd", "postfix/cleanup", "postfix/qmgr", "postfix/smtp", "postfix/pickup", "postfix/postscreen"]),
            head in prop::sample::select(vec!["3F2A81C0B2: ", "NOQUEUE: ", "4Xk3Zr1n2Mz9Qb: ", "", "[ID 1 mail.info] "]),
            body in prop::sample::select(vec!["client=", "to=<", "from=<", "reject: ", "warning: header ", "info: body ", "message-id=", "uid=", "hold: RCPT from ", "status="]),
            tail in "[ -~]{0,120}",
        ) {
            let msg = format!("{head}{body}{tail}");
            let _ = parse(program.as_bytes(), msg.as_bytes());
            let mut t = PflogsummTotals::default();
            t.add(program.as_bytes(), msg.as_bytes());
            let _ = t.grand_totals();
        }
    }
}
