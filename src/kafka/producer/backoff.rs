//! Kafka's `ExponentialBackoff` (KIP-580) as the producer configures it: base
//! `retry.backoff.ms`, multiplier 2, cap `retry.backoff.max.ms`, jitter 0.2
//! (`CommonClientConfigs.RETRY_BACKOFF_EXP_BASE` and `RETRY_BACKOFF_JITTER`).

/// The jitter range in thousandths: the random factor is `(800 + jitter) / 1000`, with `jitter`
/// drawn uniformly below this, i.e. Java's `nextDouble(1 - 0.2, 1 + 0.2)`, in [0.8, 1.2).
pub const JITTER_RANGE_THOUSANDTHS: u64 = 400;

/// Kafka's `ExponentialBackoff.backoff(attempts)` in ms. Growth stops at the cap, the jitter
/// applies to that, and only then is the result capped again (`Math.min(backoffValue,
/// maxInterval)`): the wait never exceeds `max_ms`, and once at the cap it falls in
/// [0.8 × max, max]. When `max_ms <= initial_ms` Kafka uses a static backoff of `max_ms`
/// without jitter. `jitter` is a draw below [`JITTER_RANGE_THOUSANDTHS`].
pub fn exponential_backoff(initial_ms: u64, max_ms: u64, attempts: u32, jitter: u64) -> u64 {
    let initial = initial_ms.min(max_ms);
    // Kafka's expMax is 0 when there is no room to grow (max <= initial), or when
    // log(max / max(initial, 1)) is 0 (initial 0, max 1): the initial interval, no jitter.
    if max_ms <= initial_ms.max(1) {
        return initial;
    }
    // initial * 2^min(attempts, expMax): doubling until it would pass the cap, where
    // 2^expMax = max / initial makes the term exactly the cap.
    let doubled = (initial as u128) << attempts.min(64);
    let term = doubled.min(max_ms as u128) as u64;
    let factor = 800 + jitter.min(JITTER_RANGE_THOUSANDTHS - 1);
    let jittered = (term as u128 * factor as u128 / 1000) as u64;
    jittered.min(max_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_by_two_from_retry_backoff_ms() {
        let no_jitter = 200;
        assert_eq!(exponential_backoff(100, 1000, 0, no_jitter), 100);
        assert_eq!(exponential_backoff(100, 1000, 1, no_jitter), 200);
        assert_eq!(exponential_backoff(100, 1000, 3, no_jitter), 800);
        assert_eq!(exponential_backoff(100, 1000, 4, no_jitter), 1000);
        assert_eq!(exponential_backoff(100, 1000, 40, no_jitter), 1000);
    }

    #[test]
    fn jitter_is_twenty_percent_either_way_below_the_cap() {
        assert_eq!(exponential_backoff(100, 1000, 0, 0), 80);
        assert_eq!(exponential_backoff(100, 1000, 0, 399), 119);
        assert_eq!(exponential_backoff(100, 1000, 2, 0), 320);
    }

    #[test]
    fn a_static_backoff_when_the_cap_is_not_above_the_base() {
        assert_eq!(exponential_backoff(5000, 1000, 3, 0), 1000);
        assert_eq!(exponential_backoff(100, 100, 3, 399), 100);
        assert_eq!(exponential_backoff(0, 0, 3, 399), 0);
    }
}
