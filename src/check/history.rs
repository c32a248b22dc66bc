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
//! The final log of a partition is its leader's log; a leaderless partition is judged by the
//! replica with the newest data (latest leader epoch, then longest log) among running brokers.

use crate::kafka::broker::Broker;
use crate::kafka::event::Event;
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaStep, KafkaWorld, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every acknowledgement: record -> (partition, offset).
    acked: BTreeMap<RecordId, (TopicPartition, i64)>,
    /// Offsets that were acknowledged, with the record each was acknowledged for.
    acked_offsets: BTreeMap<(TopicPartition, i64), RecordId>,
    inconsistent: Vec<(TopicPartition, i64, RecordId, RecordId)>,
    /// Records whose delivery the producer reported as failed for good.
    failed: BTreeSet<RecordId>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct HistoryReport {
    pub acknowledged: u32,
    pub lost: Vec<(RecordId, TopicPartition, i64)>,
    pub duplicates: Vec<(RecordId, TopicPartition, Vec<i64>)>,
    pub inconsistent_offsets: Vec<(TopicPartition, i64, RecordId, RecordId)>,
    pub reordered: Vec<(TopicPartition, RecordId, RecordId)>,
    /// Failed sends whose record is in the log anyway (a "failed" write that happened).
    pub failed_but_written: Vec<RecordId>,
}

impl HistoryReport {
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty()
            && self.duplicates.is_empty()
            && self.inconsistent_offsets.is_empty()
            && self.reordered.is_empty()
    }

    pub fn summary(&self) -> String {
        format!(
            "{} acknowledged, {} lost, {} duplicated, {} inconsistent offsets, {} reordered",
            self.acknowledged,
            self.lost.len(),
            self.duplicates.len(),
            self.inconsistent_offsets.len(),
            self.reordered.len()
        )
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
                _ => {}
            }
        }
    }

    fn acknowledge(&mut self, id: RecordId, tp: &TopicPartition, offset: i64) {
        self.acked.insert(id, (tp.clone(), offset));
        match self.acked_offsets.get(&(tp.clone(), offset)) {
            Some(previous) if *previous != id => {
                self.inconsistent.push((tp.clone(), offset, *previous, id))
            }
            _ => {
                self.acked_offsets.insert((tp.clone(), offset), id);
            }
        }
    }

    pub fn acknowledged(&self) -> usize {
        self.acked.len()
    }

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
                positions
                    .entry(*id)
                    .or_default()
                    .push((tp.clone(), *offset));
            }
        }
        for (id, (tp, offset)) in &self.acked {
            let stored = positions
                .get(id)
                .is_some_and(|ps| ps.iter().any(|(t, _)| t == tp));
            if !stored {
                report.lost.push((*id, tp.clone(), *offset));
            }
        }
        for (id, ps) in &positions {
            if ps.len() > 1 {
                report.duplicates.push((
                    *id,
                    ps[0].0.clone(),
                    ps.iter().map(|(_, o)| *o).collect(),
                ));
            }
            if self.failed.contains(id) {
                report.failed_but_written.push(*id);
            }
        }
        for (tp, records) in &logs {
            report.reordered.extend(reordering(tp, records));
        }
        report
    }
}

/// Records of one producer and one key must appear in `send()` order (duplicates aside).
fn reordering(
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
                out.push((tp.clone(), *previous, *id));
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
        let Some(broker) = authoritative_replica(cluster.brokers.values(), &tp) else {
            continue;
        };
        let records = broker.replicas[&tp]
            .log
            .batches()
            .flat_map(|b| {
                b.offsets_and_records()
                    .map(|(o, r)| (o, r.id, r.key.as_ref().map(|k| k.to_string())))
                    .collect::<Vec<_>>()
            })
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

#[cfg(test)]
mod tests {
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
        assert_eq!(reordering(&tp, &log), vec![(tp.clone(), id(3), id(2))]);
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
