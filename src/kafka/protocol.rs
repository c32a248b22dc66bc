//! The messages nodes exchange, named after Kafka's protocol APIs (`Produce`, `Fetch`,
//! `Metadata`, `JoinGroup`, `AlterPartition`, ...) and KRaft's quorum APIs (`Vote`,
//! `BeginQuorumEpoch`, `Fetch` of the metadata log, here `QuorumFetch`). One closed enum, so the
//! world stays `Clone + PartialEq` and every message can be narrated and hashed.

use super::errors::ErrorCode;
use super::metadata::{MetadataRecord, PartitionRegistration};
use super::record::RecordBatch;
use super::types::{BrokerId, TopicPartition};
use std::rc::Rc;

/// Bytes of a request or response header plus framing, a rough constant.
const HEADER_BYTES: u32 = 40;
/// Bytes per partition entry in Produce and Fetch bodies (name, index, offsets, error).
const PARTITION_ENTRY_BYTES: u32 = 30;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PartitionMetadata {
    pub partition: i32,
    pub error: ErrorCode,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub offline_replicas: Vec<BrokerId>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TopicMetadata {
    pub name: String,
    pub error: ErrorCode,
    pub partitions: Vec<PartitionMetadata>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProduceRequest {
    pub correlation_id: u32,
    /// 0, 1 or -1 (all).
    pub acks: i16,
    pub timeout_ms: u64,
    pub partitions: Vec<(TopicPartition, RecordBatch)>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducePartitionResponse {
    pub partition: TopicPartition,
    pub error: ErrorCode,
    pub base_offset: i64,
    pub log_start_offset: i64,
    /// Kafka's `errorMessage`, naming the cause (e.g. the ISR size for NOT_ENOUGH_REPLICAS).
    /// Why the broker refused the batch: Kafka sends its exception's message here, which
    /// `present` words exactly as Kafka does.
    pub error_message: Option<super::event::RejectReason>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProduceResponse {
    pub correlation_id: u32,
    pub partitions: Vec<ProducePartitionResponse>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FetchPartition {
    pub partition: TopicPartition,
    pub fetch_offset: i64,
    /// Epoch of the last batch the fetcher has (followers only; diverging-epoch detection).
    pub last_fetched_epoch: Option<i32>,
    /// The leader epoch the fetcher believes current; a mismatch gives FENCED_LEADER_EPOCH.
    pub current_leader_epoch: Option<i32>,
    pub partition_max_bytes: u32,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FetchRequest {
    pub correlation_id: u32,
    /// Set for a follower's replica fetch; `None` for consumers.
    pub replica: Option<(BrokerId, i64)>,
    pub max_wait_ms: u64,
    pub min_bytes: u32,
    pub max_bytes: u32,
    pub partitions: Vec<FetchPartition>,
    /// `IsolationLevel.READ_COMMITTED`: read below the last stable offset.
    pub read_committed: bool,
}

/// Field by field, like `#[derive(Hash)]`; a `read_uncommitted` fetch hashes as it did before
/// isolation levels existed, so pinned fingerprints stay valid.
impl std::hash::Hash for FetchRequest {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.correlation_id.hash(state);
        self.replica.hash(state);
        self.max_wait_ms.hash(state);
        self.min_bytes.hash(state);
        self.max_bytes.hash(state);
        self.partitions.hash(state);
        if self.read_committed {
            true.hash(state);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EpochEndOffset {
    pub epoch: i32,
    pub end_offset: i64,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FetchPartitionResponse {
    pub partition: TopicPartition,
    pub error: ErrorCode,
    pub high_watermark: i64,
    /// `lastStableOffset`: the high watermark when no transaction is unstable.
    pub last_stable_offset: i64,
    pub log_start_offset: i64,
    pub diverging_epoch: Option<EpochEndOffset>,
    /// The aborted transactions the records overlap (`read_committed` fetches only).
    pub aborted_transactions: Vec<crate::kafka::txn::read_committed::AbortedTransaction>,
    pub records: Vec<RecordBatch>,
}

/// Field by field, like `#[derive(Hash)]`; without transactions (the last stable offset is the
/// high watermark, nothing aborted) it hashes as it did before those fields existed.
impl std::hash::Hash for FetchPartitionResponse {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.partition.hash(state);
        self.error.hash(state);
        self.high_watermark.hash(state);
        self.log_start_offset.hash(state);
        self.diverging_epoch.hash(state);
        self.records.hash(state);
        if self.last_stable_offset != self.high_watermark || !self.aborted_transactions.is_empty() {
            self.last_stable_offset.hash(state);
            self.aborted_transactions.hash(state);
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FetchResponse {
    pub correlation_id: u32,
    pub partitions: Vec<FetchPartitionResponse>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    /// "Latest" for a `read_committed` reader (`IsolationLevel.READ_COMMITTED` in
    /// `ListOffsets`): the last stable offset.
    LatestCommitted,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct JoinGroupMember {
    pub member_id: Rc<str>,
    pub group_instance_id: Option<Rc<str>>,
    pub subscription: Vec<String>,
    pub owned_partitions: Vec<TopicPartition>,
    pub generation: i32,
}

/// Everything on the wire.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Message {
    // ---- clients and brokers ----
    Metadata {
        correlation_id: u32,
        topics: Vec<String>,
    },
    MetadataResponse {
        correlation_id: u32,
        brokers: Vec<BrokerId>,
        topics: Vec<TopicMetadata>,
    },
    Produce(ProduceRequest),
    ProduceResponse(ProduceResponse),
    Fetch(FetchRequest),
    FetchResponse(FetchResponse),
    ListOffsets {
        correlation_id: u32,
        partition: TopicPartition,
        spec: OffsetSpec,
    },
    ListOffsetsResponse {
        correlation_id: u32,
        partition: TopicPartition,
        error: ErrorCode,
        offset: i64,
        leader_epoch: i32,
    },
    /// KIP-320: the end offset of `leader_epoch` on the current leader, to detect truncation.
    OffsetForLeaderEpoch {
        correlation_id: u32,
        partition: TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    },
    OffsetForLeaderEpochResponse {
        correlation_id: u32,
        partition: TopicPartition,
        error: ErrorCode,
        end: EpochEndOffset,
    },
    InitProducerId {
        correlation_id: u32,
    },
    InitProducerIdResponse {
        correlation_id: u32,
        error: ErrorCode,
        producer_id: i64,
        producer_epoch: i16,
    },
    FindCoordinator {
        correlation_id: u32,
        group_id: Rc<str>,
    },
    FindCoordinatorResponse {
        correlation_id: u32,
        error: ErrorCode,
        coordinator: Option<BrokerId>,
    },
    JoinGroup {
        correlation_id: u32,
        group_id: Rc<str>,
        member_id: Rc<str>,
        group_instance_id: Option<Rc<str>>,
        client_id: Rc<str>,
        session_timeout_ms: u64,
        rebalance_timeout_ms: u64,
        protocols: Vec<String>,
        subscription: Vec<String>,
        owned_partitions: Vec<TopicPartition>,
        generation: i32,
    },
    JoinGroupResponse {
        correlation_id: u32,
        error: ErrorCode,
        generation: i32,
        protocol: Option<String>,
        leader: Rc<str>,
        member_id: Rc<str>,
        /// Only the leader receives the members and their subscriptions.
        members: Vec<JoinGroupMember>,
    },
    SyncGroup {
        correlation_id: u32,
        group_id: Rc<str>,
        member_id: Rc<str>,
        group_instance_id: Option<Rc<str>>,
        generation: i32,
        /// Only the leader sends assignments.
        assignments: Vec<(Rc<str>, Vec<TopicPartition>)>,
    },
    SyncGroupResponse {
        correlation_id: u32,
        error: ErrorCode,
        assignment: Vec<TopicPartition>,
    },
    Heartbeat {
        correlation_id: u32,
        group_id: Rc<str>,
        member_id: Rc<str>,
        group_instance_id: Option<Rc<str>>,
        generation: i32,
    },
    HeartbeatResponse {
        correlation_id: u32,
        error: ErrorCode,
    },
    LeaveGroup {
        correlation_id: u32,
        group_id: Rc<str>,
        member_id: Rc<str>,
    },
    LeaveGroupResponse {
        correlation_id: u32,
        error: ErrorCode,
    },
    OffsetCommit {
        correlation_id: u32,
        group_id: Rc<str>,
        member_id: Rc<str>,
        group_instance_id: Option<Rc<str>>,
        generation: i32,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
    OffsetCommitResponse {
        correlation_id: u32,
        error: ErrorCode,
        offsets: Vec<(TopicPartition, i64)>,
    },
    OffsetFetch {
        correlation_id: u32,
        group_id: Rc<str>,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        correlation_id: u32,
        error: ErrorCode,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
    /// The host of a crashed process answers with a TCP reset: the peer's requests fail at once.
    ConnectionReset,

    // ---- brokers and the controller quorum ----
    BrokerRegistration {
        broker: BrokerId,
        incarnation: u32,
        metadata_offset: i64,
    },
    BrokerRegistrationResponse {
        error: ErrorCode,
        broker_epoch: i64,
    },
    BrokerHeartbeat {
        broker: BrokerId,
        broker_epoch: i64,
        metadata_offset: i64,
        want_shutdown: bool,
    },
    BrokerHeartbeatResponse {
        error: ErrorCode,
        is_fenced: bool,
        should_shutdown: bool,
        leader_hint: Option<u32>,
    },
    /// Committed metadata records pushed by the active controller (brokers replicate the
    /// metadata log; a long-polling fetch amounts to this push).
    MetadataDelta {
        leader: u32,
        records: Vec<(i64, MetadataRecord)>,
    },
    AlterPartition {
        broker: BrokerId,
        broker_epoch: i64,
        partition: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        partition: TopicPartition,
        error: ErrorCode,
        registration: Option<PartitionRegistration>,
    },

    // ---- controllers among themselves (KRaft's Raft) ----
    Vote {
        epoch: i32,
        candidate: u32,
        last_epoch: i32,
        last_offset: i64,
    },
    VoteResponse {
        epoch: i32,
        granted: bool,
    },
    BeginQuorumEpoch {
        epoch: i32,
        leader: u32,
    },
    QuorumFetch {
        epoch: i32,
        replica: u32,
        fetch_offset: i64,
        last_fetched_epoch: i32,
    },
    QuorumFetchResponse {
        epoch: i32,
        leader: Option<u32>,
        high_watermark: i64,
        diverging: Option<EpochEndOffset>,
        records: Vec<(i32, MetadataRecord)>,
    },
    /// A transaction coordinator asks a partition leader to write transaction markers.
    WriteTxnMarkers {
        correlation_id: u32,
        markers: Vec<TxnMarkerEntry>,
    },
    /// Per marker (by producer id), per partition: the error.
    WriteTxnMarkersResponse {
        correlation_id: u32,
        markers: Vec<(i64, Vec<(TopicPartition, ErrorCode)>)>,
    },
    // ---- transactional producers and the transaction coordinator (new variants go last) ----
    /// `FindCoordinator` with key type `TRANSACTION` (answered by `FindCoordinatorResponse`).
    FindTransactionCoordinator {
        correlation_id: u32,
        transactional_id: Rc<str>,
    },
    /// `InitProducerId` with a `transactional.id` (answered by `InitProducerIdResponse`);
    /// `producer_id` -1 and `producer_epoch` -1 from a new producer instance.
    InitTransactionalProducerId {
        correlation_id: u32,
        transactional_id: Rc<str>,
        transaction_timeout_ms: i32,
        producer_id: i64,
        producer_epoch: i16,
    },
    AddPartitionsToTxn {
        correlation_id: u32,
        transactional_id: Rc<str>,
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
    },
    AddPartitionsToTxnResponse {
        correlation_id: u32,
        results: Vec<(TopicPartition, ErrorCode)>,
    },
    AddOffsetsToTxn {
        correlation_id: u32,
        transactional_id: Rc<str>,
        producer_id: i64,
        producer_epoch: i16,
        group_id: Rc<str>,
    },
    AddOffsetsToTxnResponse {
        correlation_id: u32,
        error: ErrorCode,
    },
    /// Offsets written inside a transaction, to the group coordinator: visible on commit only.
    TxnOffsetCommit {
        correlation_id: u32,
        transactional_id: Rc<str>,
        group_id: Rc<str>,
        producer_id: i64,
        producer_epoch: i16,
        offsets: Vec<(TopicPartition, i64, i32)>,
    },
    TxnOffsetCommitResponse {
        correlation_id: u32,
        error: ErrorCode,
    },
    EndTxn {
        correlation_id: u32,
        transactional_id: Rc<str>,
        producer_id: i64,
        producer_epoch: i16,
        result: crate::kafka::txn::TransactionResult,
    },
    EndTxnResponse {
        correlation_id: u32,
        error: ErrorCode,
    },
}

/// One transaction's markers (`WriteTxnMarkersRequestData.WritableTxnMarker`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TxnMarkerEntry {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub coordinator_epoch: i32,
    pub result: crate::kafka::txn::TransactionResult,
    pub partitions: Vec<TopicPartition>,
}

impl Message {
    /// Approximate bytes on the wire: headers plus record bytes, which dominate.
    pub fn wire_size(&self) -> u32 {
        let batches = |bs: &[RecordBatch]| bs.iter().map(|b| b.size_bytes).sum::<u32>();
        HEADER_BYTES
            + match self {
                Message::Produce(p) => p
                    .partitions
                    .iter()
                    .map(|(_, b)| PARTITION_ENTRY_BYTES + b.size_bytes)
                    .sum(),
                Message::ProduceResponse(r) => r.partitions.len() as u32 * PARTITION_ENTRY_BYTES,
                Message::Fetch(f) => f.partitions.len() as u32 * PARTITION_ENTRY_BYTES,
                Message::FetchResponse(r) => r
                    .partitions
                    .iter()
                    .map(|p| PARTITION_ENTRY_BYTES + batches(&p.records))
                    .sum(),
                Message::MetadataResponse { topics, .. } => topics
                    .iter()
                    .map(|t| 20 + t.partitions.len() as u32 * PARTITION_ENTRY_BYTES)
                    .sum(),
                Message::MetadataDelta { records, .. } => records.len() as u32 * 60,
                Message::QuorumFetchResponse { records, .. } => records.len() as u32 * 60,
                Message::JoinGroup { subscription, .. } => 40 + subscription.len() as u32 * 20,
                Message::JoinGroupResponse { members, .. } => members.len() as u32 * 80,
                Message::SyncGroup { assignments, .. } => assignments.len() as u32 * 60,
                Message::OffsetCommit { offsets, .. } => {
                    offsets.len() as u32 * PARTITION_ENTRY_BYTES
                }
                Message::WriteTxnMarkers { markers, .. } => markers
                    .iter()
                    .map(|m| 30 + m.partitions.len() as u32 * PARTITION_ENTRY_BYTES)
                    .sum(),
                _ => 20,
            }
    }

    /// Kafka's API name for the message (what the trace and the UI show).
    pub fn api_name(&self) -> &'static str {
        match self {
            Message::Metadata { .. } => "Metadata",
            Message::MetadataResponse { .. } => "MetadataResponse",
            Message::Produce(_) => "Produce",
            Message::ProduceResponse(_) => "ProduceResponse",
            Message::Fetch(_) => "Fetch",
            Message::FetchResponse(_) => "FetchResponse",
            Message::ListOffsets { .. } => "ListOffsets",
            Message::ListOffsetsResponse { .. } => "ListOffsetsResponse",
            Message::OffsetForLeaderEpoch { .. } => "OffsetForLeaderEpoch",
            Message::OffsetForLeaderEpochResponse { .. } => "OffsetForLeaderEpochResponse",
            Message::InitProducerId { .. } => "InitProducerId",
            Message::InitProducerIdResponse { .. } => "InitProducerIdResponse",
            Message::FindCoordinator { .. } => "FindCoordinator",
            Message::FindCoordinatorResponse { .. } => "FindCoordinatorResponse",
            Message::JoinGroup { .. } => "JoinGroup",
            Message::JoinGroupResponse { .. } => "JoinGroupResponse",
            Message::SyncGroup { .. } => "SyncGroup",
            Message::SyncGroupResponse { .. } => "SyncGroupResponse",
            Message::Heartbeat { .. } => "Heartbeat",
            Message::HeartbeatResponse { .. } => "HeartbeatResponse",
            Message::LeaveGroup { .. } => "LeaveGroup",
            Message::LeaveGroupResponse { .. } => "LeaveGroupResponse",
            Message::OffsetCommit { .. } => "OffsetCommit",
            Message::OffsetCommitResponse { .. } => "OffsetCommitResponse",
            Message::OffsetFetch { .. } => "OffsetFetch",
            Message::OffsetFetchResponse { .. } => "OffsetFetchResponse",
            Message::ConnectionReset => "ConnectionReset",
            Message::BrokerRegistration { .. } => "BrokerRegistration",
            Message::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            Message::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            Message::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Message::MetadataDelta { .. } => "MetadataDelta",
            Message::AlterPartition { .. } => "AlterPartition",
            Message::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Message::Vote { .. } => "Vote",
            Message::VoteResponse { .. } => "VoteResponse",
            Message::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            Message::QuorumFetch { .. } => "QuorumFetch",
            Message::QuorumFetchResponse { .. } => "QuorumFetchResponse",
            Message::WriteTxnMarkers { .. } => "WriteTxnMarkers",
            Message::WriteTxnMarkersResponse { .. } => "WriteTxnMarkersResponse",
            Message::FindTransactionCoordinator { .. } => "FindCoordinator",
            Message::InitTransactionalProducerId { .. } => "InitProducerId",
            Message::AddPartitionsToTxn { .. } => "AddPartitionsToTxn",
            Message::AddPartitionsToTxnResponse { .. } => "AddPartitionsToTxnResponse",
            Message::AddOffsetsToTxn { .. } => "AddOffsetsToTxn",
            Message::AddOffsetsToTxnResponse { .. } => "AddOffsetsToTxnResponse",
            Message::TxnOffsetCommit { .. } => "TxnOffsetCommit",
            Message::TxnOffsetCommitResponse { .. } => "TxnOffsetCommitResponse",
            Message::EndTxn { .. } => "EndTxn",
            Message::EndTxnResponse { .. } => "EndTxnResponse",
        }
    }

    /// True for requests that expect a response (a reset connection fails them).
    pub fn is_request(&self) -> bool {
        !self.api_name().ends_with("Response")
            && !matches!(
                self,
                Message::ConnectionReset | Message::MetadataDelta { .. }
            )
    }
}
