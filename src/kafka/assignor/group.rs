//! The group as every assignor sees it: the subscribed topics that have partitions, every
//! partition numbered once, and the members sorted by member id. Building this once turns
//! names into small local indices, so the algorithms compare integers in exactly the order
//! Kafka's Java code compares strings (`String.compareTo`, UTF-16 code units).
//!
//! Indices are local to one assignment run and never stored or serialized.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::java_order::{java_string_cmp, java_string_hash, topic_partition_hash, JavaHashOrder};
use super::{GroupAssignment, MemberSubscription, TopicPartition};

/// Position in `Group::members`; member order is member-id order.
pub(crate) type MemberIndex = u32;
/// Position in `Group::topics`; topic order is topic-name order.
pub(crate) type TopicIndex = u32;
/// Position in `Group::partitions`; partition order is (topic name, partition number).
pub(crate) type PartitionIndex = u32;

pub(crate) struct Topic {
    pub name: String,
    /// `name.hashCode()` in Java, the base of `TopicPartition.hashCode()`.
    pub java_hash: i32,
    /// The partitions of this topic are `first_partition..first_partition + partition_count`.
    pub first_partition: PartitionIndex,
    pub partition_count: u32,
}

pub(crate) struct Member {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// Every topic the member named, with or without metadata: Kafka's "all subscriptions
    /// equal" test compares these raw sets.
    pub subscription: BTreeSet<String>,
    /// The subscribed topics that have partitions.
    pub topics: BTreeSet<TopicIndex>,
    /// Owned partitions in the order the member listed them, keeping only partitions that
    /// exist in a subscribed topic (Kafka drops the others before assigning).
    pub owned_partitions: Vec<PartitionIndex>,
    /// `None` when the member sent no generation (or a negative one).
    pub generation: Option<i32>,
}

pub(crate) struct Group {
    pub topics: Vec<Topic>,
    pub partitions: Vec<TopicPartition>,
    /// Which topic each partition belongs to.
    pub partition_topic: Vec<TopicIndex>,
    pub members: Vec<Member>,
    /// The order in which a Java `HashMap` keyed by member id visits the members (filled in
    /// member-id order). Kafka's sticky assignors walk their member maps in this order.
    pub hash_map_order: Vec<MemberIndex>,
}

impl Group {
    pub fn new(
        partitions_per_topic: &BTreeMap<String, i32>,
        subscriptions: &[MemberSubscription],
    ) -> Group {
        // A repeated member id keeps its last subscription, as a Java map `put` would.
        let mut by_member_id: BTreeMap<&str, &MemberSubscription> = BTreeMap::new();
        for subscription in subscriptions {
            by_member_id.insert(&subscription.member_id, subscription);
        }
        let mut sorted: Vec<&MemberSubscription> = by_member_id.into_values().collect();
        crate::sim::sort::sort_by(&mut sorted, |a, b| {
            java_string_cmp(&a.member_id, &b.member_id)
        });

        let (topics, partitions, partition_topic) =
            subscribed_partitions(partitions_per_topic, &sorted);
        let mut group = Group {
            topics,
            partitions,
            partition_topic,
            members: Vec::new(),
            hash_map_order: Vec::new(),
        };
        group.members = sorted
            .iter()
            .map(|subscription| group.member(subscription))
            .collect();
        let mut hash_map = JavaHashOrder::new();
        for (index, member) in (0..).zip(&group.members) {
            hash_map.insert(index, java_string_hash(&member.member_id));
        }
        group.hash_map_order = hash_map.iteration_order();
        group
    }

    fn member(&self, subscription: &MemberSubscription) -> Member {
        let topics = subscription
            .topics
            .iter()
            .filter_map(|name| self.topic_index(name))
            .collect();
        let owned_partitions = subscription
            .owned_partitions
            .iter()
            .filter_map(|tp| self.partition_index(tp))
            .collect();
        Member {
            member_id: subscription.member_id.clone(),
            group_instance_id: subscription.group_instance_id.clone(),
            subscription: subscription.topics.iter().cloned().collect(),
            topics,
            owned_partitions,
            // Kafka's `Subscription` turns a negative generationId into "no generation".
            generation: subscription
                .generation
                .filter(|&generation| generation >= 0),
        }
    }

    /// How many members there are, as the exclusive end of the member indices.
    pub fn member_count(&self) -> MemberIndex {
        index_of(self.members.len())
    }

    /// How many partitions there are, as the exclusive end of the partition indices.
    pub fn partition_count(&self) -> PartitionIndex {
        index_of(self.partitions.len())
    }

    pub fn topic_index(&self, name: &str) -> Option<TopicIndex> {
        self.topics
            .binary_search_by(|topic| java_string_cmp(&topic.name, name))
            .ok()
            .map(index_of)
    }

    pub fn partition_index(&self, tp: &TopicPartition) -> Option<PartitionIndex> {
        let topic = &self.topics[self.topic_index(&tp.topic)? as usize];
        let number = u32::try_from(tp.partition)
            .ok()
            .filter(|&n| n < topic.partition_count)?;
        Some(topic.first_partition + number)
    }

    pub fn partitions_of(&self, topic: TopicIndex) -> Range<PartitionIndex> {
        let topic = &self.topics[topic as usize];
        topic.first_partition..topic.first_partition + topic.partition_count
    }

    /// Kafka's `TopicPartition.hashCode()` for `partition`.
    pub fn partition_hash(&self, partition: PartitionIndex) -> i32 {
        let topic = &self.topics[self.topic_of(partition) as usize];
        topic_partition_hash(
            topic.java_hash,
            self.partitions[partition as usize].partition,
        )
    }

    pub fn topic_of(&self, partition: PartitionIndex) -> TopicIndex {
        self.partition_topic[partition as usize]
    }

    /// Whether `member` subscribes to the topic of `partition`.
    pub fn is_subscribed(&self, member: MemberIndex, partition: PartitionIndex) -> bool {
        self.members[member as usize]
            .topics
            .contains(&self.topic_of(partition))
    }

    /// Members in `AbstractPartitionAssignor.MemberInfo` order, used by range and roundrobin:
    /// static members first, by `group.instance.id`, then dynamic members by member id. The
    /// member-id tie-break only matters for repeated instance ids, which a real group fences.
    pub fn members_in_member_info_order(&self) -> Vec<MemberIndex> {
        let mut order: Vec<MemberIndex> = (0..self.member_count()).collect();
        crate::sim::sort::sort_by(&mut order, |&a, &b| {
            let (a, b) = (&self.members[a as usize], &self.members[b as usize]);
            match (&a.group_instance_id, &b.group_instance_id) {
                (Some(a_instance), Some(b_instance)) => java_string_cmp(a_instance, b_instance),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
            .then_with(|| java_string_cmp(&a.member_id, &b.member_id))
        });
        order
    }

    pub fn to_group_assignment(
        &self,
        assignment: &[BTreeSet<PartitionIndex>],
        transfers: &BTreeMap<PartitionIndex, MemberIndex>,
    ) -> GroupAssignment {
        let assignment = self
            .members
            .iter()
            .zip(assignment)
            .map(|(member, partitions)| {
                let mut list: Vec<TopicPartition> = partitions
                    .iter()
                    .map(|&p| self.partitions[p as usize])
                    .collect();
                crate::sim::sort::sort(&mut list);
                (member.member_id.clone(), list)
            })
            .collect();
        let partitions_transferring_ownership = transfers
            .iter()
            .map(|(&p, &m)| {
                (
                    self.partitions[p as usize],
                    self.members[m as usize].member_id.clone(),
                )
            })
            .collect();
        GroupAssignment {
            assignment,
            partitions_transferring_ownership,
        }
    }
}

/// Converts a position in one of the group's vectors into an index. Indices are `u32` so
/// that nothing below `kafka/` stores a `usize`; a group cannot hold 2^32 partitions (each
/// one is a `TopicPartition` in memory), so the conversion never fails in practice.
pub(crate) fn index_of(position: usize) -> u32 {
    u32::try_from(position).expect("a group holds fewer than 2^32 members and partitions")
}

/// `AbstractPartitionAssignor.assign(Cluster, ...)`: only topics some member subscribes to and
/// that have at least one partition take part; they are numbered in topic-name order.
fn subscribed_partitions(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[&MemberSubscription],
) -> (Vec<Topic>, Vec<TopicPartition>, Vec<TopicIndex>) {
    let subscribed: BTreeSet<&str> = members
        .iter()
        .flat_map(|m| m.topics.iter().map(String::as_str))
        .collect();
    let mut names: Vec<(&str, i32)> = partitions_per_topic
        .iter()
        .filter(|&(name, &count)| count > 0 && subscribed.contains(name.as_str()))
        .map(|(name, &count)| (name.as_str(), count))
        .collect();
    crate::sim::sort::sort_by(&mut names, |a, b| java_string_cmp(a.0, b.0));

    let mut topics = Vec::with_capacity(names.len());
    let mut partitions = Vec::new();
    let mut partition_topic = Vec::new();
    for (topic_index, (name, count)) in (0..).zip(names) {
        let first_partition = index_of(partitions.len());
        partitions.extend((0..count).map(|number| TopicPartition::new(name, number)));
        partition_topic.resize(partitions.len(), topic_index);
        topics.push(Topic {
            name: name.to_string(),
            java_hash: java_string_hash(name),
            first_partition,
            partition_count: index_of(partitions.len()) - first_partition,
        });
    }
    (topics, partitions, partition_topic)
}
