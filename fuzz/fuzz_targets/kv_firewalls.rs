//! The key=value firewall parsers (FortiGate, Sophos XG and UTM) on arbitrary bytes: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::{fortigate, sophos};

fuzz_target!(|data: &[u8]| {
    let _ = fortigate::parse(data);
    let _ = sophos::parse(data);
    let _ = vigil_parsers::kv::pairs(data).count();
});
