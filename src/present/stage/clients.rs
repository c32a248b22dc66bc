//! The clients on the stage: producers on the left (what they send, how full their batches are,
//! what is in flight, a transactional producer's state) and consumer groups on the right (state, generation, members with their
//! partitions, lag).

use super::StageOptions;
use crate::check::history::group_lag;
use crate::kafka::config::Acks;
use crate::kafka::{Cluster, KafkaWorld};
use crate::present::txn_controls::{txn_badge, TxnBadge};
use crate::present::view::NodeStatus;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProducerCard {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    /// `acks=all · linger.ms=5` style summary.
    pub settings: String,
    /// Records waiting in the accumulator.
    pub waiting: u32,
    /// How full the fullest waiting batch is, in percent of `batch.size`.
    pub fullest_batch_percent: u32,
    pub in_flight: u32,
    pub acked: u64,
    pub failed: u64,
    pub highlighted: bool,
    /// A transactional producer's state, id and epoch.
    pub txn: Option<TxnBadge>,
}

/// A consumer in its group's card.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberChip {
    pub consumer: u32,
    pub label: String,
    pub status: NodeStatus,
    /// Short partition names it owns (`o-0`, `o-1`).
    pub partitions: Vec<String>,
    pub closed: bool,
    pub highlighted: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GroupCard {
    /// The group id, or `cN` for a consumer without a group.
    pub name: String,
    pub colour: u32,
    /// Kafka's state name; empty for a consumer without a group.
    pub state: String,
    pub generation: i32,
    pub members: Vec<MemberChip>,
    pub lag: i64,
    pub highlighted: bool,
}

pub(super) fn producer_cards(world: &KafkaWorld, options: &StageOptions) -> Vec<ProducerCard> {
    world
        .model()
        .producers
        .values()
        .map(|p| {
            let batch_size = p.config.batch_size.max(1);
            let queues = p.accumulator.queues();
            let waiting = queues
                .values()
                .flat_map(|q| q.iter())
                .map(|b| b.record_count())
                .sum();
            let fullest = queues
                .values()
                .filter_map(|q| q.back())
                .filter(|b| b.attempts == 0)
                .map(|b| (b.estimated_bytes * 100 / batch_size).min(100))
                .max()
                .unwrap_or(0);
            let acks = match p.config.acks {
                Acks::All => "all",
                Acks::One => "1",
                Acks::Zero => "0",
            };
            ProducerCard {
                id: p.id,
                label: format!("p{}", p.id),
                status: NodeStatus::of(&p.process, world.now()),
                settings: format!("acks={acks} · linger.ms={}", p.config.linger_ms),
                waiting,
                fullest_batch_percent: fullest,
                in_flight: p.in_flight.len() as u32,
                acked: p.stats.records_acked,
                failed: p.stats.records_failed,
                highlighted: options.highlights(&format!("p{}", p.id)),
                txn: txn_badge(p),
            }
        })
        .collect()
}

/// A stable colour per group (1-based index among the cluster's group ids).
pub fn group_colour(cluster: &Cluster, group: &str) -> u32 {
    cluster
        .group_ids()
        .iter()
        .position(|g| g == group)
        .map_or(0, |i| i as u32 + 1)
}

/// `orders-3` as `o-3`: the first letter of the topic keeps chips short.
fn short_partition(tp: &crate::kafka::TopicPartition) -> String {
    let initial = tp.topic.chars().next().unwrap_or('?');
    format!("{initial}-{}", tp.partition)
}

pub(super) fn group_cards(world: &KafkaWorld, options: &StageOptions) -> Vec<GroupCard> {
    let cluster = world.model();
    let mut cards: Vec<GroupCard> = cluster
        .group_ids()
        .into_iter()
        .map(|g| group_card(world, &g, options))
        .collect();
    for c in cluster
        .consumers
        .values()
        .filter(|c| c.group_id().is_none())
    {
        let label = format!("c{}", c.id);
        cards.push(GroupCard {
            colour: 0,
            state: String::new(),
            generation: -1,
            members: vec![member_chip(world, c, options)],
            lag: 0,
            highlighted: options.highlights(&label),
            name: label,
        });
    }
    cards
}

fn member_chip(
    world: &KafkaWorld,
    c: &crate::kafka::consumer::Consumer,
    options: &StageOptions,
) -> MemberChip {
    let label = format!("c{}", c.id);
    MemberChip {
        consumer: c.id,
        status: NodeStatus::of(&c.process, world.now()),
        partitions: c.assigned().iter().map(short_partition).collect(),
        closed: c.closed,
        highlighted: options.highlights(&label),
        label,
    }
}

fn group_card(world: &KafkaWorld, group: &str, options: &StageOptions) -> GroupCard {
    let cluster = world.model();
    let coordinated = cluster.group_coordinator(group);
    let members = cluster
        .consumers
        .values()
        .filter(|c| c.group_id() == Some(group))
        .map(|c| member_chip(world, c, options))
        .collect();
    let lag = group_lag(cluster, group).unwrap_or(0);
    GroupCard {
        name: group.to_string(),
        colour: group_colour(cluster, group),
        state: coordinated.map_or_else(
            || "no coordinator".to_string(),
            |(_, g)| g.state.name().to_string(),
        ),
        generation: coordinated.map_or(-1, |(_, g)| g.generation),
        members,
        lag,
        highlighted: options.highlights(group),
    }
}
