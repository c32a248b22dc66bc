//! `kafka-classroom`: the headless runner. Runs lessons and prints their traces, lists lessons,
//! shows where keys go, runs consumer assignors, and benchmarks the engine. Every failure prints the seed.

mod assign;
mod bench;
mod bench_compare;
mod bench_timeline;
mod console;
// The fuzz targets are native only (the wasm build of this binary only exists for tests).
#[cfg(not(target_arch = "wasm32"))]
mod fuzz;
mod soak;
mod soak_txn;

use kafka_classroom::kafka::murmur2::{murmur2, to_positive};
use kafka_classroom::lesson::{builtin, Lesson};
use kafka_classroom::present::narration::{sentence, Tone};
use kafka_classroom::present::view::time_text;
use kafka_classroom::present::{narrate::narrate, summary::run_summary};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: bench_timeline::Counting = bench_timeline::Counting;

pub(crate) const USAGE: &str = "usage:
  kafka-classroom run <lesson.json | built-in name> [--seed N] [--until-ms T] [--quiet] [--plain]
      (--plain: the classroom narration, one plain sentence per step, instead of the RPC trace)
  kafka-classroom explain <lesson> --record <orders-0@5 | p1#5> [--seed N] [--until-ms T]
      (the record's life: send, batch, request, append, copies, commit, ack, each group's reads)
  kafka-classroom why <lesson> --partition t-0 | --batch p1:t-0 | --consumer c1 | --guarantees [--seed N] [--until-ms T]
      (the browser's \"?\" answers at that moment, with the steps of their causes; or every
       broken guarantee the monitors named, with its step)
  kafka-classroom compare <lesson> --set p1.acks=all [--set ...] [--seed N] [--until-ms T]
      (the lesson as it is and with the changes, in lockstep: both summaries, the first divergence;
       a change is NODE.KEY=VALUE (pN, cN), topic.NAME.KEY=VALUE, broker.KEY=VALUE,
       assignor=NAME, idempotence=on|off, +FAULT NODE@MS or -FAULT NODE[@MS]; also
       --add-fault \"crash b1@10000\", --remove-fault \"crash b2\", --assignor NAME, --idempotence on|off)
  kafka-classroom compare <run.json> --with B [--branch A]
      (two branches of an exported run, in lockstep; A is the run's current branch by default)
  kafka-classroom lessons
  kafka-classroom console <lesson.json | built-in name> [--script FILE] [--seed N]
      (Kafka's tools on the lesson's cluster: kafka-topics.sh, kafka-consumer-groups.sh, sleep N;
       one command per line from FILE or standard input)
  kafka-classroom partition --partitions N KEY...
  kafka-classroom assign < case.json    (one assignor case on stdin; prints {\"member\": [\"topic-0\", ...]})
  kafka-classroom bench [engine | lab]
  kafka-classroom bench timeline [--steps N]   (snapshots and seeking at classroom scale)
  kafka-classroom bench compare [--steps N]    (Compare's cost against one run, classroom scale)
  kafka-classroom soak --seeds N [--config safe|acks1|unclean] [--from S] [--threads T]
  kafka-classroom soak --workload txn --seeds N [--from S] [--threads T]   (exactly-once pipeline)
  kafka-classroom fuzz <all | lesson | share-link | run-file | console | assignor-case | config-value> [--cases N] [--seed S] [--from K] [--case K]
      (build with --profile fast so a panic is counted, not fatal)";

fn main() -> ExitCode {
    // `kafka-classroom run x | head` must end quietly when the reader goes away.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        if text.contains("Broken pipe") {
            std::process::exit(0);
        }
        eprintln!("{text}");
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("assign") {
        // Bad input exits 2, not 1, so scripts can tell a rejected case from a failed run.
        return assign::run(&args[1..]);
    }
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("explain") => explain(&args[1..]),
        Some("why") => why(&args[1..]),
        Some("compare") => compare(&args[1..]),
        Some("lessons") => lessons(),
        Some("console") => console::run(&args[1..]),
        Some("partition") => partition(&args[1..]),
        Some("bench") if args.get(1).map(String::as_str) == Some("compare") => {
            bench_compare::run(&args[2..])
        }
        Some("bench") if args.get(1).map(String::as_str) == Some("timeline") => {
            bench_timeline::run(&args[2..])
        }
        Some("bench") => bench::run(&args[1..]),
        #[cfg(not(target_arch = "wasm32"))]
        Some("fuzz") => fuzz::run(&args[1..], |name| flag::<u64>(&args[1..], name)),
        Some("soak") => soak::run(&args[1..], |name| flag::<String>(&args[1..], name)),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command \"{other}\"\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Value of `--name V`, parsed.
pub(crate) fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => {
            let raw = args
                .get(i + 1)
                .ok_or_else(|| format!("{name} needs a value"))?;
            raw.parse()
                .map(Some)
                .map_err(|_| format!("{name}: \"{raw}\" is not a valid number"))
        }
    }
}

pub(crate) fn load_lesson(name: &str) -> Result<Lesson, String> {
    if let Some(text) = builtin::find(name) {
        return Lesson::parse(text).map_err(|e| format!("built-in lesson {name}: {e}"));
    }
    let text = std::fs::read_to_string(name).map_err(|e| {
        format!("\"{name}\" is neither a built-in lesson (see `kafka-classroom lessons`) nor a readable file: {e}")
    })?;
    Lesson::parse(&text).map_err(|e| format!("{name}: {e}"))
}

/// `compare LESSON --set p1.acks=all ...`: two runs side by side (see `present::compare`).
fn compare(args: &[String]) -> Result<(), String> {
    use kafka_classroom::present::compare::{change_label, compare, describe, parse_change};
    let name = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| format!("compare needs a lesson or a run file\n{USAGE}"))?;
    if flag::<u32>(args, "--branch")?.is_some() || flag::<u32>(args, "--with")?.is_some() {
        return compare_branches(name, args);
    }
    let mut lesson = load_lesson(name)?;
    let seed = flag::<u64>(args, "--seed")?.unwrap_or(lesson.seed);
    if let Some(until) = flag::<u64>(args, "--until-ms")? {
        lesson.run_until_ms = until;
    }
    let mut changes = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let text = match a.as_str() {
            "--set" => args.get(i + 1).ok_or("--set needs NODE.KEY=VALUE")?.clone(),
            "--add-fault" => format!(
                "+{}",
                args.get(i + 1)
                    .ok_or("--add-fault needs FAULT NODE@MS, e.g. \"crash b1@10000\"")?
            ),
            "--remove-fault" => format!(
                "-{}",
                args.get(i + 1)
                    .ok_or("--remove-fault needs FAULT NODE[@MS], e.g. \"crash b2\"")?
            ),
            "--assignor" => format!(
                "assignor={}",
                args.get(i + 1).ok_or("--assignor needs a name")?
            ),
            "--idempotence" => format!(
                "idempotence={}",
                args.get(i + 1).ok_or("--idempotence needs on or off")?
            ),
            _ => continue,
        };
        changes.push(parse_change(&text)?);
    }
    if changes.is_empty() {
        return Err(format!(
            "compare needs at least one change (--set NODE.KEY=VALUE, ...)\n{USAGE}"
        ));
    }
    let label: Vec<String> = changes.iter().map(change_label).collect();
    let label = label.join(", ");
    println!(
        "# {} (seed={seed}, until {} ms): as written vs {label}",
        lesson.title, lesson.run_until_ms,
    );
    let result = compare(&lesson, seed, &changes)?;
    for line in describe(&result, "as written", &label) {
        println!("{line}");
    }
    Ok(())
}

/// `compare RUN.json --branch A --with B`: two branches of an exported run, in lockstep.
fn compare_branches(file: &str, args: &[String]) -> Result<(), String> {
    use kafka_classroom::present::compare::{compare_branches, describe};
    use kafka_classroom::present::session::{Action, Session};
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let mut session = Session::default_session();
    session.apply(Action::ImportRun(text));
    if let Some(n) = session
        .notice()
        .filter(|n| n.level == kafka_classroom::present::session::NoticeLevel::Error)
    {
        return Err(format!("{file}: {}", n.text));
    }
    let branches = session.branches();
    let current = branches.iter().find(|b| b.current).map_or(0, |b| b.index);
    let a = flag::<u32>(args, "--branch")?.unwrap_or(current);
    let b = flag::<u32>(args, "--with")?
        .ok_or("compare RUN.json needs --with B (a branch number; see the list below)")?;
    let name = |i: u32| {
        branches
            .iter()
            .find(|x| x.index == i)
            .map(|x| format!("{i}: {}", x.name))
    };
    for x in &branches {
        println!(
            "# branch {}: {} (forks at step {})",
            x.index, x.name, x.fork
        );
    }
    let (Some(an), Some(bn)) = (name(a), name(b)) else {
        return Err(format!(
            "the run has branches 0 to {}",
            branches.len().saturating_sub(1)
        ));
    };
    let (ac, bc) = (
        session.branch_commands(a).unwrap_or_default(),
        session.branch_commands(b).unwrap_or_default(),
    );
    let lesson = session.lesson().clone();
    println!(
        "# {} (seed={}, until {} ms): branch {an} vs branch {bn}",
        lesson.title,
        session.seed(),
        lesson.run_until_ms
    );
    let result = compare_branches(&lesson, session.seed(), &ac, bc);
    for line in describe(&result, &format!("branch {an}"), &format!("branch {bn}")) {
        println!("{line}");
    }
    Ok(())
}

/// `explain LESSON --record REF`: the life of one record (the browser's record inspector).
fn explain(args: &[String]) -> Result<(), String> {
    use kafka_classroom::present::inspect::{explain, RecordRef};
    let name = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| format!("explain needs a lesson\n{USAGE}"))?;
    let lesson = load_lesson(name)?;
    let reference = flag::<String>(args, "--record")?
        .ok_or_else(|| format!("explain needs --record (orders-0@5 or p1#5)\n{USAGE}"))?;
    let reference = RecordRef::parse(&reference)?;
    let seed = flag::<u64>(args, "--seed")?.unwrap_or(lesson.seed);
    let until = flag::<u64>(args, "--until-ms")?.unwrap_or(lesson.run_until_ms);
    let life = explain(&lesson, seed, until, &reference)
        .map_err(|e| format!("{e} (seed={seed}, until {until} ms)"))?;
    println!("# {} (seed={seed}, until {until} ms)", lesson.title);
    print!("{}", life.text());
    Ok(())
}

/// `why LESSON --partition t-0 | --batch p1:t-0 | --consumer c1 | --guarantees`: the "?"
/// answers (or the guarantee banners) of the browser, at the end of the run or `--until-ms`.
fn why(args: &[String]) -> Result<(), String> {
    use kafka_classroom::present::why::{why_at, WhyQuestion};
    let name = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| format!("why needs a lesson\n{USAGE}"))?;
    let lesson = load_lesson(name)?;
    let asked = ["--partition", "--batch", "--consumer", "--guarantees"]
        .into_iter()
        .find_map(|f| args.iter().position(|a| a == f))
        .ok_or_else(|| {
            format!("why needs --partition, --batch, --consumer or --guarantees\n{USAGE}")
        })?;
    let question = WhyQuestion::parse(&args[asked], args.get(asked + 1).map(String::as_str))?;
    let seed = flag::<u64>(args, "--seed")?.unwrap_or(lesson.seed);
    let until = flag::<u64>(args, "--until-ms")?.unwrap_or(lesson.run_until_ms);
    let text = why_at(&lesson, seed, until, &question)
        .map_err(|e| format!("{e} (seed={seed}, until {until} ms)"))?;
    println!("# {} (seed={seed}, until {until} ms)", lesson.title);
    print!("{text}");
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let name = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| format!("run needs a lesson\n{USAGE}"))?;
    let mut lesson = load_lesson(name)?;
    let seed = flag::<u64>(args, "--seed")?.unwrap_or(lesson.seed);
    if let Some(until) = flag::<u64>(args, "--until-ms")? {
        lesson.run_until_ms = until;
    }
    let quiet = args.iter().any(|a| a == "--quiet");
    let plain = args.iter().any(|a| a == "--plain");
    if lesson.lab.is_some() && !args.iter().any(|a| a == "--no-lab") {
        return run_lab(&lesson, seed);
    }
    println!(
        "# {} (seed={seed}, until {} ms)",
        lesson.title, lesson.run_until_ms
    );
    let mut folded = 0;
    let mut console = PrintingConsole {
        transcript: Default::default(),
        printed: 0,
        quiet,
    };
    let outcome = lesson.run_checked_with_console(seed, &mut console, |step| {
        if quiet {
            return;
        }
        if !plain {
            println!("{}", narrate(step));
            return;
        }
        let s = sentence(step);
        if s.tone == Tone::Quiet {
            folded += 1;
            return;
        }
        if folded > 0 {
            println!("            … {folded} quiet step(s)");
            folded = 0;
        }
        println!("{:>10}  {}", time_text(step.time), s.text);
    });
    for line in run_summary(&outcome.world) {
        println!("{line}");
    }
    println!("history: {}", outcome.report.summary());
    for c in &outcome.checked {
        let mark = if c.passed { "PASS" } else { "FAIL" };
        println!("expect {mark} {} (actual: {})", c.expectation, c.actual);
    }
    if outcome.all_passed() {
        Ok(())
    } else {
        let failed = outcome.checked.iter().filter(|c| !c.passed).count();
        Err(format!(
            "{failed} expectation(s) failed (seed={seed}); the trace above shows how the run went"
        ))
    }
}

/// The lesson's console lines (`"action": "console"`) as `run` prints them: each as a terminal
/// shows it, between the steps around it.
struct PrintingConsole {
    transcript: kafka_classroom::present::console::lesson_host::Transcript,
    printed: usize,
    quiet: bool,
}

impl PrintingConsole {
    fn flush(&mut self) {
        for line in &self.transcript.lines[self.printed..] {
            if !self.quiet {
                println!("console   {}", line.text);
            }
        }
        self.printed = self.transcript.lines.len();
    }
}

impl kafka_classroom::lesson::console::ConsoleHost for PrintingConsole {
    fn run_line(
        &mut self,
        world: &kafka_classroom::kafka::KafkaWorld,
        line: &str,
    ) -> Vec<kafka_classroom::kafka::Command> {
        let commands = self.transcript.run_line(world, line);
        self.flush();
        commands
    }
    fn finished(&mut self, result: Result<(), kafka_classroom::kafka::commands::CommandError>) {
        self.transcript.finished(result);
        self.flush();
    }
}

/// A lesson with a lab runs every configuration to the end and compares them.
fn run_lab(lesson: &Lesson, seed: u64) -> Result<(), String> {
    use kafka_classroom::lesson::lab::{describe, LabRun};
    let mut lab = LabRun::new(lesson, seed).ok_or("the lab could not start")?;
    println!("# {} (seed={seed})", lesson.title);
    let start = std::time::Instant::now();
    while !lab.advance(200_000) {
        eprintln!(
            "  {} of {} records acknowledged",
            lab.progress(),
            lab.total_records()
        );
    }
    for line in describe(&lab.results) {
        println!("{line}");
    }
    println!("wall time {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

fn lessons() -> Result<(), String> {
    for lesson in builtin::all().into_iter().chain(builtin::challenges()) {
        println!("{:<28} {}", lesson.id, lesson.title);
        println!("{:<28} {}", "", lesson.summary);
    }
    Ok(())
}

fn partition(args: &[String]) -> Result<(), String> {
    let n: i32 = flag(args, "--partitions")?.ok_or("partition needs --partitions N")?;
    if n < 1 {
        return Err(format!("--partitions must be at least 1, got {n}"));
    }
    let keys: Vec<&String> = {
        let i = args
            .iter()
            .position(|a| a == "--partitions")
            .expect("flag() found it");
        args.iter()
            .enumerate()
            .filter(|(j, _)| *j != i && *j != i + 1)
            .map(|(_, a)| a)
            .collect()
    };
    if keys.is_empty() {
        return Err("partition needs at least one KEY".into());
    }
    println!(
        "{:<24} {:>12} {:>12} {:>9}",
        "key", "murmur2", "toPositive", "partition"
    );
    for key in keys {
        let hash = murmur2(key.as_bytes());
        println!(
            "{:<24} {:>12} {:>12} {:>9}",
            key,
            hash,
            to_positive(hash),
            to_positive(hash) % n
        );
    }
    Ok(())
}
