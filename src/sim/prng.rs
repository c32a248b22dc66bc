//! The one source of randomness in a run: a seeded, named, portable generator (PCG, 64-bit
//! output, `rand_pcg::Pcg64Mcg`). Its stream is specified by the algorithm, so it is identical
//! natively and in wasm. Range sampling is written here rather than borrowed from `rand` so that
//! a library upgrade can never change a recorded run.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// A seeded generator. The world owns exactly one; handlers borrow it through `Ctx`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Prng {
    inner: Pcg64Mcg,
}

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng {
            inner: Pcg64Mcg::seed_from_u64(seed),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.inner.next_u64() >> 32) as u32
    }

    /// A uniform integer in `0..bound` (`bound` > 0), without modulo bias (Lemire's method).
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "below() needs a positive bound");
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = (self.next_u64() as u128) * (bound as u128);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// A uniform integer in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "between() needs low <= high");
        if low == 0 && high == u64::MAX {
            return self.next_u64();
        }
        low + self.below(high - low + 1)
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: u32, denominator: u32) -> bool {
        if numerator == 0 || denominator == 0 {
            return false;
        }
        if numerator >= denominator {
            return true;
        }
        self.below(denominator as u64) < numerator as u64
    }

    /// A 128-bit identifier formatted like a UUID, for member ids and the like.
    pub fn uuid_like(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_stream() {
        let mut a = Prng::new(7);
        let mut b = Prng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    /// Pins the stream itself: if this changes, every recorded run and golden trace changes.
    #[test]
    fn stream_is_pinned_for_seed_42() {
        let mut p = Prng::new(42);
        let first: Vec<u64> = (0..3).map(|_| p.below(1000)).collect();
        expect_test::expect![[r#"
            [
                573,
                133,
                355,
            ]
        "#]]
        .assert_debug_eq(&first);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut p = Prng::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let x = p.below(7);
            assert!(x < 7);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn chance_extremes_are_exact() {
        let mut p = Prng::new(3);
        assert!(!p.chance(0, 10));
        assert!(p.chance(10, 10));
        let hits = (0..10_000).filter(|_| p.chance(1, 4)).count();
        assert!(
            (2_200..2_800).contains(&hits),
            "1/4 chance hit {hits} of 10000"
        );
    }
}
