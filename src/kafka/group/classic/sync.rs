//! SyncGroup in a classic group (Kafka's `GroupMetadataManager.classicGroupSync` and its
//! helpers): the leader's assignment is applied once the group record is written; followers
//! wait (parked) until then; a failed write or the rebalance timeout answers them with an error.

use super::{ClassicGroup, GroupAction, GroupState, Waiter};
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{RebalanceReason, RemoveReason};
use crate::kafka::protocol::Message;
use crate::kafka::types::TopicPartition;
use crate::sim::SimTime;
use std::rc::Rc;

impl ClassicGroup {
    /// Kafka's `classicGroupSync`. Returns the actions; the leader's assignment is applied when
    /// the group record is written (`complete_sync`).
    pub fn sync(
        &mut self,
        waiter: Waiter,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
        assignments: Vec<(Rc<str>, Vec<TopicPartition>)>,
        now: SimTime,
    ) -> Vec<GroupAction> {
        let mut out = Vec::new();
        let error = |error: ErrorCode, out: &mut Vec<GroupAction>| {
            Self::reply(
                &waiter,
                Message::SyncGroupResponse {
                    correlation_id: 0,
                    error,
                    assignment: Vec::new(),
                },
                out,
            )
        };
        // Kafka's `validateSyncGroup`: the member and its instance id, then the generation,
        // and only then the state.
        if self.state == GroupState::Dead {
            error(ErrorCode::COORDINATOR_NOT_AVAILABLE, &mut out);
            return out;
        }
        if let Some(e) = self.validate_member(member_id, instance) {
            error(e, &mut out);
            return out;
        }
        if generation != self.generation {
            error(ErrorCode::ILLEGAL_GENERATION, &mut out);
            return out;
        }
        match self.state {
            GroupState::PreparingRebalance => error(ErrorCode::REBALANCE_IN_PROGRESS, &mut out),
            GroupState::CompletingRebalance => {
                self.park_sync(waiter, member_id, assignments, now, &mut out)
            }
            GroupState::Stable => {
                self.pending_sync.remove(member_id);
                let member = self.members[member_id].clone();
                self.session_timer(&member, now, &mut out);
                Self::reply(
                    &waiter,
                    Message::SyncGroupResponse {
                        correlation_id: 0,
                        error: ErrorCode::NONE,
                        assignment: member.assignment,
                    },
                    &mut out,
                );
            }
            GroupState::Empty | GroupState::Dead => unreachable!("answered above"),
        }
        out
    }

    /// A SyncGroup in CompletingRebalance waits for the group record; the leader's carries the
    /// assignment, which is stored and written (`GroupMetadataManager.classicGroupSyncToLeader`).
    fn park_sync(
        &mut self,
        waiter: Waiter,
        member_id: &str,
        assignments: Vec<(Rc<str>, Vec<TopicPartition>)>,
        now: SimTime,
        out: &mut Vec<GroupAction>,
    ) {
        self.pending_sync.remove(member_id);
        let is_leader = self.leader.as_deref() == Some(member_id);
        let member = self.members.get_mut(member_id).expect("validated member");
        member.awaiting_sync = Some(waiter);
        let member = member.clone();
        self.session_timer(&member, now, out);
        if is_leader {
            for m in self.members.values_mut() {
                m.assignment = assignments
                    .iter()
                    .find(|(id, _)| **id == *m.member_id)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default();
            }
            out.push(GroupAction::Persist {
                sync_generation: Some(self.generation),
            });
        }
    }

    /// The group record of `generation` was written: hand every parked SyncGroup its
    /// assignment and become Stable.
    pub fn complete_sync(&mut self, generation: i32) -> Vec<GroupAction> {
        let mut out = Vec::new();
        if self.state != GroupState::CompletingRebalance || self.generation != generation {
            return out;
        }
        for m in self.members.values_mut() {
            if let Some(w) = m.awaiting_sync.take() {
                Self::reply(
                    &w,
                    Message::SyncGroupResponse {
                        correlation_id: 0,
                        error: ErrorCode::NONE,
                        assignment: m.assignment.clone(),
                    },
                    &mut out,
                );
            }
        }
        self.transition(GroupState::Stable, &mut out);
        self.rebalance_started_at = None;
        out
    }

    /// The group record of `generation` could not be written (Kafka:
    /// `GroupMetadataManager.classicGroupSyncToLeader`, its append callback): every parked
    /// SyncGroup gets the error, mapped by `appendGroupMetadataErrorToResponseError`, with an
    /// empty assignment (`resetAndPropagateAssignmentWithError`), and the group rebalances
    /// (`maybePrepareRebalanceOrCompleteJoin`). Left unanswered, the members would wait for
    /// their assignment forever while their heartbeats keep them in the group.
    pub fn fail_sync(
        &mut self,
        generation: i32,
        error: ErrorCode,
        now: SimTime,
    ) -> Vec<GroupAction> {
        let mut out = Vec::new();
        if self.state != GroupState::CompletingRebalance || self.generation != generation {
            return out;
        }
        let error = match error {
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
            | ErrorCode::NOT_ENOUGH_REPLICAS
            | ErrorCode::REQUEST_TIMED_OUT => ErrorCode::COORDINATOR_NOT_AVAILABLE,
            ErrorCode::NOT_LEADER_OR_FOLLOWER => ErrorCode::NOT_COORDINATOR,
            other => other,
        };
        self.answer_parked_syncs(error, &mut out);
        let reason = RebalanceReason::AssignmentNotStored { error };
        self.maybe_prepare_rebalance_or_complete_join(now, reason, &mut out);
        out
    }

    /// Every member's assignment is dropped and each parked SyncGroup is answered with `error`
    /// and an empty assignment (Kafka: `resetAndPropagateAssignmentWithError`).
    pub(super) fn answer_parked_syncs(&mut self, error: ErrorCode, out: &mut Vec<GroupAction>) {
        for m in self.members.values_mut() {
            m.assignment.clear();
            if let Some(w) = m.awaiting_sync.take() {
                Self::reply(
                    &w,
                    Message::SyncGroupResponse {
                        correlation_id: 0,
                        error,
                        assignment: Vec::new(),
                    },
                    out,
                );
            }
        }
    }

    /// The sync timer fired: members that never sent SyncGroup are removed and the group
    /// rebalances (`expirePendingSync`).
    pub fn on_sync_timer(&mut self, now: SimTime) -> Vec<GroupAction> {
        let mut out = Vec::new();
        if !matches!(
            self.state,
            GroupState::CompletingRebalance | GroupState::Stable
        ) || self.pending_sync.is_empty()
        {
            return out;
        }
        let late: Vec<Rc<str>> = self.pending_sync.iter().cloned().collect();
        for id in late {
            self.remove_member_quietly(&id, RemoveReason::SyncTimeout, &mut out);
        }
        self.pending_sync.clear();
        self.prepare_rebalance(now, RebalanceReason::SyncTimeout, &mut out);
        out
    }
}
