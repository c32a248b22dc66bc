//! Broker-side idempotence state of one partition: for each producer id, its
//! epoch and the metadata of its last 5 batches (Kafka's `ProducerStateManager`,
//! `ProducerStateEntry`, `ProducerAppendInfo` and `UnifiedLog.analyzeAndValidateProducerState`).
//!
//! The leader checks every client batch against this state before the log
//! appends it, in Kafka's order:
//! 1. an exact duplicate (same epoch, same first and last sequence) of one of the
//!    5 retained batches is not appended again; the original offsets are returned;
//! 2. an epoch lower than the known one is `INVALID_PRODUCER_EPOCH`;
//! 3. a new (higher) epoch must start at sequence 0;
//! 4. the same epoch must continue at last sequence + 1 (0 after 2147483647);
//! 5. a producer id without state (never seen, or expired) may start anywhere.
//!
//! Steps 3-5 raise `OUT_OF_ORDER_SEQUENCE_NUMBER`. Followers (replication origin)
//! skip the sequence checks and accept gaps; the coordinator origin (transaction
//! markers, offset commits) checks only the epoch.
//!
//! Kafka 4.0's broker never answers `UNKNOWN_PRODUCER_ID` on this path (step 5
//! accepts instead); that error name lives in `client_sequences`.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use crate::kafka::sequence::{decrement_sequence, IdempotentBatch, NO_PRODUCER_EPOCH, NO_SEQUENCE};

/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`: why at most 5 requests may be in
/// flight per connection for an idempotent producer.
pub const NUM_BATCHES_TO_RETAIN: i32 = 5;

/// Who is appending (Kafka's `AppendOrigin`); it decides how much is validated.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub enum AppendOrigin {
    /// A produce request on the leader: epoch and sequence are validated.
    Client,
    /// A follower copying the leader's log: nothing is rejected.
    Replication,
    /// Written by a coordinator (transaction markers): only the epoch is validated.
    Coordinator,
}

/// Kafka's `ControlRecordType` for transaction markers. Both kinds update the
/// producer's epoch the same way; the kind only matters to transactions.
pub use crate::kafka::record::ControlRecordType;

/// Result of a client append that passed validation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum AppendOutcome {
    /// The batch is new and was written at these offsets.
    Appended { first_offset: i64, last_offset: i64 },
    /// The batch repeats a retained one: not written again, and the response
    /// carries the original batch's offsets (success for the producer).
    Duplicate { first_offset: i64, last_offset: i64 },
}

/// A rejected append, with Kafka's error code name and exception message.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum ProducerStateError {
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER` (`OutOfOrderSequenceException`).
    OutOfOrderSequenceNumber(String),
    /// `INVALID_PRODUCER_EPOCH` (`InvalidProducerEpochException`).
    InvalidProducerEpoch(String),
}

impl ProducerStateError {
    /// Kafka's `Errors` name sent in the produce response.
    pub fn error_name(&self) -> &'static str {
        match self {
            ProducerStateError::OutOfOrderSequenceNumber(_) => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            ProducerStateError::InvalidProducerEpoch(_) => "INVALID_PRODUCER_EPOCH",
        }
    }

    /// The exception message, word for word as the Kafka broker builds it.
    pub fn message(&self) -> &str {
        match self {
            ProducerStateError::OutOfOrderSequenceNumber(message)
            | ProducerStateError::InvalidProducerEpoch(message) => message,
        }
    }
}

impl fmt::Display for ProducerStateError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.error_name(), self.message())
    }
}

impl std::error::Error for ProducerStateError {}

/// Metadata of one retained batch, stored as Kafka stores it (`BatchMetadata`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct BatchMetadata {
    last_sequence: i32,
    last_offset: i64,
    // Invariant: offset_delta >= 0; first offset = last_offset - offset_delta.
    offset_delta: i32,
}

impl BatchMetadata {
    /// First sequence, derived from the last one and the offset delta as Kafka does.
    pub fn first_sequence(&self) -> i32 {
        decrement_sequence(self.last_sequence, self.offset_delta)
    }

    /// Last sequence of the batch.
    pub fn last_sequence(&self) -> i32 {
        self.last_sequence
    }

    /// Offset of the batch's first record.
    pub fn first_offset(&self) -> i64 {
        self.last_offset - i64::from(self.offset_delta)
    }

    /// Offset of the batch's last record.
    pub fn last_offset(&self) -> i64 {
        self.last_offset
    }
}

/// State of one producer id on one partition (Kafka's `ProducerStateEntry`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ProducerStateEntry {
    producer_epoch: i16,
    // Invariant: at most NUM_BATCHES_TO_RETAIN entries, oldest first, all written
    // with producer_epoch (an epoch change clears them).
    batch_metadata: VecDeque<BatchMetadata>,
}

impl ProducerStateEntry {
    /// Kafka's `ProducerStateEntry.empty`: what an unknown producer id looks like.
    fn empty() -> ProducerStateEntry {
        ProducerStateEntry {
            producer_epoch: NO_PRODUCER_EPOCH,
            batch_metadata: VecDeque::new(),
        }
    }

    /// The last epoch seen from this producer.
    pub fn producer_epoch(&self) -> i16 {
        self.producer_epoch
    }

    /// The retained batches, oldest first.
    pub fn batch_metadata(&self) -> impl ExactSizeIterator<Item = &BatchMetadata> {
        self.batch_metadata.iter()
    }

    /// First sequence of the oldest retained batch, or `NO_SEQUENCE` (-1).
    pub fn first_sequence(&self) -> i32 {
        self.batch_metadata
            .front()
            .map_or(NO_SEQUENCE, BatchMetadata::first_sequence)
    }

    /// Last sequence of the newest retained batch, or `NO_SEQUENCE` (-1).
    pub fn last_sequence(&self) -> i32 {
        self.batch_metadata
            .back()
            .map_or(NO_SEQUENCE, BatchMetadata::last_sequence)
    }

    /// Kafka's `findDuplicateBatch`: a retained batch with the same epoch and the
    /// exact same sequence range. A partial overlap is not a duplicate.
    fn find_duplicate_batch(&self, batch: &IdempotentBatch) -> Option<BatchMetadata> {
        if batch.producer_epoch != self.producer_epoch {
            return None;
        }
        self.batch_metadata.iter().copied().find(|metadata| {
            metadata.first_sequence() == batch.first_sequence
                && metadata.last_sequence == batch.last_sequence
        })
    }

    /// Kafka's `maybeUpdateProducerEpoch`: batches of an older epoch are forgotten.
    fn maybe_update_producer_epoch(&mut self, producer_epoch: i16) {
        if self.producer_epoch != producer_epoch {
            self.batch_metadata.clear();
            self.producer_epoch = producer_epoch;
        }
    }

    /// Kafka's `addBatch`: the oldest retained batch makes room for the new one.
    fn add_batch(&mut self, producer_epoch: i16, metadata: BatchMetadata) {
        self.maybe_update_producer_epoch(producer_epoch);
        if self.batch_metadata.len() == NUM_BATCHES_TO_RETAIN as usize {
            self.batch_metadata.pop_front();
        }
        self.batch_metadata.push_back(metadata);
    }
}

/// Producer state of one partition replica (Kafka's `ProducerStateManager`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ProducerStateManager {
    /// `topic-partition` as Kafka prints it in error messages, e.g. `orders-0`.
    topic_partition: String,
    producers: BTreeMap<i64, ProducerStateEntry>,
}

impl ProducerStateManager {
    /// Empty state for `topic`'s partition `partition`.
    pub fn new(topic: &str, partition: i32) -> ProducerStateManager {
        ProducerStateManager {
            topic_partition: format!("{topic}-{partition}"),
            producers: BTreeMap::new(),
        }
    }

    /// Kafka's `lastEntry`: the state of `producer_id`, if the broker has any.
    pub fn last_entry(&self, producer_id: i64) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    /// Producer ids with state, in ascending order.
    pub fn producer_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.producers.keys().copied()
    }

    /// The log layer's check and update for one batch the log is about to write
    /// at `first_offset..=last_offset` (`UnifiedLog.analyzeAndValidateProducerState`
    /// followed by `ProducerStateManager.update`). On `Duplicate` or `Err` the log
    /// must not write the batch.
    pub fn validate_and_append(
        &mut self,
        batch: &IdempotentBatch,
        first_offset: i64,
        last_offset: i64,
        origin: AppendOrigin,
    ) -> Result<AppendOutcome, ProducerStateError> {
        // Only client appends are deduplicated: followers copy what the leader wrote.
        if origin == AppendOrigin::Client {
            let duplicate = self
                .last_entry(batch.producer_id)
                .and_then(|entry| entry.find_duplicate_batch(batch));
            if let Some(original) = duplicate {
                return Ok(AppendOutcome::Duplicate {
                    first_offset: original.first_offset(),
                    last_offset: original.last_offset(),
                });
            }
        }
        self.append_data_batch(batch, first_offset, last_offset, origin)?;
        Ok(AppendOutcome::Appended {
            first_offset,
            last_offset,
        })
    }

    /// `ProducerAppendInfo.appendDataBatch` plus `ProducerStateManager.update`,
    /// without the log layer's duplicate check: an exact retry of the last batch
    /// is `OUT_OF_ORDER_SEQUENCE_NUMBER` here.
    ///
    /// Panics if `last_offset < first_offset`: the log assigns offsets upwards.
    pub fn append_data_batch(
        &mut self,
        batch: &IdempotentBatch,
        first_offset: i64,
        last_offset: i64,
        origin: AppendOrigin,
    ) -> Result<(), ProducerStateError> {
        let offset_delta = i32::try_from(last_offset - first_offset)
            .ok()
            .filter(|delta| *delta >= 0)
            .expect("a batch spans 0..=i32::MAX offsets upwards");
        let current = self.current_entry(batch.producer_id);
        self.check_producer_epoch(
            &current,
            batch.producer_id,
            batch.producer_epoch,
            first_offset,
            origin,
        )?;
        if origin == AppendOrigin::Client {
            self.check_sequence(&current, batch, first_offset)?;
        }
        let metadata = BatchMetadata {
            last_sequence: batch.last_sequence,
            last_offset,
            offset_delta,
        };
        self.entry_mut(batch.producer_id)
            .add_batch(batch.producer_epoch, metadata);
        Ok(())
    }

    /// A transaction marker (`ProducerAppendInfo.appendEndTxnMarker`) written at
    /// `offset`. Its epoch becomes the producer's epoch; a higher epoch (the
    /// coordinator's epoch bump when aborting) forgets the retained batches, so the
    /// producer must restart at sequence 0.
    pub fn append_end_transaction_marker(
        &mut self,
        producer_id: i64,
        producer_epoch: i16,
        control_type: ControlRecordType,
        offset: i64,
        origin: AppendOrigin,
    ) -> Result<(), ProducerStateError> {
        // Commit and abort update idempotence state identically.
        let _ = control_type;
        let current = self.current_entry(producer_id);
        self.check_producer_epoch(&current, producer_id, producer_epoch, offset, origin)?;
        self.entry_mut(producer_id)
            .maybe_update_producer_epoch(producer_epoch);
        Ok(())
    }

    /// Kafka's `prepareUpdate` starting point: the stored entry or an empty one.
    fn current_entry(&self, producer_id: i64) -> ProducerStateEntry {
        self.last_entry(producer_id)
            .cloned()
            .unwrap_or_else(ProducerStateEntry::empty)
    }

    fn entry_mut(&mut self, producer_id: i64) -> &mut ProducerStateEntry {
        self.producers
            .entry(producer_id)
            .or_insert_with(ProducerStateEntry::empty)
    }

    /// Kafka's `checkProducerEpoch`: followers only log a warning, everyone else
    /// is fenced with `INVALID_PRODUCER_EPOCH`.
    fn check_producer_epoch(
        &self,
        current: &ProducerStateEntry,
        producer_id: i64,
        producer_epoch: i16,
        offset: i64,
        origin: AppendOrigin,
    ) -> Result<(), ProducerStateError> {
        if producer_epoch < current.producer_epoch && origin != AppendOrigin::Replication {
            return Err(ProducerStateError::InvalidProducerEpoch(format!(
                "Epoch of producer {producer_id} at offset {offset} in {} is {producer_epoch}, \
                 which is smaller than the last seen epoch {}",
                self.topic_partition, current.producer_epoch
            )));
        }
        Ok(())
    }

    /// Kafka's `checkSequence` for a single-batch append (the verification-guard
    /// branch for transactions is not modelled).
    fn check_sequence(
        &self,
        current: &ProducerStateEntry,
        batch: &IdempotentBatch,
        offset: i64,
    ) -> Result<(), ProducerStateError> {
        let (producer_id, epoch, first_sequence) = (
            batch.producer_id,
            batch.producer_epoch,
            batch.first_sequence,
        );
        if epoch != current.producer_epoch {
            // A new epoch restarts at 0, unless the broker knows no epoch at all.
            if first_sequence != 0 && current.producer_epoch != NO_PRODUCER_EPOCH {
                // Kafka's message really lacks the space before "at offset".
                return Err(ProducerStateError::OutOfOrderSequenceNumber(format!(
                    "Invalid sequence number for new epoch of producer {producer_id}at offset \
                     {offset} in partition {}: {epoch} (request epoch), {first_sequence} \
                     (seq. number), {} (current producer epoch)",
                    self.topic_partition, current.producer_epoch
                )));
            }
            return Ok(());
        }
        let current_last_sequence = current.last_sequence();
        if current.producer_epoch != NO_PRODUCER_EPOCH
            && !in_sequence(current_last_sequence, first_sequence)
        {
            return Err(ProducerStateError::OutOfOrderSequenceNumber(format!(
                "Out of order sequence number for producer {producer_id} at offset {offset} in \
                 partition {}: {first_sequence} (incoming seq. number), {current_last_sequence} \
                 (current end sequence number)",
                self.topic_partition
            )));
        }
        Ok(())
    }
}

/// Kafka's `inSequence`: next = last + 1 computed in 64 bits, or the wrap from
/// `Integer.MAX_VALUE` to 0. With no retained batch (last = -1) only 0 fits.
fn in_sequence(last_sequence: i32, next_sequence: i32) -> bool {
    i64::from(next_sequence) == i64::from(last_sequence) + 1
        || (next_sequence == 0 && last_sequence == i32::MAX)
}
