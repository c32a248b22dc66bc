//! Console lines as lesson actions: `{"at_ms": 4000, "action": "console", "line": "kafka-topics.sh
//! ..."}`. The console (Kafka's tools and their output) lives in `present`, above this layer,
//! so a lesson only keeps the line and its time, checks what it can without the tools (a
//! single line, not empty, not too long, no `sleep`: a lesson times its lines with `at_ms`),
//! and asks a [`ConsoleHost`] to run it. The session is the browser's and `kafka-classroom
//! console`'s host; `present::console::LessonConsole` is `kafka-classroom run`'s. A run without
//! a host ([`NoConsole`]: fingerprints, golden traces, the lab, Compare) skips the lines, which
//! is the same run when they only read the cluster, as every built-in lesson's do.

use super::{LessonError, LessonProblem};
use crate::kafka::commands::CommandError;
use crate::kafka::{Command, KafkaWorld};
use crate::sim::SimTime;
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest line a lesson may type (the console's own limit).
pub const MAX_LINE_BYTES: usize = 10_000;

/// One console line of a lesson, typed at `at`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsoleAction {
    pub at: SimTime,
    pub line: String,
}

/// What is wrong with a lesson's console line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConsoleLineProblem {
    Empty,
    TooLong {
        bytes: u64,
        max: u64,
    },
    /// A line break inside: one action types one line.
    MultiLine,
    /// `sleep` (or `clear`): a lesson times its lines with `at_ms`.
    Builtin(String),
    /// A field other than `at_ms`, `action` and `line`.
    UnknownField(String),
}

/// Runs a lesson's console lines: what the line prints is the host's business; it returns the
/// commands the line asks for, in order (each runs as its own step once the one before it was
/// accepted).
pub trait ConsoleHost {
    fn run_line(&mut self, world: &KafkaWorld, line: &str) -> Vec<Command>;
    /// The line's commands ran: all accepted, or the first refusal (the rest did not run).
    fn finished(&mut self, _result: Result<(), CommandError>) {}
}

/// No console: the lines are skipped.
pub struct NoConsole;

impl ConsoleHost for NoConsole {
    fn run_line(&mut self, _: &KafkaWorld, _: &str) -> Vec<Command> {
        Vec::new()
    }
}

/// `{"at_ms": .., "action": "console", "line": ".."}` (`at_ms` already taken out).
pub(super) fn parse(
    at: SimTime,
    map: &BTreeMap<String, Value>,
) -> Result<ConsoleAction, LessonError> {
    let problem = |p| LessonError::at("line", LessonProblem::ConsoleLine(p));
    if let Some(field) = map.keys().find(|k| *k != "action" && *k != "line") {
        return Err(LessonError::at(
            field.as_str(),
            LessonProblem::ConsoleLine(ConsoleLineProblem::UnknownField(field.clone())),
        ));
    }
    let line = match map.get("line") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(LessonError::at(
                "line",
                LessonProblem::Json(format!("expected a string, got {other}")),
            ))
        }
        None => return Err(LessonError::at("line", LessonProblem::Missing("line"))),
    };
    if line.trim().is_empty() {
        return Err(problem(ConsoleLineProblem::Empty));
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(problem(ConsoleLineProblem::TooLong {
            bytes: line.len() as u64,
            max: MAX_LINE_BYTES as u64,
        }));
    }
    if line.contains(['\n', '\r']) {
        return Err(problem(ConsoleLineProblem::MultiLine));
    }
    let first = line.split_whitespace().next().unwrap_or_default();
    if first == "sleep" || first == "clear" {
        return Err(problem(ConsoleLineProblem::Builtin(first.to_string())));
    }
    Ok(ConsoleAction { at, line })
}

/// Whether a console action at `at` is due: every occurrence up to its time has run, so the
/// line sees the cluster as it stands at that moment (after what happens at `at` itself).
pub fn due(at: SimTime, world: &KafkaWorld) -> bool {
    world.next_time().is_none_or(|t| t > at)
}
