//! Compare: the same lesson and seed run twice, the second with some client configs changed
//! (`p1.acks=1`, `c1.max.poll.records=5`), in lockstep on simulated time. Each run is measured
//! the same way (acknowledged, lost, duplicated and reordered writes, throughput, produce
//! latency percentiles, rebalance pauses, the largest consumer lag) and the first step where the
//! two differ is found by the worlds' fingerprints, which cover every step taken.

use crate::check::history::group_lag;
use crate::kafka::config::{def, ConsumerConfig, ProducerConfig, CONSUMER_KEYS, PRODUCER_KEYS};
use crate::kafka::event::Event;
use crate::kafka::record::RecordId;
use crate::kafka::spec::ClusterSpec;
use crate::kafka::{KafkaStep, KafkaWorld, NodeId};
use crate::lesson::expect::RunObserver;
use crate::lesson::Lesson;
use crate::sim::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// One config changed in the second run: `p1.acks=all`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Change {
    pub node: NodeId,
    pub key: String,
    pub value: String,
}

/// Read `NODE.KEY=VALUE` (a producer `pN` or a consumer `cN`, and a config by its Kafka name).
pub fn parse_change(text: &str) -> Result<Change, String> {
    let (target, value) = text
        .split_once('=')
        .ok_or_else(|| format!("\"{text}\": expected NODE.KEY=VALUE, e.g. p1.acks=all"))?;
    let (node, key) = target
        .split_once('.')
        .ok_or_else(|| format!("\"{text}\": expected NODE.KEY=VALUE, e.g. p1.acks=all"))?;
    let node = NodeId::parse(node.trim()).map_err(|e| format!("\"{text}\": {e}"))?;
    Ok(Change {
        node,
        key: key.trim().to_string(),
        value: value.trim().to_string(),
    })
}

/// Apply `change` to the cluster a lesson starts with, with Kafka's validation.
pub fn apply_change(spec: &mut ClusterSpec, change: &Change) -> Result<(), String> {
    let at = |n: u32, len: usize| (n >= 1 && n as usize <= len).then(|| n as usize - 1);
    let bad = |e: def::ConfigError| format!("{}: {e}", change.node);
    match change.node {
        NodeId::Producer(n) => {
            let i = at(n, spec.producers.len())
                .ok_or_else(|| format!("the lesson has no producer p{n}"))?;
            let config = &mut spec.producers[i].config;
            let values = def::with_value(PRODUCER_KEYS, &config.values, &change.key, &change.value)
                .map_err(bad)?;
            *config = ProducerConfig::from_values(values).map_err(bad)?;
        }
        NodeId::Consumer(n) => {
            let i = at(n, spec.consumers.len())
                .ok_or_else(|| format!("the lesson has no consumer c{n}"))?;
            let config = &mut spec.consumers[i].config;
            let values = def::with_value(CONSUMER_KEYS, &config.values, &change.key, &change.value)
                .map_err(bad)?;
            *config = ConsumerConfig::from_values(values).map_err(bad)?;
        }
        other => {
            return Err(format!(
                "{other}: only a producer's (pN) or a consumer's (cN) configs can be changed"
            ))
        }
    }
    Ok(())
}

/// What one run did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Figures {
    pub steps: u64,
    pub acknowledged: u32,
    pub lost: u32,
    pub duplicates: u32,
    pub reordered: u32,
    /// Acknowledged records per simulated second, times 10.
    pub throughput_x10: u64,
    /// Produce latency (from `send()` to the acknowledgement) in microseconds: p50, p95, p99.
    pub latency_us: Option<[u64; 3]>,
    pub rebalances: u32,
    /// Simulated time groups spent rebalancing, in microseconds.
    pub rebalance_us: u64,
    /// The largest total lag of any group, sampled every 100 ms.
    pub max_lag: i64,
}

/// The two runs side by side.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Comparison {
    pub base: Figures,
    pub changed: Figures,
    /// The first step the runs disagree on: its index, time, and what each run did.
    pub divergence: Option<(u64, String, String, String)>,
}

/// How far apart the lockstep checks are.
const SLICE: SimDuration = SimDuration::from_ms(100);
/// Most steps either run may take (a lesson runs thousands; this stops a runaway change).
const MAX_STEPS: u64 = 5_000_000;

/// Measures a run as it goes.
#[derive(Default)]
struct Meter {
    observer: RunObserver,
    sent: BTreeMap<RecordId, SimTime>,
    latencies: Vec<u64>,
    rebalancing: BTreeMap<String, SimTime>,
    rebalances: u32,
    rebalance_us: u64,
    max_lag: i64,
}

impl Meter {
    fn observe(&mut self, step: &KafkaStep) {
        self.observer.observe(step);
        for event in &step.events {
            match event {
                Event::RecordAppendedToBatch { record, .. } => {
                    self.sent.entry(*record).or_insert(step.time);
                }
                Event::ProduceAcked { records, .. } => {
                    for r in records {
                        if let Some(at) = self.sent.remove(r) {
                            self.latencies.push(step.time.since(at).as_micros());
                        }
                    }
                }
                Event::RebalanceStarted { group, .. } => {
                    self.rebalances += 1;
                    self.rebalancing.entry(group.clone()).or_insert(step.time);
                }
                Event::GroupStateChanged { group, to, .. } if *to == "Stable" => {
                    if let Some(from) = self.rebalancing.remove(group) {
                        self.rebalance_us += step.time.since(from).as_micros();
                    }
                }
                _ => {}
            }
        }
    }

    fn sample(&mut self, world: &KafkaWorld) {
        let cluster = world.model();
        for group in cluster.group_ids() {
            if let Some(lag) = group_lag(cluster, &group) {
                self.max_lag = self.max_lag.max(lag);
            }
        }
    }

    fn finish(mut self, world: &KafkaWorld) -> Figures {
        let report = self.observer.history.analyze(world);
        self.latencies.sort_unstable();
        let pick = |q: usize| self.latencies[(self.latencies.len() - 1) * q / 100];
        let latency_us = (!self.latencies.is_empty()).then(|| [pick(50), pick(95), pick(99)]);
        let secs_x10 = (world.now().as_ms() / 100).max(1);
        Figures {
            steps: world.steps_taken(),
            acknowledged: report.acknowledged,
            lost: report.lost.len() as u32,
            duplicates: report.duplicates.len() as u32,
            reordered: report.reordered.len() as u32,
            throughput_x10: report.acknowledged as u64 * 100 / secs_x10,
            latency_us,
            rebalances: self.rebalances,
            rebalance_us: self.rebalance_us,
            max_lag: self.max_lag,
        }
    }
}

/// One of the two runs: its world, its meter, and its steps not yet compared with the other's.
struct Lane {
    world: KafkaWorld,
    meter: Meter,
    /// (index, fingerprint after it, time, what it did)
    pending: std::collections::VecDeque<(u64, crate::sim::Fingerprint, SimTime, String)>,
}

impl Lane {
    /// Step up to simulated time `until`, keeping what each step did while no divergence is
    /// known yet.
    fn advance(&mut self, until: SimTime, watching: bool) {
        while self.world.steps_taken() < MAX_STEPS
            && self.world.next_time().is_some_and(|t| t <= until)
        {
            let Some(step) = self.world.step() else {
                break;
            };
            self.meter.observe(&step);
            if watching {
                let line = super::narrate::narrate(&step);
                let print = self.world.fingerprint();
                self.pending.push_back((step.index, print, step.time, line));
            }
        }
        self.world.advance_idle_to(until);
        self.meter.sample(&self.world);
    }
}

/// Run `lesson` with `seed` as it is and with `changes`, in lockstep, to its `run_until_ms`.
pub fn compare(lesson: &Lesson, seed: u64, changes: &[Change]) -> Result<Comparison, String> {
    let mut changed = lesson.clone();
    for change in changes {
        apply_change(&mut changed.spec, change)?;
    }
    let lane = |l: &Lesson| Lane {
        world: l.world(seed),
        meter: Meter::default(),
        pending: Default::default(),
    };
    let (mut a, mut b) = (lane(lesson), lane(&changed));
    let end = SimTime::from_ms(lesson.run_until_ms);
    let mut divergence = None;
    let mut now = SimTime::ZERO;
    while now < end {
        now = now.plus(SLICE).min(end);
        let watching = divergence.is_none();
        a.advance(now, watching);
        b.advance(now, watching);
        while divergence.is_none() && !a.pending.is_empty() && !b.pending.is_empty() {
            let (x, y) = (
                a.pending.pop_front().unwrap(),
                b.pending.pop_front().unwrap(),
            );
            if x.1 != y.1 {
                let time = super::view::time_text(x.2.min(y.2));
                divergence = Some((x.0, time, x.3, y.3));
            }
        }
        if divergence.is_some() {
            a.pending.clear();
            b.pending.clear();
        }
    }
    Ok(Comparison {
        base: a.meter.finish(&a.world),
        changed: b.meter.finish(&b.world),
        divergence,
    })
}

/// A figure's name and how to read it from a run.
type Row<'a> = (&'static str, Box<dyn Fn(&Figures) -> String + 'a>);

/// The comparison as the CLI prints it: one line per figure, the two runs side by side.
pub fn describe(c: &Comparison, base: &str, changed: &str) -> Vec<String> {
    let ms = |us: u64| format!("{}.{} ms", us / 1000, us % 1000 / 100);
    let latency = |f: &Figures| match f.latency_us {
        Some([p50, p95, p99]) => format!("{} / {} / {}", ms(p50), ms(p95), ms(p99)),
        None => "-".into(),
    };
    let rows: Vec<Row> = vec![
        ("steps", Box::new(|f: &Figures| f.steps.to_string())),
        (
            "acknowledged",
            Box::new(|f: &Figures| f.acknowledged.to_string()),
        ),
        (
            "lost (acknowledged)",
            Box::new(|f: &Figures| f.lost.to_string()),
        ),
        (
            "duplicates",
            Box::new(|f: &Figures| f.duplicates.to_string()),
        ),
        ("reordered", Box::new(|f: &Figures| f.reordered.to_string())),
        (
            "throughput (acked/s)",
            Box::new(|f: &Figures| format!("{}.{}", f.throughput_x10 / 10, f.throughput_x10 % 10)),
        ),
        ("latency p50/p95/p99", Box::new(latency)),
        (
            "rebalances",
            Box::new(|f: &Figures| f.rebalances.to_string()),
        ),
        (
            "rebalance pauses",
            Box::new(move |f: &Figures| ms(f.rebalance_us)),
        ),
        ("max lag", Box::new(|f: &Figures| f.max_lag.to_string())),
    ];
    let mut lines = vec![format!("{:<22} {:<34} {}", "", base, changed)];
    for (name, value) in rows {
        lines.push(format!(
            "{name:<22} {:<34} {}",
            value(&c.base),
            value(&c.changed)
        ));
    }
    lines.push(match &c.divergence {
        Some((step, time, a, b)) => {
            format!("first divergence: step {step} at {time}\n  {base}: {a}\n  {changed}: {b}")
        }
        None => "no divergence: the two runs are the same step for step".into(),
    });
    lines
}
