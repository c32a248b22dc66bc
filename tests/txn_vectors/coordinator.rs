//! `TransactionCoordinatorTest`.

use super::*;

#[test]
fn transaction_timeouts_are_checked_against_the_maximum() {
    assert!(valid_transaction_timeout(60_000, 900_000));
    assert!(valid_transaction_timeout(900_000, 900_000));
    assert!(!valid_transaction_timeout(900_001, 900_000));
    assert!(!valid_transaction_timeout(0, 900_000));
}

#[test]
fn init_pid_with_epoch_zero_for_new_transactional_id() {
    let mut m = TransactionMetadata::new("known", PID, 1, NOW);
    let t = prepare_init_producer_id(&mut m, 1, None, no_new_id, NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch, m.state), (PID, 0, Empty));
}

#[test]
fn new_producer_id_if_epochs_exhausted() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        i16::MAX - 1,
        NO_EPOCH,
        1,
        Empty,
        &[],
        -1,
        Tv0,
    );
    let t = prepare_init_producer_id(&mut m, 1, None, || PID2, NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.previous_producer_id),
        (PID2, 0, PID)
    );
}

#[test]
fn add_partitions_errors() {
    let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, Ongoing, TOPIC1, 0, Tv0);
    let ps = parts(TOPIC1);
    assert_eq!(
        prepare_add_partitions(&mut m, 0, EPOCH, &ps, NOW),
        Err(Refusal::Error(ErrorCode::INVALID_PRODUCER_ID_MAPPING))
    );
    assert_eq!(
        prepare_add_partitions(&mut m, PID, 10, &ps, NOW),
        Err(Refusal::Error(ErrorCode::PRODUCER_FENCED))
    );
    // Already in the transaction: NONE at once, nothing to append.
    assert_eq!(
        prepare_add_partitions(&mut m, PID, EPOCH, &ps, NOW),
        Ok(None)
    );
    for state in [PrepareCommit, PrepareAbort] {
        let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, state, &[], 0, Tv0);
        assert_eq!(
            prepare_add_partitions(&mut m, PID, EPOCH, &ps, NOW),
            Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS))
        );
    }
    for state in [Empty, CompleteCommit, CompleteAbort] {
        let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, state, &[], 0, Tv0);
        let t = prepare_add_partitions(&mut m, PID, EPOCH, &ps, NOW)
            .unwrap()
            .unwrap();
        assert_eq!((t.txn_state, &t.topic_partitions), (Ongoing, &ps));
    }
}

#[test]
fn init_pid_waits_for_a_finishing_transaction() {
    for state in [PrepareCommit, PrepareAbort] {
        let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, state, &[], 0, Tv0);
        assert_eq!(
            prepare_init_producer_id(&mut m, 1, None, no_new_id, NOW),
            Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS))
        );
    }
}

/// `shouldAbortTransactionOnHandleInitPidWhenExistingTransactionInOngoingState`: a new
/// instance fences the open transaction (epoch 1 to 2) and aborts it; it is told to retry.
#[test]
fn init_pid_fences_and_aborts_an_ongoing_transaction() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        EPOCH,
        EPOCH - 1,
        1,
        Ongoing,
        TOPIC1,
        NOW,
        Tv0,
    );
    let fence = prepare_init_producer_id(&mut m, 1, None, no_new_id, NOW).unwrap();
    assert_eq!(
        (fence.txn_state, fence.producer_epoch),
        (PrepareEpochFence, EPOCH + 1)
    );
    let request = EndTxn {
        producer_id: fence.producer_id,
        producer_epoch: fence.producer_epoch,
        result: TransactionResult::Abort,
        from_client: false,
        version: Tv0,
        now: NOW,
    };
    let Ok(EndTxnStep::Append(abort)) = prepare_end_txn(&mut m, &request, no_new_id) else {
        panic!("the fence aborts the transaction");
    };
    let mut original = meta(
        PID,
        PID,
        NO_ID,
        EPOCH + 1,
        NO_EPOCH,
        1,
        Ongoing,
        TOPIC1,
        NOW,
        Tv0,
    );
    assert_eq!(
        abort,
        original
            .prepare_abort_or_commit(PrepareAbort, Tv0, NO_ID, NOW)
            .unwrap()
    );
    // The zombie's EndTxn at its old epoch is now fenced.
    m.complete_transition_to(&abort).unwrap();
    assert_eq!(
        end(&mut m, PID, EPOCH, TransactionResult::Commit, Tv0),
        error(ErrorCode::PRODUCER_FENCED)
    );
}

#[test]
fn use_last_epoch_to_fence_when_epochs_are_exhausted() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        i16::MAX - 1,
        i16::MAX - 2,
        1,
        Ongoing,
        TOPIC1,
        NOW,
        Tv0,
    );
    let fence = prepare_init_producer_id(&mut m, 1, None, no_new_id, NOW).unwrap();
    let request = EndTxn {
        producer_id: PID,
        producer_epoch: fence.producer_epoch,
        result: TransactionResult::Abort,
        from_client: false,
        version: Tv0,
        now: NOW,
    };
    let Ok(EndTxnStep::Append(abort)) = prepare_end_txn(&mut m, &request, no_new_id) else {
        panic!("the fence aborts the transaction");
    };
    assert_eq!(m.producer_epoch, i16::MAX);
    assert_eq!(
        (
            abort.producer_id,
            abort.prev_producer_id,
            abort.next_producer_id
        ),
        (PID, PID, NO_ID)
    );
    assert_eq!(
        (abort.producer_epoch, abort.last_producer_epoch),
        (i16::MAX, NO_EPOCH)
    );
    assert_eq!(
        (abort.txn_state, &abort.topic_partitions),
        (PrepareAbort, &parts(TOPIC1))
    );
    assert_eq!(abort.client_transaction_version, Tv0);
}

#[test]
fn init_pid_with_no_last_producer_data_is_fenced() {
    let mut m = meta(
        PID,
        NO_ID,
        NO_ID,
        EPOCH + 1,
        NO_EPOCH,
        1,
        Empty,
        TOPIC1,
        NOW,
        Tv0,
    );
    assert_eq!(
        prepare_init_producer_id(&mut m, 1, Some((PID, EPOCH)), no_new_id, NOW),
        Err(Refusal::Error(ErrorCode::PRODUCER_FENCED))
    );
}

#[test]
fn fence_producer_when_mapping_exists_with_different_producer_id() {
    let mut m = meta(
        PID + 1,
        PID,
        NO_ID,
        EPOCH,
        EPOCH - 1,
        1,
        Empty,
        TOPIC1,
        NOW,
        Tv0,
    );
    assert_eq!(
        prepare_init_producer_id(&mut m, 1, Some((PID, EPOCH)), no_new_id, NOW),
        Err(Refusal::Error(ErrorCode::PRODUCER_FENCED))
    );
}

fn init(m: &mut TransactionMetadata, expected: Option<(i64, i16)>) -> Result<(i64, i16), Refusal> {
    let t = prepare_init_producer_id(m, 1, expected, || PID + 1, NOW)?;
    m.complete_transition_to(&t).unwrap();
    Ok((t.producer_id, t.producer_epoch))
}

#[test]
fn init_pid_with_current_epoch_provided_and_its_retry() {
    let mut m = meta(PID, PID, NO_ID, 10, 9, 1, Empty, &[], -1, Tv0);
    assert_eq!(init(&mut m, Some((PID, 10))), Ok((PID, 11)));
    assert_eq!(init(&mut m, Some((PID, 10))), Ok((PID, 11)));
}

#[test]
fn init_pid_stale_current_epoch_is_fenced() {
    let mut m = meta(PID, PID, NO_ID, 10, 9, 1, Empty, &[], -1, Tv0);
    assert_eq!(init(&mut m, None), Ok((PID, 11)));
    assert_eq!(
        init(&mut m, Some((PID, 10))),
        Err(Refusal::Error(ErrorCode::PRODUCER_FENCED))
    );
}

#[test]
fn retry_init_pid_after_producer_id_rotation() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        i16::MAX - 1,
        i16::MAX - 2,
        1,
        Empty,
        &[],
        -1,
        Tv0,
    );
    assert_eq!(init(&mut m, Some((PID, i16::MAX - 1))), Ok((PID + 1, 0)));
    assert_eq!(init(&mut m, Some((PID, i16::MAX - 1))), Ok((PID + 1, 0)));
}

#[test]
fn init_pid_with_invalid_epoch_after_producer_id_rotation() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        i16::MAX - 1,
        i16::MAX - 2,
        1,
        Empty,
        &[],
        -1,
        Tv0,
    );
    assert_eq!(init(&mut m, Some((PID, i16::MAX - 1))), Ok((PID + 1, 0)));
    assert_eq!(
        init(&mut m, Some((PID, i16::MAX - 2))),
        Err(Refusal::Error(ErrorCode::PRODUCER_FENCED))
    );
}

#[test]
fn a_second_transition_waits_for_the_first() {
    let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, Empty, &[], -1, Tv0);
    prepare_add_partitions(&mut m, PID, EPOCH, &parts(TOPIC1), NOW).unwrap();
    assert_eq!(
        prepare_init_producer_id(&mut m, 1, None, no_new_id, NOW),
        Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS))
    );
    assert_eq!(
        prepare_add_partitions(&mut m, PID, EPOCH, &parts(&[("topic2", 0)]), NOW),
        Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS))
    );
}
