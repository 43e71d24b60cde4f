//! String dictionaries for low-cardinality columns (users, hosts, client addresses, …).
//!
//! Each parser chunk interns into its own [`Dict`]; chunk dictionaries are merged into one in file
//! order afterwards ([`Dict::merge_from`]) and the chunk's ids remapped, so parallel workers never
//! share a lock.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// An append-only set of byte strings, each with a dense `u32` id in insertion order.
#[derive(Debug, Default, Clone)]
pub struct Dict {
    table: HashTable<u32>,
    hashes: Vec<u64>,
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Dict {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether no string has been interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string with id `id`.
    ///
    /// # Panics
    /// If `id` was not returned by this dictionary.
    pub fn get(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Iterates over the strings in id order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len() as u32).map(|id| self.get(id))
    }

    /// The id of `s`, inserting it if new.
    #[inline]
    pub fn intern(&mut self, s: &[u8]) -> u32 {
        let hash = FxBuildHasher.hash_one(s);
        self.intern_hashed(s, hash)
    }

    fn intern_hashed(&mut self, s: &[u8], hash: u64) -> u32 {
        let Self {
            table,
            hashes,
            bytes,
            ends,
        } = self;
        let slice = |id: u32| {
            let i = id as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] };
            &bytes[start..ends[i]]
        };
        if let Some(&id) = table.find(hash, |&id| slice(id) == s) {
            return id;
        }
        let id = u32::try_from(ends.len()).expect("fewer than 2^32 distinct values in a column");
        table.insert_unique(hash, id, |&id| hashes[id as usize]);
        hashes.push(hash);
        bytes.extend_from_slice(s);
        ends.push(bytes.len());
        id
    }

    /// Interns every string of `other` into `self`, returning for each id of `other` its id here.
    pub fn merge_from(&mut self, other: &Dict) -> Vec<u32> {
        (0..other.len())
            .map(|i| {
                let id = i as u32;
                self.intern_hashed(other.get(id), other.hashes[i])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_stable() {
        let mut d = Dict::new();
        assert_eq!(d.intern(b"alice"), 0);
        assert_eq!(d.intern(b"bob"), 1);
        assert_eq!(d.intern(b"alice"), 0);
        assert_eq!(d.intern(b""), 2);
        assert_eq!(d.get(1), b"bob");
        assert_eq!(d.get(2), b"");
        assert_eq!(d.len(), 3);
    }

    #[test]
    fn merge_remaps_ids() {
        let mut global = Dict::new();
        global.intern(b"x");
        let mut local = Dict::new();
        local.intern(b"y");
        local.intern(b"x");
        let remap = global.merge_from(&local);
        assert_eq!(remap, vec![1, 0]);
        assert_eq!(global.iter().collect::<Vec<_>>(), vec![&b"x"[..], &b"y"[..]]);
    }
}
