//! Lessons: a scenario (cluster, topics, clients, network), a timed list of actions, expected
//! outcomes and the story a teacher tells. This module parses lesson files with precise errors
//! (a field path and a reason, never a panic), turns them into a `ClusterSpec`, and builds the
//! world they describe. Built-in lessons ship inside the binary.

pub mod builtin;
pub mod expect;
pub mod format;
pub mod lab;

use crate::kafka::command::Command;
use crate::kafka::config::{self, BrokerConfig, ConsumerConfig, ProducerConfig};
use crate::kafka::spec::{ClusterSpec, ConsumerMode, ConsumerSpec, ProducerSpec, TopicSpec};
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::{Cluster, KafkaWorld};
use crate::sim::{LinkConfig, SimDuration, SimTime, World};
use format::LessonFile;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The lesson format this build reads.
pub const LESSON_VERSION: u32 = 1;

/// What is wrong with a lesson file, and where.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LessonError {
    /// A path into the file, such as `producers[0].config.linger.ms`; empty for the whole file.
    pub path: String,
    pub message: String,
}

impl LessonError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> LessonError {
        LessonError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A validated lesson.
#[derive(Clone, PartialEq, Debug)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub story: Vec<String>,
    pub seed: u64,
    pub run_until_ms: u64,
    pub spec: ClusterSpec,
    pub actions: Vec<(SimTime, Command)>,
    pub expect: Vec<expect::Expectation>,
    pub lab: Option<lab::LabFile>,
    /// The file it came from, verbatim (shared links embed custom lessons).
    pub source: String,
}

impl Lesson {
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let file: LessonFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            LessonError::at(
                if path == "." { String::new() } else { path },
                e.inner().to_string(),
            )
        })?;
        if file.version != LESSON_VERSION {
            return Err(LessonError::at(
                "version",
                format!("unsupported lesson format version {} (this app reads version {LESSON_VERSION})", file.version),
            ));
        }
        if file.id.trim().is_empty() || file.title.trim().is_empty() {
            return Err(LessonError::at(
                if file.id.trim().is_empty() {
                    "id"
                } else {
                    "title"
                },
                "must not be empty",
            ));
        }
        let spec = build_spec(&file)?;
        let actions = parse_actions(&file.actions, &spec)?;
        let expect = parse_expectations(&file.expect, &spec)?;
        if let Some(lab) = &file.lab {
            lab.validate()?;
            if !spec.topics.iter().any(|t| t.name == lab.topic) || spec.producers.is_empty() {
                return Err(LessonError::at(
                    "lab.topic",
                    "the lab needs a topic of this lesson and at least one producer",
                ));
            }
        }
        Ok(Lesson {
            id: file.id,
            title: file.title,
            summary: file.summary,
            story: file.story,
            seed: file.seed,
            run_until_ms: file.run_until_ms.unwrap_or(10_000),
            spec,
            actions,
            expect,
            lab: file.lab.clone(),
            source: text.to_string(),
        })
    }

    /// The lesson's world at time zero, with its actions scheduled.
    pub fn world(&self, seed: u64) -> KafkaWorld {
        let cluster =
            Cluster::new(self.spec.clone()).expect("a parsed lesson has a valid cluster spec");
        let mut world = World::new(seed, cluster, self.spec.network);
        world.init(|cluster, ctx| cluster.boot(ctx));
        for (at, command) in &self.actions {
            world.schedule_command(*at, command.clone());
        }
        world
    }
}

/// The result of running a lesson to its end with its expectations checked.
pub struct Outcome {
    pub world: KafkaWorld,
    pub report: crate::check::HistoryReport,
    pub checked: Vec<expect::Checked>,
}

impl Outcome {
    pub fn all_passed(&self) -> bool {
        self.checked.iter().all(|c| c.passed)
    }
}

impl Lesson {
    /// Run to the end, follow every record, and check the lesson's expectations.
    pub fn run_checked(
        &self,
        seed: u64,
        mut on_step: impl FnMut(&crate::kafka::KafkaStep),
    ) -> Outcome {
        let mut observer = expect::RunObserver::default();
        let world = self.run(seed, |step| {
            observer.observe(step);
            on_step(step);
        });
        let report = observer.history.analyze(&world);
        let checked = self
            .expect
            .iter()
            .map(|e| e.check(&world, &observer, &report))
            .collect();
        Outcome {
            world,
            report,
            checked,
        }
    }

    /// Run the lesson from time zero to `run_until_ms`, calling `on_step` for each step.
    pub fn run(&self, seed: u64, mut on_step: impl FnMut(&crate::kafka::KafkaStep)) -> KafkaWorld {
        let mut world = self.world(seed);
        let end = SimTime::from_ms(self.run_until_ms);
        while world.next_time().is_some_and(|t| t <= end) {
            match world.step() {
                Some(step) => on_step(&step),
                None => break,
            }
        }
        world.advance_idle_to(end);
        world
    }
}

fn config_errors(path: &str, errors: Vec<config::ConfigError>) -> LessonError {
    let first = &errors[0];
    LessonError::at(format!("{path}.{}", first.key), first.message.clone())
}

fn build_spec(file: &LessonFile) -> Result<ClusterSpec, LessonError> {
    let broker_values = config::def::parse(config::BROKER_KEYS, &file.cluster.config)
        .map_err(|e| config_errors("cluster.config", e))?;
    if !matches!(file.cluster.controllers, 1 | 3 | 5) {
        return Err(LessonError::at(
            "cluster.controllers",
            format!(
                "a KRaft quorum has 1, 3 or 5 controllers, got {}",
                file.cluster.controllers
            ),
        ));
    }
    let mut topics = Vec::new();
    for (i, t) in file.topics.iter().enumerate() {
        let config = config::def::parse(config::TOPIC_KEYS, &t.config)
            .map_err(|e| config_errors(&format!("topics[{i}].config"), e))?;
        if t.name.is_empty()
            || !t
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(LessonError::at(
                format!("topics[{i}].name"),
                "topic names use letters, digits, '.', '_' and '-'",
            ));
        }
        topics.push(TopicSpec {
            name: t.name.clone(),
            partitions: t.partitions,
            replication_factor: t.replication_factor,
            config,
            replica_assignment: t.replica_assignment.clone(),
        });
    }
    let mut producers = Vec::new();
    for (i, p) in file.producers.iter().enumerate() {
        let path = format!("producers[{i}].config");
        let values = config::def::parse(config::PRODUCER_KEYS, &p.config)
            .map_err(|e| config_errors(&path, e))?;
        let config = ProducerConfig::from_values(values)
            .map_err(|e| LessonError::at(&path, format!("ConfigException: {e}")))?;
        producers.push(ProducerSpec {
            config,
            send_mode: p.send_mode,
            partitioner: p.partitioner.clone(),
        });
    }
    let mut consumers = Vec::new();
    for (i, c) in file.consumers.iter().enumerate() {
        let path = format!("consumers[{i}]");
        let values = config::def::parse(config::CONSUMER_KEYS, &c.config)
            .map_err(|e| config_errors(&format!("{path}.config"), e))?;
        let config = ConsumerConfig::from_values(values)
            .map_err(|e| LessonError::at(format!("{path}.config"), e))?;
        let partitions = c
            .assign
            .iter()
            .enumerate()
            .map(|(j, s)| {
                TopicPartition::parse(s)
                    .map_err(|e| LessonError::at(format!("{path}.assign[{j}]"), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mode =
            match (partitions.is_empty(), c.subscribe.is_empty()) {
                (false, true) => ConsumerMode::Assign(partitions),
                (true, false) => ConsumerMode::Subscribe(c.subscribe.clone()),
                (false, false) => return Err(LessonError::at(
                    &path,
                    "IllegalStateException: subscribe and assign are mutually exclusive; give one",
                )),
                (true, true) => {
                    return Err(LessonError::at(
                        &path,
                        "give \"assign\" (partitions) or \"subscribe\" (topics)",
                    ))
                }
            };
        consumers.push(ConsumerSpec {
            config,
            mode,
            app: c.app,
            start_at_ms: c.start_at_ms,
        });
    }
    let mut network = LinkConfig::default();
    if let Some((lo, hi)) = file.network.latency_ms {
        if lo > hi || hi > 60_000 {
            return Err(LessonError::at(
                "network.latency_ms",
                "expected [min, max] with min <= max <= 60000",
            ));
        }
        network.latency_min = SimDuration::from_ms(lo);
        network.latency_max = SimDuration::from_ms(hi);
    }
    if let Some(bw) = file.network.bandwidth_bytes_per_sec {
        network.bandwidth_bytes_per_sec = bw;
    }
    let client_link = match (
        file.network.client_latency_ms,
        file.network.client_bandwidth_bytes_per_sec,
    ) {
        (None, None) => None,
        (latency, bandwidth) => {
            let mut link = network;
            if let Some((lo, hi)) = latency {
                if lo > hi || hi > 60_000 {
                    return Err(LessonError::at(
                        "network.client_latency_ms",
                        "expected [min, max] with min <= max <= 60000",
                    ));
                }
                link.latency_min = SimDuration::from_ms(lo);
                link.latency_max = SimDuration::from_ms(hi);
            }
            if let Some(bw) = bandwidth {
                link.bandwidth_bytes_per_sec = bw;
            }
            Some(link)
        }
    };
    let spec = ClusterSpec {
        brokers: file.cluster.brokers,
        controllers: file.cluster.controllers,
        broker_config: BrokerConfig {
            values: broker_values,
        },
        topics,
        producers,
        consumers,
        network,
        client_link,
        costs: file.costs.unwrap_or_default(),
    };
    spec.check()
        .map_err(|message| match message.split_once(": ") {
            Some((path, rest)) if path.contains('[') || path == "brokers" => {
                LessonError::at(path, rest)
            }
            _ => LessonError::at("cluster", message),
        })?;
    Ok(spec)
}

fn parse_actions(
    actions: &[Value],
    spec: &ClusterSpec,
) -> Result<Vec<(SimTime, Command)>, LessonError> {
    let mut out = Vec::new();
    for (i, raw) in actions.iter().enumerate() {
        let path = format!("actions[{i}]");
        let Value::Object(map) = raw else {
            return Err(LessonError::at(
                path,
                "expected an object like {\"at_ms\": 100, \"action\": \"produce\", ...}",
            ));
        };
        let mut map: BTreeMap<String, Value> = map.clone().into_iter().collect();
        let at_ms = match map.remove("at_ms") {
            Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().expect("checked"),
            Some(other) => {
                return Err(LessonError::at(
                    format!("{path}.at_ms"),
                    format!("expected a non-negative integer, got {other}"),
                ))
            }
            None => {
                return Err(LessonError::at(
                    format!("{path}.at_ms"),
                    "missing field `at_ms`",
                ))
            }
        };
        let object = Value::Object(map.into_iter().collect());
        let command: Command = serde_path_to_error::deserialize(object).map_err(|e| {
            let inner = e.path().to_string();
            let where_ = if inner == "." {
                path.clone()
            } else {
                format!("{path}.{inner}")
            };
            LessonError::at(where_, e.inner().to_string())
        })?;
        check_references(&command, spec).map_err(|m| LessonError::at(path.clone(), m))?;
        out.push((SimTime::from_ms(at_ms), command));
    }
    Ok(out)
}

fn parse_expectations(
    items: &[Value],
    spec: &ClusterSpec,
) -> Result<Vec<expect::Expectation>, LessonError> {
    let exists = |n: NodeId| node_exists(spec, n);
    items
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let path = format!("expect[{i}]");
            let e: expect::Expectation =
                serde_path_to_error::deserialize(raw.clone()).map_err(|e| {
                    let inner = e.path().to_string();
                    LessonError::at(
                        if inner == "." {
                            path.clone()
                        } else {
                            format!("{path}.{inner}")
                        },
                        e.inner().to_string(),
                    )
                })?;
            e.validate(&exists).map_err(|m| LessonError::at(path, m))?;
            Ok(e)
        })
        .collect()
}

fn node_exists(spec: &ClusterSpec, n: NodeId) -> bool {
    match n {
        NodeId::Broker(b) => (1..=spec.brokers).contains(&b.0),
        NodeId::Controller(c) => (1..=spec.controllers).contains(&c),
        NodeId::Producer(p) => (1..=spec.producers.len() as u32).contains(&p),
        NodeId::Consumer(c) => (1..=spec.consumers.len() as u32).contains(&c),
    }
}

/// Static checks a lesson can fail before it runs: nodes and topics that do not exist.
fn check_references(command: &Command, spec: &ClusterSpec) -> Result<(), String> {
    for n in command.nodes() {
        if !node_exists(spec, n) {
            return Err(format!("there is no node {n} in this lesson's cluster"));
        }
    }
    if let Some(topic) = command.topic() {
        if !spec.topics.iter().any(|t| t.name == topic) {
            return Err(format!("there is no topic \"{topic}\" in this lesson"));
        }
    }
    Ok(())
}
