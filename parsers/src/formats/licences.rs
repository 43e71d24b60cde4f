//! A licence purchase register kept by the school (a spreadsheet saved as CSV): what was bought,
//! how it is counted, how many, for when, for how much.
//!
//! ```text
//! Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference
//! Adobe Creative Cloud,Adobe,Per user,25,01/09/2026,31/08/2027,"£1,234.50",Photoshop;Illustrator,PO-2026-0142
//! Scratch Desktop,Scratch Foundation,Site,Unlimited,,,0,,free
//! SPSS Statistics,IBM,Concurrent,5,2026-09-01,2027-08-31,1234.5,,PO-2026-0150
//! ```
//!
//! Each row becomes a [`LicenceRecord`].
//!
//! Quirks handled:
//! - header names matched loosely: `Product`/`Software`/`Title`/`Name`; `Publisher`/`Vendor`/
//!   `Manufacturer`; `Metric`/`Licence type`/`License type`/`Licensing model`/`Type`;
//!   `Seats`/`Quantity`/`Qty`/`Licences`/`No. of licences`; `Start date`/`Valid from`/
//!   `Purchase date`; `Expiry`/`Expiry date`/`Renewal date`/`End date`/`Valid until`;
//!   `Cost (£)`/`Cost`/`Price`/`Total`/`Amount`; `Aliases`/`Also known as`; `Reference`/`PO number`/
//!   `Order number`/`Invoice`/`Notes`;
//! - the metric read from words (`per device`, `seat`, `named user`, `concurrent`, `floating`,
//!   `site`, …, see [`LicenceMetric::from_word`]); blank or unrecognised (`Subscription`) → `None`;
//! - seats as `25`, `1,200`, `25.0` (a spreadsheet's number), `30 devices`; `Unlimited`,
//!   `Site`, `Whole school`, `All`, `∞` → no seat count and, when the metric is blank, a site
//!   licence; blank → `None`;
//! - dates day-first `DD/MM/YYYY` (also `D/M/YY`, `-` or `.` between parts), ISO `YYYY-MM-DD`,
//!   `1 Sep 2026`, `01-Sep-2026`, `1st September 2026`, each optionally followed by a time
//!   (`01/09/2026 00:00:00`, as spreadsheets save them); US month-first dates are refused
//!   (`09/25/2026`) rather than guessed;
//! - costs in pounds → pence: `£1,234.50`, `1234.5`, `1,234`, `GBP 99`, `£0.99`, `£1,234.50 ex VAT`;
//!   more than two decimals rounded half up; `free`/`nil` → 0; blank, `-`, `n/a`, `TBC` → `None`;
//!   negative amounts, other currencies and sums beyond `u64` pence refused with a reason; a `£`
//!   left as the single Windows-1252 byte `0xA3` is accepted;
//! - aliases separated by `;`, `,` or `|` (in a quoted cell) are given back `;`-separated;
//! - quoted cells with commas, doubled quotes, empty cells, short rows; a row without a product
//!   is refused; a row with only empty cells (a spreadsheet's trailing rows) yields nothing.

use bumpalo::Bump;
use chrono::NaiveDate;

use super::idcsv::date_prefix;
use crate::asset::{LicenceMetric, LicenceRecord};
use crate::csv::{self, Columns, Header};

/// The wanted fields, each a list of accepted header names.
pub const FIELDS: &[&[&str]] = &[
    &[
        "Product",
        "Product name",
        "Software",
        "Software name",
        "Application",
        "Title",
        "Licence name",
        "License name",
        "Item",
        "Name",
        "Description",
    ],
    &["Publisher", "Vendor", "Manufacturer", "Developer", "Company"],
    &[
        "Metric",
        "Licence type",
        "License type",
        "Licence model",
        "License model",
        "Licensing model",
        "Licensing",
        "Licence basis",
        "License basis",
        "Basis",
        "Type",
    ],
    &[
        "Seats",
        "Quantity",
        "Qty",
        "Licences",
        "Licenses",
        "Number of licences",
        "Number of licenses",
        "No of licences",
        "No of licenses",
        "No. of licences",
        "No. of licenses",
        "Licence count",
        "License count",
        "Seat count",
        "Entitlement",
        "Entitlements",
        "Count",
        "Devices",
        "Users",
    ],
    &[
        "Start",
        "Start date",
        "Valid from",
        "From",
        "Effective date",
        "Purchase date",
        "Purchased",
        "Date purchased",
        "Order date",
    ],
    &[
        "Expiry",
        "Expiry date",
        "Expires",
        "Expiration",
        "Expiration date",
        "Renewal",
        "Renewal date",
        "Renewal due",
        "End",
        "End date",
        "Valid until",
        "Valid to",
        "Until",
        "To",
    ],
    &[
        "Cost (£)",
        "Cost £",
        "Cost (GBP)",
        "Cost",
        "Price (£)",
        "Price",
        "Total cost",
        "Total (£)",
        "Total",
        "Amount (£)",
        "Amount",
        "Annual cost",
        "Cost ex VAT",
        "Cost inc VAT",
        "Value",
    ],
    &[
        "Aliases",
        "Alias",
        "Also known as",
        "AKA",
        "Other names",
        "Inventory names",
        "Matches",
    ],
    &[
        "Reference",
        "Ref",
        "Order number",
        "Order no",
        "Order",
        "PO number",
        "PO",
        "Purchase order",
        "Invoice number",
        "Invoice",
        "Agreement number",
        "Agreement",
        "Contract",
        "Notes",
    ],
];
/// Index of the product field in [`FIELDS`].
pub const PRODUCT: usize = 0;
/// Index of the publisher field.
pub const PUBLISHER: usize = 1;
/// Index of the metric field.
pub const METRIC: usize = 2;
/// Index of the seats field.
pub const SEATS: usize = 3;
/// Index of the start date field.
pub const START: usize = 4;
/// Index of the expiry date field.
pub const EXPIRY: usize = 5;
/// Index of the cost field.
pub const COST: usize = 6;
/// Index of the aliases field.
pub const ALIASES: usize = 7;
/// Index of the reference field.
pub const REFERENCE: usize = 8;

/// The columns of a register header: `Some` when it names a product and at least one of seats,
/// metric or expiry, and is not an inventory export (which names devices).
pub fn columns(header: &Header) -> Option<Columns> {
    let cols = header.map(FIELDS);
    if !cols.has(PRODUCT) || ![SEATS, METRIC, EXPIRY].iter().any(|&f| cols.has(f)) {
        return None;
    }
    if super::inventory::columns(header).is_some() {
        return None;
    }
    Some(cols)
}

/// Parses one row of the register.
pub fn parse<'a>(
    line: &'a [u8],
    cols: &Columns,
    scratch: &'a Bump,
    out: &mut Vec<LicenceRecord<'a>>,
) -> Result<(), &'static str> {
    let mut rec = Vec::new();
    csv::split(line, cols.delimiter, scratch, &mut rec)?;
    if rec.iter().all(|f| crate::lex::trim_spaces(f).is_empty()) {
        return Ok(());
    }
    let product = cols.get(&rec, PRODUCT).ok_or("no product field")?;
    let mut metric = cols.get(&rec, METRIC).and_then(LicenceMetric::from_word);
    let seats = match cols.get(&rec, SEATS) {
        None => None,
        Some(v) => match seats(v)? {
            Seats::Count(n) => Some(n),
            Seats::Unlimited => {
                metric = metric.or(Some(LicenceMetric::Site));
                None
            }
        },
    };
    let start = cols
        .get(&rec, START)
        .map(|v| date(v).ok_or("start date is not DD/MM/YYYY or YYYY-MM-DD"))
        .transpose()?;
    let expiry = cols
        .get(&rec, EXPIRY)
        .map(|v| date(v).ok_or("expiry date is not DD/MM/YYYY or YYYY-MM-DD"))
        .transpose()?;
    let cost_pence = match cols.get(&rec, COST) {
        Some(v) => pence(v)?,
        None => None,
    };
    out.push(LicenceRecord {
        product,
        publisher: cols.get(&rec, PUBLISHER),
        metric,
        seats,
        start,
        expiry,
        cost_pence,
        aliases: cols.get(&rec, ALIASES).map(|v| aliases(v, scratch)),
        reference: cols.get(&rec, REFERENCE),
    });
    Ok(())
}

/// A seats cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seats {
    Count(u64),
    Unlimited,
}

fn seats(v: &[u8]) -> Result<Seats, &'static str> {
    let lower = v.to_ascii_lowercase();
    let word = crate::lex::trim_spaces(&lower);
    if word.starts_with(b"unlimited")
        || word.starts_with(b"site")
        || word.starts_with(b"whole school")
        || word == b"all"
        || word == "∞".as_bytes()
    {
        return Ok(Seats::Unlimited);
    }
    let (n, frac, rest) = decimal(word).ok_or("seats is not a number")?;
    if frac.iter().any(|&d| d != b'0') {
        return Err("seats is not a whole number");
    }
    if !rest.is_empty() && !rest.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        return Err("seats is not a number");
    }
    Ok(Seats::Count(n))
}

/// Leading digits with optional `,` thousands separators, then an optional `.` and fraction
/// digits, then spaces: the integer, the fraction digits and the rest.
fn decimal(v: &[u8]) -> Option<(u64, &[u8], &[u8])> {
    let mut n: u64 = 0;
    let mut i = 0;
    let mut digits = 0;
    while let Some(&b) = v.get(i) {
        match b {
            b'0'..=b'9' => {
                n = n.checked_mul(10)?.checked_add(u64::from(b.wrapping_sub(b'0')))?;
                digits += 1;
            }
            b',' if digits > 0 && v.get(i + 1).is_some_and(u8::is_ascii_digit) => {}
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let mut frac: &[u8] = &[];
    if v.get(i) == Some(&b'.') {
        let f = v[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        frac = &v[i + 1..i + 1 + f];
        i += 1 + f;
    }
    Some((n, frac, crate::lex::opt_spaces(&v[i..])))
}

/// A cost in pounds as pence; `None` for a blank-like cell.
fn pence(v: &[u8]) -> Result<Option<u64>, &'static str> {
    let lower = v.to_ascii_lowercase();
    let mut s = crate::lex::trim_spaces(&lower);
    if matches!(s, b"-" | b"n/a" | b"na" | b"tbc" | b"tba" | b"?" | b"unknown") {
        return Ok(None);
    }
    if matches!(s, b"free" | b"nil" | b"none" | b"no charge" | b"included") {
        return Ok(Some(0));
    }
    if s.first() == Some(&b'-') || s.first() == Some(&b'(') {
        return Err("cost is negative");
    }
    for prefix in [&b"uk"[..], "£".as_bytes(), b"\xA3", b"gbp"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = crate::lex::opt_spaces(rest);
        }
    }
    if s.first() == Some(&b'-') {
        return Err("cost is negative");
    }
    if matches!(s.first(), Some(b'$' | b'\xE2' | b'\x80')) || s.starts_with(b"usd") || s.starts_with(b"eur") {
        return Err("cost is not in pounds");
    }
    let (pounds, frac, rest) = decimal(s).ok_or("cost is not an amount in pounds")?;
    if rest
        .first()
        .is_some_and(|&b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return Err("cost is not an amount in pounds");
    }
    if rest.starts_with(b"usd") || rest.starts_with(b"eur") || rest.starts_with("€".as_bytes()) {
        return Err("cost is not in pounds");
    }
    // Pence from the first two fraction digits, rounding half up on the third.
    let digit = |k: usize| frac.get(k).map_or(0, |&d| u64::from(d.wrapping_sub(b'0')));
    let mut p = digit(0) * 10 + digit(1);
    if digit(2) >= 5 {
        p += 1;
    }
    pounds
        .checked_mul(100)
        .and_then(|n| n.checked_add(p))
        .map(Some)
        .ok_or("cost is too large")
}

/// A register date: the date, then nothing or a time.
fn date(v: &[u8]) -> Option<NaiveDate> {
    let (d, rest) = date_prefix(v)?;
    match rest {
        [] => Some(d),
        [b' ' | b'T', next, ..] if next.is_ascii_digit() || *next == b' ' => Some(d),
        _ => None,
    }
}

/// Aliases with `,` or `|` between them rewritten to `;`.
fn aliases<'a>(v: &'a [u8], scratch: &'a Bump) -> &'a [u8] {
    if !v.iter().any(|&b| b == b',' || b == b'|') {
        return v;
    }
    let out = scratch.alloc_slice_copy(v);
    for b in out.iter_mut() {
        if *b == b',' || *b == b'|' {
            *b = b';';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEADER: &str = "Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference";

    fn run(h: &str, line: &str) -> Result<Vec<LicenceRecord<'static>>, &'static str> {
        let cols = columns(&Header::parse(h.as_bytes()).expect("header")).expect("register header");
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        let mut out = Vec::new();
        parse(line.as_bytes(), &cols, bump, &mut out)?;
        Ok(out)
    }

    fn one(h: &str, line: &str) -> LicenceRecord<'static> {
        let v = run(h, line).expect(line);
        assert_eq!(v.len(), 1);
        v[0]
    }

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn headers() {
        for h in [
            HEADER,
            "\u{feff}Software,Vendor,Metric,Seats,Start,Expiry,Price,AKA,PO number",
            "Title;Licence model;Quantity;Expires",
            "Name,License type",
            "Product,Expiry date",
            "Item\tNo. of licences\tCost (GBP)",
        ] {
            assert!(columns(&Header::parse(h.as_bytes()).expect(h)).is_some(), "{h}");
        }
        for h in [
            "Product,Publisher,Cost",
            "Computer Name,Software,Version,Publisher,Last Seen",
            "DeviceName,Product,Version,Licence type",
            "time,ip,user",
        ] {
            assert!(columns(&Header::parse(h.as_bytes()).expect(h)).is_none(), "{h}");
        }
    }

    #[test]
    fn a_full_row() {
        let r = one(
            HEADER,
            "Adobe Creative Cloud,Adobe,Per user,25,01/09/2026,31/08/2027,\"£1,234.50\",\"Photoshop, Illustrator|Acrobat\",PO-2026-0142",
        );
        assert_eq!(
            r,
            LicenceRecord {
                product: b"Adobe Creative Cloud",
                publisher: Some(b"Adobe"),
                metric: Some(LicenceMetric::User),
                seats: Some(25),
                start: ymd(2026, 9, 1),
                expiry: ymd(2027, 8, 31),
                cost_pence: Some(123_450),
                aliases: Some(b"Photoshop; Illustrator;Acrobat"),
                reference: Some(b"PO-2026-0142"),
            }
        );
    }

    #[test]
    fn metrics_and_seats() {
        let cases: &[(&str, Option<LicenceMetric>, Option<u64>)] = &[
            ("X,,Per device,30,,,,,", Some(LicenceMetric::Device), Some(30)),
            ("X,,Device,\"1,200\",,,,,", Some(LicenceMetric::Device), Some(1200)),
            ("X,,Named user,25.0,,,,,", Some(LicenceMetric::User), Some(25)),
            ("X,,Concurrent,5,,,,,", Some(LicenceMetric::Concurrent), Some(5)),
            (
                "X,,Floating (network),5 seats,,,,,",
                Some(LicenceMetric::Concurrent),
                Some(5),
            ),
            ("X,,Site,Unlimited,,,,,", Some(LicenceMetric::Site), None),
            ("X,,,Unlimited,,,,,", Some(LicenceMetric::Site), None),
            ("X,,,Site licence,,,,,", Some(LicenceMetric::Site), None),
            ("X,,,whole school,,,,,", Some(LicenceMetric::Site), None),
            ("X,,,∞,,,,,", Some(LicenceMetric::Site), None),
            ("X,,Per user,unlimited,,,,,", Some(LicenceMetric::User), None),
            ("X,,Campus agreement,,,,,,", Some(LicenceMetric::Site), None),
            ("X,,,30,,,,,", None, Some(30)),
            ("X,,Subscription,30,,,,,", None, Some(30)),
            ("X,,,,,,,,", None, None),
        ];
        for (line, metric, seats) in cases {
            let r = one(HEADER, line);
            assert_eq!((r.metric, r.seats), (*metric, *seats), "{line}");
        }
    }

    #[test]
    fn dates() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("01/09/2026", ymd(2026, 9, 1)),
            ("1/9/2026", ymd(2026, 9, 1)),
            ("1/9/26", ymd(2026, 9, 1)),
            ("31-08-2027", ymd(2027, 8, 31)),
            ("31.08.2027", ymd(2027, 8, 31)),
            ("2027-08-31", ymd(2027, 8, 31)),
            ("2027-08-31T00:00:00", ymd(2027, 8, 31)),
            ("31/08/2027 00:00:00", ymd(2027, 8, 31)),
            ("1 Sep 2026", ymd(2026, 9, 1)),
            ("01-Sep-2026", ymd(2026, 9, 1)),
            ("1st September 2026", ymd(2026, 9, 1)),
        ];
        for (text, want) in cases {
            let r = one(HEADER, &format!("X,,,,{text},{text},,,"));
            assert_eq!((r.start, r.expiry), (*want, *want), "{text}");
        }
        for (line, want) in [
            ("X,,,,09/25/2026,,,,", "start date is not"),
            ("X,,,,,31/02/2027,,,", "expiry date is not"),
            ("X,,,,,next year,,,", "expiry date is not"),
            ("X,,,,,2027-08-31x,,,", "expiry date is not"),
        ] {
            let err = run(HEADER, line).expect_err(line);
            assert!(err.contains(want), "{line}: {err}");
        }
    }

    #[test]
    fn costs() {
        let cases: &[(&str, Option<u64>)] = &[
            ("£1,234.50", Some(123_450)),
            ("1234.5", Some(123_450)),
            ("1,234", Some(123_400)),
            ("£0.99", Some(99)),
            ("£ 12", Some(1200)),
            ("GBP 99", Some(9900)),
            ("99 GBP", Some(9900)),
            ("£1,234.50 ex VAT", Some(123_450)),
            ("£100 + VAT", Some(10_000)),
            ("12.345", Some(1235)),
            ("12.344", Some(1234)),
            ("0", Some(0)),
            ("Free", Some(0)),
            ("-", None),
            ("n/a", None),
            ("TBC", None),
            ("", None),
            ("\u{a3}5", Some(500)),
        ];
        for (text, want) in cases {
            let r = one(HEADER, &format!("X,,,,,,\"{text}\",,"));
            assert_eq!(r.cost_pence, *want, "{text}");
        }
        // The single Windows-1252 byte for £.
        let bump = Bump::new();
        let cols = columns(&Header::parse(HEADER.as_bytes()).expect("h")).expect("cols");
        let mut out = Vec::new();
        parse(b"X,,,,,,\xA312.50,,", &cols, &bump, &mut out).expect("latin-1 pound");
        assert_eq!(out[0].cost_pence, Some(1250));
        for (text, want) in [
            ("-50", "negative"),
            ("-£50", "negative"),
            ("£-50", "negative"),
            ("(50.00)", "negative"),
            ("$50", "not in pounds"),
            ("€50", "not in pounds"),
            ("50 EUR", "not in pounds"),
            ("lots", "not an amount"),
            ("1.2.3", "not an amount"),
            ("999999999999999999999", "not an amount"),
            ("184467440737095517", "too large"),
        ] {
            let line = format!("X,,,,,,\"{text}\",,");
            let err = run(HEADER, &line).expect_err(text);
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn other_rows() {
        assert!(run(HEADER, ",,,,,,,,").expect("empty row").is_empty());
        assert!(run(HEADER, "").expect("blank").is_empty());
        for (line, want) in [
            (",Adobe,Per user,25,,,,,", "no product field"),
            ("X,,,lots,,,,,", "seats is not a number"),
            ("X,,,2.5,,,,,", "seats is not a whole number"),
            ("X,,,-3,,,,,", "seats is not a number"),
            ("X,\"Adobe", "unterminated"),
        ] {
            let err = run(HEADER, line).expect_err(line);
            assert!(err.contains(want), "{line}: {err}");
        }
        // A short row and quoted doubled quotes.
        let r = one(HEADER, "\"Scratch \"\"Desktop\"\"\",Scratch Foundation");
        assert_eq!((r.product, r.seats), (&b"Scratch \"Desktop\""[..], None));
    }

    #[test]
    fn the_sample_register_reads_cleanly() {
        let text = include_str!("../../tests/data/licences/register.csv");
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
        let h = Header::parse(lines.next().expect("header").as_bytes()).expect("header");
        let cols = columns(&h).expect("register header");
        let bump = Bump::new();
        let mut out = Vec::new();
        for line in lines {
            parse(line.as_bytes(), &cols, &bump, &mut out).expect(line);
        }
        assert!(out.len() >= 8, "{}", out.len());
        assert!(
            out.iter()
                .any(|r| r.metric == Some(LicenceMetric::Site) && r.seats.is_none())
        );
    }

    /// Pence as a register writes pounds: `£1,234.50`.
    fn format_pounds(p: u64) -> String {
        let pounds = (p / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("£{grouped}.{:02}", p % 100)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn costs_round_trip(p in 0u64..10_000_000_000_000) {
            let text = format_pounds(p);
            prop_assert_eq!(pence(text.as_bytes()), Ok(Some(p)), "{}", text);
            let bare = format!("{}.{:02}", p / 100, p % 100);
            prop_assert_eq!(pence(bare.as_bytes()), Ok(Some(p)), "{}", bare);
        }

        #[test]
        fn dates_round_trip(days in 0i64..40_000) {
            let d = NaiveDate::from_ymd_opt(2000, 1, 1).expect("epoch") + chrono::Duration::days(days);
            prop_assert_eq!(date(d.format("%d/%m/%Y").to_string().as_bytes()), Some(d));
            prop_assert_eq!(date(d.format("%Y-%m-%d").to_string().as_bytes()), Some(d));
            prop_assert_eq!(date(d.format("%-d %b %Y").to_string().as_bytes()), Some(d));
        }

        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let bump = Bump::new();
            let mut out = Vec::new();
            let cols = columns(&Header::parse(HEADER.as_bytes()).expect("h")).expect("cols");
            let _ = parse(&bytes, &cols, &bump, &mut out);
            let _ = pence(&bytes);
            let _ = seats(&bytes);
            let _ = date(&bytes);
            if let Some(h) = Header::parse(&bytes) {
                let _ = columns(&h);
            }
        }
    }
}
