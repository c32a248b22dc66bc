//! The network diagram: every node placed on a small map (controllers on top, brokers in the
//! middle, producers bottom left, consumers bottom right), the messages on the wire as dots
//! along their path, what the last step dropped as crosses, and cut or held links.

use super::NodeStatus;
use crate::kafka::{KafkaStep, KafkaWorld, Message, NodeId};
use crate::sim::{Cause, DropReason};
use std::collections::BTreeMap;

pub const WIDTH: i32 = 1000;
pub const HEIGHT: i32 = 230;
/// At most this many messages are drawn (the DOM stays small at high rates).
const MAX_DOTS: usize = 80;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NetNode {
    pub label: String,
    pub x: i32,
    pub y: i32,
    pub kind: &'static str,
    pub status: NodeStatus,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NetMessage {
    pub x: i32,
    pub y: i32,
    pub from: (i32, i32),
    pub to: (i32, i32),
    pub api: String,
    pub class: &'static str,
    pub title: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NetDrop {
    pub x: i32,
    pub y: i32,
    pub title: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NetLink {
    pub from: (i32, i32),
    pub to: (i32, i32),
    /// "cut" (partitioned) or "held".
    pub class: &'static str,
    pub title: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NetworkView {
    pub nodes: Vec<NetNode>,
    pub messages: Vec<NetMessage>,
    pub hidden_messages: u32,
    pub drops: Vec<NetDrop>,
    pub links: Vec<NetLink>,
}

fn spread(count: usize, from: i32, to: i32) -> Vec<i32> {
    match count {
        0 => vec![],
        1 => vec![(from + to) / 2],
        n => (0..n)
            .map(|i| from + (to - from) * i as i32 / (n as i32 - 1))
            .collect(),
    }
}

fn positions(world: &KafkaWorld) -> BTreeMap<NodeId, (i32, i32)> {
    let cluster = world.model();
    let mut at = BTreeMap::new();
    let controllers: Vec<NodeId> = cluster
        .controllers
        .keys()
        .map(|c| NodeId::Controller(*c))
        .collect();
    for (n, x) in controllers.iter().zip(spread(controllers.len(), 380, 620)) {
        at.insert(*n, (x, 34));
    }
    let brokers: Vec<NodeId> = cluster.brokers.keys().map(|b| NodeId::Broker(*b)).collect();
    for (n, x) in brokers.iter().zip(spread(brokers.len(), 200, 800)) {
        at.insert(*n, (x, 118));
    }
    let producers: Vec<NodeId> = cluster
        .producers
        .keys()
        .map(|p| NodeId::Producer(*p))
        .collect();
    for (i, n) in producers.iter().enumerate() {
        at.insert(*n, (70 + 80 * i as i32, 196));
    }
    let consumers: Vec<NodeId> = cluster
        .consumers
        .keys()
        .map(|c| NodeId::Consumer(*c))
        .collect();
    for (i, n) in consumers.iter().enumerate() {
        at.insert(*n, (930 - 80 * i as i32, 196));
    }
    at
}

fn class_of(msg: &Message, from: NodeId, to: NodeId) -> &'static str {
    match msg {
        Message::Produce(_) | Message::ProduceResponse(_) => "produce",
        Message::Fetch(_) | Message::FetchResponse(_) if from.is_client() || to.is_client() => {
            "consume"
        }
        Message::Fetch(_) | Message::FetchResponse(_) => "replicate",
        Message::ConnectionReset => "reset",
        _ if matches!(from, NodeId::Controller(_)) || matches!(to, NodeId::Controller(_)) => {
            "control"
        }
        _ => "other",
    }
}

/// Shift a path sideways so a request and its response do not overlap.
fn lane((x1, y1): (i32, i32), (x2, y2): (i32, i32), forward: bool) -> ((i32, i32), (i32, i32)) {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = ((dx * dx + dy * dy) as u32).isqrt().max(1) as i32;
    let sign = if forward { 1 } else { -1 };
    let (ox, oy) = (-dy * 5 * sign / len, dx * 5 * sign / len);
    ((x1 + ox, y1 + oy), (x2 + ox, y2 + oy))
}

pub fn network_view(world: &KafkaWorld, last: Option<&KafkaStep>) -> NetworkView {
    let at = positions(world);
    let cluster = world.model();
    let now = world.now().as_micros();
    let nodes = at
        .iter()
        .map(|(n, (x, y))| NetNode {
            label: n.to_string(),
            x: *x,
            y: *y,
            kind: match n {
                NodeId::Controller(_) => "controller",
                NodeId::Broker(_) => "broker",
                NodeId::Producer(_) => "producer",
                NodeId::Consumer(_) => "consumer",
            },
            status: cluster
                .process(*n)
                .map_or(NodeStatus::Up, |p| NodeStatus::of(p, world.now())),
        })
        .collect();
    let mut messages = Vec::new();
    let mut hidden = 0;
    for m in world.in_flight() {
        let (Some(a), Some(b)) = (at.get(m.from), at.get(m.to)) else {
            continue;
        };
        if messages.len() >= MAX_DOTS {
            hidden += 1;
            continue;
        }
        let (from, to) = lane(*a, *b, m.from < m.to);
        let span = m
            .arrives_at
            .as_micros()
            .saturating_sub(m.sent_at.as_micros())
            .max(1);
        let progress = (now.saturating_sub(m.sent_at.as_micros()).min(span) * 1000 / span) as i32;
        messages.push(NetMessage {
            x: from.0 + (to.0 - from.0) * progress / 1000,
            y: from.1 + (to.1 - from.1) * progress / 1000,
            from,
            to,
            api: m.msg.api_name().to_string(),
            class: class_of(m.msg, *m.from, *m.to),
            title: format!(
                "{}->{} {}",
                m.from,
                m.to,
                crate::present::narrate::message_text(m.msg)
            ),
        });
    }
    let mut drops = Vec::new();
    if let Some(step) = last {
        let mut add = |from: &NodeId, to: &NodeId, msg: &Message, reason: DropReason| {
            if let (Some(a), Some(b)) = (at.get(from), at.get(to)) {
                drops.push(NetDrop {
                    x: a.0 + (b.0 - a.0) * 6 / 10,
                    y: a.1 + (b.1 - a.1) * 6 / 10,
                    title: format!(
                        "{from}->{to} {} dropped: {}",
                        msg.api_name(),
                        crate::present::narrate::drop_reason(reason)
                    ),
                });
            }
        };
        for (from, to, msg, reason) in &step.dropped {
            add(from, to, msg, *reason);
        }
        if let Cause::Drop {
            from,
            to,
            msg,
            reason,
        } = &step.cause
        {
            add(from, to, msg, *reason);
        }
    }
    let mut links = Vec::new();
    for (from, to) in world.network().blocked_links() {
        if from > to && world.network().is_blocked(to, from) {
            continue;
        }
        if let (Some(a), Some(b)) = (at.get(from), at.get(to)) {
            let both = world.network().is_blocked(to, from);
            let waiting: usize = world
                .held_messages()
                .filter(|(link, _)| **link == (*from, *to) || (both && **link == (*to, *from)))
                .map(|(_, held)| held.len())
                .sum();
            let mut title = if both {
                format!("{from} and {to} cannot reach each other")
            } else {
                format!("{from} cannot reach {to} (one way)")
            };
            if waiting > 0 {
                title.push_str(&format!(
                    "; {waiting} message(s) wait to be resent when it heals"
                ));
            }
            links.push(NetLink {
                from: *a,
                to: *b,
                class: if both { "cut" } else { "cut oneway" },
                title,
            });
        }
    }
    for ((from, to), held) in world.held_messages() {
        if !world.network().is_held(from, to) {
            // Waiting on a cut link: the cut line already shows it; TCP resends on heal.
            continue;
        }
        if let (Some(a), Some(b)) = (at.get(from), at.get(to)) {
            links.push(NetLink {
                from: *a,
                to: *b,
                class: "held",
                title: format!("{from}->{to} held: {} message(s) waiting", held.len()),
            });
        }
    }
    NetworkView {
        nodes,
        messages,
        hidden_messages: hidden,
        drops,
        links,
    }
}
