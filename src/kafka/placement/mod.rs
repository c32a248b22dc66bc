//! Replica placement for Kafka Classroom: which brokers hold each new partition, and which
//! of them leads.
//!
//! [`striped_replica_placer`] is an exact port of the KRaft controller's
//! `StripedReplicaPlacer` for clusters without racks. It draws randomness only through
//! [`RandomSource`], so the simulator can feed it from its own seeded PRNG while the tests
//! feed it [`java_random::JavaRandom`], a bit-for-bit twin of `java.util.Random`, and compare
//! against vectors produced by running Kafka's own Java class.

pub mod java_random;
pub mod striped_replica_placer;

pub use java_random::JavaRandom;
pub use striped_replica_placer::{place, PlacementError, UsableBroker};

/// The only randomness the placer needs: Kafka calls `java.util.Random.nextInt(bound)`,
/// directly for starting offsets and through `Collections.shuffle` for reshuffles.
///
/// Contract: `bound` is at least 1 and at most `i32::MAX` (Java's `int` range), and the
/// result is in `0..bound`. The placer never asks for more than the number of brokers.
pub trait RandomSource {
    /// A value uniformly chosen from `0..bound`.
    fn next_int(&mut self, bound: u32) -> u32;
}

/// The simulator's placements draw from the world's one PRNG.
impl RandomSource for crate::sim::Prng {
    fn next_int(&mut self, bound: u32) -> u32 {
        self.below(bound.max(1) as u64) as u32
    }
}
