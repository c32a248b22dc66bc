//! One partition replica on one broker: its log, its high watermark, and its role. A leader also
//! tracks what it knows of each follower (learned only from their Fetch requests), the committed
//! ISR, and an ISR change in flight to the controller.

use super::producer_state::{AppendOrigin, ProducerStateManager};
use crate::kafka::event::RejectReason;
use crate::kafka::log::PartitionLog;
use crate::kafka::record::RecordBatch;
use crate::kafka::sequence::IdempotentBatch;
use crate::kafka::txn::partition::PartitionTxns;
use crate::kafka::types::{BrokerId, TopicPartition};
use std::collections::BTreeMap;

/// What the leader knows of one follower (`Replica.scala`'s fetch state).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FollowerState {
    /// The follower's log end offset as of its last Fetch (its fetch offset).
    pub log_end_offset: i64,
    pub last_fetch_time_ms: i64,
    /// The leader's log end offset at the time of that fetch.
    pub last_fetch_leader_log_end_offset: i64,
    /// The last time the follower was known to be caught up (`lastCaughtUpTimeMs`). `None`:
    /// not since this leader took over, for a follower outside the ISR (Kafka stores `0L`,
    /// the epoch, which is long ago for its clock but not for the simulated one).
    pub last_caught_up_time_ms: Option<i64>,
    /// The broker epoch its last Fetch carried; `None` until it fetches from this leader.
    pub broker_epoch: Option<i64>,
}

impl FollowerState {
    /// The state a new leader gives a follower (`Replica.resetReplicaState`): its log end is
    /// unknown until it fetches; an ISR member counts as caught up as of now, any other
    /// replica as never.
    pub fn at_election(now_ms: i64, in_isr: bool) -> FollowerState {
        FollowerState {
            log_end_offset: -1,
            last_fetch_time_ms: now_ms,
            last_fetch_leader_log_end_offset: -1,
            last_caught_up_time_ms: in_isr.then_some(now_ms),
            broker_epoch: None,
        }
    }

    /// Kafka: `ReplicaState.isCaughtUp`. At the leader's log end (Kafka compares with `==`; a
    /// follower the leader records is never past its end), or caught up within the last
    /// `replica.lag.time.max.ms`: lag is a time, not a number of records.
    pub fn is_caught_up(&self, leader_end_offset: i64, now_ms: i64, max_lag_ms: i64) -> bool {
        self.log_end_offset >= leader_end_offset
            || self
                .last_caught_up_time_ms
                .is_some_and(|t| now_ms - t <= max_lag_ms)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct LeaderState {
    /// Offset where this leader's epoch began (the new leader's log end offset at election).
    pub epoch_start_offset: i64,
    /// The ISR as committed by the controller.
    pub isr: Vec<BrokerId>,
    /// An `AlterPartition` sent and not yet answered: its proposed ISR.
    pub pending_isr: Option<Vec<BrokerId>>,
    /// When that request was sent; it is given up after `broker.session.timeout.ms`.
    pub pending_isr_sent_ms: i64,
    pub followers: BTreeMap<BrokerId, FollowerState>,
}

impl LeaderState {
    /// Kafka's "maximal ISR": the committed ISR plus members whose addition is in flight.
    pub fn maximal_isr(&self) -> Vec<BrokerId> {
        let mut isr = self.isr.clone();
        if let Some(pending) = &self.pending_isr {
            for b in pending {
                if !isr.contains(b) {
                    isr.push(*b);
                }
            }
        }
        isr
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    Leader(LeaderState),
    Follower {
        leader: Option<BrokerId>,
    },
    /// Removed from the replica set, or the broker has not caught up on metadata yet.
    Stopped,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Replica {
    pub log: PartitionLog,
    /// Invariant: `high_watermark <= log.log_end_offset()`.
    pub high_watermark: i64,
    /// The high watermark last written to disk (`replication-offset-checkpoint`).
    pub checkpointed_high_watermark: i64,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub role: Role,
    /// Idempotence: the last batches of every producer id, rebuilt from the log when it changes
    /// under us (truncation, power failure), as Kafka rebuilds it from snapshots and the log.
    pub producer_state: ProducerStateManager,
    /// Transactions in this partition: open ones, the first unstable offset, the aborted index.
    /// Rebuilt with the producer state.
    pub txns: PartitionTxns,
}

impl Replica {
    pub fn new(tp: &TopicPartition, log: PartitionLog) -> Replica {
        Replica {
            log,
            high_watermark: 0,
            checkpointed_high_watermark: 0,
            leader_epoch: -1,
            partition_epoch: -1,
            role: Role::Stopped,
            producer_state: ProducerStateManager::new(&tp.topic, tp.partition),
            txns: PartitionTxns::default(),
        }
    }

    /// Follow the producer state of batches copied from the leader (no validation).
    pub fn track_replicated(&mut self, batch: &RecordBatch) {
        self.txns.on_high_watermark_updated(self.high_watermark);
        track_transaction(&mut self.txns, &mut self.producer_state, batch);
        if let Some(idempotent) = idempotent(batch) {
            let _ = self.producer_state.validate_and_append(
                &idempotent,
                batch.base_offset,
                batch.last_offset(),
                AppendOrigin::Replication,
            );
        }
    }

    /// Recompute the producer state from what the log holds now.
    pub fn rebuild_producer_state(&mut self, tp: &TopicPartition) {
        let mut state = ProducerStateManager::new(&tp.topic, tp.partition);
        let mut txns = PartitionTxns::default();
        for batch in self.log.batches() {
            track_transaction(&mut txns, &mut state, batch);
            if let Some(idempotent) = idempotent(batch) {
                let _ = state.validate_and_append(
                    &idempotent,
                    batch.base_offset,
                    batch.last_offset(),
                    AppendOrigin::Replication,
                );
            }
        }
        self.producer_state = state;
        txns.on_high_watermark_updated(self.high_watermark);
        self.txns = txns;
    }

    /// `INVALID_TXN_STATE` for a data batch outside a transaction from a producer whose
    /// transaction is open here (`ProducerAppendInfo.appendDataBatch`), at the offset it would
    /// take.
    pub fn non_transactional_write(&self, batch: &RecordBatch) -> Option<RejectReason> {
        let producer_id = batch.producer.producer_id;
        let open = batch.producer.is_idempotent()
            && !batch.transactional
            && self.txns.open_transaction(producer_id).is_some();
        open.then(|| RejectReason::NonTransactionalWrite {
            producer_id,
            offset: self.log_end_offset(),
        })
    }

    /// The last stable offset: a `read_committed` consumer reads below it
    /// (`UnifiedLog.lastStableOffset`). Without transactions it is the high watermark.
    pub fn last_stable_offset(&self) -> i64 {
        self.txns.last_stable_offset(self.high_watermark)
    }
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }
    pub fn leader_state(&self) -> Option<&LeaderState> {
        match &self.role {
            Role::Leader(s) => Some(s),
            _ => None,
        }
    }
    pub fn leader_state_mut(&mut self) -> Option<&mut LeaderState> {
        match &mut self.role {
            Role::Leader(s) => Some(s),
            _ => None,
        }
    }
    pub fn log_end_offset(&self) -> i64 {
        self.log.log_end_offset()
    }
}

/// The transaction bookkeeping of one batch a replica's log holds (`ProducerAppendInfo`'s
/// transaction part, then `UnifiedLog.append` completing a marked transaction); a marker also
/// moves the producer's epoch. Batches without a producer id take no part.
pub fn track_transaction(
    txns: &mut PartitionTxns,
    state: &mut ProducerStateManager,
    batch: &RecordBatch,
) {
    if !batch.producer.is_idempotent() {
        return;
    }
    let producer_id = batch.producer.producer_id;
    match batch.control {
        Some(kind) => {
            let epoch = batch.producer.producer_epoch;
            let offset = batch.base_offset;
            let origin = AppendOrigin::Replication;
            let _ = state.append_end_transaction_marker(producer_id, epoch, kind, offset, origin);
            txns.append_end_marker(producer_id, offset, kind);
        }
        None => {
            // A follower copies what the leader validated; a leader checked before appending.
            let _ = txns.append_data(producer_id, batch.base_offset, batch.transactional);
        }
    }
}

/// The producer fields of an idempotent batch, if it is one.
pub fn idempotent(batch: &RecordBatch) -> Option<IdempotentBatch> {
    (batch.producer.is_idempotent() && !batch.is_control()).then(|| {
        IdempotentBatch::with_record_count(
            batch.producer.producer_id,
            batch.producer.producer_epoch,
            batch.producer.base_sequence.max(0),
            batch.record_count() as i32,
        )
    })
}
