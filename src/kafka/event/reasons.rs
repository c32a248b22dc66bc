//! The details events carry, each an enum of facts (why a batch left the accumulator, which
//! election, why a member joined or left, why a broker refused): present words them.

use crate::kafka::errors::ErrorCode;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};

/// Why a producer batch left the accumulator (`RecordAccumulator.ready`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BatchReadyReason {
    /// It reached `batch.size` (or another batch is queued behind it).
    Full,
    /// `linger.ms` elapsed since it was created.
    LingerExpired,
    /// `flush()` was called (or the producer is closing).
    Flush,
    /// `buffer.memory` is exhausted and someone is waiting for space.
    BufferExhausted,
    /// A retry whose backoff is over.
    Retry,
    /// Not ready itself, but its leader had a ready batch, so the sender drained it too
    /// (`RecordAccumulator.drain` takes the first batch of every partition of a ready node).
    Piggyback,
}

impl BatchReadyReason {
    pub const ALL: [BatchReadyReason; 6] = [
        BatchReadyReason::Full,
        BatchReadyReason::LingerExpired,
        BatchReadyReason::Flush,
        BatchReadyReason::BufferExhausted,
        BatchReadyReason::Retry,
        BatchReadyReason::Piggyback,
    ];

    /// The name lesson files use.
    pub fn name(self) -> &'static str {
        match self {
            BatchReadyReason::Full => "full",
            BatchReadyReason::LingerExpired => "linger",
            BatchReadyReason::Flush => "flush",
            BatchReadyReason::BufferExhausted => "buffer_exhausted",
            BatchReadyReason::Retry => "retry",
            BatchReadyReason::Piggyback => "piggyback",
        }
    }

    pub fn parse(name: &str) -> Option<BatchReadyReason> {
        BatchReadyReason::ALL.into_iter().find(|r| r.name() == name)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ElectionKind {
    /// First in-sync replica in assignment order.
    Clean,
    /// An out-of-sync replica, allowed by `unclean.leader.election.enable`.
    Unclean,
    Preferred,
    /// Leadership moved away from a broker in controlled shutdown.
    ControlledShutdown,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ProcessFault {
    /// The process died; the OS (and its page cache) survives.
    Crash,
    /// The machine lost power: unflushed page-cache data is gone.
    PowerFailure,
    /// A clean stop after moving leadership away.
    GracefulShutdown,
}

/// How `KafkaProducer.partition` chose a record's partition, in its decision order.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum PartitionChoice {
    /// The record named its partition.
    Explicit,
    /// `toPositive(murmur2(key)) % partition_count`.
    KeyHash { hash: i32, partition_count: i32 },
    /// The built-in uniform sticky partitioner (a null key, or `partitioner.ignore.keys`).
    Sticky { keys_ignored: bool },
    /// `RoundRobinPartitioner`: the next partition in turn.
    RoundRobin,
    /// A custom partitioner's rule matched the key's prefix.
    CustomRule { class: String, prefix: String },
    /// No rule matched: the custom partitioner's fallback.
    CustomFallback { class: String, murmur2: bool },
}

/// Why `send()` threw at once.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum SendError {
    /// `SerializationException`: the JSON serializer got text that is not JSON.
    NotJson { key: bool },
    /// `RecordTooLargeException`: larger than `max.request.size`.
    RecordTooLarge { size: u32, max_request_size: u32 },
    /// `IllegalArgumentException`: the record named a partition the topic does not have.
    InvalidPartition {
        partition: i32,
        partition_count: i32,
    },
    /// A custom partitioner returned a partition the topic does not have.
    CustomPartitionOutOfRange {
        class: String,
        partition: i32,
        partition_count: i32,
    },
}

/// What the application's callback learns about a failed send besides the error code.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum FailureDetail {
    /// The broker's reason (its exception message, in Kafka).
    Broker(RejectReason),
    /// `delivery.timeout.ms` passed since the batch was created.
    BatchExpired { records: u32, elapsed_ms: u64 },
    /// `max.block.ms` passed waiting for buffer memory.
    BufferFull { max_block_ms: u64 },
    /// `max.block.ms` passed waiting for the topic to appear in the metadata.
    TopicNotInMetadata { topic: String, max_block_ms: u64 },
    /// The transaction was aborted (or failed) before the batch was sent
    /// (`RecordAccumulator.abortUndrainedBatches`).
    TransactionAborted,
}

/// Why a consumer's position moved (what `poll()` reads next).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PositionReason {
    /// The group's committed offset.
    Committed,
    /// `auto.offset.reset`: earliest (the log start) or latest (the log end).
    AutoOffsetReset {
        earliest: bool,
    },
    /// KIP-320: the log was truncated; back to the end of the last common epoch.
    TruncationDetected,
    SeekToBeginning,
    SeekToEnd,
    /// `seek(partition, offset)`.
    Seek,
}

/// Why a consumer (re)joins its group.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum JoinReason {
    Started,
    /// Cooperative: it revoked what moves and joins again.
    RevokeAndRejoin,
    /// A heartbeat answered REBALANCE_IN_PROGRESS.
    CoordinatorRebalance,
    /// A commit answered REBALANCE_IN_PROGRESS.
    CommitFoundRebalance,
    /// The leader saw a subscribed topic's partition count change.
    PartitionCountChanged,
    /// The coordinator answered with this error (the membership is gone).
    CoordinatorAnswered(ErrorCode),
    /// It left the group before.
    Left(LeaveReason),
}

/// Why a consumer leaves its group.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LeaveReason {
    /// `close()`.
    Closing,
    /// `poll()` was not called for longer than `max.poll.interval.ms`.
    PollTimeout {
        idle_ms: u64,
        max_poll_interval_ms: u64,
    },
}

/// An exception a consumer's application sees.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConsumerError {
    /// A fatal JoinGroup error: the consumer cannot join.
    JoinFailed { group: String, error: ErrorCode },
    /// `FencedInstanceIdException`: another consumer took over its `group.instance.id`.
    FencedInstanceId { instance_id: String },
    /// `CommitFailedException`: the group rebalanced; the partitions belong to someone else.
    CommitFailed { error: ErrorCode },
    /// `NoOffsetForPartitionException` (`auto.offset.reset=none`, no committed offset).
    NoOffsetForPartition { partition: TopicPartition },
    /// `LogTruncationException` (`auto.offset.reset=none` after a truncation).
    LogTruncation {
        partition: TopicPartition,
        end_offset: i64,
    },
    /// OFFSET_OUT_OF_RANGE: the position is outside the log; `auto.offset.reset` decides.
    OffsetOutOfRange {
        partition: TopicPartition,
        position: i64,
        log_start_offset: i64,
        high_watermark: i64,
        reset: crate::kafka::config::consumer::AutoOffsetReset,
    },
}

/// Why a group coordinator starts a rebalance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RebalanceReason {
    NewMember,
    MemberRejoined,
    StaticMemberRejoined,
    /// Members did not send SyncGroup in time.
    SyncTimeout,
    /// A member sent LeaveGroup.
    MemberLeft,
    MemberRemoved(RemoveReason),
    /// The group record with the leader's assignment could not be written.
    AssignmentNotStored {
        error: ErrorCode,
    },
}

/// Why a group coordinator removed a member.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RemoveReason {
    /// It did not rejoin within the rebalance timeout.
    RebalanceTimeout,
    /// It did not send SyncGroup in time.
    SyncTimeout,
    /// It sent LeaveGroup.
    LeaveGroup,
    /// No heartbeat within `session.timeout.ms`.
    SessionTimeout,
}

/// Why the controller fenced a broker.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FenceReason {
    /// No heartbeat for more than `broker.session.timeout.ms`.
    SessionExpired { session_timeout_ms: u64 },
    /// Its leaderships have moved; it may stop now.
    ControlledShutdownComplete,
    /// It registered again with a new incarnation: the old process is gone.
    NewIncarnation,
}

/// One committed KRaft metadata record, summarised for the narration.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CommittedRecord {
    BrokerRegistered {
        broker: BrokerId,
        epoch: i64,
    },
    BrokerFenced(BrokerId),
    BrokerUnfenced(BrokerId),
    BrokerShuttingDown(BrokerId),
    TopicCreated {
        topic: String,
        partitions: u32,
    },
    PartitionsAdded {
        topic: String,
        added: u32,
    },
    PartitionChanged {
        partition: TopicPartition,
        leader: Option<BrokerId>,
        leader_epoch: i32,
        isr: Vec<BrokerId>,
    },
    /// The first record of a new quorum leader's term.
    QuorumLeader {
        controller: u32,
        epoch: i32,
    },
    /// A dynamic config set (`Some`) or deleted (`None`).
    ConfigChanged {
        resource: crate::kafka::metadata::ConfigResource,
        name: String,
        value: Option<String>,
    },
    TopicDeleted {
        topic: String,
    },
}

/// Why a leader refused a write.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum RejectReason {
    /// acks=all with fewer in-sync replicas than `min.insync.replicas`.
    BelowMinIsr {
        isr: Vec<BrokerId>,
        min_insync_replicas: u32,
    },
    /// A record without a key on a compacted topic.
    KeylessRecordOnCompactedTopic,
    /// The idempotent producer's sequence or epoch check failed.
    ProducerState(crate::kafka::broker::producer_state::ProducerStateError),
    /// A batch larger than the topic's `max.message.bytes`.
    MessageTooLarge { size: u32, max_message_bytes: u32 },
    /// acks=all: the ISR shrank below `min.insync.replicas` after the batch was appended.
    IsrShrankAfterAppend,
    /// A batch outside a transaction from a producer whose transaction is open in the partition
    /// (`INVALID_TXN_STATE`).
    NonTransactionalWrite { producer_id: i64, offset: i64 },
}

/// Why a leader asks the controller to change a partition's ISR.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum IsrChangeReason {
    /// These followers have not caught up for so many ms (over `replica.lag.time.max.ms`).
    Lagging {
        followers: Vec<(BrokerId, u64)>,
        replica_lag_time_max_ms: u64,
    },
    /// The follower reached the high watermark and may rejoin.
    CaughtUp {
        follower: BrokerId,
        high_watermark: i64,
    },
}

/// What a network command changed.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum NetworkChange {
    Isolated {
        node: NodeId,
    },
    Split {
        groups: Vec<Vec<NodeId>>,
    },
    /// Messages from `from` to `to` are dropped; the other direction works.
    OneWay {
        from: Vec<NodeId>,
        to: Vec<NodeId>,
    },
    Healed,
    LinkSet {
        a: NodeId,
        b: NodeId,
        latency_ms: (u64, u64),
        loss_percent: u32,
        duplicate_percent: u32,
    },
    Throttled {
        from: NodeId,
        to: NodeId,
        bytes_per_second: u64,
    },
    Held {
        from: NodeId,
        to: NodeId,
    },
    Released {
        from: NodeId,
        to: NodeId,
    },
}
