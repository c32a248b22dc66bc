//! Expectations about transactions, for the transaction lessons: which records of committed
//! and aborted transactions a group read, whose records it read, a transactional producer's
//! final state, and how a partition's last stable offset (LSO) and a consumer's position moved
//! during the run.
//!
//! A record's fate is read from the partition's final log, independently of the broker's own
//! transaction index: a transactional batch belongs to the first marker (control batch) of its
//! producer id after it; COMMIT or ABORT decides, no marker yet means still open. The LSO and
//! positions are sampled after every step by a `TxnWatch` that the run observer carries when
//! the lesson asks about them.

use super::expect::{Expectation, RunObserver};
pub use crate::check::fates::{record_fates, Fate};
use crate::check::history::{authoritative_replica, History};
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaWorld, NodeId, TopicPartition};
use std::collections::BTreeMap;

/// The partitions of the lesson's own topics that some broker hosts (internal topics hold
/// coordinators' records, not the applications').
fn data_partitions(world: &KafkaWorld) -> Vec<TopicPartition> {
    let mut out: Vec<TopicPartition> = world
        .model()
        .brokers
        .values()
        .flat_map(|b| b.replicas.keys().copied())
        .filter(|tp| !tp.topic.starts_with("__"))
        .collect();
    crate::sim::sort::sort(&mut out);
    out.dedup();
    out
}

/// Records of the final logs the group processed, each once, with their fate.
fn read_by(world: &KafkaWorld, history: &History, group: &str) -> Vec<(RecordId, Fate)> {
    let mut out = Vec::new();
    for tp in data_partitions(world) {
        for (offset, id, fate) in record_fates(world, &tp) {
            if history.times_processed(group, &tp, offset) > 0 {
                out.push((id, fate));
            }
        }
    }
    out
}

/// How many records of each fate the final logs hold.
fn fate_totals(world: &KafkaWorld) -> BTreeMap<&'static str, u32> {
    let mut totals = BTreeMap::new();
    for tp in data_partitions(world) {
        for (_, _, fate) in record_fates(world, &tp) {
            *totals.entry(fate_name(fate)).or_default() += 1;
        }
    }
    totals
}

fn fate_name(fate: Fate) -> &'static str {
    match fate {
        Fate::NonTransactional => "non-transactional",
        Fate::Committed => "committed",
        Fate::Aborted => "aborted",
        Fate::Open => "open",
    }
}

/// A partition's LSO against its high watermark, sampled after every step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StabilityTrace {
    /// Since when the LSO has been below the high watermark (ms), if it is now.
    held_since_ms: Option<u64>,
    /// The longest stretch so far, in ms.
    pub longest_held_ms: u64,
    /// The largest high watermark minus LSO seen, with the time (ms) it was seen.
    pub max_gap: i64,
    pub max_gap_at_ms: u64,
}

/// A consumer's position on a partition against the partition's LSO and high watermark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PositionTrace {
    /// Samples with the position above the LSO.
    pub above_lso: u32,
    /// The largest lag (high watermark minus position) seen, and when (ms).
    pub max_lag: i64,
    pub max_lag_at_ms: u64,
    /// The lag at the last sample.
    pub last_lag: Option<i64>,
}

/// What the transaction expectations need sampled during the run; empty (and free) unless the
/// lesson asks about LSOs or positions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxnWatch {
    pub partitions: BTreeMap<TopicPartition, StabilityTrace>,
    pub positions: BTreeMap<(u32, TopicPartition), PositionTrace>,
}

impl TxnWatch {
    /// The partitions and consumers `expectations` ask about.
    pub fn for_expectations(expectations: &[Expectation]) -> TxnWatch {
        let mut watch = TxnWatch::default();
        for e in expectations {
            match e {
                Expectation::LsoHeld { partition, .. } => {
                    if let Ok(tp) = TopicPartition::parse(partition) {
                        watch.partitions.insert(tp, StabilityTrace::default());
                    }
                }
                Expectation::PositionAboveLso {
                    consumer: NodeId::Consumer(c),
                    partition,
                    ..
                }
                | Expectation::ConsumerLag {
                    consumer: NodeId::Consumer(c),
                    partition,
                    ..
                } => {
                    if let Ok(tp) = TopicPartition::parse(partition) {
                        watch.positions.insert((*c, tp), PositionTrace::default());
                    }
                }
                _ => {}
            }
        }
        watch
    }

    pub fn is_empty(&self) -> bool {
        self.partitions.is_empty() && self.positions.is_empty()
    }

    /// Sample the world after a step.
    pub fn sample(&mut self, world: &KafkaWorld) {
        let now = world.now().as_ms();
        for (tp, trace) in self.partitions.iter_mut() {
            let Some((hw, lso)) = stable_offsets(world, tp) else {
                continue;
            };
            if hw - lso > trace.max_gap {
                trace.max_gap = hw - lso;
                trace.max_gap_at_ms = now;
            }
            match (lso < hw, trace.held_since_ms) {
                (true, None) => trace.held_since_ms = Some(now),
                (false, Some(since)) => {
                    trace.longest_held_ms = trace.longest_held_ms.max(now - since);
                    trace.held_since_ms = None;
                }
                _ => {}
            }
        }
        for ((c, tp), trace) in self.positions.iter_mut() {
            let position = world
                .model()
                .consumers
                .get(c)
                .and_then(|c| c.positions.get(tp))
                .and_then(|p| p.position);
            let (Some(position), Some((hw, lso))) = (position, stable_offsets(world, tp)) else {
                continue;
            };
            if position > lso {
                trace.above_lso += 1;
            }
            let lag = (hw - position).max(0);
            if lag > trace.max_lag {
                trace.max_lag = lag;
                trace.max_lag_at_ms = now;
            }
            trace.last_lag = Some(lag);
        }
    }

    /// The longest stretch the partition's LSO was held, counting one still open at `now_ms`.
    fn longest_held_ms(&self, tp: &TopicPartition, now_ms: u64) -> Option<u64> {
        let trace = self.partitions.get(tp)?;
        let open = trace.held_since_ms.map_or(0, |since| now_ms - since);
        Some(trace.longest_held_ms.max(open))
    }
}

/// The partition's high watermark and last stable offset on its leader (or newest replica).
pub fn stable_offsets(world: &KafkaWorld, tp: &TopicPartition) -> Option<(i64, i64)> {
    let broker = authoritative_replica(world.model().brokers.values(), tp)?;
    let replica = broker.replicas.get(tp)?;
    Some((replica.high_watermark, replica.last_stable_offset()))
}

/// Check one of the transaction expectations: `(passed, what actually happened)`.
pub fn check(e: &Expectation, world: &KafkaWorld, observer: &RunObserver) -> (bool, String) {
    match e {
        Expectation::TransactionalReads {
            group,
            committed,
            aborted,
        } => {
            let read = read_by(world, &observer.history, group);
            let n = |f: Fate| read.iter().filter(|(_, x)| *x == f).count() as u32;
            let (c, a) = (n(Fate::Committed), n(Fate::Aborted));
            let totals = fate_totals(world);
            let total = |name: &str| totals.get(name).copied().unwrap_or(0);
            let actual = format!(
                "committed {c} of {}, aborted {a} of {}, open {} of {}",
                total("committed"),
                total("aborted"),
                n(Fate::Open),
                total("open")
            );
            (c == *committed && a == *aborted, actual)
        }
        Expectation::RecordsRead {
            group,
            producer,
            count,
        } => {
            let NodeId::Producer(p) = producer else {
                return (false, "not a producer".into());
            };
            let read = read_by(world, &observer.history, group);
            let n = read.iter().filter(|(id, _)| id.producer == *p).count() as u32;
            (n == *count, n.to_string())
        }
        Expectation::TransactionState {
            producer,
            state,
            error,
        } => check_state(world, *producer, state, *error),
        _ => check_watched(e, world, &observer.watch),
    }
}

fn check_state(
    world: &KafkaWorld,
    producer: NodeId,
    state: &str,
    error: Option<crate::kafka::errors::ErrorCode>,
) -> (bool, String) {
    let txn = match producer {
        NodeId::Producer(p) => world.model().producers.get(&p).and_then(|p| p.txn.as_ref()),
        _ => None,
    };
    let Some(txn) = txn else {
        return (false, "not a transactional producer".into());
    };
    let actual = format!("{} ({})", txn.state.name(), txn.last_error);
    let passed = txn.state.name() == state && error.is_none_or(|e| e == txn.last_error);
    (passed, actual)
}

fn check_watched(e: &Expectation, world: &KafkaWorld, watch: &TxnWatch) -> (bool, String) {
    let now = world.now().as_ms();
    let position = |c: &NodeId, partition: &str| {
        let (NodeId::Consumer(c), Ok(tp)) = (c, TopicPartition::parse(partition)) else {
            return None;
        };
        watch.positions.get(&(*c, tp))
    };
    match e {
        Expectation::LsoHeld {
            partition,
            at_least_ms,
            gap_at_least,
        } => {
            let Ok(tp) = TopicPartition::parse(partition) else {
                return (false, "not a partition".into());
            };
            let (Some(held), Some(trace)) =
                (watch.longest_held_ms(&tp, now), watch.partitions.get(&tp))
            else {
                return (false, "not watched".into());
            };
            let actual = format!(
                "held {held} ms at most; largest HW-LSO gap {} at {} ms",
                trace.max_gap, trace.max_gap_at_ms
            );
            (
                held >= *at_least_ms && trace.max_gap >= *gap_at_least,
                actual,
            )
        }
        Expectation::PositionAboveLso {
            consumer,
            partition,
            count,
        } => match position(consumer, partition) {
            Some(t) => (t.above_lso == *count, format!("{} step(s)", t.above_lso)),
            None => (false, "not watched".into()),
        },
        Expectation::ConsumerLag {
            consumer,
            partition,
            max_at_least,
            max_at_most,
            final_at_most,
        } => {
            let Some(t) = position(consumer, partition) else {
                return (false, "not watched".into());
            };
            let passed = max_at_least.is_none_or(|m| t.max_lag >= m)
                && max_at_most.is_none_or(|m| t.max_lag <= m)
                && final_at_most.is_none_or(|m| t.last_lag.is_some_and(|l| l <= m));
            let actual = format!(
                "largest lag {} at {} ms, final lag {:?}",
                t.max_lag, t.max_lag_at_ms, t.last_lag
            );
            (passed, actual)
        }
        _ => (false, "not a transaction expectation".into()),
    }
}
