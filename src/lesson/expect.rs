//! Expected outcomes in a lesson file, checked by `kafka-classroom run` and by the tests:
//! `{"lost_writes": 1}`, `{"log": {"partition": "t-0", "values": ["m0", "m2"]}}`,
//! `{"leader": {"partition": "t-0", "broker": "b2", "leader_epoch": 1}}`, ...

use super::LessonProblem;
use crate::check::history::{authoritative_replica, History, HistoryReport};
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{BatchReadyReason, Event};
use crate::kafka::producer::transactions::ClientTxnState;
use crate::kafka::{KafkaStep, KafkaWorld, NodeId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// Acknowledged records missing from the final logs.
    LostWrites(u32),
    /// Records stored at more than one offset.
    Duplicates(u32),
    /// Offsets acknowledged for two different records.
    InconsistentOffsets(u32),
    /// Same-key records of one producer stored out of send order.
    Reordered(u32),
    /// The values of a partition's final log, in offset order.
    Log {
        partition: String,
        values: Vec<String>,
    },
    /// The values of one broker's replica.
    ReplicaLog {
        partition: String,
        broker: NodeId,
        values: Vec<String>,
    },
    /// Who leads the partition at the end (`null`: nobody), and with which epoch.
    Leader {
        partition: String,
        broker: Option<NodeId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leader_epoch: Option<i32>,
    },
    /// The partition's ISR at the end, as the controller committed it.
    Isr {
        partition: String,
        brokers: Vec<NodeId>,
    },
    HighWatermark {
        partition: String,
        value: i64,
    },
    /// Records the producer saw acknowledged.
    Acked {
        producer: NodeId,
        count: u32,
    },
    /// Records the producer gave up on.
    Failed {
        producer: NodeId,
        count: u32,
    },
    /// The producer saw this error (Kafka's name) at least `at_least` times (default 1).
    ProduceError {
        producer: NodeId,
        error: String,
        #[serde(default = "one")]
        at_least: u32,
    },
    /// At least `at_least` batches of the producer left the accumulator for this reason:
    /// `full`, `linger`, `flush`, `buffer_exhausted`, `retry` or `piggyback`.
    BatchesSent {
        producer: NodeId,
        reason: String,
        #[serde(default = "one")]
        at_least: u32,
    },
    /// Records the group's (or a groupless consumer's, `"c1"`) application processed,
    /// counting repeats.
    Processed {
        group: String,
        count: u32,
    },
    /// Records the group processed more than once.
    ProcessedTwice {
        group: String,
        count: u32,
    },
    /// Acknowledged records below the group's committed offset that it never processed.
    NeverProcessed {
        group: String,
        count: u32,
    },
    /// The partitions a consumer owns at the end (`[]`: none).
    Assignment {
        consumer: NodeId,
        partitions: Vec<String>,
    },
    /// The group's committed offset of a partition at the end (the coordinator's copy).
    Committed {
        group: String,
        partition: String,
        offset: i64,
    },
    /// The group's generation at the end (the coordinator's copy).
    Generation {
        group: String,
        generation: i32,
    },
    /// How long the consumer owned no partition during rebalances, summed (the
    /// stop-the-world gap of eager rebalancing), within `[at_least, at_most]` ms.
    RebalancePause {
        consumer: NodeId,
        #[serde(default, skip_serializing_if = "is_zero")]
        at_least: u64,
        #[serde(default = "forever", skip_serializing_if = "is_forever")]
        at_most: u64,
    },
    /// Acknowledged records retention deleted (below the final log start offset).
    DeletedByRetention(u32),
    /// Acknowledged records the log cleaner removed (a newer record has their key).
    CompactedAway(u32),
    /// The partition's log start offset at the end.
    LogStartOffset {
        partition: String,
        value: i64,
    },
    /// The consumer-side checks that must always hold: no poll skips or goes back, no
    /// partition with two owners in one generation, no committed offset going back.
    ConsumerViolations(u32),
    /// A consume-transform-produce pipeline run by `consumer`: inputs below its group's
    /// committed offsets whose output is missing or duplicated in the output topic's committed
    /// data, plus committed outputs of inputs not committed past (`check::exactly_once`).
    ExactlyOnceViolations {
        consumer: NodeId,
        count: u32,
    },
    /// Inputs the pipeline of `consumer` forwarded exactly once (committed).
    ForwardedOnce {
        consumer: NodeId,
        count: u32,
    },
    /// Records of committed and of aborted transactions in the final logs that the group
    /// processed, each counted once (`lesson::txn_expect`).
    TransactionalReads {
        group: String,
        committed: u32,
        aborted: u32,
    },
    /// Records sent by `producer` that the group processed, each counted once.
    RecordsRead {
        group: String,
        producer: NodeId,
        count: u32,
    },
    /// A transactional producer's state at the end (`TransactionManager.State`'s name:
    /// `READY`, `FATAL_ERROR`, ...) and, when given, the error that put it in an error state.
    TransactionState {
        producer: NodeId,
        state: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<ErrorCode>,
    },
    /// The partition's last stable offset stayed below its high watermark for at least
    /// `at_least_ms` in one stretch, and the gap reached `gap_at_least` records.
    LsoHeld {
        partition: String,
        at_least_ms: u64,
        #[serde(default)]
        gap_at_least: i64,
    },
    /// Steps after which the consumer's position on the partition was above its last stable
    /// offset.
    PositionAboveLso {
        consumer: NodeId,
        partition: String,
        count: u32,
    },
    /// The consumer's lag on the partition (the high watermark minus its position): the
    /// largest seen during the run within the bounds given, and the final one at most
    /// `final_at_most`.
    ConsumerLag {
        consumer: NodeId,
        partition: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_at_least: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_at_most: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        final_at_most: Option<i64>,
    },
}

fn forever() -> u64 {
    u64::MAX
}

fn is_forever(n: &u64) -> bool {
    *n == u64::MAX
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn one() -> u32 {
    1
}

/// What a run produced, for checking expectations.
#[derive(Clone, Debug, Default)]
pub struct RunObserver {
    pub history: History,
    pub produce_errors: BTreeMap<(u32, ErrorCode), u32>,
    /// Batches that left each producer's accumulator, by reason name.
    pub batches_sent: BTreeMap<(u32, &'static str), u32>,
    /// The steps of the causes a "why?" answer links to.
    pub causes: crate::check::causes::Causes,
    /// Console lines run so far, oldest first (the newest `MAX_TYPED`), for `Trigger::Typed`.
    pub console_lines: Vec<String>,
    /// LSOs and positions sampled after every step, for the transaction expectations that ask
    /// about them (empty otherwise; see `Lesson::run_checked`).
    pub watch: super::txn_expect::TxnWatch,
}

/// Console lines the observer keeps.
const MAX_TYPED: usize = 100;

impl RunObserver {
    /// A console line ran (the session tells it: the console lives above this layer).
    pub fn console_line_ran(&mut self, line: &str) {
        if self.console_lines.len() >= MAX_TYPED {
            self.console_lines.remove(0);
        }
        self.console_lines.push(line.chars().take(1_000).collect());
    }

    /// Whether a console line with every one of `words` has run.
    pub fn typed(&self, words: &str) -> bool {
        self.console_lines.iter().any(|line| {
            let typed: Vec<&str> = line.split_whitespace().collect();
            words.split_whitespace().all(|w| typed.contains(&w))
        })
    }

    pub fn observe(&mut self, step: &KafkaStep) {
        self.history.observe(step);
        self.causes.observe(step);
        for event in &step.events {
            if let Event::ProduceFailed {
                producer, error, ..
            } = event
            {
                *self.produce_errors.entry((*producer, *error)).or_default() += 1;
            }
            if let Event::BatchReady {
                producer, reason, ..
            } = event
            {
                *self
                    .batches_sent
                    .entry((*producer, reason.name()))
                    .or_default() += 1;
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Checked {
    pub expectation: String,
    pub passed: bool,
    pub actual: String,
}

impl Expectation {
    /// Static validation against the lesson's cluster.
    pub fn validate(&self, node_exists: &dyn Fn(NodeId) -> bool) -> Result<(), LessonProblem> {
        let partition = match self {
            Expectation::Log { partition, .. }
            | Expectation::ReplicaLog { partition, .. }
            | Expectation::Leader { partition, .. }
            | Expectation::Isr { partition, .. }
            | Expectation::HighWatermark { partition, .. }
            | Expectation::Committed { partition, .. }
            | Expectation::LogStartOffset { partition, .. }
            | Expectation::LsoHeld { partition, .. }
            | Expectation::PositionAboveLso { partition, .. }
            | Expectation::ConsumerLag { partition, .. } => Some(partition),
            _ => None,
        };
        if let Some(p) = partition {
            TopicPartition::parse(p)?;
        }
        let nodes: Vec<NodeId> = match self {
            Expectation::ReplicaLog { broker, .. } => vec![*broker],
            Expectation::Leader { broker, .. } => broker.iter().copied().collect(),
            Expectation::Isr { brokers, .. } => brokers.clone(),
            Expectation::Acked { producer, .. }
            | Expectation::Failed { producer, .. }
            | Expectation::ProduceError { producer, .. }
            | Expectation::BatchesSent { producer, .. }
            | Expectation::RecordsRead { producer, .. }
            | Expectation::TransactionState { producer, .. } => vec![*producer],
            Expectation::Assignment { consumer, .. }
            | Expectation::RebalancePause { consumer, .. }
            | Expectation::ExactlyOnceViolations { consumer, .. }
            | Expectation::ForwardedOnce { consumer, .. }
            | Expectation::PositionAboveLso { consumer, .. }
            | Expectation::ConsumerLag { consumer, .. } => vec![*consumer],
            _ => vec![],
        };
        if let Expectation::BatchesSent { reason, .. } = self {
            if BatchReadyReason::parse(reason).is_none() {
                return Err(LessonProblem::NoSuchReason(reason.clone()));
            }
        }
        if let Expectation::TransactionState { state, .. } = self {
            if ClientTxnState::parse(state).is_none() {
                return Err(LessonProblem::NoSuchTxnState(state.clone()));
            }
        }
        match nodes.into_iter().find(|n| !node_exists(*n)) {
            Some(n) => Err(LessonProblem::NoSuchNode(n)),
            None => Ok(()),
        }
    }

    pub fn check(
        &self,
        world: &KafkaWorld,
        observer: &RunObserver,
        report: &HistoryReport,
    ) -> Checked {
        let expectation = serde_json::to_string(self).expect("expectations serialize");
        let (passed, actual) = match self {
            Expectation::LostWrites(n) => count(*n, report.lost.len(), || {
                format!(
                    "{:?}",
                    report
                        .lost
                        .iter()
                        .map(|(id, tp, o)| format!("{id} at {tp}@{o}"))
                        .collect::<Vec<_>>()
                )
            }),
            Expectation::Duplicates(n) => count(*n, report.duplicates.len(), || {
                format!("{:?}", report.duplicates)
            }),
            Expectation::InconsistentOffsets(n) => {
                count(*n, report.inconsistent_offsets.len(), || {
                    format!("{:?}", report.inconsistent_offsets)
                })
            }
            Expectation::Reordered(n) => count(*n, report.reordered.len(), || {
                format!("{:?}", report.reordered)
            }),
            Expectation::Log { partition, values } => {
                let actual = final_values(world, partition, None);
                (actual.as_ref() == Some(values), format!("{actual:?}"))
            }
            Expectation::ReplicaLog {
                partition,
                broker,
                values,
            } => {
                let actual = final_values(world, partition, broker.as_broker());
                (actual.as_ref() == Some(values), format!("{actual:?}"))
            }
            Expectation::Leader {
                partition,
                broker,
                leader_epoch,
            } => {
                let reg = registration(world, partition);
                let actual = reg
                    .as_ref()
                    .map(|r| (r.leader.map(NodeId::Broker), r.leader_epoch));
                let ok = actual
                    .is_some_and(|(l, e)| l == *broker && leader_epoch.is_none_or(|x| x == e));
                (ok, format!("{actual:?}"))
            }
            Expectation::Isr { partition, brokers } => {
                let actual: Option<Vec<NodeId>> = registration(world, partition)
                    .map(|r| r.isr.iter().map(|b| NodeId::Broker(*b)).collect());
                let mut want = brokers.clone();
                crate::sim::sort::sort(&mut want);
                let ok = actual.as_ref().is_some_and(|a| {
                    let mut a = a.clone();
                    crate::sim::sort::sort(&mut a);
                    a == want
                });
                (ok, format!("{actual:?}"))
            }
            Expectation::HighWatermark { partition, value } => {
                let tp = TopicPartition::parse(partition).expect("validated");
                let hw = authoritative_replica(world.model().brokers.values(), &tp)
                    .map(|b| b.replicas[&tp].high_watermark);
                (hw == Some(*value), format!("{hw:?}"))
            }
            Expectation::Acked { producer, count: n } => {
                let acked = producer_stat(world, *producer, |p| p.stats.records_acked);
                (acked == Some(*n as u64), format!("{acked:?}"))
            }
            Expectation::Failed { producer, count: n } => {
                let failed = producer_stat(world, *producer, |p| p.stats.records_failed);
                (failed == Some(*n as u64), format!("{failed:?}"))
            }
            Expectation::ProduceError {
                producer,
                error,
                at_least,
            } => {
                let NodeId::Producer(p) = producer else {
                    return Checked {
                        expectation,
                        passed: false,
                        actual: "not a producer".into(),
                    };
                };
                let seen: u32 = observer
                    .produce_errors
                    .iter()
                    .filter(|((q, e), _)| q == p && e.to_string() == *error)
                    .map(|(_, n)| *n)
                    .sum();
                (seen >= *at_least, format!("{seen} time(s)"))
            }
            Expectation::BatchesSent {
                producer,
                reason,
                at_least,
            } => {
                let NodeId::Producer(p) = producer else {
                    return Checked {
                        expectation,
                        passed: false,
                        actual: "not a producer".into(),
                    };
                };
                let seen = observer
                    .batches_sent
                    .get(&(*p, reason.as_str()))
                    .copied()
                    .unwrap_or(0);
                (seen >= *at_least, format!("{seen} batch(es)"))
            }
            Expectation::Processed { group, count: n } => {
                let seen = report.groups.get(group).map_or(0, |g| g.processed);
                (seen == *n, format!("{seen}"))
            }
            Expectation::ProcessedTwice { group, count: n } => {
                let list: Vec<String> = report.groups.get(group).map_or_else(Vec::new, |g| {
                    g.processed_twice
                        .iter()
                        .map(|(tp, o, times)| format!("{tp}@{o} x{times}"))
                        .collect()
                });
                count(*n, list.len(), || list.join(" "))
            }
            Expectation::NeverProcessed { group, count: n } => {
                let list: Vec<String> = report.groups.get(group).map_or_else(Vec::new, |g| {
                    g.never_processed
                        .iter()
                        .map(|(tp, o)| format!("{tp}@{o}"))
                        .collect()
                });
                count(*n, list.len(), || list.join(" "))
            }
            Expectation::Assignment {
                consumer,
                partitions,
            } => {
                let actual: Option<Vec<String>> = match consumer {
                    NodeId::Consumer(c) => world
                        .model()
                        .consumers
                        .get(c)
                        .map(|c| c.assigned().iter().map(|tp| tp.to_string()).collect()),
                    _ => None,
                };
                let mut want = partitions.clone();
                crate::sim::sort::sort(&mut want);
                let ok = actual.as_ref().is_some_and(|a| {
                    let mut a = a.clone();
                    crate::sim::sort::sort(&mut a);
                    a == want
                });
                (ok, format!("{actual:?}"))
            }
            Expectation::Committed {
                group,
                partition,
                offset,
            } => {
                let tp = TopicPartition::parse(partition).expect("validated");
                let actual = world.model().committed_offset(group, &tp);
                (actual == Some(*offset), format!("{actual:?}"))
            }
            Expectation::Generation { group, generation } => {
                let actual = world
                    .model()
                    .group_coordinator(group)
                    .map(|(_, g)| g.generation);
                (actual == Some(*generation), format!("{actual:?}"))
            }
            Expectation::RebalancePause {
                consumer,
                at_least,
                at_most,
            } => {
                let paused = match consumer {
                    NodeId::Consumer(c) => world
                        .model()
                        .consumers
                        .get(c)
                        .map(|c| c.rebalance_pause_ms(world.now())),
                    _ => None,
                };
                let ok = paused.is_some_and(|p| p >= *at_least && p <= *at_most);
                (ok, format!("{paused:?} ms"))
            }
            Expectation::DeletedByRetention(n) => (
                report.deleted_by_retention == *n,
                report.deleted_by_retention.to_string(),
            ),
            Expectation::CompactedAway(n) => (
                report.compacted_away == *n,
                report.compacted_away.to_string(),
            ),
            Expectation::LogStartOffset { partition, value } => {
                let tp = TopicPartition::parse(partition).expect("validated");
                let start = authoritative_replica(world.model().brokers.values(), &tp)
                    .map(|b| b.replicas[&tp].log.log_start_offset());
                (start == Some(*value), format!("{start:?}"))
            }
            Expectation::ConsumerViolations(n) => count(*n, report.consumer_violations(), || {
                format!(
                    "skips {:?} backwards {:?} conflicts {:?} commits back {:?}",
                    report.poll_skips,
                    report.non_monotonic_polls,
                    report.ownership_conflicts,
                    report.commits_back
                )
            }),
            Expectation::ExactlyOnceViolations { consumer, count } => {
                let r = pipeline_report(world, *consumer);
                let actual = r.as_ref().map_or(u32::MAX, |r| r.violations());
                (actual == *count, format!("{r:?}"))
            }
            Expectation::ForwardedOnce { consumer, count } => {
                let r = pipeline_report(world, *consumer);
                let actual = r.as_ref().map(|r| r.forwarded_once);
                (actual == Some(*count), format!("{actual:?}"))
            }
            // Transactions: committed and aborted reads, producer states, LSOs and positions.
            e @ (Expectation::TransactionalReads { .. }
            | Expectation::RecordsRead { .. }
            | Expectation::TransactionState { .. }
            | Expectation::LsoHeld { .. }
            | Expectation::PositionAboveLso { .. }
            | Expectation::ConsumerLag { .. }) => super::txn_expect::check(e, world, observer),
        };
        Checked {
            expectation,
            passed,
            actual,
        }
    }
}

fn count(expected: u32, actual: usize, detail: impl Fn() -> String) -> (bool, String) {
    (
        expected as usize == actual,
        if actual == 0 {
            "0".into()
        } else {
            format!("{actual}: {}", detail())
        },
    )
}

fn registration(
    world: &KafkaWorld,
    partition: &str,
) -> Option<crate::kafka::metadata::PartitionRegistration> {
    let tp = TopicPartition::parse(partition).ok()?;
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
    image.partition(&tp).cloned()
}

fn producer_stat(
    world: &KafkaWorld,
    producer: NodeId,
    f: impl Fn(&crate::kafka::producer::Producer) -> u64,
) -> Option<u64> {
    let NodeId::Producer(p) = producer else {
        return None;
    };
    world.model().producers.get(&p).map(f)
}

fn final_values(
    world: &KafkaWorld,
    partition: &str,
    broker: Option<crate::kafka::BrokerId>,
) -> Option<Vec<String>> {
    let tp = TopicPartition::parse(partition).ok()?;
    let brokers = world.model().brokers.values();
    let holder = match broker {
        Some(b) => world.model().brokers.get(&b),
        None => authoritative_replica(brokers, &tp),
    }?;
    let replica = holder.replicas.get(&tp)?;
    Some(
        replica
            .log
            .batches()
            .flat_map(|b| b.records.iter().map(|r| r.value_text()).collect::<Vec<_>>())
            .collect(),
    )
}

/// The exactly-once report of the pipeline `consumer` runs (none: it runs none).
fn pipeline_report(
    world: &KafkaWorld,
    consumer: NodeId,
) -> Option<crate::check::exactly_once::ExactlyOnceReport> {
    let NodeId::Consumer(c) = consumer else {
        return None;
    };
    crate::check::exactly_once::check_pipeline(world.model(), c)
}
