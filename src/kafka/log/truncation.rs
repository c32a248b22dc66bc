//! Log reconciliation after leader changes: the diverging-epoch check a leader runs on every
//! follower Fetch (Fetch v12+, whose `LastFetchedEpoch` lets the leader spot divergence without a
//! separate OffsetsForLeaderEpoch round trip) and the truncation point a follower derives from
//! it (KIP-101, with the KIP-279 multi-step fix).
//!
//! Sources: `Partition.readRecords` (leader side), `AbstractFetcherThread.getOffsetTruncationState`
//! and `fetchOffsetAndTruncate` (follower side). These are pure functions over epoch caches and
//! offsets; applying the result to a log is `ReplicaLog::truncate_to`.

use super::epoch_cache::{LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};

/// The `DivergingEpoch` field of a FetchResponse partition: the largest leader epoch the leader
/// has at or below the follower's last fetched epoch, and where that epoch ends on the leader.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct DivergingEpoch {
    pub epoch: i32,
    pub end_offset: i64,
}

/// A fetch the leader refuses instead of answering with records or a diverging epoch.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum FetchError {
    /// `OFFSET_OUT_OF_RANGE`: the leader cannot place the follower's last fetched epoch (it is
    /// above every epoch the leader knows, or the leader's cache is empty).
    OffsetOutOfRange,
}

/// Where a follower truncates (Kafka's `OffsetTruncationState`).
///
/// `truncation_completed == false` means the follower did not know the leader's epoch and cut
/// back only to the end of its own largest smaller epoch; its next Fetch (with the new, smaller
/// last fetched epoch) will usually bring another diverging epoch. That is the multi-step walk
/// of KIP-279.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct TruncateTo {
    pub offset: i64,
    pub truncation_completed: bool,
}

/// What a follower does after its Fetch got `OFFSET_OUT_OF_RANGE` (`fetchOffsetAndTruncate`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum OutOfRangeReset {
    /// The leader's log is shorter than ours, as after an unclean election: truncate to the
    /// leader's log end offset and fetch from there. Records only we had are lost.
    TruncateTo(i64),
    /// The leader already deleted everything we have: empty the log and restart it at the
    /// leader's log start offset.
    TruncateFullyAndStartAt(i64),
    /// Keep the log and fetch again from our own log end offset.
    FetchFrom(i64),
}

/// The leader's check on a follower Fetch (`Partition.readRecords`): `Ok(Some(..))` when the
/// follower's log diverges and it must truncate before it gets any records, `Ok(None)` when the
/// leader may serve records from `fetch_offset`.
///
/// The follower's log diverges when the leader's copy of `last_fetched_epoch` is either an
/// older epoch (the leader never had that epoch) or ends before `fetch_offset` (the follower has
/// records of that epoch that the leader does not). Without a last fetched epoch (empty log, or
/// a negative epoch, which Kafka's `FetchRequest.optionalEpoch` treats as absent) there is
/// nothing to compare and no divergence.
pub fn diverging_epoch(
    leader_cache: &LeaderEpochCache,
    leader_log_end_offset: i64,
    fetch_offset: i64,
    last_fetched_epoch: Option<i32>,
) -> Result<Option<DivergingEpoch>, FetchError> {
    let Some(last_fetched_epoch) = last_fetched_epoch.filter(|epoch| *epoch >= 0) else {
        return Ok(None);
    };
    let (epoch, end_offset) =
        leader_cache.end_offset_for(last_fetched_epoch, leader_log_end_offset);
    if epoch == UNDEFINED_EPOCH || end_offset == UNDEFINED_EPOCH_OFFSET {
        return Err(FetchError::OffsetOutOfRange);
    }
    if epoch < last_fetched_epoch || end_offset < fetch_offset {
        return Ok(Some(DivergingEpoch { epoch, end_offset }));
    }
    Ok(None)
}

/// The follower's answer to a diverging epoch (`AbstractFetcherThread.getOffsetTruncationState`).
///
/// * The follower knows the leader's epoch: truncate to `min(leader's end offset, own end
///   offset for that epoch, own log end offset)`, complete.
/// * It does not (its largest epoch `<=` the leader's is a smaller one): truncate to the end of
///   that smaller epoch and fetch again, not complete.
/// * It has no epoch at or below it: fall back to `min(leader's end offset, own log end)`.
///
/// `follower_log_end_offset` doubles as the fetch offset, which is what the replica fetcher
/// sends; Kafka uses the fetch offset for an undefined leader end offset, which a leader
/// following `diverging_epoch` never sends.
pub fn truncation_offset(
    follower_cache: &LeaderEpochCache,
    follower_log_end_offset: i64,
    diverging: DivergingEpoch,
) -> TruncateTo {
    let complete = |offset: i64| TruncateTo {
        offset,
        truncation_completed: true,
    };
    if diverging.end_offset == UNDEFINED_EPOCH_OFFSET {
        return complete(follower_log_end_offset);
    }
    if diverging.epoch == UNDEFINED_EPOCH {
        return complete(diverging.end_offset.min(follower_log_end_offset));
    }
    let (follower_epoch, follower_end_offset) =
        follower_cache.end_offset_for(diverging.epoch, follower_log_end_offset);
    if follower_end_offset == UNDEFINED_EPOCH_OFFSET {
        // `UnifiedLog.endOffsetForEpoch` gives None: the follower tracks no epoch this old.
        return complete(diverging.end_offset.min(follower_log_end_offset));
    }
    if follower_epoch != diverging.epoch {
        return TruncateTo {
            offset: follower_end_offset.min(follower_log_end_offset),
            truncation_completed: false,
        };
    }
    complete(
        follower_end_offset
            .min(diverging.end_offset)
            .min(follower_log_end_offset),
    )
}

/// The follower's answer to `OFFSET_OUT_OF_RANGE` (`AbstractFetcherThread.fetchOffsetAndTruncate`),
/// given the leader's log start and end offsets (which Kafka asks for with ListOffsets).
pub fn out_of_range_reset(
    follower_log_end_offset: i64,
    leader_log_start_offset: i64,
    leader_log_end_offset: i64,
) -> OutOfRangeReset {
    if leader_log_end_offset < follower_log_end_offset {
        // Unclean leader election: the new leader's log is shorter than ours.
        OutOfRangeReset::TruncateTo(leader_log_end_offset)
    } else if leader_log_start_offset > follower_log_end_offset {
        // We were away so long that the leader's retention deleted everything we have.
        OutOfRangeReset::TruncateFullyAndStartAt(leader_log_start_offset)
    } else {
        OutOfRangeReset::FetchFrom(follower_log_end_offset)
    }
}
