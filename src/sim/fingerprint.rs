//! The run fingerprint: a hash folded over every step. Two runs with the same fingerprint took
//! the same steps, which is how the tests prove determinism natively and in wasm.
//!
//! `StableHasher` mixes 64-bit words with a folded multiply (the full 128-bit product of the
//! state and an odd constant, high half xor low half, as aHash's portable fallback does): one
//! multiplication per word instead of one per byte (FNV-1a), which matters because every
//! message of every step is hashed. Byte strings are read as little-endian words with their
//! length mixed in first, and `usize`/`isize` are widened to 64 bits, so derived `Hash` impls
//! (which hash enum discriminants as `isize` and lengths as `usize`) give the same value on
//! 64-bit hosts and on 32-bit wasm.

use std::hash::{Hash, Hasher};

const SEED: u64 = 0xcbf2_9ce4_8422_2325;
/// The PCG multiplier (odd, with well-spread bits).
const MULTIPLE: u64 = 6_364_136_223_846_793_005;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StableHasher {
    state: u64,
}

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher { state: SEED }
    }
}

impl StableHasher {
    pub fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
        let mut h = StableHasher::default();
        value.hash(&mut h);
        h.finish()
    }

    #[inline]
    fn mix(&mut self, word: u64) {
        self.state = folded_multiply(self.state ^ word, MULTIPLE);
    }
}

/// The 128-bit product of `a` and `b`, high half xor low half.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// The same value from four 32 × 32-bit products: wasm32 has no 64 × 64 → 128-bit multiply,
/// and the `u128` version there calls a general 128 × 128-bit multiplication routine
/// (`__multi3`), which cost about 4 % of the tuning lab's time in the browser.
#[cfg(target_arch = "wasm32")]
#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let (low, high) = widening_multiply(a, b);
    low ^ high
}

/// `a × b` as (low, high) 64-bit halves, by schoolbook multiplication of 32-bit halves.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline]
fn widening_multiply(a: u64, b: u64) -> (u64, u64) {
    const HALF: u64 = 0xffff_ffff;
    let (a0, a1, b0, b1) = (a & HALF, a >> 32, b & HALF, b >> 32);
    let (ll, lh, hl, hh) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // At most 3 × (2^32 − 1) < 2^64: no overflow.
    let middle = (ll >> 32) + (lh & HALF) + (hl & HALF);
    let low = (ll & HALF) | (middle << 32);
    let high = hh + (lh >> 32) + (hl >> 32) + (middle >> 32);
    (low, high)
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.state
    }
    fn write(&mut self, bytes: &[u8]) {
        self.mix(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word: [u8; 8] = chunk.try_into().expect("chunks_exact gives 8 bytes");
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i))
    }
    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i))
    }
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i))
    }
    fn write_u64(&mut self, i: u64) {
        self.mix(i)
    }
    fn write_u128(&mut self, i: u128) {
        self.mix(i as u64);
        self.mix((i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64)
    }
    fn write_i8(&mut self, i: i8) {
        self.mix(i as u8 as u64)
    }
    fn write_i16(&mut self, i: i16) {
        self.mix(i as u16 as u64)
    }
    fn write_i32(&mut self, i: i32) {
        self.mix(i as u32 as u64)
    }
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64)
    }
    fn write_i128(&mut self, i: i128) {
        self.write_u128(i as u128)
    }
    fn write_isize(&mut self, i: isize) {
        self.mix(i as i64 as u64)
    }
}

/// A running hash over the steps of one run.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(SEED)
    }
}

impl Fingerprint {
    /// Fold one step's hash into the fingerprint (order matters).
    pub fn absorb(&mut self, step_hash: u64) {
        let mut h = StableHasher { state: self.0 };
        h.write_u64(step_hash);
        self.0 = h.finish();
    }
    pub fn value(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Hash)]
    enum Shape {
        Dot,
        Line {
            from: (i32, i32),
            to: (i32, i32),
            label: String,
        },
    }

    /// Pinned values: a change here means every recorded fingerprint changes too. The `usize`
    /// and the enum discriminant are widened to 64 bits, so wasm32 gives the same numbers.
    #[test]
    fn derived_hashes_are_pinned() {
        let line = Shape::Line {
            from: (1, 2),
            to: (3, 4),
            label: "a".into(),
        };
        let values = [
            StableHasher::hash_of(&Shape::Dot),
            StableHasher::hash_of(&line),
            StableHasher::hash_of(&7usize),
        ];
        expect_test::expect![[r#"
            [
                12805666403354183062,
                17379439867451763120,
                12152999634365843436,
            ]
        "#]]
        .assert_debug_eq(&values);
    }

    #[test]
    fn byte_strings_differing_only_in_trailing_zeros_hash_apart() {
        let mut short = StableHasher::default();
        short.write(b"abc");
        let mut long = StableHasher::default();
        long.write(b"abc\0");
        assert_ne!(short.finish(), long.finish());
    }

    /// The wasm32 path multiplies by 32-bit halves; it must equal the `u128` product natively,
    /// including at the carries' edges.
    #[test]
    fn widening_multiply_equals_the_u128_product() {
        let mut words = vec![
            0,
            1,
            u64::MAX,
            u64::MAX - 1,
            1 << 32,
            (1 << 32) - 1,
            MULTIPLE,
            SEED,
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            x = x.wrapping_mul(MULTIPLE).wrapping_add(1442695040888963407);
            words.push(x);
        }
        for &a in &words {
            for &b in [MULTIPLE, u64::MAX, a, x].iter() {
                let product = u128::from(a) * u128::from(b);
                let expected = (product as u64, (product >> 64) as u64);
                assert_eq!(widening_multiply(a, b), expected, "{a} x {b}");
            }
        }
    }

    #[test]
    fn fingerprint_depends_on_order() {
        let mut a = Fingerprint::default();
        a.absorb(1);
        a.absorb(2);
        let mut b = Fingerprint::default();
        b.absorb(2);
        b.absorb(1);
        assert_ne!(a, b);
    }
}
