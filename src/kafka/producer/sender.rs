//! The producer's sender (`Sender.runOnce`): expire batches past `delivery.timeout.ms`, find
//! brokers with a ready batch, drain batches for them into Produce requests while the connection
//! has fewer than `max.in.flight.requests.per.connection` unanswered, and handle what comes back:
//! success, retriable errors (back off and retry, refresh metadata if the leader moved) and final
//! failures. With idempotence, batches get sequence numbers at their first drain, at most five
//! per partition are in flight, and retries keep their order (`TransactionManager`).

use super::accumulator::ProducerBatch;
use super::client_sequences::{ProduceError, RetryDecision};
use super::{InFlightProduce, Producer, SentBatch};
use crate::kafka::compression::Compression;
use crate::kafka::config::Acks;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{BatchReadyReason, Event};
use crate::kafka::protocol::{Message, ProducePartitionResponse, ProduceRequest, ProduceResponse};
use crate::kafka::record::{ProducerIdentity, RecordBatch};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeSet;
use std::rc::Rc;

impl Producer {
    pub(crate) fn run_sender(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.process.is_running() {
            return;
        }
        self.expire_batches(ctx);
        if let Some(sequences) = &mut self.sequences {
            if sequences.bump_epoch_if_required()
                == super::client_sequences::EpochBump::ProducerIdReset
            {
                self.request_producer_id_again(ctx);
            }
        }
        self.update_partition_load_stats();
        let linger = SimDuration::from_ms(self.config.linger_ms);
        let exhausted = self.blocked_since.is_some() && !self.waiting.is_empty();
        let mut ready_nodes = BTreeSet::new();
        let mut leaderless = false;
        for tp in self.accumulator.partitions() {
            if self
                .accumulator
                .ready_reason(
                    &tp,
                    ctx.now,
                    self.config.batch_size,
                    linger,
                    self.flushing,
                    exhausted,
                )
                .is_none()
            {
                continue;
            }
            match self.metadata.leader(&tp) {
                Some(b) => {
                    ready_nodes.insert(b);
                }
                None => leaderless = true,
            }
        }
        if leaderless {
            self.metadata.needs_update = true;
            self.request_metadata(ctx);
        }
        for broker in ready_nodes {
            if self.net.in_flight_to(NodeId::Broker(broker))
                >= self.config.max_in_flight_requests_per_connection as usize
            {
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
    fn sequence_allows(&self, tp: &TopicPartition, batch: &ProducerBatch) -> bool {
        match &self.sequences {
            None => !self.config.enable_idempotence,
            Some(s) if batch.sequence.is_none() => s.may_drain_new_batch(tp),
            Some(s) => s.may_drain_retry(tp, batch.batch_id),
        }
    }

    /// Take the first batch of every partition led by `broker` (`RecordAccumulator.drain`), up to
    /// `max.request.size`.
    fn drain(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
        linger: SimDuration,
        exhausted: bool,
    ) -> Vec<(TopicPartition, ProducerBatch)> {
        let mut drained = Vec::new();
        let mut request_bytes = 0u32;
        let in_flight_partitions: BTreeSet<TopicPartition> = self
            .in_flight
            .values()
            .flat_map(|r| r.batches.iter())
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in self.accumulator.partitions() {
            if self.metadata.leader(&tp) != Some(broker) {
                continue;
            }
            // Without idempotence, one request in flight per connection is how Kafka keeps order.
            if self.config.max_in_flight_requests_per_connection == 1
                && in_flight_partitions.contains(&tp)
            {
                continue;
            }
            let Some(first) = self.accumulator.first(&tp) else {
                continue;
            };
            if first.retry_after.is_some_and(|t| t > ctx.now) || !self.sequence_allows(&tp, first) {
                continue;
            }
            if !drained.is_empty()
                && request_bytes + first.estimated_bytes > self.config.max_request_size
            {
                break;
            }
            let reason = self
                .accumulator
                .ready_reason(
                    &tp,
                    ctx.now,
                    self.config.batch_size,
                    linger,
                    self.flushing,
                    exhausted,
                )
                .unwrap_or(BatchReadyReason::Piggyback);
            let mut batch = self
                .accumulator
                .pop_first(&tp)
                .expect("first() saw a batch");
            ctx.cancel_timer(
                self.node(),
                Timer::LingerExpired {
                    partition: tp.clone(),
                },
            );
            ctx.cancel_timer(
                self.node(),
                Timer::RetryBackoff {
                    partition: tp.clone(),
                },
            );
            self.assign_sequence(&tp, &mut batch);
            request_bytes += batch.estimated_bytes;
            batch.ready_reason = Some(reason);
            ctx.emit(Event::BatchReady {
                producer: self.id,
                partition: tp.clone(),
                reason,
                records: batch.record_count(),
                bytes: batch.estimated_bytes,
            });
            drained.push((tp, batch));
        }
        drained
    }

    /// Idempotence: number a new batch, or take a retried one's current numbering (an epoch bump
    /// may have renumbered it).
    fn assign_sequence(&mut self, tp: &TopicPartition, batch: &mut ProducerBatch) {
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
            let identity = match batch.sequence {
                Some((producer_id, producer_epoch, base_sequence)) => ProducerIdentity {
                    producer_id,
                    producer_epoch,
                    base_sequence,
                },
                None => ProducerIdentity::NONE,
            };
            let built = RecordBatch::new(batch.records.clone(), identity, compression);
            records += built.record_count();
            self.metrics.batch_sent(
                ctx.now,
                built.record_count(),
                built.size_bytes,
                built.uncompressed_bytes,
            );
            if batch.attempts == 1 && compression != Compression::None {
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
                partition: tp.clone(),
                broker,
                records: built.record_count(),
                bytes: built.size_bytes,
                reason,
                at: ctx.now,
            });
            partitions.push((tp.clone(), built));
        }
        let bytes = partitions.iter().map(|(_, b)| b.size_bytes).sum();
        let summary = batches
            .iter()
            .map(|(tp, b)| (tp.clone(), b.record_count()))
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
            self.in_flight.insert(
                correlation_id,
                InFlightProduce {
                    batches,
                    sent_at: ctx.now,
                },
            );
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
                    partition: tp.clone(),
                    error: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    base_offset: -1,
                    log_start_offset: -1,
                    error_message: None,
                });
            if result.error == ErrorCode::NONE {
                self.complete_batch(ctx, &tp, batch, result.base_offset);
            } else {
                self.retry_or_fail(ctx, tp, batch, result.error, result.error_message);
            }
        }
        self.run_sender(ctx);
    }

    pub(super) fn handle_request_timeout(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
    ) {
        let Some(request) = self.net.complete(ctx, self.node(), correlation_id) else {
            return;
        };
        ctx.emit(Event::RequestTimedOut {
            node: self.node(),
            peer: request.to,
            correlation_id,
            api: request.api,
        });
        if self.metadata.request_in_flight == Some(correlation_id) {
            self.metadata.request_in_flight = None;
            self.request_metadata(ctx);
            return;
        }
        if self.init_producer_id == Some(correlation_id) {
            self.init_producer_id = None;
            self.request_producer_id_again(ctx);
            return;
        }
        self.metadata.needs_update = true;
        if let Some(request) = self.in_flight.remove(&correlation_id) {
            for (tp, batch) in request.batches {
                self.retry_or_fail(ctx, tp, batch, ErrorCode::REQUEST_TIMED_OUT, None);
            }
        }
        self.request_metadata(ctx);
        self.run_sender(ctx);
    }

    /// The broker's host reset the connection (its process died): every request in flight to it
    /// fails with a retriable network error, and metadata is refreshed.
    pub(super) fn handle_connection_reset(&mut self, ctx: &mut Ctx<'_, Cluster>, broker: BrokerId) {
        let failed = self
            .net
            .fail_all_to(ctx, self.node(), NodeId::Broker(broker));
        if failed.is_empty() {
            // A second reset for requests that already failed: nothing more to do.
            return;
        }
        ctx.emit(Event::ConnectionLost {
            node: self.node(),
            peer: NodeId::Broker(broker),
            failed_requests: failed.len() as u32,
        });
        for (correlation_id, _) in failed {
            if self.metadata.request_in_flight == Some(correlation_id) {
                self.metadata.request_in_flight = None;
            }
            if self.init_producer_id == Some(correlation_id) {
                self.init_producer_id = None;
            }
            if let Some(request) = self.in_flight.remove(&correlation_id) {
                for (tp, batch) in request.batches {
                    self.retry_or_fail(ctx, tp, batch, ErrorCode::NETWORK_EXCEPTION, None);
                }
            }
        }
        self.metadata.needs_update = true;
        self.request_metadata(ctx);
        if self.config.enable_idempotence && self.sequences.is_none() {
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
            partition: tp.clone(),
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
        message: Option<Rc<str>>,
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
        let backoff = self.retry_backoff(ctx, batch.attempts);
        let deadline = batch
            .created_at
            .plus(SimDuration::from_ms(self.config.delivery_timeout_ms));
        let within_limits =
            batch.attempts <= self.config.retries && ctx.now.plus(backoff) < deadline;
        let decision = self.idempotence_decision(&tp, &batch, error);
        let retrying = within_limits && decision != RetryDecision::Fail;
        ctx.emit(Event::ProduceFailed {
            producer: self.id,
            partition: tp.clone(),
            error,
            records: batch.records.iter().map(|r| r.id).collect(),
            retrying,
            message: message.clone(),
        });
        batch.last_error = Some(error);
        if retrying {
            self.stats.retries += 1;
            batch.retry_after = Some(ctx.now.plus(backoff));
            self.accumulator.reenqueue(&tp, batch);
            return;
        }
        if let (Some(sequences), true) = (&mut self.sequences, batch.sequence.is_some()) {
            // Out of retries the broker may have the batch after all: its sequence is not reused.
            let _ = sequences.handle_failed_batch(
                &tp,
                batch.batch_id,
                produce_error(error),
                !within_limits,
            );
        }
        self.accumulator.release(&batch);
        let records: Vec<_> = batch.records.iter().map(|r| r.id).collect();
        self.stats.records_failed += records.len() as u64;
        self.metrics.errors(ctx.now, records.len() as u32);
        self.completed(ctx, &records);
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

    /// Exponential backoff with 20% jitter (KIP-580): `retry.backoff.ms * 2^(attempts-1)`, at most
    /// `retry.backoff.max.ms`.
    fn retry_backoff(&self, ctx: &mut Ctx<'_, Cluster>, attempts: u32) -> SimDuration {
        let base = self.config.retry_backoff_ms.max(1);
        let exp = base.saturating_mul(1u64 << attempts.saturating_sub(1).min(20));
        let capped = exp.min(self.config.retry_backoff_max_ms.max(base));
        SimDuration::from_micros(capped * 1000 * (800 + ctx.prng.below(401)) / 1000)
    }

    fn expire_batches(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let timeout = SimDuration::from_ms(self.config.delivery_timeout_ms);
        for (tp, batch) in self.accumulator.expire(ctx.now, timeout) {
            if let (Some(sequences), true) = (&mut self.sequences, batch.sequence.is_some()) {
                let _ = sequences.handle_failed_batch(
                    &tp,
                    batch.batch_id,
                    ProduceError::Other { retriable: true },
                    false,
                );
            }
            let text = format!(
                "Expiring {} record(s) for {}:{} ms has passed since batch creation",
                batch.record_count(),
                tp,
                self.config.delivery_timeout_ms
            );
            let records = batch.records.iter().map(|r| r.id).collect();
            self.fail_records(ctx, tp, records, ErrorCode::REQUEST_TIMED_OUT, text);
        }
    }

    /// Re-arm linger countdowns, retry backoffs and the delivery-timeout check.
    fn arm_timers(&mut self, ctx: &mut Ctx<'_, Cluster>, linger: SimDuration, exhausted: bool) {
        for tp in self.accumulator.partitions() {
            let ready = self
                .accumulator
                .ready_reason(
                    &tp,
                    ctx.now,
                    self.config.batch_size,
                    linger,
                    self.flushing,
                    exhausted,
                )
                .is_some();
            let in_backoff = self
                .accumulator
                .first(&tp)
                .is_some_and(|b| b.retry_after.is_some());
            let (timer, other) = if in_backoff {
                (
                    Timer::RetryBackoff {
                        partition: tp.clone(),
                    },
                    Timer::LingerExpired {
                        partition: tp.clone(),
                    },
                )
            } else {
                (
                    Timer::LingerExpired {
                        partition: tp.clone(),
                    },
                    Timer::RetryBackoff {
                        partition: tp.clone(),
                    },
                )
            };
            ctx.cancel_timer(self.node(), other);
            match self.accumulator.next_deadline(&tp, linger) {
                Some(deadline) if !ready && deadline > ctx.now => {
                    ctx.set_timer_at(self.node(), timer, deadline)
                }
                _ => ctx.cancel_timer(self.node(), timer),
            }
        }
        match self.accumulator.oldest_batch_created_at() {
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
