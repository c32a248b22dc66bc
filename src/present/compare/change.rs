//! What the second run of a comparison changes, as a teacher types it: a client, topic or broker
//! config (`p1.acks=1`, `topic.orders.min.insync.replicas=1`, `broker.unclean.leader.election.enable=true`),
//! a fault added or removed (`+crash b1@10000`, `-crash b2`), a different assignor
//! (`assignor=cooperative-sticky`), or idempotence on or off (`idempotence=off`).

use crate::kafka::config::{def, ConsumerConfig, ProducerConfig, CONSUMER_KEYS, PRODUCER_KEYS};
use crate::kafka::config::{BROKER_KEYS, TOPIC_KEYS};
use crate::kafka::{Command, NodeId};
use crate::lesson::Lesson;
use crate::sim::SimTime;

/// Whose config a change sets.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Target {
    /// One producer (`pN`) or consumer (`cN`).
    Node(NodeId),
    /// Every producer, or every consumer, of the lesson.
    Producers,
    Consumers,
    /// Every broker (the lesson's cluster config).
    Brokers,
    /// `topic.NAME.KEY`: the rest after `topic.`, split against the lesson's topic names.
    Topic(String),
}

/// One change the second run makes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Change {
    Config {
        target: Target,
        key: String,
        value: String,
    },
    /// A fault the lesson does not have, at a simulated time.
    AddFault { at_ms: u64, command: Command },
    /// A fault the lesson schedules, taken out (every one like it, or only the one at `at_ms`).
    RemoveFault {
        command: Command,
        at_ms: Option<u64>,
    },
}

const FORMS: &str =
    "expected NODE.KEY=VALUE (p1.acks=all), topic.NAME.KEY=VALUE, broker.KEY=VALUE, \
assignor=NAME, idempotence=on|off, +FAULT NODE@MS or -FAULT NODE";

/// Read one change as the CLI's `--set` and the UI's text field take it.
pub fn parse_change(text: &str) -> Result<Change, String> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('+') {
        let (command, at) = parse_fault(rest).map_err(|e| format!("\"{t}\": {e}"))?;
        let at_ms = at
            .ok_or_else(|| format!("\"{t}\": an added fault needs a time, e.g. +crash b1@10000"))?;
        return Ok(Change::AddFault { at_ms, command });
    }
    if let Some(rest) = t.strip_prefix('-') {
        let (command, at_ms) = parse_fault(rest).map_err(|e| format!("\"{t}\": {e}"))?;
        return Ok(Change::RemoveFault { command, at_ms });
    }
    let (target, value) = t
        .split_once('=')
        .ok_or_else(|| format!("\"{t}\": {FORMS}"))?;
    let (target, value) = (target.trim(), value.trim().to_string());
    let config = |target, key: &str, value: String| Change::Config {
        target,
        key: key.to_string(),
        value,
    };
    match target {
        "assignor" => {
            return Ok(config(
                Target::Consumers,
                "partition.assignment.strategy",
                value,
            ))
        }
        "idempotence" => {
            let on = match value.as_str() {
                "on" | "true" => "true",
                "off" | "false" => "false",
                _ => return Err(format!("\"{t}\": idempotence is on or off")),
            };
            return Ok(config(Target::Producers, "enable.idempotence", on.into()));
        }
        _ => {}
    }
    let (who, key) = target
        .split_once('.')
        .ok_or_else(|| format!("\"{t}\": {FORMS}"))?;
    let target = match who {
        "broker" | "brokers" => Target::Brokers,
        "producers" => Target::Producers,
        "consumers" => Target::Consumers,
        "topic" => return Ok(config(Target::Topic(key.to_string()), "", value)),
        node => match NodeId::parse(node).map_err(|e| format!("\"{t}\": {e}"))? {
            n @ (NodeId::Producer(_) | NodeId::Consumer(_)) => Target::Node(n),
            other => {
                return Err(format!(
                    "\"{t}\": {other} is a server; set every broker's config with broker.KEY=VALUE"
                ))
            }
        },
    };
    Ok(config(target, key.trim(), value))
}

/// `crash b2`, `power-fail b1`, `restart b2`, `shutdown b3`, `isolate b1`, `pause b1 5000`,
/// `heal`, with an optional `@MS`.
fn parse_fault(text: &str) -> Result<(Command, Option<u64>), String> {
    let (what, at) = match text.split_once('@') {
        Some((w, at)) => {
            let ms = at
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("\"{}\" is not a time in milliseconds", at.trim()))?;
            (w, Some(ms))
        }
        None => (text, None),
    };
    let words: Vec<&str> = what.split_whitespace().collect();
    let node = |i: usize| -> Result<NodeId, String> {
        let w = words
            .get(i)
            .ok_or("the fault needs a node, e.g. crash b1")?;
        NodeId::parse(w).map_err(|e| e.to_string())
    };
    let command = match words.first().copied() {
        Some("crash") => Command::Crash { node: node(1)? },
        Some("power-fail" | "powerfail" | "power_fail") => Command::PowerFail { node: node(1)? },
        Some("restart") => Command::Restart { node: node(1)? },
        Some("shutdown") => Command::Shutdown { node: node(1)? },
        Some("isolate") => Command::Isolate { node: node(1)? },
        Some("heal") => Command::Heal,
        Some("pause") => {
            let ms = words.get(2).and_then(|w| w.parse().ok()).unwrap_or(5000);
            Command::Pause { node: node(1)?, ms }
        }
        _ => {
            return Err(
                "a fault is crash, power-fail, restart, shutdown, isolate, pause or heal".into(),
            )
        }
    };
    Ok((command, at))
}

/// Apply `change` to a copy of the lesson (its cluster or its scheduled faults), with Kafka's
/// validation of every value.
pub fn apply_change(lesson: &mut Lesson, change: &Change) -> Result<(), String> {
    match change {
        Change::Config { target, key, value } => set_config(lesson, target, key, value),
        Change::AddFault { at_ms, command } => {
            if *at_ms > lesson.run_until_ms {
                return Err(format!(
                    "the fault at {at_ms} ms comes after the lesson's end ({} ms)",
                    lesson.run_until_ms
                ));
            }
            check_node(lesson, command)?;
            let at = SimTime::from_ms(*at_ms);
            let i = lesson.actions.partition_point(|(t, _)| *t <= at);
            lesson.actions.insert(i, (at, command.clone()));
            Ok(())
        }
        Change::RemoveFault { command, at_ms } => {
            let before = lesson.actions.len();
            lesson.actions.retain(|(t, c)| {
                !(c == command && at_ms.is_none_or(|ms| *t == SimTime::from_ms(ms)))
            });
            if lesson.actions.len() == before {
                return Err(format!(
                    "the lesson schedules no \"{}\" to remove",
                    super::super::session::command_label(command)
                ));
            }
            Ok(())
        }
    }
}

fn check_node(lesson: &Lesson, command: &Command) -> Result<(), String> {
    let node = match command {
        Command::Crash { node }
        | Command::PowerFail { node }
        | Command::Restart { node }
        | Command::Shutdown { node }
        | Command::Isolate { node }
        | Command::Pause { node, .. } => *node,
        _ => return Ok(()),
    };
    let spec = &lesson.spec;
    let exists = match node {
        NodeId::Broker(b) => b.0 >= 1 && b.0 <= spec.brokers,
        NodeId::Controller(n) => n >= 1 && n <= spec.controllers,
        NodeId::Producer(n) => n >= 1 && n as usize <= spec.producers.len(),
        NodeId::Consumer(n) => n >= 1 && n as usize <= spec.consumers.len(),
    };
    if exists {
        Ok(())
    } else {
        Err(format!("the lesson has no {node}"))
    }
}

fn set_config(lesson: &mut Lesson, target: &Target, key: &str, value: &str) -> Result<(), String> {
    let spec = &mut lesson.spec;
    let bad = |who: String| move |e: def::ConfigError| format!("{who}: {e}");
    match target {
        Target::Node(NodeId::Producer(n)) => {
            let i = index(*n, spec.producers.len())
                .ok_or(format!("the lesson has no producer p{n}"))?;
            set_producer(&mut spec.producers[i].config, key, value).map_err(bad(format!("p{n}")))
        }
        Target::Node(NodeId::Consumer(n)) => {
            let i = index(*n, spec.consumers.len())
                .ok_or(format!("the lesson has no consumer c{n}"))?;
            set_consumer(&mut spec.consumers[i].config, key, value).map_err(bad(format!("c{n}")))
        }
        Target::Node(other) => Err(format!("{other}: not a client")),
        Target::Producers if spec.producers.is_empty() => Err("the lesson has no producer".into()),
        Target::Producers => spec.producers.iter_mut().try_for_each(|p| {
            set_producer(&mut p.config, key, value).map_err(bad("producers".into()))
        }),
        Target::Consumers if spec.consumers.is_empty() => Err("the lesson has no consumer".into()),
        Target::Consumers => spec.consumers.iter_mut().try_for_each(|c| {
            set_consumer(&mut c.config, key, value).map_err(bad("consumers".into()))
        }),
        Target::Brokers => {
            let values = &mut spec.broker_config.values;
            *values =
                def::with_value(BROKER_KEYS, values, key, value).map_err(bad("brokers".into()))?;
            Ok(())
        }
        Target::Topic(rest) => {
            let names: Vec<String> = spec.topics.iter().map(|t| t.name.clone()).collect();
            let (i, key) = names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| rest.strip_prefix(n.as_str())?.strip_prefix('.').map(|k| (i, k)))
                .max_by_key(|(i, _)| names[*i].len())
                .ok_or_else(|| format!("topic.{rest}: expected topic.NAME.KEY with one of the lesson's topics ({})", names.join(", ")))?;
            let topic = &mut spec.topics[i];
            topic.config = def::with_value(TOPIC_KEYS, &topic.config, key, value)
                .map_err(bad(topic.name.clone()))?;
            Ok(())
        }
    }
}

fn index(n: u32, len: usize) -> Option<usize> {
    (n >= 1 && n as usize <= len).then(|| n as usize - 1)
}

fn set_producer(
    config: &mut ProducerConfig,
    key: &str,
    value: &str,
) -> Result<(), def::ConfigError> {
    let values = def::with_value(PRODUCER_KEYS, &config.values, key, value)?;
    *config = ProducerConfig::from_values(values)?;
    Ok(())
}

fn set_consumer(
    config: &mut ConsumerConfig,
    key: &str,
    value: &str,
) -> Result<(), def::ConfigError> {
    let values = def::with_value(CONSUMER_KEYS, &config.values, key, value)?;
    *config = ConsumerConfig::from_values(values)?;
    Ok(())
}
