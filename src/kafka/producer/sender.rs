//! The producer's sender (`Sender.runOnce`): expire batches past `delivery.timeout.ms`, find
//! brokers with a ready batch, drain batches for them into Produce requests while the connection
//! has fewer than `max.in.flight.requests.per.connection` unanswered, and handle what comes back:
//! success, retriable errors (back off and retry, refresh metadata if the leader moved) and final
//! failures. With idempotence, batches get sequence numbers at their first drain, at most five
//! per partition are in flight, and retries keep their order (`TransactionManager`).

use super::accumulator::{Accumulator, ProducerBatch};
use super::backoff::{exponential_backoff, JITTER_RANGE_THOUSANDTHS};
use super::client_sequences::{ProduceError, RetryDecision};
use super::{InFlightProduce, Producer, SentBatch};
use crate::kafka::client::Disconnected;
use crate::kafka::compression::Compression;
use crate::kafka::config::Acks;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{BatchReadyReason, Event, FailureDetail};
use crate::kafka::protocol::{Message, ProducePartitionResponse, ProduceRequest, ProduceResponse};
use crate::kafka::record::{ProducerIdentity, RecordBatch};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration, SimTime};

impl Producer {
    pub(crate) fn run_sender(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.process.is_running() {
            return;
        }
        self.sender_woken = false;
        self.expire_batches(ctx);
        self.run_txn(ctx);
        if let (Some(sequences), None) = (&mut self.sequences, &self.txn) {
            if sequences.bump_epoch_if_required()
                == super::client_sequences::EpochBump::ProducerIdReset
            {
                self.request_producer_id_again(ctx);
            }
        }
        self.update_partition_load_stats();
        let linger = SimDuration::from_ms(self.config.linger_ms);
        let exhausted = self.blocked_since.is_some() && !self.waiting.is_empty();
        let check = self.ready(ctx.now, linger, exhausted);
        if check.unknown_leader {
            // Kafka: Sender.sendProducerData requests a metadata update for topics with a
            // partition whose leader is unknown, as soon as a batch waits there.
            self.request_metadata_update(ctx);
        }
        for broker in check.ready_nodes {
            let can_drain = self.net.in_flight_to(NodeId::Broker(broker))
                < self.config.max_in_flight_requests_per_connection as usize;
            if self.config.partitioner_availability_timeout_ms > 0 {
                // How long this broker has had data waiting that it could not take
                // (`RecordAccumulator.updateNodeLatencyStats`).
                self.accumulator
                    .update_node_latency_stats(broker, ctx.now, can_drain);
            }
            if !can_drain {
                continue;
            }
            let batches = self.drain(ctx, broker, linger, exhausted);
            if !batches.is_empty() {
                self.send_produce(ctx, broker, batches);
            }
        }
        if self.flushing && self.accumulator.is_empty() && self.in_flight.is_empty() {
            self.flushing = false;
        }
        self.arm_timers(ctx, linger, exhausted);
    }

    fn request_producer_id_again(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.init_producer_id.is_none() {
            let Some(node) = self.metadata.next_metadata_node() else {
                return;
            };
            let timeout = self.config.request_timeout_ms;
            let id = self.net.send(
                ctx,
                self.node(),
                NodeId::Broker(node),
                Some(timeout),
                |correlation_id| Message::InitProducerId { correlation_id },
            );
            self.init_producer_id = Some(id);
        }
    }

    /// Whether idempotence lets this partition's first batch go now.
    pub(super) fn sequence_allows(&self, tp: &TopicPartition, batch: &ProducerBatch) -> bool {
        if self.txn.as_ref().is_some_and(|t| !t.may_send_to(tp)) {
            return false;
        }
        match &self.sequences {
            None => !self.config.enable_idempotence,
            Some(s) if batch.sequence.is_none() => s.may_drain_new_batch(tp),
            Some(s) => s.may_drain_retry(tp, batch.batch_id),
        }
    }

    /// Idempotence: number a new batch, or take a retried one's current numbering (an epoch bump
    /// may have renumbered it).
    pub(super) fn assign_sequence(&mut self, tp: &TopicPartition, batch: &mut ProducerBatch) {
        let Some(sequences) = &mut self.sequences else {
            return;
        };
        let assigned = if batch.sequence.is_none() {
            sequences.assign_sequence(tp, batch.batch_id, batch.record_count() as i32)
        } else {
            sequences.drain_retry(tp, batch.batch_id)
        };
        let in_flight = assigned.expect("sequence_allows checked that the batch may be drained");
        let id = in_flight.producer_id_and_epoch();
        batch.sequence = Some((id.producer_id, id.epoch, in_flight.base_sequence()));
    }

    fn send_produce(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
        mut batches: Vec<(TopicPartition, ProducerBatch)>,
    ) {
        let compression = Compression::parse(&self.config.compression_type).unwrap_or_default();
        let mut partitions = Vec::new();
        let mut records = 0;
        for (tp, batch) in &mut batches {
            batch.attempts += 1;
            batch.retry_after = None;
            // Kafka: ProducerBatch.close() at every drain, which also feeds the
            // compression-ratio estimator.
            batch.closed = true;
            let identity = match batch.sequence {
                Some((producer_id, producer_epoch, base_sequence)) => ProducerIdentity {
                    producer_id,
                    producer_epoch,
                    base_sequence,
                },
                None => ProducerIdentity::NONE,
            };
            let mut built = RecordBatch::from_shared(batch.records.share(), identity, compression);
            built.transactional = self.txn.is_some();
            records += built.record_count();
            self.metrics.batch_sent(
                ctx.now,
                built.record_count(),
                built.size_bytes,
                built.uncompressed_bytes,
            );
            if compression != Compression::None {
                self.accumulator.observe_compression(
                    &tp.topic,
                    built.size_bytes,
                    built.uncompressed_bytes,
                );
            }
            self.stats.batches_sent += 1;
            self.stats.bytes_sent += built.size_bytes as u64;
            let reason = batch.ready_reason.unwrap_or(BatchReadyReason::Full);
            self.remember_sent(SentBatch {
                partition: *tp,
                broker,
                records: built.record_count(),
                bytes: built.size_bytes,
                reason,
                at: ctx.now,
            });
            partitions.push((*tp, built));
        }
        let bytes = partitions.iter().map(|(_, b)| b.size_bytes).sum();
        let summary = batches
            .iter()
            .map(|(tp, b)| (*tp, b.record_count()))
            .collect();
        let (acks, timeout) = (self.config.acks, self.config.request_timeout_ms);
        let expects_response = acks != Acks::Zero;
        let delay = SimDuration::from_micros(self.costs.producer_request_micros);
        let me = self.node();
        let correlation_id = self.net.send_after(
            ctx,
            me,
            NodeId::Broker(broker),
            expects_response.then_some(timeout),
            delay,
            |correlation_id| {
                Message::Produce(ProduceRequest {
                    correlation_id,
                    acks: acks.wire(),
                    timeout_ms: timeout,
                    partitions,
                })
            },
        );
        self.stats.requests_sent += 1;
        self.metrics.request_sent(ctx.now, records);
        ctx.emit(Event::ProduceSent {
            producer: self.id,
            broker,
            correlation_id,
            batches: summary,
            bytes,
        });
        if expects_response {
            self.in_flight
                .insert(correlation_id, InFlightProduce::new(batches, ctx.now));
        } else {
            // acks=0: the record counts as sent once written to the socket; offset unknown (-1).
            for (tp, batch) in batches {
                self.complete_batch(ctx, &tp, batch, -1);
            }
        }
    }

    pub(super) fn handle_produce_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        response: ProduceResponse,
    ) {
        if self
            .net
            .complete(ctx, self.node(), response.correlation_id)
            .is_none()
        {
            return;
        }
        let Some(request) = self.in_flight.remove(&response.correlation_id) else {
            return;
        };
        self.metrics
            .response(ctx.now, ctx.now.since(request.sent_at).as_micros());
        for (tp, batch) in request.batches {
            let result = response
                .partitions
                .iter()
                .find(|r| r.partition == tp)
                .cloned()
                .unwrap_or(ProducePartitionResponse {
                    partition: tp,
                    error: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    base_offset: -1,
                    log_start_offset: -1,
                    error_message: None,
                });
            if result.error == ErrorCode::NONE {
                self.complete_batch(ctx, &tp, batch, result.base_offset);
            } else {
                let detail = result.error_message.map(FailureDetail::Broker);
                self.retry_or_fail(ctx, tp, batch, result.error, detail);
            }
        }
        self.run_sender(ctx);
    }

    pub(super) fn handle_request_timeout(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
    ) {
        let closed = self.connections().request_timed_out(ctx, correlation_id);
        if let Some(closed) = closed {
            self.after_disconnect(ctx, closed);
        }
    }

    /// The broker's host reset the connection (its process died): every request in flight to it
    /// fails with a retriable network error, and metadata is refreshed.
    pub(super) fn handle_connection_reset(&mut self, ctx: &mut Ctx<'_, Cluster>, broker: BrokerId) {
        let closed = self.connections().connection_reset(ctx, broker);
        if let Some(closed) = closed {
            self.after_disconnect(ctx, closed);
        }
    }

    /// Kafka: `Sender.handleProduceResponse` for a disconnected request. Every request on the
    /// closed connection fails: REQUEST_TIMED_OUT when a timeout closed it, NETWORK_EXCEPTION
    /// when the peer reset it; batches go to `retry_or_fail`, and metadata is refreshed.
    fn after_disconnect(&mut self, ctx: &mut Ctx<'_, Cluster>, closed: Disconnected) {
        let error = if closed.timed_out {
            ErrorCode::REQUEST_TIMED_OUT
        } else {
            ErrorCode::NETWORK_EXCEPTION
        };
        let mut lost_producer_id_request = false;
        for (correlation_id, _) in closed.requests {
            self.txn_request_lost(ctx, correlation_id);
            if self.init_producer_id == Some(correlation_id) {
                self.init_producer_id = None;
                lost_producer_id_request = true;
            }
            if let Some(request) = self.in_flight.remove(&correlation_id) {
                for (tp, batch) in request.batches {
                    self.retry_or_fail(ctx, tp, batch, error, None);
                }
            }
        }
        self.request_metadata(ctx);
        if self.txn.is_none()
            && (lost_producer_id_request
                || (self.config.enable_idempotence && self.sequences.is_none()))
        {
            self.request_producer_id_again(ctx);
        }
        self.run_sender(ctx);
    }

    fn complete_batch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        batch: ProducerBatch,
        base_offset: i64,
    ) {
        self.accumulator.release(&batch);
        if let Some(sequences) = &mut self.sequences {
            if batch.sequence.is_some() {
                sequences
                    .handle_completed_batch(tp, batch.batch_id)
                    .expect("an acknowledged batch was in flight");
            }
        }
        self.stats.records_acked += batch.record_count() as u64;
        self.stats.last_ack_at = Some(ctx.now);
        let records: Vec<_> = batch.records.iter().map(|r| r.id).collect();
        ctx.emit(Event::ProduceAcked {
            producer: self.id,
            partition: *tp,
            base_offset,
            records: records.clone(),
        });
        self.completed(ctx, &records);
        self.drain_waiting(ctx);
    }

    /// Retry a failed batch if the error is retriable, retries remain and `delivery.timeout.ms`
    /// allows; otherwise report the failure to the application.
    fn retry_or_fail(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: TopicPartition,
        mut batch: ProducerBatch,
        error: ErrorCode,
        detail: Option<FailureDetail>,
    ) {
        if matches!(
            error,
            ErrorCode::NOT_LEADER_OR_FOLLOWER
                | ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                | ErrorCode::LEADER_NOT_AVAILABLE
                | ErrorCode::NETWORK_EXCEPTION
                | ErrorCode::REQUEST_TIMED_OUT
        ) {
            self.metadata.invalidate(&tp);
            self.request_metadata(ctx);
        }
        // Kafka: Sender.canRetry. Retries remain and the batch has not reached
        // delivery.timeout.ms (even if its backoff will outlast it: it then expires in the
        // accumulator); only then is idempotence asked (TransactionManager.canRetry).
        let retries_left = batch.attempts <= self.config.retries;
        let delivery_timeout = SimDuration::from_ms(self.config.delivery_timeout_ms);
        let within_limits = retries_left && ctx.now.since(batch.created_at) < delivery_timeout;
        let decision = if within_limits {
            self.idempotence_decision(&tp, &batch, error)
        } else {
            RetryDecision::Fail
        };
        let retrying = within_limits && decision != RetryDecision::Fail;
        ctx.emit(Event::ProduceFailed {
            producer: self.id,
            partition: tp,
            error,
            records: batch.records.iter().map(|r| r.id).collect(),
            retrying,
            detail: detail.clone(),
        });
        batch.last_error = Some(error);
        if retrying {
            self.stats.retries += 1;
            let backoff = self.retry_backoff(ctx, batch.attempts);
            batch.retry_after = Some(ctx.now.plus(backoff));
            self.accumulator.reenqueue(&tp, batch);
            return;
        }
        if let (Some(sequences), true) = (&mut self.sequences, batch.sequence.is_some()) {
            // Kafka: failBatch(batch, response, batch.attempts() < retries). Out of retries the
            // broker may have the batch after all: its sequence is not reused. Otherwise (a
            // final error, or delivery.timeout.ms) the partition's sequences are reset by an
            // epoch bump.
            let _ = sequences.handle_failed_batch(
                &tp,
                batch.batch_id,
                produce_error(error),
                retries_left,
            );
        }
        self.accumulator.release(&batch);
        let records: Vec<_> = batch.records.iter().map(|r| r.id).collect();
        self.stats.records_failed += records.len() as u64;
        self.metrics.errors(ctx.now, records.len() as u32);
        self.completed(ctx, &records);
        self.txn_batch_failed(ctx, error);
        self.drain_waiting(ctx);
    }

    fn idempotence_decision(
        &mut self,
        tp: &TopicPartition,
        batch: &ProducerBatch,
        error: ErrorCode,
    ) -> RetryDecision {
        let Some(sequences) = &mut self.sequences else {
            return if error.is_retriable() {
                RetryDecision::Retry
            } else {
                RetryDecision::Fail
            };
        };
        if batch.sequence.is_none() {
            return if error.is_retriable() {
                RetryDecision::Retry
            } else {
                RetryDecision::Fail
            };
        }
        sequences
            .decide_retry(tp, batch.batch_id, produce_error(error))
            .unwrap_or(RetryDecision::Fail)
    }

    /// Kafka's `ExponentialBackoff` for a retry after `attempts` sends: `retry.backoff.ms *
    /// 2^(attempts-1)` up to `retry.backoff.max.ms`, 20% jitter, then the cap again.
    fn retry_backoff(&self, ctx: &mut Ctx<'_, Cluster>, attempts: u32) -> SimDuration {
        let jitter = ctx.prng.below(JITTER_RANGE_THOUSANDTHS);
        SimDuration::from_ms(exponential_backoff(
            self.config.retry_backoff_ms,
            self.config.retry_backoff_max_ms,
            attempts.saturating_sub(1),
            jitter,
        ))
    }

    /// Fail every batch that reached `delivery.timeout.ms`, waiting in the accumulator
    /// (`RecordAccumulator.expiredBatches`) or in flight (`Sender.getExpiredInflightBatches`):
    /// an in-flight batch's records fail now, and its response, when it comes, is ignored.
    fn expire_batches(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let timeout = SimDuration::from_ms(self.config.delivery_timeout_ms);
        let mut expired = self.accumulator.expire(ctx.now, timeout);
        for request in self.in_flight.values_mut() {
            let expired_at = |created_at: SimTime| ctx.now.since(created_at) >= timeout;
            if !request.oldest_created_at.is_some_and(expired_at) {
                continue;
            }
            let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut request.batches)
                .into_iter()
                .partition(|(_, b)| expired_at(b.created_at));
            *request = InFlightProduce::new(kept, request.sent_at);
            expired.extend(gone.into_iter().inspect(|(_, b)| {
                self.accumulator.release(b);
            }));
        }
        for (tp, batch) in expired {
            if let (Some(sequences), true) = (&mut self.sequences, batch.sequence.is_some()) {
                let _ = sequences.handle_failed_batch(
                    &tp,
                    batch.batch_id,
                    ProduceError::Other { retriable: true },
                    false,
                );
            }
            let detail = FailureDetail::BatchExpired {
                records: batch.record_count(),
                elapsed_ms: ctx.now.since(batch.created_at).as_ms(),
            };
            let records = batch.records.iter().map(|r| r.id).collect();
            self.fail_records(ctx, tp, records, ErrorCode::REQUEST_TIMED_OUT, detail);
        }
    }

    /// Re-arm linger countdowns, retry backoffs and the delivery-timeout check.
    fn arm_timers(&mut self, ctx: &mut Ctx<'_, Cluster>, linger: SimDuration, exhausted: bool) {
        let (node, batch_size, flushing) = (self.node(), self.config.batch_size, self.flushing);
        let mut retry_timers = self.retry_timers_armed;
        let linger_armed = &mut self.linger_timers_armed;
        for (tp, queue) in self.accumulator.queues() {
            let Some(first) = queue.front() else {
                continue;
            };
            let ready = Accumulator::queue_ready_reason(
                queue, ctx.now, batch_size, linger, flushing, exhausted,
            )
            .is_some();
            let partition = *tp;
            let deadline = first.next_deadline(linger);
            let arm = !ready && deadline > ctx.now;
            let (linger_timer, retry_timer) = (
                Timer::LingerExpired { partition },
                Timer::RetryBackoff { partition },
            );
            // A timer is cancelled only if it may be armed (cancelling one that is not changes
            // nothing, and this runs at every send() while batches queue up).
            if first.retry_after.is_some() {
                if linger_armed.remove(tp) {
                    ctx.cancel_timer(node, linger_timer);
                }
                if arm {
                    retry_timers = true;
                    ctx.set_timer_at(node, retry_timer, deadline)
                } else if retry_timers {
                    ctx.cancel_timer(node, retry_timer)
                }
            } else {
                if retry_timers {
                    ctx.cancel_timer(node, retry_timer);
                }
                if arm {
                    linger_armed.insert(partition);
                    ctx.set_timer_at(node, linger_timer, deadline)
                } else if linger_armed.remove(tp) {
                    ctx.cancel_timer(node, linger_timer)
                }
            }
        }
        self.retry_timers_armed = retry_timers;
        let oldest_in_flight = self
            .in_flight
            .values()
            .filter_map(|r| r.oldest_created_at)
            .min();
        let oldest = self.accumulator.oldest_batch_created_at();
        match oldest.into_iter().chain(oldest_in_flight).min() {
            Some(t) => ctx.set_timer_at(
                self.node(),
                Timer::DeliveryTimeoutCheck,
                t.plus(SimDuration::from_ms(self.config.delivery_timeout_ms)),
            ),
            None => ctx.cancel_timer(self.node(), Timer::DeliveryTimeoutCheck),
        }
    }
}

fn produce_error(error: ErrorCode) -> ProduceError {
    match error {
        ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER => ProduceError::OutOfOrderSequenceNumber,
        ErrorCode::UNKNOWN_PRODUCER_ID => ProduceError::UnknownProducerId,
        other => ProduceError::Other {
            retriable: other.is_retriable(),
        },
    }
}
