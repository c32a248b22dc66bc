//! Retention and compaction on running clusters (Kafka's retention and cleaner rules): segments roll by
//! `segment.bytes`, retention deletes whole segments by time and size and never past the high
//! watermark, followers follow the leader's log start offset, a consumer below the log start
//! offset is reset, compaction keeps the latest record of each key at its offset and removes
//! tombstones after `delete.retention.ms`, and a compacted topic refuses keyless records.

use kafka_classroom::check::History;
use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::{KafkaWorld, TopicPartition};
use kafka_classroom::lesson::{builtin, Lesson};
use kafka_classroom::sim::SimTime;
use std::collections::BTreeMap;

/// Run `lesson`, calling `each` after every step with the world.
fn run_watching(lesson: &Lesson, mut each: impl FnMut(&KafkaWorld, &[Event])) -> KafkaWorld {
    let mut world = lesson.world(lesson.seed);
    let end = SimTime::from_ms(lesson.run_until_ms);
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().expect("a step");
        each(&world, &step.events);
    }
    world
}

fn size_retention_lesson() -> Lesson {
    Lesson::parse(
        r#"{
      "version": 1, "id": "size", "title": "size retention", "seed": 3, "run_until_ms": 30000,
      "cluster": { "brokers": 2, "config": { "log.retention.check.interval.ms": 1000 } },
      "topics": [ { "name": "t", "partitions": 1, "replication_factor": 2,
                    "config": { "retention.bytes": 3000, "segment.bytes": 1000 } } ],
      "producers": [ { "config": { "acks": "all", "linger.ms": 0 } } ],
      "actions": [ { "at_ms": 100, "action": "set_produce_rate", "producer": "p1", "topic": "t",
                     "records_per_second": 10, "total": 200 } ]
    }"#,
    )
    .unwrap()
}

#[test]
fn segments_roll_by_size_and_size_retention_deletes_whole_segments() {
    let lesson = size_retention_lesson();
    let mut deletions = 0;
    let tp = TopicPartition::new("t", 0);
    let world = run_watching(&lesson, |world, events| {
        for e in events {
            if let Event::SegmentsDeleted {
                to_offset,
                new_log_start_offset,
                ..
            } = e
            {
                deletions += 1;
                assert_eq!(to_offset, new_log_start_offset, "whole segments only");
            }
        }
        for b in world.model().brokers.values() {
            if let Some(r) = b.replicas.get(&tp) {
                let segments = r.log.segments();
                // Segments are contiguous and the log start is the first one's base offset.
                for pair in segments.windows(2) {
                    assert!(pair[0].next_offset() <= pair[1].base_offset);
                }
                if r.is_leader() {
                    assert!(r.log.log_start_offset() <= r.high_watermark);
                }
            }
        }
    });
    assert!(
        deletions >= 2,
        "size retention deleted segments {deletions} times"
    );
    for b in world.model().brokers.values() {
        let r = &b.replicas[&tp];
        assert!(r.log.segments().len() > 1, "rolled by segment.bytes");
        for s in &r.log.segments()[..r.log.segments().len() - 1] {
            assert!(
                s.size_bytes <= 1000 || s.batches.len() == 1,
                "segment of {} B",
                s.size_bytes
            );
        }
        // What is left is within retention.bytes plus the active segment.
        let active = r.log.segments().last().unwrap().size_bytes;
        assert!(
            r.log.size_bytes() - active <= 3000,
            "{} B kept",
            r.log.size_bytes()
        );
        assert_eq!(r.log.log_start_offset(), r.log.segments()[0].base_offset);
    }
}

#[test]
fn retention_never_passes_the_high_watermark_and_followers_follow_the_log_start() {
    let lesson = builtin::load("lag-beyond-retention").unwrap();
    let tp = TopicPartition::new("events", 0);
    let mut resets = 0;
    let world = run_watching(&lesson, |world, events| {
        for e in events {
            match e {
                Event::PositionReset { partition, .. } if *partition == tp => resets += 1,
                _ => {}
            }
        }
        for b in world.model().brokers.values() {
            if let Some(r) = b.replicas.get(&tp) {
                if r.is_leader() {
                    assert!(
                        r.log.log_start_offset() <= r.high_watermark,
                        "{} log start {} above HW {}",
                        b.id,
                        r.log.log_start_offset(),
                        r.high_watermark
                    );
                }
            }
        }
    });
    let starts: Vec<i64> = world
        .model()
        .brokers
        .values()
        .map(|b| b.replicas[&tp].log.log_start_offset())
        .collect();
    assert!(starts[0] > 0);
    assert!(
        starts.iter().all(|s| *s == starts[0]),
        "replicas agree: {starts:?}"
    );
    // The restarted consumer's committed offset was out of range: it was reset.
    assert!(
        resets >= 2,
        "initial reset and the out-of-range reset: {resets}"
    );
}

#[test]
fn compaction_keeps_the_latest_record_per_key_at_its_offset_and_drops_tombstones_later() {
    let lesson = builtin::load("compaction-keeps-latest").unwrap();
    let tp = TopicPartition::new("accounts", 0);
    let mut history = History::new();
    let mut tombstone_kept_after_a_pass = false;
    let mut acked: BTreeMap<i64, String> = BTreeMap::new();
    let mut world = lesson.world(lesson.seed);
    let end = SimTime::from_ms(lesson.run_until_ms);
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().unwrap();
        history.observe(&step);
        let leader = world
            .model()
            .brokers
            .values()
            .find(|b| b.replicas.get(&tp).is_some_and(|r| r.is_leader()))
            .unwrap();
        let log = &leader.replicas[&tp].log;
        for batch in log.batches() {
            for (offset, record) in batch.offsets_and_records() {
                let text = format!("{}={}", record.key_text(), record.value_text());
                // Offsets never move: a record found at an offset is always the same record.
                let known = acked.entry(offset).or_insert_with(|| text.clone());
                assert_eq!(*known, text, "offset {offset} changed");
                if record.value.is_none() && log.cleaner_checkpoint().is_some_and(|c| offset < c) {
                    tombstone_kept_after_a_pass = true;
                }
            }
        }
        // Below the cleaner checkpoint each key appears once.
        if let Some(clean) = log.cleaner_checkpoint() {
            let mut keys = std::collections::BTreeSet::new();
            for batch in log.batches() {
                for (offset, record) in batch.offsets_and_records() {
                    if offset < clean {
                        assert!(
                            keys.insert(record.key_text()),
                            "{} twice below {clean}",
                            record.key_text()
                        );
                    }
                }
            }
        }
    }
    assert!(
        tombstone_kept_after_a_pass,
        "a cleaned tombstone survives until delete.retention.ms"
    );
    let report = history.analyze(&world);
    assert!(report.lost.is_empty());
    assert!(report.compacted_away > 0);
    let leader = world
        .model()
        .brokers
        .values()
        .find(|b| b.replicas[&tp].is_leader())
        .unwrap();
    let keys: Vec<String> = leader.replicas[&tp]
        .log
        .batches()
        .flat_map(|b| b.records.iter().map(|r| r.key_text()).collect::<Vec<_>>())
        .collect();
    assert!(
        !keys.contains(&"bob".to_string()),
        "bob's tombstone was removed: {keys:?}"
    );
}

#[test]
fn a_compacted_topic_refuses_records_without_a_key() {
    let lesson = builtin::load("compaction-keeps-latest").unwrap();
    let mut refused = 0;
    run_watching(&lesson, |_, events| {
        for e in events {
            if let Event::ProduceFailed {
                error, retrying, ..
            } = e
            {
                assert_eq!(error.to_string(), "INVALID_RECORD");
                assert!(!retrying, "INVALID_RECORD is not retriable");
                refused += 1;
            }
        }
    });
    assert_eq!(refused, 1);
}
