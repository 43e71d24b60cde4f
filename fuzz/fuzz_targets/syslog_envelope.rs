//! The syslog envelope parser on arbitrary bytes: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::syslog;
use vigil_parsers::time::{DEFAULT_TZ, TimeContext};

fuzz_target!(|data: &[u8]| {
    let ctx = TimeContext::new(DEFAULT_TZ, None);
    let _ = syslog::parse(data, &ctx);
});
