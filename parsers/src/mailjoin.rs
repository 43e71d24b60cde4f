//! Joins mail events into messages: one row per recipient outcome (and one per received
//! message), carrying the facts other lines of the same message gave (sender, size, Message-ID,
//! client, subject), in one pass over the events in reading order, with a map from queue id to
//! the message's facts. A message's state is dropped when the server says it is done with it, so
//! memory follows the number of messages in flight, and the time is linear in the lines.

use hashbrown::HashMap;

use crate::mail::{MAIL, c};
use crate::rows::RowBatch;

/// What earlier lines said about a message, and where its `received` rows are (a Postfix
/// message is received on smtpd's `client=` line, before qmgr names its sender and size, so those
/// rows are completed as the facts arrive).
#[derive(Default, Clone)]
struct Facts {
    message_id: Option<Vec<u8>>,
    from: Option<Vec<u8>>,
    size: Option<u64>,
    client: Option<Vec<u8>>,
    client_ip: Option<Vec<u8>>,
    subject: Option<Vec<u8>>,
    recipients: Option<u64>,
    received_rows: Vec<(usize, usize)>,
    /// A `received` row was written for this message.
    seen_received: bool,
}

/// Records `v` in `slot`; true when that changed what is known.
fn fill(slot: &mut Option<Vec<u8>>, v: Option<&[u8]>) -> bool {
    match v {
        Some(v) if slot.as_deref() != Some(v) => {
            *slot = Some(v.to_vec());
            true
        }
        _ => false,
    }
}

/// Joins event batches (with the source id of each) into mail rows, one output batch per input
/// batch that yields rows, with the same source.
pub fn join(events: Vec<RowBatch>, sources: &[u32]) -> Vec<(u32, RowBatch)> {
    let mut state: HashMap<Vec<u8>, Facts> = HashMap::new();
    let mut outs: Vec<RowBatch> = Vec::with_capacity(events.len());
    for ev in &events {
        let here = outs.len();
        outs.push(RowBatch::new(&MAIL));
        for r in 0..ev.rows {
            let key = ev.cat_value(c::MSG_KEY, r);
            let status = ev.cat_value(c::STATUS, r);
            let rejected = status == Some(b"rejected".as_slice());
            // A new arrival under a known id is a new message (queue ids are reused).
            if status == Some(b"received".as_slice())
                && let Some(k) = key
                && let Some(old) = state.get(k)
                && old.seen_received
            {
                state.remove(k);
            }
            let facts = match key {
                Some(k) => {
                    let f = state.entry_ref(k).or_default();
                    if status == Some(b"received".as_slice()) {
                        f.seen_received = true;
                    }
                    let mut changed = fill(&mut f.message_id, ev.text_value(c::MESSAGE_ID, r));
                    changed |= fill(&mut f.client, ev.cat_value(c::CLIENT, r));
                    changed |= fill(&mut f.client_ip, ev.cat_value(c::CLIENT_IP, r));
                    changed |= fill(&mut f.subject, ev.text_value(c::SUBJECT, r));
                    // A rejection's sender and size belong to that line, not to the message.
                    if !rejected {
                        changed |= fill(&mut f.from, ev.cat_value(c::FROM, r));
                        if f.size.is_none() && ev.num_value(c::SIZE, r).is_some() {
                            f.size = ev.num_value(c::SIZE, r);
                            changed = true;
                        }
                    }
                    if ev.num_value(c::RECIPIENTS, r).is_some() && f.recipients != ev.num_value(c::RECIPIENTS, r) {
                        f.recipients = ev.num_value(c::RECIPIENTS, r);
                        changed = true;
                    }
                    // Rows are completed only when a fact is new, and kept waiting only until
                    // the sender and size are known, so the work stays linear however many
                    // lines a message has.
                    let pending = if changed { f.received_rows.as_slice() } else { &[] };
                    for &(b, row) in pending {
                        let out = &mut outs[b];
                        out.fill_cat(c::FROM, row, f.from.as_deref());
                        out.fill_num(c::SIZE, row, f.size);
                        out.fill_cat(c::MESSAGE_ID, row, f.message_id.as_deref());
                        out.fill_cat(c::CLIENT, row, f.client.as_deref());
                        out.fill_cat(c::CLIENT_IP, row, f.client_ip.as_deref());
                        out.fill_cat(c::SUBJECT, row, f.subject.as_deref());
                        out.fill_num(c::RECIPIENTS, row, f.recipients);
                    }
                    if f.from.is_some() && f.size.is_some() {
                        f.received_rows.clear();
                    }
                    Some(f)
                }
                None => None,
            };
            if let Some(status) = status {
                let empty = Facts::default();
                let f = facts.as_deref().unwrap_or(&empty);
                let rows = &mut outs[here];
                let from = if rejected {
                    ev.cat_value(c::FROM, r)
                } else {
                    ev.cat_value(c::FROM, r).or(f.from.as_deref())
                };
                let row = rows.rows;
                rows.start(ev.ts[r], ev.line[r], ev.offset[r]);
                rows.cat(c::MSG_KEY, key);
                rows.cat(
                    c::MESSAGE_ID,
                    ev.text_value(c::MESSAGE_ID, r).or(f.message_id.as_deref()),
                );
                rows.cat(c::FROM, from);
                rows.cat(c::TO, ev.cat_value(c::TO, r));
                rows.num(
                    c::SIZE,
                    ev.num_value(c::SIZE, r).or(if rejected { None } else { f.size }),
                );
                rows.cat(c::STATUS, Some(status));
                rows.cat(c::RELAY, ev.cat_value(c::RELAY, r));
                rows.cat(c::CLIENT, ev.cat_value(c::CLIENT, r).or(f.client.as_deref()));
                rows.cat(c::CLIENT_IP, ev.cat_value(c::CLIENT_IP, r).or(f.client_ip.as_deref()));
                rows.cat(c::SUBJECT, ev.text_value(c::SUBJECT, r).or(f.subject.as_deref()));
                rows.text(c::DETAIL, ev.text_value(c::DETAIL, r));
                rows.num(c::RECIPIENTS, ev.num_value(c::RECIPIENTS, r).or(f.recipients));
                if status == b"received"
                    && let Some(k) = key
                    && let Some(f) = state.get_mut(k)
                    && (f.from.is_none() || f.size.is_none())
                {
                    f.received_rows.push((here, row));
                }
            }
            // The server is done with a message when it says so, and when it refuses or drops a
            // queued message (a cleanup header check logs no `removed`).
            let finished = ev.num_value(c::DONE, r) == Some(1) || matches!(status, Some(b"rejected" | b"discarded"));
            if finished && let Some(k) = key {
                state.remove(k);
            }
        }
    }
    outs.into_iter()
        .zip(sources)
        .filter(|(b, _)| b.rows > 0)
        .map(|(b, &s)| (s, b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{MAIL_EVENTS, MailEvent, MailStatus};

    #[test]
    fn facts_from_earlier_lines_reach_each_recipient_row() {
        let mut b = RowBatch::new(&MAIL_EVENTS);
        let q = Some(&b"Q1"[..]);
        let events = [
            MailEvent {
                msg_key: q,
                client: Some(b"mx.example.net"),
                client_ip: Some(b"192.0.2.5"),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                from: Some(b"a@example.net"),
                size: Some(1234),
                recipients: Some(2),
                status: Some(MailStatus::Received),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                to: Some(b"x@kestrelbrook.example"),
                status: Some(MailStatus::Sent),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                to: Some(b"y@kestrelbrook.example"),
                status: Some(MailStatus::Deferred),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                done: true,
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                to: Some(b"late@kestrelbrook.example"),
                status: Some(MailStatus::Sent),
                ..MailEvent::default()
            },
        ];
        for (i, e) in events.iter().enumerate() {
            e.push(&mut b, i as i64, i as u64 + 1, 0);
        }
        let joined = join(vec![b], &[7]);
        assert_eq!(joined.len(), 1);
        let (source, rows) = &joined[0];
        assert_eq!((*source, rows.rows), (7, 4));
        assert_eq!(rows.line, vec![2, 3, 4, 6]);
        for r in 1..3 {
            assert_eq!(rows.cat_value(c::FROM, r), Some(&b"a@example.net"[..]));
            assert_eq!(rows.num_value(c::SIZE, r), Some(1234));
            assert_eq!(rows.cat_value(c::CLIENT_IP, r), Some(&b"192.0.2.5"[..]));
        }
        // After `done` the message's facts are gone: a reused queue id starts afresh.
        assert_eq!(rows.cat_value(c::FROM, 3), None);
    }

    #[test]
    fn a_received_row_is_completed_when_qmgr_names_sender_and_size() {
        let mut b = RowBatch::new(&MAIL_EVENTS);
        let q = Some(&b"Q2"[..]);
        let events = [
            MailEvent {
                msg_key: q,
                client: Some(b"mx.example.net"),
                status: Some(MailStatus::Received),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                message_id: Some(b"<m@example.net>"),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                message_id: Some(b"<m@example.net>"),
                ..MailEvent::default()
            },
            MailEvent {
                msg_key: q,
                from: Some(b"a@example.net"),
                size: Some(99),
                ..MailEvent::default()
            },
        ];
        for (i, e) in events.iter().enumerate() {
            e.push(&mut b, i as i64, i as u64 + 1, 0);
        }
        let joined = join(vec![b], &[0]);
        let rows = &joined[0].1;
        assert_eq!(rows.rows, 1);
        assert_eq!(rows.cat_value(c::FROM, 0), Some(&b"a@example.net"[..]));
        assert_eq!(rows.num_value(c::SIZE, 0), Some(99));
        assert_eq!(rows.cat_value(c::MESSAGE_ID, 0), Some(&b"<m@example.net>"[..]));
    }
}
