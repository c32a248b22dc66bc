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
            ConfigProblem::UnknownKey { .. } if key.trim().is_empty() => {
                f.write_str("A configuration needs a name; this one's name is empty.")
            }
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
            ConfigProblem::TooLong { bytes, max } if value.is_empty() => write!(
                f,
                "The configuration name {key} is {bytes} bytes long; names are at most {max} bytes."
            ),
            ConfigProblem::TooLong { bytes, max } => write!(
                f,
                "The value {value} for configuration {key} is {bytes} bytes long; values are at most {max} bytes."
            ),
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
        Limit::Producers => format!("at most {max} producers fit on the stage"),
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
            // Kafka: `DynamicBrokerConfig.validateConfigs` (a Scala `Set` printed).
            ConfigsNotDynamic(keys) => write!(
                f,
                "Cannot update these configs dynamically: Set({})",
                keys.join(", ")
            ),
            BadBrokerName(_) => f.write_str("Unable to parse broker name as a base 10 number."),
            UnknownGroup(g) => write!(f, "Group {g} not found."),
            GroupNotEmpty(_) => f.write_str("The group is not empty."),
            CoordinatorNotAvailable(_) => f.write_str("The coordinator is not available."),
            InvalidReplicaAssignment(problem) => replica_assignment_text(f, problem),
            // The transactional producer's refusals and the pipeline's.
            _ => write_txn_refusal(f, self),
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
            NoSuchTxnState(s) => {
                let names: Vec<&str> = crate::kafka::producer::transactions::ClientTxnState::ALL
                    .iter()
                    .map(|s| s.name())
                    .collect();
                write!(
                    f,
                    "\"{s}\" is not a transactional producer state; one of {}",
                    names.join(", ")
                )
            }
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
            ConsoleLine(p) => console_line_problem(f, p),
        }
    }
}

fn console_line_problem(
    f: &mut fmt::Formatter<'_>,
    problem: &crate::lesson::console::ConsoleLineProblem,
) -> fmt::Result {
    use crate::lesson::console::ConsoleLineProblem::*;
    match problem {
        Empty => f.write_str("a console action types a command: the line must not be empty"),
        TooLong { bytes, max } => write!(
            f,
            "the line has {bytes} bytes; the console takes at most {max}"
        ),
        MultiLine => f.write_str("one console action types one line: use one action per command"),
        Builtin(word) => write!(
            f,
            "`{word}` is not needed in a lesson: each console action runs at its own at_ms"
        ),
        UnknownField(field) => write!(
            f,
            "a console action has only at_ms, action and line; `{field}` is not one of them"
        ),
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

/// Kafka: `ReplicationControlManager.validateManualPartitionAssignment` and `createTopic`'s
/// `INVALID_REPLICA_ASSIGNMENT` messages, word for word.
fn replica_assignment_text(
    f: &mut fmt::Formatter<'_>,
    problem: &crate::kafka::commands::ReplicaAssignmentProblem,
) -> fmt::Result {
    use crate::kafka::commands::ReplicaAssignmentProblem::*;
    match problem {
        EmptyReplicaList => f.write_str("The manual partition assignment includes an empty replica list."),
        UnregisteredBroker(b) => write!(f, "The manual partition assignment includes broker {b}, but no such broker is registered."),
        DuplicateBroker(b) => write!(f, "The manual partition assignment includes the broker {b} more than once."),
        InconsistentReplicationFactor { replicas, previous } => write!(f, "The manual partition assignment includes a partition with {replicas} replica(s), but this is not consistent with previous partitions, which have {previous} replica(s)."),
        AllFenced { partition } => write!(f, "All brokers specified in the manual partition assignment for partition {partition} are fenced or in controlled shutdown."),
        AssignmentCount { additional, assignments } => write!(f, "Attempted to add {additional} additional partition(s), but only {assignments} assignment(s) were specified."),
    }
}

/// `KafkaProducer`'s exceptions for a transactional call it refuses, Kafka's wording.
fn write_txn_refusal(f: &mut fmt::Formatter<'_>, error: &CommandError) -> fmt::Result {
    use crate::kafka::commands::PipelineProblem;
    use crate::kafka::producer::transactions::TxnRefusal::*;
    let (node, refusal) = match error {
        CommandError::Transaction { node, refusal } => (node, refusal),
        CommandError::PipelineConsumer { node, problem } => {
            let why = match problem {
                PipelineProblem::NoGroup => "it needs a group.id: its offsets are committed in the transaction",
                PipelineProblem::AutoCommit => "set enable.auto.commit=false: its offsets are committed in the transaction",
                PipelineProblem::WorkerThread => "its loop must process the records itself, not hand them to a worker thread",
                PipelineProblem::AlreadyRunning => "it already runs a pipeline",
            };
            return write!(f, "{node} cannot run an exactly-once pipeline: {why}");
        }
        CommandError::TransactionalIdNeedsIdleProducer => {
            return f.write_str(
                "transactional.id makes a new producer: call flush() and let the records in flight finish first",
            )
        }
        other => return write!(f, "{other:?}"),
    };
    match refusal {
        NotTransactional => write!(
            f,
            "{node}: IllegalStateException: Transactional method invoked on a non-transactional producer (set transactional.id)"
        ),
        WrongState { call, state } => write!(
            f,
            "{node}: IllegalStateException: cannot call {}() in state {}",
            call.method(),
            state.name()
        ),
        InError { call, error } => write!(
            f,
            "{node}: {}() refused: the producer is in an error state ({error}, {})",
            call.method(),
            error.exception_name()
        ),
    }
}

/// Kafka's exception messages for a `send()` that throws at once.
impl fmt::Display for crate::kafka::event::SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::SendError::*;
        match self {
            NotJson { key } => write!(
                f,
                "SerializationException: the {} is not valid JSON",
                if *key { "key" } else { "value" }
            ),
            RecordTooLarge { size, max_request_size } => write!(
                f,
                "RecordTooLargeException: The message is {size} bytes when serialized which is larger than {max_request_size}, which is the value of the max.request.size configuration."
            ),
            InvalidPartition { partition, partition_count } => write!(
                f,
                "IllegalArgumentException: Invalid partition given with record: {partition} is not in the range [0...{partition_count})."
            ),
            CustomPartitionOutOfRange { class, partition, partition_count } => write!(
                f,
                "{class} returned partition {partition}, but the topic has {partition_count} partitions"
            ),
        }
    }
}

/// What Kafka's producer hands the callback with a failed send.
impl fmt::Display for crate::kafka::event::FailureDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::FailureDetail::*;
        match self {
            Broker(reason) => write!(f, "{reason}"),
            BatchExpired { records, elapsed_ms } => write!(
                f,
                "Expiring {records} record(s): {elapsed_ms} ms has passed since batch creation"
            ),
            BufferFull { max_block_ms } => write!(
                f,
                "TimeoutException: Failed to allocate memory within the configured max blocking time {max_block_ms} ms."
            ),
            TopicNotInMetadata { topic, max_block_ms } => write!(
                f,
                "TimeoutException: Topic {topic} not present in metadata after {max_block_ms} ms."
            ),
            TransactionAborted => f.write_str(
                "TransactionAbortedException: Failing batch since transaction was aborted"
            ),
        }
    }
}

/// The broker's exception messages, word for word as Kafka sends them (the partition is not
/// part of the reason, so messages that name it say "the partition").
impl fmt::Display for crate::kafka::event::RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::RejectReason::*;
        match self {
            BelowMinIsr { isr, min_insync_replicas } => write!(
                f,
                "The size of the current ISR {:?} is insufficient to satisfy the min.isr requirement of {min_insync_replicas}",
                isr.iter().map(|b| b.0).collect::<Vec<_>>()
            ),
            KeylessRecordOnCompactedTopic => {
                f.write_str("Compacted topic cannot accept message without key.")
            }
            ProducerState(e) => f.write_str(e.message()),
            MessageTooLarge { size, max_message_bytes } => write!(
                f,
                "The request included a message larger than the max message size the server will accept ({size} > {max_message_bytes})"
            ),
            IsrShrankAfterAppend => {
                f.write_str("The ISR shrank below min.insync.replicas after the append")
            }
            // Kafka: ProducerAppendInfo.appendDataBatch.
            NonTransactionalWrite { producer_id, offset } => write!(
                f,
                "Expected transactional write from producer {producer_id} at offset {offset} in the partition"
            ),
        }
    }
}

/// How the partition was chosen, as the trace shows it.
pub fn partition_choice(how: &crate::kafka::event::PartitionChoice, partition: i32) -> String {
    use crate::kafka::event::PartitionChoice::*;
    match how {
        Explicit => "explicit partition".into(),
        KeyHash {
            hash,
            partition_count,
        } => format!("murmur2(key)={hash} → toPositive % {partition_count} = {partition}"),
        Sticky { keys_ignored } => format!(
            "{}: sticky partition (uniform sticky partitioner)",
            if *keys_ignored {
                "partitioner.ignore.keys=true"
            } else {
                "null key"
            }
        ),
        RoundRobin => "RoundRobinPartitioner: next partition in turn".into(),
        CustomRule { class, prefix } => format!("{class}: key starts with \"{prefix}\""),
        CustomFallback { class, murmur2 } => format!(
            "{class}: no rule matched, {}",
            if *murmur2 {
                "murmur2 fallback"
            } else {
                "fallback partition"
            }
        ),
    }
}

impl fmt::Display for crate::kafka::event::RemoveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::RemoveReason::*;
        f.write_str(match self {
            RebalanceTimeout => "did not rejoin within the rebalance timeout",
            SyncTimeout => "did not send SyncGroup in time",
            LeaveGroup => "left the group (LeaveGroup)",
            SessionTimeout => "session timed out (no heartbeat within session.timeout.ms)",
        })
    }
}

impl fmt::Display for crate::kafka::event::RebalanceReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::RebalanceReason::*;
        match self {
            NewMember => f.write_str("a new member joined"),
            MemberRejoined => f.write_str("a member rejoined"),
            StaticMemberRejoined => f.write_str("a static member rejoined"),
            SyncTimeout => f.write_str("members did not sync in time"),
            MemberLeft => f.write_str("a member left the group (LeaveGroup)"),
            MemberRemoved(reason) => write!(f, "a member {reason}"),
            AssignmentNotStored { error } => {
                write!(f, "the group's assignment could not be stored ({error})")
            }
        }
    }
}

impl fmt::Display for crate::kafka::event::LeaveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::LeaveReason::*;
        match self {
            Closing => f.write_str("the consumer is closing"),
            PollTimeout {
                idle_ms,
                max_poll_interval_ms,
            } => write!(
                f,
                "consumer poll timeout has expired: poll() not called for {idle_ms} ms > max.poll.interval.ms {max_poll_interval_ms}"
            ),
        }
    }
}

impl fmt::Display for crate::kafka::event::JoinReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::JoinReason::*;
        match self {
            Started => f.write_str("the consumer started"),
            RevokeAndRejoin => f.write_str("need to revoke partitions and re-join"),
            CoordinatorRebalance => f.write_str("the coordinator started a rebalance"),
            CommitFoundRebalance => f.write_str("a commit found a rebalance in progress"),
            PartitionCountChanged => {
                f.write_str("the leader saw the partition count of a subscribed topic change")
            }
            CoordinatorAnswered(error) => write!(f, "the coordinator answered {error}"),
            Left(reason) => write!(f, "{reason}"),
        }
    }
}

impl fmt::Display for crate::kafka::event::PositionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::event::PositionReason::*;
        f.write_str(match self {
            Committed => "the group's committed offset",
            AutoOffsetReset { earliest: true } => {
                "auto.offset.reset=earliest: start at the log start offset"
            }
            AutoOffsetReset { earliest: false } => {
                "auto.offset.reset=latest: start at the log end (the high watermark)"
            }
            TruncationDetected => {
                "log truncation detected (KIP-320): back to the end of the last common epoch"
            }
            SeekToBeginning => "seekToBeginning",
            SeekToEnd => "seekToEnd",
            Seek => "seek",
        })
    }
}

/// The exceptions a consumer's application sees, in Kafka's words.
impl fmt::Display for crate::kafka::event::ConsumerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kafka::config::consumer::AutoOffsetReset;
        use crate::kafka::event::ConsumerError::*;
        match self {
            JoinFailed { group, error } => write!(
                f,
                "{}: the consumer cannot join group {group} ({error})",
                error.exception_name()
            ),
            FencedInstanceId { instance_id } => write!(
                f,
                "FencedInstanceIdException: another consumer with group.instance.id {instance_id} took over"
            ),
            CommitFailed { error } => write!(
                f,
                "CommitFailedException: Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member ({error})"
            ),
            NoOffsetForPartition { partition } => write!(
                f,
                "NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [{partition}]"
            ),
            LogTruncation { partition, end_offset } => write!(
                f,
                "LogTruncationException: Truncated partitions detected with divergent offsets {{{partition}={end_offset}}}"
            ),
            OffsetOutOfRange {
                partition,
                position,
                log_start_offset,
                high_watermark,
                reset,
            } => write!(
                f,
                "{position} is out of range for {partition} (log {log_start_offset}..{high_watermark}): auto.offset.reset={}",
                match reset {
                    AutoOffsetReset::Earliest => "earliest",
                    AutoOffsetReset::Latest => "latest",
                    AutoOffsetReset::None => "none (OffsetOutOfRangeException)",
                }
            ),
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
