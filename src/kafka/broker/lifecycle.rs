//! A broker process stopping and starting. The log survives a crash (it is in the page cache and
//! on disk); a power failure loses what the OS had not flushed. Everything else a broker holds in
//! memory (parked requests, leader bookkeeping) is gone.

use super::replica::Role;
use super::Broker;
use crate::kafka::event::{Event, ProcessFault};
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Broker {
    pub fn stop(&mut self, ctx: &mut Ctx<'_, Cluster>, fault: ProcessFault) {
        self.delayed_produces.clear();
        self.delayed_fetches.clear();
        for (tp, replica) in &mut self.replicas {
            replica.role = Role::Stopped;
            replica.leader_epoch = -1;
            if fault == ProcessFault::PowerFailure {
                let before = replica.log.log_end_offset();
                let lost = replica.log.lose_unflushed();
                if lost > 0 {
                    ctx.emit(Event::RecordsLostOnPowerFailure {
                        broker: self.id,
                        partition: tp.clone(),
                        from: before - lost,
                        to: before,
                    });
                }
            } else if fault == ProcessFault::GracefulShutdown {
                replica.log.flush();
            }
            replica.high_watermark = replica
                .checkpointed_high_watermark
                .min(replica.log.log_end_offset());
        }
    }

    /// Start again: replicas come back from disk and take their roles from the metadata.
    pub fn restart(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let tps: Vec<_> = self.replicas.keys().cloned().collect();
        for tp in tps {
            self.reconcile_replica(ctx, &tp);
        }
    }
}
