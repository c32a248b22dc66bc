//! The cluster view: brokers as columns, each hosting replica strips of offset cells with the
//! leader, ISR membership, high watermark and log end offset marked.

use super::{key_colour, short, NodeStatus};
use crate::kafka::broker::replica::Role;
use crate::kafka::event::Event;
use crate::kafka::group::{partition_for, OFFSETS_TOPIC};
use crate::kafka::NodeId;
use crate::kafka::{BrokerId, KafkaStep, KafkaWorld, TopicPartition};
use crate::present::highlight::touched_nodes;

/// Offsets shown per strip; older ones collapse into "+N earlier".
pub const CELLS_SHOWN: usize = 8;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ClusterView {
    pub brokers: Vec<BrokerView>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BrokerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub touched: bool,
    pub replicas: Vec<ReplicaView>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplicaRole {
    Leader,
    Follower,
    Stopped,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReplicaView {
    pub partition: String,
    pub role: ReplicaRole,
    pub leader_epoch: i32,
    /// In the ISR the controller committed.
    pub in_isr: bool,
    /// The partition has fewer in-sync replicas than replicas.
    pub under_replicated: bool,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
    pub high_watermark: i64,
    pub segments: u32,
    /// Offsets before the first shown cell.
    pub hidden_before: i64,
    pub cells: Vec<CellView>,
    pub touched: bool,
    /// On the leader's strip: where consumers stand (positions) and what groups committed.
    pub markers: Vec<MarkerView>,
    /// The group coordinator lives here (a `__consumer_offsets` partition).
    pub coordinates: Vec<String>,
}

/// A consumer position or a group's committed offset on a partition strip.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MarkerView {
    pub label: String,
    pub offset: i64,
    /// A committed offset (else a consumer's position).
    pub committed: bool,
    /// The consumer's colour (members are coloured the same everywhere).
    pub colour: u32,
    pub title: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CellView {
    pub offset: i64,
    pub key: Option<String>,
    pub value: String,
    pub title: String,
    /// 0 (no key) or 1..=7: a colour per key.
    pub colour: u8,
    pub committed: bool,
    /// Appended by the last step.
    pub fresh: bool,
    /// The first record of a segment (a segment boundary is drawn before it).
    pub segment_start: bool,
    /// A tombstone (null value): compaction removes it after `delete.retention.ms`.
    pub tombstone: bool,
}

pub fn cluster_view(world: &KafkaWorld, last: Option<&KafkaStep>) -> ClusterView {
    let cluster = world.model();
    let touched = last.map(touched_nodes).unwrap_or_default();
    // Of __consumer_offsets, only the partitions that coordinate a group are worth a strip.
    let coordinator_partitions: std::collections::BTreeMap<TopicPartition, Vec<String>> = {
        let mut m: std::collections::BTreeMap<TopicPartition, Vec<String>> = Default::default();
        for g in cluster.group_ids() {
            let count = cluster
                .brokers
                .values()
                .find_map(|b| b.metadata.partition_count(OFFSETS_TOPIC));
            if let Some(count) = count {
                m.entry(TopicPartition::new(OFFSETS_TOPIC, partition_for(&g, count)))
                    .or_default()
                    .push(g);
            }
        }
        m
    };
    let brokers = cluster
        .brokers
        .values()
        .map(|b| BrokerView {
            id: b.id.0,
            label: b.id.to_string(),
            status: NodeStatus::of(&b.process, world.now()),
            touched: touched.contains(&NodeId::Broker(b.id)),
            replicas: b
                .replicas
                .iter()
                .filter(|(tp, _)| {
                    !tp.topic.starts_with("__") || coordinator_partitions.contains_key(tp)
                })
                .map(|(tp, _)| {
                    let mut v = replica_view(world, b.id, tp, last);
                    v.coordinates = coordinator_partitions.get(tp).cloned().unwrap_or_default();
                    v
                })
                .collect(),
        })
        .collect();
    ClusterView { brokers }
}

fn fresh_range(
    last: Option<&KafkaStep>,
    broker: BrokerId,
    tp: &TopicPartition,
) -> Option<(i64, i64)> {
    last?.events.iter().find_map(|e| match e {
        Event::BatchAppended {
            broker: b,
            partition,
            base_offset,
            last_offset,
            ..
        } if *b == broker && partition == tp => Some((*base_offset, *last_offset + 1)),
        Event::FollowerAppended {
            broker: b,
            partition,
            from_offset,
            to_offset,
        } if *b == broker && partition == tp => Some((*from_offset, *to_offset)),
        _ => None,
    })
}

fn replica_view(
    world: &KafkaWorld,
    broker: BrokerId,
    tp: &TopicPartition,
    last: Option<&KafkaStep>,
) -> ReplicaView {
    let b = &world.model().brokers[&broker];
    let replica = &b.replicas[tp];
    // Leader and ISR as the controller committed them: the cluster's truth, which a broker may
    // not have heard yet.
    let registration = super::truth(world)
        .and_then(|m| m.partition(tp))
        .or_else(|| b.metadata.partition(tp));
    let role = match replica.role {
        Role::Leader(_) => ReplicaRole::Leader,
        Role::Follower { .. } => ReplicaRole::Follower,
        Role::Stopped => ReplicaRole::Stopped,
    };
    let in_isr = registration.is_some_and(|r| r.isr.contains(&broker));
    let fresh = fresh_range(last, broker, tp);
    let mut cells: Vec<CellView> = Vec::new();
    // The first offset present in each segment but the first (compaction can leave a segment's
    // base offset empty).
    let segment_starts: Vec<i64> = replica
        .log
        .segments()
        .iter()
        .skip(1)
        .filter_map(|s| {
            s.batches
                .iter()
                .flat_map(|b| b.offsets_and_records())
                .map(|(o, _)| o)
                .next()
        })
        .collect();
    for batch in replica.log.batches().collect::<Vec<_>>().into_iter().rev() {
        for (offset, record) in batch
            .offsets_and_records()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if cells.len() == CELLS_SHOWN {
                break;
            }
            if offset < replica.log.log_start_offset() {
                continue;
            }
            let key = record.key.as_ref().map(|k| k.to_string());
            let value = record.value_text();
            cells.push(CellView {
                offset,
                colour: key_colour(record.key.as_ref().map(|k| k.bytes()).as_deref()),
                title: format!(
                    "offset {offset} · key {} · value {} · leader epoch {} · {}",
                    key.as_deref().unwrap_or("null"),
                    value,
                    batch.partition_leader_epoch,
                    record.id
                ),
                key: key.map(|k| short(&offsets_key_text(tp, &k), 8)),
                value: short(&offsets_value_text(tp, &value), 8),
                committed: offset < replica.high_watermark,
                segment_start: segment_starts.contains(&offset),
                tombstone: record.value.is_none(),
                fresh: fresh.is_some_and(|(from, to)| offset >= from && offset < to),
            });
        }
        if cells.len() == CELLS_SHOWN {
            break;
        }
    }
    cells.reverse();
    let first_shown = cells.first().map_or(replica.log_end_offset(), |c| c.offset);
    ReplicaView {
        partition: tp.to_string(),
        role,
        leader_epoch: replica
            .leader_epoch
            .max(registration.map_or(0, |r| r.leader_epoch)),
        in_isr,
        under_replicated: registration.is_some_and(|r| r.is_under_replicated()),
        log_start_offset: replica.log.log_start_offset(),
        log_end_offset: replica.log_end_offset(),
        high_watermark: replica.high_watermark,
        segments: replica.log.segments().len() as u32,
        hidden_before: first_shown - replica.log.log_start_offset(),
        cells,
        touched: fresh.is_some(),
        markers: if role == ReplicaRole::Leader {
            markers(world, tp)
        } else {
            Vec::new()
        },
        coordinates: Vec::new(),
    }
}

/// Consumer positions and committed offsets of `tp`, for its leader's strip.
fn markers(world: &KafkaWorld, tp: &TopicPartition) -> Vec<MarkerView> {
    let cluster = world.model();
    let mut out = Vec::new();
    for c in cluster.consumers.values() {
        if c.closed || !c.process.is_running() {
            continue;
        }
        if let Some(position) = c.positions.get(tp).and_then(|s| s.position) {
            out.push(MarkerView {
                label: format!("c{}", c.id),
                offset: position,
                committed: false,
                colour: c.id,
                title: format!(
                    "c{} position {position}: the next offset its poll() returns",
                    c.id
                ),
            });
        }
    }
    for g in cluster.group_ids() {
        if let Some(offset) = cluster.committed_offset(&g, tp) {
            out.push(MarkerView {
                label: g.clone(),
                offset,
                committed: true,
                colour: 0,
                title: format!(
                    "group {g} committed {offset}: a new owner of {tp} starts reading here"
                ),
            });
        }
    }
    out
}

/// A `__consumer_offsets` key as a student reads it: `offset:g:orders-0` shows `orders-0`,
/// `group:g` shows `g`.
fn offsets_key_text(tp: &TopicPartition, key: &str) -> String {
    if tp.topic != OFFSETS_TOPIC {
        return key.to_string();
    }
    match key.split_once(':') {
        Some(("offset", rest)) => rest.rsplit_once(':').map_or(rest, |(_, p)| p).to_string(),
        Some(("group", g)) => g.to_string(),
        _ => key.to_string(),
    }
}

/// A `__consumer_offsets` value: a committed offset shows `@12`, group metadata `gen 3`.
fn offsets_value_text(tp: &TopicPartition, value: &str) -> String {
    if tp.topic != OFFSETS_TOPIC {
        return value.to_string();
    }
    if let Some(generation) = value
        .split("\"generation\":")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
    {
        return format!("gen {generation}");
    }
    match value.split(',').next() {
        Some(offset) if offset.parse::<i64>().is_ok() => format!("@{offset}"),
        _ => value.to_string(),
    }
}
