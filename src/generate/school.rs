//! The fictional school: its people, devices, networks and timetable.
//!
//! Every name is made up: surnames are built from invented syllables, the school and its domain
//! are fictional, and addresses are private ranges.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

/// The school's name.
pub const SCHOOL_NAME: &str = "Kestrel Brook Academy (fictional)";
/// The Windows domain that prefixes user names in proxy logs.
pub const NETBIOS_DOMAIN: &str = "KBA";
/// The school's DNS domain (reserved `.example` TLD: never a real school).
pub const DNS_DOMAIN: &str = "kestrelbrook.example";

const FIRST_NAMES: &[&str] = &[
    "Alex", "Amara", "Ben", "Callum", "Chloe", "Daisy", "Dev", "Ella", "Erin", "Finn", "Freya", "George", "Grace",
    "Harry", "Isla", "Jack", "Jade", "Kai", "Leah", "Leo", "Lily", "Luca", "Maya", "Mia", "Noah", "Nia", "Oscar",
    "Olivia", "Priya", "Reuben", "Rosa", "Sam", "Sana", "Theo", "Tia", "Tom", "Zara", "Yusuf", "Ruby", "Omar",
];
const SURNAME_HEADS: &[&str] = &[
    "Ald", "Brin", "Cor", "Dun", "Fen", "Gar", "Hol", "Kel", "Lor", "Mor", "Nettle", "Orr", "Pell", "Quen", "Rook",
    "Sel", "Thorn", "Vell", "Wren", "Yar", "Brack", "Crom", "Elder", "Ferns", "Gorse",
];
const SURNAME_TAILS: &[&str] = &[
    "acre", "by", "cote", "dell", "fold", "gate", "holm", "ley", "mere", "ridge", "stow", "wick", "thwaite", "hurst",
];

/// What kind of person a user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Teaching and support staff.
    Staff,
    /// A pupil.
    Pupil,
    /// A visitor on the guest Wi-Fi (unauthenticated at the proxy).
    Guest,
}

/// One person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Person {
    /// Canonical user name (lower case, no domain).
    pub username: String,
    /// Display name (fictional).
    pub display: String,
    /// Role.
    pub role: Role,
    /// Year group for pupils (7–13).
    pub year: Option<u8>,
    /// Index of the device they usually use.
    pub device: usize,
    /// How busy a browser they are (multiplies their request rate).
    pub activity: f64,
}

/// What sort of machine a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    /// A member of staff's Windows laptop (goes home at night: releases its lease).
    StaffLaptop,
    /// A Windows desktop in a classroom or suite (`room` says which).
    Desktop,
    /// A pupil's ChromeOS Chromebook (managed in the Google Admin console, not Intune).
    Chromebook,
    /// A visitor's phone or laptop on the guest Wi-Fi.
    Guest,
}

/// One device on the network.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Device {
    /// Host name.
    pub hostname: String,
    /// IPv4 address.
    pub ip: String,
    /// MAC address.
    pub mac: String,
    /// What sort of machine it is.
    pub kind: DeviceKind,
    /// The room of a classroom desktop (`ICT1`, `DT2`, `ART1`…).
    pub room: Option<&'static str>,
}

/// Rooms of 30 Windows desktops, in the order pupils' desktops are spread over them (the first
/// six exist in even the smallest generated school, so DT and art lessons always have machines).
pub const ROOMS: &[&str] = &[
    "ICT1", "DT1", "ART1", "ICT2", "DT2", "LIB1", "ICT3", "MUS1", "ICT4", "SCI1", "HUM1", "ENG1", "MFL1", "SCI2",
    "MAT1", "HUM2", "SEN1", "SCI3", "MAT2", "ENG2", "BUS1", "MFL2", "HUM3", "ENG3",
];

/// Whether pupil number `i` (0-based) has a Chromebook rather than a classroom desktop.
fn has_chromebook(i: usize) -> bool {
    let year = 7 + i % 7;
    year >= 10 && i.is_multiple_of(3)
}

/// The whole fictional school.
#[derive(Debug, Clone)]
pub struct School {
    /// Everybody, staff first, then pupils, then guests.
    pub people: Vec<Person>,
    /// Every device.
    pub devices: Vec<Device>,
}

impl School {
    /// Builds a school of `staff` staff, `pupils` pupils and `guests` guest devices.
    pub fn build(rng: &mut ChaCha8Rng, staff: usize, pupils: usize, guests: usize) -> School {
        let mut people = Vec::with_capacity(staff + pupils + guests);
        let mut devices = Vec::with_capacity(staff + pupils + guests);
        let mut taken = std::collections::HashSet::new();
        for i in 0..staff {
            let (first, last) = name(rng);
            let mut username = format!("{}{}", first[..1].to_ascii_lowercase(), last.to_ascii_lowercase());
            while !taken.insert(username.clone()) {
                username.push_str(&rng.random_range(2..10).to_string());
            }
            devices.push(Device {
                hostname: format!("KB-STF-L{:03}", i + 1),
                ip: format!("10.40.{}.{}", 10 + i / 250, 2 + i % 250),
                mac: mac(rng),
                kind: DeviceKind::StaffLaptop,
                room: None,
            });
            people.push(Person {
                username,
                display: format!("{first} {last}"),
                role: Role::Staff,
                year: None,
                device: devices.len() - 1,
                activity: rng.random_range(0.6..1.6),
            });
        }
        // Pupils' desktops are spread round the rooms in turn, about 30 to a room.
        let desktops = (0..pupils).filter(|&i| !has_chromebook(i)).count();
        let rooms = desktops.div_ceil(30).clamp(6, ROOMS.len());
        let mut desktop = 0usize;
        for i in 0..pupils {
            let (first, last) = name(rng);
            let year = 7 + (i % 7) as u8;
            let intake = 2026 - (i64::from(year) - 7);
            let mut username = format!(
                "{:02}{}{}",
                intake % 100,
                last.to_ascii_lowercase(),
                first[..1].to_ascii_lowercase()
            );
            while !taken.insert(username.clone()) {
                username.push_str(&rng.random_range(2..10).to_string());
            }
            let (hostname, subnet, kind, room) = if has_chromebook(i) {
                (format!("KB-CB-{:04}", i + 1), 24, DeviceKind::Chromebook, None)
            } else {
                let room = ROOMS[desktop % rooms];
                let pc = 1 + desktop / rooms;
                desktop += 1;
                (format!("KB-{room}-PC{pc:02}"), 20, DeviceKind::Desktop, Some(room))
            };
            devices.push(Device {
                hostname,
                ip: format!("10.40.{}.{}", subnet + i / 250, 2 + i % 250),
                mac: mac(rng),
                kind,
                room,
            });
            people.push(Person {
                username,
                display: format!("{first} {last}"),
                role: Role::Pupil,
                year: Some(year),
                device: devices.len() - 1,
                activity: rng.random_range(0.4..1.8),
            });
        }
        for i in 0..guests {
            devices.push(Device {
                hostname: format!("guest-{:02}", i + 1),
                ip: format!("10.40.99.{}", 10 + i),
                mac: mac(rng),
                kind: DeviceKind::Guest,
                room: None,
            });
            people.push(Person {
                username: format!("guest{:02}", i + 1),
                display: format!("Visitor {}", i + 1),
                role: Role::Guest,
                year: None,
                device: devices.len() - 1,
                activity: rng.random_range(0.5..1.5),
            });
        }
        School { people, devices }
    }

    /// The user name as the proxy logs it (`KBA%5Cname`; guests are unauthenticated).
    pub fn logged_user(&self, person: usize) -> String {
        let p = &self.people[person];
        match p.role {
            Role::Guest => "-".to_owned(),
            _ => format!("{NETBIOS_DOMAIN}%5C{}", p.username),
        }
    }

    /// Indexes of the people with a role.
    pub fn with_role(&self, role: Role) -> Vec<usize> {
        (0..self.people.len())
            .filter(|&i| self.people[i].role == role)
            .collect()
    }
}

fn name(rng: &mut ChaCha8Rng) -> (String, String) {
    let first = FIRST_NAMES.choose(rng).copied().unwrap_or("Sam");
    let head = SURNAME_HEADS.choose(rng).copied().unwrap_or("Wren");
    let tail = SURNAME_TAILS.choose(rng).copied().unwrap_or("ley");
    (first.to_owned(), format!("{head}{tail}"))
}

fn mac(rng: &mut ChaCha8Rng) -> String {
    let b: [u8; 5] = rng.random();
    format!("02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4])
}

/// A slice of the school day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Before registration.
    BeforeSchool,
    /// A taught lesson.
    Lesson,
    /// Morning break or lunch.
    Break,
    /// After the last lesson.
    AfterSchool,
}

/// The timetable: (start minute of day, end minute, slot), local time.
pub const TIMETABLE: &[(u32, u32, Slot)] = &[
    (7 * 60 + 30, 8 * 60 + 40, Slot::BeforeSchool),
    (8 * 60 + 40, 9 * 60 + 40, Slot::Lesson),
    (9 * 60 + 40, 10 * 60 + 40, Slot::Lesson),
    (10 * 60 + 40, 11 * 60, Slot::Break),
    (11 * 60, 12 * 60, Slot::Lesson),
    (12 * 60, 12 * 60 + 50, Slot::Break),
    (12 * 60 + 50, 13 * 60 + 50, Slot::Lesson),
    (13 * 60 + 50, 14 * 60 + 50, Slot::Lesson),
    (14 * 60 + 50, 17 * 60 + 30, Slot::AfterSchool),
];
