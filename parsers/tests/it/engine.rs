//! Regression tests of the multi-kind engine from a review: per-source counts with routed kinds,
//! time settling per kind, sniffing with other programs' lines, concatenated exports, queue-id
//! reuse, exact line numbers and offsets across chunks, gzip segments and UTF-16, lmgrd dates.

use std::path::PathBuf;
use vigil_parsers::discover::Found;
use vigil_parsers::ingest::{IngestOptions, ingest_files};
use vigil_parsers::{Format, Kind};

fn write(dir: &std::path::Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("review fixture");
    p
}
fn run(paths: &[PathBuf], format: Option<Format>) -> vigil_parsers::ingest::Ingest {
    let found: Vec<Found> = paths
        .iter()
        .map(|p| Found {
            path: p.clone(),
            explicit: true,
            format: None,
        })
        .collect();
    let opts = IngestOptions {
        format,
        ..IngestOptions::default()
    };
    ingest_files(&found, &opts)
}
fn show(i: &vigil_parsers::ingest::Ingest) {
    for s in &i.sources {
        eprintln!(
            "{:?} fmt={:?} lines={} parsed={} ctx={} rows={} rej={} blank={} err={:?} rejects={:?} routed={:?} warn={:?}",
            s.path.file_name().expect("review fixture"),
            s.format,
            s.lines,
            s.parsed,
            s.context,
            s.rows,
            s.rejected,
            s.blank,
            s.error,
            &s.rejects[..s.rejects.len().min(5)],
            s.routed,
            s.warnings
        );
    }
    for t in &i.tables {
        eprintln!(
            "table {:?} rows={} sources={:?}",
            t.schema.kind,
            t.rows(),
            t.batch_source
        );
    }
}

const PF: &str = "Nov 20 09:00:02 kb-pfsense filterlog[4711]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,1000,0,DF,6,tcp,60,203.0.113.1,198.51.100.2,61000,443,0,S,2233444555,,65535,,mss\n";

#[test]
fn routed_mail_rows_count() {
    let dir = tempfile::tempdir().expect("review fixture");
    let mut s = String::new();
    for _ in 0..5 {
        s.push_str(PF);
    }
    s.push_str("Nov 20 08:15:09 mail postfix/smtpd[31844]: 964D3D4496: client=mx.example.net[192.0.2.5]\n");
    s.push_str(
        "Nov 20 08:15:10 mail postfix/qmgr[31844]: 964D3D4496: from=<a@b.example>, size=100, nrcpt=1 (queue active)\n",
    );
    s.push_str("Nov 20 08:15:11 mail postfix/smtp[31844]: 964D3D4496: to=<c@d.example>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (250 ok)\n");
    let p = write(dir.path(), "fw.log", s.as_bytes());
    let i = run(&[p], None);
    show(&i);
    let mail = i.table(Kind::Mail).map_or(0, |t| t.rows());
    let flow = i.table(Kind::Flow).map_or(0, |t| t.rows());
    assert_eq!(i.sources[0].rows as usize, mail + flow, "rows per source");
}

#[test]
fn postfix_source_with_routed_flows() {
    let dir = tempfile::tempdir().expect("review fixture");
    let mut s = String::new();
    for k in 0..5 {
        s.push_str(&format!(
            "Nov 20 08:15:09 mail postfix/smtpd[31844]: 964D3D449{k}: client=mx.example.net[192.0.2.5]\n"
        ));
        s.push_str(&format!("Nov 20 08:15:10 mail postfix/qmgr[31844]: 964D3D449{k}: from=<a@b.example>, size=100, nrcpt=1 (queue active)\n"));
        s.push_str(&format!("Nov 20 08:15:11 mail postfix/smtp[31844]: 964D3D449{k}: to=<c@d.example>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (250 ok)\n"));
    }
    s.push_str(PF);
    let p = write(dir.path(), "mail.log", s.as_bytes());
    let i = run(&[p], None);
    show(&i);
    let mail = i.table(Kind::Mail).map_or(0, |t| t.rows());
    let flow = i.table(Kind::Flow).map_or(0, |t| t.rows());
    assert_eq!(i.sources[0].rows as usize, mail + flow, "rows per source");
}

fn set_mtime(p: &std::path::Path, rfc: &str) {
    let t: chrono::DateTime<chrono::Utc> = rfc.parse().expect("review fixture");
    let f = std::fs::File::options().write(true).open(p).expect("review fixture");
    f.set_modified(t.into()).expect("review fixture");
}

fn ms(rfc: &str) -> i64 {
    rfc.parse::<chrono::DateTime<chrono::Utc>>()
        .expect("review fixture")
        .timestamp_millis()
}

#[test]
fn dst_fold_across_schemas() {
    let dir = tempfile::tempdir().expect("review fixture");
    let pf = |t: &str| {
        format!(
            "Oct 25 {t} kb-pfsense filterlog[4711]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,1000,0,DF,6,tcp,60,203.0.113.1,198.51.100.2,61000,443,0,S,2233444555,,65535,,mss\n"
        )
    };
    let mut s = String::new();
    s += &pf("01:20:00");
    s += "Oct 25 01:30:00 gw dhcpd[99]: DHCPACK on 10.40.20.15 to 02:aa:bb:cc:dd:ee (KB-ICT1-PC05) via eth1\n";
    s += &pf("01:50:00");
    s += &pf("01:10:00");
    let p = write(dir.path(), "fw.log", s.as_bytes());
    set_mtime(&p, "2026-10-26T12:00:00Z");
    let i = run(&[p], None);
    show(&i);
    let id = i.table(Kind::Identity).expect("review fixture");
    let fl = i.table(Kind::Flow).expect("review fixture");
    eprintln!("flow ts {:?}", fl.batches[0].ts);
    eprintln!("id ts {:?} want {}", id.batches[0].ts, ms("2026-10-25T00:30:00Z"));
    assert_eq!(id.batches[0].ts[0], ms("2026-10-25T00:30:00Z"));
}

#[test]
fn central_syslog_mostly_foreign() {
    let dir = tempfile::tempdir().expect("review fixture");
    let mut s = String::new();
    for k in 0..10 {
        for _ in 0..4 {
            s += "Nov 20 08:00:03 mail dovecot: imap-login: Login: user=<p@k.example>, method=PLAIN, rip=10.20.8.20\n";
        }
        s += &format!("Nov 20 08:15:09 mail postfix/smtpd[31844]: 964D3D449{k}: client=mx.example.net[192.0.2.5]\n");
        s += &format!(
            "Nov 20 08:15:10 mail postfix/qmgr[31844]: 964D3D449{k}: from=<a@b.example>, size=100, nrcpt=1 (queue active)\n"
        );
    }
    let p = write(dir.path(), "syslog", s.as_bytes());
    let found = vec![Found {
        path: p.clone(),
        explicit: false,
        format: None,
    }];
    let i = ingest_files(&found, &IngestOptions::default());
    show(&i);
    eprintln!("skipped={:?}", i.sources[0].skipped);
    assert!(i.sources[0].skipped.is_none());
}

#[test]
fn concatenated_exports_with_bom() {
    let dir = tempfile::tempdir().expect("review fixture");
    let one =
        "\u{feff}Timestamp,IP Address,Username,Computer\n2026-11-20T08:15:02Z,10.40.20.15,ab.pupil,KB-ICT1-PC05\n";
    let s = format!("{one}{one}");
    let p = write(dir.path(), "users.csv", s.as_bytes());
    let i = run(&[p], None);
    show(&i);
    assert_eq!(i.sources[0].rejected, 0);
}

#[test]
fn queue_id_reuse_after_cleanup_reject() {
    let dir = tempfile::tempdir().expect("review fixture");
    let s = "Nov 20 09:20:18 mail postfix/smtpd[31974]: 46137D5864: client=mx.example.com[192.0.2.77]
Nov 20 09:20:18 mail postfix/cleanup[3122]: 46137D5864: message-id=<old@example.com>
Nov 20 09:20:18 mail postfix/cleanup[3122]: 46137D5864: reject: header Subject: You have WON a free phone from mx.example.com[192.0.2.77]; from=<winner@example.com> to=<pupil0311@kestrelbrook.example> proto=ESMTP helo=<mx.example.com>: 5.7.1 Message content rejected
Nov 21 10:00:00 mail postfix/smtpd[31974]: 46137D5864: client=good.example.org[192.0.2.9]
Nov 21 10:00:01 mail postfix/qmgr[3122]: 46137D5864: from=<parent@example.org>, size=5000, nrcpt=1 (queue active)
Nov 21 10:00:02 mail postfix/smtp[3122]: 46137D5864: to=<c@d.example>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (250 ok)
Nov 21 10:00:02 mail postfix/qmgr[3122]: 46137D5864: removed
";
    let p = write(dir.path(), "maillog", s.as_bytes());
    set_mtime(&p, "2026-11-22T12:00:00Z");
    let i = run(&[p], None);
    show(&i);
    let t = i.table(Kind::Mail).expect("review fixture");
    let b = &t.batches[0];
    for r in 0..b.rows {
        eprintln!(
            "row line={} status={:?} from={:?} size={:?} msgid={:?} subject={:?}",
            b.line[r],
            t.cat_value(0, 5, r).map(String::from_utf8_lossy),
            t.cat_value(0, 2, r).map(String::from_utf8_lossy),
            b.columns[4].clone(),
            t.cat_value(0, 1, r).map(String::from_utf8_lossy),
            t.cat_value(0, 9, r).map(String::from_utf8_lossy)
        );
    }
    // The first received row (line 1) belongs to the rejected message.
    assert_ne!(t.cat_value(0, 2, 0), Some(&b"parent@example.org"[..]));
}

fn line_starts(text: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' && i + 1 < text.len() {
            v.push(i + 1);
        }
    }
    v
}

fn check_positions(i: &vigil_parsers::ingest::Ingest, text: &[u8], tag: &str) {
    let starts = line_starts(text);
    let s = &i.sources[0];
    assert_eq!(s.lines, starts.len() as u64, "{tag}: lines");
    assert_eq!(s.parsed + s.rejected + s.blank, s.lines, "{tag}: sum");
    let mut bad = 0;
    for r in &s.rejects {
        if starts.get(r.line as usize - 1).copied() != Some(r.offset as usize) {
            bad += 1;
            if bad < 4 {
                eprintln!("{tag}: reject {:?} start={:?}", r, starts.get(r.line as usize - 1));
            }
        }
    }
    for t in &i.tables {
        for b in &t.batches {
            for r in 0..b.rows {
                if starts.get(b.line[r] as usize - 1).copied() != Some(b.offset[r] as usize) {
                    bad += 1;
                    if bad < 4 {
                        eprintln!(
                            "{tag}: row line {} off {} start {:?}",
                            b.line[r],
                            b.offset[r],
                            starts.get(b.line[r] as usize - 1)
                        );
                    }
                }
            }
        }
    }
    assert_eq!(bad, 0, "{tag}");
}

fn dhcp_text(target: usize) -> Vec<u8> {
    let orig = std::fs::read("tests/data/identity/DhcpSrvLog-Fri.log").expect("review fixture");
    let text = String::from_utf8_lossy(&orig).replace("\r\n", "\n");
    let (pre, _) = text.split_at(text.find("00,11/20/26").expect("review fixture"));
    let mut out = pre.to_string();
    let mut k = 0u64;
    while out.len() < target {
        k += 1;
        out += &format!(
            "10,11/20/26,{:02}:{:02}:{:02},Assign,10.40.{}.{},KB-PC{k}.kingsbridge.example,02AABBCC{:04},,1490851128,6,,,,,,,,,0\n",
            (k / 3600) % 24,
            (k / 60) % 60,
            k % 60,
            (k / 250) % 250,
            k % 250,
            k % 10000
        );
        if k.is_multiple_of(7919) {
            out += "garbage line here\n";
        }
        if k.is_multiple_of(10007) {
            out += "\n";
        }
    }
    out.into_bytes()
}

#[test]
fn positions_mapped_gzip_utf16() {
    let dir = tempfile::tempdir().expect("review fixture");
    let text = dhcp_text(17 << 20);
    let p = write(dir.path(), "DhcpSrvLog-Fri.log", &text);
    let i = run(&[p], None);
    show(&i);
    check_positions(&i, &text, "mapped");
    // gzip
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &text).expect("review fixture");
    let p = write(
        dir.path(),
        "DhcpSrvLog-Fri.log.gz",
        &enc.finish().expect("review fixture"),
    );
    let i = run(&[p], None);
    show(&i);
    check_positions(&i, &text, "gzip");
    // utf16
    let mut u = vec![0xFF, 0xFE];
    for c in String::from_utf8(text.clone()).expect("review fixture").encode_utf16() {
        u.extend_from_slice(&c.to_le_bytes());
    }
    let p = write(dir.path(), "DhcpSrvLog-Sat.log", &u);
    let i = run(&[p], None);
    show(&i);
    check_positions(&i, &text, "utf16");
}

#[test]
fn utf16_surrogate_at_block_edge() {
    use vigil_parsers::source::{Body, Source};
    let dir = tempfile::tempdir().expect("review fixture");
    for pad in 32760..32772usize {
        let mut text = String::new();
        for k in 0..pad {
            text.push(if k % 50 == 49 { '\n' } else { 'a' });
        }
        text.push('\u{1F600}');
        text.push_str("tail\n");
        let mut u = vec![0xFF, 0xFE];
        for c in text.encode_utf16() {
            u.extend_from_slice(&c.to_le_bytes());
        }
        u.push(0x41); // odd byte
        let p = write(dir.path(), "x.csv", &u);
        let src = Source::open(&p).expect("review fixture");
        let Body::Stream(mut r) = src.body else { panic!() };
        let mut got = Vec::new();
        while let Some(seg) = r.next_segment().expect("review fixture") {
            got.extend(seg.data);
        }
        assert_eq!(String::from_utf8(got).expect("review fixture"), text, "pad {pad}");
    }
}

#[test]
fn lmgrd_timestamp_late_evening() {
    let dir = tempfile::tempdir().expect("review fixture");
    let s = " 0:00:00 (lmgrd) TIMESTAMP 11/20/2026\n9:00:31 (cadvend) OUT: \"CADSTUDIO\" u0@PC01\n23:42:49 (lmgrd) TIMESTAMP 11/20/2026\n0:30:00 (cadvend) OUT: \"CADSTUDIO\" u1@PC02\n";
    let p = write(dir.path(), "lmgrd.log", s.as_bytes());
    let i = run(&[p], None);
    show(&i);
    let t = i.table(Kind::LicenceUse).expect("review fixture");
    let ts: Vec<i64> = t.batches.iter().flat_map(|b| b.ts.clone()).collect();
    eprintln!("{ts:?}");
    assert_eq!(ts[1], ms("2026-11-21T00:30:00Z"));
}

#[test]
fn sniff_samples() {
    for d in [
        "proxy",
        "web",
        "firewall",
        "identity",
        "mail",
        "m365",
        "licences",
        "inventory",
        "exchange",
        "postfix",
    ] {
        for e in std::fs::read_dir(format!("tests/data/{d}")).expect("review fixture") {
            let p = e.expect("review fixture").path();
            let i = run(std::slice::from_ref(&p), None);
            let s = &i.sources[0];
            eprintln!(
                "SNIFF {:?} -> {:?} lines={} parsed={} ctx={} rej={} rows={} err={:?}",
                p.file_name().expect("review fixture"),
                s.format,
                s.lines,
                s.parsed,
                s.context,
                s.rejected,
                s.rows,
                s.error.as_deref().map(|e| &e[..e.len().min(60)])
            );
        }
    }
}

#[test]
fn lmgrd_big_marks() {
    let dir = tempfile::tempdir().expect("review fixture");
    let mut s = String::new();
    let mut want = Vec::new();
    let d0 = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("review fixture");
    for day in 0..300u32 {
        let d = d0 + chrono::Duration::days(day as i64);
        s += &format!(" 0:00:00 (lmgrd) TIMESTAMP {}\n", d.format("%m/%d/%Y"));
        if day == 150 {
            for _ in 0..40000 {
                s += &format!(" 0:00:01 (lmgrd) TIMESTAMP {}\n", d.format("%m/%d/%Y"));
            }
        }
        for k in 0..(day * 7 % 200) {
            let sec = 3600 * 9 + k * 60;
            s += &format!(
                "{}:{:02}:{:02} (cadvend) OUT: \"CADSTUDIO\" u{k}@PC01\n",
                sec / 3600,
                sec / 60 % 60,
                sec % 60
            );
            want.push(
                d.and_hms_opt(0, 0, 0)
                    .expect("review fixture")
                    .and_utc()
                    .timestamp_millis()
                    + sec as i64 * 1000,
            );
        }
    }
    let p = write(dir.path(), "lmgrd.log", s.as_bytes());
    eprintln!("size {}", s.len());
    let i = run(&[p], Some(Format::Flexlm));
    let t = i.table(Kind::LicenceUse).expect("review fixture");
    let ts: Vec<i64> = t.batches.iter().flat_map(|b| b.ts.clone()).collect();
    eprintln!("batches {}", t.batches.len());
    // Europe/London: compare in local time by allowing the BST hour
    let bad = ts
        .iter()
        .zip(&want)
        .filter(|(a, b)| **a != **b && **a != **b - 3_600_000)
        .count();
    assert_eq!(ts.len(), want.len());
    assert_eq!(bad, 0);
}

#[test]
fn routed_reject_counted() {
    let dir = tempfile::tempdir().expect("review fixture");
    let mut s = String::new();
    for k in 0..5 {
        s += &format!("Nov 20 08:15:09 mail postfix/smtpd[31844]: 964D3D449{k}: client=mx.example.net[192.0.2.5]\n");
    }
    s += "Nov 20 09:00:02 kb-pfsense filterlog[4711]: garbage\n";
    let p = write(dir.path(), "maillog", s.as_bytes());
    let i = run(&[p], None);
    show(&i);
    assert!(i.sources[0].routed.is_empty());
}

#[test]
fn header_at_64th_line() {
    let dir = tempfile::tempdir().expect("review fixture");
    let mut s = String::new();
    for k in 0..63 {
        s += &format!("# preamble {k}\n");
    }
    s += "Timestamp,IP Address,Username,Computer\n";
    let small = s.clone() + "2026-11-20T08:15:02Z,10.40.20.15,ab.pupil,KB-ICT1-PC05\n";
    let mut big = s.clone();
    while big.len() < 300_000 {
        big += "2026-11-20T08:15:02Z,10.40.20.15,ab.pupil,KB-ICT1-PC05\n";
    }
    let p1 = write(dir.path(), "small.csv", small.as_bytes());
    let p2 = write(dir.path(), "big.csv", big.as_bytes());
    let i = run(&[p1, p2], Some(Format::IdentityCsv));
    show(&i);
    assert_eq!(i.sources[0].error.is_some(), i.sources[1].error.is_some());
}

#[test]
fn sniff_routed_err_leaks() {
    let ctx = vigil_parsers::time::TimeContext::new(chrono_tz::Europe::London, None);
    let a: &[u8] = b"Nov 20 09:00:02 kb-pfsense filterlog[4711]: garbage";
    let b: &[u8] = b"Nov 20 08:15:09 mail postfix/smtpd[31844]: 964D3D4490: client=mx.example.net[192.0.2.5]";
    let s1 = vigil_parsers::formats::sniff(&[b, a, b], &ctx);
    let s2 = vigil_parsers::formats::sniff(&[a, b, b], &ctx);
    eprintln!("{s1:?}\n{s2:?}");
    assert_eq!(s1.map(|s| s.matched), s2.map(|s| s.matched));
}

#[test]
fn forced_wrong_syslog_format() {
    let dir = tempfile::tempdir().expect("review fixture");
    let s = "Nov 20 08:00:01 host sshd[99]: Accepted publickey for admin from 10.0.0.5 port 5555 ssh2\nNov 20 08:00:02 host CRON[12]: (root) CMD (run-parts /etc/cron.hourly)\n";
    let p = write(dir.path(), "auth.log", s.as_bytes());
    let i = run(&[p], Some(Format::Dhcpd));
    show(&i);
    assert!(i.sources[0].rejected > 0);
}

#[test]
fn lmgrd_undated_count() {
    let dir = tempfile::tempdir().expect("review fixture");
    let s = "23:00:00 (cadvend) OUT: \"CADSTUDIO\" u0@PC01\n1:00:00 (cadvend) OUT: \"CADSTUDIO\" u1@PC02\n2:00:00 (cadvend) OUT: \"CADSTUDIO\" u1@PC02\n";
    let p = write(dir.path(), "lmgrd.log", s.as_bytes());
    let i = run(&[p], Some(Format::Flexlm));
    show(&i);
    assert!(
        i.sources[0].warnings.iter().any(|w| w.starts_with("3 licence events")),
        "{:?}",
        i.sources[0].warnings
    );
}
