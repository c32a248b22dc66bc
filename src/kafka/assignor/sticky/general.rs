//! `AbstractStickyAssignor.GeneralAssignmentBuilder`: the sticky algorithm for groups whose
//! members subscribe to different topics. It keeps every still-valid owned partition, gives
//! each unassigned partition to the least-loaded member that can take it, then moves
//! partitions from more- to less-loaded members until no move improves balance, preferring
//! moves that return a partition to its previous owner. If that pass does not lower the
//! balance score, the pre-balance assignment stands. Rack-aware steps are not modelled.

use std::collections::{BTreeMap, BTreeSet};

use super::partition_movements::PartitionMovements;
use super::{PreviousOwnership, DEFAULT_GENERATION};
use crate::kafka::assignor::group::{index_of, Group, MemberIndex, PartitionIndex};

/// `ConsumerGenerationPair`: who owned a partition in an older generation.
#[derive(Clone, Copy)]
struct ConsumerGenerationPair {
    consumer: MemberIndex,
    generation: i32,
}

struct GeneralAssignmentBuilder<'a> {
    group: &'a Group,
    /// `topic2AllPotentialConsumers`. Kafka fills these lists in map order; here they are in
    /// member-id order, which cannot matter: they only answer "is there any member such that".
    potential_consumers: Vec<Vec<MemberIndex>>,
    /// `getMaxAssignmentSize`: every partition of every topic the member subscribes to.
    max_assignment_size: Vec<u32>,
    current_assignment: Vec<BTreeSet<PartitionIndex>>,
    /// Invariant: `current_partition_consumer[p] == Some(m)` exactly when `p` is in
    /// `current_assignment[m]`.
    current_partition_consumer: Vec<Option<MemberIndex>>,
    /// False for members Kafka sets aside during balancing because nothing about them can
    /// change (`fixedAssignments`); they count neither in balance checks nor in the score.
    participating: Vec<bool>,
    /// `sortedCurrentSubscriptions`: participating members by (partition count, member id).
    /// Invariant: each entry's count equals the length of that member's current assignment.
    sorted_current_subscriptions: BTreeSet<(u32, MemberIndex)>,
    /// For each partition, its owner from the most recent older generation.
    prev_assignment: BTreeMap<PartitionIndex, ConsumerGenerationPair>,
    partition_movements: PartitionMovements,
    /// Some member lost a partition because it unsubscribed from the topic.
    revocation_required: bool,
    /// Kafka's `getTheActualPartitionToBeMoved` step; switched off only to break a cycle in
    /// which Kafka itself would never terminate (see `perform_reassignments`).
    swap_moved_partitions_back: bool,
}

pub(super) fn assign(
    group: &Group,
    ownership: &PreviousOwnership,
) -> Vec<BTreeSet<PartitionIndex>> {
    let mut builder = GeneralAssignmentBuilder::new(group, ownership);
    let mut sorted_all_partitions = builder.sorted_all_partitions();
    let mut unassigned_partitions: Vec<PartitionIndex> = sorted_all_partitions
        .iter()
        .copied()
        .filter(|&p| builder.current_partition_consumer[p as usize].is_none())
        .collect();
    builder.sorted_current_subscriptions = (0..group.member_count())
        .map(|m| (builder.assigned_count(m), m))
        .collect();
    builder.balance(&mut sorted_all_partitions, &mut unassigned_partitions);
    builder.current_assignment
}

impl<'a> GeneralAssignmentBuilder<'a> {
    /// The constructor plus `prepopulateCurrentAssignments` and `assignOwnedPartitions`.
    fn new(group: &'a Group, ownership: &PreviousOwnership) -> GeneralAssignmentBuilder<'a> {
        let members = group.members.len();
        let mut potential_consumers = vec![Vec::new(); group.topics.len()];
        for (member, data) in (0..).zip(&group.members) {
            for &topic in &data.topics {
                potential_consumers[topic as usize].push(member);
            }
        }
        let max_assignment_size = group
            .members
            .iter()
            .map(|m| {
                m.topics
                    .iter()
                    .map(|&t| group.partitions_of(t).len() as u32)
                    .sum()
            })
            .collect();
        let mut builder = GeneralAssignmentBuilder {
            group,
            potential_consumers,
            max_assignment_size,
            current_assignment: vec![BTreeSet::new(); members],
            current_partition_consumer: vec![None; group.partitions.len()],
            participating: vec![true; members],
            sorted_current_subscriptions: BTreeSet::new(),
            prev_assignment: prepopulate_previous_assignment(group, ownership.max_generation),
            partition_movements: PartitionMovements::new(group),
            revocation_required: false,
            swap_moved_partitions_back: true,
        };
        builder.assign_owned_partitions(&ownership.owned_partitions);
        builder
    }

    /// Keeps each owned partition whose topic the member still subscribes to.
    fn assign_owned_partitions(&mut self, owned_partitions: &[Vec<PartitionIndex>]) {
        for (member, owned) in (0..).zip(owned_partitions) {
            for &partition in owned {
                if self.group.is_subscribed(member, partition) {
                    self.current_assignment[member as usize].insert(partition);
                    self.current_partition_consumer[partition as usize] = Some(member);
                } else {
                    self.revocation_required = true;
                }
            }
        }
    }

    /// Topics with the fewest potential consumers first (ties by name), partitions ascending.
    fn sorted_all_partitions(&self) -> Vec<PartitionIndex> {
        let mut topics: Vec<u32> = (0..index_of(self.group.topics.len())).collect();
        crate::sim::sort::sort_by_key(&mut topics, |&t| {
            (self.potential_consumers[t as usize].len(), t)
        });
        topics
            .into_iter()
            .flat_map(|t| self.group.partitions_of(t))
            .collect()
    }

    fn balance(
        &mut self,
        sorted_all_partitions: &mut Vec<PartitionIndex>,
        unassigned: &mut Vec<PartitionIndex>,
    ) {
        let initializing = self
            .sorted_current_subscriptions
            .last()
            .is_none_or(|&(count, _)| count == 0);
        for &partition in unassigned.iter() {
            self.maybe_assign_partition(partition);
        }

        // Only partitions of topics with two or more potential consumers can move.
        let movable = |p: &PartitionIndex| {
            self.potential_consumers[self.group.topic_of(*p) as usize].len() >= 2
        };
        sorted_all_partitions.retain(movable);
        unassigned.retain(movable);
        for member in 0..self.group.member_count() {
            if !self.can_consumer_participate_in_reassignment(member) {
                self.sorted_current_subscriptions
                    .remove(&(self.assigned_count(member), member));
                self.participating[member as usize] = false;
            }
        }

        let pre_balance_assignment = self.current_assignment.clone();
        let pre_balance_partition_consumers = self.current_partition_consumer.clone();
        // Without forced revocations, first try to balance by moving only new partitions.
        if !self.revocation_required {
            self.perform_reassignments(unassigned);
        }
        let reassignment_performed = self.perform_reassignments(sorted_all_partitions);
        if !initializing
            && reassignment_performed
            && self.balance_score(&self.current_assignment)
                >= self.balance_score(&pre_balance_assignment)
        {
            self.current_assignment = pre_balance_assignment;
            self.current_partition_consumer = pre_balance_partition_consumers;
        }
    }

    /// Gives `partition` to the least-loaded member subscribed to its topic.
    fn maybe_assign_partition(&mut self, partition: PartitionIndex) {
        let least_loaded = self
            .sorted_current_subscriptions
            .iter()
            .map(|&(_, member)| member)
            .find(|&member| self.group.is_subscribed(member, partition));
        if let Some(member) = least_loaded {
            self.update_assignment(member, |assigned| assigned.insert(partition));
            self.current_partition_consumer[partition as usize] = Some(member);
        }
    }

    /// How many partitions `member` holds right now.
    fn assigned_count(&self, member: MemberIndex) -> u32 {
        index_of(self.current_assignment[member as usize].len())
    }

    fn can_consumer_participate_in_reassignment(&self, member: MemberIndex) -> bool {
        self.assigned_count(member) < self.max_assignment_size[member as usize]
            || self.current_assignment[member as usize]
                .iter()
                .any(|&p| self.potential_consumers[self.group.topic_of(p) as usize].len() >= 2)
    }

    /// Sum of |count(a) - count(b)| over all pairs of participating members; lower is better.
    fn balance_score(&self, assignment: &[BTreeSet<PartitionIndex>]) -> u64 {
        let counts: Vec<u64> = assignment
            .iter()
            .zip(&self.participating)
            .filter(|&(_, &participating)| participating)
            .map(|(assigned, _)| assigned.len() as u64)
            .collect();
        let mut score = 0;
        for (i, &count) in counts.iter().enumerate() {
            score += counts[i + 1..]
                .iter()
                .map(|&other| count.abs_diff(other))
                .sum::<u64>();
        }
        score
    }

    /// Repeats passes over `reassignable` until a pass moves nothing; returns whether
    /// anything moved.
    ///
    /// Kafka's loop can run forever: a swap chosen by `getTheActualPartitionToBeMoved` can be
    /// undone later in the same pass, so every pass ends where it began (found by the property
    /// tests; Kafka's own class hangs on the same input). The loop is deterministic, so a
    /// repeated end-of-pass state proves it; from then on partitions move themselves, without
    /// the swap, and every move strictly lowers the sum of squared partition counts, so the
    /// loop ends. Wherever Kafka terminates the result is Kafka's.
    fn perform_reassignments(&mut self, reassignable: &[PartitionIndex]) -> bool {
        let mut reassignment_performed = false;
        let mut states_after_pass = BTreeSet::new();
        loop {
            let mut modified = false;
            for &partition in reassignable {
                if self.is_balanced() {
                    break;
                }
                if self.try_reassign(partition) {
                    reassignment_performed = true;
                    modified = true;
                }
            }
            if !modified {
                return reassignment_performed;
            }
            if self.swap_moved_partitions_back {
                let state = (
                    self.current_partition_consumer.clone(),
                    self.partition_movements.clone(),
                );
                if !states_after_pass.insert(state) {
                    self.swap_moved_partitions_back = false;
                }
            }
        }
    }

    /// One step of `performReassignments` for one partition: return it to its previous owner
    /// if that helps balance, else hand it to the least-loaded member if someone subscribed is
    /// at least two partitions lighter than its current owner.
    fn try_reassign(&mut self, partition: PartitionIndex) -> bool {
        let Some(consumer) = self.current_partition_consumer[partition as usize] else {
            return false;
        };
        let count = |m: MemberIndex| self.assigned_count(m);
        let back_to_previous = self
            .usable_previous_owner(partition)
            .filter(|&previous| count(consumer) > count(previous) + 1);
        let topic = self.group.topic_of(partition);
        let lighter_member_exists = self.potential_consumers[topic as usize]
            .iter()
            .any(|&other| self.participating[other as usize] && count(consumer) > count(other) + 1);
        if let Some(previous) = back_to_previous {
            self.reassign_partition_to(partition, previous);
            true
        } else if lighter_member_exists {
            self.reassign_partition(partition);
            true
        } else {
            false
        }
    }

    /// The previous owner recorded for `partition`, if it may take the partition back. Kafka
    /// uses it unconditionally; an owner that no longer subscribes to the topic or was set
    /// aside from balancing would break validity (or throw in Java), so it is skipped.
    fn usable_previous_owner(&self, partition: PartitionIndex) -> Option<MemberIndex> {
        let previous = self.prev_assignment.get(&partition)?.consumer;
        (self.participating[previous as usize] && self.group.is_subscribed(previous, partition))
            .then_some(previous)
    }

    /// `isBalanced`: counts differ by at most one, or no member could take a partition from a
    /// member holding at least two more.
    fn is_balanced(&self) -> bool {
        let sorted = &self.sorted_current_subscriptions;
        let (Some(&(min, _)), Some(&(max, _))) = (sorted.first(), sorted.last()) else {
            return true;
        };
        if min + 1 >= max {
            return true;
        }
        for &(count, consumer) in sorted {
            if count == self.max_assignment_size[consumer as usize] {
                continue;
            }
            for &topic in &self.group.members[consumer as usize].topics {
                for partition in self.group.partitions_of(topic) {
                    let Some(other) = self.current_partition_consumer[partition as usize] else {
                        continue;
                    };
                    if other != consumer
                        && self.participating[other as usize]
                        && count + 1 < self.assigned_count(other)
                    {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Moves `partition` (or the partition it should swap back) to the least-loaded
    /// participating member subscribed to its topic.
    fn reassign_partition(&mut self, partition: PartitionIndex) {
        let new_consumer = self
            .sorted_current_subscriptions
            .iter()
            .map(|&(_, member)| member)
            .find(|&member| self.group.is_subscribed(member, partition));
        if let Some(new_consumer) = new_consumer {
            self.reassign_partition_to(partition, new_consumer);
        }
    }

    fn reassign_partition_to(&mut self, partition: PartitionIndex, new_consumer: MemberIndex) {
        let Some(consumer) = self.current_partition_consumer[partition as usize] else {
            return;
        };
        let topic = self.group.topic_of(partition);
        let to_move = if self.swap_moved_partitions_back {
            self.partition_movements.actual_partition_to_be_moved(
                topic,
                partition,
                consumer,
                new_consumer,
            )
        } else {
            partition
        };
        self.process_partition_movement(to_move, new_consumer);
    }

    fn process_partition_movement(&mut self, partition: PartitionIndex, new_consumer: MemberIndex) {
        let Some(old_consumer) = self.current_partition_consumer[partition as usize] else {
            return;
        };
        if old_consumer == new_consumer {
            return;
        }
        let topic = self.group.topic_of(partition);
        self.partition_movements
            .move_partition(topic, partition, old_consumer, new_consumer);
        self.update_assignment(old_consumer, |assigned| assigned.remove(&partition));
        self.update_assignment(new_consumer, |assigned| assigned.insert(partition));
        self.current_partition_consumer[partition as usize] = Some(new_consumer);
    }

    /// Changes one member's assignment and keeps `sorted_current_subscriptions` in step.
    fn update_assignment(
        &mut self,
        member: MemberIndex,
        change: impl FnOnce(&mut BTreeSet<PartitionIndex>) -> bool,
    ) {
        let was_sorted = self
            .sorted_current_subscriptions
            .remove(&(self.assigned_count(member), member));
        change(&mut self.current_assignment[member as usize]);
        if was_sorted {
            self.sorted_current_subscriptions
                .insert((self.assigned_count(member), member));
        }
    }
}

/// `prepopulateCurrentAssignments`: members of an older generation (or with none, once some
/// member has one) leave a record of what they owned; for each partition the record from the
/// newest of those generations wins, the first member in Java `HashMap` order breaking ties.
fn prepopulate_previous_assignment(
    group: &Group,
    max_generation: i32,
) -> BTreeMap<PartitionIndex, ConsumerGenerationPair> {
    let mut prev_assignment: BTreeMap<PartitionIndex, ConsumerGenerationPair> = BTreeMap::new();
    for &consumer in &group.hash_map_order {
        let member = &group.members[consumer as usize];
        let generation = match member.generation {
            Some(generation) if generation < max_generation => generation,
            None if max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
            _ => continue,
        };
        for &partition in &member.owned_partitions {
            let newer = prev_assignment
                .get(&partition)
                .is_none_or(|existing| generation > existing.generation);
            if newer {
                prev_assignment.insert(
                    partition,
                    ConsumerGenerationPair {
                        consumer,
                        generation,
                    },
                );
            }
        }
    }
    prev_assignment
}
