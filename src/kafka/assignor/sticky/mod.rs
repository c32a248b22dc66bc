//! `AbstractStickyAssignor` and `CooperativeStickyAssignor`: resolve who owned what before
//! this rebalance, then pick the constrained algorithm (every member subscribes to the same
//! topics) or the general one. The cooperative variant then holds back every partition that
//! changes owner, because its current owner must revoke it before anyone else may take it.

mod constrained;
mod general;
mod partition_movements;

use std::collections::{BTreeMap, BTreeSet};

use super::group::{Group, MemberIndex, PartitionIndex};

/// `AbstractStickyAssignor.DEFAULT_GENERATION`: the generation of a member that sent none.
pub(crate) const DEFAULT_GENERATION: i32 = -1;

pub(super) struct StickyOutcome {
    pub assignment: Vec<BTreeSet<PartitionIndex>>,
    /// The constrained algorithm records the moves it makes; the general one does not (Kafka
    /// sets the field to `null`), so callers compute them from owned versus assigned.
    pub partitions_transferring_ownership: Option<BTreeMap<PartitionIndex, MemberIndex>>,
}

/// `AbstractStickyAssignor.assignPartitions`.
pub(super) fn assign(group: &Group) -> StickyOutcome {
    let ownership = PreviousOwnership::resolve(group);
    if all_subscriptions_equal(group) {
        let (assignment, transfers) = constrained::assign(group, &ownership);
        StickyOutcome {
            assignment,
            partitions_transferring_ownership: Some(transfers),
        }
    } else {
        StickyOutcome {
            assignment: general::assign(group, &ownership),
            partitions_transferring_ownership: None,
        }
    }
}

/// `CooperativeStickyAssignor.assignPartitions`: the sticky result minus every partition that
/// would move from one member to another in this round (`adjustAssignment`).
pub(super) fn assign_cooperative(
    group: &Group,
) -> (
    Vec<BTreeSet<PartitionIndex>>,
    BTreeMap<PartitionIndex, MemberIndex>,
) {
    let outcome = assign(group);
    let transfers = outcome
        .partitions_transferring_ownership
        .unwrap_or_else(|| compute_partitions_transferring_ownership(group, &outcome.assignment));
    let mut assignment = outcome.assignment;
    for (&partition, &new_owner) in &transfers {
        assignment[new_owner as usize].remove(&partition);
    }
    (assignment, transfers)
}

/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership`: partitions that some
/// member gains while another member that reported owning them loses them.
pub(super) fn compute_partitions_transferring_ownership(
    group: &Group,
    assignment: &[BTreeSet<PartitionIndex>],
) -> BTreeMap<PartitionIndex, MemberIndex> {
    let mut added = BTreeMap::new();
    let mut revoked = BTreeSet::new();
    for (member_index, member) in (0..).zip(&group.members) {
        let owned: BTreeSet<PartitionIndex> = member.owned_partitions.iter().copied().collect();
        let assigned = &assignment[member_index as usize];
        added.extend(assigned.difference(&owned).map(|&p| (p, member_index)));
        revoked.extend(owned.difference(assigned).copied());
    }
    added.retain(|partition, _| revoked.contains(partition));
    added
}

/// The first half of `allSubscriptionsEqual`. Kafka seeds the comparison set whenever it is
/// still empty, so a first member with no topics would make any group look "equal" and the
/// constrained algorithm would hand it partitions it never asked for; comparing against the
/// first member's set instead keeps such groups on the general algorithm.
fn all_subscriptions_equal(group: &Group) -> bool {
    let mut members = group.members.iter();
    let Some(first) = members.next() else {
        return true;
    };
    members.all(|member| member.subscription == first.subscription)
}

/// What the members claim to own, after Kafka settles conflicting claims (the second half of
/// `allSubscriptionsEqual`).
pub(super) struct PreviousOwnership {
    /// `consumerToOwnedPartitions`: each member's surviving claims, in its own order.
    pub owned_partitions: Vec<Vec<PartitionIndex>>,
    /// Partitions claimed by two members of the same generation: the claim is void for both.
    pub partitions_with_multiple_previous_owners: BTreeSet<PartitionIndex>,
    /// The highest generation any member reported.
    pub max_generation: i32,
}

impl PreviousOwnership {
    /// Two claims on one partition: the same generation voids both, otherwise the higher
    /// generation wins. Members are visited in Java `HashMap` order, like Kafka's
    /// subscription map; only three or more claims on one partition can tell the difference.
    fn resolve(group: &Group) -> PreviousOwnership {
        let mut owned_partitions: Vec<Vec<PartitionIndex>> = vec![Vec::new(); group.members.len()];
        let mut multiple_owners = BTreeSet::new();
        let mut claimed_by: BTreeMap<PartitionIndex, MemberIndex> = BTreeMap::new();
        let mut max_generation = DEFAULT_GENERATION;
        let generation_of = |m: MemberIndex| {
            group.members[m as usize]
                .generation
                .unwrap_or(DEFAULT_GENERATION)
        };

        for &member in &group.hash_map_order {
            let generation = generation_of(member);
            max_generation = max_generation.max(generation);
            for &partition in &group.members[member as usize].owned_partitions {
                let Some(&other) = claimed_by.get(&partition) else {
                    owned_partitions[member as usize].push(partition);
                    claimed_by.insert(partition, member);
                    continue;
                };
                let other_generation = generation_of(other);
                if generation == other_generation {
                    multiple_owners.insert(partition);
                    remove_first(&mut owned_partitions[other as usize], partition);
                    claimed_by.insert(partition, member);
                } else if generation > other_generation {
                    owned_partitions[member as usize].push(partition);
                    remove_first(&mut owned_partitions[other as usize], partition);
                    claimed_by.insert(partition, member);
                }
            }
        }
        PreviousOwnership {
            owned_partitions,
            partitions_with_multiple_previous_owners: multiple_owners,
            max_generation,
        }
    }
}

/// Java's `List.remove(Object)`: drops the first equal element, if any.
fn remove_first(list: &mut Vec<PartitionIndex>, partition: PartitionIndex) {
    if let Some(position) = list.iter().position(|&p| p == partition) {
        list.remove(position);
    }
}
