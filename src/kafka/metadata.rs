//! Cluster metadata as the KRaft controller keeps it: brokers with their epochs and fencing,
//! topics with their configs, and each partition's registration (replicas, ISR, leader, leader
//! epoch, partition epoch). Changes are `MetadataRecord`s applied in log order, so a broker's
//! view is exactly as current as the records it has received.

use super::config::{BrokerConfig, ConfigValues, LogConfig};
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
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct MetadataImage {
    /// Offset of the last applied record (-1 before any).
    pub offset: i64,
    pub brokers: BTreeMap<BrokerId, BrokerRegistration>,
    pub topics: BTreeMap<String, TopicImage>,
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
        }
    }

    fn set_broker(&mut self, broker: BrokerId, f: impl FnOnce(&mut BrokerRegistration)) {
        if let Some(b) = self.brokers.get_mut(&broker) {
            f(b);
        }
    }
}
