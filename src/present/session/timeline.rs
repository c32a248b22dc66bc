//! The timeline: stepping along the recording, playing against the wall clock, snapshots, and
//! seeking anywhere by restoring the nearest snapshot and replaying forward.

use super::{snapshots, Alert, Guide, Session, ALERTS, MAX_STEPS_PER_TICK, SPEEDS};
use crate::kafka::{KafkaStep, KafkaWorld};
use crate::lesson::expect::RunObserver;
use crate::present::monitor::ViolationKind;
use crate::sim::{Cause, SimDuration, SimTime};
use std::rc::Rc;

/// Recent steps kept for the narration.
const RECENT_STEPS: usize = 600;
/// Most steps "Next" runs looking for something to tell.
const MAX_QUIET_STEPS: u32 = 20_000;
/// Most steps "Run to end" takes in one go.
const MAX_RUN_TO_END_STEPS: u32 = 200_000;

/// Everything the run had at one step: enough to continue from there.
#[derive(Clone, Debug)]
pub(super) struct Snapshot {
    pub step: u64,
    world: KafkaWorld,
    observer: RunObserver,
    guide: Guide,
    challenge: Option<crate::lesson::challenge::ChallengeProgress>,
    lesson_console: super::lesson_console::LessonConsole,
}

impl Session {
    pub(super) fn snapshot(&self) -> Snapshot {
        Snapshot {
            step: self.world.steps_taken(),
            world: self.world.clone(),
            observer: self.observer.clone(),
            guide: self.guide.clone(),
            challenge: self.challenge.clone(),
            lesson_console: self.lesson_console.clone(),
        }
    }

    /// Take one step forward along the recording (re-applying a recorded command if one is
    /// due). Returns false when nothing is left, or a beat asks Play to stop.
    pub(super) fn step_once(&mut self) -> bool {
        let due = self
            .commands
            .iter()
            .find(|c| c.after_step == self.world.steps_taken())
            .cloned();
        let step = match due {
            Some(recorded) => match self.world.apply_command(recorded.command) {
                Ok(step) => step,
                Err(e) => {
                    self.error(format!("replay failed: {e}"));
                    return false;
                }
            },
            // The lesson's console lines due by now are typed first (see `lesson_console`).
            None => match self.lesson_console_step() {
                Some(step) => step,
                None => match self.world.step() {
                    Some(step) => step,
                    None => {
                        self.playing = false;
                        return false;
                    }
                },
            },
        };
        let go_on = self.record_step(step);
        self.finish_lesson_line();
        go_on
    }

    /// Keep what a step did: observe it, advance the guide, remember it for the narration.
    /// Returns false when a beat wants Play to stop here.
    pub(super) fn record_step(&mut self, step: KafkaStep) -> bool {
        let index = step.index;
        self.observer.observe(&step);
        if let Some(challenge) = &mut self.challenge {
            challenge.observe(&step, &self.world, &self.observer);
        }
        self.monitor(&step);
        self.console_observe(&step);
        for text in step
            .events
            .iter()
            .filter_map(crate::present::highlight::alert_text)
        {
            self.alerts.push_back(Alert {
                index,
                time: crate::present::view::time_text(step.time),
                text,
            });
            while self.alerts.len() > ALERTS {
                self.alerts.pop_front();
            }
        }
        let change = self
            .guide
            .advance(Some(&step), &self.world, &self.observer, &self.answers);
        self.recent.push_back(Rc::new(step));
        while self.recent.len() > RECENT_STEPS {
            self.recent.pop_front();
        }
        self.horizon = self.horizon.max(index);
        self.maybe_snapshot(index);
        if change.pause && self.playing {
            self.playing = false;
            return false;
        }
        !change.pause
    }

    /// Name the guarantees this step broke, unless the monitors examined it before on this
    /// recording (a replay after a rewind): their findings for it are then in `violations`
    /// already, and examining the same step again finds the same (the step, the world after it,
    /// the history and the earlier findings are all the same).
    fn monitor(&mut self, step: &KafkaStep) {
        if step.index <= self.examined {
            return;
        }
        let mut broken = crate::present::monitor::violations(
            step,
            &self.world,
            &self.observer.history,
            &self.violations,
        );
        // A write is lost once: when a leader without it takes over, or when its last copy goes.
        broken.retain(|v| {
            v.kind != ViolationKind::LostWrite
                || !self
                    .violations
                    .iter()
                    .any(|o| o.kind == v.kind && o.record == v.record)
        });
        self.violations.extend(broken);
        self.examined = step.index;
    }

    /// Take a snapshot when one is due and thin the others (see `snapshots` for the policy).
    fn maybe_snapshot(&mut self, index: u64) {
        if !snapshots::due(index) || self.snapshots.last().is_some_and(|s| s.step >= index) {
            return;
        }
        self.snapshots.push(Rc::new(self.snapshot()));
        let horizon = self.horizon.max(index);
        self.snapshots
            .retain(|s| snapshots::keep(s.step, index, horizon));
    }

    /// Next (↓): step until a step with something to tell.
    pub(super) fn step_to_event(&mut self) {
        self.playing = false;
        for _ in 0..MAX_QUIET_STEPS {
            let go_on = self.step_once();
            let eventful = self.last_step().is_some_and(|s| {
                !s.events.is_empty()
                    || !s.dropped.is_empty()
                    || !matches!(s.cause, Cause::Deliver { .. } | Cause::Timer { .. })
            });
            if !go_on || eventful {
                break;
            }
        }
    }

    pub(super) fn tick(&mut self, wall_ms: u64, max_steps: u32) {
        if !self.playing {
            return;
        }
        let budget = if max_steps == 0 {
            MAX_STEPS_PER_TICK
        } else {
            max_steps
        };
        let (sim_ms_per_wall_s, _) = SPEEDS[self.speed_index as usize];
        // wall_ms * (sim ms per wall s) / 1000 = sim ms; in micros: wall_ms * speed.
        self.play_debt_micros += wall_ms.min(250) * sim_ms_per_wall_s;
        let target = self
            .world
            .now()
            .plus(SimDuration::from_micros(self.play_debt_micros));
        let mut taken = 0;
        while taken < budget && self.next_event_time().is_some_and(|t| t <= target) {
            taken += 1;
            if !self.step_once() {
                break;
            }
        }
        self.behind = taken >= budget;
        if !self.playing {
            self.play_debt_micros = 0;
        } else if !self.behind {
            self.world.advance_idle_to(target);
            self.play_debt_micros = 0;
            let change = self
                .guide
                .advance(None, &self.world, &self.observer, &self.answers);
            if change.pause {
                self.playing = false;
            }
        } else {
            // Too much to do this frame: stay behind rather than freeze the page, and drop
            // the debt beyond one frame so the run does not lurch forward later.
            self.play_debt_micros = (wall_ms.min(250) * sim_ms_per_wall_s).min(
                target
                    .as_micros()
                    .saturating_sub(self.world.now().as_micros()),
            );
        }
        if self.is_finished() {
            self.playing = false;
        }
    }

    /// The time of the next thing that will happen: a recorded command or a scheduled occurrence.
    pub(super) fn next_event_time(&self) -> Option<SimTime> {
        if self
            .commands
            .iter()
            .any(|c| c.after_step == self.world.steps_taken())
        {
            return Some(self.world.now());
        }
        match (self.world.next_time(), self.lesson_console_time()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(super) fn run_to_end(&mut self) {
        self.playing = false;
        let end = SimTime::from_ms(self.lesson.run_until_ms);
        let mut taken = 0;
        while taken < MAX_RUN_TO_END_STEPS && self.next_event_time().is_some_and(|t| t <= end) {
            // Beats fire on the way, but "run to end" does not stop for them.
            self.step_once();
            taken += 1;
        }
        self.world.advance_idle_to(end);
    }

    /// Restore the nearest snapshot at or before `target` and replay the recording up to it.
    /// Beats fire again on the way (answers given before are reused), without pausing.
    pub(super) fn seek(&mut self, target: u64) {
        // Moving along the timeline lets go of a running console tool (its consumer stays in
        // the recording; the replay does not print for it again).
        self.console_running = None;
        let target = target.min(self.horizon.max(self.world.steps_taken()));
        // Past `examined` the replay must examine steps, so it starts no later than that.
        let nearest = self.nearest_snapshot(target.min(self.examined));
        // Going back, or forward past a snapshot nearer the target than the current step.
        if target < self.world.steps_taken() || nearest > self.world.steps_taken() {
            self.restore(target);
        }
        self.replay_to(target);
    }

    /// The step of the nearest snapshot at or before `target`.
    fn nearest_snapshot(&self, target: u64) -> u64 {
        self.snapshots
            .iter()
            .rev()
            .find(|s| s.step <= target)
            .map_or(0, |s| s.step)
    }

    /// Put the run back to the nearest snapshot at or before `limit` (and at or before
    /// `examined`, so that the replay from it examines every step the monitors have not).
    pub(super) fn restore(&mut self, limit: u64) {
        self.console_running = None;
        let limit = limit.min(self.examined);
        let Some(nearest) = self.snapshots.iter().rev().find(|s| s.step <= limit) else {
            return;
        };
        let snapshot = Snapshot::clone(nearest);
        self.world = snapshot.world;
        self.observer = snapshot.observer;
        self.guide = snapshot.guide;
        self.challenge = snapshot.challenge;
        self.lesson_console = snapshot.lesson_console;
        self.alerts.clear();
        self.recent.clear();
    }

    /// Replay the recording forward up to `target`.
    pub(super) fn replay_to(&mut self, target: u64) {
        while self.world.steps_taken() < target {
            let before = self.world.steps_taken();
            self.step_once();
            if self.world.steps_taken() == before {
                break;
            }
        }
        let now = self.world.steps_taken();
        self.question_passed = self
            .guide
            .shown_since()
            .filter(|at| self.guide.blocks_play() && now > *at);
    }
}
