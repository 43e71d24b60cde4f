//! The Postfix line parser and the pflogsumm reference totals on arbitrary bytes: no panic. The
//! input is the program (syslog tag) up to the first newline, then the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_parsers::formats::postfix;

fuzz_target!(|data: &[u8]| {
    let (program, msg) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"postfix/smtpd"[..], data),
    };
    let _ = postfix::parse(program, msg);
    let _ = postfix::is_postfix(program);
    let _ = postfix::daemon(program);
    let _ = postfix::attribute(msg, b"orig_to");
    let mut totals = postfix::PflogsummTotals::default();
    for line in msg.split(|&b| b == b'\r') {
        totals.add(program, line);
    }
    let _ = totals.grand_totals();
});
