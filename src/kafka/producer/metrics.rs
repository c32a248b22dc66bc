//! Producer metrics under Kafka's names (`producer-metrics` group): `record-send-rate`,
//! `record-error-rate`, `batch-size-avg`, `records-per-request-avg`, `request-latency-avg`,
//! `buffer-available-bytes`, `compression-rate-avg`. Kafka keeps windowed samples; here every
//! simulated second is one bucket, so the UI can chart them over time.

use crate::sim::SimTime;
use std::collections::VecDeque;

/// Buckets kept (seconds of history).
const BUCKETS: usize = 600;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Bucket {
    pub second: u64,
    pub records_sent: u64,
    pub record_errors: u64,
    pub batches: u64,
    pub batch_bytes: u64,
    pub requests: u64,
    pub request_records: u64,
    pub latency_micros_sum: u64,
    pub latency_count: u64,
    /// Compressed bytes and uncompressed bytes of the batches sent.
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    /// `buffer-available-bytes` at the last sample in the bucket.
    pub buffer_available: u64,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ProducerMetrics {
    buckets: VecDeque<Bucket>,
}

impl ProducerMetrics {
    fn bucket(&mut self, now: SimTime) -> &mut Bucket {
        let second = now.as_ms() / 1000;
        if self.buckets.back().is_none_or(|b| b.second != second) {
            let carry = self.buckets.back().map_or(0, |b| b.buffer_available);
            self.buckets.push_back(Bucket {
                second,
                buffer_available: carry,
                ..Default::default()
            });
            while self.buckets.len() > BUCKETS {
                self.buckets.pop_front();
            }
        }
        self.buckets.back_mut().expect("just ensured")
    }

    pub fn batch_sent(&mut self, now: SimTime, records: u32, bytes: u32, uncompressed: u32) {
        let b = self.bucket(now);
        b.records_sent += records as u64;
        b.batches += 1;
        b.batch_bytes += bytes as u64;
        b.compressed_bytes += bytes as u64;
        b.uncompressed_bytes += uncompressed as u64;
    }

    pub fn request_sent(&mut self, now: SimTime, records: u32) {
        let b = self.bucket(now);
        b.requests += 1;
        b.request_records += records as u64;
    }

    pub fn response(&mut self, now: SimTime, latency_micros: u64) {
        let b = self.bucket(now);
        b.latency_micros_sum += latency_micros;
        b.latency_count += 1;
    }

    pub fn errors(&mut self, now: SimTime, records: u32) {
        self.bucket(now).record_errors += records as u64;
    }

    pub fn buffer(&mut self, now: SimTime, available: u64) {
        self.bucket(now).buffer_available = available;
    }

    pub fn buckets(&self) -> impl DoubleEndedIterator<Item = &Bucket> {
        self.buckets.iter()
    }

    /// Totals over all buckets kept.
    pub fn totals(&self) -> Bucket {
        let mut t = Bucket::default();
        for b in &self.buckets {
            t.records_sent += b.records_sent;
            t.record_errors += b.record_errors;
            t.batches += b.batches;
            t.batch_bytes += b.batch_bytes;
            t.requests += b.requests;
            t.request_records += b.request_records;
            t.latency_micros_sum += b.latency_micros_sum;
            t.latency_count += b.latency_count;
            t.compressed_bytes += b.compressed_bytes;
            t.uncompressed_bytes += b.uncompressed_bytes;
        }
        t
    }
}
