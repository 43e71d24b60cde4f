//! The `mail` event kind. Format parsers read each line into a [`MailEvent`]: one step of a
//! message's life (Postfix, Exim: joined by queue id afterwards, in file order) or a complete
//! per-message record (Exchange message tracking, Microsoft 365 message trace). The ingest joins
//! the events into one row per recipient (DESIGN.md §4).

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
