//! `RecordAccumulator`: one queue of batches per partition. `send()` appends a record to the last
//! batch of its partition if it fits in `batch.size`, else opens a new batch. The sender takes a
//! partition's first batch once it is ready: full (or another batch is queued behind it),
//! `linger.ms` expired, a retry's backoff is over, or the producer is flushing.

use crate::kafka::errors::ErrorCode;
use crate::kafka::event::BatchReadyReason;
use crate::kafka::record::{Record, RECORD_BATCH_OVERHEAD};
use crate::kafka::types::TopicPartition;
use crate::sim::{SimDuration, SimTime};
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducerBatch {
    pub records: Vec<Record>,
    /// Estimated encoded size, uncompressed, including the batch header.
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
    /// The partition's last batch is now full (or was closed by this append).
    pub last_batch_full: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Accumulator {
    queues: BTreeMap<TopicPartition, VecDeque<ProducerBatch>>,
    /// Bytes of `buffer.memory` in use by batches not yet acknowledged.
    pub buffer_used: u64,
}

impl Accumulator {
    pub fn queues(&self) -> &BTreeMap<TopicPartition, VecDeque<ProducerBatch>> {
        &self.queues
    }

    pub fn queue_len(&self, tp: &TopicPartition) -> u32 {
        self.queues.get(tp).map_or(0, |q| q.len() as u32)
    }

    /// Whether the last batch of `tp` is full or there is none (the sticky partitioner's
    /// "switch only once the batch is full" rule).
    pub fn last_batch_full_or_empty(&self, tp: &TopicPartition, batch_size: u32) -> bool {
        self.queues
            .get(tp)
            .and_then(|q| q.back())
            .is_none_or(|b| b.is_full(batch_size))
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
    ) -> bool {
        let Some(last) = self.queues.get(tp).and_then(|q| q.back()) else {
            return false;
        };
        if last.attempts > 0 {
            return false;
        }
        let delta = record.timestamp_ms - last.records[0].timestamp_ms;
        last.estimated_bytes + record.size_in_batch(delta) <= batch_size
    }

    pub fn append(
        &mut self,
        tp: &TopicPartition,
        mut record: Record,
        now: SimTime,
        batch_size: u32,
    ) -> Appended {
        let fits = self.fits_in_last_batch(tp, &record, batch_size);
        let queue = self.queues.entry(tp.clone()).or_default();
        if fits {
            let last = queue.back_mut().expect("fits_in_last_batch saw a batch");
            record.offset_delta = last.records.len() as u32;
            let size = record.size_in_batch(record.timestamp_ms - last.records[0].timestamp_ms);
            last.estimated_bytes += size;
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
        queue.push_back(ProducerBatch {
            records: vec![record],
            estimated_bytes: RECORD_BATCH_OVERHEAD + size,
            reserved_bytes: reserved,
            created_at: now,
            attempts: 0,
            retry_after: None,
            last_error: None,
            sequence: None,
            ready_reason: None,
        });
        let last = queue.back().expect("just pushed");
        Appended {
            new_batch: true,
            batch_records: 1,
            batch_bytes: last.estimated_bytes,
            appended_bytes: size,
            last_batch_full: last.is_full(batch_size),
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

    /// When the first batch of `tp` will be ready by linger or backoff, if it is not yet.
    pub fn next_deadline(&self, tp: &TopicPartition, linger: SimDuration) -> Option<SimTime> {
        let first = self.queues.get(tp)?.front()?;
        Some(
            first
                .retry_after
                .unwrap_or_else(|| first.created_at.plus(linger)),
        )
    }

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
    pub fn reenqueue(&mut self, tp: &TopicPartition, batch: ProducerBatch) {
        self.queues.entry(tp.clone()).or_default().push_front(batch);
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
