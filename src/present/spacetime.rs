//! The space-time diagram: a lane per node (controllers, brokers, producers, consumers), an
//! arrow per message from the moment it was sent to the moment it arrived, coloured by API, and
//! marks where a process stopped, started or paused, or a message was dropped. It covers a window
//! of simulated time ending at the step on screen (messages still on the wire run on to their
//! arrival, dashed). Filters keep it readable at classroom scale: one node, one partition, one
//! kind of API. The geometry is computed here in the SVG's own units, so the UI only draws.

use super::stage::DotKind;
use super::view::time_text;
use crate::kafka::event::{Event, NetworkChange, ProcessFault};
use crate::kafka::{KafkaStep, KafkaWorld, Message, NodeId, TopicPartition};
use crate::sim::{Cause, SimTime};

/// Width of the drawing, in SVG units (the panel scales it).
pub const WIDTH: u32 = 480;
/// Left margin for the lane labels.
pub const LEFT: u32 = 44;
/// Top margin for the time axis.
pub const TOP: u32 = 20;
/// Height of one lane with few nodes; many nodes share `LANES_HEIGHT` down to `MIN_LANE`.
pub const LANE: u32 = 24;
const MIN_LANE: u32 = 18;
const LANES_HEIGHT: u32 = 360;

/// The height of one lane for `lanes` lanes: the diagram stays about one panel high.
pub fn lane_height(lanes: usize) -> u32 {
    (LANES_HEIGHT / lanes.max(1) as u32).clamp(MIN_LANE, LANE)
}
/// Most arrows drawn (the newest); the rest are counted.
pub const MAX_ARROWS: usize = 400;
/// The longest window shown, in microseconds.
const MAX_SPAN_US: u64 = 4_000_000;

/// What to show.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Filter {
    pub node: Option<NodeId>,
    pub partition: Option<TopicPartition>,
    pub kind: Option<DotKind>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Lane {
    pub node: NodeId,
    pub label: String,
    /// The lane's centre line.
    pub y: u32,
    pub down: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Arrow {
    pub kind: DotKind,
    pub x1: u32,
    pub y1: u32,
    pub x2: u32,
    pub y2: u32,
    /// The step that delivered it (`None`: still on the wire).
    pub step: Option<u64>,
    pub response: bool,
    /// What hovering says: the API, the nodes, the partitions, the times.
    pub label: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FaultMark {
    pub x: u32,
    pub y: u32,
    pub step: u64,
    pub label: String,
    /// A message that vanished (a cut link, a powered-off host) rather than a process fault.
    pub dropped: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SpaceTime {
    pub lanes: Vec<Lane>,
    pub arrows: Vec<Arrow>,
    pub marks: Vec<FaultMark>,
    /// Time axis ticks: x and the time they stand for.
    pub ticks: Vec<(u32, String)>,
    /// x of the step on screen.
    pub now_x: u32,
    pub height: u32,
    /// Arrows in the window the cap left out.
    pub hidden: u32,
    /// The window, in words.
    pub window: String,
}

/// The diagram for `steps` (oldest first, ending at the step on screen) and the messages still
/// on the wire in `world`.
pub fn space_time<'a>(
    steps: impl Iterator<Item = &'a KafkaStep> + Clone,
    world: &KafkaWorld,
    filter: &Filter,
) -> SpaceTime {
    let nodes = world.model().nodes();
    let now = world.now().as_micros();
    let first = steps
        .clone()
        .map(|s| s.time.as_micros())
        .next()
        .unwrap_or(now);
    let from = first.max(now.saturating_sub(MAX_SPAN_US));
    let in_flight_end = world
        .in_flight()
        .map(|m| m.arrives_at.as_micros())
        .max()
        .unwrap_or(now);
    let to = in_flight_end
        .min(now + (now - from) / 4)
        .max(now)
        .max(from + 1000);
    let scale = Scale { from, to };
    let lane = lane_height(nodes.len());
    let lane_y = |n: NodeId| {
        nodes
            .iter()
            .position(|x| *x == n)
            .map(|i| TOP + lane / 2 + i as u32 * lane)
    };
    let mut arrows = Vec::new();
    let mut marks = Vec::new();
    for step in steps.filter(|s| s.time.as_micros() >= from) {
        collect_step(step, filter, &scale, &lane_y, &mut arrows, &mut marks);
    }
    for m in world.in_flight() {
        if !shows(filter, m.msg, *m.from, *m.to) || m.sent_at.as_micros() < from {
            continue;
        }
        if let (Some(y1), Some(y2)) = (lane_y(*m.from), lane_y(*m.to)) {
            let times = (m.sent_at, m.arrives_at);
            let ends = (*m.from, *m.to);
            arrows.push(arrow(m.msg, ends, times, None, (y1, y2), &scale, filter));
        }
    }
    let hidden = arrows.len().saturating_sub(MAX_ARROWS) as u32;
    arrows.drain(..hidden as usize);
    SpaceTime {
        lanes: lanes(world, &nodes),
        arrows,
        marks,
        ticks: scale.ticks(),
        now_x: scale.x(now),
        height: TOP + nodes.len() as u32 * lane + 4,
        hidden,
        window: format!(
            "{} to {}",
            time_text(SimTime::from_micros(from)),
            time_text(SimTime::from_micros(now))
        ),
    }
}

fn lanes(world: &KafkaWorld, nodes: &[NodeId]) -> Vec<Lane> {
    let cluster = world.model();
    let lane = lane_height(nodes.len());
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| Lane {
            node: *n,
            label: n.to_string(),
            y: TOP + lane / 2 + i as u32 * lane,
            down: cluster.process(*n).is_some_and(|p| !p.is_running()),
        })
        .collect()
}

struct Scale {
    from: u64,
    to: u64,
}

impl Scale {
    fn x(&self, t: u64) -> u32 {
        let span = (WIDTH - LEFT - 6) as u64;
        let t = t.clamp(self.from, self.to);
        LEFT + ((t - self.from) * span / (self.to - self.from).max(1)) as u32
    }

    /// Four or five round ticks across the window.
    fn ticks(&self) -> Vec<(u32, String)> {
        let span = self.to - self.from;
        let step = [
            1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
        ]
        .into_iter()
        .find(|s| span / s <= 5)
        .unwrap_or(2_000_000);
        let start = self.from.div_ceil(step) * step;
        (0..)
            .map(|i| start + i * step)
            .take_while(|t| *t <= self.to)
            .map(|t| (self.x(t), time_text(SimTime::from_micros(t))))
            .collect()
    }
}

fn collect_step(
    step: &KafkaStep,
    filter: &Filter,
    scale: &Scale,
    lane_y: &dyn Fn(NodeId) -> Option<u32>,
    arrows: &mut Vec<Arrow>,
    marks: &mut Vec<FaultMark>,
) {
    let at = step.time.as_micros();
    match &step.cause {
        Cause::Deliver {
            from,
            to,
            msg,
            sent_at,
        } if shows(filter, msg, *from, *to) => {
            if let (Some(y1), Some(y2)) = (lane_y(*from), lane_y(*to)) {
                let times = (*sent_at, step.time);
                let ends = (*from, *to);
                arrows.push(arrow(
                    msg,
                    ends,
                    times,
                    Some(step.index),
                    (y1, y2),
                    scale,
                    filter,
                ));
            }
        }
        Cause::Drop { from, to, msg, .. } if shows(filter, msg, *from, *to) => {
            if let Some(y) = lane_y(*to) {
                marks.push(FaultMark {
                    x: scale.x(at),
                    y,
                    step: step.index,
                    label: format!(
                        "{} {from}→{to} dropped at {} (step {})",
                        msg.api_name(),
                        time_text(step.time),
                        step.index
                    ),
                    dropped: true,
                });
            }
        }
        _ => {}
    }
    for event in &step.events {
        let Some((node, what)) = fault(event) else {
            continue;
        };
        if filter.node.is_some_and(|n| n != node) {
            continue;
        }
        if let Some(y) = lane_y(node) {
            marks.push(FaultMark {
                x: scale.x(at),
                y,
                step: step.index,
                label: format!(
                    "{node} {what} at {} (step {})",
                    time_text(step.time),
                    step.index
                ),
                dropped: false,
            });
        }
    }
}

/// A process fault or recovery on one node, in words.
fn fault(event: &Event) -> Option<(NodeId, &'static str)> {
    Some(match event {
        Event::ProcessStopped { node, fault } => (
            *node,
            match fault {
                ProcessFault::Crash => "crashed",
                ProcessFault::PowerFailure => "lost power",
                ProcessFault::GracefulShutdown => "shut down",
            },
        ),
        Event::ProcessStarted { node } => (*node, "started"),
        Event::ProcessPaused { node, .. } => (*node, "paused"),
        Event::ProcessResumed { node } => (*node, "resumed"),
        Event::NetworkChanged {
            change: NetworkChange::Isolated { node },
        } => (*node, "was cut off"),
        _ => return None,
    })
}

fn shows(filter: &Filter, msg: &Message, from: NodeId, to: NodeId) -> bool {
    filter.node.is_none_or(|n| n == from || n == to)
        && filter
            .kind
            .is_none_or(|k| super::stage::kind_of(msg, from, to) == k)
        && filter
            .partition
            .as_ref()
            .is_none_or(|tp| partitions(msg).contains(&tp))
}

/// The partitions a message is about (none for metadata, group and controller messages).
fn partitions(msg: &Message) -> Vec<&TopicPartition> {
    match msg {
        Message::Produce(p) => p.partitions.iter().map(|(tp, _)| tp).collect(),
        Message::ProduceResponse(r) => r.partitions.iter().map(|p| &p.partition).collect(),
        Message::Fetch(f) => f.partitions.iter().map(|p| &p.partition).collect(),
        Message::FetchResponse(r) => r.partitions.iter().map(|p| &p.partition).collect(),
        _ => Vec::new(),
    }
}

fn arrow(
    msg: &Message,
    (from, to): (NodeId, NodeId),
    (sent, arrived): (SimTime, SimTime),
    step: Option<u64>,
    (y1, y2): (u32, u32),
    scale: &Scale,
    filter: &Filter,
) -> Arrow {
    // The partition filtered on first, then the lesson's topics before internal ones.
    let mut about = partitions(msg);
    crate::sim::sort::sort_by_key(&mut about, |tp| {
        (
            Some(*tp) != filter.partition.as_ref(),
            tp.topic.starts_with("__"),
        )
    });
    let about = match about.len() {
        0 => String::new(),
        1..=3 => format!(
            " ({})",
            about
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        n => format!(" ({}, … {n} partitions)", about[0]),
    };
    let when = match step {
        Some(s) => format!(
            "sent {}, arrived {} (step {s})",
            time_text(sent),
            time_text(arrived)
        ),
        None => format!("sent {}, arrives {}", time_text(sent), time_text(arrived)),
    };
    Arrow {
        kind: super::stage::kind_of(msg, from, to),
        x1: scale.x(sent.as_micros()),
        y1,
        x2: scale.x(arrived.as_micros()),
        y2,
        step,
        response: !msg.is_request(),
        label: format!("{} {from}→{to}{about}: {when}", msg.api_name()),
    }
}

/// The partitions a filter may name: every partition of the lesson's topics, in order.
pub fn partition_choices(world: &KafkaWorld) -> Vec<TopicPartition> {
    let set: std::collections::BTreeSet<TopicPartition> = world
        .model()
        .brokers
        .values()
        .flat_map(|b| b.replicas.keys())
        .filter(|tp| !tp.topic.starts_with("__"))
        .cloned()
        .collect();
    set.into_iter().collect()
}
