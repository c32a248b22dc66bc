//! The sender's two passes over the accumulator, as Kafka's `RecordAccumulator` does them:
//! `ready` (which brokers lead a partition whose first batch may go, and whether some partition
//! holding batches has no known leader, which asks for metadata) and `drain` (the batches one
//! Produce request to a broker takes, starting where the previous drain for that broker
//! stopped).

use super::accumulator::{Accumulator, ProducerBatch};
use super::Producer;
use crate::kafka::event::{BatchReadyReason, Event};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, Topic, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration, SimTime};

/// What the drain does with one partition (`drainBatchesForOneNode`'s `continue` and `break`).
enum DrainStep {
    Took(ProducerBatch),
    Skip,
    Stop,
}

/// What Kafka's `RecordAccumulator.ready` found.
pub(super) struct ReadyCheck {
    /// In id order, each once.
    pub ready_nodes: Vec<BrokerId>,
    /// Some partition holding batches has no known leader (`unknownLeaderTopics`).
    pub unknown_leader: bool,
}

impl Producer {
    /// Kafka's `RecordAccumulator.ready`: every partition holding batches is looked at, its
    /// first batch learns the leader's epoch (KIP-951), a partition without a leader asks for
    /// metadata whether or not its batch is ready, and the leaders of ready partitions are the
    /// brokers to drain.
    pub(super) fn ready(
        &mut self,
        now: SimTime,
        linger: SimDuration,
        exhausted: bool,
    ) -> ReadyCheck {
        let mut check = ReadyCheck {
            ready_nodes: Vec::new(),
            unknown_leader: false,
        };
        let (metadata, batch_size, flushing) =
            (&self.metadata, self.config.batch_size, self.flushing);
        for (tp, queue) in self.accumulator.queues_mut() {
            let known = metadata.partition(tp);
            if let Some(first) = queue.front_mut() {
                first.maybe_update_leader_epoch(known.map(|p| p.leader_epoch));
            }
            let Some(leader) = known.and_then(|p| p.leader) else {
                check.unknown_leader = true;
                continue;
            };
            let ready = Accumulator::queue_ready_reason(
                queue, now, batch_size, linger, flushing, exhausted,
            );
            if ready.is_some() {
                if let Err(at) = check.ready_nodes.binary_search(&leader) {
                    check.ready_nodes.insert(at, leader);
                }
            }
        }
        check
    }

    /// Kafka's `Metadata.requestUpdate` when batches wait on a partition without a known leader:
    /// the refresh goes out once `retry.backoff.ms` has passed since the previous one
    /// (`Metadata.timeToAllowUpdate`, its jitter and growth for repeated equal answers left
    /// out), so a partition that stays offline does not keep the client asking back to back.
    pub(crate) fn request_metadata_update(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.metadata.needs_update = true;
        if self.metadata.request_in_flight.is_some() {
            return;
        }
        let backoff = self
            .config
            .retry_backoff_ms
            .min(self.config.retry_backoff_max_ms);
        let allowed = self
            .metadata
            .last_refresh_ms
            .map_or(0, |t| t.max(0) as u64 + backoff);
        if ctx.now.as_ms() >= allowed {
            self.request_metadata(ctx);
        } else {
            ctx.set_timer_at(
                self.node(),
                Timer::MetadataRefresh,
                SimTime::from_ms(allowed),
            );
        }
    }

    /// Kafka's `Cluster.partitionsForNode`: every partition `broker` leads, as far as this
    /// client knows.
    fn partitions_for_node(&self, broker: BrokerId) -> Vec<TopicPartition> {
        self.metadata
            .topics
            .iter()
            .flat_map(|(topic, partitions)| {
                // Interned once per topic, not once per partition.
                let topic = Topic::new(topic);
                partitions
                    .iter()
                    .filter(move |p| p.leader == Some(broker))
                    .map(move |p| TopicPartition {
                        topic,
                        partition: p.partition,
                    })
            })
            .collect()
    }

    /// Kafka's `RecordAccumulator.drainBatchesForOneNode`: the first batch of partitions led by
    /// `broker`, up to `max.request.size`. To make starvation less likely each broker has its
    /// own drain index: a drain starts at the partition where the previous one last looked.
    pub(super) fn drain(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
        linger: SimDuration,
        exhausted: bool,
    ) -> Vec<(TopicPartition, ProducerBatch)> {
        let parts = self.partitions_for_node(broker);
        let mut drained = Vec::new();
        if parts.is_empty() {
            return drained;
        }
        let count = parts.len() as u32;
        let start = self.accumulator.drain_index(broker, count);
        let mut index = start;
        let mut request_bytes = 0u32;
        loop {
            let tp = &parts[index as usize];
            self.accumulator.set_drain_index(broker, index);
            index = (index + 1) % count;
            let empty = drained.is_empty();
            match self.drain_partition(ctx, tp, request_bytes, empty, linger, exhausted) {
                DrainStep::Took(batch) => {
                    request_bytes += batch.estimated_bytes;
                    drained.push((*tp, batch));
                }
                DrainStep::Skip => {}
                DrainStep::Stop => break,
            }
            if index == start {
                break;
            }
        }
        drained
    }

    /// One partition of the drain loop, in Kafka's order: muted (ordering with one request in
    /// flight) or empty or backing off: skip it; too big for the request, or idempotence says no
    /// (`shouldStopDrainBatchesForPartition`): the drain for this broker stops.
    fn drain_partition(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        request_bytes: u32,
        request_empty: bool,
        linger: SimDuration,
        exhausted: bool,
    ) -> DrainStep {
        // Without idempotence, one request in flight per connection is how Kafka keeps order.
        if self.config.max_in_flight_requests_per_connection == 1 && self.is_in_flight(tp) {
            return DrainStep::Skip;
        }
        let epoch = self.metadata.leader_epoch(tp);
        let Some(first) = self.accumulator.first_mut(tp) else {
            return DrainStep::Skip;
        };
        first.maybe_update_leader_epoch(epoch);
        if first.is_backing_off(ctx.now) {
            return DrainStep::Skip;
        }
        if !request_empty && request_bytes + first.estimated_bytes > self.config.max_request_size {
            return DrainStep::Stop;
        }
        let first = self.accumulator.first(tp).expect("seen above");
        if !self.sequence_allows(tp, first) {
            return DrainStep::Stop;
        }
        let reason = self
            .accumulator
            .ready_reason(
                tp,
                ctx.now,
                self.config.batch_size,
                linger,
                self.flushing,
                exhausted,
            )
            .unwrap_or(BatchReadyReason::Piggyback);
        let mut batch = self.accumulator.pop_first(tp).expect("first() saw a batch");
        if self.linger_timers_armed.remove(tp) {
            ctx.cancel_timer(self.node(), Timer::LingerExpired { partition: *tp });
        }
        if self.retry_timers_armed {
            ctx.cancel_timer(self.node(), Timer::RetryBackoff { partition: *tp });
        }
        self.assign_sequence(tp, &mut batch);
        batch.ready_reason = Some(reason);
        ctx.emit(Event::BatchReady {
            producer: self.id,
            partition: *tp,
            reason,
            records: batch.record_count(),
            bytes: batch.estimated_bytes,
        });
        DrainStep::Took(batch)
    }

    fn is_in_flight(&self, tp: &TopicPartition) -> bool {
        self.in_flight
            .values()
            .flat_map(|r| r.batches.iter())
            .any(|(p, _)| p == tp)
    }
}
