//! The event queue: occurrences ordered by `(time, sequence number)`. The sequence number breaks
//! ties in insertion order, exactly as Kafka's own simulation-test scheduler does, so two events
//! at the same instant always run in the same order.
//!
//! A `BTreeMap` rather than a binary heap: it is `Clone + PartialEq` (a snapshot is a clone) and
//! supports cancelling an entry by key, which timers need.

use super::time::SimTime;
use std::collections::BTreeMap;

/// Identifies one scheduled entry; returned by `push`, accepted by `cancel`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SchedulerKey {
    pub time: SimTime,
    pub sequence: u64,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Scheduler<T> {
    queue: BTreeMap<SchedulerKey, T>,
    next_sequence: u64,
}

impl<T> Default for Scheduler<T> {
    fn default() -> Self {
        Scheduler {
            queue: BTreeMap::new(),
            next_sequence: 0,
        }
    }
}

impl<T> Scheduler<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, time: SimTime, item: T) -> SchedulerKey {
        let key = SchedulerKey {
            time,
            sequence: self.next_sequence,
        };
        self.next_sequence += 1;
        self.queue.insert(key, item);
        key
    }

    pub fn pop(&mut self) -> Option<(SchedulerKey, T)> {
        self.queue.pop_first()
    }

    pub fn cancel(&mut self, key: SchedulerKey) -> Option<T> {
        self.queue.remove(&key)
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.queue.first_key_value().map(|(k, _)| k.time)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Entries in the order they will run.
    pub fn iter(&self) -> impl Iterator<Item = (&SchedulerKey, &T)> {
        self.queue.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut s = Scheduler::new();
        s.push(SimTime::from_ms(5), "b");
        s.push(SimTime::from_ms(1), "a");
        s.push(SimTime::from_ms(5), "c");
        let order: Vec<_> = std::iter::from_fn(|| s.pop().map(|(_, v)| v)).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn cancelled_entries_never_pop() {
        let mut s = Scheduler::new();
        let k = s.push(SimTime::from_ms(1), 1);
        s.push(SimTime::from_ms(2), 2);
        assert_eq!(s.cancel(k), Some(1));
        assert_eq!(s.pop().map(|(_, v)| v), Some(2));
        assert!(s.pop().is_none());
    }
}
