//! Facts, in the past tense: what a step did. The narration, the UI's highlights, the history
//! checker and the lesson expectations all read these; nothing reads the handlers' internals.

use super::errors::ErrorCode;
use super::record::RecordId;
use super::types::{BrokerId, NodeId, TopicPartition};

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
        resource: super::metadata::ConfigResource,
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
    ProducerState(super::broker::producer_state::ProducerStateError),
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

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Event {
    // ---- producer ----
    RecordAppendedToBatch {
        producer: u32,
        partition: TopicPartition,
        record: RecordId,
        batch_records: u32,
        batch_bytes: u32,
        batch_size: u32,
        new_batch: bool,
    },
    /// `send()` chose the record's partition this way.
    RecordPartitioned {
        producer: u32,
        record: RecordId,
        partition: TopicPartition,
        /// The key as the application gave it (`None`: a null key).
        key: Option<String>,
        how: PartitionChoice,
    },
    /// `send()` threw at once (serialization, size, partitioner): nothing was queued.
    SendRejected {
        producer: u32,
        record: RecordId,
        error: SendError,
    },
    StickyPartitionSwitched {
        producer: u32,
        topic: String,
        from: Option<i32>,
        to: i32,
    },
    BatchReady {
        producer: u32,
        partition: TopicPartition,
        reason: BatchReadyReason,
        records: u32,
        bytes: u32,
    },
    ProduceSent {
        producer: u32,
        broker: BrokerId,
        correlation_id: u32,
        batches: Vec<(TopicPartition, u32)>,
        bytes: u32,
    },
    ProduceAcked {
        producer: u32,
        partition: TopicPartition,
        base_offset: i64,
        records: Vec<RecordId>,
    },
    ProduceFailed {
        producer: u32,
        partition: TopicPartition,
        error: ErrorCode,
        records: Vec<RecordId>,
        retrying: bool,
        detail: Option<FailureDetail>,
    },
    SendBlocked {
        producer: u32,
        record: RecordId,
        waiting_bytes: u32,
    },
    SendTimedOut {
        producer: u32,
        record: RecordId,
        after_ms: u64,
    },
    RequestTimedOut {
        node: NodeId,
        peer: NodeId,
        correlation_id: u32,
        api: &'static str,
    },
    ProducerIdAssigned {
        producer: u32,
        producer_id: i64,
        epoch: i16,
    },
    ConnectionLost {
        node: NodeId,
        peer: NodeId,
        failed_requests: u32,
    },
    MetadataUpdated {
        node: NodeId,
        leaders: Vec<(TopicPartition, Option<BrokerId>, i32)>,
    },

    // ---- brokers ----
    BatchAppended {
        broker: BrokerId,
        partition: TopicPartition,
        base_offset: i64,
        last_offset: i64,
        leader_epoch: i32,
        records: Vec<RecordId>,
    },
    DuplicateBatchIgnored {
        broker: BrokerId,
        partition: TopicPartition,
        producer_id: i64,
        base_sequence: i32,
        original_offset: i64,
    },
    ProduceRejected {
        broker: BrokerId,
        partition: TopicPartition,
        error: ErrorCode,
        reason: RejectReason,
    },
    FollowerAppended {
        broker: BrokerId,
        partition: TopicPartition,
        from_offset: i64,
        to_offset: i64,
    },
    HighWatermarkAdvanced {
        broker: BrokerId,
        partition: TopicPartition,
        from: i64,
        to: i64,
    },
    /// A follower cut its log back to where its leader's history and its own agree: the
    /// leader said epoch `diverging_epoch` ends at `epoch_end_offset`.
    FollowerTruncated {
        broker: BrokerId,
        partition: TopicPartition,
        from: i64,
        to: i64,
        diverging_epoch: i32,
        epoch_end_offset: i64,
    },
    IsrChangeProposed {
        broker: BrokerId,
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        reason: IsrChangeReason,
    },
    BecameLeader {
        broker: BrokerId,
        partition: TopicPartition,
        leader_epoch: i32,
        log_end_offset: i64,
    },
    BecameFollower {
        broker: BrokerId,
        partition: TopicPartition,
        leader: Option<BrokerId>,
        leader_epoch: i32,
    },
    ParkedProduceCompleted {
        broker: BrokerId,
        partition: TopicPartition,
        error: ErrorCode,
    },
    RecordsLostOnPowerFailure {
        broker: BrokerId,
        partition: TopicPartition,
        from: i64,
        to: i64,
    },
    /// Retention deleted the oldest `segments` segments, offsets `[from_offset, to_offset)`.
    SegmentsDeleted {
        broker: BrokerId,
        partition: TopicPartition,
        segments: u32,
        records: u32,
        from_offset: i64,
        to_offset: i64,
        log_start_offset_before: i64,
        new_log_start_offset: i64,
        reason: super::log::retention::DeletionReason,
    },
    /// One cleaner pass compacted the offsets below `cleaned_up_to`.
    LogCompacted {
        broker: BrokerId,
        partition: TopicPartition,
        first_dirty_offset: i64,
        cleaned_up_to: i64,
        records_removed: u32,
        tombstones_removed: u32,
        segments_before: u32,
        segments_after: u32,
    },

    // ---- processes and faults ----
    ProcessStopped {
        node: NodeId,
        fault: ProcessFault,
    },
    ProcessStarted {
        node: NodeId,
    },
    ProcessPaused {
        node: NodeId,
        until_ms: u64,
    },
    ProcessResumed {
        node: NodeId,
    },
    NetworkChanged {
        change: NetworkChange,
    },

    // ---- controller ----
    ControllerElected {
        controller: u32,
        epoch: i32,
    },
    ControllerVoteStarted {
        controller: u32,
        epoch: i32,
    },
    MetadataCommitted {
        controller: u32,
        offset: i64,
        records: Vec<CommittedRecord>,
    },
    BrokerRegistered {
        broker: BrokerId,
        epoch: i64,
    },
    BrokerFenced {
        broker: BrokerId,
        reason: FenceReason,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    LeaderElected {
        partition: TopicPartition,
        leader: Option<BrokerId>,
        leader_epoch: i32,
        kind: ElectionKind,
        isr: Vec<BrokerId>,
    },
    IsrChanged {
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        partition_epoch: i32,
    },
    TopicCreated {
        topic: String,
        partitions: i32,
        replication_factor: u32,
    },

    // ---- consumers ----
    RecordsFetched {
        consumer: u32,
        partition: TopicPartition,
        first_offset: i64,
        last_offset: i64,
    },
    /// `poll()` returned these records to the application.
    RecordsPolled {
        consumer: u32,
        group: Option<String>,
        records: Vec<(TopicPartition, i64, RecordId)>,
    },
    /// The application finished processing these records.
    RecordsProcessed {
        consumer: u32,
        group: Option<String>,
        records: Vec<(TopicPartition, i64, RecordId)>,
    },
    PositionReset {
        consumer: u32,
        partition: TopicPartition,
        offset: i64,
        reason: PositionReason,
    },
    /// An OffsetCommit came back (`error` NONE: stored).
    OffsetsCommitted {
        consumer: u32,
        group: String,
        offsets: Vec<(TopicPartition, i64)>,
        error: ErrorCode,
        sync: bool,
    },
    TruncationDetected {
        consumer: u32,
        partition: TopicPartition,
        position: i64,
        end_offset: i64,
    },
    CoordinatorFound {
        consumer: u32,
        group: String,
        broker: BrokerId,
    },
    /// The consumer starts (re)joining its group (`onJoinPrepare`).
    JoiningGroup {
        consumer: u32,
        group: String,
        reason: JoinReason,
    },
    /// SyncGroup answered: the consumer now owns `partitions` in `generation`.
    PartitionsAssigned {
        consumer: u32,
        group: String,
        generation: i32,
        partitions: Vec<TopicPartition>,
        added: Vec<TopicPartition>,
    },
    /// `onPartitionsRevoked`: the consumer stops consuming these (eager: all, before joining;
    /// cooperative: only those that move, after the SyncGroup).
    PartitionsRevoked {
        consumer: u32,
        group: String,
        partitions: Vec<TopicPartition>,
    },
    ConsumerLeftGroup {
        consumer: u32,
        group: String,
        reason: LeaveReason,
    },
    /// The consumer's application got an exception (Kafka's names) and what it is about.
    ConsumerError {
        consumer: u32,
        error: ConsumerError,
    },
    /// A failed `commitAsync` was sent again by its callback (with the same, maybe stale,
    /// offsets).
    AsyncCommitRetried {
        consumer: u32,
        offsets: Vec<(TopicPartition, i64)>,
        error: ErrorCode,
    },
    /// `commitSync()` had nothing to commit.
    NothingToCommit {
        consumer: u32,
    },

    // ---- group coordinator ----
    GroupStateChanged {
        broker: BrokerId,
        group: String,
        from: &'static str,
        to: &'static str,
        generation: i32,
    },
    RebalanceStarted {
        broker: BrokerId,
        group: String,
        generation: i32,
        reason: RebalanceReason,
    },
    MemberJoined {
        broker: BrokerId,
        group: String,
        member: String,
        client: NodeId,
    },
    MemberRemoved {
        broker: BrokerId,
        group: String,
        member: String,
        client: NodeId,
        reason: RemoveReason,
    },
    /// A broker became leader of an offsets partition and read its groups from the log.
    GroupsLoaded {
        broker: BrokerId,
        partition: TopicPartition,
        groups: Vec<String>,
    },

    // ---- what a user's command did (the command itself is the step's cause) ----
    /// A client config changed by its Kafka name; it applies from the next batch.
    ClientConfigChanged {
        node: NodeId,
        key: String,
        value: String,
    },
    /// The application now calls `send()` this way.
    SendModeChanged {
        producer: u32,
        mode: super::producer::SendMode,
    },
    /// A controlled shutdown began: the broker asks the controller to move its leaderships.
    ControlledShutdownStarted {
        broker: BrokerId,
    },
    /// The controller received a broker's request for a controlled shutdown.
    ControlledShutdownRequested {
        broker: BrokerId,
    },
    /// A preferred leader election moved `moved` partitions back to their preferred leader.
    PreferredElectionRan {
        moved: u32,
    },
    /// A crashed producer lost the records still in its memory (the accumulator).
    ProducerRecordsLost {
        producer: u32,
        records: u32,
    },
    /// The active controller lost contact with a majority of the quorum and resigned.
    ControllerResigned {
        controller: u32,
    },
    /// A follower moved its log start offset up to the leader's (from a fetch response), or
    /// started its log over there because the leader had deleted what it was missing.
    LogStartOffsetIncremented {
        broker: BrokerId,
        partition: TopicPartition,
        from: i64,
        to: i64,
        /// The log was emptied and restarted at `to` (`truncateFullyAndStartAt`).
        restarted: bool,
    },
    /// An admin client's change to a group's offsets (`None`: deleted), or the whole group
    /// deleted, now committed in the coordinator.
    GroupOffsetsAltered {
        broker: BrokerId,
        group: String,
        offsets: Vec<(TopicPartition, Option<i64>)>,
        deleted: bool,
    },
    /// `IncrementalAlterConfigs` accepted by the active controller.
    ConfigsAltered {
        resource: super::metadata::ConfigResource,
        set: std::collections::BTreeMap<String, String>,
        deleted: Vec<String>,
    },
    /// `DeleteTopics` accepted by the active controller: these topics' removal is written to
    /// the metadata log.
    TopicsDeleted {
        topics: Vec<String>,
    },
    /// A leader wrote a transaction marker (a control batch) for a coordinator.
    TxnMarkerWritten {
        broker: BrokerId,
        partition: TopicPartition,
        producer_id: i64,
        producer_epoch: i16,
        kind: super::record::ControlRecordType,
        offset: i64,
    },
    /// The transaction coordinator's transit of a transactional id is in `__transaction_state`
    /// and applied (`TransactionMetadata.completeTransitionTo`).
    TxnStateChanged {
        broker: BrokerId,
        transactional_id: String,
        state: crate::kafka::txn::TransactionState,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// A transaction stayed open past its `transaction.timeout.ms`: the coordinator bumps the
    /// epoch (fencing the producer) and aborts it (`abortTimedOutTransactions`).
    TransactionTimedOut {
        broker: BrokerId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// A broker leads a `__transaction_state` partition and loaded its transactional ids.
    TransactionsLoaded {
        broker: BrokerId,
        partition: TopicPartition,
        transactional_ids: Vec<String>,
    },
    /// A transactional producer moved to `state` (`TransactionManager.transitionTo`); `error`
    /// is what put it in an error state.
    ProducerTxnStateChanged {
        producer: u32,
        state: crate::kafka::producer::transactions::ClientTxnState,
        error: ErrorCode,
    },
}
