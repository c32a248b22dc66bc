//! The follower side of replication (`ReplicaFetcherThread`, `AbstractFetcherThread`): one fetch
//! session per leader broker, each Fetch carrying the follower's log end offset and the epoch of
//! its last batch. A diverging-epoch answer makes the follower truncate (KIP-101/KIP-279); data
//! is appended; the follower's high watermark becomes `min(leader's HW, own log end offset)`.

use super::replica::Role;
use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::log::truncation::{truncation_offset, DivergingEpoch};
use crate::kafka::protocol::{
    FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse, Message,
};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeSet;

/// `replica.fetch.backoff.ms`: wait after a failed fetch.
const REPLICA_FETCH_BACKOFF_MS: u64 = 1000;
/// `replica.socket.timeout.ms`.
const REPLICA_SOCKET_TIMEOUT_MS: u64 = 30_000;

impl Broker {
    fn followed_from(&self, leader: BrokerId) -> Vec<TopicPartition> {
        self.replicas
            .iter()
            .filter(|(_, r)| matches!(r.role, Role::Follower { leader: Some(l) } if l == leader))
            .map(|(tp, _)| *tp)
            .collect()
    }

    /// Make sure every leader we follow has a fetch going.
    pub(crate) fn start_fetchers(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let leaders: BTreeSet<BrokerId> = self
            .replicas
            .values()
            .filter_map(|r| match r.role {
                Role::Follower { leader: Some(l) } => Some(l),
                _ => None,
            })
            .collect();
        for leader in leaders {
            self.send_replica_fetch(ctx, leader);
        }
    }

    pub(super) fn send_replica_fetch(&mut self, ctx: &mut Ctx<'_, Cluster>, leader: BrokerId) {
        if !self.process.is_running()
            || self.awaiting_metadata
            || self.fetches_in_flight.contains_key(&leader)
        {
            return;
        }
        let followed = self.followed_from(leader);
        if followed.is_empty() {
            return;
        }
        let max_bytes = self.config.int("replica.fetch.max.bytes") as u32;
        let partitions = followed
            .iter()
            .map(|tp| {
                let replica = &self.replicas[tp];
                FetchPartition {
                    partition: *tp,
                    fetch_offset: replica.log_end_offset(),
                    last_fetched_epoch: replica.log.latest_epoch(),
                    current_leader_epoch: Some(replica.leader_epoch),
                    partition_max_bytes: max_bytes,
                }
            })
            .collect();
        let request = FetchRequest {
            correlation_id: 0,
            replica: Some((self.id, self.broker_epoch)),
            max_wait_ms: self.config.ms("replica.fetch.wait.max.ms"),
            min_bytes: self.config.int("replica.fetch.min.bytes") as u32,
            max_bytes: 10 * 1024 * 1024,
            partitions,
            read_committed: false,
        };
        let me = self.node();
        let correlation_id = self.net.send(
            ctx,
            me,
            NodeId::Broker(leader),
            Some(REPLICA_SOCKET_TIMEOUT_MS),
            |correlation_id| {
                Message::Fetch(FetchRequest {
                    correlation_id,
                    ..request
                })
            },
        );
        self.fetches_in_flight.insert(leader, correlation_id);
    }

    pub(super) fn back_off_fetcher(&mut self, ctx: &mut Ctx<'_, Cluster>, leader: BrokerId) {
        ctx.set_timer(
            self.node(),
            Timer::ReplicaFetch { leader },
            SimDuration::from_ms(REPLICA_FETCH_BACKOFF_MS),
        );
    }

    pub(super) fn handle_replica_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        response: FetchResponse,
    ) {
        if self
            .net
            .complete(ctx, self.node(), response.correlation_id)
            .is_none()
        {
            return;
        }
        let Some(leader) = from.as_broker() else {
            return;
        };
        self.fetches_in_flight.remove(&leader);
        let mut failed = false;
        for p in response.partitions {
            let follows = self.replicas.get(&p.partition).is_some_and(
                |r| matches!(r.role, Role::Follower { leader: Some(l) } if l == leader),
            );
            if !follows {
                continue;
            }
            failed |= !self.apply_fetched(ctx, p);
        }
        if failed {
            self.back_off_fetcher(ctx, leader);
        } else {
            self.send_replica_fetch(ctx, leader);
        }
    }

    /// Apply one partition of a fetch response. Returns false when the fetch must back off.
    fn apply_fetched(&mut self, ctx: &mut Ctx<'_, Cluster>, p: FetchPartitionResponse) -> bool {
        let id = self.id;
        let now_ms = ctx.now.as_ms() as i64;
        let replica = self
            .replicas
            .get_mut(&p.partition)
            .expect("checked by the caller");
        match p.error {
            ErrorCode::NONE => {}
            ErrorCode::OFFSET_OUT_OF_RANGE if replica.log_end_offset() < p.log_start_offset => {
                // Retention on the leader removed what we still need: start over at its log
                // start (`truncateFullyAndStartAt`).
                let from = replica.log.log_start_offset();
                replica
                    .log
                    .truncate_fully_and_start_at(p.log_start_offset, now_ms);
                replica.high_watermark = p.log_start_offset;
                replica.rebuild_producer_state(&p.partition);
                ctx.emit(Event::LogStartOffsetIncremented {
                    broker: id,
                    partition: p.partition,
                    from,
                    to: p.log_start_offset,
                    restarted: true,
                });
                return true;
            }
            _ => return false,
        }
        if let Some(d) = p.diverging_epoch {
            let before = replica.log_end_offset();
            let target = truncation_offset(
                replica.log.epochs(),
                before,
                DivergingEpoch {
                    epoch: d.epoch,
                    end_offset: d.end_offset,
                },
            );
            replica.log.truncate_to(target.offset);
            replica.high_watermark = replica.high_watermark.min(replica.log_end_offset());
            replica.rebuild_producer_state(&p.partition);
            if replica.log_end_offset() < before {
                ctx.emit(Event::FollowerTruncated {
                    broker: id,
                    partition: p.partition,
                    from: before,
                    to: replica.log_end_offset(),
                    diverging_epoch: d.epoch,
                    epoch_end_offset: d.end_offset,
                });
            }
            return true;
        }
        let before = replica.log_end_offset();
        replica.log.append_as_follower(&p.records, now_ms);
        let after = replica.log_end_offset();
        for batch in p
            .records
            .iter()
            .filter(|b| b.base_offset >= before && b.next_offset() <= after)
        {
            replica.track_replicated(batch);
        }
        if after > before {
            ctx.emit(Event::FollowerAppended {
                broker: id,
                partition: p.partition,
                from_offset: before,
                to_offset: after,
            });
        }
        let new_hw = p.high_watermark.min(after);
        if new_hw > replica.high_watermark {
            let from = replica.high_watermark;
            replica.high_watermark = new_hw;
            ctx.emit(Event::HighWatermarkAdvanced {
                broker: id,
                partition: p.partition,
                from,
                to: new_hw,
            });
        }
        // The leader's retention moved its log start: follow it (`maybeIncrementLogStartOffset`);
        // the segments below go at this broker's next retention check.
        let from = replica.log.log_start_offset();
        if replica
            .log
            .maybe_increment_log_start_offset(p.log_start_offset, replica.high_watermark)
        {
            ctx.emit(Event::LogStartOffsetIncremented {
                broker: id,
                partition: p.partition,
                from,
                to: p.log_start_offset,
                restarted: false,
            });
        }
        true
    }
}

impl Broker {
    /// KIP-320: where `leader_epoch` ends on this leader, so a consumer can detect truncation.
    pub(super) fn offset_for_leader_epoch(
        &self,
        correlation_id: u32,
        partition: TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    ) -> Message {
        use crate::kafka::protocol::EpochEndOffset;
        let (error, end) = match self.replicas.get(&partition) {
            Some(r) if r.is_leader() && current_leader_epoch <= r.leader_epoch => {
                let (epoch, end_offset) = r
                    .log
                    .epochs()
                    .end_offset_for(leader_epoch, r.log_end_offset());
                (ErrorCode::NONE, EpochEndOffset { epoch, end_offset })
            }
            Some(r) if r.is_leader() => (
                ErrorCode::UNKNOWN_LEADER_EPOCH,
                EpochEndOffset {
                    epoch: -1,
                    end_offset: -1,
                },
            ),
            Some(_) => (
                ErrorCode::NOT_LEADER_OR_FOLLOWER,
                EpochEndOffset {
                    epoch: -1,
                    end_offset: -1,
                },
            ),
            None => (
                ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                EpochEndOffset {
                    epoch: -1,
                    end_offset: -1,
                },
            ),
        };
        Message::OffsetForLeaderEpochResponse {
            correlation_id,
            partition,
            error,
            end,
        }
    }
}
