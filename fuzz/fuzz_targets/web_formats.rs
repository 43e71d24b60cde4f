//! The remaining web-filter formats on arbitrary bytes: no panic. The first byte picks the parser
//! (e2guardian CSV, Squid-like, tab, Protex; squidGuard; Smoothwall JSON; header-mapped CSV, whose
//! first line is the header and every later line a row).
#![no_main]

use bumpalo::Bump;
use libfuzzer_sys::fuzz_target;
use vigil_parsers::csv::Header;
use vigil_parsers::formats::{e2guardian_alt, smoothwall, squidguard, webcsv};
use vigil_parsers::time::{DEFAULT_TZ, TimeContext};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let ctx = TimeContext::new(DEFAULT_TZ, None);
    let bump = Bump::new();
    match which % 7 {
        0 => {
            let _ = e2guardian_alt::parse_csv(rest, &ctx, &bump);
        }
        1 => {
            let _ = e2guardian_alt::parse_squidlike(rest, &ctx, &bump);
        }
        2 => {
            let _ = e2guardian_alt::parse_tab(rest, &ctx, &bump);
        }
        3 => {
            let _ = e2guardian_alt::parse_protex(rest, &ctx, &bump);
        }
        4 => {
            let _ = squidguard::parse(rest, &ctx);
        }
        5 => {
            let _ = smoothwall::parse(rest, &bump);
        }
        _ => {
            let mut lines = rest.split(|&b| b == b'\n');
            let Some(header) = lines.next().and_then(Header::parse) else {
                return;
            };
            let Some(cols) = webcsv::columns(&header) else {
                return;
            };
            let mut out = Vec::new();
            for line in lines {
                let _ = webcsv::parse(line, &cols, &ctx, &bump, &mut out);
                let _ = webcsv::parse_ordered(line, &cols, webcsv::DateOrder::MonthFirst, &ctx, &bump, &mut out);
            }
        }
    }
});
