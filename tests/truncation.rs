//! Follower reconciliation: vectors T1-T2 (tests/data/truncation_vectors.json, copied from
//! Kafka's test values, after Kafka's AbstractFetcherThreadTest) replayed one Fetch at
//! a time by a small driver, plus the unclean-election cases and the pure functions' edge cases.

#[path = "support/replica_log.rs"]
mod replica_log;

use kafka_classroom::kafka::log::epoch_cache::LeaderEpochCache;
use kafka_classroom::kafka::log::truncation::{
    diverging_epoch, out_of_range_reset, truncation_offset, DivergingEpoch, FetchError,
    OutOfRangeReset, TruncateTo,
};
use replica_log::{LogEntry, ReplicaLog};
use serde_json::Value;

const VECTORS: &str = include_str!("data/truncation_vectors.json");

/// One Fetch round trip as the follower experienced it.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Step {
    Diverged {
        fetch_offset: i64,
        last_fetched_epoch: Option<i32>,
        diverging: DivergingEpoch,
        truncate_to: TruncateTo,
        last_fetched_epoch_after: Option<i32>,
    },
    Copied {
        fetch_offset: i64,
        last_fetched_epoch: Option<i32>,
        records: Vec<LogEntry>,
        last_fetched_epoch_after: Option<i32>,
    },
    OutOfRange {
        fetch_offset: i64,
        last_fetched_epoch: Option<i32>,
        reset: OutOfRangeReset,
    },
}

/// A replica fetcher's view of one partition: its log and the epoch of its last fetched batch.
struct Follower {
    log: ReplicaLog,
    last_fetched_epoch: Option<i32>,
}

enum FetchResponse {
    Diverging(DivergingEpoch),
    Records {
        records: Vec<LogEntry>,
        high_watermark: i64,
    },
}

/// The leader's side of a Fetch (`Partition.readRecords`, then `UnifiedLog.read`).
fn leader_fetch(
    leader: &ReplicaLog,
    fetch_offset: i64,
    last_fetched_epoch: Option<i32>,
) -> Result<FetchResponse, FetchError> {
    let cache = leader.epoch_cache();
    if let Some(diverging) = diverging_epoch(
        cache,
        leader.log_end_offset(),
        fetch_offset,
        last_fetched_epoch,
    )? {
        return Ok(FetchResponse::Diverging(diverging));
    }
    if fetch_offset < leader.log_start_offset() || fetch_offset > leader.log_end_offset() {
        return Err(FetchError::OffsetOutOfRange);
    }
    let records = leader.read_from(fetch_offset).to_vec();
    Ok(FetchResponse::Records {
        records,
        high_watermark: leader.high_watermark(),
    })
}

/// One Fetch from `follower` to `leader`, and the follower's reaction to the response.
fn fetch_round(leader: &ReplicaLog, follower: &mut Follower) -> Step {
    let fetch_offset = follower.log.log_end_offset();
    let last_fetched_epoch = follower.last_fetched_epoch;
    match leader_fetch(leader, fetch_offset, last_fetched_epoch) {
        Ok(FetchResponse::Diverging(diverging)) => {
            // No records and no high watermark from this response: truncate first.
            let truncate_to =
                truncation_offset(follower.log.epoch_cache(), fetch_offset, diverging);
            follower
                .log
                .truncate_to(truncate_to.offset)
                .expect("truncation offset is not negative");
            follower.last_fetched_epoch = follower.log.epoch_cache().latest_epoch();
            let last_fetched_epoch_after = follower.last_fetched_epoch;
            Step::Diverged {
                fetch_offset,
                last_fetched_epoch,
                diverging,
                truncate_to,
                last_fetched_epoch_after,
            }
        }
        Ok(FetchResponse::Records {
            records,
            high_watermark,
        }) => {
            for record in &records {
                follower
                    .log
                    .append(record.clone())
                    .expect("leader records continue the follower log");
                follower.last_fetched_epoch = Some(record.epoch);
            }
            follower.log.update_high_watermark(high_watermark);
            let last_fetched_epoch_after = follower.last_fetched_epoch;
            Step::Copied {
                fetch_offset,
                last_fetched_epoch,
                records,
                last_fetched_epoch_after,
            }
        }
        Err(FetchError::OffsetOutOfRange) => {
            let reset = out_of_range_reset(
                fetch_offset,
                leader.log_start_offset(),
                leader.log_end_offset(),
            );
            match reset {
                OutOfRangeReset::TruncateTo(offset) => follower.log.truncate_to(offset),
                OutOfRangeReset::TruncateFullyAndStartAt(offset) => {
                    follower.log.truncate_fully_and_start_at(offset)
                }
                OutOfRangeReset::FetchFrom(_) => Ok(()),
            }
            .expect("leader offsets are not negative");
            follower.last_fetched_epoch = follower.log.epoch_cache().latest_epoch();
            Step::OutOfRange {
                fetch_offset,
                last_fetched_epoch,
                reset,
            }
        }
    }
}

/// Fetches until one round copied records up to the leader's log end; at most 10 rounds.
fn replicate_until_caught_up(leader: &ReplicaLog, follower: &mut Follower) -> Vec<Step> {
    let mut steps = Vec::new();
    for _ in 0..10 {
        let step = fetch_round(leader, follower);
        let copied = matches!(step, Step::Copied { .. });
        steps.push(step);
        if copied && follower.log.log_end_offset() == leader.log_end_offset() {
            return steps;
        }
    }
    panic!("follower did not catch up in 10 fetches: {steps:#?}");
}

fn entry(offset: i64, epoch: i32, value: &str) -> LogEntry {
    LogEntry {
        offset,
        epoch,
        value: value.to_string(),
    }
}

fn log_entries(value: &Value) -> Vec<LogEntry> {
    let rows = value.as_array().expect("log is a list");
    let row = |r: &Value| {
        let offset = r[0].as_i64().expect("offset");
        entry(
            offset,
            r[1].as_i64().expect("epoch") as i32,
            r[2].as_str().expect("value"),
        )
    };
    rows.iter().map(row).collect()
}

fn diverged(
    fetch: (i64, Option<i32>),
    diverging: (i32, i64),
    to: (i64, bool),
    after: Option<i32>,
) -> Step {
    Step::Diverged {
        fetch_offset: fetch.0,
        last_fetched_epoch: fetch.1,
        diverging: DivergingEpoch {
            epoch: diverging.0,
            end_offset: diverging.1,
        },
        truncate_to: TruncateTo {
            offset: to.0,
            truncation_completed: to.1,
        },
        last_fetched_epoch_after: after,
    }
}

fn copied(fetch: (i64, Option<i32>), records: Vec<LogEntry>, after: Option<i32>) -> Step {
    Step::Copied {
        fetch_offset: fetch.0,
        last_fetched_epoch: fetch.1,
        records,
        last_fetched_epoch_after: after,
    }
}

/// Builds leader and follower from vector `id`, replays it, and checks the steps and end state.
fn run_vector(id: &str, expected_steps: Vec<Step>) {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("vector file is valid JSON");
    let vector = vectors
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"));
    let leader_high_watermark = vector["leader"]["HW"].as_i64().expect("leader HW");
    let mut leader =
        ReplicaLog::from_entries(log_entries(&vector["leader"]["log"]), leader_high_watermark)
            .expect("leader log is well formed");
    let leader_epoch = vector["leader"]["epoch"].as_i64().expect("leader epoch") as i32;
    leader
        .become_leader(leader_epoch)
        .expect("leader epoch is valid");
    let follower_log =
        ReplicaLog::from_entries(log_entries(&vector["follower"]["log"]), 0).expect("follower log");
    assert_eq!(
        follower_log.log_end_offset(),
        vector["follower"]["LEO"].as_i64().expect("LEO"),
        "{id}: LEO"
    );
    let last_fetched_epoch = follower_log.epoch_cache().latest_epoch();
    if let Some(epoch) = vector["follower"]["lastFetchedEpoch"].as_i64() {
        assert_eq!(
            last_fetched_epoch,
            Some(epoch as i32),
            "{id}: initial lastFetchedEpoch"
        );
    }
    let mut follower = Follower {
        log: follower_log,
        last_fetched_epoch,
    };

    let steps = replicate_until_caught_up(&leader, &mut follower);

    assert_eq!(steps, expected_steps, "{id}: steps");
    assert_eq!(
        follower.log.entries(),
        log_entries(&vector["finalFollowerLog"]).as_slice(),
        "{id}: final log"
    );
    assert_eq!(
        follower.log.epoch_cache(),
        leader.epoch_cache(),
        "{id}: epoch caches agree"
    );
    let final_leo = follower.log.log_end_offset();
    let final_hw = follower.log.high_watermark();
    assert_eq!(
        final_hw,
        leader_high_watermark.min(final_leo),
        "{id}: follower HW = min(leader HW, LEO)"
    );
    if let Some(expected) = vector.get("finalFollower") {
        assert_eq!(
            final_leo,
            expected["LEO"].as_i64().expect("final LEO"),
            "{id}: final LEO"
        );
        assert_eq!(
            final_hw,
            expected["HW"].as_i64().expect("final HW"),
            "{id}: final HW"
        );
    }
}

#[test]
fn every_vector_has_a_test() {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("valid JSON");
    let ids: Vec<&str> = vectors
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["T1", "T2"]);
}

/// T1: the follower knows the leader's epoch 2, so one truncation to its end suffices.
#[test]
fn follower_truncates_to_leader_epoch_end() {
    let steps = vec![
        diverged((3, Some(4)), (2, 2), (2, true), Some(2)),
        copied((2, Some(2)), vec![entry(2, 5, "d")], Some(5)),
    ];
    run_vector("T1", steps);
}

/// T2: the follower knows none of the leader's epochs 1, 3, 5, so it walks back one of its own
/// epochs per Fetch (KIP-279) until the leader's answer lies below its first epoch.
#[test]
fn follower_walks_back_epoch_by_epoch_when_it_does_not_know_the_leader_epoch() {
    let steps = vec![
        diverged((3, Some(4)), (3, 2), (2, false), Some(2)),
        diverged((2, Some(2)), (1, 1), (1, false), Some(0)),
        diverged((1, Some(0)), (0, 0), (0, true), None),
        copied(
            (0, None),
            vec![entry(0, 1, "a"), entry(1, 3, "b"), entry(2, 5, "c")],
            Some(5),
        ),
    ];
    run_vector("T2", steps);
}

/// Broker A led in epoch 0 and wrote c, d, e that B never got (acks=1, or ISR={A}). B was then
/// elected uncleanly in epoch 1 and wrote x. A comes back as a follower.
fn unclean_election_logs() -> (ReplicaLog, ReplicaLog) {
    let shared = vec![entry(0, 0, "a"), entry(1, 0, "b")];
    let mut new_leader = ReplicaLog::from_entries(shared.clone(), 2).expect("new leader log");
    new_leader.become_leader(1).expect("epoch 1");
    new_leader.append(entry(2, 1, "x")).expect("append x");
    let mut old_leader_entries = shared;
    old_leader_entries.extend([entry(2, 0, "c"), entry(3, 0, "d"), entry(4, 0, "e")]);
    let old_leader = ReplicaLog::from_entries(old_leader_entries, 5).expect("old leader log");
    (new_leader, old_leader)
}

#[test]
fn returning_old_leader_truncates_its_longer_log_to_new_leader_epoch_end() {
    let (new_leader, old_leader) = unclean_election_logs();
    let mut follower = Follower {
        last_fetched_epoch: Some(0),
        log: old_leader,
    };
    let steps = replicate_until_caught_up(&new_leader, &mut follower);
    let expected = vec![
        diverged((5, Some(0)), (0, 2), (2, true), Some(0)),
        copied((2, Some(0)), vec![entry(2, 1, "x")], Some(1)),
    ];
    assert_eq!(steps, expected);
    // c, d and e are gone for good: they were only on the old leader.
    assert_eq!(follower.log.entries(), new_leader.entries());
    assert_eq!(follower.log.high_watermark(), 2);
}

/// Without a last fetched epoch the leader cannot detect divergence; the Fetch past its log end
/// is OFFSET_OUT_OF_RANGE and the follower cuts to the leader's log end (`fetchOffsetAndTruncate`).
/// The record left at offset 2 still differs from the leader's; the next Fetch, now with an
/// epoch, exposes that and fixes it.
#[test]
fn out_of_range_follower_truncates_to_new_leader_log_end_offset() {
    let (new_leader, old_leader) = unclean_election_logs();
    let mut follower = Follower {
        last_fetched_epoch: None,
        log: old_leader,
    };
    let steps = replicate_until_caught_up(&new_leader, &mut follower);
    let expected = vec![
        Step::OutOfRange {
            fetch_offset: 5,
            last_fetched_epoch: None,
            reset: OutOfRangeReset::TruncateTo(3),
        },
        diverged((3, Some(0)), (0, 2), (2, true), Some(0)),
        copied((2, Some(0)), vec![entry(2, 1, "x")], Some(1)),
    ];
    assert_eq!(steps, expected);
    assert_eq!(follower.log.entries(), new_leader.entries());
}

#[test]
fn out_of_range_reset_follows_fetch_offset_and_truncate() {
    // Leader shorter than us: unclean election.
    assert_eq!(out_of_range_reset(5, 0, 3), OutOfRangeReset::TruncateTo(3));
    // Leader's retention passed our log end: start over at its log start offset.
    assert_eq!(
        out_of_range_reset(5, 8, 12),
        OutOfRangeReset::TruncateFullyAndStartAt(8)
    );
    // Otherwise keep our log and fetch again.
    assert_eq!(out_of_range_reset(5, 2, 9), OutOfRangeReset::FetchFrom(5));
}

fn cache_of(entries: &[(i32, i64)]) -> LeaderEpochCache {
    let mut cache = LeaderEpochCache::new();
    for &(epoch, start_offset) in entries {
        cache.assign(epoch, start_offset).expect("valid entry");
    }
    cache
}

#[test]
fn leader_serves_records_when_follower_epoch_matches() {
    let leader = cache_of(&[(0, 0), (2, 5)]);
    assert_eq!(diverging_epoch(&leader, 9, 9, Some(2)), Ok(None));
    assert_eq!(diverging_epoch(&leader, 9, 5, Some(0)), Ok(None));
    assert_eq!(diverging_epoch(&leader, 9, 4, None), Ok(None));
    // A negative last fetched epoch means "absent" on the wire.
    assert_eq!(diverging_epoch(&leader, 9, 4, Some(-1)), Ok(None));
}

#[test]
fn leader_reports_out_of_range_when_it_cannot_place_the_epoch() {
    assert_eq!(
        diverging_epoch(&LeaderEpochCache::new(), 0, 3, Some(1)),
        Err(FetchError::OffsetOutOfRange)
    );
    let stale_leader = cache_of(&[(0, 0), (2, 5)]);
    assert_eq!(
        diverging_epoch(&stale_leader, 9, 12, Some(4)),
        Err(FetchError::OffsetOutOfRange)
    );
}

#[test]
fn follower_without_epochs_truncates_to_leader_end_offset() {
    let diverging = DivergingEpoch {
        epoch: 2,
        end_offset: 3,
    };
    let truncate = truncation_offset(&LeaderEpochCache::new(), 5, diverging);
    assert_eq!(
        truncate,
        TruncateTo {
            offset: 3,
            truncation_completed: true
        }
    );
}

#[test]
fn truncation_never_goes_past_follower_log_end() {
    let follower = cache_of(&[(0, 0), (2, 4)]);
    let diverging = DivergingEpoch {
        epoch: 2,
        end_offset: 10,
    };
    let truncate = truncation_offset(&follower, 6, diverging);
    assert_eq!(
        truncate,
        TruncateTo {
            offset: 6,
            truncation_completed: true
        }
    );
}
