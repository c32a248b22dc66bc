//! Leader-side replication bookkeeping: what a follower's Fetch tells the leader (its log end
//! offset), the diverging-epoch check that makes followers truncate, and high watermark moves.

use super::replica::{FollowerState, Replica};
use super::Broker;
use crate::kafka::protocol::{EpochEndOffset, FetchPartition, FetchRequest};
use crate::kafka::types::BrokerId;
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Broker {
    /// A follower's fetch offset is its log end offset: the only way the leader learns it.
    pub(super) fn record_follower_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        follower: BrokerId,
        broker_epoch: i64,
        request: &FetchRequest,
    ) {
        let now_ms = ctx.now.as_ms() as i64;
        let mut moved = Vec::new();
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
            let entry = state.followers.entry(follower).or_insert(FollowerState {
                log_end_offset: -1,
                last_fetch_time_ms: now_ms,
                last_fetch_leader_log_end_offset: -1,
                last_caught_up_time_ms: -1,
                broker_epoch,
            });
            // `Replica.updateFetchStateOrThrow`: caught up now if it reached our current end;
            // caught up as of the previous fetch if it reached what we had then.
            if p.fetch_offset >= leader_leo {
                entry.last_caught_up_time_ms = entry.last_caught_up_time_ms.max(now_ms);
            } else if p.fetch_offset >= entry.last_fetch_leader_log_end_offset
                && entry.last_fetch_leader_log_end_offset >= 0
            {
                entry.last_caught_up_time_ms =
                    entry.last_caught_up_time_ms.max(entry.last_fetch_time_ms);
            }
            entry.log_end_offset = p.fetch_offset;
            entry.last_fetch_time_ms = now_ms;
            entry.last_fetch_leader_log_end_offset = leader_leo;
            entry.broker_epoch = broker_epoch;
            moved.push(p.partition.clone());
        }
        let mut advanced = false;
        for tp in moved {
            advanced |= self.maybe_advance_high_watermark(ctx, &tp);
            self.maybe_expand_isr(ctx, &tp, follower);
        }
        if advanced {
            self.try_complete_delayed_produces(ctx);
            self.try_complete_delayed_fetches(ctx);
        }
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
