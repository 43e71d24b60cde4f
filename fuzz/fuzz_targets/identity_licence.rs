//! The dhcpd lease and FlexNet lmgrd parsers on arbitrary bytes: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::{dhcpd, flexlm};

fuzz_target!(|data: &[u8]| {
    let _ = dhcpd::parse(data);
    let _ = flexlm::parse(data);
});
