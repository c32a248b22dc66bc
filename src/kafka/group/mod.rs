//! The group coordinator (broker side, classic protocol). Every broker coordinates the groups
//! whose `__consumer_offsets` partition it leads: partition `abs(javaStringHashCode(group.id)) %
//! offsets.topic.num.partitions`. Group state and committed offsets are written as records to
//! that partition (`records`), so a broker that becomes its leader after a failover rebuilds
//! them by reading the log, as Kafka's coordinator does when it loads a partition.

pub mod classic;
pub mod records;

use crate::kafka::types::TopicPartition;
use classic::ClassicGroup;
use std::collections::BTreeMap;

/// The internal topic that stores offsets and group metadata.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Java's `String.hashCode()` over UTF-16 code units.
pub fn java_string_hash_code(s: &str) -> i32 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(unit as i32);
    }
    h
}

/// The `__consumer_offsets` partition of a group (`GroupCoordinatorService.partitionFor`:
/// `Utils.abs(groupId.hashCode()) % partitions`, where `abs(Integer.MIN_VALUE)` is 0).
pub fn partition_for(group_id: &str, partitions: i32) -> i32 {
    let h = java_string_hash_code(group_id);
    let abs = if h == i32::MIN { 0 } else { h.abs() };
    abs % partitions.max(1)
}

/// The order in which a Java `HashMap<String, _>` with the default capacity iterates keys
/// inserted in the given order: by bucket (`(h ^ h >>> 16) & (capacity - 1)`), then insertion
/// order within a bucket. Returns indexes into the input.
pub fn java_hash_map_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let hashes: Vec<i32> = keys.map(java_string_hash_code).collect();
    let mut capacity: u64 = 16;
    while hashes.len() as u64 > capacity * 3 / 4 {
        capacity *= 2;
    }
    let mut order: Vec<(u64, u32)> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let spread = (*h as u32) ^ ((*h as u32) >> 16);
            (spread as u64 & (capacity - 1), i as u32)
        })
        .collect();
    crate::sim::sort::sort(&mut order);
    order.into_iter().map(|(_, i)| i).collect()
}

/// The groups one broker coordinates, by group id, with the offsets partition each lives in.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct GroupCoordinator {
    pub groups: BTreeMap<String, ClassicGroup>,
    /// Offsets partitions whose groups are loaded here, with the leader epoch they were
    /// loaded in.
    pub loaded: BTreeMap<i32, i32>,
    /// Writes to `__consumer_offsets` waiting for the high watermark.
    pub pending_writes: Vec<PendingWrite>,
    pub next_write_id: u64,
    /// Offsets committed inside open transactions, by producer id: they become the group's
    /// offsets when the commit marker is written, and vanish on abort
    /// (`GroupMetadata.pendingTransactionalOffsetCommits`).
    pub pending_txn_offsets: BTreeMap<i64, Vec<(String, TopicPartition, classic::CommittedOffset)>>,
}

/// What to do once a coordinator record is committed.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum WriteCompletion {
    /// Answer an OffsetCommit and update the cache.
    OffsetCommit {
        to: crate::kafka::NodeId,
        correlation_id: u32,
        group: String,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
    /// Finish the SyncGroup of `generation`.
    Sync { group: String, generation: i32 },
    /// Answer the JoinGroup of a static member's new process (or undo its replacement).
    StaticMember {
        group: String,
        replacement: Box<classic::StaticReplacement>,
    },
    /// An admin client's offsets (`AlterConsumerGroupOffsets`: `Some`, `OffsetDelete`: `None`),
    /// or a whole group deleted (`DeleteGroups`): the cache follows once committed.
    Admin {
        group: String,
        offsets: Vec<(TopicPartition, Option<i64>)>,
        delete_group: bool,
    },
    /// Nothing to answer (a group record written on its own).
    None,
    /// Answer a TxnOffsetCommit; the offsets wait for the transaction's marker.
    TxnOffsetCommit {
        to: crate::kafka::NodeId,
        correlation_id: u32,
        group: String,
        producer_id: i64,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PendingWrite {
    pub id: u64,
    pub partition: TopicPartition,
    /// Committed once the high watermark reaches this offset.
    pub end_offset: i64,
    pub leader_epoch: i32,
    pub completion: WriteCompletion,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_code_matches_java() {
        // "hello" and "polygenelubricants" (Integer.MIN_VALUE) are well-known Java values.
        assert_eq!(java_string_hash_code(""), 0);
        assert_eq!(java_string_hash_code("a"), 97);
        assert_eq!(java_string_hash_code("hello"), 99162322);
        assert_eq!(java_string_hash_code("my-group"), -1_906_497_762);
        assert_eq!(java_string_hash_code("polygenelubricants"), i32::MIN);
    }

    #[test]
    fn partition_for_treats_min_value_as_zero() {
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        assert_eq!(partition_for("a", 50), 97 % 50);
        for g in ["g1", "orders-app", "payments", "x"] {
            let p = partition_for(g, 50);
            assert!((0..50).contains(&p));
        }
    }

    #[test]
    fn hash_map_order_follows_buckets() {
        // "range" and "cooperative-sticky": bucket order decides.
        let keys = ["range", "cooperative-sticky", "roundrobin", "sticky"];
        let order = java_hash_map_order(keys.iter().copied());
        let mut buckets: Vec<(u32, u32)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let h = java_string_hash_code(k) as u32;
                ((h ^ (h >> 16)) & 15, i as u32)
            })
            .collect();
        buckets.sort();
        assert_eq!(
            order,
            buckets.into_iter().map(|(_, i)| i).collect::<Vec<_>>()
        );
    }
}
