//! A custom partitioner given as data in a lesson (`partitioner.class` in Kafka is a Java class;
//! here it is a list of rules): route keys by prefix to fixed partitions, like a geographic
//! partitioner sending `eu-*` to one partition and `us-*` to another, with a fallback for the
//! rest. Step 2 of Kafka's decision order: it runs before murmur2, and a partition outside the
//! topic is an error.

use super::super::murmur2::{murmur2, to_positive};
use crate::kafka::event::{PartitionChoice, SendError};
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixRule {
    pub key_prefix: String,
    pub partition: i32,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// murmur2 of the key, like the default partitioner (null keys: partition 0).
    Murmur2,
    /// Always this partition.
    Partition(i32),
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPartitioner {
    /// The class name shown in the UI, e.g. "com.example.GeoPartitioner".
    pub class: String,
    pub rules: Vec<PrefixRule>,
    pub fallback: Fallback,
}

impl CustomPartitioner {
    /// The partition for a record, with how it was chosen; an error for an invalid partition.
    pub fn partition(
        &self,
        key: Option<&str>,
        partition_count: i32,
    ) -> Result<(i32, PartitionChoice), SendError> {
        let rule = key.and_then(|k| self.rules.iter().find(|r| k.starts_with(&r.key_prefix)));
        let class = self.class.clone();
        let (partition, how) = match (rule, &self.fallback) {
            (Some(r), _) => (
                r.partition,
                PartitionChoice::CustomRule {
                    class,
                    prefix: r.key_prefix.clone(),
                },
            ),
            (None, Fallback::Partition(p)) => (
                *p,
                PartitionChoice::CustomFallback {
                    class,
                    murmur2: false,
                },
            ),
            (None, Fallback::Murmur2) => {
                let p = key.map_or(0, |k| to_positive(murmur2(k.as_bytes())) % partition_count);
                (
                    p,
                    PartitionChoice::CustomFallback {
                        class,
                        murmur2: true,
                    },
                )
            }
        };
        if partition < 0 || partition >= partition_count {
            return Err(SendError::CustomPartitionOutOfRange {
                class: self.class.clone(),
                partition,
                partition_count,
            });
        }
        Ok((partition, how))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo() -> CustomPartitioner {
        CustomPartitioner {
            class: "GeoPartitioner".into(),
            rules: vec![
                PrefixRule {
                    key_prefix: "eu-".into(),
                    partition: 0,
                },
                PrefixRule {
                    key_prefix: "us-".into(),
                    partition: 1,
                },
            ],
            fallback: Fallback::Partition(2),
        }
    }

    #[test]
    fn prefixes_route_and_the_rest_falls_back() {
        assert_eq!(geo().partition(Some("eu-paris"), 3).unwrap().0, 0);
        assert_eq!(geo().partition(Some("us-ohio"), 3).unwrap().0, 1);
        assert_eq!(geo().partition(Some("ap-tokyo"), 3).unwrap().0, 2);
        assert_eq!(geo().partition(None, 3).unwrap().0, 2);
    }

    #[test]
    fn a_partition_outside_the_topic_is_an_error() {
        assert!(geo().partition(Some("ap-tokyo"), 2).is_err());
    }
}
