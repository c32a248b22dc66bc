//! `RecordAccumulator`: one queue of batches per partition. `send()` appends a record to the last
//! batch of its partition while it has room for it in `batch.size`; a record that does not fit
//! closes that batch for appends (it now counts as full) and opens a new batch, reserving
//! `max(batch.size, record size)` bytes of `buffer.memory`. The sender takes a partition's first
//! batch once it is ready: full (or another batch is queued behind it), `linger.ms` expired, a
//! retry's backoff is over, the producer is flushing, or someone waits for buffer memory.
//!
//! With compression, `batch.size` bounds the *estimated compressed* size, as in Kafka's
//! `MemoryRecordsBuilder`: the 61-byte header plus the uncompressed record bytes times a
//! per-topic compression-ratio estimate (times 1.05), fixed when the batch is created. The
//! estimate starts at 1 and follows the observed ratios of the record bytes
//! (`CompressionRatioEstimator`: down by 0.005 per batch, up by 0.05).
//!
//! The accumulator also keeps the sender's per-broker bookkeeping that Kafka keeps in
//! `RecordAccumulator`: where the next drain for a broker starts (`nodesDrainIndex`) and when a
//! broker last had ready data and last could take it (`nodeStats`, for
//! `partitioner.availability.timeout.ms`).

use crate::kafka::errors::ErrorCode;
use crate::kafka::event::BatchReadyReason;
use crate::kafka::record::{Record, RECORD_BATCH_OVERHEAD};
use crate::kafka::types::{BrokerId, TopicPartition};
use crate::sim::{SimDuration, SimTime};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// A producer batch's records: a vector while the batch takes appends, shared from its first
/// drain on (a drained batch is closed for appends), so the Produce request's `RecordBatch` and
/// every retry share one allocation instead of copying each record at every send. Compared,
/// hashed and read as the slice of records, whichever form it has.
#[derive(Clone, Debug)]
pub enum BatchRecords {
    Open(Vec<Record>),
    Shared(Rc<[Record]>),
}

impl BatchRecords {
    fn push(&mut self, record: Record) {
        match self {
            BatchRecords::Open(records) => records.push(record),
            // Never reached (a shared batch is closed), but correct: copy, then append.
            BatchRecords::Shared(records) => {
                let mut copy = records.to_vec();
                copy.push(record);
                *self = BatchRecords::Open(copy);
            }
        }
    }

    /// The records as one shared slice, made so at the first call.
    pub fn share(&mut self) -> Rc<[Record]> {
        let shared: Rc<[Record]> = match self {
            BatchRecords::Open(records) => Rc::from(std::mem::take(records)),
            BatchRecords::Shared(records) => return Rc::clone(records),
        };
        *self = BatchRecords::Shared(Rc::clone(&shared));
        shared
    }
}

impl std::ops::Deref for BatchRecords {
    type Target = [Record];
    fn deref(&self) -> &[Record] {
        match self {
            BatchRecords::Open(records) => records,
            BatchRecords::Shared(records) => records,
        }
    }
}

impl PartialEq for BatchRecords {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for BatchRecords {}

impl std::hash::Hash for BatchRecords {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducerBatch {
    /// Identifies the batch to the idempotence bookkeeping (`ClientSequences`).
    pub batch_id: u64,
    pub records: BatchRecords,
    /// Exact encoded size without compression, including the batch header.
    pub uncompressed_bytes: u32,
    /// The size `batch.size` is compared with (compression-ratio estimate applied).
    pub estimated_bytes: u32,
    /// The compression-ratio estimate in thousandths this batch was created with (Kafka sets it
    /// once, in the `ProducerBatch` constructor); `None` without compression.
    pub estimated_ratio: Option<u32>,
    /// Bytes reserved from `buffer.memory` for this batch.
    pub reserved_bytes: u32,
    pub created_at: SimTime,
    /// Closed for record appends (`MemoryRecordsBuilder.closeForRecordAppends`): a record did
    /// not fit, or the batch was drained. A closed batch counts as full.
    pub closed: bool,
    /// Sends so far (0 until the first Produce).
    pub attempts: u32,
    pub retry_after: Option<SimTime>,
    pub last_error: Option<ErrorCode>,
    /// Idempotence: producer id, epoch and base sequence, fixed at the first send.
    pub sequence: Option<(i64, i16, i32)>,
    /// Why it was drained the last time it left.
    pub ready_reason: Option<BatchReadyReason>,
    /// KIP-951: the partition leader's epoch this batch is headed for
    /// (`ProducerBatch.currentLeaderEpoch`), and the attempt at which it last went up
    /// (`attemptsWhenLeaderLastChanged`).
    pub current_leader_epoch: Option<i32>,
    pub attempts_when_leader_last_changed: u32,
}

impl ProducerBatch {
    pub fn record_count(&self) -> u32 {
        self.records.len() as u32
    }

    /// Kafka's `MemoryRecordsBuilder.isFull`: closed for appends, or the estimate reached
    /// `batch.size`.
    pub fn is_full(&self, batch_size: u32) -> bool {
        self.closed || self.estimated_bytes >= batch_size
    }

    /// Kafka's `MemoryRecordsBuilder.hasRoomFor`: the current estimate plus the new record's
    /// *uncompressed* size ("be conservative and not take compression of the new record into
    /// consideration") within `batch.size`.
    fn has_room_for(&self, record_size: u32, batch_size: u32) -> bool {
        !self.is_full(batch_size) && self.estimated_bytes + record_size <= batch_size
    }

    /// Kafka's `ProducerBatch.maybeUpdateLeaderEpoch`, called with the metadata's leader epoch
    /// each time the sender looks at the batch.
    pub fn maybe_update_leader_epoch(&mut self, latest: Option<i32>) {
        let Some(latest) = latest else { return };
        if self
            .current_leader_epoch
            .is_none_or(|current| current < latest)
        {
            self.attempts_when_leader_last_changed = self.attempts;
            self.current_leader_epoch = Some(latest);
        }
    }

    /// Kafka's `hasLeaderChangedForTheOngoingRetry`: a newer leader epoch became known since
    /// this retry's failure, so the retry need not wait out its backoff (KIP-951).
    pub fn has_leader_changed_for_the_ongoing_retry(&self) -> bool {
        self.attempts >= 1 && self.attempts == self.attempts_when_leader_last_changed
    }

    /// Kafka's `RecordAccumulator.shouldBackoff`: a retry waits for its backoff unless the
    /// leader changed.
    pub fn is_backing_off(&self, now: SimTime) -> bool {
        self.retry_after.is_some_and(|t| t > now)
            && !self.has_leader_changed_for_the_ongoing_retry()
    }

    /// When this batch, first in its queue, will be ready by linger or backoff.
    pub fn next_deadline(&self, linger: SimDuration) -> SimTime {
        self.retry_after
            .unwrap_or_else(|| self.created_at.plus(linger))
    }

    /// Kafka's `MemoryRecordsBuilder.estimatedBytesWritten` for `uncompressed` bytes (header
    /// included): the header stays uncompressed, the records shrink by the estimate times 1.05.
    fn estimate(&self, uncompressed: u32) -> u32 {
        estimate(uncompressed, self.estimated_ratio)
    }
}

fn estimate(uncompressed: u32, ratio: Option<u32>) -> u32 {
    let Some(ratio) = ratio else {
        return uncompressed;
    };
    let body = uncompressed.saturating_sub(RECORD_BATCH_OVERHEAD) as u64;
    RECORD_BATCH_OVERHEAD + (body * ratio as u64 * 1050 / 1_000_000) as u32
}

/// What `append` did, for events and the sticky partitioner.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Appended {
    pub new_batch: bool,
    pub batch_records: u32,
    pub batch_bytes: u32,
    /// What the batch's estimated size grew by (a new batch: its whole estimate, header
    /// included), the bytes Kafka's `BuiltInPartitioner.updatePartitionInfo` counts.
    pub appended_bytes: u32,
    /// Kafka's `allBatchesFull(deque)` after the append: the last batch is full.
    pub last_batch_full: bool,
    /// Kafka's `RecordAppendResult.batchIsFull`: the deque holds more than one batch or its
    /// last is full, so a batch is ready to send (`KafkaProducer.doSend` wakes the sender).
    pub batch_is_full: bool,
}

/// When a broker last had a ready batch and when it last could take one (Kafka's
/// `RecordAccumulator.NodeLatencyStats`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct NodeLatencyStats {
    pub ready_time: SimTime,
    pub drain_time: SimTime,
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
    /// Where the next drain for each broker starts in its list of partitions.
    drain_index: BTreeMap<BrokerId, u32>,
    node_stats: BTreeMap<BrokerId, NodeLatencyStats>,
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

    /// A batch of `uncompressed` bytes was built into `compressed` bytes (both with the
    /// 61-byte header): follow the ratio of the record bytes alone, header excluded, as
    /// Kafka's `MemoryRecordsBuilder.compressionRatio` does (`ProducerBatch.close` then calls
    /// `CompressionRatioEstimator.updateEstimation`).
    pub fn observe_compression(&mut self, topic: &str, compressed: u32, uncompressed: u32) {
        let records = uncompressed.saturating_sub(RECORD_BATCH_OVERHEAD);
        if records == 0 {
            return;
        }
        let written = compressed.saturating_sub(RECORD_BATCH_OVERHEAD);
        let observed = (written as u64 * 1000 / records as u64) as u32;
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

    /// Kafka's `RecordAccumulator.tryAppend`: append to the partition's last batch if it has
    /// room. If it has none, close it for appends (so it counts as full from now on) and hand
    /// the record back: the caller opens a new batch, possibly on another partition.
    pub fn try_append(
        &mut self,
        tp: &TopicPartition,
        mut record: Record,
        batch_size: u32,
    ) -> Result<Appended, Record> {
        let Some(queue) = self.queues.get_mut(tp) else {
            return Err(record);
        };
        let several = queue.len() > 1;
        let Some(last) = queue.back_mut() else {
            return Err(record);
        };
        record.offset_delta = last.record_count();
        let size = record.size_in_batch(record.timestamp_ms - last.records[0].timestamp_ms);
        if !last.has_room_for(size, batch_size) {
            last.closed = true;
            return Err(record);
        }
        let before = last.estimated_bytes;
        last.uncompressed_bytes += size;
        last.estimated_bytes = last.estimate(last.uncompressed_bytes);
        last.records.push(record);
        Ok(Appended {
            new_batch: false,
            batch_records: last.record_count(),
            batch_bytes: last.estimated_bytes,
            appended_bytes: last.estimated_bytes - before,
            last_batch_full: last.is_full(batch_size),
            batch_is_full: several || last.is_full(batch_size),
        })
    }

    /// Kafka's `RecordAccumulator.appendNewBatch`: a new batch holding `record`, its estimated
    /// size (header included) counted as appended.
    pub fn append_new_batch(
        &mut self,
        tp: &TopicPartition,
        mut record: Record,
        now: SimTime,
        batch_size: u32,
        compressed: bool,
        batch_id: u64,
    ) -> Appended {
        record.offset_delta = 0;
        let reserved = Self::bytes_for_new_batch(&record, batch_size);
        self.buffer_used += reserved as u64;
        let uncompressed = RECORD_BATCH_OVERHEAD + record.size_in_batch(0);
        let estimated_ratio = compressed.then(|| self.ratio_estimate(&tp.topic));
        let batch = ProducerBatch {
            batch_id,
            records: BatchRecords::Open(vec![record]),
            uncompressed_bytes: uncompressed,
            estimated_bytes: estimate(uncompressed, estimated_ratio),
            estimated_ratio,
            reserved_bytes: reserved,
            created_at: now,
            closed: false,
            attempts: 0,
            retry_after: None,
            last_error: None,
            sequence: None,
            ready_reason: None,
            current_leader_epoch: None,
            attempts_when_leader_last_changed: 0,
        };
        let full = batch.is_full(batch_size);
        let queue = self.queues.entry(*tp).or_default();
        queue.push_back(batch);
        Appended {
            new_batch: true,
            batch_records: 1,
            batch_bytes: queue.back().map_or(0, |b| b.estimated_bytes),
            appended_bytes: queue.back().map_or(0, |b| b.estimated_bytes),
            last_batch_full: full,
            batch_is_full: queue.len() > 1 || full,
        }
    }

    /// `try_append`, else a new batch on the same partition (a record with a known partition).
    pub fn append(
        &mut self,
        tp: &TopicPartition,
        record: Record,
        now: SimTime,
        batch_size: u32,
        compressed: bool,
        batch_id: u64,
    ) -> Appended {
        match self.try_append(tp, record, batch_size) {
            Ok(appended) => appended,
            Err(record) => self.append_new_batch(tp, record, now, batch_size, compressed, batch_id),
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
        Self::queue_ready_reason(
            self.queues.get(tp)?,
            now,
            batch_size,
            linger,
            flushing,
            exhausted,
        )
    }

    /// `ready_reason` of one partition's queue.
    pub fn queue_ready_reason(
        queue: &VecDeque<ProducerBatch>,
        now: SimTime,
        batch_size: u32,
        linger: SimDuration,
        flushing: bool,
        exhausted: bool,
    ) -> Option<BatchReadyReason> {
        let first = queue.front()?;
        if first.is_backing_off(now) {
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

    /// Partitions with at least one batch, in order.
    pub fn partitions(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        self.queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(tp, _)| *tp)
    }

    /// The queues holding at least one batch, in partition order, for the sender's `ready` pass.
    pub fn queues_mut(
        &mut self,
    ) -> impl Iterator<Item = (&TopicPartition, &mut VecDeque<ProducerBatch>)> {
        self.queues.iter_mut().filter(|(_, q)| !q.is_empty())
    }

    pub fn first(&self, tp: &TopicPartition) -> Option<&ProducerBatch> {
        self.queues.get(tp)?.front()
    }

    pub fn first_mut(&mut self, tp: &TopicPartition) -> Option<&mut ProducerBatch> {
        self.queues.get_mut(tp)?.front_mut()
    }

    pub fn pop_first(&mut self, tp: &TopicPartition) -> Option<ProducerBatch> {
        self.queues.get_mut(tp)?.pop_front()
    }

    /// Put a batch back at the head of its queue for a retry (`RecordAccumulator.reenqueue`).
    /// Numbered (idempotent) batches go back in sequence order (`insertInSequenceOrder`), since
    /// only the lowest sequence in flight may be sent again.
    pub fn reenqueue(&mut self, tp: &TopicPartition, batch: ProducerBatch) {
        let queue = self.queues.entry(*tp).or_default();
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

    /// Remove batches whose `delivery.timeout.ms` has passed (`RecordAccumulator.expiredBatches`).
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
                expired.push((*tp, queue.pop_front().expect("front checked")));
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

    /// Kafka's `getDrainIndex`: where the drain for `broker` starts in a list of `parts`
    /// partitions (`drainIndex % parts.size()`).
    pub fn drain_index(&self, broker: BrokerId, parts: u32) -> u32 {
        self.drain_index.get(&broker).copied().unwrap_or(0) % parts.max(1)
    }

    /// Kafka's `updateDrainIndex`: the drain for `broker` last looked at this index.
    pub fn set_drain_index(&mut self, broker: BrokerId, index: u32) {
        self.drain_index.insert(broker, index);
    }

    /// Kafka's `updateNodeLatencyStats`: `broker` had a ready batch now, and could (or could
    /// not) take a request.
    pub fn update_node_latency_stats(&mut self, broker: BrokerId, now: SimTime, can_drain: bool) {
        let stats = self.node_stats.entry(broker).or_insert(NodeLatencyStats {
            ready_time: now,
            drain_time: now,
        });
        if can_drain {
            stats.drain_time = now;
        }
        stats.ready_time = now;
    }

    /// Whether `broker` has had ready data it could not take for longer than `timeout`
    /// (`RecordAccumulator.partitionReady` with `partitioner.availability.timeout.ms`).
    pub fn is_node_unavailable(&self, broker: BrokerId, timeout: SimDuration) -> bool {
        self.node_stats
            .get(&broker)
            .is_some_and(|s| s.ready_time.since(s.drain_time) > timeout)
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
            acc.observe_compression(
                "t",
                RECORD_BATCH_OVERHEAD + 300,
                RECORD_BATCH_OVERHEAD + 1000,
            );
        }
        assert_eq!(acc.ratio_estimate("t"), 300);
        let tp = TopicPartition::new("t", 0);
        for i in 0..100 {
            acc.append(&tp, record(i, 1000), SimTime::ZERO, 16384, true, 0);
        }
        let first = &acc.queues()[&tp][0];
        assert_eq!(
            first.record_count(),
            49,
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
