//! Lines of every non-web format into rows of their kind: unwraps syslog envelopes, resolves
//! local times, and pushes each format's records into a [`RowBatch`].
//!
//! A line either becomes rows, or is understood but holds no event (Exim's queue-run notices,
//! an lmgrd `TIMESTAMP`: counted as *context*), or is rejected with a reason.

use bumpalo::Bump;

use crate::flow::{FLOW, FlowRecord};
use crate::formats::{self, Format, Kind};
use crate::identity::{IDENTITY, IdentityRecord, IdentitySource};
use crate::mail::{MAIL_EVENTS, MailEvent, MailStatus};
use crate::rows::{RowBatch, Schema};
use crate::syslog::{self, Envelope, EnvelopeTime};
use crate::time::{LocalResolution, TimeContext, TimestampMs};

/// What a parsed line gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// One or more rows.
    Rows,
    /// Understood, but no event (a notice, a date line, a comment).
    Context,
    /// A syslog line of another program sharing the log (dovecot in a mail log), which vigil
    /// has no parser for: counted and reported, not an error in the log.
    Foreign,
}

/// The schema of the rows `format` produces while parsing (mail: events before the join).
pub fn schema_of(format: Format) -> Option<&'static Schema> {
    match format.kind() {
        Kind::Web => None,
        Kind::Flow => Some(&FLOW),
        Kind::Mail => Some(&MAIL_EVENTS),
        Kind::Identity => Some(&IDENTITY),
        Kind::LicenceUse => Some(&crate::asset::LICENCE_USE),
        Kind::Inventory => Some(&crate::asset::INVENTORY),
        Kind::Licences => Some(&crate::asset::LICENCES),
    }
}

/// The format whose parser reads syslog lines of `program`, for lines of other programs found
/// in a syslog-carried log (a firewall's log holds its DHCP server's lines too).
pub fn syslog_program_format(program: &[u8]) -> Option<Format> {
    match program {
        b"filterlog" => Some(Format::Filterlog),
        b"dhcpd" => Some(Format::Dhcpd),
        b"kernel" => Some(Format::Netfilter),
        p if formats::postfix::is_postfix(p) => Some(Format::Postfix),
        _ => None,
    }
}

/// How one source's lines become rows: the format, the time context, and what was learnt from the
/// file's head (a CSV header).
#[derive(Debug, Clone)]
pub struct RowParser {
    /// The format.
    pub format: Format,
    /// The school's zone and the file's time.
    pub ctx: TimeContext,
    /// Where each wanted field is, for formats with a header row.
    pub columns: Option<crate::csv::Columns>,
    /// The user named the format (`--format`): lines of programs it does not read are rejected
    /// rather than counted as other programs' lines.
    pub forced: bool,
}

/// Reusable per-chunk buffers.
#[derive(Default)]
pub struct Scratch {
    /// Arena for unescaped text.
    pub bump: Bump,
    /// Canonical user names.
    pub user: Vec<u8>,
}

/// The row batches of one chunk: the source's own kind, and others its lines were routed to.
#[derive(Debug, Default)]
pub struct RowSet {
    /// One batch per schema met, in the order first met.
    pub batches: Vec<RowBatch>,
    /// Lines handed to another format's parser, per format.
    pub routed: Vec<(Format, u64)>,
}

impl RowSet {
    /// The batch of `schema`, created on first use.
    pub fn batch(&mut self, schema: &'static Schema) -> &mut RowBatch {
        let i = match self.batches.iter().position(|b| std::ptr::eq(b.schema, schema)) {
            Some(i) => i,
            None => {
                self.batches.push(RowBatch::new(schema));
                self.batches.len() - 1
            }
        };
        &mut self.batches[i]
    }

    /// The number of rows in each batch, to undo a line that failed half-way.
    pub fn mark(&self) -> Vec<usize> {
        self.batches.iter().map(|b| b.rows).collect()
    }

    /// Drops rows pushed since `mark`.
    pub fn undo(&mut self, mark: &[usize]) {
        for (i, b) in self.batches.iter_mut().enumerate() {
            b.truncate(mark.get(i).copied().unwrap_or(0));
        }
    }

    fn note_routed(&mut self, format: Format) {
        match self.routed.iter_mut().find(|(f, _)| *f == format) {
            Some((_, n)) => *n += 1,
            None => self.routed.push((format, 1)),
        }
    }
}

impl RowParser {
    /// A parser of `format` lines (with the columns of the source's header row, if it has one).
    pub fn new(format: Format, ctx: TimeContext, columns: Option<crate::csv::Columns>) -> Self {
        RowParser {
            format,
            ctx,
            columns,
            forced: false,
        }
    }

    /// The source's header row, for formats that have one.
    fn header(&self) -> Result<&crate::csv::Columns, &'static str> {
        self.columns.as_ref().ok_or("no header row")
    }

    /// Parses `line` (number `line_no`, at byte `offset`) into `rows`.
    pub fn parse_line(
        &self,
        line: &[u8],
        line_no: u64,
        offset: u64,
        rows: &mut RowSet,
        scratch: &mut Scratch,
    ) -> Result<LineKind, &'static str> {
        let at = Loc { line_no, offset };
        match self.format {
            Format::Netfilter | Format::Filterlog | Format::Dhcpd | Format::Postfix => {
                let env = syslog::parse(line, &self.ctx)?;
                let program = env.app.unwrap_or_default();
                let format = match syslog_program_format(program) {
                    Some(f) => f,
                    // Packet logs without a tag (`kernel:` dropped by some syslog daemons).
                    None if self.format == Format::Netfilter && env.app.is_none() => Format::Netfilter,
                    None if env.app.is_none() => return Err("no program name in the syslog header"),
                    None if self.forced => {
                        return Err("a syslog line of a program the chosen --format does not read");
                    }
                    None => return Ok(LineKind::Foreign),
                };
                let got = self.parse_syslog(format, &env, at, rows, scratch);
                if format != self.format && got.is_ok() {
                    rows.note_routed(format);
                }
                got
            }
            Format::Fortigate | Format::Sophos => {
                let parse = |l| match self.format {
                    Format::Fortigate => formats::fortigate::parse(l),
                    _ => formats::sophos::parse(l),
                };
                match parse(line) {
                    Ok(r) => self.push_flow(&r, None, at, rows),
                    Err(reason) => {
                        let Ok(env) = syslog::parse(line, &self.ctx) else {
                            return Err(reason);
                        };
                        let r = parse(env.msg)?;
                        self.push_flow(&r, Some(&env), at, rows)
                    }
                }
            }
            Format::Flexlm => self.flexlm(line, at, rows, scratch),
            Format::Exim => {
                let Some(ev) = exim_event(line)? else {
                    return Ok(LineKind::Context);
                };
                self.push_mail(&[ev], None, at, rows)
            }
            Format::M365Json => {
                let mut out = Vec::new();
                formats::m365::parse_json_line(line, &scratch.bump, &mut out)?;
                complete_rows(&mut out);
                self.push_mail(&out, None, at, rows)
            }
            Format::Exchange | Format::M365Csv => {
                let cols = self.header()?;
                let mut out = Vec::new();
                match self.format {
                    Format::Exchange => formats::exchange::parse(line, cols, &scratch.bump, &mut out)?,
                    _ => {
                        formats::m365::parse(line, cols, &scratch.bump, &mut out)?;
                        complete_rows(&mut out);
                    }
                }
                self.push_mail(&out, None, at, rows)
            }
            Format::WindowsDhcp | Format::IdentityCsv | Format::IdentityCsvBare => {
                let mut out = Vec::new();
                match (self.format, self.columns.as_ref()) {
                    (Format::IdentityCsvBare, _) => {
                        formats::idcsv::parse_headerless(line, &scratch.bump, &mut out)?;
                    }
                    (Format::WindowsDhcp, Some(cols)) => formats::windhcp::parse(line, cols, &scratch.bump, &mut out)?,
                    (_, Some(cols)) => formats::idcsv::parse(line, cols, &scratch.bump, &mut out)?,
                    (_, None) => return Err("no header row"),
                }
                let batch = rows.batch(&IDENTITY);
                for r in &out {
                    let (ts, late) = when(&self.ctx, r.ts, r.local_time, None)?;
                    note_ambiguous(batch, late);
                    r.push(batch, ts, at.line_no, at.offset, &mut scratch.user);
                }
                Ok(produced(out.len()))
            }
            Format::InventoryCsv => {
                let mut out = Vec::new();
                formats::inventory::parse(line, self.header()?, &scratch.bump, &mut out)?;
                let batch = rows.batch(&crate::asset::INVENTORY);
                out.iter().for_each(|r| r.push(batch, at.line_no, at.offset));
                Ok(produced(out.len()))
            }
            Format::LicenceRegister => {
                let mut out = Vec::new();
                formats::licences::parse(line, self.header()?, &scratch.bump, &mut out)?;
                let batch = rows.batch(&crate::asset::LICENCES);
                out.iter().for_each(|r| r.push(batch, at.line_no, at.offset));
                Ok(produced(out.len()))
            }
            Format::M365Odata => Err("a JSON document is read whole, not line by line"),
            _ => Err("a web format has no row parser"),
        }
    }

    /// A syslog line whose program's format is `format`.
    fn parse_syslog(
        &self,
        format: Format,
        env: &Envelope<'_>,
        at: Loc,
        rows: &mut RowSet,
        scratch: &mut Scratch,
    ) -> Result<LineKind, &'static str> {
        match format {
            Format::Netfilter => match formats::netfilter::parse(env.msg) {
                Ok(r) => self.push_flow(&r, Some(env), at, rows),
                // The kernel's other messages share kern.log with the packet logs.
                Err(_) if memchr::memmem::find(env.msg, b" IN=").is_none() && env.app.is_some() => {
                    Ok(LineKind::Context)
                }
                Err(reason) => Err(reason),
            },
            Format::Filterlog => {
                let r = formats::filterlog::parse(env.msg)?;
                self.push_flow(&r, Some(env), at, rows)
            }
            Format::Dhcpd => {
                let lease = match formats::dhcpd::parse(env.msg) {
                    Ok(lease) => lease,
                    // dhcpd's other messages (DISCOVER, OFFER, REQUEST, INFORM, lease-file
                    // notices) bind no address.
                    Err(_) => return Ok(LineKind::Context),
                };
                let mut r = IdentityRecord::bind(IdentitySource::Dhcp, lease.ip);
                r.event = match lease.event {
                    formats::dhcpd::LeaseEvent::Ack => crate::identity::IdentityEvent::Bind,
                    _ => crate::identity::IdentityEvent::Unbind,
                };
                r.mac = Some(lease.mac);
                r.device = lease.hostname;
                let (ts, late) = when(&self.ctx, None, None, Some(env))?;
                let batch = rows.batch(&IDENTITY);
                note_ambiguous(batch, late);
                r.push(batch, ts, at.line_no, at.offset, &mut scratch.user);
                Ok(LineKind::Rows)
            }
            Format::Postfix => {
                let program = env.app.unwrap_or_default();
                let mut ev = formats::postfix::parse(program, env.msg)?;
                if ev.msg_key.is_none() && ev.status.is_none() {
                    return Ok(LineKind::Context);
                }
                // A message re-injected by a content filter (`postfix/10025/smtpd`) is the same
                // message again: like pflogsumm, only smtpd, postscreen and pickup of each
                // instance receive mail; the line still gives the message's client.
                if ev.status == Some(MailStatus::Received) {
                    let instance = program.split(|&b| b == b'/').next().unwrap_or_default();
                    let cmd = formats::postfix::pflogsumm_cmd(program, instance);
                    if !matches!(cmd, Some(b"smtpd" | b"postscreen" | b"pickup")) {
                        ev.status = None;
                    }
                }
                self.push_mail(&[ev], Some(env), at, rows)
            }
            _ => Err("not a syslog-carried format"),
        }
    }

    fn flexlm(&self, line: &[u8], at: Loc, rows: &mut RowSet, scratch: &mut Scratch) -> Result<LineKind, &'static str> {
        let batch = rows.batch(&crate::asset::LICENCE_USE);
        let parsed = match formats::flexlm::parse(line) {
            Err(formats::flexlm::NOTICE) => return Ok(LineKind::Context),
            other => other?,
        };
        match parsed {
            formats::flexlm::FlexLine::Date { date, seconds } => {
                batch.dates.push((batch.rows, date, i64::from(seconds) * 1000));
                Ok(LineKind::Context)
            }
            formats::flexlm::FlexLine::Use {
                seconds,
                daemon,
                op,
                feature,
                user,
                host,
                reason,
            } => {
                batch.start(i64::from(seconds) * 1000, at.line_no, at.offset);
                let op: &[u8] = match op {
                    formats::flexlm::LicenceOp::Out => b"out",
                    formats::flexlm::LicenceOp::In => b"in",
                    formats::flexlm::LicenceOp::Denied => b"denied",
                };
                batch.cat(0, Some(op));
                batch.cat(1, Some(feature));
                scratch.user.clear();
                crate::user::canonical_into(user, &mut scratch.user);
                batch.cat(2, Some(&scratch.user));
                batch.cat(3, Some(host));
                batch.cat(4, Some(daemon));
                batch.text(5, reason);
                Ok(LineKind::Rows)
            }
        }
    }

    fn push_flow(
        &self,
        r: &FlowRecord<'_>,
        env: Option<&Envelope<'_>>,
        at: Loc,
        rows: &mut RowSet,
    ) -> Result<LineKind, &'static str> {
        let (ts, late) = when(&self.ctx, r.ts, r.local_time, env)?;
        let batch = rows.batch(&FLOW);
        note_ambiguous(batch, late);
        r.push(batch, ts, at.line_no, at.offset, env.and_then(|e| e.host));
        Ok(LineKind::Rows)
    }

    fn push_mail(
        &self,
        events: &[MailEvent<'_>],
        env: Option<&Envelope<'_>>,
        at: Loc,
        rows: &mut RowSet,
    ) -> Result<LineKind, &'static str> {
        let batch = rows.batch(&MAIL_EVENTS);
        for ev in events {
            let (ts, late) = when(&self.ctx, ev.ts, ev.local_time, env)?;
            note_ambiguous(batch, late);
            ev.push(batch, ts, at.line_no, at.offset);
        }
        Ok(produced(events.len()))
    }
}

/// Marks message trace rows as complete: each row of a trace is one message and recipient with
/// every fact, so the join keeps no state for them (a trace has millions of message ids).
pub fn complete_rows(events: &mut [MailEvent<'_>]) {
    for ev in events {
        ev.done = true;
    }
}

/// Where a line is.
#[derive(Clone, Copy)]
struct Loc {
    line_no: u64,
    offset: u64,
}

/// What a line that gave `n` records was: rows, or context when it gave none.
fn produced(n: usize) -> LineKind {
    if n == 0 { LineKind::Context } else { LineKind::Rows }
}

/// Records the later reading of an ambiguous time for the row about to be pushed.
fn note_ambiguous(batch: &mut RowBatch, late: Option<TimestampMs>) {
    if let Some(late) = late {
        batch.ambiguous.push((batch.rows, late));
    }
}

/// The UTC time of a record: its own instant, else its own local time, else the envelope's.
/// Returns the earlier reading and, for an ambiguous local time, the later one.
pub fn when(
    ctx: &TimeContext,
    ts: Option<TimestampMs>,
    local: Option<chrono::NaiveDateTime>,
    env: Option<&Envelope<'_>>,
) -> Result<(TimestampMs, Option<TimestampMs>), &'static str> {
    if let Some(ts) = ts {
        return Ok((ts, None));
    }
    let local = match (local, env.map(|e| e.time)) {
        (Some(l), _) => l,
        (None, Some(EnvelopeTime::Utc(ts))) => return Ok((ts, None)),
        (None, Some(EnvelopeTime::Local(l))) => l,
        (None, Some(EnvelopeTime::Unknown) | None) => return Err("no time stamp in the line"),
    };
    Ok(match ctx.resolve_local(local) {
        LocalResolution::Exact(ts) => (ts, None),
        LocalResolution::Ambiguous { early, late } => (early, Some(late)),
    })
}

/// An Exim mainlog line as a mail event; `None` for a line of Exim's that records no message
/// event (queue runs, connections, TLS notices).
fn exim_event(line: &[u8]) -> Result<Option<MailEvent<'_>>, &'static str> {
    use formats::exim::EximEvent as E;
    let l = match formats::exim::parse(line) {
        Ok(l) => l,
        Err(reason) => {
            // Exim writes many notices that are not message events; a line with Exim's time stamp
            // is one of them, anything else is not an Exim line.
            let stamped = formats::stamp_at_start(line).is_some();
            return if stamped && line.len() > 20 {
                Ok(None)
            } else {
                Err(reason)
            };
        }
    };
    let mut ev = MailEvent {
        msg_key: l.msg_id,
        ..MailEvent::default()
    };
    match l.offset_minutes {
        Some(m) => ev.ts = Some(l.time.and_utc().timestamp_millis() - m * 60_000),
        None => ev.local_time = Some(l.time),
    }
    let address = l.address.map(|a| if a == b"<>" { &a[..0] } else { a });
    match l.event {
        E::Arrival => {
            ev.status = Some(MailStatus::Received);
            ev.from = address;
            ev.size = l.size;
            ev.client = l.host;
            ev.client_ip = l.ip;
            ev.message_id = l.message_id;
            ev.subject = l.subject;
        }
        E::Delivery | E::AdditionalDelivery | E::Bounce | E::Defer => {
            ev.status = Some(match l.event {
                E::Bounce => MailStatus::Bounced,
                E::Defer => MailStatus::Deferred,
                _ => MailStatus::Sent,
            });
            ev.to = address;
            ev.relay = l.host;
            ev.detail = l.detail;
        }
        E::Completed => ev.done = true,
        E::Rejected => {
            ev.status = Some(MailStatus::Rejected);
            ev.client = l.host;
            ev.client_ip = l.ip;
            ev.detail = l.detail;
            let detail = l.detail.unwrap_or_default();
            ev.from = angle_after(detail, b"F=<");
            ev.to = angle_after(detail, b"RCPT <");
        }
    }
    Ok(Some(ev))
}

/// The text between `marker` (which ends in `<`) and the next `>`.
fn angle_after<'a>(text: &'a [u8], marker: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(text, marker)? + marker.len();
    let len = text[at..].iter().position(|&b| b == b'>')?;
    Some(&text[at..at + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_ms;

    fn ctx() -> TimeContext {
        let t: chrono::DateTime<chrono::Utc> = "2026-11-21T12:00:00Z".parse().expect("t");
        TimeContext::new(crate::time::DEFAULT_TZ, Some(t.into()))
    }

    fn parse(format: Format, lines: &[&str]) -> (RowBatch, Vec<Result<LineKind, &'static str>>) {
        let schema = schema_of(format).expect("row format");
        let p = RowParser::new(format, ctx(), None);
        let mut set = RowSet::default();
        let mut s = Scratch::default();
        let out = lines
            .iter()
            .enumerate()
            .map(|(i, l)| p.parse_line(l.as_bytes(), i as u64 + 1, 0, &mut set, &mut s))
            .collect();
        let b = set
            .batches
            .into_iter()
            .find(|b| std::ptr::eq(b.schema, schema))
            .unwrap_or_else(|| RowBatch::new(schema));
        (b, out)
    }

    #[test]
    fn netfilter_rows_take_the_envelope_time_and_host() {
        let (b, out) = parse(
            Format::Netfilter,
            &[
                "Nov 20 08:15:02 fw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=aa SRC=203.0.113.7 DST=10.0.0.2 LEN=60 PROTO=TCP SPT=51234 DPT=22",
            ],
        );
        assert_eq!(out, vec![Ok(LineKind::Rows)]);
        assert_eq!(b.ts, vec![utc_ms("2026-11-20T08:15:02Z")]);
        assert_eq!(b.cat_value(0, 0), Some(&b"block"[..]));
        assert_eq!(b.cat_value(14, 0), Some(&b"fw"[..]));
        assert_eq!(b.num_value(8, 0), Some(22));
    }

    #[test]
    fn exim_events_and_notices() {
        let (b, out) = parse(
            Format::Exim,
            &[
                "2026-11-20 08:15:02 1rAbCd-000123-Ab <= alice@kestrelbrook.example H=mx.example.net [192.0.2.5] P=esmtps S=12345 id=abc@example.net T=\"Homework\"",
                "2026-11-20 08:15:03 Start queue run: pid=4711",
                "2026-11-20 08:16:00 H=(helo) [203.0.113.9] F=<spam@example.com> rejected RCPT <x@kestrelbrook.example>: relay not permitted",
                "not exim at all",
            ],
        );
        assert_eq!(
            out[..3],
            [Ok(LineKind::Rows), Ok(LineKind::Context), Ok(LineKind::Rows)]
        );
        assert!(out[3].is_err());
        assert_eq!(b.rows, 2);
        assert_eq!(b.cat_value(crate::mail::c::FROM, 1), Some(&b"spam@example.com"[..]));
        assert_eq!(b.cat_value(crate::mail::c::TO, 1), Some(&b"x@kestrelbrook.example"[..]));
        assert_eq!(b.cat_value(crate::mail::c::STATUS, 0), Some(&b"received"[..]));
    }

    #[test]
    fn flexlm_dates_are_marks() {
        let (b, out) = parse(
            Format::Flexlm,
            &[
                " 9:45:10 (lmgrd) TIMESTAMP 11/20/2026",
                "15:04:31 (adskflex) OUT: \"MAYA\" KB\\jsmith@KB-ICT1-PC05",
            ],
        );
        assert_eq!(out, vec![Ok(LineKind::Context), Ok(LineKind::Rows)]);
        assert_eq!(
            b.dates,
            vec![(
                0,
                chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("d"),
                (9 * 3600 + 45 * 60 + 10) * 1000
            )]
        );
        assert_eq!(b.ts, vec![(15 * 3600 + 4 * 60 + 31) * 1000]);
        assert_eq!(b.cat_value(2, 0), Some(&b"jsmith"[..]));
    }

    #[test]
    fn lmgrd_chatter_is_context() {
        let (b, out) = parse(
            Format::Flexlm,
            &[
                " 9:45:10 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on kb-lic01 (linux) (11/20/2026)",
                " 9:45:11 (cadvend) Server started on kb-lic01 for: CADSTUDIO",
                "15:04:31 (cadvend) OUT: \"CADSTUDIO\" nobody-at-host",
            ],
        );
        assert_eq!(out[..2], [Ok(LineKind::Context), Ok(LineKind::Context)]);
        assert!(out[2].is_err(), "a malformed check-out is still rejected");
        assert_eq!(b.rows, 0);
    }

    #[test]
    fn dhcpd_refuses_other_programs() {
        let (b, out) = parse(
            Format::Dhcpd,
            &[
                "Nov 20 08:00:01 gw dhcpd[99]: DHCPACK on 10.40.20.15 to 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1",
                "Nov 20 08:00:02 gw unbound[12]: info: start of service",
            ],
        );
        assert_eq!(out[0], Ok(LineKind::Rows));
        assert_eq!(out[1], Ok(LineKind::Foreign));
        let (_, out) = parse(
            Format::Dhcpd,
            &["Nov 20 08:00:02 gw dhcpd[99]: DHCPREQUEST for 10.40.20.15 from 02:aa:bb:cc:dd:ee via eth1"],
        );
        assert_eq!(out, vec![Ok(LineKind::Context)]);
        assert_eq!(b.cat_value(5, 0), Some(&b"KB-ICT1-PC05"[..]));
    }
}
