//! The broker's side of KRaft (`BrokerLifecycleManager`, the metadata publisher): register with
//! the active controller, heartbeat every `broker.heartbeat.interval.ms`, follow the committed
//! metadata records the controller pushes, and ask to shut down in a controlled way.

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, ProcessFault};
use crate::kafka::metadata::MetadataRecord;
use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::NodeId;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

impl Broker {
    fn controller_node(&self) -> NodeId {
        NodeId::Controller(self.controller)
    }

    /// Try the next controller of the quorum (the one we asked did not answer).
    fn rotate_controller(&mut self) {
        self.controller = self.controller % self.controller_voters.max(1) + 1;
    }

    pub(super) fn heartbeat_interval(&self) -> SimDuration {
        SimDuration::from_ms(self.config.ms("broker.heartbeat.interval.ms"))
    }

    /// The heartbeat timer: register if needed, else heartbeat. An unanswered previous request
    /// means the controller we picked is gone or not active: try another.
    pub(super) fn heartbeat(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let interval = self.heartbeat_interval();
        ctx.set_timer(self.node(), Timer::BrokerHeartbeat, interval);
        if self.controller_request.take().is_some() {
            self.rotate_controller();
        }
        self.controller_request = Some(ctx.now.as_ms() as i64);
        let msg = if self.broker_epoch < 0 {
            Message::BrokerRegistration {
                broker: self.id,
                incarnation: self.process.incarnation,
                metadata_offset: self.metadata.offset,
            }
        } else {
            Message::BrokerHeartbeat {
                broker: self.id,
                broker_epoch: self.broker_epoch,
                metadata_offset: self.metadata.offset,
                want_shutdown: self.shutting_down,
            }
        };
        ctx.send(self.node(), self.controller_node(), msg);
    }

    pub(super) fn handle_registration_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        error: ErrorCode,
        broker_epoch: i64,
    ) {
        self.controller_request = None;
        match error {
            ErrorCode::NONE => {
                self.broker_epoch = broker_epoch;
                self.maybe_finish_catch_up(ctx);
                // Heartbeat right away: that is how the controller learns we caught up.
                ctx.set_timer(self.node(), Timer::BrokerHeartbeat, SimDuration::from_ms(1));
            }
            ErrorCode::NOT_CONTROLLER => self.rotate_controller(),
            _ => {}
        }
    }

    pub(super) fn handle_heartbeat_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        error: ErrorCode,
        is_fenced: bool,
        should_shutdown: bool,
        leader_hint: Option<u32>,
    ) {
        self.controller_request = None;
        match error {
            ErrorCode::NONE => {}
            ErrorCode::NOT_CONTROLLER => {
                match leader_hint {
                    Some(c) => self.controller = c,
                    None => self.rotate_controller(),
                }
                return;
            }
            ErrorCode::STALE_BROKER_EPOCH => {
                self.broker_epoch = -1;
                return;
            }
            _ => return,
        }
        let _ = is_fenced;
        if self.shutting_down && should_shutdown {
            self.finish_controlled_shutdown(ctx);
        }
    }

    /// Committed metadata from the active controller. A gap (a lost push) is skipped; the next
    /// heartbeat reports our offset and the controller sends the missing records again.
    pub(super) fn handle_metadata_delta(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        leader: u32,
        records: Vec<(i64, MetadataRecord)>,
    ) {
        self.controller = leader;
        let Some((first, _)) = records.first() else {
            return;
        };
        if *first > self.metadata.offset + 1 {
            return;
        }
        self.apply_metadata(ctx, &records);
        self.maybe_finish_catch_up(ctx);
        self.start_fetchers(ctx);
    }

    /// A restarted broker takes its replicas' roles only once its metadata includes its own
    /// registration (whose offset is its broker epoch): by then the controller's records that
    /// fenced its previous incarnation (moving its leaderships away) are applied too. Acting on
    /// older metadata would make it lead partitions it no longer leads.
    fn maybe_finish_catch_up(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.awaiting_metadata
            || self.broker_epoch < 0
            || self.metadata.offset < self.broker_epoch
        {
            return;
        }
        self.awaiting_metadata = false;
        let all: Vec<_> = self.replicas.keys().cloned().collect();
        for tp in all {
            self.reconcile_replica(ctx, &tp);
        }
        self.start_fetchers(ctx);
    }

    /// `Shutdown` command: ask the controller to move our leaderships away, then stop.
    pub fn begin_controlled_shutdown(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
    ) -> Result<(), crate::kafka::commands::CommandError> {
        if self.shutting_down {
            return Err(crate::kafka::commands::CommandError::AlreadyShuttingDown(
                self.id,
            ));
        }
        self.shutting_down = true;
        ctx.set_timer(
            self.node(),
            Timer::ShutdownDeadline,
            SimDuration::from_ms(self.config.ms("broker.session.timeout.ms")),
        );
        ctx.set_timer(self.node(), Timer::BrokerHeartbeat, SimDuration::ZERO);
        Ok(())
    }

    pub(super) fn finish_controlled_shutdown(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.process.stop(ProcessFault::GracefulShutdown).is_err() {
            return;
        }
        ctx.cancel_all_timers(self.node());
        ctx.emit(Event::ProcessStopped {
            node: self.node(),
            fault: ProcessFault::GracefulShutdown,
        });
        self.stop(ctx, ProcessFault::GracefulShutdown);
    }

    /// A peer's host reset the connection: its process died.
    pub(super) fn handle_connection_reset(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId) {
        match from {
            NodeId::Controller(_) => {
                self.controller_request = None;
                self.rotate_controller();
            }
            NodeId::Broker(leader) => {
                for (correlation_id, _) in self.net.fail_all_to(ctx, self.node(), from) {
                    self.fetches_in_flight.retain(|_, c| *c != correlation_id);
                }
                self.back_off_fetcher(ctx, leader);
                self.txn_markers_connection_lost(ctx, leader);
            }
            _ => {}
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
        // Kafka: NetworkClient.handleTimedOutRequests closes the connection.
        ctx.close_connection(self.node(), request.to);
        ctx.emit(Event::RequestTimedOut {
            node: self.node(),
            peer: request.to,
            correlation_id,
            api: request.api,
        });
        self.fetches_in_flight.retain(|_, c| *c != correlation_id);
        if let NodeId::Broker(leader) = request.to {
            self.send_replica_fetch(ctx, leader);
        }
    }
}
