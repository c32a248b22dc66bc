//! Duplicates and reorderings, named when the leader appends them: a record already in the
//! partition's log (a retry the broker had written before), or a record landing after one its
//! producer sent later with the same key (a retry overtaken by the next batch). The same rules
//! as the history checker's, over the last `WINDOW` offsets before the append.

use super::{Finding, ViolationKind};
use crate::kafka::event::Event;
use crate::kafka::log::PartitionLog;
use crate::kafka::record::{Record, RecordId};
use crate::kafka::{KafkaWorld, TopicPartition};
use std::collections::BTreeMap;

/// Offsets before an append compared with it.
const WINDOW: i64 = 500;

/// A producer's records with one key, in log order.
type Slot = (u32, Option<String>);

/// What the leader's append of this event duplicated or reordered.
pub(super) fn appended(event: &Event, world: &KafkaWorld) -> Vec<Finding> {
    let Event::BatchAppended {
        broker,
        partition,
        base_offset,
        last_offset,
        ..
    } = event
    else {
        return Vec::new();
    };
    let Some(log) = world
        .model()
        .brokers
        .get(broker)
        .and_then(|b| b.replicas.get(partition))
        .map(|r| &r.log)
    else {
        return Vec::new();
    };
    let from = (base_offset - WINDOW).max(log.log_start_offset());
    if rises_above_window(log, from, *base_offset, last_offset + 1) {
        return Vec::new();
    }
    let before = window(log, from, *base_offset);
    let new = window(log, *base_offset, last_offset + 1);
    let mut seen: BTreeMap<RecordId, i64> = BTreeMap::new();
    let mut last: BTreeMap<Slot, (RecordId, i64)> = BTreeMap::new();
    for (offset, id, key) in &before {
        if seen.insert(*id, *offset).is_none() {
            last.insert((id.producer, key.clone()), (*id, *offset));
        }
    }
    let mut out = Vec::new();
    let mut again: Vec<(RecordId, i64, i64)> = Vec::new();
    for (offset, id, key) in new {
        if let Some(first) = seen.get(&id) {
            again.push((id, *first, offset));
            continue;
        }
        seen.insert(id, offset);
        let slot = (id.producer, key.clone());
        if let Some((previous, at)) = last.get(&slot).filter(|(p, _)| p.serial > id.serial) {
            out.push(reordered(partition, (*previous, *at), (id, offset), &key));
        }
        last.insert(slot, (id, offset));
    }
    if let Some(&(id, first, offset)) = again.first() {
        let more = match again.len() {
            1 => String::new(),
            n => format!(" (and {} more records)", n - 1),
        };
        out.insert(0, (
            ViolationKind::Duplicate,
            format!("Duplicate: {id} is in {partition} twice, at offsets {first} and {offset}{more}: p{} sent it again after an attempt that failed or timed out, though {broker} had written it.", id.producer),
            id,
            again.iter().map(|(_, _, o)| (*partition, *o)).collect(),
            None,
        ));
    }
    out
}

fn reordered(
    tp: &TopicPartition,
    (previous, at): (RecordId, i64),
    (id, offset): (RecordId, i64),
    key: &Option<String>,
) -> Finding {
    let key = key
        .as_ref()
        .map_or("no key".to_string(), |k| format!("key \"{k}\""));
    (
        ViolationKind::Reordered,
        format!("Reordered: {id} ({tp}@{offset}) landed after {previous} ({tp}@{at}), though p{} sent it first ({key}): its retry was overtaken by a later batch.", id.producer),
        id,
        vec![(*tp, offset)],
        None,
    )
}

/// The quick answer for the usual append: each appended record's serial is above every serial
/// its producer has in the window and in the batch before it. Then no record can be there
/// twice (a duplicate has an equal serial) and none can land after a later one of its producer
/// (that one's serial would be higher), so the full comparison would find nothing. This reads
/// the offsets without copying keys or building maps, which the full comparison does.
fn rises_above_window(log: &PartitionLog, from: i64, base_offset: i64, end: i64) -> bool {
    // (producer, highest serial seen); a run has a handful of producers.
    let mut highest: Vec<(u32, u32)> = Vec::new();
    let mut above = |id: RecordId| match highest.iter_mut().find(|(p, _)| *p == id.producer) {
        Some((_, serial)) => {
            let rises = id.serial > *serial;
            *serial = (*serial).max(id.serial);
            rises
        }
        None => {
            highest.push((id.producer, id.serial));
            true
        }
    };
    // One pass over the window and the batch: the window's serials only raise the bar.
    records(log, from, end).all(|(offset, record)| above(record.id) || offset < base_offset)
}

/// `(offset, record, key)` of the log's records in `[from, to)`.
fn window(log: &PartitionLog, from: i64, to: i64) -> Vec<(i64, RecordId, Option<String>)> {
    records(log, from, to)
        .map(|(o, r)| (o, r.id, r.key.as_ref().map(|k| k.to_string())))
        .collect()
}

/// The log's records in `[from, to)` with their offsets, borrowed; none when `from` is outside
/// the log (as `PartitionLog::read` would refuse it).
fn records(log: &PartitionLog, from: i64, to: i64) -> impl Iterator<Item = (i64, &Record)> {
    let inside = from < to && from >= log.log_start_offset() && from <= log.log_end_offset();
    log.batches_between(from, if inside { to } else { i64::MIN })
        .flat_map(|b| b.offsets_and_records())
        .filter(move |(o, _)| *o >= from && *o < to)
}
