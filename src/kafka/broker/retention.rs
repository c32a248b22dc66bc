//! The broker's log maintenance: the retention check every `log.retention.check.interval.ms`
//! (`LogManager.cleanupLogs`: whole segments by time and size, never past the high watermark)
//! and the log cleaner every `log.cleaner.backoff.ms` (compaction of `cleanup.policy=compact`
//! logs whose dirty share passed `min.cleanable.dirty.ratio`). The rules live in `log::retention`
//! and `log::cleaner`; this file runs them on every hosted replica and says what happened.

use super::replica::Role;
use super::Broker;
use crate::kafka::event::Event;
use crate::kafka::timer::Timer;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeMap;

impl Broker {
    pub(super) fn arm_log_maintenance(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let me = self.node();
        ctx.set_timer(
            me,
            Timer::RetentionCheck,
            SimDuration::from_ms(self.config.ms("log.retention.check.interval.ms")),
        );
        ctx.set_timer(
            me,
            Timer::CleanerCheck,
            SimDuration::from_ms(self.config.ms("log.cleaner.backoff.ms").max(1)),
        );
    }

    /// `LogManager.cleanupLogs`: delete old segments of every log.
    pub(super) fn retention_check(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let now_ms = ctx.now.as_ms() as i64;
        for (tp, replica) in &mut self.replicas {
            if matches!(replica.role, Role::Stopped) {
                continue;
            }
            let hw = replica.high_watermark;
            for d in replica.log.delete_old_segments(now_ms, hw) {
                ctx.emit(Event::SegmentsDeleted {
                    broker: self.id,
                    partition: *tp,
                    segments: d.segments,
                    records: d.records,
                    from_offset: d.from_offset,
                    to_offset: d.to_offset,
                    log_start_offset_before: d.log_start_offset_before,
                    new_log_start_offset: d.log_start_offset_after,
                    reason: d.reason,
                });
            }
        }
        ctx.set_timer(
            self.node(),
            Timer::RetentionCheck,
            SimDuration::from_ms(self.config.ms("log.retention.check.interval.ms")),
        );
    }

    /// One cleaner pass over every compacted log that is dirty enough.
    pub(super) fn cleaner_check(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let now_ms = ctx.now.as_ms() as i64;
        for (tp, replica) in &mut self.replicas {
            if matches!(replica.role, Role::Stopped) {
                continue;
            }
            let Some(cleanable) = replica.log.cleanable(now_ms, replica.high_watermark) else {
                continue;
            };
            let producer_last_offsets: BTreeMap<i64, i64> = replica
                .producer_state
                .producer_ids()
                .collect::<Vec<_>>()
                .into_iter()
                .filter_map(|pid| {
                    let entry = replica.producer_state.last_entry(pid)?;
                    let last = entry.batch_metadata().last()?.last_offset();
                    Some((pid, last))
                })
                .collect();
            let out = replica
                .log
                .clean(&cleanable, now_ms, &producer_last_offsets);
            ctx.emit(Event::LogCompacted {
                broker: self.id,
                partition: *tp,
                first_dirty_offset: out.first_dirty_offset,
                cleaned_up_to: out.cleaned_up_to,
                records_removed: out.records_removed,
                tombstones_removed: out.tombstones_removed,
                segments_before: out.segments_before,
                segments_after: out.segments_after,
            });
        }
        ctx.set_timer(
            self.node(),
            Timer::CleanerCheck,
            SimDuration::from_ms(self.config.ms("log.cleaner.backoff.ms").max(1)),
        );
    }
}
