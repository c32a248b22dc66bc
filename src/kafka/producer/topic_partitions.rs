//! What a partitioner needs to know about one topic from the producer's metadata
//! (Kafka's `Cluster.partitionsForTopic` and `Cluster.availablePartitionsForTopic`),
//! plus Kafka's `Utils.toPositive`.
//!
//! Both the built-in sticky partitioner and the `RoundRobinPartitioner` pick an
//! index into the *available* partitions (those with a known leader) and fall
//! back to all partitions when none is available, so they share this type.

use std::fmt;

/// Kafka's `Utils.toPositive`: clears the sign bit. It is not `abs()`:
/// `to_positive(-1) == 2147483647` and `to_positive(i32::MIN) == 0`.
pub fn to_positive(number: i32) -> i32 {
    number & 0x7fff_ffff
}

/// Invalid input to a partitioner, named after the Java exception Kafka throws.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum PartitionerError {
    /// `java.lang.IllegalArgumentException` in Kafka.
    IllegalArgument(String),
}

impl fmt::Display for PartitionerError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionerError::IllegalArgument(message) => {
                write!(formatter, "IllegalArgumentException: {message}")
            }
        }
    }
}

impl std::error::Error for PartitionerError {}

/// The partitions of one topic as the producer's metadata sees them.
///
/// Partition ids are `0..partition_count`, as in Kafka, where the fallback
/// "no partition is available" path uses `random % partition_count` directly
/// as a partition id.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct TopicPartitions {
    partition_count: i32,
    // Invariant: every id is in 0..partition_count and appears once. The order is
    // the metadata order and matters: partitioners index into this list.
    available_partitions: Vec<i32>,
}

impl TopicPartitions {
    /// A topic with `partition_count` partitions of which `available_partitions`
    /// (in metadata order) currently have a leader.
    pub fn new(
        partition_count: i32,
        available_partitions: Vec<i32>,
    ) -> Result<TopicPartitions, PartitionerError> {
        if partition_count < 1 {
            return Err(PartitionerError::IllegalArgument(format!(
                "a topic has at least one partition but got partition count {partition_count}"
            )));
        }
        for (index, partition) in available_partitions.iter().enumerate() {
            if !(0..partition_count).contains(partition) {
                return Err(PartitionerError::IllegalArgument(format!(
                    "available partition {partition} is not in 0..{partition_count}"
                )));
            }
            if available_partitions[..index].contains(partition) {
                return Err(PartitionerError::IllegalArgument(format!(
                    "available partition {partition} is listed twice"
                )));
            }
        }
        Ok(TopicPartitions {
            partition_count,
            available_partitions,
        })
    }

    /// A topic whose partitions all have a leader, listed in id order.
    pub fn all_available(partition_count: i32) -> Result<TopicPartitions, PartitionerError> {
        TopicPartitions::new(partition_count, (0..partition_count.max(0)).collect())
    }

    /// Number of partitions of the topic, with or without a leader.
    pub fn partition_count(&self) -> i32 {
        self.partition_count
    }

    /// Partitions that have a leader, in metadata order.
    pub fn available_partitions(&self) -> &[i32] {
        &self.available_partitions
    }

    /// Kafka's shared fallback rule: index the available partitions with a
    /// non-negative number, or, when none has a leader, use the number modulo
    /// the partition count as the partition id.
    pub(crate) fn pick_available_or_any(&self, non_negative: i32) -> i32 {
        debug_assert!(non_negative >= 0, "callers pass to_positive(...)");
        if self.available_partitions.is_empty() {
            non_negative % self.partition_count
        } else {
            let count = i32::try_from(self.available_partitions.len())
                .expect("at most partition_count (an i32) partitions are available");
            self.available_partitions[index(non_negative % count)]
        }
    }
}

/// Converts a non-negative i32 index into a slice index.
pub(crate) fn index(non_negative: i32) -> usize {
    usize::try_from(non_negative).expect("index is non-negative by construction")
}
