//! Named timers. A node has at most one armed timer per value: arming it again replaces it
//! (see `sim::World`), which is how "reset the session timeout" or "re-arm linger" stay simple.

use super::types::TopicPartition;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Timer {
    // ---- clients ----
    /// A batch's `linger.ms` elapsed (producer).
    LingerExpired {
        partition: TopicPartition,
    },
    /// Wake the producer's sender (in-flight slot freed, ...).
    SenderWakeup,
    /// A failed batch's retry backoff (`retry.backoff.ms`, exponential) is over.
    RetryBackoff {
        partition: TopicPartition,
    },
    /// No response to request `correlation_id` within `request.timeout.ms`.
    RequestTimeout {
        correlation_id: u32,
    },
    /// `delivery.timeout.ms` of the oldest waiting batch elapsed.
    DeliveryTimeoutCheck,
    /// The application calls `send()` again (auto-produce at a rate).
    AppSend,
    /// A `send()` blocked on `buffer.memory` gives up after `max.block.ms`.
    MaxBlockExpired,
    /// Periodic metadata refresh (`metadata.max.age.ms`) or retry of a failed one.
    MetadataRefresh,
    /// Consumer: the application calls `poll()` (or finished processing and polls again).
    Poll,
    /// Consumer: the worker thread finished processing one record.
    WorkerTick,
    /// Consumer: a consumer that joins later (`start_at_ms`) starts now.
    ConsumerStart,
    /// Consumer: send the next fetch to a broker.
    FetchWakeup,
    /// Consumer: background heartbeat thread.
    GroupHeartbeat,
    /// Consumer: auto-commit is due.
    AutoCommit,
    /// Consumer: retry finding the coordinator / joining.
    CoordinatorRetry,

    // ---- brokers ----
    /// A parked fetch hits `max_wait_ms`.
    FetchExpiry {
        from: super::types::NodeId,
        correlation_id: u32,
    },
    /// A parked acks=all produce hits its timeout.
    ProduceExpiry {
        from: super::types::NodeId,
        correlation_id: u32,
    },
    /// The follower's replica fetcher sends its next Fetch to `leader`.
    ReplicaFetch {
        leader: super::types::BrokerId,
    },
    /// `replica.lag.time.max.ms / 2`: shrink the ISR of lagging followers.
    IsrCheck,
    BrokerHeartbeat,
    /// The simulated OS writes dirty pages to disk.
    OsFlush,
    HighWatermarkCheckpoint,
    RetentionCheck,
    CleanerCheck,
    /// Group coordinator: the join phase of `group` is due to complete.
    JoinPhaseDeadline {
        group: String,
    },
    /// Group coordinator: sync phase deadline.
    SyncPhaseDeadline {
        group: String,
    },
    /// Group coordinator: a member's session expired.
    MemberSession {
        group: String,
        member: String,
    },
    /// Group coordinator: a write to `__consumer_offsets` was not committed within
    /// `offsets.commit.timeout.ms`.
    CoordinatorWriteExpiry {
        id: u64,
    },
    /// A controlled shutdown that the controller never confirmed ends anyway.
    ShutdownDeadline,

    // ---- controllers ----
    /// Raft: no leader heard from for the election timeout.
    ElectionTimeout,
    /// Raft: a follower's next QuorumFetch (or the leader's long-poll expiry).
    QuorumFetch,
    /// Raft leader: a follower's parked QuorumFetch expires.
    QuorumFetchExpiry {
        replica: u32,
    },
    /// Active controller: look for brokers whose session expired.
    BrokerSessionCheck,
    /// `leader.imbalance.check.interval.seconds`.
    PreferredLeaderCheck,
    /// `unclean.leader.election.interval.ms`.
    UncleanElectionCheck,

    /// A paused process (GC pause) wakes up.
    PauseEnds,
    /// Transaction coordinator: look for transactions open past their timeout
    /// (`transaction.abort.timed.out.transaction.cleanup.interval.ms`).
    TxnAbortTimedOutCheck,
    /// Transaction coordinator: send again the markers of a transaction not yet acknowledged.
    TxnMarkerRetry {
        transactional_id: String,
    },
    /// Transactional producer: retry its transactional request after `retry.backoff.ms`.
    TxnRequestRetry,
}

/// The armed-timer search compares these codes before it compares timers: the variant, and the
/// field that tells one node's timers of that variant apart.
impl crate::sim::TimerCode for Timer {
    fn code(&self) -> u64 {
        let number = match self {
            Timer::LingerExpired { partition } | Timer::RetryBackoff { partition } => {
                partition.partition as u64
            }
            Timer::RequestTimeout { correlation_id }
            | Timer::FetchExpiry { correlation_id, .. }
            | Timer::ProduceExpiry { correlation_id, .. } => u64::from(*correlation_id),
            Timer::ReplicaFetch { leader } => u64::from(leader.0),
            Timer::CoordinatorWriteExpiry { id } => *id,
            Timer::QuorumFetchExpiry { replica } => u64::from(*replica),
            _ => 0,
        };
        crate::sim::variant_code(self, number)
    }
}
