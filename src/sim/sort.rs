//! Stable sorts that cost the browser download almost nothing.
//!
//! The standard library's stable sort is several kilobytes of wasm, compiled again for every
//! element type and comparison it is called with. In the browser build these helpers sort a
//! list of indices instead (one shared copy of the sort, comparisons through one `dyn` call)
//! and then move the elements into place. A stable sort's result is fixed by the comparison
//! alone, so both ways give the same order; natively, where size does not matter, they call the
//! standard sort directly. Use them where a sort is not on the engine's per-step path.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `v.sort_by(cmp)`, stable.
pub fn sort_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    sort_by_permutation(v, cmp);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(cmp);
}

/// `v.sort()`, stable.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// `v.sort_by_key(key)`, stable.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// `items.collect::<BTreeMap<_, _>>()` without its sort: the standard `collect` sorts the pairs
/// first (one more copy of the stable sort per key and value type in the browser build); this
/// inserts them one by one. Same map: a later pair with an equal key replaces the value.
pub fn collect_map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in items {
        map.insert(k, v);
    }
    map
}

/// `items.collect::<BTreeSet<_>>()` without its sort (see `collect_map`).
pub fn collect_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// The browser's way: the order of the indices, then the elements moved to match it.
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn sort_by_permutation<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = stable_order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    permute(v, &order);
}

/// The indices `0..len` stably sorted by `cmp` (not generic: compiled once).
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn stable_order(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Rearranges `v` so that its element `i` is the old element `order[i]`, following each cycle
/// of the permutation once (linear time, no copies).
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn permute<T>(v: &mut [T], order: &[usize]) {
    let mut placed = vec![false; v.len()];
    for start in 0..v.len() {
        if placed[start] {
            continue;
        }
        let mut at = start;
        loop {
            placed[at] = true;
            let from = order[at];
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Prng;

    #[test]
    fn the_permutation_sort_gives_the_standard_stable_order() {
        let mut rng = Prng::new(11);
        for len in 0..60u64 {
            // Few distinct keys, so equal keys are common and stability shows.
            let items: Vec<(u64, u64)> = (0..len).map(|i| (rng.below(5), i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|p| p.0);
            let mut got = items.clone();
            sort_by_permutation(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, expected, "length {len}");
        }
    }

    #[test]
    fn permute_moves_each_element_to_its_place() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        permute(&mut v, &[3, 0, 4, 1, 2]);
        assert_eq!(v, vec!['d', 'a', 'e', 'b', 'c']);
    }

    #[test]
    fn collecting_without_the_sort_gives_the_standard_map_and_set() {
        let mut rng = Prng::new(7);
        for len in 0..40u64 {
            // Few distinct keys: later pairs with an equal key must win, as in `collect`.
            let pairs: Vec<(u64, u64)> = (0..len).map(|i| (rng.below(6), i)).collect();
            let expected: BTreeMap<u64, u64> = pairs.iter().copied().collect();
            assert_eq!(collect_map(pairs.iter().copied()), expected, "length {len}");
            let keys = pairs.iter().map(|p| p.0);
            assert_eq!(collect_set(keys.clone()), keys.collect::<BTreeSet<u64>>());
        }
    }
}
