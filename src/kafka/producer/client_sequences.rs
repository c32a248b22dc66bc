//! The producer (client) side of idempotence for a non-transactional producer:
//! per-partition sequence numbers, the batches in flight, and what to do when the
//! broker answers `OUT_OF_ORDER_SEQUENCE_NUMBER` or `UNKNOWN_PRODUCER_ID`
//! (the idempotent parts of Kafka's `TransactionManager`, `TxnPartitionEntry` and
//! `RecordAccumulator.shouldStopDrainBatchesForPartition`).
//!
//! Lifecycle of a batch: [`ClientSequences::assign_sequence`] when it is first
//! drained into a produce request, then [`ClientSequences::handle_completed_batch`]
//! on success, or [`ClientSequences::decide_retry`] on an error response (and
//! [`ClientSequences::drain_retry`] when it is sent again), or
//! [`ClientSequences::handle_failed_batch`] when it is given up.
//! [`ClientSequences::bump_epoch_if_required`] runs at the top of every sender
//! loop, like `Sender.runOnce` calling `bumpIdempotentEpochAndResetIdIfNeeded`.
//!
//! KIP-360: a gap right after the last acknowledged batch means the broker lost
//! state or data, so the producer bumps its epoch locally and renumbers that
//! partition's in-flight batches from sequence 0; out-of-order errors of later
//! in-flight batches are only echoes of the first one and are retried as they are.
//! Not modelled: transactions, "unresolved" sequences of expired batches, and the
//! response's `logStartOffset` (for an idempotent producer every branch that uses
//! it bumps the epoch too, except a `-1` from a partition that just moved).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::kafka::sequence::increment_sequence;

/// Batches one partition may have in flight: `max.in.flight.requests.per.connection`
/// may not exceed 5 with idempotence, matching the broker's 5 retained batches.
pub const MAX_IN_FLIGHT_BATCHES_PER_PARTITION: i32 = 5;
/// `TxnPartitionEntry.NO_LAST_ACKED_SEQUENCE_NUMBER`.
pub const NO_LAST_ACKED_SEQUENCE_NUMBER: i32 = -1;

pub use crate::kafka::types::TopicPartition;

/// Kafka's `ProducerIdAndEpoch`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct ProducerIdAndEpoch {
    pub producer_id: i64,
    pub epoch: i16,
}

impl ProducerIdAndEpoch {
    /// `ProducerIdAndEpoch.NONE`: no producer id yet (InitProducerId pending).
    pub const NONE: ProducerIdAndEpoch = ProducerIdAndEpoch {
        producer_id: -1,
        epoch: -1,
    };
}

/// A batch sent at least once and not yet finished, with the producer fields it
/// carries *now* (an epoch bump rewrites them).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct InFlightBatch {
    batch_id: u64,
    producer_id_and_epoch: ProducerIdAndEpoch,
    base_sequence: i32,
    record_count: i32,
    sequence_has_been_reset: bool,
}

impl InFlightBatch {
    /// The accumulator's id for the batch.
    pub fn batch_id(&self) -> u64 {
        self.batch_id
    }
    /// Producer id and epoch written into the batch header.
    pub fn producer_id_and_epoch(&self) -> ProducerIdAndEpoch {
        self.producer_id_and_epoch
    }
    /// `baseSequence` written into the batch header.
    pub fn base_sequence(&self) -> i32 {
        self.base_sequence
    }
    /// Number of records in the batch.
    pub fn record_count(&self) -> i32 {
        self.record_count
    }
    /// Sequence of the last record, wrapping past 2147483647 to 0.
    pub fn last_sequence(&self) -> i32 {
        increment_sequence(self.base_sequence, self.record_count - 1)
    }
    /// Kafka's `sequenceHasBeenReset`: renumbered by an epoch bump and not yet
    /// sent again, so an error response for the old numbering is stale.
    pub fn sequence_has_been_reset(&self) -> bool {
        self.sequence_has_been_reset
    }
    /// Kafka's in-flight `TreeSet` order: producer id, epoch, base sequence.
    fn order_key(&self) -> (ProducerIdAndEpoch, i32) {
        (self.producer_id_and_epoch, self.base_sequence)
    }
}

/// Sequence state of one partition (Kafka's `TxnPartitionEntry`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct PartitionSequences {
    producer_id_and_epoch: ProducerIdAndEpoch,
    next_sequence: i32,
    last_acked_sequence: i32,
    // Invariant: sorted by InFlightBatch::order_key, at most
    // MAX_IN_FLIGHT_BATCHES_PER_PARTITION entries, batch ids unique.
    in_flight: Vec<InFlightBatch>,
}

impl PartitionSequences {
    fn new() -> PartitionSequences {
        PartitionSequences {
            producer_id_and_epoch: ProducerIdAndEpoch::NONE,
            next_sequence: 0,
            last_acked_sequence: NO_LAST_ACKED_SEQUENCE_NUMBER,
            in_flight: Vec::new(),
        }
    }
    /// Base sequence the next new batch gets.
    pub fn next_sequence(&self) -> i32 {
        self.next_sequence
    }
    /// Last sequence of the highest acknowledged batch, or -1.
    pub fn last_acked_sequence(&self) -> i32 {
        self.last_acked_sequence
    }
    /// In-flight batches in Kafka's order.
    pub fn in_flight(&self) -> &[InFlightBatch] {
        &self.in_flight
    }

    /// Kafka's `startSequencesAtBeginning`: renumber in-flight batches from 0
    /// under `producer_id_and_epoch`, in their current order.
    fn start_sequences_at_beginning(&mut self, producer_id_and_epoch: ProducerIdAndEpoch) {
        let mut sequence = 0;
        for batch in &mut self.in_flight {
            batch.producer_id_and_epoch = producer_id_and_epoch;
            batch.base_sequence = sequence;
            batch.sequence_has_been_reset = true;
            sequence += batch.record_count;
        }
        self.producer_id_and_epoch = producer_id_and_epoch;
        self.next_sequence = sequence;
        self.last_acked_sequence = NO_LAST_ACKED_SEQUENCE_NUMBER;
    }

    fn position(&self, batch_id: u64) -> Option<usize> {
        self.in_flight
            .iter()
            .position(|batch| batch.batch_id == batch_id)
    }
}

/// An error code in a produce response for one partition.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ProduceError {
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER`.
    OutOfOrderSequenceNumber,
    /// `UNKNOWN_PRODUCER_ID`: the broker has no state for the producer id.
    UnknownProducerId,
    /// Any other error; `retriable` says whether it is a `RetriableException`.
    Other { retriable: bool },
}

/// What the sender does with a batch whose response carried an error.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum RetryDecision {
    /// Re-enqueue the batch with its current producer fields.
    Retry,
    /// An epoch bump was requested; re-enqueue the batch, which the bump renumbers.
    BumpEpochAndRetry,
    /// Not retriable: fail the batch (then call `handle_failed_batch`).
    Fail,
}

/// Outcome of [`ClientSequences::bump_epoch_if_required`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum EpochBump {
    /// No bump was requested.
    NotRequired,
    /// The epoch went up by one; the requesting partitions restart at sequence 0.
    Bumped(ProducerIdAndEpoch),
    /// The epoch was `Short.MAX_VALUE`: the producer id is dropped and a new one
    /// must come from `InitProducerId` (see [`ClientSequences::set_producer_id_and_epoch`]).
    ProducerIdReset,
}

/// Misuse of the API by the sender, named like Kafka's `IllegalStateException`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct IllegalStateError(pub String);

impl fmt::Display for IllegalStateError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "IllegalStateException: {}", self.0)
    }
}

impl std::error::Error for IllegalStateError {}

/// Client-side idempotence state of one producer.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ClientSequences {
    producer_id_and_epoch: ProducerIdAndEpoch,
    partitions: BTreeMap<TopicPartition, PartitionSequences>,
    epoch_bump_required: bool,
    partitions_to_rewrite_sequences: BTreeSet<TopicPartition>,
}

impl ClientSequences {
    /// State after `InitProducerId` returned `producer_id_and_epoch`.
    pub fn new(producer_id_and_epoch: ProducerIdAndEpoch) -> ClientSequences {
        ClientSequences {
            producer_id_and_epoch,
            partitions: BTreeMap::new(),
            epoch_bump_required: false,
            partitions_to_rewrite_sequences: BTreeSet::new(),
        }
    }

    /// The producer id and epoch new batches get.
    pub fn producer_id_and_epoch(&self) -> ProducerIdAndEpoch {
        self.producer_id_and_epoch
    }

    /// A new id from `InitProducerId` after [`EpochBump::ProducerIdReset`].
    /// Partitions pick it up, restarting at 0, once their in-flight batches finish.
    pub fn set_producer_id_and_epoch(&mut self, producer_id_and_epoch: ProducerIdAndEpoch) {
        self.producer_id_and_epoch = producer_id_and_epoch;
    }

    /// Whether an epoch bump waits for the next sender loop.
    pub fn epoch_bump_required(&self) -> bool {
        self.epoch_bump_required
    }

    /// Sequence state of `topic_partition`, if it was ever used.
    pub fn partition(&self, topic_partition: &TopicPartition) -> Option<&PartitionSequences> {
        self.partitions.get(topic_partition)
    }

    /// The in-flight batch `batch_id` as it must be sent now.
    pub fn in_flight_batch(
        &self,
        topic_partition: &TopicPartition,
        batch_id: u64,
    ) -> Option<InFlightBatch> {
        let entry = self.partitions.get(topic_partition)?;
        entry.position(batch_id).map(|index| entry.in_flight[index])
    }

    /// Whether a batch without a sequence may be drained now
    /// (`shouldStopDrainBatchesForPartition` for a first send, plus the window of 5).
    pub fn may_drain_new_batch(&self, topic_partition: &TopicPartition) -> bool {
        if self.producer_id_and_epoch == ProducerIdAndEpoch::NONE {
            return false;
        }
        let Some(entry) = self.partitions.get(topic_partition) else {
            return true;
        };
        // A batch with a new epoch and sequence 0 must not overtake batches
        // still in flight under the old epoch.
        let stale = entry.producer_id_and_epoch != self.producer_id_and_epoch;
        let window_open = entry.in_flight.len() < MAX_IN_FLIGHT_BATCHES_PER_PARTITION as usize;
        (entry.in_flight.is_empty() || !stale) && window_open
    }

    /// Gives a new batch of `record_count` records the partition's next sequence
    /// and tracks it in flight (`RecordAccumulator.drain` calling
    /// `maybeUpdateProducerIdAndEpoch`, `sequenceNumber`, `incrementSequenceNumber`
    /// and `addInFlightBatch`).
    pub fn assign_sequence(
        &mut self,
        topic_partition: &TopicPartition,
        batch_id: u64,
        record_count: i32,
    ) -> Result<InFlightBatch, IllegalStateError> {
        if record_count < 1 {
            return Err(IllegalStateError(format!(
                "a batch holds at least one record, got {record_count}"
            )));
        }
        if !self.may_drain_new_batch(topic_partition) {
            return Err(IllegalStateError(format!(
                "Can't drain a new batch for partition {topic_partition:?} now: no producer id, \
                 in-flight batches of an older epoch, or {MAX_IN_FLIGHT_BATCHES_PER_PARTITION} in flight"
            )));
        }
        let current = self.producer_id_and_epoch;
        let entry = self
            .partitions
            .entry(*topic_partition)
            .or_insert_with(PartitionSequences::new);
        if entry.position(batch_id).is_some() {
            return Err(IllegalStateError(format!(
                "batch {batch_id} is already in flight"
            )));
        }
        // Kafka's maybeUpdateProducerIdAndEpoch: once a stale partition is drained,
        // it restarts at sequence 0 under the current id and epoch.
        if entry.producer_id_and_epoch != current {
            entry.start_sequences_at_beginning(current);
        }
        let batch = InFlightBatch {
            batch_id,
            producer_id_and_epoch: current,
            base_sequence: entry.next_sequence,
            record_count,
            sequence_has_been_reset: false,
        };
        entry.next_sequence = increment_sequence(entry.next_sequence, record_count);
        entry.in_flight.push(batch);
        entry.in_flight.sort_by_key(InFlightBatch::order_key);
        Ok(batch)
    }

    /// Whether in-flight batch `batch_id`, being retried, may be sent now: only
    /// the lowest in-flight sequence goes, so retries keep their order.
    pub fn may_drain_retry(&self, topic_partition: &TopicPartition, batch_id: u64) -> bool {
        let Some(entry) = self.partitions.get(topic_partition) else {
            return false;
        };
        let first = entry.in_flight.first().map(|batch| batch.base_sequence);
        let this = entry
            .position(batch_id)
            .map(|index| entry.in_flight[index].base_sequence);
        self.producer_id_and_epoch != ProducerIdAndEpoch::NONE && this.is_some() && this == first
    }

    /// Sends a retried batch again: returns its current producer fields and
    /// clears `sequence_has_been_reset`, as Kafka's `ProducerBatch.close()` does.
    pub fn drain_retry(
        &mut self,
        topic_partition: &TopicPartition,
        batch_id: u64,
    ) -> Result<InFlightBatch, IllegalStateError> {
        if !self.may_drain_retry(topic_partition, batch_id) {
            return Err(IllegalStateError(format!(
                "batch {batch_id} of {topic_partition:?} is not the first in-flight batch"
            )));
        }
        let entry = self
            .partitions
            .get_mut(topic_partition)
            .expect("checked by may_drain_retry");
        let index = entry
            .position(batch_id)
            .expect("checked by may_drain_retry");
        entry.in_flight[index].sequence_has_been_reset = false;
        Ok(entry.in_flight[index])
    }

    /// Kafka's `handleCompletedBatch`: the broker acknowledged the batch.
    pub fn handle_completed_batch(
        &mut self,
        topic_partition: &TopicPartition,
        batch_id: u64,
    ) -> Result<(), IllegalStateError> {
        let batch = self.remove_in_flight(topic_partition, batch_id)?;
        let entry = self
            .partitions
            .get_mut(topic_partition)
            .expect("remove_in_flight found it");
        // A plain comparison, as in Kafka's maybeUpdateLastAckedSequence: after a
        // wrap past 2147483647 the small new sequence does not replace the big one.
        entry.last_acked_sequence = entry.last_acked_sequence.max(batch.last_sequence());
        Ok(())
    }

    /// Kafka's `TransactionManager.canRetry` for an idempotent producer. The
    /// sender additionally fails the batch once `retries` or
    /// `delivery.timeout.ms` is exhausted.
    pub fn decide_retry(
        &mut self,
        topic_partition: &TopicPartition,
        batch_id: u64,
        error: ProduceError,
    ) -> Result<RetryDecision, IllegalStateError> {
        let batch = self
            .in_flight_batch(topic_partition, batch_id)
            .ok_or_else(|| IllegalStateError(format!("batch {batch_id} is not in flight")))?;
        let decision = match error {
            // An answer to the numbering an earlier bump already replaced.
            ProduceError::UnknownProducerId | ProduceError::OutOfOrderSequenceNumber
                if batch.sequence_has_been_reset =>
            {
                RetryDecision::Retry
            }
            // The broker lost this producer's state: start over at 0.
            ProduceError::UnknownProducerId => RetryDecision::BumpEpochAndRetry,
            ProduceError::OutOfOrderSequenceNumber => {
                if self.is_next_sequence(topic_partition, batch.base_sequence) {
                    // The batch right after the last acknowledged one was refused:
                    // a real gap, renumber everything from 0 under a new epoch.
                    RetryDecision::BumpEpochAndRetry
                } else {
                    // A later batch refused because an earlier one failed first.
                    RetryDecision::Retry
                }
            }
            ProduceError::Other { retriable: true } => RetryDecision::Retry,
            ProduceError::Other { retriable: false } => RetryDecision::Fail,
        };
        if decision == RetryDecision::BumpEpochAndRetry {
            self.request_epoch_bump_for_partition(topic_partition);
        }
        Ok(decision)
    }

    /// Kafka's `handleFailedBatch` for an idempotent producer: the batch is given
    /// up. `adjust_sequence_numbers` is false when retries ran out (the broker may
    /// have the batch after all, so its sequence must not be reused).
    pub fn handle_failed_batch(
        &mut self,
        topic_partition: &TopicPartition,
        batch_id: u64,
        error: ProduceError,
        adjust_sequence_numbers: bool,
    ) -> Result<(), IllegalStateError> {
        self.remove_in_flight(topic_partition, batch_id)?;
        match error {
            ProduceError::OutOfOrderSequenceNumber => {
                self.request_epoch_bump_for_partition(topic_partition)
            }
            // The broker will accept sequence 0 from this producer id again.
            ProduceError::UnknownProducerId => {
                self.partitions.remove(topic_partition);
                self.partitions_to_rewrite_sequences.remove(topic_partition);
            }
            ProduceError::Other { .. } if adjust_sequence_numbers => {
                self.request_epoch_bump_for_partition(topic_partition)
            }
            ProduceError::Other { .. } => {}
        }
        Ok(())
    }

    /// Kafka's `bumpIdempotentEpochAndResetIdIfNeeded` (non-transactional).
    pub fn bump_epoch_if_required(&mut self) -> EpochBump {
        if !self.epoch_bump_required {
            return EpochBump::NotRequired;
        }
        let outcome = if self.producer_id_and_epoch.epoch == i16::MAX {
            self.producer_id_and_epoch = ProducerIdAndEpoch::NONE;
            EpochBump::ProducerIdReset
        } else {
            self.producer_id_and_epoch.epoch += 1;
            EpochBump::Bumped(self.producer_id_and_epoch)
        };
        let current = self.producer_id_and_epoch;
        for topic_partition in std::mem::take(&mut self.partitions_to_rewrite_sequences) {
            if let Some(entry) = self.partitions.get_mut(&topic_partition) {
                entry.start_sequences_at_beginning(current);
            }
        }
        self.epoch_bump_required = false;
        outcome
    }

    /// Kafka's `isNextSequence`: `sequence - lastAcked == 1` in Java int
    /// arithmetic, so after a wrap (last acked 2147483647, next 0) it is false.
    fn is_next_sequence(&self, topic_partition: &TopicPartition, sequence: i32) -> bool {
        let last_acked = self
            .partitions
            .get(topic_partition)
            .map_or(NO_LAST_ACKED_SEQUENCE_NUMBER, |entry| {
                entry.last_acked_sequence
            });
        sequence.wrapping_sub(last_acked) == 1
    }

    fn request_epoch_bump_for_partition(&mut self, topic_partition: &TopicPartition) {
        self.epoch_bump_required = true;
        self.partitions_to_rewrite_sequences
            .insert(*topic_partition);
    }

    fn remove_in_flight(
        &mut self,
        topic_partition: &TopicPartition,
        batch_id: u64,
    ) -> Result<InFlightBatch, IllegalStateError> {
        let entry = self.partitions.get_mut(topic_partition);
        let index = entry.as_ref().and_then(|entry| entry.position(batch_id));
        match (entry, index) {
            (Some(entry), Some(index)) => Ok(entry.in_flight.remove(index)),
            _ => Err(IllegalStateError(format!(
                "batch {batch_id} of {topic_partition:?} is not in flight"
            ))),
        }
    }
}
