//! Lessons: a scenario (cluster, topics, clients, network), a timed list of actions, expected
//! outcomes and the story a teacher tells. This module parses lesson files with precise errors
//! (a field path and a reason, never a panic), turns them into a `ClusterSpec`, and builds the
//! world they describe. Built-in lessons ship inside the binary.

pub mod beats;
pub mod builtin;
pub mod challenge;
pub mod console;
pub mod error;
pub mod expect;
pub mod format;
pub mod lab;
pub mod probe;
pub mod schedule;
mod spec_builder;
pub mod txn_expect;

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
    /// Console lines the lesson types (`"action": "console"`), in time order (see `console`).
    pub console: Vec<console::ConsoleAction>,
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
        let (actions, console) = parse_actions(&file.actions, &spec)?;
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
            console,
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
    pub fn run_checked(&self, seed: u64, on_step: impl FnMut(&crate::kafka::KafkaStep)) -> Outcome {
        self.run_checked_with_console(seed, &mut console::NoConsole, on_step)
    }

    /// `run_checked` with the lesson's console lines typed into `host`.
    pub fn run_checked_with_console(
        &self,
        seed: u64,
        host: &mut dyn console::ConsoleHost,
        mut on_step: impl FnMut(&crate::kafka::KafkaStep),
    ) -> Outcome {
        let mut observer = expect::RunObserver {
            watch: txn_expect::TxnWatch::for_expectations(&self.expect),
            ..Default::default()
        };
        let watching = !observer.watch.is_empty();
        let world = self.run_watching(seed, host, |step, world| {
            observer.observe(step);
            if watching {
                observer.watch.sample(world);
            }
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

    /// Run the lesson from time zero to `run_until_ms`, calling `on_step` for each step. Its
    /// console lines are skipped (see `console`).
    pub fn run(&self, seed: u64, on_step: impl FnMut(&crate::kafka::KafkaStep)) -> KafkaWorld {
        self.run_with_console(seed, &mut console::NoConsole, on_step)
    }

    /// Run the lesson to `run_until_ms` with its console lines typed into `host` at their
    /// times; the commands a line asks for run as steps, in order, until one is refused.
    pub fn run_with_console(
        &self,
        seed: u64,
        host: &mut dyn console::ConsoleHost,
        mut on_step: impl FnMut(&crate::kafka::KafkaStep),
    ) -> KafkaWorld {
        self.run_watching(seed, host, |step, _| on_step(step))
    }

    /// `run_with_console`, showing `on_step` the world after each step too.
    fn run_watching(
        &self,
        seed: u64,
        host: &mut dyn console::ConsoleHost,
        mut on_step: impl FnMut(&crate::kafka::KafkaStep, &KafkaWorld),
    ) -> KafkaWorld {
        let mut world = self.world(seed);
        let end = SimTime::from_ms(self.run_until_ms);
        let mut lines = self.console.iter().filter(|l| l.at <= end).peekable();
        loop {
            while let Some(line) = lines.next_if(|l| console::due(l.at, &world)) {
                world.advance_idle_to(line.at);
                let commands = host.run_line(&world, &line.line);
                if commands.is_empty() {
                    continue;
                }
                let mut result = Ok(());
                for command in commands {
                    match world.apply_command(command) {
                        Ok(step) => on_step(&step, &world),
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                host.finished(result);
            }
            if world.next_time().is_none_or(|t| t > end) {
                break;
            }
            match world.step() {
                Some(step) => on_step(&step, &world),
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

/// The engine's commands and the console lines, each with its time (lines in time order;
/// lines at the same time keep the file's order).
type Actions = (Vec<(SimTime, Command)>, Vec<console::ConsoleAction>);

fn parse_actions(actions: &[Value], spec: &ClusterSpec) -> Result<Actions, LessonError> {
    let mut commands = Vec::new();
    let mut lines = Vec::new();
    for (i, raw) in actions.iter().enumerate() {
        match parse_action(raw, spec).map_err(|e| e.under(&format!("actions[{i}]")))? {
            Action::Command(at, command) => commands.push((at, command)),
            Action::Console(line) => lines.push(line),
        }
    }
    crate::sim::sort::sort_by_key(&mut lines, |l: &console::ConsoleAction| l.at);
    Ok((commands, lines))
}

enum Action {
    Command(SimTime, Command),
    Console(console::ConsoleAction),
}

fn parse_action(raw: &Value, spec: &ClusterSpec) -> Result<Action, LessonError> {
    let Value::Object(map) = raw else {
        return Err(LessonError::at("", LessonProblem::NotAnObject));
    };
    let mut map: BTreeMap<String, Value> = crate::sim::sort::collect_map(map.clone());
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
    let at = SimTime::from_ms(at_ms);
    if map.get("action").and_then(Value::as_str) == Some("console") {
        return console::parse(at, &map).map(Action::Console);
    }
    let mut object = serde_json::Map::new();
    for (k, v) in map {
        object.insert(k, v);
    }
    let object = Value::Object(object);
    let command: Command = serde_path_to_error::deserialize(object).map_err(json_error)?;
    check_references(&command, spec).map_err(|p| LessonError::at("", p))?;
    Ok(Action::Command(at, command))
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
