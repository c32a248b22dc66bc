//! What a `read_committed` consumer keeps of a fetched partition (Kafka:
//! `CompletedFetch.nextFetchedRecord`, `consumeAbortedTransactionsUpTo`, `isBatchAborted`,
//! `containsAbortMarker`). The broker already stopped the fetch at the LSO and sent the aborted
//! transactions its records overlap; the consumer walks the batches in offset order, dropping a
//! transactional batch of a producer with an aborted transaction begun at or before it, until
//! that producer's abort marker. Control batches (markers) never reach the application.

use crate::kafka::broker::producer_state::ControlRecordType;
use std::collections::BTreeSet;

/// An aborted transaction as a fetch response lists it (`FetchResponseData.AbortedTransaction`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct AbortedTransaction {
    pub producer_id: i64,
    pub first_offset: i64,
}

/// The fields of a fetched batch the filter reads.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FetchedBatch {
    /// -1 when the producer is not idempotent (`hasProducerId` is false).
    pub producer_id: i64,
    pub base_offset: i64,
    pub last_offset: i64,
    pub transactional: bool,
    /// A marker batch, with its kind.
    pub control: Option<ControlRecordType>,
}

/// For each batch, whether its records reach the application under `read_committed`.
pub fn read_committed(batches: &[FetchedBatch], aborted: &[AbortedTransaction]) -> Vec<bool> {
    let mut queue: Vec<AbortedTransaction> = aborted.to_vec();
    // A priority queue on the first offset; ties keep the broker's order.
    queue.sort_by_key(|t| t.first_offset);
    let mut queue = queue.into_iter().peekable();
    let mut aborted_producers = BTreeSet::new();
    batches
        .iter()
        .map(|batch| {
            if batch.producer_id >= 0 {
                while let Some(txn) = queue.next_if(|t| t.first_offset <= batch.last_offset) {
                    aborted_producers.insert(txn.producer_id);
                }
                if batch.control == Some(ControlRecordType::Abort) {
                    aborted_producers.remove(&batch.producer_id);
                } else if batch.transactional && aborted_producers.contains(&batch.producer_id) {
                    return false;
                }
            }
            batch.control.is_none()
        })
        .collect()
}
