//! The producer client (`KafkaProducer`): the application's `send()` serializes and partitions a
//! record and appends it to the `RecordAccumulator`; the sender drains ready batches into Produce
//! requests, one connection per broker, and handles responses, retries and timeouts.

pub mod accumulator;
pub mod partitioner;
mod sender;

use super::client::{ClientMetadata, NetworkClient};
use super::config::producer::Serializer;
use super::config::ProducerConfig;
use super::event::Event;
use super::process::Process;
use super::protocol::Message;
use super::record::{Payload, Record, RecordId};
use super::timer::Timer;
use super::types::{BrokerId, NodeId, TopicPartition};
use super::Cluster;
use crate::sim::{Ctx, SimDuration};
use accumulator::{Accumulator, ProducerBatch};
use partitioner::{Choice, RoundRobin};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// A record as the application handed it to `send()`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AppRecord {
    pub id: RecordId,
    pub topic: String,
    pub key: Option<String>,
    pub value: Option<String>,
    pub partition: Option<i32>,
}

/// An application producing continuously.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Workload {
    pub topic: String,
    pub records_per_second: u32,
    pub keys: Vec<String>,
    pub sent: u32,
}

/// Running totals for the producer panel.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ProducerStats {
    pub records_sent: u64,
    pub records_acked: u64,
    pub records_failed: u64,
    pub requests_sent: u64,
    pub retries: u64,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Producer {
    pub id: u32,
    pub process: Process,
    pub config: ProducerConfig,
    pub metadata: ClientMetadata,
    pub net: NetworkClient,
    pub accumulator: Accumulator,
    /// Batches in each Produce request still awaiting a response, by correlation id.
    pub in_flight: BTreeMap<u32, Vec<(TopicPartition, ProducerBatch)>>,
    pub round_robin: RoundRobin,
    pub next_serial: u32,
    /// `send()` calls waiting for the topic's metadata.
    pub waiting_for_metadata: VecDeque<AppRecord>,
    pub workload: Option<Workload>,
    pub flushing: bool,
    pub stats: ProducerStats,
}

impl Producer {
    pub fn new(id: u32, config: ProducerConfig, bootstrap: Vec<BrokerId>) -> Producer {
        Producer {
            id,
            process: Process::default(),
            config,
            metadata: ClientMetadata::new(bootstrap),
            net: NetworkClient::default(),
            accumulator: Accumulator::default(),
            in_flight: BTreeMap::new(),
            round_robin: RoundRobin::default(),
            next_serial: 0,
            waiting_for_metadata: VecDeque::new(),
            workload: None,
            flushing: false,
            stats: ProducerStats::default(),
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Producer(self.id)
    }

    pub fn start(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.request_metadata(ctx);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                topics,
            } => {
                if self
                    .net
                    .complete(ctx, self.node(), correlation_id)
                    .is_none()
                {
                    return;
                }
                let changed = self
                    .metadata
                    .update(brokers, topics, ctx.now.as_ms() as i64);
                if !changed.is_empty() {
                    ctx.emit(Event::MetadataUpdated {
                        node: self.node(),
                        leaders: changed,
                    });
                }
                self.schedule_metadata_refresh(ctx);
                self.release_waiting_sends(ctx);
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
            Timer::LingerExpired { .. }
            | Timer::RetryBackoff { .. }
            | Timer::SenderWakeup
            | Timer::DeliveryTimeoutCheck => self.run_sender(ctx),
            Timer::RequestTimeout { correlation_id } => {
                self.handle_request_timeout(ctx, correlation_id)
            }
            Timer::MetadataRefresh => self.request_metadata(ctx),
            Timer::AppSend => self.workload_send(ctx),
            _ => {}
        }
    }

    /// The application calls `send()`.
    pub fn send(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        topic: String,
        key: Option<String>,
        value: Option<String>,
        partition: Option<i32>,
    ) -> RecordId {
        let id = RecordId {
            producer: self.id,
            serial: self.next_serial,
        };
        self.next_serial += 1;
        self.stats.records_sent += 1;
        let record = AppRecord {
            id,
            topic,
            key,
            value,
            partition,
        };
        if self.metadata.partition_count(&record.topic).is_none() {
            self.metadata.want(&record.topic);
            self.waiting_for_metadata.push_back(record);
            self.request_metadata(ctx);
        } else {
            self.append(ctx, record);
            self.run_sender(ctx);
        }
        id
    }

    fn release_waiting_sends(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let waiting = std::mem::take(&mut self.waiting_for_metadata);
        for record in waiting {
            if self.metadata.partition_count(&record.topic).is_some() {
                self.append(ctx, record);
            } else {
                self.waiting_for_metadata.push_back(record);
            }
        }
    }

    /// Serialize, partition and append one record to the accumulator.
    fn append(&mut self, ctx: &mut Ctx<'_, Cluster>, app: AppRecord) {
        let (key, value) = match (
            serialize(self.config.key_serializer, app.key.as_deref()),
            serialize(self.config.value_serializer, app.value.as_deref()),
        ) {
            (Ok(k), Ok(v)) => (k, v),
            (Err(e), _) | (_, Err(e)) => return self.fail_send(ctx, &app, e),
        };
        let count = self
            .metadata
            .partition_count(&app.topic)
            .expect("append runs once metadata is known");
        let key_bytes = key.as_ref().map(|k| k.bytes().into_owned());
        let (partition, how) = match partitioner::choose(
            app.partition,
            key_bytes.as_deref(),
            count,
            self.config.partitioner_ignore_keys,
        ) {
            Choice::Chosen { partition, how } => (partition, how),
            Choice::Error(e) => return self.fail_send(ctx, &app, e),
            Choice::Sticky => {
                let available = self.metadata.available_partitions(&app.topic);
                let p = self.round_robin.next(&app.topic, &available, count);
                (
                    p,
                    format!(
                        "round-robin over {} available partitions",
                        available.len().max(count as usize)
                    ),
                )
            }
        };
        let tp = TopicPartition::new(app.topic.clone(), partition);
        ctx.emit(Event::RecordPartitioned {
            producer: self.id,
            record: app.id,
            partition: tp.clone(),
            how: Rc::from(how.as_str()),
        });
        let record = Record {
            id: app.id,
            offset_delta: 0,
            timestamp_ms: ctx.now.as_ms() as i64,
            key,
            value,
            headers: Vec::new(),
        };
        let appended = self
            .accumulator
            .append(&tp, record, ctx.now, self.config.batch_size);
        ctx.emit(Event::RecordAppendedToBatch {
            producer: self.id,
            partition: tp,
            record: app.id,
            batch_records: appended.batch_records,
            batch_bytes: appended.batch_bytes,
            batch_size: self.config.batch_size,
            new_batch: appended.new_batch,
        });
    }

    fn fail_send(&mut self, ctx: &mut Ctx<'_, Cluster>, app: &AppRecord, error: String) {
        self.stats.records_failed += 1;
        ctx.emit(Event::Notice {
            text: Rc::from(format!("p{} send() of {} failed: {error}", self.id, app.id).as_str()),
        });
    }

    pub(crate) fn request_metadata(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.metadata.request_in_flight.is_some() {
            return;
        }
        let Some(node) = self.metadata.next_metadata_node() else {
            return;
        };
        let topics = self.metadata.wanted.clone();
        let timeout = self.config.request_timeout_ms;
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            NodeId::Broker(node),
            Some(timeout),
            |correlation_id| Message::Metadata {
                correlation_id,
                topics,
            },
        );
        self.metadata.request_in_flight = Some(correlation_id);
    }

    fn schedule_metadata_refresh(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        ctx.set_timer(
            self.node(),
            Timer::MetadataRefresh,
            SimDuration::from_ms(self.config.metadata_max_age_ms),
        );
    }

    /// Start, change or stop producing continuously.
    pub fn set_workload(&mut self, ctx: &mut Ctx<'_, Cluster>, workload: Option<Workload>) {
        self.workload = workload.filter(|w| w.records_per_second > 0);
        match &self.workload {
            Some(w) => ctx.set_timer(self.node(), Timer::AppSend, interval(w.records_per_second)),
            None => ctx.cancel_timer(self.node(), Timer::AppSend),
        }
    }

    fn workload_send(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let Some(w) = self.workload.as_mut() else {
            return;
        };
        let key = (!w.keys.is_empty()).then(|| w.keys[w.sent as usize % w.keys.len()].clone());
        let value = format!("v{}", w.sent);
        w.sent += 1;
        let (topic, rate) = (w.topic.clone(), w.records_per_second);
        ctx.set_timer(self.node(), Timer::AppSend, interval(rate));
        self.send(ctx, topic, key, Some(value), None);
    }

    /// `flush()`: make every batch ready now.
    pub fn flush(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.flushing = true;
        self.run_sender(ctx);
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
                .flatten()
                .map(|(_, b)| b.record_count())
                .sum::<u32>();
        let fresh = Producer::new(self.id, self.config.clone(), self.metadata.brokers.clone());
        let (process, serial) = (self.process, self.next_serial);
        *self = Producer {
            process,
            next_serial: serial,
            ..fresh
        };
        ctx.cancel_all_timers(self.node());
        lost
    }

    pub fn has_in_flight_to(&self, broker: BrokerId) -> bool {
        self.net.has_in_flight_to(NodeId::Broker(broker))
    }
}

fn interval(records_per_second: u32) -> SimDuration {
    SimDuration::from_micros(1_000_000 / records_per_second.max(1) as u64)
}

/// Turn application text into bytes the way the configured serializer does.
fn serialize(serializer: Serializer, text: Option<&str>) -> Result<Option<Payload>, String> {
    let Some(text) = text else { return Ok(None) };
    match serializer {
        Serializer::String => Ok(Some(Payload::text(text))),
        Serializer::ByteArray => Ok(Some(Payload::Bytes(Rc::from(text.as_bytes())))),
        Serializer::Json => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| format!("SerializationException: value is not valid JSON ({e})"))?;
            Ok(Some(Payload::text(&value.to_string())))
        }
    }
}
