//! Choosing a record's partition in Kafka's order (`KafkaProducer.partition`, reference 1.2):
//! an explicit partition; else a custom partitioner; else murmur2 of the serialized key; else
//! (null key, or keys ignored) the built-in partitioner decides at append time.

use crate::kafka::event::{PartitionChoice, SendError};
use crate::kafka::murmur2::{murmur2, to_positive};

/// How a partition was chosen, as data the narration words ("murmur2(key) % 3 = 1").
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Choice {
    Chosen {
        partition: i32,
        how: PartitionChoice,
    },
    /// Null key: the built-in sticky partitioner picks at append time.
    Sticky,
    Error(SendError),
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
            return Choice::Error(SendError::InvalidPartition {
                partition: p,
                partition_count,
            });
        }
        return Choice::Chosen {
            partition: p,
            how: PartitionChoice::Explicit,
        };
    }
    match key {
        Some(bytes) if !ignore_keys => {
            let hash = murmur2(bytes);
            let partition = to_positive(hash) % partition_count;
            Choice::Chosen {
                partition,
                how: PartitionChoice::KeyHash {
                    hash,
                    partition_count,
                },
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
}
