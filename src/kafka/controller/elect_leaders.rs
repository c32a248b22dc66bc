//! `ElectLeaders` (`kafka-leader-election.sh`): a preferred or unclean election for chosen
//! partitions, or for every partition. The outcome of each partition is decided from the image
//! as it stands, so the tool can print what the controller will do before it does it.

use super::partition_change as pc;
use super::replication_control::to_pc;
use super::Controller;
use crate::kafka::commands::CommandError;
use crate::kafka::event::ElectionKind;
use crate::kafka::types::{BrokerId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;

/// What the controller answers for one partition (Kafka: `ReplicationControlManager.electLeader`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ElectionOutcome {
    Elected,
    /// `ELECTION_NOT_NEEDED`: the preferred replica leads already, or (unclean) a leader exists.
    NotNeeded,
    /// `UNKNOWN_TOPIC_OR_PARTITION`: the topic does not exist.
    UnknownTopic,
    /// `UNKNOWN_TOPIC_OR_PARTITION`: the topic exists, the partition does not.
    UnknownPartition,
    /// `PREFERRED_LEADER_NOT_AVAILABLE`.
    PreferredLeaderNotAvailable,
    /// `ELIGIBLE_LEADERS_NOT_AVAILABLE`.
    EligibleLeadersNotAvailable,
}

impl Controller {
    /// Each partition's outcome; `None` asks for every partition, and then (as Kafka's
    /// `electLeaders` with a null set) partitions that need no election are left out.
    pub fn election_outcomes(
        &self,
        unclean: bool,
        partitions: Option<&[TopicPartition]>,
    ) -> Vec<(TopicPartition, ElectionOutcome)> {
        let all: Vec<TopicPartition> = self.image.partitions().map(|(tp, _)| tp).collect();
        let targets = partitions.map_or(all, <[TopicPartition]>::to_vec);
        targets
            .into_iter()
            .map(|tp| {
                let outcome = self.election_outcome(unclean, &tp);
                (tp, outcome)
            })
            .filter(|(_, o)| partitions.is_some() || *o != ElectionOutcome::NotNeeded)
            .collect()
    }

    fn election_outcome(&self, unclean: bool, tp: &TopicPartition) -> ElectionOutcome {
        let name = tp.topic.to_string();
        let Some(topic) = self.image.topics.get(&name) else {
            return ElectionOutcome::UnknownTopic;
        };
        let Some(reg) = usize::try_from(tp.partition)
            .ok()
            .and_then(|i| topic.partitions.get(i))
        else {
            return ElectionOutcome::UnknownPartition;
        };
        let needed = if unclean {
            reg.leader.is_none()
        } else {
            reg.leader != reg.preferred_leader()
        };
        if !needed {
            return ElectionOutcome::NotNeeded;
        }
        let image = &self.image;
        let acceptable = |id: i32| id >= 0 && image.is_usable(BrokerId(id as u32));
        let change = if unclean {
            pc::elect_unclean(&to_pc(reg), acceptable)
        } else {
            pc::elect_preferred(&to_pc(reg), acceptable)
        };
        match change {
            Ok(Some(c)) if c.leader.is_some_and(|l| l >= 0) => ElectionOutcome::Elected,
            _ if unclean => ElectionOutcome::EligibleLeadersNotAvailable,
            _ => ElectionOutcome::PreferredLeaderNotAvailable,
        }
    }

    /// Run the elections the outcomes promise: one partition change record each.
    pub fn elect_leaders(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        unclean: bool,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<u32, CommandError> {
        if !self.is_active() {
            return Err(CommandError::NoActiveController);
        }
        let image = self.image.clone();
        let acceptable = |id: i32| id >= 0 && image.is_usable(BrokerId(id as u32));
        let kind = if unclean {
            ElectionKind::Unclean
        } else {
            ElectionKind::Preferred
        };
        let mut records = Vec::new();
        for (tp, outcome) in self.election_outcomes(unclean, partitions) {
            let Some(reg) = image.partition(&tp) else {
                continue;
            };
            if outcome != ElectionOutcome::Elected {
                continue;
            }
            let change = if unclean {
                pc::elect_unclean(&to_pc(reg), acceptable)
            } else {
                pc::elect_preferred(&to_pc(reg), acceptable)
            };
            if let Ok(Some(change)) = change {
                records.push(self.change_record(ctx, &tp, reg, &change, kind));
            }
        }
        let count = records.len() as u32;
        if !records.is_empty() {
            self.append(ctx, records);
        }
        Ok(count)
    }
}
