//! Judging a history at the end of a run: the acknowledgements against each partition's final
//! log (lost, duplicated, inconsistent, reordered), and each group's consumption against what
//! it committed and what it was entitled to read.

use super::{Consumption, ConsumptionReport, History, HistoryReport};
use crate::check::offsets_loss::{explain, GroupViolation};
use crate::kafka::broker::Broker;
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaWorld, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

impl History {
    /// Compare the acknowledgements with the final logs.
    pub fn analyze(&self, world: &KafkaWorld) -> HistoryReport {
        let logs = final_logs(world);
        let mut report = HistoryReport {
            acknowledged: self.acked.len() as u32,
            inconsistent_offsets: self.inconsistent.clone(),
            ..Default::default()
        };
        let mut positions: BTreeMap<RecordId, Vec<(TopicPartition, i64)>> = BTreeMap::new();
        for (tp, records) in &logs {
            for (offset, id, _) in records {
                positions.entry(*id).or_default().push((*tp, *offset));
            }
        }
        let cluster = world.model();
        let mut compacted: BTreeSet<(TopicPartition, i64)> = BTreeSet::new();
        for (id, (tp, offset)) in &self.acked {
            let stored = positions
                .get(id)
                .is_some_and(|ps| ps.iter().any(|(t, _)| t == tp));
            if stored {
                continue;
            }
            let log =
                authoritative_replica(cluster.brokers.values(), tp).map(|b| &b.replicas[tp].log);
            match log {
                Some(log) if *offset < log.log_start_offset() => report.deleted_by_retention += 1,
                Some(log)
                    if log.config().cleanup_policy.compact
                        && log.cleaner_checkpoint().is_some_and(|c| *offset < c) =>
                {
                    report.compacted_away += 1;
                    compacted.insert((*tp, *offset));
                }
                _ => report.lost.push((*id, *tp, *offset)),
            }
        }
        for (id, ps) in &positions {
            if ps.len() > 1 {
                report
                    .duplicates
                    .push((*id, ps[0].0, ps.iter().map(|(_, o)| *o).collect()));
            }
            if self.failed.contains(id) {
                report.failed_but_written.push(*id);
            }
        }
        for (tp, records) in &logs {
            report.reordered.extend(reordering(tp, records));
        }
        let aborted = self.aborted_offsets(world);
        for (name, c) in &self.groups {
            // A read_committed group drops aborted transactions' records by design (Kafka:
            // `CompletedFetch`): skipping them leaves nothing unprocessed.
            let skipped = if reads_committed(world, name) {
                compacted.union(&aborted).copied().collect()
            } else {
                compacted.clone()
            };
            report
                .groups
                .insert(name.clone(), self.consumption(c, &skipped));
        }
        report.poll_skips = self.skips.clone();
        report.non_monotonic_polls = self.backwards.clone();
        self.group_checks(world, &mut report);
        report
    }

    /// Ownership conflicts and commits going back, split into those a lost offsets log
    /// explains and the rest.
    fn group_checks(&self, world: &KafkaWorld, report: &mut HistoryReport) {
        let cluster = world.model();
        let offsets_partitions = cluster
            .brokers
            .values()
            .find_map(|b| {
                b.metadata
                    .partition_count(crate::kafka::group::OFFSETS_TOPIC)
            })
            .unwrap_or(1);
        let (explained, unexplained) = explain(
            &self.group_violations,
            &self.offsets_log.losses,
            offsets_partitions,
        );
        for v in unexplained {
            match v {
                GroupViolation::OwnershipConflict(g, gen, tp, a, b) => {
                    report.ownership_conflicts.push((g, gen, tp, a, b))
                }
                GroupViolation::CommitBack(g, tp, before, after) => {
                    report.commits_back.push((g, tp, before, after))
                }
            }
        }
        report.explained_by_offsets_loss = explained;
        report.offsets_log_losses = self.offsets_log.losses.clone();
    }

    /// Acknowledged offsets whose transaction the final log shows aborted.
    fn aborted_offsets(&self, world: &KafkaWorld) -> BTreeSet<(TopicPartition, i64)> {
        let partitions: BTreeSet<TopicPartition> =
            self.acked_offsets.keys().map(|(tp, _)| *tp).collect();
        partitions
            .iter()
            .flat_map(|tp| {
                crate::check::fates::record_fates(world, tp)
                    .into_iter()
                    .filter(|(_, _, fate)| *fate == crate::check::fates::Fate::Aborted)
                    .map(move |(offset, _, _)| (*tp, offset))
            })
            .collect()
    }

    /// `skipped`: records a reader that never saw them missed nothing by: those the cleaner
    /// removed because a newer record has their key, and for a `read_committed` group those of
    /// aborted transactions.
    fn consumption(
        &self,
        c: &Consumption,
        skipped: &BTreeSet<(TopicPartition, i64)>,
    ) -> ConsumptionReport {
        let mut out = ConsumptionReport {
            processed: c.processed.values().sum(),
            ..Default::default()
        };
        for ((tp, offset), times) in &c.processed {
            if *times > 1 {
                out.processed_twice.push((*tp, *offset, *times));
            }
        }
        // How far the group claims to be in each partition: its committed offset, or past the
        // last record it processed.
        let mut reached: BTreeMap<TopicPartition, i64> =
            c.committed.iter().map(|(tp, (o, _))| (*tp, *o)).collect();
        for (tp, offset) in c.processed.keys() {
            let r = reached.entry(*tp).or_insert(0);
            *r = (*r).max(offset + 1);
        }
        for ((tp, offset), _) in &self.acked_offsets {
            if !c.polled_topics.contains(tp.topic.as_str()) && !c.committed.contains_key(tp) {
                continue;
            }
            let below = reached.get(tp).is_some_and(|r| offset < r);
            let key = (*tp, *offset);
            if below && !c.processed.contains_key(&key) && !skipped.contains(&key) {
                out.never_processed.push((*tp, *offset));
            }
        }
        out
    }
}

/// Records of one producer and one key must appear in `send()` order (duplicates aside).
pub(super) fn reordering(
    tp: &TopicPartition,
    records: &[(i64, RecordId, Option<String>)],
) -> Vec<(TopicPartition, RecordId, RecordId)> {
    let mut last: BTreeMap<(u32, Option<String>), RecordId> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (_, id, key) in records {
        if !seen.insert(*id) {
            continue;
        }
        let slot = (id.producer, key.clone());
        if let Some(previous) = last.get(&slot) {
            if previous.serial > id.serial {
                out.push((*tp, *previous, *id));
            }
        }
        last.insert(slot, *id);
    }
    out
}

/// `(offset, record, key)` of every record in each partition's final log.
pub fn final_logs(
    world: &KafkaWorld,
) -> BTreeMap<TopicPartition, Vec<(i64, RecordId, Option<String>)>> {
    let cluster = world.model();
    let mut out = BTreeMap::new();
    let partitions: BTreeSet<TopicPartition> = cluster
        .brokers
        .values()
        .flat_map(|b| b.replicas.keys().cloned())
        .collect();
    for tp in partitions {
        // Internal topics (`__consumer_offsets`) hold the coordinator's records, not the
        // producers'.
        if tp.topic.starts_with("__") {
            continue;
        }
        let Some(broker) = authoritative_replica(cluster.brokers.values(), &tp) else {
            continue;
        };
        // Records below the log start offset (a follower's segments not yet deleted) are gone.
        let records = broker.replicas[&tp]
            .log
            .records()
            .map(|(o, _, r)| (o, r.id, r.key.as_ref().map(|k| k.to_string())))
            .collect();
        out.insert(tp, records);
    }
    out
}

/// The leader if there is one; else the running replica with the newest data.
pub fn authoritative_replica<'a>(
    brokers: impl Iterator<Item = &'a Broker>,
    tp: &TopicPartition,
) -> Option<&'a Broker> {
    let hosting: Vec<&Broker> = brokers.filter(|b| b.replicas.contains_key(tp)).collect();
    if let Some(leader) = hosting
        .iter()
        .find(|b| b.process.is_running() && b.replicas[tp].is_leader())
    {
        return Some(leader);
    }
    let newest = |b: &&&Broker| {
        let r = &b.replicas[tp];
        (
            b.process.is_running(),
            r.log.latest_epoch().unwrap_or(-1),
            r.log_end_offset(),
        )
    };
    hosting.iter().max_by_key(newest).copied()
}

/// A group's total lag: for every partition it committed, the high watermark minus the
/// committed offset (what `kafka-consumer-groups.sh --describe` sums as LAG).
pub fn group_lag(cluster: &crate::kafka::Cluster, group: &str) -> Option<i64> {
    let (_, g) = cluster.group_coordinator(group)?;
    Some(
        g.offsets
            .iter()
            .map(|(tp, o)| {
                let end = authoritative_replica(cluster.brokers.values(), tp)
                    .map_or(o.offset, |b| b.replicas[tp].high_watermark);
                (end - o.offset).max(0)
            })
            .sum(),
    )
}

/// Whether the members of `group` (a group id, or `cN` for a consumer without one) read with
/// `isolation.level=read_committed`.
pub fn reads_committed(world: &KafkaWorld, group: &str) -> bool {
    world.model().consumers.values().any(|c| {
        let name = c
            .group
            .as_ref()
            .map_or_else(|| format!("c{}", c.id), |g| g.group_id.clone());
        name == group && c.config.read_committed
    })
}
