//! The simulated network between nodes: per-link latency ranges, bandwidth, loss and duplication,
//! symmetric and one-way partitions, and links that hold messages until released.
//!
//! Links behave like TCP connections: messages on one directed link arrive in the order they were
//! sent (a later message never overtakes an earlier one), and a link transmits one message at a
//! time, so big messages queue behind each other when bandwidth is limited.

use super::prng::Prng;
use super::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A probability as an integer ratio (no floats in state: see CONTRIBUTING.md's determinism rules).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: u32,
    pub denominator: u32,
}

impl Ratio {
    pub const NEVER: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };

    pub fn new(numerator: u32, denominator: u32) -> Ratio {
        Ratio {
            numerator,
            denominator: denominator.max(1),
        }
    }
    /// A percentage, e.g. `Ratio::percent(10)` for a 10% loss.
    pub fn percent(p: u32) -> Ratio {
        Ratio::new(p.min(100), 100)
    }
    pub fn is_never(self) -> bool {
        self.numerator == 0
    }
}

/// Properties of one directed link.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct LinkConfig {
    pub latency_min: SimDuration,
    pub latency_max: SimDuration,
    /// Bytes per simulated second; 0 means unlimited.
    pub bandwidth_bytes_per_sec: u64,
    pub loss: Ratio,
    pub duplication: Ratio,
}

impl Default for LinkConfig {
    /// A data-centre link: a few milliseconds, 1 Gbit/s, no loss.
    fn default() -> Self {
        LinkConfig {
            latency_min: SimDuration::from_ms(2),
            latency_max: SimDuration::from_ms(5),
            bandwidth_bytes_per_sec: 125_000_000,
            loss: Ratio::NEVER,
            duplication: Ratio::NEVER,
        }
    }
}

/// Why a message never arrived.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum DropReason {
    /// It waited on a cut or held link, and its connection was gone when the link came back: an
    /// end restarted or stopped meanwhile, or TCP gave up retransmitting (`TCP_GIVE_UP`).
    ConnectionClosed,
    /// The link's loss ratio dropped it.
    Lost,
    /// The receiving host is down (power failure) or the message was addressed to nobody.
    Unreachable,
}

/// What the network decided for one message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transmit {
    /// Arrives at `at`; `duplicate_at` is set when the link duplicated it.
    Deliver {
        at: SimTime,
        duplicate_at: Option<SimTime>,
    },
    Dropped(DropReason),
    /// The link is cut or held: the message waits, like unacknowledged bytes in a TCP send
    /// buffer, until the link heals or is released.
    Held,
}

/// A change to the network, requested by a handler or a fault command.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum NetOp<A> {
    /// Cut every link between nodes of different groups, both ways.
    Partition {
        groups: Vec<Vec<A>>,
    },
    /// Cut links from every node of `from` to every node of `to`, one way only.
    BlockOneWay {
        from: Vec<A>,
        to: Vec<A>,
    },
    /// Cut every link to and from `node`, except to itself.
    Isolate {
        node: A,
        peers: Vec<A>,
    },
    /// Remove every cut.
    Heal,
    /// Replace the configuration of the directed link `from -> to`.
    SetLink {
        from: A,
        to: A,
        config: LinkConfig,
    },
    /// Restore the default configuration of the directed link `from -> to`.
    ResetLink {
        from: A,
        to: A,
    },
    /// Hold messages on `from -> to` until released.
    Hold {
        from: A,
        to: A,
    },
    Release {
        from: A,
        to: A,
    },
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Network<A: Ord> {
    default_link: LinkConfig,
    links: BTreeMap<(A, A), LinkConfig>,
    blocked: BTreeSet<(A, A)>,
    held: BTreeSet<(A, A)>,
    /// Each directed link's clocks, found with one tree walk per message.
    wire: BTreeMap<(A, A), WireClock>,
}

/// What a directed link has already promised.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct WireClock {
    /// When the link finishes transmitting what it already has (bandwidth).
    busy_until: SimTime,
    /// The latest delivery time on the link, so later messages never overtake (FIFO).
    last_arrival: SimTime,
}

impl<A: Ord + Clone> Network<A> {
    pub fn new(default_link: LinkConfig) -> Self {
        Network {
            default_link,
            links: BTreeMap::new(),
            blocked: BTreeSet::new(),
            held: BTreeSet::new(),
            wire: BTreeMap::new(),
        }
    }

    pub fn default_link(&self) -> LinkConfig {
        self.default_link
    }

    pub fn link(&self, from: &A, to: &A) -> LinkConfig {
        self.links
            .get(&(from.clone(), to.clone()))
            .copied()
            .unwrap_or(self.default_link)
    }

    pub fn is_blocked(&self, from: &A, to: &A) -> bool {
        self.blocked.contains(&(from.clone(), to.clone()))
    }

    pub fn is_held(&self, from: &A, to: &A) -> bool {
        self.held.contains(&(from.clone(), to.clone()))
    }

    pub fn blocked_links(&self) -> impl Iterator<Item = &(A, A)> {
        self.blocked.iter()
    }

    pub fn link_overrides(&self) -> impl Iterator<Item = (&(A, A), &LinkConfig)> {
        self.links.iter()
    }

    /// Decide the fate of a message of `size_bytes` sent now from `from` to `to`.
    pub fn transmit(
        &mut self,
        now: SimTime,
        from: &A,
        to: &A,
        size_bytes: u32,
        prng: &mut Prng,
    ) -> Transmit {
        if from == to {
            // A node talking to itself (e.g. a broker that is also the coordinator) skips the wire.
            return Transmit::Deliver {
                at: now,
                duplicate_at: None,
            };
        }
        let key = (from.clone(), to.clone());
        // Kafka talks over TCP: bytes sent while the path is cut are retransmitted and arrive,
        // in order, once it heals. Only loss (below) and a dead connection lose a message.
        if self.blocked.contains(&key) || self.held.contains(&key) {
            return Transmit::Held;
        }
        let link = self.link(from, to);
        if !link.loss.is_never() && prng.chance(link.loss.numerator, link.loss.denominator) {
            return Transmit::Dropped(DropReason::Lost);
        }
        let at = self.arrival_time(now, &key, &link, size_bytes, prng);
        let duplicate_at = if !link.duplication.is_never()
            && prng.chance(link.duplication.numerator, link.duplication.denominator)
        {
            Some(self.arrival_time(at, &key, &link, 0, prng))
        } else {
            None
        };
        Transmit::Deliver { at, duplicate_at }
    }

    fn arrival_time(
        &mut self,
        now: SimTime,
        key: &(A, A),
        link: &LinkConfig,
        size_bytes: u32,
        prng: &mut Prng,
    ) -> SimTime {
        let transmit_micros = match link.bandwidth_bytes_per_sec {
            0 => 0,
            bw => (size_bytes as u64 * 1_000_000).div_ceil(bw),
        };
        let clock = self.wire.entry(key.clone()).or_default();
        let start = clock.busy_until.max(now);
        let on_wire_done = start.plus(SimDuration::from_micros(transmit_micros));
        clock.busy_until = on_wire_done;
        let latency = prng.between(
            link.latency_min.as_micros(),
            link.latency_max
                .as_micros()
                .max(link.latency_min.as_micros()),
        );
        let arrival = on_wire_done
            .plus(SimDuration::from_micros(latency))
            .max(clock.last_arrival);
        clock.last_arrival = arrival;
        arrival
    }

    /// Apply a change. The world then resends the backlog of every link that reopened.
    pub fn apply(&mut self, op: &NetOp<A>) {
        match op {
            NetOp::Partition { groups } => {
                for (i, group) in groups.iter().enumerate() {
                    for other in groups.iter().skip(i + 1) {
                        self.block_all(group, other);
                        self.block_all(other, group);
                    }
                }
            }
            NetOp::BlockOneWay { from, to } => self.block_all(from, to),
            NetOp::Isolate { node, peers } => {
                let me = std::slice::from_ref(node);
                self.block_all(me, peers);
                self.block_all(peers, me);
            }
            NetOp::Heal => self.blocked.clear(),
            NetOp::SetLink { from, to, config } => {
                self.links.insert((from.clone(), to.clone()), *config);
            }
            NetOp::ResetLink { from, to } => {
                self.links.remove(&(from.clone(), to.clone()));
            }
            NetOp::Hold { from, to } => {
                self.held.insert((from.clone(), to.clone()));
            }
            NetOp::Release { from, to } => {
                self.held.remove(&(from.clone(), to.clone()));
            }
        }
    }

    fn block_all(&mut self, from: &[A], to: &[A]) {
        for a in from {
            for b in to {
                if a != b {
                    self.blocked.insert((a.clone(), b.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet_link() -> LinkConfig {
        LinkConfig {
            latency_min: SimDuration::from_ms(1),
            latency_max: SimDuration::from_ms(10),
            bandwidth_bytes_per_sec: 0,
            loss: Ratio::NEVER,
            duplication: Ratio::NEVER,
        }
    }

    #[test]
    fn later_messages_never_overtake_earlier_ones_on_a_link() {
        let mut net = Network::new(quiet_link());
        let mut prng = Prng::new(9);
        let mut last = SimTime::ZERO;
        for i in 0..200 {
            match net.transmit(SimTime::from_micros(i * 100), &1, &2, 100, &mut prng) {
                Transmit::Deliver { at, .. } => {
                    assert!(at >= last, "message {i} arrives at {at} before {last}");
                    last = at;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn bandwidth_serializes_big_messages() {
        let mut link = quiet_link();
        link.latency_max = link.latency_min;
        link.bandwidth_bytes_per_sec = 1_000_000; // 1 byte per microsecond
        let mut net = Network::new(link);
        let mut prng = Prng::new(1);
        let first = net.transmit(SimTime::ZERO, &1, &2, 10_000, &mut prng);
        let second = net.transmit(SimTime::ZERO, &1, &2, 10_000, &mut prng);
        assert_eq!(
            first,
            Transmit::Deliver {
                at: SimTime::from_micros(11_000),
                duplicate_at: None
            }
        );
        assert_eq!(
            second,
            Transmit::Deliver {
                at: SimTime::from_micros(21_000),
                duplicate_at: None
            }
        );
    }

    #[test]
    fn symmetric_partition_holds_both_ways_and_heal_restores() {
        let mut net = Network::new(quiet_link());
        let mut prng = Prng::new(1);
        net.apply(&NetOp::Partition {
            groups: vec![vec![1], vec![2, 3]],
        });
        assert_eq!(
            net.transmit(SimTime::ZERO, &1, &2, 1, &mut prng),
            Transmit::Held
        );
        assert_eq!(
            net.transmit(SimTime::ZERO, &3, &1, 1, &mut prng),
            Transmit::Held
        );
        assert!(matches!(
            net.transmit(SimTime::ZERO, &2, &3, 1, &mut prng),
            Transmit::Deliver { .. }
        ));
        net.apply(&NetOp::Heal);
        assert!(matches!(
            net.transmit(SimTime::ZERO, &1, &2, 1, &mut prng),
            Transmit::Deliver { .. }
        ));
    }

    #[test]
    fn one_way_partition_holds_one_direction_only() {
        let mut net = Network::new(quiet_link());
        let mut prng = Prng::new(1);
        net.apply(&NetOp::BlockOneWay {
            from: vec![1],
            to: vec![2],
        });
        assert_eq!(
            net.transmit(SimTime::ZERO, &1, &2, 1, &mut prng),
            Transmit::Held
        );
        assert!(matches!(
            net.transmit(SimTime::ZERO, &2, &1, 1, &mut prng),
            Transmit::Deliver { .. }
        ));
    }

    #[test]
    fn loss_ratio_drops_about_that_share() {
        let mut link = quiet_link();
        link.loss = Ratio::percent(30);
        let mut net = Network::new(link);
        let mut prng = Prng::new(5);
        let lost = (0..10_000)
            .filter(|_| {
                net.transmit(SimTime::ZERO, &1, &2, 1, &mut prng)
                    == Transmit::Dropped(DropReason::Lost)
            })
            .count();
        assert!(
            (2_700..3_300).contains(&lost),
            "lost {lost} of 10000 at 30%"
        );
    }

    #[test]
    fn held_links_hold_until_released() {
        let mut net = Network::new(quiet_link());
        let mut prng = Prng::new(1);
        net.apply(&NetOp::Hold { from: 1, to: 2 });
        assert_eq!(
            net.transmit(SimTime::ZERO, &1, &2, 1, &mut prng),
            Transmit::Held
        );
        net.apply(&NetOp::Release { from: 1, to: 2 });
        assert!(matches!(
            net.transmit(SimTime::ZERO, &1, &2, 1, &mut prng),
            Transmit::Deliver { .. }
        ));
    }
}
