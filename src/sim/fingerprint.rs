//! The run fingerprint: a hash folded over every step. Two runs with the same fingerprint took
//! the same steps, which is how the tests prove determinism natively and in wasm.
//!
//! `StableHasher` is FNV-1a over little-endian bytes with `usize`/`isize` widened to 64 bits, so
//! derived `Hash` impls (which hash enum discriminants as `isize` and lengths as `usize`) give the
//! same value on 64-bit hosts and on 32-bit wasm.

use std::hash::{Hash, Hasher};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StableHasher {
    state: u64,
}

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher { state: FNV_OFFSET }
    }
}

impl StableHasher {
    pub fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
        let mut h = StableHasher::default();
        value.hash(&mut h);
        h.finish()
    }
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.state
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.state ^= *b as u64;
            self.state = self.state.wrapping_mul(FNV_PRIME);
        }
    }
    fn write_u16(&mut self, i: u16) {
        self.write(&i.to_le_bytes())
    }
    fn write_u32(&mut self, i: u32) {
        self.write(&i.to_le_bytes())
    }
    fn write_u64(&mut self, i: u64) {
        self.write(&i.to_le_bytes())
    }
    fn write_u128(&mut self, i: u128) {
        self.write(&i.to_le_bytes())
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64)
    }
    fn write_i16(&mut self, i: i16) {
        self.write(&i.to_le_bytes())
    }
    fn write_i32(&mut self, i: i32) {
        self.write(&i.to_le_bytes())
    }
    fn write_i64(&mut self, i: i64) {
        self.write(&i.to_le_bytes())
    }
    fn write_isize(&mut self, i: isize) {
        self.write_i64(i as i64)
    }
}

/// A running hash over the steps of one run.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(FNV_OFFSET)
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
                12161962213042174405,
                1016097920905335396,
                5465015992139406178,
            ]
        "#]]
        .assert_debug_eq(&values);
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
