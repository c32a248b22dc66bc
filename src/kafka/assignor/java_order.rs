//! The orders in which Kafka's Java code visits things, reproduced so results match it
//! exactly. Two sources matter: `String.compareTo` (UTF-16 code units) for sorted
//! collections, and `java.util.HashMap`/`HashSet` iteration, which looks random but is a
//! deterministic function of each key's `hashCode()`, the table capacity and insertion order.
//! The sticky assignors let that iteration order decide outcomes (which members keep a
//! max-quota share, which moved partition goes back first), so it is emulated here.
//!
//! Emulation limit: Java turns a bucket of 9+ colliding keys into a red-black tree once the
//! table has 64+ slots; the order inside such a tree bin is not modelled (keys keep insertion
//! order). That needs 9 keys sharing one slot in a 64-slot table, which ordinary member ids
//! and partition numbers never produce.

use std::cmp::Ordering;

/// `HashMap.DEFAULT_INITIAL_CAPACITY`.
const DEFAULT_INITIAL_CAPACITY: u32 = 16;
/// `HashMap.TREEIFY_THRESHOLD`: a bucket reaching more than this many keys wants a tree.
const TREEIFY_THRESHOLD: usize = 8;
/// `HashMap.MIN_TREEIFY_CAPACITY`: below this the table doubles instead of making a tree.
const MIN_TREEIFY_CAPACITY: u32 = 64;

/// Java's `String.compareTo`: compares UTF-16 code units, which differs from Rust's byte
/// order only for text mixing characters above U+FFFF with characters in U+E000..U+FFFF.
pub(crate) fn java_string_cmp(left: &str, right: &str) -> Ordering {
    left.encode_utf16().cmp(right.encode_utf16())
}

/// Java's `String.hashCode()`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units.
pub(crate) fn java_string_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |hash, unit| {
        hash.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Kafka's `TopicPartition.hashCode()`.
pub(crate) fn topic_partition_hash(topic_hash: i32, partition: i32) -> i32 {
    31i32
        .wrapping_mul(31i32.wrapping_add(partition))
        .wrapping_add(topic_hash)
}

/// The iteration order of a `new HashMap<>()` (or `new HashSet<>()`) holding these keys.
/// Only what decides iteration order is kept: the table capacity and, per key, its hash and
/// insertion order. Within one bucket Java keeps insertion order (resizes split buckets
/// without reordering), so iteration is by (bucket, insertion order).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct JavaHashOrder<K> {
    /// Table length; zero until the first insertion, as Java allocates lazily.
    capacity: u32,
    /// Keys with their hashes, oldest insertion first.
    entries: Vec<(K, i32)>,
}

impl<K: Copy + PartialEq> JavaHashOrder<K> {
    pub fn new() -> JavaHashOrder<K> {
        JavaHashOrder {
            capacity: 0,
            entries: Vec::new(),
        }
    }

    /// `HashMap.put` of a new key (a key already present keeps its place).
    pub fn insert(&mut self, key: K, hash: i32) {
        if self.entries.iter().any(|&(k, _)| k == key) {
            return;
        }
        if self.capacity == 0 {
            self.capacity = DEFAULT_INITIAL_CAPACITY;
        }
        self.entries.push((key, hash));
        let bucket = self.bucket(hash);
        let bucket_size = self
            .entries
            .iter()
            .filter(|&&(_, h)| self.bucket(h) == bucket)
            .count();
        if bucket_size > TREEIFY_THRESHOLD && self.capacity < MIN_TREEIFY_CAPACITY {
            self.capacity *= 2; // `treeifyBin` resizes small tables instead
        }
        if self.entries.len() > (self.capacity / 4 * 3) as usize {
            self.capacity *= 2; // load factor 0.75; the table never shrinks
        }
    }

    pub fn remove(&mut self, key: K) {
        self.entries.retain(|&(k, _)| k != key);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key `iterator().next()` returns.
    pub fn first(&self) -> Option<K> {
        let position =
            (0..self.entries.len()).min_by_key(|&i| (self.bucket(self.entries[i].1), i))?;
        Some(self.entries[position].0)
    }

    /// Every key in iteration order.
    pub fn iteration_order(&self) -> Vec<K> {
        let mut positions: Vec<usize> = (0..self.entries.len()).collect();
        crate::sim::sort::sort_by_key(&mut positions, |&i| (self.bucket(self.entries[i].1), i));
        positions.into_iter().map(|i| self.entries[i].0).collect()
    }

    /// `HashMap.hash()` spreads the high bits down, then the table index masks it.
    fn bucket(&self, hash: i32) -> u32 {
        // Reinterpret the bits, as Java's unsigned shift `>>>` does.
        let hash = hash as u32;
        (hash ^ (hash >> 16)) & (self.capacity - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hash_matches_java() {
        // Values printed by Java's "...".hashCode().
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("consumer1"), -421_004_549);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
    }

    #[test]
    fn consumers_one_to_three_iterate_backwards_like_java() {
        let mut order = JavaHashOrder::new();
        for (i, id) in ["consumer1", "consumer2", "consumer3"].iter().enumerate() {
            order.insert(i, java_string_hash(id));
        }
        assert_eq!(order.iteration_order(), vec![2, 1, 0]);
    }

    #[test]
    fn table_doubles_past_three_quarters_full() {
        let mut order = JavaHashOrder::new();
        for key in 0..13 {
            order.insert(key, key);
        }
        assert_eq!(order.capacity, 32);
        // Hash 16 would share bucket 0 with hash 0 in a 16-slot table; in 32 slots it comes last.
        order.insert(13, 16);
        assert_eq!(order.iteration_order(), (0..14).collect::<Vec<_>>());
    }
}
