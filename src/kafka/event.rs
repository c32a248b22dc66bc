//! Facts, in the past tense: what a step did. The narration, the UI's highlights, the history
//! checker and the lesson expectations all read these; nothing reads the handlers' internals.

use super::errors::ErrorCode;
use super::record::RecordId;
use super::types::{BrokerId, NodeId, TopicPartition};

mod reasons;
pub use reasons::{
    BatchReadyReason, CommittedRecord, ConsumerError, ElectionKind, FailureDetail, FenceReason,
    IsrChangeReason, JoinReason, LeaveReason, NetworkChange, PartitionChoice, PositionReason,
    ProcessFault, RebalanceReason, RejectReason, RemoveReason, SendError,
};

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
