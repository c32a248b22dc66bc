//! The consumer perf test's bookkeeping: Kafka's `ConsumerPerformance.consume` loop over the
//! simulated clock (messages and bytes read, the rebalance listener's join time, the progress
//! lines of `--show-detailed-stats`), and the summary `main` prints, with Java's `%.4f`
//! (HALF_UP) and `SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS")` from the simulation's epoch.

use super::perf_stats::java_fixed;

/// Bytes in Kafka's "MB" (`1024 * 1024`).
const MB: u128 = 1024 * 1024;

/// The header `ConsumerPerformance.printHeader` prints.
pub fn header(detailed: bool) -> String {
    let extra = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
    if detailed {
        format!(
            "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec{extra}"
        )
    } else {
        format!("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec{extra}")
    }
}

/// A running `kafka-consumer-perf-test.sh`: its consumer `c{consumer}` and the loop's counters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerPerfRun {
    pub consumer: u32,
    pub num_messages: u64,
    pub timeout_ms: u64,
    pub reporting_interval_ms: u64,
    pub detailed: bool,
    pub started: bool,
    pub start_ms: u64,
    pub last_consumed_ms: u64,
    pub last_report_ms: u64,
    pub messages: u64,
    pub bytes: u64,
    pub last_messages: u64,
    pub last_bytes: u64,
    /// The rebalance listener's `joinTimeMs` and `joinStartMs`.
    pub join_ms: u64,
    pub join_start_ms: u64,
    /// `joinTimeMsInSingleRound`: the listener's counter, until the first progress line
    /// replaces the loop's reference with a fresh zero the listener never updates.
    pub join_single_round_ms: u64,
    pub reported: bool,
}

/// Why the loop ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ending {
    /// `--messages` were read.
    Done,
    /// `--timeout` passed without a record.
    TimedOut,
}

impl ConsumerPerfRun {
    pub fn new(
        consumer: u32,
        num_messages: u64,
        timeout_ms: u64,
        reporting_interval_ms: u64,
        detailed: bool,
    ) -> ConsumerPerfRun {
        ConsumerPerfRun {
            consumer,
            num_messages,
            timeout_ms,
            reporting_interval_ms,
            detailed,
            started: false,
            start_ms: 0,
            last_consumed_ms: 0,
            last_report_ms: 0,
            messages: 0,
            bytes: 0,
            last_messages: 0,
            last_bytes: 0,
            join_ms: 0,
            join_start_ms: 0,
            join_single_round_ms: 0,
            reported: false,
        }
    }

    /// `currentTimeMs` when the consumer was created: every clock starts here.
    pub fn start(&mut self, now_ms: u64) {
        self.started = true;
        self.start_ms = now_ms;
        self.last_consumed_ms = now_ms;
        self.last_report_ms = now_ms;
        self.join_start_ms = now_ms;
    }

    /// `ConsumerPerfRebListener.onPartitionsRevoked`.
    pub fn revoked(&mut self, now_ms: u64) {
        self.join_start_ms = now_ms;
    }

    /// `ConsumerPerfRebListener.onPartitionsAssigned`.
    pub fn assigned(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.join_start_ms);
        self.join_ms += elapsed;
        if !self.reported {
            self.join_single_round_ms += elapsed;
        }
    }

    /// A `poll()` returned records of these sizes (key plus value bytes): the loop's body, with
    /// the progress lines `--show-detailed-stats` prints.
    pub fn polled(&mut self, now_ms: u64, sizes: &[u64]) -> Vec<String> {
        let mut lines = Vec::new();
        if !sizes.is_empty() {
            self.last_consumed_ms = now_ms;
        }
        for size in sizes {
            self.messages += 1;
            self.bytes += size;
            if now_ms.saturating_sub(self.last_report_ms) >= self.reporting_interval_ms {
                if self.detailed {
                    lines.push(self.progress_line(now_ms));
                }
                self.reported = true;
                self.join_single_round_ms = 0;
                self.last_report_ms = now_ms;
                self.last_messages = self.messages;
                self.last_bytes = self.bytes;
            }
        }
        lines
    }

    /// The loop's condition, checked after each `poll()`.
    pub fn ending(&self, now_ms: u64) -> Option<Ending> {
        if self.messages >= self.num_messages {
            Some(Ending::Done)
        } else if now_ms.saturating_sub(self.last_consumed_ms) > self.timeout_ms {
            Some(Ending::TimedOut)
        } else {
            None
        }
    }

    /// What the tool prints once the loop ended at `end_ms`: the timeout's warning, then the
    /// summary (not with `--show-detailed-stats`).
    pub fn final_lines(&self, end_ms: u64) -> Vec<String> {
        let mut lines = Vec::new();
        if self.messages < self.num_messages {
            lines.push(format!("WARNING: Exiting before consuming the expected number of messages: timeout ({} ms) exceeded. You can use the --timeout option to increase the timeout.", self.timeout_ms));
        }
        if !self.detailed {
            lines.push(self.summary(end_ms));
        }
        lines
    }

    /// `main`'s `printf("%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f%n", ...)`.
    fn summary(&self, end_ms: u64) -> String {
        let elapsed = i128::from(end_ms.saturating_sub(self.start_ms));
        let fetch = elapsed - i128::from(self.join_ms);
        let (bytes, msgs) = (u128::from(self.bytes), u128::from(self.messages));
        format!(
            "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
            date(self.start_ms),
            date(end_ms),
            java_fixed(bytes, MB, 4),
            signed_ratio(bytes * 1000, MB, elapsed),
            self.messages,
            signed_ratio(msgs * 1000, 1, elapsed),
            self.join_ms,
            fetch,
            signed_ratio(bytes * 1000, MB, fetch),
            signed_ratio(msgs * 1000, 1, fetch),
        )
    }

    /// `printConsumerProgress`: `printBasicProgress` then `printExtendedProgress`.
    fn progress_line(&self, now_ms: u64) -> String {
        let elapsed = i128::from(now_ms.saturating_sub(self.last_report_ms));
        let interval_bytes = u128::from(self.bytes - self.last_bytes);
        let interval_msgs = u128::from(self.messages - self.last_messages);
        let fetch = elapsed - i128::from(self.join_single_round_ms);
        let (fetch_mb, fetch_msgs) = if fetch <= 0 {
            ("0.0000".to_string(), "0.0000".to_string())
        } else {
            (
                signed_ratio(interval_bytes * 1000, MB, fetch),
                signed_ratio(interval_msgs * 1000, 1, fetch),
            )
        };
        format!(
            "{}, 0, {}, {}, {}, {}, {}, {}, {fetch_mb}, {fetch_msgs}",
            date(now_ms),
            java_fixed(u128::from(self.bytes), MB, 4),
            signed_ratio(interval_bytes * 1000, MB, elapsed),
            self.messages,
            signed_ratio(interval_msgs * 1000, 1, elapsed),
            self.join_single_round_ms,
            fetch,
        )
    }
}

/// `%.4f` of `num / (unit * den_ms)` where the divisor may be zero or negative, as Java's
/// double division gives it (`NaN`, `Infinity`, a minus sign).
fn signed_ratio(num: u128, unit: u128, den_ms: i128) -> String {
    let den = unit * den_ms.unsigned_abs();
    let text = java_fixed(num, den, 4);
    if den_ms < 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// `SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS").format(ms)` in UTC, the simulation's clock
/// counting from the epoch.
pub fn date(ms: u64) -> String {
    let days = ms / 86_400_000;
    let rest = ms % 86_400_000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}:{:03}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_simple_date_format_from_the_epoch() {
        assert_eq!(date(0), "1970-01-01 00:00:00:000");
        assert_eq!(date(12_345), "1970-01-01 00:00:12:345");
        assert_eq!(date(951_782_400_000), "2000-02-29 00:00:00:000");
    }

    #[test]
    fn the_summary_divides_as_java_does() {
        let mut run = ConsumerPerfRun::new(1, 3, 10_000, 5_000, false);
        run.start(1_000);
        run.assigned(1_500);
        assert!(run.polled(2_000, &[1024 * 1024, 1024 * 1024]).is_empty());
        assert_eq!(run.ending(2_000), None);
        run.polled(3_000, &[1024 * 1024]);
        assert_eq!(run.ending(3_000), Some(Ending::Done));
        assert_eq!(
            run.final_lines(3_000),
            vec!["1970-01-01 00:00:01:000, 1970-01-01 00:00:03:000, 3.0000, 1.5000, 3, 1.5000, 500, 1500, 2.0000, 2.0000"]
        );
    }

    #[test]
    fn a_timeout_warns_and_an_empty_run_divides_by_zero() {
        let mut run = ConsumerPerfRun::new(1, 5, 100, 5_000, false);
        run.start(0);
        assert_eq!(run.ending(100), None);
        assert_eq!(run.ending(101), Some(Ending::TimedOut));
        let lines = run.final_lines(0);
        assert!(lines[0].starts_with("WARNING: Exiting before consuming the expected number of messages: timeout (100 ms) exceeded."));
        assert!(lines[1].ends_with("0.0000, NaN, 0, NaN, 0, 0, NaN, NaN"));
    }

    #[test]
    fn detailed_stats_print_a_line_per_interval() {
        let mut run = ConsumerPerfRun::new(1, 3, 10_000, 1_000, true);
        run.start(0);
        run.assigned(200);
        assert!(run.polled(500, &[100]).is_empty());
        let lines = run.polled(1_000, &[100, 100]);
        assert_eq!(lines.len(), 1, "one line per interval, at its first record");
        assert_eq!(
            lines[0],
            "1970-01-01 00:00:01:000, 0, 0.0002, 0.0002, 2, 2.0000, 200, 800, 0.0002, 2.5000"
        );
        assert_eq!(run.final_lines(1_000), Vec::<String>::new());
    }
}
