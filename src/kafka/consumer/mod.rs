//! The consumer client (`KafkaConsumer`): in assign mode it owns a fixed list of partitions; it
//! looks up where to start (`auto.offset.reset` through ListOffsets), fetches from each
//! partition's leader with long polling, and hands records to the application, whose position
//! advances past them.

pub mod fetcher;

use super::client::{ClientMetadata, NetworkClient};
use super::config::ConsumerConfig;
use super::event::Event;
use super::process::Process;
use super::protocol::Message;
use super::timer::Timer;
use super::types::{BrokerId, NodeId, TopicPartition};
use super::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeMap;

/// Where the consumer is in one partition.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct PartitionPosition {
    /// The next offset to return to the application; `None` until reset or fetched from a commit.
    pub position: Option<i64>,
    /// Leader epoch of the last consumed record (KIP-320 truncation detection).
    pub position_epoch: Option<i32>,
    pub committed: Option<i64>,
    /// The partition's high watermark as of the last fetch (for lag).
    pub high_watermark: Option<i64>,
    pub log_start_offset: Option<i64>,
    /// A ListOffsets request is out for this partition.
    pub resetting: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Subscription {
    None,
    /// `consumer.assign(partitions)`: no group, no rebalances.
    Assign(Vec<TopicPartition>),
}

/// A record the application received, as the consumer panel lists it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConsumedRecord {
    pub partition: TopicPartition,
    pub offset: i64,
    pub key: String,
    pub value: String,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ConsumerStats {
    pub records_consumed: u64,
    pub fetches: u64,
    /// The last few records returned by poll(), newest last.
    pub recent: std::collections::VecDeque<ConsumedRecord>,
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
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Consumer {
    pub id: u32,
    pub process: Process,
    pub config: ConsumerConfig,
    pub metadata: ClientMetadata,
    pub net: NetworkClient,
    pub subscription: Subscription,
    pub positions: BTreeMap<TopicPartition, PartitionPosition>,
    /// Fetch requests in flight, by correlation id, with the partitions they cover.
    pub fetches_in_flight: BTreeMap<u32, Vec<TopicPartition>>,
    pub stats: ConsumerStats,
}

impl Consumer {
    pub fn new(
        id: u32,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
        subscription: Subscription,
    ) -> Consumer {
        let mut metadata = ClientMetadata::new(bootstrap);
        if let Subscription::Assign(partitions) = &subscription {
            for tp in partitions {
                metadata.want(&tp.topic);
            }
        }
        Consumer {
            id,
            process: Process::default(),
            config,
            metadata,
            net: NetworkClient::default(),
            subscription,
            positions: BTreeMap::new(),
            fetches_in_flight: BTreeMap::new(),
            stats: ConsumerStats::default(),
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Consumer(self.id)
    }

    pub fn start(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if let Subscription::Assign(partitions) = &self.subscription {
            for tp in partitions {
                self.positions.entry(tp.clone()).or_default();
            }
        }
        self.request_metadata(ctx);
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
                ctx.set_timer(
                    self.node(),
                    Timer::MetadataRefresh,
                    SimDuration::from_ms(self.config.metadata_max_age_ms),
                );
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
            Message::FetchResponse(response) => self.handle_fetch_response(ctx, response),
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
            Timer::MetadataRefresh => self.request_metadata(ctx),
            Timer::RequestTimeout { correlation_id } => {
                self.handle_request_timeout(ctx, correlation_id)
            }
            Timer::FetchWakeup => self.run_fetcher(ctx),
            _ => {}
        }
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

    /// The process died: positions not committed are forgotten.
    pub fn crash(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let fresh = Consumer::new(
            self.id,
            self.config.clone(),
            self.metadata.brokers.clone(),
            self.subscription.clone(),
        );
        let process = self.process;
        *self = Consumer { process, ..fresh };
        ctx.cancel_all_timers(self.node());
    }

    pub fn has_in_flight_to(&self, broker: BrokerId) -> bool {
        self.net.has_in_flight_to(NodeId::Broker(broker))
    }
}
