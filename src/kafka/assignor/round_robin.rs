//! `RoundRobinAssignor`: all members in `MemberInfo` order form a circle; every partition of
//! every subscribed topic (topics by name, partitions ascending) goes to the next member on
//! the circle that subscribes to its topic, and the circle moves past that member.

use std::collections::BTreeSet;

use super::group::{Group, PartitionIndex};

pub(super) fn assign(group: &Group) -> Vec<BTreeSet<PartitionIndex>> {
    let mut assignment = vec![BTreeSet::new(); group.members.len()];
    let circle = group.members_in_member_info_order();
    let mut position = 0;
    // Group topics are already in name order and hold only subscribed topics, so every
    // partition has at least one subscriber and the search below always stops.
    for partition in 0..group.partition_count() {
        while !group.is_subscribed(circle[position], partition) {
            position = (position + 1) % circle.len();
        }
        assignment[circle[position] as usize].insert(partition);
        position = (position + 1) % circle.len();
    }
    assignment
}
