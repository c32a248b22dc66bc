//! Kafka's own cases for the transaction coordinator's state machine, ported from
//! `TransactionMetadataTest` and `TransactionCoordinatorTest` (Kafka 4.0 code line). Where
//! Kafka's test mocks the log append, these apply the transit with `complete_transition_to`, as
//! the coordinator does once the append is replicated.

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::txn::coordinator::{
    prepare_add_partitions, prepare_end_txn, prepare_init_producer_id, prepare_markers,
    valid_transaction_timeout, EndTxn, EndTxnStep,
};
use kafka_classroom::kafka::txn::metadata::Refusal;
use kafka_classroom::kafka::txn::TransactionState::{self, *};
use kafka_classroom::kafka::txn::TransactionVersion::{self, Tv0, Tv2};
use kafka_classroom::kafka::txn::{partition_for, TransactionMetadata, TransactionResult};
use kafka_classroom::kafka::types::TopicPartition;
use std::collections::BTreeSet;

const NO_ID: i64 = -1;
const NO_EPOCH: i16 = -1;
const NOW: i64 = 1_000_000;

/// Kafka's 12-argument `TransactionMetadata` constructor, in its order.
#[allow(clippy::too_many_arguments)]
fn meta(
    producer_id: i64,
    previous: i64,
    next: i64,
    epoch: i16,
    last: i16,
    timeout: i32,
    state: TransactionState,
    partitions: &[(&str, i32)],
    start: i64,
    version: TransactionVersion,
) -> TransactionMetadata {
    let mut m = TransactionMetadata::new("txnlId", producer_id, timeout, NOW);
    m.previous_producer_id = previous;
    m.next_producer_id = next;
    m.producer_epoch = epoch;
    m.last_producer_epoch = last;
    m.state = state;
    m.topic_partitions = parts(partitions);
    m.txn_start_timestamp = start;
    m.client_transaction_version = version;
    m
}

fn parts(list: &[(&str, i32)]) -> BTreeSet<TopicPartition> {
    list.iter()
        .map(|(t, p)| TopicPartition::new(*t, *p))
        .collect()
}

/// `TransactionMetadataTest`'s common shape: producer 23423, no previous or next id.
fn simple(
    epoch: i16,
    last: i16,
    state: TransactionState,
    version: TransactionVersion,
) -> TransactionMetadata {
    meta(
        23423,
        NO_ID,
        NO_ID,
        epoch,
        last,
        30_000,
        state,
        &[],
        -1,
        version,
    )
}

fn bump(m: &mut TransactionMetadata, expected: Option<i16>, now: i64) {
    let transit = m
        .prepare_increment_producer_epoch(30_000, expected, now)
        .expect("the epoch bump is allowed");
    m.complete_transition_to(&transit).unwrap();
}

mod coordinator;
mod end_txn;
mod log;
mod metadata;

// Shared by the `TransactionCoordinatorTest` ports (its fixture values).
const PID: i64 = 10;
const PID2: i64 = 11;
const EPOCH: i16 = 1;
const TOPIC1: &[(&str, i32)] = &[("topic1", 0)];

/// `TransactionCoordinatorTest.requestEpoch`: under TV2 the client is one epoch behind.
fn request_epoch(version: TransactionVersion) -> i16 {
    if version.supports_epoch_bump() {
        EPOCH - 1
    } else {
        EPOCH
    }
}

fn end(
    m: &mut TransactionMetadata,
    pid: i64,
    epoch: i16,
    result: TransactionResult,
    version: TransactionVersion,
) -> Result<EndTxnStep, Refusal> {
    let request = EndTxn {
        producer_id: pid,
        producer_epoch: epoch,
        result,
        from_client: true,
        version,
        now: NOW,
    };
    prepare_end_txn(m, &request, || panic!("no new producer id expected"))
}

fn error(code: ErrorCode) -> Result<EndTxnStep, Refusal> {
    Err(Refusal::Error(code))
}

fn no_new_id() -> i64 {
    panic!("no new producer id expected")
}

/// `TransactionStateManager.partitionFor`: `Utils.abs(transactionalId.hashCode) %
/// transaction.state.log.num.partitions` (Java's `String.hashCode`, computed by hand below).
#[test]
fn transactional_ids_map_to_transaction_state_partitions() {
    // "known".hashCode() = 102_204_227 (Java, and by hand: k n o w n over powers of 31).
    assert_eq!(partition_for("known", 50), 27);
    assert_eq!(partition_for("known", 1), 0);
    // "polygenelubricants".hashCode() is Integer.MIN_VALUE; Utils.abs maps it to 0.
    assert_eq!(partition_for("polygenelubricants", 50), 0);
    // "a".hashCode() = 97.
    assert_eq!(partition_for("a", 50), 47);
}
