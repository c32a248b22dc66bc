//! The consumer as a group member (Kafka's `AbstractCoordinator` and `ConsumerCoordinator`,
//! classic protocol): find the coordinator, join (answering `MEMBER_ID_REQUIRED`), run the
//! assignor when elected leader, sync, heartbeat from the background thread, leave when
//! `poll()` is not called within `max.poll.interval.ms`, and commit offsets.
//!
//! Eager rebalancing (range, roundrobin, sticky): before rejoining, the member commits (with
//! auto-commit on) and revokes everything, so the whole group stops consuming until the new
//! assignment arrives. Cooperative rebalancing (cooperative-sticky alone): members keep their
//! partitions while rejoining, revoke only those the new assignment takes away, and rejoin at
//! once so a follow-up rebalance can hand those to their new owners (KIP-429).

use super::offsets::{CommitInFlight, CommitPurpose};
use super::{Consumer, FetchState, PartitionState, Subscription};
use crate::kafka::assignor::{
    self as assignors, AssignorName, MemberSubscription, RebalanceProtocol,
};
use crate::kafka::config::ConsumerConfig;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{ConsumerError, Event, JoinReason, LeaveReason};
use crate::kafka::protocol::{JoinGroupMember, Message};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration, SimTime};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// Where the member is in the join protocol (`MemberState`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MemberState {
    /// Not in the group (never joined, left, or lost its membership).
    Unjoined,
    /// Committing before an eager rebalance (`onJoinPrepare`), then JoinGroup.
    PreparingRebalance,
    /// JoinGroup sent, waiting for the join phase to complete.
    Joining,
    /// SyncGroup sent (the state Kafka calls COMPLETING_REBALANCE).
    Syncing,
    Stable,
    /// A fatal group error (e.g. FENCED_INSTANCE_ID): the consumer stops.
    Failed,
}

impl MemberState {
    pub fn name(self) -> &'static str {
        match self {
            MemberState::Unjoined => "unjoined",
            MemberState::PreparingRebalance => "preparing rebalance",
            MemberState::Joining => "joining",
            MemberState::Syncing => "syncing",
            MemberState::Stable => "stable",
            MemberState::Failed => "failed",
        }
    }
}

/// One rebalance as this member lived it, for the timeline.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct RebalancePhase {
    pub started_at: SimTime,
    /// When the member could consume again (SyncGroup answered).
    pub assigned_at: Option<SimTime>,
    pub generation: i32,
    pub revoked: Vec<TopicPartition>,
    pub assigned: Vec<TopicPartition>,
    pub reason: JoinReason,
    /// How many partitions the member kept consuming during the rebalance (cooperative).
    pub kept: u32,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct GroupMember {
    pub group_id: String,
    pub client_id: String,
    pub instance_id: Option<String>,
    pub coordinator: Option<BrokerId>,
    pub find_in_flight: Option<u32>,
    pub member_id: String,
    pub generation: i32,
    pub state: MemberState,
    pub assignors: Vec<AssignorName>,
    pub protocol: RebalanceProtocol,
    pub rejoin_needed: bool,
    pub rejoin_reason: JoinReason,
    pub join_in_flight: Option<u32>,
    pub sync_in_flight: Option<u32>,
    pub heartbeat_in_flight: Option<u32>,
    pub offset_fetch_in_flight: Option<u32>,
    pub commits_in_flight: BTreeMap<u32, CommitInFlight>,
    /// A sync commit that must be sent once the coordinator is known again.
    pub retry_commit: Option<CommitInFlight>,
    /// When the next auto-commit is due (Kafka's `nextAutoCommitTimer`).
    pub next_auto_commit: SimTime,
    /// The elected leader's view of the subscribed topics' partition counts.
    pub leader_partition_counts: Option<BTreeMap<String, i32>>,
    /// The leader (this member, if it is) and the protocol of the current generation.
    pub leader_id: String,
    pub protocol_name: Option<String>,
    /// Recent rebalances, newest last.
    pub history: VecDeque<RebalancePhase>,
}

/// Rebalances kept for the timeline.
const HISTORY: usize = 8;

impl GroupMember {
    pub fn new(group_id: &str, consumer: u32, config: &ConsumerConfig) -> GroupMember {
        let assignors: Vec<AssignorName> = config
            .partition_assignment_strategy
            .iter()
            .filter_map(|n| AssignorName::parse(n).ok())
            .collect();
        let protocol = rebalance_protocol(&assignors);
        let client_id = if config.client_id.is_empty() {
            format!("consumer-{group_id}-{consumer}")
        } else {
            config.client_id.clone()
        };
        GroupMember {
            group_id: group_id.to_string(),
            client_id,
            instance_id: config.group_instance_id.clone(),
            coordinator: None,
            find_in_flight: None,
            member_id: String::new(),
            generation: -1,
            state: MemberState::Unjoined,
            assignors,
            protocol,
            rejoin_needed: true,
            rejoin_reason: JoinReason::Started,
            join_in_flight: None,
            sync_in_flight: None,
            heartbeat_in_flight: None,
            offset_fetch_in_flight: None,
            commits_in_flight: BTreeMap::new(),
            retry_commit: None,
            next_auto_commit: SimTime::from_ms(config.auto_commit_interval_ms),
            leader_partition_counts: None,
            leader_id: String::new(),
            protocol_name: None,
            history: VecDeque::new(),
        }
    }

    pub fn is_leader(&self) -> bool {
        !self.member_id.is_empty() && self.member_id == self.leader_id
    }

    fn current_phase(&mut self) -> Option<&mut RebalancePhase> {
        self.history.back_mut().filter(|p| p.assigned_at.is_none())
    }
}

/// The highest protocol every assignor in the list supports (`ConsumerCoordinator`): only a
/// list of cooperative assignors gives cooperative rebalancing.
fn rebalance_protocol(assignors: &[AssignorName]) -> RebalanceProtocol {
    if !assignors.is_empty()
        && assignors.iter().all(|a| {
            a.supported_protocols()
                .contains(&RebalanceProtocol::Cooperative)
        })
    {
        RebalanceProtocol::Cooperative
    } else {
        RebalanceProtocol::Eager
    }
}

impl Consumer {
    pub(super) fn group_node(&self) -> Option<NodeId> {
        self.group
            .as_ref()
            .and_then(|g| g.coordinator)
            .map(NodeId::Broker)
    }

    /// Drive the membership forward: find the coordinator, (re)join, fetch committed offsets.
    /// Called from `poll()` and whenever a group response arrives.
    pub(crate) fn ensure_group(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.closed || !self.process.is_running() {
            return;
        }
        let Some(group) = &self.group else {
            return;
        };
        if group.state == MemberState::Failed {
            return;
        }
        if group.coordinator.is_none() {
            return self.find_coordinator(ctx);
        }
        if let Some(commit) = self.group.as_mut().and_then(|g| g.retry_commit.take()) {
            self.send_commit(ctx, commit.offsets, commit.purpose, commit.deadline);
        }
        let subscribed = self.is_subscribed();
        let group = self.group.as_ref().expect("checked");
        let busy = group.join_in_flight.is_some()
            || group.sync_in_flight.is_some()
            || group.state == MemberState::PreparingRebalance;
        if subscribed && group.rejoin_needed && !busy {
            self.start_rejoin(ctx);
        }
        self.fetch_committed(ctx);
    }

    pub(super) fn find_coordinator(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let group = self.group.as_ref().expect("a group member");
        if group.find_in_flight.is_some() {
            return;
        }
        let Some(node) = self.metadata.next_metadata_node() else {
            return;
        };
        let group_id: Rc<str> = Rc::from(group.group_id.as_str());
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            NodeId::Broker(node),
            Some(self.config.request_timeout_ms),
            |correlation_id| Message::FindCoordinator {
                correlation_id,
                group_id,
            },
        );
        self.group.as_mut().expect("checked").find_in_flight = Some(correlation_id);
    }

    /// The coordinator is gone or wrong: look it up again after `retry.backoff.ms`.
    pub(super) fn coordinator_lost(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if let Some(g) = &mut self.group {
            g.coordinator = None;
        }
        ctx.set_timer(
            self.node(),
            Timer::CoordinatorRetry,
            SimDuration::from_ms(self.config.retry_backoff_ms),
        );
    }

    /// `onJoinPrepare`: commit if auto-commit is on, revoke (eager: everything), then join.
    fn start_rejoin(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let now = ctx.now;
        let group = self.group.as_mut().expect("a group member");
        let reason = group.rejoin_reason;
        let eager = group.protocol == RebalanceProtocol::Eager;
        let was_member = group.generation >= 0;
        group.rejoin_needed = false;
        group.state = MemberState::PreparingRebalance;
        if !was_member && !self.positions.is_empty() {
            // The membership was lost (poll timeout, fenced): so are the partitions.
            let lost = self.assigned();
            ctx.emit(Event::PartitionsRevoked {
                consumer: self.id,
                group: self.group_id().unwrap_or_default().to_string(),
                partitions: lost.clone(),
            });
            self.drop_partitions(&lost);
        }
        let owned: Vec<TopicPartition> = self.positions.keys().cloned().collect();
        let kept = if eager { 0 } else { owned.len() as u32 };
        let group = self.group.as_mut().expect("a group member");
        group.history.push_back(RebalancePhase {
            started_at: now,
            assigned_at: None,
            generation: -1,
            revoked: if eager { owned.clone() } else { Vec::new() },
            assigned: Vec::new(),
            reason,
            kept,
        });
        while group.history.len() > HISTORY {
            group.history.pop_front();
        }
        ctx.emit(Event::JoiningGroup {
            consumer: self.id,
            group: group.group_id.clone(),
            reason,
        });
        self.stats.rebalances += 1;
        let listener_commits = eager && self.app.spec.commit_on_revoke;
        if (self.config.enable_auto_commit || listener_commits) && was_member && !owned.is_empty() {
            let offsets = self.positions_to_commit();
            if !offsets.is_empty() {
                let deadline = now.plus(SimDuration::from_ms(self.config.rebalance_timeout()));
                self.send_commit(ctx, offsets, CommitPurpose::JoinPrepare, deadline);
                return;
            }
        }
        self.finish_join_prepare(ctx);
    }

    /// After the pre-rebalance commit: revoke and send JoinGroup.
    pub(super) fn finish_join_prepare(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let group = self.group.as_ref().expect("a group member");
        if group.protocol == RebalanceProtocol::Eager && !self.positions.is_empty() {
            let revoked: Vec<TopicPartition> = self.positions.keys().cloned().collect();
            ctx.emit(Event::PartitionsRevoked {
                consumer: self.id,
                group: group.group_id.clone(),
                partitions: revoked.clone(),
            });
            self.drop_partitions(&revoked);
        }
        self.send_join(ctx);
    }

    fn send_join(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let Some(to) = self.group_node() else {
            // The coordinator went away while preparing: find it and try again.
            if let Some(g) = &mut self.group {
                g.state = MemberState::Unjoined;
                g.rejoin_needed = true;
            }
            return self.find_coordinator(ctx);
        };
        let Subscription::Subscribe(topics) = self.subscription.clone() else {
            return;
        };
        let owned: Vec<TopicPartition> = self.positions.keys().cloned().collect();
        let group = self.group.as_mut().expect("a group member");
        group.state = MemberState::Joining;
        let message_group: Rc<str> = Rc::from(group.group_id.as_str());
        let member_id: Rc<str> = Rc::from(group.member_id.as_str());
        let instance = group.instance_id.as_deref().map(Rc::from);
        let client_id: Rc<str> = Rc::from(group.client_id.as_str());
        let protocols: Vec<String> = group
            .assignors
            .iter()
            .map(|a| a.kafka_name().to_string())
            .collect();
        let generation = group.generation;
        let session_timeout_ms = self.config.session_timeout_ms;
        let rebalance_timeout_ms = self.config.rebalance_timeout();
        // A JoinGroup waits up to the rebalance timeout for the join phase (plus slack).
        let timeout = rebalance_timeout_ms + 5000;
        let correlation_id = self
            .net
            .send(ctx, self.node(), to, Some(timeout), |correlation_id| {
                Message::JoinGroup {
                    correlation_id,
                    group_id: message_group,
                    member_id,
                    group_instance_id: instance,
                    client_id,
                    session_timeout_ms,
                    rebalance_timeout_ms,
                    protocols,
                    subscription: topics,
                    owned_partitions: owned,
                    generation,
                }
            });
        self.group.as_mut().expect("checked").join_in_flight = Some(correlation_id);
    }

    /// The heartbeat thread: check `max.poll.interval.ms`, then heartbeat.
    pub(super) fn heartbeat_tick(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.closed || !self.process.is_running() {
            return;
        }
        let Some(group) = &self.group else {
            return;
        };
        ctx.set_timer(
            self.node(),
            Timer::GroupHeartbeat,
            SimDuration::from_ms(self.config.heartbeat_interval_ms),
        );
        let in_group = matches!(group.state, MemberState::Syncing | MemberState::Stable);
        if !self.is_subscribed() || !in_group {
            return;
        }
        let idle = ctx.now.since(self.app.last_poll_at).as_ms();
        if self.app.is_busy() && idle > self.config.max_poll_interval_ms {
            let reason = LeaveReason::PollTimeout {
                idle_ms: idle,
                max_poll_interval_ms: self.config.max_poll_interval_ms,
            };
            // The partitions stay with the application until its next poll(), which finds the
            // membership gone and loses them (`onPartitionsLost`); a commit before that fails.
            return self.leave_group(ctx, reason, false);
        }
        if group.heartbeat_in_flight.is_some() {
            return;
        }
        let Some(to) = self.group_node() else {
            return;
        };
        let group_id: Rc<str> = Rc::from(group.group_id.as_str());
        let member_id: Rc<str> = Rc::from(group.member_id.as_str());
        let instance = group.instance_id.as_deref().map(Rc::from);
        let generation = group.generation;
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            to,
            Some(self.config.request_timeout_ms),
            |correlation_id| Message::Heartbeat {
                correlation_id,
                group_id,
                member_id,
                group_instance_id: instance,
                generation,
            },
        );
        self.group.as_mut().expect("checked").heartbeat_in_flight = Some(correlation_id);
    }

    /// Leave the group: LeaveGroup for dynamic members (static members just go quiet and are
    /// removed by session timeout), then forget the membership.
    pub(super) fn leave_group(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        reason: LeaveReason,
        lost: bool,
    ) {
        let Some(group) = &self.group else {
            return;
        };
        if group.instance_id.is_none() && !group.member_id.is_empty() {
            if let Some(to) = self.group_node() {
                let group_id: Rc<str> = Rc::from(group.group_id.as_str());
                let member_id: Rc<str> = Rc::from(group.member_id.as_str());
                self.net.send(
                    ctx,
                    self.node(),
                    to,
                    Some(self.config.request_timeout_ms),
                    |correlation_id| Message::LeaveGroup {
                        correlation_id,
                        group_id,
                        member_id,
                    },
                );
            }
        }
        let group_id = group.group_id.clone();
        ctx.emit(Event::ConsumerLeftGroup {
            consumer: self.id,
            group: group_id.clone(),
            reason,
        });
        if lost && !self.positions.is_empty() {
            let partitions = self.assigned();
            ctx.emit(Event::PartitionsRevoked {
                consumer: self.id,
                group: group_id,
                partitions: partitions.clone(),
            });
            self.drop_partitions(&partitions);
        }
        self.reset_membership(JoinReason::Left(reason), true);
    }

    /// Forget member id and generation; the next `poll()` rejoins.
    fn reset_membership(&mut self, reason: JoinReason, forget_member_id: bool) {
        let group = self.group.as_mut().expect("a group member");
        if forget_member_id {
            group.member_id.clear();
        }
        group.generation = -1;
        group.state = MemberState::Unjoined;
        group.rejoin_needed = true;
        group.rejoin_reason = reason;
        group.join_in_flight = None;
        group.sync_in_flight = None;
        group.heartbeat_in_flight = None;
    }

    /// The generation is gone (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID): the partitions are
    /// lost, not revoked; nothing can be committed for them (`onPartitionsLost`).
    pub(super) fn lose_partitions(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        if !self.positions.is_empty() && self.is_subscribed() {
            let partitions = self.assigned();
            ctx.emit(Event::PartitionsRevoked {
                consumer: self.id,
                group: self.group_id().unwrap_or_default().to_string(),
                partitions: partitions.clone(),
            });
            self.drop_partitions(&partitions);
        }
        let forget = error == ErrorCode::UNKNOWN_MEMBER_ID;
        self.reset_membership(JoinReason::CoordinatorAnswered(error), forget);
    }

    pub(super) fn on_group_message(&mut self, ctx: &mut Ctx<'_, Cluster>, msg: Message) {
        let correlation_id = match &msg {
            Message::FindCoordinatorResponse { correlation_id, .. }
            | Message::JoinGroupResponse { correlation_id, .. }
            | Message::SyncGroupResponse { correlation_id, .. }
            | Message::HeartbeatResponse { correlation_id, .. }
            | Message::LeaveGroupResponse { correlation_id, .. }
            | Message::OffsetCommitResponse { correlation_id, .. }
            | Message::OffsetFetchResponse { correlation_id, .. } => *correlation_id,
            _ => return,
        };
        if self
            .net
            .complete(ctx, self.node(), correlation_id)
            .is_none()
        {
            return;
        }
        if self.group.is_none() || self.closed {
            return;
        }
        match msg {
            Message::FindCoordinatorResponse {
                error, coordinator, ..
            } => {
                let group = self.group.as_mut().expect("checked");
                group.find_in_flight = None;
                match coordinator.filter(|_| !error.is_error()) {
                    Some(b) => {
                        group.coordinator = Some(b);
                        ctx.emit(Event::CoordinatorFound {
                            consumer: self.id,
                            group: group.group_id.clone(),
                            broker: b,
                        });
                        self.ensure_group(ctx);
                    }
                    None => {
                        self.metadata.needs_update = true;
                        self.request_metadata(ctx);
                        self.coordinator_lost(ctx);
                    }
                }
            }
            Message::JoinGroupResponse {
                error,
                generation,
                protocol,
                leader,
                member_id,
                members,
                ..
            } => self.handle_join_response(
                ctx, error, generation, protocol, &leader, &member_id, members,
            ),
            Message::SyncGroupResponse {
                error, assignment, ..
            } => self.handle_sync_response(ctx, error, assignment),
            Message::HeartbeatResponse { error, .. } => {
                self.group.as_mut().expect("checked").heartbeat_in_flight = None;
                self.handle_heartbeat_error(ctx, error);
            }
            Message::LeaveGroupResponse { .. } => {}
            Message::OffsetCommitResponse { error, .. } => {
                let Some(commit) = self
                    .group
                    .as_mut()
                    .expect("checked")
                    .commits_in_flight
                    .remove(&correlation_id)
                else {
                    return;
                };
                self.commit_done(ctx, commit, error);
            }
            Message::OffsetFetchResponse { error, offsets, .. } => {
                self.offsets_fetched(ctx, error, offsets)
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_join_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        error: ErrorCode,
        generation: i32,
        protocol: Option<String>,
        leader: &str,
        member_id: &str,
        members: Vec<JoinGroupMember>,
    ) {
        let group = self.group.as_mut().expect("a group member");
        group.join_in_flight = None;
        match error {
            ErrorCode::NONE => {}
            ErrorCode::MEMBER_ID_REQUIRED => {
                // KIP-394: join again at once with the id the coordinator handed out.
                group.member_id = member_id.to_string();
                return self.send_join(ctx);
            }
            ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION => {
                self.lose_partitions(ctx, error);
                return self.ensure_group(ctx);
            }
            ErrorCode::REBALANCE_IN_PROGRESS => {
                group.state = MemberState::Unjoined;
                group.rejoin_needed = true;
                return self.ensure_group(ctx);
            }
            ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => {
                group.state = MemberState::Unjoined;
                group.rejoin_needed = true;
                return self.coordinator_lost(ctx);
            }
            fatal => {
                group.state = MemberState::Failed;
                let error = ConsumerError::JoinFailed {
                    group: group.group_id.clone(),
                    error: fatal,
                };
                return ctx.emit(Event::ConsumerError {
                    consumer: self.id,
                    error,
                });
            }
        }
        group.member_id = member_id.to_string();
        group.generation = generation;
        group.leader_id = leader.to_string();
        group.protocol_name = protocol.clone();
        group.state = MemberState::Syncing;
        if let Some(phase) = group.current_phase() {
            phase.generation = generation;
        }
        let assignments = if group.is_leader() {
            self.perform_assignment(protocol.as_deref(), &members)
        } else {
            Vec::new()
        };
        let Some(to) = self.group_node() else {
            return;
        };
        let group = self.group.as_ref().expect("checked");
        let group_id: Rc<str> = Rc::from(group.group_id.as_str());
        let member: Rc<str> = Rc::from(group.member_id.as_str());
        let instance = group.instance_id.as_deref().map(Rc::from);
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            to,
            Some(self.config.rebalance_timeout() + 5000),
            |correlation_id| Message::SyncGroup {
                correlation_id,
                group_id,
                member_id: member,
                group_instance_id: instance,
                generation,
                assignments,
            },
        );
        self.group.as_mut().expect("checked").sync_in_flight = Some(correlation_id);
    }

    /// The leader runs the group's assignor over every member's subscription
    /// (`ConsumerCoordinator.onLeaderElected`).
    fn perform_assignment(
        &mut self,
        protocol: Option<&str>,
        members: &[JoinGroupMember],
    ) -> Vec<(Rc<str>, Vec<TopicPartition>)> {
        let assignor = protocol
            .and_then(|n| AssignorName::parse(n).ok())
            .unwrap_or(AssignorName::Range);
        let mut partitions_per_topic = BTreeMap::new();
        // The leader's metadata snapshot (`ConsumerCoordinator.MetadataSnapshot`): a subscribed
        // topic it could not see yet counts as 0 partitions, so once its metadata arrives the
        // snapshot no longer matches and the leader rejoins (`rejoinNeededOrPending`) instead
        // of leaving that topic unassigned for good.
        let mut snapshot = BTreeMap::new();
        for m in members {
            for t in &m.subscription {
                if let Some(n) = self.metadata.partition_count(t.as_str()) {
                    partitions_per_topic.insert(t.clone(), n);
                    snapshot.insert(t.clone(), n);
                } else {
                    self.metadata.want(t);
                    snapshot.insert(t.clone(), 0);
                }
            }
        }
        let subscriptions: Vec<MemberSubscription> = members
            .iter()
            .map(|m| MemberSubscription {
                member_id: m.member_id.to_string(),
                group_instance_id: m.group_instance_id.as_ref().map(|i| i.to_string()),
                topics: m.subscription.clone(),
                owned_partitions: m.owned_partitions.clone(),
                generation: (m.generation >= 0).then_some(m.generation),
            })
            .collect();
        let group = self.group.as_mut().expect("a group member");
        group.leader_partition_counts = Some(snapshot);
        let result = assignors::assign(assignor, &partitions_per_topic, &subscriptions);
        members
            .iter()
            .map(|m| {
                let assigned = result.get(&*m.member_id).cloned().unwrap_or_default();
                (m.member_id.clone(), assigned)
            })
            .collect()
    }

    fn handle_sync_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        error: ErrorCode,
        assignment: Vec<TopicPartition>,
    ) {
        let group = self.group.as_mut().expect("a group member");
        group.sync_in_flight = None;
        match error {
            ErrorCode::NONE => {}
            ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION => {
                self.lose_partitions(ctx, error);
                return self.ensure_group(ctx);
            }
            ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => {
                group.state = MemberState::Unjoined;
                group.rejoin_needed = true;
                return self.coordinator_lost(ctx);
            }
            // Kafka's SyncGroupResponseHandler treats a fenced instance id as fatal.
            ErrorCode::FENCED_INSTANCE_ID => return self.instance_fenced(ctx),
            _ => {
                // REBALANCE_IN_PROGRESS and the like: join again.
                group.state = MemberState::Unjoined;
                group.rejoin_needed = true;
                return self.ensure_group(ctx);
            }
        }
        let now = ctx.now;
        let owned: Vec<TopicPartition> = self.positions.keys().cloned().collect();
        let revoked: Vec<TopicPartition> = owned
            .iter()
            .filter(|tp| !assignment.contains(tp))
            .cloned()
            .collect();
        let added: Vec<TopicPartition> = assignment
            .iter()
            .filter(|tp| !owned.contains(tp))
            .cloned()
            .collect();
        let group = self.group.as_mut().expect("checked");
        group.state = MemberState::Stable;
        let group_id = group.group_id.clone();
        let generation = group.generation;
        let cooperative = group.protocol == RebalanceProtocol::Cooperative;
        if !revoked.is_empty() {
            // Cooperative: give up only what moves, then rejoin so its new owner gets it.
            ctx.emit(Event::PartitionsRevoked {
                consumer: self.id,
                group: group_id.clone(),
                partitions: revoked.clone(),
            });
            if cooperative {
                group.rejoin_needed = true;
                group.rejoin_reason = JoinReason::RevokeAndRejoin;
            }
        }
        if let Some(phase) = group.current_phase() {
            phase.assigned_at = Some(now);
            phase.generation = generation;
            phase.assigned = assignment.clone();
            phase.revoked.extend(revoked.iter().cloned());
        }
        // The auto-commit interval starts when the member has partitions again.
        group.next_auto_commit =
            now.plus(SimDuration::from_ms(self.config.auto_commit_interval_ms));
        if self.app.spec.commit_on_revoke && !revoked.is_empty() {
            // onPartitionsRevoked: commit what was consumed of the partitions that move.
            let offsets: Vec<(TopicPartition, i64, i32)> = self
                .positions_to_commit()
                .into_iter()
                .filter(|(tp, _, _)| revoked.contains(tp))
                .collect();
            if !offsets.is_empty() {
                let deadline = now.plus(SimDuration::from_ms(self.config.default_api_timeout_ms));
                self.send_commit(ctx, offsets, CommitPurpose::AppAsync, deadline);
            }
        }
        self.drop_partitions(&revoked);
        for tp in &added {
            self.positions
                .insert(*tp, PartitionState::new(FetchState::AwaitCommitted));
            self.metadata.want(&tp.topic);
        }
        ctx.emit(Event::PartitionsAssigned {
            consumer: self.id,
            group: group_id,
            generation,
            partitions: assignment,
            added,
        });
        // Kafka's `poll()` compares the leader's metadata snapshot on every call
        // (`rejoinNeededOrPending`): metadata that arrived while it was syncing counts too.
        self.check_partition_counts(ctx);
        self.ensure_group(ctx);
        self.run_fetcher(ctx);
        self.records_arrived(ctx);
    }

    fn handle_heartbeat_error(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        let group = self.group.as_mut().expect("a group member");
        match error {
            ErrorCode::NONE => {}
            ErrorCode::REBALANCE_IN_PROGRESS => {
                // The next poll() rejoins (revoking first if eager).
                if !group.rejoin_needed {
                    group.rejoin_needed = true;
                    group.rejoin_reason = JoinReason::CoordinatorRebalance;
                }
                if group.state == MemberState::Stable && !self.app.is_busy() {
                    self.ensure_group(ctx);
                }
            }
            ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION => {
                self.lose_partitions(ctx, error);
            }
            ErrorCode::FENCED_INSTANCE_ID => self.instance_fenced(ctx),
            _ => self.coordinator_lost(ctx),
        }
    }

    /// Another process took over this member's `group.instance.id`: fatal for the consumer
    /// (`FencedInstanceIdException`, from a heartbeat, a SyncGroup or a commit).
    pub(super) fn instance_fenced(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let group = self.group.as_mut().expect("a group member");
        if group.state == MemberState::Failed {
            return;
        }
        group.state = MemberState::Failed;
        let error = ConsumerError::FencedInstanceId {
            instance_id: group.instance_id.clone().unwrap_or_default(),
        };
        ctx.emit(Event::ConsumerError {
            consumer: self.id,
            error,
        });
    }

    /// A group request failed without an answer (timeout, connection reset).
    pub(super) fn group_request_failed(&mut self, ctx: &mut Ctx<'_, Cluster>, correlation_id: u32) {
        let Some(group) = &mut self.group else {
            return;
        };
        let mut lost = false;
        if group.find_in_flight == Some(correlation_id) {
            group.find_in_flight = None;
            lost = true;
        }
        if group.join_in_flight == Some(correlation_id)
            || group.sync_in_flight == Some(correlation_id)
        {
            group.join_in_flight = None;
            group.sync_in_flight = None;
            group.state = MemberState::Unjoined;
            group.rejoin_needed = true;
            lost = true;
        }
        if group.heartbeat_in_flight == Some(correlation_id) {
            group.heartbeat_in_flight = None;
            lost = true;
        }
        if group.offset_fetch_in_flight == Some(correlation_id) {
            group.offset_fetch_in_flight = None;
            lost = true;
        }
        if let Some(commit) = group.commits_in_flight.remove(&correlation_id) {
            self.commit_done(ctx, commit, ErrorCode::REQUEST_TIMED_OUT);
            lost = true;
        }
        if lost {
            self.coordinator_lost(ctx);
        }
    }

    /// The leader watches the subscribed topics' partition counts: a change (partitions added,
    /// or a topic unknown at the assignment now seen) makes it rejoin, so the new partitions
    /// get owners.
    pub(super) fn check_partition_counts(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let Some(group) = &self.group else {
            return;
        };
        if !group.is_leader() || group.state != MemberState::Stable {
            return;
        }
        let Some(counts) = &group.leader_partition_counts else {
            return;
        };
        let changed = counts.iter().any(|(t, n)| {
            self.metadata
                .partition_count(t.as_str())
                .is_some_and(|m| m != *n)
        });
        if changed {
            let group = self.group.as_mut().expect("checked");
            group.rejoin_needed = true;
            group.rejoin_reason = JoinReason::PartitionCountChanged;
            if !self.app.is_busy() {
                self.ensure_group(ctx);
            }
        }
    }
}
