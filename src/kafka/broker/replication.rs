//! Leader-side replication bookkeeping: what a follower's Fetch tells the leader (its log end
//! offset), the diverging-epoch check that makes followers truncate, and high watermark moves:
//! up to the smallest log end of the maximal ISR and of caught-up replicas about to join it,
//! and not at all while the committed ISR is below `min.insync.replicas`.

use super::replica::{FollowerState, Replica};
use super::Broker;
use crate::kafka::event::Event;
use crate::kafka::protocol::{EpochEndOffset, FetchPartition, FetchRequest};
use crate::kafka::types::{BrokerId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Broker {
    /// A follower's fetch offset is its log end offset: the only way the leader learns it.
    /// Per partition, in the order of Kafka's `Partition.updateFollowerFetchState`: record the
    /// fetch, maybe add the follower to the ISR (`maybeExpandIsr`), and only then, if its log
    /// end moved, try the high watermark (`maybeIncrementLeaderHW`), so a follower whose
    /// addition has just been proposed already counts (it is in the maximal ISR).
    pub(super) fn record_follower_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        follower: BrokerId,
        broker_epoch: i64,
        request: &FetchRequest,
    ) {
        let now_ms = ctx.now.as_ms() as i64;
        let mut advanced = false;
        for p in &request.partitions {
            // A fetch that diverges from our log says nothing about what the follower has in
            // common with us: it will truncate first (`Partition.fetchRecords` skips the update).
            let diverges = self
                .replicas
                .get(&p.partition)
                .is_some_and(|r| r.is_leader() && self.diverging_epoch(r, p).is_some());
            if diverges {
                continue;
            }
            let Some(replica) = self.replicas.get_mut(&p.partition) else {
                continue;
            };
            let leader_leo = replica.log_end_offset();
            let Some(state) = replica.leader_state_mut() else {
                continue;
            };
            let entry = state
                .followers
                .entry(follower)
                .or_insert_with(|| FollowerState::at_election(now_ms, false));
            let previous_log_end_offset = entry.log_end_offset;
            update_fetch_state(entry, p.fetch_offset, now_ms, leader_leo, broker_epoch);
            self.maybe_expand_isr(ctx, &p.partition, follower);
            if p.fetch_offset != previous_log_end_offset {
                advanced |= self.maybe_advance_high_watermark(ctx, &p.partition);
            }
        }
        if advanced {
            self.try_complete_delayed_produces(ctx);
            self.try_complete_delayed_fetches(ctx);
        }
    }

    /// Kafka: `Partition.maybeIncrementLeaderHW`. Move the leader's high watermark up to the
    /// smallest log end offset among the maximal ISR and the replicas about to join it, never
    /// while the committed ISR is below `min.insync.replicas` (strict min ISR, Kafka 3.7+).
    /// Returns true if it moved.
    pub fn maybe_advance_high_watermark(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
    ) -> bool {
        let now_ms = ctx.now.as_ms() as i64;
        let Some(new_hw) = self.high_watermark_candidate(tp, now_ms) else {
            return false;
        };
        let id = self.id;
        let Some(replica) = self.replicas.get_mut(tp) else {
            return false;
        };
        // `UnifiedLog.maybeIncrementHighWatermark`: the high watermark only goes forward.
        if new_hw <= replica.high_watermark {
            return false;
        }
        let from = replica.high_watermark;
        replica.high_watermark = new_hw;
        ctx.emit(Event::HighWatermarkAdvanced {
            broker: id,
            partition: *tp,
            from,
            to: new_hw,
        });
        true
    }

    /// The offset `maybeIncrementLeaderHW` would move the high watermark to, or `None` if it
    /// may not move at all.
    fn high_watermark_candidate(&self, tp: &TopicPartition, now_ms: i64) -> Option<i64> {
        let replica = self.replicas.get(tp)?;
        let state = replica.leader_state()?;
        // `Partition.isUnderMinIsr` counts the committed ISR (`partitionState.isr`), not the
        // maximal one: a proposed addition does not let the high watermark move.
        if state.isr.len() < self.min_insync_replicas(tp) {
            return None;
        }
        let maximal_isr = state.maximal_isr();
        // A member the leader keeps no fetch state for has an unknown log end.
        if maximal_isr
            .iter()
            .any(|b| *b != self.id && !state.followers.contains_key(b))
        {
            return None;
        }
        let leader_leo = replica.log_end_offset();
        let max_lag_ms = self.lag_time_max_ms();
        let mut new_hw = leader_leo;
        for (follower, f) in &state.followers {
            // `shouldWaitForReplicaToJoinIsr`: a caught-up replica that may join the ISR holds
            // the high watermark back, so that a follower catching up while the ISR is just
            // the leader is not left behind by a high watermark that runs ahead of it.
            let should_wait_for_replica_to_join_isr = || {
                f.is_caught_up(leader_leo, now_ms, max_lag_ms)
                    && self.is_replica_isr_eligible(*follower, f)
            };
            if f.log_end_offset < new_hw
                && (maximal_isr.contains(follower) || should_wait_for_replica_to_join_isr())
            {
                new_hw = f.log_end_offset;
            }
        }
        Some(new_hw)
    }

    /// Fetch v12+: if the follower's last fetched epoch ends earlier on the leader than where
    /// the follower is, answer with the leader's end of that epoch instead of data.
    pub(super) fn diverging_epoch(
        &self,
        replica: &Replica,
        p: &FetchPartition,
    ) -> Option<EpochEndOffset> {
        let last_fetched_epoch = p.last_fetched_epoch?;
        let (epoch, end_offset) = replica
            .log
            .epochs()
            .end_offset_for(last_fetched_epoch, replica.log_end_offset());
        if epoch < last_fetched_epoch || end_offset < p.fetch_offset {
            Some(EpochEndOffset { epoch, end_offset })
        } else {
            None
        }
    }
}

/// Kafka: `Replica.updateFetchStateOrThrow`. Caught up now if the fetch reached our current
/// end; caught up as of the previous fetch if it reached what we had then.
fn update_fetch_state(
    f: &mut FollowerState,
    fetch_offset: i64,
    now_ms: i64,
    leader_leo: i64,
    broker_epoch: i64,
) {
    let caught_up_at_ms = if fetch_offset >= leader_leo {
        Some(now_ms)
    } else if fetch_offset >= f.last_fetch_leader_log_end_offset
        && f.last_fetch_leader_log_end_offset >= 0
    {
        Some(f.last_fetch_time_ms)
    } else {
        None
    };
    if let Some(t) = caught_up_at_ms {
        f.last_caught_up_time_ms = Some(f.last_caught_up_time_ms.map_or(t, |last| last.max(t)));
    }
    f.log_end_offset = fetch_offset;
    f.last_fetch_time_ms = now_ms;
    f.last_fetch_leader_log_end_offset = leader_leo;
    f.broker_epoch = Some(broker_epoch);
}
