//! Probes: questions a lesson asks of a running cluster ("what is orders-0's high watermark?",
//! "who leads orders-0?", "how many acknowledged writes were lost?"). A beat's question names a
//! probe and the run answers it, so the answer a class sees is computed, never typed into the
//! lesson file.

use super::expect::RunObserver;
use super::LessonProblem;
use crate::check::history::{authoritative_replica, HistoryReport};
use crate::kafka::metadata::PartitionRegistration;
use crate::kafka::{KafkaWorld, NodeId, TopicPartition};
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Probe {
    /// The partition's high watermark (its leader's, or the newest replica's).
    HighWatermark(String),
    /// The partition's log end offset, on one broker or on its leader.
    LogEndOffset {
        partition: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        broker: Option<NodeId>,
    },
    LogStartOffset(String),
    /// Who leads the partition (`none` when nobody does), as the controller committed it.
    Leader(String),
    LeaderEpoch(String),
    /// The partition's in-sync replicas, as the controller committed them.
    Isr(String),
    IsrSize(String),
    /// Acknowledged records missing from the logs.
    LostWrites,
    /// Records stored at more than one offset.
    Duplicates,
    /// Same-key records of one producer stored out of send order.
    Reordered,
    /// Records the producer saw acknowledged.
    Acked(NodeId),
    /// Records the producer gave up on.
    Failed(NodeId),
    /// Batches of the producer that left the accumulator for this reason.
    BatchesSent {
        producer: NodeId,
        reason: String,
    },
    /// The group's committed offset of a partition.
    Committed {
        group: String,
        partition: String,
    },
    /// The group's total lag: log end offsets minus committed offsets.
    Lag(String),
    Generation(String),
    /// The group's state, in Kafka's words (`Stable`, `PreparingRebalance`, ...).
    GroupState(String),
    /// The partitions a consumer owns.
    Assignment(NodeId),
    /// Records the group's application processed, counting repeats.
    Processed(String),
    ProcessedTwice(String),
    NeverProcessed(String),
    /// The partition the last acknowledged record with this key went to.
    PartitionOfKey {
        topic: String,
        key: String,
    },
    /// Whether the node's process runs.
    Running(NodeId),
}

/// A probe's answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ProbeValue {
    Number(i64),
    Text(String),
    List(Vec<String>),
    /// The thing does not exist (yet): no leader, no such group, no record with the key.
    Missing,
}

impl ProbeValue {
    pub fn as_number(&self) -> Option<i64> {
        match self {
            ProbeValue::Number(n) => Some(*n),
            ProbeValue::List(items) => Some(items.len() as i64),
            _ => None,
        }
    }
}

impl Probe {
    /// Static checks against the lesson's cluster.
    pub fn validate(&self, node_exists: &dyn Fn(NodeId) -> bool) -> Result<(), LessonProblem> {
        let partition = match self {
            Probe::HighWatermark(p)
            | Probe::LogStartOffset(p)
            | Probe::Leader(p)
            | Probe::LeaderEpoch(p)
            | Probe::Isr(p)
            | Probe::IsrSize(p)
            | Probe::LogEndOffset { partition: p, .. }
            | Probe::Committed { partition: p, .. } => Some(p),
            _ => None,
        };
        if let Some(p) = partition {
            TopicPartition::parse(p)?;
        }
        let node = match self {
            Probe::LogEndOffset { broker, .. } => *broker,
            Probe::Acked(n)
            | Probe::Failed(n)
            | Probe::Assignment(n)
            | Probe::Running(n)
            | Probe::BatchesSent { producer: n, .. } => Some(*n),
            _ => None,
        };
        if let Some(n) = node.filter(|n| !node_exists(*n)) {
            return Err(LessonProblem::NoSuchNode(n));
        }
        if let Probe::BatchesSent { reason, .. } = self {
            if crate::kafka::event::BatchReadyReason::parse(reason).is_none() {
                return Err(LessonProblem::NoSuchReason(reason.clone()));
            }
        }
        Ok(())
    }

    /// Whether answering needs the history checker's full analysis (slower).
    fn needs_report(&self) -> bool {
        matches!(
            self,
            Probe::LostWrites
                | Probe::Duplicates
                | Probe::Reordered
                | Probe::Processed(_)
                | Probe::ProcessedTwice(_)
                | Probe::NeverProcessed(_)
        )
    }

    /// The probe's answer now.
    pub fn evaluate(&self, world: &KafkaWorld, observer: &RunObserver) -> ProbeValue {
        if self.needs_report() {
            return self.from_report(&observer.history.analyze(world));
        }
        match self {
            Probe::Acked(n) | Probe::Failed(n) => producer_count(world, *n, self),
            Probe::BatchesSent { producer, reason } => {
                let NodeId::Producer(p) = producer else {
                    return ProbeValue::Missing;
                };
                let sent = observer.batches_sent.get(&(*p, reason.as_str()));
                ProbeValue::Number(sent.copied().unwrap_or(0).into())
            }
            Probe::Running(n) => {
                let running = world.model().process(*n).is_some_and(|p| p.is_running());
                ProbeValue::Text(if running { "yes" } else { "no" }.into())
            }
            Probe::PartitionOfKey { topic, key } => partition_of_key(world, topic, key),
            Probe::Assignment(n) => assignment(world, *n),
            Probe::Committed { .. } | Probe::Lag(_) | Probe::Generation(_) => {
                group_number(world, self)
            }
            Probe::GroupState(group) => match world.model().group_coordinator(group) {
                Some((_, g)) => ProbeValue::Text(g.state.name().to_string()),
                None => ProbeValue::Missing,
            },
            _ => partition_value(world, self),
        }
    }

    fn from_report(&self, report: &HistoryReport) -> ProbeValue {
        let group = |g: &str| report.groups.get(g);
        let n = match self {
            Probe::LostWrites => report.lost.len(),
            Probe::Duplicates => report.duplicates.len(),
            Probe::Reordered => report.reordered.len(),
            Probe::Processed(g) => group(g).map_or(0, |g| g.processed as usize),
            Probe::ProcessedTwice(g) => group(g).map_or(0, |g| g.processed_twice.len()),
            Probe::NeverProcessed(g) => group(g).map_or(0, |g| g.never_processed.len()),
            _ => unreachable!("only history probes need the report"),
        };
        ProbeValue::Number(n as i64)
    }
}

fn producer_count(world: &KafkaWorld, node: NodeId, probe: &Probe) -> ProbeValue {
    let NodeId::Producer(p) = node else {
        return ProbeValue::Missing;
    };
    match world.model().producers.get(&p) {
        Some(p) if matches!(probe, Probe::Acked(_)) => {
            ProbeValue::Number(p.stats.records_acked as i64)
        }
        Some(p) => ProbeValue::Number(p.stats.records_failed as i64),
        None => ProbeValue::Missing,
    }
}

/// The partition holding the newest record with `key` (by timestamp), read from the logs.
fn partition_of_key(world: &KafkaWorld, topic: &str, key: &str) -> ProbeValue {
    let cluster = world.model();
    let count = cluster
        .brokers
        .values()
        .find_map(|b| b.metadata.partition_count(topic))
        .unwrap_or(0);
    let newest = (0..count)
        .filter_map(|p| {
            let tp = TopicPartition::new(topic, p);
            let broker = authoritative_replica(cluster.brokers.values(), &tp)?;
            let log = &broker.replicas.get(&tp)?.log;
            log.batches()
                .flat_map(|b| b.records.iter())
                .filter(|r| r.key.as_ref().is_some_and(|k| k.to_string() == key))
                .map(|r| (r.timestamp_ms, tp))
                .max()
        })
        .max();
    match newest {
        Some((_, tp)) => ProbeValue::Text(tp.to_string()),
        None => ProbeValue::Missing,
    }
}

fn assignment(world: &KafkaWorld, node: NodeId) -> ProbeValue {
    let NodeId::Consumer(c) = node else {
        return ProbeValue::Missing;
    };
    match world.model().consumers.get(&c) {
        Some(c) => {
            let mut owned: Vec<String> = c.assigned().iter().map(|tp| tp.to_string()).collect();
            crate::sim::sort::sort(&mut owned);
            ProbeValue::List(owned)
        }
        None => ProbeValue::Missing,
    }
}

fn group_number(world: &KafkaWorld, probe: &Probe) -> ProbeValue {
    let cluster = world.model();
    let value = match probe {
        Probe::Committed { group, partition } => TopicPartition::parse(partition)
            .ok()
            .and_then(|tp| cluster.committed_offset(group, &tp)),
        Probe::Generation(group) => cluster
            .group_coordinator(group)
            .map(|(_, g)| i64::from(g.generation)),
        Probe::Lag(group) => crate::check::history::group_lag(cluster, group),
        _ => unreachable!("only group probes"),
    };
    value.map_or(ProbeValue::Missing, ProbeValue::Number)
}

/// The controller's committed registration of a partition (the active controller's, else the
/// most advanced one's).
pub fn registration(world: &KafkaWorld, tp: &TopicPartition) -> Option<PartitionRegistration> {
    let cluster = world.model();
    let image = match cluster.active_controller() {
        Some(c) => &c.image,
        None => {
            &cluster
                .controllers
                .values()
                .max_by_key(|c| c.raft.high_watermark)?
                .image
        }
    };
    image.partition(tp).cloned()
}

fn partition_value(world: &KafkaWorld, probe: &Probe) -> ProbeValue {
    let (Probe::HighWatermark(p)
    | Probe::LogStartOffset(p)
    | Probe::Leader(p)
    | Probe::LeaderEpoch(p)
    | Probe::Isr(p)
    | Probe::IsrSize(p)
    | Probe::LogEndOffset { partition: p, .. }) = probe
    else {
        unreachable!("only partition probes")
    };
    let Ok(tp) = TopicPartition::parse(p) else {
        return ProbeValue::Missing;
    };
    let brokers = world.model().brokers.values();
    let replica = |broker: Option<NodeId>| {
        let holder = match broker.and_then(NodeId::as_broker) {
            Some(b) => world.model().brokers.get(&b),
            None => authoritative_replica(brokers.clone(), &tp),
        };
        holder.and_then(|b| b.replicas.get(&tp))
    };
    let value = match probe {
        Probe::HighWatermark(_) => replica(None).map(|r| ProbeValue::Number(r.high_watermark)),
        Probe::LogStartOffset(_) => {
            replica(None).map(|r| ProbeValue::Number(r.log.log_start_offset()))
        }
        Probe::LogEndOffset { broker, .. } => {
            replica(*broker).map(|r| ProbeValue::Number(r.log.log_end_offset()))
        }
        Probe::Leader(_) => registration(world, &tp).map(|r| match r.leader {
            Some(b) => ProbeValue::Text(b.to_string()),
            None => ProbeValue::Text("none".into()),
        }),
        Probe::LeaderEpoch(_) => {
            registration(world, &tp).map(|r| ProbeValue::Number(r.leader_epoch.into()))
        }
        Probe::Isr(_) => registration(world, &tp)
            .map(|r| ProbeValue::List(r.isr.iter().map(|b| b.to_string()).collect())),
        Probe::IsrSize(_) => {
            registration(world, &tp).map(|r| ProbeValue::Number(r.isr.len() as i64))
        }
        _ => unreachable!("matched above"),
    };
    value.unwrap_or(ProbeValue::Missing)
}
