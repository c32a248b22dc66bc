//! What became of each record's transaction, read from a partition's final log alone
//! (independently of the broker's own transaction index): a transactional batch belongs to the
//! first marker (control batch) of its producer id after it; COMMIT or ABORT decides, no marker
//! yet means still open. Used by the history checker (a `read_committed` group skips aborted
//! records by design) and by the transaction lessons' expectations.

use super::history::authoritative_replica;
use crate::kafka::record::{ControlRecordType, RecordId};
use crate::kafka::{KafkaWorld, TopicPartition};
use std::collections::BTreeMap;

/// What became of the transaction a record was written in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fate {
    /// Written outside any transaction.
    NonTransactional,
    Committed,
    Aborted,
    /// No marker after it yet.
    Open,
}

/// `(offset, record, fate)` of every record in the partition's final log, oldest first.
pub fn record_fates(world: &KafkaWorld, tp: &TopicPartition) -> Vec<(i64, RecordId, Fate)> {
    let Some(broker) = authoritative_replica(world.model().brokers.values(), tp) else {
        return Vec::new();
    };
    let log = &broker.replicas[tp].log;
    let start = log.log_start_offset();
    // Walking backwards, the marker last seen for a producer id is the first one after a batch.
    let mut next_marker: BTreeMap<i64, ControlRecordType> = BTreeMap::new();
    let mut out = Vec::new();
    let batches: Vec<_> = log.batches().collect();
    for batch in batches.into_iter().rev() {
        let producer_id = batch.producer.producer_id;
        if let Some(kind) = batch.control {
            next_marker.insert(producer_id, kind);
            continue;
        }
        let fate = match (batch.transactional, next_marker.get(&producer_id)) {
            (false, _) => Fate::NonTransactional,
            (true, Some(ControlRecordType::Commit)) => Fate::Committed,
            (true, Some(ControlRecordType::Abort)) => Fate::Aborted,
            (true, None) => Fate::Open,
        };
        for (offset, record) in batch
            .offsets_and_records()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if offset >= start {
                out.push((offset, record.id, fate));
            }
        }
    }
    out.reverse();
    out
}
