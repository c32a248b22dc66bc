//! Compaction: the log cleaner keeps at least the latest record of every key.
//!
//! A port of what one pass of Kafka's cleaner does to one log: `LogCleanerManager.cleanableOffsets`
//! and `calculateCleanableBytes` (which part of the log may be cleaned, and how dirty it is),
//! `grabFilthiestCompactedLog`'s threshold, and `Cleaner.doClean` (`buildOffsetMap`,
//! `groupSegmentsBySize`, `cleanSegments`, `cleanInto`, `shouldRetainRecord`). No transactions,
//! no legacy message formats, and the offset map is exact (Kafka keys it by an MD5 of the key).
//!
//! - The log up to the cleaner checkpoint is clean; from there it is dirty. A pass may clean up
//!   to the first uncleanable offset: never the active segment, nothing at or above the high
//!   watermark, nothing newer than `min.compaction.lag.ms`, and always whole segments.
//! - A log is cleaned when its dirty share is above `min.cleanable.dirty.ratio` (Kafka compares
//!   with `>`), or when a dirty segment is older than `max.compaction.lag.ms`.
//! - A record stays if it is the latest of its key in the dirty part (or its key is not there).
//!   A tombstone (null value) that stays gives its batch a delete horizon of now +
//!   `delete.retention.ms`; a pass after that horizon removes it.
//! - Batches keep their base offset, leader epoch, producer fields and last offset. A batch left
//!   empty disappears, except the last batch of the pass and the last batch of a producer the
//!   broker still tracks, which stay as empty headers (so the log end and producer sequences are
//!   not lost). Offsets never change: compaction leaves gaps.
//! - The segments cleaned in one pass are regrouped: neighbours whose sizes fit in
//!   `segment.bytes` together become one segment.

use super::{PartitionLog, Segment};
use crate::kafka::record::{Record, RecordBatch};
use std::collections::BTreeMap;

/// What one pass may clean, and how dirty the log is (Kafka's `LogToClean`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CleanableLog {
    pub first_dirty_offset: i64,
    /// Always a segment's base offset: cleaning stops there.
    pub first_uncleanable_offset: i64,
    /// Bytes of the segments below the first dirty offset.
    pub clean_bytes: u64,
    /// Bytes of the segments from the first dirty offset to the first uncleanable one.
    pub cleanable_bytes: u64,
    /// A dirty segment waited longer than `max.compaction.lag.ms`.
    pub need_compaction_now: bool,
}

impl CleanableLog {
    pub fn total_bytes(&self) -> u64 {
        self.clean_bytes + self.cleanable_bytes
    }
    /// The dirty share in thousandths (no floats in the model).
    pub fn dirty_ratio_thousandths(&self) -> u64 {
        (self.cleanable_bytes * 1000)
            .checked_div(self.total_bytes())
            .unwrap_or(0)
    }
}

/// What a pass did.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CleanerOutcome {
    pub first_dirty_offset: i64,
    /// The new checkpoint: everything below is clean.
    pub cleaned_up_to: i64,
    pub records_removed: u32,
    /// Of the removed records, how many were tombstones.
    pub tombstones_removed: u32,
    pub segments_before: u32,
    pub segments_after: u32,
}

impl PartitionLog {
    /// The cleaner checkpoint, if the log was ever cleaned.
    pub fn cleaner_checkpoint(&self) -> Option<i64> {
        self.cleaner_checkpoint
    }

    /// Kafka's first dirty offset: the checkpoint, or the log start offset when there is none or
    /// it is out of range (`LogCleanerManager.cleanableOffsets`).
    pub fn first_dirty_offset(&self) -> i64 {
        match self.cleaner_checkpoint {
            Some(c) if c >= self.log_start_offset && c <= self.log_end_offset => c,
            _ => self.log_start_offset,
        }
    }

    /// What a pass may clean now, or `None` if the log is not compacted, is empty, or is not
    /// dirty enough (`grabFilthiestCompactedLog`'s filters).
    pub fn cleanable(&self, now_ms: i64, high_watermark: i64) -> Option<CleanableLog> {
        if !self.config.cleanup_policy.compact {
            return None;
        }
        let first_dirty_offset = self.first_dirty_offset();
        let uncleanable =
            self.first_uncleanable_dirty_offset(first_dirty_offset, now_ms, high_watermark);
        // `calculateCleanableBytes`: cleaning stops at the start of the segment holding the
        // first uncleanable offset (or the active segment).
        let active_base = self.active_segment().base_offset;
        let first_uncleanable_offset = if uncleanable < active_base {
            self.floor_segment(uncleanable).base_offset
        } else {
            active_base
        };
        let clean_bytes = self.bytes_of(i64::MIN, first_dirty_offset);
        let cleanable_bytes = self.bytes_of(
            first_dirty_offset.min(first_uncleanable_offset),
            first_uncleanable_offset,
        );
        let log = CleanableLog {
            first_dirty_offset,
            first_uncleanable_offset,
            clean_bytes,
            cleanable_bytes,
            need_compaction_now: self.max_compaction_delay_passed(first_dirty_offset, now_ms),
        };
        let ratio = self.config.min_cleanable_dirty_ratio_thousandths.max(0) as u64;
        let dirty_enough = log.cleanable_bytes * 1000 > ratio * log.total_bytes();
        let due = log.need_compaction_now && log.cleanable_bytes > 0;
        (log.total_bytes() > 0 && (due || dirty_enough)).then_some(log)
    }

    /// The lowest of: the high watermark (Kafka's last stable offset), the active segment, and
    /// the first dirty segment with a record newer than `min.compaction.lag.ms`.
    fn first_uncleanable_dirty_offset(&self, first_dirty: i64, now_ms: i64, hw: i64) -> i64 {
        let mut bound = hw.min(self.active_segment().base_offset);
        let lag = self.config.min_compaction_lag_ms as i64;
        if lag > 0 {
            let too_new = self
                .non_active_segments_from(first_dirty)
                .find(|s| s.largest_timestamp() > now_ms - lag);
            if let Some(segment) = too_new {
                bound = bound.min(segment.base_offset);
            }
        }
        bound.max(first_dirty)
    }

    /// `LogCleanerManager.maxCompactionDelay` > 0: the first batch of some dirty, inactive
    /// segment is older than `max.compaction.lag.ms`.
    fn max_compaction_delay_passed(&self, first_dirty: i64, now_ms: i64) -> bool {
        let clean_until = now_ms.saturating_sub(self.config.max_compaction_lag_ms.max(0));
        self.non_active_segments_from(first_dirty)
            .filter_map(|s| s.batches.first().map(|b| b.max_timestamp_ms))
            .filter(|t| *t > 0)
            .min()
            .is_some_and(|earliest| earliest < clean_until)
    }

    /// `nonActiveLogSegmentsFrom`: the segment holding `from` and the later ones, active excluded.
    fn non_active_segments_from(&self, from: i64) -> impl Iterator<Item = &Segment> {
        let active_base = self.active_segment().base_offset;
        let inactive = &self.segments[..self.segments.len() - 1];
        let start = inactive
            .partition_point(|s| s.base_offset <= from)
            .saturating_sub(1);
        // Kafka's `logSegments(from, activeBase)` is empty from the active segment on.
        let range = if from >= active_base {
            &[][..]
        } else {
            &inactive[start..]
        };
        range.iter()
    }

    fn floor_segment(&self, offset: i64) -> &Segment {
        let i = self.segments.partition_point(|s| s.base_offset <= offset);
        &self.segments[i.saturating_sub(1)]
    }

    /// Bytes of `LocalLog.logSegments(from, to)`: the segment holding `from` and every later
    /// one starting below `to`.
    fn bytes_of(&self, from: i64, to: i64) -> u64 {
        if from >= to {
            return 0;
        }
        let start = self
            .segments
            .partition_point(|s| s.base_offset <= from)
            .saturating_sub(1);
        self.segments[start..]
            .iter()
            .take_while(|s| s.base_offset < to)
            .map(|s| s.size_bytes)
            .sum()
    }

    /// One pass of the cleaner over `log` (from `cleanable`), at `now_ms`. `producer_last_offsets`
    /// are the last data offsets of the producers this replica tracks, whose last batch stays.
    pub fn clean(
        &mut self,
        log: &CleanableLog,
        now_ms: i64,
        producer_last_offsets: &BTreeMap<i64, i64>,
    ) -> CleanerOutcome {
        let upper = log.first_uncleanable_offset;
        let offset_map = self.build_offset_map(log.first_dirty_offset, upper);
        let segments_before = self.segments.len() as u32;
        let rules = Rules {
            offset_map: &offset_map,
            latest_offset: upper - 1,
            upper_bound_offset: upper,
            now_ms,
            delete_retention_ms: self.config.delete_retention_ms as i64,
            producer_last_offsets,
        };
        let cleanable_count = self.segments.partition_point(|s| s.base_offset < upper);
        let groups = group_by_size(&self.segments[..cleanable_count], self.config.segment_bytes);
        let mut cleaned = Vec::new();
        let mut removed = Removed::default();
        for group in groups {
            cleaned.push(clean_group(&self.segments[group], &rules, &mut removed));
        }
        self.segments.splice(..cleanable_count, cleaned);
        self.cleaner_checkpoint = Some(upper);
        CleanerOutcome {
            first_dirty_offset: log.first_dirty_offset,
            cleaned_up_to: upper,
            records_removed: removed.records,
            tombstones_removed: removed.tombstones,
            segments_before,
            segments_after: self.segments.len() as u32,
        }
    }

    /// Key -> latest offset over the dirty records `[start, end)` (`Cleaner.buildOffsetMap`).
    fn build_offset_map(&self, start: i64, end: i64) -> BTreeMap<Vec<u8>, i64> {
        let mut map = BTreeMap::new();
        for batch in self.batches() {
            for (offset, record) in batch.offsets_and_records() {
                if offset < start || offset >= end {
                    continue;
                }
                if let Some(key) = &record.key {
                    map.insert(key.bytes().into_owned(), offset);
                }
            }
        }
        map
    }
}

/// `Cleaner.groupSegmentsBySize`: consecutive segments whose sizes add up to at most
/// `max_bytes` are cleaned into one. Returns index ranges.
fn group_by_size(segments: &[Segment], max_bytes: u64) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    while start < segments.len() {
        let mut end = start + 1;
        let mut size = segments[start].size_bytes;
        while end < segments.len() && size + segments[end].size_bytes <= max_bytes {
            size += segments[end].size_bytes;
            end += 1;
        }
        groups.push(start..end);
        start = end;
    }
    groups
}

struct Rules<'a> {
    offset_map: &'a BTreeMap<Vec<u8>, i64>,
    /// The offset map's latest offset: records above it are newer than this pass.
    latest_offset: i64,
    /// The first uncleanable offset: the batch ending there stays even if emptied.
    upper_bound_offset: i64,
    now_ms: i64,
    delete_retention_ms: i64,
    producer_last_offsets: &'a BTreeMap<i64, i64>,
}

#[derive(Default)]
struct Removed {
    records: u32,
    tombstones: u32,
}

/// `Cleaner.cleanSegments`: the group's batches, cleaned, in one segment at the first base
/// offset, with the last segment's mtime.
fn clean_group(group: &[Segment], rules: &Rules<'_>, removed: &mut Removed) -> Segment {
    let first = &group[0];
    let mut out = Segment {
        base_offset: first.base_offset,
        batches: super::Batches::new(),
        size_bytes: 0,
        created_at_ms: first.created_at_ms,
        largest_timestamp_ms: -1,
        last_modified_ms: group[group.len() - 1].last_modified_ms,
    };
    for batch in group.iter().flat_map(|s| s.batches.iter()) {
        if let Some(kept) = clean_batch(batch, rules, removed) {
            out.size_bytes += kept.size_bytes as u64;
            out.largest_timestamp_ms = out.largest_timestamp_ms.max(kept.max_timestamp_ms);
            out.batches.push(kept);
        }
    }
    out
}

/// `cleanInto`'s filter for one batch (`MemoryRecords.filterTo`).
fn clean_batch(
    batch: &RecordBatch,
    rules: &Rules<'_>,
    removed: &mut Removed,
) -> Option<RecordBatch> {
    let mut kept: Vec<Record> = Vec::new();
    let mut has_tombstone = false;
    for (offset, record) in batch.offsets_and_records() {
        if retain_record(batch, offset, record, rules) {
            has_tombstone |= record.value.is_none();
            kept.push(record.clone());
        } else {
            removed.records += 1;
            removed.tombstones += u32::from(record.value.is_none());
        }
    }
    if kept.is_empty() {
        // `checkBatchRetention`: RETAIN_EMPTY for a producer's last batch and for the last batch
        // of this pass, so the last offset (and sequence) stays known; DELETE_EMPTY otherwise.
        let producers_last = batch.producer.is_idempotent()
            && rules.producer_last_offsets.get(&batch.producer.producer_id)
                == Some(&batch.last_offset());
        let last_of_pass = batch.next_offset() == rules.upper_bound_offset;
        return (producers_last || last_of_pass).then(|| batch.cleaned(kept, None));
    }
    let set_horizon = has_tombstone && batch.delete_horizon_ms.is_none();
    if kept.len() == batch.records.len() && !set_horizon {
        return Some(batch.clone());
    }
    let horizon = if set_horizon {
        Some(rules.now_ms + rules.delete_retention_ms)
    } else {
        batch.delete_horizon_ms
    };
    Some(batch.cleaned(kept, horizon))
}

/// `Cleaner.shouldRetainRecord`: the latest record of its key stays, a tombstone only until its
/// batch's delete horizon; records past the offset map stay; records without a key go.
fn retain_record(batch: &RecordBatch, offset: i64, record: &Record, rules: &Rules<'_>) -> bool {
    if offset > rules.latest_offset {
        return true;
    }
    let Some(key) = &record.key else {
        return false;
    };
    let latest_for_key = rules
        .offset_map
        .get(key.bytes().as_ref())
        .is_none_or(|found| offset >= *found);
    let retain_deletes = batch
        .delete_horizon_ms
        .is_none_or(|horizon| rules.now_ms < horizon);
    latest_for_key && (record.value.is_some() || retain_deletes)
}
