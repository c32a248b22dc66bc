//! Transactions (Kafka's classic protocol, KIP-98 with KIP-890's epoch bump per transaction):
//! the transaction coordinator's state for one `transactional.id` and the rules its handlers
//! apply before anything is written to `__transaction_state`.
//!
//! This layer is pure: a `TransactionMetadata` and the request's fields go in, a
//! `TxnTransit` (the record the coordinator would append) or a Kafka error code comes out. The
//! coordinator's process (the `__transaction_state` log, markers to partition leaders, timeouts)
//! builds on it.

mod complete;
pub mod coordinator;
pub mod log_record;
pub mod metadata;
pub mod partition;
pub mod read_committed;
pub mod state_manager;

pub use metadata::{IllegalTransition, TransactionMetadata, TxnTransit};

use crate::kafka::group::java_string_hash_code;

/// The internal topic holding transaction state (`Topic.TRANSACTION_STATE_TOPIC_NAME`).
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// Highest epoch a producer may be handed: `Short.MaxValue - 1` keeps one epoch for fencing
/// (`TransactionMetadata.isEpochExhausted`).
pub fn is_epoch_exhausted(producer_epoch: i16) -> bool {
    producer_epoch >= i16::MAX - 1
}

/// The `__transaction_state` partition of a transactional id
/// (`TransactionStateManager.partitionFor`: `Utils.abs(transactionalId.hashCode) % partitions`,
/// where `Utils.abs(Integer.MIN_VALUE)` is 0).
pub fn partition_for(transactional_id: &str, partitions: i32) -> i32 {
    let h = java_string_hash_code(transactional_id);
    let abs = if h == i32::MIN { 0 } else { h.abs() };
    abs % partitions.max(1)
}

/// The `transaction.version` feature level (`TransactionVersion`): level 2 bumps the producer
/// epoch on every `EndTxn` (KIP-890 part 2); levels 0 and 1 bump it only on `InitProducerId`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TransactionVersion {
    Tv0,
    Tv1,
    Tv2,
}

impl TransactionVersion {
    /// `TransactionVersion.supportsEpochBump`: feature level 2 and above.
    pub fn supports_epoch_bump(self) -> bool {
        self >= TransactionVersion::Tv2
    }
}

/// Whether `EndTxn` commits or aborts (`TransactionResult`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TransactionResult {
    Commit,
    Abort,
}

/// The coordinator's state of a transactional id (`TransactionState`), with its id in the
/// transaction log and its name in `DescribeTransactions`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TransactionState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    Dead,
    PrepareEpochFence,
}

impl TransactionState {
    pub const ALL: [TransactionState; 8] = [
        TransactionState::Empty,
        TransactionState::Ongoing,
        TransactionState::PrepareCommit,
        TransactionState::PrepareAbort,
        TransactionState::CompleteCommit,
        TransactionState::CompleteAbort,
        TransactionState::Dead,
        TransactionState::PrepareEpochFence,
    ];

    /// The byte stored in `TransactionLogValue.TransactionStatus` (`TransactionState.fromId`).
    pub fn id(self) -> i8 {
        self as i8
    }

    pub fn from_id(id: i8) -> Option<TransactionState> {
        Self::ALL.get(usize::try_from(id).ok()?).copied()
    }

    /// Kafka's name, as `DescribeTransactions` and `kafka-transactions.sh` print it.
    pub fn name(self) -> &'static str {
        use TransactionState::*;
        match self {
            Empty => "Empty",
            Ongoing => "Ongoing",
            PrepareCommit => "PrepareCommit",
            PrepareAbort => "PrepareAbort",
            CompleteCommit => "CompleteCommit",
            CompleteAbort => "CompleteAbort",
            Dead => "Dead",
            PrepareEpochFence => "PrepareEpochFence",
        }
    }

    pub fn from_name(name: &str) -> Option<TransactionState> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The states a transition into `self` may start from (`validPreviousStates`).
    pub fn valid_previous_states(self) -> &'static [TransactionState] {
        use TransactionState::*;
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            PrepareAbort => &[Ongoing, PrepareEpochFence],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteAbort, CompleteCommit],
            PrepareEpochFence => &[Ongoing],
        }
    }

    /// Whether an idle transactional id in this state may expire
    /// (`transactional.id.expiration.ms`; `isExpirationAllowed`).
    pub fn is_expiration_allowed(self) -> bool {
        use TransactionState::*;
        matches!(self, Empty | CompleteCommit | CompleteAbort)
    }

    /// A transaction is open or finishing (`hasPendingTransaction`).
    pub fn has_pending_transaction(self) -> bool {
        use TransactionState::*;
        matches!(self, Ongoing | PrepareAbort | PrepareCommit)
    }
}
