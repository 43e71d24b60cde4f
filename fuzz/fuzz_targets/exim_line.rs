//! The Exim mainlog line parser on arbitrary bytes: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::exim;

fuzz_target!(|data: &[u8]| {
    let _ = exim::parse(data);
});
