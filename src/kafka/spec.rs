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

/// Most brokers a cluster may have (each is a column on the stage).
pub const MAX_BROKERS: u32 = 12;
/// Most partitions a topic may have (each is a row on the stage).
pub const MAX_PARTITIONS: i32 = 64;

/// Where in the spec a problem is, as the lesson file names it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum SpecPath {
    Brokers,
    Topic { index: u32, field: TopicField },
    Consumer { index: u32, field: ConsumerField },
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TopicField {
    Name,
    Partitions,
    ReplicationFactor,
    /// The whole assignment, or one partition's replicas.
    ReplicaAssignment(Option<u32>),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ConsumerField {
    Assign,
    Subscribe,
}

/// What is wrong with a cluster description, and where.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SpecError {
    pub path: SpecPath,
    pub problem: SpecProblem,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum SpecProblem {
    /// A count outside `min..=max`.
    OutOfRange {
        value: i64,
        min: i64,
        max: i64,
    },
    /// Kafka's `InvalidReplicationFactorException` at topic creation.
    ReplicationFactorUnreachable {
        factor: u32,
        brokers: u32,
    },
    AssignmentLength {
        listed: u32,
        partitions: i32,
    },
    /// A partition's replicas are not `factor` distinct brokers.
    AssignmentReplicas {
        factor: u32,
    },
    NoSuchBroker(u32),
    DuplicateTopic(String),
    NoSuchPartition(TopicPartition),
    /// `InvalidGroupIdException`: subscribe needs a `group.id`.
    SubscribeWithoutGroup,
    NoTopics,
    NoSuchTopic(String),
}

fn at(path: SpecPath, problem: SpecProblem) -> SpecError {
    SpecError { path, problem }
}

impl ClusterSpec {
    /// Check what the builder relies on; the lesson layer reports these with field paths.
    pub fn check(&self) -> Result<(), SpecError> {
        if !(1..=MAX_BROKERS).contains(&self.brokers) {
            return Err(at(
                SpecPath::Brokers,
                SpecProblem::OutOfRange {
                    value: self.brokers.into(),
                    min: 1,
                    max: MAX_BROKERS.into(),
                },
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            self.check_topic(i as u32, t)?;
        }
        for (i, c) in self.consumers.iter().enumerate() {
            self.check_consumer(i as u32, c)?;
        }
        Ok(())
    }

    fn check_topic(&self, index: u32, t: &TopicSpec) -> Result<(), SpecError> {
        let topic = |field| SpecPath::Topic { index, field };
        if !(1..=MAX_PARTITIONS).contains(&t.partitions) {
            return Err(at(
                topic(TopicField::Partitions),
                SpecProblem::OutOfRange {
                    value: t.partitions.into(),
                    min: 1,
                    max: MAX_PARTITIONS.into(),
                },
            ));
        }
        if t.replication_factor < 1 || t.replication_factor > self.brokers {
            return Err(at(
                topic(TopicField::ReplicationFactor),
                SpecProblem::ReplicationFactorUnreachable {
                    factor: t.replication_factor,
                    brokers: self.brokers,
                },
            ));
        }
        if let Some(assignment) = &t.replica_assignment {
            self.check_assignment(index, t, assignment)?;
        }
        if self.topics[..index as usize]
            .iter()
            .any(|o| o.name == t.name)
        {
            return Err(at(
                topic(TopicField::Name),
                SpecProblem::DuplicateTopic(t.name.clone()),
            ));
        }
        Ok(())
    }

    fn check_assignment(
        &self,
        index: u32,
        t: &TopicSpec,
        assignment: &[Vec<u32>],
    ) -> Result<(), SpecError> {
        let path = |p| SpecPath::Topic {
            index,
            field: TopicField::ReplicaAssignment(p),
        };
        if assignment.len() != t.partitions as usize {
            return Err(at(
                path(None),
                SpecProblem::AssignmentLength {
                    listed: assignment.len() as u32,
                    partitions: t.partitions,
                },
            ));
        }
        for (p, replicas) in assignment.iter().enumerate() {
            let mut seen = replicas.clone();
            seen.sort_unstable();
            seen.dedup();
            if replicas.len() != t.replication_factor as usize || seen.len() != replicas.len() {
                return Err(at(
                    path(Some(p as u32)),
                    SpecProblem::AssignmentReplicas {
                        factor: t.replication_factor,
                    },
                ));
            }
            if let Some(b) = replicas.iter().find(|b| !(1..=self.brokers).contains(*b)) {
                return Err(at(path(Some(p as u32)), SpecProblem::NoSuchBroker(*b)));
            }
        }
        Ok(())
    }

    fn check_consumer(&self, index: u32, c: &ConsumerSpec) -> Result<(), SpecError> {
        let path = |field| SpecPath::Consumer { index, field };
        match &c.mode {
            ConsumerMode::Assign(partitions) => {
                for tp in partitions {
                    let known = self
                        .topics
                        .iter()
                        .any(|t| t.name == tp.topic && tp.partition < t.partitions);
                    if !known {
                        return Err(at(
                            path(ConsumerField::Assign),
                            SpecProblem::NoSuchPartition(*tp),
                        ));
                    }
                }
            }
            ConsumerMode::Subscribe(topics) => {
                let problem = if c.config.group_id.is_none() {
                    Some(SpecProblem::SubscribeWithoutGroup)
                } else if topics.is_empty() {
                    Some(SpecProblem::NoTopics)
                } else {
                    topics
                        .iter()
                        .find(|t| !self.topics.iter().any(|o| &o.name == *t))
                        .map(|t| SpecProblem::NoSuchTopic(t.clone()))
                };
                if let Some(problem) = problem {
                    return Err(at(path(ConsumerField::Subscribe), problem));
                }
            }
        }
        Ok(())
    }
}
