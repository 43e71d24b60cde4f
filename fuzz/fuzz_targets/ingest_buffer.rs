//! The whole chunked, parallel ingest of a buffer: no panic, and every line accounted for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::Format;
use vigil_parsers::ingest::{IngestOptions, parse_buffer};

fuzz_target!(|data: &[u8]| {
    for format in Format::ALL {
        let (report, batches) = parse_buffer(data, format, &IngestOptions::default());
        assert_eq!(report.parsed + report.rejected + report.blank, report.lines);
        assert!(report.context <= report.parsed);
        let rows = batches.web.iter().map(|b| b.rows as u64).sum::<u64>()
            + batches.rows.iter().map(|b| b.rows as u64).sum::<u64>();
        assert_eq!(rows, report.rows);
    }
});
