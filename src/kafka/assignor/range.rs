//! `RangeAssignor`: per topic, the subscribed members in `MemberInfo` order each take a
//! consecutive range of partitions; the first `partitions % members` of them take one extra.
//! Rack-aware placement is not modelled (no member reports `client.rack`), so this is the
//! `assignRanges` pass of `RangeAssignor.assignPartitions` alone.

use std::collections::BTreeSet;

use super::group::{index_of, Group, PartitionIndex};

pub(super) fn assign(group: &Group) -> Vec<BTreeSet<PartitionIndex>> {
    let mut assignment = vec![BTreeSet::new(); group.members.len()];
    let member_order = group.members_in_member_info_order();
    for topic in 0..index_of(group.topics.len()) {
        let consumers: Vec<_> = member_order
            .iter()
            .copied()
            .filter(|&m| group.members[m as usize].topics.contains(&topic))
            .collect();
        if consumers.is_empty() {
            continue;
        }
        let partitions = group.partitions_of(topic);
        let consumer_count = index_of(consumers.len());
        let per_consumer = partitions.end - partitions.start;
        let (per_consumer, with_extra) =
            (per_consumer / consumer_count, per_consumer % consumer_count);
        let mut next = partitions.start;
        for (position, &consumer) in (0..).zip(&consumers) {
            let take = per_consumer + u32::from(position < with_extra);
            assignment[consumer as usize].extend(next..next + take);
            next += take;
        }
    }
    assignment
}
