//! Heartbeat, LeaveGroup and session expiry in a classic group (Kafka's
//! `GroupMetadataManager.classicGroupHeartbeat`, `classicGroupLeave` and the session timeout):
//! removing a member, and completing the join phase once the rest have joined.

use super::{ClassicGroup, GroupAction, GroupState, GroupTimer};
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, RebalanceReason, RemoveReason};
use crate::kafka::protocol::Message;
use crate::sim::SimTime;
use std::rc::Rc;

impl ClassicGroup {
    /// Kafka's `classicGroupHeartbeat`.
    pub fn heartbeat(
        &mut self,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
        now: SimTime,
    ) -> (ErrorCode, Vec<GroupAction>) {
        let mut out = Vec::new();
        if matches!(self.state, GroupState::Empty | GroupState::Dead) {
            return (ErrorCode::UNKNOWN_MEMBER_ID, out);
        }
        if let Some(error) = self.validate_member(member_id, instance) {
            return (error, out);
        }
        if generation != self.generation {
            return (ErrorCode::ILLEGAL_GENERATION, out);
        }
        let member = self.members[member_id].clone();
        self.session_timer(&member, now, &mut out);
        let error = match self.state {
            GroupState::PreparingRebalance => ErrorCode::REBALANCE_IN_PROGRESS,
            _ => ErrorCode::NONE,
        };
        (error, out)
    }

    /// Kafka's `classicGroupLeave` for one member.
    pub fn leave(&mut self, member_id: &str, now: SimTime) -> (ErrorCode, Vec<GroupAction>) {
        let mut out = Vec::new();
        if self.pending_members.remove(member_id) {
            out.push(GroupAction::CancelTimer(GroupTimer::Session(
                member_id.to_string(),
            )));
            self.maybe_complete_join_phase(now, &mut out);
            return (ErrorCode::NONE, out);
        }
        if !self.members.contains_key(member_id) {
            return (ErrorCode::UNKNOWN_MEMBER_ID, out);
        }
        self.remove_member_quietly(member_id, RemoveReason::LeaveGroup, &mut out);
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(now, RebalanceReason::MemberLeft, &mut out)
            }
            // Kafka's leave path goes through `maybeCompleteJoinPhase`, which waits out the
            // initial delay (unlike a session expiry).
            GroupState::PreparingRebalance => self.maybe_complete_join_phase(now, &mut out),
            GroupState::Empty | GroupState::Dead => {}
        }
        (ErrorCode::NONE, out)
    }

    /// A session timer fired (`expireClassicGroupMemberHeartbeat`). Members parked in a join or
    /// a sync count as alive; new members are not.
    pub fn on_session_timer(&mut self, member_id: &str, now: SimTime) -> Vec<GroupAction> {
        let mut out = Vec::new();
        if self.pending_members.remove(member_id) {
            // Kafka: `removePendingMemberAndUpdateClassicGroup`.
            self.complete_join_if_all_joined(now, &mut out);
            return out;
        }
        let Some(member) = self.members.get(member_id) else {
            return out;
        };
        let alive =
            !member.is_new && (member.awaiting_join.is_some() || member.awaiting_sync.is_some());
        if alive {
            return out;
        }
        self.remove_member_and_update(member_id, RemoveReason::SessionTimeout, now, &mut out);
        out
    }

    pub(super) fn remove_member_quietly(
        &mut self,
        member_id: &str,
        reason: RemoveReason,
        out: &mut Vec<GroupAction>,
    ) {
        let Some(mut member) = self.members.remove(member_id) else {
            return;
        };
        if let Some(instance) = &member.group_instance_id {
            if self.static_members.get(instance).map(|m| &**m) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        self.pending_sync.remove(member_id);
        if let Some(w) = member.awaiting_join.take() {
            Self::reply(
                &w,
                Message::JoinGroupResponse {
                    correlation_id: 0,
                    error: ErrorCode::UNKNOWN_MEMBER_ID,
                    generation: -1,
                    protocol: None,
                    leader: Rc::from(""),
                    member_id: Rc::from(member_id),
                    members: Vec::new(),
                },
                out,
            );
        }
        if let Some(w) = member.awaiting_sync.take() {
            Self::reply(
                &w,
                Message::SyncGroupResponse {
                    correlation_id: 0,
                    error: ErrorCode::UNKNOWN_MEMBER_ID,
                    assignment: Vec::new(),
                },
                out,
            );
        }
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self.members.keys().next().cloned();
        }
        out.push(GroupAction::CancelTimer(GroupTimer::Session(
            member_id.to_string(),
        )));
        out.push(GroupAction::Emit(Event::MemberRemoved {
            broker: self.coordinator,
            group: self.group_id.to_string(),
            member: member_id.to_string(),
            client: member.client,
            reason,
        }));
    }

    /// `removeMemberAndUpdateClassicGroup` (a session expired).
    fn remove_member_and_update(
        &mut self,
        member_id: &str,
        reason: RemoveReason,
        now: SimTime,
        out: &mut Vec<GroupAction>,
    ) {
        self.remove_member_quietly(member_id, reason, out);
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(now, RebalanceReason::MemberRemoved(reason), out)
            }
            GroupState::PreparingRebalance => self.complete_join_if_all_joined(now, out),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// After a session expiry Kafka completes the join phase as soon as every remaining member
    /// has joined, without `maybeCompleteJoinPhase`'s exception for the initial delay.
    fn complete_join_if_all_joined(&mut self, now: SimTime, out: &mut Vec<GroupAction>) {
        if self.state == GroupState::PreparingRebalance && self.has_all_members_joined() {
            self.complete_join(now, out);
        }
    }
}
