//! The narration's sentences, event kind by event kind. Every built-in lesson is played to its
//! end, then a run made to raise the rarer events (`tests/data/narration-coverage.json`); every event it raises must either say a plain sentence (no Rust debug text, no RPC
//! names where a student would read them, a full stop) or be one of the kinds
//! that deliberately add to another event's sentence. Every event kind the engine can raise
//! must be met by some lesson or be listed here with why not; a new kind cannot slip in
//! without a sentence. Then a few sentences are checked word for word.

use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::KafkaStep;
use kafka_classroom::lesson::{builtin, Lesson};
use kafka_classroom::present::narration::{event_sentence, sentence, Tone};
use std::collections::{BTreeMap, BTreeSet};

/// Kinds that say nothing on their own: another event of the same step carries the sentence,
/// or they are bookkeeping a student does not need (the step folds into the quiet count).
const ADDS_TO_ANOTHER: &[(&str, &str)] = &[
    (
        "BatchReady",
        "the produce request sent in the same step says why the batch left",
    ),
    (
        "MetadataCommitted",
        "the controller's change that caused it has its own sentence",
    ),
    (
        "MetadataUpdated",
        "a broker applying metadata is bookkeeping; elections say what changed",
    ),
    (
        "HighWatermarkAdvanced",
        "said by the leader only; a follower learning it is quiet",
    ),
];

/// Kinds neither the built-in lessons nor `tests/data/narration-coverage.json` raise.
// No built-in lesson lets a transaction time out; tests/txn_coordinator.rs raises it and checks
// its sentence (`transaction_steps_say_what_happened`).
const NOT_IN_ANY_LESSON: &[&str] = &["TransactionTimedOut"];

/// The variant names of `enum Event`, read from its source so a new kind is noticed.
fn event_kinds() -> BTreeSet<String> {
    let src = std::fs::read_to_string("src/kafka/event.rs").unwrap();
    let body = src
        .split("pub enum Event {")
        .nth(1)
        .expect("enum Event in src/kafka/event.rs");
    let body = &body[..body.find("\n}\n").unwrap()];
    body.lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
        .map(str::trim)
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .map(|l| {
            l.split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn kind(event: &Event) -> String {
    let debug = format!("{event:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap()
        .to_string()
}

/// Wording a student should never read.
fn plain(text: &str) -> Result<(), String> {
    // Sentences may start with a name (p1, orders-0), so only emptiness is checked up front.
    if text.trim().is_empty() {
        return Err("empty sentence".into());
    }
    if !(text.ends_with('.') || text.ends_with('!') || text.ends_with('?')) {
        return Err(format!("no full stop: {text}"));
    }
    for bad in [
        "Some(",
        "None",
        "::",
        "{",
        "}",
        "Rc(",
        "TopicPartition",
        "NodeId",
    ] {
        if text.contains(bad) {
            return Err(format!("debug text {bad:?} in: {text}"));
        }
    }
    Ok(())
}

fn play(on_step: &mut impl FnMut(&KafkaStep)) {
    for lesson in builtin::all() {
        if lesson.id == "classroom-scale" {
            // Same events as the other lessons, at 40 times the cost.
            continue;
        }
        lesson.run(lesson.seed, &mut *on_step);
    }
    let text = std::fs::read_to_string("tests/data/narration-coverage.json").unwrap();
    let coverage = Lesson::parse(&text).expect("the coverage lesson parses");
    coverage.run(coverage.seed, &mut *on_step);
}

#[test]
fn every_event_kind_says_a_plain_sentence_or_adds_to_another() {
    let mut said: BTreeMap<String, String> = BTreeMap::new();
    let mut silent: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    play(&mut |step| {
        for event in &step.events {
            match event_sentence(event, step) {
                Some((Tone::Quiet, _)) | None => {
                    silent.insert(kind(event));
                }
                Some((_, text)) => {
                    if let Err(p) = plain(&text) {
                        problems.push(format!("{}: {p}", kind(event)));
                    }
                    said.entry(kind(event)).or_insert(text);
                }
            }
        }
        let whole = sentence(step);
        if whole.tone != Tone::Quiet {
            if let Err(p) = plain(&whole.text) {
                problems.push(format!("step {}: {p}", step.index));
            }
        }
    });
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{}",
        problems[..problems.len().min(20)].join("\n")
    );
    let quiet_kinds: BTreeSet<&str> = ADDS_TO_ANOTHER.iter().map(|(k, _)| *k).collect();
    let never_said: Vec<&String> = silent
        .iter()
        .filter(|k| !said.contains_key(*k) && !quiet_kinds.contains(k.as_str()))
        .collect();
    assert!(
        never_said.is_empty(),
        "kinds that never say anything: {never_said:?}"
    );
    let seen: BTreeSet<String> = said.keys().chain(silent.iter()).cloned().collect();
    let unmet: Vec<String> = event_kinds()
        .into_iter()
        .filter(|k| !seen.contains(k) && !NOT_IN_ANY_LESSON.contains(&k.as_str()))
        .collect();
    assert!(
        unmet.is_empty(),
        "event kinds no built-in lesson raises (write a lesson step that does, or list them with a test): {unmet:?}"
    );
}

/// The first sentence of a kind in one lesson.
fn first_said(lesson_id: &str, want: &str) -> String {
    let lesson = builtin::load(lesson_id).unwrap();
    let mut found = None;
    lesson.run(lesson.seed, |step| {
        if found.is_some() {
            return;
        }
        for event in &step.events {
            if kind(event) == want {
                if let Some((_, text)) = event_sentence(event, step) {
                    found = Some(text);
                    return;
                }
            }
        }
    });
    found.unwrap_or_else(|| panic!("{lesson_id} never says a {want}"))
}

#[test]
fn a_full_batch_names_its_leader_and_why_it_left() {
    let text = first_said("batching-step-by-step", "ProduceSent");
    assert!(text.starts_with("p1 sent "), "{text}");
    assert!(text.contains(", the leader of "), "{text}");
    assert!(
        text.ends_with("(the batch was full).") || text.ends_with("(linger.ms ran out)."),
        "{text}"
    );
}

#[test]
fn the_high_watermark_sentence_says_what_it_means() {
    let text = first_said("acks-all-needs-min-isr", "HighWatermarkAdvanced");
    assert!(
        text.ends_with("offsets below it are on every in-sync replica."),
        "{text}"
    );
    assert!(text.contains("'s high watermark reached "), "{text}");
}

#[test]
fn a_fenced_broker_is_an_alarm_naming_the_timeout() {
    let lesson = builtin::load("clean-election-waits").unwrap();
    let mut fenced = None;
    lesson.run(lesson.seed, |step| {
        for event in &step.events {
            if fenced.is_none() && kind(event) == "BrokerFenced" {
                fenced = event_sentence(event, step);
            }
        }
    });
    let (tone, text) = fenced.expect("clean-election-waits fences a broker");
    assert_eq!(tone, Tone::Alarm);
    assert!(text.starts_with("The controller fenced b"), "{text}");
}
