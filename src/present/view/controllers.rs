//! The controller quorum as a row of chips: who is the active controller, each controller's
//! Raft role and epoch, and how far its metadata log is committed.

use super::NodeStatus;
use crate::kafka::controller::raft::RaftRole;
use crate::kafka::KafkaWorld;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ControllerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub role: String,
    pub active: bool,
    pub epoch: i32,
    pub committed: i64,
    pub log_end: i64,
}

pub fn controller_views(world: &KafkaWorld) -> Vec<ControllerView> {
    world
        .model()
        .controllers
        .values()
        .map(|c| {
            let status = NodeStatus::of(&c.process, world.now());
            let role = if !status.is_up() {
                "down".to_string()
            } else {
                match &c.raft.role {
                    RaftRole::Leader { .. } => "active controller".to_string(),
                    RaftRole::Follower { leader } => format!("follower of ctl{leader}"),
                    RaftRole::Candidate { votes } => format!(
                        "candidate ({} vote{})",
                        votes.len(),
                        if votes.len() == 1 { "" } else { "s" }
                    ),
                    RaftRole::Unattached => "no leader known".to_string(),
                }
            };
            ControllerView {
                id: c.id,
                label: format!("ctl{}", c.id),
                status,
                active: c.process.is_running() && c.is_active(),
                role,
                epoch: c.raft.epoch,
                committed: c.raft.high_watermark,
                log_end: c.raft.end_offset(),
            }
        })
        .collect()
}
