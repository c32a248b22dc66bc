//! The lesson file as written on disk (JSON, `version` 1). Unknown fields are errors, so a typo
//! is reported instead of silently ignored. Configs use Kafka's own names and are validated
//! later against Kafka's config tables; actions are parsed in a second pass so each can carry its
//! `at_ms` next to the command fields.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    pub version: u32,
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Paragraphs shown in the lesson panel, in order.
    #[serde(default)]
    pub story: Vec<String>,
    /// The course section the lesson belongs to (`Basics`, `Producers`, ...); absent: a
    /// sandbox.
    #[serde(default)]
    pub section: Option<String>,
    /// What the lesson says as it runs (see `lesson::beats`).
    #[serde(default)]
    pub beats: Vec<super::beats::Beat>,
    #[serde(default)]
    pub seed: u64,
    /// How long `kafka-classroom run` runs by default.
    #[serde(default)]
    pub run_until_ms: Option<u64>,
    pub cluster: ClusterFile,
    #[serde(default)]
    pub network: NetworkFile,
    #[serde(default)]
    pub topics: Vec<TopicFile>,
    #[serde(default)]
    pub producers: Vec<ProducerFile>,
    #[serde(default)]
    pub consumers: Vec<ConsumerFile>,
    /// `{"at_ms": 100, "action": "produce", ...}`
    #[serde(default)]
    pub actions: Vec<Value>,
    /// Outcomes `kafka-classroom run` checks at the end.
    #[serde(default)]
    pub expect: Vec<Value>,
    /// The cost model's knobs (see `kafka::cost`); defaults otherwise.
    #[serde(default)]
    pub costs: Option<crate::kafka::cost::CostModel>,
    /// A tuning lab: the same workload under several producer configurations.
    #[serde(default)]
    pub lab: Option<super::lab::LabFile>,
    /// A challenge: a goal, a budget of actions and what decides it.
    #[serde(default)]
    pub challenge: Option<super::challenge::Challenge>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    pub brokers: u32,
    #[serde(default = "one")]
    pub controllers: u32,
    /// Broker configs, e.g. `"min.insync.replicas": 2`.
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Default one-way latency range of every link.
    #[serde(default)]
    pub latency_ms: Option<(u64, u64)>,
    /// Default bandwidth of every link.
    #[serde(default)]
    pub bandwidth_bytes_per_sec: Option<u64>,
    /// Latency range of links between clients and brokers, if it differs.
    #[serde(default)]
    pub client_latency_ms: Option<(u64, u64)>,
    /// Bandwidth of links between clients and brokers, if it differs.
    #[serde(default)]
    pub client_bandwidth_bytes_per_sec: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicFile {
    pub name: String,
    pub partitions: i32,
    #[serde(default = "one")]
    pub replication_factor: u32,
    /// `kafka-topics.sh --replica-assignment`: broker numbers per partition, preferred leader
    /// first. Without it, KRaft's placement decides.
    #[serde(default)]
    pub replica_assignment: Option<Vec<Vec<u32>>>,
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerFile {
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
    /// How the application calls `send()`: async (default), sync or fire_and_forget.
    #[serde(default)]
    pub send_mode: crate::kafka::producer::SendMode,
    /// A custom partitioner given as rules (Kafka's `partitioner.class`).
    #[serde(default)]
    pub partitioner: Option<crate::kafka::producer::custom_partitioner::CustomPartitioner>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerFile {
    /// `consumer.assign(...)`: topic-partitions such as `"orders-0"`.
    #[serde(default)]
    pub assign: Vec<String>,
    /// `consumer.subscribe(...)`: topics; needs `group.id` in `config`.
    #[serde(default)]
    pub subscribe: Vec<String>,
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
    /// The application around the consumer: processing time, commit timing, worker thread.
    #[serde(default)]
    pub app: crate::kafka::consumer::AppSpec,
    /// Start the consumer at this time instead of at boot.
    #[serde(default)]
    pub start_at_ms: Option<u64>,
}
