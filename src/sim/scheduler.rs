//! The event queue: occurrences ordered by `(time, sequence number)`. The sequence number breaks
//! ties in insertion order, exactly as Kafka's own simulation-test scheduler does, so two events
//! at the same instant always run in the same order.
//!
//! A `BTreeMap` rather than a binary heap: it is `Clone` (a snapshot is a clone) and supports
//! cancelling an entry by key, which timers need. The map holds only keys and slot numbers; the
//! entries themselves live in a slab (`slots`, with a free list), so the tree moves 20 bytes
//! per entry when it rebalances instead of a whole message.

use super::time::SimTime;
use std::collections::BTreeMap;

/// Identifies one scheduled entry; returned by `push`, accepted by `cancel`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SchedulerKey {
    pub time: SimTime,
    pub sequence: u64,
}

/// Invariant: `queue` and the occupied `slots` hold the same entries (each key's slot is
/// `Some`), and `free` lists exactly the `None` slots.
#[derive(Clone, Debug)]
pub struct Scheduler<T> {
    queue: BTreeMap<SchedulerKey, u32>,
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    next_sequence: u64,
}

impl<T> Default for Scheduler<T> {
    fn default() -> Self {
        Scheduler {
            queue: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_sequence: 0,
        }
    }
}

/// Two schedulers are equal when the same entries run in the same order (where in the slab
/// they sit does not matter).
impl<T: PartialEq> PartialEq for Scheduler<T> {
    fn eq(&self, other: &Self) -> bool {
        self.next_sequence == other.next_sequence && self.iter().eq(other.iter())
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
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(item);
                slot
            }
            None => {
                self.slots.push(Some(item));
                (self.slots.len() - 1) as u32
            }
        };
        self.queue.insert(key, slot);
        key
    }

    pub fn pop(&mut self) -> Option<(SchedulerKey, T)> {
        let (key, slot) = self.queue.pop_first()?;
        Some((key, self.take(slot)))
    }

    pub fn cancel(&mut self, key: SchedulerKey) -> Option<T> {
        let slot = self.queue.remove(&key)?;
        Some(self.take(slot))
    }

    /// Whether `key`, moved to `time` now (cancelled and pushed again), would keep its place
    /// among the other entries: it is due at `time` already and nothing was pushed for the same
    /// instant after it. Then moving it changes nothing, and the caller may keep `key`.
    pub fn keeps_place(&self, key: SchedulerKey, time: SimTime) -> bool {
        if key.time != time {
            return false;
        }
        let mut from_key = self.queue.range(key..);
        from_key.next().is_some_and(|(k, _)| *k == key)
            && from_key.next().is_none_or(|(k, _)| k.time != time)
    }

    fn take(&mut self, slot: u32) -> T {
        self.free.push(slot);
        self.slots[slot as usize]
            .take()
            .expect("a queued key's slot holds its entry")
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
        self.queue.iter().map(|(key, slot)| {
            let item = self.slots[*slot as usize]
                .as_ref()
                .expect("a queued key's slot holds its entry");
            (key, item)
        })
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

    #[test]
    fn an_entry_keeps_its_place_only_while_nothing_follows_it_at_the_same_instant() {
        let mut s = Scheduler::new();
        let t = SimTime::from_ms(5);
        let a = s.push(t, "a");
        assert!(s.keeps_place(a, t));
        assert!(!s.keeps_place(a, SimTime::from_ms(6)));
        s.push(SimTime::from_ms(9), "later");
        assert!(
            s.keeps_place(a, t),
            "entries at other instants do not matter"
        );
        s.push(t, "b");
        assert!(!s.keeps_place(a, t), "pushed again, a would run after b");
        s.cancel(a);
        assert!(!s.keeps_place(a, t), "a cancelled key has no place");
    }

    #[test]
    fn equal_schedulers_hold_the_same_entries_wherever_their_slots_are() {
        let mut a = Scheduler::new();
        let x = a.push(SimTime::from_ms(1), 1);
        a.cancel(x);
        a.push(SimTime::from_ms(2), 2);
        let mut b = Scheduler::new();
        let x = b.push(SimTime::from_ms(1), 1);
        b.push(SimTime::from_ms(2), 2);
        b.cancel(x);
        assert_eq!(a, b);
        b.push(SimTime::from_ms(4), 4);
        assert_ne!(a, b);
    }
}
