//! The Produce path on the leader (`ReplicaManager.appendRecords`, `Partition.appendRecordsToLeader`,
//! `DelayedProduce`): validate, append, then answer at once (acks=1), never (acks=0), or when the
//! high watermark passes the batch (acks=all). The checks run in Kafka's order, so a request
//! that breaks several rules gets the error Kafka would give (min ISR before size and records).

use super::producer_state::{AppendOrigin, AppendOutcome, ProducerStateError};
use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, RejectReason};
use crate::kafka::protocol::{Message, ProducePartitionResponse, ProduceRequest, ProduceResponse};
use crate::kafka::record::RecordBatch;
use crate::kafka::timer::Timer;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

/// An acks=all request waiting for the high watermark to pass its batches.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DelayedProduce {
    pub from: NodeId,
    pub correlation_id: u32,
    /// Per partition: the response so far and the offset the high watermark must reach.
    pub partitions: Vec<(ProducePartitionResponse, Option<i64>)>,
    /// What answers it: a `ProduceResponse`, or for `WriteTxnMarkers` (appended with acks=all)
    /// a `WriteTxnMarkersResponse`, with each partition's producer id.
    pub markers_of: Option<Vec<i64>>,
}

impl Broker {
    pub(super) fn handle_produce(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        request: ProduceRequest,
    ) {
        let busy = self.request_processing(ctx, from, &request);
        let mut results = Vec::new();
        for (tp, batch) in &request.partitions {
            let result = self.append_to_leader(ctx, tp, batch, request.acks);
            results.push(result);
        }
        let any_written = results.iter().any(|(r, _)| r.error == ErrorCode::NONE);
        if request.acks == 0 {
            // acks=0 gets no response. A failed append closes the connection so the client
            // refreshes its metadata (`KafkaApis.handleProduceRequest`).
            if results.iter().any(|(r, _)| r.error.is_error()) {
                ctx.send(self.node(), from, Message::ConnectionReset);
            }
            return;
        }
        let waiting =
            request.acks == -1 && any_written && results.iter().any(|(_, wait)| wait.is_some());
        if !waiting {
            let partitions = results.into_iter().map(|(r, _)| r).collect();
            let response = ProduceResponse {
                correlation_id: request.correlation_id,
                partitions,
            };
            ctx.send_after(self.node(), from, Message::ProduceResponse(response), busy);
            return;
        }
        let delayed = DelayedProduce {
            from,
            correlation_id: request.correlation_id,
            partitions: results,
            markers_of: None,
        };
        self.delayed_produces.push(delayed);
        let timer = Timer::ProduceExpiry {
            from,
            correlation_id: request.correlation_id,
        };
        ctx.set_timer(self.node(), timer, SimDuration::from_ms(request.timeout_ms));
        self.try_complete_delayed_produces(ctx);
    }

    /// The cost model: requests of one connection are handled one at a time, each taking
    /// `broker_request_micros` plus the append and (for compressed batches) the decompression the
    /// broker does to validate records. Returns how long until this request's response can leave.
    fn request_processing(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        request: &ProduceRequest,
    ) -> SimDuration {
        let bytes: u64 = request
            .partitions
            .iter()
            .map(|(_, b)| b.size_bytes as u64)
            .sum();
        let decompress: u64 = request
            .partitions
            .iter()
            .map(|(_, b)| b.compression.decompress_micros(b.uncompressed_bytes))
            .sum();
        let work = self.costs.broker_request_micros + self.costs.append_micros(bytes) + decompress;
        let start = self
            .connection_busy_until
            .get(&from)
            .copied()
            .unwrap_or(ctx.now)
            .max(ctx.now);
        let done = start.plus(SimDuration::from_micros(work));
        self.connection_busy_until.insert(from, done);
        done.since(ctx.now)
    }

    /// Validate and append one partition's batch. Returns the response entry and, for acks=all,
    /// the offset the high watermark must reach.
    fn append_to_leader(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        batch: &RecordBatch,
        acks: i16,
    ) -> (ProducePartitionResponse, Option<i64>) {
        let min_isr = self.min_insync_replicas(tp);
        let reject = |error: ErrorCode, reason: Option<RejectReason>| {
            let response = ProducePartitionResponse {
                partition: *tp,
                error,
                base_offset: -1,
                log_start_offset: -1,
                error_message: reason,
            };
            (response, None)
        };
        // Kafka's order: a topic the broker does not know (`KafkaApis.handleProduceRequest`),
        // then the acks value (`ReplicaManager.appendRecords`), then leadership and min ISR
        // (`Partition.appendRecordsToLeader`), then the batch itself (`UnifiedLog.append`:
        // `analyzeAndValidateRecords` for its size, `LogValidator` for its records), and last the
        // producer state (`analyzeAndValidateProducerState`).
        if self.metadata.partition(tp).is_none() {
            return reject(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, None);
        }
        if !matches!(acks, -1..=1) {
            return reject(ErrorCode::INVALID_REQUIRED_ACKS, None);
        }
        let Some(replica) = self.replicas.get_mut(tp) else {
            return reject(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, None);
        };
        let Some(state) = replica.leader_state() else {
            return reject(ErrorCode::NOT_LEADER_OR_FOLLOWER, None);
        };
        let isr_size = state.isr.len();
        if acks == -1 && isr_size < min_isr {
            // Checked before appending, on the committed ISR: nothing is written, and a batch
            // that would also fail validation gets this error.
            let reason = RejectReason::BelowMinIsr {
                isr: state.isr.clone(),
                min_insync_replicas: min_isr as u32,
            };
            ctx.emit(Event::ProduceRejected {
                broker: self.id,
                partition: *tp,
                error: ErrorCode::NOT_ENOUGH_REPLICAS,
                reason: reason.clone(),
            });
            return reject(ErrorCode::NOT_ENOUGH_REPLICAS, Some(reason));
        }
        if batch.size_bytes > replica.log.config().max_message_bytes {
            let reason = RejectReason::MessageTooLarge {
                size: batch.size_bytes,
                max_message_bytes: replica.log.config().max_message_bytes,
            };
            return reject(ErrorCode::MESSAGE_TOO_LARGE, Some(reason));
        }
        if replica.log.config().cleanup_policy.compact
            && batch.records.iter().any(|r| r.key.is_none())
        {
            let reason = RejectReason::KeylessRecordOnCompactedTopic;
            ctx.emit(Event::ProduceRejected {
                broker: self.id,
                partition: *tp,
                error: ErrorCode::INVALID_RECORD,
                reason: reason.clone(),
            });
            return reject(ErrorCode::INVALID_RECORD, Some(reason));
        }
        if let Some(reason) = replica.non_transactional_write(batch) {
            return reject(ErrorCode::INVALID_TXN_STATE, Some(reason));
        }
        if let Some(idempotent) = super::replica::idempotent(batch) {
            // `UnifiedLog.analyzeAndValidateProducerState`: a retry of a batch the log already
            // has is answered with the original offsets; a gap or an old epoch is refused.
            let first = replica.log_end_offset();
            let last = first + batch.last_offset_delta as i64;
            match replica.producer_state.validate_and_append(
                &idempotent,
                first,
                last,
                AppendOrigin::Client,
            ) {
                Ok(AppendOutcome::Appended { .. }) => {}
                Ok(AppendOutcome::Duplicate {
                    first_offset,
                    last_offset,
                }) => {
                    *self
                        .duplicates_ignored
                        .entry(idempotent.producer_id)
                        .or_default() += (last_offset - first_offset + 1) as u64;
                    ctx.emit(Event::DuplicateBatchIgnored {
                        broker: self.id,
                        partition: *tp,
                        producer_id: idempotent.producer_id,
                        base_sequence: idempotent.first_sequence,
                        original_offset: first_offset,
                    });
                    let response = ProducePartitionResponse {
                        partition: *tp,
                        error: ErrorCode::NONE,
                        base_offset: first_offset,
                        log_start_offset: replica.log.log_start_offset(),
                        error_message: None,
                    };
                    return (response, (acks == -1).then_some(last_offset + 1));
                }
                Err(e) => {
                    let error = match e {
                        ProducerStateError::OutOfOrderSequenceNumber(_) => {
                            ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER
                        }
                        ProducerStateError::InvalidProducerEpoch(_) => {
                            ErrorCode::INVALID_PRODUCER_EPOCH
                        }
                    };
                    let reason = RejectReason::ProducerState(e);
                    ctx.emit(Event::ProduceRejected {
                        broker: self.id,
                        partition: *tp,
                        error,
                        reason: reason.clone(),
                    });
                    return reject(error, Some(reason));
                }
            }
        }
        let now_ms = ctx.now.as_ms() as i64;
        let leader_epoch = replica.leader_epoch;
        let stamped = replica.log.append_as_leader(batch, leader_epoch, now_ms);
        replica
            .txns
            .on_high_watermark_updated(replica.high_watermark);
        super::replica::track_transaction(&mut replica.txns, &mut replica.producer_state, &stamped);
        ctx.emit(Event::BatchAppended {
            broker: self.id,
            partition: *tp,
            base_offset: stamped.base_offset,
            last_offset: stamped.last_offset(),
            leader_epoch,
            records: stamped.records.iter().map(|r| r.id).collect(),
        });
        let response = ProducePartitionResponse {
            partition: *tp,
            error: ErrorCode::NONE,
            base_offset: stamped.base_offset,
            log_start_offset: replica.log.log_start_offset(),
            error_message: None,
        };
        self.maybe_advance_high_watermark(ctx, tp);
        self.on_log_grew(ctx);
        (response, (acks == -1).then_some(stamped.next_offset()))
    }

    /// Complete parked acks=all requests whose batches are now below the high watermark.
    pub(crate) fn try_complete_delayed_produces(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let mut still_waiting = Vec::new();
        for mut delayed in std::mem::take(&mut self.delayed_produces) {
            let mut done = true;
            for (response, wait_for) in &mut delayed.partitions {
                let Some(required) = *wait_for else { continue };
                match self.acks_all_outcome(&response.partition, required) {
                    None => done = false,
                    Some(error) => {
                        *wait_for = None;
                        response.error = error;
                        if error.is_error() {
                            response.error_message = Some(RejectReason::IsrShrankAfterAppend);
                        }
                        ctx.emit(Event::ParkedProduceCompleted {
                            broker: self.id,
                            partition: response.partition,
                            error,
                        });
                    }
                }
            }
            if done {
                self.respond_delayed(ctx, delayed);
            } else {
                still_waiting.push(delayed);
            }
        }
        self.delayed_produces = still_waiting;
        self.complete_coordinator_writes(ctx);
        self.complete_txn_writes(ctx);
    }

    /// `Partition.checkEnoughReplicasReachOffset`: `None` while waiting; `NONE` once the high
    /// watermark passed the batch with a large enough ISR; `NOT_ENOUGH_REPLICAS_AFTER_APPEND` if
    /// the ISR shrank below `min.insync.replicas` meanwhile; `NOT_LEADER_OR_FOLLOWER` if
    /// leadership was lost.
    pub(super) fn acks_all_outcome(
        &self,
        tp: &TopicPartition,
        required_offset: i64,
    ) -> Option<ErrorCode> {
        let replica = self.replicas.get(tp)?;
        let Some(state) = replica.leader_state() else {
            return Some(ErrorCode::NOT_LEADER_OR_FOLLOWER);
        };
        if replica.high_watermark < required_offset {
            return None;
        }
        if state.maximal_isr().len() >= self.min_insync_replicas(tp) {
            Some(ErrorCode::NONE)
        } else {
            Some(ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND)
        }
    }

    pub(super) fn respond_delayed(&mut self, ctx: &mut Ctx<'_, Cluster>, delayed: DelayedProduce) {
        ctx.cancel_timer(
            self.node(),
            Timer::ProduceExpiry {
                from: delayed.from,
                correlation_id: delayed.correlation_id,
            },
        );
        let partitions: Vec<ProducePartitionResponse> =
            delayed.partitions.into_iter().map(|(r, _)| r).collect();
        let message = match delayed.markers_of {
            Some(producer_ids) => super::txn_markers::markers_response(
                delayed.correlation_id,
                &producer_ids,
                partitions,
            ),
            None => Message::ProduceResponse(ProduceResponse {
                correlation_id: delayed.correlation_id,
                partitions,
            }),
        };
        ctx.send(self.node(), delayed.from, message);
    }

    /// `request.timeout.ms` passed: partitions still waiting answer REQUEST_TIMED_OUT. The
    /// records stay in the log and may still become committed.
    pub(super) fn expire_produce(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
    ) {
        let Some(index) = self
            .delayed_produces
            .iter()
            .position(|d| d.from == from && d.correlation_id == correlation_id)
        else {
            return;
        };
        let mut delayed = self.delayed_produces.remove(index);
        for (response, wait_for) in &mut delayed.partitions {
            if wait_for.take().is_some() {
                response.error = ErrorCode::REQUEST_TIMED_OUT;
                ctx.emit(Event::ParkedProduceCompleted {
                    broker: self.id,
                    partition: response.partition,
                    error: ErrorCode::REQUEST_TIMED_OUT,
                });
            }
        }
        self.respond_delayed(ctx, delayed);
    }

    /// Something was appended: parked fetches may now have enough data.
    pub(super) fn on_log_grew(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.try_complete_delayed_fetches(ctx);
        self.try_complete_delayed_produces(ctx);
    }
}
