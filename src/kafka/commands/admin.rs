//! Administration commands (what `kafka-topics.sh` and `kafka-leader-election.sh` do): create a
//! topic, add partitions, run a preferred leader election.

use super::{CommandError, Limit};
use crate::kafka::config::{def, TOPIC_KEYS};
use crate::kafka::event::Event;
use crate::kafka::metadata::ConfigResource;
use crate::kafka::{Cluster, TopicPartition};
use crate::sim::Ctx;
use std::collections::BTreeMap;

/// The administration commands, taken out of `Command` by `apply_command`'s routing, so the
/// compiler (not a run-time check) ensures only they arrive here.
pub(super) enum AdminCommand {
    ElectPreferredLeaders,
    /// Topic, partitions, replication factor, topic configs.
    CreateTopic(String, i32, u32, BTreeMap<String, String>),
    /// Topic, replicas of each partition (brokers), topic configs.
    CreateTopicWithAssignment(String, Vec<Vec<u32>>, BTreeMap<String, String>),
    /// Unclean or preferred, the partitions (`orders-0`; every partition when absent).
    ElectLeaders(bool, Option<Vec<String>>),
    /// Topic, new partition count.
    AddPartitions(String, i32),
    /// Resource, configs to set, configs to delete.
    AlterConfigs(ConfigResource, BTreeMap<String, String>, Vec<String>),
    Group(GroupAdminCommand),
    /// Topics to delete.
    DeleteTopics(Vec<String>),
}

/// What `kafka-consumer-groups.sh` asks a group's coordinator to change.
pub(super) enum GroupAdminCommand {
    /// Group, offset per partition (`orders-0`).
    CommitOffsets(String, BTreeMap<String, i64>),
    /// Group, partitions.
    DeleteOffsets(String, Vec<String>),
    DeleteGroups(Vec<String>),
}

/// A partition named as the console and lesson files write it (`orders-0`).
fn parse_partition(text: &str) -> Result<TopicPartition, CommandError> {
    TopicPartition::parse(text).map_err(CommandError::BadName)
}

impl Cluster {
    /// What `kafka-consumer-groups.sh` asks a group's coordinator.
    fn apply_group_admin_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: GroupAdminCommand,
    ) -> Result<(), CommandError> {
        match command {
            GroupAdminCommand::CommitOffsets(group, offsets) => {
                let offsets = offsets
                    .into_iter()
                    .map(|(tp, o)| Ok((parse_partition(&tp)?, o)))
                    .collect::<Result<Vec<_>, CommandError>>()?;
                self.group_coordinator_mut(&group)?
                    .admin_commit_offsets(ctx, &group, offsets)
            }
            GroupAdminCommand::DeleteOffsets(group, partitions) => {
                let partitions = partitions
                    .iter()
                    .map(|tp| parse_partition(tp))
                    .collect::<Result<Vec<_>, CommandError>>()?;
                self.group_coordinator_mut(&group)?
                    .admin_delete_offsets(ctx, &group, partitions)
            }
            GroupAdminCommand::DeleteGroups(groups) => {
                for group in &groups {
                    self.group_coordinator_mut(group)?
                        .admin_delete_group(ctx, group)?;
                }
                Ok(())
            }
        }
    }

    /// The running broker that coordinates `group` now (`FindCoordinator`).
    fn group_coordinator_mut(
        &mut self,
        group: &str,
    ) -> Result<&mut crate::kafka::broker::Broker, CommandError> {
        self.brokers
            .values_mut()
            .find(|b| b.is_group_coordinator(group))
            .ok_or(CommandError::CoordinatorNotAvailable(group.to_string()))
    }

    /// The admin commands that name groups or topics by list: the group tool's and the
    /// deletion of topics.
    pub(super) fn apply_admin_list_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: crate::kafka::Command,
    ) -> Result<(), CommandError> {
        use crate::kafka::Command as C;
        use GroupAdminCommand as G;
        let admin = match command {
            C::CommitGroupOffsets { group, offsets } => {
                AdminCommand::Group(G::CommitOffsets(group, offsets))
            }
            C::DeleteGroupOffsets { group, partitions } => {
                AdminCommand::Group(G::DeleteOffsets(group, partitions))
            }
            C::DeleteGroups { groups } => AdminCommand::Group(G::DeleteGroups(groups)),
            C::DeleteTopics { topics } => AdminCommand::DeleteTopics(topics),
            // `apply_command` routes only the four above here.
            _ => return Ok(()),
        };
        self.apply_admin_command(ctx, admin)
    }

    pub(super) fn apply_admin_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: AdminCommand,
    ) -> Result<(), CommandError> {
        match command {
            AdminCommand::ElectPreferredLeaders => {
                let moved = self
                    .active_controller_or_err()?
                    .elect_preferred_leaders(ctx);
                ctx.emit(Event::PreferredElectionRan { moved });
                Ok(())
            }
            AdminCommand::CreateTopic(topic, partitions, replication_factor, config) => {
                if partitions < 1 || partitions as u64 > Limit::Partitions.max() {
                    return Err(CommandError::InvalidPartitions {
                        requested: partitions,
                        current: None,
                    });
                }
                let supplied = config
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect();
                let config = def::parse(TOPIC_KEYS, &supplied)
                    .map_err(|mut errors| CommandError::Config(errors.remove(0)))?;
                self.active_controller_or_err()?.create_topic(
                    ctx,
                    &topic,
                    partitions,
                    replication_factor,
                    config,
                )
            }
            AdminCommand::CreateTopicWithAssignment(topic, assignment, config) => {
                self.create_topic_assigned(ctx, &topic, &assignment, config)
            }
            AdminCommand::ElectLeaders(unclean, partitions) => {
                self.elect_leaders(ctx, unclean, partitions)
            }
            AdminCommand::AddPartitions(topic, partitions) => {
                Limit::Partitions.check(partitions.max(0) as u64)?;
                self.active_controller_or_err()?
                    .add_partitions(ctx, &topic, partitions)
            }
            AdminCommand::AlterConfigs(resource, set, delete) => self
                .active_controller_or_err()?
                .alter_configs(ctx, &resource, &set, &delete),
            AdminCommand::Group(command) => self.apply_group_admin_command(ctx, command),
            AdminCommand::DeleteTopics(topics) => {
                self.active_controller_or_err()?.delete_topics(ctx, &topics)
            }
        }
    }
}

/// `--config` overrides of a new topic, read as the topic configs they name.
fn topic_config(
    config: std::collections::BTreeMap<String, String>,
) -> Result<crate::kafka::config::ConfigValues, CommandError> {
    let supplied = config
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    def::parse(TOPIC_KEYS, &supplied).map_err(|mut errors| CommandError::Config(errors.remove(0)))
}

impl Cluster {
    /// `CreateTopicWithAssignment`: the controller validates and writes the hand placement.
    fn create_topic_assigned(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        topic: &str,
        assignment: &[Vec<u32>],
        config: std::collections::BTreeMap<String, String>,
    ) -> Result<(), CommandError> {
        Limit::Partitions.check(assignment.len() as u64)?;
        let config = topic_config(config)?;
        self.active_controller_or_err()?
            .create_topic_assigned(ctx, topic, assignment, config)
    }

    /// `ElectLeaders`: the named partitions (or all) through the controller's election code.
    fn elect_leaders(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        unclean: bool,
        partitions: Option<Vec<String>>,
    ) -> Result<(), CommandError> {
        let partitions = match partitions {
            Some(list) => Some(
                list.iter()
                    .map(|p| TopicPartition::parse(p))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let moved =
            self.active_controller_or_err()?
                .elect_leaders(ctx, unclean, partitions.as_deref())?;
        if !unclean {
            ctx.emit(Event::PreferredElectionRan { moved });
        }
        Ok(())
    }
}
