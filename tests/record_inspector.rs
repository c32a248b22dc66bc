//! The record inspector tells the life of a record from real runs of built-in lessons: every
//! record the history checker calls lost, duplicated or processed twice is explained as such,
//! with the step that did it, and the steps it names are the steps where the engine's events
//! happened.

use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::record::RecordId;
use kafka_classroom::kafka::{BrokerId, TopicPartition};
use kafka_classroom::lesson::{builtin, Lesson};
use kafka_classroom::present::inspect::{explain, RecordLife, RecordRef};
use kafka_classroom::present::narration::Tone;

fn lesson(id: &str) -> Lesson {
    builtin::load(id).expect("built-in lesson")
}

fn life(l: &Lesson, reference: &str) -> RecordLife {
    let r = RecordRef::parse(reference).expect("a valid reference");
    explain(l, l.seed, l.run_until_ms, &r).expect("the record exists")
}

fn line_with<'a>(
    life: &'a RecordLife,
    words: &str,
) -> &'a kafka_classroom::present::inspect::LifeLine {
    life.lines
        .iter()
        .find(|l| l.text.contains(words))
        .unwrap_or_else(|| panic!("no line with {words:?} in\n{}", life.text()))
}

/// The step at which the first event matching `pick` happened in a run of the lesson.
fn step_of(l: &Lesson, pick: impl Fn(&Event) -> bool) -> u64 {
    let mut found = None;
    l.run(l.seed, |step| {
        if found.is_none() && step.events.iter().any(&pick) {
            found = Some(step.index);
        }
    });
    found.expect("the event happens in this lesson")
}

#[test]
fn the_lost_write_of_acks_1_is_told_from_send_to_truncation() {
    let l = lesson("acks-1-loses-a-write");
    let report = l.run_checked(l.seed, |_| {}).report;
    assert_eq!(report.lost.len(), 1, "the lesson loses one write");
    let (id, tp, offset) = report.lost[0];
    let life = life(&l, &id.to_string());
    assert_eq!(life.record, id);
    assert!(life.alarming);
    assert!(
        life.fate
            .starts_with(&format!("Lost: acknowledged at {tp}@{offset}")),
        "{}",
        life.fate
    );
    let tp0 = TopicPartition::new("t", 0);
    let append = step_of(
        &l,
        |e| matches!(e, Event::BatchAppended { records, .. } if records.contains(&id)),
    );
    let line = line_with(
        &life,
        &format!("appended it at offset {offset} (leader epoch 0)"),
    );
    assert_eq!(line.step, append);
    let new_leader = step_of(
        &l,
        |e| matches!(e, Event::BecameLeader { broker, partition, .. } if *broker == BrokerId(2) && *partition == tp0),
    );
    let line = line_with(
        &life,
        "b2 became leader of t-0 (leader epoch 1) without this record",
    );
    assert_eq!((line.step, line.tone), (new_leader, Tone::Alarm));
    let cut = step_of(
        &l,
        |e| matches!(e, Event::FollowerTruncated { broker, .. } if *broker == BrokerId(1)),
    );
    let line = line_with(&life, "an acknowledged write is lost");
    assert_eq!((line.step, line.tone), (cut, Tone::Alarm));
    line_with(&life, "p1 got the acknowledgement");
    // Nobody ever copied it: b1 was cut off from its followers before it was written.
    assert!(
        !life.lines.iter().any(|l| l.text.contains("copied it")),
        "{}",
        life.text()
    );
    let steps: Vec<u64> = life.lines.iter().map(|l| l.step).collect();
    assert!(
        steps.windows(2).all(|w| w[0] <= w[1]),
        "in step order: {steps:?}"
    );
}

#[test]
fn an_offset_names_the_record_there_now_and_the_one_truncated_before_it() {
    let l = lesson("acks-1-loses-a-write");
    let life = life(&l, "t-0@1");
    assert_eq!(
        life.record,
        RecordId {
            producer: 1,
            serial: 2
        }
    );
    assert!(
        life.fate
            .contains("In t-0 at offset 1, committed, acknowledged"),
        "{}",
        life.fate
    );
    assert!(life.fate.contains("also held p1#1"), "{}", life.fate);
    // It was retried after the old leader's connection was reset, then written by b2.
    line_with(&life, "will retry it");
    line_with(&life, "left the accumulator: a retry");
    line_with(
        &life,
        "b2, leader of t-0, appended it at offset 1 (leader epoch 1)",
    );
    line_with(&life, "Committed: b2's high watermark moved from 1 to 2");
}

#[test]
fn a_retried_timeout_is_shown_written_twice() {
    let l = lesson("timeout-retry-duplicates");
    let report = l.run_checked(l.seed, |_| {}).report;
    assert!(!report.duplicates.is_empty());
    for (id, tp, offsets) in &report.duplicates {
        let life = life(&l, &id.to_string());
        let list: Vec<String> = offsets.iter().map(|o| o.to_string()).collect();
        assert!(
            life.fate.starts_with(&format!(
                "Duplicated: {tp} holds it {} times, at offsets {}",
                offsets.len(),
                list.join(" and ")
            )),
            "{}",
            life.fate
        );
        line_with(&life, "failed with REQUEST_TIMED_OUT");
        let again = line_with(&life, "appended it again");
        assert_eq!(again.tone, Tone::Alarm);
    }
}

#[test]
fn a_record_processed_twice_names_both_consumers() {
    let l = lesson("crash-before-commit-duplicates");
    let report = l.run_checked(l.seed, |_| {}).report;
    let twice = &report.groups["billing"].processed_twice;
    assert!(!twice.is_empty());
    for (tp, offset, _) in twice.iter().take(3) {
        let life = life(&l, &format!("{tp}@{offset}"));
        assert!(life.alarming);
        assert!(life.fate.contains("twice by billing"), "{}", life.fate);
        let first = line_with(&life, "finished processing it (billing)");
        let second = line_with(&life, "processed it again");
        assert!(first.step < second.step);
        assert_eq!(second.tone, Tone::Alarm);
        line_with(&life, "Group billing committed offset");
    }
}

#[test]
fn a_replicated_record_is_copied_by_every_follower_before_it_is_committed() {
    let l = lesson("replication-playground");
    let report = l.run_checked(l.seed, |_| {}).report;
    assert!(report.acknowledged > 0);
    let life = life(&l, "p1#0");
    let tp = life.heading.rsplit(" · ").next().unwrap().to_string();
    let append = line_with(&life, "appended it at offset");
    let committed = line_with(&life, "Committed:");
    let copies: Vec<_> = life
        .lines
        .iter()
        .filter(|l| l.text.contains("copied it from the leader"))
        .collect();
    assert_eq!(
        copies.len(),
        2,
        "RF 3: two followers copy it\n{}",
        life.text()
    );
    for c in &copies {
        assert!(
            append.step < c.step && c.step <= committed.step,
            "{}",
            life.text()
        );
    }
    for words in [
        "called send()",
        "left the accumulator",
        "in Produce request #",
        "got the acknowledgement",
    ] {
        line_with(&life, words);
    }
    assert!(life.heading.contains(&tp));
}

#[test]
fn bad_references_are_refused_with_a_message() {
    for bad in [
        "",
        "orders",
        "orders-0@",
        "orders-0@-1",
        "orders-x@1",
        "p#1",
        "px#2",
        "p1#",
        "@3",
    ] {
        let e = RecordRef::parse(bad).expect_err(bad);
        assert!(
            e.contains("orders-0@5") || e.contains("offset") || e.contains("partition"),
            "{bad}: {e}"
        );
    }
    let l = lesson("acks-1-loses-a-write");
    let nowhere = RecordRef::parse("t-0@99").unwrap();
    let e = explain(&l, l.seed, l.run_until_ms, &nowhere).expect_err("nothing at offset 99");
    assert_eq!(e, "no record was ever written at t-0@99");
    let unsent = explain(&l, l.seed, 1000, &RecordRef::parse("p1#9").unwrap()).unwrap();
    assert_eq!(unsent.fate, "Nothing in this run sent it (yet).");
}

#[test]
fn the_browser_session_tells_the_same_life_and_marks_what_is_still_ahead() {
    use kafka_classroom::present::inspect::{in_session, inspector_view, record_at};
    use kafka_classroom::present::session::{Action, Session};
    use kafka_classroom::present::share::LessonRef;
    let l = lesson("acks-1-loses-a-write");
    let mut session = Session::new(l.clone(), LessonRef::Builtin(l.id.clone()), l.seed);
    session.apply(Action::RunToEnd);
    let end = session.world().steps_taken();
    let id = RecordId {
        producer: 1,
        serial: 1,
    };
    let cli = explain(&l, l.seed, l.run_until_ms, &RecordRef::Send(id)).unwrap();
    let life = in_session(&session, id);
    assert_eq!(life.lines, cli.lines);
    assert_eq!(life.fate, cli.fate);
    // Rewind to just after the acknowledgement: the record is on b1's stage cell, and the
    // inspector still tells the whole life, the truncation marked as still ahead.
    let ack = line_with(&life, "got the acknowledgement").step;
    session.apply(Action::SeekTo(ack));
    let tp = TopicPartition::new("t", 0);
    assert_eq!(record_at(session.world(), &tp, 1, Some(1)), Some(id));
    let view = inspector_view(&in_session(&session, id), session.world().steps_taken());
    assert_eq!(
        view.lines.len(),
        life.lines.len(),
        "replayed to the horizon ({end})"
    );
    let here: Vec<_> = view.lines.iter().filter(|l| l.here).collect();
    assert_eq!(here.len(), 1);
    assert!(
        here[0].text.contains("got the acknowledgement"),
        "{:?}",
        here[0]
    );
    let cut = view
        .lines
        .iter()
        .find(|l| l.text.contains("is lost"))
        .unwrap();
    assert!(cut.later && cut.tone == "alarm");
    assert!(view
        .lines
        .iter()
        .filter(|l| l.step <= ack)
        .all(|l| !l.later));
}
