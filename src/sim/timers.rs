//! The world's armed timers: for each node, its named timers and the scheduler entry each will
//! fire as. Handlers re-arm and cancel timers many times per step (a producer re-arms a linger
//! timer per partition at every `send()`), so finding a timer must be cheap. A node has a
//! handful of timers, so each node's are a short vector searched by equality (an enum's
//! equality rejects another variant at once, where a tree of enum keys pays a full comparison at
//! every level), kept in the order they were armed: a timer armed again moves to the end, since
//! its new scheduler entry is the newest.

use super::scheduler::SchedulerKey;
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Debug)]
pub struct ArmedTimers<A, T> {
    /// Invariant: each node's list holds a timer at most once, in ascending order of the
    /// scheduler sequence of its key, so two worlds with the same timers armed list them alike.
    nodes: BTreeMap<A, Vec<(T, SchedulerKey)>>,
}

impl<A: Ord, T: PartialEq> Default for ArmedTimers<A, T> {
    fn default() -> Self {
        ArmedTimers {
            nodes: BTreeMap::new(),
        }
    }
}

fn find<T: PartialEq>(list: &[(T, SchedulerKey)], timer: &T) -> Option<usize> {
    list.iter().position(|(t, _)| t == timer)
}

impl<A: Ord, T: PartialEq> ArmedTimers<A, T> {
    pub fn get(&self, node: &A, timer: &T) -> Option<SchedulerKey> {
        let list = self.nodes.get(node)?;
        find(list, timer).map(|i| list[i].1)
    }

    /// Arm `timer` of `node` as `key`, the scheduler's newest entry (replacing what the timer
    /// was armed as).
    pub fn insert(&mut self, node: A, timer: T, key: SchedulerKey) {
        let list = match self.nodes.get_mut(&node) {
            Some(list) => list,
            None => self.nodes.entry(node).or_default(),
        };
        debug_assert!(list.iter().all(|(_, k)| k.sequence < key.sequence));
        if let Some(i) = find(list, &timer) {
            list.remove(i);
        }
        list.push((timer, key));
    }

    pub fn remove(&mut self, node: &A, timer: &T) -> Option<SchedulerKey> {
        let list = self.nodes.get_mut(node)?;
        let i = find(list, timer)?;
        Some(list.remove(i).1)
    }

    /// Every timer of `node`, disarmed.
    pub fn remove_node(&mut self, node: &A) -> Vec<(T, SchedulerKey)> {
        self.nodes.remove(node).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;

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
