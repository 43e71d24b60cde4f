//! The pfSense/OPNsense filterlog parser on arbitrary bytes, bare and as a syslog line: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::filterlog;
use vigil_parsers::time::{DEFAULT_TZ, TimeContext};

fuzz_target!(|data: &[u8]| {
    let _ = filterlog::parse(data);
    let _ = filterlog::parse_line(data, &TimeContext::new(DEFAULT_TZ, None));
});
