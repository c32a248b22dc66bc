//! Identifiers shared by the whole Kafka model: nodes, brokers, topics, topic-partitions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Mutex, PoisonError};

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

/// A topic's name, interned: every `Topic` of one name points at the same string, so a
/// `Topic` (and a `TopicPartition`) is a small `Copy` value and equality is a pointer
/// comparison. Everything observable is the name's: order (maps keyed by topic iterate in name
/// order), hashing (fingerprints hash the text, as they did for `String`), `Display`, `Debug`
/// and serde. Names are interned once per process and never freed; a run has a handful.
#[derive(Clone, Copy)]
pub struct Topic(&'static str);

impl Topic {
    pub fn new(name: &str) -> Topic {
        // One table for the process: interning is a cache, so which thread made a name first
        // changes nothing a run can see.
        static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
        let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(interned) = names.get(name) {
            return Topic(interned);
        }
        let interned: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.insert(interned);
        Topic(interned)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl PartialEq for Topic {
    fn eq(&self, other: &Topic) -> bool {
        // Interned: one name, one pointer.
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Topic {}

impl Ord for Topic {
    fn cmp(&self, other: &Topic) -> std::cmp::Ordering {
        if self == other {
            std::cmp::Ordering::Equal
        } else {
            self.0.cmp(other.0)
        }
    }
}

impl PartialOrd for Topic {
    fn partial_cmp(&self, other: &Topic) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::hash::Hash for Topic {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl std::ops::Deref for Topic {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Topic {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Order, equality and hashing agree with `str`'s, so maps keyed by `Topic` are searched by `&str`.
impl std::borrow::Borrow<str> for Topic {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq<str> for Topic {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Topic {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Topic {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_str()
    }
}

impl PartialEq<Topic> for str {
    fn eq(&self, other: &Topic) -> bool {
        self == other.0
    }
}

impl PartialEq<Topic> for String {
    fn eq(&self, other: &Topic) -> bool {
        self.as_str() == other.0
    }
}

impl From<&str> for Topic {
    fn from(name: &str) -> Topic {
        Topic::new(name)
    }
}

impl From<String> for Topic {
    fn from(name: String) -> Topic {
        Topic::new(&name)
    }
}

impl From<&String> for Topic {
    fn from(name: &String) -> Topic {
        Topic::new(name)
    }
}

impl From<&Topic> for Topic {
    fn from(topic: &Topic) -> Topic {
        *topic
    }
}

impl From<Topic> for String {
    fn from(topic: Topic) -> String {
        topic.0.to_string()
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl Serialize for Topic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Topic, D::Error> {
        let name = String::deserialize(d)?;
        Ok(Topic::new(&name))
    }
}

/// A partition of a topic, written `topic-partition` as Kafka's tools do.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: Topic,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<Topic>, partition: i32) -> TopicPartition {
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
    fn topics_compare_and_hash_as_their_names() {
        use crate::sim::StableHasher;
        let (a, b) = (Topic::new("orders"), Topic::new("orders"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "one name, one string");
        assert!(Topic::new("a-b") < Topic::new("a-c"));
        assert!(Topic::new("z") > Topic::new("orders"));
        assert_eq!(
            StableHasher::hash_of(&TopicPartition::new("orders", 3)),
            StableHasher::hash_of(&("orders".to_string(), 3i32)),
            "fingerprints stay those of the text"
        );
        assert_eq!(format!("{a:?}"), format!("{:?}", "orders"));
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
