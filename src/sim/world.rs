//! The world loop. `World::step` pops the next occurrence (one message delivery, one timer or one
//! scheduled command), runs exactly one handler of the model, turns what the handler recorded in
//! its `Out` buffer into scheduler entries, and returns a `Step` with the facts that happened.
//!
//! Handlers never perform effects themselves (sans-IO, like str0m and raft-rs): they record sends,
//! timers, events and network changes in `Out`, and only this loop schedules them. Timers are
//! named: arming a `(node, timer)` pair that is already armed replaces it, so handlers re-arm
//! without tracking keys, and a crashed node's timers are cancelled in one call.

use super::fingerprint::{Fingerprint, StableHasher};
use super::links::{Backlogs, ConnectionEpochs, HeldMessage, Link};
use super::network::{DropReason, LinkConfig, NetOp, Network, Transmit};
use super::prng::Prng;
use super::scheduler::Scheduler;
use super::time::{SimDuration, SimTime};
use super::timers::{ArmedTimers, TimerCode};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};

/// The simulated system plugged into the kernel (the Kafka cluster). Closed sets of messages,
/// timers, events and commands are the model's enums; no trait objects, so the world stays
/// `Clone + PartialEq + Debug` and a snapshot is a clone.
pub trait Model: Clone + PartialEq + Debug {
    type Addr: Ord + Clone + Debug + Hash;
    type Msg: Clone + PartialEq + Debug + Hash;
    type Timer: Ord + Clone + Debug + Hash + TimerCode;
    type Event: Clone + PartialEq + Debug + Hash;
    type Command: Clone + PartialEq + Debug + Hash;
    /// Why a command was refused: data, worded by the layer that shows it.
    type CommandError: Clone + PartialEq + Debug + Hash;

    /// Bytes on the wire, for bandwidth.
    fn wire_size(msg: &Self::Msg) -> u32;
    /// Which life of the process at `addr` owns its connections: `None` while it is stopped,
    /// a number that changes on every restart otherwise. A message waiting on a cut link is
    /// delivered on heal only if both ends still have the connection it was sent on.
    fn connection_epoch(&self, addr: &Self::Addr) -> Option<u64>;
    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, Self>,
        from: Self::Addr,
        to: Self::Addr,
        msg: Self::Msg,
    );
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, node: Self::Addr, timer: Self::Timer);
    /// Apply a user command. On `Err` the model must be unchanged (validate before mutating).
    fn on_command(
        &mut self,
        ctx: &mut Ctx<'_, Self>,
        command: Self::Command,
    ) -> Result<(), Self::CommandError>;
    /// False while the host at `addr` is powered off: messages to it are dropped on arrival.
    fn host_up(&self, addr: &Self::Addr) -> bool;
    /// Set while the process at `addr` is paused (a GC pause): its messages and timers wait.
    fn paused_until(&self, addr: &Self::Addr) -> Option<SimTime>;
}

/// What a handler records. Only the world loop turns it into scheduler entries.
#[derive(Clone, PartialEq, Debug)]
pub struct Out<M: Model> {
    /// `(from, to, message, delay before it leaves)`.
    sends: Vec<(M::Addr, M::Addr, M::Msg, SimDuration)>,
    timers: Vec<TimerOp<M>>,
    events: Vec<M::Event>,
    net_ops: Vec<NetOp<M::Addr>>,
    /// `(closer, peer)`: connections a handler closed.
    closed: Vec<(M::Addr, M::Addr)>,
}

#[derive(Clone, PartialEq, Debug)]
enum TimerOp<M: Model> {
    Set {
        node: M::Addr,
        timer: M::Timer,
        at: SimTime,
    },
    Cancel {
        node: M::Addr,
        timer: M::Timer,
    },
    CancelAll {
        node: M::Addr,
    },
}

impl<M: Model> Default for Out<M> {
    fn default() -> Self {
        Out {
            sends: Vec::new(),
            timers: Vec::new(),
            events: Vec::new(),
            net_ops: Vec::new(),
            closed: Vec::new(),
        }
    }
}

/// A handler's view of the world: the time, the one PRNG, and the `Out` buffer.
pub struct Ctx<'a, M: Model> {
    pub now: SimTime,
    pub prng: &'a mut Prng,
    out: &'a mut Out<M>,
    network: &'a Network<M::Addr>,
}

impl<M: Model> Ctx<'_, M> {
    pub fn send(&mut self, from: M::Addr, to: M::Addr, msg: M::Msg) {
        self.out.sends.push((from, to, msg, SimDuration::ZERO));
    }
    /// Send once `delay` has passed: the sender was busy (CPU work before the message leaves).
    pub fn send_after(&mut self, from: M::Addr, to: M::Addr, msg: M::Msg, delay: SimDuration) {
        self.out.sends.push((from, to, msg, delay));
    }
    /// Arm (or re-arm) the named timer to fire `after` from now.
    pub fn set_timer(&mut self, node: M::Addr, timer: M::Timer, after: SimDuration) {
        let at = self.now.plus(after);
        self.push_set(TimerOp::Set { node, timer, at });
    }
    pub fn set_timer_at(&mut self, node: M::Addr, timer: M::Timer, at: SimTime) {
        self.push_set(TimerOp::Set {
            node,
            timer,
            at: at.max(self.now),
        });
    }
    /// Queue a `Set`, unless it repeats the op queued just before it: applied right after an
    /// identical `Set`, it would find the timer armed for that instant as the newest entry (or
    /// kept in place) and change nothing, not even the scheduler's sequence. A load test's
    /// producer re-arms its application timer once per record, so this saves a timer search
    /// per record.
    fn push_set(&mut self, op: TimerOp<M>) {
        if self.out.timers.last() != Some(&op) {
            self.out.timers.push(op);
        }
    }
    pub fn cancel_timer(&mut self, node: M::Addr, timer: M::Timer) {
        self.out.timers.push(TimerOp::Cancel { node, timer });
    }
    pub fn cancel_all_timers(&mut self, node: M::Addr) {
        self.out.timers.push(TimerOp::CancelAll { node });
    }
    pub fn emit(&mut self, event: M::Event) {
        self.out.events.push(event);
    }
    pub fn net(&mut self, op: NetOp<M::Addr>) {
        self.out.net_ops.push(op);
    }
    /// `me` closed its connection to `peer` (a request timed out). What `peer` sent on it and
    /// is still waiting on a cut link will meet a closed socket: it is dropped. What `me` sent
    /// still goes out (a close sends pending bytes before its FIN), as in Kafka a timed-out
    /// request may still reach the broker.
    pub fn close_connection(&mut self, me: M::Addr, peer: M::Addr) {
        self.out.closed.push((me, peer));
    }
    /// The current network (read-only), e.g. to describe a partition.
    pub fn network(&self) -> &Network<M::Addr> {
        self.network
    }
}

/// One entry of the event queue.
#[derive(Clone, PartialEq, Debug)]
pub enum Occurrence<M: Model> {
    Deliver {
        from: M::Addr,
        to: M::Addr,
        msg: M::Msg,
        sent_at: SimTime,
        epochs: ConnectionEpochs,
    },
    Timer {
        node: M::Addr,
        timer: M::Timer,
    },
    Command(M::Command),
}

/// What caused a step.
#[derive(Clone, PartialEq, Debug)]
pub enum Cause<M: Model> {
    Deliver {
        from: M::Addr,
        to: M::Addr,
        msg: M::Msg,
        /// When the sender sent it (the space-time diagram draws the arrow from there). Not
        /// part of the fingerprint: it follows from the run.
        sent_at: SimTime,
    },
    Timer {
        node: M::Addr,
        timer: M::Timer,
    },
    Command(M::Command),
    /// A message reached a cut link or a powered-off host and vanished.
    Drop {
        from: M::Addr,
        to: M::Addr,
        msg: M::Msg,
        reason: DropReason,
    },
}

/// The facts of one step: what ran, what it caused, and what the network dropped on send.
#[derive(Clone, PartialEq, Debug)]
pub struct Step<M: Model> {
    /// 1-based position in the run.
    pub index: u64,
    pub time: SimTime,
    pub cause: Cause<M>,
    pub events: Vec<M::Event>,
    /// Messages sent during this step that the network dropped at once (partition, loss).
    pub dropped: Vec<(M::Addr, M::Addr, M::Msg, DropReason)>,
    /// Set when a scheduled command was refused; the model is unchanged.
    pub rejected: Option<M::CommandError>,
}

impl<M: Model> Step<M> {
    fn stable_hash(&self) -> u64 {
        let mut h = StableHasher::default();
        self.index.hash(&mut h);
        self.time.hash(&mut h);
        match &self.cause {
            Cause::Deliver { from, to, msg, .. } => (0u8, from, to, msg).hash(&mut h),
            Cause::Timer { node, timer } => (1u8, node, timer).hash(&mut h),
            Cause::Command(c) => (2u8, c).hash(&mut h),
            Cause::Drop {
                from,
                to,
                msg,
                reason,
            } => (3u8, from, to, msg, reason).hash(&mut h),
        }
        self.events.hash(&mut h);
        for (from, to, msg, reason) in &self.dropped {
            (from, to, msg, reason).hash(&mut h);
        }
        self.rejected.hash(&mut h);
        h.finish()
    }
}

/// A message on the wire, for drawing.
#[derive(Clone, PartialEq, Debug)]
pub struct InFlight<'a, M: Model> {
    pub from: &'a M::Addr,
    pub to: &'a M::Addr,
    pub msg: &'a M::Msg,
    pub sent_at: SimTime,
    pub arrives_at: SimTime,
}

#[derive(Clone, PartialEq, Debug)]
pub struct World<M: Model> {
    now: SimTime,
    seed: u64,
    prng: Prng,
    scheduler: Scheduler<Occurrence<M>>,
    network: Network<M::Addr>,
    armed: ArmedTimers<M::Addr, M::Timer>,
    held: Backlogs<M>,
    model: M,
    fingerprint: Fingerprint,
    steps_taken: u64,
    out: Out<M>,
}

impl<M: Model> World<M> {
    pub fn new(seed: u64, model: M, default_link: LinkConfig) -> Self {
        World {
            now: SimTime::ZERO,
            seed,
            prng: Prng::new(seed),
            scheduler: Scheduler::new(),
            network: Network::new(default_link),
            armed: ArmedTimers::default(),
            held: Backlogs::default(),
            model,
            fingerprint: Fingerprint::default(),
            steps_taken: 0,
            out: Out::default(),
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn model(&self) -> &M {
        &self.model
    }
    pub fn network(&self) -> &Network<M::Addr> {
        &self.network
    }
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    pub fn steps_taken(&self) -> u64 {
        self.steps_taken
    }
    /// When the next occurrence is due, if any.
    pub fn next_time(&self) -> Option<SimTime> {
        self.scheduler.peek_time()
    }
    pub fn pending(&self) -> usize {
        self.scheduler.len()
    }

    /// Messages currently on the wire, in arrival order.
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight<'_, M>> {
        self.scheduler.iter().filter_map(|(key, occ)| match occ {
            Occurrence::Deliver {
                from,
                to,
                msg,
                sent_at,
                ..
            } => Some(InFlight {
                from,
                to,
                msg,
                sent_at: *sent_at,
                arrives_at: key.time,
            }),
            _ => None,
        })
    }

    /// Messages waiting on held or cut links, oldest first on each link.
    pub fn held_messages(&self) -> impl Iterator<Item = (&Link<M>, &Vec<HeldMessage<M>>)> {
        self.held.iter()
    }

    /// Let the model set itself up (arm its first timers, send its first messages) at time zero.
    /// Counts as no step; it is part of the scenario, not of the run.
    pub fn init(&mut self, setup: impl FnOnce(&mut M, &mut Ctx<'_, M>)) {
        let mut ctx = Ctx {
            now: self.now,
            prng: &mut self.prng,
            out: &mut self.out,
            network: &self.network,
        };
        setup(&mut self.model, &mut ctx);
        let mut dropped = Vec::new();
        self.flush_out(&mut dropped);
        self.out.events.clear();
    }

    /// Schedule a command to run at `at` (lesson actions).
    pub fn schedule_command(&mut self, at: SimTime, command: M::Command) {
        self.scheduler
            .push(at.max(self.now), Occurrence::Command(command));
    }

    /// Run a command now, as a step of its own (a user's click). On `Err` nothing happened.
    pub fn apply_command(&mut self, command: M::Command) -> Result<Step<M>, M::CommandError> {
        let mut ctx = Ctx {
            now: self.now,
            prng: &mut self.prng,
            out: &mut self.out,
            network: &self.network,
        };
        if let Err(reason) = self.model.on_command(&mut ctx, command.clone()) {
            self.out = Out::default();
            return Err(reason);
        }
        Ok(self.finish_step(Cause::Command(command), None))
    }

    /// Take one step; `None` when nothing is left to happen.
    pub fn step(&mut self) -> Option<Step<M>> {
        loop {
            let (key, occurrence) = self.scheduler.pop()?;
            self.now = key.time;
            let target = match &occurrence {
                Occurrence::Deliver { to, .. } => Some(to.clone()),
                Occurrence::Timer { node, .. } => Some(node.clone()),
                Occurrence::Command(_) => None,
            };
            if let Some(node) = &target {
                if let Some(until) = self.model.paused_until(node).filter(|t| *t > self.now) {
                    // A paused process handles nothing; its input waits, in order, until it wakes.
                    let new_key = self.scheduler.push(until, occurrence.clone());
                    if let Occurrence::Timer { node, timer } = &occurrence {
                        self.armed.insert(node.clone(), timer.clone(), new_key);
                    }
                    continue;
                }
            }
            let occurrence = match occurrence {
                Occurrence::Deliver {
                    from,
                    to,
                    msg,
                    sent_at,
                    epochs,
                } if self.network.is_blocked(&from, &to) => {
                    // The path was cut while the message was on the wire: TCP retransmits it
                    // once the path heals, so it joins the link's backlog in send order.
                    self.held.hold(from, to, msg, sent_at, epochs);
                    continue;
                }
                other => other,
            };
            return Some(self.run_occurrence(occurrence));
        }
    }

    /// Step until the next occurrence is after `until` (or `max_steps` were taken). Returns the steps.
    pub fn run_until(&mut self, until: SimTime, max_steps: u64) -> Vec<Step<M>> {
        let mut steps = Vec::new();
        while steps.len() as u64 <= max_steps && self.next_time().is_some_and(|t| t <= until) {
            match self.step() {
                Some(s) => steps.push(s),
                None => break,
            }
        }
        if self.next_time().is_none_or(|t| t > until) {
            self.now = self.now.max(until);
        }
        steps
    }

    /// Move the clock forward to `t` without running anything (nothing is due before `t`).
    pub fn advance_idle_to(&mut self, t: SimTime) {
        if self.next_time().is_none_or(|next| next > t) {
            self.now = self.now.max(t);
        }
    }

    fn run_occurrence(&mut self, occurrence: Occurrence<M>) -> Step<M> {
        let mut ctx = Ctx {
            now: self.now,
            prng: &mut self.prng,
            out: &mut self.out,
            network: &self.network,
        };
        match occurrence {
            Occurrence::Deliver {
                from,
                to,
                msg,
                sent_at,
                ..
            } => {
                let reason = if !self.model.host_up(&to) {
                    Some(DropReason::Unreachable)
                } else {
                    None
                };
                if let Some(reason) = reason {
                    return self.finish_step(
                        Cause::Drop {
                            from,
                            to,
                            msg,
                            reason,
                        },
                        None,
                    );
                }
                self.model
                    .on_message(&mut ctx, from.clone(), to.clone(), msg.clone());
                self.finish_step(
                    Cause::Deliver {
                        from,
                        to,
                        msg,
                        sent_at,
                    },
                    None,
                )
            }
            Occurrence::Timer { node, timer } => {
                self.armed.remove(&node, &timer);
                self.model.on_timer(&mut ctx, node.clone(), timer.clone());
                self.finish_step(Cause::Timer { node, timer }, None)
            }
            Occurrence::Command(command) => {
                let rejected = self.model.on_command(&mut ctx, command.clone()).err();
                if rejected.is_some() {
                    self.out = Out::default();
                }
                self.finish_step(Cause::Command(command), rejected)
            }
        }
    }

    fn finish_step(&mut self, cause: Cause<M>, rejected: Option<M::CommandError>) -> Step<M> {
        let mut dropped = Vec::new();
        self.flush_out(&mut dropped);
        self.steps_taken += 1;
        let step = Step {
            index: self.steps_taken,
            time: self.now,
            cause,
            events: std::mem::take(&mut self.out.events),
            dropped,
            rejected,
        };
        self.fingerprint.absorb(step.stable_hash());
        step
    }

    /// Turn the handler's recorded effects into scheduler entries and network changes.
    fn flush_out(&mut self, dropped: &mut Dropped<M>) {
        for (me, peer) in std::mem::take(&mut self.out.closed) {
            for held in self.held.remove(&(peer.clone(), me.clone())) {
                dropped.push((
                    peer.clone(),
                    me.clone(),
                    held.msg,
                    DropReason::ConnectionClosed,
                ));
            }
        }
        let net_ops = std::mem::take(&mut self.out.net_ops);
        for op in &net_ops {
            self.network.apply(op);
        }
        if !net_ops.is_empty() {
            self.release_reopened(dropped);
        }
        // The buffers go back into `out` emptied, keeping their capacity for the next step.
        let mut sends = std::mem::take(&mut self.out.sends);
        for (from, to, msg, delay) in sends.drain(..) {
            self.transmit(from, to, msg, delay, dropped);
        }
        self.out.sends = sends;
        let mut timers = std::mem::take(&mut self.out.timers);
        for op in timers.drain(..) {
            self.apply_timer_op(op);
        }
        self.out.timers = timers;
    }

    /// The epochs of the connection `from -> to` now.
    fn epochs(&self, from: &M::Addr, to: &M::Addr) -> ConnectionEpochs {
        (
            self.model.connection_epoch(from),
            self.model.connection_epoch(to),
        )
    }

    /// Send again, ahead of anything this step sent, the backlog of every link that is neither
    /// cut nor held any more, as TCP retransmits unacknowledged bytes once the path is back.
    /// A message whose connection died meanwhile (either end restarted or stopped, or TCP gave
    /// up retransmitting) is dropped instead: a new connection never carries an old one's bytes.
    fn release_reopened(&mut self, dropped: &mut Dropped<M>) {
        let mut resend = Vec::new();
        for ((from, to), backlog) in self.held.take_reopened(&self.network) {
            let epochs = self.epochs(&from, &to);
            for held in backlog {
                if held.alive(epochs, self.now) {
                    resend.push((from.clone(), to.clone(), held.msg, SimDuration::ZERO));
                } else {
                    dropped.push((
                        from.clone(),
                        to.clone(),
                        held.msg,
                        DropReason::ConnectionClosed,
                    ));
                }
            }
        }
        resend.append(&mut self.out.sends);
        self.out.sends = resend;
    }

    fn transmit(
        &mut self,
        from: M::Addr,
        to: M::Addr,
        msg: M::Msg,
        delay: SimDuration,
        dropped: &mut Dropped<M>,
    ) {
        let size = M::wire_size(&msg);
        let departs = self.now.plus(delay);
        let epochs = self.epochs(&from, &to);
        match self
            .network
            .transmit(departs, &from, &to, size, &mut self.prng)
        {
            Transmit::Deliver { at, duplicate_at } => {
                if let Some(dup) = duplicate_at {
                    let copy = Occurrence::Deliver {
                        from: from.clone(),
                        to: to.clone(),
                        msg: msg.clone(),
                        sent_at: departs,
                        epochs,
                    };
                    self.scheduler.push(dup, copy);
                }
                self.scheduler.push(
                    at,
                    Occurrence::Deliver {
                        from,
                        to,
                        msg,
                        sent_at: departs,
                        epochs,
                    },
                );
            }
            Transmit::Dropped(reason) => dropped.push((from, to, msg, reason)),
            Transmit::Held => {
                self.expire_held(&from, &to, dropped);
                self.held.hold(from, to, msg, departs, epochs);
            }
        }
    }

    /// Drop what TCP has given up on at the head of a backlog, so a link cut for hours holds
    /// at most `TCP_GIVE_UP` worth of messages.
    fn expire_held(&mut self, from: &M::Addr, to: &M::Addr, dropped: &mut Dropped<M>) {
        for held in self.held.take_expired(from, to, self.now) {
            dropped.push((
                from.clone(),
                to.clone(),
                held.msg,
                DropReason::ConnectionClosed,
            ));
        }
    }

    fn apply_timer_op(&mut self, op: TimerOp<M>) {
        match op {
            TimerOp::Set { node, timer, at } => {
                if let Some(armed) = self.armed.get_mut(&node, &timer) {
                    // Re-armed for the instant it was due anyway, with nothing queued behind it
                    // at that instant: moving it would change nothing.
                    if self.scheduler.keeps_place(*armed, at) {
                        return;
                    }
                    self.scheduler.cancel(*armed);
                    *armed = self.scheduler.push(at, Occurrence::Timer { node, timer });
                    return;
                }
                let occurrence = Occurrence::Timer {
                    node: node.clone(),
                    timer: timer.clone(),
                };
                let key = self.scheduler.push(at, occurrence);
                self.armed.insert(node, timer, key);
            }
            TimerOp::Cancel { node, timer } => {
                if let Some(key) = self.armed.remove(&node, &timer) {
                    self.scheduler.cancel(key);
                }
            }
            TimerOp::CancelAll { node } => {
                for (_, key) in self.armed.remove_node(&node) {
                    self.scheduler.cancel(key);
                }
            }
        }
    }

    /// When the named timer will fire, if armed (for countdowns in the UI).
    pub fn timer_deadline(&self, node: &M::Addr, timer: &M::Timer) -> Option<SimTime> {
        self.armed.get(node, timer).map(|k| k.time)
    }
}

/// Messages the network dropped during a step, with why.
type Dropped<M> = Vec<(
    <M as Model>::Addr,
    <M as Model>::Addr,
    <M as Model>::Msg,
    DropReason,
)>;
