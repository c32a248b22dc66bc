//! The consumer panel: each consumer's group membership, application state, positions,
//! committed offsets, lag and the records received.

use super::{short, NodeStatus};
use crate::kafka::consumer::Subscription;
use crate::kafka::{KafkaWorld, NodeId};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerPartitionView {
    pub partition: String,
    pub position: String,
    pub committed: String,
    pub high_watermark: String,
    pub lag: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    /// `subscribe orders (group billing)` or `assign orders-0`.
    pub mode: String,
    pub group: Option<String>,
    /// Where the member is in the join protocol (`stable`, `joining`, ...).
    pub member_state: Option<String>,
    /// What the application loop is doing (`in poll()`, `processing`, ...).
    pub app_state: String,
    pub processing_ms: u64,
    pub commit_mode: String,
    pub closed: bool,
    /// The process is stopped (crashed) rather than closed.
    pub down: bool,
    pub partitions: Vec<ConsumerPartitionView>,
    pub polled: u64,
    pub processed: u64,
    pub recent: Vec<String>,
}

pub fn consumer_views(world: &KafkaWorld) -> Vec<ConsumerView> {
    world
        .model()
        .consumers
        .values()
        .map(|c| {
            let mode = match &c.subscription {
                Subscription::Subscribe(topics) => format!(
                    "subscribe {} · group {}",
                    topics.join(","),
                    c.group_id().unwrap_or("-")
                ),
                Subscription::Assign(partitions) => format!(
                    "assign {}",
                    partitions
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            };
            let app_state = if c.app.paused {
                "paused".to_string()
            } else if c.app.spec.handoff == crate::kafka::consumer::Handoff::Worker {
                format!(
                    "{} · worker queue {}",
                    c.app.state.name(),
                    c.app.worker_queue.len()
                )
            } else {
                c.app.state.name().to_string()
            };
            ConsumerView {
                id: c.id,
                label: NodeId::Consumer(c.id).to_string(),
                status: NodeStatus::of(&c.process, world.now()),
                mode,
                group: c.group_id().map(str::to_string),
                member_state: c
                    .group
                    .as_ref()
                    .filter(|_| c.is_subscribed())
                    .map(|g| g.state.name().to_string()),
                app_state: if c.closed { "closed".into() } else { app_state },
                processing_ms: c.app.spec.processing_ms_per_record,
                commit_mode: if c.app.spec.commit == crate::kafka::consumer::CommitMode::Auto {
                    if c.config.enable_auto_commit {
                        format!("auto-commit every {} ms", c.config.auto_commit_interval_ms)
                    } else {
                        "no commits".into()
                    }
                } else {
                    c.app.spec.commit.name().to_string()
                },
                closed: c.closed,
                down: !c.process.is_running(),
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
                            committed: s.committed.map_or("-".into(), |p| p.to_string()),
                            high_watermark: s.high_watermark.map_or("-".into(), |p| p.to_string()),
                            lag,
                        }
                    })
                    .collect(),
                polled: c.stats.records_polled,
                processed: c.stats.records_processed,
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
                            short(&r.key_text(), 12),
                            short(&r.value_text(), 16)
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}
