//! A broker process starting, stopping and its housekeeping timers. The log survives a crash (it
//! is in the page cache); a power failure loses what the simulated OS had not flushed, which
//! happens every `sim.os.flush.interval.ms` (Kafka itself never fsyncs by default). Everything
//! else a broker holds in memory (parked requests, leader bookkeeping, fetch sessions) is gone.
//! A restarted broker registers again, is fenced until it has caught up with the metadata, and
//! only then takes its replicas' roles.

use super::replica::Role;
use super::Broker;
use crate::kafka::client::NetworkClient;
use crate::kafka::event::{Event, ProcessFault};
use crate::kafka::timer::Timer;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeMap;

impl Broker {
    /// Arm the periodic timers of a running broker and start following leaders.
    pub fn start(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let me = self.node();
        let interval = self.heartbeat_interval();
        ctx.set_timer(me, Timer::BrokerHeartbeat, interval);
        ctx.set_timer(
            me,
            Timer::IsrCheck,
            SimDuration::from_ms(self.config.ms("replica.lag.time.max.ms") / 2),
        );
        ctx.set_timer(
            me,
            Timer::OsFlush,
            SimDuration::from_ms(self.config.ms("sim.os.flush.interval.ms")),
        );
        ctx.set_timer(
            me,
            Timer::HighWatermarkCheckpoint,
            SimDuration::from_ms(
                self.config
                    .ms("replica.high.watermark.checkpoint.interval.ms"),
            ),
        );
        self.arm_log_maintenance(ctx);
        self.start_fetchers(ctx);
    }

    pub fn stop(&mut self, ctx: &mut Ctx<'_, Cluster>, fault: ProcessFault) {
        self.delayed_produces.clear();
        self.delayed_fetches.clear();
        self.net = NetworkClient::default();
        self.fetches_in_flight = BTreeMap::new();
        self.controller_request = None;
        self.shutting_down = false;
        self.connection_busy_until.clear();
        // Groups live in memory; a restarted coordinator reloads them from the log.
        self.coordinator = Default::default();
        self.txn_state = Default::default();
        for (tp, replica) in &mut self.replicas {
            replica.role = Role::Stopped;
            match fault {
                ProcessFault::PowerFailure => {
                    let before = replica.log.log_end_offset();
                    let lost = replica.log.lose_unflushed();
                    if lost > 0 {
                        ctx.emit(Event::RecordsLostOnPowerFailure {
                            broker: self.id,
                            partition: *tp,
                            from: before - lost,
                            to: before,
                        });
                    }
                }
                ProcessFault::GracefulShutdown => {
                    replica.log.flush();
                    replica.checkpointed_high_watermark = replica.high_watermark;
                }
                ProcessFault::Crash => {}
            }
            // On restart the high watermark comes back from its checkpoint file.
            replica.high_watermark = replica
                .checkpointed_high_watermark
                .min(replica.log.log_end_offset());
        }
    }

    /// Start again: register with the controller and wait for the metadata before serving.
    pub fn restart(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.broker_epoch = -1;
        self.awaiting_metadata = true;
        for replica in self.replicas.values_mut() {
            replica.leader_epoch = -1;
        }
        self.start(ctx);
        ctx.set_timer(self.node(), Timer::BrokerHeartbeat, SimDuration::ZERO);
    }

    pub(super) fn os_flush(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        for replica in self.replicas.values_mut() {
            replica.log.flush();
        }
        ctx.set_timer(
            self.node(),
            Timer::OsFlush,
            SimDuration::from_ms(self.config.ms("sim.os.flush.interval.ms")),
        );
    }

    pub(super) fn checkpoint_high_watermarks(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        for replica in self.replicas.values_mut() {
            replica.checkpointed_high_watermark = replica.high_watermark;
        }
        let interval = self
            .config
            .ms("replica.high.watermark.checkpoint.interval.ms");
        ctx.set_timer(
            self.node(),
            Timer::HighWatermarkCheckpoint,
            SimDuration::from_ms(interval),
        );
    }
}
