//! `AbstractStickyAssignor.ConstrainedAssignmentBuilder`: the fast path when every member
//! subscribes to the same topics. With P partitions and C members each member ends with
//! `minQuota = P / C` or `maxQuota = ceil(P / C)` partitions, and exactly `P % C` members get
//! `maxQuota`. Owned partitions are kept up to those quotas, the rest are dealt round-robin.
//! Rack-aware steps are not modelled (members report no `client.rack`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::PreviousOwnership;
use crate::kafka::assignor::group::{index_of, Group, MemberIndex, PartitionIndex};

struct ConstrainedAssignmentBuilder<'a> {
    group: &'a Group,
    partitions_with_multiple_previous_owners: &'a BTreeSet<PartitionIndex>,
    /// Owned partitions a member had to give up, and who gave them up.
    maybe_revoked_partitions: BTreeMap<PartitionIndex, MemberIndex>,
    /// Members below `min_quota`; sorted by member id before they are served round-robin.
    unfilled_members_with_under_min_quota_partitions: Vec<MemberIndex>,
    /// Members at exactly `min_quota` that may still take one more partition.
    unfilled_members_with_exactly_min_quota_partitions: VecDeque<MemberIndex>,
    min_quota: u32,
    max_quota: u32,
    /// `P % C`: how many members end with `max_quota` (zero when the quotas are equal).
    expected_num_members_with_over_min_quota_partitions: u32,
    current_num_members_with_over_min_quota_partitions: u32,
    assignment: Vec<Vec<PartitionIndex>>,
    partitions_transferring_ownership: BTreeMap<PartitionIndex, MemberIndex>,
}

/// Returns the assignment and the partitions it moves between members.
pub(super) fn assign(
    group: &Group,
    ownership: &PreviousOwnership,
) -> (
    Vec<BTreeSet<PartitionIndex>>,
    BTreeMap<PartitionIndex, MemberIndex>,
) {
    let members = group.member_count();
    let total = group.partition_count();
    let mut builder = ConstrainedAssignmentBuilder {
        group,
        partitions_with_multiple_previous_owners: &ownership
            .partitions_with_multiple_previous_owners,
        maybe_revoked_partitions: BTreeMap::new(),
        unfilled_members_with_under_min_quota_partitions: Vec::new(),
        unfilled_members_with_exactly_min_quota_partitions: VecDeque::new(),
        min_quota: total / members,
        max_quota: total.div_ceil(members),
        expected_num_members_with_over_min_quota_partitions: total % members,
        current_num_members_with_over_min_quota_partitions: 0,
        assignment: vec![Vec::new(); members as usize],
        partitions_transferring_ownership: BTreeMap::new(),
    };
    let assigned = builder.assign_owned_partitions(&ownership.owned_partitions);
    let unassigned: Vec<PartitionIndex> = (0..total).filter(|p| !assigned.contains(p)).collect();
    builder
        .unfilled_members_with_under_min_quota_partitions
        .sort_unstable();
    builder
        .unfilled_members_with_exactly_min_quota_partitions
        .make_contiguous()
        .sort_unstable();
    builder.assign_round_robin(&unassigned);
    let assignment = builder
        .assignment
        .into_iter()
        .map(|list| list.into_iter().collect())
        .collect();
    (assignment, builder.partitions_transferring_ownership)
}

impl ConstrainedAssignmentBuilder<'_> {
    /// Step 1: keep owned partitions up to the quota each member may reach; returns them.
    /// Members are visited in Java `HashMap` order (Kafka walks `consumerToOwnedPartitions`),
    /// which decides who keeps a max-quota share when more members own enough for one than
    /// there are such shares (vector S06).
    fn assign_owned_partitions(
        &mut self,
        owned_partitions: &[Vec<PartitionIndex>],
    ) -> BTreeSet<PartitionIndex> {
        let mut assigned = BTreeSet::new();
        for &consumer in &self.group.hash_map_order {
            let owned = self.keepable_owned_partitions(&owned_partitions[consumer as usize]);
            let owned_count = index_of(owned.len());
            let keep = if owned_count < self.min_quota {
                self.unfilled_members_with_under_min_quota_partitions
                    .push(consumer);
                owned_count
            } else if owned_count >= self.max_quota && self.under_expected_max_quota_members() {
                self.current_num_members_with_over_min_quota_partitions += 1;
                if !self.under_expected_max_quota_members() {
                    self.unfilled_members_with_exactly_min_quota_partitions
                        .clear();
                }
                self.max_quota
            } else {
                if self.under_expected_max_quota_members() {
                    self.unfilled_members_with_exactly_min_quota_partitions
                        .push_back(consumer);
                }
                self.min_quota
            };
            let (kept, released) = owned.split_at(keep as usize);
            self.assignment[consumer as usize].extend_from_slice(kept);
            assigned.extend(kept.iter().copied());
            for &released in released {
                self.maybe_revoked_partitions.insert(released, consumer);
            }
        }
        assigned
    }

    /// A member keeps the owned partitions with the lowest partition numbers first (ties by
    /// topic name), and never one that another member of its generation also claimed.
    fn keepable_owned_partitions(&self, owned: &[PartitionIndex]) -> Vec<PartitionIndex> {
        let group = self.group;
        let mut owned: Vec<PartitionIndex> = owned
            .iter()
            .copied()
            .filter(|p| !self.partitions_with_multiple_previous_owners.contains(p))
            .collect();
        // Topic indices follow topic-name order, so (number, topic index) is Kafka's
        // `comparing(partition).thenComparing(topic)`.
        crate::sim::sort::sort_by_key(&mut owned, |&p| {
            (group.partitions[p as usize].partition, group.topic_of(p))
        });
        owned
    }

    fn under_expected_max_quota_members(&self) -> bool {
        self.current_num_members_with_over_min_quota_partitions
            < self.expected_num_members_with_over_min_quota_partitions
    }

    /// Step 3 (`assignRoundRobin`): deal the remaining partitions, in topic then partition
    /// order, round-robin to members under `min_quota`; once none are left, give one extra
    /// partition to members at `min_quota` in the order they reached it.
    fn assign_round_robin(&mut self, unassigned: &[PartitionIndex]) {
        // `cursor` plays the Java iterator over the under-quota list: the next member to serve.
        let mut cursor = 0;
        for &partition in unassigned {
            let Some(consumer) = self.next_unfilled_member(&mut cursor) else {
                // Kafka throws IllegalStateException here; the quotas make it unreachable.
                debug_assert!(false, "no unfilled member left for partition {partition}");
                return;
            };
            let assigned_count = self.assign_new_partition(partition, consumer);
            if assigned_count == self.min_quota {
                self.leave_under_min_quota_list(consumer, &mut cursor);
                self.unfilled_members_with_exactly_min_quota_partitions
                    .push_back(consumer);
            } else if assigned_count == self.max_quota {
                self.current_num_members_with_over_min_quota_partitions += 1;
            }
        }
    }

    fn next_unfilled_member(&mut self, cursor: &mut usize) -> Option<MemberIndex> {
        let under = &self.unfilled_members_with_under_min_quota_partitions;
        if *cursor < under.len() {
            *cursor += 1;
            return Some(under[*cursor - 1]);
        }
        if under.is_empty() {
            return self
                .unfilled_members_with_exactly_min_quota_partitions
                .pop_front();
        }
        // The iterator ran off the end: start another lap.
        *cursor = 1;
        Some(under[0])
    }

    /// The Java iterator's `remove()`: the member just served leaves the under-quota list.
    fn leave_under_min_quota_list(&mut self, consumer: MemberIndex, cursor: &mut usize) {
        let under = &mut self.unfilled_members_with_under_min_quota_partitions;
        if let Some(position) = under.iter().position(|&m| m == consumer) {
            under.remove(position);
            if position < *cursor {
                *cursor -= 1;
            }
        }
    }

    /// Gives `partition` to `consumer` and records a transfer when someone else gave it up or
    /// it was claimed twice; returns the consumer's new partition count.
    fn assign_new_partition(&mut self, partition: PartitionIndex, consumer: MemberIndex) -> u32 {
        self.assignment[consumer as usize].push(partition);
        let released_by_other = self
            .maybe_revoked_partitions
            .get(&partition)
            .is_some_and(|&previous| previous != consumer);
        if released_by_other
            || self
                .partitions_with_multiple_previous_owners
                .contains(&partition)
        {
            self.partitions_transferring_ownership
                .insert(partition, consumer);
        }
        index_of(self.assignment[consumer as usize].len())
    }
}
