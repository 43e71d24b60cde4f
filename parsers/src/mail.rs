//! The `mail` event kind. Format parsers read each line into a [`MailEvent`]: one step of a
//! message's life (Postfix, Exim: joined by queue id afterwards, in file order) or a complete
//! per-message record (Exchange message tracking, Microsoft 365 message trace). The ingest joins
//! the events into one row per recipient (DESIGN.md §4).

use crate::formats::Kind;
use crate::rows::{ColumnDef, ColumnType, RowBatch, Schema, col};
use crate::time::TimestampMs;

/// What happened to a message (or to one recipient of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailStatus {
    /// The server accepted the message (Postfix `qmgr … from=<…>, size=…` the first time;
    /// Exim `<=`; Exchange `RECEIVE`).
    Received,
    /// Delivered to a recipient (`status=sent`, Exim `=>`/`->`, Exchange `DELIVER`/`SEND`, M365
    /// `Delivered`).
    Sent,
    /// Deferred: the server will try again (`status=deferred`, Exim `==`, Exchange `DEFER`).
    Deferred,
    /// Failed for good and bounced (`status=bounced`, Exim `**`, Exchange `FAIL`, M365 `Failed`).
    Bounced,
    /// Refused at SMTP time (Postfix `NOQUEUE: reject`, Exim `rejected RCPT`).
    Rejected,
    /// Expired in the queue (`status=expired`).
    Expired,
    /// Held or quarantined (Postfix `hold`, M365 `Quarantined`, `FilteredAsSpam`).
    Held,
    /// Discarded by a rule (Postfix `discard`).
    Discarded,
    /// A reject or discard rule matched in warn-only mode (Postfix `reject_warning`).
    RejectWarning,
    /// Still in transit (M365 `Pending`, `GettingStatus`).
    Pending,
    /// Expanded to other recipients (a distribution list: Exchange `EXPAND`, M365 `Expanded`).
    Expanded,
}

impl MailStatus {
    /// Every status.
    pub const ALL: [MailStatus; 11] = [
        MailStatus::Received,
        MailStatus::Sent,
        MailStatus::Deferred,
        MailStatus::Bounced,
        MailStatus::Rejected,
        MailStatus::Expired,
        MailStatus::Held,
        MailStatus::Discarded,
        MailStatus::RejectWarning,
        MailStatus::Pending,
        MailStatus::Expanded,
    ];

    /// The status a frame names (`"sent"`), if any.
    pub fn from_name(name: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The name used in frames and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Received => "received",
            MailStatus::Sent => "sent",
            MailStatus::Deferred => "deferred",
            MailStatus::Bounced => "bounced",
            MailStatus::Rejected => "rejected",
            MailStatus::Expired => "expired",
            MailStatus::Held => "held",
            MailStatus::Discarded => "discarded",
            MailStatus::RejectWarning => "reject-warning",
            MailStatus::Pending => "pending",
            MailStatus::Expanded => "expanded",
        }
    }
}

/// One mail log line as a format parser reads it, borrowing from the line (or the chunk's
/// scratch arena); the default has every field empty.
///
/// A line that only adds facts about a message (Postfix `cleanup: message-id=…`, `smtpd:
/// client=…`) has no `status`; the join copies its facts onto the recipient rows of the same
/// `msg_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailEvent<'a> {
    /// When, if the payload carries its own time (else the syslog envelope's time applies).
    pub ts: Option<TimestampMs>,
    /// A payload time without a zone, to be read in the school's zone.
    pub local_time: Option<chrono::NaiveDateTime>,
    /// The server's id for the message (Postfix queue id, Exim message id, Exchange internal id);
    /// absent for a refusal before queueing and for formats whose lines are complete.
    pub msg_key: Option<&'a [u8]>,
    /// The Message-ID header.
    pub message_id: Option<&'a [u8]>,
    /// The envelope sender; `<>` (a bounce's null sender) is kept as an empty address.
    pub from: Option<&'a [u8]>,
    /// The recipient (one address; a format with several per line emits one event each).
    pub to: Option<&'a [u8]>,
    /// Message size in bytes.
    pub size: Option<u64>,
    /// What happened; `None` for a line that only adds facts.
    pub status: Option<MailStatus>,
    /// The next hop (`relay=` host\[ip\]:port, Exim `H=`, Exchange server).
    pub relay: Option<&'a [u8]>,
    /// The host that handed the message over (name).
    pub client: Option<&'a [u8]>,
    /// The address that handed the message over.
    pub client_ip: Option<&'a [u8]>,
    /// The Subject header, where the log has it.
    pub subject: Option<&'a [u8]>,
    /// The server's reason or reply (`dsn=… (…)`, a reject reason, a bounce text).
    pub detail: Option<&'a [u8]>,
    /// How many recipients the message had, where logged (Postfix `nrcpt=`).
    pub recipients: Option<u32>,
    /// The server is done with the message (Postfix `removed`, Exim `Completed`): its join state
    /// can be dropped.
    pub done: bool,
}

/// The columns of the `mail` kind: one row per recipient (and one per received message, with no
/// recipient), joined from the events of a message.
pub static MAIL: Schema = Schema {
    kind: Kind::Mail,
    timed: true,
    columns: MAIL_COLUMNS,
};

/// The columns of mail events before the join (the `mail` columns plus `done`).
pub static MAIL_EVENTS: Schema = Schema {
    kind: Kind::Mail,
    timed: true,
    columns: MAIL_EVENT_COLUMNS,
};

const MAIL_EVENT_COLUMNS: &[ColumnDef] = &[
    col("msg_key", ColumnType::Cat),
    // Unique per message: plain text while parsing; the join interns it once for the frame.
    col("message_id", ColumnType::Text),
    col("from", ColumnType::Cat),
    col("to", ColumnType::Cat),
    col("size", ColumnType::U64),
    col("status", ColumnType::Cat),
    col("relay", ColumnType::Cat),
    col("client", ColumnType::Cat),
    col("client_ip", ColumnType::Cat),
    col("subject", ColumnType::Text),
    col("detail", ColumnType::Text),
    col("recipients", ColumnType::U64),
    col("done", ColumnType::U64),
];

const MAIL_COLUMNS: &[ColumnDef] = &[
    col("msg_key", ColumnType::Cat),
    col("message_id", ColumnType::Cat),
    col("from", ColumnType::Cat),
    col("to", ColumnType::Cat),
    col("size", ColumnType::U64),
    col("status", ColumnType::Cat),
    col("relay", ColumnType::Cat),
    col("client", ColumnType::Cat),
    col("client_ip", ColumnType::Cat),
    col("subject", ColumnType::Cat),
    col("detail", ColumnType::Text),
    col("recipients", ColumnType::U64),
];

/// Column indices shared by [`MAIL`] and [`MAIL_EVENTS`].
#[allow(missing_docs)]
pub mod c {
    pub const MSG_KEY: usize = 0;
    pub const MESSAGE_ID: usize = 1;
    pub const FROM: usize = 2;
    pub const TO: usize = 3;
    pub const SIZE: usize = 4;
    pub const STATUS: usize = 5;
    pub const RELAY: usize = 6;
    pub const CLIENT: usize = 7;
    pub const CLIENT_IP: usize = 8;
    pub const SUBJECT: usize = 9;
    pub const DETAIL: usize = 10;
    pub const RECIPIENTS: usize = 11;
    pub const DONE: usize = 12;
}

impl MailEvent<'_> {
    /// Appends the event as a row of [`MAIL_EVENTS`] at `ts`.
    pub fn push(&self, b: &mut RowBatch, ts: i64, line: u64, offset: u64) {
        b.start(ts, line, offset);
        b.cat(c::MSG_KEY, self.msg_key);
        b.text(c::MESSAGE_ID, self.message_id);
        b.cat(c::FROM, self.from);
        b.cat(c::TO, self.to);
        b.num(c::SIZE, self.size);
        b.cat(c::STATUS, self.status.map(|s| s.as_str().as_bytes()));
        b.cat(c::RELAY, self.relay);
        b.cat(c::CLIENT, self.client);
        b.cat(c::CLIENT_IP, self.client_ip);
        b.text(c::SUBJECT, self.subject);
        b.text(c::DETAIL, self.detail);
        b.num(c::RECIPIENTS, self.recipients.map(u64::from));
        b.num(c::DONE, Some(u64::from(self.done)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for s in MailStatus::ALL {
            assert_eq!(MailStatus::from_name(s.as_str()), Some(s));
        }
        assert_eq!(MailStatus::from_name("lost"), None);
    }
}
