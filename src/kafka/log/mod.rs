//! A partition's log on one broker: record batches in segments, the log start and end offsets,
//! the leader-epoch cache, and what the simulated OS has flushed to disk. Offsets are dense from
//! the log start offset to the log end offset, except where compaction left gaps.
//!
//! `retention` deletes whole segments from the front (`UnifiedLog.deleteOldSegments`);
//! `cleaner` compacts (`LogCleaner`). Neither ever changes the offset of a record that stays.

mod batches;
pub mod cleaner;
pub mod epoch_cache;
pub mod retention;
pub mod truncation;

use super::config::LogConfig;
use super::errors::ErrorCode;
use super::record::{Record, RecordBatch};
pub use batches::Batches;
use epoch_cache::LeaderEpochCache;

/// A file of consecutive batches. Retention deletes whole segments only.
///
/// Invariant: `size_bytes` is the sum of the batches' sizes; batches are in offset order, all at
/// or above `base_offset` (compaction may leave the first offsets of a segment empty).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Segment {
    pub base_offset: i64,
    pub batches: Batches,
    pub size_bytes: u64,
    pub created_at_ms: i64,
    /// The newest record timestamp in the segment, -1 while it holds none.
    pub largest_timestamp_ms: i64,
    /// When the segment file was last written (its mtime): the last append, or for a cleaned
    /// segment the mtime of the last segment it replaced.
    pub last_modified_ms: i64,
}

impl Segment {
    fn new(base_offset: i64, now_ms: i64) -> Segment {
        Segment {
            base_offset,
            batches: Batches::new(),
            size_bytes: 0,
            created_at_ms: now_ms,
            largest_timestamp_ms: -1,
            last_modified_ms: now_ms,
        }
    }
    pub fn next_offset(&self) -> i64 {
        self.batches
            .last()
            .map_or(self.base_offset, RecordBatch::next_offset)
    }
    /// Kafka's `LogSegment.largestTimestamp`: the newest record timestamp, or the file's mtime
    /// when the segment holds no timestamp. Time-based retention compares it with `retention.ms`.
    pub fn largest_timestamp(&self) -> i64 {
        if self.largest_timestamp_ms >= 0 {
            self.largest_timestamp_ms
        } else {
            self.last_modified_ms
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PartitionLog {
    /// Invariant: never empty; the last segment is the active one.
    segments: Vec<Segment>,
    log_start_offset: i64,
    log_end_offset: i64,
    /// Offsets below this are on disk; a power failure loses the rest.
    /// Invariant: `log_start_offset <= recovery_point <= log_end_offset`.
    recovery_point: i64,
    epochs: LeaderEpochCache,
    config: LogConfig,
    /// The cleaner's checkpoint (`cleaner-offset-checkpoint`): the first offset not yet
    /// compacted, Kafka's `firstDirtyOffset`. `None` until the first cleaning (the log start).
    cleaner_checkpoint: Option<i64>,
}

impl PartitionLog {
    pub fn new(config: LogConfig, now_ms: i64) -> PartitionLog {
        PartitionLog {
            segments: vec![Segment::new(0, now_ms)],
            log_start_offset: 0,
            log_end_offset: 0,
            recovery_point: 0,
            epochs: LeaderEpochCache::new(),
            config,
            cleaner_checkpoint: None,
        }
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }
    pub fn log_end_offset(&self) -> i64 {
        self.log_end_offset
    }
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }
    pub fn epochs(&self) -> &LeaderEpochCache {
        &self.epochs
    }
    pub fn config(&self) -> &LogConfig {
        &self.config
    }
    /// A dynamic config change: the next append, roll, retention pass or cleaning reads it.
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
    /// The segment that takes appends.
    pub fn active_segment(&self) -> &Segment {
        self.segments
            .last()
            .expect("a log always has an active segment")
    }
    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.size_bytes).sum()
    }
    /// Epoch of the last batch, Kafka's `latestEpoch` (what a follower sends as lastFetchedEpoch).
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.latest_epoch()
    }

    /// Append a batch as leader: stamp it with the next offset and the leader epoch.
    pub fn append_as_leader(
        &mut self,
        batch: &RecordBatch,
        leader_epoch: i32,
        now_ms: i64,
    ) -> RecordBatch {
        let stamped = batch.stamped(self.log_end_offset, leader_epoch);
        self.append(stamped.clone(), now_ms);
        stamped
    }

    /// Append batches copied from the leader. Batches the log already has are skipped. A batch
    /// may start beyond the log end: the leader's cleaner removed whole batches there, and Kafka
    /// only refuses offsets that go backwards (`UnexpectedAppendOffsetException`). A batch
    /// overlapping the log end stops the append (it cannot come from a consistent leader).
    pub fn append_as_follower(&mut self, batches: &[RecordBatch], now_ms: i64) -> u32 {
        let mut appended = 0;
        for batch in batches {
            if batch.next_offset() <= self.log_end_offset {
                continue;
            }
            if batch.base_offset < self.log_end_offset {
                break;
            }
            self.append(batch.clone(), now_ms);
            appended += 1;
        }
        appended
    }

    fn append(&mut self, batch: RecordBatch, now_ms: i64) {
        self.maybe_roll(batch.size_bytes as u64, now_ms);
        self.epochs
            .assign(batch.partition_leader_epoch, batch.base_offset)
            .expect("batches carry a non-negative leader epoch and offset");
        self.log_end_offset = batch.next_offset();
        let active = self
            .segments
            .last_mut()
            .expect("a log always has an active segment");
        active.size_bytes += batch.size_bytes as u64;
        active.largest_timestamp_ms = active.largest_timestamp_ms.max(batch.max_timestamp_ms);
        active.last_modified_ms = now_ms;
        active.batches.push(batch);
    }

    /// Roll a new active segment when the next batch would overflow `segment.bytes` or the active
    /// segment is older than `segment.ms` (`UnifiedLog.maybeRoll`).
    fn maybe_roll(&mut self, next_batch_bytes: u64, now_ms: i64) {
        let active = self
            .segments
            .last()
            .expect("a log always has an active segment");
        if active.batches.is_empty() {
            return;
        }
        let too_big = active.size_bytes + next_batch_bytes > self.config.segment_bytes;
        let too_old = now_ms - active.created_at_ms > self.config.segment_ms as i64;
        if too_big || too_old {
            self.roll(now_ms);
        }
    }

    /// Start a new active segment at the log end offset (`UnifiedLog.roll`). An empty active
    /// segment is replaced rather than followed by another empty one, as `LocalLog.roll` does.
    pub fn roll(&mut self, now_ms: i64) {
        // Kafka flushes a segment when it stops being active.
        self.recovery_point = self.recovery_point.max(self.log_end_offset);
        if self.active_segment().batches.is_empty() {
            self.segments.pop();
        }
        self.segments
            .push(Segment::new(self.log_end_offset, now_ms));
    }

    /// Batches from the one holding `fetch_offset` up to (not including) `max_offset`, at most
    /// `max_bytes` but always at least one batch so a fetcher makes progress.
    pub fn read(
        &self,
        fetch_offset: i64,
        max_offset: i64,
        max_bytes: u32,
    ) -> Result<Vec<RecordBatch>, ErrorCode> {
        if fetch_offset < self.log_start_offset || fetch_offset > self.log_end_offset {
            return Err(ErrorCode::OFFSET_OUT_OF_RANGE);
        }
        let mut out = Vec::new();
        let mut bytes = 0u32;
        for batch in self.batches_between(fetch_offset, max_offset) {
            if !out.is_empty() && bytes + batch.size_bytes > max_bytes {
                break;
            }
            bytes += batch.size_bytes;
            out.push(batch.clone());
        }
        Ok(out)
    }

    /// The batches `read` would return without a byte limit, borrowed: from the one holding
    /// `fetch_offset` up to (not including) `max_offset`.
    pub fn batches_between(
        &self,
        fetch_offset: i64,
        max_offset: i64,
    ) -> impl Iterator<Item = &RecordBatch> {
        let first_segment = self
            .segments
            .partition_point(|s| s.next_offset() <= fetch_offset);
        self.segments[first_segment.min(self.segments.len())..]
            .iter()
            .flat_map(move |segment| {
                let first_batch = segment
                    .batches
                    .partition_point(|b| b.next_offset() <= fetch_offset);
                segment.batches.iter_from(first_batch)
            })
            .take_while(move |batch| batch.base_offset < max_offset)
    }

    /// Every batch, oldest first. A follower may still hold batches below its log start offset
    /// until its next retention check deletes their segment; see `records`.
    pub fn batches(&self) -> impl Iterator<Item = &RecordBatch> {
        self.segments.iter().flat_map(|s| s.batches.iter())
    }

    /// Every record at or above the log start offset with its offset and batch, oldest first:
    /// what a reader of this log can see (control batches, the transaction markers, are not
    /// records to a reader).
    pub fn records(&self) -> impl Iterator<Item = (i64, &RecordBatch, &Record)> {
        let start = self.log_start_offset;
        self.batches()
            .filter(move |b| b.next_offset() > start && !b.is_control())
            .flat_map(move |b| {
                b.offsets_and_records()
                    .filter(move |(offset, _)| *offset >= start)
                    .map(move |(offset, record)| (offset, b, record))
            })
    }

    /// Remove everything at and above `offset` (a batch straddling it goes entirely). The epoch
    /// cache is trimmed even when no record goes (`UnifiedLog.truncateTo`): a follower that led an
    /// epoch without writing in it must forget that epoch, or its fetches diverge forever.
    /// Truncating below the log start offset lowers it, and below the first segment starts the
    /// log over, both as `UnifiedLog.truncateTo` does.
    pub fn truncate_to(&mut self, offset: i64) {
        if offset >= self.log_end_offset {
            self.epochs.truncate_from_end(offset);
            return;
        }
        if self.segments[0].base_offset > offset {
            let created_at_ms = self.segments[0].created_at_ms;
            self.truncate_fully_and_start_at(offset, created_at_ms);
            return;
        }
        self.log_start_offset = self.log_start_offset.min(offset);
        for segment in &mut self.segments {
            segment.batches.retain(|b| b.next_offset() <= offset);
            segment.size_bytes = segment.batches.iter().map(|b| b.size_bytes as u64).sum();
        }
        while self.segments.len() > 1
            && self
                .segments
                .last()
                .is_some_and(|s| s.batches.is_empty() && s.base_offset >= offset)
        {
            self.segments.pop();
        }
        let end = self
            .batches()
            .last()
            .map_or(self.log_start_offset, RecordBatch::next_offset);
        // An emptied active segment may start past the last batch left (the cleaner removed the
        // batches between): the log end cannot be below it (Kafka sets it to the target offset).
        let active = self.active_segment();
        let active_floor = if active.batches.is_empty() {
            active.base_offset
        } else {
            end
        };
        self.log_end_offset = end.max(active_floor).max(self.log_start_offset);
        self.recovery_point = self.recovery_point.min(self.log_end_offset);
        self.cleaner_checkpoint = self.cleaner_checkpoint.map(|c| c.min(self.log_end_offset));
        self.epochs.truncate_from_end(self.log_end_offset);
    }

    /// Empty the log and start it again at `offset` (`UnifiedLog.truncateFullyAndStartAt`): what
    /// a follower does when the leader's retention deleted everything it was missing.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64, now_ms: i64) {
        self.segments = vec![Segment::new(offset, now_ms)];
        self.log_start_offset = offset;
        self.log_end_offset = offset;
        self.recovery_point = offset;
        self.epochs.clear();
        self.cleaner_checkpoint = None;
    }

    /// A new leader records where its epoch starts, before appending anything in it
    /// (`Partition.makeLeader` assigns `(epoch, log end offset)` in the epoch cache).
    pub fn start_leader_epoch(&mut self, leader_epoch: i32) {
        self.epochs
            .assign(leader_epoch, self.log_end_offset)
            .expect("leader epochs and offsets are non-negative");
    }

    /// The simulated OS wrote every dirty page to disk.
    pub fn flush(&mut self) {
        self.recovery_point = self.log_end_offset;
    }

    /// Power failure: whatever the OS had not written is gone.
    pub fn lose_unflushed(&mut self) -> i64 {
        let lost = self.log_end_offset - self.recovery_point;
        self.truncate_to(self.recovery_point);
        lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::compression::Compression;
    use crate::kafka::config::{BrokerConfig, LogConfig};
    use crate::kafka::record::{Payload, ProducerIdentity, RecordId};

    fn config() -> LogConfig {
        let topic =
            crate::kafka::config::def::parse(crate::kafka::config::TOPIC_KEYS, &Default::default())
                .unwrap();
        LogConfig::resolve(&topic, &BrokerConfig::defaults())
    }

    fn batch(values: &[&str]) -> RecordBatch {
        let records = values
            .iter()
            .enumerate()
            .map(|(i, v)| Record {
                id: RecordId {
                    producer: 1,
                    serial: i as u32,
                },
                offset_delta: i as u32,
                timestamp_ms: 0,
                key: None,
                value: Some(Payload::text(v)),
                headers: vec![],
            })
            .collect();
        RecordBatch::new(records, ProducerIdentity::NONE, Compression::None)
    }

    #[test]
    fn leader_appends_get_consecutive_offsets() {
        let mut log = PartitionLog::new(config(), 0);
        let a = log.append_as_leader(&batch(&["a", "b"]), 0, 0);
        let b = log.append_as_leader(&batch(&["c"]), 1, 0);
        assert_eq!(
            (a.base_offset, b.base_offset, log.log_end_offset()),
            (0, 2, 3)
        );
        assert_eq!(log.latest_epoch(), Some(1));
    }

    #[test]
    fn read_returns_the_batch_holding_the_offset_and_stops_at_max_offset() {
        let mut log = PartitionLog::new(config(), 0);
        log.append_as_leader(&batch(&["a", "b"]), 0, 0);
        log.append_as_leader(&batch(&["c"]), 0, 0);
        let read = log.read(1, 2, 1 << 20).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].base_offset, 0);
        assert_eq!(log.read(4, 4, 100), Err(ErrorCode::OFFSET_OUT_OF_RANGE));
    }

    #[test]
    fn power_failure_loses_only_unflushed_records() {
        let mut log = PartitionLog::new(config(), 0);
        log.append_as_leader(&batch(&["a"]), 0, 0);
        log.flush();
        log.append_as_leader(&batch(&["b", "c"]), 0, 0);
        assert_eq!(log.lose_unflushed(), 2);
        assert_eq!(log.log_end_offset(), 1);
    }

    #[test]
    fn follower_append_skips_what_it_has_and_accepts_compaction_gaps() {
        let mut leader = PartitionLog::new(config(), 0);
        let b0 = leader.append_as_leader(&batch(&["a"]), 0, 0);
        let b1 = leader.append_as_leader(&batch(&["b"]), 0, 0);
        let b2 = leader.append_as_leader(&batch(&["c"]), 0, 0);
        let mut follower = PartitionLog::new(config(), 0);
        assert_eq!(follower.append_as_follower(std::slice::from_ref(&b0), 0), 1);
        assert_eq!(
            follower.append_as_follower(&[b0, b1.clone(), b2.clone()], 0),
            2
        );
        assert_eq!(follower.log_end_offset(), 3);
        // The leader's cleaner removed the batch at offset 1: the copy has a gap there.
        let mut gapped = PartitionLog::new(config(), 0);
        let b0 = leader.batches().next().unwrap().clone();
        assert_eq!(gapped.append_as_follower(&[b0, b2], 0), 2);
        let offsets: Vec<i64> = gapped.records().map(|(o, _, _)| o).collect();
        assert_eq!(offsets, vec![0, 2]);
        assert_eq!(gapped.log_end_offset(), 3);
        let _ = b1;
    }
}
