//! The consumer panel: positions, high watermarks, lag and the records received.

use super::{short, NodeStatus};
use crate::kafka::{KafkaWorld, NodeId};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerPartitionView {
    pub partition: String,
    pub position: String,
    pub high_watermark: String,
    pub lag: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub mode: String,
    pub partitions: Vec<ConsumerPartitionView>,
    pub consumed: u64,
    pub recent: Vec<String>,
}

pub fn consumer_views(world: &KafkaWorld) -> Vec<ConsumerView> {
    world
        .model()
        .consumers
        .values()
        .map(|c| ConsumerView {
            id: c.id,
            label: NodeId::Consumer(c.id).to_string(),
            status: NodeStatus::of(&c.process, world.now()),
            mode: "assign".into(),
            partitions: c
                .positions
                .iter()
                .map(|(tp, s)| {
                    let lag = match (s.position, s.high_watermark) {
                        (Some(p), Some(hw)) => (hw - p).max(0).to_string(),
                        _ => "-".into(),
                    };
                    ConsumerPartitionView {
                        partition: tp.to_string(),
                        position: s.position.map_or("-".into(), |p| p.to_string()),
                        high_watermark: s.high_watermark.map_or("-".into(), |p| p.to_string()),
                        lag,
                    }
                })
                .collect(),
            consumed: c.stats.records_polled,
            recent: c
                .stats
                .recent
                .iter()
                .rev()
                .map(|r| {
                    format!(
                        "{}@{}  {} = {}",
                        r.partition,
                        r.offset,
                        short(&r.key, 12),
                        short(&r.value, 16)
                    )
                })
                .collect(),
        })
        .collect()
}
