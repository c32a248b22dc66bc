//! The console: Kafka 4.0's command-line tools typed against the simulated cluster. A line is
//! split as a shell would (`shell`), its options are read as joptsimple reads them (`opts`),
//! and the tool answers from the world as it stands, with Kafka's own output shapes and error
//! texts (each tool's module names the Kafka method it ports).
//!
//! Running a line is a pure function of the world and the line. A tool that changes the cluster
//! (`kafka-topics.sh --create`) does not change it here: it hands back the `Command` to run, and
//! the session injects it like any click, so it is recorded, replayed and shared; the session
//! then asks [`ConsoleCommand::result_lines`] what the tool prints for the command's result.

pub mod address;
mod argparse;
pub mod complete;
mod configs;
mod configs_describe;
pub mod consumer;
mod consumer_perf;
pub mod consumer_perf_stats;
pub mod dump_log;
mod group_admin;
mod groups;
mod leader_election;
pub mod lesson_host;
mod log_dirs;
mod metadata_quorum;
mod offsets;
pub mod opts;
mod perf_stats;
pub mod perf_test;
pub mod producer;
mod quorum_report;
mod regex;
pub mod shell;
mod topics;
mod topics_describe;

use crate::kafka::commands::CommandError;
use crate::kafka::{Command, KafkaWorld};

/// The Kafka version the tools report (`--version`).
pub const KAFKA_VERSION: &str = "4.0.0";

/// The tools the console knows, as typed (`bin/` and `./` prefixes are accepted).
pub const TOOLS: &[&str] = &[
    "kafka-configs.sh",
    "kafka-console-consumer.sh",
    "kafka-console-producer.sh",
    "kafka-consumer-groups.sh",
    "kafka-consumer-perf-test.sh",
    "kafka-dump-log.sh",
    "kafka-get-offsets.sh",
    "kafka-leader-election.sh",
    "kafka-log-dirs.sh",
    "kafka-metadata-quorum.sh",
    "kafka-producer-perf-test.sh",
    "kafka-topics.sh",
];

/// The words a shell prompt understands besides the tools.
pub const BUILTINS: &[&str] = &["clear", "echo", "help", "sleep"];

/// Which stream a line went to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stream {
    Out,
    Err,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Line {
    pub stream: Stream,
    pub text: String,
}

/// A command a tool asks the session to run, and what the tool prints for its result.
#[derive(Clone, PartialEq, Debug)]
pub struct ConsoleCommand {
    pub command: Command,
    /// Printed when the cluster accepted the command.
    pub on_success: Vec<Line>,
    /// How the tool reports a refusal (`Error while executing topic command : ...`).
    pub failure: Failure,
    /// Simulated time the tool waits once the cluster accepted the command: an admin call
    /// returns when its records are committed (0: at once).
    pub settle_ms: u64,
    /// Commands the tool runs next, once the first one was accepted (the console consumer's
    /// `seek` after its `assign`).
    pub then: Vec<Command>,
}

/// How long an admin tool waits for its change to be committed and reach the brokers.
pub const ADMIN_SETTLE_MS: u64 = 500;

/// The tool's way of printing a failed admin call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Failure {
    /// `TopicCommand.printException`, for this topic (created with this replication factor).
    Topic {
        topic: String,
        replication_factor: u32,
    },
    /// A client tool (the console consumer) whose client the cluster refused.
    Client,
    /// `ConsumerGroupCommand.run`'s catch-all (`printError`).
    GroupCommand,
    /// `ConfigCommand.main`'s catch-all, for the line typed with these arguments.
    Config { args: String, topic: bool },
}

/// A tool that keeps the terminal after its line ran, until it ends or Ctrl-C stops it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Foreground {
    /// `kafka-console-consumer.sh`: consumer `c{consumer}` prints what it polls.
    Consumer {
        consumer: u32,
        max_messages: Option<u32>,
        /// `--timeout-ms`: the consumer gives up after this long without a record.
        timeout_ms: Option<u64>,
        format: consumer::RecordFormat,
    },
    /// `kafka-console-producer.sh`: producer `p{producer}` sends each line typed.
    Producer {
        producer: u32,
        reader: producer::LineReader,
    },
    /// `kafka-producer-perf-test.sh`: its producer sends while the simulation runs.
    PerfTest(perf_test::PerfRun),
    /// `kafka-consumer-perf-test.sh`: its consumer reads while the simulation runs.
    ConsumerPerf(consumer_perf_stats::ConsumerPerfRun),
}

impl ConsoleCommand {
    /// What the tool prints once the session ran the command: `Ok` or the cluster's refusal.
    pub fn result_lines(&self, result: &Result<(), CommandError>) -> (Vec<Line>, i32) {
        match result {
            Ok(()) => (self.on_success.clone(), 0),
            Err(e) => match &self.failure {
                Failure::Topic {
                    topic,
                    replication_factor,
                } => {
                    let text = topics::error_text(e, topic, *replication_factor);
                    let line = out(format!("Error while executing topic command : {text}"));
                    (vec![line], 1)
                }
                Failure::Config { args, topic } => {
                    let lines = vec![
                        Line {
                            stream: Stream::Err,
                            text: format!(
                                "Error while executing config command with args '{args}'"
                            ),
                        },
                        Line {
                            stream: Stream::Err,
                            text: configs::error_text(e, *topic),
                        },
                    ];
                    (lines, 1)
                }
                Failure::GroupCommand => {
                    let mut p = Printer::new();
                    group_admin::print_error(
                        &mut p,
                        &format!("Executing consumer group command failed due to {e}"),
                    );
                    (p.outcome.lines, 1)
                }
                Failure::Client => {
                    let text = format!(
                        "Exception in thread \"main\" org.apache.kafka.common.KafkaException: {e}"
                    );
                    let line = Line {
                        stream: Stream::Err,
                        text,
                    };
                    (vec![line], 1)
                }
            },
        }
    }
}

/// What one console line did: the lines printed, the exit code, and the command to run.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Outcome {
    pub lines: Vec<Line>,
    pub exit_code: i32,
    pub command: Option<ConsoleCommand>,
    /// The user asked to clear the screen.
    pub clear: bool,
    /// The tool keeps running once its command ran.
    pub foreground: Option<Foreground>,
}

fn out(text: String) -> Line {
    Line {
        stream: Stream::Out,
        text,
    }
}

/// Lines a tool prints, an exit code and possibly a command: what a run accumulates.
pub struct Printer {
    pub outcome: Outcome,
}

impl Printer {
    fn new() -> Printer {
        Printer {
            outcome: Outcome::default(),
        }
    }
    pub fn out(&mut self, text: impl Into<String>) {
        self.push(Stream::Out, text.into());
    }
    pub fn err(&mut self, text: impl Into<String>) {
        self.push(Stream::Err, text.into());
    }
    fn push(&mut self, stream: Stream, text: String) {
        // A multi-line text becomes one line each, as a terminal shows it.
        for line in text.split('\n') {
            self.outcome.lines.push(Line {
                stream,
                text: line.to_string(),
            });
        }
    }
    pub fn exit(&mut self, code: i32) {
        self.outcome.exit_code = code;
    }
    /// `CommandLineUtils.printUsageAndExit`: the message, then the option table, on stderr.
    pub fn usage(&mut self, message: &str, options: &[opts::Opt]) {
        self.err(message);
        for l in opts::help(options) {
            self.err(l);
        }
        self.exit(1);
    }
    /// The start the console clients share: the options parsed (the usage on a parse error),
    /// `--help` or no arguments printing `about` with the option table, `--version` the
    /// version. `None` when the tool has already answered.
    pub fn client_options(
        &mut self,
        options: &[opts::Opt],
        args: &[String],
        about: &str,
    ) -> Option<opts::Parsed> {
        let o = match opts::parse(options, args) {
            Ok(o) => o,
            Err(e) => {
                self.usage(&e.message(), options);
                return None;
            }
        };
        self.help_or_version(o, options, args, about)
    }

    /// The options of a tool whose `mainNoExit` reports a bad option as an exception (message
    /// and stack trace line), then `--help` and `--version` as `client_options` does.
    pub fn admin_options(
        &mut self,
        options: &[opts::Opt],
        args: &[String],
        about: &str,
    ) -> Option<opts::Parsed> {
        let o = match opts::parse(options, args) {
            Ok(o) => o,
            Err(e) => {
                self.exception(e.class(), &e.message());
                return None;
            }
        };
        self.help_or_version(o, options, args, about)
    }

    /// No arguments or `--help`: the usage; `--version`: Kafka's version; else the options.
    fn help_or_version(
        &mut self,
        o: opts::Parsed,
        options: &[opts::Opt],
        args: &[String],
        about: &str,
    ) -> Option<opts::Parsed> {
        if args.is_empty() || o.has("help") {
            self.usage(about, options);
            return None;
        }
        if o.has("version") {
            self.out(KAFKA_VERSION);
            return None;
        }
        Some(o)
    }
    /// An exception that reached a tool's `main`: its message, then the first line of its
    /// stack trace (`Utils.stackTrace`), on stderr, exit 1.
    pub fn exception(&mut self, class: &str, message: &str) {
        self.err(message);
        self.err(format!("{class}: {message}"));
        self.exit(1);
    }
}

/// The tool a typed name stands for (`bin/kafka-topics.sh`, `./kafka-topics.sh`, `kafka-topics`).
pub fn tool_name(word: &str) -> Option<&'static str> {
    let base = word.rsplit('/').next().unwrap_or(word);
    TOOLS
        .iter()
        .find(|t| **t == base || t.strip_suffix(".sh") == Some(base))
        .copied()
}

/// Run one console line against the world as it stands. Never panics: bad input becomes the
/// tool's (or the shell's) error text.
pub fn run(world: &KafkaWorld, line: &str) -> Outcome {
    let mut p = Printer::new();
    let words = match shell::split_words(line) {
        Ok(w) => w,
        Err(e) => {
            p.err(e.message());
            p.exit(2);
            return p.outcome;
        }
    };
    let Some(first) = words.first() else {
        return p.outcome;
    };
    let args = &words[1..];
    match tool_name(first) {
        Some("kafka-topics.sh") => topics::run(world.model(), args, &mut p),
        Some("kafka-configs.sh") => configs::run(world.model(), args, &mut p),
        Some("kafka-consumer-groups.sh") => groups::run(world, args, &mut p),
        Some("kafka-console-consumer.sh") => consumer::run(world.model(), args, &mut p),
        Some("kafka-console-producer.sh") => producer::run(world.model(), args, &mut p),
        Some("kafka-get-offsets.sh") => offsets::run(world.model(), args, &mut p),
        Some("kafka-leader-election.sh") => leader_election::run(world.model(), args, &mut p),
        Some("kafka-dump-log.sh") => dump_log::run(world.model(), args, &mut p),
        Some("kafka-producer-perf-test.sh") => perf_test::run(world.model(), args, &mut p),
        Some("kafka-consumer-perf-test.sh") => consumer_perf::run(world, args, &mut p),
        Some("kafka-log-dirs.sh") => log_dirs::run(world.model(), args, &mut p),
        Some("kafka-metadata-quorum.sh") => metadata_quorum::run(world, args, &mut p),
        _ => shell_builtin(first, args, &mut p),
    }
    p.outcome
}

/// What a shell does with a word that is not a Kafka tool.
fn shell_builtin(first: &str, args: &[String], p: &mut Printer) {
    match first {
        "echo" => p.out(args.join(" ")),
        // The session lets simulated time pass (`present::session`).
        "sleep" => {}
        "clear" => p.outcome.clear = true,
        "help" | "ls" => {
            p.out("Kafka 4.0 tools on this cluster (each takes --help):");
            for t in TOOLS {
                p.out(format!("  {t}"));
            }
            p.out("Brokers listen on b1:9092, b2:9092, ... (or localhost:9092, :9093, ...).");
            p.out("sleep N lets N seconds of simulated time pass.");
        }
        _ => {
            let shown: String = first.chars().take(80).collect();
            p.err(format!("bash: {shown}: command not found"));
            p.exit(127);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_accept_paths_and_missing_suffix() {
        assert_eq!(tool_name("bin/kafka-topics.sh"), Some("kafka-topics.sh"));
        assert_eq!(tool_name("./kafka-topics"), Some("kafka-topics.sh"));
        assert_eq!(tool_name("kafka-nope.sh"), None);
    }
}
