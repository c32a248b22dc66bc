//! Applying user commands to the cluster, as `impl Cluster` blocks split by family: producers,
//! faults, the network, consumers and administration. Each command is validated before anything
//! changes, so a refused command leaves the model untouched (the world relies on it); the error
//! is data (`CommandError`) that `present` words.

mod admin;
mod consumer;
mod error;
mod faults;
mod network;
mod producer;
mod transactions;

pub use error::{
    limits, CommandError, GroupIdProblem, Limit, NodeKind, PipelineProblem,
    ReplicaAssignmentProblem,
};

use super::types::NodeId;
use super::{Cluster, Command};
use crate::sim::Ctx;

impl Cluster {
    /// Run one command (a click, a console line, a lesson action).
    pub(super) fn apply_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        use admin::AdminCommand as Admin;
        use Command::*;
        match command {
            Produce { .. }
            | ProduceMany { .. }
            | SetProduceRate { .. }
            | Flush { .. }
            | SetSendMode { .. }
            | AddProducer { .. }
            | SetConfig { .. } => self.apply_producer_command(ctx, command),
            Crash { .. } | PowerFail { .. } | Restart { .. } | Shutdown { .. } | Pause { .. } => {
                self.apply_fault(ctx, command)
            }
            Isolate { .. }
            | PartitionNetwork { .. }
            | PartitionOneWay { .. }
            | Heal
            | SetLink { .. }
            | ThrottleLink { .. }
            | HoldLink { .. }
            | ReleaseLink { .. } => self.apply_network_command(ctx, command),
            AddConsumer { .. }
            | CloseConsumer { .. }
            | StartConsumer { .. }
            | CommitSync { .. }
            | Seek { .. }
            | SetProcessingTime { .. } => self.apply_consumer_command(ctx, command),
            ElectPreferredLeaders => self.apply_admin_command(ctx, Admin::ElectPreferredLeaders),
            CreateTopic {
                topic: t,
                partitions: n,
                replication_factor: rf,
                config: c,
            } => self.apply_admin_command(ctx, Admin::CreateTopic(t, n, rf, c)),
            CreateTopicWithAssignment {
                topic,
                assignment,
                config,
            } => self.apply_admin_command(
                ctx,
                Admin::CreateTopicWithAssignment(topic, assignment, config),
            ),
            ElectLeaders {
                unclean,
                partitions,
            } => self.apply_admin_command(ctx, Admin::ElectLeaders(unclean, partitions)),
            AddPartitions { topic, partitions } => {
                self.apply_admin_command(ctx, Admin::AddPartitions(topic, partitions))
            }
            AlterConfigs {
                resource,
                set,
                delete,
            } => self.apply_admin_command(ctx, Admin::AlterConfigs(resource, set, delete)),
            CommitGroupOffsets { .. }
            | DeleteGroupOffsets { .. }
            | DeleteGroups { .. }
            | DeleteTopics { .. }
            | AddPartitionsWithAssignment { .. } => self.apply_admin_list_command(ctx, command),
            // The transactional producer's calls (InitTransactions, BeginTransaction, ...); a new
            // family of commands gets its own arm above.
            _ => self.apply_txn_command(ctx, command),
        }
    }

    /// `Ok` when the node exists in this cluster.
    fn known(&self, node: NodeId) -> Result<(), CommandError> {
        if self.nodes().contains(&node) {
            Ok(())
        } else {
            Err(CommandError::UnknownNode(node))
        }
    }

    /// `Ok` when the topic exists (in the lesson or created since).
    fn check_topic(&self, topic: &str) -> Result<(), CommandError> {
        let created_later = self
            .controllers
            .values()
            .any(|c| c.image.topics.contains_key(topic));
        if self.spec.topics.iter().any(|t| t.name == topic) || created_later {
            Ok(())
        } else {
            Err(CommandError::UnknownTopic(topic.to_string()))
        }
    }

    fn active_controller_or_err(
        &mut self,
    ) -> Result<&mut super::controller::Controller, CommandError> {
        self.active_controller_mut()
            .ok_or(CommandError::NoActiveController)
    }
}
