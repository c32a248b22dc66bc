//! A classic consumer group as its coordinator keeps it (Kafka 4.0 `ClassicGroup`, the classic
//! half of `GroupMetadataManager`): the five states, JoinGroup with `MEMBER_ID_REQUIRED`, the
//! leader member, SyncGroup, Heartbeat, LeaveGroup, session expiry, the rebalance timeout, the
//! initial rebalance delay (`group.initial.rebalance.delay.ms`), static members and the protocol
//! vote.
//!
//! The group is a pure state machine: every handler takes the time and returns the actions the
//! broker must carry out (responses to send, timers to arm or cancel, a group metadata record to
//! write, events). That keeps the rules testable on their own (vectors G1-G3).

use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, RebalanceReason, RemoveReason};
use crate::kafka::protocol::{JoinGroupMember, Message};
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::sim::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

mod membership;
mod static_member;
mod sync;
pub use static_member::StaticReplacement;

/// Kafka's `ClassicGroupState`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    /// Kafka's name, as `kafka-consumer-groups.sh --describe --state` prints it.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }

    /// The states a transition into `self` may come from (`ClassicGroupState.validPreviousStates`).
    fn valid_previous(self) -> &'static [GroupState] {
        use GroupState::*;
        match self {
            Empty => &[PreparingRebalance],
            PreparingRebalance => &[Stable, CompletingRebalance, Empty],
            CompletingRebalance => &[PreparingRebalance],
            Stable => &[CompletingRebalance],
            Dead => &[Stable, PreparingRebalance, CompletingRebalance, Empty, Dead],
        }
    }
}

/// The broker settings a group follows.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct GroupConfig {
    pub initial_rebalance_delay_ms: u64,
    pub min_session_timeout_ms: u64,
    pub max_session_timeout_ms: u64,
    /// `group.classic.new.member.join.timeout.ms`-like bound on a new member's parked join
    /// (Kafka's `classicGroupNewMemberJoinTimeoutMs`, 5 minutes).
    pub new_member_join_timeout_ms: u64,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            initial_rebalance_delay_ms: 3000,
            min_session_timeout_ms: 6000,
            max_session_timeout_ms: 1_800_000,
            new_member_join_timeout_ms: 300_000,
        }
    }
}

/// Who is waiting for a response.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Waiter {
    pub from: NodeId,
    pub correlation_id: u32,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Member {
    pub member_id: Rc<str>,
    pub group_instance_id: Option<Rc<str>>,
    pub client_id: Rc<str>,
    /// The client process (Kafka's `clientHost`).
    pub client: NodeId,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// Assignor names in the member's order of preference.
    pub protocols: Vec<String>,
    pub subscription: Vec<String>,
    pub owned_partitions: Vec<TopicPartition>,
    pub owned_generation: i32,
    pub assignment: Vec<TopicPartition>,
    pub awaiting_join: Option<Waiter>,
    pub awaiting_sync: Option<Waiter>,
    /// Joined but not yet through a completed join phase.
    pub is_new: bool,
}

impl Member {
    /// Same protocols and metadata as a new JoinGroup (`ClassicGroupMember.matches`).
    fn matches(&self, join: &JoinRequest) -> bool {
        self.protocols == join.protocols
            && self.subscription == join.subscription
            && self.owned_partitions == join.owned_partitions
    }

    /// The member's vote: its first protocol that every member supports.
    fn vote(&self, candidates: &BTreeSet<String>) -> Option<String> {
        self.protocols
            .iter()
            .find(|p| candidates.contains(*p))
            .cloned()
    }
}

/// A JoinGroup request, as the group needs it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct JoinRequest {
    pub waiter: Waiter,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub protocols: Vec<String>,
    pub subscription: Vec<String>,
    pub owned_partitions: Vec<TopicPartition>,
    pub generation: i32,
}

/// The group's timers (the broker names them `Timer::JoinPhaseDeadline` and so on).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum GroupTimer {
    /// The join phase ends (initial delay, rebalance timeout).
    Join,
    /// Members that have not sent SyncGroup by now are removed.
    Sync,
    /// A member's (or pending member's) session expires.
    Session(String),
}

/// What the broker must do after the group handled something.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum GroupAction {
    Reply {
        to: NodeId,
        message: Message,
    },
    SetTimer {
        timer: GroupTimer,
        at: SimTime,
    },
    CancelTimer(GroupTimer),
    /// Write the group's metadata (members, generation, assignment) to `__consumer_offsets`;
    /// `sync_generation` is set when the write completes a SyncGroup of that generation.
    Persist {
        sync_generation: Option<i32>,
    },
    /// Write the group's metadata after a static member's new process replaced the old one in
    /// a Stable group; once written, `complete_static_join` answers the new process's JoinGroup
    /// (if the write fails, `revert_static_replacement`).
    PersistStaticMember(Box<StaticReplacement>),
    Emit(Event),
}

/// How the initial rebalance of an empty group is being delayed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
/// (Kafka's `tryCompleteInitialRebalanceElseSchedule(groupId, delayMs, remainingMs)`.)
struct InitialDelay {
    /// The delay now running.
    delay_ms: u64,
    /// How much longer the rebalance timeout allows extending it.
    remaining_ms: u64,
}

/// The committed offset of one partition.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub commit_time_ms: i64,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ClassicGroup {
    pub group_id: Rc<str>,
    /// The broker coordinating the group (named in its events).
    pub coordinator: BrokerId,
    pub state: GroupState,
    pub previous_state: GroupState,
    pub generation: i32,
    pub protocol_name: Option<String>,
    pub leader: Option<Rc<str>>,
    pub members: BTreeMap<Rc<str>, Member>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not yet joined with.
    pub pending_members: BTreeSet<Rc<str>>,
    /// Members of the current generation that have not sent SyncGroup yet.
    pub pending_sync: BTreeSet<Rc<str>>,
    /// `group.instance.id` -> member id.
    pub static_members: BTreeMap<Rc<str>, Rc<str>>,
    pub new_member_added: bool,
    initial_delay: Option<InitialDelay>,
    pub offsets: BTreeMap<TopicPartition, CommittedOffset>,
    /// When the current rebalance started (for the UI's timeline).
    pub rebalance_started_at: Option<SimTime>,
    pub config: GroupConfig,
}

/// Where the group stands after each handler, for events.
fn state_event(group: &ClassicGroup, from: GroupState) -> GroupAction {
    GroupAction::Emit(Event::GroupStateChanged {
        broker: group.coordinator,
        group: group.group_id.to_string(),
        from: from.name(),
        to: group.state.name(),
        generation: group.generation,
    })
}

impl ClassicGroup {
    pub fn new(group_id: &str, config: GroupConfig, coordinator: BrokerId) -> ClassicGroup {
        ClassicGroup {
            group_id: Rc::from(group_id),
            coordinator,
            state: GroupState::Empty,
            previous_state: GroupState::Empty,
            generation: 0,
            protocol_name: None,
            leader: None,
            members: BTreeMap::new(),
            pending_members: BTreeSet::new(),
            pending_sync: BTreeSet::new(),
            static_members: BTreeMap::new(),
            new_member_added: false,
            initial_delay: None,
            offsets: BTreeMap::new(),
            rebalance_started_at: None,
            config,
        }
    }

    fn transition(&mut self, to: GroupState, out: &mut Vec<GroupAction>) {
        debug_assert!(
            to.valid_previous().contains(&self.state),
            "{} -> {}",
            self.state.name(),
            to.name()
        );
        let from = self.state;
        self.previous_state = from;
        self.state = to;
        out.push(state_event(self, from));
    }

    /// The largest rebalance timeout of the members (`ClassicGroup.rebalanceTimeoutMs`).
    pub fn rebalance_timeout_ms(&self) -> u64 {
        self.members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    fn has_all_members_joined(&self) -> bool {
        self.members.values().all(|m| m.awaiting_join.is_some()) && self.pending_members.is_empty()
    }

    /// Protocols every member supports (`candidateProtocols`).
    fn candidate_protocols(&self) -> BTreeSet<String> {
        let mut members = self.members.values();
        let Some(first) = members.next() else {
            return BTreeSet::new();
        };
        let mut candidates: BTreeSet<String> = first.protocols.iter().cloned().collect();
        for m in members {
            candidates.retain(|p| m.protocols.contains(p));
        }
        candidates
    }

    /// Whether a joining member could be part of this group (`supportsProtocols`).
    fn supports_protocols(&self, protocols: &[String]) -> bool {
        if self.members.is_empty() {
            return !protocols.is_empty();
        }
        let candidates = self.candidate_protocols();
        protocols.iter().any(|p| candidates.contains(p))
    }

    /// The protocol vote (`ClassicGroup.selectProtocol`): each member votes for its first
    /// protocol among those all members support; most votes wins. Kafka counts the votes in a
    /// Java `HashMap` and keeps the first maximum in its iteration order, reproduced here.
    pub fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes: Vec<(String, u32)> = Vec::new();
        for m in self.members.values() {
            if let Some(p) = m.vote(&candidates) {
                match votes.iter_mut().find(|(name, _)| *name == p) {
                    Some((_, n)) => *n += 1,
                    None => votes.push((p, 1)),
                }
            }
        }
        let order = super::java_hash_map_order(votes.iter().map(|(name, _)| name.as_str()));
        let mut best: Option<(&String, u32)> = None;
        for i in order {
            let (name, n) = &votes[i as usize];
            if best.is_none_or(|(_, b)| *n > b) {
                best = Some((name, *n));
            }
        }
        best.map(|(name, _)| name.clone())
    }

    fn member_response(&self, member_id: &str, with_members: bool) -> Message {
        Message::JoinGroupResponse {
            correlation_id: 0,
            error: ErrorCode::NONE,
            generation: self.generation,
            protocol: self.protocol_name.clone(),
            leader: self.leader.clone().unwrap_or_else(|| Rc::from("")),
            member_id: Rc::from(member_id),
            members: if with_members {
                self.members
                    .values()
                    .map(|m| JoinGroupMember {
                        member_id: m.member_id.clone(),
                        group_instance_id: m.group_instance_id.clone(),
                        subscription: m.subscription.clone(),
                        owned_partitions: m.owned_partitions.clone(),
                        generation: m.owned_generation,
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    fn reply(waiter: &Waiter, message: Message, out: &mut Vec<GroupAction>) {
        let message = with_correlation(message, waiter.correlation_id);
        out.push(GroupAction::Reply {
            to: waiter.from,
            message,
        });
    }

    fn join_error(join: &JoinRequest, member_id: &str, error: ErrorCode) -> GroupAction {
        GroupAction::Reply {
            to: join.waiter.from,
            message: Message::JoinGroupResponse {
                correlation_id: join.waiter.correlation_id,
                error,
                generation: -1,
                protocol: None,
                leader: Rc::from(""),
                member_id: Rc::from(member_id),
                members: Vec::new(),
            },
        }
    }

    fn session_timer(&self, member: &Member, now: SimTime, out: &mut Vec<GroupAction>) {
        let after = if member.is_new {
            self.config.new_member_join_timeout_ms
        } else {
            member.session_timeout_ms
        };
        out.push(GroupAction::SetTimer {
            timer: GroupTimer::Session(member.member_id.to_string()),
            at: now.plus(SimDuration::from_ms(after)),
        });
    }

    // ---- JoinGroup ----

    /// Kafka's `classicGroupJoin`. `new_member_id` makes an id when one is needed
    /// (`clientId-UUID`, or `groupInstanceId-UUID` for static members).
    pub fn join(
        &mut self,
        join: JoinRequest,
        now: SimTime,
        new_member_id: &mut dyn FnMut(&str) -> String,
    ) -> Vec<GroupAction> {
        let mut out = Vec::new();
        if join.session_timeout_ms < self.config.min_session_timeout_ms
            || join.session_timeout_ms > self.config.max_session_timeout_ms
        {
            out.push(Self::join_error(
                &join,
                &join.member_id,
                ErrorCode::INVALID_SESSION_TIMEOUT,
            ));
            return out;
        }
        if self.state == GroupState::Dead {
            out.push(Self::join_error(
                &join,
                &join.member_id,
                ErrorCode::COORDINATOR_NOT_AVAILABLE,
            ));
            return out;
        }
        if !self.supports_protocols(&join.protocols) {
            out.push(Self::join_error(
                &join,
                &join.member_id,
                ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
            ));
            return out;
        }
        if join.member_id.is_empty() {
            match join.group_instance_id.clone() {
                Some(instance) => {
                    let id = new_member_id(&instance);
                    match self.static_members.get(instance.as_str()).cloned() {
                        Some(old) => self.update_static_member(join, &old, &id, now, &mut out),
                        None => self.add_member(join, &id, now, &mut out),
                    }
                }
                None => {
                    // KIP-394: hand out a member id and ask the client to join again with it.
                    let id = new_member_id(&join.client_id);
                    self.pending_members.insert(Rc::from(id.as_str()));
                    out.push(GroupAction::SetTimer {
                        timer: GroupTimer::Session(id.clone()),
                        at: now.plus(SimDuration::from_ms(join.session_timeout_ms)),
                    });
                    out.push(Self::join_error(&join, &id, ErrorCode::MEMBER_ID_REQUIRED));
                }
            }
            return out;
        }
        let member_id = join.member_id.clone();
        if self.pending_members.contains(member_id.as_str()) {
            self.pending_members.remove(member_id.as_str());
            self.add_member(join, &member_id, now, &mut out);
            return out;
        }
        if let Some(error) = self.validate_member(&member_id, join.group_instance_id.as_deref()) {
            out.push(Self::join_error(&join, &member_id, error));
            return out;
        }
        let matches = self.members[member_id.as_str()].matches(&join);
        let is_leader = self.leader.as_deref() == Some(member_id.as_str());
        match self.state {
            GroupState::PreparingRebalance => {
                self.update_member(join, now, &mut out);
            }
            GroupState::CompletingRebalance if matches => {
                // The member missed its JoinGroup response: answer again for this generation.
                let response = self.member_response(&member_id, is_leader);
                Self::reply(&join.waiter, response, &mut out);
            }
            GroupState::Stable if matches && !is_leader => {
                let response = self.member_response(&member_id, false);
                Self::reply(&join.waiter, response, &mut out);
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                // The leader rejoining, or changed metadata, forces a rebalance.
                self.update_member(join, now, &mut out);
            }
            GroupState::Empty | GroupState::Dead => {
                out.push(Self::join_error(
                    &join,
                    &member_id,
                    ErrorCode::UNKNOWN_MEMBER_ID,
                ));
            }
        }
        out
    }

    /// `ClassicGroup.validateMember`: the member must exist, and a static member must come with
    /// the member id its instance id maps to.
    fn validate_member(&self, member_id: &str, instance: Option<&str>) -> Option<ErrorCode> {
        if let Some(instance) = instance {
            match self.static_members.get(instance) {
                None => return Some(ErrorCode::UNKNOWN_MEMBER_ID),
                Some(current) if **current != *member_id => {
                    return Some(ErrorCode::FENCED_INSTANCE_ID)
                }
                Some(_) => {}
            }
        }
        (!self.members.contains_key(member_id)).then_some(ErrorCode::UNKNOWN_MEMBER_ID)
    }

    fn add_member(
        &mut self,
        join: JoinRequest,
        member_id: &str,
        now: SimTime,
        out: &mut Vec<GroupAction>,
    ) {
        let id: Rc<str> = Rc::from(member_id);
        let member = Member {
            member_id: id.clone(),
            group_instance_id: join.group_instance_id.as_deref().map(Rc::from),
            client_id: Rc::from(join.client_id.as_str()),
            client: join.waiter.from,
            session_timeout_ms: join.session_timeout_ms,
            rebalance_timeout_ms: join.rebalance_timeout_ms,
            protocols: join.protocols,
            subscription: join.subscription,
            owned_partitions: join.owned_partitions,
            owned_generation: join.generation,
            assignment: Vec::new(),
            awaiting_join: Some(join.waiter),
            awaiting_sync: None,
            is_new: true,
        };
        // The initial rebalance is delayed further only for members joining during it.
        if self.state == GroupState::PreparingRebalance && self.previous_state == GroupState::Empty
        {
            self.new_member_added = true;
        }
        if let Some(instance) = &member.group_instance_id {
            self.static_members.insert(instance.clone(), id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(id.clone());
        }
        self.session_timer(&member, now, out);
        out.push(GroupAction::Emit(Event::MemberJoined {
            broker: self.coordinator,
            group: self.group_id.to_string(),
            member: member_id.to_string(),
            client: member.client,
        }));
        self.members.insert(id, member);
        self.maybe_prepare_rebalance_or_complete_join(now, RebalanceReason::NewMember, out);
    }

    fn update_member(&mut self, join: JoinRequest, now: SimTime, out: &mut Vec<GroupAction>) {
        let member = self
            .members
            .get_mut(join.member_id.as_str())
            .expect("validated member");
        member.protocols = join.protocols;
        member.subscription = join.subscription;
        member.owned_partitions = join.owned_partitions;
        member.owned_generation = join.generation;
        member.rebalance_timeout_ms = join.rebalance_timeout_ms;
        member.session_timeout_ms = join.session_timeout_ms;
        member.awaiting_join = Some(join.waiter);
        self.maybe_prepare_rebalance_or_complete_join(now, RebalanceReason::MemberRejoined, out);
    }

    fn maybe_prepare_rebalance_or_complete_join(
        &mut self,
        now: SimTime,
        reason: RebalanceReason,
        out: &mut Vec<GroupAction>,
    ) {
        if GroupState::PreparingRebalance
            .valid_previous()
            .contains(&self.state)
        {
            self.prepare_rebalance(now, reason, out);
        } else {
            self.maybe_complete_join_phase(now, out);
        }
    }

    /// Kafka's `prepareRebalance`.
    fn prepare_rebalance(
        &mut self,
        now: SimTime,
        reason: RebalanceReason,
        out: &mut Vec<GroupAction>,
    ) {
        if self.state == GroupState::CompletingRebalance {
            // Parked SyncGroups learn that the rebalance starts over.
            self.answer_parked_syncs(ErrorCode::REBALANCE_IN_PROGRESS, out);
            self.pending_sync.clear();
            out.push(GroupAction::CancelTimer(GroupTimer::Sync));
        }
        let initial = self.state == GroupState::Empty;
        let rebalance_timeout = self.rebalance_timeout_ms();
        if initial {
            // Kafka: the first delay is the full `group.initial.rebalance.delay.ms`, even when
            // the rebalance timeout is shorter; only the extensions are bounded by it.
            let delay = self.config.initial_rebalance_delay_ms;
            let remaining = rebalance_timeout.saturating_sub(delay);
            self.initial_delay = Some(InitialDelay {
                delay_ms: delay,
                remaining_ms: remaining,
            });
            self.new_member_added = false;
            out.push(GroupAction::SetTimer {
                timer: GroupTimer::Join,
                at: now.plus(SimDuration::from_ms(delay)),
            });
        } else {
            self.initial_delay = None;
            out.push(GroupAction::SetTimer {
                timer: GroupTimer::Join,
                at: now.plus(SimDuration::from_ms(rebalance_timeout)),
            });
        }
        self.rebalance_started_at = Some(now);
        self.transition(GroupState::PreparingRebalance, out);
        out.push(GroupAction::Emit(Event::RebalanceStarted {
            broker: self.coordinator,
            group: self.group_id.to_string(),
            generation: self.generation,
            reason,
        }));
        if !initial {
            self.maybe_complete_join_phase(now, out);
        }
    }

    /// Complete the join phase early when every member has rejoined, except during the initial
    /// delayed rebalance (`maybeCompleteJoinPhase`).
    fn maybe_complete_join_phase(&mut self, now: SimTime, out: &mut Vec<GroupAction>) {
        if self.state == GroupState::PreparingRebalance
            && self.has_all_members_joined()
            && self.previous_state != GroupState::Empty
        {
            self.complete_join(now, out);
        }
    }

    /// The join timer fired: the initial delay is extended while members keep arriving
    /// (`tryCompleteInitialRebalanceElseSchedule`), otherwise the join phase completes.
    pub fn on_join_timer(&mut self, now: SimTime) -> Vec<GroupAction> {
        let mut out = Vec::new();
        if self.state != GroupState::PreparingRebalance {
            return out;
        }
        if let Some(delay) = self.initial_delay {
            if self.new_member_added && delay.remaining_ms != 0 {
                self.new_member_added = false;
                // Kafka: `newDelayMs = min(initialDelay, remainingMs)`, `newRemainingMs =
                // max(remainingMs - delayMs, 0)` with `delayMs` the delay that just elapsed.
                let next = self
                    .config
                    .initial_rebalance_delay_ms
                    .min(delay.remaining_ms);
                self.initial_delay = Some(InitialDelay {
                    delay_ms: next,
                    remaining_ms: delay.remaining_ms.saturating_sub(delay.delay_ms),
                });
                out.push(GroupAction::SetTimer {
                    timer: GroupTimer::Join,
                    at: now.plus(SimDuration::from_ms(next)),
                });
                return out;
            }
        }
        self.complete_join(now, &mut out);
        out
    }

    /// Kafka's `completeClassicGroupJoin`.
    fn complete_join(&mut self, now: SimTime, out: &mut Vec<GroupAction>) {
        out.push(GroupAction::CancelTimer(GroupTimer::Join));
        self.initial_delay = None;
        // Dynamic members that did not rejoin in time are dropped.
        let missing: Vec<Rc<str>> = self
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none() && m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in missing {
            self.remove_member_quietly(&id, RemoveReason::RebalanceTimeout, out);
        }
        if !self.elect_joined_leader() && !self.members.is_empty() {
            // Nobody rejoined: wait for the sessions to expire.
            out.push(GroupAction::SetTimer {
                timer: GroupTimer::Join,
                at: now.plus(SimDuration::from_ms(self.rebalance_timeout_ms().max(1))),
            });
            return;
        }
        self.generation += 1;
        if self.members.is_empty() {
            self.protocol_name = None;
            self.leader = None;
            self.transition(GroupState::Empty, out);
            self.rebalance_started_at = None;
            out.push(GroupAction::Persist {
                sync_generation: None,
            });
            return;
        }
        self.protocol_name = self.select_protocol();
        self.transition(GroupState::CompletingRebalance, out);
        let leader = self.leader.clone();
        let ids: Vec<Rc<str>> = self.members.keys().cloned().collect();
        for id in ids {
            let is_leader = leader.as_deref() == Some(&*id);
            let response = self.member_response(&id, is_leader);
            let member = self.members.get_mut(&id).expect("listed");
            if let Some(w) = member.awaiting_join.take() {
                Self::reply(&w, response, out);
            }
            member.is_new = false;
            let member = member.clone();
            self.session_timer(&member, now, out);
            self.pending_sync.insert(id);
        }
        out.push(GroupAction::SetTimer {
            timer: GroupTimer::Sync,
            at: now.plus(SimDuration::from_ms(self.rebalance_timeout_ms())),
        });
    }

    /// Keep the leader if it rejoined, else pick a member that did (`maybeElectNewJoinedLeader`).
    fn elect_joined_leader(&mut self) -> bool {
        if let Some(leader) = &self.leader {
            if self
                .members
                .get(leader)
                .is_some_and(|m| m.awaiting_join.is_some())
            {
                return true;
            }
        }
        let joined = self
            .members
            .values()
            .find(|m| m.awaiting_join.is_some())
            .map(|m| m.member_id.clone());
        match joined {
            Some(id) => {
                self.leader = Some(id);
                true
            }
            None => {
                // Keep a leader if there is any member at all (the next round needs one).
                self.leader = self.members.keys().next().cloned();
                false
            }
        }
    }

    // ---- offsets ----

    /// Whether an OffsetCommit may be written (`ClassicGroup.validateOffsetCommit`), checked
    /// in Kafka's order: the member and its `group.instance.id`, the generation, and only then
    /// a rebalance in progress. A standalone consumer (generation -1) may commit only to an
    /// empty group.
    pub fn validate_offset_commit(
        &self,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
    ) -> ErrorCode {
        if self.state == GroupState::Dead {
            return ErrorCode::COORDINATOR_NOT_AVAILABLE;
        }
        if generation < 0 && self.state == GroupState::Empty {
            return ErrorCode::NONE;
        }
        if generation >= 0 || !member_id.is_empty() || instance.is_some() {
            if let Some(error) = self.validate_member(member_id, instance) {
                return error;
            }
            if generation != self.generation {
                return ErrorCode::ILLEGAL_GENERATION;
            }
        } else if self.state != GroupState::Empty {
            return ErrorCode::UNKNOWN_MEMBER_ID;
        }
        if self.state == GroupState::CompletingRebalance {
            return ErrorCode::REBALANCE_IN_PROGRESS;
        }
        ErrorCode::NONE
    }

    /// Members and their assignments, for the group record and the UI.
    pub fn member_ids(&self) -> Vec<Rc<str>> {
        self.members.keys().cloned().collect()
    }
}

/// Set the correlation id of a response built before the waiter was known.
pub fn with_correlation(message: Message, id: u32) -> Message {
    match message {
        Message::JoinGroupResponse {
            error,
            generation,
            protocol,
            leader,
            member_id,
            members,
            ..
        } => Message::JoinGroupResponse {
            correlation_id: id,
            error,
            generation,
            protocol,
            leader,
            member_id,
            members,
        },
        Message::SyncGroupResponse {
            error, assignment, ..
        } => Message::SyncGroupResponse {
            correlation_id: id,
            error,
            assignment,
        },
        other => other,
    }
}
