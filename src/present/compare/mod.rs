//! Compare: the same lesson and seed run twice, the second with some changes (a config, a fault
//! added or removed, the assignor, idempotence) or following another branch of the timeline, in
//! lockstep on simulated time. Each run is measured the same way (acknowledged, lost, duplicated
//! and reordered writes, throughput, produce latency percentiles, rebalance pauses, the largest
//! consumer lag) and the first step where the two differ is found by the worlds' fingerprints,
//! which cover every step taken. The CLI's `compare` and the browser's Compare view both drive a
//! `CompareRun`, so their figures are the same code's.

mod change;
mod meter;
mod text;

pub use change::{apply_change, parse_change, Change, Target};
pub use text::{
    change_label, choices, compare_view, describe, refusal_text, Choice, CompareView, FigureRow,
    StripRow, LANES_LABEL, REFUSALS_SHOWN, REFUSALS_TITLE, SAME_SO_FAR, STRIP_NOTE,
};

pub use meter::Figures;

use crate::kafka::commands::CommandError;
use crate::kafka::{Command, KafkaStep, KafkaWorld};
use crate::lesson::Lesson;
use crate::sim::{Fingerprint, RecordedCommand, SimTime};
use meter::{Meter, SLICE};
use std::collections::VecDeque;

/// The first step the two runs disagree on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Divergence {
    /// The step's number (as the timeline counts: the run shows it after `step` steps).
    pub step: u64,
    pub time: String,
    /// What each run did at that step, narrated.
    pub a: String,
    pub b: String,
}

/// The two runs side by side, at their end.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Comparison {
    pub base: Figures,
    pub changed: Figures,
    pub divergence: Option<Divergence>,
}

/// Most steps either run may take (a lesson runs thousands; this stops a runaway change).
const MAX_STEPS: u64 = 5_000_000;
/// A rewind point every this many steps of the first run (the browser's seek backwards).
const SNAPSHOT_EVERY: u64 = 2_000;

/// A command the second run could not run (the first ran it, or the branch recorded it): its
/// state differs, e.g. the node is already down there.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Refusal {
    pub time: SimTime,
    pub command: Command,
    pub reason: CommandError,
}

/// The most refusals a run keeps (the strip shows the newest few and how many in all).
const MAX_REFUSALS: usize = 100;

/// One of the two runs: its world, its meter, and its steps not yet compared with the other's.
#[derive(Clone, Debug)]
struct Lane {
    world: KafkaWorld,
    meter: Meter,
    /// (index, fingerprint after it, time, what it did)
    pending: VecDeque<(u64, Fingerprint, SimTime, String)>,
    /// Commands this run refused, oldest first, and how many in all.
    refused: Vec<Refusal>,
    refused_count: u32,
}

/// Commands a lane runs besides its lesson's: none, a branch's recording (by step), or the
/// first run's commands at the simulated times that run took them.
enum Feed<'a> {
    None,
    Recorded(&'a [RecordedCommand<Command>]),
    Timed(&'a mut VecDeque<(SimTime, Command)>),
}

impl Lane {
    fn new(lesson: &Lesson, seed: u64) -> Lane {
        Lane {
            world: lesson.world(seed),
            meter: Meter::default(),
            pending: VecDeque::new(),
            refused: Vec::new(),
            refused_count: 0,
        }
    }

    fn take(&mut self, step: &KafkaStep, watching: bool) {
        self.meter.observe(step);
        if watching {
            let line = step_words(step);
            let print = self.world.fingerprint();
            self.pending.push_back((step.index, print, step.time, line));
        }
    }

    fn refuse(&mut self, command: Command, reason: CommandError) {
        self.refused_count = self.refused_count.saturating_add(1);
        if self.refused.len() == MAX_REFUSALS {
            self.refused.remove(0);
        }
        let time = self.world.now();
        self.refused.push(Refusal {
            time,
            command,
            reason,
        });
    }

    /// Step to simulated time `until`, running the feed's commands at their places.
    fn advance_to(&mut self, until: SimTime, mut feed: Feed, watching: bool) {
        while self.world.steps_taken() < MAX_STEPS {
            let due = match &mut feed {
                Feed::None => None,
                Feed::Recorded(commands) => {
                    let steps = self.world.steps_taken();
                    let i = commands.partition_point(|c| c.after_step < steps);
                    commands
                        .get(i)
                        .filter(|c| c.after_step == steps)
                        .map(|c| (self.world.now(), c.command.clone()))
                }
                Feed::Timed(queue) => queue.front().cloned(),
            };
            let next = self.world.next_time().filter(|t| *t <= until);
            let step = match due {
                Some((at, command)) if at <= until && next.is_none_or(|n| at <= n) => {
                    if let Feed::Timed(queue) = &mut feed {
                        queue.pop_front();
                    }
                    self.meter.sample_before(&self.world, at);
                    self.world.advance_idle_to(at);
                    match self.world.apply_command(command.clone()) {
                        Ok(step) => step,
                        // Refused here (the other run's state differs): nothing happens
                        // but the refusal is kept for the strip to say.
                        Err(reason) => {
                            self.refuse(command, reason);
                            continue;
                        }
                    }
                }
                _ => {
                    let Some(at) = next else { break };
                    self.meter.sample_before(&self.world, at);
                    match self.world.step() {
                        Some(step) => step,
                        None => break,
                    }
                }
            };
            self.take(&step, watching);
        }
        self.world.advance_idle_to(until);
    }

    /// Step to `target` steps taken, running `commands` at their places (the first run mirrors
    /// the session's), and hand each command on with the time it ran at.
    fn advance_steps(
        &mut self,
        commands: &[RecordedCommand<Command>],
        target: u64,
        forward: &mut VecDeque<(SimTime, Command)>,
        watching: bool,
    ) {
        let mut next = commands.partition_point(|c| c.after_step < self.world.steps_taken());
        while self.world.steps_taken() < target.min(MAX_STEPS) {
            let step = match commands.get(next) {
                Some(c) if c.after_step == self.world.steps_taken() => {
                    next += 1;
                    forward.push_back((self.world.now(), c.command.clone()));
                    match self.world.apply_command(c.command.clone()) {
                        Ok(step) => step,
                        Err(_) => continue,
                    }
                }
                _ => {
                    let Some(at) = self.world.next_time() else {
                        break;
                    };
                    self.meter.sample_before(&self.world, at);
                    match self.world.step() {
                        Some(step) => step,
                        None => break,
                    }
                }
            };
            self.take(&step, watching);
        }
    }
}

/// How the second run is driven.
#[derive(Clone, Debug)]
enum Other {
    /// The lesson changed: the first run's commands reach it at the same simulated times.
    Changed(VecDeque<(SimTime, Command)>),
    /// Another branch: its own recording, step for step.
    Branch(Vec<RecordedCommand<Command>>),
}

#[derive(Clone, Debug)]
struct State {
    a: Lane,
    b: Lane,
    other: Other,
    divergence: Option<Divergence>,
}

impl State {
    /// Bring the second run to the first's time and compare the steps both have taken.
    fn catch_up(&mut self) {
        let until = self.a.world.now();
        let watching = self.divergence.is_none();
        match &mut self.other {
            Other::Changed(queue) => self.b.advance_to(until, Feed::Timed(queue), watching),
            Other::Branch(commands) => self.b.advance_to(until, Feed::Recorded(commands), watching),
        }
        while self.divergence.is_none() && !self.a.pending.is_empty() && !self.b.pending.is_empty()
        {
            let (x, y) = (self.a.pending.pop_front(), self.b.pending.pop_front());
            let (Some(x), Some(y)) = (x, y) else { break };
            if x.1 != y.1 {
                self.divergence = Some(Divergence {
                    step: x.0,
                    time: super::view::time_text(x.2.min(y.2)),
                    a: x.3,
                    b: y.3,
                });
            }
        }
        if self.divergence.is_some() {
            self.a.pending.clear();
            self.b.pending.clear();
        }
    }
}

/// Two runs in lockstep: the first mirrors a session (or the lesson as written), the second is
/// the what-if. Seeking backwards restores the nearest rewind point and replays.
/// `lesson` with every change applied; a refusal starts with the change it refuses, in the
/// words the picker shows, so the class sees which one is wrong.
pub fn apply_changes(lesson: &Lesson, changes: &[Change]) -> Result<Lesson, String> {
    let mut changed = lesson.clone();
    for change in changes {
        apply_change(&mut changed, change)
            .map_err(|e| format!("\"{}\": {e}", change_label(change)))?;
    }
    Ok(changed)
}

#[derive(Clone, Debug)]
pub struct CompareRun {
    state: State,
    /// The commands the first run follows (the session's current branch).
    a_commands: Vec<RecordedCommand<Command>>,
    snapshots: Vec<State>,
    /// What the second run is, in words ("acks=1 on p1", "branch “crash b1”").
    pub label: String,
}

impl CompareRun {
    /// The lesson as written against the lesson with `changes`, both with `seed`.
    pub fn with_changes(
        lesson: &Lesson,
        seed: u64,
        changes: &[Change],
    ) -> Result<CompareRun, String> {
        if changes.is_empty() {
            return Err("Pick at least one change to compare.".into());
        }
        let changed = apply_changes(lesson, changes)?;
        let label = changes
            .iter()
            .map(change_label)
            .collect::<Vec<_>>()
            .join(", ");
        Ok(CompareRun::start(
            lesson,
            Lane::new(&changed, seed),
            Other::Changed(VecDeque::new()),
            seed,
            label,
        ))
    }

    /// The lesson with one branch's recording as the second run.
    pub fn with_branch(
        lesson: &Lesson,
        seed: u64,
        commands: Vec<RecordedCommand<Command>>,
        label: String,
    ) -> CompareRun {
        CompareRun::start(
            lesson,
            Lane::new(lesson, seed),
            Other::Branch(commands),
            seed,
            label,
        )
    }

    fn start(lesson: &Lesson, b: Lane, other: Other, seed: u64, label: String) -> CompareRun {
        let state = State {
            a: Lane::new(lesson, seed),
            b,
            other,
            divergence: None,
        };
        CompareRun {
            snapshots: vec![state.clone()],
            state,
            a_commands: Vec::new(),
            label,
        }
    }

    /// Follow the session: the first run to `target` steps with `commands`, the second to the
    /// same simulated time. A change to commands already run, or a seek backwards, restores
    /// the nearest rewind point first.
    pub fn sync(&mut self, commands: &[RecordedCommand<Command>], target: u64) {
        let changed_at = first_difference(&self.a_commands, commands);
        let limit = changed_at.unwrap_or(u64::MAX).min(target);
        if limit < self.state.a.world.steps_taken() {
            self.rewind(limit, changed_at);
        }
        if changed_at.is_some() {
            self.a_commands = commands.to_vec();
        }
        while self.state.a.world.steps_taken() < target {
            let steps = self.state.a.world.steps_taken();
            let next_point = (steps / SNAPSHOT_EVERY + 1) * SNAPSHOT_EVERY;
            let watching = self.state.divergence.is_none();
            let mut forward = VecDeque::new();
            self.state.a.advance_steps(
                &self.a_commands,
                target.min(next_point),
                &mut forward,
                watching,
            );
            if let Other::Changed(queue) = &mut self.state.other {
                queue.extend(forward);
            }
            self.state.catch_up();
            let now = self.state.a.world.steps_taken();
            if now == steps {
                break;
            }
            if now % SNAPSHOT_EVERY == 0 {
                self.snapshots.push(self.state.clone());
            }
        }
    }

    /// Restore the nearest rewind point at or before step `limit`. Both runs are deterministic,
    /// so a divergence found before any changed command stays known.
    fn rewind(&mut self, limit: u64, changed_at: Option<u64>) {
        let known = self
            .state
            .divergence
            .clone()
            .filter(|d| changed_at.is_none_or(|c| d.step <= c));
        let keep = self
            .snapshots
            .partition_point(|s| s.a.world.steps_taken() <= limit)
            .max(1);
        self.snapshots.truncate(keep);
        self.state = self.snapshots[keep - 1].clone();
        if known.is_some() && self.state.divergence.is_none() {
            self.state.divergence = known;
            self.state.a.pending.clear();
            self.state.b.pending.clear();
        }
    }

    /// Run both to simulated time `end` (the CLI: no session, slices of 100 ms).
    pub fn run_to(&mut self, end: SimTime) {
        let mut now = self.state.a.world.now();
        while now < end {
            now = now.plus(SLICE).min(end);
            let watching = self.state.divergence.is_none();
            self.state.a.advance_to(now, Feed::None, watching);
            self.state.catch_up();
        }
    }

    /// The commands the second run refused (newest last, at most `MAX_REFUSALS`) and how many
    /// it refused in all.
    pub fn refusals(&self) -> (&[Refusal], u32) {
        (&self.state.b.refused, self.state.b.refused_count)
    }
    pub fn divergence(&self) -> Option<&Divergence> {
        self.state.divergence.as_ref()
    }
    /// The second run's world (the compact second stage draws it).
    pub fn other_world(&self) -> &KafkaWorld {
        &self.state.b.world
    }
    /// Both runs' figures so far.
    pub fn figures(&self) -> (Figures, Figures) {
        let (a, b) = (&self.state.a, &self.state.b);
        (a.meter.figures(&a.world), b.meter.figures(&b.world))
    }
    pub fn comparison(&self) -> Comparison {
        let (base, changed) = self.figures();
        Comparison {
            base,
            changed,
            divergence: self.state.divergence.clone(),
        }
    }
}

/// The first step at which two recordings differ (`None`: the same).
fn first_difference(
    old: &[RecordedCommand<Command>],
    new: &[RecordedCommand<Command>],
) -> Option<u64> {
    let same = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let at = |c: Option<&RecordedCommand<Command>>| c.map(|c| c.after_step);
    match (at(old.get(same)), at(new.get(same))) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(u64::MAX).min(y.unwrap_or(u64::MAX))),
    }
}

/// Run `lesson` with `seed` as it is and with `changes`, in lockstep, to its `run_until_ms`.
pub fn compare(lesson: &Lesson, seed: u64, changes: &[Change]) -> Result<Comparison, String> {
    let mut run = CompareRun::with_changes(lesson, seed, changes)?;
    run.run_to(SimTime::from_ms(lesson.run_until_ms));
    Ok(run.comparison())
}

/// Two branches of a run (by their recordings) in lockstep to the lesson's end.
pub fn compare_branches(
    lesson: &Lesson,
    seed: u64,
    a: &[RecordedCommand<Command>],
    b: Vec<RecordedCommand<Command>>,
) -> Comparison {
    let mut run = CompareRun::with_branch(lesson, seed, b, String::new());
    let end = SimTime::from_ms(lesson.run_until_ms);
    // The first branch runs on its own recording too: step it by time, its commands by step.
    let mut now = SimTime::ZERO;
    while now < end {
        now = now.plus(SLICE).min(end);
        let watching = run.state.divergence.is_none();
        run.state.a.advance_to(now, Feed::Recorded(a), watching);
        run.state.catch_up();
    }
    run.comparison()
}

/// What a step did, in the narration's words; a step the narration keeps quiet (a routine
/// delivery or timer) gets a plain clause instead of its trace line.
fn step_words(step: &KafkaStep) -> String {
    let said = super::narration::sentence(step).text;
    if !said.is_empty() {
        return said;
    }
    match &step.cause {
        crate::sim::Cause::Deliver { from, to, msg, .. } => {
            format!("{to} receives {from}'s {} message.", msg.api_name())
        }
        crate::sim::Cause::Timer { node, timer } => {
            format!(
                "{node}'s {} timer fires.",
                super::narrate::timer_text(timer)
            )
        }
        _ => super::narrate::narrate(step),
    }
}
