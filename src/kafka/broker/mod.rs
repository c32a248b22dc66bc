//! A Kafka broker: the partition replicas it hosts, the metadata it has learned from the
//! controller, and its request handlers (Produce, Fetch, Metadata, ListOffsets, ...). Requests
//! that must wait (acks=all produces, long-polling fetches) are parked and completed when the
//! high watermark or the log end offset moves.

mod controller_link;
mod coordinator;
mod coordinator_writes;
mod fetch;
mod fetcher;
mod group_admin;
mod isr;
mod lifecycle;
mod produce;
pub mod producer_state;
pub mod replica;
mod replication;
mod retention;
mod txn_channel;
mod txn_coordinator;
mod txn_expiration;
mod txn_markers;
mod txn_requests;

use super::client::NetworkClient;
use super::config::BrokerConfig;
use super::errors::ErrorCode;
use super::event::Event;
use super::log::PartitionLog;
use super::metadata::{MetadataImage, MetadataRecord};
use super::process::Process;
use super::protocol::{Message, OffsetSpec, PartitionMetadata, TopicMetadata};
use super::types::{BrokerId, NodeId, TopicPartition};
use super::Cluster;
use crate::sim::Ctx;
pub use fetch::DelayedFetch;
pub use produce::DelayedProduce;
use replica::{FollowerState, LeaderState, Replica, Role};
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Broker {
    pub id: BrokerId,
    pub process: Process,
    pub config: BrokerConfig,
    /// Assigned by the controller at registration; -1 while unregistered.
    pub broker_epoch: i64,
    pub metadata: MetadataImage,
    pub replicas: BTreeMap<TopicPartition, Replica>,
    pub delayed_produces: Vec<DelayedProduce>,
    pub delayed_fetches: Vec<DelayedFetch>,
    /// Requests this broker sends (replica fetches, heartbeats, AlterPartition).
    pub net: NetworkClient,
    /// The controller this broker believes is active.
    pub controller: u32,
    pub controller_voters: u32,
    /// The outstanding heartbeat or registration, if any.
    pub controller_request: Option<i64>,
    /// Replica fetches in flight, by leader.
    pub fetches_in_flight: BTreeMap<BrokerId, u32>,
    /// Set by a controlled shutdown until the controller lets the broker stop.
    pub shutting_down: bool,
    /// After a restart, replicas wait until the metadata has caught up with the controller.
    pub awaiting_metadata: bool,
    pub costs: crate::kafka::cost::CostModel,
    /// Requests of one connection are handled one at a time: when each connection is free.
    pub connection_busy_until: BTreeMap<NodeId, crate::sim::SimTime>,
    /// Producer ids handed out by `InitProducerId` since this process started.
    pub producer_ids_issued: i64,
    /// Records of retried batches recognised as duplicates and not appended again, by producer
    /// id (what idempotence saved; the producer itself cannot tell, the response is the same).
    pub duplicates_ignored: BTreeMap<i64, u64>,
    /// The groups this broker coordinates (those whose offsets partition it leads).
    pub coordinator: crate::kafka::group::GroupCoordinator,
    /// The transactional ids this broker coordinates (those whose `__transaction_state`
    /// partition it leads).
    pub txn_state: crate::kafka::txn::state_manager::TransactionStateManager,
}

impl Broker {
    pub fn new(id: BrokerId, config: BrokerConfig) -> Broker {
        Broker {
            id,
            process: Process::default(),
            config,
            broker_epoch: -1,
            metadata: MetadataImage::empty(),
            replicas: BTreeMap::new(),
            delayed_produces: Vec::new(),
            delayed_fetches: Vec::new(),
            net: NetworkClient::default(),
            controller: 1,
            controller_voters: 1,
            controller_request: None,
            fetches_in_flight: BTreeMap::new(),
            shutting_down: false,
            awaiting_metadata: false,
            costs: crate::kafka::cost::CostModel::default(),
            connection_busy_until: BTreeMap::new(),
            producer_ids_issued: 0,
            duplicates_ignored: BTreeMap::new(),
            coordinator: Default::default(),
            txn_state: Default::default(),
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Broker(self.id)
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        match msg {
            Message::Metadata {
                correlation_id,
                topics,
            } => {
                let response = self.metadata_response(correlation_id, &topics);
                ctx.send(self.node(), from, response);
            }
            Message::Produce(request) => self.handle_produce(ctx, from, request),
            Message::Fetch(request) => self.handle_fetch(ctx, from, request),
            Message::ListOffsets {
                correlation_id,
                partition,
                spec,
            } => {
                let response = self.list_offsets(correlation_id, partition, spec);
                ctx.send(self.node(), from, response);
            }
            Message::OffsetForLeaderEpoch {
                correlation_id,
                partition,
                current_leader_epoch,
                leader_epoch,
            } => {
                let response = self.offset_for_leader_epoch(
                    correlation_id,
                    partition,
                    current_leader_epoch,
                    leader_epoch,
                );
                ctx.send(self.node(), from, response);
            }
            Message::FetchResponse(response) => {
                self.handle_replica_fetch_response(ctx, from, response)
            }
            Message::InitProducerId { correlation_id } => {
                let producer_id = self.next_producer_id();
                let response = Message::InitProducerIdResponse {
                    correlation_id,
                    error: ErrorCode::NONE,
                    producer_id,
                    producer_epoch: 0,
                };
                ctx.send(self.node(), from, response);
            }
            Message::MetadataDelta { leader, records } => {
                self.handle_metadata_delta(ctx, leader, records)
            }
            Message::BrokerRegistrationResponse {
                error,
                broker_epoch,
            } => self.handle_registration_response(ctx, error, broker_epoch),
            Message::BrokerHeartbeatResponse {
                error,
                is_fenced,
                should_shutdown,
                leader_hint,
            } => {
                self.handle_heartbeat_response(ctx, error, is_fenced, should_shutdown, leader_hint)
            }
            Message::AlterPartitionResponse {
                partition,
                error,
                registration,
            } => self.handle_alter_partition_response(ctx, partition, error, registration),
            Message::ConnectionReset => self.handle_connection_reset(ctx, from),
            Message::FindCoordinator {
                correlation_id,
                group_id,
            } => self.handle_find_coordinator(ctx, from, correlation_id, &group_id),
            msg @ Message::JoinGroup { .. } => self.handle_join_group(ctx, from, msg),
            msg @ Message::SyncGroup { .. } => self.handle_sync_group(ctx, from, msg),
            Message::Heartbeat {
                correlation_id,
                group_id,
                member_id,
                group_instance_id,
                generation,
            } => self.handle_heartbeat(
                ctx,
                from,
                correlation_id,
                &group_id,
                &member_id,
                group_instance_id.as_deref(),
                generation,
            ),
            Message::LeaveGroup {
                correlation_id,
                group_id,
                member_id,
            } => self.handle_leave_group(ctx, from, correlation_id, &group_id, &member_id),
            msg @ Message::OffsetCommit { .. } => self.handle_offset_commit(ctx, from, msg),
            Message::OffsetFetch {
                correlation_id,
                group_id,
                partitions,
            } => self.handle_offset_fetch(ctx, from, correlation_id, &group_id, partitions),
            Message::WriteTxnMarkers {
                correlation_id,
                markers,
            } => self.handle_write_txn_markers(ctx, from, correlation_id, markers),
            msg => {
                let _ = self.on_txn_message(ctx, from, msg);
            }
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Cluster>, timer: super::timer::Timer) {
        use super::timer::Timer;
        match timer {
            Timer::FetchExpiry {
                from,
                correlation_id,
            } => self.expire_fetch(ctx, from, correlation_id),
            Timer::ProduceExpiry {
                from,
                correlation_id,
            } => self.expire_produce(ctx, from, correlation_id),
            Timer::ReplicaFetch { leader } => self.send_replica_fetch(ctx, leader),
            Timer::IsrCheck => self.isr_check(ctx),
            Timer::BrokerHeartbeat => self.heartbeat(ctx),
            Timer::OsFlush => self.os_flush(ctx),
            Timer::HighWatermarkCheckpoint => self.checkpoint_high_watermarks(ctx),
            Timer::RetentionCheck => self.retention_check(ctx),
            Timer::CleanerCheck => self.cleaner_check(ctx),
            Timer::TxnAbortTimedOutCheck => self.abort_timed_out_transactions(ctx),
            Timer::TxnMarkerRetry { transactional_id } => {
                self.retry_txn_markers(ctx, &transactional_id)
            }
            Timer::RequestTimeout { correlation_id } => {
                self.handle_request_timeout(ctx, correlation_id)
            }
            timer @ (Timer::JoinPhaseDeadline { .. }
            | Timer::SyncPhaseDeadline { .. }
            | Timer::MemberSession { .. }
            | Timer::CoordinatorWriteExpiry { .. }) => self.on_group_timer(ctx, timer),
            _ => {}
        }
    }

    /// Apply committed metadata records and make the hosted replicas match them.
    pub fn apply_metadata(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        records: &[(i64, MetadataRecord)],
    ) {
        let mut touched = Vec::new();
        let mut configs_changed = false;
        for (offset, record) in records {
            if *offset <= self.metadata.offset {
                continue;
            }
            if let MetadataRecord::RemoveTopic { name } = record {
                // Before the record applies: unloading groups needs the partition count.
                self.delete_topic_replicas(ctx, name);
            }
            self.metadata.apply(*offset, record);
            match record {
                MetadataRecord::Topic {
                    name, partitions, ..
                } => touched.extend(
                    (0..partitions.len() as i32).map(|p| TopicPartition::new(name.clone(), p)),
                ),
                MetadataRecord::NewPartitions { topic, .. } => {
                    let count = self.metadata.partition_count(topic).unwrap_or(0);
                    touched.extend((0..count).map(|p| TopicPartition::new(topic.clone(), p)))
                }
                MetadataRecord::PartitionChange { partition, .. } => touched.push(*partition),
                MetadataRecord::Config { .. } => configs_changed = true,
                MetadataRecord::RemoveTopic { name } => touched.retain(|tp| tp.topic != *name),
                _ => {}
            }
        }
        for tp in touched {
            self.reconcile_replica(ctx, &tp);
        }
        if configs_changed {
            self.refresh_log_configs();
        }
    }

    /// A topic was deleted: its replicas and their logs go (Kafka: `ReplicaManager.applyDelta`
    /// stops the partitions with `deleteLocalLog`). Requests that still name them get
    /// `UNKNOWN_TOPIC_OR_PARTITION`.
    fn delete_topic_replicas(&mut self, ctx: &mut Ctx<'_, Cluster>, topic: &str) {
        let gone: Vec<TopicPartition> = self
            .replicas
            .keys()
            .filter(|tp| tp.topic == topic)
            .cloned()
            .collect();
        for tp in gone {
            self.replicas.remove(&tp);
            if tp.topic == crate::kafka::group::OFFSETS_TOPIC {
                self.unload_groups(ctx, &tp);
            }
            if tp.topic == crate::kafka::txn::TRANSACTION_STATE_TOPIC {
                self.unload_transactions(ctx, &tp);
            }
        }
    }

    /// A dynamic config changed: every hosted log takes its topic's new effective settings
    /// (Kafka: `DynamicLogConfig.reconfigure` and `TopicConfigHandler.processConfigChanges`).
    fn refresh_log_configs(&mut self) {
        for (tp, replica) in self.replicas.iter_mut() {
            if let Some(config) = self
                .metadata
                .log_config(&tp.topic, &self.config, Some(self.id))
            {
                replica.log.set_config(config);
            }
        }
    }

    /// Make this broker's replica of `tp` match its registration: create it, become leader or
    /// follower (with a new leader epoch), take a committed ISR change, or stop it.
    pub(crate) fn reconcile_replica(&mut self, ctx: &mut Ctx<'_, Cluster>, tp: &TopicPartition) {
        let Some(registration) = self.metadata.partition(tp).cloned() else {
            return;
        };
        let now_ms = ctx.now.as_ms() as i64;
        if !registration.replicas.contains(&self.id) {
            if let Some(replica) = self.replicas.get_mut(tp) {
                replica.role = Role::Stopped;
            }
            if tp.topic == crate::kafka::group::OFFSETS_TOPIC {
                self.unload_groups(ctx, tp);
            }
            if tp.topic == crate::kafka::txn::TRANSACTION_STATE_TOPIC {
                self.unload_transactions(ctx, tp);
            }
            return;
        }
        let Some(log_config) = self
            .metadata
            .log_config(&tp.topic, &self.config, Some(self.id))
        else {
            return;
        };
        let replica = self
            .replicas
            .entry(*tp)
            .or_insert_with(|| Replica::new(tp, PartitionLog::new(log_config, now_ms)));
        if self.awaiting_metadata {
            return;
        }
        let epoch_changed = registration.leader_epoch != replica.leader_epoch;
        replica.partition_epoch = registration.partition_epoch;
        if registration.leader == Some(self.id) {
            if epoch_changed || !replica.is_leader() {
                replica.leader_epoch = registration.leader_epoch;
                replica.log.start_leader_epoch(registration.leader_epoch);
                let log_end_offset = replica.log_end_offset();
                // Followers get a fresh fetch state: their log end is unknown until they fetch;
                // ISR members count as caught up as of now, the others as never
                // (`Partition.makeLeader`, `Replica.resetReplicaState`).
                let followers = registration
                    .replicas
                    .iter()
                    .filter(|b| **b != self.id)
                    .map(|b| {
                        let in_isr = registration.isr.contains(b);
                        (*b, FollowerState::at_election(now_ms, in_isr))
                    })
                    .collect();
                replica.role = Role::Leader(LeaderState {
                    epoch_start_offset: log_end_offset,
                    isr: registration.isr.clone(),
                    pending_isr: None,
                    pending_isr_sent_ms: 0,
                    followers,
                });
                ctx.emit(Event::BecameLeader {
                    broker: self.id,
                    partition: *tp,
                    leader_epoch: registration.leader_epoch,
                    log_end_offset,
                });
                self.after_isr_change(ctx, tp);
                if tp.topic == crate::kafka::group::OFFSETS_TOPIC {
                    self.unload_groups(ctx, tp);
                    self.load_groups(ctx, tp);
                    self.load_pending_txn_offsets(tp);
                }
                if tp.topic == crate::kafka::txn::TRANSACTION_STATE_TOPIC {
                    self.unload_transactions(ctx, tp);
                    self.load_transactions(ctx, tp);
                }
            } else if let Some(state) = replica.leader_state_mut() {
                if state.isr != registration.isr {
                    state.isr = registration.isr.clone();
                    state.pending_isr = None;
                    self.after_isr_change(ctx, tp);
                }
            }
        } else if epoch_changed
            || !matches!(replica.role, Role::Follower { leader } if leader == registration.leader)
        {
            let was_leader = replica.is_leader();
            replica.leader_epoch = registration.leader_epoch;
            replica.role = Role::Follower {
                leader: registration.leader,
            };
            ctx.emit(Event::BecameFollower {
                broker: self.id,
                partition: *tp,
                leader: registration.leader,
                leader_epoch: registration.leader_epoch,
            });
            if was_leader {
                // Parked requests for a partition we no longer lead fail now.
                self.try_complete_delayed_produces(ctx);
                self.try_complete_delayed_fetches(ctx);
            }
            if tp.topic == crate::kafka::group::OFFSETS_TOPIC {
                self.unload_groups(ctx, tp);
            }
            if tp.topic == crate::kafka::txn::TRANSACTION_STATE_TOPIC {
                self.unload_transactions(ctx, tp);
            }
        }
    }

    fn metadata_response(&self, correlation_id: u32, requested: &[String]) -> Message {
        let names: Vec<String> = if requested.is_empty() {
            self.metadata
                .topics
                .keys()
                .filter(|t| !t.starts_with("__"))
                .cloned()
                .collect()
        } else {
            requested.to_vec()
        };
        let topics = names
            .into_iter()
            .map(|name| match self.metadata.topics.get(&name) {
                None => TopicMetadata {
                    name,
                    error: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    partitions: vec![],
                },
                Some(topic) => TopicMetadata {
                    error: ErrorCode::NONE,
                    partitions: topic
                        .partitions
                        .iter()
                        .enumerate()
                        .map(|(i, p)| PartitionMetadata {
                            partition: i as i32,
                            error: if p.leader.is_some() {
                                ErrorCode::NONE
                            } else {
                                ErrorCode::LEADER_NOT_AVAILABLE
                            },
                            leader: p.leader,
                            leader_epoch: p.leader_epoch,
                            replicas: p.replicas.clone(),
                            isr: p.isr.clone(),
                            offline_replicas: p
                                .replicas
                                .iter()
                                .copied()
                                .filter(|b| !self.metadata.is_usable(*b))
                                .collect(),
                        })
                        .collect(),
                    name,
                },
            })
            .collect();
        let brokers = self
            .metadata
            .brokers
            .values()
            .filter(|b| !b.fenced)
            .map(|b| b.id)
            .collect();
        Message::MetadataResponse {
            correlation_id,
            brokers,
            topics,
        }
    }

    fn list_offsets(
        &self,
        correlation_id: u32,
        partition: TopicPartition,
        spec: OffsetSpec,
    ) -> Message {
        let (error, offset, leader_epoch) = match self.replicas.get(&partition) {
            Some(replica) if replica.is_leader() => {
                let offset = match spec {
                    OffsetSpec::Earliest => replica.log.log_start_offset(),
                    // A consumer's "latest" is the high watermark: it never sees uncommitted records.
                    OffsetSpec::Latest => replica.high_watermark,
                    // `UnifiedLog.fetchOffsetByTimestamp` with `READ_COMMITTED`: the LSO.
                    OffsetSpec::LatestCommitted => replica.last_stable_offset(),
                };
                (ErrorCode::NONE, offset, replica.leader_epoch)
            }
            Some(_) => (ErrorCode::NOT_LEADER_OR_FOLLOWER, -1, -1),
            None => (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, -1, -1),
        };
        Message::ListOffsetsResponse {
            correlation_id,
            partition,
            error,
            offset,
            leader_epoch,
        }
    }

    /// Effective `min.insync.replicas` of a partition: never more than its replication factor.
    pub fn min_insync_replicas(&self, tp: &TopicPartition) -> usize {
        let configured = self
            .replicas
            .get(tp)
            .map_or(1, |r| r.log.config().min_insync_replicas as usize);
        let replication_factor = self.metadata.partition(tp).map_or(1, |p| p.replicas.len());
        configured.min(replication_factor).max(1)
    }
}
