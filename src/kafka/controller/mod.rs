//! A KRaft controller (`process.roles=controller`). The controllers form a Raft quorum over the
//! `__cluster_metadata` log (`raft`); the elected leader is the active controller, the single
//! writer of cluster metadata: broker registrations, heartbeats and fencing (`cluster_control`),
//! partition leaders, ISRs and epochs (`replication_control`, using `partition_change`, a port of
//! Kafka's `PartitionChangeBuilder`). A change counts only once a majority of the quorum has it;
//! then it is pushed to the brokers.

mod add_partitions;
mod cluster_control;
mod config_control;
mod delete_topics;
mod elect_leaders;
pub mod partition_change;
pub mod raft;
mod replication_control;
pub use elect_leaders::ElectionOutcome;

use super::config::BrokerConfig;
use super::event::{CommittedRecord, Event};
use super::metadata::{MetadataImage, MetadataRecord};
use super::process::Process;
use super::protocol::Message;
use super::timer::Timer;
use super::types::{BrokerId, NodeId};
use super::Cluster;
use crate::sim::{Ctx, SimDuration};
use raft::{Raft, RaftRole};
use std::collections::BTreeMap;

/// What only the active controller keeps, in memory: lost when it crashes or loses leadership.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ActiveState {
    /// When each broker last heartbeated (`BrokerHeartbeatManager`).
    pub last_heartbeat_ms: BTreeMap<BrokerId, i64>,
    /// The highest metadata offset pushed to each broker.
    pub pushed_offset: BTreeMap<BrokerId, i64>,
    /// Responses to send once the log is committed through their offset.
    pub pending: Vec<(i64, NodeId, Message)>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Controller {
    pub id: u32,
    pub process: Process,
    pub config: BrokerConfig,
    pub raft: Raft,
    /// Metadata as of the end of the log (active controller) or the committed offset (others).
    pub image: MetadataImage,
    pub active: Option<ActiveState>,
}

impl Controller {
    pub fn new(id: u32, voters: Vec<u32>, config: BrokerConfig) -> Controller {
        Controller {
            id,
            process: Process::default(),
            config,
            raft: Raft::new(id, voters),
            image: MetadataImage::empty(),
            active: None,
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Controller(self.id)
    }

    pub fn is_active(&self) -> bool {
        self.active.is_some() && matches!(self.raft.role, RaftRole::Leader { .. })
    }

    /// Start from an already elected, already committed log (the warm boot).
    pub fn boot(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        log: Vec<(i32, MetadataRecord)>,
        leader: u32,
        epoch: i32,
    ) {
        self.raft.boot(log, epoch, leader);
        self.image = MetadataImage::empty();
        for (offset, entry) in self.raft.log.iter().enumerate() {
            self.image.apply(offset as i64, &entry.record);
        }
        if leader == self.id {
            let now = ctx.now.as_ms() as i64;
            let mut active = ActiveState::default();
            for b in self.image.brokers.keys() {
                active.last_heartbeat_ms.insert(*b, now);
                active.pushed_offset.insert(*b, self.raft.end_offset() - 1);
            }
            self.active = Some(active);
            self.arm_leader_timers(ctx);
        } else {
            self.arm_election_timer(ctx, self.fetch_timeout());
            self.send_quorum_fetch(ctx);
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Cluster>, from: NodeId, msg: Message) {
        match msg {
            Message::Vote {
                epoch,
                candidate,
                last_epoch,
                last_offset,
            } => self.handle_vote(ctx, from, epoch, candidate, last_epoch, last_offset),
            Message::VoteResponse { epoch, granted } => {
                self.handle_vote_response(ctx, from, epoch, granted)
            }
            Message::BeginQuorumEpoch { epoch, leader } => {
                self.handle_begin_quorum_epoch(ctx, epoch, leader)
            }
            Message::QuorumFetch {
                epoch,
                replica,
                fetch_offset,
                last_fetched_epoch,
            } => self.handle_quorum_fetch(ctx, epoch, replica, fetch_offset, last_fetched_epoch),
            Message::QuorumFetchResponse {
                epoch,
                leader,
                high_watermark,
                diverging,
                records,
            } => self.handle_quorum_fetch_response(
                ctx,
                epoch,
                leader,
                high_watermark,
                diverging,
                records,
            ),
            Message::BrokerRegistration {
                broker,
                incarnation,
                metadata_offset,
            } => self.handle_broker_registration(ctx, from, broker, incarnation, metadata_offset),
            Message::BrokerHeartbeat {
                broker,
                broker_epoch,
                metadata_offset,
                want_shutdown,
            } => self.handle_broker_heartbeat(
                ctx,
                from,
                broker,
                broker_epoch,
                metadata_offset,
                want_shutdown,
            ),
            Message::ConnectionReset => {
                // The leader's process is gone: the fetch out to it failed.
                if matches!(from, NodeId::Controller(_)) {
                    self.raft.fetch_in_flight = false;
                }
            }
            Message::AlterPartition {
                broker,
                broker_epoch,
                partition,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => self.handle_alter_partition(
                ctx,
                from,
                broker,
                broker_epoch,
                partition,
                leader_epoch,
                partition_epoch,
                new_isr,
            ),
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Cluster>, timer: Timer) {
        match timer {
            Timer::ElectionTimeout => self.start_election(ctx),
            Timer::QuorumFetch => {
                // No answer to the last fetch within twice the long-poll time: ask again.
                self.raft.fetch_in_flight = false;
                self.send_quorum_fetch(ctx);
            }
            Timer::QuorumFetchExpiry { replica } => self.expire_parked_fetch(ctx, replica),
            Timer::BrokerSessionCheck => self.check_broker_sessions(ctx),
            Timer::PreferredLeaderCheck => {
                self.elect_preferred_leaders(ctx);
                let interval = self.config.ms("leader.imbalance.check.interval.seconds") * 1000;
                ctx.set_timer(
                    self.node(),
                    Timer::PreferredLeaderCheck,
                    SimDuration::from_ms(interval),
                );
            }
            Timer::UncleanElectionCheck => {
                self.elect_unclean_leaders(ctx);
                let interval = self.config.ms("unclean.leader.election.interval.ms");
                ctx.set_timer(
                    self.node(),
                    Timer::UncleanElectionCheck,
                    SimDuration::from_ms(interval),
                );
            }
            _ => {}
        }
    }

    pub(crate) fn fetch_timeout(&self) -> SimDuration {
        SimDuration::from_ms(self.config.ms("controller.quorum.fetch.timeout.ms"))
    }

    fn arm_leader_timers(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        ctx.cancel_timer(self.node(), Timer::ElectionTimeout);
        ctx.set_timer(
            self.node(),
            Timer::BrokerSessionCheck,
            SimDuration::from_ms(1000),
        );
        if self.config.bool("auto.leader.rebalance.enable") {
            let interval = self.config.ms("leader.imbalance.check.interval.seconds") * 1000;
            ctx.set_timer(
                self.node(),
                Timer::PreferredLeaderCheck,
                SimDuration::from_ms(interval),
            );
        }
        let unclean = self.config.ms("unclean.leader.election.interval.ms");
        ctx.set_timer(
            self.node(),
            Timer::UncleanElectionCheck,
            SimDuration::from_ms(unclean),
        );
    }

    /// Append records as the active controller. They apply to the image at once; responses that
    /// depend on them wait for the commit. Returns the offset of the last record.
    pub(crate) fn append(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        records: Vec<MetadataRecord>,
    ) -> i64 {
        let epoch = self.raft.epoch;
        for record in records {
            let offset = self.raft.end_offset();
            self.image.apply(offset, &record);
            self.raft.log.push(raft::LogEntry { epoch, record });
        }
        let last = self.raft.end_offset() - 1;
        self.answer_parked_fetches(ctx);
        self.maybe_advance_high_watermark(ctx);
        last
    }

    /// Send `msg` to `to` once the log is committed through `offset` (at once if it already is).
    pub(crate) fn respond_after(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        offset: i64,
        to: NodeId,
        msg: Message,
    ) {
        if offset < self.raft.high_watermark {
            ctx.send(self.node(), to, msg);
        } else if let Some(active) = &mut self.active {
            active.pending.push((offset, to, msg));
        }
    }

    /// The log is committed through `high_watermark - 1`: release responses and push the new
    /// records to every registered broker.
    pub(crate) fn on_commit(&mut self, ctx: &mut Ctx<'_, Cluster>, from: i64, to: i64) {
        if to <= from {
            return;
        }
        let records: Vec<CommittedRecord> = (from..to)
            .map(|o| summarize(&self.raft.log[o as usize].record))
            .collect();
        if !records.is_empty() {
            ctx.emit(Event::MetadataCommitted {
                controller: self.id,
                offset: to - 1,
                records,
            });
        }
        let Some(active) = &mut self.active else {
            return;
        };
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut active.pending)
            .into_iter()
            .partition(|(o, _, _)| *o < to);
        active.pending = waiting;
        for (_, node, msg) in ready {
            ctx.send(NodeId::Controller(self.id), node, msg);
        }
        self.push_metadata(ctx);
    }

    /// Send every registered broker the committed records it has not been sent yet.
    pub(crate) fn push_metadata(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let committed_end = self.raft.high_watermark;
        let brokers: Vec<BrokerId> = self.image.brokers.keys().copied().collect();
        let me = self.node();
        let id = self.id;
        let Some(active) = &mut self.active else {
            return;
        };
        for broker in brokers {
            let pushed = *active.pushed_offset.get(&broker).unwrap_or(&-1);
            if pushed + 1 >= committed_end {
                continue;
            }
            let records: Vec<(i64, MetadataRecord)> = ((pushed + 1)..committed_end)
                .map(|o| (o, self.raft.log[o as usize].record.clone()))
                .collect();
            active.pushed_offset.insert(broker, committed_end - 1);
            ctx.send(
                me,
                NodeId::Broker(broker),
                Message::MetadataDelta {
                    leader: id,
                    records,
                },
            );
        }
    }

    /// The process died: what it kept in memory is gone; the Raft log and vote are on disk.
    pub fn stop(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.active = None;
        self.raft.forget_volatile();
        ctx.cancel_all_timers(self.node());
    }

    /// Start again as a follower that knows no leader yet, and rebuild the committed image.
    pub fn restart(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.image = MetadataImage::empty();
        for offset in 0..self.raft.high_watermark {
            self.image
                .apply(offset, &self.raft.log[offset as usize].record.clone());
        }
        self.arm_election_timer(ctx, self.fetch_timeout());
    }
}

/// Short text for the records a teacher cares about (commits of heartbeats-only changes are quiet).
/// What a committed metadata record says, for the narration.
fn summarize(record: &MetadataRecord) -> CommittedRecord {
    match record {
        MetadataRecord::RegisterBroker { broker, epoch } => CommittedRecord::BrokerRegistered {
            broker: *broker,
            epoch: *epoch,
        },
        MetadataRecord::FenceBroker { broker, .. } => CommittedRecord::BrokerFenced(*broker),
        MetadataRecord::UnfenceBroker { broker, .. } => CommittedRecord::BrokerUnfenced(*broker),
        MetadataRecord::BrokerControlledShutdown { broker, .. } => {
            CommittedRecord::BrokerShuttingDown(*broker)
        }
        MetadataRecord::Topic {
            name, partitions, ..
        } => CommittedRecord::TopicCreated {
            topic: name.clone(),
            partitions: partitions.len() as u32,
        },
        MetadataRecord::NewPartitions { topic, partitions } => CommittedRecord::PartitionsAdded {
            topic: topic.clone(),
            added: partitions.len() as u32,
        },
        MetadataRecord::PartitionChange {
            partition,
            registration,
        } => CommittedRecord::PartitionChanged {
            partition: *partition,
            leader: registration.leader,
            leader_epoch: registration.leader_epoch,
            isr: registration.isr.clone(),
        },
        MetadataRecord::LeaderChange { controller, epoch } => CommittedRecord::QuorumLeader {
            controller: *controller,
            epoch: *epoch,
        },
        MetadataRecord::Config {
            resource,
            name,
            value,
        } => CommittedRecord::ConfigChanged {
            resource: resource.clone(),
            name: name.clone(),
            value: value.clone(),
        },
        MetadataRecord::RemoveTopic { name } => CommittedRecord::TopicDeleted {
            topic: name.clone(),
        },
    }
}
