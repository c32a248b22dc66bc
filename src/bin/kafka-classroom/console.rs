//! `kafka-classroom console LESSON [--script FILE] [--seed N]`: Kafka's command-line tools
//! against the lesson's simulated cluster, one command per line from the script or standard
//! input, printed as a terminal shows them (`$ command`, then its output; standard error goes
//! to standard error). The same session code runs the browser's Console panel.

use kafka_classroom::present::console::Stream;
use kafka_classroom::present::session::Session;
use kafka_classroom::present::share::LessonRef;
use std::io::{BufRead, Write};

pub fn run(args: &[String]) -> Result<(), String> {
    let name = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| format!("console needs a lesson\n{}", super::USAGE))?;
    let lesson = super::load_lesson(name)?;
    let seed = super::flag::<u64>(args, "--seed")?.unwrap_or(lesson.seed);
    let mut session = Session::new(lesson, LessonRef::Custom(String::new()), seed);
    let script = match args.iter().position(|a| a == "--script") {
        Some(i) => {
            let path = args.get(i + 1).ok_or("--script needs a file")?;
            Some(std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?)
        }
        None => None,
    };
    match script {
        Some(text) => text.lines().for_each(|line| print_line(&mut session, line)),
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| format!("standard input: {e}"))?;
                print_line(&mut session, &line);
            }
        }
    }
    Ok(())
}

fn print_line(session: &mut Session, line: &str) {
    let lines = session.console_input(line);
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    // A closed pipe ends the output quietly, as `kafka-topics.sh ... | head` does.
    for l in &lines {
        let _ = match l.stream {
            Stream::Out => writeln!(out, "{}", l.text),
            Stream::Err => {
                let _ = out.flush();
                writeln!(err, "{}", l.text)
            }
        };
    }
    let _ = out.flush();
}
