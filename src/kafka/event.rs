//! Facts, in the past tense: what a step did. The narration, the UI's highlights, the history
//! checker and the lesson expectations all read these; nothing reads the handlers' internals.

use super::errors::ErrorCode;
use super::record::RecordId;
use super::types::{BrokerId, NodeId, TopicPartition};
use std::rc::Rc;

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
    /// A record was produced to a partition chosen by this rule.
    RecordPartitioned {
        producer: u32,
        record: RecordId,
        partition: TopicPartition,
        how: Rc<str>,
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
        message: Option<Rc<str>>,
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
        reason: Rc<str>,
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
        reason: Rc<str>,
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
        reason: Rc<str>,
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
        reason: Rc<str>,
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
        reason: Rc<str>,
    },
    /// A broker became leader of an offsets partition and read its groups from the log.
    GroupsLoaded {
        broker: BrokerId,
        partition: TopicPartition,
        groups: Vec<String>,
    },

    /// A user-visible note (e.g. a command could not do all it was asked).
    Notice {
        text: Rc<str>,
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
}
