//! A console for runs without a session (`kafka-classroom run`): the lesson's console lines
//! run against the world as it stands (`lesson::console::ConsoleHost`), and the transcript is
//! kept as a terminal shows it. A tool that would keep the terminal (a console consumer) has
//! no terminal here: its client starts, and the transcript says so.

use super::{ConsoleCommand, Line, Stream};
use crate::kafka::commands::CommandError;
use crate::kafka::{Command, KafkaWorld};
use crate::lesson::console::ConsoleHost;

/// The transcript of a lesson's console lines, prompts included.
#[derive(Default)]
pub struct Transcript {
    pub lines: Vec<Line>,
    pending: Option<ConsoleCommand>,
}

impl ConsoleHost for Transcript {
    fn run_line(&mut self, world: &KafkaWorld, line: &str) -> Vec<Command> {
        let outcome = super::run(world, line);
        self.lines.push(Line {
            stream: Stream::Out,
            text: format!("$ {line}"),
        });
        self.lines.extend(outcome.lines);
        if outcome.foreground.is_some() {
            self.lines.push(Line {
                stream: Stream::Err,
                text: "(the tool runs without a terminal here: open the lesson with `kafka-classroom console` to see what it prints)".into(),
            });
        }
        let Some(command) = outcome.command else {
            return Vec::new();
        };
        let mut commands = vec![command.command.clone()];
        commands.extend(command.then.iter().cloned());
        self.pending = Some(command);
        commands
    }

    fn finished(&mut self, result: Result<(), CommandError>) {
        if let Some(command) = self.pending.take() {
            self.lines.extend(command.result_lines(&result).0);
        }
    }
}
