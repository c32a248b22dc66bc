//! The stage: the one picture a class watches. Brokers are columns, partitions are rows grouped
//! by topic, and each replica sits where its broker's column crosses its partition's row, with
//! its role, log end offset, high watermark and newest records. Producers stand on the left,
//! consumer groups on the right, controllers on top; messages travel between them as dots.
//!
//! Everything on it is decided here, from the world: what is shown (internal topics fold away
//! unless they coordinate a group), how dense it is (full record strips for a few partitions,
//! compact bars for many, one partition zoomed), and how the rows flow into blocks to fit the
//! screen without scrolling.

mod clients;
mod dots;
mod group_marks;
mod layout;
mod marks;
mod replicas;
mod txn_marks;

pub use clients::{GroupCard, MemberChip, ProducerCard};
pub use dots::cuts;
pub(crate) use dots::kind_of;
pub use dots::{dots, drops, Dot, DotKind, DropMark, LinkCut};
pub use group_marks::GroupMark;
pub use layout::{fit, Fit, Line, StageSize};
pub use marks::{marks, Mark, Point};
pub use replicas::{PartitionRow, RecordCell, ReplicaCell, ReplicaRole, Stripe};
pub use txn_marks::RecordTxn;

use super::view::NodeStatus;
use crate::kafka::group::{partition_for, OFFSETS_TOPIC};
use crate::kafka::{KafkaWorld, NodeId, TopicPartition};
use std::collections::BTreeSet;
use std::rc::Rc;

/// At most this many partitions get full record strips; more are drawn as compact bars.
pub const FULL_STRIPS_UP_TO: u32 = 6;

/// One broker column's head.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BrokerHead {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    /// The controller fenced it (it may still run).
    pub fenced: bool,
    /// Every link to and from it is cut.
    pub isolated: bool,
    /// Partitions it leads, of those on the stage.
    pub leads: u32,
    /// Groups it coordinates.
    pub coordinates: Vec<String>,
    pub highlighted: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ControllerHead {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub active: bool,
    pub epoch: i32,
    pub highlighted: bool,
}

/// A topic's rows, in partition order.
#[derive(Clone, PartialEq, Debug)]
pub struct TopicRows {
    pub name: String,
    pub internal: bool,
    pub rows: Vec<Rc<PartitionRow>>,
}

/// How much each replica shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Density {
    /// Record cells with offsets and keys.
    Full,
    /// A thin bar per replica: records as key-coloured stripes, HW and LEO marks.
    Compact,
}

#[derive(Clone, PartialEq, Debug)]
pub struct StageView {
    pub controllers: Vec<ControllerHead>,
    pub brokers: Vec<BrokerHead>,
    pub topics: Vec<TopicRows>,
    /// Internal topics not drawn, with a note of why (`__consumer_offsets: 6 partitions`).
    pub folded: Vec<String>,
    pub producers: Vec<ProducerCard>,
    pub groups: Vec<GroupCard>,
    pub density: Density,
    pub zoomed: Option<String>,
}

/// What the viewer chose: a zoomed partition, and what the lesson highlights.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StageOptions {
    pub zoomed: Option<String>,
    /// Names from the beat on screen: `b2`, `orders-0`, `orders-0@b2`, `c1`, `billing`.
    pub highlight: Vec<String>,
}

impl StageOptions {
    fn highlights(&self, name: &str) -> bool {
        self.highlight.iter().any(|h| h == name)
    }
}

pub fn stage_view(world: &KafkaWorld, options: &StageOptions) -> StageView {
    let cluster = world.model();
    let coordinated = coordinator_partitions(world);
    let (mut shown, folded) = shown_topics(world, &coordinated);
    // Lesson topics first, in the lesson's order; internal ones after.
    let order = |name: &str| {
        world
            .model()
            .spec
            .topics
            .iter()
            .position(|t| t.name == name)
            .unwrap_or(usize::MAX)
    };
    crate::sim::sort::sort_by_key(&mut shown, |(name, internal, _)| (*internal, order(name)));
    let count: u32 = shown.iter().map(|(_, _, p)| p.len() as u32).sum();
    let density = if count <= FULL_STRIPS_UP_TO {
        Density::Full
    } else {
        Density::Compact
    };
    let topics: Vec<TopicRows> = shown
        .into_iter()
        .map(|(name, internal, partitions)| TopicRows {
            rows: partitions
                .into_iter()
                .map(|p| {
                    let tp = TopicPartition::new(&name, p);
                    let full = density == Density::Full;
                    Rc::new(replicas::partition_row(
                        world,
                        &tp,
                        options,
                        &coordinated,
                        full,
                    ))
                })
                .collect(),
            name,
            internal,
        })
        .collect();
    let brokers = broker_heads(world, &topics, options);
    let controllers = cluster
        .controllers
        .values()
        .map(|c| ControllerHead {
            id: c.id,
            label: format!("ctl{}", c.id),
            status: NodeStatus::of(&c.process, world.now()),
            active: c.process.is_running() && c.is_active(),
            epoch: c.raft.epoch,
            highlighted: options.highlights(&format!("ctl{}", c.id)),
        })
        .collect();
    StageView {
        controllers,
        brokers,
        topics,
        folded,
        producers: clients::producer_cards(world, options),
        groups: clients::group_cards(world, options),
        density,
        zoomed: options.zoomed.clone(),
    }
}

/// The topics on the stage with the partitions drawn of each, and notes on what was folded:
/// internal topics show only the partitions that coordinate a group.
#[allow(clippy::type_complexity)]
fn shown_topics(
    world: &KafkaWorld,
    coordinated: &BTreeSet<TopicPartition>,
) -> (Vec<(String, bool, Vec<i32>)>, Vec<String>) {
    let mut shown = Vec::new();
    let mut folded = Vec::new();
    let Some(image) = super::view::truth(world) else {
        return (shown, folded);
    };
    for (name, topic) in &image.topics {
        let internal = name.starts_with("__");
        let partitions: Vec<i32> = (0..topic.partitions.len() as i32)
            .filter(|p| !internal || coordinated.contains(&TopicPartition::new(name, *p)))
            .collect();
        if internal && partitions.len() < topic.partitions.len() {
            folded.push(format!(
                "{name}: {} partitions, {} shown",
                topic.partitions.len(),
                partitions.len()
            ));
        }
        if !partitions.is_empty() {
            shown.push((name.clone(), internal, partitions));
        }
    }
    (shown, folded)
}

/// The `__consumer_offsets` partitions that coordinate some group: the only ones worth a row.
fn coordinator_partitions(world: &KafkaWorld) -> BTreeSet<TopicPartition> {
    let cluster = world.model();
    let count = cluster
        .brokers
        .values()
        .find_map(|b| b.metadata.partition_count(OFFSETS_TOPIC));
    let Some(count) = count else {
        return BTreeSet::new();
    };
    cluster
        .group_ids()
        .iter()
        .map(|g| TopicPartition::new(OFFSETS_TOPIC, partition_for(g, count)))
        .collect()
}

fn broker_heads(
    world: &KafkaWorld,
    topics: &[TopicRows],
    options: &StageOptions,
) -> Vec<BrokerHead> {
    let cluster = world.model();
    let network = world.network();
    let nodes = cluster.nodes();
    cluster
        .brokers
        .values()
        .map(|b| {
            let me = NodeId::Broker(b.id);
            let leads = topics
                .iter()
                .flat_map(|t| &t.rows)
                .filter(|r| r.leader == Some(b.id.0))
                .count() as u32;
            let isolated = nodes
                .iter()
                .filter(|n| **n != me)
                .all(|n| network.is_blocked(&me, n) && network.is_blocked(n, &me));
            let coordinates = cluster
                .group_ids()
                .into_iter()
                .filter(|g| cluster.group_coordinator(g).is_some_and(|(c, _)| c == b.id))
                .collect();
            BrokerHead {
                id: b.id.0,
                label: b.id.to_string(),
                status: NodeStatus::of(&b.process, world.now()),
                fenced: super::view::truth(world)
                    .and_then(|m| m.brokers.get(&b.id))
                    .is_some_and(|r| r.fenced),
                isolated: isolated && nodes.len() > 1,
                leads,
                coordinates,
                highlighted: options.highlights(&b.id.to_string()),
            }
        })
        .collect()
}
