//! The browser's Compare view as the session drives it: the second run follows the one on
//! screen step for step (play, seek back, a command), its figures are those the CLI prints for
//! the same change, another branch can be the second run, and closing Compare keeps the run.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::compare::{compare, compare_view, parse_change};
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;

const LESSON: &str = "replication-playground";

fn session() -> Session {
    let lesson = builtin::load(LESSON).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(LESSON.into()), seed)
}

#[test]
fn the_second_run_follows_the_first_and_ends_with_the_clis_figures() {
    let lesson = builtin::load(LESSON).unwrap();
    let mut s = session();
    s.apply(Action::OpenCompare(vec!["p1.acks=1".into()]));
    assert!(s.comparing().is_some(), "{:?}", s.notice());
    s.apply(Action::RunToEnd);
    let run = s.comparing().unwrap();
    // Both runs stand at the same simulated time.
    assert_eq!(run.other_world().now(), s.world().now());
    let cli = compare(&lesson, lesson.seed, &[parse_change("p1.acks=1").unwrap()]).unwrap();
    let (a, b) = run.figures();
    assert_eq!(a, cli.base);
    assert_eq!(b, cli.changed);
    assert_eq!(run.divergence(), cli.divergence.as_ref());
    let view = compare_view(run, s.world());
    assert_eq!(view.label, "acks=1 on p1");
    assert!(view
        .rows
        .iter()
        .any(|r| r.name == "latency p50/p95/p99" && r.differs));
    assert_eq!(view.partitions.len(), 3);
    let (seek, text) = view.divergence.unwrap();
    assert_eq!(seek, cli.divergence.unwrap().step);
    assert!(text.starts_with("First difference at step"), "{text}");
}

#[test]
fn seeking_back_and_a_new_command_rebuild_the_second_run_exactly() {
    let mut s = session();
    s.apply(Action::OpenCompare(vec!["-crash b2".into()]));
    for _ in 0..20 {
        s.apply(Action::Tick {
            wall_ms: 500,
            max_steps: 4000,
        });
    }
    s.apply(Action::RunToEnd);
    let end = s.comparing().unwrap().figures();
    let found = s.comparing().unwrap().divergence().cloned().unwrap();
    s.apply(Action::SeekTo(found.step));
    assert_eq!(
        s.comparing().unwrap().divergence(),
        Some(&found),
        "seeking to it keeps it"
    );
    s.apply(Action::SeekTo(1000));
    let back = s.comparing().unwrap();
    assert_eq!(back.other_world().now(), s.world().now());
    assert_eq!(back.figures().0.steps, 1000);
    s.apply(Action::RunToEnd);
    assert_eq!(
        s.comparing().unwrap().figures(),
        end,
        "the same run after a seek back"
    );
    // A command after the rewind reaches both runs at the same simulated time.
    s.apply(Action::SeekTo(1000));
    s.apply(Action::Command(Command::Crash {
        node: NodeId::broker(1),
    }));
    s.apply(Action::RunToEnd);
    let (a, b) = s.comparing().unwrap().figures();
    assert_eq!(a.steps, s.world().steps_taken());
    assert_ne!(b, end.1, "the crash of b1 changed the second run too");
    // Closing Compare leaves the run where it was.
    let (step, print) = (s.world().steps_taken(), s.world().fingerprint());
    s.apply(Action::CloseCompare);
    assert!(s.comparing().is_none());
    assert_eq!(
        (s.world().steps_taken(), s.world().fingerprint()),
        (step, print)
    );
}

#[test]
fn another_branch_can_be_the_second_run() {
    let mut s = session();
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(500));
    s.apply(Action::Command(Command::Crash {
        node: NodeId::broker(3),
    }));
    assert_eq!(s.branch_count(), 2);
    s.apply(Action::CompareBranch(1));
    assert!(s
        .notice()
        .unwrap()
        .text
        .contains("That is the branch on screen"));
    s.apply(Action::CompareBranch(0));
    let run = s.comparing().unwrap();
    assert!(run.label.contains("Original run"), "{}", run.label);
    s.apply(Action::SeekTo(400));
    s.apply(Action::RunToEnd);
    let d = s.comparing().unwrap().divergence().unwrap().clone();
    assert_eq!(d.step, 501, "the command after step 500 is step 501");
    assert!(d.a.contains("b3"), "{}", d.a);
    s.apply(Action::CompareBranch(9));
    assert!(s.notice().unwrap().text.contains("no such branch"));
}

#[test]
fn bad_changes_leave_compare_closed_with_a_message() {
    let mut s = session();
    for bad in [
        vec![],
        vec!["p1.acks=most".to_string()],
        vec!["zzz".to_string()],
    ] {
        s.apply(Action::OpenCompare(bad));
        assert!(s.comparing().is_none());
        assert!(s.notice().unwrap().text.starts_with("Cannot compare"));
    }
}

#[test]
fn the_short_list_offers_only_changes_that_apply() {
    use kafka_classroom::present::compare::{apply_change, choices};
    for id in [LESSON, "eager-vs-cooperative", "acks-1-loses-a-write"] {
        let lesson = builtin::load(id).unwrap();
        let list = choices(&lesson);
        assert!(list.len() >= 5, "{id}: {list:?}");
        for c in &list {
            let mut l = lesson.clone();
            apply_change(&mut l, &parse_change(&c.text).unwrap()).unwrap();
        }
    }
    let list = choices(&builtin::load(LESSON).unwrap());
    assert!(list
        .iter()
        .any(|c| c.text == "p1.acks=1" && c.label == "acks=1 on p1"));
    assert!(list.iter().any(|c| c.text == "-crash b2@4000"));
    let groups = choices(&builtin::load("eager-vs-cooperative").unwrap());
    assert!(groups.iter().any(|c| c.text.starts_with("assignor=")));
}

#[test]
fn a_command_the_second_run_refuses_is_said_in_the_strip() {
    use kafka_classroom::present::compare::REFUSALS_TITLE;
    let mut s = session();
    // B crashes b1 at 100 ms; A crashes it later by hand, which B cannot do again.
    s.apply(Action::OpenCompare(vec!["+crash b1@100".into()]));
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(800));
    assert!(s.world().now().as_ms() > 100, "{}", s.world().now().as_ms());
    let view = compare_view(s.comparing().unwrap(), s.world());
    assert!(view.refusals.is_empty(), "{:?}", view.refusals);
    s.apply(Action::Command(Command::Crash {
        node: NodeId::broker(1),
    }));
    s.apply(Action::Step);
    let view = compare_view(s.comparing().unwrap(), s.world());
    assert_eq!(view.refusals.len(), 1, "{:?}", view.refusals);
    let said = &view.refusals[0];
    assert!(said.contains("crash b1"), "{said}");
    assert!(said.contains("already stopped"), "{said}");
    assert_eq!(view.refused_more, None);
    assert!(!REFUSALS_TITLE.is_empty());
    // A accepted it: b1 is down in A too, and both runs stand at the same time.
    let run = s.comparing().unwrap();
    assert_eq!(run.other_world().now(), s.world().now());
    assert_eq!(run.refusals().1, 1);
    // Seeking back before the command forgets the refusal (it never happened there).
    s.apply(Action::SeekTo(400));
    let view = compare_view(s.comparing().unwrap(), s.world());
    assert!(view.refusals.is_empty(), "{:?}", view.refusals);
}
