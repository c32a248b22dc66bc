//! `ClusterSpec`: the validated description of a cluster to build (brokers, controllers, topics,
//! clients, network), produced by the lesson layer from a lesson file and consumed by
//! `Cluster::boot`.

use super::config::{BrokerConfig, ConfigValues, ConsumerConfig, ProducerConfig};
use super::types::TopicPartition;
use crate::sim::LinkConfig;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: u32,
    /// Topic-level config overrides (validated against `TOPIC_KEYS`).
    pub config: ConfigValues,
    /// Explicit replicas per partition (broker ids), instead of KRaft's placement.
    pub replica_assignment: Option<Vec<Vec<u32>>>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducerSpec {
    pub config: ProducerConfig,
    pub send_mode: super::producer::SendMode,
    pub partitioner: Option<super::producer::custom_partitioner::CustomPartitioner>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConsumerMode {
    /// `consumer.assign(partitions)`.
    Assign(Vec<TopicPartition>),
    /// `consumer.subscribe(topics)`: group management (needs `group.id`).
    Subscribe(Vec<String>),
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConsumerSpec {
    pub config: ConsumerConfig,
    pub mode: ConsumerMode,
    /// How the application around the consumer behaves.
    pub app: crate::kafka::consumer::AppSpec,
    /// Start later than time zero (`None`: at boot).
    pub start_at_ms: Option<u64>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ClusterSpec {
    pub brokers: u32,
    pub controllers: u32,
    pub broker_config: BrokerConfig,
    pub topics: Vec<TopicSpec>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    /// Every link's default.
    pub network: LinkConfig,
    /// Links between clients and brokers, when they differ (a client in another zone).
    pub client_link: Option<LinkConfig>,
    pub costs: super::cost::CostModel,
}

impl ClusterSpec {
    /// Check what the builder relies on; the lesson layer reports these with field paths.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=12).contains(&self.brokers) {
            return Err(format!(
                "brokers must be between 1 and 12, got {}",
                self.brokers
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            if t.partitions < 1 || t.partitions > 64 {
                return Err(format!(
                    "topics[{i}].partitions must be between 1 and 64, got {}",
                    t.partitions
                ));
            }
            if t.replication_factor < 1 || t.replication_factor > self.brokers {
                return Err(format!(
                    "topics[{i}].replication_factor: The target replication factor of {} cannot be reached because only {} broker(s) are registered.",
                    t.replication_factor, self.brokers
                ));
            }
            if let Some(assignment) = &t.replica_assignment {
                if assignment.len() != t.partitions as usize {
                    return Err(format!(
                        "topics[{i}].replica_assignment: {} partitions listed, the topic has {}",
                        assignment.len(),
                        t.partitions
                    ));
                }
                for (p, replicas) in assignment.iter().enumerate() {
                    let mut seen = replicas.clone();
                    seen.sort_unstable();
                    seen.dedup();
                    if replicas.len() != t.replication_factor as usize
                        || seen.len() != replicas.len()
                    {
                        return Err(format!(
                            "topics[{i}].replica_assignment[{p}]: needs {} distinct brokers",
                            t.replication_factor
                        ));
                    }
                    if let Some(b) = replicas.iter().find(|b| !(1..=self.brokers).contains(*b)) {
                        return Err(format!(
                            "topics[{i}].replica_assignment[{p}]: there is no broker {b}"
                        ));
                    }
                }
            }
            if self.topics[..i].iter().any(|o| o.name == t.name) {
                return Err(format!(
                    "topics[{i}].name: topic \"{}\" is defined twice",
                    t.name
                ));
            }
        }
        for (i, c) in self.consumers.iter().enumerate() {
            match &c.mode {
                ConsumerMode::Assign(partitions) => {
                    for tp in partitions {
                        let known = self
                            .topics
                            .iter()
                            .any(|t| t.name == tp.topic && tp.partition < t.partitions);
                        if !known {
                            return Err(format!(
                                "consumers[{i}].assign: {tp} is not a partition of any topic"
                            ));
                        }
                    }
                }
                ConsumerMode::Subscribe(topics) => {
                    if c.config.group_id.is_none() {
                        return Err(format!(
                            "consumers[{i}].subscribe: subscribe needs a group.id (InvalidGroupIdException); set config.\"group.id\" or use assign"
                        ));
                    }
                    if topics.is_empty() {
                        return Err(format!("consumers[{i}].subscribe: name at least one topic"));
                    }
                    if let Some(t) = topics
                        .iter()
                        .find(|t| !self.topics.iter().any(|o| &o.name == *t))
                    {
                        return Err(format!(
                            "consumers[{i}].subscribe: there is no topic \"{t}\""
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
