//! Group state lost with its `__consumer_offsets` partition.
//!
//! A group coordinator keeps a group's generation, members and committed offsets as records in
//! the group's `__consumer_offsets` partition and rebuilds them from that log when it takes the
//! partition over. When the controller elects an out-of-sync replica of that partition
//! (`unclean.leader.election.enable`) whose log ends below what the partition had committed,
//! the newest records are gone: the new coordinator loads an older group, or none. Kafka does
//! the same: `GroupMetadataManager.getOrMaybeCreateClassicGroup` creates a group that the log
//! does not hold in generation 0, and `ClassicGroup.initNextGeneration` makes its first
//! rebalance generation 1 again, while the committed offsets restart from what the log kept.
//! So after such an election a generation number is reused (a partition may look owned twice
//! "in one generation", and an old member that has not yet heard `UNKNOWN_MEMBER_ID` still
//! consumes) and a committed offset may go back. The history checker attributes a group
//! violation to such a loss only when the loss happened between the two observations the
//! violation compares, on the group's own offsets partition; anything else stays unexplained.

use crate::kafka::group::{partition_for, OFFSETS_TOPIC};
use crate::kafka::types::{BrokerId, TopicPartition};

/// An unclean election of a `__consumer_offsets` partition that lost committed records.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OffsetsLogLoss {
    /// The step of the election (the controller's).
    pub step: u64,
    /// The `__consumer_offsets` partition.
    pub partition: i32,
    pub leader: BrokerId,
    /// Where the new leader's log ended when it took over.
    pub kept: i64,
    /// The partition's high watermark before the election.
    pub committed: i64,
}

/// A group property broken between two observations (steps `since` and `at`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum GroupViolation {
    /// (group, generation, partition, one owner, another owner)
    OwnershipConflict(String, i32, TopicPartition, u32, u32),
    /// (group, partition, committed before, committed after)
    CommitBack(String, TopicPartition, i64, i64),
}

impl GroupViolation {
    pub fn group(&self) -> &str {
        match self {
            GroupViolation::OwnershipConflict(g, ..) | GroupViolation::CommitBack(g, ..) => g,
        }
    }
}

/// A violation with the steps of the two observations it compares.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Observed {
    pub violation: GroupViolation,
    pub since: u64,
    pub at: u64,
}

/// A violation explained by a loss of its group's offsets log.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Explained {
    pub violation: GroupViolation,
    pub loss: OffsetsLogLoss,
}

/// Follows the high watermark of every `__consumer_offsets` partition and the unclean
/// elections of them, to record the elections that lost committed records.
#[derive(Clone, Debug, Default)]
pub struct OffsetsLogWatch {
    /// Highest high watermark seen per offsets partition (since its last loss).
    committed: std::collections::BTreeMap<i32, i64>,
    /// Unclean elections waiting for their leader to take over: partition -> (step, leader,
    /// leader epoch).
    pending: std::collections::BTreeMap<i32, (u64, BrokerId, i32)>,
    pub losses: Vec<OffsetsLogLoss>,
}

impl OffsetsLogWatch {
    fn offsets_partition(tp: &TopicPartition) -> Option<i32> {
        (tp.topic.as_str() == OFFSETS_TOPIC).then_some(tp.partition)
    }

    pub fn high_watermark(&mut self, tp: &TopicPartition, to: i64) {
        if let Some(p) = Self::offsets_partition(tp) {
            let c = self.committed.entry(p).or_insert(to);
            *c = (*c).max(to);
        }
    }

    pub fn unclean_election(
        &mut self,
        step: u64,
        tp: &TopicPartition,
        leader: BrokerId,
        epoch: i32,
    ) {
        if let Some(p) = Self::offsets_partition(tp) {
            self.pending.insert(p, (step, leader, epoch));
        }
    }

    /// A broker took leadership with its log ending at `log_end_offset`.
    pub fn became_leader(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        epoch: i32,
        log_end_offset: i64,
    ) {
        let Some(p) = Self::offsets_partition(tp) else {
            return;
        };
        let Some((step, leader, e)) = self.pending.get(&p).copied() else {
            return;
        };
        if (leader, e) != (broker, epoch) {
            return;
        }
        self.pending.remove(&p);
        let committed = self.committed.get(&p).copied().unwrap_or(0);
        if log_end_offset < committed {
            self.losses.push(OffsetsLogLoss {
                step,
                partition: p,
                leader,
                kept: log_end_offset,
                committed,
            });
            // The partition's history starts again from what the new leader kept.
            self.committed.insert(p, log_end_offset);
        }
    }
}

/// Split violations into those a loss of their group's offsets log explains (the latest loss
/// of the group's partition strictly after the earlier observation and no later than the
/// violation) and the rest. `offsets_partitions` is `offsets.topic.num.partitions`.
pub fn explain(
    observed: &[Observed],
    losses: &[OffsetsLogLoss],
    offsets_partitions: i32,
) -> (Vec<Explained>, Vec<GroupViolation>) {
    let mut explained = Vec::new();
    let mut unexplained = Vec::new();
    for o in observed {
        let partition = partition_for(o.violation.group(), offsets_partitions);
        let loss = losses
            .iter()
            .rev()
            .find(|l| l.partition == partition && o.since < l.step && l.step <= o.at);
        match loss {
            Some(loss) => explained.push(Explained {
                violation: o.violation.clone(),
                loss: loss.clone(),
            }),
            None => unexplained.push(o.violation.clone()),
        }
    }
    (explained, unexplained)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit_back(since: u64, at: u64) -> Observed {
        Observed {
            violation: GroupViolation::CommitBack(
                "soak".into(),
                TopicPartition::new("t", 1),
                460,
                0,
            ),
            since,
            at,
        }
    }

    fn watch_with_loss(step: u64, partition: i32) -> OffsetsLogWatch {
        let mut w = OffsetsLogWatch::default();
        let tp = TopicPartition::new(OFFSETS_TOPIC, partition);
        w.high_watermark(&tp, 5);
        w.unclean_election(step, &tp, BrokerId(3), 1);
        w.became_leader(BrokerId(3), &tp, 1, 0);
        w
    }

    #[test]
    fn an_unclean_election_that_keeps_everything_is_no_loss() {
        let mut w = OffsetsLogWatch::default();
        let tp = TopicPartition::new(OFFSETS_TOPIC, 0);
        w.high_watermark(&tp, 5);
        w.unclean_election(10, &tp, BrokerId(3), 1);
        w.became_leader(BrokerId(3), &tp, 1, 5);
        assert!(w.losses.is_empty());
        // A clean takeover (no pending unclean election) is never a loss either.
        w.became_leader(BrokerId(2), &tp, 2, 0);
        assert!(w.losses.is_empty());
    }

    #[test]
    fn only_a_loss_between_the_two_observations_of_the_groups_partition_explains() {
        let partition = partition_for("soak", 3);
        let w = watch_with_loss(100, partition);
        assert_eq!(w.losses.len(), 1);
        assert_eq!((w.losses[0].kept, w.losses[0].committed), (0, 5));
        // Spanning the loss: explained.
        let (e, u) = explain(&[commit_back(50, 150)], &w.losses, 3);
        assert_eq!((e.len(), u.len()), (1, 0));
        // Both observations after the loss, or both before: not explained.
        for o in [commit_back(120, 150), commit_back(10, 90)] {
            let (e, u) = explain(&[o], &w.losses, 3);
            assert_eq!((e.len(), u.len()), (0, 1));
        }
        // A loss of another offsets partition explains nothing about this group.
        let other = watch_with_loss(100, (partition + 1) % 3);
        let (e, u) = explain(&[commit_back(50, 150)], &other.losses, 3);
        assert_eq!((e.len(), u.len()), (0, 1));
    }
}
