//! The session's side of the console: a typed line runs against the world at the current step
//! (`present::console::run`); a tool that changes the cluster hands back a command, which is
//! injected and recorded like any click, so replay and shared links reproduce its effect; the
//! transcript remembers the step each line ran at, and rewinding hides what came later.

use super::Session;
use crate::kafka::event::Event;
use crate::kafka::{Command, KafkaStep, NodeId};
use crate::present::console::{self, Foreground, Line, Stream};
use crate::sim::{SimDuration, SimTime};

/// Entries the transcript keeps; older ones scroll away.
const MAX_ENTRIES: u32 = 200;
/// Lines one entry keeps (the rest are counted, not kept).
const MAX_LINES_PER_ENTRY: u32 = 2_000;
/// Longest `sleep` the console accepts, in seconds of simulated time.
pub const MAX_SLEEP_SECONDS: u64 = 3_600;
/// How long a script waits for a running tool (a console consumer) before Ctrl-C, in seconds.
const SCRIPT_WAIT_SECONDS: u32 = 60;
/// How long a script waits for a producer perf test before Ctrl-C, in seconds.
const PERF_WAIT_SECONDS: u32 = 600;
/// Most steps one `sleep` may take, so a busy cluster cannot freeze the page.
const MAX_SLEEP_STEPS: u32 = 200_000;

/// One line typed at the console and everything it printed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsoleEntry {
    /// The step the world had reached once the line ran (its command included).
    pub step: u64,
    /// Simulated time when it ran.
    pub at: SimTime,
    pub line: String,
    pub output: Vec<Line>,
    /// Output lines beyond [`MAX_LINES_PER_ENTRY`], dropped.
    pub dropped_lines: u32,
    pub exit_code: i32,
    /// The lesson typed it: its console action's index (see `lesson_console`).
    pub lesson_action: Option<u32>,
    /// Counts entries ever made in this session (tells a new entry from an old one).
    pub serial: u64,
}

/// A tool holding the terminal (`Foreground`) and what it has done so far.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Running {
    pub tool: Foreground,
    /// Messages the console consumer printed.
    pub printed: u32,
    /// When the consumer last returned a record (or started): `--timeout-ms` counts from here.
    pub since: SimTime,
    /// The transcript entry it prints into (its `serial`).
    pub entry: u64,
}

impl Session {
    /// The tool holding the console, if one runs.
    pub fn console_running(&self) -> Option<&Running> {
        self.console_running.as_ref()
    }

    /// The transcript up to the current step (lines typed later in a rewound run are hidden).
    pub fn console_entries(&self) -> impl Iterator<Item = &ConsoleEntry> {
        let now = self.world.steps_taken();
        self.console.iter().filter(move |e| e.step <= now)
    }

    pub(super) fn console_line(&mut self, line: String) {
        if let Some(running) = &self.console_running {
            if matches!(running.tool, Foreground::Producer { .. }) {
                return self.console_producer_line(line);
            }
            // A running consumer does not read the terminal; what is typed only echoes.
            return self.console_print(vec![Line {
                stream: Stream::Out,
                text: line,
            }]);
        }
        let at = self.world.steps_taken();
        // Typing after a rewind replaces the transcript's future, as a command replaces the
        // recording's.
        self.console.retain(|e| e.step <= at);
        let started = self.world.now();
        // The entry's number, taken now: the lesson may type lines while this one runs.
        self.console_serial += 1;
        let serial = self.console_serial;
        let outcome = console::run(&self.world, &line);
        if outcome.clear {
            self.console.clear();
            return;
        }
        let mut output = outcome.lines;
        let mut exit_code = outcome.exit_code;
        if let (Some(_), Some(refusal)) = (&outcome.command, self.budget_spent()) {
            // A challenge's budget counts console commands as it counts clicks.
            output.push(err(refusal));
            exit_code = 1;
        } else if let Some(pending) = outcome.command {
            let mut result = self.inject_command(pending.command.clone());
            for next in &pending.then {
                if result.is_ok() {
                    result = self.inject_command(next.clone());
                }
            }
            let (lines, code) = pending.result_lines(&result);
            output.extend(lines);
            exit_code = code;
            if result.is_ok() && pending.settle_ms > 0 {
                self.settle(pending.settle_ms);
            }
            if let (Ok(()), Some(tool)) = (result, outcome.foreground) {
                self.console_start(tool, serial);
            }
        }
        if let Some(seconds) = sleep_seconds(&line, &mut output, &mut exit_code) {
            self.sleep(seconds);
        }
        let kept = output.len().min(MAX_LINES_PER_ENTRY as usize);
        let dropped_lines = (output.len() - kept) as u32;
        output.truncate(kept);
        self.console.push(ConsoleEntry {
            step: self.world.steps_taken(),
            at: started,
            line: line.chars().take(shell_limit()).collect(),
            output,
            dropped_lines,
            exit_code,
            lesson_action: None,
            serial,
        });
        if self.console.len() > MAX_ENTRIES as usize {
            self.console.remove(0);
        }
        self.console_line_ran(&line);
    }

    /// A beat waiting for a console line (`Trigger::Typed`) may fire now, without a step.
    pub(super) fn console_line_ran(&mut self, line: &str) {
        self.observer.console_line_ran(line);
        let change = self
            .guide
            .advance(None, &self.world, &self.observer, &self.answers);
        if change.pause {
            self.playing = false;
        }
    }

    /// The entry a running tool prints into.
    fn console_entry(&mut self, serial: u64) -> Option<&mut ConsoleEntry> {
        self.console.iter_mut().rev().find(|e| e.serial == serial)
    }

    /// Append lines to the newest entry (a running tool's output), keeping the newest lines.
    pub(super) fn console_print(&mut self, lines: Vec<Line>) {
        let Some(serial) = self.console_running.as_ref().map(|r| r.entry) else {
            return;
        };
        let Some(entry) = self.console_entry(serial) else {
            return;
        };
        entry.output.extend(lines);
        let over = entry
            .output
            .len()
            .saturating_sub(MAX_LINES_PER_ENTRY as usize);
        if over > 0 {
            entry.output.drain(..over);
            entry.dropped_lines += over as u32;
        }
    }

    /// After every step: what the running console consumer's `poll()` returned, printed; a
    /// consumer with `--timeout-ms` gives up once that long passed without a record.
    pub(super) fn console_observe(&mut self, step: &KafkaStep) {
        if let Some(Running {
            tool: Foreground::PerfTest(_),
            ..
        }) = &self.console_running
        {
            return self.console_perf_observe(step);
        }
        if let Some(Running {
            tool: Foreground::ConsumerPerf(_),
            ..
        }) = &self.console_running
        {
            return self.console_consumer_perf_observe(step);
        }
        let Some(Running {
            tool:
                Foreground::Consumer {
                    consumer,
                    max_messages,
                    timeout_ms,
                    format,
                },
            printed,
            since,
            ..
        }) = &self.console_running
        else {
            return;
        };
        let (consumer, max, timeout, mut printed) =
            (*consumer, *max_messages, *timeout_ms, *printed);
        let polled = polled_records(step, consumer);
        if polled.is_empty() {
            // Kafka: ConsoleConsumer.ConsumerWrapper.receive throws once a poll came back
            // empty more than `timeoutMs` after it started waiting.
            if timeout.is_some_and(|t| {
                self.world.now().since(*since).as_micros() > t.saturating_mul(1_000)
            }) {
                self.console_timed_out();
            }
            return;
        }
        let room = max.map_or(polled.len(), |m| (m.saturating_sub(printed)) as usize);
        let polled = &polled[..room.min(polled.len())];
        let text = console::consumer::format_records(self.world.model(), polled, format);
        printed += text.len() as u32;
        self.console_print(text.into_iter().map(out).collect());
        let now = self.world.now();
        if let Some(running) = &mut self.console_running {
            running.printed = printed;
            running.since = now;
        }
        if max.is_some_and(|m| printed >= m) {
            self.console_stop(0);
        }
    }

    /// Kafka: `ConsoleConsumer.process` logs the `TimeoutException` from `receive()` and
    /// returns; `run`'s `finally` then reports the count, and the tool exits normally.
    fn console_timed_out(&mut self) {
        self.console_print(vec![
            err("ERROR Error processing message, terminating consumer process:  (org.apache.kafka.tools.consumer.ConsoleConsumer)".to_string()),
            err("org.apache.kafka.common.errors.TimeoutException".to_string()),
        ]);
        self.console_stop(0);
    }

    /// The running tool ends (its limit reached, or Ctrl-C): its last words, its exit code,
    /// and the consumer closed (as a recorded command, after the step in progress).
    pub(super) fn console_stop(&mut self, exit_code: i32) {
        let Some(running) = self.console_running.take() else {
            return;
        };
        let close = match running.tool {
            Foreground::Consumer { consumer, .. } => {
                if let Some(entry) = self.console_entry(running.entry) {
                    entry.output.push(Line {
                        stream: Stream::Err,
                        text: format!("Processed a total of {} messages", running.printed),
                    });
                }
                Command::CloseConsumer {
                    consumer: NodeId::Consumer(consumer),
                }
            }
            // Kafka: the shutdown hook closes the producer, which sends what it buffered.
            Foreground::Producer { producer, .. } => Command::Flush {
                producer: NodeId::Producer(producer),
            },
            // The perf test closes its producer when done; Ctrl-C kills the JVM with it.
            Foreground::PerfTest(run) if run.done() => Command::Flush {
                producer: NodeId::Producer(run.producer),
            },
            Foreground::PerfTest(run) => Command::Crash {
                node: NodeId::Producer(run.producer),
            },
            // `ConsumerPerformance.main` closes its consumer after the loop; Ctrl-C kills the
            // JVM (it has no shutdown hook), so the group sees the member time out.
            Foreground::ConsumerPerf(run) if exit_code == 0 => Command::CloseConsumer {
                consumer: NodeId::Consumer(run.consumer),
            },
            Foreground::ConsumerPerf(run) => Command::Crash {
                node: NodeId::Consumer(run.consumer),
            },
        };
        if let Some(entry) = self.console_entry(running.entry) {
            entry.exit_code = exit_code;
        }
        self.console_close_due = Some(close);
    }

    /// A line typed while the console producer runs: one `send()`, echoed after its `>`
    /// prompt; `^D` (end of input) ends the tool.
    fn console_producer_line(&mut self, line: String) {
        let echo = Line {
            stream: Stream::Out,
            text: format!(">{line}"),
        };
        self.console_print(vec![echo]);
        if line.trim() == "^D" || line.trim() == "^C" {
            return self.console_stop(0);
        }
        if let Some(refusal) = self.budget_spent() {
            // A challenge's budget counts each send as an action.
            return self.console_print(vec![err(refusal)]);
        }
        let Some(Running {
            tool: Foreground::Producer { producer, reader },
            ..
        }) = &mut self.console_running
        else {
            return;
        };
        let (producer, topic) = (*producer, reader.topic.clone());
        match console::producer::line_to_command(producer, reader, &line) {
            Ok(command) => {
                if let Err(e) = self.inject_command(command) {
                    let text = format!("ERROR Error when sending message to topic {topic} with key: null, value: {} bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n{e}", line.len());
                    let lines = text.split('\n').map(|t| err(t.to_string())).collect();
                    self.console_print(lines);
                }
            }
            Err(text) => {
                self.console_print(vec![err(text)]);
                self.console_stop(1);
            }
        }
    }

    /// Close the client of a console tool that ended (between actions, never mid-step).
    pub(super) fn console_close_pending(&mut self) {
        if let Some(command) = self.console_close_due.take() {
            let _ = self.inject_command(command);
        }
    }

    /// Let simulated time pass: step through everything due in the next `seconds`.
    fn sleep(&mut self, seconds: u64) {
        let end = self.world.now().plus(SimDuration::from_secs(seconds));
        let mut taken = 0;
        while taken < MAX_SLEEP_STEPS && self.next_event_time().is_some_and(|t| t <= end) {
            self.step_once();
            taken += 1;
        }
        if taken < MAX_SLEEP_STEPS {
            self.world.advance_idle_to(end);
        }
    }
}

impl Session {
    /// An admin tool waits for its call to complete: the steps due in the next `ms` run (the
    /// clock stays at the last one, so a replay that re-runs the steps is at the same time).
    fn settle(&mut self, ms: u64) {
        let end = self.world.now().plus(SimDuration::from_ms(ms));
        let mut taken = 0;
        while taken < MAX_SLEEP_STEPS && self.next_event_time().is_some_and(|t| t <= end) {
            self.step_once();
            taken += 1;
        }
    }
}

fn shell_limit() -> usize {
    console::shell::MAX_LINE_BYTES
}

/// `sleep N` (whole seconds, as coreutils takes them): the seconds to let pass, or the error
/// printed. The console tools themselves never sleep.
fn sleep_seconds(line: &str, output: &mut Vec<Line>, exit_code: &mut i32) -> Option<u64> {
    let mut words = line.split_whitespace();
    if words.next() != Some("sleep") {
        return None;
    }
    let arg = words.next();
    match arg.map(|a| a.trim_end_matches('s').parse::<u64>()) {
        Some(Ok(n)) if n <= MAX_SLEEP_SECONDS => Some(n),
        Some(Ok(_)) => {
            output.push(err(format!(
                "sleep: the console lets at most {MAX_SLEEP_SECONDS} seconds of simulated time pass at once"
            )));
            *exit_code = 1;
            None
        }
        Some(Err(_)) => {
            let shown: String = arg.unwrap_or_default().chars().take(40).collect();
            output.push(err(format!("sleep: invalid time interval '{shown}'")));
            *exit_code = 1;
            None
        }
        None => {
            output.push(err("sleep: missing operand".to_string()));
            *exit_code = 1;
            None
        }
    }
}

/// The records consumer `c{consumer}`'s `poll()` returned in this step.
fn polled_records(step: &KafkaStep, consumer: u32) -> Vec<(crate::kafka::TopicPartition, i64)> {
    let mut polled = Vec::new();
    for event in &step.events {
        if let Event::RecordsPolled {
            consumer: c,
            records,
            ..
        } = event
        {
            if *c == consumer {
                polled.extend(records.iter().map(|(tp, offset, _)| (*tp, *offset)));
            }
        }
    }
    polled
}

fn out(text: String) -> Line {
    Line {
        stream: Stream::Out,
        text,
    }
}

fn err(text: String) -> Line {
    Line {
        stream: Stream::Err,
        text,
    }
}

impl ConsoleEntry {
    /// The entry as a terminal shows it: the prompt with the line, then what the tool printed
    /// (standard output and standard error interleaved, as they arrived).
    pub fn transcript(&self) -> Vec<String> {
        let mut lines = vec![format!("$ {}", self.line)];
        lines.extend(self.output.iter().map(|l| l.text.clone()));
        if self.dropped_lines > 0 {
            lines.push(format!("… {} more lines not kept", self.dropped_lines));
        }
        lines
    }
}

/// Run a console script (one command per line; blank lines and `#` comments skipped) and
/// return everything it printed, prompts included: what `kafka-classroom console` prints.
pub fn run_script(session: &mut Session, script: &str) -> Vec<Line> {
    script
        .lines()
        .flat_map(|line| session.console_input(line))
        .collect()
}

impl Session {
    /// One line of a script or of standard input, and what it printed: a new command's
    /// prompt line and output, or what a running tool printed for it, then the lines the
    /// lesson typed meanwhile (its console actions) with theirs.
    pub fn console_input(&mut self, line: &str) -> Vec<Line> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Vec::new();
        }
        let serial = self.console_serial;
        let last = self.console.last().map(|e| (e.serial, e.output.len()));
        self.apply(super::Action::Console(line.to_string()));
        self.wait_for_consumer();
        let mut lines: Vec<Line> = Vec::new();
        if let Some((last, printed)) = last {
            if let Some(e) = self.console.iter().find(|e| e.serial == last) {
                lines.extend(e.output.iter().skip(printed).cloned());
            }
        }
        let mut new: Vec<&ConsoleEntry> =
            self.console.iter().filter(|e| e.serial > serial).collect();
        // What was typed first, then what the lesson typed while it ran.
        crate::sim::sort::sort_by_key(&mut new, |e| (e.lesson_action.is_some(), e.serial));
        for entry in new {
            lines.push(Line {
                stream: Stream::Out,
                text: format!("$ {}", entry.line),
            });
            lines.extend(entry.output.iter().cloned());
        }
        lines
    }

    /// A script waits for a console consumer as a shell does: simulated time passes until it
    /// ends, or until a minute has passed and it gets Ctrl-C; then its close completes.
    fn wait_for_consumer(&mut self) {
        let consuming = |s: &Session| {
            s.console_running.as_ref().is_some_and(|r| {
                matches!(
                    r.tool,
                    Foreground::Consumer { .. }
                        | Foreground::PerfTest(_)
                        | Foreground::ConsumerPerf(_)
                )
            })
        };
        if !consuming(self) {
            return;
        }
        let perf = matches!(
            self.console_running.as_ref().map(|r| &r.tool),
            Some(Foreground::PerfTest(_) | Foreground::ConsumerPerf(_))
        );
        let wait = if perf {
            PERF_WAIT_SECONDS
        } else {
            SCRIPT_WAIT_SECONDS
        };
        for _ in 0..wait {
            if !consuming(self) {
                break;
            }
            self.sleep(1);
        }
        if consuming(self) {
            self.apply(super::Action::ConsoleInterrupt);
        }
        // The consumer's close (LeaveGroup, the last commit) finishes before the next prompt.
        self.console_close_pending();
        self.sleep(1);
    }
}
