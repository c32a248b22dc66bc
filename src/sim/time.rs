//! Simulated time: integer microseconds since the start of a run. Integers keep runs identical
//! on every platform (no floats), and microseconds are fine enough for network latencies and
//! per-byte costs while a `u64` still spans half a million years.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An instant on the simulated clock, in microseconds since the run started.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub struct SimDuration(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_micros(micros: u64) -> SimTime {
        SimTime(micros)
    }
    pub const fn from_ms(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(1000))
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Whole milliseconds, rounded down.
    pub const fn as_ms(self) -> u64 {
        self.0 / 1000
    }
    pub fn plus(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    /// Time elapsed since `earlier`, or zero if `earlier` is in the future.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_micros(micros: u64) -> SimDuration {
        SimDuration(micros)
    }
    pub const fn from_ms(ms: u64) -> SimDuration {
        SimDuration(ms.saturating_mul(1000))
    }
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs.saturating_mul(1_000_000))
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub const fn as_ms(self) -> u64 {
        self.0 / 1000
    }
    pub fn plus(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
    pub fn times(self, factor: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(factor))
    }
}

/// Milliseconds with three decimals, zero-padded to a fixed width so trace lines line up:
/// `000120.250`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// Human units: `250µs`, `5ms`, `1.5s`, `30s`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us < 1000 {
            write!(f, "{us}µs")
        } else if us < 1_000_000 {
            match us % 1000 {
                0 => write!(f, "{}ms", us / 1000),
                frac => write!(f, "{}.{:03}ms", us / 1000, frac),
            }
        } else {
            let tenths = (us % 1_000_000) / 100_000;
            match tenths {
                0 => write!(f, "{}s", us / 1_000_000),
                t => write!(f, "{}.{}s", us / 1_000_000, t),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_prints_fixed_width_milliseconds() {
        assert_eq!(SimTime::from_micros(120_250).to_string(), "000120.250");
        assert_eq!(SimTime::ZERO.to_string(), "000000.000");
    }

    #[test]
    fn durations_print_in_human_units() {
        assert_eq!(SimDuration::from_micros(250).to_string(), "250µs");
        assert_eq!(SimDuration::from_ms(5).to_string(), "5ms");
        assert_eq!(SimDuration::from_micros(1500).to_string(), "1.500ms");
        assert_eq!(SimDuration::from_ms(1500).to_string(), "1.5s");
        assert_eq!(SimDuration::from_secs(30).to_string(), "30s");
    }

    #[test]
    fn since_saturates_instead_of_wrapping() {
        assert_eq!(
            SimTime::from_ms(1).since(SimTime::from_ms(2)),
            SimDuration::ZERO
        );
    }
}
