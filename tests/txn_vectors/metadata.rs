//! `TransactionMetadataTest`.

use super::*;
use kafka_classroom::kafka::txn::IllegalTransition;

#[test]
fn initialize_epoch() {
    let mut m = simple(NO_EPOCH, NO_EPOCH, Empty, Tv0);
    bump(&mut m, None, NOW);
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.last_producer_epoch),
        (23423, 0, NO_EPOCH)
    );
}

#[test]
fn normal_epoch_bump() {
    let mut m = simple(735, NO_EPOCH, Empty, Tv0);
    bump(&mut m, None, NOW);
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (736, NO_EPOCH));
}

#[test]
fn bump_epoch_not_allowed_if_epochs_exhausted() {
    let mut m = simple(i16::MAX - 1, NO_EPOCH, Empty, Tv0);
    assert!(m.is_producer_epoch_exhausted());
    assert_eq!(
        m.prepare_increment_producer_epoch(30_000, None, NOW),
        Err(Refusal::Illegal(IllegalTransition::EpochsExhausted))
    );
}

#[test]
fn tolerate_update_time_shift_during_epoch_bump() {
    let mut m = simple(1, NO_EPOCH, Empty, Tv0);
    m.txn_start_timestamp = 1;
    bump(&mut m, Some(1), NOW - 1);
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (2, 1));
    assert_eq!(
        (m.txn_start_timestamp, m.txn_last_update_timestamp),
        (1, NOW - 1)
    );
}

#[test]
fn tolerate_update_time_reset_during_producer_id_rotation() {
    let mut m = simple(1, NO_EPOCH, Empty, Tv0);
    m.txn_start_timestamp = 1;
    let t = m
        .prepare_producer_id_rotation(23424, 30_000, NOW - 1, true)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.last_producer_epoch),
        (23424, 0, 1)
    );
    assert_eq!(
        (m.txn_start_timestamp, m.txn_last_update_timestamp),
        (1, NOW - 1)
    );
}

#[test]
fn tolerate_time_shift_during_add_partitions() {
    let mut m = simple(1, NO_EPOCH, Empty, Tv0);
    m.txn_start_timestamp = NOW;
    // The first partition sets the start time, even to an earlier clock.
    let t = m
        .prepare_add_partitions(&parts(&[("topic1", 0)]), NOW - 1)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(m.state, Ongoing);
    assert_eq!(m.topic_partitions, parts(&[("topic1", 0)]));
    assert_eq!(
        (m.txn_start_timestamp, m.txn_last_update_timestamp),
        (NOW - 1, NOW - 1)
    );
    // A later one keeps it.
    let t = m
        .prepare_add_partitions(&parts(&[("topic2", 0)]), NOW - 2)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(m.topic_partitions, parts(&[("topic1", 0), ("topic2", 0)]));
    assert_eq!(
        (m.txn_start_timestamp, m.txn_last_update_timestamp),
        (NOW - 1, NOW - 2)
    );
}

fn time_shift_prepare(target: TransactionState) {
    let mut m = simple(1, NO_EPOCH, Ongoing, Tv0);
    m.txn_start_timestamp = 1;
    let t = m
        .prepare_abort_or_commit(target, Tv0, NO_ID, NOW - 1)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(m.state, target);
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.last_producer_epoch),
        (23423, 1, NO_EPOCH)
    );
    assert_eq!(
        (m.txn_start_timestamp, m.txn_last_update_timestamp),
        (1, NOW - 1)
    );
}

#[test]
fn tolerate_time_shift_during_prepare_commit() {
    time_shift_prepare(PrepareCommit);
}

#[test]
fn tolerate_time_shift_during_prepare_abort() {
    time_shift_prepare(PrepareAbort);
}

fn time_shift_complete(from: TransactionState, to: TransactionState) {
    for version in [Tv0, Tv2] {
        let mut m = simple(1, NO_EPOCH, from, version);
        m.txn_start_timestamp = 1;
        let t = m.prepare_complete(NOW - 1).unwrap();
        m.complete_transition_to(&t).unwrap();
        let last = if version == Tv2 { 1 } else { NO_EPOCH };
        assert_eq!(m.state, to);
        assert_eq!(
            (m.producer_id, m.producer_epoch, m.last_producer_epoch),
            (23423, 1, last)
        );
        assert_eq!(
            (m.txn_start_timestamp, m.txn_last_update_timestamp),
            (1, NOW - 1)
        );
    }
}

#[test]
fn tolerate_time_shift_during_complete_commit() {
    time_shift_complete(PrepareCommit, CompleteCommit);
}

#[test]
fn tolerate_time_shift_during_complete_abort() {
    time_shift_complete(PrepareAbort, CompleteAbort);
}

#[test]
fn fence_producer_after_epochs_exhausted() {
    let mut m = simple(i16::MAX - 1, NO_EPOCH, Ongoing, Tv0);
    let fence = m.prepare_fence_producer_epoch().unwrap();
    assert_eq!(
        (fence.producer_epoch, fence.last_producer_epoch),
        (i16::MAX, NO_EPOCH)
    );
    assert_eq!(m.pending_state, Some(PrepareEpochFence));
    m.pending_state = None;
    let t = m
        .prepare_abort_or_commit(PrepareAbort, Tv0, NO_ID, NOW)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(t.producer_id, 23423);
}

#[test]
fn fence_producer_not_allowed_if_it_would_overflow() {
    let mut m = simple(i16::MAX, NO_EPOCH, Ongoing, Tv0);
    assert!(m.is_producer_epoch_exhausted());
    assert_eq!(
        m.prepare_fence_producer_epoch(),
        Err(IllegalTransition::FenceWouldOverflow)
    );
}

#[test]
fn rotate_producer_id() {
    let mut m = simple(i16::MAX - 1, NO_EPOCH, Empty, Tv0);
    let t = m
        .prepare_producer_id_rotation(9893, 30_000, NOW, true)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.previous_producer_id), (9893, 23423));
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (0, i16::MAX - 1));
}

#[test]
fn epoch_bump_on_end_txn() {
    let mut m = simple(10, NO_EPOCH, Ongoing, Tv0);
    m.txn_start_timestamp = NOW;
    let t = m
        .prepare_abort_or_commit(PrepareCommit, Tv2, NO_ID, NOW - 1)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch), (23423, 11));
    assert_eq!(m.client_transaction_version, Tv2);
    let t = m.prepare_complete(NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch), (23423, 11));
    assert_eq!(m.client_transaction_version, Tv2);
}

#[test]
fn epoch_bump_on_end_txn_overflow() {
    let mut m = simple(i16::MAX - 1, NO_EPOCH, Ongoing, Tv0);
    m.txn_start_timestamp = NOW;
    let t = m
        .prepare_abort_or_commit(PrepareCommit, Tv2, 9893, NOW - 1)
        .unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch), (23423, i16::MAX));
    let t = m.prepare_complete(NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch), (9893, 0));
    assert_eq!(m.client_transaction_version, Tv2);
}

#[test]
fn rotate_producer_id_refused_while_a_transaction_is_pending() {
    for (state, version) in [
        (Ongoing, Tv0),
        (PrepareAbort, Tv0),
        (PrepareAbort, Tv2),
        (PrepareCommit, Tv0),
        (PrepareCommit, Tv2),
    ] {
        let mut m = meta(
            23423,
            23423,
            NO_ID,
            i16::MAX - 1,
            NO_EPOCH,
            30_000,
            state,
            &[],
            -1,
            version,
        );
        assert_eq!(
            m.prepare_producer_id_rotation(9893, 30_000, NOW, false),
            Err(IllegalTransition::RotateWithPendingTransaction),
            "{state:?} {version:?}"
        );
    }
}

#[test]
fn attempted_epoch_bump_with_newly_created_metadata() {
    let mut m = simple(NO_EPOCH, NO_EPOCH, Empty, Tv0);
    bump(&mut m, Some(735), NOW);
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (0, NO_EPOCH));
}

#[test]
fn epoch_bump_with_current_epoch_provided() {
    let mut m = simple(735, NO_EPOCH, Empty, Tv0);
    bump(&mut m, Some(735), NOW);
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (736, 735));
}

#[test]
fn attempted_epoch_bump_with_last_epoch() {
    let mut m = simple(735, 734, Empty, Tv0);
    bump(&mut m, Some(734), NOW);
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (735, 734));
}

#[test]
fn attempted_epoch_bump_with_fenced_epoch() {
    let mut m = meta(23423, 23423, NO_ID, 735, 734, 30_000, Empty, &[], -1, Tv0);
    assert_eq!(
        m.prepare_increment_producer_epoch(30_000, Some(733), NOW),
        Err(Refusal::Error(ErrorCode::PRODUCER_FENCED))
    );
}

#[test]
fn transaction_state_id_and_name_mapping() {
    for state in TransactionState::ALL {
        assert_eq!(TransactionState::from_id(state.id()), Some(state));
        assert_eq!(TransactionState::from_name(state.name()), Some(state));
    }
    let ids: Vec<i8> = TransactionState::ALL.iter().map(|s| s.id()).collect();
    assert_eq!(ids, (0..8).collect::<Vec<i8>>());
    assert_eq!(TransactionState::from_id(8), None);
    assert_eq!(PrepareEpochFence.id(), 7);
    assert_eq!(Dead.id(), 6);
}
