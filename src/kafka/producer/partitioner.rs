//! Choosing a record's partition in Kafka's order (`KafkaProducer.partition`, reference 1.2):
//! an explicit partition; else a custom partitioner; else murmur2 of the serialized key; else
//! (null key, or keys ignored) the built-in partitioner decides at append time.

use crate::kafka::murmur2::{murmur2, to_positive};
use std::collections::BTreeMap;

/// How a partition was chosen, for narration ("murmur2(key) % 3 = 1").
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Choice {
    Chosen {
        partition: i32,
        how: String,
    },
    /// Null key: the built-in sticky partitioner picks at append time.
    Sticky,
    Error(String),
}

/// Per-topic counters for `RoundRobinPartitioner` (Kafka 4.0: one step per record).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct RoundRobin {
    counters: BTreeMap<String, u32>,
}

impl RoundRobin {
    /// `availablePartitions[toPositive(counter++) % availableCount]`, falling back to all
    /// partitions when none has a leader.
    pub fn next(&mut self, topic: &str, available: &[i32], partition_count: i32) -> i32 {
        let counter = self.counters.entry(topic.to_string()).or_insert(0);
        let value = to_positive(*counter as i32);
        *counter = counter.wrapping_add(1);
        if available.is_empty() {
            value % partition_count
        } else {
            available[(value % available.len() as i32) as usize]
        }
    }
}

/// The first steps of `KafkaProducer.partition`: explicit partition or murmur2 of the key.
pub fn choose(
    explicit: Option<i32>,
    key: Option<&[u8]>,
    partition_count: i32,
    ignore_keys: bool,
) -> Choice {
    if let Some(p) = explicit {
        if p < 0 || p >= partition_count {
            return Choice::Error(format!(
                "Invalid partition given with record: {p} is not in the range [0...{partition_count})."
            ));
        }
        return Choice::Chosen {
            partition: p,
            how: "explicit partition".into(),
        };
    }
    match key {
        Some(bytes) if !ignore_keys => {
            let hash = murmur2(bytes);
            let partition = to_positive(hash) % partition_count;
            Choice::Chosen {
                partition,
                how: format!("murmur2(key)={hash} → toPositive % {partition_count} = {partition}"),
            }
        }
        _ => Choice::Sticky,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_records_follow_murmur2() {
        match choose(None, Some(b"foobar"), 4, false) {
            Choice::Chosen { partition, .. } => assert_eq!(partition, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn explicit_partition_out_of_range_is_an_error() {
        assert!(matches!(choose(Some(3), None, 3, false), Choice::Error(_)));
    }

    #[test]
    fn ignore_keys_sends_keyed_records_to_the_sticky_partitioner() {
        assert_eq!(choose(None, Some(b"k"), 3, true), Choice::Sticky);
    }

    #[test]
    fn round_robin_is_even_and_per_topic() {
        let mut rr = RoundRobin::default();
        let mut counts = [0; 3];
        for i in 0..30 {
            counts[rr.next("a", &[0, 1, 2], 3) as usize] += 1;
            if i % 2 == 0 {
                rr.next("b", &[0, 1, 2], 3);
            }
        }
        assert_eq!(counts, [10, 10, 10]);
    }

    #[test]
    fn round_robin_skips_leaderless_partitions() {
        let mut rr = RoundRobin::default();
        let mut counts = [0; 3];
        for _ in 0..100 {
            counts[rr.next("t", &[0, 2], 3) as usize] += 1;
        }
        assert_eq!(counts, [50, 0, 50]);
    }
}
