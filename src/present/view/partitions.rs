//! The partition table, shaped like Kafdrop's topic page: leader, replicas, ISR, offline
//! replicas, whether the preferred replica leads, under-replication, and offsets. Leader, ISR
//! and epochs come from the controller's committed metadata (the cluster's truth); offsets from
//! the leader's log.

use crate::check::history::authoritative_replica;
use crate::kafka::metadata::{LeaderRecoveryState, MetadataImage};
use crate::kafka::{BrokerId, KafkaWorld};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PartitionRow {
    pub partition: String,
    pub leader: String,
    pub leader_epoch: i32,
    pub replicas: String,
    pub isr: String,
    pub offline: String,
    pub preferred_leads: bool,
    pub under_replicated: bool,
    pub leaderless: bool,
    pub recovering: bool,
    pub first_offset: i64,
    pub last_offset: i64,
    pub high_watermark: i64,
}

fn ids(brokers: &[BrokerId]) -> String {
    if brokers.is_empty() {
        return "-".into();
    }
    brokers
        .iter()
        .map(|b| b.0.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The metadata everybody will agree on: the active controller's, else the most committed.
pub fn truth(world: &KafkaWorld) -> Option<&MetadataImage> {
    let cluster = world.model();
    match cluster.active_controller() {
        Some(c) => Some(&c.image),
        None => cluster
            .controllers
            .values()
            .max_by_key(|c| c.raft.high_watermark)
            .map(|c| &c.image),
    }
}

pub fn partition_rows(world: &KafkaWorld) -> Vec<PartitionRow> {
    let Some(image) = truth(world) else {
        return vec![];
    };
    let cluster = world.model();
    image
        .partitions()
        .filter(|(tp, _)| !tp.topic.starts_with("__"))
        .map(|(tp, reg)| {
            let offline: Vec<BrokerId> = reg
                .replicas
                .iter()
                .copied()
                .filter(|b| {
                    !image.is_usable(*b)
                        || cluster
                            .brokers
                            .get(b)
                            .is_none_or(|x| !x.process.is_running())
                })
                .collect();
            let holder = authoritative_replica(cluster.brokers.values(), &tp);
            let (first, end, hw) = holder.map_or((0, 0, 0), |b| {
                let r = &b.replicas[&tp];
                (
                    r.log.log_start_offset(),
                    r.log_end_offset(),
                    r.high_watermark,
                )
            });
            PartitionRow {
                partition: tp.to_string(),
                leader: reg.leader.map_or("none".into(), |b| b.to_string()),
                leader_epoch: reg.leader_epoch,
                replicas: ids(&reg.replicas),
                isr: ids(&reg.isr),
                offline: ids(&offline),
                preferred_leads: reg.leader.is_some() && reg.leader == reg.preferred_leader(),
                under_replicated: reg.is_under_replicated(),
                leaderless: reg.leader.is_none(),
                recovering: reg.leader_recovery_state == LeaderRecoveryState::Recovering,
                first_offset: first,
                last_offset: (end - 1).max(-1),
                high_watermark: hw,
            }
        })
        .collect()
}
