//! The producer client (`KafkaProducer`): the application's `send()` serializes and partitions a
//! record and appends it to the `RecordAccumulator` (`append`); the sender drains ready batches
//! into Produce requests, one connection per broker (`sender`). With idempotence the producer
//! first gets a producer id (`InitProducerId`) and numbers every batch per partition.

pub mod accumulator;
mod append;
pub mod backoff;
pub mod builtin_partitioner;
pub mod client_sequences;
pub mod custom_partitioner;
mod drain;
pub mod idempotence_config;
pub mod metrics;
pub mod partitioner;
pub mod round_robin_partitioner;
mod sender;
pub mod topic_partitions;
pub mod transactions;
mod txn_client;

use super::client::{ClientMetadata, Connections, NetworkClient};
use super::config::ProducerConfig;
use super::cost::CostModel;
use super::errors::ErrorCode;
use super::event::{BatchReadyReason, Event};
use super::process::Process;
use super::protocol::Message;
use super::record::RecordId;
use super::timer::Timer;
use super::types::{BrokerId, NodeId, Topic, TopicPartition};
use super::Cluster;
use crate::sim::{Ctx, SimDuration, SimTime};
use accumulator::{Accumulator, ProducerBatch};
use builtin_partitioner::BuiltInPartitioner;
use client_sequences::{ClientSequences, ProducerIdAndEpoch};
use custom_partitioner::CustomPartitioner;
use metrics::ProducerMetrics;
use round_robin_partitioner::RoundRobinPartitioner;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// How the application uses `send()`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendMode {
    /// `send(record, callback)`: keep sending, learn results in the callback.
    #[default]
    Async,
    /// `send(record).get()`: wait for each result before the next send.
    Sync,
    /// `send(record)` and never look at the result.
    FireAndForget,
}

/// One record header, as in Kafka's `RecordHeader` (keys may repeat; order is kept).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordHeader {
    pub key: String,
    pub value: String,
}

/// What the application passes to `send()`: Kafka's `ProducerRecord`. Key and value are
/// serialized by `key.serializer` and `value.serializer`; a missing partition is chosen by the
/// partitioner; a missing timestamp is stamped by the producer (`CreateTime`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducerRecord {
    pub topic: Topic,
    pub partition: Option<i32>,
    pub timestamp: Option<i64>,
    /// Shared text: a workload's keys and the serialized record point at the same string.
    pub key: Option<Rc<str>>,
    pub value: Option<Rc<str>>,
    pub headers: Vec<RecordHeader>,
}

impl SendMode {
    pub const ALL: [SendMode; 3] = [SendMode::Async, SendMode::Sync, SendMode::FireAndForget];

    /// The lesson-file name.
    pub fn name(self) -> &'static str {
        match self {
            SendMode::Async => "async",
            SendMode::Sync => "sync",
            SendMode::FireAndForget => "fire_and_forget",
        }
    }

    pub fn parse(name: &str) -> Option<SendMode> {
        SendMode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// How the application's code reads, for the panel and the log.
    pub fn describe(self) -> &'static str {
        match self {
            SendMode::Async => "asynchronously: send(record, callback)",
            SendMode::Sync => "synchronously: send(record).get() before the next send",
            SendMode::FireAndForget => "fire-and-forget: send(record), result never checked",
        }
    }
}

/// A record as the application handed it to `send()`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AppRecord {
    pub id: RecordId,
    pub record: ProducerRecord,
    /// A synthetic value of this many bytes instead of `value` (load tests).
    pub value_bytes: Option<u32>,
    /// When the application called `send()`.
    pub sent_at: SimTime,
}

/// An application producing continuously.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Workload {
    pub topic: Topic,
    /// 0: as fast as the application thread can call `send()`.
    pub records_per_second: u32,
    pub keys: Vec<Rc<str>>,
    pub sent: u64,
    /// Stop after this many records.
    pub total: Option<u64>,
    /// Synthetic values of this size instead of `v0`, `v1`, ...
    pub value_bytes: Option<u32>,
}

/// Running totals for the producer panel.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ProducerStats {
    pub records_sent: u64,
    pub records_acked: u64,
    pub records_failed: u64,
    pub requests_sent: u64,
    pub retries: u64,
    pub batches_sent: u64,
    pub bytes_sent: u64,
    /// When the last record was acknowledged (for ingestion time).
    pub last_ack_at: Option<SimTime>,
}

/// A batch that left, for the panel's "recently sent" list.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SentBatch {
    pub partition: TopicPartition,
    pub broker: BrokerId,
    pub records: u32,
    pub bytes: u32,
    pub reason: BatchReadyReason,
    pub at: SimTime,
}

/// A Produce request awaiting its response.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct InFlightProduce {
    pub batches: Vec<(TopicPartition, ProducerBatch)>,
    pub sent_at: SimTime,
    /// The earliest `created_at` of `batches` (`None` when none is left): the sender checks
    /// `delivery.timeout.ms` against it at every pass without reading every batch.
    pub oldest_created_at: Option<SimTime>,
}

impl InFlightProduce {
    pub fn new(batches: Vec<(TopicPartition, ProducerBatch)>, sent_at: SimTime) -> Self {
        let oldest_created_at = batches.iter().map(|(_, b)| b.created_at).min();
        InFlightProduce {
            batches,
            sent_at,
            oldest_created_at,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Producer {
    pub id: u32,
    pub process: Process,
    pub config: ProducerConfig,
    pub custom_partitioner: Option<CustomPartitioner>,
    pub send_mode: SendMode,
    pub costs: CostModel,
    pub metadata: ClientMetadata,
    pub net: NetworkClient,
    pub accumulator: Accumulator,
    pub in_flight: BTreeMap<u32, InFlightProduce>,
    /// The built-in partitioner's state, per topic.
    pub sticky: BTreeMap<Topic, BuiltInPartitioner>,
    pub round_robin: RoundRobinPartitioner,
    /// Idempotence bookkeeping, once `InitProducerId` answered.
    pub sequences: Option<ClientSequences>,
    pub init_producer_id: Option<u32>,
    pub next_serial: u32,
    pub next_batch_id: u64,
    /// `send()` calls not appended yet: waiting for metadata, memory or a synchronous result.
    pub waiting: VecDeque<AppRecord>,
    /// Since when the first waiting send has been blocked (`max.block.ms` runs from here).
    pub blocked_since: Option<SimTime>,
    /// An append since the sender last ran made a new batch or filled one: the sender thread
    /// has been woken (Kafka: `KafkaProducer.doSend` calls `sender.wakeup()` only then).
    pub sender_woken: bool,
    /// Sync mode: the record whose result the application waits for.
    pub awaiting_result: Option<RecordId>,
    pub workload: Option<Workload>,
    /// The application thread is busy until then (CPU of `send()` and compression).
    pub app_busy_until: SimTime,
    pub flushing: bool,
    /// Whether this producer has armed a `RetryBackoff` timer since it started. Until it has,
    /// none can be armed, and cancelling one (at every `send()`) is skipped.
    pub retry_timers_armed: bool,
    /// Partitions whose `LingerExpired` timer may be armed: a superset of those armed (set when
    /// armed, cleared when cancelled or fired), so a cancel is skipped only when it would
    /// change nothing.
    pub linger_timers_armed: BTreeSet<TopicPartition>,
    pub stats: ProducerStats,
    pub metrics: ProducerMetrics,
    pub recent: VecDeque<SentBatch>,
    /// The transaction manager, with a `transactional.id`.
    pub txn: Option<transactions::TransactionManager>,
}

/// Sent batches kept for the panel.
const RECENT_BATCHES: usize = 6;

impl Producer {
    pub fn new(id: u32, config: ProducerConfig, bootstrap: Vec<BrokerId>) -> Producer {
        Producer {
            id,
            process: Process::default(),
            custom_partitioner: None,
            send_mode: SendMode::Async,
            costs: CostModel::default(),
            metadata: ClientMetadata::new(bootstrap),
            net: NetworkClient::default(),
            accumulator: Accumulator::default(),
            in_flight: BTreeMap::new(),
            sticky: BTreeMap::new(),
            round_robin: RoundRobinPartitioner::new(),
            sequences: None,
            init_producer_id: None,
            next_serial: 0,
            next_batch_id: 0,
            waiting: VecDeque::new(),
            blocked_since: None,
            sender_woken: false,
            awaiting_result: None,
            workload: None,
            app_busy_until: SimTime::ZERO,
            flushing: false,
            retry_timers_armed: false,
            linger_timers_armed: BTreeSet::new(),
            stats: ProducerStats::default(),
            metrics: ProducerMetrics::default(),
            recent: VecDeque::new(),
            txn: config
                .transactional_id
                .as_deref()
                .map(|id| transactions::TransactionManager::new(id, config.transaction_timeout_ms)),
            config,
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Producer(self.id)
    }

    pub fn start(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.request_metadata(ctx);
        // A transactional producer gets its id from initTransactions().
        if self.config.enable_idempotence && self.txn.is_none() {
            self.request_producer_id(ctx);
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        let Some(msg) = self.on_txn_response(ctx, msg) else {
            return;
        };
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                topics,
            } => {
                let max_age = self.config.metadata_max_age_ms;
                if self.connections().metadata_response(
                    ctx,
                    correlation_id,
                    brokers,
                    topics,
                    max_age,
                ) {
                    self.drain_waiting(ctx);
                    self.run_sender(ctx);
                }
            }
            Message::InitProducerIdResponse {
                correlation_id,
                error,
                producer_id,
                producer_epoch,
            } => {
                if self
                    .net
                    .complete(ctx, self.node(), correlation_id)
                    .is_none()
                {
                    return;
                }
                self.init_producer_id = None;
                if !self.config.enable_idempotence {
                    // Idempotence was switched off while the request was out.
                    return;
                }
                if error.is_error() {
                    return self.request_producer_id(ctx);
                }
                let id = ProducerIdAndEpoch {
                    producer_id,
                    epoch: producer_epoch,
                };
                match &mut self.sequences {
                    Some(s) => s.set_producer_id_and_epoch(id),
                    None => self.sequences = Some(ClientSequences::new(id)),
                }
                ctx.emit(Event::ProducerIdAssigned {
                    producer: self.id,
                    producer_id,
                    epoch: producer_epoch,
                });
                self.run_sender(ctx);
            }
            Message::ProduceResponse(response) => self.handle_produce_response(ctx, response),
            Message::ConnectionReset => {
                if let Some(broker) = from.as_broker() {
                    self.handle_connection_reset(ctx, broker);
                }
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Cluster>, timer: Timer) {
        match timer {
            Timer::LingerExpired { partition } => {
                self.linger_timers_armed.remove(&partition);
                self.run_sender(ctx)
            }
            Timer::RetryBackoff { .. } | Timer::SenderWakeup | Timer::DeliveryTimeoutCheck => {
                self.run_sender(ctx)
            }
            Timer::RequestTimeout { correlation_id } => {
                self.handle_request_timeout(ctx, correlation_id)
            }
            Timer::MetadataRefresh => self.request_metadata(ctx),
            Timer::AppSend => self.workload_send(ctx),
            Timer::MaxBlockExpired => self.expire_blocked_send(ctx),
            Timer::TxnRequestRetry => self.run_sender(ctx),
            _ => {}
        }
    }

    fn request_producer_id(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.init_producer_id.is_some() {
            return;
        }
        let Some(node) = self.metadata.next_metadata_node() else {
            return;
        };
        let timeout = self.config.request_timeout_ms;
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            NodeId::Broker(node),
            Some(timeout),
            |correlation_id| Message::InitProducerId { correlation_id },
        );
        self.init_producer_id = Some(correlation_id);
    }

    pub(crate) fn request_metadata(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let timeout = self.config.request_timeout_ms;
        self.connections().request_metadata(ctx, timeout);
    }

    /// The producer's network side, shared with the consumer's code.
    pub(crate) fn connections(&mut self) -> Connections<'_> {
        Connections {
            me: NodeId::Producer(self.id),
            net: &mut self.net,
            metadata: &mut self.metadata,
        }
    }

    /// Start, change or stop producing continuously.
    pub fn set_workload(&mut self, ctx: &mut Ctx<'_, Cluster>, workload: Option<Workload>) {
        self.workload = workload.filter(|w| w.records_per_second > 0 || w.total.is_some());
        match &self.workload {
            Some(_) => ctx.set_timer(self.node(), Timer::AppSend, SimDuration::ZERO),
            None => ctx.cancel_timer(self.node(), Timer::AppSend),
        }
    }

    /// The application's loop. At a fixed rate, one `send()` per tick. As fast as possible, as
    /// many `send()` calls as fit in a millisecond of application time (each costs CPU), until a
    /// call blocks on `buffer.memory`.
    fn workload_send(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let Some(w) = &self.workload else {
            return;
        };
        if w.total.is_some_and(|t| w.sent >= t) {
            self.workload = None;
            return;
        }
        let per_record = self.send_cost(w.value_bytes.unwrap_or(8));
        let slice_end = ctx.now.plus(SimDuration::from_ms(1));
        let mut app_clock = ctx.now;
        loop {
            // Values are named after the record's serial (v17 is record p1#17): unique per
            // producer, across workloads.
            let serial = self.next_serial;
            let Some(w) = self.workload.as_mut() else {
                return;
            };
            if w.total.is_some_and(|t| w.sent >= t)
                || (w.records_per_second == 0 && !self.waiting.is_empty())
            {
                break;
            }
            let key = (!w.keys.is_empty())
                .then(|| w.keys[(w.sent % w.keys.len() as u64) as usize].clone());
            let value = w.value_bytes.is_none().then(|| serial_value(serial));
            let (topic, value_bytes, rate) = (w.topic, w.value_bytes, w.records_per_second);
            w.sent += 1;
            let record = ProducerRecord {
                topic,
                partition: None,
                timestamp: None,
                key,
                value,
                headers: Vec::new(),
            };
            self.send(ctx, record, value_bytes);
            app_clock = app_clock.plus(per_record);
            if rate > 0 {
                let interval = SimDuration::from_micros(1_000_000 / rate as u64);
                return ctx.set_timer(self.node(), Timer::AppSend, interval);
            }
            if app_clock >= slice_end {
                break;
            }
        }
        // As fast as possible: continue after the CPU time spent, or once memory frees up.
        self.app_busy_until = app_clock;
        if self.waiting.is_empty() {
            ctx.set_timer_at(
                self.node(),
                Timer::AppSend,
                app_clock.max(ctx.now.plus(SimDuration::from_micros(1))),
            );
        }
    }

    /// CPU time of one `send()` of a record with a value of `bytes` (serialization, partitioning,
    /// appending; compression happens on append, in the application thread).
    fn send_cost(&self, bytes: u32) -> SimDuration {
        let compression = super::compression::Compression::parse(&self.config.compression_type)
            .unwrap_or_default();
        SimDuration::from_micros(
            self.costs.producer_send_micros + compression.compress_micros(bytes),
        )
    }

    /// `flush()`: make every batch ready now.
    pub fn flush(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.flushing = true;
        self.run_sender(ctx);
    }

    /// Change one config by its Kafka name, with Kafka's validation and cross-field rules. A
    /// real producer takes its configs once, in its constructor; the classroom lets a change
    /// apply from the next batch, as if the application had closed the producer and made a new
    /// one. Idempotence is the exception that shows: a new producer gets a new producer id, so
    /// it may only change while nothing is waiting or in flight.
    pub fn set_config(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        key: &str,
        value: &str,
    ) -> Result<(), crate::kafka::commands::CommandError> {
        use super::config::{def, PRODUCER_KEYS};
        let values = def::with_value(PRODUCER_KEYS, &self.config.values, key, value)?;
        let config = ProducerConfig::from_values(values)?;
        let idempotence_changes = config.enable_idempotence != self.config.enable_idempotence;
        if idempotence_changes
            && (!self.accumulator.is_empty()
                || !self.in_flight.is_empty()
                || !self.waiting.is_empty())
        {
            return Err(
                crate::kafka::commands::CommandError::IdempotenceNeedsIdleProducer {
                    enable: config.enable_idempotence,
                },
            );
        }
        let txn_changes = config.transactional_id != self.config.transactional_id;
        if txn_changes && !self.is_idle() {
            return Err(crate::kafka::commands::CommandError::TransactionalIdNeedsIdleProducer);
        }
        self.config = config;
        self.sticky.clear();
        if txn_changes {
            // Kafka: a new KafkaProducer with the new transactional.id; initTransactions next.
            self.txn = self.config.transactional_id.as_deref().map(|id| {
                transactions::TransactionManager::new(id, self.config.transaction_timeout_ms)
            });
            self.sequences = None;
            self.init_producer_id = None;
            if self.config.enable_idempotence && self.txn.is_none() {
                self.request_producer_id(ctx);
            }
        } else if let Some(txn) = self.txn.as_mut() {
            txn.timeout_ms = self.config.transaction_timeout_ms;
        }
        if idempotence_changes && !txn_changes {
            self.sequences = None;
            self.init_producer_id = None;
            if self.config.enable_idempotence {
                self.request_producer_id(ctx);
            }
        }
        Ok(())
    }

    /// Nothing waiting, batched or in flight.
    pub fn is_idle(&self) -> bool {
        self.accumulator.is_empty() && self.in_flight.is_empty() && self.waiting.is_empty()
    }

    /// The application changes how it calls `send()`. Leaving sync mode releases the send that
    /// waited for a result.
    pub fn set_send_mode(&mut self, ctx: &mut Ctx<'_, Cluster>, mode: SendMode) {
        self.send_mode = mode;
        if mode != SendMode::Sync && self.awaiting_result.take().is_some() {
            self.drain_waiting(ctx);
            if self.workload.is_some() {
                ctx.set_timer(self.node(), Timer::AppSend, SimDuration::ZERO);
            }
            self.run_sender(ctx);
        }
    }

    /// The process died: everything in memory is gone, including unsent records.
    pub fn crash(&mut self, ctx: &mut Ctx<'_, Cluster>) -> u32 {
        let lost = self
            .accumulator
            .queues()
            .values()
            .flatten()
            .map(|b| b.record_count())
            .sum::<u32>()
            + self
                .in_flight
                .values()
                .flat_map(|r| r.batches.iter())
                .map(|(_, b)| b.record_count())
                .sum::<u32>()
            + self.waiting.len() as u32;
        let mut fresh = Producer::new(self.id, self.config.clone(), self.metadata.brokers.clone());
        fresh.process = self.process;
        fresh.next_serial = self.next_serial;
        fresh.custom_partitioner = self.custom_partitioner.clone();
        fresh.send_mode = self.send_mode;
        fresh.costs = self.costs;
        fresh.stats = self.stats.clone();
        *self = fresh;
        ctx.cancel_all_timers(self.node());
        lost
    }

    pub fn has_in_flight_to(&self, broker: BrokerId) -> bool {
        self.net.has_in_flight_to(NodeId::Broker(broker))
    }

    /// The application learns the result of a record (a callback, or a `get()` returning).
    pub(crate) fn completed(&mut self, ctx: &mut Ctx<'_, Cluster>, records: &[RecordId]) {
        if self.awaiting_result.is_some_and(|id| records.contains(&id)) {
            self.awaiting_result = None;
            self.drain_waiting(ctx);
            if self.workload.is_some() {
                ctx.set_timer(self.node(), Timer::AppSend, SimDuration::ZERO);
            }
        }
    }

    pub(crate) fn remember_sent(&mut self, batch: SentBatch) {
        self.recent.push_back(batch);
        while self.recent.len() > RECENT_BATCHES {
            self.recent.pop_front();
        }
    }

    pub(crate) fn fail_records(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        partition: TopicPartition,
        records: Vec<RecordId>,
        error: ErrorCode,
        detail: crate::kafka::event::FailureDetail,
    ) {
        self.stats.records_failed += records.len() as u64;
        self.metrics.errors(ctx.now, records.len() as u32);
        ctx.emit(Event::ProduceFailed {
            producer: self.id,
            partition,
            error,
            records: records.clone(),
            retrying: false,
            detail: Some(detail),
        });
        self.completed(ctx, &records);
    }
}

/// `v17` for serial 17, written digit by digit: a workload sends a record per step, and
/// `format!` was 3 % of the engine benchmark.
fn serial_value(serial: u32) -> Rc<str> {
    let mut digits = [0u8; 10];
    let (mut n, mut len) = (serial, 0);
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut value = [b'v'; 11];
    for (to, &d) in value[1..=len].iter_mut().zip(digits[..len].iter().rev()) {
        *to = d;
    }
    Rc::from(std::str::from_utf8(&value[..=len]).expect("ASCII digits"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn serial_values_read_like_format() {
        for serial in [0, 7, 10, 99, 100, 4_096, 1_000_001, u32::MAX] {
            assert_eq!(&*super::serial_value(serial), format!("v{serial}"));
        }
    }
}
