//! The leader-epoch cache of one replica: which leader epoch began at which offset.
//!
//! A port of Kafka's `LeaderEpochFileCache` (storage/.../epoch/LeaderEpochFileCache.java) without
//! the checkpoint file, the lock and the scheduler. Every record batch carries the leader epoch of
//! the leader that appended it; the cache remembers, per epoch, the first offset written in it.
//! Leaders answer "where does epoch E end?" from it (`end_offset_for`), and followers use the
//! answer to truncate divergent suffixes (see `truncation`).

/// Kafka's `UNDEFINED_EPOCH` (`OffsetsForLeaderEpochResponse`).
pub const UNDEFINED_EPOCH: i32 = -1;
/// Kafka's `UNDEFINED_EPOCH_OFFSET` (`OffsetsForLeaderEpochResponse`).
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// One cache entry: `epoch` began at `start_offset` (Kafka's `EpochEntry`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

/// What a caller can get wrong when assigning an epoch.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum EpochCacheError {
    /// Kafka throws `IllegalArgumentException("Received invalid partition leader epoch entry")`
    /// for a negative epoch or a negative start offset.
    InvalidEpochEntry { epoch: i32, start_offset: i64 },
}

/// The leader-epoch cache.
///
/// Invariant: `entries` is strictly increasing in `epoch` **and** strictly increasing in
/// `start_offset`. Kafka keeps a `TreeMap<epoch, entry>` and enforces the second half by
/// deleting conflicting entries on every assign; a sorted `Vec` holds the same data with a
/// deterministic iteration order and is tiny in practice (one entry per leader change).
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    /// An empty cache, as on a replica that has never appended a batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// All entries, oldest epoch first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// Records that `epoch` starts at `start_offset`, the way Kafka does on every append of a
    /// batch and when a broker becomes leader.
    ///
    /// Nothing changes if `epoch` is already the latest epoch and starts at or before
    /// `start_offset` (an epoch, once assigned, keeps its first offset). Otherwise every entry
    /// whose epoch is `>= epoch` or whose start offset is `>= start_offset` is removed first,
    /// newest first, so the cache stays monotonic in both fields. Those removals are how a
    /// replica forgets epochs that a later, smaller assignment proves were never committed.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<(), EpochCacheError> {
        if epoch < 0 || start_offset < 0 {
            return Err(EpochCacheError::InvalidEpochEntry {
                epoch,
                start_offset,
            });
        }
        let update_needed = match self.entries.last() {
            Some(latest) => epoch != latest.epoch || start_offset < latest.start_offset,
            None => true,
        };
        if !update_needed {
            return Ok(());
        }
        // Kafka's `maybeTruncateNonMonotonicEntries`: walk from the newest entry and stop at the
        // first one that is older in both epoch and start offset.
        while let Some(latest) = self.entries.last() {
            if latest.epoch >= epoch || latest.start_offset >= start_offset {
                self.entries.pop();
            } else {
                break;
            }
        }
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        Ok(())
    }

    /// The newest entry, if any.
    pub fn latest_entry(&self) -> Option<EpochEntry> {
        self.entries.last().copied()
    }

    /// The latest epoch that has messages assigned to it (Kafka's `latestEpoch`).
    pub fn latest_epoch(&self) -> Option<i32> {
        self.latest_entry().map(|entry| entry.epoch)
    }

    /// The epoch just before the latest one (Kafka's `previousEpoch()`).
    pub fn previous_epoch(&self) -> Option<i32> {
        let count = self.entries.len();
        if count < 2 {
            return None;
        }
        Some(self.entries[count - 2].epoch)
    }

    /// Kafka's `endOffsetFor(requestedEpoch, logEndOffset)`: the largest epoch `<=
    /// requested_epoch` and the offset where it ends, i.e. the start offset of the next higher
    /// epoch, or `log_end_offset` when the requested epoch is the latest one.
    ///
    /// Special cases, all Kafka's:
    /// * `requested_epoch == UNDEFINED_EPOCH`, an empty cache, or an epoch above every known
    ///   epoch give `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`.
    /// * An epoch below every known epoch gives `(requested_epoch, start of the first epoch)`:
    ///   the data before it is gone, so the follower should replicate from there.
    pub fn end_offset_for(&self, requested_epoch: i32, log_end_offset: i64) -> (i32, i64) {
        if requested_epoch == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == Some(requested_epoch) {
            // The leader is still writing to its latest epoch, so that epoch ends at the log end.
            return (requested_epoch, log_end_offset);
        }
        let higher = self
            .entries
            .iter()
            .find(|entry| entry.epoch > requested_epoch);
        let floor = self
            .entries
            .iter()
            .rev()
            .find(|entry| entry.epoch <= requested_epoch);
        match (floor, higher) {
            (_, None) => (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET),
            (None, Some(higher)) => (requested_epoch, higher.start_offset),
            (Some(floor), Some(higher)) => (floor.epoch, higher.start_offset),
        }
    }

    /// Removes every entry whose start offset is `>= end_offset`, as when the log is truncated
    /// to `end_offset`. A negative `end_offset` (Kafka's "undefined") removes nothing.
    pub fn truncate_from_end(&mut self, end_offset: i64) {
        if end_offset < 0 {
            return;
        }
        while self
            .entries
            .last()
            .is_some_and(|latest| latest.start_offset >= end_offset)
        {
            self.entries.pop();
        }
    }

    /// Forgets offsets below `start_offset`, as when the log start offset moves up (retention,
    /// DeleteRecords). Exclusive: an entry starting exactly at `start_offset` is kept.
    ///
    /// Entries starting at or before `start_offset` are removed, and the newest of them comes
    /// back starting at `start_offset`, because the records from `start_offset` up to the next
    /// epoch still belong to that epoch.
    pub fn truncate_from_start(&mut self, start_offset: i64) {
        let removed = self
            .entries
            .iter()
            .take_while(|entry| entry.start_offset <= start_offset)
            .count();
        if removed == 0 {
            return;
        }
        let kept_epoch = self.entries[removed - 1].epoch;
        self.entries.drain(..removed);
        self.entries.insert(
            0,
            EpochEntry {
                epoch: kept_epoch,
                start_offset,
            },
        );
    }

    /// The epoch that `offset` belongs to, or `None` if it precedes every entry (Kafka's
    /// `epochForOffset`). Offsets past the log end report the latest epoch, as in Kafka.
    pub fn epoch_for_offset(&self, offset: i64) -> Option<i32> {
        let mut previous_epoch = None;
        for entry in &self.entries {
            if entry.start_offset == offset {
                return Some(entry.epoch);
            }
            if entry.start_offset > offset {
                return previous_epoch;
            }
            previous_epoch = Some(entry.epoch);
        }
        previous_epoch
    }

    /// Deletes every entry (Kafka's `clearAndFlush`), used when a log is truncated fully.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
