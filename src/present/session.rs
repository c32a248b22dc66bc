//! The session: one run's world, its recording and its timeline. The UI's reducer delegates every
//! action here, so stepping, playing, rewinding, injecting commands and sharing are pure,
//! natively tested logic. Rewind restores the nearest snapshot and replays the recording forward;
//! a command injected after rewinding replaces the future.

use super::narrate::narrate;
use super::share::{self, LessonRef, SharedRun};
use crate::kafka::{Command, KafkaStep, KafkaWorld};
use crate::lesson::lab::LabRun;
use crate::lesson::{builtin, Lesson};
use crate::sim::{RecordedCommand, SimDuration, SimTime};
use std::collections::VecDeque;
use std::rc::Rc;

/// Take a snapshot (a clone of the world) every this many steps.
const SNAPSHOT_EVERY: u64 = 400;
/// Keep at most this many snapshots; older ones are thinned out.
const MAX_SNAPSHOTS: usize = 60;
/// Event log lines kept for display.
const LOG_LINES: usize = 400;
/// Most steps one play tick may take, so the page stays responsive at high speed.
pub const MAX_STEPS_PER_TICK: u32 = 4000;

/// Play speed as simulated milliseconds per wall second: 100 = 0.1x, 1_000_000 = 1000x.
pub const SPEEDS: &[(u64, &str)] = &[
    (100, "0.1x"),
    (250, "0.25x"),
    (500, "0.5x"),
    (1_000, "1x"),
    (2_000, "2x"),
    (5_000, "5x"),
    (10_000, "10x"),
    (50_000, "50x"),
    (100_000, "100x"),
    (1_000_000, "1000x"),
];

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogLine {
    pub index: u64,
    pub text: String,
    /// Something went wrong in this step (an error, a drop, a fault) and deserves colour.
    pub alarming: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NoticeLevel {
    Info,
    Error,
}

/// A recent error or fault worth a teacher's attention, shown until newer ones push it out.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Alert {
    pub index: u64,
    pub time: String,
    pub text: String,
}

/// How many alerts stay on screen.
const ALERTS: usize = 4;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
}

#[derive(Clone, PartialEq, Debug)]
pub enum Action {
    Step,
    /// Step until a step with something to tell (an event or a drop); skips quiet timers and
    /// empty long-poll answers.
    StepToEvent,
    /// Go back one step (restore and replay).
    StepBack,
    Play,
    Pause,
    SetSpeed(u32),
    /// The play loop's clock: `wall_ms` of real time passed.
    Tick {
        wall_ms: u64,
    },
    /// Go to step `n` of the timeline (backwards or forwards).
    SeekTo(u64),
    Reset {
        seed: u64,
    },
    LoadBuiltin(String),
    /// A lesson file the user loaded or pasted.
    LoadCustom(String),
    /// Restore a shared link (the URL fragment without `#`).
    LoadShared(String),
    Command(Command),
    DismissNotice,
    /// Show an informational notice (e.g. "link copied").
    Inform(String),
    /// Run until the lesson's `run_until_ms` (or until `max_steps`).
    RunToEnd,
    /// Start the lesson's lab (every configuration, each in its own world) from the beginning.
    StartLab,
    /// Advance the running lab by at most this many steps (the UI calls it in slices).
    AdvanceLab {
        steps: u64,
    },
    CancelLab,
}

#[derive(Clone, Debug)]
pub struct Session {
    lesson: Rc<Lesson>,
    lesson_ref: LessonRef,
    seed: u64,
    world: KafkaWorld,
    commands: Vec<RecordedCommand<Command>>,
    snapshots: Vec<(u64, KafkaWorld)>,
    log: VecDeque<LogLine>,
    alerts: VecDeque<Alert>,
    /// The furthest step this timeline has reached (the scrubber's end).
    horizon: u64,
    last_step: Option<Rc<KafkaStep>>,
    playing: bool,
    speed_index: u32,
    notice: Option<Notice>,
    /// Simulated microseconds owed to the clock by play ticks but not yet stepped.
    play_debt_micros: u64,
    /// The lesson's lab, running or finished; independent of the main world.
    lab: Option<LabRun>,
}

impl Session {
    pub fn new(lesson: Lesson, lesson_ref: LessonRef, seed: u64) -> Session {
        let world = lesson.world(seed);
        Session {
            lesson: Rc::new(lesson),
            lesson_ref,
            seed,
            snapshots: vec![(0, world.clone())],
            world,
            commands: Vec::new(),
            log: VecDeque::new(),
            alerts: VecDeque::new(),
            horizon: 0,
            last_step: None,
            playing: false,
            speed_index: 3,
            notice: None,
            play_debt_micros: 0,
            lab: None,
        }
    }

    /// The first built-in lesson, for a fresh page.
    pub fn default_session() -> Session {
        let (id, _) = builtin::BUILTIN[0];
        let lesson = builtin::load(id).expect("built-in lessons are tested");
        let seed = lesson.seed;
        Session::new(lesson, LessonRef::Builtin(id.to_string()), seed)
    }

    pub fn world(&self) -> &KafkaWorld {
        &self.world
    }
    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }
    pub fn lesson_ref(&self) -> &LessonRef {
        &self.lesson_ref
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn log(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.log.iter()
    }
    /// The last `n` log lines, oldest first.
    pub fn recent_log(&self, n: usize) -> Vec<LogLine> {
        self.log
            .iter()
            .skip(self.log.len().saturating_sub(n))
            .cloned()
            .collect()
    }
    pub fn alerts(&self) -> Vec<Alert> {
        self.alerts.iter().rev().cloned().collect()
    }
    pub fn last_step(&self) -> Option<&KafkaStep> {
        self.last_step.as_deref()
    }
    pub fn is_playing(&self) -> bool {
        self.playing
    }
    pub fn speed_index(&self) -> u32 {
        self.speed_index
    }
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
    pub fn horizon(&self) -> u64 {
        self.horizon
    }
    pub fn commands(&self) -> &[RecordedCommand<Command>] {
        &self.commands
    }
    pub fn lab(&self) -> Option<&LabRun> {
        self.lab.as_ref()
    }
    pub fn lab_running(&self) -> bool {
        self.lab.as_ref().is_some_and(|l| !l.is_done())
    }
    pub fn is_finished(&self) -> bool {
        self.world.next_time().is_none()
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Step => {
                self.playing = false;
                self.step_once();
            }
            Action::StepToEvent => {
                self.playing = false;
                for _ in 0..20_000 {
                    if !self.step_once() {
                        break;
                    }
                    let eventful = self.last_step.as_ref().is_some_and(|s| {
                        !s.events.is_empty()
                            || !s.dropped.is_empty()
                            || !matches!(
                                s.cause,
                                crate::sim::Cause::Deliver { .. } | crate::sim::Cause::Timer { .. }
                            )
                    });
                    if eventful {
                        break;
                    }
                }
            }
            Action::StepBack => {
                self.playing = false;
                let target = self.world.steps_taken().saturating_sub(1);
                self.seek(target);
            }
            Action::Play => {
                self.playing = !self.is_finished();
                self.play_debt_micros = 0;
            }
            Action::Pause => self.playing = false,
            Action::SetSpeed(i) => self.speed_index = i.min(SPEEDS.len() as u32 - 1),
            Action::Tick { wall_ms } => self.tick(wall_ms),
            Action::SeekTo(step) => {
                self.playing = false;
                self.seek(step);
            }
            Action::Reset { seed } => self.reset(seed),
            Action::LoadBuiltin(id) => match builtin::load(&id) {
                Ok(lesson) => self.replace(lesson, LessonRef::Builtin(id), None),
                Err(e) => self.error(e.to_string()),
            },
            Action::LoadCustom(text) => match Lesson::parse(&text) {
                Ok(lesson) => self.replace(lesson, LessonRef::Custom(text), None),
                Err(e) => self.error(format!("This lesson file has a problem: {e}")),
            },
            Action::LoadShared(fragment) => self.load_shared(&fragment),
            Action::Command(command) => self.inject(command),
            Action::DismissNotice => self.notice = None,
            Action::Inform(text) => {
                self.notice = Some(Notice {
                    level: NoticeLevel::Info,
                    text,
                })
            }
            Action::RunToEnd => self.run_to_end(),
            Action::StartLab => match LabRun::new(&self.lesson, self.seed) {
                Some(lab) => {
                    self.playing = false;
                    self.lab = Some(lab);
                }
                None => self.error("This lesson has no lab to run.".into()),
            },
            Action::AdvanceLab { steps } => {
                if let Some(lab) = &mut self.lab {
                    lab.advance(steps);
                }
            }
            Action::CancelLab => self.lab = None,
        }
    }

    fn error(&mut self, text: String) {
        self.notice = Some(Notice {
            level: NoticeLevel::Error,
            text,
        });
    }

    fn replace(&mut self, lesson: Lesson, lesson_ref: LessonRef, seed: Option<u64>) {
        let seed = seed.unwrap_or(lesson.seed);
        let speed = self.speed_index;
        *self = Session::new(lesson, lesson_ref, seed);
        self.speed_index = speed;
    }

    fn reset(&mut self, seed: u64) {
        let lesson = (*self.lesson).clone();
        let lesson_ref = self.lesson_ref.clone();
        self.replace(lesson, lesson_ref, Some(seed));
    }

    /// Take one step forward along the recording (re-applying a recorded command if one is due).
    fn step_once(&mut self) -> bool {
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
            None => match self.world.step() {
                Some(step) => step,
                None => {
                    self.playing = false;
                    return false;
                }
            },
        };
        self.record_step(step);
        true
    }

    fn record_step(&mut self, step: KafkaStep) {
        let index = step.index;
        let alarming = step.rejected.is_some()
            || !step.dropped.is_empty()
            || matches!(step.cause, crate::sim::Cause::Drop { .. })
            || step.events.iter().any(super::highlight::is_alarming);
        for text in step.events.iter().filter_map(super::highlight::alert_text) {
            self.alerts.push_back(Alert {
                index,
                time: super::view::time_text(step.time),
                text,
            });
            while self.alerts.len() > ALERTS {
                self.alerts.pop_front();
            }
        }
        self.log.push_back(LogLine {
            index,
            text: narrate(&step),
            alarming,
        });
        while self.log.len() > LOG_LINES {
            self.log.pop_front();
        }
        self.last_step = Some(Rc::new(step));
        self.horizon = self.horizon.max(index);
        if index % SNAPSHOT_EVERY == 0 && self.snapshots.last().is_none_or(|(s, _)| *s < index) {
            self.snapshots.push((index, self.world.clone()));
            if self.snapshots.len() > MAX_SNAPSHOTS {
                // Keep the first snapshot and every other one after it: older history gets coarser.
                let thinned = self
                    .snapshots
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i == 0 || i % 2 == 1)
                    .map(|(_, s)| s.clone())
                    .collect();
                self.snapshots = thinned;
            }
        }
    }

    fn tick(&mut self, wall_ms: u64) {
        if !self.playing {
            return;
        }
        let (sim_ms_per_wall_s, _) = SPEEDS[self.speed_index as usize];
        // wall_ms * (sim ms per wall s) / 1000 = sim ms; in micros: wall_ms * speed.
        self.play_debt_micros += wall_ms.min(250) * sim_ms_per_wall_s;
        let target = self
            .world
            .now()
            .plus(SimDuration::from_micros(self.play_debt_micros));
        let mut taken = 0;
        while taken < MAX_STEPS_PER_TICK && self.next_event_time().is_some_and(|t| t <= target) {
            if !self.step_once() {
                break;
            }
            taken += 1;
        }
        if taken < MAX_STEPS_PER_TICK {
            self.world.advance_idle_to(target);
            self.play_debt_micros = 0;
        } else {
            // Too much to do this tick: stay behind rather than freeze the page.
            self.play_debt_micros = target
                .as_micros()
                .saturating_sub(self.world.now().as_micros());
        }
        if self.is_finished() {
            self.playing = false;
        }
    }

    /// The time of the next thing that will happen: a recorded command or a scheduled occurrence.
    fn next_event_time(&self) -> Option<SimTime> {
        if self
            .commands
            .iter()
            .any(|c| c.after_step == self.world.steps_taken())
        {
            return Some(self.world.now());
        }
        self.world.next_time()
    }

    fn run_to_end(&mut self) {
        self.playing = false;
        let end = SimTime::from_ms(self.lesson.run_until_ms);
        let mut taken = 0;
        while taken < 200_000 && self.next_event_time().is_some_and(|t| t <= end) {
            if !self.step_once() {
                break;
            }
            taken += 1;
        }
        self.world.advance_idle_to(end);
    }

    /// Restore the nearest snapshot at or before `target` and replay the recording up to it.
    fn seek(&mut self, target: u64) {
        let target = target.min(self.horizon.max(self.world.steps_taken()));
        if target >= self.world.steps_taken() {
            while self.world.steps_taken() < target && self.step_once() {}
            return;
        }
        let (_, snapshot) = self
            .snapshots
            .iter()
            .rev()
            .find(|(s, _)| *s <= target)
            .expect("snapshot 0 always exists");
        self.world = snapshot.clone();
        self.log.clear();
        self.alerts.clear();
        self.last_step = None;
        while self.world.steps_taken() < target && self.step_once() {}
    }

    /// A user's command: run it now as a step. If the timeline was rewound, the old future is
    /// discarded first.
    fn inject(&mut self, command: Command) {
        let at = self.world.steps_taken();
        if at < self.horizon {
            self.commands.retain(|c| c.after_step < at);
            self.snapshots.retain(|(s, _)| *s <= at);
            self.horizon = at;
        }
        match self.world.apply_command(command.clone()) {
            Ok(step) => {
                self.commands.push(RecordedCommand {
                    after_step: at,
                    command,
                });
                self.record_step(step);
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    /// The URL fragment that reproduces this run up to the current step.
    pub fn share_fragment(&self) -> String {
        share::encode(&SharedRun {
            lesson: self.lesson_ref.clone(),
            seed: self.seed,
            step: self.world.steps_taken(),
            commands: self
                .commands
                .iter()
                .filter(|c| c.after_step < self.world.steps_taken())
                .cloned()
                .collect(),
        })
    }

    fn load_shared(&mut self, fragment: &str) {
        let run = match share::decode(fragment) {
            Ok(run) => run,
            Err(e) => return self.error(format!("This link could not be opened: {e}")),
        };
        let lesson = match &run.lesson {
            LessonRef::Builtin(id) => builtin::load(id),
            LessonRef::Custom(text) => Lesson::parse(text),
        };
        let lesson = match lesson {
            Ok(l) => l,
            Err(e) => return self.error(format!("This link's lesson has a problem: {e}")),
        };
        self.replace(lesson, run.lesson, Some(run.seed));
        self.commands = run.commands;
        self.horizon = run.step;
        self.seek(run.step);
        self.notice = Some(Notice {
            level: NoticeLevel::Info,
            text: format!("Opened a shared run at step {}.", run.step),
        });
    }
}
