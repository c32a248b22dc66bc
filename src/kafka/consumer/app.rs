//! The application around the consumer: the `while (true) { records = poll(); process(records);
//! maybe commit }` loop every Kafka tutorial shows, with a processing time per record.
//!
//! Where the commit sits relative to processing decides the delivery guarantee, and that is
//! what the lessons show: commit after processing (at-least-once: a crash between processing
//! and commit processes records twice), commit before processing (at-most-once: a crash after
//! the commit loses the records), auto-commit from inside `poll()` (at-least-once, because
//! `poll()` commits only what earlier polls returned and the loop processed them in between),
//! and auto-commit with processing handed to a worker thread (the commit can run ahead of the
//! worker: records can be lost).

use super::offsets::CommitPurpose;
use super::{Consumer, FetchedRecord};
use crate::kafka::commands::CommandError;
use crate::kafka::event::{Event, LeaveReason, PositionReason};
use crate::kafka::timer::Timer;
use crate::kafka::types::TopicPartition;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// When the application commits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// Rely on `enable.auto.commit` (commits happen inside `poll()`).
    #[default]
    Auto,
    /// `commitSync()` after processing each batch (at-least-once).
    SyncAfterProcessing,
    /// `commitAsync()` after processing each batch.
    AsyncAfterProcessing,
    /// `commitSync()` right after `poll()`, before processing (at-most-once).
    SyncBeforeProcessing,
}

impl CommitMode {
    pub fn name(self) -> &'static str {
        match self {
            CommitMode::Auto => "auto",
            CommitMode::SyncAfterProcessing => "sync after processing",
            CommitMode::AsyncAfterProcessing => "async after processing",
            CommitMode::SyncBeforeProcessing => "sync before processing",
        }
    }
}

/// Who processes the records `poll()` returned.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Handoff {
    /// The poll loop processes them itself before polling again.
    #[default]
    Inline,
    /// A worker thread processes them; the loop polls again at once.
    Worker,
}

/// How the application behaves; lessons and the UI set it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSpec {
    /// Processing time per record, in simulated ms.
    pub processing_ms_per_record: u64,
    pub commit: CommitMode,
    pub handoff: Handoff,
    /// The timeout passed to `poll(Duration)`.
    pub poll_timeout_ms: u64,
    /// A `ConsumerRebalanceListener` whose `onPartitionsRevoked` commits the positions of the
    /// partitions being taken away (what Kafka's docs recommend, needed with cooperative
    /// rebalancing, where records consumed during the rebalance are otherwise re-read).
    pub commit_on_revoke: bool,
    /// The `commitAsync` callback re-sends a commit that failed (a common mistake: a retried
    /// old commit can land after a newer one and move the committed offset back).
    pub retry_failed_async_commits: bool,
}

impl Default for AppSpec {
    fn default() -> AppSpec {
        AppSpec {
            processing_ms_per_record: 1,
            commit: CommitMode::Auto,
            handoff: Handoff::Inline,
            poll_timeout_ms: 1000,
            commit_on_revoke: false,
            retry_failed_async_commits: false,
        }
    }
}

/// Where the loop is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AppState {
    /// Between loop iterations: the next `poll()` is scheduled.
    Idle,
    /// Inside `poll()`, blocked until records arrive or the timeout passes.
    Polling { until: SimTime },
    /// Processing what the last `poll()` returned.
    Processing { until: SimTime },
    /// Waiting for its `commitSync()` to return.
    Committing,
    /// `close()`: committing, then leaving the group.
    Closing,
    /// Stopped (closed, crashed, or `auto.offset.reset=none` with no offset).
    Stopped,
}

impl AppState {
    pub fn name(self) -> &'static str {
        match self {
            AppState::Idle => "idle",
            AppState::Polling { .. } => "in poll()",
            AppState::Processing { .. } => "processing",
            AppState::Committing => "in commitSync()",
            AppState::Closing => "closing",
            AppState::Stopped => "stopped",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConsumerApp {
    pub spec: AppSpec,
    pub state: AppState,
    /// When `poll()` was last called (`max.poll.interval.ms` counts from here).
    pub last_poll_at: SimTime,
    /// Records the loop holds: being processed (inline) or returned and waiting for the commit
    /// that precedes processing.
    pub in_hand: Vec<FetchedRecord>,
    /// Records handed to the worker thread, oldest first.
    pub worker_queue: VecDeque<FetchedRecord>,
    /// The worker is processing its queue's first record.
    pub worker_busy: bool,
    /// The user paused the application (a debugger, a GC pause): no polls, no processing.
    pub paused: bool,
    /// When a blocked `poll()` is next woken (its `Timer::Poll`).
    pub poll_wake: SimTime,
    /// Part of a consume-transform-produce pipeline: processed records go to `outbox` for
    /// the transactional producer instead of being committed.
    pub forward: bool,
    pub outbox: Vec<FetchedRecord>,
}

impl ConsumerApp {
    pub fn new(spec: AppSpec) -> ConsumerApp {
        ConsumerApp {
            spec,
            state: AppState::Idle,
            last_poll_at: SimTime::ZERO,
            in_hand: Vec::new(),
            worker_queue: VecDeque::new(),
            worker_busy: false,
            paused: false,
            poll_wake: SimTime::ZERO,
            forward: false,
            outbox: Vec::new(),
        }
    }

    /// The loop is away from `poll()` (processing, committing, or paused).
    pub fn is_busy(&self) -> bool {
        self.paused
            || matches!(
                self.state,
                AppState::Processing { .. } | AppState::Committing | AppState::Idle
            )
    }
}

fn records_for_event(
    records: &[FetchedRecord],
) -> Vec<(TopicPartition, i64, crate::kafka::record::RecordId)> {
    records
        .iter()
        .map(|r| (r.partition, r.offset, r.id))
        .collect()
}

impl Consumer {
    /// `Timer::Poll`: the loop wakes (a scheduled poll, a poll timeout, or processing done).
    pub(super) fn app_wake(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.closed || !self.process.is_running() || self.app.paused {
            return;
        }
        match self.app.state {
            AppState::Idle => self.poll(ctx),
            // The poll timed out with nothing (the loop polls again), or an auto-commit is due
            // inside the blocked poll() (Kafka bounds the wait by `timeToNextPoll`).
            AppState::Polling { .. } => self.poll(ctx),
            AppState::Processing { until } => {
                if ctx.now >= until {
                    self.processing_done(ctx);
                }
            }
            AppState::Committing | AppState::Closing | AppState::Stopped => {}
        }
    }

    /// The fetcher put records in the buffer: a blocked `poll()` returns them now.
    pub(super) fn records_arrived(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if matches!(self.app.state, AppState::Polling { .. }) && !self.app.paused {
            self.poll(ctx);
        }
    }

    /// One call of `KafkaConsumer.poll(timeout)`.
    fn poll(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let first_call = !matches!(self.app.state, AppState::Polling { .. });
        self.app.last_poll_at = ctx.now;
        if first_call {
            self.stats.polls += 1;
        }
        // Inside poll(): the coordinator's work first (auto-commit, joining), then records.
        self.maybe_auto_commit(ctx);
        self.ensure_group(ctx);
        self.run_fetcher(ctx);
        let records = self.take_records();
        if records.is_empty() {
            let until = match self.app.state {
                AppState::Polling { until } if !first_call => until,
                _ => ctx
                    .now
                    .plus(SimDuration::from_ms(self.app.spec.poll_timeout_ms)),
            };
            // Past the timeout empty-handed, the loop calls poll() again.
            let until = if ctx.now >= until {
                ctx.now
                    .plus(SimDuration::from_ms(self.app.spec.poll_timeout_ms))
            } else {
                until
            };
            self.app.state = AppState::Polling { until };
            self.arm_poll_wake(ctx, first_call);
            return;
        }
        self.stats.records_polled += records.len() as u64;
        self.stats.remember_polled(&records);
        ctx.emit(Event::RecordsPolled {
            consumer: self.id,
            group: self.group_id().map(str::to_string),
            records: records_for_event(&records),
        });
        // The fetcher may fetch the drained partitions again.
        self.run_fetcher(ctx);
        match self.app.spec.handoff {
            Handoff::Worker => {
                self.app.worker_queue.extend(records);
                self.start_worker(ctx);
                self.app.state = AppState::Idle;
                ctx.set_timer(self.node(), Timer::Poll, SimDuration::ZERO);
            }
            Handoff::Inline => {
                self.app.in_hand = records;
                if self.app.spec.commit == CommitMode::SyncBeforeProcessing {
                    self.app_commit(ctx, true);
                } else {
                    self.start_processing(ctx);
                }
            }
        }
    }

    /// A blocked `poll()` wakes at its timeout, or earlier when an auto-commit falls due
    /// (`ConsumerCoordinator.timeToNextPoll`).
    pub(super) fn arm_poll_wake(&mut self, ctx: &mut Ctx<'_, Cluster>, fresh: bool) {
        let AppState::Polling { until } = self.app.state else {
            return;
        };
        let auto_commit = self
            .group
            .as_ref()
            .filter(|_| self.config.enable_auto_commit)
            .map(|g| g.next_auto_commit)
            .filter(|at| *at > ctx.now);
        let wake = auto_commit.map_or(until, |at| at.min(until));
        // The armed wake is still right unless this poll() just started or the time moved.
        if fresh || wake != self.app.poll_wake {
            self.app.poll_wake = wake;
            ctx.set_timer(self.node(), Timer::Poll, wake.since(ctx.now));
        }
    }

    /// Up to `max.poll.records` buffered records of owned, unpaused partitions, and the
    /// positions move past them (what `poll()` returns is "consumed").
    fn take_records(&mut self) -> Vec<FetchedRecord> {
        let mut out = Vec::new();
        // Eager: from onJoinPrepare on, every partition is pending revocation, not fetchable.
        if self.group.as_ref().is_some_and(|g| {
            g.protocol == crate::kafka::assignor::RebalanceProtocol::Eager
                && g.state == super::MemberState::PreparingRebalance
        }) {
            return out;
        }
        let max = self.config.max_poll_records as usize;
        let partitions: Vec<TopicPartition> = self.buffer.keys().cloned().collect();
        for tp in partitions {
            if out.len() >= max {
                break;
            }
            let Some(state) = self.positions.get_mut(&tp) else {
                self.buffer.remove(&tp);
                continue;
            };
            if state.paused {
                continue;
            }
            let queue = self.buffer.get_mut(&tp).expect("listed");
            while out.len() < max {
                let Some(record) = queue.pop_front() else {
                    break;
                };
                if state.position.is_some_and(|p| record.offset < p) {
                    continue;
                }
                state.position = Some(record.offset + 1);
                state.position_epoch = Some(record.leader_epoch);
                out.push(record);
            }
            if queue.is_empty() {
                self.buffer.remove(&tp);
                if let Some((from, to)) = state.skip_after_buffer.take() {
                    if state.position == Some(from) {
                        state.position = Some(to);
                    }
                }
            }
        }
        out
    }

    fn start_processing(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let work = self.app.spec.processing_ms_per_record * self.app.in_hand.len() as u64;
        let until = ctx.now.plus(SimDuration::from_ms(work));
        self.app.state = AppState::Processing { until };
        ctx.set_timer(self.node(), Timer::Poll, SimDuration::from_ms(work));
    }

    fn processing_done(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let records = std::mem::take(&mut self.app.in_hand);
        self.mark_processed(ctx, &records);
        if self.app.forward {
            return self.hand_to_pipeline(records);
        }
        match self.app.spec.commit {
            CommitMode::SyncAfterProcessing => self.app_commit(ctx, true),
            CommitMode::AsyncAfterProcessing => {
                self.app_commit(ctx, false);
                self.next_iteration(ctx);
            }
            CommitMode::Auto | CommitMode::SyncBeforeProcessing => self.next_iteration(ctx),
        }
    }

    fn mark_processed(&mut self, ctx: &mut Ctx<'_, Cluster>, records: &[FetchedRecord]) {
        if records.is_empty() {
            return;
        }
        self.stats.records_processed += records.len() as u64;
        ctx.emit(Event::RecordsProcessed {
            consumer: self.id,
            group: self.group_id().map(str::to_string),
            records: records_for_event(records),
        });
    }

    fn next_iteration(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.app.state = AppState::Idle;
        ctx.set_timer(self.node(), Timer::Poll, SimDuration::ZERO);
    }

    /// `commitSync()` / `commitAsync()` of the current positions.
    fn app_commit(&mut self, ctx: &mut Ctx<'_, Cluster>, sync: bool) {
        let offsets = self.positions_to_commit();
        if self.group.is_none() || offsets.is_empty() {
            if sync {
                return self.app_commit_returned(ctx);
            }
            return;
        }
        let purpose = if sync {
            CommitPurpose::AppSync
        } else {
            CommitPurpose::AppAsync
        };
        let deadline = ctx
            .now
            .plus(SimDuration::from_ms(self.config.default_api_timeout_ms));
        if sync {
            self.app.state = AppState::Committing;
        }
        self.send_commit(ctx, offsets, purpose, deadline);
    }

    /// The application's `commitSync()` returned (successfully or with an exception).
    pub(super) fn app_commit_returned(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.app.state != AppState::Committing {
            return;
        }
        if self.app.spec.commit == CommitMode::SyncBeforeProcessing && !self.app.in_hand.is_empty()
        {
            self.start_processing(ctx);
        } else {
            self.next_iteration(ctx);
        }
    }

    fn start_worker(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.app.worker_busy || self.app.worker_queue.is_empty() || self.app.paused {
            return;
        }
        self.app.worker_busy = true;
        ctx.set_timer(
            self.node(),
            Timer::WorkerTick,
            SimDuration::from_ms(self.app.spec.processing_ms_per_record),
        );
    }

    /// The worker finished one record.
    pub(super) fn worker_tick(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.app.worker_busy = false;
        if self.closed || !self.process.is_running() {
            return;
        }
        if let Some(record) = self.app.worker_queue.pop_front() {
            self.mark_processed(ctx, &[record]);
        }
        self.start_worker(ctx);
    }

    /// The user pauses or resumes the application (a long GC, a debugger breakpoint). The
    /// heartbeat thread keeps running, so only `max.poll.interval.ms` notices.
    pub fn set_app_paused(&mut self, ctx: &mut Ctx<'_, Cluster>, paused: bool) {
        if self.app.paused == paused {
            return;
        }
        self.app.paused = paused;
        if !paused && !self.closed {
            // Wake the loop where it stopped.
            ctx.set_timer(self.node(), Timer::Poll, SimDuration::ZERO);
            if matches!(self.app.state, AppState::Polling { .. }) {
                self.app.state = AppState::Idle;
            }
            self.start_worker(ctx);
        }
    }

    /// `consumer.close()`: commit (with auto-commit on), then leave the group.
    pub fn close(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.closed {
            return;
        }
        // Whatever the loop held is processed before close() (the finally block).
        let held = std::mem::take(&mut self.app.in_hand);
        self.mark_processed(ctx, &held);
        let worker: Vec<FetchedRecord> = self.app.worker_queue.drain(..).collect();
        self.mark_processed(ctx, &worker);
        self.app.state = AppState::Closing;
        ctx.cancel_timer(self.node(), Timer::Poll);
        let offsets = self.positions_to_commit();
        let in_group = self.group.is_some();
        if in_group && self.config.enable_auto_commit && !offsets.is_empty() {
            let deadline = ctx
                .now
                .plus(SimDuration::from_ms(self.config.default_api_timeout_ms));
            self.send_commit(ctx, offsets, CommitPurpose::Close, deadline);
        } else {
            self.finish_close(ctx);
        }
    }

    /// After the closing commit: leave the group and stop.
    pub(super) fn finish_close(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.app.state != AppState::Closing {
            return;
        }
        if self.is_subscribed() {
            self.leave_group(ctx, LeaveReason::Closing, true);
        }
        self.app.state = AppState::Stopped;
        self.closed = true;
        let partitions = self.assigned();
        self.drop_partitions(&partitions);
        ctx.cancel_timer(self.node(), Timer::GroupHeartbeat);
    }
}

impl Consumer {
    /// The user runs `commitSync()` from the console: commit the current positions now.
    pub fn commit_now(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let offsets = self.positions_to_commit();
        if offsets.is_empty() {
            ctx.emit(Event::NothingToCommit { consumer: self.id });
            return;
        }
        let deadline = ctx
            .now
            .plus(SimDuration::from_ms(self.config.default_api_timeout_ms));
        self.send_commit(ctx, offsets, CommitPurpose::AppAsync, deadline);
    }

    /// `consumer.seek(...)`, `seekToBeginning(...)`, `seekToEnd(...)` on an owned partition.
    pub fn seek(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        to: crate::kafka::command::SeekTarget,
    ) -> Result<(), CommandError> {
        use crate::kafka::command::SeekTarget;
        let Some(state) = self.positions.get_mut(tp) else {
            return Err(CommandError::NoCurrentAssignment {
                consumer: crate::kafka::types::NodeId::Consumer(self.id),
                partition: *tp,
                owned: self.positions.keys().cloned().collect(),
            });
        };
        match to {
            SeekTarget::Offset(o) if o < 0 => return Err(CommandError::NegativeSeekOffset(o)),
            SeekTarget::Offset(o) => {
                state.position = Some(o);
                state.position_epoch = None;
                state.fetch_state = super::FetchState::Fetching;
            }
            SeekTarget::Beginning | SeekTarget::End => {
                state.position = None;
                state.forced_reset = Some(matches!(to, SeekTarget::Beginning));
                state.fetch_state = super::FetchState::AwaitReset;
            }
        }
        self.buffer.remove(tp);
        let (offset, reason) = match to {
            SeekTarget::Beginning => (-1, PositionReason::SeekToBeginning),
            SeekTarget::End => (-1, PositionReason::SeekToEnd),
            SeekTarget::Offset(o) => (o, PositionReason::Seek),
        };
        ctx.emit(Event::PositionReset {
            consumer: self.id,
            partition: *tp,
            offset,
            reason,
        });
        self.run_fetcher(ctx);
        Ok(())
    }
}
