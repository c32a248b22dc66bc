//! The partition side: `ProducerStateManagerTest` (first unstable and last stable offsets),
//! `TransactionIndexTest` (aborted transactions), and `FetcherTest`'s `read_committed` cases,
//! fed from a partition's own state where the test builds a log.

use kafka_classroom::kafka::broker::producer_state::ControlRecordType::{Abort, Commit};
use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::txn::partition::{AbortedTxn, CompletedTxn, PartitionTxns};
use kafka_classroom::kafka::txn::read_committed::{
    read_committed, AbortedTransaction, FetchedBatch,
};

#[test]
fn non_transactional_append_with_ongoing_transaction() {
    let mut p = PartitionTxns::default();
    p.append_data(1, 0, true).unwrap();
    assert_eq!(
        p.append_data(1, 1, false),
        Err(ErrorCode::INVALID_TXN_STATE)
    );
}

#[test]
fn first_unstable_offset() {
    let mut p = PartitionTxns::default();
    assert_eq!(p.first_undecided_offset(), None);
    p.append_data(1, 99, true).unwrap();
    assert_eq!(
        (p.first_undecided_offset(), p.first_unstable_offset()),
        (Some(99), Some(99))
    );
    p.append_data(2, 105, true).unwrap();
    assert_eq!(
        (p.first_undecided_offset(), p.first_unstable_offset()),
        (Some(99), Some(99))
    );
    p.append_end_marker(1, 109, Commit).unwrap();
    assert_eq!(
        (p.first_undecided_offset(), p.first_unstable_offset()),
        (Some(105), Some(99))
    );
    p.on_high_watermark_updated(100);
    assert_eq!(p.first_unstable_offset(), Some(99));
    p.on_high_watermark_updated(110);
    assert_eq!(p.first_unstable_offset(), Some(105));
    p.append_end_marker(2, 112, Abort).unwrap();
    assert_eq!(
        (p.first_undecided_offset(), p.first_unstable_offset()),
        (None, Some(105))
    );
    p.on_high_watermark_updated(113);
    assert_eq!(p.first_unstable_offset(), None);
}

#[test]
fn last_stable_offset_completed_txn() {
    let mut p = PartitionTxns::default();
    let (start1, start2, start3) = (992_342, 992_342 + 25, 992_342 + 57);
    p.append_data(1, start1, true).unwrap();
    p.append_data(2, start2, true).unwrap();
    p.append_data(3, start3, true).unwrap();
    let complete = |p: &mut PartitionTxns, producer_id, first_offset, last_offset, lso| {
        let txn = CompletedTxn {
            producer_id,
            first_offset,
            last_offset,
            is_aborted: false,
        };
        assert_eq!(p.last_stable_offset_of(&txn), lso);
        p.complete_txn(&txn);
        p.on_high_watermark_updated(last_offset + 1);
    };
    let last1 = start3 + 15;
    complete(&mut p, 1, start1, last1, start2);
    assert_eq!(p.first_unstable_offset(), Some(start2));
    let last3 = last1 + 20;
    complete(&mut p, 3, start3, last3, start2);
    assert_eq!(p.first_unstable_offset(), Some(start2));
    let last2 = last3 + 78;
    complete(&mut p, 2, start2, last2, last2 + 1);
    assert_eq!(p.first_unstable_offset(), None);
}

#[test]
fn skip_empty_transactions() {
    let mut p = PartitionTxns::default();
    p.append_data(1, 16, true).unwrap();
    p.on_high_watermark_updated(21);
    assert_eq!(p.first_unstable_offset(), Some(16));
    let first = p.append_end_marker(1, 21, Commit);
    assert_eq!(
        first,
        Some(CompletedTxn {
            producer_id: 1,
            first_offset: 16,
            last_offset: 21,
            is_aborted: false
        })
    );
    assert_eq!(p.append_end_marker(1, 22, Commit), None);
    assert_eq!(p.append_end_marker(1, 23, Abort), None);
    p.append_data(1, 24, true).unwrap();
    assert!(p.append_end_marker(1, 28, Abort).is_some());
    assert_eq!(p.append_end_marker(1, 29, Abort), None);
    p.append_data(1, 30, true).unwrap();
    p.on_high_watermark_updated(32);
    assert_eq!(p.first_unstable_offset(), Some(30));
    // Only the non-empty abort is indexed.
    assert_eq!(
        p.collect_aborted_txns(0, 100),
        vec![AbortedTxn {
            producer_id: 1,
            first_offset: 24,
            last_offset: 28,
            last_stable_offset: 29
        }]
    );
}

#[test]
fn the_last_stable_offset_is_capped_by_the_high_watermark() {
    let mut p = PartitionTxns::default();
    assert_eq!(p.last_stable_offset(7), 7);
    p.append_data(1, 3, true).unwrap();
    assert_eq!(p.last_stable_offset(7), 3);
    assert_eq!(p.last_stable_offset(2), 2);
    p.append_end_marker(1, 5, Commit).unwrap();
    assert_eq!(
        p.last_stable_offset(5),
        3,
        "the marker is not below the high watermark yet"
    );
    p.on_high_watermark_updated(6);
    assert_eq!(p.last_stable_offset(6), 6);
}

fn txn(
    producer_id: i64,
    first_offset: i64,
    last_offset: i64,
    last_stable_offset: i64,
) -> AbortedTxn {
    AbortedTxn {
        producer_id,
        first_offset,
        last_offset,
        last_stable_offset,
    }
}

#[test]
fn collect_aborted_transactions() {
    let all = vec![
        txn(0, 0, 10, 11),
        txn(1, 5, 15, 13),
        txn(2, 18, 35, 25),
        txn(3, 32, 50, 40),
    ];
    let mut p = PartitionTxns::default();
    for t in &all {
        p.index_aborted(*t).unwrap();
    }
    assert_eq!(p.collect_aborted_txns(0, 100), all);
    assert_eq!(p.collect_aborted_txns(0, 32), all[0..3]);
    assert_eq!(p.collect_aborted_txns(0, 35), all);
    assert_eq!(p.collect_aborted_txns(10, 35), all);
    assert_eq!(p.collect_aborted_txns(11, 35), all[1..4]);
    assert_eq!(p.collect_aborted_txns(20, 41), all[2..4]);
}

#[test]
fn index_last_offset_must_increase() {
    let mut p = PartitionTxns::default();
    p.index_aborted(txn(1, 5, 15, 13)).unwrap();
    assert!(p.index_aborted(txn(0, 0, 15, 11)).is_err());
    assert!(p.index_aborted(txn(0, 0, 10, 11)).is_err());
}

fn data(producer_id: i64, base_offset: i64, last_offset: i64) -> FetchedBatch {
    FetchedBatch {
        producer_id,
        base_offset,
        last_offset,
        transactional: true,
        control: None,
    }
}

fn marker(
    producer_id: i64,
    offset: i64,
    kind: kafka_classroom::kafka::broker::producer_state::ControlRecordType,
) -> FetchedBatch {
    FetchedBatch {
        producer_id,
        base_offset: offset,
        last_offset: offset,
        transactional: true,
        control: Some(kind),
    }
}

fn kept(batches: &[FetchedBatch], aborted: &[AbortedTransaction]) -> Vec<i64> {
    batches
        .iter()
        .zip(read_committed(batches, aborted))
        .filter(|(_, keep)| *keep)
        .map(|(b, _)| b.base_offset)
        .collect()
}

/// `testReadCommittedWithCommittedAndAbortedTransactions`, with the partition building the
/// aborted list the broker sends.
#[test]
fn read_committed_with_committed_and_aborted_transactions() {
    let batches = [
        data(1, 0, 1),
        data(2, 2, 2),
        marker(1, 3, Commit),
        data(2, 4, 4),
        marker(2, 5, Abort),
        data(1, 6, 6),
        data(2, 7, 7),
        data(1, 8, 8),
        marker(1, 9, Abort),
        marker(2, 10, Commit),
    ];
    let mut p = PartitionTxns::default();
    for b in &batches {
        match b.control {
            Some(kind) => {
                p.append_end_marker(b.producer_id, b.base_offset, kind);
            }
            None => p.append_data(b.producer_id, b.base_offset, true).unwrap(),
        }
    }
    p.on_high_watermark_updated(11);
    assert_eq!(p.last_stable_offset(11), 11);
    let aborted: Vec<AbortedTransaction> = p
        .collect_aborted_txns(0, 11)
        .iter()
        .map(AbortedTxn::as_fetched)
        .collect();
    assert_eq!(
        aborted,
        vec![
            AbortedTransaction {
                producer_id: 2,
                first_offset: 2
            },
            AbortedTransaction {
                producer_id: 1,
                first_offset: 6
            }
        ]
    );
    // commit1-1, commit1-2 (one batch at 0) and commit2-1 (at 7).
    assert_eq!(kept(&batches, &aborted), vec![0, 7]);
    // read_uncommitted would see every data batch.
    assert_eq!(batches.iter().filter(|b| b.control.is_none()).count(), 6);
}

#[test]
fn multiple_abort_markers() {
    let batches = [
        data(1, 0, 1),
        marker(1, 2, Abort),
        marker(1, 3, Abort),
        data(1, 4, 5),
        marker(1, 6, Commit),
    ];
    let aborted = [AbortedTransaction {
        producer_id: 1,
        first_offset: 0,
    }];
    assert_eq!(kept(&batches, &aborted), vec![4]);
}

#[test]
fn read_committed_abort_marker_with_no_data() {
    let batches = [marker(1, 5, Abort), data(1, 6, 8), marker(1, 9, Commit)];
    let aborted = [AbortedTransaction {
        producer_id: 1,
        first_offset: 0,
    }];
    assert_eq!(kept(&batches, &aborted), vec![6]);
}

#[test]
fn non_transactional_batches_are_never_dropped() {
    let plain = FetchedBatch {
        producer_id: -1,
        base_offset: 0,
        last_offset: 0,
        transactional: false,
        control: None,
    };
    let idempotent = FetchedBatch {
        producer_id: 1,
        base_offset: 1,
        last_offset: 1,
        transactional: false,
        control: None,
    };
    let aborted = [AbortedTransaction {
        producer_id: 1,
        first_offset: 0,
    }];
    assert_eq!(kept(&[plain, idempotent], &aborted), vec![0, 1]);
}
