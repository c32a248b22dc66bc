//! What an admin client asks a group coordinator (Kafka's `GroupCoordinatorService`):
//! `AlterConsumerGroupOffsets` (an OffsetCommit with generation -1 and no member, accepted only
//! while the group has no members), `OffsetDelete` and `DeleteGroups`. Each writes records to
//! the group's `__consumer_offsets` partition; the coordinator's cache follows once they are
//! committed, as for a consumer's commit.

use super::Broker;
use crate::kafka::commands::CommandError;
use crate::kafka::event::Event;
use crate::kafka::group::classic::{CommittedOffset, GroupState};
use crate::kafka::group::records::CoordinatorRecord;
use crate::kafka::group::WriteCompletion;
use crate::kafka::types::TopicPartition;
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Broker {
    /// Whether this broker leads `group`'s offsets partition and has its groups loaded.
    pub(crate) fn is_group_coordinator(&self, group: &str) -> bool {
        self.process.is_running() && self.coordinates(group).is_ok()
    }

    /// The group has members: only an empty (or dead) group takes admin changes.
    fn check_inactive(&self, group: &str) -> Result<(), CommandError> {
        match self.coordinator.groups.get(group).map(|g| g.state) {
            Some(GroupState::Empty | GroupState::Dead) | None => Ok(()),
            Some(_) => Err(CommandError::GroupNotEmpty(group.to_string())),
        }
    }

    /// Kafka: `OffsetMetadataManager.commitOffset` for an admin client (generation -1).
    pub(crate) fn admin_commit_offsets(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: &str,
        offsets: Vec<(TopicPartition, i64)>,
    ) -> Result<(), CommandError> {
        self.check_inactive(group)?;
        self.group_mut(group)
            .map_err(|_| CommandError::NoActiveController)?;
        let now_ms = ctx.now.as_ms() as i64;
        let records = offsets
            .iter()
            .map(|(tp, offset)| CoordinatorRecord::OffsetCommit {
                group: group.to_string(),
                partition: *tp,
                offset: CommittedOffset {
                    offset: *offset,
                    leader_epoch: -1,
                    commit_time_ms: now_ms,
                },
            })
            .collect();
        let changes = offsets.into_iter().map(|(tp, o)| (tp, Some(o))).collect();
        self.admin_write(ctx, group, records, changes, false)
    }

    /// Kafka: `OffsetMetadataManager.deleteOffsets` (`OffsetDelete`).
    pub(crate) fn admin_delete_offsets(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: &str,
        partitions: Vec<TopicPartition>,
    ) -> Result<(), CommandError> {
        if !self.coordinator.groups.contains_key(group) {
            return Err(CommandError::UnknownGroup(group.to_string()));
        }
        self.check_inactive(group)?;
        let records = partitions
            .iter()
            .map(|tp| CoordinatorRecord::OffsetDelete {
                group: group.to_string(),
                partition: *tp,
            })
            .collect();
        let changes = partitions.into_iter().map(|tp| (tp, None)).collect();
        self.admin_write(ctx, group, records, changes, false)
    }

    /// Kafka: `GroupCoordinatorShard.deleteGroups`: every offset's tombstone, then the group's.
    pub(crate) fn admin_delete_group(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: &str,
    ) -> Result<(), CommandError> {
        let Some(existing) = self.coordinator.groups.get(group) else {
            return Err(CommandError::UnknownGroup(group.to_string()));
        };
        self.check_inactive(group)?;
        let partitions: Vec<TopicPartition> = existing.offsets.keys().cloned().collect();
        let mut records: Vec<CoordinatorRecord> = partitions
            .iter()
            .map(|tp| CoordinatorRecord::OffsetDelete {
                group: group.to_string(),
                partition: *tp,
            })
            .collect();
        records.push(CoordinatorRecord::Group {
            group: group.to_string(),
            value: None,
        });
        let changes = partitions.into_iter().map(|tp| (tp, None)).collect();
        self.admin_write(ctx, group, records, changes, true)
    }

    fn admin_write(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: &str,
        records: Vec<CoordinatorRecord>,
        offsets: Vec<(TopicPartition, Option<i64>)>,
        delete_group: bool,
    ) -> Result<(), CommandError> {
        let tp = self
            .coordinates(group)
            .map_err(|_| CommandError::NoActiveController)?;
        let completion = WriteCompletion::Admin {
            group: group.to_string(),
            offsets,
            delete_group,
        };
        self.coordinator_write(ctx, &tp, records, completion)
            .map_err(|_| CommandError::NoActiveController)
    }

    /// The records are committed: the cache takes the new offsets (or forgets the group).
    pub(super) fn complete_admin_write(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: &str,
        offsets: Vec<(TopicPartition, Option<i64>)>,
        delete_group: bool,
    ) {
        if delete_group {
            self.coordinator.groups.remove(group);
        } else if let Some(g) = self.coordinator.groups.get_mut(group) {
            let now_ms = ctx.now.as_ms() as i64;
            for (tp, offset) in &offsets {
                match offset {
                    Some(offset) => {
                        let committed = CommittedOffset {
                            offset: *offset,
                            leader_epoch: -1,
                            commit_time_ms: now_ms,
                        };
                        g.offsets.insert(*tp, committed)
                    }
                    None => g.offsets.remove(tp),
                };
            }
        }
        ctx.emit(Event::GroupOffsetsAltered {
            broker: self.id,
            group: group.to_string(),
            offsets,
            deleted: delete_group,
        });
    }
}
