//! The producer side of idempotence: sequence assignment, the in-flight window,
//! and KIP-360 recovery (Kafka's `TransactionManager` for an idempotent producer).

use kafka_classroom::kafka::producer::client_sequences::{
    ClientSequences, EpochBump, ProduceError, ProducerIdAndEpoch, RetryDecision, TopicPartition,
    MAX_IN_FLIGHT_BATCHES_PER_PARTITION,
};

const PRODUCER: ProducerIdAndEpoch = ProducerIdAndEpoch {
    producer_id: 1000,
    epoch: 0,
};

fn tp(partition: i32) -> TopicPartition {
    TopicPartition {
        topic: "orders".into(),
        partition,
    }
}

/// Sends batches 1..=count with the given record counts to partition 0.
fn send(sequences: &mut ClientSequences, record_counts: &[i32]) -> Vec<i32> {
    (1..)
        .zip(record_counts)
        .map(|(batch_id, &count)| {
            sequences
                .assign_sequence(&tp(0), batch_id, count)
                .unwrap()
                .base_sequence()
        })
        .collect()
}

#[test]
fn sequences_start_at_zero_and_advance_by_record_count() {
    let mut sequences = ClientSequences::new(PRODUCER);
    assert_eq!(send(&mut sequences, &[3, 2, 1]), [0, 3, 5]);
    assert_eq!(sequences.partition(&tp(0)).unwrap().next_sequence(), 6);
    let batch = sequences.in_flight_batch(&tp(0), 2).unwrap();
    assert_eq!(
        (batch.producer_id_and_epoch(), batch.last_sequence()),
        (PRODUCER, 4)
    );
}

#[test]
fn each_partition_has_its_own_sequence() {
    let mut sequences = ClientSequences::new(PRODUCER);
    sequences.assign_sequence(&tp(0), 1, 4).unwrap();
    assert_eq!(
        sequences
            .assign_sequence(&tp(1), 2, 1)
            .unwrap()
            .base_sequence(),
        0
    );
}

#[test]
fn at_most_five_batches_are_in_flight_per_partition() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(
        &mut sequences,
        &[1; MAX_IN_FLIGHT_BATCHES_PER_PARTITION as usize],
    );
    assert!(!sequences.may_drain_new_batch(&tp(0)));
    let refused = sequences.assign_sequence(&tp(0), 6, 1).unwrap_err();
    assert!(refused.to_string().starts_with("IllegalStateException: "));
    sequences.handle_completed_batch(&tp(0), 1).unwrap();
    assert_eq!(
        sequences
            .assign_sequence(&tp(0), 6, 1)
            .unwrap()
            .base_sequence(),
        5
    );
}

#[test]
fn next_sequence_wraps_from_max_to_zero() {
    let mut sequences = ClientSequences::new(PRODUCER);
    // 2147483647 records take sequences 0..=2147483646; the next batch spans the wrap.
    assert_eq!(send(&mut sequences, &[i32::MAX, 2]), [0, i32::MAX]);
    assert_eq!(
        sequences
            .in_flight_batch(&tp(0), 2)
            .unwrap()
            .last_sequence(),
        0
    );
    assert_eq!(sequences.partition(&tp(0)).unwrap().next_sequence(), 1);
}

#[test]
fn acknowledgement_moves_last_acked_sequence() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[3, 2]);
    sequences.handle_completed_batch(&tp(0), 2).unwrap();
    sequences.handle_completed_batch(&tp(0), 1).unwrap();
    assert_eq!(
        sequences.partition(&tp(0)).unwrap().last_acked_sequence(),
        4
    );
    assert!(sequences.handle_completed_batch(&tp(0), 1).is_err());
}

#[test]
fn out_of_order_right_after_last_acked_bumps_epoch_and_renumbers_from_zero() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[2, 3, 1]);
    sequences.handle_completed_batch(&tp(0), 1).unwrap();
    // Batch 2 (sequence 2) is the one right after the acknowledged sequence 1.
    let decision = sequences.decide_retry(&tp(0), 2, ProduceError::OutOfOrderSequenceNumber);
    assert_eq!(decision, Ok(RetryDecision::BumpEpochAndRetry));
    let bumped = ProducerIdAndEpoch {
        producer_id: 1000,
        epoch: 1,
    };
    assert_eq!(
        sequences.bump_epoch_if_required(),
        EpochBump::Bumped(bumped)
    );
    let renumbered: Vec<(i32, bool)> = sequences
        .partition(&tp(0))
        .unwrap()
        .in_flight()
        .iter()
        .map(|batch| (batch.base_sequence(), batch.sequence_has_been_reset()))
        .collect();
    assert_eq!(renumbered, [(0, true), (3, true)]);
    let entry = sequences.partition(&tp(0)).unwrap();
    assert_eq!(
        (entry.next_sequence(), entry.last_acked_sequence()),
        (4, -1)
    );
    assert_eq!(
        sequences
            .in_flight_batch(&tp(0), 3)
            .unwrap()
            .producer_id_and_epoch(),
        bumped
    );
}

#[test]
fn out_of_order_of_a_later_in_flight_batch_is_retried_without_bump() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[1, 1, 1]);
    let decision = sequences.decide_retry(&tp(0), 3, ProduceError::OutOfOrderSequenceNumber);
    assert_eq!(decision, Ok(RetryDecision::Retry));
    assert!(!sequences.epoch_bump_required());
    assert_eq!(sequences.bump_epoch_if_required(), EpochBump::NotRequired);
}

#[test]
fn errors_for_the_old_numbering_after_a_bump_are_plain_retries() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[1, 1]);
    sequences
        .decide_retry(&tp(0), 1, ProduceError::OutOfOrderSequenceNumber)
        .unwrap();
    sequences.bump_epoch_if_required();
    // Batch 2's error response to its pre-bump send arrives now. Batch 2 was
    // renumbered by the bump, so the error is stale and must not bump again.
    for error in [
        ProduceError::OutOfOrderSequenceNumber,
        ProduceError::UnknownProducerId,
    ] {
        assert_eq!(
            sequences.decide_retry(&tp(0), 2, error),
            Ok(RetryDecision::Retry)
        );
    }
    assert!(!sequences.epoch_bump_required());
}

#[test]
fn retries_are_sent_in_sequence_order_and_clear_the_reset_flag() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[1, 1]);
    sequences
        .decide_retry(&tp(0), 1, ProduceError::UnknownProducerId)
        .unwrap();
    sequences.bump_epoch_if_required();
    assert!(!sequences.may_drain_retry(&tp(0), 2));
    assert!(sequences.drain_retry(&tp(0), 2).is_err());
    let resent = sequences.drain_retry(&tp(0), 1).unwrap();
    assert_eq!(
        (resent.base_sequence(), resent.sequence_has_been_reset()),
        (0, false)
    );
}

#[test]
fn unknown_producer_id_bumps_epoch_even_for_a_later_batch() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[1, 1, 1]);
    let decision = sequences.decide_retry(&tp(0), 3, ProduceError::UnknownProducerId);
    assert_eq!(decision, Ok(RetryDecision::BumpEpochAndRetry));
}

#[test]
fn other_errors_retry_only_when_retriable() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[1]);
    let retriable = ProduceError::Other { retriable: true };
    let fatal = ProduceError::Other { retriable: false };
    assert_eq!(
        sequences.decide_retry(&tp(0), 1, retriable),
        Ok(RetryDecision::Retry)
    );
    assert_eq!(
        sequences.decide_retry(&tp(0), 1, fatal),
        Ok(RetryDecision::Fail)
    );
    assert!(sequences.decide_retry(&tp(0), 9, retriable).is_err());
}

#[test]
fn other_partitions_adopt_the_new_epoch_once_their_batches_finish() {
    let mut sequences = ClientSequences::new(PRODUCER);
    sequences.assign_sequence(&tp(0), 1, 1).unwrap();
    sequences.assign_sequence(&tp(1), 2, 5).unwrap();
    sequences
        .decide_retry(&tp(0), 1, ProduceError::OutOfOrderSequenceNumber)
        .unwrap();
    sequences.bump_epoch_if_required();
    // Partition 1 still has a batch in flight under epoch 0.
    assert!(!sequences.may_drain_new_batch(&tp(1)));
    sequences.handle_completed_batch(&tp(1), 2).unwrap();
    let next = sequences.assign_sequence(&tp(1), 3, 1).unwrap();
    assert_eq!(
        (next.base_sequence(), next.producer_id_and_epoch().epoch),
        (0, 1)
    );
}

#[test]
fn exhausted_epoch_resets_the_producer_id() {
    let start = ProducerIdAndEpoch {
        producer_id: 1000,
        epoch: i16::MAX,
    };
    let mut sequences = ClientSequences::new(start);
    send(&mut sequences, &[1]);
    sequences
        .decide_retry(&tp(0), 1, ProduceError::UnknownProducerId)
        .unwrap();
    assert_eq!(
        sequences.bump_epoch_if_required(),
        EpochBump::ProducerIdReset
    );
    assert!(!sequences.may_drain_new_batch(&tp(0)));
    assert!(!sequences.may_drain_retry(&tp(0), 1));
    sequences.handle_completed_batch(&tp(0), 1).unwrap();
    let fresh = ProducerIdAndEpoch {
        producer_id: 2000,
        epoch: 0,
    };
    sequences.set_producer_id_and_epoch(fresh);
    let next = sequences.assign_sequence(&tp(0), 2, 1).unwrap();
    assert_eq!(
        (next.base_sequence(), next.producer_id_and_epoch()),
        (0, fresh)
    );
}

#[test]
fn failed_batch_with_unknown_producer_id_restarts_partition_at_zero() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[2]);
    sequences
        .handle_failed_batch(&tp(0), 1, ProduceError::UnknownProducerId, true)
        .unwrap();
    assert!(sequences.partition(&tp(0)).is_none());
    assert!(!sequences.epoch_bump_required());
    assert_eq!(
        sequences
            .assign_sequence(&tp(0), 2, 1)
            .unwrap()
            .base_sequence(),
        0
    );
}

#[test]
fn failed_batch_bumps_epoch_unless_retries_ran_out() {
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[1, 1]);
    let other = ProduceError::Other { retriable: false };
    sequences
        .handle_failed_batch(&tp(0), 1, other, false)
        .unwrap();
    assert!(!sequences.epoch_bump_required());
    sequences
        .handle_failed_batch(&tp(0), 2, other, true)
        .unwrap();
    assert!(sequences.epoch_bump_required());
}

#[test]
fn out_of_order_after_sequence_wrap_is_not_treated_as_next_as_in_kafka() {
    // Kafka's isNextSequence computes 0 - 2147483647 in int arithmetic, which is
    // not 1, so the batch after the wrap is retried without an epoch bump.
    let mut sequences = ClientSequences::new(PRODUCER);
    send(&mut sequences, &[i32::MAX, 1]);
    sequences.handle_completed_batch(&tp(0), 1).unwrap();
    sequences.handle_completed_batch(&tp(0), 2).unwrap();
    assert_eq!(
        sequences.partition(&tp(0)).unwrap().last_acked_sequence(),
        i32::MAX
    );
    assert_eq!(
        sequences
            .assign_sequence(&tp(0), 3, 1)
            .unwrap()
            .base_sequence(),
        0
    );
    let decision = sequences.decide_retry(&tp(0), 3, ProduceError::OutOfOrderSequenceNumber);
    assert_eq!(decision, Ok(RetryDecision::Retry));
}

#[test]
fn no_new_batch_without_a_producer_id() {
    let sequences = ClientSequences::new(ProducerIdAndEpoch::NONE);
    assert!(!sequences.may_drain_new_batch(&tp(0)));
}
