//! Swarm testing of exactly-once: each seed builds the same cluster with a consume-transform-
//! produce pipeline (`kafka::pipeline`: consumer c1 of `in`, transactional producer p1 writing
//! `out`), feeds `in` from p2, enables a random subset of fault kinds and plays random episodes
//! of them one at a time: crashes of the transaction coordinator, of an `out` leader or of any
//! broker, controlled shutdowns, broker pauses, isolations, a network split that leaves p1 with
//! one broker, p1 crashing and restarting with the same `transactional.id` (its new instance
//! fences the old epoch), p1 paused past `transaction.timeout.ms` (a zombie the coordinator
//! aborts and fences), the pipeline's consumer or the downstream reader crashing, and the
//! controller crashing. Targets are picked when the episode starts (the coordinator and the
//! leaders move), and every command is recorded so a failing seed can be replayed.
//!
//! Then everything heals and settles, and the checks run: exactly-once per pipeline
//! (`exactly_once`), `read_committed` for c1 (of `in`) and c2 (a `read_committed` reader of
//! `out`, group "audit") over the whole history (`read_committed`), and the replication
//! invariants after every step. Faults never touch two brokers at once, acks=all with
//! `min.insync.replicas=2`, unclean election off: Kafka promises exactly-once here.

use super::exactly_once::{check_pipeline, ExactlyOnceReport};
use super::history::final_logs;
use super::invariants::{InvariantChecker, Violation};
use super::read_committed::{ReadCommittedHistory, ReadCommittedReport};
use crate::kafka::config::{self, BrokerConfig, ConsumerConfig, ProducerConfig};
use crate::kafka::consumer::AppSpec;
use crate::kafka::event::Event;
use crate::kafka::pipeline::PipelineStage;
use crate::kafka::record::ControlRecordType;
use crate::kafka::spec::{ClusterSpec, ConsumerMode, ConsumerSpec, ProducerSpec, TopicSpec};
use crate::kafka::txn::{partition_for, TRANSACTION_STATE_TOPIC};
use crate::kafka::types::{BrokerId, TopicPartition};
use crate::kafka::{Cluster, Command, KafkaStep, KafkaWorld, NodeId};
use crate::sim::{LinkConfig, Prng, SimTime, World};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum TxnFault {
    CrashCoordinator,
    CrashOutputLeader,
    CrashBroker,
    ShutdownBroker,
    PauseCoordinator,
    IsolateCoordinator,
    IsolateOutputLeader,
    /// p1 and one broker on one side, everything else on the other.
    SplitProducer,
    ProducerCrash,
    /// p1 frozen for up to 14 s, past its 10 s `transaction.timeout.ms` in most episodes.
    ProducerPause,
    PipelineConsumerCrash,
    ReaderCrash,
    ControllerCrash,
}

const ALL_FAULTS: [TxnFault; 13] = [
    TxnFault::CrashCoordinator,
    TxnFault::CrashOutputLeader,
    TxnFault::CrashBroker,
    TxnFault::ShutdownBroker,
    TxnFault::PauseCoordinator,
    TxnFault::IsolateCoordinator,
    TxnFault::IsolateOutputLeader,
    TxnFault::SplitProducer,
    TxnFault::ProducerCrash,
    TxnFault::ProducerPause,
    TxnFault::PipelineConsumerCrash,
    TxnFault::ReaderCrash,
    TxnFault::ControllerCrash,
];

const BROKERS: u32 = 3;
const TRANSACTIONAL_ID: &str = "etl-1";
const TXN_PARTITIONS: i32 = 3;
/// The pipeline starts once the groups have formed.
const PIPELINE_AT_MS: u64 = 6_000;
const FAULTS_FROM_MS: u64 = 7_000;
const FAULT_PHASE_MS: u64 = 37_000;
const RECOVER_MS: u64 = FAULT_PHASE_MS + 16_000;
const SETTLE_MS: u64 = 45_000;
/// Records p2 feeds into `in` (25 a second from the pipeline's start).
pub const FED: u32 = 500;

const PIPELINE_CONSUMER: NodeId = NodeId::Consumer(1);
const READER: NodeId = NodeId::Consumer(2);
const PIPELINE_PRODUCER: NodeId = NodeId::Producer(1);

/// What one seed did and found.
#[derive(Clone, Debug)]
pub struct TxnSeedResult {
    pub seed: u64,
    pub commands: Vec<(u64, Command)>,
    pub exactly_once: ExactlyOnceReport,
    pub read_committed: ReadCommittedReport,
    pub invariant: Option<(u64, Violation)>,
    pub steps: u64,
    /// Records in `in`'s final log.
    pub inputs: u32,
    pub committed_transactions: u64,
    pub aborted_transactions: u64,
    /// Where the pipeline's loop ended; `Fenced`: its producer was fenced (a zombie after a
    /// long pause) and the loop stopped.
    pub stage: PipelineStage,
    /// Transactions the coordinator aborted after `transaction.timeout.ms`.
    pub timed_out: u32,
    /// ABORT markers leaders wrote to `out` (one per partition of an aborted transaction).
    pub abort_markers: u32,
}

impl TxnSeedResult {
    /// Broken promises: exactly-once, `read_committed`, the replication invariants.
    pub fn violations(&self) -> u32 {
        self.exactly_once.violations()
            + self.read_committed.violations()
            + u32::from(self.invariant.is_some())
    }

    /// The pipeline forwarded every record of `in` and committed past it.
    pub fn caught_up(&self) -> bool {
        self.exactly_once.inputs == self.inputs
    }
}

fn parse(
    keys: &'static [config::def::ConfigKey],
    v: serde_json::Value,
) -> config::def::ConfigValues {
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(v).expect("a JSON object");
    config::def::parse(keys, &map).expect("soak configs are valid")
}

fn consumer(topic: &str, values: serde_json::Value) -> ConsumerSpec {
    ConsumerSpec {
        config: ConsumerConfig::from_values(parse(config::CONSUMER_KEYS, values))
            .expect("consistent consumer config"),
        mode: ConsumerMode::Subscribe(vec![topic.into()]),
        app: AppSpec::default(),
        start_at_ms: None,
    }
}

fn producer(values: serde_json::Value) -> ProducerSpec {
    ProducerSpec {
        config: ProducerConfig::from_values(parse(config::PRODUCER_KEYS, values))
            .expect("consistent producer config"),
        send_mode: Default::default(),
        partitioner: None,
    }
}

fn spec() -> ClusterSpec {
    let topic = |name: &str| TopicSpec {
        name: name.into(),
        partitions: 2,
        replication_factor: 3,
        config: parse(config::TOPIC_KEYS, json!({})),
        replica_assignment: None,
    };
    let broker_values = json!({ "min.insync.replicas": 2, "offsets.topic.num.partitions": 3,
        "transaction.state.log.num.partitions": TXN_PARTITIONS,
        "group.initial.rebalance.delay.ms": 300 });
    ClusterSpec {
        brokers: BROKERS,
        controllers: 1,
        broker_config: BrokerConfig {
            values: parse(config::BROKER_KEYS, broker_values),
        },
        topics: vec![topic("in"), topic("out")],
        producers: vec![
            producer(json!({ "transactional.id": TRANSACTIONAL_ID,
                             "transaction.timeout.ms": 10000 })),
            producer(json!({ "acks": "all", "linger.ms": 2 })),
        ],
        consumers: vec![
            consumer(
                "in",
                json!({ "group.id": "etl", "auto.offset.reset": "earliest",
                        "isolation.level": "read_committed", "enable.auto.commit": false,
                        "session.timeout.ms": 10000 }),
            ),
            consumer(
                "out",
                json!({ "group.id": "audit", "auto.offset.reset": "earliest",
                        "isolation.level": "read_committed", "session.timeout.ms": 10000 }),
            ),
        ],
        network: LinkConfig::default(),
        client_link: None,
        costs: Default::default(),
    }
}

/// One planned episode; its target is picked when it starts.
#[derive(Clone, Copy, Debug)]
struct Episode {
    at: u64,
    kind: TxnFault,
    duration: u64,
    /// A random number for the episode's choices.
    pick: u64,
}

/// Random episodes of a random subset of the fault kinds, one at a time.
fn plan(seed: u64) -> Vec<Episode> {
    let mut prng = Prng::new(seed ^ 0x7a_5eed_e7c0_ffee);
    let enabled = super::swarm::swarm_subset(&mut prng, &ALL_FAULTS);
    let mut episodes = Vec::new();
    let mut t = FAULTS_FROM_MS + prng.below(2_000);
    while t < FAULT_PHASE_MS {
        let kind = enabled[prng.below(enabled.len() as u64) as usize];
        let duration = 500 + prng.below(14_000);
        let pick = prng.below(1 << 20);
        episodes.push(Episode {
            at: t,
            kind,
            duration,
            pick,
        });
        t += duration + 2_000 + prng.below(6_000);
    }
    episodes
}

/// The running broker leading `tp`, if any.
fn leader_of(world: &KafkaWorld, tp: &TopicPartition) -> Option<NodeId> {
    world
        .model()
        .brokers
        .iter()
        .find(|(_, b)| b.process.is_running() && b.replicas.get(tp).is_some_and(|r| r.is_leader()))
        .map(|(id, _)| NodeId::Broker(*id))
}

/// The broker an episode aims at: the coordinator or an `out` leader where it names one (any
/// broker while there is none), else a random one.
fn target(world: &KafkaWorld, kind: TxnFault, pick: u64) -> NodeId {
    use TxnFault::*;
    let any = NodeId::Broker(BrokerId(1 + (pick % u64::from(BROKERS)) as u32));
    let tp = match kind {
        CrashCoordinator | PauseCoordinator | IsolateCoordinator => TopicPartition::new(
            TRANSACTION_STATE_TOPIC,
            partition_for(TRANSACTIONAL_ID, TXN_PARTITIONS),
        ),
        CrashOutputLeader | IsolateOutputLeader => TopicPartition::new("out", (pick % 2) as i32),
        _ => return any,
    };
    leader_of(world, &tp).unwrap_or(any)
}

/// The commands of an episode starting now: (delay from now, command).
fn episode_commands(world: &KafkaWorld, e: &Episode) -> Vec<(u64, Command)> {
    use TxnFault::*;
    let broker = target(world, e.kind, e.pick);
    let (d, pause) = (e.duration, |node| Command::Pause {
        node,
        ms: e.duration,
    });
    let crash = |node| vec![(0, Command::Crash { node }), (d, Command::Restart { node })];
    let isolate = |node| vec![(0, Command::Isolate { node }), (d, Command::Heal)];
    match e.kind {
        CrashCoordinator | CrashOutputLeader | CrashBroker => crash(broker),
        ShutdownBroker => vec![
            (0, Command::Shutdown { node: broker }),
            (d.max(3_000), Command::Restart { node: broker }),
        ],
        PauseCoordinator => vec![(0, pause(broker))],
        IsolateCoordinator | IsolateOutputLeader => isolate(broker),
        SplitProducer => {
            let mut rest: Vec<NodeId> = (1..=BROKERS)
                .map(NodeId::broker)
                .filter(|b| *b != broker)
                .collect();
            rest.extend([NodeId::Controller(1), PIPELINE_CONSUMER, READER]);
            rest.push(NodeId::Producer(2));
            let groups = vec![vec![broker, PIPELINE_PRODUCER], rest];
            vec![
                (0, Command::PartitionNetwork { groups }),
                (d, Command::Heal),
            ]
        }
        ProducerCrash => crash(PIPELINE_PRODUCER),
        ProducerPause => vec![(0, pause(PIPELINE_PRODUCER))],
        PipelineConsumerCrash => crash(PIPELINE_CONSUMER),
        ReaderCrash => crash(READER),
        ControllerCrash => crash(NodeId::Controller(1)),
    }
}

/// The application's supervisor: a pipeline stopped by `ProducerFencedException` is replaced
/// by a new instance (consumer and producer restarted, the loop started again), as a
/// deployment restarts a failed process. Its commands, as (delay from now, command).
fn supervise(world: &KafkaWorld, now_ms: u64) -> Vec<(u64, Command)> {
    let fenced = world
        .model()
        .pipelines
        .get(&1)
        .is_some_and(|p| p.stage == PipelineStage::Fenced);
    if !fenced || now_ms + 2_000 >= RECOVER_MS + SETTLE_MS {
        return Vec::new();
    }
    let mut commands = Vec::new();
    for node in [PIPELINE_PRODUCER, PIPELINE_CONSUMER] {
        commands.push((0, Command::Crash { node }));
        commands.push((500, Command::Restart { node }));
    }
    let start = start_commands().swap_remove(0);
    commands.push((2_000, start));
    commands
}

/// Everything the run records while it goes.
struct Watch<'a> {
    on_step: &'a mut dyn FnMut(&KafkaStep),
    read_committed: ReadCommittedHistory,
    checker: InvariantChecker,
    invariant: Option<(u64, Violation)>,
    timed_out: u32,
    abort_markers: u32,
}

impl Watch<'_> {
    fn observe(&mut self, world: &KafkaWorld, step: &KafkaStep) {
        (self.on_step)(step);
        self.read_committed.observe(step);
        for event in &step.events {
            match event {
                Event::TransactionTimedOut { .. } => self.timed_out += 1,
                Event::TxnMarkerWritten {
                    partition, kind, ..
                } if *kind == ControlRecordType::Abort && &*partition.topic == "out" => {
                    self.abort_markers += 1
                }
                _ => {}
            }
        }
        if self.invariant.is_none() {
            if let Err(v) = self.checker.check(world) {
                self.invariant = Some((step.index, v));
            }
        }
    }
}

/// Run until `until`, observing every step, applying the episodes due on the way.
fn run_to(
    world: &mut KafkaWorld,
    watch: &mut Watch<'_>,
    until: u64,
    episodes: &mut std::iter::Peekable<std::vec::IntoIter<Episode>>,
    commands: &mut Vec<(u64, Command)>,
) {
    let until = SimTime::from_ms(until);
    loop {
        let next = world.next_time().filter(|t| *t <= until);
        let due = episodes
            .peek()
            .map(|e| SimTime::from_ms(e.at))
            .filter(|at| *at <= until && next.is_none_or(|t| t > *at));
        if let Some(at) = due {
            let e = episodes.next().expect("peeked");
            world.advance_idle_to(at);
            let mut planned = supervise(world, e.at);
            planned.extend(episode_commands(world, &e));
            for (delay, command) in planned {
                commands.push((e.at + delay, command.clone()));
                if delay > 0 {
                    world.schedule_command(SimTime::from_ms(e.at + delay), command);
                } else if let Ok(step) = world.apply_command(command) {
                    watch.observe(world, &step);
                }
            }
            continue;
        }
        if next.is_none() {
            break;
        }
        let Some(step) = world.step() else { break };
        watch.observe(world, &step);
    }
}

/// Run one seed. `deep_every` controls how often replica contents are compared.
pub fn run_txn_seed(seed: u64, deep_every: u64) -> TxnSeedResult {
    run_txn_seed_with(seed, deep_every, &mut |_| {})
}

/// Run one seed, handing every step to `on_step` (to print a trace).
pub fn run_txn_seed_with(
    seed: u64,
    deep_every: u64,
    on_step: &mut dyn FnMut(&KafkaStep),
) -> TxnSeedResult {
    let spec = spec();
    let cluster = Cluster::new(spec.clone()).expect("the soak cluster is valid");
    let mut world: KafkaWorld = World::new(seed, cluster, spec.network);
    world.init(|c, ctx| c.boot(ctx));
    let mut checker = InvariantChecker::new();
    checker.deep_every = deep_every;
    let mut watch = Watch {
        on_step,
        read_committed: ReadCommittedHistory::new(&world),
        checker,
        invariant: None,
        timed_out: 0,
        abort_markers: 0,
    };
    let mut commands = Vec::new();
    let mut episodes = plan(seed).into_iter().peekable();
    run_to(
        &mut world,
        &mut watch,
        PIPELINE_AT_MS,
        &mut episodes,
        &mut commands,
    );
    for command in start_commands() {
        commands.push((PIPELINE_AT_MS, command.clone()));
        let step = world.apply_command(command).expect("the pipeline starts");
        watch.observe(&world, &step);
    }
    run_to(
        &mut world,
        &mut watch,
        RECOVER_MS - 3_000,
        &mut episodes,
        &mut commands,
    );
    for (delay, command) in supervise(&world, RECOVER_MS - 3_000) {
        commands.push((RECOVER_MS - 3_000 + delay, command.clone()));
        let at = SimTime::from_ms(RECOVER_MS - 3_000 + delay);
        world.schedule_command(at, command);
    }
    for command in recovery_commands() {
        commands.push((RECOVER_MS, command.clone()));
        world.schedule_command(SimTime::from_ms(RECOVER_MS), command);
    }
    let end = RECOVER_MS + SETTLE_MS;
    run_to(&mut world, &mut watch, end, &mut episodes, &mut commands);
    finish(seed, &world, watch, commands)
}

fn start_commands() -> Vec<Command> {
    vec![
        Command::StartPipeline {
            consumer: PIPELINE_CONSUMER,
            producer: PIPELINE_PRODUCER,
            output_topic: "out".into(),
        },
        Command::SetProduceRate {
            producer: NodeId::Producer(2),
            topic: "in".into(),
            records_per_second: 25,
            keys: (0..6).map(|k| format!("k{k}")).collect(),
            total: Some(u64::from(FED)),
            value_bytes: None,
        },
    ]
}

/// Undo whatever is still in effect: heal the network, restart every process (a running one
/// refuses, which is fine).
fn recovery_commands() -> Vec<Command> {
    let mut nodes: Vec<NodeId> = (1..=BROKERS).map(NodeId::broker).collect();
    nodes.extend([
        NodeId::Controller(1),
        PIPELINE_PRODUCER,
        PIPELINE_CONSUMER,
        READER,
    ]);
    let mut commands = vec![Command::Heal];
    commands.extend(nodes.into_iter().map(|node| Command::Restart { node }));
    commands
}

fn finish(
    seed: u64,
    world: &KafkaWorld,
    watch: Watch<'_>,
    commands: Vec<(u64, Command)>,
) -> TxnSeedResult {
    let cluster = world.model();
    let pipeline = cluster.pipelines.get(&1).expect("c1 runs the pipeline");
    let inputs = final_logs(world)
        .iter()
        .filter(|(tp, _)| &*tp.topic == "in")
        .map(|(_, records)| records.len() as u32)
        .sum();
    TxnSeedResult {
        seed,
        commands,
        exactly_once: check_pipeline(cluster, 1).expect("c1 runs the pipeline"),
        read_committed: watch.read_committed.analyze(world),
        invariant: watch.invariant,
        steps: world.steps_taken(),
        inputs,
        committed_transactions: pipeline.committed_transactions,
        aborted_transactions: pipeline.aborted_transactions,
        stage: pipeline.stage,
        timed_out: watch.timed_out,
        abort_markers: watch.abort_markers,
    }
}
