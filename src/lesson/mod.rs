//! Lessons: a scenario (cluster, topics, clients, network), a timed list of actions, expected
//! outcomes and the story a teacher tells. This module parses lesson files with precise errors
//! (a field path and a reason, never a panic), turns them into a `ClusterSpec`, and builds the
//! world they describe. Built-in lessons ship inside the binary.

pub mod beats;
pub mod builtin;
pub mod challenge;
pub mod error;
pub mod expect;
pub mod format;
pub mod lab;
pub mod probe;
pub mod schedule;
mod spec_builder;

pub use error::{LessonError, LessonProblem};

use crate::kafka::command::Command;
use crate::kafka::spec::ClusterSpec;
use crate::kafka::types::NodeId;
use crate::kafka::{Cluster, KafkaWorld};
use crate::sim::{SimTime, World};
use format::LessonFile;
use serde_json::Value;
use std::collections::BTreeMap;

/// The lesson format this build reads.
pub const LESSON_VERSION: u32 = 1;
/// Largest lesson file read, in bytes (checked before parsing).
pub const MAX_LESSON_BYTES: usize = 1_000_000;

/// A validated lesson.
#[derive(Clone, PartialEq, Debug)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub story: Vec<String>,
    /// The course section (`Basics`, `Producers`, ...); `None` for a sandbox.
    pub section: Option<String>,
    pub beats: Vec<beats::Beat>,
    pub seed: u64,
    pub run_until_ms: u64,
    pub spec: ClusterSpec,
    pub actions: Vec<(SimTime, Command)>,
    pub expect: Vec<expect::Expectation>,
    pub lab: Option<lab::LabFile>,
    /// A challenge: a goal, a budget of actions and a verdict (see `challenge`).
    pub challenge: Option<challenge::Challenge>,
    /// The file it came from, verbatim (shared links embed custom lessons).
    pub source: String,
}

impl Lesson {
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        if text.len() > MAX_LESSON_BYTES {
            return Err(LessonError::at(
                "",
                LessonProblem::TooLarge {
                    bytes: text.len() as u64,
                    max: MAX_LESSON_BYTES as u64,
                },
            ));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let file: LessonFile = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
        if file.version != LESSON_VERSION {
            return Err(LessonError::at(
                "version",
                LessonProblem::UnsupportedVersion {
                    found: file.version,
                    supported: LESSON_VERSION,
                },
            ));
        }
        for (field, value) in [("id", &file.id), ("title", &file.title)] {
            if value.trim().is_empty() {
                return Err(LessonError::at(field, LessonProblem::Empty));
            }
        }
        let spec = spec_builder::build_spec(&file)?;
        let actions = parse_actions(&file.actions, &spec)?;
        let expect = parse_expectations(&file.expect, &spec)?;
        let exists = |n: NodeId| node_exists(&spec, n);
        for (i, beat) in file.beats.iter().enumerate() {
            beat.validate(&exists).map_err(|(field, problem)| {
                LessonError::at(format!("beats[{i}].{field}"), problem)
            })?;
        }
        if let Some(lab) = &file.lab {
            lab.validate()?;
            if !spec.topics.iter().any(|t| t.name == lab.topic) || spec.producers.is_empty() {
                return Err(LessonError::at(
                    "lab.topic",
                    LessonProblem::LabWithoutTopicOrProducer,
                ));
            }
        }
        if let Some(challenge) = &file.challenge {
            challenge
                .validate(&exists)
                .map_err(|p| LessonError::at("challenge", p))?;
        }
        Ok(Lesson {
            id: file.id,
            title: file.title,
            summary: file.summary,
            story: file.story,
            section: file.section,
            beats: file.beats,
            seed: file.seed,
            run_until_ms: file.run_until_ms.unwrap_or(10_000),
            spec,
            actions,
            expect,
            lab: file.lab.clone(),
            challenge: file.challenge.clone(),
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

/// A serde error at its field path (`.` is the whole file).
fn json_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> LessonError {
    let path = e.path().to_string();
    LessonError::at(
        if path == "." { String::new() } else { path },
        LessonProblem::Json(e.inner().to_string()),
    )
}

fn parse_actions(
    actions: &[Value],
    spec: &ClusterSpec,
) -> Result<Vec<(SimTime, Command)>, LessonError> {
    actions
        .iter()
        .enumerate()
        .map(|(i, raw)| parse_action(raw, spec).map_err(|e| e.under(&format!("actions[{i}]"))))
        .collect()
}

fn parse_action(raw: &Value, spec: &ClusterSpec) -> Result<(SimTime, Command), LessonError> {
    let Value::Object(map) = raw else {
        return Err(LessonError::at("", LessonProblem::NotAnObject));
    };
    let mut map: BTreeMap<String, Value> = map.clone().into_iter().collect();
    let at_ms = match map.remove("at_ms") {
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().expect("checked"),
        Some(other) => {
            return Err(LessonError::at(
                "at_ms",
                LessonProblem::NotAnInstant(other.to_string()),
            ))
        }
        None => return Err(LessonError::at("at_ms", LessonProblem::Missing("at_ms"))),
    };
    let object = Value::Object(map.into_iter().collect());
    let command: Command = serde_path_to_error::deserialize(object).map_err(json_error)?;
    check_references(&command, spec).map_err(|p| LessonError::at("", p))?;
    Ok((SimTime::from_ms(at_ms), command))
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
            let e: expect::Expectation = serde_path_to_error::deserialize(raw.clone())
                .map_err(|e| json_error(e).under(&path))?;
            e.validate(&exists).map_err(|p| LessonError::at(path, p))?;
            Ok(e)
        })
        .collect()
}

pub(crate) fn node_exists(spec: &ClusterSpec, n: NodeId) -> bool {
    match n {
        NodeId::Broker(b) => (1..=spec.brokers).contains(&b.0),
        NodeId::Controller(c) => (1..=spec.controllers).contains(&c),
        NodeId::Producer(p) => (1..=spec.producers.len() as u32).contains(&p),
        NodeId::Consumer(c) => (1..=spec.consumers.len() as u32).contains(&c),
    }
}

/// Static checks a lesson can fail before it runs: nodes and topics that do not exist.
fn check_references(command: &Command, spec: &ClusterSpec) -> Result<(), LessonProblem> {
    if let Some(n) = command.nodes().into_iter().find(|n| !node_exists(spec, *n)) {
        return Err(LessonProblem::NoSuchNode(n));
    }
    match command.topic() {
        Some(topic) if !spec.topics.iter().any(|t| t.name == topic) => {
            Err(LessonProblem::NoSuchTopic(topic.to_string()))
        }
        _ => Ok(()),
    }
}
