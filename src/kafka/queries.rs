//! Questions about the whole cluster that several layers ask (lesson expectations, the stage,
//! the console): who coordinates a group, what a group has committed, which groups exist. One
//! answer each, computed here.

use super::consumer::Consumer;
use super::group::classic::ClassicGroup;
use super::group::{partition_for, OFFSETS_TOPIC};
use super::{BrokerId, Cluster, TopicPartition};
use crate::sim::SimTime;
use std::collections::BTreeSet;

impl Cluster {
    /// The coordinator's copy of `group`: the running broker that leads the group's offsets
    /// partition (`abs(javaStringHashCode(group.id)) % offsets.topic.num.partitions`) and has the
    /// group loaded, else any running broker that still has it.
    pub fn group_coordinator(&self, group: &str) -> Option<(BrokerId, &ClassicGroup)> {
        let running = || self.brokers.values().filter(|b| b.process.is_running());
        let leads = |b: &super::broker::Broker| {
            let Some(count) = b.metadata.partition_count(OFFSETS_TOPIC) else {
                return false;
            };
            let tp = TopicPartition::new(OFFSETS_TOPIC, partition_for(group, count));
            b.replicas.get(&tp).is_some_and(|r| r.is_leader())
        };
        running()
            .filter(|b| leads(b))
            .find_map(|b| b.coordinator.groups.get(group).map(|g| (b.id, g)))
            .or_else(|| running().find_map(|b| b.coordinator.groups.get(group).map(|g| (b.id, g))))
    }

    /// The group's committed offset of `tp`, as its coordinator holds it.
    pub fn committed_offset(&self, group: &str, tp: &TopicPartition) -> Option<i64> {
        self.group_coordinator(group)
            .and_then(|(_, g)| g.offsets.get(tp).map(|o| o.offset))
    }

    /// Every group id some consumer uses or some broker coordinates, sorted.
    pub fn group_ids(&self) -> Vec<String> {
        let mut ids: BTreeSet<String> = self
            .consumers
            .values()
            .filter_map(|c| c.group_id().map(str::to_string))
            .collect();
        for b in self.brokers.values() {
            ids.extend(b.coordinator.groups.keys().cloned());
        }
        ids.into_iter().collect()
    }
}

impl Consumer {
    /// How long the consumer owned no partition during its rebalances, in ms: from the moment
    /// it revoked everything (eager) until its new assignment arrived. A cooperative member
    /// that kept partitions never stops; a member joining with nothing has nothing to stop.
    pub fn rebalance_pause_ms(&self, now: SimTime) -> u64 {
        let Some(group) = &self.group else {
            return 0;
        };
        group
            .history
            .iter()
            .filter(|p| p.kept == 0 && !p.revoked.is_empty())
            .map(|p| p.assigned_at.unwrap_or(now).since(p.started_at).as_ms())
            .sum()
    }
}
