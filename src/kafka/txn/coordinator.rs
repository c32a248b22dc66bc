//! What the transaction coordinator decides for each request before it writes to
//! `__transaction_state` (Kafka: `TransactionCoordinator.handleInitProducerId`,
//! `prepareInitProducerIdTransit`, `handleAddPartitionsToTransaction`, `endTransaction` and its
//! `sendTxnMarkersCallback`). Each returns the transit to append, or the error the client gets.

use super::metadata::{IllegalTransition, Refusal, TransactionMetadata, TxnTransit};
use super::TransactionState::*;
use super::{is_epoch_exhausted, TransactionResult, TransactionState, TransactionVersion};
use crate::kafka::errors::ErrorCode;
use crate::kafka::sequence::{NO_PRODUCER_EPOCH, NO_PRODUCER_ID};
use crate::kafka::types::TopicPartition;
use std::collections::BTreeSet;

/// `TransactionStateManager.validateTransactionTimeoutMs`: positive and at most
/// `transaction.max.timeout.ms`; otherwise `INVALID_TRANSACTION_TIMEOUT`.
pub fn valid_transaction_timeout(txn_timeout_ms: i32, max_timeout_ms: i32) -> bool {
    txn_timeout_ms > 0 && txn_timeout_ms <= max_timeout_ms
}

/// `prepareInitProducerIdTransit`. `expected` is the producer id and epoch a producer sends
/// when it re-initializes after an error (none for a new instance); `new_producer_id` is asked
/// only when the epochs of the current id are spent. An `Ok` transit in `PrepareEpochFence`
/// means a transaction was open: the coordinator aborts it and answers
/// `CONCURRENT_TRANSACTIONS`, so the producer retries and gets the epoch after the fence.
pub fn prepare_init_producer_id(
    meta: &mut TransactionMetadata,
    txn_timeout_ms: i32,
    expected: Option<(i64, i16)>,
    new_producer_id: impl FnOnce() -> i64,
    now: i64,
) -> Result<TxnTransit, Refusal> {
    let valid_id = |(producer_id, epoch): (i64, i16)| {
        meta.producer_epoch == NO_PRODUCER_EPOCH
            || producer_id == meta.producer_id
            || (producer_id == meta.previous_producer_id && is_epoch_exhausted(epoch))
    };
    if meta.pending_transition_in_progress() {
        return Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS));
    }
    if !expected.is_none_or(valid_id) {
        return Err(Refusal::Error(ErrorCode::PRODUCER_FENCED));
    }
    match meta.state {
        PrepareAbort | PrepareCommit => Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS)),
        CompleteAbort | CompleteCommit | Empty => {
            let expected_epoch = expected.map(|(_, epoch)| epoch);
            if meta.is_producer_epoch_exhausted()
                && expected_epoch.is_none_or(|e| e == meta.producer_epoch)
            {
                let id = new_producer_id();
                Ok(meta.prepare_producer_id_rotation(
                    id,
                    txn_timeout_ms,
                    now,
                    expected.is_some(),
                )?)
            } else {
                meta.prepare_increment_producer_epoch(txn_timeout_ms, expected_epoch, now)
            }
        }
        Ongoing => Ok(meta.prepare_fence_producer_epoch()?),
        Dead | PrepareEpochFence => Err(IllegalTransition::NotAfter {
            from: meta.state,
            target: Empty,
        }
        .into()),
    }
}

/// `handleAddPartitionsToTransaction` before the append. `Ok(None)`: the partitions are already
/// in the open transaction, answer `NONE` at once.
pub fn prepare_add_partitions(
    meta: &mut TransactionMetadata,
    producer_id: i64,
    producer_epoch: i16,
    partitions: &BTreeSet<TopicPartition>,
    now: i64,
) -> Result<Option<TxnTransit>, Refusal> {
    if meta.producer_id != producer_id {
        return Err(Refusal::Error(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    }
    if meta.producer_epoch != producer_epoch {
        return Err(Refusal::Error(ErrorCode::PRODUCER_FENCED));
    }
    if meta.pending_transition_in_progress() || matches!(meta.state, PrepareCommit | PrepareAbort) {
        return Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS));
    }
    if meta.state == Ongoing && partitions.is_subset(&meta.topic_partitions) {
        return Ok(None);
    }
    Ok(Some(meta.prepare_add_partitions(partitions, now)?))
}

/// What `EndTxn` does before writing.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum EndTxnStep {
    /// Append this `PrepareCommit` / `PrepareAbort`, then write the markers.
    Append(TxnTransit),
    /// A retry of an `EndTxn` that already completed: answer `NONE` with this id and epoch.
    AlreadyComplete {
        producer_id: i64,
        producer_epoch: i16,
    },
}

/// One `EndTxn` (or the coordinator's own abort when `from_client` is false: a fence or a
/// timeout). `new_producer_id` is asked only when a TV2 epoch bump would exhaust the epochs.
pub struct EndTxn {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub result: TransactionResult,
    pub from_client: bool,
    pub version: TransactionVersion,
    pub now: i64,
}

/// `endTransaction` up to the append: check the producer id and epoch (TV2 accepts the retry of
/// a bumped or overflowed `EndTxn`), then move `Ongoing` to a Prepare state. A fence in
/// progress is consumed here: its bumped epoch goes into the `PrepareAbort`.
pub fn prepare_end_txn(
    meta: &mut TransactionMetadata,
    request: &EndTxn,
    new_producer_id: impl FnOnce() -> i64,
) -> Result<EndTxnStep, Refusal> {
    let fencing = meta.pending_state == Some(PrepareEpochFence);
    let v2 = !fencing && meta.client_transaction_version.supports_epoch_bump();
    let retry_on_overflow = v2
        && meta.previous_producer_id == request.producer_id
        && request.producer_epoch == i16::MAX - 1
        && meta.producer_epoch == 0;
    let retry_on_bump = end_txn_epoch_bumped(meta, request.producer_epoch);
    let valid_epoch = if v2 {
        match meta.state {
            Ongoing | Empty | Dead | PrepareEpochFence => {
                request.producer_epoch == meta.producer_epoch
            }
            PrepareCommit | PrepareAbort => retry_on_bump,
            CompleteCommit | CompleteAbort => retry_on_bump || retry_on_overflow,
        }
    } else {
        (!request.from_client || request.producer_epoch == meta.producer_epoch)
            && request.producer_epoch >= meta.producer_epoch
    };
    if meta.producer_id != request.producer_id && !retry_on_overflow {
        return Err(Refusal::Error(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    }
    if !valid_epoch {
        return Err(Refusal::Error(ErrorCode::PRODUCER_FENCED));
    }
    if meta.pending_transition_in_progress() && !fencing {
        return Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS));
    }
    let commit = request.result == TransactionResult::Commit;
    let done = EndTxnStep::AlreadyComplete {
        producer_id: meta.producer_id,
        producer_epoch: meta.producer_epoch,
    };
    match (meta.state, commit) {
        (Ongoing, _) => begin_end(meta, request, fencing, new_producer_id).map(EndTxnStep::Append),
        (CompleteCommit, true) | (CompleteAbort, false) => Ok(done),
        (PrepareCommit, true) | (PrepareAbort, false) => {
            Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS))
        }
        (CompleteCommit | CompleteAbort | PrepareCommit | PrepareAbort | Empty, _) => {
            Err(Refusal::Error(ErrorCode::INVALID_TXN_STATE))
        }
        (Dead | PrepareEpochFence, _) => Err(IllegalTransition::NotAfter {
            from: meta.state,
            target: PrepareAbort,
        }
        .into()),
    }
}

/// The `Ongoing` branch of `endTransaction`.
fn begin_end(
    meta: &mut TransactionMetadata,
    request: &EndTxn,
    fencing: bool,
    new_producer_id: impl FnOnce() -> i64,
) -> Result<TxnTransit, Refusal> {
    let next_state = match request.result {
        TransactionResult::Commit => PrepareCommit,
        TransactionResult::Abort => PrepareAbort,
    };
    let next_producer_id = if request.version.supports_epoch_bump()
        && !fencing
        && meta.is_producer_epoch_exhausted()
    {
        new_producer_id()
    } else {
        NO_PRODUCER_ID
    };
    if next_state == PrepareAbort && fencing {
        meta.pending_state = None;
        meta.producer_epoch = request.producer_epoch;
        meta.last_producer_epoch = NO_PRODUCER_EPOCH;
    }
    Ok(meta.prepare_abort_or_commit(next_state, request.version, next_producer_id, request.now)?)
}

/// `endTxnEpochBumped`: under TV2, the epoch already moved one past the request's.
fn end_txn_epoch_bumped(meta: &TransactionMetadata, producer_epoch: i16) -> bool {
    meta.pending_state != Some(PrepareEpochFence)
        && meta.client_transaction_version.supports_epoch_bump()
        && i32::from(meta.producer_epoch) == i32::from(producer_epoch) + 1
}

/// `sendTxnMarkersCallback`: the Prepare record is written; check nothing moved meanwhile and
/// prepare `CompleteCommit` / `CompleteAbort`, written once every partition has its marker.
pub fn prepare_markers(
    meta: &mut TransactionMetadata,
    producer_id: i64,
    producer_epoch: i16,
    result: TransactionResult,
    now: i64,
) -> Result<TxnTransit, Refusal> {
    if meta.producer_id != producer_id {
        return Err(Refusal::Error(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    }
    if meta.producer_epoch != producer_epoch && !end_txn_epoch_bumped(meta, producer_epoch) {
        return Err(Refusal::Error(ErrorCode::PRODUCER_FENCED));
    }
    if meta.pending_transition_in_progress() {
        return Err(Refusal::Error(ErrorCode::CONCURRENT_TRANSACTIONS));
    }
    match (meta.state, result) {
        (PrepareCommit, TransactionResult::Commit) | (PrepareAbort, TransactionResult::Abort) => {
            Ok(meta.prepare_complete(now)?)
        }
        (Dead | PrepareEpochFence, _) => Err(IllegalTransition::NotAfter {
            from: meta.state,
            target: TransactionState::CompleteAbort,
        }
        .into()),
        _ => Err(Refusal::Error(ErrorCode::INVALID_TXN_STATE)),
    }
}
