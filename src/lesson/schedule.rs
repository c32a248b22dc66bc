//! Seeded random schedules of user commands laid over a lesson: what a class might do to it
//! (crash, restart, pause or cut nodes, heal, elect preferred leaders, send records, flush, change
//! a client config, commit, close or restart a consumer) at random instants of its run.
//!
//! The determinism tests run every built-in lesson with such a schedule, natively and in wasm,
//! and pin the fingerprints: a command path that depended on anything but the seed and the
//! recording (a hash map's order, a float, the wall clock, pointer width) would show as a
//! difference. The schedule depends only on the lesson and the seed.

use super::Lesson;
use crate::kafka::{Command, NodeId};
use crate::sim::{Prng, SimTime};

/// The schedules the determinism tests pin for every built-in lesson (natively and in wasm).
pub const PINNED_SEEDS: &[u64] = &[1, 2, 3];
/// User actions in each pinned schedule (a fault and its repair count as one).
pub const PINNED_COUNT: u32 = 16;

/// Client configs a schedule may change, with the values it picks from (valid for Kafka 4.0).
const PRODUCER_CONFIGS: &[(&str, &[&str])] = &[
    ("linger.ms", &["0", "5", "50"]),
    ("batch.size", &["1024", "16384"]),
    ("acks", &["1", "all"]),
];

/// The same lesson with `count` random commands merged into its actions (stable by time: a
/// lesson's own action comes before a random one at the same instant).
pub fn with_random_commands(lesson: &Lesson, seed: u64, count: u32) -> Lesson {
    let mut actions = lesson.actions.clone();
    actions.extend(random_commands(lesson, seed, count));
    crate::sim::sort::sort_by_key(&mut actions, |(at, _)| *at);
    Lesson {
        actions,
        ..lesson.clone()
    }
}

/// `count` commands over the lesson's nodes at random instants in `[0, run_until_ms]`, sorted by
/// time. Faults come with their repair a little later, as a class would do, so runs keep going.
pub fn random_commands(lesson: &Lesson, seed: u64, count: u32) -> Vec<(SimTime, Command)> {
    let nodes = lesson.world(lesson.seed).model().nodes();
    let topics: Vec<String> = lesson.spec.topics.iter().map(|t| t.name.clone()).collect();
    let mut prng = Prng::new(seed);
    let end = lesson.run_until_ms.max(1);
    let mut out = Vec::new();
    for _ in 0..count {
        let at = prng.below(end + 1);
        let Some(node) = pick(&mut prng, &nodes) else {
            break;
        };
        for (offset, command) in commands_for(&mut prng, node, &topics) {
            out.push((SimTime::from_ms((at + offset).min(end)), command));
        }
    }
    crate::sim::sort::sort_by_key(&mut out, |(at, _)| *at);
    out
}

fn pick<T: Clone>(prng: &mut Prng, items: &[T]) -> Option<T> {
    if items.is_empty() {
        return None;
    }
    Some(items[prng.below(items.len() as u64) as usize].clone())
}

/// One user action on `node`, as (delay from the drawn instant, command) pairs.
fn commands_for(prng: &mut Prng, node: NodeId, topics: &[String]) -> Vec<(u64, Command)> {
    match node {
        NodeId::Broker(_) | NodeId::Controller(_) => fault(prng, node),
        NodeId::Producer(_) => producer_action(prng, node, topics),
        NodeId::Consumer(_) => consumer_action(prng, node),
    }
}

fn fault(prng: &mut Prng, node: NodeId) -> Vec<(u64, Command)> {
    let repair = prng.between(500, 8_000);
    match prng.below(7) {
        0 => vec![
            (0, Command::Crash { node }),
            (repair, Command::Restart { node }),
        ],
        1 => vec![
            (0, Command::PowerFail { node }),
            (repair, Command::Restart { node }),
        ],
        2 => vec![
            (0, Command::Shutdown { node }),
            (repair, Command::Restart { node }),
        ],
        3 => vec![(
            0,
            Command::Pause {
                node,
                ms: prng.between(100, 20_000),
            },
        )],
        4 => vec![(0, Command::Isolate { node }), (repair, Command::Heal)],
        5 => vec![(0, Command::ElectPreferredLeaders)],
        // A restart of a running node: the engine must treat it as a no-op the same way everywhere.
        _ => vec![(0, Command::Restart { node })],
    }
}

fn producer_action(prng: &mut Prng, producer: NodeId, topics: &[String]) -> Vec<(u64, Command)> {
    let command = match (prng.below(4), pick(prng, topics)) {
        (0, Some(topic)) | (1, Some(topic)) => Command::Produce {
            producer,
            topic,
            key: prng.chance(2, 3).then(|| format!("k{}", prng.below(8))),
            value: Some(format!("v{}", prng.below(1_000))),
            partition: None,
            timestamp: None,
            headers: Vec::new(),
        },
        (2, _) => {
            let (key, values) =
                PRODUCER_CONFIGS[prng.below(PRODUCER_CONFIGS.len() as u64) as usize];
            Command::SetConfig {
                node: producer,
                key: key.to_string(),
                value: values[prng.below(values.len() as u64) as usize].to_string(),
            }
        }
        _ => Command::Flush { producer },
    };
    vec![(0, command)]
}

fn consumer_action(prng: &mut Prng, consumer: NodeId) -> Vec<(u64, Command)> {
    match prng.below(4) {
        0 => vec![(0, Command::CommitSync { consumer })],
        1 => vec![
            (0, Command::CloseConsumer { consumer }),
            (
                prng.between(1_000, 10_000),
                Command::StartConsumer { consumer },
            ),
        ],
        2 => vec![(
            0,
            Command::SetProcessingTime {
                consumer,
                ms_per_record: prng.below(20),
            },
        )],
        _ => vec![
            (0, Command::Crash { node: consumer }),
            (
                prng.between(1_000, 10_000),
                Command::Restart { node: consumer },
            ),
        ],
    }
}
