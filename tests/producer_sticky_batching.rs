//! The built-in partitioner and the accumulator together (Kafka's `RecordAccumulator.append`
//! with `BuiltInPartitioner`): keyless records at a steady rate must fill a batch on every
//! partition visit. A record that does not fit closes the batch, which then counts as full, the
//! partitioner switches, and that record starts the next partition's batch; almost no batch is
//! left behind to leave by `linger.ms`. The BP1-BP7 vectors test the partitioner alone and do
//! not catch a wrong hand-off between the two.

use kafka_classroom::kafka::event::{BatchReadyReason, Event};
use kafka_classroom::kafka::KafkaStep;
use kafka_classroom::lesson::Lesson;
use std::collections::BTreeMap;

/// 3 brokers each leading one partition of `orders`; one producer with `batch.size` 400 and
/// `linger.ms` 500 sending `total` keyless records of 70 bytes (a 62-byte value) at 400 a second.
fn steady_keyless_lesson(total: u64, extra_config: &str) -> Lesson {
    let text = format!(
        r#"{{
  "version": 1, "id": "steady-keyless", "title": "steady keyless records",
  "seed": 7, "run_until_ms": 12000,
  "cluster": {{ "brokers": 3 }},
  "topics": [ {{ "name": "orders", "partitions": 3, "replication_factor": 3 }} ],
  "producers": [ {{ "config": {{ "linger.ms": 500, "batch.size": 400 {extra_config} }} }} ],
  "actions": [
    {{ "at_ms": 100, "action": "set_produce_rate", "producer": "p1", "topic": "orders",
      "records_per_second": 400, "keys": [], "total": {total}, "value_bytes": 62 }}
  ]
}}"#
    );
    Lesson::parse(&text).expect("the test lesson parses")
}

fn run(lesson: &Lesson) -> Vec<KafkaStep> {
    let mut steps = Vec::new();
    let world = lesson.run(lesson.seed, |step| steps.push(step.clone()));
    let p1 = &world.model().producers[&1];
    assert_eq!(
        p1.stats.records_acked, p1.stats.records_sent,
        "every record is acknowledged by the end"
    );
    steps
}

fn batches_by_reason(steps: &[KafkaStep]) -> BTreeMap<&'static str, Vec<u32>> {
    let mut by_reason: BTreeMap<&'static str, Vec<u32>> = BTreeMap::new();
    for event in steps.iter().flat_map(|s| &s.events) {
        if let Event::BatchReady {
            reason, records, ..
        } = event
        {
            by_reason.entry(reason.name()).or_default().push(*records);
        }
    }
    by_reason
}

#[test]
fn keyless_records_at_a_steady_rate_fill_a_batch_on_every_partition_visit() {
    let steps = run(&steady_keyless_lesson(2_000, ""));
    let by_reason = batches_by_reason(&steps);
    let linger = by_reason
        .get(BatchReadyReason::LingerExpired.name())
        .map_or(0, Vec::len);
    assert!(
        linger <= 2,
        "{linger} batches left by linger.ms instead of full: {by_reason:?}"
    );
    let full = &by_reason[BatchReadyReason::Full.name()];
    // 61 header bytes + 4 records of 70 = 341; a fifth would make 411 > 400.
    assert!(
        full.iter().all(|&records| records == 4),
        "a full batch holds 4 records of 70 bytes: {full:?}"
    );
    assert!(
        full.len() >= 490,
        "{} full batches: {by_reason:?}",
        full.len()
    );
}

/// Each switch happens while appending the record that did not fit: the batch it did not fit in
/// is closed and leaves as full, and the record opens the new partition's batch
/// (`AppendCallbacks.setPartition` tells `doSend` the final partition).
#[test]
fn the_record_that_does_not_fit_starts_the_next_partitions_batch() {
    let steps = run(&steady_keyless_lesson(600, ""));
    let mut switches = 0;
    for step in &steps {
        let Some(switch) = step
            .events
            .iter()
            .position(|e| matches!(e, Event::StickyPartitionSwitched { from: Some(_), .. }))
        else {
            continue;
        };
        let Event::StickyPartitionSwitched {
            from: Some(from),
            to,
            ..
        } = &step.events[switch]
        else {
            unreachable!()
        };
        // The batch the record did not fit in is closed, so full, and leaves at once.
        let left_full = step.events.iter().any(|e| {
            matches!(e, Event::BatchReady { partition, reason: BatchReadyReason::Full, .. }
                if partition.partition == *from)
        });
        assert!(
            left_full,
            "step {}: the closed batch of partition {from} did not leave as full: {:?}",
            step.index, step.events
        );
        let appended = step.events[switch..].iter().find_map(|e| match e {
            Event::RecordAppendedToBatch {
                partition,
                new_batch,
                batch_records,
                ..
            } => Some((partition.partition, *new_batch, *batch_records)),
            _ => None,
        });
        assert_eq!(
            appended,
            Some((*to, true, 1)),
            "step {}: the switch to {to} must place the overflowing record there: {:?}",
            step.index,
            step.events
        );
        switches += 1;
    }
    assert!(switches >= 50, "only {switches} switches");
}

/// With compression the bytes counted towards the switch are the growth of each batch's
/// *estimated compressed* size, a new batch counting its whole estimate with the 61-byte header
/// (`BuiltInPartitioner.updatePartitionInfo` fed by `tryAppend`'s `estimatedSizeInBytes`
/// difference). So every partition visit places at least `batch.size` estimated bytes; counting
/// raw record bytes instead would move on after fewer (about three times too early with gzip).
#[test]
fn with_compression_a_partition_visit_places_batch_size_estimated_bytes() {
    let steps = run(&steady_keyless_lesson(
        3_000,
        r#", "compression.type": "gzip", "batch.size": 2000"#,
    ));
    let by_reason = batches_by_reason(&steps);
    let linger = by_reason
        .get(BatchReadyReason::LingerExpired.name())
        .map_or(0, Vec::len);
    assert!(
        linger <= 2,
        "{linger} batches left by linger.ms: {by_reason:?}"
    );
    let visits = estimated_bytes_per_visit(&steps);
    assert!(visits.len() >= 15, "{visits:?}");
    assert!(
        visits.iter().all(|&bytes| bytes >= 2000),
        "a visit ended before batch.size estimated bytes: {visits:?}"
    );
}

/// Estimated bytes appended to each sticky partition between switches (the last, unfinished
/// visit left out): a new batch counts its estimate, an append what the estimate grew by.
fn estimated_bytes_per_visit(steps: &[KafkaStep]) -> Vec<u32> {
    let mut visits = vec![0u32];
    let mut last_estimate = BTreeMap::new();
    for event in steps.iter().flat_map(|s| &s.events) {
        match event {
            Event::StickyPartitionSwitched { from: Some(_), .. } => visits.push(0),
            Event::RecordAppendedToBatch {
                partition,
                batch_bytes,
                new_batch,
                ..
            } => {
                let before = last_estimate.insert(*partition, *batch_bytes);
                let grown = match (new_batch, before) {
                    (false, Some(before)) => batch_bytes - before,
                    _ => *batch_bytes,
                };
                *visits.last_mut().expect("non-empty") += grown;
            }
            _ => {}
        }
    }
    visits.pop();
    visits
}

/// Kafka's `KafkaProducer.doSend` wakes the sender only when the append opened a new batch or
/// left one ready (`RecordAppendResult.batchIsFull || newBatchCreated`). A record that closes a
/// full batch on one partition and then joins a batch still lingering on the next partition does
/// neither, so the full batch leaves when the sender next wakes (a linger expiry, a response),
/// not in that step; a record that opens a new batch wakes the sender at once, and it sends the
/// batch that just closed.
#[test]
fn the_sender_wakes_for_a_new_batch_and_not_for_a_record_joining_a_lingering_one() {
    let lesson = kafka_classroom::lesson::builtin::all()
        .into_iter()
        .find(|l| l.id == "batching-step-by-step")
        .expect("the built-in batching lesson");
    let mut steps: Vec<KafkaStep> = Vec::new();
    lesson.run(lesson.seed, |step| steps.push(step.clone()));
    let (mut joined_lingering, mut opened) = (0, 0);
    for step in &steps {
        let events = &step.events;
        let Some(closed) = events.iter().find_map(|e| match e {
            Event::StickyPartitionSwitched { from: Some(p), .. } => Some(*p),
            _ => None,
        }) else {
            continue;
        };
        let full_ready = events.iter().any(|e| {
            matches!(e, Event::BatchReady { partition, reason: BatchReadyReason::Full, .. }
                if partition.partition == closed)
        });
        let new_batch = events.iter().find_map(|e| match e {
            Event::RecordAppendedToBatch {
                new_batch,
                batch_bytes,
                batch_size,
                ..
            } => Some(*new_batch || batch_bytes >= batch_size),
            _ => None,
        });
        match new_batch {
            Some(false) => {
                joined_lingering += 1;
                assert!(
                    !full_ready,
                    "step {}: the sender ran though no batch was opened or filled",
                    step.index
                );
            }
            Some(true) => {
                opened += 1;
                assert!(
                    full_ready,
                    "step {}: a new batch woke the sender, which sends the closed batch",
                    step.index
                );
            }
            None => {}
        }
    }
    assert!(
        joined_lingering > 0 && opened > 0,
        "the lesson has both kinds of switch: {joined_lingering} joined a lingering batch, \
         {opened} opened a new one"
    );
}
