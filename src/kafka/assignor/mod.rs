//! Client-side consumer partition assignors of the classic group protocol: `range`,
//! `roundrobin`, `sticky` and `cooperative-sticky`, ported from Kafka 4.0
//! (`clients/src/main/java/org/apache/kafka/clients/consumer/`). The group leader runs one of
//! these for the whole group; this module owns the public entry points and the assignor names,
//! and leaves each algorithm to its own file.
//!
//! Determinism: the result is a pure function of the inputs and does not depend on the order
//! of `members`. Where Kafka sorts, members are sorted as Java sorts them; where Kafka walks a
//! Java `HashMap` and the order decides the outcome (the sticky assignors do), the walk
//! follows Java's own `HashMap` iteration order (`java_order`), filled in member-id order.

pub mod case;
mod group;
mod java_order;
mod range;
mod round_robin;
mod sticky;

use std::collections::{BTreeMap, BTreeSet};

pub use crate::kafka::types::TopicPartition;

use group::{Group, MemberIndex, PartitionIndex};

/// The four assignors a consumer can name in `partition.assignment.strategy`.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
pub enum AssignorName {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

/// How members give up partitions during a rebalance (`ConsumerPartitionAssignor.RebalanceProtocol`).
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
pub enum RebalanceProtocol {
    /// Every member revokes everything before joining.
    Eager,
    /// Members keep what they own; only partitions that move are revoked, then a follow-up
    /// rebalance hands them to their new owners (KIP-429).
    Cooperative,
}

const EAGER_ONLY: &[RebalanceProtocol] = &[RebalanceProtocol::Eager];
const COOPERATIVE_AND_EAGER: &[RebalanceProtocol] =
    &[RebalanceProtocol::Cooperative, RebalanceProtocol::Eager];

impl AssignorName {
    pub const ALL: [AssignorName; 4] = [
        AssignorName::Range,
        AssignorName::RoundRobin,
        AssignorName::Sticky,
        AssignorName::CooperativeSticky,
    ];

    /// The name the assignor reports from `name()` and sends in JoinGroup.
    pub fn kafka_name(self) -> &'static str {
        match self {
            AssignorName::Range => "range",
            AssignorName::RoundRobin => "roundrobin",
            AssignorName::Sticky => "sticky",
            AssignorName::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// Same as `kafka_name`: the short name the UI and the CLI show.
    pub fn name(self) -> &'static str {
        self.kafka_name()
    }

    /// The class name a user writes in `partition.assignment.strategy`.
    pub fn class_name(self) -> &'static str {
        match self {
            AssignorName::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
            AssignorName::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            AssignorName::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
            AssignorName::CooperativeSticky => {
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            }
        }
    }

    fn simple_class_name(self) -> &'static str {
        let class_name = self.class_name();
        &class_name[class_name.rfind('.').map_or(0, |dot| dot + 1)..]
    }

    /// Accepts the short name (`range`), the simple class name (`RangeAssignor`) or the full
    /// class name, all case-sensitive as in Kafka.
    pub fn parse(text: &str) -> Result<AssignorName, String> {
        AssignorName::ALL
            .into_iter()
            .find(|name| {
                text == name.kafka_name() || text == name.simple_class_name() || text == name.class_name()
            })
            .ok_or_else(|| {
                format!(
                    "unknown assignor \"{text}\" (expected range, roundrobin, sticky or cooperative-sticky)"
                )
            })
    }

    /// `supportedProtocols()`: only the cooperative sticky assignor can rebalance cooperatively.
    pub fn supported_protocols(self) -> &'static [RebalanceProtocol] {
        match self {
            AssignorName::CooperativeSticky => COOPERATIVE_AND_EAGER,
            _ => EAGER_ONLY,
        }
    }
}

/// What one member tells the leader in its JoinGroup subscription.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct MemberSubscription {
    pub member_id: String,
    /// Set for static members (`group.instance.id`); range and roundrobin order them first.
    pub group_instance_id: Option<String>,
    pub topics: Vec<String>,
    /// The partitions the member owned before this rebalance (sticky assignors only).
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation in which the member owned them; `None` is Kafka's `Optional.empty()`.
    pub generation: Option<i32>,
}

/// The result of one assignment round.
#[derive(Clone, PartialEq, Eq, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct GroupAssignment {
    /// Every member, possibly with an empty list; each list sorted by (topic, partition).
    pub assignment: BTreeMap<String, Vec<TopicPartition>>,
    /// Partitions whose owner changes, mapped to the member that will own them. For
    /// `cooperative-sticky` these were held back from `assignment`: their current owner must
    /// revoke them first and the follow-up rebalance hands them over.
    pub partitions_transferring_ownership: BTreeMap<TopicPartition, String>,
}

/// Runs `assignor` for the whole group, as the group leader does after JoinGroup.
///
/// `partitions_per_topic` is the leader's metadata; topics nobody subscribes to and topics
/// with no partitions are ignored, like `AbstractPartitionAssignor.assign(Cluster, ...)`.
/// Every member appears in the result, possibly with an empty list; lists are sorted by
/// (topic, partition). Inputs that a real group cannot produce are tolerated without panic:
/// a repeated member id keeps its last subscription (Java map `put`), owned partitions that
/// do not exist are ignored. `case::parse_case` rejects such inputs with a message instead,
/// and also bounds the group's size, which this function leaves to its caller.
pub fn assign(
    assignor: AssignorName,
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> BTreeMap<String, Vec<TopicPartition>> {
    assign_with_transfers(assignor, partitions_per_topic, members).assignment
}

/// The partitions whose owner changes in this round, mapped to their new owner: what a
/// cooperative group must revoke first. For the sticky assignors this is Kafka's own
/// `partitionsTransferringOwnership` (the constrained algorithm's record, or
/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership` otherwise); for range
/// and roundrobin it is computed the same way from owned partitions versus the new result.
pub fn partitions_transferring_ownership(
    assignor: AssignorName,
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> BTreeMap<TopicPartition, String> {
    assign_with_transfers(assignor, partitions_per_topic, members).partitions_transferring_ownership
}

/// `assign` and `partitions_transferring_ownership` in one run.
pub fn assign_with_transfers(
    assignor: AssignorName,
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> GroupAssignment {
    let group = Group::new(partitions_per_topic, members);
    if group.members.is_empty() {
        // Kafka never runs an assignor for an empty group (its quotas would divide by zero).
        return GroupAssignment::default();
    }
    let (assignment, transfers) = match assignor {
        AssignorName::Range => with_computed_transfers(&group, range::assign(&group)),
        AssignorName::RoundRobin => with_computed_transfers(&group, round_robin::assign(&group)),
        AssignorName::Sticky => {
            let outcome = sticky::assign(&group);
            let transfers = outcome
                .partitions_transferring_ownership
                .unwrap_or_else(|| {
                    sticky::compute_partitions_transferring_ownership(&group, &outcome.assignment)
                });
            (outcome.assignment, transfers)
        }
        AssignorName::CooperativeSticky => sticky::assign_cooperative(&group),
    };
    group.to_group_assignment(&assignment, &transfers)
}

fn with_computed_transfers(
    group: &Group,
    assignment: Vec<BTreeSet<PartitionIndex>>,
) -> (
    Vec<BTreeSet<PartitionIndex>>,
    BTreeMap<PartitionIndex, MemberIndex>,
) {
    let transfers = sticky::compute_partitions_transferring_ownership(group, &assignment);
    (assignment, transfers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignor_names_round_trip_through_every_spelling() {
        for name in AssignorName::ALL {
            assert_eq!(AssignorName::parse(name.kafka_name()), Ok(name));
            assert_eq!(AssignorName::parse(name.class_name()), Ok(name));
            assert_eq!(AssignorName::parse(name.simple_class_name()), Ok(name));
        }
        assert_eq!(
            AssignorName::RoundRobin.simple_class_name(),
            "RoundRobinAssignor"
        );
    }

    #[test]
    fn only_cooperative_sticky_supports_cooperative_rebalancing() {
        assert_eq!(
            AssignorName::Range.supported_protocols(),
            &[RebalanceProtocol::Eager]
        );
        assert_eq!(
            AssignorName::CooperativeSticky.supported_protocols(),
            &[RebalanceProtocol::Cooperative, RebalanceProtocol::Eager]
        );
    }

    #[test]
    fn empty_group_gets_an_empty_assignment() {
        let topics = BTreeMap::from([("t".to_string(), 3)]);
        for name in AssignorName::ALL {
            assert!(assign(name, &topics, &[]).is_empty());
        }
    }
}
