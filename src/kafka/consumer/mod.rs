//! The consumer client (`KafkaConsumer`, classic group protocol). Three parts, each in its own
//! file:
//!
//! - `fetcher`: where each owned partition stands (committed offset, `auto.offset.reset`,
//!   KIP-320 validation after a leader change), one long-polling Fetch per leader, and the fetch
//!   buffer `poll()` takes records from. Fetches continue while the application processes
//!   (Kafka pipelines them), but a partition with buffered records is not fetched again.
//! - `coordinator`: the group member (`ConsumerCoordinator`): FindCoordinator, JoinGroup with
//!   `MEMBER_ID_REQUIRED`, the leader running the assignor, SyncGroup, heartbeats from the
//!   background thread, `max.poll.interval.ms`, eager and cooperative rebalancing, LeaveGroup,
//!   and offset commits (auto-commit, sync and async, before eager rebalances and on close).
//! - `app`: the application around the consumer: a `poll()` loop, processing time per record,
//!   inline or on a worker thread, and when it commits.

pub mod app;
pub mod coordinator;
pub mod fetcher;
mod forward;
mod offsets;

use super::client::{ClientMetadata, Connections, NetworkClient};
use super::config::ConsumerConfig;
use super::process::Process;
use super::protocol::Message;
use super::record::{Payload, RecordId};
use super::timer::Timer;
use super::types::{BrokerId, NodeId, TopicPartition};
use super::Cluster;
use crate::sim::{Ctx, SimDuration};
pub use app::{AppSpec, AppState, CommitMode, ConsumerApp, Handoff};
pub use coordinator::{GroupMember, MemberState, RebalancePhase};
use std::collections::{BTreeMap, VecDeque};

/// How a partition's position is being established.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FetchState {
    /// Waiting for the group's committed offset (OffsetFetch).
    AwaitCommitted,
    /// No valid offset: `auto.offset.reset` applies (a ListOffsets is needed).
    AwaitReset,
    /// A ListOffsets is out.
    Resetting,
    /// KIP-320: checking the position against the new leader (OffsetForLeaderEpoch is out).
    Validating,
    Fetching,
    /// `auto.offset.reset=none` and no valid offset, or truncation detected with `none`.
    Failed,
}

/// Where the consumer is in one owned partition.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PartitionState {
    /// The next offset `poll()` returns; `None` until known.
    pub position: Option<i64>,
    /// Leader epoch of the last consumed record (KIP-320).
    pub position_epoch: Option<i32>,
    /// The committed offset as this consumer last saw it (fetched or committed).
    pub committed: Option<i64>,
    /// The partition's high watermark as of the last fetch (for lag).
    pub high_watermark: Option<i64>,
    pub log_start_offset: Option<i64>,
    pub fetch_state: FetchState,
    /// The leader epoch the position was last validated against.
    pub leader_epoch_seen: Option<i32>,
    /// `consumer.pause(partition)`.
    pub paused: bool,
    /// A `seekToBeginning` (true) or `seekToEnd` (false) waiting for its ListOffsets.
    pub forced_reset: Option<bool>,
    /// Control and aborted batches after the buffered records: once `poll()` has returned the
    /// buffer and the position is the first offset (`.0`), it moves to the second (`.1`), past
    /// them (`CompletedFetch`'s `nextFetchOffset`).
    pub skip_after_buffer: Option<(i64, i64)>,
}

impl PartitionState {
    fn new(state: FetchState) -> PartitionState {
        PartitionState {
            position: None,
            position_epoch: None,
            committed: None,
            high_watermark: None,
            log_start_offset: None,
            fetch_state: state,
            leader_epoch_seen: None,
            paused: false,
            forced_reset: None,
            skip_after_buffer: None,
        }
    }

    /// Records between the position and the high watermark.
    pub fn lag(&self) -> Option<i64> {
        Some((self.high_watermark? - self.position?).max(0))
    }
}

/// How the application gets partitions.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Subscription {
    /// `consumer.assign(partitions)`: no rebalances.
    Assign(Vec<TopicPartition>),
    /// `consumer.subscribe(topics)`: the group decides who owns what.
    Subscribe(Vec<String>),
}

/// A Fetch request waiting for its response.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FetchInFlight {
    pub broker: BrokerId,
    /// The partitions it covers, each with the offset it was fetched from.
    pub partitions: Vec<(TopicPartition, i64)>,
}

/// A record waiting in the fetch buffer or in the application's hands.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FetchedRecord {
    pub partition: TopicPartition,
    pub offset: i64,
    pub leader_epoch: i32,
    pub id: RecordId,
    pub key: Option<Payload>,
    pub value: Option<Payload>,
}

/// A record the application received, as the consumer panel lists it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConsumedRecord {
    pub partition: TopicPartition,
    pub offset: i64,
    pub key: Option<Payload>,
    pub value: Option<Payload>,
}

impl ConsumedRecord {
    pub fn key_text(&self) -> String {
        super::record::payload_text(&self.key)
    }
    pub fn value_text(&self) -> String {
        super::record::payload_text(&self.value)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ConsumerStats {
    pub records_polled: u64,
    pub records_processed: u64,
    pub polls: u64,
    pub fetches: u64,
    pub commits: u64,
    pub commit_failures: u64,
    pub rebalances: u64,
    /// The last few records returned by poll(), newest last.
    pub recent: VecDeque<ConsumedRecord>,
}

/// How many consumed records the panel keeps.
const RECENT_RECORDS: usize = 8;

impl ConsumerStats {
    pub fn remember(&mut self, record: ConsumedRecord) {
        self.recent.push_back(record);
        while self.recent.len() > RECENT_RECORDS {
            self.recent.pop_front();
        }
    }

    /// Remember what a `poll()` returned (only the newest few can stay).
    pub fn remember_polled(&mut self, records: &[FetchedRecord]) {
        let newest = &records[records.len().saturating_sub(RECENT_RECORDS)..];
        for r in newest {
            self.remember(ConsumedRecord {
                partition: r.partition,
                offset: r.offset,
                key: r.key.clone(),
                value: r.value.clone(),
            });
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Consumer {
    pub id: u32,
    pub process: Process,
    pub config: ConsumerConfig,
    pub metadata: ClientMetadata,
    pub net: NetworkClient,
    pub subscription: Subscription,
    /// Owned (assigned) partitions.
    pub positions: BTreeMap<TopicPartition, PartitionState>,
    /// Fetched records not yet returned by `poll()`.
    pub buffer: BTreeMap<TopicPartition, VecDeque<FetchedRecord>>,
    /// Fetch requests in flight, by correlation id: at most one per broker.
    pub fetches_in_flight: BTreeMap<u32, FetchInFlight>,
    /// Other per-partition requests in flight (ListOffsets, OffsetForLeaderEpoch).
    pub partition_requests: BTreeMap<u32, TopicPartition>,
    /// The group membership, when the consumer has a `group.id`.
    pub group: Option<GroupMember>,
    pub app: ConsumerApp,
    /// The consumer was closed (or never started).
    pub closed: bool,
    pub stats: ConsumerStats,
}

impl Consumer {
    pub fn new(
        id: u32,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
        subscription: Subscription,
        app: AppSpec,
    ) -> Consumer {
        let mut metadata = ClientMetadata::new(bootstrap);
        match &subscription {
            Subscription::Assign(partitions) => {
                for tp in partitions {
                    metadata.want(&tp.topic);
                }
            }
            Subscription::Subscribe(topics) => {
                for t in topics {
                    metadata.want(t);
                }
            }
        }
        let group = config
            .group_id
            .clone()
            .map(|g| GroupMember::new(&g, id, &config));
        Consumer {
            id,
            process: Process::default(),
            config,
            metadata,
            net: NetworkClient::default(),
            subscription,
            positions: BTreeMap::new(),
            buffer: BTreeMap::new(),
            fetches_in_flight: BTreeMap::new(),
            partition_requests: BTreeMap::new(),
            group,
            app: ConsumerApp::new(app),
            closed: false,
            stats: ConsumerStats::default(),
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Consumer(self.id)
    }

    pub fn group_id(&self) -> Option<&str> {
        self.group.as_ref().map(|g| g.group_id.as_str())
    }

    /// Whether the consumer uses `subscribe` (group management).
    pub fn is_subscribed(&self) -> bool {
        matches!(self.subscription, Subscription::Subscribe(_))
    }

    /// Start the application: assign its partitions or join its group, and begin polling.
    pub fn start(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.closed = false;
        if let Subscription::Assign(partitions) = &self.subscription {
            let state = if self.group.is_some() {
                FetchState::AwaitCommitted
            } else {
                FetchState::AwaitReset
            };
            for tp in partitions {
                self.positions
                    .entry(*tp)
                    .or_insert_with(|| PartitionState::new(state));
            }
        }
        self.request_metadata(ctx);
        self.app.last_poll_at = ctx.now;
        self.app.state = AppState::Idle;
        ctx.set_timer(self.node(), Timer::Poll, SimDuration::ZERO);
        if self.group.is_some() {
            ctx.set_timer(
                self.node(),
                Timer::GroupHeartbeat,
                SimDuration::from_ms(self.config.heartbeat_interval_ms),
            );
        }
    }

    pub fn assigned(&self) -> Vec<TopicPartition> {
        self.positions.keys().cloned().collect()
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                topics,
            } => {
                let max_age = self.config.metadata_max_age_ms;
                if !self.connections().metadata_response(
                    ctx,
                    correlation_id,
                    brokers,
                    topics,
                    max_age,
                ) {
                    return;
                }
                self.check_partition_counts(ctx);
                self.ensure_group(ctx);
                self.run_fetcher(ctx);
            }
            Message::ListOffsetsResponse {
                correlation_id,
                partition,
                error,
                offset,
                leader_epoch,
            } => self.handle_list_offsets(
                ctx,
                correlation_id,
                partition,
                error,
                offset,
                leader_epoch,
            ),
            Message::OffsetForLeaderEpochResponse {
                correlation_id,
                partition,
                error,
                end,
            } => self.handle_offset_for_leader_epoch(ctx, correlation_id, partition, error, end),
            Message::FetchResponse(response) => self.handle_fetch_response(ctx, response),
            Message::ConnectionReset => {
                if let Some(broker) = from.as_broker() {
                    self.handle_connection_reset(ctx, broker);
                }
            }
            other => self.on_group_message(ctx, other),
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Cluster>, timer: Timer) {
        match timer {
            Timer::MetadataRefresh => {
                self.metadata.needs_update = true;
                self.request_metadata(ctx)
            }
            Timer::RequestTimeout { correlation_id } => {
                self.handle_request_timeout(ctx, correlation_id)
            }
            Timer::FetchWakeup => self.run_fetcher(ctx),
            Timer::Poll => self.app_wake(ctx),
            Timer::WorkerTick => self.worker_tick(ctx),
            Timer::ConsumerStart => self.start(ctx),
            Timer::GroupHeartbeat => self.heartbeat_tick(ctx),
            Timer::CoordinatorRetry => self.ensure_group(ctx),
            _ => {}
        }
    }

    pub(crate) fn request_metadata(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let timeout = self.config.request_timeout_ms;
        self.connections().request_metadata(ctx, timeout);
    }

    /// The consumer's network side, shared with the producer's code.
    pub(crate) fn connections(&mut self) -> Connections<'_> {
        Connections {
            me: NodeId::Consumer(self.id),
            net: &mut self.net,
            metadata: &mut self.metadata,
        }
    }

    /// The process died: everything in memory is gone, including positions that were not
    /// committed, records in the application's hands and the worker's queue.
    pub fn crash(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let mut fresh = Consumer::new(
            self.id,
            self.config.clone(),
            self.metadata.brokers.clone(),
            self.subscription.clone(),
            self.app.spec,
        );
        fresh.process = self.process;
        fresh.stats = ConsumerStats {
            recent: VecDeque::new(),
            ..self.stats.clone()
        };
        if let (Some(old), Some(new)) = (&self.group, &mut fresh.group) {
            // The rebalance timeline is the panel's history, not the process's memory.
            new.history = old.history.clone();
        }
        *self = fresh;
        self.closed = true;
        ctx.cancel_all_timers(self.node());
    }

    /// The process comes back (after a crash or a restart): a new consumer instance starts.
    pub fn restart(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.start(ctx);
    }

    pub fn has_in_flight_to(&self, broker: BrokerId) -> bool {
        self.net.has_in_flight_to(NodeId::Broker(broker))
    }

    /// Stop owning `partitions`: forget positions and buffered records.
    fn drop_partitions(&mut self, partitions: &[TopicPartition]) {
        for tp in partitions {
            self.positions.remove(tp);
            self.buffer.remove(tp);
        }
    }
}
