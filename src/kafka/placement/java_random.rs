//! A faithful `java.util.Random`: the 48-bit linear congruential generator from the JDK,
//! with Java's seed scrambling, `next(bits)` and `nextInt(bound)`.
//!
//! It exists so tests can drive the Rust placer with exactly the random stream Kafka's Java
//! placer saw, and compare placements bit for bit. The simulator itself is free to implement
//! [`RandomSource`] over any seeded generator.

use super::RandomSource;

/// The LCG multiplier from the JDK (and Knuth, TAOCP vol. 2, 3.3.4).
const MULTIPLIER: u64 = 0x5_DEEC_E66D;
/// The LCG increment from the JDK.
const ADDEND: u64 = 0xB;
/// The generator keeps 48 bits of state.
const MASK: u64 = (1 << 48) - 1;

/// `java.util.Random`, reproduced bit for bit.
///
/// Invariant: `seed <= MASK` (only the low 48 bits are state, as in the JDK).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    /// `new Random(seed)`: Java XORs the seed with the multiplier so that small seeds such
    /// as 0 and 1 do not start in obviously related states.
    pub fn new(seed: i64) -> JavaRandom {
        // `as u64` reinterprets the two's-complement bits, which is what Java's long does.
        JavaRandom {
            seed: (seed as u64 ^ MULTIPLIER) & MASK,
        }
    }

    /// `Random.next(bits)`: advance the LCG and return its top `bits` bits (1..=32) as a
    /// Java `int`. The high bits are used because the low bits of an LCG have short periods.
    pub fn next(&mut self, bits: u32) -> i32 {
        assert!(
            (1..=32).contains(&bits),
            "next(bits) takes 1..=32 bits, got {bits}"
        );
        self.seed = self.seed.wrapping_mul(MULTIPLIER).wrapping_add(ADDEND) & MASK;
        // Truncating to 32 bits mirrors Java's `(int)` cast of the shifted long.
        (self.seed >> (48 - bits)) as u32 as i32
    }

    /// `Random.nextInt(bound)`, including both of Java's paths.
    ///
    /// Panics if `bound` is not positive, as Java throws `IllegalArgumentException`; the
    /// placer only asks for list sizes, which are at least 1.
    pub fn next_int_bounded(&mut self, bound: i32) -> i32 {
        assert!(bound > 0, "bound must be positive, got {bound}");
        let mut r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            // A power of two: take the high bits of the 31-bit draw, which are better
            // distributed than the low bits `r % bound` would keep.
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        // Otherwise reject draws from the incomplete last block of `bound` values so every
        // result is equally likely. Java detects that block by `int` overflow of
        // `u - r + m`, so the arithmetic here must wrap exactly as Java's does.
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}

impl RandomSource for JavaRandom {
    fn next_int(&mut self, bound: u32) -> u32 {
        let bound = i32::try_from(bound).expect("RandomSource contract: bound <= i32::MAX");
        let value = self.next_int_bounded(bound);
        u32::try_from(value).expect("Java's nextInt(bound) is never negative")
    }
}

#[cfg(test)]
mod tests {
    use super::JavaRandom;

    #[test]
    fn seed_42_gives_the_jdk_first_int() {
        // `new Random(42).nextInt()` is -1170105035 in every JDK; nextInt() is next(32).
        assert_eq!(JavaRandom::new(42).next(32), -1_170_105_035);
    }

    #[test]
    fn power_of_two_bound_takes_high_bits() {
        // For bound 2^k Java keeps the top k of the 31 bits rather than a remainder.
        let mut a = JavaRandom::new(9);
        let mut b = JavaRandom::new(9);
        assert_eq!(a.next_int_bounded(8), b.next(31) >> 28);
    }
}
