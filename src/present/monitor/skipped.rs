//! Records never processed, named the moment their group moves past them with no member left
//! to process them: a member's position set above them (its committed offset after another
//! member crashed holding them, `auto.offset.reset=latest`, the log start after retention
//! deleted them, a seek), a commit above them, or the crash of the member that held them after
//! its group had committed past them. The history checker's rule, as it happens: acknowledged,
//! below where the group stands, never processed by any member. Records of aborted transactions
//! are no finding for a `read_committed` group: it never sees them, by design.

use super::{Finding, Violation, ViolationKind};
use crate::check::history::{authoritative_replica, reads_committed, History};
use crate::kafka::event::{Event, PositionReason};
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaWorld, NodeId, TopicPartition};
use std::collections::BTreeSet;

/// Offsets below a group's new stand examined (older ones were examined at earlier moves).
const MAX_OFFSETS: i64 = 500;

/// What this event made certain never to be processed.
pub(super) fn never_processed(
    event: &Event,
    world: &KafkaWorld,
    history: &History,
    earlier: &[Violation],
) -> Vec<Finding> {
    let moves: Vec<(String, TopicPartition, i64, String)> = match event {
        Event::PositionReset {
            consumer,
            partition,
            offset,
            reason,
        } => vec![(
            group_of(world, *consumer),
            *partition,
            *offset,
            reset_words(*consumer, *offset, *reason),
        )],
        Event::OffsetsCommitted {
            group,
            offsets,
            error,
            ..
        } if !error.is_error() => offsets
            .iter()
            .map(|(tp, o)| {
                let words = format!(
                    "{group} committed offset {o}, past {{it}}, and no member still holds {{it}}"
                );
                (group.clone(), *tp, *o, words)
            })
            .collect(),
        Event::ProcessStopped {
            node: NodeId::Consumer(c),
            ..
        } => {
            let group = group_of(world, *c);
            history
                .committed_offsets(&group)
                .into_iter()
                .map(|(tp, o)| {
                    let words = format!("c{c} stopped before processing {{it}}, and {group} had already committed offset {o}");
                    (group.clone(), tp, o, words)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    moves
        .into_iter()
        .filter_map(|(group, tp, below, words)| {
            finding(world, history, earlier, (&group, &tp, below), &words)
        })
        .collect()
}

/// The finding for `group` standing at `below` in `tp`, if some record there is left behind.
fn finding(
    world: &KafkaWorld,
    history: &History,
    earlier: &[Violation],
    (group, tp, below): (&str, &TopicPartition, i64),
    words: &str,
) -> Option<Finding> {
    let named = |o: i64| {
        earlier.iter().any(|v| {
            v.kind == ViolationKind::NeverProcessed
                && v.group.as_deref() == Some(group)
                && v.offsets.contains(&(*tp, o))
        })
    };
    let from = below - MAX_OFFSETS;
    let aborted = if reads_committed(world, group) {
        aborted_offsets(world, tp, from, below)
    } else {
        BTreeSet::new()
    };
    let left: Vec<(i64, RecordId)> = history
        .acked_between(tp, from, below)
        .into_iter()
        .filter(|(o, _)| history.times_processed(group, tp, *o) == 0)
        .filter(|(o, _)| !aborted.contains(o))
        .filter(|(o, _)| !held(world, group, tp, *o) && !named(*o))
        .collect();
    let (offset, id) = *left.first()?;
    let more = match left.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some((
        ViolationKind::NeverProcessed,
        format!(
            "Never processed: {group} will not process {id} ({tp}@{offset}){more}: {}.",
            words.replace("{it}", if left.len() == 1 { "it" } else { "them" })
        ),
        id,
        left.iter().map(|(o, _)| (*tp, *o)).collect(),
        Some(group.to_string()),
    ))
}

/// Offsets of `tp` in `[from, below)` holding records of aborted transactions: a
/// `read_committed` consumer drops them by design (Kafka: `CompletedFetch`), so skipping them
/// is not a record left unprocessed. Decided as a fetch from `from` would be: the partition's
/// aborted transactions overlapping the range, applied to its batches in offset order.
fn aborted_offsets(
    world: &KafkaWorld,
    tp: &TopicPartition,
    from: i64,
    below: i64,
) -> BTreeSet<i64> {
    use crate::kafka::txn::read_committed::{read_committed, FetchedBatch};
    let Some(broker) = authoritative_replica(world.model().brokers.values(), tp) else {
        return BTreeSet::new();
    };
    let replica = &broker.replicas[tp];
    let aborted: Vec<_> = replica
        .txns
        .collect_aborted_txns(from, below)
        .iter()
        .map(|t| t.as_fetched())
        .collect();
    if aborted.is_empty() {
        return BTreeSet::new();
    }
    let batches: Vec<_> = replica
        .log
        .batches()
        .filter(|b| b.next_offset() > from && b.base_offset < below)
        .collect();
    let fetched: Vec<FetchedBatch> = batches
        .iter()
        .map(|b| FetchedBatch {
            producer_id: b.producer.producer_id,
            base_offset: b.base_offset,
            last_offset: b.last_offset(),
            transactional: b.transactional,
            control: b.control,
        })
        .collect();
    batches
        .iter()
        .zip(read_committed(&fetched, &aborted))
        .filter(|(b, keep)| !keep && !b.is_control())
        .flat_map(|(b, _)| b.base_offset..b.next_offset())
        .collect()
}

/// A running member of `group` holds the record: polled and still to process.
fn held(world: &KafkaWorld, group: &str, tp: &TopicPartition, offset: i64) -> bool {
    world.model().consumers.values().any(|c| {
        c.process.is_running()
            && group_name(c) == group
            && c.app
                .in_hand
                .iter()
                .chain(c.app.worker_queue.iter())
                .any(|r| r.partition == *tp && r.offset == offset)
    })
}

fn group_name(c: &crate::kafka::consumer::Consumer) -> String {
    c.group
        .as_ref()
        .map_or_else(|| format!("c{}", c.id), |g| g.group_id.clone())
}

/// The history checker's name for the consumer's group (`cN` without one).
fn group_of(world: &KafkaWorld, consumer: u32) -> String {
    world
        .model()
        .consumers
        .get(&consumer)
        .map_or_else(|| format!("c{consumer}"), group_name)
}

/// "c2 resumed from the committed offset 9, past it, ...".
fn reset_words(c: u32, o: i64, reason: PositionReason) -> String {
    match reason {
        PositionReason::Committed => {
            format!("c{c} resumed from the committed offset {o}, past {{it}}, and no member still holds {{it}}")
        }
        PositionReason::AutoOffsetReset { earliest: false } => {
            format!("c{c} started at the log end (offset {o}) because auto.offset.reset=latest")
        }
        PositionReason::AutoOffsetReset { earliest: true } => format!(
            "retention deleted {{it}} before c{c} read {{it}}, and c{c} starts again at the log start (offset {o})"
        ),
        PositionReason::TruncationDetected => {
            format!("c{c} moved to offset {o} after its leader's log was truncated")
        }
        PositionReason::SeekToBeginning | PositionReason::SeekToEnd | PositionReason::Seek => {
            format!("c{c} was sought to offset {o}, past {{it}}")
        }
    }
}
