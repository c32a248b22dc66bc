//! A history checker in Jepsen's vocabulary. It watches every step for acknowledgements (which
//! record, which partition, which offset) and, at the end, reads the final log of every
//! partition, to report:
//!
//! - **lost writes**: acknowledged with an offset, absent from the final log;
//! - **duplicates**: one record (one `send()`) stored at more than one offset;
//! - **inconsistent offsets**: one offset acknowledged for two different records (only after an
//!   unclean election, when offsets are reused);
//! - **reordering**: two records of one producer with the same key stored in the opposite order
//!   of their `send()` calls.
//!
//! It also follows consumption, per consumer group (a consumer without a group counts as a group
//! of its own, `c3`):
//!
//! - **processed twice**: a record the group's application processed more than once (a crash
//!   between processing and commit, a rebalance before the commit: at-least-once);
//! - **never processed**: an acknowledged record below the group's final committed offset (or
//!   below what it processed) that no member processed (commit before processing, auto-commit
//!   ahead of a worker thread, retention deleting what the group had not read, `latest`);
//! - **poll skips**: a `poll()` of one consumer jumping over offsets that exist, with no seek,
//!   reset or reassignment in between;
//! - **non-monotonic polls**: a `poll()` of one consumer going back in a partition without a
//!   seek, reset or reassignment;
//! - **ownership conflicts**: a partition assigned to two members in the same generation;
//! - **commits going back**: a group's committed offset of a partition decreasing while no
//!   member of the group seeked.
//!
//! The final log of a partition is its leader's log; a leaderless partition is judged by the
//! replica with the newest data (latest leader epoch, then longest log) among running brokers.

use super::offsets_loss::{Explained, GroupViolation, Observed, OffsetsLogLoss, OffsetsLogWatch};
use crate::kafka::event::{ElectionKind, Event};
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaStep, TopicPartition};
use imbl::OrdMap;
use std::collections::{BTreeMap, BTreeSet};

mod analysis;
pub use analysis::{authoritative_replica, final_logs, group_lag, reads_committed};

#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every acknowledgement: record -> (partition, offset).
    acked: OrdMap<RecordId, (TopicPartition, i64)>,
    /// Offsets that were acknowledged, with the record each was acknowledged for.
    acked_offsets: OrdMap<(TopicPartition, i64), RecordId>,
    inconsistent: Vec<(TopicPartition, i64, RecordId, RecordId)>,
    /// Records whose delivery the producer reported as failed for good.
    failed: BTreeSet<RecordId>,
    /// Consumption, by group (or `cN` for a consumer without a group).
    groups: BTreeMap<String, Consumption>,
    /// Each consumer's last polled offset per partition, cleared by seeks, resets and
    /// reassignments.
    last_polled: BTreeMap<(u32, TopicPartition), i64>,
    /// Offsets a group polled, per partition (for skip detection).
    skips: Vec<(u32, TopicPartition, i64, i64)>,
    backwards: Vec<(u32, TopicPartition, i64, i64)>,
    /// (group, generation) -> partition -> (member's consumer, step of the assignment).
    owners: BTreeMap<(String, i32), BTreeMap<TopicPartition, (u32, u64)>>,
    /// Ownership conflicts and commits going back, with the steps they compare.
    group_violations: Vec<Observed>,
    /// Unclean elections of `__consumer_offsets` partitions that lost committed records.
    offsets_log: OffsetsLogWatch,
}

#[derive(Clone, Debug, Default)]
struct Consumption {
    processed: OrdMap<(TopicPartition, i64), u32>,
    polled_topics: BTreeSet<String>,
    /// Committed offset per partition, with the step it was committed at.
    committed: BTreeMap<TopicPartition, (i64, u64)>,
    /// A seek happened in the group: commits may legitimately go back.
    seeked: bool,
}

/// What the consumers did, judged against what was acknowledged.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ConsumptionReport {
    pub processed: u32,
    pub processed_twice: Vec<(TopicPartition, i64, u32)>,
    pub never_processed: Vec<(TopicPartition, i64)>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct HistoryReport {
    pub acknowledged: u32,
    pub lost: Vec<(RecordId, TopicPartition, i64)>,
    /// Acknowledged records that retention deleted (below the log start offset): gone by
    /// design, not lost.
    pub deleted_by_retention: u32,
    /// Acknowledged records the log cleaner removed because a newer record has their key.
    pub compacted_away: u32,
    pub duplicates: Vec<(RecordId, TopicPartition, Vec<i64>)>,
    pub inconsistent_offsets: Vec<(TopicPartition, i64, RecordId, RecordId)>,
    pub reordered: Vec<(TopicPartition, RecordId, RecordId)>,
    /// Failed sends whose record is in the log anyway (a "failed" write that happened).
    pub failed_but_written: Vec<RecordId>,
    /// Consumption per group (or `cN`).
    pub groups: BTreeMap<String, ConsumptionReport>,
    /// (consumer, partition, expected offset, offset polled)
    pub poll_skips: Vec<(u32, TopicPartition, i64, i64)>,
    pub non_monotonic_polls: Vec<(u32, TopicPartition, i64, i64)>,
    /// (group, generation, partition, one owner, another owner)
    pub ownership_conflicts: Vec<(String, i32, TopicPartition, u32, u32)>,
    /// (group, partition, committed before, committed after)
    pub commits_back: Vec<(String, TopicPartition, i64, i64)>,
    /// Ownership conflicts and commits going back that an unclean election of the group's
    /// `__consumer_offsets` partition explains (see `offsets_loss`); they are not counted in
    /// `ownership_conflicts` and `commits_back`.
    pub explained_by_offsets_loss: Vec<Explained>,
    /// Unclean elections of `__consumer_offsets` partitions that lost committed records.
    pub offsets_log_losses: Vec<OffsetsLogLoss>,
}

impl HistoryReport {
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty()
            && self.duplicates.is_empty()
            && self.inconsistent_offsets.is_empty()
            && self.reordered.is_empty()
    }

    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} acknowledged, {} lost, {} duplicated, {} inconsistent offsets, {} reordered",
            self.acknowledged,
            self.lost.len(),
            self.duplicates.len(),
            self.inconsistent_offsets.len(),
            self.reordered.len()
        );
        if self.deleted_by_retention + self.compacted_away > 0 {
            text.push_str(&format!(
                "; {} deleted by retention, {} compacted away",
                self.deleted_by_retention, self.compacted_away
            ));
        }
        for (group, c) in &self.groups {
            text.push_str(&format!(
                "\nconsumers {group}: {} processed, {} processed twice, {} never processed",
                c.processed,
                c.processed_twice.len(),
                c.never_processed.len()
            ));
        }
        if !self.groups.is_empty() {
            text.push_str(&format!(
                "\nconsumer checks: {} poll skips, {} non-monotonic polls, {} ownership conflicts, {} commits going back",
                self.poll_skips.len(),
                self.non_monotonic_polls.len(),
                self.ownership_conflicts.len(),
                self.commits_back.len()
            ));
        }
        if !self.explained_by_offsets_loss.is_empty() {
            text.push_str(&format!(
                "\ngroup checks explained by lost offsets logs: {} ({} unclean election(s) of __consumer_offsets lost committed records)",
                self.explained_by_offsets_loss.len(),
                self.offsets_log_losses.len()
            ));
        }
        text
    }

    /// The consumer checks that hold whatever the application does: nothing skipped or
    /// re-read by `poll()` on its own, no partition with two owners in a generation, no
    /// committed offset going back without a seek.
    pub fn consumer_violations(&self) -> usize {
        self.poll_skips.len()
            + self.non_monotonic_polls.len()
            + self.ownership_conflicts.len()
            + self.commits_back.len()
    }
}

impl History {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn observe(&mut self, step: &KafkaStep) {
        for event in &step.events {
            match event {
                Event::ProduceAcked {
                    partition,
                    base_offset,
                    records,
                    ..
                } if *base_offset >= 0 => {
                    for (i, id) in records.iter().enumerate() {
                        self.acknowledge(*id, partition, base_offset + i as i64);
                    }
                }
                Event::ProduceFailed {
                    records,
                    retrying: false,
                    ..
                } => self.failed.extend(records.iter().copied()),
                Event::RecordsPolled {
                    consumer,
                    group,
                    records,
                } => self.polled(*consumer, group.as_deref(), records),
                Event::RecordsProcessed {
                    consumer,
                    group,
                    records,
                } => {
                    let c = self.group_of(*consumer, group.as_deref());
                    for (tp, offset, _) in records {
                        *c.processed.entry((*tp, *offset)).or_default() += 1;
                    }
                }
                Event::PositionReset {
                    consumer,
                    partition,
                    reason,
                    ..
                } => {
                    self.last_polled.remove(&(*consumer, *partition));
                    use crate::kafka::event::PositionReason;
                    let seek = matches!(
                        reason,
                        PositionReason::Seek
                            | PositionReason::SeekToBeginning
                            | PositionReason::SeekToEnd
                    );
                    if seek {
                        // A seek lets commits go back; the event does not name the group,
                        // so every group is marked (seeks are rare and manual).
                        for g in self.groups.values_mut() {
                            g.seeked = true;
                        }
                    }
                }
                Event::TruncationDetected {
                    consumer,
                    partition,
                    ..
                } => {
                    self.last_polled.remove(&(*consumer, *partition));
                }
                Event::PartitionsAssigned {
                    consumer,
                    group,
                    generation,
                    partitions,
                    ..
                } => self.assigned(step.index, *consumer, group, *generation, partitions),
                Event::PartitionsRevoked {
                    consumer,
                    partitions,
                    ..
                } => {
                    for tp in partitions {
                        self.last_polled.remove(&(*consumer, *tp));
                    }
                }
                Event::OffsetsCommitted {
                    group,
                    offsets,
                    error,
                    ..
                } if !error.is_error() => self.committed(step.index, group, offsets),
                Event::HighWatermarkAdvanced { partition, to, .. } => {
                    self.offsets_log.high_watermark(partition, *to)
                }
                Event::LeaderElected {
                    partition,
                    leader: Some(leader),
                    leader_epoch,
                    kind: ElectionKind::Unclean,
                    ..
                } => {
                    self.offsets_log
                        .unclean_election(step.index, partition, *leader, *leader_epoch)
                }
                Event::BecameLeader {
                    broker,
                    partition,
                    leader_epoch,
                    log_end_offset,
                } => self.offsets_log.became_leader(
                    *broker,
                    partition,
                    *leader_epoch,
                    *log_end_offset,
                ),
                Event::ProcessStopped {
                    node: crate::kafka::NodeId::Consumer(c),
                    ..
                }
                | Event::ProcessStarted {
                    node: crate::kafka::NodeId::Consumer(c),
                } => self.last_polled.retain(|(consumer, _), _| consumer != c),
                _ => {}
            }
        }
    }

    /// SyncGroup gave `consumer` these partitions: no other member may own one of them in the
    /// same generation.
    fn assigned(
        &mut self,
        step: u64,
        consumer: u32,
        group: &str,
        generation: i32,
        partitions: &[TopicPartition],
    ) {
        let owners = self
            .owners
            .entry((group.to_string(), generation))
            .or_default();
        for tp in partitions {
            self.last_polled.remove(&(consumer, *tp));
            match owners.get(tp) {
                Some((other, since)) if *other != consumer => {
                    self.group_violations.push(Observed {
                        violation: GroupViolation::OwnershipConflict(
                            group.to_string(),
                            generation,
                            *tp,
                            *other,
                            consumer,
                        ),
                        since: *since,
                        at: step,
                    })
                }
                _ => {
                    owners.insert(*tp, (consumer, step));
                }
            }
        }
    }

    /// A commit the coordinator stored: no committed offset may go back without a seek.
    fn committed(&mut self, step: u64, group: &str, offsets: &[(TopicPartition, i64)]) {
        let c = self.groups.entry(group.to_string()).or_default();
        for (tp, offset) in offsets {
            if let Some((before, since)) = c.committed.get(tp) {
                if *offset < *before && !c.seeked {
                    self.group_violations.push(Observed {
                        violation: GroupViolation::CommitBack(
                            group.to_string(),
                            *tp,
                            *before,
                            *offset,
                        ),
                        since: *since,
                        at: step,
                    });
                }
            }
            c.committed.insert(*tp, (*offset, step));
        }
    }

    fn group_of(&mut self, consumer: u32, group: Option<&str>) -> &mut Consumption {
        let key = group.map_or_else(|| format!("c{consumer}"), str::to_string);
        self.groups.entry(key).or_default()
    }

    fn polled(
        &mut self,
        consumer: u32,
        group: Option<&str>,
        records: &[(TopicPartition, i64, RecordId)],
    ) {
        for (tp, offset, _) in records {
            let key = (consumer, *tp);
            if let Some(last) = self.last_polled.get(&key) {
                if *offset <= *last {
                    self.backwards.push((consumer, *tp, *last + 1, *offset));
                } else if *offset > *last + 1 {
                    // Offsets may be missing legitimately (compaction, a truncated log); a
                    // skip is a jump over offsets that were acknowledged.
                    let skipped = self
                        .acked_offsets
                        .range((*tp, *last + 1)..(*tp, *offset))
                        .next()
                        .is_some();
                    if skipped {
                        self.skips.push((consumer, *tp, *last + 1, *offset));
                    }
                }
            }
            self.last_polled.insert(key, *offset);
        }
        let c = self.group_of(consumer, group);
        for (tp, _, _) in records {
            c.polled_topics.insert(tp.topic.to_string());
        }
    }

    fn acknowledge(&mut self, id: RecordId, tp: &TopicPartition, offset: i64) {
        self.acked.insert(id, (*tp, offset));
        match self.acked_offsets.get(&(*tp, offset)) {
            Some(previous) if *previous != id => {
                self.inconsistent.push((*tp, offset, *previous, id))
            }
            _ => {
                self.acked_offsets.insert((*tp, offset), id);
            }
        }
    }

    /// The records acknowledged at this offset: the first, then any acknowledged there later
    /// (an inconsistent offset).
    pub fn acked_at(&self, tp: &TopicPartition, offset: i64) -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = self
            .acked_offsets
            .get(&(*tp, offset))
            .copied()
            .into_iter()
            .collect();
        ids.extend(
            self.inconsistent
                .iter()
                .filter(|(t, o, _, _)| t == tp && *o == offset)
                .map(|(_, _, _, later)| *later),
        );
        ids
    }

    /// How many times `group` (or `cN`, a consumer without a group) processed this offset.
    pub fn times_processed(&self, group: &str, tp: &TopicPartition, offset: i64) -> u32 {
        self.groups
            .get(group)
            .and_then(|c| c.processed.get(&(*tp, offset)).copied())
            .unwrap_or(0)
    }

    /// Acknowledged offsets of `tp` in `[from, to)`, with their records.
    pub fn acked_between(&self, tp: &TopicPartition, from: i64, to: i64) -> Vec<(i64, RecordId)> {
        if from >= to {
            return Vec::new();
        }
        self.acked_offsets
            .range((*tp, from)..(*tp, to))
            .map(|((_, o), id)| (*o, *id))
            .collect()
    }

    /// `group`'s committed offsets so far (or `cN`'s, a consumer without a group).
    pub fn committed_offsets(&self, group: &str) -> Vec<(TopicPartition, i64)> {
        self.groups
            .get(group)
            .map(|c| c.committed.iter().map(|(tp, (o, _))| (*tp, *o)).collect())
            .unwrap_or_default()
    }

    pub fn acknowledged(&self) -> usize {
        self.acked.len()
    }
}

#[cfg(test)]
mod tests {
    use super::analysis::reordering;
    use super::*;

    fn id(serial: u32) -> RecordId {
        RecordId {
            producer: 1,
            serial,
        }
    }

    #[test]
    fn reordering_is_per_producer_and_key() {
        let tp = TopicPartition::new("t", 0);
        let k = |s: &str| Some(s.to_string());
        let log = vec![
            (0, id(1), k("a")),
            (1, id(0), k("b")),
            (2, id(0), k("b")),
            (3, id(3), k("a")),
            (4, id(2), k("a")),
        ];
        assert_eq!(reordering(&tp, &log), vec![(tp, id(3), id(2))]);
    }

    #[test]
    fn one_offset_acked_for_two_records_is_inconsistent() {
        let tp = TopicPartition::new("t", 0);
        let mut h = History::new();
        h.acknowledge(id(1), &tp, 1);
        h.acknowledge(id(2), &tp, 1);
        assert_eq!(h.inconsistent, vec![(tp, 1, id(1), id(2))]);
    }
}
