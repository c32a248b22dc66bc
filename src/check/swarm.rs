//! Swarm testing of durability: each seed builds the same small cluster, enables a random subset
//! of fault kinds (swarm style, so rare combinations get room), schedules random faults on one
//! broker at a time, then heals everything, lets replication settle, and asks the history
//! checker what happened to every acknowledged record. The invariants are checked along the way.
//!
//! With the safe configuration (acks=all, min.insync.replicas=2, replication factor 3, unclean
//! election off, at most one broker impaired at a time) no acknowledged write may be lost. With
//! acks=1 or unclean election on, some seeds lose writes, and finding them is the point.
//!
//! A consumer group of two members reads the topic throughout, its coordinator moving with
//! the faults: whatever the configuration, no partition may have two owners in a generation,
//! no committed offset may go back, and `poll()` may not skip or re-read on its own.

use super::history::{History, HistoryReport};
use super::invariants::{InvariantChecker, Violation};
use crate::kafka::config::{self, BrokerConfig, ConsumerConfig, ProducerConfig};
use crate::kafka::consumer::AppSpec;
use crate::kafka::event::{ElectionKind, Event, ProcessFault};
use crate::kafka::spec::{ClusterSpec, ConsumerMode, ConsumerSpec, ProducerSpec, TopicSpec};
use crate::kafka::types::{BrokerId, TopicPartition};
use crate::kafka::{Cluster, Command, KafkaWorld, NodeId};
use crate::sim::{Cause, LinkConfig, Prng, SimTime, World};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The configurations soak tests compare.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Durability {
    /// acks=all, min.insync.replicas=2, RF 3, unclean election off.
    Safe,
    /// acks=1: the leader alone acknowledges.
    AcksOne,
    /// acks=all with min.insync.replicas=1 and unclean election on.
    Unclean,
}

impl Durability {
    pub fn parse(s: &str) -> Result<Durability, String> {
        match s {
            "safe" => Ok(Durability::Safe),
            "acks1" | "acks=1" => Ok(Durability::AcksOne),
            "unclean" => Ok(Durability::Unclean),
            other => Err(format!(
                "unknown configuration \"{other}\" (expected safe, acks1 or unclean)"
            )),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum FaultKind {
    Crash,
    PowerFail,
    Shutdown,
    Pause,
    Isolate,
    OneWay,
    Lossy,
    Slow,
    /// The broker and the producer on one side of a partition, the rest on the other.
    Split,
    /// A link that duplicates messages.
    Duplicate,
    /// Replication traffic from the broker to a follower throttled to a trickle.
    Throttle,
    /// Messages from the broker to a peer held, then released.
    Hold,
    /// `kafka-leader-election.sh --election-type preferred` in the middle of the faults.
    PreferredElection,
    /// The (only) controller crashes and restarts.
    ControllerCrash,
    /// A consumer of the group crashes and restarts.
    ConsumerCrash,
}

const ALL_FAULTS: [FaultKind; 15] = [
    FaultKind::Crash,
    FaultKind::PowerFail,
    FaultKind::Shutdown,
    FaultKind::Pause,
    FaultKind::Isolate,
    FaultKind::OneWay,
    FaultKind::Lossy,
    FaultKind::Slow,
    FaultKind::Split,
    FaultKind::Duplicate,
    FaultKind::Throttle,
    FaultKind::Hold,
    FaultKind::PreferredElection,
    FaultKind::ControllerCrash,
    FaultKind::ConsumerCrash,
];

const BROKERS: u32 = 3;
const FAULT_PHASE_MS: u64 = 30_000;
const SETTLE_MS: u64 = 45_000;

/// What one seed did and found.
#[derive(Clone, Debug)]
pub struct SeedResult {
    pub seed: u64,
    pub commands: Vec<(u64, Command)>,
    pub report: HistoryReport,
    pub violation: Option<(u64, Violation)>,
    pub steps: u64,
    /// Partitions whose every in-sync replica (as the controller recorded the ISR) was down
    /// by power failure at the same moment: their unflushed records were gone everywhere Kafka
    /// could elect a leader from.
    pub isr_lost_power: BTreeSet<TopicPartition>,
    /// Leaders the controller elected from outside the ISR.
    pub unclean_elections: u32,
    /// The seed played `last_replica_standing` instead of the swarm's episodes.
    pub last_replica_standing: bool,
}

impl SeedResult {
    /// Acknowledged writes lost where Kafka promises none.
    pub fn lost(&self) -> usize {
        self.report.lost.len() - self.lost_to_power()
    }

    /// Acknowledged writes lost on a partition whose whole ISR lost power at once. Kafka 4.0
    /// promises nothing there: a write is acknowledged once it is in the ISR's page caches (no
    /// fsync, `flush.messages` is unlimited) and, with eligible leader replicas off, only an ISR
    /// member may lead, so the first one back leads with what its disk kept. The soak reports
    /// these apart as that documented failure mode instead of counting them against the promise.
    pub fn lost_to_power(&self) -> usize {
        self.report
            .lost
            .iter()
            .filter(|(_, tp, _)| self.isr_lost_power.contains(tp))
            .count()
    }
}

/// Partitions of the soak topic whose every ISR member is now down by power failure.
fn isr_without_power(world: &KafkaWorld) -> Vec<TopicPartition> {
    let cluster = world.model();
    let Some(controller) = cluster.active_controller() else {
        return Vec::new();
    };
    let powered_off = |b: &BrokerId| {
        cluster
            .broker(*b)
            .is_some_and(|x| x.process.stopped_by() == Some(ProcessFault::PowerFailure))
    };
    let Some(topic) = controller.image.topics.get("t") else {
        return Vec::new();
    };
    (0..)
        .zip(&topic.partitions)
        .filter(|(_, r)| r.isr.iter().all(powered_off))
        .map(|(p, _)| TopicPartition::new("t", p))
        .collect()
}

fn spec(durability: Durability) -> ClusterSpec {
    let broker_values = match durability {
        // Three offsets partitions (not 50) keep the per-step invariant checks cheap.
        Durability::Safe | Durability::AcksOne => {
            json!({ "min.insync.replicas": 2, "offsets.topic.num.partitions": 3 })
        }
        Durability::Unclean => {
            json!({ "min.insync.replicas": 1, "unclean.leader.election.enable": true,
                    "offsets.topic.num.partitions": 3 })
        }
    };
    let parse = |keys, v: serde_json::Value| {
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(v).expect("a JSON object");
        config::def::parse(keys, &map).expect("soak configs are valid")
    };
    let producer_values = match durability {
        Durability::AcksOne => json!({ "acks": "1", "linger.ms": 2 }),
        _ => json!({ "acks": "all", "linger.ms": 2 }),
    };
    let producer = ProducerConfig::from_values(parse(config::PRODUCER_KEYS, producer_values))
        .expect("consistent producer config");
    ClusterSpec {
        brokers: BROKERS,
        controllers: 1,
        broker_config: BrokerConfig {
            values: parse(config::BROKER_KEYS, broker_values),
        },
        topics: vec![TopicSpec {
            name: "t".into(),
            partitions: 3,
            replication_factor: 3,
            config: parse(config::TOPIC_KEYS, json!({})),
            replica_assignment: None,
        }],
        producers: vec![ProducerSpec {
            config: producer,
            send_mode: Default::default(),
            partitioner: None,
        }],
        consumers: (0..2)
            .map(|_| ConsumerSpec {
                config: ConsumerConfig::from_values(parse(
                    config::CONSUMER_KEYS,
                    json!({ "group.id": "soak", "auto.offset.reset": "earliest",
                            "session.timeout.ms": 10000, "auto.commit.interval.ms": 1000 }),
                ))
                .expect("consistent consumer config"),
                mode: ConsumerMode::Subscribe(vec!["t".into()]),
                app: AppSpec {
                    commit_on_revoke: true,
                    ..AppSpec::default()
                },
                start_at_ms: None,
            })
            .collect(),
        network: LinkConfig::default(),
        client_link: None,
        costs: Default::default(),
    }
}

/// A random fault schedule: episodes on one broker at a time, each undone before the next.
/// Half the seeds of the unclean configuration play `last_replica_standing` instead, because
/// one-at-a-time faults almost never leave a partition without an in-sync replica.
fn schedule(seed: u64, durability: Durability) -> Vec<(u64, Command)> {
    let mut prng = Prng::new(seed ^ 0x5eed_f00d_cafe_d00d);
    if plays_last_replica_standing(seed, durability) {
        let mut commands = vec![produce_rate(100)];
        commands.extend(last_replica_standing(&mut prng));
        commands.push((FAULT_PHASE_MS, produce_rate(0).1));
        return commands;
    }
    let enabled = swarm_subset(&mut prng, &ALL_FAULTS);
    let mut commands = vec![produce_rate(100)];
    let mut t = 1_000 + prng.below(2_000);
    while t < FAULT_PHASE_MS {
        let broker = NodeId::broker(1 + prng.below(BROKERS as u64) as u32);
        let kind = enabled[prng.below(enabled.len() as u64) as usize];
        let duration = 500 + prng.below(14_000);
        commands.extend(episode(kind, broker, t, duration, &mut prng));
        t += duration + 2_000 + prng.below(8_000);
    }
    commands.push((FAULT_PHASE_MS, produce_rate(0).1));
    commands
}

fn episode(
    kind: FaultKind,
    broker: NodeId,
    t: u64,
    duration: u64,
    prng: &mut Prng,
) -> Vec<(u64, Command)> {
    let end = t + duration;
    let others: Vec<NodeId> = (1..=BROKERS)
        .map(NodeId::broker)
        .filter(|b| *b != broker)
        .collect();
    match kind {
        FaultKind::Crash => vec![
            (t, Command::Crash { node: broker }),
            (end, Command::Restart { node: broker }),
        ],
        FaultKind::PowerFail => vec![
            (t, Command::PowerFail { node: broker }),
            (end, Command::Restart { node: broker }),
        ],
        FaultKind::Shutdown => vec![
            (t, Command::Shutdown { node: broker }),
            (end.max(t + 3_000), Command::Restart { node: broker }),
        ],
        FaultKind::Pause => vec![(
            t,
            Command::Pause {
                node: broker,
                ms: duration,
            },
        )],
        FaultKind::Isolate => vec![(t, Command::Isolate { node: broker }), (end, Command::Heal)],
        FaultKind::OneWay => {
            let (from, to) = if prng.chance(1, 2) {
                (vec![broker], others)
            } else {
                (others, vec![broker])
            };
            vec![
                (t, Command::PartitionOneWay { from, to }),
                (end, Command::Heal),
            ]
        }
        FaultKind::Split => {
            let mut rest = others;
            rest.push(NodeId::Controller(1));
            rest.extend([NodeId::Consumer(1), NodeId::Consumer(2)]);
            let groups = vec![vec![broker, NodeId::Producer(1)], rest];
            vec![
                (t, Command::PartitionNetwork { groups }),
                (end, Command::Heal),
            ]
        }
        FaultKind::Throttle | FaultKind::Hold => {
            let peer = others[prng.below(others.len() as u64) as usize];
            link_episode(kind, broker, peer, t, end)
        }
        FaultKind::PreferredElection => vec![(t, Command::ElectPreferredLeaders)],
        FaultKind::ControllerCrash => {
            let node = NodeId::Controller(1);
            vec![
                (t, Command::Crash { node }),
                (end, Command::Restart { node }),
            ]
        }
        FaultKind::ConsumerCrash => {
            let node = NodeId::Consumer(1 + prng.below(2) as u32);
            vec![
                (t, Command::Crash { node }),
                (end, Command::Restart { node }),
            ]
        }
        FaultKind::Lossy | FaultKind::Slow | FaultKind::Duplicate => {
            let peer = others[prng.below(others.len() as u64) as usize];
            let (latency, loss, duplicates) = match kind {
                FaultKind::Lossy => ((2, 5), 30, 0),
                FaultKind::Duplicate => ((2, 20), 0, 20),
                _ => ((200, 800), 0, 0),
            };
            vec![
                (
                    t,
                    Command::SetLink {
                        a: broker,
                        b: peer,
                        latency_ms: latency,
                        loss_percent: loss,
                        duplicate_percent: duplicates,
                    },
                ),
                (
                    end,
                    Command::SetLink {
                        a: broker,
                        b: peer,
                        latency_ms: (2, 5),
                        loss_percent: 0,
                        duplicate_percent: 0,
                    },
                ),
            ]
        }
    }
}

fn plays_last_replica_standing(seed: u64, durability: Durability) -> bool {
    durability == Durability::Unclean && Prng::new(seed ^ 0x0dd_ba11).chance(1, 2)
}

/// Swarm testing's random, non-empty subset of the fault kinds: each kind in with even odds,
/// drawn again while none is.
pub(crate) fn swarm_subset<T: Copy>(prng: &mut Prng, all: &[T]) -> Vec<T> {
    loop {
        let picked: Vec<T> = all.iter().copied().filter(|_| prng.chance(1, 2)).collect();
        if !picked.is_empty() {
            return picked;
        }
    }
}

fn produce_rate(records_per_second: u32) -> (u64, Command) {
    (
        200,
        Command::SetProduceRate {
            producer: NodeId::Producer(1),
            topic: "t".into(),
            records_per_second,
            keys: match records_per_second {
                0 => vec![],
                _ => (0..6).map(|k| format!("k{k}")).collect(),
            },
            total: None,
            value_bytes: None,
        },
    )
}

/// Stop two brokers so the ISR shrinks to the third, stop that one too (the partitions go
/// offline), then bring back an out-of-sync one first: with `unclean.leader.election.enable`
/// the controller makes it leader and what only the last ISR member had is gone.
fn last_replica_standing(prng: &mut Prng) -> Vec<(u64, Command)> {
    let mut brokers: Vec<NodeId> = (1..=BROKERS).map(NodeId::broker).collect();
    let a = brokers.remove(prng.below(brokers.len() as u64) as usize);
    let c = brokers.remove(prng.below(brokers.len() as u64) as usize);
    let b = brokers[0];
    let mut stop = |node| {
        if prng.chance(1, 2) {
            Command::Crash { node }
        } else {
            Command::PowerFail { node }
        }
    };
    let (stop_a, stop_c, stop_b) = (stop(a), stop(c), stop(b));
    let t = 1_000 + prng.below(5_000);
    let last = t + 12_000 + prng.below(4_000);
    let back = last + 500 + prng.below(3_000);
    vec![
        (t, stop_a),
        (t + prng.below(2_000), stop_c),
        (last, stop_b),
        (back, Command::Restart { node: a }),
        (
            back + 2_000 + prng.below(4_000),
            Command::Restart { node: c },
        ),
    ]
}

/// Throttle or hold the link `broker -> peer` from `t` to `end`.
fn link_episode(
    kind: FaultKind,
    broker: NodeId,
    peer: NodeId,
    t: u64,
    end: u64,
) -> Vec<(u64, Command)> {
    let (from, to) = (broker, peer);
    if kind == FaultKind::Hold {
        return vec![
            (t, Command::HoldLink { from, to }),
            (end, Command::ReleaseLink { from, to }),
        ];
    }
    let throttle = |bytes_per_second| Command::ThrottleLink {
        from,
        to,
        bytes_per_second,
    };
    // 125,000,000 B/s is the default link (1 Gbit/s).
    vec![(t, throttle(20_000)), (end, throttle(125_000_000))]
}

/// Run one seed. `deep_every` controls how often replica contents are compared.
pub fn run_seed(seed: u64, durability: Durability, deep_every: u64) -> SeedResult {
    run_seed_with(seed, durability, deep_every, |_| {})
}

/// Run one seed, handing every step to `on_step` (to print a trace).
pub fn run_seed_with(
    seed: u64,
    durability: Durability,
    deep_every: u64,
    mut on_step: impl FnMut(&crate::kafka::KafkaStep),
) -> SeedResult {
    let spec = spec(durability);
    let cluster = Cluster::new(spec.clone()).expect("the soak cluster is valid");
    let mut world: KafkaWorld = World::new(seed, cluster, spec.network);
    world.init(|c, ctx| c.boot(ctx));
    let commands = schedule(seed, durability);
    for (at, command) in &commands {
        world.schedule_command(SimTime::from_ms(*at), command.clone());
    }
    // Recovery: undo whatever is still in effect, then let replication settle.
    let recover = FAULT_PHASE_MS + 16_000;
    world.schedule_command(SimTime::from_ms(recover), Command::Heal);
    for b in 1..=BROKERS {
        world.schedule_command(
            SimTime::from_ms(recover + 100),
            Command::Restart {
                node: NodeId::broker(b),
            },
        );
    }
    let mut history = History::new();
    let mut checker = InvariantChecker::new();
    checker.deep_every = deep_every;
    let mut violation = None;
    let mut isr_lost_power = BTreeSet::new();
    let mut unclean_elections = 0;
    let end = SimTime::from_ms(recover + SETTLE_MS);
    while world.next_time().is_some_and(|t| t <= end) {
        let Some(step) = world.step() else { break };
        on_step(&step);
        history.observe(&step);
        unclean_elections += step
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::LeaderElected {
                        kind: ElectionKind::Unclean,
                        ..
                    }
                )
            })
            .count() as u32;
        if let Cause::Command(Command::PowerFail { .. }) = &step.cause {
            isr_lost_power.extend(isr_without_power(&world));
        }
        if violation.is_none() {
            if let Err(v) = checker.check(&world) {
                violation = Some((step.index, v));
            }
        }
    }
    let report = history.analyze(&world);
    SeedResult {
        seed,
        commands,
        report,
        violation,
        steps: world.steps_taken(),
        isr_lost_power,
        unclean_elections,
        last_replica_standing: plays_last_replica_standing(seed, durability),
    }
}

/// The commands of a failing seed, one per line, as a lesson's actions would list them.
pub fn describe_commands(commands: &[(u64, Command)]) -> String {
    commands
        .iter()
        .map(|(at, c)| {
            let mut v = serde_json::to_value(c).expect("commands serialize");
            v["at_ms"] = json!(at);
            v.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
