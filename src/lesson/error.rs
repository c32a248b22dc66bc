//! What is wrong with a lesson file, and where: a field path such as
//! `producers[0].config.linger.ms` and the problem as data. `present` words it.

use crate::kafka::commands::CommandError;
use crate::kafka::config::ConfigError;
use crate::kafka::spec::SpecProblem;
use crate::kafka::types::{NameError, NodeId};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LessonError {
    /// A path into the file; empty for the whole file.
    pub path: String,
    pub problem: LessonProblem,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LessonProblem {
    /// The JSON does not parse, or a field has the wrong shape (serde's own message).
    Json(String),
    /// Larger than a lesson file may be.
    TooLarge {
        bytes: u64,
        max: u64,
    },
    UnsupportedVersion {
        found: u32,
        supported: u32,
    },
    Empty,
    Config(ConfigError),
    Spec(SpecProblem),
    /// A KRaft quorum has 1, 3 or 5 controllers.
    ControllerCount(u32),
    /// Topic names use letters, digits, '.', '_' and '-'.
    TopicName,
    BadName(NameError),
    SubscribeAndAssign,
    NothingToConsume,
    /// A latency range that is not `[min, max]` with `min <= max <= limit`.
    LatencyRange {
        max_ms: u64,
    },
    /// An action that is not a JSON object.
    NotAnObject,
    /// `at_ms` that is not a non-negative integer (what was there instead).
    NotAnInstant(String),
    Missing(&'static str),
    NoSuchNode(NodeId),
    NoSuchTopic(String),
    /// A batch-ready reason that does not exist.
    NoSuchReason(String),
    /// A transactional producer state that does not exist (`TransactionManager.State`).
    NoSuchTxnState(String),
    /// A count outside `min..=max`.
    OutOfRange {
        value: i64,
        min: i64,
        max: i64,
    },
    /// The lab needs a topic of the lesson and at least one producer.
    LabWithoutTopicOrProducer,
    /// A list that must not be empty.
    EmptyList,
    /// No built-in lesson has this id.
    NoSuchLesson(String),
    /// A command of the lesson was refused (replaying a shared run).
    Command(CommandError),
    /// A console action's line that cannot be typed (see `lesson::console`).
    ConsoleLine(super::console::ConsoleLineProblem),
}

impl LessonError {
    pub fn at(path: impl Into<String>, problem: LessonProblem) -> LessonError {
        LessonError {
            path: path.into(),
            problem,
        }
    }

    /// The same problem, one level deeper: `prefix.path`.
    pub fn under(self, prefix: &str) -> LessonError {
        let path = if self.path.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.path)
        };
        LessonError { path, ..self }
    }
}

impl From<ConfigError> for LessonProblem {
    fn from(e: ConfigError) -> Self {
        LessonProblem::Config(e)
    }
}

impl From<NameError> for LessonProblem {
    fn from(e: NameError) -> Self {
        LessonProblem::BadName(e)
    }
}
