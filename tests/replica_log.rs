//! `ReplicaLog` keeps records, epoch cache and high watermark consistent the way `UnifiedLog` does.

#[path = "support/replica_log.rs"]
mod replica_log;

use kafka_classroom::kafka::log::epoch_cache::{EpochCacheError, EpochEntry};
use replica_log::{LogEntry, LogError, ReplicaLog};

fn entry(offset: i64, epoch: i32) -> LogEntry {
    LogEntry {
        offset,
        epoch,
        value: format!("v{offset}"),
    }
}

fn epochs(log: &ReplicaLog) -> Vec<(i32, i64)> {
    log.epoch_cache()
        .entries()
        .iter()
        .map(|e: &EpochEntry| (e.epoch, e.start_offset))
        .collect()
}

#[test]
fn appends_record_epoch_boundaries_in_the_cache() {
    let log = ReplicaLog::from_entries(vec![entry(0, 0), entry(1, 0), entry(2, 3), entry(3, 3)], 2)
        .expect("valid");
    assert_eq!(epochs(&log), vec![(0, 0), (3, 2)]);
    assert_eq!((log.log_end_offset(), log.high_watermark()), (4, 2));
    assert_eq!(log.read_from(3), &[entry(3, 3)]);
    assert!(log.read_from(9).is_empty());
}

#[test]
fn append_rejects_gaps_and_older_epochs() {
    let mut log = ReplicaLog::from_entries(vec![entry(0, 2)], 0).expect("valid");
    assert_eq!(
        log.append(entry(2, 2)),
        Err(LogError::OffsetNotAtLogEnd {
            offset: 2,
            log_end_offset: 1
        })
    );
    assert_eq!(
        log.append(entry(1, 1)),
        Err(LogError::EpochRegression {
            epoch: 1,
            latest_epoch: 2
        })
    );
    let invalid = EpochCacheError::InvalidEpochEntry {
        epoch: -3,
        start_offset: 0,
    };
    assert_eq!(
        ReplicaLog::new().append(entry(0, -3)),
        Err(LogError::EpochCache(invalid))
    );
    assert_eq!(log.entries(), &[entry(0, 2)]);
}

#[test]
fn truncation_cuts_records_cache_and_high_watermark() {
    let mut log =
        ReplicaLog::from_entries(vec![entry(0, 0), entry(1, 1), entry(2, 2)], 3).expect("valid");
    log.truncate_to(1).expect("valid offset");
    assert_eq!(log.entries(), &[entry(0, 0)]);
    assert_eq!(epochs(&log), vec![(0, 0)]);
    assert_eq!(log.high_watermark(), 1);
    assert_eq!(
        log.truncate_to(-1),
        Err(LogError::NegativeTruncationOffset(-1))
    );
}

/// `UnifiedLog.truncateTo` cuts the epoch cache at the log end even when no record goes: a broker
/// that became leader but appended nothing must forget that epoch when it follows again.
#[test]
fn truncating_at_log_end_drops_epoch_of_a_leadership_that_wrote_nothing() {
    let mut log = ReplicaLog::from_entries(vec![entry(0, 0), entry(1, 0)], 2).expect("valid");
    log.become_leader(4).expect("valid epoch");
    assert_eq!(epochs(&log), vec![(0, 0), (4, 2)]);
    log.truncate_to(2).expect("valid offset");
    assert_eq!(epochs(&log), vec![(0, 0)]);
    assert_eq!(log.entries().len(), 2);
}

#[test]
fn truncating_below_log_start_restarts_the_log_there() {
    let mut log = ReplicaLog::from_entries(vec![entry(5, 1), entry(6, 1)], 6).expect("valid");
    assert_eq!(log.log_start_offset(), 5);
    log.truncate_to(3).expect("valid offset");
    assert!(log.entries().is_empty());
    assert!(log.epoch_cache().entries().is_empty());
    assert_eq!(
        (
            log.log_start_offset(),
            log.log_end_offset(),
            log.high_watermark()
        ),
        (3, 3, 3)
    );
}

#[test]
fn follower_high_watermark_never_passes_its_log_end() {
    let mut log = ReplicaLog::from_entries(vec![entry(0, 0), entry(1, 0)], 0).expect("valid");
    log.update_high_watermark(9);
    assert_eq!(log.high_watermark(), 2);
}
