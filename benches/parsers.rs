//! Throughput of every parser through the whole ingest (map, chunk, parse on rayon, columns,
//! dictionary merge, and for mail the join of a message's lines), on a pool of 2 threads.
//!
//! Each format gets a file of about `VIGIL_BENCH_MB` MB (default 64): for the high-volume
//! formats, synthetic real-shaped lines whose fields vary line by line; for the others, the body
//! of the format's reference sample in `parsers/tests/data/` repeated after its header. The best
//! of three runs counts. Prints a Markdown table
//! (MB/s and lines/s) for the README, then checks that message joining stays linear: the Exim
//! and Postfix logs are ingested at 1x and 4x their size and the time per line compared.
//!
//!     cargo bench --bench parsers
//!
//! Every line must parse: a benchmark of rejects would measure the wrong thing, so a run with
//! rejected lines stops with an error.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use vigil_parsers::Format;
use vigil_parsers::discover::Found;
use vigil_parsers::ingest::{IngestOptions, ingest_files};

/// The reference sample a format without a line template is measured on.
fn sample_of(format: Format) -> &'static str {
    match format {
        Format::E2guardianSquid => "web/e2guardian-format3.log",
        Format::E2guardianCsv => "web/e2guardian-format2.log",
        Format::E2guardianTab => "web/e2guardian-format4.log",
        Format::E2guardianEpoch => "web/e2guardian-format5.log",
        Format::Squidguard => "web/squidguard-blocked.log",
        Format::Smoothwall => "web/smoothwall-access.log",
        Format::WebCsv => "web/smoothwall-export.csv",
        Format::Postfix => "postfix/maillog",
        Format::M365Json => "m365/messagetrace.json",
        Format::WindowsDhcp => "identity/DhcpSrvLog-Fri.log",
        Format::Exchange => "exchange/MSGTRK20261120-1.LOG",
        Format::M365Csv => "m365/messagetrace.csv",
        Format::InventoryCsv => "inventory/intune-apps.csv",
        Format::LicenceRegister => "licences/register.csv",
        Format::IdentityCsv => "identity/users.csv",
        _ => "",
    }
}

/// A file of about `mb` MB: the sample's head up to its header row once, then its body repeated.
fn repeat_sample(format: Format, mb: u64) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("parsers/tests/data")
        .join(sample_of(format));
    let text = std::fs::read(&path).expect("reference sample");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let header_at = if format.has_header() {
        lines
            .iter()
            .position(|l| format.header_columns(l.trim_ascii_end()).is_some())
            .map_or(0, |i| i + 1)
    } else {
        0
    };
    let mut out: Vec<u8> = lines[..header_at].concat();
    let body = lines[header_at..].concat();
    while (out.len() as u64) < mb << 20 {
        out.extend_from_slice(&body);
    }
    out
}

/// A Reporting Web Service page of about `mb` MB: one message trace record per line.
fn odata_document(mb: u64) -> Vec<u8> {
    let mut out = b"{\n  \"odata.metadata\": \"https://reports.office365.com/ecp/ReportingWebService/Reporting.svc/$metadata#MessageTrace\",\n  \"value\": [\n".to_vec();
    let mut i = 0u64;
    while (out.len() as u64) < mb << 20 {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        write!(
            out,
            "    {{\"Organization\": \"kestrelbrook.onmicrosoft.com\", \"MessageId\": \"\\u003cm{i}@home.example\\u003e\", \"Received\": \"2026-11-20T{:02}:{:02}:{:02}.{:07}\", \"SenderAddress\": \"parent{}@home.example\", \"RecipientAddress\": \"staff{}@kestrelbrook.example\", \"Subject\": \"Homework {i}\", \"Status\": \"Delivered\", \"ToIP\": null, \"FromIP\": \"203.0.113.{}\", \"Size\": {}, \"MessageTraceId\": \"3e4f5a6b-0000-4000-8000-{i:012}\", \"StartDate\": \"2026-11-19T00:00:00Z\", \"EndDate\": \"2026-11-21T00:00:00Z\", \"Index\": {i}}}",
            8 + (i / 3600) % 8,
            (i / 60) % 60,
            i % 60,
            i % 10_000_000,
            i % 5000,
            i % 140,
            i % 250 + 2,
            2000 + i % 50_000
        )
        .expect("write record");
        i += 1;
    }
    out.extend_from_slice(b"\n  ]\n}\n");
    out
}

/// A real-shaped line of `format`, varied by `i`.
fn line(format: Format, i: u64, out: &mut Vec<u8>) -> std::io::Result<()> {
    let (a, b) = (i % 250 + 2, (i / 250) % 250 + 1);
    let port = 1024 + i % 60000;
    let (h, m, s) = (8 + (i / 3600) % 8, (i / 60) % 60, i % 60);
    let epoch = 1_795_162_502 + i / 50;
    match format {
        Format::Squid => writeln!(
            out,
            "{epoch}.{:03}    {} 10.40.{b}.{a} TCP_TUNNEL/200 {} CONNECT site{}.example:443 KBA%5Cuser{} HIER_DIRECT/198.51.100.{a} -",
            i % 1000,
            i % 5000,
            1000 + i % 90000,
            i % 4000,
            i % 1300
        ),
        Format::Combined => writeln!(
            out,
            "10.40.{b}.{a} - user{} [20/Nov/2026:{h:02}:{m:02}:{s:02} +0000] \"GET http://site{}.example/page/{i} HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\" TCP_MISS:HIER_DIRECT",
            i % 1300,
            i % 4000,
            1000 + i % 90000
        ),
        Format::E2guardian => writeln!(
            out,
            "2026.11.20 {h}:{m:02}:{s:02} user{} 10.40.{b}.{a} https://site{}.example:443 *SCANNED* CONNECT {} 0 News 2 200 - KB-ICT1-PC{:02} Pupils -",
            i % 1300,
            i % 4000,
            1000 + i % 90000,
            i % 30
        ),
        Format::Netfilter => writeln!(
            out,
            "Nov 20 {h:02}:{m:02}:{s:02} kb-fw01 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:08:00 SRC=203.0.113.{a} DST=10.40.{b}.{a} LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID={} DF PROTO=TCP SPT={port} DPT={} WINDOW=64240 RES=0x00 SYN URGP=0 ",
            i % 65536,
            [22, 23, 445, 3389][(i % 4) as usize]
        ),
        Format::Filterlog => writeln!(
            out,
            "Nov 20 {h:02}:{m:02}:{s:02} pfsense filterlog[4711]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,{},0,DF,6,tcp,60,198.51.100.{a},10.40.{b}.{a},{port},443,0,S,2233444555,,65535,,mss",
            i % 65536
        ),
        Format::Fortigate => writeln!(
            out,
            "date=2026-11-20 time={h:02}:{m:02}:{s:02} devname=\"KB-FGT60F\" devid=\"FGT60F0000000001\" eventtime={}000000000 tz=\"+0000\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=10.40.{b}.{a} srcport={port} srcintf=\"internal\" srcintfrole=\"lan\" dstip=198.51.100.{a} dstport=443 dstintf=\"wan1\" dstintfrole=\"wan\" proto=6 action=\"accept\" policyid=12 service=\"HTTPS\" app=\"HTTPS.BROWSER\" sentbyte={} rcvdbyte={} sentpkt=17 rcvdpkt=16 duration=3",
            epoch,
            500 + i % 9000,
            1000 + i % 90000
        ),
        Format::Sophos => writeln!(
            out,
            "device=\"SFW\" date=2026-11-20 time={h:02}:{m:02}:{s:02} timezone=\"GMT\" device_name=\"XG135\" device_id=C44310Z1234567 log_id=010101600001 log_type=\"Firewall\" log_component=\"Firewall Rule\" log_subtype=\"Allowed\" status=\"Allow\" priority=Information duration=30 fw_rule_id=3 policy_type=1 user_name=\"\" application=\"\" in_interface=\"Port1\" out_interface=\"Port2\" src_mac=00:00:00:00:00:00 src_ip=10.40.{b}.{a} src_country_code= dst_ip=198.51.100.{a} dst_country_code=GBR protocol=\"TCP\" src_port={port} dst_port=443 sent_pkts=12 recv_pkts=10 sent_bytes={} recv_bytes={}",
            500 + i % 9000,
            1000 + i % 90000
        ),
        Format::Exim => {
            // One message of three lines per `i`, plus an SMTP-time rejection now and then.
            let id = format!("1rAb{:02}-{:06}-Ab", i % 100, i % 1_000_000);
            writeln!(
                out,
                "2026-11-20 {h:02}:{m:02}:{s:02} {id} <= parent{}@home.example H=mx.home.example [192.0.2.{a}] P=esmtps S={} id={i}@home.example T=\"Re: homework {i}\"",
                i % 5000,
                2000 + i % 50000
            )?;
            writeln!(
                out,
                "2026-11-20 {h:02}:{m:02}:{s:02} [4711] {id} => staff{}@kestrelbrook.example R=local T=local_delivery",
                i % 140
            )?;
            writeln!(out, "2026-11-20 {h:02}:{m:02}:{s:02} {id} Completed")?;
            if i.is_multiple_of(20) {
                writeln!(
                    out,
                    "2026-11-20 {h:02}:{m:02}:{s:02} H=(spam{i}) [203.0.113.{a}] F=<x{i}@spam.example> rejected RCPT <staff1@kestrelbrook.example>: relay not permitted"
                )?;
            }
            Ok(())
        }
        Format::Dhcpd => writeln!(
            out,
            "Nov 20 {h:02}:{m:02}:{s:02} kb-dhcp01 dhcpd[812]: DHCPACK on 10.40.{b}.{a} to 02:aa:bb:{:02x}:{:02x}:{:02x} (KB-ICT1-PC{:02}) via eth1",
            (i >> 16) & 0xff,
            (i >> 8) & 0xff,
            i & 0xff,
            i % 30
        ),
        Format::Flexlm => {
            if i.is_multiple_of(1000) {
                writeln!(out, " 0:00:00 (lmgrd) TIMESTAMP 11/20/2026")?;
            }
            let op = ["OUT", "IN", "OUT", "IN", "DENIED"][(i % 5) as usize];
            let tail = if op == "DENIED" {
                "  (Licensed number of users already reached. (-4,342))"
            } else {
                ""
            };
            writeln!(
                out,
                "{:2}:{m:02}:{s:02} (cadvend) {op}: \"CADSTUDIO\" user{}@KB-ICT2-PC{:02}{tail}",
                (i / 3600) % 24,
                i % 1300,
                i % 30
            )
        }
        Format::IdentityCsvBare => writeln!(
            out,
            "2026-11-20T{h:02}:{m:02}:{s:02}Z,10.40.{b}.{a},user{},KB-ICT1-PC{:02}",
            i % 1300,
            i % 30
        ),
        _ => unreachable!("{} is measured on its reference sample", format.name()),
    }
}

fn write_sample(dir: &Path, format: Format, mb: u64) -> (std::path::PathBuf, u64) {
    let path = dir.join(format!("{}.log", format.name()));
    let text = if format == Format::M365Odata {
        odata_document(mb)
    } else if sample_of(format).is_empty() {
        let mut text = Vec::with_capacity((mb as usize) << 20);
        let mut i = 0;
        while (text.len() as u64) < mb << 20 {
            line(format, i, &mut text).expect("write line");
            i += 1;
        }
        text
    } else {
        repeat_sample(format, mb)
    };
    std::fs::write(&path, &text).expect("write sample");
    (path, text.len() as u64)
}

/// Best of three ingests: (seconds, lines).
fn measure(path: &Path, format: Format, pool: &rayon::ThreadPool) -> (f64, u64) {
    let found = [Found {
        path: path.to_path_buf(),
        explicit: true,
        format: None,
    }];
    let opts = IngestOptions {
        format: Some(format),
        ..IngestOptions::default()
    };
    let mut best = f64::MAX;
    let mut lines = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let got = pool.install(|| ingest_files(&found, &opts));
        best = best.min(started.elapsed().as_secs_f64());
        let s = &got.sources[0];
        assert!(s.error.is_none(), "{}: {:?}", format.name(), s.error);
        assert_eq!(
            s.rejected,
            0,
            "{}: rejected lines, e.g. {:?}",
            format.name(),
            s.rejects.first()
        );
        lines = s.lines;
    }
    (best, lines)
}

fn main() {
    let mb: u64 = std::env::var("VIGIL_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let dir = tempfile::tempdir().expect("tempdir");
    println!("| format | kind | MB | lines | MB/s | lines/s |");
    println!("|---|---|---:|---:|---:|---:|");
    // VIGIL_BENCH_FORMATS=exim,postfix measures only those.
    let only: Option<Vec<String>> = std::env::var("VIGIL_BENCH_FORMATS")
        .ok()
        .map(|v| v.split(',').map(str::to_owned).collect());
    let chosen = |f: &Format| only.as_ref().is_none_or(|o| o.iter().any(|n| n == f.name()));
    for format in Format::ALL.into_iter().filter(chosen) {
        let (path, bytes) = write_sample(dir.path(), format, mb);
        let (seconds, lines) = measure(&path, format, &pool);
        println!(
            "| {} | {} | {:.0} | {} | {:.0} | {:.2} M |",
            format.name(),
            format.kind().as_str(),
            bytes as f64 / 1e6,
            lines,
            bytes as f64 / 1e6 / seconds,
            lines as f64 / seconds / 1e6
        );
        std::fs::remove_file(&path).expect("remove sample");
    }
    println!();
    for format in Format::ALL
        .into_iter()
        .filter(|f| f.kind() == vigil_parsers::Kind::Mail)
    {
        let mut per_line = Vec::new();
        for factor in [1, 4] {
            let (path, _) = write_sample(dir.path(), format, mb * factor / 4);
            let (seconds, lines) = measure(&path, format, &pool);
            per_line.push(seconds / lines as f64 * 1e9);
            std::fs::remove_file(&path).expect("remove sample");
        }
        println!(
            "{} join: {:.0} ns/line at {} MB, {:.0} ns/line at {} MB (ratio {:.2}; linear is 1.0)",
            format.name(),
            per_line[0],
            mb / 4,
            per_line[1],
            mb,
            per_line[1] / per_line[0]
        );
    }
}
