//! The fuzz targets: for each input from outside, a generator that starts from valid inputs and
//! the check that treats the input exactly as the product does, then uses what it accepted.

use super::{mutate_json, mutate_text, Target, Verdict};
use crate::kafka::assignor::case::parse_case;
use crate::kafka::config::{
    def, BrokerConfig, ConfigKey, ConsumerConfig, LogConfig, ProducerConfig, BROKER_KEYS,
    CONSUMER_KEYS, PRODUCER_KEYS, TOPIC_KEYS,
};
use crate::lesson::{builtin, Lesson};
use crate::present::session::{Action, Session};
use crate::present::share::{self, LessonRef, SharedRun};
use crate::present::stage::{fit, stage_view, StageOptions, StageSize};
use crate::sim::{Prng, RecordedCommand};

pub fn all() -> Vec<Target> {
    vec![
        Target {
            name: "lesson",
            about: "lesson files: the built-in lessons mutated, parsed, then run on a session",
            generate: generate_lesson,
            check: check_lesson,
        },
        Target {
            name: "share-link",
            about: "share-link fragments: links of real runs mutated (JSON and base64), opened",
            generate: generate_link,
            check: check_link,
        },
        Target {
            name: "run-file",
            about: "run files (Export run / Import): branched runs of real lessons mutated, imported, branches visited",
            generate: generate_run_file,
            check: check_run_file,
        },
        Target {
            name: "assignor-case",
            about: "assignor cases: the 60 vectors mutated, parsed, then assigned",
            generate: generate_case,
            check: check_case,
        },
        Target {
            name: "console",
            about: "console lines: Kafka tool lines mutated, run in a session, the run stepped on",
            generate: generate_console,
            check: check_console,
        },
        Target {
            name: "config-value",
            about: "config values: Kafka's keys with edge values, validated and applied",
            generate: generate_config,
            check: check_config,
        },
        Target {
            name: "compare-change",
            about: "Compare changes (--set and the picker's field): valid changes mutated, parsed, applied, the changed lesson run",
            generate: super::changes::generate,
            check: super::changes::check,
        },
    ]
}

fn pick<'a, T>(prng: &mut Prng, items: &'a [T]) -> &'a T {
    &items[prng.below(items.len() as u64) as usize]
}

fn rejected(message: String, names_field: bool) -> Verdict {
    Verdict::Rejected {
        message,
        names_field,
    }
}

/// A serde syntax error names the line and column instead of a field.
fn names_position(message: &str) -> bool {
    message.contains(" line ") && message.contains(" column ")
}

fn generate_lesson(prng: &mut Prng) -> String {
    let (_, text) = pick(prng, builtin::BUILTIN);
    match prng.below(400) {
        0 => "x".repeat(crate::lesson::MAX_LESSON_BYTES + 1),
        1..=20 => mutate_text(prng, text),
        21..=40 => grow_lesson(prng, text),
        _ => mutate_json(prng, text),
    }
}

/// A valid lesson grown towards and past the engine limits (`lesson::spec_builder`): one of its
/// lists repeated many times, or a long run, so the size checks and a big cluster get exercised.
fn grow_lesson(prng: &mut Prng, text: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
        return text.to_string();
    };
    let field = *pick(
        prng,
        &[
            "topics",
            "producers",
            "consumers",
            "actions",
            "run_until_ms",
        ],
    );
    let times = 1 + prng.below(40) as usize;
    match value.get_mut(field) {
        Some(serde_json::Value::Array(items)) if !items.is_empty() => {
            let copies: Vec<_> = items
                .iter()
                .cycle()
                .take(items.len() * times)
                .cloned()
                .collect();
            *items = copies;
        }
        _ => value[field] = serde_json::json!(60_000 * times as u64 * times as u64),
    }
    value.to_string()
}

fn check_lesson(text: &str) -> Verdict {
    match Lesson::parse(text) {
        Err(e) => {
            let message = e.to_string();
            let named = !e.path.is_empty()
                || names_position(&message)
                || matches!(e.problem, crate::lesson::LessonProblem::TooLarge { .. });
            rejected(message, named)
        }
        Ok(lesson) => {
            let seed = lesson.seed;
            let session = Session::new(lesson, LessonRef::Custom(text.to_string()), seed);
            exercise(session);
            Verdict::Accepted
        }
    }
}

/// What a class does with an opened run: step, answer, go back, seek, draw the stage.
fn exercise(mut session: Session) {
    for round in 0..4u64 {
        for _ in 0..40 {
            session.apply(Action::Step);
        }
        session.apply(Action::Answer(0));
        session.apply(Action::Continue);
        session.apply(Action::StepBack);
        session.apply(Action::SeekTo(round * 25));
        session.apply(Action::SeekTo(160));
        let view = stage_view(session.world(), &StageOptions::default());
        let _ = fit(
            &view,
            StageSize {
                width: 1280,
                height: 600,
                presenter: round % 2 == 0,
            },
        );
    }
    if session.lesson().lab.is_some() {
        session.apply(Action::StartLab);
        session.apply(Action::AdvanceLab { steps: 300 });
        session.apply(Action::CancelLab);
    }
}

/// A link of a real run: a built-in lesson, its own actions as the commands a class injected.
fn generate_link(prng: &mut Prng) -> String {
    let (id, _) = pick(prng, builtin::BUILTIN);
    let lesson = builtin::load(id).expect("built-in lessons are tested");
    let step = prng.below(300);
    let mut after = 0;
    let commands = lesson
        .actions
        .iter()
        .take(6)
        .map(|(_, command)| {
            after = (after + prng.below(40)).min(step.saturating_sub(1));
            RecordedCommand {
                after_step: after,
                command: command.clone(),
            }
        })
        .collect();
    let run = SharedRun {
        lesson: LessonRef::Builtin(id.to_string()),
        seed: prng.below(1000),
        step,
        commands,
        branches: Vec::new(),
        branch: 0,
    };
    let json = serde_json::to_string(&run).expect("a run serializes");
    use base64::Engine;
    let encode = |json: &str| {
        format!(
            "run={}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    };
    match prng.below(10) {
        0 => mutate_text(prng, &share::encode(&run)),
        1 => encode(&mutate_text(prng, &json)),
        _ => encode(&mutate_json(prng, &json)),
    }
}

/// The lesson a link or run file names: a built-in one, or the lesson file it carries.
fn load_lesson(lesson: &LessonRef) -> Result<Lesson, String> {
    match lesson {
        LessonRef::Builtin(id) => builtin::load(id),
        LessonRef::Custom(text) => Lesson::parse(text),
    }
    .map_err(|e| e.to_string())
}

fn check_link(fragment: &str) -> Verdict {
    match share::decode(fragment) {
        Err(message) => {
            let named = [" at ", "offset", "step", "commands", "#run=", "too long"]
                .iter()
                .any(|w| message.contains(w))
                || names_position(&message);
            rejected(message, named)
        }
        Ok(run) => {
            if let Err(message) = load_lesson(&run.lesson) {
                return rejected(message, true);
            }
            // Opening the link replays up to its step: bounded here to keep cases fast.
            if run.step <= 2_000 {
                let mut session = Session::default_session();
                session.apply(Action::LoadShared(fragment.to_string()));
                exercise(session);
            }
            Verdict::Accepted
        }
    }
}

/// A run file of a real lesson with a few branches, each adding one of the lesson's own actions.
fn generate_run_file(prng: &mut Prng) -> String {
    let (id, _) = pick(prng, builtin::BUILTIN);
    let lesson = builtin::load(id).expect("built-in lessons are tested");
    let horizon = 50 + prng.below(250);
    let mut branches = vec![share::SharedBranch {
        name: share_root_name(),
        parent: None,
        fork: 0,
        horizon,
        commands: Vec::new(),
    }];
    for (i, (_, command)) in lesson
        .actions
        .iter()
        .take(1 + prng.below(4) as usize)
        .enumerate()
    {
        let parent = prng.below(branches.len() as u64) as u32;
        let fork = prng.below(branches[parent as usize].horizon);
        branches.push(share::SharedBranch {
            name: format!("what if {i}"),
            parent: Some(parent),
            fork,
            horizon: fork + 1 + prng.below(200),
            commands: vec![RecordedCommand {
                after_step: fork,
                command: command.clone(),
            }],
        });
    }
    let branch = prng.below(branches.len() as u64) as u32;
    let run = SharedRun {
        lesson: LessonRef::Builtin(id.to_string()),
        seed: prng.below(1000),
        step: prng.below(branches[branch as usize].horizon + 1),
        commands: Vec::new(),
        branches,
        branch,
    };
    let file = share::write_run_file(&run);
    match prng.below(10) {
        0 => mutate_text(prng, &file),
        _ => mutate_json(prng, &file),
    }
}

fn share_root_name() -> String {
    crate::present::session::BranchView::ROOT_NAME.to_string()
}

fn check_run_file(text: &str) -> Verdict {
    match share::read_run_file(text) {
        Err(message) => {
            let named = [" at ", "run.", "too large", "run file", "version"]
                .iter()
                .any(|w| message.contains(w))
                || names_position(&message);
            rejected(message, named)
        }
        Ok(run) => {
            if let Err(message) = load_lesson(&run.lesson) {
                return rejected(message, true);
            }
            // Opening replays up to the step; visiting a branch replays it: bounded for speed.
            if run.branches.iter().all(|b| b.horizon <= 2_000) {
                let mut session = Session::default_session();
                session.apply(Action::ImportRun(text.to_string()));
                for b in 0..session.branch_count() as u32 {
                    session.apply(Action::SwitchBranch(b));
                    session.apply(Action::Step);
                }
                exercise(session);
            }
            Verdict::Accepted
        }
    }
}

const VECTORS: &str = include_str!("../../tests/data/assignor_vectors.json");

fn generate_case(prng: &mut Prng) -> String {
    let cases: Vec<serde_json::Value> = serde_json::from_str(VECTORS).unwrap_or_default();
    let seed = cases
        .get(prng.below(cases.len().max(1) as u64) as usize)
        .map(|c| c.to_string())
        .unwrap_or_else(|| "{}".to_string());
    if prng.chance(1, 12) {
        mutate_text(prng, &seed)
    } else {
        mutate_json(prng, &seed)
    }
}

fn check_case(input: &str) -> Verdict {
    match parse_case(input) {
        Ok(case) => {
            let _ = case.assign();
            Verdict::Accepted
        }
        Err(message) => {
            let head = message.split(": ").next().unwrap_or("");
            let named = names_position(&message)
                || message.contains("partitionsPerTopic")
                || (!head.is_empty() && !head.contains(' '));
            rejected(message, named)
        }
    }
}

const FAMILIES: &[(&str, &[ConfigKey])] = &[
    ("producer", PRODUCER_KEYS),
    ("consumer", CONSUMER_KEYS),
    ("broker", BROKER_KEYS),
    ("topic", TOPIC_KEYS),
];

/// `{"family": ..., "key": ..., "value": ...}`: a real key (sometimes misspelt) and a value near
/// its default, at an edge, of the wrong type, or too long.
fn generate_config(prng: &mut Prng) -> String {
    let (family, keys) = pick(prng, FAMILIES);
    let key = pick(prng, keys);
    let name = if prng.chance(1, 10) {
        mutate_text(prng, key.name)
    } else {
        key.name.to_string()
    };
    let value = match prng.below(6) {
        0 => key.default.to_string(),
        1 => mutate_text(prng, key.default),
        2 => "9".repeat(1 + prng.below(30) as usize),
        3 => "x".repeat(if prng.chance(1, 4) { 5_000 } else { 20 }),
        _ => {
            let edge = super::mutate::random_value(prng, 3);
            match edge {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }
        }
    };
    serde_json::json!({ "family": family, "key": name, "value": value }).to_string()
}

fn check_config(input: &str) -> Verdict {
    let parsed: serde_json::Value = serde_json::from_str(input).unwrap_or_default();
    let field = |k: &str| parsed.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let Some((_, keys)) = FAMILIES.iter().find(|(f, _)| *f == field("family")) else {
        return rejected(format!("family: unknown in {input}"), true);
    };
    let defaults = def::parse(keys, &Default::default()).expect("defaults are valid");
    let result = def::with_value(keys, &defaults, field("key"), field("value")).and_then(|v| {
        match field("family") {
            "producer" => ProducerConfig::from_values(v).map(|_| ()),
            "consumer" => ConsumerConfig::from_values(v).map(|_| ()),
            "broker" => {
                let broker = BrokerConfig { values: v };
                let _ = LogConfig::resolve(&defaults_of(TOPIC_KEYS), &broker);
                Ok(())
            }
            _ => {
                let _ = LogConfig::resolve(&v, &BrokerConfig::defaults());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => Verdict::Accepted,
        Err(e) => {
            let message = e.to_string();
            // Kafka's cross-field texts name every key involved, the typed one among them.
            let typed = field("key");
            let named = if typed.trim().is_empty() {
                message.contains("name")
            } else {
                (!e.key.is_empty() && message.contains(&e.key)) || message.contains(typed)
            };
            rejected(message, named)
        }
    }
}

fn defaults_of(keys: &'static [ConfigKey]) -> crate::kafka::config::ConfigValues {
    def::parse(keys, &Default::default()).expect("defaults are valid")
}

/// Valid console lines, one or more per tool, to start from.
const CONSOLE_LINES: &[&str] = &[
    "kafka-topics.sh --bootstrap-server localhost:9092 --list",
    "kafka-topics.sh --bootstrap-server b1:9092 --describe --topic orders",
    "kafka-topics.sh --bootstrap-server b1:9092 --describe --under-replicated-partitions",
    "kafka-topics.sh --bootstrap-server b1:9092 --create --topic demo --partitions 3 --replication-factor 2 --config retention.ms=60000",
    "kafka-topics.sh --bootstrap-server b1:9092 --alter --topic orders --partitions 4",
    "kafka-consumer-groups.sh --bootstrap-server b1:9092 --list --state",
    "kafka-consumer-groups.sh --bootstrap-server b1:9092 --describe --group billing --members --verbose",
    "kafka-console-producer.sh --bootstrap-server b1:9092 --topic orders --property parse.key=true --property key.separator=:",
    "alice:hello",
    "kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --from-beginning --group g --max-messages 3 --property print.key=true",
    "kafka-get-offsets.sh --bootstrap-server b1:9092 --topic orders --time earliest",
    "kafka-get-offsets.sh --bootstrap-server b1:9092 --topic-partitions orders:0-2,__consumer_offsets:1",
    "kafka-configs.sh --bootstrap-server b1:9092 --describe --entity-type topics --entity-name orders",
    "kafka-configs.sh --bootstrap-server b1:9092 --alter --entity-type topics --entity-name orders --add-config retention.ms=60000",
    "kafka-configs.sh --bootstrap-server b1:9092 --alter --entity-type brokers --entity-default --delete-config log.retention.ms",
    "kafka-consumer-groups.sh --bootstrap-server b1:9092 --reset-offsets --group billing --topic orders --to-earliest --execute",
    "kafka-consumer-groups.sh --bootstrap-server b1:9092 --delete-offsets --group billing --topic orders",
    "kafka-consumer-groups.sh --bootstrap-server b1:9092 --delete --group audit",
    "kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --partition 1 --offset 2 --max-messages 2 --timeout-ms 3000",
    "kafka-topics.sh --bootstrap-server b1:9092 --create --topic placed --replica-assignment 1:2,2:3",
    "kafka-leader-election.sh --bootstrap-server b1:9092 --election-type preferred --all-topic-partitions",
    "kafka-leader-election.sh --bootstrap-server b1:9092 --election-type unclean --topic orders --partition 0",
    "kafka-dump-log.sh --files /tmp/kraft-combined-logs/orders-0/00000000000000000000.log --print-data-log",
    "kafka-topics.sh --bootstrap-server b1:9092 --delete --topic orders",
    "kafka-topics.sh --bootstrap-server b1:9092 --delete --topic '.*' --if-exists",
    "kafka-metadata-quorum.sh --bootstrap-server b1:9092 describe --status",
    "kafka-metadata-quorum.sh --bootstrap-controller ctl1:9093 describe --replication --human-readable",
    "kafka-log-dirs.sh --bootstrap-server b1:9092 --describe --broker-list 1 --topic-list orders",
    "kafka-producer-perf-test.sh --topic orders --num-records 50 --record-size 100 --throughput 10 --producer-props bootstrap.servers=b1:9092 acks=all",
    "kafka-producer-perf-test.sh --help",
    "kafka-consumer-perf-test.sh --bootstrap-server b1:9092 --topic orders --messages 5 --timeout 3000",
    "kafka-consumer-perf-test.sh --bootstrap-server b1:9092 --topic orders --messages 50 --group perf --show-detailed-stats --reporting-interval 100 --from-latest",
    "kafka-consumer-perf-test.sh --help",
    "sleep 1",
    "kafka-topics.sh --help",
    "echo \"two words\" 'and more'",
];

fn generate_console(prng: &mut Prng) -> String {
    let lines = 1 + prng.below(3);
    (0..lines)
        .map(|_| {
            let line = *pick(prng, CONSOLE_LINES);
            if prng.below(4) == 0 {
                line.to_string()
            } else {
                mutate_text(prng, line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each line is run as the console does (the verdict is the last line's), typed into a session
/// (commands injected, tools started), and the run stepped on so their effects play out.
fn check_console(input: &str) -> Verdict {
    let id = "queue-vs-pub-sub";
    let lesson = builtin::load(id).expect("a built-in lesson loads");
    let seed = lesson.seed;
    let mut session = Session::new(lesson, LessonRef::Builtin(id.into()), seed);
    let mut verdict = Verdict::Accepted;
    for line in input.split('\n') {
        let outcome = crate::present::console::run(session.world(), line);
        verdict = if outcome.exit_code == 0 {
            Verdict::Accepted
        } else {
            let message = outcome
                .lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join(" / ");
            // A refused line says what is wrong with it (Kafka's own error text).
            rejected(message.clone(), !message.trim().is_empty())
        };
        session.apply(Action::Console(line.to_string()));
        for _ in 0..20 {
            session.apply(Action::Step);
        }
    }
    session.apply(Action::ConsoleInterrupt);
    verdict
}
