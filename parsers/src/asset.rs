//! The `inventory` and `licences` kinds: software installed on devices, and the licences the
//! school bought, from CSV exports.

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
