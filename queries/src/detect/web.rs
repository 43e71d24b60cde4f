//! The first pass over a web frame shared by the web rule families: each row's vigil category
//! (the filter's own category through the alias table, else the lists by host and path), its
//! action, and the host's name, all from dictionary ids.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use polars::prelude::*;
use vigil_parsers::web::Action;

use super::events::Dict;
use crate::categories::CATEGORIES;
use crate::context::Context;

/// No category known.
pub const NONE: u8 = u8::MAX;

/// A web frame's rows as the detectors first see them.
pub struct WebScan {
    /// Host names.
    pub host: Dict,
    /// Each row's category (index into [`CATEGORIES`], or [`NONE`]).
    pub category: Vec<u8>,
    /// Each row's action id (`Action as u32`).
    pub action: Vec<u32>,
    /// Vendor category names that map onto none of vigil's, with their row counts.
    pub unmapped: BTreeMap<String, u64>,
    /// Who each row concerns (the frame must be attributed).
    pub who: super::events::Who,
    /// Each row's time, UTC ms.
    pub ts: Vec<i64>,
}

/// The index of a vigil category by name.
pub fn category_index(name: &str) -> u8 {
    CATEGORIES
        .iter()
        .position(|c| c.name == name)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(NONE)
}

/// The name of a category index.
pub fn category_name(i: u8) -> &'static str {
    CATEGORIES.get(usize::from(i)).map_or("uncategorised", |c| c.name)
}

/// Whether an action id is a policy block.
pub fn is_blocked(action: u32) -> bool {
    action == Action::Blocked as u32
}

/// Whether an action id is a proxy's authentication challenge (not an attempt of its own: the
/// browser repeats the request with credentials).
pub fn is_auth_challenge(action: u32) -> bool {
    action == Action::AuthRequired as u32
}

impl WebScan {
    /// Scans `df` (a web frame).
    pub fn new(cx: &Context, df: &DataFrame) -> PolarsResult<WebScan> {
        let host = Dict::read(df, "host")?;
        let vendor = Dict::read(df, "category")?;
        let action: Vec<u32> = match df.column("action") {
            Ok(c) => c
                .to_physical_repr()
                .cast(&DataType::UInt32)?
                .u32()?
                .iter()
                .map(|v| v.unwrap_or(Action::Allowed as u32))
                .collect(),
            Err(_) => vec![Action::Allowed as u32; df.height()],
        };
        // Per dictionary id (ids are dense): the vendor category's and the host's category.
        let slots = |d: &super::events::Dict| d.distinct().map(|(id, _)| id as usize + 1).max().unwrap_or(0);
        let mut by_vendor = vec![NONE; slots(&vendor)];
        for (id, name) in vendor.distinct() {
            by_vendor[id as usize] = cx.categories.alias(name).map_or(NONE, category_index);
        }
        let mut by_host = vec![NONE; slots(&host)];
        let mut with_urls = vec![false; slots(&host)];
        for (id, name) in host.distinct() {
            let listed = cx.categories.of_host(name, None).map_or(NONE, category_index);
            let named = if listed == NONE && crate::lists::looks_like_bypass(name) {
                category_index("vpn-proxy")
            } else {
                listed
            };
            by_host[id as usize] = named;
            with_urls[id as usize] = cx.categories.has_urls(name);
        }
        let paths = if !with_urls.contains(&true) {
            None
        } else {
            Some(df.column("path")?.cast(&DataType::String)?)
        };
        let mut unmapped_ids: HashMap<u32, u64> = HashMap::default();
        let mut category = Vec::with_capacity(df.height());
        for (row, (&h, &v)) in host.ids.iter().zip(&vendor.ids).enumerate() {
            let from_vendor = by_vendor.get(v as usize).copied().unwrap_or(NONE);
            if v != u32::MAX && from_vendor == NONE {
                *unmapped_ids.entry(v).or_default() += 1;
            }
            let c = if from_vendor != NONE {
                from_vendor
            } else if with_urls.get(h as usize).copied().unwrap_or(false) {
                let path = paths.as_ref().and_then(|p| p.str().ok().and_then(|s| s.get(row)));
                host.name(h)
                    .and_then(|name| cx.categories.of_host(name, path))
                    .map_or(NONE, category_index)
            } else {
                by_host.get(h as usize).copied().unwrap_or(NONE)
            };
            category.push(c);
        }
        let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
        for (id, n) in unmapped_ids {
            *unmapped.entry(vendor.name(id).unwrap_or("").to_owned()).or_default() += n;
        }
        Ok(WebScan {
            host,
            category,
            action,
            unmapped,
            who: super::events::Who::read(df, "client_ip")?,
            ts: super::events::times(df)?,
        })
    }
}
