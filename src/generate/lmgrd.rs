//! The FlexNet licence server's debug log (`lmgrd` and the CAD vendor daemon `cadvend`) for the
//! concurrent CAD licence used in design-technology lessons:
//!
//! ```text
//!  0:00:00 (lmgrd) TIMESTAMP 11/16/2026
//!  8:44:31 (cadvend) OUT: "CADSTUDIO" 24fenleyg@KB-DT1-PC11
//!  9:37:02 (cadvend) IN: "CADSTUDIO" 24fenleyg@KB-DT1-PC11
//! 11:05:12 (cadvend) DENIED: "CADSTUDIO" 22wrenbyt@KB-DT2-PC05  (Licensed number of users already reached. (-4,342))
//! ```
//!
//! Each DT room has CAD lessons in two periods a day, the two rooms never at once, except one
//! planted lesson when both classes start CAD together and the seats run out (DENIED, with
//! retries). Times are the server's local time; `TIMESTAMP` lines at midnight give the date
//! (every calendar day, weekends included, as the server runs on). Only the lines vigil's reader
//! uses are written: a real log also has start-up banners and other chatter.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{NaiveDate, Timelike};
use rand::Rng;
use rand::seq::SliceRandom;

use super::assets::{Assets, CAD_FEATURE, CAD_PRODUCT};
use super::school::{Slot, TIMETABLE};
use super::{Chunk, Incident, Presence, Recs, Registry, World, local_ms, london};

const SALT_PLAN: u64 = 0x11C3_B5E0_0000_0001;
const SALT_DAY: u64 = 0x11C3_B5E0_0000_0002;
const DAEMON: &str = "cadvend";
const ROOMS: [&str; 2] = ["DT1", "DT2"];

/// The CAD lessons of the week.
pub(super) struct LmPlan {
    seats: usize,
    /// Per day: (room index, lesson index) of each CAD lesson.
    lessons: Vec<Vec<(usize, usize)>>,
    /// The day and lesson when both rooms run CAD at once.
    clash: (usize, usize),
    incident: u16,
}

/// The lessons of the timetable: (start minute, end minute).
fn periods() -> Vec<(u32, u32)> {
    TIMETABLE
        .iter()
        .filter(|t| t.2 == Slot::Lesson)
        .map(|t| (t.0, t.1))
        .collect()
}

/// Chooses each room's CAD lessons.
pub(super) fn plan(world: &World, assets: &Assets, reg: &mut Registry) -> LmPlan {
    let mut rng = world.rng(SALT_PLAN, usize::MAX);
    let n = world.days.len();
    let lessons_per_day = periods().len();
    let clash = (2.min(n - 1), 2.min(lessons_per_day - 1));
    let lessons = (0..n)
        .map(|d| {
            let mut order: Vec<usize> = (0..lessons_per_day).collect();
            order.shuffle(&mut rng);
            if d == clash.0 {
                order.retain(|&l| l != clash.1);
                vec![(0, clash.1), (1, clash.1), (0, order[0]), (1, order[1])]
            } else {
                vec![(0, order[0]), (0, order[1]), (1, order[2]), (1, order[3])]
            }
        })
        .collect();
    let mut incident = Incident::new(
        "licences.concurrent-denials",
        "licences",
        "medium",
        format!(
            "Both DT rooms started CAD in the same lesson: the {} concurrent {CAD_FEATURE} seats ran out and \
             pupils were refused",
            assets.cad_seats
        ),
    );
    incident.product = Some(CAD_PRODUCT.to_owned());
    let incident = reg.add(incident);
    LmPlan {
        seats: assets.cad_seats,
        lessons,
        clash,
        incident,
    }
}

/// `H:MM:SS` with the hour space-padded, as lmgrd writes it.
fn clock(ts: i64) -> String {
    let t = london(ts).0;
    format!("{:>2}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// What happens next in a lesson.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// Check a seat back in.
    In(usize),
    /// Try to check a seat out (attempt number).
    Out(usize, u8),
}

/// One day of the licence server's log.
pub(super) fn day(world: &World, plan: &LmPlan, i: usize, presence: &Presence) -> Chunk {
    let mut rng = world.rng(SALT_DAY, i);
    let school = world.school;
    let date = world.days[i];
    let mut recs = Recs::default();
    // Midnight date marks since the previous day written.
    let mut d: NaiveDate = if i == 0 {
        date
    } else {
        world.days[i - 1].succ_opt().unwrap_or(date)
    };
    while d <= date {
        let ts = local_ms(d, 0, 0);
        let stamp = d.format("%m/%d/%Y");
        recs.push(ts, 0, format!("{} (lmgrd) TIMESTAMP {stamp}", clock(ts)));
        recs.push(ts, 0, format!("{} ({DAEMON}) TIMESTAMP {stamp}", clock(ts)));
        d = d.succ_opt().unwrap_or(date + chrono::Days::new(1));
    }

    let periods = periods();
    let mut users: Vec<(usize, i64, i64)> = Vec::new(); // (person, wants from, leaves at)
    for &(room, lesson) in plan.lessons.get(i).into_iter().flatten() {
        let (start, end) = periods[lesson];
        let (start, end) = (local_ms(date, start, 0), local_ms(date, end, 0));
        let mut class: Vec<(usize, i64, i64)> = school
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| school.devices[p.device].room == Some(ROOMS[room]))
            .filter_map(|(k, _)| {
                let (a, b) = presence.span[k]?;
                let out = (start + rng.random_range(60_000..480_000)).max(a + 30_000);
                let back = (end - rng.random_range(0..240_000)).min(b);
                (back - out > 600_000).then_some((k, out, back))
            })
            .collect();
        class.shuffle(&mut rng);
        let clash = (i, lesson) == plan.clash;
        let want = if clash {
            plan.seats.saturating_sub(2).max(plan.seats / 2 + 1)
        } else {
            plan.seats.saturating_sub(1 + rng.random_range(0..4)).max(1)
        };
        class.truncate(want);
        users.extend(class);
    }

    // Seats are taken and given back in time order; a refused pupil tries twice more.
    let mut queue: BinaryHeap<Reverse<(i64, Step)>> = users
        .iter()
        .enumerate()
        .map(|(k, &(_, out, _))| Reverse((out, Step::Out(k, 0))))
        .collect();
    let mut in_use = 0usize;
    while let Some(Reverse((ts, step))) = queue.pop() {
        let (k, attempt) = match step {
            Step::In(k) => {
                in_use -= 1;
                let who = who(world, users[k].0);
                recs.push(ts, 0, format!("{} ({DAEMON}) IN: \"{CAD_FEATURE}\" {who}", clock(ts)));
                continue;
            }
            Step::Out(k, attempt) => (k, attempt),
        };
        let who = who(world, users[k].0);
        if in_use < plan.seats {
            in_use += 1;
            recs.push(ts, 0, format!("{} ({DAEMON}) OUT: \"{CAD_FEATURE}\" {who}", clock(ts)));
            queue.push(Reverse((users[k].2, Step::In(k))));
        } else {
            recs.push(
                ts,
                plan.incident,
                format!(
                    "{} ({DAEMON}) DENIED: \"{CAD_FEATURE}\" {who}  (Licensed number of users already reached. \
                     (-4,342))",
                    clock(ts)
                ),
            );
            let retry = ts + rng.random_range(60_000..200_000);
            if attempt < 2 && retry < users[k].2 {
                queue.push(Reverse((retry, Step::Out(k, attempt + 1))));
            }
        }
    }
    recs.into_chunk("\n")
}

/// `user@HOST` of a person at their device.
fn who(world: &World, person: usize) -> String {
    let p = &world.school.people[person];
    format!("{}@{}", p.username, world.school.devices[p.device].hostname)
}
