//! Routing the transactional requests a broker receives (Kafka: `KafkaApis.handle*` for
//! InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
//! TxnOffsetCommit), and the group coordinator's side of transactional offsets: written to
//! `__consumer_offsets` in the producer's transactional batch, kept pending, made the group's
//! offsets by the commit marker (`GroupCoordinator.handleTxnOffsetCommit`,
//! `GroupMetadata.completePendingTxnOffsetCommit`).

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::group::classic::CommittedOffset;
use crate::kafka::group::records::CoordinatorRecord;
use crate::kafka::group::WriteCompletion;
use crate::kafka::protocol::Message;
use crate::kafka::record::{ControlRecordType, RecordBatch};
use crate::kafka::txn::coordinator::EndTxn;
use crate::kafka::txn::state_manager::TxnWriteCompletion;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;
use std::collections::BTreeMap;

impl Broker {
    /// The transactional messages; `Some(msg)` gives back anything else.
    pub(super) fn on_txn_message(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        msg: Message,
    ) -> Option<Message> {
        match msg {
            Message::FindTransactionCoordinator {
                correlation_id,
                transactional_id,
            } => self.handle_find_txn_coordinator(ctx, from, correlation_id, &transactional_id),
            Message::InitTransactionalProducerId {
                correlation_id,
                transactional_id,
                transaction_timeout_ms,
                producer_id,
                producer_epoch,
            } => {
                let expected = (producer_id >= 0).then_some((producer_id, producer_epoch));
                self.handle_init_txn_producer_id(
                    ctx,
                    from,
                    correlation_id,
                    &transactional_id,
                    transaction_timeout_ms,
                    expected,
                )
            }
            msg @ Message::AddPartitionsToTxn { .. } => {
                self.handle_add_partitions_to_txn(ctx, from, msg)
            }
            msg @ Message::AddOffsetsToTxn { .. } => self.handle_add_offsets_to_txn(ctx, from, msg),
            msg @ Message::EndTxn { .. } => self.handle_end_txn(ctx, from, msg),
            msg @ Message::TxnOffsetCommit { .. } => self.handle_txn_offset_commit(ctx, from, msg),
            Message::WriteTxnMarkersResponse {
                correlation_id,
                markers,
            } => self.handle_txn_markers_response(ctx, correlation_id, markers),
            other => return Some(other),
        }
        None
    }

    /// `TransactionCoordinator.handleAddPartitionsToTransaction`: answered at once when the
    /// partitions are in the transaction already or the request is refused.
    fn handle_add_partitions_to_txn(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        msg: Message,
    ) {
        let Message::AddPartitionsToTxn {
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            partitions,
        } = msg
        else {
            return;
        };
        let completion = TxnWriteCompletion::AddPartitions {
            to: from,
            correlation_id,
            partitions: partitions.clone(),
        };
        let id = &transactional_id;
        let outcome = self.add_partitions_to_txn(
            ctx,
            id,
            producer_id,
            producer_epoch,
            &partitions,
            completion,
        );
        if outcome != Ok(true) {
            let error = outcome.err().unwrap_or(ErrorCode::NONE);
            let results = partitions.into_iter().map(|tp| (tp, error)).collect();
            let m = Message::AddPartitionsToTxnResponse {
                correlation_id,
                results,
            };
            ctx.send(self.node(), from, m);
        }
    }

    /// `TransactionCoordinator.handleEndTransaction` from a client.
    fn handle_end_txn(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        let Message::EndTxn {
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            result,
        } = msg
        else {
            return;
        };
        let request = EndTxn {
            producer_id,
            producer_epoch,
            result,
            from_client: true,
            version: super::txn_coordinator::COORDINATOR_TRANSACTION_VERSION,
            now: ctx.now.as_ms() as i64,
        };
        self.end_txn(
            ctx,
            &transactional_id,
            request,
            Some((from, correlation_id)),
        );
    }

    /// `TransactionCoordinator.handleAddOffsetsToTransaction`: the group's offsets partition
    /// joins the transaction.
    fn handle_add_offsets_to_txn(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        msg: Message,
    ) {
        let Message::AddOffsetsToTxn {
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            group_id,
        } = msg
        else {
            return;
        };
        let count = self
            .metadata
            .partition_count(crate::kafka::group::OFFSETS_TOPIC);
        let outcome = match count {
            None => Err(ErrorCode::COORDINATOR_NOT_AVAILABLE),
            Some(count) => {
                let p = crate::kafka::group::partition_for(&group_id, count);
                let tp = TopicPartition::new(crate::kafka::group::OFFSETS_TOPIC, p);
                let completion = TxnWriteCompletion::AddOffsets {
                    to: from,
                    correlation_id,
                };
                let id = &transactional_id;
                self.add_partitions_to_txn(ctx, id, producer_id, producer_epoch, &[tp], completion)
            }
        };
        if outcome != Ok(true) {
            let error = outcome.err().unwrap_or(ErrorCode::NONE);
            let m = Message::AddOffsetsToTxnResponse {
                correlation_id,
                error,
            };
            ctx.send(self.node(), from, m);
        }
    }

    /// `GroupCoordinator.handleTxnOffsetCommit`: write the offsets in the producer's
    /// transactional batch; they stay pending until the transaction's marker.
    fn handle_txn_offset_commit(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        let Message::TxnOffsetCommit {
            correlation_id,
            group_id,
            producer_id,
            producer_epoch,
            offsets,
            ..
        } = msg
        else {
            return;
        };
        let reply = |error| Message::TxnOffsetCommitResponse {
            correlation_id,
            error,
        };
        let tp = match self.coordinates(&group_id) {
            Ok(tp) => tp,
            Err(e) => return ctx.send(self.node(), from, reply(e)),
        };
        let now_ms = ctx.now.as_ms() as i64;
        let records = offsets
            .iter()
            .map(
                |(partition, offset, epoch)| CoordinatorRecord::OffsetCommit {
                    group: group_id.to_string(),
                    partition: *partition,
                    offset: CommittedOffset {
                        offset: *offset,
                        leader_epoch: *epoch,
                        commit_time_ms: now_ms,
                    },
                },
            )
            .collect();
        let completion = WriteCompletion::TxnOffsetCommit {
            to: from,
            correlation_id,
            group: group_id.to_string(),
            producer_id,
            offsets: offsets.clone(),
        };
        let txn = Some((producer_id, producer_epoch));
        match self.coordinator_write_as(ctx, &tp, records, completion, txn) {
            Ok(()) => self.add_pending_txn_offsets(&group_id, producer_id, offsets, now_ms),
            Err(e) => ctx.send(self.node(), from, reply(e)),
        }
    }

    /// The transactional offsets are appended: they are pending from now on, in log order
    /// with the markers. Kafka replays each record into the coordinator's state as it is
    /// appended (`OffsetMetadataManager.replay` adds to `pendingTransactionalOffsets`,
    /// `replayEndTransactionMarker` resolves them), not when the write is committed: had
    /// they waited for the high watermark, a timeout abort's marker appended in between would
    /// come first and leave them pending forever (UNSTABLE_OFFSET_COMMIT for the group).
    fn add_pending_txn_offsets(
        &mut self,
        group: &str,
        producer_id: i64,
        offsets: Vec<(TopicPartition, i64, i32)>,
        now_ms: i64,
    ) {
        let pending = self
            .coordinator
            .pending_txn_offsets
            .entry(producer_id)
            .or_default();
        for (tp, offset, leader_epoch) in offsets {
            let committed = CommittedOffset {
                offset,
                leader_epoch,
                commit_time_ms: now_ms,
            };
            pending.push((group.to_string(), tp, committed));
        }
    }

    /// The transactional offsets are committed (or failed): answer. They stay pending in
    /// either case until the transaction's marker (Kafka does not undo a replayed write
    /// whose commit timed out; a new leader rebuilds from its own log).
    pub(super) fn after_txn_offset_write(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        to: NodeId,
        correlation_id: u32,
        error: ErrorCode,
    ) {
        let m = Message::TxnOffsetCommitResponse {
            correlation_id,
            error,
        };
        ctx.send(self.node(), to, m);
    }

    /// Whether a transaction's offsets for any of `partitions` of `group` wait for a marker
    /// (`GroupMetadata.hasPendingOffsetCommitsForTopicPartition`).
    pub(super) fn has_pending_txn_offsets(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> bool {
        self.coordinator
            .pending_txn_offsets
            .values()
            .flatten()
            .any(|(g, tp, _)| g == group && partitions.contains(tp))
    }

    /// The offsets of transactions still open in an offsets partition just loaded stay
    /// pending until their markers (Kafka: `OffsetMetadataManager.replay` and
    /// `replayEndTransactionMarker` while the partition loads). What was pending for this
    /// partition's groups before is rebuilt from the log, not kept.
    pub(super) fn load_pending_txn_offsets(&mut self, tp: &TopicPartition) {
        self.drop_pending_txn_offsets(tp.partition);
        let Some(replica) = self.replicas.get(tp) else {
            return;
        };
        let (_, open) = offsets_in_effect_order(replica.log.batches());
        for (producer_id, offsets) in open {
            let pending = self.coordinator.pending_txn_offsets.entry(producer_id);
            pending.or_default().extend(offsets);
        }
    }

    /// This broker no longer leads offsets partition `partition`: its groups' pending
    /// transactional offsets go with them. Kept, they would outlive the marker the next
    /// leader writes and answer UNSTABLE_OFFSET_COMMIT forever once this broker leads again
    /// (Kafka: `CoordinatorRuntime.scheduleUnloadOperation` drops the whole shard, with
    /// `OffsetMetadataManager.pendingTransactionalOffsets`).
    pub(super) fn drop_pending_txn_offsets(&mut self, partition: i32) {
        let count = self
            .metadata
            .partition_count(crate::kafka::group::OFFSETS_TOPIC)
            .unwrap_or(1);
        let pending = &mut self.coordinator.pending_txn_offsets;
        for offsets in pending.values_mut() {
            offsets.retain(|(g, _, _)| crate::kafka::group::partition_for(g, count) != partition);
        }
        pending.retain(|_, offsets| !offsets.is_empty());
    }

    /// A marker in an `__consumer_offsets` partition: the producer's pending offsets of groups
    /// in that partition become committed (commit) or are dropped (abort).
    pub(super) fn complete_txn_offsets(&mut self, partition: i32, producer_id: i64, commit: bool) {
        let count = self
            .metadata
            .partition_count(crate::kafka::group::OFFSETS_TOPIC)
            .unwrap_or(1);
        let Some(pending) = self.coordinator.pending_txn_offsets.remove(&producer_id) else {
            return;
        };
        let (here, elsewhere): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|(g, _, _)| crate::kafka::group::partition_for(g, count) == partition);
        if !elsewhere.is_empty() {
            self.coordinator
                .pending_txn_offsets
                .insert(producer_id, elsewhere);
        }
        if !commit {
            return;
        }
        for (group, tp, offset) in here {
            if let Ok(g) = self.group_mut(&group) {
                g.offsets.insert(tp, offset);
            }
        }
    }
}

/// Pending transactional offsets by producer id, as `GroupCoordinator.pending_txn_offsets`.
type PendingTxnOffsets = BTreeMap<i64, Vec<(String, TopicPartition, CommittedOffset)>>;

/// The batches of an `__consumer_offsets` partition in the order they take effect when it is
/// loaded (`GroupMetadataManager.doLoadGroupsAndOffsets`): a transaction's offsets at its
/// COMMIT marker, none of an aborted one; those of a transaction still open come back
/// pending.
pub(super) fn offsets_in_effect_order<'a>(
    batches: impl Iterator<Item = &'a RecordBatch>,
) -> (Vec<&'a RecordBatch>, PendingTxnOffsets) {
    let mut effective = Vec::new();
    let mut open: BTreeMap<i64, Vec<&RecordBatch>> = BTreeMap::new();
    for batch in batches {
        let producer_id = batch.producer.producer_id;
        match batch.control {
            Some(kind) => {
                let held = open.remove(&producer_id).unwrap_or_default();
                if kind == ControlRecordType::Commit {
                    effective.extend(held);
                }
            }
            None if batch.transactional => open.entry(producer_id).or_default().push(batch),
            None => effective.push(batch),
        }
    }
    let pending = open
        .into_iter()
        .map(|(producer_id, batches)| {
            let offsets = batches
                .iter()
                .flat_map(|b| b.records.iter())
                .filter_map(|r| match CoordinatorRecord::parse(r) {
                    Some(CoordinatorRecord::OffsetCommit {
                        group,
                        partition,
                        offset,
                    }) => Some((group, partition, offset)),
                    _ => None,
                })
                .collect();
            (producer_id, offsets)
        })
        .collect();
    (effective, pending)
}
