//! ISR maintenance on the leader (`Partition.maybeShrinkIsr`, `maybeExpandIsr`): every
//! `replica.lag.time.max.ms / 2` drop followers that have not caught up for longer than
//! `replica.lag.time.max.ms` (a time, not a count); add a follower back once it has reached the
//! high watermark. Changes go to the controller as `AlterPartition` with the partition epoch and
//! count only once committed. ISR changes never bump the leader epoch.

use super::replica::FollowerState;
use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, IsrChangeReason};
use crate::kafka::metadata::PartitionRegistration;
use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

impl Broker {
    pub(super) fn lag_time_max_ms(&self) -> i64 {
        self.config.ms("replica.lag.time.max.ms") as i64
    }

    pub(super) fn isr_check(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let interval = SimDuration::from_ms(self.lag_time_max_ms() as u64 / 2);
        ctx.set_timer(self.node(), Timer::IsrCheck, interval);
        let now = ctx.now.as_ms() as i64;
        let lag = self.lag_time_max_ms();
        let led: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(_, r)| r.is_leader())
            .map(|(tp, _)| *tp)
            .collect();
        for tp in led {
            let replica = &self.replicas[&tp];
            let state = replica.leader_state().expect("filtered to leaders");
            if state.pending_isr.is_some()
                && now - state.pending_isr_sent_ms
                    <= self.config.ms("broker.session.timeout.ms") as i64
            {
                continue;
            }
            // A proposal left unanswered that long is made again below, to whichever controller
            // is active now.
            let leader_leo = replica.log_end_offset();
            let mut lagging = Vec::new();
            for b in state.isr.iter().filter(|b| **b != self.id) {
                // `Partition.isFollowerOutOfSync`.
                let caught_up = state
                    .followers
                    .get(b)
                    .is_some_and(|f| f.is_caught_up(leader_leo, now, lag));
                if !caught_up {
                    let since = state
                        .followers
                        .get(b)
                        .and_then(|f| f.last_caught_up_time_ms)
                        .map_or(now, |t| now - t);
                    lagging.push((*b, since));
                }
            }
            if lagging.is_empty() {
                continue;
            }
            let new_isr: Vec<BrokerId> = state
                .isr
                .iter()
                .copied()
                .filter(|b| !lagging.iter().any(|(l, _)| l == b))
                .collect();
            let reason = IsrChangeReason::Lagging {
                followers: lagging
                    .iter()
                    .map(|(b, ms)| (*b, (*ms).max(0) as u64))
                    .collect(),
                replica_lag_time_max_ms: lag as u64,
            };
            self.propose_isr(ctx, &tp, new_isr, reason);
        }
    }

    /// Kafka: `Partition.maybeExpandIsr`. After a follower's fetch, propose adding it to the
    /// ISR if no change is in flight, it is eligible (`canAddReplicaToIsr`), and it has reached
    /// both the high watermark and the start of this leader's epoch (`isFollowerInSync`).
    pub(super) fn maybe_expand_isr(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        follower: BrokerId,
    ) {
        let recovering = self.metadata.partition(tp).is_some_and(|p| {
            p.leader_recovery_state == crate::kafka::metadata::LeaderRecoveryState::Recovering
        });
        let Some(replica) = self.replicas.get(tp) else {
            return;
        };
        let Some(state) = replica.leader_state() else {
            return;
        };
        let Some(f) = state.followers.get(&follower) else {
            return;
        };
        let can_add_replica_to_isr = state.pending_isr.is_none()
            && !state.isr.contains(&follower)
            && self.is_replica_isr_eligible(follower, f);
        if !can_add_replica_to_isr || recovering {
            return;
        }
        if f.log_end_offset >= replica.high_watermark
            && f.log_end_offset >= state.epoch_start_offset
        {
            let mut new_isr = state.isr.clone();
            new_isr.push(follower);
            let reason = IsrChangeReason::CaughtUp {
                follower,
                high_watermark: replica.high_watermark,
            };
            self.propose_isr(ctx, tp, new_isr, reason);
        }
    }

    /// Kafka: `Partition.isReplicaIsrEligible` (KRaft): the follower's broker is not fenced,
    /// not in controlled shutdown, and its last Fetch carried the broker epoch the leader's
    /// metadata knows (KIP-903: a broker that restarted with a new epoch, perhaps having lost
    /// unflushed records, is not taken for its previous incarnation).
    pub(super) fn is_replica_isr_eligible(&self, follower: BrokerId, f: &FollowerState) -> bool {
        // `KRaftMetadataCache.getAliveBrokerEpoch`: the epoch of an unfenced registration.
        let alive_broker_epoch = self
            .metadata
            .brokers
            .get(&follower)
            .filter(|b| !b.fenced)
            .map(|b| b.epoch);
        // `isBrokerEpochIsrEligible`: -1 is a fetch that does not say (older versions).
        self.metadata.is_usable(follower)
            && f.broker_epoch
                .is_some_and(|e| e == -1 || Some(e) == alive_broker_epoch)
    }

    fn propose_isr(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        new_isr: Vec<BrokerId>,
        reason: IsrChangeReason,
    ) {
        let (id, broker_epoch, controller) = (self.id, self.broker_epoch, self.controller);
        let replica = self
            .replicas
            .get_mut(tp)
            .expect("proposing for a hosted replica");
        let (leader_epoch, partition_epoch) = (replica.leader_epoch, replica.partition_epoch);
        let Some(state) = replica.leader_state_mut() else {
            return;
        };
        ctx.emit(Event::IsrChangeProposed {
            broker: id,
            partition: *tp,
            from: state.isr.clone(),
            to: new_isr.clone(),
            reason,
        });
        state.pending_isr = Some(new_isr.clone());
        state.pending_isr_sent_ms = ctx.now.as_ms() as i64;
        let msg = Message::AlterPartition {
            broker: id,
            broker_epoch,
            partition: *tp,
            leader_epoch,
            partition_epoch,
            new_isr,
        };
        ctx.send(NodeId::Broker(id), NodeId::Controller(controller), msg);
    }

    pub(super) fn handle_alter_partition_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: TopicPartition,
        error: ErrorCode,
        registration: Option<PartitionRegistration>,
    ) {
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let leader_epoch = replica.leader_epoch;
        let Some(state) = replica.leader_state_mut() else {
            return;
        };
        state.pending_isr = None;
        if error == ErrorCode::NONE {
            if let Some(reg) = registration.filter(|r| r.leader_epoch == leader_epoch) {
                state.isr = reg.isr.clone();
                replica.partition_epoch = reg.partition_epoch;
            }
        } else if error == ErrorCode::NOT_CONTROLLER {
            self.controller = self.controller % self.controller_voters.max(1) + 1;
        }
        self.after_isr_change(ctx, &tp);
    }

    /// A committed ISR change may let the high watermark move (a slow follower left) or stop it
    /// (below `min.insync.replicas`).
    pub(super) fn after_isr_change(&mut self, ctx: &mut Ctx<'_, Cluster>, tp: &TopicPartition) {
        if self.maybe_advance_high_watermark(ctx, tp) {
            self.try_complete_delayed_fetches(ctx);
        }
        self.try_complete_delayed_produces(ctx);
    }
}
