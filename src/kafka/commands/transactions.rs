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
            _ => unreachable!("apply_command routes only transaction commands here"),
        }
    }
}
