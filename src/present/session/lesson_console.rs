//! The lesson's console actions in the session: each line runs exactly as if typed at its
//! `at_ms` (once everything due by then has run), its entry joins the console's transcript, and
//! the commands it asks for run as steps of their own, one per `step_once`, so seeking to any
//! step lands on it. They are not recorded: the lesson is part of the run, so a replay (rewind,
//! a shared link) types the line again and gets the same commands. Which line is next and what
//! is left of the one running live in the snapshots.
//!
//! A tool that holds the terminal (a console consumer) starts only the first time through, at
//! the timeline's horizon, as a typed one does; its close is recorded like the user's.

use super::console::{ConsoleEntry, Running};
use super::Session;
use crate::kafka::commands::CommandError;
use crate::kafka::{Command, KafkaStep, KafkaWorld};
use crate::lesson::Lesson;
use crate::present::console::{self, ConsoleCommand, Foreground};
use crate::sim::RecordedCommand;
use crate::sim::SimTime;
use std::collections::VecDeque;

/// Where the lesson's console actions stand.
#[derive(Clone, PartialEq, Debug, Default)]
pub(super) struct LessonConsole {
    /// The next action to type (an index into `Lesson::console`).
    next: u32,
    /// The commands of the line typed last, still to run.
    pending: Option<Pending>,
}

#[derive(Clone, PartialEq, Debug)]
struct Pending {
    action: u32,
    command: ConsoleCommand,
    queue: VecDeque<Command>,
    result: Result<(), CommandError>,
    foreground: Option<Foreground>,
    /// The line ran at the horizon (the first time through): its tool may start.
    fresh: bool,
    /// Its transcript entry was written now (its result lines join it).
    written: bool,
}

impl Session {
    /// When the lesson's console needs a step: now if a line's commands wait, else the time
    /// of its next line.
    pub(super) fn lesson_console_time(&self) -> Option<SimTime> {
        if self
            .lesson_console
            .pending
            .as_ref()
            .is_some_and(|p| !p.queue.is_empty())
        {
            return Some(self.world.now());
        }
        let next = self.lesson.console.get(self.lesson_console.next as usize)?;
        Some(next.at.max(self.world.now()))
    }

    /// Type the lines that are due, then run the next command one of them asked for. `None`
    /// when no step was taken (the caller steps the world instead).
    pub(super) fn lesson_console_step(&mut self) -> Option<KafkaStep> {
        while self.lesson_console.pending.is_none() {
            let index = self.lesson_console.next;
            let Some(action) = self.lesson.console.get(index as usize) else {
                break;
            };
            if !crate::lesson::console::due(action.at, &self.world) {
                break;
            }
            let (at, line) = (action.at, action.line.clone());
            self.lesson_console.next += 1;
            self.type_lesson_line(index, at, line);
            if self.world.next_time().is_none() {
                // An idle world: one line per call, so a caller with a time limit stops here.
                break;
            }
        }
        let pending = self.lesson_console.pending.as_mut()?;
        let command = pending.queue.pop_front()?;
        match self.world.apply_command(command) {
            Ok(step) => Some(step),
            Err(e) => {
                pending.result = Err(e);
                pending.queue.clear();
                self.finish_lesson_line();
                None
            }
        }
    }

    /// The line as a terminal runs it now: its entry in the transcript, its commands queued.
    fn type_lesson_line(&mut self, index: u32, at: SimTime, line: String) {
        self.world.advance_idle_to(at);
        let fresh = self.world.steps_taken() >= self.horizon;
        let outcome = console::run(&self.world, &line);
        self.observer.console_line_ran(&line);
        let existing = self
            .console
            .iter()
            .position(|e| e.lesson_action == Some(index));
        // Behind the horizon the transcript already has this line with what it printed.
        let written = fresh || existing.is_none();
        if written {
            if let Some(i) = existing {
                self.console.remove(i);
            }
            // Shown from the step after the line: by then it has run (its first command, or
            // the world's next step, comes next).
            let step = self.world.steps_taken() + 1;
            self.console_serial += 1;
            let entry = ConsoleEntry {
                step,
                at: self.world.now(),
                line,
                output: outcome.lines,
                dropped_lines: 0,
                exit_code: outcome.exit_code,
                lesson_action: Some(index),
                serial: self.console_serial,
            };
            let place = self.console.partition_point(|e| e.step <= step);
            self.console.insert(place, entry);
        }
        if let Some(command) = outcome.command {
            let mut queue = VecDeque::from([command.command.clone()]);
            queue.extend(command.then.iter().cloned());
            self.lesson_console.pending = Some(Pending {
                action: index,
                command,
                queue,
                result: Ok(()),
                foreground: outcome.foreground,
                fresh,
                written,
            });
        }
    }

    /// After a step: once the running line's commands are done, what the tool prints for
    /// their result, and the tool it starts.
    pub(super) fn finish_lesson_line(&mut self) {
        if !self
            .lesson_console
            .pending
            .as_ref()
            .is_some_and(|p| p.queue.is_empty())
        {
            return;
        }
        let Some(pending) = self.lesson_console.pending.take() else {
            return;
        };
        let (lines, code) = pending.command.result_lines(&pending.result);
        let entry = self
            .console
            .iter_mut()
            .find(|e| e.lesson_action == Some(pending.action));
        let serial = entry.as_ref().map(|e| e.serial);
        if let (true, Some(entry)) = (pending.written, entry) {
            entry.output.extend(lines);
            entry.exit_code = code;
        }
        let tool = match (pending.fresh, &pending.result, pending.foreground, serial) {
            (true, Ok(()), Some(tool), Some(serial)) => (tool, serial),
            _ => return,
        };
        if self.console_running.is_some() {
            // One tool holds the terminal: the lesson's new one stops the one running.
            self.console_stop(130);
        }
        self.console_start(tool.0, tool.1);
    }

    /// A tool takes the terminal (its clock starts now), printing into entry `serial`.
    pub(super) fn console_start(&mut self, mut tool: Foreground, serial: u64) {
        match &mut tool {
            Foreground::PerfTest(run) => run.start(self.world.now().as_ms()),
            Foreground::ConsumerPerf(run) => run.start(self.world.now().as_ms()),
            _ => {}
        }
        self.console_running = Some(Running {
            tool,
            printed: 0,
            since: self.world.now(),
            entry: serial,
        });
    }
}

/// The run's steps from time zero up to step `end`, taken in the order the session takes them
/// (a recorded command due, else the lesson's console lines due and their commands, else the
/// world's next occurrence), for code that replays a session's run on a world of its own (the
/// record inspector). Stops where a recorded command is refused, as a replay does.
pub fn replay_steps(
    lesson: &Lesson,
    seed: u64,
    commands: &[RecordedCommand<Command>],
    end: u64,
    mut on_step: impl FnMut(&KafkaStep),
) -> KafkaWorld {
    let mut world = lesson.world(seed);
    let mut next_line = 0;
    let mut queue: VecDeque<Command> = VecDeque::new();
    while world.steps_taken() < end {
        let at = world.steps_taken();
        let step = match commands.iter().find(|c| c.after_step == at) {
            Some(recorded) => match world.apply_command(recorded.command.clone()) {
                Ok(step) => Some(step),
                Err(_) => break,
            },
            None => {
                while queue.is_empty() {
                    let Some(line) = lesson.console.get(next_line) else {
                        break;
                    };
                    if !crate::lesson::console::due(line.at, &world) {
                        break;
                    }
                    next_line += 1;
                    world.advance_idle_to(line.at);
                    if let Some(typed) = console::run(&world, &line.line).command {
                        queue.push_back(typed.command);
                        queue.extend(typed.then);
                    }
                    if world.next_time().is_none() {
                        break;
                    }
                }
                let mut taken = None;
                if let Some(command) = queue.pop_front() {
                    match world.apply_command(command) {
                        Ok(step) => taken = Some(step),
                        Err(_) => queue.clear(),
                    }
                }
                taken.or_else(|| world.step())
            }
        };
        match step {
            Some(step) => on_step(&step),
            None => break,
        }
    }
    world
}
