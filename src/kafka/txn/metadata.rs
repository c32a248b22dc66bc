//! One transactional id's state at its coordinator, and the transitions it may take
//! (Kafka: `kafka.coordinator.transaction.TransactionMetadata`).
//!
//! A handler first *prepares* a transition (`prepare_*`): that checks it is legal, sets the
//! pending state (which blocks a second transition) and returns the `TxnTransit` to append to
//! `__transaction_state`. Once the append is replicated, `complete_transition_to` applies it.
//! Where Kafka throws `IllegalStateException` (a coordinator bug, never a client's fault), this
//! returns an `IllegalTransition`.

use super::{is_epoch_exhausted, TransactionState, TransactionVersion};
use crate::kafka::errors::ErrorCode;
use crate::kafka::sequence::{NO_PRODUCER_EPOCH, NO_PRODUCER_ID};
use crate::kafka::types::TopicPartition;
use std::collections::BTreeSet;

use TransactionState::*;

/// The target of a transition: what the coordinator appends to the transaction log
/// (`TxnTransitMetadata`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TxnTransit {
    pub producer_id: i64,
    pub prev_producer_id: i64,
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    pub last_producer_epoch: i16,
    pub txn_timeout_ms: i32,
    pub txn_state: TransactionState,
    pub topic_partitions: BTreeSet<TopicPartition>,
    pub txn_start_timestamp: i64,
    pub txn_last_update_timestamp: i64,
    pub client_transaction_version: TransactionVersion,
}

/// A transition Kafka's coordinator refuses with `IllegalStateException` or
/// `IllegalArgumentException`: a bug in the caller, not a client error.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IllegalTransition {
    /// A transition is already pending.
    AlreadyPending {
        pending: TransactionState,
        target: TransactionState,
    },
    NegativeProducerId(i64),
    NegativeEpoch(i16),
    /// `target` may not follow `from` (`validPreviousStates`).
    NotAfter {
        from: TransactionState,
        target: TransactionState,
    },
    /// No more epochs for this producer id (`Cannot allocate any more producer epochs`).
    EpochsExhausted,
    /// Fencing at `Short.MaxValue` would overflow the epoch.
    FenceWouldOverflow,
    /// A producer id cannot rotate while a transaction is open.
    RotateWithPendingTransaction,
    /// Completing a transition that was never prepared.
    NothingPending,
    /// The transit does not match the metadata it was prepared from.
    UnexpectedTransit(TransactionState),
    /// Partitions are removed only once their markers are written (Prepare states).
    RemoveOutsidePrepare(TransactionState),
}

/// Why a prepare step refused: a Kafka error for the client, or an illegal transition.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Refusal {
    Error(ErrorCode),
    Illegal(IllegalTransition),
}

impl From<IllegalTransition> for Refusal {
    fn from(illegal: IllegalTransition) -> Refusal {
        Refusal::Illegal(illegal)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TransactionMetadata {
    pub transactional_id: String,
    pub producer_id: i64,
    /// The producer id of the last committed transaction with this transactional id.
    pub previous_producer_id: i64,
    /// The producer id handed out when an `EndTxn` overflowed the epoch (TV2).
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    pub last_producer_epoch: i16,
    pub txn_timeout_ms: i32,
    pub state: TransactionState,
    pub topic_partitions: BTreeSet<TopicPartition>,
    /// When the first partition joined the transaction; -1 when none is open.
    pub txn_start_timestamp: i64,
    pub txn_last_update_timestamp: i64,
    pub client_transaction_version: TransactionVersion,
    /// The state a prepared transition goes to; blocks another until it completes.
    pub pending_state: Option<TransactionState>,
    /// A fence's epoch bump may not have reached the log: do not bump again when fencing.
    pub has_failed_epoch_fence: bool,
}

/// The arguments of Kafka's `prepareTransitionTo` that change from call to call.
pub(super) struct Target {
    state: TransactionState,
    producer_id: i64,
    next_producer_id: i64,
    epoch: i16,
    last_epoch: i16,
    txn_timeout_ms: i32,
    topic_partitions: BTreeSet<TopicPartition>,
    txn_start_timestamp: i64,
    update_timestamp: i64,
    version: TransactionVersion,
}

impl TransactionMetadata {
    /// A transactional id the coordinator has just met (`handleInitProducerId`, no state yet).
    pub fn new(transactional_id: &str, producer_id: i64, txn_timeout_ms: i32, now: i64) -> Self {
        TransactionMetadata {
            transactional_id: transactional_id.to_string(),
            producer_id,
            previous_producer_id: NO_PRODUCER_ID,
            next_producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            last_producer_epoch: NO_PRODUCER_EPOCH,
            txn_timeout_ms,
            state: Empty,
            topic_partitions: BTreeSet::new(),
            txn_start_timestamp: -1,
            txn_last_update_timestamp: now,
            client_transaction_version: TransactionVersion::Tv0,
            pending_state: None,
            has_failed_epoch_fence: false,
        }
    }

    pub fn is_producer_epoch_exhausted(&self) -> bool {
        is_epoch_exhausted(self.producer_epoch)
    }

    pub fn pending_transition_in_progress(&self) -> bool {
        self.pending_state.is_some()
    }

    /// A partition's marker is written (`removePartition`).
    pub fn remove_partition(&mut self, tp: &TopicPartition) -> Result<(), IllegalTransition> {
        if !matches!(self.state, PrepareCommit | PrepareAbort) {
            return Err(IllegalTransition::RemoveOutsidePrepare(self.state));
        }
        self.topic_partitions.remove(tp);
        Ok(())
    }

    /// `prepareFenceProducerEpoch`: an `InitProducerId` found a transaction open; bump the epoch
    /// (once, even if an earlier fence failed to reach the log) and go to `PrepareEpochFence`.
    pub fn prepare_fence_producer_epoch(&mut self) -> Result<TxnTransit, IllegalTransition> {
        if self.producer_epoch == i16::MAX {
            return Err(IllegalTransition::FenceWouldOverflow);
        }
        let bumped = if self.has_failed_epoch_fence {
            self.producer_epoch
        } else {
            self.producer_epoch + 1
        };
        let target = self.target_v0(
            PrepareEpochFence,
            self.producer_id,
            bumped,
            NO_PRODUCER_EPOCH,
            self.topic_partitions.clone(),
            self.txn_start_timestamp,
            self.txn_last_update_timestamp,
        );
        self.prepare_transition_to(target)
    }

    /// `prepareIncrementProducerEpoch`: `InitProducerId` on an idle transactional id. With no
    /// expected epoch (a new producer instance) bump and forget the last epoch; with the current
    /// one (a producer recovering) bump and remember it; with the last one (a retry of a call
    /// that succeeded) keep both; anything else is a zombie: `PRODUCER_FENCED`.
    pub fn prepare_increment_producer_epoch(
        &mut self,
        new_txn_timeout_ms: i32,
        expected_epoch: Option<i16>,
        now: i64,
    ) -> Result<TxnTransit, Refusal> {
        if self.is_producer_epoch_exhausted() {
            return Err(IllegalTransition::EpochsExhausted.into());
        }
        let bumped = self.producer_epoch + 1;
        let (epoch, last_epoch) = match expected_epoch {
            None => (bumped, NO_PRODUCER_EPOCH),
            Some(e) if self.producer_epoch == NO_PRODUCER_EPOCH || e == self.producer_epoch => {
                (bumped, self.producer_epoch)
            }
            Some(e) if e == self.last_producer_epoch => {
                (self.producer_epoch, self.last_producer_epoch)
            }
            Some(_) => return Err(Refusal::Error(ErrorCode::PRODUCER_FENCED)),
        };
        let target = self.target_v0(
            Empty,
            self.producer_id,
            epoch,
            last_epoch,
            BTreeSet::new(),
            -1,
            now,
        );
        Ok(self.prepare_transition_to(Target {
            txn_timeout_ms: new_txn_timeout_ms,
            ..target
        })?)
    }

    /// `prepareProducerIdRotation`: the epochs of the producer id are spent; start a new id at
    /// epoch 0.
    pub fn prepare_producer_id_rotation(
        &mut self,
        new_producer_id: i64,
        new_txn_timeout_ms: i32,
        now: i64,
        record_last_epoch: bool,
    ) -> Result<TxnTransit, IllegalTransition> {
        if self.state.has_pending_transaction() {
            return Err(IllegalTransition::RotateWithPendingTransaction);
        }
        let last = if record_last_epoch {
            self.producer_epoch
        } else {
            NO_PRODUCER_EPOCH
        };
        let target = self.target_v0(Empty, new_producer_id, 0, last, BTreeSet::new(), -1, now);
        self.prepare_transition_to(Target {
            txn_timeout_ms: new_txn_timeout_ms,
            ..target
        })
    }

    /// `prepareAddPartitions`: partitions join the transaction; the first one starts its clock.
    pub fn prepare_add_partitions(
        &mut self,
        added: &BTreeSet<TopicPartition>,
        now: i64,
    ) -> Result<TxnTransit, IllegalTransition> {
        let start = match self.state {
            Empty | CompleteAbort | CompleteCommit => now,
            _ => self.txn_start_timestamp,
        };
        let partitions = self.topic_partitions.union(added).cloned().collect();
        let target = self.target_v0(
            Ongoing,
            self.producer_id,
            self.producer_epoch,
            self.last_producer_epoch,
            partitions,
            start,
            now,
        );
        self.prepare_transition_to(target)
    }

    /// `prepareAbortOrCommit`: `EndTxn` moves to `PrepareCommit` or `PrepareAbort`; under TV2
    /// the epoch is bumped here, so the next transaction runs at the new epoch.
    pub fn prepare_abort_or_commit(
        &mut self,
        new_state: TransactionState,
        version: TransactionVersion,
        next_producer_id: i64,
        now: i64,
    ) -> Result<TxnTransit, IllegalTransition> {
        let (epoch, last_epoch) = if version.supports_epoch_bump() {
            (self.producer_epoch.wrapping_add(1), self.producer_epoch)
        } else {
            (self.producer_epoch, self.last_producer_epoch)
        };
        self.prepare_transition_to(Target {
            state: new_state,
            producer_id: self.producer_id,
            next_producer_id,
            epoch,
            last_epoch,
            txn_timeout_ms: self.txn_timeout_ms,
            topic_partitions: self.topic_partitions.clone(),
            txn_start_timestamp: self.txn_start_timestamp,
            update_timestamp: now,
            version,
        })
    }

    /// `prepareComplete`: every marker is written; `CompleteCommit` or `CompleteAbort`. An
    /// epoch that overflowed under TV2 moves to the next producer id at epoch 0.
    pub fn prepare_complete(&mut self, now: i64) -> Result<TxnTransit, IllegalTransition> {
        let new_state = if self.state == PrepareCommit {
            CompleteCommit
        } else {
            CompleteAbort
        };
        self.has_failed_epoch_fence = false;
        let version = self.client_transaction_version;
        let (producer_id, epoch) =
            if version.supports_epoch_bump() && self.next_producer_id != NO_PRODUCER_ID {
                (self.next_producer_id, 0)
            } else {
                (self.producer_id, self.producer_epoch)
            };
        self.prepare_transition_to(Target {
            state: new_state,
            producer_id,
            next_producer_id: NO_PRODUCER_ID,
            epoch,
            last_epoch: self.producer_epoch,
            txn_timeout_ms: self.txn_timeout_ms,
            topic_partitions: BTreeSet::new(),
            txn_start_timestamp: self.txn_start_timestamp,
            update_timestamp: now,
            version,
        })
    }

    /// `prepareDead`: the transactional id expires.
    pub fn prepare_dead(&mut self) -> Result<TxnTransit, IllegalTransition> {
        let target = self.target_v0(
            Dead,
            self.producer_id,
            self.producer_epoch,
            self.last_producer_epoch,
            BTreeSet::new(),
            self.txn_start_timestamp,
            self.txn_last_update_timestamp,
        );
        self.prepare_transition_to(target)
    }

    /// Kafka's eight-argument `prepareTransitionTo`: no next producer id, TV0, this timeout.
    #[allow(clippy::too_many_arguments)]
    fn target_v0(
        &self,
        state: TransactionState,
        producer_id: i64,
        epoch: i16,
        last_epoch: i16,
        topic_partitions: BTreeSet<TopicPartition>,
        txn_start_timestamp: i64,
        update_timestamp: i64,
    ) -> Target {
        Target {
            state,
            producer_id,
            next_producer_id: NO_PRODUCER_ID,
            epoch,
            last_epoch,
            txn_timeout_ms: self.txn_timeout_ms,
            topic_partitions,
            txn_start_timestamp,
            update_timestamp,
            version: TransactionVersion::Tv0,
        }
    }

    pub(super) fn prepare_transition_to(
        &mut self,
        t: Target,
    ) -> Result<TxnTransit, IllegalTransition> {
        if let Some(pending) = self.pending_state {
            return Err(IllegalTransition::AlreadyPending {
                pending,
                target: t.state,
            });
        }
        if t.producer_id < 0 {
            return Err(IllegalTransition::NegativeProducerId(t.producer_id));
        }
        if t.state != Dead && t.epoch < 0 {
            return Err(IllegalTransition::NegativeEpoch(t.epoch));
        }
        if !t.state.valid_previous_states().contains(&self.state) {
            return Err(IllegalTransition::NotAfter {
                from: self.state,
                target: t.state,
            });
        }
        self.pending_state = Some(t.state);
        Ok(TxnTransit {
            producer_id: t.producer_id,
            prev_producer_id: self.producer_id,
            next_producer_id: t.next_producer_id,
            producer_epoch: t.epoch,
            last_producer_epoch: t.last_epoch,
            txn_timeout_ms: t.txn_timeout_ms,
            txn_state: t.state,
            topic_partitions: t.topic_partitions,
            txn_start_timestamp: t.txn_start_timestamp,
            txn_last_update_timestamp: t.update_timestamp,
            client_transaction_version: t.version,
        })
    }
}
