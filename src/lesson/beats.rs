//! Beats: how a lesson speaks while it runs. Each beat has a trigger (a time, a step, or
//! something happening: a broker fenced, a high watermark passing an offset, a group becoming
//! Stable, a record lost), a caption, the things on the stage to highlight, and whether Play
//! pauses there. A beat may ask the class to predict before it reveals: the question names a
//! probe, each choice says what it means ("same", "higher", "equals b3"), and the run decides
//! which choice was right.

use super::expect::RunObserver;
use super::probe::{Probe, ProbeValue};
use super::LessonProblem;
use crate::kafka::event::Event;
use crate::kafka::{KafkaStep, KafkaWorld, NodeId, TopicPartition};
use serde::{Deserialize, Serialize};

/// When a beat fires: after the first step at which this holds.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// As the lesson opens, before any step.
    Start,
    /// Once simulated time reaches this many ms.
    AtMs(u64),
    /// After this many steps.
    AfterStep(u64),
    /// The node's process stops (crash, power failure, shutdown).
    Stopped(NodeId),
    /// The node's process starts again.
    Started(NodeId),
    /// The controller fences the broker.
    Fenced(NodeId),
    Unfenced(NodeId),
    /// The controller elects a leader for the partition (optionally: this broker).
    LeaderElected {
        partition: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        broker: Option<NodeId>,
    },
    /// The partition's ISR loses a member.
    IsrShrinks(String),
    /// The partition's ISR gains a member.
    IsrGrows(String),
    /// The partition's high watermark reaches `at_least` on its leader.
    HighWatermark {
        partition: String,
        at_least: i64,
    },
    /// A replica of the partition truncates its log.
    Truncated(String),
    /// The group's coordinator moves it into this state (Kafka's name, e.g. `Stable`).
    GroupState {
        group: String,
        state: String,
    },
    /// The group starts a rebalance.
    Rebalance(String),
    /// The consumer receives an assignment.
    Assigned(NodeId),
    /// The producer sees this error (Kafka's name, e.g. `NOT_ENOUGH_REPLICAS`).
    ProduceError {
        producer: NodeId,
        error: String,
    },
    /// A batch of the producer leaves the accumulator for this reason (`full`, `linger`, ...).
    BatchSent {
        producer: NodeId,
        reason: String,
    },
    /// The producer has `at_least` records acknowledged.
    Acked {
        producer: NodeId,
        at_least: u64,
    },
    /// An acknowledged write is gone from the logs (checked when a log is cut short).
    RecordLost,
    /// A record is processed a second time by the group.
    ProcessedTwice(String),
    /// A console line with every one of these words has run, typed by the class or by one of
    /// the lesson's console actions (`"typed": "kafka-consumer-groups.sh --describe"`).
    Typed(String),
}

/// What a choice means, judged against the probe's value when the answer is revealed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ChoiceRule {
    /// The value did not change between the question and the reveal.
    Same,
    Lower,
    Higher,
    /// The value equals this (a number, a broker, `yes`/`no`, `none`).
    Equals(serde_json::Value),
    AtLeast(i64),
    Below(i64),
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub text: String,
    #[serde(rename = "if")]
    pub rule: ChoiceRule,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub question: String,
    pub probe: Probe,
    pub choices: Vec<Choice>,
    /// When the answer is revealed; absent: as soon as the class has answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reveal: Option<Trigger>,
    /// Shown with the answer. `{value}` is the probe's value at the reveal, `{before}` its
    /// value when the question was asked.
    #[serde(default)]
    pub explain: String,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    pub when: Trigger,
    pub caption: String,
    /// What to look at: `b2`, `ctl1`, `p1`, `c1`, a partition `orders-0`, one replica
    /// `orders-0@b2`, a group `billing`, a link `p1->b2`.
    #[serde(default)]
    pub highlight: Vec<String>,
    /// Pause Play when the beat fires (default true).
    #[serde(default = "yes")]
    pub pause: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask: Option<Question>,
}

fn yes() -> bool {
    true
}

/// Where a beat file is wrong, under `beats[i]`.
fn at(field: &str, problem: LessonProblem) -> (String, LessonProblem) {
    (field.to_string(), problem)
}

impl Beat {
    /// Static checks against the lesson's cluster; `Err((field, problem))`.
    pub fn validate(
        &self,
        node_exists: &dyn Fn(NodeId) -> bool,
    ) -> Result<(), (String, LessonProblem)> {
        self.when.validate(node_exists).map_err(|p| at("when", p))?;
        if self.caption.trim().is_empty() {
            return Err(at("caption", LessonProblem::Empty));
        }
        for (i, h) in self.highlight.iter().enumerate() {
            validate_highlight(h, node_exists).map_err(|p| at(&format!("highlight[{i}]"), p))?;
        }
        if let Some(q) = &self.ask {
            q.probe
                .validate(node_exists)
                .map_err(|p| at("ask.probe", p))?;
            if q.choices.len() < 2 {
                return Err(at(
                    "ask.choices",
                    LessonProblem::OutOfRange {
                        value: q.choices.len() as i64,
                        min: 2,
                        max: 6,
                    },
                ));
            }
            if let Some(reveal) = &q.reveal {
                reveal
                    .validate(node_exists)
                    .map_err(|p| at("ask.reveal", p))?;
            }
        }
        Ok(())
    }
}

fn validate_highlight(
    text: &str,
    node_exists: &dyn Fn(NodeId) -> bool,
) -> Result<(), LessonProblem> {
    if let Some((from, to)) = text.split_once("->") {
        for n in [from, to] {
            let node = NodeId::parse(n)?;
            if !node_exists(node) {
                return Err(LessonProblem::NoSuchNode(node));
            }
        }
        return Ok(());
    }
    if let Some((partition, broker)) = text.split_once('@') {
        TopicPartition::parse(partition)?;
        let node = NodeId::parse(broker)?;
        return match node_exists(node) {
            true => Ok(()),
            false => Err(LessonProblem::NoSuchNode(node)),
        };
    }
    // A node name, a partition, or a group id: anything else is a group id.
    match NodeId::parse(text) {
        Ok(node) if !node_exists(node) => Err(LessonProblem::NoSuchNode(node)),
        _ => Ok(()),
    }
}

impl Trigger {
    pub fn validate(&self, node_exists: &dyn Fn(NodeId) -> bool) -> Result<(), LessonProblem> {
        let partition = match self {
            Trigger::LeaderElected { partition, .. }
            | Trigger::HighWatermark { partition, .. }
            | Trigger::IsrShrinks(partition)
            | Trigger::IsrGrows(partition)
            | Trigger::Truncated(partition) => Some(partition),
            _ => None,
        };
        if let Some(p) = partition {
            TopicPartition::parse(p)?;
        }
        let node = match self {
            Trigger::Stopped(n)
            | Trigger::Started(n)
            | Trigger::Fenced(n)
            | Trigger::Unfenced(n)
            | Trigger::Assigned(n)
            | Trigger::ProduceError { producer: n, .. }
            | Trigger::BatchSent { producer: n, .. }
            | Trigger::Acked { producer: n, .. } => Some(*n),
            Trigger::LeaderElected { broker, .. } => *broker,
            _ => None,
        };
        if let Some(n) = node.filter(|n| !node_exists(*n)) {
            return Err(LessonProblem::NoSuchNode(n));
        }
        if let Trigger::Typed(words) = self {
            if words.trim().is_empty() {
                return Err(LessonProblem::Empty);
            }
        }
        if let Trigger::BatchSent { reason, .. } = self {
            if crate::kafka::event::BatchReadyReason::parse(reason).is_none() {
                return Err(LessonProblem::NoSuchReason(reason.clone()));
            }
        }
        Ok(())
    }

    /// Whether the trigger holds after `step` (`None`: before the first step).
    pub fn fires(
        &self,
        step: Option<&KafkaStep>,
        world: &KafkaWorld,
        observer: &RunObserver,
    ) -> bool {
        match self {
            Trigger::Start => true,
            Trigger::AtMs(ms) => world.now().as_ms() >= *ms,
            Trigger::AfterStep(n) => world.steps_taken() >= *n,
            Trigger::Typed(words) => observer.typed(words),
            Trigger::Acked { producer, at_least } => match producer {
                NodeId::Producer(p) => world
                    .model()
                    .producers
                    .get(p)
                    .is_some_and(|p| p.stats.records_acked >= *at_least),
                _ => false,
            },
            Trigger::RecordLost => {
                step.is_some_and(|s| s.events.iter().any(may_lose_records))
                    && !observer.history.analyze(world).lost.is_empty()
            }
            Trigger::ProcessedTwice(group) => {
                step.is_some_and(|s| {
                    s.events
                        .iter()
                        .any(|e| matches!(e, Event::RecordsProcessed { .. }))
                }) && observer
                    .history
                    .analyze(world)
                    .groups
                    .get(group)
                    .is_some_and(|g| !g.processed_twice.is_empty())
            }
            _ => step.is_some_and(|s| s.events.iter().any(|e| self.matches(e))),
        }
    }

    /// Whether one event is what this (event-shaped) trigger waits for.
    fn matches(&self, event: &Event) -> bool {
        self.matches_node(event) || self.matches_partition(event) || self.matches_client(event)
    }

    fn matches_node(&self, event: &Event) -> bool {
        match (self, event) {
            (Trigger::Stopped(n), Event::ProcessStopped { node, .. }) => node == n,
            (Trigger::Started(n), Event::ProcessStarted { node }) => node == n,
            (Trigger::Fenced(n), Event::BrokerFenced { broker, .. }) => {
                *n == NodeId::Broker(*broker)
            }
            (Trigger::Unfenced(n), Event::BrokerUnfenced { broker }) => {
                *n == NodeId::Broker(*broker)
            }
            _ => false,
        }
    }

    fn matches_partition(&self, event: &Event) -> bool {
        let partition_is = |p: &TopicPartition, name: &str| p.to_string() == name;
        match (self, event) {
            (
                Trigger::LeaderElected {
                    partition: want,
                    broker: who,
                },
                Event::LeaderElected {
                    partition, leader, ..
                },
            ) => {
                partition_is(partition, want)
                    && who.is_none_or(|w| leader.is_some_and(|l| w == NodeId::Broker(l)))
            }
            (
                Trigger::IsrShrinks(want),
                Event::IsrChanged {
                    partition,
                    from,
                    to,
                    ..
                },
            ) => partition_is(partition, want) && to.len() < from.len(),
            (
                Trigger::IsrGrows(want),
                Event::IsrChanged {
                    partition,
                    from,
                    to,
                    ..
                },
            ) => partition_is(partition, want) && to.len() > from.len(),
            (
                Trigger::HighWatermark {
                    partition: want,
                    at_least,
                },
                Event::HighWatermarkAdvanced {
                    partition,
                    from,
                    to,
                    ..
                },
            ) => partition_is(partition, want) && *to >= *at_least && *from < *at_least,
            (Trigger::Truncated(want), Event::FollowerTruncated { partition, .. }) => {
                partition_is(partition, want)
            }
            _ => false,
        }
    }

    fn matches_client(&self, event: &Event) -> bool {
        match (self, event) {
            (
                Trigger::GroupState { group: g, state },
                Event::GroupStateChanged { group, to, .. },
            ) => g == group && state == to,
            (Trigger::Rebalance(g), Event::RebalanceStarted { group, .. }) => g == group,
            (Trigger::Assigned(n), Event::PartitionsAssigned { consumer, .. }) => {
                *n == NodeId::Consumer(*consumer)
            }
            (
                Trigger::ProduceError {
                    producer: p,
                    error: want,
                },
                Event::ProduceFailed {
                    producer, error, ..
                },
            ) => *p == NodeId::Producer(*producer) && error.to_string() == *want,
            (
                Trigger::BatchSent {
                    producer: p,
                    reason: want,
                },
                Event::BatchReady {
                    producer, reason, ..
                },
            ) => *p == NodeId::Producer(*producer) && reason.name() == want,
            _ => false,
        }
    }
}

/// Events after which an acknowledged record may be gone: a log cut short, an unclean
/// election, unflushed data lost on power failure.
fn may_lose_records(event: &Event) -> bool {
    matches!(
        event,
        Event::FollowerTruncated { .. }
            | Event::RecordsLostOnPowerFailure { .. }
            | Event::LeaderElected { .. }
            | Event::BecameLeader { .. }
    )
}

/// Which choices were right, given the probe's value when asked and when revealed.
pub fn correct_choices(question: &Question, before: &ProbeValue, after: &ProbeValue) -> Vec<u32> {
    question
        .choices
        .iter()
        .enumerate()
        .filter(|(_, c)| rule_holds(&c.rule, before, after))
        .map(|(i, _)| i as u32)
        .collect()
}

fn rule_holds(rule: &ChoiceRule, before: &ProbeValue, after: &ProbeValue) -> bool {
    let numbers = (before.as_number(), after.as_number());
    match rule {
        ChoiceRule::Same => before == after,
        ChoiceRule::Lower => matches!(numbers, (Some(b), Some(a)) if a < b),
        ChoiceRule::Higher => matches!(numbers, (Some(b), Some(a)) if a > b),
        ChoiceRule::AtLeast(n) => after.as_number().is_some_and(|a| a >= *n),
        ChoiceRule::Below(n) => after.as_number().is_some_and(|a| a < *n),
        ChoiceRule::Equals(want) => value_equals(want, after),
    }
}

fn value_equals(want: &serde_json::Value, value: &ProbeValue) -> bool {
    use serde_json::Value;
    match (want, value) {
        (Value::Number(n), ProbeValue::Number(v)) => n.as_i64() == Some(*v),
        (Value::String(s), ProbeValue::Text(t)) => s == t,
        (Value::String(s), ProbeValue::Missing) => s == "none",
        (Value::Array(items), ProbeValue::List(list)) => {
            let mut want: Vec<String> = items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect();
            let mut have = list.clone();
            crate::sim::sort::sort(&mut want);
            crate::sim::sort::sort(&mut have);
            want == have
        }
        (Value::Null, ProbeValue::Missing) => true,
        _ => false,
    }
}
