//! The producer perf test's bookkeeping: Kafka's `ProducerPerformance.Stats` (a window line
//! every 5 s, the total with percentiles at the end) over the simulated clock, printed with
//! Java's `%.1f`/`%.2f` (HALF_UP).

use std::collections::BTreeMap;

/// `Stats(numRecords, 5000)`: the reporting interval.
const REPORTING_INTERVAL_MS: u64 = 5_000;
/// Error lines one run prints (each failed send prints its exception); the rest are counted.
const MAX_ERROR_LINES: u32 = 20;

/// Kafka: `ProducerPerformance.Stats` (every latency kept: `sampling` is 1 up to 500,000).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Stats {
    pub start_ms: u64,
    pub count: u64,
    pub bytes: u64,
    pub total_latency: u64,
    pub max_latency: u32,
    pub latencies: Vec<u32>,
    pub window_start_ms: u64,
    pub window_count: u64,
    pub window_bytes: u64,
    pub window_total_latency: u64,
    pub window_max_latency: u32,
}

/// A running `kafka-producer-perf-test.sh`: its producer `p{producer}`, what it must send, when
/// each record was handed to `send()` (by serial), and its statistics.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PerfRun {
    pub producer: u32,
    pub num_records: u64,
    pub record_size: u32,
    pub started: bool,
    pub sent_at: BTreeMap<u32, u64>,
    /// Serials below this were handed to `send()`.
    pub next_serial: u32,
    pub failed: u64,
    pub error_lines: u32,
    pub stats: Stats,
}

impl PerfRun {
    pub fn new(producer: u32, num_records: u64, record_size: u32) -> PerfRun {
        PerfRun {
            producer,
            num_records,
            record_size,
            started: false,
            sent_at: BTreeMap::new(),
            next_serial: 0,
            failed: 0,
            error_lines: 0,
            stats: Stats::default(),
        }
    }

    /// `new Stats(...)`: the clock starts.
    pub fn start(&mut self, now_ms: u64) {
        self.started = true;
        self.stats.start_ms = now_ms;
        self.stats.window_start_ms = now_ms;
    }

    /// `send()` was called for every record below serial `next` (the producer's counter after
    /// a step: a load test's sends emit no event each).
    pub fn sent_up_to(&mut self, next: u32, now_ms: u64) {
        for serial in self.next_serial..next {
            self.sent_at.insert(serial, now_ms);
        }
        self.next_serial = self.next_serial.max(next);
    }

    /// `PerfCallback.onCompletion` without an exception: the window line when one is due.
    pub fn acked(&mut self, serial: u32, now_ms: u64) -> Option<String> {
        let start = self.sent_at.remove(&serial)?;
        let latency = u32::try_from(now_ms.saturating_sub(start)).unwrap_or(u32::MAX);
        self.stats
            .record(latency, u64::from(self.record_size), now_ms)
    }

    /// `onCompletion` with an exception (`printStackTrace`): the line to print, if any left.
    pub fn failed(&mut self, serial: u32, exception: String) -> Option<String> {
        self.sent_at.remove(&serial)?;
        self.failed += 1;
        self.error_lines += 1;
        (self.error_lines <= MAX_ERROR_LINES).then_some(exception)
    }

    /// Every record completed, acknowledged or failed.
    pub fn done(&self) -> bool {
        self.stats.count + self.failed >= self.num_records
    }
}

impl Stats {
    /// `Stats.record`.
    fn record(&mut self, latency: u32, bytes: u64, now_ms: u64) -> Option<String> {
        self.count += 1;
        self.bytes += bytes;
        self.total_latency += u64::from(latency);
        self.max_latency = self.max_latency.max(latency);
        self.window_count += 1;
        self.window_bytes += bytes;
        self.window_total_latency += u64::from(latency);
        self.window_max_latency = self.window_max_latency.max(latency);
        self.latencies.push(latency);
        if now_ms.saturating_sub(self.window_start_ms) >= REPORTING_INTERVAL_MS {
            let line = self.window_line(now_ms);
            self.window_start_ms = now_ms;
            self.window_count = 0;
            self.window_bytes = 0;
            self.window_total_latency = 0;
            self.window_max_latency = 0;
            return Some(line);
        }
        None
    }

    /// `Stats.printWindow`.
    fn window_line(&self, now_ms: u64) -> String {
        let elapsed = u128::from(now_ms.saturating_sub(self.window_start_ms));
        let (count, bytes) = (u128::from(self.window_count), u128::from(self.window_bytes));
        format!(
            "{} records sent, {} records/sec ({} MB/sec), {} ms avg latency, {} ms max latency.",
            self.window_count,
            java_fixed(1000 * count, elapsed, 1),
            java_fixed(1000 * bytes, elapsed * MB, 2),
            java_fixed(u128::from(self.window_total_latency), count, 1),
            java_fixed(u128::from(self.window_max_latency), 1, 1),
        )
    }

    /// `Stats.printTotal`, with `percentiles(0.5, 0.95, 0.99, 0.999)` (each index
    /// `(int) (p * size)`, here in integers: thousandths).
    pub fn total_line(&self, now_ms: u64) -> String {
        let elapsed = u128::from(now_ms.saturating_sub(self.start_ms));
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let perc = |thousandths: usize| {
            let index = thousandths * sorted.len() / 1000;
            sorted.get(index).copied().unwrap_or(0)
        };
        let (count, bytes) = (u128::from(self.count), u128::from(self.bytes));
        format!(
            "{} records sent, {} records/sec ({} MB/sec), {} ms avg latency, {} ms max latency, {} ms 50th, {} ms 95th, {} ms 99th, {} ms 99.9th.",
            self.count,
            java_fixed(1000 * count, elapsed, 1),
            java_fixed(1000 * bytes, elapsed * MB, 2),
            java_fixed(u128::from(self.total_latency), count, 2),
            java_fixed(u128::from(self.max_latency), 1, 2),
            perc(500),
            perc(950),
            perc(990),
            perc(999),
        )
    }
}

/// Bytes in Kafka's "MB" (`1024.0 * 1024.0`).
const MB: u128 = 1024 * 1024;

/// Java's `String.format("%.Nf", num / den)` for a non-negative quotient: rounded HALF_UP, and
/// `NaN` or `Infinity` for a zero denominator as Java's double division gives. (Computed
/// exactly, where Java first rounds the quotient to a double: they can differ on a tie.)
pub fn java_fixed(num: u128, den: u128, decimals: u32) -> String {
    if den == 0 {
        return if num == 0 { "NaN" } else { "Infinity" }.into();
    }
    let scale = 10u128.pow(decimals);
    let scaled = num.saturating_mul(scale);
    let mut q = scaled / den;
    if 2 * (scaled % den) >= den {
        q += 1;
    }
    if decimals == 0 {
        return q.to_string();
    }
    format!(
        "{}.{:0width$}",
        q / scale,
        q % scale,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_rounds_half_up() {
        assert_eq!(java_fixed(1, 4, 1), "0.3");
        assert_eq!(java_fixed(17, 8, 2), "2.13");
        assert_eq!(java_fixed(996, 100, 1), "10.0");
        assert_eq!(java_fixed(1, 3, 2), "0.33");
        assert_eq!(java_fixed(5, 0, 1), "Infinity");
        assert_eq!(java_fixed(0, 0, 2), "NaN");
    }

    #[test]
    fn a_window_line_every_five_seconds_and_percentiles_at_the_end() {
        let mut run = PerfRun::new(1, 3, 100);
        run.start(1_000);
        for (next, at) in [(1, 1_000), (2, 1_010), (3, 1_020)] {
            run.sent_up_to(next, at);
        }
        assert_eq!(run.acked(0, 1_004), None);
        assert_eq!(run.acked(1, 1_030), None);
        let line = run.acked(2, 6_000).unwrap();
        assert_eq!(line, "3 records sent, 0.6 records/sec (0.00 MB/sec), 1668.0 ms avg latency, 4980.0 ms max latency.");
        assert!(run.done());
        assert_eq!(run.stats.total_line(6_000), "3 records sent, 0.6 records/sec (0.00 MB/sec), 1668.00 ms avg latency, 4980.00 ms max latency, 20 ms 50th, 4980 ms 95th, 4980 ms 99th, 4980 ms 99.9th.");
    }
}
