//! Installed-software exports: one row per product per device, columns found by name.
//!
//! Microsoft Intune's discovered apps (Apps › Monitor › Discovered apps › Export, or the Graph
//! export job `AppInvRawData`), per device:
//!
//! ```text
//! ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceId,DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName
//! 0000a1b2c3,Scratch Desktop,Scratch Foundation,3.29.1,3.29.1,1f0e2d3c-0000-4000-8000-000000000005,KB-ICT1-PC05,Windows 11 Education,10.0.22631.4602,Windows,5e6f7a8b-0000-4000-8000-0000000000a1,ab.teacher@kingsbridge.example,Ab Teacher
//! ```
//!
//! and the SCCM/PDQ/Lansweeper-style reports a school exports from its own inventory tool:
//!
//! ```text
//! Computer Name,Software,Version,Publisher,Last Seen
//! KB-LIB-PC02,"Adobe Acrobat Reader DC",24.002.20933,"Adobe Systems, Incorporated",20/11/2026 08:15
//! ```
//!
//! Column names, from Microsoft's "Intune reports and properties available using Graph API"
//! page: `AppInvRawData` (and the per-device `AppInvByDevice`, per-app `DevicesByAppInv`) have
//! `ApplicationKey, ApplicationName, ApplicationPublisher, ApplicationShortVersion,
//! ApplicationVersion, DeviceId, DeviceName, OSDescription, OSVersion, Platform, UserId,
//! EmailAddress, UserName`; the aggregate `AppInvAggregate` has only `ApplicationKey,
//! ApplicationName, ApplicationPublisher, ApplicationShortVersion, ApplicationVersion,
//! DeviceCount`. The admin centre's export writes the same names (older exports wrote
//! `Application name, Application version, Device count`, matched too since names are compared
//! without case or spaces). The generic names are the ones these tools commonly use; they are
//! not taken from a specification.
//!
//! **An aggregate report has no device column and cannot give per-device rows**: [`columns`]
//! returns `None` for it, and [`is_aggregate`] tells the engine to say why (export the raw data
//! instead).
//!
//! Quirks handled:
//! - names matched loosely (`DeviceName`, `Device name`, `Computer Name`, `Hostname`,
//!   `AssetName`, `Netbios_Name0`…; `ApplicationName`, `Software`, `Product Name`,
//!   `DisplayName0`, `Name`…), extra columns ignored, columns in any order;
//! - `DeviceId` stands in for the device when there is no device name column or it is empty;
//! - the user is the UPN or e-mail address where the export has one (Intune's `EmailAddress`),
//!   else the user name;
//! - `Last seen` as ISO-8601 (Intune writes `2026-11-20T08:15:02.1234567Z`), `DD/MM/YYYY HH:MM`,
//!   or epoch seconds; a time without a zone is taken as UTC (the record has no local-time
//!   field), and an unreadable time leaves `last_seen` empty rather than losing the row;
//! - quoted values with commas (`"Adobe Systems, Incorporated"`), doubled quotes, empty cells
//!   (→ `None`), short rows;
//! - a row without a product or a device name is refused with a reason.

use bumpalo::Bump;

use super::idcsv::{Stamp, timestamp};
use crate::asset::InventoryRecord;
use crate::csv::{self, Columns, Header};

/// The wanted fields, each a list of accepted header names.
pub const FIELDS: &[&[&str]] = &[
    &[
        "DeviceName",
        "Device",
        "Computer Name",
        "Computer",
        "Hostname",
        "Host Name",
        "Host",
        "Machine Name",
        "Machine",
        "Asset Name",
        "AssetName",
        "Netbios Name",
        "Netbios_Name0",
        "System Name",
        "Workstation",
        "Managed Device Name",
    ],
    &["DeviceId", "Intune Device ID", "Device Identifier", "ResourceID"],
    &[
        "ApplicationName",
        "Application",
        "App Name",
        "App",
        "Software Name",
        "Software",
        "Product Name",
        "Product",
        "Program Name",
        "Program",
        "DisplayName0",
        "ARPDisplayName0",
        "ProductName0",
        "Display Name",
        "Title",
        "Name",
    ],
    &[
        "ApplicationVersion",
        "Application Version",
        "App Version",
        "Software Version",
        "Product Version",
        "ProductVersion0",
        "Version0",
        "Display Version",
        "Version",
        "ApplicationShortVersion",
    ],
    &[
        "ApplicationPublisher",
        "Publisher",
        "Software Publisher",
        "Publisher0",
        "Vendor",
        "Manufacturer",
        "Company",
    ],
    &[
        "UPN",
        "User Principal Name",
        "UserPrincipalName",
        "EmailAddress",
        "Email",
        "Primary User UPN",
        "Primary User",
        "UserName",
        "User",
        "Last Logged On User",
        "Last Logon User",
        "Last User",
        "Logged On User",
        "Owner",
    ],
    &[
        "Platform",
        "OSDescription",
        "OS",
        "Operating System",
        "OS Name",
        "Caption0",
    ],
    &[
        "Last Seen",
        "Last Seen Date",
        "Last Scan",
        "Last Scanned",
        "Last Scan Date",
        "Last Inventory",
        "Last Inventory Scan",
        "Last Contact",
        "Last Check-in",
        "Last Sync",
        "Last Sync Date Time",
        "Last Discovered",
        "Timestamp",
    ],
    &["DeviceCount", "Installations", "Install Count", "Installs"],
];
/// Index of the device name field in [`FIELDS`].
pub const DEVICE: usize = 0;
/// Index of the device id field (used when there is no device name).
pub const DEVICE_ID: usize = 1;
/// Index of the product name field.
pub const PRODUCT: usize = 2;
/// Index of the version field.
pub const VERSION: usize = 3;
/// Index of the publisher field.
pub const PUBLISHER: usize = 4;
/// Index of the user field.
pub const USER: usize = 5;
/// Index of the platform field.
pub const PLATFORM: usize = 6;
/// Index of the last-seen field.
pub const LAST_SEEN: usize = 7;
/// Index of the device count of an aggregate report.
pub const DEVICE_COUNT: usize = 8;

/// What to tell the user about an aggregate report.
pub const AGGREGATE: &str = "an aggregate report (a device count per application) names no devices; \
                             export the raw data per device instead (Intune: Discovered apps › Export › raw data)";

/// The columns of an inventory header: `Some` when it names a product and a device (name or id)
/// in different columns. `None` for an aggregate report, which has no device column.
pub fn columns(header: &Header) -> Option<Columns> {
    let cols = header.map(FIELDS);
    let device = cols.index[DEVICE].or(cols.index[DEVICE_ID])?;
    let product = cols.index[PRODUCT]?;
    (device != product).then_some(cols)
}

/// Whether the header is an aggregate inventory report (products with device counts, no
/// device column), which cannot give per-device rows: see [`AGGREGATE`].
pub fn is_aggregate(header: &Header) -> bool {
    let cols = header.map(FIELDS);
    cols.has(PRODUCT) && cols.has(DEVICE_COUNT) && !cols.has(DEVICE) && !cols.has(DEVICE_ID)
}

/// Parses one row: one installation.
pub fn parse<'a>(
    line: &'a [u8],
    cols: &Columns,
    scratch: &'a Bump,
    out: &mut Vec<InventoryRecord<'a>>,
) -> Result<(), &'static str> {
    let mut rec = Vec::new();
    csv::split(line, cols.delimiter, scratch, &mut rec)?;
    let device = cols
        .get(&rec, DEVICE)
        .or_else(|| cols.get(&rec, DEVICE_ID))
        .ok_or("no device name field")?;
    let product = cols.get(&rec, PRODUCT).ok_or("no product name field")?;
    out.push(InventoryRecord {
        device,
        product,
        version: cols.get(&rec, VERSION),
        publisher: cols.get(&rec, PUBLISHER),
        user: cols.get(&rec, USER),
        platform: cols.get(&rec, PLATFORM),
        last_seen: cols.get(&rec, LAST_SEEN).and_then(timestamp).map(|s| match s {
            Stamp::Utc(ms) => ms,
            Stamp::Local(t) => t.and_utc().timestamp_millis(),
        }),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const INTUNE_RAW: &str = "ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceId,DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName";

    fn header(h: &str) -> Header {
        Header::parse(h.as_bytes()).expect("header")
    }

    fn run(h: &str, line: &str) -> Result<Vec<InventoryRecord<'static>>, &'static str> {
        let cols = columns(&header(h)).expect("inventory header");
        let bump: &'static Bump = Box::leak(Box::new(Bump::new()));
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        let mut out = Vec::new();
        parse(line.as_bytes(), &cols, bump, &mut out)?;
        Ok(out)
    }

    fn one(h: &str, line: &str) -> InventoryRecord<'static> {
        let v = run(h, line).expect(line);
        assert_eq!(v.len(), 1);
        v[0]
    }

    #[test]
    fn headers() {
        for h in [
            INTUNE_RAW,
            "\u{feff}\"ApplicationName\",\"ApplicationVersion\",\"DeviceName\"",
            "Application name,Application version,Device name,Platform",
            "DeviceId,ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName",
            "Computer Name,Software,Version,Publisher,Last Seen",
            "AssetName;softwareName;softwareVersion;SoftwarePublisher;Lastseen",
            "Netbios_Name0,DisplayName0,Version0,Publisher0",
            "Computer\tName\tVersion\tPublisher\tInstall Date",
            "Hostname,Product,Version,Vendor,User",
            "DeviceId,ApplicationName",
        ] {
            assert!(columns(&header(h)).is_some(), "{h}");
            assert!(!is_aggregate(&header(h)), "{h}");
        }
        for h in [
            "ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceCount",
            "Application name,Application version,Device count",
        ] {
            assert!(columns(&header(h)).is_none(), "{h}");
            assert!(is_aggregate(&header(h)), "{h}");
        }
        for h in [
            "time,ip,user,device",
            "Product,Publisher,Licence type,Seats,Expiry",
            "Name,Version",
        ] {
            assert!(columns(&header(h)).is_none(), "{h}");
            assert!(!is_aggregate(&header(h)), "{h}");
        }
    }

    #[test]
    fn intune_raw_rows() {
        let r = one(
            INTUNE_RAW,
            "0000a1b2c3,Scratch Desktop,Scratch Foundation,3.29.1,3.29.1,1f0e2d3c-0000-4000-8000-000000000005,KB-ICT1-PC05,Windows 11 Education,10.0.22631.4602,Windows,5e6f7a8b-0000-4000-8000-0000000000a1,ab.teacher@kingsbridge.example,Ab Teacher",
        );
        assert_eq!((r.device, r.product), (&b"KB-ICT1-PC05"[..], &b"Scratch Desktop"[..]));
        assert_eq!(
            (r.version, r.publisher),
            (Some(&b"3.29.1"[..]), Some(&b"Scratch Foundation"[..]))
        );
        assert_eq!(r.user, Some(&b"ab.teacher@kingsbridge.example"[..]));
        assert_eq!((r.platform, r.last_seen), (Some(&b"Windows"[..]), None));

        // No device name: the device id stands in. No publisher, no user.
        let r = one(
            INTUNE_RAW,
            "0000a1b2c4,Minecraft Education,,1.21.0,1.21.0,1f0e2d3c-0000-4000-8000-000000000006,,Windows 11 Education,10.0.22631.4602,Windows,,,",
        );
        assert_eq!(r.device, b"1f0e2d3c-0000-4000-8000-000000000006");
        assert_eq!((r.publisher, r.user), (None, None));
    }

    #[test]
    fn generic_rows() {
        let h = "Computer Name,Software,Version,Publisher,Last Seen";
        let r = one(
            h,
            "KB-LIB-PC02,\"Adobe Acrobat Reader DC\",24.002.20933,\"Adobe Systems, Incorporated\",20/11/2026 08:15",
        );
        assert_eq!(r.publisher, Some(&b"Adobe Systems, Incorporated"[..]));
        assert_eq!(r.last_seen, Some(crate::time::utc_ms("2026-11-20T08:15:00Z")));
        let r = one(
            h,
            "KB-LIB-PC02,\"7-Zip 24.08 (x64 \"\"edition\"\")\",24.08,,2026-11-20T08:15:02.1234567Z",
        );
        assert_eq!(r.product, b"7-Zip 24.08 (x64 \"edition\")");
        assert_eq!(r.last_seen, Some(crate::time::utc_ms("2026-11-20T08:15:02.123Z")));
        let r = one(h, "KB-LIB-PC02,Notepad++,8.7,,last Tuesday");
        assert_eq!((r.publisher, r.last_seen), (None, None));
        let r = one(h, "KB-LIB-PC02,Notepad++");
        assert_eq!(r.version, None);
        let r = one(
            "Hostname\tProduct\tVersion\tVendor\tUser",
            "KB-ICT1-PC05\tGIMP\t2.10.38\tThe GIMP Team\tSCHOOL\\ab.pupil",
        );
        assert_eq!(r.user, Some(&br"SCHOOL\ab.pupil"[..]));
    }

    #[test]
    fn refused_rows() {
        for (line, want) in [
            (",Scratch Desktop,3.29.1,,", "no device name"),
            ("KB-LIB-PC02,,3.29.1,,", "no product name"),
            ("KB-LIB-PC02,\"Scratch Desktop,3.29.1", "unterminated"),
            ("", "no device name"),
        ] {
            let err = run("Computer Name,Software,Version,Publisher,Last Seen", line).expect_err(line);
            assert!(err.contains(want), "{line}: {err}");
        }
    }

    #[test]
    fn the_sample_file_reads_cleanly() {
        let text = include_str!("../../tests/data/inventory/intune-apps.csv");
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
        let cols = columns(&header(lines.next().expect("header"))).expect("Intune header");
        let bump = Bump::new();
        let mut out = Vec::new();
        for line in lines {
            parse(line.as_bytes(), &cols, &bump, &mut out).expect(line);
        }
        assert!(out.len() >= 20, "{}", out.len());
        assert!(out.iter().all(|r| r.device.starts_with(b"KB-")));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let bump = Bump::new();
            let mut out = Vec::new();
            let cols = columns(&header(INTUNE_RAW)).expect("cols");
            let _ = parse(&bytes, &cols, &bump, &mut out);
            let cols = columns(&header("Computer Name,Software,Version,Publisher,Last Seen")).expect("cols");
            let _ = parse(&bytes, &cols, &bump, &mut out);
            if let Some(h) = Header::parse(&bytes) {
                let _ = columns(&h);
                let _ = is_aggregate(&h);
            }
        }
    }
}
