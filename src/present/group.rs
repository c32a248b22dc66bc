//! Consumer groups as people look at them: the group panel (state, generation, leader,
//! protocol, members with their partitions), the table `kafka-consumer-groups.sh --describe`
//! prints, and each member's rebalance timeline with the time it could not consume.

use crate::kafka::{Cluster, KafkaWorld, NodeId, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

/// One member in the group panel.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberView {
    pub consumer: u32,
    pub label: String,
    pub member_id: String,
    pub client_id: String,
    pub instance_id: Option<String>,
    pub is_leader: bool,
    /// The partitions the coordinator assigned in this generation.
    pub partitions: Vec<String>,
    /// Index into the panel's palette, stable per consumer.
    pub colour: u32,
}

/// One row of `kafka-consumer-groups.sh --describe --group G`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DescribeRow {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    pub current_offset: String,
    pub log_end_offset: String,
    pub lag: String,
    pub consumer_id: String,
    pub host: String,
    pub client_id: String,
    /// Which consumer owns it (for colour), if any.
    pub owner: Option<u32>,
}

/// One rebalance as a member lived it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PhaseView {
    pub started_ms: u64,
    /// `None` while the rebalance is still going.
    pub assigned_ms: Option<u64>,
    pub generation: i32,
    pub reason: String,
    /// What the member could do meanwhile.
    pub kind: PhaseKind,
    pub revoked: Vec<String>,
    pub assigned: Vec<String>,
    pub kept: u32,
}

/// How a member lived one rebalance.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PhaseKind {
    /// It had revoked everything and consumed nothing until the assignment (eager).
    Stopped,
    /// It kept consuming the partitions it kept (cooperative).
    KeptConsuming,
    /// It owned nothing before (a new member, or one that lost its partitions).
    Joining,
}

impl PhaseKind {
    pub fn css(self) -> &'static str {
        match self {
            PhaseKind::Stopped => "stop",
            PhaseKind::KeptConsuming => "keep",
            PhaseKind::Joining => "join",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TimelineView {
    pub consumer: u32,
    pub label: String,
    pub phases: Vec<PhaseView>,
    pub paused_ms: u64,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GroupView {
    pub group: String,
    /// `None`: no broker coordinates it right now.
    pub coordinator: Option<String>,
    pub state: String,
    pub generation: i32,
    pub protocol_type: String,
    /// The assignor the group chose by vote.
    pub protocol: String,
    pub leader: Option<String>,
    pub members: Vec<MemberView>,
    pub rows: Vec<DescribeRow>,
    pub total_lag: i64,
    pub timelines: Vec<TimelineView>,
    pub now_ms: u64,
}

/// The host column Kafka prints for a client (`/10.0.1.3` for `c3`, deterministic).
pub fn host_of(consumer: u32) -> String {
    format!("/10.0.1.{consumer}")
}

pub fn group_views(world: &KafkaWorld) -> Vec<GroupView> {
    let cluster = world.model();
    cluster
        .group_ids()
        .into_iter()
        .map(|g| group_view(world, &g))
        .collect()
}

fn consumer_of_member(cluster: &Cluster, member_id: &str) -> Option<u32> {
    cluster
        .consumers
        .values()
        .find(|c| c.group.as_ref().is_some_and(|g| g.member_id == member_id))
        .map(|c| c.id)
}

fn high_watermark(cluster: &Cluster, tp: &TopicPartition) -> Option<i64> {
    crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
        .map(|b| b.replicas[tp].high_watermark)
}

pub fn group_view(world: &KafkaWorld, group_id: &str) -> GroupView {
    let cluster = world.model();
    let now = world.now();
    let coordinated = cluster.group_coordinator(group_id);
    let mut members = Vec::new();
    let mut owner_of: BTreeMap<TopicPartition, (u32, String, String)> = BTreeMap::new();
    if let Some((_, g)) = coordinated {
        for m in g.members.values() {
            let consumer = match m.client {
                NodeId::Consumer(c) => c,
                _ => consumer_of_member(cluster, &m.member_id).unwrap_or(0),
            };
            for tp in &m.assignment {
                owner_of.insert(
                    *tp,
                    (consumer, m.member_id.to_string(), m.client_id.to_string()),
                );
            }
            members.push(MemberView {
                consumer,
                label: format!("c{consumer}"),
                member_id: m.member_id.to_string(),
                client_id: m.client_id.to_string(),
                instance_id: m.group_instance_id.as_ref().map(|i| i.to_string()),
                is_leader: g.leader.as_deref() == Some(&*m.member_id),
                partitions: m.assignment.iter().map(|tp| tp.to_string()).collect(),
                colour: consumer,
            });
        }
    }
    crate::sim::sort::sort_by_key(&mut members, |m| m.consumer);
    // Standalone (assign) consumers that commit to the group show up in the table too.
    let mut partitions: BTreeSet<TopicPartition> = owner_of.keys().cloned().collect();
    if let Some((_, g)) = coordinated {
        partitions.extend(g.offsets.keys().cloned());
    }
    let mut total_lag = 0;
    let rows = partitions
        .into_iter()
        .map(|tp| {
            let committed = coordinated.and_then(|(_, g)| g.offsets.get(&tp).map(|o| o.offset));
            let end = high_watermark(cluster, &tp);
            let lag = match (committed, end) {
                (Some(c), Some(e)) => Some((e - c).max(0)),
                (None, Some(e)) => Some(e),
                _ => None,
            };
            total_lag += lag.unwrap_or(0);
            let owner = owner_of.get(&tp);
            DescribeRow {
                group: group_id.to_string(),
                topic: tp.topic.to_string(),
                partition: tp.partition,
                current_offset: committed.map_or("-".into(), |c| c.to_string()),
                log_end_offset: end.map_or("-".into(), |e| e.to_string()),
                lag: lag.map_or("-".into(), |l| l.to_string()),
                consumer_id: owner.map_or("-".into(), |(_, m, _)| m.clone()),
                host: owner.map_or("-".into(), |(c, _, _)| host_of(*c)),
                client_id: owner.map_or("-".into(), |(_, _, c)| c.clone()),
                owner: owner.map(|(c, _, _)| *c),
            }
        })
        .collect();
    let timelines = cluster
        .consumers
        .values()
        .filter(|c| c.group_id() == Some(group_id) && c.is_subscribed())
        .map(|c| TimelineView {
            consumer: c.id,
            label: format!("c{}", c.id),
            phases: c
                .group
                .as_ref()
                .map(|g| {
                    g.history
                        .iter()
                        .map(|p| PhaseView {
                            started_ms: p.started_at.as_ms(),
                            assigned_ms: p.assigned_at.map(|t| t.as_ms()),
                            generation: p.generation,
                            reason: p.reason.to_string(),
                            kind: if p.kept > 0 {
                                PhaseKind::KeptConsuming
                            } else if p.revoked.is_empty() {
                                PhaseKind::Joining
                            } else {
                                PhaseKind::Stopped
                            },
                            revoked: p.revoked.iter().map(|t| t.to_string()).collect(),
                            assigned: p.assigned.iter().map(|t| t.to_string()).collect(),
                            kept: p.kept,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            paused_ms: c.rebalance_pause_ms(now),
        })
        .collect();
    let (state, generation, protocol, leader, coordinator) = match coordinated {
        Some((b, g)) => (
            g.state.name().to_string(),
            g.generation,
            g.protocol_name.clone().unwrap_or_else(|| "-".into()),
            g.leader.as_ref().and_then(|l| {
                g.members.get(l).map(|m| match m.client {
                    NodeId::Consumer(c) => format!("c{c}"),
                    other => other.to_string(),
                })
            }),
            Some(b.to_string()),
        ),
        None => (
            "Unknown (no coordinator)".into(),
            -1,
            "-".into(),
            None,
            None,
        ),
    };
    GroupView {
        group: group_id.to_string(),
        coordinator,
        state,
        generation,
        protocol_type: "consumer".into(),
        protocol,
        leader,
        members,
        rows,
        total_lag,
        timelines,
        now_ms: now.as_ms(),
    }
}

/// The describe table as plain text, columns as `kafka-consumer-groups.sh` prints them.
/// The columns of `kafka-consumer-groups.sh --describe` (Kafka: ConsumerGroupCommand's
/// printOffsets).
pub const DESCRIBE_COLUMNS: [&str; 9] = [
    "GROUP",
    "TOPIC",
    "PARTITION",
    "CURRENT-OFFSET",
    "LOG-END-OFFSET",
    "LAG",
    "CONSUMER-ID",
    "HOST",
    "CLIENT-ID",
];

pub fn describe_text(view: &GroupView) -> String {
    let header = DESCRIBE_COLUMNS;
    let mut lines = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for r in &view.rows {
        lines.push(vec![
            r.group.clone(),
            r.topic.clone(),
            r.partition.to_string(),
            r.current_offset.clone(),
            r.log_end_offset.clone(),
            r.lag.clone(),
            r.consumer_id.clone(),
            r.host.clone(),
            r.client_id.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| lines.iter().map(|l| l[i].len()).max().unwrap_or(0))
        .collect();
    lines
        .iter()
        .map(|l| {
            l.iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join(" ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
