//! What is installed where (an Intune "Discovered apps" raw export) and what was bought (the
//! licence purchase register, a spreadsheet saved as CSV).
//!
//! Intune, as the admin centre exports it (UTF-8 with a BOM, every field quoted, CRLF), one row per
//! app per Windows device (Chromebooks are managed in the Google Admin console, not Intune; guests'
//! devices and the unenrolled media-suite PC are in neither):
//!
//! ```text
//! "ApplicationKey","ApplicationName","ApplicationPublisher","ApplicationShortVersion","ApplicationVersion","DeviceId","DeviceName","OSDescription","OSVersion","Platform","UserId","EmailAddress","UserName"
//! "0000a1b2…","Scratch 3","Scratch Foundation","3.29","3.29.1","1f0e2d3c-…","KB-ICT1-PC05","Windows 11 Education","10.0.22631.4460","Windows","5e6f7a8b-…","20garleyg@kestrelbrook.example","Grace Garley"
//! ```
//!
//! The register, as Excel's "CSV UTF-8" saves it (BOM, CRLF, quotes only where needed, UK dates,
//! pounds with thousands separators):
//!
//! ```text
//! Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference
//! Adobe Creative Cloud,Adobe,Per device,25,01/09/2026,31/08/2027,"£3,125.00",Adobe Photoshop 2025;Adobe Illustrator 2025,PO-2026-0142
//! ```
//!
//! Planted: Adobe Creative Cloud installed on more devices than it has seats, SketchUp Studio
//! renewing within 30 days of the sample week, WinRAR installed but not in the register, and
//! Affinity Photo bought but installed nowhere.

use chrono::{Datelike, NaiveDate};
use rand::seq::IndexedRandom;

use super::network::{email, fnv, guid_for};
use super::school::{DeviceKind, Role};
use super::{Chunk, Incident, Registry, World};

const SALT: u64 = 0xA55E_7500_0000_0001;

/// An application as Intune discovers it.
#[derive(Debug, Clone, Copy)]
struct App {
    name: &'static str,
    publisher: &'static str,
    short: &'static str,
    version: &'static str,
}

const fn app(name: &'static str, publisher: &'static str, short: &'static str, version: &'static str) -> App {
    App {
        name,
        publisher,
        short,
        version,
    }
}

const OFFICE: App = app(
    "Microsoft 365 Apps for enterprise - en-gb",
    "Microsoft Corporation",
    "16.0.18129",
    "16.0.18129.20158",
);
const EDGE: App = app("Microsoft Edge", "Microsoft Corporation", "131.0.2903", "131.0.2903.51");
const CHROME: App = app("Google Chrome", "Google LLC", "131.0.6778", "131.0.6778.86");
const TEAMS: App = app(
    "Microsoft Teams",
    "Microsoft Corporation",
    "24295.605",
    "24295.605.3225.8804",
);
const READER: App = app("Adobe Acrobat Reader (64-bit)", "Adobe", "24.004", "24.004.20220");
const SMART: App = app("SMART Notebook", "SMART Technologies ULC", "24.1", "24.1.208.0");
const VLC: App = app("VLC media player", "VideoLAN", "3.0.21", "3.0.21");
const SCRATCH: App = app("Scratch 3", "Scratch Foundation", "3.29", "3.29.1");
const PYTHON: App = app(
    "Python 3.12.7 (64-bit)",
    "Python Software Foundation",
    "3.12.7",
    "3.12.7150.0",
);
const AUDACITY: App = app("Audacity 3.6.4", "Audacity Team", "3.6.4", "3.6.4");
const CAD: App = app(
    "CadStudio Design 2026",
    "Cadvend Systems (fictional)",
    "26.1",
    "26.1.0.412",
);
const SKETCHUP: App = app("SketchUp 2025", "Trimble Inc.", "25.0", "25.0.575");
const ADOBE_CC: App = app("Adobe Creative Cloud", "Adobe Inc.", "6.4", "6.4.0.361");
const PHOTOSHOP: App = app("Adobe Photoshop 2025", "Adobe Inc.", "26.1", "26.1.0.1");
const ILLUSTRATOR: App = app("Adobe Illustrator 2025", "Adobe Inc.", "29.1", "29.1.0");
const SIBELIUS: App = app("Sibelius", "Avid Technology", "2024.10", "24.10.0.1234");
const WINRAR: App = app("WinRAR 7.01 (64-bit)", "win.rar GmbH", "7.01", "7.01.0");

/// The concurrent CAD licence, as the licence server names it.
pub(super) const CAD_FEATURE: &str = "CADSTUDIO";
/// The CAD product, as the register names it.
pub(super) const CAD_PRODUCT: &str = "CadStudio Design Suite";

/// The two exports, and what the licence server needs to know.
pub(super) struct Assets {
    pub inventory: Chunk,
    pub register: Chunk,
    /// Seats of the concurrent CAD licence.
    pub cad_seats: usize,
}

/// An Intune-style application key.
fn app_key(a: &App) -> String {
    let h1 = fnv(a.name);
    let h2 = fnv(&format!("{}|{}", a.name, a.version));
    format!("0000{h1:016x}{h2:016x}{:08x}", (h1 ^ h2) >> 32)
}

/// Builds the inventory and register (and registers their planted incidents).
pub(super) fn build(world: &World, reg: &mut Registry) -> Assets {
    let school = world.school;
    let mut rng = world.rng(SALT, usize::MAX);
    let staff = school.with_role(Role::Staff);
    let art_staff: Vec<usize> = staff.choose_multiple(&mut rng, 4).copied().collect();
    let rar_staff: Vec<usize> = staff.choose_multiple(&mut rng, 5).copied().collect();

    // Who has what.
    let mut rows: Vec<(usize, App)> = Vec::new();
    for (p, person) in school.people.iter().enumerate() {
        let dev = &school.devices[person.device];
        let mut apps = vec![OFFICE, EDGE, CHROME, TEAMS];
        match dev.kind {
            DeviceKind::StaffLaptop => {
                apps.extend([READER, SMART, VLC]);
                if art_staff.contains(&p) {
                    apps.extend([ADOBE_CC, PHOTOSHOP]);
                }
                if rar_staff.contains(&p) {
                    apps.push(WINRAR);
                }
            }
            DeviceKind::Desktop => {
                let room = dev.room.unwrap_or("");
                if room.starts_with("ICT") {
                    apps.extend([SCRATCH, PYTHON, AUDACITY]);
                } else if room.starts_with("DT") {
                    apps.extend([CAD, SKETCHUP]);
                } else if room.starts_with("ART") {
                    apps.extend([ADOBE_CC, PHOTOSHOP, ILLUSTRATOR]);
                } else if room.starts_with("MUS") {
                    apps.extend([SIBELIUS, AUDACITY]);
                }
            }
            DeviceKind::Chromebook | DeviceKind::Guest => continue,
        }
        apps.sort_by_key(|a| a.name);
        rows.extend(apps.into_iter().map(|a| (p, a)));
    }
    let installs = |name: &str| rows.iter().filter(|(_, a)| a.name == name).count();
    let in_room = |prefix: &str| {
        school
            .devices
            .iter()
            .filter(|d| d.room.is_some_and(|r| r.starts_with(prefix)))
            .count()
    };
    let dt_room = school
        .devices
        .iter()
        .filter(|d| d.room == Some("DT1"))
        .count()
        .min(school.devices.iter().filter(|d| d.room == Some("DT2")).count());
    let cad_seats = if dt_room >= 24 { 20 } else { (dt_room * 2 / 3).max(4) };

    // The inventory export.
    let mut text = String::from("\u{feff}");
    let header = [
        "ApplicationKey",
        "ApplicationName",
        "ApplicationPublisher",
        "ApplicationShortVersion",
        "ApplicationVersion",
        "DeviceId",
        "DeviceName",
        "OSDescription",
        "OSVersion",
        "Platform",
        "UserId",
        "EmailAddress",
        "UserName",
    ];
    push_quoted(&mut text, &header);
    let mut inventory = Chunk {
        last: world.as_of,
        ..Chunk::default()
    };
    let over = reg.add(Incident::new(
        "licences.over-deployed",
        "licences",
        "medium",
        String::new(),
    ));
    let not_in_register = reg.add(Incident::new(
        "licences.not-in-register",
        "licences",
        "low",
        format!(
            "WinRAR is installed on {} staff laptops but is not in the licence register",
            installs(WINRAR.name)
        ),
    ));
    for (n, (p, a)) in rows.iter().enumerate() {
        let person = &school.people[*p];
        let dev = &school.devices[person.device];
        let build = if fnv(&dev.hostname).is_multiple_of(5) {
            "4391"
        } else {
            "4460"
        };
        push_quoted(
            &mut text,
            &[
                &app_key(a),
                a.name,
                a.publisher,
                a.short,
                a.version,
                &guid_for(&dev.hostname),
                &dev.hostname,
                "Windows 11 Education",
                &format!("10.0.22631.{build}"),
                "Windows",
                &guid_for(&person.username),
                &email(&person.username),
                &person.display,
            ],
        );
        let line = n as u64 + 2;
        if a.name == ADOBE_CC.name {
            inventory.tagged.push((over, line, world.as_of));
        } else if a.name == WINRAR.name {
            inventory.tagged.push((not_in_register, line, world.as_of));
        }
    }
    inventory.text = text.into_bytes();

    // The register.
    let last_day = *world.days.last().unwrap_or(&world.days[0]);
    let renewal = last_day + chrono::Days::new(10);
    let renewal_start = NaiveDate::from_ymd_opt(renewal.year() - 1, renewal.month(), renewal.day()).unwrap_or(renewal)
        + chrono::Days::new(1);
    let year = if last_day.month() >= 9 {
        last_day.year()
    } else {
        last_day.year() - 1
    };
    let (sept, aug) = (format!("01/09/{year}"), format!("31/08/{}", year + 1));
    let (april, march) = (format!("01/04/{year}"), format!("31/03/{}", year + 1));
    let adobe = installs(ADOBE_CC.name);
    let adobe_seats = (in_room("ART") / 5 * 5).max(1).min(adobe.saturating_sub(1).max(1));
    let round_up = |n: usize, to: usize| n.div_ceil(to).max(1) * to;
    let users = school.people.iter().filter(|p| p.role != Role::Guest).count();
    let uk = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let site = |product: &'static str, publisher: &'static str, aliases: &'static str, reference: &'static str| {
        [
            product.to_owned(),
            publisher.to_owned(),
            "Site".to_owned(),
            "Unlimited".to_owned(),
            String::new(),
            String::new(),
            "£0.00".to_owned(),
            aliases.to_owned(),
            reference.to_owned(),
        ]
    };
    #[allow(clippy::too_many_arguments)]
    let bought = |product: &str,
                  publisher: &str,
                  metric: &str,
                  qty: usize,
                  start: &str,
                  end: &str,
                  pence: u64,
                  aliases: &str,
                  reference: &str| {
        [
            product.to_owned(),
            publisher.to_owned(),
            metric.to_owned(),
            qty.to_string(),
            start.to_owned(),
            end.to_owned(),
            pounds(pence),
            aliases.to_owned(),
            reference.to_owned(),
        ]
    };
    let register_rows: Vec<[String; 9]> = vec![
        site(
            "Adobe Acrobat Reader",
            "Adobe",
            "Adobe Acrobat Reader (64-bit)",
            "Free software",
        ),
        bought(
            "Adobe Creative Cloud",
            "Adobe",
            "Per device",
            adobe_seats,
            &sept,
            &aug,
            adobe_seats as u64 * 12_500,
            "Adobe Photoshop 2025;Adobe Illustrator 2025",
            &format!("PO-{year}-0142"),
        ),
        bought(
            "Affinity Photo",
            "Serif",
            "Per device",
            30,
            &sept,
            &aug,
            105_000,
            "",
            &format!("PO-{year}-0151"),
        ),
        site("Audacity", "Audacity Team", "Audacity 3.6.4", "Free software"),
        bought(
            CAD_PRODUCT,
            "Cadvend Systems (fictional)",
            "Concurrent",
            cad_seats,
            &sept,
            &aug,
            cad_seats as u64 * 12_000,
            "CADSTUDIO;CadStudio Design 2026",
            &format!("PO-{year}-0133"),
        ),
        site("Google Chrome", "Google", "", "Free software"),
        bought(
            "Microsoft 365 A3",
            "Microsoft",
            "Per user",
            users,
            &sept,
            &aug,
            users as u64 * 900,
            "Microsoft 365 Apps for enterprise - en-gb;Microsoft Teams",
            &format!("EES-{year}-KBA"),
        ),
        site("Microsoft Edge", "Microsoft", "", "Included with Windows"),
        site(
            "Python",
            "Python Software Foundation",
            "Python 3.12.7 (64-bit)",
            "Free software",
        ),
        site("Scratch", "Scratch Foundation", "Scratch 3", "Free software"),
        bought(
            "Sibelius",
            "Avid",
            "Per device",
            round_up(in_room("MUS"), 10),
            &april,
            &march,
            round_up(in_room("MUS"), 10) as u64 * 3_000,
            "",
            &format!("PO-{year}-0077"),
        ),
        bought(
            "SketchUp Studio",
            "Trimble",
            "Per device",
            round_up(in_room("DT"), 10),
            &uk(renewal_start),
            &uk(renewal),
            148_000,
            "SketchUp 2025",
            &format!("PO-{}-0311", renewal_start.year()),
        ),
        bought(
            "SMART Notebook",
            "SMART Technologies",
            "Per device",
            round_up(staff.len() + 5, 10),
            &april,
            &march,
            round_up(staff.len() + 5, 10) as u64 * 1_300,
            "",
            &format!("PO-{year}-0069"),
        ),
        site("VLC media player", "VideoLAN", "", "Free software"),
    ];
    let mut text = String::from(
        "\u{feff}Product,Publisher,Licence type,Qty,Start date,Renewal date,Cost (£),Aliases,Reference\r\n",
    );
    let mut register = Chunk {
        last: world.as_of,
        ..Chunk::default()
    };
    let expiring = reg.add(Incident::new(
        "licences.expiring",
        "licences",
        "medium",
        format!(
            "SketchUp Studio renews on {}, within 30 days of the sample week",
            uk(renewal)
        ),
    ));
    let unused = reg.add(Incident::new(
        "licences.unused",
        "licences",
        "low",
        "Affinity Photo: 30 licences bought, installed on no device".to_owned(),
    ));
    for (n, row) in register_rows.iter().enumerate() {
        let fields: Vec<String> = row.iter().map(|f| excel_field(f)).collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
        let line = n as u64 + 2;
        let tag = match row[0].as_str() {
            "Adobe Creative Cloud" => over,
            "SketchUp Studio" => expiring,
            "Affinity Photo" => unused,
            _ => 0,
        };
        if tag > 0 {
            register.tagged.push((tag, line, world.as_of));
        }
    }
    register.text = text.into_bytes();

    // Name the products behind the licence incidents.
    let summary = format!(
        "Adobe Creative Cloud is installed on {adobe} devices (the art rooms and some staff laptops) but {adobe_seats} \
         per-device licences were bought"
    );
    for (k, product) in [
        (over, "Adobe Creative Cloud"),
        (not_in_register, "WinRAR"),
        (expiring, "SketchUp Studio"),
        (unused, "Affinity Photo"),
    ] {
        let inc = &mut reg.incidents[usize::from(k) - 1];
        inc.product = Some(product.to_owned());
        if k == over {
            inc.summary.clone_from(&summary);
        }
    }
    Assets {
        inventory,
        register,
        cad_seats,
    }
}

/// `1234550` pence → `£12,345.50`.
fn pounds(pence: u64) -> String {
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (k, c) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("£{grouped}.{:02}", pence % 100)
}

/// A field as Excel writes it: quoted only when it holds a comma, a quote or a line break.
fn excel_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
}

/// A CSV row with every field quoted, CRLF-terminated.
fn push_quoted(out: &mut String, fields: &[&str]) {
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    }
    out.push_str("\r\n");
}
