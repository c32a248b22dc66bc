//! The smallest log that can take part in replication: records, a leader-epoch cache and a
//! high watermark, kept consistent with each other.
//!
//! This models what Kafka's `UnifiedLog` does to the epoch cache and the high watermark on
//! append, on becoming leader and on truncation (`UnifiedLog.truncateTo`,
//! `truncateFullyAndStartAt`). Segments, batches, producer state and retention are out of scope;
//! one `LogEntry` stands for one single-record batch.

use kafka_classroom::kafka::log::epoch_cache::{EpochCacheError, LeaderEpochCache};

/// One record: its offset, the leader epoch it was written in, and a payload to show students.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct LogEntry {
    pub offset: i64,
    pub epoch: i32,
    pub value: String,
}

/// What a caller can get wrong when building or changing a log.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum LogError {
    /// Records must be appended at the log end offset, without gaps.
    OffsetNotAtLogEnd { offset: i64, log_end_offset: i64 },
    /// A batch may not carry an epoch older than the newest epoch in the log.
    EpochRegression { epoch: i32, latest_epoch: i32 },
    /// Kafka refuses to truncate to a negative offset (`IllegalArgumentException`).
    NegativeTruncationOffset(i64),
    /// The epoch cache refused the entry (negative epoch or offset).
    EpochCache(EpochCacheError),
}

/// One replica's copy of a partition.
///
/// Invariants: `entries` hold the consecutive offsets `log_start_offset..log_end_offset()`;
/// their epochs never decrease; `epoch_cache` holds exactly the epoch boundaries of `entries`
/// plus, at most, one entry at `log_end_offset()` written by `become_leader` before the new
/// leader appended anything; `log_start_offset <= high_watermark <= log_end_offset()`.
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct ReplicaLog {
    entries: Vec<LogEntry>,
    epoch_cache: LeaderEpochCache,
    log_start_offset: i64,
    high_watermark: i64,
}

impl ReplicaLog {
    /// An empty log starting at offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log holding `entries` (offsets from `entries[0].offset`, consecutive), with its epoch
    /// cache built the way appends build it and the given high watermark (clamped to the log).
    pub fn from_entries(entries: Vec<LogEntry>, high_watermark: i64) -> Result<Self, LogError> {
        let mut log = ReplicaLog::new();
        if let Some(first) = entries.first() {
            log.log_start_offset = first.offset;
            log.high_watermark = first.offset;
        }
        for entry in entries {
            log.append(entry)?;
        }
        log.high_watermark = high_watermark.clamp(log.log_start_offset, log.log_end_offset());
        Ok(log)
    }

    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    pub fn epoch_cache(&self) -> &LeaderEpochCache {
        &self.epoch_cache
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// The offset the next appended record will get.
    pub fn log_end_offset(&self) -> i64 {
        self.log_start_offset + self.entries.len() as i64
    }

    pub fn high_watermark(&self) -> i64 {
        self.high_watermark
    }

    /// The records from `offset` to the log end (empty if `offset` is at or past the end).
    pub fn read_from(&self, offset: i64) -> &[LogEntry] {
        let skip = (offset - self.log_start_offset).clamp(0, self.entries.len() as i64);
        &self.entries[skip as usize..]
    }

    /// Appends one record at the log end and records its epoch in the cache, as
    /// `UnifiedLog.append` does for every batch.
    pub fn append(&mut self, entry: LogEntry) -> Result<(), LogError> {
        let log_end_offset = self.log_end_offset();
        if entry.offset != log_end_offset {
            return Err(LogError::OffsetNotAtLogEnd {
                offset: entry.offset,
                log_end_offset,
            });
        }
        if let Some(latest_epoch) = self.epoch_cache.latest_epoch() {
            if entry.epoch < latest_epoch {
                return Err(LogError::EpochRegression {
                    epoch: entry.epoch,
                    latest_epoch,
                });
            }
        }
        self.epoch_cache
            .assign(entry.epoch, entry.offset)
            .map_err(LogError::EpochCache)?;
        self.entries.push(entry);
        Ok(())
    }

    /// Starts `leader_epoch` at the current log end offset, as `Partition.makeLeader` does, so
    /// that followers asking about older epochs learn where those epochs ended.
    pub fn become_leader(&mut self, leader_epoch: i32) -> Result<(), LogError> {
        let log_end_offset = self.log_end_offset();
        self.epoch_cache
            .assign(leader_epoch, log_end_offset)
            .map_err(LogError::EpochCache)
    }

    /// Sets the high watermark, kept within `log_start_offset..=log_end_offset()`. A follower
    /// passes the leader's high watermark from a fetch response; the clamp is Kafka's
    /// `min(leaderHW, followerLEO)`.
    pub fn update_high_watermark(&mut self, high_watermark: i64) {
        self.high_watermark = high_watermark.clamp(self.log_start_offset, self.log_end_offset());
    }

    /// Removes every record at or above `offset` (Kafka's `UnifiedLog.truncateTo`).
    ///
    /// Even when nothing is removed the epoch cache is cut at the log end, because a broker that
    /// became leader but appended nothing left an entry there that the new leader never saw.
    /// Truncating below the log start offset empties the log and restarts it at `offset`
    /// (`truncateFullyAndStartAt`).
    pub fn truncate_to(&mut self, offset: i64) -> Result<(), LogError> {
        if offset < 0 {
            return Err(LogError::NegativeTruncationOffset(offset));
        }
        if offset >= self.log_end_offset() {
            self.epoch_cache.truncate_from_end(self.log_end_offset());
            return Ok(());
        }
        if offset < self.log_start_offset {
            return self.truncate_fully_and_start_at(offset);
        }
        let keep = offset - self.log_start_offset;
        self.entries.truncate(keep as usize);
        self.epoch_cache.truncate_from_end(offset);
        self.high_watermark = self.high_watermark.min(self.log_end_offset());
        Ok(())
    }

    /// Drops every record and restarts the log at `offset` (Kafka's `truncateFullyAndStartAt`),
    /// used when the leader's log start offset is past this replica's log end.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<(), LogError> {
        if offset < 0 {
            return Err(LogError::NegativeTruncationOffset(offset));
        }
        self.entries.clear();
        self.epoch_cache.clear();
        self.log_start_offset = offset;
        self.high_watermark = offset;
        Ok(())
    }
}
