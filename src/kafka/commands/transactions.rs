//! Transactional producer commands: `initTransactions`, `beginTransaction`,
//! `sendOffsetsToTransaction`, `commitTransaction`, `abortTransaction`.

use super::CommandError;
use crate::kafka::producer::transactions::TxnRefusal;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::{Cluster, Command};
use crate::sim::Ctx;

impl Cluster {
    pub(super) fn apply_txn_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        let refused =
            |node: NodeId| move |refusal: TxnRefusal| CommandError::Transaction { node, refusal };
        match command {
            Command::InitTransactions { producer } => self
                .running_producer(producer)?
                .init_transactions(ctx)
                .map_err(refused(producer)),
            Command::BeginTransaction { producer } => self
                .running_producer(producer)?
                .begin_transaction(ctx)
                .map_err(refused(producer)),
            Command::CommitTransaction { producer } => self
                .running_producer(producer)?
                .commit_transaction(ctx)
                .map_err(refused(producer)),
            Command::AbortTransaction { producer } => self
                .running_producer(producer)?
                .abort_transaction(ctx)
                .map_err(refused(producer)),
            Command::SendOffsetsToTransaction {
                producer,
                group,
                offsets,
            } => {
                if group.trim().is_empty() {
                    return Err(CommandError::InvalidGroupId(super::GroupIdProblem::Empty));
                }
                let mut parsed = Vec::new();
                for (tp, offset) in offsets {
                    let tp = TopicPartition::parse(&tp)?;
                    self.check_topic(&tp.topic)?;
                    if offset < 0 {
                        return Err(CommandError::NegativeSeekOffset(offset));
                    }
                    parsed.push((tp, offset, -1));
                }
                self.running_producer(producer)?
                    .send_offsets_to_transaction(ctx, &group, parsed)
                    .map_err(refused(producer))
            }
            Command::StartPipeline {
                consumer,
                producer,
                output_topic,
            } => self.start_pipeline(ctx, consumer, producer, output_topic),
            _ => unreachable!("apply_command routes only transaction commands here"),
        }
    }

    /// `StartPipeline`: check the consumer suits an exactly-once loop and the producer is
    /// transactional, then call `initTransactions()` if it has not been.
    fn start_pipeline(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        consumer: NodeId,
        producer: NodeId,
        output_topic: String,
    ) -> Result<(), CommandError> {
        use crate::kafka::commands::PipelineProblem;
        use crate::kafka::consumer::app::Handoff;
        self.check_topic(&output_topic)?;
        let NodeId::Consumer(c) = consumer else {
            return Err(CommandError::WrongKind {
                node: consumer,
                expected: super::NodeKind::Consumer,
            });
        };
        let cons = self
            .consumers
            .get(&c)
            .ok_or(CommandError::UnknownNode(consumer))?;
        use crate::kafka::pipeline::PipelineStage;
        // A fenced pipeline's application has stopped: a new instance may take its place
        // (restart the consumer and the producer first).
        let running = |p: &crate::kafka::pipeline::Pipeline| p.stage != PipelineStage::Fenced;
        let problem = if self.pipelines.get(&c).is_some_and(running) {
            Some(PipelineProblem::AlreadyRunning)
        } else if cons.group_id().is_none() {
            Some(PipelineProblem::NoGroup)
        } else if cons.config.enable_auto_commit {
            Some(PipelineProblem::AutoCommit)
        } else if cons.app.spec.handoff == Handoff::Worker {
            Some(PipelineProblem::WorkerThread)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(CommandError::PipelineConsumer {
                node: consumer,
                problem,
            });
        }
        let p = self.running_producer(producer)?;
        let txn = p.txn.as_ref().ok_or(CommandError::Transaction {
            node: producer,
            refusal: TxnRefusal::NotTransactional,
        })?;
        if txn.state == crate::kafka::producer::transactions::ClientTxnState::Uninitialized {
            let _ = p.init_transactions(ctx);
        }
        let producer = p.id;
        // The counts go on across a replaced (fenced) instance.
        let (committed_transactions, aborted_transactions) =
            self.pipelines.get(&c).map_or((0, 0), |p| {
                (p.committed_transactions, p.aborted_transactions)
            });
        let pipeline = crate::kafka::pipeline::Pipeline {
            producer,
            output_topic,
            stage: PipelineStage::Idle,
            committed_transactions,
            aborted_transactions,
        };
        self.pipelines.insert(c, pipeline);
        Ok(())
    }
}
