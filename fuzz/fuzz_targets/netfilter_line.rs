//! The netfilter packet-log parser on arbitrary bytes, bare and inside a syslog envelope: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::netfilter;
use vigil_parsers::syslog;
use vigil_parsers::time::{DEFAULT_TZ, TimeContext};

fuzz_target!(|data: &[u8]| {
    let _ = netfilter::parse(data);
    let ctx = TimeContext::new(DEFAULT_TZ, None);
    if let Ok(env) = syslog::parse(data, &ctx) {
        let _ = netfilter::parse(env.msg);
    }
});
