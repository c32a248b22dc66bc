//! Known-answer tests for `LeaderEpochCache`: vectors E1-E18 (tests/data/epoch_cache_vectors.json,
//! copied from Kafka's test values, taken from Kafka's LeaderEpochFileCacheTest), plus a
//! few more cases from the same Kafka test class written out by hand.

use kafka_classroom::kafka::log::epoch_cache::{
    EpochCacheError, EpochEntry, LeaderEpochCache, UNDEFINED_EPOCH_OFFSET,
};
use serde_json::Value;

const VECTORS: &str = include_str!("data/epoch_cache_vectors.json");

fn vector(id: &str) -> Value {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("vector file is valid JSON");
    vectors
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

/// Parses `name(a,b)` or `name(a)` into the name and its integer arguments.
fn parse_op(op: &str) -> (&str, Vec<i64>) {
    let (name, rest) = op.split_once('(').unwrap_or_else(|| panic!("bad op {op}"));
    let args = rest
        .trim_end_matches(')')
        .split(',')
        .map(|a| a.trim().parse().expect("integer argument"));
    (name, args.collect())
}

fn run_op(cache: &mut LeaderEpochCache, op: &str) {
    match parse_op(op) {
        ("assign", args) => cache
            .assign(args[0] as i32, args[1])
            .expect("vector epochs are valid"),
        ("truncateFromEnd", args) => cache.truncate_from_end(args[0]),
        ("truncateFromStart", args) => cache.truncate_from_start(args[0]),
        (name, _) => panic!("unknown op {name}"),
    }
}

fn entries_of(value: &Value) -> Vec<EpochEntry> {
    let pairs = value.as_array().expect("entries is a list");
    let entry = |pair: &Value| EpochEntry {
        epoch: pair[0].as_i64().expect("epoch") as i32,
        start_offset: pair[1].as_i64().expect("start offset"),
    };
    pairs.iter().map(entry).collect()
}

fn run_check(cache: &LeaderEpochCache, check: &Value, log_end_offset: i64, id: &str) {
    if let Some(epoch) = check.get("endOffsetFor") {
        let expect = &check["expect"];
        let expected = (
            expect[0].as_i64().expect("epoch") as i32,
            expect[1].as_i64().expect("offset"),
        );
        let requested = epoch.as_i64().expect("requested epoch") as i32;
        assert_eq!(
            cache.end_offset_for(requested, log_end_offset),
            expected,
            "{id}: endOffsetFor({requested})"
        );
    }
    if let Some(latest) = check.get("latestEpoch") {
        assert_eq!(
            cache.latest_epoch(),
            latest.as_i64().map(|e| e as i32),
            "{id}: latestEpoch"
        );
    }
    if let Some(previous) = check.get("previousEpoch") {
        assert_eq!(
            cache.previous_epoch(),
            previous.as_i64().map(|e| e as i32),
            "{id}: previousEpoch"
        );
    }
    if let Some(entries) = check.get("entries") {
        assert_eq!(
            cache.entries(),
            entries_of(entries).as_slice(),
            "{id}: entries"
        );
    }
}

/// Replays a vector's ops; a check with `afterOp: n` runs after the n-th op, the rest at the end.
fn run_vector(id: &str) {
    let vector = vector(id);
    let ops = vector["ops"].as_array().expect("ops");
    let checks = vector["checks"].as_array().expect("checks");
    let log_end_offset = vector["logEndOffset"]
        .as_i64()
        .unwrap_or(UNDEFINED_EPOCH_OFFSET);
    let mut cache = LeaderEpochCache::new();
    for (index, op) in ops.iter().enumerate() {
        run_op(&mut cache, op.as_str().expect("op string"));
        for check in checks
            .iter()
            .filter(|c| c["afterOp"].as_u64() == Some(index as u64 + 1))
        {
            run_check(&cache, check, log_end_offset, id);
        }
    }
    for check in checks.iter().filter(|c| c.get("afterOp").is_none()) {
        run_check(&cache, check, log_end_offset, id);
    }
}

#[test]
fn every_vector_has_a_test() {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("valid JSON");
    let ids: Vec<&str> = vectors
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    let expected: Vec<String> = (1..=18).map(|n| format!("E{n}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn assigned_epoch_ends_at_log_end_offset() {
    run_vector("E1")
}
#[test]
fn latest_epoch_request_returns_log_end_offset() {
    run_vector("E2")
}
#[test]
fn undefined_epoch_request_returns_undefined() {
    run_vector("E3")
}
#[test]
fn assigned_epoch_keeps_its_first_start_offset() {
    run_vector("E4")
}
#[test]
fn new_epoch_at_same_offset_replaces_older_epoch() {
    run_vector("E5")
}
#[test]
fn empty_cache_returns_undefined() {
    run_vector("E6")
}
#[test]
fn epoch_below_first_ends_at_first_start_offset() {
    run_vector("E7")
}
#[test]
fn same_epoch_at_earlier_offset_drops_later_entries() {
    run_vector("E8")
}
#[test]
fn older_epoch_ends_where_next_epoch_starts() {
    run_vector("E9")
}
#[test]
fn unknown_epoch_resolves_to_largest_smaller_epoch() {
    run_vector("E10")
}
#[test]
fn epoch_above_latest_is_undefined() {
    run_vector("E11")
}
#[test]
fn smaller_epoch_drops_every_larger_epoch() {
    run_vector("E12")
}
#[test]
fn smaller_start_offset_drops_entries_at_or_after_it() {
    run_vector("E13")
}
#[test]
fn follower_tracks_epochs_across_many_appends() {
    run_vector("E14")
}
#[test]
fn truncate_from_end_drops_entry_on_boundary() {
    run_vector("E15")
}
#[test]
fn truncate_from_start_keeps_entry_starting_at_offset() {
    run_vector("E16")
}
#[test]
fn truncate_from_start_between_epochs_moves_start_offset() {
    run_vector("E17")
}
#[test]
fn previous_epoch_follows_assigns_and_truncation() {
    run_vector("E18")
}

fn cache_of(entries: &[(i32, i64)]) -> LeaderEpochCache {
    let mut cache = LeaderEpochCache::new();
    for &(epoch, start_offset) in entries {
        cache.assign(epoch, start_offset).expect("valid entry");
    }
    cache
}

fn pairs(cache: &LeaderEpochCache) -> Vec<(i32, i64)> {
    cache
        .entries()
        .iter()
        .map(|e| (e.epoch, e.start_offset))
        .collect()
}

#[test]
fn negative_epoch_or_offset_is_rejected() {
    let mut cache = LeaderEpochCache::new();
    let invalid = |epoch, start_offset| {
        Err(EpochCacheError::InvalidEpochEntry {
            epoch,
            start_offset,
        })
    };
    assert_eq!(cache.assign(-1, 0), invalid(-1, 0));
    assert_eq!(cache.assign(0, -5), invalid(0, -5));
    assert!(cache.entries().is_empty());
}

/// LeaderEpochFileCacheTest.shouldFetchEpochForGivenOffset.
#[test]
fn epoch_for_offset_finds_the_epoch_containing_it() {
    let cache = cache_of(&[(0, 10), (1, 20), (5, 30)]);
    assert_eq!(cache.epoch_for_offset(25), Some(1));
    assert_eq!(cache.epoch_for_offset(20), Some(1));
    assert_eq!(cache.epoch_for_offset(30), Some(5));
    assert_eq!(cache.epoch_for_offset(50), Some(5));
    assert_eq!(cache.epoch_for_offset(5), None);
}

/// shouldNotClearAnythingIfOffsetToEarly, ...ToFirstOffset, shouldRetainLatestEpochOnClearAllEarliest,
/// shouldUpdateOffsetBetweenEpochBoundariesOnClearEarliest2,
/// shouldRetainLatestEpochOnClearAllEarliestAndUpdateItsOffset, shouldNotResetEpochHistoryHeadIfUndefinedPassed.
#[test]
fn truncate_from_start_rewrites_the_oldest_surviving_epoch() {
    let base = [(2, 6), (3, 8), (4, 11)];
    let after = |offset| {
        let mut cache = cache_of(&base);
        cache.truncate_from_start(offset);
        pairs(&cache)
    };
    assert_eq!(after(1), base.to_vec());
    assert_eq!(after(6), base.to_vec());
    assert_eq!(after(11), vec![(4, 11)]);
    assert_eq!(after(15), vec![(4, 15)]);
    assert_eq!(after(UNDEFINED_EPOCH_OFFSET), base.to_vec());
    let mut cache = cache_of(&[(0, 0), (1, 7), (2, 10)]);
    cache.truncate_from_start(5);
    assert_eq!(pairs(&cache), vec![(0, 5), (1, 7), (2, 10)]);
}

/// shouldDropEntriesBetweenEpochBoundaryWhenRemovingNewest, shouldNotResetEpochHistoryTailIfUndefinedPassed,
/// shouldClearEarliestOnEmptyCache, shouldClearLatestOnEmptyCache.
#[test]
fn truncate_from_end_keeps_epochs_starting_before_offset() {
    let mut cache = cache_of(&[(2, 6), (3, 8), (4, 11)]);
    cache.truncate_from_end(9);
    assert_eq!(pairs(&cache), vec![(2, 6), (3, 8)]);
    assert_eq!(cache.latest_epoch(), Some(3));
    cache.truncate_from_end(UNDEFINED_EPOCH_OFFSET);
    assert_eq!(pairs(&cache), vec![(2, 6), (3, 8)]);
    let mut empty = LeaderEpochCache::new();
    empty.truncate_from_end(7);
    empty.truncate_from_start(7);
    assert!(empty.entries().is_empty());
    assert_eq!(empty.latest_epoch(), None);
    assert_eq!(empty.previous_epoch(), None);
}
