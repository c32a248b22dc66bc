//! Commands: what a user (a click, a console line, a lesson action) asks the simulation to do,
//! in the imperative. Commands are data, recorded with the step they ran after, so a run can be
//! replayed and shared. In lesson files they appear as `{"action": "crash", "node": "b2"}`.

use serde::{Deserialize, Serialize};

use super::producer::RecordHeader;
use super::types::NodeId;

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// The application calls `producer.send(new ProducerRecord(topic, [partition,] key, value))`.
    Produce {
        producer: NodeId,
        topic: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// `None` sends a tombstone (a null value).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partition: Option<i32>,
        /// `CreateTime` in ms; absent: the producer stamps the simulated time of `send()`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timestamp: Option<i64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        headers: Vec<RecordHeader>,
    },
    /// The application sends `count` records with values `<prefix>0..`, keys cycling through `keys`
    /// (empty: null keys).
    ProduceMany {
        producer: NodeId,
        topic: String,
        count: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keys: Vec<String>,
        #[serde(default = "default_value_prefix")]
        value_prefix: String,
    },
    /// Produce continuously at `records_per_second`, keys cycling through `keys`. With a
    /// `total`, stop after that many; `records_per_second: 0` with a total sends as fast as the
    /// application can (a load test). `value_bytes` sends synthetic values of that size.
    SetProduceRate {
        producer: NodeId,
        topic: String,
        records_per_second: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keys: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value_bytes: Option<u32>,
    },
    /// `producer.flush()`: every batch becomes ready now.
    Flush {
        producer: NodeId,
    },
    /// How the application calls `send()`: with a callback (`async`), waiting on each result
    /// (`sync`, `send(record).get()`), or never looking at the result (`fire_and_forget`).
    SetSendMode {
        producer: NodeId,
        mode: super::producer::SendMode,
    },
    /// Change one client config (producer or consumer) by its Kafka name.
    SetConfig {
        node: NodeId,
        key: String,
        value: String,
    },

    /// The process dies (kill -9); the machine and its page cache survive.
    Crash {
        node: NodeId,
    },
    /// The machine loses power: data the OS had not flushed is lost.
    PowerFail {
        node: NodeId,
    },
    /// Start a stopped process again.
    Restart {
        node: NodeId,
    },
    /// A controlled shutdown: leadership moves away first, then the process stops.
    Shutdown {
        node: NodeId,
    },
    /// Freeze the process for `ms` (a long GC pause); it wakes up with a stale view.
    Pause {
        node: NodeId,
        ms: u64,
    },

    /// Cut every link to and from `node`.
    Isolate {
        node: NodeId,
    },
    /// Split the network into groups that cannot reach each other.
    PartitionNetwork {
        groups: Vec<Vec<NodeId>>,
    },
    /// Cut links from every node of `from` to every node of `to`, one way.
    PartitionOneWay {
        from: Vec<NodeId>,
        to: Vec<NodeId>,
    },
    /// Remove every network cut.
    Heal,
    /// Set the link between `a` and `b` (both directions): latency range, loss and duplication.
    SetLink {
        a: NodeId,
        b: NodeId,
        latency_ms: (u64, u64),
        #[serde(default)]
        loss_percent: u32,
        #[serde(default)]
        duplicate_percent: u32,
    },
    /// Slow the replication traffic from `leader` to `follower` to `bytes_per_second`.
    ThrottleLink {
        from: NodeId,
        to: NodeId,
        bytes_per_second: u64,
    },
    /// Hold every message on `from -> to` until `ReleaseLink`.
    HoldLink {
        from: NodeId,
        to: NodeId,
    },
    ReleaseLink {
        from: NodeId,
        to: NodeId,
    },

    /// `kafka-leader-election.sh --election-type preferred --all-topic-partitions`.
    ElectPreferredLeaders,
    /// `kafka-topics.sh --create`.
    CreateTopic {
        topic: String,
        partitions: i32,
        replication_factor: u32,
        /// Topic config overrides by Kafka name (`--config retention.ms=60000`).
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        config: std::collections::BTreeMap<String, String>,
    },
    /// `kafka-topics.sh --alter --partitions`: grow a topic to `partitions`.
    AddPartitions {
        topic: String,
        partitions: i32,
    },

    /// Consumer application actions.
    Seek {
        consumer: NodeId,
        partition: String,
        to: SeekTarget,
    },
    CommitSync {
        consumer: NodeId,
    },
    /// Start a consumer's poll loop (or resume it).
    StartConsumer {
        consumer: NodeId,
    },
    /// `consumer.close()`: leave the group and stop.
    CloseConsumer {
        consumer: NodeId,
    },
    /// Change how long the consumer's application takes per record.
    SetProcessingTime {
        consumer: NodeId,
        ms_per_record: u64,
    },
    /// Start a new consumer: `subscribe` to topics in `group`, or `assign` partitions.
    AddConsumer {
        #[serde(default)]
        group: Option<String>,
        #[serde(default)]
        subscribe: Vec<String>,
        #[serde(default)]
        assign: Vec<String>,
        /// Consumer config overrides by Kafka name, e.g. `"auto.offset.reset": "earliest"`.
        #[serde(default)]
        config: std::collections::BTreeMap<String, String>,
        #[serde(default)]
        app: Option<crate::kafka::consumer::AppSpec>,
    },
    // New variants go last: the derived hash (the run's fingerprint) numbers them in order.
    /// Start a new producer (`new KafkaProducer(config)`), e.g. `kafka-console-producer.sh`'s.
    AddProducer {
        /// Producer config overrides by Kafka name, e.g. `"acks": "1"`.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        config: std::collections::BTreeMap<String, String>,
    },
    /// `kafka-configs.sh --alter`: `IncrementalAlterConfigs` on a topic, a broker or the
    /// cluster-wide broker default (`{"broker": ""}`): keys to set, then keys to delete.
    AlterConfigs {
        resource: super::metadata::ConfigResource,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        set: std::collections::BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        delete: Vec<String>,
    },
    /// `kafka-consumer-groups.sh --reset-offsets --execute`: an admin commit of these offsets
    /// (by partition, `"orders-0": 12`) for a group without members.
    CommitGroupOffsets {
        group: String,
        offsets: std::collections::BTreeMap<String, i64>,
    },
    /// `kafka-consumer-groups.sh --delete-offsets`: forget the group's offsets of these partitions.
    DeleteGroupOffsets {
        group: String,
        partitions: Vec<String>,
    },
    /// `kafka-consumer-groups.sh --delete`: delete groups without members, offsets and all.
    DeleteGroups {
        groups: Vec<String>,
    },
    /// `kafka-topics.sh --create --replica-assignment 1:2,2:3`: a topic whose replicas are
    /// placed by hand, one broker list per partition (the first is the preferred leader).
    CreateTopicWithAssignment {
        topic: String,
        assignment: Vec<Vec<u32>>,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        config: std::collections::BTreeMap<String, String>,
    },
    /// `kafka-leader-election.sh --election-type preferred|unclean`: these partitions
    /// (`"orders-0"`), or every partition when absent.
    ElectLeaders {
        #[serde(default)]
        unclean: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partitions: Option<Vec<String>>,
    },
    /// `kafka-topics.sh --delete`: the controller removes these topics from the metadata and
    /// the brokers delete their partitions. Kafka: `ReplicationControlManager.deleteTopics`.
    DeleteTopics {
        topics: Vec<String>,
    },
    /// `kafka-topics.sh --alter --partitions N --replica-assignment ...`: grow a topic to
    /// `partitions`, the new partitions placed by hand (one broker list each, in order).
    AddPartitionsWithAssignment {
        topic: String,
        partitions: i32,
        assignment: Vec<Vec<u32>>,
    },
    /// `producer.initTransactions()` (the producer needs a `transactional.id`).
    InitTransactions {
        producer: NodeId,
    },
    /// `producer.beginTransaction()`.
    BeginTransaction {
        producer: NodeId,
    },
    /// `producer.commitTransaction()`.
    CommitTransaction {
        producer: NodeId,
    },
    /// `producer.abortTransaction()`.
    AbortTransaction {
        producer: NodeId,
    },
    /// `producer.sendOffsetsToTransaction(offsets, group)`: the group's next offsets (by
    /// partition, `"orders-0": 12`), committed with the transaction.
    SendOffsetsToTransaction {
        producer: NodeId,
        group: String,
        offsets: std::collections::BTreeMap<String, i64>,
    },
    /// Run a consume-transform-produce loop: what `consumer` polls and processes, the
    /// transactional `producer` sends to `output_topic` in a transaction with the consumer's
    /// offsets (exactly-once).
    StartPipeline {
        consumer: NodeId,
        producer: NodeId,
        output_topic: String,
    },
}

impl Command {
    /// Every node the command names (for validation and highlighting).
    pub fn nodes(&self) -> Vec<NodeId> {
        use Command::*;
        match self {
            Produce { producer, .. }
            | ProduceMany { producer, .. }
            | SetProduceRate { producer, .. }
            | Flush { producer }
            | SetSendMode { producer, .. }
            | InitTransactions { producer }
            | BeginTransaction { producer }
            | CommitTransaction { producer }
            | AbortTransaction { producer }
            | SendOffsetsToTransaction { producer, .. } => {
                vec![*producer]
            }
            StartPipeline {
                consumer, producer, ..
            } => vec![*consumer, *producer],
            SetConfig { node, .. }
            | Crash { node }
            | PowerFail { node }
            | Restart { node }
            | Shutdown { node }
            | Pause { node, .. }
            | Isolate { node } => {
                vec![*node]
            }
            PartitionNetwork { groups } => groups.iter().flatten().copied().collect(),
            PartitionOneWay { from, to } => from.iter().chain(to).copied().collect(),
            SetLink { a, b, .. } => vec![*a, *b],
            ThrottleLink { from, to, .. } | HoldLink { from, to } | ReleaseLink { from, to } => {
                vec![*from, *to]
            }
            Seek { consumer, .. }
            | CommitSync { consumer }
            | StartConsumer { consumer }
            | CloseConsumer { consumer }
            | SetProcessingTime { consumer, .. } => {
                vec![*consumer]
            }
            Heal
            | AddProducer { .. }
            | ElectPreferredLeaders
            | CreateTopic { .. }
            | CreateTopicWithAssignment { .. }
            | ElectLeaders { .. }
            | DeleteTopics { .. }
            | AddPartitionsWithAssignment { .. }
            | AddPartitions { .. }
            | AlterConfigs { .. }
            | CommitGroupOffsets { .. }
            | DeleteGroupOffsets { .. }
            | DeleteGroups { .. }
            | AddConsumer { .. } => vec![],
        }
    }

    /// The topic the command names, if any.
    pub fn topic(&self) -> Option<&str> {
        match self {
            Command::Produce { topic, .. }
            | Command::ProduceMany { topic, .. }
            | Command::SetProduceRate { topic, .. }
            | Command::AddPartitions { topic, .. }
            | Command::AddPartitionsWithAssignment { topic, .. } => Some(topic),
            _ => None,
        }
    }
}

fn default_value_prefix() -> String {
    "m".to_string()
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeekTarget {
    Beginning,
    End,
    Offset(i64),
}
