//! Exim `mainlog` lines, one event of a message's life each (joining them by message id into one
//! row per recipient is the ingest's job, in file order):
//!
//! ```text
//! 2026-11-20 08:15:02 1rAbCd-000123-Ab <= alice@kestrelbrook.example H=mx.example.net [192.0.2.5] P=esmtps S=12345 id=abc@example.net T="Homework"
//! 2026-11-20 08:15:03 [4711] 1rAbCd-000123-Ab => bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [198.51.100.7] C="250 OK"
//! 2026-11-20 08:15:03 1rAbCd-000123-Ab -> carol@example.org R=dnslookup
//! 2026-11-20 08:15:03 1rAbCd-000123-Ab ** dave@example.org R=dnslookup: Unrouteable address
//! 2026-11-20 08:15:03 1rAbCd-000123-Ab == eve@example.org R=dnslookup defer (-53): retry time not reached
//! 2026-11-20 08:15:04 1rAbCd-000123-Ab Completed
//! 2026-11-20 08:16:00 H=(helo) [203.0.113.9] F=<spam@example.com> rejected RCPT <x@kestrelbrook.example>: relay not permitted
//! ```
//!
//! With and without `[pid]`; old (`6-6-2`) and new (`6-11-4`) message ids; an optional `+HHMM`
//! zone after the time (`log_timezone`), else local time.

use crate::kv;

/// What a mainlog line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EximEvent {
    /// `<=`: the message arrived.
    Arrival,
    /// `=>`: delivered to a recipient.
    Delivery,
    /// `->`: delivered to an additional address of the same delivery.
    AdditionalDelivery,
    /// `**`: delivery failed for good (bounce).
    Bounce,
    /// `==`: delivery deferred.
    Defer,
    /// `Completed`: every recipient done.
    Completed,
    /// A rejection at SMTP time (no message id).
    Rejected,
}

/// One parsed mainlog line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EximLine<'a> {
    /// Local time of the line.
    pub time: chrono::NaiveDateTime,
    /// Minutes east of UTC, when the line carries a zone.
    pub offset_minutes: Option<i64>,
    /// Exim's message id (absent for SMTP-time rejections).
    pub msg_id: Option<&'a [u8]>,
    /// What happened.
    pub event: EximEvent,
    /// The sender (arrival) or recipient (deliveries) address; `<>` for a bounce's null sender.
    pub address: Option<&'a [u8]>,
    /// `S=` size in bytes.
    pub size: Option<u64>,
    /// `H=` host name.
    pub host: Option<&'a [u8]>,
    /// The `[address]` after `H=`.
    pub ip: Option<&'a [u8]>,
    /// `id=` Message-ID header.
    pub message_id: Option<&'a [u8]>,
    /// `T=` subject on arrival lines (on delivery lines `T=` is the transport).
    pub subject: Option<&'a [u8]>,
    /// What follows the address on failure, defer and rejection lines.
    pub detail: Option<&'a [u8]>,
}

/// Parses one mainlog line.
pub fn parse(line: &[u8]) -> Result<EximLine<'_>, &'static str> {
    let time = super::stamp_at_start(line).ok_or("no YYYY-MM-DD HH:MM:SS time stamp")?;
    let mut rest = &line[19..];
    if let Some(r) = rest.strip_prefix(b".") {
        let n = r.iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &r[n..];
    }
    rest = rest.strip_prefix(b" ").ok_or("nothing after the time stamp")?;
    let mut offset_minutes = None;
    if matches!(rest.first(), Some(b'+' | b'-')) && rest.get(5) == Some(&b' ') {
        offset_minutes = super::offset_minutes(&rest[..5]);
        rest = &rest[6..];
    }
    if rest.first() == Some(&b'[') {
        let close = rest.iter().position(|&b| b == b']').ok_or("unterminated [pid]")?;
        rest = rest[close + 1..].strip_prefix(b" ").unwrap_or(&rest[close + 1..]);
    }
    let mut out = EximLine {
        time,
        offset_minutes,
        msg_id: None,
        event: EximEvent::Rejected,
        address: None,
        size: None,
        host: None,
        ip: None,
        message_id: None,
        subject: None,
        detail: None,
    };
    let first_end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    let first = &rest[..first_end];
    if !is_msg_id(first) {
        if memchr::memmem::find(rest, b" rejected ").is_none() && !rest.starts_with(b"rejected ") {
            return Err("not a message line (no message id) nor an SMTP rejection");
        }
        host_and_ip(rest, &mut out);
        out.detail = Some(rest);
        return Ok(out);
    }
    out.msg_id = Some(first);
    let rest = rest[first_end..].strip_prefix(b" ").unwrap_or(&[]);
    if rest == b"Completed" || rest.starts_with(b"Completed ") {
        out.event = EximEvent::Completed;
        return Ok(out);
    }
    let (flag, rest) = (
        rest.get(..2).ok_or("message line without an event")?,
        rest.get(3..).unwrap_or(&[]),
    );
    out.event = match flag {
        b"<=" => EximEvent::Arrival,
        b"=>" => EximEvent::Delivery,
        b"->" => EximEvent::AdditionalDelivery,
        b"**" => EximEvent::Bounce,
        b"==" => EximEvent::Defer,
        _ => return Err("message line whose event is not <=, =>, ->, **, == or Completed"),
    };
    let addr_end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    out.address = Some(rest[..addr_end].strip_suffix(b":").unwrap_or(&rest[..addr_end])).filter(|a| !a.is_empty());
    let fields = &rest[addr_end..];
    host_and_ip(fields, &mut out);
    for (key, value) in kv::pairs(fields) {
        match key {
            b"S" => out.size = super::number(value),
            b"id" => out.message_id = Some(value),
            b"T" if out.event == EximEvent::Arrival => out.subject = Some(value),
            _ => {}
        }
    }
    if matches!(out.event, EximEvent::Bounce | EximEvent::Defer) {
        let detail = fields.strip_prefix(b" ").unwrap_or(fields);
        out.detail = (!detail.is_empty()).then_some(detail);
    }
    Ok(out)
}

/// `H=name [ip]` or `H=(helo) [ip]` anywhere in the fields.
fn host_and_ip<'a>(fields: &'a [u8], out: &mut EximLine<'a>) {
    let Some(at) = memchr::memmem::find(fields, b"H=") else {
        return;
    };
    if at > 0 && fields[at - 1] != b' ' {
        return;
    }
    let rest = &fields[at + 2..];
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    out.host = Some(&rest[..end]);
    let after = rest[end..].strip_prefix(b" ").unwrap_or(&[]);
    if let Some(inner) = after.strip_prefix(b"[") {
        let close = inner.iter().position(|&b| b == b']').unwrap_or(inner.len());
        out.ip = Some(&inner[..close]);
    }
}

/// Exim message ids: `1rAbCd-000123-Ab` (before 4.97) or `1rAbCd-00000000123-AbCd`.
fn is_msg_id(w: &[u8]) -> bool {
    let mut parts = w.split(|&b| b == b'-');
    let (Some(a), Some(b), Some(c), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let alnum = |p: &[u8]| p.iter().all(u8::is_ascii_alphanumeric);
    a.len() == 6 && (6..=11).contains(&b.len()) && (2..=4).contains(&c.len()) && alnum(a) && alnum(b) && alnum(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: Option<&[u8]>) -> Option<String> {
        b.map(|x| String::from_utf8_lossy(x).into_owned())
    }

    #[test]
    fn a_message_from_arrival_to_completion() {
        let a = parse(br#"2026-11-20 08:15:02 1rAbCd-000123-Ab <= alice@kestrelbrook.example H=mx.example.net [192.0.2.5] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 S=12345 id=abc@example.net T="Homework: \"draft\" 2""#).expect("arrival");
        assert_eq!(a.event, EximEvent::Arrival);
        assert_eq!(s(a.msg_id).as_deref(), Some("1rAbCd-000123-Ab"));
        assert_eq!(s(a.address).as_deref(), Some("alice@kestrelbrook.example"));
        assert_eq!(
            (a.size, s(a.host).as_deref(), s(a.ip).as_deref()),
            (Some(12345), Some("mx.example.net"), Some("192.0.2.5"))
        );
        assert_eq!(s(a.message_id).as_deref(), Some("abc@example.net"));
        assert_eq!(s(a.subject).as_deref(), Some(r#"Homework: \"draft\" 2"#));
        let d = parse(br#"2026-11-20 08:15:03 [4711] 1rAbCd-000123-Ab => bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [2001:db8::25] C="250 OK""#).expect("delivery");
        assert_eq!(
            (d.event, s(d.address).as_deref(), d.subject),
            (EximEvent::Delivery, Some("bob@example.org"), None)
        );
        assert_eq!(s(d.ip).as_deref(), Some("2001:db8::25"));
        let c = parse(b"2026-11-20 08:15:03 1rAbCd-000123-Ab -> carol@example.org R=dnslookup").expect("cc");
        assert_eq!(c.event, EximEvent::AdditionalDelivery);
        let b =
            parse(b"2026-11-20 08:15:03 1rAbCd-000123-Ab ** dave@example.org: Unrouteable address").expect("bounce");
        assert_eq!(
            (b.event, s(b.address).as_deref()),
            (EximEvent::Bounce, Some("dave@example.org"))
        );
        assert_eq!(s(b.detail).as_deref(), Some("Unrouteable address"));
        let q = parse(
            b"2026-11-20 08:15:03 1rAbCd-000123-Ab == eve@example.org R=dnslookup defer (-53): retry time not reached",
        )
        .expect("defer");
        assert_eq!(q.event, EximEvent::Defer);
        let done = parse(b"2026-11-20 08:15:04 1rAbCd-000123-Ab Completed").expect("completed");
        assert_eq!(done.event, EximEvent::Completed);
    }

    #[test]
    fn new_ids_zones_subseconds_null_sender_and_rejections() {
        let a = parse(b"2026-11-20 08:15:02.345 +0100 1rAbCd-00000000123-AbCd <= <> R=1rAbCd-000122-Ab U=Debian-exim P=local S=2100").expect("bounce arrival");
        assert_eq!((a.offset_minutes, s(a.address).as_deref()), (Some(60), Some("<>")));
        assert_eq!(s(a.msg_id).as_deref(), Some("1rAbCd-00000000123-AbCd"));
        let r = parse(b"2026-11-20 08:16:00 H=(helo.example) [203.0.113.9] F=<spam@example.com> rejected RCPT <x@kestrelbrook.example>: relay not permitted").expect("reject");
        assert_eq!(
            (r.event, r.msg_id, s(r.ip).as_deref()),
            (EximEvent::Rejected, None, Some("203.0.113.9"))
        );
    }

    #[test]
    fn refuses_other_lines() {
        for line in [
            "",
            "2026-11-20 08:15:02",
            "2026-11-20 08:15:02 Start queue run: pid=123",
            "not a time 1rAbCd-000123-Ab <= a@b",
            "2026-11-20 08:15:02 1rAbCd-000123-Ab ?? odd",
        ] {
            assert!(parse(line.as_bytes()).is_err(), "{line}");
        }
    }
}
