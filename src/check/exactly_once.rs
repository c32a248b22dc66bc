//! Exactly-once per consume-transform-produce pipeline (`kafka::pipeline`): every input record
//! below the group's committed offset has its output exactly once in the output topic's
//! committed data, and no output exists for an input the group has not committed past.
//!
//! "Committed data" is what a `read_committed` consumer may read: records below the last
//! stable offset of the partition's leader, not in an aborted transaction, not control
//! batches. Outputs name their input in the `source` header (`topic-partition@offset`).

use crate::kafka::pipeline::SOURCE_HEADER;
use crate::kafka::record::RecordBatch;
use crate::kafka::{Cluster, TopicPartition};
use std::collections::BTreeMap;

/// What one pipeline produced, against what its group committed.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ExactlyOnceReport {
    /// Inputs below the committed offsets.
    pub inputs: u32,
    /// Inputs with exactly one committed output.
    pub forwarded_once: u32,
    /// Inputs with more than one committed output (each counted once).
    pub duplicated: Vec<String>,
    /// Inputs below the committed offsets without a committed output.
    pub missing: Vec<String>,
    /// Committed outputs of inputs the group has not committed past: offsets and outputs
    /// disagree.
    pub ahead: Vec<String>,
}

impl ExactlyOnceReport {
    pub fn violations(&self) -> u32 {
        (self.duplicated.len() + self.missing.len() + self.ahead.len()) as u32
    }
}

/// The report of the pipeline run by consumer `consumer`, if there is one.
pub fn check_pipeline(cluster: &Cluster, consumer: u32) -> Option<ExactlyOnceReport> {
    let pipeline = cluster.pipelines.get(&consumer)?;
    let c = cluster.consumers.get(&consumer)?;
    let group = c.group_id()?;
    let mut outputs: BTreeMap<String, u32> = BTreeMap::new();
    for tp in partitions_of(cluster, &pipeline.output_topic) {
        for batch in committed_batches(cluster, &tp) {
            for record in batch.records.iter() {
                let source = record.headers.iter().find(|h| &*h.key == SOURCE_HEADER);
                if let Some(h) = source {
                    *outputs.entry(h.value.to_string()).or_default() += 1;
                }
            }
        }
    }
    let mut report = ExactlyOnceReport::default();
    let topics: Vec<String> = match &c.subscription {
        crate::kafka::consumer::Subscription::Subscribe(topics) => topics.clone(),
        crate::kafka::consumer::Subscription::Assign(tps) => {
            tps.iter().map(|tp| tp.topic.to_string()).collect()
        }
    };
    for topic in topics {
        for tp in partitions_of(cluster, &topic) {
            let committed = cluster.committed_offset(group, &tp).unwrap_or(0);
            for (offset, _) in committed_offsets(cluster, &tp) {
                let name = format!("{tp}@{offset}");
                let n = outputs.remove(&name).unwrap_or(0);
                match (offset < committed, n) {
                    (true, 1) => report.forwarded_once += 1,
                    (true, 0) => report.missing.push(name),
                    (true, _) => report.duplicated.push(name),
                    (false, 0) => continue,
                    (false, _) => report.ahead.push(name),
                }
                if offset < committed {
                    report.inputs += 1;
                }
            }
        }
    }
    Some(report)
}

fn partitions_of(cluster: &Cluster, topic: &str) -> Vec<TopicPartition> {
    let count = cluster
        .brokers
        .values()
        .find_map(|b| b.metadata.partition_count(topic))
        .unwrap_or(0);
    (0..count).map(|p| TopicPartition::new(topic, p)).collect()
}

/// The data batches of `tp` a `read_committed` reader may see, from its running leader.
fn committed_batches<'a>(cluster: &'a Cluster, tp: &TopicPartition) -> Vec<&'a RecordBatch> {
    let Some(replica) = cluster
        .brokers
        .values()
        .filter(|b| b.process.is_running())
        .find_map(|b| b.replicas.get(tp).filter(|r| r.is_leader()))
    else {
        return Vec::new();
    };
    let stable = replica.last_stable_offset();
    let aborted = replica.txns.collect_aborted_txns(0, stable);
    replica
        .log
        .batches()
        .filter(|b| !b.is_control() && b.base_offset < stable)
        .filter(|b| {
            !aborted.iter().any(|a| {
                a.producer_id == b.producer.producer_id
                    && a.first_offset <= b.base_offset
                    && b.base_offset < a.last_offset
            })
        })
        .collect()
}

/// The offsets of the committed records of `tp`, with their batch.
fn committed_offsets<'a>(cluster: &'a Cluster, tp: &TopicPartition) -> Vec<(i64, &'a RecordBatch)> {
    committed_batches(cluster, tp)
        .into_iter()
        .flat_map(|b| {
            b.records
                .iter()
                .map(move |r| (b.base_offset + i64::from(r.offset_delta), b))
        })
        .collect()
}
