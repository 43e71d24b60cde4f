//! The on-premises Postfix relay (`kb-relay`) in RFC 3164 syslog: the printers' scan-to-e-mail
//! and the MIS's notices to parents, relayed to Microsoft 365:
//!
//! ```text
//! Nov 16 08:01:02 kb-relay postfix/smtpd[2201]: connect from kb-mfd01.kestrelbrook.example[10.40.5.21]
//! Nov 16 08:01:02 kb-relay postfix/smtpd[2201]: 4B7C21A0F3: client=kb-mfd01.kestrelbrook.example[10.40.5.21]
//! Nov 16 08:01:02 kb-relay postfix/cleanup[2204]: 4B7C21A0F3: message-id=<20261116080102.4B7C21A0F3@kb-relay.kestrelbrook.example>
//! Nov 16 08:01:02 kb-relay postfix/qmgr[1077]: 4B7C21A0F3: from=<scanner@kestrelbrook.example>, size=1843276, nrcpt=1 (queue active)
//! Nov 16 08:01:02 kb-relay postfix/smtpd[2201]: disconnect from kb-mfd01.kestrelbrook.example[10.40.5.21] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
//! Nov 16 08:01:04 kb-relay postfix/smtp[2205]: 4B7C21A0F3: to=<jfenley@kestrelbrook.example>, relay=kestrelbrook-example.mail.protection.outlook.example[198.51.100.25]:25, delay=1.6, delays=0.1/0.01/0.4/1.1, dsn=2.6.0, status=sent (250 2.6.0 <…> [InternalId=…] Queued mail for delivery)
//! Nov 16 08:01:04 kb-relay postfix/qmgr[1077]: 4B7C21A0F3: removed
//! ```
//!
//! Also: a misconfigured printer outside `mynetworks` refused with `NOQUEUE: reject: … Relay
//! access denied`, deliveries deferred while Microsoft 365 could not be reached (and sent on the
//! retry), and a scan to a mistyped address bounced by Microsoft 365 with its non-delivery
//! notice.

use std::fmt::Write;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::network::{M365_MX, M365_MX_IP, RELAY_HOST};
use super::school::DNS_DOMAIN;
use super::{Recs, syslog_time};

/// qmgr's process id (it runs for weeks).
const QMGR_PID: u32 = 1077;

/// One message handed to the relay.
pub(super) struct Relayed {
    /// When the client connected, UTC ms.
    pub ts: i64,
    /// The client's name (as reverse DNS gives it) and address.
    pub client: (String, String),
    /// Envelope sender.
    pub from: String,
    /// Envelope recipient.
    pub to: String,
    /// Message size in bytes.
    pub size: u64,
    /// The Message-ID header, when the client wrote one (else cleanup adds one).
    pub message_id: Option<String>,
}

/// What became of a relayed message.
pub(super) struct Fate {
    /// When Microsoft 365 accepted it (None: bounced).
    pub delivered: Option<i64>,
    /// Its Message-ID.
    pub message_id: String,
}

/// Writes the relay's log.
pub(super) struct Relay<'a> {
    pub recs: &'a mut Recs,
    /// Process ids, advancing.
    pub pid: u32,
    /// When Microsoft 365 could not be reached (UTC ms), if ever today.
    pub outage: Option<(i64, i64)>,
}

fn queue_id(rng: &mut ChaCha8Rng) -> String {
    format!("{:010X}", rng.random_range(0x10_0000_0000u64..0xFF_FFFF_FFFF))
}

fn secs(ms: i64) -> String {
    let tenths = ms.max(0) / 100;
    if tenths >= 100 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

impl Relay<'_> {
    fn log(&mut self, ts: i64, program: &str, pid: u32, msg: &str) {
        self.recs.push(
            ts,
            0,
            format!("{} {RELAY_HOST} postfix/{program}[{pid}]: {msg}", syslog_time(ts)),
        );
    }

    fn next_pid(&mut self, rng: &mut ChaCha8Rng) -> u32 {
        self.pid += rng.random_range(1..9);
        self.pid
    }

    /// Relays one message; returns when Microsoft 365 took it.
    pub fn relay(&mut self, rng: &mut ChaCha8Rng, m: &Relayed, bounce: bool) -> Fate {
        let qid = queue_id(rng);
        let smtpd = self.next_pid(rng);
        let cleanup = self.next_pid(rng);
        let (host, ip) = (&m.client.0, &m.client.1);
        let t0 = m.ts;
        self.log(t0, "smtpd", smtpd, &format!("connect from {host}[{ip}]"));
        let t1 = t0 + rng.random_range(40..300);
        self.log(t1, "smtpd", smtpd, &format!("{qid}: client={host}[{ip}]"));
        let message_id = m.message_id.clone().unwrap_or_else(|| {
            let local = super::london(t0).0.format("%Y%m%d%H%M%S");
            format!("<{local}.{qid}@{RELAY_HOST}.{DNS_DOMAIN}>")
        });
        let t2 = t1 + 150 + (m.size / 20_000) as i64;
        self.log(t2, "cleanup", cleanup, &format!("{qid}: message-id={message_id}"));
        let t3 = t2 + rng.random_range(5..60);
        self.log(
            t3,
            "qmgr",
            QMGR_PID,
            &format!("{qid}: from=<{}>, size={}, nrcpt=1 (queue active)", m.from, m.size),
        );
        self.log(
            t3 + rng.random_range(5..40),
            "smtpd",
            smtpd,
            &format!("disconnect from {host}[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5"),
        );
        let mut attempt = t3 + 300 + rng.random_range(0..900) + (m.size / 8_000) as i64;
        if let Some((down, up)) = self.outage
            && attempt >= down
            && attempt < up
        {
            let smtp = self.next_pid(rng);
            let timeout = attempt + 30_000;
            self.log(
                timeout,
                "smtp",
                smtp,
                &format!(
                    "{qid}: to=<{}>, relay=none, delay={}, delays={}/0.01/30/0, dsn=4.4.1, status=deferred \
                     (connect to {M365_MX}[{M365_MX_IP}]:25: Connection timed out)",
                    m.to,
                    secs(timeout - t0),
                    secs(t3 - t0)
                ),
            );
            // qmgr's next look at the deferred queue after the link is back.
            attempt = up + rng.random_range(30_000..280_000);
            self.log(
                attempt - 200,
                "qmgr",
                QMGR_PID,
                &format!("{qid}: from=<{}>, size={}, nrcpt=1 (queue active)", m.from, m.size),
            );
        }
        let smtp = self.next_pid(rng);
        let done = attempt + 600 + rng.random_range(0..1_500) + (m.size / 40_000) as i64;
        let delays = format!(
            "{}/{}/{}/{}",
            secs(t3 - t0),
            secs(attempt - t3),
            secs(rng.random_range(100..500)),
            secs(done - attempt)
        );
        let mut line = format!(
            "{qid}: to=<{}>, relay={M365_MX}[{M365_MX_IP}]:25, delay={}, delays={delays}, ",
            m.to,
            secs(done - t0)
        );
        let delivered = if bounce {
            let _ = write!(
                line,
                "dsn=5.4.1, status=bounced (host {M365_MX}[{M365_MX_IP}] said: 550 5.4.1 Recipient address \
                 rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors \
                 [LO4P123MB0456.GBRP123.PROD.OUTLOOK.EXAMPLE] (in reply to RCPT TO command))"
            );
            None
        } else {
            let _ = write!(
                line,
                "dsn=2.6.0, status=sent (250 2.6.0 {message_id} [InternalId={}, \
                 Hostname=LO4P123MB0456.GBRP123.PROD.OUTLOOK.EXAMPLE] {} bytes in {}, {:.3} KB/sec Queued mail \
                 for delivery)",
                rng.random_range(10_000_000_000_000u64..99_999_999_999_999),
                m.size,
                secs(done - attempt),
                m.size as f64 / 1024.0 / ((done - attempt).max(1) as f64 / 1000.0)
            );
            Some(done + rng.random_range(300..1_500))
        };
        self.log(done, "smtp", smtp, &line);
        if bounce {
            let ndr = queue_id(rng);
            let bpid = self.next_pid(rng);
            self.log(
                done + 3,
                "bounce",
                bpid,
                &format!("{qid}: sender non-delivery notification: {ndr}"),
            );
            let local = super::london(done).0.format("%Y%m%d%H%M%S");
            self.log(
                done + 4,
                "cleanup",
                cleanup,
                &format!("{ndr}: message-id=<{local}.{ndr}@{RELAY_HOST}.{DNS_DOMAIN}>"),
            );
            self.log(
                done + 6,
                "qmgr",
                QMGR_PID,
                &format!(
                    "{ndr}: from=<>, size={}, nrcpt=1 (queue active)",
                    2_900 + m.size.min(4_000)
                ),
            );
            self.log(done + 7, "qmgr", QMGR_PID, &format!("{qid}: removed"));
            let smtp2 = self.next_pid(rng);
            let t = done + 900 + rng.random_range(0..900);
            self.log(
                t,
                "smtp",
                smtp2,
                &format!(
                    "{ndr}: to=<{}>, relay={M365_MX}[{M365_MX_IP}]:25, delay=0.9, delays=0/0/0.3/0.6, dsn=2.6.0, \
                     status=sent (250 2.6.0 <{local}.{ndr}@{RELAY_HOST}.{DNS_DOMAIN}> Queued mail for delivery)",
                    m.from
                ),
            );
            self.log(t + 2, "qmgr", QMGR_PID, &format!("{ndr}: removed"));
        } else {
            self.log(done + 2, "qmgr", QMGR_PID, &format!("{qid}: removed"));
        }
        Fate { delivered, message_id }
    }

    /// A client outside `mynetworks` trying to relay: refused at RCPT.
    pub fn refuse(&mut self, rng: &mut ChaCha8Rng, ts: i64, ip: &str, helo: &str, from: &str, to: &str) {
        let smtpd = self.next_pid(rng);
        self.log(ts, "smtpd", smtpd, &format!("connect from unknown[{ip}]"));
        self.log(
            ts + rng.random_range(80..400),
            "smtpd",
            smtpd,
            &format!(
                "NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <{to}>: Relay access denied; from=<{from}> \
                 to=<{to}> proto=ESMTP helo=<{helo}>"
            ),
        );
        self.log(
            ts + rng.random_range(500..900),
            "smtpd",
            smtpd,
            &format!("disconnect from unknown[{ip}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"),
        );
    }
}
