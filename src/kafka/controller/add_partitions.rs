//! Growing a topic (`kafka-topics.sh --alter --partitions`), with KRaft's placement or by hand
//! (Kafka: `ReplicationControlManager.createPartitions`).

use super::Controller;
use crate::kafka::commands::{CommandError, ReplicaAssignmentProblem};
use crate::kafka::metadata::{MetadataRecord, PartitionRegistration};
use crate::kafka::types::BrokerId;
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Controller {
    /// `kafka-topics.sh --alter --partitions`: grow a topic.
    pub fn add_partitions(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        topic: &str,
        total: i32,
    ) -> Result<(), CommandError> {
        let (current, replication_factor) = self.growth(topic, total)?;
        let placed = self.place(ctx, current, total - current, replication_factor)?;
        self.append(
            ctx,
            vec![MetadataRecord::NewPartitions {
                topic: topic.to_string(),
                partitions: placed,
            }],
        );
        Ok(())
    }

    /// `kafka-topics.sh --alter --partitions N --replica-assignment`: the new partitions as
    /// given. Kafka: `ReplicationControlManager.createPartitions` (the manual assignment branch):
    /// one assignment per new partition, each checked against the topic's replication factor.
    pub fn add_partitions_assigned(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        topic: &str,
        total: i32,
        assignment: &[Vec<u32>],
    ) -> Result<(), CommandError> {
        let (current, replication_factor) = self.growth(topic, total)?;
        let additional = (total - current) as u32;
        if assignment.len() as u32 != additional {
            return Err(CommandError::InvalidReplicaAssignment(
                ReplicaAssignmentProblem::AssignmentCount {
                    additional,
                    assignments: assignment.len() as u32,
                },
            ));
        }
        let mut placed = Vec::new();
        for (i, replicas) in assignment.iter().enumerate() {
            self.validate_manual_assignment(replicas, Some(replication_factor))?;
            placed.push(self.manual_registration(current as u32 + i as u32, replicas)?);
        }
        self.append(
            ctx,
            vec![MetadataRecord::NewPartitions {
                topic: topic.to_string(),
                partitions: placed,
            }],
        );
        Ok(())
    }

    /// The checks of `createPartitions` before placement: an active controller, a known topic,
    /// a real increase. Returns the current partition count and the replication factor.
    fn growth(&self, topic: &str, total: i32) -> Result<(i32, u32), CommandError> {
        if !self.is_active() {
            return Err(CommandError::NoActiveController);
        }
        let Some(existing) = self.image.topics.get(topic) else {
            return Err(CommandError::UnknownTopic(topic.to_string()));
        };
        let current = existing.partitions.len() as i32;
        if total <= current {
            return Err(CommandError::InvalidPartitions {
                requested: total,
                current: Some(current),
            });
        }
        Ok((current, existing.partitions[0].replicas.len() as u32))
    }

    /// A hand-placed partition: its ISR the usable replicas, its leader the first of them.
    pub(super) fn manual_registration(
        &self,
        partition: u32,
        replicas: &[u32],
    ) -> Result<PartitionRegistration, CommandError> {
        let replicas: Vec<BrokerId> = replicas.iter().map(|b| BrokerId(*b)).collect();
        let isr: Vec<BrokerId> = replicas
            .iter()
            .copied()
            .filter(|b| self.image.is_usable(*b))
            .collect();
        if isr.is_empty() {
            return Err(CommandError::InvalidReplicaAssignment(
                ReplicaAssignmentProblem::AllFenced { partition },
            ));
        }
        let mut registration = PartitionRegistration::new(replicas);
        registration.leader = isr.first().copied();
        registration.isr = isr;
        Ok(registration)
    }
}
