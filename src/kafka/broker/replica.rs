//! One partition replica on one broker: its log, its high watermark, and its role. A leader also
//! tracks what it knows of each follower (learned only from their Fetch requests), the committed
//! ISR, and an ISR change in flight to the controller.

use crate::kafka::log::PartitionLog;
use crate::kafka::types::BrokerId;
use std::collections::BTreeMap;

/// What the leader knows of one follower (`Replica.scala`'s fetch state).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FollowerState {
    /// The follower's log end offset as of its last Fetch (its fetch offset).
    pub log_end_offset: i64,
    pub last_fetch_time_ms: i64,
    /// The leader's log end offset at the time of that fetch.
    pub last_fetch_leader_log_end_offset: i64,
    /// The last time the follower was known to be caught up (`lastCaughtUpTimeMs`).
    pub last_caught_up_time_ms: i64,
    pub broker_epoch: i64,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct LeaderState {
    /// Offset where this leader's epoch began (the new leader's log end offset at election).
    pub epoch_start_offset: i64,
    /// The ISR as committed by the controller.
    pub isr: Vec<BrokerId>,
    /// An `AlterPartition` sent and not yet answered: its proposed ISR.
    pub pending_isr: Option<Vec<BrokerId>>,
    /// When that request was sent; it is given up after `broker.session.timeout.ms`.
    pub pending_isr_sent_ms: i64,
    pub followers: BTreeMap<BrokerId, FollowerState>,
}

impl LeaderState {
    /// Kafka's "maximal ISR": the committed ISR plus members whose addition is in flight.
    pub fn maximal_isr(&self) -> Vec<BrokerId> {
        let mut isr = self.isr.clone();
        if let Some(pending) = &self.pending_isr {
            for b in pending {
                if !isr.contains(b) {
                    isr.push(*b);
                }
            }
        }
        isr
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    Leader(LeaderState),
    Follower {
        leader: Option<BrokerId>,
    },
    /// Removed from the replica set, or the broker has not caught up on metadata yet.
    Stopped,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Replica {
    pub log: PartitionLog,
    /// Invariant: `high_watermark <= log.log_end_offset()`.
    pub high_watermark: i64,
    /// The high watermark last written to disk (`replication-offset-checkpoint`).
    pub checkpointed_high_watermark: i64,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub role: Role,
}

impl Replica {
    pub fn new(log: PartitionLog) -> Replica {
        Replica {
            log,
            high_watermark: 0,
            checkpointed_high_watermark: 0,
            leader_epoch: -1,
            partition_epoch: -1,
            role: Role::Stopped,
        }
    }
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }
    pub fn leader_state(&self) -> Option<&LeaderState> {
        match &self.role {
            Role::Leader(s) => Some(s),
            _ => None,
        }
    }
    pub fn leader_state_mut(&mut self) -> Option<&mut LeaderState> {
        match &mut self.role {
            Role::Leader(s) => Some(s),
            _ => None,
        }
    }
    pub fn log_end_offset(&self) -> i64 {
        self.log.log_end_offset()
    }
}
