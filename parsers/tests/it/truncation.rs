//! A mapped log truncated under vigil (logrotate `copytruncate`) must not kill the process.

use std::io::Write;

use vigil_parsers::source::{Body, Source};

fn big_log(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("access.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for i in 0..200_000u64 {
        writeln!(
            f,
            "{}.000     5 10.0.0.1 TCP_MISS/200 {i} GET http://a.example/{i} - HIER_DIRECT/192.0.2.1 text/html",
            1_700_000_000 + i
        )
        .expect("write");
    }
    f.flush().expect("flush");
    path
}

#[test]
fn reading_a_mapped_file_after_it_was_truncated_sees_zeros_and_is_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = big_log(dir.path());
    let src = Source::open(&path).expect("open");
    let Body::Mapped(map) = src.body else {
        panic!("a regular file is mapped")
    };
    let len = map.bytes().len();
    assert!(len > 1 << 20);
    assert!(!map.truncated());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open")
        .set_len(0)
        .expect("truncate");
    // Without the guard this read dies of SIGBUS.
    let nonzero = map.bytes().iter().filter(|&&b| b != 0).count();
    assert!(nonzero < len, "pages past the new end must read as zeros");
    assert!(map.truncated());
}

#[test]
fn ingest_of_a_file_truncated_before_parsing_rereads_it() {
    use vigil_parsers::discover::Found;
    use vigil_parsers::ingest::{IngestOptions, ingest_files};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = big_log(dir.path());
    // Truncate and restore the file over and over while ingests run: whichever moment a
    // truncation lands, every ingest must finish with consistent counts.
    let full = std::fs::read(&path).expect("read");
    let writer_path = path.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let writer = std::thread::spawn(move || {
        let small =
            b"1700000000.000     5 10.0.0.1 TCP_MISS/200 1 GET http://a.example/ - HIER_DIRECT/192.0.2.1 text/html\n";
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&writer_path)
                .expect("open");
            f.set_len(0).expect("truncate");
            std::fs::write(&writer_path, small).expect("small");
            std::thread::sleep(std::time::Duration::from_millis(3));
            std::fs::write(&writer_path, &full).expect("restore");
        }
    });
    for _ in 0..20 {
        let got = ingest_files(
            &[Found {
                path: path.clone(),
                explicit: true,
                format: None,
            }],
            &IngestOptions::default(),
        );
        let s = &got.sources[0];
        assert_eq!(s.parsed + s.rejected + s.blank, s.lines, "{s:?}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().expect("writer");
}
