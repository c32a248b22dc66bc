//! The group coordinator's writes (Kafka's `CoordinatorRuntime`): records appended to an
//! `__consumer_offsets` partition this broker leads, completed once the high watermark covers
//! them or failed after `offsets.commit.timeout.ms`, and what each completion does (answer the
//! JoinGroup/SyncGroup waiting on a group record, or the OffsetCommit).

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::group::classic::CommittedOffset;
use crate::kafka::group::records::CoordinatorRecord;
use crate::kafka::group::{PendingWrite, WriteCompletion};
use crate::kafka::protocol::Message;
use crate::kafka::record::{ProducerIdentity, RecordBatch};
use crate::kafka::timer::Timer;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

impl Broker {
    /// Append coordinator records to an offsets partition this broker leads; `completion`
    /// runs once the high watermark covers them.
    pub(super) fn coordinator_write(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        records: Vec<CoordinatorRecord>,
        completion: WriteCompletion,
    ) -> Result<(), ErrorCode> {
        self.coordinator_write_as(ctx, tp, records, completion, None)
    }

    /// `coordinator_write`, for a transactional producer's offsets (`TxnOffsetCommit`) in a
    /// transactional batch of its producer id and epoch when `txn` is set.
    pub(super) fn coordinator_write_as(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        records: Vec<CoordinatorRecord>,
        completion: WriteCompletion,
        txn: Option<(i64, i16)>,
    ) -> Result<(), ErrorCode> {
        let now_ms = ctx.now.as_ms() as i64;
        let first_serial = self.coordinator.next_write_id;
        let records: Vec<_> = records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut record = r.to_record(first_serial as u32 + i as u32, now_ms);
                record.offset_delta = i as u32;
                record
            })
            .collect();
        if records.is_empty() {
            return Ok(());
        }
        let replica = self
            .replicas
            .get_mut(tp)
            .filter(|r| r.is_leader())
            .ok_or(ErrorCode::NOT_COORDINATOR)?;
        let identity = check_producer_epoch(replica, txn)?;
        let mut batch = RecordBatch::new(
            records,
            identity,
            crate::kafka::compression::Compression::None,
        );
        batch.transactional = txn.is_some();
        let leader_epoch = replica.leader_epoch;
        let stamped = replica.log.append_as_leader(&batch, leader_epoch, now_ms);
        super::replica::track_transaction(&mut replica.txns, &mut replica.producer_state, &stamped);
        ctx.emit(Event::BatchAppended {
            broker: self.id,
            partition: *tp,
            base_offset: stamped.base_offset,
            last_offset: stamped.last_offset(),
            leader_epoch,
            records: stamped.records.iter().map(|r| r.id).collect(),
        });
        self.coordinator.next_write_id += stamped.records.len() as u64;
        let id = self.coordinator.next_write_id;
        self.coordinator.pending_writes.push(PendingWrite {
            id,
            partition: *tp,
            end_offset: stamped.next_offset(),
            leader_epoch,
            completion,
        });
        ctx.set_timer(
            self.node(),
            Timer::CoordinatorWriteExpiry { id },
            SimDuration::from_ms(self.config.ms("offsets.commit.timeout.ms")),
        );
        self.maybe_advance_high_watermark(ctx, tp);
        self.on_log_grew(ctx);
        Ok(())
    }

    /// Where a coordinator's write to `partition` (ending at `end_offset`, appended in
    /// `leader_epoch`) stands: `None` while the high watermark is below its end, `NONE` once
    /// committed, `NOT_COORDINATOR` once this broker no longer leads the partition in that epoch.
    /// Group and transaction coordinators both answer their requests by it.
    pub(crate) fn coordinator_write_outcome(
        &self,
        partition: &TopicPartition,
        leader_epoch: i32,
        end_offset: i64,
    ) -> Option<ErrorCode> {
        match self.replicas.get(partition) {
            Some(r) if r.is_leader() && r.leader_epoch == leader_epoch => {
                (r.high_watermark >= end_offset).then_some(ErrorCode::NONE)
            }
            _ => Some(ErrorCode::NOT_COORDINATOR),
        }
    }

    /// Finish the writes the high watermark now covers; fail those whose partition this broker
    /// no longer leads (the new coordinator will be asked again).
    pub(crate) fn complete_coordinator_writes(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.coordinator.pending_writes.is_empty() {
            return;
        }
        let mut still = Vec::new();
        for write in std::mem::take(&mut self.coordinator.pending_writes) {
            let outcome = self.coordinator_write_outcome(
                &write.partition,
                write.leader_epoch,
                write.end_offset,
            );
            match outcome {
                None => still.push(write),
                Some(error) => {
                    ctx.cancel_timer(self.node(), Timer::CoordinatorWriteExpiry { id: write.id });
                    self.finish_write(ctx, write, error);
                }
            }
        }
        self.coordinator.pending_writes.extend(still);
    }

    pub(super) fn expire_coordinator_write(&mut self, ctx: &mut Ctx<'_, Cluster>, id: u64) {
        let Some(i) = self
            .coordinator
            .pending_writes
            .iter()
            .position(|w| w.id == id)
        else {
            return;
        };
        let write = self.coordinator.pending_writes.remove(i);
        self.finish_write(ctx, write, ErrorCode::REQUEST_TIMED_OUT);
    }

    fn finish_write(&mut self, ctx: &mut Ctx<'_, Cluster>, write: PendingWrite, error: ErrorCode) {
        match write.completion {
            WriteCompletion::OffsetCommit {
                to,
                correlation_id,
                group,
                offsets,
            } => self.finish_offset_commit(ctx, to, correlation_id, &group, offsets, error),
            WriteCompletion::Sync { group, generation } => {
                let now = ctx.now;
                let actions = self
                    .coordinator
                    .groups
                    .get_mut(&group)
                    .map(|g| match error {
                        ErrorCode::NONE => g.complete_sync(generation),
                        _ => g.fail_sync(generation, error, now),
                    })
                    .unwrap_or_default();
                self.apply_group_actions(ctx, &group, actions);
            }
            WriteCompletion::StaticMember { group, replacement } => {
                let now = ctx.now;
                let actions = self
                    .coordinator
                    .groups
                    .get_mut(&group)
                    .map(|g| match error {
                        ErrorCode::NONE => g.complete_static_join(&replacement),
                        _ => g.revert_static_replacement(&replacement, error, now),
                    })
                    .unwrap_or_default();
                self.apply_group_actions(ctx, &group, actions);
            }
            WriteCompletion::Admin {
                group,
                offsets,
                delete_group,
            } => {
                if !error.is_error() {
                    self.complete_admin_write(ctx, &group, offsets, delete_group);
                }
            }
            WriteCompletion::None => {}
            WriteCompletion::TxnOffsetCommit {
                to, correlation_id, ..
            } => self.after_txn_offset_write(ctx, to, correlation_id, error),
        }
    }

    /// An OffsetCommit's records are committed (or failed): update the cache and answer.
    fn finish_offset_commit(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        to: NodeId,
        correlation_id: u32,
        group: &str,
        offsets: Vec<(TopicPartition, i64, i32)>,
        error: ErrorCode,
    ) {
        if !error.is_error() {
            if let Some(g) = self.coordinator.groups.get_mut(group) {
                let now_ms = ctx.now.as_ms() as i64;
                for (tp, offset, epoch) in &offsets {
                    g.offsets.insert(
                        *tp,
                        CommittedOffset {
                            offset: *offset,
                            leader_epoch: *epoch,
                            commit_time_ms: now_ms,
                        },
                    );
                }
            }
        }
        ctx.send(
            self.node(),
            to,
            Message::OffsetCommitResponse {
                correlation_id,
                error,
                offsets: offsets.into_iter().map(|(tp, o, _)| (tp, o)).collect(),
            },
        );
    }
}

/// Kafka: `ProducerAppendInfo.checkProducerEpoch` (the log's producer-state check runs on
/// coordinator appends too). A zombie's offsets, sent after its transaction was aborted at a
/// newer epoch, are refused instead of staying pending forever (no marker will ever come for
/// them) and blocking the group's OffsetFetch.
/// Returns the identity the batch is written with.
fn check_producer_epoch(
    replica: &super::replica::Replica,
    txn: Option<(i64, i16)>,
) -> Result<ProducerIdentity, ErrorCode> {
    let Some((producer_id, producer_epoch)) = txn else {
        return Ok(ProducerIdentity::NONE);
    };
    let last = replica.producer_state.last_entry(producer_id);
    if last.is_some_and(|e| producer_epoch < e.producer_epoch()) {
        return Err(ErrorCode::INVALID_PRODUCER_EPOCH);
    }
    Ok(ProducerIdentity {
        producer_id,
        producer_epoch,
        base_sequence: -1,
    })
}
