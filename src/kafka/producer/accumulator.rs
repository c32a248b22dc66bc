//! `RecordAccumulator`: one queue of batches per partition. `send()` appends a record to the last
//! batch of its partition if it fits in `batch.size`, else opens a new batch, reserving
//! `max(batch.size, record size)` bytes of `buffer.memory`. The sender takes a partition's first
//! batch once it is ready: full (or another batch is queued behind it), `linger.ms` expired, a
//! retry's backoff is over, the producer is flushing, or someone waits for buffer memory.
//!
//! With compression, `batch.size` bounds the *estimated compressed* size, as in Kafka's
//! `MemoryRecordsBuilder`: uncompressed bytes times a per-topic compression-ratio estimate (times
//! 1.05), where the estimate starts at 1 and follows the observed ratios
//! (`CompressionRatioEstimator`: down by 0.005 per batch, up by 0.05).

use crate::kafka::errors::ErrorCode;
use crate::kafka::event::BatchReadyReason;
use crate::kafka::record::{Record, RECORD_BATCH_OVERHEAD};
use crate::kafka::types::TopicPartition;
use crate::sim::{SimDuration, SimTime};
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducerBatch {
    /// Identifies the batch to the idempotence bookkeeping (`ClientSequences`).
    pub batch_id: u64,
    pub records: Vec<Record>,
    /// Exact encoded size without compression, including the batch header.
    pub uncompressed_bytes: u32,
    /// The size `batch.size` is compared with (compression-ratio estimate applied).
    pub estimated_bytes: u32,
    /// Bytes reserved from `buffer.memory` for this batch.
    pub reserved_bytes: u32,
    pub created_at: SimTime,
    /// Sends so far (0 until the first Produce).
    pub attempts: u32,
    pub retry_after: Option<SimTime>,
    pub last_error: Option<ErrorCode>,
    /// Idempotence: producer id, epoch and base sequence, fixed at the first send.
    pub sequence: Option<(i64, i16, i32)>,
    /// Why it was drained the last time it left.
    pub ready_reason: Option<BatchReadyReason>,
}

impl ProducerBatch {
    pub fn record_count(&self) -> u32 {
        self.records.len() as u32
    }
    pub fn is_full(&self, batch_size: u32) -> bool {
        self.estimated_bytes >= batch_size
    }
}

/// What `append` did, for events and the sticky partitioner.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Appended {
    pub new_batch: bool,
    pub batch_records: u32,
    pub batch_bytes: u32,
    pub appended_bytes: u32,
    /// Kafka's `allBatchesFull(deque)` after the append: the last batch is full.
    pub last_batch_full: bool,
}

/// `CompressionRatioEstimator` steps, in thousandths.
const IMPROVING_STEP: u32 = 5;
const DETERIORATING_STEP: u32 = 50;

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Accumulator {
    queues: BTreeMap<TopicPartition, VecDeque<ProducerBatch>>,
    /// Bytes of `buffer.memory` in use by batches not yet finished.
    pub buffer_used: u64,
    /// Estimated compressed/uncompressed ratio per topic, in thousandths (1000 = no gain).
    ratios: BTreeMap<String, u32>,
}

impl Accumulator {
    pub fn queues(&self) -> &BTreeMap<TopicPartition, VecDeque<ProducerBatch>> {
        &self.queues
    }

    pub fn queue_len(&self, tp: &TopicPartition) -> u32 {
        self.queues.get(tp).map_or(0, |q| q.len() as u32)
    }

    /// Whether a queue exists for `tp` (created on the first record, kept when empty).
    pub fn has_queue(&self, tp: &TopicPartition) -> bool {
        self.queues.contains_key(tp)
    }

    /// Kafka's `allBatchesFull`: the partition's last batch is full, or there is none.
    pub fn all_batches_full(&self, tp: &TopicPartition, batch_size: u32) -> bool {
        self.queues
            .get(tp)
            .and_then(|q| q.back())
            .is_none_or(|b| b.is_full(batch_size))
    }

    pub fn ratio_estimate(&self, topic: &str) -> u32 {
        self.ratios.get(topic).copied().unwrap_or(1000)
    }

    /// The size compared with `batch.size` for a batch of `uncompressed` bytes.
    fn estimate(&self, topic: &str, uncompressed: u32, compressed: bool) -> u32 {
        if !compressed {
            return uncompressed;
        }
        let body = uncompressed.saturating_sub(RECORD_BATCH_OVERHEAD) as u64;
        RECORD_BATCH_OVERHEAD + (body * self.ratio_estimate(topic) as u64 * 1050 / 1_000_000) as u32
    }

    /// A closed batch compressed to `compressed` of `uncompressed` bytes: follow the ratio.
    pub fn observe_compression(&mut self, topic: &str, compressed: u32, uncompressed: u32) {
        if uncompressed == 0 {
            return;
        }
        let observed = (compressed as u64 * 1000 / uncompressed as u64) as u32;
        let estimate = self.ratio_estimate(topic);
        let next = if observed > estimate {
            (estimate + DETERIORATING_STEP).max(observed)
        } else {
            estimate.saturating_sub(IMPROVING_STEP).max(observed)
        };
        self.ratios.insert(topic.to_string(), next);
    }

    /// Bytes a new batch for this record would reserve: `max(batch.size, record size)`.
    pub fn bytes_for_new_batch(record: &Record, batch_size: u32) -> u32 {
        batch_size.max(RECORD_BATCH_OVERHEAD + record.size_in_batch(0))
    }

    /// Whether the record fits in the partition's last open batch.
    pub fn fits_in_last_batch(
        &self,
        tp: &TopicPartition,
        record: &Record,
        batch_size: u32,
        compressed: bool,
    ) -> bool {
        let Some(last) = self.queues.get(tp).and_then(|q| q.back()) else {
            return false;
        };
        if last.attempts > 0 {
            return false;
        }
        let delta = record.timestamp_ms - last.records[0].timestamp_ms;
        let grown = last.uncompressed_bytes + record.size_in_batch(delta);
        self.estimate(&tp.topic, grown, compressed) <= batch_size
    }

    pub fn append(
        &mut self,
        tp: &TopicPartition,
        mut record: Record,
        now: SimTime,
        batch_size: u32,
        compressed: bool,
        batch_id: u64,
    ) -> Appended {
        if self.fits_in_last_batch(tp, &record, batch_size, compressed) {
            let ratio_topic = tp.topic.clone();
            let estimate_of = |this: &Self, bytes| this.estimate(&ratio_topic, bytes, compressed);
            let (first_ts, count, uncompressed) = {
                let last = self.queues[tp]
                    .back()
                    .expect("fits_in_last_batch saw a batch");
                (
                    last.records[0].timestamp_ms,
                    last.records.len() as u32,
                    last.uncompressed_bytes,
                )
            };
            record.offset_delta = count;
            let size = record.size_in_batch(record.timestamp_ms - first_ts);
            let estimated = estimate_of(self, uncompressed + size);
            let last = self
                .queues
                .get_mut(tp)
                .and_then(|q| q.back_mut())
                .expect("checked above");
            last.uncompressed_bytes += size;
            last.estimated_bytes = estimated;
            last.records.push(record);
            return Appended {
                new_batch: false,
                batch_records: last.record_count(),
                batch_bytes: last.estimated_bytes,
                appended_bytes: size,
                last_batch_full: last.is_full(batch_size),
            };
        }
        record.offset_delta = 0;
        let size = record.size_in_batch(0);
        let reserved = Self::bytes_for_new_batch(&record, batch_size);
        self.buffer_used += reserved as u64;
        let uncompressed = RECORD_BATCH_OVERHEAD + size;
        let estimated = self.estimate(&tp.topic, uncompressed, compressed);
        let batch = ProducerBatch {
            batch_id,
            records: vec![record],
            uncompressed_bytes: uncompressed,
            estimated_bytes: estimated,
            reserved_bytes: reserved,
            created_at: now,
            attempts: 0,
            retry_after: None,
            last_error: None,
            sequence: None,
            ready_reason: None,
        };
        let full = batch.is_full(batch_size);
        self.queues.entry(tp.clone()).or_default().push_back(batch);
        Appended {
            new_batch: true,
            batch_records: 1,
            batch_bytes: estimated,
            appended_bytes: size,
            last_batch_full: full,
        }
    }

    /// Why the first batch of `tp` may be sent now, if it may (`RecordAccumulator.ready`).
    pub fn ready_reason(
        &self,
        tp: &TopicPartition,
        now: SimTime,
        batch_size: u32,
        linger: SimDuration,
        flushing: bool,
        exhausted: bool,
    ) -> Option<BatchReadyReason> {
        let queue = self.queues.get(tp)?;
        let first = queue.front()?;
        if first.retry_after.is_some_and(|t| t > now) {
            return None;
        }
        if first.attempts > 0 {
            return Some(BatchReadyReason::Retry);
        }
        if queue.len() > 1 || first.is_full(batch_size) {
            Some(BatchReadyReason::Full)
        } else if now >= first.created_at.plus(linger) {
            Some(BatchReadyReason::LingerExpired)
        } else if flushing {
            Some(BatchReadyReason::Flush)
        } else if exhausted {
            Some(BatchReadyReason::BufferExhausted)
        } else {
            None
        }
    }

    /// When the first batch of `tp` will be ready by linger or backoff.
    pub fn next_deadline(&self, tp: &TopicPartition, linger: SimDuration) -> Option<SimTime> {
        let first = self.queues.get(tp)?.front()?;
        Some(
            first
                .retry_after
                .unwrap_or_else(|| first.created_at.plus(linger)),
        )
    }

    /// Partitions with at least one batch.
    pub fn partitions(&self) -> Vec<TopicPartition> {
        self.queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(tp, _)| tp.clone())
            .collect()
    }

    pub fn first(&self, tp: &TopicPartition) -> Option<&ProducerBatch> {
        self.queues.get(tp)?.front()
    }

    pub fn pop_first(&mut self, tp: &TopicPartition) -> Option<ProducerBatch> {
        self.queues.get_mut(tp)?.pop_front()
    }

    /// Put a batch back at the head of its queue for a retry (`RecordAccumulator.reenqueue`).
    /// Numbered (idempotent) batches go back in sequence order (`insertInSequenceOrder`), since
    /// only the lowest sequence in flight may be sent again.
    pub fn reenqueue(&mut self, tp: &TopicPartition, batch: ProducerBatch) {
        let queue = self.queues.entry(tp.clone()).or_default();
        let Some((_, _, sequence)) = batch.sequence else {
            queue.push_front(batch);
            return;
        };
        let position = queue
            .iter()
            .position(|b| b.sequence.is_none_or(|(_, _, s)| s > sequence))
            .unwrap_or(queue.len());
        queue.insert(position, batch);
    }

    /// Give a finished batch's memory back to `buffer.memory`.
    pub fn release(&mut self, batch: &ProducerBatch) {
        self.buffer_used = self.buffer_used.saturating_sub(batch.reserved_bytes as u64);
    }

    /// Remove batches whose `delivery.timeout.ms` has passed.
    pub fn expire(
        &mut self,
        now: SimTime,
        delivery_timeout: SimDuration,
    ) -> Vec<(TopicPartition, ProducerBatch)> {
        let mut expired = Vec::new();
        for (tp, queue) in &mut self.queues {
            while queue
                .front()
                .is_some_and(|b| now >= b.created_at.plus(delivery_timeout))
            {
                expired.push((tp.clone(), queue.pop_front().expect("front checked")));
            }
        }
        for (_, b) in &expired {
            self.buffer_used = self.buffer_used.saturating_sub(b.reserved_bytes as u64);
        }
        expired
    }

    pub fn is_empty(&self) -> bool {
        self.queues.values().all(VecDeque::is_empty)
    }

    pub fn oldest_batch_created_at(&self) -> Option<SimTime> {
        self.queues
            .values()
            .filter_map(|q| q.front())
            .map(|b| b.created_at)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::record::{Payload, RecordId};

    fn record(serial: u32, len: u32) -> Record {
        Record {
            id: RecordId {
                producer: 1,
                serial,
            },
            offset_delta: 0,
            timestamp_ms: 0,
            key: None,
            value: Some(Payload::Filler { len }),
            headers: vec![],
        }
    }

    #[test]
    fn a_batch_fills_toward_batch_size_then_a_new_one_opens() {
        let mut acc = Accumulator::default();
        let tp = TopicPartition::new("t", 0);
        let mut new_batches = 0;
        for i in 0..40 {
            if acc
                .append(&tp, record(i, 1000), SimTime::ZERO, 16384, false, i as u64)
                .new_batch
            {
                new_batches += 1;
            }
        }
        assert_eq!(new_batches, 3, "about 16 records of 1 KB fit in 16 KB");
        assert_eq!(
            acc.ready_reason(
                &tp,
                SimTime::ZERO,
                16384,
                SimDuration::from_ms(5),
                false,
                false
            ),
            Some(BatchReadyReason::Full)
        );
        assert_eq!(acc.buffer_used, 3 * 16384);
    }

    #[test]
    fn the_compression_estimate_lets_batches_hold_more_records() {
        let mut acc = Accumulator::default();
        for _ in 0..200 {
            acc.observe_compression("t", 300, 1000);
        }
        assert_eq!(acc.ratio_estimate("t"), 300);
        let tp = TopicPartition::new("t", 0);
        let appended = (0..100)
            .map(|i| acc.append(&tp, record(i, 1000), SimTime::ZERO, 16384, true, 0))
            .filter(|a| a.new_batch)
            .count();
        assert_eq!(
            appended, 2,
            "at a 0.3 estimate about 50 records of 1 KB fit in a 16 KB batch"
        );
    }

    #[test]
    fn a_lone_batch_is_ready_when_linger_expires() {
        let mut acc = Accumulator::default();
        let tp = TopicPartition::new("t", 0);
        acc.append(&tp, record(0, 10), SimTime::ZERO, 16384, false, 0);
        let linger = SimDuration::from_ms(5);
        assert_eq!(
            acc.ready_reason(&tp, SimTime::from_ms(4), 16384, linger, false, false),
            None
        );
        assert_eq!(
            acc.ready_reason(&tp, SimTime::from_ms(5), 16384, linger, false, false),
            Some(BatchReadyReason::LingerExpired)
        );
        assert_eq!(
            acc.ready_reason(&tp, SimTime::from_ms(1), 16384, linger, true, false),
            Some(BatchReadyReason::Flush)
        );
        assert_eq!(
            acc.ready_reason(&tp, SimTime::from_ms(1), 16384, linger, false, true),
            Some(BatchReadyReason::BufferExhausted)
        );
    }
}
