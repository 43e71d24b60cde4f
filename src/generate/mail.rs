//! The Microsoft 365 message trace of the week, as `Get-MessageTrace | Export-Csv` writes it in
//! an en-GB PowerShell session (UTC times, day first; every field quoted; CRLF; newest first):
//!
//! ```text
//! #TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace
//! "MessageTraceId","Received","SenderAddress","RecipientAddress","FromIP","ToIP","Subject","Status","Size","MessageId"
//! "3e4f5a6b-…","20/11/2026 08:15:02","parent.a@homemail.example","jfenley@kestrelbrook.example","192.0.2.161","","Re: Year 9 trip, Friday","Delivered","20480","<CAF…@mail.homemail.example>"
//! ```
//!
//! One row per message and recipient: staff and pupils at the school's domain, parents,
//! suppliers, exam boards and the council at fictional `.example` domains; a daily all-staff
//! message expanded from its group; spam filtered, phishing quarantined, mistyped addresses failed;
//! the printers' scans and the MIS's notices arriving through the on-premises relay
//! ([`super::relay`], whose `maillog` this module writes as well).

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::network::{self, MFDS, MIS_HOST, MIS_IP, PUBLIC_IP, email, fnv};
use super::relay::{Relay, Relayed};
use super::school::{DNS_DOMAIN, Role};
use super::{Chunk, Incident, Presence, Recs, Registry, World, local_ms, lognormal, poisson};

const SALT_PLAN: u64 = 0x3A11_7ACE_0000_0001;
const SALT_DAY: u64 = 0x3A11_7ACE_0000_0002;

/// One row of the trace: a message to one recipient.
#[derive(Debug, Clone)]
pub(super) struct TraceRow {
    ts: i64,
    trace_id: String,
    sender: String,
    recipient: String,
    from_ip: String,
    to_ip: String,
    subject: String,
    status: &'static str,
    size: u64,
    message_id: String,
    incident: u16,
}

/// The planted mail incidents.
pub(super) struct MailPlan {
    /// The member of staff whose mail is all forwarded out, their personal address, the incident.
    forwarder: Option<(usize, String, u16)>,
    /// The pupil who mails everybody: (person, day, incident).
    mass: Option<(usize, usize, u16)>,
    /// The member of staff who sends 25 MB out: (person, day, incident).
    large: Option<(usize, usize, u16)>,
    /// The pupil who mails outside: (person, day, incident).
    outside: Option<(usize, usize, u16)>,
}

/// Chooses who and when for the planted mail incidents.
pub(super) fn plan(world: &World, reg: &mut Registry) -> MailPlan {
    let mut rng = world.rng(SALT_PLAN, usize::MAX);
    let school = world.school;
    let n = world.days.len();
    let day = |d: usize| d.min(n - 1);
    let forwarder = reg.pick(&mut rng, school, Role::Staff, |_, _| true).map(|p| {
        let person = &school.people[p];
        let personal = format!(
            "{}.{}@personalmail.example",
            person.display.split(' ').next().unwrap_or("me").to_lowercase(),
            person.display.split(' ').nth(1).unwrap_or("home").to_lowercase()
        );
        let inc = reg.add(
            Incident::new(
                "mail.auto-forward",
                "mail",
                "high",
                format!(
                    "Every message arriving in a staff mailbox is forwarded automatically to an external \
                     personal address ({personal})"
                ),
            )
            .by(school, p),
        );
        (p, personal, inc)
    });
    let older = |p: &super::school::Person, _: &super::school::Device| p.year.is_some_and(|y| y >= 8);
    let mass = reg.pick(&mut rng, school, Role::Pupil, older).map(|p| {
        let recipients = (school.with_role(Role::Pupil).len() - 1).min(160);
        let inc = reg.add(
            Incident::new(
                "mail.mass-mailing",
                "mail",
                "medium",
                format!("A pupil sent one message to {recipients} other pupils at lunchtime (mass mailing)"),
            )
            .by(school, p),
        );
        (p, day(3), inc)
    });
    let large = reg.pick(&mut rng, school, Role::Staff, |_, _| true).map(|p| {
        let inc = reg.add(
            Incident::new(
                "mail.large-attachment-external",
                "mail",
                "medium",
                "A 25 MB message (large attachment) sent from a staff account to an external address".to_owned(),
            )
            .by(school, p),
        );
        (p, day(2), inc)
    });
    let outside = reg.pick(&mut rng, school, Role::Pupil, older).map(|p| {
        let inc = reg.add(
            Incident::new(
                "mail.pupil-external",
                "mail",
                "low",
                "A pupil mailed an external address, which the policy does not allow (pupils may only mail \
                 addresses at the school)"
                    .to_owned(),
            )
            .by(school, p),
        );
        (p, day(1), inc)
    });
    MailPlan {
        forwarder,
        mass,
        large,
        outside,
    }
}

const PARENT_DOMAINS: &[&str] = &[
    "homemail.example",
    "familynet.example",
    "mailbox-uk.example",
    "webpost.example",
];
const SUPPLIERS: &[(&str, &[&str])] = &[
    (
        "orders@stationery-direct.example",
        &["Order confirmation 88213", "Your order has been dispatched"],
    ),
    (
        "accounts@school-catering.example",
        &["Invoice INV-20431", "Menu changes for next week"],
    ),
    (
        "bookings@coachhire.example",
        &["Booking confirmed: Year 9 trip, Friday", "Coach times"],
    ),
    (
        "entries@exam-board.example",
        &["Exam entries: November series", "Amendments to entries deadline"],
    ),
    (
        "results@qualifications.example",
        &["Results statistics", "Re: Access arrangements"],
    ),
    (
        "admissions@county-council.example",
        &["In-year admission: new pupil", "School census reminder"],
    ),
    (
        "news@edu-newsletter.example",
        &["This week in education", "Free webinar: \"Assessment without levels\""],
    ),
    (
        "support@mis-vendor.example",
        &["Case 40213: report export", "Scheduled maintenance, Saturday"],
    ),
];
const SPAM: &[(&str, &str, &str)] = &[
    (
        "offers@cheap-deals.example",
        "Last chance: 80% off printer ink",
        "FilteredAsSpam",
    ),
    (
        "promo@win-prizes.example",
        "You have been selected!!!",
        "FilteredAsSpam",
    ),
    (
        "security@account-verify.example",
        "Action required: verify your mailbox",
        "Quarantined",
    ),
];
const STAFF_SUBJECTS: &[&str] = &[
    "Cover for P3 tomorrow",
    "Year 9 reports deadline",
    "Minutes: department meeting",
    "Re: Trip risk assessment",
    "Parents' evening slots",
    "Duty rota, week 12",
    "Room change P4",
    "IT: projector in SCI2",
    "Re: Mock exam timetable",
    "Seating plans",
    "Fwd: CPD booking",
    "Behaviour log, 8C",
];
const PARENT_SUBJECTS: &[&str] = &[
    "Re: Homework query",
    "Year 9 trip, Friday",
    "Missing PE kit",
    "Re: Absence on Tuesday",
    "Progress update",
    "Re: Detention",
];
const FROM_PARENT_SUBJECTS: &[&str] = &[
    "Absence - dentist appointment",
    "Question about homework",
    "Re: Year 9 trip, Friday",
    "Lunch money",
    "\"Book week\" costume",
    "Collecting early on Thursday",
];
const PUPIL_SUBJECTS: &[&str] = &[
    "Homework",
    "my essay",
    "Science coursework draft",
    "cant open the file",
    "Re: Homework",
];

/// A rows-to-be: one message with its recipients.
struct Builder<'a> {
    rng: &'a mut ChaCha8Rng,
    rows: Vec<TraceRow>,
}

impl Builder<'_> {
    fn guid(&mut self) -> String {
        let a: u64 = self.rng.random();
        let b: u64 = self.rng.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// A Message-ID as the sender's system writes it.
    fn message_id(&mut self, sender: &str) -> String {
        let domain = sender.rsplit('@').next().unwrap_or(DNS_DOMAIN);
        let x: u64 = self.rng.random();
        let y: u32 = self.rng.random();
        if domain == DNS_DOMAIN {
            format!(
                "<LO4P123MB{:04}{x:016X}{y:08X}@LO4P123MB{:04}.GBRP123.PROD.OUTLOOK.EXAMPLE>",
                y % 10_000,
                x % 10_000
            )
        } else {
            format!("<CAF{x:016x}{y:08x}@mail.{domain}>")
        }
    }

    /// Adds a message: one row per recipient, each with its status.
    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        ts: i64,
        sender: &str,
        recipients: &[(String, &'static str)],
        subject: &str,
        size: u64,
        message_id: Option<String>,
        incident: u16,
    ) {
        let trace_id = self.guid();
        let message_id = message_id.unwrap_or_else(|| self.message_id(sender));
        let internal = |a: &str| a.ends_with(&format!("@{DNS_DOMAIN}"));
        for (recipient, status) in recipients {
            let from_ip = if internal(sender) {
                PUBLIC_IP.to_owned()
            } else {
                sender_ip(sender)
            };
            let to_ip = if internal(recipient) {
                String::new()
            } else {
                mx_ip(recipient)
            };
            self.rows.push(TraceRow {
                ts,
                trace_id: trace_id.clone(),
                sender: sender.to_owned(),
                recipient: recipient.clone(),
                from_ip,
                to_ip,
                subject: subject.to_owned(),
                status,
                size,
                message_id: message_id.clone(),
                incident,
            });
        }
    }
}

/// The address a sending domain's servers use.
fn sender_ip(address: &str) -> String {
    let domain = address.rsplit('@').next().unwrap_or("");
    format!("192.0.2.{}", 150 + fnv(domain) % 50)
}

/// The address of a domain's mail exchanger.
fn mx_ip(address: &str) -> String {
    let domain = address.rsplit('@').next().unwrap_or("");
    format!("198.51.100.{}", 200 + fnv(domain) % 50)
}

/// A parent's address (of pupil `p`).
fn parent(world: &World, p: usize) -> String {
    let pupil = &world.school.people[p];
    let surname = pupil.display.split(' ').nth(1).unwrap_or("family").to_lowercase();
    let h = fnv(&pupil.username);
    const FIRST: &[&str] = &[
        "sam", "alex", "jo", "chris", "kim", "pat", "lee", "robin", "morgan", "jamie",
    ];
    let domain = PARENT_DOMAINS[(h % PARENT_DOMAINS.len() as u64) as usize];
    format!("{}.{surname}@{domain}", FIRST[((h >> 8) % FIRST.len() as u64) as usize])
}

fn size(rng: &mut ChaCha8Rng) -> u64 {
    if rng.random_bool(0.12) {
        lognormal(rng, 900_000.0, 1.0).min(18_000_000.0) as u64
    } else {
        lognormal(rng, 24_000.0, 0.8) as u64 + 3_000
    }
}

/// One day of mail: the trace rows and the relay's log.
pub(super) fn day(world: &World, plan: &MailPlan, i: usize, presence: &Presence) -> (Vec<TraceRow>, Chunk) {
    let mut rng = world.rng(SALT_DAY, i);
    let school = world.school;
    let date = world.days[i];
    let last_day = i + 1 == world.days.len();
    let staff = school.with_role(Role::Staff);
    let pupils = school.with_role(Role::Pupil);
    let present = |p: usize| presence.span[p];
    let at = |rng: &mut ChaCha8Rng, p: usize| present(p).map(|(a, b)| rng.random_range(a..=b.max(a)));
    let office = format!("office@{DNS_DOMAIN}");
    let mut relay_recs = Recs::default();
    let mut b = Builder {
        rng: &mut rng,
        rows: Vec::new(),
    };

    // Staff: to colleagues, parents, suppliers.
    for &p in &staff {
        let me = email(&school.people[p].username);
        for _ in 0..poisson(b.rng, 1.6) {
            let Some(ts) = at(b.rng, p) else {
                break;
            };
            let roll: f64 = b.rng.random();
            let mut mistyped = false;
            let (to, subject): (Vec<String>, &str) = if roll < 0.6 {
                let k = b.rng.random_range(1..=3);
                let to = (0..k)
                    .filter_map(|_| staff.choose(b.rng).copied())
                    .filter(|&q| q != p)
                    .map(|q| email(&school.people[q].username))
                    .collect();
                (to, STAFF_SUBJECTS.choose(b.rng).copied().unwrap_or("Hello"))
            } else if roll < 0.85 {
                let Some(&pupil) = pupils.choose(b.rng) else {
                    continue;
                };
                let mut to = parent(world, pupil);
                if b.rng.random_bool(0.04) {
                    // A mistyped domain: the message fails.
                    to = to.replace(".example", "x.example");
                    mistyped = true;
                }
                (vec![to], PARENT_SUBJECTS.choose(b.rng).copied().unwrap_or("Hello"))
            } else if let Some(&(addr, subjects)) = SUPPLIERS.choose(b.rng) {
                let subject = subjects.choose(b.rng).copied().unwrap_or("Hello");
                (vec![addr.to_owned()], subject)
            } else {
                continue;
            };
            if to.is_empty() {
                continue;
            }
            let to: Vec<(String, &'static str)> = to
                .into_iter()
                .map(|a| {
                    let status = if mistyped { "Failed" } else { "Delivered" };
                    (a, status)
                })
                .collect();
            let size = size(b.rng);
            let subject = subject.to_owned();
            b.message(ts, &me, &to, &subject, size, None, 0);
        }
        // From outside: parents, suppliers, newsletters, spam.
        for _ in 0..poisson(b.rng, 1.8) {
            let ts = local_ms(date, b.rng.random_range(6 * 60..19 * 60), b.rng.random_range(0..60_000));
            let roll: f64 = b.rng.random();
            let (from, subject, status) = if roll < 0.5 {
                let Some(&pupil) = pupils.choose(b.rng) else {
                    continue;
                };
                let s = FROM_PARENT_SUBJECTS.choose(b.rng).copied().unwrap_or("Hello");
                (parent(world, pupil), s, "Delivered")
            } else if roll < 0.92 {
                let &(addr, subjects) = SUPPLIERS.choose(b.rng).unwrap_or(&SUPPLIERS[0]);
                (
                    addr.to_owned(),
                    subjects.choose(b.rng).copied().unwrap_or("Hello"),
                    "Delivered",
                )
            } else {
                let &(addr, subject, status) = SPAM.choose(b.rng).unwrap_or(&SPAM[0]);
                (addr.to_owned(), subject, status)
            };
            let size = size(b.rng);
            b.message(ts, &from, &[(me.clone(), status)], subject, size, None, 0);
        }
    }
    // A message to a member of staff who has left: it fails.
    if let Some(&(addr, subjects)) = SUPPLIERS.choose(b.rng) {
        let ts = local_ms(date, b.rng.random_range(8 * 60..16 * 60), 0);
        let subject = subjects.first().copied().unwrap_or("Hello");
        b.message(
            ts,
            addr,
            &[(format!("j.leaver@{DNS_DOMAIN}"), "Failed")],
            subject,
            31_000,
            None,
            0,
        );
    }
    // At the end of the week, the last messages out are still on their way when the trace is taken.
    if last_day && let Some(&p) = staff.first() {
        let me = email(&school.people[p].username);
        for (k, &pupil) in pupils.iter().take(2).enumerate() {
            let ts = local_ms(date, 17 * 60 + 31 + 7 * k as u32, b.rng.random_range(0..50_000));
            let to = parent(world, pupil);
            b.message(ts, &me, &[(to, "Pending")], "Re: Homework query", 21_000, None, 0);
        }
    }
    // The morning briefing to the all-staff group, expanded.
    {
        let ts = local_ms(date, 8 * 60 + 2, b.rng.random_range(0..50_000));
        let mut to = vec![(format!("allstaff@{DNS_DOMAIN}"), "Expanded")];
        to.extend(staff.iter().map(|&q| (email(&school.people[q].username), "Delivered")));
        let weekday = date.format("%A").to_string();
        b.message(
            ts,
            &office,
            &to,
            &format!("Staff briefing notes, {weekday}"),
            48_000,
            None,
            0,
        );
    }
    // Pupils mail their teachers (only inside the school).
    for &p in &pupils {
        if !b.rng.random_bool(0.05) {
            continue;
        }
        let Some(ts) = at(b.rng, p) else {
            continue;
        };
        let Some(&teacher) = staff.choose(b.rng) else {
            break;
        };
        let subject = PUPIL_SUBJECTS.choose(b.rng).copied().unwrap_or("Homework");
        let me = email(&school.people[p].username);
        let size = size(b.rng);
        b.message(
            ts,
            &me,
            &[(email(&school.people[teacher].username), "Delivered")],
            subject,
            size,
            None,
            0,
        );
    }

    // The relay: scans from the printers to staff, notices from the MIS to parents.
    let mut relay = Relay {
        recs: &mut relay_recs,
        pid: 2_000 + 3_000 * i as u32,
        outage: (i == 3.min(world.days.len() - 1))
            .then(|| (local_ms(date, 10 * 60 + 10, 0), local_ms(date, 10 * 60 + 34, 0))),
    };
    let mut relayed: Vec<(Relayed, bool, String)> = Vec::new();
    let scans = (staff.len() / 6).max(2);
    let mut bounce_today = i == 2.min(world.days.len() - 1);
    for k in 0..scans {
        let Some(&p) = staff.choose(b.rng) else {
            break;
        };
        let Some(ts) = at(b.rng, p) else {
            continue;
        };
        let (host, ip) = MFDS[k % MFDS.len()];
        let bounce = std::mem::take(&mut bounce_today);
        // The bounced scan went to a mistyped address (a letter too many).
        let to = email(&format!(
            "{}{}",
            school.people[p].username,
            if bounce { "x" } else { "" }
        ));
        let m = Relayed {
            ts,
            client: (format!("{host}.{DNS_DOMAIN}"), ip.to_owned()),
            from: format!("scanner@{DNS_DOMAIN}"),
            to,
            size: lognormal(b.rng, 1_200_000.0, 0.7) as u64,
            message_id: None,
        };
        let subject = format!("Scanned from {host}");
        relayed.push((m, bounce, subject));
    }
    let notices = (pupils.len() / 25).max(2);
    for k in 0..notices {
        let Some(&pupil) = pupils.choose(b.rng) else {
            break;
        };
        let (ts, subject) = if k < notices * 3 / 4 {
            (
                local_ms(date, 9 * 60 + 35, b.rng.random_range(0..2_400_000)),
                "Absence notification",
            )
        } else {
            (
                local_ms(date, b.rng.random_range(12 * 60..17 * 60), 0),
                "Payment received",
            )
        };
        let x: u64 = b.rng.random();
        let m = Relayed {
            ts,
            client: (format!("{MIS_HOST}.{DNS_DOMAIN}"), MIS_IP.to_owned()),
            from: format!("mis-noreply@{DNS_DOMAIN}"),
            to: parent(world, pupil),
            size: lognormal(b.rng, 14_000.0, 0.3) as u64,
            message_id: Some(format!("<{x:016x}.{pupil}@{MIS_HOST}.{DNS_DOMAIN}>")),
        };
        relayed.push((m, false, subject.to_owned()));
    }
    relayed.sort_by_key(|r| r.0.ts);
    for (m, bounce, subject) in &relayed {
        let fate = relay.relay(b.rng, m, *bounce);
        if let Some(t) = fate.delivered {
            b.message(
                t,
                &m.from,
                &[(m.to.clone(), "Delivered")],
                subject,
                m.size + 2_400,
                Some(fate.message_id),
                0,
            );
        }
    }
    // The annexe printer, outside mynetworks, refused every time somebody scans.
    let annexe = network::annexe_mfd();
    if i >= 1.min(world.days.len() - 1) {
        for _ in 0..b.rng.random_range(2..=5) {
            let Some(&p) = staff.choose(b.rng) else {
                break;
            };
            let ts = local_ms(
                date,
                b.rng.random_range(9 * 60 + 10..15 * 60 + 30),
                b.rng.random_range(0..60_000),
            );
            let to = email(&school.people[p].username);
            relay.refuse(b.rng, ts, annexe.ip, annexe.hostname, "scan@kb-mfd-annex.local", &to);
        }
    }

    // Planted: the pupil who mails outside.
    if let Some((p, d, inc)) = plan.outside
        && d == i
    {
        let me = email(&school.people[p].username);
        for (k, subject) in ["hey", "Re: hey"].iter().enumerate() {
            let ts = local_ms(date, 13 * 60 + 12 + 31 * k as u32, b.rng.random_range(0..50_000));
            let size = 9_000 + b.rng.random_range(0..5_000);
            b.message(
                ts,
                &me,
                &[("xx.gamer.xx@freemail.example".to_owned(), "Delivered")],
                subject,
                size,
                None,
                inc,
            );
        }
    }
    // Planted: the pupil who mails everybody.
    if let Some((p, d, inc)) = plan.mass
        && d == i
    {
        let me = email(&school.people[p].username);
        let to: Vec<(String, &'static str)> = pupils
            .iter()
            .filter(|&&q| q != p)
            .take(160)
            .map(|&q| (email(&school.people[q].username), "Delivered"))
            .collect();
        let ts = local_ms(date, 12 * 60 + 24, 17_000);
        b.message(
            ts,
            &me,
            &to,
            "PLEASE READ!!! sign the petition for a longer lunch, send to everyone",
            38_211,
            None,
            inc,
        );
    }
    // Planted: 25 MB out of the school.
    if let Some((p, d, inc)) = plan.large
        && d == i
    {
        let person = &school.people[p];
        let me = email(&person.username);
        let to = format!(
            "{}.{}@webmail.example",
            person.display.split(' ').next().unwrap_or("me").to_lowercase(),
            person.display.split(' ').nth(1).unwrap_or("home").to_lowercase()
        );
        let ts = local_ms(date, 15 * 60 + 52, 40_000);
        b.message(
            ts,
            &me,
            &[(to, "Delivered")],
            "Photos and videos from the trip",
            26_530_871,
            None,
            inc,
        );
    }
    // Planted: every message that reaches the forwarder goes out again to their own address.
    if let Some((p, personal, inc)) = &plan.forwarder {
        let me = email(&school.people[*p].username);
        let inbound: Vec<TraceRow> = b
            .rows
            .iter()
            .filter(|r| r.recipient == me && r.status == "Delivered")
            .cloned()
            .collect();
        for r in inbound {
            let ts = r.ts + b.rng.random_range(2_000..9_000);
            let subject = format!("FW: {}", r.subject);
            b.message(
                ts,
                &me,
                &[(personal.clone(), "Delivered")],
                &subject,
                r.size + 1_600,
                None,
                *inc,
            );
            if let Some(last) = b.rows.last_mut() {
                last.from_ip = String::new();
            }
        }
    }
    let rows = b.rows;
    (rows, relay_recs.into_chunk("\n"))
}

fn quoted(out: &mut String, field: &str) {
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

/// The whole trace as `Export-Csv` writes it: newest first.
pub(super) fn trace_csv(mut rows: Vec<TraceRow>) -> Chunk {
    // Get-MessageTrace lists the newest first; recipients of one message keep their order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.ts));
    let mut text = String::from(
        "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace\r\n\
         \"MessageTraceId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"FromIP\",\"ToIP\",\"Subject\",\
         \"Status\",\"Size\",\"MessageId\"\r\n",
    );
    let mut chunk = Chunk::default();
    for (n, r) in rows.iter().enumerate() {
        // Received is in UTC (whatever the zone of the session that exported it).
        let utc = chrono::DateTime::from_timestamp_millis(r.ts)
            .map(|t| t.naive_utc())
            .unwrap_or_default();
        let fields = [
            r.trace_id.as_str(),
            &utc.format("%d/%m/%Y %H:%M:%S").to_string(),
            &r.sender,
            &r.recipient,
            &r.from_ip,
            &r.to_ip,
            &r.subject,
            r.status,
            &r.size.to_string(),
            &r.message_id,
        ];
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                text.push(',');
            }
            quoted(&mut text, f);
        }
        text.push_str("\r\n");
        if r.incident > 0 {
            chunk.tagged.push((r.incident, n as u64 + 3, r.ts));
        }
        chunk.last = chunk.last.max(r.ts);
    }
    chunk.text = text.into_bytes();
    chunk
}
