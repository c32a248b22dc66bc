//! ISR maintenance on the leader (`Partition.maybeShrinkIsr`, `maybeExpandIsr`): every
//! `replica.lag.time.max.ms / 2` drop followers that have not caught up for longer than
//! `replica.lag.time.max.ms` (a time, not a count); add a follower back once it has reached the
//! high watermark. Changes go to the controller as `AlterPartition` with the partition epoch and
//! count only once committed. ISR changes never bump the leader epoch.

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::metadata::PartitionRegistration;
use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::rc::Rc;

impl Broker {
    fn lag_time_max_ms(&self) -> i64 {
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
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in led {
            let replica = &self.replicas[&tp];
            let state = replica.leader_state().expect("filtered to leaders");
            if state.pending_isr.is_some() {
                if now - state.pending_isr_sent_ms
                    <= self.config.ms("broker.session.timeout.ms") as i64
                {
                    continue;
                }
                // No answer: propose again below, to whichever controller is active now.
            }
            let leader_leo = replica.log_end_offset();
            let mut lagging = Vec::new();
            for b in state.isr.iter().filter(|b| **b != self.id) {
                let caught_up = state.followers.get(b).is_some_and(|f| {
                    f.log_end_offset >= leader_leo || now - f.last_caught_up_time_ms <= lag
                });
                if !caught_up {
                    let since = state
                        .followers
                        .get(b)
                        .map_or(now, |f| now - f.last_caught_up_time_ms);
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
            let reason = lagging
                .iter()
                .map(|(b, ms)| {
                    format!("{b} not caught up for {}.{}s", ms / 1000, (ms % 1000) / 100)
                })
                .collect::<Vec<_>>()
                .join(", ");
            self.propose_isr(
                ctx,
                &tp,
                new_isr,
                format!("{reason} (replica.lag.time.max.ms={lag})"),
            );
        }
    }

    /// After a follower's fetch: add it back to the ISR once it has caught up.
    pub(super) fn maybe_expand_isr(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        follower: BrokerId,
    ) {
        let usable = self.metadata.is_usable(follower);
        let recovering = self.metadata.partition(tp).is_some_and(|p| {
            p.leader_recovery_state == crate::kafka::metadata::LeaderRecoveryState::Recovering
        });
        let Some(replica) = self.replicas.get(tp) else {
            return;
        };
        let Some(state) = replica.leader_state() else {
            return;
        };
        if state.isr.contains(&follower) || state.pending_isr.is_some() || !usable || recovering {
            return;
        }
        let Some(f) = state.followers.get(&follower) else {
            return;
        };
        if f.log_end_offset >= replica.high_watermark
            && f.log_end_offset >= state.epoch_start_offset
        {
            let mut new_isr = state.isr.clone();
            new_isr.push(follower);
            let reason = format!(
                "{follower} caught up to the high watermark {}",
                replica.high_watermark
            );
            self.propose_isr(ctx, tp, new_isr, reason);
        }
    }

    fn propose_isr(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        new_isr: Vec<BrokerId>,
        reason: String,
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
            partition: tp.clone(),
            from: state.isr.clone(),
            to: new_isr.clone(),
            reason: Rc::from(reason.as_str()),
        });
        state.pending_isr = Some(new_isr.clone());
        state.pending_isr_sent_ms = ctx.now.as_ms() as i64;
        let msg = Message::AlterPartition {
            broker: id,
            broker_epoch,
            partition: tp.clone(),
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
