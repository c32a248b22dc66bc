//! Guarantee monitors: the moment a run breaks a promise, named as it happens. An acknowledged
//! write is lost when a replica cuts away (or loses in a power failure) the last copy of a record
//! the history checker saw acknowledged; a record is processed twice when a group processes an
//! offset it had processed before; a duplicate or a reordering is named when the leader appends
//! it (`ordering`); a record is never processed once its group has moved past it with no member
//! holding it (`skipped`). Each names the record, so "Show me" can open the inspector at the
//! step that did it.

mod ordering;
mod skipped;

use crate::check::history::History;
use crate::kafka::event::Event;
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaStep, KafkaWorld, TopicPartition};

/// Offsets examined per truncation (a truncation of more is summarised by its first losses).
const MAX_OFFSETS: i64 = 500;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ViolationKind {
    LostWrite,
    Duplicate,
    Reordered,
    ProcessedTwice,
    NeverProcessed,
}

/// A broken guarantee, at the step that broke it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Violation {
    pub kind: ViolationKind,
    pub step: u64,
    pub time: String,
    pub text: String,
    /// The record to inspect.
    pub record: RecordId,
    /// Every offset it names (a never-processed finding names a run of them), with the group
    /// for the consumer kinds: a later step does not name them again.
    pub offsets: Vec<(TopicPartition, i64)>,
    pub group: Option<String>,
}

/// What one event found: the kind, the sentence, the record to inspect, the offsets it names
/// and the group (consumer kinds).
type Finding = (
    ViolationKind,
    String,
    RecordId,
    Vec<(TopicPartition, i64)>,
    Option<String>,
);

/// What this step broke; `history` has already observed it, `world` is the world after it;
/// `earlier`: what the timeline broke before (a record never processed is named once).
pub fn violations(
    step: &KafkaStep,
    world: &KafkaWorld,
    history: &History,
    earlier: &[Violation],
) -> Vec<Violation> {
    let mut findings: Vec<Finding> = replication(step, world, history);
    for event in &step.events {
        findings.extend(ordering::appended(event, world));
        findings.extend(skipped::never_processed(event, world, history, earlier));
    }
    let time = super::view::time_text(step.time);
    findings
        .into_iter()
        .map(|(kind, text, record, offsets, group)| Violation {
            kind,
            step: step.index,
            time: time.clone(),
            text,
            record,
            offsets,
            group,
        })
        .collect()
}

/// Lost acknowledged writes and records processed twice.
fn replication(step: &KafkaStep, world: &KafkaWorld, history: &History) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut say = |kind: ViolationKind, text: String, record: RecordId| {
        out.push((kind, text, record, Vec::new(), None));
    };
    for event in &step.events {
        match event {
            Event::FollowerTruncated {
                broker,
                partition,
                from,
                to,
                ..
            }
            | Event::RecordsLostOnPowerFailure {
                broker,
                partition,
                from: to,
                to: from,
            } => {
                for (offset, id) in lost(world, history, partition, *to, *from) {
                    say(
                        ViolationKind::LostWrite,
                        format!("An acknowledged write was lost: {id} ({partition}@{offset}) is gone from {broker}, and no replica has it any more."),
                        id,
                    );
                }
            }
            Event::BecameLeader {
                broker,
                partition,
                log_end_offset,
                ..
            } => {
                for (offset, id) in left_behind(world, history, *broker, partition, *log_end_offset)
                {
                    say(
                        ViolationKind::LostWrite,
                        format!("An acknowledged write was lost: {broker} now leads {partition} without {id} ({partition}@{offset}); the replicas that have it will cut it away."),
                        id,
                    );
                }
            }
            Event::RecordsProcessed {
                consumer,
                group,
                records,
            } => {
                if let Some((text, id)) = processed_twice(history, *consumer, group, records) {
                    say(ViolationKind::ProcessedTwice, text, id);
                }
            }
            _ => {}
        }
    }
    out
}

/// Acknowledged records in `[from, to)` of `tp` that no replica holds any more.
fn lost(
    world: &KafkaWorld,
    history: &History,
    tp: &TopicPartition,
    from: i64,
    to: i64,
) -> Vec<(i64, RecordId)> {
    (from..to.min(from + MAX_OFFSETS))
        .flat_map(|o| history.acked_at(tp, o).into_iter().map(move |id| (o, id)))
        .filter(|(_, id)| {
            !world.model().brokers.values().any(|b| {
                b.replicas
                    .get(tp)
                    .is_some_and(|r| r.log.records().any(|(_, _, rec)| rec.id == *id))
            })
        })
        .collect()
}

/// Acknowledged records at or above a new leader's log end that its log does not have: the new
/// leader's log wins, so they are gone from the partition.
fn left_behind(
    world: &KafkaWorld,
    history: &History,
    leader: crate::kafka::BrokerId,
    tp: &TopicPartition,
    log_end_offset: i64,
) -> Vec<(i64, RecordId)> {
    let cluster = world.model();
    let highest = cluster
        .brokers
        .values()
        .filter_map(|b| b.replicas.get(tp))
        .map(|r| r.log_end_offset())
        .max()
        .unwrap_or(0);
    let Some(log) = cluster
        .brokers
        .get(&leader)
        .and_then(|b| b.replicas.get(tp))
    else {
        return Vec::new();
    };
    (log_end_offset..highest.min(log_end_offset + MAX_OFFSETS))
        .flat_map(|o| history.acked_at(tp, o).into_iter().map(move |id| (o, id)))
        .filter(|(_, id)| !log.log.records().any(|(_, _, r)| r.id == *id))
        .collect()
}

/// Records of one `RecordsProcessed` that their group had processed before: one sentence.
fn processed_twice(
    history: &History,
    consumer: u32,
    group: &Option<String>,
    records: &[(TopicPartition, i64, RecordId)],
) -> Option<(String, RecordId)> {
    let who = group.clone().unwrap_or_else(|| format!("c{consumer}"));
    let again: Vec<&(TopicPartition, i64, RecordId)> = records
        .iter()
        .filter(|(tp, o, _)| history.times_processed(&who, tp, *o) == 2)
        .collect();
    let (tp, offset, id) = again.first()?;
    let more = match again.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some((
        format!("Processed twice: {who} (c{consumer}) processed {id} ({tp}@{offset}){more} a second time."),
        *id,
    ))
}
