//! The world's armed timers: for each node, its named timers and the scheduler entry each will
//! fire as. Handlers re-arm and cancel timers many times per step (a producer re-arms a linger
//! timer per partition with a batch at every pass of its sender), so finding a timer must be
//! cheap. A node has a handful of timers, so each node's are a short vector searched by equality
//! (an enum's equality rejects another variant at once, where a tree of enum keys pays a full
//! comparison at every level; measured: a map per node costs 3 % more instructions on the
//! engine benchmark). A re-armed timer keeps its place in the vector and a removed one is
//! swapped with the last, so nothing is shifted; the order is therefore the history of arming,
//! which is why equality and `remove_node` go by scheduler sequence instead. Each entry keeps a
//! short code of its timer (a cheap hash), so the search compares integers and looks at a
//! timer itself only when the codes agree. The code never decides anything on its own, so it
//! need not be the same on every platform.

use super::scheduler::SchedulerKey;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

#[derive(Clone, Debug)]
pub struct ArmedTimers<A, T> {
    /// Invariant: each node's list holds a timer at most once.
    nodes: BTreeMap<A, Vec<Armed<T>>>,
}

#[derive(Clone, Debug)]
struct Armed<T> {
    code: u64,
    timer: T,
    key: SchedulerKey,
}

/// A multiply-and-rotate hash (the one rustc uses for its own tables): a few instructions a
/// word, which is all a prefilter needs.
#[derive(Default)]
struct CodeHasher(u64);

impl Hasher for CodeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What a timer type offers the search: a cheap summary of a timer, equal for equal timers.
pub trait TimerCode {
    fn code(&self) -> u64;
}

/// A code from the enum variant of `timer` and a number that tells that variant's timers apart
/// (a partition, a correlation id; 0 for a variant that has one timer per node).
pub fn variant_code<T>(timer: &T, number: u64) -> u64 {
    let mut hasher = CodeHasher::default();
    std::mem::discriminant(timer).hash(&mut hasher);
    hasher.write_u64(number);
    hasher.finish()
}

fn code<T: TimerCode>(timer: &T) -> u64 {
    timer.code()
}

impl<A: Ord, T: PartialEq + TimerCode> Default for ArmedTimers<A, T> {
    fn default() -> Self {
        ArmedTimers {
            nodes: BTreeMap::new(),
        }
    }
}

/// Two worlds with the same timers armed as the same scheduler entries are equal, however each
/// came to list them.
impl<A: Ord, T: PartialEq + TimerCode> PartialEq for ArmedTimers<A, T> {
    fn eq(&self, other: &Self) -> bool {
        fn by_sequence<T>(list: &[Armed<T>]) -> Vec<(&T, SchedulerKey)> {
            let mut refs: Vec<(&T, SchedulerKey)> =
                list.iter().map(|a| (&a.timer, a.key)).collect();
            refs.sort_by_key(|(_, key)| key.sequence);
            refs
        }
        self.nodes.len() == other.nodes.len()
            && self.nodes.iter().zip(&other.nodes).all(|((a, x), (b, y))| {
                a == b && x.len() == y.len() && by_sequence(x) == by_sequence(y)
            })
    }
}

fn find<T: PartialEq>(list: &[Armed<T>], code: u64, timer: &T) -> Option<usize> {
    list.iter()
        .position(|a| a.code == code && a.timer == *timer)
}

impl<A: Ord, T: PartialEq + TimerCode> ArmedTimers<A, T> {
    pub fn get(&self, node: &A, timer: &T) -> Option<SchedulerKey> {
        let list = self.nodes.get(node)?;
        find(list, code(timer), timer).map(|i| list[i].key)
    }

    /// The entry `timer` of `node` is armed as, to re-arm it in place.
    pub fn get_mut(&mut self, node: &A, timer: &T) -> Option<&mut SchedulerKey> {
        let list = self.nodes.get_mut(node)?;
        let i = find(list, code(timer), timer)?;
        Some(&mut list[i].key)
    }

    /// Arm `timer` of `node` as `key` (replacing what the timer was armed as).
    pub fn insert(&mut self, node: A, timer: T, key: SchedulerKey) {
        let list = match self.nodes.get_mut(&node) {
            Some(list) => list,
            None => self.nodes.entry(node).or_default(),
        };
        let code = code(&timer);
        match find(list, code, &timer) {
            Some(i) => list[i].key = key,
            None => list.push(Armed { code, timer, key }),
        }
    }

    pub fn remove(&mut self, node: &A, timer: &T) -> Option<SchedulerKey> {
        let list = self.nodes.get_mut(node)?;
        let i = find(list, code(timer), timer)?;
        Some(list.swap_remove(i).key)
    }

    /// Every timer of `node`, disarmed, in the order they were armed (ascending scheduler
    /// sequence), so what follows does not depend on the order the list keeps.
    pub fn remove_node(&mut self, node: &A) -> Vec<(T, SchedulerKey)> {
        let mut all: Vec<(T, SchedulerKey)> = self
            .nodes
            .remove(node)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.timer, a.key))
            .collect();
        all.sort_by_key(|(_, key)| key.sequence);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;

    impl TimerCode for u32 {
        fn code(&self) -> u64 {
            variant_code(self, u64::from(*self % 4))
        }
    }

    impl TimerCode for &str {
        fn code(&self) -> u64 {
            variant_code(self, self.len() as u64)
        }
    }

    fn key(sequence: u64) -> SchedulerKey {
        SchedulerKey {
            time: SimTime::ZERO,
            sequence,
        }
    }

    #[test]
    fn timers_are_found_by_node_and_name() {
        let mut armed = ArmedTimers::default();
        for t in (0..40u32).rev() {
            armed.insert("p1", t, key(u64::from(40 - t)));
            assert_eq!(armed.get(&"p1", &t), Some(key(u64::from(40 - t))));
        }
        armed.insert("p2", 3, key(100));
        assert_eq!(armed.get(&"p1", &3), Some(key(37)));
        assert_eq!(armed.get(&"p2", &3), Some(key(100)));
        assert_eq!(armed.get(&"p2", &4), None);
        assert_eq!(armed.remove(&"p1", &7), Some(key(33)));
        assert_eq!(armed.get(&"p1", &7), None);
        armed.insert("p1", 8, key(200));
        assert_eq!(armed.get(&"p1", &8), Some(key(200)));
        let all = armed.remove_node(&"p1");
        assert_eq!(all.len(), 39);
        assert!(
            all.windows(2).all(|w| w[0].1 < w[1].1),
            "in the order armed"
        );
        assert_eq!(armed.get(&"p1", &1), None);
    }

    #[test]
    fn the_same_timers_armed_as_the_same_entries_are_equal() {
        let mut a = ArmedTimers::default();
        let mut b = ArmedTimers::default();
        a.insert(1, "x", key(1));
        a.insert(1, "y", key(2));
        a.insert(1, "x", key(3));
        b.insert(1, "y", key(2));
        b.insert(1, "x", key(3));
        assert_eq!(a, b);
    }
}
