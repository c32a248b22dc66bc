//! Kafka's protocol error codes, by Kafka's own names (`org.apache.kafka.common.protocol.Errors`),
//! with whether the client retries them and the exception an application would see.

use serde::{Deserialize, Serialize};
use std::fmt;

#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum ErrorCode {
    NONE,
    OFFSET_OUT_OF_RANGE,
    CORRUPT_MESSAGE,
    UNKNOWN_TOPIC_OR_PARTITION,
    LEADER_NOT_AVAILABLE,
    NOT_LEADER_OR_FOLLOWER,
    REQUEST_TIMED_OUT,
    BROKER_NOT_AVAILABLE,
    MESSAGE_TOO_LARGE,
    NETWORK_EXCEPTION,
    COORDINATOR_LOAD_IN_PROGRESS,
    COORDINATOR_NOT_AVAILABLE,
    NOT_COORDINATOR,
    RECORD_LIST_TOO_LARGE,
    NOT_ENOUGH_REPLICAS,
    NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    INVALID_REQUIRED_ACKS,
    ILLEGAL_GENERATION,
    UNKNOWN_MEMBER_ID,
    INVALID_SESSION_TIMEOUT,
    REBALANCE_IN_PROGRESS,
    OUT_OF_ORDER_SEQUENCE_NUMBER,
    DUPLICATE_SEQUENCE_NUMBER,
    INVALID_PRODUCER_EPOCH,
    NOT_CONTROLLER,
    INVALID_RECORD,
    FENCED_LEADER_EPOCH,
    UNKNOWN_LEADER_EPOCH,
    STALE_BROKER_EPOCH,
    MEMBER_ID_REQUIRED,
    FENCED_INSTANCE_ID,
    UNKNOWN_PRODUCER_ID,
    INVALID_UPDATE_VERSION,
    OFFSET_NOT_AVAILABLE,
    INCONSISTENT_GROUP_PROTOCOL,
    INELIGIBLE_REPLICA,
    INVALID_REQUEST,
    GROUP_ID_NOT_FOUND,
    INVALID_GROUP_ID,
    // Transactions (codes 48-52, 90, 105, 120 in `Errors`).
    INVALID_TXN_STATE,
    INVALID_PRODUCER_ID_MAPPING,
    INVALID_TRANSACTION_TIMEOUT,
    CONCURRENT_TRANSACTIONS,
    TRANSACTION_COORDINATOR_FENCED,
    PRODUCER_FENCED,
    TRANSACTIONAL_ID_NOT_FOUND,
    TRANSACTION_ABORTABLE,
    /// An OffsetFetch asked for stable offsets while a transaction's offsets are pending.
    UNSTABLE_OFFSET_COMMIT,
}

impl ErrorCode {
    /// Whether Kafka's clients retry a request that failed with this error (`RetriableException`).
    pub fn is_retriable(self) -> bool {
        use ErrorCode::*;
        matches!(
            self,
            CORRUPT_MESSAGE
                | UNKNOWN_TOPIC_OR_PARTITION
                | LEADER_NOT_AVAILABLE
                | NOT_LEADER_OR_FOLLOWER
                | REQUEST_TIMED_OUT
                | NETWORK_EXCEPTION
                | COORDINATOR_LOAD_IN_PROGRESS
                | COORDINATOR_NOT_AVAILABLE
                | NOT_COORDINATOR
                | NOT_ENOUGH_REPLICAS
                | NOT_ENOUGH_REPLICAS_AFTER_APPEND
                | NOT_CONTROLLER
                | FENCED_LEADER_EPOCH
                | UNKNOWN_LEADER_EPOCH
                | OFFSET_NOT_AVAILABLE
                | CONCURRENT_TRANSACTIONS
                | UNSTABLE_OFFSET_COMMIT
        )
    }

    /// The Java exception class an application sees for this error.
    pub fn exception_name(self) -> &'static str {
        use ErrorCode::*;
        match self {
            NONE => "",
            OFFSET_OUT_OF_RANGE => "OffsetOutOfRangeException",
            CORRUPT_MESSAGE => "CorruptRecordException",
            UNKNOWN_TOPIC_OR_PARTITION => "UnknownTopicOrPartitionException",
            LEADER_NOT_AVAILABLE => "LeaderNotAvailableException",
            NOT_LEADER_OR_FOLLOWER => "NotLeaderOrFollowerException",
            REQUEST_TIMED_OUT => "TimeoutException",
            BROKER_NOT_AVAILABLE => "BrokerNotAvailableException",
            MESSAGE_TOO_LARGE => "RecordTooLargeException",
            NETWORK_EXCEPTION => "NetworkException",
            COORDINATOR_LOAD_IN_PROGRESS => "CoordinatorLoadInProgressException",
            COORDINATOR_NOT_AVAILABLE => "CoordinatorNotAvailableException",
            NOT_COORDINATOR => "NotCoordinatorException",
            RECORD_LIST_TOO_LARGE => "RecordBatchTooLargeException",
            NOT_ENOUGH_REPLICAS => "NotEnoughReplicasException",
            NOT_ENOUGH_REPLICAS_AFTER_APPEND => "NotEnoughReplicasAfterAppendException",
            INVALID_REQUIRED_ACKS => "InvalidRequiredAcksException",
            ILLEGAL_GENERATION => "IllegalGenerationException",
            UNKNOWN_MEMBER_ID => "UnknownMemberIdException",
            INVALID_SESSION_TIMEOUT => "InvalidSessionTimeoutException",
            REBALANCE_IN_PROGRESS => "RebalanceInProgressException",
            OUT_OF_ORDER_SEQUENCE_NUMBER => "OutOfOrderSequenceException",
            DUPLICATE_SEQUENCE_NUMBER => "DuplicateSequenceException",
            INVALID_PRODUCER_EPOCH => "InvalidProducerEpochException",
            NOT_CONTROLLER => "NotControllerException",
            INVALID_RECORD => "InvalidRecordException",
            FENCED_LEADER_EPOCH => "FencedLeaderEpochException",
            UNKNOWN_LEADER_EPOCH => "UnknownLeaderEpochException",
            STALE_BROKER_EPOCH => "StaleBrokerEpochException",
            MEMBER_ID_REQUIRED => "MemberIdRequiredException",
            FENCED_INSTANCE_ID => "FencedInstanceIdException",
            UNKNOWN_PRODUCER_ID => "UnknownProducerIdException",
            INVALID_UPDATE_VERSION => "InvalidUpdateVersionException",
            OFFSET_NOT_AVAILABLE => "OffsetNotAvailableException",
            INCONSISTENT_GROUP_PROTOCOL => "InconsistentGroupProtocolException",
            INELIGIBLE_REPLICA => "IneligibleReplicaException",
            INVALID_REQUEST => "InvalidRequestException",
            GROUP_ID_NOT_FOUND => "GroupIdNotFoundException",
            INVALID_GROUP_ID => "InvalidGroupIdException",
            INVALID_TXN_STATE => "InvalidTxnStateException",
            INVALID_PRODUCER_ID_MAPPING => "InvalidPidMappingException",
            INVALID_TRANSACTION_TIMEOUT => "InvalidTxnTimeoutException",
            CONCURRENT_TRANSACTIONS => "ConcurrentTransactionsException",
            TRANSACTION_COORDINATOR_FENCED => "TransactionCoordinatorFencedException",
            PRODUCER_FENCED => "ProducerFencedException",
            TRANSACTIONAL_ID_NOT_FOUND => "TransactionalIdNotFoundException",
            TRANSACTION_ABORTABLE => "TransactionAbortableException",
            UNSTABLE_OFFSET_COMMIT => "UnstableOffsetCommitException",
        }
    }

    pub fn is_error(self) -> bool {
        self != ErrorCode::NONE
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
