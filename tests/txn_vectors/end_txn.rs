//! `TransactionCoordinatorTest`: `EndTxn` (commit and abort, retries, TV0 and TV2).

use super::*;

#[test]
fn end_txn_id_and_epoch_checks() {
    for version in [Tv0, Tv2] {
        let mut m = meta(10, 10, NO_ID, 0, NO_EPOCH, 0, Ongoing, &[], 0, Tv0);
        assert_eq!(
            end(&mut m, 0, 0, TransactionResult::Commit, version),
            error(ErrorCode::INVALID_PRODUCER_ID_MAPPING)
        );
        let mut m = meta(PID, PID, NO_ID, EPOCH, EPOCH - 1, 1, Ongoing, &[], 0, Tv0);
        assert_eq!(
            end(&mut m, PID, 0, TransactionResult::Commit, version),
            error(ErrorCode::PRODUCER_FENCED)
        );
    }
}

#[test]
fn end_txn_on_finished_and_finishing_transactions() {
    use TransactionResult::{Abort, Commit};
    for version in [Tv0, Tv2] {
        let e = request_epoch(version);
        let at = |state| meta(PID, PID, NO_ID, EPOCH, EPOCH - 1, 1, state, &[], 0, version);
        let done = Ok(EndTxnStep::AlreadyComplete {
            producer_id: PID,
            producer_epoch: EPOCH,
        });
        assert_eq!(end(&mut at(CompleteCommit), PID, e, Commit, version), done);
        assert_eq!(end(&mut at(CompleteAbort), PID, e, Abort, version), done);
        assert_eq!(
            end(&mut at(CompleteAbort), PID, e, Commit, version),
            error(ErrorCode::INVALID_TXN_STATE)
        );
        assert_eq!(
            end(&mut at(CompleteCommit), PID, e, Abort, version),
            error(ErrorCode::INVALID_TXN_STATE)
        );
        assert_eq!(
            end(&mut at(PrepareCommit), PID, e, Commit, version),
            error(ErrorCode::CONCURRENT_TRANSACTIONS)
        );
        let mut prepare_abort = meta(
            PID,
            PID,
            NO_ID,
            EPOCH,
            NO_EPOCH,
            1,
            PrepareAbort,
            &[],
            0,
            version,
        );
        assert_eq!(
            end(&mut prepare_abort, PID, e, Commit, version),
            error(ErrorCode::INVALID_TXN_STATE)
        );
    }
}

#[test]
fn end_txn_after_a_transaction_version_downgrade() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        EPOCH + 1,
        NO_EPOCH,
        1,
        PrepareCommit,
        &[],
        0,
        Tv2,
    );
    assert_eq!(
        end(&mut m, PID, EPOCH, TransactionResult::Commit, Tv0),
        error(ErrorCode::CONCURRENT_TRANSACTIONS)
    );
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        EPOCH + 1,
        NO_EPOCH,
        1,
        CompleteCommit,
        &[],
        0,
        Tv2,
    );
    assert_eq!(
        end(&mut m, PID, EPOCH, TransactionResult::Commit, Tv0),
        Ok(EndTxnStep::AlreadyComplete {
            producer_id: PID,
            producer_epoch: EPOCH + 1
        })
    );
}

#[test]
fn end_txn_after_a_transaction_version_upgrade() {
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        EPOCH,
        NO_EPOCH,
        1,
        PrepareCommit,
        &[],
        0,
        Tv0,
    );
    assert_eq!(
        end(&mut m, PID, EPOCH, TransactionResult::Commit, Tv2),
        error(ErrorCode::CONCURRENT_TRANSACTIONS)
    );
    let mut m = meta(
        PID,
        PID,
        NO_ID,
        EPOCH,
        NO_EPOCH,
        1,
        CompleteCommit,
        &[],
        0,
        Tv0,
    );
    assert_eq!(
        end(&mut m, PID, EPOCH, TransactionResult::Commit, Tv2),
        Ok(EndTxnStep::AlreadyComplete {
            producer_id: PID,
            producer_epoch: EPOCH
        })
    );
}

#[test]
fn end_txn_v2_with_the_same_epoch_is_not_a_retry() {
    for state in [PrepareCommit, CompleteCommit] {
        let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, state, &[], 0, Tv2);
        assert_eq!(
            end(&mut m, PID, EPOCH, TransactionResult::Commit, Tv2),
            error(ErrorCode::PRODUCER_FENCED)
        );
    }
}

#[test]
fn end_txn_v2_retry_after_epoch_overflow() {
    let mut m = meta(
        PID,
        PID,
        PID2,
        i16::MAX,
        i16::MAX - 1,
        1,
        PrepareCommit,
        &[],
        0,
        Tv2,
    );
    assert_eq!(
        end(&mut m, PID, i16::MAX - 1, TransactionResult::Commit, Tv2),
        error(ErrorCode::CONCURRENT_TRANSACTIONS)
    );
    let mut m = meta(
        PID2,
        PID,
        NO_ID,
        0,
        NO_EPOCH,
        1,
        CompleteCommit,
        &[],
        0,
        Tv2,
    );
    assert_eq!(
        end(&mut m, PID, i16::MAX - 1, TransactionResult::Commit, Tv2),
        Ok(EndTxnStep::AlreadyComplete {
            producer_id: PID2,
            producer_epoch: 0
        })
    );
}

#[test]
fn end_txn_appends_prepare_commit_or_abort() {
    use TransactionResult::{Abort, Commit};
    for version in [Tv0, Tv2] {
        for (result, state) in [(Commit, PrepareCommit), (Abort, PrepareAbort)] {
            let mut m = meta(PID, PID, NO_ID, EPOCH, NO_EPOCH, 1, Ongoing, TOPIC1, 0, Tv0);
            let Ok(EndTxnStep::Append(t)) = end(&mut m, PID, EPOCH, result, version) else {
                panic!("{version:?} {result:?}: expected an append");
            };
            let bumped = if version == Tv2 { EPOCH + 1 } else { EPOCH };
            assert_eq!(
                (t.txn_state, t.producer_epoch, &t.topic_partitions),
                (state, bumped, &parts(TOPIC1))
            );
            m.complete_transition_to(&t).unwrap();
            // The markers are written: the transaction completes at the (bumped) epoch.
            let c = prepare_markers(&mut m, PID, EPOCH, result, NOW).unwrap();
            m.complete_transition_to(&c).unwrap();
            assert!(m.topic_partitions.is_empty());
            assert_eq!(m.producer_epoch, bumped);
        }
    }
}

#[test]
fn end_txn_epoch_larger_or_smaller_is_fenced() {
    for version in [Tv0, Tv2] {
        let mut m = meta(PID, PID, NO_ID, 1, 1, 1, CompleteCommit, &[], 0, version);
        assert_eq!(
            end(&mut m, PID, 2, TransactionResult::Commit, version),
            error(ErrorCode::PRODUCER_FENCED)
        );
        let mut m = meta(PID, PID, NO_ID, 2, 1, 1, CompleteCommit, &[], 0, version);
        assert_eq!(
            end(
                &mut m,
                PID,
                request_epoch(version),
                TransactionResult::Commit,
                version
            ),
            error(ErrorCode::PRODUCER_FENCED)
        );
    }
}
