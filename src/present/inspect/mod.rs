//! The record inspector: the life of one record, from `send()` to every group's commit, with the
//! simulated time and step number of each moment, so a class can ask "where is my record?" and
//! jump to the step that answers it. A record is named by where it sits (`orders-0@5`) or by its
//! producer and send number (`p1#5`, the history checker's name). The engine keeps no history,
//! so the life is read from the run's steps as they are replayed (`trace::RecordTracer`); the
//! browser replays the session's recording, the CLI runs the lesson.

mod trace;
mod words;

pub use trace::RecordTracer;

use super::narration::Tone;
use crate::kafka::record::RecordId;
use crate::kafka::{Event, KafkaStep, KafkaWorld, TopicPartition};
use crate::lesson::Lesson;
use crate::sim::SimTime;

/// How a user names a record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RecordRef {
    /// `orders-0@5`: the record at this offset (on the leader, or the replica that has it).
    At {
        partition: TopicPartition,
        offset: i64,
    },
    /// `p1#5`: producer 1's record from its send number 5 (counted from 0).
    Send(RecordId),
}

impl RecordRef {
    /// Parse `topic-N@offset` or `pN#send`; the error says what was expected.
    pub fn parse(text: &str) -> Result<RecordRef, String> {
        let text = text.trim();
        let expected =
            "name a record as topic-partition@offset (orders-0@5) or producer#send (p1#5)";
        if let Some((producer, serial)) = text.split_once('#') {
            let producer = producer
                .strip_prefix('p')
                .and_then(|p| p.parse::<u32>().ok());
            return match (producer, serial.parse::<u32>()) {
                (Some(producer), Ok(serial)) => Ok(RecordRef::Send(RecordId { producer, serial })),
                _ => Err(format!("\"{text}\": {expected}")),
            };
        }
        let Some((tp, offset)) = text.rsplit_once('@') else {
            return Err(format!("\"{text}\": {expected}"));
        };
        let partition = TopicPartition::parse(tp).map_err(|e| format!("\"{text}\": {e}"))?;
        let offset = offset
            .parse::<i64>()
            .ok()
            .filter(|o| *o >= 0)
            .ok_or_else(|| format!("\"{text}\": the offset must be a number from 0"))?;
        Ok(RecordRef::At { partition, offset })
    }
}

/// One moment of a record's life.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LifeLine {
    pub step: u64,
    pub time: String,
    pub text: String,
    pub tone: Tone,
}

/// A record's life, worded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordLife {
    pub record: RecordId,
    /// "p1#1 · key null · value m1".
    pub heading: String,
    /// Where it is now, or how it was lost or duplicated, in a sentence or two.
    pub fate: String,
    /// The alarming kind of fate (lost, duplicated, failed), for the banner's colour.
    pub alarming: bool,
    pub lines: Vec<LifeLine>,
}

impl RecordLife {
    /// The life as text: a heading, the fate, a line per moment (the CLI's `explain`).
    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}\n", self.heading, self.fate);
        for l in &self.lines {
            out.push_str(&format!(
                "  step {:>6}  {:>10}  {}\n",
                l.step, l.time, l.text
            ));
        }
        out
    }
}

/// The record a replica's log holds at `offset`: this broker's, or else the partition's
/// authoritative replica (the leader, or the newest running replica).
pub fn record_at(
    world: &KafkaWorld,
    partition: &TopicPartition,
    offset: i64,
    broker: Option<u32>,
) -> Option<RecordId> {
    let cluster = world.model();
    let hosting = match broker {
        Some(b) => cluster.brokers.values().find(|x| x.id.0 == b),
        None => crate::check::history::authoritative_replica(cluster.brokers.values(), partition),
    }?;
    hosting
        .replicas
        .get(partition)?
        .log
        .records()
        .find(|(o, _, _)| *o == offset)
        .map(|(_, _, r)| r.id)
}

/// Every record any leader appended at one offset, oldest first: a reference that no replica
/// holds any more (a truncated write) names the last of them.
#[derive(Clone, Debug, Default)]
pub struct OffsetHistory {
    partition: Option<TopicPartition>,
    offset: i64,
    pub appended: Vec<(u64, RecordId)>,
}

impl OffsetHistory {
    pub fn new(partition: &TopicPartition, offset: i64) -> OffsetHistory {
        OffsetHistory {
            partition: Some(*partition),
            offset,
            appended: Vec::new(),
        }
    }

    pub fn observe(&mut self, step: &KafkaStep) {
        for event in &step.events {
            if let Event::BatchAppended {
                partition,
                base_offset,
                last_offset,
                records,
                ..
            } = event
            {
                let ours = self.partition.as_ref() == Some(partition);
                if ours && (*base_offset..=*last_offset).contains(&self.offset) {
                    let i = (self.offset - base_offset) as usize;
                    if let Some(id) = records.get(i) {
                        self.appended.push((step.index, *id));
                    }
                }
            }
        }
    }
}

/// The record a reference names at the end of a run.
pub fn resolve(
    world: &KafkaWorld,
    reference: &RecordRef,
    history: &OffsetHistory,
) -> Result<RecordId, String> {
    match reference {
        RecordRef::Send(id) => Ok(*id),
        RecordRef::At { partition, offset } => record_at(world, partition, *offset, None)
            .or_else(|| history.appended.last().map(|(_, id)| *id))
            .ok_or_else(|| format!("no record was ever written at {partition}@{offset}")),
    }
}

/// `kafka-classroom explain`: run the lesson to `until_ms` and tell the named record's life.
pub fn explain(
    lesson: &Lesson,
    seed: u64,
    until_ms: u64,
    reference: &RecordRef,
) -> Result<RecordLife, String> {
    let mut run = lesson.clone();
    run.run_until_ms = until_ms;
    let mut history = match reference {
        RecordRef::At { partition, offset } => OffsetHistory::new(partition, *offset),
        RecordRef::Send(_) => OffsetHistory::default(),
    };
    let world = run.run(seed, |step| history.observe(step));
    let id = resolve(&world, reference, &history)?;
    let mut tracer = RecordTracer::new(id);
    let world = run.run(seed, |step| tracer.observe(step));
    let mut life = tracer.finish(&world);
    if let RecordRef::At { partition, offset } = reference {
        let others: Vec<String> = history
            .appended
            .iter()
            .map(|(_, r)| *r)
            .filter(|r| *r != id)
            .map(|r| r.to_string())
            .collect();
        if !others.is_empty() {
            life.fate.push_str(&format!(
                " {partition}@{offset} also held {} at some point (ask for it by name).",
                others.join(", ")
            ));
        }
    }
    Ok(life)
}

pub(crate) fn time_of(t: SimTime) -> String {
    super::view::time_text(t)
}

/// The life of `id` in a session's run: the recording replayed from the start to the furthest
/// step the timeline has reached, so moments after the step on screen are shown too (dimmed).
pub fn in_session(session: &super::session::Session, id: RecordId) -> RecordLife {
    let mut tracer = RecordTracer::new(id);
    let end = session.horizon().max(session.world().steps_taken());
    // The session's own order of steps, the lesson's console lines included; a recording that
    // no longer replays stops the story where it failed.
    let world = super::session::replay_steps(
        session.lesson(),
        session.seed(),
        session.commands(),
        end,
        |step| tracer.observe(step),
    );
    tracer.finish(&world)
}

/// One line of the inspector panel.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InspectorLine {
    pub step: u64,
    pub time: String,
    pub text: String,
    /// `routine`, `notable` or `alarm`.
    pub tone: &'static str,
    /// After the step on screen: the class has not seen it happen yet.
    pub later: bool,
    /// The latest moment at or before the step on screen.
    pub here: bool,
}

/// The inspector panel's view model.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InspectorView {
    pub heading: String,
    pub fate: String,
    pub alarming: bool,
    pub lines: Vec<InspectorLine>,
}

pub fn inspector_view(life: &RecordLife, current_step: u64) -> InspectorView {
    let here = life.lines.iter().rposition(|l| l.step <= current_step);
    InspectorView {
        heading: life.heading.clone(),
        fate: life.fate.clone(),
        alarming: life.alarming,
        lines: life
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| InspectorLine {
                step: l.step,
                time: l.time.clone(),
                text: l.text.clone(),
                tone: match l.tone {
                    Tone::Alarm => "alarm",
                    Tone::Notable => "notable",
                    _ => "routine",
                },
                later: l.step > current_step,
                here: Some(i) == here,
            })
            .collect(),
    }
}
