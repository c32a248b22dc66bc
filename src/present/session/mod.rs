//! The session: one run's world, its recording, its timeline and its guide (the lesson's beats).
//! The UI's reducer delegates every action here, so stepping, playing, rewinding, injecting
//! commands, answering a beat's question and sharing are pure, natively tested logic. Rewind
//! restores the nearest snapshot and replays the recording forward; a command injected after
//! rewinding replaces the future.

mod branches;
mod compare;
mod console;
mod console_perf;
mod guide;
mod lesson_console;
mod snapshots;
mod timeline;

pub use branches::{command_label, BranchView, MAX_BRANCHES, MAX_NAME as MAX_BRANCH_NAME};
pub use console::{run_script, ConsoleEntry, Running};
pub use guide::{CurrentBeat, Guide, Phase};
pub use lesson_console::replay_steps;

use super::share::{self, LessonRef, SharedRun};
use crate::kafka::commands::CommandError;
use crate::kafka::{Command, KafkaStep, KafkaWorld};
use crate::lesson::expect::RunObserver;
use crate::lesson::lab::{LabRun, LabStatus};
use crate::lesson::{builtin, Lesson};
use crate::sim::RecordedCommand;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use timeline::Snapshot;

/// Most steps one play tick may take when the UI gives no budget.
pub const MAX_STEPS_PER_TICK: u32 = 4000;

/// Play speed as simulated milliseconds per wall second: 100 = 0.1x, 1_000_000 = 1000x.
pub const SPEEDS: &[(u64, &str)] = &[
    (100, "0.1×"),
    (250, "0.25×"),
    (500, "0.5×"),
    (1_000, "1×"),
    (2_000, "2×"),
    (5_000, "5×"),
    (10_000, "10×"),
    (50_000, "50×"),
    (100_000, "100×"),
    (1_000_000, "1000×"),
];

/// The speed a fresh session plays at (1×).
const DEFAULT_SPEED: u32 = 3;

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
    /// Play if paused, pause if playing.
    TogglePlay,
    SetSpeed(u32),
    /// The play loop's clock: `wall_ms` of real time passed; take at most `max_steps` steps
    /// (the UI's per-frame budget), falling behind the speed rather than freezing the page.
    Tick {
        wall_ms: u64,
        max_steps: u32,
    },
    /// Nothing changes: the UI draws the session again (the play loop applies ticks on its
    /// own frames and asks for a picture on the next).
    Redraw,
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
    /// Show an error notice.
    Fail(String),
    /// Run until the lesson's `run_until_ms` (or until `max_steps`).
    RunToEnd,
    /// The class answered the beat's question with this choice.
    Answer(u32),
    /// Go on from the beat on screen (a clicker's PageDown).
    Continue,
    /// Go back to the previous beat (a clicker's PageUp).
    BackToPreviousBeat,
    /// Start the lesson's lab (every configuration, each in its own world) from the beginning.
    StartLab,
    /// Advance the running lab by at most this many steps (the UI calls it in slices).
    AdvanceLab {
        steps: u64,
    },
    /// The lab runs elsewhere (a Web Worker running this same code): show it starting.
    StartLabElsewhere,
    /// Where the lab running elsewhere stands now.
    LabReport(LabStatus),
    CancelLab,
    /// A line typed at the console (a Kafka tool, or `sleep N` to let simulated time pass).
    Console(String),
    /// Clear the console's screen (its history of typed lines stays in the UI).
    ClearConsole,
    /// Ctrl-C: stop the tool holding the console.
    ConsoleInterrupt,
    /// Go to another branch of the timeline, at the step on screen.
    SwitchBranch(u32),
    /// Give a branch a name of the class's choosing.
    RenameBranch(u32, String),
    /// A run file the user picked (see `Session::export_run`).
    ImportRun(String),
    /// The run this browser kept for the lesson on screen (see `present::saved`).
    RestoreSaved(String),
    /// Open Compare: a second run with these changes (`p1.acks=1`, see `present::compare`).
    OpenCompare(Vec<String>),
    /// Open Compare against another branch of the timeline.
    CompareBranch(u32),
    /// Close Compare; the run on screen stays as it is.
    CloseCompare,
}

#[derive(Clone, Debug)]
pub struct Session {
    lesson: Rc<Lesson>,
    lesson_ref: LessonRef,
    seed: u64,
    world: KafkaWorld,
    /// What the run produced so far (acknowledgements, consumption, errors), for the guide's
    /// probes and the history checker.
    observer: RunObserver,
    guide: Guide,
    /// The class's answers by beat, kept across rewinds.
    answers: BTreeMap<u32, u32>,
    commands: Vec<RecordedCommand<Command>>,
    snapshots: Vec<Rc<Snapshot>>,
    /// Every branch of the run's tree (the current one's recording is live in this session).
    branches: Vec<branches::Branch>,
    current_branch: u32,
    /// A seek (a timeline drag, a shared link) carried the run past the open question: the
    /// step it was asked at.
    question_passed: Option<u64>,
    /// The most recent steps, newest last (the narration reads them).
    recent: VecDeque<Rc<KafkaStep>>,
    alerts: VecDeque<Alert>,
    /// Guarantees this timeline broke (`monitor`), oldest first: every one up to `examined`,
    /// which may lie past the step on screen after a rewind (`violations()` shows those up to
    /// the step on screen).
    violations: Vec<crate::present::monitor::Violation>,
    /// The monitors have examined every step of this recording up to here: a replay takes
    /// their findings for these steps from `violations` instead of examining them again.
    examined: u64,
    /// The challenge's verdict so far, when the lesson is a challenge.
    challenge: Option<crate::lesson::challenge::ChallengeProgress>,
    /// The furthest step this timeline has reached (the scrubber's end).
    horizon: u64,
    playing: bool,
    /// The last tick could not keep up with the speed (too many steps for one frame).
    behind: bool,
    speed_index: u32,
    notice: Option<Notice>,
    /// Simulated microseconds owed to the clock by play ticks but not yet stepped.
    play_debt_micros: u64,
    /// The lesson's lab, running or finished here; independent of the main world.
    lab: Option<LabRun>,
    /// The lab's status, when it runs elsewhere (a Web Worker).
    lab_report: Option<LabStatus>,
    /// What was typed at the console and what the tools printed, oldest first.
    console: Vec<ConsoleEntry>,
    /// The tool holding the console (a console consumer), while it runs.
    console_running: Option<console::Running>,
    /// The command that closes a console tool's client, once the current action is done.
    console_close_due: Option<Command>,
    /// Console entries ever made (tells a new entry from output added to the last one).
    console_serial: u64,
    /// The lesson's console actions: the next to type, the commands of the one running.
    lesson_console: lesson_console::LessonConsole,
    /// The second run while Compare is open.
    compare: Option<Box<crate::present::compare::CompareRun>>,
}

impl Session {
    pub fn new(lesson: Lesson, lesson_ref: LessonRef, seed: u64) -> Session {
        let world = lesson.world(seed);
        let guide = Guide::new(lesson.beats.clone());
        let challenge = lesson
            .challenge
            .as_ref()
            .map(|c| crate::lesson::challenge::ChallengeProgress::new(c.verdict.clone()));
        let mut session = Session {
            lesson: Rc::new(lesson),
            lesson_ref,
            seed,
            snapshots: Vec::new(),
            branches: Vec::new(),
            current_branch: 0,
            question_passed: None,
            observer: RunObserver::default(),
            guide,
            answers: BTreeMap::new(),
            world,
            commands: Vec::new(),
            recent: VecDeque::new(),
            alerts: VecDeque::new(),
            violations: Vec::new(),
            examined: 0,
            challenge,
            horizon: 0,
            playing: false,
            behind: false,
            speed_index: DEFAULT_SPEED,
            notice: None,
            play_debt_micros: 0,
            lab: None,
            lab_report: None,
            console: Vec::new(),
            console_running: None,
            console_close_due: None,
            console_serial: 0,
            lesson_console: Default::default(),
            compare: None,
        };
        session.open_guide();
        let first = Rc::new(session.snapshot());
        session.snapshots.push(first.clone());
        session.branches.push(branches::Branch::root(first));
        session
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
    pub fn lesson_rc(&self) -> Rc<Lesson> {
        self.lesson.clone()
    }
    pub fn lesson_ref(&self) -> &LessonRef {
        &self.lesson_ref
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn observer(&self) -> &RunObserver {
        &self.observer
    }
    /// The step of the open question a seek carried the run past (see `question_passed`).
    pub fn question_passed(&self) -> Option<u64> {
        self.question_passed
    }
    pub fn guide(&self) -> &Guide {
        &self.guide
    }
    /// The class's answer to beat `index`, if it gave one.
    pub fn answer_of(&self, index: u32) -> Option<u32> {
        self.answers.get(&index).copied()
    }
    /// The most recent steps, oldest first.
    pub fn recent_steps(&self) -> &VecDeque<Rc<KafkaStep>> {
        &self.recent
    }
    /// The broken guarantees up to the step on screen, oldest first.
    pub fn violations(&self) -> &[crate::present::monitor::Violation] {
        let now = self.world.steps_taken();
        &self.violations[..self.violations.partition_point(|v| v.step <= now)]
    }
    /// The challenge's verdict so far (a challenge lesson only).
    pub fn challenge(&self) -> Option<&crate::lesson::challenge::ChallengeProgress> {
        self.challenge.as_ref()
    }
    /// Actions the class has taken on this timeline up to the step on screen.
    pub fn actions_used(&self) -> u32 {
        let now = self.world.steps_taken();
        self.commands.iter().filter(|c| c.after_step < now).count() as u32
    }
    pub fn alerts(&self) -> Vec<Alert> {
        self.alerts.iter().rev().cloned().collect()
    }
    pub fn last_step(&self) -> Option<&KafkaStep> {
        self.recent.back().map(|s| s.as_ref())
    }
    pub fn is_playing(&self) -> bool {
        self.playing
    }
    /// Play could not keep up with the chosen speed in the last frame.
    pub fn is_behind(&self) -> bool {
        self.behind
    }
    pub fn speed_index(&self) -> u32 {
        self.speed_index
    }
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
    /// How many snapshots the timeline keeps (see `snapshots` for the policy).
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }
    pub fn horizon(&self) -> u64 {
        self.horizon
    }
    pub fn commands(&self) -> &[RecordedCommand<Command>] {
        &self.commands
    }
    /// Where the lab stands, whether it runs here or elsewhere.
    pub fn lab(&self) -> Option<LabStatus> {
        match &self.lab {
            Some(lab) => Some(lab.status()),
            None => self.lab_report.clone(),
        }
    }
    /// Whether the lab runs here (the UI then advances it in slices).
    pub fn lab_running(&self) -> bool {
        self.lab.as_ref().is_some_and(|l| !l.is_done())
    }
    pub fn is_finished(&self) -> bool {
        self.world.next_time().is_none() && self.lesson_console_time().is_none()
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Step => {
                self.playing = false;
                self.step_once();
            }
            Action::StepToEvent => self.step_to_event(),
            Action::StepBack => {
                self.playing = false;
                let target = self.world.steps_taken().saturating_sub(1);
                self.seek(target);
            }
            Action::Play => self.play(),
            Action::Pause => self.playing = false,
            Action::TogglePlay if self.playing => self.playing = false,
            Action::TogglePlay => self.play(),
            Action::SetSpeed(i) => self.speed_index = i.min(SPEEDS.len() as u32 - 1),
            Action::Tick { wall_ms, max_steps } => self.tick(wall_ms, max_steps),
            Action::Redraw => {}
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
            Action::Inform(text) => self.inform(text),
            Action::Fail(text) => self.error(text),
            Action::RunToEnd => self.run_to_end(),
            Action::Answer(choice) => self.answer(choice),
            Action::Continue => self.continue_on(),
            Action::BackToPreviousBeat => self.back_to_previous_beat(),
            Action::StartLab
            | Action::AdvanceLab { .. }
            | Action::StartLabElsewhere
            | Action::LabReport(_)
            | Action::CancelLab => self.lab_action(action),
            Action::Console(line) => self.console_line(line),
            Action::ClearConsole => self.console.clear(),
            Action::ConsoleInterrupt => self.console_stop(130),
            Action::SwitchBranch(b) => self.switch_branch(b),
            Action::RenameBranch(b, name) => self.rename_branch(b, &name),
            Action::ImportRun(text) => match share::read_run_file(&text) {
                Ok(run) => self.open_run(run, "Imported the run"),
                Err(e) => self.error(format!("This run file could not be opened: {e}")),
            },
            Action::RestoreSaved(text) => {
                match crate::present::saved::read_saved(&text, &self.lesson_ref) {
                    Ok(run) => self.open_run(run, crate::present::saved::RESTORED),
                    Err(e) => self.error(crate::present::saved::unreadable(&e)),
                }
            }
            Action::OpenCompare(changes) => self.open_compare(&changes),
            Action::CompareBranch(b) => self.compare_branch(b),
            Action::CloseCompare => self.compare = None,
        }
        self.console_close_pending();
        self.sync_compare();
    }

    fn lab_action(&mut self, action: Action) {
        match action {
            Action::StartLab | Action::StartLabElsewhere => {
                match LabRun::new(&self.lesson, self.seed) {
                    Some(lab) => {
                        self.playing = false;
                        if action == Action::StartLab {
                            self.lab = Some(lab);
                            self.lab_report = None;
                        } else {
                            self.lab_report = Some(lab.status());
                            self.lab = None;
                        }
                    }
                    None => self.error("This lesson has no lab to run.".into()),
                }
            }
            Action::AdvanceLab { steps } => {
                if let Some(lab) = &mut self.lab {
                    lab.advance(steps);
                }
            }
            // A report for a lab already cancelled (or replaced by a local run) is stale.
            Action::LabReport(status) => {
                if self.lab_report.is_some() && self.lab.is_none() {
                    self.lab_report = Some(status);
                }
            }
            Action::CancelLab => {
                self.lab = None;
                self.lab_report = None;
            }
            _ => unreachable!("only lab actions"),
        }
    }

    fn play(&mut self) {
        if self.guide.blocks_play() {
            self.inform("Answer the question first: pick one of the choices.".into());
            return;
        }
        self.guide.dismiss();
        self.playing = !self.is_finished();
        self.play_debt_micros = 0;
    }

    fn inform(&mut self, text: String) {
        self.notice = Some(Notice {
            level: NoticeLevel::Info,
            text,
        });
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

    /// Fire the lesson's opening beat, if it has one.
    fn open_guide(&mut self) {
        self.guide
            .advance(None, &self.world, &self.observer, &self.answers);
    }

    fn answer(&mut self, choice: u32) {
        let Some(index) = self.guide.current().map(|c| c.index) else {
            return;
        };
        if !self.guide.blocks_play() {
            return;
        }
        if self.question_passed.is_some() {
            // An answer now would wait for a reveal the run may already have passed.
            self.inform("The run has moved past this question: go back to it to answer.".into());
            return;
        }
        self.answers.insert(index, choice);
        if self.guide.answer(choice, &self.world, &self.observer) && !self.is_finished() {
            self.playing = true;
            self.play_debt_micros = 0;
        }
    }

    /// Continue (PageDown): go on from the caption or the answer; answer first if asked.
    fn continue_on(&mut self) {
        if self.guide.blocks_play() {
            self.inform("Answer the question first: pick one of the choices.".into());
            return;
        }
        if self.guide.dismiss() || self.guide.current().is_none() {
            // The step that fired the beat may also be the next beat's moment: check it again
            // before playing on, so no beat is skipped for sharing a step.
            let last = self.recent.back().cloned();
            let change =
                self.guide
                    .advance(last.as_deref(), &self.world, &self.observer, &self.answers);
            self.playing = !change.pause && !self.is_finished();
            self.play_debt_micros = 0;
        }
    }

    /// Back (PageUp): rewind to where the previous beat fired and show it again.
    fn back_to_previous_beat(&mut self) {
        let Some(step) = self.guide.previous_step() else {
            self.playing = false;
            self.seek(0);
            return;
        };
        self.playing = false;
        self.seek(step);
    }

    /// A user's command: run it now as a step. If the timeline was rewound, the old future is
    /// kept as its own branch and this one goes on from here.
    fn inject(&mut self, command: Command) {
        if let Some(refusal) = self.budget_spent() {
            return self.error(refusal);
        }
        if let Err(e) = self.inject_command(command) {
            self.error(e.to_string());
        }
    }

    /// Why a new action is refused: the challenge's budget of actions is spent.
    pub(super) fn budget_spent(&self) -> Option<String> {
        let budget = self.lesson.challenge.as_ref()?.budget;
        (self.actions_used() >= budget).then(|| format!(
            "The challenge's budget is spent: {budget} action(s). Play on to see what your moves do, or rewind to try another way."
        ))
    }

    /// Run `command` now as a recorded step (the console reports a refusal its own way).
    fn inject_command(&mut self, command: Command) -> Result<(), CommandError> {
        let at = self.world.steps_taken();
        let mut forked = false;
        if at < self.horizon {
            forked = self.fork(at, &command);
            if !forked {
                self.drop_branches_after(at);
                self.inform(format!(
                    "This run has {MAX_BRANCHES} branches already: the old future was replaced."
                ));
            }
            self.commands.retain(|c| c.after_step < at);
            self.snapshots.retain(|s| s.step <= at);
            self.horizon = at;
            // The old future's findings went with it (they stay in its branch).
            self.violations.retain(|v| v.step <= at);
            self.examined = self.examined.min(at);
        }
        let step = match self.world.apply_command(command.clone()) {
            Ok(step) => step,
            Err(e) => {
                // A refused command changes nothing: no branch for it.
                if forked {
                    self.unfork();
                }
                return Err(e);
            }
        };
        self.commands.push(RecordedCommand {
            after_step: at,
            command,
        });
        self.record_step(step);
        Ok(())
    }

    /// The URL fragment that reproduces this run up to the current step (with its branches,
    /// when it has some).
    pub fn share_fragment(&self) -> String {
        share::encode(&self.shared_run(false))
    }

    /// The run file "Export run" downloads: the lesson, seed, every branch and the step.
    pub fn export_run(&self) -> String {
        share::write_run_file(&self.shared_run(true))
    }

    /// The run as a link or file carries it. Without branches, a link keeps only the commands
    /// up to the step on screen (as links always have); a file, or a run with branches, keeps
    /// every branch whole.
    fn shared_run(&self, tree: bool) -> SharedRun {
        let step = self.world.steps_taken();
        let mut run = SharedRun {
            lesson: self.lesson_ref.clone(),
            seed: self.seed,
            step,
            commands: Vec::new(),
            branches: Vec::new(),
            branch: 0,
        };
        if self.branches.len() == 1 && !tree {
            run.commands = self
                .commands
                .iter()
                .filter(|c| c.after_step < step)
                .cloned()
                .collect();
            return run;
        }
        run.branch = self.current_branch;
        run.branches = (0..self.branches.len())
            .map(|i| self.shared_branch(i))
            .collect();
        run
    }

    fn shared_branch(&self, i: usize) -> share::SharedBranch {
        let b = &self.branches[i];
        let live = i as u32 == self.current_branch;
        let (commands, horizon) = match live {
            true => (&self.commands, self.horizon.max(self.world.steps_taken())),
            false => (&b.commands, b.horizon),
        };
        share::SharedBranch {
            name: b.name.clone(),
            parent: b.parent,
            fork: b.fork,
            horizon,
            commands: commands
                .iter()
                .filter(|c| c.after_step >= b.fork)
                .cloned()
                .collect(),
        }
    }

    fn load_shared(&mut self, fragment: &str) {
        match share::decode(fragment) {
            Ok(run) => self.open_run(run, "Opened a shared run"),
            Err(e) => self.error(format!("This link could not be opened: {e}")),
        }
    }

    /// Open a run from a link or a file: its lesson, seed, branches, and the step it was at.
    fn open_run(&mut self, run: SharedRun, what: &str) {
        let lesson = match &run.lesson {
            LessonRef::Builtin(id) => builtin::load(id),
            LessonRef::Custom(text) => Lesson::parse(text),
        };
        let lesson = match lesson {
            Ok(l) => l,
            Err(e) => return self.error(format!("This run's lesson has a problem: {e}")),
        };
        self.replace(lesson, run.lesson.clone(), Some(run.seed));
        if run.branches.is_empty() {
            self.commands = run.commands;
            self.horizon = run.step;
        } else {
            self.restore_tree(&run);
        }
        self.seek(run.step);
        let on = match self.branches.len() {
            1 => String::new(),
            n => format!(
                " (branch \u{201c}{}\u{201d}, one of {n})",
                self.branches[self.current_branch as usize].name
            ),
        };
        self.inform(format!("{what} at step {}{on}.", run.step));
    }
}
