//! Narration a class can read: one plain sentence per step ("p1 sent a batch of 20 records to
//! b3, the leader of orders-0"), quiet steps (empty fetches, timers re-armed) folded into a
//! count, times as "12.345 s". The exact RPC trace stays in `narrate` for the Details view, the
//! CLI and the golden traces; this is what the room reads.

mod sentences;
mod txn_sentences;

pub use sentences::{event_sentence, partition_reason, ready_reason, sentence, Sentence, Tone};

use crate::kafka::{KafkaStep, NodeId, TopicPartition};
use std::collections::VecDeque;
use std::rc::Rc;

/// Which lines to show.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum NarrationFilter {
    /// Every step that has something to say.
    #[default]
    All,
    /// Only notable and alarming steps (faults, elections, rebalances, errors).
    KeyMoments,
    /// Steps that involve this node.
    Node(NodeId),
    /// Steps about this partition.
    Partition(TopicPartition),
}

/// One line of the narration.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NarrationLine {
    pub step: u64,
    pub time: String,
    pub text: String,
    pub tone: Tone,
    /// Quiet steps folded into this line (they came just before it).
    pub folded: u32,
}

impl NarrationFilter {
    fn keeps(&self, s: &Sentence) -> bool {
        match self {
            NarrationFilter::All => s.tone != Tone::Quiet,
            NarrationFilter::KeyMoments => matches!(s.tone, Tone::Notable | Tone::Alarm),
            NarrationFilter::Node(n) => s.tone != Tone::Quiet && s.nodes.contains(n),
            NarrationFilter::Partition(p) => s.tone != Tone::Quiet && s.partitions.contains(p),
        }
    }
}

/// The newest `max` lines for `steps` (oldest first in the result), walking back from the newest
/// step and stopping as soon as enough lines are found.
pub fn narration(
    steps: &VecDeque<Rc<KafkaStep>>,
    filter: &NarrationFilter,
    max: u32,
) -> Vec<NarrationLine> {
    let mut lines: Vec<NarrationLine> = Vec::new();
    let mut folded = 0u32;
    for step in steps.iter().rev() {
        let s = sentence(step);
        if !filter.keeps(&s) {
            folded += 1;
            continue;
        }
        // The quiet steps just walked over came after this line.
        if let Some(newer) = lines.last_mut() {
            newer.folded = folded;
        }
        folded = 0;
        lines.push(NarrationLine {
            step: step.index,
            time: super::view::time_text(step.time),
            text: s.text,
            tone: s.tone,
            folded: 0,
        });
        if lines.len() as u32 == max {
            break;
        }
    }
    if let Some(oldest) = lines.last_mut() {
        oldest.folded = folded;
    }
    lines.reverse();
    lines
}

/// Quiet steps after the newest line (they follow everything shown).
pub fn quiet_tail(steps: &VecDeque<Rc<KafkaStep>>, filter: &NarrationFilter) -> u32 {
    steps
        .iter()
        .rev()
        .take_while(|s| !filter.keeps(&sentence(s)))
        .count() as u32
}

/// The filter's choices for a cluster, as (value, label): everything, key moments, each node,
/// each partition of the lesson's topics.
pub fn filter_choices(world: &crate::kafka::KafkaWorld) -> Vec<(String, String)> {
    let mut out = vec![
        ("all".to_string(), "Everything".to_string()),
        ("key".to_string(), "Key moments".to_string()),
    ];
    for n in world.model().nodes() {
        out.push((format!("node:{n}"), format!("Only {n}")));
    }
    if let Some(image) = super::view::truth(world) {
        for (tp, _) in image
            .partitions()
            .filter(|(tp, _)| !tp.topic.starts_with("__"))
        {
            out.push((format!("partition:{tp}"), format!("Only {tp}")));
        }
    }
    out
}

/// The filter a choice's value stands for (unknown values show everything).
pub fn parse_filter(value: &str) -> NarrationFilter {
    if value == "key" {
        return NarrationFilter::KeyMoments;
    }
    if let Some(n) = value.strip_prefix("node:") {
        if let Ok(node) = NodeId::parse(n) {
            return NarrationFilter::Node(node);
        }
    }
    if let Some(p) = value.strip_prefix("partition:") {
        if let Ok(tp) = TopicPartition::parse(p) {
            return NarrationFilter::Partition(tp);
        }
    }
    NarrationFilter::All
}
