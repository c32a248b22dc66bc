//! Known-answer vectors I1-I6 (Kafka's `UnifiedLogTest.testDuplicateAppends` and
//! `ProducerStateManagerTest`) and the broker's idempotence rules.

use std::collections::BTreeMap;

use kafka_classroom::kafka::broker::producer_state::{
    AppendOrigin, AppendOutcome, ControlRecordType, ProducerStateError, ProducerStateManager,
};
use kafka_classroom::kafka::sequence::IdempotentBatch;
use serde_json::Value;

fn vector(id: &str) -> Value {
    let all: Vec<Value> =
        serde_json::from_str(include_str!("data/idempotence_vectors.json")).unwrap();
    all.into_iter().find(|vector| vector["id"] == id).unwrap()
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap()
}

/// The integers written in an expectation text, e.g. "returns offsets [6,8]".
fn numbers_in(text: &str) -> Vec<i64> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect()
}

/// A tiny leader log: assigns offsets, asks the producer state, writes or not.
struct TinyLog {
    log_end_offset: i64,
    state: ProducerStateManager,
    /// Offsets of each appended batch by (first sequence, last sequence).
    appended: BTreeMap<(i32, i32), (i64, i64)>,
}

impl TinyLog {
    fn new() -> TinyLog {
        TinyLog {
            log_end_offset: 0,
            state: ProducerStateManager::new("t", 0),
            appended: BTreeMap::new(),
        }
    }

    fn append_as_leader(
        &mut self,
        batch: IdempotentBatch,
        records: i64,
    ) -> Result<AppendOutcome, ProducerStateError> {
        let (first_offset, last_offset) = (self.log_end_offset, self.log_end_offset + records - 1);
        let outcome = self.state.validate_and_append(
            &batch,
            first_offset,
            last_offset,
            AppendOrigin::Client,
        )?;
        if let AppendOutcome::Appended { .. } = outcome {
            self.log_end_offset = last_offset + 1;
            self.appended.insert(
                (batch.first_sequence, batch.last_sequence),
                (first_offset, last_offset),
            );
        }
        Ok(outcome)
    }
}

#[test]
fn i1_duplicates_within_five_batches_return_original_offsets() {
    let v = vector("I1");
    let (producer_id, epoch) = (int(&v["pid"]), i16::try_from(int(&v["epoch"])).unwrap());
    let mut log = TinyLog::new();
    for step in v["steps"].as_array().unwrap() {
        let (seq, records) = (int(&step["append"]["seq"]), int(&step["append"]["records"]));
        let batch = IdempotentBatch::with_record_count(
            producer_id,
            epoch,
            i32::try_from(seq).unwrap(),
            i32::try_from(records).unwrap(),
        );
        let log_end_before = log.log_end_offset;
        let result = log.append_as_leader(batch, records);
        if let Some(offsets) = step.get("expectOffsets") {
            let expected = AppendOutcome::Appended {
                first_offset: int(&offsets[0]),
                last_offset: int(&offsets[1]),
            };
            assert_eq!(result, Ok(expected), "step {step}");
            continue;
        }
        let expect = step["expect"].as_str().unwrap();
        assert_eq!(log.log_end_offset, log_end_before, "log unchanged: {step}");
        if expect.starts_with("duplicate") {
            let (first_offset, last_offset) =
                log.appended[&(batch.first_sequence, batch.last_sequence)];
            assert_eq!(
                result,
                Ok(AppendOutcome::Duplicate {
                    first_offset,
                    last_offset
                }),
                "step {step}"
            );
            if let Some(bracket) = expect.find('[') {
                assert_eq!(numbers_in(&expect[bracket..]), [first_offset, last_offset]);
            }
        } else {
            assert!(
                expect.starts_with("OutOfOrderSequenceException"),
                "{expect}"
            );
            assert_eq!(
                result.unwrap_err().error_name(),
                "OUT_OF_ORDER_SEQUENCE_NUMBER",
                "step {step}"
            );
        }
    }
    assert_eq!(log.log_end_offset, 10);
}

/// Runs a `ProducerStateManagerTest` vector against the state manager alone
/// (no log-layer duplicate check), one single-record batch per step.
fn run_state_manager_vector(id: &str) -> ProducerStateManager {
    let v = vector(id);
    let producer_id = 1;
    let default_epoch = v.get("epoch").map_or(0, int);
    let mut state = ProducerStateManager::new("t", 0);
    for (offset, step) in (0..).zip(v["steps"].as_array().unwrap()) {
        let epoch = i16::try_from(step.get("epoch").map_or(default_epoch, int)).unwrap();
        if step.get("marker").is_some() {
            assert_eq!(step["marker"], "ABORT");
            let result = state.append_end_transaction_marker(
                producer_id,
                epoch,
                ControlRecordType::Abort,
                offset,
                AppendOrigin::Coordinator,
            );
            assert_eq!(result, Ok(()), "step {step}");
            continue;
        }
        let origin = match step.get("origin").and_then(Value::as_str) {
            Some("replication") => AppendOrigin::Replication,
            Some("client") | None => AppendOrigin::Client,
            other => panic!("unknown origin {other:?}"),
        };
        let seq = i32::try_from(int(&step["seq"])).unwrap();
        let batch = IdempotentBatch::with_record_count(producer_id, epoch, seq, 1);
        let result = state.append_data_batch(&batch, offset, offset, origin);
        let expect = step["expect"].as_str().unwrap();
        let expected_name = if expect.starts_with("ok") || expect.starts_with("accepted") {
            None
        } else if expect.starts_with("OutOfOrderSequence") {
            Some("OUT_OF_ORDER_SEQUENCE_NUMBER")
        } else if expect.starts_with("InvalidProducerEpoch") {
            Some("INVALID_PRODUCER_EPOCH")
        } else {
            panic!("unknown expectation {expect}")
        };
        assert_eq!(
            result.as_ref().err().map(ProducerStateError::error_name),
            expected_name,
            "step {step}"
        );
        if let Some(at) = expect.find("lastSeq") {
            let last_sequence = state.last_entry(producer_id).unwrap().last_sequence();
            assert_eq!(
                numbers_in(&expect[at..]),
                [i64::from(last_sequence)],
                "step {step}"
            );
        }
    }
    state
}

#[test]
fn i2_state_manager_rejects_repeat_gap_and_older_epoch() {
    let state = run_state_manager_vector("I2");
    let entry = state.last_entry(1).unwrap();
    assert_eq!((entry.producer_epoch(), entry.last_sequence()), (1, 0));
}

#[test]
fn i3_sequence_wraps_from_max_to_zero() {
    let state = run_state_manager_vector("I3");
    let entry = state.last_entry(1).unwrap();
    assert_eq!(entry.producer_epoch(), 15);
    assert_eq!(
        (entry.first_sequence(), entry.last_sequence()),
        (i32::MAX, 0)
    );
}

#[test]
fn i4_after_max_only_zero_is_in_sequence() {
    run_state_manager_vector("I4");
}

#[test]
fn i5_replica_accepts_sequence_gaps_the_leader_refuses() {
    run_state_manager_vector("I5");
}

#[test]
fn i6_control_marker_epoch_bump_requires_sequence_zero() {
    let state = run_state_manager_vector("I6");
    let entry = state.last_entry(1).unwrap();
    assert_eq!((entry.producer_epoch(), entry.last_sequence()), (1, 0));
}

#[test]
fn unknown_producer_may_start_at_any_sequence() {
    let mut state = ProducerStateManager::new("t", 0);
    let batch = IdempotentBatch::with_record_count(7, 3, 42, 2);
    let outcome = state.validate_and_append(&batch, 100, 101, AppendOrigin::Client);
    assert_eq!(
        outcome,
        Ok(AppendOutcome::Appended {
            first_offset: 100,
            last_offset: 101
        })
    );
    assert_eq!(state.last_entry(7).unwrap().last_sequence(), 43);
}

#[test]
fn only_the_last_five_batches_are_retained() {
    let mut log = TinyLog::new();
    for seq in 0..7 {
        log.append_as_leader(IdempotentBatch::with_record_count(1, 0, seq, 1), 1)
            .unwrap();
    }
    let entry = log.state.last_entry(1).unwrap();
    let firsts: Vec<i32> = entry
        .batch_metadata()
        .map(|batch| batch.first_sequence())
        .collect();
    assert_eq!(firsts, [2, 3, 4, 5, 6]);
}

#[test]
fn retry_with_an_older_epoch_is_fenced_not_deduplicated() {
    let mut log = TinyLog::new();
    log.append_as_leader(IdempotentBatch::with_record_count(1, 0, 0, 1), 1)
        .unwrap();
    log.append_as_leader(IdempotentBatch::with_record_count(1, 1, 0, 1), 1)
        .unwrap();
    let error = log
        .append_as_leader(IdempotentBatch::with_record_count(1, 0, 0, 1), 1)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "INVALID_PRODUCER_EPOCH: Epoch of producer 1 at offset 2 in t-0 is 0, which is smaller \
         than the last seen epoch 1"
    );
}

#[test]
fn follower_appends_a_repeated_batch_again() {
    let mut state = ProducerStateManager::new("t", 0);
    let batch = IdempotentBatch::with_record_count(1, 0, 0, 1);
    state
        .validate_and_append(&batch, 0, 0, AppendOrigin::Replication)
        .unwrap();
    let outcome = state.validate_and_append(&batch, 1, 1, AppendOrigin::Replication);
    assert_eq!(
        outcome,
        Ok(AppendOutcome::Appended {
            first_offset: 1,
            last_offset: 1
        })
    );
}

#[test]
fn follower_accepts_a_lower_epoch_and_adopts_it() {
    let mut state = ProducerStateManager::new("t", 0);
    state
        .append_data_batch(
            &IdempotentBatch::with_record_count(1, 5, 0, 1),
            0,
            0,
            AppendOrigin::Client,
        )
        .unwrap();
    let older = IdempotentBatch::with_record_count(1, 4, 9, 1);
    state
        .append_data_batch(&older, 1, 1, AppendOrigin::Replication)
        .unwrap();
    assert_eq!(state.last_entry(1).unwrap().producer_epoch(), 4);
}

#[test]
fn coordinator_origin_checks_only_the_epoch() {
    let mut state = ProducerStateManager::new("t", 0);
    state
        .append_data_batch(
            &IdempotentBatch::with_record_count(1, 2, 0, 1),
            0,
            0,
            AppendOrigin::Client,
        )
        .unwrap();
    let gap = IdempotentBatch::with_record_count(1, 2, 9, 1);
    assert_eq!(
        state.append_data_batch(&gap, 1, 1, AppendOrigin::Coordinator),
        Ok(())
    );
    let marker = state.append_end_transaction_marker(
        1,
        1,
        ControlRecordType::Commit,
        2,
        AppendOrigin::Coordinator,
    );
    assert_eq!(marker.unwrap_err().error_name(), "INVALID_PRODUCER_EPOCH");
}

#[test]
fn marker_with_the_same_epoch_keeps_retained_batches() {
    let mut state = ProducerStateManager::new("t", 0);
    state
        .append_data_batch(
            &IdempotentBatch::with_record_count(1, 0, 0, 1),
            0,
            0,
            AppendOrigin::Client,
        )
        .unwrap();
    state
        .append_end_transaction_marker(
            1,
            0,
            ControlRecordType::Commit,
            1,
            AppendOrigin::Coordinator,
        )
        .unwrap();
    let next = IdempotentBatch::with_record_count(1, 0, 1, 1);
    assert_eq!(
        state.append_data_batch(&next, 2, 2, AppendOrigin::Client),
        Ok(())
    );
}

#[test]
fn batch_spanning_the_wrap_continues_after_zero() {
    let mut log = TinyLog::new();
    let spanning = IdempotentBatch::with_record_count(1, 0, i32::MAX - 1, 3);
    // Sequences 2147483646, 2147483647, 0.
    assert_eq!(spanning.last_sequence, 0);
    log.state
        .append_data_batch(&spanning, 0, 2, AppendOrigin::Replication)
        .unwrap();
    log.log_end_offset = 3;
    let duplicate = log.append_as_leader(spanning, 3);
    assert_eq!(
        duplicate,
        Ok(AppendOutcome::Duplicate {
            first_offset: 0,
            last_offset: 2
        })
    );
    assert!(log
        .append_as_leader(IdempotentBatch::with_record_count(1, 0, 2, 1), 1)
        .is_err());
    assert!(log
        .append_as_leader(IdempotentBatch::with_record_count(1, 0, 1, 1), 1)
        .is_ok());
}

#[test]
fn out_of_order_messages_match_kafka_word_for_word() {
    let mut state = ProducerStateManager::new("orders", 3);
    state
        .append_data_batch(
            &IdempotentBatch::with_record_count(9, 0, 0, 1),
            0,
            0,
            AppendOrigin::Client,
        )
        .unwrap();
    let gap = state.append_data_batch(
        &IdempotentBatch::with_record_count(9, 0, 5, 1),
        1,
        1,
        AppendOrigin::Client,
    );
    assert_eq!(
        gap.unwrap_err().to_string(),
        "OUT_OF_ORDER_SEQUENCE_NUMBER: Out of order sequence number for producer 9 at offset 1 in \
         partition orders-3: 5 (incoming seq. number), 0 (current end sequence number)"
    );
    let new_epoch = state.append_data_batch(
        &IdempotentBatch::with_record_count(9, 1, 4, 1),
        1,
        1,
        AppendOrigin::Client,
    );
    assert_eq!(
        new_epoch.unwrap_err().message(),
        "Invalid sequence number for new epoch of producer 9at offset 1 in partition orders-3: \
         1 (request epoch), 4 (seq. number), 0 (current producer epoch)"
    );
}
