//! Kafka's `RoundRobinPartitioner` (`clients/.../producer/RoundRobinPartitioner.java`)
//! as fixed in Kafka 4.0 by KAFKA-17632.
//!
//! It ignores keys: each topic has a counter starting at 0 and record `n` goes
//! to `availablePartitions[toPositive(n) % availableCount]`, or to
//! `toPositive(n) % partitionCount` when no partition has a leader.
//!
//! Because it is a custom `partitioner.class`, `KafkaProducer.doSend` calls
//! `partition()` a second time whenever the record needs a new batch: the first
//! `RecordAccumulator.append` aborts with `abortForNewBatch`, the producer calls
//! `onNewBatch(topic, cluster, prevPartition)` and then `partition()` again.
//! Before 4.0 that advanced the counter twice for such records, so with an even
//! partition count and `linger.ms=0` whole partitions were skipped
//! (KAFKA-9965 / KAFKA-17632). The fix remembers the partition passed to
//! `onNewBatch` and returns it from the very next `partition()` call for the
//! same topic without touching the counter, so the counter advances exactly once
//! per record.

use std::collections::BTreeMap;

pub use super::topic_partitions::to_positive;
use super::topic_partitions::TopicPartitions;

/// State of one `RoundRobinPartitioner` instance (one per producer).
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct RoundRobinPartitioner {
    /// Kafka's `topicCounterMap`: the next counter value per topic.
    topic_counters: BTreeMap<String, i32>,
    /// The partition remembered by `on_new_batch` for the retried `partition`
    /// call (Kafka keeps it in a `ThreadLocal`; the simulator has one thread).
    previous_partition: Option<(String, i32)>,
}

impl RoundRobinPartitioner {
    /// A partitioner with no counters yet; each topic's counter starts at 0.
    pub fn new() -> RoundRobinPartitioner {
        RoundRobinPartitioner::default()
    }

    /// Kafka's `partition(topic, key, keyBytes, value, valueBytes, cluster)`;
    /// keys and values do not matter.
    pub fn partition(&mut self, topic: &str, partitions: &TopicPartitions) -> i32 {
        // The second call for a record that needed a new batch reuses the
        // partition of the first call (KAFKA-17632). A remembered partition of
        // another topic is dropped, as Kafka does.
        if let Some((previous_topic, previous_partition)) = self.previous_partition.take() {
            if previous_topic == topic {
                return previous_partition;
            }
        }
        let next_value = self.next_value(topic);
        partitions.pick_available_or_any(to_positive(next_value))
    }

    /// Kafka's `onNewBatch(topic, cluster, prevPartition)`: the accumulator
    /// aborted the append of a record to `previous_partition` because it needs a
    /// new batch; the next `partition` call for `topic` returns the same partition.
    pub fn on_new_batch(&mut self, topic: &str, previous_partition: i32) {
        self.previous_partition = Some((topic.to_owned(), previous_partition));
    }

    /// The counter value the next record of `topic` will use.
    pub fn counter(&self, topic: &str) -> i32 {
        self.topic_counters.get(topic).copied().unwrap_or(0)
    }

    /// Kafka's `AtomicInteger.getAndIncrement`, which wraps from
    /// `Integer.MAX_VALUE` to `Integer.MIN_VALUE`; `to_positive` keeps the
    /// index non-negative afterwards.
    fn next_value(&mut self, topic: &str) -> i32 {
        let counter = self.topic_counters.entry(topic.to_owned()).or_insert(0);
        let value = *counter;
        *counter = counter.wrapping_add(1);
        value
    }
}
