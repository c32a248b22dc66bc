//! The world's armed timers: for each node, its named timers and the scheduler entry each will
//! fire as. Handlers re-arm and cancel timers many times per step (a producer re-arms a linger
//! timer per partition at every `send()`), so finding a timer must be cheap. A node has a
//! handful of timers, so each node's are a short vector kept in timer order, searched by
//! equality while short (an enum's equality rejects a different variant at once, where a tree
//! of enum keys pays a full comparison at every level) and by binary search once long.

use super::scheduler::SchedulerKey;
use std::collections::BTreeMap;

/// Lists up to this long are scanned; longer ones are binary-searched.
const SCAN_UP_TO: usize = 16;

#[derive(Clone, PartialEq, Debug)]
pub struct ArmedTimers<A, T> {
    /// Invariant: each node's list is sorted by timer and holds a timer at most once.
    nodes: BTreeMap<A, Vec<(T, SchedulerKey)>>,
}

impl<A: Ord, T: Ord> Default for ArmedTimers<A, T> {
    fn default() -> Self {
        ArmedTimers {
            nodes: BTreeMap::new(),
        }
    }
}

fn find<T: Ord>(list: &[(T, SchedulerKey)], timer: &T) -> Option<usize> {
    if list.len() <= SCAN_UP_TO {
        list.iter().position(|(t, _)| t == timer)
    } else {
        list.binary_search_by(|(t, _)| t.cmp(timer)).ok()
    }
}

impl<A: Ord, T: Ord> ArmedTimers<A, T> {
    pub fn get(&self, node: &A, timer: &T) -> Option<SchedulerKey> {
        let list = self.nodes.get(node)?;
        find(list, timer).map(|i| list[i].1)
    }

    pub fn get_mut(&mut self, node: &A, timer: &T) -> Option<&mut SchedulerKey> {
        let list = self.nodes.get_mut(node)?;
        let i = find(list, timer)?;
        Some(&mut list[i].1)
    }

    /// Arm `timer` of `node` as `key` (replacing what it was armed as).
    pub fn insert(&mut self, node: A, timer: T, key: SchedulerKey) {
        let list = self.nodes.entry(node).or_default();
        match find(list, &timer) {
            Some(i) => list[i].1 = key,
            None => {
                let at = list.partition_point(|(t, _)| *t < timer);
                list.insert(at, (timer, key));
            }
        }
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
    fn timers_are_found_by_node_and_name_short_lists_and_long() {
        let mut armed = ArmedTimers::default();
        for t in (0..40u32).rev() {
            armed.insert("p1", t, key(t.into()));
            assert_eq!(armed.get(&"p1", &t), Some(key(t.into())));
        }
        armed.insert("p2", 3, key(100));
        assert_eq!(armed.get(&"p1", &3), Some(key(3)));
        assert_eq!(armed.get(&"p2", &3), Some(key(100)));
        assert_eq!(armed.get(&"p2", &4), None);
        assert_eq!(armed.remove(&"p1", &7), Some(key(7)));
        assert_eq!(armed.get(&"p1", &7), None);
        armed.insert("p1", 8, key(200));
        assert_eq!(armed.get(&"p1", &8), Some(key(200)));
        let all = armed.remove_node(&"p1");
        assert_eq!(all.len(), 39);
        assert!(
            all.windows(2).all(|w| w[0].0 < w[1].0),
            "kept in timer order"
        );
        assert_eq!(armed.get(&"p1", &1), None);
    }

    #[test]
    fn the_same_timers_armed_in_any_order_are_equal() {
        let mut a = ArmedTimers::default();
        let mut b = ArmedTimers::default();
        for t in [3u32, 1, 2] {
            a.insert(1, t, key(t.into()));
        }
        for t in [2u32, 3, 1] {
            b.insert(1, t, key(t.into()));
        }
        assert_eq!(a, b);
    }
}
