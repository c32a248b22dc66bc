//! Identifiers shared by the whole Kafka model: nodes, brokers, topic-partitions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A broker's `node.id`. Kafka uses `-1` for "no leader"; here that is `Option<BrokerId>::None`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct BrokerId(pub u32);

impl fmt::Display for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}

/// Every addressable process in the simulation. Variant order is display order. Serialized as
/// its short name (`b1`, `ctl1`, `p1`, `c1`), as lessons and shared links write it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum NodeId {
    /// A KRaft controller (`process.roles=controller`).
    Controller(u32),
    Broker(BrokerId),
    Producer(u32),
    Consumer(u32),
}

impl NodeId {
    pub fn broker(id: u32) -> NodeId {
        NodeId::Broker(BrokerId(id))
    }
    pub fn as_broker(self) -> Option<BrokerId> {
        match self {
            NodeId::Broker(b) => Some(b),
            _ => None,
        }
    }
    pub fn is_client(self) -> bool {
        matches!(self, NodeId::Producer(_) | NodeId::Consumer(_))
    }

    /// Parse the short names used in lessons, commands and the UI: `b1`, `ctl1`, `p1`, `c1`.
    pub fn parse(s: &str) -> Result<NodeId, NameError> {
        let s = s.trim();
        let (kind, digits) = if let Some(d) = s.strip_prefix("ctl") {
            ("ctl", d)
        } else if let Some(d) = s.strip_prefix('b') {
            ("b", d)
        } else if let Some(d) = s.strip_prefix('p') {
            ("p", d)
        } else if let Some(d) = s.strip_prefix('c') {
            ("c", d)
        } else {
            return Err(NameError::NodeKind(s.to_string()));
        };
        let n: u32 = digits
            .parse()
            .map_err(|_| NameError::NodeNumber(s.to_string()))?;
        Ok(match kind {
            "ctl" => NodeId::Controller(n),
            "b" => NodeId::Broker(BrokerId(n)),
            "p" => NodeId::Producer(n),
            _ => NodeId::Consumer(n),
        })
    }
}

impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NodeId, D::Error> {
        let s = String::deserialize(d)?;
        NodeId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Controller(n) => write!(f, "ctl{n}"),
            NodeId::Broker(b) => write!(f, "{b}"),
            NodeId::Producer(n) => write!(f, "p{n}"),
            NodeId::Consumer(n) => write!(f, "c{n}"),
        }
    }
}

/// A node or partition name that does not parse; each variant keeps the text as typed.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum NameError {
    /// Not `b1`, `ctl1`, `p1` or `c1` style.
    NodeKind(String),
    /// No number after the kind.
    NodeNumber(String),
    /// No `-` between topic and partition.
    NotATopicPartition(String),
    EmptyTopic(String),
    PartitionNotANumber(String),
    PartitionTooLarge(String),
}

/// A partition of a topic, written `topic-partition` as Kafka's tools do.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> TopicPartition {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }

    /// Parses `"orders-3"`. The split happens at the last `-` because topic names may contain
    /// dashes themselves (`"my-topic-3"` is partition 3 of `my-topic`).
    pub fn parse(text: &str) -> Result<TopicPartition, NameError> {
        let Some((topic, number)) = text.rsplit_once('-') else {
            return Err(NameError::NotATopicPartition(text.to_string()));
        };
        if topic.is_empty() {
            return Err(NameError::EmptyTopic(text.to_string()));
        }
        // i32::from_str would also accept "+3"; Kafka never writes a sign, so insist on digits.
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NameError::PartitionNotANumber(text.to_string()));
        }
        let partition = number
            .parse::<i32>()
            .map_err(|_| NameError::PartitionTooLarge(text.to_string()))?;
        Ok(TopicPartition::new(topic, partition))
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_round_trip() {
        for n in [
            NodeId::Controller(1),
            NodeId::broker(3),
            NodeId::Producer(2),
            NodeId::Consumer(10),
        ] {
            assert_eq!(NodeId::parse(&n.to_string()), Ok(n));
        }
        assert!(NodeId::parse("x1").is_err());
        assert!(NodeId::parse("b").is_err());
    }

    #[test]
    fn topic_partition_splits_at_last_dash() {
        assert_eq!(
            TopicPartition::parse("my-topic-12"),
            Ok(TopicPartition::new("my-topic", 12))
        );
        assert!(TopicPartition::parse("orders").is_err());
        assert!(TopicPartition::parse("orders-x").is_err());
        for bad in ["-3", "t-", "t-+3", "t-99999999999"] {
            assert!(
                TopicPartition::parse(bad).is_err(),
                "{bad} should not parse"
            );
        }
    }
}
