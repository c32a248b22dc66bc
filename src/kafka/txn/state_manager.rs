//! The transaction coordinator's memory on one broker (Kafka: `TransactionStateManager`'s
//! cache and the `TransactionMarkerChannelManager`'s queue): the `__transaction_state`
//! partitions loaded here, the metadata of their transactional ids, the writes waiting for the
//! high watermark and the markers sent to partition leaders.

use super::metadata::{TransactionMetadata, TxnTransit};
use super::TransactionResult;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TransactionStateManager {
    /// Loaded `__transaction_state` partitions and their coordinator epoch (the leader epoch
    /// they were loaded in; markers carry it).
    pub loaded: BTreeMap<i32, i32>,
    pub transactions: BTreeMap<String, TransactionMetadata>,
    pub pending_writes: Vec<TxnPendingWrite>,
    /// The `CompleteCommit` / `CompleteAbort` transit of a transaction whose markers are out,
    /// written once every partition has its marker.
    pub completing: BTreeMap<String, (TxnTransit, TransactionResult)>,
    pub markers_in_flight: BTreeMap<u32, MarkerRequest>,
    pub next_write_id: u64,
    pub next_marker_request: u32,
    /// The periodic timed-out-transaction check is armed.
    pub abort_check_armed: bool,
    /// When the next expired-transactional-id sweep is due (ms; 0: not scheduled yet).
    pub next_expiration_check_ms: u64,
}

/// A record appended to `__transaction_state`, waiting for the high watermark.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TxnPendingWrite {
    pub id: u64,
    pub partition: TopicPartition,
    pub end_offset: i64,
    pub leader_epoch: i32,
    pub transactional_id: String,
    pub transit: TxnTransit,
    pub completion: TxnWriteCompletion,
}

/// What to do once a transit is committed (the callbacks of Kafka's `appendTransactionToLog`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum TxnWriteCompletion {
    InitProducerId {
        to: NodeId,
        correlation_id: u32,
    },
    AddPartitions {
        to: NodeId,
        correlation_id: u32,
        partitions: Vec<TopicPartition>,
    },
    AddOffsets {
        to: NodeId,
        correlation_id: u32,
    },
    /// `PrepareCommit` / `PrepareAbort` written: answer the client (none for the coordinator's
    /// own abort) and send the markers.
    EndTxn {
        reply: Option<(NodeId, u32)>,
        result: TransactionResult,
    },
    /// `CompleteCommit` / `CompleteAbort` written: the transaction is over.
    Complete,
    /// The tombstone of an expired transactional id is written: forget it.
    Expire,
}

/// One `WriteTxnMarkers` request out to a partition leader.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct MarkerRequest {
    pub transactional_id: String,
    pub broker: BrokerId,
    pub partitions: Vec<TopicPartition>,
}

impl TransactionStateManager {
    /// The metadata a transit's record rebuilds when a partition is loaded
    /// (`TransactionLog.readTxnRecordValue`).
    pub fn metadata_from_log(transactional_id: &str, t: &TxnTransit) -> TransactionMetadata {
        let mut meta = TransactionMetadata::new(
            transactional_id,
            t.producer_id,
            t.txn_timeout_ms,
            t.txn_last_update_timestamp,
        );
        meta.previous_producer_id = t.prev_producer_id;
        meta.next_producer_id = t.next_producer_id;
        meta.producer_epoch = t.producer_epoch;
        meta.last_producer_epoch = t.last_producer_epoch;
        meta.state = t.txn_state;
        meta.topic_partitions = t.topic_partitions.clone();
        meta.txn_start_timestamp = t.txn_start_timestamp;
        meta.client_transaction_version = t.client_transaction_version;
        meta
    }
}
