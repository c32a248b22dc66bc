//! `WriteTxnMarkers` on a partition leader (Kafka: `KafkaApis.handleWriteTxnMarkersRequest`,
//! appending with `AppendOrigin.COORDINATOR` and `requiredAcks = -1`): each marker is a control
//! batch in the producer's id and epoch; the answer waits until every marker is replicated to
//! the ISR, as an acks=all produce does. Writing the marker ends the transaction in this
//! partition: its records become stable once the high watermark passes the marker.

use super::produce::DelayedProduce;
use super::producer_state::AppendOrigin;
use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::protocol::{Message, ProducePartitionResponse, TxnMarkerEntry};
use crate::kafka::record::{ControlRecordType, RecordBatch};
use crate::kafka::timer::Timer;
use crate::kafka::txn::TransactionResult;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

/// How long a coordinator's marker request may wait for replication
/// (`request.timeout.ms` of the inter-broker client).
const MARKER_TIMEOUT_MS: u64 = 30_000;

impl Broker {
    pub(super) fn handle_write_txn_markers(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        markers: Vec<TxnMarkerEntry>,
    ) {
        let mut producer_ids = Vec::new();
        let mut results = Vec::new();
        for marker in &markers {
            for tp in &marker.partitions {
                producer_ids.push(marker.producer_id);
                results.push(self.append_marker(ctx, tp, marker));
            }
        }
        let delayed = DelayedProduce {
            from,
            correlation_id,
            partitions: results,
            markers_of: Some(producer_ids),
        };
        if delayed.partitions.iter().all(|(_, wait)| wait.is_none()) {
            self.respond_delayed(ctx, delayed);
            return;
        }
        self.delayed_produces.push(delayed);
        let timer = Timer::ProduceExpiry {
            from,
            correlation_id,
        };
        ctx.set_timer(self.node(), timer, SimDuration::from_ms(MARKER_TIMEOUT_MS));
        self.try_complete_delayed_produces(ctx);
    }

    /// Append one marker as leader: the partition must be led here with enough in-sync
    /// replicas, and the marker's epoch must not be older than the producer's
    /// (`INVALID_PRODUCER_EPOCH`). Returns the entry and the offset the high watermark must pass.
    fn append_marker(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        marker: &TxnMarkerEntry,
    ) -> (ProducePartitionResponse, Option<i64>) {
        let min_isr = self.min_insync_replicas(tp);
        let entry = |error| ProducePartitionResponse {
            partition: *tp,
            error,
            base_offset: -1,
            log_start_offset: -1,
            error_message: None,
        };
        let Some(replica) = self.replicas.get_mut(tp) else {
            return (entry(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), None);
        };
        let Some(state) = replica.leader_state() else {
            return (entry(ErrorCode::NOT_LEADER_OR_FOLLOWER), None);
        };
        if state.isr.len() < min_isr {
            return (entry(ErrorCode::NOT_ENOUGH_REPLICAS), None);
        }
        let kind = match marker.result {
            TransactionResult::Commit => ControlRecordType::Commit,
            TransactionResult::Abort => ControlRecordType::Abort,
        };
        let offset = replica.log_end_offset();
        let (producer_id, epoch) = (marker.producer_id, marker.producer_epoch);
        let origin = AppendOrigin::Coordinator;
        let checked = replica.producer_state.append_end_transaction_marker(
            producer_id,
            epoch,
            kind,
            offset,
            origin,
        );
        if checked.is_err() {
            return (entry(ErrorCode::INVALID_PRODUCER_EPOCH), None);
        }
        let now_ms = ctx.now.as_ms() as i64;
        let batch =
            RecordBatch::end_txn_marker(producer_id, epoch, kind, marker.coordinator_epoch, now_ms);
        let stamped = replica
            .log
            .append_as_leader(&batch, replica.leader_epoch, now_ms);
        replica
            .txns
            .append_end_marker(producer_id, stamped.base_offset, kind);
        ctx.emit(Event::TxnMarkerWritten {
            broker: self.id,
            partition: *tp,
            producer_id,
            producer_epoch: epoch,
            kind,
            offset: stamped.base_offset,
        });
        let response = ProducePartitionResponse {
            base_offset: stamped.base_offset,
            log_start_offset: replica.log.log_start_offset(),
            ..entry(ErrorCode::NONE)
        };
        if tp.topic == crate::kafka::group::OFFSETS_TOPIC {
            let commit = kind == ControlRecordType::Commit;
            self.complete_txn_offsets(tp.partition, producer_id, commit);
        }
        self.maybe_advance_high_watermark(ctx, tp);
        self.on_log_grew(ctx);
        (response, Some(stamped.next_offset()))
    }
}

/// The `WriteTxnMarkersResponse` for entries in request order, grouped by producer id.
pub(super) fn markers_response(
    correlation_id: u32,
    producer_ids: &[i64],
    partitions: Vec<ProducePartitionResponse>,
) -> Message {
    let mut markers: Vec<(i64, Vec<(TopicPartition, ErrorCode)>)> = Vec::new();
    for (producer_id, p) in producer_ids.iter().zip(partitions) {
        match markers.last_mut() {
            Some((id, list)) if id == producer_id => list.push((p.partition, p.error)),
            _ => markers.push((*producer_id, vec![(p.partition, p.error)])),
        }
    }
    Message::WriteTxnMarkersResponse {
        correlation_id,
        markers,
    }
}
