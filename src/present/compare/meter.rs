//! How one run is measured as it goes: acknowledged, lost, duplicated and reordered writes,
//! throughput, produce latency percentiles, rebalance pauses and the largest consumer lag.

use crate::check::history::group_lag;
use crate::kafka::event::Event;
use crate::kafka::record::RecordId;
use crate::kafka::{KafkaStep, KafkaWorld};
use crate::lesson::expect::RunObserver;
use crate::sim::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// How far apart the lag samples are (and the CLI's lockstep slices).
pub(super) const SLICE: SimDuration = SimDuration::from_ms(100);
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
    /// The largest total lag of any group, sampled every 100 ms of simulated time.
    pub max_lag: i64,
}

/// Measures a run as it goes.
#[derive(Clone, Debug, Default)]
pub(super) struct Meter {
    observer: RunObserver,
    sent: BTreeMap<RecordId, SimTime>,
    /// Produce latencies in microseconds: how many sends took each.
    latencies: BTreeMap<u64, u32>,
    rebalancing: BTreeMap<String, SimTime>,
    rebalances: u32,
    rebalance_us: u64,
    max_lag: i64,
    next_sample: SimTime,
}

impl Meter {
    pub(super) fn observe(&mut self, step: &KafkaStep) {
        self.observer.observe(step);
        for event in &step.events {
            match event {
                Event::RecordAppendedToBatch { record, .. } => {
                    self.sent.entry(*record).or_insert(step.time);
                }
                Event::ProduceAcked { records, .. } => {
                    for r in records {
                        if let Some(at) = self.sent.remove(r) {
                            *self
                                .latencies
                                .entry(step.time.since(at).as_micros())
                                .or_default() += 1;
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

    /// Sample the lag at every 100 ms boundary before `t`: the world holds every step up to it.
    pub(super) fn sample_before(&mut self, world: &KafkaWorld, t: SimTime) {
        if self.next_sample >= t {
            return;
        }
        let cluster = world.model();
        for group in cluster.group_ids() {
            if let Some(lag) = group_lag(cluster, &group) {
                self.max_lag = self.max_lag.max(lag);
            }
        }
        while self.next_sample < t {
            self.next_sample = self.next_sample.plus(SLICE);
        }
    }

    fn percentile(&self, q: u64) -> u64 {
        let total: u64 = self.latencies.values().map(|n| u64::from(*n)).sum();
        let rank = (total - 1) * q / 100;
        let mut seen = 0;
        for (us, n) in &self.latencies {
            seen += u64::from(*n);
            if seen > rank {
                return *us;
            }
        }
        0
    }

    pub(super) fn figures(&self, world: &KafkaWorld) -> Figures {
        let report = self.observer.history.analyze(world);
        let latency_us = (!self.latencies.is_empty()).then(|| {
            [
                self.percentile(50),
                self.percentile(95),
                self.percentile(99),
            ]
        });
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
