//! The tuning lab: the same cluster and workload run once per producer configuration, each to
//! the last acknowledgement, and compared side by side (ingestion time, throughput, requests,
//! batch sizes, compression). Every number comes out of the simulation and its cost model; none
//! is written in. The runner advances in slices so the browser can show progress and stay
//! responsive.

use super::{Lesson, LessonError, LessonProblem};
use crate::kafka::config::ProducerConfig;
use crate::kafka::{Command, KafkaWorld, NodeId};
use crate::sim::SimTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabConfiguration {
    pub name: String,
    /// Producer configs for this run, Kafka names (the lesson's first producer is replaced).
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabFile {
    pub topic: String,
    pub records: u64,
    pub value_bytes: u32,
    pub configurations: Vec<LabConfiguration>,
    /// Give up on a run after this much simulated time.
    #[serde(default = "default_limit")]
    pub limit_ms: u64,
}

fn default_limit() -> u64 {
    3_600_000
}

/// One configuration's outcome.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LabResult {
    pub name: String,
    pub settings: Vec<(String, String)>,
    pub records_acked: u64,
    pub records_failed: u64,
    /// Simulated time from the first send to the last acknowledgement.
    pub ingestion_ms: u64,
    pub requests: u64,
    pub batches: u64,
    pub bytes_sent: u64,
    pub uncompressed_bytes: u64,
    pub steps: u64,
    pub finished: bool,
}

impl LabResult {
    pub fn records_per_second(&self) -> u64 {
        self.records_acked * 1000 / self.ingestion_ms.max(1)
    }
    pub fn records_per_request_x10(&self) -> u64 {
        self.records_acked * 10 / self.requests.max(1)
    }
    pub fn average_batch_bytes(&self) -> u64 {
        self.bytes_sent / self.batches.max(1)
    }
    /// Compressed size as a share of the uncompressed size, in thousandths.
    pub fn compression_thousandths(&self) -> u64 {
        self.bytes_sent * 1000 / self.uncompressed_bytes.max(1)
    }
}

/// Where a lab stands: what the progress bar and the comparison table need. A lab running in a
/// Web Worker sends these to the page.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LabStatus {
    pub names: Vec<String>,
    pub total_records: u64,
    /// Records acknowledged (or failed for good) so far over all runs.
    pub progress: u64,
    /// Simulated time of the run in progress.
    pub current_time_ms: Option<u64>,
    pub results: Vec<LabResult>,
    pub done: bool,
}

/// A lab in progress: one world at a time.
#[derive(Clone, Debug)]
pub struct LabRun {
    lesson: Lesson,
    lab: LabFile,
    seed: u64,
    configs: Vec<ProducerConfig>,
    current: u32,
    world: Option<KafkaWorld>,
    pub results: Vec<LabResult>,
}

/// Most records one lab configuration may send.
const MAX_LAB_RECORDS: u64 = 5_000_000;

impl LabFile {
    pub fn validate(&self) -> Result<Vec<ProducerConfig>, LessonError> {
        if self.records == 0 || self.records > MAX_LAB_RECORDS {
            return Err(LessonError::at(
                "lab.records",
                LessonProblem::OutOfRange {
                    value: self.records as i64,
                    min: 1,
                    max: MAX_LAB_RECORDS as i64,
                },
            ));
        }
        if self.configurations.is_empty() {
            return Err(LessonError::at(
                "lab.configurations",
                LessonProblem::EmptyList,
            ));
        }
        self.configurations
            .iter()
            .enumerate()
            .map(|(i, c)| {
                super::spec_builder::producer_config(
                    &c.config,
                    &format!("lab.configurations[{i}].config"),
                )
            })
            .collect()
    }
}

impl LabRun {
    pub fn new(lesson: &Lesson, seed: u64) -> Option<LabRun> {
        let lab = lesson.lab.clone()?;
        let configs = lab.validate().ok()?;
        Some(LabRun {
            lesson: lesson.clone(),
            lab,
            seed,
            configs,
            current: 0,
            world: None,
            results: Vec::new(),
        })
    }

    pub fn total_records(&self) -> u64 {
        self.lab.records * self.configs.len() as u64
    }

    /// Records acknowledged so far over all runs (for a progress bar).
    pub fn progress(&self) -> u64 {
        let done: u64 = self
            .results
            .iter()
            .map(|r| r.records_acked + r.records_failed)
            .sum();
        let current = self
            .world
            .as_ref()
            .and_then(|w| w.model().producers.get(&1))
            .map_or(0, |p| p.stats.records_acked + p.stats.records_failed);
        done + current
    }

    /// Simulated time of the run in progress.
    pub fn current_time_ms(&self) -> Option<u64> {
        self.world.as_ref().map(|w| w.now().as_ms())
    }

    pub fn is_done(&self) -> bool {
        self.current as usize >= self.configs.len()
    }

    pub fn status(&self) -> LabStatus {
        LabStatus {
            names: self.configuration_names(),
            total_records: self.total_records(),
            progress: self.progress(),
            current_time_ms: self.current_time_ms(),
            results: self.results.clone(),
            done: self.is_done(),
        }
    }

    pub fn configuration_names(&self) -> Vec<String> {
        self.lab
            .configurations
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    fn start_world(&self) -> KafkaWorld {
        let mut lesson = self.lesson.clone();
        lesson.actions.clear();
        lesson.spec.producers.truncate(1);
        lesson.spec.producers[0].config = self.configs[self.current as usize].clone();
        let mut world = lesson.world(self.seed);
        let start = Command::SetProduceRate {
            producer: NodeId::Producer(1),
            topic: self.lab.topic.clone(),
            records_per_second: 0,
            keys: vec![],
            total: Some(self.lab.records),
            value_bytes: Some(self.lab.value_bytes),
        };
        world.schedule_command(SimTime::from_ms(10), start);
        world
    }

    /// Take up to `max_steps` steps. Returns true when every configuration has run.
    pub fn advance(&mut self, max_steps: u64) -> bool {
        let mut taken = 0;
        while taken < max_steps && !self.is_done() {
            let world = match &mut self.world {
                Some(w) => w,
                None => self.world.insert(self.start_world()),
            };
            let producer = &world.model().producers[&1];
            let finished =
                producer.stats.records_acked + producer.stats.records_failed >= self.lab.records;
            let out_of_time =
                world.now() > SimTime::from_ms(self.lab.limit_ms) || world.next_time().is_none();
            if finished || out_of_time {
                let result = self.result_of(finished);
                self.results.push(result);
                self.world = None;
                self.current += 1;
                continue;
            }
            world.step();
            taken += 1;
        }
        self.is_done()
    }

    fn result_of(&self, finished: bool) -> LabResult {
        let world = self.world.as_ref().expect("a run in progress");
        let producer = &world.model().producers[&1];
        let totals = producer.metrics.totals();
        let c = &producer.config;
        let first_send_ms = 10;
        LabResult {
            name: self.lab.configurations[self.current as usize].name.clone(),
            settings: vec![
                ("acks".into(), c.acks.to_string()),
                ("batch.size".into(), c.batch_size.to_string()),
                ("linger.ms".into(), c.linger_ms.to_string()),
                ("compression.type".into(), c.compression_type.clone()),
                (
                    "enable.idempotence".into(),
                    c.enable_idempotence.to_string(),
                ),
            ],
            records_acked: producer.stats.records_acked,
            records_failed: producer.stats.records_failed,
            ingestion_ms: producer
                .stats
                .last_ack_at
                .map_or(world.now().as_ms(), |t| t.as_ms())
                .saturating_sub(first_send_ms),
            requests: producer.stats.requests_sent,
            batches: producer.stats.batches_sent,
            bytes_sent: producer.stats.bytes_sent,
            uncompressed_bytes: totals.uncompressed_bytes,
            steps: world.steps_taken(),
            finished,
        }
    }
}

/// One line per result, for the CLI.
pub fn describe(results: &[LabResult]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in results {
        let settings = r
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(format!("{}: {settings}", r.name));
        lines.push(format!(
            "  {} records in {}.{:03} s simulated = {} records/s; {} requests ({}.{} records/request), {} batches of {} B on average, compressed to {}.{}% of the original{}",
            r.records_acked,
            r.ingestion_ms / 1000,
            r.ingestion_ms % 1000,
            r.records_per_second(),
            r.requests,
            r.records_per_request_x10() / 10,
            r.records_per_request_x10() % 10,
            r.batches,
            r.average_batch_bytes(),
            r.compression_thousandths() / 10,
            r.compression_thousandths() % 10,
            if r.finished { "" } else { " (did not finish)" }
        ));
    }
    if let [a, b, ..] = results {
        let ratio_x10 = a.ingestion_ms * 10 / b.ingestion_ms.max(1);
        lines.push(format!(
            "{} took {}.{}x as long as {}",
            a.name,
            ratio_x10 / 10,
            ratio_x10 % 10,
            b.name
        ));
    }
    lines
}
