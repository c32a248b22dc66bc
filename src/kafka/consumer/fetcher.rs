//! The consumer's fetcher (`Fetcher`, `OffsetFetcher`, `SubscriptionState`): find a start offset
//! for partitions that have none (ListOffsets per `auto.offset.reset`), validate positions after
//! a leader change (KIP-320, OffsetForLeaderEpoch), keep one long-polling Fetch in flight per
//! leader broker for partitions whose buffer is empty, and fill the buffer `poll()` drains.

use super::{Consumer, FetchInFlight, FetchState, FetchedRecord};
use crate::kafka::client::Disconnected;
use crate::kafka::config::consumer::AutoOffsetReset;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{ConsumerError, Event, PositionReason};
use crate::kafka::protocol::{
    EpochEndOffset, FetchPartition, FetchRequest, FetchResponse, Message, OffsetSpec,
};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::{BTreeMap, BTreeSet};

impl Consumer {
    pub(crate) fn run_fetcher(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.process.is_running() || self.closed {
            return;
        }
        // Kafka's `AbstractFetch.prepareFetchRequests`: no new fetch to a node that still has
        // one pending (`nodesWithPendingFetchRequests`), none for a partition with buffered
        // records.
        let pending_nodes: BTreeSet<BrokerId> =
            self.fetches_in_flight.values().map(|f| f.broker).collect();
        let mut by_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        let mut missing_leader = false;
        let partitions: Vec<TopicPartition> = self.positions.keys().cloned().collect();
        for tp in partitions {
            let Some(leader) = self.metadata.leader(&tp) else {
                missing_leader = true;
                continue;
            };
            let current_epoch = self.metadata.leader_epoch(&tp);
            let state = &self.positions[&tp];
            match state.fetch_state {
                FetchState::AwaitReset => self.reset_position(ctx, &tp, leader),
                FetchState::Fetching => {
                    // KIP-320: a new leader epoch means the position must be checked first.
                    let stale = state
                        .leader_epoch_seen
                        .zip(current_epoch)
                        .is_some_and(|(seen, now)| now > seen);
                    if stale && state.position_epoch.is_some() {
                        self.validate_position(ctx, &tp, leader);
                        continue;
                    }
                    if state.leader_epoch_seen.is_none() {
                        self.positions
                            .get_mut(&tp)
                            .expect("listed")
                            .leader_epoch_seen = current_epoch;
                    }
                    let state = &self.positions[&tp];
                    let buffered = self.buffer.get(&tp).is_some_and(|b| !b.is_empty());
                    if let Some(position) = state.position {
                        if !pending_nodes.contains(&leader) && !buffered && !state.paused {
                            by_leader.entry(leader).or_default().push(FetchPartition {
                                partition: tp,
                                fetch_offset: position,
                                last_fetched_epoch: None,
                                current_leader_epoch: current_epoch,
                                partition_max_bytes: self.config.max_partition_fetch_bytes,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        if missing_leader {
            self.metadata.needs_update = true;
            self.request_metadata(ctx);
        }
        for (leader, partitions) in by_leader {
            self.send_fetch(ctx, leader, partitions);
        }
    }

    fn send_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        leader: BrokerId,
        partitions: Vec<FetchPartition>,
    ) {
        let covered = partitions
            .iter()
            .map(|p| (p.partition, p.fetch_offset))
            .collect();
        let (max_wait_ms, min_bytes, max_bytes) = (
            self.config.fetch_max_wait_ms,
            self.config.fetch_min_bytes,
            self.config.fetch_max_bytes,
        );
        let read_committed = self.config.read_committed;
        let timeout = self.config.request_timeout_ms + max_wait_ms;
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            NodeId::Broker(leader),
            Some(timeout),
            |correlation_id| {
                Message::Fetch(FetchRequest {
                    correlation_id,
                    replica: None,
                    max_wait_ms,
                    min_bytes,
                    max_bytes,
                    partitions,
                    read_committed,
                })
            },
        );
        self.stats.fetches += 1;
        self.fetches_in_flight.insert(
            correlation_id,
            FetchInFlight {
                broker: leader,
                partitions: covered,
            },
        );
    }

    /// No valid position: ask the leader for the offset `auto.offset.reset` points at, or stop
    /// the partition with `none` (`NoOffsetForPartitionException`).
    fn reset_position(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        leader: BrokerId,
    ) {
        let forced = self
            .positions
            .get_mut(tp)
            .and_then(|s| s.forced_reset.take());
        let latest = if self.config.read_committed {
            OffsetSpec::LatestCommitted
        } else {
            OffsetSpec::Latest
        };
        let spec = match (forced, self.config.auto_offset_reset) {
            (Some(true), _) => OffsetSpec::Earliest,
            (Some(false), _) => latest,
            (None, AutoOffsetReset::Earliest) => OffsetSpec::Earliest,
            (None, AutoOffsetReset::Latest) => latest,
            (None, AutoOffsetReset::None) => {
                ctx.emit(Event::ConsumerError {
                    consumer: self.id,
                    error: ConsumerError::NoOffsetForPartition { partition: *tp },
                });
                self.positions
                    .get_mut(tp)
                    .expect("reset of an owned partition")
                    .fetch_state = FetchState::Failed;
                return;
            }
        };
        let timeout = self.config.request_timeout_ms;
        let partition = *tp;
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            NodeId::Broker(leader),
            Some(timeout),
            |correlation_id| Message::ListOffsets {
                correlation_id,
                partition,
                spec,
            },
        );
        self.partition_requests.insert(correlation_id, *tp);
        self.positions
            .get_mut(tp)
            .expect("reset of an owned partition")
            .fetch_state = FetchState::Resetting;
    }

    /// A ListOffsets or OffsetForLeaderEpoch answer arrived: false if it was already given up.
    fn complete_partition_request(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
    ) -> bool {
        let known = self
            .net
            .complete(ctx, self.node(), correlation_id)
            .is_some();
        self.partition_requests.remove(&correlation_id);
        known
    }

    pub(super) fn handle_list_offsets(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
        tp: TopicPartition,
        error: ErrorCode,
        offset: i64,
        leader_epoch: i32,
    ) {
        if !self.complete_partition_request(ctx, correlation_id) {
            return;
        }
        let Some(state) = self.positions.get_mut(&tp) else {
            return;
        };
        if state.fetch_state != FetchState::Resetting {
            return;
        }
        if error.is_error() {
            state.fetch_state = FetchState::AwaitReset;
            self.metadata.invalidate(&tp);
            self.request_metadata(ctx);
            return;
        }
        state.position = Some(offset);
        state.position_epoch = Some(leader_epoch);
        state.leader_epoch_seen = Some(leader_epoch);
        state.fetch_state = FetchState::Fetching;
        let earliest = self.config.auto_offset_reset == AutoOffsetReset::Earliest;
        ctx.emit(Event::PositionReset {
            consumer: self.id,
            partition: tp,
            offset,
            reason: PositionReason::AutoOffsetReset { earliest },
        });
        self.run_fetcher(ctx);
    }

    /// KIP-320: ask the new leader where the epoch of our last record ends.
    fn validate_position(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        leader: BrokerId,
    ) {
        let state = self.positions.get_mut(tp).expect("owned");
        let Some(epoch) = state.position_epoch else {
            return;
        };
        state.fetch_state = FetchState::Validating;
        let current = self.metadata.leader_epoch(tp).unwrap_or(-1);
        let partition = *tp;
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            NodeId::Broker(leader),
            Some(self.config.request_timeout_ms),
            |correlation_id| Message::OffsetForLeaderEpoch {
                correlation_id,
                partition,
                current_leader_epoch: current,
                leader_epoch: epoch,
            },
        );
        self.partition_requests.insert(correlation_id, *tp);
    }

    pub(super) fn handle_offset_for_leader_epoch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
        tp: TopicPartition,
        error: ErrorCode,
        end: EpochEndOffset,
    ) {
        if !self.complete_partition_request(ctx, correlation_id) {
            return;
        }
        let current = self.metadata.leader_epoch(&tp);
        let reset = self.config.auto_offset_reset;
        let Some(state) = self.positions.get_mut(&tp) else {
            return;
        };
        if state.fetch_state != FetchState::Validating {
            return;
        }
        if error.is_error() {
            // Try again once the metadata is fresh.
            state.fetch_state = FetchState::Fetching;
            self.metadata.needs_update = true;
            self.request_metadata(ctx);
            return;
        }
        state.leader_epoch_seen = current;
        state.fetch_state = FetchState::Fetching;
        let Some(position) = state.position else {
            return;
        };
        if end.end_offset >= 0 && end.end_offset < position {
            // The log was truncated below our position: only after an unclean election.
            ctx.emit(Event::TruncationDetected {
                consumer: self.id,
                partition: tp,
                position,
                end_offset: end.end_offset,
            });
            if reset == AutoOffsetReset::None {
                state.fetch_state = FetchState::Failed;
                ctx.emit(Event::ConsumerError {
                    consumer: self.id,
                    error: ConsumerError::LogTruncation {
                        partition: tp,
                        end_offset: end.end_offset,
                    },
                });
                return;
            }
            state.position = Some(end.end_offset);
            state.position_epoch = Some(end.epoch);
            self.buffer.remove(&tp);
            ctx.emit(Event::PositionReset {
                consumer: self.id,
                partition: tp,
                offset: end.end_offset,
                reason: PositionReason::TruncationDetected,
            });
        }
        self.run_fetcher(ctx);
    }

    pub(super) fn handle_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        response: FetchResponse,
    ) {
        if self
            .net
            .complete(ctx, self.node(), response.correlation_id)
            .is_none()
        {
            return;
        }
        let fetched_from: BTreeMap<TopicPartition, i64> = self
            .fetches_in_flight
            .remove(&response.correlation_id)
            .map(|f| f.partitions.into_iter().collect())
            .unwrap_or_default();
        let mut had_error = false;
        let mut got_records = false;
        for p in response.partitions {
            let Some(state) = self.positions.get_mut(&p.partition) else {
                continue;
            };
            // `FetchCollector`: data fetched from an offset that is no longer the position
            // (a seek, a reset) is stale and discarded.
            let stale = state.position != fetched_from.get(&p.partition).copied();
            if stale && matches!(p.error, ErrorCode::NONE | ErrorCode::OFFSET_OUT_OF_RANGE) {
                continue;
            }
            match p.error {
                ErrorCode::NONE => {}
                ErrorCode::OFFSET_OUT_OF_RANGE => {
                    // The position fell out of the log (retention, truncation): reset.
                    ctx.emit(Event::ConsumerError {
                        consumer: self.id,
                        error: ConsumerError::OffsetOutOfRange {
                            partition: p.partition,
                            position: state.position.unwrap_or(-1),
                            log_start_offset: p.log_start_offset,
                            high_watermark: p.high_watermark,
                            reset: self.config.auto_offset_reset,
                        },
                    });
                    state.position = None;
                    state.fetch_state = FetchState::AwaitReset;
                    self.buffer.remove(&p.partition);
                    had_error = true;
                    continue;
                }
                _ => {
                    self.metadata.invalidate(&p.partition);
                    had_error = true;
                    continue;
                }
            }
            state.high_watermark = Some(p.high_watermark);
            state.log_start_offset = Some(p.log_start_offset);
            let (Some(position), FetchState::Fetching) = (state.position, state.fetch_state) else {
                continue;
            };
            let (fetched, skip_to) = fetched_records(&p, position, self.config.read_committed);
            match (fetched.last(), skip_to) {
                (None, Some(to)) if to > position => state.position = Some(to),
                (Some(last), Some(to)) => state.skip_after_buffer = Some((last.offset + 1, to)),
                _ => {}
            }
            if let (Some(first), Some(last)) = (fetched.first(), fetched.last()) {
                ctx.emit(Event::RecordsFetched {
                    consumer: self.id,
                    partition: p.partition,
                    first_offset: first.offset,
                    last_offset: last.offset,
                });
                got_records = true;
                self.buffer.entry(p.partition).or_default().extend(fetched);
            }
        }
        if had_error {
            self.request_metadata(ctx);
            ctx.set_timer(
                self.node(),
                Timer::FetchWakeup,
                SimDuration::from_ms(self.config.retry_backoff_ms),
            );
        } else {
            self.run_fetcher(ctx);
        }
        if got_records {
            self.records_arrived(ctx);
        }
    }

    /// Kafka: `NetworkClient.handleTimedOutRequests`: the connection to that node closes and
    /// every request in flight on it fails.
    pub(super) fn handle_request_timeout(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
    ) {
        if let Some(closed) = self.connections().request_timed_out(ctx, correlation_id) {
            self.after_disconnect(ctx, closed);
        }
    }

    pub(super) fn handle_connection_reset(&mut self, ctx: &mut Ctx<'_, Cluster>, broker: BrokerId) {
        if let Some(closed) = self.connections().connection_reset(ctx, broker) {
            self.after_disconnect(ctx, closed);
        }
    }

    /// Every request on a closed connection failed: undo what waited for each, refresh the
    /// metadata, and fetch again after `retry.backoff.ms`.
    fn after_disconnect(&mut self, ctx: &mut Ctx<'_, Cluster>, closed: Disconnected) {
        for (correlation_id, _) in closed.requests {
            self.forget_request(ctx, correlation_id);
        }
        self.request_metadata(ctx);
        ctx.set_timer(
            self.node(),
            Timer::FetchWakeup,
            SimDuration::from_ms(self.config.retry_backoff_ms),
        );
    }

    /// A request failed without an answer: undo what waited for it.
    fn forget_request(&mut self, ctx: &mut Ctx<'_, Cluster>, correlation_id: u32) {
        if self.metadata.request_in_flight == Some(correlation_id) {
            self.metadata.request_in_flight = None;
        }
        self.fetches_in_flight.remove(&correlation_id);
        if let Some(tp) = self.partition_requests.remove(&correlation_id) {
            if let Some(state) = self.positions.get_mut(&tp) {
                state.fetch_state = match state.fetch_state {
                    FetchState::Resetting => FetchState::AwaitReset,
                    FetchState::Validating => FetchState::Fetching,
                    other => other,
                };
            }
        }
        self.group_request_failed(ctx, correlation_id);
    }
}

/// The records of one fetched partition the application may see, from `position` on, and where
/// the position goes after them when control batches (transaction markers) or, under
/// `read_committed`, aborted transactions' batches end the fetch (`CompletedFetch`).
fn fetched_records(
    p: &crate::kafka::protocol::FetchPartitionResponse,
    position: i64,
    read_committed: bool,
) -> (Vec<FetchedRecord>, Option<i64>) {
    let keep: Vec<bool> = if read_committed {
        crate::kafka::txn::read_committed::read_committed(
            &p.records.iter().map(fetched_batch).collect::<Vec<_>>(),
            &p.aborted_transactions,
        )
    } else {
        p.records.iter().map(|b| !b.is_control()).collect()
    };
    let mut fetched = Vec::new();
    let mut skip_to = None;
    for (batch, keep) in p.records.iter().zip(keep) {
        if !keep {
            skip_to = Some(batch.next_offset());
            continue;
        }
        for (offset, record) in batch.offsets_and_records() {
            if offset >= position {
                skip_to = None;
                fetched.push(FetchedRecord {
                    partition: p.partition,
                    offset,
                    leader_epoch: batch.partition_leader_epoch,
                    id: record.id,
                    key: record.key.clone(),
                    value: record.value.clone(),
                });
            }
        }
    }
    (fetched, skip_to)
}

fn fetched_batch(
    batch: &crate::kafka::record::RecordBatch,
) -> crate::kafka::txn::read_committed::FetchedBatch {
    crate::kafka::txn::read_committed::FetchedBatch {
        producer_id: batch.producer.producer_id,
        base_offset: batch.base_offset,
        last_offset: batch.last_offset(),
        transactional: batch.transactional,
        control: batch.control,
    }
}
