//! Findings (DESIGN.md §6): what every detector returns, in one shape, with references to the
//! exact log lines behind each one, and the catalogue of rules with the log kinds each needs.

use serde::Serialize;
use vigil_parsers::Kind;

/// How urgent a finding is, most urgent first (the derived order sorts critical first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Illegal content, or a child at risk: report to the DSL at once.
    Critical,
    /// Misuse or attempted misuse the DSL must hear of.
    High,
    /// Worth a look this week.
    Medium,
    /// Minor or routine.
    Low,
    /// For the record (exempted traffic, coverage notes).
    Info,
}

impl Severity {
    /// Every severity, most urgent first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The name used in policy files, filters and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// The severity called `name`.
    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this is at least as urgent as `other`.
    pub fn at_least(self, other: Severity) -> bool {
        self <= other
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One log line behind a finding: the source's index in the ingest, its 1-based line and the
/// byte offset of the line's start (in the decompressed text), so it can be read back exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    /// Index of the source in the ingest's list of sources.
    pub source: u32,
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identifier: a hash of the rule, the subject and the time window.
    pub id: String,
    /// The rule that found it (`breach.unacceptable`, `bypass.doh`, …).
    pub rule: &'static str,
    /// How urgent it is.
    pub severity: Severity,
    /// First event, UTC milliseconds.
    pub ts_first: i64,
    /// Last event, UTC milliseconds.
    pub ts_last: i64,
    /// The person, when known.
    pub user: Option<String>,
    /// The device, when known.
    pub device: Option<String>,
    /// The address, when there is one.
    pub ip: Option<String>,
    /// What it concerns besides the person: a category, site, product or source.
    pub about: Option<String>,
    /// One sentence for the DSL.
    pub summary: String,
    /// Events behind it.
    pub count: u64,
    /// The log lines behind it, in source and line order.
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// A finding whose id is computed from its rule, subject and window; `evidence` is sorted
    /// and de-duplicated.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rule: &'static str,
        severity: Severity,
        (ts_first, ts_last): (i64, i64),
        user: Option<String>,
        device: Option<String>,
        ip: Option<String>,
        about: Option<String>,
        summary: String,
        count: u64,
        mut evidence: Vec<Evidence>,
    ) -> Finding {
        evidence.sort_unstable();
        evidence.dedup();
        let mut f = Finding {
            id: String::new(),
            rule,
            severity,
            ts_first,
            ts_last,
            user,
            device,
            ip,
            about,
            summary,
            count,
            evidence,
        };
        f.id = f.stable_id();
        f
    }

    /// FNV-1a over the rule, the subject and the window: the same finding gets the same id on
    /// every run over the same logs (reviews and cases refer to findings by id).
    fn stable_id(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &b in bytes.iter().chain(std::iter::once(&0xff)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        feed(self.rule.as_bytes());
        for part in [&self.user, &self.device, &self.ip, &self.about] {
            feed(part.as_deref().unwrap_or("").as_bytes());
        }
        feed(&self.ts_first.to_le_bytes());
        feed(&self.ts_last.to_le_bytes());
        format!("{h:016x}")
    }

    /// The person, else the device, else the address: who the finding is about.
    pub fn subject(&self) -> &str {
        self.user
            .as_deref()
            .or(self.device.as_deref())
            .or(self.ip.as_deref())
            .unwrap_or("-")
    }
}

/// Sorts findings most urgent first, then by time, then by rule and subject.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, a.ts_first, a.rule, a.subject()).cmp(&(b.severity, b.ts_first, b.rule, b.subject()))
    });
}

/// A rule family's rule: its name, usual severity, the log kinds it reads and what it finds.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// `family.name`.
    pub name: &'static str,
    /// Its usual severity (some findings of a rule are graded lower, e.g. blocked attempts).
    pub severity: Severity,
    /// It is observable when any of these kinds is present.
    pub needs: &'static [Kind],
    /// What it finds.
    pub what: &'static str,
}

const fn rule(name: &'static str, severity: Severity, needs: &'static [Kind], what: &'static str) -> Rule {
    Rule {
        name,
        severity,
        needs,
        what,
    }
}

use Severity::{Critical, High, Info, Low, Medium};
const WEB: &[Kind] = &[Kind::Web];
const FLOW: &[Kind] = &[Kind::Flow];
const WEB_OR_FLOW: &[Kind] = &[Kind::Web, Kind::Flow];
const MAIL: &[Kind] = &[Kind::Mail];
const WEB_MAIL: &[Kind] = &[Kind::Web, Kind::Mail];

/// Every rule vigil applies.
pub const RULES: &[Rule] = &[
    rule(
        "breach.illegal",
        Critical,
        WEB,
        "access or attempted access to content graded illegal",
    ),
    rule(
        "breach.unacceptable",
        High,
        WEB,
        "access or attempted access to content graded unacceptable",
    ),
    rule(
        "breach.certain-times",
        Low,
        WEB,
        "content used outside the windows when it is acceptable",
    ),
    rule(
        "breach.nominated",
        Low,
        WEB,
        "content used by someone it is not nominated for",
    ),
    rule(
        "breach.exempted",
        Info,
        WEB,
        "traffic a teaching exemption covers (listed, not a breach)",
    ),
    rule(
        "keyword.prevent",
        Critical,
        WEB_MAIL,
        "PREVENT focus terms in searches, addresses or mail subjects",
    ),
    rule(
        "keyword.self-harm",
        Critical,
        WEB_MAIL,
        "terms suggesting risk of self-harm or suicide",
    ),
    rule(
        "keyword.exploitation",
        High,
        WEB_MAIL,
        "terms suggesting sexual exploitation or grooming",
    ),
    rule(
        "keyword.weapons",
        High,
        WEB_MAIL,
        "terms about obtaining or making weapons",
    ),
    rule("keyword.drugs", Medium, WEB_MAIL, "terms about buying or using drugs"),
    rule("keyword.bullying", Medium, WEB_MAIL, "terms suggesting bullying"),
    rule("keyword.custom", Medium, WEB_MAIL, "terms from the school's own lists"),
    rule(
        "usage.daily-bytes",
        Medium,
        WEB_OR_FLOW,
        "one person's traffic in a day over the threshold",
    ),
    rule(
        "usage.large-transfer",
        Medium,
        WEB_OR_FLOW,
        "one download over the single-transfer threshold",
    ),
    rule(
        "usage.large-upload",
        Medium,
        WEB_OR_FLOW,
        "one upload over the single-transfer threshold",
    ),
    rule(
        "usage.peak-share",
        Low,
        WEB_OR_FLOW,
        "one person taking a large share of school-hours bandwidth",
    ),
    rule(
        "usage.leisure-volume",
        Info,
        WEB,
        "one person's week of streaming, games, music, social media or file sharing",
    ),
    rule(
        "bypass.vpn",
        High,
        WEB,
        "VPN, proxy or anonymiser services (with searches for ways round the filter)",
    ),
    rule(
        "bypass.search",
        Medium,
        WEB,
        "searches for ways round the filter (VPN, proxy, unblocked)",
    ),
    rule(
        "bypass.doh",
        Medium,
        WEB,
        "DNS-over-HTTPS resolvers reached through the proxy",
    ),
    rule("bypass.direct-ip", Medium, WEB, "HTTPS or CONNECT to a bare IP address"),
    rule(
        "bypass.tor",
        High,
        WEB_OR_FLOW,
        "Tor relays, directory ports or gateways",
    ),
    rule(
        "bypass.vpn-protocol",
        High,
        FLOW,
        "VPN protocols (OpenVPN, WireGuard, IKE/IPsec, L2TP, PPTP, ESP, GRE)",
    ),
    rule(
        "bypass.outside-dns",
        Medium,
        FLOW,
        "DNS, DNS-over-TLS or DNS-over-QUIC to resolvers other than the school's",
    ),
    rule("bypass.quic", Low, FLOW, "QUIC (UDP 443) where the school blocks it"),
    rule(
        "bypass.block-burst",
        Medium,
        WEB,
        "a burst of blocked requests (someone trying site after site)",
    ),
    rule(
        "mail.auto-forward",
        High,
        MAIL,
        "a school mailbox forwarding its mail to an external address",
    ),
    rule(
        "mail.mass-mailing",
        Medium,
        MAIL,
        "one message or sender to very many recipients",
    ),
    rule(
        "mail.large-attachment-external",
        Medium,
        MAIL,
        "a large message sent to an external domain",
    ),
    rule(
        "mail.pupil-external",
        Low,
        MAIL,
        "mail to external addresses from a group the policy keeps internal",
    ),
    rule(
        "mail.reject-rate",
        Low,
        MAIL,
        "a sender with a high share of rejected or bounced mail",
    ),
    rule(
        "licences.over-deployed",
        Medium,
        &[Kind::Licences],
        "more installations, users or concurrent use than seats",
    ),
    rule(
        "licences.unused",
        Low,
        &[Kind::Licences],
        "licences bought but not installed or used",
    ),
    rule(
        "licences.expiring",
        Medium,
        &[Kind::Licences],
        "licences ending within 30, 60 or 90 days",
    ),
    rule(
        "licences.not-in-register",
        Low,
        &[Kind::Inventory],
        "software installed that the register does not list",
    ),
    rule(
        "licences.concurrent-denials",
        Medium,
        &[Kind::LicenceUse],
        "users refused a concurrent licence (seats ran out)",
    ),
    rule(
        "coverage.unfiltered-device",
        High,
        FLOW,
        "a client reaching the internet directly, never through the filter",
    ),
    rule(
        "coverage.gap",
        Medium,
        WEB_OR_FLOW,
        "a source silent during school hours",
    ),
    rule(
        "coverage.unidentified",
        Low,
        WEB_OR_FLOW,
        "a share of traffic vigil could not attribute to a person",
    ),
    rule(
        "coverage.not-observable",
        Info,
        &[],
        "rules that cannot run for lack of a log kind",
    ),
];

/// The rule called `name`.
pub fn rule_named(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_depend_on_subject_and_window() {
        let make = |user: &str, first: i64| {
            Finding::new(
                "breach.unacceptable",
                High,
                (first, first + 10),
                Some(user.to_owned()),
                None,
                None,
                Some("gambling".to_owned()),
                "x".to_owned(),
                1,
                vec![
                    Evidence {
                        source: 0,
                        line: 2,
                        offset: 9,
                    },
                    Evidence {
                        source: 0,
                        line: 1,
                        offset: 0,
                    },
                ],
            )
        };
        let a = make("ann", 1000);
        assert_eq!(a.id, make("ann", 1000).id);
        assert_ne!(a.id, make("bob", 1000).id);
        assert_ne!(a.id, make("ann", 2000).id);
        assert_eq!(a.evidence[0].line, 1, "evidence is sorted");
    }

    #[test]
    fn severities_order_most_urgent_first() {
        assert!(Critical.at_least(High));
        assert!(!Low.at_least(Medium));
        assert_eq!(Severity::parse("HIGH"), Some(High));
        let names: std::collections::HashSet<_> = RULES.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), RULES.len(), "rule names are unique");
    }
}
