//! The active controller's view of brokers (`ClusterControlManager`, `BrokerHeartbeatManager`):
//! registration with a broker epoch, heartbeats every `broker.heartbeat.interval.ms`, fencing
//! after `broker.session.timeout.ms` of silence, unfencing once a broker has caught up with the
//! metadata, and controlled shutdown (leadership moved away before the broker stops).

use super::Controller;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, FenceReason};
use crate::kafka::metadata::MetadataRecord;
use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

impl Controller {
    fn not_controller(&self) -> Option<u32> {
        self.raft.leader().filter(|l| *l != self.id)
    }

    pub(super) fn handle_broker_registration(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        broker: BrokerId,
        incarnation: u32,
        metadata_offset: i64,
    ) {
        if !self.is_active() {
            let response = Message::BrokerRegistrationResponse {
                error: ErrorCode::NOT_CONTROLLER,
                broker_epoch: -1,
            };
            return ctx.send(self.node(), from, response);
        }
        let _ = incarnation;
        let mut records = Vec::new();
        // A new incarnation means the old process is gone: whatever it led or was in sync for,
        // it no longer is (its log may have lost unflushed data).
        if self.image.brokers.get(&broker).is_some_and(|b| !b.fenced) {
            records.extend(self.fence_records(ctx, broker, FenceReason::NewIncarnation));
        }
        let epoch = self.raft.end_offset() + records.len() as i64;
        records.push(MetadataRecord::RegisterBroker { broker, epoch });
        let now = ctx.now.as_ms() as i64;
        if let Some(active) = &mut self.active {
            active.last_heartbeat_ms.insert(broker, now);
            active.pushed_offset.insert(broker, metadata_offset);
        }
        ctx.emit(Event::BrokerRegistered { broker, epoch });
        let last = self.append(ctx, records);
        let response = Message::BrokerRegistrationResponse {
            error: ErrorCode::NONE,
            broker_epoch: epoch,
        };
        self.respond_after(ctx, last, from, response);
    }

    pub(super) fn handle_broker_heartbeat(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        broker: BrokerId,
        broker_epoch: i64,
        metadata_offset: i64,
        want_shutdown: bool,
    ) {
        if !self.is_active() {
            let response = Message::BrokerHeartbeatResponse {
                error: ErrorCode::NOT_CONTROLLER,
                is_fenced: true,
                should_shutdown: false,
                leader_hint: self.not_controller(),
            };
            return ctx.send(self.node(), from, response);
        }
        let Some(registration) = self
            .image
            .brokers
            .get(&broker)
            .copied()
            .filter(|r| r.epoch == broker_epoch)
        else {
            let response = Message::BrokerHeartbeatResponse {
                error: ErrorCode::STALE_BROKER_EPOCH,
                is_fenced: true,
                should_shutdown: false,
                leader_hint: None,
            };
            return ctx.send(self.node(), from, response);
        };
        let now = ctx.now.as_ms() as i64;
        let active = self.active.as_mut().expect("is_active checked");
        active.last_heartbeat_ms.insert(broker, now);
        if metadata_offset < *active.pushed_offset.get(&broker).unwrap_or(&-1) {
            // A push was lost on the way: send it again from where the broker is.
            active.pushed_offset.insert(broker, metadata_offset);
            self.push_metadata(ctx);
        }
        let mut records = Vec::new();
        if registration.fenced && !want_shutdown && metadata_offset >= registration.epoch {
            records.extend(self.unfence_records(ctx, broker));
        }
        if want_shutdown && !registration.in_controlled_shutdown {
            records.extend(self.controlled_shutdown_records(ctx, broker));
        }
        let leads_nothing = {
            let mut preview = self.image.clone();
            for (n, r) in records.iter().enumerate() {
                preview.apply(self.raft.end_offset() + n as i64, r);
            }
            let result = preview.partitions().all(|(_, p)| p.leader != Some(broker));
            result
        };
        if want_shutdown && leads_nothing && !registration.fenced {
            // Controlled shutdown is complete: the broker may stop, and it is fenced now rather
            // than when its session expires.
            ctx.emit(Event::BrokerFenced {
                broker,
                reason: FenceReason::ControlledShutdownComplete,
            });
            records.push(MetadataRecord::FenceBroker {
                broker,
                epoch: registration.epoch,
            });
        }
        let last = if records.is_empty() {
            self.raft.end_offset() - 1
        } else {
            self.append(ctx, records)
        };
        let reg = self.image.brokers[&broker];
        let response = Message::BrokerHeartbeatResponse {
            error: ErrorCode::NONE,
            is_fenced: reg.fenced,
            should_shutdown: want_shutdown && leads_nothing,
            leader_hint: Some(self.id),
        };
        self.respond_after(ctx, last, from, response);
    }

    /// Every second: fence brokers whose session expired, and step down without a quorum.
    pub(super) fn check_broker_sessions(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let now = ctx.now.as_ms() as i64;
        if !self.leader_has_quorum(now) {
            return self.resign(ctx);
        }
        let timeout = self.config.ms("broker.session.timeout.ms") as i64;
        let expired: Vec<BrokerId> = match &self.active {
            Some(active) => self
                .image
                .brokers
                .values()
                .filter(|b| {
                    !b.fenced
                        && active
                            .last_heartbeat_ms
                            .get(&b.id)
                            .is_none_or(|t| now - t > timeout)
                })
                .map(|b| b.id)
                .collect(),
            None => return,
        };
        for broker in expired {
            let reason = FenceReason::SessionExpired {
                session_timeout_ms: timeout as u64,
            };
            let records = self.fence_records(ctx, broker, reason);
            self.append(ctx, records);
        }
        ctx.set_timer(
            self.node(),
            Timer::BrokerSessionCheck,
            SimDuration::from_ms(1000),
        );
    }

    /// Fence a broker: out of every ISR, leaderships moved (`ReplicationControlManager.handleBrokerFenced`).
    pub(super) fn fence_records(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
        reason: FenceReason,
    ) -> Vec<MetadataRecord> {
        ctx.emit(Event::BrokerFenced { broker, reason });
        let epoch = self.image.brokers.get(&broker).map_or(-1, |b| b.epoch);
        let mut records = vec![MetadataRecord::FenceBroker { broker, epoch }];
        // Decide elections against the image as it will be once the broker is fenced.
        let mut preview = self.image.clone();
        preview.apply(self.raft.end_offset(), &records[0]);
        records.extend(self.partition_changes_without(
            ctx,
            &preview,
            broker,
            crate::kafka::event::ElectionKind::Clean,
        ));
        records
    }

    fn unfence_records(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
    ) -> Vec<MetadataRecord> {
        ctx.emit(Event::BrokerUnfenced { broker });
        let epoch = self.image.brokers[&broker].epoch;
        let mut records = vec![MetadataRecord::UnfenceBroker { broker, epoch }];
        let mut preview = self.image.clone();
        preview.apply(self.raft.end_offset(), &records[0]);
        records.extend(self.elections_for_returning_broker(ctx, &preview, broker));
        records
    }

    fn controlled_shutdown_records(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
    ) -> Vec<MetadataRecord> {
        let epoch = self.image.brokers[&broker].epoch;
        let mut records = vec![MetadataRecord::BrokerControlledShutdown { broker, epoch }];
        let mut preview = self.image.clone();
        preview.apply(self.raft.end_offset(), &records[0]);
        records.extend(self.partition_changes_without(
            ctx,
            &preview,
            broker,
            crate::kafka::event::ElectionKind::ControlledShutdown,
        ));
        ctx.emit(Event::ControlledShutdownRequested { broker });
        records
    }
}
