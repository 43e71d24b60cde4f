//! The `inventory` and `licences` kinds: software installed on devices, and the licences the
//! school bought, from CSV exports; and the `licence-use` kind of licence servers.

use crate::formats::Kind;
use crate::rows::{ColumnType, NULL_TS, RowBatch, Schema, col};

/// One installation of a product on a device (a row of an inventory export).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InventoryRecord<'a> {
    /// The device.
    pub device: &'a [u8],
    /// The product as the inventory names it.
    pub product: &'a [u8],
    /// Its version.
    pub version: Option<&'a [u8]>,
    /// Its publisher.
    pub publisher: Option<&'a [u8]>,
    /// The device's primary user, where known.
    pub user: Option<&'a [u8]>,
    /// The operating system or platform, where known.
    pub platform: Option<&'a [u8]>,
    /// When the inventory last saw it (UTC ms), where known.
    pub last_seen: Option<crate::time::TimestampMs>,
}

/// How a licence is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LicenceMetric {
    /// Per installed device.
    Device,
    /// Per named user.
    User,
    /// Per simultaneous use (a licence server counts check-outs).
    Concurrent,
    /// The whole site, any number of installations.
    Site,
}

impl LicenceMetric {
    /// The name used in the register and in frames.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceMetric::Device => "device",
            LicenceMetric::User => "user",
            LicenceMetric::Concurrent => "concurrent",
            LicenceMetric::Site => "site",
        }
    }

    /// Reads a register's metric word (`device`, `per device`, `seat`, `named user`, `concurrent`,
    /// `floating`, `site`, …).
    pub fn from_word(word: &[u8]) -> Option<LicenceMetric> {
        let w = String::from_utf8_lossy(word).to_ascii_lowercase();
        let w = w.trim();
        if w.contains("concurrent") || w.contains("floating") || w.contains("network") {
            Some(LicenceMetric::Concurrent)
        } else if w.contains("site") || w.contains("unlimited") || w.contains("campus") {
            Some(LicenceMetric::Site)
        } else if w.contains("user") {
            Some(LicenceMetric::User)
        } else if w.contains("device") || w.contains("seat") || w.contains("machine") || w.contains("computer") {
            Some(LicenceMetric::Device)
        } else {
            None
        }
    }
}

/// One line of a licence purchase register.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LicenceRecord<'a> {
    /// The product.
    pub product: &'a [u8],
    /// Its publisher.
    pub publisher: Option<&'a [u8]>,
    /// How seats are counted.
    pub metric: Option<LicenceMetric>,
    /// Seats bought (absent for a site licence).
    pub seats: Option<u64>,
    /// First day of cover.
    pub start: Option<chrono::NaiveDate>,
    /// Last day of cover.
    pub expiry: Option<chrono::NaiveDate>,
    /// What it cost, in pence.
    pub cost_pence: Option<u64>,
    /// Other names the product goes by in inventories and licence servers, `;`-separated.
    pub aliases: Option<&'a [u8]>,
    /// Free-text reference (order number, supplier).
    pub reference: Option<&'a [u8]>,
}

/// The columns of the `inventory` kind (no event time; `last_seen` where the export has it).
pub static INVENTORY: Schema = Schema {
    kind: Kind::Inventory,
    timed: false,
    columns: &[
        col("device", ColumnType::Cat),
        col("product", ColumnType::Cat),
        col("version", ColumnType::Cat),
        col("publisher", ColumnType::Cat),
        col("user", ColumnType::Cat),
        col("platform", ColumnType::Cat),
        col("last_seen", ColumnType::Time),
    ],
};

impl InventoryRecord<'_> {
    /// Appends the record as a row of [`INVENTORY`].
    pub fn push(&self, b: &mut RowBatch, line: u64, offset: u64) {
        b.start(NULL_TS, line, offset);
        b.cat(0, Some(self.device));
        b.cat(1, Some(self.product));
        b.cat(2, self.version);
        b.cat(3, self.publisher);
        b.cat(4, self.user);
        b.cat(5, self.platform);
        b.time(6, self.last_seen);
    }
}

/// The columns of the `licences` kind (a purchase register; no event time).
pub static LICENCES: Schema = Schema {
    kind: Kind::Licences,
    timed: false,
    columns: &[
        col("product", ColumnType::Cat),
        col("publisher", ColumnType::Cat),
        col("metric", ColumnType::Cat),
        col("seats", ColumnType::U64),
        col("start", ColumnType::Time),
        col("expiry", ColumnType::Time),
        col("cost_pence", ColumnType::U64),
        col("aliases", ColumnType::Text),
        col("reference", ColumnType::Text),
    ],
};

/// Midnight UTC at the start of `d`, in milliseconds.
fn day_ms(d: chrono::NaiveDate) -> i64 {
    d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis()
}

impl LicenceRecord<'_> {
    /// Appends the record as a row of [`LICENCES`]; dates become midnight UTC of the day.
    pub fn push(&self, b: &mut RowBatch, line: u64, offset: u64) {
        b.start(NULL_TS, line, offset);
        b.cat(0, Some(self.product));
        b.cat(1, self.publisher);
        b.cat(2, self.metric.map(|m| m.as_str().as_bytes()));
        b.num(3, self.seats);
        b.time(4, self.start.map(day_ms));
        b.time(5, self.expiry.map(day_ms));
        b.num(6, self.cost_pence);
        b.text(7, self.aliases);
        b.text(8, self.reference);
    }
}

/// The columns of the `licence-use` kind (licence server events).
pub static LICENCE_USE: Schema = Schema {
    kind: Kind::LicenceUse,
    timed: true,
    columns: &[
        col("op", ColumnType::Cat),
        col("feature", ColumnType::Cat),
        col("user", ColumnType::Cat),
        col("host", ColumnType::Cat),
        col("daemon", ColumnType::Cat),
        col("reason", ColumnType::Text),
    ],
};
