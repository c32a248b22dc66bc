//! Why a command was refused, as data. The model is unchanged when a command is refused; the
//! `present` layer words the error for the class (the UI's notice, the CLI, a lesson error).

use crate::kafka::config::ConfigError;
use crate::kafka::event::ProcessFault;
use crate::kafka::placement::PlacementError;
use crate::kafka::types::{BrokerId, NameError, NodeId, TopicPartition};

/// The limits a command may not exceed. They keep the screen and the engine responsive; none is
/// a Kafka limit (each error says so).
pub mod limits {
    /// Records one `produce_many` may send.
    pub const MAX_RECORDS_AT_ONCE: u64 = 100_000;
    /// Records per second a producer workload may send.
    pub const MAX_RECORDS_PER_SECOND: u64 = 100_000;
    /// Bytes of one synthetic record value.
    pub const MAX_VALUE_BYTES: u64 = 10 * 1024 * 1024;
    /// Partitions a topic may have (each is drawn on the stage).
    pub const MAX_PARTITIONS: u64 = 64;
    /// Consumers a cluster may have (each is a node on the stage).
    pub const MAX_CONSUMERS: u64 = 12;
    /// Producers a cluster may have (each is a node on the stage).
    pub const MAX_PRODUCERS: u64 = 8;
    /// Longest process pause (a GC pause), in ms.
    pub const MAX_PAUSE_MS: u64 = 600_000;
    /// Longest processing time per record, in ms.
    pub const MAX_PROCESSING_MS: u64 = 600_000;
    /// Largest link latency, in ms.
    pub const MAX_LATENCY_MS: u64 = 60_000;
}

/// Which limit of [`limits`] a command went over.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Limit {
    RecordsAtOnce,
    RecordsPerSecond,
    ValueBytes,
    Partitions,
    Consumers,
    Producers,
    PauseMs,
    ProcessingMs,
    LatencyMs,
}

impl Limit {
    pub fn max(self) -> u64 {
        match self {
            Limit::RecordsAtOnce => limits::MAX_RECORDS_AT_ONCE,
            Limit::RecordsPerSecond => limits::MAX_RECORDS_PER_SECOND,
            Limit::ValueBytes => limits::MAX_VALUE_BYTES,
            Limit::Partitions => limits::MAX_PARTITIONS,
            Limit::Consumers => limits::MAX_CONSUMERS,
            Limit::Producers => limits::MAX_PRODUCERS,
            Limit::PauseMs => limits::MAX_PAUSE_MS,
            Limit::ProcessingMs => limits::MAX_PROCESSING_MS,
            Limit::LatencyMs => limits::MAX_LATENCY_MS,
        }
    }

    /// `Err(TooMuch)` when `value` is above the limit.
    pub fn check(self, value: u64) -> Result<(), CommandError> {
        if value > self.max() {
            Err(CommandError::TooMuch {
                limit: self,
                requested: value,
            })
        } else {
            Ok(())
        }
    }
}

/// The kind of node a command needed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NodeKind {
    Broker,
    Controller,
    Producer,
    Consumer,
}

/// Why a consumer's group settings do not allow what was asked (Kafka's
/// `InvalidGroupIdException` cases).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum GroupIdProblem {
    /// `group.id` is empty.
    Empty,
    /// `subscribe()` needs a `group.id`.
    SubscribeWithoutGroup,
    /// A commit needs a `group.id`.
    CommitWithoutGroup,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CommandError {
    UnknownNode(NodeId),
    /// The node exists but is not of the kind the command needs.
    WrongKind {
        node: NodeId,
        expected: NodeKind,
    },
    NotRunning(NodeId),
    AlreadyStopped {
        node: NodeId,
        fault: ProcessFault,
    },
    AlreadyRunning(NodeId),
    AlreadyPaused(NodeId),
    AlreadyShuttingDown(BrokerId),
    AlreadyClosed(NodeId),
    /// `UNKNOWN_TOPIC_OR_PARTITION`.
    UnknownTopic(String),
    /// `TOPIC_ALREADY_EXISTS`.
    TopicExists(String),
    /// `INVALID_PARTITIONS`: asked for `requested`, the topic has `current` (None: a new topic).
    InvalidPartitions {
        requested: i32,
        current: Option<i32>,
    },
    Placement(PlacementError),
    NoActiveController,
    TooMuch {
        limit: Limit,
        requested: u64,
    },
    Config(ConfigError),
    /// The new value turns idempotence on or off, which needs an idle producer.
    IdempotenceNeedsIdleProducer {
        enable: bool,
    },
    /// A running consumer reads its config once.
    ConsumerConfigIsFixed {
        node: NodeId,
        key: String,
    },
    /// Broker and controller configs come from the lesson.
    ServerConfigIsFixed(NodeId),
    InvalidGroupId(GroupIdProblem),
    /// `IllegalStateException`: subscribe and assign are mutually exclusive.
    SubscribeAndAssign,
    /// Neither topics to subscribe to nor partitions to assign.
    NothingToConsume,
    BadName(NameError),
    /// `IllegalStateException: No current assignment for partition`.
    NoCurrentAssignment {
        consumer: NodeId,
        partition: TopicPartition,
        owned: Vec<TopicPartition>,
    },
    /// `IllegalArgumentException`: a negative seek offset.
    NegativeSeekOffset(i64),
    /// A network partition needs at least two groups.
    TooFewGroups,
    /// A latency range that is not `min <= max`.
    LatencyRange {
        min_ms: u64,
        max_ms: u64,
    },
    /// A percentage above 100.
    NotAPercentage(u32),
    /// Broker configs that cannot change while the cluster runs.
    ConfigsNotDynamic(Vec<String>),
    /// A broker config resource whose name is not a broker id.
    BadBrokerName(String),
    /// The consumer group does not exist (`GROUP_ID_NOT_FOUND`).
    UnknownGroup(String),
    /// The group has active members (`NON_EMPTY_GROUP`).
    GroupNotEmpty(String),
    /// No running broker coordinates the group (`COORDINATOR_NOT_AVAILABLE`).
    CoordinatorNotAvailable(String),
    /// `INVALID_REPLICA_ASSIGNMENT`: a manual assignment the controller refused.
    InvalidReplicaAssignment(ReplicaAssignmentProblem),
    /// A transactional call the producer refuses (`IllegalStateException`, or the error that
    /// put it in an error state).
    Transaction {
        node: NodeId,
        refusal: crate::kafka::producer::transactions::TxnRefusal,
    },
    /// `transactional.id` changes only on an idle producer (a new `KafkaProducer`).
    TransactionalIdNeedsIdleProducer,
    /// A consumer that cannot run an exactly-once pipeline as it is configured.
    PipelineConsumer {
        node: NodeId,
        problem: PipelineProblem,
    },
}

/// What an exactly-once pipeline needs of its consumer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PipelineProblem {
    /// Offsets go to the transaction, so the consumer needs a `group.id`.
    NoGroup,
    /// `enable.auto.commit=true` would commit offsets outside the transaction.
    AutoCommit,
    /// A worker thread processes records after `poll()` returns; the loop must process them.
    WorkerThread,
    /// The consumer already runs a pipeline.
    AlreadyRunning,
}

/// Why the controller refused a manual replica assignment
/// (Kafka: `ReplicationControlManager.validateManualPartitionAssignment`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ReplicaAssignmentProblem {
    EmptyReplicaList,
    UnregisteredBroker(u32),
    DuplicateBroker(u32),
    InconsistentReplicationFactor {
        replicas: u32,
        previous: u32,
    },
    AllFenced {
        partition: u32,
    },
    /// New partitions and hand placements differ in number.
    AssignmentCount {
        additional: u32,
        assignments: u32,
    },
}

impl From<ConfigError> for CommandError {
    fn from(e: ConfigError) -> Self {
        CommandError::Config(e)
    }
}

impl From<NameError> for CommandError {
    fn from(e: NameError) -> Self {
        CommandError::BadName(e)
    }
}

impl From<PlacementError> for CommandError {
    fn from(e: PlacementError) -> Self {
        CommandError::Placement(e)
    }
}
