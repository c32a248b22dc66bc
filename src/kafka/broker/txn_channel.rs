//! The transaction coordinator after its writes: applying a committed transit and answering
//! (`appendTransactionToLog`'s callbacks), the markers sent to partition leaders and the
//! `CompleteCommit` / `CompleteAbort` written once all are in (Kafka:
//! `TransactionMarkerChannelManager`, `TransactionMarkerRequestCompletionHandler`), loading a
//! `__transaction_state` partition on becoming its leader and resuming its pending markers
//! (`TransactionStateManager.loadTransactionsForTxnTopicPartition`), and aborting transactions
//! open past their timeout (`TransactionCoordinator.abortTimedOutTransactions`).

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::protocol::{Message, TxnMarkerEntry};
use crate::kafka::timer::Timer;
use crate::kafka::txn::coordinator::prepare_markers;
use crate::kafka::txn::state_manager::{
    MarkerRequest, TransactionStateManager, TxnPendingWrite, TxnWriteCompletion,
};
use crate::kafka::txn::{log_record, partition_for, TransactionState, TRANSACTION_STATE_TOPIC};
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeMap;

/// A marker request not answered within the inter-broker `request.timeout.ms` is sent again.
const MARKER_RETRY_TIMEOUT_MS: u64 = 30_000;
/// The channel manager's wait before retrying a marker that failed (`retry.backoff.ms`).
const MARKER_RETRY_BACKOFF_MS: u64 = 100;

impl Broker {
    /// A transit's write is committed (or failed): apply it and run its callback.
    pub(super) fn finish_txn_write(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        write: TxnPendingWrite,
        error: ErrorCode,
    ) {
        if write.completion == TxnWriteCompletion::Expire {
            return self.expired_id_written(ctx, &write, error);
        }
        let id = write.transactional_id.clone();
        let applied = self.apply_written_transit(&write, error);
        if let Ok((producer_id, producer_epoch)) = applied {
            ctx.emit(Event::TxnStateChanged {
                broker: self.id,
                transactional_id: id.clone(),
                state: write.transit.txn_state,
                producer_id,
                producer_epoch,
            });
        }
        let error = applied.err().unwrap_or(ErrorCode::NONE);
        let me = self.node();
        match write.completion {
            TxnWriteCompletion::InitProducerId { to, correlation_id } => {
                let (producer_id, producer_epoch) = applied.unwrap_or((-1, -1));
                let reply = Message::InitProducerIdResponse {
                    correlation_id,
                    error,
                    producer_id,
                    producer_epoch,
                };
                ctx.send(me, to, reply);
            }
            TxnWriteCompletion::AddPartitions {
                to,
                correlation_id,
                partitions,
            } => {
                let results = partitions.into_iter().map(|tp| (tp, error)).collect();
                let reply = Message::AddPartitionsToTxnResponse {
                    correlation_id,
                    results,
                };
                ctx.send(me, to, reply);
            }
            TxnWriteCompletion::AddOffsets { to, correlation_id } => {
                let reply = Message::AddOffsetsToTxnResponse {
                    correlation_id,
                    error,
                };
                ctx.send(me, to, reply);
            }
            TxnWriteCompletion::EndTxn { reply, result } => {
                self.after_prepare_written(ctx, &id, &write.transit, reply, result, error)
            }
            TxnWriteCompletion::Complete => {
                self.txn_state.completing.remove(&id);
            }
            TxnWriteCompletion::Expire => unreachable!("an expiry is finished above"),
        }
    }

    /// Complete the transition a written transit prepared (or drop it if the write failed):
    /// the producer id and epoch it leaves, or the error for the client.
    fn apply_written_transit(
        &mut self,
        write: &TxnPendingWrite,
        error: ErrorCode,
    ) -> Result<(i64, i16), ErrorCode> {
        match self.txn_state.transactions.get_mut(&write.transactional_id) {
            None => Err(ErrorCode::NOT_COORDINATOR),
            Some(meta) if error.is_error() => {
                if meta.pending_state == Some(write.transit.txn_state) {
                    meta.pending_state = None;
                }
                Err(error)
            }
            Some(meta) => meta
                .complete_transition_to(&write.transit)
                .map(|()| (meta.producer_id, meta.producer_epoch))
                .map_err(|_| ErrorCode::INVALID_TXN_STATE),
        }
    }

    /// `sendTxnMarkersCallback`: the Prepare record is in; prepare the Complete transit, answer
    /// the client and send the markers.
    fn after_prepare_written(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        id: &str,
        prepare: &crate::kafka::txn::TxnTransit,
        reply: Option<(NodeId, u32)>,
        result: crate::kafka::txn::TransactionResult,
        error: ErrorCode,
    ) {
        let now = ctx.now.as_ms() as i64;
        let error = match self.txn_state.transactions.get_mut(id) {
            Some(meta) if !error.is_error() => {
                let (pid, epoch) = (prepare.producer_id, prepare.producer_epoch);
                match prepare_markers(meta, pid, epoch, result, now) {
                    Ok(complete) => {
                        self.txn_state
                            .completing
                            .insert(id.to_string(), (complete, result));
                        ErrorCode::NONE
                    }
                    Err(_) => ErrorCode::INVALID_TXN_STATE,
                }
            }
            _ => error,
        };
        if let Some((to, correlation_id)) = reply {
            let m = Message::EndTxnResponse {
                correlation_id,
                error,
            };
            ctx.send(self.node(), to, m);
        }
        if !error.is_error() {
            self.send_txn_markers(ctx, id);
        }
    }

    /// Send the markers of a completing transaction to the leaders of its partitions still
    /// without one; with none left, write the Complete transit.
    pub(super) fn send_txn_markers(&mut self, ctx: &mut Ctx<'_, Cluster>, id: &str) {
        let Some((_, result)) = self.txn_state.completing.get(id).cloned() else {
            return;
        };
        let Some(meta) = self.txn_state.transactions.get(id) else {
            return;
        };
        if meta.topic_partitions.is_empty() {
            return self.write_complete(ctx, id);
        }
        let coordinator_epoch = self
            .txn_partition(id)
            .and_then(|tp| self.txn_state.loaded.get(&tp.partition).copied())
            .unwrap_or(-1);
        let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
        for tp in &meta.topic_partitions {
            if let Some(leader) = self.metadata.partition(tp).and_then(|p| p.leader) {
                by_leader.entry(leader).or_default().push(*tp);
            }
        }
        let (producer_id, producer_epoch) = (meta.producer_id, meta.producer_epoch);
        let unled = by_leader.values().map(Vec::len).sum::<usize>() < meta.topic_partitions.len();
        self.txn_state
            .markers_in_flight
            .retain(|_, r| r.transactional_id != id);
        for (broker, partitions) in by_leader {
            self.txn_state.next_marker_request += 1;
            let correlation_id = self.txn_state.next_marker_request;
            let entry = TxnMarkerEntry {
                producer_id,
                producer_epoch,
                coordinator_epoch,
                result,
                partitions: partitions.clone(),
            };
            let request = MarkerRequest {
                transactional_id: id.to_string(),
                broker,
                partitions,
            };
            self.txn_state
                .markers_in_flight
                .insert(correlation_id, request);
            let m = Message::WriteTxnMarkers {
                correlation_id,
                markers: vec![entry],
            };
            ctx.send(self.node(), NodeId::Broker(broker), m);
        }
        let wait = if unled {
            MARKER_RETRY_BACKOFF_MS
        } else {
            MARKER_RETRY_TIMEOUT_MS
        };
        self.retry_markers_in(ctx, id, wait);
    }

    /// Look at `id`'s markers again in `ms` (`Timer::TxnMarkerRetry`).
    fn retry_markers_in(&self, ctx: &mut Ctx<'_, Cluster>, id: &str, ms: u64) {
        let timer = Timer::TxnMarkerRetry {
            transactional_id: id.to_string(),
        };
        ctx.set_timer(self.node(), timer, SimDuration::from_ms(ms));
    }

    /// Every partition has its marker: append `CompleteCommit` / `CompleteAbort`.
    fn write_complete(&mut self, ctx: &mut Ctx<'_, Cluster>, id: &str) {
        let Some((transit, _)) = self.txn_state.completing.get(id).cloned() else {
            return;
        };
        let timer = Timer::TxnMarkerRetry {
            transactional_id: id.to_string(),
        };
        ctx.cancel_timer(self.node(), timer);
        let Ok(tp) = self.txn_coordinates(id) else {
            return;
        };
        if self
            .txn_write(ctx, &tp, id, transit, TxnWriteCompletion::Complete)
            .is_err()
        {
            // Not enough in-sync replicas: the pending Complete stays; try again shortly.
            if let Some(meta) = self.txn_state.transactions.get_mut(id) {
                meta.pending_state = Some(match self.txn_state.completing.get(id) {
                    Some((t, _)) => t.txn_state,
                    None => TransactionState::CompleteAbort,
                });
            }
            self.retry_markers_in(ctx, id, MARKER_RETRY_BACKOFF_MS);
        }
    }

    /// `TransactionMarkerRequestCompletionHandler.onComplete`: a written marker takes its
    /// partition out of the transaction; a partition gone or a stale epoch is dropped too; any
    /// other error is retried after a backoff.
    pub(super) fn handle_txn_markers_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
        markers: Vec<(i64, Vec<(TopicPartition, ErrorCode)>)>,
    ) {
        let Some(request) = self.txn_state.markers_in_flight.remove(&correlation_id) else {
            return;
        };
        let id = request.transactional_id;
        let Some(meta) = self.txn_state.transactions.get_mut(&id) else {
            return;
        };
        let mut retry = false;
        for (tp, error) in markers.into_iter().flat_map(|(_, list)| list) {
            match error {
                ErrorCode::NONE
                | ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                | ErrorCode::INVALID_PRODUCER_EPOCH => {
                    let _ = meta.remove_partition(&tp);
                }
                _ => retry = true,
            }
        }
        let done = meta.topic_partitions.is_empty();
        if done {
            self.write_complete(ctx, &id);
        } else if retry {
            self.retry_markers_in(ctx, &id, MARKER_RETRY_BACKOFF_MS);
        }
    }

    /// A marker retry is due: send what is still missing (or the Complete write).
    pub(super) fn retry_txn_markers(&mut self, ctx: &mut Ctx<'_, Cluster>, id: &str) {
        self.send_txn_markers(ctx, id);
    }

    /// This broker became leader of a `__transaction_state` partition: rebuild its
    /// transactional ids from the log and resume the markers of those in a Prepare state.
    pub(super) fn load_transactions(&mut self, ctx: &mut Ctx<'_, Cluster>, tp: &TopicPartition) {
        let Some(replica) = self.replicas.get(tp) else {
            return;
        };
        let epoch = replica.leader_epoch;
        let mut latest = BTreeMap::new();
        for batch in replica.log.batches() {
            for record in batch.records.iter() {
                if let Some((id, transit)) = log_record::parse(record) {
                    latest.insert(id, transit);
                } else if let Some(id) = log_record::parse_tombstone(record) {
                    // An expired id (`TransactionStateManager.loadTransactionMetadata`).
                    latest.remove(&id);
                }
            }
        }
        let now = ctx.now.as_ms() as i64;
        let mut resume = Vec::new();
        for (id, transit) in &latest {
            let mut meta = TransactionStateManager::metadata_from_log(id, transit);
            if matches!(
                meta.state,
                TransactionState::PrepareCommit | TransactionState::PrepareAbort
            ) {
                let result = match meta.state {
                    TransactionState::PrepareCommit => crate::kafka::txn::TransactionResult::Commit,
                    _ => crate::kafka::txn::TransactionResult::Abort,
                };
                if let Ok(complete) = meta.prepare_complete(now) {
                    self.txn_state
                        .completing
                        .insert(id.clone(), (complete, result));
                    resume.push(id.clone());
                }
            }
            self.txn_state.transactions.insert(id.clone(), meta);
        }
        self.txn_state.loaded.insert(tp.partition, epoch);
        ctx.emit(Event::TransactionsLoaded {
            broker: self.id,
            partition: *tp,
            transactional_ids: latest.keys().cloned().collect(),
        });
        self.arm_txn_abort_check(ctx);
        for id in resume {
            self.send_txn_markers(ctx, &id);
        }
    }

    /// This broker no longer leads a `__transaction_state` partition: forget its ids; writes
    /// still waiting fail with NOT_COORDINATOR.
    pub(super) fn unload_transactions(&mut self, ctx: &mut Ctx<'_, Cluster>, tp: &TopicPartition) {
        if self.txn_state.loaded.remove(&tp.partition).is_none() {
            return;
        }
        let count = self
            .metadata
            .partition_count(TRANSACTION_STATE_TOPIC)
            .unwrap_or(1);
        let mine = |id: &str| partition_for(id, count) == tp.partition;
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.txn_state.pending_writes)
            .into_iter()
            .partition(|w| w.partition == *tp);
        self.txn_state.pending_writes = kept;
        for write in gone {
            self.finish_txn_write(ctx, write, ErrorCode::NOT_COORDINATOR);
        }
        let ids: Vec<String> = self
            .txn_state
            .transactions
            .keys()
            .filter(|id| mine(id))
            .cloned()
            .collect();
        for id in ids {
            self.txn_state.transactions.remove(&id);
            self.txn_state.completing.remove(&id);
            let timer = Timer::TxnMarkerRetry {
                transactional_id: id.clone(),
            };
            ctx.cancel_timer(self.node(), timer);
        }
        let ids = &self.txn_state.transactions;
        self.txn_state
            .markers_in_flight
            .retain(|_, r| ids.contains_key(&r.transactional_id));
    }

    fn arm_txn_abort_check(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.txn_state.abort_check_armed {
            return;
        }
        self.txn_state.abort_check_armed = true;
        let interval = self
            .config
            .ms("transaction.abort.timed.out.transaction.cleanup.interval.ms");
        ctx.set_timer(
            self.node(),
            Timer::TxnAbortTimedOutCheck,
            SimDuration::from_ms(interval),
        );
    }

    /// `abortTimedOutTransactions`: an `Ongoing` transaction older than its timeout, with no
    /// transition pending, is fenced (epoch bump) and aborted by the coordinator.
    pub(super) fn abort_timed_out_transactions(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.txn_state.abort_check_armed = false;
        let now = ctx.now.as_ms() as i64;
        let expired: Vec<String> = self
            .txn_state
            .transactions
            .values()
            .filter(|m| {
                m.state == TransactionState::Ongoing
                    && m.pending_state.is_none()
                    && m.txn_start_timestamp + i64::from(m.txn_timeout_ms) <= now
            })
            .map(|m| m.transactional_id.clone())
            .collect();
        for id in expired {
            let Some(meta) = self.txn_state.transactions.get_mut(&id) else {
                continue;
            };
            let Ok(fence) = meta.prepare_fence_producer_epoch() else {
                continue;
            };
            ctx.emit(Event::TransactionTimedOut {
                broker: self.id,
                transactional_id: id.clone(),
                producer_id: fence.producer_id,
                producer_epoch: fence.producer_epoch,
            });
            self.coordinator_abort(ctx, &id, &fence);
        }
        self.maybe_remove_expired_transactional_ids(ctx);
        if !self.txn_state.loaded.is_empty() {
            self.arm_txn_abort_check(ctx);
        }
    }

    /// The connection to `broker` was reset: its marker requests are lost; send them again
    /// once the metadata has moved on.
    pub(super) fn txn_markers_connection_lost(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
    ) {
        let lost: Vec<String> = self
            .txn_state
            .markers_in_flight
            .values()
            .filter(|r| r.broker == broker)
            .map(|r| r.transactional_id.clone())
            .collect();
        for id in lost {
            self.retry_markers_in(ctx, &id, MARKER_RETRY_BACKOFF_MS);
        }
    }
}
