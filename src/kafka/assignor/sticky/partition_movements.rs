//! `AbstractStickyAssignor.PartitionMovements`: the general algorithm's record of which
//! partitions moved between which members during one rebalance. It lets a later move undo an
//! earlier one ("move the partition that came from there back") instead of shuffling a
//! second partition of the same topic, which is what keeps the result sticky.

use std::collections::BTreeMap;

use crate::kafka::assignor::group::{Group, MemberIndex, PartitionIndex, TopicIndex};
use crate::kafka::assignor::java_order::JavaHashOrder;

/// `ConsumerPair`: a partition moved from `source` to `destination`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct ConsumerPair {
    source: MemberIndex,
    destination: MemberIndex,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct PartitionMovements {
    /// Invariant: `by_topic[t][pair]` holds exactly the partitions of topic `t` whose entry in
    /// `by_partition` is `pair`; empty sets and maps are removed. The sets keep Java
    /// `HashSet` order because Kafka moves back whichever partition its iterator yields first.
    by_topic: BTreeMap<TopicIndex, BTreeMap<ConsumerPair, JavaHashOrder<PartitionIndex>>>,
    by_partition: BTreeMap<PartitionIndex, ConsumerPair>,
    /// `TopicPartition.hashCode()` of every partition, for the `HashSet` order.
    partition_hash: Vec<i32>,
}

impl PartitionMovements {
    pub fn new(group: &Group) -> PartitionMovements {
        PartitionMovements {
            by_topic: BTreeMap::new(),
            by_partition: BTreeMap::new(),
            partition_hash: (0..group.partition_count())
                .map(|p| group.partition_hash(p))
                .collect(),
        }
    }

    fn remove_movement_record_of_partition(
        &mut self,
        topic: TopicIndex,
        partition: PartitionIndex,
    ) -> Option<ConsumerPair> {
        let pair = self.by_partition.remove(&partition)?;
        if let Some(for_topic) = self.by_topic.get_mut(&topic) {
            if let Some(partitions) = for_topic.get_mut(&pair) {
                partitions.remove(partition);
                if partitions.is_empty() {
                    for_topic.remove(&pair);
                }
            }
            if for_topic.is_empty() {
                self.by_topic.remove(&topic);
            }
        }
        Some(pair)
    }

    fn add_partition_movement_record(
        &mut self,
        topic: TopicIndex,
        partition: PartitionIndex,
        pair: ConsumerPair,
    ) {
        self.by_partition.insert(partition, pair);
        let partitions = self
            .by_topic
            .entry(topic)
            .or_default()
            .entry(pair)
            .or_default();
        partitions.insert(partition, self.partition_hash[partition as usize]);
    }

    /// Records a move; a partition that returns to where it started this round is no longer
    /// a movement at all.
    pub fn move_partition(
        &mut self,
        topic: TopicIndex,
        partition: PartitionIndex,
        old_consumer: MemberIndex,
        new_consumer: MemberIndex,
    ) {
        let pair = match self.remove_movement_record_of_partition(topic, partition) {
            Some(existing) if existing.source == new_consumer => return,
            Some(existing) => ConsumerPair {
                source: existing.source,
                destination: new_consumer,
            },
            None => ConsumerPair {
                source: old_consumer,
                destination: new_consumer,
            },
        };
        self.add_partition_movement_record(topic, partition, pair);
    }

    /// `getTheActualPartitionToBeMoved`: if some partition of the same topic already moved
    /// from `new_consumer` to (the original owner of) `partition`, move that one back instead.
    pub fn actual_partition_to_be_moved(
        &self,
        topic: TopicIndex,
        partition: PartitionIndex,
        old_consumer: MemberIndex,
        new_consumer: MemberIndex,
    ) -> PartitionIndex {
        let Some(for_topic) = self.by_topic.get(&topic) else {
            return partition;
        };
        let original_owner = self
            .by_partition
            .get(&partition)
            .map_or(old_consumer, |pair| pair.source);
        let reverse_pair = ConsumerPair {
            source: new_consumer,
            destination: original_owner,
        };
        for_topic
            .get(&reverse_pair)
            .and_then(JavaHashOrder::first)
            .unwrap_or(partition)
    }
}
