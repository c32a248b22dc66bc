//! Guarantee monitors name a broken promise at the step that broke it: the lost writes and the
//! records processed twice they report during a session are exactly those the history checker
//! finds at the end, and rewinding takes them back.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::monitor::{Violation, ViolationKind};
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use std::collections::BTreeSet;

fn session_to_end(id: &str) -> Session {
    let l = builtin::load(id).expect("built-in lesson");
    let mut s = Session::new(l.clone(), LessonRef::Builtin(l.id.clone()), l.seed);
    s.apply(Action::RunToEnd);
    s
}

fn lost(s: &Session) -> Vec<&Violation> {
    s.violations()
        .iter()
        .filter(|v| v.text.starts_with("An acknowledged write was lost"))
        .collect()
}

#[test]
fn the_lost_write_of_acks_1_is_named_when_b2_leads_without_it() {
    let s = session_to_end("acks-1-loses-a-write");
    let l = builtin::load("acks-1-loses-a-write").unwrap();
    let report = l.run_checked(l.seed, |_| {}).report;
    let v = lost(&s);
    assert_eq!(v.len(), 1, "{:?}", s.violations());
    assert_eq!(v[0].record, report.lost[0].0);
    // It is lost when b2 takes over without it (b1 cuts it away only when it returns).
    assert_eq!(
        v[0].text,
        "An acknowledged write was lost: b2 now leads t-0 without p1#1 (t-0@1); the replicas that have it will cut it away."
    );
    let mut elected = None;
    l.run(l.seed, |step| {
        let b2_leads = step.events.iter().any(|e| {
            matches!(e, kafka_classroom::kafka::Event::BecameLeader { broker, .. } if broker.0 == 2)
        });
        if elected.is_none() && b2_leads {
            elected = Some(step.index);
        }
    });
    assert_eq!(Some(v[0].step), elected);
}

#[test]
fn every_lost_write_the_checker_finds_was_named_as_it_happened() {
    for id in [
        "acks-1-loses-a-write",
        "unclean-election-loses-data",
        "acks-all-needs-min-isr",
    ] {
        let s = session_to_end(id);
        let l = builtin::load(id).unwrap();
        let report = l.run_checked(l.seed, |_| {}).report;
        let named: BTreeSet<_> = lost(&s).iter().map(|v| v.record).collect();
        let found: BTreeSet<_> = report.lost.iter().map(|(r, _, _)| *r).collect();
        assert_eq!(named, found, "{id}");
    }
}

#[test]
fn records_processed_twice_are_named_once_per_step() {
    let s = session_to_end("crash-before-commit-duplicates");
    let l = builtin::load("crash-before-commit-duplicates").unwrap();
    let report = l.run_checked(l.seed, |_| {}).report;
    let twice: Vec<&Violation> = s
        .violations()
        .iter()
        .filter(|v| v.text.starts_with("Processed twice"))
        .collect();
    assert!(!twice.is_empty());
    let counted: usize = twice
        .iter()
        .map(|v| {
            v.text
                .split(" and ")
                .nth(1)
                .and_then(|m| m.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok())
                .map_or(1, |more| more + 1)
        })
        .sum();
    assert_eq!(counted, report.groups["billing"].processed_twice.len());
    assert!(
        twice[0]
            .text
            .starts_with("Processed twice: billing (c2) processed p1#20 (invoices-0@20)"),
        "{}",
        twice[0].text
    );
}

#[test]
fn rewinding_takes_the_violation_back_and_replaying_names_it_once() {
    let mut s = session_to_end("acks-1-loses-a-write");
    let step = lost(&s)[0].step;
    s.apply(Action::SeekTo(step - 1));
    assert!(lost(&s).is_empty());
    s.apply(Action::SeekTo(step + 5));
    assert_eq!(lost(&s).len(), 1);
}

#[test]
fn a_clean_lesson_breaks_nothing() {
    assert!(session_to_end("replication-playground")
        .violations()
        .is_empty());
}

fn of_kind(s: &Session, kind: ViolationKind) -> Vec<&Violation> {
    s.violations().iter().filter(|v| v.kind == kind).collect()
}

#[test]
fn every_duplicate_the_checker_finds_was_named_when_the_leader_appended_it() {
    let mut any = false;
    for id in [
        "retry-duplicates-without-idempotence",
        "timeout-retry-duplicates",
        "retries-reorder-without-idempotence",
    ] {
        let s = session_to_end(id);
        let l = builtin::load(id).unwrap();
        let report = l.run_checked(l.seed, |_| {}).report;
        // Each copy after the first, by its offset.
        let named: BTreeSet<_> = of_kind(&s, ViolationKind::Duplicate)
            .iter()
            .flat_map(|v| v.offsets.iter().copied())
            .collect();
        let found: BTreeSet<_> = report
            .duplicates
            .iter()
            .flat_map(|(_, tp, offsets)| offsets[1..].iter().map(move |o| (*tp, *o)))
            .collect();
        assert_eq!(named, found, "{id}");
        any |= !found.is_empty();
    }
    assert!(any, "some lesson duplicates a record");
}

#[test]
fn every_reordering_the_checker_finds_was_named_when_it_landed() {
    let id = "retries-reorder-without-idempotence";
    let s = session_to_end(id);
    let l = builtin::load(id).unwrap();
    let report = l.run_checked(l.seed, |_| {}).report;
    assert!(!report.reordered.is_empty());
    let named: BTreeSet<_> = of_kind(&s, ViolationKind::Reordered)
        .iter()
        .map(|v| v.record)
        .collect();
    let found: BTreeSet<_> = report.reordered.iter().map(|(_, _, late)| *late).collect();
    assert_eq!(named, found);
    let v = of_kind(&s, ViolationKind::Reordered)[0];
    assert!(v.text.starts_with("Reordered: "), "{}", v.text);
    // The step appended it: its leader's append of that record happens there.
    let mut appended_at = None;
    l.run(l.seed, |step| {
        let here = step.events.iter().any(|e| {
            matches!(e, kafka_classroom::kafka::Event::BatchAppended { records, .. } if records.contains(&v.record))
        });
        if here {
            appended_at = Some(step.index);
        }
    });
    assert_eq!(Some(v.step), appended_at);
}

#[test]
fn every_record_never_processed_was_named_when_its_group_moved_past_it() {
    let mut any = false;
    for id in [
        "auto-commit-worker-loses",
        "latest-skips-old-records",
        "lag-beyond-retention",
        "crash-before-commit-duplicates",
        "replication-playground",
    ] {
        let s = session_to_end(id);
        let l = builtin::load(id).unwrap();
        let report = l.run_checked(l.seed, |_| {}).report;
        let named: BTreeSet<_> = of_kind(&s, ViolationKind::NeverProcessed)
            .iter()
            .flat_map(|v| {
                let g = v.group.clone().unwrap();
                v.offsets.iter().map(move |(tp, o)| (g.clone(), *tp, *o))
            })
            .collect();
        let found: BTreeSet<_> = report
            .groups
            .iter()
            .flat_map(|(g, c)| {
                c.never_processed
                    .iter()
                    .map(move |(tp, o)| (g.clone(), *tp, *o))
            })
            .collect();
        assert_eq!(named, found, "{id}");
        any |= !found.is_empty();
    }
    assert!(any);
}

/// The broken guarantees of a run stepped straight to step `to` (every step examined as it is
/// taken), with `command` run after step `at` when given.
fn straight_to(id: &str, command: Option<(u64, Command)>, to: u64) -> Vec<Violation> {
    let l = builtin::load(id).unwrap();
    let mut s = Session::new(l.clone(), LessonRef::Builtin(l.id.clone()), l.seed);
    while s.world().steps_taken() < to {
        match &command {
            Some((at, c)) if *at == s.world().steps_taken() => s.apply(Action::Command(c.clone())),
            _ => s.apply(Action::Step),
        }
    }
    s.violations().to_vec()
}

#[test]
fn a_seek_shows_exactly_the_findings_of_a_straight_run_to_that_step() {
    let id = "acks-1-loses-a-write";
    let mut s = session_to_end(id);
    let end = s.world().steps_taken();
    let at = lost(&s)[0].step;
    // Back and forth: replays over steps the monitors examined before, and past them.
    for target in [at + 5, at - 1, end, at, 3, at + 1, end - 2] {
        s.apply(Action::SeekTo(target));
        assert_eq!(s.world().steps_taken(), target);
        assert_eq!(s.violations(), straight_to(id, None, target), "at {target}");
    }
}

#[test]
fn a_new_future_after_a_rewind_is_examined_afresh_and_the_old_one_keeps_its_findings() {
    let id = "acks-1-loses-a-write";
    let mut s = session_to_end(id);
    let end = s.world().steps_taken();
    let at = lost(&s)[0].step;
    let fork = at - 40;
    let crash = Command::Crash {
        node: NodeId::broker(2),
    };
    s.apply(Action::SeekTo(fork));
    s.apply(Action::Command(crash.clone()));
    assert_eq!(s.current_branch(), 1);
    for _ in 0..200 {
        s.apply(Action::Step);
    }
    let now = s.world().steps_taken();
    let new_future = straight_to(id, Some((fork, crash.clone())), now);
    assert_eq!(s.violations(), new_future);
    s.apply(Action::SeekTo(fork + 3));
    assert_eq!(
        s.violations(),
        straight_to(id, Some((fork, crash)), fork + 3)
    );
    s.apply(Action::SwitchBranch(0));
    s.apply(Action::SeekTo(end));
    assert_eq!(s.violations(), straight_to(id, None, end));
    assert_eq!(lost(&s).len(), 1);
    s.apply(Action::SwitchBranch(1));
    s.apply(Action::SeekTo(now));
    assert_eq!(s.violations(), new_future);
}
