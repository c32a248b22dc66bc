//! The broker as transaction coordinator (Kafka: `TransactionCoordinator`): FindCoordinator
//! for a `transactional.id`, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn.
//! The rules come from `txn::coordinator`; each accepted request appends a transit to the
//! transactional id's `__transaction_state` partition and is answered once the high watermark
//! covers it (`TransactionStateManager.appendTransactionToLog` waits for acks=all). Markers,
//! loading and timeouts are in `txn_channel`.

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::protocol::Message;
use crate::kafka::txn::coordinator::{
    prepare_add_partitions, prepare_end_txn, prepare_init_producer_id, valid_transaction_timeout,
    EndTxn, EndTxnStep,
};
use crate::kafka::txn::metadata::Refusal;
use crate::kafka::txn::state_manager::{TxnPendingWrite, TxnWriteCompletion};
use crate::kafka::txn::{
    log_record, partition_for, TransactionMetadata, TransactionResult, TransactionState,
    TransactionVersion, TxnTransit, TRANSACTION_STATE_TOPIC,
};
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;
use std::collections::BTreeSet;

/// The version this coordinator runs: Kafka 4.0's default `transaction.version` is 0 (levels 1
/// and 2 need metadata version 4.0-IV2, newer than 4.0's default `LATEST_PRODUCTION`), so the
/// producer adds partitions with AddPartitionsToTxn and the epoch moves only on InitProducerId.
pub const COORDINATOR_TRANSACTION_VERSION: TransactionVersion = TransactionVersion::Tv0;

/// What a refused request answers: a client error, or for a coordinator bug (Kafka's
/// `IllegalStateException`) `INVALID_TXN_STATE`.
fn refusal_error(refusal: Refusal) -> ErrorCode {
    match refusal {
        Refusal::Error(e) => e,
        Refusal::Illegal(_) => ErrorCode::INVALID_TXN_STATE,
    }
}

impl Broker {
    /// The `__transaction_state` partition of a transactional id, from this broker's metadata.
    pub(super) fn txn_partition(&self, transactional_id: &str) -> Option<TopicPartition> {
        let count = self.metadata.partition_count(TRANSACTION_STATE_TOPIC)?;
        let p = partition_for(transactional_id, count);
        Some(TopicPartition::new(TRANSACTION_STATE_TOPIC, p))
    }

    /// Whether this broker coordinates `transactional_id` now: it leads and has loaded its
    /// partition (`TransactionStateManager.getTransactionState`'s checks).
    pub(super) fn txn_coordinates(
        &self,
        transactional_id: &str,
    ) -> Result<TopicPartition, ErrorCode> {
        let tp = self
            .txn_partition(transactional_id)
            .ok_or(ErrorCode::COORDINATOR_NOT_AVAILABLE)?;
        match self.replicas.get(&tp) {
            Some(r) if r.is_leader() && self.txn_state.loaded.contains_key(&tp.partition) => Ok(tp),
            Some(r) if r.is_leader() => Err(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS),
            _ => Err(ErrorCode::NOT_COORDINATOR),
        }
    }

    /// FindCoordinator, key type TRANSACTION (`KafkaApis.getCoordinator`).
    pub(super) fn handle_find_txn_coordinator(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        transactional_id: &str,
    ) {
        let leader = self
            .txn_partition(transactional_id)
            .and_then(|tp| self.metadata.partition(&tp))
            .and_then(|p| p.leader);
        let (error, coordinator) = match leader {
            Some(b) if !transactional_id.is_empty() => (ErrorCode::NONE, Some(b)),
            _ => (ErrorCode::COORDINATOR_NOT_AVAILABLE, None),
        };
        let response = Message::FindCoordinatorResponse {
            correlation_id,
            error,
            coordinator,
        };
        ctx.send(self.node(), from, response);
    }

    /// A new producer id (Kafka's controller hands out blocks; a broker-local counter that
    /// encodes the broker and its incarnation is unique the same way).
    pub(super) fn next_producer_id(&mut self) -> i64 {
        self.producer_ids_issued += 1;
        self.id.0 as i64 * 1_000_000_000
            + self.process.incarnation as i64 * 1_000_000
            + self.producer_ids_issued
    }

    /// `TransactionCoordinator.handleInitProducerId` with a transactional id.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn handle_init_txn_producer_id(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        transactional_id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
    ) {
        let reply = |error| Message::InitProducerIdResponse {
            correlation_id,
            error,
            producer_id: -1,
            producer_epoch: -1,
        };
        let max = self.config.int("transaction.max.timeout.ms") as i32;
        if !valid_transaction_timeout(timeout_ms, max) {
            return ctx.send(
                self.node(),
                from,
                reply(ErrorCode::INVALID_TRANSACTION_TIMEOUT),
            );
        }
        let tp = match self.txn_coordinates(transactional_id) {
            Ok(tp) => tp,
            Err(e) => return ctx.send(self.node(), from, reply(e)),
        };
        let now = ctx.now.as_ms() as i64;
        if !self.txn_state.transactions.contains_key(transactional_id) {
            let id = self.next_producer_id();
            let meta = TransactionMetadata::new(transactional_id, id, timeout_ms, now);
            self.txn_state
                .transactions
                .insert(transactional_id.to_string(), meta);
        }
        let mut fresh_id = self.next_producer_id_preview();
        let meta = self
            .txn_state
            .transactions
            .get_mut(transactional_id)
            .expect("inserted above");
        let prepared =
            prepare_init_producer_id(meta, timeout_ms, expected, || fresh_id.take(), now);
        self.commit_fresh_id(fresh_id);
        let transit = match prepared {
            Ok(t) => t,
            Err(refusal) => return ctx.send(self.node(), from, reply(refusal_error(refusal))),
        };
        if transit.txn_state == TransactionState::PrepareEpochFence {
            // A transaction is open: abort it at the bumped epoch; the producer retries
            // (CONCURRENT_TRANSACTIONS) and gets the epoch after the fence.
            self.coordinator_abort(ctx, transactional_id, &transit);
            return ctx.send(self.node(), from, reply(ErrorCode::CONCURRENT_TRANSACTIONS));
        }
        let completion = TxnWriteCompletion::InitProducerId {
            to: from,
            correlation_id,
        };
        if let Err(e) = self.txn_write(ctx, &tp, transactional_id, transit, completion) {
            ctx.send(self.node(), from, reply(e));
        }
    }

    /// The coordinator's own abort (a fence or a timeout): `endTransaction` with
    /// `isFromClient = false` at the epoch the fence bumped to.
    pub(super) fn coordinator_abort(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        transactional_id: &str,
        fence: &TxnTransit,
    ) {
        let request = EndTxn {
            producer_id: fence.producer_id,
            producer_epoch: fence.producer_epoch,
            result: TransactionResult::Abort,
            from_client: false,
            version: COORDINATOR_TRANSACTION_VERSION,
            now: ctx.now.as_ms() as i64,
        };
        self.end_txn(ctx, transactional_id, request, None);
    }

    /// `handleAddPartitionsToTransaction`, for AddPartitionsToTxn and (with the group's
    /// offsets partition) AddOffsetsToTxn. Answers through `reply` when nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_partitions_to_txn(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        partitions: &[TopicPartition],
        completion: TxnWriteCompletion,
    ) -> Result<bool, ErrorCode> {
        let tp = self.txn_coordinates(transactional_id)?;
        let now = ctx.now.as_ms() as i64;
        let meta = self
            .txn_state
            .transactions
            .get_mut(transactional_id)
            .ok_or(ErrorCode::INVALID_PRODUCER_ID_MAPPING)?;
        let wanted: BTreeSet<TopicPartition> = partitions.iter().cloned().collect();
        let prepared = prepare_add_partitions(meta, producer_id, producer_epoch, &wanted, now)
            .map_err(refusal_error)?;
        match prepared {
            None => Ok(false),
            Some(transit) => self
                .txn_write(ctx, &tp, transactional_id, transit, completion)
                .map(|()| true),
        }
    }

    /// `handleEndTransaction`: write `PrepareCommit` / `PrepareAbort`; the markers follow once
    /// it is committed. `reply` is the client's request, none for the coordinator's own abort.
    pub(super) fn end_txn(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        transactional_id: &str,
        request: EndTxn,
        reply: Option<(NodeId, u32)>,
    ) {
        let answer = |ctx: &mut Ctx<'_, Cluster>, me: NodeId, error| {
            if let Some((to, correlation_id)) = reply {
                let m = Message::EndTxnResponse {
                    correlation_id,
                    error,
                };
                ctx.send(me, to, m);
            }
        };
        let me = self.node();
        let tp = match self.txn_coordinates(transactional_id) {
            Ok(tp) => tp,
            Err(e) => return answer(ctx, me, e),
        };
        let Some(meta) = self.txn_state.transactions.get_mut(transactional_id) else {
            return answer(ctx, me, ErrorCode::INVALID_PRODUCER_ID_MAPPING);
        };
        let result = request.result;
        match prepare_end_txn(meta, &request, || -1) {
            Err(refusal) => answer(ctx, me, refusal_error(refusal)),
            Ok(EndTxnStep::AlreadyComplete { .. }) => answer(ctx, me, ErrorCode::NONE),
            Ok(EndTxnStep::Append(transit)) => {
                let completion = TxnWriteCompletion::EndTxn { reply, result };
                if let Err(e) = self.txn_write(ctx, &tp, transactional_id, transit, completion) {
                    answer(ctx, me, e);
                }
            }
        }
    }

    /// Append a transit to a `__transaction_state` partition this broker leads; `completion`
    /// runs once the high watermark covers it. Fewer in-sync replicas than
    /// `transaction.state.log.min.isr` refuse the write (`NOT_ENOUGH_REPLICAS` becomes
    /// `COORDINATOR_NOT_AVAILABLE` for the client, as Kafka maps it).
    pub(super) fn txn_write(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        transactional_id: &str,
        transit: TxnTransit,
        completion: TxnWriteCompletion,
    ) -> Result<(), ErrorCode> {
        let now_ms = ctx.now.as_ms() as i64;
        let min_isr = self.min_insync_replicas(tp);
        let serial = self.txn_state.next_write_id as u32;
        let Some(replica) = self.replicas.get_mut(tp).filter(|r| r.is_leader()) else {
            self.revert_pending(transactional_id);
            return Err(ErrorCode::NOT_COORDINATOR);
        };
        if replica
            .leader_state()
            .is_some_and(|s| s.isr.len() < min_isr)
        {
            self.revert_pending(transactional_id);
            return Err(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        let record = log_record::to_record(transactional_id, &transit, serial, now_ms);
        let batch = crate::kafka::record::RecordBatch::new(
            vec![record],
            crate::kafka::record::ProducerIdentity::NONE,
            crate::kafka::compression::Compression::None,
        );
        let leader_epoch = replica.leader_epoch;
        let stamped = replica.log.append_as_leader(&batch, leader_epoch, now_ms);
        ctx.emit(Event::BatchAppended {
            broker: self.id,
            partition: *tp,
            base_offset: stamped.base_offset,
            last_offset: stamped.last_offset(),
            leader_epoch,
            records: stamped.records.iter().map(|r| r.id).collect(),
        });
        self.txn_state.next_write_id += 1;
        self.txn_state.pending_writes.push(TxnPendingWrite {
            id: self.txn_state.next_write_id,
            partition: *tp,
            end_offset: stamped.next_offset(),
            leader_epoch,
            transactional_id: transactional_id.to_string(),
            transit,
            completion,
        });
        self.maybe_advance_high_watermark(ctx, tp);
        self.on_log_grew(ctx);
        Ok(())
    }

    /// A prepared transition that will not be written: nothing is pending any more.
    fn revert_pending(&mut self, transactional_id: &str) {
        if let Some(meta) = self.txn_state.transactions.get_mut(transactional_id) {
            meta.pending_state = None;
        }
    }

    /// Finish the writes the high watermark now covers; fail those whose partition this broker
    /// no longer leads in the epoch it wrote them.
    pub(crate) fn complete_txn_writes(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.txn_state.pending_writes.is_empty() {
            return;
        }
        let mut still = Vec::new();
        for write in std::mem::take(&mut self.txn_state.pending_writes) {
            let outcome = self.coordinator_write_outcome(
                &write.partition,
                write.leader_epoch,
                write.end_offset,
            );
            match outcome {
                None => still.push(write),
                Some(error) => self.finish_txn_write(ctx, write, error),
            }
        }
        self.txn_state.pending_writes.extend(still);
    }

    /// The id `prepare_init_producer_id` may ask for, handed out only if it is taken.
    fn next_producer_id_preview(&self) -> FreshId {
        FreshId {
            id: Some(
                self.id.0 as i64 * 1_000_000_000
                    + self.process.incarnation as i64 * 1_000_000
                    + self.producer_ids_issued
                    + 1,
            ),
        }
    }

    fn commit_fresh_id(&mut self, fresh: FreshId) {
        if fresh.id.is_none() {
            self.producer_ids_issued += 1;
        }
    }
}

/// A producer id offered to a rule that asks for one only when an epoch is exhausted.
struct FreshId {
    id: Option<i64>,
}

impl FreshId {
    fn take(&mut self) -> i64 {
        self.id
            .take()
            .expect("a rule asks for one new producer id at most")
    }
}
