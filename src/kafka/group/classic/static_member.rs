//! Static membership (KIP-345): a process that joins with no member id but a known
//! `group.instance.id` replaces the member holding that instance id (Kafka's
//! `GroupMetadataManager.updateStaticMemberThenRebalanceOrCompleteJoin` and
//! `ClassicGroup.replaceStaticMember`).
//!
//! The old process is fenced at once: a JoinGroup or SyncGroup it has parked is answered
//! `FENCED_INSTANCE_ID`. In a Stable group whose protocol would not change, the new process
//! keeps the old assignment without a rebalance, but its JoinGroup is answered only once the
//! group record naming its new member id is written; if that write fails, the replacement is
//! undone.

use super::{ClassicGroup, GroupAction, GroupState, GroupTimer, JoinRequest, Member, Waiter};
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::RebalanceReason;
use crate::kafka::protocol::Message;
use crate::sim::SimTime;
use std::rc::Rc;

/// A static member replaced in a Stable group, waiting for its group record to be written.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct StaticReplacement {
    /// The member as it was before the new process joined (already fenced).
    pub old: Member,
    pub new_member_id: Rc<str>,
    /// The new process's JoinGroup.
    pub waiter: Waiter,
    /// The leader when the new process joined (Kafka's `currentLeader`, sent back on failure).
    pub leader: Option<Rc<str>>,
}

impl ClassicGroup {
    /// A static member came back with a new process: it takes over the old member's place
    /// under a new member id.
    pub(super) fn update_static_member(
        &mut self,
        join: JoinRequest,
        old_id: &Rc<str>,
        new_id: &str,
        now: SimTime,
        out: &mut Vec<GroupAction>,
    ) {
        let Some(mut member) = self.members.remove(old_id) else {
            return self.add_member(join, new_id, now, out);
        };
        out.push(GroupAction::CancelTimer(GroupTimer::Session(
            old_id.to_string(),
        )));
        fence(&mut member, out);
        let old = member.clone();
        let leader_before = self.leader.clone();
        let waiter = join.waiter.clone();
        let id: Rc<str> = Rc::from(new_id);
        member.member_id = id.clone();
        member.client = join.waiter.from;
        member.protocols = join.protocols;
        member.subscription = join.subscription;
        member.owned_partitions = join.owned_partitions;
        member.owned_generation = join.generation;
        member.session_timeout_ms = join.session_timeout_ms;
        member.rebalance_timeout_ms = join.rebalance_timeout_ms;
        member.awaiting_join = Some(join.waiter);
        self.install(member, old_id, now, out);
        match self.state {
            GroupState::Stable if self.protocol_name == self.select_protocol() => {
                // No rebalance: the JoinGroup waits for the group record (the member stays
                // awaiting its join until then); its SyncGroup returns the old assignment.
                out.push(GroupAction::PersistStaticMember(Box::new(
                    StaticReplacement {
                        old,
                        new_member_id: id,
                        waiter,
                        leader: leader_before,
                    },
                )));
            }
            GroupState::CompletingRebalance => {
                self.prepare_rebalance(now, RebalanceReason::StaticMemberRejoined, out)
            }
            _ => self.maybe_prepare_rebalance_or_complete_join(
                now,
                RebalanceReason::StaticMemberRejoined,
                out,
            ),
        }
    }

    /// Put `member` in the place of `replaced`: the instance id, the leadership and a pending
    /// sync move to its id, and its session starts.
    fn install(
        &mut self,
        member: Member,
        replaced: &Rc<str>,
        now: SimTime,
        out: &mut Vec<GroupAction>,
    ) {
        let id = member.member_id.clone();
        if let Some(instance) = &member.group_instance_id {
            self.static_members.insert(instance.clone(), id.clone());
        }
        if self.leader.as_deref() == Some(&**replaced) {
            self.leader = Some(id.clone());
        }
        if self.pending_sync.remove(replaced) {
            self.pending_sync.insert(id.clone());
        }
        self.session_timer(&member, now, out);
        self.members.insert(id, member);
    }

    /// The group record of a replacement was written: answer the new process's JoinGroup with
    /// the current generation, unless a rebalance has answered it since.
    pub fn complete_static_join(&mut self, replacement: &StaticReplacement) -> Vec<GroupAction> {
        let mut out = Vec::new();
        let id = &replacement.new_member_id;
        let Some(member) = self.members.get_mut(id) else {
            return out;
        };
        if member.awaiting_join.as_ref() != Some(&replacement.waiter) {
            return out;
        }
        member.awaiting_join = None;
        let is_leader = self.leader.as_deref() == Some(&**id);
        let response = self.member_response(id, is_leader);
        Self::reply(&replacement.waiter, response, &mut out);
        out
    }

    /// The group record of a replacement could not be written: the old member id comes back
    /// and the new process's JoinGroup fails with the write's error (Kafka's append future
    /// failing in `updateStaticMemberThenRebalanceOrCompleteJoin`).
    pub fn revert_static_replacement(
        &mut self,
        replacement: &StaticReplacement,
        error: ErrorCode,
        now: SimTime,
    ) -> Vec<GroupAction> {
        let mut out = Vec::new();
        let Some(mut current) = self.members.remove(&replacement.new_member_id) else {
            return out;
        };
        out.push(GroupAction::CancelTimer(GroupTimer::Session(
            replacement.new_member_id.to_string(),
        )));
        let waiting = current.awaiting_join.take() == Some(replacement.waiter.clone());
        fence(&mut current, &mut out);
        let mut old = replacement.old.clone();
        old.assignment = current.assignment;
        old.is_new = current.is_new;
        self.install(old, &replacement.new_member_id, now, &mut out);
        if waiting {
            let response = Message::JoinGroupResponse {
                correlation_id: 0,
                error: append_error_to_response_error(error),
                generation: self.generation,
                protocol: self.protocol_name.clone(),
                leader: replacement.leader.clone().unwrap_or_else(|| Rc::from("")),
                member_id: Rc::from(""),
                members: Vec::new(),
            };
            Self::reply(&replacement.waiter, response, &mut out);
        }
        out
    }
}

/// `replaceStaticMember`: a JoinGroup or SyncGroup the replaced process has parked is answered
/// `FENCED_INSTANCE_ID`.
fn fence(member: &mut Member, out: &mut Vec<GroupAction>) {
    if let Some(w) = member.awaiting_join.take() {
        let response = Message::JoinGroupResponse {
            correlation_id: 0,
            error: ErrorCode::FENCED_INSTANCE_ID,
            generation: -1,
            protocol: None,
            leader: Rc::from(""),
            member_id: member.member_id.clone(),
            members: Vec::new(),
        };
        ClassicGroup::reply(&w, response, out);
    }
    if let Some(w) = member.awaiting_sync.take() {
        let response = Message::SyncGroupResponse {
            correlation_id: 0,
            error: ErrorCode::FENCED_INSTANCE_ID,
            assignment: Vec::new(),
        };
        ClassicGroup::reply(&w, response, out);
    }
}

/// Kafka's `appendGroupMetadataErrorToResponseError` for the errors a write can fail with here.
fn append_error_to_response_error(error: ErrorCode) -> ErrorCode {
    match error {
        ErrorCode::REQUEST_TIMED_OUT
        | ErrorCode::NOT_ENOUGH_REPLICAS
        | ErrorCode::UNKNOWN_TOPIC_OR_PARTITION => ErrorCode::COORDINATOR_NOT_AVAILABLE,
        ErrorCode::NOT_LEADER_OR_FOLLOWER => ErrorCode::NOT_COORDINATOR,
        other => other,
    }
}
