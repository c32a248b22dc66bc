//! Seeking along the timeline lands on exactly the world a straight run reaches: backwards and
//! forwards, across the snapshot window and the sparse ladder, and after a command replaced the
//! future. Compared by the world's fingerprint, which covers every step taken.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use kafka_classroom::sim::Fingerprint;

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    let mut s = Session::new(lesson, LessonRef::Builtin(id.into()), seed);
    // Beats would stop Play and wait for answers; the timeline is what is tested here.
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(0));
    s
}

/// Fingerprints of a straight run, at the given steps.
fn straight(id: &str, at: &[u64]) -> Vec<Fingerprint> {
    let lesson = builtin::load(id).unwrap();
    let mut world = lesson.world(lesson.seed);
    at.iter()
        .map(|target| {
            while world.steps_taken() < *target {
                world.step().unwrap();
            }
            world.fingerprint()
        })
        .collect()
}

#[test]
fn seeking_anywhere_reaches_the_same_world_as_a_straight_run() {
    let id = "classroom-scale";
    let mut s = session(id);
    let horizon = s.horizon();
    assert!(horizon > 60_000, "a long run: {horizon} steps");
    // Out of order on purpose: back, forward, near and far, on and off snapshot boundaries.
    let targets = [
        horizon / 2 + 7,
        3,
        horizon - 1,
        horizon / 3,
        horizon / 2 + 2_001,
        horizon / 2 + 6,
        40_000,
        1,
    ];
    let mut sorted = targets.to_vec();
    sorted.sort();
    let expected = straight(id, &sorted);
    for target in targets {
        s.apply(Action::SeekTo(target));
        assert_eq!(s.world().steps_taken(), target);
        let want = expected[sorted.iter().position(|t| *t == target).unwrap()];
        assert_eq!(s.world().fingerprint(), want, "seek to {target}");
    }
}

#[test]
fn stepping_back_is_one_step_back() {
    let mut s = session("replication-playground");
    s.apply(Action::SeekTo(2_345));
    s.apply(Action::StepBack);
    assert_eq!(s.world().steps_taken(), 2_344);
    assert_eq!(
        s.world().fingerprint(),
        straight("replication-playground", &[2_344])[0]
    );
}

#[test]
fn a_command_after_a_rewind_starts_a_new_future_and_seeking_follows_it() {
    let mut s = session("replication-playground");
    let old_horizon = s.horizon();
    s.apply(Action::SeekTo(1_000));
    // (The lesson crashes b2 itself; b1 is up.)
    s.apply(Action::Command(Command::Crash {
        node: NodeId::broker(1),
    }));
    assert!(
        s.horizon() <= 1_001 && s.horizon() < old_horizon,
        "this branch's future starts here (the old one is kept on its branch)"
    );
    for _ in 0..3_000 {
        s.apply(Action::Step);
    }
    let at_end = s.world().fingerprint();
    let end = s.world().steps_taken();
    assert!(end < old_horizon + 10_000);
    s.apply(Action::SeekTo(500));
    s.apply(Action::SeekTo(end));
    assert_eq!(
        s.world().fingerprint(),
        at_end,
        "the new future replays the crash"
    );
}
