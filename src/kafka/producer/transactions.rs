//! The transactional producer's state (Kafka: `TransactionManager` and the transactional calls
//! of `KafkaProducer`): `initTransactions`, `beginTransaction`, `sendOffsetsToTransaction`,
//! `commitTransaction` and `abortTransaction` queue requests for the transaction coordinator;
//! the sender sends them one at a time (`txn_client`). A partition joins the transaction with
//! AddPartitionsToTxn before its first batch is sent (transaction version 0, Kafka 4.0's
//! default). Errors are abortable (the application must abort) or fatal (the producer is
//! useless: `ProducerFencedException`), as `TransactionManager` classifies them.

use super::Producer;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::timer::Timer;
use crate::kafka::txn::TransactionResult;
use crate::kafka::types::{BrokerId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// `TransactionManager.State`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ClientTxnState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    AbortableError,
    FatalError,
}

impl ClientTxnState {
    pub const ALL: [ClientTxnState; 8] = [
        ClientTxnState::Uninitialized,
        ClientTxnState::Initializing,
        ClientTxnState::Ready,
        ClientTxnState::InTransaction,
        ClientTxnState::CommittingTransaction,
        ClientTxnState::AbortingTransaction,
        ClientTxnState::AbortableError,
        ClientTxnState::FatalError,
    ];

    /// The state with Kafka's name (`READY`, `FATAL_ERROR`, ...).
    pub fn parse(name: &str) -> Option<ClientTxnState> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Kafka's name (`State.name()`), as its log lines and exceptions print it.
    pub fn name(self) -> &'static str {
        use ClientTxnState::*;
        match self {
            Uninitialized => "UNINITIALIZED",
            Initializing => "INITIALIZING",
            Ready => "READY",
            InTransaction => "IN_TRANSACTION",
            CommittingTransaction => "COMMITTING_TRANSACTION",
            AbortingTransaction => "ABORTING_TRANSACTION",
            AbortableError => "ABORTABLE_ERROR",
            FatalError => "FATAL_ERROR",
        }
    }
}

/// A transactional call of the application (`KafkaProducer`'s methods).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TxnCall {
    InitTransactions,
    BeginTransaction,
    Send,
    SendOffsetsToTransaction,
    CommitTransaction,
    AbortTransaction,
}

impl TxnCall {
    /// The Java method name.
    pub fn method(self) -> &'static str {
        match self {
            TxnCall::InitTransactions => "initTransactions",
            TxnCall::BeginTransaction => "beginTransaction",
            TxnCall::Send => "send",
            TxnCall::SendOffsetsToTransaction => "sendOffsetsToTransaction",
            TxnCall::CommitTransaction => "commitTransaction",
            TxnCall::AbortTransaction => "abortTransaction",
        }
    }
}

/// Why a transactional call is refused: Kafka throws `IllegalStateException` (wrong state),
/// or the error that put the producer in an error state.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TxnRefusal {
    NotTransactional,
    WrongState {
        call: TxnCall,
        state: ClientTxnState,
    },
    InError {
        call: TxnCall,
        error: ErrorCode,
    },
}

/// One request for a coordinator, in the order Kafka's handlers queue them.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum TxnRequest {
    FindCoordinator,
    FindGroupCoordinator {
        group: String,
    },
    InitProducerId,
    AddPartitions(Vec<TopicPartition>),
    AddOffsets {
        group: String,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
    TxnOffsetCommit {
        group: String,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
    EndTxn(TransactionResult),
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TransactionManager {
    pub transactional_id: String,
    pub timeout_ms: i32,
    pub state: ClientTxnState,
    pub coordinator: Option<BrokerId>,
    pub group_coordinators: BTreeMap<String, BrokerId>,
    pub queue: VecDeque<TxnRequest>,
    pub in_flight: Option<(u32, TxnRequest)>,
    /// Partitions in the open transaction (AddPartitionsToTxn answered).
    pub partitions: BTreeSet<TopicPartition>,
    /// Partitions asked for and not answered yet.
    pub pending_partitions: BTreeSet<TopicPartition>,
    /// A partition or offsets joined the transaction: ending it needs an EndTxn.
    pub started: bool,
    pub last_error: ErrorCode,
    pub producer_id: i64,
    pub producer_epoch: i16,
}

impl TransactionManager {
    pub fn new(transactional_id: &str, timeout_ms: i32) -> TransactionManager {
        TransactionManager {
            transactional_id: transactional_id.to_string(),
            timeout_ms,
            state: ClientTxnState::Uninitialized,
            coordinator: None,
            group_coordinators: BTreeMap::new(),
            queue: VecDeque::new(),
            in_flight: None,
            partitions: BTreeSet::new(),
            pending_partitions: BTreeSet::new(),
            started: false,
            last_error: ErrorCode::NONE,
            producer_id: -1,
            producer_epoch: -1,
        }
    }

    /// `failIfNotReadyForSend` and the state checks of each call (`maybeFailWithError`,
    /// `transitionTo`'s `isTransitionValid`).
    pub fn check(&self, call: TxnCall) -> Result<(), TxnRefusal> {
        use ClientTxnState::*;
        let allowed = match call {
            TxnCall::InitTransactions => self.state == Uninitialized,
            TxnCall::BeginTransaction => self.state == Ready,
            TxnCall::Send | TxnCall::SendOffsetsToTransaction => self.state == InTransaction,
            TxnCall::CommitTransaction => matches!(self.state, InTransaction),
            TxnCall::AbortTransaction => matches!(self.state, InTransaction | AbortableError),
        };
        if allowed {
            return Ok(());
        }
        if matches!(self.state, AbortableError | FatalError) {
            return Err(TxnRefusal::InError {
                call,
                error: self.last_error,
            });
        }
        Err(TxnRefusal::WrongState {
            call,
            state: self.state,
        })
    }

    /// Whether the sender may send a batch of `tp` now (`isSendToPartitionAllowed`).
    pub fn may_send_to(&self, tp: &TopicPartition) -> bool {
        use ClientTxnState::*;
        matches!(
            self.state,
            InTransaction | CommittingTransaction | AbortingTransaction
        ) && self.partitions.contains(tp)
    }
}

impl Producer {
    fn txn_or_refuse(&mut self, call: TxnCall) -> Result<&mut TransactionManager, TxnRefusal> {
        let txn = self.txn.as_mut().ok_or(TxnRefusal::NotTransactional)?;
        txn.check(call)?;
        Ok(txn)
    }

    /// `initTransactions()`: get the producer id and epoch of the `transactional.id`, fencing
    /// any older producer with it and finishing its open transaction.
    pub fn init_transactions(&mut self, ctx: &mut Ctx<'_, Cluster>) -> Result<(), TxnRefusal> {
        let txn = self.txn_or_refuse(TxnCall::InitTransactions)?;
        txn.queue.push_back(TxnRequest::InitProducerId);
        self.txn_transition(ctx, ClientTxnState::Initializing, ErrorCode::NONE);
        self.run_txn(ctx);
        Ok(())
    }

    /// `beginTransaction()`: local only; nothing is sent until the first record.
    pub fn begin_transaction(&mut self, ctx: &mut Ctx<'_, Cluster>) -> Result<(), TxnRefusal> {
        self.txn_or_refuse(TxnCall::BeginTransaction)?;
        self.txn_transition(ctx, ClientTxnState::InTransaction, ErrorCode::NONE);
        Ok(())
    }

    /// Whether `send()` is allowed now.
    pub fn check_txn_send(&self) -> Result<(), TxnRefusal> {
        match &self.txn {
            None => Ok(()),
            Some(txn) => txn.check(TxnCall::Send),
        }
    }

    /// `sendOffsetsToTransaction(offsets, groupMetadata)`: AddOffsetsToTxn, then TxnOffsetCommit
    /// to the group coordinator.
    pub fn send_offsets_to_transaction(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: &str,
        offsets: Vec<(TopicPartition, i64, i32)>,
    ) -> Result<(), TxnRefusal> {
        let txn = self.txn_or_refuse(TxnCall::SendOffsetsToTransaction)?;
        txn.started = true;
        txn.queue.push_back(TxnRequest::AddOffsets {
            group: group.to_string(),
            offsets,
        });
        self.run_txn(ctx);
        Ok(())
    }

    /// `commitTransaction()`: flush, then EndTxn(commit) once every batch is acknowledged.
    pub fn commit_transaction(&mut self, ctx: &mut Ctx<'_, Cluster>) -> Result<(), TxnRefusal> {
        self.txn_or_refuse(TxnCall::CommitTransaction)?;
        self.end_transaction(ctx, TransactionResult::Commit);
        Ok(())
    }

    /// `abortTransaction()`: unsent batches are dropped, then EndTxn(abort).
    pub fn abort_transaction(&mut self, ctx: &mut Ctx<'_, Cluster>) -> Result<(), TxnRefusal> {
        self.txn_or_refuse(TxnCall::AbortTransaction)?;
        self.abort_undrained_batches(ctx, ErrorCode::TRANSACTION_ABORTABLE);
        self.end_transaction(ctx, TransactionResult::Abort);
        Ok(())
    }

    /// `beginCommit` / `beginAbort`: without a partition or offsets in the transaction there
    /// is nothing to tell the coordinator.
    fn end_transaction(&mut self, ctx: &mut Ctx<'_, Cluster>, result: TransactionResult) {
        let state = match result {
            TransactionResult::Commit => ClientTxnState::CommittingTransaction,
            TransactionResult::Abort => ClientTxnState::AbortingTransaction,
        };
        self.txn_transition(ctx, state, ErrorCode::NONE);
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        // Requests of the abandoned transaction that never went out are dropped on abort,
        // with the partitions they would have added: nothing was sent to those, and EndTxn
        // must not wait for them. One in flight settles its partitions when it is answered.
        if result == TransactionResult::Abort {
            let in_flight = txn.in_flight.as_ref().map(|(_, r)| r.clone());
            for r in &txn.queue {
                if let TxnRequest::AddPartitions(ps) = r {
                    if in_flight.as_ref() != Some(r) {
                        ps.iter().for_each(|tp| {
                            txn.pending_partitions.remove(tp);
                        });
                    }
                }
            }
            txn.queue
                .retain(|r| matches!(r, TxnRequest::FindCoordinator | TxnRequest::InitProducerId));
        }
        let has_unsent_partitions = self.accumulator.queues().iter().any(|(_, q)| !q.is_empty());
        if txn.started || has_unsent_partitions || !txn.pending_partitions.is_empty() {
            txn.queue.push_back(TxnRequest::EndTxn(result));
        } else {
            txn.partitions.clear();
            self.txn_transition(ctx, ClientTxnState::Ready, ErrorCode::NONE);
        }
        self.flush(ctx);
        self.run_txn(ctx);
    }

    /// Fail every batch not yet sent (`RecordAccumulator.abortUndrainedBatches`).
    pub(crate) fn abort_undrained_batches(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        let partitions: Vec<TopicPartition> = self.accumulator.partitions().collect();
        for tp in partitions {
            let mut keep = std::collections::VecDeque::new();
            while let Some(batch) = self.accumulator.pop_first(&tp) {
                if batch.sequence.is_some() {
                    keep.push_back(batch);
                    continue;
                }
                self.accumulator.release(&batch);
                let records = batch.records.iter().map(|r| r.id).collect();
                let detail = crate::kafka::event::FailureDetail::TransactionAborted;
                self.fail_records(ctx, tp, records, error, detail);
            }
            for batch in keep {
                self.accumulator.reenqueue(&tp, batch);
            }
        }
    }

    /// `TransactionManager.transitionTo`, told as an event.
    pub(crate) fn txn_transition(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        state: ClientTxnState,
        error: ErrorCode,
    ) {
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        if txn.state == state {
            return;
        }
        txn.state = state;
        if error.is_error() {
            txn.last_error = error;
        } else if state == ClientTxnState::Ready {
            txn.last_error = ErrorCode::NONE;
        }
        ctx.emit(Event::ProducerTxnStateChanged {
            producer: self.id,
            state,
            error,
        });
    }

    /// A produce in the transaction failed for good (`maybeTransitionToErrorState`):
    /// `PRODUCER_FENCED` is fatal; anything else makes the transaction abortable.
    pub(crate) fn txn_batch_failed(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        let Some(txn) = &self.txn else {
            return;
        };
        if matches!(
            txn.state,
            ClientTxnState::FatalError | ClientTxnState::AbortingTransaction
        ) {
            return;
        }
        match error {
            ErrorCode::PRODUCER_FENCED => self.txn_fatal(ctx, error),
            _ => self.txn_abortable(ctx, error),
        }
    }

    pub(crate) fn txn_fatal(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        if let Some(txn) = self.txn.as_mut() {
            txn.queue.clear();
        }
        self.txn_transition(ctx, ClientTxnState::FatalError, error);
        self.abort_undrained_batches(ctx, error);
    }

    pub(crate) fn txn_abortable(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        if let Some(txn) = self.txn.as_mut() {
            txn.queue
                .retain(|r| !matches!(r, TxnRequest::EndTxn(TransactionResult::Commit)));
        }
        self.txn_transition(ctx, ClientTxnState::AbortableError, error);
        self.abort_undrained_batches(ctx, error);
    }

    /// Retry the transactional request after `retry.backoff.ms`.
    pub(crate) fn txn_retry_later(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let backoff = crate::sim::SimDuration::from_ms(self.config.retry_backoff_ms);
        ctx.set_timer(self.node(), Timer::TxnRequestRetry, backoff);
    }
}
