//! A consume-transform-produce application with exactly-once semantics: one process holding a
//! consumer (`read_committed`, no auto-commit) and a transactional producer, running Kafka's
//! canonical loop (the `ExactlyOnceMessageProcessor` of Kafka's examples):
//!
//! ```text
//! producer.initTransactions();
//! while (true) {
//!     records = consumer.poll(timeout);
//!     producer.beginTransaction();
//!     for (record : records) producer.send(transform(record));
//!     producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
//!     producer.commitTransaction();      // on an abortable error: abortTransaction() and
//! }                                      // rewind the consumer to the last committed offsets
//! ```
//!
//! The consumer and the producer stay separate nodes on the stage; the cluster runs this loop
//! between their steps, as the application's thread would. The transform copies key and value
//! and adds a `source` header naming the input record (`topic-partition@offset`), which is what
//! the exactly-once check reads.

use super::consumer::FetchedRecord;
use super::producer::transactions::ClientTxnState;
use super::producer::{ProducerRecord, RecordHeader};
use super::types::{Topic, TopicPartition};
use super::Cluster;
use crate::sim::Ctx;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One pipeline: consumer `c` forwards through producer `p` to `output_topic`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Pipeline {
    pub producer: u32,
    pub output_topic: String,
    pub stage: PipelineStage,
    pub committed_transactions: u64,
    pub aborted_transactions: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PipelineStage {
    /// Waiting for `initTransactions()` or for records.
    Idle,
    /// `commitTransaction()` called, waiting for it to return.
    Committing,
    /// `abortTransaction()` called after an error.
    Aborting,
    /// The producer restarted: a new instance initializes (fencing the old one, whose open
    /// transaction the coordinator completes or aborts) before the consumer rewinds.
    Recovering,
    /// The producer was fenced: the application stops (`ProducerFencedException`).
    Fenced,
}

/// The header naming an output record's input.
pub const SOURCE_HEADER: &str = "source";

impl Cluster {
    /// Advance every pipeline after a step (a no-op without pipelines).
    pub(crate) fn run_pipelines(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let ids: Vec<u32> = self.pipelines.keys().copied().collect();
        for c in ids {
            self.run_pipeline(ctx, c);
        }
    }

    fn run_pipeline(&mut self, ctx: &mut Ctx<'_, Cluster>, c: u32) {
        let Some(pipeline) = self.pipelines.get(&c).cloned() else {
            return;
        };
        let (Some(consumer), Some(producer)) = (
            self.consumers.get_mut(&c),
            self.producers.get_mut(&pipeline.producer),
        ) else {
            return;
        };
        if !consumer.process.is_running() || !producer.process.is_running() {
            return;
        }
        consumer.app.forward = true;
        let state = producer.txn.as_ref().map(|t| t.state);
        let next = match (pipeline.stage, state) {
            (PipelineStage::Fenced, _) | (_, None) => return,
            (_, Some(ClientTxnState::FatalError)) => {
                consumer.stop_pipeline_loop(ctx);
                PipelineStage::Fenced
            }
            // A restarted producer: a new instance initializes, fencing the old epoch; the
            // transaction it had open is completed or aborted by the coordinator first.
            // Records handed over but not sent are dropped with the old instance: the consumer
            // rewinds to the committed offsets once the new one is ready.
            (_, Some(ClientTxnState::Uninitialized)) => {
                let _ = producer.init_transactions(ctx);
                PipelineStage::Recovering
            }
            (PipelineStage::Recovering, Some(ClientTxnState::Ready)) => {
                consumer.resume_after_transaction(ctx, true);
                PipelineStage::Idle
            }
            (_, Some(ClientTxnState::AbortableError)) => {
                let _ = producer.abort_transaction(ctx);
                PipelineStage::Aborting
            }
            (PipelineStage::Committing, Some(ClientTxnState::Ready)) => {
                consumer.resume_after_transaction(ctx, false);
                self.finish(c, PipelineStage::Idle, true);
                return;
            }
            (PipelineStage::Aborting, Some(ClientTxnState::Ready)) => {
                consumer.resume_after_transaction(ctx, true);
                self.finish(c, PipelineStage::Idle, false);
                return;
            }
            (PipelineStage::Idle, Some(ClientTxnState::Ready))
                if !consumer.app.outbox.is_empty() =>
            {
                let records = std::mem::take(&mut consumer.app.outbox);
                let group = consumer.group_id().unwrap_or_default().to_string();
                forward(ctx, producer, &pipeline.output_topic, &group, &records);
                PipelineStage::Committing
            }
            (stage, _) => stage,
        };
        if let Some(p) = self.pipelines.get_mut(&c) {
            p.stage = next;
        }
    }

    fn finish(&mut self, c: u32, stage: PipelineStage, committed: bool) {
        if let Some(p) = self.pipelines.get_mut(&c) {
            p.stage = stage;
            if committed {
                p.committed_transactions += 1;
            } else {
                p.aborted_transactions += 1;
            }
        }
    }
}

/// One loop iteration's transaction: begin, send the transformed records, send the offsets
/// after them, commit.
fn forward(
    ctx: &mut Ctx<'_, Cluster>,
    producer: &mut super::producer::Producer,
    output_topic: &str,
    group: &str,
    records: &[FetchedRecord],
) {
    let _ = producer.begin_transaction(ctx);
    let mut next: BTreeMap<TopicPartition, (i64, i32)> = BTreeMap::new();
    for r in records {
        next.insert(r.partition, (r.offset + 1, r.leader_epoch));
        let record = ProducerRecord {
            topic: Topic::new(output_topic),
            partition: None,
            timestamp: None,
            key: r.key.as_ref().map(|k| Rc::from(k.to_string().as_str())),
            value: r.value.as_ref().map(|v| Rc::from(v.to_string().as_str())),
            headers: vec![RecordHeader {
                key: SOURCE_HEADER.to_string(),
                value: format!("{}@{}", r.partition, r.offset),
            }],
        };
        producer.send(ctx, record, None);
    }
    let offsets = next
        .into_iter()
        .map(|(tp, (offset, epoch))| (tp, offset, epoch))
        .collect();
    let _ = producer.send_offsets_to_transaction(ctx, group, offsets);
    let _ = producer.commit_transaction(ctx);
}
