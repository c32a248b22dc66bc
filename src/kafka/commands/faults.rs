//! Fault commands: crash, power failure, controlled shutdown, pause and restart.

use super::{CommandError, Limit};
use crate::kafka::event::{Event, ProcessFault};
use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId};
use crate::kafka::{Cluster, Command};
use crate::sim::{Ctx, SimDuration};

impl Cluster {
    pub(super) fn apply_fault(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        match command {
            Command::Crash { node } => self.stop(ctx, node, ProcessFault::Crash),
            Command::PowerFail { node } => self.stop(ctx, node, ProcessFault::PowerFailure),
            Command::Shutdown {
                node: NodeId::Broker(b),
            } => self.begin_controlled_shutdown(ctx, b),
            Command::Shutdown { node } => self.stop(ctx, node, ProcessFault::GracefulShutdown),
            Command::Restart { node } => self.restart(ctx, node),
            Command::Pause { node, ms } => self.pause(ctx, node, ms),
            _ => unreachable!("apply_command routes only faults here"),
        }
    }

    fn begin_controlled_shutdown(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        b: BrokerId,
    ) -> Result<(), CommandError> {
        let node = NodeId::Broker(b);
        let broker = self
            .brokers
            .get_mut(&b)
            .ok_or(CommandError::UnknownNode(node))?;
        if !broker.process.is_running() {
            return Err(CommandError::NotRunning(node));
        }
        broker.begin_controlled_shutdown(ctx)?;
        ctx.emit(Event::ControlledShutdownStarted { broker: b });
        Ok(())
    }

    fn stop(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        node: NodeId,
        fault: ProcessFault,
    ) -> Result<(), CommandError> {
        self.known(node)?;
        let process = self
            .process_mut(node)
            .ok_or(CommandError::UnknownNode(node))?;
        process
            .stop(fault)
            .map_err(|previous| CommandError::AlreadyStopped {
                node,
                fault: previous,
            })?;
        ctx.cancel_all_timers(node);
        ctx.emit(Event::ProcessStopped { node, fault });
        match node {
            NodeId::Broker(b) => {
                self.brokers
                    .get_mut(&b)
                    .expect("known broker")
                    .stop(ctx, fault);
                if fault != ProcessFault::PowerFailure {
                    self.reset_connections_to(ctx, b);
                }
            }
            NodeId::Producer(p) => {
                let producer = self.producers.get_mut(&p).expect("known producer");
                let lost = producer.crash(ctx);
                if lost > 0 {
                    ctx.emit(Event::ProducerRecordsLost {
                        producer: p,
                        records: lost,
                    });
                }
            }
            NodeId::Controller(c) => self
                .controllers
                .get_mut(&c)
                .expect("known controller")
                .stop(ctx),
            NodeId::Consumer(c) => self
                .consumers
                .get_mut(&c)
                .expect("known consumer")
                .crash(ctx),
        }
        Ok(())
    }

    /// The host of a crashed broker is still up: its TCP stack resets every open connection, so
    /// peers with requests in flight learn of it at once instead of waiting for a timeout.
    pub(in crate::kafka) fn reset_connections_to(
        &self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
    ) {
        let me = NodeId::Broker(broker);
        for (id, p) in &self.producers {
            if p.has_in_flight_to(broker) {
                ctx.send(me, NodeId::Producer(*id), Message::ConnectionReset);
            }
        }
        for (id, c) in &self.consumers {
            if c.has_in_flight_to(broker) {
                ctx.send(me, NodeId::Consumer(*id), Message::ConnectionReset);
            }
        }
        for (id, b) in &self.brokers {
            if *id != broker && b.process.is_running() && b.net.has_in_flight_to(me) {
                ctx.send(me, NodeId::Broker(*id), Message::ConnectionReset);
            }
        }
    }

    fn restart(&mut self, ctx: &mut Ctx<'_, Cluster>, node: NodeId) -> Result<(), CommandError> {
        self.known(node)?;
        let process = self
            .process_mut(node)
            .ok_or(CommandError::UnknownNode(node))?;
        process
            .start()
            .map_err(|()| CommandError::AlreadyRunning(node))?;
        ctx.emit(Event::ProcessStarted { node });
        match node {
            NodeId::Broker(b) => self.brokers.get_mut(&b).expect("known broker").restart(ctx),
            NodeId::Producer(p) => self
                .producers
                .get_mut(&p)
                .expect("known producer")
                .start(ctx),
            NodeId::Consumer(c) => self
                .consumers
                .get_mut(&c)
                .expect("known consumer")
                .start(ctx),
            NodeId::Controller(c) => self
                .controllers
                .get_mut(&c)
                .expect("known controller")
                .restart(ctx),
        }
        Ok(())
    }

    fn pause(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        node: NodeId,
        ms: u64,
    ) -> Result<(), CommandError> {
        self.known(node)?;
        if ms == 0 {
            return Err(CommandError::TooMuch {
                limit: Limit::PauseMs,
                requested: 0,
            });
        }
        Limit::PauseMs.check(ms)?;
        let until = ctx.now.plus(SimDuration::from_ms(ms));
        let now = ctx.now;
        let process = self
            .process_mut(node)
            .ok_or(CommandError::UnknownNode(node))?;
        process.pause(now, until).map_err(|e| match e {
            crate::kafka::process::PauseRefused::NotRunning => CommandError::NotRunning(node),
            crate::kafka::process::PauseRefused::AlreadyPaused => CommandError::AlreadyPaused(node),
        })?;
        ctx.emit(Event::ProcessPaused {
            node,
            until_ms: until.as_ms(),
        });
        ctx.set_timer_at(node, Timer::PauseEnds, until);
        Ok(())
    }
}
