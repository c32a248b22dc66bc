//! Branches kept in the browser's local storage (`present::saved`): what is written after a
//! change, that reading it back restores the tree, the branch and the step for the same lesson,
//! and that an entry too large, damaged or for another lesson is set aside with a message.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::saved::{
    read_saved, save_signature, storage_key, to_save, Save, MAX_SAVED, RESTORED,
};
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;

const LESSON: &str = "replication-playground";

fn session() -> Session {
    let lesson = builtin::load(LESSON).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(LESSON.into()), seed)
}

/// A run with two branches: b1 crashed at step 300 of the original, b3 at step 500 of a new one.
fn branched() -> Session {
    let mut s = session();
    s.apply(Action::SeekTo(600));
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(300));
    s.apply(Action::Command(Command::Crash {
        node: NodeId::broker(1),
    }));
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(500));
    s.apply(Action::Command(Command::Crash {
        node: NodeId::broker(3),
    }));
    s.apply(Action::RenameBranch(1, "b1 down".into()));
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(700));
    s
}

#[test]
fn a_fresh_run_keeps_nothing_and_a_branched_one_round_trips() {
    assert_eq!(to_save(&session()), Save::Forget);
    // One line of time, even with a command in it, is no tree: the lesson opens afresh.
    let mut one = session();
    one.apply(Action::SeekTo(0));
    one.apply(Action::Command(Command::Crash {
        node: NodeId::broker(2),
    }));
    assert_eq!(one.branch_count(), 1);
    assert_eq!(to_save(&one), Save::Forget);
    let s = branched();
    assert!(s.branch_count() >= 2, "{}", s.branch_count());
    let Save::Keep(text) = to_save(&s) else {
        panic!("a branched run is kept")
    };
    let mut reloaded = session();
    reloaded.apply(Action::RestoreSaved(text));
    let notice = reloaded.notice().unwrap().text.clone();
    assert!(notice.starts_with(RESTORED), "{notice}");
    assert_eq!(reloaded.branches(), s.branches());
    assert_eq!(reloaded.current_branch(), s.current_branch());
    assert_eq!(reloaded.world().steps_taken(), 700);
    assert_eq!(reloaded.world().fingerprint(), s.world().fingerprint());
    assert_eq!(save_signature(&reloaded), save_signature(&s));
    assert_eq!(
        storage_key(&LessonRef::Builtin(LESSON.into()), "x"),
        "kafka-classroom.branches.replication-playground"
    );
}

#[test]
fn the_signature_moves_with_the_tree_and_the_paused_step() {
    let mut s = branched();
    let before = save_signature(&s);
    s.apply(Action::RenameBranch(0, "the original".into()));
    let renamed = save_signature(&s);
    assert_ne!(before, renamed);
    s.apply(Action::SeekTo(650));
    assert_ne!(save_signature(&s), renamed);
}

#[test]
fn bad_or_foreign_or_oversized_entries_are_set_aside_with_a_message() {
    let Save::Keep(text) = to_save(&branched()) else {
        panic!("a branched run is kept")
    };
    let here = LessonRef::Builtin(LESSON.into());
    let other = LessonRef::Builtin("batching".into());
    assert!(read_saved(&text, &here).is_ok());
    let foreign = read_saved(&text, &other).unwrap_err();
    assert!(foreign.contains("another lesson"), "{foreign}");
    let huge = " ".repeat(MAX_SAVED + 1);
    assert!(read_saved(&huge, &here).unwrap_err().contains("too large"));
    for bad in [
        "",
        "{",
        "null",
        "[1,2]",
        "{\"kafka_classroom_run\":1}",
        &text[..text.len() / 2],
    ] {
        assert!(read_saved(bad, &here).is_err(), "{bad}");
        let mut s = session();
        s.apply(Action::RestoreSaved(bad.to_string()));
        let notice = s.notice().unwrap().text.clone();
        assert!(notice.contains("could not be restored"), "{notice}");
        assert_eq!(s.branch_count(), 1);
        assert_eq!(s.world().steps_taken(), 0);
    }
}
