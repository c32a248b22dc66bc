//! The inspector's sentences and the record's fate.

use super::trace::RecordTracer;
use crate::kafka::event::{BatchReadyReason, PartitionChoice};
use crate::kafka::record::RecordId;
use crate::kafka::{BrokerId, KafkaWorld, TopicPartition};
use crate::present::narration::{partition_reason, ready_reason, Tone};

pub(super) fn partitioned(
    id: RecordId,
    partition: &TopicPartition,
    key: Option<&str>,
    how: &PartitionChoice,
) -> String {
    let key = match key {
        Some(k) => format!("key {k}"),
        None => "no key".to_string(),
    };
    format!(
        "p{} called send() ({key}); the partitioner chose {partition}: {}.",
        id.producer,
        partition_reason(how)
    )
}

pub(super) fn joined(records: u32, bytes: u32, batch_size: u32, new_batch: bool) -> String {
    if new_batch {
        format!(
            "It started a new batch in the accumulator ({bytes} of batch.size {batch_size} bytes)."
        )
    } else {
        format!("It joined the open batch, now {records} records, {bytes} of batch.size {batch_size} bytes.")
    }
}

pub(super) fn batch_left(reason: BatchReadyReason, records: u32, bytes: u32) -> String {
    let records = if records == 1 {
        "1 record".to_string()
    } else {
        format!("{records} records")
    };
    format!(
        "Its batch ({records}, {bytes} bytes) left the accumulator: {}.",
        ready_reason(reason)
    )
}

pub(super) fn request(
    id: RecordId,
    broker: BrokerId,
    correlation: u32,
    batches: u32,
    bytes: u32,
) -> String {
    let batches = if batches == 1 {
        "1 batch".to_string()
    } else {
        format!("{batches} batches")
    };
    format!(
        "p{} sent it to {broker} in Produce request #{correlation} ({batches}, {bytes} bytes).",
        id.producer
    )
}

pub(super) fn appended(
    broker: BrokerId,
    partition: &TopicPartition,
    offset: i64,
    epoch: i32,
    again: bool,
) -> String {
    if again {
        format!("{broker}, leader of {partition}, appended it again at offset {offset} (leader epoch {epoch}): a duplicate. A retry sent a batch that had already been written.")
    } else {
        format!("{broker}, leader of {partition}, appended it at offset {offset} (leader epoch {epoch}).")
    }
}

/// A new leader that does not have the record: its log decides, so the record's offset will be
/// given to other records and the replicas that have it will cut it away.
pub(super) fn leader_without(
    broker: BrokerId,
    partition: &TopicPartition,
    epoch: i32,
    holders: &std::collections::BTreeSet<BrokerId>,
    committed: bool,
) -> String {
    let on: Vec<String> = holders.iter().map(|b| b.to_string()).collect();
    let why = if committed {
        "an unclean election chose a replica outside the ISR"
    } else {
        "it was never committed, so the new leader did not need it"
    };
    format!(
        "{broker} became leader of {partition} (leader epoch {epoch}) without this record, which only {} had: {why}. The new leader's log wins.",
        on.join(" and ")
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Gone {
    Truncated,
    PowerFailure,
    Retention,
}

pub(super) fn gone(
    broker: BrokerId,
    partition: &TopicPartition,
    offset: i64,
    why: Gone,
    last: bool,
    acked: bool,
) -> String {
    let how = match why {
        Gone::Truncated => format!("{broker} cut {partition} back below offset {offset}: the new leader never had this record, so the follower drops it"),
        Gone::PowerFailure => format!("{broker} lost power before its disk had offset {offset} of {partition}"),
        Gone::Retention => format!("retention deleted the segment holding offset {offset} of {partition} on {broker}"),
    };
    let end = match (last, acked, why) {
        (true, _, Gone::Retention) => " No replica holds it any more, by design.",
        (true, true, _) => " No replica holds it any more: an acknowledged write is lost.",
        (true, false, _) => " No replica holds it any more.",
        _ => "",
    };
    format!("{how}.{end}")
}

pub(super) fn group_text(group: &Option<String>) -> String {
    match group {
        Some(g) => format!(" (group {g})"),
        None => String::new(),
    }
}

pub(super) fn processed(consumer: u32, who: &str, times: u32) -> (Tone, String) {
    if times == 1 {
        (
            Tone::Routine,
            format!("c{consumer} finished processing it ({who})."),
        )
    } else {
        (Tone::Alarm, format!("c{consumer} processed it again: {who} has processed it {times} times. Its offset had not been committed when the partition was read again."))
    }
}

/// The offsets the partition's authoritative replica holds it at now.
pub(super) fn offsets_now(
    world: &KafkaWorld,
    partition: Option<&TopicPartition>,
    id: RecordId,
) -> Vec<i64> {
    let Some(tp) = partition else {
        return Vec::new();
    };
    let cluster = world.model();
    let Some(broker) = crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
    else {
        return Vec::new();
    };
    broker.replicas[tp]
        .log
        .records()
        .filter(|(_, _, r)| r.id == id)
        .map(|(o, _, _)| o)
        .collect()
}

/// The record's value, from any replica that still holds it.
pub(super) fn value_of(
    world: &KafkaWorld,
    partition: Option<&TopicPartition>,
    id: RecordId,
) -> Option<String> {
    let tp = partition?;
    world.model().brokers.values().find_map(|b| {
        b.replicas
            .get(tp)?
            .log
            .records()
            .find(|(_, _, r)| r.id == id)
            .map(|(_, _, r)| {
                r.value
                    .as_ref()
                    .map_or("null".to_string(), |v| v.to_string())
            })
    })
}

/// Where the record is now, or how it went wrong; and whether that is alarming. `now` is
/// where the partition's authoritative replica holds it, `elsewhere` the other replicas that
/// still have it (a crashed leader's disk).
pub(super) fn fate(t: &RecordTracer, now: &[i64], elsewhere: &[String]) -> (String, bool) {
    let Some(tp) = &t.partition else {
        return if t.failed {
            ("It was never sent: send() failed.".into(), true)
        } else {
            ("Nothing in this run sent it (yet).".into(), false)
        };
    };
    match (now, t.acked) {
        ([], _) if !elsewhere.is_empty() => (
            format!(
                "Only on {} now: {tp}'s leader (or, without one, its newest running replica) does not have it. It survives only if a replica that has it leads again.",
                elsewhere.join(" and ")
            ),
            true,
        ),
        ([], Some(offset)) if !t.offsets.is_empty() => (
            format!("Lost: acknowledged at {tp}@{offset}, but no replica holds it now."),
            true,
        ),
        ([], _) if t.failed => ("Never written: its send failed and the application was told.".into(), true),
        ([], _) if t.offsets.is_empty() => ("Not written yet: it is still on its way to the leader.".into(), false),
        ([], _) => (format!("Gone from {tp}: no replica holds it now."), true),
        ([offset], _) => {
            let state = if t.committed { "committed" } else { "not committed yet (above the high watermark)" };
            let acked = if t.acked.is_some() { ", acknowledged" } else { "" };
            (format!("In {tp} at offset {offset}, {state}{acked}."), false)
        }
        (many, _) => {
            let list: Vec<String> = many.iter().map(|o| o.to_string()).collect();
            (format!("Duplicated: {tp} holds it {} times, at offsets {}.", many.len(), list.join(" and ")), true)
        }
    }
}

/// The replicas other than the authoritative one that still hold it: "b1 (down) at offset 1".
pub(super) fn held_elsewhere(
    world: &KafkaWorld,
    partition: Option<&TopicPartition>,
    id: RecordId,
) -> Vec<String> {
    let Some(tp) = partition else {
        return Vec::new();
    };
    let cluster = world.model();
    let authority =
        crate::check::history::authoritative_replica(cluster.brokers.values(), tp).map(|b| b.id);
    cluster
        .brokers
        .values()
        .filter(|b| Some(b.id) != authority)
        .filter_map(|b| {
            let (offset, _, _) = b
                .replicas
                .get(tp)?
                .log
                .records()
                .find(|(_, _, r)| r.id == id)?;
            let down = if b.process.is_running() {
                ""
            } else {
                " (down)"
            };
            Some(format!("{}{down} at offset {offset}", b.id))
        })
        .collect()
}

/// " Processed by billing; twice by audit." (empty when nobody processed it).
pub(super) fn reads(processed: &std::collections::BTreeMap<String, u32>) -> String {
    let parts: Vec<String> = processed
        .iter()
        .map(|(who, n)| match n {
            1 => format!("once by {who}"),
            2 => format!("twice by {who}"),
            n => format!("{n} times by {who}"),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" Processed {}.", parts.join("; "))
    }
}
