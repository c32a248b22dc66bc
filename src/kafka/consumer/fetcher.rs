//! The consumer's fetcher (`Fetcher`, `OffsetFetcher`): find a start offset for partitions that
//! have none (ListOffsets, per `auto.offset.reset`), then keep one long-polling Fetch in flight
//! per leader broker, and move positions forward as records are returned.

use super::Consumer;
use crate::kafka::config::consumer::AutoOffsetReset;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::protocol::{FetchPartition, FetchRequest, FetchResponse, Message, OffsetSpec};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

impl Consumer {
    pub(crate) fn run_fetcher(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.process.is_running() {
            return;
        }
        let fetching: BTreeSet<TopicPartition> =
            self.fetches_in_flight.values().flatten().cloned().collect();
        let mut by_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        let mut missing_leader = false;
        let partitions: Vec<TopicPartition> = self.positions.keys().cloned().collect();
        for tp in partitions {
            let Some(leader) = self.metadata.leader(&tp) else {
                missing_leader = true;
                continue;
            };
            let state = &self.positions[&tp];
            match state.position {
                None if !state.resetting => self.reset_position(ctx, &tp, leader),
                Some(position) if !fetching.contains(&tp) && !state.resetting => {
                    by_leader.entry(leader).or_default().push(FetchPartition {
                        partition: tp.clone(),
                        fetch_offset: position,
                        last_fetched_epoch: None,
                        current_leader_epoch: self.metadata.leader_epoch(&tp),
                        partition_max_bytes: self.config.max_partition_fetch_bytes,
                    });
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
        let covered = partitions.iter().map(|p| p.partition.clone()).collect();
        let (max_wait_ms, min_bytes, max_bytes) = (
            self.config.fetch_max_wait_ms,
            self.config.fetch_min_bytes,
            self.config.fetch_max_bytes,
        );
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
                })
            },
        );
        self.stats.fetches += 1;
        self.fetches_in_flight.insert(correlation_id, covered);
    }

    /// Ask the leader for the offset `auto.offset.reset` points at.
    fn reset_position(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        leader: BrokerId,
    ) {
        let spec = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest => OffsetSpec::Earliest,
            AutoOffsetReset::Latest => OffsetSpec::Latest,
            AutoOffsetReset::None => {
                let text = format!("c{}: NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [{tp}]", self.id);
                ctx.emit(Event::Notice {
                    text: Rc::from(text.as_str()),
                });
                self.positions
                    .get_mut(tp)
                    .expect("reset of an assigned partition")
                    .resetting = true;
                return;
            }
        };
        let timeout = self.config.request_timeout_ms;
        let partition = tp.clone();
        self.net.send(
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
        self.positions
            .get_mut(tp)
            .expect("reset of an assigned partition")
            .resetting = true;
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
        if self
            .net
            .complete(ctx, self.node(), correlation_id)
            .is_none()
        {
            return;
        }
        let Some(state) = self.positions.get_mut(&tp) else {
            return;
        };
        state.resetting = false;
        if error.is_error() {
            self.metadata.invalidate(&tp);
            self.request_metadata(ctx);
            return;
        }
        state.position = Some(offset);
        state.position_epoch = Some(leader_epoch);
        let reason = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest => {
                "auto.offset.reset=earliest: start at the log start offset"
            }
            _ => "auto.offset.reset=latest: start at the log end (the high watermark)",
        };
        ctx.emit(Event::PositionReset {
            consumer: self.id,
            partition: tp,
            offset,
            reason: Rc::from(reason),
        });
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
        self.fetches_in_flight.remove(&response.correlation_id);
        let mut had_error = false;
        for p in response.partitions {
            let Some(state) = self.positions.get_mut(&p.partition) else {
                continue;
            };
            match p.error {
                ErrorCode::NONE => {}
                ErrorCode::OFFSET_OUT_OF_RANGE => {
                    state.position = None;
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
            let Some(position) = state.position else {
                continue;
            };
            let mut returned = Vec::new();
            let mut last_epoch = state.position_epoch;
            for batch in &p.records {
                for (offset, record) in batch.offsets_and_records() {
                    if offset >= position {
                        returned.push((p.partition.clone(), offset, record.id));
                        self.stats.remember(super::ConsumedRecord {
                            partition: p.partition.clone(),
                            offset,
                            key: record.key_text(),
                            value: record.value_text(),
                        });
                        last_epoch = Some(batch.partition_leader_epoch);
                    }
                }
            }
            if let Some((_, last, _)) = returned.last() {
                let first = returned[0].1;
                state.position = Some(last + 1);
                state.position_epoch = last_epoch;
                self.stats.records_consumed += returned.len() as u64;
                ctx.emit(Event::RecordsFetched {
                    consumer: self.id,
                    partition: p.partition.clone(),
                    first_offset: first,
                    last_offset: *last,
                });
                ctx.emit(Event::RecordsPolled {
                    consumer: self.id,
                    records: returned,
                });
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
        self.forget_request(correlation_id);
        self.metadata.needs_update = true;
        self.request_metadata(ctx);
        self.run_fetcher(ctx);
    }

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
            peer: crate::kafka::types::NodeId::Broker(broker),
            failed_requests: failed.len() as u32,
        });
        for (correlation_id, _) in failed {
            self.forget_request(correlation_id);
        }
        self.metadata.needs_update = true;
        self.request_metadata(ctx);
        ctx.set_timer(
            self.node(),
            Timer::FetchWakeup,
            SimDuration::from_ms(self.config.retry_backoff_ms),
        );
    }

    fn forget_request(&mut self, correlation_id: u32) {
        if self.metadata.request_in_flight == Some(correlation_id) {
            self.metadata.request_in_flight = None;
        }
        self.fetches_in_flight.remove(&correlation_id);
        for state in self.positions.values_mut() {
            // A lost ListOffsets must not leave the partition waiting forever.
            if state.position.is_none() {
                state.resetting = false;
            }
        }
    }
}
