//! Where causes happened: the step of the latest fact of each kind that a "why?" answer may
//! point at (a replica leaving an ISR, a process stopping, a network fault, a partition losing
//! its leader, a producer batch opening, a request taking the last in-flight slot, a failed
//! produce waiting out its backoff, a `send()` blocking on `buffer.memory`). Only step numbers
//! and facts: `present::why` turns them into words and links. Kept in the run observer, so
//! snapshots, rewinds and branches carry it like the history.

use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, IsrChangeReason, NetworkChange, ProcessFault};
use crate::kafka::{BrokerId, KafkaStep, NodeId, TopicPartition};
use imbl::OrdMap;

/// A step and its simulated time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct At {
    pub step: u64,
    pub ms: u64,
}

/// A replica leaving a partition's ISR.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IsrExit {
    pub at: At,
    /// The leader dropped it for lagging this long (over `replica.lag.time.max.ms`); `None`:
    /// the controller removed it (its broker was fenced or shut down).
    pub lagged_ms: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct Causes {
    isr_exits: OrdMap<(TopicPartition, BrokerId), IsrExit>,
    /// Each partition's ISR as the controller last set it.
    isr: OrdMap<TopicPartition, Vec<BrokerId>>,
    /// Fencing takes a broker out of every ISR it was in.
    fenced: OrdMap<BrokerId, At>,
    /// Followers a leader asked to drop for lagging, and for how long they lagged.
    lag_proposals: OrdMap<(TopicPartition, BrokerId), u64>,
    stopped: OrdMap<NodeId, (At, ProcessFault)>,
    cut_off: OrdMap<NodeId, At>,
    leaderless: OrdMap<TopicPartition, At>,
    batch_opened: OrdMap<(u32, TopicPartition), At>,
    last_sent: OrdMap<(u32, BrokerId), At>,
    failed: OrdMap<(u32, TopicPartition), (At, ErrorCode)>,
    blocked: OrdMap<u32, At>,
    paused: OrdMap<NodeId, At>,
    rebalances: OrdMap<String, At>,
}

impl Causes {
    pub fn observe(&mut self, step: &KafkaStep) {
        let at = At {
            step: step.index,
            ms: step.time.as_ms(),
        };
        for event in &step.events {
            self.broker_fact(event, at);
            self.producer_fact(event, at);
        }
    }

    fn broker_fact(&mut self, event: &Event, at: At) {
        match event {
            Event::IsrChangeProposed {
                partition,
                reason: IsrChangeReason::Lagging { followers, .. },
                ..
            } => {
                for (b, lag) in followers {
                    self.lag_proposals.insert((*partition, *b), *lag);
                }
            }
            Event::IsrChanged {
                partition,
                from,
                to,
                ..
            } => {
                self.isr.entry(*partition).or_insert_with(|| from.clone());
                self.set_isr(partition, to, at);
            }
            Event::BrokerFenced { broker, .. } => {
                self.fenced.insert(*broker, at);
            }
            Event::LeaderElected {
                partition,
                leader,
                isr,
                ..
            } => {
                if leader.is_none() {
                    self.leaderless.insert(*partition, at);
                }
                self.set_isr(partition, isr, at);
            }
            Event::ProcessStopped { node, fault } => {
                self.stopped.insert(*node, (at, *fault));
            }
            Event::ProcessPaused { node, .. } => {
                self.paused.insert(*node, at);
            }
            Event::RebalanceStarted { group, .. } => {
                self.rebalances.insert(group.clone(), at);
            }
            Event::NetworkChanged {
                change: NetworkChange::Healed,
            } => self.cut_off.clear(),
            Event::NetworkChanged {
                change: NetworkChange::Released { from, to },
            } => {
                self.cut_off.remove(from);
                self.cut_off.remove(to);
            }
            Event::NetworkChanged { change } => {
                for node in cut_nodes(change) {
                    self.cut_off.insert(node, at);
                }
            }
            _ => {}
        }
    }

    /// The controller set `tp`'s ISR to `to`: the replicas it left out left at `at`.
    fn set_isr(&mut self, tp: &TopicPartition, to: &[BrokerId], at: At) {
        if let Some(from) = self.isr.get(tp) {
            for b in from.iter().filter(|b| !to.contains(b)) {
                let lagged_ms = self.lag_proposals.remove(&(*tp, *b));
                self.isr_exits.insert((*tp, *b), IsrExit { at, lagged_ms });
            }
        }
        self.isr.insert(*tp, to.to_vec());
    }

    fn producer_fact(&mut self, event: &Event, at: At) {
        match event {
            Event::RecordAppendedToBatch {
                producer,
                partition,
                new_batch: true,
                ..
            } => {
                self.batch_opened.insert((*producer, *partition), at);
            }
            Event::ProduceSent {
                producer, broker, ..
            } => {
                self.last_sent.insert((*producer, *broker), at);
            }
            Event::ProduceFailed {
                producer,
                partition,
                error,
                retrying: true,
                ..
            } => {
                self.failed.insert((*producer, *partition), (at, *error));
            }
            Event::SendBlocked { producer, .. } => {
                self.blocked.insert(*producer, at);
            }
            _ => {}
        }
    }

    /// When `broker` last left `tp`'s ISR, and whether for lagging (a fencing counts: it takes
    /// the broker out of every ISR, even one this index had not seen yet).
    pub fn isr_exit(&self, tp: &TopicPartition, broker: BrokerId) -> Option<IsrExit> {
        let recorded = self.isr_exits.get(&(*tp, broker)).copied();
        let fenced = self.fenced.get(&broker).map(|at| IsrExit {
            at: *at,
            lagged_ms: None,
        });
        match (recorded, fenced) {
            (Some(r), Some(f)) if f.at.step > r.at.step => Some(f),
            (Some(r), _) => Some(r),
            (None, f) => f,
        }
    }
    /// When `node` last stopped, and how.
    pub fn stopped(&self, node: NodeId) -> Option<(At, ProcessFault)> {
        self.stopped.get(&node).copied()
    }
    /// When `node` was last paused.
    pub fn paused(&self, node: NodeId) -> Option<At> {
        self.paused.get(&node).copied()
    }
    /// When `group`'s coordinator last started a rebalance.
    pub fn rebalance(&self, group: &str) -> Option<At> {
        self.rebalances.get(group).copied()
    }
    /// The last network fault that cut `node` off from some others.
    pub fn cut_off(&self, node: NodeId) -> Option<At> {
        self.cut_off.get(&node).copied()
    }
    /// When the controller last left `tp` without a leader.
    pub fn leaderless(&self, tp: &TopicPartition) -> Option<At> {
        self.leaderless.get(tp).copied()
    }
    /// When `producer` last opened a new batch for `tp`.
    pub fn batch_opened(&self, producer: u32, tp: &TopicPartition) -> Option<At> {
        self.batch_opened.get(&(producer, *tp)).copied()
    }
    /// When `producer` last sent a Produce request to `broker`.
    pub fn last_sent(&self, producer: u32, broker: BrokerId) -> Option<At> {
        self.last_sent.get(&(producer, broker)).copied()
    }
    /// The last failed produce of `tp` that `producer` retries, and its error.
    pub fn failed(&self, producer: u32, tp: &TopicPartition) -> Option<(At, ErrorCode)> {
        self.failed.get(&(producer, *tp)).copied()
    }
    /// When a `send()` of `producer` last blocked on `buffer.memory`.
    pub fn blocked(&self, producer: u32) -> Option<At> {
        self.blocked.get(&producer).copied()
    }
}

/// The nodes a network change cuts off from some others (none for a heal or a link setting).
fn cut_nodes(change: &NetworkChange) -> Vec<NodeId> {
    match change {
        NetworkChange::Isolated { node } => vec![*node],
        NetworkChange::Split { groups } => groups.iter().flatten().copied().collect(),
        NetworkChange::OneWay { from, to } => from.iter().chain(to).copied().collect(),
        NetworkChange::Held { from, to } => vec![*from, *to],
        _ => Vec::new(),
    }
}
