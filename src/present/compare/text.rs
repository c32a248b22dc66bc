//! Compare in words: a change's label, the short list of changes a lesson offers, the strip of
//! figures between the two stages, the second run's partitions, and the CLI's table.

use super::{Change, CompareRun, Comparison, Figures, Target};
use crate::kafka::Command;
use crate::lesson::Lesson;
use crate::present::session::command_label;
use crate::present::view::{partition_rows, PartitionRow};

/// A change as the strip and the CLI name it.
pub fn change_label(change: &Change) -> String {
    match change {
        Change::Config { target, key, value } => match target {
            Target::Node(n) => format!("{key}={value} on {n}"),
            Target::Producers if key == "enable.idempotence" => match value.as_str() {
                "true" => "idempotence on".into(),
                _ => "idempotence off".into(),
            },
            Target::Producers => format!("{key}={value} on every producer"),
            Target::Consumers if key == "partition.assignment.strategy" => {
                format!("assignor {value}")
            }
            Target::Consumers => format!("{key}={value} on every consumer"),
            Target::Brokers => format!("broker {key}={value}"),
            Target::Topic(rest) => format!("topic {rest}={value}"),
        },
        Change::AddFault { at_ms, command } => {
            format!("{} at {}", command_label(command), seconds(*at_ms))
        }
        Change::RemoveFault { command, at_ms } => match at_ms {
            Some(ms) => format!("no {} at {}", command_label(command), seconds(*ms)),
            None => format!("no {}", command_label(command)),
        },
    }
}

fn seconds(ms: u64) -> String {
    match ms % 1000 {
        0 => format!("{} s", ms / 1000),
        r => format!("{}.{} s", ms / 1000, r / 100),
    }
}

/// One entry of the short list: a group heading, its label, and the change as text.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Choice {
    pub group: String,
    pub label: String,
    pub text: String,
}

/// The changes worth trying on this lesson, each differing from what the lesson has.
pub fn choices(lesson: &Lesson) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut add = |group: String, text: String| {
        if let Ok(change) = super::parse_change(&text) {
            let mut probe = lesson.clone();
            if super::apply_change(&mut probe, &change).is_ok() {
                out.push(Choice {
                    group,
                    label: change_label(&change),
                    text,
                });
            }
        }
    };
    for (i, p) in lesson.spec.producers.iter().enumerate() {
        let (n, v) = (i + 1, &p.config.values);
        let group = format!("Producer p{n}");
        for acks in ["1", "all", "0"]
            .into_iter()
            .filter(|a| *a != v.get("acks"))
        {
            add(group.clone(), format!("p{n}.acks={acks}"));
        }
        let idem = if v.bool("enable.idempotence") {
            "false"
        } else {
            "true"
        };
        add(group.clone(), format!("p{n}.enable.idempotence={idem}"));
        let linger = if v.int("linger.ms") >= 50 { 0 } else { 100 };
        add(group.clone(), format!("p{n}.linger.ms={linger}"));
    }
    let brokers = &lesson.spec.broker_config.values;
    for t in &lesson.spec.topics {
        // A topic's value may be unset (the broker's applies): read it as text.
        let own = |key: &str| Some(t.config.get(key)).filter(|v| !v.is_empty());
        let group = format!("Topic {}", t.name);
        let min_isr = own("min.insync.replicas")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_else(|| brokers.int("min.insync.replicas"));
        let min_isr = if min_isr >= 2 { 1 } else { 2 };
        add(
            group.clone(),
            format!("topic.{}.min.insync.replicas={min_isr}", t.name),
        );
        let unclean = own("unclean.leader.election.enable").map_or_else(
            || brokers.bool("unclean.leader.election.enable"),
            |v| v == "true",
        );
        add(
            group,
            format!(
                "topic.{}.unclean.leader.election.enable={}",
                t.name, !unclean
            ),
        );
    }
    let unclean = !brokers.bool("unclean.leader.election.enable");
    add(
        "Brokers".into(),
        format!("broker.unclean.leader.election.enable={unclean}"),
    );
    add(
        "Brokers".into(),
        "broker.replica.lag.time.max.ms=10000".into(),
    );
    consumer_choices(lesson, &mut add);
    fault_choices(lesson, &mut add);
    out
}

fn consumer_choices(lesson: &Lesson, add: &mut impl FnMut(String, String)) {
    let subscribes = lesson
        .spec
        .consumers
        .iter()
        .any(|c| matches!(c.mode, crate::kafka::spec::ConsumerMode::Subscribe(_)));
    if subscribes {
        let current = lesson.spec.consumers[0]
            .config
            .values
            .list("partition.assignment.strategy");
        for name in ["range", "roundrobin", "sticky", "cooperative-sticky"] {
            if current.first().map(String::as_str) != Some(name) {
                add("Consumers".into(), format!("assignor={name}"));
            }
        }
    }
    for (i, c) in lesson.spec.consumers.iter().enumerate() {
        let auto = !c.config.values.bool("enable.auto.commit");
        add(
            format!("Consumer c{}", i + 1),
            format!("c{}.enable.auto.commit={auto}", i + 1),
        );
    }
}

fn fault_choices(lesson: &Lesson, add: &mut impl FnMut(String, String)) {
    for (at, command) in &lesson.actions {
        if let Some(text) = fault_text(command) {
            add("Faults".into(), format!("-{text}@{}", at.as_ms()));
        }
    }
    let mid = lesson.run_until_ms / 4 / 1000 * 1000;
    for b in 1..=lesson.spec.brokers.min(3) {
        add("Faults".into(), format!("+crash b{b}@{mid}"));
        add("Faults".into(), format!("+power-fail b{b}@{mid}"));
    }
}

/// A lesson's fault as `parse_change` reads it after `-` (`None`: not a fault).
fn fault_text(command: &Command) -> Option<String> {
    Some(match command {
        Command::Crash { node } => format!("crash {node}"),
        Command::PowerFail { node } => format!("power-fail {node}"),
        Command::Restart { node } => format!("restart {node}"),
        Command::Shutdown { node } => format!("shutdown {node}"),
        Command::Isolate { node } => format!("isolate {node}"),
        Command::Pause { node, ms } => format!("pause {node} {ms}"),
        Command::Heal => "heal".into(),
        _ => return None,
    })
}

/// The strip's line while no step differs yet.
pub const SAME_SO_FAR: &str = "So far the two runs are the same, step for step.";

/// One figure of the strip: both runs' values, and whether they differ.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FigureRow {
    pub name: &'static str,
    pub a: String,
    pub b: String,
    pub differs: bool,
}

/// One partition of the second run, with what differs from the first.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StripRow {
    pub partition: String,
    pub b: PartitionRow,
    pub leader_differs: bool,
    pub isr_differs: bool,
    /// The first run's high watermark.
    pub a_high_watermark: i64,
}

/// What the Compare view shows.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CompareView {
    pub label: String,
    pub rows: Vec<FigureRow>,
    /// The step to seek to to see the divergence, and what each run did there.
    pub divergence: Option<(u64, String)>,
    pub partitions: Vec<StripRow>,
    /// The commands B refused, newest first (at most `REFUSALS_SHOWN`), each in words.
    pub refusals: Vec<String>,
    /// "and N more", when B refused more than are shown.
    pub refused_more: Option<String>,
}

/// How many of B's refusals the strip lists.
pub const REFUSALS_SHOWN: usize = 3;
/// The strip's closing note.
pub const STRIP_NOTE: &str =
    "◆ marks what differs. Step, play and the timeline move both runs; a command (a fault, the console) goes to A and reaches B at the same simulated time.";
/// Beside the buttons that pick the stage shown when the page is too narrow for both.
pub const LANES_LABEL: &str = "Stage shown:";
/// The heading over B's refusals in the strip.
pub const REFUSALS_TITLE: &str = "B did not run";

/// A command the second run refused, in the strip's words.
pub fn refusal_text(r: &super::Refusal) -> String {
    format!(
        "\u{201c}{}\u{201d} at {}: {}. B's run differs there, so the command did nothing in B.",
        command_label(&r.command),
        crate::present::view::time_text(r.time),
        r.reason
    )
}

/// B's refusals for the strip: the newest few, and how many more there were.
fn refusal_lines(run: &CompareRun) -> (Vec<String>, Option<String>) {
    let (kept, count) = run.refusals();
    let lines: Vec<String> = kept
        .iter()
        .rev()
        .take(REFUSALS_SHOWN)
        .map(refusal_text)
        .collect();
    let more = (count as usize)
        .checked_sub(lines.len())
        .filter(|n| *n > 0)
        .map(|n| format!("and {n} more"));
    (lines, more)
}

/// The Compare view of `run`, with the first run's world on the main stage.
pub fn compare_view(run: &CompareRun, a_world: &crate::kafka::KafkaWorld) -> CompareView {
    let (a, b) = run.figures();
    let divergence = run.divergence().map(|d| {
        (
            d.step,
            format!(
                "First difference at step {} ({}). A: {} B: {}",
                d.step, d.time, d.a, d.b
            ),
        )
    });
    let a_rows = partition_rows(a_world);
    let partitions = partition_rows(run.other_world())
        .into_iter()
        .map(|b| {
            let a = a_rows.iter().find(|r| r.partition == b.partition);
            StripRow {
                partition: b.partition.clone(),
                leader_differs: a.is_some_and(|a| a.leader != b.leader),
                isr_differs: a.is_some_and(|a| a.isr != b.isr),
                a_high_watermark: a.map_or(0, |a| a.high_watermark),
                b,
            }
        })
        .collect();
    let (refusals, refused_more) = refusal_lines(run);
    CompareView {
        label: run.label.clone(),
        rows: figure_rows(&a, &b),
        divergence,
        partitions,
        refusals,
        refused_more,
    }
}

fn ms(us: u64) -> String {
    format!("{}.{} ms", us / 1000, us % 1000 / 100)
}

/// The figures that matter, in the order the strip and the CLI list them.
pub fn figure_rows(a: &Figures, b: &Figures) -> Vec<FigureRow> {
    let latency = |f: &Figures| match f.latency_us {
        Some([p50, p95, p99]) => format!("{} / {} / {}", ms(p50), ms(p95), ms(p99)),
        None => "-".into(),
    };
    let rate = |f: &Figures| format!("{}.{}", f.throughput_x10 / 10, f.throughput_x10 % 10);
    let pairs: [(&'static str, String, String); 9] = [
        (
            "acknowledged",
            a.acknowledged.to_string(),
            b.acknowledged.to_string(),
        ),
        (
            "lost (acknowledged)",
            a.lost.to_string(),
            b.lost.to_string(),
        ),
        (
            "duplicates",
            a.duplicates.to_string(),
            b.duplicates.to_string(),
        ),
        (
            "reordered",
            a.reordered.to_string(),
            b.reordered.to_string(),
        ),
        ("throughput (acked/s)", rate(a), rate(b)),
        ("latency p50/p95/p99", latency(a), latency(b)),
        (
            "rebalances",
            a.rebalances.to_string(),
            b.rebalances.to_string(),
        ),
        ("rebalance pauses", ms(a.rebalance_us), ms(b.rebalance_us)),
        ("max lag", a.max_lag.to_string(), b.max_lag.to_string()),
    ];
    pairs
        .into_iter()
        .map(|(name, a, b)| FigureRow {
            name,
            differs: a != b,
            a,
            b,
        })
        .collect()
}

/// The comparison as the CLI prints it: one line per figure, the two runs side by side.
pub fn describe(c: &Comparison, base: &str, changed: &str) -> Vec<String> {
    let mut lines = vec![format!("{:<22} {:<34} {}", "", base, changed)];
    lines.push(format!(
        "{:<22} {:<34} {}",
        "steps", c.base.steps, c.changed.steps
    ));
    for row in figure_rows(&c.base, &c.changed) {
        let mark = if row.differs { "  *" } else { "" };
        lines.push(format!("{:<22} {:<34} {}{mark}", row.name, row.a, row.b));
    }
    lines.push(match &c.divergence {
        Some(d) => format!(
            "first divergence: step {} at {}\n  {base}: {}\n  {changed}: {}",
            d.step, d.time, d.a, d.b
        ),
        None => "no divergence: the two runs are the same step for step".into(),
    });
    lines
}
