//! `read_committed` judged from a run's history: every record a `read_committed` consumer's
//! `poll()` handed to the application belongs to a committed transaction or to no transaction,
//! never to an aborted one nor to one still undecided at delivery, and no such consumer read
//! past the last stable offset.
//!
//! The checker keeps, while the run goes, every delivery (`RecordsPolled` of a `read_committed`
//! consumer, with its step) and the highest high watermark any replica of each partition
//! reported, step by step (`HighWatermarkAdvanced`). At the end it reads each partition's final
//! log (`history::authoritative_replica`) and rebuilds the transactions in it from the batches
//! alone: a producer's transactional batches up to its next control batch are one transaction,
//! decided by that marker. It never asks the broker for its LSO or its aborted-transaction
//! index, so a bug there cannot hide itself. A transaction counts as decided from the first step
//! at which the high watermark passed its marker: Kafka's LSO moves past a transaction only then
//! (`ProducerStateManager.onHighWatermarkUpdated` retiring `unreplicatedTxns`).
//!
//! A delivery at offset `o` and step `s` is then wrong when:
//! - its batch is a control batch (markers never reach applications);
//! - its transaction ended with an ABORT marker, or has no marker in the final log;
//! - `o` was at or above the highest high watermark reported by step `s`;
//! - some transaction beginning at or before `o` (its own included) was not yet decided at `s`:
//!   the consumer read past the LSO (`UnifiedLog.lastStableOffset`);
//! - the final log holds another record (or none) at `o`.
//!
//! The final log is the truth only where committed data is never truncated: acks=all with an
//! in-sync majority and unclean election off, as in the transactional soak.

use super::history::authoritative_replica;
use crate::kafka::event::Event;
use crate::kafka::record::{ControlRecordType, RecordId};
use crate::kafka::{KafkaStep, KafkaWorld, NodeId, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

/// One record a `read_committed` consumer's `poll()` returned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Delivery {
    pub step: u64,
    pub consumer: u32,
    pub partition: TopicPartition,
    pub offset: i64,
    pub record: RecordId,
}

/// What was wrong with a delivery.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum ReadCommittedViolation {
    /// The record's transaction was aborted.
    Aborted,
    /// The record's transaction has no marker in the final log: it never ended.
    NeverDecided,
    /// A transaction that began at `open_from` (at or before the record) was still undecided,
    /// or its marker not yet below the high watermark: the consumer read past the LSO.
    PastStableOffset { open_from: i64 },
    /// The offset was not yet below any replica's high watermark.
    PastHighWatermark { high_watermark: i64 },
    /// A control record (a transaction marker) reached the application.
    ControlRecord,
    /// The final log has another record, or none, at that offset.
    NotInFinalLog,
}

/// A batch of a final log, as the checker reads it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LoggedBatch {
    pub base_offset: i64,
    /// -1 for a producer without a producer id.
    pub producer_id: i64,
    pub transactional: bool,
    pub control: Option<ControlRecordType>,
    /// (offset, record) of each record.
    pub records: Vec<(i64, RecordId)>,
}

/// A transaction rebuilt from a final log.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct LoggedTxn {
    producer_id: i64,
    first_offset: i64,
    /// The marker's offset and kind; `None`: still open when the run ended.
    marker: Option<(i64, ControlRecordType)>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ReadCommittedReport {
    /// Records delivered to `read_committed` applications.
    pub delivered: u32,
    /// Of them, records written in a transaction.
    pub transactional: u32,
    /// Deliveries below the final log's start offset (deleted by retention): not judged.
    pub unjudged: u32,
    pub violations: Vec<(Delivery, ReadCommittedViolation)>,
}

impl ReadCommittedReport {
    pub fn violations(&self) -> u32 {
        self.violations.len() as u32
    }
}

/// Follows a run step by step; `analyze` judges it.
#[derive(Clone, Debug, Default)]
pub struct ReadCommittedHistory {
    read_committed: BTreeSet<u32>,
    /// Per partition, the steps at which the highest reported high watermark grew.
    high_watermarks: BTreeMap<TopicPartition, Vec<(u64, i64)>>,
    deliveries: Vec<Delivery>,
}

impl ReadCommittedHistory {
    /// Follow the consumers of `world` configured with `isolation.level=read_committed`.
    pub fn new(world: &KafkaWorld) -> Self {
        let consumers = world
            .model()
            .consumers
            .iter()
            .filter(|(_, c)| c.config.read_committed)
            .map(|(id, _)| *id);
        Self::for_consumers(consumers)
    }

    /// Follow these consumers as `read_committed` readers.
    pub fn for_consumers(consumers: impl IntoIterator<Item = u32>) -> Self {
        ReadCommittedHistory {
            read_committed: consumers.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn observe(&mut self, step: &KafkaStep) {
        for event in &step.events {
            match event {
                Event::HighWatermarkAdvanced { partition, to, .. } => {
                    let seen = self.high_watermarks.entry(*partition).or_default();
                    if seen.last().is_none_or(|(_, hw)| to > hw) {
                        seen.push((step.index, *to));
                    }
                }
                Event::RecordsPolled {
                    consumer, records, ..
                } if self.read_committed.contains(consumer) => {
                    self.deliveries
                        .extend(records.iter().map(|(tp, offset, record)| Delivery {
                            step: step.index,
                            consumer: *consumer,
                            partition: *tp,
                            offset: *offset,
                            record: *record,
                        }));
                }
                Event::ClientConfigChanged {
                    node: NodeId::Consumer(c),
                    key,
                    value,
                } if key == "isolation.level" => {
                    if value == "read_committed" {
                        self.read_committed.insert(*c);
                    } else {
                        self.read_committed.remove(c);
                    }
                }
                _ => {}
            }
        }
    }

    /// Judge every delivery against the final logs of `world`.
    pub fn analyze(&self, world: &KafkaWorld) -> ReadCommittedReport {
        let partitions: BTreeSet<TopicPartition> =
            self.deliveries.iter().map(|d| d.partition).collect();
        let mut logs = BTreeMap::new();
        for tp in partitions {
            let brokers = world.model().brokers.values();
            if let Some(broker) = authoritative_replica(brokers, &tp) {
                let log = &broker.replicas[&tp].log;
                logs.insert(tp, (log.log_start_offset(), logged_batches(log)));
            }
        }
        self.judge(&logs)
    }

    /// Judge every delivery against these final logs (log start offset and batches, by
    /// partition).
    pub fn judge(
        &self,
        logs: &BTreeMap<TopicPartition, (i64, Vec<LoggedBatch>)>,
    ) -> ReadCommittedReport {
        let mut report = ReadCommittedReport::default();
        let empty = (0, Vec::new());
        let mut judged: BTreeMap<TopicPartition, PartitionJudge<'_>> = BTreeMap::new();
        for d in &self.deliveries {
            let judge = judged.entry(d.partition).or_insert_with(|| {
                let (start, batches) = logs.get(&d.partition).unwrap_or(&empty);
                let hw = self.high_watermarks.get(&d.partition);
                PartitionJudge::new(*start, batches, hw.map_or(&[][..], Vec::as_slice))
            });
            report.delivered += 1;
            if d.offset < judge.log_start_offset {
                report.unjudged += 1;
                continue;
            }
            let (transactional, verdict) = judge.judge(d);
            report.transactional += u32::from(transactional);
            if let Some(v) = verdict {
                report.violations.push((*d, v));
            }
        }
        report
    }
}

/// The batches of a log, as the checker reads them.
fn logged_batches(log: &crate::kafka::log::PartitionLog) -> Vec<LoggedBatch> {
    log.batches()
        .map(|b| LoggedBatch {
            base_offset: b.base_offset,
            producer_id: b.producer.producer_id,
            transactional: b.transactional,
            control: b.control,
            records: b
                .records
                .iter()
                .map(|r| (b.base_offset + i64::from(r.offset_delta), r.id))
                .collect(),
        })
        .collect()
}

/// One partition's final log, its transactions and its high watermarks over time.
struct PartitionJudge<'a> {
    log_start_offset: i64,
    batches: &'a [LoggedBatch],
    high_watermarks: &'a [(u64, i64)],
    /// Transactions by first offset, each with the step it was decided at (`u64::MAX`: never),
    /// and the latest such step among it and every transaction beginning before it.
    txns: Vec<(LoggedTxn, u64, u64)>,
}

impl<'a> PartitionJudge<'a> {
    fn new(
        log_start_offset: i64,
        batches: &'a [LoggedBatch],
        high_watermarks: &'a [(u64, i64)],
    ) -> Self {
        let mut judge = PartitionJudge {
            log_start_offset,
            batches,
            high_watermarks,
            txns: Vec::new(),
        };
        let mut latest = 0;
        for txn in transactions(batches) {
            let decided = txn
                .marker
                .and_then(|(offset, _)| judge.step_past(offset))
                .unwrap_or(u64::MAX);
            latest = latest.max(decided);
            judge.txns.push((txn, decided, latest));
        }
        judge
    }

    /// The first step at which the high watermark was above `offset`.
    fn step_past(&self, offset: i64) -> Option<u64> {
        let i = self
            .high_watermarks
            .partition_point(|(_, hw)| *hw <= offset);
        self.high_watermarks.get(i).map(|(step, _)| *step)
    }

    /// The highest high watermark reported at or before `step`.
    fn high_watermark_at(&self, step: u64) -> i64 {
        let i = self.high_watermarks.partition_point(|(s, _)| *s <= step);
        i.checked_sub(1).map_or(0, |i| self.high_watermarks[i].1)
    }

    /// Whether the delivery's record was transactional, and what is wrong with it.
    fn judge(&self, d: &Delivery) -> (bool, Option<ReadCommittedViolation>) {
        use ReadCommittedViolation::*;
        let batch = self.batches.iter().find(|b| {
            b.records
                .iter()
                .any(|(o, id)| *o == d.offset && *id == d.record)
        });
        let Some(batch) = batch else {
            return (false, Some(NotInFinalLog));
        };
        if batch.control.is_some() {
            return (false, Some(ControlRecord));
        }
        let own = self.txns.iter().find(|(t, _, _)| {
            batch.transactional
                && t.producer_id == batch.producer_id
                && t.first_offset <= batch.base_offset
                && t.marker.is_none_or(|(m, _)| batch.base_offset < m)
        });
        let verdict = match own.map(|(t, _, _)| t.marker) {
            Some(None) => Some(NeverDecided),
            Some(Some((_, ControlRecordType::Abort))) => Some(Aborted),
            _ => self.past_stable_offset(d),
        };
        (batch.transactional, verdict)
    }

    /// A record at or above the high watermark, or above the first offset of a transaction not
    /// yet decided at the delivery's step.
    fn past_stable_offset(&self, d: &Delivery) -> Option<ReadCommittedViolation> {
        let high_watermark = self.high_watermark_at(d.step);
        if d.offset >= high_watermark {
            return Some(ReadCommittedViolation::PastHighWatermark { high_watermark });
        }
        let begun = self
            .txns
            .partition_point(|(t, _, _)| t.first_offset <= d.offset);
        let (_, _, latest) = self.txns.get(begun.checked_sub(1)?)?;
        if *latest <= d.step {
            return None;
        }
        // The earliest transaction begun at or before the record and undecided at delivery.
        let open = self.txns[..begun]
            .iter()
            .find(|(_, decided, _)| *decided > d.step)
            .expect("the latest decision step came from one of them");
        Some(ReadCommittedViolation::PastStableOffset {
            open_from: open.0.first_offset,
        })
    }
}

/// The transactions of a log, by first offset: each producer's transactional batches up to its
/// next control batch (Kafka: `ProducerAppendInfo.appendDataBatch` opening a transaction,
/// `appendEndTxnMarker` closing it).
fn transactions(batches: &[LoggedBatch]) -> Vec<LoggedTxn> {
    let mut open: BTreeMap<i64, i64> = BTreeMap::new();
    let mut txns = Vec::new();
    for b in batches {
        match b.control {
            Some(kind) => {
                if let Some(first_offset) = open.remove(&b.producer_id) {
                    txns.push(LoggedTxn {
                        producer_id: b.producer_id,
                        first_offset,
                        marker: Some((b.base_offset, kind)),
                    });
                }
            }
            None if b.transactional => {
                open.entry(b.producer_id).or_insert(b.base_offset);
            }
            None => {}
        }
    }
    txns.extend(
        open.into_iter()
            .map(|(producer_id, first_offset)| LoggedTxn {
                producer_id,
                first_offset,
                marker: None,
            }),
    );
    txns.sort_by_key(|t| t.first_offset);
    txns
}

#[cfg(test)]
mod tests {
    use super::*;

    const PID: i64 = 7;

    fn id(serial: u32) -> RecordId {
        RecordId {
            producer: 1,
            serial,
        }
    }

    fn tp() -> TopicPartition {
        TopicPartition::new("out", 0)
    }

    /// A batch of one record (`serial` = offset) of producer `PID`.
    fn data(offset: i64, transactional: bool) -> LoggedBatch {
        LoggedBatch {
            base_offset: offset,
            producer_id: PID,
            transactional,
            control: None,
            records: vec![(offset, id(offset as u32))],
        }
    }

    fn marker(offset: i64, kind: ControlRecordType) -> LoggedBatch {
        LoggedBatch {
            base_offset: offset,
            producer_id: PID,
            transactional: true,
            control: Some(kind),
            records: vec![(offset, RecordId::CONTROL)],
        }
    }

    /// A history where the high watermark reached `hw` at step `at` for each pair, and the
    /// consumer got offsets `delivered` at steps (offset, step).
    fn history(hws: &[(u64, i64)], delivered: &[(i64, u64)]) -> ReadCommittedHistory {
        let mut h = ReadCommittedHistory::for_consumers([1]);
        h.high_watermarks.insert(tp(), hws.to_vec());
        h.deliveries = delivered
            .iter()
            .map(|(offset, step)| Delivery {
                step: *step,
                consumer: 1,
                partition: tp(),
                offset: *offset,
                record: id(*offset as u32),
            })
            .collect();
        h
    }

    fn judge(h: &ReadCommittedHistory, batches: Vec<LoggedBatch>) -> ReadCommittedReport {
        h.judge(&BTreeMap::from([(tp(), (0, batches))]))
    }

    fn kinds(report: &ReadCommittedReport) -> Vec<ReadCommittedViolation> {
        report.violations.iter().map(|(_, v)| *v).collect()
    }

    #[test]
    fn committed_records_delivered_after_their_marker_is_replicated_pass() {
        use ControlRecordType::Commit;
        let log = vec![
            data(0, true),
            data(1, true),
            marker(2, Commit),
            data(3, false),
        ];
        let h = history(&[(10, 3), (20, 4)], &[(0, 11), (1, 11), (3, 21)]);
        let report = judge(&h, log);
        assert_eq!(kinds(&report), vec![]);
        assert_eq!((report.delivered, report.transactional), (3, 2));
    }

    #[test]
    fn a_delivered_aborted_record_is_caught() {
        use ControlRecordType::Abort;
        let h = history(&[(10, 3)], &[(0, 11), (1, 11)]);
        let report = judge(&h, vec![data(0, true), data(1, true), marker(2, Abort)]);
        use ReadCommittedViolation::Aborted;
        assert_eq!(kinds(&report), vec![Aborted, Aborted]);
    }

    #[test]
    fn a_record_of_a_transaction_that_never_ended_is_caught() {
        let h = history(&[(10, 2)], &[(0, 11)]);
        let report = judge(&h, vec![data(0, true), data(1, true)]);
        assert_eq!(kinds(&report), vec![ReadCommittedViolation::NeverDecided]);
    }

    #[test]
    fn a_committed_record_delivered_before_its_marker_was_replicated_is_past_the_lso() {
        use ControlRecordType::Commit;
        // The marker at 2 is below the high watermark only from step 30.
        let h = history(&[(10, 2), (30, 3)], &[(0, 20)]);
        let report = judge(&h, vec![data(0, true), data(1, true), marker(2, Commit)]);
        let past = ReadCommittedViolation::PastStableOffset { open_from: 0 };
        assert_eq!(kinds(&report), vec![past]);
    }

    #[test]
    fn a_plain_record_behind_an_open_transaction_is_past_the_lso() {
        use ControlRecordType::Commit;
        // Another producer's plain record at 1 sits behind PID's transaction begun at 0.
        let mut plain = data(1, false);
        plain.producer_id = -1;
        let log = vec![data(0, true), plain, marker(2, Commit)];
        let h = history(&[(5, 2), (40, 3)], &[(1, 10), (1, 41)]);
        let report = judge(&h, log);
        let past = ReadCommittedViolation::PastStableOffset { open_from: 0 };
        assert_eq!(kinds(&report), vec![past]);
        assert_eq!(report.violations[0].0.step, 10);
    }

    #[test]
    fn reading_at_the_high_watermark_markers_and_unknown_records_are_caught() {
        use ReadCommittedViolation::*;
        let mut h = history(&[(10, 1)], &[(0, 11), (1, 11), (5, 11)]);
        h.deliveries[0].record = RecordId::CONTROL;
        let log = vec![marker(0, ControlRecordType::Commit), data(1, false)];
        let report = judge(&h, log);
        let hw = PastHighWatermark { high_watermark: 1 };
        assert_eq!(kinds(&report), vec![ControlRecord, hw, NotInFinalLog]);
    }

    #[test]
    fn a_transaction_after_the_record_does_not_hold_it_back() {
        use ControlRecordType::Abort;
        let mut plain = data(0, false);
        plain.producer_id = -1;
        let log = vec![plain, data(1, true), marker(2, Abort)];
        let h = history(&[(3, 1)], &[(0, 4)]);
        assert_eq!(kinds(&judge(&h, log)), vec![]);
    }
}
