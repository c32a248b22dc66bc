//! Retention: deleting whole segments from the front of a log, and moving the log start offset.
//!
//! A port of `UnifiedLog.deleteOldSegments` and its helpers (`deletableSegments`,
//! `deleteRetentionMsBreachedSegments`, `deleteRetentionSizeBreachedSegments`,
//! `deleteLogStartOffsetBreachedSegments`, `deleteSegments`, `maybeIncrementLogStartOffset`),
//! without tiered storage. The rules, all Kafka's:
//!
//! - Whole segments only, oldest first, stopping at the first segment that may not go.
//! - Never a segment unless the high watermark has reached the next segment's base offset (the
//!   log end offset for the last segment), so the log start offset never passes the high
//!   watermark and nothing uncommitted is deleted.
//! - A last segment that is empty is never deleted; when every segment may go, a fresh empty
//!   active segment is rolled first, so a log always has one.
//! - Deleting moves the log start offset to the base offset of the first segment left, and the
//!   leader-epoch cache forgets what lies below it. Remaining offsets never change.

use super::{PartitionLog, Segment};

/// Why segments went (Kafka's `SegmentDeletionReason`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DeletionReason {
    /// The newest record of each deleted segment is older than `retention.ms`.
    RetentionMs { retention_ms: i64 },
    /// The partition was bigger than `retention.bytes`.
    RetentionBytes { retention_bytes: i64 },
    /// Everything in the segments is below the log start offset (a follower that learned the
    /// leader's log start offset, whatever the cleanup policy).
    LogStartOffset { log_start_offset: i64 },
}

impl DeletionReason {
    /// The name lesson files use.
    pub fn name(self) -> &'static str {
        match self {
            DeletionReason::RetentionMs { .. } => "retention.ms",
            DeletionReason::RetentionBytes { .. } => "retention.bytes",
            DeletionReason::LogStartOffset { .. } => "log_start_offset",
        }
    }
    pub const NAMES: [&'static str; 3] = ["retention.ms", "retention.bytes", "log_start_offset"];
}

/// One pass of retention that deleted something.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SegmentDeletion {
    pub reason: DeletionReason,
    pub segments: u32,
    /// Records in the deleted segments (only those at or above the old log start offset).
    pub records: u32,
    /// The deleted offsets are `[from_offset, to_offset)`.
    pub from_offset: i64,
    pub to_offset: i64,
    pub log_start_offset_before: i64,
    pub log_start_offset_after: i64,
}

impl PartitionLog {
    /// One retention check of this log (`UnifiedLog.deleteOldSegments`): segments below the log
    /// start offset always; with `cleanup.policy` containing `delete` also by size, then by time.
    /// `high_watermark` is this replica's own (a follower's is what the leader told it).
    pub fn delete_old_segments(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
    ) -> Vec<SegmentDeletion> {
        let mut done = Vec::new();
        done.extend(self.delete_log_start_offset_breached(now_ms, high_watermark));
        if self.config.cleanup_policy.delete {
            done.extend(self.delete_retention_size_breached(now_ms, high_watermark));
            done.extend(self.delete_retention_ms_breached(now_ms, high_watermark));
        }
        done
    }

    fn delete_log_start_offset_breached(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
    ) -> Option<SegmentDeletion> {
        let log_start_offset = self.log_start_offset;
        let count = self.deletable_segments(high_watermark, |_, next| {
            next.is_some_and(|n| n.base_offset <= log_start_offset)
        });
        self.delete_segments(
            count,
            now_ms,
            DeletionReason::LogStartOffset { log_start_offset },
        )
    }

    fn delete_retention_size_breached(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
    ) -> Option<SegmentDeletion> {
        let retention_bytes = self.config.retention_bytes;
        let size = self.size_bytes() as i64;
        if retention_bytes < 0 || size < retention_bytes {
            return None;
        }
        let mut diff = size - retention_bytes;
        let count = self.deletable_segments(high_watermark, |segment, _| {
            let segment_size = segment.size_bytes as i64;
            let delete = diff - segment_size >= 0;
            if delete {
                diff -= segment_size;
            }
            delete
        });
        self.delete_segments(
            count,
            now_ms,
            DeletionReason::RetentionBytes { retention_bytes },
        )
    }

    fn delete_retention_ms_breached(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
    ) -> Option<SegmentDeletion> {
        let retention_ms = self.config.retention_ms;
        if retention_ms < 0 {
            return None;
        }
        let count = self.deletable_segments(high_watermark, |segment, _| {
            now_ms - segment.largest_timestamp() > retention_ms
        });
        self.delete_segments(count, now_ms, DeletionReason::RetentionMs { retention_ms })
    }

    /// How many segments, from the oldest, may go (`UnifiedLog.deletableSegments`): each must
    /// satisfy `predicate` and lie wholly below the high watermark; a last segment that is
    /// empty never goes. Stops at the first one that may not.
    fn deletable_segments(
        &self,
        high_watermark: i64,
        mut predicate: impl FnMut(&Segment, Option<&Segment>) -> bool,
    ) -> u32 {
        let mut count = 0;
        for (i, segment) in self.segments.iter().enumerate() {
            let next = self.segments.get(i + 1);
            let is_last_and_empty = next.is_none() && segment.size_bytes == 0;
            let upper_bound_offset = next.map_or(self.log_end_offset, |n| n.base_offset);
            // Never past the high watermark, so the log start offset can never exceed it.
            let deletable = high_watermark >= upper_bound_offset && predicate(segment, next);
            if !deletable || is_last_and_empty {
                break;
            }
            count += 1;
        }
        count
    }

    /// Delete the `count` oldest segments (`UnifiedLog.deleteSegments`).
    fn delete_segments(
        &mut self,
        count: u32,
        now_ms: i64,
        reason: DeletionReason,
    ) -> Option<SegmentDeletion> {
        let count = count as usize;
        if count == 0 {
            return None;
        }
        if count == self.segments.len() {
            // A log always has a segment: roll a fresh empty one before deleting them all.
            self.roll(now_ms);
        }
        let log_start_offset_before = self.log_start_offset;
        let from_offset = self.segments[0].base_offset;
        let to_offset = self.segments[count].base_offset;
        let records = self.segments[..count]
            .iter()
            .flat_map(|s| s.batches.iter())
            .flat_map(|b| b.offsets_and_records())
            .filter(|(offset, _)| *offset >= log_start_offset_before)
            .count() as u32;
        // Kafka moves the log start offset first, so no reader finds the segments mid-removal.
        self.increment_log_start_offset(to_offset);
        self.segments.drain(..count);
        Some(SegmentDeletion {
            reason,
            segments: count as u32,
            records,
            from_offset,
            to_offset,
            log_start_offset_before,
            log_start_offset_after: self.log_start_offset,
        })
    }

    /// `UnifiedLog.maybeIncrementLogStartOffset`: move the log start offset up to
    /// `new_log_start_offset` if that is higher, but never past `high_watermark` (Kafka refuses
    /// with `OffsetOutOfRangeException`). A follower calls it with the leader's log start offset
    /// from every fetch response; the segments below are deleted by its next retention check.
    /// Returns whether it moved.
    pub fn maybe_increment_log_start_offset(
        &mut self,
        new_log_start_offset: i64,
        high_watermark: i64,
    ) -> bool {
        if new_log_start_offset > high_watermark || new_log_start_offset <= self.log_start_offset {
            return false;
        }
        self.increment_log_start_offset(new_log_start_offset);
        true
    }

    fn increment_log_start_offset(&mut self, new_log_start_offset: i64) {
        if new_log_start_offset <= self.log_start_offset {
            return;
        }
        self.log_start_offset = new_log_start_offset;
        // What lies below the log start offset is gone for good: nothing there to flush, clean
        // or describe by epoch.
        self.recovery_point = self.recovery_point.max(new_log_start_offset);
        self.log_end_offset = self.log_end_offset.max(new_log_start_offset);
        self.epochs.truncate_from_start(new_log_start_offset);
    }
}
