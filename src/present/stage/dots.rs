//! Messages on the wire as dots travelling across the stage, coloured by kind: a Produce goes
//! from its producer to the leader's replica of the partition it writes, a follower's Fetch from
//! its replica to the leader's, a consumer's Fetch from the consumer to the leader, group and
//! controller requests between the nodes. Each dot names the element it starts and ends at (a
//! replica cell, falling back to the node), so the UI only has to look up where they are.

use crate::kafka::{KafkaWorld, Message, NodeId, TopicPartition};
use crate::sim::SimTime;

/// At most this many dots are drawn.
pub const MAX_DOTS: usize = 160;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DotKind {
    Produce,
    Replicate,
    Consume,
    Group,
    Controller,
    Metadata,
    /// A TCP reset from a host whose process died.
    Reset,
}

impl DotKind {
    /// The legend's name.
    pub fn name(self) -> &'static str {
        match self {
            DotKind::Produce => "produce",
            DotKind::Replicate => "replication",
            DotKind::Consume => "consume",
            DotKind::Group => "group",
            DotKind::Controller => "controller",
            DotKind::Metadata => "metadata",
            DotKind::Reset => "reset",
        }
    }
    pub const ALL: [DotKind; 7] = [
        DotKind::Produce,
        DotKind::Replicate,
        DotKind::Consume,
        DotKind::Group,
        DotKind::Controller,
        DotKind::Metadata,
        DotKind::Reset,
    ];
    pub const LEGEND: [DotKind; 5] = [
        DotKind::Produce,
        DotKind::Replicate,
        DotKind::Consume,
        DotKind::Group,
        DotKind::Controller,
    ];
}

/// A message in flight.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Dot {
    /// Element ids: the precise one (a replica cell) first, the node after.
    pub from: [String; 2],
    pub to: [String; 2],
    pub kind: DotKind,
    /// How far along, in thousandths.
    pub progress: u32,
    /// A response travels the same path back; drawn slightly apart from requests.
    pub response: bool,
    pub api: &'static str,
}

/// A cut link between two nodes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LinkCut {
    pub from: String,
    pub to: String,
    /// Only `from -> to` is cut.
    pub one_way: bool,
}

/// The element id of a node on the stage.
pub fn node_anchor(node: NodeId) -> String {
    format!("n-{node}")
}

/// The element id of one replica on the stage.
pub fn replica_anchor(tp: &TopicPartition, broker: NodeId) -> String {
    format!("r-{tp}-{broker}")
}

pub(crate) fn kind_of(msg: &Message, from: NodeId, to: NodeId) -> DotKind {
    let controller = matches!(from, NodeId::Controller(_)) || matches!(to, NodeId::Controller(_));
    match msg {
        Message::Produce(_) | Message::ProduceResponse(_) => DotKind::Produce,
        Message::Fetch(_) | Message::FetchResponse(_) if from.is_client() || to.is_client() => {
            DotKind::Consume
        }
        Message::Fetch(_) | Message::FetchResponse(_) => DotKind::Replicate,
        Message::ListOffsets { .. }
        | Message::ListOffsetsResponse { .. }
        | Message::OffsetForLeaderEpoch { .. }
        | Message::OffsetForLeaderEpochResponse { .. } => DotKind::Consume,
        Message::ConnectionReset => DotKind::Reset,
        Message::Metadata { .. } | Message::MetadataResponse { .. } => DotKind::Metadata,
        _ if controller => DotKind::Controller,
        Message::FindCoordinator { .. }
        | Message::FindCoordinatorResponse { .. }
        | Message::JoinGroup { .. }
        | Message::JoinGroupResponse { .. }
        | Message::SyncGroup { .. }
        | Message::SyncGroupResponse { .. }
        | Message::Heartbeat { .. }
        | Message::HeartbeatResponse { .. }
        | Message::LeaveGroup { .. }
        | Message::LeaveGroupResponse { .. }
        | Message::OffsetCommit { .. }
        | Message::OffsetCommitResponse { .. }
        | Message::OffsetFetch { .. }
        | Message::OffsetFetchResponse { .. } => DotKind::Group,
        _ => DotKind::Controller,
    }
}

/// The partition a message is about, to anchor its dot on a replica.
/// Lesson topics first: internal ones are mostly folded away on the stage.
fn visible_first<'a>(
    mut partitions: impl Iterator<Item = &'a TopicPartition> + Clone,
) -> Option<&'a TopicPartition> {
    partitions
        .clone()
        .find(|tp| !tp.topic.starts_with("__"))
        .or_else(|| partitions.next())
}

fn partition_of(msg: &Message) -> Option<&TopicPartition> {
    match msg {
        Message::Produce(p) => visible_first(p.partitions.iter().map(|(tp, _)| tp)),
        Message::ProduceResponse(r) => visible_first(r.partitions.iter().map(|p| &p.partition)),
        Message::Fetch(f) => visible_first(f.partitions.iter().map(|p| &p.partition)),
        Message::FetchResponse(r) => r
            .partitions
            .iter()
            .find(|p| !p.records.is_empty())
            .map(|p| &p.partition)
            .or_else(|| visible_first(r.partitions.iter().map(|p| &p.partition))),
        _ => None,
    }
}

/// Where a message leaves or lands: a broker's end on the replica of the partition it is
/// about; a client's or controller's end at the node.
fn anchors(node: NodeId, tp: Option<&TopicPartition>) -> [String; 2] {
    let precise = match (node, tp) {
        (NodeId::Broker(_), Some(tp)) => replica_anchor(tp, node),
        _ => node_anchor(node),
    };
    [precise, node_anchor(node)]
}

pub fn dots(world: &KafkaWorld) -> Vec<Dot> {
    let now = world.now();
    world
        .in_flight()
        .take(MAX_DOTS)
        .map(|m| {
            let tp = partition_of(m.msg);
            Dot {
                from: anchors(*m.from, tp),
                to: anchors(*m.to, tp),
                kind: kind_of(m.msg, *m.from, *m.to),
                progress: progress(now, m.sent_at, m.arrives_at),
                response: !m.msg.is_request(),
                api: m.msg.api_name(),
            }
        })
        .collect()
}

fn progress(now: SimTime, sent: SimTime, arrives: SimTime) -> u32 {
    if now <= sent {
        return 0;
    }
    let total = arrives.as_micros().saturating_sub(sent.as_micros()).max(1);
    let done = now.as_micros().saturating_sub(sent.as_micros());
    (done * 1000 / total).min(1000) as u32
}

/// Every cut link between nodes on the stage. A broker cut off from every other node already
/// wears an "isolated" badge, so its links are not drawn: a dozen red lines would hide the
/// partitions behind them.
pub fn cuts(world: &KafkaWorld) -> Vec<LinkCut> {
    let network = world.network();
    let nodes = world.model().nodes();
    let isolated = |me: &NodeId| {
        matches!(me, NodeId::Broker(_))
            && nodes.len() > 1
            && nodes
                .iter()
                .filter(|n| *n != me)
                .all(|n| network.is_blocked(me, n) && network.is_blocked(n, me))
    };
    network
        .blocked_links()
        .filter(|(a, b)| a < b || !network.is_blocked(b, a))
        .filter(|(a, b)| !isolated(a) && !isolated(b))
        .map(|(a, b)| LinkCut {
            from: node_anchor(*a),
            to: node_anchor(*b),
            one_way: !network.is_blocked(b, a),
        })
        .collect()
}

/// A message the network dropped in the last few steps, drawn as a cross where it vanished.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DropMark {
    pub from: [String; 2],
    pub to: [String; 2],
    pub api: &'static str,
}

/// How many of the newest steps' drops stay on screen.
const RECENT_DROP_STEPS: usize = 40;

/// Messages dropped (cut links, lost on the way, a machine off) in the newest steps.
pub fn drops(
    steps: &std::collections::VecDeque<std::rc::Rc<crate::kafka::KafkaStep>>,
) -> Vec<DropMark> {
    use crate::sim::Cause;
    let mut out = Vec::new();
    for step in steps.iter().rev().take(RECENT_DROP_STEPS) {
        if let Cause::Drop { from, to, msg, .. } = &step.cause {
            let tp = partition_of(msg);
            out.push(DropMark {
                from: anchors(*from, tp),
                to: anchors(*to, tp),
                api: msg.api_name(),
            });
        }
        for (from, to, msg, _) in &step.dropped {
            let tp = partition_of(msg);
            out.push(DropMark {
                from: anchors(*from, tp),
                to: anchors(*to, tp),
                api: msg.api_name(),
            });
        }
    }
    out.truncate(MAX_DOTS);
    out
}
