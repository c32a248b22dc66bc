//! Each consumer group's marks on a partition row: where its owner reads and what it committed,
//! and the groups a `__consumer_offsets` partition coordinates.

use super::replicas::{position_permille, PartitionRow};
use crate::kafka::group::OFFSETS_TOPIC;
use crate::kafka::{KafkaWorld, TopicPartition};

/// Where a group stands on a partition: the owner's position and the committed offset.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GroupMark {
    pub group: String,
    /// The member that owns the partition (`c2`).
    pub owner: Option<String>,
    pub colour: u32,
    pub position: Option<i64>,
    pub committed: Option<i64>,
}

/// Each group's owner position and committed offset on `tp`.
pub(super) fn group_marks(world: &KafkaWorld, tp: &TopicPartition) -> Vec<GroupMark> {
    let cluster = world.model();
    let mut marks: Vec<GroupMark> = Vec::new();
    for g in cluster.group_ids() {
        let owner = cluster.consumers.values().find(|c| {
            c.group_id() == Some(g.as_str())
                && !c.closed
                && c.process.is_running()
                && c.positions.contains_key(tp)
        });
        let committed = cluster.committed_offset(&g, tp);
        let position = owner.and_then(|c| c.positions.get(tp).and_then(|s| s.position));
        if owner.is_none() && committed.is_none() {
            continue;
        }
        marks.push(GroupMark {
            colour: super::clients::group_colour(cluster, &g),
            owner: owner.map(|c| format!("c{}", c.id)),
            group: g,
            position,
            committed,
        });
    }
    for c in cluster.consumers.values() {
        if c.group_id().is_some() || c.closed || !c.process.is_running() {
            continue;
        }
        if let Some(state) = c.positions.get(tp) {
            marks.push(GroupMark {
                group: format!("c{}", c.id),
                owner: Some(format!("c{}", c.id)),
                colour: c.id,
                position: state.position,
                committed: None,
            });
        }
    }
    marks
}

pub(super) fn coordinated_groups(world: &KafkaWorld, tp: &TopicPartition) -> Vec<String> {
    let cluster = world.model();
    cluster
        .group_ids()
        .into_iter()
        .filter(|g| {
            cluster
                .brokers
                .values()
                .find_map(|b| b.metadata.partition_count(OFFSETS_TOPIC))
                .is_some_and(|n| crate::kafka::group::partition_for(g, n) == tp.partition)
        })
        .collect()
}

impl GroupMark {
    /// Where the mark sits on the leader's bar: from the committed offset to the owner's
    /// position (at least a sliver), as CSS `left` and `width`.
    pub fn span_style(&self, row: &PartitionRow) -> String {
        let committed = self.committed.unwrap_or(row.window_from);
        let position = self.position.unwrap_or(committed);
        let from = position_permille(row, committed.min(position));
        let to = position_permille(row, committed.max(position)).max(from + 8);
        format!(
            "left:{}.{}%;width:{}.{}%",
            from / 10,
            from % 10,
            (to - from) / 10,
            (to - from) % 10
        )
    }

    pub fn title(&self) -> String {
        format!(
            "{}{}: committed {}, reading at {}",
            self.group,
            self.owner
                .as_ref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            self.committed
                .map_or("nothing yet".into(), |c| c.to_string()),
            self.position.map_or("unknown".into(), |c| c.to_string())
        )
    }
}
