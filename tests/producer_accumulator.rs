//! The record accumulator's batch arithmetic against Kafka's `RecordAccumulator.tryAppend`,
//! `MemoryRecordsBuilder` (`hasRoomFor`, `isFull`, `estimatedSizeInBytes`,
//! `compressionRatio`) and `CompressionRatioEstimator`.

use kafka_classroom::kafka::event::BatchReadyReason;
use kafka_classroom::kafka::producer::accumulator::Accumulator;
use kafka_classroom::kafka::record::{Payload, Record, RecordId, RECORD_BATCH_OVERHEAD};
use kafka_classroom::kafka::TopicPartition;
use kafka_classroom::sim::{SimDuration, SimTime};

fn record(serial: u32, len: u32) -> Record {
    Record {
        id: RecordId {
            producer: 1,
            serial,
        },
        offset_delta: 0,
        timestamp_ms: 0,
        key: None,
        value: Some(Payload::Filler { len }),
        headers: vec![],
    }
}

/// Teach the estimator a ratio of `thousandths` for topic `t` (200 batches whose record bytes
/// compress to that ratio).
fn learned(thousandths: u32) -> Accumulator {
    let mut acc = Accumulator::default();
    for _ in 0..200 {
        acc.observe_compression(
            "t",
            RECORD_BATCH_OVERHEAD + thousandths * 10,
            RECORD_BATCH_OVERHEAD + 10_000,
        );
    }
    acc
}

/// `MemoryRecordsBuilder.compressionRatio` is the compressed record bytes over the
/// uncompressed record bytes: the 61-byte header, never compressed, is in neither.
#[test]
fn the_observed_compression_ratio_leaves_the_batch_header_out() {
    let mut acc = Accumulator::default();
    for _ in 0..200 {
        // 600 record bytes compressed to 180: a ratio of 0.3, not 241 / 661 = 0.365.
        acc.observe_compression(
            "t",
            RECORD_BATCH_OVERHEAD + 180,
            RECORD_BATCH_OVERHEAD + 600,
        );
    }
    assert_eq!(acc.ratio_estimate("t"), 300);
}

/// `hasRoomFor`: the batch's current estimate plus the new record's *uncompressed* size must
/// stay within `batch.size` ("be conservative and not take compression of the new record into
/// consideration"), so a compressed batch refuses a record a little before its estimate would
/// reach `batch.size`.
#[test]
fn room_for_a_record_counts_the_record_uncompressed() {
    let mut acc = learned(300);
    let ratio = acc.ratio_estimate("t") as u64;
    let tp = TopicPartition::new("t", 0);
    for i in 0..60 {
        acc.append(&tp, record(i, 1000), SimTime::ZERO, 16384, true, i as u64);
    }
    let first = &acc.queues()[&tp][0];
    // Every record here encodes to the same size (offset deltas below 64 take one byte).
    let size = record(0, 1000).size_in_batch(0) as u64;
    let estimate = |records: u64| 61 + records * size * ratio * 1050 / 1_000_000;
    // Kafka: a batch of n records takes one more while estimate(n) + size <= batch.size.
    let kafka = (1..)
        .find(|&n| estimate(n) + size > 16384)
        .expect("bounded");
    // Compressing the new record too would have let it take more.
    let compressing_the_record_too = (1..).find(|&n| estimate(n + 1) > 16384).expect("bounded");
    assert!(kafka < compressing_the_record_too);
    assert_eq!(first.record_count() as u64, kafka, "ratio {ratio}");
}

/// `tryAppend` reports `estimatedSizeInBytes` after minus before, and `appendNewBatch` the new
/// batch's whole estimate, header included: the bytes the built-in partitioner counts towards
/// its switch.
#[test]
fn appended_bytes_are_the_growth_of_the_estimated_batch_size() {
    let mut acc = Accumulator::default();
    let tp = TopicPartition::new("t", 0);
    let first = acc.append(&tp, record(0, 62), SimTime::ZERO, 400, false, 0);
    assert!(first.new_batch);
    assert_eq!(first.appended_bytes, RECORD_BATCH_OVERHEAD + 70);
    let second = acc.append(&tp, record(1, 62), SimTime::ZERO, 400, false, 0);
    assert_eq!(second.appended_bytes, 70);

    let mut acc = learned(300);
    let new = acc.append(&tp, record(0, 1000), SimTime::ZERO, 16384, true, 0);
    assert_eq!(
        new.appended_bytes, new.batch_bytes,
        "a new batch counts its estimate"
    );
    let grown = acc.append(&tp, record(1, 1000), SimTime::ZERO, 16384, true, 0);
    assert_eq!(grown.appended_bytes, grown.batch_bytes - new.batch_bytes);
    assert!(
        grown.appended_bytes < 400,
        "about 0.3 x 1.05 of the 1009 raw bytes, not the raw bytes: {}",
        grown.appended_bytes
    );
}

/// A record that does not fit closes the batch for appends
/// (`ProducerBatch.closeForRecordAppends`): the batch is full from then on, even though its
/// estimate is below `batch.size`, so it is ready to send and the built-in partitioner may
/// switch away from it.
#[test]
fn a_record_that_does_not_fit_closes_the_batch() {
    let mut acc = Accumulator::default();
    let tp = TopicPartition::new("t", 0);
    for i in 0..4 {
        acc.append(&tp, record(i, 62), SimTime::ZERO, 400, false, 0);
    }
    assert_eq!(acc.queues()[&tp][0].estimated_bytes, 341);
    assert!(!acc.all_batches_full(&tp, 400));
    let refused = acc
        .try_append(&tp, record(4, 62), 400)
        .expect_err("341 + 70 > 400");
    assert_eq!(
        refused.id.serial, 4,
        "the record comes back to be placed elsewhere"
    );
    assert_eq!(acc.queue_len(&tp), 1, "no new batch yet");
    assert!(
        acc.all_batches_full(&tp, 400),
        "the closed batch counts as full"
    );
    assert_eq!(
        acc.ready_reason(
            &tp,
            SimTime::from_ms(1),
            400,
            SimDuration::from_ms(500),
            false,
            false
        ),
        Some(BatchReadyReason::Full)
    );
    assert!(
        acc.try_append(&tp, record(5, 1), 400).is_err(),
        "a closed batch takes no record, however small"
    );
}
