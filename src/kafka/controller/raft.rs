//! The controller quorum's Raft, shaped like KRaft (`KafkaRaftClient`): votes with epochs and
//! log comparison, a leader announced by `BeginQuorumEpoch`, followers that pull the log with
//! `Fetch` (here `QuorumFetch`), a high watermark that needs a majority and an entry of the
//! leader's own epoch, and a leader that resigns when a majority stops fetching ("check quorum").
//! A 3-controller quorum survives one failure, a 5-controller quorum two.

use super::Controller;
use crate::kafka::event::Event;
use crate::kafka::metadata::{MetadataImage, MetadataRecord};
use crate::kafka::protocol::{EpochEndOffset, Message};
use crate::kafka::timer::Timer;
use crate::kafka::types::NodeId;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::{BTreeMap, BTreeSet};

/// Most records one QuorumFetch response carries.
const MAX_RECORDS_PER_FETCH: i64 = 200;
/// How long the leader holds a follower's fetch when there is nothing new (`fetch.max.wait.ms`).
const FETCH_MAX_WAIT_MS: u64 = 500;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct LogEntry {
    pub epoch: i32,
    pub record: MetadataRecord,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum RaftRole {
    /// Knows no leader for the current epoch.
    Unattached,
    Follower {
        leader: u32,
    },
    Candidate {
        votes: BTreeSet<u32>,
    },
    Leader {
        /// Each follower's log end offset, from its last fetch.
        end_offsets: BTreeMap<u32, i64>,
        last_fetch_ms: BTreeMap<u32, i64>,
    },
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Raft {
    pub id: u32,
    pub voters: Vec<u32>,
    /// The quorum epoch (Raft's term). On disk.
    pub epoch: i32,
    /// On disk, so a restarted controller never votes twice in one epoch.
    pub voted_for: Option<u32>,
    pub role: RaftRole,
    /// The `__cluster_metadata` log; an entry's offset is its index. On disk.
    pub log: Vec<LogEntry>,
    /// Entries below this offset are committed.
    pub high_watermark: i64,
    /// Leader only: followers' fetches waiting for new entries, with their fetch offsets.
    pub parked_fetches: BTreeMap<u32, i64>,
    /// Follower only: a QuorumFetch is out.
    pub fetch_in_flight: bool,
}

impl Raft {
    pub fn new(id: u32, voters: Vec<u32>) -> Raft {
        Raft {
            id,
            voters,
            epoch: 0,
            voted_for: None,
            role: RaftRole::Unattached,
            log: Vec::new(),
            high_watermark: 0,
            parked_fetches: BTreeMap::new(),
            fetch_in_flight: false,
        }
    }

    pub fn boot(&mut self, entries: Vec<(i32, MetadataRecord)>, epoch: i32, leader: u32) {
        self.log = entries
            .into_iter()
            .map(|(epoch, record)| LogEntry { epoch, record })
            .collect();
        self.high_watermark = self.end_offset();
        self.epoch = epoch;
        self.voted_for = Some(leader);
        self.role = if leader == self.id {
            let others = self.others();
            RaftRole::Leader {
                end_offsets: others.iter().map(|v| (*v, self.end_offset())).collect(),
                last_fetch_ms: others.iter().map(|v| (*v, 0)).collect(),
            }
        } else {
            RaftRole::Follower { leader }
        };
    }

    pub fn end_offset(&self) -> i64 {
        self.log.len() as i64
    }
    pub fn last_epoch(&self) -> i32 {
        self.log.last().map_or(0, |e| e.epoch)
    }
    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }
    pub fn others(&self) -> Vec<u32> {
        self.voters
            .iter()
            .copied()
            .filter(|v| *v != self.id)
            .collect()
    }
    pub fn leader(&self) -> Option<u32> {
        match self.role {
            RaftRole::Leader { .. } => Some(self.id),
            RaftRole::Follower { leader } => Some(leader),
            _ => None,
        }
    }

    /// `(largest epoch <= requested, where the next epoch starts)`, like the epoch cache.
    fn end_offset_for_epoch(&self, requested: i32) -> (i32, i64) {
        match self.log.iter().rposition(|e| e.epoch <= requested) {
            None => (-1, -1),
            Some(i) => {
                let epoch = self.log[i].epoch;
                (epoch, i as i64 + 1)
            }
        }
    }

    /// What is in memory only is lost on a crash.
    pub fn forget_volatile(&mut self) {
        self.role = RaftRole::Unattached;
        self.parked_fetches.clear();
        self.fetch_in_flight = false;
    }
}

impl Controller {
    pub(super) fn arm_election_timer(&mut self, ctx: &mut Ctx<'_, Cluster>, base: SimDuration) {
        ctx.set_timer(self.node(), Timer::ElectionTimeout, base);
    }

    fn randomized_election_timeout(&self, ctx: &mut Ctx<'_, Cluster>) -> SimDuration {
        let timeout = self.config.ms("controller.quorum.election.timeout.ms");
        SimDuration::from_ms(timeout + ctx.prng.below(timeout.max(1)))
    }

    /// No leader heard from: become a candidate for the next epoch and ask for votes.
    pub(super) fn start_election(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if matches!(self.raft.role, RaftRole::Leader { .. }) {
            return;
        }
        self.raft.epoch += 1;
        self.raft.voted_for = Some(self.id);
        self.raft.role = RaftRole::Candidate {
            votes: BTreeSet::from([self.id]),
        };
        ctx.emit(Event::ControllerVoteStarted {
            controller: self.id,
            epoch: self.raft.epoch,
        });
        if self.raft.majority() == 1 {
            return self.become_leader(ctx);
        }
        for voter in self.raft.others() {
            let vote = Message::Vote {
                epoch: self.raft.epoch,
                candidate: self.id,
                last_epoch: self.raft.last_epoch(),
                last_offset: self.raft.end_offset(),
            };
            ctx.send(self.node(), NodeId::Controller(voter), vote);
        }
        let timeout = self.randomized_election_timeout(ctx);
        self.arm_election_timer(ctx, timeout);
    }

    /// A higher epoch exists: follow it (leader unknown until someone announces it).
    fn observe_epoch(&mut self, ctx: &mut Ctx<'_, Cluster>, epoch: i32, leader: Option<u32>) {
        if epoch > self.raft.epoch {
            self.raft.epoch = epoch;
            self.raft.voted_for = None;
            self.raft.role = RaftRole::Unattached;
            self.resign_active(ctx);
        }
        if let Some(leader) = leader.filter(|l| *l != self.id) {
            if !matches!(self.raft.role, RaftRole::Follower { leader: l } if l == leader) {
                self.raft.role = RaftRole::Follower { leader };
                // A fetch still out to the previous leader will never count.
                self.raft.fetch_in_flight = false;
                self.resign_active(ctx);
                self.send_quorum_fetch(ctx);
            }
        }
        if !matches!(self.raft.role, RaftRole::Leader { .. }) {
            let timeout = self.fetch_timeout();
            self.arm_election_timer(ctx, timeout);
        }
    }

    fn resign_active(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if self.active.take().is_some() {
            for timer in [
                Timer::BrokerSessionCheck,
                Timer::PreferredLeaderCheck,
                Timer::UncleanElectionCheck,
            ] {
                ctx.cancel_timer(self.node(), timer);
            }
            // The image held uncommitted records; go back to what is committed.
            self.image = MetadataImage::empty();
            for offset in 0..self.raft.high_watermark {
                self.image
                    .apply(offset, &self.raft.log[offset as usize].record.clone());
            }
        }
        self.raft.parked_fetches.clear();
    }

    pub(super) fn handle_vote(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        epoch: i32,
        candidate: u32,
        last_epoch: i32,
        last_offset: i64,
    ) {
        if epoch > self.raft.epoch {
            self.observe_epoch(ctx, epoch, None);
        }
        let log_ok = (last_epoch, last_offset) >= (self.raft.last_epoch(), self.raft.end_offset());
        let can_vote = self.raft.voted_for.is_none_or(|v| v == candidate);
        let granted = epoch == self.raft.epoch
            && can_vote
            && log_ok
            && !matches!(self.raft.role, RaftRole::Leader { .. });
        if granted {
            self.raft.voted_for = Some(candidate);
            let timeout = self.randomized_election_timeout(ctx);
            self.arm_election_timer(ctx, timeout);
        }
        ctx.send(
            self.node(),
            from,
            Message::VoteResponse {
                epoch: self.raft.epoch,
                granted,
            },
        );
    }

    pub(super) fn handle_vote_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        epoch: i32,
        granted: bool,
    ) {
        if epoch > self.raft.epoch {
            return self.observe_epoch(ctx, epoch, None);
        }
        let NodeId::Controller(voter) = from else {
            return;
        };
        let majority = self.raft.majority();
        let won = match &mut self.raft.role {
            RaftRole::Candidate { votes } if granted && epoch == self.raft.epoch => {
                votes.insert(voter);
                votes.len() >= majority
            }
            _ => false,
        };
        if won {
            self.become_leader(ctx);
        }
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let others = self.raft.others();
        self.raft.role = RaftRole::Leader {
            end_offsets: others.iter().map(|v| (*v, -1)).collect(),
            last_fetch_ms: others
                .iter()
                .map(|v| (*v, ctx.now.as_ms() as i64))
                .collect(),
        };
        ctx.emit(Event::ControllerElected {
            controller: self.id,
            epoch: self.raft.epoch,
        });
        for voter in others {
            ctx.send(
                self.node(),
                NodeId::Controller(voter),
                Message::BeginQuorumEpoch {
                    epoch: self.raft.epoch,
                    leader: self.id,
                },
            );
        }
        // The new leader's log is authoritative: apply all of it.
        self.image = MetadataImage::empty();
        for (offset, entry) in self.raft.log.iter().enumerate() {
            self.image.apply(offset as i64, &entry.record);
        }
        let now = ctx.now.as_ms() as i64;
        let mut active = super::ActiveState::default();
        for b in self.image.brokers.keys() {
            // Every broker gets a fresh session: the old controller's view of them is gone.
            active.last_heartbeat_ms.insert(*b, now);
            active
                .pushed_offset
                .insert(*b, self.raft.high_watermark - 1);
        }
        self.active = Some(active);
        self.arm_leader_timers(ctx);
        // Raft commits the previous epochs' entries only with an entry of the new epoch.
        self.append(
            ctx,
            vec![MetadataRecord::LeaderChange {
                controller: self.id,
                epoch: self.raft.epoch,
            }],
        );
    }

    pub(super) fn handle_begin_quorum_epoch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        epoch: i32,
        leader: u32,
    ) {
        if epoch >= self.raft.epoch {
            self.observe_epoch(ctx, epoch, Some(leader));
        }
    }

    pub(super) fn send_quorum_fetch(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let RaftRole::Follower { leader } = self.raft.role else {
            return;
        };
        if self.raft.fetch_in_flight {
            return;
        }
        self.raft.fetch_in_flight = true;
        let fetch = Message::QuorumFetch {
            epoch: self.raft.epoch,
            replica: self.id,
            fetch_offset: self.raft.end_offset(),
            last_fetched_epoch: self.raft.last_epoch(),
        };
        ctx.send(self.node(), NodeId::Controller(leader), fetch);
        // If neither the response nor the leader comes back, fetch again (the election timer
        // decides when to give up on the leader).
        ctx.set_timer(
            self.node(),
            Timer::QuorumFetch,
            SimDuration::from_ms(FETCH_MAX_WAIT_MS * 2),
        );
    }

    /// Leader side of a follower's fetch: note its progress, maybe commit, answer or park.
    pub(super) fn handle_quorum_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        epoch: i32,
        replica: u32,
        fetch_offset: i64,
        last_fetched_epoch: i32,
    ) {
        let from = NodeId::Controller(replica);
        if epoch > self.raft.epoch {
            self.observe_epoch(ctx, epoch, None);
        }
        if !matches!(self.raft.role, RaftRole::Leader { .. }) {
            let response = Message::QuorumFetchResponse {
                epoch: self.raft.epoch,
                leader: self.raft.leader(),
                high_watermark: -1,
                diverging: None,
                records: vec![],
            };
            return ctx.send(self.node(), from, response);
        }
        if epoch < self.raft.epoch {
            let response = Message::QuorumFetchResponse {
                epoch: self.raft.epoch,
                leader: Some(self.id),
                high_watermark: -1,
                diverging: None,
                records: vec![],
            };
            return ctx.send(self.node(), from, response);
        }
        let (epoch_found, end) = self.raft.end_offset_for_epoch(last_fetched_epoch);
        let now_ms = ctx.now.as_ms() as i64;
        if let RaftRole::Leader { last_fetch_ms, .. } = &mut self.raft.role {
            last_fetch_ms.insert(replica, now_ms);
        }
        if fetch_offset > 0 && (epoch_found < last_fetched_epoch || end < fetch_offset) {
            let diverging = Some(EpochEndOffset {
                epoch: epoch_found,
                end_offset: end.max(0),
            });
            let response = Message::QuorumFetchResponse {
                epoch: self.raft.epoch,
                leader: Some(self.id),
                high_watermark: self.raft.high_watermark,
                diverging,
                records: vec![],
            };
            return ctx.send(self.node(), from, response);
        }
        if let RaftRole::Leader { end_offsets, .. } = &mut self.raft.role {
            end_offsets.insert(replica, fetch_offset);
        }
        self.maybe_advance_high_watermark(ctx);
        if fetch_offset < self.raft.end_offset() {
            self.answer_fetch(ctx, replica, fetch_offset);
        } else {
            self.raft.parked_fetches.insert(replica, fetch_offset);
            ctx.set_timer(
                self.node(),
                Timer::QuorumFetchExpiry { replica },
                SimDuration::from_ms(FETCH_MAX_WAIT_MS),
            );
        }
    }

    fn answer_fetch(&mut self, ctx: &mut Ctx<'_, Cluster>, replica: u32, fetch_offset: i64) {
        let end = self
            .raft
            .end_offset()
            .min(fetch_offset + MAX_RECORDS_PER_FETCH);
        let records = (fetch_offset..end).map(|o| {
            let entry = &self.raft.log[o as usize];
            (entry.epoch, entry.record.clone())
        });
        let response = Message::QuorumFetchResponse {
            epoch: self.raft.epoch,
            leader: Some(self.id),
            high_watermark: self.raft.high_watermark,
            diverging: None,
            records: records.collect(),
        };
        ctx.send(self.node(), NodeId::Controller(replica), response);
    }

    /// New entries were appended: answer the followers waiting for them.
    pub(super) fn answer_parked_fetches(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        for (replica, offset) in std::mem::take(&mut self.raft.parked_fetches) {
            ctx.cancel_timer(self.node(), Timer::QuorumFetchExpiry { replica });
            self.answer_fetch(ctx, replica, offset);
        }
    }

    pub(super) fn expire_parked_fetch(&mut self, ctx: &mut Ctx<'_, Cluster>, replica: u32) {
        if let Some(offset) = self.raft.parked_fetches.remove(&replica) {
            self.answer_fetch(ctx, replica, offset);
        }
    }

    /// Commit what a majority has, if the newest such entry belongs to this leader's epoch.
    pub(super) fn maybe_advance_high_watermark(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let RaftRole::Leader { end_offsets, .. } = &self.raft.role else {
            return;
        };
        let mut ends: Vec<i64> = end_offsets.values().copied().collect();
        ends.push(self.raft.end_offset());
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let candidate = ends[self.raft.majority() - 1];
        let own_epoch =
            candidate > 0 && self.raft.log[(candidate - 1) as usize].epoch == self.raft.epoch;
        if candidate > self.raft.high_watermark && own_epoch {
            let from = self.raft.high_watermark;
            self.raft.high_watermark = candidate;
            self.on_commit(ctx, from, candidate);
        }
    }

    pub(super) fn handle_quorum_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        epoch: i32,
        leader: Option<u32>,
        high_watermark: i64,
        diverging: Option<EpochEndOffset>,
        records: Vec<(i32, MetadataRecord)>,
    ) {
        self.raft.fetch_in_flight = false;
        if epoch > self.raft.epoch
            || (epoch == self.raft.epoch && leader.is_some() && self.raft.leader() != leader)
        {
            self.observe_epoch(ctx, epoch, leader);
            return;
        }
        if epoch < self.raft.epoch || !matches!(self.raft.role, RaftRole::Follower { .. }) {
            return;
        }
        if let Some(d) = diverging {
            let keep = d
                .end_offset
                .min(self.raft.end_offset())
                .max(self.raft.high_watermark.min(d.end_offset));
            self.raft.log.truncate(keep as usize);
        } else {
            for (entry_epoch, record) in records {
                self.raft.log.push(LogEntry {
                    epoch: entry_epoch,
                    record,
                });
            }
        }
        let new_hw = high_watermark.min(self.raft.end_offset());
        if new_hw > self.raft.high_watermark {
            for offset in self.raft.high_watermark..new_hw {
                self.image
                    .apply(offset, &self.raft.log[offset as usize].record.clone());
            }
            self.raft.high_watermark = new_hw;
        }
        let timeout = self.fetch_timeout();
        self.arm_election_timer(ctx, timeout);
        self.send_quorum_fetch(ctx);
    }

    /// Check quorum: a leader that a majority has not fetched from lately steps down, so an
    /// isolated leader stops acting as the active controller.
    pub(super) fn leader_has_quorum(&self, now_ms: i64) -> bool {
        let RaftRole::Leader { last_fetch_ms, .. } = &self.raft.role else {
            return false;
        };
        let limit = self.config.ms("controller.quorum.fetch.timeout.ms") as i64 * 3 / 2;
        let fresh = last_fetch_ms
            .values()
            .filter(|t| now_ms - **t <= limit)
            .count()
            + 1;
        fresh >= self.raft.majority()
    }

    pub(super) fn resign(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.raft.role = RaftRole::Unattached;
        self.resign_active(ctx);
        ctx.emit(Event::ControllerResigned {
            controller: self.id,
        });
        let timeout = self.randomized_election_timeout(ctx);
        self.arm_election_timer(ctx, timeout);
    }
}
