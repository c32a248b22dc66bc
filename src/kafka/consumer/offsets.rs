//! The consumer's committed offsets (Kafka's `ConsumerCoordinator`): OffsetCommit for
//! auto-commit, `commitSync()`/`commitAsync()`, the commit before an eager rebalance and the one
//! at `close()`; what a failed commit means for the membership; and OffsetFetch of the committed
//! positions a newly assigned partition starts from.

use super::coordinator::MemberState;
use super::{Consumer, FetchState};
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{ConsumerError, Event, JoinReason, PositionReason};
use crate::kafka::protocol::Message;
use crate::kafka::types::TopicPartition;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration, SimTime};
use std::rc::Rc;

/// Why an OffsetCommit was sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CommitPurpose {
    /// `enable.auto.commit`, from inside `poll()` (async).
    Auto,
    /// Before an eager rebalance (sync, then JoinGroup).
    JoinPrepare,
    /// The application's `commitSync()`: it waits.
    AppSync,
    /// The application's `commitAsync()`.
    AppAsync,
    /// `close()` commits, then leaves.
    Close,
    /// The application's commit callback re-sending a failed `commitAsync()` (the hazard:
    /// it may land after a newer commit and move the committed offset back).
    AppAsyncRetry,
}

impl CommitPurpose {
    pub fn is_sync(self) -> bool {
        !matches!(
            self,
            CommitPurpose::Auto | CommitPurpose::AppAsync | CommitPurpose::AppAsyncRetry
        )
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct CommitInFlight {
    pub offsets: Vec<(TopicPartition, i64, i32)>,
    pub purpose: CommitPurpose,
    /// A sync commit gives up after `default.api.timeout.ms`.
    pub deadline: SimTime,
}

impl Consumer {
    /// Send an OffsetCommit of `offsets` for a purpose.
    pub(super) fn send_commit(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        offsets: Vec<(TopicPartition, i64, i32)>,
        purpose: CommitPurpose,
        deadline: SimTime,
    ) {
        let Some(group) = &self.group else {
            return;
        };
        let commit = CommitInFlight {
            offsets,
            purpose,
            deadline,
        };
        if let Some(error) = self.local_commit_failure(purpose) {
            return self.commit_done(ctx, commit, error);
        }
        let Some(to) = self.group_node() else {
            if purpose.is_sync() {
                self.group.as_mut().expect("checked").retry_commit = Some(commit);
                self.find_coordinator(ctx);
            } else {
                self.commit_done(ctx, commit, ErrorCode::COORDINATOR_NOT_AVAILABLE);
            }
            return;
        };
        let (member_id, instance, generation) = if self.is_subscribed() {
            let instance = group.instance_id.as_deref().map(Rc::from);
            (group.member_id.clone(), instance, group.generation)
        } else {
            // A standalone consumer (assign) commits with no member id and generation -1.
            (String::new(), None, -1)
        };
        let group_id: Rc<str> = Rc::from(group.group_id.as_str());
        let offsets = commit.offsets.clone();
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            to,
            Some(self.config.request_timeout_ms),
            |correlation_id| Message::OffsetCommit {
                correlation_id,
                group_id,
                member_id: Rc::from(member_id.as_str()),
                group_instance_id: instance,
                generation,
                offsets,
            },
        );
        self.group
            .as_mut()
            .expect("checked")
            .commits_in_flight
            .insert(correlation_id, commit);
        self.stats.commits += 1;
    }

    /// A member that is not Stable fails its commit itself (`ConsumerCoordinator.
    /// sendOffsetCommitRequest` with `generationIfStable()` null): `RebalanceInProgressException`
    /// while a rebalance is under way, `CommitFailedException` when it is out of the group.
    fn local_commit_failure(&self, purpose: CommitPurpose) -> Option<ErrorCode> {
        let group = self.group.as_ref()?;
        if !self.is_subscribed() || purpose == CommitPurpose::JoinPrepare {
            // Kafka commits in `onJoinPrepare` before it leaves STABLE; our member is already
            // marked PreparingRebalance by then.
            return None;
        }
        match group.state {
            MemberState::Stable => None,
            MemberState::PreparingRebalance | MemberState::Joining | MemberState::Syncing => {
                Some(ErrorCode::REBALANCE_IN_PROGRESS)
            }
            MemberState::Unjoined | MemberState::Failed => Some(ErrorCode::ILLEGAL_GENERATION),
        }
    }

    /// Positions of every owned partition with a valid position, with the epoch of the last
    /// consumed record (`SubscriptionState.allConsumed`): changed or not, every one is
    /// committed, so auto-commit sends an OffsetCommit every interval even when idle.
    pub(super) fn positions_to_commit(&self) -> Vec<(TopicPartition, i64, i32)> {
        self.positions
            .iter()
            .filter(|(_, s)| s.fetch_state == FetchState::Fetching)
            .filter_map(|(tp, s)| {
                let position = s.position?;
                Some((*tp, position, s.position_epoch.unwrap_or(-1)))
            })
            .collect()
    }

    /// Auto-commit, checked inside `poll()` (`maybeAutoCommitOffsetsAsync`).
    pub(super) fn maybe_auto_commit(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.config.enable_auto_commit {
            return;
        }
        let interval = SimDuration::from_ms(self.config.auto_commit_interval_ms);
        let Some(group) = &self.group else {
            return;
        };
        if ctx.now < group.next_auto_commit {
            return;
        }
        if self.is_subscribed() && group.state != MemberState::Stable {
            return;
        }
        self.group.as_mut().expect("checked").next_auto_commit = ctx.now.plus(interval);
        let offsets = self.positions_to_commit();
        if !offsets.is_empty() {
            let now = ctx.now;
            self.send_commit(ctx, offsets, CommitPurpose::Auto, now);
        }
    }

    /// Ask the coordinator for committed offsets of partitions waiting for them.
    pub(super) fn fetch_committed(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let Some(group) = &self.group else {
            return;
        };
        if group.offset_fetch_in_flight.is_some() {
            return;
        }
        if self.is_subscribed() && group.state != MemberState::Stable {
            return;
        }
        let waiting: Vec<TopicPartition> = self
            .positions
            .iter()
            .filter(|(_, s)| s.fetch_state == FetchState::AwaitCommitted)
            .map(|(tp, _)| *tp)
            .collect();
        if waiting.is_empty() {
            return;
        }
        let Some(to) = self.group_node() else {
            return;
        };
        let group_id: Rc<str> = Rc::from(group.group_id.as_str());
        let correlation_id = self.net.send(
            ctx,
            self.node(),
            to,
            Some(self.config.request_timeout_ms),
            |correlation_id| Message::OffsetFetch {
                correlation_id,
                group_id,
                partitions: waiting,
            },
        );
        self.group.as_mut().expect("checked").offset_fetch_in_flight = Some(correlation_id);
    }

    /// An OffsetCommit came back (or gave up).
    pub(super) fn commit_done(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        commit: CommitInFlight,
        error: ErrorCode,
    ) {
        let group_id = self.group_id().unwrap_or_default().to_string();
        // Retriable errors of a sync commit are retried until its deadline.
        if error.is_retriable() && commit.purpose.is_sync() && ctx.now < commit.deadline {
            if matches!(
                error,
                ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE
            ) {
                self.group.as_mut().expect("a group member").retry_commit = Some(commit);
                return self.coordinator_lost(ctx);
            }
            return self.send_commit(ctx, commit.offsets, commit.purpose, commit.deadline);
        }
        ctx.emit(Event::OffsetsCommitted {
            consumer: self.id,
            group: group_id.clone(),
            offsets: commit.offsets.iter().map(|(tp, o, _)| (*tp, *o)).collect(),
            error,
            sync: commit.purpose.is_sync(),
        });
        if error.is_error() {
            self.stats.commit_failures += 1;
            if matches!(
                error,
                ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION
            ) && commit.purpose == CommitPurpose::AppSync
            {
                ctx.emit(Event::ConsumerError {
                    consumer: self.id,
                    error: ConsumerError::CommitFailed { error },
                });
            }
            self.commit_failed(ctx, error);
        } else {
            for (tp, offset, _) in &commit.offsets {
                if let Some(state) = self.positions.get_mut(tp) {
                    state.committed = Some(*offset);
                }
            }
        }
        self.after_commit(ctx, commit, error);
    }

    /// What the commit's purpose does next: the eager rebalance's JoinGroup, the auto-commit's
    /// retry, the application's wait ending, `close()` going on, or the commit callback's retry.
    fn after_commit(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        commit: CommitInFlight,
        error: ErrorCode,
    ) {
        match commit.purpose {
            CommitPurpose::JoinPrepare => {
                if self
                    .group
                    .as_ref()
                    .is_some_and(|g| g.state == MemberState::PreparingRebalance)
                {
                    self.finish_join_prepare(ctx);
                }
            }
            CommitPurpose::Auto if error.is_retriable() => {
                // `RetriableCommitFailedException`: the next auto-commit comes after
                // `retry.backoff.ms`, not a whole interval (`autoCommitOffsetsAsync`).
                let retry = ctx
                    .now
                    .plus(SimDuration::from_ms(self.config.retry_backoff_ms));
                self.group
                    .as_mut()
                    .expect("a group member")
                    .next_auto_commit = retry;
                self.arm_poll_wake(ctx, false);
            }
            CommitPurpose::AppSync => self.app_commit_returned(ctx),
            CommitPurpose::Close => self.finish_close(ctx),
            CommitPurpose::AppAsync
                if error.is_error() && self.app.spec.retry_failed_async_commits =>
            {
                // The callback retries the same (by now possibly stale) offsets.
                ctx.emit(Event::AsyncCommitRetried {
                    consumer: self.id,
                    offsets: commit.offsets.iter().map(|(tp, o, _)| (*tp, *o)).collect(),
                    error,
                });
                let deadline = ctx.now;
                self.send_commit(ctx, commit.offsets, CommitPurpose::AppAsyncRetry, deadline);
            }
            CommitPurpose::Auto | CommitPurpose::AppAsync | CommitPurpose::AppAsyncRetry => {}
        }
    }

    /// What a failed commit means for the membership (`OffsetCommitResponseHandler`).
    fn commit_failed(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) {
        match error {
            ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION
                if self.group.as_ref().is_some_and(|g| g.generation >= 0) =>
            {
                self.lose_partitions(ctx, error);
            }
            ErrorCode::REBALANCE_IN_PROGRESS => {
                // Kafka requests a rejoin; a rebalance already under way clears that request
                // when its SyncGroup succeeds, so only a Stable member rejoins.
                let group = self.group.as_mut().expect("a group member");
                if group.state == MemberState::Stable {
                    group.rejoin_needed = true;
                    group.rejoin_reason = JoinReason::CommitFoundRebalance;
                }
            }
            ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => {
                self.coordinator_lost(ctx)
            }
            ErrorCode::FENCED_INSTANCE_ID => self.instance_fenced(ctx),
            _ => {}
        }
    }

    /// The committed offsets came back: each partition waiting for one starts there, or
    /// from `auto.offset.reset` when the group has none (`ConsumerCoordinator.refreshCommittedOffsets`).
    pub(super) fn offsets_fetched(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        error: ErrorCode,
        offsets: Vec<(TopicPartition, i64, i32)>,
    ) {
        self.group.as_mut().expect("checked").offset_fetch_in_flight = None;
        if matches!(
            error,
            ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE
        ) {
            return self.coordinator_lost(ctx);
        }
        for (tp, offset, epoch) in offsets {
            let current = self.metadata.leader_epoch(&tp);
            let Some(state) = self.positions.get_mut(&tp) else {
                continue;
            };
            if state.fetch_state != FetchState::AwaitCommitted {
                continue;
            }
            if offset >= 0 {
                state.position = Some(offset);
                state.committed = Some(offset);
                state.position_epoch = (epoch >= 0).then_some(epoch);
                state.leader_epoch_seen = current;
                state.fetch_state = FetchState::Fetching;
                ctx.emit(Event::PositionReset {
                    consumer: self.id,
                    partition: tp,
                    offset,
                    reason: PositionReason::Committed,
                });
            } else {
                state.fetch_state = FetchState::AwaitReset;
            }
        }
        self.run_fetcher(ctx);
    }
}
