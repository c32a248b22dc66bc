//! Cluster metadata as the KRaft controller keeps it: brokers with their epochs and fencing,
//! topics with their configs, and each partition's registration (replicas, ISR, leader, leader
//! epoch, partition epoch). Changes are `MetadataRecord`s applied in log order, so a broker's
//! view is exactly as current as the records it has received.

use super::config::{def, BrokerConfig, ConfigValues, LogConfig, BROKER_KEYS, TOPIC_KEYS};
use super::types::{BrokerId, TopicPartition};
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LeaderRecoveryState {
    Recovered,
    /// Set by an unclean election: the new leader's log may lack acknowledged records.
    Recovering,
}

/// `PartitionRegistration`: the controller's record of one partition.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PartitionRegistration {
    /// Assignment order; the first replica is the preferred leader.
    pub replicas: Vec<BrokerId>,
    /// Invariant: never empty (ELR is off, as in Kafka 4.0).
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub leader_recovery_state: LeaderRecoveryState,
}

impl PartitionRegistration {
    pub fn new(replicas: Vec<BrokerId>) -> PartitionRegistration {
        PartitionRegistration {
            leader: replicas.first().copied(),
            isr: replicas.clone(),
            replicas,
            leader_epoch: 0,
            partition_epoch: 0,
            leader_recovery_state: LeaderRecoveryState::Recovered,
        }
    }
    pub fn preferred_leader(&self) -> Option<BrokerId> {
        self.replicas.first().copied()
    }
    pub fn is_under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TopicImage {
    pub name: String,
    pub config: ConfigValues,
    pub partitions: Vec<PartitionRegistration>,
}

impl TopicImage {
    pub fn log_config(&self, broker: &BrokerConfig) -> LogConfig {
        LogConfig::resolve(&self.config, broker)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct BrokerRegistration {
    pub id: BrokerId,
    pub epoch: i64,
    pub fenced: bool,
    pub in_controlled_shutdown: bool,
}

/// What a dynamic config belongs to (Kafka's `ConfigResource`): a topic, one broker, or the
/// cluster-wide broker default (`Broker("")`, `--entity-default`).
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ConfigResource {
    Topic(String),
    Broker(String),
}

/// The broker configs that can change while the cluster runs (Kafka's
/// `DynamicLogConfig.ReconfigurableConfigs` and `DynamicBrokerConfig`'s cluster-wide log
/// settings): the broker-level defaults of topic configs, which the model applies at once.
pub const DYNAMIC_BROKER_KEYS: &[&str] = &[
    "log.cleaner.delete.retention.ms",
    "log.cleaner.max.compaction.lag.ms",
    "log.cleaner.min.cleanable.ratio",
    "log.cleaner.min.compaction.lag.ms",
    "log.cleanup.policy",
    "log.flush.interval.ms",
    "log.retention.bytes",
    "log.retention.ms",
    "log.roll.ms",
    "log.segment.bytes",
    "message.max.bytes",
    "min.insync.replicas",
    "unclean.leader.election.enable",
];

/// One change to the metadata log.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum MetadataRecord {
    RegisterBroker {
        broker: BrokerId,
        epoch: i64,
    },
    FenceBroker {
        broker: BrokerId,
        epoch: i64,
    },
    UnfenceBroker {
        broker: BrokerId,
        epoch: i64,
    },
    BrokerControlledShutdown {
        broker: BrokerId,
        epoch: i64,
    },
    Topic {
        name: String,
        config: ConfigValues,
        partitions: Vec<PartitionRegistration>,
    },
    /// Partitions added to an existing topic.
    NewPartitions {
        topic: String,
        partitions: Vec<PartitionRegistration>,
    },
    /// The full new registration of one partition (Kafka sends a delta; the effect is the same).
    PartitionChange {
        partition: TopicPartition,
        registration: PartitionRegistration,
    },
    /// Raft's first record of a new leader's term (KRaft's `LeaderChangeMessage`).
    LeaderChange {
        controller: u32,
        epoch: i32,
    },
    /// Kafka's `ConfigRecord`: one dynamic config set (`Some`) or deleted (`None`).
    Config {
        resource: ConfigResource,
        name: String,
        value: Option<String>,
    },
    /// Kafka's `RemoveTopicRecord`: the topic, its partitions and its configs are gone.
    RemoveTopic {
        name: String,
    },
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct MetadataImage {
    /// Offset of the last applied record (-1 before any).
    pub offset: i64,
    pub brokers: BTreeMap<BrokerId, BrokerRegistration>,
    pub topics: BTreeMap<String, TopicImage>,
    /// Dynamic broker configs: `""` holds the cluster-wide defaults, `"1"` broker 1's own.
    pub broker_configs: BTreeMap<String, BTreeMap<String, String>>,
}

impl MetadataImage {
    pub fn empty() -> MetadataImage {
        MetadataImage {
            offset: -1,
            ..Default::default()
        }
    }

    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionRegistration> {
        self.topics
            .get(tp.topic.as_str())?
            .partitions
            .get(usize::try_from(tp.partition).ok()?)
    }

    pub fn partition_count(&self, topic: &str) -> Option<i32> {
        self.topics.get(topic).map(|t| t.partitions.len() as i32)
    }

    /// Every partition with its registration, in topic then partition order.
    pub fn partitions(&self) -> impl Iterator<Item = (TopicPartition, &PartitionRegistration)> {
        self.topics.values().flat_map(|t| {
            t.partitions
                .iter()
                .enumerate()
                .map(move |(i, p)| (TopicPartition::new(t.name.clone(), i as i32), p))
        })
    }

    pub fn is_usable(&self, broker: BrokerId) -> bool {
        self.brokers
            .get(&broker)
            .is_some_and(|b| !b.fenced && !b.in_controlled_shutdown)
    }

    pub fn apply(&mut self, offset: i64, record: &MetadataRecord) {
        self.offset = offset;
        match record {
            MetadataRecord::RegisterBroker { broker, epoch } => {
                let reg = BrokerRegistration {
                    id: *broker,
                    epoch: *epoch,
                    fenced: true,
                    in_controlled_shutdown: false,
                };
                self.brokers.insert(*broker, reg);
            }
            MetadataRecord::FenceBroker { broker, .. } => {
                self.set_broker(*broker, |b| b.fenced = true)
            }
            MetadataRecord::UnfenceBroker { broker, .. } => self.set_broker(*broker, |b| {
                b.fenced = false;
                b.in_controlled_shutdown = false;
            }),
            MetadataRecord::BrokerControlledShutdown { broker, .. } => {
                self.set_broker(*broker, |b| b.in_controlled_shutdown = true)
            }
            MetadataRecord::Topic {
                name,
                config,
                partitions,
            } => {
                let topic = TopicImage {
                    name: name.clone(),
                    config: config.clone(),
                    partitions: partitions.clone(),
                };
                self.topics.insert(name.clone(), topic);
            }
            MetadataRecord::NewPartitions { topic, partitions } => {
                if let Some(t) = self.topics.get_mut(topic) {
                    t.partitions.extend(partitions.iter().cloned());
                }
            }
            MetadataRecord::PartitionChange {
                partition,
                registration,
            } => {
                let slot = self
                    .topics
                    .get_mut(partition.topic.as_str())
                    .and_then(|t| t.partitions.get_mut(partition.partition as usize));
                if let Some(slot) = slot {
                    *slot = registration.clone();
                }
            }
            MetadataRecord::LeaderChange { .. } => {}
            MetadataRecord::Config {
                resource,
                name,
                value,
            } => self.apply_config(resource, name, value.as_deref()),
            // Kafka: `ReplicationControlManager.replay(RemoveTopicRecord)` (the topic's configs
            // go with it: `deleteTopicConfigs`).
            MetadataRecord::RemoveTopic { name } => {
                self.topics.remove(name);
            }
        }
    }

    /// Kafka: `ConfigurationControlManager.replay` (and the brokers' `ConfigurationsImage`).
    fn apply_config(&mut self, resource: &ConfigResource, name: &str, value: Option<&str>) {
        match resource {
            ConfigResource::Topic(topic) => {
                let Some(t) = self.topics.get_mut(topic) else {
                    return;
                };
                // The controller validated the value before writing the record.
                t.config = match value {
                    Some(v) => def::with_value(TOPIC_KEYS, &t.config, name, v)
                        .unwrap_or_else(|_| t.config.clone()),
                    None => def::without_value(TOPIC_KEYS, &t.config, name),
                };
            }
            ConfigResource::Broker(broker) => {
                let entry = self.broker_configs.entry(broker.clone()).or_default();
                match value {
                    Some(v) => entry.insert(name.to_string(), v.to_string()),
                    None => entry.remove(name),
                };
                if entry.is_empty() {
                    self.broker_configs.remove(broker);
                }
            }
        }
    }

    /// The dynamic configs of one resource, by name (empty when none are set).
    pub fn dynamic_configs(&self, resource: &ConfigResource) -> BTreeMap<String, String> {
        match resource {
            ConfigResource::Topic(t) => self
                .topics
                .get(t)
                .map(|t| t.config.explicit_entries())
                .unwrap_or_default(),
            ConfigResource::Broker(b) => self.broker_configs.get(b).cloned().unwrap_or_default(),
        }
    }

    /// A broker's settings as it runs: its static config, overlaid by the cluster-wide dynamic
    /// defaults, then by its own dynamic configs (`None`: a controller, which reads only the
    /// cluster-wide ones). Kafka: `DynamicBrokerConfig.updateCurrentConfig`.
    pub fn effective_broker_config(
        &self,
        base: &BrokerConfig,
        broker: Option<BrokerId>,
    ) -> BrokerConfig {
        let mut values = base.values.clone();
        let own = broker.map(|b| b.0.to_string());
        for layer in [Some(String::new()), own].into_iter().flatten() {
            for (k, v) in self.broker_configs.get(&layer).into_iter().flatten() {
                if let Ok(next) = def::with_value(BROKER_KEYS, &values, k, v) {
                    values = next;
                }
            }
        }
        BrokerConfig { values }
    }

    /// A topic's effective log settings on `broker` (see [`Self::effective_broker_config`]).
    pub fn log_config(
        &self,
        topic: &str,
        base: &BrokerConfig,
        broker: Option<BrokerId>,
    ) -> Option<LogConfig> {
        let t = self.topics.get(topic)?;
        Some(t.log_config(&self.effective_broker_config(base, broker)))
    }

    fn set_broker(&mut self, broker: BrokerId, f: impl FnOnce(&mut BrokerRegistration)) {
        if let Some(b) = self.brokers.get_mut(&broker) {
            f(b);
        }
    }
}
