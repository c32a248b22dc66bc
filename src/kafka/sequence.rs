//! Producer fields of a record batch header and their sequence arithmetic
//! (Kafka's `RecordBatch` constants and `DefaultRecordBatch.incrementSequence` /
//! `decrementSequence`), shared by the broker and the client side of idempotence.
//!
//! Sequence numbers are per producer id, per partition, and wrap from
//! `Integer.MAX_VALUE` (2147483647) back to 0; they are never negative.

/// `RecordBatch.NO_PRODUCER_ID`: the batch was written without idempotence.
pub const NO_PRODUCER_ID: i64 = -1;
/// `RecordBatch.NO_PRODUCER_EPOCH`: no epoch known (e.g. a producer the broker never saw).
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// `RecordBatch.NO_SEQUENCE`.
pub const NO_SEQUENCE: i32 = -1;

/// `DefaultRecordBatch.incrementSequence`: `sequence + increment`, wrapping
/// past `Integer.MAX_VALUE` to 0 (so `increment_sequence(i32::MAX, 1) == 0`).
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

/// `DefaultRecordBatch.decrementSequence`: the inverse of [`increment_sequence`]
/// (so `decrement_sequence(0, 1) == i32::MAX`).
pub fn decrement_sequence(sequence: i32, decrement: i32) -> i32 {
    if sequence < decrement {
        i32::MAX - (decrement - sequence) + 1
    } else {
        sequence - decrement
    }
}

/// The producer fields of one idempotent record batch, as a produce request
/// carries them (`producerId`, `producerEpoch`, `baseSequence`, `lastSequence`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct IdempotentBatch {
    /// The producer id (PID) from `InitProducerId`.
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    /// Sequence of the first record (`baseSequence`).
    pub first_sequence: i32,
    /// Sequence of the last record (`lastSequence`).
    pub last_sequence: i32,
}

impl IdempotentBatch {
    /// A batch of `record_count` records starting at `base_sequence`; its last
    /// sequence wraps like Kafka's `DefaultRecordBatch.lastSequence()`.
    ///
    /// Panics if `record_count < 1` or `base_sequence < 0`: the producer never
    /// builds such a batch.
    pub fn with_record_count(
        producer_id: i64,
        producer_epoch: i16,
        base_sequence: i32,
        record_count: i32,
    ) -> IdempotentBatch {
        assert!(record_count >= 1, "a batch holds at least one record");
        assert!(base_sequence >= 0, "sequences are never negative");
        IdempotentBatch {
            producer_id,
            producer_epoch,
            first_sequence: base_sequence,
            last_sequence: increment_sequence(base_sequence, record_count - 1),
        }
    }
}
