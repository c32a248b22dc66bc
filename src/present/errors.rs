//! Words for every error the layers below return as data: names that do not parse, config
//! values Kafka would refuse (in Kafka's own `ConfigException` wording), refused commands, and
//! problems in lesson files. The `Display` impls live here, beside the rest of the wording, so
//! rewording a message never touches the engine.

use crate::kafka::commands::{CommandError, GroupIdProblem, Limit, NodeKind};
use crate::kafka::config::{ConfigError, ConfigProblem};
use crate::kafka::event::ProcessFault;
use crate::kafka::spec::SpecProblem;
use crate::kafka::types::NameError;
use crate::lesson::{LessonError, LessonProblem};
use std::fmt;

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::NodeKind(s) => {
                write!(f, "unknown node \"{s}\" (expected b1, ctl1, p1 or c1 style names)")
            }
            NameError::NodeNumber(s) => {
                let kind = s.trim_end_matches(|c: char| !c.is_ascii_alphabetic());
                write!(f, "unknown node \"{s}\" (expected a number after \"{kind}\")")
            }
            NameError::NotATopicPartition(s) => write!(
                f,
                "\"{s}\" is not a topic partition (expected \"<topic>-<partition>\", e.g. \"orders-0\")"
            ),
            NameError::EmptyTopic(s) => write!(f, "\"{s}\" has an empty topic name"),
            NameError::PartitionNotANumber(s) => {
                let number = s.rsplit_once('-').map_or("", |(_, n)| n);
                write!(f, "\"{s}\": partition \"{number}\" is not a non-negative integer")
            }
            NameError::PartitionTooLarge(s) => {
                let number = s.rsplit_once('-').map_or("", |(_, n)| n);
                write!(f, "\"{s}\": partition \"{number}\" is larger than 2147483647")
            }
        }
    }
}

/// Kafka's `ConfigException` texts (`ConfigDef.parseType`, `ConfigDef.Range`,
/// `ConfigDef.ValidString`), word for word.
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (key, value) = (&self.key, &self.value);
        let invalid = |f: &mut fmt::Formatter<'_>, reason: &dyn fmt::Display| {
            write!(f, "Invalid value {value} for configuration {key}: {reason}")
        };
        match &self.problem {
            ConfigProblem::UnknownKey { suggestion } => {
                write!(f, "The configuration '{key}' isn't a known config")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean {s}?)")?;
                }
                f.write_str(".")
            }
            ConfigProblem::NotANumber { ty } => {
                invalid(f, &format_args!("Not a number of type {}", ty.kafka_name()))
            }
            ConfigProblem::AtLeast { min } => {
                invalid(f, &format_args!("Value must be at least {min}"))
            }
            ConfigProblem::Between { min, max } => {
                invalid(f, &format_args!("Value must be between {min} and {max}"))
            }
            ConfigProblem::NotABoolean => invalid(f, &"Expected value to be either true or false"),
            ConfigProblem::NotOneOf { item, allowed } => write!(
                f,
                "Invalid value {item} for configuration {key}: String must be one of: {}",
                allowed.join(", ")
            ),
            ConfigProblem::ListItemNotAString => invalid(f, &"list items must be strings"),
            ConfigProblem::NotAScalar => {
                invalid(f, &"expected a string, number or boolean, got an object")
            }
            ConfigProblem::Kafka(e) => write!(f, "ConfigException: {}", e.message()),
            ConfigProblem::HeartbeatNotBelowSession => f.write_str(
                "ConfigException: heartbeat.interval.ms must be set lower than session.timeout.ms",
            ),
        }
    }
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Broker => "a broker",
        NodeKind::Controller => "a controller",
        NodeKind::Producer => "a producer",
        NodeKind::Consumer => "a consumer",
    }
}

fn stopped_how(fault: ProcessFault) -> &'static str {
    match fault {
        ProcessFault::Crash => "it crashed",
        ProcessFault::PowerFailure => "its machine lost power",
        ProcessFault::GracefulShutdown => "it was shut down",
    }
}

fn limit_text(limit: Limit, requested: u64) -> String {
    let max = limit.max();
    match limit {
        Limit::RecordsAtOnce => format!("{requested} records at once is more than this simulator animates (at most {max}); use a produce rate with a total instead"),
        Limit::RecordsPerSecond => format!("{requested} records/s is more than this simulator animates (at most {max})"),
        Limit::ValueBytes => format!("a value of {requested} bytes is more than this simulator keeps (at most {max})"),
        Limit::Partitions => format!("INVALID_PARTITIONS: this simulator draws at most {max} partitions per topic, got {requested}"),
        Limit::Consumers => format!("at most {max} consumers fit on the stage"),
        Limit::PauseMs => format!("a pause lasts between 1 and {max} ms, got {requested}"),
        Limit::ProcessingMs => format!("processing time is at most {max} ms per record, got {requested}"),
        Limit::LatencyMs => format!("a link's latency is at most {max} ms, got {requested}"),
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CommandError::*;
        match self {
            UnknownNode(n) => write!(f, "there is no node {n}"),
            WrongKind { node, expected } => write!(f, "{node} is not {}", kind_name(*expected)),
            NotRunning(n) => write!(f, "{n} is not running"),
            AlreadyStopped { node, fault } => {
                write!(f, "{node} is already stopped ({})", stopped_how(*fault))
            }
            AlreadyRunning(n) => write!(f, "{n} is already running"),
            AlreadyPaused(n) => write!(f, "{n} is already paused"),
            AlreadyShuttingDown(b) => write!(f, "{b} is already shutting down"),
            AlreadyClosed(n) => write!(f, "{n} is already closed"),
            UnknownTopic(t) => write!(f, "UNKNOWN_TOPIC_OR_PARTITION: there is no topic \"{t}\""),
            TopicExists(t) => write!(f, "TOPIC_ALREADY_EXISTS: Topic '{t}' already exists."),
            InvalidPartitions { requested, current: Some(current) } => write!(
                f,
                "INVALID_PARTITIONS: Topic currently has {current} partitions, which is higher than or equal to the requested {requested}."
            ),
            InvalidPartitions { requested, current: None } => write!(
                f,
                "INVALID_PARTITIONS: partitions must be between 1 and {}, got {requested}",
                Limit::Partitions.max()
            ),
            Placement(e) => write!(f, "{}: {}", e.exception_name(), e.message()),
            NoActiveController => f.write_str("there is no active controller to do this"),
            TooMuch { limit, requested } => f.write_str(&limit_text(*limit, *requested)),
            Config(e) => write!(f, "{e}"),
            IdempotenceNeedsIdleProducer { enable } => write!(
                f,
                "this makes enable.idempotence {enable} (directly or through acks, retries or max.in.flight.requests.per.connection), which needs a new producer: call flush() and let the records in flight finish first"
            ),
            ConsumerConfigIsFixed { node, key } => write!(
                f,
                "{node}: {key} cannot change while the consumer runs (a KafkaConsumer reads its config once); close it and add a consumer with the new value"
            ),
            ServerConfigIsFixed(n) => write!(f, "{n}: configs of brokers and controllers are fixed by the lesson"),
            InvalidGroupId(GroupIdProblem::Empty) => f.write_str("InvalidGroupIdException: group.id is empty"),
            InvalidGroupId(GroupIdProblem::SubscribeWithoutGroup) => f.write_str("InvalidGroupIdException: subscribe needs a group.id"),
            InvalidGroupId(GroupIdProblem::CommitWithoutGroup) => f.write_str("InvalidGroupIdException: a commit needs a group.id"),
            SubscribeAndAssign => f.write_str("IllegalStateException: subscribe and assign are mutually exclusive"),
            NothingToConsume => f.write_str("name topics to subscribe to or partitions to assign"),
            BadName(e) => write!(f, "{e}"),
            NoCurrentAssignment { consumer, partition, owned } => {
                let owned = if owned.is_empty() {
                    "nothing".to_string()
                } else {
                    owned.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
                };
                write!(f, "IllegalStateException: No current assignment for partition {partition} ({consumer} owns {owned})")
            }
            NegativeSeekOffset(o) => write!(f, "IllegalArgumentException: seek offset must not be a negative number, got {o}"),
            TooFewGroups => f.write_str("a network partition needs at least two groups"),
            LatencyRange { min_ms, max_ms } => write!(f, "latency range {min_ms}..{max_ms} ms must be increasing"),
            NotAPercentage(p) => write!(f, "{p} is not a percentage between 0 and 100"),
        }
    }
}

fn spec_problem(f: &mut fmt::Formatter<'_>, problem: &SpecProblem) -> fmt::Result {
    match problem {
        SpecProblem::OutOfRange { value, min, max } => {
            write!(f, "must be between {min} and {max}, got {value}")
        }
        SpecProblem::ReplicationFactorUnreachable { factor, brokers } => write!(
            f,
            "The target replication factor of {factor} cannot be reached because only {brokers} broker(s) are registered."
        ),
        SpecProblem::AssignmentLength { listed, partitions } => {
            write!(f, "{listed} partitions listed, the topic has {partitions}")
        }
        SpecProblem::AssignmentReplicas { factor } => write!(f, "needs {factor} distinct brokers"),
        SpecProblem::NoSuchBroker(b) => write!(f, "there is no broker {b}"),
        SpecProblem::DuplicateTopic(t) => write!(f, "topic \"{t}\" is defined twice"),
        SpecProblem::NoSuchPartition(tp) => write!(f, "{tp} is not a partition of any topic"),
        SpecProblem::SubscribeWithoutGroup => f.write_str(
            "subscribe needs a group.id (InvalidGroupIdException); set config.\"group.id\" or use assign",
        ),
        SpecProblem::NoTopics => f.write_str("name at least one topic"),
        SpecProblem::NoSuchTopic(t) => write!(f, "there is no topic \"{t}\""),
    }
}

impl fmt::Display for LessonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LessonProblem::*;
        match self {
            Json(message) => f.write_str(message),
            TooLarge { bytes, max } => {
                write!(f, "the file has {bytes} bytes; a lesson has at most {max}")
            }
            UnsupportedVersion { found, supported } => write!(
                f,
                "unsupported lesson format version {found} (this app reads version {supported})"
            ),
            Empty => f.write_str("must not be empty"),
            Config(e) => write!(f, "{e}"),
            Spec(p) => spec_problem(f, p),
            ControllerCount(n) => write!(f, "a KRaft quorum has 1, 3 or 5 controllers, got {n}"),
            TopicName => f.write_str("topic names use letters, digits, '.', '_' and '-'"),
            BadName(e) => write!(f, "{e}"),
            SubscribeAndAssign => f.write_str(
                "IllegalStateException: subscribe and assign are mutually exclusive; give one",
            ),
            NothingToConsume => {
                f.write_str("give \"assign\" (partitions) or \"subscribe\" (topics)")
            }
            LatencyRange { max_ms } => write!(f, "expected [min, max] with min <= max <= {max_ms}"),
            NotAnObject => f.write_str(
                "expected an object like {\"at_ms\": 100, \"action\": \"produce\", ...}",
            ),
            NotAnInstant(got) => write!(f, "expected a non-negative integer, got {got}"),
            Missing(field) => write!(f, "missing field `{field}`"),
            NoSuchNode(n) => write!(f, "there is no node {n} in this lesson's cluster"),
            NoSuchTopic(t) => write!(f, "there is no topic \"{t}\" in this lesson"),
            NoSuchReason(r) => {
                let names: Vec<&str> = crate::kafka::event::BatchReadyReason::ALL
                    .iter()
                    .map(|r| r.name())
                    .collect();
                write!(
                    f,
                    "\"{r}\" is not a reason a batch leaves; one of {}",
                    names.join(", ")
                )
            }
            OutOfRange { value, min, max } => {
                write!(f, "must be between {min} and {max}, got {value}")
            }
            LabWithoutTopicOrProducer => {
                f.write_str("the lab needs a topic of this lesson and at least one producer")
            }
            EmptyList => f.write_str("must list at least one entry"),
            NoSuchLesson(id) => write!(f, "no built-in lesson named \"{id}\""),
            Command(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kafka::config::{def, PRODUCER_KEYS};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn config_error(key: &str, value: serde_json::Value) -> String {
        let supplied = BTreeMap::from([(key.to_string(), value)]);
        def::parse(PRODUCER_KEYS, &supplied).unwrap_err()[0].to_string()
    }

    #[test]
    fn config_errors_use_kafkas_wording() {
        assert_eq!(
            config_error("linger.ms", json!("abc")),
            "Invalid value abc for configuration linger.ms: Not a number of type LONG"
        );
        assert_eq!(
            config_error("linger.ms", json!(-1)),
            "Invalid value -1 for configuration linger.ms: Value must be at least 0"
        );
        assert_eq!(
            config_error("acks", json!("2")),
            "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
        );
        assert_eq!(config_error("enable.idempotence", json!("yes")), "Invalid value yes for configuration enable.idempotence: Expected value to be either true or false");
        assert_eq!(
            config_error("linger.msx", json!(1)),
            "The configuration 'linger.msx' isn't a known config (did you mean linger.ms?)."
        );
    }
}
